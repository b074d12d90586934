"""``/api/v1/bodies/<body>/ballots``: the chair puts a question; members cast their own votes.

Casting (``POST .../votes``) is the member's own act: the caller's token names
the voter, the server draws the tracker of a secret paper, and the answer
carries the receipt (c2sp.org/tlog-proof) at once. One vote per member per
ballot: the domain refuses a second, and the ``casts`` table's primary key is
the last guard. With an ``Idempotency-Key`` header a retried cast returns the
first answer (the same receipt); the same key with a different request is
refused (422). A cast is recorded in the registry as begun before it is
submitted to the log and as finished after, so a retry after a crash between
the two finds the vote in the log and returns its receipt instead of "already
voted".

Casts that arrive together at one body are written together (group commit,
:func:`_queued`): one registry transaction records them as begun, one ledger
transaction logs them under one signed checkpoint (each receipt proves its own
entry's inclusion under it), one registry transaction records them finished.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import weakref
from dataclasses import dataclass, field, replace
from typing import Any

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from api.app import instance
from api.db import CastRow, IdempotencyRow, write
from api.errors import Problem
from api.http.common import AcceptedSchema, Id, accept, at, fresh_id, me
from api.instance import Instance
from api.ledger import Ledger
from voting import commands as c
from voting import events as ev
from voting.decider import decide
from voting.errors import AlreadyVoted, DomainError
from voting.seal import seal
from voting.state import Ballot, BallotMethod, BodyState
from voting.times import TimeGoesBack, check_time

__all__ = ["blp", "receipts"]

blp = Blueprint("ballots", __name__, url_prefix="/api/v1/bodies/<body>/ballots",
                description="Ballots: opened by the chair, cast by each member, closed")

receipts = Blueprint("receipts", __name__, url_prefix="/api/v1/bodies/<body>/receipts",
                     description="A member's own receipts")

_log = logging.getLogger(__name__)

CHOICES = ["for", "against", "abstain"]
MAX_KEY = 255


class NewBallotSchema(Schema):
    id = Id(metadata={"description": "Chosen by the server when left out"})
    subject = Id(required=True, metadata={"description": "A motion, amendment or procedural"})
    method = fields.String(load_default="show_of_hands",
                           validate=validate.OneOf([m.value for m in BallotMethod]))


class BallotSchema(Schema):
    id = fields.String(required=True)
    meeting = fields.String(required=True)
    subject = fields.String(required=True)
    question = fields.String(required=True)
    method = fields.String(required=True)
    threshold = fields.String(required=True)
    closed = fields.Boolean(required=True)
    outcome = fields.String(required=True, metadata={"description": "Empty until the close"})


class OpenedSchema(AcceptedSchema):
    ballot = fields.Nested(BallotSchema, required=True)


class CastSchema(Schema):
    choice = fields.String(required=True, validate=validate.OneOf(CHOICES))


class CastReceiptSchema(Schema):
    ballot = fields.String(required=True)
    member = fields.String(required=True)
    entry = fields.Integer(required=True, metadata={"description": "The vote's leaf index"})
    tracker = fields.String(required=True, metadata={
        "description": "The secret paper's tracker (empty on a named vote)"})
    receipt = fields.String(required=True, metadata={
        "description": "c2sp.org/tlog-proof: keep it to check your vote is in the log"})


class ReceiptsSchema(Schema):
    receipts = fields.List(fields.Nested(CastReceiptSchema), required=True, metadata={
        "description": "Every vote you cast in this body that was logged, oldest first"})


class CloseSchema(Schema):
    counts = fields.List(fields.Integer(validate=validate.Range(0, 10**12)),
                         validate=validate.Length(3, 3), load_default=None, metadata={
                             "description": "For a show of hands: the tellers' for, against, "
                                            "abstain"})
    casting_vote = fields.String(load_default="", validate=validate.OneOf(["", "for",
                                                                             "against"]))


def show(ballot: Ballot) -> dict[str, Any]:
    return {"id": ballot.id, "meeting": ballot.meeting, "subject": ballot.subject,
            "question": ballot.question, "method": ballot.method.value,
            "threshold": ballot.threshold, "closed": ballot.closed, "outcome": ballot.outcome}


@blp.route("")
class Ballots(MethodView):
    @blp.arguments(NewBallotSchema)
    @blp.response(201, OpenedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str) -> dict[str, Any]:
        """The chair puts a question to the vote."""
        ballot_id = data.get("id") or fresh_id("ballot")
        where = accept(body, c.OpenBallot(at(), me(), ballot=ballot_id, subject=data["subject"],
                                          method=data["method"]))
        return {**where, "ballot": show(instance().state(body).ballot(ballot_id))}


@blp.route("/<ballot>")
class OneBallot(MethodView):
    @blp.response(200, BallotSchema)
    def get(self, body: str, ballot: str) -> dict[str, Any]:
        """A ballot: the question, the method and rule; the outcome once it is closed."""
        return show(instance().state(body).ballot(ballot))


@blp.route("/<ballot>/close")
class CloseBallot(MethodView):
    @blp.arguments(CloseSchema)
    @blp.response(201, OpenedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str, ballot: str) -> dict[str, Any]:
        """The chair closes the ballot; the count is made and declared in the log."""
        counts = data["counts"]
        where = accept(body, c.CloseBallot(
            at(), me(), ballot=ballot, casting_vote=data["casting_vote"],
            counts=(counts[0], counts[1], counts[2]) if counts is not None else None))
        closed = instance().state(body).ballot(ballot)
        if closed.method == BallotMethod.SECRET:
            forget_papers(body, ballot)
        return {**where, "ballot": show(closed)}


def forget_papers(body: str, ballot: str) -> None:
    """At a secret ballot's close its papers are published, so the registry no longer keeps
    what links a member to one: the tracker and receipt of each cast, and the answers kept
    for retries. Who voted stays (the marked register is in the log too); a retry after the
    close is refused as already voted (docs/verifying.md, "Sealed papers")."""
    with write(instance().engine) as conn:
        conn.execute(update(CastRow).where(CastRow.body == body, CastRow.ballot == ballot)
                     .values(tracker="", receipt=None))
        conn.execute(delete(IdempotencyRow).where(IdempotencyRow.request_sha256.in_(
            [_request_hash(body, ballot, choice) for choice in ("for", "against", "abstain")])))


@blp.route("/<ballot>/votes")
class Votes(MethodView):
    @blp.arguments(CastSchema)
    @blp.response(201, CastReceiptSchema)
    @blp.doc(security=[{"bearer": []}], parameters=[{
        "in": "header", "name": "Idempotency-Key", "required": False,
        "schema": {"type": "string", "maxLength": MAX_KEY},
        "description": "Retrying with the same key returns the first answer"}])
    def post(self, data: dict[str, Any], body: str, ballot: str) -> dict[str, Any]:
        """Cast your own vote; the answer is your receipt."""
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= MAX_KEY:
            raise Problem(422, "invalid-request", f"an Idempotency-Key is 1 to {MAX_KEY} "
                          "characters", field="Idempotency-Key")
        return cast(instance(), body, ballot, me(), data["choice"], key)


@receipts.route("")
class Receipts(MethodView):
    @receipts.response(200, ReceiptsSchema)
    @receipts.doc(security=[{"bearer": []}])
    def get(self, body: str) -> dict[str, Any]:
        """Your own receipts in this body, as each cast answered them (nobody else's)."""
        member = me()
        with instance().engine.connect() as conn:
            rows = conn.execute(select(CastRow.ballot, CastRow.entry, CastRow.tracker,
                                       CastRow.receipt).where(
                CastRow.body == body, CastRow.member == member,
                CastRow.entry.is_not(None)).order_by(CastRow.entry))
            found = [{"ballot": r.ballot, "member": member, "entry": r.entry,
                      "tracker": r.tracker, "receipt": r.receipt} for r in rows]
        return {"receipts": found}


def _request_hash(body: str, ballot: str, choice: str) -> str:
    text = json.dumps({"body": body, "ballot": ballot, "choice": choice}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _find_vote(ledger: Ledger, ballot: str, member: str, tracker: str, choice: str
               ) -> int | None:
    """The leaf index of ``member``'s vote on ``ballot`` in the log, if it is there.

    A named vote carries its voter; a sealed one names nobody, and is found by the
    seal that the member's tracker and choice open (``voting.seal``).
    """
    sealed = seal(ballot, tracker, choice) if tracker else None
    found = None
    for index, event in enumerate(ledger.events()):
        if type(event) not in ev.VOTES or getattr(event, "ballot", None) != ballot:
            continue
        if getattr(event, "voter", None) == member or (
                sealed is not None and getattr(event, "seal", None) == sealed):
            found = index
    return found


def cast(inst: Instance, body: str, ballot_id: str, member: str, choice: str,
         key: str | None) -> dict[str, Any]:
    """Cast ``member``'s vote, once, and answer with the receipt (see the module docstring).

    The checks that need no lock come first (an earlier answer under the same key, a
    finished cast, the decision on the state as the request found it: a refused cast
    writes nothing); then the cast joins its body's queue (:func:`_queued`), which logs
    the casts that arrive together in one transaction under one checkpoint."""
    principal = g.principal.id
    digest = _request_hash(body, ballot_id, choice)
    ledger = inst.ledger(body)
    earlier, row = _recorded(inst, body, ballot_id, member, principal, key)
    if earlier is not None:
        if earlier.request_sha256 != digest:
            raise Problem(422, "idempotency-key-reused", "this Idempotency-Key was used "
                          "for a different request", field="Idempotency-Key")
        if earlier.status is not None and earlier.response is not None:
            answer: dict[str, Any] = json.loads(earlier.response)
            return answer
    if row is not None and row.entry is not None:
        raise AlreadyVoted(f"{ledger.state.name_of(member)} has already voted on this ballot")
    if row is not None:  # begun and never finished: a crash between the two writes
        return _resume(inst, body, ballot_id, member, choice, principal, key)
    ballot = ledger.state.ballot(ballot_id)
    # the paper's tracker, drawn here at random, and the mark key (over the member, or
    # their pseudonym in an unattributed meeting) as the ledger completes them
    tracker = secrets.token_hex(32) if ballot.method == BallotMethod.SECRET else ""
    command = ledger.complete(c.CastVote(at(), member, ballot=ballot_id, choice=choice,
                                         tracker=tracker))
    _precheck(ledger.state, command)
    return _queued(inst, _Cast(body, ballot_id, member, principal, key, digest, command))


def _precheck(state: BodyState, command: c.CastVote) -> None:
    """Refuse a cast before anything is written (changes nothing), deciding it on the state
    as this request found it. A cast stamped before the log's last entry (another cast of
    this process was logged meanwhile) is decided at that entry's time, as the ledger will
    log it (``waited_times``, :meth:`api.ledger.Ledger.open`)."""
    if state.time:
        try:
            check_time(command.at, state.time)
        except TimeGoesBack:
            command = replace(command, at=state.time)
    decide(state, command)


def _recorded(inst: Instance, body: str, ballot: str, member: str, principal: str,
              key: str | None) -> tuple[Any, Any]:
    """What the registry holds of this cast: the answer kept under the idempotency key, and
    the member's cast row (begun, or finished with its entry and receipt)."""
    with inst.engine.connect() as conn:
        earlier = conn.execute(select(IdempotencyRow.request_sha256, IdempotencyRow.status,
                                      IdempotencyRow.response).where(
            IdempotencyRow.principal == principal, IdempotencyRow.key == key)).first() \
            if key is not None else None
        row = conn.execute(select(CastRow.entry, CastRow.tracker, CastRow.receipt).where(
            CastRow.body == body, CastRow.ballot == ballot, CastRow.member == member)).first()
    return earlier, row


def _resume(inst: Instance, body: str, ballot_id: str, member: str, choice: str,
            principal: str, key: str | None) -> dict[str, Any]:
    """A cast begun and never finished (the process stopped between logging and answering):
    its receipt if the vote is in the log, else the begun row goes and the cast is made
    again. Under the body's write lock, the row read again: a cast of this member still
    in its group when the request first looked has finished by now."""
    with inst.writing(body) as ledger:
        _, row = _recorded(inst, body, ballot_id, member, principal, None)
        if row is not None and row.entry is not None:
            raise AlreadyVoted(f"{ledger.state.name_of(member)} has already voted on this "
                               "ballot")
        if row is not None:
            index = _find_vote(ledger, ballot_id, member, row.tracker, choice)
            if index is not None:
                begun = ledger.complete(c.CastVote(at(), member, ballot=ballot_id,
                                                   choice=choice, tracker=row.tracker))
                return _finish(inst, ledger, body, ballot_id, member, begun, index,
                               principal, key)
            with write(inst.engine) as conn:
                conn.execute(delete(CastRow).where(CastRow.body == body,
                                                   CastRow.ballot == ballot_id,
                                                   CastRow.member == member))
    return cast(inst, body, ballot_id, member, choice, key)


@dataclass(slots=True)
class _Cast:
    """One member's cast in its body's queue, decided once already on the state the request
    found; ``answer`` or ``error`` is set when its group is done."""

    body: str
    ballot: str
    member: str
    principal: str
    key: str | None
    digest: str
    command: c.CastVote
    index: int = -1
    begun: bool = False  # its row (and key) recorded as begun by this cast
    answer: dict[str, Any] | None = None
    error: BaseException | None = None
    lead: bool = False  # this request's thread writes the next group
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(slots=True)
class _Queue:
    """The casts to one body waiting in this process, and whether a thread is writing."""

    guard: threading.Lock = field(default_factory=threading.Lock)
    pending: list[_Cast] = field(default_factory=list)
    leading: bool = False


MAX_GROUP = 256
"""The most casts one transaction logs; more wait for the next."""

_queues: weakref.WeakKeyDictionary[Instance, dict[str, _Queue]] = weakref.WeakKeyDictionary()
_queues_guard = threading.Lock()


def _queue(inst: Instance, body: str) -> _Queue:
    with _queues_guard:
        bodies = _queues.setdefault(inst, {})
        found = bodies.get(body)
        if found is None:
            found = bodies[body] = _Queue()
        return found


def _queued(inst: Instance, item: _Cast) -> dict[str, Any]:
    """Group commit (leader and followers): the first cast to find nobody writing to its body
    writes every cast waiting (:func:`_write_group`), its own among them; the casts that
    arrive meanwhile wait, and the first of them writes the next group. So one commit, one
    fsync and one signature serve every cast that arrived while the previous ones were
    written, and a cast waits at most for one group before its own."""
    queue = _queue(inst, item.body)
    with queue.guard:
        queue.pending.append(item)
        if not queue.leading:
            queue.leading = item.lead = True
    if not item.lead:
        item.done.wait()
    if item.lead:  # first in, or handed the lead: its own cast is in the group it takes
        _lead(inst, queue)
    if item.error is not None:
        raise item.error
    if item.answer is None:  # cannot happen: every cast of a group is answered or refused
        raise RuntimeError("a cast left its group unanswered")
    return item.answer


def _lead(inst: Instance, queue: _Queue) -> None:
    with queue.guard:
        group, queue.pending = queue.pending[:MAX_GROUP], queue.pending[MAX_GROUP:]
    try:
        _write_group(inst, group)
    except BaseException as exc:
        for item in group:
            if item.answer is None and item.error is None:
                item.error = exc
        raise
    finally:
        with queue.guard:
            successor = queue.pending[0] if queue.pending else None
            if successor is not None:
                successor.lead = True
            else:
                queue.leading = False
        for item in group:
            item.done.set()
        if successor is not None:
            successor.done.set()


def _write_group(inst: Instance, group: list[_Cast]) -> None:
    """Log a group of casts to one body, in steps: the registry records them as begun (one
    transaction); the ledger decides, stores and signs them (one transaction, one
    checkpoint); each gets its receipt; the registry records them finished, or forgets the
    refused (one transaction). Holding the body's write lock in this process."""
    body = group[0].body
    with inst.lock(body):
        ledger = inst.ledger(body)
        begun = _begin(inst, ledger, group)
        logged = _log_group(inst, ledger, begun)
        _receipt_group(ledger, logged)
        _record_group(inst, group)


def _begin(inst: Instance, ledger: Ledger, group: list[_Cast]) -> list[_Cast]:
    """Record each cast as begun (with its idempotency key) in one registry transaction; the
    casts' primary key refuses a second cast of a member already recorded (the last guard).
    The casts that may go on to the log."""
    rows = [{"body": item.body, "ballot": item.ballot, "member": item.member,
             "tracker": item.command.tracker, "entry": None, "receipt": None,
             "created_at": item.command.at} for item in group]
    keyed = [item for item in group if item.key is not None]
    try:
        with write(inst.engine) as conn:
            conn.execute(insert(CastRow), rows)
            _keep_keys(conn, keyed)
        for item in group:
            item.begun = True
        return group
    except IntegrityError:
        pass  # one of them is recorded already: one by one, each under a savepoint
    with write(inst.engine) as conn:
        for item, row in zip(group, rows, strict=True):
            try:
                with conn.begin_nested():
                    conn.execute(insert(CastRow).values(**row))
                    _keep_keys(conn, [item] if item.key is not None else [])
                item.begun = True
            except IntegrityError:
                item.error = AlreadyVoted(f"{ledger.state.name_of(item.member)} has already "
                                          "voted on this ballot")
    return [item for item in group if item.error is None]


def _keep_keys(conn: Connection, keyed: list[_Cast]) -> None:
    """The idempotency keys of casts begun: the request's hash, no answer yet."""
    for item in keyed:
        conn.execute(delete(IdempotencyRow).where(IdempotencyRow.principal == item.principal,
                                                  IdempotencyRow.key == item.key))
    if keyed:
        conn.execute(insert(IdempotencyRow), [
            {"principal": item.principal, "key": item.key, "request_sha256": item.digest,
             "status": None, "response": None, "created_at": item.command.at}
            for item in keyed])


def _log_group(inst: Instance, ledger: Ledger, group: list[_Cast]) -> list[_Cast]:
    """Submit the group's votes to the ledger in one transaction (:meth:`Ledger.submit_group`);
    a refused cast gets its error and is forgotten by the registry. If the transaction
    fails, the log says which casts it holds (committed, then failed: success). The casts
    now in the log, each with its entry's index."""
    if not group:
        return []
    try:
        answers = ledger.submit_group([item.command for item in group])
    except DomainError as refused:  # nothing written
        for item in group:
            item.error = refused
        return []
    except Exception as exc:
        # Committed and then failed, or not written at all: the log says which.
        ledger.refresh()
        for item in group:
            found = _find_vote(ledger, item.ballot, item.member, item.command.tracker,
                               item.command.choice)
            if found is None:
                item.error = exc
            else:
                item.index = found
        return [item for item in group if item.error is None]
    for item, answer in zip(group, answers, strict=True):
        if isinstance(answer, DomainError):
            item.error = answer
        else:
            item.index = next(i for i, e in zip(answer.indices, answer.events, strict=True)
                              if type(e) in ev.VOTES)
    return [item for item in group if item.error is None]


def _receipt_group(ledger: Ledger, logged: list[_Cast]) -> None:
    """Each logged cast's answer: its receipt, under the checkpoint its group signed. For a
    sealed vote it carries the tracker and the mark key, and in an unattributed meeting the
    member's key (their opening)."""
    for item in logged:
        command = item.command
        receipt = ledger.receipt(item.index, tracker=command.tracker,
                                 mark_key=command.mark_key,
                                 member_key=ledger.member_key_of(command))
        item.answer = {"ballot": item.ballot, "member": item.member, "entry": item.index,
                       "tracker": command.tracker, "receipt": receipt}


def _record_group(inst: Instance, group: list[_Cast]) -> None:
    """Record the answered casts as finished (entry, receipt, the answer kept under the
    key) and forget the refused ones, in one registry transaction. The votes are in the
    log already: a failure here is logged, not raised, and a retry finds the vote in the
    log (:func:`_resume`). So the commit waits for no flush to the disk
    (``Instance.lazy_engine``): if the machine stops before the next flush, the begun row
    and the logged vote, both durable, are what the retry finds, and it answers a receipt
    for the same entry."""
    finished = [item for item in group if item.answer is not None]
    refused = [item for item in group if item.answer is None and item.begun]  # not another's
    try:
        with write(inst.lazy_engine) as conn:
            if finished:
                conn.execute(update(CastRow).where(
                    CastRow.body == bindparam("b_body"), CastRow.ballot == bindparam("b_ballot"),
                    CastRow.member == bindparam("b_member")).values(
                    entry=bindparam("b_entry"), receipt=bindparam("b_receipt")), [
                    {"b_body": item.body, "b_ballot": item.ballot, "b_member": item.member,
                     "b_entry": item.index, "b_receipt": item.answer["receipt"]}
                    for item in finished if item.answer is not None])
            for item in finished:
                if item.key is not None:
                    conn.execute(update(IdempotencyRow).where(
                        IdempotencyRow.principal == item.principal,
                        IdempotencyRow.key == item.key).values(
                        status=201, response=json.dumps(item.answer)))
            for item in refused:
                _forget_on(conn, item.body, item.ballot, item.member, item.principal,
                           item.key)
    except Exception:
        if not finished:
            raise
        _log.exception("recording logged casts in the registry of %s", group[0].body)


def _forget_on(conn: Connection, body: str, ballot: str, member: str, principal: str,
               key: str | None) -> None:
    """A refused cast leaves nothing: its begun row and its key go."""
    conn.execute(delete(CastRow).where(CastRow.body == body, CastRow.ballot == ballot,
                                       CastRow.member == member))
    if key is not None:
        conn.execute(delete(IdempotencyRow).where(IdempotencyRow.principal == principal,
                                                  IdempotencyRow.key == key))


def _finish(inst: Instance, ledger: Ledger, body: str, ballot: str, member: str,
            command: c.CastVote, index: int, principal: str, key: str | None) -> dict[str, Any]:
    """The voter's receipt for entry ``index``: for a sealed vote it carries the tracker and
    the mark key, and in an unattributed meeting the member's key (their opening)."""
    tracker = command.tracker
    receipt = ledger.receipt(index, tracker=tracker, mark_key=command.mark_key,
                             member_key=ledger.member_key_of(command))
    answer = {"ballot": ballot, "member": member, "entry": index, "tracker": tracker,
              "receipt": receipt}
    with write(inst.engine) as conn:
        conn.execute(update(CastRow).where(CastRow.body == body, CastRow.ballot == ballot,
                                           CastRow.member == member)
                     .values(entry=index, receipt=receipt))
        if key is not None:
            conn.execute(update(IdempotencyRow).where(IdempotencyRow.principal == principal,
                                                      IdempotencyRow.key == key)
                         .values(status=201, response=json.dumps(answer)))
    return answer

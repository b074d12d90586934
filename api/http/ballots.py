"""``/api/v1/bodies/<body>/ballots``: the chair puts a question; members cast their own votes.

Casting (``POST .../votes``) is the member's own act: the caller's token names
the voter, the server draws the tracker of a secret paper, and the answer
carries the receipt (c2sp.org/tlog-proof) at once. One vote per member per
ballot: the domain refuses a second, and the ``casts`` table's primary key is
the last guard. With an ``Idempotency-Key`` header a retried cast returns the
first answer (the same receipt); the same key with a different request is
refused (422). A cast is recorded in the registry as begun before it is
submitted to the log and as finished after, so a retry under the same key after a
crash between the two finds the vote in the log and returns its receipt; any other
request for that member is refused as already voted (one vote, one 201). Casts of one
member racing in several worker processes wait for each other (:func:`cast`); a server
starting settles the casts a crash cut off (:func:`settle_casts`).

Casts that arrive together at one body in one process are written together (group commit,
:func:`_queued`): each still makes its own claim, but the claims of a group are inserted in
one registry transaction, its votes are logged in one ledger transaction under one signed
checkpoint (each receipt proves its own entry under it), and its casts are recorded
finished in one registry transaction. On PostgreSQL, where the registry and the body's log
are one database, those three are ONE transaction (:class:`_Together`): a group's claims,
votes, checkpoint and receipts commit together or not at all, so no cast is ever left begun;
and the first tries that reach the queue while the group waits for the body's lock join it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import ColumnElement, Connection, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from api import failpoints
from api.app import instance
from api.auth import rfc3339
from api.db import CastRow, IdempotencyRow, PrincipalRow, write
from api.errors import Problem
from api.http.common import AcceptedSchema, Id, Int, accept, at, fresh_id, me
from api.instance import Instance
from api.ledger import Ledger, Submitted, Unclaimed
from voting import chatham
from voting import commands as c
from voting import events as ev
from voting.decider import decide
from voting.errors import AlreadyVoted, DomainError
from voting.seal import seal
from voting.state import Ballot, BallotMethod

__all__ = ["blp", "receipts", "settle_casts"]

blp = Blueprint("ballots", __name__, url_prefix="/api/v1/bodies/<body>/ballots",
                description="Ballots: opened by the chair, cast by each member, closed")

receipts = Blueprint("receipts", __name__, url_prefix="/api/v1/bodies/<body>/receipts",
                     description="A member's own receipts")

CHOICES = ["for", "against", "abstain"]
MAX_KEY = 255


class NewBallotSchema(Schema):
    id = Id(metadata={"description": "Chosen by the server when left out"})
    subject = Id(required=True, metadata={"description": "A motion, amendment or procedural"})
    method = fields.String(load_default="show_of_hands",
                           validate=validate.OneOf([m.value for m in BallotMethod]))
    threshold = fields.String(load_default="", validate=validate.Length(0, 64), metadata={
        "description": "Put a motion with its own rule, one the standing orders allow"})


class BallotSchema(Schema):
    id = fields.String(required=True)
    meeting = fields.String(required=True)
    subject = fields.String(required=True)
    question = fields.String(required=True)
    method = fields.String(required=True)
    threshold = fields.String(required=True)
    closed = fields.Boolean(required=True)
    outcome = fields.String(required=True, metadata={"description": "Empty until the close"})
    turnout = fields.Integer(allow_none=True, required=True, metadata={
        "description": "While the ballot is open, how many have voted so far, where the "
                       "body's policy shows it (never what anyone chose); else null"})


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
    counts = fields.List(Int(validate=validate.Range(0, 10**12)),
                         validate=validate.Length(3, 3), load_default=None, metadata={
                             "description": "For a show of hands: the tellers' for, against, "
                                            "abstain"})
    casting_vote = fields.String(load_default="", validate=validate.OneOf(["", "for",
                                                                             "against"]))


def turnout(body: str, ballot: Ballot) -> int | None:
    """How many have voted on an open ballot, where the body shows it: the votes and sealed
    papers logged so far, a count and nothing of what they chose (``None`` on a show of hands,
    whose figures only the tellers' count at the close gives, after the close, and where the
    body's policy does not show it)."""
    if ballot.closed or ballot.method == BallotMethod.SHOW_OF_HANDS:
        return None
    if not instance().shows_turnout(body):
        return None
    return len(ballot.votes) + len(ballot.marks)


def show(ballot: Ballot, body: str | None = None) -> dict[str, Any]:
    return {"id": ballot.id, "meeting": ballot.meeting, "subject": ballot.subject,
            "question": ballot.question, "method": ballot.method.value,
            "threshold": ballot.threshold, "closed": ballot.closed, "outcome": ballot.outcome,
            "turnout": turnout(body, ballot) if body is not None else None}


@blp.route("")
class Ballots(MethodView):
    @blp.arguments(NewBallotSchema)
    @blp.response(201, OpenedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str) -> dict[str, Any]:
        """The chair puts a question to the vote."""
        ballot_id = data.get("id") or fresh_id("ballot")
        where = accept(body, c.OpenBallot(at(), me(), ballot=ballot_id, subject=data["subject"],
                                          method=data["method"], threshold=data["threshold"]))
        return {**where, "ballot": show(instance().state(body).ballot(ballot_id), body)}


@blp.route("/<ballot>")
class OneBallot(MethodView):
    @blp.response(200, BallotSchema)
    def get(self, body: str, ballot: str) -> dict[str, Any]:
        """A ballot: the question, the method and rule; the outcome once it is closed."""
        return show(instance().state(body).ballot(ballot), body)


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

    A named vote carries its voter (in an unattributed meeting, the voter's pseudonym,
    ``voting.chatham``); a sealed one names nobody, and is found by the seal that the
    member's tracker and choice open (``voting.seal``).
    """
    known = ledger.state.ballots.get(ballot)
    if known is None:
        return None
    names = {member}
    if known.meeting in ledger.state.unattributed:  # there the log names the pseudonym
        secret = ledger.store.secret("meeting", known.meeting)
        if secret is not None:
            names.add(chatham.pseudonym_of(known.meeting, member, secret))
    if not tracker and names.isdisjoint(known.votes):
        return None  # the state says so without reading the log (a waiting cast asks often)
    sealed = seal(ballot, tracker, choice) if tracker else None
    found = None
    for index, event in enumerate(ledger.events()):
        if type(event) not in ev.VOTES or getattr(event, "ballot", None) != ballot:
            continue
        if getattr(event, "voter", None) in names or (
                sealed is not None and getattr(event, "seal", None) == sealed):
            found = index
    return found


WAIT_SECONDS = 15.0
"""How long a cast waits for another cast of the same member, in flight in any worker, to end
before it takes that cast's unfinished row for a leftover and casts itself."""


_sleep = time.sleep  # how a cast waits (a test replaces it with another worker's work)


def cast(inst: Instance, body: str, ballot_id: str, member: str, choice: str,
         key: str | None) -> dict[str, Any]:
    """Cast ``member``'s vote, once, and answer with the receipt (see the module docstring).

    Several requests for one member may race, in one worker or in several: the registry's
    row is the claim, and a request that finds another's claim still unfinished waits for it
    (without holding the body's lock), then answers as the log and the registry then say:
    the first answer under the same key, else already voted, else it casts. Each try joins
    the body's queue (:func:`_queued`), so the tries that arrive together are written as one
    group.
    """
    principal = g.principal.id
    digest = _request_hash(body, ballot_id, choice)
    deadline = time.monotonic() + WAIT_SECONDS
    pause = 0.005
    started = rfc3339(current_app.config["STARTED"])
    careful = key is not None  # a try under a key asks the registry first, always
    while True:
        answer = _queued(inst, _Try(body, ballot_id, member, choice, key, principal, digest,
                                    started, stale=time.monotonic() > deadline,
                                    careful=careful))
        if answer is not None:
            return answer
        careful = True  # the registry holds something of this cast: ask it from now on
        if time.monotonic() > deadline + WAIT_SECONDS:  # never seen: a bound, not a hope
            raise Problem(409, "cast-in-progress", "another cast of this member on this "
                          "ballot is still being written: ask again later", field="ballot")
        _sleep(pause)
        pause = min(pause * 2, 0.1)


def _attempt(inst: Instance, ledger: Ledger, body: str, ballot_id: str, member: str,
             choice: str, key: str | None, principal: str, digest: str, started: str, *,
             stale: bool, earlier: Any, row: Any
             ) -> dict[str, Any] | c.CastVote | None:
    """One try at a cast, holding the body's lock in this process, up to the claim: the
    answer when the registry or the log gives it already; ``None`` while another cast of
    this member is in flight (or, with ``stale``, after taking over its leftover); else
    the command to cast, decided on the state (a refusal raises and writes nothing), which
    its group then claims, logs and finishes (:func:`_write_group`). ``earlier`` and ``row``
    are what the registry held for the key and for the cast as the group began
    (:func:`_registered`)."""
    engine = inst.engine
    mine = earlier is not None and earlier.request_sha256 == digest
    if earlier is not None:
        if not mine:
            raise Problem(422, "idempotency-key-reused", "this Idempotency-Key was used "
                          "for a different request", field="Idempotency-Key")
        if earlier.status is not None and earlier.response is not None:
            answer: dict[str, Any] = json.loads(earlier.response)
            return answer
    if row is not None and row.entry is not None:
        if mine and row.receipt is not None:  # finished, its answer not yet kept: keep it
            return _finish(inst, ledger, body, ballot_id, member, None, row.entry,
                           principal, key)
        raise AlreadyVoted(f"{ledger.state.name_of(member)} has already voted on this "
                           "ballot")
    if row is not None:  # begun, not finished: in flight elsewhere, or a cut-off leftover
        index = _find_vote(ledger, ballot_id, member, row.tracker, choice)
        if index is not None:
            if not mine:
                raise AlreadyVoted(f"{ledger.state.name_of(member)} has already voted on "
                                   "this ballot")
            begun = ledger.complete(c.CastVote(at(), member, ballot=ballot_id,
                                               choice=choice, tracker=row.tracker))
            return _finish(inst, ledger, body, ballot_id, member, begun, index,
                           principal, key)
        if not stale and row.created_at >= started:
            return None  # wait for the cast in flight to be logged or forgotten
        with write(engine) as conn:  # a leftover: take it over, unless it moved meanwhile
            gone = conn.execute(delete(CastRow).where(
                CastRow.body == body, CastRow.ballot == ballot_id, CastRow.member == member,
                CastRow.entry.is_(None), CastRow.tracker == row.tracker,
                CastRow.created_at == row.created_at)).rowcount
            if gone:  # and the unanswered requests that began it, under whatever key
                _forget_requests(conn, body, ballot_id, principal)
        return None
    return _decided(ledger, ballot_id, member, choice)


def _decided(ledger: Ledger, ballot_id: str, member: str, choice: str) -> c.CastVote:
    """The cast to claim, decided on the state (a refusal raises and writes nothing)."""
    ballot = ledger.state.ballot(ballot_id)
    # the paper's tracker, drawn here at random, and the mark key (over the member, or
    # their pseudonym in an unattributed meeting) as the ledger completes them
    tracker = secrets.token_hex(32) if ballot.method == BallotMethod.SECRET else ""
    command = ledger.in_order(ledger.complete(c.CastVote(
        at(), member, ballot=ballot_id, choice=choice, tracker=tracker)))
    decide(ledger.state, command)  # refuse before anything is written (changes nothing)
    return command


@dataclass(slots=True)
class _Try:
    """One try of one cast request in its body's queue; ``settled`` with its ``answer``
    (``None``: wait and try again) or its ``error`` when its group is done."""

    body: str
    ballot: str
    member: str
    choice: str
    key: str | None
    principal: str
    digest: str
    started: str  # when this server started (rfc3339): an older claim is a leftover
    stale: bool = False
    careful: bool = True  # ask the registry before deciding (:func:`_write_group`)
    command: c.CastVote | None = None  # the cast, once this try goes on to claim it
    index: int = -1
    receipt: str = ""
    settled: bool = False
    answer: dict[str, Any] | None = None
    error: BaseException | None = None
    lead: bool = False  # this request's thread writes the next group
    done: threading.Event = field(default_factory=threading.Event)

    def settle(self, answer: dict[str, Any] | None = None,
               error: BaseException | None = None) -> None:
        self.settled, self.answer, self.error = True, answer, error


@dataclass(slots=True)
class _Queue:
    """The tries to cast in one body waiting in this process, and whether a thread writes."""

    guard: threading.Lock = field(default_factory=threading.Lock)
    pending: list[_Try] = field(default_factory=list)
    leading: bool = False


MAX_GROUP = 256
"""The most casts one group writes; more wait for the next."""

_queues: weakref.WeakKeyDictionary[Instance, dict[str, _Queue]] = weakref.WeakKeyDictionary()
_queues_guard = threading.Lock()


def _queue(inst: Instance, body: str) -> _Queue:
    with _queues_guard:
        bodies = _queues.setdefault(inst, {})
        found = bodies.get(body)
        if found is None:
            found = bodies[body] = _Queue()
        return found


def _queued(inst: Instance, item: _Try) -> dict[str, Any] | None:
    """Group commit (leader and followers): the first try to find nobody writing to its body
    writes every try waiting (:func:`_write_group`), its own among them; the tries that
    arrive meanwhile wait, and the first of them writes the next group. So one commit per
    step, and one signature, serve every cast that arrived while the previous group was
    written. The try's answer, ``None`` to wait and try again."""
    queue = _queue(inst, item.body)
    with queue.guard:
        queue.pending.append(item)
        if not queue.leading:
            queue.leading = item.lead = True
    if not item.lead:
        item.done.wait()
    if item.lead:  # first in, or handed the lead: its own try is in the group it takes
        _lead(inst, queue)
    if item.error is not None:
        raise item.error
    if not item.settled:  # cannot happen: every try of a group is settled
        raise RuntimeError("a cast left its group unsettled")
    return item.answer


def _lead(inst: Instance, queue: _Queue) -> None:
    with queue.guard:
        group, queue.pending = queue.pending[:MAX_GROUP], queue.pending[MAX_GROUP:]
    try:
        # the body's lock, without a look for other workers' entries first: the group's
        # ledger transaction catches up under the store's lock in any case, and a try
        # decided on a state a moment old is refused there or at its claim, as one racing
        # another worker would be
        ledger = inst.ledger(group[0].body)
        with inst.lock(group[0].body):
            _write_group(inst, ledger, group, queue)
    except BaseException as exc:
        for item in group:
            if not item.settled:
                item.settle(error=exc)
        if not isinstance(exc, Exception):
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


def _write_group(inst: Instance, ledger: Ledger, group: list[_Try], queue: _Queue) -> None:
    """Write a group of tries to cast in one body, in steps, holding the body's lock in this
    process: each try decided up to its claim (a first unkeyed try on the state alone, any
    other as :func:`_attempt` makes it from what the registry holds); the claims inserted
    (one registry transaction, :func:`_claim_group`); the votes logged (one ledger
    transaction, one checkpoint, :func:`_log_group`); the casts finished (one registry
    transaction, :func:`_finish_group`)."""
    fresh, refused = _decide_first(ledger, [item for item in group if not item.careful])
    ask = {id(item) for item in refused}  # what the registry holds may answer them
    careful = [item for item in group if item.careful or id(item) in ask]
    try:
        if careful:  # a refusal, or an answer, is never given on a state behind the log
            ledger.refresh()  # (the gate may not have looked: DECIDED_IN_THE_LOG)
        earlier, rows = _registered(inst, careful) if careful else ({}, {})
    except Exception as exc:
        for item in careful:
            item.settle(error=exc)
        careful = []
    for item in careful:
        try:
            got = _attempt(inst, ledger, item.body, item.ballot, item.member, item.choice,
                           item.key, item.principal, item.digest, item.started,
                           stale=item.stale,
                           earlier=earlier.get((item.principal, item.key))
                           if item.key is not None else None,
                           row=rows.get((item.ballot, item.member)))
        except Exception as exc:
            item.settle(error=exc)
            continue
        if isinstance(got, c.CastVote):
            item.command = got
            fresh.append(item)
        else:
            item.settle(got)
    if inst.postgres:  # the registry and the log share the database: one transaction
        _write_together(inst, ledger, fresh, group, queue)
    else:
        claimed = _claim_group(inst, fresh, lambda: _joining(ledger, group, queue))
        _finish_group(inst, ledger, _log_group(inst, ledger, claimed))


def _decide_first(ledger: Ledger, items: list[_Try]) -> tuple[list[_Try], list[_Try]]:
    """First tries of unkeyed casts, decided on the ledger's state without a registry read
    (:func:`_decided`): those decided, each with its command, and those the state refuses
    (what the registry holds may answer them, as a retry's would); a try that fails
    otherwise is settled with its error."""
    decided, refused = [], []
    for item in items:
        try:
            item.command = _decided(ledger, item.ballot, item.member, item.choice)
        except DomainError:
            refused.append(item)
            continue
        except Exception as exc:
            item.settle(error=exc)
            continue
        decided.append(item)
    return decided, refused


def _registered(inst: Instance, group: list[_Try]
                ) -> tuple[dict[tuple[str, str], Any], dict[tuple[str, str], Any]]:
    """What the registry holds for a group's tries, in two reads for the whole group: the
    requests made under their keys, by (principal, key), and the casts' rows, by (ballot,
    member). A group's tries are of one body."""
    keyed = sorted({(item.principal, item.key) for item in group if item.key is not None})
    with inst.engine.connect() as conn:
        earlier = {(r.principal, r.key): r for r in conn.execute(select(
            IdempotencyRow.principal, IdempotencyRow.key, IdempotencyRow.request_sha256,
            IdempotencyRow.status, IdempotencyRow.response).where(
            tuple_(IdempotencyRow.principal, IdempotencyRow.key).in_(keyed)))} if keyed else {}
        rows = {(r.ballot, r.member): r for r in conn.execute(select(
            CastRow.ballot, CastRow.member, CastRow.entry, CastRow.tracker, CastRow.receipt,
            CastRow.created_at).where(*_their_rows(group)))}
    return earlier, rows


def _their_rows(items: list[_Try]) -> tuple[ColumnElement[bool], ...]:
    """Where the registry keeps the casts' rows of ``items`` (of one body): every row of
    their ballots and members, which the caller picks by (ballot, member)."""
    return (CastRow.body == items[0].body,
            CastRow.ballot.in_(sorted({item.ballot for item in items})),
            CastRow.member.in_(sorted({item.member for item in items})))


def _claim(conn: Connection, items: list[_Try]) -> None:
    """Insert the claims of ``items``: each cast's begun row and its key's request, with no
    answer yet (an unanswered request under the same key goes first)."""
    conn.execute(insert(CastRow), [
        {"body": item.body, "ballot": item.ballot, "member": item.member,
         "tracker": item.command.tracker, "entry": None, "receipt": None,
         "created_at": item.command.at} for item in items if item.command is not None])
    keyed = [item for item in items if item.key is not None and item.command is not None]
    for item in keyed:
        conn.execute(delete(IdempotencyRow).where(
            IdempotencyRow.principal == item.principal, IdempotencyRow.key == item.key,
            IdempotencyRow.status.is_(None)))
    if keyed:
        conn.execute(insert(IdempotencyRow), [
            {"principal": item.principal, "key": item.key, "request_sha256": item.digest,
             "status": None, "response": None,
             "created_at": item.command.at if item.command is not None else ""}
            for item in keyed])


def _joining(ledger: Ledger, group: list[_Try], queue: _Queue) -> list[_Try]:
    """The first tries of casts that reached this process's queue while ``group`` waited for
    a write lock, taken into it (so released as it ends, :func:`_lead`) and decided on the
    ledger's state: the decided, to claim with the group, so that its commits serve them
    too. A try that state refuses waits and tries again, in a later group, asking the
    registry first (as a retry does); a try under a key, or a retry, waits for a later
    group."""
    with queue.guard:
        room = MAX_GROUP - len(group)
        joining = [item for item in queue.pending if not item.careful][:max(room, 0)]
        if not joining:
            return []
        taken = {id(item) for item in joining}
        queue.pending = [item for item in queue.pending if id(item) not in taken]
        group.extend(joining)
    decided, refused = _decide_first(ledger, joining)
    for item in refused:
        item.settle(None)
    return decided


def _claim_group(inst: Instance, fresh: list[_Try], join: Callable[[], list[_Try]]
                 ) -> list[_Try]:
    """Claim the group's casts in one registry transaction, with those that ``join`` it once
    that transaction holds the registry's write lock (:func:`_joining`); if a key or row
    refuses it (another cast of a member, or under a key, began first), each claim alone,
    and a cast whose claim is refused waits and tries again, as a lone try would. The
    claimed."""
    if not fresh:
        return []
    try:
        with write(inst.engine) as conn:
            fresh.extend(join())
            _claim(conn, fresh)
        return fresh
    except IntegrityError:
        pass
    claimed = []
    for item in fresh:
        try:
            with write(inst.engine) as conn:
                _claim(conn, [item])
        except IntegrityError:
            item.settle(None)  # another cast of this member (or under this key) began first
            continue
        except Exception as exc:
            item.settle(error=exc)
            continue
        claimed.append(item)
    return claimed


def _log_group(inst: Instance, ledger: Ledger, claimed: list[_Try]) -> list[_Try]:
    """Log the claimed casts in one ledger transaction under one signed checkpoint
    (:meth:`Ledger.submit_group`; a lone cast by :meth:`Ledger.submit`). A refused cast
    has its claim forgotten and its error; if the transaction fails, the log says which
    casts it holds (committed, then failed: those go on). Each logged cast reaches
    ``CAST_LOGGED``. The logged, each with its entry's index."""
    commands = [item.command for item in claimed if item.command is not None]
    if not commands:
        return []
    try:
        if len(commands) == 1:
            answers: list[Any] = [ledger.submit(commands[0], sign=True)]
        else:
            answers = list(ledger.submit_group(commands))
    except DomainError as refused:  # nothing written
        for item in claimed:
            _forget_try(inst, item, refused)
        return []
    except Exception as exc:
        ledger.refresh()
        logged = []
        for item, command in zip(claimed, commands, strict=True):
            index = _find_vote(ledger, item.ballot, item.member, command.tracker,
                               command.choice)
            if index is None:
                _forget_try(inst, item, exc)
            else:
                item.index = index
                logged.append(item)
        return logged
    logged = []
    for item, answer in zip(claimed, answers, strict=True):
        if isinstance(answer, DomainError):
            _forget_try(inst, item, answer)
            continue
        item.index = next(i for i, e in zip(answer.indices, answer.events, strict=True)
                          if type(e) in ev.VOTES)
        try:
            failpoints.hit(failpoints.CAST_LOGGED)
        except Exception as exc:
            item.settle(error=exc)
            continue
        logged.append(item)
    return logged


def _receipt_of(ledger: Ledger, index: int, command: c.CastVote) -> str:
    """The voter's receipt for entry ``index``, which logs ``command`` (completed): a sealed
    vote's carries its tracker and mark key, an act in an unattributed meeting the member's
    key (:meth:`Ledger.receipt`)."""
    return ledger.receipt(index, tracker=command.tracker, mark_key=command.mark_key,
                          member_key=ledger.member_key_of(command))


def _forget_try(inst: Instance, item: _Try, error: BaseException) -> None:
    """A claimed cast that was not logged: its claim goes, and the try fails with ``error``."""
    try:
        if item.command is not None:
            _forget(inst, item.body, item.ballot, item.member, item.principal, item.key,
                    item.command.tracker)
    except Exception as exc:
        error = exc
    item.settle(error=error)


def _finish_group(inst: Instance, ledger: Ledger, logged: list[_Try]) -> None:
    """Finish the logged casts as :func:`_finish` finishes one, in one registry transaction
    (rows read for update: the first receipt and answer kept stand); each then reaches
    ``CAST_ANSWERED``. Should that transaction fail, each is finished alone."""
    if not logged:
        return
    try:
        for item in logged:
            command = item.command
            if command is None:  # cannot happen: only a claimed cast is logged
                raise DomainError("a logged cast has no command")
            item.receipt = _receipt_of(ledger, item.index, command)
        with write(inst.engine) as conn:
            answers = _finish_many(conn, logged)
    except Exception:
        for item in logged:
            try:
                item.settle(_finish(inst, ledger, item.body, item.ballot, item.member,
                                    item.command, item.index, item.principal, item.key))
            except Exception as exc:
                item.settle(error=exc)
        return
    for item, answer in zip(logged, answers, strict=True):
        try:
            failpoints.hit(failpoints.CAST_ANSWERED)
        except Exception as exc:
            item.settle(error=exc)
            continue
        item.settle(answer)


@dataclass(slots=True)
class _Together:
    """The registry's part of a group written in ONE transaction with its votes (PostgreSQL,
    where the registry and the body's log are one database; :class:`api.ledger.Companion`).

    Under the body's lock, before any vote is decided, each try's cast row is claimed, and
    its key's request (an unanswered request under the same key goes first), each with
    ``ON CONFLICT DO NOTHING``: a try whose row or key is held already (another cast of the
    member, or under the key, came first) is not claimed, writes nothing, and waits and
    tries again as a lone try would. After the votes are stored and the checkpoint signed,
    the claimed casts are finished (receipt and answer kept) and the refused ones' claims
    deleted. So the registry never holds a begun cast: a crash leaves all of a group or
    none of it."""

    items: list[_Try]  # the tries to claim, then those that join (:func:`_joining`)
    ledger: Ledger
    schema: str  # the registry's (Instance.registry_schema)
    group: list[_Try]  # the leader's group: every try in it is released as it ends
    queue: _Queue
    answers: dict[int, dict[str, Any]] = field(default_factory=dict)  # by place in items

    def _run(self, conn: Connection, statement: Any, rows: Any = None) -> Any:
        """``statement`` on the store's connection, its tables in the registry's schema."""
        return conn.execute(statement, rows,
                            execution_options={"schema_translate_map": {None: self.schema}})

    def claim(self, conn: Connection, commands: Sequence[c.Command]
              ) -> list[c.Command | None]:
        self.items.extend(_joining(self.ledger, self.group, self.queue))
        claimed = self._claim_casts(conn)
        self._claim_keys(conn, claimed)
        return [item.command if go else None
                for item, go in zip(self.items, claimed, strict=True)]

    def _claim_casts(self, conn: Connection) -> list[bool]:
        """Each try's cast row, begun (the first try of a cast in the group only): which
        the registry took."""
        body, first = self.items[0].body, {}
        rows = []
        for at_, item in enumerate(self.items):
            if item.command is not None and (item.ballot, item.member) not in first:
                first[(item.ballot, item.member)] = at_
                rows.append({"body": body, "ballot": item.ballot, "member": item.member,
                             "tracker": item.command.tracker, "entry": None, "receipt": None,
                             "created_at": item.command.at})
        got = {(r.ballot, r.member) for r in self._run(conn, pg_insert(CastRow)
               .on_conflict_do_nothing().returning(CastRow.ballot, CastRow.member), rows)}
        return [first.get((item.ballot, item.member)) == at_ and (item.ballot, item.member)
                in got for at_, item in enumerate(self.items)]

    def _claim_keys(self, conn: Connection, claimed: list[bool]) -> None:
        """The request under each claimed try's key, unanswered (an unanswered one under
        the key goes first; the first try of a key in the group only): a try whose key the
        registry does not take loses its claim, and its cast row goes again."""
        body, first = self.items[0].body, {}
        rows = []
        for at_, item in enumerate(self.items):
            if claimed[at_] and item.key is not None and item.command is not None \
                    and (item.principal, item.key) not in first:
                first[(item.principal, item.key)] = at_
                rows.append({"principal": item.principal, "key": item.key,
                             "request_sha256": item.digest, "status": None, "response": None,
                             "created_at": item.command.at})
        if not rows:
            return
        self._run(conn, delete(IdempotencyRow).where(
            tuple_(IdempotencyRow.principal, IdempotencyRow.key).in_(sorted(first)),
            IdempotencyRow.status.is_(None)))
        held = {(r.principal, r.key) for r in self._run(conn, pg_insert(IdempotencyRow)
                .on_conflict_do_nothing().returning(IdempotencyRow.principal,
                                                    IdempotencyRow.key), rows)}
        lost = [at_ for at_, item in enumerate(self.items) if claimed[at_]
                and item.key is not None and (first.get((item.principal, item.key)) != at_
                                              or (item.principal, item.key) not in held)]
        if lost:
            self._run(conn, delete(CastRow).where(
                CastRow.body == body, tuple_(CastRow.ballot, CastRow.member).in_(
                    [(self.items[at_].ballot, self.items[at_].member) for at_ in lost])))
            for at_ in lost:
                claimed[at_] = False

    def finish(self, conn: Connection, answers: Sequence[Submitted | DomainError]) -> None:
        items, ledger, body = self.items, self.ledger, self.items[0].body
        finished: list[dict[str, Any]] = []
        answered: list[dict[str, Any]] = []
        dropped: list[_Try] = []
        for at_, (item, answer) in enumerate(zip(items, answers, strict=True)):
            command = item.command
            if isinstance(answer, Unclaimed) or command is None:
                continue
            if isinstance(answer, DomainError):
                dropped.append(item)
                continue
            item.index = next(i for i, e in zip(answer.indices, answer.events, strict=True)
                              if type(e) in ev.VOTES)
            item.receipt = _receipt_of(ledger, item.index, command)
            self.answers[at_] = {"ballot": item.ballot, "member": item.member,
                                 "entry": item.index, "tracker": command.tracker,
                                 "receipt": item.receipt}
            finished.append({"b_ballot": item.ballot, "b_member": item.member,
                             "b_entry": item.index, "b_receipt": item.receipt})
            if item.key is not None:
                answered.append({"b_principal": item.principal, "b_key": item.key,
                                 "b_response": json.dumps(self.answers[at_])})
        _keep_finished(lambda statement, rows: self._run(conn, statement, rows), body,
                       finished, answered)
        if dropped:  # refused by the log: their claims go
            self._run(conn, delete(CastRow).where(
                CastRow.body == body, CastRow.entry.is_(None), tuple_(
                    CastRow.ballot, CastRow.member).in_(
                    [(item.ballot, item.member) for item in dropped])))
            keyed = [(item.principal, item.key) for item in dropped if item.key is not None]
            if keyed:
                self._run(conn, delete(IdempotencyRow).where(
                    tuple_(IdempotencyRow.principal, IdempotencyRow.key).in_(keyed),
                    IdempotencyRow.status.is_(None)))


def _write_together(inst: Instance, ledger: Ledger, fresh: list[_Try], group: list[_Try],
                    queue: _Queue) -> None:
    """Claim, log and finish a group's casts in ONE transaction (:class:`_Together`): one
    commit for the whole of it, where the registry on SQLite, a database of its own, takes
    two more (:func:`_claim_group`, :func:`_finish_group`). Each logged cast then reaches
    ``CAST_LOGGED`` and ``CAST_ANSWERED``, its receipt already kept. If the transaction
    fails, a cast is answered only if the registry holds the very receipt made for it
    (the commit went through); otherwise it fails with the error."""
    if not fresh:
        return
    commands = [item.command for item in fresh if item.command is not None]
    if len(commands) != len(fresh):  # cannot happen: a fresh try has its command
        raise DomainError("a cast of a group has no command")
    together = _Together(list(fresh), ledger, inst.registry_schema(), group, queue)
    try:
        answers = ledger.submit_group(commands, companion=together)
    except DomainError as refused:  # rolled back: nothing written (a tracker's clash)
        for item in together.items:
            item.settle(error=refused)
        return
    except Exception as exc:
        try:
            _, rows = _registered(inst, together.items)
        except Exception:
            rows = {}
        for at_, item in enumerate(together.items):
            kept, row = together.answers.get(at_), rows.get((item.ballot, item.member))
            if kept is not None and row is not None and row.receipt == kept["receipt"]:
                item.settle(kept)  # committed, though the commit reported an error
            else:
                item.settle(error=exc)
        return
    for at_, (item, answer) in enumerate(zip(together.items, answers, strict=True)):
        if isinstance(answer, Unclaimed):
            item.settle(None)  # another cast of this member, or under this key, came first
            continue
        if isinstance(answer, DomainError):
            item.settle(error=answer)
            continue
        try:
            failpoints.hit(failpoints.CAST_LOGGED)
            failpoints.hit(failpoints.CAST_ANSWERED)
        except Exception as exc:
            item.settle(error=exc)
            continue
        item.settle(together.answers[at_])


def _forget(inst: Instance, body: str, ballot: str, member: str, principal: str,
            key: str | None, tracker: str) -> None:
    """Undo the registry's record that a cast began (it was not logged): its unfinished row
    and its key's unanswered request, never what another cast finished."""
    with write(inst.engine) as conn:
        conn.execute(delete(CastRow).where(CastRow.body == body, CastRow.ballot == ballot,
                                           CastRow.member == member, CastRow.tracker == tracker,
                                           CastRow.entry.is_(None)))
        if key is not None:
            conn.execute(delete(IdempotencyRow).where(IdempotencyRow.principal == principal,
                                                      IdempotencyRow.key == key,
                                                      IdempotencyRow.status.is_(None)))


def _finish(inst: Instance, ledger: Ledger, body: str, ballot: str, member: str,
            command: c.CastVote | None, index: int, principal: str, key: str | None
            ) -> dict[str, Any]:
    """The voter's receipt for entry ``index``: for a sealed vote it carries the tracker and
    the mark key, and in an unattributed meeting the member's key (their opening).

    The registry keeps the first receipt made for a vote and the first answer given under a
    key (rows read for update): a request finishing a cast another already finished answers
    with what that one kept, so every answer under one key is the same, byte for byte.
    ``command`` is ``None`` when the row holds the receipt already. One cast finished as a
    group's are (:func:`_finish_many`)."""
    one = _Try(body, ballot, member, "", key, principal, "", "", command=command, index=index)
    if command is not None:
        one.receipt = _receipt_of(ledger, index, command)
    with write(inst.engine) as conn:
        answer = _finish_many(conn, [one])[0]
    failpoints.hit(failpoints.CAST_ANSWERED)
    return answer


def _finish_many(conn: Connection, items: list[_Try]) -> list[dict[str, Any]]:
    """Finish logged casts (of one body; no two sharing a cast's row or a key) on ``conn``, in
    at most five statements whatever their number: the rows read for update; a finished
    row's receipt kept as it is, a missing row (taken for a leftover) put back, the others
    finished; then the keys' requests read for update, the first answer under a key kept
    and the unanswered answered. The answers, in order."""
    body = items[0].body
    rows = {(r.ballot, r.member): r for r in conn.execute(select(
        CastRow.ballot, CastRow.member, CastRow.entry, CastRow.tracker, CastRow.receipt).where(
        *_their_rows(items)).with_for_update())}
    answers: list[dict[str, Any]] = []
    put_back: list[dict[str, Any]] = []
    finished: list[dict[str, Any]] = []
    for item in items:
        row, command = rows.get((item.ballot, item.member)), item.command
        if row is not None and row.entry is not None and row.receipt is not None:
            tracker, index, receipt = row.tracker, row.entry, row.receipt  # finished already
        elif command is None or not item.receipt:
            raise DomainError("the cast's receipt is not kept")  # cannot happen: see caller
        else:
            tracker, index, receipt = command.tracker, item.index, item.receipt
            if row is None:  # its unfinished row was taken for a leftover: put it back
                put_back.append({"body": body, "ballot": item.ballot, "member": item.member,
                                 "tracker": tracker, "entry": index, "receipt": receipt,
                                 "created_at": command.at})
            else:
                finished.append({"b_ballot": item.ballot, "b_member": item.member,
                                 "b_entry": index, "b_receipt": receipt})
        answers.append({"ballot": item.ballot, "member": item.member, "entry": index,
                        "tracker": tracker, "receipt": receipt})
    if put_back:
        conn.execute(insert(CastRow), put_back)
    answered: list[dict[str, Any]] = []
    keyed = [(at, item) for at, item in enumerate(items) if item.key is not None]
    if keyed:
        kept = {(r.principal, r.key): r for r in conn.execute(select(
            IdempotencyRow.principal, IdempotencyRow.key, IdempotencyRow.status,
            IdempotencyRow.response).where(tuple_(IdempotencyRow.principal, IdempotencyRow.key)
                                           .in_([(item.principal, item.key)
                                                 for _, item in keyed])).with_for_update())}
        for at, item in keyed:
            found = kept.get((item.principal, item.key))
            if found is not None and found.status is not None and found.response is not None:
                answers[at] = json.loads(found.response)
            else:
                answered.append({"b_principal": item.principal, "b_key": item.key,
                                 "b_response": json.dumps(answers[at])})
    _keep_finished(conn.execute, body, finished, answered)
    return answers


def _keep_finished(execute: Callable[[Any, list[dict[str, Any]]], Any], body: str,
                   finished: list[dict[str, Any]], answered: list[dict[str, Any]]) -> None:
    """Through ``execute``, one statement each: the cast rows of ``body`` finished
    (``b_ballot``, ``b_member``: ``b_entry``, ``b_receipt``), and the keys' requests
    answered (``b_principal``, ``b_key``: ``b_response``, status 201)."""
    if finished:
        execute(update(CastRow).where(
            CastRow.body == body, CastRow.ballot == bindparam("b_ballot"),
            CastRow.member == bindparam("b_member")).values(
            entry=bindparam("b_entry"), receipt=bindparam("b_receipt")), finished)
    if answered:
        execute(update(IdempotencyRow).where(
            IdempotencyRow.principal == bindparam("b_principal"),
            IdempotencyRow.key == bindparam("b_key")).values(
            status=201, response=bindparam("b_response")), answered)


def _forget_requests(conn: Connection, body: str, ballot: str, principal: str) -> None:
    """Delete ``principal``'s unanswered requests to cast on ``ballot`` (any choice, any key)."""
    conn.execute(delete(IdempotencyRow).where(
        IdempotencyRow.principal == principal, IdempotencyRow.status.is_(None),
        IdempotencyRow.request_sha256.in_(
            [_request_hash(body, ballot, choice) for choice in CHOICES])))


def settle_casts(inst: Instance) -> tuple[int, int]:
    """At start-up, before any request is served: settle every cast the registry holds as
    begun and not finished, which a crash (or kill) of the server cut off.

    A cast whose vote is in the log is finished: its receipt is kept, so the member finds
    it among their receipts and a retry under its ``Idempotency-Key`` is answered with it.
    A cast whose vote is not in the log is forgotten, with its unanswered request, so a
    retry casts it. Returns how many were finished and how many forgotten.
    """
    with inst.engine.connect() as conn:
        rows = conn.execute(select(CastRow.body, CastRow.ballot, CastRow.member,
                                   CastRow.tracker, CastRow.created_at)
                            .where(CastRow.entry.is_(None))).all()
    finished = forgotten = 0
    for row in rows:
        ledger = inst.ledger(row.body)
        found = next(((choice, index) for choice in CHOICES if (index := _find_vote(
            ledger, row.ballot, row.member, row.tracker, choice)) is not None), None)
        where = (CastRow.body == row.body, CastRow.ballot == row.ballot,
                 CastRow.member == row.member, CastRow.entry.is_(None))
        with write(inst.engine) as conn:
            principal = conn.execute(select(PrincipalRow.id).where(
                PrincipalRow.body == row.body, PrincipalRow.member == row.member)).scalar()
            if found is None:
                conn.execute(delete(CastRow).where(*where))
                if principal is not None:
                    _forget_requests(conn, row.body, row.ballot, principal)
                forgotten += 1
                continue
            choice, index = found
            command = ledger.complete(c.CastVote(row.created_at, row.member,
                                                 ballot=row.ballot, choice=choice,
                                                 tracker=row.tracker))
            receipt = _receipt_of(ledger, index, command)
            conn.execute(update(CastRow).where(*where).values(entry=index, receipt=receipt))
            finished += 1
    return finished, forgotten

"""The member's pages: their meetings, and the ballot paper of a live meeting.

``GET /bodies/<body>/mine`` lists the body's meetings with a link to each one's ballot
paper (and, for an officer, its console). ``GET .../meetings/<meeting>/paper`` is the
ballot paper: every question open to the member, a fieldset of three large choices
each; every election whose poll is open, as a ranked ballot of one ``select`` per
candidate (no dragging: keyboard, screen reader and phone all work); the business
before the meeting, to move, second and amend from the floor; and what the member
has already voted.

Casting (``POST .../paper/vote/<ballot>`` and ``.../paper/rank/<election>``) runs the
API's own cast (:mod:`api.web.acts`), so the answer is the receipt: the page shows
it at once with the tracker of a sealed paper and offers it to keep, as a JSON file
(with the tracker) and as the receipt file ``tellers verify --receipt`` reads; the
record's own page checks it in the browser too. A sealed paper's
receipt is shown only then: at the close the service forgets what links the member
to their tracker, as the API does.

A ranking is validated here before it is cast, with the words a voter needs: the
numbers must start at 1 and go up by one, each number given once.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from flask import redirect, render_template, request, session, url_for
from sqlalchemy import select

from api.app import instance, roles_of
from api.db import CastRow
from api.errors import Problem
from api.http.access import OFFICERS, B
from api.http.common import at
from api.web import blueprint
from api.web.acts import Refused, perform
from api.web.console import _context
from api.web.signin import require, signed_in
from voting import commands as c
from voting.decider import decide
from voting.errors import AlreadyVoted, DomainError
from voting.state import BodyState, ElectionStage

__all__ = ["ranking_from"]

ORDINALS = ["1st", "2nd", "3rd"]


def ordinal(number: int) -> str:
    return ORDINALS[number - 1] if number <= 3 else f"{number}th"


def ranking_from(form: dict[str, str], candidates: tuple[str, ...], name: Any
                 ) -> tuple[str, ...]:
    """The ranking a paper's numbers give, most preferred first; :class:`Refused` (422)
    naming the candidates concerned when the numbers are not 1, 2, 3... each once.

    A candidate left blank is not ranked (a voter need not rank everyone, as STV
    allows); a blank before a number given is refused by the domain's own rule that
    preferences may not be skipped, said here in the paper's words.
    """
    given: dict[int, list[str]] = {}
    for candidate in candidates:
        raw = form.get(f"rank-{candidate}", "").strip()
        if not raw:
            continue
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= len(candidates):
            raise Refused(f"{name(candidate)}: a preference is a number from 1 to "
                          f"{len(candidates)}, not {raw!r}", 422)
        given.setdefault(int(raw), []).append(candidate)
    if not given:
        raise Refused("number at least one candidate: 1 for your first choice", 422)
    for number, named in sorted(given.items()):
        if len(named) > 1:
            both = " and ".join(name(x) for x in named)
            raise Refused(f"you gave {both} the same number, {number}: each number may be "
                          "given to one candidate only", 422)
    for number in range(1, max(given) + 1):
        if number not in given:
            raise Refused(f"there is no {ordinal(number)} choice, but a later one is given: "
                          "number your choices 1, 2, 3 ... without a gap", 422)
    return tuple(given[number][0] for number in sorted(given))


def _may_cast(body: str, state: BodyState, command: c.CastVote | c.CastRanking) -> str:
    """``""`` if the member may cast this now, else the domain's reason (nothing written)."""
    try:
        decide(state, instance().ledger(body).complete(command))
    except AlreadyVoted:
        return "voted"
    except DomainError as refused:
        return str(refused)
    return ""


def _receipts(body: str, member: str) -> dict[str, dict[str, Any]]:
    """The member's own receipts of ballots in this body, from the cast registry."""
    with instance().engine.connect() as conn:
        rows = conn.execute(select(CastRow.ballot, CastRow.entry, CastRow.tracker,
                                   CastRow.receipt).where(
            CastRow.body == body, CastRow.member == member, CastRow.entry.is_not(None)))
        return {r.ballot: {"entry": r.entry, "tracker": r.tracker, "receipt": r.receipt}
                for r in rows}


def paper_page(body: str, meeting: str, *, refusal: str = "", status: int = 200,
               form: str = "", values: dict[str, str] | None = None) -> tuple[str, int]:
    principal, member = require(body, "POST", f"{B}/ballots/<ballot>/votes")
    context = _context(body, meeting)
    state: BodyState = context["state"]
    found = context["business"]
    now = at()
    questions = []
    for ballot in found.open_ballots:
        why = _may_cast(body, state, c.CastVote(now, member, ballot=ballot.id, choice="abstain"))
        questions.append({"ballot": ballot, "why": why})
    polls = []
    for election in found.elections:
        if election.stage != ElectionStage.VOTING or not election.candidates:
            continue
        why = _may_cast(body, state, c.CastRanking(now, member, election=election.id,
                                                   ranking=(election.candidates[0],)))
        polls.append({"election": election, "why": why})
    return render_template(
        "paper.html", **context, me=member, questions=questions, polls=polls,
        receipts=_receipts(body, member), officer=bool(roles_of(principal, body) & OFFICERS),
        refusal=refusal, done=session.pop("done", ""), form=form, values=values or {},
        ordinal=ordinal), status


@blueprint.get("/bodies/<body>/meetings/<meeting>/paper")
def paper(body: str, meeting: str) -> Any:
    """The member's ballot paper (module docstring)."""
    if signed_in() is None:
        return redirect(url_for("web.signin"), 303)
    return paper_page(body, meeting)


def _receipt_page(body: str, meeting: str, kind: str, question: str, answer: dict[str, Any],
                  choice: str = "") -> str:
    keep = {"body": body, "kind": kind, "question": question, "member": answer["member"],
            "entry": answer["entry"], "tracker": answer["tracker"],
            "receipt": answer["receipt"]}
    data = json.dumps(keep, indent=2, sort_keys=True)
    href = "data:application/json;base64," + base64.b64encode(data.encode()).decode()
    plain = "data:text/plain;base64," + base64.b64encode(answer["receipt"].encode()).decode()
    context = _context(body, meeting)
    return render_template("receipt.html", **context, kind=kind, question=question,
                           answer=answer, download=href, plain=plain, choice=choice,
                           filename=f"receipt-{body}-{question}-{answer['entry']}.json")


@blueprint.post("/bodies/<body>/meetings/<meeting>/paper/vote/<ballot>")
def vote(body: str, meeting: str, ballot: str) -> Any:
    """Cast the member's vote on ``ballot``; the page of the receipt."""
    if signed_in() is None:
        return redirect(url_for("web.signin"), 303)
    state = instance().state(body)
    if state.ballot(ballot).meeting != meeting:
        raise Problem(404, "not-found", "that question is not one of this meeting's")
    choice = request.form.get("choice", "")
    try:
        if not choice:
            raise Refused("choose for, against or abstain before casting your vote", 422)
        answer = perform("vote", body, {"ballot": ballot}, {"choice": choice})
    except Refused as refused:
        return paper_page(body, meeting, refusal=refused.detail, status=refused.status,
                          form=f"vote-{ballot}", values=dict(request.form.items()))
    named = "" if answer["tracker"] else choice  # a sealed paper's choice is not repeated
    return _receipt_page(body, meeting, "ballot", ballot, answer, named)


@blueprint.post("/bodies/<body>/meetings/<meeting>/paper/rank/<election>")
def rank(body: str, meeting: str, election: str) -> Any:
    """Cast the member's ranking in ``election``; the page of the receipt."""
    if signed_in() is None:
        return redirect(url_for("web.signin"), 303)
    state = instance().state(body)
    found = state.election(election)
    if found.meeting not in (meeting, ""):
        raise Problem(404, "not-found", "that election is not one of this meeting's")
    try:
        ranking = ranking_from(dict(request.form.items()), found.candidates, state.name_of)
        answer = perform("rank", body, {"election": election}, {"ranking": list(ranking)})
    except Refused as refused:
        return paper_page(body, meeting, refusal=refused.detail, status=refused.status,
                          form=f"rank-{election}", values=dict(request.form.items()))
    return _receipt_page(body, meeting, "election", election, answer)


@blueprint.get("/bodies/<body>/mine")
def mine(body: str) -> Any:
    """The signed-in member's meetings in ``body``."""
    principal = signed_in()
    if principal is None:
        return redirect(url_for("web.signin"), 303)
    if principal.body != body:
        raise Problem(403, "forbidden", "you are signed in as a member of another body")
    state = instance().state(body)
    roles = roles_of(principal, body)
    return render_template("mine.html", info=instance().require_body(body), state=state,
                           body=body, me=principal.member, officer=bool(roles & OFFICERS),
                           name=state.name_of)

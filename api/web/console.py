"""The officers' console of a live meeting, and the forms every page of a meeting posts to.

``GET /bodies/<body>/meetings/<meeting>/console`` is for the meeting's chair and
secretary (the API's officer gate): attendance and quorum, the business before the
meeting with the forms for each act, the ballots and elections, the running order of
business and the minutes as the log writes them. A small script follows the log
(``live.js``, polling ``log/entries``) and refreshes the page's live parts, so two
officers on two screens see the same meeting; without it, the page is current
whenever it is loaded.

``POST /bodies/<body>/meetings/<meeting>/act/<act>`` runs one act of
:data:`api.web.acts.ACTS` (a form's ``target`` names the motion, amendment, ballot or
election): on success the browser is sent back to the page it came from (``back``),
with what was done in a status line; a refusal is the same page again, answered with
the refusal's status, the domain's words in an alert and the form as it was filled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from api.app import instance
from api.errors import Problem
from api.http.access import ROUTES, B
from api.web import blueprint
from api.web.acts import ACTS, Refused, perform
from api.web.signin import require, signed_in
from voting.lifecycle import FINAL, MotionState
from voting.minutes import minutes_of
from voting.minutes_formats import markdown_html
from voting.standing_orders import ProceduralKind
from voting.state import Ballot, BallotMethod, BodyState, Election, ElectionStage, Meeting

__all__ = ["Business", "business"]

PAGES = ("console", "paper")
METHODS = [(m.value, label) for m, label in (
    (BallotMethod.RECORDED, "Recorded vote (names published)"),
    (BallotMethod.SHOW_OF_HANDS, "Show of hands (tellers count)"),
    (BallotMethod.SECRET, "Secret ballot (sealed papers)"),
    (BallotMethod.CARD, "Card vote (weighted)"),
    (BallotMethod.COLLEGE, "Electoral college"),
)]
PROCEDURALS = [(kind.value, kind.value.replace("_", " ").capitalize()) for kind in ProceduralKind]
AMENDMENT_KINDS = [
    ("leave_out", "Leave out words"),
    ("insert", "Insert words (after the words given, or at the start)"),
    ("leave_out_and_insert", "Leave out words and insert others"),
    ("leave_out_all_and_insert", "Leave out all (after the words given) and insert"),
    ("add_at_end", "Add at end"),
]
GROUNDS = [("direct_negative", "A direct negative of the motion"),
           ("not_relevant", "Not relevant to the motion"), ("other", "Another ground")]


@dataclass(frozen=True, slots=True)
class Business:
    """One meeting as its pages show it: who is here, what is before it, what it decided."""

    meeting: Meeting
    membership: int
    quorum: int
    motions: list[dict[str, Any]]
    ballots: list[Ballot]
    elections: list[Election]
    procedurals: list[Any]
    size: int

    @property
    def open_ballots(self) -> list[Ballot]:
        return [b for b in self.ballots if not b.closed]

    @property
    def quorate(self) -> bool:
        return len(self.meeting.present) >= self.quorum


def business(state: BodyState, meeting_id: str, size: int) -> Business:
    """The meeting's business, in the order it was moved (the running order)."""
    meeting = state.meeting(meeting_id)
    membership = state.membership()
    motions = []
    for motion in state.motions.values():
        if motion.meeting != meeting_id:
            continue
        amendments = [state.amendments[a] for a in motion.amendments if a in state.amendments]
        motions.append({"motion": motion, "amendments": amendments,
                        "live": motion.state not in FINAL})
    return Business(
        meeting=meeting, membership=membership, quorum=meeting.quorum.required(membership),
        motions=motions,
        ballots=[b for b in state.ballots.values() if b.meeting == meeting_id],
        elections=[e for e in state.elections.values() if e.meeting in (meeting_id, "")],
        procedurals=[p for p in state.procedurals.values() if p.meeting == meeting_id],
        size=size)


def _context(body: str, meeting: str) -> dict[str, Any]:
    """What every page of a live meeting renders from: the state, the business, the names."""
    ledger = instance().ledger(body)
    with instance().writing(body) as held:
        state, size = held.state, held.log.size
    found = business(state, meeting, size)
    return {"info": instance().require_body(body), "state": state, "body": body,
            "business": found, "meeting": found.meeting, "name": state.name_of,
            "size": size, "vkey": ledger.vkey, "methods": METHODS, "procedurals": PROCEDURALS,
            "amendment_kinds": AMENDMENT_KINDS, "grounds": GROUNDS,
            "stages": ElectionStage, "states": MotionState, "orders": state.orders}


def _minutes(body: str, meeting: str) -> str:
    """The meeting's minutes so far, as HTML from the Markdown the log renders."""
    with instance().writing(body) as ledger:
        state, size = ledger.state, ledger.log.size
        events = ledger.events()[:size]
    rendered = minutes_of(state, events)
    return markdown_html(rendered.markdown(meeting))


def console_page(body: str, meeting: str, *, refusal: str = "", status: int = 200,
                 form: str = "", values: dict[str, str] | None = None, done: str = ""
                 ) -> tuple[str, int]:
    principal, member = require(body, "POST", f"{B}/meetings/<meeting>/attendance")
    context = _context(body, meeting)
    chair = ROUTES[("POST", f"{B}/ballots")]
    from api.app import roles_of

    roles = roles_of(principal, body)
    return render_template(
        "console.html", **context, me=member, roles=roles, is_chair=bool(roles & chair),
        minutes=_minutes(body, meeting), refusal=refusal, done=done or session.pop("done", ""),
        done_act=session.pop("done_act", ""),
        form=form, values=values or {}), status


@blueprint.get("/bodies/<body>/meetings/<meeting>/console")
def console(body: str, meeting: str) -> Any:
    """The chair's and secretary's console (module docstring)."""
    if signed_in() is None:
        return redirect(url_for("web.signin"), 303)
    return console_page(body, meeting)


@blueprint.post("/bodies/<body>/meetings/<meeting>/act/<act>")
def act(body: str, meeting: str, act: str) -> Any:
    """Run one act from a form; back to the page it came from (module docstring)."""
    if signed_in() is None:
        return redirect(url_for("web.signin"), 303)
    back = request.form.get("back", "console")
    if back not in PAGES or act not in ACTS or act in ("vote", "rank"):
        raise Problem(404, "not-found", "there is no such form here")
    instance().state(body).meeting(meeting)  # 404 for no such meeting
    path = {"meeting": meeting}
    target = ACTS[act].target
    if target and target != "meeting":
        path[target] = request.form.get("target", "")
    if act == "invite" and back != "console":
        raise Problem(404, "not-found", "invite links are made on the console")
    fields = {key: value for key, value in request.form.items()
              if key not in ("csrf", "back", "target")}
    if act == "move-motion":
        fields["meeting"] = meeting
    if act == "procedural":
        fields["target"] = fields.pop("target_id", "")
    if act == "second-nomination":
        path["candidate"] = fields.pop("candidate", "")
    if act == "close-ballot":
        counts = [fields.pop(f"count_{side}", "") for side in ("for", "against", "abstain")]
        if any(counts):
            fields["counts"] = counts  # type: ignore[assignment]
    try:
        answer = perform(act, body, path, fields)
    except Refused as refused:
        values = dict(request.form.items())
        if back == "paper":
            from api.web.paper import paper_page

            return paper_page(body, meeting, refusal=refused.detail, status=refused.status,
                              form=act, values=values)
        return console_page(body, meeting, refusal=refused.detail, status=refused.status,
                            form=act, values=values)
    if act == "invite":  # shown once, on this answer only: never kept for a later page
        link = url_for("web.signin", invite=answer["invite"], _external=True)
        return console_page(body, meeting, done=ACTS[act].done, form=act,
                            values={"member": path["member"], "link": link,
                                    "expires_at": answer["expires_at"]})
    session["done"], session["done_act"] = ACTS[act].done, act
    return redirect(url_for(f"web.{back}", body=body, meeting=meeting) + f"#{_anchor(act)}",
                    303)


def _anchor(act: str) -> str:
    """Where on the page to land after an act: the part of the page it changed."""
    if act in ("attendance", "start", "close-meeting"):
        return "attendance"
    if act in ("open-ballot", "close-ballot"):
        return "ballots"
    if act in ("open-election", "nominate", "close-nominations", "close-election"):
        return "elections"
    return "business"


def redirect_back(body: str, meeting: str, page: str) -> Response:
    return redirect(url_for(f"web.{page}", body=body, meeting=meeting), 303)

"""The public record: a body's meetings and ballots, minutes, motions, results, exports,
and a receipt checked in the page.

Every page is built from the body's minutes as the log publishes them
(:func:`voting.minutes.minutes_of`: names, or pseudonyms in an ``unattributed``
meeting, counts as declared at each close), the watering-down report
(:func:`voting.report.amendment_record`) and the signed checkpoints, never from the
registry (no tokens, no trackers kept for open ballots, nothing a member was given
alone).
"""

from __future__ import annotations

import http
import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, render_template, url_for
from markupsafe import Markup

from api.app import instance
from api.errors import Problem, problem_for
from api.http.log import bundle_files
from api.web import blueprint
from api.web.record import (
    ballot_chart,
    ballot_view,
    blt_of,
    csv_text,
    decimal,
    diff_markup,
    fingerprint,
    published_papers,
    stage_sheet,
    transfers_chart,
)
from audit.checkpoint import Checkpoint, parse_checkpoint
from audit.note import parse_note
from voting import events as ev
from voting.errors import DomainError, NotFound
from voting.minutes import BallotRecord, ElectionRecord, Minutes, minutes_of
from voting.minutes_formats import markdown_html, minutes_json
from voting.report import amendment_record
from voting.state import BodyState

__all__: list[str] = []


@dataclass(frozen=True, slots=True)
class Record:
    """One consistent reading of a body: its state, its events and their minutes."""

    body: str
    name: str
    origin: str
    state: BodyState
    events: Sequence[ev.Event]
    minutes: Minutes
    vkey: str
    checkpoint: Checkpoint | None
    note: str  # the latest published checkpoint note ("" before the first)

    def ballot(self, ballot_id: str) -> BallotRecord | None:
        return next((b for b in self.minutes.ballots if b.id == ballot_id), None)

    def election(self, election_id: str) -> ElectionRecord | None:
        return next((e for e in self.minutes.elections if e.id == election_id), None)


def read(body: str) -> Record:
    """The body's record, caught up with what other processes stored."""
    info = instance().require_body(body)
    with instance().writing(body) as ledger:  # a state and the entries it replays
        state, size = ledger.state, ledger.log.size
        events = ledger.events()[:size]
        notes = ledger.checkpoints()
        vkey = ledger.vkey
    checkpoint = parse_checkpoint(parse_note(notes[-1]).text) if notes else None
    return Record(body, info.name, info.origin, state, events, minutes_of(state, events), vkey,
                  checkpoint, notes[-1] if notes else "")


def _download(text: str, mimetype: str, filename: str) -> Response:
    response = Response(text, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _json(data: Any, filename: str) -> Response:
    return _download(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                     "application/json", filename)


def _safe_name(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in text)[:80] or "x"


# -- the bodies and a body ---------------------------------------------------------------

@blueprint.app_template_filter("capfirst")
def capfirst(text: str) -> str:
    """The minutes word a question to be read mid-sentence; a heading or a cell starts it
    with a capital."""
    return text[:1].upper() + text[1:]


@blueprint.get("/")
def home() -> str:
    """The bodies served here."""
    return render_template("home.html", bodies=instance().bodies())


@blueprint.get("/bodies/<body>/")
def body_page(body: str) -> str:
    """A body: its meetings, motions, ballots and elections, and its latest checkpoint."""
    record = read(body)
    return render_template("body.html", record=record, crumbs=[],
                           fingerprint=_fingerprint(record))


def _fingerprint(record: Record) -> str:
    return fingerprint(record.checkpoint.root_hash) if record.checkpoint else ""


# -- a meeting's minutes -----------------------------------------------------------------

@blueprint.get("/bodies/<body>/meetings/<meeting>/")
def meeting_page(body: str, meeting: str) -> str:
    """A meeting's minutes, generated from the log (the Markdown the bundle publishes, as
    HTML with every character of text escaped: ``voting.minutes_formats``)."""
    record = read(body)
    held = record.minutes.meeting(meeting)
    minutes = Markup(_below_h2(markdown_html(record.minutes.markdown(meeting))))  # noqa: S704
    state = record.state
    return render_template(
        "meeting.html", record=record, meeting=held, minutes=minutes,
        motions=[m for m in state.motions.values() if m.meeting == meeting],
        ballots=[b for b in state.ballots.values() if b.meeting == meeting],
        elections=[e for e in state.elections.values() if e.meeting == meeting],
        crumbs=[(record.name, url_for("web.body_page", body=body))])


def _below_h2(html: str) -> str:
    """The minutes' headings two levels down (their ``#`` under the page's ``<h2>``); the
    only tags in ``html`` are those :func:`markdown_html` writes, all text being escaped."""
    return re.sub(r"<(/?)h([1-6])>", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 2, 6)}>",
                  html)


@blueprint.get("/bodies/<body>/meetings/<meeting>/minutes.md")
def minutes_md(body: str, meeting: str) -> Response:
    """The meeting's minutes as Markdown, as the body's bundle publishes them."""
    record = read(body)
    record.minutes.meeting(meeting)
    return _download(record.minutes.markdown(meeting), "text/markdown",
                     f"minutes-{_safe_name(meeting)}.md")


@blueprint.get("/bodies/<body>/meetings/<meeting>/minutes.json")
def minutes_export_json(body: str, meeting: str) -> Response:
    """The meeting's minutes as JSON (``voting.minutes_formats.minutes_json``)."""
    record = read(body)
    record.minutes.meeting(meeting)
    return _json(minutes_json(record.minutes, meeting), f"minutes-{_safe_name(meeting)}.json")


# -- a motion ----------------------------------------------------------------------------

@blueprint.get("/bodies/<body>/motions/<motion>/")
def motion_page(body: str, motion: str) -> str:
    """A motion: its text as moved, each amendment, each carried amendment as a diff with
    the vote that carried it, and the substantive motion against the original."""
    record = read(body)
    state = record.state
    moved = state.motion(motion)
    changes = amendment_record(state, record.events, motion)
    amendments = [a for a in state.amendments.values() if a.motion == motion]
    ballots = {b.subject: b for b in record.minutes.ballots}
    meeting = state.meeting(moved.meeting)
    hidden = meeting.publication != "open"
    return render_template(
        "motion.html", record=record, motion=moved, changes=changes, diff=diff_markup,
        amendments=amendments, ballots=ballots, hidden=hidden,
        mover=_who(record, moved.mover, hidden), seconder=_who(record, moved.seconder, hidden),
        who=lambda member: _who(record, member, hidden),
        crumbs=[(record.name, url_for("web.body_page", body=body)),
                (meeting.title, url_for("web.meeting_page", body=body, meeting=meeting.id))])


def _who(record: Record, member: str, hidden: bool) -> str:
    """A member's name, or in an unattributed meeting the pseudonym the minutes use."""
    from voting.chatham import is_pseudonym
    from voting.minutes import pseudonym

    if not member:
        return ""
    if hidden and is_pseudonym(member):
        return pseudonym(member)
    return record.state.name_of(member)


# -- a ballot ----------------------------------------------------------------------------

def _ballot(body: str, ballot: str) -> tuple[Record, BallotRecord | None]:
    record = read(body)
    record.state.ballot(ballot)  # NotFound names the ballots there are
    return record, record.ballot(ballot)


@blueprint.get("/bodies/<body>/ballots/<ballot>/")
def ballot_page(body: str, ballot: str) -> str:
    """A ballot's result: the rule that decided it, the counts and a chart, the turnout,
    the roll by name (a recorded or card vote) and each section's figures (card, college)."""
    record, closed = _ballot(body, ballot)
    state = record.state
    open_ballot = state.ballot(ballot)
    view = ballot_view(state, closed) if closed is not None else None
    chart = ballot_chart(f"chart-{ballot}", f"Result of the vote: {closed.outcome}", [
        ("For", closed.for_votes), ("Against", closed.against),
        ("Abstain", closed.abstain)]) if closed is not None else None
    papers = published_papers(record.events).get(ballot, [])
    meeting = state.meeting(open_ballot.meeting)
    subject = open_ballot.subject
    motion = subject if subject in state.motions else \
        state.amendments[subject].motion if subject in state.amendments else ""
    return render_template(
        "ballot.html", record=record, ballot=open_ballot, closed=closed, view=view,
        chart=chart, papers=papers, motion=motion,
        crumbs=[(record.name, url_for("web.body_page", body=body)),
                (meeting.title, url_for("web.meeting_page", body=body, meeting=meeting.id))])


def _ballot_data(record: Record, closed: BallotRecord) -> dict[str, Any]:
    view = ballot_view(record.state, closed)
    return {
        "body": record.body, "ballot": closed.id, "meeting": closed.meeting,
        "subject": closed.subject, "question": closed.question, "method": closed.method,
        "rule": closed.rule, "tie_rule": closed.tie_rule,
        "counts": {"for": closed.for_votes, "against": closed.against,
                   "abstain": closed.abstain},
        "outcome": closed.outcome, "explanation": closed.explanation,
        "tied": closed.tied, "casting_vote": closed.casting_vote or None,
        "turnout": {"cast": view.cast, "eligible": view.eligible},
        "votes": [{"member": n, "for": f, "against": a, "abstain": x}
                  for n, f, a, x in closed.votes],
        "did_not_vote": list(view.did_not_vote),
        "sections": [{"section": s.name, "for": s.for_votes, "against": s.against,
                      "abstain": s.abstain} for s in view.sections],
        "papers": published_papers(record.events).get(closed.id, []),
        "entry": closed.entry,
    }


def _closed(record: Record, closed: BallotRecord | None, ballot: str) -> BallotRecord:
    if closed is None:
        raise Problem(404, "not-closed", f"ballot {ballot!r} is not closed yet: its result "
                      "is published at the close")
    return closed


@blueprint.get("/bodies/<body>/ballots/<ballot>/result.json")
def ballot_json(body: str, ballot: str) -> Response:
    """A closed ballot's result as JSON."""
    record, closed = _ballot(body, ballot)
    data = _ballot_data(record, _closed(record, closed, ballot))
    return _json(data, f"ballot-{_safe_name(ballot)}.json")


@blueprint.get("/bodies/<body>/ballots/<ballot>/result.csv")
def ballot_csv(body: str, ballot: str) -> Response:
    """A closed ballot's result as CSV: the totals, each vote by name, each section, each
    published paper; every text cell guarded against spreadsheet formulas."""
    record, closed = _ballot(body, ballot)
    data = _ballot_data(record, _closed(record, closed, ballot))
    rows: list[list[object]] = [["total", data["outcome"], data["counts"]["for"],
                                 data["counts"]["against"], data["counts"]["abstain"]]]
    rows += [["vote", v["member"], v["for"], v["against"], v["abstain"]]
             for v in data["votes"]]
    rows += [["did not vote", name, "", "", ""] for name in data["did_not_vote"]]
    rows += [["section", s["section"], s["for"], s["against"], s["abstain"]]
             for s in data["sections"]]
    rows += [["paper", tracker, int(choice == "for"), int(choice == "against"),
              int(choice == "abstain")] for tracker, choice in data["papers"]]
    text = csv_text(["row", "name", "for", "against", "abstain"], rows)
    return _download(text, "text/csv", f"ballot-{_safe_name(ballot)}.csv")


# -- an election -------------------------------------------------------------------------

def _names(record: Record, election_id: str) -> tuple[str, ...]:
    closed = record.election(election_id)
    election = record.state.election(election_id)
    if closed is not None:
        return closed.candidates
    return tuple(record.state.name_of(c) for c in election.candidates)


@blueprint.get("/bodies/<body>/elections/<election>/")
def election_page(body: str, election: str) -> str:
    """An election: who was elected and the rule, and for a count with stages (STV) the
    stage sheet and a chart of the transfers."""
    record = read(body)
    held = record.state.election(election)
    names = _names(record, election)
    closed = record.election(election)
    result = held.result if closed is not None else None
    sheet = stage_sheet(result, names) if result is not None else None
    chart = transfers_chart(f"chart-{election}", result, names) if result is not None \
        else None
    crumbs = [(record.name, url_for("web.body_page", body=body))]
    if held.meeting:
        meeting = record.state.meeting(held.meeting)
        crumbs.append((meeting.title, url_for("web.meeting_page", body=body,
                                              meeting=meeting.id)))
    return render_template("election.html", record=record, election=held, closed=closed,
                           names=names, sheet=sheet, chart=chart, crumbs=crumbs,
                           papers=published_papers(record.events).get(election, []))


def _election_closed(record: Record, election: str) -> tuple[ElectionRecord, Any]:
    held = record.state.election(election)
    closed = record.election(election)
    if closed is None or held.result is None:
        raise Problem(404, "not-closed", f"election {election!r} is not closed yet: its "
                      "result is published at the close")
    return closed, held.result


@blueprint.get("/bodies/<body>/elections/<election>/result.json")
def election_json(body: str, election: str) -> Response:
    """A closed election's result and stage sheet as JSON."""
    record = read(body)
    closed, result = _election_closed(record, election)
    names = closed.candidates
    sheet = stage_sheet(result, names)
    data = {
        "body": record.body, "election": closed.id, "title": closed.title,
        "seats": closed.seats, "method": closed.method, "rule": closed.rule,
        "secret": closed.secret, "candidates": list(names), "elected": list(closed.elected),
        "ballots": closed.ballots, "quota": sheet.quota, "valid_votes": sheet.valid,
        "seed": closed.seed, "lots": list(sheet.lots),
        "stages": [{"stage": r.number, "kind": r.kind, "note": r.note,
                    "totals": dict(zip(names, r.totals, strict=True)),
                    "transfers": {n: t for n, t in zip(names, r.transfers, strict=True) if t},
                    "non_transferable": r.non_transferable, "elected": list(r.elected),
                    "excluded": list(r.excluded)} for r in sheet.rows],
        "papers": published_papers(record.events).get(election, []),
        "entry": closed.entry,
    }
    return _json(data, f"election-{_safe_name(election)}.json")


@blueprint.get("/bodies/<body>/elections/<election>/result.csv")
def election_csv(body: str, election: str) -> Response:
    """A closed election's stage sheet as CSV: a row per stage, a column per candidate."""
    record = read(body)
    closed, result = _election_closed(record, election)
    names = closed.candidates
    places = result.precision
    notes = [row.note for row in stage_sheet(result, names).rows]
    rows = [[stage.number, str(stage.kind), note,
             *(decimal(t, places) for t in stage.totals),
             decimal(stage.non_transferable, places),
             "; ".join(names[i] for i in stage.elected),
             "; ".join(names[i] for i in stage.excluded)]
            for stage, note in zip(result.stages, notes, strict=True)]
    text = csv_text(["stage", "kind", "note", *names, "non-transferable", "elected",
                     "excluded"], rows)
    return _download(text, "text/csv", f"election-{_safe_name(election)}.csv")


@blueprint.get("/bodies/<body>/elections/<election>/ballots.blt")
def election_blt(body: str, election: str) -> Response:
    """A closed election's published ballots as a BLT file, to count again elsewhere."""
    record = read(body)
    closed, _ = _election_closed(record, election)
    held = record.state.election(election)
    return _download(blt_of(held, closed.candidates, record.events), "text/plain",
                     f"election-{_safe_name(election)}.blt")


# -- verifying ---------------------------------------------------------------------------

@blueprint.get("/bodies/<body>/verify")
def verify_page(body: str) -> str:
    """How to check the record: the bundle, the command, and a receipt checked here."""
    record = read(body)
    size = record.checkpoint.size if record.checkpoint else 0
    papers = published_papers(record.events)
    bundle_url = url_for("bundles.SizedBundle", body=body, size=size, name="bundle.json",
                         _external=True) if size else ""
    data = {"vkey": record.vkey, "origin": record.origin,
            "entry": url_for("web.entry_bytes", body=body, index=0).rsplit("/", 1)[0] + "/",
            "consistency": url_for("log.Consistency", body=body),
            "latest": record.note, "papers": papers}
    return render_template("verify.html", record=record, size=size, bundle_url=bundle_url,
                           data=data, fingerprint=_fingerprint(record),
                           crumbs=[(record.name, url_for("web.body_page", body=body))])


@blueprint.get("/bodies/<body>/log/entry/<int:index>")
def entry_bytes(body: str, index: int) -> Response:
    """One log entry's canonical bytes (RFC 8785 JSON), as hashed into the tree: the page's
    receipt check hashes exactly these."""
    instance().require_body(body)
    ledger = instance().ledger(body)
    ledger.refresh()
    entries = ledger.entry_bytes()
    if not 0 <= index < len(entries):
        raise Problem(404, "no-entry", f"the log has no entry {index}")
    response = Response(entries[index], mimetype="application/octet-stream")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blueprint.get("/bodies/<body>/bundle.zip")
def bundle_zip(body: str) -> Response:
    """The verification bundle at the latest checkpoint as one zip file, for
    ``tellers verify`` once unpacked."""
    instance().require_body(body)
    files = bundle_files(body, None)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"bundle/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    response = Response(out.getvalue(), mimetype="application/zip")
    name = f"{_safe_name(body)}-bundle.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# -- errors ------------------------------------------------------------------------------

def _error_page(status: int, title: str, detail: str) -> tuple[str, int]:
    return render_template("error.html", status=status, title=title, detail=detail), status


@blueprint.errorhandler(Problem)
def _problem(error: Problem) -> tuple[str, int]:
    """A refusal on a page (a body or meeting that is not there) as a page, not JSON."""
    return _error_page(error.status, http.HTTPStatus(error.status).phrase, error.detail)


@blueprint.errorhandler(DomainError)
def _domain(error: DomainError) -> tuple[str, int]:
    status, _ = problem_for(error)
    if isinstance(error, NotFound):
        status = 404
    return _error_page(status, http.HTTPStatus(status).phrase, str(error))

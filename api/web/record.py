"""What the record pages show, computed from the public minutes and the log: no Flask here.

The pages publish only what the minutes publish (:mod:`voting.minutes`): names as the
minutes give them (pseudonyms in an ``unattributed`` meeting), counts as declared at each
close, sealed papers as published at the close. This module turns those into what a page
or an export needs: diffs as ``<del>``/``<ins>`` markup, charts as inline SVG with a text
alternative, a count's stage sheet, CSV guarded against spreadsheet formulas, BLT, and a
checkpoint's short fingerprint.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from html import escape
from typing import Any

from markupsafe import Markup

from tallying.blt import write_blt
from tallying.errors import TellersError
from tallying.profile import Profile, RankedBallot, merge_identical
from tallying.result import ElectionResult, StageKind, format_value
from voting import events as ev
from voting.diff import DiffOp, TextDiff
from voting.minutes import BallotRecord
from voting.state import Ballot, BallotMethod, BodyState, Election

__all__ = [
    "FORMULA_STARTS",
    "BallotView",
    "StageSheet",
    "ballot_chart",
    "ballot_view",
    "blt_of",
    "csv_text",
    "diff_markup",
    "fingerprint",
    "guard_cell",
    "published_papers",
    "stage_sheet",
    "transfers_chart",
]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these is read as a formula by a spreadsheet (CSV
injection): :func:`guard_cell` puts a ``'`` before it, so it stays text."""


def guard_cell(value: object) -> object:
    """A CSV cell that no spreadsheet runs: text starting with ``= + - @``, a tab or a
    carriage return gets a leading ``'``; numbers are left as numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """RFC 4180 CSV (CRLF line ends), every text cell guarded by :func:`guard_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([guard_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([guard_cell(cell) for cell in row])
    return out.getvalue()


def diff_markup(diff: TextDiff) -> Markup:
    """The diff as HTML: words left out in ``<del>``, words inserted in ``<ins>``, each
    with words a screen reader says ("left out:", "inserted:"), all text escaped."""
    parts: list[str] = []
    previous = ""
    for chunk in diff.chunks:
        if previous and not previous.endswith("\n") and not chunk.text.startswith("\n"):
            parts.append(" ")  # words join with a space, as in the text (voting.diff)
        previous = chunk.text
        text = escape(chunk.text, quote=True)
        if chunk.op == DiffOp.LEFT_OUT:
            parts.append('<del class="diff"><span class="visually-hidden">[left out: </span>'
                         f'{text}<span class="visually-hidden">]</span></del>')
        elif chunk.op == DiffOp.INSERTED:
            parts.append('<ins class="diff"><span class="visually-hidden">[inserted: </span>'
                         f'{text}<span class="visually-hidden">]</span></ins>')
        else:
            parts.append(text)
    return Markup("".join(parts))  # noqa: S704 (every piece of text escaped above)


def fingerprint(root_hash: bytes) -> str:
    """A checkpoint's short fingerprint for members to compare aloud: the first 8 bytes of
    its root hash in hex, in four groups of four digits."""
    digits = root_hash[:8].hex()
    return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    for_votes: int
    against: int
    abstain: int


@dataclass(frozen=True, slots=True)
class BallotView:
    """A closed ballot as a page shows it: the declared record, its turnout, the roll."""

    record: BallotRecord
    cast: int  # votes (or card weight) cast
    eligible: int  # voters (or card weight) on the roll
    did_not_vote: tuple[str, ...]  # names on the roll of a recorded vote who did not vote
    sections: tuple[Section, ...]  # a card or college vote: each section's figures
    weighted: bool

    @property
    def turnout(self) -> str:
        if not self.eligible:
            return "no roll"
        return f"{self.cast} of {self.eligible} ({100 * self.cast / self.eligible:.0f}%)"


def ballot_view(state: BodyState, record: BallotRecord) -> BallotView:
    """The record of a closed ballot with what the page adds from the state: turnout, the
    names on the roll who did not vote (a recorded vote in an open meeting), and each
    section's figures (a card or college vote)."""
    ballot: Ballot = state.ballot(record.id)
    weighted = ballot.method in (BallotMethod.CARD, BallotMethod.COLLEGE)
    declared = record.for_votes + record.against + record.abstain
    if weighted:
        cast, eligible = declared, ballot.roll_weight
    elif ballot.method == BallotMethod.SECRET:
        cast, eligible = record.papers, len(ballot.roll)
    else:
        cast, eligible = (len(ballot.votes) if ballot.votes else declared), len(ballot.roll)
    missing: tuple[str, ...] = ()
    hidden = state.meeting(ballot.meeting).publication != "open"
    if ballot.method == BallotMethod.RECORDED and not hidden:
        voted = set(ballot.votes)
        missing = tuple(sorted(state.name_of(member) for _, member in ballot.roll
                               if member not in voted))
    sections: dict[str, list[int]] = {}
    if weighted:
        for member, split in ballot.votes.items():
            who = state.members.get(member) or state.pseudonyms.get(member)
            figures = sections.setdefault(who.section if who else "", [0, 0, 0])
            for i in range(3):
                figures[i] += split[i]
    return BallotView(record, cast, eligible, missing,
                      tuple(Section(name or "(no section)", *f)
                            for name, f in sorted(sections.items())), weighted)


_SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'


def ballot_chart(chart_id: str, title: str, counts: Sequence[tuple[str, int]]) -> Markup:
    """Horizontal bars, one per choice, as inline SVG; its ``<title>`` and ``<desc>`` give
    the figures in words (the table beside it gives them too)."""
    width, label_w, row_h, top = 480, 110, 34, 8
    most = max((n for _, n in counts), default=0) or 1
    height = top * 2 + row_h * len(counts)
    words = "; ".join(f"{label} {n}" for label, n in counts)
    out = [f'<svg {_SVG_NS} role="img" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" aria-labelledby="{chart_id}-t {chart_id}-d">',
           f'<title id="{chart_id}-t">{escape(title)}</title>',
           f'<desc id="{chart_id}-d">{escape(words)}</desc>']
    span = width - label_w - 60
    for i, (label, n) in enumerate(counts):
        y = top + i * row_h
        length = round(span * n / most)
        kind = label.lower() if label.lower() in ("for", "against", "abstain") else "other"
        out.append(f'<text x="{label_w - 8}" y="{y + 22}" text-anchor="end">'
                   f"{escape(label)}</text>")
        out.append(f'<rect class="bar-{kind}" x="{label_w}" y="{y + 5}" '
                   f'width="{max(length, 1)}" height="{row_h - 10}"></rect>')
        out.append(f'<text x="{label_w + max(length, 1) + 6}" y="{y + 22}">{n}</text>')
    out.append(f'<line class="axis" x1="{label_w}" y1="{top}" x2="{label_w}" '
               f'y2="{height - top}"></line>')
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 (every piece of text escaped above)


@dataclass(frozen=True, slots=True)
class StageRow:
    number: int
    kind: str
    note: str
    totals: tuple[str, ...]
    transfers: tuple[str, ...]
    non_transferable: str
    elected: tuple[str, ...]
    excluded: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StageSheet:
    """A count's stages as a table: a column per candidate, a row per stage."""

    candidates: tuple[str, ...]
    quota: str
    valid: str
    rows: tuple[StageRow, ...]
    elected: tuple[str, ...]
    lots: tuple[str, ...]


def stage_sheet(result: ElectionResult, names: Sequence[str]) -> StageSheet:
    """The stage sheet of ``result`` with the candidates called ``names`` (in its order);
    the count's notes name the candidates by ``names`` too, not by their ids."""
    places = result.precision
    ids = {candidate: name for candidate, name in zip(result.candidates, names, strict=True)}
    pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(c)}(?![\w-])"
                                  for c in sorted(ids, key=len, reverse=True)))

    def named(note: str) -> str:
        return pattern.sub(lambda m: ids[m.group(0)], note) if ids else note

    def value(x: Fraction) -> str:
        return format_value(x, places)

    def signed(x: Fraction) -> str:
        return "" if x == 0 else ("+" if x > 0 else "") + value(x)

    rows = tuple(
        StageRow(stage.number, str(stage.kind), named(stage.note),
                 tuple(value(t) for t in stage.totals),
                 tuple("" if stage.kind == StageKind.FIRST else signed(t)
                       for t in stage.transfers),
                 value(stage.non_transferable),
                 tuple(names[i] for i in stage.elected),
                 tuple(names[i] for i in stage.excluded))
        for stage in result.stages)
    lots = tuple(f"{named(lot.purpose)}: {', '.join(names[i] for i in lot.tied)} tied; "
                 f"{names[lot.chosen]} chosen by lot" for lot in result.lots)
    return StageSheet(tuple(names), value(result.quota) if result.quota is not None else "",
                      value(result.valid_votes), rows,
                      tuple(names[i] for i in result.elected), lots)


def transfers_chart(chart_id: str, result: ElectionResult, names: Sequence[str]) -> Markup:
    """The count as inline SVG: for each stage a column, for each candidate a bar as long as
    their total after it, the quota as a dashed line, and the transfer written under each
    bar; ``<title>`` and ``<desc>`` say it in words (the stage sheet is the full table)."""
    stages = result.stages
    col_w, label_w, row_h, head = 190, 160, 46, 40
    width = label_w + col_w * len(stages) + 10
    height = head + row_h * len(names) + 30
    top = max([float(t) for s in stages for t in s.totals] +
              [float(result.quota or 0)] + [1.0])
    bar_span = col_w - 30
    words = []
    notes = [row.note for row in stage_sheet(result, names).rows]
    for stage, note in zip(stages, notes, strict=True):
        moved = ", ".join(f"{names[i]} {format_value(t, result.precision)}"
                          for i, t in enumerate(stage.transfers)
                          if t and stage.kind != StageKind.FIRST)
        words.append(f"Stage {stage.number} ({stage.kind}): {note}"
                     + (f"; transfers: {moved}" if moved else ""))
    elected = ", ".join(names[i] for i in result.elected) or "nobody"
    out = [f'<svg {_SVG_NS} role="img" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" aria-labelledby="{chart_id}-t {chart_id}-d">',
           f'<title id="{chart_id}-t">The count, stage by stage; elected: '
           f"{escape(elected)}</title>",
           f'<desc id="{chart_id}-d">{escape(". ".join(words))}</desc>']
    for s, stage in enumerate(stages):
        x0 = label_w + s * col_w
        out.append(f'<text x="{x0 + 4}" y="18" font-weight="700">Stage {stage.number}</text>')
        out.append(f'<text x="{x0 + 4}" y="34" font-size="12">{escape(str(stage.kind))}'
                   "</text>")
        if result.quota is not None:
            qx = x0 + round(bar_span * float(result.quota) / top)
            out.append(f'<line class="axis" stroke-dasharray="4 3" x1="{qx}" y1="{head - 4}" '
                       f'x2="{qx}" y2="{head + row_h * len(names)}"></line>')
        for c, total in enumerate(stage.totals):
            y = head + c * row_h
            length = round(bar_span * float(total) / top)
            kind = "for" if c in stage.elected else "against" if c in stage.excluded \
                else "other"
            out.append(f'<rect class="bar-{kind}" x="{x0}" y="{y + 4}" '
                       f'width="{max(length, 1)}" height="16"></rect>')
            move = stage.transfers[c] if stage.kind != StageKind.FIRST else Fraction(0)
            sign = "+" if move > 0 else ""
            moved = f" ({sign}{format_value(move, result.precision)})" if move else ""
            out.append(f'<text x="{x0}" y="{y + 36}" font-size="12">'
                       f"{format_value(total, result.precision)}{moved}</text>")
    for c, name in enumerate(names):
        y = head + c * row_h
        out.append(f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end">'
                   f"{escape(name)}</text>")
    legend = "green: elected; red: excluded"
    if result.quota is not None:
        legend = (f"dashed line: the quota, {format_value(result.quota, result.precision)}; "
                  + legend)
    out.append(f'<text x="{label_w}" y="{height - 8}" font-size="12">{legend}</text>')
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 (every piece of text escaped above)


def published_papers(events: Sequence[ev.Event]) -> dict[str, list[list[Any]]]:
    """Every sealed paper published at a close, by ballot or election id: ``[tracker,
    choice]`` for a ballot, ``[tracker, [candidate, ...]]`` for an election."""
    found: dict[str, list[list[Any]]] = {}
    for event in events:
        if isinstance(event, ev.BallotClosed) and event.papers:
            found[event.ballot] = [[tracker, choice] for tracker, choice in event.papers]
        elif isinstance(event, ev.ElectionClosed) and event.papers:
            found[event.election] = [[tracker, list(ranking)]
                                     for tracker, ranking in event.papers]
    return found


def rankings_of(election: Election, events: Sequence[ev.Event]) -> list[tuple[str, ...]]:
    """The election's rankings as the log publishes them: a secret election's papers as
    published at the close, an open election's rankings as cast."""
    if election.secret:
        for event in events:
            if isinstance(event, ev.ElectionClosed) and event.election == election.id:
                return [ranking for _, ranking in event.papers]
        return []
    return list(election.rankings.values())


def blt_of(election: Election, names: Sequence[str], events: Sequence[ev.Event]) -> str:
    """The election's published ballots as a BLT file (``tallying.blt``), the candidates by
    ``names``, for any count program to count again."""
    index = {candidate: i for i, candidate in enumerate(election.candidates)}
    ballots = merge_identical(RankedBallot(1, tuple((index[c],) for c in ranking))
                              for ranking in rankings_of(election, events))
    safe = tuple(name.replace('"', "'").replace("\n", " ").replace("\r", " ")
                 for name in names)
    title = election.title.replace('"', "'").replace("\n", " ").replace("\r", " ")
    try:
        profile = Profile(safe, election.seats, tuple(ballots), title=title)
    except TellersError:  # no candidates: nothing a count could read
        return ""
    return write_blt(profile, comments=[f"{election.title}: the ballots published by the log",
                                        f"method {election.method}"], canonical=True)


def decimal(value: Fraction, places: int) -> Decimal:
    """An exact count's value as the decimal a CSV cell holds (a number, never guarded)."""
    return Decimal(format_value(value, places))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")

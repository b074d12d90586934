"""Hypothesis strategies for motion texts, amendments and whole histories, for property tests.

This module imports `Hypothesis <https://hypothesis.readthedocs.io>`_, which is
a development dependency of tellers (the ``dev`` extra), not a runtime one:
nothing else in :mod:`voting` imports it, so the domain itself never needs
Hypothesis. Use it in tests, as structlog's ``testing`` module is used::

    from hypothesis import given, strategies as st
    from voting.testing import edits, motion_texts

    @given(data=st.data(), text=motion_texts())
    def test_my_rule(data, text):
        edit = data.draw(edits(text))
        ...

Every value drawn is valid: :func:`motion_sources` are strings that
:meth:`~voting.text.MotionText.parse` accepts (with untidy whitespace, blank
lines, CRLF and decomposed accents to normalise), and :func:`edits` of a text
apply to that text (:func:`voting.edit.apply` succeeds); :func:`histories` are
event logs the decider itself produced, so every one replays, and
:func:`proceedings` are the commands that produced them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from voting import commands as c
from voting.chatham import pseudonym_of
from voting.decider import execute
from voting.edit import Edit, EditKind, apply, check
from voting.errors import EmptyText, TextTooLong
from voting.events import Event
from voting.seal import mark_key
from voting.state import BodyState
from voting.text import MotionText, WordId

__all__ = [
    "amended_motion_texts",
    "edits",
    "histories",
    "insert_texts",
    "motion_sources",
    "motion_texts",
    "proceedings",
    "words",
]

# Words of agenda motions, so that examples read like motions and repeat words
# (repeated words are where addressing by position rather than by id goes wrong).
_VOCABULARY = (
    "That",
    "this",
    "branch",
    "group",
    "will",
    "the",
    "a",
    "of",
    "and",
    "slate",
    "left",
    "candidate",
    "conditions:",
    "1.",
    "2.",
    "members;",
    "union",
    "(and",
    "not)",
    "£5",
    "co-operative",
    "Trade",
    "naïve",
    "e\u0301lan",  # decomposed: NFC composes it to "élan"
    "Ἀθῆναι",
    "солидарность",
    "團結",
    "'quoted'",
    '"so-called"',
    "*stars*",
)

_ALPHABET = st.characters(
    codec="utf-8",
    exclude_categories=("Cc", "Cs", "Cf", "Zs", "Zl", "Zp"),
)
_SPACES = st.sampled_from([" ", " ", " ", "  ", "\t", "\u00a0", " \t "])
_BREAKS = st.sampled_from(["\n", "\n", "\r\n", "\r", "\n\n", "\n \n"])


def words() -> st.SearchStrategy[str]:
    """One word as it might be typed: mostly agenda vocabulary, sometimes any printable run."""
    return st.one_of(
        st.sampled_from(_VOCABULARY),
        st.text(_ALPHABET, min_size=1, max_size=10),
    )


@st.composite
def _source(draw: st.DrawFn, max_lines: int, max_words: int) -> str:
    lines = draw(
        st.lists(st.lists(words(), min_size=1, max_size=max_words), min_size=1, max_size=max_lines)
    )
    out = draw(st.sampled_from(["", " ", "\n", "\t\n"]))
    for number, line in enumerate(lines):
        if number:
            out += draw(_BREAKS)
        margin, spaces = draw(st.sampled_from(["", " ", "\t"])), draw(_SPACES)
        out += margin + spaces.join(line) + margin
    return out + draw(st.sampled_from(["", "\n", " \n"]))


def motion_sources(*, max_lines: int = 6, max_words: int = 10) -> st.SearchStrategy[str]:
    """Motion texts as a member might submit them: valid, but untidy."""
    return _source(max_lines, max_words)


def motion_texts(*, max_lines: int = 6, max_words: int = 10) -> st.SearchStrategy[MotionText]:
    """Parsed motions (word ids ``0 .. n-1``)."""
    return motion_sources(max_lines=max_lines, max_words=max_words).map(MotionText.parse)


@st.composite
def _insert_text(draw: st.DrawFn, vocabulary: st.SearchStrategy[str]) -> str:
    lines = draw(st.lists(st.lists(vocabulary, min_size=1, max_size=5), min_size=1, max_size=2))
    body = "\n".join(" ".join(line) for line in lines)
    lead = draw(st.sampled_from(["", "", "", "\n"]))
    trail = draw(st.sampled_from(["", "", "", "\n"]))
    return lead + body + trail


def insert_texts(vocabulary: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    """Words an amendment inserts: one or two lines, sometimes starting or ending a new line.

    ``vocabulary`` draws the words (default :func:`words`); pass a vocabulary
    disjoint from the motion's to make inserted words recognisable.
    """
    return _insert_text(words() if vocabulary is None else vocabulary)


_ALL_KINDS = tuple(EditKind)


@st.composite
def edits(
    draw: st.DrawFn,
    text: MotionText,
    kinds: Collection[EditKind] = _ALL_KINDS,
    inserts: st.SearchStrategy[str] | None = None,
) -> Edit:
    """An edit of ``text`` that applies to it, of one of ``kinds``.

    Spans run across line breaks as freely as within lines. A ``LEAVE_OUT`` of
    every word is never drawn (it would leave no motion). ``inserts`` draws the
    words to insert (default :func:`insert_texts`).
    """
    inserted = insert_texts() if inserts is None else inserts
    possible = [k for k in kinds if k is not EditKind.LEAVE_OUT or text.word_count > 1]
    assume(possible)
    kind = draw(st.sampled_from(sorted(possible)))
    count = text.word_count
    ids = [word.id for word in text.words]
    edit: Edit
    if kind in (EditKind.LEAVE_OUT, EditKind.LEAVE_OUT_AND_INSERT):
        start = draw(st.integers(0, count - 1))
        end = draw(st.integers(start, count - 1))
        if kind is EditKind.LEAVE_OUT and (start, end) == (0, count - 1):
            if draw(st.booleans()):
                start = 1
            else:
                end = count - 2
        first, last = ids[start], ids[end]
        edit = Edit(
            kind,
            first=first,
            last=last,
            insert="" if kind is EditKind.LEAVE_OUT else draw(inserted),
            quoted=text.quote(first, last),
        )
    elif kind is EditKind.ADD_AT_END:
        edit = Edit(kind, insert=draw(inserted))
    else:
        anchor: WordId | None = draw(st.none() | st.sampled_from(ids))
        quoted = "" if anchor is None or draw(st.booleans()) else text.quote(anchor, anchor)
        edit = Edit(kind, after=anchor, insert=draw(inserted), quoted=quoted)
    try:
        check(text, edit)
    except (EmptyText, TextTooLong):  # pragma: no cover - only near the documented limits
        assume(False)
    return edit


@st.composite
def amended_motion_texts(
    draw: st.DrawFn, *, max_lines: int = 6, max_words: int = 10, max_edits: int = 3
) -> MotionText:
    """Motions after up to ``max_edits`` amendments: ids with gaps and words out of id order."""
    text = draw(motion_texts(max_lines=max_lines, max_words=max_words))
    for _ in range(draw(st.integers(0, max_edits))):
        text = apply(text, draw(edits(text)))
    return text


# -- whole histories ----------------------------------------------------------------

_METHODS = ("recorded", "secret", "show_of_hands", "card")
_CHOICES = ("for", "against", "abstain")


# Where a history's clock starts: an ordinary morning, a leap day's last second, a year's end.
_STARTS = (datetime(2025, 4, 1, 10, tzinfo=UTC), datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
           datetime(2025, 12, 31, 23, 59, 58, 999_999, tzinfo=UTC))
# How far the clock moves between commands: not at all, by a microsecond, ... by a day.
_STEPS = tuple(timedelta(microseconds=n) for n in (0, 1, 10, 500_000, 1_000_000, 61_000_000,
                                                    86_400_000_000))
# Names and titles as members type or paste them, some not in NFC (decide composes them).
_NAMES = ("Person", "Zoe\u0308", "Ame\u0301lie", "Ångström", "A\u030angstro\u0308m",
          "Nguye\u0302\u0303n", "한국", "\u1112\u1161\u11ab")
_TITLES = ("Motion", "Re\u0301solution", "Motion on the café", "Mo\u0302tion")


def _time(draw: st.DrawFn, moment: datetime) -> str:
    """``moment`` as a valid event time, in any of its spellings: with no fraction when it
    falls on a second (or a zero one), with the fraction's zeros kept, trimmed or added."""
    fraction = f"{moment.microsecond:06d}"
    style = draw(st.sampled_from(["exact", "trimmed", "padded"]))
    if style == "trimmed":
        fraction = fraction.rstrip("0")
    elif style == "padded":
        fraction += "0" * draw(st.integers(1, 3))
    second = moment.replace(tzinfo=None, microsecond=0).isoformat()
    return second + (f".{fraction}" if fraction else "") + "Z"


@st.composite
def proceedings(draw: st.DrawFn) -> list[tuple[c.Command, tuple[Event, ...]]]:
    """A body's proceedings, every command one the domain's own decider accepted, each with
    the events it caused: members, a meeting, some ballots.

    Members (weights 1 to 3), a meeting held ``open`` or ``unattributed`` (its acts
    under pseudonyms, ``voting.chatham``), attendance, motions moved and seconded (some with
    their own rule, some amending the standing orders' tie rule), then a
    ballot on each by a drawn method (recorded, secret with random trackers, show of
    hands with tellers' counts, card with split cards), closed and declared.
    Times are valid and never go back, but awkward (:func:`_time`): repeated,
    a microsecond apart, across a leap day or a year's end, with fractions of
    any length (``10:00:00.5Z`` is later than ``10:00:00Z`` though it sorts
    first as text). Some names, titles and motion texts are not in NFC.
    """
    state = BodyState()
    steps: list[tuple[c.Command, tuple[Event, ...]]] = []
    clock = draw(st.sampled_from(_STARTS))

    def at() -> str:
        nonlocal clock
        clock += draw(st.sampled_from(_STEPS))
        return _time(draw, clock)

    def do(command: c.Command) -> None:
        nonlocal state
        state, events = execute(state, command)
        steps.append((command, events))

    count = draw(st.integers(3, 8))
    ids = [f"p{i:02d}" for i in range(count)]
    do(c.FoundBody(at(), ids[0], name="Random Branch"))
    for number, member in enumerate(ids):
        roles = ("chair", "member") if number == 0 else ("member",)
        name = f"{draw(st.sampled_from(_NAMES))} {number}"
        do(c.AdmitMember(at(), ids[0], member=member, name=name,
                         weight=draw(st.integers(1, 3)), roles=roles))
    # the meeting is open or unattributed (voting.chatham: the shell's meeting secret)
    publication = draw(st.sampled_from(("open", "unattributed")))
    hidden = draw(st.binary(min_size=32, max_size=32)).hex() if publication != "open" else ""
    do(c.ConveneMeeting(at(), ids[0], meeting="m1", title="A meeting", chair=ids[0],
                        secretary=ids[0], quorum_number=1, publication=publication,
                        meeting_secret=hidden))
    present = [m for m in ids if m == ids[0] or draw(st.booleans())]
    for member in present:
        do(c.RecordAttendance(at(), ids[0], meeting="m1", member=member, meeting_secret=hidden))
    do(c.StartBusiness(at(), ids[0], meeting="m1"))
    for number in range(draw(st.integers(1, 3))):
        motion = f"motion-{number}"
        mover, seconder = present[0], (present[1] if len(present) > 1 else None)
        if seconder is None:
            break
        title = f"{draw(st.sampled_from(_TITLES))} {number}"
        text = draw(st.sampled_from(["That we do thing number {}.",
                                     "That we buy the cafe\u0301 number {}.",
                                     "That we  name\r\nthe Zoe\u0308 room {}."]))
        # a motion with its own rule, or one amending the standing orders (docs/standing-orders.md)
        terms: dict[str, Any] = draw(st.sampled_from([
            {}, {"threshold": "two_thirds_of_votes_cast"}, {"threshold": "majority_of_all_members"},
            {"orders": (("tie_rule", "tie_falls" if state.orders.tie_rule.value ==
                         "chair_casting_vote" else "chair_casting_vote"),)},
        ]))
        do(c.MoveMotion(at(), mover, motion=motion, meeting="m1", title=title,
                        text=text.format(number), meeting_secret=hidden, **terms))
        do(c.SecondMotion(at(), seconder, motion=motion, meeting_secret=hidden))
        do(c.OpenDebate(at(), ids[0], motion=motion))
        method = draw(st.sampled_from(_METHODS))
        ballot = f"ballot-{number}"
        do(c.OpenBallot(at(), ids[0], ballot=ballot, subject=motion, method=method))
        papers: list[tuple[str, str]] = []
        counts: tuple[int, int, int] | None = None
        secret = draw(st.binary(min_size=32, max_size=32)).hex()  # the shell's ballot secret
        if method == "show_of_hands":
            votes = [draw(st.integers(0, 2)) for _ in range(3)]
            while sum(votes) > len(present):
                votes[votes.index(max(votes))] -= 1
            counts = (votes[0], votes[1], votes[2])
        for voter in present:
            if method == "show_of_hands" or not draw(st.booleans()):
                continue
            choice = draw(st.sampled_from(_CHOICES))
            if method == "secret":  # a random tracker and the member's mark key, as a shell
                drawn = draw(st.binary(max_size=32)) + len(papers).to_bytes(2, "big")
                tracker = hashlib.sha256(drawn).hexdigest()  # distinct on the ballot
                papers.append((tracker, choice))
                marked = pseudonym_of("m1", voter, hidden) if hidden else voter
                do(c.CastVote(at(), voter, ballot=ballot, choice=choice, tracker=tracker,
                              mark_key=mark_key(secret, marked), meeting_secret=hidden))
            elif method == "card" and draw(st.booleans()):
                weight = state.members[voter].weight
                first = draw(st.integers(0, weight))
                do(c.CastVote(at(), voter, ballot=ballot, split=(first, weight - first, 0),
                              meeting_secret=hidden))
            else:
                do(c.CastVote(at(), voter, ballot=ballot, choice=choice, meeting_secret=hidden))
        casting = ""
        sealed = {"ballot_secret": secret} if method == "secret" else {}
        try:
            do(c.CloseBallot(at(), ids[0], ballot=ballot, counts=counts, papers=tuple(papers),
                             **sealed))
        except ValueError:
            casting = "for"  # a tie the standing orders leave to the chair's casting vote
            do(c.CloseBallot(at(), ids[0], ballot=ballot, counts=counts, papers=tuple(papers),
                             casting_vote=casting, **sealed))
    do(c.CloseMeeting(at(), ids[0], meeting="m1"))
    return steps


def histories() -> st.SearchStrategy[list[Event]]:
    """A body's history through the domain's own decider: the events of :func:`proceedings`."""
    return proceedings().map(lambda steps: [event for _, events in steps for event in events])

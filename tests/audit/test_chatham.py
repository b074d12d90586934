"""Unattributed meetings under attack: what a body holding the log key can forge, what catches it.

In an ``unattributed`` meeting the log holds per-meeting pseudonyms (``voting/chatham.py``),
never member ids or names, and a register of the membership the verifier checks. Each
forgery here is the bundle a hostile operator would publish: the entries rewritten, the
tree rebuilt and every checkpoint re-signed with the log's own key
(:func:`tests.audit.bundles.resign`), so that only the check named can refuse it. A member's
receipt with their key (the opening) proves their own acts, and nobody else's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from audit.canonical import canonical, parse
from audit.log import Log
from audit.receipt import member_key_extra, receipt_member_key
from audit.report import Check
from audit.signer import CheckpointSigner, MemorySignerState
from tests.audit.bundles import (
    LOG_KEY,
    make_bundle,
    read_entries,
    refused,
    resign,
    verified,
    write_entries,
)
from voting import chatham
from voting import commands as c
from voting.decider import execute
from voting.events import Event
from voting.state import BodyState

pytestmark = pytest.mark.unit

SECRET = "c4" * 32  # the meeting secret the shell drew (and deleted at the close)
MEETING = "x"
OFFICER = "s1"  # the chair and secretary, named when the meeting is convened
ATTENDEES = ("s2", "s3", "s4", "s5")
CHOICES = {"s1": "for", "s2": "for", "s3": "against", "s4": "for", "s5": "abstain"}


def chatham_meeting() -> tuple[list[Event], dict[str, int]]:
    """A society of five in an unattributed meeting: a motion, a recorded vote; the log and
    each voter's entry."""
    state = BodyState()
    log: list[Event] = []
    cast: dict[str, int] = {}
    times = iter(f"2025-06-01T10:{m:02d}:00Z" for m in range(60))

    def do(command: c.Command) -> None:
        nonlocal state
        state, events = execute(state, command)
        log.extend(events)

    do(c.FoundBody(next(times), OFFICER, name="Closed Society"))
    for i in range(1, 6):
        do(c.AdmitMember(next(times), OFFICER, member=f"s{i}", name=f"S {i}",
                         roles=("chair", "member") if i == 1 else ("member",)))
    do(c.ConveneMeeting(next(times), OFFICER, meeting=MEETING, title="X", chair=OFFICER,
                        secretary=OFFICER, quorum_number=1, publication="unattributed",
                        meeting_secret=SECRET))
    for i in range(1, 6):
        do(c.RecordAttendance(next(times), OFFICER, meeting=MEETING, member=f"s{i}",
                              meeting_secret=SECRET))
    do(c.StartBusiness(next(times), OFFICER, meeting=MEETING))
    do(c.MoveMotion(next(times), "s2", motion="m", meeting=MEETING, title="M",
                    text="That we agree.", meeting_secret=SECRET))
    do(c.SecondMotion(next(times), "s3", motion="m", meeting_secret=SECRET))
    do(c.OpenDebate(next(times), OFFICER, motion="m"))
    do(c.OpenBallot(next(times), OFFICER, ballot="b", subject="m", method="recorded"))
    for member, choice in CHOICES.items():
        cast[member] = len(log)
        do(c.CastVote(next(times), member, ballot="b", choice=choice, meeting_secret=SECRET))
    do(c.CloseBallot(next(times), OFFICER, ballot="b"))
    do(c.CloseMeeting(next(times), OFFICER, meeting=MEETING))
    return log, cast


def key_of(member: str) -> str:
    return chatham.member_key(SECRET, member)


def receipt(directory: Path, index: int, member: str, key: str | None = None
            ) -> tuple[str, str]:
    """The receipt ``member`` was given for entry ``index``, carrying their key."""
    entries = read_entries(directory)
    log = Log(CheckpointSigner(LOG_KEY, MemorySignerState()))
    log.extend(entries[:index + 1], validate=False)
    return (f"{member}.proof",
            log.receipt(index, extra=member_key_extra(None, key or key_of(member))))




def texts(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return set().union(*map(texts, value)) if value else set()
    if isinstance(value, dict):
        return set().union(*map(texts, value.values())) if value else set()
    return set()


def meeting_entries(directory: Path) -> list[dict[str, Any]]:
    entries = [parse(line) for line in read_entries(directory)]
    start = next(i for i, e in enumerate(entries) if e["type"] == "meeting_convened")
    return entries[start:]


def edit(directory: Path, index: int, change: Any) -> None:
    """Rewrite entry ``index``'s body canonically, and re-sign the log with the log key."""
    entries = read_entries(directory)
    value = parse(entries[index])
    change(value["body"])
    entries[index] = canonical(value)
    write_entries(directory, entries)
    resign(directory)


def test_the_public_bundle_names_no_attendee_in_the_meeting(tmp_path: Path) -> None:
    log, _ = chatham_meeting()
    directory = make_bundle(tmp_path / "b", log)
    assert verified(directory).ok
    attendees = set(ATTENDEES) | {f"S {m[1:]}" for m in ATTENDEES}
    officers = {OFFICER, "S 1"}
    for entry in meeting_entries(directory):
        found = texts(entry["body"])
        assert not found & attendees, entry
        if found & officers:  # named only as an officer
            assert entry["type"] == "meeting_convened" or entry["body"].get("by") == OFFICER
            assert found & officers == {OFFICER}
    # the meeting's own minutes (the body's admissions are published apart, in 000000.md)
    held = "".join(p.read_text() for p in sorted(directory.rglob("minutes/*.md"))
                   if p.name != "000000.md")
    assert "## X" in held
    assert not any(f"S {m[1:]}" in held for m in ATTENDEES)
    assert "Member p-" in held


def test_an_opening_proves_the_members_own_vote_and_nothing_about_another(tmp_path: Path
                                                                         ) -> None:
    log, cast = chatham_meeting()
    directory = make_bundle(tmp_path / "b", log)
    mine = receipt(directory, cast["s3"], "s3")
    assert receipt_member_key(parse_extra(mine[1])) == key_of("s3")
    report = verified(directory, member="s3", receipts=[mine])
    assert report.ok, report.failure
    acts = {(r.type, r.summary) for r in report.records}  # C-MEMBER: their acts, opened
    assert ("vote_cast", "voted against on ballot b") in acts
    assert ("motion_seconded", "seconded motion m") in acts
    assert ("attendance_recorded", "present at meeting x") in acts
    assert not any(r.type == "motion_moved" for r in report.records)  # s2's act, not theirs
    # s3's key opens no pseudonym of s4: shown as s4's, the receipt is refused
    kind, entry, detail = refused(verified(directory, member="s4", receipts=[mine]))
    assert (kind, entry) == (Check.RECEIPT, cast["s3"]) and "opens no pseudonym" in detail
    # s3's key on s4's entry: it proves nothing in s3's name
    theirs = receipt(directory, cast["s4"], "s3")
    kind, entry, detail = refused(verified(directory, member="s3", receipts=[theirs]))
    assert (kind, entry) == (Check.RECEIPT, cast["s4"]) and "nothing in the name" in detail
    # and without a key the pseudonym is not theirs for the verifier either
    report = verified(directory, member="s3")
    assert report.ok and not [r for r in report.records if r.type == "vote_cast"]


def parse_extra(text: str) -> bytes | None:
    from audit.receipt import parse_receipt

    return parse_receipt(text).extra


def test_a_member_id_in_an_act_of_the_meeting_is_c_replay(tmp_path: Path) -> None:
    log, cast = chatham_meeting()
    directory = make_bundle(tmp_path / "b", log)
    index = cast["s4"]
    edit(directory, index, lambda body: body.update(voter="s4", member="s4"))
    kind, entry, detail = refused(verified(directory))
    assert (kind, entry) == (Check.REPLAY, index)
    assert "vote_cast.voter is not a pseudonym on the register" in detail


def test_a_name_as_mover_is_c_replay(tmp_path: Path) -> None:
    log, _ = chatham_meeting()
    directory = make_bundle(tmp_path / "b", log)
    index = next(i for i, e in enumerate(parse(x) for x in read_entries(directory))
                 if e["type"] == "motion_moved")
    edit(directory, index, lambda body: body.update(mover="S 2"))
    kind, entry, detail = refused(verified(directory))
    assert (kind, entry) == (Check.REPLAY, index) and "motion_moved.mover" in detail


def test_a_register_that_is_not_the_membership_is_c_replay(tmp_path: Path) -> None:
    log, _ = chatham_meeting()
    directory = make_bundle(tmp_path / "b", log)
    index = next(i for i, e in enumerate(parse(x) for x in read_entries(directory))
                 if e["type"] == "register_recorded")

    def heavier(body: dict[str, Any]) -> None:
        body["register"][0][1] = 3  # one member weighs three: the quorum and a card vote move

    edit(directory, index, heavier)
    kind, entry, detail = refused(verified(directory))
    assert (kind, entry) == (Check.REPLAY, index)
    assert "register_recorded.register is not the body's membership" in detail


def test_a_vote_by_a_pseudonym_not_on_the_register_is_c_replay(tmp_path: Path) -> None:
    log, cast = chatham_meeting()
    directory = make_bundle(tmp_path / "b", log)
    stranger = "p-" + "ab" * 16
    index = cast["s5"]
    edit(directory, index, lambda body: body.update(voter=stranger, member=stranger))
    kind, entry, detail = refused(verified(directory))
    assert (kind, entry) == (Check.REPLAY, index)
    assert f"vote_cast.voter is not a pseudonym on the register of the unattributed meeting " \
           f"'X': {stranger!r}" in detail


def test_a_pseudonym_that_votes_twice_is_c_replay(tmp_path: Path) -> None:
    """The operator logs s2's pseudonym voting a second time, in the place of s5's vote."""
    log, cast = chatham_meeting()
    directory = make_bundle(tmp_path / "b", log)
    entries = [parse(x) for x in read_entries(directory)]
    twice = entries[cast["s2"]]["body"]
    index = cast["s5"]
    edit(directory, index, lambda body: body.update(voter=twice["voter"],
                                                    member=twice["member"]))
    kind, entry, detail = refused(verified(directory))
    assert (kind, entry) == (Check.REPLAY, index) and "already voted" in detail, detail

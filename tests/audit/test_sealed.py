"""Sealed papers under attack: what a body holding the log key can forge, and what catches it.

A secret vote is sealed when it is cast (``voting/seal.py``): its entry holds the paper's
seal and the member's mark, and names nobody; the close publishes the papers, which must
open the seals exactly, and the marked register. Each test here builds the bundle a
hostile operator would: the entries rewritten or built from a dishonest shell's commands,
the tree rebuilt and every checkpoint re-signed with the log's own key
(:func:`tests.audit.bundles.resign`), so that only the check named can refuse it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from audit.canonical import canonical, parse
from audit.report import Check
from tests.audit.bundles import (
    make_bundle,
    read_entries,
    receipt_for,
    refused,
    resign,
    sealed_entry,
    sealed_votes,
    verified,
    write_entries,
)
from voting import commands as c
from voting.decider import execute
from voting.events import Event
from voting.seal import mark_key
from voting.state import BodyState

pytestmark = pytest.mark.unit

SECRET = "5e" * 32  # the ballot secret the shell drew (and deleted at the close)
CHOICES = {"s1": "for", "s2": "for", "s3": "against", "s4": "for", "s5": "abstain"}
STUFFED = "0f" * 16  # the tracker of a paper nobody cast


def tracker(member: str) -> str:
    return f"{int(member[1:]):02d}" * 16


Trackers = dict[str, str]


def secret_meeting(choices: dict[str, str] = CHOICES, trackers: Trackers | None = None,
                   close: bool = True) -> tuple[list[Event], dict[str, int]]:
    """A society of five in a secret ballot; the log, and each voter's entry.

    ``trackers`` is what the shell used as each voter's tracker (default: one each); the
    close is the honest one for the papers so sealed.
    """
    used = trackers or {member: tracker(member) for member in choices}
    state = BodyState()
    log: list[Event] = []
    cast: dict[str, int] = {}
    times = iter(f"2025-05-01T10:{m:02d}:00Z" for m in range(60))

    def do(command: c.Command) -> None:
        nonlocal state
        state, events = execute(state, command)
        log.extend(events)

    do(c.FoundBody(next(times), "s1", name="Secret Society"))
    for i in range(1, 6):
        do(c.AdmitMember(next(times), "s1", member=f"s{i}", name=f"S {i}",
                         roles=("chair", "member") if i == 1 else ("member",)))
    do(c.ConveneMeeting(next(times), "s1", meeting="x", title="X", chair="s1", secretary="s1",
                        quorum_number=1))
    for i in range(1, 6):
        do(c.RecordAttendance(next(times), "s1", meeting="x", member=f"s{i}"))
    do(c.StartBusiness(next(times), "s1", meeting="x"))
    do(c.MoveMotion(next(times), "s2", motion="m", meeting="x", title="M", text="That we agree."))
    do(c.SecondMotion(next(times), "s3", motion="m"))
    do(c.OpenDebate(next(times), "s1", motion="m"))
    do(c.OpenBallot(next(times), "s1", ballot="b", subject="m", method="secret"))
    for member, choice in choices.items():
        cast[member] = len(log)
        do(c.CastVote(next(times), member, ballot="b", choice=choice, tracker=used[member],
                      mark_key=mark_key(SECRET, member)))
    if close:
        papers = tuple((used[m], choice) for m, choice in choices.items())
        do(c.CloseBallot(next(times), "s1", ballot="b", papers=papers, ballot_secret=SECRET))
    return log, cast


def bundle(tmp_path: Path, log: list[Event], name: str = "secret") -> Path:
    return make_bundle(tmp_path / name, log)


def receipt(directory: Path, index: int, member: str, paper_tracker: str | None = None
            ) -> tuple[str, str]:
    """The receipt ``member`` was given for entry ``index``: the tracker they were told is
    their paper's (default: their own), and their mark key."""
    entries = read_entries(directory)
    return (f"{member}.proof", receipt_for(entries, index, tracker=paper_tracker or
                                           tracker(member), mark_key=mark_key(SECRET, member)))




def edit_close(directory: Path, change: Callable[[dict[str, Any]], None]) -> int:
    """Rewrite the close entry's body (the last entry) canonically, and re-sign the log."""
    entries = read_entries(directory)
    index = len(entries) - 1
    value = parse(entries[index])
    assert value["type"] == "ballot_closed"
    change(value["body"])
    entries[index] = canonical(value)
    write_entries(directory, entries)
    resign(directory)
    return index


def test_the_honest_secret_ballot_verifies_with_every_receipt(tmp_path: Path) -> None:
    log, cast = secret_meeting()
    directory = bundle(tmp_path, log)
    for member, index in cast.items():
        report = verified(directory, member=member, receipts=[receipt(directory, index, member)])
        assert report.ok, report.failure
        detail = next(r for r in report.checks if r.check is Check.RECEIPT).detail
        assert f"counted as {CHOICES[member]}" in detail
        voted = [r for r in report.records if r.role == "voted"]
        assert len(voted) == 1 and "secret ballot b" in voted[0].summary
    for line in read_entries(directory):  # no sealed entry names anyone
        if b'"type":"secret_vote_cast"' in line:
            assert not any(member.encode() in line for member in CHOICES)


# -- the close: a paper changed, added or dropped ---------------------------------------


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        (lambda body: body.update(papers=[[t, "for"] for t, _ in body["papers"]],
                                  for_votes=5, against=0, abstain=0), "opens no seal"),
        (lambda body: body.update(papers=body["papers"][:-1]), "4 ballot papers for 5"),
        (lambda body: body.update(papers=[*body["papers"], ["ff" * 16, "for"]], for_votes=4),
         "6 ballot papers for 5"),
        (lambda body: body.update(papers=list(reversed(body["papers"]))), "sorted by tracker"),
        (lambda body: body.update(papers=[[body["papers"][0][0], "against"],
                                          *body["papers"][1:]]), "opens no seal"),
    ],
)
def test_secret_ballot_papers_are_recounted_and_opened(
        tmp_path: Path, change: Callable[[dict[str, Any]], None], phrase: str) -> None:
    """As many papers as seals, sorted by tracker, each opening its seal; the count theirs."""
    directory = bundle(tmp_path, secret_meeting()[0])
    assert verified(directory).ok
    index = edit_close(directory, change)
    kind, entry, detail = refused(verified(directory))
    assert (kind, entry) == (Check.REPLAY, index) and phrase in detail, detail


def test_a_paper_changed_at_the_close_with_the_count_kept_is_c_replay(tmp_path: Path) -> None:
    """s3's "against" and s5's "abstain" swapped: every count, the number of papers and
    their order still hold; only the seals logged as they were cast show it."""
    directory = bundle(tmp_path, secret_meeting()[0])
    swap = {tracker("s3"): "abstain", tracker("s5"): "against"}
    index = edit_close(directory, lambda body: body.update(
        papers=[[t, swap.get(t, choice)] for t, choice in body["papers"]]))
    kind, entry, detail = refused(verified(directory))
    assert (kind, entry) == (Check.REPLAY, index)
    assert f"tracker {tracker('s3')} opens no seal" in detail


def test_a_paper_swapped_for_another_tracker_is_c_replay_and_c_receipt(tmp_path: Path) -> None:
    """s3's paper published under another tracker, same choice: the seal refuses it on
    replay, and s3's receipt, checked first, says their vote was not counted."""
    log, cast = secret_meeting()
    directory = bundle(tmp_path, log)
    mine = receipt(directory, cast["s3"], "s3")
    index = edit_close(directory, lambda body: body.update(papers=sorted(
        [STUFFED if t == tracker("s3") else t, choice] for t, choice in body["papers"])))
    assert refused(verified(directory))[:2] == (Check.REPLAY, index)
    kind, entry, detail = refused(verified(directory, member="s3", receipts=[mine]))
    assert (kind, entry) == (Check.RECEIPT, index)
    assert f"no paper with tracker {tracker('s3')}" in detail


# -- one tracker handed to two voters, the freed paper used to stuff the count -----------


def test_one_tracker_for_two_voters_with_both_papers_published_is_c_replay(tmp_path: Path
                                                                          ) -> None:
    """The shell gives s4 s3's tracker. Their seals differ (the choices do), so the casts
    pass; but the close can publish the two papers only under one tracker twice."""
    trackers = {m: tracker(m) for m in CHOICES} | {"s4": tracker("s3")}
    log, _ = secret_meeting(trackers=trackers, close=False)
    papers = sorted([t, CHOICES[m]] for m, t in trackers.items())
    directory = bundle(tmp_path, log)
    entries = read_entries(directory)
    closed = {"v": 1, "seq": len(entries), "time": "2025-05-01T10:59:00Z",
              "type": "ballot_closed", "body": {
                  "ballot": "b", "for_votes": 3, "against": 1, "abstain": 1,
                  "present_at_close": sorted(CHOICES), "casting_vote": "", "outcome": "carried",
                  "tied": False, "explanation": _explanation(), "papers": papers,
                  "voters": [[m, m] for m in sorted(CHOICES)], "by": "s1"}}
    write_entries(directory, [*entries, canonical(closed)])
    resign(directory)
    kind, entry, detail = refused(verified(directory))
    assert (kind, entry) == (Check.REPLAY, len(entries)) and "same tracker" in detail


def test_one_tracker_for_two_voters_and_a_stuffed_paper_is_c_replay(tmp_path: Path) -> None:
    """Without any receipt: s4, given s3's tracker, voted "for"; the close publishes s3's
    paper once and, in the place of s4's, a stuffed "against" under a fresh tracker. It
    opens no seal logged at a cast."""
    trackers = {m: tracker(m) for m in CHOICES} | {"s4": tracker("s3")}
    directory = bundle(tmp_path, secret_meeting(trackers=trackers, close=False)[0])
    entries = read_entries(directory)
    honest = bundle(tmp_path, secret_meeting()[0], "honest")
    close = parse(read_entries(honest)[-1])
    close["seq"] = len(entries)
    body = close["body"]
    body["papers"] = sorted([STUFFED if t == tracker("s4") else t,
                             "against" if t == tracker("s4") else choice]
                            for t, choice in body["papers"])
    body.update(for_votes=2, against=2)
    write_entries(directory, [*entries, canonical(close)])
    resign(directory)
    kind, entry, detail = refused(verified(directory))
    assert (kind, entry) == (Check.REPLAY, len(entries))
    assert f"tracker {STUFFED} opens no seal" in detail


def test_a_stuffed_paper_sealed_in_place_of_a_vote_is_caught_by_the_voters_receipt(
        tmp_path: Path) -> None:
    """The dishonest shell seals a stuffed "against" paper in s4's entry and hands s4 the
    tracker of s3's paper (also "against") as theirs. The log is consistent, so nothing but
    receipts can see it: s4's tracker does not open s4's seal, and pooled with s3's receipt
    one tracker names two entries."""
    choices = CHOICES | {"s4": "against", "s5": "for"}
    trackers = {m: tracker(m) for m in CHOICES} | {"s4": STUFFED}
    log, cast = secret_meeting(choices, trackers)
    directory = bundle(tmp_path, log)
    assert verified(directory).ok  # a vote changed as it was cast: no count or seal shows it
    theirs = receipt(directory, cast["s4"], "s4", paper_tracker=tracker("s3"))
    kind, entry, detail = refused(verified(directory, member="s4", receipts=[theirs]))
    assert (kind, entry) == (Check.RECEIPT, len(log) - 1)
    assert f"tracker {tracker('s3')} at entry {len(log) - 1} does not open the seal" in detail
    pooled = [receipt(directory, cast["s3"], "s3"), theirs]
    kind, entry, detail = refused(verified(directory, receipts=pooled))
    assert (kind, entry) == (Check.RECEIPT, cast["s4"])
    assert f"name one tracker {tracker('s3')} for entries {cast['s3']} and {cast['s4']}" in detail


# -- the marked register ---------------------------------------------------------------


def test_a_voter_listed_who_did_not_vote_in_the_place_of_one_who_did(tmp_path: Path) -> None:
    """s5 did not vote; the close lists s5 in the marked register in the place of s4, who
    did. The number of voters fits, so replay cannot tell; s4's receipt with ``--member``
    refuses it, and s5's own records show s5 listed as having voted."""
    choices = {m: CHOICES[m] for m in ("s1", "s2", "s3", "s4")}
    log, cast = secret_meeting(choices)
    directory = bundle(tmp_path, log)
    mine = receipt(directory, cast["s4"], "s4")
    index = edit_close(directory, lambda body: body.update(
        voters=[["s1", "s1"], ["s2", "s2"], ["s3", "s3"], ["s5", "s5"]]))
    assert verified(directory).ok
    kind, entry, detail = refused(verified(directory, member="s4", receipts=[mine]))
    assert (kind, entry) == (Check.RECEIPT, index)
    assert "s4 is not among the voters" in detail
    listed = verified(directory, member="s5")
    assert [r.summary for r in listed.records if r.role == "voted"] == [
        "voted on secret ballot b (the marked register at the close); the papers are in this "
        "entry"]


@pytest.mark.parametrize(
    ("voters", "phrase"),
    [
        ([["s1", "s1"], ["s2", "s2"], ["s3", "s3"], ["s4", "s4"], ["s5", "s5"]],
         "lists 5 voters for 4 sealed votes"),
        ([["s1", "s1"], ["s2", "s2"], ["s3", "s3"], ["s9", "s9"]], "not on the roll"),
        ([["s1", "s1"], ["s2", "s2"], ["s3", "s3"]], "lists 3 voters for 4"),
    ],
)
def test_a_marked_register_that_does_not_fit_the_roll_or_the_marks_is_c_replay(
        tmp_path: Path, voters: list[list[str]], phrase: str) -> None:
    choices = {m: CHOICES[m] for m in ("s1", "s2", "s3", "s4")}
    directory = bundle(tmp_path, secret_meeting(choices)[0])
    index = edit_close(directory, lambda body: body.update(voters=voters))
    kind, entry, detail = refused(verified(directory))
    assert (kind, entry) == (Check.REPLAY, index) and phrase in detail, detail


# -- receipts ---------------------------------------------------------------------------


def test_a_receipt_whose_tracker_does_not_open_its_entrys_seal_is_c_receipt(tmp_path: Path
                                                                            ) -> None:
    """Before the close the tracker must open the seal with some choice; after it, with the
    paper published under it."""
    log, cast = secret_meeting(close=False)
    directory = bundle(tmp_path, log, "open")
    good = verified(directory, member="s3", receipts=[receipt(directory, cast["s3"], "s3")])
    assert good.ok, good.failure
    detail = next(r for r in good.checks if r.check is Check.RECEIPT).detail
    assert "ballot b is not closed yet" in detail and "sealed as against, not counted yet" in detail
    wrong = receipt(directory, cast["s3"], "s3", paper_tracker=STUFFED)
    kind, entry, detail = refused(verified(directory, receipts=[wrong]))
    assert (kind, entry) == (Check.RECEIPT, cast["s3"]) and "with no choice" in detail
    log, cast = secret_meeting()
    closed = bundle(tmp_path, log, "closed")
    another = receipt(closed, cast["s3"], "s3", paper_tracker=tracker("s1"))
    kind, _, detail = refused(verified(closed, receipts=[another]))
    assert kind is Check.RECEIPT and "does not open the seal" in detail


def test_a_receipt_for_another_voters_sealed_entry_fails_with_member(tmp_path: Path) -> None:
    """With ``--member``, the receipt's mark key must open the entry's mark for that member."""
    log, cast = secret_meeting()
    directory = bundle(tmp_path, log)
    theirs = receipt(directory, cast["s4"], "s4")
    assert verified(directory, receipts=[theirs]).ok  # without --member it proves the paper only
    kind, entry, detail = refused(verified(directory, member="s3", receipts=[theirs]))
    assert (kind, entry) == (Check.RECEIPT, cast["s4"])
    assert "does not open the mark" in detail
    bare = ("s3.proof", receipt_for(read_entries(directory), cast["s3"], tracker=tracker("s3")))
    kind, _, detail = refused(verified(directory, member="s3", receipts=[bare]))
    assert kind is Check.RECEIPT and "carries no mark key" in detail


def test_one_sealed_vote_receipted_to_two_voters_is_c_receipt(tmp_path: Path) -> None:
    """A clash (docs/threat-model.md C6): s3's entry receipted to s4 as well, with s4's tracker."""
    log, cast = secret_meeting()
    directory = bundle(tmp_path, log)
    entries = read_entries(directory)
    pooled = [("s3.proof", receipt_for(entries, cast["s3"], tracker=tracker("s3"))),
              ("s4.proof", receipt_for(entries, cast["s3"], tracker=tracker("s4")))]
    kind, entry, detail = refused(verified(directory, receipts=pooled))
    assert (kind, entry) == (Check.RECEIPT, cast["s3"])
    assert "s3.proof and s4.proof prove the same entry" in detail
    same = [pooled[0], ("again.proof", pooled[0][1])]  # a voter's receipt given twice is fine
    assert verified(directory, receipts=same).ok


# -- the example meeting's secret election ------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bundle(tmp_path_factory.mktemp("demo") / "bundle")


@pytest.fixture
def copy(demo: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(demo, tmp_path / "bundle"))


def test_each_sealed_ranking_receipt_finds_its_paper(demo: Path) -> None:
    for index, (member, paper, key) in sealed_votes().items():
        proof = receipt_for(read_entries(demo), index, tracker=paper, mark_key=key)
        report = verified(demo, member=member, receipts=[(f"{member}.proof", proof)])
        assert report.ok, report.failure
        assert "counted as ranked" in next(r for r in report.checks
                                           if r.check is Check.RECEIPT).detail


def test_a_tracker_missing_from_the_published_papers_is_c_receipt(demo: Path) -> None:
    index, _, key = sealed_entry("m15")
    proof = receipt_for(read_entries(demo), index, tracker="ab" * 16, mark_key=key)
    kind, _, detail = refused(verified(demo, member="m15", receipts=[("m15.proof", proof)]))
    assert kind is Check.RECEIPT and f"no paper with tracker {'ab' * 16}" in detail


def test_a_tracker_on_a_receipt_for_an_entry_that_is_no_sealed_vote_is_c_receipt(demo: Path
                                                                                ) -> None:
    entries = read_entries(demo)
    index = next(i for i, e in enumerate(entries) if b'"member":"m15","voter":"m15"' in e)
    proof = receipt_for(entries, index, tracker="ab" * 16)
    kind, entry, detail = refused(verified(demo, member="m15", receipts=[("m15.proof", proof)]))
    assert (kind, entry) == (Check.RECEIPT, index) and "is not a sealed vote" in detail


def test_a_sealed_ranking_changed_at_the_close_is_c_replay(copy: Path) -> None:
    """The delegates' close with m15's paper ranked otherwise (and so a different lot-free
    count or not): the paper no longer opens its seal."""
    _, paper, _ = sealed_entry("m15")
    entries = read_entries(copy)
    index = next(i for i, e in enumerate(entries) if b'"type":"election_closed"' in e)
    value = parse(entries[index])
    value["body"]["papers"] = [[t, ["m12"] if t == paper else ranking]
                               for t, ranking in value["body"]["papers"]]
    entries[index] = canonical(value)
    write_entries(copy, entries)
    resign(copy)
    kind, entry, detail = refused(verified(copy))
    assert (kind, entry) == (Check.REPLAY, index) and f"tracker {paper} opens no seal" in detail


def _explanation() -> str:
    """The explanation the honest close of :func:`secret_meeting` logs (3 for, 1, 1)."""
    log, _ = secret_meeting()
    return str(getattr(log[-1], "explanation"))  # noqa: B009

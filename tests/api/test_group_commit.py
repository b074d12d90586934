"""Group commit: several casts logged in one transaction under one signed checkpoint
(:meth:`api.ledger.Ledger.submit_group`), each refused cast leaving nothing behind."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, delete

from api.ledger import Ledger, Submitted
from api.storage import entries
from audit.receipt import parse_receipt, verify_receipt
from tests.api.races import AT, open_ballot
from voting import commands as c
from voting.errors import AlreadyVoted, DomainError, NotFound

ORIGIN = "test.tellers.invalid/group"


def fresh(path: Path, method: str = "recorded", every: int = 1_000) -> Ledger:
    ledger = Ledger.open(path, origin=ORIGIN, checkpoint_every=every)
    open_ballot(ledger, method)
    return ledger


def notes(ledger: Ledger) -> tuple[list[str], list[str]]:
    return (ledger.store.all_checkpoints(), ledger.store.all_checkpoints(published=False))


def latest(ledger: Ledger) -> str:
    signed = ledger.log.latest_checkpoint
    assert signed is not None
    return signed.note


def test_a_group_is_one_signed_checkpoint_and_each_receipt_proves_its_own_vote(
        tmp_path: Path) -> None:
    ledger = fresh(tmp_path)
    before = ledger.log.size
    published, kept = notes(ledger)
    answers = ledger.submit_group([
        c.CastVote(AT, "a", ballot="v1", choice="for"),
        c.CastVote(AT, "b", ballot="v1", choice="against"),
        c.CastVote(AT, "c", ballot="v1", choice="abstain"),
    ])
    assert all(isinstance(answer, Submitted) for answer in answers)
    assert [a.first_index for a in answers if isinstance(a, Submitted)] == [
        before, before + 1, before + 2]
    assert ledger.log.size == before + 3
    assert notes(ledger) == (published, [*kept, latest(ledger)])
    data = ledger.entry_bytes()
    signed = set()
    for index in range(before, before + 3):
        receipt = ledger.receipt(index)
        assert verify_receipt(receipt, data[index], ledger.vkey).index == index
        signed.add(parse_receipt(receipt).note)
    assert len(signed) == 1  # all three under the group's one checkpoint
    assert notes(ledger)[1] == kept + list(signed)  # the receipts signed nothing more
    ledger.close()


def test_a_refused_cast_in_a_group_leaves_nothing_and_does_not_stop_the_others(
        tmp_path: Path) -> None:
    ledger = fresh(tmp_path)
    assert isinstance(ledger.submit(c.CastVote(AT, "a", ballot="v1", choice="for")), Submitted)
    before = ledger.log.size
    answers = ledger.submit_group([
        c.CastVote(AT, "a", ballot="v1", choice="against"),  # a second vote
        c.CastVote(AT, "b", ballot="v1", choice="for"),
        c.CastVote(AT, "nobody", ballot="v1", choice="for"),  # not a member
        c.CastVote(AT, "b", ballot="v1", choice="for"),  # b's second, in the same group
        c.CastVote(AT, "c", ballot="nope", choice="for"),  # no such ballot
    ])
    assert isinstance(answers[0], AlreadyVoted)
    assert isinstance(answers[1], Submitted) and answers[1].first_index == before
    assert isinstance(answers[2], DomainError)
    assert isinstance(answers[3], AlreadyVoted)
    assert isinstance(answers[4], NotFound)
    assert ledger.log.size == before + 1
    reopened = Ledger.open(tmp_path, origin=ORIGIN)  # what the store holds: the same
    assert reopened.state == ledger.state and reopened.log.size == before + 1
    reopened.close()
    ledger.close()


def test_a_group_of_refusals_writes_and_signs_nothing(tmp_path: Path) -> None:
    ledger = fresh(tmp_path)
    before = (ledger.state, tuple(ledger.entry_bytes()), notes(ledger))
    answers = ledger.submit_group([c.CastVote(AT, "nobody", ballot="v1", choice="for"),
                                   c.CloseBallot(AT, "s", ballot="v1")])
    assert all(isinstance(answer, DomainError) for answer in answers)
    assert (ledger.state, tuple(ledger.entry_bytes()), notes(ledger)) == before
    ledger.close()


def test_a_group_that_reaches_the_cadence_publishes_its_checkpoint(tmp_path: Path) -> None:
    ledger = fresh(tmp_path, every=16)
    published = ledger.store.all_checkpoints()
    size = ledger.log.size
    assert size < 16 <= size + 3, size  # the group crosses the multiple
    ledger.submit_group([c.CastVote(AT, m, ballot="v1", choice="for") for m in "abc"])
    assert ledger.store.all_checkpoints() == [*published, latest(ledger)]
    ledger.close()


def test_a_sealed_group_keeps_each_paper_and_each_receipt_its_tracker(tmp_path: Path) -> None:
    ledger = fresh(tmp_path, method="secret")
    casts = [ledger.complete(c.CastVote(AT, m, ballot="v1", choice="for")) for m in "abc"]
    answers = ledger.submit_group(casts)
    assert all(isinstance(answer, Submitted) for answer in answers)
    assert sorted(t for t, _ in ledger.store.papers("v1")) == sorted(x.tracker for x in casts)
    closed = ledger.submit(c.CloseBallot(AT, "s", ballot="v1"))
    assert closed.events  # the close publishes the three papers it counted
    assert ledger.store.papers("v1") == ()
    ledger.close()


def test_two_papers_of_a_group_with_one_tracker_the_second_is_refused_alone(
        tmp_path: Path) -> None:
    """A group stores its rows at its end, so a clash inside it is caught before the store's
    key would see it: the second paper is refused, the others are logged."""
    ledger = fresh(tmp_path, method="secret")
    tracker = "ab" * 32
    casts = [ledger.complete(c.CastVote(AT, m, ballot="v1", choice=x, tracker=t))
             for m, x, t in (("a", "for", tracker), ("b", "against", tracker),
                             ("c", "for", "cd" * 32))]  # b's seal differs: the key decides
    answers = ledger.submit_group(casts)
    assert isinstance(answers[0], Submitted) and isinstance(answers[2], Submitted)
    assert isinstance(answers[1], DomainError) and "tracker" in str(answers[1])
    assert sorted(t for t, _ in ledger.store.papers("v1")) == sorted([tracker, "cd" * 32])
    assert len(ledger.state.ballots["v1"].marks) == 2
    ledger.close()


def test_a_group_whose_tracker_is_already_stored_writes_nothing(tmp_path: Path) -> None:
    """A paper of a group whose tracker a stored paper of the question holds: the store's key
    refuses the group's rows, so the whole group is refused, and the store, the state and
    the tree are as they were."""
    ledger = fresh(tmp_path, method="secret")
    tracker = "ab" * 32
    ledger.submit(c.CastVote(AT, "a", ballot="v1", choice="for", tracker=tracker))
    before = (ledger.state, ledger.store.all_entries(), ledger.log.size, ledger.log.root(),
              ledger.store.papers("v1"))
    casts = [ledger.complete(c.CastVote(AT, m, ballot="v1", choice=x, tracker=t))
             for m, x, t in (("b", "for", "cd" * 32), ("c", "against", tracker))]
    with pytest.raises(DomainError, match="the group wrote nothing"):
        ledger.submit_group(casts)
    assert (ledger.state, ledger.store.all_entries(), ledger.log.size, ledger.log.root(),
            ledger.store.papers("v1")) == before
    assert isinstance(ledger.submit_group([casts[0]])[0], Submitted)
    ledger.close()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["s", "a", "b", "c", "x"]),
                          st.sampled_from(["for", "against", "abstain"])),
                min_size=1, max_size=8),
       st.integers(1, 4))
def test_groups_log_what_one_by_one_would(tmp_path_factory: pytest.TempPathFactory,
                                          casts: list[tuple[str, str]], width: int) -> None:
    """Cut into groups of any width, the same casts leave the same state and the same
    entries as submitted one by one; each group signs one checkpoint at most."""
    alone, grouped = (fresh(tmp_path_factory.mktemp(n)) for n in ("alone", "grouped"))
    commands = [c.CastVote(AT, member, ballot="v1", choice=choice) for member, choice in casts]
    for command in commands:
        with contextlib.suppress(DomainError):
            alone.submit(command)
    kept = len(notes(grouped)[1])
    groups = [commands[i:i + width] for i in range(0, len(commands), width)]
    for group in groups:
        grouped.submit_group(group)
    assert grouped.state == alone.state
    assert grouped.entry_bytes() == alone.entry_bytes()
    assert len(notes(grouped)[1]) - kept <= len(groups)
    alone.close()
    grouped.close()


def test_a_write_catches_up_with_another_writer_and_refuses_a_store_behind_it(
        tmp_path: Path) -> None:
    """Under the write lock a write reads, in one query, the last entry this ledger holds
    and every later one: another writer's entries are folded in before deciding, and a
    store that lost entries this ledger holds (a restore, a hand's delete) refuses the
    write, writing nothing."""
    ledger = fresh(tmp_path)
    other = Ledger.open(tmp_path, origin=ORIGIN)
    other.submit(c.CastVote(AT, "a", ballot="v1", choice="for"))
    answers = ledger.submit_group([c.CastVote(AT, "a", ballot="v1", choice="against"),
                                   c.CastVote(AT, "b", ballot="v1", choice="for")])
    assert isinstance(answers[0], AlreadyVoted) and isinstance(answers[1], Submitted)
    assert ledger.log.size == other.log.size + 1
    with ledger.store.engine.begin() as conn:  # the store loses its last entry
        conn.execute(delete(entries).where(entries.c.seq == ledger.log.size - 1))
    size = ledger.store.size()
    for write in (lambda: ledger.submit(c.CastVote(AT, "c", ballot="v1", choice="for")),
                  lambda: ledger.submit_group([c.CastVote(AT, "c", ballot="v1",
                                                          choice="for")])):
        with pytest.raises(DomainError, match="another writer"):
            write()
        assert ledger.store.size() == size


class _Held:
    """A companion whose finish (inside the group's transaction, before its commit) waits
    until the test lets it go, and then fails if told to."""

    def __init__(self, fail: bool) -> None:
        self.inside, self.go, self.fail = threading.Event(), threading.Event(), fail

    def claim(self, conn: Connection, commands: Sequence[c.Command]) -> list[c.Command]:
        return list(commands)

    def finish(self, conn: Connection, answers: Sequence[object]) -> None:
        self.inside.set()
        if not self.go.wait(30):
            raise RuntimeError("the test never let the group go")
        if self.fail:
            raise RuntimeError("the commit fails")


@pytest.mark.parametrize("fail", [False, True], ids=["committed", "failed"])
def test_another_thread_sees_a_group_only_once_it_is_committed(tmp_path: Path,
                                                               fail: bool) -> None:
    """A reader never sees a vote the log may yet not hold: while a group is written its
    votes are the writing thread's alone; once committed, everyone's; if the transaction
    fails, nobody's."""
    ledger = fresh(tmp_path)
    held = _Held(fail)
    outcome: list[object] = []

    def write() -> None:
        try:
            outcome.append(ledger.submit_group([
                c.CastVote(AT, "a", ballot="v1", choice="for"),
                c.CastVote(AT, "b", ballot="v1", choice="against")], companion=held))
        except RuntimeError as error:
            outcome.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    assert held.inside.wait(30)
    assert ledger.state.ballots["v1"].votes == {}  # decided and stored, not committed
    held.go.set()
    writer.join()
    if fail:
        assert isinstance(outcome[0], RuntimeError)
        assert ledger.state.ballots["v1"].votes == {}
    else:
        assert set(ledger.state.ballots["v1"].votes) == {"a", "b"}
    reopened = Ledger.open(tmp_path, origin=ORIGIN)
    assert reopened.state == ledger.state
    reopened.close()
    ledger.close()

"""Several processes on one body's store, as the workers of one server are: a helper for both
databases (tests/api/test_workers.py, tests/api/test_ledger_postgres.py)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path

from api.ledger import Ledger
from api.storage import StoredSignerState
from audit.checkpoint import parse_checkpoint
from audit.note import Ed25519Verifier, open_note
from audit.receipt import verify_receipt
from voting import commands as c

AT = "2026-01-15T18:00:00Z"
ORIGIN = "test.tellers.invalid/workers"
VOTERS = 16

Opener = Callable[[Path], Ledger]


def voters(count: int = VOTERS) -> list[str]:
    return [f"v{number:02d}" for number in range(count)]


def open_ballot_of(ledger: Ledger, members: list[str], method: str = "recorded") -> None:
    """A body whose members are all present, a motion under debate and a ballot open on it."""
    ledger.submit_many([
        c.FoundBody(AT, "s", name="Branch"),
        c.AdmitMember(AT, "s", member="s", name="Sam", roles=("chair", "secretary", "member")),
        *(c.AdmitMember(AT, "s", member=m, name=f"Member {m}") for m in members),
        c.ConveneMeeting(AT, "s", meeting="agm", title="AGM", chair="s", secretary="s",
                         quorum_number=2),
        c.RecordAttendance(AT, "s", meeting="agm", member="s"),
        *(c.RecordAttendance(AT, "s", meeting="agm", member=m) for m in members),
        c.StartBusiness(AT, "s", meeting="agm"),
        c.MoveMotion(AT, members[0], motion="m1", meeting="agm", title="M", text="That we win."),
        c.SecondMotion(AT, members[1], motion="m1"),
        c.OpenDebate(AT, "s", motion="m1"),
        c.OpenBallot(AT, "s", ballot="v1", subject="m1", method=method),
    ])


def _cast(opener: Opener, instance: Path, member: str, choice: str,
          barrier: multiprocessing.synchronize.Barrier, results: multiprocessing.Queue[object]
          ) -> None:
    """One process: its own ledger on the shared store; wait for the others; cast; receipt."""
    try:
        ledger = opener(instance)
        barrier.wait(timeout=120)
        done = ledger.submit(c.CastVote(AT, member, ballot="v1", choice=choice))
        receipt = ledger.receipt(done.first_index, tracker=done.tracker,
                                 mark_key=done.mark_key)
        ledger.close()
        results.put((member, done.first_index, receipt, None))
    except BaseException as exc:  # the outcome, whatever it is, is what the test judges
        results.put((member, -1, "", repr(exc)))


def burst(opener: Opener, instance: Path, members: list[str]) -> dict[str, tuple[int, str]]:
    """Each member's vote cast at once by its own process, each with its own ledger; every
    member's ``(entry, receipt)``. Fails with every error a process met."""
    context = multiprocessing.get_context("fork")  # no ledger is open in the parent
    barrier = context.Barrier(len(members))
    results: multiprocessing.Queue[object] = context.Queue()
    processes = [context.Process(target=_cast, args=(opener, instance, member,
                                                     ("for", "against")[i % 2], barrier,
                                                     results))
                 for i, member in enumerate(members)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    errors = [outcome for outcome in outcomes if outcome[3] is not None]  # type: ignore[index]
    assert not errors, errors
    return {str(o[0]): (int(o[1]), str(o[2])) for o in outcomes}  # type: ignore[index]


def every_vote_in_one_tree(opener: Opener, instance: Path) -> None:
    """16 processes cast 16 members' votes at once on one store: every one is accepted and
    receipted, the log is dense, there is one tree, and every checkpoint signed (published,
    for a receipt, and the shared head) is of that tree."""
    members = voters()
    first = opener(instance)
    open_ballot_of(first, members)
    size = first.log.size
    first.close()
    cast = burst(opener, instance, members)
    ledger = opener(instance)
    stored = ledger.store.all_entries()
    assert [seq for seq, _, _ in stored] == list(range(size + len(members)))
    assert sorted(index for index, _ in cast.values()) == list(range(size, size + len(members)))
    assert ledger.state.ballots["v1"].votes.keys() == set(members)
    verifier = Ed25519Verifier.from_vkey(ledger.vkey)
    notes = [*ledger.checkpoints(), *ledger.store.all_checkpoints(published=False)]
    sizes = []
    for note in notes:
        checkpoint = parse_checkpoint(open_note(note, [verifier]).text)
        assert checkpoint.root_hash == ledger.log.root(checkpoint.size), checkpoint.size
        sizes.append(checkpoint.size)
    assert len(sizes) == len(set(sizes))  # one note a size
    for member, (index, receipt) in cast.items():
        proved = verify_receipt(receipt, stored[index][1], ledger.vkey)
        assert proved.index == index, member
        assert proved.checkpoint.root_hash == ledger.log.root(proved.checkpoint.size)
    head = StoredSignerState(ledger.store).stored()
    assert head is not None and max(sizes) <= head.size <= ledger.log.size
    assert head.root_hash == ledger.log.root(head.size)
    ledger.close()

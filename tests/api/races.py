"""Racing writers on one ledger store (docs/architecture.md A1, A2): a helper for both databases."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from api.ledger import Ledger
from voting import commands as c
from voting.errors import AlreadyVoted

AT = "2026-01-15T18:00:00Z"
MEMBERS = ("s", "a", "b", "c")


def open_ballot(ledger: Ledger, method: str = "recorded") -> None:
    """A body of four, a meeting with all present, a motion under debate, a vote open."""
    for command in (
        c.FoundBody(AT, "s", name="Branch"),
        c.AdmitMember(AT, "s", member="s", name="Sam", roles=("chair", "secretary", "member")),
        *(c.AdmitMember(AT, "s", member=m, name=m.upper() * 3) for m in MEMBERS[1:]),
        c.ConveneMeeting(AT, "s", meeting="agm", title="AGM", chair="s", secretary="s",
                         quorum_number=2),
        *(c.RecordAttendance(AT, "s", meeting="agm", member=m) for m in MEMBERS),
        c.StartBusiness(AT, "s", meeting="agm"),
        c.MoveMotion(AT, "a", motion="m1", meeting="agm", title="M", text="That we win."),
        c.SecondMotion(AT, "b", motion="m1"),
        c.OpenDebate(AT, "s", motion="m1"),
        c.OpenBallot(AT, "s", ballot="v1", subject="m1", method=method),
    ):
        ledger.submit(command)


def race(opened: list[Ledger], command: Callable[[int], c.Command]) -> list[BaseException | None]:
    """Every ledger submits its command at once (a barrier starts them); each one's outcome."""
    barrier = threading.Barrier(len(opened))
    outcomes: list[BaseException | None] = [None] * len(opened)

    def run(position: int) -> None:
        barrier.wait()
        try:
            opened[position].submit(command(position))
        except BaseException as exc:  # the outcome, whatever it is, is what the test judges
            outcomes[position] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(opened))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def one_vote_wins(instance: Path, opener: Callable[[Path], Ledger], writers: int = 8) -> None:
    """``writers`` ledgers on one instance and store (as the processes of one server would
    be) cast member a's vote at once: exactly one is logged; each of the others catches up
    with it inside its own write transaction and is refused as already voted (never as a
    stale writer); the log has no gap."""
    first = opener(instance)
    open_ballot(first)
    size = first.log.size
    first.close()
    opened = [opener(instance) for _ in range(writers)]
    outcomes = race(opened, lambda _: c.CastVote(AT, "a", ballot="v1", choice="for"))
    for ledger in opened:
        ledger.close()
    assert sum(outcome is None for outcome in outcomes) == 1
    for outcome in outcomes:
        assert outcome is None or isinstance(outcome, AlreadyVoted), repr(outcome)
    again = opener(instance)
    assert [seq for seq, _, _ in again.store.all_entries()] == list(range(size + 1))
    assert again.state.ballots["v1"].votes.keys() == {"a"}
    again.close()

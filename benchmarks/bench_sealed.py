"""What sealing a secret vote costs, against a plain recorded vote, in one run.

A recorded vote logs ``vote_cast`` with the member and the choice. A secret
vote is sealed when it is cast (``voting/seal.py``): the decider computes the
member's mark and the paper's seal (two SHA-256), replay checks both are
fresh, the close recomputes every roll member's mark from the ballot secret
(an HMAC and a SHA-256 each) and opens every paper's seal; through the ledger,
the tracker and the mark key are drawn or derived, the paper is stored and,
at the close, the papers and the secret are deleted.

Both kinds are timed on the same body in the same run: ``--members`` members,
all present, one ballot of each kind on two motions, every member voting.

* **core**: ``voting.decider.decide`` then ``evolve`` for each cast (what a shell
  holding the state in memory does), then the close; and the same events folded
  again as a verifier's replay folds them (``voting.state.transient``);
* **ledger**: ``api.ledger.Ledger.submit`` on SQLite for each cast (decide, one
  transaction, the tree; checkpoints at the ledger's default cadence, no receipt asked
  for), then the close.

    python benchmarks/bench_sealed.py [--members 2000] [--ledger-members 400]

Figures are CPU seconds of this process (the ledger's include SQLite's work
in this process), and for the ledger also wall-clock seconds (which include
waiting for the disk: one synchronous commit per command, for both kinds);
they go into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from api.ledger import Ledger
from voting import commands as c
from voting.decider import decide, evolve
from voting.events import Event
from voting.seal import mark_key
from voting.state import BodyState, transient

AT = "2026-01-15T18:00:00Z"
ORIGIN = "bench.tellers.invalid/sealed"
CHOICES = ("for", "for", "against", "abstain")  # carried: no casting vote needed


def setup(members: int) -> Iterator[c.Command]:
    """A body of ``members``, all present, two motions under debate."""
    ids = [f"m{n:05d}" for n in range(members)]
    yield c.FoundBody(AT, ids[0], name="Bench Branch")
    for n, member in enumerate(ids):
        roles = ("chair", "secretary", "member") if n == 0 else ("member",)
        yield c.AdmitMember(AT, ids[0], member=member, name=f"Member {n}", roles=roles)
    yield c.ConveneMeeting(AT, ids[0], meeting="agm", title="AGM", chair=ids[0],
                           secretary=ids[0], quorum_number=1)
    for member in ids:
        yield c.RecordAttendance(AT, ids[0], meeting="agm", member=member)
    yield c.StartBusiness(AT, ids[0], meeting="agm")
    for motion in ("named", "sealed"):
        yield c.MoveMotion(AT, ids[1], motion=motion, meeting="agm", title=motion,
                           text="That we measure it.")
        yield c.SecondMotion(AT, ids[2], motion=motion)


def casts(members: int, method: str, secret: str) -> list[c.Command]:
    """Every member's vote on the ballot of ``method`` (trackers drawn as a shell would)."""
    ids = [f"m{n:05d}" for n in range(members)]
    ballot = f"b-{method}"
    if method == "recorded":
        return [c.CastVote(AT, m, ballot=ballot, choice=CHOICES[n % 4])
                for n, m in enumerate(ids)]
    return [c.CastVote(AT, m, ballot=ballot, choice=CHOICES[n % 4],
                       tracker=secrets.token_hex(32), mark_key=mark_key(secret, m))
            for n, m in enumerate(ids)]


def close(members: int, method: str, votes: list[c.Command], secret: str) -> c.CloseBallot:
    if method == "recorded":
        return c.CloseBallot(AT, "m00000", ballot="b-recorded", casting_vote="")
    papers = tuple((v.tracker, v.choice) for v in votes if isinstance(v, c.CastVote))
    return c.CloseBallot(AT, "m00000", ballot="b-secret", papers=papers, ballot_secret=secret)


WALL: dict[str, float] = {}  # the ledger's wall-clock seconds, by what was timed


def timed(step: Callable[[], None], wall: str = "") -> float:
    """CPU seconds of ``step``; with ``wall``, its wall-clock seconds are kept in WALL too."""
    clock, started = time.process_time(), time.perf_counter()
    step()
    if wall:
        WALL[wall] = time.perf_counter() - started
    return time.process_time() - clock


REPLAY: dict[str, float] = {}  # CPU seconds to replay each ballot's votes and close


def core(members: int) -> dict[str, tuple[float, float]]:
    state = BodyState()
    logged: list[Event] = []

    def apply(command: c.Command) -> None:
        nonlocal state
        for event in decide(state, command):
            state = evolve(state, event)
            logged.append(event)

    for command in setup(members):
        apply(command)
    apply(c.OpenDebate(AT, "m00000", motion="named"))
    results = {}
    for method, motion in (("recorded", "named"), ("secret", "sealed")):
        if method == "secret":
            apply(c.OpenDebate(AT, "m00000", motion=motion))
        apply(c.OpenBallot(AT, "m00000", ballot=f"b-{method}", subject=motion, method=method))
        opened, start = state, len(logged)
        secret = secrets.token_hex(32)
        votes = casts(members, method, secret)
        cast_time = timed(lambda votes=votes: [apply(v) for v in votes] and None)
        closing = close(members, method, votes, secret)
        close_time = timed(lambda closing=closing: apply(closing))
        results[method] = (cast_time, close_time)
        REPLAY[method] = timed(lambda opened=opened, start=start: replay_from(
            opened, logged[start:]))
    return results


def replay_from(state: BodyState, events: list[Event]) -> None:
    """Fold ``events`` as a verifier's replay does (``transient``: no copies of the maps)."""
    with transient():
        for event in events:
            state = evolve(state, event)


def ledger(members: int) -> dict[str, tuple[float, float]]:
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        book = Ledger.open(Path(scratch), origin=ORIGIN)
        for command in setup(members):
            book.submit(command)
        book.submit(c.OpenDebate(AT, "m00000", motion="named"))
        for method, motion in (("recorded", "named"), ("secret", "sealed")):
            if method == "secret":
                book.submit(c.OpenDebate(AT, "m00000", motion=motion))
            book.submit(c.OpenBallot(AT, "m00000", ballot=f"b-{method}", subject=motion,
                                     method=method))
            ids = [f"m{n:05d}" for n in range(members)]
            # the ledger draws the tracker and derives the mark key itself
            votes = [c.CastVote(AT, m, ballot=f"b-{method}", choice=CHOICES[n % 4])
                     for n, m in enumerate(ids)]
            cast_time = timed(lambda votes=votes: [book.submit(v) for v in votes] and None,
                              f"{method} casts")
            closing = c.CloseBallot(AT, "m00000", ballot=f"b-{method}")
            close_time = timed(lambda closing=closing: book.submit(closing) and None,
                               f"{method} close")
            results[method] = (cast_time, close_time)
        book.close()
    return results


def report(title: str, members: int, results: dict[str, tuple[float, float]]) -> None:
    (plain, plain_close), (sealed, sealed_close) = results["recorded"], results["secret"]
    print(f"{title}: {members:,} votes of each kind")
    print(f"  recorded vote {plain / members * 1e6:9.1f} µs a vote, close {plain_close:7.3f} s")
    print(f"  sealed vote   {sealed / members * 1e6:9.1f} µs a vote, close {sealed_close:7.3f} s")
    print(f"  ratio (sealed / recorded): casting {sealed / plain:.2f}x, "
          f"close {sealed_close / plain_close:.2f}x, "
          f"all {(sealed + sealed_close) / (plain + plain_close):.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=2000, help="votes of each kind (core)")
    parser.add_argument("--ledger-members", type=int, default=400,
                        help="votes of each kind through the SQLite ledger")
    args = parser.parse_args()
    report("core (decide + evolve)", args.members, core(args.members))
    plain, sealed = REPLAY["recorded"], REPLAY["secret"]
    print(f"  replay (the verifier's fold, votes and close): recorded "
          f"{plain / args.members * 1e6:.1f} µs a vote, sealed "
          f"{sealed / args.members * 1e6:.1f} µs a vote ({sealed / plain:.2f}x)")
    report("ledger (SQLite, the default checkpoint cadence)", args.ledger_members,
           ledger(args.ledger_members))
    n = args.ledger_members
    plain, sealed = WALL["recorded casts"], WALL["secret casts"]
    print(f"  wall clock: recorded {plain / n * 1e3:.2f} ms a vote, sealed "
          f"{sealed / n * 1e3:.2f} ms a vote ({sealed / plain:.2f}x); close "
          f"{WALL['recorded close']:.3f} s and {WALL['secret close']:.3f} s")


if __name__ == "__main__":
    main()

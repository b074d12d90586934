"""What an ``unattributed`` meeting costs, against the same meeting recorded openly, in one run.

In an unattributed meeting (``voting/chatham.py``) ``decide`` checks the meeting
secret against its commitment and maps each member id to a pseudonym (an
HMAC-SHA256 and a SHA-256) for every act; the register of the whole membership
is built and checked once, when the policy is set; and replay checks every act's
member fields against the register. The same meeting is held both ways on the
same body in the same run: ``--members`` members, all present, a motion moved and
seconded, a recorded vote by every member, the close.

* **core**: ``voting.decider.decide`` then ``evolve`` for each command of the
  meeting (convening to close), as a shell holding the state does;
* **verify**: the whole log written as a bundle (entries, one signed checkpoint,
  the minutes) and checked by ``audit.verify.verify`` with the key: canonical
  form, the tree, replay with every derived field, the recount and the minutes.

    python benchmarks/bench_chatham.py [--members 2000] [--runs 3]

Figures are CPU seconds of this process, the best of ``--runs``; they go into
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from audit.bundle import read_bundle, write_bundle
from audit.canonical import canonical
from audit.log import Log
from audit.note import Ed25519Signer
from audit.signer import CheckpointSigner, MemorySignerState
from audit.verify import verify
from voting import commands as c
from voting.codec import to_entry
from voting.decider import decide, evolve, replay
from voting.events import Event
from voting.minutes import minutes_of
from voting.state import BodyState

AT = "2026-01-15T18:00:00Z"
ORIGIN = "bench.tellers.invalid/chatham"
CHOICES = ("for", "for", "against", "abstain")  # carried: no casting vote needed


def body(members: int) -> Iterator[c.Command]:
    ids = [f"m{n:05d}" for n in range(members)]
    yield c.FoundBody(AT, ids[0], name="Bench Branch")
    for n, member in enumerate(ids):
        roles = ("chair", "secretary", "member") if n == 0 else ("member",)
        yield c.AdmitMember(AT, ids[0], member=member, name=f"Member {n}", roles=roles)


def meeting(members: int, publication: str, secret: str) -> Iterator[c.Command]:
    """The meeting, its commands carrying the meeting secret as the shell passes it in."""
    ids = [f"m{n:05d}" for n in range(members)]
    chair, s = ids[0], secret if publication == "unattributed" else ""
    yield c.ConveneMeeting(AT, chair, meeting="agm", title="AGM", chair=chair, secretary=chair,
                           quorum_number=1, publication=publication, meeting_secret=s)
    for member in ids:
        yield c.RecordAttendance(AT, chair, meeting="agm", member=member, meeting_secret=s)
    yield c.StartBusiness(AT, chair, meeting="agm")
    yield c.MoveMotion(AT, ids[1], motion="mo", meeting="agm", title="Motion",
                       text="That we measure it.", meeting_secret=s)
    yield c.SecondMotion(AT, ids[2], motion="mo", meeting_secret=s)
    yield c.OpenDebate(AT, chair, motion="mo")
    yield c.OpenBallot(AT, chair, ballot="b", subject="mo", method="recorded")
    for n, member in enumerate(ids):
        yield c.CastVote(AT, member, ballot="b", choice=CHOICES[n % 4], meeting_secret=s)
    yield c.CloseBallot(AT, chair, ballot="b")
    yield c.CloseMeeting(AT, chair, meeting="agm")


def timed(step: Callable[[], object]) -> float:
    clock = time.process_time()
    step()
    return time.process_time() - clock


def hold(members: int, publication: str) -> tuple[float, float, list[Event]]:
    """CPU seconds of decide+evolve over the meeting's commands, and of replaying the
    meeting's events as a verifier folds them (``voting.decider.replay``); the whole log."""
    state = BodyState()
    log: list[Event] = []
    for command in body(members):
        for event in decide(state, command):
            state = evolve(state, event)
            log.append(event)
    commands = list(meeting(members, publication, secrets.token_hex(32)))
    before, start = state, len(log)

    def run() -> None:
        nonlocal state
        for command in commands:
            for event in decide(state, command):
                state = evolve(state, event)
                log.append(event)

    held = timed(run)
    return held, timed(lambda: replay(log[start:], before)), log


def verified(log: list[Event], directory: Path) -> float:
    """CPU seconds of ``tellers verify`` (with the key) on the log's bundle."""
    signer = Ed25519Signer.from_seed(ORIGIN, bytes(32))
    entries = [canonical(to_entry(seq, event)) for seq, event in enumerate(log)]  # type: ignore[arg-type]
    tree = Log(CheckpointSigner(signer, MemorySignerState()))
    tree.extend(entries, validate=False)
    note = tree.checkpoint().note
    events = list(log)
    minutes = minutes_of(None, events).by_entry()
    write_bundle(directory, entries=entries, checkpoints=[note], vkey=signer.vkey(),
                 minutes=minutes)
    bundle = read_bundle(directory)
    report = None

    def check() -> None:
        nonlocal report
        report = verify(bundle, key=signer.vkey())

    seconds = timed(check)
    if report is None or not report.ok:
        raise SystemExit(f"the bundle did not verify: {report and report.failure}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    best: dict[str, list[float]] = {}
    entries: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(args.runs):
            for publication in ("open", "unattributed"):
                core, folded, log = hold(args.members, publication)
                check = verified(log, Path(scratch) / f"{publication}-{run}")
                got = [core, folded, check]
                old = best.get(publication, got)
                best[publication] = [min(a, b) for a, b in zip(old, got, strict=True)]
                entries[publication] = len(log)
    commands = 2 * args.members + 8
    print(f"{args.members} members, all present, every one voting; "
          f"{commands} commands in the meeting; best of {args.runs} runs (CPU seconds)")
    print(f"{'':34} {'open':>10} {'unattributed':>13} {'ratio':>7}")
    for label, i, per in (("decide+evolve, the meeting", 0, commands),
                          ("replay, the meeting's entries", 1, commands),
                          ("verify (with the key), the log", 2, 0)):
        o, u = best["open"][i], best["unattributed"][i]
        unit = f"  ({o / per * 1e6:.1f} / {u / per * 1e6:.1f} µs a command)" if per else ""
        print(f"{label:34} {o:10.3f} {u:13.3f} {u / o:6.2f}x{unit}")
    print(f"{'entries in the log':34} {entries['open']:10d} {entries['unattributed']:13d}")


if __name__ == "__main__":
    main()

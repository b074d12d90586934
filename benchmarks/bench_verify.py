"""How long ``verify`` takes on a large bundle, against a bare SHA-256 loop over the same lines.

The bundle is one meeting of ``M`` members voting on ``M`` motions by
recorded vote, ``M`` votes each: about ``M * M`` entries (1,000 members give
1,005,000+ entries). The first motion goes through the domain's own
``decide``; the other motions' events are copies of the first's with new
ids and times (``dataclasses.replace``), each ballot's votes drawn from a
seeded generator and its result declared by the same rule
(``voting.ballot.decision``), so the whole log replays. Entries are
``voting.codec.to_entry`` of each event, encoded canonically.

Run::

    python benchmarks/bench_verify.py                 # 1,000,000 entries or so
    python benchmarks/bench_verify.py --entries 50000 # a smaller run
    python benchmarks/bench_verify.py --profile       # and where the time goes (cProfile)
    python benchmarks/bench_verify.py --entries 100000 --checkpoint-every 1
                                                      # a checkpoint per entry, as the ledger
                                                      # signed one per command before its cadence

The figures go into the "## Verification" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import math
import os
import pstats
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path

from audit.bundle import read_bundle, write_bundle
from audit.entry_patterns import decode_line
from audit.log import Log
from audit.note import Ed25519Signer
from audit.signer import CheckpointSigner, MemorySignerState
from audit.verify import _roots, _Times, canonical_value, verify
from voting import commands as c
from voting import events as ev
from voting.ballot import decision
from voting.codec import from_entry, to_entry
from voting.decider import evolve, execute
from voting.minutes import minutes_of
from voting.state import BodyState, transient

KEY = Ed25519Signer.from_seed("bench.example/tellers", bytes([1]) * 32)
CHECKPOINT_EVERY = 100_000
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


class Clock:
    """One second per event, from a fixed start: RFC 3339 UTC, never going backwards."""

    def __init__(self) -> None:
        self._start = datetime(2025, 6, 1, 9, 0, 0, tzinfo=UTC)
        self._n = 0

    def __call__(self) -> str:
        value = self._start + timedelta(seconds=self._n)
        self._n += 1
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class Stopwatch:
    """Wall and CPU seconds since the last lap (the machine may be shared: CPU is the fair one)."""

    def __init__(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        result = (wall - self._wall, cpu - self._cpu)
        self._wall, self._cpu = wall, cpu
        return result


def build_events(members: int, ballots: int, seed: int = 1) -> list[ev.Event]:
    """The meeting's events, in order (see the module docstring)."""
    at = Clock()
    state = BodyState()
    events: list[ev.Event] = []

    def do(command: c.Command) -> None:
        nonlocal state
        state, new = execute(state, command)
        events.extend(new)

    ids = [f"m{i:05d}" for i in range(members)]
    chair, secretary = ids[0], ids[1]
    do(c.FoundBody(at(), secretary, name="Benchmark Assembly"))
    # The secretary, who founds the body, is admitted first and admits the rest.
    for number in sorted(range(members), key=lambda n: n != 1):
        roles = {0: ("chair", "member"), 1: ("member", "secretary")}.get(number, ("member",))
        do(c.AdmitMember(at(), secretary, member=ids[number], name=f"Member {number}",
                         roles=roles))
    do(c.ConveneMeeting(at(), secretary, meeting="big", title="The big meeting", chair=chair,
                        secretary=secretary, quorum_fraction="1/3"))
    for member in ids:
        do(c.RecordAttendance(at(), secretary, meeting="big", member=member))
    do(c.StartBusiness(at(), chair, meeting="big"))

    rng = random.Random(seed)
    choices = ("for", "against", "abstain")
    text = "That this assembly verifies its own log."
    # The first motion and ballot through decide: the template for the rest.
    do(c.MoveMotion(at(), ids[2], motion="mo00000", meeting="big", title="Verification",
                    text=text))
    do(c.SecondMotion(at(), ids[3], motion="mo00000"))
    do(c.OpenDebate(at(), chair, motion="mo00000"))
    do(c.OpenBallot(at(), chair, ballot="b00000", subject="mo00000", method="recorded"))
    for number, member in enumerate(ids):
        do(c.CastVote(at(), member, ballot="b00000", choice=choices[int(number % 3 == 2)]))
    do(c.CloseBallot(at(), chair, ballot="b00000"))
    template = state.ballots["b00000"]
    moved, seconded, debated, opened = events[-(members + 5):-(members + 1)]
    vote_template = events[-2]
    roll = tuple(sorted(ids))  # everyone stays: the roll at each close
    for k in range(1, ballots):
        motion, ballot = f"mo{k:05d}", f"b{k:05d}"
        events.append(replace(moved, at=at(), motion=motion))
        events.append(replace(seconded, at=at(), motion=motion))
        events.append(replace(debated, at=at(), motion=motion))
        events.append(replace(opened, at=at(), ballot=ballot, subject=motion))
        totals = [0, 0, 0]
        for member in ids:
            pick = rng.randrange(3)
            totals[pick] += 1
            split = (int(pick == 0), int(pick == 1), int(pick == 2))
            events.append(replace(vote_template, at=at(), ballot=ballot, voter=member,
                                  member=member, for_votes=split[0], against=split[1],
                                  abstain=split[2]))
        if totals[0] == totals[1]:  # keep clear of ties (no casting vote): change the last vote
            last = events.pop()
            if pick == 0:
                totals[0], totals[1] = totals[0] - 1, totals[1] + 1
                events.append(replace(last, for_votes=0, against=1, abstain=0))
            else:
                totals[pick] -= 1
                totals[0] += 1
                events.append(replace(last, for_votes=1, against=0, abstain=0))
        result = decision(state, template, (totals[0], totals[1], totals[2]), "")
        events.append(ev.BallotClosed(
            at(), ballot, totals[0], totals[1], totals[2], roll, "",
            result.outcome.value, result.tied, result.explanation, (), chair))
    do_close = c.CloseMeeting(at(), chair, meeting="big")
    events.append(ev.MeetingClosed(do_close.at, "big", "closed"))
    return events


def build_bundle(directory: Path, members: int, ballots: int,
                 every: int = CHECKPOINT_EVERY) -> tuple[int, float]:
    """Write the bundle, a checkpoint every ``every`` entries and at the end; return its
    entry count and the seconds it took."""
    start = time.perf_counter()
    events = build_events(members, ballots)
    entries = [_encode(to_entry(seq, event)).encode("utf-8") for seq, event in enumerate(events)]
    minutes = minutes_of(None, events).by_entry()  # published with the log (C-MINUTES)
    del events
    log = Log(CheckpointSigner(KEY, MemorySignerState()))
    notes = []
    for data in entries:
        log.append_canonical(data, validate=False)
        if log.size % every == 0:
            notes.append(log.checkpoint().note)
    if log.size % every:
        notes.append(log.checkpoint().note)
    write_bundle(directory, entries=entries, checkpoints=notes, vkey=KEY.vkey(), minutes=minutes)
    return len(entries), time.perf_counter() - start


def phases(entries: tuple[bytes, ...]) -> None:
    """Time each stage of the verifier's pass over the entries separately (CPU seconds)."""
    gc.disable()  # as verify does for its pass
    try:
        clock = Stopwatch()
        _roots(entries, {len(entries)})
        tree = clock.lap()[1]
        decoded = [decode_line(line) for line in entries]
        patterns = clock.lap()[1]
        rest = [canonical_value(line) for line, found in zip(entries, decoded, strict=True)
                if found is None]
        canon = clock.lap()[1]
        general = [from_entry(value)[1] for value in rest]
        decode = clock.lap()[1]
        taken = len(rest)
        times = _Times()
        for found in decoded:
            if found is not None:
                times.key(found[1])
        for value in rest:
            times.key(value["time"])
        timing = clock.lap()[1]
        general.reverse()
        events = [found[2] if found is not None else general.pop() for found in decoded]
        del decoded, rest
        clock.lap()
        state = BodyState()
        with transient():
            for event in events:
                state = evolve(state, event)
        fold = clock.lap()[1]
    finally:
        gc.enable()
    print(f"stages on their own (CPU s); {taken:,} entries of {len(entries):,} took the "
          "general road:")
    for name, seconds in [("leaf hashes and tree (RFC 9162, in batches)", tree),
                          ("flat entries by pattern (audit.entry_patterns)", patterns),
                          ("the rest: canonical re-encode (RFC 8785)", canon),
                          ("the rest: voting.codec.from_entry", decode),
                          ("time checks", timing),
                          ("voting.decider.evolve (replay, recount)", fold)]:
        print(f"  {name:<48} {seconds:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000,
                        help="about how many entries (members = ballots = sqrt of this)")
    parser.add_argument("--profile", action="store_true", help="profile verify with cProfile")
    parser.add_argument("--bundle", type=Path, help="keep the bundle in this directory")
    parser.add_argument("--checkpoint-every", type=int, default=CHECKPOINT_EVERY,
                        help="sign a checkpoint every this many entries (default 100,000)")
    parser.add_argument("--phases", action="store_true",
                        help="also time each stage of verify on its own, without a profiler")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    side = max(4, math.isqrt(args.entries))
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.bundle or Path(scratch) / "bundle"
        count, built = build_bundle(directory, side, side, args.checkpoint_every)
        print(f"built {count} entries ({side} members, {side} ballots) in {built:.1f} s",
              flush=True)

        clock = Stopwatch()
        bundle = read_bundle(directory)
        read = clock.lap()
        for line in bundle.entries:
            sha256(line).digest()
        bare = clock.lap()
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        report = verify(bundle, key=KEY.vkey())
        if profiler is not None:
            profiler.disable()
        checked = clock.lap()
        if not report.ok:
            print(f"verification FAILED: {report.failure}", file=sys.stderr)
            sys.exit(1)
        print("                     wall s    CPU s")
        print(f"read bundle          {read[0]:8.2f} {read[1]:8.2f}")
        print(f"bare SHA-256 loop    {bare[0]:8.2f} {bare[1]:8.2f}")
        print(f"verify (end to end)  {checked[0]:8.2f} {checked[1]:8.2f}   "
              f"({checked[1] / bare[1]:.0f}x the bare loop's CPU time)")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        print(f"  {report.counts.entries} entries, {report.counts.checkpoints} checkpoints, "
              f"{report.counts.ballots_recounted} ballots recounted from "
              f"{report.counts.votes} votes")
        if args.phases:
            phases(bundle.entries)
        if profiler is not None:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
            print(out.getvalue())


if __name__ == "__main__":
    main()

"""Benchmark: what one command costs as a body grows, from 15 members to 500,000.

Usage::

    python benchmarks/bench_scale.py [--sizes 15,5000,500000] [--sample N] [--no-write]

For each size, in a forked child process of its own (so that one size's heap
does not slow the next), through the pure core only (``voting.decide`` and
``voting.evolve`` via ``execute``, as the ledger calls them; no storage):

1. the membership admitted as one ``AdmitMembers`` command (a list import);
2. then ``--sample`` more members admitted one ``AdmitMember`` at a time: the
   time per admission at this size;
3. an election of all members (a members' ballot outside a meeting, one member
   one vote, counted by IRV, recorded), nominations closed so the electorate is
   fixed at the size of the body;
4. every member casting a ranking through ``execute``: the time per vote over
   the first ``--sample`` votes and over the last ``--sample`` (a flat line is the
   goal: the last vote costs what the first did);
5. the close and count;
6. a replay of the whole log from an empty state (what a verifier or a fresh
   worker does), per event.

The peer for every figure is the same measurement at the smallest size in the
same run: the ratio columns say how much dearer a command is in the larger body.
Writes the table into the ``## Scale`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from voting import commands as c  # noqa: E402
from voting.decider import execute, replay  # noqa: E402
from voting.events import Event  # noqa: E402
from voting.state import BodyState  # noqa: E402

AT = "2026-03-01T10:00:00Z"


def per_call(times: list[float]) -> float:
    """The median seconds of one call, from the times of single calls."""
    return statistics.median(times)


def measure(size: int, sample: int) -> dict[str, float]:
    log: list[Event] = []
    state = BodyState()

    def do(command: c.Command) -> None:
        nonlocal state
        state, events = execute(state, command)
        log.extend(events)

    do(c.FoundBody(AT, "sec", name="Party"))
    do(c.AdmitMember(AT, "sec", member="sec", name="Secretary", roles=("secretary", "member")))
    rows = tuple((f"m{i:07}", f"Member {i}", 1, "", ("member",)) for i in range(size - 1))
    start = time.perf_counter()
    if rows:
        do(c.AdmitMembers(AT, "sec", members=rows))
    bulk = (time.perf_counter() - start) / max(1, len(rows))
    admit: list[float] = []
    for i in range(sample):
        command = c.AdmitMember(AT, "sec", member=f"late{i:05}", name=f"Late {i}")
        start = time.perf_counter()
        do(command)
        admit.append(time.perf_counter() - start)
    voters = list(state.members)
    do(c.OpenNominations(AT, "sec", election="e", title="General secretary", seats=1,
                         method="irv", secret=False))
    for candidate in voters[2:5]:
        do(c.Nominate(AT, voters[1], election="e", candidate=candidate, seconder="sec"))
    do(c.CloseNominations(AT, "sec", election="e"))
    candidates = state.election("e").candidates
    a, b, x = candidates
    rankings = [(a, b, x), (a, b, x), (b, a, x), (x, b, a), (b, x)]  # no tie at any stage
    cast: list[float] = []
    for i, voter in enumerate(voters):
        command = c.CastRanking(AT, voter, election="e", ranking=rankings[i % 5])
        start = time.perf_counter()
        do(command)
        cast.append(time.perf_counter() - start)
    start = time.perf_counter()
    do(c.CloseElection(AT, "sec", election="e"))
    close = time.perf_counter() - start
    start = time.perf_counter()
    again = replay(log)
    replayed = time.perf_counter() - start
    if again != state:
        raise SystemExit(f"size {size}: the replay does not give the state the commands built")
    return {
        "members": len(state.members), "entries": len(log), "bulk_us": bulk * 1e6,
        "admit_us": per_call(admit) * 1e6,
        "first_vote_us": per_call(cast[:sample]) * 1e6,
        "last_vote_us": per_call(cast[-sample:]) * 1e6,
        "close_s": close, "replay_us": replayed / len(log) * 1e6, "replay_s": replayed,
    }


def _child(size: int, sample: int, out: Any) -> None:
    out.send(measure(size, sample))


def run(size: int, sample: int) -> dict[str, float]:
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(target=_child, args=(size, sample, child))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise SystemExit(f"the measurement of {size} members failed")
    result: dict[str, float] = parent.recv()
    return result


def table(results: dict[int, dict[str, float]]) -> str:
    base = results[min(results)]
    lines = [
        "| members | entries | list import, µs a member | one admission, µs | ratio "
        "| first votes, µs each | last votes, µs each | ratio | close + count, s "
        "| replay, µs an entry |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sorted(results):
        r = results[size]
        lines.append(
            f"| {int(r['members']):,} | {int(r['entries']):,} | {r['bulk_us']:.1f} "
            f"| {r['admit_us']:.0f} | {r['admit_us'] / base['admit_us']:.2f} "
            f"| {r['first_vote_us']:.0f} | {r['last_vote_us']:.0f} "
            f"| {r['last_vote_us'] / base['first_vote_us']:.2f} | {r['close_s']:.2f} "
            f"| {r['replay_us']:.1f} |"
        )
    return "\n".join(lines)


def write(text: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    current = path.read_text(encoding="utf-8")
    section = re.compile(r"^## Scale\n.*?(?=^## |\Z)", re.S | re.M)
    if section.search(current):
        current = section.sub(lambda _: text, current)
    else:
        current = current.rstrip("\n") + "\n\n" + text
    path.write_text(current, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="15,5000,500000")
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load = os.getloadavg()[0]
    results = {size: run(size, min(args.sample, max(1, size // 3))) for size in sizes}
    text = table(results)
    print(text)
    print(f"load average before: {load:.2f}, after: {os.getloadavg()[0]:.2f}; "
          f"{platform.python_implementation()} {platform.python_version()}")
    if not args.no_write:
        write("## Scale\n\n" + text + "\n")


if __name__ == "__main__":
    main()

"""Benchmark: read a 1,000,000-ballot BLT file and count it, beside pyrankvote and pref-voting.

Usage::

    python benchmarks/bench_count.py [--ballots N] [--seed S] [--no-write]

Generates N ranked ballots (10 candidates, 3 seats, fixed seed) with realistic
ranking lengths, writes them as a BLT file (one line per paper, as councils
publish them), times reading it, then times every registered ranked tellers
method among ``scottish_stv``, ``meek`` and ``irv`` and the peers' STV and IRV
on the same ballots. Each measurement runs in a forked child process, which
reports its wall time and its peak memory above what it started with (Linux
``VmHWM`` after resetting it; elsewhere ``ru_maxrss``). Building the peers'
own ballot objects is timed apart, as their "parsing". Writes the figures
into the ``## Counting`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import gc
import math
import multiprocessing
import os
import platform
import random
import resource
import sys
import tempfile
import time
from bisect import bisect
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tallying.blt import read_blt, write_blt  # noqa: E402
from tallying.profile import Profile  # noqa: E402
from tallying.registry import CountOptions, count, methods  # noqa: E402

CANDIDATES = 10
SEATS = 3
# Share of papers by number of preferences marked, shaped like Scottish council
# ward profiles: many plump for one or two, a long tail ranks everyone.
LENGTHS = {1: 24, 2: 19, 3: 17, 4: 12, 5: 8, 6: 6, 7: 4, 8: 3, 9: 2, 10: 5}
PARTIES = (0, 0, 0, 1, 1, 1, 2, 2, 3, 4)  # party of each candidate
PARTY_SHARE = (34, 30, 18, 10, 8)
STRENGTH = (1.0, 0.7, 0.5, 1.1, 0.8, 0.4, 1.0, 0.6, 1.0, 1.0)
LOYALTY = 12.0  # how much more a voter likes their own party's candidates
OURS = ("scottish_stv", "meek", "irv")


def generate(n: int, seed: int) -> list[tuple[int, ...]]:
    """``n`` strict rankings (0-based): party loyalty plus Plackett-Luce noise.

    Each voter picks a party, then orders the candidates by an exponential
    race (the Plackett-Luce model), and marks a realistic number of them.
    """
    rnd = random.Random(seed)
    uniform = rnd.random
    log = math.log
    party_cum = list(accumulate(PARTY_SHARE))
    length_cum = list(accumulate(LENGTHS.values()))
    lengths = list(LENGTHS)
    inverse = [
        [1.0 / (STRENGTH[c] * (LOYALTY if PARTIES[c] == p else 1.0)) for c in range(CANDIDATES)]
        for p in range(len(PARTY_SHARE))
    ]
    everyone = range(CANDIDATES)
    papers: list[tuple[int, ...]] = []
    for _ in range(n):
        inv = inverse[bisect(party_cum, uniform() * party_cum[-1])]
        race = [-log(1.0 - uniform()) * inv[c] for c in everyone]
        order = sorted(everyone, key=race.__getitem__)
        k = lengths[bisect(length_cum, uniform() * length_cum[-1])]
        papers.append(tuple(order[:k]))
    return papers


@dataclass
class Timing:
    what: str
    seconds: float  # wall time
    cpu: float  # the child's CPU time: steadier on a shared machine
    peak_mb: float
    outcome: str


def _peak_reset() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def _child(run: Callable[[], str], pipe: Any) -> None:
    gc.collect()
    linux = _peak_reset()
    start_kb = _status_kb("VmRSS") if linux else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began, began_cpu = time.perf_counter(), time.process_time()
    outcome = run()
    seconds, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    peak_kb = _status_kb("VmHWM") if linux else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pipe.send((seconds, cpu, max(peak_kb - start_kb, 0) / 1024, outcome))
    pipe.close()


def measure(what: str, run: Callable[[], str]) -> Timing:
    """Run ``run`` in a forked child: its wall time and peak memory above its start."""
    # Keep the parent's large data (the generated ballots) out of the child's
    # garbage collections: they would otherwise be scanned, and copied on write.
    gc.collect()
    gc.freeze()
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(run, child))
    process.start()
    seconds, cpu, peak_mb, outcome = parent.recv()
    process.join()
    timing = Timing(what, seconds, cpu, peak_mb, outcome)
    print(
        f"{what:<38} {seconds:8.3f} s {cpu:8.3f} cpu {peak_mb:8.1f} MB  {outcome}",
        file=sys.stderr,
    )
    return timing


def names_of(indices: Any, names: tuple[str, ...]) -> str:
    return ", ".join(sorted(names[i] for i in indices))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20070042)
    parser.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    args = parser.parse_args()

    began = time.perf_counter()
    rankings = generate(args.ballots, args.seed)
    grouped = Counter(rankings)
    names = tuple(f"Candidate {chr(ord('A') + c)}" for c in range(CANDIDATES))
    print(
        f"generated {len(rankings):,} ballots ({len(grouped):,} distinct rankings) "
        f"in {time.perf_counter() - began:.1f} s",
        file=sys.stderr,
    )
    lines: list[Timing] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.blt"
        empty = Profile(names, SEATS, (), title="benchmark")
        text = write_blt(empty, comments=[f"bench_count.py --seed {args.seed}"])
        header, _, tail = text.partition("\n0\n")
        body = "\n".join(" ".join(["1", *(str(c + 1) for c in r), "0"]) for r in rankings)
        path.write_text(f"{header}\n{body}\n0\n{tail}", encoding="utf-8")
        size_mb = path.stat().st_size / 2**20
        lines.append(measure("tellers: read BLT", lambda: _read_summary(path)))
        profile = read_blt(path).profile

    for name in OURS:
        if name not in methods():
            print(f"{name}: not registered, skipped", file=sys.stderr)
            continue
        seats = 1 if name == "irv" else SEATS
        options = CountOptions(seats=seats, seed=b"bench")
        lines.append(
            measure(
                f"tellers: {name}",
                lambda n=name, o=options: names_of(count(profile, n, o).elected, names),
            )
        )

    peers = _peer_runs(rankings, grouped, names)
    for what, run in peers:
        lines.append(measure(what, run))

    report = _report(args, len(rankings), len(grouped), size_mb, lines)
    print(report)
    if not args.no_write:
        _write_section(ROOT / "BENCHMARKS.md", report)


def _read_summary(path: Path) -> str:
    read = read_blt(path)
    return f"{read.profile.total_weight:,} papers, {len(read.profile.ballots):,} distinct"


def _peer_runs(
    rankings: list[tuple[int, ...]], grouped: Counter[tuple[int, ...]], names: tuple[str, ...]
) -> list[tuple[str, Callable[[], str]]]:
    import pyrankvote
    from pref_voting.iterative_methods import instant_runoff
    from pref_voting.profiles_with_ties import ProfileWithTies
    from pref_voting.proportional_methods import stv_scottish

    runs: list[tuple[str, Callable[[], str]]] = []
    candidates = [pyrankvote.Candidate(name) for name in names]
    started = time.perf_counter()
    ballots = [pyrankvote.Ballot(ranked_candidates=[candidates[c] for c in r]) for r in rankings]
    print(f"pyrankvote: built ballots in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    runs.append(
        (
            "pyrankvote: single_transferable_vote",
            lambda: ", ".join(
                sorted(
                    c.name
                    for c in pyrankvote.single_transferable_vote(
                        candidates, ballots, number_of_seats=SEATS
                    ).get_winners()
                )
            ),
        )
    )
    runs.append(
        (
            "pyrankvote: instant_runoff_voting",
            lambda: ", ".join(
                c.name for c in pyrankvote.instant_runoff_voting(candidates, ballots).get_winners()
            ),
        )
    )
    started = time.perf_counter()
    profile = ProfileWithTies(
        [{c: i + 1 for i, c in enumerate(r)} for r in grouped],
        rcounts=list(grouped.values()),
        candidates=list(range(CANDIDATES)),
    )
    print(f"pref-voting: built profile in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    runs.append(
        (
            "pref-voting: stv_scottish",
            lambda: names_of(stv_scottish(profile, num_seats=SEATS), names),
        )
    )
    runs.append(("pref-voting: instant_runoff", lambda: names_of(instant_runoff(profile), names)))
    return runs


def _report(
    args: argparse.Namespace, papers: int, distinct: int, size_mb: float, lines: list[Timing]
) -> str:
    by_name = {t.what: t for t in lines}
    out = [
        "## Counting",
        "",
        f"Command: `python benchmarks/bench_count.py --ballots {args.ballots}"
        + (f" --seed {args.seed}" if args.seed != 20070042 else "")
        + "`",
        "",
        f"{papers:,} ranked ballots ({distinct:,} distinct rankings), {CANDIDATES} candidates, "
        f"{SEATS} seats, ranking lengths shaped like Scottish ward profiles; BLT file of "
        f"{size_mb:.1f} MB, one line per paper. Python {platform.python_version()} on "
        f"{platform.machine()}, {os.cpu_count()} CPUs, run {time.strftime('%Y-%m-%d')}. "
        "Each figure is one run in a forked child (after `gc.freeze()` in the parent): wall "
        "time of the call and peak memory above the child's start. Peers' time to build "
        "their own ballot objects is not counted (as ours for parsing is not). pyrankvote "
        "takes one object per paper (it has no weights); pref-voting gets the distinct "
        "rankings with their counts, as tellers does.",
        "",
        "| what | wall s | CPU s | peak MB | elected |",
        "|---|---:|---:|---:|---|",
    ]
    out.extend(
        f"| {t.what} | {t.seconds:.3f} | {t.cpu:.3f} | {t.peak_mb:.1f} | {t.outcome} |"
        for t in lines
    )
    out.append("")
    comparisons = [
        (
            "tellers: scottish_stv",
            ("pyrankvote: single_transferable_vote", "pref-voting: stv_scottish"),
        ),
        ("tellers: meek", ("pyrankvote: single_transferable_vote", "pref-voting: stv_scottish")),
        ("tellers: irv", ("pyrankvote: instant_runoff_voting", "pref-voting: instant_runoff")),
    ]
    for ours, theirs in comparisons:
        if ours not in by_name:
            continue
        fastest = min((by_name[p] for p in theirs if p in by_name), key=lambda t: t.cpu)
        ratio = fastest.cpu / by_name[ours].cpu
        wall = fastest.seconds / by_name[ours].seconds
        out.append(
            f"- {ours}: {ratio:.1f}x faster (CPU; {wall:.1f}x wall) than the fastest peer "
            f"({fastest.what}, {fastest.cpu:.3f} s CPU)."
        )
    stv = by_name.get("tellers: scottish_stv")
    pv = by_name.get("pref-voting: stv_scottish")
    if stv and pv:
        agree = "agree" if stv.outcome == pv.outcome else "DISAGREE"
        out.append(
            f"- tellers scottish_stv and pref-voting stv_scottish {agree} on who is elected."
        )
    return "\n".join(out) + "\n"


def _write_section(path: Path, section: str) -> None:
    """Replace (or append) only the ``## Counting`` section of BENCHMARKS.md."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = text.find("## Counting")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        rest = "" if end < 0 else text[end + 1 :]
        text = text[:start] + section + ("\n" + rest if rest else "")
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

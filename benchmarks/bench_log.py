"""Benchmark the audit log: appends, checkpoints and proofs at a million entries.

    python benchmarks/bench_log.py [--n N] [--every 1000] [--samples 1000] [--repeat 5]
                                  [--chunk 20000]

Runs, in one process and on the same entry bytes:

* a bare loop of SHA-256 over each entry's canonical bytes;
* the same hashing with the loop in C (``map``); the faster of the two is the floor;
* ours, batch path: canonical bytes -> leaf hashes -> tree a level at a time
  (``Log.extend``, ``--every`` entries per call), signing a checkpoint every
  ``--every`` entries;
* ours, tree path: canonical bytes -> leaf hash -> tree (``Log.append_canonical``),
  one call per entry, with the same checkpoints;
* ours, whole path: the entry object -> RFC 8785 bytes -> leaf hash -> tree
  (``Log.append``), with the same checkpoints;
* pymerkle's ``InmemoryTree.append_entry`` (no checkpoints: it has none);

then inclusion and consistency proof generation and verification at the final
size, ours and pymerkle's. The entries are recorded votes as the ledger logs
them. The floors and the batch path are timed in pairs over the same chunk of
entries, one chunk after another, so that both see the machine in the same
state; each runs ``--repeat`` passes over the whole log, and the best time of
each chunk counts (as ``timeit`` keeps the best); the slower paths run once.
Figures are CPU seconds of this process. Prints a
table and the ratios; the figures in BENCHMARKS.md come from this script.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import time
from collections.abc import Callable
from hashlib import sha256

from pymerkle import InmemoryTree

from audit.canonical import JSONValue, canonical
from audit.log import Log
from audit.merkle import verify_consistency, verify_inclusion
from audit.note import Ed25519Signer
from audit.signer import CheckpointSigner, MemorySignerState
from voting.codec import to_entry
from voting.events import VoteCast


def entry(i: int) -> JSONValue:
    """Entry ``i`` of a log of recorded votes, as the ledger writes it (``to_entry``)."""
    member = f"m{i % 1000:05d}"
    split = [(1, 0, 0), (0, 1, 0), (0, 0, 1)][i * 7 % 3]
    seconds = 1_748_768_400 + i
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
    vote = VoteCast(at, f"b{i // 1000:05d}", member, member, *split)
    value: JSONValue = to_entry(i, vote)  # type: ignore[assignment]
    return value


def timed(label: str, action: Callable[[], object]) -> float:
    """Run ``action`` once with the garbage collector off; return its CPU seconds.

    CPU time of this process, not wall time, so that other work on a shared
    machine does not land in the figures; both are printed.
    """
    gc.collect()
    gc.disable()
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        gc.enable()
    print(f"  {label:<52} {cpu:9.2f} s cpu {wall:9.2f} s wall", flush=True)
    return cpu


def new_log(every: int) -> Log:
    key = Ed25519Signer.from_seed("bench.example/log", bytes(32))
    return Log(CheckpointSigner(key, MemorySignerState()), checkpoint_every=every)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="entries to append")
    parser.add_argument("--every", type=int, default=1000, help="checkpoint interval")
    parser.add_argument("--samples", type=int, default=1000, help="proofs to time")
    parser.add_argument("--repeat", type=int, default=5,
                        help="passes of the paired floors and batch path (best per chunk kept)")
    parser.add_argument("--chunk", type=int, default=20_000,
                        help="entries per pair of timings (a multiple of --every)")
    args = parser.parse_args()
    n, every, samples = args.n, args.every, args.samples

    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} cores; n={n:,}, checkpoint every {every}")
    print("preparing canonical entry bytes ...", flush=True)
    data = [canonical(entry(i)) for i in range(n)]
    print(f"  mean entry size {sum(map(len, data)) / n:.0f} bytes")

    print(f"appending, paired: the floors and Log.extend chunk by chunk over the same "
          f"{args.chunk:,} entries, best of {args.repeat} passes per chunk:", flush=True)
    digest = type(sha256()).digest
    starts = range(0, n, args.chunk)
    best_loop = [float("inf")] * len(starts)
    best_map = [float("inf")] * len(starts)
    best_ours = [float("inf")] * len(starts)
    batch = new_log(every)
    for _ in range(args.repeat):
        batch = new_log(every)
        extend = batch.extend
        gc.collect()
        gc.disable()
        try:
            for k, start in enumerate(starts):
                part = data[start:start + args.chunk]
                clock = time.process_time()
                for item in part:
                    sha256(item).digest()
                loop_s = time.process_time() - clock
                clock = time.process_time()
                list(map(digest, map(sha256, part)))
                map_s = time.process_time() - clock
                clock = time.process_time()
                for offset in range(0, len(part), every):
                    extend(part[offset:offset + every], validate=False)
                ours_s = time.process_time() - clock
                best_loop[k] = min(best_loop[k], loop_s)
                best_map[k] = min(best_map[k], map_s)
                best_ours[k] = min(best_ours[k], ours_s)
        finally:
            gc.enable()
    bare_loop_s, bare_map_s, batch_s = sum(best_loop), sum(best_map), sum(best_ours)
    floors = [min(a, b) for a, b in zip(best_loop, best_map, strict=True)]
    bare_s = sum(floors)
    ratios = sorted(o / f for o, f in zip(best_ours, floors, strict=True))
    print(f"  bare loop {bare_loop_s:.2f} s, bare map() {bare_map_s:.2f} s, floor (the faster "
          f"per chunk) {bare_s:.2f} s, Log.extend {batch_s:.2f} s cpu")
    print(f"  Log.extend / floor: {batch_s / bare_s:.2f}x overall; per chunk median "
          f"{ratios[len(ratios) // 2]:.2f}x, from {ratios[0]:.2f}x to {ratios[-1]:.2f}x")

    ours = new_log(every)

    def ours_tree() -> None:
        append = ours.append_canonical
        for item in data:
            append(item, validate=False)

    tree_s = timed("ours: bytes -> leaf -> tree (+ checkpoints)", ours_tree)

    whole = new_log(every)

    def ours_whole() -> None:
        append = whole.append
        for i in range(n):
            append(entry(i))

    whole_s = timed("ours: entry -> RFC 8785 -> leaf -> tree (+ ckpts)", ours_whole)

    pym = InmemoryTree()

    def pymerkle_append() -> None:
        append = pym.append_entry
        for item in data:
            append(item)

    pym_s = timed("pymerkle InmemoryTree.append_entry", pymerkle_append)

    if pym.get_root() != ours.root() or whole.root() != ours.root() or batch.root() != ours.root():
        raise SystemExit("roots differ: the comparison is not like for like")
    checkpoint = ours.latest_checkpoint
    if batch.latest_checkpoint is None or checkpoint is None or (
            batch.latest_checkpoint.note != checkpoint.note):
        raise SystemExit("the batch and one-by-one logs signed different checkpoints")
    signed = 0 if checkpoint is None else checkpoint.checkpoint.size
    print(f"  roots agree; last checkpoint at size {signed:,}")

    rng = random.Random(2024)
    indices = [rng.randrange(n) for _ in range(samples)]
    olds = [rng.randrange(1, n) for _ in range(samples)]
    top = ours.root()
    per = 1e6 / samples

    print(f"proofs at size {n:,} ({samples} each, microseconds per proof):")
    inclusion = [ours.inclusion_proof(i) for i in indices]
    incl_gen = timed("ours inclusion proof generation",
                     lambda: [ours.inclusion_proof(i) for i in indices]) * per
    leaves = [ours.store.get_hash(0, i) for i in indices]

    def verify_all_inclusion() -> None:
        for i, leaf, proof in zip(indices, leaves, inclusion, strict=True):
            verify_inclusion(i, n, leaf, proof, top)

    incl_ver = timed("ours inclusion proof verification", verify_all_inclusion) * per
    consistency = [ours.consistency_proof(m) for m in olds]
    cons_gen = timed("ours consistency proof generation",
                     lambda: [ours.consistency_proof(m) for m in olds]) * per
    old_roots = [ours.root(m) for m in olds]

    def verify_all_consistency() -> None:
        for m, old_root, proof in zip(olds, old_roots, consistency, strict=True):
            verify_consistency(m, n, old_root, top, proof)

    cons_ver = timed("ours consistency proof verification", verify_all_consistency) * per
    pym_incl = timed("pymerkle inclusion proof generation",
                     lambda: [pym.prove_inclusion(i + 1, n) for i in indices]) * per
    pym_cons = timed("pymerkle consistency proof generation",
                     lambda: [pym.prove_consistency(m, n) for m in olds]) * per

    print()
    print("| measure | figure |")
    print("|---|---|")
    print(f"| bare SHA-256 loop, {n:,} entries | {bare_loop_s:.2f} s "
          f"({bare_loop_s / n * 1e6:.2f} µs/entry) |")
    print(f"| bare SHA-256, map() in C | {bare_map_s:.2f} s "
          f"({bare_map_s / n * 1e6:.2f} µs/entry) |")
    print(f"| ours, Log.extend, bytes → tree + checkpoints | {batch_s:.2f} s "
          f"({batch_s / n * 1e6:.2f} µs/entry) |")
    print(f"| ours, bytes → tree + checkpoints | {tree_s:.2f} s "
          f"({tree_s / n * 1e6:.2f} µs/entry) |")
    print(f"| ours, entry → RFC 8785 → tree + checkpoints | {whole_s:.2f} s "
          f"({whole_s / n * 1e6:.2f} µs/entry) |")
    print(f"| pymerkle InmemoryTree | {pym_s:.2f} s ({pym_s / n * 1e6:.2f} µs/entry) |")
    print(f"| ours (Log.extend) / faster bare floor | {batch_s / bare_s:.2f} x |")
    print(f"| ours (bytes → tree) / faster bare floor | {tree_s / bare_s:.2f} x |")
    print(f"| ours (entry → tree) / faster bare floor | {whole_s / bare_s:.2f} x |")
    print(f"| ours (bytes → tree) / pymerkle | {tree_s / pym_s:.2f} x |")
    print(f"| inclusion proof: generate / verify | {incl_gen:.1f} µs / {incl_ver:.1f} µs |")
    print(f"| consistency proof: generate / verify | {cons_gen:.1f} µs / {cons_ver:.1f} µs |")
    print(f"| pymerkle proof generation: inclusion / consistency | "
          f"{pym_incl:.1f} µs / {pym_cons:.1f} µs |")


if __name__ == "__main__":
    main()

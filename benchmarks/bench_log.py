"""Benchmark the audit log: appends, checkpoints and proofs at a million entries.

    python benchmarks/bench_log.py [--n N] [--every 1000] [--samples 1000]

Runs, in one process and on the same entry bytes:

* a bare loop of SHA-256 over each entry's canonical bytes (the floor);
* the same hashing with the loop in C (``map``), the faster of the two floors;
* ours, batch path: canonical bytes -> leaf hashes -> tree a level at a time
  (``Log.extend``, ``--every`` entries per call), signing a checkpoint every
  ``--every`` entries;
* ours, tree path: canonical bytes -> leaf hash -> tree (``Log.append_canonical``),
  one call per entry, with the same checkpoints;
* ours, whole path: the entry object -> RFC 8785 bytes -> leaf hash -> tree
  (``Log.append``), with the same checkpoints;
* pymerkle's ``InmemoryTree.append_entry`` (no checkpoints: it has none);

then inclusion and consistency proof generation and verification at the final
size, ours and pymerkle's. Figures are CPU seconds of this process. Prints a
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


def entry(i: int) -> JSONValue:
    """A ballot-sized log entry (about 150 canonical bytes)."""
    return {
        "type": "vote.cast",
        "motion": f"m-{i % 50:04d}",
        "member": f"p-{i:010d}",
        "choice": ["for", "against", "abstain"][i % 3],
        "nonce": f"{i * 2654435761 % 2**64:016x}{i:016x}",
        "seq": i,
    }


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
    args = parser.parse_args()
    n, every, samples = args.n, args.every, args.samples

    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} cores; n={n:,}, checkpoint every {every}")
    print("preparing canonical entry bytes ...", flush=True)
    data = [canonical(entry(i)) for i in range(n)]
    print(f"  mean entry size {sum(map(len, data)) / n:.0f} bytes")

    print("appending:")

    def bare() -> None:
        for item in data:
            sha256(item).digest()

    bare_loop_s = timed("bare SHA-256 loop over the entry bytes", bare)
    digest = type(sha256()).digest

    def bare_map() -> None:
        list(map(digest, map(sha256, data)))

    bare_map_s = timed("bare SHA-256 over the entry bytes, map() in C", bare_map)
    bare_s = min(bare_loop_s, bare_map_s)

    batch = new_log(every)

    def ours_batch() -> None:
        extend = batch.extend
        for start in range(0, n, every):
            extend(data[start:start + every], validate=False)

    batch_s = timed("ours: Log.extend, bytes -> tree (+ checkpoints)", ours_batch)

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

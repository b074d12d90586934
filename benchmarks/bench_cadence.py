"""How long ``tellers verify`` takes on the bundle a ledger writes for a 1,000,000-entry log.

The log is written by the ledger itself (``api.ledger.Ledger`` on SQLite,
``Ledger.open`` as ``tellers`` opens one): the proceedings of one large body
(``benchmarks/ledger_body.py``: members admitted, meetings with attendance,
motions, amendments, recorded votes, secret ballots, shows of hands, STV
elections on sealed rankings in meetings and members' ballots outside them,
petitions), every command decided by the domain and stored through
``Ledger.submit_many`` (the same ``submit`` per command, committed between
published checkpoints). Every ``--receipt-every``-th voter asks for a receipt as
their vote is logged, which signs a checkpoint at once. Then the ledger writes
its bundle (``Ledger.write_bundle``) under the checkpoint policy: a published
checkpoint every 1,000 entries, after every close, and at the head.

For comparison, the same entries are bundled under the old policy, a checkpoint
after every command (what a ledger with ``checkpoint_every=1`` publishes: the
same key signing the same sizes gives the same notes), unless ``--no-old``.

``tellers verify`` then runs on each bundle as a member runs it, in a child
process pinned to one core, with the pinned key and a fresh state directory:
C-BUNDLE to C-MEMBER, every entry replayed and every ballot recounted; the new
bundle once more with every receipt handed out (``--receipt``).

    python benchmarks/bench_cadence.py                    # 1,000,000 entries
    python benchmarks/bench_cadence.py --entries 50000    # a smaller run
    python benchmarks/bench_cadence.py --profile          # cProfile of verify, in-process

The figures go into the "## A checkpoint cadence" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from ledger_body import body_commands

from api.ledger import CHECKPOINT_EVERY, Ledger
from audit.bundle import ENTRIES, read_bundle, write_bundle
from audit.log import Log
from audit.note import Ed25519Signer
from audit.signer import CheckpointSigner, MemorySignerState
from audit.verify import verify
from voting import commands as c
from voting import events as ev

ORIGIN = "bench.tellers.invalid/federation"
CHUNK = 20_000  # commands given to submit_many at a time
CLOSES = (ev.BallotClosed, ev.ElectionClosed, ev.PetitionClosed, ev.MeetingClosed)


class Stopwatch:
    """Wall and CPU seconds of this process since the last lap."""

    def __init__(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        result = (wall - self._wall, cpu - self._cpu)
        self._wall, self._cpu = wall, cpu
        return result


class Written:
    """What the ledger's run left for the comparison: command ends, why each was published."""

    def __init__(self) -> None:
        self.commands = 0
        self.ends: list[int] = []  # the log's size after each command that logged something
        self.closes: set[int] = set()  # the sizes after a command that closed something
        self.receipts: list[tuple[str, str]] = []


def hold(ledger: Ledger, target: int, members: int, receipt_every: int) -> Written:
    """Give the body's commands to the ledger (module docstring)."""
    written = Written()
    pending: list[c.Command] = []

    def submit() -> None:
        for done in ledger.submit_many(pending):
            if done.events:
                size = done.first_index + len(done.events)
                written.ends.append(size)
                if any(isinstance(event, CLOSES) for event in done.events):
                    written.closes.add(size)
        written.commands += len(pending)
        pending.clear()

    votes = 0
    for command in body_commands(target, members=members):
        pending.append(command)
        if isinstance(command, c.CastVote | c.CastRanking):
            votes += 1
            if votes % receipt_every == 0:  # this voter asks for a receipt as it is logged
                submit()
                index = written.ends[-1] - 1
                written.receipts.append((f"{command.by}-{index}.proof", ledger.receipt(
                    index, tracker=command.tracker)))
                continue
        if len(pending) >= CHUNK:
            submit()
    submit()
    return written


def old_policy_bundle(directory: Path, data: Sequence[bytes], ends: Sequence[int],
                      key: Ed25519Signer) -> int:
    """The bundle under a checkpoint after every command: a note at every command's end."""
    log = Log(CheckpointSigner(key, MemorySignerState()))
    notes = []
    for size in ends:
        log.extend(data[log.size:size], validate=False)
        notes.append(log.checkpoint().note)
    write_bundle(directory, entries=data, checkpoints=notes, vkey=key.vkey())
    return len(notes)


def shape(directory: Path) -> dict[str, int]:
    """Files and bytes of a bundle: entries, checkpoint notes, everything."""
    notes = list((directory / "checkpoints").iterdir())
    everything = [p for p in directory.rglob("*") if p.is_file()]
    return {"entries_bytes": (directory / ENTRIES).stat().st_size,
            "checkpoints": len(notes),
            "checkpoint_bytes": sum(p.stat().st_size for p in notes),
            "files": len(everything),
            "bytes": sum(p.stat().st_size for p in everything)}


def tellers_verify(directory: Path, vkey: str, receipts: Sequence[Path] = ()
                   ) -> tuple[float, float, str]:
    """Run ``tellers verify`` on one core; its wall and CPU seconds and its last lines."""
    tellers = Path(sys.executable).with_name("tellers")
    core = min(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    with tempfile.TemporaryDirectory() as state:
        args = [str(tellers), "verify", str(directory), "--key", vkey, "--state-dir", state]
        for receipt in receipts:
            args += ["--receipt", str(receipt)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            args, capture_output=True, text=True, check=False,
            preexec_fn=(lambda: os.sched_setaffinity(0, {core}))
            if hasattr(os, "sched_setaffinity") else None)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"tellers verify exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000,
                        help="about how many entries (commands) the body gives")
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--receipt-every", type=int, default=2500,
                        help="every this many votes, the voter asks for a receipt")
    parser.add_argument("--keep", type=Path, help="keep the instance and bundles here")
    parser.add_argument("--no-old", action="store_true",
                        help="skip the bundle under a checkpoint per command")
    parser.add_argument("--profile", action="store_true",
                        help="also profile verify of the new bundle in this process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        base = args.keep or Path(scratch)
        base.mkdir(parents=True, exist_ok=True)
        instance, new, old = base / "instance", base / "bundle", base / "bundle-per-command"
        clock = Stopwatch()
        ledger = Ledger.open(instance, origin=ORIGIN)
        written = hold(ledger, args.entries, args.members, args.receipt_every)
        held = clock.lap()
        ledger.write_bundle(new)
        bundled = clock.lap()
        size = ledger.log.size
        published = [int(note.split("\n")[1]) for note in ledger.checkpoints()]
        receipt_notes = len(ledger.store.all_checkpoints(published=False))
        vkey = ledger.vkey
        key = Ed25519Signer.from_skey((instance / "log.key").read_text().strip())
        ledger.close()
        cadence = sum(1 for s in published
                      if s not in written.closes and s != size)
        print(f"ledger: {written.commands:,} commands, {size:,} entries, {args.members:,} "
              f"members; held in {held[0]:.0f} s wall, {held[1]:.0f} s CPU; bundle written "
              f"in {bundled[0]:.1f} s")
        print(f"published checkpoints: {len(published):,} ({cadence:,} for the cadence of "
              f"{CHECKPOINT_EVERY:,}, {len(set(published) & written.closes):,} at closes, "
              f"the head); {receipt_notes:,} signed for {len(written.receipts):,} receipts, "
              "not published")
        receipt_dir = base / "receipts"
        receipt_dir.mkdir(exist_ok=True)
        receipt_files = []
        for name, text in written.receipts:
            (receipt_dir / name).write_text(text, encoding="utf-8")
            receipt_files.append(receipt_dir / name)
        print(f"bundle: {shape(new)}")

        if args.profile:
            profiler = cProfile.Profile()
            bundle = read_bundle(new)
            profiler.enable()
            report = verify(bundle, key=vkey)
            profiler.disable()
            assert report.ok, report.failure
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
            print(out.getvalue())
            del bundle

        runs = []
        wall, cpu, out = tellers_verify(new, vkey)
        runs.append(("the ledger's bundle", len(published), wall, cpu))
        print(f"tellers verify, the ledger's bundle: {wall:.1f} s wall, {cpu:.1f} s CPU")
        print("\n".join(out.splitlines()[-18:]))
        wall, cpu, _ = tellers_verify(new, vkey, receipt_files)
        runs.append((f"the same, with the {len(receipt_files):,} receipts", len(published),
                     wall, cpu))
        print(f"  with {len(receipt_files)} receipts: {wall:.1f} s wall, {cpu:.1f} s CPU")
        if not args.no_old:
            clock.lap()
            data = read_bundle(new).entries
            count = old_policy_bundle(old, data, written.ends, key)
            del data
            signed = clock.lap()
            print(f"per-command bundle: {count:,} checkpoints signed and written in "
                  f"{signed[0]:.0f} s; {shape(old)}")
            wall, cpu, _ = tellers_verify(old, vkey)
            runs.append(("a checkpoint per command (old policy)", count, wall, cpu))
            print(f"tellers verify, a checkpoint per command: {wall:.1f} s wall, "
                  f"{cpu:.1f} s CPU ({cpu / runs[0][3]:.1f}x the ledger's bundle)")
        print()
        print(f"| {size:,} entries | checkpoints | wall s | CPU s | vs the ledger's bundle |")
        print("|---|---:|---:|---:|---:|")
        for name, count, wall, cpu in runs:
            print(f"| {name} | {count:,} | {wall:.1f} | {cpu:.1f} | {cpu / runs[0][3]:.2f}x |")
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

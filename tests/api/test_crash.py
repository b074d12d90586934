"""kill -9 in the middle of writing (RELIABILITY.md D1): nothing acknowledged is lost.

A child process logs one member after another through a ledger on SQLite and prints
``acked N`` after each commit; the test kills it with SIGKILL at a random moment, over
several rounds, and after each one reopens the ledger itself. Reopening is the small fsck
(INV-FSCK): the stored tree must hold the last signed checkpoint. Then every acknowledged
entry must be there, the log dense from 0, the state its replay, and at the end the
published bundle must verify, checkpoints signed across the crashes included.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api.ledger import Ledger
from audit.bundle import read_bundle, write_bundle
from audit.verify import verify
from tests.api.crash_child import ORIGIN
from tests.conftest import ROOT

pytestmark = [pytest.mark.api, pytest.mark.slow]

ROUNDS = 4


def _run_and_kill(instance: Path, rng: random.Random) -> list[int]:
    """Start the writer, let it acknowledge a few entries, kill it; the entries it acked."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.api.crash_child", str(instance)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert child.stdout is not None
    acked: list[int] = []
    wanted = rng.randrange(5, 40)
    deadline = time.monotonic() + 60
    while len(acked) < wanted and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        acked.append(int(line.split()[1]))
    time.sleep(rng.uniform(0, 0.05))  # somewhere inside a later submit
    os.kill(child.pid, signal.SIGKILL)
    rest, errors = child.communicate(timeout=30)
    acked.extend(int(line.split()[1]) for line in rest.splitlines() if line.startswith("acked"))
    assert child.returncode == -signal.SIGKILL, errors
    assert acked, f"the writer acknowledged nothing before it was killed: {errors}"
    return acked


def test_kill_9_while_writing_loses_nothing_acknowledged(tmp_path: Path) -> None:
    rng = random.Random(20261123)
    instance = tmp_path / "instance"
    seen = 0
    for _ in range(ROUNDS):
        acked = _run_and_kill(instance, rng)
        ledger = Ledger.open(instance, origin=ORIGIN)  # refuses a store behind its signed head
        stored = ledger.store.all_entries()
        assert [seq for seq, _, _ in stored] == list(range(len(stored)))  # dense, no gap
        assert max(acked) < len(stored), "an acknowledged entry was lost"
        assert len(stored) > seen  # the round added entries
        assert len(ledger.state.members) == len(stored) - 1  # each entry after the first admits one
        seen = len(stored)
        ledger.close()
    ledger = Ledger.open(instance, origin=ORIGIN)
    ledger.checkpoint()
    write_bundle(tmp_path / "bundle", entries=ledger.entry_bytes(),
                 checkpoints=list(ledger.checkpoints()), vkey=ledger.vkey)
    ledger.close()
    report = verify(read_bundle(tmp_path / "bundle"), key=ledger.vkey)
    assert report.ok, report.failure
    assert report.counts.entries == seen

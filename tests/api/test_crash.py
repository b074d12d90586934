"""Crashes in the middle of writing (docs/architecture.md D1, D3): nothing acknowledged is lost.

A child process logs one member after another through a ledger on SQLite and prints
``acked N`` after each commit; the test kills it with SIGKILL at a random moment, over
several rounds, and after each one reopens the ledger itself. Reopening is the small fsck
(INV-FSCK): the stored tree must hold the last signed checkpoint. Then every acknowledged
entry must be there, the log dense from 0, the state its replay, and at the end the
published bundle must verify, checkpoints signed across the crashes included. The
failpoint tests kill the writer at a chosen point of a write instead of at random.
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
from api.storage import StoredSignerState
from audit.bundle import read_bundle, write_bundle
from audit.report import Report
from audit.signer_state import FileSignerState
from audit.verify import verify
from tests.api.crash_child import AT, FAILPOINTS, ORIGIN
from tests.conftest import ROOT
from voting import commands as c

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


def _published_bundle_verifies(ledger: Ledger, directory: Path) -> Report:
    """Sign the latest size, write the ledger's bundle, close it, and verify the bundle."""
    ledger.checkpoint()
    write_bundle(directory, entries=ledger.entry_bytes(),
                 checkpoints=list(ledger.checkpoints()), vkey=ledger.vkey)
    ledger.close()
    report = verify(read_bundle(directory), key=ledger.vkey)
    assert report.ok, report.failure
    return report


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
    assert _published_bundle_verifies(ledger, tmp_path / "bundle").counts.entries == seen


@pytest.mark.parametrize("failpoint", FAILPOINTS)
def test_a_crash_at_each_point_of_a_write_leaves_a_ledger_that_reopens(
        tmp_path: Path, failpoint: str) -> None:
    """docs/architecture.md D3: the writer dies at a chosen point of its sixth write. Reopening
    finds the store and the signer consistent, the next write is signed, and the bundle
    verifies. ``after_commit``: the unacknowledged entry was committed, so it is logged.
    ``after_sign``: the signature never left the process and its head's row was never
    committed, so nothing remembers it; the size is signed again as the server starts."""
    instance = tmp_path / "instance"
    child = subprocess.run(
        [sys.executable, "-m", "tests.api.crash_child", str(instance), failpoint, "5"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert child.returncode == 137, child.stderr
    acked = [int(line.split()[1]) for line in child.stdout.splitlines()]
    assert len(acked) == 5
    ledger = Ledger.open(instance, origin=ORIGIN)
    stored = ledger.store.all_entries()
    assert [seq for seq, _, _ in stored] == list(range(len(stored)))
    assert len(stored) == max(acked) + 2  # the crashed write's entry was committed
    stored_notes = [int(note.split("\n")[1]) for note in ledger.checkpoints()]
    assert max(stored_notes) == len(stored) - 1  # the crashed write's note never got stored
    # after_commit died before signing; after_sign after signing, before the commit that
    # would have kept the head's row and note (the file follows that commit): either way
    # the signed head is the one before, and start-up signing brings both to the log's size.
    head = FileSignerState(instance / "signer.state").load()
    shared = StoredSignerState(ledger.store).stored()
    assert head is not None and shared == head
    assert head.size == len(stored) - 1
    signed = ledger.sign_head()
    assert signed is not None and signed.checkpoint.size == len(stored)
    assert StoredSignerState(ledger.store).stored() == signed.checkpoint
    assert FileSignerState(instance / "signer.state").load() == signed.checkpoint
    ledger.submit(c.AdmitMember(AT, "s", member="late", name="Late"))
    _published_bundle_verifies(ledger, tmp_path / "bundle")

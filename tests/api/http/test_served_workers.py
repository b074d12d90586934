"""``tellers serve --workers 2`` on 127.0.0.1: a burst of members' votes through two processes,
every one receipted, and the served bundle verifying with every receipt."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from audit.receipt import parse_receipt
from tests.api.http.served import ROOT, TELLERS, Served, burst, ready_body

pytestmark = [pytest.mark.api, pytest.mark.slow]

MEMBERS = 24


def test_a_burst_of_votes_through_two_workers_is_all_receipted_and_verifies(
        tmp_path: Path) -> None:
    with Served(tmp_path / "instance", workers=2, threads=4) as served:
        assert "serving" in "".join(served.output) and "2 workers" in "".join(served.output)
        ready = ready_body(served, MEMBERS)
        casts = burst(served, ready)
        assert sorted(cast.status for cast in casts) == [201] * MEMBERS, \
            [(cast.status, cast.answer) for cast in casts if cast.status != 201]
        entries = sorted(cast.answer["entry"] for cast in casts)
        assert entries == list(range(entries[0], entries[0] + MEMBERS))  # no gap, no double
        for cast in casts:
            assert cast.answer["member"] == cast.member
            assert parse_receipt(cast.answer["receipt"]).index == cast.answer["entry"]
        # a second cast by anyone is refused, whichever worker takes it
        again = burst(served, ready, clients=4)
        assert {cast.status for cast in again} == {409}
        client = served.client()
        size = client.ok("GET", f"/api/v1/bodies/{ready.body}")["size"]
        assert size == entries[-1] + 1
        state = tmp_path / "state"
        receipts = tmp_path / "receipts"
        receipts.mkdir()
        for cast in casts:
            (receipts / f"{cast.member}.proof").write_text(cast.answer["receipt"])
        url = f"http://127.0.0.1:{served.port}/api/v1/bodies/{ready.body}/bundles/latest/"
        verified = subprocess.run(
            [*TELLERS, "verify", url, "--key", ready.vkey, "--state-dir", str(state),
             *(arg for proof in sorted(receipts.iterdir()) for arg in ("--receipt", str(proof)))],
            cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "OK: every check holds" in verified.stdout
        client.close()
    assert "Traceback" not in "".join(served.output), "".join(served.output)


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(item) for item in found.read_text().split()] if found.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_stopping_the_server_stops_every_worker(tmp_path: Path) -> None:
    with Served(tmp_path / "instance", workers=2, threads=2) as served:
        assert served.process is not None
        workers = _children(served.process.pid)
        assert len(workers) == 2, workers
        assert all(_alive(pid) for pid in workers)
    assert served.process.returncode is not None
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)

"""A ledger's bundle written and checked by `tellers verify` in another process, which shares
no memory (no registry, no rules) with the one that wrote it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from api.ledger import Ledger
from tests.conftest import ROOT


def verified_elsewhere(ledger: Ledger, where: Path) -> tuple[Path, str]:
    """Write ``ledger``'s bundle under ``where``, close the ledger, and verify the bundle with
    its key in a fresh interpreter; the bundle folder and what the verifier printed. The
    verifier must exit 0 having checked the replay and the minutes."""
    bundle = where / "bundle"
    ledger.write_bundle(bundle)
    ledger_key = ledger.vkey
    ledger.close()
    result = subprocess.run(
        [sys.executable, "-c", "from api.cli import main; main()", "verify", str(bundle),
         "--key", ledger_key, "--state-dir", str(where / "state")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "C-REPLAY" in result.stdout and "C-MINUTES" in result.stdout
    return bundle, result.stdout

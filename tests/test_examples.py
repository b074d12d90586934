"""The examples in ``examples/`` run as the README says, and show what they claim."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_the_embedding_example_runs_a_meeting_and_checks_a_receipt() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "embedding.py")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "refused: the vote on amendment 1" in out  # bad input: a clear error
    assert "That we ballot all members on a rent strike from April." in out
    assert "\ncarried\n" in out
    assert "Ana's vote is entry 24, under the checkpoint of size 28 signed by " \
           "tenants.example/log" in out

"""docs/tutorial.md runs: its Python blocks, in order, in one namespace, without an error.

So the tutorial cannot go stale: a renamed command, a changed message or a new rule that
breaks a step fails this test.
"""

from __future__ import annotations

import contextlib
import io
import re

from tests.conftest import ROOT

TUTORIAL = ROOT / "docs" / "tutorial.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def blocks() -> list[str]:
    return BLOCK.findall(TUTORIAL.read_text(encoding="utf-8"))


def test_the_tutorial_has_its_steps() -> None:
    code = "\n".join(blocks())
    assert len(blocks()) >= 10
    for step in ("FoundBody(", "AdmitMember(", "ConveneMeeting(", "RecordAttendance(",
                 "MoveMotion(", "SecondMotion(", "MoveAmendment(", "OpenBallot(",
                 'method="secret"', "minutes_of(", "verify_receipt("):
        assert step in code, step
    # Only the public surface: no reaching into the packages' modules.
    imports = re.findall(r"^\s*(?:from|import) (\S+)", code, re.MULTILINE)
    assert set(imports) <= {"voting", "audit", "secrets"}, imports


def test_every_block_of_the_tutorial_runs_in_order() -> None:
    namespace: dict[str, object] = {"__name__": "tutorial"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for number, block in enumerate(blocks(), start=1):
            try:
                exec(compile(block, f"{TUTORIAL.name} block {number}", "exec"), namespace)
            except Exception as error:
                raise AssertionError(f"block {number} of docs/tutorial.md failed: "
                                     f"{type(error).__name__}: {error}\n{block}") from error
    printed = out.getvalue()
    assert "refused: only the chair" in printed
    assert "from April." in printed
    assert "in the log of" in printed

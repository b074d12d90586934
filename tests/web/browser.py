"""A real browser for the page tests: Playwright for Python driving the system's chromium.

Playwright never downloads a browser here (``PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1``): it
launches Debian's ``/usr/bin/chromium`` (``apt-get install chromium``, which ``.ci/run``
does when it is missing). Screenshots go to ``test-artifacts/screenshots/`` at the
repository root, written by each run and ignored by git; look at them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("TELLERS_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SERIOUS = frozenset({"serious", "critical"})

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save the page (or one element, given a locator) as
    ``test-artifacts/screenshots/<name>.png``; the path."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name):
        raise ValueError(f"{name!r} is not a plain file name")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    if hasattr(page, "goto"):
        page.screenshot(path=str(target), full_page=full_page)
    else:  # a locator: just that element
        page.screenshot(path=str(target))
    return target


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run the vendored axe-core on the page (WCAG 2.x A and AA rules and best practices);
    every violation it finds."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found: dict[str, Any] = page.evaluate(
        """async () => await window.axe.run(document, {resultTypes: ['violations']})""")
    violations: list[dict[str, Any]] = found["violations"]
    return violations


def assert_no_serious_axe_violations(page: Any) -> None:
    """Fail, naming each rule and the elements it flagged, when axe-core finds a serious or
    critical violation on the page."""
    serious = [v for v in axe_violations(page) if v.get("impact") in SERIOUS]
    if serious:
        shown = [{"rule": v["id"], "impact": v["impact"], "help": v["help"],
                  "nodes": [n["target"] for n in v["nodes"]][:5]} for v in serious]
        raise AssertionError(f"axe-core found serious violations on {page.url}:\n"
                             + json.dumps(shown, indent=2))

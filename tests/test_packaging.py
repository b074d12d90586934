"""The wheel holds exactly the four packages; the core is typed and linted clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = {"voting", "tallying", "audit", "api"}


@pytest.mark.slow
def test_wheel_holds_exactly_the_four_packages(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    # build leaves build/ and *.egg-info behind in the source tree
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    (wheel,) = tmp_path.glob("tellers-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == PACKAGES
    for package in PACKAGES:
        assert f"{package}/py.typed" in names
        assert f"{package}/__init__.py" in names
    assert not [name for name in names if name.startswith("tests/")]
    # the service's schema migrations ship inside the package (tellers db upgrade reads them)
    migrations = {p.relative_to(ROOT).as_posix() for p in (ROOT / "api" / "migrations").rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts}
    assert "api/migrations/env.py" in migrations
    assert "api/migrations/script.py.mako" in migrations
    assert any(name.startswith("api/migrations/versions/r0001") for name in migrations)
    assert migrations <= set(names), migrations - set(names)
    # the pages' templates, stylesheet and scripts ship inside the package too (api.web)
    web = {p.relative_to(ROOT).as_posix() for folder in ("templates", "static")
           for p in (ROOT / "api" / "web" / folder).rglob("*") if p.is_file()}
    assert "api/web/templates/base.html" in web and "api/web/static/tellers.css" in web
    assert web <= set(names), web - set(names)


@pytest.mark.slow
def test_every_package_is_mypy_strict_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "voting", "tallying", "audit", "api"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "voting", "tallying", "audit", "api", "tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_imports_no_shell() -> None:
    """docs/architecture.md, convention 1: the core imports only stdlib, cryptography, rfc8785."""
    forbidden = ("flask", "sqlalchemy", "api", "datetime.now", "time.time", "random")
    for package in ("voting", "tallying", "audit"):
        for path in (ROOT / package).rglob("*.py"):
            if package == "audit" and path.stem in {"verify", "bundle"}:
                continue
            text = path.read_text(encoding="utf-8")
            for line in text.splitlines():
                stripped = line.strip()
                if not stripped.startswith(("import ", "from ")) and "now(" not in stripped:
                    continue
                for name in forbidden:
                    if stripped.startswith((f"import {name}", f"from {name} ", f"from {name}.")):
                        pytest.fail(f"{path.relative_to(ROOT)} imports {name}: {stripped}")
                if "datetime.now(" in stripped or "time.time(" in stripped:
                    pytest.fail(f"{path.relative_to(ROOT)} reads the clock: {stripped}")

"""Test configuration: Hypothesis profiles and the test data kept in ``tests/data``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.register_profile("nightly", deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def data_path(*parts: str) -> Path:
    """A file under ``tests/data`` (conformance vectors, real elections).

    Each folder's README.md says where every file in it comes from and under
    which licence; ``tests/test_data.py`` holds the folder to that list.
    """
    path = DATA.joinpath(*parts)
    if not path.is_file():
        pytest.fail(f"{path} is missing: every file the tests read is in tests/data")
    return path

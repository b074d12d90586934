"""When the PostgreSQL tests run, skip, or fail: ``tests.postgres.require_server``.

Without the server binaries a developer's run skips them and says why; under
``CI=true`` the same absence fails, so CI cannot pass with them quietly skipped.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests import postgres

pytestmark = pytest.mark.unit


def _installed(*names: str) -> Callable[[str], str | None]:
    def lookup(name: str) -> str | None:
        return f"/opt/pg/bin/{name}" if name in names else None

    return lookup


@pytest.fixture(autouse=True)
def _no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)


def test_with_both_binaries_the_tests_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "_binary", _installed("initdb", "pg_ctl"))
    for value in (None, "true"):
        if value is not None:
            monkeypatch.setenv("CI", value)
        assert postgres.missing_binaries() == ()
        postgres.require_server()  # neither skips nor fails


def test_without_the_binaries_a_local_run_skips_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(postgres, "_binary", _installed())
    with pytest.raises(pytest.skip.Exception, match=r"not installed \(initdb, pg_ctl not on PATH"):
        postgres.require_server()


def test_one_missing_binary_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "_binary", _installed("initdb"))
    assert postgres.missing_binaries() == ("pg_ctl",)
    with pytest.raises(pytest.skip.Exception, match=r"\(pg_ctl not on PATH"):
        postgres.require_server()


@pytest.mark.parametrize("value", ["true", "TRUE", "1"])
def test_under_ci_a_missing_server_is_a_failure(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setattr(postgres, "_binary", _installed("pg_ctl"))
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match=r"initdb.*CI=true"):
        postgres.require_server()


@pytest.mark.parametrize("value", ["", "false", "0", "no"])
def test_ci_set_to_anything_else_still_skips(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setattr(postgres, "_binary", _installed())
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception):
        postgres.require_server()


def test_the_lookup_finds_debian_s_versioned_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    """Off PATH, a binary under /usr/lib/postgresql/<version>/bin is found (newest first)."""
    seen: list[str] = []

    class FakePath:
        def __init__(self, text: str) -> None:
            self.text = text

        def exists(self) -> bool:
            seen.append(self.text)
            return self.text == "/usr/lib/postgresql/15/bin/initdb"

        def __str__(self) -> str:
            return self.text

    monkeypatch.setattr("tests.postgres.shutil.which", lambda name: None)
    monkeypatch.setattr("tests.postgres.Path", FakePath)
    assert postgres._binary("initdb") == "/usr/lib/postgresql/15/bin/initdb"
    assert seen == [f"/usr/lib/postgresql/{v}/bin/initdb" for v in ("17", "16", "15")]
    assert postgres._binary("pg_ctl") is None

"""Fixtures shared by the tests of the library and of the service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres import postgres_server, require_server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for the whole run, started from the local binaries when a test
    first asks for it (the test is skipped, with the reason, where none can be started;
    under ``CI=true`` it fails instead: :func:`tests.postgres.require_server`)."""
    require_server()
    with postgres_server() as url:
        yield url

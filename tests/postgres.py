"""A private PostgreSQL server for the tests, started from the machine's binaries.

The server refuses to run as root, so as root it is run as the ``postgres``
user (``runuser``); otherwise as the current user. It listens on 127.0.0.1
only, on a free port, with ``fsync`` and ``synchronous_commit`` left on.

Where the server binaries are not installed, :func:`require_server` skips the
tests that need one and says why; under ``CI=true`` (set by CI services) the
same absence is a failure, so a CI run can never pass with the PostgreSQL tests
quietly skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["missing_binaries", "postgres_server", "require_server"]

SERVER_BINARIES = ("initdb", "pg_ctl")
VERSIONS = ("17", "16", "15", "14")  # Debian's /usr/lib/postgresql/<version>/bin, newest first


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for version in VERSIONS:
        candidate = Path(f"/usr/lib/postgresql/{version}/bin/{name}")
        if candidate.exists():
            return str(candidate)
    return None


def missing_binaries() -> tuple[str, ...]:
    """The server binaries this machine lacks (none when the tests can start a server)."""
    return tuple(name for name in SERVER_BINARIES if _binary(name) is None)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def require_server() -> None:
    """Skip the calling test, with the reason, when no server can be started here.

    Under ``CI=true`` the missing binaries fail the test instead: CI must run
    against a real server, and a skip there would hide that it did not.
    """
    missing = missing_binaries()
    if not missing:
        return
    reason = (
        f"PostgreSQL server binaries not installed ({', '.join(missing)} not on PATH "
        f"nor in /usr/lib/postgresql/{{{','.join(VERSIONS)}}}/bin)"
    )
    if _in_ci():
        pytest.fail(f"{reason}; CI=true, where the PostgreSQL tests must run", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a throwaway server; yield a SQLAlchemy URL base (without a database name)."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    root = Path(tempfile.mkdtemp(prefix="tellers-pg-"))
    data = root / "data"
    if as_root:
        shutil.chown(root, "postgres")
    port = _free_port()
    try:
        subprocess.run(
            [*prefix, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
        options = f"-h 127.0.0.1 -p {port} -k {root}"
        subprocess.run(
            [
                *prefix,
                pg_ctl,
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
        finally:
            subprocess.run(
                [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                check=False,
                capture_output=True,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(server: str, name: str) -> str:
    """A new, empty database ``name`` on ``server`` (one of the same name dropped first); its
    URL."""
    from sqlalchemy import create_engine, text

    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return f"{server}/{name}"


def database_name(prefix: str, request: pytest.FixtureRequest) -> str:
    """A database name of the test ``request`` runs: ``prefix`` and its name's letters and
    digits (PostgreSQL names are at most 63 bytes)."""
    return prefix + "".join(ch for ch in request.node.name.lower() if ch.isalnum())[:50]

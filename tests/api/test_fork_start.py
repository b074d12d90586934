"""``tellers serve --workers N`` forks its workers from an instance with every body open: the
workers start from the ledgers the parent replayed (to sign each head) instead of replaying
every body again, and no database connection crosses the fork."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.app import create_app
from api.auth import rfc3339
from api.commands.serve import DEMO_BODY, opened
from voting import commands as c

pytestmark = pytest.mark.api


def test_the_app_of_a_worker_uses_the_opened_instance_and_its_ledgers(tmp_path: Path) -> None:
    instance, invite = opened(tmp_path / "instance", base="http://h", echo=False, demo=True)
    try:
        assert invite is not None
        ledger = instance.ledger(DEMO_BODY)
        app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")}, instance=instance)
        assert app.extensions["tellers"] is instance
        assert instance.ledger(DEMO_BODY) is ledger  # not opened (replayed) again
        answer = app.test_client().get(f"/api/v1/bodies/{DEMO_BODY}/members")
        assert answer.status_code == 200 and len(answer.json) == len(ledger.state.members)
    finally:
        instance.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_a_forked_worker_writes_through_connections_of_its_own(tmp_path: Path) -> None:
    """After ``release_connections`` the parent holds no connection; a child forked then
    writes to the body (its own connections, its own lock file) and the parent, and any
    fresh process, sees the write."""
    instance, _ = opened(tmp_path / "instance", base="http://h", echo=False, demo=True)
    ledger = instance.ledger(DEMO_BODY)
    size = ledger.log.size
    queue = ledger.store._queue
    assert queue is not None
    parent_fd = queue._fd
    instance.release_connections()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        code = 1
        try:
            os.close(read)
            moment = rfc3339(datetime.now(UTC))
            ledger.submit(c.AdmitMember(moment, "m02", member="m99", name="New Member"),
                          sign=True)
            os.write(write, f"{queue._pid} {queue._fd}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    told = os.read(read, 100).decode().split()
    os.close(read)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert told[0] == str(pid)  # the child opened the lock file for itself
    assert queue._pid == os.getpid() and queue._fd == parent_fd
    assert ledger.refresh() == ledger.log.size - size > 0
    assert ledger.state.member("m99").name == "New Member"
    instance.close()
    fresh, _ = opened(tmp_path / "instance", base="http://h", echo=False)
    try:
        again = fresh.ledger(DEMO_BODY)
        assert again.log.root() == ledger.log.root() and again.state == ledger.state
    finally:
        fresh.close()

"""Writers of one SQLite store queue on a lock file beside it (``api.storage.Store``)."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from sqlalchemy import func, insert, select

from api.storage import Store, checkpoints


def test_the_lock_file_is_the_owners_alone(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'log.sqlite3'}")
    with store.transaction():
        pass
    lock = tmp_path / "log.sqlite3.lock"
    assert lock.exists()
    assert stat.S_IMODE(lock.stat().st_mode) & 0o077 == 0
    store.close()


def test_a_second_writer_starts_after_the_first_commits(tmp_path: Path) -> None:
    """Two stores on one file, as two processes hold them: the second writer's transaction
    begins only once the first has committed, so it sees the first one's row."""
    url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    first, second = Store(url), Store(url)
    seen: list[int] = []
    holding = threading.Event()

    def later() -> None:
        holding.wait()
        with second.transaction() as conn:
            seen.append(conn.execute(select(func.count()).select_from(checkpoints)).scalar_one())
            conn.execute(insert(checkpoints).values(size=2, note="second"))

    thread = threading.Thread(target=later)
    thread.start()
    with first.transaction() as conn:
        holding.set()
        conn.execute(insert(checkpoints).values(size=1, note="first"))
    thread.join()
    assert seen == [1]
    assert first.all_checkpoints() == ["first", "second"]
    first.close()
    second.close()


def test_registry_writers_queue_on_the_lock_file_too(tmp_path: Path) -> None:
    """The registry's writes (``api.db.write``) queue as the stores' do: two engines on one
    file, as two worker processes hold them; the second begins once the first commits."""
    from datetime import UTC, datetime

    from api.db import BodyRow, _queue_of, registry_engine, upgrade, write

    url = f"sqlite:///{tmp_path / 'tellers.sqlite3'}"
    first, second = registry_engine(url), registry_engine(url)
    upgrade(first)
    queue = _queue_of(first)
    assert queue is not None and queue is _queue_of(first) and queue is not _queue_of(second)
    assert (tmp_path / "tellers.sqlite3.lock").exists()
    seen: list[int] = []
    holding = threading.Event()
    moment = datetime.now(UTC).isoformat()

    def later() -> None:
        holding.wait()
        with write(second) as conn:
            seen.append(conn.execute(select(func.count()).select_from(BodyRow)).scalar_one())
            conn.execute(insert(BodyRow).values(id="b", name="B", origin="o/b",
                                                created_at=moment))

    thread = threading.Thread(target=later)
    thread.start()
    with write(first) as conn:
        holding.set()
        thread.join(0.3)
        assert thread.is_alive()  # waiting for the first writer to commit
        conn.execute(insert(BodyRow).values(id="a", name="A", origin="o/a", created_at=moment))
    thread.join()
    assert seen == [1]
    assert _queue_of(registry_engine("sqlite://")) is None
    first.dispose()
    second.dispose()

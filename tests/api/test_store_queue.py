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

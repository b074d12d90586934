"""Writers of one SQLite file queue in the kernel, not in SQLite's busy handler.

SQLite lets one writer at a time hold a database (``BEGIN IMMEDIATE``); another that finds it
held is polled by SQLite's busy handler, which sleeps 1, 2, 5, 10 ... up to 100 ms between
tries, so under load a writer may sleep long after the database was released. A
:class:`WriterQueue` has each writer take an advisory lock (``flock``, flock(2)) on a file
beside the database before it begins: one writing thread of a process at a time, and the
processes in the kernel's queue, each woken the moment the one before it lets go. The lock
only orders writers; ``BEGIN IMMEDIATE`` still keeps them apart, so a writer that does not
queue (another program) is safe, only slower.
"""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["WriterQueue"]

_held = threading.local()  # the lock files' inodes this thread holds


class WriterQueue:
    """The queue of the writers of the SQLite database ``database`` (a path), on the file
    ``<database>.lock`` (the owner's only). A process forked from the one that made it
    opens the file again for itself: one open file shared across a fork would be one lock
    for parent and child alike (flock(2))."""

    def __init__(self, database: str) -> None:
        self._path = f"{database}.lock"
        self._fd: int | None = None
        self._pid = 0
        self._inode = 0
        self._closing: Callable[[], object] | None = None
        self._depth = 0  # how deep this process's writing thread holds it
        self._local = threading.RLock()
        self._open()

    def _open(self) -> None:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self._fd, self._pid, self._inode = fd, os.getpid(), os.fstat(fd).st_ino
        self._closing = weakref.finalize(self, os.close, fd)  # closed with the queue

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the queue's head for a write transaction (re-entrant in one thread)."""
        with self._local:
            if self._pid != os.getpid() and self._fd is not None:  # forked: its own file
                if self._closing is not None:
                    self._closing()  # this process's copy of the parent's
                self._depth = 0
                self._open()
            fd = self._fd if self._depth == 0 else None
            inode = self._inode
            held: set[int] = _held.__dict__.setdefault("inodes", set())
            if fd is not None and inode in held:  # this thread holds it through another
                fd = None  # queue of the same file: waiting for itself would never end
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
                held.add(inode)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if fd is not None:
                    held.discard(inode)
                    fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._local:
            self._fd = None
            if self._closing is not None:
                self._closing()  # once: a second call does nothing

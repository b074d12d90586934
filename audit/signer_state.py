"""The log signer's memory on disk: the last signed checkpoint body, replaced atomically.

This is the one module of the audit core that touches files. The file holds
the plain checkpoint body (c2sp.org/tlog-checkpoint), readable by an
operator. A save writes a sibling temporary file, fsyncs it, renames it over
the old one with ``os.replace`` (atomic on POSIX), then fsyncs the directory
so the rename itself survives a crash. A reader therefore sees the old head
or the new one, never a torn one.

A missing file means "never signed". A file that exists but does not parse
raises :class:`audit.errors.StateError`: the signer then signs nothing, rather
than forget what it signed. One process signs for a log at a time; the file is
not a lock.
"""

from __future__ import annotations

import os
from pathlib import Path

from audit.checkpoint import Checkpoint, parse_checkpoint
from audit.errors import AuditError, StateError

__all__ = ["FileSignerState"]


class FileSignerState:
    """A :class:`audit.signer.SignerState` kept in one file."""

    __slots__ = ("_path",)

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(path)

    @property
    def path(self) -> Path:
        return self._path

    def load(self) -> Checkpoint | None:
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return parse_checkpoint(raw.decode("utf-8"))
        except (UnicodeDecodeError, AuditError) as exc:
            raise StateError(f"signer state {self._path} is unreadable: {exc}") from exc

    def save(self, checkpoint: Checkpoint) -> None:
        data = checkpoint.body().encode("utf-8")
        temporary = self._path.with_name(self._path.name + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, self._path)
        directory = os.open(self._path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

"""A witness's memory on disk: the last checkpoint it cosigned, per origin.

One JSON file of ``{origin: checkpoint body}``, replaced atomically (write a
temporary file, fsync, rename), so a crash leaves either the old memory or
the new one. :meth:`replace` is a compare-and-swap against what is on disk:
a witness never cosigns backwards, even after a restart. One process at a
time: the file is not a lock.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from audit.checkpoint import Checkpoint, parse_checkpoint
from audit.errors import ConsistencyError, StateError

__all__ = ["FileWitnessState"]


class FileWitnessState:
    """A :class:`audit.witness.WitnessState` kept in one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise StateError(f"witness state {self.path} is unreadable: {error}") from error
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise StateError(f"witness state {self.path} is not a map of origins to checkpoints")
        return data

    def latest(self, origin: str) -> Checkpoint | None:
        body = self._load().get(origin)
        return None if body is None else parse_checkpoint(body)

    def replace(self, origin: str, expected: Checkpoint | None, new: Checkpoint) -> None:
        data = self._load()
        current = data.get(origin)
        if (current is None) != (expected is None) or (
            expected is not None and current != expected.body()
        ):
            raise ConsistencyError(f"the witness state for {origin} changed under us")
        data[origin] = new.body()
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(data, handle, sort_keys=True, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

"""The last checkpoint this machine verified, per log: the member's memory against rollback.

docs/threat-model.md C5 (the rekor-monitor pattern): a verifier that remembers the
latest checkpoint it accepted for an origin can demand that every later
bundle extends it, so a rollback to a smaller tree, a rewritten history or a
fork shown only to this member is caught (check ``C-KNOWN``). It also
remembers the log key for the origin (``C-KEY``): **pinned** when the member
gave it (``tellers verify --key``), so that later runs without ``--key``
verify against it; only **seen** when it was taken from a bundle, which
still catches a later change of key but is trusted for nothing.

The file is small JSON::

    {"version": 1,
     "logs": {"<origin>": {"size": N, "root": "<base64>", "vkey": "<vkey>",
                           "pinned": true,
                           "checkpoint": "<the signed note, verbatim>"}},
     "replaced": [{"origin": "<origin>", "size": N, ...}, ...]}

An entry without ``pinned`` (written before pins were told apart) counts as
seen, not pinned. ``replaced`` keeps, as evidence, every entry that a member
replaced on purpose (:meth:`KnownState.replacing`: ``tellers verify --key NEW
--replace-pin``); a member may also delete an origin's entry by hand.

It is written only after every check passed, by replacing the file
atomically (a temporary file and ``os.replace``). An unreadable file raises
:class:`audit.errors.StateError` rather than be forgotten.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.errors import StateError

__all__ = ["KnownCheckpoint", "KnownState"]


@dataclass(frozen=True, slots=True)
class KnownCheckpoint:
    """The last checkpoint verified for an origin here: its size, root, key and signed note,
    and whether the key was pinned by the member (``False``: only seen in a bundle)."""

    origin: str
    size: int
    root_hash: bytes
    vkey: str
    note: str
    pinned: bool = False


class KnownState:
    """The last checkpoint this machine verified, per origin, in one small JSON file.

    The rekor-monitor pattern (docs/threat-model.md C5): a member's verifier keeps
    the latest checkpoint it accepted and demands that every later bundle
    extends it, so a rollback, a rewritten history or a fork shown only to
    this member is caught. Writes replace the file atomically.
    """

    __slots__ = ("_path", "_replacing")

    FILE_NAME = "known.json"

    def __init__(self, path: str | os.PathLike[str], *, replacing: str | None = None) -> None:
        self._path = Path(path)
        self._replacing = replacing

    def replacing(self, origin: str) -> KnownState:
        """The same file, with what it holds for ``origin`` set aside: :meth:`get` says this
        machine never verified it, and :meth:`record` moves the old entry to ``replaced``
        (kept as evidence) instead of overwriting it. For a member who confirmed with the
        body that its log key changed (docs/verifying.md, "When the key changes")."""
        return KnownState(self._path, replacing=origin)

    @classmethod
    def in_directory(cls, directory: str | os.PathLike[str] | None = None) -> KnownState:
        """The state file in ``directory``, by default ``$XDG_STATE_HOME/tellers`` or
        ``~/.local/state/tellers``."""
        if directory is None:
            base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
            directory = Path(base) / "tellers"
        return cls(Path(directory) / cls.FILE_NAME)

    @property
    def path(self) -> Path:
        return self._path

    def _load(self) -> dict[str, Any]:
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            return {"version": 1, "logs": {}}
        except OSError as exc:
            raise StateError(f"cannot read {self._path}: {exc.strerror}") from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise StateError(f"{self._path} is not JSON") from None
        if not isinstance(data, dict) or data.get("version") != 1 \
                or not isinstance(data.get("logs"), dict) \
                or not isinstance(data.get("replaced", []), list):
            raise StateError(f"{self._path} is not a tellers known-checkpoint file")
        return data

    def get(self, origin: str) -> KnownCheckpoint | None:
        """The last checkpoint verified for ``origin``, or ``None`` the first time (or when
        this view is :meth:`replacing` it)."""
        item = self._load()["logs"].get(origin)
        if item is None or origin == self._replacing:
            return None
        try:
            pinned = item.get("pinned", False)
            if not isinstance(pinned, bool):
                raise TypeError(pinned)
            return KnownCheckpoint(
                origin, int(item["size"]), base64.b64decode(item["root"], validate=True),
                str(item["vkey"]), str(item["checkpoint"]), pinned,
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise StateError(f"{self._path}: the entry for {origin!r} is damaged") from None

    def record(self, known: KnownCheckpoint) -> None:
        """Remember ``known`` as the latest for its origin (atomically replacing the file);
        an entry this view is :meth:`replacing` goes to ``replaced``. A key once pinned stays
        pinned."""
        data = self._load()
        logs = data["logs"]
        old = logs.get(known.origin)
        if known.origin == self._replacing and old is not None:
            data.setdefault("replaced", []).append({"origin": known.origin, **old})
            old = None
        pinned = known.pinned or (isinstance(old, dict) and old.get("pinned") is True
                                  and old.get("vkey") == known.vkey)
        logs[known.origin] = {
            "size": known.size,
            "root": base64.b64encode(known.root_hash).decode("ascii"),
            "vkey": known.vkey,
            "pinned": pinned,
            "checkpoint": known.note,
        }
        temporary = self._path.with_name(self._path.name + ".tmp")
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n",
                                 encoding="utf-8")
            os.replace(temporary, self._path)
        except OSError as exc:
            raise StateError(f"cannot write {self._path}: {exc.strerror}") from None

"""Checkpoint bodies: a log's origin, size and root hash (c2sp.org/tlog-checkpoint).

The body is at least three non-empty lines, each ending in a newline:

1. the **origin**, the log's unique name (we use the log key's name);
2. the **tree size** in ASCII decimal, no leading zeroes (``0`` for empty);
3. the **root hash**, base64 of the RFC 9162 §2.1.1 Merkle Tree Hash;
4. optional, non-empty, opaque **extension lines**.

Parsing is strict: a blank extension line, a size with a leading zero, a
size beyond 2**63 - 1, non-canonical base64 or a control character is an
error. By default the root must also be a 32-byte SHA-256 hash; pass
``hash_size=None`` to check only the text layout.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from hashlib import sha256

from audit.errors import CheckpointError, NoteError
from audit.merkle import HASH_SIZE
from audit.note import b64decode

__all__ = [
    "MAX_TREE_SIZE",
    "Checkpoint",
    "format_checkpoint",
    "origin_hash",
    "parse_checkpoint",
    "parse_decimal",
]

MAX_TREE_SIZE = 2**63 - 1
"""The largest tree size (and index, and timestamp) we read: a signed 64-bit integer."""


def parse_decimal(text: str, what: str) -> int:
    """ASCII decimal with no leading zeroes (``0`` alone is allowed), at most 2**63 - 1."""
    if not text or not text.isascii() or not text.isdigit() or (text[0] == "0" and text != "0"):
        raise CheckpointError(f"{what} {text[:30]!r} is not a decimal without leading zeroes")
    if len(text) > 19 or int(text) > MAX_TREE_SIZE:
        raise CheckpointError(f"{what} {text[:30]} is larger than 2**63 - 1")
    return int(text)


_CONTROL = re.compile("[\x00-\x1f]")


def _check_line(line: str, what: str) -> str:
    if not line:
        raise CheckpointError(f"checkpoint {what} is empty")
    if _CONTROL.search(line):
        raise CheckpointError(f"checkpoint {what} holds a control character")
    return line


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's signed statement of its size and root hash, before it is signed."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if type(self.size) is not int or not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"tree size {self.size!r} is not between 0 and 2**63 - 1")
        if not isinstance(self.root_hash, bytes) or not self.root_hash:
            raise CheckpointError("checkpoint root hash is empty")
        for line in self.extensions:
            _check_line(line, "extension line")

    def body(self) -> str:
        """The note text of this checkpoint (c2sp.org/tlog-checkpoint, "Note text")."""
        return format_checkpoint(self.origin, self.size, self.root_hash, self.extensions)


def format_checkpoint(
    origin: str, size: int, root_hash: bytes, extensions: tuple[str, ...] = ()
) -> str:
    """``<origin>\\n<size>\\n<base64 root>\\n`` then the extension lines."""
    root_line = base64.b64encode(root_hash).decode("ascii")
    return "".join(f"{line}\n" for line in (origin, str(size), root_line, *extensions))


def parse_checkpoint(body: str, *, hash_size: int | None = HASH_SIZE) -> Checkpoint:
    """Parse a checkpoint body strictly (c2sp.org/tlog-checkpoint, "Note text")."""
    if not body.endswith("\n"):
        raise CheckpointError("checkpoint does not end with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("checkpoint has fewer than three lines")
    origin, size_line, root_line, *extensions = lines
    size = parse_decimal(size_line, "tree size")
    _check_line(root_line, "root hash")
    try:
        root_hash = b64decode(root_line, "root hash")
    except NoteError as exc:
        raise CheckpointError(str(exc)) from None
    if hash_size is not None and len(root_hash) != hash_size:
        raise CheckpointError(f"root hash is {len(root_hash)} bytes, not {hash_size}")
    return Checkpoint(origin, size, root_hash, tuple(extensions))


def origin_hash(origin: str) -> bytes:
    """SHA-256 of the origin line, the <origin hash> of c2sp.org/tlog-witness's monitoring path.

    A stable fixed-length key for storing per-log state.
    """
    return sha256(origin.encode("utf-8")).digest()

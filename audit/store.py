"""Where a Merkle tree keeps its hashes: the complete subtrees, by level and index.

A tree of ``n`` leaves is stored as the hashes of its *complete* subtrees
(RFC 9162 §2.1.1): level 0 holds the leaf hashes, and the hash at
``(level, index)`` is the Merkle Tree Hash of leaves
``[index * 2**level, (index + 1) * 2**level)``. These never change once
written, which is what lets c2sp.org/tlog-tiles serve them as immutable
tiles, and with them the root of any prefix and any proof costs O(log n)
reads (:mod:`audit.merkle`).

Appending leaf ``i`` adds its leaf hash and the hash of every subtree that
leaf completes: ``1 + t`` hashes, where ``t`` is the number of trailing one
bits of ``i`` (:func:`stored_hash_count`), so two on average.

:class:`HashStore` is the protocol a store meets (the SQL store lives in
``api/``); :class:`MemoryStore` keeps everything in lists. The tile helpers
at the end give the c2sp.org/tlog-tiles view of the same hashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from audit.errors import ProofError

__all__ = [
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "HashStore",
    "MemoryStore",
    "TileCount",
    "stored_hash_count",
    "tile_counts",
    "tile_hashes",
    "tile_path",
]

_HASH_SIZE = 32


class HashStore(Protocol):
    """The complete-subtree hashes of one append-only Merkle tree."""

    def size(self) -> int:
        """The number of leaves stored."""
        ...

    def get_hash(self, level: int, index: int) -> bytes:
        """The hash of complete subtree ``index`` at ``level``; ``LookupError`` if absent."""
        ...

    def append_hashes(self, index: int, hashes: Sequence[bytes]) -> None:
        """Store leaf ``index`` (which must equal :meth:`size`) and the subtrees it completes.

        ``hashes[level]`` is the new hash at ``level``, index ``index >> level``;
        there are exactly :func:`stored_hash_count` of them. All or nothing.
        """
        ...

    def append_levels(self, index: int, levels: Sequence[Sequence[bytes]]) -> None:
        """Store many leaves at once, from leaf ``index`` (which must equal :meth:`size`).

        ``levels[level]`` is the run of new hashes at ``level``, from index
        ``index >> level`` on, as :meth:`audit.merkle.Frontier.extend` gives
        them. All or nothing.
        """
        ...


def stored_hash_count(index: int) -> int:
    """How many hashes appending leaf ``index`` stores: 1 + its trailing one bits."""
    if index < 0:
        raise ValueError(f"leaf index {index} is negative")
    return ((index + 1) & -(index + 1)).bit_length()


class MemoryStore:
    """A :class:`HashStore` held in memory: per level, the hashes end to end in one bytearray.

    32 bytes a hash and no object per hash, so a million-leaf tree's two
    million hashes take 64 MB and cost the allocator nothing to keep.
    """

    __slots__ = ("_levels",)

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]

    def size(self) -> int:
        return len(self._levels[0]) // _HASH_SIZE

    def get_hash(self, level: int, index: int) -> bytes:
        if level < 0 or index < 0 or level >= len(self._levels):
            raise LookupError(f"no stored hash at level {level}, index {index}")
        row = self._levels[level]
        start = index * _HASH_SIZE
        if start >= len(row):
            raise LookupError(f"no stored hash at level {level}, index {index}")
        return bytes(row[start:start + _HASH_SIZE])

    def append_hashes(self, index: int, hashes: Sequence[bytes]) -> None:
        """Append the hashes :class:`audit.merkle.Frontier` computed for leaf ``index``.

        The index and the count are checked; the hashes' form is checked on
        the leaf only (the rest come from :func:`audit.merkle.node_hash`).
        """
        levels = self._levels
        size = len(levels[0]) // _HASH_SIZE
        count = len(hashes)
        if index != size or count != ((index + 1) & ~index).bit_length():
            raise ProofError(
                f"leaf {index} of a tree of {size} stores "
                f"{stored_hash_count(index)} hashes, not {count}"
                if index >= 0 else f"leaf index {index} is negative"
            )
        leaf = hashes[0]
        if type(leaf) is not bytes or len(leaf) != _HASH_SIZE:
            raise ProofError("stored hashes are 32-byte SHA-256 values")
        if count > len(levels):
            levels.append(bytearray())
        for level, value in enumerate(hashes):
            levels[level] += value

    def append_levels(self, index: int, levels: Sequence[Sequence[bytes]]) -> None:
        """Append the hashes :meth:`audit.merkle.Frontier.extend` computed from leaf ``index``.

        Each level's count is checked against the leaves', and the leaves'
        form (the rest come from :func:`audit.merkle.node_hash`), before
        anything is stored.
        """
        rows = self._levels
        size = len(rows[0]) // _HASH_SIZE
        if index != size:
            raise ProofError(f"the next leaf of a tree of {size} is not {index}")
        end = index + (len(levels[0]) if levels else 0)
        for level, run in enumerate(levels):
            if (index >> level) + len(run) != end >> level:
                raise ProofError(f"{len(run)} hashes at level {level} do not match "
                                 f"{end - index} leaves from {index}")
        if (end >> len(levels)) != (index >> len(levels)):
            raise ProofError(f"leaves {index} to {end} complete subtrees above level "
                             f"{len(levels) - 1}, and none were given")
        leaves = levels[0] if levels else ()
        try:  # joined before anything is stored, so a bad hash anywhere changes nothing
            joined = [b"".join(run) for run in levels]
        except TypeError:
            raise ProofError("stored hashes are 32-byte SHA-256 values") from None
        if not set(map(len, leaves)) <= {_HASH_SIZE}:
            raise ProofError("stored hashes are 32-byte SHA-256 values")
        for level, hashes in enumerate(joined):
            if level == len(rows):
                rows.append(bytearray())
            rows[level] += hashes


# c2sp.org/tlog-tiles: the same hashes, grouped 256 to a tile.

TILE_HEIGHT = 8
"""Tree levels per tile (c2sp.org/tlog-tiles): a level-L tile holds tree level 8·L."""

TILE_WIDTH = 1 << TILE_HEIGHT
"""Hashes in a full tile."""


@dataclass(frozen=True, slots=True)
class TileCount:
    """The tiles at one tile level for a tree size (c2sp.org/tlog-tiles, "Partial Tiles")."""

    level: int
    full: int
    partial_width: int


def tile_counts(tree_size: int) -> tuple[TileCount, ...]:
    """Full tiles and the width of the partial one (0 if none), per tile level, for a size."""
    if tree_size < 0:
        raise ValueError(f"tree size {tree_size} is negative")
    counts = []
    level, hashes = 0, tree_size
    while hashes > 0:
        counts.append(TileCount(level, hashes // TILE_WIDTH, hashes % TILE_WIDTH))
        level, hashes = level + 1, hashes >> TILE_HEIGHT
    return tuple(counts)


def tile_path(level: int | Literal["entries"], index: int, width: int | None = None) -> str:
    """The c2sp.org/tlog-tiles path of a tile, e.g. ``tile/0/x001/x234/067.p/44``.

    The index is written in groups of three decimal digits, every group but
    the last prefixed with ``x``; a partial tile adds ``.p/<width>``.
    """
    if index < 0 or (level != "entries" and level < 0):
        raise ValueError("tile level and index are not negative")
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    path = f"tile/{level}/" + "/".join(reversed(groups))
    if width is not None:
        if not 0 < width < TILE_WIDTH:
            raise ValueError(f"a partial tile is 1 to {TILE_WIDTH - 1} wide, not {width}")
        path += f".p/{width}"
    return path


def tile_hashes(store: HashStore, level: int, index: int, width: int = TILE_WIDTH) -> list[bytes]:
    """The ``width`` hashes of tile ``index`` at tile ``level`` (tree level ``8 * level``)."""
    if not 0 < width <= TILE_WIDTH:
        raise ValueError(f"a tile is 1 to {TILE_WIDTH} wide, not {width}")
    tree_level, first = level * TILE_HEIGHT, index * TILE_WIDTH
    return [store.get_hash(tree_level, first + offset) for offset in range(width)]

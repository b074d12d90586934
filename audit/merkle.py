"""The RFC 9162 §2.1 Merkle tree over SHA-256: hashes, roots, proofs and their checks.

* :func:`leaf_hash` and :func:`node_hash` are RFC 9162 §2.1.1's domain-separated
  hashes (0x00 for leaves, 0x01 for interior nodes); the empty tree's hash is
  SHA-256 of nothing (:data:`EMPTY_ROOT`).
* :class:`Frontier` is the right edge of a growing tree. Appending a leaf costs
  amortised O(1) hashing and returns the complete-subtree hashes to store.
* :func:`root`, :func:`inclusion_proof` and :func:`consistency_proof` read a
  :class:`audit.store.HashStore` and cost O(log n) reads for any tree size:
  each proof holds at most one incomplete subtree, whose hash is folded from
  at most log n complete ones.
* :func:`verify_inclusion` and :func:`verify_consistency` are RFC 9162
  §2.1.3.2 and §2.1.4.2, strict: every hash is exactly 32 bytes, and a proof
  of the wrong length is rejected. They return ``None`` and raise
  :class:`audit.errors.ProofError` on any failure.

A consistency proof *from* the empty tree is empty and checks only that the
old root is :data:`EMPTY_ROOT` (the c2sp.org/tlog-witness reading, where old
size 0 is consistent with everything); RFC 9162 leaves that case undefined.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from hashlib import sha256
from itertools import repeat

from audit.errors import ProofError
from audit.store import HashStore

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Frontier",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "leaf_hashes",
    "node_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""Bytes in a SHA-256 hash, and so in every leaf hash, node hash, root and proof element."""

EMPTY_ROOT = sha256(b"").digest()
"""The hash of the empty tree, MTH({}) = SHA-256() (RFC 9162 §2.1.1)."""

_HASH = type(sha256())
_LEAF_PREFIX = sha256(b"\x00")
_NODE_PREFIX = sha256(b"\x01")
_BATCH = 4096
_FEW = 8


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d) (RFC 9162 §2.1.1)."""
    return sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right), an interior node (RFC 9162 §2.1.1)."""
    return sha256(b"\x01" + left + right).digest()


def leaf_hashes(data: Sequence[bytes]) -> list[bytes]:
    """``[leaf_hash(d) for d in data]``, with the loops in C.

    Each hash starts as a copy of a SHA-256 already fed the 0x00 leaf
    prefix, so no message is concatenated; every loop is a ``map``, and at
    most ``_BATCH`` hashers are alive at a time.
    """
    count = len(data)
    if count > _BATCH:
        return [value for start in range(0, count, _BATCH)
                for value in leaf_hashes(data[start:start + _BATCH])]
    hashers = list(map(_HASH.copy, repeat(_LEAF_PREFIX, count)))
    deque(map(_HASH.update, hashers, data), 0)
    return list(map(_HASH.digest, hashers))


def _parents(row: Sequence[bytes]) -> list[bytes]:
    """The node hashes of consecutive pairs ``row[0], row[1]``, ``row[2], row[3]`` ...

    An odd last hash has no partner yet and is left out. Each hasher starts
    fed the 0x01 node prefix and appears twice in a row in the list that is
    zipped with ``row``, so one ``map`` in C feeds it its left child, then
    its right, without slicing ``row`` or concatenating hashes.
    """
    count = len(row) >> 1
    if count <= _FEW:  # setting up the maps would cost more than these few hashes
        return [sha256(b"\x01" + row[i] + row[i + 1]).digest() for i in range(0, 2 * count, 2)]
    if count > _BATCH:
        return [value for start in range(0, 2 * count, 2 * _BATCH)
                for value in _parents(row[start:start + 2 * _BATCH])]
    hashers = list(map(_HASH.copy, repeat(_NODE_PREFIX, count)))
    twice = hashers * 2
    twice[0::2] = hashers
    twice[1::2] = hashers
    deque(map(_HASH.update, twice, row), 0)  # map stops at the shorter: an odd last is left
    return list(map(_HASH.digest, hashers))


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n > 1``), RFC 9162 §2.1.1's k."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The hashes of the complete subtrees that make up a tree, largest (leftmost) first.

    A tree of ``n`` leaves is one complete subtree per set bit of ``n``
    (RFC 9162 §2.1.1: MTH splits at the largest power of two below the size).
    Appending folds the new leaf into the right edge; the root folds the
    edge from the right.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(hashes) != size.bit_count():
            raise ProofError(f"a tree of {size} leaves has {size.bit_count()} complete subtrees")
        self._size = size
        self._hashes = list(hashes)

    @classmethod
    def from_store(cls, store: HashStore, size: int | None = None) -> Frontier:
        """The frontier of the first ``size`` leaves of ``store`` (all of it by default)."""
        size = store.size() if size is None else size
        _check_size(store, size)
        return cls(size, [store.get_hash(level, start >> level)
                          for start, level in _complete_subtrees(0, size)])

    @property
    def size(self) -> int:
        """The number of leaves."""
        return self._size

    def append(self, leaf: bytes) -> list[bytes]:
        """Add a leaf hash; return the hashes the store gains, level 0 first."""
        hashes = self._hashes
        n = self._size
        self._size = n + 1
        new = [leaf]
        while n & 1:
            leaf = sha256(b"\x01" + hashes.pop() + leaf).digest()
            new.append(leaf)
            n >>= 1
        hashes.append(leaf)
        return new

    def extend(self, leaves: Sequence[bytes]) -> list[list[bytes]]:
        """Add many leaf hashes; return the hashes the store gains, one list per level.

        The result is what :meth:`append` would give leaf by leaf, regrouped:
        ``result[level]`` holds the new complete-subtree hashes at ``level``,
        from index ``old_size >> level`` on. It is computed a level at a time,
        pairing the new hashes (and the edge's waiting left sibling) with
        the loops in C, which is several times faster than :meth:`append`
        for a batch.
        """
        size = self._size
        edge = self._hashes  # largest first, so the lowest level's waiting hash is last
        waiting = len(edge)
        gained: list[list[bytes]] = []
        kept: list[bytes] = []  # the new edge below the levels the batch reaches, lowest first
        row = list(leaves)
        level = 0
        while row:
            gained.append(row)
            if size >> level & 1:  # the edge has a complete subtree here, waiting for a sibling
                waiting -= 1
                row = [edge[waiting], *row]
            if len(row) & 1:
                kept.append(row[-1])
            row = _parents(row)
            level += 1
        self._size = size + len(leaves)
        self._hashes = edge[:waiting] + kept[::-1]
        return gained

    def root(self) -> bytes:
        """MTH of the whole tree (RFC 9162 §2.1.1)."""
        return _fold(self._hashes)


def _fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of consecutive complete subtrees of decreasing size, given left to right."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _complete_subtrees(lo: int, hi: int) -> list[tuple[int, int]]:
    """``(start, level)`` of the complete subtrees of leaves ``[lo, hi)``, left to right.

    Valid for the ranges RFC 9162's recursion produces: ``lo`` is a multiple
    of a power of two at least ``hi - lo``.
    """
    result = []
    width = hi - lo
    while width:
        level = width.bit_length() - 1
        result.append((lo, level))
        lo += 1 << level
        width -= 1 << level
    return result


def _subtree_hash(store: HashStore, lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) from the stored complete subtrees."""
    width = hi - lo
    if width and width & (width - 1) == 0 and lo % width == 0:  # one complete subtree, stored
        return store.get_hash(width.bit_length() - 1, lo // width)
    return _fold([store.get_hash(level, start >> level)
                  for start, level in _complete_subtrees(lo, hi)])


def _check_size(store: HashStore, size: int) -> None:
    if type(size) is not int or size < 0:
        raise ProofError(f"tree size {size!r} is not a non-negative integer")
    if size > store.size():
        raise ProofError(f"the tree has {store.size()} leaves, not {size}")


def root(store: HashStore, size: int) -> bytes:
    """MTH of the first ``size`` leaves (RFC 9162 §2.1.1), in O(log size) reads."""
    _check_size(store, size)
    return _subtree_hash(store, 0, size)


def inclusion_proof(store: HashStore, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), from the leaf's sibling upwards."""
    _check_size(store, size)
    if type(index) is not int or not 0 <= index < size:
        raise ProofError(f"leaf {index!r} is not in a tree of {size}")
    ranges = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    return [_subtree_hash(store, a, b) for a, b in reversed(ranges)]


def consistency_proof(store: HashStore, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) (RFC 9162 §2.1.4.1); empty when either size is 0 or equal."""
    _check_size(store, new_size)
    if type(old_size) is not int or not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size!r} to {new_size}")
    if old_size == 0:
        return []
    ranges = []
    lo, hi, whole = 0, new_size, True
    while old_size != hi:
        mid = lo + _split(hi - lo)
        if old_size <= mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo, whole = mid, False
    if not whole:
        ranges.append((lo, hi))
    return [_subtree_hash(store, a, b) for a, b in reversed(ranges)]


def _check_hash(value: object, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte SHA-256 hash")
    return value


def _check_proof(proof: Sequence[bytes]) -> None:
    for position, value in enumerate(proof):
        _check_hash(value, f"proof element {position}")


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """Check that ``leaf`` is at ``index`` of the tree ``(size, root_hash)`` (RFC 9162 §2.1.3.2).

    Raises :class:`ProofError` unless the proof is exactly right.
    """
    _check_hash(leaf, "leaf hash")
    _check_hash(root_hash, "root hash")
    _check_proof(proof)
    if type(index) is not int or type(size) is not int or not 0 <= index < size:
        raise ProofError(f"leaf {index!r} is not in a tree of {size!r}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is deep")
    if r != root_hash:
        raise ProofError("inclusion proof does not lead to the root hash")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that tree ``(old_size, old_root)`` is a prefix of ``(new_size, new_root)``.

    RFC 9162 §2.1.4.2, plus the cases it leaves out: equal sizes need equal
    roots and an empty proof; old size 0 needs an empty proof and the empty
    tree's root. Raises :class:`ProofError` unless the proof is exactly right.
    """
    _check_hash(old_root, "old root hash")
    _check_hash(new_root, "new root hash")
    _check_proof(proof)
    if type(old_size) is not int or type(new_size) is not int or not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency from size {old_size!r} to {new_size!r}")
    if old_size == 0 or old_size == new_size:
        if proof:
            raise ProofError(f"a consistency proof from size {old_size} to {new_size} is empty")
        if old_size == 0 and old_root != EMPTY_ROOT:
            raise ProofError("the root of the empty tree is SHA-256 of nothing")
        if old_size == new_size and old_root != new_root:
            raise ProofError(f"two different roots for one tree size {old_size}")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the tree is deep")
    if fr != old_root:
        raise ProofError("consistency proof does not lead to the old root hash")
    if sr != new_root:
        raise ProofError("consistency proof does not lead to the new root hash")

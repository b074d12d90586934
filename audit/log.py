"""An append-only, signed log: canonical entries in an RFC 9162 Merkle tree.

:class:`Log` composes the lower half of :mod:`audit`:

* :meth:`Log.append` turns an entry into its canonical bytes
  (:mod:`audit.canonical`), hashes them as a leaf (RFC 9162 §2.1.1) and adds
  the leaf to the tree in amortised O(1) hashing (:class:`audit.merkle.Frontier`),
  writing the new complete-subtree hashes to a :class:`audit.store.HashStore`;
* :meth:`Log.extend` does the same for many canonical entries at once, a
  level of the tree at a time, which is what a bulk load or a rebuild wants;
* :meth:`Log.checkpoint` has the :class:`audit.signer.CheckpointSigner` sign
  the current size and root, with the consistency proof from the last signed
  size, so the signer can refuse a fork (INV-CHECKPOINT); with
  ``checkpoint_every=N`` it also happens after every N-th append;
* proofs and receipts come from the store in O(log n) reads.

Opening a log over an existing store is a small fsck (docs/architecture.md
INV-FSCK): the stored tree must contain the last signed checkpoint, with the
same root, or the log refuses to open. The log reads no clock; it keeps the
hashes, not the entries, which the shell stores beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

from audit.canonical import JSONValue, canonical, parse
from audit.checkpoint import Checkpoint
from audit.errors import ConsistencyError, ProofError
from audit.merkle import Frontier, consistency_proof, inclusion_proof, leaf_hashes, root
from audit.receipt import Receipt, format_receipt
from audit.signer import CheckpointSigner, SignedCheckpoint
from audit.store import HashStore, MemoryStore

__all__ = ["Log"]


class Log:
    """One origin's append-only log: entries in, checkpoints, proofs and receipts out."""

    __slots__ = ("_checkpoint_every", "_frontier", "_latest", "_signer", "_store")

    def __init__(
        self,
        signer: CheckpointSigner,
        store: HashStore | None = None,
        *,
        checkpoint_every: int | None = None,
    ) -> None:
        if checkpoint_every is not None and checkpoint_every < 1:
            raise ValueError(f"checkpoint_every is a positive count, not {checkpoint_every}")
        self._signer = signer
        self._store: HashStore = MemoryStore() if store is None else store
        self._frontier = Frontier.from_store(self._store)
        self._checkpoint_every = checkpoint_every
        self._latest: SignedCheckpoint | None = None
        last = signer.last_signed()
        if last is not None:
            if last.size > self._frontier.size:
                raise ConsistencyError(
                    f"the store holds {self._frontier.size} leaves but size {last.size} was "
                    "signed: the store is behind its own log (restored from an old backup?)",
                    latest_size=last.size,
                )
            if root(self._store, last.size) != last.root_hash:
                raise ConsistencyError(
                    f"the stored tree's root at size {last.size} is not the signed one",
                    latest_size=last.size,
                )

    @property
    def origin(self) -> str:
        return self._signer.origin

    @property
    def size(self) -> int:
        """The number of entries appended."""
        return self._frontier.size

    @property
    def store(self) -> HashStore:
        return self._store

    @property
    def latest_checkpoint(self) -> SignedCheckpoint | None:
        """The last checkpoint this object signed (``None`` until it signs one)."""
        return self._latest

    def root(self, size: int | None = None) -> bytes:
        """The Merkle Tree Hash of the first ``size`` entries (all of them by default)."""
        if size is None or size == self._frontier.size:
            return self._frontier.root()
        return root(self._store, size)

    def append(self, entry: JSONValue) -> tuple[int, bytes]:
        """Log ``entry`` as its canonical bytes; return its leaf index and leaf hash.

        A refused entry (:class:`audit.errors.CanonicalError`) changes nothing.
        If ``checkpoint_every`` makes this append sign a checkpoint and the
        signer refuses, the entry stays appended and the refusal is raised.
        """
        return self.append_canonical(canonical(entry), validate=False)

    def append_canonical(self, data: bytes, *, validate: bool = True) -> tuple[int, bytes]:
        """Log bytes that are already an entry's canonical form.

        With ``validate=False`` the bytes are hashed as given, for callers that
        just produced them with :func:`audit.canonical.canonical` or are
        replaying leaves already checked once (rebuilding the tree).
        """
        if validate:
            parse(data)
        frontier = self._frontier
        index = frontier.size
        hashes = frontier.append(sha256(b"\x00" + data).digest())
        try:
            self._store.append_hashes(index, hashes)
        except BaseException:
            self._frontier = Frontier.from_store(self._store)
            raise
        every = self._checkpoint_every
        if every is not None and (index + 1) % every == 0:
            self.checkpoint()
        return index, hashes[0]

    def extend(self, data: Sequence[bytes], *, validate: bool = True) -> range:
        """Log many entries' canonical bytes at once; return their leaf indices.

        The tree, the store and the checkpoints end as if each had gone
        through :meth:`append_canonical` in turn (a checkpoint at every
        multiple of ``checkpoint_every``), but the hashing runs a level of the
        tree at a time (:meth:`audit.merkle.Frontier.extend`). With
        ``validate`` every entry is checked (:func:`audit.canonical.parse`)
        before any is logged, so a bad one changes nothing. The batch is stored
        in parts that end at checkpoint sizes: a failed store write leaves the
        log as it was before the part that failed, and if the signer refuses a
        checkpoint the parts before it stay logged and the refusal is raised,
        as with :meth:`append_canonical`.
        """
        if validate:
            for item in data:
                parse(item)
        first = self._frontier.size
        every = self._checkpoint_every
        done = 0
        while done < len(data):
            size = first + done
            step = len(data) - done if every is None else min(len(data) - done,
                                                                 every - size % every)
            self._extend(data[done:done + step])
            done += step
            if every is not None and (size + step) % every == 0:
                self.checkpoint()
        return range(first, first + len(data))

    def _extend(self, data: Sequence[bytes]) -> None:
        index = self._frontier.size
        levels = self._frontier.extend(leaf_hashes(data))
        try:
            self._store.append_levels(index, levels)
        except BaseException:
            self._frontier = Frontier.from_store(self._store)
            raise

    def checkpoint(self, extensions: tuple[str, ...] = ()) -> SignedCheckpoint:
        """Sign the current size and root (c2sp.org/tlog-checkpoint) and return it."""
        size = self._frontier.size
        checkpoint = Checkpoint(self.origin, size, self._frontier.root(), extensions)
        last = self._signer.last_signed()
        proof: list[bytes] = []
        if last is not None and 0 < last.size < size:
            proof = consistency_proof(self._store, last.size, size)
        self._latest = self._signer.sign(checkpoint, proof)
        return self._latest

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH of leaf ``index`` in the tree of ``size`` (default: all)."""
        return inclusion_proof(self._store, index, self.size if size is None else size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 PROOF from ``old_size`` to ``new_size`` (default: all)."""
        return consistency_proof(self._store, old_size, self.size if new_size is None else new_size)

    def receipt(self, index: int, *, extra: bytes | None = None) -> str:
        """A c2sp.org/tlog-proof receipt for leaf ``index``.

        Uses the latest checkpoint this log signed if it covers the leaf, and
        signs a new one otherwise.
        """
        if type(index) is not int or not 0 <= index < self.size:
            raise ProofError(f"leaf {index!r} is not in a log of {self.size}")
        latest = self._latest
        if latest is None or latest.checkpoint.size <= index:
            latest = self.checkpoint()
        proof = self.inclusion_proof(index, latest.checkpoint.size)
        return format_receipt(Receipt(index, tuple(proof), latest.note, extra))

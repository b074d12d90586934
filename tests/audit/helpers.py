"""Shared helpers for the audit tests: vector loading, trees and keys.

The Hypothesis strategies for entries are public, in :mod:`audit.testing`.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from audit.merkle import Frontier, leaf_hash
from audit.note import Ed25519Signer
from audit.store import MemoryStore
from tests.conftest import data_path


@cache
def _vectors_text(name: str) -> str:
    return data_path("vectors", name).read_text(encoding="utf-8")


def vectors(name: str) -> Any:
    """A conformance vector file from tests/data/vectors, parsed (its README gives the source)."""
    return json.loads(_vectors_text(name))


def build_store(leaves: list[bytes]) -> MemoryStore:
    """A store holding the tree of these leaf inputs."""
    store = MemoryStore()
    frontier = Frontier()
    for data in leaves:
        store.append_hashes(frontier.size, frontier.append(leaf_hash(data)))
    return store


@cache
def numbered_store(size: int) -> MemoryStore:
    """A store of ``size`` leaves ``b"leaf 0"``, ``b"leaf 1"``, ... (shared, never mutated)."""
    return build_store([b"leaf %d" % i for i in range(size)])


def flip_bit(data: bytes, bit: int) -> bytes:
    """``data`` with bit ``bit`` (counted from the first byte's high bit) inverted."""
    mutated = bytearray(data)
    mutated[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(mutated)


def log_key(name: str = "example.org/tellers/log", seed: int = 7) -> Ed25519Signer:
    """A deterministic log signing key for tests."""
    return Ed25519Signer.from_seed(name, bytes([seed]) * 32)

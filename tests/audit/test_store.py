"""The complete-subtree hash store and its c2sp.org/tlog-tiles view (audit.store)."""

from __future__ import annotations

from typing import Any

import pytest

from audit.cosignature import CosignatureVerifier
from audit.errors import ProofError
from audit.merkle import EMPTY_ROOT, Frontier, leaf_hash, root
from audit.note import open_note
from audit.store import (
    TILE_WIDTH,
    MemoryStore,
    stored_hash_count,
    tile_counts,
    tile_hashes,
    tile_path,
)
from tests.audit.helpers import build_store, vectors

TILES = vectors("tlog_tiles.json")
TREE = TILES["tree"]
MIRROR = next(c for c in vectors("cosignatures.json")["cases"]
              if c["id"] == "sunlight-skylight-mirror")
SUNLIGHT = build_store([f"record {i}".encode() for i in range(TREE["tree_size"])])


def test_stored_hash_count() -> None:
    """Leaf i completes one subtree per trailing one bit of i, plus itself."""
    assert [stored_hash_count(i) for i in range(8)] == [1, 2, 1, 3, 1, 2, 1, 4]
    with pytest.raises(ValueError):
        stored_hash_count(-1)


def test_memory_store_keeps_every_complete_subtree() -> None:
    store = build_store([b"a", b"b", b"c"])
    assert store.size() == 3
    assert store.get_hash(0, 2) == leaf_hash(b"c")
    assert store.get_hash(1, 0) == root(store, 2)
    with pytest.raises(LookupError):
        store.get_hash(1, 1)
    with pytest.raises(LookupError):
        store.get_hash(0, -1)
    with pytest.raises(LookupError):
        store.get_hash(5, 0)


@pytest.mark.parametrize(
    ("index", "hashes"),
    [(1, [EMPTY_ROOT]), (0, [EMPTY_ROOT, EMPTY_ROOT]), (0, [b"short"]), (0, [])],
)
def test_memory_store_refuses_a_wrong_append_and_keeps_its_state(
    index: int, hashes: list[bytes]
) -> None:
    store = MemoryStore()
    with pytest.raises(ProofError):
        store.append_hashes(index, hashes)
    assert store.size() == 0
    store.append_hashes(0, [EMPTY_ROOT])
    assert store.size() == 1


def _levels(start: int, count: int) -> list[list[bytes]]:
    """What Frontier.extend hands the store for ``count`` leaves after ``start`` of them."""
    frontier = Frontier()
    frontier.extend([leaf_hash(b"%d" % i) for i in range(start)])
    return frontier.extend([leaf_hash(b"%d" % i) for i in range(start, start + count)])


def test_append_levels_stores_a_batch_as_append_hashes_would() -> None:
    store = MemoryStore()
    store.append_levels(0, _levels(0, 5))
    store.append_levels(5, _levels(5, 6))
    reference = build_store([b"%d" % i for i in range(11)])
    assert store.size() == 11
    for level, count in enumerate([11, 5, 2, 1]):
        assert [store.get_hash(level, i) for i in range(count)] == [
            reference.get_hash(level, i) for i in range(count)]
    with pytest.raises(LookupError):
        store.get_hash(1, 5)


@pytest.mark.parametrize(
    ("index", "levels", "message"),
    [
        (2, _levels(1, 2), "the next leaf of a tree of 1 is not 2"),
        (1, _levels(1, 3)[:1], "complete subtrees above level 0"),
        (1, [_levels(1, 3)[0], [], []], "0 hashes at level 1"),
        (1, [[b"short"], [EMPTY_ROOT]], "32-byte"),
        (1, [["text"], [EMPTY_ROOT]], "32-byte"),
    ],
)
def test_append_levels_refuses_a_wrong_batch_and_keeps_its_state(
    index: int, levels: list[list[Any]], message: str
) -> None:
    store = MemoryStore()
    store.append_levels(0, [[EMPTY_ROOT]])
    with pytest.raises(ProofError, match=message):
        store.append_levels(index, levels)
    assert store.size() == 1
    assert store.get_hash(0, 0) == EMPTY_ROOT
    with pytest.raises(LookupError):
        store.get_hash(1, 0)


# c2sp.org/tlog-tiles vectors (tlog_tiles.json)


def test_sunlight_log_root_and_checkpoint() -> None:
    """The 300-entry sunlight log: our root is theirs, and the mirror cosigned it."""
    assert root(SUNLIGHT, TREE["tree_size"]).hex() == TREE["root"]
    mirror = CosignatureVerifier.from_vkey(MIRROR["vkey"])
    opened = open_note(TREE["checkpoint_note"], [mirror])
    assert opened.verified_names == ("mirror.example.org",)
    lines = opened.text.splitlines()
    assert lines[:2] == [TREE["origin"], str(TREE["tree_size"])]
    assert Frontier.from_store(SUNLIGHT).root().hex() == TREE["root"]


def tile_coordinates(path: str) -> tuple[int, int, int]:
    """(level, index, width) for the vector's tile names: tile/L/NNN or tile/L/NNN.p/W."""
    _, level, rest = path.split("/", 2)
    index, _, width = rest.partition(".p/")
    return int(level), int(index), int(width) if width else TILE_WIDTH


@pytest.mark.parametrize("path", sorted(TREE["tiles"]))
def test_sunlight_tiles_are_the_stored_hashes(path: str) -> None:
    level, index, width = tile_coordinates(path)
    assert [h.hex() for h in tile_hashes(SUNLIGHT, level, index, width)] == TREE["tiles"][path]


def test_sunlight_tile_set_is_what_tile_counts_predict() -> None:
    paths = set()
    for count in tile_counts(TREE["tree_size"]):
        paths.update(tile_path(count.level, i) for i in range(count.full))
        if count.partial_width:
            paths.add(tile_path(count.level, count.full, count.partial_width))
    assert paths == set(TREE["tiles"])


@pytest.mark.parametrize("case", TILES["path_examples"], ids=lambda c: c["path"])
def test_tile_path_encoding(case: dict[str, Any]) -> None:
    assert tile_path(case["level"], case["index"], case["partial_width"]) == case["path"]


@pytest.mark.parametrize("case", TILES["tile_count_examples"], ids=lambda c: str(c["tree_size"]))
def test_tile_counts(case: dict[str, Any]) -> None:
    counts = tile_counts(case["tree_size"])
    got = {}
    for count in counts:
        got[f"level{count.level}_full"] = count.full
        got[f"level{count.level}_partial_width"] = count.partial_width
    for key, value in case["expected"].items():
        assert got[key] == value, key
    assert {key for key, value in got.items() if value} <= set(case["expected"])


def test_tile_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        tile_path(0, 1, TILE_WIDTH)
    with pytest.raises(ValueError):
        tile_path(-1, 0)
    with pytest.raises(ValueError):
        tile_hashes(SUNLIGHT, 0, 0, 0)
    with pytest.raises(LookupError):
        tile_hashes(SUNLIGHT, 0, 1, TILE_WIDTH)
    assert tile_counts(0) == ()

"""Verifiable lots (RFC 3797 §4 with SHA-256): a worked example redone with hashlib."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallying.errors import CountError
from tallying.lots import MAX_SELECTIONS, draw, lot_key, seed_from_sources

pytestmark = pytest.mark.unit


def test_worked_example_redone_by_hand() -> None:
    """Draw 3 of 5 announced names; each step recomputed here with hashlib directly."""
    key = b"2.9.18./ABC./"
    pool = ["Ailsa", "Bruce", "Catriona", "Donald", "Euan"]
    remaining = list(pool)
    expected = []
    for j in range(3):
        counter = bytes([j >> 8, j & 0xFF])
        digest = hashlib.sha256(counter + key + counter).hexdigest()
        position = int(digest, 16) % len(remaining)
        expected.append(remaining.pop(position))
    assert draw(key, pool, 3) == tuple(expected)
    # the first selection alone agrees with the first three
    assert draw(key, pool, 1) == tuple(expected[:1])


def test_seed_from_sources_is_rfc_3797s_canonical_form() -> None:
    """Values sorted, each followed by '.', each source by '/', in announced order."""
    assert seed_from_sources([[9, 18, 2], ["abc"]]) == b"2.9.18./ABC./"
    assert seed_from_sources([[18, 9, 2], [" abc "]]) == seed_from_sources([[2, 9, 18], ["ABC"]])
    assert seed_from_sources([["b", "a"], [1]]) == b"A.B./1./"
    assert seed_from_sources([[1], [2]]) != seed_from_sources([[2], [1]])


@pytest.mark.parametrize(
    "sources",
    [[[1, "a"]], [[-1]], [[True]], [["a.b"]], [["a/b"]], [[""]], ["abc"]],
)
def test_seed_from_sources_refuses_what_is_not_canonical(sources: list[object]) -> None:
    with pytest.raises(CountError):
        seed_from_sources(sources)  # type: ignore[arg-type]


def test_lot_key_numbers_the_lots_of_a_count() -> None:
    assert lot_key(b"seed", 1) == b"seed/lot/1"
    assert lot_key(b"seed", 12) == b"seed/lot/12"
    with pytest.raises(CountError):
        lot_key(b"seed", 0)


@pytest.mark.parametrize("how_many", [-1, 4])
def test_cannot_select_more_than_the_pool(how_many: int) -> None:
    with pytest.raises(CountError):
        draw(b"k", [1, 2, 3], how_many)


def test_the_counter_is_two_bytes() -> None:
    assert MAX_SELECTIONS == 65536
    with pytest.raises(CountError):
        draw(b"k", range(MAX_SELECTIONS + 1), MAX_SELECTIONS + 1)


def test_seed_must_be_bytes() -> None:
    with pytest.raises(CountError):
        draw("text", [1, 2], 1)  # type: ignore[arg-type]


@given(st.binary(max_size=40), st.lists(st.integers(), min_size=1, max_size=12, unique=True))
def test_a_full_draw_is_a_deterministic_permutation(seed: bytes, pool: list[int]) -> None:
    """Selecting everyone orders the whole pool; the same seed always gives the same order."""
    order = draw(seed, pool, len(pool))
    assert sorted(order) == sorted(pool)
    assert draw(seed, pool, len(pool)) == order
    assert draw(seed, pool, 1) == order[:1]


def test_different_seeds_spread_the_choice() -> None:
    """Over many keys, every member of a small pool gets chosen first sometimes."""
    firsts = {draw(lot_key(b"spread", n), ["a", "b", "c"], 1)[0] for n in range(1, 40)}
    assert firsts == {"a", "b", "c"}

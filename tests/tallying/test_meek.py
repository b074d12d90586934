"""Meek STV (``meek`` = rule ``meek_1987``, and ``meek_nz``): examples and invariants."""

from __future__ import annotations

import functools
import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallying import CountOptions, Profile, RankedBallot, StageKind, count
from tallying.blt import parse_blt
from tallying.errors import CountError, InvalidBallot
from tallying.lots import draw
from tallying.result import ElectionResult
from tallying.testing import ranked_elections

SEED = b"meek test seed"
METHODS = ("meek", "meek_nz")

# Wichmann, "The computational accuracy using the Meek algorithm", Voting matters
# 12 (2000), votingmatters.org.uk/ISSUE12/P4.HTM; the same ballots as droop's
# test file test/blt/SC-Vm-12.blt (jklundell/droop). Candidates A B X Y Z.
VOTING_MATTERS_12 = """\
5 3
333 1 3 0
333 1 4 0
333 1 5 0
333 2 3 0
333 2 4 0
333 2 5 0
667 3 0
667 4 0
667 5 0
1 1 2 3 0
1 1 2 4 0
2 2 1 3 0
0
"A"
"B"
"X"
"Y"
"Z"
"Voting matters example (Issue 12, 'The computational accuracy using the Meek algorithm')"
"""


def profile(names: str, seats: int, lines: list[tuple[int, str]]) -> Profile:
    ballots = tuple(
        RankedBallot(weight, tuple((names.index(c),) for c in ranking)) for weight, ranking in lines
    )
    return Profile(tuple(names), seats, ballots)


def run(p: Profile, name: str, seed: bytes = SEED) -> ElectionResult:
    return count(p, name, CountOptions(seats=p.seats, seed=seed))


# -- the Voting matters 12 example ------------------------------------------------


@pytest.mark.parametrize("name", METHODS)
def test_voting_matters_12(name: str) -> None:
    """VM 12: A and B (1001 each, quota 4003/4 = 1000.75) are elected; Z, who
    gets nothing from the last four ballots, is excluded; X is ahead of Y by
    about 1/16,000,000 of a vote from the ABX/BAX papers and, in exact
    arithmetic, X wins the last seat. X and Y finish within 0.08 votes
    (docs/counting.md, "Meek")."""
    result = run(parse_blt(VOTING_MATTERS_12).profile, name)
    assert result.elected_names == ("A", "B", "X")
    first, exclusion, last = result.stages
    assert first.kind is StageKind.FIRST and first.elected == (0, 1)
    assert first.totals == (1001, 1001, 667, 667, 667)
    assert exclusion.kind is StageKind.EXCLUSION and exclusion.excluded == (4,)
    x, y, z = exclusion.totals[2:]
    assert x > y > z
    assert x - y < Fraction(1, 10**6)
    assert last.elected == (2,)
    # X reaches the quota first, 0.0804 votes ahead of Y (800.638 to 800.558).
    assert 0 < last.totals[2] - last.totals[3] < Fraction(9, 100)
    assert result.lots == ()


def test_voting_matters_12_exact_gap() -> None:
    """In meek_1987 totals are exact given the keep factors: X - Y at the
    exclusion is 2 x (1 - kB) x (1 - kA), the BAX papers' residue, with ABX and
    ABY cancelling."""
    result = run(parse_blt(VOTING_MATTERS_12).profile, "meek")
    stage = result.stages[1]
    x, y = stage.totals[2], stage.totals[3]
    # kA and kB are within 1e-6 of 1000.75/1001, so the gap is about 2/4004^2.
    assert abs((x - y) - Fraction(2, 4004**2)) < Fraction(1, 10**9)


# -- small worked examples ----------------------------------------------------------


@pytest.mark.parametrize("name", METHODS)
def test_surplus_carries_the_second_winner(name: str) -> None:
    """2 seats, V = 100: quota 33.33...; A (60) is elected on first preferences.
    Its keep factor goes to q/60 = 5/9 at the first update, passing 26.67 of
    the A-B papers to B, who then has 36.67 and is elected; C (30) is not."""
    p = profile("ABC", 2, [(60, "AB"), (10, "B"), (30, "C")])
    result = run(p, name)
    assert result.elected_names == ("A", "B")
    first, second = result.stages[:2]
    assert first.elected == (0,)
    assert second.elected == (1,)
    # meek_nz rounds each paper's kept amount up at 9 places: 60 papers, < 1e-7.
    assert abs(second.totals[0] - Fraction(100, 3)) < Fraction(1, 10**7)
    assert abs(second.totals[1] - Fraction(110, 3)) < Fraction(1, 10**7)
    assert second.totals[2] == 30


def test_exclusion_tie_backwards_in_1987_forwards_in_nz() -> None:
    """1 seat, V = 19. D then E are excluded; B and C then both have 5. At the
    stage before, B had 5 and C 4 (backwards: exclude C, meek_1987); at the
    first stage B had 3 and C 4 (Ahead At First Difference: exclude B, NZ 1A
    Part 5). Either way A is elected."""
    p = profile("ABCDE", 1, [(7, "A"), (3, "BA"), (4, "C"), (2, "DB"), (1, "EC"), (2, "E")])
    old = run(p, "meek")
    nz = run(p, "meek_nz")
    assert [s.excluded[:1] for s in old.stages[:3]] == [(3,), (4,), (2,)]
    assert [s.excluded[:1] for s in nz.stages[:3]] == [(3,), (4,), (1,)]
    assert old.stages[2].totals[1] == old.stages[2].totals[2] == 5
    assert old.elected_names == nz.elected_names == ("A",)
    assert old.lots == nz.lots == ()


@pytest.mark.parametrize("name", METHODS)
def test_lot_when_equal_throughout(name: str) -> None:
    """Equal at every stage: a seeded RFC 3797 lot decides, and is recorded."""
    p = profile("ABC", 1, [(3, "A"), (3, "B"), (1, "C")])
    result = run(p, name, seed=b"announced")
    assert len(result.lots) == 1
    lot = result.lots[0]
    assert lot.tied == (0, 1)
    assert lot.chosen == draw(bytes.fromhex(lot.seed), (0, 1), 1)[0]
    assert len(result.elected) == 1


@pytest.mark.parametrize("name", METHODS)
def test_lot_without_seed_refused(name: str) -> None:
    p = profile("ABC", 1, [(3, "A"), (3, "B"), (1, "C")])
    with pytest.raises(CountError, match="seed"):
        count(p, name, CountOptions(seats=1))


@pytest.mark.parametrize("name", METHODS)
def test_equal_rankings_refused(name: str) -> None:
    p = Profile(("A", "B"), 1, (RankedBallot(1, ((0, 1),)),))
    with pytest.raises(InvalidBallot):
        count(p, name)


@pytest.mark.parametrize("name", METHODS)
def test_fill_when_hopefuls_equal_places(name: str) -> None:
    p = profile("ABC", 2, [(5, "A"), (4, "B"), (3, "C")])
    result = run(p, name)
    assert len(result.elected) == 2
    assert result.stages[-1].kind in (StageKind.FILL, StageKind.ROUND, StageKind.FIRST)


# -- invariants -----------------------------------------------------------------


def elections() -> st.SearchStrategy[Profile]:
    return ranked_elections(max_candidates=6, max_weight=40, max_lines=10)


@pytest.mark.parametrize("name", METHODS)
@given(p=elections())
def test_invariants(name: str, p: Profile) -> None:
    """At every stage the candidates' votes plus the excess equal the valid
    votes exactly (A123: excess is what no candidate keeps; NZ 1A: kept
    amounts are taken from the paper's weight); exactly the seats are filled;
    a candidate with more than a quota of first preferences is elected at the
    first stage; the count is deterministic."""
    result = run(p, name)
    valid = p.total_weight
    for stage in result.stages:
        assert sum(stage.totals) + stage.non_transferable == valid
        assert stage.non_transferable >= 0
    assert len(result.elected) == p.seats == len(set(result.elected))
    first = result.stages[0]
    assert first.quota is not None
    for c, votes in enumerate(first.totals):
        if votes > first.quota:
            assert c in first.elected
    assert run(p, name) == result


# -- speed ----------------------------------------------------------------------


@functools.cache
def _large_profile(distinct: int, total: int) -> Profile:
    """``total`` papers over ``distinct`` rankings of 10 candidates, first
    preferences skewed so that the count runs several rounds."""
    rng = random.Random(20240601)
    n = 10
    weights: dict[tuple[int, ...], int] = {}
    while len(weights) < distinct:
        ranking = rng.sample(range(n), rng.randint(1, n))
        if rng.random() < 0.5:  # half the papers start with one of the first three
            head = rng.randrange(3)
            ranking = [head, *(c for c in ranking if c != head)]
        key = tuple(ranking)
        weights[key] = weights.get(key, 0) + 1
    keys = list(weights)
    for _ in range(total - sum(weights.values())):
        weights[keys[rng.randrange(len(keys))]] += 1
    ballots = tuple(RankedBallot(w, tuple((c,) for c in r)) for r, w in weights.items())
    return Profile(tuple(f"C{i}" for i in range(n)), 3, ballots)


@pytest.mark.slow
@pytest.mark.parametrize("name", METHODS)
def test_million_ballots(name: str) -> None:
    """1,000,000 papers, 100,000 distinct rankings, 10 candidates, 3 seats: votes are conserved.

    Speed is measured in benchmarks/bench_count.py, not here.
    """
    p = _large_profile(100_000, 1_000_000)
    result = run(p, name)
    assert len(result.elected) == 3
    assert len(result.stages) >= 3
    for stage in result.stages:
        assert sum(stage.totals) + stage.non_transferable == result.valid_votes

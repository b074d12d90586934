"""Debian constitution A.6: ``schulze``, rule ``debian_constitution_a6_condorcet_schulze``.

Worked examples reasoned out in the comments, the two Debian leader elections
in tests/data/elections against their declared winners, and differential tests
against pref-voting's Beat Path (Schulze) with the same defeat strengths.
"""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pref_voting.margin_based_methods import beat_path
from pref_voting.profiles import Profile as LinearProfile
from pref_voting.profiles_with_ties import ProfileWithTies

from tallying.errors import CountError, InvalidProfile
from tallying.lots import draw, lot_key
from tallying.profile import Profile, RankedBallot
from tallying.registry import CountOptions, count
from tallying.result import ElectionResult, StageKind
from tallying.schulze import (
    RULE,
    beatpath_strengths,
    default_option_of,
    pairwise_preferences,
    schulze_count,
    schwartz_sequential_dropping,
)
from tallying.testing import cyclic_profiles, profiles
from tests.conftest import data_path

pytestmark = pytest.mark.unit

SEED = b"schulze-tests"


def ballots(*lines: tuple[int, str]) -> tuple[RankedBallot, ...]:
    """``(weight, "A>B=C")``: letters in preference order, ``=`` joins equal ranks."""
    return tuple(
        RankedBallot(
            weight, tuple(tuple(ord(x) - ord("A") for x in g.split("=")) for g in order.split(">"))
        )
        for weight, order in lines
    )


def run(profile: Profile, seats: int = 1, seed: bytes = SEED) -> ElectionResult:
    return count(profile, "schulze", CountOptions(seats=seats, seed=seed))


# -- worked examples ---------------------------------------------------------------


WIKIPEDIA_45 = (  # Schulze's 45-voter example, as on the Schulze method's Wikipedia page
    (5, "A>C>B>E>D"),
    (5, "A>D>E>C>B"),
    (8, "B>E>D>A>C"),
    (3, "C>A>B>E>D"),
    (7, "C>A>E>B>D"),
    (2, "C>B>A>D>E"),
    (7, "D>C>E>B>A"),
    (8, "E>B>A>D>C"),
)


def test_the_45_voter_example() -> None:
    # Pairwise (row over column): A-B 20:25, A-C 26:19, A-D 30:15, A-E 22:23,
    # B-C 16:29, B-D 33:12, B-E 18:27, C-D 17:28, C-E 24:21, D-E 14:31.
    # Defeats: B>A 25, A>C 26, A>D 30, E>A 23, C>B 29, B>D 33, E>B 27,
    # D>C 28, C>E 24, E>D 31: a cycle through everyone, so the Schwartz set is
    # all five. Weakest defeat E>A (23), dropped; still all five; next weakest
    # C>E (24), dropped; now nothing defeats E: the Schwartz set is {E}.
    # Strongest paths: E->A via E>D>C>B>A? weakest link D>C... the widest is
    # E>D(31)>C(28)>B(29)>A(25) = 25 against A->E via A>C(26)>E(24) = 24. E wins,
    # and the ranking is E, A, C, B, D.
    profile = Profile(tuple("ABCDE"), 1, ballots(*WIKIPEDIA_45))
    v = pairwise_preferences(profile)
    assert [v[0][1], v[1][0], v[2][4], v[4][2], v[3][4], v[4][3]] == [20, 25, 24, 21, 14, 31]
    winners, droppings = schwartz_sequential_dropping(v, range(5))
    assert winners == (4,)
    assert [dropped for _, dropped in droppings] == [((4, 0),), ((2, 4),)]
    p = beatpath_strengths(v, range(5))
    assert p[4, 0] == (25, -20)
    assert p[0, 4] == (24, -21)
    result = run(profile, seats=5)
    assert result.elected_names == ("E", "A", "C", "B", "D")
    assert result.rule == RULE == "debian_constitution_a6_condorcet_schulze"
    assert result.lots == ()
    kinds = [stage.kind for stage in result.stages]
    assert kinds == [StageKind.FIRST, StageKind.ROUND, StageKind.ROUND, StageKind.ROUND]
    assert "E over A (23 to 22)" in result.stages[1].note
    assert "25:20" in result.stages[-1].note  # E's beatpath to A, shown in the explanation


NOTA = ("A", "B", "None Of The Above")


def test_an_option_that_does_not_beat_the_default_option_is_dropped() -> None:
    # 3 x B>A>N, 2 x N>B>A, 2 x A>N>B: A>N 5:2, N>B 4:3, B>A 5:2, a cycle.
    # Without a default option the weakest defeat, N>B (4), is dropped, leaving
    # B>A>N: B wins. Under A.6, B does not beat the default option (3 to 4), so
    # B is dropped first; A beats N and wins.
    lines = ((3, "B>A>C"), (2, "C>B>A"), (2, "A>C>B"))
    result = run(Profile(NOTA, 1, ballots(*lines)))
    assert result.elected_names == ("A",)
    majority = result.stages[1]
    assert majority.kind is StageKind.EXCLUSION
    assert majority.excluded == (1,)
    assert majority.subjects == (2,)
    plain = run(Profile(("A", "B", "C"), 1, ballots(*lines)))
    assert plain.elected_names == ("B",)


def test_supermajority_and_quorum() -> None:
    # A beats the default option 3:2: enough for 1:1, not for 3:1 (3 < 3 x 2).
    profile = Profile(NOTA, 1, ballots((2, "B>A>C"), (2, "C>B>A"), (1, "A>C>B")))
    result = schulze_count(profile, CountOptions(1, SEED), default_option=2, majority_ratios={0: 3})
    assert result.elected == ()
    assert "None Of The Above wins" in result.stages[-1].note
    # 3 voters rank A above the default option: a quorum of 4 drops A too.
    assert schulze_count(profile, CountOptions(1, SEED), default_option=2, quorum=4).elected == ()
    assert schulze_count(profile, CountOptions(1, SEED), default_option=2, quorum=3).elected == (0,)
    # exactly 3:1 is enough ("greater or equal to N times")
    exact = Profile(NOTA, 1, ballots((3, "A>C"), (1, "C>A")))
    assert schulze_count(
        exact, CountOptions(1, SEED), default_option=2, majority_ratios={0: 3}
    ).elected == (0,)
    with pytest.raises(InvalidProfile):
        schulze_count(profile, CountOptions(1, SEED), default_option=None, quorum=1)
    with pytest.raises(InvalidProfile):
        schulze_count(profile, CountOptions(1, SEED), default_option=2, majority_ratios={0: 0})


def test_equal_rankings_are_kept() -> None:
    # One paper B>A and two papers A=B: V(B,A) = 1, V(A,B) = 0, so B wins.
    # Breaking the equal rankings into A>B (what a copy without them would do)
    # makes it A 2 to 1: the wrong winner.
    profile = Profile(("A", "B"), 1, ballots((1, "B>A"), (2, "A=B")))
    assert run(profile).elected_names == ("B",)
    broken = Profile(("A", "B"), 1, ballots((1, "B>A"), (2, "A>B")))
    assert run(broken).elected_names == ("A",)


def test_unranked_options_are_equal_and_last() -> None:
    # 3 x "A": A over B and over C. 2 x "B>C": B over C, and both over the
    # unranked A. B and C are equal on the "A" papers: neither is preferred.
    profile = Profile(("A", "B", "C"), 1, ballots((3, "A"), (2, "B>C")))
    v = pairwise_preferences(profile)
    assert v == ((0, 3, 3), (2, 0, 2), (2, 0, 0))
    assert run(profile).elected_names == ("A",)


def test_a_tie_in_the_schwartz_set_goes_to_a_recorded_lot() -> None:
    # A>B 1, B>A 1: no defeats, both in the Schwartz set. A.6 gives the chair a
    # casting vote; we draw a lot with the count's seed and record it.
    profile = Profile(("A", "B"), 1, ballots((1, "A>B"), (1, "B>A")))
    result = run(profile)
    (lot,) = result.lots
    assert lot.tied == (0, 1)
    assert lot.seed == lot_key(SEED, 1).hex()
    assert result.elected == (draw(lot_key(SEED, 1), (0, 1), 1)[0],)
    with pytest.raises(CountError, match="lot"):
        run(profile, seed=b"")


def test_default_option_names() -> None:
    assert default_option_of(("A", "None of the above")) == 1
    assert default_option_of(("NOTA", "B")) == 0
    assert default_option_of(("Further Discussion", "B")) == 0
    assert default_option_of(("A", "B")) is None
    with pytest.raises(InvalidProfile, match="default option"):
        default_option_of(("None Of The Above", "Further discussion"))


# -- the Debian leader elections ---------------------------------------------------------


def read_blt(path: Path) -> Profile:
    """A tiny reader for the core BLT grammar the Debian files use (no equal ranks)."""
    lines = [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    n, seats = (int(x) for x in lines[0].split())
    read: list[RankedBallot] = []
    index = 1
    while lines[index] != "0":
        weight, *order, end = (int(x) for x in lines[index].split())
        assert end == 0
        read.append(RankedBallot(weight, tuple((c - 1,) for c in order)))
        index += 1
    names = tuple(json.loads(line) for line in lines[index + 1 : index + 1 + n])
    return Profile(candidates=names, seats=seats, ballots=tuple(read))


@pytest.mark.parametrize("election", ["debian-2002-dpl", "debian-2010-dpl"])
def test_debian_leader_elections_give_the_declared_winner(election: str) -> None:
    expected = json.loads(data_path("elections", f"{election}.json").read_text("utf-8"))
    profile = read_blt(data_path("elections", f"{election}.blt"))
    assert expected["rule_set"] == RULE
    assert list(profile.candidates) == expected["candidates"]
    assert profile.total_weight == expected["ballots"]
    assert len(profile.ballots) == expected["unique_orders"]
    assert default_option_of(profile.candidates) == profile.candidates.index("None Of The Above")
    result = run(profile, seats=expected["seats"])
    assert result.elected_names == (expected["winner_official"],)
    assert result.lots == ()


# -- properties and differential tests ---------------------------------------------------


def _winning_votes_strength(v: tuple[tuple[int, ...], ...], total: int):  # type: ignore[no-untyped-def]
    """A.6 step 7's order as one number: votes for, then fewer votes against."""
    return lambda a, b: v[a][b] * (total + 1) + (total - v[b][a])


@given(
    st.one_of(
        profiles(min_candidates=2, max_candidates=6, strict=False, withdrawn=False, min_ballots=1),
        cyclic_profiles(),
    )
)
def test_differential_against_pref_voting_beat_path(profile: Profile) -> None:
    """Rankings with ties and truncation: the A.6 winners are pref-voting's Beat Path
    winners with the same defeat strengths (unranked options below ranked ones)."""
    v = pairwise_preferences(profile)
    n = len(profile.candidates)
    rankings = [{c: i for i, rank in enumerate(b.ranking) for c in rank} for b in profile.ballots]
    oracle = ProfileWithTies(
        rankings, rcounts=[b.weight for b in profile.ballots], candidates=list(range(n))
    )
    oracle.use_extended_strict_preference()
    assert all(oracle.support(a, b) == v[a][b] for a in range(n) for b in range(n) if a != b)
    theirs = beat_path(oracle, strength_function=_winning_votes_strength(v, profile.total_weight))
    winners, _ = schwartz_sequential_dropping(v, range(n))
    assert sorted(winners) == theirs
    (elected,) = run(profile).elected
    assert elected in theirs


@pytest.mark.slow
@given(
    st.one_of(
        profiles(
            min_candidates=2,
            max_candidates=6,
            complete=True,
            withdrawn=False,
            min_ballots=1,
            max_ballots=12,
        ),
        cyclic_profiles(strict=True, complete=True),
    )
)
def test_differential_on_complete_rankings_by_margins(profile: Profile) -> None:
    """Complete strict rankings: winning votes and margins order defeats alike, so the
    A.6 winners are pref-voting's plain (margin) Beat Path winners."""
    linear = LinearProfile(
        [[c for (c,) in b.ranking] for b in profile.ballots],
        rcounts=[b.weight for b in profile.ballots],
    )
    winners, _ = schwartz_sequential_dropping(
        pairwise_preferences(profile), range(len(profile.candidates))
    )
    assert sorted(winners) == beat_path(linear)


@given(
    st.one_of(
        profiles(min_candidates=1, max_candidates=6, strict=False, seats=None), cyclic_profiles()
    ),
    st.data(),
)
def test_sequential_dropping_agrees_with_beatpaths(profile: Profile, data: st.DataObject) -> None:
    """Schulze's theorem, which the multi-seat order relies on: the Schwartz sequential
    dropping winners are the options no beatpath beats; the order of the seats follows
    the beatpath ranking; the default option is never elected."""
    n = len(profile.candidates)
    profile = replace(profile, seats=data.draw(st.integers(1, n + 1)))
    v = pairwise_preferences(profile)
    standing = [c for c in range(n) if c not in profile.withdrawn]
    winners, _ = schwartz_sequential_dropping(v, standing)
    p = beatpath_strengths(v, standing)
    unbeaten = [c for c in standing if not any(p[o, c] > p[c, o] for o in standing if o != c)]
    assert list(winners) == unbeaten
    default = data.draw(st.one_of(st.none(), st.sampled_from(standing))) if standing else None
    ratios: dict[int, Fraction | int] = {}
    if default is not None:
        for c in standing:
            if c != default and data.draw(st.booleans()):
                ratios[c] = data.draw(st.sampled_from([Fraction(3, 2), 2, 3]))
    result = schulze_count(
        profile, CountOptions(profile.seats, SEED), default_option=default, majority_ratios=ratios
    )
    live = list(standing)
    if default is not None:
        dropped = result.stages[1].excluded
        live = [c for c in standing if c not in dropped]
        for c in dropped:
            beats = (
                v[c][default] > v[default][c] and v[c][default] >= ratios.get(c, 1) * v[default][c]
            )
            assert not beats
    eligible = [c for c in live if c != default]
    assert len(result.elected) == min(profile.seats, len(eligible))
    p = beatpath_strengths(v, live)
    for i, a in enumerate(result.elected):
        # each seat goes to an option no option still unelected beats by beatpaths
        remaining = [c for c in eligible if c not in result.elected[:i]]
        assert not any(p[o, a] > p[a, o] for o in remaining if o != a)
        if default is not None:
            assert v[a][default] > v[default][a]

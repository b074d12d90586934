"""The classic alternative vote, ``irv`` (rule ``alternative_vote_majority_of_continuing``).

Worked examples reasoned out by hand in the comments, properties of every
count, and a differential test against pref-voting's Instant Runoff with
parallel-universe tie-breaking (the set of winners under every way of
breaking exclusion ties): our winner must be one of them, and the only one
when there is only one.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pref_voting.iterative_methods import instant_runoff_put
from pref_voting.profiles import Profile as LinearProfile
from pref_voting.profiles_with_ties import ProfileWithTies

from tallying.errors import CountError, InvalidBallot, InvalidProfile
from tallying.irv import RULE
from tallying.lots import draw, lot_key
from tallying.profile import Profile, RankedBallot
from tallying.registry import CountOptions, count
from tallying.result import ElectionResult, StageKind
from tallying.testing import cyclic_profiles, profiles

pytestmark = pytest.mark.unit

SEED = b"irv-tests"


def ballots(*lines: tuple[int, str]) -> tuple[RankedBallot, ...]:
    """``(weight, "ABC")`` lines: candidates A, B, C, ... in preference order."""
    return tuple(
        RankedBallot(weight, tuple((ord(letter) - ord("A"),) for letter in order))
        for weight, order in lines
    )


def irv(profile: Profile, seed: bytes = SEED) -> ElectionResult:
    return count(profile, "irv", CountOptions(seats=1, seed=seed))


def totals(result: ElectionResult) -> list[list[int]]:
    return [[int(t) for t in stage.totals] for stage in result.stages]


def test_a_first_preference_majority_ends_the_count_at_once() -> None:
    # A 6, B 3, C 2: 6 of 11 is more than half, so A is elected at the first stage.
    profile = Profile(("A", "B", "C"), 1, ballots((6, "A"), (3, "BC"), (2, "CB")))
    result = irv(profile)
    assert result.elected_names == ("A",)
    assert result.rule == RULE == "alternative_vote_majority_of_continuing"
    assert len(result.stages) == 1
    assert result.stages[0].kind is StageKind.FIRST
    assert result.stages[0].elected == (0,)


def test_a_majority_of_continuing_votes_not_of_all_papers() -> None:
    # First stage: A 40, B 35, C 25 of 100; no one has more than 50.
    # C is excluded: 10 of C's papers go to B, 15 name no one else and exhaust.
    # Second stage: A 40, B 45; the continuing votes are 85, and 45 > 85/2.
    # B is elected with 45 of the 100 valid papers: a majority of the continuing
    # votes only. Under scottish_stv_2007 with one seat (quota 51 of all papers)
    # B would not reach the quota; the rule values differ for that reason.
    profile = Profile(("A", "B", "C"), 1, ballots((40, "A"), (35, "B"), (10, "CB"), (15, "C")))
    result = irv(profile)
    assert result.elected_names == ("B",)
    assert totals(result) == [[40, 35, 25], [40, 45, 0]]
    second = result.stages[1]
    assert second.kind is StageKind.EXCLUSION
    assert second.excluded == (2,)
    assert second.transfers == (Fraction(0), Fraction(10), Fraction(-25))
    assert second.non_transferable == 15
    assert result.valid_votes == 100


def test_exclusion_tie_broken_by_the_most_recent_stage_with_unequal_votes() -> None:
    # Stage 1: A 10, B 5, C 6, D 3, E 2 (26 papers; a majority needs 14).
    # E excluded: both papers to B.             Stage 2: A 10, B 7, C 6, D 3.
    # D excluded: 1 paper to C, 2 exhaust.      Stage 3: A 10, B 7, C 7 (24 continuing).
    # B and C are equal lowest. Looking back, stage 2 is the most recent stage at
    # which they differed (B 7, C 6), so C is excluded; its 7 papers all go to A.
    # Stage 4: A 17 of 24: elected.
    # The United Kingdom's AV rules (PVSC Act 2011 Sch. 10, rule 49) look forwards
    # from the first preferences (B 5 < C 6) and would exclude B, electing C with
    # 14 of 24: the two tie rules are different rules.
    profile = Profile(
        ("A", "B", "C", "D", "E"),
        1,
        ballots((10, "A"), (5, "BC"), (6, "CA"), (1, "DCA"), (2, "D"), (2, "EBC")),
    )
    result = irv(profile)
    assert totals(result) == [
        [10, 5, 6, 3, 2],
        [10, 7, 6, 3, 0],
        [10, 7, 7, 0, 0],
        [17, 7, 0, 0, 0],
    ]
    assert [stage.excluded for stage in result.stages] == [(), (4,), (3,), (2,)]
    assert result.elected_names == ("A",)
    assert result.lots == ()
    assert [int(stage.non_transferable) for stage in result.stages] == [0, 0, 2, 2]
    # pref-voting's parallel universes include both outcomes.
    assert instant_runoff_put(_oracle(profile)) == [0, 2]


def test_a_tie_at_every_stage_is_decided_by_a_recorded_lot() -> None:
    # A 5, B 5, C 1 (C's paper names no one else). C is excluded; its paper
    # exhausts. Stage 2: A 5, B 5 of 10 continuing; neither has more than 5.
    # A and B were equal at every stage, so a lot excludes one of them; the
    # other, left alone, is elected.
    profile = Profile(("A", "B", "C"), 1, ballots((5, "AB"), (5, "BA"), (1, "C")))
    result = irv(profile)
    (lot,) = result.lots
    assert lot.tied == (0, 1)
    key = lot_key(SEED, 1)
    assert lot.seed == key.hex()
    assert lot.chosen == draw(key, (0, 1), 1)[0]
    loser = lot.chosen
    assert result.elected == (1 - loser,)
    assert result.stages[-1].excluded == (loser,)
    assert "lot" in result.stages[-1].note
    # the same seed gives the same lot; the lot needs a seed
    assert irv(profile) == result
    with pytest.raises(CountError, match="lot"):
        irv(profile, seed=b"")


def test_withdrawn_candidates_are_skipped() -> None:
    # B withdrawn: the "BA" papers count for A at once. A 3 + 4 = 7 of 10.
    profile = Profile(
        ("A", "B", "C"), 1, ballots((3, "A"), (4, "BA"), (3, "C")), withdrawn=frozenset({1})
    )
    result = irv(profile)
    assert result.elected_names == ("A",)
    assert totals(result) == [[7, 0, 3]]


def test_one_seat_and_strict_rankings_only() -> None:
    profile = Profile(("A", "B"), 2, ballots((1, "AB")))
    with pytest.raises(InvalidProfile):
        count(profile, "irv", CountOptions(seats=2, seed=SEED))
    equal = Profile(("A", "B"), 1, (RankedBallot(1, ((0, 1),)),))
    with pytest.raises(InvalidBallot):
        irv(equal)


def test_no_papers_at_all() -> None:
    # Every candidate on 0 of 0 continuing votes: exclusions by lot until one is left.
    result = irv(Profile(("A", "B", "C"), 1, ()))
    assert len(result.elected) == 1
    assert len(result.lots) == 2


@given(profiles(max_candidates=6, max_ballots=12))
def test_every_stage_accounts_for_every_paper(profile: Profile) -> None:
    """Each stage: candidates' votes plus exhausted papers equal the valid papers;
    a stage's transfers move what the excluded candidate had, less what exhausted."""
    result = irv(profile)
    previous_exhausted = Fraction(0)
    for stage in result.stages:
        assert sum(stage.totals) + stage.non_transferable == result.valid_votes
        assert all(t >= 0 for t in stage.totals)
        if stage.kind is StageKind.EXCLUSION:
            (loser,) = stage.excluded
            assert stage.totals[loser] == 0
            newly_exhausted = stage.non_transferable - previous_exhausted
            assert sum(stage.transfers) == -newly_exhausted
        previous_exhausted = stage.non_transferable
    final = result.stages[-1]
    if result.elected:
        (winner,) = result.elected
        live = sum(final.totals)
        others = [c for c in range(len(profile.candidates)) if final.totals[c] > 0]
        assert 2 * final.totals[winner] > live or others in ([], [winner])


def _oracle(profile: Profile) -> ProfileWithTies:
    """The profile for pref-voting: each ranking as {candidate: rank}, empty ones left out
    (a paper ranking no one counts for no one in either count)."""
    rankings = [
        {c: level for level, rank in enumerate(b.ranking) for c in rank}
        for b in profile.ballots
        if b.ranking
    ]
    counts = [b.weight for b in profile.ballots if b.ranking]
    return ProfileWithTies(
        rankings, rcounts=counts, candidates=list(range(len(profile.candidates)))
    )


@given(
    st.one_of(
        profiles(
            min_candidates=2, max_candidates=5, withdrawn=False, min_ballots=1, max_ballots=10
        ),
        cyclic_profiles(max_candidates=5, strict=True),
    )
)
def test_differential_against_pref_voting_instant_runoff(profile: Profile) -> None:
    """Our winner is among pref-voting's IRV winners over every exclusion-tie universe,
    and is that winner whenever the universes agree."""
    ours = irv(profile).elected
    theirs = instant_runoff_put(_oracle(profile))
    assert set(ours) <= set(theirs)
    if len(theirs) == 1:
        assert list(ours) == theirs


@pytest.mark.slow
@given(
    profiles(
        min_candidates=3,
        max_candidates=6,
        complete=True,
        withdrawn=False,
        min_ballots=3,
        max_ballots=12,
        max_weight=3,
    )
)
def test_differential_on_complete_rankings(profile: Profile) -> None:
    """Complete strict rankings, read by pref-voting as linear orders (no exhaustion)."""
    linear = LinearProfile(
        [[c for (c,) in b.ranking] for b in profile.ballots],
        rcounts=[b.weight for b in profile.ballots],
    )
    ours = irv(profile).elected
    theirs = instant_runoff_put(linear)
    assert set(ours) <= set(theirs)
    if len(theirs) == 1:
        assert list(ours) == theirs

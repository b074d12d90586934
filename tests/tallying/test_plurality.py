"""Counts without transfers: ``plurality``, ``block`` and ``approval``.

Worked examples reasoned out in the comments, and each count checked against a
direct recount from its stated rule (and, for plurality, pref-voting).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from pref_voting.profiles_with_ties import ProfileWithTies
from pref_voting.scoring_methods import plurality as pv_plurality

from tallying.errors import CountError, InvalidProfile
from tallying.lots import draw, lot_key
from tallying.profile import Profile, RankedBallot
from tallying.registry import CountOptions, count
from tallying.result import ElectionResult, StageKind
from tallying.testing import profiles

pytestmark = pytest.mark.unit

SEED = b"plurality-tests"


def ballots(*lines: tuple[int, str]) -> tuple[RankedBallot, ...]:
    """``(weight, "AB=C")``: letters in preference order, ``=`` joins equal ranks."""
    out = []
    for weight, order in lines:
        ranks = [tuple(ord(x) - ord("A") for x in g.split("=")) for g in order.split(">")]
        out.append(RankedBallot(weight, tuple(r for r in ranks if r)))
    return tuple(out)


def run(name: str, profile: Profile, seats: int = 1, seed: bytes = SEED) -> ElectionResult:
    return count(profile, name, CountOptions(seats=seats, seed=seed))


def votes(result: ElectionResult) -> list[int]:
    (stage,) = result.stages
    assert stage.kind is StageKind.FIRST
    return [int(t) for t in stage.totals]


ABCD = ("A", "B", "C", "D")


def test_plurality_counts_first_preferences_only() -> None:
    # First preferences: A 4, B 3 + 2 = 5, C 3. B wins although A is everyone's second.
    profile = Profile(ABCD, 1, ballots((4, "A>B"), (3, "B>A"), (2, "B"), (3, "C>A")))
    result = run("plurality", profile)
    assert votes(result) == [4, 5, 3, 0]
    assert result.elected_names == ("B",)
    assert result.rule == "plurality_most_first_preferences"
    assert result.lots == ()


def test_plurality_equal_first_preferences_give_no_vote() -> None:
    # The "A=B" papers mark two first preferences: like a paper marked for two
    # candidates, they give no vote, and are shown as non-transferable.
    profile = Profile(ABCD, 1, ballots((3, "A=B>C"), (2, "C"), (1, "B")))
    result = run("plurality", profile)
    assert votes(result) == [0, 1, 2, 0]
    assert result.stages[0].non_transferable == 3
    assert result.elected_names == ("C",)


def test_plurality_tie_is_decided_by_a_recorded_lot() -> None:
    # A 3, B 3, C 1: A and B tie for the one seat. The lot is drawn with key
    # lot_key(seed, 1) over (A, B) in ballot-paper order, and recorded.
    profile = Profile(ABCD, 1, ballots((3, "A"), (3, "B"), (1, "C")))
    result = run("plurality", profile)
    (lot,) = result.lots
    assert lot.tied == (0, 1)
    assert lot.seed == lot_key(SEED, 1).hex()
    assert lot.chosen == draw(lot_key(SEED, 1), (0, 1), 1)[0]
    assert result.elected == (lot.chosen,)
    assert "Lot" in result.stages[0].note
    with pytest.raises(CountError, match="lot"):
        run("plurality", profile, seed=b"")


def test_plurality_fills_one_seat_only() -> None:
    with pytest.raises(InvalidProfile, match="block or approval"):
        run("plurality", Profile(ABCD, 2, ballots((1, "A"))), seats=2)


def test_block_gives_one_vote_to_each_of_the_first_seats_preferences() -> None:
    # Two seats, so each paper votes for its first two:
    #   5 x A>B>C: A 5, B 5;  4 x C>D>A: C 4, D 4;  3 x B>A: B 3, A 3;  2 x D: D 2.
    # A 8, B 8, C 4, D 6: A and B are elected. Equal on votes (8 each), they are
    # listed by first preferences: A 5 before B 3.
    profile = Profile(ABCD, 2, ballots((5, "A>B>C"), (4, "C>D>A"), (3, "B>A"), (2, "D")))
    result = run("block", profile, seats=2)
    assert votes(result) == [8, 8, 4, 6]
    assert result.elected_names == ("A", "B")
    assert result.rule == "block_vote_first_preferences_up_to_seats"
    assert result.lots == ()


def test_block_equal_ranks_count_while_they_fit() -> None:
    # Two seats. "A>B=C": A fits, then B=C would make three votes: only A counts.
    # "A=B>C": A and B fit exactly. "A=B=C": three equal, none counts.
    profile = Profile(ABCD, 2, ballots((1, "A>B=C"), (1, "A=B>C"), (1, "A=B=C"), (1, "D")))
    result = run("block", profile, seats=2)
    assert votes(result) == [2, 1, 0, 1]
    assert result.stages[0].non_transferable == 1
    # B and D tie on 1 for the second seat: a lot decides, and it is recorded.
    (lot,) = result.lots
    assert lot.tied == (1, 3)
    assert result.elected == (0, lot.chosen)


def test_approval_counts_every_ranked_candidate() -> None:
    # Every candidate a paper ranks is approved: A 3+2 = 5, B 3+4 = 7, C 4, D 2+1 = 3.
    profile = Profile(ABCD, 2, ballots((3, "A>B"), (4, "C>B"), (2, "A=D"), (1, "D")))
    result = run("approval", profile, seats=2)
    assert votes(result) == [5, 7, 4, 3]
    assert result.elected_names == ("B", "A")
    assert result.rule == "approval_every_ranked_candidate"


def test_withdrawn_and_too_few_candidates() -> None:
    # B withdrawn: "B>C" papers count for C. Three seats, three standing: all elected.
    profile = Profile(ABCD, 3, ballots((2, "B>C"), (1, "A")), withdrawn=frozenset({1}))
    for name in ("block", "approval"):
        result = run(name, profile, seats=3)
        assert set(result.elected) == {0, 2, 3}
        assert 1 not in result.elected
    result = run("plurality", profile)
    assert votes(result) == [1, 0, 2, 0]
    assert result.elected_names == ("C",)


def _recount(profile: Profile, seats: int, name: str) -> list[int]:
    """The rule restated directly, for comparison."""
    totals = [0] * len(profile.candidates)
    for ballot in profile.ballots:
        ranks = [tuple(c for c in rank if c not in profile.withdrawn) for rank in ballot.ranking]
        ranks = [r for r in ranks if r]
        if name == "approval":
            chosen = [c for r in ranks for c in r]
        else:
            limit = 1 if name == "plurality" else seats
            chosen = []
            for r in ranks:
                if len(chosen) + len(r) > limit:
                    break
                chosen += r
        for c in chosen:
            totals[c] += ballot.weight
    return totals


@pytest.mark.parametrize("name", ["plurality", "block", "approval"])
@given(profile=profiles(max_candidates=6, strict=False, seats=None, max_ballots=10))
def test_elected_have_the_most_votes(name: str, profile: Profile) -> None:
    """Everyone elected has at least as many votes as anyone standing who is not;
    a seat goes by lot exactly when candidates tie across the cutoff."""
    seats = 1 if name == "plurality" else profile.seats
    result = run(name, profile, seats=seats)
    expected = _recount(profile, seats, name)
    assert votes(result) == expected
    standing = [c for c in range(len(profile.candidates)) if c not in profile.withdrawn]
    losers = [c for c in standing if c not in result.elected]
    if result.elected and losers:
        lowest_elected = min(expected[c] for c in result.elected)
        highest_loser = max(expected[c] for c in losers)
        assert lowest_elected >= highest_loser
        assert bool(result.lots) == (lowest_elected == highest_loser)


@given(profile=profiles(min_candidates=2, max_candidates=5, withdrawn=False, min_ballots=1))
def test_plurality_against_pref_voting(profile: Profile) -> None:
    """Our plurality winner is among pref-voting's plurality winners (the only one if unique)."""
    rankings = [{c: i for i, (c,) in enumerate(b.ranking)} for b in profile.ballots if b.ranking]
    if not rankings:
        return
    oracle = ProfileWithTies(
        rankings,
        rcounts=[b.weight for b in profile.ballots if b.ranking],
        candidates=list(range(len(profile.candidates))),
    )
    theirs = pv_plurality(oracle)
    ours = run("plurality", profile).elected
    assert set(ours) <= set(theirs)
    if len(theirs) == 1:
        assert list(ours) == theirs

"""Scottish STV (SSI 2007/42 Sch. 1 rr.45-52): worked examples, ties, r.52, invariants.

Expected figures are worked out in each test from the rule's own formula
(``truncate_5dp(surplus * value / total)``), and the Hypothesis tests compare
every stage with a slow, paper-by-paper reading of the rules written here
independently of the engine's sorted-slice bookkeeping.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallying.errors import CountError, InvalidBallot, InvalidProfile
from tallying.lots import draw, lot_key
from tallying.profile import Profile, RankedBallot
from tallying.registry import CountOptions, count
from tallying.result import ElectionResult, StageKind
from tallying.testing import profiles

pytestmark = pytest.mark.unit

U = 100_000  # one vote in units of 10^-5
SEED = b"scottish-stv-tests"


def ballots(*groups: tuple[int, str]) -> tuple[RankedBallot, ...]:
    """``(weight, "ABD")``: weight papers ranking A, then B, then D."""
    return tuple(
        RankedBallot(weight, tuple((ord(letter) - ord("A"),) for letter in ranking))
        for weight, ranking in groups
    )


def election(
    seats: int, letters: str, *groups: tuple[int, str], seed: bytes = b""
) -> ElectionResult:
    profile = Profile(tuple(letters), seats, ballots(*groups))
    return count(profile, "scottish_stv", CountOptions(seats=seats, seed=seed))


def units(value: Fraction) -> int:
    scaled = value * U
    assert scaled.denominator == 1, f"{value} is not a whole number of 10^-5"
    return scaled.numerator


def truncate_5dp(numerator: int, denominator: int) -> int:
    """r.48(3) "to five decimal places (any remainder being ignored)", in units."""
    return numerator * U // denominator


# -- worked examples ---------------------------------------------------------------


def test_first_stage_quota_and_surplus_transfer_truncate() -> None:
    """r.45-r.48: V=23, S=2, quota floor(23/3)+1 = 8; A's surplus 3 of 11 goes at 0.27272."""
    result = election(2, "ABCD", (7, "AB"), (3, "AC"), (1, "A"), (4, "B"), (5, "C"), (3, "DC"))
    assert result.valid_votes == 23
    assert result.quota == 23 // 3 + 1 == 8
    first, second, third = result.stages
    assert first.kind is StageKind.FIRST
    assert [units(t) for t in first.totals] == [11 * U, 4 * U, 5 * U, 3 * U]
    assert first.elected == (0,)

    tv = truncate_5dp(11 - 8, 11)
    assert tv == 27272  # 3/11 = 0.272727..., remainder ignored
    assert second.kind is StageKind.SURPLUS and second.subjects == (0,)
    assert [units(t) for t in second.totals] == [8 * U, 4 * U + 7 * tv, 5 * U + 3 * tv, 3 * U]
    assert [units(t) for t in second.transfers] == [-3 * U, 7 * tv, 3 * tv, 0]
    # the exhausted paper and the truncation loss are non-transferable
    assert units(second.non_transferable) == 23 * U - sum(units(t) for t in second.totals)
    assert units(second.non_transferable) == 3 * U - 10 * tv

    # r.50: D excluded, its 3 papers go to C at value 1, who reaches the quota
    assert third.kind is StageKind.EXCLUSION and third.excluded == (3,)
    assert units(third.totals[2]) == 8 * U + 3 * tv
    assert third.elected == (2,)
    assert result.elected == (0, 2)


def test_inclusive_gregory_uses_each_parcels_value_when_received() -> None:
    """r.48(3)-(4): B's surplus sends all B's papers, each at surplus * its value / total.

    V=30, S=3, quota 8. A (14) passes 6/14 on to B, who then holds 7 papers at
    1 and 14 papers at 0.42857, and passes on all of them.
    """
    result = election(3, "ABCD", (14, "ABC"), (7, "BC"), (6, "C"), (3, "D"))
    assert result.quota == 8
    tv_a = truncate_5dp(6, 14)
    b_total = 7 * U + 14 * tv_a
    b_surplus = b_total - 8 * U
    tv_first = b_surplus * U // b_total  # papers B received at value 1
    tv_from_a = b_surplus * tv_a // b_total  # papers B received at tv_a
    assert tv_first != tv_from_a
    stages = result.stages
    assert [s.kind for s in stages] == [StageKind.FIRST, StageKind.SURPLUS, StageKind.SURPLUS]
    assert units(stages[1].totals[1]) == b_total
    assert stages[1].elected == (1,)
    assert stages[2].subjects == (1,)
    assert units(stages[2].totals[2]) == 6 * U + 7 * tv_first + 14 * tv_from_a
    assert units(stages[2].totals[1]) == 8 * U  # recorded at exactly the quota
    assert result.elected == (0, 1, 2)


def test_equal_to_the_quota_is_elected() -> None:
    """r.47: "equals or exceeds"; V=9, S=2, quota 4, and 4 votes elect."""
    result = election(2, "ABC", (4, "A"), (3, "B"), (2, "C"))
    assert result.quota == 4
    assert result.stages[0].elected == (0,)


def test_a_surplus_is_transferred_before_any_exclusion_even_if_it_changes_nothing() -> None:
    """r.49-r.50: no deferral. A's surplus (1) is smaller than the gap between C and D."""
    result = election(2, "ABCD", (8, "A"), (6, "B"), (4, "C"), (2, "D"))
    assert result.quota == 7
    surplus = 8 - 7
    assert surplus < 4 - 2
    assert result.stages[1].kind is StageKind.SURPLUS
    assert result.stages[1].subjects == (0,)
    assert result.stages[2].kind is StageKind.EXCLUSION


def test_exclusion_moves_all_papers_at_their_current_values_in_one_stage() -> None:
    """r.50(4): papers received at a transfer value keep it when passed on."""
    result = election(2, "ABCD", (10, "AC"), (6, "B"), (3, "C"), (2, "DB"))
    tv = truncate_5dp(10 - 8, 10)
    stages = result.stages
    assert result.quota == 8
    assert units(stages[1].totals[2]) == 3 * U + 10 * tv
    assert stages[2].excluded == (3,)
    assert stages[2].kind is StageKind.EXCLUSION
    assert units(stages[2].totals[1]) == 8 * U


def test_several_elected_at_one_stage_are_listed_by_votes() -> None:
    """r.47 with our stated convention: highest votes first."""
    result = election(3, "ABCD", (9, "A"), (12, "B"), (10, "C"), (1, "D"))
    assert result.stages[0].elected == (1, 2, 0)
    assert result.elected[:3] == (1, 2, 0)


# -- ties ---------------------------------------------------------------------------


def test_exclusion_tie_goes_back_to_the_most_recent_stage_with_unequal_votes() -> None:
    """r.51(2)(a): C and D tie at stage 3; stage 2 had C 2 < D 3, so C goes.

    Stage 1 had D 1 < C 2, so a forwards (earliest difference) rule would
    exclude D instead: the two readings elect different people.
    """
    result = election(
        4, "ABCDE", (4, "AD"), (8, "A"), (4, "BC"), (4, "B"), (2, "C"), (1, "D"), (5, "E")
    )
    assert result.quota == 6
    stages = result.stages
    assert [units(stages[0].totals[c]) for c in (2, 3)] == [2 * U, 1 * U]
    assert [units(stages[1].totals[c]) for c in (2, 3)] == [2 * U, 3 * U]
    assert [units(stages[2].totals[c]) for c in (2, 3)] == [3 * U, 3 * U]
    assert stages[3].excluded == (2,)
    assert "stage 2" in stages[3].note
    assert not result.lots
    assert set(result.elected) == {0, 1, 3, 4}


def test_equal_surpluses_go_by_the_most_recent_stage_with_unequal_votes() -> None:
    """r.49(2): B and C both reach 7 at stage 2; at stage 1 B had 5, C 4: B's goes first."""
    result = election(
        4, "ABCDE", (4, "AB"), (6, "AC"), (2, "A"), (5, "B"), (4, "C"), (1, "D"), (3, "E")
    )
    assert result.quota == 6
    second, third = result.stages[1], result.stages[2]
    assert units(second.totals[1]) == units(second.totals[2]) == 7 * U
    assert second.elected == (1, 2)  # equal votes, ordered by the same history (stage 1)
    assert third.kind is StageKind.SURPLUS and third.subjects == (1,)
    assert not result.lots


def test_equal_votes_elected_together_go_in_the_order_of_equal_surpluses() -> None:
    """r.47 with r.49(2): A and D both reach the quota at stage 3 with 3 votes each. At
    stage 2, the most recent preceding stage, D had 2.5 and A 2, so D is elected first,
    although A had more at stage 1 and stands before D on the paper.

    Stage 1: A 2, B 6, C 1, D 0; quota 3; B elected. Stage 2: B's surplus of 3 moves
    all six papers at 0.5 (C +0.5, D +2.5). Stage 3: C excluded (A +1, D +0.5).
    """
    result = election(3, "ABCD", (5, "BDC"), (2, "ABC"), (1, "CAB"), (1, "BCD"))
    assert result.quota == 3
    stages = result.stages
    assert [units(stages[0].totals[c]) for c in (0, 3)] == [2 * U, 0]
    assert [units(stages[1].totals[c]) for c in (0, 3)] == [2 * U, U * 5 // 2]
    assert [units(stages[2].totals[c]) for c in (0, 3)] == [3 * U, 3 * U]
    assert stages[2].elected == (3, 0)
    assert result.elected == (1, 3, 0)
    assert "D, A" in stages[2].note
    assert not result.lots


def test_equal_votes_at_every_stage_are_elected_in_an_order_drawn_by_lot() -> None:
    """r.49(3), not the order on the paper: C and D equal throughout, both elected at
    stage 1; the lot that orders their election also orders their surpluses."""
    outcomes = set()
    for n in range(12):
        seed = SEED + bytes([n])
        result = election(3, "ABCD", (1, "A"), (6, "CB"), (6, "DA"), seed=seed)
        (lot,) = result.lots
        assert lot.tied == (2, 3)
        first = lot.chosen
        assert result.stages[0].elected == (first, 5 - first)
        assert result.stages[1].subjects == (first,)  # its surplus goes first, no second lot
        outcomes.add(first)
    assert outcomes == {2, 3}
    with pytest.raises(CountError, match="lot"):
        election(3, "ABCD", (1, "A"), (6, "CB"), (6, "DA"))


def test_exclusion_tie_at_every_stage_is_decided_by_a_recorded_lot() -> None:
    """r.51(2)(b): B and C equal at every stage; the seeded RFC 3797 draw decides."""
    outcomes = set()
    for n in range(12):
        seed = SEED + bytes([n])
        result = election(1, "ABC", (3, "A"), (2, "B"), (2, "C"), seed=seed)
        (lot,) = result.lots
        assert lot.tied == (1, 2)
        assert lot.seed == lot_key(seed, 1).hex()
        assert lot.chosen == draw(lot_key(seed, 1), (1, 2), 1)[0]
        assert result.stages[1].excluded == (lot.chosen,)
        outcomes.add(lot.chosen)
    assert outcomes == {1, 2}


def test_equal_surpluses_equal_at_every_stage_are_ordered_by_lot() -> None:
    """r.49(3): A and B elected together with equal surpluses at stage 1."""
    result = election(3, "ABCD", (6, "AC"), (6, "BD"), (1, "C"), (2, "D"), seed=SEED)
    assert result.quota == 4
    (lot,) = result.lots
    assert lot.tied == (0, 1)
    assert "surplus" in lot.purpose
    assert result.stages[0].elected[0] == lot.chosen  # elected first by the same lot
    assert result.stages[1].subjects == (lot.chosen,)


def test_a_needed_lot_without_a_seed_is_refused() -> None:
    with pytest.raises(CountError, match="lot"):
        election(1, "ABC", (3, "A"), (2, "B"), (2, "C"))


# -- rule 52 and the end of the count ------------------------------------------------


def test_rule_52_elects_the_last_continuing_without_transferring_a_surplus() -> None:
    """r.52: once continuing candidates equal the vacancies, no further transfer."""
    result = election(2, "AB", (10, "AB"), (2, "B"))
    assert len(result.stages) == 1
    assert result.stages[0].elected == (0, 1)
    assert "r.52" in result.stages[0].note
    assert result.stages[0].totals[0] == 10  # A's surplus was never transferred


def test_rule_52_after_an_exclusion() -> None:
    result = election(2, "ABCD", (10, "A"), (4, "B"), (3, "C"), (2, "D"))
    last = result.stages[-1]
    assert last.kind is StageKind.EXCLUSION
    assert "r.52" in last.note
    assert len(result.elected) == 2


def test_count_ends_when_the_seats_are_filled_leaving_surpluses() -> None:
    """All seats filled by quota: the remaining surplus stays untransferred."""
    result = election(1, "ABC", (10, "AB"), (2, "B"), (1, "C"))
    assert len(result.stages) == 1
    assert result.elected == (0,)


def test_fewer_candidates_than_seats_elects_them_all() -> None:
    result = election(3, "AB", (3, "A"), (1, "B"))
    assert set(result.elected) == {0, 1}


def test_withdrawn_candidates_are_skipped_on_every_paper() -> None:
    profile = Profile(("A", "B", "C"), 1, ballots((3, "BA"), (2, "C"), (2, "BC")), frozenset({1}))
    result = count(profile, "scottish_stv", CountOptions(seats=1))
    assert [units(t) for t in result.stages[0].totals] == [3 * U, 0, 4 * U]
    assert 1 not in result.elected


# -- refusals -----------------------------------------------------------------------


def test_equal_rankings_are_refused() -> None:
    profile = Profile(("A", "B"), 1, (RankedBallot(1, ((0, 1),)),))
    with pytest.raises(InvalidBallot):
        count(profile, "scottish_stv", CountOptions(seats=1))


@pytest.mark.parametrize("seats", [0, -1])
def test_seats_must_be_positive(seats: int) -> None:
    profile = Profile(("A", "B"), 1, ballots((1, "A")))
    with pytest.raises(InvalidProfile):
        count(profile, "scottish_stv", CountOptions(seats=seats))


def test_no_valid_paper_is_refused() -> None:
    with pytest.raises(InvalidProfile):
        count(Profile(("A", "B"), 1, ()), "scottish_stv", CountOptions(seats=1))


# -- an independent, paper-by-paper reading of the rules ------------------------------


def reference_count(profile: Profile, seats: int) -> list[tuple[int, ...]]:
    """Stage totals (units) by moving every paper one at a time; no ties allowed.

    Written from docs/counting.md alone: each paper is [ranking, position, value].
    Returns None-free totals per stage; raises LookupError when a tie would
    need the history or a lot (those cases are tested by hand above).
    """
    n = len(profile.candidates)
    papers: list[list[object]] = []
    for ballot in profile.ballots:
        ranking = [c for (c,) in ballot.ranking if c not in profile.withdrawn]
        if ranking:
            papers.extend([ranking, 0, U] for _ in range(ballot.weight))
    valid = len(papers)
    quota = (valid // (seats + 1) + 1) * U
    state = ["continuing" if c not in profile.withdrawn else "withdrawn" for c in range(n)]
    votes = [0] * n
    received: list[list[list[object]]] = [[] for _ in range(n)]
    for paper in papers:
        held = paper[0]
        assert isinstance(held, list)
        votes[held[0]] += U
        received[held[0]].append(paper)
    elected: list[int] = []
    pending: list[int] = []
    stages: list[tuple[int, ...]] = []

    def unique_extreme(cands: list[int], highest: bool) -> int:
        best = max(votes[c] for c in cands) if highest else min(votes[c] for c in cands)
        tied = [c for c in cands if votes[c] == best]
        if len(tied) > 1:
            raise LookupError("tie")
        return tied[0]

    def end_stage() -> None:
        cont = [c for c in range(n) if state[c] == "continuing"]
        reached = sorted((c for c in cont if votes[c] >= quota), key=lambda c: -votes[c])
        for c in reached:
            state[c] = "elected"
            elected.append(c)
            if votes[c] > quota:
                pending.append(c)
        cont = [c for c in range(n) if state[c] == "continuing"]
        if seats - len(elected) > 0 and len(cont) <= seats - len(elected):
            for c in cont:
                state[c] = "elected"
                elected.append(c)
        stages.append(tuple(votes))

    def move(paper: list[object], value: int) -> None:
        ranking, position = paper[0], paper[1]
        assert isinstance(ranking, list) and isinstance(position, int)
        for later in range(position + 1, len(ranking)):
            if state[ranking[later]] == "continuing":
                paper[1], paper[2] = later, value
                votes[ranking[later]] += value
                received[ranking[later]].append(paper)
                return

    end_stage()
    while seats - len(elected) > 0 and any(s == "continuing" for s in state):
        if pending:
            source = unique_extreme(pending, highest=True)
            pending.remove(source)
            total = votes[source]
            surplus = total - quota
            for paper in received[source]:
                value = paper[2]
                assert isinstance(value, int)
                move(paper, surplus * value // total)
            received[source] = []
            votes[source] = quota
        else:
            cont = [c for c in range(n) if state[c] == "continuing"]
            loser = unique_extreme(cont, highest=False)
            state[loser] = "excluded"
            for paper in received[loser]:
                value = paper[2]
                assert isinstance(value, int)
                move(paper, value)
            received[loser] = []
            votes[loser] = 0
        end_stage()
    return stages


@st.composite
def contested(draw: st.DrawFn) -> Profile:
    """Several more candidates than seats and enough papers for many stages."""
    n = draw(st.integers(3, 7))
    seats = draw(st.integers(1, n - 2))
    rankings = st.permutations(range(n)).flatmap(
        lambda order: st.integers(1, n).map(lambda k: tuple((c,) for c in order[:k]))
    )
    papers = draw(
        st.lists(st.builds(RankedBallot, st.integers(1, 40), rankings), min_size=2, max_size=25)
    )
    gone = draw(st.frozensets(st.integers(0, n - 1), max_size=1))
    return Profile(tuple(f"C{i + 1}" for i in range(n)), seats, tuple(papers), gone)


def _has_paper(profile: Profile) -> bool:
    return any(c not in profile.withdrawn for b in profile.ballots for (c,) in b.ranking)


scottish_profiles = st.one_of(
    contested(),
    contested(),
    contested(),
    profiles(min_candidates=1, max_candidates=7, max_ballots=14, max_weight=30, seats=None),
).filter(_has_paper)


@given(scottish_profiles)
def test_every_stage_agrees_with_a_paper_by_paper_count(profile: Profile) -> None:
    """The sorted-slice engine and a literal paper-by-paper reading agree, stage by stage."""
    result = count(profile, "scottish_stv", CountOptions(seats=profile.seats, seed=SEED))
    try:
        expected = reference_count(profile, profile.seats)
    except LookupError:
        return  # a tie: the reference reads no history (the hand tests above do)
    assert [tuple(units(t) for t in stage.totals) for stage in result.stages] == expected


@given(scottish_profiles)
def test_totals_and_non_transferable_add_up_to_the_valid_papers(profile: Profile) -> None:
    """r.45(3), r.48: at every stage sum of totals + non-transferable = V; NT never falls."""
    result = count(profile, "scottish_stv", CountOptions(seats=profile.seats, seed=SEED))
    valid = sum(
        b.weight for b in profile.ballots if any(c not in profile.withdrawn for (c,) in b.ranking)
    )
    assert result.valid_votes == valid
    assert result.stages[0].transfers == result.stages[0].totals
    previous = Fraction(0)
    for stage in result.stages:
        assert sum(stage.totals) + stage.non_transferable == valid
        assert stage.non_transferable >= previous
        assert all(total >= 0 for total in stage.totals)
        if stage.number > 1:
            assert sum(stage.transfers) == previous - stage.non_transferable
        previous = stage.non_transferable


@given(scottish_profiles)
def test_exactly_min_of_seats_and_candidates_are_elected(profile: Profile) -> None:
    """r.47 and r.52 together fill min(S, standing candidates) seats."""
    result = count(profile, "scottish_stv", CountOptions(seats=profile.seats, seed=SEED))
    standing = len(profile.candidates) - len(profile.withdrawn)
    assert len(result.elected) == len(set(result.elected)) == min(profile.seats, standing)
    for stage in result.stages:
        for c in stage.excluded:
            assert c not in result.elected
            assert c not in profile.withdrawn


@given(scottish_profiles)
def test_the_same_ballots_always_give_the_same_result(profile: Profile) -> None:
    """Deterministic, and blind to the order and grouping of the papers."""
    options = CountOptions(seats=profile.seats, seed=SEED)
    first = count(profile, "scottish_stv", options)
    assert count(profile, "scottish_stv", options) == first
    split = tuple(
        RankedBallot(1, b.ranking) for b in reversed(profile.ballots) for _ in range(b.weight)
    )
    assert count(replace(profile, ballots=split), "scottish_stv", options) == first


@given(contested())
def test_many_candidates_and_withdrawn_use_the_same_rules(profile: Profile) -> None:
    """Over 255 candidates (or any withdrawn) rankings are tuples, not bytes: same count."""
    result = count(profile, "scottish_stv", CountOptions(seats=profile.seats, seed=SEED))
    padded = replace(
        profile,
        candidates=(*profile.candidates, *(f"X{i}" for i in range(300))),
        withdrawn=profile.withdrawn
        | frozenset(range(len(profile.candidates), len(profile.candidates) + 300)),
    )
    wide = count(padded, "scottish_stv", CountOptions(seats=profile.seats, seed=SEED))
    n = len(profile.candidates)
    assert wide.elected == result.elected
    assert [s.totals[:n] for s in wide.stages] == [s.totals for s in result.stages]

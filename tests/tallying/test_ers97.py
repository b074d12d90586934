"""ERS97 STV (``ers97``): worked examples and invariants.

No published ERS97 result sheet with its ballots could be found in the
sources available to us (the ERS's own worked example and OpenTally's
ERS97 test file were not reachable), so the worked examples below were
computed by hand from the rule text, paragraph by paragraph, and every
figure is checked. The rule text is the ERS's *How to conduct an election by
the Single Transferable Vote*, 3rd ed. (1997), as reproduced in OpenSTV's
``ERS97STV.py`` and at opavote.com/methods/ers97-stv-rules.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallying import CountError, CountOptions, Profile, RankedBallot, StageKind, count
from tallying.errors import InvalidBallot, InvalidProfile
from tallying.lots import draw
from tallying.result import ElectionResult, format_value
from tallying.testing import ranked_elections

SEED = b"ers97 test seed"


def profile(names: str, seats: int, lines: list[tuple[int, str]]) -> Profile:
    """A profile from ``(weight, "ABC")`` lines; candidates are letters of ``names``."""
    ballots = tuple(
        RankedBallot(weight, tuple((names.index(c),) for c in ranking)) for weight, ranking in lines
    )
    return Profile(tuple(names), seats, ballots)


def sheet(result: ElectionResult) -> list[tuple[list[str], str]]:
    """Each stage's totals and non-transferable vote as the result sheet prints them."""
    return [
        ([format_value(t, 2) for t in stage.totals], format_value(stage.non_transferable, 2))
        for stage in result.stages
    ]


def ers97(p: Profile, seed: bytes = SEED) -> ElectionResult:
    return count(p, "ers97", CountOptions(seats=p.seats, seed=seed))


# -- worked examples (hand-computed from the rule text) ---------------------------


def test_surplus_last_parcel_and_truncated_transfer_value() -> None:
    """5.3.1-5.3.2 last received batch; 5.3.7 TV truncated; 5.3.9 NT difference.

    V = 100, 3 seats: quota 100/4 = 25.00 (5.1.6). A's 50 papers carry
    25.00 at 25/50 = 0.50 (40 to B, 10 to C); B, elected at stage 2, passes
    on only the 40 papers received then, at 11.00/40 = 0.275 -> 0.27, so D
    gets 10.80 and 0.20 is the non-transferable difference. E's exclusion
    elects C with exactly the quota; D is formally excluded (5.5.2).
    """
    p = profile("ABCDE", 3, [(40, "ABD"), (10, "AC"), (16, "BD"), (12, "C"), (14, "D"), (8, "EC")])
    result = ers97(p)
    assert result.quota == 25
    assert result.elected_names == ("A", "B", "C")
    assert sheet(result) == [
        (["50.00", "16.00", "12.00", "14.00", "8.00"], "0.00"),
        (["25.00", "36.00", "17.00", "14.00", "8.00"], "0.00"),
        (["25.00", "25.00", "17.00", "24.80", "8.00"], "0.20"),
        (["25.00", "25.00", "25.00", "24.80", "0.00"], "0.20"),
    ]
    kinds = [s.kind for s in result.stages]
    assert kinds == [StageKind.FIRST, StageKind.SURPLUS, StageKind.SURPLUS, StageKind.EXCLUSION]
    assert [s.elected for s in result.stages] == [(0,), (1,), (), (2,)]
    assert result.stages[-1].excluded == (4, 3)
    assert "0.27" in result.stages[2].note


def test_quota_reduction_then_deferred_surplus_then_total_active_vote() -> None:
    """5.4.8 quota reduced; 5.2.2(a) deferral; 5.4.9(b) election on the total active vote.

    V = 52, 2 seats: quota 52/3 = 17.333 -> 17.34. E (7) is excluded: 4 go
    to D, 3 are non-transferable, so the quota becomes 49/3 -> 16.34 and A
    (17) is deemed elected. A's surplus 0.66 is deferred: it does not exceed
    B - C = 2. C's 9 papers are non-transferable; the total active vote is
    52 - 16.34 - 12 = 23.66, and D's 12 >= 23.66/2 = 11.83 elects D.
    """
    p = profile("ABCDE", 2, [(17, "AB"), (11, "BC"), (9, "C"), (8, "DE"), (4, "ED"), (3, "E")])
    result = ers97(p)
    assert result.elected_names == ("A", "D")
    assert result.quota == Fraction(1634, 100)
    assert [s.quota for s in result.stages] == [
        Fraction(1734, 100),
        Fraction(1634, 100),
        Fraction(1634, 100),
    ]
    assert sheet(result) == [
        (["17.00", "11.00", "9.00", "8.00", "7.00"], "0.00"),
        (["17.00", "11.00", "9.00", "12.00", "0.00"], "3.00"),
        (["17.00", "11.00", "0.00", "12.00", "0.00"], "12.00"),
    ]
    # A's surplus was never transferred: the last stage is C's exclusion.
    assert [s.kind for s in result.stages][1:] == [StageKind.EXCLUSION, StageKind.EXCLUSION]
    assert result.stages[2].elected == (3,)


def test_bulk_exclusion_and_batches_in_descending_value() -> None:
    """5.2.5 bulk exclusion; 5.4.1-5.4.11 batches by value, elections after each.

    V = 64, 3 seats, quota 16.00. E's surplus 17 goes on 27 transferable
    papers at 17/27 -> 0.62 (6 papers are non-transferable; the difference
    17 - 16.74 = 0.26 is recorded). F (0) and D (6.72) together do not exceed
    A (13), so both are excluded at once. Their 1.00 batch elects B (18); the
    0.62 batch then elects C (16.74).
    """
    p = profile(
        "ABCDEF",
        3,
        [(20, "EC"), (3, "DBE"), (15, "B"), (6, "EDC"), (1, "ECF"), (13, "AFB"), (6, "E")],
    )
    result = ers97(p)
    assert result.elected_names == ("E", "B", "C")
    assert sheet(result) == [
        (["13.00", "15.00", "0.00", "3.00", "33.00", "0.00"], "0.00"),
        (["13.00", "15.00", "13.02", "6.72", "16.00", "0.00"], "0.26"),
        (["13.00", "18.00", "13.02", "3.72", "16.00", "0.00"], "0.26"),
        (["13.00", "18.00", "16.74", "0.00", "16.00", "0.00"], "0.26"),
    ]
    batch1, batch2 = result.stages[2], result.stages[3]
    assert batch1.excluded == (3, 5) and batch1.elected == (1,)
    assert "batch 1 of 2" in batch1.note and "batch 2 of 2" in batch2.note
    assert batch2.elected == (2,) and batch2.excluded == (0,)  # A formally excluded


def test_bulk_exclusion_of_three() -> None:
    """5.2.5: D, E and C (1 + 1 + 2 = 4) together do not exceed B (9): one stage.

    V = 23, 1 seat: quota 11.50. After the bulk exclusion B has 12.
    """
    p = profile("ABCDE", 1, [(10, "A"), (9, "B"), (2, "CB"), (1, "DB"), (1, "EA")])
    result = ers97(p)
    assert result.elected_names == ("B",)
    assert len(result.stages) == 2
    assert result.stages[1].excluded == (2, 3, 4, 0)  # A formally excluded (5.5.2)
    assert sheet(result)[1] == (["11.00", "12.00", "0.00", "0.00", "0.00"], "0.00")


def test_exclusion_tie_broken_forwards() -> None:
    """5.2.5: equal lowest, the one with fewer votes at the *earliest* difference goes.

    B and C both have 5 at stage 4. At stage 1 B had 3 and C 4 (forwards:
    exclude B); at stage 2 B had 5 and C 4 (backwards would exclude C).
    B's papers then elect A. V = 19, 1 seat: quota 9.50, reduced to 8.50
    after E's two exhausted papers (5.4.8).
    """
    p = profile("ABCDE", 1, [(7, "A"), (3, "BA"), (4, "C"), (2, "DB"), (1, "EC"), (2, "E")])
    result = ers97(p)
    assert sheet(result)[:3] == [
        (["7.00", "3.00", "4.00", "2.00", "3.00"], "0.00"),
        (["7.00", "5.00", "4.00", "0.00", "3.00"], "0.00"),
        (["7.00", "5.00", "5.00", "0.00", "0.00"], "2.00"),
    ]
    assert result.stages[3].excluded[0] == 1
    assert result.elected_names == ("A",)
    assert result.lots == ()


def test_equal_surpluses_broken_forwards() -> None:
    """5.2.3: equal surpluses, the candidate with more votes at the earliest difference first.

    V = 39, 3 seats: quota 39/4 = 9.75. B (12) is elected at stage 1; its
    surplus 2.25 is deferred (D 3 to F 7 is 4, 5.2.2(a)) and D is excluded,
    taking C from 9 to 12: C's surplus is also 2.25. B had more at stage 1,
    so B's goes first: 12 papers at 2.25/12 = 0.1875 -> 0.18, E 10.16.
    """
    p = profile("BCDEF", 3, [(12, "BE"), (9, "CF"), (3, "DC"), (8, "E"), (7, "F")])
    result = ers97(p)
    assert [s.kind for s in result.stages] == [
        StageKind.FIRST,
        StageKind.EXCLUSION,
        StageKind.SURPLUS,
    ]
    assert result.stages[1].elected == (1,)
    assert result.stages[2].subjects == (0,)
    assert sheet(result)[2] == (["9.75", "12.00", "0.00", "10.16", "7.00"], "0.09")
    assert result.elected_names == ("B", "C", "E")


def test_lot_when_equal_at_every_stage() -> None:
    """5.2.5: equal at every point, the Returning Officer decides by lot (seeded draw)."""
    p = profile("ABC", 1, [(4, "A"), (3, "B"), (3, "C")])
    result = ers97(p, seed=b"announced seed")
    assert len(result.lots) == 1
    lot = result.lots[0]
    assert lot.tied == (1, 2)
    assert lot.chosen == draw(bytes.fromhex(lot.seed), (1, 2), 1)[0]
    assert result.stages[1].excluded[0] == lot.chosen
    assert result.elected_names == ("A",)


def test_lot_without_a_seed_is_refused() -> None:
    p = profile("ABC", 1, [(4, "A"), (3, "B"), (3, "C")])
    with pytest.raises(CountError, match="lot"):
        count(p, "ers97", CountOptions(seats=1))


def test_deeming_elected_tie_elects_neither() -> None:
    """5.6.2: equal votes at every point and too few places: none deemed elected then.

    A and B have 5 each, 1 seat: both reach the total active vote / 2 = 5,
    but neither is deemed elected; the count goes on to an exclusion by lot
    and the other is elected by 5.5.1.
    """
    p = profile("AB", 1, [(5, "A"), (5, "B")])
    result = ers97(p, seed=b"s")
    assert result.stages[0].elected == ()
    assert len(result.elected) == 1
    assert result.stages[-1].kind is StageKind.FILL


def test_equal_rankings_refused() -> None:
    ballots = (RankedBallot(1, ((0, 1),)),)
    with pytest.raises(InvalidBallot):
        count(Profile(("A", "B"), 1, ballots), "ers97")


def test_no_valid_papers_refused() -> None:
    p = Profile(("A", "B"), 1, (RankedBallot(3, ((0,),)),), withdrawn=frozenset({0}))
    with pytest.raises(InvalidProfile):
        count(p, "ers97")


def test_withdrawn_candidate_is_skipped() -> None:
    p = Profile(
        ("A", "B", "C"),
        1,
        (RankedBallot(4, ((0,), (1,))), RankedBallot(3, ((1,),)), RankedBallot(2, ((2,),))),
        withdrawn=frozenset({0}),
    )
    result = ers97(p)
    assert result.elected_names == ("B",)
    assert result.stages[0].totals[0] == 0


def test_more_seats_than_candidates() -> None:
    p = profile("AB", 3, [(3, "A"), (1, "B")])
    assert set(ers97(p).elected_names) == {"A", "B"}


# -- invariants (Hypothesis) ----------------------------------------------------


def elections() -> st.SearchStrategy[Profile]:
    return ranked_elections()


@given(elections())
def test_invariants(p: Profile) -> None:
    """Every stage: totals + non-transferable = total valid vote, exactly (5.3.11,
    5.4.15, in hundredths); seats filled exactly; no papers to the elected
    (5.4.10); a first-preference quota elects at stage 1 (5.1.7); determinism."""
    result = ers97(p)
    valid = p.total_weight
    assert result.valid_votes == valid
    for stage in result.stages:
        assert sum(stage.totals) + stage.non_transferable == valid
        assert all((t * 100).denominator == 1 for t in stage.totals)
    assert len(result.elected) == p.seats
    assert len(set(result.elected)) == p.seats
    first = result.stages[0]
    assert first.quota is not None
    for c, votes in enumerate(first.totals):
        if votes >= first.quota:
            assert c in first.elected
    elected_at: dict[int, int] = {}
    for i, stage in enumerate(result.stages):
        for c in stage.elected:
            elected_at[c] = i
        for c, moved in enumerate(stage.transfers):
            if c in elected_at and elected_at[c] < i:
                assert moved <= 0, "no papers go to a candidate already deemed elected"
    assert ers97(p) == result

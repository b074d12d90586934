"""Petitions that trigger a members' ballot: a fraction of members, a number, or both."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallying.errors import CountError
from tallying.petition import PetitionRule, PetitionThreshold

pytestmark = pytest.mark.unit

FIVE_PERCENT = Fraction(5, 100)


def test_five_percent_or_a_thousand_whichever_is_lower() -> None:
    rule = PetitionThreshold(FIVE_PERCENT, 1000, PetitionRule.EITHER)
    assert rule.required(10_000) == 500  # 5% is lower
    assert rule.required(20_000) == 1000  # equal
    assert rule.required(50_000) == 1000  # 1,000 is lower
    assert rule.is_met(500, 10_000)
    assert not rule.is_met(499, 10_000)
    assert rule.name == "petition_5_percent_of_members_or_1000_members"
    assert rule.description == "5% of members or 1,000 members, whichever is lower"


def test_both_takes_the_higher() -> None:
    rule = PetitionThreshold(FIVE_PERCENT, 1000, PetitionRule.BOTH)
    assert rule.required(10_000) == 1000
    assert rule.required(50_000) == 2500
    assert rule.is_met(2500, 50_000)
    assert not rule.is_met(2499, 50_000)
    assert rule.name == "petition_5_percent_of_members_and_1000_members"
    assert rule.description == "5% of members and 1,000 members, whichever is higher"


@pytest.mark.parametrize(("membership", "required"), [(1000, 50), (1010, 51), (1019, 51), (1, 1)])
def test_fraction_rounds_up(membership: int, required: int) -> None:
    rule = PetitionThreshold(fraction_of_members=FIVE_PERCENT)
    assert rule.required(membership) == required
    assert rule.is_met(required, membership)
    assert not rule.is_met(required - 1, membership)


def test_always_at_least_one_signature() -> None:
    rule = PetitionThreshold(fraction_of_members=FIVE_PERCENT)
    assert rule.required(0) == 1
    assert not rule.is_met(0, 0)


def test_number_only() -> None:
    rule = PetitionThreshold(members=250)
    assert rule.required(10) == 250
    assert rule.name == "petition_250_members"
    assert rule.description == "250 members"


def test_names_of_other_fractions() -> None:
    assert PetitionThreshold(Fraction(1, 40)).name == "petition_2_5_percent_of_members"
    assert PetitionThreshold(Fraction(1, 40)).description == "2.5% of members"
    assert PetitionThreshold(Fraction(1, 3)).name == "petition_one_third_of_members"
    assert PetitionThreshold(Fraction(1, 3)).description == "one-third of members"


def test_rule_accepts_its_name() -> None:
    rule = PetitionThreshold(FIVE_PERCENT, 1000, "both")  # type: ignore[arg-type]
    assert rule.rule is PetitionRule.BOTH


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"fraction_of_members": Fraction(0)},
        {"fraction_of_members": Fraction(11, 10)},
        {"fraction_of_members": 0.05},
        {"members": 0},
        {"members": True},
        {"members": 10, "rule": "most"},
    ],
)
def test_rejects_bad_rules(kwargs: dict[str, object]) -> None:
    with pytest.raises(CountError):
        PetitionThreshold(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("signatures", "membership"), [(-1, 10), (3, -1), (True, 10), (2.0, 10)])
def test_rejects_bad_counts(signatures: int, membership: int) -> None:
    with pytest.raises(CountError):
        PetitionThreshold(members=3).is_met(signatures, membership)


FRACTIONS = st.fractions(min_value=Fraction(1, 100), max_value=1, max_denominator=100)
NUMBERS = st.integers(min_value=1, max_value=5000)


@given(FRACTIONS, NUMBERS, st.sampled_from(list(PetitionRule)), st.integers(0, 100_000))
def test_required_is_the_least_count_that_meets_the_rule(
    fraction: Fraction, number: int, rule: PetitionRule, membership: int
) -> None:
    """ "5% of members or 1,000 members": the target is the least s >= 1 such that
    s/membership >= 5% or (both: and) s >= 1,000, checked at the target and one below."""
    threshold = PetitionThreshold(fraction, number, rule)
    target = threshold.required(membership)

    def meets(s: int) -> bool:
        by_fraction = Fraction(s) >= fraction * membership
        by_number = s >= number
        either = by_fraction or by_number
        both = by_fraction and by_number
        return s >= 1 and (either if rule is PetitionRule.EITHER else both)

    assert meets(target)
    assert target == 1 or not meets(target - 1)
    assert threshold.is_met(target, membership)
    assert not threshold.is_met(target - 1, membership)


@given(FRACTIONS, NUMBERS, st.integers(0, 100_000))
def test_either_never_asks_more_than_both(fraction: Fraction, number: int, membership: int) -> None:
    """ "Whichever is lower" is never higher than "whichever is higher"."""
    lower = PetitionThreshold(fraction, number, PetitionRule.EITHER).required(membership)
    higher = PetitionThreshold(fraction, number, PetitionRule.BOTH).required(membership)
    assert lower <= higher

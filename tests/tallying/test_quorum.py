"""Quorum: a fixed number, a fraction of members rounded up, or the larger of both."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallying.errors import CountError
from tallying.quorum import Quorum, ceil_fraction, fraction_name

pytestmark = pytest.mark.unit


def test_fixed_number() -> None:
    quorum = Quorum(number=5)
    assert quorum.required(40) == 5
    assert quorum.is_met(5, 40)
    assert not quorum.is_met(4, 40)
    assert quorum.name == "quorum_fixed_5"
    assert quorum.description == "5 persons present"


@pytest.mark.parametrize(("members", "required"), [(9, 3), (10, 4), (11, 4), (12, 4), (13, 5)])
def test_fraction_rounds_up(members: int, required: int) -> None:
    quorum = Quorum(fraction=Fraction(1, 3))
    assert quorum.required(members) == required
    assert quorum.is_met(required, members)
    assert not quorum.is_met(required - 1, members)
    assert quorum.name == "quorum_one_third_of_members"
    assert quorum.description == "one-third of the members (rounded up)"


@pytest.mark.parametrize(("members", "required"), [(3, 3), (6, 3), (9, 3), (10, 4), (30, 10)])
def test_both_takes_the_larger(members: int, required: int) -> None:
    """One-third of the members, but never fewer than three."""
    quorum = Quorum(number=3, fraction=Fraction(1, 3))
    assert quorum.required(members) == required
    assert quorum.name == "quorum_one_third_of_members_at_least_3"
    assert quorum.description == "one-third of the members (rounded up), and at least 3"


def test_quorum_larger_than_the_roll_is_never_met() -> None:
    quorum = Quorum(number=5)
    assert quorum.required(4) == 5
    assert not quorum.is_met(4, 4)


def test_at_least_one_person() -> None:
    quorum = Quorum(fraction=Fraction(1, 10))
    assert quorum.required(0) == 1
    assert not quorum.is_met(0, 0)
    assert quorum.required(3) == 1


def test_names_of_other_fractions() -> None:
    assert Quorum(fraction=Fraction(1)).name == "quorum_all_members"
    assert Quorum(fraction=Fraction(1, 2)).name == "quorum_one_half_of_members"
    assert Quorum(fraction=Fraction(3, 7)).name == "quorum_3_in_7_of_members"
    assert fraction_name(Fraction(1, 4)) == "one_quarter"


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"number": 0},
        {"number": -3},
        {"number": True},
        {"number": 2.0},
        {"fraction": Fraction(0)},
        {"fraction": Fraction(-1, 3)},
        {"fraction": Fraction(4, 3)},
        {"fraction": 0.5},
        {"number": 3, "fraction": Fraction(3, 2)},
    ],
)
def test_rejects_bad_rules(kwargs: dict[str, object]) -> None:
    with pytest.raises(CountError):
        Quorum(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("present", "members"), [(-1, 10), (11, 10), (3, -1), (True, 10)])
def test_rejects_bad_counts(present: int, members: int) -> None:
    with pytest.raises(CountError):
        Quorum(number=3).is_met(present, members)


NUMBERS = st.integers(min_value=1, max_value=50)
FRACTIONS = st.fractions(min_value=Fraction(1, 12), max_value=1, max_denominator=12)
quorums = st.one_of(
    st.builds(Quorum, number=NUMBERS),
    st.builds(Quorum, fraction=FRACTIONS),
    st.builds(Quorum, number=NUMBERS, fraction=FRACTIONS),
)


def _safe_quorum(number: int | None, fraction: Fraction | None) -> Quorum | None:
    try:
        return Quorum(number=number, fraction=fraction)
    except CountError:
        return None


@given(
    st.none() | NUMBERS,
    st.none() | FRACTIONS,
    st.integers(min_value=0, max_value=300),
)
def test_required_is_the_least_present_that_meets_every_part(
    number: int | None, fraction: Fraction | None, members: int
) -> None:
    """ "One-third of the members (rounded up), and at least N": the quorum is the smallest
    number of persons p >= 1 with p >= N and p / members >= fraction, found by counting."""
    quorum = _safe_quorum(number, fraction)
    if quorum is None:
        assert number is None and fraction is None
        return
    least = next(
        p
        for p in range(1, 400)
        if (number is None or p >= number)
        and (fraction is None or Fraction(p) >= fraction * members)
    )
    assert quorum.required(members) == least
    for present in range(0, members + 1):
        assert quorum.is_met(present, members) is (present >= least)


@given(quorums, st.integers(min_value=0, max_value=300))
def test_more_members_never_lower_the_quorum(quorum: Quorum, members: int) -> None:
    """A quorum grows (or stays) with the roll: it never falls when a member joins."""
    assert quorum.required(members + 1) >= quorum.required(members)


@given(st.fractions(max_denominator=50))
def test_ceil_fraction(value: Fraction) -> None:
    """ceil(x) is the least whole number n with n >= x."""
    n = ceil_fraction(value)
    assert n >= value > n - 1

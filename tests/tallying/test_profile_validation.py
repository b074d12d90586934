"""Profile validation: the fast whole-profile check refuses exactly what the full one does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallying.errors import InvalidBallot
from tallying.profile import Profile, RankedBallot, validate_ballot

pytestmark = pytest.mark.unit

GOOD = RankedBallot(2, ((0,), (1,)))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (RankedBallot(0, ((0,),)), "at least 1"),
        (RankedBallot(True, ((0,),)), "whole number"),  # type: ignore[arg-type]
        (RankedBallot(1, ((3,),)), "not on the ballot"),
        (RankedBallot(1, ((-1,),)), "not on the ballot"),
        (RankedBallot(1, ((0,), (0,))), "more than once"),
        (RankedBallot(1, ((0, 1), (1,))), "more than once"),
        (RankedBallot(1, ((),)), "at least one candidate"),
        (RankedBallot(1, ((True,),)), "whole numbers"),
    ],
)
def test_a_bad_ballot_among_good_ones_is_refused_with_its_reason(
    bad: RankedBallot, message: str
) -> None:
    with pytest.raises(InvalidBallot, match=message):
        Profile(("A", "B", "C"), 1, (GOOD, GOOD, bad, GOOD))


ballot = st.builds(
    RankedBallot,
    st.integers(-1, 3),
    st.lists(st.lists(st.integers(-1, 4), max_size=2).map(tuple), max_size=4).map(tuple),
)


@given(st.lists(ballot, max_size=6))
def test_the_profile_accepts_exactly_the_ballots_each_check_accepts(
    ballots: list[RankedBallot],
) -> None:
    def each_valid() -> bool:
        try:
            for b in ballots:
                validate_ballot(b, 4)
        except InvalidBallot:
            return False
        return True

    try:
        Profile(("A", "B", "C", "D"), 1, tuple(ballots))
        accepted = True
    except InvalidBallot:
        accepted = False
    assert accepted == each_valid()

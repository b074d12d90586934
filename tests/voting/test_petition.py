"""Petitions for a members' ballot: the threshold is fixed by the membership at opening."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from voting import commands as c
from voting import events as ev
from voting.errors import AlreadyExists, DomainError, NotEntitled, OutOfOrder
from voting.petition import threshold_named

from .builders import SEC, Room

pytestmark = pytest.mark.unit

ASK = "We call for a members' ballot on the slate."


def test_the_threshold_is_a_snapshot_of_the_membership_at_opening() -> None:
    room = Room.founded().members(8)  # 10 members who may vote
    (opened,) = room.do(c.OpenPetition, "m1", petition="p", text=ASK, fraction="1/4")
    assert (opened.membership, opened.required) == (10, 3)
    room.members(10, start=20)  # admissions after opening do not move the goalposts
    room.do(c.SuspendMember, SEC, member="m8", reason="arrears")
    assert room.state.petitions["p"].required == 3
    for member in ("m1", "m2"):
        room.do(c.SignPetition, member, petition="p")
    room.do(c.SignPetition, "m3", petition="p")
    (closed,) = room.do(c.ClosePetition, SEC, petition="p")
    assert closed == ev.PetitionClosed(closed.at, "p", 3, 3, True, SEC)
    assert room.state.petitions["p"].met
    assert room.replayed() == room.state


def test_a_petition_short_of_its_threshold_is_not_met() -> None:
    room = Room.founded().members(8)
    room.do(c.OpenPetition, "m1", petition="p", text=ASK, number=5)
    room.do(c.SignPetition, "m1", petition="p")
    (closed,) = room.do(c.ClosePetition, SEC, petition="p")
    assert (closed.signatures, closed.required, closed.met) == (1, 5, False)
    error = room.refuse(OutOfOrder, c.SignPetition, "m2", petition="p")
    assert "closed" in str(error)


def test_a_member_signs_once_and_suspended_members_and_observers_do_not_sign() -> None:
    room = Room.founded().members(3).member("obs", roles=("observer",))
    room.do(c.OpenPetition, "m1", petition="p", text=ASK, number=2)
    room.do(c.SignPetition, "m1", petition="p")
    assert "already signed" in str(room.refuse(AlreadyExists, c.SignPetition, "m1", petition="p"))
    room.refuse(NotEntitled, c.SignPetition, "obs", petition="p")
    room.do(c.SuspendMember, SEC, member="m2", reason="arrears")
    room.refuse(NotEntitled, c.SignPetition, "m2", petition="p")


def test_only_an_officer_closes_a_petition() -> None:
    room = Room.founded().members(3)
    room.do(c.OpenPetition, "m1", petition="p", text=ASK, number=2)
    room.refuse(NotEntitled, c.ClosePetition, "m1", petition="p")


@pytest.mark.parametrize("threshold", [{"fraction": "0"}, {"fraction": "3/2"}, {"number": -1},
                                       {}])  # fmt: skip
def test_a_bad_petition_threshold_is_a_domain_error(threshold: dict[str, object]) -> None:
    room = Room.founded().members(3)
    room.refuse(DomainError, c.OpenPetition, "m1", petition="p", text=ASK, **threshold)


@given(numerator=st.integers(1, 10**9), denominator=st.integers(1, 10**9),
       number=st.integers(0, 10**9), rule=st.sampled_from(["either", "both"]))
def test_any_fraction_a_petition_opens_with_is_read_back_from_its_logged_name(
        numerator: int, denominator: int, number: int, rule: str) -> None:
    """Found over HTTP: a fraction with a denominator over 100 (``6/934``) opened a
    petition whose logged threshold name (``petition_3_in_467_of_members``) the decider
    itself could not read back, so the command failed as an inconsistent event (a 500)."""
    assume(numerator <= denominator)
    room = Room.founded().members(3)
    (opened,) = room.do(c.OpenPetition, "m1", petition="p", text=ASK,
                        fraction=f"{numerator}/{denominator}", number=number, rule=rule)
    assert threshold_named(opened.threshold).name == opened.threshold
    assert room.replayed() == room.state

"""The body and its members: founding profiles, admission, weights, roles, suspension."""

from __future__ import annotations

import pytest

from tallying.majority import Threshold, TieRule
from voting import commands as c
from voting import events as ev
from voting.errors import AlreadyExists, NotEntitled, NotFound, OutOfOrder
from voting.standing_orders import AmendmentOrder, ProceduralKind, RevotePolicy, WithdrawalRule
from voting.state import Role

from .builders import CHAIR, MEETING, MOTION, SEC, Room

pytestmark = pytest.mark.unit


# -- founding ------------------------------------------------------------------------


def test_citrine_profile_is_logged_by_name_with_its_defaults() -> None:
    room = Room.founded("citrine")
    founded = room.log[0]
    assert founded == ev.BodyFounded(
        founded.at, "Test Branch", "citrine", proxies_allowed=False, revote="no_revote"
    )
    orders = room.state.orders
    assert orders.name == "citrine"
    assert orders.tie_rule is TieRule.CHAIR_CASTING_VOTE
    assert orders.amendment_order is AmendmentOrder.BY_POSITION
    assert orders.withdrawal is WithdrawalRule.MOVER_THEN_UNANIMOUS_CONSENT
    assert orders.procedural_threshold(ProceduralKind.CLOSURE) is Threshold.SIMPLE_MAJORITY
    assert orders.procedural_threshold(ProceduralKind.WITHDRAW) is Threshold.UNANIMITY


def test_roberts_profile_has_its_own_rules() -> None:
    orders = Room.founded("roberts").state.orders
    assert orders.name == "roberts"
    assert orders.tie_rule is TieRule.FALLS
    assert orders.amendment_order is AmendmentOrder.AS_RECEIVED
    assert orders.withdrawal is WithdrawalRule.MOVER_THEN_ASSEMBLY
    assert orders.procedural_threshold(ProceduralKind.CLOSURE) is (
        Threshold.TWO_THIRDS_OF_VOTES_CAST
    )
    assert orders.procedural_threshold(ProceduralKind.REFER_BACK) is Threshold.SIMPLE_MAJORITY


def test_founding_can_override_proxies_and_revote_and_the_log_says_so() -> None:
    room = Room.founded("citrine", proxies_allowed=True, revote="last_counts")
    assert room.log[0].proxies_allowed is True
    assert room.log[0].revote == "last_counts"
    assert room.state.orders.proxies_allowed is True
    assert room.state.orders.revote is RevotePolicy.LAST_COUNTS
    assert room.replayed() == room.state


def test_a_body_is_founded_once() -> None:
    room = Room.founded()
    error = room.refuse(OutOfOrder, c.FoundBody, SEC, name="Again")
    assert "already been founded" in str(error)


def test_unknown_standing_orders_are_refused_naming_the_known_ones() -> None:
    room = Room.founded()
    fresh = Room(type(room.state)(), [])
    error = fresh.refuse(NotFound, c.FoundBody, SEC, name="X", standing_orders="erskine_may")
    assert "citrine" in str(error) and "roberts" in str(error)


# -- admission, weights, roles ---------------------------------------------------------


def test_admission_records_weight_section_and_roles() -> None:
    room = Room.founded()
    (event,) = room.do(c.AdmitMember, SEC, member="u1", name="Unite", weight=5000,
                       section="affiliates", roles=("member",))  # fmt: skip
    assert event == ev.MemberAdmitted(event.at, "u1", "Unite", 5000, "affiliates", ("member",))
    member = room.state.members["u1"]
    assert (member.weight, member.section, member.roles) == (5000, "affiliates", {Role.MEMBER})
    assert room.state.membership() == 3
    assert room.state.membership(weighted=True) == 5000 + 2


def test_roles_are_sorted_and_deduplicated_in_the_log() -> None:
    room = Room.founded()
    (event,) = room.do(c.AdmitMember, SEC, member="x", name="X", roles=("secretary", "member",
                                                                          "member"))  # fmt: skip
    assert event.roles == ("member", "secretary")


def test_only_an_officer_admits_once_the_body_has_one() -> None:
    room = Room.founded().members(1)
    error = room.refuse(NotEntitled, c.AdmitMember, "m1", member="m9", name="Nine")
    assert "chair or secretary" in str(error)
    room.do(c.AdmitMember, CHAIR, member="m9", name="Nine")
    assert "m9" in room.state.members


def test_an_id_is_admitted_once() -> None:
    room = Room.founded().members(1)
    error = room.refuse(AlreadyExists, c.AdmitMember, SEC, member="m1", name="Again")
    assert "already a member" in str(error)


def test_observers_are_not_counted_in_the_membership() -> None:
    room = Room.founded().members(2).member("obs", roles=("observer",))
    assert not room.state.members["obs"].may_vote
    assert room.state.membership() == 4


# -- suspension and reinstatement ------------------------------------------------------


def test_suspension_is_an_event_with_its_reason_and_who_did_it() -> None:
    room = Room.founded().members(2)
    (event,) = room.do(c.SuspendMember, SEC, member="m1", reason="arrears")
    assert event == ev.MemberSuspended(event.at, "m1", "arrears", SEC)
    assert room.state.members["m1"].suspended
    assert room.state.membership() == 3
    assert room.replayed() == room.state


def test_a_suspended_member_cannot_vote_move_or_second() -> None:
    room = Room.founded().members(4).meeting().motion(debate=False, seconder="")
    room.do(c.SuspendMember, SEC, member="m3", reason="conduct")
    moved = room.refuse(NotEntitled, c.MoveMotion, "m3", motion="m-x", meeting=MEETING,
                        title="T", text="That we act.")  # fmt: skip
    seconded = room.refuse(NotEntitled, c.SecondMotion, "m3", motion=MOTION)
    assert "suspended" in str(moved) and "suspended" in str(seconded)
    room.do(c.SecondMotion, "m2", motion=MOTION)
    room.do(c.OpenDebate, CHAIR, motion=MOTION)
    room.do(c.OpenBallot, CHAIR, ballot="b1", subject=MOTION, method="recorded")
    assert ("m3", "m3") not in room.state.ballots["b1"].roll
    voted = room.refuse(NotEntitled, c.CastVote, "m3", ballot="b1", choice="for")
    assert "not on the roll" in str(voted)


def test_a_member_suspended_after_the_question_is_put_cannot_vote() -> None:
    room = Room.founded().members(4).meeting().motion()
    room.do(c.OpenBallot, CHAIR, ballot="b1", subject=MOTION, method="recorded")
    room.do(c.SuspendMember, SEC, member="m3", reason="conduct")
    error = room.refuse(NotEntitled, c.CastVote, "m3", ballot="b1", choice="for")
    assert "suspended" in str(error)


def test_reinstatement_restores_the_right_to_act() -> None:
    room = Room.founded().members(2)
    room.do(c.SuspendMember, SEC, member="m1", reason="arrears")
    (event,) = room.do(c.ReinstateMember, SEC, member="m1")
    assert event == ev.MemberReinstated(event.at, "m1", SEC)
    assert not room.state.members["m1"].suspended
    assert room.state.membership() == 4


def test_suspension_and_reinstatement_are_refused_when_they_would_change_nothing() -> None:
    room = Room.founded().members(1)
    assert "not suspended" in str(room.refuse(OutOfOrder, c.ReinstateMember, SEC, member="m1"))
    room.do(c.SuspendMember, SEC, member="m1", reason="arrears")
    again = room.refuse(OutOfOrder, c.SuspendMember, SEC, member="m1", reason="again")
    assert "already suspended" in str(again)


def test_a_suspended_officer_cannot_change_the_membership() -> None:
    room = Room.founded().members(1)
    room.do(c.SuspendMember, SEC, member=CHAIR, reason="conduct")
    room.refuse(NotEntitled, c.AdmitMember, CHAIR, member="m9", name="Nine")
    room.refuse(NotEntitled, c.ReinstateMember, CHAIR, member=CHAIR)


# -- replay refuses body events the decider would refuse ----------------------------------

_FOUNDED = ev.BodyFounded("t0", "Test Branch", "citrine", False, "no_revote")
_ADMITTED = ev.MemberAdmitted("t1", "m1", "One", 1, "", ("member",))


@pytest.mark.parametrize(
    "forged",
    [
        ev.MemberSuspended("t2", "m1", "arrears", "m1"),  # then re-admitted: suspension undone
        ev.MemberAdmitted("t2", "m2", "Two", 0, "", ("member",)),
        ev.MemberAdmitted("t2", "m2", "Two", -3, "", ("member",)),
        ev.BodyFounded("t2", "Other", "roberts", True, "last_counts"),
        ev.MemberAdmitted("t2", "m2", "Two", 1, "", ("king",)),
        ev.MemberAdmitted("t2", "m2", "Two", 1, "", ()),
    ],
    ids=["readmission", "weight-0", "weight-negative", "refounding", "unknown-role", "no-role"],
)
def test_replay_refuses_a_forged_body_event(forged: ev.Event) -> None:
    """A log the decider could not have written does not replay (regression: it used to)."""
    from voting.decider import replay
    from voting.errors import DomainError

    log: list[ev.Event] = [_FOUNDED, _ADMITTED, forged]
    if isinstance(forged, ev.MemberSuspended):
        log.append(_ADMITTED)
    with pytest.raises(DomainError):
        replay(log)


def test_replay_refuses_a_founding_with_an_unknown_revote_policy() -> None:
    from voting.decider import replay
    from voting.errors import DomainError

    with pytest.raises(DomainError, match="revote policy"):
        replay([ev.BodyFounded("2025-01-01T00:00:00Z", "Branch", "citrine", False, "sometimes")])

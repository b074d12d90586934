"""Meetings: convening, attendance, proxies, quorum, publication policy, closing.

The quorum is checked when business starts and recorded with every ballot
(Citrine, *ABC of Chairmanship*: no business may be done without a quorum).
"""

from __future__ import annotations

from fractions import Fraction

from tallying.errors import CountError
from tallying.quorum import Quorum
from voting import events as ev
from voting.body import check_name, require_founded
from voting.chatham import publication_takes_effect, register_event
from voting.commands import (
    AppointProxy,
    CloseMeeting,
    ConveneMeeting,
    RecordAttendance,
    SetPublication,
    StartBusiness,
)
from voting.derived import Derived, make
from voting.errors import AlreadyExists, DomainError, InconsistentEvent, NotEntitled, OutOfOrder
from voting.ids import check_id
from voting.lifecycle import MotionState
from voting.state import BodyState, ElectionStage, Meeting, Publication, Role, put, with_

__all__ = [
    "appoint_proxy",
    "close_meeting",
    "convene_meeting",
    "derive_business_started",
    "derive_closed",
    "make_quorum",
    "record_attendance",
    "set_publication",
    "start_business",
]

OPEN_STATES = frozenset({MotionState.UNDER_DEBATE, MotionState.PUT})


def make_quorum(number: int, fraction: str) -> Quorum:
    """The quorum from its logged form: a number, a fraction like "1/3", or both."""
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        raise DomainError("a quorum number must be a whole number of at least 0")
    parsed: Fraction | None = None
    if fraction:
        try:
            parsed = Fraction(fraction)
        except (ValueError, ZeroDivisionError):
            raise DomainError(f"a quorum fraction must look like 1/3, not {fraction!r}") from None
    if not number and parsed is None:
        raise DomainError("a meeting needs a quorum: a number of members, a fraction, or both")
    try:
        return Quorum(number=number or None, fraction=parsed)
    except CountError as refusal:
        raise DomainError(f"that quorum cannot be used: {refusal}") from refusal


def convene_meeting(state: BodyState, cmd: ConveneMeeting) -> list[ev.Event]:
    require_founded(state)
    check_id(cmd.meeting, "meeting")
    if cmd.meeting in state.meetings:
        raise AlreadyExists(f"there is already a meeting {cmd.meeting!r}")
    caller = state.members.get(cmd.by)
    if caller is None or not ({Role.CHAIR, Role.SECRETARY} & caller.roles) or caller.suspended:
        raise NotEntitled("only the body's chair or secretary may convene a meeting")
    check_name(cmd.title, "meeting")
    for who, role in ((cmd.chair, "chair"), (cmd.secretary, "secretary")):
        member = state.member(who)
        if member.suspended:
            raise NotEntitled(f"{member.name} is suspended and may not act as {role}")
    number, fraction = cmd.quorum_number, cmd.quorum_fraction
    if not number and not fraction:  # none of its own: the standing orders' quorum
        number, fraction = state.orders.quorum_number, state.orders.quorum_fraction
    quorum = make_quorum(number, fraction)
    require_orders_quorum(state, quorum)
    try:
        publication = Publication(cmd.publication)
    except ValueError:
        raise DomainError(
            f"publication must be open or unattributed, not {cmd.publication!r}"
        ) from None
    convened = ev.MeetingConvened(
        cmd.at,
        cmd.meeting,
        cmd.title,
        cmd.chair,
        cmd.secretary,
        number,
        _fraction_text(quorum),
        publication.value,
    )
    if publication != Publication.UNATTRIBUTED:
        return [convened]
    return [convened, register_event(state, cmd.at, cmd.meeting, cmd.meeting_secret)]


def require_orders_quorum(state: BodyState, quorum: Quorum) -> None:
    """A meeting's quorum is no lower than the least the standing orders set
    (``quorum_number``, ``quorum_fraction``), part by part (docs/standing-orders.md)."""
    least_number = state.orders.quorum_number
    least_fraction = Fraction(state.orders.quorum_fraction or 0)
    if (quorum.number or 0) < least_number or (quorum.fraction or 0) < least_fraction:
        least = " and ".join(
            part for part in (f"{least_number} members" if least_number else "",
                              state.orders.quorum_fraction and
                              f"{state.orders.quorum_fraction} of the membership")
            if part
        )
        raise OutOfOrder(f"the standing orders set a quorum of at least {least} for a meeting")


def _fraction_text(quorum: Quorum) -> str:
    """The quorum fraction as it is logged: lowest terms, "1/2" (never "0.5" or "2/4")."""
    return "" if quorum.fraction is None else str(quorum.fraction)


def evolve_convened(state: BodyState, e: ev.MeetingConvened) -> BodyState:
    quorum = make_quorum(e.quorum_number, e.quorum_fraction)
    require_orders_quorum(state, quorum)
    if e.quorum_fraction != _fraction_text(quorum):
        raise InconsistentEvent(
            f"the quorum fraction {e.quorum_fraction!r} is not logged in lowest terms "
            f"({_fraction_text(quorum)!r})"
        )
    publication = Publication(e.publication)
    meeting = Meeting(
        e.meeting,
        e.title,
        e.chair,
        e.secretary,
        quorum,
        publication,
    )
    return with_(state, meetings=put(state.meetings, e.meeting, meeting),
                 awaiting_register=publication_takes_effect(state, e.meeting, publication))


def open_meeting(state: BodyState, meeting_id: str) -> Meeting:
    meeting = state.meeting(meeting_id)
    if meeting.closed:
        raise OutOfOrder(f"the meeting {meeting.title!r} has closed")
    return meeting


def require_recorder(state: BodyState, meeting: Meeting, who: str) -> None:
    if who not in {meeting.chair, meeting.secretary}:
        raise NotEntitled("only the chair or the secretary records attendance")


def record_attendance(state: BodyState, cmd: RecordAttendance) -> list[ev.Event]:
    meeting = open_meeting(state, cmd.meeting)
    require_recorder(state, meeting, cmd.by)
    member = state.member(cmd.member)
    if cmd.present and cmd.member in meeting.present:
        raise OutOfOrder(f"{member.name} is already recorded as present")
    if not cmd.present and cmd.member not in meeting.present:
        raise OutOfOrder(f"{member.name} is not recorded as present")
    if cmd.present and member.suspended:
        raise NotEntitled(f"{member.name} is suspended and may not take part")
    return [ev.AttendanceRecorded(cmd.at, cmd.meeting, cmd.member, cmd.present)]


def evolve_attendance(state: BodyState, e: ev.AttendanceRecorded) -> BodyState:
    meeting = state.meeting(e.meeting)
    present = meeting.present | {e.member} if e.present else meeting.present - {e.member}
    return with_(state, meetings=put(state.meetings, e.meeting, with_(meeting, present=present)))


def appoint_proxy(state: BodyState, cmd: AppointProxy) -> list[ev.Event]:
    meeting = open_meeting(state, cmd.meeting)
    require_recorder(state, meeting, cmd.by)
    _require_proxy_allowed(state, meeting, cmd.giver, cmd.holder)
    return [ev.ProxyAppointed(cmd.at, cmd.meeting, cmd.giver, cmd.holder)]


def _require_proxy_allowed(state: BodyState, meeting: Meeting, giver_id: str, holder_id: str
                           ) -> None:
    """A proxy only where the standing orders allow them, from an absent member who may vote
    and has given none yet, to another voting member who is present."""
    if not state.orders.proxies_allowed:
        raise OutOfOrder(f"the standing orders of {state.name} do not allow proxies")
    giver = state.member(giver_id)
    state.member(holder_id)
    if giver_id == holder_id:
        raise DomainError("a member cannot hold their own proxy")
    if not giver.may_vote:
        raise NotEntitled(f"{giver.name} may not vote, so cannot give a proxy")
    if giver_id in meeting.present:
        raise OutOfOrder(f"{giver.name} is present and votes in person")
    if giver_id in meeting.proxies:
        raise AlreadyExists(f"{giver.name} has already given a proxy")
    state.require_voting_member_present(meeting, holder_id, "hold a proxy")


def evolve_proxy(state: BodyState, e: ev.ProxyAppointed) -> BodyState:
    meeting = open_meeting(state, e.meeting)
    _require_proxy_allowed(state, meeting, e.giver, e.holder)
    meeting = with_(meeting, proxies=put(meeting.proxies, e.giver, e.holder))
    return with_(state, meetings=put(state.meetings, e.meeting, meeting))


def set_publication(state: BodyState, cmd: SetPublication) -> list[ev.Event]:
    meeting = open_meeting(state, cmd.meeting)
    state.require_chair(meeting, cmd.by)
    try:
        publication = Publication(cmd.publication)
    except ValueError:
        raise DomainError(
            f"publication must be open or unattributed, not {cmd.publication!r}"
        ) from None
    if publication == meeting.publication:
        raise OutOfOrder(f"the meeting is already {publication.value}")
    publication_takes_effect(state, cmd.meeting, publication)
    set_ = ev.PublicationSet(cmd.at, cmd.meeting, publication.value, cmd.by)
    if publication != Publication.UNATTRIBUTED:
        return [set_]
    return [set_, register_event(state, cmd.at, cmd.meeting, cmd.meeting_secret)]


def evolve_publication(state: BodyState, e: ev.PublicationSet) -> BodyState:
    """The chair sets the policy, before anyone's act is logged (``voting.chatham``)."""
    publication = Publication(e.publication)
    meeting = open_meeting(state, e.meeting)
    if publication == meeting.publication:
        raise InconsistentEvent(f"the meeting is already {publication.value}")
    awaiting = publication_takes_effect(state, e.meeting, publication)
    meeting = with_(meeting, publication=publication)
    return with_(state, meetings=put(state.meetings, e.meeting, meeting),
                 awaiting_register=awaiting)


def present_roll(state: BodyState, meeting: Meeting) -> tuple[str, ...]:
    """Members present who may vote, sorted: the roll snapshot taken when a vote closes."""
    return tuple(sorted(m for m in meeting.present if state.member(m).may_vote))


def present_voters(state: BodyState, meeting: Meeting) -> int:
    """Members present who may vote: the count a quorum is measured against."""
    return sum(1 for m in meeting.present if state.member(m).may_vote)


def start_business(state: BodyState, cmd: StartBusiness) -> list[ev.Event]:
    meeting = open_meeting(state, cmd.meeting)
    state.require_chair(meeting, cmd.by)
    return [make(ev.BusinessStarted, derive_business_started, state, at=cmd.at,
                 meeting=cmd.meeting)]


def derive_business_started(state: BodyState, e: ev.BusinessStarted) -> dict[str, Derived]:
    """The quorum as it stands when business starts (Citrine: no business without a quorum):
    refuses a meeting that is not quorate or has started already."""
    meeting = open_meeting(state, e.meeting)
    if meeting.started:
        raise OutOfOrder("business has already started")
    present = present_voters(state, meeting)
    members = state.membership()
    required = meeting.quorum.required(members)
    if not meeting.quorum.is_met(present, members):
        raise OutOfOrder(
            f"the meeting is not quorate: {present} present, {required} needed "
            f"({meeting.quorum.name})"
        )
    return {
        "present": Derived(present, "the number of voting members the attendance gives"),
        "quorum_required": Derived(required, "the quorum the meeting's rule requires"),
        "quorum_rule": Derived(meeting.quorum.name, "the meeting's quorum rule"),
    }


def evolve_business_started(state: BodyState, e: ev.BusinessStarted) -> BodyState:
    meeting = with_(state.meeting(e.meeting), started=True)
    return with_(state, meetings=put(state.meetings, e.meeting, meeting))


def require_elections_declared(state: BodyState, meeting_id: str) -> None:
    """A meeting ends only after every election it holds is declared: its roll is the members
    present, so none may go on voting once the meeting is over."""
    for election in state.elections.values():
        if election.meeting == meeting_id and election.stage != ElectionStage.DECLARED:
            raise OutOfOrder(f"the election {election.title!r} is still open "
                             f"({election.stage.value}): close it first")


def close_meeting(state: BodyState, cmd: CloseMeeting) -> list[ev.Event]:
    meeting = open_meeting(state, cmd.meeting)
    state.require_chair(meeting, cmd.by)
    return [make(ev.MeetingClosed, derive_closed, state, at=cmd.at, meeting=cmd.meeting)]


def derive_closed(state: BodyState, e: ev.MeetingClosed) -> dict[str, Derived]:
    """A meeting the chair closes ends after its business: no vote open, every election
    declared, no motion under debate or put. (A meeting adjourned by a vote is closed
    as a consequence of that vote, ``voting.procedural.carried_effects``.)"""
    open_meeting(state, e.meeting)
    for ballot in state.ballots.values():
        if ballot.meeting == e.meeting and not ballot.closed:
            raise OutOfOrder(f"the ballot on {ballot.question!r} is still open")
    require_elections_declared(state, e.meeting)
    for motion in state.motions.values():
        if motion.meeting == e.meeting and motion.state in OPEN_STATES:
            raise OutOfOrder(f"the motion {motion.title!r} {motion.state.value.replace('_', ' ')}")
    return {"reason": Derived("closed", "'closed': only a vote ends a meeting otherwise")}


def evolve_closed(state: BodyState, e: ev.MeetingClosed) -> BodyState:
    require_elections_declared(state, e.meeting)
    meeting = with_(open_meeting(state, e.meeting), closed=True)
    if e.meeting in state.unattributed:  # the membership may change again (voting.chatham)
        return with_(state, meetings=put(state.meetings, e.meeting, meeting),
                     unattributed=state.unattributed - {e.meeting})
    return with_(state, meetings=put(state.meetings, e.meeting, meeting))

"""Motions: moving, seconding, opening debate and withdrawal before debate.

Citrine, *ABC of Chairmanship*: a motion must be moved and seconded before
it is debated; the mover may withdraw it alone until it is seconded, and once
it is stated only with the unanimous consent of the meeting (here, the
procedural motion ``withdraw``, put as a recorded vote that a single vote
against stops). Robert's Rules
(RONR 12th ed. §33) let the mover withdraw alone until the chair states the
question.
"""

from __future__ import annotations

from voting import events as ev
from voting.commands import MoveMotion, OpenDebate, SecondMotion, WithdrawMotion
from voting.derived import Derived, make
from voting.errors import AlreadyExists, DomainError, InconsistentEvent, NotEntitled, OutOfOrder
from voting.ids import check_id
from voting.lifecycle import MotionState, describe, require_transition
from voting.meeting import open_meeting
from voting.standing_orders import WithdrawalRule
from voting.state import Amendment, BodyState, Motion, put, with_
from voting.text import MotionText

__all__ = [
    "MAX_TITLE_CHARS",
    "PENDING",
    "consequences_of_withdrawal",
    "derive_withdrawn",
    "move_motion",
    "open_debate",
    "second_motion",
    "withdraw",
]

MAX_TITLE_CHARS = 200
PENDING = frozenset(
    {MotionState.PROPOSED, MotionState.SECONDED, MotionState.UNDER_DEBATE, MotionState.PUT}
)


def move_motion(state: BodyState, cmd: MoveMotion) -> list[ev.Event]:
    meeting = open_meeting(state, cmd.meeting)
    if not meeting.started:
        raise OutOfOrder("business has not started: the chair must first check the quorum")
    check_id(cmd.motion, "motion")
    if cmd.motion in state.motions or cmd.motion in state.amendments:
        raise AlreadyExists(f"there is already a motion or amendment {cmd.motion!r}")
    state.require_voting_member_present(meeting, cmd.by, "move a motion")
    if not cmd.title.strip() or len(cmd.title) > MAX_TITLE_CHARS:
        raise DomainError(f"a motion needs a title of 1 to {MAX_TITLE_CHARS} characters")
    text = MotionText.parse(cmd.text)
    return [ev.MotionMoved(cmd.at, cmd.motion, cmd.meeting, cmd.by, cmd.title, text.plain())]


def evolve_moved(state: BodyState, e: ev.MotionMoved) -> BodyState:
    text = MotionText.parse(e.text)
    if text.plain() != e.text:
        raise InconsistentEvent("motion_moved.text is not in its normal form (MotionText.plain)")
    motion = Motion(e.motion, e.meeting, e.mover, e.title, text, text)
    return with_(state, motions=put(state.motions, e.motion, motion))


def second_motion(state: BodyState, cmd: SecondMotion) -> list[ev.Event]:
    motion = state.motion(cmd.motion)
    meeting = open_meeting(state, motion.meeting)
    require_transition(f"the motion {motion.title!r}", motion.state, MotionState.SECONDED)
    state.require_voting_member_present(meeting, cmd.by, "second a motion")
    if cmd.by == motion.mover:
        raise NotEntitled("the mover cannot second their own motion")
    return [ev.MotionSeconded(cmd.at, cmd.motion, cmd.by)]


def evolve_seconded(state: BodyState, e: ev.MotionSeconded) -> BodyState:
    motion = state.motion(e.motion)
    motion = with_(motion, state=MotionState.SECONDED, seconder=e.seconder)
    return with_(state, motions=put(state.motions, e.motion, motion))


def open_debate(state: BodyState, cmd: OpenDebate) -> list[ev.Event]:
    motion = state.motion(cmd.motion)
    meeting = open_meeting(state, motion.meeting)
    state.require_chair(meeting, cmd.by)
    require_transition(f"the motion {motion.title!r}", motion.state, MotionState.UNDER_DEBATE)
    for other in state.motions.values():
        if other.meeting == motion.meeting and other.state in {
            MotionState.UNDER_DEBATE,
            MotionState.PUT,
        }:
            raise OutOfOrder(
                f"the motion {other.title!r} is still before the meeting: one motion at a time"
            )
    return [ev.DebateOpened(cmd.at, cmd.motion, cmd.by)]


def evolve_debate_opened(state: BodyState, e: ev.DebateOpened) -> BodyState:
    motion = with_(state.motion(e.motion), state=MotionState.UNDER_DEBATE)
    return with_(state, motions=put(state.motions, e.motion, motion))


def withdraw(state: BodyState, cmd: WithdrawMotion) -> list[ev.Event]:
    """Withdrawal by the mover before debate, under the body's withdrawal rule."""
    if cmd.subject in state.motions:
        motion = state.motion(cmd.subject)
        mover, current = motion.mover, motion.state
        what, meeting_id = f"the motion {motion.title!r}", motion.meeting
    else:
        amendment = state.amendment(cmd.subject)
        mover, current = amendment.mover, amendment.state
        what, meeting_id = f"amendment {amendment.number}", state.motion(amendment.motion).meeting
    open_meeting(state, meeting_id)
    if cmd.by != mover:
        raise NotEntitled(f"only the mover ({state.name_of(mover)}) may withdraw {what}")
    _require_withdrawable_by_the_mover(state, what, current)
    require_transition(what, current, MotionState.WITHDRAWN)
    withdrawn = make(ev.MotionDisposed, derive_withdrawn, state, at=cmd.at, subject=cmd.subject)
    return [withdrawn, *consequences_of_withdrawal(state, withdrawn)]


def _require_withdrawable_by_the_mover(state: BodyState, what: str, current: MotionState) -> None:
    """Whether the mover alone may still withdraw ``what`` (checked in ``decide`` and on
    replay, by :func:`derive_withdrawn`).

    Never once debate has opened: that needs the meeting's consent. Under Citrine
    (*ABC of Chairmanship*, Appendix A, "Branch procedure at a glance", D.3: once the
    chair has read the motion out, no alteration or withdrawal but by unanimous consent;
    :attr:`WithdrawalRule.MOVER_THEN_UNANIMOUS_CONSENT`) not once it is seconded
    either: a motion stated belongs to the meeting, and is withdrawn only by its
    unanimous consent (the procedural motion ``withdraw``, which one vote against
    stops). Robert's (RONR 12th ed. §33) lets the mover alone withdraw until the
    question is stated, here until debate opens.
    """
    if current == MotionState.UNDER_DEBATE:
        raise OutOfOrder(
            f"debate on {what} has opened: withdrawal now needs the consent of the meeting "
            "(move the procedural motion 'withdraw')"
        )
    if (
        state.orders.withdrawal == WithdrawalRule.MOVER_THEN_UNANIMOUS_CONSENT
        and current != MotionState.PROPOSED
    ):
        raise OutOfOrder(
            f"{what} {describe(current)}: under {state.orders.name} it is withdrawn only by "
            "the unanimous consent of the meeting (move the procedural motion 'withdraw', "
            "put as a recorded vote; a single vote against stops it)"
        )


def _describe(state: BodyState, subject: str) -> tuple[str, MotionState]:
    if subject in state.motions:
        motion = state.motions[subject]
        return f"the motion {motion.title!r}", motion.state
    amendment = state.amendment(subject)
    return f"amendment {amendment.number}", amendment.state


def derive_withdrawn(state: BodyState, e: ev.MotionDisposed) -> dict[str, Derived]:
    """A ``motion_disposed`` that no vote caused is the mover's withdrawal before debate
    (after debate has opened, or under Citrine once seconded, it takes a vote, whose
    close disposes of it: :func:`_require_withdrawable_by_the_mover`)."""
    what, current = _describe(state, e.subject)
    _require_withdrawable_by_the_mover(state, what, current)
    return {
        "state": Derived(
            MotionState.WITHDRAWN.value, "withdrawn: nothing else is disposed of without a vote"
        ),
        "reason": Derived("withdrawn by the mover", "'withdrawn by the mover'"),
    }


def consequences_of_withdrawal(state: BodyState, e: ev.MotionDisposed) -> list[ev.Event]:
    """Amendments still pending on what the mover withdrew fall with it."""
    what, _ = _describe(state, e.subject)
    return dependants_fall(state, e.subject, e.at, f"{what} was withdrawn")


def dependants_fall(state: BodyState, subject: str, at: str, reason: str) -> list[ev.Event]:
    """Amendments still pending on a motion (or amendment) that is disposed of fall with it."""
    return [
        ev.MotionDisposed(at, a.id, MotionState.FELL.value, reason)
        for a in dependants(state, subject)
        if a.state in PENDING
    ]


def dependants(state: BodyState, subject: str) -> list[Amendment]:
    """Amendments on ``subject``: to a motion, all its amendments; to an amendment, its own."""
    if subject in state.motions:
        return [state.amendments[a] for a in state.motions[subject].amendments]
    return [a for a in state.amendments.values() if a.parent == subject]


def evolve_disposed(state: BodyState, e: ev.MotionDisposed) -> BodyState:
    target = MotionState(e.state)
    if e.subject in state.motions:
        motion = state.motion(e.subject)
        require_transition(f"the motion {motion.title!r}", motion.state, target)
        return with_(state, motions=put(state.motions, e.subject, with_(motion, state=target)))
    amendment = state.amendment(e.subject)
    require_transition(f"amendment {amendment.number}", amendment.state, target)
    return with_(state, amendments=put(state.amendments, e.subject, with_(amendment, state=target)))

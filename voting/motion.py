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

from tallying.majority import Threshold
from voting import events as ev
from voting.commands import GiveConsent, MoveMotion, OpenDebate, SecondMotion, WithdrawMotion
from voting.derived import Derived, make
from voting.errors import AlreadyExists, DomainError, InconsistentEvent, NotEntitled, OutOfOrder
from voting.ids import check_id
from voting.lifecycle import MotionState, describe, require_transition
from voting.meeting import open_meeting
from voting.standing_orders import InvalidRule, StandingOrders, WithdrawalRule, amended, check_rules
from voting.state import Amendment, BodyState, Motion, put, with_
from voting.text import MotionText

__all__ = [
    "CONSENT_ACTS",
    "MAX_TITLE_CHARS",
    "PENDING",
    "check_question_rule",
    "consequences_of_withdrawal",
    "derive_consent",
    "derive_withdrawn",
    "evolve_consent",
    "give_consent",
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
    orders = check_rules(cmd.orders)
    _check_terms(state.orders, cmd.threshold, orders)
    return [ev.MotionMoved(cmd.at, cmd.motion, cmd.meeting, cmd.by, cmd.title, text.plain(),
                           cmd.threshold, orders)]


def check_question_rule(orders: StandingOrders, threshold: str, question: str) -> None:
    """A question's own rule must be a threshold the standing orders let a question carry
    (their ``question_thresholds``; docs/standing-orders.md, "A question's own rule")."""
    try:
        rule = Threshold(threshold)
    except ValueError:
        known = ", ".join(t.value for t in Threshold)
        raise DomainError(f"{threshold!r} is not a threshold; the thresholds are {known}") from None
    if rule not in orders.question_thresholds:
        allowed = ", ".join(t.value for t in orders.question_thresholds) or "none"
        raise OutOfOrder(
            f"the standing orders do not let {question} carry the rule {rule.value} "
            f"(they allow: {allowed})"
        )


def _check_terms(orders: StandingOrders, threshold: str, changes: tuple[tuple[str, str], ...]
                 ) -> None:
    """A motion's own rule, and the rules a motion to amend the standing orders sets: a
    motion amending them is decided by their ``orders_threshold``, never by a rule of its
    own, and must change at least one rule."""
    if changes:
        if threshold:
            raise OutOfOrder(
                "a motion to amend the standing orders is decided by the threshold they set "
                f"for that ({orders.orders_threshold.value}), not by a rule of its own"
            )
        after = amended(orders, changes)
        if after == orders:
            raise DomainError("the motion to amend the standing orders changes no rule")
    elif threshold:
        check_question_rule(orders, threshold, "a motion")


def evolve_moved(state: BodyState, e: ev.MotionMoved) -> BodyState:
    text = MotionText.parse(e.text)
    if text.plain() != e.text:
        raise InconsistentEvent("motion_moved.text is not in its normal form (MotionText.plain)")
    if e.orders:
        try:
            if check_rules(e.orders) != e.orders:
                raise InconsistentEvent("motion_moved.orders are not sorted by rule")
        except InvalidRule as exc:
            raise InconsistentEvent(f"motion_moved.orders: {exc}") from None
    _check_terms(state.orders, e.threshold, e.orders)
    motion = Motion(e.motion, e.meeting, e.mover, e.title, text, text,
                    threshold=e.threshold, orders=e.orders)
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
    _require_withdrawable_by_the_mover(state, cmd.subject, what, current)
    require_transition(what, current, MotionState.WITHDRAWN)
    withdrawn = make(ev.MotionDisposed, derive_withdrawn, state, at=cmd.at, subject=cmd.subject)
    return [withdrawn, *consequences_of_withdrawal(state, withdrawn)]


def _require_withdrawable_by_the_mover(
    state: BodyState, subject: str, what: str, current: MotionState
) -> None:
    """Whether the mover alone may still withdraw ``what`` (checked in ``decide`` and on
    replay, by :func:`derive_withdrawn`).

    Never once debate has opened: that needs the meeting's consent. Under Citrine
    (*ABC of Chairmanship*, Appendix A, "Branch procedure at a glance", D.3: once the
    chair has read the motion out, no alteration or withdrawal but by unanimous consent;
    :attr:`WithdrawalRule.MOVER_THEN_UNANIMOUS_CONSENT`) not once it is seconded
    either: a motion stated belongs to the meeting, and is withdrawn only by its
    unanimous consent (the procedural motion ``withdraw``, which one vote against
    stops). Robert's (RONR 12th ed. §33) lets the mover alone withdraw until the
    question is stated, here until debate opens. A body's own rule,
    :attr:`WithdrawalRule.MOVER_WITH_SECONDER_CONSENT`, lets the mover withdraw a seconded
    motion before debate once the seconder has consented (``consent_given``).
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
    if (
        state.orders.withdrawal == WithdrawalRule.MOVER_WITH_SECONDER_CONSENT
        and current != MotionState.PROPOSED
        and not _seconder_consented(state, subject)
    ):
        raise OutOfOrder(
            f"{what} {describe(current)}: the mover withdraws it only with the consent of "
            f"its seconder ({state.name_of(_seconder(state, subject))}), who gives it first"
        )


def _seconder(state: BodyState, subject: str) -> str:
    if subject in state.motions:
        return state.motions[subject].seconder
    return state.amendment(subject).seconder


def _seconder_consented(state: BodyState, subject: str) -> bool:
    return (subject, "withdraw", _seconder(state, subject)) in state.consents


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
    _require_withdrawable_by_the_mover(state, e.subject, what, current)
    reason = "withdrawn by the mover"
    if current != MotionState.PROPOSED and _seconder_consented(state, e.subject):
        reason = "withdrawn by the mover, with the seconder's consent"
    return {
        "state": Derived(
            MotionState.WITHDRAWN.value, "withdrawn: nothing else is disposed of without a vote"
        ),
        "reason": Derived(reason, repr(reason)),
    }


# -- consent: the consenting member's own act ---------------------------------------------------

CONSENT_ACTS = ("remit", "withdraw")


def give_consent(state: BodyState, cmd: GiveConsent) -> list[ev.Event]:
    """The mover or seconder of a motion or amendment consents to its remit or withdrawal
    (Citrine: a motion is remitted only with the consent of its mover): their own command,
    logged with their name, never a flag in someone else's."""
    return [make(ev.ConsentGiven, derive_consent, state, at=cmd.at, subject=cmd.subject,
                 act=cmd.act, member=cmd.by)]


def derive_consent(state: BodyState, e: ev.ConsentGiven) -> dict[str, Derived]:
    """In what capacity ``member`` consents: as the mover, else the seconder, of ``subject``
    (refused for anyone else, for a subject no longer before the meeting, for a remit of
    anything but a motion, or for a consent already given)."""
    if e.act not in CONSENT_ACTS:
        raise DomainError(f"one consents to a remit or a withdrawal, not {e.act!r}")
    if e.subject in state.motions:
        motion = state.motions[e.subject]
        mover, seconder, current = motion.mover, motion.seconder, motion.state
        what, meeting_id = f"the motion {motion.title!r}", motion.meeting
    elif e.subject in state.amendments:
        if e.act == "remit":
            raise OutOfOrder("a motion is remitted, not an amendment")
        amendment = state.amendments[e.subject]
        mover, seconder, current = amendment.mover, amendment.seconder, amendment.state
        what = f"amendment {amendment.number}"
        meeting_id = state.motion(amendment.motion).meeting
    else:
        raise DomainError(f"there is no motion or amendment {e.subject!r}")
    meeting = open_meeting(state, meeting_id)
    if current not in {MotionState.PROPOSED, MotionState.SECONDED, MotionState.UNDER_DEBATE}:
        raise OutOfOrder(f"{what} {describe(current)}: there is nothing to consent to")
    if e.member == mover:
        capacity = "mover"
    elif seconder and e.member == seconder:
        capacity = "seconder"
    else:
        raise NotEntitled(f"only the mover or the seconder of {what} consents to its {e.act}")
    state.require_voting_member_present(meeting, e.member, f"consent to the {e.act}")
    if (e.subject, e.act, e.member) in state.consents:
        raise AlreadyExists(f"the {capacity} of {what} has already consented to its {e.act}")
    return {"capacity": Derived(capacity, "the member's part in the subject (mover, seconder)")}


def evolve_consent(state: BodyState, e: ev.ConsentGiven) -> BodyState:
    return with_(state, consents=state.consents | {(e.subject, e.act, e.member)})


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

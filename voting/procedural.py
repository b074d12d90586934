"""Procedural motions, and what each does when carried.

Which procedural motion is in order on what is data (:data:`RULES`), not
scattered conditions (docs/architecture.md, convention 4). The practice is Citrine's (*ABC of
Chairmanship*, ch. "Procedural motions"): the closure ("that the question be
now put") moved during an amendment applies to the amendment only; "next
business" may not be moved on an amendment; remission needs the consent of
the mover (their own act on the record, ``consent_given``) and names where the
motion goes; withdrawal after debate has opened needs the meeting's consent
(under Citrine, once the motion is seconded, its unanimous consent);
a member may challenge the chair's ruling, and the meeting decides it.
"""

from __future__ import annotations

from dataclasses import dataclass

from voting import events as ev
from voting.amendment import target_text
from voting.commands import MoveProcedural, SecondProcedural
from voting.derived import Derived, make
from voting.edit import check
from voting.errors import (
    AlreadyExists,
    DomainError,
    EditNoLongerApplies,
    InconsistentEvent,
    NotEntitled,
    NotFound,
    OutOfOrder,
)
from voting.ids import check_id
from voting.lifecycle import MotionState
from voting.meeting import open_meeting, require_elections_declared
from voting.motion import dependants_fall
from voting.standing_orders import ProceduralKind
from voting.state import BodyState, Meeting, Procedural, put, with_

__all__ = ["RULES", "ProceduralRule", "carried_effects", "derive_moved", "evolve_seconded",
           "move_procedural", "second_procedural"]

K = ProceduralKind
UD = frozenset({MotionState.UNDER_DEBATE})


@dataclass(frozen=True, slots=True)
class ProceduralRule:
    """Where a procedural motion may be moved, and what it does to its target if carried."""

    on_motion: bool
    on_amendment: bool
    on_meeting: bool
    target_states: frozenset[MotionState]
    effect: MotionState | None  # the state the target goes to; None: a special effect
    by_target_mover: bool = False
    reason: str = ""


RULES: dict[ProceduralKind, ProceduralRule] = {
    K.CLOSURE: ProceduralRule(True, True, False, UD, None),
    K.NEXT_BUSINESS: ProceduralRule(
        True, False, False, UD, MotionState.NEXT_BUSINESS, reason="next business was carried"
    ),
    K.ADJOURN_DEBATE: ProceduralRule(
        True, False, False, UD, MotionState.ADJOURNED, reason="the debate was adjourned"
    ),
    K.ADJOURN_MEETING: ProceduralRule(False, False, True, frozenset(), None),
    K.REFER_BACK: ProceduralRule(
        True, False, False, UD, MotionState.REFERRED_BACK, reason="it was referred back"
    ),
    K.REMIT: ProceduralRule(True, False, False, UD, MotionState.REMITTED, reason="it was remitted"),
    K.WITHDRAW: ProceduralRule(
        True,
        True,
        False,
        frozenset({MotionState.SECONDED, MotionState.UNDER_DEBATE}),
        MotionState.WITHDRAWN,
        by_target_mover=True,
        reason="withdrawn with the consent of the meeting",
    ),
    K.CHALLENGE_CHAIR: ProceduralRule(
        False, True, False, frozenset({MotionState.OUT_OF_ORDER}), None
    ),
}


def _describe_kind(kind: ProceduralKind) -> str:
    return kind.value.replace("_", " ")


def move_procedural(state: BodyState, cmd: MoveProcedural) -> list[ev.Event]:
    try:
        kind = ProceduralKind(cmd.kind)
    except ValueError:
        kinds = ", ".join(k.value for k in ProceduralKind)
        raise DomainError(f"unknown procedural motion {cmd.kind!r}; known: {kinds}") from None
    rule = RULES[kind]
    check_id(cmd.procedural, "procedural motion")
    if cmd.procedural in state.procedurals:
        raise AlreadyExists(f"there is already a procedural motion {cmd.procedural!r}")
    meeting = _target_meeting(state, cmd.target, rule, kind)
    if not meeting.started:
        raise OutOfOrder("business has not started")
    state.require_voting_member_present(meeting, cmd.by, "move a procedural motion")
    if cmd.seconder:
        _require_seconder(state, meeting, cmd.seconder, cmd.by)
    _require_floor(state, meeting)
    if kind == K.ADJOURN_MEETING:
        require_elections_declared(state, meeting.id)
    if rule.by_target_mover:
        mover = (
            state.motions[cmd.target].mover
            if cmd.target in state.motions
            else state.amendment(cmd.target).mover
        )
        if cmd.by != mover:
            raise NotEntitled(f"only the mover ({state.name_of(mover)}) may seek leave to withdraw")
    if cmd.mover_consents:
        raise DomainError(
            "mover_consents is no longer a flag of the procedural motion: consent is the "
            "mover's own act, given with GiveConsent (act 'remit') before the remit is moved"
        )
    _check_destination(kind, cmd.to)
    if kind == K.CLOSURE and cmd.target in state.motions:
        for amendment_id in state.motions[cmd.target].amendments:
            amendment = state.amendments[amendment_id]
            if amendment.state == MotionState.UNDER_DEBATE and not amendment.parent:
                raise OutOfOrder(
                    f"amendment {amendment.number} is under debate: the closure applies to the "
                    "amendment only, so move it on the amendment"
                )
    consents = kind == K.REMIT and _remit_consent(state, cmd.target)
    return [
        make(
            ev.ProceduralMoved, derive_moved, state,
            at=cmd.at, procedural=cmd.procedural, kind=kind.value, target=cmd.target,
            mover=cmd.by, seconder=cmd.seconder, mover_consents=consents, to=cmd.to,
        )
    ]  # fmt: skip


def _require_seconder(state: BodyState, meeting: Meeting, seconder: str, mover: str) -> None:
    state.require_voting_member_present(meeting, seconder, "second a procedural motion")
    if seconder == mover:
        raise NotEntitled("the mover cannot second their own procedural motion")


def _require_floor(state: BodyState, meeting: Meeting) -> None:
    """One procedural motion before the meeting at a time, and none while a vote is on."""
    for other in state.procedurals.values():
        if other.meeting == meeting.id and other.state in {MotionState.SECONDED, MotionState.PUT}:
            raise OutOfOrder(
                f"the procedural motion {_describe_kind(ProceduralKind(other.kind))!r} "
                "is still before the meeting"
            )
    for ballot in state.ballots.values():
        if ballot.meeting == meeting.id and not ballot.closed:
            raise OutOfOrder("a vote is in progress")


def second_procedural(state: BodyState, cmd: SecondProcedural) -> list[ev.Event]:
    """The seconder's own act puts a procedural motion moved without one before the
    meeting, if it is still in order there: its target as the rules need it (still under
    debate, say), no other procedural motion before the meeting and no vote in progress."""
    procedural = state.procedurals.get(cmd.procedural)
    if procedural is None:
        raise NotFound(f"there is no procedural motion {cmd.procedural!r}")
    kind = ProceduralKind(procedural.kind)
    if procedural.state != MotionState.PROPOSED:
        raise OutOfOrder(f"the procedural motion {_describe_kind(kind)!r} is not awaiting a "
                         "seconder")
    meeting = _target_meeting(state, procedural.target, RULES[kind], kind)
    _require_seconder(state, meeting, cmd.by, procedural.mover)
    _require_floor(state, meeting)
    return [ev.ProceduralSeconded(cmd.at, cmd.procedural, cmd.by)]


def evolve_seconded(state: BodyState, e: ev.ProceduralSeconded) -> BodyState:
    procedural = state.procedurals.get(e.procedural)
    if procedural is None or procedural.state != MotionState.PROPOSED:
        raise InconsistentEvent(f"procedural_seconded: {e.procedural!r} is not a procedural "
                                "motion awaiting a seconder")
    if e.seconder == procedural.mover:
        raise InconsistentEvent("procedural_seconded: the mover cannot second their own "
                                "procedural motion")
    seconded = with_(procedural, seconder=e.seconder, state=MotionState.SECONDED)
    return with_(state, procedurals=put(state.procedurals, e.procedural, seconded))


def _check_destination(kind: ProceduralKind, to: str) -> None:
    """A remit names where the motion goes (a committee or body); nothing else names one."""
    if kind != K.REMIT:
        if to:
            raise DomainError(f"only a remit names where the motion goes, not {kind.value!r}")
        return
    if not isinstance(to, str) or not to.strip():
        raise DomainError("a remit names where the motion goes: the committee or body (to)")
    if len(to) > 200 or any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in to):
        raise DomainError(
            "where a motion is remitted is a name of at most 200 characters, without control "
            "characters"
        )


def _remit_consent(state: BodyState, target: str) -> bool:
    """Whether the mover of ``target`` consented to its remit, by their own act on record."""
    motion = state.motions.get(target)
    return motion is not None and (target, "remit", motion.mover) in state.consents


def derive_moved(state: BodyState, e: ev.ProceduralMoved) -> dict[str, Derived]:
    """The meeting a procedural motion is moved in: that of the motion, amendment or
    meeting it is moved on (refused where :data:`RULES` do not allow it)."""
    try:
        kind = ProceduralKind(e.kind)
    except ValueError:
        raise InconsistentEvent(f"unknown procedural motion {e.kind!r}") from None
    meeting = _target_meeting(state, e.target, RULES[kind], kind)
    if kind == K.NEXT_BUSINESS:
        _require_no_amendment_before_the_meeting(state, e.target)
    derived = {"meeting": Derived(meeting.id, "the meeting of what it is moved on")}
    if kind == K.REMIT and not e.to:
        return derived  # the older form: the mover's consent was a flag of the command
    _check_destination(kind, e.to)
    if kind == K.REMIT:
        consents = _remit_consent(state, e.target)
        if state.orders.remit_needs_mover_consent and not consents:
            mover = state.motion(e.target).mover
            raise OutOfOrder(
                f"a motion is remitted only with the consent of its mover "
                f"({state.name_of(mover)}), who gives it first (GiveConsent, act 'remit')"
            )
        if e.mover_consents != consents:
            raise InconsistentEvent(
                "procedural_moved.mover_consents is not whether the mover's consent to the "
                "remit is on the record")
    return derived


def _require_no_amendment_before_the_meeting(state: BodyState, target: str) -> None:
    """Citrine, *ABC of Chairmanship*, ch. "Procedural motions": "next business" is not
    moved on an amendment, nor on the motion while an amendment to it is under debate
    (it would set the motion aside without the meeting deciding the amendment first).
    Checked in ``decide`` and on replay (this runs in :func:`derive_moved`)."""
    motion = state.motions.get(target)
    if motion is None:
        return
    for amendment_id in motion.amendments:
        amendment = state.amendments[amendment_id]
        if amendment.state in {MotionState.UNDER_DEBATE, MotionState.PUT}:
            raise OutOfOrder(
                f"'next business' is out of order while amendment {amendment.number} is before "
                "the meeting: the amendment is disposed of first"
            )


def _target_meeting(
    state: BodyState, target: str, rule: ProceduralRule, kind: ProceduralKind
) -> Meeting:
    name = _describe_kind(kind)
    if target in state.meetings:
        if not rule.on_meeting:
            raise OutOfOrder(f"{name!r} is moved on a motion or amendment, not on a meeting")
        return open_meeting(state, target)
    if target in state.motions:
        if not rule.on_motion:
            raise OutOfOrder(f"{name!r} cannot be moved on a motion")
        motion = state.motions[target]
        if motion.state not in rule.target_states:
            raise OutOfOrder(f"{name!r} is out of order: the motion is not under debate")
        return open_meeting(state, motion.meeting)
    if target in state.amendments:
        if not rule.on_amendment:
            raise OutOfOrder(f"{name!r} cannot be moved on an amendment")
        amendment = state.amendments[target]
        if amendment.state not in rule.target_states:
            raise OutOfOrder(
                f"{name!r} is out of order: amendment {amendment.number} is "
                f"{amendment.state.value.replace('_', ' ')}"
            )
        motion = state.motion(amendment.motion)
        if motion.state != MotionState.UNDER_DEBATE:
            raise OutOfOrder(
                f"{name!r} is out of order: amendment {amendment.number}'s motion "
                f"{motion.title!r} is {motion.state.value.replace('_', ' ')}"
            )
        return open_meeting(state, motion.meeting)
    raise DomainError(f"there is no meeting, motion or amendment {target!r}")


def evolve_moved(state: BodyState, e: ev.ProceduralMoved) -> BodyState:
    procedural = Procedural(
        e.procedural, e.meeting, e.kind, e.target, e.mover, e.seconder, e.mover_consents,
        state=MotionState.SECONDED if e.seconder else MotionState.PROPOSED, to=e.to,
    )
    return with_(state, procedurals=put(state.procedurals, e.procedural, procedural))


def carried_effects(state: BodyState, procedural: Procedural, at: str) -> list[ev.Event]:
    """What a carried procedural motion does, as events."""
    kind = ProceduralKind(procedural.kind)
    rule = RULES[kind]
    if kind == K.CLOSURE:
        return [ev.QuestionToBePut(at, procedural.target)]
    if kind == K.CHALLENGE_CHAIR:
        amendment = state.amendment(procedural.target)
        restored: list[ev.Event] = [ev.RulingOverturned(at, procedural.target)]
        try:
            check(target_text(state, amendment), amendment.edit)
        except EditNoLongerApplies as reason:
            # Restored, but its words went while it was out of order: it falls.
            restored.append(
                ev.AmendmentFell(at, amendment.id, f"the ruling was overturned, but {reason}")
            )
        return restored
    if kind == K.ADJOURN_MEETING:
        events: list[ev.Event] = []
        for motion in state.motions.values():
            if motion.meeting == procedural.meeting and motion.state == MotionState.UNDER_DEBATE:
                events.append(
                    ev.MotionDisposed(
                        at, motion.id, MotionState.ADJOURNED.value, "the meeting was adjourned"
                    )
                )
        events.append(ev.MeetingClosed(at, procedural.meeting, "adjourned"))
        return events
    if rule.effect is None:
        raise DomainError(f"no effect is defined for {kind.value}")
    reason_text = rule.reason
    if kind == K.REMIT and procedural.to:
        reason_text = f"it was remitted to {procedural.to}"
    events = [ev.MotionDisposed(at, procedural.target, rule.effect.value, reason_text)]
    if rule.effect != MotionState.ADJOURNED:
        events += dependants_fall(state, procedural.target, at, reason_text)
    return events


def evolve_question_to_be_put(state: BodyState, e: ev.QuestionToBePut) -> BodyState:
    if e.target in state.motions:
        motion = with_(state.motions[e.target], closure=True)
        return with_(state, motions=put(state.motions, e.target, motion))
    amendment = with_(state.amendment(e.target), closure=True)
    return with_(state, amendments=put(state.amendments, e.target, amendment))

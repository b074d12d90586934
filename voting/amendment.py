"""Amendments: moving, seconding, the chair's rulings, the order they are taken in.

The practice is Citrine's (*ABC of Chairmanship*, ch. "Amendments"): an
amendment leaves words out, inserts words, or does both (a counter-proposal
leaves out everything after "That" and inserts new words); it may not be a
direct negative of the motion, and it must be relevant: both are the chair's
ruling, recorded here with its ground, and open to challenge. Amendments are
taken one at a time, in the order the standing orders give; an amendment to
an amendment (one level deep) is disposed of before the amendment itself.
When an amendment is carried, the others are checked against the new text;
those whose words are gone fall, with the reason recorded.
"""

from __future__ import annotations

import dataclasses

from voting import events as ev
from voting.commands import MoveAmendment, RuleOutOfOrder, SecondAmendment, TakeAmendment
from voting.derived import Derived, make
from voting.edit import Edit, EditKind, add_at_end, apply, check, find, replace_all
from voting.errors import (
    AlreadyExists,
    DomainError,
    EditNoLongerApplies,
    InconsistentEvent,
    NotEntitled,
    OutOfOrder,
)
from voting.ids import check_id
from voting.lifecycle import MotionState, require_transition
from voting.meeting import open_meeting
from voting.standing_orders import AmendmentOrder
from voting.state import Amendment, BodyState, put, with_
from voting.text import MotionText, WordId

__all__ = [
    "RULING_GROUNDS",
    "derive_moved",
    "edit_from_event",
    "move_amendment",
    "next_in_order",
    "rule_out_of_order",
    "second_amendment",
    "take_amendment",
    "target_text",
]

RULING_GROUNDS = ("direct_negative", "not_relevant", "other")
_WITH_WORDS = frozenset(
    {
        EditKind.INSERT,
        EditKind.LEAVE_OUT_AND_INSERT,
        EditKind.REPLACE_ALL,
        EditKind.ADD_AT_END,
    }
)


def target_text(state: BodyState, amendment: Amendment) -> MotionText:
    """The text an amendment edits: the motion's, or its parent amendment's words."""
    if amendment.parent:
        words = state.amendment(amendment.parent).words
        if words is None:
            raise OutOfOrder(f"amendment {amendment.number}'s parent has no words to amend")
        return words
    return state.motion(amendment.motion).text


def build_edit(text: MotionText, cmd: MoveAmendment) -> Edit:
    """Resolve an agenda-style amendment (quoted words) to an edit of stable word ids."""
    try:
        kind = EditKind(cmd.kind)
    except ValueError:
        kinds = ", ".join(k.value for k in EditKind)
        raise DomainError(f"an amendment is one of: {kinds}; not {cmd.kind!r}") from None
    if kind == EditKind.REPLACE_ALL:
        if cmd.leave_out or cmd.at_end:
            raise DomainError("a counter-proposal replaces everything (after the quoted words)")
        return replace_all(text, cmd.insert, after=cmd.after or None)
    if kind == EditKind.ADD_AT_END:
        if cmd.leave_out or cmd.after:
            raise DomainError("'add at end' takes only the words to add")
        return add_at_end(text, cmd.insert)
    if kind == EditKind.INSERT:
        if cmd.leave_out:
            raise DomainError("an insertion leaves nothing out: use leave_out_and_insert")
        after: WordId | None
        if cmd.at_end:
            if cmd.after:
                raise DomainError("say either where to insert the words or 'at end', not both")
            return add_at_end(text, cmd.insert)
        after = find(text, cmd.after, line=cmd.line)[1] if cmd.after else None
        return Edit(kind, after=after, insert=cmd.insert)
    if not cmd.leave_out:
        raise DomainError("quote the words the amendment leaves out")
    if cmd.after or cmd.at_end:
        raise DomainError("the inserted words take the place of those left out: give no position")
    if kind == EditKind.LEAVE_OUT and cmd.insert:
        raise DomainError("this amendment only leaves words out: use leave_out_and_insert")
    first, last = find(text, cmd.leave_out, line=cmd.line)
    return Edit(kind, first=first, last=last, insert=cmd.insert, quoted=text.quote(first, last))


def move_amendment(state: BodyState, cmd: MoveAmendment) -> list[ev.Event]:
    motion = state.motion(cmd.motion)
    meeting = open_meeting(state, motion.meeting)
    check_id(cmd.amendment, "amendment")
    if cmd.amendment in state.amendments or cmd.amendment in state.motions:
        raise AlreadyExists(f"there is already a motion or amendment {cmd.amendment!r}")
    state.require_voting_member_present(meeting, cmd.by, "move an amendment")
    if motion.state not in {MotionState.SECONDED, MotionState.UNDER_DEBATE}:
        raise OutOfOrder(
            f"the motion {motion.title!r} is {motion.state.value.replace('_', ' ')}: "
            "it cannot be amended now"
        )
    if motion.closure:
        raise OutOfOrder(
            "the closure has been carried: the motion is to be put without more amendment"
        )
    if cmd.parent:
        parent = state.amendment(cmd.parent)
        if parent.motion != cmd.motion:
            raise DomainError(f"amendment {parent.number} is to another motion")
        if parent.parent:
            raise OutOfOrder(
                "an amendment to an amendment cannot itself be amended (one level only)"
            )
        if parent.state not in {MotionState.SECONDED, MotionState.UNDER_DEBATE}:
            raise OutOfOrder(f"amendment {parent.number} is {parent.state.value.replace('_', ' ')}")
        if parent.closure:
            raise OutOfOrder(f"the closure has been carried on amendment {parent.number}")
        if parent.words is None:
            raise OutOfOrder(
                f"amendment {parent.number} only leaves words out; "
                "move a separate amendment instead"
            )
        text = parent.words
    else:
        text = motion.text
    edit = build_edit(text, cmd)
    apply(text, edit)  # refuses, with the reason, an edit that cannot be made
    return [
        make(
            ev.AmendmentMoved, derive_moved, state,
            at=cmd.at, amendment=cmd.amendment, motion=cmd.motion, parent=cmd.parent,
            mover=cmd.by, kind=edit.kind.value, first=_id(edit.first), last=_id(edit.last),
            after=_id(edit.after), insert=edit.insert, quoted=edit.quoted,
        )
    ]  # fmt: skip


def derive_moved(state: BodyState, e: ev.AmendmentMoved) -> dict[str, Derived]:
    """How an amendment reads on the agenda, from its edit and the text it amends; refuses
    an edit that cannot be made to that text, or words not in their normal form."""
    motion = state.motion(e.motion)
    if e.parent:
        words = state.amendment(e.parent).words
        if words is None:
            raise OutOfOrder("the amendment it amends has no words to amend")
        text = words
    else:
        text = motion.text
    try:
        edit = edit_from_event(e)
    except ValueError as refusal:
        raise InconsistentEvent(f"amendment_moved does not hold an edit: {refusal}") from None
    if (edit.insert, edit.quoted) != (e.insert, e.quoted):
        raise InconsistentEvent("amendment_moved.insert or .quoted is not in its normal form")
    apply(text, edit)
    return {"description": Derived(edit.describe(text), "how its edit reads against the text")}


def _id(word: WordId | None) -> int:
    return -1 if word is None else int(word)


def _word(value: int) -> WordId | None:
    return None if value < 0 else WordId(value)


def edit_from_event(e: ev.AmendmentMoved) -> Edit:
    """The edit an AmendmentMoved event records."""
    return Edit(
        EditKind(e.kind),
        first=_word(e.first),
        last=_word(e.last),
        after=_word(e.after),
        insert=e.insert,
        quoted=e.quoted,
    )


def evolve_moved(state: BodyState, e: ev.AmendmentMoved) -> BodyState:
    motion = state.motion(e.motion)
    edit = edit_from_event(e)
    words = MotionText.parse(edit.insert) if edit.kind in _WITH_WORDS else None
    amendment = Amendment(
        e.amendment,
        e.motion,
        e.parent,
        e.mover,
        edit,
        e.description,
        number=len(motion.amendments) + 1,
        words=words,
    )
    motion = with_(motion, amendments=(*motion.amendments, e.amendment))
    return with_(
        state,
        motions=put(state.motions, e.motion, motion),
        amendments=put(state.amendments, e.amendment, amendment),
    )


def second_amendment(state: BodyState, cmd: SecondAmendment) -> list[ev.Event]:
    amendment = state.amendment(cmd.amendment)
    meeting = open_meeting(state, state.motion(amendment.motion).meeting)
    require_transition(f"amendment {amendment.number}", amendment.state, MotionState.SECONDED)
    state.require_voting_member_present(meeting, cmd.by, "second an amendment")
    if cmd.by == amendment.mover:
        raise NotEntitled("the mover cannot second their own amendment")
    return [ev.AmendmentSeconded(cmd.at, cmd.amendment, cmd.by)]


def evolve_seconded(state: BodyState, e: ev.AmendmentSeconded) -> BodyState:
    amendment = state.amendment(e.amendment)
    amendment = with_(amendment, state=MotionState.SECONDED, seconder=e.seconder)
    return with_(state, amendments=put(state.amendments, e.amendment, amendment))


def rule_out_of_order(state: BodyState, cmd: RuleOutOfOrder) -> list[ev.Event]:
    amendment = state.amendment(cmd.amendment)
    meeting = open_meeting(state, state.motion(amendment.motion).meeting)
    state.require_chair(meeting, cmd.by)
    if cmd.ground not in RULING_GROUNDS:
        raise DomainError(f"a ruling's ground is one of {', '.join(RULING_GROUNDS)}")
    if not cmd.reason.strip():
        raise DomainError("the chair must give a reason for the ruling, for the minutes")
    require_transition(f"amendment {amendment.number}", amendment.state, MotionState.OUT_OF_ORDER)
    return [ev.AmendmentRuledOutOfOrder(cmd.at, cmd.amendment, cmd.ground, cmd.reason, cmd.by)]


def evolve_ruled(state: BodyState, e: ev.AmendmentRuledOutOfOrder) -> BodyState:
    amendment = state.amendment(e.amendment)
    amendment = with_(amendment, state=MotionState.OUT_OF_ORDER, ruling=e.ground)
    return with_(state, amendments=put(state.amendments, e.amendment, amendment))


def evolve_overturned(state: BodyState, e: ev.RulingOverturned) -> BodyState:
    amendment = state.amendment(e.amendment)
    if amendment.state != MotionState.OUT_OF_ORDER:
        raise InconsistentEvent(f"amendment {amendment.number} was not ruled out of order")
    motion = state.motion(amendment.motion)
    if motion.state != MotionState.UNDER_DEBATE:
        raise InconsistentEvent(
            f"a ruling on amendment {amendment.number} was overturned after its motion "
            f"{motion.title!r} left debate ({motion.state.value.replace('_', ' ')})"
        )
    back = MotionState.SECONDED if amendment.seconder else MotionState.PROPOSED
    amendment = with_(amendment, state=back, ruling="")
    return with_(state, amendments=put(state.amendments, e.amendment, amendment))


def _position(state: BodyState, amendment: Amendment) -> tuple[int, int]:
    """Where in the current text an amendment bites: (line, word); the start is (0, 0)."""
    text = target_text(state, amendment)
    anchor = amendment.edit.first if amendment.edit.first is not None else amendment.edit.after
    if anchor is None:
        return (0, 0)
    return text.position(anchor) or (0, 0)


def next_in_order(state: BodyState, motion_id: str, parent: str) -> Amendment | None:
    """The amendment the chair must take next, by the standing orders' amendment order."""
    waiting = [
        state.amendments[a]
        for a in state.motion(motion_id).amendments
        if state.amendments[a].parent == parent
        and state.amendments[a].state == MotionState.SECONDED
    ]
    if not waiting:
        return None
    if state.orders.amendment_order == AmendmentOrder.BY_POSITION and not parent:
        return min(waiting, key=lambda a: (_position(state, a), a.number))
    return min(waiting, key=lambda a: a.number)


def take_amendment(state: BodyState, cmd: TakeAmendment) -> list[ev.Event]:
    amendment = state.amendment(cmd.amendment)
    motion = state.motion(amendment.motion)
    meeting = open_meeting(state, motion.meeting)
    state.require_chair(meeting, cmd.by)
    if motion.state != MotionState.UNDER_DEBATE:
        raise OutOfOrder(f"the motion {motion.title!r} is not under debate")
    if amendment.parent:
        parent = state.amendment(amendment.parent)
        if parent.state != MotionState.UNDER_DEBATE:
            raise OutOfOrder(f"amendment {parent.number} must be under debate first")
    for other_id in motion.amendments:
        other = state.amendments[other_id]
        if other.parent == amendment.parent and other.state in {
            MotionState.UNDER_DEBATE,
            MotionState.PUT,
        }:
            raise OutOfOrder(f"amendment {other.number} is before the meeting: one at a time")
    require_transition(f"amendment {amendment.number}", amendment.state, MotionState.UNDER_DEBATE)
    first = next_in_order(state, motion.id, amendment.parent)
    if first is not None and first.id != amendment.id:
        raise OutOfOrder(
            f"amendment {first.number} comes first "
            f"(standing orders: amendments {state.orders.amendment_order.value.replace('_', ' ')})"
        )
    return [ev.AmendmentTaken(cmd.at, cmd.amendment, cmd.by)]


def evolve_taken(state: BodyState, e: ev.AmendmentTaken) -> BodyState:
    amendment = with_(state.amendment(e.amendment), state=MotionState.UNDER_DEBATE)
    return with_(state, amendments=put(state.amendments, e.amendment, amendment))


def carry(state: BodyState, amendment: Amendment, at: str) -> list[ev.Event]:
    """The events a carried amendment causes: the text changes, others may fall."""
    text = target_text(state, amendment)
    after = apply(text, amendment.edit)
    target = amendment.parent or amendment.motion
    events: list[ev.Event] = [
        ev.MotionTextAmended(at, target, amendment.id, text.plain(), after.plain())
    ]
    for other_id in state.motion(amendment.motion).amendments:
        other = state.amendments[other_id]
        if other.id == amendment.id or other.parent != amendment.parent:
            continue
        if other.state not in {MotionState.PROPOSED, MotionState.SECONDED}:
            continue
        try:
            check(after, other.edit)
        except EditNoLongerApplies as reason:
            events.append(
                ev.AmendmentFell(
                    at, other.id, f"amendment {amendment.number} was carried: {reason}"
                )
            )
            events += subs_fall(state, other, at)
    return events


def subs_fall(state: BodyState, parent: Amendment, at: str) -> list[ev.Event]:
    """Amendments to an amendment that falls fall with it."""
    return [
        ev.AmendmentFell(at, sub.id, f"amendment {parent.number}, which it amends, fell")
        for sub in state.amendments.values()
        if sub.parent == parent.id and sub.state in {MotionState.PROPOSED, MotionState.SECONDED}
    ]


def evolve_text_amended(state: BodyState, e: ev.MotionTextAmended) -> BodyState:
    from voting.errors import InconsistentEvent

    amendment = state.amendment(e.amendment)
    text = target_text(state, amendment)
    after = apply(text, amendment.edit)
    if after.plain() != e.after or text.plain() != e.before:
        raise InconsistentEvent(
            f"the logged text after amendment {amendment.number} is not what the amendment makes"
        )
    if amendment.parent:
        parent = state.amendment(amendment.parent)
        old = parent.edit.insert
        lead = "\n" if old.startswith("\n") else ""
        trail = "\n" if old.endswith("\n") else ""
        insert = lead + after.plain() + trail  # a line break the parent inserts stays
        parent = with_(parent, words=after, edit=dataclasses.replace(parent.edit, insert=insert))
        return with_(state, amendments=put(state.amendments, parent.id, parent))
    motion = state.motion(amendment.motion)
    motion = with_(
        motion, text=after, carried_amendments=(*motion.carried_amendments, amendment.id)
    )
    return with_(state, motions=put(state.motions, motion.id, motion))


def evolve_fell(state: BodyState, e: ev.AmendmentFell) -> BodyState:
    amendment = state.amendment(e.amendment)
    require_transition(f"amendment {amendment.number}", amendment.state, MotionState.FELL)
    amendment = with_(amendment, state=MotionState.FELL)
    return with_(state, amendments=put(state.amendments, e.amendment, amendment))

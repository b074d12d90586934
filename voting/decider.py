"""The decider: ``decide(state, command) -> events``, ``evolve(state, event) -> state``.

``decide`` validates a command against the state and returns the events it
causes, or raises a :class:`voting.errors.DomainError` and changes nothing.
Before returning, it folds its own events into the state with ``evolve``, so
a command is accepted only if every event it produces is one a replay of the
log would accept too. ``replay(events)`` rebuilds any state from the log
(docs/architecture.md principle 1: the log is the one source of truth).

What the log cannot hold is refused on both sides, by one definition each:
a time that is not RFC 3339 UTC or is earlier than the last event's
(:mod:`voting.times`: :class:`~voting.times.InvalidTime`,
:class:`~voting.times.TimeGoesBack`), and text not in Unicode NFC
(:mod:`voting.nfc`: ``decide`` normalises a command's strings to NFC,
``evolve`` refuses an event holding any other, or a lone surrogate, with
:class:`~voting.nfc.UnloggableText`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from voting import (
    amendment,
    ballot,
    body,
    chatham,
    college,
    election,
    meeting,
    members_ballot,
    motion,
    petition,
    procedural,
)
from voting import commands as cmd
from voting import events as ev
from voting.derived import Derivation, check
from voting.errors import DomainError, InconsistentEvent, OutOfOrder
from voting.nfc import check_event, normalise_command
from voting.state import BodyState, transient, with_
from voting.times import check_time

__all__ = ["decide", "evolve", "execute", "replay", "require_complete"]

Decider = Callable[[BodyState, Any], list[ev.Event]]
Evolver = Callable[[BodyState, Any], BodyState]

DECIDERS: dict[type[cmd.Command], Decider] = {
    cmd.FoundBody: body.found_body,
    cmd.AdmitMember: body.admit_member,
    cmd.AdmitMembers: body.admit_members,
    cmd.SuspendMember: body.suspend_member,
    cmd.DefineCollege: college.define_college,
    cmd.ReinstateMember: body.reinstate_member,
    cmd.ConveneMeeting: meeting.convene_meeting,
    cmd.RecordAttendance: meeting.record_attendance,
    cmd.AppointProxy: meeting.appoint_proxy,
    cmd.SetPublication: meeting.set_publication,
    cmd.StartBusiness: meeting.start_business,
    cmd.CloseMeeting: meeting.close_meeting,
    cmd.MoveMotion: motion.move_motion,
    cmd.SecondMotion: motion.second_motion,
    cmd.OpenDebate: motion.open_debate,
    cmd.WithdrawMotion: motion.withdraw,
    cmd.GiveConsent: motion.give_consent,
    cmd.MoveAmendment: amendment.move_amendment,
    cmd.SecondAmendment: amendment.second_amendment,
    cmd.RuleOutOfOrder: amendment.rule_out_of_order,
    cmd.TakeAmendment: amendment.take_amendment,
    cmd.MoveProcedural: procedural.move_procedural,
    cmd.SecondProcedural: procedural.second_procedural,
    cmd.OpenBallot: ballot.open_ballot,
    cmd.OpenMembersBallot: members_ballot.open_members_ballot,
    cmd.CastVote: ballot.cast_vote,
    cmd.CloseBallot: ballot.close_ballot,
    cmd.OpenPetition: petition.open_petition,
    cmd.SignPetition: petition.sign_petition,
    cmd.ClosePetition: petition.close_petition,
    cmd.OpenNominations: election.open_nominations,
    cmd.Nominate: election.nominate,
    cmd.SecondNomination: election.second_nomination,
    cmd.WithdrawNomination: election.withdraw_nomination,
    cmd.CloseNominations: election.close_nominations,
    cmd.CastRanking: election.cast_ranking,
    cmd.CloseElection: election.close_election,
}

EVOLVERS: dict[type[ev.Event], Evolver] = {
    ev.BodyFounded: body.evolve_founded,
    ev.MemberAdmitted: body.evolve_admitted,
    ev.MemberSuspended: body.evolve_suspended,
    ev.CollegeDefined: college.evolve_defined,
    ev.MemberReinstated: body.evolve_reinstated,
    ev.MeetingConvened: meeting.evolve_convened,
    ev.AttendanceRecorded: meeting.evolve_attendance,
    ev.ProxyAppointed: meeting.evolve_proxy,
    ev.PublicationSet: meeting.evolve_publication,
    ev.RegisterRecorded: chatham.evolve_register,
    ev.BusinessStarted: meeting.evolve_business_started,
    ev.MeetingClosed: meeting.evolve_closed,
    ev.MotionMoved: motion.evolve_moved,
    ev.MotionSeconded: motion.evolve_seconded,
    ev.DebateOpened: motion.evolve_debate_opened,
    ev.MotionDisposed: motion.evolve_disposed,
    ev.ConsentGiven: motion.evolve_consent,
    ev.StandingOrdersAmended: body.evolve_orders_amended,
    ev.AmendmentMoved: amendment.evolve_moved,
    ev.AmendmentSeconded: amendment.evolve_seconded,
    ev.AmendmentRuledOutOfOrder: amendment.evolve_ruled,
    ev.AmendmentTaken: amendment.evolve_taken,
    ev.AmendmentFell: amendment.evolve_fell,
    ev.MotionTextAmended: amendment.evolve_text_amended,
    ev.RulingOverturned: amendment.evolve_overturned,
    ev.ProceduralMoved: procedural.evolve_moved,
    ev.ProceduralSeconded: procedural.evolve_seconded,
    ev.QuestionToBePut: procedural.evolve_question_to_be_put,
    ev.BallotOpened: ballot.evolve_opened,
    ev.MembersBallotOpened: members_ballot.evolve_opened,
    ev.VoteCast: ballot.evolve_vote,
    ev.SecretVoteCast: ballot.evolve_secret_vote,
    ev.BallotClosed: ballot.evolve_closed,
    ev.PetitionOpened: petition.evolve_opened,
    ev.PetitionSigned: petition.evolve_signed,
    ev.PetitionClosed: petition.evolve_closed,
    ev.NominationsOpened: election.evolve_opened,
    ev.NominationProposed: election.evolve_proposed,
    ev.CandidateNominated: election.evolve_nominated,
    ev.NominationWithdrawn: election.evolve_withdrawn,
    ev.NominationsClosed: election.evolve_nominations_closed,
    ev.RankingCast: election.evolve_ranking,
    ev.SealedRankingCast: election.evolve_sealed,
    ev.ElectionClosed: election.evolve_closed,
}


# -- what follows from the state, checked on replay (docs/architecture.md principle 7) ------------

DERIVATIONS: dict[type[ev.Event], Derivation] = {
    ev.BusinessStarted: meeting.derive_business_started,
    ev.MeetingClosed: meeting.derive_closed,
    ev.MotionDisposed: motion.derive_withdrawn,
    ev.ConsentGiven: motion.derive_consent,
    ev.AmendmentMoved: amendment.derive_moved,
    ev.ProceduralMoved: procedural.derive_moved,
    ev.BallotOpened: ballot.derive_opened,
    ev.MembersBallotOpened: members_ballot.derive_opened,
    ev.NominationsClosed: election.derive_nominations_closed,
    ev.PetitionOpened: petition.derive_opened,
    ev.PetitionClosed: petition.derive_closed,
}
"""Per event type, its derived fields as the state before it gives them (``voting.derived``).

They run on the acts of the log only: an event that the rules give as the
consequence of an earlier one is checked whole against what the rules give."""

Causes = Callable[[BodyState, Any], Sequence[ev.Event]]

CONSEQUENCES: dict[type[ev.Event], Causes] = {
    ev.BallotClosed: lambda state, e: ballot.consequences_of_close(
        state, state.ballot(e.ballot), e.outcome, e.at
    ),
    ev.MotionDisposed: motion.consequences_of_withdrawal,
}
"""Per act, the events the rules make it cause, which the log must hold right after it."""

LEADING: dict[type[ev.Event], Causes] = {
    ev.BallotOpened: lambda state, e: ballot.leading_falls(state, e.subject, e.at),
}
"""Per act, the consequences logged just *before* it: amendments fall as a question is put."""

CAUSED_ONLY = frozenset(
    {ev.AmendmentFell, ev.MotionTextAmended, ev.QuestionToBePut, ev.RulingOverturned,
     ev.StandingOrdersAmended}
)
"""Events that record no act: the log holds them only where the rules give them."""


def _require_next(expected: ev.Event, event: ev.Event) -> None:
    """``event`` must be exactly ``expected``, the next consequence the rules give."""
    if event == expected:
        return
    if type(event) is type(expected):
        for field in dataclasses.fields(event):
            if getattr(event, field.name) != getattr(expected, field.name):
                raise InconsistentEvent(
                    f"{event.TYPE}.{field.name} is not what the rules give "
                    f"({getattr(expected, field.name)!r})"
                )
    raise InconsistentEvent(
        f"{event.TYPE} is logged where the rules give {expected.TYPE} next ({_brief(expected)})"
    )


def _brief(event: ev.Event) -> str:
    names = [f.name for f in dataclasses.fields(event) if f.name != "at"][:2]
    return ", ".join(f"{name} {getattr(event, name)!r}" for name in names)


def _check_leading(state: BodyState, event: ev.Event, leading: Causes | None) -> None:
    """The amendments logged as falling just before ``event`` are exactly those its rules
    make fall, in order (recomputed on the state before they fell)."""
    logged = tuple(fall for fall, _ in state.falling)
    if leading is None:
        raise InconsistentEvent(
            f"{event.TYPE} is logged after {len(logged)} amendment(s) fell, but amendments "
            "fall so only as a question is put"
        )
    before = state
    if logged:
        amendments = dict(state.amendments)
        for fall, prior in reversed(state.falling):
            amendments[fall.amendment] = dataclasses.replace(
                amendments[fall.amendment], state=prior
            )
        before = dataclasses.replace(state, amendments=amendments, falling=())
    expected = tuple(leading(before, event))
    if expected != logged:
        for got, want in zip(logged, expected, strict=False):
            if got != want:
                _require_next(want, got)
        if len(logged) < len(expected):
            missing = expected[len(logged)]
            raise InconsistentEvent(
                f"{event.TYPE}: {missing.TYPE} is missing before it ({_brief(missing)}): the "
                "rules make it fall as the question is put"
            )
        raise InconsistentEvent(
            f"{event.TYPE}: amendment_fell for {logged[len(expected)].amendment!r} is not one "
            "the rules give as the question is put"
        )


_SPECIAL = frozenset({*DERIVATIONS, *CONSEQUENCES, *LEADING, *CAUSED_ONLY})


def _check_act(state: BodyState, event: ev.Event) -> tuple[ev.Event, ...]:
    """Check an act's derived fields and where it stands; the consequences it causes."""
    kind = type(event)
    derive = DERIVATIONS.get(kind)
    if derive is not None:
        check(state, event, derive)
    leading = LEADING.get(kind)
    if kind is ev.AmendmentFell:
        pass  # held in ``falling`` until its question is put (evolve)
    elif state.falling or leading is not None:
        _check_leading(state, event, leading)
    elif kind in CAUSED_ONLY:
        raise InconsistentEvent(f"{event.TYPE} is logged without the act that causes it")
    causes = CONSEQUENCES.get(kind)
    return tuple(causes(state, event)) if causes is not None else ()


def require_complete(state: BodyState) -> None:
    """A log ends after whole commands: nothing the rules give may be left out at its end."""
    if state.pending:
        following = state.pending[0]
        raise InconsistentEvent(
            f"the log ends before {following.TYPE} ({_brief(following)}), which the rules give "
            "next"
        )
    if state.falling:
        raise InconsistentEvent(
            "the log ends with amendments falling but no question put that makes them fall"
        )


def decide(state: BodyState, command: cmd.Command) -> tuple[ev.Event, ...]:
    """The events ``command`` causes in ``state``; raises and changes nothing if refused.

    Every string of the command is first put in Unicode NFC (:mod:`voting.nfc`),
    so the events hold only NFC text. The command's time must be RFC 3339 UTC and
    no earlier than the last event's (:func:`voting.times.check_time`: raises
    :class:`~voting.times.InvalidTime` or :class:`~voting.times.TimeGoesBack`).
    """
    handler = DECIDERS.get(type(command))
    if handler is None:
        raise DomainError(f"unknown command {type(command).__name__}")
    check_time(command.at, state.time)
    if state.pending or state.falling:
        raise OutOfOrder("the log stops in the middle of a command: it must first be completed")
    command = normalise_command(command)
    command = chatham.pseudonymise(state, command)  # an unattributed meeting's members
    events = tuple(handler(state, command))
    for event in events:  # the same rules a replay applies
        state = evolve(state, event)
    return events


def evolve(state: BodyState, event: ev.Event) -> BodyState:
    """Fold one event into the state; raises if the event is one the state does not allow.

    Besides each event type's own rules: its time is RFC 3339 UTC and no earlier
    than the last event's (:func:`voting.times.check_time`), and all its text is in
    Unicode NFC (:func:`voting.nfc.check_event`); a derived field must be what the
    state gives (:data:`DERIVATIONS`); what an act causes (:data:`CONSEQUENCES`)
    must follow it exactly, with nothing else in between; and an event that
    records no act (:data:`CAUSED_ONLY`) is accepted only where the rules give it
    (amendments falling as a question is put come just before it, :data:`LEADING`).
    """
    kind = type(event)
    handler = EVOLVERS.get(kind)
    if handler is None:
        raise DomainError(f"unknown event {kind.__name__}")
    if not state.founded and kind is not ev.BodyFounded:
        raise DomainError("a body's log starts with its founding")
    at = event.at
    if at != state.time:  # an equal time is in order
        check_time(at, state.time)
    check_event(event)
    if state.pseudonyms or state.awaiting_register:
        chatham.check_event(state, event)
    falling = state.falling
    if state.pending:
        _require_next(state.pending[0], event)
        follows = state.pending[1:]
    elif falling or kind in _SPECIAL:
        follows = _check_act(state, event)
        if isinstance(event, ev.AmendmentFell):  # held until the question it falls with is put
            falling = (*falling, (event, state.amendment(event.amendment).state))
        elif falling or kind in LEADING:
            falling = ()
    else:
        follows = ()  # most events (votes, attendance, ...): an act that derives nothing
    new = handler(state, event)
    if new is state:
        return with_(state, size=state.size + 1, time=at, pending=follows, falling=falling)
    # ``new`` is a copy the handler just made and nobody else has seen: count it in place.
    object.__setattr__(new, "size", state.size + 1)
    object.__setattr__(new, "time", at)
    if new.pending is not follows:
        object.__setattr__(new, "pending", follows)
    if new.falling is not falling:
        object.__setattr__(new, "falling", falling)
    return new


def replay(events: Iterable[ev.Event], state: BodyState | None = None) -> BodyState:
    """The state a sequence of events leaves, from an empty body (or ``state``)."""
    current = state if state is not None else BodyState()
    with transient():
        for event in events:
            current = evolve(current, event)
    return current


def execute(state: BodyState, command: cmd.Command) -> tuple[BodyState, tuple[ev.Event, ...]]:
    """Decide and fold: the new state and the events, for callers holding state in memory."""
    events = decide(state, command)
    return replay(events, state), events

"""The decider: ``decide(state, command) -> events``, ``evolve(state, event) -> state``.

``decide`` validates a command against the state and returns the events it
causes, or raises a :class:`voting.errors.DomainError` and changes nothing.
Before returning, it folds its own events into the state with ``evolve``, so
a command is accepted only if every event it produces is one a replay of the
log would accept too. ``replay(events)`` rebuilds any state from the log
(DESIGN.md principle 1: the log is the one source of truth).

What the log cannot hold is refused on both sides, by one definition each:
a time that is not RFC 3339 UTC or is earlier than the last event's
(:mod:`voting.times`: :class:`~voting.times.InvalidTime`,
:class:`~voting.times.TimeGoesBack`), and text not in Unicode NFC
(:mod:`voting.nfc`: ``decide`` normalises a command's strings to NFC,
``evolve`` refuses an event holding any other, or a lone surrogate, with
:class:`~voting.nfc.UnloggableText`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from voting import (
    amendment,
    ballot,
    body,
    college,
    election,
    meeting,
    motion,
    petition,
    procedural,
)
from voting import commands as cmd
from voting import events as ev
from voting.errors import DomainError
from voting.nfc import check_event, normalise_command
from voting.state import BodyState, transient, with_
from voting.times import check_time

__all__ = ["decide", "evolve", "execute", "replay"]

Decider = Callable[[BodyState, Any], list[ev.Event]]
Evolver = Callable[[BodyState, Any], BodyState]

DECIDERS: dict[type[cmd.Command], Decider] = {
    cmd.FoundBody: body.found_body,
    cmd.AdmitMember: body.admit_member,
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
    cmd.MoveAmendment: amendment.move_amendment,
    cmd.SecondAmendment: amendment.second_amendment,
    cmd.RuleOutOfOrder: amendment.rule_out_of_order,
    cmd.TakeAmendment: amendment.take_amendment,
    cmd.MoveProcedural: procedural.move_procedural,
    cmd.OpenBallot: ballot.open_ballot,
    cmd.CastVote: ballot.cast_vote,
    cmd.CloseBallot: ballot.close_ballot,
    cmd.OpenPetition: petition.open_petition,
    cmd.SignPetition: petition.sign_petition,
    cmd.ClosePetition: petition.close_petition,
    cmd.OpenNominations: election.open_nominations,
    cmd.Nominate: election.nominate,
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
    ev.BusinessStarted: meeting.evolve_business_started,
    ev.MeetingClosed: meeting.evolve_closed,
    ev.MotionMoved: motion.evolve_moved,
    ev.MotionSeconded: motion.evolve_seconded,
    ev.DebateOpened: motion.evolve_debate_opened,
    ev.MotionDisposed: motion.evolve_disposed,
    ev.AmendmentMoved: amendment.evolve_moved,
    ev.AmendmentSeconded: amendment.evolve_seconded,
    ev.AmendmentRuledOutOfOrder: amendment.evolve_ruled,
    ev.AmendmentTaken: amendment.evolve_taken,
    ev.AmendmentFell: amendment.evolve_fell,
    ev.MotionTextAmended: amendment.evolve_text_amended,
    ev.RulingOverturned: amendment.evolve_overturned,
    ev.ProceduralMoved: procedural.evolve_moved,
    ev.QuestionToBePut: procedural.evolve_question_to_be_put,
    ev.BallotOpened: ballot.evolve_opened,
    ev.VoteCast: ballot.evolve_vote,
    ev.SecretVoteCast: ballot.evolve_secret_vote,
    ev.BallotClosed: ballot.evolve_closed,
    ev.PetitionOpened: petition.evolve_opened,
    ev.PetitionSigned: petition.evolve_signed,
    ev.PetitionClosed: petition.evolve_closed,
    ev.NominationsOpened: election.evolve_opened,
    ev.CandidateNominated: election.evolve_nominated,
    ev.NominationWithdrawn: election.evolve_withdrawn,
    ev.NominationsClosed: election.evolve_nominations_closed,
    ev.RankingCast: election.evolve_ranking,
    ev.SealedRankingCast: election.evolve_sealed,
    ev.ElectionClosed: election.evolve_closed,
}


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
    command = normalise_command(command)
    events = tuple(handler(state, command))
    for event in events:  # the same rules a replay applies
        state = evolve(state, event)
    return events


def evolve(state: BodyState, event: ev.Event) -> BodyState:
    """Fold one event into the state; raises if the event is one the state does not allow.

    Besides each event's own rules: its time is RFC 3339 UTC and no earlier than
    the last event's (:func:`voting.times.check_time`), and all its text is in
    Unicode NFC (:func:`voting.nfc.check_event`).
    """
    handler = EVOLVERS.get(type(event))
    if handler is None:
        raise DomainError(f"unknown event {type(event).__name__}")
    if not state.founded and not isinstance(event, ev.BodyFounded):
        raise DomainError("a body's log starts with its founding")
    at = event.at
    if at != state.time:  # an equal time is in order
        check_time(at, state.time)
    check_event(event)
    new = handler(state, event)
    if new is state:
        return with_(state, size=state.size + 1, time=at)
    # ``new`` is a copy the handler just made and nobody else has seen: count it in place.
    object.__setattr__(new, "size", state.size + 1)
    object.__setattr__(new, "time", at)
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

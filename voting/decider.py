"""The decider: ``decide(state, command) -> events``, ``evolve(state, event) -> state``.

``decide`` validates a command against the state and returns the events it
causes, or raises a :class:`voting.errors.DomainError` and changes nothing.
Before returning, it folds its own events into the state with ``evolve``, so
a command is accepted only if every event it produces is one a replay of the
log would accept too. ``replay(events)`` rebuilds any state from the log
(docs/architecture.md principle 1: the log is the one source of truth).
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
from voting.state import BodyState, transient, with_

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
    """The events ``command`` causes in ``state``; raises and changes nothing if refused."""
    handler = DECIDERS.get(type(command))
    if handler is None:
        raise DomainError(f"unknown command {type(command).__name__}")
    if not isinstance(command.at, str) or not command.at:
        raise DomainError("a command needs the time it was given")
    events = tuple(handler(state, command))
    for event in events:  # the same rules a replay applies
        state = evolve(state, event)
    return events


def evolve(state: BodyState, event: ev.Event) -> BodyState:
    """Fold one event into the state; raises if the event is one the state does not allow."""
    handler = EVOLVERS.get(type(event))
    if handler is None:
        raise DomainError(f"unknown event {type(event).__name__}")
    if not state.founded and not isinstance(event, ev.BodyFounded):
        raise DomainError("a body's log starts with its founding")
    new = handler(state, event)
    if new is state:
        return with_(state, size=state.size + 1)
    # ``new`` is a copy the handler just made and nobody else has seen: count it in place.
    object.__setattr__(new, "size", state.size + 1)
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

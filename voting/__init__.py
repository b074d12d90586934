"""The domain of tellers: bodies, members, meetings, motions, amendments, ballots, elections.

A pure state machine in the decider style: ``decide(state, command) ->
events`` validates a command and returns the events it causes (or raises a
:class:`DomainError` and changes nothing); ``evolve(state, event) -> state``
folds one event in; ``replay(events)`` rebuilds any state from a log. No
I/O and no clock: time comes in with each command.

Everything an embedder needs is named here (``docs/tutorial.md`` runs a meeting with
these names alone)::

    from voting import BodyState, FoundBody, execute

    state = BodyState()
    state, events = execute(state, FoundBody("2026-01-15T18:00:00Z", "sec", name="Branch"))

- **Commands** by name (``FoundBody``, ``MoveMotion``, ``CastVote``, ...), and the
  module :mod:`voting.commands`. Where a command takes a kind or a method it accepts
  the enum (:class:`ProceduralKind`, :class:`EditKind`, :class:`BallotMethod`) or its
  string value alike: ``decide`` turns an enum into its value (:mod:`voting.nfc`), so
  both give identical events.
- **Events** through the module :mod:`voting.events` (``events.MotionMoved``), and
  their base :class:`Event`: one event, ``events.BallotClosed``, shares its name with
  the refusal :class:`BallotClosed`, so the events are not named here one by one.
  :func:`to_entry` and :func:`from_entry` turn an event into a log entry and back.
- **State**: :class:`BodyState` and what it holds (:class:`Member`, :class:`Meeting`,
  :class:`Motion`, :class:`Amendment`, :class:`Ballot`, :class:`Election`, ...).
  After the close, ``Ballot.result`` is the :class:`Decision` (counts, rule, tie,
  casting vote, explanation) and ``Election.result`` the :class:`ElectionResult`
  (the count with its stages and lots).
- **Refusals**: the error hierarchy of :mod:`voting.errors` under
  :class:`TellersError` (each class also the builtin it is).
- **Minutes**: :func:`minutes_of`, :class:`Minutes` and :func:`render_minutes`;
  :func:`watered_down` says what amendments took out of a motion.
- **Standing orders**: :class:`StandingOrders`, the profiles by :func:`profile`, the
  rules by name (:func:`rule_values`, :func:`resolve`;
  every name in ``voting.standing_orders.RULE_NAMES``); a body sets
  them at its founding (``FoundBody.rules``) or by a motion to amend them
  (``MoveMotion.orders``), both in its log (``docs/standing-orders.md``).
- **Secret votes**: :func:`mark_key`, the member's mark key the shell gives with a
  sealed vote (:mod:`voting.seal`).
"""

from tallying.errors import TellersError
from tallying.majority import Decision
from tallying.result import ElectionResult
from voting import commands, events
from voting.codec import from_entry, to_entry
from voting.commands import (
    AdmitMember,
    AdmitMembers,
    AppointProxy,
    CastRanking,
    CastVote,
    CloseBallot,
    CloseElection,
    CloseMeeting,
    CloseNominations,
    ClosePetition,
    Command,
    ConveneMeeting,
    DefineCollege,
    FoundBody,
    GiveConsent,
    MoveAmendment,
    MoveMotion,
    MoveProcedural,
    Nominate,
    OpenBallot,
    OpenDebate,
    OpenMembersBallot,
    OpenNominations,
    OpenPetition,
    RecordAttendance,
    ReinstateMember,
    RuleOutOfOrder,
    SecondAmendment,
    SecondMotion,
    SecondNomination,
    SecondProcedural,
    SetPublication,
    SignPetition,
    StartBusiness,
    SuspendMember,
    TakeAmendment,
    WithdrawMotion,
    WithdrawNomination,
)
from voting.decider import decide, evolve, execute, replay
from voting.edit import EditKind
from voting.errors import (
    AlreadyExists,
    AlreadyVoted,
    BallotClosed,
    DomainError,
    EditNoLongerApplies,
    EmptyText,
    InconsistentEvent,
    InvalidVote,
    InvalidWeight,
    NotEntitled,
    NotFound,
    OutOfOrder,
    QuotedWordsMismatch,
    SpanNotFound,
    TextError,
    TextTooLong,
)
from voting.events import Event
from voting.lifecycle import MotionState
from voting.minutes import Minutes, MinutesError, minutes_of, render_minutes
from voting.nfc import UnloggableText
from voting.report import watered_down
from voting.seal import mark_key
from voting.standing_orders import (
    AmendmentOrder,
    InvalidRule,
    ProceduralKind,
    RevotePolicy,
    StandingOrders,
    WithdrawalRule,
    profile,
    resolve,
    rule_values,
)
from voting.state import (
    Amendment,
    Ballot,
    BallotMethod,
    BodyState,
    Election,
    ElectionStage,
    Meeting,
    Member,
    Motion,
    Petition,
    Procedural,
    Publication,
    Role,
)

__all__ = [
    "AdmitMember",
    "AdmitMembers",
    "AlreadyExists",
    "AlreadyVoted",
    "Amendment",
    "AmendmentOrder",
    "AppointProxy",
    "Ballot",
    "BallotClosed",
    "BallotMethod",
    "BodyState",
    "CastRanking",
    "CastVote",
    "CloseBallot",
    "CloseElection",
    "CloseMeeting",
    "CloseNominations",
    "ClosePetition",
    "Command",
    "ConveneMeeting",
    "Decision",
    "DefineCollege",
    "DomainError",
    "EditKind",
    "EditNoLongerApplies",
    "Election",
    "ElectionResult",
    "ElectionStage",
    "EmptyText",
    "Event",
    "FoundBody",
    "GiveConsent",
    "InconsistentEvent",
    "InvalidRule",
    "InvalidVote",
    "InvalidWeight",
    "Meeting",
    "Member",
    "Minutes",
    "MinutesError",
    "Motion",
    "MotionState",
    "MoveAmendment",
    "MoveMotion",
    "MoveProcedural",
    "Nominate",
    "NotEntitled",
    "NotFound",
    "OpenBallot",
    "OpenDebate",
    "OpenMembersBallot",
    "OpenNominations",
    "OpenPetition",
    "OutOfOrder",
    "Petition",
    "Procedural",
    "ProceduralKind",
    "Publication",
    "QuotedWordsMismatch",
    "RecordAttendance",
    "ReinstateMember",
    "RevotePolicy",
    "Role",
    "RuleOutOfOrder",
    "SecondAmendment",
    "SecondMotion",
    "SecondNomination",
    "SecondProcedural",
    "SetPublication",
    "SignPetition",
    "SpanNotFound",
    "StandingOrders",
    "StartBusiness",
    "SuspendMember",
    "TakeAmendment",
    "TellersError",
    "TextError",
    "TextTooLong",
    "UnloggableText",
    "WithdrawMotion",
    "WithdrawNomination",
    "WithdrawalRule",
    "commands",
    "decide",
    "events",
    "evolve",
    "execute",
    "from_entry",
    "mark_key",
    "minutes_of",
    "profile",
    "render_minutes",
    "replay",
    "resolve",
    "rule_values",
    "to_entry",
    "watered_down",
]

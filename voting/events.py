"""The events of a body's log: every fact the domain records.

An event is plain data: strings, integers, booleans and tuples of them (no
floats: events are hashed into the audit log as RFC 8785 canonical JSON).
Each class has a stable ``TYPE`` name used in the log; the JSON form is
``{"type": TYPE, ...fields}`` (see :mod:`voting.codec`). Times are RFC 3339
UTC strings taken from the command (the domain reads no clock).

The version of this vocabulary is :data:`EVENT_VERSION`; adding an optional
field keeps it, renaming or removing one raises it. A field added later has a
default value, which an entry written before it existed is read as holding
(:mod:`voting.codec`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "EVENT_TYPES",
    "EVENT_VERSION",
    "VOTES",
    "AmendmentFell",
    "AmendmentMoved",
    "AmendmentRuledOutOfOrder",
    "AmendmentSeconded",
    "AmendmentTaken",
    "AttendanceRecorded",
    "BallotClosed",
    "BallotOpened",
    "BodyFounded",
    "BusinessStarted",
    "CandidateNominated",
    "CollegeDefined",
    "ConsentGiven",
    "DebateOpened",
    "ElectionClosed",
    "Event",
    "MeetingClosed",
    "MeetingConvened",
    "MemberAdmitted",
    "MemberReinstated",
    "MemberSuspended",
    "MembersBallotOpened",
    "MotionDisposed",
    "MotionMoved",
    "MotionSeconded",
    "MotionTextAmended",
    "NominationProposed",
    "NominationWithdrawn",
    "NominationsClosed",
    "NominationsOpened",
    "PetitionClosed",
    "PetitionOpened",
    "PetitionSigned",
    "ProceduralMoved",
    "ProceduralSeconded",
    "ProxyAppointed",
    "PublicationSet",
    "QuestionToBePut",
    "RankingCast",
    "RegisterRecorded",
    "RulingOverturned",
    "SealedRankingCast",
    "SecretVoteCast",
    "StandingOrdersAmended",
    "VoteCast",
]

EVENT_VERSION = 1

EVENT_TYPES: dict[str, type[Event]] = {}


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every event. ``at`` is when it happened (RFC 3339, UTC)."""

    TYPE: ClassVar[str] = ""
    at: str


# -- the body and its members ------------------------------------------------


@dataclass(frozen=True, slots=True)
class BodyFounded(Event):
    """A body is set up, with its standing orders: a profile by name and the rules the
    founders set otherwise (``rules``: ``(rule, value)`` pairs of text, sorted by rule, each
    rule once; :data:`voting.standing_orders.RULE_NAMES`). A log written before ``rules``
    existed leaves it out: the profile's rules, as ``proxies_allowed`` and ``revote`` say."""

    TYPE: ClassVar[str] = "body_founded"
    name: str
    standing_orders: str
    proxies_allowed: bool
    revote: str
    rules: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class StandingOrdersAmended(Event):
    """The body's standing orders change, from the next entry on: a motion to amend them
    (``motion``) was carried, and ``rules`` are the rules it set, as ``(rule, value)`` pairs
    sorted by rule. Logged right after the close that carried it (a consequence)."""

    TYPE: ClassVar[str] = "standing_orders_amended"
    motion: str
    rules: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class MemberAdmitted(Event):
    """A member joins the body with a card weight, a section and roles."""

    TYPE: ClassVar[str] = "member_admitted"
    member: str
    name: str
    weight: int
    section: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CollegeDefined(Event):
    """The body's electoral college: each section's share of a college vote ("1/2")."""

    TYPE: ClassVar[str] = "college_defined"
    sections: tuple[tuple[str, str], ...]
    by: str


@dataclass(frozen=True, slots=True)
class MemberSuspended(Event):
    """A member is suspended: they keep their place on the roll but may not vote."""

    TYPE: ClassVar[str] = "member_suspended"
    member: str
    reason: str
    by: str


@dataclass(frozen=True, slots=True)
class MemberReinstated(Event):
    """A suspended member is reinstated."""

    TYPE: ClassVar[str] = "member_reinstated"
    member: str
    by: str


# -- meetings -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeetingConvened(Event):
    """A meeting is called, with its chair, secretary, quorum and publication policy."""

    TYPE: ClassVar[str] = "meeting_convened"
    meeting: str
    title: str
    chair: str
    secretary: str
    quorum_number: int  # 0 when the quorum is only a fraction
    quorum_fraction: str  # "1/3", or "" when the quorum is only a number
    publication: str


@dataclass(frozen=True, slots=True)
class AttendanceRecorded(Event):
    """A member arrives (present) or leaves (not present)."""

    TYPE: ClassVar[str] = "attendance_recorded"
    meeting: str
    member: str
    present: bool


@dataclass(frozen=True, slots=True)
class ProxyAppointed(Event):
    """An absent member's vote is carried by a member who is present."""

    TYPE: ClassVar[str] = "proxy_appointed"
    meeting: str
    giver: str
    holder: str


@dataclass(frozen=True, slots=True)
class PublicationSet(Event):
    """The meeting's publication policy: ``open`` or ``unattributed``."""

    TYPE: ClassVar[str] = "publication_set"
    meeting: str
    publication: str
    by: str


@dataclass(frozen=True, slots=True)
class RegisterRecorded(Event):
    """An ``unattributed`` meeting's register, logged just after the event that sets the
    policy (``voting.chatham``): the commitment to the meeting secret and every member of
    the body as ``(pseudonym, weight, section, may_vote)``, sorted by pseudonym."""

    TYPE: ClassVar[str] = "register_recorded"
    meeting: str
    commitment: str
    register: tuple[tuple[str, int, str, bool], ...]


@dataclass(frozen=True, slots=True)
class BusinessStarted(Event):
    """The chair opens business, the quorum checked and recorded."""

    TYPE: ClassVar[str] = "business_started"
    meeting: str
    present: int
    quorum_required: int
    quorum_rule: str


@dataclass(frozen=True, slots=True)
class MeetingClosed(Event):
    """The meeting ends: closed after its business, or adjourned."""

    TYPE: ClassVar[str] = "meeting_closed"
    meeting: str
    reason: str


# -- motions and amendments --------------------------------------------------


@dataclass(frozen=True, slots=True)
class MotionMoved(Event):
    """A member moves a motion; its text is numbered and its words addressable."""

    TYPE: ClassVar[str] = "motion_moved"
    motion: str
    meeting: str
    mover: str
    title: str
    text: str
    # The motion's own rule, asked for by its mover ("" : the standing orders'), one of
    # the thresholds the standing orders let a question carry.
    threshold: str = ""
    # For a motion to amend the standing orders: the rules it sets, ``(rule, value)`` pairs
    # sorted by rule; carried, they take effect from the next entry on.
    orders: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class MotionSeconded(Event):
    """Another member seconds the motion."""

    TYPE: ClassVar[str] = "motion_seconded"
    motion: str
    seconder: str


@dataclass(frozen=True, slots=True)
class DebateOpened(Event):
    """The chair opens debate on a seconded motion."""

    TYPE: ClassVar[str] = "debate_opened"
    motion: str
    by: str


@dataclass(frozen=True, slots=True)
class AmendmentMoved(Event):
    """An amendment is moved: a typed edit of the current text (or of another amendment).

    ``parent`` is the amendment it amends, or ``""`` when it amends the motion.
    The edit's words are addressed by stable word ids (see :mod:`voting.edit`);
    ``description`` is how it reads on the agenda.
    """

    TYPE: ClassVar[str] = "amendment_moved"
    amendment: str
    motion: str
    parent: str
    mover: str
    kind: str
    first: int  # -1 when not used
    last: int
    after: int  # -1: at the start (for an insertion), or not used
    insert: str
    quoted: str
    description: str


@dataclass(frozen=True, slots=True)
class AmendmentSeconded(Event):
    """Another member seconds the amendment."""

    TYPE: ClassVar[str] = "amendment_seconded"
    amendment: str
    seconder: str


@dataclass(frozen=True, slots=True)
class AmendmentRuledOutOfOrder(Event):
    """The chair rules an amendment out of order, with the ground and reason on record."""

    TYPE: ClassVar[str] = "amendment_ruled_out_of_order"
    amendment: str
    ground: str  # direct_negative, not_relevant, other
    reason: str
    by: str


@dataclass(frozen=True, slots=True)
class AmendmentTaken(Event):
    """The chair takes an amendment: it is now the question under debate."""

    TYPE: ClassVar[str] = "amendment_taken"
    amendment: str
    by: str


@dataclass(frozen=True, slots=True)
class AmendmentFell(Event):
    """An amendment falls because a carried amendment removed the words it needs."""

    TYPE: ClassVar[str] = "amendment_fell"
    amendment: str
    reason: str


@dataclass(frozen=True, slots=True)
class MotionTextAmended(Event):
    """A carried amendment changes the text: the motion becomes the substantive motion.

    ``target`` is the motion, or the amendment whose words a carried amendment
    to an amendment changed.
    """

    TYPE: ClassVar[str] = "motion_text_amended"
    target: str
    amendment: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class MotionDisposed(Event):
    """A motion or amendment ends otherwise than by a vote on it.

    ``state`` is withdrawn, remitted, referred_back, next_business, adjourned
    or fell; ``reason`` says why, naming the procedural vote where there was one.
    """

    TYPE: ClassVar[str] = "motion_disposed"
    subject: str
    state: str
    reason: str


@dataclass(frozen=True, slots=True)
class ProceduralMoved(Event):
    """A procedural motion is moved on a motion or amendment: seconded at once (a seconder
    recorded by whoever holds the pen), or, with ``seconder`` empty, awaiting a member's own
    act (:class:`ProceduralSeconded`)."""

    TYPE: ClassVar[str] = "procedural_moved"
    procedural: str
    meeting: str
    kind: str
    target: str
    mover: str
    seconder: str
    # Whether the target's mover consents (to a remit): since consent is the mover's own
    # act (``consent_given``) this is derived from the log; an entry of the older form (a
    # remit without ``to``) holds it as the flag the command gave.
    mover_consents: bool
    to: str = ""  # a remit: the committee or body the motion is remitted to


@dataclass(frozen=True, slots=True)
class ProceduralSeconded(Event):
    """A procedural motion moved without a seconder is seconded: the seconder's own act."""

    TYPE: ClassVar[str] = "procedural_seconded"
    procedural: str
    seconder: str


@dataclass(frozen=True, slots=True)
class ConsentGiven(Event):
    """A member consents, as the mover or the seconder of ``subject`` (``capacity``), to its
    being remitted or withdrawn (``act``): their own act, on the record."""

    TYPE: ClassVar[str] = "consent_given"
    subject: str
    act: str  # remit, withdraw
    member: str
    capacity: str  # mover, seconder


@dataclass(frozen=True, slots=True)
class QuestionToBePut(Event):
    """The closure was carried: the question on ``target`` is put without more debate."""

    TYPE: ClassVar[str] = "question_to_be_put"
    target: str


@dataclass(frozen=True, slots=True)
class RulingOverturned(Event):
    """A challenge to the chair was carried: the ruling on the amendment is reversed."""

    TYPE: ClassVar[str] = "ruling_overturned"
    amendment: str


# -- ballots -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BallotOpened(Event):
    """A question is put: the roll of who may vote is fixed now.

    ``roll`` lists each entitled vote as ``(voter, member, weight)``: a member
    votes for themself (voter == member) or as a proxy holder for an absent
    member. ``text`` is the words put to the vote.
    """

    TYPE: ClassVar[str] = "ballot_opened"
    ballot: str
    meeting: str
    subject: str
    subject_kind: str  # motion, amendment, procedural
    question: str
    text: str
    substantive: bool
    method: str
    threshold: str
    tie_rule: str
    revote: str
    roll: tuple[tuple[str, str, int], ...]
    present: int
    members: int
    quorum_required: int
    by: str
    # The rule the chair put the question with ("": none of its own), an act; the
    # ``threshold`` applied is then derived from it, from the rule the motion was moved with,
    # or from the standing orders.
    rule: str = ""


@dataclass(frozen=True, slots=True)
class MembersBallotOpened(Event):
    """A members' ballot is called outside any meeting: the electorate is fixed now.

    Acts: the officer (``by``), the ballot, the ``question``, the ``method`` (recorded or
    secret), the window (votes from ``opens_at`` until before ``closes_at``), whether it
    is ``weighted``, the ``petition`` that triggered it (or ``""``) and the question's own
    ``rule`` (or ``""``). Derived and recomputed on replay: the ``threshold`` applied, the
    ``tie_rule`` (an equality of votes is not carried: no chair presides), the ``revote``
    policy, the ``roll`` (every member who may vote, as ``(member, weight)``, sorted; a
    weight of 1 unless weighted) and ``members``, the electorate's total weight.
    """

    TYPE: ClassVar[str] = "members_ballot_opened"
    ballot: str
    question: str
    method: str
    opens_at: str
    closes_at: str
    weighted: bool
    petition: str
    rule: str
    threshold: str
    tie_rule: str
    revote: str
    roll: tuple[tuple[str, int], ...]
    members: int
    by: str


@dataclass(frozen=True, slots=True)
class VoteCast(Event):
    """A vote on a recorded or card ballot: who, for whom, and how.

    A card vote may be split: ``for_votes + against + abstain`` is the card's
    weight. On a recorded vote the three add up to the member's weight as well.
    """

    TYPE: ClassVar[str] = "vote_cast"
    ballot: str
    voter: str
    member: str
    for_votes: int
    against: int
    abstain: int


@dataclass(frozen=True, slots=True)
class SecretVoteCast(Event):
    """A paper was cast in a secret ballot, sealed, by a voter the entry does not name.

    ``seal`` commits to the paper (its tracker and choice) and ``mark`` stands
    for the member whose vote it is, without naming them (:mod:`voting.seal`
    gives both byte strings). The choice is published at the close, where its
    paper must open this seal.
    """

    TYPE: ClassVar[str] = "secret_vote_cast"
    ballot: str
    mark: str
    seal: str


@dataclass(frozen=True, slots=True)
class BallotClosed(Event):
    """The vote is over: counts, the rule applied and the outcome.

    For a show of hands the counts are the tellers' figures. For a secret
    ballot, ``papers`` publishes every sealed paper as ``(tracker, choice)``
    sorted by tracker, each opening one seal logged as it was cast, so anyone
    can recount and each voter can find theirs; ``voters`` is the marked
    register: the ``(voter, member)`` entries of the roll whose marks were
    logged, sorted.
    """

    TYPE: ClassVar[str] = "ballot_closed"
    ballot: str
    for_votes: int
    against: int
    abstain: int
    present_at_close: tuple[str, ...]  # who was present and entitled when the vote closed
    casting_vote: str  # "for", "against", or "" when none was needed
    outcome: str
    tied: bool
    explanation: str
    papers: tuple[tuple[str, str], ...]
    voters: tuple[tuple[str, str], ...]
    by: str
    # a college vote's working, each section in the college's order: (section, share, for,
    # against, abstain, its part of the result for, its part against), parts as fractions of
    # the whole college (docs/counting.md, colleges); recomputed on replay
    sections: tuple[tuple[str, str, int, int, int, str, str], ...] = ()


# -- elections ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NominationsOpened(Event):
    """An election is called: seats to fill, the counting method, and who votes.

    ``meeting`` is the meeting that votes, or ``""`` for a ballot of all members.
    """

    TYPE: ClassVar[str] = "nominations_opened"
    election: str
    title: str
    seats: int
    method: str
    meeting: str
    secret: bool
    by: str


@dataclass(frozen=True, slots=True)
class NominationProposed(Event):
    """A member proposes a candidate; the nomination stands once another member seconds it."""

    TYPE: ClassVar[str] = "nomination_proposed"
    election: str
    candidate: str
    proposer: str


@dataclass(frozen=True, slots=True)
class CandidateNominated(Event):
    """A member is nominated, with proposer and seconder."""

    TYPE: ClassVar[str] = "candidate_nominated"
    election: str
    candidate: str
    proposer: str
    seconder: str


@dataclass(frozen=True, slots=True)
class NominationWithdrawn(Event):
    """A candidate withdraws before nominations close."""

    TYPE: ClassVar[str] = "nomination_withdrawn"
    election: str
    candidate: str


@dataclass(frozen=True, slots=True)
class NominationsClosed(Event):
    """Nominations close; the candidates, in ballot-paper order, and the roll are fixed."""

    TYPE: ClassVar[str] = "nominations_closed"
    election: str
    candidates: tuple[str, ...]
    roll: tuple[str, ...]
    by: str


@dataclass(frozen=True, slots=True)
class RankingCast(Event):
    """A named ranked vote: candidates in order of preference."""

    TYPE: ClassVar[str] = "ranking_cast"
    election: str
    voter: str
    ranking: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SealedRankingCast(Event):
    """A ranking was cast in a secret election, sealed, by a voter the entry does not name.

    ``seal`` and ``mark`` are as for :class:`SecretVoteCast`, the ranking
    sealed as its candidate ids joined by newlines (:mod:`voting.seal`).
    """

    TYPE: ClassVar[str] = "sealed_ranking_cast"
    election: str
    mark: str
    seal: str


@dataclass(frozen=True, slots=True)
class ElectionClosed(Event):
    """The count: who was elected, in order, by which rule, with any lot and its seed.

    For a secret election, ``papers`` publishes every sealed ranking as
    ``(tracker, ranking)`` sorted by tracker, each opening one logged seal, so
    anyone can recount; ``voters`` is the marked register: the members of the
    roll whose marks were logged, sorted.
    """

    TYPE: ClassVar[str] = "election_closed"
    election: str
    elected: tuple[str, ...]
    rule: str
    seed: str
    lots: int
    papers: tuple[tuple[str, tuple[str, ...]], ...]
    voters: tuple[str, ...]
    by: str


# -- petitions ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PetitionOpened(Event):
    """A petition for a members' ballot opens; the membership is counted now."""

    TYPE: ClassVar[str] = "petition_opened"
    petition: str
    text: str
    threshold: str
    membership: int
    required: int
    by: str


@dataclass(frozen=True, slots=True)
class PetitionSigned(Event):
    """A member signs a petition."""

    TYPE: ClassVar[str] = "petition_signed"
    petition: str
    member: str


@dataclass(frozen=True, slots=True)
class PetitionClosed(Event):
    """A petition closes: it triggers a members' ballot when it met its threshold."""

    TYPE: ClassVar[str] = "petition_closed"
    petition: str
    signatures: int
    required: int
    met: bool
    by: str


def _register() -> None:
    for cls in Event.__subclasses__():
        if globals().get(cls.__name__) is not cls:
            continue  # the class dataclass(slots=True) replaced
        if cls.TYPE in EVENT_TYPES:
            raise TypeError(f"event type {cls.TYPE!r} defined twice")
        EVENT_TYPES[cls.TYPE] = cls


_register()

VOTES: frozenset[type[Event]] = frozenset(
    {VoteCast, SecretVoteCast, RankingCast, SealedRankingCast}
)
"""The events that record one member's vote (recorded or sealed, on a ballot or an election)."""

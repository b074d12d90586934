"""Commands: what someone asks the body to do.

A command names who asks (``by``, a member id, checked for the role the act
needs) and when (``at``, RFC 3339 UTC, supplied by the caller: the domain
reads no clock). :func:`voting.decider.decide` turns a command into events or
refuses it with a typed error, changing nothing. It refuses a time that is not
RFC 3339 UTC or is earlier than the log's last (:mod:`voting.times`), and puts
every string of the command in Unicode NFC first (:mod:`voting.nfc`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AdmitMember",
    "AdmitMembers",
    "AppointProxy",
    "CastRanking",
    "CastVote",
    "CloseBallot",
    "CloseElection",
    "CloseMeeting",
    "CloseNominations",
    "ClosePetition",
    "Command",
    "ConveneMeeting",
    "DefineCollege",
    "FoundBody",
    "GiveConsent",
    "MoveAmendment",
    "MoveMotion",
    "MoveProcedural",
    "Nominate",
    "OpenBallot",
    "OpenDebate",
    "OpenMembersBallot",
    "OpenNominations",
    "OpenPetition",
    "RecordAttendance",
    "ReinstateMember",
    "RuleOutOfOrder",
    "SecondAmendment",
    "SecondMotion",
    "SecondNomination",
    "SecondProcedural",
    "SetPublication",
    "SignPetition",
    "StartBusiness",
    "SuspendMember",
    "TakeAmendment",
    "WithdrawMotion",
    "WithdrawNomination",
]


@dataclass(frozen=True, slots=True)
class Command:
    """Base of every command: when, and who asks.

    ``meeting_secret`` is the secret of an ``unattributed`` meeting (64 hex
    digits), which the shell draws when the policy is set and passes in with
    that meeting's commands; it is never logged (:mod:`voting.chatham`).
    """

    at: str
    by: str
    meeting_secret: str = field(default="", kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class FoundBody(Command):
    """Set up the body. ``by`` is the founding secretary, admitted separately.

    ``standing_orders`` names a profile (``citrine``, ``roberts``); ``rules`` sets any of
    its rules otherwise, as ``(rule, value)`` pairs of text
    (:data:`voting.standing_orders.RULE_NAMES`, docs/standing-orders.md). Both go in the log.
    """

    name: str
    standing_orders: str = "citrine"
    proxies_allowed: bool | None = None  # None: as the standing orders say
    revote: str | None = None
    rules: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class AdmitMember(Command):
    """Admit a member; the first member admitted may be admitted by anyone."""

    member: str
    name: str
    weight: int = 1
    section: str = ""
    roles: tuple[str, ...] = ("member",)


NewMember = tuple[str, str, int, str, tuple[str, ...]]
"""One row of a membership list: (member, name, weight, section, roles)."""


@dataclass(frozen=True, slots=True)
class AdmitMembers(Command):
    """Admit a membership list in one command, all or none; each member is still an entry.

    Each row is checked as :class:`AdmitMember` checks one member, and no id may
    appear twice; the first bad row refuses the whole list, naming the row.
    """

    members: tuple[NewMember, ...]


@dataclass(frozen=True, slots=True)
class DefineCollege(Command):
    """Set the electoral college: (section, share) pairs whose shares add up to 1.

    A ``college`` ballot gives each section its share of the result, whatever
    its size; members vote in the section they were admitted to.
    """

    sections: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SuspendMember(Command):
    member: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReinstateMember(Command):
    member: str


@dataclass(frozen=True, slots=True)
class ConveneMeeting(Command):
    """Call a meeting. A quorum is a number of members, a fraction, or both (the larger)."""

    meeting: str
    title: str
    chair: str
    secretary: str
    quorum_number: int = 0
    quorum_fraction: str = ""
    publication: str = "open"


@dataclass(frozen=True, slots=True)
class RecordAttendance(Command):
    meeting: str
    member: str
    present: bool = True


@dataclass(frozen=True, slots=True)
class AppointProxy(Command):
    meeting: str
    giver: str
    holder: str


@dataclass(frozen=True, slots=True)
class SetPublication(Command):
    meeting: str
    publication: str


@dataclass(frozen=True, slots=True)
class StartBusiness(Command):
    meeting: str


@dataclass(frozen=True, slots=True)
class CloseMeeting(Command):
    meeting: str


@dataclass(frozen=True, slots=True)
class MoveMotion(Command):
    """``by`` moves the motion.

    ``threshold`` is the motion's own rule (a :class:`tallying.majority.Threshold` value the
    standing orders let a question carry, e.g. ``two_thirds_of_votes_cast``,
    ``majority_of_all_members``, ``unanimity_of_votes_cast``), or "" for the standing
    orders' own. ``orders`` makes it a motion to amend the standing orders: the rules it sets,
    as ``(rule, value)`` pairs; it is decided by the standing orders' ``orders_threshold``.
    """

    motion: str
    meeting: str
    title: str
    text: str
    threshold: str = ""
    orders: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SecondMotion(Command):
    """``by`` seconds the motion."""

    motion: str


@dataclass(frozen=True, slots=True)
class OpenDebate(Command):
    motion: str


@dataclass(frozen=True, slots=True)
class MoveAmendment(Command):
    """``by`` moves an amendment to a motion (or, with ``parent``, to an amendment).

    The edit is given as an agenda would print it: ``kind`` is one of
    leave_out, insert, leave_out_and_insert, leave_out_all_and_insert (a
    counter-proposal, keeping the words quoted in ``after``, usually "That")
    or add_at_end; the words to leave out are quoted (``leave_out``) and found
    in the current text, optionally on ``line``; an insertion goes ``after``
    the quoted words (empty: at the start) or at the end with ``at_end``.
    """

    amendment: str
    motion: str
    kind: str
    leave_out: str = ""
    insert: str = ""
    after: str = ""
    at_end: bool = False
    line: int | None = None
    parent: str = ""


@dataclass(frozen=True, slots=True)
class SecondAmendment(Command):
    amendment: str


@dataclass(frozen=True, slots=True)
class RuleOutOfOrder(Command):
    """The chair rules an amendment out of order.

    ``ground`` is direct_negative, not_relevant or other; ``reason`` goes in the minutes.
    """

    amendment: str
    ground: str
    reason: str


@dataclass(frozen=True, slots=True)
class TakeAmendment(Command):
    amendment: str


@dataclass(frozen=True, slots=True)
class WithdrawMotion(Command):
    """The mover withdraws a motion or amendment before debate, as the withdrawal rule of
    the standing orders allows. Where it needs the seconder's consent, the seconder gives it
    first with :class:`GiveConsent` (their own act on the record)."""

    subject: str


@dataclass(frozen=True, slots=True)
class GiveConsent(Command):
    """``by``, the mover or the seconder of ``subject`` (a motion or amendment), consents to
    its being remitted or withdrawn: ``act`` is ``remit`` or ``withdraw``."""

    subject: str
    act: str


@dataclass(frozen=True, slots=True)
class MoveProcedural(Command):
    """``by`` moves a procedural motion on ``target`` (a motion or amendment).

    A remit names where the motion goes: ``to``, a committee or body. Where the standing
    orders need the mover's consent to a remit, the mover gives it with
    :class:`GiveConsent` first. ``mover_consents`` is no longer read and is refused if set:
    consent is the consenting member's own act, not a flag of someone else's command.

    Without ``seconder`` the procedural motion waits for a member to second it by their
    own act (:class:`SecondProcedural`); a ``seconder`` named here is for a record kept by
    whoever holds the pen in the room, where the seconder speaks for themself.
    """

    procedural: str
    kind: str
    target: str
    seconder: str = ""
    mover_consents: bool = False  # deprecated: refused when true (use GiveConsent)
    to: str = ""


@dataclass(frozen=True, slots=True)
class SecondProcedural(Command):
    """``by`` seconds the procedural motion ``procedural``, moved and awaiting a seconder:
    the seconder's own act."""

    procedural: str


@dataclass(frozen=True, slots=True)
class OpenBallot(Command):
    """The chair puts a question: a motion, an amendment or a procedural motion.

    ``method`` is show_of_hands, recorded, secret or card. ``threshold`` puts a motion with
    its own rule (one the standing orders allow), unless it was moved with one.
    """

    ballot: str
    subject: str
    method: str = "show_of_hands"
    threshold: str = ""  # the question's own rule, as for MoveMotion (a motion only)


@dataclass(frozen=True, slots=True)
class OpenMembersBallot(Command):
    """An officer calls a members' ballot outside any meeting (docs/counting.md, "Members'
    ballots").

    ``question`` is put to every member who may vote when the ballot is called (the
    electorate is fixed then, by weight when ``weighted``); ``method`` is recorded or
    secret; votes are cast from ``opens_at`` until before ``closes_at`` (RFC 3339 UTC)
    and counted at the close. ``threshold`` is the question's own rule (one the standing
    orders let a question carry), else the standing orders' motion threshold applies;
    ``petition`` names the petition that triggered it, which must have closed with its
    threshold met.
    """

    ballot: str
    question: str
    opens_at: str
    closes_at: str
    method: str = "recorded"
    weighted: bool = False
    petition: str = ""
    threshold: str = ""


@dataclass(frozen=True, slots=True)
class CastVote(Command):
    """``by`` votes: ``choice`` is for, against or abstain; or a split card.

    ``on_behalf_of`` names the absent member whose proxy ``by`` holds. A split
    card gives ``split`` as (for, against, abstain) adding up to the card's weight.
    On a secret ballot, ``tracker`` is the paper's tracker (random bytes the
    shell draws for this paper, as lowercase hex, never derived from the
    member) and ``mark_key`` the member's mark key, ``HMAC-SHA256(ballot
    secret, member)`` in hex (:mod:`voting.seal`); the log then holds only the
    paper's seal and the member's mark, and the choice is published at the close.
    """

    ballot: str
    choice: str = ""
    on_behalf_of: str = ""
    split: tuple[int, int, int] | None = None
    tracker: str = ""
    mark_key: str = ""


@dataclass(frozen=True, slots=True)
class CloseBallot(Command):
    """The chair declares the vote closed.

    For a show of hands, ``counts`` are the tellers' (for, against, abstain).
    For a secret ballot, ``papers`` are the sealed (tracker, choice) pairs the
    shell held and ``ballot_secret`` the secret it drew when the ballot opened
    (64 hex digits), from which the marked register is found; the secret is not
    logged. ``casting_vote`` is the chair's, when the votes are equal and the
    standing orders give the chair a casting vote.
    """

    ballot: str
    counts: tuple[int, int, int] | None = None
    papers: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    casting_vote: str = ""
    ballot_secret: str = ""


@dataclass(frozen=True, slots=True)
class OpenPetition(Command):
    """Open a petition: threshold as a fraction of members, a number, or either/both."""

    petition: str
    text: str
    fraction: str = ""
    number: int = 0
    rule: str = "either"


@dataclass(frozen=True, slots=True)
class SignPetition(Command):
    petition: str


@dataclass(frozen=True, slots=True)
class ClosePetition(Command):
    petition: str


@dataclass(frozen=True, slots=True)
class OpenNominations(Command):
    """Call an election: ``method`` is a counting method's name (``tallying.methods()``).

    With ``meeting``, the members present when nominations close vote; without,
    every member who may vote (a members' ballot).
    """

    election: str
    title: str
    seats: int
    method: str
    meeting: str = ""
    secret: bool = True


@dataclass(frozen=True, slots=True)
class Nominate(Command):
    """``by`` proposes ``candidate``.

    Without ``seconder`` the nomination waits for a member to second it by their
    own act (:class:`SecondNomination`); a ``seconder`` named here is for a record
    kept by whoever holds the pen in the room, where the seconder speaks for themself.
    """

    election: str
    candidate: str
    seconder: str = ""


@dataclass(frozen=True, slots=True)
class SecondNomination(Command):
    """``by`` seconds the standing proposal of ``candidate``: the seconder's own act."""

    election: str
    candidate: str


@dataclass(frozen=True, slots=True)
class WithdrawNomination(Command):
    """The candidate (``by``) withdraws."""

    election: str


@dataclass(frozen=True, slots=True)
class CloseNominations(Command):
    election: str


@dataclass(frozen=True, slots=True)
class CastRanking(Command):
    """``by`` ranks candidates by member id, most preferred first.

    For a secret election ``tracker`` and ``mark_key`` are as for
    :class:`CastVote`: the paper's random tracker and the voter's mark key.
    """

    election: str
    ranking: tuple[str, ...]
    tracker: str = ""
    mark_key: str = ""


@dataclass(frozen=True, slots=True)
class CloseElection(Command):
    """Close the poll and count. ``seed`` (hex) is the public seed of any lot.

    For a secret election, ``papers`` and ``ballot_secret`` are as for :class:`CloseBallot`.
    """

    election: str
    seed: str = ""
    papers: tuple[tuple[str, tuple[str, ...]], ...] = field(default_factory=tuple)
    ballot_secret: str = ""

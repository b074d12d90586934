"""The state of a body, folded from its events.

Every value is a frozen dataclass; maps are replaced, never changed in place
(:func:`put`), so a state once seen never changes under the reader's feet and
``evolve`` can share everything it does not touch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from immutables import Map

from tallying.majority import Decision
from tallying.quorum import Quorum
from tallying.result import ElectionResult
from voting.edit import Edit
from voting.errors import NotEntitled, NotFound
from voting.events import AmendmentFell, Event
from voting.lifecycle import MotionState
from voting.standing_orders import CITRINE, StandingOrders
from voting.text import MotionText

__all__ = [
    "Amendment",
    "Ballot",
    "BallotMethod",
    "BodyState",
    "Election",
    "ElectionStage",
    "Meeting",
    "Member",
    "Motion",
    "Persistent",
    "PersistentSet",
    "Petition",
    "Procedural",
    "Publication",
    "Role",
    "add",
    "put",
    "transient",
    "with_",
]

K = TypeVar("K")
T = TypeVar("T")
V = TypeVar("V")

EMPTY: Mapping[str, object] = MappingProxyType({})


_SLOTS: dict[type, dict[str, Any]] = {}


def with_(obj: T, **changes: object) -> T:
    """A copy of a frozen state dataclass with some fields changed.

    ``dataclasses.replace`` re-runs ``__init__`` and inspects the fields on
    every call; replay folds one event per call, so this copies the slots
    directly (the state classes have no ``__post_init__`` to skip). Inside a
    :func:`transient` fold, the object this fold made last of the same class
    is changed in place instead: nobody outside the fold has seen it.
    """
    cls = type(obj)
    slots = _SLOTS.get(cls)
    if slots is None:
        slots = _SLOTS[cls] = {f.name: cls.__dict__[f.name] for f in fields(obj)}  # type: ignore[arg-type]
    fold = _TRANSIENT.get()
    if fold is not None and fold.last.get(cls) is obj:
        for name, value in changes.items():
            slot = slots.get(name)
            if slot is None:
                raise TypeError(f"{cls.__name__} has no field {name!r}")
            slot.__set__(obj, value)
        return obj
    copy = object.__new__(cls)
    for slot in slots.values():
        slot.__set__(copy, slot.__get__(obj))
    for name, value in changes.items():
        slot = slots.get(name)
        if slot is None:
            raise TypeError(f"{cls.__name__} has no field {name!r}")
        slot.__set__(copy, value)
    if fold is not None:
        fold.last[cls] = copy
    return copy


class _Fold:
    """One :func:`transient` fold: what it made, so that it may change it in place."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last: dict[type, object] = {}  # per state class, the object made last


class _Owned(dict[K, V]):
    """A map made during one :func:`transient` fold, which that fold may change in place."""

    __slots__ = ("owner",)
    owner: object


_TRANSIENT: ContextVar[_Fold | None] = ContextVar("tellers_transient", default=None)


@contextmanager
def transient() -> Iterator[None]:
    """Fold many events without copying maps the fold itself made.

    Outside this block :func:`put` and :func:`with_` always copy, so every
    state stays as it was. Inside it (``voting.decider.replay``), a map that
    an earlier event of the same fold created, and the state object the fold
    made last of each class, are changed in place: the intermediate states
    are never shown to anyone, and the states passed in are never changed.
    This turns a replay of n votes on one ballot from O(n²) into O(n), and
    saves most copies of the state in a run of votes.
    """
    token = _TRANSIENT.set(_Fold())
    try:
        yield
    finally:
        _TRANSIENT.reset(token)


SMALL = 32  # a map of at most this many entries is copied as a dict; a larger one is persistent


class Persistent(Mapping[K, V]):
    """A map that shares structure with the map it was made from, in insertion order.

    Keys and values sit in a hash array mapped trie (``immutables.Map``), and the
    order in which keys were first set in a second trie from position to key, so
    that iterating it gives what a ``dict`` built by the same sets would give:
    derived fields (a roll, the order of candidates) come out the same whichever
    way the state was reached. Setting a key costs O(log n) at worst and leaves
    this map as it was. It compares equal to any mapping with the same items, as
    a ``dict`` does.
    """

    __slots__ = ("_items", "_order")

    def __init__(self, items: Map[K, V], order: Map[int, K]) -> None:
        self._items = items
        self._order = order

    @classmethod
    def of(cls, mapping: Mapping[K, V]) -> Persistent[K, V]:
        return cls(Map(mapping), Map(enumerate(mapping)))

    def set(self, key: K, value: V) -> Persistent[K, V]:
        order = self._order if key in self._items else self._order.set(len(self._order), key)
        return Persistent(self._items.set(key, value), order)

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: K, default: Any = None) -> Any:
        return self._items.get(key, default)

    def __iter__(self) -> Iterator[K]:
        order = self._order
        return (order[i] for i in range(len(order)))

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        if isinstance(other, Persistent):
            return self._items == other._items
        return len(self) == len(other) and all(
            key in other and other[key] == value for key, value in self._items.items()
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Persistent({dict(self)!r})"


class PersistentSet(AbstractSet[K]):
    """A set that shares structure with the set it was made from (a trie of its members).

    Adding costs O(log n) at worst; it compares equal to any set with the same
    members, as a ``frozenset`` does.
    """

    __slots__ = ("_members",)

    def __init__(self, members: Map[K, None]) -> None:
        self._members = members

    def add(self, member: K) -> PersistentSet[K]:
        return PersistentSet(self._members.set(member, None))

    def __contains__(self, member: object) -> bool:
        return member in self._members

    def __iter__(self) -> Iterator[K]:
        return iter(self._members)

    def __len__(self) -> int:
        return len(self._members)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PersistentSet({set(self)!r})"


def put(mapping: Mapping[K, V], key: K, value: V) -> Mapping[K, V]:
    """``mapping`` with ``key`` set to ``value``; ``mapping`` itself is never changed.

    A small map is copied. A larger one becomes :class:`Persistent` the first
    time it grows past :data:`SMALL`, after which each ``put`` shares all but
    O(log n) of it: admitting a member or casting a vote costs the same in a
    body of fifteen as of half a million. Inside a :func:`transient` fold a map
    the fold itself made is changed in place, which keeps a replay from the
    first entry on plain dicts.
    """
    if type(mapping) is Persistent:
        return mapping.set(key, value)
    owner = _TRANSIENT.get()
    if owner is not None and type(mapping) is _Owned and mapping.owner is owner:
        mapping[key] = value
        return mapping
    if len(mapping) >= SMALL:
        return Persistent.of(mapping).set(key, value)
    if owner is None:
        copy = dict(mapping)
        copy[key] = value
        return copy
    owned: _Owned[K, V] = _Owned(mapping)
    owned.owner = owner
    owned[key] = value
    return owned


def add(members: AbstractSet[K], member: K) -> AbstractSet[K]:
    """``members`` with ``member`` added, persistent past :data:`SMALL` as :func:`put` is."""
    if type(members) is PersistentSet:
        return members.add(member)
    if len(members) >= SMALL:
        return PersistentSet(Map((m, None) for m in members)).add(member)
    return frozenset((*members, member))


class Role(StrEnum):
    """What a member may do beyond voting."""

    CHAIR = "chair"
    SECRETARY = "secretary"
    MEMBER = "member"
    OBSERVER = "observer"  # may attend and speak, may not vote or move


class Publication(StrEnum):
    """What a meeting publishes about who said and voted what."""

    OPEN = "open"  # names with every act and recorded vote
    UNATTRIBUTED = "unattributed"  # stable pseudonyms instead of names; counts stay checkable


class BallotMethod(StrEnum):
    """How a question is voted on."""

    SHOW_OF_HANDS = "show_of_hands"  # tellers count and enter the figures
    RECORDED = "recorded"  # each member's vote with their name
    SECRET = "secret"  # noqa: S105  (sealed votes, published at the close by tracker)
    CARD = "card"  # each vote carries the member's weight; a card may be split
    COLLEGE = "college"  # an electoral college: each section's votes make its share


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    name: str
    weight: int
    section: str
    roles: frozenset[Role]
    suspended: bool = False

    @property
    def may_vote(self) -> bool:
        return not self.suspended and Role.OBSERVER not in self.roles


@dataclass(frozen=True, slots=True)
class Meeting:
    id: str
    title: str
    chair: str
    secretary: str
    quorum: Quorum
    publication: Publication
    present: frozenset[str] = frozenset()
    proxies: Mapping[str, str] = field(default_factory=dict)  # giver -> holder
    started: bool = False
    closed: bool = False
    # unattributed (voting.chatham): the commitment to the meeting secret and the register's
    # pseudonyms, once its register_recorded entry is folded
    commitment: str = ""
    register: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Motion:
    id: str
    meeting: str
    mover: str
    title: str
    original: MotionText
    text: MotionText
    state: MotionState = MotionState.PROPOSED
    seconder: str = ""
    amendments: tuple[str, ...] = ()  # in the order moved
    carried_amendments: tuple[str, ...] = ()  # in the order carried
    closure: bool = False  # "that the question be now put" carried on it
    threshold: str = ""  # its own rule, asked for by the mover ("": the standing orders')
    orders: tuple[tuple[str, str], ...] = ()  # a motion to amend the standing orders: the rules


@dataclass(frozen=True, slots=True)
class Amendment:
    id: str
    motion: str
    parent: str  # "" when it amends the motion
    mover: str
    edit: Edit
    description: str
    number: int  # order moved within its motion, from 1
    state: MotionState = MotionState.PROPOSED
    seconder: str = ""
    words: MotionText | None = None  # its insert text, which an amendment to it edits
    closure: bool = False
    ruling: str = ""


@dataclass(frozen=True, slots=True)
class Procedural:
    id: str
    meeting: str
    kind: str
    target: str
    mover: str
    seconder: str
    mover_consents: bool
    state: MotionState = MotionState.SECONDED
    to: str = ""  # a remit: where the motion goes


@dataclass(frozen=True, slots=True)
class Ballot:
    id: str
    meeting: str
    subject: str
    subject_kind: str
    question: str
    text: str
    substantive: bool
    method: BallotMethod
    threshold: str
    tie_rule: str
    revote: str
    roll: Mapping[tuple[str, str], int]  # (voter, member) -> weight
    present: int
    members: int
    quorum_required: int
    votes: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)  # member -> split
    voters: frozenset[str] = frozenset()  # secret: the members of the marked register (close)
    closed: bool = False
    outcome: str = ""
    marks: Mapping[str, str] = field(default_factory=dict)  # secret: sealed votes, mark -> seal
    seals: Mapping[str, str] = field(default_factory=dict)  # secret: seal -> mark
    # After the close: the counts, the rule and tie rule applied, any tie and casting vote,
    # and the explanation, as the rule decided them (tallying.majority.decide).
    result: Decision | None = None
    # Whose rule ``threshold`` is: "" the standing orders', "moved" the motion's own (asked
    # for by its mover), "put" the question's own (the chair put it with it).
    rule_source: str = ""

    @property
    def roll_weight(self) -> int:
        return sum(self.roll.values())


@dataclass(frozen=True, slots=True)
class Petition:
    id: str
    text: str
    threshold: str
    membership: int
    required: int
    signatures: AbstractSet[str] = frozenset()
    closed: bool = False
    met: bool = False


class ElectionStage(StrEnum):
    """Where an election stands."""

    NOMINATING = "nominating"
    VOTING = "voting"
    DECLARED = "declared"


@dataclass(frozen=True, slots=True)
class Election:
    id: str
    title: str
    seats: int
    method: str
    meeting: str
    secret: bool
    stage: ElectionStage = ElectionStage.NOMINATING
    nominated: tuple[str, ...] = ()  # in order of nomination
    proposed: Mapping[str, str] = field(default_factory=dict)  # candidate -> proposer, unseconded
    candidates: tuple[str, ...] = ()  # fixed at the close of nominations
    roll: frozenset[str] = frozenset()
    rankings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    voters: frozenset[str] = frozenset()  # secret: the marked register (at the close)
    elected: tuple[str, ...] = ()
    marks: Mapping[str, str] = field(default_factory=dict)  # secret: sealed rankings, mark -> seal
    seals: Mapping[str, str] = field(default_factory=dict)  # secret: seal -> mark
    # After the close: the count with its rule, stages, lots and any tie (tallying.result).
    result: ElectionResult | None = None


@dataclass(frozen=True, slots=True)
class BodyState:
    """Everything the body's log says, folded.

    ``size`` counts the events applied and ``time`` is the time of the last one
    (``""`` before the first): the next may not be earlier (:mod:`voting.times`).
    """

    founded: bool = False
    name: str = ""
    orders: StandingOrders = CITRINE
    members: Mapping[str, Member] = field(default_factory=dict)
    meetings: Mapping[str, Meeting] = field(default_factory=dict)
    motions: Mapping[str, Motion] = field(default_factory=dict)
    amendments: Mapping[str, Amendment] = field(default_factory=dict)
    procedurals: Mapping[str, Procedural] = field(default_factory=dict)
    ballots: Mapping[str, Ballot] = field(default_factory=dict)
    petitions: Mapping[str, Petition] = field(default_factory=dict)
    elections: Mapping[str, Election] = field(default_factory=dict)
    college: tuple[tuple[str, str], ...] = ()  # (section, share), when defined
    size: int = 0
    # What the rules give next (voting.decider.evolve): the consequences of the last act,
    # which the log must hold next, in order; and amendments logged as falling ahead of
    # the question whose putting makes them fall, with each one's state before it fell.
    pending: tuple[Event, ...] = ()
    falling: tuple[tuple[AmendmentFell, MotionState], ...] = ()
    time: str = ""
    # Unattributed meetings (voting.chatham): the rows of every register logged, as members
    # named by their pseudonyms; the meetings still open under that policy; and the meeting
    # whose register must be the next entry.
    pseudonyms: Mapping[str, Member] = field(default_factory=dict)
    unattributed: frozenset[str] = frozenset()
    awaiting_register: str = ""
    # Consents on the record (``consent_given``): (subject, act, member).
    consents: frozenset[tuple[str, str, str]] = frozenset()

    # -- lookups that refuse with a clear message --------------------------------

    def member(self, member_id: str) -> Member:
        """A member by id or, in an unattributed meeting, by pseudonym (``voting.chatham``)."""
        found = self.members.get(member_id)
        if found is None:
            found = self.pseudonyms.get(member_id)
            if found is None:
                raise NotFound(f"{member_id!r} is not a member of {self.name or 'the body'}")
        return found

    def known(self, member_id: str) -> Member | None:
        """The member (or register row, by pseudonym) ``member_id`` names, if any."""
        found = self.members.get(member_id)
        return found if found is not None else self.pseudonyms.get(member_id)

    def meeting(self, meeting_id: str) -> Meeting:
        try:
            return self.meetings[meeting_id]
        except KeyError:
            raise NotFound(f"there is no meeting {meeting_id!r}") from None

    def motion(self, motion_id: str) -> Motion:
        try:
            return self.motions[motion_id]
        except KeyError:
            raise NotFound(f"there is no motion {motion_id!r}") from None

    def amendment(self, amendment_id: str) -> Amendment:
        try:
            return self.amendments[amendment_id]
        except KeyError:
            raise NotFound(f"there is no amendment {amendment_id!r}") from None

    def ballot(self, ballot_id: str) -> Ballot:
        try:
            return self.ballots[ballot_id]
        except KeyError:
            raise NotFound(f"there is no ballot {ballot_id!r}") from None

    def petition(self, petition_id: str) -> Petition:
        try:
            return self.petitions[petition_id]
        except KeyError:
            raise NotFound(f"there is no petition {petition_id!r}") from None

    def election(self, election_id: str) -> Election:
        try:
            return self.elections[election_id]
        except KeyError:
            raise NotFound(f"there is no election {election_id!r}") from None

    def name_of(self, member_id: str) -> str:
        member = self.known(member_id)
        return member.name if member else member_id

    def membership(self, weighted: bool = False) -> int:
        """Members on the roll who may vote (suspended members and observers excluded)."""
        return sum(m.weight if weighted else 1 for m in self.members.values() if m.may_vote)

    def require_chair(self, meeting: Meeting, who: str) -> None:
        if who != meeting.chair:
            raise NotEntitled(
                f"only the chair of {meeting.title!r} ({self.name_of(meeting.chair)}) may do that"
            )

    def require_voting_member_present(self, meeting: Meeting, who: str, act: str) -> Member:
        member = self.member(who)
        if member.suspended:
            raise NotEntitled(f"{member.name} is suspended and may not {act}")
        if Role.OBSERVER in member.roles:
            raise NotEntitled(f"{member.name} is an observer and may not {act}")
        if who not in meeting.present:
            raise NotEntitled(f"{member.name} is not recorded as present and may not {act}")
        return member

"""A small fluent helper for the domain tests: a body, its members, a meeting, a motion.

Every step goes through :func:`voting.decider.execute`, so a test's setup is
itself a log the decider accepted. Usage::

    room = Room.founded("citrine").members(6).meeting(quorum_number=3).motion()
    room.do(c.MoveAmendment, "m3", amendment="a1", motion="mot", kind="leave_out",
            leave_out="all our members")
    error = room.refuse(NotEntitled, c.SecondMotion, "m1", motion="mot")

Members: ``sec`` founds the body and is its secretary; ``chair`` is the chair;
``m1`` .. ``mN`` are ordinary members. The chair and secretary vote like anyone.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from voting import commands as c
from voting.chatham import meeting_of, pseudonym_of
from voting.codec import from_json, to_json
from voting.decider import decide, execute, replay
from voting.events import Event
from voting.seal import mark_key
from voting.state import BodyState

__all__ = [
    "CHAIR",
    "MEETING",
    "MOTION",
    "SEC",
    "TEXT",
    "Room",
    "assert_unchanged",
    "secret_of",
]

CHAIR = "chair"
SEC = "sec"
MEETING = "mtg"
MOTION = "mot"
TEXT = (
    "That this branch supports the strike\n"
    "and donates fifty pounds to the hardship fund\n"
    "and calls on all our members to join the picket line."
)


def secret_of(question: str) -> str:
    """The ballot secret the tests' shell holds for a ballot or election (fixed, per id)."""
    return hashlib.sha256(f"test ballot secret\n{question}".encode()).hexdigest()


def meeting_secret_of(meeting: str) -> str:
    """The secret the tests' shell holds for an unattributed meeting (fixed, per id)."""
    return hashlib.sha256(f"test meeting secret\n{meeting}".encode()).hexdigest()


def assert_unchanged(before: BodyState, snapshot: BodyState, after: BodyState) -> None:
    """A refused command left the state exactly as it was (and did not mutate it)."""
    assert after is before
    assert after == snapshot, "decide changed the state it was given"


class Room:
    """A body under test: its state, its log, and helpers to act on it."""

    def __init__(self, state: BodyState, log: list[Event]) -> None:
        self.state = state
        self.log = log
        self._tick = 0

    # -- the basics -----------------------------------------------------------

    @classmethod
    def founded(
        cls,
        orders: str = "citrine",
        *,
        proxies_allowed: bool | None = None,
        revote: str | None = None,
    ) -> Room:
        """A body with its secretary (``sec``) and chair (``chair``) admitted."""
        room = cls(BodyState(), [])
        room.do(
            c.FoundBody,
            SEC,
            name="Test Branch",
            standing_orders=orders,
            proxies_allowed=proxies_allowed,
            revote=revote,
        )
        room.do(c.AdmitMember, SEC, member=SEC, name="Sam Secretary", roles=("secretary",))
        room.do(c.AdmitMember, SEC, member=CHAIR, name="Chris Chair", roles=("chair",))
        return room

    def at(self) -> str:
        """The next time, a second later than the last (the domain reads no clock)."""
        self._tick += 1
        hours, rest = divmod(self._tick, 3600)
        return f"2025-03-12T{10 + hours:02d}:{rest // 60:02d}:{rest % 60:02d}Z"

    def later(self, seconds: int) -> str:
        """The time ``seconds`` after the last one given, without giving it."""
        tick = self._tick + seconds
        hours, rest = divmod(tick, 3600)
        return f"2025-03-12T{10 + hours:02d}:{rest // 60:02d}:{rest % 60:02d}Z"

    def wait(self, seconds: int) -> Room:
        """Let ``seconds`` pass: the next command comes ``seconds`` + 1 after the last."""
        self._tick += seconds
        return self

    def command(self, command_type: type[c.Command], by: str, /, **fields: Any) -> c.Command:
        """The command, with what a shell adds to a sealed vote: the member's mark key for a
        secret vote or ranking given a tracker, the ballot secret for a secret close (unless
        the test gives them); and the meeting secret of an unattributed meeting."""
        unattributed = ""
        if "meeting_secret" not in fields:
            bare = command_type(at="", by=by, **fields)
            unattributed = meeting_of(self.state, bare) or str(fields.get("meeting", ""))
            fields["meeting_secret"] = meeting_secret_of(unattributed)
        if command_type in (c.CastVote, c.CastRanking) and fields.get("tracker"):
            question = fields.get("ballot") or fields.get("election", "")
            member = fields.get("on_behalf_of") or by
            if unattributed in self.state.unattributed:  # a mark stands for the pseudonym
                member = pseudonym_of(unattributed, member, fields["meeting_secret"])
            fields.setdefault("mark_key", mark_key(secret_of(question), member))
        elif command_type is c.CloseBallot and self._secret(self.state.ballots, fields, "ballot"):
            fields.setdefault("ballot_secret", secret_of(fields["ballot"]))
        elif command_type is c.CloseElection and self._secret(
                self.state.elections, fields, "election"):
            fields.setdefault("ballot_secret", secret_of(fields["election"]))
        return command_type(at=self.at(), by=by, **fields)

    @staticmethod
    def _secret(questions: Any, fields: dict[str, Any], name: str) -> bool:
        question = questions.get(fields.get(name))
        return getattr(question, "secret", None) is True or (
            getattr(question, "method", None) == "secret")

    def do(self, command_type: type[c.Command], by: str, /, **fields: Any) -> tuple[Event, ...]:
        """Issue a command that must be accepted; returns its events."""
        self.state, events = execute(self.state, self.command(command_type, by, **fields))
        self.log.extend(events)
        return events

    def refuse(
        self, error: type[Exception], command_type: type[c.Command], by: str, /, **fields: Any
    ) -> Exception:
        """Issue a command that must be refused with ``error``; checks nothing changed."""
        before = self.state
        snapshot = copy.deepcopy(before)
        command = self.command(command_type, by, **fields)
        try:
            decide(before, command)
        except error as raised:
            assert_unchanged(before, snapshot, self.state)
            return raised
        raise AssertionError(f"{command!r} was accepted; expected {error.__name__}")

    def replayed(self) -> BodyState:
        """The state rebuilt from the log, through the codec (what a verifier would see)."""
        return replay(from_json(to_json(e)) for e in self.log)

    def events_of(self, event_type: type[Event]) -> list[Any]:
        return [e for e in self.log if isinstance(e, event_type)]

    # -- fluent setup ------------------------------------------------------------

    def members(self, count: int, *, weight: int = 1, start: int = 1) -> Room:
        """Admit ``m<start>`` .. ``m<start+count-1>``."""
        for n in range(start, start + count):
            self.member(f"m{n}", weight=weight)
        return self

    def member(self, member: str, *, weight: int = 1, roles: tuple[str, ...] = ("member",)) -> Room:
        self.do(c.AdmitMember, SEC, member=member, name=f"Member {member}", weight=weight,
                roles=roles)  # fmt: skip
        return self

    def meeting(
        self,
        meeting: str = MEETING,
        *,
        present: tuple[str, ...] | None = None,
        quorum_number: int = 2,
        quorum_fraction: str = "",
        start: bool = True,
    ) -> Room:
        """Convene a meeting chaired by ``chair``; record ``present`` (default: every
        voting member); start business unless ``start`` is false."""
        self.do(c.ConveneMeeting, SEC, meeting=meeting, title=f"Meeting {meeting}", chair=CHAIR,
                secretary=SEC, quorum_number=quorum_number,
                quorum_fraction=quorum_fraction)  # fmt: skip
        if present is None:
            present = tuple(m.id for m in self.state.members.values() if m.may_vote)
        for member in present:
            self.arrive(member, meeting)
        if start:
            self.do(c.StartBusiness, CHAIR, meeting=meeting)
        return self

    def arrive(self, member: str, meeting: str = MEETING) -> Room:
        self.do(c.RecordAttendance, SEC, meeting=meeting, member=member, present=True)
        return self

    def leave(self, member: str, meeting: str = MEETING) -> Room:
        self.do(c.RecordAttendance, SEC, meeting=meeting, member=member, present=False)
        return self

    def motion(
        self,
        motion: str = MOTION,
        *,
        text: str = TEXT,
        mover: str = "m1",
        seconder: str = "m2",
        meeting: str = MEETING,
        debate: bool = True,
    ) -> Room:
        """Move and second a motion, and open debate on it unless ``debate`` is false."""
        self.do(c.MoveMotion, mover, motion=motion, meeting=meeting, title=f"Motion {motion}",
                text=text)  # fmt: skip
        if seconder:
            self.do(c.SecondMotion, seconder, motion=motion)
        if debate:
            self.do(c.OpenDebate, CHAIR, motion=motion)
        return self

    def amendment(
        self,
        amendment: str,
        *,
        mover: str = "m3",
        seconder: str = "m4",
        motion: str = MOTION,
        take: bool = False,
        **edit: Any,
    ) -> Room:
        """Move (and second, unless ``seconder`` is empty) an amendment; take it if asked."""
        self.do(c.MoveAmendment, mover, amendment=amendment, motion=motion, **edit)
        if seconder:
            self.do(c.SecondAmendment, seconder, amendment=amendment)
        if take:
            self.do(c.TakeAmendment, CHAIR, amendment=amendment)
        return self

    def take(self, amendment: str) -> Room:
        self.do(c.TakeAmendment, CHAIR, amendment=amendment)
        return self

    def vote(
        self,
        subject: str,
        ballot: str,
        *,
        method: str = "recorded",
        votes: dict[str, str] | None = None,
        counts: tuple[int, int, int] | None = None,
        casting_vote: str = "",
    ) -> Event:
        """Put ``subject`` to a vote, cast ``votes``, close; returns the BallotClosed event."""
        self.do(c.OpenBallot, CHAIR, ballot=ballot, subject=subject, method=method)
        for member, choice in (votes or {}).items():
            self.do(c.CastVote, member, ballot=ballot, choice=choice)
        events = self.do(c.CloseBallot, CHAIR, ballot=ballot, counts=counts,
                         casting_vote=casting_vote)  # fmt: skip
        return events[0]

    def carry(self, subject: str, ballot: str) -> Event:
        """Carry ``subject`` on a show of hands: every entitled vote for."""
        self.do(c.OpenBallot, CHAIR, ballot=ballot, subject=subject, method="show_of_hands")
        n = self.state.ballots[ballot].roll_weight
        return self.do(c.CloseBallot, CHAIR, ballot=ballot, counts=(n, 0, 0))[0]

    def consent(self, subject: str, ballot: str) -> Event:
        """Carry ``subject`` on a recorded vote with every vote on the roll for (no objection)."""
        self.do(c.OpenBallot, CHAIR, ballot=ballot, subject=subject, method="recorded")
        for voter, member in sorted(self.state.ballots[ballot].roll):
            self.do(c.CastVote, voter, ballot=ballot, choice="for", on_behalf_of=member)
        return self.do(c.CloseBallot, CHAIR, ballot=ballot)[0]

    def defeat(self, subject: str, ballot: str) -> Event:
        """Defeat ``subject`` on a show of hands: every entitled vote against."""
        self.do(c.OpenBallot, CHAIR, ballot=ballot, subject=subject, method="show_of_hands")
        n = self.state.ballots[ballot].roll_weight
        return self.do(c.CloseBallot, CHAIR, ballot=ballot, counts=(0, n, 0))[0]

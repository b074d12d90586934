"""Bad input gets a clear error and changes nothing (docs/architecture.md principle 4).

One table: for every command type, invalid cases, each with the specific error
class, the builtin it also is, and a phrase its message must contain. Each is
decided against a fixed state, which must compare equal before and after.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import pytest

from voting import commands as c
from voting.decider import DECIDERS, decide
from voting.errors import (
    AlreadyExists,
    AlreadyVoted,
    BallotClosed,
    DomainError,
    EmptyText,
    InvalidVote,
    InvalidWeight,
    NotEntitled,
    NotFound,
    OutOfOrder,
    SpanNotFound,
    TextError,
    TextTooLong,
)
from voting.state import BodyState
from voting.text import MAX_LINES, MAX_TEXT_CHARS
from voting.times import InvalidTime

from .builders import CHAIR, MEETING, MOTION, SEC, Room

pytestmark = pytest.mark.unit


def debating_arena() -> Room:
    """A meeting with an observer, a suspended member, an absent member (m6), a motion
    amended once ('fifty pounds' left out), two amendments waiting, a second motion
    seconded, an open and a closed petition, and a closed ballot."""
    room = Room.founded().members(6).member("obs", roles=("observer",)).member("sus")
    room.meeting(present=(CHAIR, SEC, "m1", "m2", "m3", "m4", "m5", "obs", "sus"))
    room.do(c.SuspendMember, SEC, member="sus", reason="arrears")
    room.motion()
    room.amendment("a0", kind="leave_out", leave_out="fifty pounds", take=True)
    room.carry("a0", "closed-ballot")
    room.amendment("a1", kind="leave_out", leave_out="to join the picket line.")  # line 3
    room.amendment("a2", mover="m5", seconder="m1", kind="insert", after="strike",
                   insert="fully")  # line 1  # fmt: skip
    room.motion("mot2", mover="m3", seconder="m4", debate=False)
    room.do(c.OpenPetition, "m1", petition="pet", text="We want a ballot.", number=3)
    room.do(c.SignPetition, "m1", petition="pet")
    room.do(c.OpenPetition, "m1", petition="shut", text="We want a ballot.", number=3)
    room.do(c.ClosePetition, SEC, petition="shut")
    return room


def voting_arena() -> Room:
    """The debating arena with a recorded ballot 'b1' open on amendment a2; m1 has voted."""
    room = debating_arena()
    room.take("a2")
    room.do(c.OpenBallot, CHAIR, ballot="b1", subject="a2", method="recorded")
    room.do(c.CastVote, "m1", ballot="b1", choice="for")
    return room


def electing_arena(*, polling: bool) -> Room:
    """The debating arena with a recorded election 'el' (m2 and m5 nominated), its
    nominations closed and m1's ranking cast when ``polling``."""
    room = debating_arena()
    room.do(c.OpenNominations, SEC, election="el", title="Delegate", seats=1, method="irv",
            secret=False)  # fmt: skip
    room.do(c.Nominate, "m1", election="el", candidate="m2", seconder="m3")
    room.do(c.Nominate, "m1", election="el", candidate="m5", seconder="m3")
    if polling:
        room.do(c.CloseNominations, SEC, election="el")
        room.do(c.CastRanking, "m1", election="el", ranking=("m2",))
    return room


def members_arena() -> Room:
    """The debating arena with three members' ballots: 'mb' (recorded) open at ``AT``, m1
    has voted; 'early', opening after ``AT``; and 'late', closed for votes before ``AT``."""
    room = debating_arena()
    room.do(c.OpenMembersBallot, SEC, ballot="mb", question="That we affiliate.",
            opens_at=room.later(1), closes_at="2025-03-12T13:00:00Z")
    room.do(c.CastVote, "m1", ballot="mb", choice="for")
    room.do(c.OpenMembersBallot, SEC, ballot="early", question="That we merge.",
            opens_at="2025-03-12T13:00:00Z", closes_at="2025-03-12T14:00:00Z", method="secret")
    room.do(c.OpenMembersBallot, SEC, ballot="late", question="That we disband.",
            opens_at=room.later(1), closes_at=room.later(3), weighted=True)
    return room


DEBATING = debating_arena().state
MEMBERS = members_arena().state
ELECTING = electing_arena(polling=False).state
POLLING = electing_arena(polling=True).state
VOTING = voting_arena().state


def proposed_arena() -> Room:
    """The debating arena with a procedural motion 'pp' moved by m3, awaiting a seconder."""
    room = debating_arena()
    room.do(c.MoveProcedural, "m3", procedural="pp", kind="refer_back", target=MOTION)
    return room


PROPOSED = proposed_arena().state
SIMPLE = Room.founded().members(3).meeting().motion().state  # a motion ready to be put
FRESH = BodyState()
AT = "2025-03-12T12:00:00Z"
TRACKER = "ab" * 16
KEY = "cd" * 32
LATER = "2025-03-12T18:00:00Z"


@dataclass(frozen=True)
class Case:
    name: str
    command: c.Command
    error: type[Exception]
    builtin: type[Exception]
    phrase: str
    state: BodyState = field(default=DEBATING, compare=False)


def case(
    label: str,
    command_type: type[c.Command],
    by: str,
    error: type[Exception],
    builtin: type[Exception],
    phrase: str,
    state: BodyState = DEBATING,
    /,
    **fields: Any,
) -> Case:
    return Case(label, command_type(at=AT, by=by, **fields), error, builtin, phrase, state)


V, L, P = ValueError, LookupError, PermissionError
TOO_LONG = "word " * (MAX_TEXT_CHARS // 5 + 1)
TOO_MANY_LINES = "word\n" * (MAX_LINES + 1)

CASES = [
    # -- the body
    case("refound", c.FoundBody, SEC, OutOfOrder, V, "already been founded", name="Again"),
    case("unknown orders", c.FoundBody, SEC, NotFound, L, "no standing orders called", FRESH,
         name="X", standing_orders="erskine_may"),
    case("unnamed body", c.FoundBody, SEC, DomainError, V, "needs a name", FRESH, name="  "),
    case("unknown revote", c.FoundBody, SEC, DomainError, V, "unknown revote policy", FRESH,
         name="X", revote="first_counts"),
    case("admit before founding", c.AdmitMember, SEC, OutOfOrder, V, "not been founded", FRESH,
         member="x", name="X"),
    *(
        case(f"weight {weight!r}", c.AdmitMember, SEC, InvalidWeight, V, "weight", member="x",
             name="X", weight=weight)
        for weight in (0, -1, 1.5, True, "2", 10**9 + 1)
    ),
    case("unknown role", c.AdmitMember, SEC, DomainError, V, "unknown role", member="x",
         name="X", roles=("king",)),
    case("no roles", c.AdmitMember, SEC, DomainError, V, "at least one role", member="x",
         name="X", roles=()),
    case("admit by a member", c.AdmitMember, "m1", NotEntitled, P, "chair or secretary",
         member="x", name="X"),
    case("admit a list naming a member twice", c.AdmitMembers, SEC, AlreadyExists, V,
         "appears twice", members=(("x", "X", 1, "", ("member",)), ("x", "Y", 1, "", ("member",)))),
    case("admit twice", c.AdmitMember, SEC, AlreadyExists, V, "already a member", member="m1",
         name="X"),
    case("id with a space", c.AdmitMember, SEC, DomainError, V, "printable ASCII", member="a b",
         name="X"),
    case("empty id", c.AdmitMember, SEC, DomainError, V, "needs an id", member="", name="X"),
    case("id too long", c.AdmitMember, SEC, DomainError, V, "at most 64", member="x" * 65,
         name="X"),
    case("blank name", c.AdmitMember, SEC, DomainError, V, "needs a name", member="x", name=""),
    case("name too long", c.AdmitMember, SEC, DomainError, V, "at most 200", member="x",
         name="n" * 201),
    case("control in name", c.AdmitMember, SEC, DomainError, V, "control characters",
         member="x", name="a\x07b"),
    case("suspend a stranger", c.SuspendMember, SEC, NotFound, L, "not a member",
         member="zed", reason="x"),
    case("suspend by a member", c.SuspendMember, "m1", NotEntitled, P, "chair or secretary",
         member="m2", reason="x"),
    case("suspend without reason", c.SuspendMember, SEC, DomainError, V, "needs a name",
         member="m2", reason=""),
    case("reinstate the unsuspended", c.ReinstateMember, SEC, OutOfOrder, V, "not suspended",
         member="m1"),
    # -- meetings
    case("convene twice", c.ConveneMeeting, SEC, AlreadyExists, V, "already a meeting",
         meeting=MEETING, title="T", chair=CHAIR, secretary=SEC, quorum_number=1),
    case("convene by a member", c.ConveneMeeting, "m1", NotEntitled, P, "convene",
         meeting="x", title="T", chair=CHAIR, secretary=SEC, quorum_number=1),
    case("unknown chair", c.ConveneMeeting, SEC, NotFound, L, "not a member", meeting="x",
         title="T", chair="zed", secretary=SEC, quorum_number=1),
    case("suspended chair", c.ConveneMeeting, SEC, NotEntitled, P, "suspended", meeting="x",
         title="T", chair="sus", secretary=SEC, quorum_number=1),
    case("bad publication", c.ConveneMeeting, SEC, DomainError, V, "open or unattributed",
         meeting="x", title="T", chair=CHAIR, secretary=SEC, quorum_number=1,
         publication="secret"),
    case("bad quorum fraction", c.ConveneMeeting, SEC, DomainError, V, "look like 1/3",
         meeting="x", title="T", chair=CHAIR, secretary=SEC, quorum_fraction="a third"),
    case("negative quorum", c.ConveneMeeting, SEC, DomainError, V, "quorum number",
         meeting="x", title="T", chair=CHAIR, secretary=SEC, quorum_number=-1),
    case("attendance at no meeting", c.RecordAttendance, SEC, NotFound, L, "no meeting",
         meeting="nope", member="m6"),
    case("attendance of a stranger", c.RecordAttendance, SEC, NotFound, L, "not a member",
         meeting=MEETING, member="zed"),
    case("attendance by a member", c.RecordAttendance, "m1", NotEntitled, P,
         "records attendance", meeting=MEETING, member="m6"),
    case("proxy not allowed", c.AppointProxy, SEC, OutOfOrder, V, "do not allow proxies",
         meeting=MEETING, giver="m6", holder="m1"),
    case("publication by a member", c.SetPublication, "m1", NotEntitled, P, "only the chair",
         meeting=MEETING, publication="unattributed"),
    case("unknown publication", c.SetPublication, CHAIR, DomainError, V, "open or unattributed",
         meeting=MEETING, publication="hidden"),
    case("start twice", c.StartBusiness, CHAIR, OutOfOrder, V, "already started",
         meeting=MEETING),
    case("close by a member", c.CloseMeeting, "m1", NotEntitled, P, "only the chair",
         meeting=MEETING),
    case("close during debate", c.CloseMeeting, CHAIR, OutOfOrder, V, "under debate",
         meeting=MEETING),
    # -- motions
    case("empty motion", c.MoveMotion, "m1", EmptyText, V, "no words", motion="x",
         meeting=MEETING, title="T", text=" \n\t "),
    case("oversized motion", c.MoveMotion, "m1", TextTooLong, V, "limit", motion="x",
         meeting=MEETING, title="T", text=TOO_LONG),
    case("too many lines", c.MoveMotion, "m1", TextTooLong, V, "lines; the limit", motion="x",
         meeting=MEETING, title="T", text=TOO_MANY_LINES),
    case("bidi in motion", c.MoveMotion, "m1", TextError, V, "bidirectional", motion="x",
         meeting=MEETING, title="T", text="That \u202e we act"),
    case("absent mover", c.MoveMotion, "m6", NotEntitled, P, "not recorded as present",
         motion="x", meeting=MEETING, title="T", text="That we act."),
    case("suspended mover", c.MoveMotion, "sus", NotEntitled, P, "suspended", motion="x",
         meeting=MEETING, title="T", text="That we act."),
    case("observer mover", c.MoveMotion, "obs", NotEntitled, P, "observer", motion="x",
         meeting=MEETING, title="T", text="That we act."),
    case("stranger mover", c.MoveMotion, "zed", NotFound, L, "not a member", motion="x",
         meeting=MEETING, title="T", text="That we act."),
    case("untitled motion", c.MoveMotion, "m1", DomainError, V, "needs a title", motion="x",
         meeting=MEETING, title=" ", text="That we act."),
    case("motion id reused", c.MoveMotion, "m1", AlreadyExists, V, "already a motion",
         motion="a1", meeting=MEETING, title="T", text="That we act."),
    case("motion bad id", c.MoveMotion, "m1", DomainError, V, "printable ASCII",
         motion="mo tion", meeting=MEETING, title="T", text="That we act."),
    case("second no motion", c.SecondMotion, "m2", NotFound, L, "no motion", motion="nope"),
    case("second under debate", c.SecondMotion, "m3", OutOfOrder, V, "under debate",
         motion=MOTION),
    case("two debates", c.OpenDebate, CHAIR, OutOfOrder, V, "one motion at a time",
         motion="mot2"),
    case("debate by a member", c.OpenDebate, "m1", NotEntitled, P, "only the chair",
         motion="mot2"),
    case("withdraw in debate", c.WithdrawMotion, "m1", OutOfOrder, V, "consent of the meeting",
         subject=MOTION),
    case("withdraw by another", c.WithdrawMotion, "m4", NotEntitled, P, "only the mover",
         subject="mot2"),
    case("withdraw nothing", c.WithdrawMotion, "m1", NotFound, L, "no amendment",
         subject="nope"),
    case("consent by another", c.GiveConsent, "m5", NotEntitled, P,
         "only the mover or the seconder", subject="mot2", act="remit"),
    case("consent to nothing", c.GiveConsent, "m3", DomainError, V,
         "a remit or a withdrawal", subject="mot2", act="adopt"),
    case("remit no destination", c.MoveProcedural, "m3", DomainError, V,
         "names where the motion goes", procedural="px", kind="remit", target=MOTION,
         seconder="m4"),
    case("consent as a flag", c.MoveProcedural, "m3", DomainError, V, "GiveConsent",
         procedural="px", kind="refer_back", target=MOTION, seconder="m4", mover_consents=True),
    # -- amendments
    case("span gone", c.MoveAmendment, "m5", SpanNotFound, L, "'fifty pounds' are not",
         amendment="x", motion=MOTION, kind="leave_out", leave_out="fifty pounds"),
    case("no such line", c.MoveAmendment, "m5", SpanNotFound, L, "there is no line 9",
         amendment="x", motion=MOTION, kind="leave_out", leave_out="strike", line=9),
    case("unknown kind", c.MoveAmendment, "m5", DomainError, V, "an amendment is one of",
         amendment="x", motion=MOTION, kind="delete", leave_out="strike"),
    case("empty insert", c.MoveAmendment, "m5", EmptyText, V, "no words", amendment="x",
         motion=MOTION, kind="insert", after="strike", insert="  "),
    case("oversized insert", c.MoveAmendment, "m5", TextTooLong, V, "limit", amendment="x",
         motion=MOTION, kind="add_at_end", insert=TOO_LONG),
    case("amend no motion", c.MoveAmendment, "m5", NotFound, L, "no motion", amendment="x",
         motion="nope", kind="leave_out", leave_out="strike"),
    case("absent amender", c.MoveAmendment, "m6", NotEntitled, P, "not recorded as present",
         amendment="x", motion=MOTION, kind="leave_out", leave_out="strike"),
    case("amendment id reused", c.MoveAmendment, "m5", AlreadyExists, V, "already a motion",
         amendment="a1", motion=MOTION, kind="leave_out", leave_out="strike"),
    case("second a seconded amendment", c.SecondAmendment, "m4", OutOfOrder, V, "seconded",
         amendment="a1"),
    case("second no amendment", c.SecondAmendment, "m4", NotFound, L, "no amendment",
         amendment="nope"),
    case("unknown ground", c.RuleOutOfOrder, CHAIR, DomainError, V, "ground", amendment="a1",
         ground="dislike", reason="x"),
    case("ruling by a member", c.RuleOutOfOrder, "m1", NotEntitled, P, "only the chair",
         amendment="a1", ground="other", reason="x"),
    case("out of turn", c.TakeAmendment, CHAIR, OutOfOrder, V, "comes first", amendment="a1"),
    case("take by a member", c.TakeAmendment, "m1", NotEntitled, P, "only the chair",
         amendment="a2"),
    case("take a carried one", c.TakeAmendment, CHAIR, OutOfOrder, V, "carried",
         amendment="a0"),
    # -- procedural motions
    case("unknown procedural", c.MoveProcedural, "m3", DomainError, V,
         "unknown procedural motion", procedural="p", kind="filibuster", target=MOTION,
         seconder="m4"),
    case("next business on amendment", c.MoveProcedural, "m3", OutOfOrder, V,
         "cannot be moved on an amendment", procedural="p", kind="next_business",
         target="a1", seconder="m4"),
    case("remit without consent", c.MoveProcedural, "m3", OutOfOrder, V, "consent of its mover",
         procedural="p", kind="remit", target=MOTION, seconder="m4",
         to="the executive committee"),
    case("procedural self-seconded", c.MoveProcedural, "m3", NotEntitled, P, "cannot second",
         procedural="p", kind="refer_back", target=MOTION, seconder="m3"),
    case("procedural absent seconder", c.MoveProcedural, "m3", NotEntitled, P,
         "not recorded as present", procedural="p", kind="refer_back", target=MOTION,
         seconder="m6"),
    case("procedural on nothing", c.MoveProcedural, "m3", DomainError, V,
         "no meeting, motion or amendment", procedural="p", kind="refer_back", target="nope",
         seconder="m4"),
    case("procedural during a vote", c.MoveProcedural, "m3", OutOfOrder, V,
         "vote is in progress", VOTING, procedural="p", kind="refer_back", target=MOTION,
         seconder="m4"),
    case("second a procedural nobody moved", c.SecondProcedural, "m4", NotFound, L,
         "no procedural motion", procedural="nope"),
    case("second one's own procedural", c.SecondProcedural, "m3", NotEntitled, P,
         "cannot second their own", PROPOSED, procedural="pp"),
    case("second a procedural from outside the room", c.SecondProcedural, "m6", NotEntitled,
         P, "not recorded as present", PROPOSED, procedural="pp"),
    # -- ballots
    case("unknown method", c.OpenBallot, CHAIR, DomainError, V, "method is one of",
         ballot="x", subject="a2", method="acclamation"),
    case("ballot on nothing", c.OpenBallot, CHAIR, DomainError, V,
         "no motion, amendment or procedural", ballot="x", subject="nope"),
    case("ballot by a member", c.OpenBallot, "m1", NotEntitled, P, "only the chair", SIMPLE,
         ballot="x", subject=MOTION),
    case("motion before amendments", c.OpenBallot, CHAIR, OutOfOrder, V,
         "every amendment is decided", ballot="x", subject=MOTION),
    case("ballot id reused", c.OpenBallot, CHAIR, AlreadyExists, V, "already a ballot",
         ballot="closed-ballot", subject=MOTION),
    case("second vote", c.CastVote, "m1", AlreadyVoted, V, "already voted", VOTING,
         ballot="b1", choice="against"),
    case("vote after close", c.CastVote, "m2", BallotClosed, V, "has closed", VOTING,
         ballot="closed-ballot", choice="for"),
    case("absent voter", c.CastVote, "m6", NotEntitled, P, "not on the roll", VOTING,
         ballot="b1", choice="for"),
    case("suspended voter", c.CastVote, "sus", NotEntitled, P, "not on the roll", VOTING,
         ballot="b1", choice="for"),
    case("observer voter", c.CastVote, "obs", NotEntitled, P, "not on the roll", VOTING,
         ballot="b1", choice="for"),
    case("stranger voter", c.CastVote, "zed", NotEntitled, P, "not a member", VOTING,
         ballot="b1", choice="for"),
    case("bad choice", c.CastVote, "m2", InvalidVote, V, "one of for, against, abstain",
         VOTING, ballot="b1", choice="yes"),
    case("no such ballot", c.CastVote, "m2", NotFound, L, "no ballot", VOTING, ballot="b9",
         choice="for"),
    case("tracker on recorded", c.CastVote, "m2", InvalidVote, V, "tracker", VOTING,
         ballot="b1", choice="for", tracker=TRACKER),
    case("split on recorded", c.CastVote, "m2", InvalidVote, V, "only a card vote", VOTING,
         ballot="b1", split=(1, 0, 0)),
    case("proxy not held", c.CastVote, "m2", NotEntitled, P, "does not hold", VOTING,
         ballot="b1", choice="for", on_behalf_of="m6"),
    case("close by a member", c.CloseBallot, "m1", NotEntitled, P, "only the chair", VOTING,
         ballot="b1"),
    case("counts on recorded", c.CloseBallot, CHAIR, InvalidVote, V, "counted from the votes",
         VOTING, ballot="b1", counts=(1, 0, 0)),
    case("close a closed ballot", c.CloseBallot, CHAIR, BallotClosed, V, "has closed", VOTING,
         ballot="closed-ballot", counts=(1, 0, 0)),
    case("casting vote maybe", c.CloseBallot, CHAIR, InvalidVote, V, "casting vote", VOTING,
         ballot="b1", casting_vote="maybe"),
    # -- petitions
    case("empty petition", c.OpenPetition, "m1", EmptyText, V, "no words", petition="x",
         text="", number=1),
    case("bad petition fraction", c.OpenPetition, "m1", DomainError, V, "look like 1/20",
         petition="x", text="T", fraction="half"),
    case("bad petition rule", c.OpenPetition, "m1", DomainError, V, "either or both",
         petition="x", text="T", number=1, rule="neither"),
    case("observer petitions", c.OpenPetition, "obs", NotEntitled, P, "may not open",
         petition="x", text="T", number=1),
    case("petition id reused", c.OpenPetition, "m1", AlreadyExists, V, "already a petition",
         petition="pet", text="T", number=1),
    case("sign twice", c.SignPetition, "m1", AlreadyExists, V, "already signed",
         petition="pet"),
    case("sign nothing", c.SignPetition, "m1", NotFound, L, "no petition", petition="nope"),
    case("sign closed", c.SignPetition, "m2", OutOfOrder, V, "closed", petition="shut"),
    case("close closed petition", c.ClosePetition, SEC, OutOfOrder, V, "already closed",
         petition="shut"),
    case("petition closed by a member", c.ClosePetition, "m1", NotEntitled, P,
         "chair or secretary", petition="pet"),
    # -- members' ballots
    case("members' ballot called by a member", c.OpenMembersBallot, "m1", NotEntitled, P,
         "chair or secretary", ballot="x", question="Q", opens_at=AT, closes_at=LATER),
    case("members' ballot by show of hands", c.OpenMembersBallot, SEC, DomainError, V,
         "members' ballot is recorded, secret", ballot="x", question="Q", opens_at=AT,
         closes_at=LATER, method="show_of_hands"),
    case("weighted secret members' ballot", c.OpenMembersBallot, SEC, DomainError, V,
         "carries no weight", ballot="x", question="Q", opens_at=AT, closes_at=LATER,
         method="secret", weighted=True),
    case("members' ballot closing as it opens", c.OpenMembersBallot, SEC, OutOfOrder, V,
         "closes after it opens", ballot="x", question="Q", opens_at=AT, closes_at=AT),
    case("members' ballot opening before it is called", c.OpenMembersBallot, SEC, OutOfOrder, V,
         "before it is called", ballot="x", question="Q", opens_at="2025-03-12T11:00:00Z",
         closes_at=LATER),
    case("members' ballot with a bad time", c.OpenMembersBallot, SEC, InvalidTime, V,
         "closes_at 'tomorrow' is not an RFC 3339", ballot="x", question="Q", opens_at=AT,
         closes_at="tomorrow"),
    case("members' ballot on a petition that failed", c.OpenMembersBallot, SEC, OutOfOrder, V,
         "without meeting its threshold", ballot="x", question="Q", opens_at=AT,
         closes_at=LATER, petition="shut"),
    case("members' ballot on an open petition", c.OpenMembersBallot, SEC, OutOfOrder, V,
         "has not closed", ballot="x", question="Q", opens_at=AT, closes_at=LATER,
         petition="pet"),
    case("members' ballot on no petition", c.OpenMembersBallot, SEC, NotFound, L,
         "no petition", ballot="x", question="Q", opens_at=AT, closes_at=LATER,
         petition="nope"),
    case("members' ballot id reused", c.OpenMembersBallot, SEC, AlreadyExists, V,
         "already a ballot", MEMBERS, ballot="mb", question="Q", opens_at=AT, closes_at=LATER),
    case("members' ballot by an unknown rule", c.OpenMembersBallot, SEC, DomainError, V,
         "is not a threshold", ballot="x", question="Q", opens_at=AT, closes_at=LATER,
         threshold="two_fifths"),
    case("members' ballot with no question", c.OpenMembersBallot, SEC, EmptyText, V, "",
         ballot="x", question="  ", opens_at=AT, closes_at=LATER),
    case("vote before a members' ballot opens", c.CastVote, "m2", BallotClosed, V,
         "too early", MEMBERS, ballot="early", choice="for", tracker=TRACKER, mark_key=KEY),
    case("vote after a members' ballot closes", c.CastVote, "m2", BallotClosed, V,
         "too late", MEMBERS, ballot="late", choice="for"),
    case("vote twice in a members' ballot", c.CastVote, "m1", AlreadyVoted, V,
         "already voted", MEMBERS, ballot="mb", choice="against"),
    case("observer votes in a members' ballot", c.CastVote, "obs", NotEntitled, P,
         "not on the roll", MEMBERS, ballot="mb", choice="for"),
    case("close a members' ballot early", c.CloseBallot, SEC, OutOfOrder, V, "not before",
         MEMBERS, ballot="mb"),
    case("close a members' ballot as a member", c.CloseBallot, "m1", NotEntitled, P,
         "chair or secretary", MEMBERS, ballot="late"),
    # -- the electoral college
    case("shares short of the whole", c.DefineCollege, SEC, DomainError, V, "cannot be used",
         sections=(("a", "1/2"), ("b", "1/3"))),
    case("a share that is not a fraction", c.DefineCollege, SEC, DomainError, V,
         "looks like 1/2", sections=(("a", "half"), ("b", "1/2"))),
    case("college set by a member", c.DefineCollege, "m1", NotEntitled, P, "chair or secretary",
         sections=(("a", "1"),)),
    # -- elections
    case("election with no seats", c.OpenNominations, SEC, DomainError, V, "seats",
         election="e", title="T", seats=0, method="irv"),
    case("election by an unknown method", c.OpenNominations, SEC, DomainError, V,
         "no counting method", election="e", title="T", seats=1, method="borda"),
    case("election called by a member", c.OpenNominations, "m1", NotEntitled, P,
         "chair or secretary", election="e", title="T", seats=1, method="irv"),
    case("election id reused", c.OpenNominations, SEC, AlreadyExists, V, "already an election",
         ELECTING, election="el", title="T", seats=1, method="irv"),
    case("nominate into nothing", c.Nominate, "m1", NotFound, L, "no election",
         election="nope", candidate="m2", seconder="m3"),
    case("nominate a suspended member", c.Nominate, "m1", NotEntitled, P, "may not stand",
         ELECTING, election="el", candidate="sus", seconder="m3"),
    case("nominate twice", c.Nominate, "m1", AlreadyExists, V, "already nominated", ELECTING,
         election="el", candidate="m2", seconder="m3"),
    case("second a proposal nobody made", c.SecondNomination, "m4", OutOfOrder, V,
         "nobody has proposed", ELECTING, election="el", candidate="m4"),
    case("second a standing nomination", c.SecondNomination, "m4", AlreadyExists, V,
         "already nominated", ELECTING, election="el", candidate="m2"),
    case("withdraw a non-candidate", c.WithdrawNomination, "m3", NotEntitled, P,
         "not a candidate", ELECTING, election="el"),
    case("close nominations as a member", c.CloseNominations, "m1", NotEntitled, P,
         "chair or secretary", ELECTING, election="el"),
    case("rank before nominations close", c.CastRanking, "m1", BallotClosed, V, "not opened",
         ELECTING, election="el", ranking=("m2",)),
    case("rank twice", c.CastRanking, "m1", AlreadyVoted, V, "already voted", POLLING,
         election="el", ranking=("m2",)),
    case("rank a candidate twice", c.CastRanking, "m3", InvalidVote, V, "more than once",
         POLLING, election="el", ranking=("m2", "m2")),
    case("rank a stranger", c.CastRanking, "m3", InvalidVote, V, "not a candidate", POLLING,
         election="el", ranking=("m4",)),
    case("skip a preference", c.CastRanking, "m3", InvalidVote, V, "blank", POLLING,
         election="el", ranking=("m2", "")),
    case("rank as an observer", c.CastRanking, "obs", NotEntitled, P, "not on the roll",
         POLLING, election="el", ranking=("m2",)),
    case("close an election as a member", c.CloseElection, "m1", NotEntitled, P,
         "chair or secretary", POLLING, election="el"),
    case("close with papers on a named election", c.CloseElection, SEC, InvalidVote, V,
         "no sealed papers", POLLING, election="el", papers=((TRACKER, ("m2",)),)),
    # -- any command
    Case("no time", c.StartBusiness(at="", by=CHAIR, meeting=MEETING), DomainError, V,
         "needs the time"),
]  # fmt: skip


def test_every_command_type_has_a_rejection_case() -> None:
    assert {type(case.command) for case in CASES} == set(DECIDERS)


def test_the_arenas_replay_from_their_logs() -> None:
    room = voting_arena()
    assert room.replayed() == room.state == VOTING


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_input_gets_a_clear_error_and_changes_nothing(case: Case) -> None:
    snapshot = copy.deepcopy(case.state)
    with pytest.raises(case.error) as raised:
        decide(case.state, case.command)
    assert isinstance(raised.value, DomainError)
    assert isinstance(raised.value, case.builtin)
    assert case.phrase in str(raised.value)
    assert case.state == snapshot


@pytest.mark.parametrize("fraction", ["0", "3/2", "-1/3"])
def test_a_quorum_fraction_out_of_range_is_a_domain_error(fraction: str) -> None:
    command = c.ConveneMeeting(at=AT, by=SEC, meeting="x", title="T", chair=CHAIR, secretary=SEC,
                               quorum_fraction=fraction)  # fmt: skip
    with pytest.raises(DomainError):
        decide(DEBATING, command)

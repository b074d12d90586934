"""Unattributed meetings (Chatham House): per-meeting pseudonyms in the log itself.

docs/verifying.md, "Unattributed meetings (Chatham House)". In a meeting whose
publication policy is ``unattributed``, every member's act (attendance,
proxies, movers and seconders, votes, and so the roll, who was present at a
close and a secret ballot's marked register) is logged under the member's
pseudonym for that meeting, never their id or name. The chair and the
secretary named when the meeting is convened stay named in the acts they do
as officers (recording attendance, putting and closing a question, ruling);
as members (attending, moving, voting) they too act under pseudonyms.

The byte strings (every string UTF-8, ``‖`` concatenation, ``"\\n"`` the byte
0x0A, which no id or hex digest contains):

* the **meeting secret** is 32 random bytes the shell draws when the policy is
  set and keeps in its store, never in the log; the log holds its
  **commitment** ``SHA-256("tellers meeting secret v1\\n" ‖ meeting ‖ "\\n" ‖
  secret)``, the secret as 64 lowercase hex digits;
* a member's **key** for the meeting is ``HMAC-SHA256(secret, member)`` (64 hex
  digits), as a secret ballot's mark key (:mod:`voting.seal`);
* the member's **pseudonym** is ``"p-"`` followed by the first 32 hex digits of
  ``SHA-256("tellers pseudonym v1\\n" ‖ meeting ‖ "\\n" ‖ member ‖ "\\n" ‖ key)``:
  a valid id (:mod:`voting.ids`) of 34 characters.

When the policy takes effect the log records the meeting's **register**
(:class:`voting.events.RegisterRecorded`, the entry right after the one that
sets the policy): every member of the body as ``(pseudonym, weight, section,
may_vote)``, sorted by pseudonym, so nothing links a row to a member. Replay
checks it against the membership as multisets and then judges the meeting's
acts by pseudonym, as it judges named acts. ``decide`` gets the secret with the
meeting's commands (``Command.meeting_secret``), checks it against the
commitment and maps member ids to pseudonyms itself.

A member's key opens their pseudonym and no other: given the key, anyone
recomputes the pseudonym from the meeting id and the member id. This module is
pure: the secret comes in with the command; no randomness is drawn here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections import Counter
from collections.abc import Mapping

from voting import commands as cmd
from voting import events as ev
from voting.errors import DomainError, InconsistentEvent, NotFound, OutOfOrder
from voting.seal import is_digest
from voting.state import BodyState, Meeting, Member, Publication, Role, put, with_

__all__ = [
    "COMMIT_TAG",
    "PSEUDONYM_TAG",
    "check_event",
    "commitment",
    "is_pseudonym",
    "meeting_of",
    "member_key",
    "opens",
    "pseudonym",
    "pseudonym_of",
    "pseudonymise",
    "publication_takes_effect",
    "register_event",
    "short",
]

COMMIT_TAG = b"tellers meeting secret v1\n"
"""The domain tag of the commitment to a meeting secret."""

PSEUDONYM_TAG = b"tellers pseudonym v1\n"
"""The domain tag of a pseudonym's hashed bytes."""

PREFIX = "p-"
PSEUDONYM_HEX = 32  # 128 bits of the digest: no two members of any body share one
_HEX = frozenset("0123456789abcdef")


def commitment(meeting: str, secret: str) -> str:
    """The commitment the log holds to a meeting's secret (module docstring)."""
    data = meeting.encode("utf-8") + b"\n" + secret.encode("ascii")
    return hashlib.sha256(COMMIT_TAG + data).hexdigest()


def member_key(secret: str, member: str) -> str:
    """A member's key for one meeting: ``HMAC-SHA256(meeting secret, member)``, in hex."""
    return hmac.new(bytes.fromhex(secret), member.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonym(meeting: str, member: str, key: str) -> str:
    """The pseudonym ``member`` acts under in ``meeting``, given their key (module docstring)."""
    data = b"\n".join((meeting.encode("utf-8"), member.encode("utf-8"), key.encode("ascii")))
    return PREFIX + hashlib.sha256(PSEUDONYM_TAG + data).hexdigest()[:PSEUDONYM_HEX]


def pseudonym_of(meeting: str, member: str, secret: str) -> str:
    """The pseudonym of ``member`` in ``meeting`` under the meeting secret."""
    return pseudonym(meeting, member, member_key(secret, member))


def opens(meeting: str, member: str, key: str, name: str) -> bool:
    """Whether ``key`` shows that the pseudonym ``name`` is ``member``'s in ``meeting``."""
    return is_digest(key) and pseudonym(meeting, member, key) == name


def is_pseudonym(value: object) -> bool:
    """Whether ``value`` has the form of a pseudonym: ``p-`` and 32 lowercase hex digits."""
    return (isinstance(value, str) and len(value) == len(PREFIX) + PSEUDONYM_HEX
            and value.startswith(PREFIX) and set(value[len(PREFIX):]) <= _HEX)


def short(name: str) -> str:
    """The readable form the minutes show: ``p-`` and the first 8 hex digits."""
    return name[: len(PREFIX) + 8]


def _secret(state: BodyState, meeting: Meeting | None, meeting_id: str, given: str) -> str:
    """The meeting secret a command brings, checked against the logged commitment."""
    if not is_digest(given):
        raise DomainError(
            f"the meeting {meeting_id!r} is unattributed: its commands need the meeting "
            "secret (64 lowercase hex digits), which the shell keeps"
        )
    if meeting is not None and meeting.commitment != commitment(meeting_id, given):
        raise DomainError(f"that is not the secret of the meeting {meeting_id!r}: it does not "
                          "open the commitment its register holds")
    return given


# -- the register ---------------------------------------------------------------------------


def _row(member: Member) -> tuple[int, str, bool]:
    return (member.weight, member.section, member.may_vote)


def register_event(state: BodyState, at: str, meeting: str, secret: str) -> ev.RegisterRecorded:
    """The register of ``meeting`` under ``secret``: every member, pseudonymous and sorted."""
    _secret(state, None, meeting, secret)
    rows = sorted((pseudonym_of(meeting, m.id, secret), *_row(m)) for m in state.members.values())
    return ev.RegisterRecorded(at, meeting, commitment(meeting, secret),
                               tuple((p, w, s, v) for p, w, s, v in rows))


def evolve_register(state: BodyState, e: ev.RegisterRecorded) -> BodyState:
    """Fold a register: refused unless it follows the event that made the meeting
    unattributed, and its rows are the body's membership as a multiset (same count,
    weights, sections and voting rights), sorted by distinct pseudonyms no member holds."""
    if state.awaiting_register != e.meeting:
        raise InconsistentEvent(
            "register_recorded is logged where no meeting has just become unattributed")
    meeting = state.meeting(e.meeting)
    if not is_digest(e.commitment):
        raise InconsistentEvent("register_recorded.commitment is not 64 lowercase hex digits")
    names = [row[0] for row in e.register]
    if names != sorted(set(names)):
        raise InconsistentEvent("register_recorded.register is not sorted by distinct pseudonyms")
    for name in names:
        if not is_pseudonym(name) or name in state.members or name in state.pseudonyms:
            raise InconsistentEvent(
                f"register_recorded.register holds {name!r}, which is not a fresh pseudonym")
    logged = Counter((w, s, v) for _, w, s, v in e.register)
    if logged != Counter(_row(m) for m in state.members.values()):
        raise InconsistentEvent(
            "register_recorded.register is not the body's membership: the rows' weights, "
            "sections and voting rights differ from the members'")
    pseudonyms = state.pseudonyms
    for name, weight, section, may_vote in e.register:
        roles = frozenset({Role.MEMBER if may_vote else Role.OBSERVER})
        row = Member(name, f"Member {short(name)}", weight, section, roles)
        pseudonyms = put(pseudonyms, name, row)
    meeting = with_(meeting, commitment=e.commitment, register=frozenset(names))
    return with_(state, meetings=put(state.meetings, e.meeting, meeting), pseudonyms=pseudonyms,
                 awaiting_register="", unattributed=state.unattributed | {e.meeting})


# -- which meeting an act belongs to ----------------------------------------------------------


def meeting_of(state: BodyState, act: object) -> str:
    """The meeting a command or event concerns, or "" (body-wide, or not known yet)."""
    meeting = getattr(act, "meeting", "")
    if meeting:
        return str(meeting)
    for name in ("ballot", "election", "motion", "amendment", "subject", "target", "procedural"):
        value = getattr(act, name, "")
        if not value:
            continue
        if value in state.ballots:
            return state.ballots[value].meeting
        if value in state.elections:
            return state.elections[value].meeting
        if value in state.motions:
            return state.motions[value].meeting
        if value in state.amendments:
            return state.motions[state.amendments[value].motion].meeting
        if value in state.procedurals:
            return state.procedurals[value].meeting
        if value in state.meetings:
            return str(value)
    return ""


# -- decide: ids become pseudonyms ------------------------------------------------------------

COMMAND_MEMBERS: Mapping[type[cmd.Command], tuple[str, ...]] = {
    cmd.RecordAttendance: ("member",),
    cmd.AppointProxy: ("giver", "holder"),
    cmd.MoveMotion: ("by",),
    cmd.SecondMotion: ("by",),
    cmd.WithdrawMotion: ("by",),
    cmd.GiveConsent: ("by",),
    cmd.MoveAmendment: ("by",),
    cmd.SecondAmendment: ("by",),
    cmd.MoveProcedural: ("by", "seconder"),
    cmd.SecondProcedural: ("by",),
    cmd.CastVote: ("by", "on_behalf_of"),
}
"""The fields of a command that name a member acting as a member (not as an officer)."""


def pseudonymise(state: BodyState, command: cmd.Command) -> cmd.Command:
    """``command`` with every member it names as a member replaced by their pseudonym, when
    it is an act in an unattributed meeting; otherwise ``command`` itself. Refuses a
    command of such a meeting that lacks its secret or brings another."""
    fields = COMMAND_MEMBERS.get(type(command))
    if fields is None or not state.unattributed:
        return command
    meeting_id = meeting_of(state, command)
    if meeting_id not in state.unattributed:
        return command
    secret = _secret(state, state.meeting(meeting_id), meeting_id, command.meeting_secret)
    changes: dict[str, str] = {}
    for name in fields:
        member = getattr(command, name)
        if not member:
            continue
        if member not in state.members:
            raise NotFound(f"{member!r} is not a member of {state.name or 'the body'}")
        changes[name] = pseudonym_of(meeting_id, member, secret)
    return dataclasses.replace(command, **changes)


# -- evolve: what an unattributed meeting's entries may hold ------------------------------------

EVENT_MEMBERS: Mapping[type[ev.Event], tuple[str, ...]] = {
    ev.AttendanceRecorded: ("member",),
    ev.ProxyAppointed: ("giver", "holder"),
    ev.MotionMoved: ("mover",),
    ev.MotionSeconded: ("seconder",),
    ev.AmendmentMoved: ("mover",),
    ev.AmendmentSeconded: ("seconder",),
    ev.ProceduralMoved: ("mover", "seconder"),
    ev.ProceduralSeconded: ("seconder",),
    ev.ConsentGiven: ("member",),
    ev.VoteCast: ("voter", "member"),
}
"""The act fields that name a member: a pseudonym on the register, in an unattributed meeting.
(The roll, who was present at a close and the marked register follow from these.)"""

EVENT_OFFICERS: Mapping[type[ev.Event], tuple[str, ...]] = {
    ev.PublicationSet: ("by",),
    ev.DebateOpened: ("by",),
    ev.AmendmentRuledOutOfOrder: ("by",),
    ev.AmendmentTaken: ("by",),
    ev.BallotOpened: ("by",),
    ev.BallotClosed: ("by",),
}
"""The fields that name an officer acting as such: the meeting's chair or secretary, named."""

MEMBERSHIP = (ev.MemberAdmitted, ev.MemberSuspended, ev.MemberReinstated)
ELECTIONS = (ev.NominationsOpened,)


def check_event(state: BodyState, event: ev.Event) -> None:
    """Refuse ``event`` where an unattributed meeting forbids it (``voting.decider.evolve``).

    The register must be the entry right after the policy is set; an act of
    the meeting names members only by pseudonyms on its register and officers
    only as its chair or secretary; the membership does not change while the
    meeting is open (its register is the membership); and an election, which
    names its candidates, is not held in it.
    """
    if state.awaiting_register and not isinstance(event, ev.RegisterRecorded):
        raise InconsistentEvent(
            f"{event.TYPE} is logged where the register of the unattributed meeting "
            f"{state.awaiting_register!r} must come next")
    if isinstance(event, MEMBERSHIP) and state.unattributed:
        raise OutOfOrder(
            f"{event.TYPE}: the membership cannot change while an unattributed meeting is open "
            "(its register is the membership)")
    kind = type(event)
    members = EVENT_MEMBERS.get(kind)
    officers = EVENT_OFFICERS.get(kind)
    meeting_id = ""
    if members is not None or officers is not None or kind in ELECTIONS:
        meeting_id = meeting_of(state, event)
    if meeting_id not in state.unattributed:
        if state.pseudonyms:
            _refuse_pseudonyms(state, event)
        return
    meeting = state.meetings[meeting_id]
    if kind in ELECTIONS:
        raise OutOfOrder(f"{event.TYPE}: an election names its candidates, so it is not held "
                         f"in the unattributed meeting {meeting.title!r}")
    for name in members or ():
        value = getattr(event, name)
        if value not in meeting.register:
            raise InconsistentEvent(
                f"{event.TYPE}.{name} is not a pseudonym on the register of the unattributed "
                f"meeting {meeting.title!r}: {value!r}")
    for name in officers or ():
        value = getattr(event, name)
        if value not in (meeting.chair, meeting.secretary):
            raise InconsistentEvent(
                f"{event.TYPE}.{name} is not the chair or secretary of the unattributed meeting "
                f"{meeting.title!r}")


_FIELDS: dict[type[ev.Event], tuple[str, ...]] = {}


def _refuse_pseudonyms(state: BodyState, event: ev.Event) -> None:
    """Outside the acts of an unattributed meeting, a pseudonym is nobody: refuse an event
    that names one (a register row is a member only in its own meeting)."""
    names = _FIELDS.get(type(event))
    if names is None:
        names = _FIELDS[type(event)] = tuple(f.name for f in dataclasses.fields(event))
    pending = [getattr(event, name) for name in names]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if value in state.pseudonyms:
                raise InconsistentEvent(
                    f"{event.TYPE} names {value!r}, a pseudonym of an unattributed meeting, "
                    "outside that meeting's acts")
        elif isinstance(value, tuple):
            pending.extend(value)


def publication_takes_effect(state: BodyState, meeting_id: str, publication: Publication) -> str:
    """The meeting whose register must come next when ``publication`` is set on it, or "".

    The policy is set before anyone's act is logged: an act logged by name cannot be
    made unattributed, nor one logged under a pseudonym named later."""
    meeting = state.meetings.get(meeting_id)
    if meeting is not None and (meeting.present or meeting.proxies or meeting.started
                                or meeting_id in state.unattributed):
        raise OutOfOrder(
            "the publication policy is set before attendance is recorded: what is already "
            "logged by name (or by pseudonym) stays so")
    return meeting_id if publication == Publication.UNATTRIBUTED else ""


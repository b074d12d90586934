"""What the verifier reports: the check ids, each check's outcome, counts and a member's records.

:class:`Check` names every check :func:`audit.verify.verify` runs, in the
order it runs them; ``docs/verifying.md`` has a section for each id.
:class:`Report` is the whole answer, printable as JSON
(:meth:`Report.to_json`) for ``tellers verify --json``.

Errors::

    AuditError
    └── VerificationError     a check failed (:meth:`Report.raise_for_failure`)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from audit.errors import AuditError
from voting import events as ev
from voting.minutes import Minutes

__all__ = [
    "PERSON_FIELDS",
    "Check",
    "CheckResult",
    "Counts",
    "MemberRecord",
    "Report",
    "Status",
    "VerificationError",
    "member_records",
]


class Check(StrEnum):
    """The verifier's checks, in the order they run (``docs/verifying.md`` has one section each)."""

    BUNDLE = "C-BUNDLE"
    KEY = "C-KEY"
    SIG = "C-SIG"
    WITNESS = "C-WITNESS"
    CONSIST = "C-CONSIST"
    CANON = "C-CANON"
    SEQ = "C-SEQ"
    TIME = "C-TIME"
    ROOT = "C-ROOT"
    KNOWN = "C-KNOWN"
    RECEIPT = "C-RECEIPT"
    REPLAY = "C-REPLAY"
    MINUTES = "C-MINUTES"
    MEMBER = "C-MEMBER"


class Status(StrEnum):
    """How a check ended: passed, failed, or not run (after a failure, or not asked for)."""

    PASS = "pass"  # noqa: S105  (a status, not a password)
    FAIL = "fail"
    SKIPPED = "skipped"


class VerificationError(AuditError):
    """A check failed: ``check`` names it, ``entry`` or ``checkpoint`` where, the message why."""

    def __init__(
        self, check: Check, message: str, *, entry: int | None = None, checkpoint: str | None = None
    ) -> None:
        self.check = check
        self.entry = entry
        self.checkpoint = checkpoint
        self.reason = message
        where = f"entry {entry}: " if entry is not None else ""
        where += f"checkpoint {checkpoint}: " if checkpoint is not None else ""
        super().__init__(f"{check.value}: {where}{message}")


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's outcome, with where it failed (a leaf index or a checkpoint file)."""

    check: Check
    status: Status
    detail: str
    entry: int | None = None
    checkpoint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.check.value, "status": self.status.value, "detail": self.detail,
                "entry": self.entry, "checkpoint": self.checkpoint}


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """One thing the log records in a member's name: the entry, its type, their part, in words."""

    seq: int
    time: str
    type: str
    role: str
    summary: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "time": self.time, "type": self.type, "role": self.role,
                "summary": self.summary}


@dataclass(frozen=True, slots=True)
class Counts:
    """What was checked: entries, checkpoints, ballots recounted, votes, witnesses."""

    entries: int = 0
    checkpoints: int = 0
    ballots_recounted: int = 0
    votes: int = 0
    witnesses: int = 0
    witnesses_cosigned: int = 0

    def to_json(self) -> dict[str, int]:
        return {"entries": self.entries, "checkpoints": self.checkpoints,
                "ballots_recounted": self.ballots_recounted, "votes": self.votes,
                "witnesses": self.witnesses, "witnesses_cosigned": self.witnesses_cosigned}


@dataclass(frozen=True, slots=True)
class Report:
    """Everything :func:`verify` found: each check, the counts, who verified, and notes."""

    source: str
    origin: str
    checks: tuple[CheckResult, ...]
    counts: Counts
    verifier: Mapping[str, str]
    key: str = ""
    key_pinned: bool = False
    witnesses_pinned: bool = False
    witness_threshold: int | None = None
    size: int = 0
    root: str = ""
    member: str | None = None
    member_name: str = ""
    records: tuple[MemberRecord, ...] = ()
    notes: tuple[str, ...] = ()
    minutes: Minutes | None = None  # rendered from the replayed log (not in to_json)

    @property
    def ok(self) -> bool:
        """Whether every check that ran passed."""
        return all(result.status is not Status.FAIL for result in self.checks)

    @property
    def failure(self) -> CheckResult | None:
        """The failed check, if any (there is at most one: the verifier stops there)."""
        return next((r for r in self.checks if r.status is Status.FAIL), None)

    def raise_for_failure(self) -> None:
        """Raise :class:`VerificationError` for the failed check, if there is one."""
        failed = self.failure
        if failed is not None:
            raise VerificationError(failed.check, failed.detail, entry=failed.entry,
                                    checkpoint=failed.checkpoint)

    def to_json(self) -> dict[str, Any]:
        failed = self.failure
        return {
            "ok": self.ok,
            "verifier": dict(self.verifier),
            "source": self.source,
            "origin": self.origin,
            "size": self.size,
            "root": self.root,
            "key": {"vkey": self.key, "pinned": self.key_pinned},
            "witnesses": {"pinned": self.witnesses_pinned, "threshold": self.witness_threshold},
            "counts": self.counts.to_json(),
            "checks": [result.to_json() for result in self.checks],
            "failure": None if failed is None else failed.to_json(),
            "member": None if self.member is None else {
                "id": self.member,
                "name": self.member_name,
                "records": [record.to_json() for record in self.records],
            },
            "notes": list(self.notes),
        }


# -- a member's records ----------------------------------------------------

PERSON_FIELDS = ("member", "voter", "mover", "seconder", "by", "chair", "secretary",
                 "giver", "holder", "candidate", "proposer")
"""The event fields that name a member."""


def _vote_words(e: ev.VoteCast) -> str:
    parts = [(e.for_votes, "for"), (e.against, "against"), (e.abstain, "abstain")]
    given = [(n, word) for n, word in parts if n]
    if len(given) == 1 and given[0][0] == 1:
        return given[0][1]
    return ", ".join(f"{word} {n}" for n, word in given) or "no votes"


def member_records(seq: int, event: ev.Event, member: str) -> Iterator[MemberRecord]:
    """What ``event`` (entry ``seq``) records in ``member``'s name, in words.

    A member appears in an event as one of :data:`PERSON_FIELDS`, on a
    ballot's roll (``BallotOpened.roll``, as voter or as the member a proxy
    votes for), or in the marked register of a secret ballot or election
    (``voters`` at its close). A sealed vote's entry names nobody.
    """
    kind = event.TYPE
    if isinstance(event, ev.BallotOpened):
        for voter, on_behalf, weight in event.roll:
            if member in (voter, on_behalf):
                how = "" if voter == on_behalf else (
                    f" as proxy for {on_behalf}" if voter == member else f" by proxy ({voter})")
                yield MemberRecord(seq, event.at, kind, "roll",
                                   f"on the roll for ballot {event.ballot}{how}, weight {weight}")
        return
    if isinstance(event, ev.MembersBallotOpened):
        for voter, weight in event.roll:  # the electorate of a members' ballot
            if voter == member:
                yield MemberRecord(seq, event.at, kind, "roll",
                                   f"in the electorate of members' ballot {event.ballot}, "
                                   f"weight {weight}")
    if isinstance(event, ev.NominationsClosed):
        if member in event.candidates:
            yield MemberRecord(seq, event.at, kind, "candidate",
                               f"a candidate on the ballot paper of election {event.election}")
        if member in event.roll:
            yield MemberRecord(seq, event.at, kind, "roll",
                               f"on the roll for election {event.election}")
        return
    if isinstance(event, ev.BallotClosed):
        for voter, on_behalf in event.voters:  # the marked register of a secret ballot
            if member in (voter, on_behalf):
                how = "" if voter == on_behalf else (
                    f" as proxy for {on_behalf}" if voter == member else f" by proxy ({voter})")
                yield MemberRecord(seq, event.at, kind, "voted",
                                   f"voted{how} on secret ballot {event.ballot} (the marked "
                                   "register at the close); the papers are in this entry")
    if isinstance(event, ev.ElectionClosed) and member in event.voters:
        yield MemberRecord(seq, event.at, kind, "voted",
                           f"voted in secret election {event.election} (the marked register "
                           "at the close); the papers are in this entry")
    if isinstance(event, ev.ElectionClosed) and member in event.elected:
        place = event.elected.index(member) + 1
        yield MemberRecord(seq, event.at, kind, "elected",
                           f"elected in election {event.election} (place {place} in order "
                           f"of election, rule {event.rule})")
    roles = [name for name in PERSON_FIELDS if getattr(event, name, None) == member]
    if not roles:
        return
    role = "/".join(roles)
    if isinstance(event, ev.VoteCast):
        proxy = "" if event.voter == event.member else (
            f" as proxy for {event.member}" if event.voter == member
            else f" (cast by proxy holder {event.voter})")
        summary = f"voted {_vote_words(event)} on ballot {event.ballot}{proxy}"
    elif isinstance(event, ev.MemberAdmitted):
        section = f", section {event.section}" if event.section else ""
        summary = (f"admitted as {event.name} (weight {event.weight}, roles "
                   f"{', '.join(event.roles)}{section})")
    elif isinstance(event, ev.AttendanceRecorded):
        summary = f"{'present at' if event.present else 'left'} meeting {event.meeting}"
    elif isinstance(event, ev.MotionMoved):
        summary = f"moved motion {event.motion} ({event.title!r})"
    elif isinstance(event, ev.MotionSeconded):
        summary = f"seconded motion {event.motion}"
    elif isinstance(event, ev.AmendmentMoved):
        summary = f"moved amendment {event.amendment} to {event.motion}"
    elif isinstance(event, ev.AmendmentSeconded):
        summary = f"seconded amendment {event.amendment}"
    elif isinstance(event, ev.RankingCast):
        summary = f"ranked {' > '.join(event.ranking)} in election {event.election}"
    elif isinstance(event, ev.CandidateNominated) and event.candidate == member:
        summary = (f"nominated in election {event.election} by {event.proposer}, "
                   f"seconded by {event.seconder}")
    elif isinstance(event, ev.PetitionSigned):
        summary = f"signed petition {event.petition}"
    elif isinstance(event, ev.ProxyAppointed):
        summary = f"proxy at meeting {event.meeting}: {event.giver} to {event.holder}"
    else:
        subject = next((str(getattr(event, name)) for name in
                        ("ballot", "motion", "amendment", "procedural", "meeting", "petition",
                         "election")
                        if getattr(event, name, "")), "")
        summary = f"{kind.replace('_', ' ')}{' ' + subject if subject else ''} ({role})"
    yield MemberRecord(seq, event.at, kind, role, summary)

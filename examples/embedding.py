"""Embedding tellers: a motion, an amendment and a ballot with the library alone.

The domain is a pure state machine: ``execute(state, command)`` returns the
new state and the events the command caused, or raises a typed error and
changes nothing. Events are plain data: store them, hash them, replay them.
At the end the events go into a signed Merkle log, and a voter's receipt for
their vote is checked offline with nothing but the log's public key.

Run: ``python examples/embedding.py``
"""

from __future__ import annotations

import secrets

from audit.canonical import canonical
from audit.log import Log
from audit.note import Ed25519Signer
from audit.receipt import verify_receipt
from audit.signer import CheckpointSigner, MemorySignerState
from voting import commands as c
from voting import events as ev
from voting.codec import to_entry
from voting.decider import execute, replay
from voting.errors import DomainError
from voting.minutes import render_minutes
from voting.state import BodyState

AT = "2026-01-15T18:00:00Z"  # the domain reads no clock: the caller says when

state = BodyState()
log: list[ev.Event] = []


def do(command: c.Command) -> None:
    global state
    state, events = execute(state, command)
    log.extend(events)


do(c.FoundBody(AT, "sec", name="Riverside Tenants Union"))
do(c.AdmitMember(AT, "sec", member="sec", name="Sam (secretary)", roles=("secretary", "member")))
do(c.AdmitMember(AT, "sec", member="chair", name="Chris (chair)", roles=("chair", "member")))
for who in ("ana", "bo", "cy"):
    do(c.AdmitMember(AT, "sec", member=who, name=who.title()))
do(c.ConveneMeeting(AT, "sec", meeting="jan", title="January meeting", chair="chair",
                    secretary="sec", quorum_number=3))  # fmt: skip
for who in ("sec", "chair", "ana", "bo", "cy"):
    do(c.RecordAttendance(AT, "sec", meeting="jan", member=who))
do(c.StartBusiness(AT, "chair", meeting="jan"))

do(c.MoveMotion(AT, "ana", motion="rent", meeting="jan", title="Rent strike ballot",
                text="That we ballot all members on a rent strike from March."))  # fmt: skip
do(c.SecondMotion(AT, "bo", motion="rent"))
do(c.OpenDebate(AT, "chair", motion="rent"))
do(c.MoveAmendment(AT, "cy", amendment="rent-1", motion="rent", kind="leave_out_and_insert",
                   leave_out="March.", insert="April."))  # fmt: skip
do(c.SecondAmendment(AT, "bo", amendment="rent-1"))
do(c.TakeAmendment(AT, "chair", amendment="rent-1"))
do(c.OpenBallot(AT, "chair", ballot="v1", subject="rent-1", method="show_of_hands"))
do(c.CloseBallot(AT, "chair", ballot="v1", counts=(3, 1, 1)))  # the tellers' counts

try:  # bad input gets a clear error and changes nothing
    do(c.CastVote(AT, "ana", ballot="v1", choice="for"))
except DomainError as refused:
    print(f"refused: {refused}")

do(c.OpenBallot(AT, "chair", ballot="v2", subject="rent", method="recorded"))
for who, choice in (("sec", "for"), ("ana", "for"), ("bo", "for"), ("cy", "against")):
    do(c.CastVote(AT, who, ballot="v2", choice=choice))
do(c.CloseBallot(AT, "chair", ballot="v2"))

print(state.motions["rent"].text.plain())  # That we ballot all members on a rent strike from April.
print(state.ballots["v2"].outcome)  # carried
assert replay(log) == state  # the events alone rebuild everything
print(render_minutes(state, log))

# The audit log: each event's canonical entry (RFC 8785) is a leaf of an RFC 9162 Merkle
# tree, and the log signs checkpoints of it (a real shell keeps the key and the signer's
# state on disk: api.ledger). A receipt proves one entry is in the log.
key = Ed25519Signer.from_seed("tenants.example/log", secrets.token_bytes(32))
audit_log = Log(CheckpointSigner(key, MemorySignerState()))
entries = [canonical(to_entry(seq, event)) for seq, event in enumerate(log)]  # type: ignore[arg-type]
audit_log.extend(entries)
vote = next(i for i, e in enumerate(log) if isinstance(e, ev.VoteCast) and e.member == "ana")
receipt = audit_log.receipt(vote)  # what Ana keeps
checked = verify_receipt(receipt, entries[vote], key.vkey())  # offline, with the public key
print(f"Ana's vote is entry {checked.index}, under the checkpoint of size "
      f"{checked.checkpoint.size} signed by {key.name}")

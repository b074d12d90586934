"""The checkpoint policy: which checkpoints a ledger publishes, and that nothing a member
relies on is lost by publishing fewer (docs/verifying.md, "Which checkpoints a bundle
carries").

One body's proceedings (the benchmark's, small: ``benchmarks/ledger_body.py``) go through
a ledger one command at a time, every voter asking for a receipt as their vote is logged.
The bundle the ledger writes must carry exactly the cadence's checkpoints, the closes' and
its head; it verifies; every receipt handed out verifies against it and against a later
bundle; a machine that verified the first bundle accepts the later one; a history
rewritten below a receipt's size, re-signed with the log key, passes every check but the
receipt's (and the machine's memory). ``submit_many`` writes exactly what one ``submit``
per command writes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import select

from api.ledger import CHECKPOINT_EVERY, Ledger, Submitted
from api.storage import (
    Store,
    checkpoints,
    entries,
    receipt_checkpoints,
    sealed_papers,
    sealed_rankings,
)
from audit.bundle import read_bundle
from audit.checkpoint import parse_checkpoint
from audit.known import KnownState
from audit.note import Ed25519Signer, parse_note
from audit.receipt import parse_receipt
from audit.report import Check, Report, Status
from audit.signer import MemorySignerState
from audit.verify import verify
from benchmarks.ledger_body import body_commands
from voting import commands as c
from voting import events as ev
from voting.errors import DomainError, NotEntitled

pytestmark = [pytest.mark.api, pytest.mark.slow]

ORIGIN = "test.tellers.invalid/cadence"
KEY = Ed25519Signer.from_seed(ORIGIN, bytes(range(32)))
EVERY = 100
COMMANDS = 900
MEMBERS = 40
CLOSES = {"ballot_closed", "election_closed", "petition_closed", "meeting_closed"}
AT = "2030-01-01T00:00:00Z"  # after every time of the body's proceedings


def size_of(note: str) -> int:
    return parse_checkpoint(parse_note(note).text).size


def ledger_at(path: Path, every: int = EVERY) -> Ledger:
    """A ledger whose "random" draws (ballot secrets, trackers) repeat from one ledger to the
    next, so that two ledgers given the same commands store the same rows."""
    draws = random.Random(7)  # not for secrecy: a fixed stand-in for the shell's draws
    return Ledger(Store(f"sqlite:///{path}"), KEY, MemorySignerState(), checkpoint_every=every,
                  random_bytes=draws.randbytes)


def proceedings(ledger: Ledger) -> Iterator[c.Command]:
    """The body's commands (each lot's seed the ledger fills in: its root as nominations
    closed)."""
    return body_commands(COMMANDS, members=MEMBERS)


@dataclass
class Run:
    """The body held one command at a time, with a receipt for every vote as it was logged."""

    ledger: Ledger
    submitted: list[Submitted]
    receipts: list[tuple[str, str]]  # (name, receipt text)
    voted_at: list[int]  # the positions (in the command list) of the votes given receipts
    commands: list[c.Command]


def _is_vote(event: ev.Event) -> bool:
    return type(event) in ev.VOTES


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    ledger = ledger_at(tmp_path_factory.mktemp("one-by-one") / "tellers.sqlite3")
    submitted: list[Submitted] = []
    receipts: list[tuple[str, str]] = []
    voted_at: list[int] = []
    commands: list[c.Command] = []
    for position, command in enumerate(proceedings(ledger)):
        commands.append(command)
        done = ledger.submit(command)
        submitted.append(done)
        for index, event in zip(done.indices, done.events, strict=True):
            if _is_vote(event):
                tracker = getattr(command, "tracker", "")
                receipts.append((f"{command.by}-{index}.proof",
                                 ledger.receipt(index, tracker=tracker)))
                voted_at.append(position)
    yield Run(ledger, submitted, receipts, voted_at, commands)
    ledger.close()


def published_sizes(submitted: Sequence[Submitted], every: int) -> list[int]:
    """The policy, restated: a command reaching a multiple of ``every``, or closing
    something, is followed by a published checkpoint at its size."""
    sizes = []
    for done in submitted:
        first, size = done.first_index, done.first_index + len(done.events)
        if done.events and (size // every > first // every
                            or any(event.TYPE in CLOSES for event in done.events)):
            sizes.append(size)
    return sizes


def test_the_body_covers_every_kind_of_close_and_crosses_the_cadence(run: Run) -> None:
    types = {event.TYPE for done in run.submitted for event in done.events}
    assert types >= CLOSES
    assert {"secret_vote_cast", "sealed_ranking_cast", "vote_cast", "ranking_cast"} <= types
    assert run.ledger.log.size > 5 * EVERY


def test_the_ledger_publishes_the_cadence_and_the_closes_only(run: Run) -> None:
    expected = published_sizes(run.submitted, EVERY)
    assert [size_of(note) for note in run.ledger.checkpoints()] == expected
    # far fewer than one a command, though every vote was given a receipt at once
    assert len(expected) < len(run.submitted) / 5
    receipt_sizes = [size_of(note) for note in run.ledger.store.all_checkpoints(published=False)]
    assert len(receipt_sizes) > len(expected)
    assert not set(receipt_sizes) & set(expected)


def test_each_receipt_is_signed_at_once_over_its_vote(run: Run) -> None:
    """Signed at once: the receipt's checkpoint is at the size right after the vote's
    command, not at some later cadence point."""
    ends = {done.first_index + len(done.events) for done in run.submitted}
    for _, text in run.receipts:
        receipt = parse_receipt(text)
        size = receipt.checkpoint.size
        assert receipt.index < size and size in ends
        following = next(done for done in run.submitted if done.first_index <= receipt.index
                         < done.first_index + len(done.events))
        assert size == following.first_index + len(following.events)


def test_the_ledger_written_bundle_verifies_with_every_receipt(run: Run, tmp_path: Path) -> None:
    before = list(run.ledger.checkpoints())
    run.ledger.write_bundle(tmp_path / "bundle")
    bundle = read_bundle(tmp_path / "bundle")
    notes = [note.decode() for note in bundle.checkpoints]
    assert notes[:len(before)] == before  # the published ones, then the head if it is new
    assert size_of(notes[-1]) == run.ledger.log.size == len(bundle.entries)
    report = verify(bundle, key=KEY.vkey(), receipts=run.receipts,
                    known=KnownState(tmp_path / "known.json"))
    assert report.ok, report.failure
    assert report.counts.checkpoints == len(notes)
    receipt_check = next(r for r in report.checks if r.check is Check.RECEIPT)
    assert receipt_check.status is Status.PASS
    assert f"{len(run.receipts)} receipts" in receipt_check.detail


def test_receipts_and_a_machines_memory_hold_against_a_later_bundle(tmp_path: Path) -> None:
    """A bundle written later, after more proceedings and more bundles, still carries every
    entry each receipt proves; C-RECEIPT and C-KNOWN hold against it."""
    ledger = ledger_at(tmp_path / "tellers.sqlite3")
    known = KnownState(tmp_path / "known.json")
    commands = list(proceedings(ledger))
    receipts: list[tuple[str, str]] = []
    reports: list[Report] = []
    for part in (commands[:300], commands[300:600], commands[600:]):
        for command in part:
            done = ledger.submit(command)
            receipts.extend((f"r{index}", ledger.receipt(index))
                            for index, event in zip(done.indices, done.events, strict=True)
                            if _is_vote(event))
        directory = tmp_path / f"bundle-{len(reports)}"
        ledger.write_bundle(directory)
        reports.append(verify(read_bundle(directory), key=KEY.vkey(), known=known,
                              receipts=receipts))
    assert all(report.ok for report in reports), [r.failure for r in reports]
    assert [r.size for r in reports] == sorted({r.size for r in reports})
    heads = [size_of(note) for note in ledger.checkpoints()]
    assert all(report.size in heads for report in reports)  # each bundle's head stays published
    ledger.close()


def _forge(run: Run, directory: Path, *, below: int) -> None:
    """What the log key's holder can do: hold the same proceedings again on a ledger of their
    own, with the same key and the same draws, but a member admitted under another name
    below entry ``below`` (a name, which the replay does not judge); every later entry, root,
    lot seed and count follows from that history, and is signed afresh."""
    position = max(i for i, (command, done) in enumerate(zip(run.commands, run.submitted,
                                                                strict=True))
                   if isinstance(command, c.AdmitMember) and done.first_index < below)
    commands = list(run.commands)
    admitted = commands[position]
    assert isinstance(admitted, c.AdmitMember)
    commands[position] = replace(admitted, name=admitted.name.replace("Member ", "Membre "))
    forger = ledger_at(directory.parent / "forger.sqlite3")
    forger.submit_many(commands)
    forger.write_bundle(directory)
    forger.close()


def test_a_history_rewritten_below_a_receipt_is_caught_by_that_receipt(run: Run,
                                                                       tmp_path: Path) -> None:
    """The receipt's checkpoint is in no bundle; the rewritten, re-signed bundle passes every
    check on its own, and the receipt catches it (C-RECEIPT), as does a machine that
    verified the honest bundle before (C-KNOWN)."""
    name, text = run.receipts[0]  # the first vote's: its size is below the first cadence
    size = parse_receipt(text).checkpoint.size
    assert size not in {size_of(note) for note in run.ledger.checkpoints()}
    _forge(run, tmp_path / "forged", below=size)
    forged = read_bundle(tmp_path / "forged")
    alone = verify(forged, key=KEY.vkey())
    assert alone.ok, alone.failure  # nothing in the bundle alone shows it
    report = verify(forged, key=KEY.vkey(), receipts=[(name, text)])
    assert report.failure is not None and report.failure.check is Check.RECEIPT
    assert "rewritten" in report.failure.detail

    run.ledger.write_bundle(tmp_path / "honest")
    known = KnownState(tmp_path / "known.json")
    assert verify(read_bundle(tmp_path / "honest"), key=KEY.vkey(), known=known).ok
    report = verify(forged, key=KEY.vkey(), known=known)
    assert report.failure is not None and report.failure.check is Check.KNOWN


def _rows(ledger: Ledger) -> dict[str, list[tuple[object, ...]]]:
    tables = (entries, checkpoints, receipt_checkpoints, sealed_papers, sealed_rankings)
    with ledger.store.engine.connect() as conn:
        return {table.name: [tuple(row) for row in conn.execute(select(table))]
                for table in tables}


def test_submit_many_writes_exactly_what_submit_writes(run: Run, tmp_path: Path) -> None:
    """The same commands in chunks of random length, the receipts asked for at the same
    points: the same rows in every table, the same tree, the same signed head."""
    bulk = ledger_at(tmp_path / "tellers.sqlite3")
    rng = random.Random(5)
    receipts_after = set(run.voted_at)
    chunk: list[c.Command] = []
    done: list[Submitted] = []
    for position, command in enumerate(run.commands):
        chunk.append(command)
        if position in receipts_after or rng.random() < 0.01:
            done.extend(bulk.submit_many(chunk))
            chunk = []
            if position in receipts_after:
                last = done[-1]
                index = last.first_index + len(last.events) - 1
                bulk.receipt(index, tracker=getattr(command, "tracker", ""))
    done.extend(bulk.submit_many(chunk))
    assert done == run.submitted
    assert _rows(bulk) == _rows(run.ledger)
    assert (bulk.log.size, bulk.log.root()) == (run.ledger.log.size, run.ledger.log.root())
    assert bulk.state == run.ledger.state
    bulk.close()


def test_submit_many_stops_at_a_refused_command_keeping_those_before(tmp_path: Path) -> None:
    one, many = ledger_at(tmp_path / "one.sqlite3"), ledger_at(tmp_path / "many.sqlite3")
    good = list(body_commands(250, members=MEMBERS))[:250]
    refused = c.AdmitMember(AT, "m00007", member="x1", name="Not by the secretary")
    for command in good:
        one.submit(command)
    with pytest.raises(NotEntitled):
        many.submit_many([*good, refused, c.SuspendMember(AT, "m00001", member="m00002",
                                                          reason="never reached")])
    assert _rows(many) == _rows(one)
    assert (many.log.size, many.log.root(), many.state) == (one.log.size, one.log.root(),
                                                             one.state)
    many.submit(c.SuspendMember(AT, "m00001", member="m00002", reason="after"))  # goes on
    assert many.log.size == one.log.size + 1
    one.close()
    many.close()


def test_a_tracker_clash_inside_submit_many_leaves_no_row_of_it(tmp_path: Path) -> None:
    """A savepoint per command: the clashing paper's command leaves nothing, the ones
    before it stand."""
    ledger = ledger_at(tmp_path / "tellers.sqlite3")
    commands = list(body_commands(5000, members=MEMBERS))
    first_secret = next(i for i, command in enumerate(commands)
                        if isinstance(command, c.CastVote) and command.tracker)
    ledger.submit_many(commands[:first_secret + 1])
    before = ledger.log.size
    clash = commands[first_secret + 1]
    assert isinstance(clash, c.CastVote)
    tracker = commands[first_secret].tracker  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="tracker"):
        ledger.submit_many([c.SuspendMember(clash.at, "m00001", member="m00039", reason="first"),
                            c.CastVote(clash.at, clash.by, ballot=clash.ballot,
                                       choice=clash.choice, tracker=tracker)])
    assert ledger.log.size == before + 1
    assert ledger.store.size() == before + 1
    assert len(ledger.store.papers(clash.ballot)) == 1
    ledger.close()


@pytest.mark.parametrize("every", [0, -5, 2.5, "10"])
def test_a_cadence_that_is_not_a_positive_count_is_refused(tmp_path: Path,
                                                           every: object) -> None:
    with pytest.raises(DomainError, match="checkpoint_every"):
        ledger_at(tmp_path / "tellers.sqlite3", every)  # type: ignore[arg-type]
    assert CHECKPOINT_EVERY == 1_000  # the default the docs give

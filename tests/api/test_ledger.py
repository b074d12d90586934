"""The ledger: decide, store, log and sign, atomically; reopen by replay; refuse a rollback."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from api.demo_meeting import commands
from api.ledger import Ledger
from api.storage import ballot_secrets, entries, sealed_papers
from audit.canonical import parse
from audit.checkpoint import parse_checkpoint
from audit.errors import AuditError
from audit.note import parse_note
from audit.receipt import parse_receipt, receipt_sealed, verify_receipt
from tests.api.races import one_vote_wins, open_ballot
from voting import commands as c
from voting.codec import from_entry
from voting.decider import replay
from voting.errors import AlreadyVoted, BallotClosed, DomainError, NotEntitled
from voting.seal import mark_key

ORIGIN = "test.tellers.invalid/ledger"
AT = "2026-01-15T18:00:00Z"


@pytest.fixture(scope="module")
def demo_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo meeting held once through a ledger; each test opens a copy of it."""
    path = tmp_path_factory.mktemp("demo")
    ledger = Ledger.open(path, origin=ORIGIN)
    for command in commands():
        ledger.submit(command)
    ledger.close()
    return path


@pytest.fixture
def instance(demo_instance: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "instance"
    shutil.copytree(demo_instance, copy)
    return copy


def size_of(note: str) -> int:
    return parse_checkpoint(parse_note(note).text).size


def demo_ledger(path: Path) -> Ledger:
    return Ledger.open(path, origin=ORIGIN)


def fingerprint(ledger: Ledger) -> tuple[object, ...]:
    """Everything a rejected command must leave as it was."""
    return (
        ledger.state,
        ledger.store.all_entries(),
        tuple(ledger.checkpoints()),
        ledger.log.size,
        ledger.log.root(),
        ledger.store.papers("b-secret"),
    )


def test_the_demo_meeting_is_stored_logged_and_signed(instance: Path) -> None:
    ledger = demo_ledger(instance)
    stored = ledger.store.all_entries()
    assert [seq for seq, _, _ in stored] == list(range(len(stored)))  # dense, from 0
    assert ledger.log.size == len(stored)
    events = [from_entry(parse(data))[1] for _, data, _ in stored]
    assert replay(events) == ledger.state
    assert ledger.state.motions["slate"].state == "carried"
    latest = ledger.checkpoint()
    assert latest.checkpoint.size == len(stored)
    assert latest.checkpoint.root_hash == ledger.log.root()
    ledger.close()


def test_reopening_replays_the_store(instance: Path) -> None:
    ledger = demo_ledger(instance)
    state, size, root = ledger.state, ledger.log.size, ledger.log.root()
    ledger.close()
    again = Ledger.open(instance, origin=ORIGIN)
    assert again.state == state
    assert (again.log.size, again.log.root()) == (size, root)
    again.close()


def test_a_receipt_verifies_offline_with_the_public_key(instance: Path) -> None:
    ledger = demo_ledger(instance)
    index = 40
    data = ledger.entry_bytes()[index]
    verified = verify_receipt(ledger.receipt(index), data, ledger.vkey)
    assert verified.index == index
    with pytest.raises(AuditError):
        verify_receipt(ledger.receipt(index), ledger.entry_bytes()[index + 1], ledger.vkey)
    ledger.close()


def test_a_receipt_is_signed_at_once_and_kept_apart_from_the_published_checkpoints(
        tmp_path: Path) -> None:
    """With a cadence of 50 entries, a receipt for a newer entry has a checkpoint signed for
    it at once; the ledger keeps that note with the receipts' ones, not among the published
    checkpoints a bundle carries (the verifier rebuilds its root from the entries)."""
    ledger = Ledger.open(tmp_path, origin=ORIGIN, checkpoint_every=50)
    for command in commands():
        ledger.submit(command)
    before = list(ledger.checkpoints())
    assert 50 <= size_of(before[0]) < 60  # the first command at or past 50 entries
    assert size_of(before[-1]) == ledger.log.size  # the meeting's close
    assert ledger.store.all_checkpoints(published=False) == []
    ledger.submit(c.SuspendMember(AT, "m02", member="m13", reason="arrears"))
    receipt = ledger.receipt(ledger.log.size - 1)
    assert list(ledger.checkpoints()) == before
    assert ledger.store.all_checkpoints(published=False) == [parse_receipt(receipt).note]
    assert size_of(parse_receipt(receipt).note) == ledger.log.size
    again = ledger.receipt(10)  # an older entry: under the latest checkpoint, nothing new
    assert parse_receipt(again).note == parse_receipt(receipt).note
    assert ledger.store.all_checkpoints(published=False) == [parse_receipt(receipt).note]
    ledger.close()


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (c.CastVote(AT, "m01", ballot="b2", choice="for"), BallotClosed),
        (c.CastVote(AT, "nobody", ballot="b2", choice="for"), BallotClosed),
        (c.MoveMotion(AT, "m03", motion="m2", meeting="2025-03", title="x", text="y"), DomainError),
        (c.AdmitMember(AT, "m05", member="m99", name="Intruder"), NotEntitled),
        (c.AdmitMember(AT, "m02", member="m98", name="Zero", weight=0), DomainError),
    ],
)
def test_a_refused_command_changes_nothing(
    instance: Path, command: c.Command, error: type[Exception]
) -> None:
    ledger = demo_ledger(instance)
    before = fingerprint(ledger)
    with pytest.raises(error):
        ledger.submit(command)
    assert fingerprint(ledger) == before
    ledger.close()


def secret_ballot(ledger: Ledger) -> None:
    """A second meeting with a secret ballot on a fresh motion."""
    steps: list[c.Command] = [
        c.ConveneMeeting(
            AT, "m02", meeting="apr", title="April", chair="m01", secretary="m02", quorum_number=3
        ),
        *(
            c.RecordAttendance(AT, "m02", meeting="apr", member=m)
            for m in ("m01", "m02", "m03", "m04")
        ),
        c.StartBusiness(AT, "m01", meeting="apr"),
        c.MoveMotion(AT, "m03", motion="dues", meeting="apr", title="Dues", text="That dues rise."),
        c.SecondMotion(AT, "m04", motion="dues"),
        c.OpenDebate(AT, "m01", motion="dues"),
        c.OpenBallot(AT, "m01", ballot="b-secret", subject="dues", method="secret"),
    ]
    for step in steps:
        ledger.submit(step)


def test_secret_papers_are_sealed_then_published_sorted_by_tracker(instance: Path) -> None:
    ledger = demo_ledger(instance)
    secret_ballot(ledger)
    votes = {"m01": ("f" * 32, "against"), "m02": ("0" * 32, "for"), "m03": ("a" * 32, "for")}
    for member, (tracker, choice) in votes.items():
        ledger.submit(c.CastVote(AT, member, ballot="b-secret", choice=choice, tracker=tracker))
    # The log records a seal and a mark for each vote: neither how, nor who.
    logged = [data for _, data, _ in ledger.store.all_entries() if b"secret_vote_cast" in data]
    assert len(logged) == 3
    assert not any(b"against" in data or b"for" in data.split(b'"type"')[0] for data in logged)
    assert not any(member.encode() in data for data in logged for member in votes)
    before = fingerprint(ledger)
    with pytest.raises(AlreadyVoted):
        ledger.submit(c.CastVote(AT, "m01", ballot="b-secret", choice="for", tracker="1" * 32))
    assert fingerprint(ledger) == before
    ledger.submit(c.CloseBallot(AT, "m01", ballot="b-secret"))
    closed = ledger.state.ballots["b-secret"]
    assert closed.outcome == "carried"
    last = parse(ledger.entry_bytes()[-1])
    assert last["type"] == "ballot_closed"
    assert last["body"]["papers"] == [["0" * 32, "for"], ["a" * 32, "for"], ["f" * 32, "against"]]
    assert last["body"]["voters"] == [["m01", "m01"], ["m02", "m02"], ["m03", "m03"]]
    with ledger.store.engine.connect() as conn:  # the papers are in the log; the secret gone
        assert conn.execute(select(sealed_papers)).all() == []
        assert conn.execute(select(ballot_secrets)).all() == []
    ledger.close()


def test_the_ledger_draws_trackers_and_the_secret_and_keeps_no_casting_order(
        tmp_path: Path) -> None:
    """Trackers and the ballot secret are drawn by the ledger; a sealed paper's row holds no
    voter and sits in the order of its random tracker (SQLite WITHOUT ROWID); at the close
    the papers and the secret are deleted, and the secret's bytes are in no file of the store."""
    drawn: list[bytes] = []

    def random_bytes(size: int) -> bytes:
        # random, but each draw's first byte lower than the last, so the papers are cast in
        # the reverse of their trackers' order (a fully random draw is sorted 1 time in 24)
        drawn.append(bytes([0xF0 - len(drawn)]) + secrets.token_bytes(size - 1))
        return drawn[-1]

    ledger = Ledger.open(tmp_path, origin=ORIGIN, random_bytes=random_bytes)
    open_ballot(ledger, "secret")
    (secret,) = drawn
    assert ledger.store.secret("ballot", "v1") == secret.hex()
    receipts = []
    for member, choice in (("s", "for"), ("c", "against"), ("a", "for"), ("b", "abstain")):
        submitted = ledger.submit(c.CastVote(AT, member, ballot="v1", choice=choice))
        assert submitted.tracker == drawn[-1].hex()  # drawn at random, never from the member
        assert submitted.mark_key == mark_key(secret.hex(), member)
        (index,) = submitted.indices
        receipt = parse_receipt(ledger.receipt(index, tracker=submitted.tracker,
                                               mark_key=submitted.mark_key))
        assert receipt_sealed(receipt.extra) == (submitted.tracker, submitted.mark_key)
        receipts.append(submitted.tracker)
    with ledger.store.engine.connect() as conn:
        ddl = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name IN "
            "('sealed_papers', 'sealed_rankings', 'ballot_secrets')").scalars().all()
        assert len(ddl) == 3 and all("WITHOUT ROWID" in sql for sql in ddl)
        stored = conn.exec_driver_sql("SELECT * FROM sealed_papers").all()  # storage order
    assert [row[1] for row in stored] == sorted(receipts) != receipts
    assert all(len(row) == 3 for row in stored)  # ballot, tracker, choice: no voter, no time
    def in_files() -> bool:
        return any(secret.hex().encode() in path.read_bytes() for path in tmp_path.iterdir()
                   if path.name.startswith("tellers.sqlite3"))

    assert in_files()  # while the ballot is open the store holds it, as it must
    ledger.submit(c.CloseBallot(AT, "s", ballot="v1"))
    with ledger.store.engine.connect() as conn:
        for table in (sealed_papers, ballot_secrets):
            assert conn.execute(select(table)).all() == []
    assert not in_files()  # overwritten (secure_delete) and the write-ahead log truncated
    ledger.close()
    assert not in_files()


def test_a_secret_ballot_whose_secret_the_store_lost_is_refused_clearly(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path, origin=ORIGIN)
    open_ballot(ledger, "secret")
    with ledger.store.transaction() as conn:
        conn.execute(ballot_secrets.delete())
    size = ledger.log.size
    for command in (c.CastVote(AT, "a", ballot="v1", choice="for"),
                    c.CloseBallot(AT, "s", ballot="v1")):
        with pytest.raises(DomainError, match="holds no ballot secret for the secret ballot"):
            ledger.submit(command)
    assert ledger.log.size == size
    ledger.close()


def test_a_secret_election_through_the_ledger(tmp_path: Path) -> None:
    """Sealed rankings: random trackers, mark keys from the election's secret, the papers
    and the register published at the close, the secret deleted then."""
    ledger = Ledger.open(tmp_path, origin=ORIGIN)
    open_ballot(ledger, "recorded")
    ledger.submit(c.OpenNominations(AT, "s", election="e", title="Rep", seats=1, method="irv",
                                    meeting="agm"))
    ledger.submit(c.Nominate(AT, "a", election="e", candidate="b", seconder="c"))
    ledger.submit(c.Nominate(AT, "a", election="e", candidate="c", seconder="b"))
    ledger.submit(c.CloseNominations(AT, "s", election="e"))
    secret = ledger.store.secret("election", "e")
    assert secret is not None
    for voter, ranking in (("a", ("b",)), ("b", ("c", "b")), ("c", ("b", "c"))):
        submitted = ledger.submit(c.CastRanking(AT, voter, election="e", ranking=ranking))
        assert submitted.mark_key == mark_key(secret, voter) and len(submitted.tracker) == 64
    ledger.submit(c.CloseElection(AT, "s", election="e"))
    assert ledger.state.elections["e"].elected == ("b",)
    last = parse(ledger.entry_bytes()[-1])
    assert last["body"]["voters"] == ["a", "b", "c"]
    assert ledger.store.secret("election", "e") is None
    assert ledger.store.rankings("e") == ()
    ledger.close()


def test_a_store_restored_from_an_older_backup_refuses_to_open(instance: Path) -> None:
    """docs/architecture.md D7 / INV-FSCK: the signer remembers more than the store holds."""
    ledger = demo_ledger(instance)
    ledger.close()
    backup = instance / "backup.sqlite3"
    shutil.copy(instance / "tellers.sqlite3", backup)
    ledger = Ledger.open(instance, origin=ORIGIN)
    secret_ballot(ledger)
    ledger.checkpoint()  # the signer's head moves past the backup
    ledger.close()
    for suffix in ("-wal", "-shm"):
        (instance / f"tellers.sqlite3{suffix}").unlink(missing_ok=True)
    shutil.copy(backup, instance / "tellers.sqlite3")
    with pytest.raises(AuditError, match="behind"):
        Ledger.open(instance, origin=ORIGIN)


def test_a_changed_entry_in_the_store_is_found_on_opening(instance: Path) -> None:
    ledger = demo_ledger(instance)
    with ledger.store.transaction() as conn:
        row = conn.execute(select(entries.c.data).where(entries.c.seq == 4)).scalar_one()
        conn.execute(
            entries.update().where(entries.c.seq == 4).values(data=row.replace(b"Dev", b"Dan"))
        )
    ledger.close()
    with pytest.raises(DomainError, match="leaf hash"):
        Ledger.open(instance, origin=ORIGIN)


def test_racing_writers_on_sqlite_one_vote_wins_nothing_lost(tmp_path: Path) -> None:
    """docs/architecture.md A1 and A2: eight writers cast the same member's vote at once on one
    SQLite file (BEGIN IMMEDIATE serialises them; the losers fail the size check)."""
    one_vote_wins(tmp_path, lambda path: Ledger.open(path, origin=ORIGIN))


def test_a_tracker_already_sealed_on_the_ballot_is_refused_and_changes_nothing(
        tmp_path: Path) -> None:
    """Two papers of one ballot cannot share a tracker: the store's key refuses the second,
    the ledger says why, and the store, the state and the tree are as they were."""
    ledger = Ledger.open(tmp_path, origin=ORIGIN)
    open_ballot(ledger, "secret")
    tracker = "ab" * 16
    ledger.submit(c.CastVote(AT, "a", ballot="v1", choice="for", tracker=tracker))
    before = (ledger.state, ledger.store.all_entries(), ledger.log.size, ledger.log.root(),
              ledger.store.papers("v1"))
    with pytest.raises(DomainError, match="already held for this ballot"):
        ledger.submit(c.CastVote(AT, "b", ballot="v1", choice="against", tracker=tracker))
    assert (ledger.state, ledger.store.all_entries(), ledger.log.size, ledger.log.root(),
            ledger.store.papers("v1")) == before
    ledger.submit(c.CastVote(AT, "b", ballot="v1", choice="against", tracker="cd" * 16))
    ledger.close()

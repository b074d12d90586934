"""The ledger holds an unattributed meeting: it draws the meeting secret, keeps it out of the
log, gives each member their key in their receipt, and deletes the secret at the close."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from api.ledger import Ledger
from audit.bundle import read_bundle
from audit.receipt import parse_receipt, receipt_member_key
from audit.verify import verify
from voting import chatham
from voting import commands as c
from voting import events as ev
from voting.errors import DomainError
from voting.seal import mark_key

pytestmark = pytest.mark.unit

ORIGIN = "test.tellers.invalid/chatham"


def at(minute: int) -> str:
    return f"2026-02-01T19:{minute:02d}:00Z"


def held(path: Path, *, close: bool = True
         ) -> tuple[Ledger, dict[str, int], dict[str, tuple[str, str, str]]]:
    """A meeting of four held unattributed, with a secret ballot; each voter's entry and key."""
    ledger = Ledger.open(path, origin=ORIGIN)
    ledger.submit(c.FoundBody(at(0), "a", name="Hidden Hall"))
    for n, member in enumerate(("a", "b", "c", "d"), 1):
        roles = ("chair", "secretary", "member") if member == "a" else ("member",)
        ledger.submit(c.AdmitMember(at(n), "a", member=member, name=f"Name {member.upper()}",
                                    roles=roles))
    ledger.submit(c.ConveneMeeting(at(5), "a", meeting="h", title="H", chair="a", secretary="a",
                                   quorum_number=2, publication="unattributed"))
    for member in ("a", "b", "c", "d"):
        ledger.submit(c.RecordAttendance(at(6), "a", meeting="h", member=member))
    ledger.submit(c.StartBusiness(at(7), "a", meeting="h"))
    ledger.submit(c.MoveMotion(at(8), "b", motion="m", meeting="h", title="M", text="That."))
    ledger.submit(c.SecondMotion(at(9), "c", motion="m"))
    ledger.submit(c.OpenDebate(at(10), "a", motion="m"))
    ledger.submit(c.OpenBallot(at(11), "a", ballot="v", subject="m", method="secret"))
    entry: dict[str, int] = {}
    keys: dict[str, tuple[str, str, str]] = {}  # member -> tracker, mark key, member key
    ballot_secret = ledger.store.secret("ballot", "v")
    assert ballot_secret is not None
    for member, choice in (("a", "for"), ("b", "for"), ("c", "against")):
        # a caller's mark key over the member id is replaced by the pseudonym's
        done = ledger.submit(c.CastVote(at(12), member, ballot="v", choice=choice,
                                        mark_key=mark_key(ballot_secret, member)))
        assert done.mark_key != mark_key(ballot_secret, member)
        entry[member] = done.first_index
        keys[member] = (done.tracker, done.mark_key, done.member_key)
    ledger.submit(c.CloseBallot(at(13), "a", ballot="v"))
    if close:
        ledger.submit(c.CloseMeeting(at(14), "a", meeting="h"))
    return ledger, entry, keys


def test_the_secret_is_drawn_kept_and_deleted_at_the_close(tmp_path: Path) -> None:
    ledger, _, keys = held(tmp_path / "open", close=False)
    secret = ledger.store.secret("meeting", "h")
    assert secret is not None  # drawn by the shell
    assert ledger.state.meetings["h"].commitment == chatham.commitment("h", secret)
    assert keys["b"][2] == chatham.member_key(secret, "b")
    log = b"".join(ledger.entry_bytes())
    assert secret.encode() not in log and b"Name B" not in log.split(b"meeting_convened")[-1]
    ledger.submit(c.CloseMeeting(at(14), "a", meeting="h"))
    assert ledger.store.secret("meeting", "h") is None
    error = "holds no secret"
    ledger.submit(c.ConveneMeeting(at(15), "a", meeting="h2", title="H2", chair="a",
                                   secretary="a", quorum_number=1, publication="unattributed"))
    with ledger.store.transaction() as conn:  # a store that lost the secret refuses, in words
        from api.storage import ballot_secrets
        conn.execute(ballot_secrets.delete())
    with pytest.raises(DomainError, match=error):
        ledger.submit(c.RecordAttendance(at(16), "a", meeting="h2", member="b"))
    ledger.close()


def test_a_members_receipt_opens_their_sealed_vote_and_the_bundle_verifies(tmp_path: Path
                                                                         ) -> None:
    ledger, entry, keys = held(tmp_path / "i")
    tracker, mark, member_key = keys["b"]
    text = ledger.receipt(entry["b"], tracker=tracker, mark_key=mark, member_key=member_key)
    assert receipt_member_key(parse_receipt(text).extra) == member_key
    directory = tmp_path / "bundle"
    ledger.write_bundle(directory)
    report = verify(read_bundle(directory), key=ledger.vkey, member="b",
                    receipts=[("b.proof", text)])
    assert report.ok, report.failure
    assert any(r.type == "motion_moved" for r in report.records)  # b moved, and it shows
    detail = next(r.detail for r in report.checks if r.check.value == "C-RECEIPT")
    assert "counted as for" in detail, detail
    proof = tmp_path / "b.proof"  # the same from the command line
    proof.write_text(text, encoding="utf-8")
    state = ["--state-dir", str(tmp_path / "state")]  # this machine's pins, kept here
    args = ["verify", str(directory), "--key", ledger.vkey, *state, "--member", "b",
            "--receipt", str(proof)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "acts as p-" in result.output and "C-MEMBER" in result.output
    result = CliRunner().invoke(main, [*args[:6], "--member", "c", *args[8:]])
    assert result.exit_code != 0 and "opens no pseudonym of c" in result.output, result.output
    votes = [e for e in ledger.events() if isinstance(e, ev.VoteCast | ev.SecretVoteCast)]
    assert votes and all(isinstance(e, ev.SecretVoteCast) for e in votes)
    closed = next(e for e in ledger.events() if isinstance(e, ev.BallotClosed))
    assert all(chatham.is_pseudonym(m) for pair in closed.voters for m in pair)
    ledger.close()

"""What the decider accepts, the verifier accepts: every random proceeding, submitted through a
real ledger and bundled as ``tellers demo --bundle`` bundles one, passes every check of
``audit.verify.verify`` with the log's key pinned (docs/verifying.md, C-TIME).

The proceedings (``voting.testing.proceedings``) have awkward times (repeated, a microsecond
apart, across a leap day or a year's end, fractions of any length) and names, titles and
motion texts pasted in decomposed form, so a time or a text the decider lets through but the
log cannot hold would fail C-TIME, C-CANON or C-REPLAY here.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from api.ledger import Ledger
from audit.bundle import read_bundle, write_bundle
from audit.known import KnownState
from audit.report import Check, Status, member_records
from audit.verify import verify
from voting import commands as c
from voting import events as ev
from voting.events import Event
from voting.minutes import minutes_of
from voting.nfc import UnloggableText
from voting.testing import proceedings
from voting.times import InvalidTime, TimeGoesBack

pytestmark = [pytest.mark.api, pytest.mark.slow]

ORIGIN = "test.tellers.invalid/accepted"
MEMBER = "p00"  # the chair in every proceeding: admitted, present, and often a voter


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=proceedings())
def test_every_history_the_decider_accepts_verifies_through_a_ledger_and_a_bundle(
    steps: list[tuple[c.Command, tuple[Event, ...]]],
) -> None:
    with tempfile.TemporaryDirectory(prefix="tellers-accepted-") as scratch:
        root = Path(scratch)
        ledger = Ledger.open(root / "instance", origin=ORIGIN, checkpoint_every=8)
        try:
            receipts: list[tuple[str, str]] = []
            for command, events in steps:
                submitted = ledger.submit(command)
                assert submitted.events == events
                for index, event in zip(submitted.indices, submitted.events, strict=True):
                    if next(member_records(index, event, MEMBER), None) is None:
                        continue
                    tracker = (command.tracker if isinstance(event, ev.SecretVoteCast)
                               and isinstance(command, c.CastVote) else "")  # fmt: skip
                    receipts.append((f"{MEMBER}-{index}.proof",
                                     ledger.receipt(index, tracker=tracker)))
            latest = ledger.checkpoint()
            assert latest.checkpoint.size == ledger.log.size
            write_bundle(root / "bundle", entries=ledger.entry_bytes(),
                         checkpoints=list(ledger.checkpoints()), vkey=ledger.vkey,
                         minutes=minutes_of(ledger.state, ledger.events()).by_entry())
            vkey = ledger.vkey
        finally:
            ledger.close()
        report = verify(read_bundle(root / "bundle"), key=vkey,
                        known=KnownState(root / "known.json"), member=MEMBER, receipts=receipts)
    assert receipts, "the member's admission, at least, is theirs to prove"
    assert report.ok, report.failure
    assert {result.check: result.status for result in report.checks} == {
        check: Status.PASS for check in Check}, report.checks
    assert report.key_pinned
    assert report.counts.entries == sum(len(events) for _, events in steps)
    closes = sum(isinstance(e, ev.BallotClosed) for _, events in steps for e in events)
    assert report.counts.ballots_recounted == closes


def test_the_ledger_signs_nothing_for_a_time_or_a_text_the_log_cannot_hold(
    tmp_path: Path,
) -> None:
    """Refused before anything is stored or signed; a decomposed name is stored composed."""
    ledger = Ledger.open(tmp_path / "instance", origin=ORIGIN)
    try:
        ledger.submit(c.FoundBody("2025-03-12T10:00:00.5Z", "sec", name="Branch"))
        before = (ledger.store.all_entries(), tuple(ledger.checkpoints()), ledger.log.root(),
                  ledger.state)
        for command, error in [
            (c.AdmitMember("2025-03-12T10:00:00Z", "sec", member="sec", name="Sam"),
             TimeGoesBack),  # earlier, though it sorts after the last as text
            (c.AdmitMember("2025-03-12 10:01:00Z", "sec", member="sec", name="Sam"),
             InvalidTime),
            (c.AdmitMember("2025-03-12T10:01:00Z", "sec", member="sec", name="Sam\ud800"),
             UnloggableText),
        ]:
            with pytest.raises(error):
                ledger.submit(command)
            assert (ledger.store.all_entries(), tuple(ledger.checkpoints()), ledger.log.root(),
                    ledger.state) == before
        submitted = ledger.submit(c.AdmitMember("2025-03-12T10:00:00.5Z", "sec", member="sec",
                                                name="Zoe\u0308", roles=("secretary",)))
        (admitted,) = submitted.events
        assert isinstance(admitted, ev.MemberAdmitted) and admitted.name == "Zo\u00eb"
        assert "Zo\u00eb".encode() in ledger.entry_bytes()[-1]
    finally:
        ledger.close()

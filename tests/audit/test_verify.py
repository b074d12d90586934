"""The verifier on honest bundles: what it reports, pins, remembers and lists for a member.

Tampered bundles are in ``test_tamper.py``; this file holds the honest side,
so that the tamper battery cannot pass by a verifier that refuses everything.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit import verify as verify_module
from audit.bundle import read_bundle
from audit.canonical import canonical, parse
from audit.errors import CanonicalError, StateError
from audit.known import KnownState
from audit.report import Check, Status, VerificationError
from audit.testing import json_values
from audit.verify import canonical_value, verifier_identity, verify
from tests.audit.bundles import (
    LOG_KEY,
    WITNESSES,
    make_bundle,
    meeting_events,
    read_entries,
    receipt_for,
    reseal,
    resign,
    sealed_entry,
    write_entries,
)
from tests.audit.helpers import flip_bit, vectors
from voting.events import BallotClosed, Event
from voting.testing import histories

pytestmark = pytest.mark.unit

KEY = LOG_KEY.vkey()
WITNESS_KEYS = [w.vkey() for w in WITNESSES]


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    return make_bundle(tmp_path / "bundle")


def test_an_honest_bundle_passes_every_check(bundle_dir: Path, tmp_path: Path) -> None:
    entries = read_entries(bundle_dir)
    receipts = [(f"m15-{i}.proof", receipt_for(entries, i)) for i in _vote_indices(entries, "m15")]
    report = verify(read_bundle(bundle_dir), key=KEY, witnesses=WITNESS_KEYS,
                    known=KnownState(tmp_path / "known.json"), member="m15", receipts=receipts)
    assert report.ok, report.failure
    assert [r.check for r in report.checks] == list(Check)
    assert all(r.status is Status.PASS for r in report.checks)
    events = meeting_events()
    assert report.counts.entries == len(events)
    assert report.counts.ballots_recounted == 3  # two questions and the delegates' election
    assert report.counts.votes == 13 + 15 + 15
    assert report.counts.witnesses == report.counts.witnesses_cosigned == 3
    assert report.counts.checkpoints == len(events) // 16 + 1
    assert report.size == len(events)
    assert report.key_pinned and report.witnesses_pinned and report.witness_threshold == 3
    assert report.notes == ()
    report.raise_for_failure()


def test_without_a_pinned_key_the_report_says_so(bundle_dir: Path) -> None:
    report = verify(read_bundle(bundle_dir), key=None)
    assert report.ok
    assert not report.key_pinned
    assert any("not pinned" in note for note in report.notes)
    skipped = [r.check for r in report.checks if r.status is Status.SKIPPED]
    assert skipped == [Check.KNOWN, Check.RECEIPT, Check.MEMBER]


def test_a_pinned_key_is_what_counts_not_the_bundles_own(bundle_dir: Path) -> None:
    """A forger who replaces log.vkey and re-signs fails against the key the member pinned."""
    from tests.audit.bundles import FORGER_KEY

    resign(bundle_dir, FORGER_KEY)
    assert verify(read_bundle(bundle_dir), key=None).ok  # unpinned: the forgery is consistent
    report = verify(read_bundle(bundle_dir), key=KEY)
    assert report.failure is not None and report.failure.check is Check.KEY
    (bundle_dir / "log.vkey").write_text(KEY + "\n")  # the forger puts the real key back
    reseal(bundle_dir)
    report = verify(read_bundle(bundle_dir), key=KEY)
    assert report.failure is not None and report.failure.check is Check.SIG


@pytest.mark.parametrize("threshold", [1, 2, 3])
def test_k_of_n_witnesses(bundle_dir: Path, threshold: int) -> None:
    """WitnessPolicy: the latest checkpoint counts when k of the n pinned witnesses cosigned."""
    from audit.cosignature import Cosigner

    absent = Cosigner.from_seed("witness.example/absent", bytes([99]) * 32).vkey()
    keys = [*WITNESS_KEYS[:threshold], absent]
    ok = verify(read_bundle(bundle_dir), key=KEY, witnesses=keys, witness_threshold=threshold)
    assert ok.ok, ok.failure
    assert ok.counts.witnesses_cosigned == threshold
    too_many = verify(read_bundle(bundle_dir), key=KEY, witnesses=keys,
                      witness_threshold=threshold + 1)
    assert too_many.failure is not None and too_many.failure.check is Check.WITNESS
    assert "absent" in too_many.failure.detail


def test_witness_options_that_make_no_sense_fail_c_witness(bundle_dir: Path) -> None:
    bundle = read_bundle(bundle_dir)
    for report in (verify(bundle, key=KEY, witness_threshold=1),
                   verify(bundle, key=KEY, witnesses=WITNESS_KEYS, witness_threshold=4),
                   verify(bundle, key=KEY, witnesses=["not a key"])):
        assert report.failure is not None and report.failure.check is Check.WITNESS


def test_the_known_checkpoint_is_remembered_and_extended(tmp_path: Path) -> None:
    """C-KNOWN: first sight is remembered; a longer log that extends it passes and moves it on."""
    known = KnownState(tmp_path / "state" / "known.json")
    events = meeting_events()
    short = make_bundle(tmp_path / "short", events[:40])
    first = verify(read_bundle(short), key=KEY, known=known)
    assert first.ok and "first verification" in first.checks[9].detail
    remembered = known.get(LOG_KEY.name)
    assert remembered is not None and remembered.size == 40
    full = make_bundle(tmp_path / "full")
    second = verify(read_bundle(full), key=KEY, known=known)
    assert second.ok and "extends size 40" in second.checks[9].detail
    latest = known.get(LOG_KEY.name)
    assert latest is not None and latest.size == len(events)
    again = verify(read_bundle(full), key=KEY, known=known)
    assert again.ok


def test_a_failed_verification_does_not_move_the_known_checkpoint(tmp_path: Path) -> None:
    known = KnownState(tmp_path / "known.json")
    events = meeting_events()
    assert verify(read_bundle(make_bundle(tmp_path / "a", events[:40])), key=KEY,
                  known=known).ok
    bad = make_bundle(tmp_path / "b")
    entries = read_entries(bad)
    write_entries(bad, [*entries[:-1], entries[-1].replace(b"closed", b"closes")])
    reseal(bad)
    assert not verify(read_bundle(bad), key=KEY, known=known).ok
    remembered = known.get(LOG_KEY.name)
    assert remembered is not None and remembered.size == 40


def test_trust_on_first_use_of_the_key(tmp_path: Path) -> None:
    """C-KEY: once a key was seen for an origin, a bundle under another key for it fails."""
    from tests.audit.bundles import FORGER_KEY

    known = KnownState(tmp_path / "known.json")
    assert verify(read_bundle(make_bundle(tmp_path / "a")), key=None, known=known).ok
    forged = make_bundle(tmp_path / "b", key=FORGER_KEY)
    report = verify(read_bundle(forged), key=None, known=known)
    assert report.failure is not None and report.failure.check is Check.KEY


def test_an_unreadable_state_file_is_an_error_not_a_fresh_start(tmp_path: Path,
                                                                bundle_dir: Path) -> None:
    state = tmp_path / "known.json"
    state.write_text("{broken")
    with pytest.raises(StateError):
        verify(read_bundle(bundle_dir), key=KEY, known=KnownState(state))
    state.write_text(json.dumps({"version": 1, "logs": {LOG_KEY.name: {"size": "x"}}}))
    with pytest.raises(StateError):
        verify(read_bundle(bundle_dir), key=KEY, known=KnownState(state))


def test_an_unwritable_state_file_is_an_error(tmp_path: Path, bundle_dir: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StateError, match=r"cannot (read|write)"):
        verify(read_bundle(bundle_dir), key=KEY, known=KnownState(blocker / "known.json"))


def test_default_state_directory_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert KnownState.in_directory().path == tmp_path / "tellers" / "known.json"
    assert KnownState.in_directory(tmp_path / "x").path == tmp_path / "x" / "known.json"


def test_a_members_records(bundle_dir: Path) -> None:
    """Everything recorded in m10's name: admission, attendance, the motion moved, two votes,
    and standing in the delegates' election: nominated, on the paper, a sealed ranking, elected."""
    report = verify(read_bundle(bundle_dir), key=KEY, member="m10")
    assert report.ok, report.failure
    assert report.member_name == "Jonah Weiss"
    kinds = [r.type for r in report.records]
    assert kinds == ["member_admitted", "attendance_recorded", "motion_moved", "ballot_opened",
                     "vote_cast", "ballot_opened", "vote_cast", "candidate_nominated",
                     "nominations_closed", "nominations_closed", "election_closed",
                     "election_closed"]
    elected = [r.summary for r in report.records if r.type == "election_closed"]
    assert elected == ["voted in secret election delegates (the marked register at the close); "
                       "the papers are in this entry",
                       "elected in election delegates (place 2 in order of election, "
                       "rule scottish_stv_2007)"]
    votes = [r.summary for r in report.records if r.type == "vote_cast"]
    assert votes == ["voted against on ballot b1", "voted against on ballot b2"]
    chair = verify(read_bundle(bundle_dir), key=KEY, member="m01")
    assert any(r.type == "ballot_closed" and r.role == "by" for r in chair.records)
    assert any(r.type == "meeting_convened" and r.role == "chair" for r in chair.records)
    as_json = report.to_json()
    assert as_json["member"]["name"] == "Jonah Weiss"
    assert len(as_json["member"]["records"]) == len(report.records)


def test_an_unknown_member_fails_c_member(bundle_dir: Path) -> None:
    report = verify(read_bundle(bundle_dir), key=KEY, member="m99")
    assert report.failure is not None and report.failure.check is Check.MEMBER
    with pytest.raises(VerificationError, match="C-MEMBER"):
        report.raise_for_failure()


def entry_of(entries: list[bytes], needle: bytes) -> int:
    return next(i for i, e in enumerate(entries) if needle in e)


def _vote_indices(entries: list[bytes], member: str) -> list[int]:
    needle = f'"member":"{member}","voter":"{member}"'.encode()
    return [i for i, e in enumerate(entries) if needle in e]


def test_a_members_receipts_check_against_the_published_log(bundle_dir: Path) -> None:
    """The receipts m15 kept for their two recorded votes prove those entries, in their name."""
    entries = read_entries(bundle_dir)
    indices = _vote_indices(entries, "m15")
    assert len(indices) == 1
    receipts = [(f"m15-{i}.proof", receipt_for(entries, i)) for i in indices]
    sealed, tracker, key = sealed_entry("m15")  # the sealed ranking, anonymous in the log
    receipts.append((f"m15-{sealed}.proof", receipt_for(entries, sealed, tracker=tracker,
                                                       mark_key=key)))
    report = verify(read_bundle(bundle_dir), key=KEY, member="m15", receipts=receipts)
    assert report.ok, report.failure
    (result,) = [r for r in report.checks if r.check is Check.RECEIPT]
    assert result.status is Status.PASS
    assert result.detail.startswith("2 receipts") and "in the name of m15" in result.detail
    alone = verify(read_bundle(bundle_dir), key=KEY, receipts=receipts)
    (result,) = [r for r in alone.checks if r.check is Check.RECEIPT]
    assert alone.ok and "in the name" not in result.detail


def test_a_receipt_for_another_members_entry_fails_c_receipt(bundle_dir: Path) -> None:
    """One leaf cannot satisfy two members (docs/threat-model.md C6): it names only one of them."""
    entries = read_entries(bundle_dir)
    theirs = _vote_indices(entries, "m14")[0]
    report = verify(read_bundle(bundle_dir), key=KEY, member="m15",
                    receipts=[("r.proof", receipt_for(entries, theirs))])
    failure = report.failure
    assert failure is not None and failure.check is Check.RECEIPT and failure.entry == theirs
    assert "records nothing in the name of m15" in failure.detail


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])
@given(history=histories())
def test_random_histories_verify(tmp_path_factory: pytest.TempPathFactory,
                                 history: list[Event]) -> None:
    """Every history the domain's own decider makes verifies, secret ballots and all."""
    directory = make_bundle(tmp_path_factory.mktemp("h"), history, every=5)
    member = "p01"
    report = verify(read_bundle(directory), key=KEY, witnesses=WITNESS_KEYS, member=member)
    assert report.ok, report.failure
    closes = sum(e.TYPE == "ballot_closed" for e in history)
    assert report.counts.ballots_recounted == closes
    assert not any(r.type == "secret_vote_cast" for r in report.records)  # they name nobody
    marked = [e for e in history if isinstance(e, BallotClosed)
              and any(member in pair for pair in e.voters)]
    records = [r for r in report.records if r.role == "voted"]
    assert len(records) == len(marked)
    assert all("the papers are in this entry" in r.summary for r in records)


def test_progress_counts_every_checkpoint_and_every_entry(bundle_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    bundle = read_bundle(bundle_dir)
    seen: list[int] = []
    verify(bundle, key=KEY, progress=seen.append)
    assert sum(seen) == len(bundle.checkpoint_names) + len(meeting_events())
    monkeypatch.setattr(verify_module, "PROGRESS_STEP", 4)  # steps, then the remainder
    steps: list[int] = []
    verify(bundle, key=KEY, progress=steps.append)
    assert sum(steps) == sum(seen) and steps[0] == 4 and max(steps) == 4


def test_the_report_as_json(bundle_dir: Path) -> None:
    data = verify(read_bundle(bundle_dir), key=KEY).to_json()
    assert data["ok"] is True and data["failure"] is None
    assert [c["id"] for c in data["checks"]] == [c.value for c in Check]
    assert data["verifier"]["name"] == "tellers"
    assert len(data["verifier"]["sha256"]) == 64
    json.dumps(data)


def test_every_check_id_has_its_section_in_the_docs() -> None:
    """docs/threat-model.md H2: every verifier check id has its section in docs/verifying.md."""
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "verifying.md").read_text(encoding="utf-8")
    for check in Check:
        assert f"### {check.value} " in text, check


def test_the_verifier_names_its_own_code() -> None:
    """docs/threat-model.md H1: the report carries the verifier's version and a hash of its code."""
    first, second = verifier_identity(), verifier_identity()
    assert first == second
    assert first["version"] and len(first["sha256"]) == 64


# -- the fast road to canonical bytes agrees with audit.canonical -------------------------


def on_both_roads(line: bytes) -> list[object]:
    """canonical_value's answer with orjson (when installed) and with the standard library."""
    answers: list[object] = []
    installed = verify_module._orjson
    for accelerator in (installed, None):
        verify_module._orjson = accelerator
        try:
            answers.append(canonical_value(line))
        except CanonicalError:
            answers.append(CanonicalError)
        finally:
            verify_module._orjson = installed
    return answers


@given(json_values)
def test_canonical_value_accepts_what_canonical_writes(value: object) -> None:
    """RFC 8785: canonical_value(canonical(v)) == v, whichever road it takes."""
    data = canonical(value)  # type: ignore[arg-type]
    assert on_both_roads(data) == [value, value]


@given(json_values, st.data())
def test_canonical_value_refuses_what_parse_refuses(value: object, data: st.DataObject) -> None:
    """On any byte string, canonical_value accepts exactly when audit.canonical.parse does."""
    raw = canonical(value)  # type: ignore[arg-type]
    mutated = flip_bit(raw, data.draw(st.integers(0, len(raw) * 8 - 1)))
    try:
        expected: object = parse(mutated)
    except CanonicalError:
        expected = CanonicalError
    assert on_both_roads(mutated) == [expected, expected]


@pytest.mark.parametrize(
    "text",
    [b'{"a":1.0}', b'{"a":NaN}', b'{"b":1,"a":2}', b'{"a":1,"a":1}', b'{"a": 1}', b'{"a":-0}',
     b'{"a":9007199254740992}', b'{"a":"\\ud800"}', b'{"a":"e\\u0301"}', b'{"a":"\\u0041"}',
     b'\xef\xbb\xbf{"a":1}', b'{"a":"\\/"}', b"[" * 70 + b"]" * 70],
)
def test_canonical_value_refuses_near_misses(text: bytes) -> None:
    assert on_both_roads(text) == [CanonicalError, CanonicalError]


@pytest.mark.parametrize(
    "text",
    [b'{"a":9007199254740991}', b'{"a":-9007199254740991}', b"[]", b'"x"', b"0",
     b'{"a":"\\u001f\\n"}', b'{"a":"\xc3\xa9"}', b'{"\\"":1}'],
)
def test_canonical_value_accepts_the_edges_parse_accepts(text: bytes) -> None:
    assert canonical_value(text) == parse(text)


@pytest.mark.parametrize("depth", range(60, 70))
@pytest.mark.parametrize("inner", [b"", b"1", b'{"a":1}'])
def test_canonical_value_agrees_on_nesting_depth(depth: int, inner: bytes) -> None:
    """audit.canonical.MAX_DEPTH: the fast road measures depth exactly as parse does."""
    for wide in (False, True):
        padding = b"[1]," * 40 if wide else b""
        raw = b"[" + padding + b"[" * depth + inner + b"]" * depth + b"]"
        try:
            expected = parse(raw)
        except CanonicalError:
            with pytest.raises(CanonicalError):
                canonical_value(raw)
        else:
            assert canonical_value(raw) == expected


def test_canonical_value_on_the_rfc8785_vectors() -> None:
    """The published JCS documents: canonical_value answers as audit.canonical.parse does
    (floats and non-ASCII keys are outside the entry schema, so some are refused by both)."""
    data = vectors("jcs_rfc8785.json")
    checked = 0
    for document in data["documents"]:
        raw = bytes.fromhex(document["expected_hex"])
        try:
            reference = parse(raw)
        except CanonicalError:
            with pytest.raises(CanonicalError):
                canonical_value(raw)
        else:
            assert canonical_value(raw) == reference
        checked += 1
    assert checked > 0

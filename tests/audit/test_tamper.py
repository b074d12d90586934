"""Tamper detection (docs/threat-model.md C2, C5): every change to a real bundle is caught, rightly.

Each test starts from an honest bundle of the example meeting (or of a
random history), makes one change, and, where the forger would, rewrites
the unsigned manifest (:func:`reseal`) or even re-signs every checkpoint
with the log's own key (:func:`resign`), so that only the check named can
catch it. ``test_the_untampered_bundle_verifies`` is the control: the
battery cannot pass by a verifier that refuses everything.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from audit.bundle import BundleError, read_bundle, write_bundle
from audit.canonical import canonical, parse
from audit.known import KnownCheckpoint, KnownState
from audit.report import Check, Report
from audit.verify import verify
from tests.audit.bundles import (
    FORGER_KEY,
    LOG_KEY,
    WITNESSES,
    cosign,
    make_bundle,
    make_bundle_files,
    manifest,
    meeting_events,
    minutes_of_entries,
    read_entries,
    receipt_for,
    reseal,
    reseed,
    resign,
    sign,
    size_of,
    write_entries,
)
from voting.events import Event
from voting.testing import histories

pytestmark = pytest.mark.unit

KEY = LOG_KEY.vkey()
WITNESS_KEYS = [w.vkey() for w in WITNESSES]


def check(directory: Path, known: KnownState | None = None) -> Report:
    """Verify with the key and the three witnesses pinned, as a careful member would."""
    return verify(read_bundle(directory), key=KEY, witnesses=WITNESS_KEYS, known=known)


def failed(directory: Path, known: KnownState | None = None) -> tuple[Check, int | None, str]:
    report = check(directory, known)
    failure = report.failure
    assert failure is not None, "the change was not detected"
    return failure.check, failure.entry, failure.detail


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bundle(tmp_path_factory.mktemp("honest") / "bundle")


@pytest.fixture
def copy(honest: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(honest, tmp_path / "bundle"))


def entry_index(entries: list[bytes], needle: bytes) -> int:
    return next(i for i, e in enumerate(entries) if needle in e)


def edit_entry(directory: Path, index: int, change: Callable[[dict], None]) -> None:  # type: ignore[type-arg]
    """Change entry ``index`` as data and write it back canonically (a meaningful forgery)."""
    entries = read_entries(directory)
    value = parse(entries[index])
    change(value)  # type: ignore[arg-type]
    entries[index] = canonical(value)
    write_entries(directory, entries)


def test_the_untampered_bundle_verifies(copy: Path) -> None:
    report = check(copy)
    assert report.ok, report.failure
    assert report.counts.ballots_recounted == 3


# -- bytes of the files ---------------------------------------------------------------


def test_any_change_without_a_new_manifest_is_c_bundle(copy: Path) -> None:
    entries = read_entries(copy)
    index = entry_index(entries, b"Ciara Doyle")
    entries[index] = entries[index].replace(b"Ciara", b"Ciarb")
    write_entries(copy, entries)
    assert failed(copy)[0] is Check.BUNDLE


def test_a_changed_letter_in_an_entry_is_c_root(copy: Path) -> None:
    entries = read_entries(copy)
    index = entry_index(entries, b"Ciara Doyle")
    entries[index] = entries[index].replace(b"Ciara", b"Ciarb")
    write_entries(copy, entries)
    reseal(copy)
    kind, _, detail = failed(copy)
    assert kind is Check.ROOT and "an entry was changed" in detail


def test_a_non_canonical_entry_is_c_canon(copy: Path) -> None:
    entries = read_entries(copy)
    entries[7] = entries[7].replace(b'{"body":', b'{"body": ', 1)
    write_entries(copy, entries)
    reseal(copy)
    assert failed(copy)[:2] == (Check.CANON, 7)


def test_a_wrong_seq_is_c_seq(copy: Path) -> None:
    edit_entry(copy, 9, lambda v: v.update(seq=10))
    reseal(copy)
    assert failed(copy)[:2] == (Check.SEQ, 9)


@pytest.mark.parametrize("time", ["2025-03-12T18:59:00Z", "2025-03-12 19:30:00Z",
                                  "2025-02-30T19:30:00Z", "2025-03-12T19:30:00+01:00", 5])
def test_a_bad_or_earlier_time_is_c_time(copy: Path, time: object) -> None:
    edit_entry(copy, 30, lambda v: v.update(time=time))
    reseal(copy)
    assert failed(copy)[:2] == (Check.TIME, 30)


@pytest.mark.parametrize(
    ("mutation", "expected", "at"),
    [
        ("delete", Check.SEQ, 20),
        ("insert", Check.SEQ, 20),
        ("duplicate", Check.SEQ, 21),
        ("reorder", Check.SEQ, 20),
        ("delete last", Check.ROOT, None),
        ("truncate", Check.ROOT, None),
    ],
)
def test_deleted_inserted_duplicated_reordered_entries(
    copy: Path, mutation: str, expected: Check, at: int | None
) -> None:
    """docs/threat-model.md C2: delete, insert, duplicate, swap leaves; cut below a checkpoint."""
    entries = read_entries(copy)
    if mutation == "delete":
        del entries[20]
    elif mutation == "insert":
        entries.insert(20, entries[30])
    elif mutation == "duplicate":
        entries.insert(21, entries[20])
    elif mutation == "reorder":
        entries[20], entries[21] = entries[21], entries[20]
    elif mutation == "delete last":
        entries.pop()
    else:
        entries = entries[:40]
    write_entries(copy, entries)
    reseal(copy)
    kind, entry, _ = failed(copy)
    assert kind is expected
    if at is not None:
        assert entry == at


def test_reordered_entries_renumbered_to_hide_it_are_c_root(copy: Path) -> None:
    """Swap two events but keep each line's seq and time: only the signed roots catch it."""
    entries = read_entries(copy)
    first, second = parse(entries[20]), parse(entries[21])
    swapped_first = {**second, "seq": first["seq"], "time": first["time"]}  # type: ignore[dict-item]
    swapped_second = {**first, "seq": second["seq"], "time": second["time"]}  # type: ignore[dict-item]
    entries[20], entries[21] = canonical(swapped_first), canonical(swapped_second)  # type: ignore[arg-type]
    write_entries(copy, entries)
    reseal(copy)
    assert failed(copy)[0] is Check.ROOT


def test_a_forged_entry_after_the_last_checkpoint_is_c_root(copy: Path) -> None:
    """An appended leaf without a checkpoint is not covered by any signature."""
    entries = read_entries(copy)
    value = parse(entries[-1])
    entries.append(canonical({**value, "seq": len(entries)}))  # type: ignore[dict-item]
    write_entries(copy, entries)
    reseal(copy)
    kind, entry, detail = failed(copy)
    assert kind is Check.ROOT and entry == len(entries) - 1 and "not covered" in detail


def test_a_flipped_byte_in_a_checkpoint_signature_is_c_sig(copy: Path) -> None:
    name = manifest(copy)["checkpoints"][1]
    note = (copy / name).read_text()
    text, signatures = note.split("\n\n")
    line = signatures.rstrip("\n")
    flipped = line[:-6] + ("A" if line[-6] != "A" else "B") + line[-5:]
    (copy / name).write_text(f"{text}\n\n{flipped}\n")
    reseal(copy)
    report = check(copy)
    assert report.failure is not None and report.failure.check is Check.SIG
    assert report.failure.checkpoint == name


@pytest.mark.parametrize("line", [1, 2])
def test_a_changed_checkpoint_size_or_root_is_c_sig(copy: Path, line: int) -> None:
    name = manifest(copy)["checkpoints"][-1]
    parts = (copy / name).read_text().split("\n")
    parts[line] = "72" if line == 1 else "A" * 43 + "="
    (copy / name).write_text("\n".join(parts))
    reseal(copy)
    assert failed(copy)[0] is Check.SIG


def test_a_checkpoint_signed_by_another_key_is_c_sig(copy: Path) -> None:
    """The forger's key has the log's name but not its key: the pinned key refuses it."""
    entries = read_entries(copy)
    notes = sign(entries, FORGER_KEY)
    (copy / manifest(copy)["checkpoints"][-1]).write_text(notes[-1])
    reseal(copy)
    assert failed(copy)[0] is Check.SIG


def test_a_dropped_last_checkpoint_leaves_entries_unsigned(copy: Path) -> None:
    data = manifest(copy)
    last = data["checkpoints"].pop()
    del data["files"][last]
    (copy / last).unlink()
    (copy / "bundle.json").write_text(json.dumps(data))
    assert failed(copy)[0] in (Check.WITNESS, Check.ROOT)
    # without the stale cosignatures for the dropped size, the roots are what fail
    cosignatures = (copy / "cosignatures").read_text().split("\n\n")
    (copy / "cosignatures").write_text("\n\n".join(cosignatures[:-1]) + "\n")
    reseal(copy)
    assert failed(copy)[0] is Check.ROOT


def test_a_flipped_byte_in_a_cosignature_is_c_witness(copy: Path) -> None:
    raw = bytearray((copy / "cosignatures").read_bytes())
    position = raw.index(b"\n", raw.rindex(b"\xe2\x80\x94")) - 10
    raw[position] = ord("A") if raw[position] != ord("A") else ord("B")
    (copy / "cosignatures").write_bytes(bytes(raw))
    reseal(copy)
    assert failed(copy)[0] is Check.WITNESS


def test_a_missing_cosignature_below_the_threshold_is_c_witness(copy: Path) -> None:
    blocks = (copy / "cosignatures").read_text().split("\n\n")
    lines = blocks[-1].rstrip("\n").split("\n")
    blocks[-1] = "\n".join(lines[:-1]) + "\n"
    (copy / "cosignatures").write_text("\n\n".join(blocks))
    reseal(copy)
    kind, _, detail = failed(copy)
    assert kind is Check.WITNESS and "2 of the required 3" in detail


def test_a_changed_log_vkey_is_c_key(copy: Path) -> None:
    (copy / "log.vkey").write_text(FORGER_KEY.vkey() + "\n")
    reseal(copy)
    assert failed(copy)[0] is Check.KEY
    report = verify(read_bundle(copy), key=None)
    assert report.failure is not None and report.failure.check is Check.SIG


def test_files_missing_or_unlisted_are_c_bundle(copy: Path) -> None:
    (copy / "checkpoints" / "999999.note").write_text("extra")
    assert failed(copy)[0] is Check.BUNDLE
    (copy / "checkpoints" / "999999.note").unlink()
    (copy / "witnesses.vkeys").unlink()
    assert failed(copy)[0] is Check.BUNDLE


# -- ballots: re-signed with the log's own key, so only the recount catches it ---------------


@pytest.mark.parametrize(
    "change",
    [
        lambda body: body.update(for_votes=body["for_votes"] + 1),
        lambda body: body.update(against=body["against"] - 1, for_votes=body["for_votes"] + 1),
        lambda body: body.update(outcome="lost"),
        lambda body: body.update(explanation=body["explanation"].replace("9", "10")),
    ],
)
def test_a_changed_declared_result_is_c_replay(copy: Path, change: Callable[[dict], None]  # type: ignore[type-arg]
                                               ) -> None:
    """The log key's holder re-signs a log with another count: the recount refuses it."""
    entries = read_entries(copy)
    index = max(i for i, e in enumerate(entries) if b'"type":"ballot_closed"' in e)
    edit_entry(copy, index, lambda value: change(value["body"]))
    resign(copy)
    report = check(copy)
    assert report.failure is not None, "a changed count went unnoticed"
    assert report.failure.check is Check.REPLAY
    assert report.failure.entry == index


def test_a_vote_changed_and_resigned_is_c_replay_at_the_close(copy: Path) -> None:
    """Changing one recorded vote makes the declared count wrong at the ballot's close."""
    entries = read_entries(copy)
    index = entry_index(entries, b'"member":"m15","voter":"m15"')
    edit_entry(copy, index, lambda v: v["body"].update(abstain=0, against=1))
    resign(copy)
    kind, entry, detail = failed(copy)
    assert kind is Check.REPLAY and "recount" in detail
    assert entry is not None and entry > index


def test_a_vote_by_someone_not_on_the_roll_is_c_replay(copy: Path) -> None:
    entries = read_entries(copy)
    index = entry_index(entries, b'"member":"m15","voter":"m15"')
    edit_entry(copy, index, lambda v: v["body"].update(member="m99", voter="m99"))
    resign(copy)
    assert failed(copy)[:2] == (Check.REPLAY, index)


# Sealed papers of secret ballots and elections (forged papers, registers and receipts) are
# in tests/audit/test_sealed.py.


# -- history: rollback, rewrite and fork (docs/threat-model.md C5) -------------------------


def test_a_rollback_to_an_older_checkpoint_is_c_known(tmp_path: Path) -> None:
    known = KnownState(tmp_path / "known.json")
    assert check(make_bundle(tmp_path / "new"), known).ok
    old = make_bundle(tmp_path / "old", meeting_events()[:48])
    assert check(old).ok  # honest on its own: only the memory of a newer one catches it
    kind, _, detail = failed(old, known)
    assert kind is Check.KNOWN and "rollback" in detail


def test_a_rewritten_history_resigned_with_the_right_key_is_c_known(tmp_path: Path) -> None:
    """The log key's holder rewrites an early entry and re-signs everything."""
    known = KnownState(tmp_path / "known.json")
    events = meeting_events()
    assert check(make_bundle(tmp_path / "seen", events[:40]), known).ok
    rewritten = make_bundle(tmp_path / "rewritten")
    edit_entry(rewritten, 3, lambda v: v["body"].update(name="Ciara O'Doyle"))
    # the lot's seed is the new log's root at nominations close
    write_entries(rewritten, reseed(read_entries(rewritten)))
    resign(rewritten)
    assert check(rewritten).ok  # self-consistent: only a member who saw the old one can tell
    kind, _, detail = failed(rewritten, known)
    assert kind is Check.KNOWN and "rewritten" in detail


def test_a_fork_at_the_same_size_is_c_known(tmp_path: Path) -> None:
    known = KnownState(tmp_path / "known.json")
    honest = make_bundle(tmp_path / "honest")
    assert check(honest, known).ok
    fork = make_bundle(tmp_path / "fork")
    edit_entry(fork, 3, lambda v: v["body"].update(name="Ciara O'Doyle"))
    resign(fork)
    assert failed(fork, known)[0] is Check.KNOWN


def test_two_checkpoints_of_one_size_with_different_roots_are_c_consist(copy: Path) -> None:
    """The log key signed two trees of one size: the bundle itself shows the fork."""
    entries = read_entries(copy)
    honest_notes = sign(entries)
    forked = list(entries)
    forked[3] = forked[3].replace(b"Ciara", b"Ciarb")
    fork_note = sign(forked[:32], every=32)[0]
    assert size_of(fork_note) == 32 and size_of(honest_notes[1]) == 32
    notes = [*honest_notes[:2], fork_note, *honest_notes[2:]]
    write_bundle(copy, entries=entries, checkpoints=notes, vkey=KEY,
                 cosigned=cosign(honest_notes), witness_vkeys=WITNESS_KEYS)
    report = check(copy)
    assert report.failure is not None and report.failure.check is Check.CONSIST
    assert "fork" in report.failure.detail


def test_checkpoints_out_of_order_are_c_consist(copy: Path) -> None:
    entries = read_entries(copy)
    notes = sign(entries)
    notes[0], notes[1] = notes[1], notes[0]
    make_bundle_files(copy, entries, notes)
    assert failed(copy)[0] is Check.CONSIST


def test_known_state_is_read_per_origin(tmp_path: Path) -> None:
    """A checkpoint remembered for another origin does not bind this one."""
    known = KnownState(tmp_path / "known.json")
    known.record(KnownCheckpoint("other.example/log", 10_000, b"\0" * 32, "k", "note"))
    assert check(make_bundle(tmp_path / "b"), known).ok


# -- Hypothesis: random flips in random files, random swaps, random histories -----------------

FILES = ("entries.jsonl", "checkpoints/000000.note", "checkpoints/000004.note", "cosignatures",
         "log.vkey", "witnesses.vkeys")
EXPECTED = {
    "entries.jsonl": {Check.BUNDLE, Check.CANON, Check.SEQ, Check.TIME, Check.ROOT},
    "checkpoints/000000.note": {Check.SIG},
    "checkpoints/000004.note": {Check.SIG},
    "cosignatures": {Check.WITNESS},
    "log.vkey": {Check.KEY},
    "witnesses.vkeys": {Check.WITNESS},
}

fuzz = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@fuzz
@given(name=st.sampled_from(FILES), data=st.data(), seal=st.booleans())
def test_any_flipped_byte_in_any_file_is_caught(
    honest: Path, tmp_path_factory: pytest.TempPathFactory, name: str, data: st.DataObject,
    seal: bool,
) -> None:
    """Flip one byte anywhere: caught by C-BUNDLE, or (resealed) by the file's own check."""
    directory = Path(shutil.copytree(honest, tmp_path_factory.mktemp("flip") / "b"))
    raw = bytearray((directory / name).read_bytes())
    position = data.draw(st.integers(0, len(raw) - 1), label="position")
    raw[position] ^= data.draw(st.integers(1, 255), label="xor")
    (directory / name).write_bytes(bytes(raw))
    if seal:
        reseal(directory)
    kind = failed(directory)[0]
    assert kind in (EXPECTED[name] if seal else {Check.BUNDLE})


@fuzz
@given(data=st.data())
def test_any_flipped_byte_in_the_manifest_is_caught_or_harmless(
    honest: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """The manifest is unsigned: a change either breaks it or changes nothing it says."""
    directory = Path(shutil.copytree(honest, tmp_path_factory.mktemp("manifest") / "b"))
    raw = bytearray((directory / "bundle.json").read_bytes())
    before = json.loads(raw)
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] ^= data.draw(st.integers(1, 255))
    (directory / "bundle.json").write_bytes(bytes(raw))
    try:
        after = json.loads(bytes(raw))
    except ValueError:
        after = None
    assume(after != before)
    try:
        bundle = read_bundle(directory)
    except BundleError:
        return
    assert not verify(bundle, key=KEY, witnesses=WITNESS_KEYS).ok


@fuzz
@given(data=st.data())
def test_any_swap_of_two_entries_is_caught(
    honest: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    directory = Path(shutil.copytree(honest, tmp_path_factory.mktemp("swap") / "b"))
    entries = read_entries(directory)
    i = data.draw(st.integers(0, len(entries) - 2))
    j = data.draw(st.integers(i + 1, len(entries) - 1))
    entries[i], entries[j] = entries[j], entries[i]
    write_entries(directory, entries)
    reseal(directory)
    assert failed(directory)[:2] == (Check.SEQ, i)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=histories(), data=st.data())
def test_random_histories_refuse_any_changed_entry(
    tmp_path_factory: pytest.TempPathFactory, history: list[Event], data: st.DataObject
) -> None:
    """A random history verifies; with any one byte of any entry changed, it does not."""
    directory = make_bundle(tmp_path_factory.mktemp("history") / "b", history, every=7)
    assert check(directory).ok
    entries = read_entries(directory)
    index = data.draw(st.integers(0, len(entries) - 1))
    raw = bytearray(entries[index])
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] ^= data.draw(st.integers(1, 255))
    assume(b"\n" not in raw)
    entries[index] = bytes(raw)
    write_entries(directory, entries)
    reseal(directory)
    kind, entry, _ = failed(directory)
    assert kind in {Check.CANON, Check.SEQ, Check.TIME, Check.ROOT}
    if kind is not Check.ROOT:
        assert entry == index


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=histories(), data=st.data())
def test_random_histories_refuse_a_resigned_count(
    tmp_path_factory: pytest.TempPathFactory, history: list[Event], data: st.DataObject
) -> None:
    """Re-signed by the log key with one declared count moved: the recount refuses it."""
    directory = make_bundle(tmp_path_factory.mktemp("count") / "b", history, every=7)
    entries = read_entries(directory)
    closes = [i for i, e in enumerate(entries) if b'"type":"ballot_closed"' in e]
    assume(closes)
    index = data.draw(st.sampled_from(closes))
    field = data.draw(st.sampled_from(["for_votes", "against", "abstain"]))
    delta = data.draw(st.sampled_from([-1, 1]))
    value = parse(entries[index])
    assume(value["body"][field] + delta >= 0)  # type: ignore[call-overload,index,operator]
    edit_entry(directory, index, lambda v: v["body"].update({field: v["body"][field] + delta}))
    resign(directory, every=7)
    assert failed(directory)[:2] == (Check.REPLAY, index)


def test_write_bundle_and_the_tamper_helpers_agree(tmp_path: Path) -> None:
    """reseal of an unchanged bundle changes nothing the verifier sees (the helpers are honest)."""
    directory = make_bundle(tmp_path / "b")
    reseal(directory)
    assert check(directory).ok
    entries = read_entries(directory)
    notes = sign(entries)
    write_bundle(directory, entries=entries, checkpoints=notes, vkey=KEY,
                 cosigned=cosign(notes), witness_vkeys=WITNESS_KEYS,
                 minutes=minutes_of_entries(entries))
    assert check(directory).ok


# -- receipts members kept (C-RECEIPT) -------------------------------------------------


def _receipt_failure(directory: Path, receipt: str) -> tuple[Check, int | None, str]:
    report = verify(read_bundle(directory), key=KEY, witnesses=WITNESS_KEYS, member="m15",
                    receipts=[("m15.proof", receipt)])
    failure = report.failure
    assert failure is not None, "the change was not detected"
    return failure.check, failure.entry, failure.detail


def _m15_vote(directory: Path) -> tuple[list[bytes], int, str]:
    entries = read_entries(directory)
    index = entry_index(entries, b'"member":"m15","voter":"m15"')
    return entries, index, receipt_for(entries, index)


def test_a_vote_changed_after_its_receipt_and_resigned_is_c_receipt(copy: Path) -> None:
    """The body re-signs its whole log with one vote changed: the voter's receipt names that
    entry, before the recount finds the declared count wrong at the close."""
    _, index, receipt = _m15_vote(copy)
    edit_entry(copy, index, lambda v: v["body"].update(abstain=0, against=1))
    resign(copy)
    kind, entry, detail = _receipt_failure(copy, receipt)
    assert (kind, entry) == (Check.RECEIPT, index)
    assert "is not the one this receipt was signed for" in detail
    assert failed(copy)[0] is Check.REPLAY  # without the receipt, the recount catches it


def test_history_rewritten_around_a_receipted_vote_is_c_receipt(copy: Path) -> None:
    """Another entry before the vote changed, the log re-signed: the vote itself is intact,
    but the receipt's signed root is not the published history's."""
    entries, index, receipt = _m15_vote(copy)
    earlier = entry_index(entries, b"Ciara Doyle")
    assert earlier < index
    entries[earlier] = entries[earlier].replace(b"Ciara", b"Ciarb")
    write_entries(copy, entries)
    resign(copy)
    kind, entry, detail = _receipt_failure(copy, receipt)
    assert kind is Check.RECEIPT and entry == index
    assert "the history was rewritten" in detail


def test_entries_removed_after_a_receipt_are_c_receipt(copy: Path) -> None:
    entries, index, receipt = _m15_vote(copy)
    write_entries(copy, entries[:index])
    resign(copy)
    kind, _, detail = _receipt_failure(copy, receipt)
    assert kind is Check.RECEIPT and "entries were removed" in detail


@pytest.mark.parametrize("where", ["proof", "signature", "index"])
def test_a_changed_receipt_is_c_receipt(copy: Path, where: str) -> None:
    _, index, receipt = _m15_vote(copy)
    head, _, note = receipt.partition("\n\n")
    lines = head.split("\n")
    if where == "proof":
        lines[2] = lines[3]  # a wrong hash in the path
        changed = "\n".join(lines) + "\n\n" + note
    elif where == "index":
        lines[1] = f"index {index - 1}"
        changed = "\n".join(lines) + "\n\n" + note
    else:
        changed = receipt[:-6] + ("A" if receipt[-6] != "A" else "B") + receipt[-5:]
    kind, _, detail = _receipt_failure(copy, changed)
    assert kind is Check.RECEIPT, detail


def test_a_receipt_signed_by_another_key_is_c_receipt(copy: Path) -> None:
    entries, index, _ = _m15_vote(copy)
    forged = receipt_for(entries, index, key=FORGER_KEY)
    kind, _, detail = _receipt_failure(copy, forged)
    assert kind is Check.RECEIPT and "not a receipt signed by the log key" in detail


def test_something_that_is_not_a_receipt_is_c_receipt(copy: Path) -> None:
    kind, _, detail = _receipt_failure(copy, "hello\n")
    assert kind is Check.RECEIPT and "is not a receipt" in detail


@fuzz
@given(data=st.data())
def test_any_changed_byte_in_a_receipt_is_caught(honest: Path, data: st.DataObject) -> None:
    """A receipt is all signed or all proof: changing any byte of it fails C-RECEIPT."""
    *_, receipt = _m15_vote(honest)
    raw = bytearray(receipt.encode("utf-8"))
    position = data.draw(st.integers(0, len(raw) - 1), label="position")
    raw[position] ^= data.draw(st.integers(1, 255), label="xor")
    try:
        changed = raw.decode("utf-8")
    except UnicodeDecodeError:  # a file that is not text is refused before any check
        assume(False)
        return
    report = verify(read_bundle(honest), key=KEY, member="m15", receipts=[("r", changed)])
    assert report.failure is not None, f"byte {position} of the receipt changed unnoticed"
    assert report.failure.check is Check.RECEIPT

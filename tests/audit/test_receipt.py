"""Receipts in the c2sp.org/tlog-proof format, checked offline (audit.receipt)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.canonical import canonical
from audit.checkpoint import Checkpoint
from audit.cosignature import Cosigner
from audit.errors import AuditError, PolicyError, ProofError, ReceiptError, SignatureError
from audit.log import Log
from audit.note import sign_note
from audit.receipt import (
    Receipt,
    format_receipt,
    parse_receipt,
    receipt_sealed,
    receipt_tracker,
    tracker_extra,
    verify_receipt,
)
from audit.signer import CheckpointSigner, MemorySignerState
from audit.witness import MemoryWitnessState, Witness, WitnessPolicy
from tests.audit.helpers import flip_bit, log_key, vectors

FORMAT = vectors("tlog_proof_format.json")
KEY = log_key()
ENTRIES = [{"type": "vote.cast", "ballot": "b-1", "seq": i} for i in range(21)]


def make_log() -> Log:
    log = Log(CheckpointSigner(KEY, MemorySignerState()))
    for entry in ENTRIES:
        log.append(entry)
    return log


LOG = make_log()
RECEIPT = LOG.receipt(13)


def test_spec_example_parses() -> None:
    """c2sp.org/tlog-proof layout: header, extra, index, proof lines, blank, checkpoint."""
    expected = FORMAT["expected_parse"]
    receipt = parse_receipt(FORMAT["example"])
    assert FORMAT["example"].startswith(expected["header"] + "\n")
    assert receipt.extra is not None
    assert format_receipt(receipt).splitlines()[1] == "extra " + expected["extra_b64"]
    assert receipt.index == expected["index"]
    assert len(receipt.proof) == expected["proof_len"]
    assert receipt.checkpoint.origin == expected["origin"]
    assert receipt.checkpoint.size == expected["tree_size"]
    assert format_receipt(receipt) == FORMAT["example"]


def test_spec_example_does_not_verify() -> None:
    """Its signatures are elided, so it is a layout example only."""
    with pytest.raises(AuditError):
        verify_receipt(FORMAT["example"], b"", KEY.vkey())


def test_a_receipt_verifies_offline_with_only_the_vkey() -> None:
    verified = verify_receipt(RECEIPT, canonical(ENTRIES[13]), KEY.vkey())
    assert verified.index == 13
    assert verified.checkpoint.size == 21
    assert verified.checkpoint.origin == KEY.name
    assert verified.checkpoint.root_hash == LOG.root(21)


def test_the_wrong_entry_fails() -> None:
    with pytest.raises(ProofError):
        verify_receipt(RECEIPT, canonical(ENTRIES[12]), KEY.vkey())


def test_the_wrong_key_fails() -> None:
    with pytest.raises(SignatureError):
        verify_receipt(RECEIPT, canonical(ENTRIES[13]), log_key(seed=8).vkey())


def test_a_checkpoint_of_another_origin_fails() -> None:
    """The key vouches only for its own origin: a checkpoint it signed for another log,
    with a proof that is otherwise right, is refused (R8, C7)."""
    genuine = parse_receipt(RECEIPT)
    foreign = Checkpoint("other.example/log", genuine.checkpoint.size,
                         genuine.checkpoint.root_hash)
    receipt = str(Receipt(genuine.index, genuine.proof, sign_note(foreign.body(), KEY)))
    with pytest.raises(ReceiptError, match=r"other\.example/log"):
        verify_receipt(receipt, canonical(ENTRIES[13]), KEY.vkey())


def test_an_index_moved_fails() -> None:
    moved = RECEIPT.replace("index 13\n", "index 12\n")
    with pytest.raises(ProofError):
        verify_receipt(moved, canonical(ENTRIES[13]), KEY.vkey())


def test_extra_data_round_trips_and_is_not_authenticated() -> None:
    receipt = LOG.receipt(3, extra=b"context")
    parsed = parse_receipt(receipt)
    assert parsed.extra == b"context"
    verify_receipt(receipt, canonical(ENTRIES[3]), KEY.vkey())
    assert str(parsed) == receipt


def test_witness_policy_on_a_receipt() -> None:
    witness = Witness(Cosigner.from_seed("w.example", bytes(32)), {KEY.name: [KEY.verifier()]},
                      MemoryWitnessState())
    log = make_log()
    checkpoint = log.checkpoint()
    cosignature = witness.add_checkpoint(checkpoint.note, 0, [], 1_000)
    receipt = parse_receipt(log.receipt(5))
    cosigned = str(Receipt(receipt.index, receipt.proof, receipt.note + cosignature.line()))
    policy = WitnessPolicy.from_vkeys([witness.vkey], 1)
    verified = verify_receipt(cosigned, canonical(ENTRIES[5]), KEY.vkey(), policy=policy)
    assert verified.cosigners == ("w.example",)
    with pytest.raises(PolicyError):
        verify_receipt(str(receipt), canonical(ENTRIES[5]), KEY.vkey(), policy=policy)
    with pytest.raises(PolicyError):
        verify_receipt(cosigned, canonical(ENTRIES[5]), KEY.vkey(), policy=policy, now=999)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: r.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"),
        lambda r: r.replace("index 13", "index 013"),
        lambda r: r.replace("index 13", "idx 13"),
        lambda r: r.replace("index 13\n", "index 13\nAAAA\n"),
        lambda r: r.replace("index 13\n", "index 13\n" + "A" * 43 + "=\n" * 64),
        lambda r: r.replace("index 13\n", "extra !!\nindex 13\n"),
        lambda r: r.split("\n\n", 1)[0],
        lambda r: r.replace("\n\n", "\n", 1),
    ],
    ids=["header", "leading zero", "no index", "short hash", "too long", "bad extra",
         "no checkpoint", "no blank line"],
)
def test_malformed_receipts(mutate: object) -> None:
    with pytest.raises(AuditError):
        verify_receipt(mutate(RECEIPT), canonical(ENTRIES[13]), KEY.vkey())  # type: ignore[operator]


def test_parse_errors_are_receipt_errors() -> None:
    with pytest.raises(ReceiptError):
        parse_receipt("c2sp.org/tlog-proof@v1\nindex x\n\nnote")


@given(st.data())
def test_any_bit_flip_in_a_receipt_is_rejected(data: st.DataObject) -> None:
    """No single-bit change of a receipt (without extra data) still verifies."""
    raw = RECEIPT.encode("utf-8")
    bit = data.draw(st.integers(min_value=0, max_value=len(raw) * 8 - 1))
    try:
        mutated = flip_bit(raw, bit).decode("utf-8")
    except UnicodeDecodeError:
        return  # not text any more: no receipt to check
    with pytest.raises(AuditError):
        verify_receipt(mutated, canonical(ENTRIES[13]), KEY.vkey())


def test_a_tracker_travels_in_the_extra_line_and_nothing_else_does() -> None:
    tracker = "0123456789abcdef" * 2
    assert receipt_tracker(tracker_extra(tracker)) == tracker
    assert receipt_tracker(None) is None
    assert receipt_tracker(b"something else") is None
    key = "5e" * 32
    extra = tracker_extra(tracker, key)
    assert extra == f"tracker {tracker}\nmark-key {key}".encode()
    assert receipt_sealed(extra) == (tracker, key)
    assert receipt_sealed(tracker_extra(tracker)) == (tracker, "")
    assert receipt_tracker(extra) == tracker
    assert receipt_sealed(b"something else") is None

"""Checkpoint bodies (c2sp.org/tlog-checkpoint), audit.checkpoint."""

from __future__ import annotations

from typing import Any

import pytest

from audit.checkpoint import (
    Checkpoint,
    format_checkpoint,
    origin_hash,
    parse_checkpoint,
    parse_decimal,
)
from audit.errors import CheckpointError
from audit.merkle import EMPTY_ROOT
from audit.note import parse_note
from tests.audit.helpers import vectors

CHECKPOINTS = vectors("checkpoints.json")
MARSHAL = [c for c in CHECKPOINTS["cases"] if c["kind"] == "marshal"]
PARSE = [c for c in CHECKPOINTS["cases"] if c["kind"] == "parse"]


@pytest.mark.parametrize("case", MARSHAL, ids=lambda c: c["origin"])
def test_marshal(case: dict[str, Any]) -> None:
    root_hash = bytes.fromhex(case["root_hash_hex"])
    assert format_checkpoint(case["origin"], case["tree_size"], root_hash) == case["body"]
    assert Checkpoint(case["origin"], case["tree_size"], root_hash).body() == case["body"]
    parsed = parse_checkpoint(case["body"], hash_size=None)
    assert (parsed.origin, parsed.size, parsed.root_hash) == (
        case["origin"], case["tree_size"], root_hash)


def expected_ok(case: dict[str, Any]) -> bool:
    """Our answer is the strict C2SP one where the vector names one."""
    expect = case.get("expect_if_strict_c2sp", case["expect"])
    return bool(expect.startswith("ok"))


@pytest.mark.parametrize("case", PARSE, ids=lambda c: c["desc"])
def test_parse(case: dict[str, Any]) -> None:
    """Layout rules; the vectors' roots are arbitrary bytes, so hash size is not checked."""
    body = case["body"] if "body" in case else parse_note(case["note"]).text
    if not expected_ok(case):
        with pytest.raises(CheckpointError):
            parse_checkpoint(body, hash_size=None)
        return
    parsed = parse_checkpoint(body, hash_size=None)
    assert parsed.body() == body
    if "origin" in case:
        assert parsed.origin == case["origin"]
        assert parsed.size == case["tree_size"]
        assert parsed.root_hash.hex() == case["root_hash_hex"]
    if "extension_lines" in case:
        assert "".join(f"{line}\n" for line in parsed.extensions) == case["extension_lines"]


def test_strict_policy_is_the_only_departure_from_the_vectors_plain_answer() -> None:
    departures = [c["desc"] for c in PARSE if expected_ok(c) != c["expect"].startswith("ok")]
    assert departures == ["valid with trailing newlines"]


@pytest.mark.parametrize("case", CHECKPOINTS["origin_ids"]["cases"], ids=lambda c: c["desc"])
def test_origin_hash(case: dict[str, str]) -> None:
    """The tlog-witness <origin hash>. (formats_log_id, transparency-dev's own log ID
    scheme, is not something tellers uses, so it is not asserted.)"""
    assert origin_hash(case["origin"]).hex() == case["witness_origin_hash"]


def test_hash_size_is_checked_by_default() -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint("Log\n123\nYmFuYW5hcw==\n")
    body = format_checkpoint("example.org/log", 0, EMPTY_ROOT)
    assert parse_checkpoint(body) == Checkpoint("example.org/log", 0, EMPTY_ROOT)


@pytest.mark.parametrize(
    "body",
    [
        "log\n1\n" + "A" * 43 + "=\n\n",
        "log\n1\n\n",
        "log\n+1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "log\n\u0661\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "log\n9223372036854775808\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "lo\tg\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n",
        "log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n",
    ],
    ids=repr,
)
def test_strictly_refused_bodies(body: str) -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint(body)


def test_largest_size() -> None:
    assert parse_decimal("9223372036854775807", "size") == 2**63 - 1


@pytest.mark.parametrize(
    "args",
    [("", 1, EMPTY_ROOT), ("a\nb", 1, EMPTY_ROOT), ("log", -1, EMPTY_ROOT),
     ("log", 2**63, EMPTY_ROOT), ("log", 1, b""), ("log", True, EMPTY_ROOT)],
    ids=repr,
)
def test_checkpoint_values_are_checked(args: tuple[Any, ...]) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint(*args)


def test_extension_lines_must_be_non_empty() -> None:
    with pytest.raises(CheckpointError):
        Checkpoint("log", 1, EMPTY_ROOT, ("",))
    cp = Checkpoint("log", 1, EMPTY_ROOT, ("ext one", "two"))
    assert parse_checkpoint(cp.body()) == cp

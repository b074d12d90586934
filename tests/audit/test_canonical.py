"""Canonical entry bytes: RFC 8785 on the narrow entry schema (audit.canonical)."""

from __future__ import annotations

import json
import re
import struct
import unicodedata
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from audit.canonical import MAX_DEPTH, MAX_SAFE_INTEGER, canonical, parse, to_nfc
from audit.errors import AuditError, CanonicalError
from audit.testing import json_values
from tests.audit.helpers import vectors

JCS = vectors("jcs_rfc8785.json")


def in_schema(value: Any) -> bool:
    """The test's own statement of the schema: no floats, ASCII keys, NFC strings, safe ints."""
    if isinstance(value, float):
        return False
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return abs(value) <= MAX_SAFE_INTEGER
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value) == value
    if isinstance(value, list):
        return all(in_schema(item) for item in value)
    return all(key.isascii() and in_schema(item) for key, item in value.items())


# RFC 8785 vectors (jcs_rfc8785.json)


@pytest.mark.parametrize("doc", JCS["documents"], ids=lambda d: d["name"])
def test_jcs_document_encoder_conformance(doc: dict[str, Any]) -> None:
    """RFC 8785 §3.2: the rfc8785 package we build on writes the reference bytes."""
    expected = bytes.fromhex(doc["expected_hex"])
    assert expected == doc["expected_utf8"].encode("utf-8")
    assert rfc8785.dumps(json.loads(doc["input"])) == expected


@pytest.mark.parametrize("doc", JCS["documents"], ids=lambda d: d["name"])
def test_jcs_document_through_the_entry_schema(doc: dict[str, Any]) -> None:
    """Inside the schema canonical() gives the reference bytes; outside it refuses."""
    value = json.loads(doc["input"])
    expected = bytes.fromhex(doc["expected_hex"])
    if in_schema(value):
        assert canonical(value) == expected
    else:
        with pytest.raises(CanonicalError):
            canonical(value)
    if in_schema(json.loads(expected)):
        assert canonical(parse(expected)) == expected
    else:
        with pytest.raises(CanonicalError):
            parse(expected)


def test_jcs_documents_exercise_both_sides_of_the_schema() -> None:
    """The vectors hold documents our schema accepts and documents it refuses."""
    verdicts = {in_schema(json.loads(doc["input"])) for doc in JCS["documents"]}
    assert verdicts == {True, False}


@pytest.mark.parametrize("case", JCS["numbers"], ids=lambda c: c["ieee754_hex"])
def test_jcs_numbers(case: dict[str, Any]) -> None:
    """RFC 8785 §3.2.2.3 through rfc8785; our schema refuses every float, and parses only
    the integer literals within ±(2**53 - 1)."""
    (number,) = struct.unpack(">d", bytes.fromhex(case["ieee754_hex"]))
    expected = case["expected"]
    if expected is None:
        with pytest.raises(rfc8785.CanonicalizationError):
            rfc8785.dumps(number)
        return
    assert rfc8785.dumps(number) == expected.encode("ascii")
    with pytest.raises(CanonicalError):
        canonical(number)
    literal = re.fullmatch(r"-?(0|[1-9][0-9]*)", expected)
    if literal and abs(int(expected)) <= MAX_SAFE_INTEGER:
        assert parse(expected.encode()) == int(expected)
    else:
        with pytest.raises(CanonicalError):
            parse(expected.encode())


POLICY_VALUES: dict[str, object] = {
    "2**53 - 1 (9007199254740991) as an integer": 2**53 - 1,
    "2**53 (9007199254740992) as a Python int": 2**53,
    "-(2**53) + 1": -(2**53) + 1,
    "-(2**53)": -(2**53),
    "a lone surrogate '\\udead' inside a Python str": "\udead",
    "object with a non-string key": {1: "one"},
}


@pytest.mark.parametrize("case", JCS["domain_policy_cases"]["cases"], ids=lambda c: c["value"])
def test_jcs_domain_policy(case: dict[str, str]) -> None:
    """The integer domain and string rules the vectors state in words."""
    assert case["value"] in POLICY_VALUES, "a new policy case needs its value here"
    value = POLICY_VALUES[case["value"]]
    if case["expect"].startswith("ok"):
        assert parse(canonical(value)) == value  # type: ignore[arg-type]
    else:
        with pytest.raises(CanonicalError):
            canonical(value)  # type: ignore[arg-type]


# The schema, case by case


def test_key_order_and_no_whitespace() -> None:
    assert canonical({"b": 1, "a": [True, None, "x"]}) == b'{"a":[true,null,"x"],"b":1}'


def test_non_ascii_values_are_kept_as_utf8() -> None:
    assert canonical({"text": "Grüße"}) == '{"text":"Grüße"}'.encode()


@pytest.mark.parametrize(
    "value",
    [
        1.0,
        {"a": 0.5},
        {"é": 1},
        "A\u030a",
        MAX_SAFE_INTEGER + 1,
        -MAX_SAFE_INTEGER - 1,
        (1, 2),
        b"bytes",
        {1: "x"},
        "\ud800",
    ],
    ids=repr,
)
def test_values_outside_the_schema_are_refused(value: object) -> None:
    with pytest.raises(CanonicalError):
        canonical(value)  # type: ignore[arg-type]


def test_nesting_limit() -> None:
    deep: list[object] = []
    cursor = deep
    for _ in range(MAX_DEPTH):
        cursor.append([])
        cursor = cursor[0]  # type: ignore[assignment]
    canonical(deep)  # type: ignore[arg-type]
    cursor.append([])
    with pytest.raises(CanonicalError):
        canonical(deep)  # type: ignore[arg-type]


def test_a_cycle_is_refused_not_a_crash() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(CanonicalError):
        canonical(loop)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1,"a":1}',
        b'{"a": 1}',
        b'{"b":1,"a":2}',
        b"1.0",
        b"1e2",
        b"-0",
        b"NaN",
        b"Infinity",
        b'"\\u0041"',
        b'"\\/"',
        b"\xef\xbb\xbf1",
        b'"\xff"',
        b"",
        b"[1,]",
        b'"A\xcc\x8a"',
        b"9007199254740992",
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=lambda d: repr(d[:20]),
)
def test_parse_refuses_non_canonical_bytes(data: bytes) -> None:
    with pytest.raises(CanonicalError):
        parse(data)


def test_parse_takes_bytes_only() -> None:
    with pytest.raises(CanonicalError):
        parse('{"a":1}')  # type: ignore[arg-type]


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        canonical(1.5)  # type: ignore[arg-type]
    assert issubclass(CanonicalError, AuditError)


def test_to_nfc_normalises_keys_and_values() -> None:
    value = {"A\u030a": ["A\u030a", 1]}
    assert to_nfc(value) == {"\u00c5": ["\u00c5", 1]}
    assert canonical(to_nfc({"name": ["A\u030a"]})) == '{"name":["\u00c5"]}'.encode()


# Properties


@given(json_values)
def test_round_trip(value: Any) -> None:
    """RFC 8785 round trip: parse(canonical(v)) == v and canonical(parse(b)) == b."""
    data = canonical(value)
    assert parse(data) == value
    assert canonical(parse(data)) == data


@given(json_values, st.sampled_from([{"indent": 1}, {"separators": (", ", ": ")}]))
def test_other_encodings_of_the_same_value_are_refused(value: Any, style: Any) -> None:
    """One logical entry has one byte string: any other JSON spelling of it is refused."""
    other = json.dumps(value, ensure_ascii=False, **style).encode()
    if other == canonical(value):
        assert parse(other) == value
    else:
        with pytest.raises(CanonicalError):
            parse(other)

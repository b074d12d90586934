"""Bundles: written and read back byte for byte; the manifest against its published JSON Schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.bundle import (
    MANIFEST_SCHEMA,
    Bundle,
    BundleError,
    format_cosignatures,
    parse_cosignatures,
    read_bundle,
    read_bundle_from,
    write_bundle,
)
from tests.audit.bundles import (
    LOG_KEY,
    WITNESSES,
    cosign,
    entries_of,
    make_bundle,
    manifest,
    meeting_events,
    sign,
)
from tests.conftest import ROOT

pytestmark = pytest.mark.unit


# A small JSON Schema checker for exactly the keywords MANIFEST_SCHEMA uses (there is no
# jsonschema library among the dependencies); it refuses any keyword it does not know.
_KNOWN = {"$schema", "$id", "title", "description", "type", "required", "additionalProperties",
          "properties", "const", "minLength", "minimum", "minItems", "items", "pattern",
          "propertyNames"}


def schema_errors(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    unknown = set(schema) - _KNOWN
    if unknown:
        raise AssertionError(f"the test's schema checker does not know {unknown}")
    errors: list[str] = []
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "integer": int}
    if kind is not None and (not isinstance(value, types[kind])
                             or (kind == "integer" and isinstance(value, bool))):
        return [f"{where}: not {kind}"]
    if "const" in schema and (value != schema["const"] or type(value) is not type(schema["const"])):
        errors.append(f"{where}: not {schema['const']!r}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{where}: too short")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{where}: does not match {schema['pattern']}")
    if isinstance(value, int) and "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{where}: below {schema['minimum']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{where}: too few items")
        for i, item in enumerate(value):
            errors += schema_errors(item, schema.get("items", {}), f"{where}[{i}]")
    if isinstance(value, dict):
        errors += [f"{where}: missing {k}" for k in schema.get("required", ()) if k not in value]
        properties = schema.get("properties", {})
        for key, item in value.items():
            if "propertyNames" in schema:
                errors += schema_errors(key, schema["propertyNames"], f"{where}.{key} (name)")
            if key in properties:
                errors += schema_errors(item, properties[key], f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{where}: unexpected {key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += schema_errors(item, schema["additionalProperties"], f"{where}.{key}")
    return errors


def test_the_published_schema_is_the_one_the_code_holds() -> None:
    """docs/threat-model.md H2: the bundle format is published; docs/bundle.schema.json is it."""
    published = json.loads((ROOT / "docs" / "bundle.schema.json").read_text(encoding="utf-8"))
    assert published == json.loads(json.dumps(MANIFEST_SCHEMA))


def test_a_written_bundle_validates_against_the_schema(tmp_path: Path) -> None:
    make_bundle(tmp_path)
    assert schema_errors(manifest(tmp_path), dict(MANIFEST_SCHEMA)) == []


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda m: m.update(version=2), "version"),
        (lambda m: m.update(size=-1), "size"),
        (lambda m: m.update(extra=1), "unexpected extra"),
        (lambda m: m.pop("origin"), "missing origin"),
        (lambda m: m.update(checkpoints=["../etc/passwd"]), "checkpoints[0]"),
        (lambda m: m["files"].update({"x.txt": {"sha256": "0" * 64, "bytes": 1}}), "(name)"),
        (lambda m: m["files"]["log.vkey"].update(sha256="ABC"), "sha256"),
    ],
)
def test_the_schema_checker_is_not_a_rubber_stamp(tmp_path: Path, change: Any, needle: str
                                                  ) -> None:
    make_bundle(tmp_path)
    data = manifest(tmp_path)
    change(data)
    errors = schema_errors(data, dict(MANIFEST_SCHEMA))
    assert any(needle in error for error in errors), errors


def test_round_trip_keeps_every_byte(tmp_path: Path) -> None:
    entries = entries_of(meeting_events())
    notes = sign(entries)
    cosigned = cosign(notes)
    write_bundle(tmp_path, entries=entries, checkpoints=notes, vkey=LOG_KEY.vkey(),
                 cosigned=cosigned, witness_vkeys=[w.vkey() for w in WITNESSES])
    bundle = read_bundle(tmp_path)
    assert bundle.entries == tuple(entries)
    assert bundle.entries_terminated
    assert (tmp_path / "entries.jsonl").read_bytes() == b"".join(e + b"\n" for e in entries)
    assert bundle.checkpoints == tuple(n.encode() for n in notes)
    assert bundle.vkey == LOG_KEY.vkey()
    assert bundle.witness_vkeys == tuple(w.vkey() for w in WITNESSES)
    assert bundle.origin == LOG_KEY.name
    assert bundle.unlisted == ()
    assert parse_cosignatures(bundle.files["cosignatures"]) == {
        size: tuple(lines) for size, lines in cosigned.items()}
    data = manifest(tmp_path)
    assert data["size"] == len(entries)
    assert data["checkpoints"] == [f"checkpoints/{i:06d}.note" for i in range(len(notes))]
    assert set(data["files"]) == {"entries.jsonl", "log.vkey", "cosignatures",
                                  "witnesses.vkeys", *data["checkpoints"]}
    for name, described in data["files"].items():
        assert bundle.digests[name].sha256 == described["sha256"]
        assert bundle.digests[name].size == described["bytes"]


def test_rewriting_a_bundle_replaces_the_old_one(tmp_path: Path) -> None:
    make_bundle(tmp_path, every=4)
    many = len(manifest(tmp_path)["checkpoints"])
    make_bundle(tmp_path, every=32, witnesses=())
    data = manifest(tmp_path)
    assert len(data["checkpoints"]) < many
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == [
        name.split("/")[1] for name in data["checkpoints"]]
    assert not (tmp_path / "cosignatures").exists()
    assert read_bundle(tmp_path).unlisted == ()


def test_write_refuses_what_it_cannot_write_unambiguously(tmp_path: Path) -> None:
    entries = entries_of(meeting_events())
    notes = sign(entries)
    with pytest.raises(BundleError, match="checkpoint"):
        write_bundle(tmp_path / "a", entries=entries, checkpoints=[], vkey=LOG_KEY.vkey())
    with pytest.raises(BundleError, match="entry 1"):
        write_bundle(tmp_path / "b", entries=[entries[0], b"{}\n{}"], checkpoints=notes,
                     vkey=LOG_KEY.vkey())
    with pytest.raises(BundleError, match="witnesses"):
        write_bundle(tmp_path / "c", entries=entries, checkpoints=notes, vkey=LOG_KEY.vkey(),
                     cosigned=cosign(notes))
    other = tmp_path / "someone-elses"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(BundleError, match="refusing"):
        write_bundle(other, entries=entries, checkpoints=notes, vkey=LOG_KEY.vkey())
    assert (other / "notes.txt").read_text() == "mine"


def test_reading_something_that_is_no_bundle_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="not a directory"):
        read_bundle(tmp_path / "missing")
    with pytest.raises(BundleError, match=r"no bundle\.json"):
        read_bundle(tmp_path)
    (tmp_path / "bundle.json").write_text("{not json")
    with pytest.raises(BundleError, match="not JSON"):
        read_bundle(tmp_path)
    (tmp_path / "bundle.json").write_text("[]")
    with pytest.raises(BundleError, match="not a JSON object"):
        read_bundle(tmp_path)
    (tmp_path / "bundle.json").write_text('{"format": "other"}')
    with pytest.raises(BundleError, match="not a tellers-bundle"):
        read_bundle(tmp_path)
    (tmp_path / "bundle.json").write_text('{"format": "tellers-bundle", "version": 9}')
    with pytest.raises(BundleError, match="version 9"):
        read_bundle(tmp_path)


def test_reading_leaves_judging_to_the_verifier(tmp_path: Path) -> None:
    """A missing file or a truncated entries file is read, not refused: C-BUNDLE names it."""
    make_bundle(tmp_path)
    (tmp_path / "log.vkey").unlink()
    raw = (tmp_path / "entries.jsonl").read_bytes()
    (tmp_path / "entries.jsonl").write_bytes(raw[:-5])
    (tmp_path / "checkpoints" / "999999.note").write_text("stray")
    bundle = read_bundle(tmp_path)
    assert "log.vkey" not in bundle.digests
    assert bundle.vkey is None
    assert not bundle.entries_terminated
    assert bundle.unlisted == ("checkpoints/999999.note",)


def test_read_through_a_fetch_function_fetches_only_bundle_names(tmp_path: Path) -> None:
    """Over HTTP a bundle is read file by file, each up to its declared size; a manifest
    naming ../x or an absolute path is refused before any file is fetched."""
    make_bundle(tmp_path)
    honest = manifest(tmp_path)
    asked: list[tuple[str, int]] = []

    def fetch_for(data: dict[str, Any]) -> Any:
        def fetch(name: str, limit: int) -> bytes | None:
            asked.append((name, limit))
            if name == "bundle.json":
                return json.dumps(data).encode()
            path = tmp_path / name
            return path.read_bytes() if path.is_file() else None
        return fetch

    bundle = read_bundle_from(fetch_for(honest), "memory")
    assert isinstance(bundle, Bundle)
    assert len(bundle.entries) == len(meeting_events())
    assert {name: limit for name, limit in asked[1:]} == {
        name: described["bytes"] for name, described in honest["files"].items()}
    for change in ({"files": {**honest["files"],
                              "../../etc/passwd": {"sha256": "0" * 64, "bytes": 0}}},
                   {"checkpoints": [*honest["checkpoints"], "/etc/shadow"]}):
        asked.clear()
        with pytest.raises(BundleError, match="malformed"):
            read_bundle_from(fetch_for({**honest, **change}), "memory")
        assert asked == [("bundle.json", 1 << 30)]


lines = st.lists(
    st.builds(lambda w, t: w.cosign("o\n1\n" + "A" * 43 + "=\n", t).line(),
              st.sampled_from(WITNESSES), st.integers(0, 2**40)),
    min_size=1, max_size=3)


@given(st.dictionaries(st.integers(0, 10**6), lines, max_size=4))
def test_cosignature_file_round_trip(cosigned: dict[int, list[str]]) -> None:
    """format_cosignatures and parse_cosignatures are inverses."""
    assert parse_cosignatures(format_cosignatures(cosigned)) == {
        size: tuple(lines) for size, lines in cosigned.items()}


@pytest.mark.parametrize(
    "text",
    [b"size 1\n", b"size 01\n\xe2\x80\x94 w AAAA\n", b"size 1\nnot a signature\n",
     b"size 2\n\xe2\x80\x94 w AAAA\n\nsize 1\n\xe2\x80\x94 w AAAA\n", b"size 1\n\xe2\x80\x94 w A",
     b"\xff", b"sizes 1\n\xe2\x80\x94 w AAAA\n"],
)
def test_a_malformed_cosignature_file_is_refused(text: bytes) -> None:
    with pytest.raises(BundleError):
        parse_cosignatures(text)

"""audit.known: a pinned key is told from one only seen; a pin is replaced only on purpose."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.errors import StateError
from audit.known import KnownCheckpoint, KnownState

pytestmark = pytest.mark.unit

ORIGIN = "example.org/known"


def checkpoint(size: int, vkey: str, pinned: bool) -> KnownCheckpoint:
    return KnownCheckpoint(ORIGIN, size, bytes([size]) * 32, vkey, f"note {size}\n", pinned)


def test_a_pin_is_kept_and_never_downgraded_by_a_run_that_only_saw_the_key(
        tmp_path: Path) -> None:
    known = KnownState(tmp_path / "known.json")
    known.record(checkpoint(3, "key-a", pinned=True))
    known.record(checkpoint(5, "key-a", pinned=False))
    latest = known.get(ORIGIN)
    assert latest is not None and latest.size == 5 and latest.pinned


def test_an_entry_written_before_pins_counts_as_seen(tmp_path: Path) -> None:
    path = tmp_path / "known.json"
    path.write_text(json.dumps({"version": 1, "logs": {ORIGIN: {
        "size": 2, "root": "AA==", "vkey": "key-a", "checkpoint": "n"}}}))
    old = KnownState(path).get(ORIGIN)
    assert old is not None and not old.pinned


@pytest.mark.parametrize("damage", [{"pinned": "yes"}, {"pinned": 1}, {"root": "%%"}])
def test_a_damaged_entry_is_an_error(tmp_path: Path, damage: dict[str, object]) -> None:
    path = tmp_path / "known.json"
    entry = {"size": 2, "root": "AA==", "vkey": "key-a", "checkpoint": "n", **damage}
    path.write_text(json.dumps({"version": 1, "logs": {ORIGIN: entry}}))
    with pytest.raises(StateError, match="damaged"):
        KnownState(path).get(ORIGIN)


def test_replacing_sets_the_old_entry_aside_as_evidence(tmp_path: Path) -> None:
    known = KnownState(tmp_path / "known.json")
    known.record(checkpoint(7, "key-a", pinned=True))
    replacing = known.replacing(ORIGIN)
    assert replacing.get(ORIGIN) is None  # as if never verified here
    assert known.get(ORIGIN) is not None  # the file itself is unchanged until a record
    replacing.record(checkpoint(2, "key-b", pinned=True))
    latest = known.get(ORIGIN)
    assert latest is not None and (latest.vkey, latest.size) == ("key-b", 2)
    data = json.loads((tmp_path / "known.json").read_text())
    assert [(old["origin"], old["vkey"], old["size"]) for old in data["replaced"]] == [
        (ORIGIN, "key-a", 7)]


def test_a_replaced_list_of_the_wrong_type_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "known.json"
    path.write_text(json.dumps({"version": 1, "logs": {}, "replaced": {}}))
    with pytest.raises(StateError, match="not a tellers known-checkpoint file"):
        KnownState(path).get(ORIGIN)

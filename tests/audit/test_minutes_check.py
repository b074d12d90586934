"""C-MINUTES: the minutes a bundle publishes are the minutes rendered from its checked log.

The minutes are not under any signature; the verifier renders them from the
signed, replayed log and compares. Each forgery here is made by an operator
holding the log key: the minutes are edited, every checkpoint is signed afresh
with the log's own key, the witnesses cosign, and the manifest is rewritten,
so that only C-MINUTES can catch it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from audit.bundle import MANIFEST, minutes_entry, minutes_file, read_bundle, read_bundle_from
from audit.report import Check, Report
from audit.verify import verify
from tests.audit.bundles import (
    LOG_KEY,
    WITNESSES,
    entries_of,
    make_bundle,
    manifest,
    meeting_events,
    minutes_of_entries,
    reseal,
    resign,
)
from voting import commands as c
from voting.decider import execute
from voting.minutes import render_minutes
from voting.state import BodyState

pytestmark = pytest.mark.unit

KEY = LOG_KEY.vkey()
WITNESS_KEYS = [w.vkey() for w in WITNESSES]
MEETING_FILE = "minutes/000016.md"  # the example meeting is convened by entry 16
BODY_FILE = "minutes/000000.md"  # the body's own business, under its founding


def check(directory: Path) -> Report:
    return verify(read_bundle(directory), key=KEY, witnesses=WITNESS_KEYS)


def failure(directory: Path) -> tuple[Check, int | None, str]:
    report = check(directory)
    failed = report.failure
    assert failed is not None, "the forged minutes were not detected"
    assert report.minutes is None  # no minutes come out of a failed verification
    return failed.check, failed.entry, failed.detail


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bundle(tmp_path_factory.mktemp("honest") / "bundle")


@pytest.fixture
def copy(honest: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(honest, tmp_path / "bundle"))


def forge(directory: Path, change: Callable[[str], str]) -> None:
    """The operator with the key: re-sign everything, then publish edited minutes."""
    resign(directory)
    path = directory / MEETING_FILE
    text = path.read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text, "the forgery changed nothing"
    path.write_text(changed, encoding="utf-8")
    reseal(directory)


def test_the_honest_bundle_carries_the_minutes_and_they_pass(copy: Path) -> None:
    report = check(copy)
    assert report.ok, report.failure
    (result,) = [r for r in report.checks if r.check is Check.MINUTES]
    assert ("the minutes of 1 meeting(s) and of the body's own business are exactly the ones "
            "rendered") in result.detail
    assert [r.check for r in report.checks].index(Check.MINUTES) == \
        [r.check for r in report.checks].index(Check.REPLAY) + 1
    assert sorted(manifest(copy)["files"]).count(MEETING_FILE) == 1
    events = meeting_events()
    published = (copy / MEETING_FILE).read_text(encoding="utf-8")
    assert published == render_minutes(BodyState(name="Left Organising Group"), events,
                                       "2025-03")
    body = (copy / BODY_FILE).read_text(encoding="utf-8")
    assert body == render_minutes(BodyState(name="Left Organising Group"), events, "")
    assert report.minutes is not None and report.minutes.by_entry() == {0: body, 16: published}


@pytest.mark.parametrize(
    "forgery",
    [
        # a vote left out: a name dropped from those recorded for the amendment
        lambda t: t.replace("- For (8): Ben Carter, Ciara Doyle,", "- For (7): Ciara Doyle,"),
        # a name changed: the mover of the motion
        lambda t: t.replace("Moved by Jonah Weiss.", "Moved by Aisha Khan."),
        # a line added: a ruling nobody made
        lambda t: t.replace("- 19:34 The chair opened the debate.\n",
                            "- 19:34 The chair opened the debate.\n"
                            "- 19:34 The chair ruled the motion out of order.\n"),
        # the end cut off: the result of the election left out
        lambda t: t[:t.index("20:32 **Elected")],
    ],
    ids=["vote-left-out", "name-changed", "line-added", "cut-short"],
)
def test_edited_minutes_fail_c_minutes_though_all_else_is_re_signed(
        copy: Path, forgery: Callable[[str], str]) -> None:
    rendered = (copy / MEETING_FILE).read_text(encoding="utf-8").split("\n")
    forge(copy, forgery)
    kind, entry, detail = failure(copy)
    assert (kind, entry) == (Check.MINUTES, 16)
    assert f"{MEETING_FILE}, the minutes of meeting '2025-03'" in detail
    forged = (copy / MEETING_FILE).read_text(encoding="utf-8").split("\n")
    first = next(i for i in range(len(rendered)) if i >= len(forged) or rendered[i] != forged[i])
    assert f"line {first + 1} should read {rendered[first][:60]!r}"[:-1] in detail


def test_minutes_left_out_of_the_bundle_fail_c_minutes(copy: Path) -> None:
    """A bundle without a meeting's minutes is refused: every bundle written with this
    version carries them, so their absence is not taken as "nothing to check"."""
    (copy / MEETING_FILE).unlink()
    data = manifest(copy)
    del data["files"][MEETING_FILE]
    (copy / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    kind, entry, detail = failure(copy)
    assert (kind, entry) == (Check.MINUTES, 16)
    assert "does not carry minutes/000016.md, the minutes of meeting '2025-03'" in detail


def test_minutes_of_a_meeting_the_log_does_not_hold_fail_c_minutes(copy: Path) -> None:
    extra = copy / minutes_file(20)
    extra.write_text((copy / MEETING_FILE).read_text(encoding="utf-8"), encoding="utf-8")
    data = manifest(copy)
    data["files"][minutes_file(20)] = {"sha256": "0" * 64, "bytes": 0}
    (copy / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    reseal(copy)
    kind, _, detail = failure(copy)
    assert kind is Check.MINUTES
    assert "minutes/000020.md is not the minutes of a meeting of this log" in detail


def test_minutes_not_in_the_manifest_fail_c_bundle(copy: Path) -> None:
    (copy / "minutes" / "000020.md").write_text("# Minutes\n", encoding="utf-8")
    kind, _, detail = failure(copy)
    assert kind is Check.BUNDLE and "minutes/000020.md" in detail


def test_minutes_that_are_not_utf8_fail_c_minutes(copy: Path) -> None:
    path = copy / MEETING_FILE
    path.write_bytes(path.read_bytes().replace(b"Ciara", b"Ciar\xff", 1))
    reseal(copy)
    kind, _, detail = failure(copy)
    assert kind is Check.MINUTES and "should read" in detail


def test_minutes_changed_without_rewriting_the_manifest_fail_c_bundle(copy: Path) -> None:
    path = copy / MEETING_FILE
    path.write_text(path.read_text(encoding="utf-8") + "\nAddendum.\n", encoding="utf-8")
    assert failure(copy)[0] is Check.BUNDLE


def test_a_log_without_meetings_needs_no_minutes(tmp_path: Path) -> None:
    state, log = execute(BodyState(), c.FoundBody("2025-01-01T10:00:00Z", "a", name="Branch"))
    state, more = execute(state, c.AdmitMember("2025-01-01T10:01:00Z", "a", member="a",
                                               name="Ann", roles=("member",)))
    entries = entries_of([*log, *more])
    assert minutes_of_entries(entries) == {}
    directory = make_bundle(tmp_path / "b", entries=entries)
    assert not (directory / "minutes").exists()
    report = check(directory)
    assert report.ok, report.failure
    (result,) = [r for r in report.checks if r.check is Check.MINUTES]
    assert result.detail == "no meeting in the log, and no minutes in the bundle"


def test_minutes_are_fetched_by_name_over_any_transport(honest: Path) -> None:
    """A bundle served over HTTP is read file by file from its manifest: the minutes too."""
    asked: list[str] = []

    def fetch(name: str, limit: int) -> bytes | None:
        asked.append(name)
        path = honest / name
        return path.read_bytes()[: limit + 1] if path.is_file() else None

    bundle = read_bundle_from(fetch, "memory")
    assert MEETING_FILE in asked
    assert bundle.minutes == {0: (honest / BODY_FILE).read_bytes(),
                              16: (honest / MEETING_FILE).read_bytes()}
    assert verify(bundle, key=KEY).ok


def test_minutes_file_names_have_one_spelling() -> None:
    assert minutes_file(16) == "minutes/000016.md"
    assert minutes_file(1234567) == "minutes/1234567.md"
    assert [minutes_entry(n) for n in ("minutes/000016.md", "minutes/1234567.md")] == \
        [16, 1234567]
    for other in ("minutes/16.md", "minutes/0000016.md", "minutes/000016.txt", "000016.md",
                  "minutes/../000016.md", "minutes/00001\uff16.md", "minutes/-00016.md"):
        assert minutes_entry(other) is None, other

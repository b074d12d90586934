"""``tellers minutes``: the minutes rendered from a checked log, and nothing otherwise."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import main
from audit.bundle import read_bundle
from audit.canonical import parse
from tests.audit.bundles import reseal
from voting.codec import from_entry
from voting.minutes import Minutes, minutes_of
from voting.minutes_formats import minutes_html, minutes_json

MEETING_FILE = "minutes/000016.md"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo's bundle, as ``tellers demo --bundle`` writes it, and its log key."""
    bundle = tmp_path_factory.mktemp("demo") / "bundle"
    result = CliRunner().invoke(main, ["demo", "--bundle", str(bundle)])
    assert result.exit_code == 0, result.output
    assert f"tellers minutes {bundle} --key" in result.output
    return bundle, (bundle / "log.vkey").read_text(encoding="utf-8").strip()


def library_minutes(bundle: Path) -> Minutes:
    """The minutes as the library renders them from the bundle's entries, unchecked."""
    events = [from_entry(parse(line))[1] for line in read_bundle(bundle).entries]
    return minutes_of(None, events)


def minutes(bundle: Path, key: str | None, state: Path, *args: str) -> Result:
    options = ["--key", key] if key is not None else []
    return CliRunner().invoke(main, ["minutes", str(bundle), *options, "--state-dir", str(state),
                                     *args])


def test_the_demo_writes_its_minutes_into_the_bundle(demo: tuple[Path, str]) -> None:
    bundle, _ = demo
    assert sorted(p.name for p in (bundle / "minutes").iterdir()) == ["000000.md", "000016.md"]
    assert (bundle / "minutes" / "000000.md").read_text(encoding="utf-8") == \
        library_minutes(bundle).markdown("")
    assert (bundle / MEETING_FILE).read_text(encoding="utf-8") == \
        library_minutes(bundle).markdown("2025-03")


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_the_command_prints_the_minutes_the_library_renders(demo: tuple[Path, str], fmt: str,
                                                              tmp_path: Path) -> None:
    bundle, key = demo
    result = minutes(bundle, key, tmp_path, "--format", fmt)
    assert result.exit_code == 0, result.output
    library = library_minutes(bundle)
    if fmt == "md":
        assert result.stdout == library.markdown()
    elif fmt == "html":
        assert result.stdout == minutes_html(library)
    else:
        assert json.loads(result.stdout) == minutes_json(library)


def test_one_meeting_is_its_published_file(demo: tuple[Path, str], tmp_path: Path) -> None:
    bundle, key = demo
    result = minutes(bundle, key, tmp_path, "--meeting", "2025-03")
    assert result.exit_code == 0, result.output
    assert result.stdout == (bundle / MEETING_FILE).read_text(encoding="utf-8")
    as_json = minutes(bundle, key, tmp_path, "--meeting", "2025-03", "--format", "json")
    assert [m["id"] for m in json.loads(as_json.stdout)["meetings"]] == ["2025-03"]


def test_forged_minutes_are_not_printed(demo: tuple[Path, str], tmp_path: Path) -> None:
    bundle, key = demo
    forged = Path(shutil.copytree(bundle, tmp_path / "forged"))
    path = forged / MEETING_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("Against (5)", "Against (4)"),
                    encoding="utf-8")
    reseal(forged)
    result = minutes(forged, key, tmp_path / "state")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no minutes printed: C-MINUTES failed at entry 16" in result.stderr
    assert "the minutes of meeting '2025-03'" in result.stderr


def test_without_a_pinned_key_nothing_is_printed(demo: tuple[Path, str], tmp_path: Path) -> None:
    bundle, _ = demo
    result = minutes(bundle, None, tmp_path)
    assert result.exit_code == 3  # as tellers verify: nothing checked against a trusted key
    assert result.stdout == ""
    assert "nothing was verified against a trusted key" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "'pdf' is not one of 'md', 'html', 'json'"),
        (["--meeting", "2025-04"], "no meeting '2025-04' (meetings: '2025-03')"),
        (["--threshold", "2"], "--threshold needs at least one --witness"),
    ],
)
def test_bad_options_exit_2_with_a_message(demo: tuple[Path, str], tmp_path: Path,
                                           args: list[str], message: str) -> None:
    bundle, key = demo
    result = minutes(bundle, key, tmp_path, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.stdout == "" or "Usage:" in result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback


def test_a_missing_or_unreadable_bundle_exits_2(tmp_path: Path, demo: tuple[Path, str]) -> None:
    _, key = demo
    for source, message in ((tmp_path / "nowhere", "is not a directory"),
                            (tmp_path, "has no bundle.json")):
        result = minutes(source, key, tmp_path / "state")
        assert result.exit_code == 2, result.output
        assert message in result.output
        assert isinstance(result.exception, SystemExit)
    bad_key = minutes(tmp_path, str(tmp_path / "no-such.vkey"), tmp_path / "state")
    assert bad_key.exit_code == 2 and "cannot read a key" in bad_key.output


def test_the_command_is_listed(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert "minutes" in result.output

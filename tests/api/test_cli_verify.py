"""``tellers verify``: exit 0 only when all holds against a trusted key, 1 naming the first
bad entry, 2 for usage, 3 when no key was pinned.

Bundles are read from a directory and from ``http://127.0.0.1`` (a
``http.server`` in a thread, loopback only).
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from api.cli import main
from api.commands.demo import ORIGIN as DEMO_ORIGIN
from api.commands.demo import demo_origin
from api.commands.verify import EXIT_UNPINNED
from tests.audit.bundles import (
    FORGER_KEY,
    LOG_KEY,
    WITNESSES,
    make_bundle,
    meeting_events,
    read_entries,
    receipt_for,
    reseal,
    reseed,
    resign,
    write_entries,
)

pytestmark = pytest.mark.api

KEY = LOG_KEY.vkey()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Any]:
    """Serve a directory on 127.0.0.1 at a free port; yields a function giving its base URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(directory: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(directory))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["verify", *args])


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return make_bundle(tmp_path / "bundle")


@pytest.fixture
def state(tmp_path: Path) -> str:
    return str(tmp_path / "state")


def test_an_honest_bundle_exits_0(bundle: Path, state: str) -> None:
    result = run(str(bundle), "--key", KEY, "--state-dir", state)
    assert result.exit_code == 0, result.output + result.stderr
    assert "OK: every check holds" in result.stdout
    assert "C-REPLAY" in result.stdout and "FAIL" not in result.stdout
    assert "3 ballots recounted" in result.stdout
    assert "NOT pinned" not in result.stdout


def test_keys_from_files_and_witness_thresholds(bundle: Path, state: str, tmp_path: Path) -> None:
    (tmp_path / "log.vkey").write_text(KEY + "\n")
    witness_files = []
    for i, witness in enumerate(WITNESSES):
        (tmp_path / f"w{i}.vkey").write_text(witness.vkey())
        witness_files += ["--witness", str(tmp_path / f"w{i}.vkey")]
    result = run(str(bundle), "--key", str(tmp_path / "log.vkey"), *witness_files,
                 "--threshold", "2", "--state-dir", state, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] and report["key"]["pinned"]
    assert report["witnesses"] == {"pinned": True, "threshold": 2}
    assert report["counts"]["witnesses_cosigned"] == 3


def test_json_report_and_member(bundle: Path, state: str) -> None:
    result = run(str(bundle), "--key", KEY, "--member", "m15", "--json", "--state-dir", state)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["member"]["name"] == "Olu Adeyemi"
    assert [r["type"] for r in report["member"]["records"]] == [
        "member_admitted", "attendance_recorded", "ballot_opened", "vote_cast",
        "nominations_closed", "election_closed"]  # the sealed ranking names nobody
    assert report["verifier"]["version"]


def test_a_tampered_bundle_exits_1_naming_the_entry(bundle: Path, state: str) -> None:
    entries = read_entries(bundle)
    index = next(i for i, e in enumerate(entries) if b'"member":"m09","voter"' in e)
    entries[index] = entries[index].replace(b'"abstain":0', b'"abstain":1')
    write_entries(bundle, entries)
    reseal(bundle)
    result = run(str(bundle), "--key", KEY, "--state-dir", state)
    assert result.exit_code == 1
    assert "C-ROOT failed" in result.stderr
    assert "FAILED C-ROOT" in result.stdout
    json_result = run(str(bundle), "--key", KEY, "--state-dir", state, "--json")
    assert json_result.exit_code == 1
    report = json.loads(json_result.stdout)
    assert report["ok"] is False and report["failure"]["id"] == "C-ROOT"


def test_a_bad_entry_is_named_by_its_index(bundle: Path, state: str) -> None:
    entries = read_entries(bundle)
    write_entries(bundle, [*entries[:10], entries[11], entries[10], *entries[12:]])
    reseal(bundle)
    result = run(str(bundle), "--key", KEY, "--state-dir", state)
    assert result.exit_code == 1
    assert "C-SEQ failed at entry 10" in result.stderr


def test_a_rollback_is_caught_across_runs(tmp_path: Path, state: str) -> None:
    full = make_bundle(tmp_path / "full")
    short = make_bundle(tmp_path / "short", meeting_events()[:30])
    assert run(str(full), "--key", KEY, "--state-dir", state).exit_code == 0
    result = run(str(short), "--key", KEY, "--state-dir", state)
    assert result.exit_code == 1
    assert "C-KNOWN" in result.stderr and "rollback" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--threshold", "1"],
        ["--witness", WITNESSES[0].vkey(), "--threshold", "2"],
        ["--threshold", "0", "--witness", WITNESSES[0].vkey()],
        ["--key", "/no/such/key/file"],
    ],
)
def test_usage_errors_exit_2(bundle: Path, state: str, args: list[str]) -> None:
    result = run(str(bundle), "--state-dir", state, *args)
    assert result.exit_code == 2, result.output


def test_an_unreadable_bundle_exits_2(tmp_path: Path, state: str) -> None:
    assert run(str(tmp_path / "missing"), "--state-dir", state).exit_code == 2
    (tmp_path / "empty").mkdir()
    result = run(str(tmp_path / "empty"), "--state-dir", state)
    assert result.exit_code == 2
    assert "not a tellers bundle" in result.stderr
    assert run("ftp://example.org/bundle", "--state-dir", state).exit_code == 2


def test_an_unreadable_state_file_exits_2(bundle: Path, tmp_path: Path) -> None:
    (tmp_path / "bad-state").mkdir()
    (tmp_path / "bad-state" / "known.json").write_text("not json")
    result = run(str(bundle), "--state-dir", str(tmp_path / "bad-state"))
    assert result.exit_code == 2
    assert "not JSON" in result.stderr


def test_a_bundle_over_http(bundle: Path, state: str, serve: Any) -> None:
    base = serve(bundle)
    result = run(base, "--key", KEY, "--state-dir", state, "--json")
    assert result.exit_code == 0, result.output + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["source"] == base
    assert run(base + "/", "--key", KEY, "--state-dir", state).exit_code == 0


def test_a_members_receipt_against_a_bundle_over_http(bundle: Path, state: str, serve: Any,
                                                      tmp_path: Path) -> None:
    """The receipt is a local file, the bundle a URL; a receipt for another entry fails."""
    entries = read_entries(bundle)
    vote = next(i for i, e in enumerate(entries) if b'"member":"m15","voter":"m15"' in e)
    mine, theirs = tmp_path / "mine.proof", tmp_path / "theirs.proof"
    mine.write_text(receipt_for(entries, vote), encoding="utf-8")
    theirs.write_text(receipt_for(entries, vote - 1), encoding="utf-8")
    base = serve(bundle)
    args = [base, "--key", KEY, "--state-dir", state, "--member", "m15"]
    result = run(*args, "--receipt", str(mine))
    assert result.exit_code == 0, result.output + result.stderr
    assert "ok   C-RECEIPT  1 receipts" in result.stdout
    refused = run(*args, "--receipt", str(theirs))
    assert refused.exit_code == 1
    assert "C-RECEIPT" in refused.stderr


def test_a_tampered_bundle_over_http_exits_1(bundle: Path, state: str, serve: Any) -> None:
    entries = read_entries(bundle)
    write_entries(bundle, entries[:-1])
    reseal(bundle)
    result = run(serve(bundle), "--key", KEY, "--state-dir", state)
    assert result.exit_code == 1
    assert "C-ROOT" in result.stderr


def test_no_bundle_at_the_url_exits_2(tmp_path: Path, state: str, serve: Any) -> None:
    (tmp_path / "nothing").mkdir()
    result = run(serve(tmp_path / "nothing"), "--state-dir", state)
    assert result.exit_code == 2
    assert "not a tellers bundle" in result.stderr


def test_an_unreachable_url_exits_2(state: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), QuietHandler)
    port = server.server_address[1]
    server.server_close()  # nothing listens there now
    result = run(f"http://127.0.0.1:{port}/bundle", "--state-dir", state)
    assert result.exit_code == 2


def test_a_progress_bar_on_large_logs(bundle: Path, state: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Large logs show a click.progressbar on stderr; small ones, off a terminal, do not."""
    import api.commands.verify as command

    quiet = run(str(bundle), "--key", KEY, "--state-dir", state)
    assert "verifying" not in quiet.stderr
    monkeypatch.setattr(command, "LARGE", 10)
    loud = run(str(bundle), "--key", KEY, "--state-dir", state)
    assert loud.exit_code == 0
    assert "verifying" in loud.stderr
    assert "verifying" not in loud.stdout


# -- fail closed: no exit 0 without a trusted key -------------------------------------


def forge(directory: Path) -> Path:
    """The operator's forgery: a member renamed, every checkpoint re-signed with a key of the
    operator's choosing (named for the log's origin), the manifest rewritten to match."""
    make_bundle(directory)
    entries = read_entries(directory)
    index = next(i for i, e in enumerate(entries) if b"Ciara Doyle" in e)
    entries[index] = entries[index].replace(b"Ciara Doyle", b"Ciara Forged")
    write_entries(directory, reseed(entries))
    resign(directory, FORGER_KEY)
    return directory


def known_entry(state: str) -> dict[str, Any]:
    data = json.loads((Path(state) / "known.json").read_text(encoding="utf-8"))
    entry: dict[str, Any] = data["logs"][LOG_KEY.name]
    return entry


def test_a_forgery_signed_with_any_key_never_exits_0_without_a_pinned_key(
        tmp_path: Path, state: str) -> None:
    """Every check holds against the forger's own key, so without a pinned key the verifier
    says that nothing was verified against a trusted key, and exits 3."""
    forged = forge(tmp_path / "forged")
    result = run(str(forged), "--state-dir", state)
    assert result.exit_code == EXIT_UNPINNED == 3, result.output
    assert "FAIL" not in result.stdout  # the checks themselves all hold...
    assert "NOT VERIFIED" in result.stdout and "OK: every check holds" not in result.stdout
    assert "nothing was verified against a trusted key" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    as_json = run(str(forged), "--state-dir", state, "--json")
    assert as_json.exit_code == 3
    report = json.loads(as_json.stdout)
    assert report["ok"] is True and report["verified"] is False
    assert report["key"]["pinned"] is False
    # ... and against the key the body published, the forgery is refused.
    pinned = run(str(forged), "--key", KEY, "--state-dir", state)
    assert pinned.exit_code == 1
    assert "C-KEY failed" in pinned.stderr


def test_the_key_pinned_on_this_machine_stands_in_for_key(tmp_path: Path, state: str) -> None:
    """After one run with --key, runs without it verify against the pinned key: the honest
    bundle exits 0, the forgery fails C-KEY with a message saying how to resolve a clash."""
    honest, forged = make_bundle(tmp_path / "honest"), forge(tmp_path / "forged")
    assert run(str(honest), "--key", KEY, "--state-dir", state).exit_code == 0
    assert known_entry(state)["pinned"] is True
    again = run(str(honest), "--state-dir", state)
    assert again.exit_code == 0, again.output
    assert "OK: every check holds" in again.stdout
    assert "pinned here before" in again.stdout
    refused = run(str(forged), "--state-dir", state)
    assert refused.exit_code == 1
    message = refused.stderr
    assert "C-KEY failed" in message
    assert str(Path(state) / "known.json") in message  # which file holds the pin
    assert "--key NEW_KEY --replace-pin" in message  # how to replace it
    assert "warning sign" in message  # and that a changed key is one
    assert FORGER_KEY.vkey() in message and KEY in message
    assert known_entry(state)["vkey"] == KEY  # a failed run changes nothing


def test_an_unpinned_run_trusts_nothing_and_a_pin_is_replaced_only_on_purpose(
        tmp_path: Path, state: str) -> None:
    """A key only seen (unpinned) is never trusted later, though a different key for the
    origin still clashes; --replace-pin pins the new key and keeps the old pin as evidence."""
    honest, forged = make_bundle(tmp_path / "honest"), forge(tmp_path / "forged")
    assert run(str(forged), "--state-dir", state).exit_code == 3
    seen = known_entry(state)
    assert seen["pinned"] is False and seen["vkey"] == FORGER_KEY.vkey()
    assert run(str(forged), "--state-dir", state).exit_code == 3  # seen is not pinned
    clash = run(str(honest), "--key", KEY, "--state-dir", state)
    assert clash.exit_code == 1
    assert "saw (unpinned)" in clash.stderr and "--replace-pin" in clash.stderr
    replaced = run(str(honest), "--key", KEY, "--replace-pin", "--state-dir", state)
    assert replaced.exit_code == 0, replaced.output
    data = json.loads((Path(state) / "known.json").read_text(encoding="utf-8"))
    assert data["logs"][LOG_KEY.name]["vkey"] == KEY
    assert data["logs"][LOG_KEY.name]["pinned"] is True
    assert [old["vkey"] for old in data["replaced"]] == [FORGER_KEY.vkey()]
    assert run(str(honest), "--state-dir", state).exit_code == 0
    assert run(str(forged), "--state-dir", state).exit_code == 1


def test_replace_pin_needs_the_new_key(bundle: Path, state: str) -> None:
    result = run(str(bundle), "--replace-pin", "--state-dir", state)
    assert result.exit_code == 2
    assert "--replace-pin needs --key" in result.stderr


def test_help_documents_every_exit_status() -> None:
    text = run("--help").stdout
    flat = " ".join(text.split())
    for status in ("0 every check holds against a trusted key", "1 a check failed",
                   "2 the bundle or an option cannot be read",
                   "3 every check holds but no key was pinned"):
        assert status in flat
    for option in ("--replace-pin", "--max-bytes", "--timeout", "--follow-redirects"):
        assert option in text


def test_two_demos_on_one_machine_are_two_logs_and_both_verify(tmp_path: Path,
                                                               state: str) -> None:
    """Each demo instance draws its own origin, so a member's verifier, which pins one key
    per origin, verifies the bundles of two demo runs one after the other."""
    runner = CliRunner()
    origins = []
    for name in ("first", "second"):
        made = runner.invoke(main, ["demo", "--instance", str(tmp_path / f"{name}-instance"),
                                    "--bundle", str(tmp_path / name)])
        assert made.exit_code == 0, made.output
        key = (tmp_path / name / "log.vkey").read_text(encoding="utf-8").strip()
        origins.append(json.loads((tmp_path / name / "bundle.json").read_text())["origin"])
        assert key.startswith(origins[-1] + "+")
        checked = run(str(tmp_path / name), "--key", key, "--state-dir", state)
        assert checked.exit_code == 0, checked.output + checked.stderr
    assert origins[0] != origins[1]
    assert all(o.startswith(DEMO_ORIGIN + "/") for o in origins)
    pins = json.loads((Path(state) / "known.json").read_text(encoding="utf-8"))["logs"]
    assert sorted(pins) == sorted(origins)
    # the second instance keeps its origin: its key file in the instance folder holds it
    assert (tmp_path / "second-instance" / "log.key").read_text().startswith(
        f"PRIVATE+KEY+{origins[1]}+")


def test_a_demo_origin_is_the_stem_and_a_fresh_suffix() -> None:
    assert demo_origin("00ff") == f"{DEMO_ORIGIN}/00ff"
    drawn = {demo_origin() for _ in range(20)}
    assert len(drawn) == 20
    assert all(len(origin.rsplit("/", 1)[1]) == 12 for origin in drawn)

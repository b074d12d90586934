"""``tellers demo``: the organising-group meeting end to end, as a user runs it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from api.cli import main
from api.demo_meeting import DELEGATE_RANKINGS, MEMBERS


def test_demo_prints_both_results_the_minutes_and_the_diff(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--instance", str(tmp_path / "inst")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "# Minutes of Left Organising Group" in out
    assert "Carried by 8 votes to 5, with no abstentions" in out
    assert "Carried by 9 votes to 5, with 1 abstention" in out
    # What the amendment took out, word for word, as struck-through text.
    assert "~~3\\. failing agreement on these conditions, we stand our own slate.~~" in out
    assert "**and will seek a place on it for one of our members.**" in out
    # The names on the recorded vote on the amendment.
    assert "- Against (5): Jonah Weiss, Kasia Nowak, Liam Byrne, Maya Cohen, Niall Quinn." in out
    # The delegates' secret STV election, its tie decided by lot from the announced seed.
    assert "**Elected, in order: Ciara Doyle, Jonah Weiss**" in out
    assert "1 tie(s) decided by lot from the public seed" in out
    assert "- Voted (15): Aisha Khan, Ben Carter, Ciara Doyle," in out  # the marked register
    assert out.count("A sealed ranking was cast (secret ballot).") == 15
    assert re.search(r"95 entries, signed by demo\.tellers\.invalid/left-organising-group/"
                     r"[0-9a-f]{12}\+", out)


def test_demo_refuses_an_instance_that_already_holds_a_ledger(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["demo", "--instance", str(tmp_path)]).exit_code == 0
    again = runner.invoke(main, ["demo", "--instance", str(tmp_path)])
    assert again.exit_code == 2
    assert "already holds a ledger" in again.output


def test_demo_writes_each_voters_receipts_and_they_verify(tmp_path: Path) -> None:
    """Every vote gets a receipt; a member checks theirs against the published bundle."""
    bundle, receipts, state = tmp_path / "bundle", tmp_path / "receipts", tmp_path / "state"
    runner = CliRunner()
    result = runner.invoke(main, ["demo", "--bundle", str(bundle), "--receipts", str(receipts)])
    assert result.exit_code == 0, result.output
    files = sorted(receipts.iterdir())
    assert len(files) == 43  # 13 + 15 recorded votes and 15 sealed rankings
    voters = {f.name.rsplit("-", 1)[0] for f in files}
    assert len(voters) == 15
    assert f"43 receipts for 15 voters written to {receipts}" in result.output
    key = (bundle / "log.vkey").read_text(encoding="utf-8").strip()
    # The hint is a command a member can run as printed: the log key is in it.
    assert f"tellers verify {bundle} --key '{key}' --member ID --receipt FILE" in result.output
    mine = [str(f) for f in files if f.name.startswith("m03-")]
    assert len(mine) == 3
    args = ["verify", str(bundle), "--key", key, "--member", "m03", "--state-dir", str(state)]
    checked = runner.invoke(main, [*args, *(x for f in mine for x in ("--receipt", f))])
    assert checked.exit_code == 0, checked.output
    assert "ok   C-RECEIPT  3 receipts" in checked.output
    # The sealed ranking's receipt carries m03's tracker: their paper is found and shown.
    assert "counted as ranked m03, m05" in checked.output
    theirs = next(str(f) for f in files if f.name.startswith("m04-"))
    refused = runner.invoke(main, [*args, "--receipt", theirs])
    assert refused.exit_code == 1
    assert "records nothing in the name of m03" in refused.output
    missing = runner.invoke(main, [*args, "--receipt", str(tmp_path / "no-such.proof")])
    assert missing.exit_code == 2


def test_demo_refuses_output_places_it_cannot_use_before_holding_the_meeting(
        tmp_path: Path) -> None:
    """A bad --bundle or --receipts is refused first: no instance, ledger or file is made."""
    runner = CliRunner()
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    for option, place in (("--bundle", other), ("--bundle", a_file), ("--receipts", other),
                          ("--receipts", a_file)):
        instance = tmp_path / f"instance{option}{place.name}"
        result = runner.invoke(main, ["demo", "--instance", str(instance), option, str(place)])
        assert result.exit_code == 2, result.output
        assert not instance.exists()
    assert [p.name for p in other.iterdir()] == ["notes.txt"]


def test_the_demos_public_bundle_links_no_sealed_paper_to_a_member(tmp_path: Path) -> None:
    """The sealed rankings' entries hold no member id and no name, and their trackers are
    drawn afresh by each run (never derived from the member)."""
    runner = CliRunner()
    trackers = []
    for run in ("one", "two"):
        bundle = tmp_path / run
        result = runner.invoke(main, ["demo", "--bundle", str(bundle)])
        assert result.exit_code == 0, result.output
        lines = (bundle / "entries.jsonl").read_bytes().splitlines()
        sealed = [json.loads(line) for line in lines if b'"type":"sealed_ranking_cast"' in line]
        assert len(sealed) == 15
        for entry in sealed:
            assert set(entry["body"]) == {"election", "mark", "seal"}
            for member, name, _ in MEMBERS:
                assert member.encode() not in json.dumps(entry).encode()
                assert name not in json.dumps(entry)
        closed = next(json.loads(line) for line in lines if b'"election_closed"' in line)
        assert closed["body"]["voters"] == sorted(DELEGATE_RANKINGS)
        trackers.append({tracker for tracker, _ in closed["body"]["papers"]})
        assert all(len(tracker) == 64 for tracker in trackers[-1])
    assert not trackers[0] & trackers[1]

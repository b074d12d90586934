"""The command line's rough edges: each message says what is wrong and what to do.

Schulze's sheet shows pairwise results, not first preferences; a tie names the tied
candidates and the ``--seed`` option; more seats than candidates is refused; every key
option reads a key file and refuses an empty key; the usage banner is only for usage errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import main
from api.ledger import Ledger
from tests.conftest import data_path
from voting import commands as c

pytestmark = pytest.mark.api

ORIGIN = "test.tellers.invalid/rough-edges"
AT = "2026-04-01T10:00:00Z"
BANNER = "Usage: "


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def blt(tmp_path: Path, text: str) -> str:
    path = tmp_path / "election.blt"
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- tellers count -------------------------------------------------------------------------------


def test_schulze_shows_its_pairwise_results_under_their_own_heading() -> None:
    path = data_path("elections", "debian-2010-dpl.blt")
    result = run("count", str(path), "--method", "schulze")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Pairwise results\n----------------\n" in out
    # V(row, column) with the rows named: Zacchiroli preferred to Verhelst by 323 voters.
    row = next(line for line in out.splitlines() if line.startswith("[1] Stefano Zacchiroli"))
    assert row.split()[3:] == ["-", "323", "385", "305", "398"]
    # No stage table of votes: no transfers, so no non-transferable row and no first preferences.
    assert "Non-transferable" not in out
    assert "first" not in out.split("Stages:")[0]
    assert "Elected, in order of election:\n  1. Stefano Zacchiroli\n" in out


def test_schulze_json_carries_the_pairwise_results_by_name() -> None:
    path = data_path("elections", "debian-2010-dpl.blt")
    result = run("count", str(path), "--method", "schulze", "--format", "json")
    assert result.exit_code == 0
    pairwise = json.loads(result.stdout)["pairwise"]
    assert pairwise["Stefano Zacchiroli"]["Wouter Verhelst"] == 323
    assert pairwise["Wouter Verhelst"]["Stefano Zacchiroli"] == 102
    assert "Stefano Zacchiroli" not in pairwise["Stefano Zacchiroli"]


def test_a_transferable_count_keeps_its_stage_sheet() -> None:
    path = data_path("elections", "scot-2007-glasgow-city-linn.blt")
    result = run("count", str(path), "--method", "scottish_stv")
    assert result.exit_code == 0
    assert "Non-transferable" in result.stdout
    assert "Pairwise results" not in result.stdout


# Ada and Bo are equal at every stage, whichever rule counts them.
TIE = '3 1\n5 1 0\n5 2 0\n1 3 0\n0\n"Ada"\n"Bo"\n"Cy"\n"Tie"\n'


@pytest.mark.parametrize("method", ["irv", "schulze", "scottish_stv", "ers97", "meek"])
def test_a_tie_names_the_candidates_and_says_how_to_give_a_seed(tmp_path: Path,
                                                                method: str) -> None:
    path = blt(tmp_path, TIE)
    result = run("count", path, "--method", method)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and BANNER not in result.output
    assert "Ada and Bo are tied" in result.stderr
    assert "--seed HEX" in result.stderr
    assert run("count", path, "--method", method, "--seed", "5eed").exit_code == 0


@pytest.mark.parametrize("method", ["irv", "meek", "scottish_stv", "ers97", "schulze"])
def test_a_file_asking_for_more_seats_than_candidates_is_refused(tmp_path: Path,
                                                                method: str) -> None:
    path = blt(tmp_path, '3 5\n4 1 2 0\n4 2 1 0\n2 3 0\n0\n"A"\n"B"\n"C"\n"Over"\n')
    result = run("count", path, "--method", method)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "asks for 5 seats, but only 3 candidates stand" in result.stderr
    assert "Traceback" not in result.output and BANNER not in result.output


def test_seats_beyond_the_candidates_standing_are_refused(tmp_path: Path) -> None:
    path = blt(tmp_path, '4 1\n-4\n4 1 2 0\n4 2 1 0\n2 3 0\n0\n"A"\n"B"\n"C"\n"D"\n"Over"\n')
    result = run("count", path, "--method", "meek", "--seats", "4")
    assert result.exit_code == 2
    assert "--seats 4 is more than the 3 candidates standing (1 withdrawn)" in result.stderr
    assert run("count", path, "--method", "meek", "--seats", "3").exit_code == 0


# -- keys ----------------------------------------------------------------------------------------


@pytest.fixture
def bundle(tmp_path: Path) -> tuple[Path, str]:
    ledger = Ledger.open(tmp_path / "log", origin=ORIGIN)
    try:
        ledger.submit(c.FoundBody(AT, "s", name="Branch"))
        ledger.write_bundle(tmp_path / "bundle")
        return tmp_path / "bundle", ledger.vkey
    finally:
        ledger.close()


def test_witness_cosign_reads_the_log_key_from_a_file(tmp_path: Path,
                                                      bundle: tuple[Path, str]) -> None:
    where, vkey = bundle
    key_file = tmp_path / "log.vkey"
    key_file.write_text(vkey + "\n", encoding="utf-8")
    assert run("witness", "init", "--dir", str(tmp_path / "w"), "--name", "a.example/w")\
        .exit_code == 0
    result = run("witness", "cosign", str(where), "--dir", str(tmp_path / "w"),
                 "--log-key", str(key_file))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("— a.example/w ")


@pytest.mark.parametrize("command", ["verify", "minutes", "witness"])
def test_an_empty_key_says_so(tmp_path: Path, bundle: tuple[Path, str], command: str) -> None:
    where, _ = bundle
    if command == "witness":
        run("witness", "init", "--dir", str(tmp_path / "w"), "--name", "a.example/w")
        args = ["witness", "cosign", str(where), "--dir", str(tmp_path / "w"), "--log-key", ""]
        option = "--log-key"
    else:
        args = [command, str(where), "--key", "", "--state-dir", str(tmp_path / "s")]
        option = "--key"
    result = run(*args)
    assert result.exit_code == 2
    assert f"{option} is empty" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "s").exists()  # nothing was pinned


def test_an_empty_key_file_says_so(tmp_path: Path, bundle: tuple[Path, str]) -> None:
    where, _ = bundle
    empty = tmp_path / "empty.vkey"
    empty.write_text("\n", encoding="utf-8")
    result = run("verify", str(where), "--key", str(empty), "--state-dir", str(tmp_path / "s"))
    assert result.exit_code == 2
    assert f"the key file {empty} is empty" in result.stderr


# -- the usage banner ----------------------------------------------------------------------------


def test_the_usage_banner_is_for_usage_errors_only(tmp_path: Path,
                                                   bundle: tuple[Path, str]) -> None:
    where, vkey = bundle
    run("witness", "init", "--dir", str(tmp_path / "w"), "--name", "a.example/w")
    (tmp_path / "not-a-bundle").mkdir()
    refused = [
        ["witness", "cosign", str(tmp_path / "not-a-bundle"), "--dir", str(tmp_path / "w"),
         "--log-key", vkey],
        ["witness", "cosign", str(where), "--dir", str(tmp_path / "none"), "--log-key", vkey],
        ["witness", "cosign", str(where), "--dir", str(tmp_path / "w"), "--log-key", "x+y+z"],
        ["verify", str(tmp_path / "not-a-bundle"), "--state-dir", str(tmp_path / "s")],
        ["minutes", str(tmp_path / "not-a-bundle"), "--state-dir", str(tmp_path / "s")],
    ]
    for args in refused:
        result = run(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("Error: "), args
        assert BANNER not in result.output, args
    # A usage error (an option missing) does show it.
    result = run("witness", "cosign", str(where), "--dir", str(tmp_path / "w"))
    assert result.exit_code == 2
    assert BANNER in result.output

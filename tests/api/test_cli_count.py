"""``tellers count``: JSON, text and CSV output, and clear errors (exit code 2)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from api.commands.count import csv_safe
from tests.conftest import data_path

pytestmark = pytest.mark.api

LINN = "scot-2007-glasgow-city-linn"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["count", *args])
    return result.exit_code, result.stdout, result.stderr


def official(name: str) -> dict[str, object]:
    data = json.loads(data_path("elections", f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_json_carries_the_result_with_the_rules_precision() -> None:
    path = data_path("elections", f"{LINN}.blt")
    code, out, _ = run(str(path), "--method", "scottish_stv", "--format", "json")
    assert code == 0
    data = json.loads(out)
    sheet = official(LINN)
    assert data["method"] == "scottish_stv"
    assert data["rule"] == "scottish_stv_2007"
    assert data["seats"] == sheet["seats"]
    assert data["elected"] == sheet["elected_in_order"]
    assert data["quota"] == f"{sheet['quota']}.00000"
    assert data["lots"] == []
    assert data["warnings"] == []
    stages = sheet["stages"]
    assert isinstance(stages, list)
    assert [s["number"] for s in data["stages"]] == [s["stage"] for s in stages]
    for mine, theirs in zip(data["stages"], stages, strict=True):
        assert mine["kind"] in {"first", "surplus", "exclusion"}
        assert mine["note"]
        assert mine["non_transferable"] == theirs["non_transferable_official"]
        for name, value in theirs["totals_official"].items():
            if value is not None:
                assert mine["totals"][name] == value


def test_seats_and_seed_options_reach_the_count(tmp_path: Path) -> None:
    """--seats overrides the file; --seed draws the lot the tie needs, recorded in JSON."""
    blt = tmp_path / "tie.blt"
    blt.write_text('3 2\n3 1 0\n2 2 0\n2 3 0\n0\n"A"\n"B"\n"C"\n"Tie"\n', encoding="utf-8")
    code, out, _ = run(str(blt), "--method", "scottish_stv", "--seats", "1", "--seed", "5eed")
    assert code == 0
    assert "Lots drawn" in out
    code, out, _ = run(
        str(blt), "--method", "scottish_stv", "--seats", "1", "--seed", "5eed", "--format", "json"
    )
    data = json.loads(out)
    assert data["seats"] == 1
    (lot,) = data["lots"]
    assert lot["tied"] == ["B", "C"]
    assert lot["seed"] == (bytes.fromhex("5eed") + b"/lot/1").hex()
    assert lot["chosen"] in {"B", "C"}


def test_text_is_a_stage_sheet() -> None:
    path = data_path("elections", f"{LINN}.blt")
    code, out, _ = run(str(path), "--method", "scottish_stv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "LINN"
    assert any(line.startswith("Candidate") and "Stage 1" in line for line in lines)
    row = next(line for line in lines if line.startswith("David Ritchie"))
    assert "elected at stage 1" in row
    assert "2043.00000" in row and "1914.00000" in row
    assert "Elected, in order of election:" in lines
    assert "  1. David Ritchie" in lines


def test_csv_has_one_row_per_stage() -> None:
    path = data_path("elections", f"{LINN}.blt")
    code, out, _ = run(str(path), "--method", "scottish_stv", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    sheet = official(LINN)
    stages = sheet["stages"]
    assert isinstance(stages, list)
    assert len(rows) == 1 + len(stages)
    header = rows[0]
    assert header[:2] == ["stage", "kind"]
    ritchie = header.index("David Ritchie")
    assert [row[ritchie] for row in rows[1:3]] == ["2043.00000", "1914.00000"]


def test_csv_guards_against_formula_injection(tmp_path: Path) -> None:
    blt = tmp_path / "inject.blt"
    blt.write_text('2 1\n3 1 0\n1 2 0\n0\n"=HYPERLINK(1)"\n"@SUM(2)"\n"T"\n', encoding="utf-8")
    code, out, _ = run(str(blt), "--method", "scottish_stv", "--format", "csv")
    assert code == 0
    header = next(csv.reader(io.StringIO(out)))
    assert "'=HYPERLINK(1)" in header and "'@SUM(2)" in header
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in header)


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_csv_safe_prefixes_dangerous_cells(cell: str) -> None:
    assert csv_safe(cell) == "'" + cell
    assert csv_safe("plain") == "plain"


def test_a_bad_file_exits_2_naming_the_line(tmp_path: Path) -> None:
    blt = tmp_path / "bad.blt"
    blt.write_text('2 1\n1 1 0\n1 3 0\n0\n"A"\n"B"\n"T"\n', encoding="utf-8")
    code, _, err = run(str(blt), "--method", "scottish_stv")
    assert code == 2
    assert "line 3" in err and "out of range" in err


def test_an_unknown_method_exits_2_listing_the_known() -> None:
    path = data_path("elections", f"{LINN}.blt")
    code, _, err = run(str(path), "--method", "no_such_method")
    assert code == 2
    assert "no_such_method" in err and "scottish_stv" in err


def test_a_bad_seed_and_a_missing_file_exit_2(tmp_path: Path) -> None:
    path = data_path("elections", f"{LINN}.blt")
    code, _, err = run(str(path), "--method", "scottish_stv", "--seed", "not-hex")
    assert code == 2 and "--seed" in err
    code, _, _ = run(str(tmp_path / "missing.blt"), "--method", "scottish_stv")
    assert code == 2


def test_a_count_that_needs_a_lot_without_a_seed_exits_2(tmp_path: Path) -> None:
    blt = tmp_path / "tie.blt"
    blt.write_text('3 1\n3 1 0\n2 2 0\n2 3 0\n0\n"A"\n"B"\n"C"\n"Tie"\n', encoding="utf-8")
    code, _, err = run(str(blt), "--method", "scottish_stv")
    assert code == 2
    assert "seed" in err


def test_reader_warnings_are_reported(tmp_path: Path) -> None:
    blt = tmp_path / "loose.blt"
    blt.write_text("\ufeff2 1\n3 1\n1 2 0\n0\nAdam Smith\nBea Jones\nTitle\n", encoding="utf-8")
    code, out, _ = run(str(blt), "--method", "scottish_stv", "--format", "json")
    assert code == 0
    messages = [w["message"] for w in json.loads(out)["warnings"]]
    assert any("byte-order mark" in m for m in messages)
    assert any("not quoted" in m for m in messages)
    assert any("without a terminating 0" in m for m in messages)
    code, out, _ = run(str(blt), "--method", "scottish_stv")
    assert "Reading the file:" in out
    code, _, err = run(str(blt), "--method", "scottish_stv", "--format", "csv")
    assert "warning:" in err


def test_large_files_show_a_progress_bar_on_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("api.commands.count.PROGRESS_BYTES", 0)
    path = data_path("elections", f"{LINN}.blt")
    code, out, err = run(str(path), "--method", "scottish_stv", "--format", "json")
    assert code == 0
    assert "Reading ballots" in err
    assert json.loads(out)["method"] == "scottish_stv"

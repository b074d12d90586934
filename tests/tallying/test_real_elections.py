"""Real Scottish council elections, every stage, against the official sheets.

Each ``scot-*`` election in tests/data/elections (README there) is counted by
``scottish_stv`` (SSI 2007/42 Sch. 1 rr.45-52) and compared with the
published result: quota, valid papers, order of election, and at every stage
each candidate's total to the last of five decimal places. Where the source
printed fewer decimals (``values_rounded_in_source``), the figure is compared
at the published precision: our exact value, rounded or truncated to those
places, must give the published one. A total the sheet leaves blank
(``null``) belongs to a candidate already excluded, whose total must be 0.
"""

from __future__ import annotations

import json
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pytest

from tallying.blt import read_blt
from tallying.registry import CountOptions, count
from tallying.result import ElectionResult, StageKind, format_value
from tests.conftest import DATA, data_path

pytestmark = pytest.mark.unit

ELECTIONS = sorted(path.stem for path in (DATA / "elections").glob("scot-*.json"))


def test_the_scottish_elections_are_there() -> None:
    """tests/data/elections holds the eight Scottish wards this suite is meant to check."""
    data_path("elections", "README.md")
    assert len(ELECTIONS) >= 8


def _load(name: str) -> tuple[dict[str, Any], ElectionResult, tuple[str, ...]]:
    official = json.loads(data_path("elections", f"{name}.json").read_text(encoding="utf-8"))
    read = read_blt(data_path("elections", f"{name}.blt"))
    profile = read.profile
    result = count(profile, "scottish_stv", CountOptions(seats=official["seats"]))
    return official, result, profile.candidates


def _matches_published(value: Fraction, published: str, places: int) -> bool:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    step = Decimal(1).scaleb(-places)
    return Decimal(published) in {
        exact.quantize(step, rounding=ROUND_HALF_UP),
        exact.quantize(step, rounding=ROUND_DOWN),
    }


def _action(stage: dict[str, Any]) -> tuple[StageKind, str | None]:
    """What the sheet says the stage did: (kind, subject)."""
    if "action_derived" in stage:
        action: str = stage["action_derived"]
        if action == "first preferences":
            return StageKind.FIRST, None
        for prefix, kind in (
            ("transfer of surplus of ", StageKind.SURPLUS),
            ("exclusion of ", StageKind.EXCLUSION),
        ):
            if action.startswith(prefix):
                return kind, action.removeprefix(prefix)
        raise AssertionError(f"unknown action {action!r}")
    if stage["surplus_official"]:
        return StageKind.SURPLUS, stage["surplus_official"]
    if stage["excluded_official"]:
        (excluded,) = stage["excluded_official"]
        return StageKind.EXCLUSION, excluded
    return StageKind.FIRST, None


@pytest.mark.parametrize("name", ELECTIONS)
def test_quota_valid_papers_and_order_of_election(name: str) -> None:
    """r.46 quota from the valid papers; those elected, in order of election."""
    official, result, _ = _load(name)
    assert result.rule == official["rule_set"] == "scottish_stv_2007"
    assert result.valid_votes == official["valid_ballots"]
    assert result.quota == official["quota"]
    assert result.elected_names == tuple(official["elected_in_order"])
    if "elected_official_set" in official:
        assert set(result.elected_names) == set(official["elected_official_set"])
    assert len(result.stages) == len(official["stages"])
    assert not result.lots


@pytest.mark.parametrize("name", ELECTIONS)
def test_every_stage_total_to_the_published_digit(name: str) -> None:
    """Every candidate's total at every stage, as the returning officer published it."""
    official, result, candidates = _load(name)
    rounded = {
        (stage, candidate): places
        for stage, candidate, places in official.get("values_rounded_in_source") or []
    }
    excluded_so_far: set[str] = set()
    compared = 0
    for sheet, mine in zip(official["stages"], result.stages, strict=True):
        assert mine.number == sheet["stage"]
        for candidate, published in sheet["totals_official"].items():
            value = mine.totals[candidates.index(candidate)]
            if published is None:
                assert candidate in excluded_so_far, f"stage {mine.number}: {candidate} blank"
                assert value == 0
                continue
            places = rounded.get((mine.number, candidate))
            if places is None:
                assert format_value(value, 5) == published, (mine.number, candidate)
            else:
                assert _matches_published(value, published, places), (mine.number, candidate)
            compared += 1
        excluded_so_far.update(candidates[c] for c in mine.excluded)
    assert compared >= len(candidates)


@pytest.mark.parametrize("name", ELECTIONS)
def test_every_stage_does_what_the_sheet_says(name: str) -> None:
    """Stage by stage: which surplus or exclusion, who was elected, non-transferable."""
    official, result, candidates = _load(name)
    for sheet, mine in zip(official["stages"], result.stages, strict=True):
        kind, subject = _action(sheet)
        assert mine.kind == kind, mine.number
        if subject is not None:
            assert mine.subjects == (candidates.index(subject),)
        if kind is StageKind.EXCLUSION:
            assert mine.excluded == (candidates.index(subject or ""),)
        if "elected_official" in sheet:
            elected = set(sheet["elected_official"])
        elif mine.number == 1:
            # The derived lists leave stage 1 empty: elected there is whoever the
            # sheet shows at or above the quota (r.47).
            elected = {
                candidate
                for candidate, total in sheet["totals_official"].items()
                if Fraction(total) >= official["quota"]
            }
        else:
            elected = set(sheet["elected_at_this_stage_derived"])
        assert {candidates[c] for c in mine.elected} == elected, mine.number
        published = sheet.get("non_transferable_official", sheet.get("non_transferable_recount"))
        assert format_value(mine.non_transferable, 5) == published, mine.number


def test_linn_2007_non_transferable_column_is_official() -> None:
    """The official eSTV report of Linn 2007 publishes non-transferable: V - sum of totals."""
    official, result, _ = _load("scot-2007-glasgow-city-linn")
    column = [format_value(stage.non_transferable, 5) for stage in result.stages]
    assert column == [stage["non_transferable_official"] for stage in official["stages"]]


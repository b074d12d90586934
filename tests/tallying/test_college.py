"""Electoral colleges: sections normalised to their shares over votes cast, then added."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallying.college import (
    COLLEGE_ELECTORATE,
    CollegeResult,
    Section,
    combine,
    decide_college,
)
from tallying.errors import CountError
from tallying.majority import Outcome, Side, Tally, Threshold, TieRule, decide

pytestmark = pytest.mark.unit

HALF = Fraction(1, 2)
THIRD = Fraction(1, 3)
HALVES = (Section("affiliates", HALF), Section("constituency parties", HALF))
THIRDS = (Section("small", THIRD), Section("middle", THIRD), Section("large", THIRD))


def test_half_affiliates_half_constituency_parties() -> None:
    """Affiliates 60-40 for, CLPs 30-70 against: (1/2)(3/5) + (1/2)(3/10) = 9/20 for."""
    result = combine(
        HALVES,
        {"affiliates": Tally(600_000, 400_000, 5_000), "constituency parties": Tally(300, 700, 12)},
    )
    assert result.combined == Tally(Fraction(9, 20), Fraction(11, 20), Fraction(0))
    names = [name for name, _, _ in result.by_section]
    assert names == ["affiliates", "constituency parties"]
    _, raw, normalised = result.by_section[0]
    assert raw == Tally(600_000, 400_000, 5_000)
    assert normalised == Tally(Fraction(3, 10), Fraction(1, 5), Fraction(0))
    decision = decide(result.combined, Threshold.SIMPLE_MAJORITY, COLLEGE_ELECTORATE)
    assert decision.outcome is Outcome.LOST
    assert decision.explanation == (
        "Lost under simple majority of votes cast: 9/20 for and 11/20 against, "
        "with no abstentions; it needed more for than against."
    )


def test_a_third_each_whatever_their_size() -> None:
    """Sections of 3, 300 and 30,000 weigh the same: one-third each."""
    tallies = {
        "small": Tally(3, 0),  # all of 1/3 for
        "middle": Tally(0, 300),  # all of 1/3 against
        "large": Tally(20_000, 10_000),  # 2/3 of 1/3 for, 1/3 of 1/3 against
    }
    result = combine(THIRDS, tallies)
    assert result.combined.for_votes == Fraction(1, 3) + Fraction(2, 9)
    assert result.combined.against == Fraction(1, 3) + Fraction(1, 9)
    assert result.combined.votes_cast == 1
    _, decision = decide_college(THIRDS, tallies, Threshold.SIMPLE_MAJORITY)
    assert decision.outcome is Outcome.CARRIED  # 5/9 to 4/9
    # The same under a raw count would be 20,003 to 10,300: the large section would decide.
    _, two_thirds = decide_college(THIRDS, tallies, Threshold.TWO_THIRDS_OF_VOTES_CAST)
    assert two_thirds.outcome is Outcome.LOST


def test_abstentions_carry_no_share() -> None:
    """A section's abstainers do not dilute its for and against against the other sections."""
    quiet = combine(HALVES, {"affiliates": Tally(1, 1), "constituency parties": Tally(3, 1)})
    abstaining = combine(
        HALVES, {"affiliates": Tally(1, 1, 98), "constituency parties": Tally(3, 1)}
    )
    assert abstaining.combined == quiet.combined
    assert abstaining.by_section[0][1].abstain == 98  # still reported


def test_a_section_where_nobody_voted_contributes_nothing() -> None:
    result = combine(HALVES, {"affiliates": Tally(0, 0, 7), "constituency parties": Tally(40, 60)})
    assert result.combined == Tally(Fraction(1, 5), Fraction(3, 10), Fraction(0))
    assert result.by_section[0][2] == Tally(Fraction(0), Fraction(0), Fraction(0))
    assert "No votes were cast in affiliates" in result.note
    # Of votes cast, that is the other section's result alone: 40-60, lost.
    _, decision = decide_college(
        HALVES,
        {"affiliates": Tally(0, 0, 7), "constituency parties": Tally(60, 40)},
        Threshold.SIMPLE_MAJORITY,
    )
    assert decision.outcome is Outcome.CARRIED
    # Of the whole college, the silent half is not in favour: 3/10 is not a majority.
    _, members = decide_college(
        HALVES,
        {"affiliates": Tally(0, 0, 7), "constituency parties": Tally(60, 40)},
        Threshold.MAJORITY_OF_MEMBERS,
    )
    assert members.outcome is Outcome.LOST


def test_an_exact_college_tie_takes_a_casting_vote() -> None:
    tallies = {"affiliates": Tally(1, 3), "constituency parties": Tally(3, 1)}
    result, decision = decide_college(HALVES, tallies, Threshold.SIMPLE_MAJORITY)
    assert result.combined.for_votes == result.combined.against == HALF
    assert decision.tied
    assert decision.outcome is Outcome.LOST
    _, cast = decide_college(
        HALVES,
        tallies,
        Threshold.SIMPLE_MAJORITY,
        tie_rule=TieRule.CHAIR_CASTING_VOTE,
        casting_vote=Side.FOR,
    )
    assert cast.outcome is Outcome.CARRIED


def test_college_electorate_is_the_whole() -> None:
    assert COLLEGE_ELECTORATE.present == COLLEGE_ELECTORATE.members == Fraction(1)


@pytest.mark.parametrize(
    ("sections", "tallies", "message"),
    [
        ((), {}, "at least one section"),
        ((Section("a", HALF),), {"a": Tally(1, 0)}, "add up to 1"),
        (
            (Section("a", HALF), Section("a", HALF)),
            {"a": Tally(1, 0)},
            "named twice",
        ),
        (HALVES, {"affiliates": Tally(1, 0)}, "no tally for section"),
        (
            HALVES,
            {"affiliates": Tally(1, 0), "constituency parties": Tally(1, 0), "x": Tally(1, 0)},
            "not in the college",
        ),
    ],
)
def test_rejects_a_malformed_college(
    sections: tuple[Section, ...], tallies: dict[str, Tally], message: str
) -> None:
    with pytest.raises(CountError, match=message):
        combine(sections, tallies)


@pytest.mark.parametrize(
    ("name", "share"),
    [("", HALF), ("a", Fraction(0)), ("a", Fraction(3, 2)), ("a", 0.5), ("a", Fraction(-1, 2))],
)
def test_rejects_a_bad_section(name: str, share: Fraction) -> None:
    with pytest.raises(CountError):
        Section(name, share)


# --- properties ------------------------------------------------------------------------------

COUNT = st.integers(min_value=0, max_value=500)
TALLIES = st.builds(Tally, COUNT, COUNT, COUNT)


@st.composite
def colleges(draw: st.DrawFn) -> tuple[list[Section], dict[str, Tally]]:
    """Two to five sections with positive shares summing to exactly 1, and a tally each."""
    weights = draw(st.lists(st.integers(min_value=1, max_value=20), min_size=2, max_size=5))
    total = sum(weights)
    sections = [Section(f"s{i}", Fraction(w, total)) for i, w in enumerate(weights)]
    tallies = {s.name: draw(TALLIES) for s in sections}
    return sections, tallies


@given(colleges(), st.data(), st.integers(min_value=2, max_value=1000))
def test_scaling_a_section_changes_nothing(
    college: tuple[list[Section], dict[str, Tally]], data: st.DataObject, factor: int
) -> None:
    """ "Each section's votes are normalised to its share": multiplying one section's votes
    by a constant (the same split, a bigger section) leaves the combined result unchanged."""
    sections, tallies = college
    name = data.draw(st.sampled_from([s.name for s in sections]))
    raw = tallies[name]
    scaled = Tally(raw.for_votes * factor, raw.against * factor, raw.abstain * factor)
    assert (
        combine(sections, {**tallies, name: scaled}).combined == combine(sections, tallies).combined
    )


@given(colleges())
def test_combined_shares_add_up_to_at_most_one(
    college: tuple[list[Section], dict[str, Tally]],
) -> None:
    """The combined for and against are shares of the whole: they sum to the shares of the
    sections where votes were cast, so at most 1, and exactly 1 when every section voted."""
    sections, tallies = college
    result: CollegeResult = combine(sections, tallies)
    voted = sum((s.share for s in sections if tallies[s.name].votes_cast > 0), Fraction(0))
    assert result.combined.votes_cast == voted
    assert result.combined.votes_cast <= 1
    assert result.combined.abstain == 0


@given(colleges())
def test_each_section_weighs_its_share(college: tuple[list[Section], dict[str, Tally]]) -> None:
    """A section's normalised for is its share times the fraction of its votes cast that were
    for: share * for / (for + against), computed here directly."""
    sections, tallies = college
    result = combine(sections, tallies)
    for section, (name, raw, normalised) in zip(sections, result.by_section, strict=True):
        assert name == section.name
        assert raw == tallies[name]
        cast = raw.for_votes + raw.against
        if cast:
            assert normalised.for_votes == section.share * Fraction(raw.for_votes, cast)
            assert normalised.votes_cast == section.share
        else:
            assert normalised.votes_cast == 0


@given(colleges())
def test_unanimous_sections_carry_by_their_shares(
    college: tuple[list[Section], dict[str, Tally]],
) -> None:
    """If every section that voted was wholly for, the college is carried unanimously."""
    sections, tallies = college
    all_for = {name: Tally(t.for_votes + 1, 0, t.abstain) for name, t in tallies.items()}
    _, decision = decide_college(sections, all_for, Threshold.UNANIMITY)
    assert decision.outcome is Outcome.CARRIED

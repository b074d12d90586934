"""Electoral colleges: each section's votes scaled to its share of the result, then added.

docs/counting.md ("Card votes and electoral colleges"): each section has a
fixed share of the result; every vote cast in a section is worth that share
divided by the section's votes cast, and the sections' votes are added, in
exact fractions (``Fraction``).

Choices, and why:

* **Normalised over votes cast.** A section's share is divided among its votes
  cast, for and against, so each vote cast in a section with share ``s`` and
  ``c`` votes cast is worth ``s / c`` of the whole. Abstentions are reported
  per section (in the raw tally) but carry **no share**: an abstention is not a
  vote cast (Citrine, *ABC of Chairmanship*; RONR 12th ed. §44), and if
  abstainers took part of the share, a section's abstainers would shrink the
  weight of that section's for and against against every other section, so the
  section would no longer carry its share of the decision.
* **A section where nobody voted contributes nothing.** With no votes cast
  there is nothing to scale; its share is not given to the other sections
  either. Under any threshold "of votes cast" that is the same as leaving the
  section out (the rules compare for with for + against), while under a
  threshold "of members" the silent section's share counts as not in favour,
  which is what such a threshold asks. ``combined`` therefore sums to the
  shares of the sections that voted, at most 1.
* **Deciding.** The combined :class:`~tallying.majority.Tally` is decided by
  :func:`tallying.majority.decide` with :data:`COLLEGE_ELECTORATE`, ``Fraction(1)``
  present and ``Fraction(1)`` members: the college as a whole is one unit, and
  each section is present in full through its share. :func:`decide_college`
  does both steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from tallying.errors import CountError
from tallying.majority import (
    Decision,
    Electorate,
    Side,
    Tally,
    Threshold,
    TieRule,
    decide,
)

__all__ = [
    "COLLEGE_ELECTORATE",
    "CollegeResult",
    "Section",
    "combine",
    "decide_college",
]

COLLEGE_ELECTORATE: Final = Electorate(present=Fraction(1), members=Fraction(1))
"""The electorate to decide a college vote with: the whole college is 1."""


@dataclass(frozen=True, slots=True)
class Section:
    """A part of an electoral college with its share of the result (more than 0, at most 1)."""

    name: str
    share: Fraction

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise CountError("a section needs a name")
        if not isinstance(self.share, Fraction):
            raise CountError(
                f"section {self.name!r}: its share must be an exact Fraction, "
                f"not {type(self.share).__name__}"
            )
        if not 0 < self.share <= 1:
            raise CountError(
                f"section {self.name!r}: its share must be more than 0 and at most 1 "
                f"(got {self.share})"
            )


@dataclass(frozen=True, slots=True)
class CollegeResult:
    """The combined result of a college vote, and each section's part in it.

    ``combined`` holds shares of the whole college (``Fraction`` s; abstentions
    0, see the module docstring). ``by_section`` is ``(name, raw, normalised)``
    for each section in the order given: ``raw`` as counted in the section,
    ``normalised`` its contribution to ``combined``. ``note`` explains the
    arithmetic in a sentence or two.
    """

    combined: Tally
    by_section: tuple[tuple[str, Tally, Tally], ...]
    note: str


def _check_sections(sections: Sequence[Section], tallies: Mapping[str, Tally]) -> None:
    if not sections:
        raise CountError("an electoral college needs at least one section")
    names: list[str] = []
    for section in sections:
        if not isinstance(section, Section):
            raise CountError("each section of a college must be a Section")
        if section.name in names:
            raise CountError(f"section {section.name!r} is named twice")
        names.append(section.name)
    total = sum((s.share for s in sections), Fraction(0))
    if total != 1:
        raise CountError(f"the sections' shares must add up to 1 (they add up to {total})")
    missing = [n for n in names if n not in tallies]
    if missing:
        raise CountError(f"no tally for section(s): {', '.join(missing)}")
    unknown = sorted(set(tallies) - set(names))
    if unknown:
        raise CountError(f"tally for a section not in the college: {', '.join(unknown)}")
    for name in names:
        if not isinstance(tallies[name], Tally):
            raise CountError(f"section {name!r}: its tally must be a Tally")


def _normalise(section: Section, raw: Tally) -> Tally:
    """Scale a section's votes cast to its share: each vote cast is worth share / cast."""
    cast = raw.votes_cast
    if cast == 0:
        return Tally(Fraction(0), Fraction(0), Fraction(0))
    per_vote = section.share / Fraction(cast)
    return Tally(per_vote * raw.for_votes, per_vote * raw.against, Fraction(0))


def combine(sections: Sequence[Section], tallies: Mapping[str, Tally]) -> CollegeResult:
    """Combine the sections' tallies into one college tally (docs/counting.md, colleges).

    Every section must have a tally, the names must match, and the shares must
    sum to exactly 1; otherwise :class:`CountError`.
    """
    _check_sections(sections, tallies)
    rows: list[tuple[str, Tally, Tally]] = []
    for_total = Fraction(0)
    against_total = Fraction(0)
    silent: list[str] = []
    for section in sections:
        raw = tallies[section.name]
        normalised = _normalise(section, raw)
        if raw.votes_cast == 0:
            silent.append(section.name)
        for_total += normalised.for_votes
        against_total += normalised.against
        rows.append((section.name, raw, normalised))
    note = (
        "Each section's votes cast (for and against) were scaled to its share of the college "
        "and added; abstentions are shown for each section but carry no share."
    )
    if silent:
        note += (
            f" No votes were cast in {', '.join(silent)}, so "
            f"{'that section contributes' if len(silent) == 1 else 'those sections contribute'}"
            " nothing."
        )
    return CollegeResult(
        combined=Tally(for_total, against_total, Fraction(0)),
        by_section=tuple(rows),
        note=note,
    )


def decide_college(
    sections: Sequence[Section],
    tallies: Mapping[str, Tally],
    threshold: Threshold,
    *,
    tie_rule: TieRule = TieRule.FALLS,
    casting_vote: Side | None = None,
    quorate: bool = True,
) -> tuple[CollegeResult, Decision]:
    """Combine a college vote and decide it with :data:`COLLEGE_ELECTORATE`."""
    result = combine(sections, tallies)
    decision = decide(
        result.combined,
        threshold,
        COLLEGE_ELECTORATE,
        tie_rule=tie_rule,
        casting_vote=casting_vote,
        quorate=quorate,
    )
    return result, decision

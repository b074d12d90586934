"""Scottish STV: the Scottish Local Government Elections Order 2007, Sch. 1 rr.45-52.

Rule value ``scottish_stv_2007`` (SSI 2007/42, re-made unchanged in SSI
2011/399), exactly as docs/counting.md states it:

* r.45 first stage: every valid paper is worth 1 and goes to its first preference;
* r.46 quota ``floor(V / (S + 1)) + 1`` from the valid papers, fixed for the count;
* r.47 a continuing candidate with votes equal to or above the quota is elected;
  several elected at one stage are elected in order of votes, highest first;
  equal votes by the rule for equal surpluses (the r.49(2) history, then the
  r.49(3) lot), and their surpluses follow that same order;
* r.48 one surplus per stage: **all** the candidate's papers go on, each at
  ``truncate_5dp(surplus * value when received / candidate's votes)``;
* r.49 the largest surplus first; equal surpluses by the most recent preceding
  stage with unequal votes, then by lot; a surplus is never deferred;
* r.50 otherwise exclude the lowest continuing candidate, all papers in one
  stage at their current values;
* r.51 equal lowest by the most recent preceding stage with unequal votes, then lot;
* r.52 when the continuing candidates are no more than the vacancies, they are
  elected and nothing more is transferred; the count also ends when every seat
  is filled, leaving any surplus untransferred.

Values are integers in units of 10⁻⁵ (the rule's five decimal places); no
floats and no ``Fraction`` in the count itself. The non-transferable column is
``V - sum of totals``: exhausted papers plus the loss from truncation.

A tie among three or more is narrowed stage by stage: going back from the most
recent preceding stage, at each stage where the tied candidates' votes are not
all equal only those with the most (surplus, r.49(2)) or fewest (exclusion,
r.51(2)(a)) votes stay tied; a lot decides among any still tied at stage 1.

Speed: identical rankings are merged and sorted once. Every set of papers that
share a ranking prefix is then a contiguous slice of the sorted rankings, so a
parcel is a list of slices ``(lo, hi, depth)``, its paper count is a difference
of prefix sums, and splitting it by next preference is a few bisections. A
count costs little more than the sort, however many papers there are.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import accumulate, chain
from operator import attrgetter
from typing import Any

from tallying.errors import InvalidBallot, InvalidProfile, LotNeeded
from tallying.lots import draw, lot_key
from tallying.profile import Profile
from tallying.registry import CountOptions, method
from tallying.result import ElectionResult, Lot, Stage, StageKind, format_value

__all__ = ["PLACES", "RULE", "UNIT", "VERSION", "count_scottish_stv"]

RULE = "scottish_stv_2007"
VERSION = "1"
PLACES = 5
UNIT = 10**PLACES  # one vote, in units of 10⁻⁵ (r.48(3): "to five decimal places")

# A slice of the sorted rankings whose papers all sit with the candidate at
# position ``depth`` of their ranking: (lo, hi, depth).
Slice = tuple[int, int, int]


@dataclass(slots=True)
class _Papers:
    """The sorted rankings and the prefix sums of their weights.

    A ranking is ``bytes`` (one byte per candidate index) when there are at
    most 255 candidates, which sorts and compares in C; otherwise a tuple.
    Equal rankings sit side by side; a ranking sorts before its extensions.
    """

    rankings: list[Any]  # list[bytes] or list[tuple[int, ...]], sorted
    cumulative: list[int]

    def weight(self, lo: int, hi: int) -> int:
        return self.cumulative[hi] - self.cumulative[lo]

    def children(self, lo: int, hi: int, depth: int) -> tuple[list[Slice], int]:
        """Split a slice by the preference after ``depth``; also the papers with none."""
        rankings = self.rankings
        after = depth + 1
        start = lo
        compact = isinstance(rankings[lo], bytes)
        if len(rankings[lo]) == after:  # rankings that stop here sort first
            stop = rankings[lo] + b"\x00" if compact else (*rankings[lo], -1)
            start = bisect_left(rankings, stop, lo + 1, hi)
        exhausted = self.cumulative[start] - self.cumulative[lo]
        parts: list[Slice] = []
        while start < hi:
            ranking = rankings[start]
            following = ranking[after] + 1
            if compact:
                bound: Any = ranking[:after] + bytes((following,))
            else:
                bound = (*ranking[:after], following)
            end = bisect_left(rankings, bound, start + 1, hi)
            parts.append((start, end, after))
            start = end
        return parts, exhausted


@dataclass(slots=True)
class _State:
    """The running count: votes in units, parcels by value, and the record."""

    names: tuple[str, ...]
    seats: int
    quota: int  # in units
    papers: _Papers
    valid: int  # V, the number of valid papers (r.45(3))
    seed: bytes
    votes: list[int]
    continuing: list[bool]
    parcels: list[dict[int, list[Slice]]]
    elected: list[int] = field(default_factory=list)
    excluded: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)  # elected, surplus not yet transferred
    history: list[tuple[int, ...]] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    lots: list[Lot] = field(default_factory=list)

    # -- papers -------------------------------------------------------------

    def route(self, pieces: Iterable[Slice], value: int) -> dict[int, int]:
        """Send papers on to their next available preference (r.48(1), r.50(2)).

        Each paper goes to the next continuing candidate it ranks, as a parcel
        of value ``value``; the papers that rank none are the non-transferable
        parcel, which simply drops out of every total. Returns the number of
        papers each candidate received.
        """
        received: dict[int, int] = {}
        continuing = self.continuing
        parcels = self.parcels
        papers = self.papers
        stack = list(pieces)
        while stack:
            lo, hi, depth = stack.pop()
            parts, _ = papers.children(lo, hi, depth)
            for part in parts:
                candidate = papers.rankings[part[0]][part[2]]
                if continuing[candidate]:
                    parcels[candidate].setdefault(value, []).append(part)
                    received[candidate] = received.get(candidate, 0) + papers.weight(
                        part[0], part[1]
                    )
                else:
                    stack.append(part)
        return received

    # -- ties -----------------------------------------------------------------

    def break_tie(
        self,
        tied: list[int],
        *,
        highest: bool,
        purpose: str,
        preceding: list[tuple[int, ...]] | None = None,
        elected_first: bool = False,
    ) -> tuple[int, str]:
        """The candidate a tie resolves to, and how (r.49(2)-(3), r.51(2)).

        Looks back from the most recent preceding stage (``preceding``, by default
        every stage recorded before the current one) for a stage at which the tied
        candidates had unequal votes; keeps those with the most (``highest``) or
        fewest votes there; draws a lot if any remain tied at the first stage.
        With ``elected_first`` (equal surpluses), candidates still tied at every
        stage were elected together, and the lot that ordered their election
        (:meth:`order_by_votes`) already decided whose surplus goes first.
        """
        group = sorted(tied)
        pick = max if highest else min
        history = self.history[:-1] if preceding is None else preceding
        for number in range(len(history), 0, -1):
            totals = history[number - 1]
            values = {totals[c] for c in group}
            if len(values) > 1:
                best = pick(values)
                group = [c for c in group if totals[c] == best]
                if len(group) == 1:
                    return group[0], f"decided by the votes at stage {number}"
        if elected_first and all(c in self.elected for c in group):
            chosen = min(group, key=self.elected.index)
            return chosen, "decided by the order of their election, which a lot decided"
        if not self.seed:
            names = ", ".join(self.names[c] for c in group)
            raise LotNeeded(
                f"{purpose}: {names} were equal at every stage, so the rules require a lot; "
                "give a seed for the lot (SSI 2007/42 Sch. 1 r.49(3), r.51(2)(b))",
                purpose=purpose,
                tied=tuple(group),
            )
        key = lot_key(self.seed, len(self.lots) + 1)
        chosen = draw(key, group, 1)[0]
        self.lots.append(Lot(purpose=purpose, tied=tuple(group), seed=key.hex(), chosen=chosen))
        return chosen, f"decided by lot {len(self.lots)}"

    def order_by_votes(self, candidates: Iterable[int]) -> list[int]:
        """The order of election of candidates elected at the stage now closing (r.47).

        Highest votes first. Equal votes go by the rule that orders equal surpluses
        (r.49(2)): the candidate with more votes at the most recent preceding stage
        at which their votes differed is elected first; equal at every stage, by
        lot (r.49(3)). Their surpluses are then transferred in that same order
        (:meth:`break_tie` with ``elected_first``), one lot deciding both.
        """
        remaining = sorted(candidates, key=lambda c: (-self.votes[c], c))
        stage = len(self.history) + 1
        ordered: list[int] = []
        while remaining:
            top = self.votes[remaining[0]]
            level = [c for c in remaining if self.votes[c] == top]
            while level:
                chosen = level[0]
                if len(level) > 1:
                    names = ", ".join(self.names[c] for c in level)
                    chosen, _ = self.break_tie(
                        level,
                        highest=True,
                        purpose=f"which of {names}, elected with equal votes at stage {stage}, "
                        "is elected first, and so whose equal surplus is transferred first "
                        "(r.49(2)-(3))",
                        preceding=self.history,
                    )
                ordered.append(chosen)
                level.remove(chosen)
                remaining.remove(chosen)
        return ordered

    # -- stages -------------------------------------------------------------

    @property
    def vacancies(self) -> int:
        return self.seats - len(self.elected)

    def continuing_candidates(self) -> list[int]:
        return [c for c, going in enumerate(self.continuing) if going]

    def elect(self, candidates: list[int], how: str, notes: list[str]) -> list[int]:
        ordered = self.order_by_votes(candidates)
        for c in ordered:
            self.continuing[c] = False
            self.elected.append(c)
            if self.votes[c] > self.quota:
                self.pending.append(c)
        if ordered:
            notes.append(f"Elected ({how}): " + ", ".join(self.names[c] for c in ordered) + ".")
        return ordered

    def close_stage(
        self,
        kind: StageKind,
        subjects: tuple[int, ...],
        before: tuple[int, ...],
        notes: list[str],
        excluded: tuple[int, ...] = (),
    ) -> None:
        """Elect on quota (r.47), fill the last vacancies (r.52), record the stage."""
        quota = self.quota
        reached = [c for c in self.continuing_candidates() if self.votes[c] >= quota]
        elected = self.elect(reached, "reached the quota, r.47", notes)
        if self.vacancies > 0 and len(self.continuing_candidates()) <= self.vacancies:
            elected += self.elect(
                self.continuing_candidates(),
                "continuing candidates no more than vacancies, r.52",
                notes,
            )
        totals = tuple(self.votes)
        self.history.append(totals)
        self.stages.append(
            Stage(
                number=len(self.stages) + 1,
                kind=kind,
                subjects=subjects,
                totals=tuple(Fraction(v, UNIT) for v in totals),
                transfers=tuple(Fraction(a - b, UNIT) for a, b in zip(totals, before, strict=True)),
                non_transferable=Fraction(self.valid * UNIT - sum(totals), UNIT),
                elected=tuple(elected),
                excluded=excluded,
                note=" ".join(notes),
                quota=Fraction(quota, UNIT),
            )
        )

    def show(self, units: int) -> str:
        return format_value(Fraction(units, UNIT), PLACES)

    def pick(
        self,
        tied: list[int],
        *,
        highest: bool,
        purpose: str,
        label: str,
        rule: str,
        elected_first: bool = False,
    ) -> tuple[int, list[str]]:
        """The one of ``tied`` the rules choose, and a note saying how when there was a tie."""
        if len(tied) == 1:
            return tied[0], []
        chosen, how = self.break_tie(
            tied, highest=highest, purpose=purpose, elected_first=elected_first
        )
        names = ", ".join(self.names[c] for c in sorted(tied))
        return chosen, [f"{label} {names}: {how} ({rule})."]

    def transfer_surplus(self) -> None:
        """One surplus, the largest (r.48, r.49)."""
        largest = max(self.votes[c] for c in self.pending)
        tied = [c for c in self.pending if self.votes[c] == largest]
        source, notes = self.pick(
            tied,
            highest=True,
            purpose=f"which equal surplus to transfer at stage {len(self.stages) + 1} "
            "(r.49(2)-(3))",
            label="Equal surpluses of",
            rule="r.49",
            elected_first=True,
        )
        self.pending.remove(source)
        before = tuple(self.votes)
        total = self.votes[source]
        surplus = total - self.quota
        parcels = self.parcels[source]
        self.parcels[source] = {}
        described: list[str] = []
        for value in sorted(parcels, reverse=True):
            pieces = parcels[value]
            count = sum(self.papers.weight(lo, hi) for lo, hi, _ in pieces)
            # r.48(3): surplus * value when received / total votes, to 5 dp, remainder ignored.
            transfer_value = surplus * value // total
            received = self.route(pieces, transfer_value)
            for candidate, papers in received.items():
                self.votes[candidate] += papers * transfer_value
            described.append(f"{count} at {self.show(value)} go at {self.show(transfer_value)}")
        self.votes[source] = self.quota
        notes.insert(
            0,
            f"Surplus of {self.names[source]} ({self.show(surplus)}) transferred, all papers "
            f"(r.48): " + "; ".join(described) + ".",
        )
        self.close_stage(StageKind.SURPLUS, (source,), before, notes)

    def exclude_lowest(self) -> None:
        """Exclude the lowest continuing candidate, all papers at current value (r.50, r.51)."""
        going = self.continuing_candidates()
        lowest = min(self.votes[c] for c in going)
        tied = [c for c in going if self.votes[c] == lowest]
        loser, notes = self.pick(
            tied,
            highest=False,
            purpose=f"which lowest candidate to exclude at stage {len(self.stages) + 1} "
            "(r.51(2))",
            label="Equal lowest",
            rule="r.51",
        )
        self.continuing[loser] = False
        self.excluded.append(loser)
        before = tuple(self.votes)
        parcels = self.parcels[loser]
        self.parcels[loser] = {}
        count = 0
        for value in sorted(parcels, reverse=True):
            pieces = parcels[value]
            count += sum(self.papers.weight(lo, hi) for lo, hi, _ in pieces)
            received = self.route(pieces, value)  # r.50(4): at the value received
            for candidate, papers in received.items():
                self.votes[candidate] += papers * value
        self.votes[loser] = 0
        notes.insert(
            0,
            f"Exclusion of {self.names[loser]}, lowest with {self.show(lowest)} (r.50): "
            f"{count} papers transferred at their current values.",
        )
        self.close_stage(StageKind.EXCLUSION, (loser,), before, notes, excluded=(loser,))


def _sorted_papers(profile: Profile) -> tuple[_Papers, int]:
    """The strict rankings, without withdrawn candidates, merged and sorted; where blanks end.

    Almost everything per ballot runs in C (``map``, ``chain``, ``bytes``,
    ``sorted``), which is what keeps a million papers inside a second.
    """
    ballots = profile.ballots
    ranks = list(map(attrgetter("ranking"), ballots))
    weights = list(map(attrgetter("weight"), ballots))
    withdrawn = profile.withdrawn
    compact = len(profile.candidates) <= 255 and not withdrawn
    pack: Any = bytes if compact else tuple
    flat: list[Any] = list(map(pack, map(chain.from_iterable, ranks)))
    if sum(map(len, flat)) != sum(map(len, ranks)):
        raise InvalidBallot(
            "Scottish STV ballot papers rank candidates one at a time; "
            "a paper here ranks candidates equal"
        )
    if withdrawn:
        flat = [tuple(c for c in ranking if c not in withdrawn) for ranking in flat]
    merged: dict[Any, int] = {}
    get = merged.get
    for ranking, weight in zip(flat, weights, strict=True):
        merged[ranking] = get(ranking, 0) + weight
    rankings = sorted(merged)
    cumulative = [0, *accumulate(map(merged.__getitem__, rankings))]
    blank_end = bisect_left(rankings, b"\x00" if compact else (-1,))  # blanks sort first
    return _Papers(rankings, cumulative), blank_end


def _first_stage(profile: Profile, seats: int, seed: bytes) -> _State:
    """r.45 and r.46: sort the papers by first preference, fix the quota."""
    papers, blank_end = _sorted_papers(profile)
    blank = papers.cumulative[blank_end]
    n = len(profile.candidates)
    valid = papers.cumulative[-1] - blank
    quota = valid // (seats + 1) + 1
    state = _State(
        names=profile.candidates,
        seats=seats,
        quota=quota * UNIT,
        papers=papers,
        valid=valid,
        seed=seed,
        votes=[0] * n,
        continuing=[c not in profile.withdrawn for c in range(n)],
        parcels=[{} for _ in range(n)],
    )
    before = tuple(state.votes)
    if blank_end < len(papers.rankings):
        received = state.route([(blank_end, len(papers.rankings), -1)], UNIT)
        for candidate, count in received.items():
            state.votes[candidate] = count * UNIT
    notes = [
        f"First preferences (r.45): {valid} valid papers; quota floor({valid}/{seats + 1}) + 1"
        f" = {quota} (r.46)."
    ]
    if blank:
        notes.append(f"{blank} papers with no preference for a standing candidate are not valid.")
    if profile.withdrawn:
        names = ", ".join(profile.candidates[c] for c in sorted(profile.withdrawn))
        notes.append(f"Withdrawn: {names}.")
    state.close_stage(StageKind.FIRST, (), before, notes)
    return state


def _run(state: _State) -> None:
    while state.vacancies > 0 and state.continuing_candidates():
        if state.pending:
            state.transfer_surplus()
        else:
            state.exclude_lowest()


@method("scottish_stv")
def count_scottish_stv(profile: Profile, options: CountOptions) -> ElectionResult:
    """Count ``profile`` under SSI 2007/42 Sch. 1 rules 45 to 52 (``scottish_stv_2007``).

    ``options.seats`` is the number of councillors to elect; ``options.seed``
    the seed of any lot r.49(3) or r.51(2)(b) requires. A count that needs a
    lot and has no seed raises :class:`CountError` rather than guess.
    """
    seats = options.seats
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise InvalidProfile(f"seats must be a whole number of at least 1, not {seats!r}")
    state = _first_stage(profile, seats, options.seed)
    if state.valid == 0:
        raise InvalidProfile("there are no valid ballot papers to count")
    _run(state)
    return ElectionResult(
        method="scottish_stv",
        rule=RULE,
        version=VERSION,
        seats=seats,
        candidates=profile.candidates,
        elected=tuple(state.elected),
        stages=tuple(state.stages),
        precision=PLACES,
        valid_votes=Fraction(state.valid),
        quota=Fraction(state.quota, UNIT),
        lots=tuple(state.lots),
    )

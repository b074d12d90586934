"""STV by the Electoral Reform Society's 1997 rules: rule value ``ers97``.

Source: Electoral Reform Society, *How to conduct an election by the Single
Transferable Vote*, 3rd edition (1997), sections 4 to 6, as summarised in
docs/counting.md ("ERS97"). Paragraph numbers below (5.1.6, 5.2.2, ...) are the
book's.

Arithmetic is exact, in integer hundredths of a vote: the rules work to two
decimal places (5.1.6, 5.3.7), so every value a count can produce is a whole
number of hundredths. :class:`~tallying.result.Stage` values are the same
numbers as ``Fraction`` s.

What the implementation does, where the text leaves a choice:

* **Stages and batches.** An exclusion is one stage of the count, but its
  papers move in batches of one value each, highest value first (5.4.1,
  5.4.11), and elections are checked after every batch (5.4.9). Each batch
  is reported as its own :class:`Stage` record; its note names the stage of
  the count and the batch ("stage 5, batch 2 of 3"). ``Stage.number`` counts
  the records, so it increases by one each time.
* **Tie-breaking (5.2.3, 5.2.5, 5.6.2)** looks *forwards*: it compares the
  tied candidates' votes after the first stage and after each later batch of
  papers, and takes the earliest point at which they differ. Candidates equal
  at every point are separated by lot (5.2.3, 5.2.5): the n-th lot of the
  count is the RFC 3797 draw of :mod:`tallying.lots` with key
  ``lot_key(seed, n)`` over the tied candidates in ballot-paper order, and a
  count that needs a lot without a seed raises :class:`CountError`. For
  deeming elected (5.6.2) no lot is drawn: none of the equal candidates is
  deemed elected at that stage.
* **Bulk exclusion (5.2.5)** never splits candidates with equal votes: a
  group of two or more is excluded together only when its highest member has
  fewer votes than the candidate next above. Equal candidates at the bottom
  are separated one at a time by the tie rule.
* **Invalid papers (5.1.2).** A paper with no preference for a candidate who
  stands (every preference withdrawn, or none) is invalid and is not counted
  in the total valid vote.
* **Equal rankings** are refused (:class:`InvalidBallot`): ERS97 papers carry
  one preference per number (6.8, 6.17).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from tallying._tiebreak import draw_lot
from tallying.errors import InvalidProfile
from tallying.profile import Profile
from tallying.registry import CountOptions, method
from tallying.result import ElectionResult, Lot, Stage, StageKind

__all__ = ["METHOD", "PRECISION", "RULE", "Parcel", "count_ers97"]

METHOD = "ers97"
RULE = "ers97"
VERSION = "ERS, How to conduct an election by the Single Transferable Vote, 3rd ed. (1997), s.4-6"
PRECISION = 2
_UNIT = 100  # one vote, in hundredths


@dataclass(frozen=True, slots=True)
class Parcel:
    """Papers a candidate received in one batch: ERS97 6.1 and 5.3.12.

    ``stage`` is the stage of the count at which they were received,
    ``value`` the value of each paper in hundredths, and ``papers`` pairs
    of (ballot group, number of papers from that group).
    """

    stage: int
    value: int
    papers: tuple[tuple[int, int], ...]

    @property
    def count(self) -> int:
        """The number of papers in the parcel."""
        return sum(n for _, n in self.papers)


_CONTINUING, _ELECTED, _EXCLUDED = 0, 1, 2


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def _quota(valid_hundredths: int, seats: int) -> int:
    """ERS97 5.1.6: the division taken to two places; if inexact, add 0.01.

    In hundredths that is the quotient rounded up.
    """
    return _ceil_div(valid_hundredths, seats + 1)


class _Count:
    """The state of one ERS97 count, in hundredths of a vote."""

    def __init__(self, profile: Profile, options: CountOptions) -> None:
        self.names = profile.candidates
        self.n = len(profile.candidates)
        self.seats = options.seats
        self.seed = options.seed
        rankings: list[tuple[int, ...]] = []
        weights: list[int] = []
        for ballot in profile.ballots:
            ranking = tuple(c for c in ballot.strict() if c not in profile.withdrawn)
            if ranking:  # 5.1.2: a paper with no valid first preference is invalid
                rankings.append(ranking)
                weights.append(ballot.weight)
        self.rankings = rankings
        self.valid = sum(weights)
        self.state = [_CONTINUING] * self.n
        for c in profile.withdrawn:
            self.state[c] = _EXCLUDED  # never continuing, never reported as excluded
        self.votes = [0] * self.n
        self.parcels: list[list[Parcel]] = [[] for _ in range(self.n)]
        self.non_transferable = 0
        self.quota = _quota(self.valid * _UNIT, self.seats)
        self.elected: list[int] = []
        self.transferred: set[int] = set()  # elected candidates whose surplus has gone
        self.history: list[tuple[int, ...]] = []  # votes after stage 1 and each batch
        self.stages: list[Stage] = []
        self.lots: list[Lot] = []
        self.stage_number = 0  # the stage of the count, in the book's sense
        first: dict[int, list[tuple[int, int]]] = {}
        for g, (ranking, weight) in enumerate(zip(rankings, weights, strict=True)):
            first.setdefault(ranking[0], []).append((g, weight))
        self.first = first

    # -- helpers -----------------------------------------------------------------

    def continuing(self) -> list[int]:
        return [c for c in range(self.n) if self.state[c] == _CONTINUING]

    @property
    def unfilled(self) -> int:
        return self.seats - len(self.elected)

    def surplus(self, c: int) -> int:
        return max(self.votes[c] - self.quota, 0)

    def pending_surpluses(self) -> list[int]:
        return [c for c in self.elected if c not in self.transferred and self.votes[c] > self.quota]

    def next_preference(self, g: int) -> int | None:
        """ERS97 6.10: the next preference for a continuing candidate.

        Every candidate ranked before the one now holding the paper had
        stopped continuing when the paper passed them, so searching from the
        top of the ranking finds the next available preference.
        """
        for c in self.rankings[g]:
            if self.state[c] == _CONTINUING:
                return c
        return None

    def forward_key(self, c: int) -> tuple[int, ...]:
        """Votes at the first stage and after each later batch (5.2.3)."""
        return tuple(snapshot[c] for snapshot in self.history)

    def total_active_vote(self) -> int:
        """ERS97 5.6.1 and 6.20: valid vote less quotas (or votes) of the elected and NT."""
        kept = sum(min(self.votes[e], self.quota) for e in self.elected)
        return self.valid * _UNIT - kept - self.non_transferable

    def pick(self, tied: list[int], *, highest: bool, purpose: str) -> int:
        """Forward tie-break (5.2.3, 5.2.5), then lot."""
        if len(tied) == 1:
            return tied[0]
        keys = {c: self.forward_key(c) for c in tied}
        best = max(keys.values()) if highest else min(keys.values())
        still = sorted(c for c in tied if keys[c] == best)
        if len(still) == 1:
            return still[0]
        lot = draw_lot(purpose, still, self.seed, len(self.lots) + 1)
        self.lots.append(lot)
        return lot.chosen

    def order_desc(self, candidates: list[int]) -> list[int]:
        """Descending votes, equal votes by the forward history; index last."""
        return sorted(candidates, key=lambda c: (-self.votes[c], _negated(self.forward_key(c)), c))

    def record(
        self,
        kind: StageKind,
        subjects: tuple[int, ...],
        before: list[int],
        elected: list[int],
        excluded: tuple[int, ...],
        note: str,
    ) -> None:
        unit = Fraction(1, _UNIT)
        self.stages.append(
            Stage(
                number=len(self.stages) + 1,
                kind=kind,
                subjects=subjects,
                totals=tuple(v * unit for v in self.votes),
                transfers=tuple((v - b) * unit for v, b in zip(self.votes, before, strict=True)),
                non_transferable=self.non_transferable * unit,
                elected=tuple(elected),
                excluded=excluded,
                note=note,
                quota=self.quota * unit,
            )
        )

    # -- deeming elected: 5.1.7, 5.3.13, 5.4.9, 5.6.2 ------------------------------

    def deem_elected(self) -> list[int]:
        """Deem elected, in descending order of votes, each continuing candidate
        with at least the quota or the total active vote / (places unfilled + 1).

        ERS97 5.1.7, 5.3.13, 5.4.9; equal votes with too few places: 5.6.2.
        """
        newly: list[int] = []
        while self.unfilled > 0:
            continuing = self.continuing()
            if not continuing:
                break
            top = max(self.votes[c] for c in continuing)
            group = [c for c in continuing if self.votes[c] == top]
            active = self.total_active_vote()
            if not (top >= self.quota or top * (self.unfilled + 1) >= active):
                break
            ordered = self.order_desc(group)
            if len(group) > self.unfilled:
                # 5.6.2: select by the earliest point of difference; candidates
                # equal at every point to the last one who would fit are not
                # deemed elected at this stage.
                keys = [self.forward_key(c) for c in ordered]
                boundary = keys[self.unfilled - 1]
                if keys[self.unfilled] != boundary:
                    chosen = ordered[: self.unfilled]
                else:
                    chosen = [c for c, k in zip(ordered, keys, strict=True) if k > boundary]
                for c in chosen:
                    self._elect(c, newly)
                break
            for c in ordered:
                self._elect(c, newly)
        return newly

    def _elect(self, c: int, newly: list[int]) -> None:
        self.state[c] = _ELECTED
        self.elected.append(c)
        newly.append(c)

    # -- the count -----------------------------------------------------------------

    def run(self) -> None:
        self.first_stage()
        while self.unfilled > 0:
            continuing = self.continuing()
            if len(continuing) <= self.unfilled:
                self.fill(continuing, "the continuing candidates are as many as the places left")
                break
            pending = self.pending_surpluses()
            if pending and not self.deferred(pending, continuing):
                self.transfer_surplus(self.choose_surplus(pending))
                continue
            self.exclude(continuing, sum(self.surplus(c) for c in pending))
        self.finish()

    def first_stage(self) -> None:
        """ERS97 5.1: first preferences, the quota (5.1.6), deeming elected (5.1.7)."""
        self.stage_number = 1
        before = list(self.votes)
        for c, papers in sorted(self.first.items()):
            parcel = Parcel(stage=1, value=_UNIT, papers=tuple(papers))
            self.parcels[c].append(parcel)
            self.votes[c] += parcel.count * _UNIT
        self.history.append(tuple(self.votes))
        newly = self.deem_elected()
        self.record(
            StageKind.FIRST,
            (),
            before,
            newly,
            (),
            f"stage 1: first preferences; {self.valid} valid papers; "
            f"quota {_show(self.quota)} (5.1.6)",
        )

    def bulk_group(self, continuing: list[int], deferred: int) -> list[int]:
        """ERS97 5.2.5: the largest group of lowest candidates that may go together.

        (a) enough candidates remain to fill the places, and (b) the group's
        votes plus any deferred surpluses do not exceed the vote of the
        candidate next above. Returns a group of two or more, or [].
        """
        ordered = sorted(continuing, key=lambda c: self.votes[c])
        best: list[int] = []
        running = 0
        for m in range(1, len(ordered)):
            running += self.votes[ordered[m - 1]]
            if len(ordered) - m < self.unfilled:
                break
            above = self.votes[ordered[m]]
            if m >= 2 and self.votes[ordered[m - 1]] < above and running + deferred <= above:
                best = ordered[:m]
        return best

    def deferred(self, pending: list[int], continuing: list[int]) -> bool:
        """ERS97 5.2.2: defer the surpluses if their total cannot change who goes next.

        Deferred when the total does not exceed (a) the difference between
        the two lowest continuing candidates, or (b) the difference between
        a bulk-excludable group's total (5.2.5) and the candidate next above.
        """
        total = sum(self.surplus(c) for c in pending)
        lowest = sorted(self.votes[c] for c in continuing)
        if len(lowest) >= 2 and total <= lowest[1] - lowest[0]:
            return True
        return bool(self.bulk_group(continuing, total))

    def choose_surplus(self, pending: list[int]) -> int:
        """ERS97 5.2.3: the largest surplus; equal ones by the forward history, then lot."""
        largest = max(self.surplus(c) for c in pending)
        tied = sorted(c for c in pending if self.surplus(c) == largest)
        return self.pick(tied, highest=True, purpose="which equal surplus to transfer (5.2.3)")

    def transfer_surplus(self, elected: int) -> None:
        """ERS97 5.3: transfer the last received batch (5.3.1-5.3.2) at a value
        of surplus / transferable papers truncated to 0.01 (5.3.7), recording
        the neglected remainder as the non-transferable difference (5.3.9)."""
        self.stage_number += 1
        before = list(self.votes)
        surplus = self.surplus(elected)
        parcel = self.parcels[elected][-1]
        sorted_papers, non_transferable_papers = self.sort_papers(parcel.papers)
        transferable = sum(n for papers in sorted_papers.values() for _, n in papers)
        # 5.3.7: a lower value only when the papers are worth more than the surplus
        value = parcel.value
        if transferable * parcel.value > surplus:
            value = surplus // transferable
        credited = 0
        for c, papers in sorted(sorted_papers.items()):
            received = Parcel(stage=self.stage_number, value=value, papers=tuple(papers))
            self.parcels[c].append(received)
            self.votes[c] += received.count * value
            credited += received.count * value
        self.votes[elected] -= surplus
        self.non_transferable += surplus - credited
        self.transferred.add(elected)
        self.history.append(tuple(self.votes))
        newly = self.deem_elected()
        self.record(
            StageKind.SURPLUS,
            (elected,),
            before,
            newly,
            (),
            f"stage {self.stage_number}: surplus of {self.names[elected]} ({_show(surplus)}) "
            f"from {parcel.count} papers received at stage {parcel.stage}; "
            f"{transferable} transferable at {_show(value)} each (5.3.7); "
            f"{non_transferable_papers} non-transferable papers",
        )

    def sort_papers(
        self, papers: tuple[tuple[int, int], ...]
    ) -> tuple[dict[int, list[tuple[int, int]]], int]:
        """ERS97 5.3.3, 5.4.2: sort papers to their next available preferences."""
        sorted_papers: dict[int, list[tuple[int, int]]] = {}
        non_transferable = 0
        for g, n in papers:
            c = self.next_preference(g)
            if c is None:
                non_transferable += n
            else:
                sorted_papers.setdefault(c, []).append((g, n))
        return sorted_papers, non_transferable

    def exclude(self, continuing: list[int], deferred: int) -> None:
        """ERS97 5.2.5 and 5.4: exclude the lowest candidate(s) and transfer
        their papers in batches of descending value, deeming candidates elected
        after each batch (5.4.9) and giving no more papers to them (5.4.10)."""
        group = self.bulk_group(continuing, deferred)
        if not group:
            low = min(self.votes[c] for c in continuing)
            tied = sorted(c for c in continuing if self.votes[c] == low)
            group = [self.pick(tied, highest=False, purpose="which candidate to exclude (5.2.5)")]
        group.sort()
        if len(continuing) - len(group) == self.unfilled:
            # 5.5.1: the exclusion would leave as many continuing as places.
            remaining = [c for c in continuing if c not in group]
            for c in group:
                self.state[c] = _EXCLUDED
            self.fill(
                remaining,
                "excluding " + _names(self.names, group) + " would leave "
                "as many continuing candidates as places (5.5.1)",
                excluded=tuple(group),
            )
            return
        self.stage_number += 1
        for c in group:
            self.state[c] = _EXCLUDED
        batches: dict[int, list[tuple[int, int, int]]] = {}
        for c in group:
            for parcel in self.parcels[c]:
                for g, n in parcel.papers:
                    batches.setdefault(parcel.value, []).append((c, g, n))
            self.parcels[c] = []
        values = sorted(batches, reverse=True)
        label = _names(self.names, group)
        if not values:
            before = list(self.votes)
            self.history.append(tuple(self.votes))
            newly = self.deem_elected()
            self.record(
                StageKind.EXCLUSION,
                tuple(group),
                before,
                newly,
                tuple(group),
                f"stage {self.stage_number}: exclusion of {label}; no papers to transfer",
            )
            return
        for i, value in enumerate(values, start=1):
            before = list(self.votes)
            papers: list[tuple[int, int]] = []
            for c, g, n in batches[value]:
                self.votes[c] -= n * value
                papers.append((g, n))
            sorted_papers, non_transferable_papers = self.sort_papers(tuple(papers))
            for c, received in sorted(sorted_papers.items()):
                parcel = Parcel(stage=self.stage_number, value=value, papers=tuple(received))
                self.parcels[c].append(parcel)
                self.votes[c] += parcel.count * value
            self.non_transferable += non_transferable_papers * value
            notes = [
                f"stage {self.stage_number}, batch {i} of {len(values)}: exclusion of {label}; "
                f"papers of value {_show(value)}; {non_transferable_papers} non-transferable"
            ]
            if not self.elected and self.non_transferable:
                reduced = _quota(self.valid * _UNIT - self.non_transferable, self.seats)
                if reduced != self.quota:
                    notes.append(f"quota reduced to {_show(reduced)} (5.4.8)")
                    self.quota = reduced
            self.history.append(tuple(self.votes))
            newly = self.deem_elected()
            self.record(
                StageKind.EXCLUSION,
                tuple(group),
                before,
                newly,
                tuple(group) if i == 1 else (),
                "; ".join(notes),
            )
            if self.unfilled == 0:
                break  # 5.5.2: no further transfers

    def fill(self, remaining: list[int], why: str, excluded: tuple[int, ...] = ()) -> None:
        """ERS97 5.5.1 (and 4.3): deem the remaining continuing candidates elected."""
        before = list(self.votes)
        newly: list[int] = []
        for c in self.order_desc(remaining):
            self._elect(c, newly)
        self.record(StageKind.FILL, tuple(remaining), before, newly, excluded, why)

    def finish(self) -> None:
        """ERS97 5.5.2: once every place is filled the rest are formally excluded."""
        rest = tuple(self.continuing())
        if not rest or not self.stages:
            return
        for c in rest:
            self.state[c] = _EXCLUDED
        last = self.stages[-1]
        self.stages[-1] = replace(
            last,
            excluded=last.excluded + rest,
            note=last.note + f"; all places filled, {_names(self.names, rest)} "
            "formally excluded (5.5.2)",
        )


def _negated(key: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(-v for v in key)


def _show(hundredths: int) -> str:
    whole, part = divmod(hundredths, _UNIT)
    return f"{whole}.{part:02d}"


def _names(names: tuple[str, ...], candidates: Sequence[int]) -> str:
    return ", ".join(names[c] for c in candidates)


@method(METHOD)
def count_ers97(profile: Profile, options: CountOptions) -> ElectionResult:
    """Count ``profile`` by the ERS97 rules (ERS, 3rd ed. 1997, section 5)."""
    if options.seats < 1:
        raise InvalidProfile(f"seats must be at least 1, not {options.seats}")
    count = _Count(profile, options)
    if count.valid == 0:
        raise InvalidProfile("there are no valid ballot papers to count (ERS97 5.1.2)")
    count.run()
    return ElectionResult(
        method=METHOD,
        rule=RULE,
        version=VERSION,
        seats=options.seats,
        candidates=profile.candidates,
        elected=tuple(count.elected),
        stages=tuple(count.stages),
        precision=PRECISION,
        valid_votes=Fraction(count.valid),
        quota=Fraction(count.quota, _UNIT),
        lots=tuple(count.lots),
    )

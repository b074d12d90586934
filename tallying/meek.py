"""STV by Meek's method: rule values ``meek_1987`` and ``meek_nz``.

Sources (docs/counting.md, "Meek"): I. D. Hill, B. A. Wichmann and D. R. Woodall,
"Algorithm 123 - Single Transferable Vote by Meek's method", *The Computer
Journal* 30(3):277-281, 1987; and the New Zealand Local Electoral
Regulations 2001, Schedule 1A. Paragraph references below are to those
texts ("A123" and "NZ 1A").

The method (A123 section 2): every candidate has a *keep factor* k, 1 while
hopeful, 0 once excluded, and between 0 and 1 once elected. A ballot of
weight w gives each candidate it reaches, in order of preference, w x k and
passes on w x (1 - k); what passes the last candidate is *excess*. The quota
is (valid votes - excess) / (seats + 1), recomputed at every iteration. The
keep factors of the elected are set to k x quota / votes and the votes are
redistributed until the total surplus is below a tolerance; then every
hopeful with at least the quota is elected or, if none is, the hopeful with
the fewest votes is excluded.

**Arithmetic.**

* ``meek_1987``: A123 is written in Pascal ``real`` and fixes no precision
  (Wichmann, *Voting matters* 12, 2000: only the convergence criterion is
  specified). We use exact rational arithmetic (``Fraction``) for every vote,
  the excess, the quota, surpluses and all comparisons. Only the keep factors
  are rounded, *up*, to 30 decimal places when they are updated: exactly
  iterated keep factors are rationals whose size doubles with every
  iteration, and rounding them up keeps every elected candidate at or above
  the quota. Given the keep factors, each total is exact, so the Voting
  matters 12 example (X ahead of Y by about 1.25e-7 of a vote) is decided as
  in exact arithmetic.
* ``meek_nz``: NZ 1A in integers of 10^-9: each paper's kept amount is
  rounded up at 9 places and the weight it passes on is what is left (so no
  value is created or lost); the quota is (v - vnt)/(n + 1) truncated to 9
  places plus 0.000000001; keep factors are k x q (rounded up) / votes
  (rounded up), at 9 places.

**Convergence.** Both stop iterating when the total surplus is below
0.000001 of a vote, or when it no longer falls (the stable state; the
tolerance and the stable-state test are those of the Proportional
Representation Foundation's reference Meek rule and of droop's ``meek``).

**Ties.** To exclude: among equal lowest hopefuls, ``meek_1987`` takes the one
with fewer votes at the most recent earlier stage where they differed
(backwards), and ``meek_nz`` the one behind at the first difference (NZ 1A
Part 5, "Ahead At First Difference"); candidates equal at every stage are
separated by lot: the RFC 3797 draw of :mod:`tallying.lots` with key
``lot_key(seed, n)`` in place of NZ 1A's own pseudo-random generator. The
same rules choose who is elected when more hopefuls reach the quota than
there are places (the highest votes first).

**Speed.** Identical rankings are merged first. A ballot's path matters only
up to its first hopeful candidate (who keeps everything) and skips the
excluded, so ballots are grouped by (elected candidates passed, first
hopeful): at most a few hundred groups for any number of ballots, regrouped
incrementally as candidates are elected or excluded. An iteration costs a
pass over the groups, not over the ballots.

Each :class:`~tallying.result.Stage` is one round: the iterations up to an
election (kind ``ROUND``; ``FIRST`` for the first) or up to convergence
followed by an exclusion (kind ``EXCLUSION``), with the totals and quota of
the last iteration; ``FILL`` when the hopefuls are as many as the places left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from tallying._tiebreak import draw_lot
from tallying.errors import InvalidBallot, InvalidProfile
from tallying.profile import Profile
from tallying.registry import CountOptions, method
from tallying.result import ElectionResult, Lot, Stage, StageKind

__all__ = ["KEEP_PLACES_1987", "NZ_PLACES", "OMEGA", "count_meek", "count_meek_nz"]

KEEP_PLACES_1987 = 30  # keep factors are rounded up to this many places in meek_1987
NZ_PLACES = 9  # NZ 1A works to 9 decimal places
OMEGA = Fraction(1, 10**6)  # iterate until the total surplus is below this

_HOPEFUL, _ELECTED, _EXCLUDED = 0, 1, 2
_NZ_UNIT = 10**NZ_PLACES
_KEEP_SCALE = 10**KEEP_PLACES_1987

GroupKey = tuple[tuple[int, ...], int]  # (elected candidates passed, first hopeful or -1)


@dataclass(frozen=True, slots=True)
class _Rule:
    """What differs between the rule values."""

    method: str
    rule: str
    version: str
    precision: int
    nz: bool  # NZ 1A fixed point, else exact rationals with rounded keep factors
    forwards: bool  # ties broken at the first difference (NZ 1A Part 5), else backwards


MEEK_1987 = _Rule(
    method="meek",
    rule="meek_1987",
    version="Hill, Wichmann and Woodall, Algorithm 123, Computer Journal 30(3), 1987",
    precision=9,
    nz=False,
    forwards=False,
)
MEEK_NZ = _Rule(
    method="meek_nz",
    rule="meek_nz",
    version="New Zealand Local Electoral Regulations 2001, Schedule 1A",
    precision=NZ_PLACES,
    nz=True,
    forwards=True,
)


class _Groups:
    """Merged rankings grouped by the part of their path that Meek's rule uses."""

    def __init__(self, rankings: list[tuple[int, ...]], weights: list[int]) -> None:
        self.rankings = rankings
        self.weights = weights
        self.position = [0] * len(rankings)
        self.members: dict[GroupKey, list[int]] = {}
        self.weight: dict[GroupKey, int] = {}
        for i, ranking in enumerate(rankings):
            self._add(((), ranking[0]), i)

    def _add(self, key: GroupKey, i: int) -> None:
        self.members.setdefault(key, []).append(i)
        self.weight[key] = self.weight.get(key, 0) + self.weights[i]

    def advance(self, candidate: int, state: list[int]) -> None:
        """Move on every ranking whose first hopeful ``candidate`` has just been
        elected or excluded (their paths only ever lengthen, so the total work
        over a whole count is one pass over the rankings)."""
        rankings, weights, position = self.rankings, self.weights, self.position
        members_of, weight_of = self.members, self.weight
        for key in [k for k in members_of if k[1] == candidate]:
            path = key[0]
            members = members_of.pop(key)
            del weight_of[key]
            if state[candidate] == _ELECTED:
                path = (*path, candidate)
            for i in members:
                ranking = rankings[i]
                j = position[i] + 1
                end = len(ranking)
                passed = path
                while j < end:
                    status = state[ranking[j]]
                    if status == _HOPEFUL:
                        break
                    if status == _ELECTED:
                        passed = (*passed, ranking[j])
                    j += 1
                position[i] = j
                new_key = (passed, ranking[j] if j < end else -1)
                group = members_of.get(new_key)
                if group is None:
                    members_of[new_key] = [i]
                    weight_of[new_key] = weights[i]
                else:
                    group.append(i)
                    weight_of[new_key] += weights[i]


class _Meek:
    """One Meek count. Values are Fractions (meek_1987) or ints of 10^-9 (meek_nz)."""

    def __init__(self, profile: Profile, options: CountOptions, rule: _Rule) -> None:
        self.rule = rule
        self.names = profile.candidates
        self.n = len(profile.candidates)
        self.seats = options.seats
        self.seed = options.seed
        merged: dict[tuple[int, ...], int] = {}
        withdrawn = profile.withdrawn
        for ballot in profile.ballots:
            try:
                ranking = tuple(c for (c,) in ballot.ranking)
            except ValueError:
                raise InvalidBallot(
                    "Meek's method (A123) takes strict rankings, not candidates ranked equal"
                ) from None
            if withdrawn:
                ranking = tuple(c for c in ranking if c not in withdrawn)
            if ranking:  # a paper with no valid preference is informal
                merged[ranking] = merged.get(ranking, 0) + ballot.weight
        self.valid = sum(merged.values())
        self.groups = _Groups(list(merged), list(merged.values()))
        self.state = [_HOPEFUL] * self.n
        self.keep: list[Fraction] = [Fraction(1)] * self.n
        self.keep_nz: list[int] = [_NZ_UNIT] * self.n
        for c in profile.withdrawn:
            self.state[c] = _EXCLUDED
            self.keep[c] = Fraction(0)
            self.keep_nz[c] = 0
        self.elected: list[int] = []
        self.stages: list[Stage] = []
        self.lots: list[Lot] = []
        self.history: list[tuple[Fraction, ...]] = []
        self.votes: list[Fraction] = [Fraction(0)] * self.n
        self.excess = Fraction(0)
        self.quota = Fraction(0)
        self.iterations = 0

    # -- arithmetic ----------------------------------------------------------------

    def distribute(self) -> None:
        """A123 / NZ 1A: pass every ballot group down its path; set votes, excess, quota."""
        if self.rule.nz:
            self._distribute_nz()
        else:
            self._distribute_exact()

    def _distribute_exact(self) -> None:
        votes = [Fraction(0)] * self.n
        keep = self.keep
        for (path, hopeful), weight in self.groups.weight.items():
            w = Fraction(weight)
            for e in path:
                kept = w * keep[e]
                votes[e] += kept
                w -= kept
            if hopeful >= 0:
                votes[hopeful] += w
        self.votes = votes
        self.excess = self.valid - sum(votes, Fraction(0))
        self.quota = (self.valid - self.excess) / (self.seats + 1)

    def _distribute_nz(self) -> None:
        """NZ 1A: per paper, each candidate keeps w x k rounded up at 9 places."""
        units = [0] * self.n
        keep = self.keep_nz
        for (path, hopeful), weight in self.groups.weight.items():
            w = _NZ_UNIT
            for e in path:
                kept = -(-w * keep[e] // _NZ_UNIT)
                units[e] += kept * weight
                w -= kept
            if hopeful >= 0:
                units[hopeful] += w * weight
        total = self.valid * _NZ_UNIT
        excess = total - sum(units)
        quota = (total - excess) // (self.seats + 1) + 1  # truncated, plus 0.000000001
        self.votes = [Fraction(u, _NZ_UNIT) for u in units]
        self.excess = Fraction(excess, _NZ_UNIT)
        self.quota = Fraction(quota, _NZ_UNIT)

    def update_keep_factors(self) -> None:
        """A123: k <- k x quota / votes for each elected candidate (never above 1)."""
        for e in self.elected:
            votes = self.votes[e]
            if votes <= 0:
                continue
            if self.rule.nz:
                q_units = self.quota.numerator * (_NZ_UNIT // self.quota.denominator)
                v_units = votes.numerator * (_NZ_UNIT // votes.denominator)
                scaled = -(-self.keep_nz[e] * q_units // _NZ_UNIT)  # k x q, rounded up
                self.keep_nz[e] = min(-(-scaled * _NZ_UNIT // v_units), _NZ_UNIT)
            else:
                exact = self.keep[e] * self.quota / votes
                rounded = Fraction(
                    -(-exact.numerator * _KEEP_SCALE // exact.denominator), _KEEP_SCALE
                )
                self.keep[e] = min(rounded, Fraction(1))

    def total_surplus(self) -> Fraction:
        return max(
            sum((self.votes[e] - self.quota for e in self.elected), Fraction(0)), Fraction(0)
        )

    # -- ties ----------------------------------------------------------------------

    def pick(self, tied: list[int], *, highest: bool, purpose: str) -> int:
        """The earlier stages' totals (backwards or forwards by rule), then lot."""
        remaining = sorted(tied)
        stages = self.history if self.rule.forwards else list(reversed(self.history))
        for totals in stages:
            if len(remaining) == 1:
                break
            values = [totals[c] for c in remaining]
            target = max(values) if highest else min(values)
            remaining = [c for c in remaining if totals[c] == target]
        if len(remaining) == 1:
            return remaining[0]
        lot = draw_lot(purpose, remaining, self.seed, len(self.lots) + 1)
        self.lots.append(lot)
        return lot.chosen

    # -- the count -----------------------------------------------------------------

    def hopefuls(self) -> list[int]:
        return [c for c in range(self.n) if self.state[c] == _HOPEFUL]

    def set_state(self, candidate: int, state: int) -> None:
        self.state[candidate] = state
        if state == _EXCLUDED:
            self.keep[candidate] = Fraction(0)
            self.keep_nz[candidate] = 0
        self.groups.advance(candidate, self.state)

    def run(self) -> None:
        while len(self.elected) < self.seats:
            hopefuls = self.hopefuls()
            if len(hopefuls) <= self.seats - len(self.elected):
                self.fill(hopefuls)
                break
            self.round()
        rest = self.hopefuls()
        if rest and self.stages:
            for c in rest:
                self.set_state(c, _EXCLUDED)
            last = self.stages[-1]
            self.stages[-1] = replace(
                last,
                excluded=last.excluded + tuple(rest),
                note=last.note + "; all places filled, the remaining hopefuls are excluded",
            )

    def round(self) -> None:
        """Iterate (A123; NZ 1A steps 2-3) until someone reaches the quota or the
        surplus converges; then elect, or exclude the lowest hopeful."""
        previous: Fraction | None = None
        iterations = 0
        while True:
            self.distribute()
            iterations += 1
            reached = [c for c in self.hopefuls() if self.votes[c] >= self.quota]
            if reached:
                self.elect(reached, iterations)
                return
            surplus = self.total_surplus()
            if surplus < OMEGA or (previous is not None and surplus >= previous):
                self.exclude(iterations, surplus)
                return
            previous = surplus
            self.update_keep_factors()

    def elect(self, reached: list[int], iterations: int) -> None:
        """Elect every hopeful at or above the quota, highest first, up to the places left."""
        places = self.seats - len(self.elected)
        # Listing order only, when every one of them has a place.
        ordered: list[int] = sorted(reached, key=lambda c: (-self.votes[c], c))
        pool = list(reached)
        if len(reached) > places:
            ordered = []
        while len(reached) > places and len(ordered) < places:
            top = max(self.votes[c] for c in pool)
            tied = [c for c in pool if self.votes[c] == top]
            chosen = self.pick(
                tied, highest=True, purpose="which candidate reaching the quota to elect"
            )
            ordered.append(chosen)
            pool.remove(chosen)
        for c in ordered:
            self.elected.append(c)
            self.set_state(c, _ELECTED)
        self.record(
            StageKind.FIRST if not self.stages else StageKind.ROUND,
            tuple(ordered),
            tuple(ordered),
            (),
            f"{iterations} iteration(s); {_names(self.names, ordered)} reached the quota",
        )

    def exclude(self, iterations: int, surplus: Fraction) -> None:
        """Exclude the hopeful with the fewest votes (A123; NZ 1A step 4)."""
        hopefuls = self.hopefuls()
        low = min(self.votes[c] for c in hopefuls)
        tied = [c for c in hopefuls if self.votes[c] == low]
        loser = self.pick(tied, highest=False, purpose="which candidate to exclude")
        self.record(
            StageKind.FIRST if not self.stages else StageKind.EXCLUSION,
            (loser,),
            (),
            (loser,),
            f"{iterations} iteration(s), total surplus {float_free(surplus)}; "
            f"{self.names[loser]} has the fewest votes and is excluded",
        )
        self.set_state(loser, _EXCLUDED)

    def fill(self, hopefuls: list[int]) -> None:
        """A123 / NZ 1A cl.3: the hopefuls are as many as the places left: all elected."""
        self.distribute()
        ordered = sorted(hopefuls, key=lambda c: (-self.votes[c], c))
        for c in ordered:
            self.elected.append(c)
            self.set_state(c, _ELECTED)
        self.record(
            StageKind.FILL,
            tuple(ordered),
            tuple(ordered),
            (),
            "the hopeful candidates are as many as the places left, and are elected",
        )

    def record(
        self,
        kind: StageKind,
        subjects: tuple[int, ...],
        elected: tuple[int, ...],
        excluded: tuple[int, ...],
        note: str,
    ) -> None:
        previous = self.history[-1] if self.history else tuple(Fraction(0) for _ in self.votes)
        totals = tuple(self.votes)
        self.history.append(totals)
        self.stages.append(
            Stage(
                number=len(self.stages) + 1,
                kind=kind,
                subjects=subjects,
                totals=totals,
                transfers=tuple(t - p for t, p in zip(totals, previous, strict=True)),
                non_transferable=self.excess,
                elected=elected,
                excluded=excluded,
                note=note,
                quota=self.quota,
            )
        )


def float_free(value: Fraction, places: int = 9) -> str:
    """``value`` to ``places`` decimals, truncated, without going through float."""
    scale = 10**places
    units = value.numerator * scale // value.denominator
    whole, part = divmod(units, scale)
    return f"{whole}.{part:0{places}d}"


def _names(names: tuple[str, ...], candidates: Sequence[int]) -> str:
    return ", ".join(names[c] for c in candidates)


def _count(profile: Profile, options: CountOptions, rule: _Rule) -> ElectionResult:
    if options.seats < 1:
        raise InvalidProfile(f"seats must be at least 1, not {options.seats}")
    meek = _Meek(profile, options, rule)
    if meek.valid == 0:
        raise InvalidProfile("there are no valid ballot papers to count")
    meek.run()
    first_quota = meek.stages[0].quota if meek.stages else None
    return ElectionResult(
        method=rule.method,
        rule=rule.rule,
        version=rule.version,
        seats=options.seats,
        candidates=profile.candidates,
        elected=tuple(meek.elected),
        stages=tuple(meek.stages),
        precision=rule.precision,
        valid_votes=Fraction(meek.valid),
        quota=meek.stages[-1].quota if meek.stages else first_quota,
        lots=tuple(meek.lots),
    )


@method("meek")
def count_meek(profile: Profile, options: CountOptions) -> ElectionResult:
    """Count by Meek's method as Algorithm 123 (1987) gives it: rule ``meek_1987``."""
    return _count(profile, options, MEEK_1987)


@method("meek_nz")
def count_meek_nz(profile: Profile, options: CountOptions) -> ElectionResult:
    """Count by the New Zealand method (Local Electoral Regulations 2001 Sch. 1A)."""
    return _count(profile, options, MEEK_NZ)

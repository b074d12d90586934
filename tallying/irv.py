"""The alternative vote, classic form: ``irv`` (rule ``alternative_vote_majority_of_continuing``).

The rule, stated plainly (one seat):

1. **First stage.** Each valid paper counts one vote (its weight) for its first
   preference. Withdrawn candidates are skipped as if not printed.
2. **Majority.** At the end of every stage, a continuing candidate with *more
   than half of the continuing votes* (the votes on papers not exhausted; in
   integers, ``2 * votes > continuing``) is elected and the count ends. A
   candidate left alone as the only continuing one is elected too.
3. **Exclusion.** Otherwise the continuing candidate with the fewest votes is
   excluded, one per stage. Each of their papers goes to its next preference
   for a continuing candidate; a paper with none is exhausted
   (non-transferable) and no longer counts towards the majority.
4. **Exclusion ties.** Among candidates equal lowest, exclude the one with the
   fewest votes at the most recent preceding stage at which they had unequal
   votes (narrowing again if several remain equal there); if they were equal
   at every stage, decide by lot with the count's seed. This is the backwards
   rule of SSI 2007/42 Sch. 1 r.51.

This is not ``scottish_stv_2007`` with one seat (docs/counting.md): that rule fixes
the quota at floor(V/2)+1 of *all* valid papers and usually runs to the last
two candidates; the winner is the same, the stages differ. It is also not the
United Kingdom's alternative vote as enacted in the Parliamentary Voting System
and Constituencies Act 2011 (s.9, rule 45A, which has the same majority test,
and Sch. 10 para. 7, rules 49 and 49A, which break ties *forwards*: first
preferences first, then each later stage). The two can differ only on a tie.

Only strict rankings are accepted: a paper giving two candidates the same
preference raises :class:`~tallying.errors.InvalidBallot`.
"""

from __future__ import annotations

from fractions import Fraction

from tallying._tiebreak import draw_lot, narrow_backwards
from tallying.errors import InvalidProfile
from tallying.profile import Profile
from tallying.registry import CountOptions, method
from tallying.result import ElectionResult, Lot, Stage, StageKind

__all__ = ["RULE", "irv"]

RULE = "alternative_vote_majority_of_continuing"
VERSION = "1"


@method("irv")
def irv(profile: Profile, options: CountOptions) -> ElectionResult:
    """Count by the classic alternative vote (``alternative_vote_majority_of_continuing``).

    See the module docstring for the rule. One seat only.
    """
    if options.seats != 1:
        raise InvalidProfile(f"the alternative vote fills one seat, not {options.seats}")
    names = profile.candidates
    n = len(names)
    papers = [(ballot.weight, ballot.strict()) for ballot in profile.ballots]
    continuing = {c for c in range(n) if c not in profile.withdrawn}
    # piles[c]: (paper index, position of c in its ranking) for every paper c holds.
    piles: dict[int, list[tuple[int, int]]] = {c: [] for c in continuing}
    totals = [0] * n
    exhausted = 0

    def place(paper: int, start: int) -> int | None:
        """Give ``paper`` to its first continuing preference at ``start`` or later."""
        weight, ranking = papers[paper]
        for position in range(start, len(ranking)):
            candidate = ranking[position]
            if candidate in continuing:
                piles[candidate].append((paper, position))
                totals[candidate] += weight
                return candidate
        return None

    for paper, (weight, _) in enumerate(papers):
        if place(paper, 0) is None:
            exhausted += weight

    stages: list[Stage] = []
    history: list[tuple[Fraction, ...]] = []
    lots: list[Lot] = []
    elected: tuple[int, ...] = ()
    kind = StageKind.FIRST
    excluded: tuple[int, ...] = ()
    transfers = [0] * n
    note = "First preferences."
    while True:
        live = sum(totals[c] for c in continuing)
        winner = next((c for c in sorted(continuing) if 2 * totals[c] > live), None)
        if winner is None and len(continuing) == 1:
            winner = next(iter(continuing))
        if winner is not None:
            elected = (winner,)
            if 2 * totals[winner] > live:
                note += (
                    f" {names[winner]} has {totals[winner]} of {live} continuing votes, a majority."
                )
            else:
                note += f" {names[winner]} is the only continuing candidate."
        snapshot = tuple(Fraction(t) for t in totals)
        stages.append(
            Stage(
                number=len(stages) + 1,
                kind=kind,
                subjects=excluded,
                totals=snapshot,
                transfers=tuple(Fraction(t) for t in transfers),
                non_transferable=Fraction(exhausted),
                elected=elected,
                excluded=excluded,
                note=note,
            )
        )
        history.append(snapshot)
        if elected or not continuing:
            break

        fewest = min(totals[c] for c in continuing)
        tied = sorted(c for c in continuing if totals[c] == fewest)
        how = "fewest votes"
        if len(tied) > 1:
            narrowed = narrow_backwards(tied, history[:-1], fewest=True)
            how = "fewest votes; tie broken by an earlier stage"
            if len(narrowed) > 1:
                lot = draw_lot(
                    f"exclusion at stage {len(stages) + 1}", narrowed, options.seed, len(lots) + 1
                )
                lots.append(lot)
                narrowed = (lot.chosen,)
                how = "fewest votes; tie decided by lot"
            tied = list(narrowed)
        loser = tied[0]

        continuing.discard(loser)
        transfers = [0] * n
        moved = piles.pop(loser)
        transfers[loser] = -totals[loser]
        totals[loser] = 0
        lost = 0
        for paper, position in moved:
            weight = papers[paper][0]
            receiver = place(paper, position + 1)
            if receiver is None:
                lost += weight
            else:
                transfers[receiver] += weight
        exhausted += lost
        kind = StageKind.EXCLUSION
        excluded = (loser,)
        note = (
            f"{names[loser]} excluded ({how}: {fewest}); "
            f"{fewest - lost} transferred, {lost} exhausted."
        )

    return ElectionResult(
        method="irv",
        rule=RULE,
        version=VERSION,
        seats=1,
        candidates=names,
        elected=elected,
        stages=tuple(stages),
        precision=0,
        valid_votes=Fraction(profile.total_weight),
        lots=tuple(lots),
    )

"""Condorcet counting as the Debian constitution does it: ``schulze``.

Rule ``debian_constitution_a6_condorcet_schulze``: Debian Constitution,
appendix A.6 (vote counting), as in the Debian leader elections:

1. Each paper ranks the options. Options it does not rank are equal to one
   another and below every option it ranks. Equal rankings are allowed.
   ``V(A, B)`` is the number of voters (the sum of the weights) who prefer A
   to B.
2. *Quorum* (optional, only with a default option): an option other than the
   default option ranked above the default option by fewer than ``R`` voters
   is dropped.
3. *Majority requirement* (only with a default option): an option A other than
   the default option D is dropped unless it defeats D by its majority ratio
   N, that is ``V(A, D) >= N * V(D, A)`` and ``V(A, D) > V(D, A)``. N is 1
   (a 1:1 majority) unless the option needs a supermajority (3:1 gives N = 3).
4. Among the options left, A *defeats* B when ``V(A, B) > V(B, A)``.
5. A transitively defeats C when A defeats C, or A defeats some B that
   transitively defeats C.
6. The *Schwartz set*: every option A such that, for every B, either A
   transitively defeats B or B does not transitively defeat A.
7. If there are defeats between options of the Schwartz set, drop the weakest
   of them and go back to step 5. (A, X) is weaker than (B, Y) when
   ``V(A, X) < V(B, Y)``, or they are equal and ``V(X, A) > V(Y, B)``; all
   equally weakest defeats are dropped together.
8. When no defeats are left within the Schwartz set, its options are the
   winners. If there is more than one, the constitution gives the casting
   vote to the chair (the Project Leader, or the Secretary in a leader
   election); here a lot is drawn with the count's seed and recorded.

Steps 4-8 (Schwartz sequential dropping) pick the same winners as Schulze's
beatpath method with the same defeat strengths; the tests check this.

The *default option* is the option that wins when nothing else is accepted
("None Of The Above" in leader elections, "Further Discussion" in older
general resolutions). It is never elected to a seat: every other option left
after step 3 defeats it, so it comes last unless it is the only option left,
and then no one is elected (``elected`` is empty and the stage note says the
default option won). The registered method takes as default option the one
candidate named like it (:data:`DEFAULT_OPTION_NAMES`, ignoring case, spaces
and punctuation); :func:`schulze_count` takes it, the majority ratios and the
quorum explicitly.

**Several seats** (not a Debian use; proportional Schulze is out of scope):
the first seat goes to the step-8 winner, then the seats are filled in the
order of the Schulze ranking. A is ranked above B when the strongest beatpath
from A to B is stronger than the strongest from B to A (a path's strength is
its weakest defeat, ordered as in step 7); each further seat goes to an
option no remaining option is ranked above, by lot if several.

Withdrawn candidates are left out of the count from the start.

Explanation: stage 1 holds the pairwise matrix ``V(row, column)`` in its note;
then a stage for the majority requirement (when there is a default option), a
stage per dropping of weakest defeats, and a final stage with the beatpath
strengths and the election. A stage's ``totals[i]`` is the number of options
still in the count that option ``i`` defeats by the defeats still standing
(an explanation figure; the rule does not add votes up).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from fractions import Fraction

from tallying._tiebreak import draw_lot
from tallying.errors import CountError, InvalidProfile
from tallying.profile import Profile
from tallying.registry import CountOptions, method
from tallying.result import ElectionResult, Lot, Stage, StageKind

__all__ = [
    "DEFAULT_OPTION_NAMES",
    "RULE",
    "beatpath_strengths",
    "default_option_of",
    "pairwise_preferences",
    "schulze",
    "schulze_count",
    "schwartz_sequential_dropping",
]

RULE = "debian_constitution_a6_condorcet_schulze"
VERSION = "1"

#: Names (normalised: lower case, letters and digits only) that mark the default option.
DEFAULT_OPTION_NAMES = frozenset({"noneoftheabove", "nota", "furtherdiscussion"})

Matrix = tuple[tuple[int, ...], ...]
Strength = tuple[int, int]  # (V(A, X), -V(X, A)): larger is stronger (A.6 step 7)
NO_PATH: Strength = (-1, 0)  # weaker than every defeat


def default_option_of(candidates: Sequence[str]) -> int | None:
    """The index of the one candidate named like a default option, or None.

    Raises :class:`InvalidProfile` if several candidates are named like one.
    """
    found = [
        i
        for i, name in enumerate(candidates)
        if re.sub(r"[^0-9a-z]", "", name.casefold()) in DEFAULT_OPTION_NAMES
    ]
    if len(found) > 1:
        listed = ", ".join(repr(candidates[i]) for i in found)
        raise InvalidProfile(f"more than one option looks like the default option: {listed}")
    return found[0] if found else None


def pairwise_preferences(profile: Profile) -> Matrix:
    """``V[a][b]``: the weight of papers preferring ``a`` to ``b`` (A.6 step 1).

    An option a paper does not rank is below every option it ranks and equal to
    the other unranked options.
    """
    n = len(profile.candidates)
    v = [[0] * n for _ in range(n)]
    for ballot in profile.ballots:
        position = [len(ballot.ranking)] * n
        for level, rank in enumerate(ballot.ranking):
            for candidate in rank:
                position[candidate] = level
        for a in range(n):
            row = v[a]
            pa = position[a]
            for b in range(n):
                if pa < position[b]:
                    row[b] += ballot.weight
    return tuple(tuple(row) for row in v)


def _defeats(v: Matrix, options: Sequence[int]) -> set[tuple[int, int]]:
    return {(a, b) for a in options for b in options if v[a][b] > v[b][a]}


def _closure(defeats: set[tuple[int, int]], options: Sequence[int]) -> set[tuple[int, int]]:
    reach = set(defeats)
    for k in options:
        into_k = [a for a in options if (a, k) in reach]
        from_k = [b for b in options if (k, b) in reach]
        for a in into_k:
            for b in from_k:
                reach.add((a, b))
    return reach


def _schwartz_set(defeats: set[tuple[int, int]], options: Sequence[int]) -> tuple[int, ...]:
    reach = _closure(defeats, options)
    return tuple(
        a for a in options if all((a, b) in reach or (b, a) not in reach for b in options if b != a)
    )


def schwartz_sequential_dropping(
    v: Matrix, options: Sequence[int]
) -> tuple[tuple[int, ...], list[tuple[tuple[int, ...], tuple[tuple[int, int], ...]]]]:
    """A.6 steps 4-8 over ``options``: the winners, and each dropping made.

    Each dropping is (the Schwartz set at that point, the weakest defeats
    dropped from it).
    """
    defeats = _defeats(v, options)
    droppings: list[tuple[tuple[int, ...], tuple[tuple[int, int], ...]]] = []
    while True:
        schwartz = _schwartz_set(defeats, options)
        inside = [(a, b) for (a, b) in defeats if a in schwartz and b in schwartz]
        if not inside:
            return schwartz, droppings
        weakest = min((v[a][b], -v[b][a]) for (a, b) in inside)
        dropped = tuple(sorted(d for d in inside if (v[d[0]][d[1]], -v[d[1]][d[0]]) == weakest))
        defeats.difference_update(dropped)
        droppings.append((schwartz, dropped))


def beatpath_strengths(v: Matrix, options: Sequence[int]) -> dict[tuple[int, int], Strength]:
    """Strongest path strengths between ``options`` (Schulze), defeats ordered as A.6 step 7.

    ``p[a, b]`` is the strength of the strongest path of defeats from a to b,
    a path being as strong as its weakest defeat; :data:`NO_PATH` if none.
    """
    p: dict[tuple[int, int], Strength] = {}
    for a in options:
        for b in options:
            if a != b:
                p[a, b] = (v[a][b], -v[b][a]) if v[a][b] > v[b][a] else NO_PATH
    for k in options:
        for a in options:
            if a == k:
                continue
            through = p[a, k]
            if through == NO_PATH:
                continue
            for b in options:
                if b in (a, k):
                    continue
                candidate = min(through, p[k, b])
                if candidate > p[a, b]:
                    p[a, b] = candidate
    return p


@method("schulze")
def schulze(profile: Profile, options: CountOptions) -> ElectionResult:
    """Count by Debian constitution A.6 (rule ``debian_constitution_a6_condorcet_schulze``).

    The default option is the candidate named like "None Of The Above" or
    "Further Discussion", if any; every option needs a 1:1 majority over it;
    no quorum.
    """
    return schulze_count(profile, options, default_option=default_option_of(profile.candidates))


def schulze_count(
    profile: Profile,
    options: CountOptions,
    *,
    default_option: int | None,
    majority_ratios: Mapping[int, Fraction | int] | None = None,
    quorum: int | None = None,
) -> ElectionResult:
    """Count by Debian constitution A.6 with an explicit default option.

    ``majority_ratios[i]`` is option ``i``'s majority ratio N (3 for 3:1;
    options not listed need 1:1). ``quorum`` is the number R of voters who must
    rank an option above the default option. Both need a default option.
    """
    names = profile.candidates
    n = len(names)
    if options.seats < 1:
        raise InvalidProfile(f"seats must be at least 1, not {options.seats}")
    ratios = dict(majority_ratios or {})
    if default_option is None and (ratios or quorum is not None):
        raise InvalidProfile("a majority requirement or quorum needs a default option")
    if default_option is not None:
        if not 0 <= default_option < n:
            raise InvalidProfile(f"default option {default_option + 1} is not on the ballot")
        if default_option in profile.withdrawn:
            raise InvalidProfile("the default option cannot be withdrawn")
    for option, ratio in ratios.items():
        if not 0 <= option < n or option == default_option:
            raise InvalidProfile(f"no majority ratio can be set for option {option + 1}")
        if ratio < 1:
            raise InvalidProfile(f"a majority ratio must be at least 1:1, not {ratio}")
    if quorum is not None and quorum < 0:
        raise InvalidProfile(f"a quorum cannot be negative, not {quorum}")

    v = pairwise_preferences(profile)
    considered = [c for c in range(n) if c not in profile.withdrawn]
    stages: list[Stage] = []

    def add(
        kind: StageKind,
        note: str,
        live: Sequence[int],
        standing: set[tuple[int, int]],
        *,
        excluded: tuple[int, ...] = (),
        elected: tuple[int, ...] = (),
        subjects: tuple[int, ...] = (),
    ) -> None:
        wins = [0] * n
        for a, b in standing:
            if a in live and b in live:
                wins[a] += 1
        stages.append(
            Stage(
                number=len(stages) + 1,
                kind=kind,
                subjects=subjects,
                totals=tuple(Fraction(w) for w in wins),
                transfers=tuple(Fraction(0) for _ in range(n)),
                non_transferable=Fraction(0),
                elected=elected,
                excluded=excluded,
                note=note,
            )
        )

    add(
        StageKind.FIRST,
        "Pairwise preferences V(row, column), the voters preferring the row's option "
        "to the column's (A.6 step 1):\n" + _matrix_text(names, considered, v),
        considered,
        _defeats(v, considered),
    )

    # A.6 steps 2 and 3: the quorum and the majority requirement.
    live = list(considered)
    if default_option is not None:
        d = default_option
        dropped: list[int] = []
        reasons: list[str] = []
        for a in considered:
            if a == d:
                continue
            ratio = Fraction(ratios.get(a, 1))
            if quorum is not None and v[a][d] < quorum:
                dropped.append(a)
                reasons.append(
                    f"{names[a]}: ranked above {names[d]} by {v[a][d]}, below the quorum {quorum}"
                )
            elif not (v[a][d] > v[d][a] and v[a][d] >= ratio * v[d][a]):
                dropped.append(a)
                reasons.append(
                    f"{names[a]}: V={v[a][d]} against {v[d][a]} does not meet {_ratio_text(ratio)}"
                )
        live = [c for c in considered if c not in dropped]
        summary = "; ".join(reasons) if reasons else "no option dropped"
        add(
            StageKind.EXCLUSION,
            f"Options must defeat the default option {names[d]} by their required majority "
            f"(A.6 steps 2-3): {summary}.",
            live,
            _defeats(v, live),
            excluded=tuple(dropped),
            subjects=(d,),
        )

    # A.6 steps 4-7: Schwartz sequential dropping.
    winners, droppings = schwartz_sequential_dropping(v, live)
    standing = _defeats(v, live)
    for schwartz, dropped_defeats in droppings:
        standing.difference_update(dropped_defeats)
        listed = ", ".join(
            f"{names[a]} over {names[b]} ({v[a][b]} to {v[b][a]})" for a, b in dropped_defeats
        )
        add(
            StageKind.ROUND,
            f"Schwartz set {{{', '.join(names[c] for c in schwartz)}}}; "
            f"weakest defeat(s) within it dropped (A.6 step 7): {listed}.",
            live,
            standing,
        )

    # A.6 step 8, then the Schulze ranking for further seats.
    p = beatpath_strengths(v, live)
    eligible = [c for c in live if c != default_option]
    lots: list[Lot] = []
    elected: list[int] = []
    first = [c for c in winners if c != default_option]
    places = min(options.seats, len(eligible))
    pool = first
    while len(elected) < places:
        if not pool:  # the Schulze ranking is a strict partial order (Schulze 2011, 4.1)
            raise CountError("no option is ranked first among those left: this is a bug")
        if len(pool) > 1:
            lot = draw_lot(f"seat {len(elected) + 1}", pool, options.seed, len(lots) + 1)
            lots.append(lot)
            choice = lot.chosen
        else:
            choice = pool[0]
        elected.append(choice)
        remaining = [c for c in eligible if c not in elected]
        pool = [c for c in remaining if not any(p[o, c] > p[c, o] for o in remaining if o != c)]

    notes = [
        f"No defeats within the Schwartz set {{{', '.join(names[c] for c in winners)}}} "
        "(A.6 step 8).",
        "Strongest beatpaths, (votes for, votes against) of the weakest defeat on the path, "
        "row to column:\n" + _strength_text(names, live, p),
    ]
    if not elected:
        default_name = names[default_option] if default_option is not None else "the default"
        notes.append(f"The default option {default_name} wins: no one is elected.")
    else:
        notes.append("Elected in order: " + ", ".join(names[c] for c in elected) + ".")
        if len(elected) < options.seats:
            notes.append(f"{options.seats - len(elected)} seat(s) left unfilled: no option left.")
    for lot in lots:
        notes.append(
            f"Lot among {', '.join(names[c] for c in lot.tied)} for {lot.purpose}: "
            f"{names[lot.chosen]} drawn (in place of the casting vote of A.6 step 8)."
        )
    add(StageKind.ROUND, "\n".join(notes), live, standing, elected=tuple(elected))

    return ElectionResult(
        method="schulze",
        rule=RULE,
        version=VERSION,
        seats=options.seats,
        candidates=names,
        elected=tuple(elected),
        stages=tuple(stages),
        precision=0,
        valid_votes=Fraction(profile.total_weight),
        lots=tuple(lots),
    )


def _ratio_text(ratio: Fraction) -> str:
    return f"a {ratio}:1 majority" if ratio.denominator == 1 else f"a majority ratio of {ratio}"


def _legend(names: Sequence[str], options: Sequence[int]) -> str:
    return "\n".join(f"  [{c + 1}] {names[c]}" for c in options)


def _matrix_text(names: Sequence[str], options: Sequence[int], v: Matrix) -> str:
    header = "      " + "".join(f"{f'[{c + 1}]':>8}" for c in options)
    rows = [
        f"{f'[{a + 1}]':<6}" + "".join(f"{'-' if a == b else str(v[a][b]):>8}" for b in options)
        for a in options
    ]
    return "\n".join([_legend(names, options), header, *rows])


def _strength_text(
    names: Sequence[str], options: Sequence[int], p: Mapping[tuple[int, int], Strength]
) -> str:
    def cell(a: int, b: int) -> str:
        if a == b:
            return "-"
        s = p[a, b]
        return "none" if s == NO_PATH else f"{s[0]}:{-s[1]}"

    header = "      " + "".join(f"{f'[{c + 1}]':>12}" for c in options)
    rows = [f"{f'[{a + 1}]':<6}" + "".join(f"{cell(a, b):>12}" for b in options) for a in options]
    return "\n".join([header, *rows])

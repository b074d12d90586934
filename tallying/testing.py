"""Hypothesis strategies for ranked profiles: the project's tests use them, and so may embedders.

This module imports ``hypothesis`` (a test dependency, in the ``dev`` extra);
nothing else in ``tallying`` imports it.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tallying.profile import Profile, RankedBallot

__all__ = ["cyclic_profiles", "profiles", "ranked_elections", "rankings"]


@st.composite
def rankings(
    draw: st.DrawFn, n: int, *, strict: bool, complete: bool = False
) -> tuple[tuple[int, ...], ...]:
    """A ranking of some (or, with ``complete``, all) of ``n`` candidates.

    With ``strict`` false, consecutive candidates may share a rank.
    """
    order = draw(st.permutations(range(n)))
    length = n if complete else draw(st.integers(0, n))
    chosen = order[:length]
    if strict or length < 2:
        return tuple((c,) for c in chosen)
    # cut the order into ranks: a True between two candidates starts a new rank
    cuts = draw(st.lists(st.booleans(), min_size=length - 1, max_size=length - 1))
    ranks: list[tuple[int, ...]] = []
    current = [chosen[0]]
    for cut, candidate in zip(cuts, chosen[1:], strict=True):
        if cut:
            ranks.append(tuple(current))
            current = [candidate]
        else:
            current.append(candidate)
    ranks.append(tuple(current))
    return tuple(ranks)


@st.composite
def profiles(
    draw: st.DrawFn,
    *,
    min_candidates: int = 1,
    max_candidates: int = 5,
    strict: bool = True,
    complete: bool = False,
    withdrawn: bool = True,
    min_ballots: int = 0,
    max_ballots: int = 8,
    max_weight: int = 5,
    seats: int | None = 1,
) -> Profile:
    """A profile with candidates named ``C1``, ``C2``, ...

    ``seats=None`` draws the number of seats from 1 to one more than the
    number of candidates.
    """
    n = draw(st.integers(min_candidates, max_candidates))
    ballots = draw(
        st.lists(
            st.builds(
                RankedBallot,
                st.integers(1, max_weight),
                rankings(n, strict=strict, complete=complete),
            ),
            min_size=min_ballots,
            max_size=max_ballots,
        )
    )
    gone = draw(st.frozensets(st.integers(0, n - 1))) if withdrawn else frozenset()
    number_of_seats = draw(st.integers(1, n + 1)) if seats is None else seats
    return Profile(
        candidates=tuple(f"C{i + 1}" for i in range(n)),
        seats=number_of_seats,
        ballots=tuple(ballots),
        withdrawn=gone,
    )


@st.composite
def cyclic_profiles(
    draw: st.DrawFn, *, max_candidates: int = 6, strict: bool = False, complete: bool = False
) -> Profile:
    """Profiles rich in majority cycles: every rotation of one order, with random
    weights (the Condorcet paradox), plus a few random papers to break symmetry."""
    n = draw(st.integers(3, max_candidates))
    order = draw(st.permutations(range(n)))
    weights = draw(st.lists(st.integers(1, 9), min_size=n, max_size=n))
    ballots = [
        RankedBallot(weight, tuple((c,) for c in order[i:] + order[:i]))
        for i, weight in enumerate(weights)
    ]
    extra = draw(
        st.lists(
            st.builds(
                RankedBallot, st.integers(1, 5), rankings(n, strict=strict, complete=complete)
            ),
            max_size=6,
        )
    )
    return Profile(
        candidates=tuple(f"C{i + 1}" for i in range(n)), seats=1, ballots=(*ballots, *extra)
    )


@st.composite
def ranked_elections(
    draw: st.DrawFn, *, max_candidates: int = 7, max_weight: int = 30, max_lines: int = 12
) -> Profile:
    """A contested election: 2 to ``max_candidates`` candidates, fewer seats than
    candidates, and 1 to ``max_lines`` strict, non-empty rankings of weight 1 to
    ``max_weight`` (candidates ``C0``, ``C1``, ...)."""
    n = draw(st.integers(min_value=2, max_value=max_candidates))
    seats = draw(st.integers(min_value=1, max_value=n - 1))
    ranking = st.permutations(range(n)).flatmap(
        lambda perm: st.integers(min_value=1, max_value=n).map(lambda k: perm[:k])
    )
    lines = draw(
        st.lists(
            st.tuples(st.integers(min_value=1, max_value=max_weight), ranking),
            min_size=1,
            max_size=max_lines,
        )
    )
    ballots = tuple(RankedBallot(w, tuple((c,) for c in r)) for w, r in lines)
    return Profile(tuple(f"C{i}" for i in range(n)), seats, ballots)

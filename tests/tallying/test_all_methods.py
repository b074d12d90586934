"""Invariants every registered counting method must keep (docs/architecture.md, convention 4).

One parametrised test per invariant runs over ``tallying.registry.methods()``,
so a method is held to them the moment it is registered. A method's
legitimate constraints (one seat only, strict rankings only, at least one
valid paper) are declared in :data:`CONSTRAINTS`; a declared constraint must
be enforced by a clear error, and an undeclared one fails the test.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallying.errors import CountError, InvalidBallot, InvalidProfile
from tallying.profile import Profile, RankedBallot
from tallying.registry import CountOptions, count, methods
from tallying.result import ElectionResult
from tallying.testing import profiles

pytestmark = pytest.mark.unit

SEED = b"all-methods"


@dataclass(frozen=True, slots=True)
class Constraints:
    """What a method legitimately refuses, with a clear error."""

    single_seat: bool = False  # seats > 1 raises InvalidProfile
    strict_only: bool = False  # candidates ranked equal raise InvalidBallot
    needs_papers: bool = False  # no paper ranking a standing candidate raises InvalidProfile
    # False for a method that reads no order on the paper (approval): a unanimous first
    # choice may then tie with candidates every paper also ranks, and a lot decides.
    reads_order: bool = True


CONSTRAINTS: dict[str, Constraints] = {
    "plurality": Constraints(single_seat=True),
    "block": Constraints(),
    "approval": Constraints(reads_order=False),
    "irv": Constraints(single_seat=True, strict_only=True),
    "schulze": Constraints(),
    "scottish_stv": Constraints(strict_only=True, needs_papers=True),
    "ers97": Constraints(strict_only=True, needs_papers=True),
    "meek": Constraints(strict_only=True, needs_papers=True),
    "meek_nz": Constraints(strict_only=True, needs_papers=True),
}
# A method not listed yet is held to the most a ranked STV-like method may refuse.
UNKNOWN = Constraints(strict_only=True, needs_papers=True)

ALL = methods()

# Each invariant runs once per method: half the profile's examples per method keeps the
# file quick in CI while the nightly profile still scales it up.
PER_METHOD = settings(max_examples=max(10, settings.default.max_examples // 2))


def constraints(name: str) -> Constraints:
    return CONSTRAINTS.get(name, UNKNOWN)


@st.composite
def cases(draw: st.DrawFn, name: str) -> tuple[Profile, CountOptions]:
    """A profile the method ``name`` accepts by its declared constraints, and options."""
    c = constraints(name)
    strict = c.strict_only or draw(st.booleans())
    seats = 1 if c.single_seat else None
    profile = draw(profiles(max_candidates=6, strict=strict, seats=seats, max_ballots=10))
    if c.needs_papers and not _has_valid_paper(profile):
        ballot = RankedBallot(1, tuple((i,) for i in range(len(profile.candidates))))
        profile = replace(profile, ballots=(*profile.ballots, ballot))
        if not _has_valid_paper(profile):
            # every candidate withdrawn: keep one standing
            profile = replace(profile, withdrawn=frozenset(sorted(profile.withdrawn)[1:]))
    return profile, CountOptions(seats=profile.seats, seed=SEED)


def _has_valid_paper(profile: Profile) -> bool:
    return any(
        c not in profile.withdrawn
        for ballot in profile.ballots
        for rank in ballot.ranking
        for c in rank
    )


def _standing(profile: Profile) -> list[int]:
    return [c for c in range(len(profile.candidates)) if c not in profile.withdrawn]


def check_shape(name: str, profile: Profile, options: CountOptions, result: ElectionResult) -> None:
    """The invariants a single result must satisfy."""
    n = len(profile.candidates)
    assert result.method == name
    assert isinstance(result.rule, str) and result.rule
    assert isinstance(result.version, str) and result.version
    assert result.seats == options.seats
    assert result.candidates == profile.candidates
    places = min(options.seats, len(_standing(profile)))
    # no one elected twice, withdrawn never elected
    assert len(set(result.elected)) == len(result.elected)
    assert all(0 <= c < n and c not in profile.withdrawn for c in result.elected)
    # exactly min(seats, standing) elected, or an explicit tie for the rest
    if result.tied:
        assert len(result.elected) < places
        assert not set(result.tied) & set(result.elected)
        assert all(c not in profile.withdrawn for c in result.tied)
    else:
        assert len(result.elected) == places
    # every lot chose one of those tied, and is recorded with its key
    for lot in result.lots:
        assert lot.chosen in lot.tied
        assert lot.purpose
        assert lot.seed
    # stages explain, candidate by candidate
    assert result.stages
    for number, stage in enumerate(result.stages, start=1):
        assert stage.number == number
        assert len(stage.totals) == n
        assert len(stage.transfers) == n
    stage_elected = [c for stage in result.stages for c in stage.elected]
    assert set(stage_elected) == set(result.elected)


@pytest.mark.parametrize("name", ALL)
def test_every_known_method_has_declared_constraints(name: str) -> None:
    """A method not in the table is tested under the conservative defaults; say so."""
    assert name in CONSTRAINTS, (
        f"{name} is tested with the default constraints {UNKNOWN}; declare its own in CONSTRAINTS"
    )


@pytest.mark.parametrize("name", ALL)
@PER_METHOD
@given(data=st.data())
def test_shared_invariants(name: str, data: st.DataObject) -> None:
    """Elected: exactly min(seats, standing) (or an explicit tie), none twice, none withdrawn."""
    profile, options = data.draw(cases(name))
    check_shape(name, profile, options, count(profile, name, options))


@pytest.mark.parametrize("name", ALL)
@PER_METHOD
@given(data=st.data())
def test_deterministic_and_independent_of_ballot_order(name: str, data: st.DataObject) -> None:
    """The same ballots, in any order, give the same result, stage for stage."""
    profile, options = data.draw(cases(name))
    first = count(profile, name, options)
    assert count(profile, name, options) == first
    shuffled = data.draw(st.permutations(profile.ballots))
    assert count(replace(profile, ballots=tuple(shuffled)), name, options) == first


@pytest.mark.parametrize("name", ALL)
@PER_METHOD
@given(data=st.data())
def test_unanimous_first_choice_is_elected_first(name: str, data: st.DataObject) -> None:
    """Every paper puts the same standing candidate first, alone: that one is elected first."""
    profile, options = data.draw(cases(name))
    standing = _standing(profile)
    if not standing:
        standing = [0]
        profile = replace(profile, withdrawn=profile.withdrawn - {0})
    favourite = data.draw(st.sampled_from(standing))
    ballots = [
        RankedBallot(ballot.weight, ((favourite,), *_without(ballot.ranking, favourite)))
        for ballot in profile.ballots
    ] or [RankedBallot(1, ((favourite,),))]
    profile = replace(profile, ballots=tuple(ballots))
    result = count(profile, name, options)
    if constraints(name).reads_order:
        assert result.elected[:1] == (favourite,)
    else:
        assert favourite in result.elected or any(favourite in lot.tied for lot in result.lots)


def _without(ranking: tuple[tuple[int, ...], ...], candidate: int) -> tuple[tuple[int, ...], ...]:
    kept = (tuple(c for c in rank if c != candidate) for rank in ranking)
    return tuple(rank for rank in kept if rank)


@pytest.mark.parametrize("name", ALL)
def test_declared_constraints_are_enforced_by_clear_errors(name: str) -> None:
    """A method refuses what it cannot count with an error from the hierarchy, not a guess."""
    c = constraints(name)
    candidates = ("A", "B", "C")
    strict = Profile(candidates, 2, (RankedBallot(3, ((0,), (1,))), RankedBallot(2, ((2,),))))
    if c.single_seat:
        with pytest.raises(InvalidProfile):
            count(strict, name, CountOptions(seats=2, seed=SEED))
    else:
        check_shape(name, strict, CountOptions(2, SEED), count(strict, name, CountOptions(2, SEED)))
    equal = Profile(candidates, 1, (RankedBallot(3, ((0, 1), (2,))), RankedBallot(2, ((2,),))))
    if c.strict_only:
        with pytest.raises(InvalidBallot):
            count(equal, name, CountOptions(seats=1, seed=SEED))
    else:
        check_shape(name, equal, CountOptions(1, SEED), count(equal, name, CountOptions(1, SEED)))
    empty = Profile(candidates, 1, ())
    if c.needs_papers:
        with pytest.raises(InvalidProfile):
            count(empty, name, CountOptions(seats=1, seed=SEED))
    else:
        check_shape(name, empty, CountOptions(1, SEED), count(empty, name, CountOptions(1, SEED)))


@pytest.mark.parametrize("name", ALL)
def test_a_needed_lot_without_a_seed_is_refused(name: str) -> None:
    """Two candidates equal in every respect: never decided silently.

    With a seed, the seat goes by a recorded lot (or is left explicitly tied);
    without one, the method refuses with a CountError or records its lot.
    """
    profile = Profile(("A", "B"), 1, (RankedBallot(2, ((0,), (1,))), RankedBallot(2, ((1,), (0,)))))
    result = count(profile, name, CountOptions(seats=1, seed=SEED))
    check_shape(name, profile, CountOptions(1, SEED), result)
    assert result.lots or result.tied
    try:
        unseeded = count(profile, name, CountOptions(seats=1, seed=b""))
    except CountError:
        return
    assert unseeded.lots or unseeded.tied

"""Ranked ballots and the election profile every ranked method counts.

A ballot is a weight (the BLT multiplier: identical ballots, or a card vote)
and a ranking. Each rank is a tuple of candidate indices: one index for a
strict preference, several for candidates ranked equal (the BLT ``1=3``
extension; only some methods accept them). Candidate indices are 0-based
positions in :attr:`Profile.candidates`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter

from tallying.errors import InvalidBallot, InvalidProfile

__all__ = ["Profile", "RankedBallot", "merge_identical"]

Rank = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RankedBallot:
    """``weight`` identical papers with the same ranking, most preferred first."""

    weight: int
    ranking: tuple[Rank, ...]

    @property
    def is_strict(self) -> bool:
        """True when no two candidates share a rank."""
        return all(len(rank) == 1 for rank in self.ranking)

    def strict(self) -> tuple[int, ...]:
        """The ranking as a plain sequence; refuses equal rankings."""
        if not self.is_strict:
            raise InvalidBallot("this method does not accept candidates ranked equal")
        return tuple(rank[0] for rank in self.ranking)


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything a ranked count needs: candidates, seats and the ballots.

    ``withdrawn`` holds the indices of withdrawn candidates (the BLT negative
    line); methods treat them as never continuing.
    """

    candidates: tuple[str, ...]
    seats: int
    ballots: tuple[RankedBallot, ...]
    withdrawn: frozenset[int] = field(default_factory=frozenset)
    title: str = ""

    def __post_init__(self) -> None:
        n = len(self.candidates)
        if n == 0:
            raise InvalidProfile("an election needs at least one candidate")
        if self.seats < 1:
            raise InvalidProfile(f"seats must be at least 1, not {self.seats}")
        for index in self.withdrawn:
            if not 0 <= index < n:
                raise InvalidProfile(f"withdrawn candidate {index + 1} is not in the list")
        if not _plainly_valid(self.ballots, n):
            for ballot in self.ballots:
                validate_ballot(ballot, n)

    @property
    def total_weight(self) -> int:
        """The number of valid papers (the sum of the weights)."""
        return sum(ballot.weight for ballot in self.ballots)


def validate_ballot(ballot: RankedBallot, candidates: int) -> None:
    """Reject a ballot that ranks a candidate twice or one outside ``0..candidates-1``.

    docs/counting.md, "What the reader refuses": rankings that repeat a candidate
    or use an index outside the list are rejected, not repaired.
    """
    if isinstance(ballot.weight, bool) or not isinstance(ballot.weight, int):
        raise InvalidBallot("a ballot's weight must be a whole number")
    if ballot.weight < 1:
        raise InvalidBallot(f"a ballot's weight must be at least 1, not {ballot.weight}")
    seen: set[int] = set()
    for rank in ballot.ranking:
        if not rank:
            raise InvalidBallot("a rank must name at least one candidate")
        for index in rank:
            if isinstance(index, bool) or not isinstance(index, int):
                raise InvalidBallot("candidates are identified by whole numbers")
            if not 0 <= index < candidates:
                raise InvalidBallot(f"candidate {index + 1} is not on the ballot")
            if index in seen:
                raise InvalidBallot(f"candidate {index + 1} is ranked more than once")
            seen.add(index)


def _plainly_valid(ballots: tuple[RankedBallot, ...], candidates: int) -> bool:
    """The common case for a whole profile, checked in C-level passes.

    True only if every ballot passes :func:`validate_ballot`: whole weights of
    at least 1, rankings that are tuples of non-empty tuples of whole numbers
    in range, one candidate per rank, none repeated on a ballot. False means
    "not shown here", and each ballot then gets the full check (with its
    precise error). It exists so that a million papers validate quickly.
    """
    if not ballots:
        return True
    weights = list(map(attrgetter("weight"), ballots))
    if set(map(type, weights)) != {int} or min(weights) < 1:
        return False
    rankings = list(map(attrgetter("ranking"), ballots))
    if not set(map(type, rankings)) <= {tuple}:
        return False
    if not set(map(type, chain.from_iterable(rankings))) <= {tuple}:
        return False
    ranks = set(chain.from_iterable(rankings))
    if not ranks:
        return True
    if set(map(len, ranks)) != {1}:
        return False
    # every element's type, not the set's: True == 1 and 1.0 == 1 would hide in a set
    if set(map(type, chain.from_iterable(chain.from_iterable(rankings)))) != {int}:
        return False
    indices = [index for (index,) in ranks]
    if min(indices) < 0 or max(indices) >= candidates:
        return False
    # one candidate per rank, so distinct ranks on a ballot are distinct candidates
    return list(map(len, map(set, rankings))) == list(map(len, rankings))


def merge_identical(ballots: Iterable[RankedBallot]) -> tuple[RankedBallot, ...]:
    """Group identical rankings, adding their weights; order of first appearance."""
    weights: dict[tuple[Rank, ...], int] = {}
    for ballot in ballots:
        weights[ballot.ranking] = weights.get(ballot.ranking, 0) + ballot.weight
    return tuple(RankedBallot(weight, ranking) for ranking, weight in weights.items())

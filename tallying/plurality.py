"""Counts without transfers: ``plurality``, ``block`` and ``approval``.

Each reads a ranked ballot in one pass, gives votes, and elects the candidates
with the most votes. One stage, no transfers.

* ``plurality`` (rule ``plurality_most_first_preferences``): one seat; each paper
  is one vote for its first preference. The candidate with the most votes wins
  (first past the post).
* ``block`` (rule ``block_vote_first_preferences_up_to_seats``): ``seats``
  seats; each paper gives one vote to each candidate among its first ``seats``
  ranked candidates (the block vote, "vote for up to N", read from a ranked
  paper). The ``seats`` candidates with the most votes are elected.
* ``approval`` (rule ``approval_every_ranked_candidate``): ``seats`` seats;
  each paper approves every candidate it ranks, at any rank, with one vote
  each. The ``seats`` candidates with the most approvals are elected.

Rules shared by the three:

* Withdrawn candidates are skipped on every paper, as if not printed.
* Candidates ranked equal (``1=3``) are accepted. In ``plurality`` and
  ``block`` a paper votes for the candidates of its leading ranks as long as
  they fit within the number of votes it has (1 for ``plurality``, ``seats``
  for ``block``); a group of equal-ranked candidates that would go past that
  number gives no vote, nor does anything ranked after it, because the paper
  does not say which of them it prefers (as a paper marked for too many
  candidates is void). A paper that gives no vote at all is counted in the
  stage's non-transferable figure.
* Only votes decide who is elected. Candidates tied across the last seat are
  decided by lot, with the count's seed (the n-th lot of a count uses
  ``tallying.lots.lot_key(seed, n)``), and every lot is recorded in the result;
  with no seed the count refuses rather than guess. The elected are listed
  by votes, equal votes by first preferences, then in ballot-paper order, and
  lot winners last in the order drawn; the listing decides nothing.
* When fewer candidates stand than there are seats, every standing candidate
  is elected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

from tallying._tiebreak import draw_lot
from tallying.errors import InvalidProfile
from tallying.profile import Profile, RankedBallot
from tallying.registry import CountOptions, method
from tallying.result import ElectionResult, Lot, Stage, StageKind

__all__ = ["approval", "block", "plurality"]

VERSION = "1"

Rank = tuple[int, ...]


def _standing_ranks(ballot: RankedBallot, withdrawn: frozenset[int]) -> list[Rank]:
    """The paper's ranks with withdrawn candidates left out (empty ranks dropped)."""
    ranks: list[Rank] = []
    for rank in ballot.ranking:
        standing = tuple(c for c in rank if c not in withdrawn)
        if standing:
            ranks.append(standing)
    return ranks


def _leading(ranks: Sequence[Rank], votes: int) -> tuple[int, ...]:
    """Candidates of the leading ranks that fit within ``votes`` votes."""
    chosen: list[int] = []
    for rank in ranks:
        if len(chosen) + len(rank) > votes:
            break
        chosen.extend(rank)
    return tuple(chosen)


def _count(
    profile: Profile,
    options: CountOptions,
    *,
    name: str,
    rule: str,
    description: str,
    votes_of: Callable[[Sequence[Rank]], tuple[int, ...]],
) -> ElectionResult:
    if options.seats < 1:
        raise InvalidProfile(f"seats must be at least 1, not {options.seats}")
    n = len(profile.candidates)
    totals = [0] * n
    first = [0] * n
    no_vote = 0
    for ballot in profile.ballots:
        ranks = _standing_ranks(ballot, profile.withdrawn)
        voted = votes_of(ranks)
        if not voted:
            no_vote += ballot.weight
        for candidate in voted:
            totals[candidate] += ballot.weight
        if ranks and len(ranks[0]) == 1:
            first[ranks[0][0]] += ballot.weight
    standing = [c for c in range(n) if c not in profile.withdrawn]
    elected, lots = _most_votes(standing, totals, first, options.seats, options.seed)
    notes = [description]
    if no_vote:
        notes.append(f"{no_vote} paper(s) gave no vote.")
    for lot in lots:
        notes.append(
            f"Lot among {', '.join(profile.candidates[c] for c in lot.tied)} "
            f"for {lot.purpose}: {profile.candidates[lot.chosen]} drawn."
        )
    elected_names = ", ".join(profile.candidates[c] for c in elected) or "no one"
    notes.append(f"Elected: {elected_names}.")
    stage = Stage(
        number=1,
        kind=StageKind.FIRST,
        subjects=(),
        totals=tuple(Fraction(t) for t in totals),
        transfers=tuple(Fraction(0) for _ in range(n)),
        non_transferable=Fraction(no_vote),
        elected=elected,
        excluded=(),
        note=" ".join(notes),
    )
    return ElectionResult(
        method=name,
        rule=rule,
        version=VERSION,
        seats=options.seats,
        candidates=profile.candidates,
        elected=elected,
        stages=(stage,),
        precision=0,
        valid_votes=Fraction(profile.total_weight),
        lots=tuple(lots),
    )


def _most_votes(
    standing: Sequence[int],
    totals: Sequence[int],
    first: Sequence[int],
    seats: int,
    seed: bytes,
) -> tuple[tuple[int, ...], list[Lot]]:
    """The ``seats`` standing candidates with the most votes; a tie at the cutoff by lot."""
    places = min(seats, len(standing))
    if places == 0:
        return (), []
    ordered = sorted(standing, key=lambda c: (-totals[c], -first[c], c))
    cutoff = totals[ordered[places - 1]]
    above = [c for c in ordered if totals[c] > cutoff]
    at_cutoff = [c for c in ordered if totals[c] == cutoff]
    needed = places - len(above)
    if needed == len(at_cutoff):
        return tuple(above + at_cutoff), []
    lots: list[Lot] = []
    pool = list(at_cutoff)
    chosen: list[int] = []
    for _ in range(needed):
        seat = len(above) + len(chosen) + 1
        lot = draw_lot(f"seat {seat} (tied on {cutoff} votes)", pool, seed, len(lots) + 1)
        lots.append(lot)
        chosen.append(lot.chosen)
        pool.remove(lot.chosen)
    return tuple(above + chosen), lots


@method("plurality")
def plurality(profile: Profile, options: CountOptions) -> ElectionResult:
    """First past the post: one seat, most first preferences (``plurality_most_first_preferences``).

    A paper whose first rank holds several candidates ranked equal gives no vote.
    """
    if options.seats != 1:
        raise InvalidProfile(
            f"plurality fills one seat, not {options.seats}; use block or approval"
        )
    return _count(
        profile,
        options,
        name="plurality",
        rule="plurality_most_first_preferences",
        description="Each paper is one vote for its first preference; most votes wins.",
        votes_of=lambda ranks: _leading(ranks, 1),
    )


@method("block")
def block(profile: Profile, options: CountOptions) -> ElectionResult:
    """The block vote (rule ``block_vote_first_preferences_up_to_seats``).

    Each paper gives one vote to each of its first ``seats`` ranked candidates;
    the ``seats`` candidates with the most votes are elected.
    """
    seats = options.seats
    return _count(
        profile,
        options,
        name="block",
        rule="block_vote_first_preferences_up_to_seats",
        description=(
            f"Each paper gives one vote to each of its first {seats} ranked candidates; "
            f"the {seats} with the most votes are elected."
        ),
        votes_of=lambda ranks: _leading(ranks, seats),
    )


@method("approval")
def approval(profile: Profile, options: CountOptions) -> ElectionResult:
    """Approval voting read from ranked papers (rule ``approval_every_ranked_candidate``).

    Each paper approves every candidate it ranks, at any rank; the ``seats``
    candidates with the most approvals are elected.
    """
    seats = options.seats
    return _count(
        profile,
        options,
        name="approval",
        rule="approval_every_ranked_candidate",
        description=(
            "Each paper approves every candidate it ranks; "
            f"the {seats} with the most approvals are elected."
        ),
        votes_of=lambda ranks: tuple(c for rank in ranks for c in rank),
    )

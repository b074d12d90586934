"""Breaking ties in the counts of ``plurality``, ``irv`` and ``schulze``.

Two rules, used in this order where a rule set calls for them:

* **Backwards tie-break** (the "most recent preceding stage at which they had
  unequal votes" of SSI 2007/42 Sch. 1 r.51, which classic AV counts use for
  exclusions too): :func:`narrow_backwards`.
* **Lot**: :func:`draw_lot`, which hands the tie to the seeded draw of
  :mod:`tallying.lots` (docs/counting.md, "Lots") and
  records it as a :class:`~tallying.result.Lot`. A count never calls a random
  generator of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from tallying.errors import LotNeeded
from tallying.lots import draw, lot_key
from tallying.result import Lot

__all__ = ["draw_lot", "narrow_backwards"]


def narrow_backwards(
    tied: Sequence[int],
    history: Sequence[Sequence[Fraction]],
    *,
    fewest: bool,
) -> tuple[int, ...]:
    """Narrow ``tied`` by the most recent earlier stage at which they were unequal.

    ``history`` holds the totals of the stages before the tie, oldest first.
    Going back from the latest, the first stage at which the tied candidates
    did not all have equal votes keeps those with the fewest (``fewest``) or
    the most votes there; if several are still tied, the search goes on
    backwards among them. What is left tied at the first stage goes to a lot.
    """
    remaining = tuple(sorted(tied))
    for totals in reversed(history):
        if len(remaining) == 1:
            break
        values = {candidate: totals[candidate] for candidate in remaining}
        if len(set(values.values())) > 1:
            target = min(values.values()) if fewest else max(values.values())
            remaining = tuple(c for c in remaining if values[c] == target)
    return remaining


def draw_lot(purpose: str, tied: Sequence[int], seed: bytes, number: int) -> Lot:
    """The ``number``-th lot of a count (1-based): one of ``tied``, recorded.

    RFC 3797 draw of :mod:`tallying.lots` with the key ``lot_key(seed, number)``
    over the tied candidates in ballot-paper order; the key is recorded (hex)
    so anyone can redo the draw. A count that needs a lot and has no seed
    raises :class:`~tallying.errors.LotNeeded` (a ``CountError``) rather than guess.
    """
    candidates = tuple(sorted(tied))
    if not seed:
        raise LotNeeded(
            f"{purpose}: candidates {_names(candidates)} are tied and the rule requires a lot; "
            "give a seed for the lot",
            purpose=purpose,
            tied=candidates,
        )
    key = lot_key(seed, number)
    chosen = draw(key, candidates, 1)[0]
    return Lot(purpose=purpose, tied=candidates, seed=key.hex(), chosen=chosen)


def _names(candidates: Sequence[int]) -> str:
    return ", ".join(str(c + 1) for c in candidates)

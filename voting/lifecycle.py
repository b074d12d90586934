"""The lifecycle of a motion, as a table of states and allowed transitions.

A motion is proposed, seconded, debated (amended on the way), put, and ends
carried, lost, withdrawn, remitted, referred back, dropped by next business,
or fallen. Citrine, *ABC of Chairmanship*, ch. "Motions" and "Procedural
motions", describes each of these ends. Every change of state goes through
:func:`require_transition`, so the rules live in one table, not in scattered
``if`` statements (docs/architecture.md, convention 4).
"""

from __future__ import annotations

from enum import StrEnum

from voting.errors import OutOfOrder

__all__ = ["FINAL", "TRANSITIONS", "MotionState", "require_transition"]


class MotionState(StrEnum):
    """Where a motion (or an amendment, which follows the same path) stands."""

    PROPOSED = "proposed"
    SECONDED = "seconded"
    UNDER_DEBATE = "under_debate"
    PUT = "put"
    CARRIED = "carried"
    LOST = "lost"
    WITHDRAWN = "withdrawn"
    REMITTED = "remitted"
    REFERRED_BACK = "referred_back"
    NEXT_BUSINESS = "next_business"
    ADJOURNED = "adjourned"
    FELL = "fell"
    OUT_OF_ORDER = "out_of_order"


S = MotionState

TRANSITIONS: dict[MotionState, frozenset[MotionState]] = {
    S.PROPOSED: frozenset({S.SECONDED, S.WITHDRAWN, S.FELL, S.OUT_OF_ORDER}),
    S.SECONDED: frozenset({S.UNDER_DEBATE, S.WITHDRAWN, S.FELL, S.OUT_OF_ORDER}),
    S.UNDER_DEBATE: frozenset(
        {
            S.PUT,
            S.WITHDRAWN,
            S.REMITTED,
            S.REFERRED_BACK,
            S.NEXT_BUSINESS,
            S.ADJOURNED,
            S.FELL,
        }
    ),
    S.PUT: frozenset({S.CARRIED, S.LOST}),
    S.ADJOURNED: frozenset({S.UNDER_DEBATE, S.WITHDRAWN}),
    # A ruling out of order can be overturned by a challenge to the chair.
    S.OUT_OF_ORDER: frozenset({S.SECONDED, S.PROPOSED}),
    S.CARRIED: frozenset(),
    S.LOST: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.REMITTED: frozenset(),
    S.REFERRED_BACK: frozenset(),
    S.NEXT_BUSINESS: frozenset(),
    S.FELL: frozenset(),
}

FINAL = frozenset(state for state, nexts in TRANSITIONS.items() if not nexts)

_WORDS: dict[MotionState, str] = {
    S.PROPOSED: "has been moved but not seconded",
    S.SECONDED: "has been seconded but debate has not opened",
    S.UNDER_DEBATE: "is under debate",
    S.PUT: "has been put to the vote",
    S.CARRIED: "has been carried",
    S.LOST: "has been lost",
    S.WITHDRAWN: "has been withdrawn",
    S.REMITTED: "has been remitted",
    S.REFERRED_BACK: "has been referred back",
    S.NEXT_BUSINESS: "was set aside by next business",
    S.ADJOURNED: "stands adjourned",
    S.FELL: "has fallen",
    S.OUT_OF_ORDER: "was ruled out of order",
}


def describe(state: MotionState) -> str:
    """The state in words: 'has been carried'."""
    return _WORDS[state]


def require_transition(what: str, current: MotionState, target: MotionState) -> None:
    """Refuse a change of state the table does not allow, saying why."""
    if target not in TRANSITIONS[current]:
        raise OutOfOrder(
            f"{what} {describe(current)}, so it cannot be {target.value.replace('_', ' ')}"
        )

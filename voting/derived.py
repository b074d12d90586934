"""Fields an event holds that the state already decides: computed once, on both sides.

docs/architecture.md principle 7: an event records what a person decided or did (who
moved, who voted how, what the chair ruled); whatever follows from the state
(a roll, a quorum, a threshold, the text put, a count) is derived by the same
code when ``decide`` writes the event and when ``evolve`` replays it. The
fields stay in the event, so the log reads on its own and its format does not
change, but a replay recomputes each of them and refuses an event whose
logged value differs, naming the event type and the field.

A *derivation* is a function ``(state, event) -> {field: Derived}``, given the
state before the event. It reads only the event's act fields (:func:`make`
enforces that in ``decide``: the derived fields are not set yet when it runs),
and may refuse an event the state does not allow at all.

:data:`FIELDS` lists, for every event type, the fields that are not acts, and
how replay checks each: by a derivation, by the recount at a close, or as a
consequence of an earlier event (``voting.decider``: the rules give the whole
event, which the log must then hold next). ``docs/verifying.md`` publishes
the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from voting.errors import InconsistentEvent
from voting.events import Event

__all__ = ["FIELDS", "Derivation", "Derived", "check", "make"]

E = TypeVar("E", bound=Event)


@dataclass(frozen=True, slots=True)
class Derived:
    """A field's value as the state gives it, and what that value is (for a refusal)."""

    value: object
    what: str  # completes "<type>.<field> is not ...", e.g. "the roll the attendance gives"


Derivation = Callable[[Any, Any], Mapping[str, Derived]]
"""``(state, event) -> {field: Derived}``, given the state before the event."""


def make(cls: type[E], derive: Derivation, state: Any, **acts: object) -> E:
    """The event of type ``cls`` with the act fields ``acts`` and every derived field filled.

    ``derive`` sees an event that holds only the acts: reading a derived field
    there is an error, so a derivation cannot depend on what it derives.
    """
    partial = object.__new__(cls)
    for name, value in acts.items():
        object.__setattr__(partial, name, value)
    derived = {name: d.value for name, d in derive(state, partial).items()}
    event: E = cls(**acts, **derived)  # type: ignore[arg-type]
    return event


def check(state: Any, event: Event, derive: Derivation) -> None:
    """Refuse ``event`` if a derived field differs from what the state gives."""
    for name, derived in derive(state, event).items():
        if getattr(event, name) != derived.value:
            raise InconsistentEvent(f"{event.TYPE}.{name} is not {derived.what}")


# How replay checks each field that is not an act (docs/verifying.md, "Acts and derived
# fields"). "derived": recomputed from the state before the event (a derivation);
# "recount": recomputed by the count at the close; "consequence": the whole event is
# given by the rules after (or, for amendments falling as a question is put, before)
# the event that causes it; "root": the verifier's check of the log's Merkle root.
FIELDS: Mapping[str, Mapping[str, str]] = {
    "business_started": {
        "present": "derived", "quorum_required": "derived", "quorum_rule": "derived",
    },
    "meeting_closed": {"reason": "derived"},
    "amendment_moved": {"description": "derived"},
    "amendment_fell": {"amendment": "consequence", "reason": "consequence"},
    "motion_text_amended": {
        "target": "consequence", "amendment": "consequence",
        "before": "consequence", "after": "consequence",
    },
    "motion_disposed": {"state": "derived", "reason": "derived"},
    "procedural_moved": {"meeting": "derived"},
    "consent_given": {"capacity": "derived"},
    "standing_orders_amended": {"motion": "consequence", "rules": "consequence"},
    "question_to_be_put": {"target": "consequence"},
    "ruling_overturned": {"amendment": "consequence"},
    "ballot_opened": {
        "meeting": "derived", "subject_kind": "derived", "question": "derived",
        "text": "derived", "substantive": "derived", "threshold": "derived",
        "tie_rule": "derived", "revote": "derived", "roll": "derived", "present": "derived",
        "members": "derived", "quorum_required": "derived",
    },
    "ballot_closed": {  # the counts are the tellers' own figures on a show of hands
        "for_votes": "recount", "against": "recount", "abstain": "recount",
        "present_at_close": "recount", "outcome": "recount", "tied": "recount",
        "explanation": "recount",
    },
    "nominations_closed": {"candidates": "derived", "roll": "derived"},
    "election_closed": {"elected": "recount", "rule": "recount", "lots": "recount",
                        "seed": "root"},
    "petition_opened": {"membership": "derived", "required": "derived"},
    "petition_closed": {"signatures": "derived", "required": "derived", "met": "derived"},
}  # fmt: skip

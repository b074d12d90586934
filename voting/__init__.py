"""The domain of tellers: bodies, members, meetings, motions, amendments, ballots, elections.

A pure state machine in the decider style: ``decide(state, command) ->
events`` validates a command and returns the events it causes (or raises a
:class:`DomainError` and changes nothing); ``evolve(state, event) -> state``
folds one event in; ``replay(events)`` rebuilds any state from a log. No
I/O and no clock: time comes in with each command. An embedder needs::

    from voting import BodyState, commands, execute

    state = BodyState()
    state, events = execute(state, commands.FoundBody("2026-01-15T18:00:00Z", "sec", name="Branch"))

See :mod:`voting.commands` and :mod:`voting.events` for the vocabulary,
:mod:`voting.minutes` and :mod:`voting.report` for what is published.
"""

from voting import commands, events
from voting.decider import decide, evolve, execute, replay
from voting.errors import DomainError
from voting.state import BodyState

__all__ = [
    "BodyState",
    "DomainError",
    "commands",
    "decide",
    "events",
    "evolve",
    "execute",
    "replay",
]

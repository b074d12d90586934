"""The domain of tellers: bodies, members, meetings, motions, amendments and ballots.

A pure state machine: ``decide(state, command) -> events`` and
``evolve(state, event) -> state``. No I/O and no clock.
"""

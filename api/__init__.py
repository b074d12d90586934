"""The imperative shell of tellers: the command line, storage and HTTP.

Nothing in ``voting``, ``tallying`` or ``audit`` imports this package.
"""

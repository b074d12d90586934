"""The API's resources, one flask-smorest blueprint each, registered by :func:`api.create_app`."""

from __future__ import annotations

from flask_smorest import Blueprint

__all__ = ["blueprints"]


def blueprints() -> tuple[Blueprint, ...]:
    """Every resource blueprint (imported here, after :mod:`api.app`, which they use)."""
    from api.http import (
        ballots,
        bodies,
        elections,
        log,
        meetings,
        members,
        motions,
        procedurals,
        stream,
        tokens,
    )

    return (tokens.blp, bodies.blp, members.blp, meetings.blp, motions.blp,
            motions.amendments, procedurals.blp, ballots.blp, ballots.receipts,
            elections.blp, log.blp, log.bundles, stream.blp)

"""The imperative shell of tellers: the command line, storage and HTTP.

Nothing in ``voting``, ``tallying`` or ``audit`` imports this package.
``api.create_app`` (the HTTP service) is imported on first use, so the
command line does not pay for Flask.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from api.app import create_app

        return create_app
    raise AttributeError(f"module 'api' has no attribute {name!r}")

"""The registry of counting methods: one signature, one result type.

Every method is a function ``(profile, options) -> ElectionResult`` registered
under its name with :func:`method`; :func:`count` looks it up. One
parametrised test runs every registered method, so a new method is tested
against the shared invariants the moment it is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from tallying.errors import UnknownMethod
from tallying.profile import Profile
from tallying.result import ElectionResult

__all__ = ["CountMethod", "CountOptions", "count", "method", "methods"]


@dataclass(frozen=True, slots=True)
class CountOptions:
    """What a count takes besides the ballots.

    ``seed`` is the public seed of any lot the count has to draw (docs/counting.md,
    "Lots"); a count never calls a random generator.
    """

    seats: int
    seed: bytes = b""


CountMethod = Callable[[Profile, CountOptions], ElectionResult]

_METHODS: dict[str, CountMethod] = {}

# Modules that register methods when imported; listed here so that
# ``count("meek", ...)`` works without the caller importing anything first.
_METHOD_MODULES = (
    "tallying.plurality",
    "tallying.irv",
    "tallying.scottish_stv",
    "tallying.ers97",
    "tallying.meek",
    "tallying.schulze",
)


def method(name: str) -> Callable[[CountMethod], CountMethod]:
    """Register the decorated function as the counting method ``name``."""

    def register(function: CountMethod) -> CountMethod:
        if name in _METHODS and _METHODS[name] is not function:
            raise ValueError(f"counting method {name!r} is registered twice")
        _METHODS[name] = function
        return function

    return register


def _load_all() -> None:
    for module in _METHOD_MODULES:
        try:
            import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise


def methods() -> tuple[str, ...]:
    """The names of every registered method, sorted."""
    _load_all()
    return tuple(sorted(_METHODS))


def count(profile: Profile, name: str, options: CountOptions | None = None) -> ElectionResult:
    """Count ``profile`` with the method registered as ``name``."""
    _load_all()
    try:
        function = _METHODS[name]
    except KeyError:
        known = ", ".join(sorted(_METHODS)) or "none"
        raise UnknownMethod(f"no counting method {name!r}; known: {known}") from None
    return function(profile, options or CountOptions(seats=profile.seats))

"""Pure counting: decisions on questions, and ranked elections.

No I/O, no clock, no randomness except a seed passed in.
"""

from tallying.errors import CountError, TellersError
from tallying.profile import Profile, RankedBallot
from tallying.registry import CountOptions, count, methods
from tallying.result import ElectionResult, Stage, StageKind

__all__ = [
    "CountError",
    "CountOptions",
    "ElectionResult",
    "Profile",
    "RankedBallot",
    "Stage",
    "StageKind",
    "TellersError",
    "count",
    "methods",
]

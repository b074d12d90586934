"""Pure counting: decisions on questions, and ranked elections.

No I/O, no clock, no randomness except a seed passed in. An embedder needs::

    from tallying import CountOptions, blt, count

    election = blt.read_blt("ward.blt")
    result = count(election.profile, "scottish_stv", CountOptions(seats=3))
    print(result.elected_names)

Decisions on a question (for, against, abstain) are in :mod:`tallying.majority`,
with :mod:`tallying.quorum`, :mod:`tallying.college` and :mod:`tallying.petition`.
"""

from tallying import blt, lots
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
    "blt",
    "count",
    "lots",
    "methods",
]

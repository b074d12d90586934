"""A writer for the crash tests: logs members one by one and says so after each commit.

Run as ``python -m tests.api.crash_child INSTANCE [FAILPOINT COUNT]``. Without a
failpoint it never stops by itself, and the parent kills it at random (docs/architecture.md
D1). With one, it acknowledges ``COUNT`` entries and then dies with exit status 137 at
that point of the next write (D3):

* ``after_commit``: the entry is committed to the store, but not yet in the in-memory
  tree, not signed, not acknowledged;
* ``after_sign``: the checkpoint over it is signed and the signer's state saved, but its
  note is not yet stored.

Each line ``acked N`` is printed only after ``Ledger.submit`` returned for entry N, so
every entry the parent saw acknowledged must survive.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from api.ledger import Ledger
from audit.log import Log
from audit.signer import CheckpointSigner
from voting import commands as c

ORIGIN = "test.tellers.invalid/crash"
AT = "2026-01-15T18:00:00Z"
FAILPOINTS = ("after_commit", "after_sign")


def _die_after(owner: Any, name: str) -> None:
    """Replace ``owner.name`` by a version that does its work and then kills the process."""
    original = getattr(owner, name)

    def dying(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        os._exit(137)

    setattr(owner, name, dying)


def main(instance: Path, failpoint: str = "", count: int = 0) -> None:
    # A checkpoint after every command, so that every write signs one (the failpoints' case).
    ledger = Ledger.open(instance, origin=ORIGIN, checkpoint_every=1)
    if ledger.log.size == 0:
        ledger.submit(c.FoundBody(AT, "s", name="Crash Branch"))
        ledger.submit(c.AdmitMember(AT, "s", member="s", name="Sam", roles=("secretary",)))
    done = 0
    while True:
        if failpoint and done == count:
            if failpoint == "after_commit":  # the first thing submit does after the commit
                _die_after(Log, "append_canonical")
            else:
                _die_after(CheckpointSigner, "sign")
        number = ledger.log.size  # unique: the log only grows
        submitted = ledger.submit(c.AdmitMember(AT, "s", member=f"x{number}", name=f"X {number}"))
        print(f"acked {submitted.first_index}", flush=True)
        done += 1


if __name__ == "__main__":
    point = sys.argv[2] if len(sys.argv) > 2 else ""
    if point and point not in FAILPOINTS:
        raise SystemExit(f"unknown failpoint {point!r}; known: {', '.join(FAILPOINTS)}")
    main(Path(sys.argv[1]), point, int(sys.argv[3]) if len(sys.argv) > 3 else 0)

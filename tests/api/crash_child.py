"""A writer for the crash test: logs members one by one and says so after each commit.

Run as ``python -m tests.api.crash_child INSTANCE``; it never stops by itself. Each
line ``acked N`` is printed only after ``Ledger.submit`` returned for entry N, so every
entry the parent saw acknowledged must survive a ``kill -9`` (RELIABILITY.md D1).
"""

from __future__ import annotations

import sys
from pathlib import Path

from api.ledger import Ledger
from voting import commands as c

ORIGIN = "test.tellers.invalid/crash"
AT = "2026-01-15T18:00:00Z"


def main(instance: Path) -> None:
    ledger = Ledger.open(instance, origin=ORIGIN)
    if ledger.log.size == 0:
        ledger.submit(c.FoundBody(AT, "s", name="Crash Branch"))
        ledger.submit(c.AdmitMember(AT, "s", member="s", name="Sam", roles=("secretary",)))
    while True:
        number = ledger.log.size  # unique: the log only grows
        submitted = ledger.submit(c.AdmitMember(AT, "s", member=f"x{number}", name=f"X {number}"))
        print(f"acked {submitted.first_index}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))

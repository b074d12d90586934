"""What secrecy costs the record, in one run: a sealed vote and an unattributed meeting,
each against the same thing done in the open.

Runs ``bench_sealed`` (a sealed vote against a recorded one: the core and the SQLite
ledger) and then ``bench_chatham`` (an unattributed meeting against the same meeting held
open: the core and ``tellers verify``) in one process, one after the other, so that both
comparisons are made on the machine in the same state. Each prints its own ratios.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_chatham
import bench_sealed


def main() -> None:
    program = sys.argv[0]
    for name, run in (("bench_sealed", bench_sealed.main), ("bench_chatham", bench_chatham.main)):
        print(f"== {name}", flush=True)
        sys.argv = [program]  # each with its defaults
        run()


if __name__ == "__main__":
    main()

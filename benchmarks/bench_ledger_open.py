"""How long opening a ledger takes: every stored entry replayed and the tree rebuilt.

Every ``tellers`` command that touches a body opens its ledger, which reads
every stored entry, checks it against its stored leaf hash, replays it
through ``voting`` and rebuilds the Merkle tree (``api.ledger.Ledger``). This
fills a SQLite store with the recorded-vote log of ``bench_verify.py``
(``--entries``, about members x ballots) and times the opening, against a bare
SHA-256 loop over the same entries in the same run.

    python benchmarks/bench_ledger_open.py [--entries 200000]

Figures are CPU seconds of this process; they go into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import gc
import math
import sys
import tempfile
import time
from hashlib import sha256
from pathlib import Path

from sqlalchemy import insert

from api.ledger import Ledger
from api.storage import Store, entries
from audit.merkle import leaf_hash
from audit.signer import MemorySignerState
from voting.codec import to_entry

sys.path.insert(0, str(Path(__file__).parent))
from bench_verify import KEY, _encode, build_events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=200_000,
                        help="about how many entries (members = ballots = sqrt of this)")
    args = parser.parse_args()
    side = max(4, math.isqrt(args.entries))
    events = build_events(side, side)
    lines = [_encode(to_entry(seq, event)).encode("utf-8") for seq, event in enumerate(events)]
    rows = [{"seq": seq, "type": event.TYPE, "time": event.at, "data": line,
             "leaf_hash": leaf_hash(line)}
            for seq, (event, line) in enumerate(zip(events, lines, strict=True))]
    del events
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'tellers.sqlite3'}"
        store = Store(url)
        with store.transaction() as conn:
            conn.execute(insert(entries), rows)
        store.close()
        del rows
        gc.collect()
        clock = time.process_time()
        for line in lines:
            sha256(line).digest()
        bare = time.process_time() - clock
        store = Store(url)
        clock = time.process_time()
        ledger = Ledger(store, KEY, MemorySignerState())
        opened = time.process_time() - clock
        store.close()
    print(f"{ledger.log.size:,} entries ({side} members, {side} ballots)")
    print(f"  bare SHA-256 loop   {bare:8.2f} s CPU")
    print(f"  Ledger opening      {opened:8.2f} s CPU  ({opened / ledger.log.size * 1e6:.1f} µs "
          f"an entry, {opened / bare:.0f}x the bare loop)")


if __name__ == "__main__":
    main()

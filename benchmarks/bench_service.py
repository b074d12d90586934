"""The cast-vote route under load, beside a bare Flask + SQLAlchemy route, on loopback.

Both servers run the same way: ``tellers serve --workers 2`` (two forked waitress
processes, 16 threads each), and the bare app through the same
supervisor (``api.commands.serve.supervise``). The bare route takes the member from
the bearer header as it is (no token check), and inserts one row of the vote's shape
(body, ballot, member, choice, time; the key on body, ballot and member) in a
``BEGIN IMMEDIATE`` transaction on SQLite (WAL, ``synchronous=FULL``), or a plain one on
PostgreSQL. The tellers route checks the JWT and the member's role, decides, appends to
the log, signs a checkpoint for the receipt, records the cast, and answers the receipt.

Each load run is bounded (``--seconds``, 20 by default) or ends when every member of the
body has voted; clients are threads of this process, each on its own keep-alive
connection, casting one after another. The bodies are prepared through the Python API
before the server starts (members, tokens, a meeting with everyone present, a ballot
open), so that only casting is timed. Then 1,500 members vote in one burst (one
connection each, all at once): the time until every one is receipted. The burst is
repeated (``--bursts``, 3 by default, each in a body of its own) and the median reported
with every run, so that one run on a busy machine does not decide the figure.

    python benchmarks/bench_service.py                 # SQLite, then PostgreSQL if present
    python benchmarks/bench_service.py --seconds 5 --members 3000 --databases sqlite

The figures go into the "## The service: casting over HTTP" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import Flask, jsonify, request  # noqa: E402
from sqlalchemy import (  # noqa: E402
    Column,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
)
from sqlalchemy.exc import IntegrityError  # noqa: E402

from api.auth import Principal, issue_token, rfc3339  # noqa: E402
from api.commands.serve import listen_each, prepare, supervise  # noqa: E402
from api.db import write  # noqa: E402
from api.instance import Instance  # noqa: E402
from api.storage import Store, entries  # noqa: E402
from audit.canonical import canonical  # noqa: E402
from audit.merkle import leaf_hash  # noqa: E402
from tests.api.http.served import Client, Served  # noqa: E402
from voting import commands as c  # noqa: E402
from voting.codec import to_entry  # noqa: E402
from voting.decider import decide, evolve  # noqa: E402
from voting.state import transient  # noqa: E402

WORKERS = 2
THREADS = 16  # tellers serve's default (api.commands.serve.THREADS); the bare app the same
TOKEN_SECONDS = 3600  # the service's default ACCESS_TOKEN_SECONDS: it refuses longer tokens

bare_metadata = MetaData()
bare_votes = Table(
    "votes", bare_metadata,
    Column("body", String(63), primary_key=True),
    Column("ballot", String(64), primary_key=True),
    Column("member", String(64), primary_key=True),
    Column("choice", String(16), nullable=False),
    Column("at", String(40), nullable=False),
)


def bare_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi: Any, _record: Any) -> None:
            dbapi.isolation_level = None
            cursor = dbapi.cursor()
            for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                           "PRAGMA busy_timeout=5000"):
                cursor.execute(pragma)
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    return engine


def bare_app(url: str) -> Flask:
    """The peer: one route inserting one row of a vote's shape, nothing else."""
    app = Flask("bare")
    app.config["MAX_CONTENT_LENGTH"] = 1 << 20
    engine = bare_engine(url)  # its table made before the workers start (bare_server)

    @app.post("/api/v1/bodies/<body>/ballots/<ballot>/votes")
    def cast(body: str, ballot: str) -> Any:
        member = request.headers.get("Authorization", "").partition(" ")[2]
        choice = (request.get_json(silent=True) or {}).get("choice", "")
        at = rfc3339(datetime.now(UTC))
        try:
            with engine.begin() as conn:
                conn.execute(insert(bare_votes).values(body=body, ballot=ballot, member=member,
                                                       choice=choice, at=at))
        except IntegrityError:
            return jsonify({"title": "already voted"}), 409
        return jsonify({"ballot": ballot, "member": member, "choice": choice}), 201

    return app


@contextmanager
def bare_server(url: str) -> Iterator[int]:
    """The bare app under the same supervisor as ``tellers serve --workers 2``."""
    engine = bare_engine(url)
    bare_metadata.create_all(engine)
    engine.dispose()
    listeners = listen_each("127.0.0.1", 0, WORKERS)  # as tellers serve --workers 2
    port = int(listeners[0].getsockname()[1])
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            supervise(lambda: bare_app(url), listeners, THREADS, WORKERS)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    for made in listeners:
        made.close()
    try:
        for _ in range(200):
            probe = Client(port)
            try:
                probe.call("GET", "/")
                break
            except OSError:
                time.sleep(0.05)
            finally:
                probe.close()
        yield port
    finally:
        os.kill(pid, 15)
        os.waitpid(pid, 0)


def prepare_body(where: Path, body: str, members: int, database_url: str | None
                 ) -> dict[str, str]:
    """A body with ``members`` members present, a motion under debate and a ballot open;
    each member's access token. Written through the Python API, not timed."""
    prepare(where, base="http://127.0.0.1", echo=False)
    inst = Instance(where, database_url=database_url)
    try:
        moment = datetime.now(UTC)
        at = rfc3339(moment)
        inst.create_body(body, name=f"The {body}", origin=None, standing_orders="citrine",
                         secretary="sec", secretary_name="Sam", now=moment,
                         invite_seconds=3600)
        ids = [f"m{number:05d}" for number in range(members)]
        ledger = inst.ledger(body)
        ledger.submit_many([
            c.AdmitMember(at, "sec", member="chair", name="Chair", roles=("chair", "member")),
            *(c.AdmitMember(at, "sec", member=m, name=f"Member {m}") for m in ids),
            c.ConveneMeeting(at, "sec", meeting="agm", title="AGM", chair="chair",
                             secretary="sec", quorum_number=2),
            *(c.RecordAttendance(at, "sec", meeting="agm", member=m)
              for m in ("sec", "chair", *ids)),
            c.StartBusiness(at, "chair", meeting="agm"),
            c.MoveMotion(at, ids[0], motion="m1", meeting="agm", title="M", text="That we win."),
            c.SecondMotion(at, ids[1], motion="m1"),
            c.OpenDebate(at, "chair", motion="m1"),
            c.OpenBallot(at, "chair", ballot="b1", subject="m1", method="recorded"),
        ])
        tokens = {}
        with write(inst.engine) as conn:
            for member in ids:
                principal = inst.add_member_principal(conn, body, member, now=moment)
                tokens[member] = issue_token(
                    inst.keys, issuer="tellers", subject=principal, lifetime=TOKEN_SECONDS,
                    now=moment, principal=Principal(principal, "member", body, member))
        return tokens
    finally:
        inst.close()


def prepare_large_body(where: Path, body: str, members: int, voters: int,
                       database_url: str | None) -> tuple[dict[str, str], float]:
    """A body of ``members`` members of whom ``voters`` attend a meeting with a ballot open;
    the voters' tokens and the seconds the log took to build.

    Built by a bulk road: the admissions (and the attendances), which do not bear on one
    another, are each decided by ``voting`` on the state before the first of them, and
    all their events folded by ``evolve`` (which checks each against the state the ones
    before it left) in one in-place fold (``voting.state.transient``); the entries are
    stored in one transaction, the bytes the ledger would have stored, but without the
    ledger's copy of the state after each command (which makes admitting members one by
    one quadratic in the body's size). No checkpoint is signed here: the
    server signs the head as it starts (``Ledger.sign_head``)."""
    prepare(where, base="http://127.0.0.1", echo=False)
    inst = Instance(where, database_url=database_url)
    began = time.perf_counter()
    try:
        moment = datetime.now(UTC)
        at = rfc3339(moment)
        inst.create_body(body, name=f"The {body}", origin=None, standing_orders="citrine",
                         secretary="sec", secretary_name="Sam", now=moment,
                         invite_seconds=3600)
        ledger = inst.ledger(body)
        state, first = ledger.state, ledger.log.size
        store: Store = ledger.store
        ids = [f"m{number:06d}" for number in range(members)]
        rows: list[dict[str, Any]] = []

        def fold(events: list[Any]) -> None:
            nonlocal state
            with transient():  # one fold, in place: each event checked by evolve
                for event in events:
                    state = evolve(state, event)
                    data = canonical(to_entry(first + len(rows), event))  # type: ignore[arg-type]
                    rows.append({"seq": first + len(rows), "type": event.TYPE,
                                 "time": event.at, "data": data, "leaf_hash": leaf_hash(data)})

        def one(command: c.Command) -> None:
            fold(list(decide(state, command)))

        def many(commands: list[c.Command]) -> None:
            """Commands that do not bear on one another (each admits or marks present its
            own member), each decided on the state before the first; evolve checks that
            every event still fits the state the ones before it left."""
            base = state
            fold([event for command in commands for event in decide(base, command)])

        one(c.AdmitMember(at, "sec", member="chair", name="Chair", roles=("chair", "member")))
        many([c.AdmitMember(at, "sec", member=m, name=f"Member {m}") for m in ids])
        one(c.ConveneMeeting(at, "sec", meeting="agm", title="AGM", chair="chair",
                             secretary="sec", quorum_number=2))
        many([c.RecordAttendance(at, "sec", meeting="agm", member=m)
              for m in ("sec", "chair", *ids[:voters])])
        for command in (
            c.StartBusiness(at, "chair", meeting="agm"),
            c.MoveMotion(at, ids[0], motion="m1", meeting="agm", title="M",
                         text="That we win."),
            c.SecondMotion(at, ids[1], motion="m1"),
            c.OpenDebate(at, "chair", motion="m1"),
            c.OpenBallot(at, "chair", ballot="b1", subject="m1", method="recorded"),
        ):
            one(command)
        with store.transaction() as conn:
            for start in range(0, len(rows), 20_000):
                conn.execute(entries.insert(), rows[start:start + 20_000])
        took = time.perf_counter() - began
        tokens = {}
        with write(inst.engine) as conn:
            for member in ids[:voters]:
                principal = inst.add_member_principal(conn, body, member, now=moment)
                tokens[member] = issue_token(
                    inst.keys, issuer="tellers", subject=principal, lifetime=TOKEN_SECONDS,
                    now=moment, principal=Principal(principal, "member", body, member))
        return tokens, took
    finally:
        inst.close()


def bench_large(kind: str, members: int, voters: int, seconds: float) -> None:
    """Open a body of ``members`` members in a served worker that has never seen it (the
    whole log replayed and its tree rebuilt), then cast into it."""
    with tempfile.TemporaryDirectory(prefix=f"tellers-bench-large-{kind}-") as scratch_name:
        scratch = Path(scratch_name)
        for tellers_url, _bare in database(kind, scratch):
            where = scratch / "instance"
            env = {"TELLERS_DATABASE_URL": tellers_url} if tellers_url else {}
            if tellers_url:
                os.environ["TELLERS_DATABASE_URL"] = tellers_url
            tokens, built = prepare_large_body(where, "large", members, voters, tellers_url)
            print(f"\n### {kind}: a body of {members:,} members ({voters:,} at the meeting); "
                  f"load average before: {os.getloadavg()[0]:.2f}\n")
            print(f"log built by the bulk road in {built:.1f} s")
            inst = Instance(where, database_url=tellers_url)
            began = time.perf_counter()
            ledger = inst.ledger("large")  # a process that has never seen it: a full replay
            opening = time.perf_counter() - began
            size = ledger.log.size
            inst.close()
            print(f"log of {size:,} entries; opened by a fresh process (every entry read, "
                  f"checked and folded, the tree rebuilt) in {opening:.1f} s")
            began = time.perf_counter()
            with Served(where, workers=WORKERS, threads=THREADS, env=env) as served:
                started = time.perf_counter() - began
                # the parent opens every body to sign its head (a replay), then forks the
                # workers, which start from the bodies it opened
                print(f"server started and answering in {started:.1f} s (the parent's replay"
                      "; the workers forked from it)")
                rss = []
                for pid in _worker_pids(served):
                    status = Path(f"/proc/{pid}/status").read_text()
                    rss += [int(line.split()[1]) // 1024 for line in status.splitlines()
                            if line.startswith("VmRSS")]
                print(f"workers' resident memory: {', '.join(f'{r:,} MiB' for r in rss)}")
                ids = sorted(tokens)
                half = len(ids) // 2
                print("\n| route | clients | casts | casts/s | p50 ms | p99 ms | errors |")
                print("|---|---|---|---|---|---|---|")
                for clients, part in ((1, ids[:half]), (16, ids[half:])):
                    run = load(served.port, "large", part, tokens, clients, seconds)
                    print(line(f"tellers cast + receipt, {clients}", run).replace(
                        f", {clients} |", f" | {clients} |"))
                    for error in run.errors[:3]:
                        print(f"    error: {error}")
                output = "".join(served.output)
            print(f"load average after: {os.getloadavg()[0]:.2f}")
            if "Traceback" in output:
                print(output[-3000:])
            os.environ.pop("TELLERS_DATABASE_URL", None)


def _worker_pids(served: Served) -> list[int]:
    """The served supervisor's worker processes (its children), if /proc shows them."""
    found: list[int] = []
    process = getattr(served, "process", None)
    pid = getattr(process, "pid", None)
    todo = [pid] if isinstance(pid, int) else []
    while todo:
        current = todo.pop()
        children = Path(f"/proc/{current}/task/{current}/children")
        if children.exists():
            kids = [int(x) for x in children.read_text().split()]
            found += kids
            todo += kids
    return found


@dataclass
class Run:
    casts: int
    seconds: float
    latencies: list[float]
    errors: list[str]

    @property
    def per_second(self) -> float:
        return (self.casts - len(self.errors)) / self.seconds  # receipted casts only

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies) or [float("nan")]
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def load(port: int, body: str, members: list[str], token: dict[str, str], clients: int,
         seconds: float) -> Run:
    """``clients`` connections casting one vote after another until ``seconds`` pass or every
    member has voted."""
    queue = iter(members)
    guard = threading.Lock()
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def run(position: int) -> None:
        conn = Client(port)
        start.wait()
        while time.perf_counter() < deadline[0]:
            with guard:
                member = next(queue, None)
            if member is None:
                break
            began = time.perf_counter()
            status, answer = conn.call("POST", f"/api/v1/bodies/{body}/ballots/b1/votes",
                                       {"choice": "for"}, token[member])
            latencies[position].append(time.perf_counter() - began)
            if status != 201:
                errors.append(f"{status} {answer!r}"[:200])
        conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = [x for part in latencies for x in part]
    return Run(len(flat), elapsed, flat, errors)


def warm(port: int, bodies: list[str]) -> None:
    """Have each worker open every body's ledger (a replay) before anything is timed: a few
    requests on fresh connections, which the kernel spreads over the workers."""
    for _ in range(6 * WORKERS):
        for body in bodies:
            conn = Client(port)
            conn.ok("GET", f"/api/v1/bodies/{body}/ballots/b1")
            conn.close()


def burst(port: int, body: str, token: dict[str, str]) -> tuple[float, int, list[str]]:
    """Every member casts at once on their own connection; seconds until all answered."""
    members = sorted(token)
    start = threading.Barrier(len(members) + 1)
    statuses: list[int] = []
    errors: list[str] = []

    def run(member: str) -> None:
        conn = Client(port)
        start.wait()
        status, answer = conn.call("POST", f"/api/v1/bodies/{body}/ballots/b1/votes",
                                   {"choice": "against"}, token[member])
        statuses.append(status)
        if status != 201:
            errors.append(f"{status} {answer!r}"[:200])
        conn.close()

    threads = [threading.Thread(target=run, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, statuses.count(201), errors


def line(name: str, run: Run) -> str:
    return (f"| {name} | {run.casts} | {run.per_second:,.0f} | {run.quantile(0.5):.1f} | "
            f"{run.quantile(0.99):.1f} | {len(run.errors)} |")


def database(kind: str, scratch: Path) -> Iterator[tuple[str | None, str]]:
    """(tellers database URL or None for SQLite, bare database URL)."""
    if kind == "sqlite":
        yield None, f"sqlite:///{scratch / 'bare.sqlite3'}"
        return

    from tests.postgres import fresh_database, missing_binaries, postgres_server

    if missing_binaries():
        print(f"(no PostgreSQL server binaries: {missing_binaries()})")
        return
    with postgres_server() as url:
        yield fresh_database(url, "tellers"), fresh_database(url, "bare")


def bench(kind: str, seconds: float, members: int, burst_size: int, bursts: int) -> None:
    with tempfile.TemporaryDirectory(prefix=f"tellers-bench-{kind}-") as scratch_name:
        scratch = Path(scratch_name)
        for tellers_url, bare_url in database(kind, scratch):
            where = scratch / "instance"
            env = {"TELLERS_DATABASE_URL": tellers_url} if tellers_url else {}
            if tellers_url:
                os.environ["TELLERS_DATABASE_URL"] = tellers_url
            bodies = {clients: prepare_body(where, f"load{clients}", members, tellers_url)
                      for clients in (1, 16)}
            crowds = [prepare_body(where, f"burst{n}", burst_size, tellers_url)
                      for n in range(bursts)]
            print(f"\n### {kind}: {WORKERS} workers x {THREADS} threads, runs of {seconds:.0f} s"
                  f" (or until {members:,} members have voted); load average before: "
                  f"{os.getloadavg()[0]:.2f}\n")
            print("| route | clients | casts | casts/s | p50 ms | p99 ms | errors |")
            print("|---|---|---|---|---|---|---|")
            rows = []
            with Served(where, workers=WORKERS, threads=THREADS, env=env) as served, \
                    bare_server(bare_url) as bare_port:
                warm(served.port, [*(f"load{n}" for n in bodies),
                                   *(f"burst{n}" for n in range(bursts))])
                for clients in (1, 16):
                    token = bodies[clients]
                    ids = sorted(token)
                    ours = load(served.port, f"load{clients}", ids, token, clients, seconds)
                    peer = load(bare_port, f"load{clients}", ids, {m: m for m in ids},
                                clients, seconds)
                    rows.append((clients, ours, peer))
                    print(line(f"tellers cast + receipt, {clients}", ours).replace(
                        f", {clients} |", f" | {clients} |"))
                    print(line(f"bare Flask + SQLAlchemy insert, {clients}", peer).replace(
                        f", {clients} |", f" | {clients} |"))
                    for run in (ours, peer):
                        for error in run.errors[:3]:
                            print(f"    error: {error}")
                shots = [burst(served.port, f"burst{n}", crowd)
                         for n, crowd in enumerate(crowds)]
                output = "".join(served.output)
            print()
            for clients, ours, peer in rows:
                print(f"{clients} client(s): tellers {ours.per_second / peer.per_second:.0%} "
                      f"of the bare route's throughput")
            times = sorted(took for took, _, _ in shots)
            print(f"burst: median {statistics.median(times):.2f} s for {burst_size:,} members"
                  f" ({len(shots)} bursts: "
                  + ", ".join(f"{took:.2f} s, {done:,} receipted" for took, done, _ in shots)
                  + ")")
            for _, _, errors in shots:
                for error in errors[:3]:
                    print(f"    error: {error}")
            print(f"load average after: {os.getloadavg()[0]:.2f} (the machine's other work "
                  "shares its cores)")
            print(f"one client, one cast after another: median {rows[0][1].quantile(0.5):.1f} ms"
                  " a receipt")
            if "Traceback" in output:
                print(output[-3000:])
            os.environ.pop("TELLERS_DATABASE_URL", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--members", type=int, default=20_000,
                        help="members of each load body (the most votes a run can cast)")
    parser.add_argument("--burst", type=int, default=1_500)
    parser.add_argument("--bursts", type=int, default=3, help="bursts run, each in its own body")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="which of sqlite, postgresql, comma-separated")
    parser.add_argument("--large", type=int, default=0, metavar="MEMBERS",
                        help="also open and cast into a body of this many members "
                             "(500000 for the figures in BENCHMARKS.md)")
    parser.add_argument("--large-voters", type=int, default=4_000,
                        help="members of the large body at its meeting (who cast)")
    parser.add_argument("--only-large", action="store_true",
                        help="skip the load runs and the burst")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    for kind in args.databases.split(","):
        if not args.only_large:
            bench(kind, args.seconds, args.members, args.burst, args.bursts)
        if args.large:
            bench_large(kind, args.large, args.large_voters, args.seconds)


if __name__ == "__main__":
    main()

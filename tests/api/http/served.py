"""A real ``tellers serve`` in a child process on 127.0.0.1, and a body made ready over HTTP.

Shared by the tests of several workers (tests/api/http/test_workers.py) and the service
benchmark (benchmarks/bench_service.py).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
TELLERS = [sys.executable, "-c", "from api.cli import main; main()"]


class Client:
    """One keep-alive HTTP connection to the server (not shared between threads)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None
             ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (0, 1):
            try:
                self._conn.request(method, path, body=data, headers=headers)
                response = self._conn.getresponse()
                raw = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._conn.close()  # a keep-alive connection the server closed: reconnect
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        kind = response.getheader("Content-Type") or ""
        return response.status, json.loads(raw) if "json" in kind else raw

    def ok(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        status, answer = self.call(method, path, body, token)
        if status >= 300:
            raise AssertionError(f"{method} {path}: {status} {answer!r}")
        return answer

    def close(self) -> None:
        self._conn.close()


@dataclass
class Served:
    """``tellers serve --instance DIR --port 0 --workers N`` running in a child process."""

    where: Path
    workers: int = 2
    threads: int = 8
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    admin_invite: str = ""
    output: list[str] = field(default_factory=list)
    process: subprocess.Popen[str] | None = None
    _drainer: threading.Thread | None = None

    def __enter__(self) -> Served:
        self.process = subprocess.Popen(
            [*TELLERS, "serve", "--instance", str(self.where), "--port", "0",
             "--workers", str(self.workers), "--threads", str(self.threads)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
            start_new_session=True)  # its own process group, which a test may kill whole
        assert self.process.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.output.append(line)
            served = re.match(r"serving\s+http://127\.0\.0\.1:(\d+)/", line)
            if served:
                self.port = int(served.group(1))
                break
        shown = "".join(self.output)
        if not self.port:
            self.__exit__(None, None, None)
            raise AssertionError(f"the server did not start:\n{shown}")
        invite = re.search(r"admin invite \(single use, until [^)]+\): (\S+)", shown)
        self.admin_invite = invite.group(1) if invite else ""
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        for _ in range(200):  # the workers may still be starting after the line is printed
            probe = Client(self.port)
            try:
                probe.call("GET", "/api/v1/bodies")
                break
            except OSError:
                time.sleep(0.05)
            finally:
                probe.close()
        return self

    def _drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
        self.process.stdout.close()

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
            if self._drainer is not None:
                self._drainer.join(timeout=30)
            elif self.process.stdout is not None:
                self.process.stdout.close()

    def client(self) -> Client:
        return Client(self.port)

    def kill(self) -> None:
        """SIGKILL the server's whole process group (the supervisor and every worker) and
        reap it: a crash, with no chance to finish anything."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        if self._drainer is not None:
            self._drainer.join(timeout=30)

    def wait_dead(self, timeout: float = 30) -> bool:
        """Whether the server died (a failpoint killed it) within ``timeout`` seconds; then
        the rest of its group is killed and reaped as by :meth:`kill`."""
        if self.process is None:
            return True
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        self.kill()
        return True


@dataclass
class Ready:
    """A body with a ballot open, and everyone's access token."""

    body: str
    ballot: str
    secretary: str
    chair: str
    members: dict[str, str]  # member id -> access token
    vkey: str


def _in_parallel(served: Served, work: Sequence[Any], step: Callable[[Client, Any], Any],
                 clients: int = 8) -> list[Any]:
    """``step(client, item)`` for every item, on ``clients`` connections at once."""
    local = threading.local()
    opened: list[Client] = []

    def run(item: Any) -> Any:
        if not hasattr(local, "client"):
            local.client = served.client()
            opened.append(local.client)
        return step(local.client, item)

    try:
        with ThreadPoolExecutor(clients) as pool:
            return list(pool.map(run, work))
    finally:
        for client in opened:
            client.close()


def ready_body(served: Served, members: int, *, body: str = "club",
               method: str = "recorded") -> Ready:
    """Found ``body`` as the admin, admit ``members`` members and a chair, hold a meeting with
    everyone present, move and second a motion, open a ballot on it."""
    client = served.client()
    api = f"/api/v1/bodies/{body}"
    admin = client.ok("POST", "/api/v1/auth/token", {"invite": served.admin_invite})
    founded = client.ok("POST", "/api/v1/bodies", {
        "id": body, "name": f"The {body}", "secretary": {"id": "sec", "name": "Sam Sec"}},
        admin["access_token"])
    secretary = client.ok("POST", "/api/v1/auth/token",
                          {"invite": founded["secretary_invite"]})["access_token"]

    def admit(conn: Client, member: tuple[str, tuple[str, ...]]) -> tuple[str, str]:
        made = conn.ok("POST", f"{api}/members", {"id": member[0], "name": f"M {member[0]}",
                                                  "roles": list(member[1])}, secretary)
        token = conn.ok("POST", "/api/v1/auth/token", {"invite": made["invite"]["invite"]})
        return member[0], str(token["access_token"])

    ids = [f"m{number:04d}" for number in range(members)]
    chair = admit(client, ("chair", ("chair", "member")))[1]
    tokens = dict(_in_parallel(served, [(m, ("member",)) for m in ids], admit))
    client.ok("POST", f"{api}/meetings", {"id": "agm", "title": "AGM", "chair": "chair",
                                          "secretary": "sec", "quorum_number": 2}, secretary)
    _in_parallel(served, ["sec", "chair", *ids], lambda conn, m: conn.ok(
        "POST", f"{api}/meetings/agm/attendance", {"member": m}, secretary))
    client.ok("POST", f"{api}/meetings/agm/start", None, chair)
    client.ok("POST", f"{api}/motions", {"id": "m1", "meeting": "agm", "title": "M",
                                         "text": "That we win."}, tokens[ids[0]])
    client.ok("POST", f"{api}/motions/m1/second", None, tokens[ids[1]])
    client.ok("POST", f"{api}/motions/m1/debate", None, chair)
    client.ok("POST", f"{api}/ballots", {"id": "b1", "subject": "m1", "method": method}, chair)
    vkey = str(client.ok("GET", api)["vkey"])
    client.close()
    return Ready(body, "b1", secretary, chair, tokens, vkey)


@dataclass(frozen=True)
class Cast:
    member: str
    status: int
    answer: Any
    seconds: float


def burst(served: Served, ready: Ready, *, clients: int | None = None) -> list[Cast]:
    """Every member casts their vote at once (``clients`` connections, default one each);
    each cast's status, answer and latency."""
    members = sorted(ready.members)
    count = clients or len(members)
    start = threading.Barrier(count)
    connections = [served.client() for _ in range(count)]
    chunks = [members[i::count] for i in range(count)]
    results: list[list[Cast]] = [[] for _ in range(count)]

    def run(position: int) -> None:
        conn = connections[position]
        start.wait()
        for member in chunks[position]:
            began = time.perf_counter()
            status, answer = conn.call(
                "POST", f"/api/v1/bodies/{ready.body}/ballots/{ready.ballot}/votes",
                {"choice": "for" if hash(member) % 2 else "against"}, ready.members[member])
            results[position].append(Cast(member, status, answer,
                                          time.perf_counter() - began))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for conn in connections:
        conn.close()
    return [cast for part in results for cast in part]

"""The worker's main loop (:mod:`api.epoll_loop`, and waitress's own on ``poll(2)`` where
there is no epoll): every request is answered, however the connection's state changed.

The server (``tests/api/loop_server.py``) runs in its own process with its listening
socket numbered 1,500, past what ``select(2)`` can watch. On epoll it never asks a
connection again unless told of a change (``RECHECK_SECONDS`` infinite), so a change the
loop is not told of leaves a request unanswered, and the client's timeout fails the test.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.loop_server import BIG, CHUNK

ROOT = Path(__file__).resolve().parents[2]
WAIT = 20.0  # a client's patience, seconds: far beyond any answer's time


def _serve(kind: str, limit: int = 1000, idle: int = 600) -> Iterator[int]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.api.loop_server", kind, str(limit),
                             str(idle)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield int(proc.stdout.readline())
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.fixture(params=["epoll", "waitress"])
def port(request: pytest.FixtureRequest) -> Iterator[int]:
    yield from _serve(request.param)


@pytest.fixture(params=["epoll", "waitress"])
def sweeping_port(request: pytest.FixtureRequest) -> Iterator[int]:
    yield from _serve(request.param, idle=2)


@pytest.fixture(params=["epoll", "waitress"])
def port_of_ten(request: pytest.FixtureRequest) -> Iterator[int]:
    yield from _serve(request.param, limit=10)


def _get(conn: http.client.HTTPConnection, path: str) -> bytes:
    conn.request("GET", path)
    answer = conn.getresponse()
    assert answer.status == 200
    return answer.read()


def test_many_connections_at_once_are_each_answered(port: int) -> None:
    answers: dict[int, bytes] = {}

    def one(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        answers[n] = _get(conn, f"/slow/{n}" if n % 20 == 0 else f"/{n}")
        conn.close()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(300)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {n: (f"/slow/{n}" if n % 20 == 0 else f"/{n}").encode()
                       for n in range(300)}


def test_a_kept_connection_is_answered_request_after_request(port: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    assert [_get(conn, f"/{n}") for n in range(100)] == [f"/{n}".encode() for n in range(100)]
    assert _get(conn, "/slow") == b"/slow"
    conn.close()


def test_a_connection_is_read_again_only_once_its_request_is_done(port: int) -> None:
    """The answer is sent before the request is done with (its ``close`` lingers): the
    connection's next request is read once it is."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    assert _get(conn, "/lingering") == b"/lingering"
    assert _get(conn, "/next") == b"/next"
    conn.close()


def test_a_piece_written_while_the_answer_goes_on_is_sent_at_once(port: int) -> None:
    """A worker thread writes a small piece of a streamed answer and goes on (as the log's
    event stream does): the piece reaches the reader before the answer ends."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while b"first" not in got:
            data = sock.recv(4096)
            assert data, f"closed after {got!r}"
            got += data
        assert b"last" not in got
        releaser = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        assert _get(releaser, "/release") == b"/release"
        releaser.close()
        while b"last" not in got:
            got += sock.recv(4096)


def test_pipelined_requests_are_answered_in_order(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /second HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while got.count(b"HTTP/1.1 200") < 2 or not got.endswith(b"/second"):
            data = sock.recv(65536)
            assert data, f"closed after {got!r}"
            got += data
    assert got.index(b"/slow") < got.index(b"/second")


def test_an_answer_larger_than_the_buffer_arrives_whole(port: int) -> None:
    """The writer fills waitress's buffer past its high watermark and waits for the loop
    to send: the loop must be watching the connection for writing."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    conn.request("GET", "/big")
    time.sleep(1)  # not reading yet: the kernel's buffers fill, then waitress's
    answer = conn.getresponse()
    assert answer.status == 200
    assert len(answer.read()) == BIG
    assert _get(conn, "/after") == b"/after"
    conn.close()


def test_a_reader_gone_mid_answer_leaves_the_server_answering(port: int) -> None:
    for _ in range(3):
        sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        assert len(sock.recv(CHUNK)) > 0
        sock.close()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    assert _get(conn, "/still") == b"/still"
    conn.close()


def test_an_idle_connection_is_swept(sweeping_port: int) -> None:
    """waitress closes a connection idle past ``channel_timeout`` (2 s here): on epoll, the
    sweep is followed by asking every connection again."""
    with socket.create_connection(("127.0.0.1", sweeping_port), timeout=WAIT) as sock:
        sock.sendall(b"GET /once HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while not got.endswith(b"/once"):
            got += sock.recv(4096)
        assert sock.recv(4096) == b""  # closed by the server, well before WAIT


def test_past_the_connection_limit_a_connection_waits_its_turn(port_of_ten: int) -> None:
    """Eight connections held open fill a limit of ten (waitress counts its listening socket
    and its wake-up pipe); a ninth is answered once they go."""
    held = [http.client.HTTPConnection("127.0.0.1", port_of_ten, timeout=WAIT)
            for _ in range(8)]
    for n, conn in enumerate(held):
        assert _get(conn, f"/{n}") == f"/{n}".encode()
    late = http.client.HTTPConnection("127.0.0.1", port_of_ten, timeout=WAIT)
    answer: list[bytes] = []
    waiting = threading.Thread(target=lambda: answer.append(_get(late, "/late")))
    waiting.start()
    for conn in held:
        conn.close()
    waiting.join()
    assert answer == [b"/late"]
    late.close()


@pytest.fixture
def epoll_port() -> Iterator[int]:
    yield from _serve("epoll")


def test_an_idle_loop_sleeps(epoll_port: int) -> None:
    """A connection the loop has served is asked again, and no longer watched for what it
    no longer waits for: else epoll, level-triggered, would wake the loop at once on every
    turn for a connection already written (a loop spinning while nothing happens)."""
    conn = http.client.HTTPConnection("127.0.0.1", epoll_port, timeout=WAIT)
    for n in range(20):
        _get(conn, f"/{n}")
    before = int(_get(conn, "/turns"))
    time.sleep(2)  # idle: the loop wakes about once a second (waitress's poll timeout)
    after = int(_get(conn, "/turns"))
    conn.close()
    assert after - before < 20, f"{after - before} turns in 2 idle seconds"


def test_the_epoll_loop_serves_one_listening_socket() -> None:
    from api import epoll_loop

    with pytest.raises(ValueError, match="one listening socket"):
        epoll_loop.serve(lambda environ, start_response: [], sockets=[])

"""A waitress server on :mod:`api.epoll_loop` (or waitress's own loop), for
``tests/api/test_epoll_loop.py``: run as a script, it prints its port and serves until
killed.

    python -m tests.api.loop_server epoll|waitress CONNECTION_LIMIT IDLE_SECONDS

With ``epoll`` the loop counts its turns (``GET /turns``), and asks a connection again
only when it reports a change or is served (``RECHECK_SECONDS`` is infinite): a change
the loop is not told of leaves its request unanswered, and the test waiting for it fails.
A connection idle for IDLE_SECONDS is closed; waitress looks for them every
IDLE_SECONDS / 2, and on epoll every connection is asked again after each look, so the
tests of anything else make that rare.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

CHUNK = 1 << 20
BIG = 48 * CHUNK  # past waitress's 16 MiB high watermark and the kernel's buffers: the writer waits


TURNS = [0]
RELEASED = threading.Event()


def big() -> Iterator[bytes]:
    """``BIG`` bytes, the first a moment after the request (the loop has long since asked
    the connection, which then waited for nothing: only the writes can tell it)."""
    time.sleep(0.3)
    for _ in range(BIG // CHUNK):
        yield b"x" * CHUNK


def stream() -> Iterator[bytes]:
    """A first small piece a moment after the request (the loop has long since asked the
    connection, which then waited for nothing), the rest once ``GET /release`` comes (a
    minute at most)."""
    time.sleep(0.3)
    yield b"first"
    RELEASED.wait(60)
    RELEASED.clear()
    yield b"last"


class Lingering:
    """An answer whose ``close`` takes a while: waitress has sent it before the request is
    done with, so only the end of the request makes the connection readable again."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        yield self.body

    def close(self) -> None:
        time.sleep(0.3)


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    if path == "/turns":  # how many turns the loop has made
        body = str(TURNS[0]).encode()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return stream()
    if path == "/release":
        RELEASED.set()
    if path == "/lingering":
        start_response("200 OK", [("Content-Length", str(len(path)))])
        return Lingering(path.encode())
    if path == "/big":
        start_response("200 OK", [("Content-Length", str(BIG))])
        return big()
    if path == "/slow":
        time.sleep(0.2)
    body = path.encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return iter([body])


def main() -> None:
    kind, limit, idle = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    listener = socket.create_server(("127.0.0.1", 0), backlog=1024)
    high = socket.socket(fileno=os.dup2(listener.fileno(), 1500))  # past select(2)'s reach
    listener.close()
    print(high.getsockname()[1], flush=True)
    adjustments = dict(sockets=[high], threads=8, connection_limit=limit,
                       channel_timeout=idle, cleanup_interval=idle // 2)
    if kind == "epoll":
        from api import epoll_loop

        epoll_loop.RECHECK_SECONDS = float("inf")
        turn = epoll_loop.EpollLoop.turn

        def counted(self: epoll_loop.EpollLoop) -> None:
            TURNS[0] += 1
            turn(self)

        epoll_loop.EpollLoop.turn = counted  # type: ignore[method-assign]
        epoll_loop.serve(app, **adjustments)
    else:
        import waitress

        waitress.serve(app, asyncore_use_poll=True, _quiet=True, **adjustments)


if __name__ == "__main__":
    main()

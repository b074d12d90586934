"""waitress's main loop on epoll, asking again only the connections that may have changed.

waitress serves every connection of a worker from one main loop (``waitress.wasyncore``).
On each turn that loop asks every open connection whether it wants to read and whether it
wants to write, and hands the kernel the whole list again. A worker may hold up to a
thousand connections (members' browsers keep theirs open through a meeting, and a burst of
votes opens hundreds at once), and the loop turns once for nearly every request and every
answer: in a burst of 1,500 casts those questions took a quarter of each worker's CPU
(``BENCHMARKS.md``). waitress's default loop also uses ``select(2)``, which cannot watch a
descriptor numbered 1,024 or above; a worker whose connections and files pass that number
stopped with ``ValueError``.

:class:`EpollLoop` keeps each connection's answer in an epoll set (epoll(7), level
triggered, so an answer kept is an answer the kernel keeps acting on) and asks again only
a connection that may have changed since its last answer:

- one the loop served on its last turn (read, written, closed);
- one opened or closed (:class:`Channel` reports both);
- one whose request a worker thread answered or wrote to: :class:`Channel` reports it
  after the change and then wakes the loop, so the loop's next turn sees the change.

The listening socket and the wake-up pipe are asked on every turn, as waitress asks them:
the listener's answer carries waitress's sweep of idle connections and its connection
limit. After a sweep, and at least once every :data:`RECHECK_SECONDS` in any case, every
connection is asked again.

Linux only (epoll); elsewhere :func:`api.commands.serve.run_app` runs waitress's own loop
on ``poll(2)``.
"""

from __future__ import annotations

import contextlib
import select
import time
from collections import deque
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel

__all__ = ["AVAILABLE", "RECHECK_SECONDS", "Channel", "EpollLoop", "serve"]

AVAILABLE = hasattr(select, "epoll")
"""Whether this system has epoll (Linux)."""

RECHECK_SECONDS = 1.0
"""Every connection is asked again at least this often, whatever it reported."""

_READ = select.POLLIN | select.POLLPRI
_WRITE = select.POLLOUT


class Channel(HTTPChannel):  # type: ignore[misc]  # waitress has no type information
    """waitress's HTTP connection, reporting to its server's loop every change made outside
    the loop's own turn (a worker thread writing, or finishing a request) and its opening
    and closing. Each report goes into ``server.changed`` first, and then the loop is woken,
    so the loop never sleeps on a change it has not seen."""

    def _changed(self) -> None:
        self.server.changed.append(self)
        self.server.pull_trigger()

    def add_channel(self, map: Any = None) -> None:
        super().add_channel(map)
        self.server.changed.append(self)  # in the loop's own turn: accepted there

    def del_channel(self, map: Any = None) -> None:
        super().del_channel(map)
        self.server.changed.append(self)  # may be a worker thread whose write failed

    def write_soon(self, data: bytes) -> int:
        try:
            return int(super().write_soon(data))
        finally:
            if self.total_outbufs_len:  # left for the loop to send (the thread sends first)
                self._changed()

    def service(self) -> None:
        try:
            super().service()
        finally:
            self._changed()


class EpollLoop:
    """The main loop of one waitress server (its ``map`` of descriptors), on epoll."""

    def __init__(self, map: dict[int, Any], changed: deque[Any], timeout: float,
                 recheck: float | None = None) -> None:
        self.map = map
        self.changed = changed
        self.timeout = timeout
        self.recheck = RECHECK_SECONDS if recheck is None else recheck
        self.epoll = select.epoll()
        self.held: dict[int, tuple[Any, int]] = {}  # fd -> (dispatcher, events asked for)
        self.where: dict[int, int] = {}  # id(dispatcher) -> its fd in ``held``
        self.always: list[Any] = []  # the listening sockets and the wake-up pipe
        self.touched: set[int] = set()
        self.next_full = 0.0

    def close(self) -> None:
        self.epoll.close()

    def run(self) -> None:
        """Turn until the map is empty (waitress empties it as it closes)."""
        while self.map:
            self.turn()

    def turn(self) -> None:
        """Ask whatever may have changed, wait for events (at most ``timeout``), serve them."""
        now = time.monotonic()
        if self._ask_listeners() or now >= self.next_full:
            self._ask_all(now)
        else:
            self._ask_changed()
        self.touched.clear()
        events = self.epoll.poll(self.timeout)
        for fd, flags in events:
            obj = self.map.get(fd)
            if obj is None:
                continue
            self.touched.add(fd)
            wasyncore.readwrite(obj, flags)

    def _ask_listeners(self) -> bool:
        """Ask the listening sockets and the wake-up pipe, as waitress does on every turn (a
        listener's answer may sweep idle connections, and says whether the connection limit
        lets it accept); whether one swept."""
        swept = False
        for obj in self.always:
            before = getattr(obj, "next_channel_cleanup", None)
            self._ask(obj._fileno, obj)
            swept = swept or getattr(obj, "next_channel_cleanup", None) != before
        return swept

    def _ask_all(self, now: float) -> None:
        self.changed.clear()
        self.always = [obj for obj in self.map.values() if not isinstance(obj, Channel)]
        for fd, obj in list(self.map.items()):
            self._ask(fd, obj)
        for fd in [fd for fd, (obj, _) in self.held.items() if self.map.get(fd) is not obj]:
            self._drop(fd)
        self.next_full = now + self.recheck

    def _ask_changed(self) -> None:
        seen = set()
        while self.changed:
            obj = self.changed.popleft()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            fd = obj._fileno
            if fd is not None and self.map.get(fd) is obj:
                self._ask(fd, obj)
            else:  # closed
                was = self.where.get(id(obj))
                if was is not None and self.held[was][0] is obj:
                    self._drop(was)
        for fd in self.touched:
            obj = self.map.get(fd)
            if obj is not None:
                self._ask(fd, obj)
            elif fd in self.held:
                self._drop(fd)

    def _ask(self, fd: int | None, obj: Any) -> None:
        """Ask ``obj`` what it waits for, as waitress's ``poll2`` asks, and keep the answer
        in the epoll set (a descriptor waiting for nothing is taken out of it: epoll would
        still report its hang-up on every turn)."""
        if fd is None:
            return
        events = 0
        if obj.readable():
            events |= _READ
        if obj.writable() and not obj.accepting:
            events |= _WRITE
        held = self.held.get(fd)
        if held is not None and held[0] is obj and held[1] == events:
            return
        try:
            if held is not None and held[0] is obj and held[1]:
                if events:
                    self.epoll.modify(fd, events)
                else:
                    self.epoll.unregister(fd)
            else:
                if held is not None:  # another's, closed: the kernel may keep it
                    self._drop(fd)
                if events:
                    self.epoll.register(fd, events)
        except OSError:  # closed under us by a worker thread: its report follows
            self._unregister(fd)
            self._drop(fd)
            return
        self.held[fd] = (obj, events)
        self.where[id(obj)] = fd

    def _drop(self, fd: int) -> None:
        held = self.held.pop(fd, None)
        if held is not None:
            if self.where.get(id(held[0])) == fd:
                del self.where[id(held[0])]
            if held[1]:
                self._unregister(fd)

    def _unregister(self, fd: int) -> None:
        with contextlib.suppress(OSError, ValueError):  # gone already
            self.epoll.unregister(fd)


def serve(app: Any, **adjustments: Any) -> None:
    """``waitress.serve(app, **adjustments)``, on :class:`EpollLoop`, with one listening
    socket (``sockets=[...]``)."""
    from waitress.server import create_server

    if len(adjustments.get("sockets", ())) != 1:  # else waitress serves several servers
        raise ValueError("the epoll loop serves one listening socket: sockets=[one]")
    server = create_server(app, **adjustments)
    server.channel_class = Channel
    server.changed = deque()
    loop = EpollLoop(server._map, server.changed, timeout=server.adj.asyncore_loop_timeout)
    try:
        loop.run()
    except (SystemExit, KeyboardInterrupt):
        server.task_dispatcher.shutdown()
    finally:
        loop.close()

"""``GET /api/v1/bodies/<body>/log/stream``: the body's new entries as Server-Sent Events.

For pages, monitors and witnesses following a live meeting (the WHATWG HTML
standard, "Server-sent events"). Each entry is one event::

    id: 57
    event: entry
    data: {"seq":57,"entry":{...the entry as logged...}}

``id`` is the entry's index in the log, so a reader that reconnects with
``Last-Event-ID: 57`` (an ``EventSource`` does so by itself) gets everything
from entry 58 on and misses nothing; ``?after=57`` does the same for a first
connection. Without either the stream begins at the log's present size. An
index beyond the log is refused (422), as a reader of another log would be.

The stream follows what every worker stores (it reads the body's store, not
this process's memory), sends a comment line ``: heartbeat`` when it has been
quiet for ``STREAM_HEARTBEAT_SECONDS`` so proxies keep it open, and holds a
server thread for at most ``STREAM_SECONDS``: then it ends with an ``event:
reconnect`` and the reader reconnects where it was. At most ``STREAM_LIMIT``
streams are open in each worker at once (more are refused with 503 and
``Retry-After``), so followers never take every thread from the voters. When
the server stops it ends every stream with ``event: shutdown`` before it
closes its connections (:func:`stop_streams`).
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any, cast

from flask import Flask, Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.app import instance
from api.errors import Problem
from api.storage import Store

__all__ = ["STOPPING", "blp", "events", "open_streams", "stop_streams"]

blp = Blueprint("stream", __name__, url_prefix="/api/v1/bodies/<body>/log",
                description="The body's new entries as they are logged (Server-Sent Events)")

STOPPING = threading.Event()
"""Set as the server stops: every open stream ends at once with ``event: shutdown``."""

PAGE = 200


class _Streams:
    """How many streams one app has open (``STREAM_LIMIT`` caps it)."""

    def __init__(self) -> None:
        self.open = 0
        self.changed = threading.Condition()


_apps: weakref.WeakSet[_Streams] = weakref.WeakSet()


def _streams(app: Flask) -> _Streams:
    found = app.extensions.get("tellers.streams")
    if found is None:
        found = app.extensions["tellers.streams"] = _Streams()
        _apps.add(found)
    return cast("_Streams", found)


def open_streams(app: Flask) -> int:
    """How many log streams ``app`` has open now."""
    streams = _streams(app)
    with streams.changed:
        return streams.open


def stop_streams(timeout: float) -> bool:
    """End every stream of this process; wait up to ``timeout`` seconds for them to finish.
    Whether they all did."""
    STOPPING.set()
    deadline = time.monotonic() + timeout
    done = True
    for streams in list(_apps):
        with streams.changed:
            ended = streams.changed.wait_for(_ended(streams),
                                             timeout=max(0.0, deadline - time.monotonic()))
            done = done and ended
    return done


def _ended(streams: _Streams) -> Callable[[], bool]:
    return lambda: streams.open == 0


class StreamQuery(Schema):
    after = fields.Integer(load_default=None, allow_none=True,
                           validate=validate.Range(-1, 2**62), metadata={
                               "description": "The last entry index already read (as "
                                              "Last-Event-ID); default: only new entries"})


def events(store: Store, start: int, *, heartbeat: float, limit: float,
           poll: float) -> Iterator[str]:
    """The event stream from entry ``start`` on (see the module docstring)."""
    clock = time.monotonic
    deadline = clock() + limit
    quiet_since = clock()
    position = start
    yield "retry: 2000\n\n"
    while True:
        if STOPPING.is_set():
            yield "event: shutdown\ndata: the server is stopping; reconnect later\n\n"
            return
        with store.reader.connect() as conn:
            rows = store.entries_from(position, conn, limit=PAGE)
        for seq, data, _ in rows:
            yield f'id: {seq}\nevent: entry\ndata: {{"seq":{seq},"entry":{data.decode()}}}\n\n'
            position = seq + 1
        now = clock()
        if rows:
            quiet_since = now
            if len(rows) == PAGE:
                continue
        if now >= deadline:
            yield (f"event: reconnect\ndata: {json.dumps({'after': position - 1})}\n\n")
            return
        if now - quiet_since >= heartbeat:
            yield ": heartbeat\n\n"
            quiet_since = now
        STOPPING.wait(poll)


def _start(query: dict[str, Any], size: int) -> int:
    header = request.headers.get("Last-Event-ID")
    after: int | None = query["after"]
    field = "after"
    if header is not None and header.strip():
        field = "Last-Event-ID"
        try:
            after = int(header.strip())
        except ValueError:
            raise Problem(422, "invalid-request", "Last-Event-ID is the index of the last "
                          "entry read, a whole number", field=field) from None
        if after < -1:
            raise Problem(422, "invalid-request", "Last-Event-ID is -1 or more", field=field)
    if after is None:
        return size
    if after >= size:
        raise Problem(422, "beyond-the-log", f"entry {after} is beyond this log, which has "
                      f"{size} entries: is it the stream of another log?", field=field)
    return after + 1


class _Counted:
    """The stream, counted among the app's open ones until the server closes it (whether or
    not it was ever read: WSGI servers call ``close`` on every response)."""

    def __init__(self, stream: Iterator[str], streams: _Streams) -> None:
        self._stream = stream
        self._streams = streams
        self._closed = False

    def __iter__(self) -> _Counted:
        return self

    def __next__(self) -> str:
        return next(self._stream)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()
        with self._streams.changed:
            self._streams.open -= 1
            self._streams.changed.notify_all()


@blp.route("/stream")
class Stream(MethodView):
    @blp.arguments(StreamQuery, location="query")
    @blp.response(200, content_type="text/event-stream")
    @blp.doc(parameters=[{
        "in": "header", "name": "Last-Event-ID", "required": False,
        "schema": {"type": "string"},
        "description": "The index of the last entry read: the stream resumes after it"}],
        responses={
            "200": {"description": "The events, as they are logged", "content": {
                "text/event-stream": {"schema": {"type": "string"}, "example": (
                    'id: 57\nevent: entry\ndata: {"seq":57,"entry":{"seq":57,"...":"..."}}'
                    '\n\n')}}},
            "503": {"description": "Too many streams open in this worker; retry"}})
    def get(self, query: dict[str, Any], body: str) -> Response:
        """Follow the body's log: each new entry as an event whose ``id`` is its index.

        Heartbeat comments keep a quiet stream open; after ``STREAM_SECONDS`` it ends with
        ``event: reconnect`` (``EventSource`` reconnects with ``Last-Event-ID``), and with
        ``event: shutdown`` when the server stops.
        """
        store = instance().ledger(body).store
        start = _start(query, store.size())
        config = current_app.config
        streams = _streams(current_app)
        with streams.changed:
            if streams.open >= int(config["STREAM_LIMIT"]) or STOPPING.is_set():
                raise Problem(503, "streams-busy", "too many streams are open here; "
                              "try again shortly", headers={"Retry-After": "5"})
            streams.open += 1
        stream = events(store, start, heartbeat=float(config["STREAM_HEARTBEAT_SECONDS"]),
                        limit=float(config["STREAM_SECONDS"]),
                        poll=float(config["STREAM_POLL_SECONDS"]))
        return Response(_Counted(stream, streams), mimetype="text/event-stream", headers={
            "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

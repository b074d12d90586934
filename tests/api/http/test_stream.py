"""The log stream: Server-Sent Events of a body's new entries, resumable by Last-Event-ID."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from api import create_app
from api.http import stream
from tests.api.http.conftest import Service, meeting_under_way
from tests.api.http.served import Served, ready_body

STREAM = "/api/v1/bodies/group/log/stream"


def parse(text: str) -> list[dict[str, str]]:
    """The events of an event stream, each as its fields (comments kept as ``comment``)."""
    found = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            name, _, value = line.partition(":")
            fields[name or "comment"] = value.removeprefix(" ")
        found.append(fields)
    return found


def read(service: Service, path: str, **headers: str) -> list[dict[str, str]]:
    """The events of one whole stream (closed after, as a server closes every response)."""
    response = service.client.get(path, headers=headers)
    try:
        assert response.status_code == 200, response.get_data(as_text=True)
        return parse(response.get_data(as_text=True))
    finally:
        response.close()


@pytest.fixture
def quick(tmp_path: Path) -> Iterator[Service]:
    """A service whose streams end at once, after what is already logged."""
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True,
                      "STREAM_SECONDS": 0, "STREAM_LIMIT": 2})
    yield Service(app, app.test_client(use_cookies=False))
    app.extensions["tellers"].close()


def test_the_stream_resumes_after_last_event_id(quick: Service) -> None:
    meeting_under_way(quick)
    size = quick.instance.ledger("group").log.size
    response = quick.client.get(STREAM, headers={"Last-Event-ID": str(size - 4)})
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    events = parse(response.get_data(as_text=True))
    assert events[0] == {"retry": "2000"}
    entries = [e for e in events if e.get("event") == "entry"]
    assert [int(e["id"]) for e in entries] == [size - 3, size - 2, size - 1]
    logged = quick.instance.ledger("group").entry_bytes()
    for event in entries:
        data = json.loads(event["data"])
        assert data["seq"] == int(event["id"])
        assert data["entry"] == json.loads(logged[data["seq"]])
    assert events[-1]["event"] == "reconnect"
    assert json.loads(events[-1]["data"]) == {"after": size - 1}
    # ?after= is the same for a first connection; without either, only new entries
    response.close()
    assert read(quick, f"{STREAM}?after={size - 4}") == events
    fresh = read(quick, STREAM)
    assert [e.get("event") for e in fresh] == [None, "reconnect"]


def test_a_bad_last_event_id_is_refused_and_leaves_no_stream_open(quick: Service) -> None:
    quick.body("group", "sec")
    before = quick.fingerprint("group")
    for header, field in (("abc", "Last-Event-ID"), ("-2", "Last-Event-ID"),
                          ("99", "Last-Event-ID")):
        response = quick.client.get(STREAM, headers={"Last-Event-ID": header})
        assert response.status_code == 422, header
        assert response.json["field"] == field
    assert quick.client.get(f"{STREAM}?after=x").status_code == 422
    assert quick.client.get(f"{STREAM}?after=2").json["type"].endswith("beyond-the-log")
    assert quick.client.get("/api/v1/bodies/nobody/log/stream").status_code == 404
    assert stream.open_streams(quick.app) == 0
    assert quick.fingerprint("group") == before


def test_streams_beyond_the_limit_are_refused_with_retry_after(quick: Service) -> None:
    quick.body("group", "sec")
    held = [quick.client.get(STREAM, buffered=False) for _ in range(2)]
    try:
        assert stream.open_streams(quick.app) == 2
        refused = quick.client.get(STREAM)
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "5"
    finally:
        for response in held:
            response.close()
    assert stream.open_streams(quick.app) == 0
    assert read(quick, STREAM)[-1]["event"] == "reconnect"


def test_a_quiet_stream_sends_heartbeats(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True,
                      "STREAM_SECONDS": 0.05, "STREAM_HEARTBEAT_SECONDS": 0,
                      "STREAM_POLL_SECONDS": 0.01})
    try:
        service = Service(app, app.test_client(use_cookies=False))
        service.body("group", "sec")
        events = read(service, STREAM)
        assert {"comment": "heartbeat"} in events
        assert events[-1]["event"] == "reconnect"
    finally:
        app.extensions["tellers"].close()


def test_the_stream_is_in_the_openapi_document(quick: Service) -> None:
    spec = quick.client.get("/api/v1/openapi.json").json
    get = spec["paths"]["/api/v1/bodies/{body}/log/stream"]["get"]
    assert "text/event-stream" in get["responses"]["200"]["content"]
    assert any(p["name"] == "Last-Event-ID" and p["in"] == "header" for p in get["parameters"])


def _read_until(response: http.client.HTTPResponse, done: str) -> str:
    text = ""
    while done not in text:
        chunk = response.read1(65536)
        if not chunk:
            break
        text += chunk.decode()
    return text


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_reader_sees_a_vote_cast_in_another_request_and_the_shutdown(
        tmp_path: Path, workers: int) -> None:
    with Served(tmp_path / "instance", workers=workers) as served:
        ready = ready_body(served, 3)
        path = f"/api/v1/bodies/{ready.body}/log/stream"
        writer = served.client()
        size = writer.ok("GET", f"/api/v1/bodies/{ready.body}")["size"]
        reader = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
        reader.request("GET", path, headers={"Last-Event-ID": str(size - 1)})
        response = reader.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type", "").startswith("text/event-stream")
        assert _read_until(response, "retry: 2000\n\n") == "retry: 2000\n\n"
        cast = writer.ok("POST", f"/api/v1/bodies/{ready.body}/ballots/b1/votes",
                                  {"choice": "for"}, ready.members["m0000"])
        seen = parse(_read_until(response, f"id: {cast['entry']}\n"))
        entry = next(e for e in seen if e.get("id") == str(cast["entry"]))
        data = json.loads(entry["data"])
        assert data["entry"]["type"] == "vote_cast"
        assert data["entry"]["body"]["ballot"] == "b1"
        assert served.process is not None
        served.process.terminate()
        rest = response.read().decode()  # the chunked body ends properly: no IncompleteRead
        assert parse(rest)[-1]["event"] == "shutdown"
        reader.close()
        writer.close()
        assert served.process.wait(timeout=30) == 0


def test_every_start_gives_each_later_entry_once_in_order_across_pages(tmp_path: Path) -> None:
    """Whatever entry a reader resumes after, it is given every later one, once, in order,
    even where the stream reads the store a page at a time (stream.PAGE)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from sqlalchemy import insert

    from api.storage import Store, entries

    size = 2 * stream.PAGE + 7
    store = Store(f"sqlite:///{tmp_path / 'log.sqlite3'}")
    with store.transaction() as conn:
        conn.execute(insert(entries), [
            {"seq": seq, "type": "t", "time": "2026-01-01T00:00:00Z",
             "data": json.dumps({"seq": seq}).encode(), "leaf_hash": seq.to_bytes(32, "big")}
            for seq in range(size)])

    @settings(max_examples=30, deadline=None)
    @given(st.integers(0, size))
    def check(start: int) -> None:
        text = "".join(stream.events(store, start, heartbeat=1e9, limit=0, poll=0))
        ids = [int(e["id"]) for e in parse(text) if e.get("event") == "entry"]
        assert ids == list(range(start, size))
        assert json.loads(parse(text)[-1]["data"]) == {"after": size - 1}

    try:
        check()
    finally:
        store.close()

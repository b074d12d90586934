"""``/api/v1/bodies/<body>/log`` and ``/bundles``: the body's signed log, for anyone to read.

- ``log/checkpoint``: the log's head, signed and published (text/plain).
- ``log/entries?after=&limit=``: the entries in order, by keyset: ``after`` is
  the last ``seq`` the reader has (none: from the start); ``next`` in the
  answer is the ``after`` for the next page, ``null`` at the end.
- ``bundles/<size>/<file>``: the verification bundle of the log at a signed
  size, in the layout ``tellers verify URL`` reads (``bundle.json`` and the
  files it names). A bundle at a given size never changes, so it is the form
  to verify a live log by: ``tellers verify http://host/api/v1/bodies/B/bundles/N/``.
- ``bundles/latest/<file>``: the same for the latest checkpoint (signing the
  head first if it is not signed yet). While a meeting is writing, the files
  fetched one after another may belong to different sizes; use the sized form.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from api.app import instance
from audit.bundle import write_bundle
from audit.canonical import parse
from audit.checkpoint import parse_checkpoint
from audit.note import parse_note
from voting.decider import replay
from voting.minutes import minutes_of

__all__ = ["blp", "bundles"]

blp = Blueprint("log", __name__, url_prefix="/api/v1/bodies/<body>/log",
                description="The body's signed, append-only log")
bundles = Blueprint("bundles", __name__, url_prefix="/api/v1/bodies/<body>/bundles",
                    description="Verification bundles for `tellers verify URL`")

MAX_PAGE = 1000


class EntriesQuery(Schema):
    after = fields.Integer(load_default=None, allow_none=True,
                           validate=validate.Range(-1, 2**62),
                           metadata={"description": "The last seq already read"})
    limit = fields.Integer(load_default=100, validate=validate.Range(1, MAX_PAGE))


class EntrySchema(Schema):
    seq = fields.Integer(required=True)
    entry = fields.Dict(required=True, metadata={
        "description": "The entry (its canonical bytes are the Merkle leaf)"})


class EntriesPage(Schema):
    entries = fields.List(fields.Nested(EntrySchema), required=True)
    size = fields.Integer(required=True, metadata={"description": "The log's size now"})
    next = fields.Integer(allow_none=True, required=True, metadata={
        "description": "The `after` of the next page; null when there is none"})


def _size_of(note: str) -> int:
    return parse_checkpoint(parse_note(note).text).size


@blp.route("/checkpoint")
class Checkpoint(MethodView):
    @blp.response(200, content_type="text/plain")
    def get(self, body: str) -> Response:
        """The log's head, signed and published (c2sp.org/tlog-checkpoint in a signed note).

        The ledger publishes checkpoints at a cadence and at every close
        (docs/verifying.md, "Which checkpoints a bundle carries"); asking for the
        head publishes one at the current size, as writing a bundle does.
        """
        with instance().writing(body) as ledger:
            note = ledger.checkpoint().note
        return Response(note, mimetype="text/plain")


@blp.route("/entries")
class Entries(MethodView):
    @blp.arguments(EntriesQuery, location="query")
    @blp.response(200, EntriesPage)
    def get(self, query: dict[str, Any], body: str) -> dict[str, Any]:
        """A page of entries after ``after``, oldest first."""
        ledger = instance().ledger(body)
        after = query["after"] if query["after"] is not None else -1
        limit = query["limit"]
        stored = ledger.entry_bytes()
        chosen = stored[after + 1: after + 1 + limit]
        page = [{"seq": after + 1 + i, "entry": parse(data)} for i, data in enumerate(chosen)]
        last = after + len(page)
        return {"entries": page, "size": len(stored),
                "next": last if last + 1 < len(stored) else None}


_cache_lock = threading.Lock()
_cache: dict[tuple[str, str, int], dict[str, bytes]] = {}  # (instance, body, size) -> files


def bundle_files(body: str, size: int | None) -> dict[str, bytes]:
    """Every file of the bundle of ``body``'s log at checkpoint ``size`` (None: the latest)."""
    inst = instance()
    if size is None or size == inst.ledger(body).log.size:  # the head: publish it first
        with inst.writing(body) as ledger:
            signed = ledger.checkpoint().checkpoint.size
        size = signed if size is None else size
    key = (str(inst.path), body, size)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    ledger = inst.ledger(body)
    notes = [note for note in ledger.checkpoints() if _size_of(note) <= size]
    if not notes or _size_of(notes[-1]) != size:
        abort(404, message=f"there is no signed checkpoint of size {size}")
    entries = ledger.entry_bytes()[:size]
    events = ledger.events()[:size]
    minutes = minutes_of(replay(events), events).by_entry()  # as published at that size
    with tempfile.TemporaryDirectory(prefix="tellers-bundle-") as scratch:
        root = Path(scratch) / "bundle"
        write_bundle(root, entries=entries, checkpoints=notes, vkey=ledger.vkey, minutes=minutes)
        files = {str(path.relative_to(root)): path.read_bytes()
                 for path in root.rglob("*") if path.is_file()}
    with _cache_lock:
        if len(_cache) > 64:
            _cache.clear()
        _cache[key] = files
    return files


def _serve(body: str, size: int | None, name: str) -> Response:
    files = bundle_files(body, size)
    data = files.get(name)
    if data is None:
        abort(404, message=f"the bundle has no file {name!r}")
    mimetype = "application/json" if name.endswith(".json") else "text/plain"
    return Response(data, mimetype=mimetype)


@bundles.route("/latest/<path:name>")
class LatestBundle(MethodView):
    @bundles.response(200, content_type="application/octet-stream")
    def get(self, body: str, name: str) -> Response:
        """A file of the bundle at the latest checkpoint."""
        return _serve(body, None, name)


@bundles.route("/<int:size>/<path:name>")
class SizedBundle(MethodView):
    @bundles.response(200, content_type="application/octet-stream")
    def get(self, body: str, size: int, name: str) -> Response:
        """A file of the bundle at checkpoint ``size`` (never changes)."""
        return _serve(body, size, name)

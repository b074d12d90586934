"""``/api/v1/bodies/<body>/log`` and ``/bundles``: the body's signed log, for anyone to read.

- ``log/checkpoint``: the log's head, signed and published (text/plain).
- ``log/entries?after=&limit=``: the entries in order, by keyset: ``after`` is
  the last ``seq`` the reader has (none: from the start); ``next`` in the
  answer is the ``after`` for the next page, ``null`` at the end.
- ``bundles/<size>/<file>``: the verification bundle of the log at a signed
  size, in the layout ``tellers verify URL`` reads (``bundle.json`` and the
  files it names). A bundle at a given size never changes, so it is the form
  to verify a live log by: ``tellers verify http://host/api/v1/bodies/B/bundles/N/``.
- ``log/proofs/inclusion?index=&size=`` and ``log/proofs/consistency?old=&new=``:
  RFC 9162 §2.1.3 and §2.1.4 proofs (base64 hashes) from the tree of the stored
  leaves, with the root at the size they end at: check them against a signed
  checkpoint of that size you hold.
- ``bundles/latest/<file>``: the same for the latest checkpoint (signing the
  head first if it is not signed yet). While a meeting is writing, the files
  fetched one after another may belong to different sizes; use the sized form.
"""

from __future__ import annotations

import base64
import tempfile
import threading
from pathlib import Path
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from api.app import instance
from api.errors import Problem
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
    @blp.doc(responses={"200": {"description": "OK", "content": {
        "text/plain": {"schema": {"type": "string"}}}}})
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
        store = instance().ledger(body).store
        after = query["after"] if query["after"] is not None else -1
        with store.reader.connect() as conn:  # on SQLite one snapshot for the size and page
            size = store.size(conn)
            chosen = store.entries_from(after + 1, conn, limit=query["limit"])
        page = [{"seq": seq, "entry": parse(data)} for seq, data, _ in chosen]
        last = after + len(page)
        return {"entries": page, "size": size, "next": last if last + 1 < size else None}


class InclusionQuery(Schema):
    index = fields.Integer(required=True, validate=validate.Range(0, 2**62),
                           metadata={"description": "The leaf index (an entry's seq)"})
    size = fields.Integer(load_default=None, allow_none=True,
                          validate=validate.Range(1, 2**62), metadata={
                              "description": "The tree size the proof is for (default: the "
                                             "log's size now)"})


class ConsistencyQuery(Schema):
    old = fields.Integer(required=True, validate=validate.Range(1, 2**62))
    new = fields.Integer(load_default=None, allow_none=True,
                         validate=validate.Range(1, 2**62),
                         metadata={"description": "Default: the log's size now"})


class ProofSchema(Schema):
    size = fields.Integer(required=True, metadata={"description": "The tree size proved at"})
    root = fields.String(required=True, metadata={"description": "Its root hash, base64"})
    proof = fields.List(fields.String(), required=True,
                        metadata={"description": "The proof's hashes, base64, in order"})
    index = fields.Integer(metadata={"description": "Inclusion: the leaf index"})
    old = fields.Integer(metadata={"description": "Consistency: the older size"})


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(item).decode() for item in hashes]


def _up_to(size: int | None, held: int, field: str) -> int:
    if size is None:
        return held
    if size > held:
        raise Problem(422, "beyond-the-log", f"the log holds {held} entries, not {size}",
                      field=field)
    return size


@blp.route("/proofs/inclusion")
class Inclusion(MethodView):
    @blp.arguments(InclusionQuery, location="query")
    @blp.response(200, ProofSchema)
    def get(self, query: dict[str, Any], body: str) -> dict[str, Any]:
        """RFC 9162 §2.1.3.1: the path from entry ``index`` to the root of ``size`` leaves."""
        with instance().writing(body) as ledger:
            size = _up_to(query["size"], ledger.log.size, "size")
            if query["index"] >= size:
                raise Problem(422, "beyond-the-log", f"entry {query['index']} is not in a "
                              f"tree of {size}", field="index")
            proof = ledger.log.inclusion_proof(query["index"], size)
            root = ledger.log.root(size)
        return {"index": query["index"], "size": size,
                "root": base64.b64encode(root).decode(), "proof": _b64(proof)}


@blp.route("/proofs/consistency")
class Consistency(MethodView):
    @blp.arguments(ConsistencyQuery, location="query")
    @blp.response(200, ProofSchema)
    def get(self, query: dict[str, Any], body: str) -> dict[str, Any]:
        """RFC 9162 §2.1.4.1: that the tree of ``new`` leaves extends the tree of ``old``."""
        with instance().writing(body) as ledger:
            new = _up_to(query["new"], ledger.log.size, "new")
            if query["old"] > new:
                raise Problem(422, "beyond-the-log", f"size {query['old']} is larger than "
                              f"{new}", field="old")
            proof = ledger.log.consistency_proof(query["old"], new)
            root = ledger.log.root(new)
        return {"old": query["old"], "size": new,
                "root": base64.b64encode(root).decode(), "proof": _b64(proof)}


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


# bundle.json is JSON; the log key, checkpoints and the rest are text
BUNDLE_FILE = {"description": "OK", "content": {
    "application/json": {"schema": {"type": "object"}},
    "text/plain": {"schema": {"type": "string"}}}}


@bundles.route("/latest/<path:name>")
class LatestBundle(MethodView):
    @bundles.response(200, content_type="application/octet-stream")
    @bundles.doc(responses={"200": BUNDLE_FILE})
    def get(self, body: str, name: str) -> Response:
        """A file of the bundle at the latest checkpoint."""
        return _serve(body, None, name)


@bundles.route("/<int:size>/<path:name>")
class SizedBundle(MethodView):
    @bundles.response(200, content_type="application/octet-stream")
    @bundles.doc(responses={"200": BUNDLE_FILE})
    def get(self, body: str, size: int, name: str) -> Response:
        """A file of the bundle at checkpoint ``size`` (never changes)."""
        return _serve(body, size, name)

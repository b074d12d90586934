"""``/api/v1/bodies/<body>/elections``: nominations, each member's own ranking, the count.

The chair calls an election (``POST``), members nominate (each nomination names its
seconder, as the rules record it), the chair closes nominations (the roll of voters
and the lot's seed are fixed then, in the log), each member casts their own ranking
and gets the receipt back at once, and the chair closes the poll, which counts. In a
secret election the server draws the paper's tracker and the ballot secret; the
receipt carries the tracker and the member's mark key (docs/verifying.md, "Sealed
papers"). The rankings stay hidden until the close: the election shows its stage, the
candidates and, once closed, who was elected.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.app import instance
from api.http.common import AcceptedSchema, Bool, Id, Int, accept, at, fresh_id, me
from tallying.registry import methods
from voting import commands as c
from voting import events as ev
from voting.state import Election

__all__ = ["blp"]

blp = Blueprint("elections", __name__, url_prefix="/api/v1/bodies/<body>/elections",
                description="Elections: nominations, rankings cast by each member, the count")

MAX_SEATS = 1000
MAX_RANKING = 1000


class NewElectionSchema(Schema):
    id = Id(metadata={"description": "Chosen by the server when left out"})
    title = fields.String(required=True, validate=validate.Length(1, 200))
    seats = Int(required=True, validate=validate.Range(1, MAX_SEATS))
    method = fields.String(required=True, validate=validate.OneOf(methods()))
    meeting = fields.String(load_default="", validate=validate.Length(0, 64), metadata={
        "description": "The meeting whose members present vote; empty: every member"})
    secret = Bool(load_default=True)


class ElectionSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    seats = fields.Integer(required=True)
    method = fields.String(required=True)
    meeting = fields.String(required=True)
    secret = fields.Boolean(required=True)
    stage = fields.String(required=True)
    nominated = fields.List(fields.String(), required=True)
    proposed = fields.List(fields.String(), required=True,
                           metadata={"description": "Proposed, awaiting a seconder"})
    candidates = fields.List(fields.String(), required=True,
                             metadata={"description": "Fixed as nominations close"})
    elected = fields.List(fields.String(), required=True,
                          metadata={"description": "Empty until the close"})


class ElectionAcceptedSchema(AcceptedSchema):
    election = fields.Nested(ElectionSchema, required=True)


class NominationSchema(Schema):
    candidate = Id(required=True)


class RankingSchema(Schema):
    ranking = fields.List(Id(), required=True, validate=validate.Length(1, MAX_RANKING),
                          metadata={"description": "Candidates' member ids, most preferred "
                                                   "first"})


class RankingReceiptSchema(Schema):
    election = fields.String(required=True)
    member = fields.String(required=True)
    entry = fields.Integer(required=True, metadata={"description": "The ranking's leaf index"})
    tracker = fields.String(required=True, metadata={
        "description": "The sealed paper's tracker (empty in an open election)"})
    receipt = fields.String(required=True, metadata={
        "description": "c2sp.org/tlog-proof: keep it to check your ranking is in the log"})


def show(election: Election) -> dict[str, Any]:
    return {"id": election.id, "title": election.title, "seats": election.seats,
            "method": election.method, "meeting": election.meeting,
            "secret": election.secret, "stage": election.stage.value,
            "nominated": list(election.nominated),
            "proposed": sorted(election.proposed), "candidates": list(election.candidates),
            "elected": list(election.elected)}


def _answer(body: str, election: str, command: c.Command) -> dict[str, Any]:
    where = accept(body, command)
    return {**where, "election": show(instance().state(body).election(election))}


@blp.route("")
class Elections(MethodView):
    @blp.arguments(NewElectionSchema)
    @blp.response(201, ElectionAcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str) -> dict[str, Any]:
        """The chair calls an election and opens nominations."""
        election = data.get("id") or fresh_id("election")
        return _answer(body, election, c.OpenNominations(
            at(), me(), election=election, title=data["title"], seats=data["seats"],
            method=data["method"], meeting=data["meeting"], secret=data["secret"]))


@blp.route("/<election>")
class OneElection(MethodView):
    @blp.response(200, ElectionSchema)
    def get(self, body: str, election: str) -> dict[str, Any]:
        """An election: its stage and candidates; who was elected, once it is closed."""
        return show(instance().state(body).election(election))


@blp.route("/<election>/nominations")
class Nominations(MethodView):
    @blp.arguments(NominationSchema)
    @blp.response(201, ElectionAcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str, election: str) -> dict[str, Any]:
        """Propose a member as a candidate; the nomination stands once another member seconds it."""
        return _answer(body, election, c.Nominate(
            at(), me(), election=election, candidate=data["candidate"]))


@blp.route("/<election>/nominations/<candidate>/second")
class SecondNomination(MethodView):
    @blp.response(201, ElectionAcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body: str, election: str, candidate: str) -> dict[str, Any]:
        """Second a proposed nomination: the seconder's own act, under their own token."""
        return _answer(body, election, c.SecondNomination(
            at(), me(), election=election, candidate=candidate))


@blp.route("/<election>/nominations/close")
class CloseNominations(MethodView):
    @blp.response(201, ElectionAcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body: str, election: str) -> dict[str, Any]:
        """The chair closes nominations: the candidates and the roll are fixed."""
        return _answer(body, election, c.CloseNominations(at(), me(), election=election))


@blp.route("/<election>/rankings")
class Rankings(MethodView):
    @blp.arguments(RankingSchema)
    @blp.response(201, RankingReceiptSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str, election: str) -> dict[str, Any]:
        """Cast your own ranking; the answer is your receipt."""
        member = me()
        command = c.CastRanking(at(), member, election=election,
                                ranking=tuple(data["ranking"]))
        with instance().writing(body) as ledger:
            done = ledger.submit(command, sign=True)  # the receipt's checkpoint, one commit
            index = next(i for i, e in zip(done.indices, done.events, strict=True)
                         if isinstance(e, ev.RankingCast | ev.SealedRankingCast))
            receipt = ledger.receipt(index, tracker=done.tracker, mark_key=done.mark_key)
        return {"election": election, "member": member, "entry": index,
                "tracker": done.tracker, "receipt": receipt}


@blp.route("/<election>/close")
class CloseElection(MethodView):
    @blp.response(201, ElectionAcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body: str, election: str) -> dict[str, Any]:
        """The chair closes the poll; the count is made and declared in the log."""
        return _answer(body, election, c.CloseElection(at(), me(), election=election))

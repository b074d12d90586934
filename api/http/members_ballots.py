"""``/api/v1/bodies/<body>/members-ballots``: an officer calls and closes a members' ballot.

A members' ballot is held outside any meeting (docs/counting.md, "Members' ballots"): the
chair or secretary calls it with its question and window, the electorate is fixed as it is
called, members vote with ``POST .../ballots/<ballot>/votes`` like any ballot (receipt,
``Idempotency-Key``) and read it with ``GET .../ballots/<ballot>``, whose ``turnout`` counts
the votes so far where the body shows it; an officer closes it no earlier than the end of
its window. The domain refuses what is out of order; this gate only names who may ask.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.app import instance
from api.http.ballots import BallotSchema, forget_papers, show
from api.http.common import AcceptedSchema, Bool, Id, accept, at, fresh_id, me
from voting import commands as c
from voting.errors import NotFound
from voting.members_ballot import METHODS
from voting.state import Ballot, BallotMethod

__all__ = ["blp"]

blp = Blueprint("members_ballots", __name__, url_prefix="/api/v1/bodies/<body>/members-ballots",
                description="Members' ballots: called by an officer for a window, cast by "
                            "each member, closed at the end of the window")

TIME = {"description": "RFC 3339 UTC, e.g. 2026-06-01T09:00:00Z"}


class NewMembersBallotSchema(Schema):
    id = Id(metadata={"description": "Chosen by the server when left out"})
    question = fields.String(required=True, validate=validate.Length(1, 20_000))
    method = fields.String(load_default="recorded",
                           validate=validate.OneOf([m.value for m in METHODS]))
    opens_at = fields.String(load_default="", validate=validate.Length(0, 64), metadata={
        **TIME, "description": "When votes may first be cast (RFC 3339 UTC); left out, now"})
    closes_at = fields.String(required=True, validate=validate.Length(1, 64), metadata={
        **TIME, "description": "When votes stop (RFC 3339 UTC); the close comes no earlier"})
    weighted = Bool(load_default=False, metadata={
        "description": "Each vote carries the member's weight (a recorded ballot only)"})
    petition = fields.String(load_default="", validate=validate.Length(0, 64), metadata={
        "description": "The petition that triggered it, closed with its threshold met"})
    threshold = fields.String(load_default="", validate=validate.Length(0, 64), metadata={
        "description": "The question's own rule, one the standing orders allow"})


class MembersBallotSchema(BallotSchema):
    text = fields.String(required=True, metadata={"description": "The question put"})
    opens_at = fields.String(required=True)
    closes_at = fields.String(required=True)
    electorate = fields.Integer(required=True, metadata={
        "description": "How many members may vote, fixed as the ballot was called"})
    petition = fields.String(required=True)


class CalledSchema(AcceptedSchema):
    ballot = fields.Nested(MembersBallotSchema, required=True)


def shown(ballot: Ballot, body: str | None = None) -> dict[str, Any]:
    return {**show(ballot, body), "text": ballot.text, "opens_at": ballot.opens_at,
            "closes_at": ballot.closes_at, "electorate": len(ballot.roll),
            "petition": ballot.petition}


@blp.route("")
class MembersBallots(MethodView):
    @blp.arguments(NewMembersBallotSchema)
    @blp.response(201, CalledSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str) -> dict[str, Any]:
        """An officer calls a members' ballot; the electorate is fixed now."""
        ballot_id = data.get("id") or fresh_id("ballot")
        moment = at()
        where = accept(body, c.OpenMembersBallot(
            moment, me(), ballot=ballot_id, question=data["question"], method=data["method"],
            opens_at=data["opens_at"] or moment, closes_at=data["closes_at"],
            weighted=data["weighted"], petition=data["petition"], threshold=data["threshold"]))
        return {**where, "ballot": shown(instance().state(body).ballot(ballot_id), body)}


@blp.route("/<ballot>/close")
class CloseMembersBallot(MethodView):
    @blp.response(201, CalledSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body: str, ballot: str) -> dict[str, Any]:
        """An officer closes the members' ballot at the end of its window; the count is made
        and declared in the log."""
        if not instance().state(body).ballot(ballot).of_members:
            raise NotFound(f"{ballot!r} is a meeting's ballot, closed by its chair, not a "
                           "members' ballot")
        where = accept(body, c.CloseBallot(at(), me(), ballot=ballot))
        closed = instance().state(body).ballot(ballot)
        if closed.method == BallotMethod.SECRET:
            forget_papers(body, ballot)
        return {**where, "ballot": shown(closed)}

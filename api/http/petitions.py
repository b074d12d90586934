"""``/api/v1/bodies/<body>/petitions``: members petition for a members' ballot.

A member who may vote opens a petition with its threshold (a fraction of the
membership, a number of members, or either or both of them: ``tallying.petition``);
the membership and the signatures required are fixed in the log as it opens, so a
purge of members afterwards cannot move them. Each member signs for themselves,
once; an officer closes it, and the close records whether the threshold was met.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.app import instance
from api.http.common import AcceptedSchema, Id, Int, accept, at, fresh_id, me
from voting import commands as c
from voting.state import Petition

__all__ = ["blp"]

blp = Blueprint("petitions", __name__, url_prefix="/api/v1/bodies/<body>/petitions",
                description="Petitions: opened, signed by each member, closed")


class NewPetitionSchema(Schema):
    id = Id(metadata={"description": "Chosen by the server when left out"})
    text = fields.String(required=True, validate=validate.Length(1, 100_000),
                         metadata={"description": "What the petitioners ask for"})
    fraction = fields.String(load_default="", validate=validate.Regexp(
        r"^(|[0-9]{1,9}/[1-9][0-9]{0,8})$", error="a fraction like 1/20"), metadata={
            "description": "The share of the membership whose signatures are needed"})
    number = Int(load_default=0, validate=validate.Range(0, 10**9), metadata={
        "description": "The number of members whose signatures are needed (0: none set)"})
    rule = fields.String(load_default="either", validate=validate.OneOf(["either", "both"]),
                         metadata={"description": "With both a fraction and a number: whether "
                                                  "either suffices or both are needed"})


class PetitionSchema(Schema):
    id = fields.String(required=True)
    text = fields.String(required=True)
    threshold = fields.String(required=True, metadata={"description": "As the log names it"})
    membership = fields.Integer(required=True, metadata={
        "description": "The voting membership counted as it opened"})
    required = fields.Integer(required=True, metadata={
        "description": "The signatures its threshold required of that membership"})
    signatures = fields.Integer(required=True)
    signers = fields.List(fields.String(), required=True, metadata={
        "description": "Who signed (each signature is an entry of the public log)"})
    closed = fields.Boolean(required=True)
    met = fields.Boolean(required=True, metadata={"description": "False until the close"})


class PetitionAcceptedSchema(AcceptedSchema):
    petition = fields.Nested(PetitionSchema, required=True)


def show(petition: Petition) -> dict[str, Any]:
    return {"id": petition.id, "text": petition.text, "threshold": petition.threshold,
            "membership": petition.membership, "required": petition.required,
            "signatures": len(petition.signatures), "signers": sorted(petition.signatures),
            "closed": petition.closed, "met": petition.met}


def _answer(body: str, petition: str, command: c.Command) -> dict[str, Any]:
    where = accept(body, command)
    return {**where, "petition": show(instance().state(body).petition(petition))}


@blp.route("")
class Petitions(MethodView):
    @blp.arguments(NewPetitionSchema)
    @blp.response(201, PetitionAcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str) -> dict[str, Any]:
        """Open a petition (any member who may vote); its threshold is fixed as it opens."""
        petition = data.get("id") or fresh_id("petition")
        return _answer(body, petition, c.OpenPetition(
            at(), me(), petition=petition, text=data["text"], fraction=data["fraction"],
            number=data["number"], rule=data["rule"]))


@blp.route("/<petition>")
class OnePetition(MethodView):
    @blp.response(200, PetitionSchema)
    def get(self, body: str, petition: str) -> dict[str, Any]:
        """A petition: its text, the signatures it needs and has; once closed, whether met."""
        return show(instance().state(body).petition(petition))


@blp.route("/<petition>/signatures")
class Signatures(MethodView):
    @blp.response(201, PetitionAcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body: str, petition: str) -> dict[str, Any]:
        """Sign a petition yourself (once)."""
        return _answer(body, petition, c.SignPetition(at(), me(), petition=petition))


@blp.route("/<petition>/close")
class ClosePetition(MethodView):
    @blp.response(201, PetitionAcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body: str, petition: str) -> dict[str, Any]:
        """An officer closes the petition; the log records whether its threshold was met."""
        return _answer(body, petition, c.ClosePetition(at(), me(), petition=petition))

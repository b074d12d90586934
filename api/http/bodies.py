"""``/api/v1/bodies``: the bodies this instance serves; the admin founds new ones."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.app import instance, now
from api.http.common import AcceptedSchema, Bool, Id, accept, at, me
from api.instance import BODY_ID, BodyInfo
from voting import commands as c
from voting.standing_orders import PROFILES

__all__ = ["blp"]

blp = Blueprint("bodies", __name__, url_prefix="/api/v1/bodies",
                description="Bodies, each with its own signed log")


class FounderSchema(Schema):
    id = Id(required=True, metadata={"description": "The secretary's member id"})
    name = fields.String(required=True, validate=validate.Length(1, 200))


class NewBodySchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(
        BODY_ID, error="lowercase letters, digits and inner hyphens, at most 63"))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    origin = fields.String(validate=validate.Regexp(
        r"^[!-*,-~]{1,255}$", error="1 to 255 printable ASCII characters, no space or '+'"),
        metadata={"description": "The log's origin line, which also names its key in every "
                                 "signed note (default: <ORIGIN_PREFIX>/<id>)"})
    standing_orders = fields.String(load_default="citrine",
                                    validate=validate.OneOf(sorted(PROFILES)))
    secretary = fields.Nested(FounderSchema, required=True)
    rules = fields.Dict(keys=fields.String(validate=validate.Length(1, 64)),
                        values=fields.String(validate=validate.Length(0, 1000)),
                        load_default=dict, metadata={
        "description": "Rules of the standing orders set otherwise than the profile, by name"})
    show_turnout = Bool(load_default=False, metadata={
        "description": "Show how many have voted while a ballot is open (never choices)"})


class BodySchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    origin = fields.String(required=True)
    vkey = fields.String(required=True, metadata={"description": "The log's verifier key"})
    size = fields.Integer(required=True, metadata={"description": "Entries in the log"})
    members = fields.Integer(required=True)
    standing_orders = fields.String(required=True)
    rules = fields.Dict(keys=fields.String(), values=fields.String(), required=True, metadata={
        "description": "The rules in force that differ from the profile, by name"})
    created_at = fields.String(required=True)
    show_turnout = fields.Boolean(required=True, metadata={
        "description": "The body's policy: turnout shown while a ballot is open"})


class CreatedBodySchema(BodySchema):
    secretary_invite = fields.String(required=True, metadata={
        "description": "The secretary's single-use invite (shown once)"})


def describe(info: BodyInfo) -> dict[str, Any]:
    state = instance().state(info.id)  # caught up with what other workers stored
    ledger = instance().ledger(info.id)
    return {"id": info.id, "name": state.name or info.name, "origin": info.origin,
            "vkey": ledger.vkey, "size": ledger.log.size, "members": len(state.members),
            "standing_orders": state.orders.name, "rules": dict(state.orders.differences()),
            "created_at": info.created_at, "show_turnout": info.show_turnout}


@blp.route("")
class Bodies(MethodView):
    @blp.response(200, BodySchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Every body this instance serves."""
        return [describe(info) for info in instance().bodies()]

    @blp.arguments(NewBodySchema)
    @blp.response(201, CreatedBodySchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Found a body with its secretary as first member (admin only)."""
        info, invite = instance().create_body(
            data["id"], name=data["name"], origin=data.get("origin"),
            standing_orders=data["standing_orders"], secretary=data["secretary"]["id"],
            rules=tuple(sorted(data["rules"].items())),
            secretary_name=data["secretary"]["name"], now=now(),
            invite_seconds=int(current_app.config["INVITE_SECONDS"]),
            show_turnout=data["show_turnout"])
        return {**describe(info), "secretary_invite": invite}


@blp.route("/<body>")
class Body(MethodView):
    @blp.response(200, BodySchema)
    def get(self, body: str) -> dict[str, Any]:
        """One body: its name, its log's origin, key and size."""
        return describe(instance().require_body(body))


class SectionSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    share = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{1,9}(/[0-9]{1,9})?$"),
                          metadata={"description": "An exact fraction, such as 1/3"})


class CollegeSchema(Schema):
    sections = fields.List(fields.Nested(SectionSchema), required=True,
                           validate=validate.Length(1, 100), metadata={
        "description": "Each section and its share of a college vote's result; shares add up to 1"})


class CollegeShownSchema(Schema):
    sections = fields.List(fields.Nested(SectionSchema), required=True, metadata={
        "description": "Each section and its share; empty until a college is defined"})


class CollegeAcceptedSchema(AcceptedSchema):
    college = fields.Nested(CollegeShownSchema, required=True)


def show_college(body: str) -> dict[str, Any]:
    college = instance().state(body).college
    return {"sections": [{"name": name, "share": share} for name, share in college]}


@blp.route("/<body>/college")
class College(MethodView):
    @blp.response(200, CollegeShownSchema)
    def get(self, body: str) -> dict[str, Any]:
        """The body's electoral college: its sections and their shares (none until defined)."""
        instance().require_body(body)
        return show_college(body)

    @blp.arguments(CollegeSchema)
    @blp.response(201, CollegeAcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str) -> dict[str, Any]:
        """Define the electoral college (a chair or secretary; not while a college vote is open).

        A member's section is given when they are admitted."""
        sections = tuple((s["name"], s["share"]) for s in data["sections"])
        where = accept(body, c.DefineCollege(at(), me(), sections=sections))
        return {**where, "college": show_college(body)}

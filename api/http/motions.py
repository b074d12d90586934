"""``/api/v1/bodies/<body>/motions`` and ``/amendments``: moving, seconding, debate."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.app import instance
from api.http.common import AcceptedSchema, Bool, Id, Int, accept, at, fresh_id, me
from voting import commands as c
from voting.state import Amendment, Motion

__all__ = ["amendments", "blp"]

blp = Blueprint("motions", __name__, url_prefix="/api/v1/bodies/<body>/motions",
                description="Motions: moved, seconded, debated, amended")
amendments = Blueprint("amendments", __name__, url_prefix="/api/v1/bodies/<body>/amendments",
                       description="Amendments: seconded, taken")

KINDS = ["leave_out", "insert", "leave_out_and_insert", "leave_out_all_and_insert",
         "add_at_end"]


class NewMotionSchema(Schema):
    id = Id(metadata={"description": "Chosen by the server when left out"})
    meeting = Id(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    text = fields.String(required=True, validate=validate.Length(1, 100_000))
    threshold = fields.String(load_default="", validate=validate.Length(0, 64), metadata={
        "description": "The motion's own rule (e.g. two_thirds_of_votes_cast, "
                       "majority_of_all_members), one the standing orders allow"})
    orders = fields.Dict(keys=fields.String(validate=validate.Length(1, 64)),
                         values=fields.String(validate=validate.Length(0, 1000)),
                         load_default=dict, metadata={
        "description": "A motion to amend the standing orders: the rules it sets, by name"})


class MotionSchema(Schema):
    id = fields.String(required=True)
    meeting = fields.String(required=True)
    title = fields.String(required=True)
    mover = fields.String(required=True)
    seconder = fields.String(required=True)
    state = fields.String(required=True)
    original = fields.String(required=True, metadata={"description": "The text as moved"})
    text = fields.String(required=True, metadata={"description": "The text as amended"})
    amendments = fields.List(fields.String(), required=True)
    threshold = fields.String(required=True, metadata={"description": "Its own rule, or empty"})
    orders = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                         metadata={"description": "The rules it sets, if it amends the "
                                                  "standing orders"})


class ConsentSchema(Schema):
    act = fields.String(required=True, validate=validate.OneOf(["remit", "withdraw"]),
                        metadata={"description": "What the caller, as mover or seconder, "
                                                 "consents to"})


class MovedMotionSchema(AcceptedSchema):
    motion = fields.Nested(MotionSchema, required=True)


class NewAmendmentSchema(Schema):
    id = Id(metadata={"description": "Chosen by the server when left out"})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    leave_out = fields.String(load_default="", validate=validate.Length(0, 100_000))
    insert = fields.String(load_default="", validate=validate.Length(0, 100_000))
    after = fields.String(load_default="", validate=validate.Length(0, 100_000))
    at_end = Bool(load_default=False)
    line = Int(load_default=None, allow_none=True, validate=validate.Range(1, 10**6))
    parent = fields.String(load_default="", validate=validate.Length(0, 64))


class AmendmentSchema(Schema):
    id = fields.String(required=True)
    motion = fields.String(required=True)
    parent = fields.String(required=True)
    number = fields.Integer(required=True)
    mover = fields.String(required=True)
    seconder = fields.String(required=True)
    state = fields.String(required=True)
    description = fields.String(required=True)
    ruling = fields.String(required=True)


class MovedAmendmentSchema(AcceptedSchema):
    amendment = fields.Nested(AmendmentSchema, required=True)


def show_motion(motion: Motion) -> dict[str, Any]:
    return {"id": motion.id, "meeting": motion.meeting, "title": motion.title,
            "mover": motion.mover, "seconder": motion.seconder, "state": motion.state.value,
            "original": motion.original.plain(), "text": motion.text.plain(),
            "amendments": list(motion.amendments), "threshold": motion.threshold,
            "orders": dict(motion.orders)}


def show_amendment(amendment: Amendment) -> dict[str, Any]:
    return {"id": amendment.id, "motion": amendment.motion, "parent": amendment.parent,
            "number": amendment.number, "mover": amendment.mover,
            "seconder": amendment.seconder, "state": amendment.state.value,
            "description": amendment.description, "ruling": amendment.ruling}


@blp.route("")
class Motions(MethodView):
    @blp.arguments(NewMotionSchema)
    @blp.response(201, MovedMotionSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str) -> dict[str, Any]:
        """Move a motion (the caller is the mover)."""
        motion_id = data.get("id") or fresh_id("motion")
        where = accept(body, c.MoveMotion(at(), me(), motion=motion_id, meeting=data["meeting"],
                                          title=data["title"], text=data["text"],
                                          threshold=data["threshold"],
                                          orders=tuple(sorted(data["orders"].items()))))
        return {**where, "motion": show_motion(instance().state(body).motion(motion_id))}


@blp.route("/<motion>")
class OneMotion(MethodView):
    @blp.response(200, MotionSchema)
    def get(self, body: str, motion: str) -> dict[str, Any]:
        """A motion: its text as moved and as amended, and where it stands."""
        return show_motion(instance().state(body).motion(motion))


@blp.route("/<motion>/second")
class SecondMotion(MethodView):
    @blp.response(201, AcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body: str, motion: str) -> dict[str, Any]:
        """Second a motion (the caller is the seconder)."""
        return accept(body, c.SecondMotion(at(), me(), motion=motion))


@blp.route("/<motion>/consent")
class MotionConsent(MethodView):
    @blp.arguments(ConsentSchema)
    @blp.response(201, AcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str, motion: str) -> dict[str, Any]:
        """The caller, the motion's mover or seconder, consents to its remit or withdrawal
        (their own act on the record)."""
        return accept(body, c.GiveConsent(at(), me(), subject=motion, act=data["act"]))


@blp.route("/<motion>/debate")
class Debate(MethodView):
    @blp.response(201, AcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body: str, motion: str) -> dict[str, Any]:
        """The chair opens debate on a seconded motion."""
        return accept(body, c.OpenDebate(at(), me(), motion=motion))


@blp.route("/<motion>/amendments")
class Amendments(MethodView):
    @blp.arguments(NewAmendmentSchema)
    @blp.response(201, MovedAmendmentSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str, motion: str) -> dict[str, Any]:
        """Move an amendment to a motion (or, with ``parent``, to an amendment)."""
        amendment_id = data.get("id") or fresh_id("amendment")
        where = accept(body, c.MoveAmendment(
            at(), me(), amendment=amendment_id, motion=motion, kind=data["kind"],
            leave_out=data["leave_out"], insert=data["insert"], after=data["after"],
            at_end=data["at_end"], line=data["line"], parent=data["parent"]))
        amendment = instance().state(body).amendment(amendment_id)
        return {**where, "amendment": show_amendment(amendment)}


@amendments.route("/<amendment>")
class OneAmendment(MethodView):
    @amendments.response(200, AmendmentSchema)
    def get(self, body: str, amendment: str) -> dict[str, Any]:
        """An amendment: what it does and where it stands."""
        return show_amendment(instance().state(body).amendment(amendment))


@amendments.route("/<amendment>/second")
class SecondAmendment(MethodView):
    @amendments.response(201, AcceptedSchema)
    @amendments.doc(security=[{"bearer": []}])
    def post(self, body: str, amendment: str) -> dict[str, Any]:
        """Second an amendment (the caller is the seconder)."""
        return accept(body, c.SecondAmendment(at(), me(), amendment=amendment))


@amendments.route("/<amendment>/take")
class TakeAmendment(MethodView):
    @amendments.response(201, AcceptedSchema)
    @amendments.doc(security=[{"bearer": []}])
    def post(self, body: str, amendment: str) -> dict[str, Any]:
        """The chair takes an amendment: it is now before the meeting."""
        return accept(body, c.TakeAmendment(at(), me(), amendment=amendment))


class RulingSchema(Schema):
    ground = fields.String(required=True, validate=validate.OneOf(
        ["direct_negative", "not_relevant", "other"]))
    reason = fields.String(required=True, validate=validate.Length(1, 2000),
                           metadata={"description": "Goes in the minutes"})


@amendments.route("/<amendment>/ruling")
class RuleOutOfOrder(MethodView):
    @amendments.arguments(RulingSchema)
    @amendments.response(201, AcceptedSchema)
    @amendments.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str, amendment: str) -> dict[str, Any]:
        """The chair rules an amendment out of order (a member may challenge the ruling by a
        procedural motion, ``challenge_to_the_chair``)."""
        return accept(body, c.RuleOutOfOrder(at(), me(), amendment=amendment,
                                             ground=data["ground"], reason=data["reason"]))


@amendments.route("/<amendment>/consent")
class AmendmentConsent(MethodView):
    @amendments.arguments(ConsentSchema)
    @amendments.response(201, AcceptedSchema)
    @amendments.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str, amendment: str) -> dict[str, Any]:
        """The caller, the amendment's mover or seconder, consents to its withdrawal."""
        return accept(body, c.GiveConsent(at(), me(), subject=amendment, act=data["act"]))

"""``/api/v1/bodies/<body>/members``: the roll, admissions, and members' invites."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.app import instance, now
from api.auth import create_invite, rfc3339
from api.db import write
from api.errors import Problem
from api.http.common import AcceptedSchema, Id, Int, at, me, submit
from api.instance import Instance
from api.invites import EMAIL, set_email
from api.names import look_alike
from voting import commands as c
from voting.state import Member, Role

__all__ = ["blp", "invite_for"]

blp = Blueprint("members", __name__, url_prefix="/api/v1/bodies/<body>/members",
                description="Members of a body and their invites")


class NewMemberSchema(Schema):
    id = Id(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    weight = Int(load_default=1, validate=validate.Range(1, 10**9))
    section = fields.String(load_default="", validate=validate.Length(0, 200))
    roles = fields.List(fields.String(validate=validate.OneOf([r.value for r in Role])),
                        load_default=["member"], validate=validate.Length(1, 4))
    email = fields.String(validate=validate.Regexp(EMAIL, error="an e-mail address"),
                          metadata={"description": "For sending invites; kept by the service, "
                                                   "never in the log"})


class MemberSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    weight = fields.Integer(required=True)
    section = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    suspended = fields.Boolean(required=True)


class InviteSchema(Schema):
    member = fields.String(required=True)
    invite = fields.String(required=True, metadata={"description": "Single-use; shown once"})
    expires_at = fields.String(required=True)


class AdmittedSchema(AcceptedSchema):
    member = fields.Nested(MemberSchema, required=True)
    invite = fields.Nested(InviteSchema, required=True)


def show(member: Member) -> dict[str, Any]:
    return {"id": member.id, "name": member.name, "weight": member.weight,
            "section": member.section, "roles": sorted(r.value for r in member.roles),
            "suspended": member.suspended}


def invite_for(inst: Instance, body: str, member: str) -> dict[str, Any]:
    """A new single-use invite for a member of ``body`` (made a principal if need be)."""
    moment = now()
    lifetime = int(current_app.config["INVITE_SECONDS"])
    with write(inst.engine) as conn:
        principal = inst.add_member_principal(conn, body, member, now=moment)
        token = create_invite(conn, principal, lifetime=lifetime, now=moment)
    return {"member": member, "invite": token,
            "expires_at": rfc3339(moment + timedelta(seconds=lifetime))}


@blp.route("")
class Members(MethodView):
    @blp.response(200, MemberSchema(many=True))
    def get(self, body: str) -> list[dict[str, Any]]:
        """The body's members, as its log admitted them."""
        state = instance().state(body)
        return [show(m) for _, m in sorted(state.members.items())]

    @blp.arguments(NewMemberSchema)
    @blp.response(201, AdmittedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str) -> dict[str, Any]:
        """Admit a member (chair or secretary); the answer carries their first invite.

        A name that looks like another member's without being the same (a Cyrillic "a",
        U+0430, for a Latin one, ...) is refused, 409 ``confusable-name`` (:mod:`api.names`)."""
        with instance().writing(body) as ledger:
            roll = ((m.id, m.name) for m in ledger.state.members.values())
            twin = look_alike(data["name"], roll)
            if twin is not None:
                raise Problem(409, "confusable-name", f"the name {data['name']!r} looks like "
                              f"the name of the member {twin!r} without being the same: admit "
                              "them under a name that can be told apart", field="name",
                              member=twin)
            _, where = submit(body, c.AdmitMember(
                at(), me(), member=data["id"], name=data["name"], weight=data["weight"],
                section=data["section"], roles=tuple(data["roles"])))
        member = instance().state(body).member(data["id"])
        if data.get("email"):
            with write(instance().engine) as conn:
                set_email(conn, body, data["id"], data["email"])
        return {**where, "member": show(member), "invite": invite_for(instance(), body,
                                                                      data["id"])}


@blp.route("/<member>")
class OneMember(MethodView):
    @blp.response(200, MemberSchema)
    def get(self, body: str, member: str) -> dict[str, Any]:
        """One member."""
        return show(instance().state(body).member(member))


@blp.route("/<member>/invites")
class Invites(MethodView):
    @blp.response(201, InviteSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body: str, member: str) -> dict[str, Any]:
        """A new invite for a member (chair or secretary), e.g. when the first has expired."""
        instance().state(body).member(member)  # 404 for no such member
        return invite_for(instance(), body, member)

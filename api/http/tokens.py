"""``/api/v1/auth``: an invite exchanged for an access token; who the token speaks for."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.app import instance, now
from api.auth import issue_token, redeem_invite
from api.db import write

__all__ = ["blp"]

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth",
                description="Invites and access tokens")


class ExchangeSchema(Schema):
    invite = fields.String(required=True, validate=validate.Length(1, 200),
                           metadata={"description": "The invite token the secretary gave"})


class TokenSchema(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds"})
    body = fields.String(allow_none=True)
    member = fields.String(allow_none=True)


class MeSchema(Schema):
    principal = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "admin or member"})
    body = fields.String(allow_none=True)
    member = fields.String(allow_none=True)


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(ExchangeSchema)
    @blp.response(201, TokenSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Exchange a single-use invite for a short-lived access token (a Bearer JWT)."""
        moment = now()
        with write(instance().engine) as conn:
            principal = redeem_invite(conn, data["invite"], now=moment)
        lifetime = int(current_app.config["ACCESS_TOKEN_SECONDS"])
        token = issue_token(instance().keys, issuer=current_app.config["ISSUER"],
                            subject=principal.id, lifetime=lifetime, now=moment)
        return {"access_token": token, "token_type": "Bearer", "expires_in": lifetime,
                "body": principal.body, "member": principal.member}


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    @blp.doc(security=[{"bearer": []}])
    def get(self) -> dict[str, Any]:
        """Who the access token speaks for."""
        principal = g.principal
        return {"principal": principal.id, "kind": principal.kind, "body": principal.body,
                "member": principal.member}

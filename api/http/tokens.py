"""``/api/v1/auth``: an invite exchanged for an access token; who the token speaks for."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, jsonify, make_response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.app import ACCESS_COOKIE, CSRF_COOKIE, csrf_token, instance, now
from api.auth import issue_token, redeem_invite
from api.db import write

__all__ = ["blp"]

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

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
    csrf_token = fields.String(required=True, metadata={
        "description": "For browsers using the cookie: send it as X-CSRF-Token with writes"})


class MeSchema(Schema):
    principal = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "admin or member"})
    body = fields.String(allow_none=True)
    member = fields.String(allow_none=True)


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(ExchangeSchema)
    @blp.response(201, TokenSchema)
    def post(self, data: dict[str, Any]) -> Response:
        """Exchange a single-use invite for a short-lived access token.

        Programs send it as ``Authorization: Bearer``. Browsers get it also as the cookie
        ``tellers_access`` (HttpOnly, SameSite=Strict, Secure unless the service is on
        loopback); a write authenticated by that cookie must carry ``X-CSRF-Token`` (the
        ``csrf_token`` here, also in the readable cookie ``tellers_csrf``) and, if the
        browser sends one, an ``Origin`` of this service.
        """
        moment = now()
        with write(instance().engine) as conn:
            principal = redeem_invite(conn, data["invite"], now=moment)
        lifetime = int(current_app.config["ACCESS_TOKEN_SECONDS"])
        token = issue_token(instance().keys, issuer=current_app.config["ISSUER"],
                            subject=principal.id, lifetime=lifetime, now=moment,
                            principal=principal)
        csrf = csrf_token(token)
        answer = {"access_token": token, "token_type": "Bearer", "expires_in": lifetime,
                  "body": principal.body, "member": principal.member,
                  "csrf_token": csrf}
        response = make_response(jsonify(TokenSchema().dump(answer)), 201)
        secure = _secure()
        for name, value, http_only in ((ACCESS_COOKIE, token, True),
                                       (CSRF_COOKIE, csrf, False)):
            response.set_cookie(name, value, max_age=lifetime, path="/api/", secure=secure,
                                httponly=http_only, samesite="Strict")
        return response

    @blp.response(204)
    @blp.doc(security=[{"bearer": []}])
    def delete(self) -> Response:
        """Sign this browser out: the access and CSRF cookies are cleared.

        The token itself stays valid until it expires (``expires_in``, short by design):
        tokens are not kept by the service, so there is nothing to revoke one by. With the
        cookie, this is a write like any other: it needs ``X-CSRF-Token``.
        """
        response = make_response("", 204)
        secure = _secure()
        for name, http_only in ((ACCESS_COOKIE, True), (CSRF_COOKIE, False)):
            response.delete_cookie(name, path="/api/", secure=secure, httponly=http_only,
                                   samesite="Strict")
        return response


def _secure() -> bool:
    """Whether cookies are ``Secure``: ``COOKIE_SECURE`` if set, else unless on loopback."""
    secure = current_app.config.get("COOKIE_SECURE")
    if secure is None:
        return request.host.rsplit(":", 1)[0].strip("[]") not in LOOPBACK
    return bool(secure)


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    @blp.doc(security=[{"bearer": []}])
    def get(self) -> dict[str, Any]:
        """Who the access token speaks for."""
        principal = g.principal
        return {"principal": principal.id, "kind": principal.kind, "body": principal.body,
                "member": principal.member}

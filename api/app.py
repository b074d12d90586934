"""The Flask application factory of the service: ``create_app(config=None)``.

Configuration comes, later overriding earlier, from the defaults below, the
environment (``TELLERS_*``, e.g. ``TELLERS_DATABASE_URL``: Flask's
``from_prefixed_env``), ``config.py`` in the instance folder if present, and
the ``config`` mapping passed in. The instance folder is ``INSTANCE_PATH``
(or ``TELLERS_INSTANCE_PATH``), else Flask's default.

The browser pages (:mod:`api.web`) are at ``/``. The API is under ``/api/v1/``:
its OpenAPI 3.1 description at ``/api/v1/openapi.json``, interactive docs at
``/api/v1/docs``. Every error
is an RFC 9457 problem (:mod:`api.errors`); every route is gated by
:data:`api.http.access.ROUTES`. The factory refuses an instance database whose
schema is behind this version (``tellers db upgrade`` first) and creates the
schema of a fresh one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, g, request

from api.auth import Principal, load_principal, verify_token
from api.db import SchemaBehind, upgrade
from api.errors import Problem, ProblemApi
from api.http import blueprints
from api.http.access import ADMIN, ANY_TOKEN, PUBLIC, ROUTES, SESSION
from api.instance import Instance

__all__ = ["DEFAULTS", "create_app"]

MIB = 1 << 20

DEFAULTS: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": MIB,
    "API_TITLE": "tellers",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
    "ISSUER": "tellers",
    "ORIGIN_PREFIX": "tellers.invalid",
    "ACCESS_TOKEN_SECONDS": 3600,
    "INVITE_SECONDS": 14 * 24 * 3600,
    "TOKEN_LEEWAY_SECONDS": 30,
    "DATABASE_URL": None,
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A configured app serving the instance's bodies (see the module docstring)."""
    overrides = dict(config or {})
    instance_path = overrides.get("INSTANCE_PATH") or os.environ.get("TELLERS_INSTANCE_PATH")
    app = Flask("api", instance_relative_config=True, static_folder=None,
                instance_path=str(Path(instance_path).resolve()) if instance_path else None)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("TELLERS")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(overrides)
    app.config.setdefault("CLOCK", _utcnow)

    instance = Instance(Path(app.instance_path), database_url=app.config["DATABASE_URL"],
                        origin_prefix=app.config["ORIGIN_PREFIX"])
    status = instance.schema()
    if status == "behind":
        instance.close()
        raise SchemaBehind(f"the database of {app.instance_path} is at an older schema: "
                           "run `tellers db upgrade` first")
    if status == "empty":
        upgrade(instance.engine)
    app.extensions["tellers"] = instance

    api = ProblemApi(app, spec_kwargs={
        "info": {"description": "Motions, amendments, ballots and elections of many bodies, "
                                "each with a signed, verifiable log."},
    })
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    for blueprint in blueprints():
        api.register_blueprint(blueprint)
    from api import web

    web.register(app)
    app.before_request(_authorize)
    return app


def now() -> datetime:
    """The time, from the app's clock (a callable in ``CLOCK``, replaceable in tests)."""
    from flask import current_app

    clock: Callable[[], datetime] = current_app.config["CLOCK"]
    return clock()


def instance() -> Instance:
    from flask import current_app

    found: Instance = current_app.extensions["tellers"]
    return found


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "invalid-token", "the Authorization header must be 'Bearer <token>'",
                      headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


def _authorize() -> None:
    """Check the route's entry in the access table against the caller's roles."""
    rule = request.url_rule
    if rule is None or request.method == "OPTIONS":
        return
    method = "GET" if request.method == "HEAD" else request.method
    allowed = ROUTES.get((method, rule.rule))
    if allowed is None:
        raise Problem(500, "no-access-rule", "this route has no entry in the access table")
    if allowed is SESSION:  # a member's page: it acts for its session only (api.web.signin)
        g.principal, g.roles = None, frozenset()
        return
    from flask import current_app

    token = _bearer()
    principal: Principal | None = None
    if token is not None:
        claims = verify_token(instance().keys, token, issuer=current_app.config["ISSUER"],
                              leeway=int(current_app.config["TOKEN_LEEWAY_SECONDS"]),
                              max_lifetime=int(current_app.config["ACCESS_TOKEN_SECONDS"]))
        with instance().engine.connect() as conn:
            principal = load_principal(conn, claims.subject)
    g.principal = principal
    g.roles = frozenset()
    body = (request.view_args or {}).get("body")
    if isinstance(body, str):
        instance().require_body(body)
    if allowed is PUBLIC:
        return
    if principal is None:
        raise Problem(401, "token-required", "this needs an access token",
                      headers={"WWW-Authenticate": "Bearer"})
    g.roles = roles_of(principal, body if isinstance(body, str) else None)
    if allowed is ANY_TOKEN:
        return
    if not g.roles & allowed:
        needed = ", ".join(sorted(allowed))
        raise Problem(403, "forbidden", f"this needs one of the roles {needed} in this body")


def roles_of(principal: Principal, body: str | None) -> frozenset[str]:
    """The caller's roles in ``body``: ``admin`` for the admin, else those the log gives."""
    if principal.kind == "admin":
        return ADMIN
    if body is None or principal.body != body or principal.member is None:
        return frozenset()
    member = instance().state(body).members.get(principal.member)
    if member is None:
        return frozenset()
    if member.suspended:
        return frozenset({"observer"})
    return frozenset(role.value for role in member.roles)

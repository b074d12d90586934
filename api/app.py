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

import hashlib
import hmac
import json
import os
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, g, request

from api.auth import Principal
from api.db import SchemaBehind, upgrade
from api.errors import Problem, ProblemApi
from api.http import blueprints
from api.http.access import ADMIN, ANY_TOKEN, DECIDED_IN_THE_LOG, PUBLIC, ROUTES, SESSION
from api.instance import Instance
from voting.state import BodyState

__all__ = ["ACCESS_COOKIE", "CSRF_COOKIE", "CSRF_HEADER", "DEFAULTS", "create_app",
           "csrf_token"]

ACCESS_COOKIE = "tellers_access"
"""The access token as a cookie for browsers (HttpOnly, SameSite=Strict, Secure off loopback)."""
CSRF_COOKIE = "tellers_csrf"
CSRF_HEADER = "X-CSRF-Token"


def csrf_token(access_token: str) -> str:
    """The CSRF token bound to an access token: only who holds the token (the service, which
    set it as an HttpOnly cookie, and the page it answered) knows it."""
    return hashlib.sha256(b"tellers-csrf\0" + access_token.encode()).hexdigest()

MIB = 1 << 20

MAX_JSON_DEPTH = 32
"""How deep a request's JSON may nest arrays and objects. The API's documents nest two or
three levels; a parser recursing into a body nested 100,000 deep would exhaust the stack."""

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_NESTING = re.compile(rb"[\[\]{}]")

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
    "COOKIE_SECURE": None,  # None: Secure unless the request came to a loopback host
    "STREAM_SECONDS": 300,  # longest one log stream holds a server thread
    "STREAM_HEARTBEAT_SECONDS": 15,
    "STREAM_POLL_SECONDS": 0.25,
    "STREAM_LIMIT": 4,  # streams open at once in one worker
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def create_app(config: Mapping[str, Any] | None = None, *,
               instance: Instance | None = None) -> Flask:
    """A configured app serving the instance's bodies (see the module docstring); with
    ``instance``, that one, already open (and its schema checked), instead of opening it
    (``tellers serve`` forks its workers from an instance with every body open)."""
    overrides = dict(config or {})
    instance_path = overrides.get("INSTANCE_PATH") or os.environ.get("TELLERS_INSTANCE_PATH")
    app = Flask("api", instance_relative_config=True, static_folder=None,
                instance_path=str(Path(instance_path).resolve()) if instance_path else None)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("TELLERS")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(overrides)
    app.config.setdefault("CLOCK", _utcnow)
    app.config["STARTED"] = app.config["CLOCK"]()  # a cast row older is a leftover (ballots)

    if instance is None:
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
    app.before_request(_check_body)
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


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _check_csrf(token: str) -> None:
    """A write authenticated by the access cookie must prove it comes from the service's own
    pages: an ``Origin`` (when the browser sends one) naming this host, and the header
    ``X-CSRF-Token`` holding the value bound to this very token, which a page of another site
    can neither read nor compute (OWASP's signed double-submit cookie pattern)."""
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise Problem(403, "csrf-failed", f"a write from the origin {origin!r} is refused: "
                      "cookies are for this service's own pages", field="Origin")
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), csrf_token(token).encode()):
        raise Problem(403, "csrf-failed", f"a write authenticated by the access cookie needs "
                      f"the header {CSRF_HEADER} (the csrf_token given with the cookie)",
                      field=CSRF_HEADER)


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
    cookie = request.cookies.get(ACCESS_COOKIE) if token is None else None
    principal: Principal | None = None
    if cookie is not None and allowed is PUBLIC:
        cookie = None  # a public route needs no identity: a stale cookie must not refuse it
    if cookie is not None and request.method not in SAFE_METHODS:
        _check_csrf(cookie)
    if token is not None or cookie is not None:
        served = instance()
        claims = served.tokens.verify(served.keys, token or cookie or "",
                                      issuer=current_app.config["ISSUER"],
                                      leeway=int(current_app.config["TOKEN_LEEWAY_SECONDS"]),
                                      max_lifetime=int(current_app.config["ACCESS_TOKEN_SECONDS"]))
        principal = claims.principal or served.principal(claims.subject)
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
    g.roles = roles_of(principal, body if isinstance(body, str) else None,
                       enough=allowed if (method, rule.rule) in DECIDED_IN_THE_LOG
                       else frozenset())
    if allowed is ANY_TOKEN:
        return
    if not g.roles & allowed:
        needed = ", ".join(sorted(allowed))
        raise Problem(403, "forbidden", f"this needs one of the roles {needed} in this body")


def json_too_deep(data: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text nests arrays and objects more than ``limit`` deep, brackets inside
    strings not counted. Linear and without recursion, so it can be asked of any body."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    depth = 0
    for bracket in _JSON_NESTING.finditer(_JSON_STRING.sub(b'""', data)):
        depth += 1 if bracket.group() in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number (RFC 8259)")


def _check_body() -> None:
    """Refuse, before any view or parser reads it, a request body that is no JSON document
    of this API: over ``MAX_CONTENT_LENGTH`` (413, on every route, with or without a body
    schema), nested deeper than :data:`MAX_JSON_DEPTH` (400: a recursive parser would
    exhaust the stack on 100,000 levels), or, sent as JSON, not valid JSON (400; ``NaN`` and
    ``Infinity``, which Python's parser lets through, are not JSON)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    data = request.get_data(cache=True)  # werkzeug refuses a body over the limit: 413
    if not request.is_json or not data:
        return
    if json_too_deep(data):
        raise Problem(400, "too-deeply-nested", "the JSON body nests arrays or objects more "
                      f"than {MAX_JSON_DEPTH} levels deep")
    try:
        json.loads(data, parse_constant=_not_json)
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError alike
        raise Problem(400, "invalid-json", f"the body is not valid JSON: {error}") from None


def roles_of(principal: Principal, body: str | None, *,
             enough: frozenset[str] = frozenset()) -> frozenset[str]:
    """The caller's roles in ``body``: ``admin`` for the admin, else those the log gives,
    caught up with what other workers logged. When the roles as this worker last saw them
    hold one of ``enough`` already, they are answered without looking (a route in
    :data:`api.http.access.DECIDED_IN_THE_LOG`, whose act is decided again, on a caught-up
    state, under the body's lock)."""
    if principal.kind == "admin":
        return ADMIN
    if body is None or principal.body != body or principal.member is None:
        return frozenset()
    if enough:
        seen = _roles(instance().ledger(body).state, principal.member)
        if seen & enough:
            return seen
    return _roles(instance().state(body), principal.member)


def _roles(state: BodyState, member_id: str) -> frozenset[str]:
    member = state.members.get(member_id)
    if member is None:
        return frozenset()
    if member.suspended:
        return frozenset({"observer"})
    return frozenset(role.value for role in member.roles)

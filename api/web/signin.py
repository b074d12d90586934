"""Signing in to the pages: an invite exchanged for a session cookie, and the page gate.

A member opens the invite link the secretary gave (``/signin?invite=...``) and presses
*Sign in*: the POST redeems the invite exactly as ``POST /api/v1/auth/token`` does
(:func:`api.auth.redeem_invite`, single use, expiring) and starts a session. Opening
the link does not use it up, so a link preview cannot spend the invite.

The session is Flask's signed cookie, ``HttpOnly`` and ``SameSite=Strict``, lasting
``SESSION_SECONDS`` (a sitting's length), and ``Secure`` when the page was reached over
HTTPS (``COOKIE_SECURE`` true or false forces either); it holds the principal's id and
a random CSRF token, nothing else. Every form carries that token, and every POST to a
page is refused (400) unless it comes back with it, or when the browser says it was
sent from another origin, so another site cannot make a signed-in member's browser act.
The key that signs the cookie is ``keys/session.key`` in the instance folder (made on
first start, owner only, shared by the workers), or the ``SECRET_KEY`` setting.

A page acting for a member passes the gate of the API route it stands for
(:func:`require`): the member's roles in the body, from the log, must meet that route's
entry in :data:`api.http.access.ROUTES`, so the pages and the API let in exactly the
same people; the domain then checks the act itself, as it does for the API. Page
routes are marked ``SESSION`` in the access table: no bearer token is looked at there;
a page only ever acts for the session's principal.
"""

from __future__ import annotations

import hmac
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.wrappers import Response

from api.app import instance, now, roles_of
from api.auth import Principal, load_principal, redeem_invite
from api.db import write
from api.errors import Problem
from api.http.access import ROUTES
from api.web import blueprint

__all__ = ["configure", "csrf_token", "home_for", "require", "signed_in"]

SESSION_SECONDS = 12 * 3600
KEY_FILE = "session.key"


def _session_key(folder: Path) -> bytes:
    """The cookie-signing key in ``folder``: read, or made once (owner only) if missing.

    Several workers may start at once: the key is written to a private temporary file
    and linked into place, so every worker reads the same whole key.
    """
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        scratch = folder / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(scratch, path)
        except FileExistsError:
            pass  # another worker made it first: theirs is the key
        finally:
            scratch.unlink()
    return bytes.fromhex(path.read_text().strip())


class _Session(SecureCookieSessionInterface):
    """Flask's signed cookie, ``Secure`` whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        forced = app.config.get("COOKIE_SECURE")
        if isinstance(forced, bool):
            return forced
        return bool(request) and request.is_secure


def configure(app: Flask) -> None:
    """Set the session cookie's key and attributes on ``app`` (called by :func:`register`)."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _session_key(Path(app.instance_path) / "keys")
    app.config.setdefault("SESSION_SECONDS", SESSION_SECONDS)
    app.config.update(
        SESSION_COOKIE_NAME="tellers_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=int(app.config["SESSION_SECONDS"])),
    )
    app.session_interface = _Session()
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["signed_in"] = signed_in


def csrf_token() -> str:
    """The session's CSRF token, made on first use (every form renders it)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


@blueprint.before_request
def _check_csrf() -> None:
    """Refuse a POST to a page without the session's CSRF token, before anything runs."""
    if request.method != "POST":
        return
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
        raise Problem(400, "csrf", "this form was sent from another site")
    sent = request.form.get("csrf", "")
    held = session.get("csrf")
    if not isinstance(held, str) or not hmac.compare_digest(sent.encode(), held.encode()):
        raise Problem(400, "csrf", "this form has expired or did not come from this site: "
                      "open the page again and repeat what you did")


def signed_in() -> Principal | None:
    """The session's principal, if someone is signed in and still known to the service."""
    principal_id = session.get("principal")
    if not isinstance(principal_id, str):
        return None
    with instance().engine.connect() as conn:
        try:
            return load_principal(conn, principal_id)
        except Problem:
            return None


def require(body: str, method: str, api_rule: str) -> tuple[Principal, str]:
    """The signed-in member acting on ``body`` as the API route ``method api_rule`` would let
    them; their member id. Not signed in: 401; no role the route allows: 403."""
    principal = signed_in()
    if principal is None:
        raise Problem(401, "sign-in-required", "sign in first, with the invite link your "
                      "secretary gave you")
    allowed = ROUTES[(method, api_rule)]
    roles = roles_of(principal, body)
    if principal.member is None or not roles & allowed:
        needed = " or ".join(sorted(allowed))
        raise Problem(403, "forbidden", f"this needs the role of {needed} in this body")
    return principal, principal.member


@blueprint.route("/signin", methods=["GET", "POST"])
def signin() -> Any:
    """The invite link's page (GET: a button, leaving the invite unused) and its use (POST)."""
    if request.method == "GET":
        invite = request.args.get("invite", "")
        csrf_token()
        return render_template("signin.html", invite=invite, refusal="")
    invite = request.form.get("invite", "").strip()
    if not 1 <= len(invite) <= 200:
        return render_template("signin.html", invite="",
                               refusal="paste the invite your secretary gave you"), 422
    try:
        with write(instance().engine) as conn:
            principal = redeem_invite(conn, invite, now=now())
    except Problem as refused:
        return render_template("signin.html", invite="", refusal=refused.detail), 401
    session.clear()  # a new session for the new principal (no fixation)
    session.permanent = True
    session["principal"] = principal.id
    csrf_token()
    if principal.body is None:
        return redirect(url_for("web.home"), 303)
    return redirect(url_for("web.mine", body=principal.body), 303)


@blueprint.post("/signout")
def signout() -> Response:
    """End the session (the cookie is emptied)."""
    session.clear()
    return redirect(url_for("web.home"), 303)


def _no_store(response: Response) -> Response:
    """Pages for a signed-in member are theirs alone: never cached, and their address (an
    invite in it) never sent to another site (the browser still names the page's own origin
    on its forms, which the Origin check needs)."""
    if "principal" in session or request.path.startswith("/signin"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "same-origin"
    return response


blueprint.after_request(_no_store)


def home_for(principal: Principal) -> str:
    """Where a signed-in principal's pages start."""
    if principal.body is None:
        return url_for("web.home")
    return url_for("web.mine", body=principal.body)

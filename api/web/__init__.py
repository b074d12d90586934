"""The browser pages, server-rendered with Jinja2 from the same state the API reads.

Every page is readable without JavaScript; the few scripts in ``static/`` only add
to a page that already works (checking a receipt in the browser). There is no
build step: the templates, the stylesheet and the scripts are the files served.
The public record's routes are ``PUBLIC`` in :data:`api.http.access.ROUTES` and show
only what the API itself shows to a caller without a token. A member's own pages (the
ballot paper, the officers' console: :mod:`api.web.paper`, :mod:`api.web.console`) are
``SESSION`` routes: the member signs in with an invite (:mod:`api.web.signin`) and each
act passes the gate of the API route it stands for (:mod:`api.web.acts`).
"""

from __future__ import annotations

from flask import Blueprint, Flask

__all__ = ["blueprint", "register"]

blueprint = Blueprint("web", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static")


def register(app: Flask) -> None:
    """Add the pages to ``app`` (called by :func:`api.create_app`)."""
    # the routes attach themselves to the blueprint
    from api.web import console, pages, paper, signin  # noqa: F401

    signin.configure(app)
    app.register_blueprint(blueprint)
    app.jinja_env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": True}

"""The public pages: the bodies of this instance, and one body's meetings and ballots."""

from __future__ import annotations

import http

from flask import render_template

from api.app import instance
from api.errors import Problem, problem_for
from api.web import blueprint
from voting.errors import DomainError

__all__: list[str] = []


@blueprint.get("/")
def home() -> str:
    """The bodies served here."""
    return render_template("home.html", bodies=instance().bodies())


@blueprint.get("/bodies/<body>/")
def body_page(body: str) -> str:
    """A body: its meetings, each with its business and ballots."""
    info = instance().require_body(body)
    state = instance().state(body)
    return render_template("body.html", info=info, state=state)


def _error_page(status: int, title: str, detail: str) -> tuple[str, int]:
    return render_template("error.html", status=status, title=title, detail=detail), status


@blueprint.errorhandler(Problem)
def _problem(error: Problem) -> tuple[str, int]:
    """A refusal on a page (a body or meeting that is not there) as a page, not JSON."""
    return _error_page(error.status, http.HTTPStatus(error.status).phrase, error.detail)


@blueprint.errorhandler(DomainError)
def _domain(error: DomainError) -> tuple[str, int]:
    status, _ = problem_for(error)
    return _error_page(status, http.HTTPStatus(status).phrase, str(error))

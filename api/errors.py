"""Every error over HTTP as RFC 9457 ``application/problem+json``, mapped in one place.

A problem has a stable ``type`` per error class (``urn:tellers:problem:<name>``),
a ``title`` that names the class, the HTTP ``status``, a ``detail`` in words a
chair or member understands, and, where one field of the request is at fault,
``field`` (and for schema errors ``errors``: each field with its reason).

The core never builds a problem (docs/architecture.md): it raises its typed errors, and
:func:`problem_for` maps each :class:`voting.errors.DomainError` class to its
status here. The most specific class wins (``BallotClosed`` before ``OutOfOrder``).
"""

from __future__ import annotations

import http
from collections.abc import Mapping
from typing import Any

from flask import Response, current_app, json, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from tallying.errors import TellersError
from voting import errors as de

__all__ = [
    "DOMAIN_PROBLEMS",
    "PROBLEM_JSON",
    "Problem",
    "ProblemApi",
    "ProblemSchema",
    "problem_for",
    "problem_response",
    "problem_type",
]

PROBLEM_JSON = "application/problem+json"
PREFIX = "urn:tellers:problem:"


def problem_type(name: str) -> str:
    """The stable ``type`` URI of a problem: ``urn:tellers:problem:<name>``."""
    return PREFIX + name


class Problem(TellersError, Exception):
    """A refusal raised by the shell itself (no token, wrong role, a bad retry)."""

    def __init__(self, status: int, name: str, detail: str, *, field: str | None = None,
                 headers: Mapping[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.name = name
        self.detail = detail
        self.field = field
        self.headers = dict(headers or {})
        self.extra = extra


# Domain error class -> (status, problem name). Checked most specific first (by MRO).
DOMAIN_PROBLEMS: dict[type[de.DomainError], tuple[int, str]] = {
    de.DomainError: (422, "domain-error"),
    de.NotFound: (404, "not-found"),
    de.AlreadyExists: (409, "already-exists"),
    de.NotEntitled: (403, "not-entitled"),
    de.OutOfOrder: (409, "out-of-order"),
    de.BallotClosed: (409, "ballot-closed"),
    de.AlreadyVoted: (409, "already-voted"),
    de.InvalidWeight: (422, "invalid-weight"),
    de.InvalidVote: (422, "invalid-vote"),
    de.InconsistentEvent: (500, "inconsistent-event"),
    de.TextError: (422, "text-error"),
    de.EmptyText: (422, "empty-text"),
    de.TextTooLong: (422, "text-too-long"),
    de.SpanNotFound: (422, "span-not-found"),
    de.QuotedWordsMismatch: (422, "quoted-words-mismatch"),
    de.EditNoLongerApplies: (422, "edit-no-longer-applies"),
}


def problem_for(error: de.DomainError) -> tuple[int, str]:
    """The status and problem name of a domain error: its nearest mapped class."""
    for cls in type(error).__mro__:
        if cls in DOMAIN_PROBLEMS:
            return DOMAIN_PROBLEMS[cls]
    return DOMAIN_PROBLEMS[de.DomainError]


def problem_response(status: int, name: str, detail: str, *, field: str | None = None,
                     headers: Mapping[str, str] | None = None, **extra: Any) -> Response:
    """A ``application/problem+json`` response."""
    body: dict[str, Any] = {
        "type": problem_type(name),
        "title": _title(name),
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if field is not None:
        body["field"] = field
    body.update(extra)
    response = current_app.response_class(
        json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _title(name: str) -> str:
    return name.replace("-", " ").capitalize()


class ProblemSchema(Schema):
    """An RFC 9457 problem document, as documented in the OpenAPI description."""

    type = fields.String(metadata={"description": "A URI naming the kind of problem"})
    title = fields.String(metadata={"description": "A short summary of the kind"})
    status = fields.Integer(metadata={"description": "The HTTP status code"})
    detail = fields.String(metadata={"description": "What went wrong, in words"})
    instance = fields.String(metadata={"description": "The request path"})
    field = fields.String(metadata={"description": "The request field at fault, if one is"})
    errors = fields.List(fields.Dict(), metadata={
        "description": "For a schema error: each field at fault, where and why"})


def _flatten(messages: Any, location: str, prefix: str = "") -> list[dict[str, str]]:
    """webargs' nested ``{location: {field: [reasons]}}`` as a flat list of fields."""
    found: list[dict[str, str]] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            found.extend(_flatten(value, location, name))
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        found.append({"in": location, "field": prefix or "_schema",
                      "reason": " ".join(messages)})
    elif isinstance(messages, list | tuple):
        for value in messages:
            found.extend(_flatten(value, location, prefix))
    else:
        found.append({"in": location, "field": prefix or "_schema", "reason": str(messages)})
    return found


class ProblemApi(Api):  # type: ignore[misc]
    """flask-smorest's ``Api`` answering every error as a problem document."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        super()._register_error_handlers()
        self._app.register_error_handler(Problem, _handle_problem)
        self._app.register_error_handler(de.DomainError, _handle_domain)

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        default: dict[str, Any] = {"description": "A problem (RFC 9457)",
                                   "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)

    def handle_http_exception(self, error: HTTPException) -> Response:
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        messages = data.get("messages") or data.get("errors")
        headers = dict(data.get("headers") or {})
        if status == 422 and messages:
            errors: list[dict[str, str]] = []
            if isinstance(messages, Mapping):
                for location, per_field in messages.items():
                    errors.extend(_flatten(per_field, str(location)))
            detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
            return problem_response(422, "invalid-request", detail or "the request is invalid",
                                    field=errors[0]["field"] if errors else None,
                                    errors=errors, headers=headers)
        name = _HTTP_NAMES.get(status, http.HTTPStatus(status).phrase.lower().replace(" ", "-"))
        detail = data.get("message") or error.description or http.HTTPStatus(status).phrase
        if status == 413:
            limit = current_app.config.get("MAX_CONTENT_LENGTH")
            detail = f"the request body is larger than the {limit} bytes allowed"
        if status >= 500:
            detail = "the server could not complete the request"
        return problem_response(status, name, str(detail), headers=headers)


_HTTP_NAMES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "request-too-large",
    415: "unsupported-media-type",
    500: "internal-error",
}


def _handle_problem(error: Problem) -> Response:
    return problem_response(error.status, error.name, error.detail, field=error.field,
                            headers=error.headers, **error.extra)


def _handle_domain(error: de.DomainError) -> Response:
    status, name = problem_for(error)
    if status >= 500:
        current_app.logger.error("refused by the log's own rules: %s", error)
    return problem_response(status, name, str(error))

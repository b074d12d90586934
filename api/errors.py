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

from apispec import BasePlugin
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
    "ProblemResponses",
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


class FieldErrorSchema(Schema):
    """One field at fault in a request."""

    in_ = fields.String(data_key="in", required=True, metadata={
        "description": "Where the field is: json, query, path or header"})
    field = fields.String(required=True, metadata={
        "description": "Its name (dotted for a nested field; _schema for the whole)"})
    reason = fields.String(required=True)


class ProblemSchema(Schema):
    """An RFC 9457 problem document, as documented in the OpenAPI description."""

    type = fields.String(metadata={"description": "A URI naming the kind of problem"})
    title = fields.String(metadata={"description": "A short summary of the kind"})
    status = fields.Integer(metadata={"description": "The HTTP status code"})
    detail = fields.String(metadata={"description": "What went wrong, in words"})
    instance = fields.String(metadata={"description": "The request path"})
    field = fields.String(metadata={"description": "The request field at fault, if one is"})
    errors = fields.List(fields.Nested(FieldErrorSchema), metadata={
        "description": "Each field at fault, where and why"})


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


def error_statuses(method: str, rule: str, operation: Mapping[str, Any]) -> list[int]:
    """The error statuses a route can answer, from what it takes and who may call it.

    Every route checks a token that is sent (401); a route the access table does not
    open to all also refuses the wrong role (403); a route naming a resource in its path
    answers 404 for one that is not there; a request body may be malformed (400), too
    large (413) or invalid (422); a command may be refused by the rules (409 for a
    conflict with the state, 422 for what the rules never allow). ``default`` is not
    used, so a response with a status not listed here is a documentation error that a
    schema checker reports.
    """
    from api.http.access import PUBLIC, ROUTES

    statuses = {401}
    if ROUTES.get((method.upper(), rule)) is not PUBLIC:
        statuses.add(403)
    if "<" in rule:
        statuses.add(404)
    if "requestBody" in operation:
        statuses |= {400, 413, 422}
    if method.lower() == "post":
        statuses |= {409, 422}
    return sorted(statuses)


class ProblemResponses(BasePlugin):
    """An apispec plugin documenting each operation's problem responses
    (:func:`error_statuses`), all as RFC 9457 documents (:class:`ProblemSchema`)."""

    def operation_helper(self, path: str | None = None,
                         operations: dict[str, Any] | None = None, **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        if rule is None or operations is None:
            return
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in error_statuses(method, rule.rule, operation):
                responses.setdefault(str(status), http.HTTPStatus(status).name)


class ProblemApi(Api):  # type: ignore[misc]
    """flask-smorest's ``Api`` answering every error as a problem document, and documenting
    on each operation the problems it can answer (:class:`ProblemResponses`)."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # each operation lists its own error statuses

    def _init_spec(self, *, extra_plugins: Any = None, **options: Any) -> None:
        super()._init_spec(extra_plugins=[*(extra_plugins or ()), ProblemResponses()],
                           **options)

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
            if status == 413:  # a body far over the limit is stopped by the HTTP server
                response["content"]["text/plain"] = {"schema": {"type": "string"}}
            self.spec.components.response(status.name, response, lazy=True)

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


# Where no value of the request is named in a refusal, the field its class is about,
# if the request carries it (the first of these that it carries).
_FIELDS_BY_CLASS: tuple[tuple[type[de.DomainError], tuple[str, ...]], ...] = (
    (de.SpanNotFound, ("leave_out", "after", "line")),
    (de.QuotedWordsMismatch, ("leave_out", "after", "line")),
    (de.EditNoLongerApplies, ("leave_out",)),
    (de.TextError, ("text", "insert")),
    (de.InvalidWeight, ("weight",)),
    (de.InvalidVote, ("choice", "ranking", "counts", "casting_vote")),
)


def field_at_fault(error: de.DomainError) -> tuple[str, str] | None:
    """Where and which field of the request a domain refusal is about, if one is.

    The core's messages quote the ids and values they refuse (``there is no ballot
    'b9'``), so the field is the path parameter, JSON member or query argument whose
    value the message quotes (path first: the resource the URL names); failing that,
    the field the error's class is about (:data:`_FIELDS_BY_CLASS`) when the request
    carries it. A refusal about the state (the ballot has closed) names no field.
    """
    message = str(error)
    sent = request.get_json(silent=True) if request.is_json else None
    places: list[tuple[str, Mapping[str, Any]]] = [
        ("path", {k: v for k, v in (request.view_args or {}).items() if k != "body"}),
        ("json", sent if isinstance(sent, Mapping) else {}),
        ("query", request.args),
    ]
    for location, values in places:
        for name, value in values.items():
            if isinstance(value, str) and value and repr(value) in message:
                return location, str(name)
    if isinstance(sent, Mapping):
        for cls, names in _FIELDS_BY_CLASS:
            if isinstance(error, cls):
                for name in names:
                    if sent.get(name) not in (None, ""):
                        return "json", name
                break
    return None


def _handle_domain(error: de.DomainError) -> Response:
    status, name = problem_for(error)
    if status >= 500:
        current_app.logger.error("refused by the log's own rules: %s", error)
        return problem_response(status, name, str(error))
    found = field_at_fault(error)
    if found is None:
        return problem_response(status, name, str(error))
    location, field = found
    return problem_response(status, name, str(error), field=field,
                            errors=[{"in": location, "field": field, "reason": str(error)}])

"""What a page does when a form is sent: the API's own view, for the signed-in member.

Each act a form offers is one API route (:data:`ACTS`): the form's fields are loaded by
that route's own marshmallow schema, the member passes that route's gate
(:func:`api.web.signin.require`), and the route's view function itself runs, with the
session's principal as the caller. So a page and an API call of the same act are decided,
logged and refused by the same code: a refusal is the domain's own words
(:class:`voting.errors.DomainError`), shown on the page in an alert.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import g
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields

from api.errors import Problem, problem_for
from api.http import ballots, elections, meetings, members, motions, procedurals
from api.http.access import B
from api.web.signin import require
from voting.errors import DomainError

__all__ = ["ACTS", "Act", "Refused", "perform"]


@dataclass(frozen=True, slots=True)
class Act:
    """One act a form may ask for: the API route it is, and what the page says when done."""

    view: type[MethodView]
    rule: str  # the API route's rule, as in api.http.access.ROUTES
    schema: type[Schema] | None
    target: str  # the route's path parameter the form's ``target`` names ("" for none)
    done: str


ACTS: Mapping[str, Act] = {
    "invite": Act(members.Invites, f"{B}/members/<member>/invites", None, "member",
                  "A new invite link is made: give it to the member, it works once."),
    "attendance": Act(meetings.Attendance, f"{B}/meetings/<meeting>/attendance",
                      meetings.AttendanceSchema, "meeting", "Attendance recorded."),
    "start": Act(meetings.Start, f"{B}/meetings/<meeting>/start", None, "meeting",
                 "Business has started."),
    "close-meeting": Act(meetings.Close, f"{B}/meetings/<meeting>/close", None, "meeting",
                         "The meeting is closed."),
    "move-motion": Act(motions.Motions, f"{B}/motions", motions.NewMotionSchema, "",
                       "The motion is moved; it needs a seconder."),
    "second-motion": Act(motions.SecondMotion, f"{B}/motions/<motion>/second", None, "motion",
                         "The motion is seconded."),
    "debate": Act(motions.Debate, f"{B}/motions/<motion>/debate", None, "motion",
                  "Debate is open."),
    "move-amendment": Act(motions.Amendments, f"{B}/motions/<motion>/amendments",
                          motions.NewAmendmentSchema, "motion",
                          "The amendment is moved; it needs a seconder."),
    "second-amendment": Act(motions.SecondAmendment, f"{B}/amendments/<amendment>/second",
                            None, "amendment", "The amendment is seconded."),
    "take-amendment": Act(motions.TakeAmendment, f"{B}/amendments/<amendment>/take", None,
                          "amendment", "The amendment is before the meeting."),
    "rule-out": Act(motions.RuleOutOfOrder, f"{B}/amendments/<amendment>/ruling",
                    motions.RulingSchema, "amendment", "The amendment is ruled out of order."),
    "procedural": Act(procedurals.Procedurals, f"{B}/procedurals",
                      procedurals.NewProceduralSchema, "",
                      "The procedural motion is moved; it needs a seconder."),
    "second-procedural": Act(procedurals.SecondProcedural,
                             f"{B}/procedurals/<procedural>/second", None, "procedural",
                             "The procedural motion is seconded."),
    "open-ballot": Act(ballots.Ballots, f"{B}/ballots", ballots.NewBallotSchema, "",
                       "The question is put: the ballot is open."),
    "close-ballot": Act(ballots.CloseBallot, f"{B}/ballots/<ballot>/close",
                        ballots.CloseSchema, "ballot", "The ballot is closed and counted."),
    "open-election": Act(elections.Elections, f"{B}/elections", elections.NewElectionSchema,
                         "", "Nominations are open."),
    "nominate": Act(elections.Nominations, f"{B}/elections/<election>/nominations",
                    elections.NominationSchema, "election",
                    "The nomination is proposed; it stands once another member seconds it."),
    "second-nomination": Act(elections.SecondNomination,
                             f"{B}/elections/<election>/nominations/<candidate>/second", None,
                             "election", "The nomination is seconded: the candidate stands."),
    "close-nominations": Act(elections.CloseNominations,
                             f"{B}/elections/<election>/nominations/close", None, "election",
                             "Nominations are closed: the poll is open."),
    "close-election": Act(elections.CloseElection, f"{B}/elections/<election>/close", None,
                          "election", "The poll is closed and counted."),
    "vote": Act(ballots.Votes, f"{B}/ballots/<ballot>/votes", ballots.CastSchema, "ballot",
                "Your vote is in the log."),
    "rank": Act(elections.Rankings, f"{B}/elections/<election>/rankings",
                elections.RankingSchema, "election", "Your ballot paper is in the log."),
}


class Refused(Exception):
    """A refused act: the words to show, and the HTTP status the page answers with."""

    def __init__(self, detail: str, status: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status


def _messages(error: ValidationError) -> str:
    """A schema's refusal in words: each field and what is wrong with it."""
    found: list[str] = []

    def walk(where: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{where}.{key}" if where else str(key), inner)
        elif isinstance(value, list):
            for inner in value:
                walk(where, inner)
        else:
            found.append(f"{where.replace('_', ' ')}: {value}" if where else str(value))

    walk("", error.messages)
    return "; ".join(found)


def _typed(schema: Schema, given: dict[str, Any]) -> dict[str, Any]:
    """A form's strings as the JSON values the API's schema reads: ``true``/``on`` and
    ``false`` for a yes-or-no, whole numbers for a number (each in a list too). Anything
    else is left as typed, for the schema to refuse in its own words."""

    def one(field: fields.Field[Any], value: Any) -> Any:
        if isinstance(field, fields.List) and isinstance(value, list):
            return [one(field.inner, item) for item in value]
        if not isinstance(value, str):
            return value
        if isinstance(field, fields.Boolean):
            return {"true": True, "on": True, "false": False}.get(value, value)
        if isinstance(field, fields.Integer) and re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
            return int(value)
        return value

    declared = schema.fields
    return {key: one(declared[key], value) if key in declared else value
            for key, value in given.items()}


def perform(name: str, body: str, path: Mapping[str, str], fields: Mapping[str, Any],
            ) -> dict[str, Any]:
    """Do the act ``name`` on ``body`` as the signed-in member; the API view's answer.

    ``path`` gives the route's path parameters, ``fields`` the form (empty strings are
    left out, so a schema's defaults apply). Raises :class:`Refused` with the words to
    show for a refusal of the gate, the schema or the domain; nothing is written then.
    """
    act = ACTS.get(name)
    if act is None:
        raise Refused(f"there is no act {name!r} here", 404)
    try:
        principal, _ = require(body, "POST", act.rule)
    except Problem as refused:
        raise Refused(refused.detail, refused.status) from None
    args: list[Any] = []
    if act.schema is not None:
        given = {key: value for key, value in fields.items() if value not in ("", None)}
        schema = act.schema()
        try:
            args.append(schema.load(_typed(schema, given)))
        except ValidationError as invalid:
            raise Refused(_messages(invalid), 422) from None
    g.principal = principal
    view: Callable[..., dict[str, Any]] = inspect.unwrap(getattr(act.view, "post"))  # noqa: B009
    params = {"body": body, **{key: path[key] for key in _path_names(act.rule)}}
    try:
        return view(act.view(), *args, **params)
    except DomainError as refused:
        raise Refused(str(refused), problem_for(refused)[0]) from None
    except Problem as refused:
        raise Refused(refused.detail, refused.status) from None


def _path_names(rule: str) -> list[str]:
    """The path parameters of an API rule, other than the body."""
    names = [part[1:-1].split(":")[-1] for part in rule.split("/") if part.startswith("<")]
    return [name for name in names if name != "body"]

"""``/api/v1/bodies/<body>/meetings``: convening, attendance, starting and closing."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.app import instance
from api.http.common import AcceptedSchema, Bool, Id, Int, accept, at, fresh_id, me
from voting import commands as c
from voting.minutes import minutes_of
from voting.minutes_formats import minutes_html, minutes_json
from voting.state import Meeting, Publication

__all__ = ["blp"]

blp = Blueprint("meetings", __name__, url_prefix="/api/v1/bodies/<body>/meetings",
                description="Meetings: convening, attendance, business")


class NewMeetingSchema(Schema):
    id = Id(metadata={"description": "Chosen by the server when left out"})
    title = fields.String(required=True, validate=validate.Length(1, 200))
    chair = Id(required=True)
    secretary = Id(required=True)
    quorum_number = Int(load_default=0, validate=validate.Range(0, 10**9))
    quorum_fraction = fields.String(load_default="", validate=validate.Regexp(
        r"^(|[0-9]{1,9}/[1-9][0-9]{0,8})$", error="a fraction like 1/3"))
    publication = fields.String(load_default="open",
                                validate=validate.OneOf([p.value for p in Publication]))


class MeetingSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    chair = fields.String(required=True)
    secretary = fields.String(required=True)
    publication = fields.String(required=True)
    present = fields.List(fields.String(), required=True)
    started = fields.Boolean(required=True)
    closed = fields.Boolean(required=True)


class ConvenedSchema(AcceptedSchema):
    meeting = fields.Nested(MeetingSchema, required=True)


class AttendanceSchema(Schema):
    member = Id(required=True)
    present = Bool(load_default=True)


def show(meeting: Meeting) -> dict[str, Any]:
    return {"id": meeting.id, "title": meeting.title, "chair": meeting.chair,
            "secretary": meeting.secretary, "publication": meeting.publication.value,
            "present": sorted(meeting.present), "started": meeting.started,
            "closed": meeting.closed}


@blp.route("")
class Meetings(MethodView):
    @blp.arguments(NewMeetingSchema)
    @blp.response(201, ConvenedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str) -> dict[str, Any]:
        """Convene a meeting (chair or secretary)."""
        meeting_id = data.get("id") or fresh_id("meeting")
        where = accept(body, c.ConveneMeeting(
            at(), me(), meeting=meeting_id, title=data["title"], chair=data["chair"],
            secretary=data["secretary"], quorum_number=data["quorum_number"],
            quorum_fraction=data["quorum_fraction"], publication=data["publication"]))
        return {**where, "meeting": show(instance().state(body).meeting(meeting_id))}


@blp.route("/<meeting>")
class OneMeeting(MethodView):
    @blp.response(200, MeetingSchema)
    def get(self, body: str, meeting: str) -> dict[str, Any]:
        """A meeting: who chairs it, who is present, whether business has started."""
        return show(instance().state(body).meeting(meeting))


class MinutesQuery(Schema):
    format = fields.String(load_default="md", validate=validate.OneOf(["md", "html", "json"]),
                           metadata={"description": "Markdown (as a bundle publishes them), "
                                                    "a standalone HTML page, or JSON"})


_MINUTES_TYPES = {"md": "text/markdown", "html": "text/html", "json": "application/json"}


@blp.route("/<meeting>/minutes")
class Minutes(MethodView):
    @blp.arguments(MinutesQuery, location="query")
    @blp.response(200, content_type="text/markdown")
    @blp.alt_response(200, content_type="text/html", success=True)
    @blp.alt_response(200, content_type="application/json", success=True)
    def get(self, query: dict[str, Any], body: str, meeting: str) -> Response:
        """The meeting's minutes, rendered from the log as the body's bundle publishes them
        (voting.minutes; C-MINUTES checks the published ones), under its publication
        policy."""
        with instance().writing(body) as ledger:  # a state and the entries it replays
            state, size = ledger.state, ledger.log.size
            events = ledger.events()[:size]
        rendered = minutes_of(state, events)
        rendered.meeting(meeting)  # NotFound (404) names the meetings there are
        fmt = query["format"]
        if fmt == "json":
            text = json.dumps(minutes_json(rendered, meeting), indent=2, ensure_ascii=False)
        elif fmt == "html":
            text = minutes_html(rendered, meeting)
        else:
            text = rendered.markdown(meeting)
        return Response(text, mimetype=_MINUTES_TYPES[fmt])


@blp.route("/<meeting>/attendance")
class Attendance(MethodView):
    @blp.arguments(AttendanceSchema)
    @blp.response(201, AcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str, meeting: str) -> dict[str, Any]:
        """Record a member as present (or as having left)."""
        return accept(body, c.RecordAttendance(at(), me(), meeting=meeting,
                                               member=data["member"], present=data["present"]))


@blp.route("/<meeting>/start")
class Start(MethodView):
    @blp.response(201, AcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body: str, meeting: str) -> dict[str, Any]:
        """The chair starts business (the quorum is checked)."""
        return accept(body, c.StartBusiness(at(), me(), meeting=meeting))


@blp.route("/<meeting>/close")
class Close(MethodView):
    @blp.response(201, AcceptedSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body: str, meeting: str) -> dict[str, Any]:
        """The chair closes the meeting."""
        return accept(body, c.CloseMeeting(at(), me(), meeting=meeting))

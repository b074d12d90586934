"""``/api/v1/bodies/<body>/procedurals``: procedural motions moved during debate.

A member moves one (closure, next business, adjourning, referring back, a challenge
to the chair's ruling, ...) on a motion or amendment; another member present seconds it by
their own act, under their own token (``POST .../procedurals/<procedural>/second``): nobody
names another member as its seconder. The chair then puts it to the vote like any question
(``POST .../ballots`` with the procedural's id as the subject), and its effects follow its
result in the log.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.app import instance
from api.http.common import AcceptedSchema, Bool, Id, accept, at, fresh_id, me
from voting import commands as c
from voting.errors import NotFound
from voting.standing_orders import ProceduralKind
from voting.state import Procedural

__all__ = ["blp"]

blp = Blueprint("procedurals", __name__, url_prefix="/api/v1/bodies/<body>/procedurals",
                description="Procedural motions: moved, seconded, put to the vote")


class NewProceduralSchema(Schema):
    id = Id(metadata={"description": "Chosen by the server when left out"})
    kind = fields.String(required=True,
                         validate=validate.OneOf([kind.value for kind in ProceduralKind]))
    target = Id(required=True, metadata={"description": "The motion or amendment it is on"})
    to = fields.String(load_default="", validate=validate.Length(0, 200), metadata={
        "description": "A remit: the committee or body the motion is remitted to"})
    mover_consents = Bool(load_default=False, metadata={
        "description": "Deprecated, refused when true: the mover consents by their own act "
                       "(POST .../motions/<motion>/consent)"})


class ProceduralSchema(Schema):
    id = fields.String(required=True)
    meeting = fields.String(required=True)
    kind = fields.String(required=True)
    target = fields.String(required=True)
    mover = fields.String(required=True)
    seconder = fields.String(required=True, metadata={
        "description": "Empty while it awaits a seconder"})
    state = fields.String(required=True, metadata={
        "description": "proposed (awaiting a seconder), seconded, put, carried, lost, ..."})
    to = fields.String(required=True, metadata={"description": "A remit: where it goes"})


class MovedProceduralSchema(AcceptedSchema):
    procedural = fields.Nested(ProceduralSchema, required=True)


def show(procedural: Procedural) -> dict[str, Any]:
    return {"id": procedural.id, "meeting": procedural.meeting, "kind": procedural.kind,
            "target": procedural.target, "mover": procedural.mover,
            "seconder": procedural.seconder, "state": procedural.state.value,
            "to": procedural.to}


def _find(body: str, procedural: str) -> Procedural:
    found = instance().state(body).procedurals.get(procedural)
    if found is None:
        raise NotFound(f"there is no procedural motion {procedural!r}")
    return found


@blp.route("")
class Procedurals(MethodView):
    @blp.arguments(NewProceduralSchema)
    @blp.response(201, MovedProceduralSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], body: str) -> dict[str, Any]:
        """Move a procedural motion on a motion or amendment under debate; it awaits a
        seconder."""
        procedural = data.get("id") or fresh_id("procedural")
        where = accept(body, c.MoveProcedural(
            at(), me(), procedural=procedural, kind=data["kind"], target=data["target"],
            mover_consents=data["mover_consents"], to=data["to"]))
        return {**where, "procedural": show(_find(body, procedural))}


@blp.route("/<procedural>")
class OneProcedural(MethodView):
    @blp.response(200, ProceduralSchema)
    def get(self, body: str, procedural: str) -> dict[str, Any]:
        """A procedural motion and where it stands."""
        return show(_find(body, procedural))


@blp.route("/<procedural>/second")
class SecondProcedural(MethodView):
    @blp.response(201, MovedProceduralSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body: str, procedural: str) -> dict[str, Any]:
        """Second a procedural motion awaiting a seconder (the caller is the seconder)."""
        where = accept(body, c.SecondProcedural(at(), me(), procedural=procedural))
        return {**where, "procedural": show(_find(body, procedural))}

"""A members' ballot over HTTP: an officer calls it, members vote with their own tokens, the
turnout shows while it is open where the body allows, and an officer closes it at the end of
its window (the app's clock moved on, as time passes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from api.auth import rfc3339
from api.db import BodyRow
from tests.api.http.conftest import Service

pytestmark = pytest.mark.api

B = "/api/v1/bodies/group"


def test_a_members_ballot_is_called_voted_and_closed_over_http(service: Service) -> None:
    secretary = service.body("group", "sec")
    tokens = {m: service.admit("group", secretary, m) for m in ("m1", "m2", "m3")}
    with service.instance.engine.begin() as conn:
        conn.execute(update(BodyRow).where(BodyRow.id == "group").values(show_turnout=True))
    start = datetime.now(UTC)
    closes = rfc3339(start + timedelta(hours=1))
    refused = service.post(f"{B}/members-ballots", tokens["m1"],
                           {"question": "That we affiliate.", "closes_at": closes})
    assert refused.status_code == 403
    called = service.post(f"{B}/members-ballots", secretary,
                          {"id": "mb", "question": "That we affiliate.", "closes_at": closes})
    assert called.status_code == 201, called.json
    shown = called.json["ballot"]
    assert (shown["meeting"], shown["electorate"], shown["closes_at"]) == ("", 4, closes)
    assert shown["turnout"] == 0 and shown["outcome"] == ""
    assert shown["text"] == "That we affiliate."
    for member, choice in (("m1", "for"), ("m2", "for"), ("m3", "against")):
        cast = service.post(f"{B}/ballots/mb/votes", tokens[member], {"choice": choice})
        assert cast.status_code == 201, cast.json
        assert cast.json["receipt"]
    assert service.client.get(f"{B}/ballots/mb").json["turnout"] == 3
    early = service.post(f"{B}/members-ballots/mb/close", secretary)
    assert early.status_code == 409 and "not before" in early.json["detail"]
    service.app.config["CLOCK"] = lambda: datetime.now(UTC) + timedelta(hours=2)
    late = service.post(f"{B}/ballots/mb/votes", secretary, {"choice": "against"})
    assert late.status_code == 409 and "too late" in late.json["detail"]
    closed = service.post(f"{B}/members-ballots/mb/close", secretary)
    assert closed.status_code == 201, closed.json
    assert closed.json["ballot"]["outcome"] == "carried"
    assert closed.json["ballot"]["turnout"] is None
    page = service.client.get("/bodies/group/ballots/mb/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "That we affiliate." in html and "members&#39; ballot" in html

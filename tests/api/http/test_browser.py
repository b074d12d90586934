"""Browsers: the access token as an HttpOnly cookie, CSRF on cookie writes; turnout by policy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from api import create_app
from api.app import csrf_token
from api.db import BodyRow, write
from tests.api.http.conftest import Service, bearer, meeting_under_way

B = "/api/v1/bodies/group"


@dataclass
class Browser:
    service: Service
    client: FlaskClient  # m5's browser
    csrf: str  # m5's CSRF token
    secretary: str  # the secretary's bearer token


@pytest.fixture
def browser(service: Service) -> Iterator[Browser]:
    """A member ``m5``'s browser, signed in with the invite: it keeps the cookies."""
    secretary = service.body("group", "sec")
    made = service.client.post(f"{B}/members", headers=bearer(secretary),
                               json={"id": "m5", "name": "Five"})
    assert made.status_code == 201
    client = service.app.test_client()  # keeps cookies, as a browser does
    signed_in = client.post("/api/v1/auth/token", json={"invite": made.json["invite"]["invite"]})
    assert signed_in.status_code == 201
    yield Browser(service, client, signed_in.json["csrf_token"], secretary)


def set_cookies(response: object) -> dict[str, str]:
    headers = response.headers.getlist("Set-Cookie")  # type: ignore[attr-defined]
    return {line.split("=", 1)[0]: line for line in headers}


def test_the_invite_exchange_sets_an_httponly_strict_cookie(service: Service) -> None:
    secretary = service.body("group", "sec")
    for base, secure in (("http://localhost", False), ("http://127.0.0.1:8000", False),
                         ("https://tellers.example.org", True)):
        made = service.client.post(f"{B}/members/sec/invites", headers=bearer(secretary))
        answer = service.app.test_client().post(
            "/api/v1/auth/token", json={"invite": made.json["invite"]}, base_url=base)
        assert answer.status_code == 201
        cookies = set_cookies(answer)
        access, csrf = cookies["tellers_access"], cookies["tellers_csrf"]
        assert f"tellers_access={answer.json['access_token']};" in access
        assert "HttpOnly" in access and "SameSite=Strict" in access and "Path=/api/" in access
        assert "HttpOnly" not in csrf and "SameSite=Strict" in csrf
        assert f"tellers_csrf={answer.json['csrf_token']};" in csrf
        assert answer.json["csrf_token"] == csrf_token(answer.json["access_token"])
        assert ("Secure" in access) is secure and ("Secure" in csrf) is secure


def test_reads_need_only_the_cookie(browser: Browser) -> None:
    me = browser.client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json["member"] == "m5"


def test_a_cookie_write_without_the_csrf_token_is_refused_and_writes_nothing(
        browser: Browser) -> None:
    service, csrf, secretary = browser.service, browser.csrf, browser.secretary
    officer = service.app.test_client()
    officer.post("/api/v1/auth/token", json={"invite": service.client.post(
        f"{B}/members/sec/invites", headers=bearer(secretary)).json["invite"]})
    before = service.fingerprint("group")
    new = {"id": "m6", "name": "Six"}
    for headers, field in (({}, "X-CSRF-Token"), ({"X-CSRF-Token": "0" * 64}, "X-CSRF-Token"),
                           ({"X-CSRF-Token": csrf}, "X-CSRF-Token"),  # m5's, not the officer's
                           ({"X-CSRF-Token": officer.get_cookie("tellers_csrf",
                                                                path="/api/").value,
                             "Origin": "https://evil.example"}, "Origin")):
        refused = officer.post(f"{B}/members", json=new, headers=headers)
        assert refused.status_code == 403, headers
        assert refused.json["type"] == "urn:tellers:problem:csrf-failed"
        assert refused.json["field"] == field
    assert service.fingerprint("group") == before
    token = officer.get_cookie("tellers_csrf", path="/api/")
    assert token is not None
    done = officer.post(f"{B}/members", json=new, headers={"X-CSRF-Token": token.value,
                                                           "Origin": "http://localhost"})
    assert done.status_code == 201, done.json


def test_bearer_writes_need_no_csrf_token_and_a_stale_cookie_does_not_block_reads(
        browser: Browser) -> None:
    service, client, secretary = browser.service, browser.client, browser.secretary
    assert service.client.post(f"{B}/members", headers=bearer(secretary),
                               json={"id": "m7", "name": "Seven"}).status_code == 201
    client.set_cookie("tellers_access", "not-a-token", path="/api/")
    assert client.get(f"{B}/members").status_code == 200  # public: the cookie is not needed
    assert client.get("/api/v1/auth/me").status_code == 401


def test_turnout_is_shown_while_open_only_where_the_body_allows(service: Service) -> None:
    chair, tokens = meeting_under_way(service)
    assert service.client.get(B).json["show_turnout"] is False
    assert service.post(f"{B}/motions", tokens["m1"], {
        "id": "mo", "meeting": "agm", "title": "T", "text": "That we do."}).status_code == 201
    assert service.post(f"{B}/motions/mo/second", tokens["m2"]).status_code == 201
    assert service.post(f"{B}/motions/mo/debate", chair).status_code == 201
    assert service.post(f"{B}/ballots", chair, {"id": "b", "subject": "mo",
                                                "method": "secret"}).status_code == 201
    for member, choice in (("m1", "for"), ("m2", "against")):
        assert service.post(f"{B}/ballots/b/votes", tokens[member],
                            {"choice": choice}).status_code == 201
    assert service.client.get(f"{B}/ballots/b").json["turnout"] is None  # the policy is off
    with write(service.instance.engine) as conn:
        conn.execute(update(BodyRow).where(BodyRow.id == "group").values(show_turnout=True))
    shown = service.client.get(f"{B}/ballots/b").json
    assert shown["turnout"] == 2
    assert "for" not in str(shown) and "against" not in str(shown)
    assert service.post(f"{B}/ballots/b/votes", tokens["m3"], {"choice": "for"}).status_code == 201
    assert service.client.get(f"{B}/ballots/b").json["turnout"] == 3
    assert service.post(f"{B}/ballots/b/close", chair, {}).status_code == 201
    assert service.client.get(f"{B}/ballots/b").json["turnout"] is None


def test_a_body_founded_with_the_turnout_policy_says_so(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path / "i"), "TESTING": True})
    try:
        service = Service(app, app.test_client(use_cookies=False))
        made = service.client.post("/api/v1/bodies", headers=bearer(service.admin()), json={
            "id": "club", "name": "Club", "show_turnout": True,
            "secretary": {"id": "sec", "name": "Sec"}})
        assert made.status_code == 201 and made.json["show_turnout"] is True
        assert service.client.get("/api/v1/bodies/club").json["show_turnout"] is True
        bad = service.client.post("/api/v1/bodies", headers=bearer(service.admin()), json={
            "id": "club2", "name": "Club", "show_turnout": "often",
            "secretary": {"id": "sec", "name": "Sec"}})
        assert bad.status_code == 422
        assert service.client.get("/api/v1/bodies/club2").status_code == 404
    finally:
        app.extensions["tellers"].close()


def test_signing_out_clears_the_cookies_and_needs_the_csrf_token(browser: Browser) -> None:
    client = browser.client
    refused = client.delete("/api/v1/auth/token")
    assert refused.status_code == 403 and refused.json["field"] == "X-CSRF-Token"
    assert client.get("/api/v1/auth/me").status_code == 200  # still signed in
    out = client.delete("/api/v1/auth/token", headers={"X-CSRF-Token": browser.csrf})
    assert out.status_code == 204
    cleared = set_cookies(out)
    assert {"tellers_access", "tellers_csrf"} <= set(cleared)
    assert all("Max-Age=0" in line for line in cleared.values())
    assert client.get_cookie("tellers_access", path="/api/") is None
    assert client.get("/api/v1/auth/me").status_code == 401

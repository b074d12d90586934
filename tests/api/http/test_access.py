"""The route table covers every route; tokens are checked claim by claim; roles gate routes."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.auth import ACCESS_TYP, AUDIENCE
from api.http.access import PUBLIC, ROLES, ROUTES, SESSION
from tests.api.http.conftest import Service, bearer

B = "/api/v1/bodies/group"


def routes(service: Service) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in service.app.url_map.iter_rules()
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}


def test_every_route_has_an_entry_and_every_entry_a_route(service: Service) -> None:
    served = routes(service)
    assert served - set(ROUTES) == set(), "routes without an entry in api/http/access.py"
    assert set(ROUTES) - served == set(), "entries for routes that do not exist"
    for allowed in ROUTES.values():
        assert allowed is PUBLIC or allowed is SESSION or allowed <= ROLES | {"authenticated"}


def test_a_route_without_an_entry_is_refused(service: Service) -> None:
    service.app.add_url_rule("/api/v1/unlisted", "unlisted", lambda: "open")
    response = service.client.get("/api/v1/unlisted")
    assert response.status_code == 500
    assert response.json["type"] == "urn:tellers:problem:no-access-rule"


def test_openapi_31_and_docs_are_served(service: Service) -> None:
    spec = service.client.get("/api/v1/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    documented = {(m.upper(), p) for p, item in spec["paths"].items() for m in item
                  if m in ("get", "post", "delete")}
    api_routes = [route for route in ROUTES if route[1].startswith("/api/v1/")]
    assert len(documented) == len(api_routes) - 2  # all but the two describing the API itself
    problem = spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]
    assert "application/problem+json" in problem["content"]
    assert service.client.get("/api/v1/docs").status_code == 200


@pytest.fixture
def secretary(service: Service) -> str:
    return service.body("group", "sec")


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": "tellers", "aud": AUDIENCE, "sub": "x", "jti": "j", "iat": now,
            "nbf": now, "exp": now + 60}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(service: Service, payload: dict[str, Any], **header: Any) -> str:
    kid, key = service.instance.keys.signing()
    return jwt.encode(payload, key, algorithm="EdDSA",
                      headers={"kid": kid, "typ": ACCESS_TYP, **header})


def subject(service: Service, token: str) -> str:
    sub: str = jwt.decode(token, options={"verify_signature": False})["sub"]
    return sub


@pytest.mark.parametrize("change", [
    {"exp": int(time.time()) - 3600},
    {"nbf": int(time.time()) + 3600},
    {"iat": int(time.time()) + 3600},
    {"aud": "someone-else"},
    {"iss": "another-issuer"},
    {"jti": None},
    {"sub": None},
    {"exp": None},
])
def test_a_token_with_a_bad_claim_is_refused(service: Service, secretary: str,
                                             change: dict[str, Any]) -> None:
    sub = subject(service, secretary)
    good = signed(service, claims(sub=sub))
    assert service.post(f"{B}/members/sec/invites", good).status_code == 201
    before = service.fingerprint("group")
    payload = claims(sub=sub)
    payload.update(change)
    bad = signed(service, {k: v for k, v in payload.items() if v is not None})
    response = service.post(f"{B}/members/sec/invites", bad)
    assert response.status_code == 401, response.json
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert service.fingerprint("group") == before


def test_only_eddsa_under_our_own_keys(service: Service, secretary: str) -> None:
    sub = subject(service, secretary)
    kid, _ = service.instance.keys.signing()
    forged = [
        jwt.encode(claims(sub=sub), "secret" * 8, algorithm="HS256",
                   headers={"kid": kid, "typ": ACCESS_TYP}),
        jwt.encode(claims(sub=sub), Ed25519PrivateKey.generate(), algorithm="EdDSA",
                   headers={"kid": kid, "typ": ACCESS_TYP}),
        jwt.encode(claims(sub=sub), Ed25519PrivateKey.generate(), algorithm="EdDSA",
                   headers={"kid": "not-ours", "typ": ACCESS_TYP}),
        signed(service, claims(sub=sub), typ="JWT"),
        signed(service, claims(sub="no-such-principal")),
        "not a token",
    ]
    for token in forged:
        response = service.post(f"{B}/members/sec/invites", token)
        assert response.status_code == 401, (token, response.json)
    response = service.client.post(f"{B}/members/sec/invites",
                                   headers={"Authorization": "Basic abc"})
    assert response.status_code == 401


def test_no_token_401_wrong_role_403_unknown_body_404(service: Service, secretary: str) -> None:
    member = service.admit("group", secretary, "m1")
    admin = service.admin()
    before = service.fingerprint("group")
    new_member = {"id": "m2", "name": "M Two"}
    assert service.post(f"{B}/members", None, new_member).status_code == 401
    refused = service.post(f"{B}/members", member, new_member)
    assert refused.status_code == 403
    assert refused.json["type"] == "urn:tellers:problem:forbidden"
    assert service.post(f"{B}/members", admin, new_member).status_code == 403
    assert service.post("/api/v1/bodies/nobody/members", secretary,
                        new_member).status_code == 404
    assert service.post("/api/v1/bodies", secretary, {
        "id": "other", "name": "Other", "secretary": {"id": "s", "name": "S"}}).status_code == 403
    assert service.fingerprint("group") == before


def test_a_member_of_one_body_has_no_role_in_another(service: Service, secretary: str) -> None:
    other = service.body("other", "sec2")
    before = service.fingerprint("group")
    response = service.post(f"{B}/members", other, {"id": "m9", "name": "Nine"})
    assert response.status_code == 403
    assert service.fingerprint("group") == before


def test_public_reads_need_no_token(service: Service, secretary: str) -> None:
    for path in ("/api/v1/bodies", B, f"{B}/members", f"{B}/members/sec",
                 f"{B}/log/checkpoint", f"{B}/log/entries", f"{B}/bundles/latest/bundle.json"):
        response = service.client.get(path)
        assert response.status_code == 200, (path, response.data[:200])


def test_invites_are_single_use_and_stored_only_as_a_hash(service: Service) -> None:
    response = service.client.post("/api/v1/bodies", headers=bearer(service.admin()), json={
        "id": "group", "name": "G", "secretary": {"id": "sec", "name": "S"}})
    invite = response.json["secretary_invite"]
    database = (service.instance.path / "tellers.sqlite3").read_bytes()
    assert invite.encode() not in database
    assert service.client.post("/api/v1/auth/token", json={"invite": invite}).status_code == 201
    again = service.client.post("/api/v1/auth/token", json={"invite": invite})
    assert again.status_code == 401
    assert again.json["type"] == "urn:tellers:problem:invite-used"
    unknown = service.client.post("/api/v1/auth/token", json={"invite": "made-up"})
    assert unknown.json["type"] == "urn:tellers:problem:invite-unknown"
    assert unknown.json["field"] == "invite"


def test_an_expired_invite_is_refused(service: Service) -> None:
    from datetime import UTC, datetime, timedelta

    principal, _ = service.instance.admin_principal(now=datetime.now(UTC))
    invite = service.instance.invite(principal, now=datetime.now(UTC) - timedelta(days=30),
                                     lifetime=3600)
    response = service.client.post("/api/v1/auth/token", json={"invite": invite})
    assert response.status_code == 401
    assert response.json["type"] == "urn:tellers:problem:invite-expired"


def test_token_keys_are_readable_by_the_owner_only(service: Service) -> None:
    keys = list((service.instance.path / "keys").iterdir())
    assert keys
    for path in keys:
        assert path.stat().st_mode & 0o077 == 0, path
    assert (service.instance.path / "keys").stat().st_mode & 0o077 == 0


def test_a_member_s_token_names_the_member_and_is_not_looked_up(
        service: Service, secretary: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A member's access token carries ``tellers_member`` ([body, member], as the principal's
    row says), so a request with it reads no principal row; the claim gives the member's own
    roles in that body and nothing anywhere else, and the admin's token never has it."""
    from api.auth import MEMBER_CLAIM

    member = service.admit("group", secretary, "m1")
    payload = jwt.decode(member, options={"verify_signature": False})
    assert payload[MEMBER_CLAIM] == ["group", "m1"]
    assert MEMBER_CLAIM not in jwt.decode(service.admin(), options={"verify_signature": False})

    def no_reads(_principal: str) -> None:
        raise AssertionError("a member's token was looked up")

    monkeypatch.setattr(service.instance, "principal", no_reads)
    assert service.client.get(f"{B}/receipts", headers=bearer(member)).status_code == 200
    refused = service.post(f"{B}/members", member, {"id": "m2", "name": "M Two"})
    assert refused.status_code == 403  # a member is no officer, claim or not
    other = service.client.post("/api/v1/bodies", headers=bearer(member), json={
        "id": "other", "name": "Other", "secretary": {"id": "s", "name": "S"}})
    assert other.status_code == 403


def test_a_token_without_the_member_claim_is_looked_up(service: Service,
                                                         secretary: str) -> None:
    """Tokens issued before the claim existed (or by hand) still work: the principal's row
    says who they speak for; one naming no principal is refused."""
    from api.auth import MEMBER_CLAIM

    payload = jwt.decode(secretary, options={"verify_signature": False})
    plain = signed(service, claims(sub=payload["sub"]))
    assert MEMBER_CLAIM not in jwt.decode(plain, options={"verify_signature": False})
    assert service.post(f"{B}/members/sec/invites", plain).status_code == 201
    assert service.post(f"{B}/members/sec/invites",
                        signed(service, claims(sub="p-nobody"))).status_code == 401


@pytest.mark.parametrize("named", [["group"], ["group", ""], ["group", 3], "group/sec",
                                   {"body": "group", "member": "sec"}, ["group", "sec", "x"]])
def test_a_malformed_member_claim_is_refused(service: Service, secretary: str,
                                             named: Any) -> None:
    from api.auth import MEMBER_CLAIM

    sub = subject(service, secretary)
    before = service.fingerprint("group")
    response = service.post(f"{B}/members/sec/invites",
                            signed(service, claims(sub=sub, **{MEMBER_CLAIM: named})))
    assert response.status_code == 401, response.json
    assert MEMBER_CLAIM in response.json["detail"]
    assert service.fingerprint("group") == before


def test_a_body_s_description_is_caught_up_with_another_worker(service: Service,
                                                                secretary: str) -> None:
    """``GET /bodies/<body>`` (public: no role check, so no catch-up there) reads the body
    as the store holds it, not as this worker last saw it: another worker's write shows."""
    from api.app import create_app

    other = create_app({"INSTANCE_PATH": str(service.instance.path), "TESTING": True})
    try:
        reader = other.test_client()
        before = reader.get(B).json["size"]
        service.admit("group", secretary, "m7")  # written by this worker, not the other
        after = reader.get(B).json
        assert after["size"] == service.instance.ledger("group").log.size > before
        assert after["members"] == len(service.instance.ledger("group").state.members)
    finally:
        other.extensions["tellers"].close()

"""Nobody let in: forged tokens on every protected route, and the route x role x owner matrix.

"Nobody let in" means that nobody without a valid credential
for the role can read or change anything, and that no member acts on another
member's objects or on another body. The routes are taken from the served
app's ``url_map``, never listed by hand, so a new route is covered (or makes
these tests fail) the day it is added:

* every route gated by :data:`api.http.access.ROUTES` to anything but
  ``PUBLIC`` refuses each forged or stale token with a 401 problem and writes
  nothing, while a genuine token for an allowed role passes the gate (so the
  battery cannot pass vacuously);
* :data:`MATRIX` states, independently of ``access.py``, who may call each
  route; every route must have an entry, the entry must agree with the route
  table, and every (route, role) cell is asked over HTTP: a refusal is 401 for
  no token and 403 ``forbidden`` for a wrong role, and changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.auth import ACCESS_TYP, AUDIENCE, REQUIRED
from api.http.access import ANY_TOKEN, PUBLIC, ROUTES, SESSION
from tests.api.http.conftest import Service, bearer

pytestmark = pytest.mark.api

V1 = "/api/v1"
GROUP = "group"
PROBLEM = "application/problem+json"


def served_routes(service: Service) -> list[tuple[str, str]]:
    """Every (method, rule) the app serves, from its ``url_map`` (HEAD and OPTIONS aside)."""
    return sorted({(method, rule.rule) for rule in service.app.url_map.iter_rules()
                   for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}})


def concrete(rule: str, body: str = GROUP) -> str:
    """A path for ``rule``: the body given, a size of 1, a file name, ``x`` for any other id."""
    path = rule.replace("<body>", body).replace("<int:size>", "1")
    path = path.replace("<path:name>", "bundle.json")
    return re.sub(r"<[^>]+>", "x", path)


def call(service: Service, method: str, path: str, headers: dict[str, str]) -> Any:
    if method == "GET":
        return service.client.get(path, headers=headers)
    return service.client.open(path, method=method, headers=headers, json={})


@dataclass
class World:
    """A body ``group`` with a principal for each role, and a member of another body."""

    tokens: dict[str, str]
    subjects: dict[str, str]


def subject_of(token: str) -> str:
    sub: str = jwt.decode(token, options={"verify_signature": False})["sub"]
    return sub


@pytest.fixture
def world(service: Service) -> World:
    secretary = service.body(GROUP, "sec")
    tokens = {
        "admin": service.admin(),
        "secretary": secretary,
        "chair": service.admit(GROUP, secretary, "chair", ("chair",)),
        "member": service.admit(GROUP, secretary, "m1"),
        "observer": service.admit(GROUP, secretary, "obs", ("observer",)),
    }
    other = service.body("other", "sec2")
    tokens["other body"] = service.admit("other", other, "outsider",
                                         ("chair", "secretary", "member"))
    return World(tokens, {role: subject_of(token) for role, token in tokens.items()})


# --- the forgery battery --------------------------------------------------------------

def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(header: dict[str, Any], payload: dict[str, Any], sign: Callable[[bytes], bytes],
            ) -> str:
    """A JWS compact serialisation built by hand (so PyJWT's own refusals cannot stop it)."""
    head = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    return head + "." + b64(sign(head.encode()))


def claims(sub: str, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {"iss": "tellers", "aud": AUDIENCE, "sub": sub, "jti": "jti-1",
                            "iat": now, "nbf": now, "exp": now + 600}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def our_key(service: Service) -> tuple[str, Ed25519PrivateKey]:
    return service.instance.keys.signing()


def eddsa(service: Service, payload: dict[str, Any], *, key: Ed25519PrivateKey | None = None,
          **header: Any) -> str:
    kid, ours = our_key(service)
    head = {"kid": kid, "typ": ACCESS_TYP, **header}
    return jwt.encode(payload, key or ours, algorithm="EdDSA",
                      headers={k: v for k, v in head.items() if v is not None})


def public_forms(service: Service) -> list[bytes]:
    public = our_key(service)[1].public_key()
    return [public.public_bytes(serialization.Encoding.PEM,
                                serialization.PublicFormat.SubjectPublicKeyInfo),
            public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
            public.public_bytes(serialization.Encoding.DER,
                                serialization.PublicFormat.SubjectPublicKeyInfo)]


def hs256(secret: bytes) -> Callable[[bytes], bytes]:
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


def none_sig(_: bytes) -> bytes:
    return b""


Forgery = Callable[[Service, str], str | None]
"""A forged Authorization header value for a subject (None: no header at all)."""


def _alg_none(alg: str) -> Forgery:
    return lambda s, sub: "Bearer " + compact(
        {"alg": alg, "typ": ACCESS_TYP, "kid": our_key(s)[0]}, claims(sub), none_sig)


def _confusion(form: int) -> Forgery:
    return lambda s, sub: "Bearer " + compact(
        {"alg": "HS256", "typ": ACCESS_TYP, "kid": our_key(s)[0]}, claims(sub),
        hs256(public_forms(s)[form]))


def _claim(**change: Any) -> Forgery:
    return lambda s, sub: "Bearer " + eddsa(s, claims(sub, **change))


def _missing(name: str) -> Forgery:
    return lambda s, sub: "Bearer " + eddsa(s, {k: v for k, v in claims(sub).items()
                                                if k != name})


def _header(**header: Any) -> Forgery:
    return lambda s, sub: "Bearer " + eddsa(s, claims(sub), **header)


def _embedded_key(name: str) -> Forgery:
    def forge(s: Service, sub: str) -> str:
        mine = Ed25519PrivateKey.generate()
        raw = mine.public_key().public_bytes(serialization.Encoding.Raw,
                                             serialization.PublicFormat.Raw)
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64(raw)}
        value: Any = jwk if name == "jwk" else "http://127.0.0.1:9/key.json"
        return "Bearer " + eddsa(s, claims(sub), key=mine, **{name: value})
    return forge


def _escalated(s: Service, sub: str) -> str:
    """A genuine token of another principal with ``sub`` put in, keeping its signature."""
    head, _, rest = eddsa(s, claims("someone-else")).partition(".")
    _, _, signature = rest.partition(".")
    return "Bearer " + head + "." + b64(json.dumps(claims(sub)).encode()) + "." + signature


def _tampered_signature(s: Service, sub: str) -> str:
    token = eddsa(s, claims(sub))
    last = "A" if token[-2] != "A" else "B"
    return "Bearer " + token[:-2] + last + token[-1]


FORGERIES: dict[str, Forgery] = {
    "no token": lambda s, sub: None,
    "empty bearer": lambda s, sub: "Bearer ",
    "basic scheme": lambda s, sub: "Basic dXNlcjpwYXNz",
    "not a jwt": lambda s, sub: "Bearer not.a.token",
    "alg none": _alg_none("none"),
    "alg None": _alg_none("None"),
    "alg NONE": _alg_none("NONE"),
    "hs256 with the public key (pem)": _confusion(0),
    "hs256 with the public key (raw)": _confusion(1),
    "hs256 with the public key (der)": _confusion(2),
    "wrong key under our kid": lambda s, sub: "Bearer " + eddsa(
        s, claims(sub), key=Ed25519PrivateKey.generate()),
    "tampered signature": _tampered_signature,
    "expired beyond the leeway": _claim(exp=int(time.time()) - 120,
                                        iat=int(time.time()) - 900,
                                        nbf=int(time.time()) - 900),
    "not yet valid": _claim(nbf=int(time.time()) + 3600),
    "issued in the future": _claim(iat=int(time.time()) + 3600),
    "wrong audience": _claim(aud="another-api"),
    "audience list without ours": _claim(aud=["another-api", "a-third"]),
    "wrong issuer": _claim(iss="someone-else"),
    **{f"no {name}": _missing(name) for name in REQUIRED},
    "sub not a string": lambda s, sub: "Bearer " + compact(
        {"alg": "EdDSA", "typ": ACCESS_TYP, "kid": our_key(s)[0]},
        {**claims(sub), "sub": 12345}, our_key(s)[1].sign),
    "unknown kid": _header(kid="not-one-of-ours"),
    "no kid": _header(kid=None),
    "kid path traversal": _header(kid="../../etc/passwd"),
    "kid sql injection": _header(kid="' OR 1=1--"),
    "kid not a string": lambda s, sub: "Bearer " + compact(
        {"alg": "EdDSA", "typ": ACCESS_TYP, "kid": {"$ne": ""}}, claims(sub),
        our_key(s)[1].sign),
    "wrong typ": _header(typ="JWT"),
    "no typ": _header(typ=None),
    "jwk header with its own key": _embedded_key("jwk"),
    "jku header": _embedded_key("jku"),
    "x5u header": _embedded_key("x5u"),
    "escalated subject, original signature": _escalated,
}


def protected(service: Service) -> list[tuple[str, str]]:
    return [(method, rule) for method, rule in served_routes(service)
            if ROUTES[(method, rule)] not in (PUBLIC, SESSION)]


def allowed_role(rule_roles: frozenset[str]) -> str:
    """A role that passes the route's gate (the weakest such, to keep the control honest)."""
    if rule_roles is ANY_TOKEN:
        return "member"
    for role in ("member", "secretary", "chair", "admin"):
        if role in rule_roles:
            return role
    raise AssertionError(f"no role passes {sorted(rule_roles)}")


def test_the_battery_covers_every_protected_route(service: Service, world: World) -> None:
    routes = protected(service)
    assert len(routes) >= 25  # the count today; it only grows
    assert ("POST", f"{V1}/bodies/<body>/ballots/<ballot>/votes") in routes
    assert ("GET", f"{V1}/bodies/<body>/receipts") in routes


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_every_protected_route_refuses_the_forgery(service: Service, world: World,
                                                   name: str) -> None:
    forge = FORGERIES[name]
    before = (service.fingerprint(GROUP), service.fingerprint("other"))
    refused = 0
    for method, rule in protected(service):
        role = allowed_role(ROUTES[(method, rule)])
        header = forge(service, world.subjects[role])
        headers = {} if header is None else {"Authorization": header}
        response = call(service, method, concrete(rule), headers)
        assert response.status_code == 401, (name, method, rule, response.json)
        assert response.content_type == PROBLEM, (method, rule)
        assert response.json["status"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        refused += 1
    assert refused == len(protected(service))
    assert (service.fingerprint(GROUP), service.fingerprint("other")) == before


def test_a_genuine_token_passes_every_gate_the_forgeries_are_refused_at(
        service: Service, world: World) -> None:
    """The control: the same subjects with their real tokens are let through the gate, so a
    401 above is the forgery's doing and not the route's."""
    for method, rule in protected(service):
        role = allowed_role(ROUTES[(method, rule)])
        response = call(service, method, concrete(rule), bearer(world.tokens[role]))
        assert response.status_code not in (401, 403), (method, rule, role, response.json)


def test_the_battery_is_refused_at_the_signature_not_by_an_unknown_subject(
        service: Service, world: World) -> None:
    """Each signed forgery names a subject that exists, and the honest version of it (our key,
    good claims) is accepted: the refusal comes from what was forged."""
    sub = world.subjects["member"]
    honest = eddsa(service, claims(sub))
    assert service.client.get(f"{V1}/auth/me", headers=bearer(honest)).status_code == 200


def test_a_token_for_a_principal_that_no_longer_exists_is_refused(
        service: Service, world: World) -> None:
    token = eddsa(service, claims("principal-removed"))
    response = service.client.get(f"{V1}/auth/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.content_type == PROBLEM


def test_an_exp_within_the_leeway_is_accepted_and_beyond_it_refused(
        service: Service, world: World) -> None:
    sub, now = world.subjects["member"], int(time.time())
    inside = eddsa(service, claims(sub, iat=now - 900, nbf=now - 900, exp=now - 10))
    outside = eddsa(service, claims(sub, iat=now - 900, nbf=now - 900, exp=now - 90))
    assert service.client.get(f"{V1}/auth/me", headers=bearer(inside)).status_code == 200
    assert service.client.get(f"{V1}/auth/me", headers=bearer(outside)).status_code == 401


# --- invites at the token exchange ------------------------------------------------------

def test_a_replayed_invite_is_refused_and_writes_nothing(service: Service, world: World) -> None:
    secretary = world.tokens["secretary"]
    response = service.post(f"{V1}/bodies/{GROUP}/members/m1/invites", secretary)
    assert response.status_code == 201, response.json
    invite = response.json["invite"]
    assert service.client.post(f"{V1}/auth/token", json={"invite": invite}).status_code == 201
    before = service.fingerprint(GROUP)
    for _ in range(3):
        again = service.client.post(f"{V1}/auth/token", json={"invite": invite})
        assert again.status_code == 401
        assert again.content_type == PROBLEM
        assert again.json["type"] == "urn:tellers:problem:invite-used"
        assert "access_token" not in again.json
    assert service.fingerprint(GROUP) == before


def test_an_expired_invite_is_refused_writes_nothing_and_stays_unusable(
        service: Service, world: World) -> None:
    principal, _ = service.instance.admin_principal(now=datetime.now(UTC))
    invite = service.instance.invite(principal, now=datetime.now(UTC) - timedelta(hours=2),
                                     lifetime=3600)
    before = service.fingerprint(GROUP)
    for _ in range(2):
        response = service.client.post(f"{V1}/auth/token", json={"invite": invite})
        assert response.status_code == 401
        assert response.content_type == PROBLEM
        assert response.json["type"] == "urn:tellers:problem:invite-expired"
    assert service.fingerprint(GROUP) == before


def test_an_invite_is_not_a_bearer_token(service: Service, world: World) -> None:
    response = service.post(f"{V1}/bodies/{GROUP}/members/m1/invites", world.tokens["secretary"])
    invite = response.json["invite"]
    refused = service.client.get(f"{V1}/auth/me", headers=bearer(invite))
    assert refused.status_code == 401
    assert service.client.post(f"{V1}/auth/token", json={"invite": invite}).status_code == 201


# --- the route x role x owner matrix ------------------------------------------------

PUB = "public"
ADM = "admin"
OFF = "chair secretary"
CHA = "chair"
VOT = "chair secretary member"
ANY = "any token"
SES = "session"  # a member's page: no bearer token is looked at (tests/web/test_console.py)
BB = f"{V1}/bodies/<body>"

MATRIX: dict[tuple[str, str], str] = {
    ("GET", f"{V1}/openapi.json"): PUB,
    ("GET", f"{V1}/docs"): PUB,
    ("POST", f"{V1}/auth/token"): PUB,
    ("DELETE", f"{V1}/auth/token"): ANY,
    ("GET", f"{V1}/auth/me"): ANY,
    ("GET", f"{V1}/bodies"): PUB,
    ("POST", f"{V1}/bodies"): ADM,
    ("GET", BB): PUB,
    ("GET", f"{BB}/college"): PUB,
    ("POST", f"{BB}/college"): OFF,
    ("GET", f"{BB}/members"): PUB,
    ("POST", f"{BB}/members"): OFF,
    ("GET", f"{BB}/members/<member>"): PUB,
    ("POST", f"{BB}/members/<member>/invites"): OFF,
    ("POST", f"{BB}/meetings"): OFF,
    ("GET", f"{BB}/meetings/<meeting>"): PUB,
    ("GET", f"{BB}/meetings/<meeting>/minutes"): PUB,
    ("POST", f"{BB}/meetings/<meeting>/attendance"): OFF,
    ("POST", f"{BB}/meetings/<meeting>/start"): CHA,
    ("POST", f"{BB}/meetings/<meeting>/close"): CHA,
    ("POST", f"{BB}/motions"): VOT,
    ("GET", f"{BB}/motions/<motion>"): PUB,
    ("GET", f"{BB}/motions/<motion>/report"): PUB,
    ("POST", f"{BB}/motions/<motion>/second"): VOT,
    ("POST", f"{BB}/motions/<motion>/debate"): CHA,
    ("POST", f"{BB}/motions/<motion>/consent"): VOT,
    ("POST", f"{BB}/motions/<motion>/amendments"): VOT,
    ("GET", f"{BB}/amendments/<amendment>"): PUB,
    ("POST", f"{BB}/amendments/<amendment>/second"): VOT,
    ("POST", f"{BB}/amendments/<amendment>/take"): CHA,
    ("POST", f"{BB}/amendments/<amendment>/ruling"): CHA,
    ("POST", f"{BB}/amendments/<amendment>/consent"): VOT,
    ("POST", f"{BB}/procedurals"): VOT,
    ("GET", f"{BB}/procedurals/<procedural>"): PUB,
    ("POST", f"{BB}/procedurals/<procedural>/second"): VOT,
    ("POST", f"{BB}/petitions"): VOT,
    ("GET", f"{BB}/petitions/<petition>"): PUB,
    ("POST", f"{BB}/petitions/<petition>/signatures"): VOT,
    ("POST", f"{BB}/petitions/<petition>/close"): OFF,
    ("POST", f"{BB}/ballots"): CHA,
    ("GET", f"{BB}/ballots/<ballot>"): PUB,
    ("POST", f"{BB}/ballots/<ballot>/votes"): VOT,
    ("POST", f"{BB}/ballots/<ballot>/close"): CHA,
    ("POST", f"{BB}/members-ballots"): OFF,
    ("POST", f"{BB}/members-ballots/<ballot>/close"): OFF,
    ("POST", f"{BB}/elections"): OFF,
    ("GET", f"{BB}/elections/<election>"): PUB,
    ("POST", f"{BB}/elections/<election>/nominations"): VOT,
    ("POST", f"{BB}/elections/<election>/nominations/<candidate>/second"): VOT,
    ("POST", f"{BB}/elections/<election>/nominations/close"): OFF,
    ("POST", f"{BB}/elections/<election>/rankings"): VOT,
    ("POST", f"{BB}/elections/<election>/close"): OFF,
    ("GET", f"{BB}/log/checkpoint"): PUB,
    ("GET", f"{BB}/log/entries"): PUB,
    ("GET", f"{BB}/log/stream"): PUB,
    ("GET", f"{BB}/log/proofs/inclusion"): PUB,
    ("GET", f"{BB}/log/proofs/consistency"): PUB,
    ("GET", f"{BB}/receipts"): VOT,
    ("GET", f"{BB}/bundles/latest/<path:name>"): PUB,
    ("GET", f"{BB}/bundles/<int:size>/<path:name>"): PUB,
    # the browser pages
    ("GET", "/"): PUB,
    ("GET", "/static/<path:filename>"): PUB,
    ("GET", "/bodies/<body>/"): PUB,
    ("GET", "/bodies/<body>/meetings/<meeting>/"): PUB,
    ("GET", "/bodies/<body>/meetings/<meeting>/minutes.md"): PUB,
    ("GET", "/bodies/<body>/meetings/<meeting>/minutes.json"): PUB,
    ("GET", "/bodies/<body>/motions/<motion>/"): PUB,
    ("GET", "/bodies/<body>/ballots/<ballot>/"): PUB,
    ("GET", "/bodies/<body>/ballots/<ballot>/result.json"): PUB,
    ("GET", "/bodies/<body>/ballots/<ballot>/result.csv"): PUB,
    ("GET", "/bodies/<body>/elections/<election>/"): PUB,
    ("GET", "/bodies/<body>/elections/<election>/result.json"): PUB,
    ("GET", "/bodies/<body>/elections/<election>/result.csv"): PUB,
    ("GET", "/bodies/<body>/elections/<election>/ballots.blt"): PUB,
    ("GET", "/bodies/<body>/verify"): PUB,
    ("GET", "/bodies/<body>/log/entry/<int:index>"): PUB,
    ("GET", "/bodies/<body>/bundle.zip"): PUB,
    ("GET", "/signin"): PUB,
    ("POST", "/signin"): PUB,
    ("POST", "/signout"): PUB,
    ("GET", "/bodies/<body>/mine"): SES,
    ("GET", "/bodies/<body>/meetings/<meeting>/console"): SES,
    ("POST", "/bodies/<body>/meetings/<meeting>/act/<act>"): SES,
    ("GET", "/bodies/<body>/meetings/<meeting>/paper"): SES,
    ("POST", "/bodies/<body>/meetings/<meeting>/paper/vote/<ballot>"): SES,
    ("POST", "/bodies/<body>/meetings/<meeting>/paper/rank/<election>"): SES,
}
"""Who may call each route, stated here apart from ``api/http/access.py``: a change to the
gate has to be made in both places, on purpose. Observers, the admin (outside founding
bodies) and members of other bodies appear in no entry: they may only read what is public."""

MATRIX_ROLES = ("admin", "secretary", "chair", "member", "observer", "anonymous", "other body")


def expected(route: tuple[str, str], role: str) -> int | None:
    """401 or 403 if the gate must refuse ``role`` on ``route``; None if it must let it by."""
    entry = MATRIX[route]
    if entry in (PUB, SES):
        return None
    if role == "anonymous":
        return 401
    if entry == ANY:
        return None
    body_scoped = "<body>" in route[1]
    if role in entry.split() and (role == "admin" or body_scoped):
        return None
    return 403


def test_every_served_route_has_a_matrix_entry_and_it_agrees_with_the_route_table(
        service: Service) -> None:
    served = served_routes(service)
    missing = [route for route in served if route not in MATRIX]
    assert missing == [], f"routes with no entry in the matrix: {missing}"
    assert sorted(MATRIX) == served, "matrix entries for routes that are not served"
    for route, entry in MATRIX.items():
        gate = ROUTES[route]
        if entry == PUB:
            assert gate is PUBLIC, route
        elif entry == SES:
            assert gate is SESSION, route
        elif entry == ANY:
            assert gate is ANY_TOKEN, route
        else:
            assert gate == frozenset(entry.split()), route


def test_a_route_missing_from_the_matrix_fails_the_check(service: Service) -> None:
    service.app.add_url_rule(f"{V1}/bodies/<body>/unlisted", "unlisted", lambda body: "open",
                             methods=["POST"])
    served = served_routes(service)
    assert [route for route in served if route not in MATRIX] == [
        ("POST", f"{V1}/bodies/<body>/unlisted")]


def test_every_route_for_every_role_gets_what_the_matrix_says(service: Service,
                                                              world: World) -> None:
    """Each refusal is checked to change nothing; a let-by call may write (a read of the
    latest bundle signs the current checkpoint, derived data)."""
    cells = refused = 0
    for route in served_routes(service):
        method, rule = route
        for role in MATRIX_ROLES:
            headers = {} if role == "anonymous" else bearer(world.tokens[role])
            want = expected(route, role)
            before = (service.fingerprint(GROUP), service.fingerprint("other"))
            response = call(service, method, concrete(rule), headers)
            if want is None:
                assert response.status_code not in (401, 403), (route, role, response.json)
            else:
                assert response.status_code == want, (route, role, response.json)
                assert response.content_type == PROBLEM
                kind = "token-required" if want == 401 else "forbidden"
                assert response.json["type"] == f"urn:tellers:problem:{kind}", (route, role)
                assert (service.fingerprint(GROUP), service.fingerprint("other")) == before
                refused += 1
            cells += 1
    assert cells == len(MATRIX) * len(MATRIX_ROLES)
    gated = sum(len(MATRIX_ROLES) for route in MATRIX if MATRIX[route] not in (PUB, SES))
    assert refused > gated // 3  # the public and session pages aside, most calls are refused


def test_the_other_body_is_gated_the_same_way_for_a_member_of_this_one(
        service: Service, world: World) -> None:
    """The owner half of the matrix, the other way round: the officers and members of
    ``group`` have no role in ``other``."""
    before = service.fingerprint("other")
    for route in served_routes(service):
        method, rule = route
        if "<body>" not in rule or MATRIX[route] in (PUB, SES):
            continue
        for role in ("secretary", "chair", "member", "observer"):
            response = call(service, method, concrete(rule, "other"),
                            bearer(world.tokens[role]))
            assert response.status_code == 403, (route, role, response.json)
    assert service.fingerprint("other") == before


def meeting_with_ballot(service: Service, world: World, method: str = "show_of_hands",
                        voters: tuple[str, ...] = ("m1", "m2")) -> dict[str, str]:
    """A started meeting of ``group`` with motion ``m`` open to ballot ``b``; voters' tokens."""
    secretary, chair = world.tokens["secretary"], world.tokens["chair"]
    tokens = {"m1": world.tokens["member"]}
    for member in voters:
        if member not in tokens:
            tokens[member] = service.admit(GROUP, secretary, member)
    g = f"{V1}/bodies/{GROUP}"
    r = service.post(f"{g}/meetings", secretary, {
        "id": "june", "title": "June", "chair": "chair", "secretary": "sec",
        "quorum_number": 2})
    assert r.status_code == 201, r.json
    for member in ("sec", "chair", "obs", *voters):
        r = service.post(f"{g}/meetings/june/attendance", secretary, {"member": member})
        assert r.status_code == 201, r.json
    assert service.post(f"{g}/meetings/june/start", chair).status_code == 201
    r = service.post(f"{g}/motions", tokens[voters[0]], {
        "id": "m", "meeting": "june", "title": "M", "text": "That we agree."})
    assert r.status_code == 201, r.json
    assert service.post(f"{g}/motions/m/second", tokens[voters[1]]).status_code == 201
    assert service.post(f"{g}/motions/m/debate", chair).status_code == 201
    r = service.post(f"{g}/ballots", chair, {"id": "b", "subject": "m", "method": method})
    assert r.status_code == 201, r.json
    return tokens


def test_a_member_votes_only_as_themself(service: Service, world: World) -> None:
    tokens = meeting_with_ballot(service, world, "recorded")
    votes = f"{V1}/bodies/{GROUP}/ballots/b/votes"
    before = service.fingerprint(GROUP)
    for field in ("member", "voter", "principal"):
        r = service.post(votes, tokens["m1"], {"choice": "for", field: "m2"})
        assert r.status_code == 422, (field, r.json)
        assert r.content_type == PROBLEM
    assert service.fingerprint(GROUP) == before
    r = service.post(votes, tokens["m1"], {"choice": "for"})
    assert r.status_code == 201, r.json
    assert r.json["member"] == "m1"
    assert set(service.instance.state(GROUP).ballot("b").votes) == {"m1"}  # not m2's


def test_an_idempotency_key_is_the_callers_own(service: Service, world: World) -> None:
    """m2 sending the key m1 used gets a cast of their own, never m1's answer or receipt."""
    tokens = meeting_with_ballot(service, world, "recorded")
    votes = f"{V1}/bodies/{GROUP}/ballots/b/votes"
    first = service.post(votes, tokens["m1"], {"choice": "for"},
                         headers={"Idempotency-Key": "shared-key"})
    assert first.status_code == 201, first.json
    second = service.post(votes, tokens["m2"], {"choice": "for"},
                          headers={"Idempotency-Key": "shared-key"})
    assert second.status_code == 201, second.json
    assert second.json["member"] == "m2"
    assert second.json["entry"] != first.json["entry"]
    assert second.json["receipt"] != first.json["receipt"]


def test_receipts_are_the_callers_own(service: Service, world: World) -> None:
    tokens = meeting_with_ballot(service, world, "recorded")
    g = f"{V1}/bodies/{GROUP}"
    cast = service.post(f"{g}/ballots/b/votes", tokens["m1"], {"choice": "against"})
    assert cast.status_code == 201, cast.json
    mine = service.client.get(f"{g}/receipts", headers=bearer(tokens["m1"])).json["receipts"]
    assert [r["member"] for r in mine] == ["m1"]
    theirs = service.client.get(f"{g}/receipts", headers=bearer(tokens["m2"])).json
    assert theirs["receipts"] == []
    assert cast.json["receipt"] not in json.dumps(theirs)
    for role in ("other body", "observer", "admin"):
        refused = service.client.get(f"{g}/receipts", headers=bearer(world.tokens[role]))
        assert refused.status_code == 403, (role, refused.json)
        assert cast.json["receipt"] not in refused.get_data(as_text=True)


def test_nobody_outside_the_voters_of_this_body_acts_on_its_ballot(
        service: Service, world: World) -> None:
    meeting_with_ballot(service, world, "recorded")
    g = f"{V1}/bodies/{GROUP}"
    before = service.fingerprint(GROUP)
    for role in ("other body", "observer", "admin"):
        token = world.tokens[role]
        assert service.post(f"{g}/ballots/b/votes", token,
                            {"choice": "for"}).status_code == 403, role
        assert service.post(f"{g}/ballots/b/close", token, {}).status_code == 403, role
    assert service.post(f"{g}/ballots/b/votes", None, {"choice": "for"}).status_code == 401
    assert service.fingerprint(GROUP) == before


def test_finding_a_token_living_longer_than_the_service_issues_is_refused(
        service: Service, world: World) -> None:
    """Regression: a token whose ``exp - iat`` exceeded ACCESS_TOKEN_SECONDS was accepted,
    so a token issued before the lifetime was shortened (or made with a leaked key for a
    year) kept working to its own end. Now it is refused; one issued as the service issues
    them still passes."""
    sub, now = world.subjects["member"], int(time.time())
    lifetime = int(service.app.config["ACCESS_TOKEN_SECONDS"])
    year = eddsa(service, claims(sub, iat=now, nbf=now, exp=now + 365 * 24 * 3600))
    refused = service.client.get(f"{V1}/auth/me", headers=bearer(year))
    assert refused.status_code == 401
    assert refused.content_type == PROBLEM
    usual = eddsa(service, claims(sub, iat=now, nbf=now, exp=now + lifetime))
    assert service.client.get(f"{V1}/auth/me", headers=bearer(usual)).status_code == 200
    invite = service.post(f"{V1}/bodies/{GROUP}/members/m1/invites",
                          world.tokens["secretary"]).json["invite"]
    service.app.config["ACCESS_TOKEN_SECONDS"] = 60  # shortened: the hour-long one now fails
    assert service.client.get(f"{V1}/auth/me", headers=bearer(usual)).status_code == 401
    issued = service.exchange(invite)  # and a token issued from now on lives 60 s and works
    assert service.client.get(f"{V1}/auth/me", headers=bearer(issued)).status_code == 200


def test_a_member_of_another_body_with_the_same_id_is_not_that_member_here(
        service: Service, world: World) -> None:
    """``m1`` of ``other`` is a different person from ``m1`` of ``group``: the body in the
    token's principal decides, not the member id."""
    tokens = meeting_with_ballot(service, world, "recorded")
    g = f"{V1}/bodies/{GROUP}"
    assert service.post(f"{g}/ballots/b/votes", tokens["m1"], {"choice": "for"}).status_code == 201
    namesake = service.admit("other", world.tokens["other body"], "m2", ("chair", "member"))
    before = service.fingerprint(GROUP)
    assert service.post(f"{g}/ballots/b/votes", namesake, {"choice": "for"}).status_code == 403
    assert service.post(f"{g}/ballots/b/close", namesake, {}).status_code == 403
    assert service.client.get(f"{g}/receipts", headers=bearer(namesake)).status_code == 403
    assert service.fingerprint(GROUP) == before


def test_an_officer_acts_only_in_the_meeting_they_hold_office_in(
        service: Service, world: World) -> None:
    """The gate lets any chair or secretary of the body by; the rules then refuse one who is
    not this meeting's chair or secretary, and a member not on the roll, changing nothing."""
    tokens = meeting_with_ballot(service, world, "recorded")
    g = f"{V1}/bodies/{GROUP}"
    secretary = world.tokens["secretary"]
    chair2 = service.admit(GROUP, secretary, "chair2", ("chair", "member"))
    sec3 = service.admit(GROUP, secretary, "sec3", ("secretary", "member"))
    before = service.fingerprint(GROUP)
    for path, token, json_body in [
            (f"{g}/ballots/b/close", chair2, {}),
            (f"{g}/meetings/june/close", chair2, None),
            (f"{g}/motions/m/debate", chair2, None),
            (f"{g}/meetings/june/attendance", sec3, {"member": "chair2"}),
            (f"{g}/ballots/b/votes", chair2, {"choice": "for"}),
            (f"{g}/ballots/b/votes", world.tokens["observer"], {"choice": "for"})]:
        response = service.post(path, token, json_body)
        assert response.status_code == 403, (path, response.json)
        assert response.content_type == PROBLEM
    assert service.fingerprint(GROUP) == before
    assert service.post(f"{g}/ballots/b/votes", tokens["m2"], {"choice": "for"}).status_code == 201


def test_head_is_gated_like_get(service: Service, world: World) -> None:
    g = f"{V1}/bodies/{GROUP}"
    assert service.client.head(f"{g}/receipts").status_code == 401
    assert service.client.head(f"{g}/receipts",
                               headers=bearer(world.tokens["observer"])).status_code == 403
    assert service.client.head(f"{g}/receipts",
                               headers=bearer(world.tokens["member"])).status_code == 200


def test_a_nomination_is_seconded_only_by_the_seconder_themself(
        service: Service, world: World) -> None:
    """m1 may not name m2 as seconder: the proposal waits until m2 seconds it with m2's own
    token, and nobody else's token can second it in m2's name."""
    tokens = meeting_with_ballot(service, world, "recorded")
    g = f"{V1}/bodies/{GROUP}"
    r = service.post(f"{g}/elections", world.tokens["chair"], {
        "id": "e1", "title": "Treasurer", "seats": 1, "method": "irv", "meeting": "june"})
    assert r.status_code == 201, r.json
    member = world.tokens["member"]
    before = service.fingerprint(GROUP)
    r = service.post(f"{g}/elections/e1/nominations", member,
                     {"candidate": "chair", "seconder": "m2"})
    assert r.status_code == 422, r.json
    assert service.fingerprint(GROUP) == before
    r = service.post(f"{g}/elections/e1/nominations", member, {"candidate": "chair"})
    assert r.status_code == 201, r.json
    assert r.json["election"]["nominated"] == []
    assert r.json["election"]["proposed"] == ["chair"]
    before = service.fingerprint(GROUP)
    r = service.post(f"{g}/elections/e1/nominations/chair/second", member)
    assert r.status_code == 403, r.json  # the proposer cannot second their own proposal
    assert r.content_type == PROBLEM
    assert service.fingerprint(GROUP) == before
    r = service.post(f"{g}/elections/e1/nominations/chair/second", world.tokens["observer"])
    assert r.status_code == 403, r.json
    assert service.fingerprint(GROUP) == before
    r = service.post(f"{g}/elections/e1/nominations/chair/second", tokens["m2"])
    assert r.status_code == 201, r.json
    assert r.json["election"]["nominated"] == ["chair"]
    assert r.json["election"]["proposed"] == []

"""Bad input on every write route: a clear 4xx problem document, and nothing written.

The write routes are taken from the access table (``api/http/access.py``), so a new route
is in the battery as soon as it has an entry there; the fields and their types from the
served OpenAPI document. Every refusal is checked to leave the log (its size and head), the
state and the row count of every table as they were. Then the inputs that need a setting of
their own: weights, ranked ballots, Unicode names and look-alikes, markup in motion texts
and titles, and a clock at the edges of a voting window.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api import create_app
from api.app import MAX_JSON_DEPTH
from api.http.access import ADMIN, PUBLIC, ROUTES
from tests.api.http.conftest import Service, bearer, meeting_under_way

B = "/api/v1/bodies/group"
MIB = 1 << 20
PROBLEM = "application/problem+json"

IDS = {"body": "group", "meeting": "agm", "motion": "mo", "amendment": "am", "ballot": "b1",
       "election": "el", "member": "m1", "candidate": "m2", "petition": "pe",
       "procedural": "pr"}

WRITE_ROUTES = sorted(path for method, path in ROUTES  # the API; the pages take forms
                      if method == "POST" and path.startswith("/api/v1/"))


def concrete(rule: str) -> str:
    for name, value in IDS.items():
        rule = rule.replace(f"<{name}>", value)
    assert "<" not in rule, rule
    return rule


def proceedings(service: Service) -> dict[str, str]:
    """Body ``group`` in business: motion ``mo`` put to recorded ballot ``b1`` (amendment
    ``am`` fell with it), election ``el`` voting on m1 and m2. Each role's token."""
    chair, tokens = meeting_under_way(service)
    steps = [
        ("/motions", tokens["m1"], {"id": "mo", "meeting": "agm", "title": "Monthly",
                                    "text": "That this group meets monthly."}),
        ("/motions/mo/second", tokens["m2"], None),
        ("/motions/mo/debate", chair, None),
        ("/motions/mo/amendments", tokens["m3"], {"id": "am", "kind": "add_at_end",
                                                   "insert": "On Mondays."}),
        ("/ballots", chair, {"id": "b1", "subject": "mo", "method": "recorded"}),
        ("/elections", chair, {"id": "el", "title": "Treasurer", "seats": 1,
                               "method": "plurality", "secret": True}),
        ("/elections/el/nominations", tokens["m3"], {"candidate": "m1"}),
        ("/elections/el/nominations/m1/second", tokens["m4"], None),
        ("/elections/el/nominations", tokens["m3"], {"candidate": "m2"}),
        ("/elections/el/nominations/m2/second", tokens["m4"], None),
        ("/elections/el/nominations/close", chair, None),
    ]
    for path, token, body in steps:
        response = service.post(f"{B}{path}", token, body)
        assert response.status_code == 201, (path, response.json)
    return {"chair": chair, "admin": service.admin(), **tokens}


@pytest.fixture(scope="module")
def battery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, dict[str, str]]]:
    """One proceedings for the whole battery: every case is refused, so none changes it
    (each checks that)."""
    folder = tmp_path_factory.mktemp("bad-input")
    app = create_app({"INSTANCE_PATH": str(folder / "instance"), "TESTING": True})
    service = Service(app, app.test_client())
    yield service, proceedings(service)
    app.extensions["tellers"].close()


def token_for(rule: str, tokens: dict[str, str]) -> str | None:
    allowed = ROUTES[("POST", rule)]
    if allowed is PUBLIC:
        return None
    return tokens["admin"] if allowed is ADMIN else tokens["chair"]


def refused(service: Service, path: str, token: str | None, *, data: bytes | None = None,
            json: Any = None, content_type: str = "application/json",
            status: int | tuple[int, ...] | None = None) -> dict[str, Any]:
    """Post, expecting a 4xx problem document and nothing written; the problem."""
    before = service.fingerprint("group")
    headers = bearer(token) if token else {}
    if data is not None:
        response = service.client.post(path, headers={**headers, "Content-Type": content_type},
                                        data=data)
    else:
        response = service.client.post(path, headers=headers, json=json)
    assert 400 <= response.status_code < 500, (path, response.status_code, response.data[:300])
    if status is not None:
        wanted = status if isinstance(status, tuple) else (status,)
        assert response.status_code in wanted, (path, response.status_code, response.json)
    assert response.content_type == PROBLEM, (path, response.content_type)
    problem: dict[str, Any] = response.json
    assert problem["status"] == response.status_code
    assert problem["type"].startswith("urn:tellers:problem:")
    assert problem["detail"]
    assert service.fingerprint("group") == before, (path, "a refusal wrote")
    return problem


# -- every write route: bodies no route takes ------------------------------------------------

RAW = {
    "huge json": (b'{"text": "' + b"a" * (MIB + 16) + b'"}', "application/json", 413),
    "huge text": (b"a" * (MIB + 16), "text/plain", 413),
    "deep arrays": (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
    "deep objects": (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "application/json", 400),
    "just too deep": (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1),
                      "application/json", 400),
    "not json": (b'{"text": ', "application/json", 400),
    "NaN": (b'{"weight": NaN}', "application/json", 400),
    "Infinity": (b'{"seats": Infinity}', "application/json", 400),
    "bad UTF-8": (b'{"name": "\xff\xfe"}', "application/json", 400),
}


@pytest.mark.parametrize("kind", sorted(RAW))
@pytest.mark.parametrize("rule", WRITE_ROUTES)
def test_a_body_no_route_takes_is_refused(battery: tuple[Service, dict[str, str]], rule: str,
                                          kind: str) -> None:
    service, tokens = battery
    data, content_type, status = RAW[kind]
    refused(service, concrete(rule), token_for(rule, tokens), data=data,
            content_type=content_type, status=status)


# -- every write route with a body: wrong types, field by field --------------------------------

def openapi(service: Service) -> dict[str, Any]:
    document: dict[str, Any] = service.client.get("/api/v1/openapi.json").json
    return document


def body_schema(document: dict[str, Any], rule: str) -> dict[str, Any] | None:
    """The request body's schema of ``POST rule`` in the OpenAPI document, refs resolved."""
    path = rule.replace("<", "{").replace(">", "}")
    operation = document["paths"][path]["post"]
    if "requestBody" not in operation:
        return None
    return resolve(document, operation["requestBody"]["content"]["application/json"]["schema"])


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


WRONG: dict[str, list[Any]] = {
    "string": [12345, ["x"], {"a": "b"}, True, None],
    "integer": ["5", 5.5, True, 2**53 + 1, 10**30, -(2**63), "NaN", [1], None],
    "boolean": ["maybe", "yes", "true", 1, 0, 2, [True], None],
    "array": ["x", {"a": 1}, 5, None],
    "object": ["x", [1], 5, None],
}


def field_types(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, spec in schema.get("properties", {}).items():
        spec = resolve(document, spec)
        kind = spec.get("type", "object")
        if isinstance(kind, list):  # ["integer", "null"]
            kind = next(k for k in kind if k != "null")
        found[name] = kind
    return found


def test_every_field_of_every_write_route_refuses_a_wrong_type(
        battery: tuple[Service, dict[str, str]]) -> None:
    """Each field alone with a value of the wrong type: 422, the field named, nothing
    written. And a body that is not an object, or names a field the route does not know."""
    service, tokens = battery
    document = openapi(service)
    checked = 0
    with_body = 0
    for rule in WRITE_ROUTES:
        schema = body_schema(document, rule)
        if schema is None:
            continue
        with_body += 1
        path, token = concrete(rule), token_for(rule, tokens)
        for whole in ([1, 2], "text", 5, True):
            refused(service, path, token, json=whole, status=422)
        problem = refused(service, path, token, json={"no_such_field": 1}, status=422)
        assert "no_such_field" in {e["field"] for e in problem["errors"]}, problem
        for name, kind in field_types(document, schema).items():
            for value in WRONG[kind]:
                if value is None and name not in schema.get("required", []) and \
                        resolve(document, schema["properties"][name]).get("type") != kind:
                    continue  # nullable: None is a right value
                problem = refused(service, path, token, json={name: value}, status=422)
                fields = {e["field"].split(".")[0] for e in problem.get("errors", [])}
                assert name in fields, (rule, name, value, problem)
                checked += 1
    assert with_body >= 15 and checked >= 150, (with_body, checked)


# -- weights ------------------------------------------------------------------------------------

@pytest.mark.parametrize("weight", [0, -1, -(2**63), 2**53 + 1, 2**64, 10**100, 1.5, "1", True,
                                    None, "1e3", [1]])
def test_a_weight_that_is_not_a_whole_number_in_range_is_refused(
        battery: tuple[Service, dict[str, str]], weight: Any) -> None:
    service, tokens = battery
    problem = refused(service, f"{B}/members", tokens["chair"], json={
        "id": "heavy", "name": "Heavy Weight", "weight": weight}, status=422)
    assert problem["field"] == "weight"


def test_the_largest_weight_is_accepted_and_counts(service: Service) -> None:
    secretary = service.body("group", "sec")
    response = service.post(f"{B}/members", secretary, {"id": "big", "name": "Big",
                                                        "weight": 10**9})
    assert response.status_code == 201, response.json
    assert service.client.get(f"{B}/members/big").json["weight"] == 10**9


# -- ranked ballots -----------------------------------------------------------------------------

@pytest.mark.parametrize("ranking", [
    [], ["m1", "m1"], ["m1", "m2", "m1"], ["ghost"], ["m1", "ghost"], [""], ["m1", None],
    ["m1", ""], "m1", [1], [["m1"]], {"m1": 1}, ["m1"] * 1001, ["m3"], None,
], ids=lambda r: repr(r)[:40])
def test_a_malformed_ranked_ballot_is_refused(battery: tuple[Service, dict[str, str]],
                                              ranking: Any) -> None:
    """Empty, a candidate twice, an unknown or blank one (a gap), not a list, too long, or a
    member who is not standing: refused, and the member may still vote."""
    service, tokens = battery
    problem = refused(service, f"{B}/elections/el/rankings", tokens["m4"],
                      json={"ranking": ranking}, status=(409, 422))
    assert problem["status"] == 422 or "ranking" in problem["detail"]


# -- Unicode names ------------------------------------------------------------------------------

def test_a_name_in_decomposed_form_is_stored_composed(service: Service) -> None:
    secretary = service.body("group", "sec")
    decomposed = unicodedata.normalize("NFD", "Zoë Ñandú")
    assert decomposed != "Zoë Ñandú"
    response = service.post(f"{B}/members", secretary, {"id": "zoe", "name": decomposed})
    assert response.status_code == 201, response.json
    assert response.json["member"]["name"] == "Zoë Ñandú"
    assert service.client.get(f"{B}/members/zoe").json["name"] == "Zoë Ñandú"


@pytest.mark.parametrize("name", ["\ud800", "Ann\udfff", "", "x" * 201])
def test_a_name_that_cannot_be_logged_is_refused(battery: tuple[Service, dict[str, str]],
                                                 name: str) -> None:
    service, tokens = battery
    refused(service, f"{B}/members", tokens["chair"], json={"id": "odd", "name": name},
            status=422)


LOOK_ALIKES = [
    ("Anna Smith", "\u0410nna Smith"),  # a Cyrillic capital A
    ("Paul Jones", "P\u0430ul Jones"),  # a Cyrillic small a
    ("Olga Berg", "\u039flga Berg"),  # a Greek capital omicron
    ("Carl Hill", "Carl Hi\u04cfl"),  # a Cyrillic palochka for an l
    ("Ida Moore", "lda Moore"),  # l for I
    ("Mark Kerr", "Mark Ke\u200brr"),  # a zero-width space
    ("Ruth Fenn", "\uff32uth Fenn"),  # a full-width R
    ("Ann Barn", "Ann Bam"),  # m for rn
]


@pytest.mark.parametrize(("first", "second"), LOOK_ALIKES)
def test_a_look_alike_of_a_members_name_is_refused(service: Service, first: str,
                                                   second: str) -> None:
    """Refused, 409 ``confusable-name`` naming the member it looks like; nothing written.
    The same name again is not refused (people share names)."""
    secretary = service.body("group", "sec")
    assert service.post(f"{B}/members", secretary, {"id": "one", "name": first}
                        ).status_code == 201
    problem = refused(service, f"{B}/members", secretary, json={"id": "two", "name": second},
                      status=409)
    assert problem["type"].endswith(":confusable-name")
    assert problem["member"] == "one" and problem["field"] == "name"
    response = service.post(f"{B}/members", secretary, {"id": "three", "name": first})
    assert response.status_code == 201, response.json


# -- markup ---------------------------------------------------------------------------------------

MARKUP_TITLE = "<b>Bold</b> [click](javascript:alert(1)) & <img src=x onerror=alert(1)>"
MARKUP_TEXT = "That <script>alert(1)</script> & **this** [x](javascript:alert(2)) stands."
MARKUP_NAME = "<i>Eve</i> [me](http://evil.invalid)"


def test_markup_is_stored_verbatim_and_escaped_wherever_it_is_shown(service: Service) -> None:
    chair, tokens = meeting_under_way(service)
    sec = service.exchange(service.client.post(
        f"{B}/members/sec/invites", headers=bearer(chair)).json["invite"])
    response = service.post(f"{B}/members", sec, {"id": "eve", "name": MARKUP_NAME})
    assert response.status_code == 201, response.json
    assert service.post(f"{B}/meetings/agm/attendance", sec, {"member": "eve"}
                        ).status_code == 201
    eve = service.exchange(response.json["invite"]["invite"])
    response = service.post(f"{B}/motions", eve, {"id": "mk", "meeting": "agm",
                                                  "title": MARKUP_TITLE, "text": MARKUP_TEXT})
    assert response.status_code == 201, response.json
    shown = service.client.get(f"{B}/motions/mk").json
    assert (shown["title"], shown["text"]) == (MARKUP_TITLE, MARKUP_TEXT)  # verbatim
    assert service.client.get(f"{B}/members/eve").json["name"] == MARKUP_NAME
    assert service.post(f"{B}/motions/mk/second", tokens["m1"]).status_code == 201

    markdown = service.client.get(f"{B}/meetings/agm/minutes?format=md").get_data(True)
    html = service.client.get(f"{B}/meetings/agm/minutes?format=html").get_data(True)
    for raw in ("<b>", "<img", "<script", "<i>", "](javascript:", "](http://evil"):
        unescaped = re.compile(r"(?<!\\)" + re.escape(raw))
        for line in markdown.splitlines():
            if line.startswith("    "):
                continue  # an indented block: Markdown shows it as written
            assert not unescaped.search(line), (raw, line)
    for tag in ("<b>", "<img", "<script", "<i>", "<a ", "href"):
        assert tag not in html, tag
    assert "\\<b\\>Bold\\</b\\>" in markdown and "\\<i\\>Eve\\</i\\>" in markdown
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html and "&lt;script&gt;" in html
    assert "&lt;i&gt;Eve&lt;/i&gt;" in html
    as_json = service.client.get(f"{B}/meetings/agm/minutes?format=json").json
    assert as_json is not None


# -- a clock at the edges of a voting window -----------------------------------------------------

class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[tuple[Service, Clock]]:
    clock = Clock(datetime.now(UTC))  # tokens are checked against the real time
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True,
                      "CLOCK": clock})
    yield Service(app, app.test_client()), clock
    app.extensions["tellers"].close()


def entry_time(service: Service, index: int) -> str:
    page = service.client.get(f"{B}/log/entries?after={index - 1}&limit=1").json
    found: str = page["entries"][0]["entry"]["time"]
    return found


@pytest.mark.parametrize("skew", [timedelta(0), timedelta(microseconds=1), timedelta(seconds=1),
                                  -timedelta(seconds=1), -timedelta(minutes=10),
                                  -timedelta(days=1)], ids=str)
def test_a_cast_at_or_around_the_close_is_refused(
        clocked: tuple[Service, Clock], skew: timedelta) -> None:
    """The window closes when the chair closes the ballot. A cast stamped at that instant,
    just after it, or (a clock set back) before it, is refused as closed, and nothing is
    written: the log's order, not the clock, says the ballot was closed."""
    service, clock = clocked
    chair, tokens = meeting_under_way(service)
    assert service.post(f"{B}/motions", tokens["m1"], {
        "id": "mo", "meeting": "agm", "title": "T", "text": "That it is so."}).status_code == 201
    assert service.post(f"{B}/motions/mo/second", tokens["m2"]).status_code == 201
    assert service.post(f"{B}/motions/mo/debate", chair).status_code == 201
    assert service.post(f"{B}/ballots", chair, {"id": "b1", "subject": "mo",
                                                "method": "secret"}).status_code == 201
    clock.now += timedelta(minutes=5)
    assert service.post(f"{B}/ballots/b1/votes", tokens["m1"], {"choice": "for"}
                        ).status_code == 201
    closing = clock.now + timedelta(minutes=5)
    clock.now = closing
    response = service.post(f"{B}/ballots/b1/close", chair, {})
    assert response.status_code == 201, response.json
    clock.now = closing + skew
    problem = refused(service, f"{B}/ballots/b1/votes", tokens["m2"], json={"choice": "for"},
                      status=409)
    assert problem["type"].endswith(":ballot-closed")


def test_a_cast_with_a_clock_set_back_while_the_ballot_is_open_is_logged_in_order(
        clocked: tuple[Service, Clock]) -> None:
    """A clock set back while the ballot is open: the vote is accepted and logged at the
    log's time (a log's time never goes back), so the verifier's C-TIME holds."""
    service, clock = clocked
    chair, tokens = meeting_under_way(service)
    assert service.post(f"{B}/motions", tokens["m1"], {
        "id": "mo", "meeting": "agm", "title": "T", "text": "That it is so."}).status_code == 201
    assert service.post(f"{B}/motions/mo/second", tokens["m2"]).status_code == 201
    assert service.post(f"{B}/motions/mo/debate", chair).status_code == 201
    clock.now += timedelta(minutes=30)
    opened = service.post(f"{B}/ballots", chair, {"id": "b1", "subject": "mo",
                                                  "method": "recorded"})
    assert opened.status_code == 201
    clock.now -= timedelta(minutes=20)
    cast = service.post(f"{B}/ballots/b1/votes", tokens["m1"], {"choice": "for"})
    assert cast.status_code == 201, cast.json
    assert entry_time(service, cast.json["entry"]) == entry_time(service,
                                                                 opened.json["entries"][-1])


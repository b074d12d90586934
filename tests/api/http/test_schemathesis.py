"""schemathesis against the OpenAPI document a real ``tellers serve`` publishes.

The server runs in a child process on a fresh instance (:class:`tests.api.http.served.Served`);
the document is read from it, at ``/api/v1/openapi.json``, and every operation it
describes is driven with generated requests over HTTP. Each response is checked:

- ``not_a_server_error``: never a 5xx;
- ``status_code_conformance``: the status is one the operation documents (the
  document lists each operation's problem statuses and has no ``default``, so this
  check can fail);
- ``content_type_conformance`` and ``response_schema_conformance``: the body is of a
  documented media type and matches its schema (problems included);
- ``response_headers_conformance``: documented headers are present and well formed.

The requests carry a valid token (an auth provider: the admin's for the admin's
routes, else that of a member who is the body's chair and secretary). Each command
operation gets a fresh body of its own with a meeting under way (a motion under debate,
an amendment, an open ballot, an election, a petition), and three requests in four name
what exists there (in the path, and at times in the JSON), so the generated data reaches
the rules and not only the 404s. Generation is positive (data the document allows) and
negative (data it forbids: then a 4xx is also required). At the end the server's own
output must hold no traceback.

The examples per operation are bounded for CI; the ``nightly`` marker runs many more
(``pytest -m nightly``).
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.http.access import ADMIN, ROUTES
from tests.api.http.served import Client, Served

pytestmark = [pytest.mark.api, pytest.mark.slow]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
CI_EXAMPLES = 12  # per operation and generation mode; about a minute in all on two cores
NIGHTLY_EXAMPLES = 200
V1 = "/api/v1"
NOT_IN_THE_DOCUMENT = {("GET", f"{V1}/openapi.json"), ("GET", f"{V1}/docs")}


def openapi_path(rule: str) -> str:
    """A Flask rule as the OpenAPI document writes it: ``<int:size>`` -> ``{size}``."""
    out = []
    for part in rule.split("/"):
        if part.startswith("<") and part.endswith(">"):
            part = "{" + part[1:-1].split(":")[-1] + "}"
        out.append(part)
    return "/".join(out)


OPERATIONS = sorted(route for route in ROUTES if route not in NOT_IN_THE_DOCUMENT
                    and route[1].startswith("/api/v1/"))  # the pages are not API


@dataclass
class Target:
    """The served instance, the schema read from it, the tokens, and per body the ids that
    exist."""

    served: Served
    schema: Any
    admin: str
    officers: dict[str, str] = field(default_factory=dict)  # body -> its officer's token
    known: dict[str, dict[str, list[Any]]] = field(default_factory=dict)  # body -> ids
    bodies: int = 0
    examples: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def prepare(self) -> str:
        """A fresh body with a meeting under way (:func:`_prepare`); its id."""
        self.bodies += 1
        body = f"group-{self.bodies}"
        self.officers[body], self.known[body] = _prepare(self.served, self.admin, body)
        return body


PEOPLE = ["m1", "m2", "m3", "boss", "sec"]
# JSON members that name something, and what exists to name (sometimes used instead of the
# generated value, so positive cases reach the rules and not only the 404s)
BODY_IDS: dict[str, list[Any]] = {
    "member": PEOPLE, "seconder": PEOPLE, "candidate": PEOPLE, "chair": PEOPLE,
    "secretary": PEOPLE, "meeting": ["agm"], "subject": ["mo", "a1", "pr1"],
    "target": ["mo", "a1"], "id": ["fresh", "mo", "b1"], "parent": ["a1"],
    "leave_out": ["ten"], "ranking": [["m1"], ["m1", "m2"]], "invite": ["nope"],
}


def _prepare(served: Served, admin: str, body: str) -> tuple[str, dict[str, list[Any]]]:
    """Found ``body``; admit an officer (chair and secretary) and members; a meeting under
    way with a motion in debate, an amendment taken, a ballot, an election and a petition
    open. The officer's token and the ids that exist by parameter."""
    client: Client = served.client()
    b = f"{V1}/bodies/{body}"
    founded = client.ok("POST", f"{V1}/bodies", {"id": body, "name": "The group",
                                                 "secretary": {"id": "sec", "name": "Sam"}},
                        admin)
    secretary = client.ok("POST", f"{V1}/auth/token",
                          {"invite": founded["secretary_invite"]})["access_token"]
    tokens = {}
    for member, roles in (("boss", ["chair", "secretary", "member"]), ("m1", ["member"]),
                          ("m2", ["member"]), ("m3", ["member"])):
        made = client.ok("POST", f"{b}/members", {"id": member, "name": f"Member {member}",
                                                  "roles": roles}, secretary)
        tokens[member] = client.ok("POST", f"{V1}/auth/token",
                                   {"invite": made["invite"]["invite"]})["access_token"]
    officer = tokens["boss"]
    client.ok("POST", f"{b}/meetings", {"id": "agm", "title": "AGM", "chair": "boss",
                                        "secretary": "sec", "quorum_number": 2}, officer)
    for member in ("sec", "boss", "m1", "m2", "m3"):
        client.ok("POST", f"{b}/meetings/agm/attendance", {"member": member}, officer)
    client.ok("POST", f"{b}/meetings/agm/start", None, officer)
    client.ok("POST", f"{b}/motions", {"id": "mo", "meeting": "agm", "title": "Dues",
                                       "text": "That dues rise by ten pounds."}, tokens["m1"])
    client.ok("POST", f"{b}/motions/mo/second", None, tokens["m2"])
    client.ok("POST", f"{b}/motions/mo/debate", None, officer)
    client.ok("POST", f"{b}/motions/mo/amendments", {
        "id": "a1", "kind": "leave_out_and_insert", "leave_out": "ten", "insert": "two"},
        tokens["m3"])
    client.ok("POST", f"{b}/amendments/a1/second", None, tokens["m2"])
    client.ok("POST", f"{b}/amendments/a1/take", None, officer)
    client.ok("POST", f"{b}/ballots", {"id": "b1", "subject": "a1", "method": "recorded"},
              officer)
    client.ok("POST", f"{b}/ballots/b1/votes", {"choice": "for"}, tokens["m1"])
    client.ok("POST", f"{b}/elections", {"id": "e1", "title": "Delegate", "seats": 1,
                                         "method": "scottish_stv"}, officer)
    client.ok("POST", f"{b}/elections/e1/nominations", {"candidate": "m1"}, tokens["m3"])
    client.ok("POST", f"{b}/elections/e1/nominations/m1/second", None, tokens["m2"])
    client.ok("POST", f"{b}/elections/e1/nominations", {"candidate": "m2"}, tokens["m3"])
    client.ok("POST", f"{b}/petitions", {"id": "p1", "text": "A members' ballot.",
                                         "number": 2}, tokens["m2"])
    size = client.ok("GET", b)["size"]
    client.ok("GET", f"{b}/log/checkpoint")  # a signed head of that size
    client.close()
    known: dict[str, list[Any]] = {
        "body": [body], "member": PEOPLE, "meeting": ["agm"], "motion": ["mo"],
        "amendment": ["a1"], "ballot": ["b1"], "election": ["e1"], "petition": ["p1"],
        "procedural": ["pr1"], "candidate": ["m2", "m1"], "size": [size, 1],
        "name": ["bundle.json", "log.vkey", "entries.jsonl", "checkpoints/000000.note"],
    }
    return officer, known


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    where = tmp_path_factory.mktemp("schemathesis") / "instance"
    with Served(where, workers=1, threads=4, env={"TELLERS_DATABASE_URL": ""}) as served:
        client = served.client()
        admin = client.ok("POST", f"{V1}/auth/token",
                          {"invite": served.admin_invite})["access_token"]
        client.close()
        base = f"http://127.0.0.1:{served.port}"
        schema = schemathesis.openapi.from_url(f"{base}{V1}/openapi.json")
        schema.config.update(base_url=base)
        # a body over the size limit is refused before it is read: a rejection like any 4xx
        rejection = schema.config.checks.negative_data_rejection
        rejection.expected_statuses = [*rejection.expected_statuses, "413"]
        found = Target(served, schema, admin)
        found.prepare()

        @schema.auth(refresh_interval=None)  # asked each time: each body has its officer
        class Bearer:
            """The admin's token on the admin's routes; on every other, the token of the
            officer of the body the path names (of the first body if it names none)."""

            def get(self, case: Any, context: Any) -> str:
                rule = case.operation.path
                method = case.operation.method.upper()
                if any(openapi_path(r) == rule and m == method and gate == ADMIN
                       for (m, r), gate in ROUTES.items()):
                    return found.admin
                body = (case.path_parameters or {}).get("body")
                return found.officers.get(body, found.officers["group-1"])

            def set(self, case: Any, data: str, context: Any) -> None:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

        yield found
        print(f"\nschemathesis: {sum(found.examples.values())} requests over "
              f"{len(found.examples)} operations; statuses {sorted(found.statuses.items())}")
        assert "Traceback" not in "".join(served.output), "".join(served.output)[-4000:]


def _cases(target: Target, body: str, method: str, path: str, mode: GenerationMode) -> Any:
    operation = target.schema[path][method.lower()]
    names = [p.name for p in operation.path_parameters]
    if not names:
        return operation.as_strategy(generation_mode=mode)
    known = target.known[body]
    fixed = st.fixed_dictionaries({name: st.sampled_from(known[name]) for name in names})
    existing = fixed.flatmap(lambda given: operation.as_strategy(generation_mode=mode,
                                                                 path_parameters=given))
    # three cases in four name what exists; the rest generate their own path parameters
    return st.one_of(existing, existing, existing, operation.as_strategy(generation_mode=mode))


def run_operation(target: Target, route: tuple[str, str], examples: int) -> None:
    """Drive one operation with generated requests and check each answer: a command on a
    body of its own (so what an earlier operation closed does not close the rules to this
    one), a read on the first body."""
    method, rule = route
    body = target.prepare() if method == "POST" else "group-1"
    path = openapi_path(rule)
    operation = target.schema[path][method.lower()]
    negatable = operation.body or any(p.location == "query" for p in operation.iter_parameters())
    # negative data for a body or a query; a path parameter alone cannot be made invalid
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if negatable \
        else (GenerationMode.POSITIVE,)
    for mode in modes:
        drive(target, body, method, path, mode, examples)


def drive(target: Target, body: str, method: str, path: str, mode: GenerationMode,
          examples: int) -> None:
    """``examples`` generated requests of one operation in one mode, each answer checked
    (negative data must also be refused)."""
    checks = [*CHECKS, negative_data_rejection] if mode is GenerationMode.NEGATIVE else CHECKS

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=_cases(target, body, method, path, mode), data=st.data())
    def check(case: Any, data: st.DataObject) -> None:
        if mode is GenerationMode.POSITIVE and isinstance(case.body, dict):
            for key, values in BODY_IDS.items():  # name what exists, at times
                if key in case.body:
                    case.body[key] = data.draw(st.sampled_from([case.body[key], *values]))
        response = case.call(timeout=30)
        with target.lock:
            target.examples[f"{method} {path}"] += 1
            target.statuses[response.status_code] += 1
        case.validate_response(response, checks=checks)

    check()


def test_the_document_describes_every_route(target: Target) -> None:
    described = {(method.upper(), path) for path, item in target.schema.raw_schema["paths"]
                 .items() for method in item if method != "parameters"}
    assert described == {(m, openapi_path(r)) for m, r in OPERATIONS}
    for path, item in target.schema.raw_schema["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert "default" not in operation["responses"], (method, path)
            assert "401" in operation["responses"], (method, path)
            for status, response in operation["responses"].items():
                # found by the run: the minutes, the checkpoint and the bundle's files had
                # no media type, so what they answered was never checked
                if status.startswith("2") and status != "204":  # 204: no content by definition
                    assert response.get("content"), (method, path, status)


def test_a_body_over_the_limit_is_refused_with_a_problem_over_http(target: Target) -> None:
    """Found by the run: waitress, with the app's own limit, answered 413 in plain text
    before the app could; the app's problem document is the answer now."""
    conn = http.client.HTTPConnection("127.0.0.1", target.served.port, timeout=60)
    data = json.dumps({"invite": "x" * (3 << 19)}).encode()  # 1.5 MiB
    conn.request("POST", f"{V1}/auth/token", body=data,
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    answer = response.read()
    conn.close()
    assert response.status == 413
    assert response.getheader("Content-Type") == "application/problem+json"
    assert json.loads(answer)["type"] == "urn:tellers:problem:request-too-large"


def test_a_petition_with_any_fraction_opens_over_http(target: Target) -> None:
    """Found by the run: a fraction with a denominator over 100 (``6/934``) was a 500."""
    body = target.prepare()
    client = target.served.client()
    opened = client.ok("POST", f"{V1}/bodies/{body}/petitions", {
        "text": "A members' ballot.", "fraction": "6/934", "rule": "both"},
        target.officers[body])
    client.close()
    assert opened["petition"]["threshold"] == "petition_3_in_467_of_members"


@pytest.mark.parametrize("route", OPERATIONS, ids=[f"{m} {r}" for m, r in OPERATIONS])
def test_schemathesis(target: Target, route: tuple[str, str]) -> None:
    run_operation(target, route, CI_EXAMPLES)
    assert target.examples[f"{route[0]} {openapi_path(route[1])}"] > 0


@pytest.mark.nightly
@pytest.mark.parametrize("route", OPERATIONS, ids=[f"{m} {r}" for m, r in OPERATIONS])
def test_schemathesis_nightly(target: Target, route: tuple[str, str]) -> None:
    run_operation(target, route, NIGHTLY_EXAMPLES)

"""A secret ballot's choices are never linked to members in a response, a log record or an error.

One part of "nobody let in": secret-ballot choices are never
linked to members in anything the API returns or publishes. A secret ballot is
driven over HTTP while every log record the service emits is captured. Then,
after the close, everything anyone can fetch is fetched (the ballot, the
motion, the meeting and its minutes, the members, the log entries and the
whole bundle, each member's receipts, refused retries and refused casts), and
each response and each log record is searched for a link:

* a member's mark key or member key (either one lets anyone find the member's
  mark, then the seal beside it, then the published paper that opens it);
* a member named next to their tracker or their choice in one JSON object or
  array, or in one line of text.

Before the close, the cast answers go to the voter alone and may carry their
own tracker and keys (that is their receipt); refusals and log records may
not, at any time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from audit.bundle import read_bundle_from
from audit.receipt import parse_receipt, receipt_member_key, receipt_sealed
from tests.api.http.conftest import Service, bearer

pytestmark = pytest.mark.api

B = "/api/v1/bodies/group"
CHOICES = {"voter-alpha": "for", "voter-bravo": "for", "voter-charlie": "against",
           "voter-delta": "abstain"}


@dataclass(frozen=True)
class Paper:
    member: str
    choice: str
    tracker: str
    mark_key: str
    member_key: str

    def secrets(self) -> list[str]:
        return [s for s in (self.mark_key, self.member_key) if s]


def scalars(value: Any) -> Iterator[str]:
    """The direct scalar children of a JSON object or array, as text."""
    items = value.values() if isinstance(value, dict) else value
    for item in items:
        if not isinstance(item, dict | list):
            yield str(item)


def containers(value: Any) -> Iterator[Any]:
    """Every JSON object and array inside ``value`` (itself included)."""
    if isinstance(value, dict | list):
        yield value
        for item in value.values() if isinstance(value, dict) else value:
            yield from containers(item)


def links(text: str, papers: list[Paper]) -> list[str]:
    """Every link between a member and their paper that ``text`` shows (see the docstring)."""
    found = []
    for paper in papers:
        for secret in paper.secrets():
            if secret in text:
                found.append(f"{paper.member}'s key")
    groups: list[list[str]] = []
    for whole, piece in [(True, text)] + [(False, line) for line in text.splitlines()]:
        try:  # a JSON document, or lines of JSON or of text
            groups += [list(scalars(c)) for c in containers(json.loads(piece))]
        except ValueError:
            if not whole:
                groups.append(piece.split())
    for words in groups:
        for paper in papers:
            named = any(paper.member == w.strip("\"',:()[]{}") for w in words)
            if not named:
                continue
            near = {w.strip("\"',:()[]{}") for w in words}
            if paper.tracker in near or paper.tracker in " ".join(words):
                found.append(f"{paper.member} next to their tracker")
            if paper.choice in near:
                found.append(f"{paper.member} next to their choice {paper.choice}")
    return found


@pytest.mark.parametrize("publication", ["open", "unattributed"])
def test_no_response_log_record_or_error_links_a_member_to_a_secret_choice(
        service: Service, caplog: pytest.LogCaptureFixture, publication: str) -> None:
    caplog.set_level(logging.DEBUG)
    service.app.logger.warning("the capture reaches the app's logger")
    logging.getLogger("api.ledger").debug("and the ledger's")
    assert len(caplog.records) == 2
    secretary = service.body("group", "sec")
    chair = service.admit("group", secretary, "chair", ("chair", "member"))
    observer = service.admit("group", secretary, "obs", ("observer",))
    tokens = {m: service.admit("group", secretary, m) for m in CHOICES}
    r = service.post(f"{B}/meetings", secretary, {
        "id": "june", "title": "June", "chair": "chair", "secretary": "sec",
        "quorum_number": 3, "publication": publication})
    assert r.status_code == 201, r.json
    for member in ("sec", "chair", "obs", *CHOICES):
        assert service.post(f"{B}/meetings/june/attendance", secretary,
                            {"member": member}).status_code == 201
    assert service.post(f"{B}/meetings/june/start", chair).status_code == 201
    assert service.post(f"{B}/motions", tokens["voter-alpha"], {
        "id": "m", "meeting": "june", "title": "M", "text": "That we agree."}).status_code == 201
    assert service.post(f"{B}/motions/m/second", tokens["voter-bravo"]).status_code == 201
    assert service.post(f"{B}/motions/m/debate", chair).status_code == 201
    r = service.post(f"{B}/ballots", chair, {"id": "b", "subject": "m", "method": "secret"})
    assert r.status_code == 201, r.json

    papers, refusals = [], []
    for member, choice in CHOICES.items():
        r = service.post(f"{B}/ballots/b/votes", tokens[member], {"choice": choice},
                         headers={"Idempotency-Key": f"k-{member}"})
        assert r.status_code == 201, r.json
        extra = parse_receipt(r.json["receipt"]).extra
        sealed = receipt_sealed(extra)
        assert sealed is not None and sealed[0] == r.json["tracker"]
        papers.append(Paper(member, choice, r.json["tracker"], sealed[1],
                            receipt_member_key(extra)))
        # a second cast, a changed retry: refused, and the refusal tells nothing of the first
        refusals.append(service.post(f"{B}/ballots/b/votes", tokens[member],
                                     {"choice": "against"}))
        other = "against" if choice == "for" else "for"
        refusals.append(service.post(f"{B}/ballots/b/votes", tokens[member],
                                     {"choice": other},
                                     headers={"Idempotency-Key": f"k-{member}"}))
    assert all(p.mark_key for p in papers)
    assert all(bool(p.member_key) == (publication == "unattributed") for p in papers)
    refusals.append(service.post(f"{B}/ballots/b/votes", observer, {"choice": "for"}))
    refusals.append(service.post(f"{B}/ballots/b/close", tokens["voter-alpha"], {}))
    assert sorted({r.status_code for r in refusals}) == [403, 409, 422]
    closed = service.post(f"{B}/ballots/b/close", chair, {})
    assert closed.status_code == 201, closed.json
    assert service.post(f"{B}/meetings/june/close", chair).status_code == 201

    after = [closed]
    for member in CHOICES:
        after.append(service.post(f"{B}/ballots/b/votes", tokens[member], {"choice": "for"},
                                  headers={"Idempotency-Key": f"k-{member}"}))
        after.append(service.client.get(f"{B}/receipts", headers=bearer(tokens[member])))
        after.append(service.client.get(f"{B}/members/{member}"))
    for path in ("", "/members", "/ballots/b", "/motions/m", "/meetings/june",
                 "/meetings/june/minutes", "/log/checkpoint", "/log/entries"):
        after.append(service.client.get(f"{B}{path}"))
    assert all(r.status_code < 500 for r in after)

    bundle_files: dict[str, bytes] = {}
    base = f"{B}/bundles/latest"

    def fetch(name: str, limit: int) -> bytes | None:
        response = service.client.get(f"{base}/{name}")
        if response.status_code == 404:
            return None
        assert response.status_code == 200, name
        bundle_files[name] = response.data
        return response.data[: limit + 1]

    read_bundle_from(fetch, base)
    assert "bundle.json" in bundle_files and len(bundle_files) > 3

    shown = {f"refusal {i} ({r.status_code})": r.get_data(as_text=True)
             for i, r in enumerate(refusals)}
    shown |= {f"after the close {i} ({r.request.path})": r.get_data(as_text=True)
              for i, r in enumerate(after)}
    shown |= {f"bundle {name}": data.decode("utf-8", errors="replace")
              for name, data in bundle_files.items()}
    shown |= {f"log record {i} ({rec.name})": rec.getMessage()
              + (f"\n{rec.exc_text}" if rec.exc_text else "")
              for i, rec in enumerate(caplog.records)}
    found = {where: hit for where, text in shown.items() if (hit := links(text, papers))}
    assert found == {}
    # the search is not blind: 38 documents, and the published papers are among them
    assert len(shown) >= 38
    everything = "\n".join(shown.values())
    assert all(paper.tracker in everything for paper in papers)
    assert closed.json["ballot"]["outcome"] == "carried"


def test_the_link_search_finds_a_link_where_there_is_one() -> None:
    paper = Paper("voter-alpha", "for", "ab" * 32, "cd" * 32, "")
    assert links(json.dumps({"member": "voter-alpha", "tracker": "ab" * 32}), [paper])
    assert links(json.dumps({"votes": [["voter-alpha", "for"]]}), [paper])
    assert links("cast by voter-alpha: for", [paper])
    assert links(f"mark key {'cd' * 32}", [paper])
    assert not links(json.dumps({"papers": [["ab" * 32, "for"]],
                                 "voters": [["voter-alpha", "voter-alpha"]]}), [paper])


RANKINGS = {"voter-alpha": ["cand-x", "cand-y"], "voter-bravo": ["cand-y", "cand-x"],
            "voter-charlie": ["cand-x", "cand-y"], "voter-delta": ["cand-y", "cand-x"]}
"""Full rankings only: a one-name ranking is a member id, which rolls list beside voters."""


def test_no_response_or_log_record_links_a_member_to_a_secret_ranking(
        service: Service, caplog: pytest.LogCaptureFixture) -> None:
    """The same search over a secret election: rankings are sealed papers too."""
    caplog.set_level(logging.DEBUG)
    secretary = service.body("group", "sec")
    chair = service.admit("group", secretary, "chair", ("chair", "member"))
    tokens = {m: service.admit("group", secretary, m) for m in (*RANKINGS, "cand-x", "cand-y")}
    assert service.post(f"{B}/meetings", secretary, {
        "id": "agm", "title": "AGM", "chair": "chair", "secretary": "sec",
        "quorum_number": 2}).status_code == 201
    for member in ("sec", "chair", *tokens):
        assert service.post(f"{B}/meetings/agm/attendance", secretary,
                            {"member": member}).status_code == 201
    assert service.post(f"{B}/meetings/agm/start", chair).status_code == 201
    r = service.post(f"{B}/elections", chair, {"id": "e1", "title": "Treasurer", "seats": 1,
                                               "method": "irv", "meeting": "agm",
                                               "secret": True})
    assert r.status_code == 201, r.json
    for candidate, by, seconder in (("cand-x", "voter-alpha", "voter-bravo"),
                                    ("cand-y", "voter-charlie", "voter-delta")):
        assert service.post(f"{B}/elections/e1/nominations", tokens[by], {
            "candidate": candidate}).status_code == 201
        assert service.post(f"{B}/elections/e1/nominations/{candidate}/second",
                            tokens[seconder]).status_code == 201
    assert service.post(f"{B}/elections/e1/nominations/close", chair).status_code == 201
    papers, refusals = [], []
    for member, ranking in RANKINGS.items():
        r = service.post(f"{B}/elections/e1/rankings", tokens[member], {"ranking": ranking})
        assert r.status_code == 201, r.json
        sealed = receipt_sealed(parse_receipt(r.json["receipt"]).extra)
        assert sealed is not None and sealed[0] == r.json["tracker"] and sealed[1]
        papers.append(Paper(member, "\n".join(ranking), sealed[0], sealed[1], ""))
        refusals.append(service.post(f"{B}/elections/e1/rankings", tokens[member],
                                     {"ranking": ["cand-x"]}))
    assert {r.status_code for r in refusals} == {409}
    closed = service.post(f"{B}/elections/e1/close", chair)
    assert closed.status_code == 201, closed.json
    after = [closed]
    for member in RANKINGS:
        after.append(service.client.get(f"{B}/receipts", headers=bearer(tokens[member])))
    for path in ("", "/members", "/elections/e1", "/meetings/agm", "/meetings/agm/minutes",
                 "/log/entries"):
        after.append(service.client.get(f"{B}{path}"))
    bundle: dict[str, bytes] = {}

    def fetch(name: str, limit: int) -> bytes | None:
        response = service.client.get(f"{B}/bundles/latest/{name}")
        if response.status_code == 404:
            return None
        bundle[name] = response.data
        return response.data[: limit + 1]

    read_bundle_from(fetch, f"{B}/bundles/latest")
    shown = [r.get_data(as_text=True) for r in (*refusals, *after)]
    shown += [data.decode("utf-8", errors="replace") for data in bundle.values()]
    shown += [rec.getMessage() for rec in caplog.records]
    assert [hit for text in shown if (hit := links(text, papers))] == []
    assert all(paper.tracker in "\n".join(shown) for paper in papers)  # papers published

"""The organising group's meeting held end to end against a real ``tellers serve``.

``tellers serve --instance DIR`` starts on a fresh, empty folder in a child process.
The test then acts, over HTTP only, as the admin, the secretary, the chair and each
of the fifteen members of :mod:`api.demo_meeting`: every member redeems their own
invite and votes with their own token, and keeps the receipt the cast answered.
The meeting is the published one: an amendment that leaves out the motion's three
conditions carried 8-5-0 on a recorded vote, the substantive motion as amended carried
9-5-1, and two delegates elected by STV in a secret ballot. Then the real
``tellers verify`` (another child process) checks the served bundle by its URL, pinned
to the key the body publishes, with every member's receipts. The same runs on SQLite
and on a PostgreSQL server the test starts.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from api.demo_meeting import AMENDMENT_VOTES, DELEGATE_RANKINGS, MEMBERS, MOTION, SUBSTANTIVE_VOTES
from audit.receipt import parse_receipt
from tests.api.http.served import ROOT, TELLERS, Client, Served
from tests.postgres import postgres_server, require_server

pytestmark = [pytest.mark.api, pytest.mark.slow]

BODY = "left-group"
B = f"/api/v1/bodies/{BODY}"
MEETING = "2025-03"
LEAVE_OUT = ("only on three conditions: 1. a principled platform that every candidate of the "
             "slate signs; 2. a candidate of ours in a winnable place on the list; 3. failing "
             "agreement on these conditions, we stand our own slate.")
INSERT = "and will seek a place on it for one of our members."
NOMINATIONS = (("m03", "m04", "m06"), ("m10", "m11", "m13"), ("m05", "m01", "m09"),
               ("m12", "m09", "m14"))  # candidate, proposer, seconder
NAMES = {member: name for member, name, _ in MEMBERS}


def _founded(client: Client, served: Served) -> dict[str, str]:
    """The admin founds the body with Ben Carter (m02) as its secretary, who admits the other
    fourteen; each member redeems their own invite. Every member's access token."""
    admin = client.ok("POST", "/api/v1/auth/token", {"invite": served.admin_invite})
    founded = client.ok("POST", "/api/v1/bodies", {
        "id": BODY, "name": "Left Organising Group", "standing_orders": "citrine",
        "secretary": {"id": "m02", "name": NAMES["m02"]}}, admin["access_token"])
    tokens = {"m02": client.ok("POST", "/api/v1/auth/token",
                               {"invite": founded["secretary_invite"]})["access_token"]}
    for member, name, roles in MEMBERS:
        if member == "m02":
            continue
        admitted = client.ok("POST", f"{B}/members", {"id": member, "name": name,
                                                      "roles": list(roles)}, tokens["m02"])
        assert admitted["member"]["roles"] == sorted(roles)
        exchanged = client.ok("POST", "/api/v1/auth/token",
                              {"invite": admitted["invite"]["invite"]})
        assert exchanged["member"] == member and exchanged["body"] == BODY
        tokens[member] = exchanged["access_token"]
    # the secretary's role comes from the founding; make it explicit as the demo does
    assert client.ok("GET", f"{B}/members/m02")["roles"] == ["member", "secretary"]
    for member, token in tokens.items():  # each token speaks for its own member only
        assert client.ok("GET", "/api/v1/auth/me", token=token)["member"] == member
    return tokens


def _vote(client: Client, tokens: dict[str, str], ballot: str, votes: dict[str, str],
          receipts: dict[str, dict[str, Any]]) -> None:
    for member, choice in votes.items():
        cast = client.ok("POST", f"{B}/ballots/{ballot}/votes", {"choice": choice},
                         tokens[member])
        assert cast["member"] == member and cast["ballot"] == ballot and cast["tracker"] == ""
        receipts[f"{member}-{ballot}"] = cast


def hold_the_meeting(served: Served) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """The whole meeting over HTTP: every member's token, and every receipt by name."""
    client = served.client()
    tokens = _founded(client, served)
    secretary, chair = tokens["m02"], tokens["m01"]
    receipts: dict[str, dict[str, Any]] = {}

    client.ok("POST", f"{B}/meetings", {
        "id": MEETING, "title": "General meeting, March 2025", "chair": "m01",
        "secretary": "m02", "quorum_fraction": "1/3"}, secretary)
    for member, _, _ in MEMBERS[:14]:  # Olu Adeyemi (m15) arrives later
        client.ok("POST", f"{B}/meetings/{MEETING}/attendance", {"member": member}, secretary)
    client.ok("POST", f"{B}/meetings/{MEETING}/start", None, chair)

    moved = client.ok("POST", f"{B}/motions", {
        "id": "slate", "meeting": MEETING, "title": "Conditions for a common left slate",
        "text": MOTION}, tokens["m10"])
    assert moved["motion"]["mover"] == "m10"
    client.ok("POST", f"{B}/motions/slate/second", None, tokens["m11"])
    client.ok("POST", f"{B}/motions/slate/debate", None, chair)

    amended = client.ok("POST", f"{B}/motions/slate/amendments", {
        "id": "slate-a1", "kind": "leave_out_and_insert", "leave_out": LEAVE_OUT,
        "insert": INSERT}, tokens["m03"])
    assert amended["amendment"]["mover"] == "m03"
    client.ok("POST", f"{B}/amendments/slate-a1/second", None, tokens["m04"])
    client.ok("POST", f"{B}/amendments/slate-a1/take", None, chair)
    client.ok("POST", f"{B}/ballots", {"id": "b1", "subject": "slate-a1",
                                       "method": "recorded"}, chair)
    _vote(client, tokens, "b1", AMENDMENT_VOTES, receipts)
    closed = client.ok("POST", f"{B}/ballots/b1/close", {}, chair)
    assert closed["ballot"]["outcome"] == "carried"

    client.ok("POST", f"{B}/meetings/{MEETING}/attendance", {"member": "m15"}, secretary)
    client.ok("POST", f"{B}/ballots", {"id": "b2", "subject": "slate", "method": "recorded"},
              chair)
    _vote(client, tokens, "b2", SUBSTANTIVE_VOTES, receipts)
    closed = client.ok("POST", f"{B}/ballots/b2/close", {}, chair)
    assert closed["ballot"]["outcome"] == "carried"
    motion = client.ok("GET", f"{B}/motions/slate")
    assert motion["state"] == "carried"
    assert "three conditions" in motion["original"]
    assert "three conditions" not in motion["text"] and INSERT in motion["text"]

    called = client.ok("POST", f"{B}/elections", {
        "id": "delegates", "title": "Delegates to the slate talks", "seats": 2,
        "method": "scottish_stv", "meeting": MEETING, "secret": True}, secretary)
    assert called["election"]["stage"] == "nominating"
    for candidate, proposer, seconder in NOMINATIONS:
        client.ok("POST", f"{B}/elections/delegates/nominations",
                  {"candidate": candidate}, tokens[proposer])
        client.ok("POST", f"{B}/elections/delegates/nominations/{candidate}/second", None,
                  tokens[seconder])
    client.ok("POST", f"{B}/elections/delegates/nominations/close", None, secretary)
    for member, ranking in DELEGATE_RANKINGS.items():
        cast = client.ok("POST", f"{B}/elections/delegates/rankings",
                         {"ranking": list(ranking)}, tokens[member])
        assert cast["member"] == member and len(cast["tracker"]) == 64  # a sealed paper
        receipts[f"{member}-delegates"] = cast
    hidden = client.ok("GET", f"{B}/elections/delegates")
    assert hidden["stage"] == "voting" and hidden["elected"] == []  # nothing shown until close
    declared = client.ok("POST", f"{B}/elections/delegates/close", None, secretary)
    # Ciara Doyle reaches the quota on first preferences; Jonah Weiss wins the second seat
    # whichever of Eleni Georgiou and Liam Byrne the lot excludes first.
    assert sorted(declared["election"]["elected"]) == ["m03", "m10"]
    assert declared["election"]["stage"] == "declared"
    client.ok("POST", f"{B}/meetings/{MEETING}/close", None, chair)
    client.close()
    return tokens, receipts


def check_the_record(served: Served, tokens: dict[str, str],
                     receipts: dict[str, dict[str, Any]]) -> None:
    """What the public sees: the watering-down report, the minutes; each member's receipts."""
    client = served.client()
    report = client.ok("GET", f"{B}/motions/slate/report")
    amendment, substantive = report["changes"]
    assert amendment["left_out"] == [" ".join(LEAVE_OUT.split()).removesuffix(".")] \
        or "principled platform" in " ".join(amendment["left_out"])
    assert "seek a place on it" in " ".join(amendment["inserted"])
    assert sorted(amendment["voted_for"]) == sorted(NAMES[m] for m, v in
                                                     AMENDMENT_VOTES.items() if v == "for")
    assert len(amendment["voted_against"]) == 5 and amendment["abstained"] == []
    assert len(substantive["voted_for"]) == 9 and len(substantive["voted_against"]) == 5
    assert substantive["abstained"] == [NAMES["m15"]]
    markdown = client.call("GET", f"{B}/motions/slate/report?format=md")
    assert markdown[0] == 200 and b"Left out" in markdown[1]
    status, minutes = client.call("GET", f"{B}/meetings/{MEETING}/minutes")
    assert status == 200 and b"Conditions for a common left slate" in minutes

    for member, token in tokens.items():  # a member's own receipts: their recorded votes
        own = client.ok("GET", f"{B}/receipts", token=token)["receipts"]
        expected = sorted((r["ballot"], r["entry"], r["receipt"]) for name, r in
                          receipts.items() if "ballot" in r and r["member"] == member)
        assert sorted((r["ballot"], r["entry"], r["receipt"]) for r in own) == expected
    for answer in receipts.values():  # each receipt names the entry the answer said
        assert parse_receipt(answer["receipt"]).index == answer["entry"]
    client.close()


def verify_served(served: Served, receipts: dict[str, dict[str, Any]], where: Path) -> None:
    """``tellers verify http://127.0.0.1:PORT/.../bundles/SIZE/`` with every receipt."""
    client = served.client()
    body = client.ok("GET", B)
    client.close()
    folder = where / "receipts"
    folder.mkdir()
    files = []
    for name, answer in sorted(receipts.items()):
        path = folder / f"{name}.txt"
        path.write_text(answer["receipt"], encoding="utf-8")
        files += ["--receipt", str(path)]
    url = f"http://127.0.0.1:{served.port}{B}/bundles/{body['size']}/"
    run = subprocess.run(
        [*TELLERS, "verify", url, "--key", body["vkey"], "--state-dir", str(where / "state"),
         "--json", *files], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["verified"] is True
    assert report["size"] == body["size"]
    checks = {check["id"]: check for check in report["checks"]}
    assert checks["C-RECEIPT"]["status"] == "pass", checks["C-RECEIPT"]
    assert f"{len(receipts)} receipt" in checks["C-RECEIPT"]["detail"]
    # 13 + 15 recorded votes and 15 sealed papers, all recounted
    assert report["counts"]["votes"] >= 13 + 15 + 15
    # a receipt altered by one entry is refused by the same command
    forged = folder / "forged.txt"
    first = next(iter(sorted(receipts.items())))[1]
    forged.write_text(first["receipt"].replace(f"\nindex {first['entry']}\n",
                                               f"\nindex {first['entry'] + 1}\n", 1),
                      encoding="utf-8")
    assert forged.read_text(encoding="utf-8") != first["receipt"]
    refused = subprocess.run(
        [*TELLERS, "verify", url, "--key", body["vkey"], "--state-dir", str(where / "state"),
         "--receipt", str(forged)], cwd=ROOT, capture_output=True, text=True, timeout=300,
        check=False)
    assert refused.returncode != 0, refused.stdout


def run_everything(where: Path, env: dict[str, str]) -> None:
    instance = where / "instance"
    assert not instance.exists()  # a fresh machine: serve creates what it needs
    with Served(instance, workers=2, env=env) as served:
        assert served.admin_invite, "".join(served.output)
        tokens, receipts = hold_the_meeting(served)
        assert len(tokens) == 15
        assert len(receipts) == len(AMENDMENT_VOTES) + len(SUBSTANTIVE_VOTES) + len(
            DELEGATE_RANKINGS)
        check_the_record(served, tokens, receipts)
        verify_served(served, receipts, where)


def test_the_organising_group_meeting_served_on_sqlite_verifies(tmp_path: Path) -> None:
    run_everything(tmp_path, {"TELLERS_DATABASE_URL": ""})
    assert (tmp_path / "instance" / "tellers.sqlite3").exists()


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    require_server()
    with postgres_server() as url:
        yield url


@pytest.mark.postgres
def test_the_organising_group_meeting_served_on_postgres_verifies(
        tmp_path: Path, postgres: str) -> None:
    admin = create_engine(f"{postgres}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "served_meeting"'))
    admin.dispose()
    run_everything(tmp_path, {"TELLERS_DATABASE_URL": f"{postgres}/served_meeting"})
    assert not list((tmp_path / "instance").rglob("*.sqlite3"))

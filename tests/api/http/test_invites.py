"""Invites handed out: exported as links, or e-mailed through the instance's SMTP server."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import select

from api import create_app
from api.cli import main
from api.db import ContactRow
from tests.api.http.conftest import Service, bearer
from tests.api.http.smtp_server import SmtpServer
from tests.api.http.test_cli_service import fingerprint, founded

MEMBERS = ("id,name,email\nm1,Ann One,ann@example.org\nm2,Bo Two,\n"
           "m3,=Cee,cee@example.org\n")


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def with_members(tmp_path: Path) -> Path:
    where = founded(tmp_path)
    good = tmp_path / "members.csv"
    good.write_text(MEMBERS.replace("=Cee", "Cee Three"), encoding="utf-8")
    result = invoke("members", "import", str(good), "--body", "group", "--instance", str(where))
    assert result.exit_code == 0, result.output
    return where


def rows(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


def signs_in(where: Path, link: str, member: str) -> None:
    token = re.fullmatch(r"https?://[^/]+/join#invite=(\S+)", link)
    assert token is not None, link
    app = create_app({"INSTANCE_PATH": str(where), "TESTING": True})
    try:
        service = Service(app, app.test_client(use_cookies=False))
        me = service.client.get("/api/v1/auth/me",
                                headers=bearer(service.exchange(token.group(1)))).json
        assert me["member"] == member
    finally:
        app.extensions["tellers"].close()


def test_import_keeps_addresses_out_of_the_log_and_refuses_a_bad_one(tmp_path: Path) -> None:
    where = founded(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,email\nm1,Ann,not an address\n", encoding="utf-8")
    before = fingerprint(where)
    result = invoke("members", "import", str(bad), "--body", "group", "--instance", str(where))
    assert result.exit_code == 1 and "row 2: email" in result.output
    assert fingerprint(where) == before
    where = with_members(tmp_path / "again")
    app = create_app({"INSTANCE_PATH": str(where), "TESTING": True})
    try:
        inst = app.extensions["tellers"]
        with inst.engine.connect() as conn:
            kept = dict(conn.execute(select(ContactRow.member, ContactRow.email)).all())
        assert kept == {"m1": "ann@example.org", "m3": "cee@example.org"}
        assert not any(b"example.org" in entry for entry in inst.ledger("group").entry_bytes())
    finally:
        app.extensions["tellers"].close()


def test_exported_links_are_for_those_not_yet_signed_in(tmp_path: Path) -> None:
    where = with_members(tmp_path)
    first = invoke("members", "invites", "--body", "group", "--base-url",
                   "https://vote.example.org", "--instance", str(where))
    assert first.exit_code == 0, first.output
    links = {row["member"]: row for row in rows(first.stdout)}
    assert set(links) == {"m1", "m2", "m3"}  # the secretary signed in as the body was founded
    assert links["m1"]["name"] == "Ann One"
    assert all(r["link"].startswith("https://vote.example.org/join#invite=")
               for r in links.values())
    signs_in(where, links["m2"]["link"], "m2")
    again = invoke("members", "invites", "--body", "group", "--instance", str(where))
    assert {row["member"] for row in rows(again.stdout)} == {"m1", "m3"}
    one = invoke("members", "invites", "--body", "group", "--member", "m2", "--instance",
                 str(where))
    assert [row["member"] for row in rows(one.stdout)] == ["m2"]


def test_invites_refuse_bad_input_and_write_nothing(tmp_path: Path) -> None:
    where = with_members(tmp_path)
    before = fingerprint(where)
    for args, reason in ((["--body", "nobody"], "no body"),
                         (["--body", "group", "--member", "zz"], "not members of group: zz"),
                         (["--body", "group", "--send"], "--send needs SMTP_HOST")):
        result = invoke("members", "invites", *args, "--instance", str(where))
        assert result.exit_code == 1, args
        assert reason in result.output, result.output
        assert fingerprint(where) == before
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke("members", "invites", "--body", "group", "--instance", str(empty))
    assert result.exit_code == 1 and "not an instance folder" in result.output
    assert list(empty.iterdir()) == []
    (where / "config.py").write_text('SMTP_HOST = "127.0.0.1"\nSMTP_FROM = "nobody"\n')
    result = invoke("members", "invites", "--body", "group", "--send", "--instance", str(where))
    assert result.exit_code == 1 and "SMTP_FROM" in result.output
    assert fingerprint(where) == before


def test_invites_are_sent_through_the_smtp_server(tmp_path: Path) -> None:
    where = with_members(tmp_path)
    with SmtpServer(refuse={"cee@example.org"}) as smtp:
        (where / "config.py").write_text(
            f'SMTP_HOST = "127.0.0.1"\nSMTP_PORT = {smtp.port}\n'
            'SMTP_FROM = "secretary@example.org"\nSMTP_STARTTLS = False\n'
            'PUBLIC_URL = "https://vote.example.org"\n')
        result = invoke("members", "invites", "--body", "group", "--send", "--instance",
                        str(where))
    assert result.exit_code == 0, result.output
    assert [(m.sender, m.recipients) for m in smtp.messages] == [
        ("secretary@example.org", ["ann@example.org"])]
    mail = smtp.messages[0].message
    assert mail["Subject"] == "Your invitation to The group"
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    link = re.search(r"https://vote\.example\.org/join#invite=\S+", body.decode())
    assert link is not None
    signs_in(where, link.group(0), "m1")
    # without an address, or refused by the server: the link is printed to pass on
    assert "m2: no e-mail address" in result.stderr
    assert "m3: sending to cee@example.org failed" in result.stderr
    assert {row["member"] for row in rows(result.stdout)} == {"m2", "m3"}


def test_an_address_given_over_the_api_is_kept_and_checked(service: Service) -> None:
    secretary = service.body("group", "sec")
    before = service.fingerprint("group")
    bad = service.post("/api/v1/bodies/group/members", secretary,
                       {"id": "m9", "name": "Nine", "email": "nine at example"})
    assert bad.status_code == 422 and "email" in str(bad.json)
    assert service.fingerprint("group") == before
    good = service.post("/api/v1/bodies/group/members", secretary,
                        {"id": "m9", "name": "Nine", "email": "nine@example.org"})
    assert good.status_code == 201
    with service.instance.engine.connect() as conn:
        assert conn.execute(select(ContactRow.email).where(
            ContactRow.member == "m9")).scalar_one() == "nine@example.org"

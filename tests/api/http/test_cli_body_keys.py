"""``tellers body create``, ``tellers keys rotate`` and ``tellers serve --demo``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api import create_app
from api.cli import main
from api.commands.serve import DEMO_BODY, prepare
from tests.api.http.conftest import Service, bearer


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def fresh(tmp_path: Path) -> Path:
    where = tmp_path / "instance"
    prepare(where, base="http://127.0.0.1:8000", echo=False)
    return where


def files(where: Path) -> dict[str, bytes]:
    return {str(p.relative_to(where)): p.read_bytes() for p in sorted(where.rglob("*"))
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


def test_body_create_prints_the_secretary_invite_link_that_signs_in(tmp_path: Path) -> None:
    where = fresh(tmp_path)
    made = run("body", "create", "club", "--name", "The Club", "--profile", "roberts",
               "--secretary", "ann", "--secretary-name", "Ann", "--instance", str(where))
    assert made.exit_code == 0, made.output
    link = re.search(r"http://127\.0\.0\.1:8000/join#invite=(\S+)", made.output)
    assert link is not None
    app = create_app({"INSTANCE_PATH": str(where), "TESTING": True})
    try:
        service = Service(app, app.test_client(use_cookies=False))
        token = service.exchange(link.group(1))
        me = service.client.get("/api/v1/auth/me", headers=bearer(token)).json
        assert (me["body"], me["member"]) == ("club", "ann")
        body = service.client.get("/api/v1/bodies/club").json
        assert body["standing_orders"] == "roberts" and body["name"] == "The Club"
        assert service.client.get("/api/v1/bodies/club/members/ann").json["roles"] == [
            "member", "secretary"]
    finally:
        app.extensions["tellers"].close()


def test_body_create_refuses_bad_input_and_writes_nothing(tmp_path: Path) -> None:
    where = fresh(tmp_path)
    assert run("body", "create", "club", "--name", "Club", "--instance",
               str(where)).exit_code == 0
    before = files(where)
    for args, reason in (
            (["Bad_Id", "--name", "X"], "lowercase letters"),
            (["ok", "--name", ""], "1 to 200"),
            (["ok", "--name", "X", "--profile", "bourinot"], "bourinot"),
            (["club", "--name", "Again"], "already exists"),
            (["ok", "--name", "X", "--secretary", "has space"], "")):
        result = CliRunner().invoke(main, ["body", "create", *args, "--instance", str(where)])
        assert result.exit_code != 0, args
        assert reason in result.output, result.output
        assert files(where) == before, args
    assert not (where / "bodies" / "ok").exists()
    nowhere = tmp_path / "nowhere"
    result = CliRunner().invoke(main, ["body", "create", "club", "--name", "Club",
                                       "--instance", str(nowhere)])
    assert result.exit_code == 1 and "no instance database" in result.output
    assert not nowhere.exists()


def test_a_rotated_token_key_signs_at_once_and_retiring_refuses_the_old(
        tmp_path: Path) -> None:
    where = fresh(tmp_path)
    app = create_app({"INSTANCE_PATH": str(where), "TESTING": True})
    try:
        service = Service(app, app.test_client(use_cookies=False))
        secretary = service.body("group", "sec")
        old_kid = service.instance.keys.current
        rotated = run("keys", "rotate", "--instance", str(where))
        assert rotated.exit_code == 0 and old_kid in rotated.output
        new = service.admit("group", secretary, "m1")  # the running app signs with the new kid
        kids = service.instance.keys.kids()
        assert kids[0] != old_kid and old_kid in kids
        assert f'"kid":"{kids[0]}"'.encode() in _header(new)
        assert service.client.get("/api/v1/auth/me", headers=bearer(secretary)).status_code == 200
        retired = run("keys", "rotate", "--retire", "--instance", str(where))
        assert retired.exit_code == 0 and old_kid in retired.output
        for token in (secretary, new):  # signed by keys now retired
            refused = service.client.get("/api/v1/auth/me", headers=bearer(token))
            assert refused.status_code == 401
        assert service.instance.keys.kids() == [service.instance.keys.current]
        assert service.client.get("/api/v1/auth/me",
                                  headers=bearer(service.admin())).status_code == 200
    finally:
        app.extensions["tellers"].close()


def _header(token: str) -> bytes:
    import base64

    head = token.split(".")[0]
    return base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))


def test_keys_rotate_refuses_a_body_and_a_folder_without_keys(tmp_path: Path) -> None:
    where = fresh(tmp_path)
    before = files(where)
    result = CliRunner().invoke(main, ["keys", "rotate", "--body", "group", "--instance",
                                       str(where)])
    assert result.exit_code == 2 and "log key is not rotated" in result.output
    assert files(where) == before
    empty = tmp_path / "empty"
    result = CliRunner().invoke(main, ["keys", "rotate", "--instance", str(empty)])
    assert result.exit_code == 1 and "no token keys" in result.output
    assert not empty.exists()


def test_serve_demo_loads_the_meeting_once(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    where = tmp_path / "instance"
    first = CliRunner().invoke(main, ["serve", "--demo", "--port", "0", "--instance",
                                      str(where), "--help"])
    assert "--demo" in first.output
    prepare(where, base="http://h", demo=True, echo=False)
    app = create_app({"INSTANCE_PATH": str(where), "TESTING": True})
    try:
        service = Service(app, app.test_client(use_cookies=False))
        body = service.client.get(f"/api/v1/bodies/{DEMO_BODY}").json
        assert body["members"] == 15 and body["name"] == "Left Organising Group"
        size = body["size"]
        slate = service.client.get(f"/api/v1/bodies/{DEMO_BODY}/motions/slate").json
        assert slate["state"] == "carried"
    finally:
        app.extensions["tellers"].close()
    capsys.readouterr()
    prepare(where, base="http://h", demo=True)  # a restart with --demo
    assert f"demo body {DEMO_BODY}  (already loaded" in capsys.readouterr().out
    app = create_app({"INSTANCE_PATH": str(where), "TESTING": True})
    try:
        client = app.test_client()
        assert client.get(f"/api/v1/bodies/{DEMO_BODY}").json["size"] == size
        assert [b["id"] for b in client.get("/api/v1/bodies").json] == [DEMO_BODY]
    finally:
        app.extensions["tellers"].close()


@pytest.mark.slow
def test_the_served_demo_body_verifies_over_http(tmp_path: Path) -> None:
    import subprocess

    from tests.api.http.served import ROOT, TELLERS, Served

    where = tmp_path / "instance"
    prepare(where, base="http://h", demo=True, echo=False)
    with Served(where, workers=1) as served:
        client = served.client()
        try:
            body = client.ok("GET", f"/api/v1/bodies/{DEMO_BODY}")
        finally:
            client.close()
        base = f"http://127.0.0.1:{served.port}/api/v1/bodies/{DEMO_BODY}"
        verified = subprocess.run(
            [*TELLERS, "verify", f"{base}/bundles/{body['size']}/", "--key", body["vkey"],
             "--state-dir", str(tmp_path / "state")],
            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "OK: every check holds" in verified.stdout


def test_upgrading_an_older_database_keeps_its_bodies_with_turnout_hidden(
        tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    from api.db import _config, registry_engine, write

    where = tmp_path / "instance"
    where.mkdir()
    engine = registry_engine(f"sqlite:///{where / 'tellers.sqlite3'}")
    with write(engine) as conn:
        command.upgrade(_config(conn), "r0001")
    with write(engine) as conn:
        conn.execute(text("INSERT INTO bodies (id, name, origin, created_at) VALUES "
                          "('old', 'Old', 'x/old', '2025-01-01T00:00:00Z')"))
    engine.dispose()
    upgraded = run("db", "upgrade", "--instance", str(where))
    assert "schema upgraded from r0001" in upgraded.output
    engine = registry_engine(f"sqlite:///{where / 'tellers.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT show_turnout FROM bodies")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM contacts")).scalar_one() == 0
    engine.dispose()

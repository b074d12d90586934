"""``tellers serve``, ``tellers db`` and ``tellers members import`` on a real instance folder."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from api import create_app
from api.cli import main
from api.db import SchemaBehind, registry_engine
from tests.api.http.conftest import Service

MEMBERS_CSV = "\ufeffid,name,weight,section,roles\nm1,Ann One,1,,member\nm2,Bo Two,,,member;chair\n"


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_db_upgrade_and_status(tmp_path: Path) -> None:
    where = tmp_path / "instance"
    assert run("db", "status", "--instance", str(where)).exit_code == 1
    first = run("db", "upgrade", "--instance", str(where))
    assert first.exit_code == 0 and "upgraded from nothing" in first.output
    assert run("db", "status", "--instance", str(where)).exit_code == 0
    again = run("db", "upgrade", "--instance", str(where))
    assert "current" in again.output


def test_a_schema_behind_is_refused(tmp_path: Path) -> None:
    where = tmp_path / "instance"
    assert run("db", "upgrade", "--instance", str(where)).exit_code == 0
    engine = registry_engine(f"sqlite:///{where / 'tellers.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'r0000'"))
    engine.dispose()
    with pytest.raises(SchemaBehind, match="tellers db upgrade"):
        create_app({"INSTANCE_PATH": str(where)})
    result = CliRunner().invoke(main, ["serve", "--instance", str(where)])
    assert result.exit_code != 0
    assert "tellers db upgrade" in result.output


def founded(tmp_path: Path) -> Path:
    """An instance folder with the body ``group`` founded by its secretary ``sec``."""
    where = tmp_path / "instance"
    app = create_app({"INSTANCE_PATH": str(where), "TESTING": True})
    Service(app, app.test_client(use_cookies=False)).body("group", "sec")
    app.extensions["tellers"].close()
    return where


def fingerprint(where: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(where.rglob("*.sqlite3")))


def test_members_import_checks_every_row_and_writes_nothing_on_error(tmp_path: Path) -> None:
    where = founded(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,weight,roles\nm1,Ann,1,member\nm1,Twice,1,member\n"
                   "m3,=cmd(),1,member\nm4,Dee,heavy,member\nm5,Eve,1,king\n", encoding="utf-8")
    before = fingerprint(where)
    result = CliRunner().invoke(main, ["members", "import", str(bad), "--body", "group",
                                       "--instance", str(where)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("row 3: ") and "already a member" in line for line in lines)
    assert any(line.startswith("row 4: name") for line in lines)
    assert any(line.startswith("row 5: weight") for line in lines)
    assert any(line.startswith("row 6: ") and "unknown role" in line for line in lines)
    assert not any(line.startswith("row 2") for line in lines)
    assert "nothing written" in result.output
    assert fingerprint(where) == before

    alike = tmp_path / "alike.csv"  # a Cyrillic a (U+0430) in the secretary's name; 0 for O
    alike.write_text("id,name\nm7,S\u0430m Secretary\nm8,Ann Other\nm9,Ann 0ther\n",
                     encoding="utf-8")
    result = CliRunner().invoke(main, ["members", "import", str(alike), "--body", "group",
                                       "--instance", str(where)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("row 2: name") and "'sec'" in line for line in lines)
    assert any(line.startswith("row 4: name") and "'m8'" in line for line in lines)
    assert not any(line.startswith("row 3") for line in lines)
    assert fingerprint(where) == before

    header = tmp_path / "header.csv"
    header.write_text("id,nom\nm1,Ann\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["members", "import", str(header), "--body", "group",
                                       "--instance", str(where)])
    assert result.exit_code == 1 and "row 1:" in result.output


def test_members_import_dry_run_then_for_real(tmp_path: Path) -> None:
    where = founded(tmp_path)
    good = tmp_path / "members.csv"
    good.write_text(MEMBERS_CSV, encoding="utf-8")
    before = fingerprint(where)
    dry = CliRunner().invoke(main, ["members", "import", str(good), "--body", "group",
                                    "--dry-run", "--instance", str(where)])
    assert dry.exit_code == 0, dry.output
    assert "2 members would be admitted" in dry.output
    assert fingerprint(where) == before
    real = CliRunner().invoke(main, ["members", "import", str(good), "--body", "group",
                                     "--instance", str(where)])
    assert real.exit_code == 0, real.output
    rows = [line.split(",") for line in real.stdout.splitlines()]
    assert rows[0] == ["member", "invite", "expires_at"]
    invites = {row[0]: row[1] for row in rows[1:]}
    assert set(invites) == {"m1", "m2"}
    app = create_app({"INSTANCE_PATH": str(where), "TESTING": True})
    service = Service(app, app.test_client(use_cookies=False))
    token = service.exchange(invites["m2"])
    me = service.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["member"] == "m2"
    member = service.client.get("/api/v1/bodies/group/members/m2").json
    assert member["roles"] == ["chair", "member"]
    app.extensions["tellers"].close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(method: str, url: str, body: Any = None, token: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.slow
def test_serve_on_a_fresh_instance_then_verify_over_http(tmp_path: Path) -> None:
    where = tmp_path / "fresh"
    port = _free_port()
    tellers = [sys.executable, "-c", "from api.cli import main; main()"]
    process = subprocess.Popen(
        [*tellers, "serve", "--instance", str(where), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        output = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if line.startswith("serving"):
                break
        shown = "".join(output)
        assert f"instance  {where.resolve()}  (created)" in shown, shown
        assert "(schema created)" in shown
        invite = re.search(r"admin invite \(single use, until [^)]+\): (\S+)", shown)
        assert invite is not None, shown
        base = f"http://127.0.0.1:{port}/api/v1"
        for _ in range(100):  # waitress may still be binding after the line is printed
            try:
                _call("GET", f"{base}/bodies")
                break
            except OSError:
                time.sleep(0.1)
        admin = _call("POST", f"{base}/auth/token", {"invite": invite.group(1)})["access_token"]
        body = _call("POST", f"{base}/bodies", {"id": "club", "name": "The Club",
                                                "secretary": {"id": "sec", "name": "S"}}, admin)
        assert (where / "bodies" / "club" / "log.key").stat().st_mode & 0o077 == 0
        assert (where / "keys").stat().st_mode & 0o077 == 0
        secretary = _call("POST", f"{base}/auth/token",
                          {"invite": body["secretary_invite"]})["access_token"]
        _call("POST", f"{base}/bodies/club/members", {"id": "m1", "name": "One"}, secretary)
        size = _call("GET", f"{base}/bodies/club")["size"]
        assert size == 3
        verified = subprocess.run(
            [*tellers, "verify", f"{base}/bodies/club/bundles/{size}/", "--key", body["vkey"],
             "--state-dir", str(tmp_path / "state")],
            capture_output=True, text=True, timeout=120)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "OK: every check holds" in verified.stdout
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()

"""``tellers db rebuild``: the derived data recreated from each body's log, the same answers."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from flask import Flask

from api import create_app
from api.cli import main
from api.commands.serve import DEMO_BODY, prepare
from tests.api.http.conftest import Service, bearer

FILLS = {"body": DEMO_BODY, "meeting": "2025-03", "motion": "slate", "amendment": "slate-a1",
         "ballot": "b1", "election": "delegates", "member": "m03", "procedural": "none",
         "size": "40", "name": "bundle.json", "filename": "tellers.css", "index": "3",
         "petition": "none", "candidate": "m03"}
QUERIES = {"/log/entries": "?after=-1&limit=1000", "/log/proofs/inclusion": "?index=3",
           "/log/proofs/consistency": "?old=3&new=40"}


def paths(app: Flask) -> list[str]:
    """Every GET route of the app (from its url_map), made concrete on the demo body."""
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.endswith("/docs"):
            continue
        path = rule.rule
        for name, value in FILLS.items():
            for converter in ("", "int:", "path:"):
                path = path.replace(f"<{converter}{name}>", value)
        assert "<" not in path, rule.rule
        found.append(path + next((q for end, q in QUERIES.items() if path.endswith(end)), ""))
    return sorted(found)


def answers(where: Path) -> dict[str, tuple[int, bytes]]:
    """Every GET answer, as the admin (a member's own routes refuse the admin, alike)."""
    app = create_app({"INSTANCE_PATH": str(where), "TESTING": True, "STREAM_SECONDS": 0})
    try:
        service = Service(app, app.test_client(use_cookies=False))
        admin = bearer(service.admin())
        found = {}
        for path in paths(app):
            response = service.client.get(path, headers=admin)
            # a page's CSRF token is drawn afresh for each new browser session (api.web.signin)
            data = re.sub(rb'name="csrf" value="[^"]*"', b'name="csrf" value=""',
                          response.get_data())
            found[path] = (response.status_code, data)
            response.close()
        return found
    finally:
        app.extensions["tellers"].close()


def columns(where: Path) -> list[Any]:
    with sqlite3.connect(where / "bodies" / DEMO_BODY / "tellers.sqlite3") as conn:
        return conn.execute("SELECT seq, type, time FROM entries ORDER BY seq").fetchall()


def blank(where: Path, sql: str = "UPDATE entries SET type = '', time = ''") -> None:
    conn = sqlite3.connect(where / "bodies" / DEMO_BODY / "tellers.sqlite3")
    with conn:
        conn.execute(sql)
    conn.close()


def test_rebuild_recreates_the_derived_columns_and_every_answer_stays(tmp_path: Path) -> None:
    where = tmp_path / "instance"
    prepare(where, base="http://h", demo=True, echo=False)
    before = answers(where)
    assert before == answers(where)  # asking changes nothing (the head is published once)
    assert sum(status == 200 for status, _ in before.values()) >= 15
    assert before[f"/api/v1/bodies/{DEMO_BODY}/motions/slate"][0] == 200
    kept = columns(where)
    blank(where)
    assert columns(where) != kept
    result = CliRunner().invoke(main, ["db", "rebuild", "--instance", str(where)])
    assert result.exit_code == 0, result.output
    assert f"{DEMO_BODY}: {len(kept)} entries checked, {len(kept)} rows'" in result.output
    assert columns(where) == kept
    assert answers(where) == before
    again = CliRunner().invoke(main, ["db", "rebuild", "--instance", str(where)])
    assert "0 rows' derived columns rewritten" in again.output


def test_rebuild_refuses_a_damaged_log_or_an_unknown_body_and_rewrites_nothing(
        tmp_path: Path) -> None:
    where = tmp_path / "instance"
    prepare(where, base="http://h", demo=True, echo=False)
    blank(where)
    blanked = columns(where)
    unknown = CliRunner().invoke(main, ["db", "rebuild", "--body", "nobody", "--instance",
                                        str(where)])
    assert unknown.exit_code == 1 and "no such body here: nobody" in unknown.output
    blank(where, "UPDATE entries SET data = CAST(REPLACE(CAST(data AS TEXT), 'Carter', "
                 "'Karter') AS BLOB) WHERE seq = 1")
    with sqlite3.connect(where / "bodies" / DEMO_BODY / "tellers.sqlite3") as conn:
        assert b"Karter" in conn.execute("SELECT data FROM entries WHERE seq = 1").fetchone()[0]
    damaged = CliRunner().invoke(main, ["db", "rebuild", "--instance", str(where)])
    assert damaged.exit_code == 1
    assert "nothing rewritten" in damaged.output
    assert columns(where) == blanked
    nowhere = CliRunner().invoke(main, ["db", "rebuild", "--instance", str(tmp_path / "no")])
    assert nowhere.exit_code == 1 and not (tmp_path / "no").exists()

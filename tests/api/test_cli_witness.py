"""``tellers witness``: cosign only a log that grew; refuse a fork or a rollback."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from api.cli import main
from api.demo_meeting import commands
from api.ledger import Ledger
from voting import commands as c

ORIGIN = "test.tellers.invalid/witnessed"
AT = "2026-04-01T10:00:00Z"


def bundle_of(ledger: Ledger, path: Path) -> Path:
    ledger.write_bundle(path)  # publishes a checkpoint at the head first
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_a_witness_cosigns_growth_and_refuses_a_fork_and_a_rollback(tmp_path: Path) -> None:
    first = tmp_path / "log"
    ledger = Ledger.open(first, origin=ORIGIN)
    for command in commands():
        ledger.submit(command)
    ledger.close()
    shutil.copytree(first, tmp_path / "fork")  # the same key and history, then a second branch
    ledger = Ledger.open(first, origin=ORIGIN)
    fork = Ledger.open(tmp_path / "fork", origin=ORIGIN)
    key = ledger.vkey
    before = bundle_of(ledger, tmp_path / "b-before")

    code, vkey = run("witness", "init", "--dir", str(tmp_path / "w"), "--name", "aud.example/w")
    assert code == 0
    vkey = vkey.strip()
    code, out = run("witness", "cosign", str(before), "--dir", str(tmp_path / "w"),
                    "--log-key", key, "--into-bundle")  # fmt: skip
    assert code == 0, out
    code, out = run("verify", str(before), "--key", key, "--witness", vkey,
                    "--state-dir", str(tmp_path / "member"))  # fmt: skip
    assert code == 0, out
    assert "1 of 1 pinned witnesses cosigned" in out

    ledger.submit(c.SuspendMember(AT, "m02", member="m13", reason="arrears"))
    fork.submit(c.SuspendMember(AT, "m02", member="m14", reason="arrears"))
    grown = bundle_of(ledger, tmp_path / "b-grown")
    forked = bundle_of(fork, tmp_path / "b-forked")
    code, out = run("witness", "cosign", str(grown), "--dir", str(tmp_path / "w"), "--log-key", key)
    assert code == 0, out

    memory = (tmp_path / "w" / "witness.state.json").read_bytes()
    # Same size, another root: the witness has seen the log fork and says so.
    code, out = run(
        "witness", "cosign", str(forked), "--dir", str(tmp_path / "w"), "--log-key", key
    )
    assert code == 1
    assert "REFUSED" in out and "forked" in out
    # A smaller log than the one cosigned: refused too.
    code, out = run(
        "witness", "cosign", str(before), "--dir", str(tmp_path / "w"), "--log-key", key
    )
    assert code == 1
    assert "REFUSED" in out
    # Neither refusal changed what the witness remembers.
    assert (tmp_path / "w" / "witness.state.json").read_bytes() == memory
    ledger.close()
    fork.close()


def test_cosigning_without_a_key_or_with_a_bad_log_key_is_a_usage_error(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path / "log", origin=ORIGIN)
    ledger.submit(c.FoundBody(AT, "s", name="Branch"))
    bundle = bundle_of(ledger, tmp_path / "b")
    code, out = run("witness", "cosign", str(bundle), "--dir", str(tmp_path / "none"),
                    "--log-key", ledger.vkey)  # fmt: skip
    assert code == 2 and "tellers witness init" in out
    run("witness", "init", "--dir", str(tmp_path / "w"), "--name", "aud.example/w")
    code, out = run("witness", "cosign", str(bundle), "--dir", str(tmp_path / "w"),
                    "--log-key", "not-a-key")  # fmt: skip
    assert code == 2
    code, out = run("witness", "init", "--dir", str(tmp_path / "w"), "--name", "aud.example/w")
    assert code == 2 and "keeps its key" in out
    ledger.close()

"""``tellers witness``: an independent scrutineer cosigns a body's checkpoints.

A witness (elected auditors, a partner organisation) keeps its own key and
remembers the last checkpoint it cosigned for each log. ``tellers witness
cosign`` checks the bundle's latest checkpoint is signed by the log's key and
is consistent with that memory (RFC 9162 §2.1.4: the log only grew), then
cosigns it in the c2sp.org/tlog-cosignature format. A log that rewrote or
forked its history is refused, and the refusal is the alarm. Members then ask
``tellers verify --witness VKEY`` for a result to count as final.

    tellers witness init --dir W --name auditors.example.org/witness
    tellers witness cosign BUNDLE --dir W --log-key VKEY --into-bundle
"""

from __future__ import annotations

import secrets
import sys
import time
from pathlib import Path

import click

from api.commands.verify import BadBundle, key_text
from api.witness_state import FileWitnessState
from audit.bundle import BundleError, parse_cosignatures, read_bundle, write_bundle
from audit.checkpoint import parse_checkpoint
from audit.cosignature import Cosigner
from audit.errors import AuditError
from audit.merkle import Frontier, consistency_proof, leaf_hash
from audit.note import Ed25519Verifier, parse_note
from audit.store import MemoryStore
from audit.witness import Witness

__all__ = ["witness"]

KEY_FILE = "witness.key"
STATE_FILE = "witness.state.json"


@click.group()
def witness() -> None:
    """Cosign a body's checkpoints as an independent witness."""


@witness.command()
@click.option("--dir", "directory", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", required=True, help="The witness's name, e.g. auditors.example.org/w1.")
def init(directory: Path, name: str) -> None:
    """Make a witness key in DIR and print its verifier key for members to pin."""
    directory.mkdir(parents=True, exist_ok=True)
    key_path = directory / KEY_FILE
    if key_path.exists():
        raise click.UsageError(f"{key_path} exists: a witness keeps its key")
    seed = secrets.token_bytes(32)
    try:
        cosigner = Cosigner.from_seed(name, seed)
    except AuditError as error:
        raise click.UsageError(str(error)) from error
    key_path.touch(mode=0o600)
    key_path.write_text(f"{name}\n{seed.hex()}\n", encoding="utf-8")
    click.echo(cosigner.vkey())


def _cosigner(directory: Path) -> Cosigner:
    try:
        name, seed = (directory / KEY_FILE).read_text(encoding="utf-8").split()
        return Cosigner.from_seed(name, bytes.fromhex(seed))
    except (OSError, ValueError) as error:
        raise BadBundle(f"no witness key in {directory}: run 'tellers witness init'") from error


@witness.command()
@click.argument("bundle_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dir", "directory", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--log-key", required=True,
              help="The log's verifier key as the body published it (or a file holding it).")
@click.option("--into-bundle", is_flag=True, help="Add the cosignature to the bundle.")
def cosign(bundle_dir: Path, directory: Path, log_key: str, into_bundle: bool) -> None:
    """Cosign the latest checkpoint of BUNDLE_DIR if the log only grew since the last one.

    Exits 0 with the cosignature, 1 when the witness refuses (a fork, a rollback, a bad
    signature), 2 when the bundle, the key or the witness's folder cannot be read.
    """
    cosigner = _cosigner(directory)
    log_key = key_text(log_key, "--log-key")
    try:
        log = Ed25519Verifier.from_vkey(log_key)
    except AuditError as error:
        raise BadBundle(f"--log-key: {error}") from None
    try:
        bundle = read_bundle(bundle_dir)
    except BundleError as error:
        raise BadBundle(str(error)) from None
    if not bundle.checkpoints:
        raise BadBundle(f"{bundle_dir} holds no checkpoint")
    note = bundle.checkpoints[-1].decode("utf-8", errors="replace")
    state = FileWitnessState(directory / STATE_FILE)
    w = Witness(cosigner, {log.name: [log]}, state)
    try:
        checkpoint = parse_checkpoint(parse_note(note).text)
        last = w.latest(checkpoint.origin)
        old = 0 if last is None else last.size
        if checkpoint.size > len(bundle.entries):
            raise AuditError(
                f"the checkpoint covers {checkpoint.size} entries, the bundle has "
                f"{len(bundle.entries)}"
            )
        proof = _proof(bundle.entries[: checkpoint.size], old) if last is not None else []
        signature = w.add_checkpoint(note, old, proof, int(time.time()))
    except AuditError as error:
        click.echo(f"REFUSED: {error}", err=True)
        sys.exit(1)
    line = signature.line()
    click.echo(line)
    if into_bundle:
        cosigned = {
            k: list(v) for k, v in parse_cosignatures(bundle.files.get("cosignatures", b"")).items()
        }
        cosigned.setdefault(checkpoint.size, []).append(line)
        vkeys = list(bundle.witness_vkeys)
        if cosigner.vkey() not in vkeys:
            vkeys.append(cosigner.vkey())
        write_bundle(
            bundle_dir,
            entries=bundle.entries,
            checkpoints=[c.decode("utf-8") for c in bundle.checkpoints],
            vkey=bundle.vkey or log_key,
            cosigned=cosigned,
            witness_vkeys=vkeys,
            minutes=bundle.minutes,
        )


def _proof(entries: tuple[bytes, ...], old_size: int) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(old_size, D[n]) over the bundle's own entries."""
    store = MemoryStore()
    frontier = Frontier()
    for index, data in enumerate(entries):
        store.append_hashes(index, frontier.append(leaf_hash(data)))
    return consistency_proof(store, old_size, len(entries))

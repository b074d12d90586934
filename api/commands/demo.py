"""``tellers demo [--bundle DIR] [--receipts DIR] [--instance DIR]``: the meeting, end to end.

Runs the organising group's meeting (``api.demo_meeting``) through a ledger
on the embedded SQLite store: every command decided by the pure core, every
event stored and appended to the signed Merkle log. Prints the minutes, what
the amendment took out, and the log's checkpoint; with ``--bundle`` writes
the verification bundle a member checks with ``tellers verify`` (with the minutes of
the meeting as published); with
``--receipts`` writes the receipt each voter was given as their vote was
logged (c2sp.org/tlog-proof), one file per vote, ``<member>-<entry>.proof``;
a sealed ranking's receipt carries the random tracker the ledger drew for
the paper and the voter's mark key.

Each instance's log has an origin of its own (:func:`demo_origin`): a random
suffix is drawn when the instance is created and kept in the instance folder
with the log key, whose name the origin is. So two demos on one machine are
two logs, and a member's verifier, which pins one key per origin, checks both.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

import click

from api.demo_meeting import commands
from api.ledger import Ledger
from audit.bundle import BundleError, check_bundle_target
from voting import events as ev
from voting.minutes import minutes_of
from voting.report import watered_down

__all__ = ["ORIGIN", "demo", "demo_origin"]

ORIGIN = "demo.tellers.invalid/left-organising-group"
"""The stem of every demo log's origin; each instance adds its own suffix."""


def demo_origin(suffix: str | None = None) -> str:
    """The origin of a new demo instance: :data:`ORIGIN`, ``/`` and 12 random hex digits
    (``suffix`` when given). An origin names one log alone (c2sp.org/tlog-checkpoint), and a
    verifier pins one key per origin, so no two instances may share one."""
    return f"{ORIGIN}/{suffix if suffix is not None else secrets.token_hex(6)}"


@click.command()
@click.option(
    "--bundle",
    "bundle_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the verification bundle to this directory.",
)
@click.option(
    "--receipts",
    "receipts_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each voter's receipts to this directory, one file per vote.",
)
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the store and keys here (default: a fresh temporary directory).",
)
def demo(bundle_dir: Path | None, receipts_dir: Path | None, instance: Path | None) -> None:
    """Run the organising-group meeting on the embedded store, with the signed log."""
    _check_targets(bundle_dir, receipts_dir)
    with tempfile.TemporaryDirectory(prefix="tellers-demo-") as scratch:
        where = instance if instance is not None else Path(scratch)
        if instance is not None and (instance / "tellers.sqlite3").exists():
            raise click.UsageError(f"{instance} already holds a ledger; give an empty directory")
        # A new instance gets its own origin; the ledger keeps it in the instance folder, as
        # the name of the log key it creates there (an existing key keeps its own).
        ledger = Ledger.open(where, origin=demo_origin())
        try:
            receipts: dict[str, str] = {}
            voters: set[str] = set()
            for command in commands():  # the ledger fills in the lot's seed
                submitted = ledger.submit(command)
                for index, event in zip(submitted.indices, submitted.events, strict=True):
                    if type(event) in ev.VOTES:  # the voter is given a receipt as it is logged
                        voters.add(command.by)
                        receipts[f"{command.by}-{index}.proof"] = ledger.receipt(
                            index, tracker=submitted.tracker, mark_key=submitted.mark_key,
                            member_key=submitted.member_key)
            events = ledger.events()
            state = ledger.state
            minutes = minutes_of(state, events)
            click.echo(minutes.markdown())
            click.echo(watered_down(state, events, "slate"))
            latest = ledger.checkpoint()
            click.echo("## The log")
            click.echo("")
            click.echo(f"{ledger.log.size} entries, signed by {ledger.vkey}")
            click.echo("")
            click.echo(latest.note)
            if bundle_dir is not None:
                ledger.write_bundle(bundle_dir)
                click.echo(f"Bundle written to {bundle_dir}: check it with")
                click.echo(f"  tellers verify {bundle_dir} --key '{ledger.vkey}'")
                click.echo("and read the minutes it proves with")
                click.echo(f"  tellers minutes {bundle_dir} --key '{ledger.vkey}'")
            if receipts_dir is not None:
                receipts_dir.mkdir(parents=True, exist_ok=True)
                for name, receipt in receipts.items():
                    (receipts_dir / name).write_text(receipt, encoding="utf-8")
                click.echo(f"{len(receipts)} receipts for {len(voters)} voters written to "
                           f"{receipts_dir}; a member checks theirs with")
                click.echo(f"  tellers verify {bundle_dir or 'BUNDLE'} --key '{ledger.vkey}' "
                           "--member ID --receipt FILE")
        finally:
            ledger.close()


def _check_targets(bundle_dir: Path | None, receipts_dir: Path | None) -> None:
    """Refuse output places that cannot be written before the meeting is held, so that a bad
    option changes nothing (no instance is created, no ledger written)."""
    if bundle_dir is not None:
        try:
            check_bundle_target(bundle_dir)
        except BundleError as exc:
            raise click.UsageError(f"--bundle: {exc}") from None
    if receipts_dir is not None and receipts_dir.exists() and any(receipts_dir.iterdir()):
        raise click.UsageError(f"--receipts: {receipts_dir} is not empty; give an empty "
                               "directory, so that only this meeting's receipts are there")

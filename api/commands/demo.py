"""``tellers demo [--bundle DIR] [--instance DIR]``: the organising group's meeting, end to end.

Runs the demo meeting (``api.demo_meeting``) through a ledger on the
embedded SQLite store: every command decided by the pure core, every event
stored and appended to the signed Merkle log. Prints the minutes, what the
amendment took out, and the log's checkpoint; with ``--bundle`` writes the
verification bundle a member checks with ``tellers verify``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from api.demo_meeting import commands
from api.ledger import Ledger
from voting.minutes import render_minutes
from voting.report import watered_down

__all__ = ["demo"]

ORIGIN = "demo.tellers.invalid/left-organising-group"


@click.command()
@click.option(
    "--bundle",
    "bundle_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the verification bundle to this directory.",
)
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the store and keys here (default: a fresh temporary directory).",
)
def demo(bundle_dir: Path | None, instance: Path | None) -> None:
    """Run the organising-group meeting on the embedded store, with the signed log."""
    with tempfile.TemporaryDirectory(prefix="tellers-demo-") as scratch:
        where = instance if instance is not None else Path(scratch)
        if instance is not None and (instance / "tellers.sqlite3").exists():
            raise click.UsageError(f"{instance} already holds a ledger; give an empty directory")
        ledger = Ledger.open(where, origin=ORIGIN)
        try:
            for command in commands(lambda: ledger.log.root().hex()):
                ledger.submit(command)
            events = ledger.events()
            state = ledger.state
            click.echo(render_minutes(state, events))
            click.echo(watered_down(state, events, "slate"))
            latest = ledger.checkpoint()
            click.echo("## The log")
            click.echo("")
            click.echo(f"{ledger.log.size} entries, signed by {ledger.vkey}")
            click.echo("")
            click.echo(latest.note)
            if bundle_dir is not None:
                from audit.bundle import write_bundle

                write_bundle(
                    bundle_dir,
                    entries=ledger.entry_bytes(),
                    checkpoints=list(ledger.checkpoints()),
                    vkey=ledger.vkey,
                )
                click.echo(f"Bundle written to {bundle_dir}: check it with")
                click.echo(f"  tellers verify {bundle_dir} --key '{ledger.vkey}'")
        finally:
            ledger.close()

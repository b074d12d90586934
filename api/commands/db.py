"""``tellers db upgrade|status``: the instance database's schema (Alembic, shipped inside)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from api.commands.instance_option import default_instance, instance_option
from api.db import current_revision, head_revision, registry_engine, upgrade

__all__ = ["db"]


def _url(instance_dir: Path) -> str:
    return os.environ.get("TELLERS_DATABASE_URL") or f"sqlite:///{instance_dir / 'tellers.sqlite3'}"


@click.group()
def db() -> None:
    """The instance database's schema."""


@db.command("upgrade")
@instance_option
def upgrade_command(instance_dir: Path | None) -> None:
    """Bring the instance database to this version's schema."""
    where = (instance_dir or default_instance()).resolve()
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = registry_engine(_url(where))
    try:
        before = current_revision(engine)
        after = upgrade(engine)
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"{where}: the schema is current ({after})")
    else:
        click.echo(f"{where}: schema upgraded from {before or 'nothing'} to {after}")


@db.command("status")
@instance_option
def status_command(instance_dir: Path | None) -> None:
    """Say whether the instance database's schema is current; exit 1 when it is not."""
    where = (instance_dir or default_instance()).resolve()
    head = head_revision()
    if "TELLERS_DATABASE_URL" not in os.environ and not (where / "tellers.sqlite3").exists():
        click.echo(f"{where}: no database yet; this version's schema is {head}")
        raise SystemExit(1)
    engine = registry_engine(_url(where))
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    click.echo(f"{where}: schema {current or 'none'}, this version's is {head}")
    if current != head:
        raise SystemExit(1)

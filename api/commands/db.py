"""``tellers db upgrade|status|rebuild``: the instance database (Alembic, shipped inside).

``rebuild`` recreates what is stored only as a cache of each body's log, from
the log: the service answers every query from the state each worker folds from
the log in memory (caught up from the store, :mod:`api.ledger`), so the one
derived data kept on disk is the index columns beside each entry (its ``type``
and ``time``, copied out of the entry's canonical bytes when it was
appended). Rebuild first checks every body's log (each entry against its leaf
hash, dense from 0; the replay through the rules; the tree against the last
signed checkpoint), then rewrites those columns from the entries, so the
answers are the same before and after. A log that fails a check is refused and
nothing is rewritten anywhere: damage to the log itself is not a cache to
recreate, and is for ``tellers verify`` and a backup.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from sqlalchemy import select, update

from api.commands.instance_option import default_instance, instance_option
from api.db import current_revision, head_revision, registry_engine, upgrade
from api.instance import Instance
from api.storage import entries
from audit.canonical import parse
from audit.merkle import leaf_hash

__all__ = ["db", "rebuild_command"]


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


@db.command("rebuild")
@click.option("--body", "body_ids", multiple=True, metavar="ID",
              help="Only this body (repeat it); default: every body.")
@instance_option
def rebuild_command(body_ids: tuple[str, ...], instance_dir: Path | None) -> None:
    """Check each body's log and recreate its derived columns from it (all or nothing)."""
    where = (instance_dir or default_instance()).resolve()
    if not (where / "tellers.sqlite3").exists() and "TELLERS_DATABASE_URL" not in os.environ:
        raise click.ClickException(f"{where} holds no instance database")
    instance = Instance(where, database_url=os.environ.get("TELLERS_DATABASE_URL"))
    try:
        if instance.schema() != "current":
            raise click.ClickException(f"the database of {where} is not at this version's "
                                       "schema: run `tellers db upgrade` first")
        known = {info.id for info in instance.bodies()}
        unknown = [b for b in body_ids if b not in known]
        if unknown:
            raise click.ClickException(f"no such body here: {', '.join(unknown)}")
        chosen = sorted(set(body_ids) or known)
        fixes: dict[str, list[dict[str, object]]] = {}
        for body in chosen:  # every check first: nothing is written unless all pass
            try:
                ledger = instance.ledger(body)  # replays, checks the tree against its checkpoint
            except Exception as exc:
                raise click.ClickException(f"{body}: the log does not check ({exc}); "
                                           "nothing rewritten") from None
            fixes[body] = []
            with ledger.store.reader.connect() as conn:
                rows = conn.execute(select(entries.c.seq, entries.c.type, entries.c.time,
                                           entries.c.data, entries.c.leaf_hash)
                                    .order_by(entries.c.seq)).all()
            for expected, row in enumerate(rows):
                if row.seq != expected or leaf_hash(row.data) != row.leaf_hash:
                    raise click.ClickException(
                        f"{body}: stored entry {row.seq} does not match its leaf hash; "
                        "nothing rewritten")
                entry = parse(row.data)
                if not isinstance(entry, dict):
                    raise click.ClickException(f"{body}: stored entry {row.seq} is not an "
                                               "entry; nothing rewritten")
                kind, time = str(entry["type"]), str(entry["time"])
                if (row.type, row.time) != (kind, time):
                    fixes[body].append({"seq": row.seq, "type": kind, "time": time})
        for body in chosen:
            store = instance.ledger(body).store
            with store.transaction() as conn:
                for fix in fixes[body]:
                    conn.execute(update(entries).where(entries.c.seq == fix["seq"])
                                 .values(type=fix["type"], time=fix["time"]))
            size = instance.ledger(body).size
            click.echo(f"{body}: {size} entries checked, {len(fixes[body])} rows' derived "
                       "columns rewritten from the log")
    finally:
        instance.close()

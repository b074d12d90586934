"""``tellers body create ID --name NAME [--profile citrine|roberts] [--instance DIR]``.

Founds a body on the instance, as ``POST /api/v1/bodies`` does for the admin:
its own log (origin ``<ORIGIN_PREFIX>/<ID>`` unless ``--origin``), its own log
key, and its secretary as first member, whose single-use invite link is
printed (``--base-url``, default the instance's ``PUBLIC_URL`` or
``http://127.0.0.1:8000``). A bad id, name, profile or a body that exists
already is refused and nothing is written.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from api.auth import rfc3339
from api.commands.instance_option import default_instance, instance_option
from api.errors import Problem
from api.instance import BODY_ID, Instance
from api.invites import instance_config, invite_link
from voting.errors import DomainError
from voting.standing_orders import PROFILES

__all__ = ["body"]


@click.group()
def body() -> None:
    """The bodies an instance serves."""


@body.command("create")
@click.argument("body_id", metavar="ID")
@click.option("--name", required=True, help="The body's name.")
@click.option("--profile", "standing_orders", default="citrine", show_default=True,
              type=click.Choice(sorted(PROFILES)), help="The standing orders' profile.")
@click.option("--secretary", default="secretary", show_default=True,
              help="The member id of the secretary, its first member.")
@click.option("--secretary-name", default="Secretary", show_default=True,
              help="The secretary's name.")
@click.option("--origin", default=None, help="The log's origin line "
              "(default: <ORIGIN_PREFIX>/<ID>).")
@click.option("--show-turnout", is_flag=True, help="Show how many have voted while a "
              "ballot is open (never what they chose).")
@click.option("--base-url", default=None, help="Where members reach the service, for the "
              "invite link (default: PUBLIC_URL, else http://127.0.0.1:8000).")
@instance_option
def create(body_id: str, name: str, standing_orders: str, secretary: str,
           secretary_name: str, origin: str | None, show_turnout: bool, base_url: str | None,
           instance_dir: Path | None) -> None:
    """Found the body ID with its secretary; print the secretary's invite link."""
    if not BODY_ID.match(body_id):
        raise click.BadParameter("lowercase letters, digits and inner hyphens, at most 63",
                                 param_hint="ID")
    if not name.strip() or len(name) > 200:
        raise click.BadParameter("1 to 200 characters", param_hint="--name")
    where = (instance_dir or default_instance()).resolve()
    if not (where / "tellers.sqlite3").exists() and "TELLERS_DATABASE_URL" not in os.environ:
        raise click.ClickException(f"{where} holds no instance database: start "
                                   f"`tellers serve --instance {where}` once first")
    config = instance_config(where)
    instance = Instance(where, database_url=os.environ.get("TELLERS_DATABASE_URL"),
                        origin_prefix=str(config["ORIGIN_PREFIX"]))
    try:
        status = instance.schema()
        if status != "current":
            raise click.ClickException(f"the database of {where} is not at this version's "
                                       "schema: run `tellers db upgrade` (or start "
                                       "`tellers serve` once) first")
        moment = datetime.now(UTC)
        lifetime = int(config["INVITE_SECONDS"])
        try:
            info, invite = instance.create_body(
                body_id, name=name, origin=origin, standing_orders=standing_orders,
                secretary=secretary, secretary_name=secretary_name, now=moment,
                invite_seconds=lifetime, show_turnout=show_turnout)
        except Problem as exc:
            raise click.ClickException(exc.detail) from None
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        base = base_url or config.get("PUBLIC_URL") or "http://127.0.0.1:8000"
        until = rfc3339(moment + timedelta(seconds=lifetime))
        click.echo(f"body      {info.id}  ({name}; standing orders {standing_orders})")
        click.echo(f"log       origin {info.origin}, key {instance.ledger(info.id).vkey}")
        click.echo(f"secretary {secretary} invite (single use, until {until}):")
        click.echo(f"  {invite_link(base, invite)}")
    finally:
        instance.close()

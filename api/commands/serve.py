"""``tellers serve [--host] [--port] [--instance DIR]``: the HTTP service, under waitress.

On a fresh instance it creates what the service needs (the folder, owner
only; the database and its schema; the token keys) and the admin, and
prints where it put them and the admin's first invite. It refuses to start
on a database whose schema is behind (``tellers db upgrade`` first).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from api.auth import rfc3339
from api.commands.instance_option import default_instance, instance_option
from api.db import upgrade
from api.instance import Instance

__all__ = ["prepare", "serve"]

INVITE_SECONDS = 14 * 24 * 3600


def prepare(where: Path, *, base: str, echo: bool = True) -> str | None:
    """Create what a fresh instance needs; the admin's first invite when one was made now."""
    created = not where.exists()
    instance = Instance(where, database_url=os.environ.get("TELLERS_DATABASE_URL"))
    try:
        status = instance.schema()
        if status == "behind":
            raise click.ClickException(
                f"the database of {where} is at an older schema than this version of tellers: "
                f"run `tellers db upgrade --instance {where}` first")
        if status == "empty":
            upgrade(instance.engine)
        signed = [body.id for body in instance.bodies()
                  if instance.ledger(body.id).sign_head() is not None]
        moment = datetime.now(UTC)
        admin, new = instance.admin_principal(now=moment)
        invite = instance.invite(admin, now=moment, lifetime=INVITE_SECONDS) if new else None
        if echo:
            click.echo(f"instance  {where}{'  (created)' if created else ''}")
            click.echo(f"database  {instance.engine.url.render_as_string(hide_password=True)}"
                       f"{'  (schema created)' if status == 'empty' else ''}")
            click.echo(f"keys      {instance.keys.folder} (token keys); "
                       f"{where / 'bodies'}/<body>/log.key (each body's log key)")
            click.echo(f"api       {base}/api/v1/  (OpenAPI {base}/api/v1/openapi.json, "
                       f"docs {base}/api/v1/docs)")
            if signed:
                click.echo(f"signed    the unsigned head of {', '.join(signed)} (a write "
                           "was cut off before its signature)")
            if invite is not None:
                until = rfc3339(moment + timedelta(seconds=INVITE_SECONDS))
                click.echo(f"admin invite (single use, until {until}): {invite}")
                click.echo("  exchange it for an access token:")
                click.echo(f"  curl -s -X POST {base}/api/v1/auth/token "
                           f"-H 'Content-Type: application/json' "
                           f"-d '{{\"invite\": \"{invite}\"}}'")
        return invite
    finally:
        instance.close()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="waitress worker threads.")
@instance_option
def serve(host: str, port: int, threads: int, instance_dir: Path | None) -> None:
    """Serve the HTTP API for this instance's bodies."""
    import waitress

    from api.app import create_app

    where = (instance_dir or default_instance()).resolve()
    base = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    prepare(where, base=base)
    app = create_app({"INSTANCE_PATH": str(where)})
    click.echo(f"serving   {base}/  (Ctrl-C stops)", err=False)
    waitress.serve(app, host=host, port=port, threads=threads, ident="tellers",
                   max_request_body_size=app.config["MAX_CONTENT_LENGTH"])

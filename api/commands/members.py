"""``tellers members import FILE.csv --body ID [--dry-run]``: admit members from a CSV file.

The file has a header row; ``id`` and ``name`` are required, ``weight``
(default 1), ``section`` and ``roles`` (separated by ``;``, default
``member``) and ``email`` (kept in the registry for sending invites, never in
the log) optional. A UTF-8 byte order mark is accepted. Every row is
checked first, by the same rules the log applies (the pure core decides each
admission in turn, so a duplicate id within the file is caught too), and a
cell starting with ``= + - @``, a tab or a carriage return is refused (it
would run as a formula when the list is opened in a spreadsheet). Errors
are listed row by row and nothing is written unless every row is good; with
``--dry-run`` nothing is written either way. On success each new member's
single-use invite is printed as CSV (``member,invite,expires_at``).
"""

from __future__ import annotations

import csv
import io
import os
import smtplib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import select

from api.auth import create_invite, rfc3339
from api.commands.instance_option import default_instance, instance_option
from api.db import ContactRow, InviteRow, PrincipalRow, write
from api.errors import Problem
from api.instance import Instance
from api.invites import (
    EMAIL,
    SmtpSettings,
    instance_config,
    invite_link,
    send_invite,
    set_email,
)
from api.names import skeleton
from voting import commands as c
from voting.decider import execute
from voting.errors import DomainError
from voting.state import BodyState, Role

__all__ = ["check_rows", "emails_in", "members"]

COLUMNS = ("id", "name", "weight", "section", "roles", "email")
REQUIRED = ("id", "name")
FORMULA = ("=", "+", "-", "@", "\t", "\r")
INVITE_SECONDS = 14 * 24 * 3600


def check_rows(text: str, state: BodyState, *, by: str, at: str
               ) -> tuple[list[c.AdmitMember], list[str]]:
    """The admissions a CSV file asks for, and every error found, as ``row N: ...``.

    Row numbers count the header as row 1, as a spreadsheet shows them.
    """
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    errors: list[str] = []
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in header]
    if unknown or missing:
        if missing:
            errors.append(f"row 1: the header needs the columns {', '.join(missing)}")
        if unknown:
            errors.append(f"row 1: unknown columns {', '.join(unknown)}; "
                          f"the columns are {', '.join(COLUMNS)}")
        return [], errors
    reader.fieldnames = header
    commands: list[c.AdmitMember] = []
    # names by their look-alike skeleton (api.names), so each row is checked in one lookup
    shapes: dict[str, list[tuple[str, str]]] = {}
    for member_id, member in state.members.items():
        shapes.setdefault(skeleton(member.name), []).append((member_id, member.name))
    for number, row in enumerate(reader, start=2):
        if None in row:
            errors.append(f"row {number}: more cells than the header has columns")
            continue
        cells = {key: (value or "").strip() for key, value in row.items()}
        bad = [key for key, value in cells.items() if value.startswith(FORMULA)]
        if bad:
            errors.append(f"row {number}: {', '.join(bad)}: a cell may not start with "
                          "= + - @ or a control character")
            continue
        try:
            weight = int(cells.get("weight") or "1")
        except ValueError:
            errors.append(f"row {number}: weight: {cells['weight']!r} is not a whole number")
            continue
        if cells.get("email") and not EMAIL.match(cells["email"]):
            errors.append(f"row {number}: email: {cells['email']!r} is not an e-mail address")
            continue
        roles = tuple(r.strip() for r in (cells.get("roles") or Role.MEMBER.value).split(";")
                      if r.strip())
        command = c.AdmitMember(at, by, member=cells["id"], name=cells["name"], weight=weight,
                                section=cells.get("section", ""), roles=roles)
        try:
            state, _ = execute(state, command)
        except DomainError as exc:
            errors.append(f"row {number}: {exc}")
            continue
        name = state.member(command.member).name  # as admitted (NFC)
        twin = next((other for other, known in shapes.get(skeleton(name), ())
                     if known != name), None)
        if twin is not None:
            errors.append(f"row {number}: name: {name!r} looks like the name of member "
                          f"{twin!r} ({state.name_of(twin)}) without being it")
            continue
        shapes.setdefault(skeleton(name), []).append((command.member, name))
        commands.append(command)
    if not commands and not errors:
        errors.append("the file has no rows")
    return commands, errors


def emails_in(text: str) -> dict[str, str]:
    """member id -> e-mail address, from a CSV file :func:`check_rows` found good."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
    return {(row.get("id") or "").strip(): (row.get("email") or "").strip() for row in reader
            if (row.get("email") or "").strip()}


def _secretary(state: BodyState) -> str:
    for member_id, member in sorted(state.members.items()):
        if Role.SECRETARY in member.roles and not member.suspended:
            return member_id
    raise click.ClickException("the body has no secretary to admit members; give --as MEMBER")


@click.group()
def members() -> None:
    """A body's members."""


@members.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--body", "body_id", required=True, help="The body's id.")
@click.option("--as", "by", metavar="MEMBER", help="The officer admitting them "
              "(default: the body's secretary).")
@click.option("--dry-run", is_flag=True, help="Check every row and write nothing.")
@instance_option
def import_command(file: Path, body_id: str, by: str | None, dry_run: bool,
                   instance_dir: Path | None) -> None:
    """Admit the members listed in FILE.csv, all or none."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {file}: {exc}") from None
    where = (instance_dir or default_instance()).resolve()
    if not where.is_dir():
        raise click.ClickException(f"{where} is not an instance folder")
    instance = Instance(where, database_url=os.environ.get("TELLERS_DATABASE_URL"))
    try:
        if instance.schema() != "current":
            raise click.ClickException(f"the database of {where} is not at this version's "
                                       "schema: run `tellers db upgrade` first")
        if instance.body(body_id) is None:
            raise click.ClickException(f"there is no body {body_id!r} in {where}")
        moment = datetime.now(UTC)
        with instance.writing(body_id) as ledger:
            officer = by or _secretary(ledger.state)
            commands, errors = check_rows(text, ledger.state, by=officer, at=rfc3339(moment))
            for error in errors:
                click.echo(error, err=True)
            if errors:
                raise click.ClickException(f"{len(errors)} errors in {file}: nothing written")
            if dry_run:
                click.echo(f"{len(commands)} members would be admitted (dry run: nothing "
                           "written)", err=True)
                return
            for command in commands:
                ledger.submit(command)
        buffer = io.StringIO()
        out = csv.writer(buffer, lineterminator="\n")
        out.writerow(["member", "invite", "expires_at"])
        until = rfc3339(moment + timedelta(seconds=INVITE_SECONDS))
        addresses = emails_in(text)
        with write(instance.engine) as conn:
            for command in commands:
                principal = instance.add_member_principal(conn, body_id, command.member,
                                                          now=moment)
                if addresses.get(command.member):
                    set_email(conn, body_id, command.member, addresses[command.member])
                token = create_invite(conn, principal, lifetime=INVITE_SECONDS, now=moment)
                out.writerow([command.member, token, until])
        click.echo(buffer.getvalue(), nl=False)
        click.echo(f"{len(commands)} members admitted to {body_id}", err=True)
    finally:
        instance.close()


@members.command("invites")
@click.option("--body", "body_id", required=True, help="The body's id.")
@click.option("--member", "chosen", multiple=True, metavar="ID",
              help="Only these members (repeat it); default: every member who has not "
                   "signed in yet.")
@click.option("--send", is_flag=True, help="E-mail each member their link (the SMTP settings "
              "of the instance config); members without an address are listed instead.")
@click.option("--base-url", default=None, help="Where members reach the service (default: "
              "PUBLIC_URL, else http://127.0.0.1:8000).")
@instance_option
def invites_command(body_id: str, chosen: tuple[str, ...], send: bool, base_url: str | None,
                    instance_dir: Path | None) -> None:
    """New single-use invite links for a body's members: printed as CSV, or e-mailed.

    Each run makes new invites (older unused ones still work until they expire).
    Everything is checked first (the body, the members, the SMTP settings), so a
    refusal writes nothing.
    """
    where = (instance_dir or default_instance()).resolve()
    if not (where / "tellers.sqlite3").exists() and "TELLERS_DATABASE_URL" not in os.environ:
        raise click.ClickException(f"{where} is not an instance folder")
    config = instance_config(where)
    try:
        smtp = SmtpSettings.of(config) if send else None
    except Problem as exc:
        raise click.ClickException(f"the SMTP settings: {exc.detail}") from None
    if send and smtp is None:
        raise click.ClickException("--send needs SMTP_HOST (and SMTP_FROM) in the instance "
                                   f"config ({where / 'config.py'} or TELLERS_SMTP_*); "
                                   "without it, export the links and pass them on")
    instance = Instance(where, database_url=os.environ.get("TELLERS_DATABASE_URL"))
    try:
        if instance.schema() != "current":
            raise click.ClickException(f"the database of {where} is not at this version's "
                                       "schema: run `tellers db upgrade` first")
        info = instance.body(body_id)
        if info is None:
            raise click.ClickException(f"there is no body {body_id!r} in {where}")
        state = instance.state(body_id)
        unknown = [m for m in chosen if m not in state.members]
        if unknown:
            raise click.ClickException(f"not members of {body_id}: {', '.join(unknown)}")
        with instance.engine.connect() as conn:
            signed_in = set(conn.execute(select(PrincipalRow.member).join(
                InviteRow, InviteRow.principal == PrincipalRow.id).where(
                PrincipalRow.body == body_id, InviteRow.used_at.is_not(None))).scalars())
            addresses = dict(conn.execute(select(ContactRow.member, ContactRow.email).where(
                ContactRow.body == body_id)).all())
        targets = list(chosen) or [m for m, member in sorted(state.members.items())
                                   if not member.suspended and m not in signed_in]
        moment = datetime.now(UTC)
        lifetime = int(config["INVITE_SECONDS"])
        until = rfc3339(moment + timedelta(seconds=lifetime))
        base = base_url or config.get("PUBLIC_URL") or "http://127.0.0.1:8000"
        links: dict[str, str] = {}
        with write(instance.engine) as conn:
            for member in targets:
                principal = instance.add_member_principal(conn, body_id, member, now=moment)
                links[member] = invite_link(
                    base, create_invite(conn, principal, lifetime=lifetime, now=moment))
        unsent = targets
        if smtp is not None:
            unsent = []
            for member in targets:
                address = addresses.get(member)
                if address is None:
                    click.echo(f"{member}: no e-mail address; pass the link on", err=True)
                    unsent.append(member)
                    continue
                try:
                    send_invite(smtp, to=address, name=state.name_of(member),
                                body_name=state.name or info.name, link=links[member],
                                expires_at=until)
                except (OSError, smtplib.SMTPException) as exc:
                    click.echo(f"{member}: sending to {address} failed ({exc}); pass the "
                               "link on", err=True)
                    unsent.append(member)
            click.echo(f"{len(targets) - len(unsent)} invites sent by e-mail", err=True)
        buffer = io.StringIO()
        out = csv.writer(buffer, lineterminator="\n")
        out.writerow(["member", "name", "link", "expires_at"])
        for member in unsent:
            name = state.name_of(member)
            out.writerow([member, "'" + name if name.startswith(FORMULA) else name,
                          links[member], until])
        click.echo(buffer.getvalue(), nl=False)
    finally:
        instance.close()

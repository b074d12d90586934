"""Handing invites out: as links the secretary passes on, or by e-mail when SMTP is set.

An invite link is ``<PUBLIC_URL>/join#invite=<token>``: the token rides in the
fragment, which browsers never send to a server, so it stays out of access logs
and ``Referer`` headers; the page (or a program) posts it to ``/api/v1/auth/token``.

Sending by e-mail is optional. The instance's configuration (``config.py`` in
the instance folder, or ``TELLERS_*`` variables) names the server::

    SMTP_HOST = "smtp.example.org"   # no SMTP_HOST: no e-mail, export the links
    SMTP_PORT = 587
    SMTP_FROM = "secretary@example.org"
    SMTP_USER = "..."; SMTP_PASSWORD = "..."   # optional
    SMTP_STARTTLS = True                          # default: True unless the port is 25

Members' addresses are kept in the registry (``contacts``), never in the body's
public log.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import Config
from sqlalchemy import Connection, delete, insert

from api.db import ContactRow
from api.errors import Problem

__all__ = ["EMAIL", "SmtpSettings", "instance_config", "invite_link", "send_invite", "set_email"]

EMAIL = re.compile(r"^[^@\s,;<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
"""An e-mail address as invites need it: one ``@``, no spaces, quotes or list separators."""


def instance_config(where: Path) -> Config:
    """The instance's settings as the service reads them: defaults, ``TELLERS_*`` variables,
    then ``config.py`` in the instance folder (:func:`api.app.create_app`)."""
    from api.app import DEFAULTS

    config = Config(str(where))
    config.from_mapping(DEFAULTS)
    config.from_prefixed_env("TELLERS")
    config.from_pyfile("config.py", silent=True)
    return config


def invite_link(base: str, token: str) -> str:
    """The link that carries ``token`` (in the fragment, see the module docstring)."""
    return f"{base.rstrip('/')}/join#invite={token}"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str | None
    password: str | None
    starttls: bool

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> SmtpSettings | None:
        """The settings in ``config``; ``None`` when no ``SMTP_HOST`` is set; a problem when
        they are set but unusable (checked before anything is sent or written)."""
        host = config.get("SMTP_HOST")
        if not host:
            return None
        try:
            port = int(config.get("SMTP_PORT", 587))
        except (TypeError, ValueError):
            raise Problem(500, "smtp-settings", "SMTP_PORT is not a port number") from None
        if not 0 < port < 65536:
            raise Problem(500, "smtp-settings", "SMTP_PORT is not a port number")
        sender = str(config.get("SMTP_FROM") or "")
        if not EMAIL.match(sender):
            raise Problem(500, "smtp-settings", "SMTP_FROM must be the sender's e-mail address")
        starttls = config.get("SMTP_STARTTLS")
        return cls(str(host), port, sender, config.get("SMTP_USER"),
                   config.get("SMTP_PASSWORD"),
                   port != 25 if starttls is None else bool(starttls))


def send_invite(settings: SmtpSettings, *, to: str, name: str, body_name: str, link: str,
                expires_at: str) -> None:
    """Send one member their invite link (raises :class:`OSError` or
    :class:`smtplib.SMTPException` when the server refuses or cannot be reached)."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = f"Your invitation to {body_name}"
    message.set_content(
        f"{name},\n\nyou are invited to take part in {body_name}, to move, second and vote "
        f"for yourself.\n\nOpen this link to sign in (it works once, until {expires_at}):\n\n"
        f"{link}\n\nIf you did not expect this, ignore it: nothing happens until the link "
        "is used.\n")
    with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(message)


def set_email(conn: Connection, body: str, member: str, email: str) -> None:
    """Keep ``member``'s address for invites (replacing an older one)."""
    conn.execute(delete(ContactRow).where(ContactRow.body == body, ContactRow.member == member))
    conn.execute(insert(ContactRow).values(body=body, member=member, email=email))

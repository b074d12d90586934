"""``tellers keys rotate [--retire] [--instance DIR]``: a new key for access tokens.

The instance's token keys sign access tokens for every body it serves
(:class:`api.auth.TokenKeys`). Rotation makes a new Ed25519 key with a new
``kid`` and makes it the one that signs; running workers pick it up at their
next token. Tokens signed with an older key keep verifying until they expire
(at most ``ACCESS_TOKEN_SECONDS``), since its file stays; ``--retire`` removes
every older key, so tokens naming one are refused at once (everyone signs in
again with a new invite).

A body's log key is not rotated: it is the identity of the log (its verifier
key names the origin, and a member's ``tellers verify`` pins one key per
origin), so a new key would make every later checkpoint look like a fork. A
body that must change its log key (the key is lost or leaked) starts a new log
with a new origin; ``--body`` is refused with that explanation and writes
nothing.
"""

from __future__ import annotations

from pathlib import Path

import click

from api.auth import TokenKeys
from api.commands.instance_option import default_instance, instance_option

__all__ = ["keys"]


@click.group()
def keys() -> None:
    """The instance's signing keys."""


@keys.command("rotate")
@click.option("--body", "body_id", default=None,
              help="Refused: a body's log key is its log's identity and is not rotated.")
@click.option("--retire", is_flag=True,
              help="Also remove the older token keys: tokens they signed are refused at once.")
@instance_option
def rotate(body_id: str | None, retire: bool, instance_dir: Path | None) -> None:
    """Make a new key (a new kid) the one that signs access tokens."""
    where = (instance_dir or default_instance()).resolve()
    if body_id is not None:
        raise click.UsageError(
            f"--body {body_id}: a body's log key is not rotated. It is the identity of the "
            "log: members' verifiers pin one key per origin, so checkpoints under a new key "
            "would read as a fork. The token keys are the instance's: run "
            "`tellers keys rotate` without --body to rotate them.")
    folder = where / "keys"
    if not (folder / "token.current").exists():
        raise click.ClickException(f"{where} has no token keys yet (is it an instance "
                                   "folder? `tellers serve` creates one)")
    try:
        before = TokenKeys(folder).current
    except ValueError as exc:
        raise click.ClickException(f"the token keys in {folder} are not usable: {exc}") from None
    kid = TokenKeys.add(folder)
    click.echo(f"token key {kid} now signs access tokens (was {before})")
    if retire:
        retired = TokenKeys.retire(folder)
        click.echo(f"retired {', '.join(retired)}: tokens they signed are refused from now on")
    else:
        click.echo(f"tokens signed by {before} verify until they expire; "
                   "`tellers keys rotate --retire` refuses them at once")

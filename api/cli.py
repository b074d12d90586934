"""The ``tellers`` command: one click group, its commands loaded on first use.

Each command lives in its own module (``api/commands/<name>.py``) so that
``tellers count`` does not pay for importing what ``tellers verify`` needs.
docs/architecture.md, "Interfaces others build on", lists the commands and their options.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import click

__all__ = ["main"]

# command name -> "module:attribute"
COMMANDS: dict[str, str] = {
    "demo": "api.commands.demo:demo",
    "count": "api.commands.count:count",
    "verify": "api.commands.verify:verify",
    "minutes": "api.commands.minutes:minutes",
    "witness": "api.commands.witness:witness",
    "serve": "api.commands.serve:serve",
    "db": "api.commands.db:db",
    "members": "api.commands.members:members",
    "keys": "api.commands.keys:keys",
    "body": "api.commands.body:body",
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if _available(name))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not _available(cmd_name):
            return None
        module_name, attribute = target.split(":")
        command: Any = getattr(import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


def _available(name: str) -> bool:
    module_name = COMMANDS[name].split(":")[0]
    from importlib.util import find_spec

    return find_spec(module_name) is not None


@click.group(cls=LazyGroup)
@click.version_option(package_name="tellers")
def main() -> None:
    """tellers: motions, amendments, ballots and elections, with a verifiable log."""

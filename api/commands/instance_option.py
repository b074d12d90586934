"""The ``--instance DIR`` option the service's commands share, and its default."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

__all__ = ["default_instance", "instance_option"]


def default_instance() -> Path:
    """``$TELLERS_INSTANCE_PATH``, else ``$XDG_DATA_HOME/tellers`` (``~/.local/share/tellers``)."""
    configured = os.environ.get("TELLERS_INSTANCE_PATH")
    if configured:
        return Path(configured)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "tellers"


def instance_option(function: Any) -> Any:
    return click.option(
        "--instance", "instance_dir", type=click.Path(file_okay=False, path_type=Path),
        default=None, help="The instance folder (default: $TELLERS_INSTANCE_PATH or "
                           "~/.local/share/tellers). TELLERS_DATABASE_URL names a PostgreSQL "
                           "database instead of the folder's SQLite file.")(function)

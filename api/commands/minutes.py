"""``tellers minutes BUNDLE_OR_URL [--format md|html|json] [--meeting ID] [--key VKEY]``.

The minutes a member can trust: the bundle is checked exactly as ``tellers
verify`` checks it, with the same key options (:data:`api.commands.verify.KEY_OPTIONS`:
``--key``, ``--witness``, ``--threshold``, ``--state-dir``), and the minutes are
rendered from the checked, replayed log (:mod:`voting.minutes`). They are printed
only when every check holds, C-MINUTES among them (the minutes the body published
are the ones rendered), and the log key was pinned.

Exit status: 0 with the minutes on stdout; 1 when a check fails or no key was
pinned, saying which and why on stderr and printing no minutes; 2 for a usage
error (no such bundle, an unknown format or meeting, an unreadable key).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from api.commands.verify import EXIT_UNPINNED, KEY_OPTIONS, checked, failure_line
from voting.errors import NotFound
from voting.minutes_formats import minutes_html, minutes_json

__all__ = ["minutes"]


class UnknownMeeting(click.ClickException):
    """A usage error: exit status 2."""

    exit_code = 2


@click.command()
@click.argument("source", metavar="BUNDLE_OR_URL")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md",
              show_default=True,
              help="Markdown (as the bundle publishes them), a standalone HTML page, or JSON.")
@click.option("--meeting", metavar="ID",
              help="Only this meeting's own proceedings, as its published file.")
def minutes(
    source: str,
    fmt: str,
    meeting: str | None,
    key: str | None,
    witnesses: tuple[str, ...],
    threshold: int | None,
    state_dir: Path | None,
    max_bytes: int,
    deadline: float,
    follow_redirects: bool,
) -> None:
    """Print the minutes rendered from a checked log, only if every check holds.

    Exits 0 with the minutes, 1 (and no minutes) when a check fails, 3 (and no
    minutes) when no key was pinned, 2 when the bundle cannot be read or an
    option is wrong: the exit statuses of ``tellers verify``.
    """
    report, _ = checked(source, key=key, witnesses=witnesses, threshold=threshold, member=None,
                        receipt_files=(), state_dir=state_dir, max_bytes=max_bytes,
                        deadline=deadline, follow_redirects=follow_redirects)
    failed = report.failure
    if failed is not None:
        click.echo(f"tellers minutes: no minutes printed: {failure_line(failed)}", err=True)
        sys.exit(1)
    if not report.key_pinned:
        click.echo("tellers minutes: no minutes printed: nothing was verified against a "
                   "trusted key; pass --key with the log key the body published", err=True)
        sys.exit(EXIT_UNPINNED)
    rendered = report.minutes
    if rendered is None:  # pragma: no cover - a report with no failure carries them
        raise click.ClickException("the verifier rendered no minutes")
    if meeting is not None:
        try:
            rendered.meeting(meeting)
        except NotFound as exc:
            raise UnknownMeeting(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps(minutes_json(rendered, meeting), indent=2, ensure_ascii=False))
    elif fmt == "html":
        click.echo(minutes_html(rendered, meeting), nl=False)
    else:
        click.echo(rendered.markdown(meeting), nl=False)


minutes.params.extend(KEY_OPTIONS)

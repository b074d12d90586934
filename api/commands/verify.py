"""``tellers verify BUNDLE_OR_URL``: check a body's published log on this machine.

Exit status (DESIGN.md, "Fixed interfaces"): 0 only when every check holds;
1 when a check fails, naming the first bad entry or checkpoint and why; 2
for a usage error (no such bundle, an unreadable one, a malformed option or
an unreadable state file). The checks are :mod:`audit.verify`'s;
``docs/verifying.md`` explains each.

A bundle is a directory, or the same files under an ``http://`` or
``https://`` base, fetched one by one with :mod:`urllib` (no listing needed:
the manifest names every file).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click

from audit.bundle import Bundle, BundleError, read_bundle, read_bundle_from
from audit.errors import StateError
from audit.known import KnownState
from audit.report import Report, Status
from audit.verify import verify as run_verify

__all__ = ["KEY_OPTIONS", "BadBundle", "checked", "fetch_url", "read_source", "verify"]

LARGE = 100_000
"""Checkpoints and entries from which a progress bar is shown even when stderr is not a
terminal."""

MAX_FILE = 1 << 34
"""The most bytes read for one file of a bundle over HTTP (16 GiB)."""

TIMEOUT = 60


class BadBundle(click.ClickException):
    """A usage error: exit status 2."""

    exit_code = 2


def fetch_url(base: str) -> Any:
    """A fetch function reading ``base/<name>`` over HTTP(S); ``None`` for a 404."""
    base = base.rstrip("/") + "/"

    def fetch(name: str) -> bytes | None:
        url = urllib.parse.urljoin(base, urllib.parse.quote(name))
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310
                data: bytes = response.read(MAX_FILE + 1)
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                return None
            raise BundleError(f"{url}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise BundleError(f"{url}: {reason}") from None
        if len(data) > MAX_FILE:
            raise BundleError(f"{url} is larger than {MAX_FILE} bytes")
        return data

    return fetch


def read_source(source: str) -> Bundle:
    """Read a bundle from a directory or an ``http(s)://`` base URL."""
    scheme = urllib.parse.urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        return read_bundle_from(fetch_url(source), source)
    if scheme and len(scheme) > 1:
        raise BundleError(f"{source}: only directories and http(s):// URLs can be read")
    return read_bundle(source)


def _key_text(value: str) -> str:
    """A vkey given inline, or the first line of the file it names."""
    path = Path(value)
    if "+" not in value or path.is_file():
        try:
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise BadBundle(f"cannot read a key from {value}: {exc}") from None
    return value.strip()


def _print_text(report: Report) -> None:
    click.echo(f"bundle   {report.source}")
    click.echo(f"origin   {report.origin}")
    click.echo(f"size     {report.size} (root {report.root})")
    click.echo(f"key      {report.key or '-'}{'' if report.key_pinned else '  (NOT pinned)'}")
    for result in report.checks:
        mark = {Status.PASS: "ok  ", Status.FAIL: "FAIL", Status.SKIPPED: "--  "}[result.status]
        where = ""
        if result.entry is not None:
            where = f"entry {result.entry}: "
        elif result.checkpoint is not None:
            where = f"{result.checkpoint}: "
        click.echo(f"{mark} {result.check.value:<10} {where}{result.detail}")
    counts = report.counts
    click.echo(f"counted  {counts.entries} entries, {counts.checkpoints} checkpoints, "
               f"{counts.ballots_recounted} ballots recounted from {counts.votes} votes, "
               f"{counts.witnesses_cosigned} of {counts.witnesses} witnesses cosigned")
    if report.member is not None:
        click.echo(f"member   {report.member} {report.member_name}")
        for record in report.records:
            click.echo(f"  {record.seq:>8}  {record.time}  {record.summary}")
    for note in report.notes:
        click.echo(f"note     {note}")
    verifier = report.verifier
    click.echo(f"verifier {verifier['name']} {verifier['version']} "
               f"(code sha256 {verifier['sha256'][:16]})")
    failed = report.failure
    if failed is None:
        click.echo("OK: every check holds")
    else:
        where = (f"entry {failed.entry}" if failed.entry is not None
                 else failed.checkpoint or "the bundle")
        click.echo(f"FAILED {failed.check.value} at {where}: {failed.detail}")


@click.command()
@click.argument("source", metavar="BUNDLE_OR_URL")
@click.option("--key", "key", metavar="VKEY",
              help="The log's verifier key as the body published it (or a file holding it).")
@click.option("--witness", "witnesses", metavar="VKEY", multiple=True,
              help="A witness's verifier key (or a file); repeat for each witness.")
@click.option("--threshold", type=click.IntRange(min=1), default=None,
              help="How many of the --witness keys must cosign (default: all).")
@click.option("--member", metavar="ID", help="List everything the log records for this member.")
@click.option("--receipt", "receipt_files", metavar="FILE", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="A receipt you were given when you voted (c2sp.org/tlog-proof); "
                   "repeat for each. Checked against the published entries.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the last verified checkpoint of each log is kept "
                   "(default: $XDG_STATE_HOME/tellers or ~/.local/state/tellers).")
def verify(
    source: str,
    key: str | None,
    witnesses: tuple[str, ...],
    threshold: int | None,
    member: str | None,
    receipt_files: tuple[Path, ...],
    as_json: bool,
    state_dir: Path | None,
) -> None:
    """Check a bundle: signatures, witnesses, every leaf and root, and every ballot recounted.

    Exits 0 only when everything holds, 1 naming the first bad entry or
    checkpoint and the reason, 2 when the bundle cannot be read at all.
    """
    report = checked(source, key=key, witnesses=witnesses, threshold=threshold, member=member,
                     receipt_files=receipt_files, state_dir=state_dir)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        _print_text(report)
    failed = report.failure
    if failed is not None:
        where = (f"entry {failed.entry}" if failed.entry is not None
                 else failed.checkpoint or "the bundle")
        click.echo(f"tellers verify: {failed.check.value} failed at {where}: {failed.detail}",
                   err=True)
        sys.exit(1)


KEY_OPTIONS: tuple[click.Parameter, ...] = tuple(
    p for p in verify.params if p.name in ("key", "witnesses", "threshold", "state_dir"))
"""The options that say which keys a bundle is checked by and where the checkpoints seen before
are kept; ``tellers minutes`` takes these very options."""


def checked(
    source: str,
    *,
    key: str | None,
    witnesses: tuple[str, ...],
    threshold: int | None,
    member: str | None,
    receipt_files: tuple[Path, ...],
    state_dir: Path | None,
) -> Report:
    """Run every check on the bundle at ``source`` with the options of ``tellers verify``
    (also used by ``tellers minutes``, which takes the same key options: :data:`KEY_OPTIONS`).
    Raises :class:`click.UsageError` or :class:`BadBundle` (exit 2) for bad input."""
    if threshold is not None and not witnesses:
        raise click.UsageError("--threshold needs at least one --witness")
    if threshold is not None and threshold > len(witnesses):
        raise click.UsageError(f"--threshold {threshold} is more than the "
                               f"{len(witnesses)} witnesses given")
    pinned = _key_text(key) if key is not None else None
    witness_keys = [_key_text(w) for w in witnesses]
    receipts = []
    for path in receipt_files:
        try:
            receipts.append((path.name, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise BadBundle(f"cannot read the receipt {path}: {exc}") from None
    try:
        bundle = read_source(source)
    except BundleError as exc:
        raise BadBundle(str(exc)) from None
    known = KnownState.in_directory(state_dir)
    count = len(bundle.checkpoint_names) + len(bundle.entries)  # each checked in turn
    show = sys.stderr.isatty() or count >= LARGE
    bar = click.progressbar(length=count, label="verifying", file=sys.stderr) if show \
        else nullcontext(None)
    try:
        with bar as progress:
            report = run_verify(
                bundle, key=pinned, witnesses=witness_keys, witness_threshold=threshold,
                known=known, member=member, receipts=receipts,
                progress=progress.update if progress is not None else None,
            )
    except StateError as exc:
        raise BadBundle(str(exc)) from None
    return report

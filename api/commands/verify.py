"""``tellers verify BUNDLE_OR_URL``: check a body's published log on this machine.

Exit status (docs/architecture.md, "Interfaces others build on"; ``docs/verifying.md``): 0 only
when every check holds against a trusted log key; 1 when a check fails,
naming the first bad entry or checkpoint and why; 2 when it cannot start (no
such bundle, one that cannot be read safely or is malformed, a malformed
option or an unreadable state file), with a one-line message and never a
traceback; 3 when every check holds but nothing was verified against a
trusted key: no ``--key`` was given and none was pinned for the origin on
this machine, so the bundle was checked against its own key, which a forger
chooses. The checks are :mod:`audit.verify`'s; ``docs/verifying.md``
explains each.

A bundle is a directory, or the same files under an ``http://`` or
``https://`` base, fetched one by one with :mod:`urllib` (no listing needed:
the manifest names every file). Either way each file is read only up to the
byte count the manifest gives it, and a bundle only up to ``--max-bytes`` in
all (:func:`audit.bundle.read_bundle_from`). Over HTTP every fetch shares one
overall deadline (``--timeout``), enforced by a watchdog that shuts the
connection down, so a server that trickles bytes cannot hold the verifier;
redirects are followed only within the bundle's origin (scheme, host, port)
unless ``--follow-redirects``.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from contextlib import nullcontext, suppress
from functools import partial
from pathlib import Path
from typing import IO, Any, NoReturn

import click

from audit.bundle import (
    DEFAULT_MAX_BYTES,
    Bundle,
    BundleError,
    FileTooLarge,
    read_bundle,
    read_bundle_from,
)
from audit.errors import StateError
from audit.known import KnownState
from audit.report import CheckResult, Report, Status
from audit.verify import verify as run_verify

__all__ = ["EXIT_UNPINNED", "KEY_OPTIONS", "BadBundle", "HttpFetch", "checked", "failure_line",
           "key_text", "read_source", "verify"]

LARGE = 100_000
"""Checkpoints and entries from which a progress bar is shown even when stderr is not a
terminal."""

EXIT_UNPINNED = 3
"""The exit status when every check held but no trusted key was there to check against."""

DEADLINE = 300.0
"""Seconds, by default, for fetching a whole bundle over HTTP (``--timeout``)."""

TIMEOUT = 60.0
"""Seconds at most that one connect or read over HTTP may wait (within the deadline)."""

_CHUNK = 1 << 20
_DEFAULT_PORTS = {"http": 80, "https": 443}


class BadBundle(click.ClickException):
    """A usage error: exit status 2."""

    exit_code = 2


# -- HTTP --------------------------------------------------------------------------


class _Deadline:
    """One overall deadline for every fetch of a bundle.

    A per-read timeout does not bound a server that sends a byte every few
    seconds; so a watchdog thread shuts down every socket still open when the
    deadline passes, which ends any read blocked on it at once, and every
    fetch checks :attr:`passed` before it believes what it read.
    """

    def __init__(self, seconds: float, source: str) -> None:
        self.seconds = seconds
        self.source = source
        self.end = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def error(self) -> BundleError:
        return BundleError(f"{self.source}: the bundle did not arrive within the overall "
                           f"deadline of {self.seconds:g} s (--timeout gives more)")

    @property
    def passed(self) -> bool:
        """Whether the deadline has passed (whether or not the watchdog has run yet)."""
        return self.expired or time.monotonic() >= self.end

    def left(self) -> float:
        """Seconds left; :class:`BundleError` when none are."""
        left = self.end - time.monotonic()
        if self.expired or left <= 0:
            raise self.error()
        return left

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def release(self) -> None:
        """Forget the sockets of the fetch just finished (before they are closed)."""
        with self._lock:
            self._sockets.clear()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def close(self) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):  # already closed
        # the plain socket's shutdown, also under TLS: it only ends the blocked read
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, *, deadline: _Deadline, **options: Any) -> None:
        super().__init__(host, **options)
        self._deadline = deadline

    def connect(self) -> None:
        super().connect()
        self._deadline.watch(self.sock)


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, *, deadline: _Deadline, context: ssl.SSLContext,
                 **options: Any) -> None:
        super().__init__(host, context=context, **options)
        self._deadline = deadline
        self._tls = context

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)  # TCP (through a proxy's tunnel if any)
        self._deadline.watch(self.sock)
        tunnel = getattr(self, "_tunnel_host", None)
        sock = self._tls.wrap_socket(self.sock, server_hostname=tunnel or self.host,
                                     do_handshake_on_connect=False)
        self.sock = sock
        self._deadline.watch(sock)  # the handshake, too, is under the deadline
        sock.do_handshake()


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_HTTPConnection, deadline=self._deadline), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(context=self._tls)
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_HTTPSConnection, deadline=self._deadline,
                                    context=self._tls), req)


def _origin(url: str) -> tuple[str, str, int] | None:
    """A URL's origin (scheme, host, port), or ``None`` if it has none."""
    try:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if parts.hostname is None or port is None:
        return None
    return scheme, parts.hostname.lower(), port


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects within the bundle's origin; others only when asked to."""

    def __init__(self, origin: tuple[str, str, int] | None, follow_any: bool) -> None:
        super().__init__()
        self._origin = origin
        self._follow_any = follow_any

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int,
                         msg: str, headers: Any, newurl: str) -> urllib.request.Request | None:
        if not self._follow_any and _origin(newurl) != self._origin:
            fp.close()
            raise BundleError(f"{req.full_url} redirects to {newurl[:200]}, another origin: "
                              "refused (--follow-redirects follows it)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class HttpFetch:
    """Reads ``base/<name>`` over HTTP(S) for :func:`audit.bundle.read_bundle_from`.

    ``None`` for a 404 or 410; :class:`audit.bundle.FileTooLarge` for a body
    longer than the limit, refused from its ``Content-Length`` before any of
    it is read, or after ``limit + 1`` bytes without one; :class:`BundleError`
    for anything else that goes wrong, a passed deadline and a redirect to
    another origin (unless ``follow_redirects``) included. :meth:`close` stops
    the deadline's watchdog.
    """

    def __init__(self, base: str, *, deadline: float = DEADLINE,
                 follow_redirects: bool = False) -> None:
        self.base = base.rstrip("/") + "/"
        self.deadline = _Deadline(deadline, base)
        self._opener = urllib.request.build_opener(
            _HTTPHandler(self.deadline), _HTTPSHandler(self.deadline),
            _Redirects(_origin(self.base), follow_redirects))

    def close(self) -> None:
        self.deadline.close()

    def __call__(self, name: str, limit: int) -> bytes | None:
        url = urllib.parse.urljoin(self.base, urllib.parse.quote(name))
        try:
            response = self._open(url)
            if response is None:
                return None
            with response:
                return self._body(response, name, url, limit)
        finally:
            self.deadline.release()

    def _open(self, url: str) -> Any:
        try:
            return self._opener.open(url, timeout=min(TIMEOUT, self.deadline.left()))
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code in (404, 410):
                return None
            raise BundleError(f"{url}: HTTP {exc.code} {exc.reason}") from None
        except BundleError:
            raise
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            self._fail(url, exc)

    def _body(self, response: Any, name: str, url: str, limit: int) -> bytes:
        length = (response.headers.get("Content-Length") or "").strip()
        if length.isdigit() and int(length) > limit:
            raise FileTooLarge(name, limit)  # refused unread
        chunks: list[bytes] = []
        got = 0
        try:
            while got <= limit:
                chunk = response.read(min(_CHUNK, limit + 1 - got))
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            self._fail(url, exc)
        if self.deadline.passed:
            raise self.deadline.error()
        if got > limit:
            raise FileTooLarge(name, limit)
        return b"".join(chunks)

    def _fail(self, url: str, exc: BaseException) -> NoReturn:
        if self.deadline.passed:
            raise self.deadline.error() from None
        reason = getattr(exc, "reason", None) or exc or type(exc).__name__
        raise BundleError(f"{url}: {reason}") from None


def read_source(source: str, *, max_bytes: int = DEFAULT_MAX_BYTES, deadline: float = DEADLINE,
                follow_redirects: bool = False) -> Bundle:
    """Read a bundle from a directory or an ``http(s)://`` base URL, at most ``max_bytes``
    in all; over HTTP within ``deadline`` seconds, following redirects to another origin
    only if ``follow_redirects``."""
    scheme = urllib.parse.urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        fetch = HttpFetch(source, deadline=deadline, follow_redirects=follow_redirects)
        try:
            return read_bundle_from(fetch, source, max_bytes=max_bytes)
        finally:
            fetch.close()
    if scheme and len(scheme) > 1:
        raise BundleError(f"{source}: only directories and http(s):// URLs can be read")
    return read_bundle(source, max_bytes=max_bytes)


_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def byte_size(ctx: click.Context | None, param: click.Parameter | None, value: Any) -> int:
    """A number of bytes: digits, optionally followed by K, M, G or T (powers of 1024)."""
    if isinstance(value, int):
        return value
    text = str(value).strip().upper().removesuffix("B").removesuffix("I")
    unit = text[-1:] if text[-1:] in _UNITS and text[-1:] else ""
    digits = text[:-1] if unit else text
    if not digits.isdigit() or not digits.isascii() or len(digits) > 18 or int(digits) < 1:
        raise click.BadParameter(f"{value!r} is not a size such as 1073741824, 512M or 4G",
                                 ctx, param)
    return int(digits) * _UNITS[unit]


MAX_LOCAL_FILE = 1 << 20
"""The most bytes read from a key or receipt file given on the command line."""


def _read_small(path: str | Path, what: str) -> str:
    """A small UTF-8 file given on the command line (a key, a receipt), read with a bound."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_LOCAL_FILE + 1)
        if len(data) > MAX_LOCAL_FILE:
            raise BadBundle(f"{what} {path} is larger than {MAX_LOCAL_FILE} bytes")
        return data.decode("utf-8")
    except (OSError, ValueError) as exc:  # ValueError: not UTF-8, or a NUL in the name
        raise BadBundle(f"cannot read {what} {path}: {exc}") from None


def key_text(value: str, option: str = "--key") -> str:
    """A vkey given inline, or the file it names (stripped): what ``option`` was given.

    Used for every key option of the command line (``verify --key``, ``--witness``,
    ``minutes --key``, ``witness cosign --log-key``). An empty value, or a file that holds
    nothing, is refused with a message naming the option (:class:`BadBundle`, exit 2).
    """
    if not value.strip():
        raise BadBundle(f"{option} is empty: give the verifier key as published "
                        "(name+hash+key), or a file holding it")
    try:
        is_file = Path(value).is_file()
    except (OSError, ValueError):
        is_file = False
    if "+" not in value or is_file:
        text = _read_small(value, "a key from").strip()
        if not text:
            raise BadBundle(f"{option}: the key file {value} is empty")
        return text
    return value.strip()


def _print_text(report: Report, trusted: bool) -> None:
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
    if failed is not None:
        where = (f"entry {failed.entry}" if failed.entry is not None
                 else failed.checkpoint or "the bundle")
        click.echo(f"FAILED {failed.check.value} at {where}: {failed.detail}")
    elif trusted:
        click.echo("OK: every check holds")
    else:
        click.echo(f"NOT VERIFIED: {_UNPINNED}")


_UNPINNED = ("the checks hold, but only against the bundle's own log key, which anyone "
             "rewriting the bundle chooses: nothing was verified against a trusted key. "
             "Run again with --key and the key the body published")


@click.command(epilog=(
    "Exit status: 0 every check holds against a trusted key (--key, or the key pinned for "
    "the origin on this machine); 1 a check failed; 2 the bundle or an option cannot be read "
    "or is malformed; 3 every check holds but no key was pinned, so nothing was verified "
    "against a trusted key."))
@click.argument("source", metavar="BUNDLE_OR_URL")
@click.option("--key", "key", metavar="VKEY",
              help="The log's verifier key as the body published it (or a file holding it). "
                   "Pinned for the origin on this machine once every check holds; later runs "
                   "without --key use the pinned key.")
@click.option("--replace-pin", is_flag=True,
              help="With --key: forget the key and checkpoint pinned for this origin on this "
                   "machine and pin --key instead, once every check holds (the old pin is kept "
                   "in the state file as evidence). Only after the body confirmed, by another "
                   "channel, that its key changed.")
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
              help="Where the pinned key and last verified checkpoint of each log are kept "
                   "(default: $XDG_STATE_HOME/tellers or ~/.local/state/tellers).")
@click.option("--max-bytes", metavar="BYTES", callback=byte_size, default="1G",
              show_default=True,
              help="The most a bundle may hold in all, manifest included (e.g. 4G).")
@click.option("--timeout", "deadline", type=click.FloatRange(min=0, min_open=True),
              default=DEADLINE, show_default=True,
              help="Seconds to fetch a whole bundle over HTTP(S), however slowly it arrives.")
@click.option("--follow-redirects", is_flag=True,
              help="Over HTTP(S), follow redirects to another origin (scheme, host, port); "
                   "by default only redirects within the bundle's origin are followed.")
def verify(
    source: str,
    key: str | None,
    replace_pin: bool,
    witnesses: tuple[str, ...],
    threshold: int | None,
    member: str | None,
    receipt_files: tuple[Path, ...],
    as_json: bool,
    state_dir: Path | None,
    max_bytes: int,
    deadline: float,
    follow_redirects: bool,
) -> None:
    """Check a bundle: signatures, witnesses, every leaf and root, and every ballot recounted.

    Exits 0 only when everything holds against a trusted key, 1 naming the
    first bad entry or checkpoint and the reason, 2 when the bundle cannot be
    read at all, 3 when no key was pinned (see below).
    """
    report, known = checked(
        source, key=key, replace_pin=replace_pin, witnesses=witnesses, threshold=threshold,
        member=member, receipt_files=receipt_files, state_dir=state_dir, max_bytes=max_bytes,
        deadline=deadline, follow_redirects=follow_redirects)
    trusted = report.ok and report.key_pinned
    if as_json:
        data = report.to_json()
        data["verified"] = trusted  # every check held, against a trusted key
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        _print_text(report, trusted)
    failed = report.failure
    if failed is not None:
        click.echo(f"tellers verify: {failure_line(failed)}", err=True)
        sys.exit(1)
    if not trusted:
        click.echo(f"tellers verify: NOT VERIFIED: no --key, and no key pinned for "
                   f"{report.origin!r} in {known.path}: {_UNPINNED}", err=True)
        sys.exit(EXIT_UNPINNED)


KEY_OPTIONS: tuple[click.Parameter, ...] = tuple(
    p for p in verify.params
    if p.name in ("key", "witnesses", "threshold", "state_dir", "max_bytes", "deadline",
                  "follow_redirects"))
"""The options that say which keys a bundle is checked by, where the checkpoints seen before
are kept and how a bundle is fetched; ``tellers minutes`` takes these very options."""


def checked(
    source: str,
    *,
    key: str | None,
    witnesses: tuple[str, ...],
    threshold: int | None,
    member: str | None,
    receipt_files: tuple[Path, ...],
    state_dir: Path | None,
    replace_pin: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    deadline: float = DEADLINE,
    follow_redirects: bool = False,
) -> tuple[Report, KnownState]:
    """Run every check on the bundle at ``source`` with the options of ``tellers verify``
    (also used by ``tellers minutes``, which takes the same key options: :data:`KEY_OPTIONS`):
    the report, and the memory of keys and checkpoints it was checked against. Raises
    :class:`click.UsageError` or :class:`BadBundle` (exit 2) for bad input, never another
    exception."""
    if threshold is not None and not witnesses:
        raise click.UsageError("--threshold needs at least one --witness")
    if threshold is not None and threshold > len(witnesses):
        raise click.UsageError(f"--threshold {threshold} is more than the "
                               f"{len(witnesses)} witnesses given")
    if replace_pin and key is None:
        raise click.UsageError("--replace-pin needs --key: the new key to pin")
    try:
        return _verify(source, key, replace_pin, witnesses, threshold, member, receipt_files,
                       state_dir, max_bytes, deadline, follow_redirects)
    except click.ClickException:
        raise
    except Exception as exc:  # the last resort: a one-line message, never a traceback
        raise BadBundle(f"cannot check {source}: {type(exc).__name__}: {str(exc)[:200]} "
                        "(an error in tellers itself: please report it)") from None


def _verify(
    source: str,
    key: str | None,
    replace_pin: bool,
    witnesses: tuple[str, ...],
    threshold: int | None,
    member: str | None,
    receipt_files: tuple[Path, ...],
    state_dir: Path | None,
    max_bytes: int,
    deadline: float,
    follow_redirects: bool,
) -> tuple[Report, KnownState]:
    """Run the verification: the report, and the memory it was checked against."""
    pinned = key_text(key) if key is not None else None
    witness_keys = [key_text(w, "--witness") for w in witnesses]
    receipts = [(path.name, _read_small(path, "the receipt")) for path in receipt_files]
    try:
        bundle = read_source(source, max_bytes=max_bytes, deadline=deadline,
                             follow_redirects=follow_redirects)
    except BundleError as exc:
        raise BadBundle(_one_line(str(exc))) from None
    known = KnownState.in_directory(state_dir)
    if replace_pin:
        known = known.replacing(bundle.origin)
    count = len(bundle.checkpoint_names) + len(bundle.entries)  # each checked in turn
    show = sys.stderr.isatty() or count >= LARGE
    bar = click.progressbar(length=count, label="verifying", file=sys.stderr) if show \
        else nullcontext(None)
    progress: Callable[[int], None] | None
    try:
        with bar as progress_bar:
            progress = progress_bar.update if progress_bar is not None else None
            report = run_verify(
                bundle, key=pinned, witnesses=witness_keys, witness_threshold=threshold,
                known=known, member=member, receipts=receipts, progress=progress,
            )
    except StateError as exc:
        raise BadBundle(str(exc)) from None
    return report, known


def failure_line(failed: CheckResult) -> str:
    """The failed check, where, and why, on one line (for stderr)."""
    where = (f"entry {failed.entry}" if failed.entry is not None
             else failed.checkpoint or "the bundle")
    return f"{failed.check.value} failed at {where}: {_one_line(failed.detail)}"


def _one_line(text: str) -> str:
    """``text`` on one line (a message may quote bytes from the bundle)."""
    return " ".join(text.split())

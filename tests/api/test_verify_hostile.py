"""``tellers verify`` against a hostile bundle or server: it fails closed, in bounded time.

A bundle's files are read only as regular files inside the bundle's folder
(never through a link, never from a device, FIFO or socket), each only up to
the byte count the manifest declares, within a total limit; a malformed
manifest or file exits 2 (or 1, naming a check) with one line and no
traceback. Over HTTP (a ``http.server`` in a thread on 127.0.0.1, started
by each test) one overall deadline bounds a server that trickles bytes,
every body is bounded, and redirects leave the bundle's origin only with
``--follow-redirects``. Tests that could hang carry a pytest timeout.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from api.cli import main
from api.commands.verify import byte_size
from audit.bundle import DEFAULT_MAX_BYTES, BundleError, FileTooLarge, read_bundle, read_file
from tests.audit.bundles import LOG_KEY, WITNESSES, make_bundle, manifest, reseal

pytestmark = pytest.mark.api

KEY = LOG_KEY.vkey()
WITNESS_ARGS = [arg for w in WITNESSES for arg in ("--witness", w.vkey())]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["verify", *args])


def refused(result: Result, code: int = 2) -> str:
    """The one-line message of a run that exited ``code`` without a traceback."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert "Traceback" not in result.output
    assert "an error in tellers itself" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bundle(tmp_path_factory.mktemp("honest") / "bundle")


@pytest.fixture
def bundle(honest: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(honest, tmp_path / "bundle"))


@pytest.fixture
def state(tmp_path: Path) -> str:
    return str(tmp_path / "state")


def test_the_honest_copy_verifies(bundle: Path, state: str) -> None:
    assert run(str(bundle), "--key", KEY, "--state-dir", state).exit_code == 0


# -- the files of a bundle -----------------------------------------------------------


@pytest.mark.timeout(20)
def test_a_symlink_to_dev_zero_is_refused_unread(bundle: Path, state: str) -> None:
    entries = bundle / "entries.jsonl"
    entries.unlink()
    entries.symlink_to("/dev/zero")
    message = refused(run(str(bundle), "--key", KEY, "--state-dir", state))
    assert "entries.jsonl is a symbolic link" in message and "refused" in message


def test_a_symlink_even_to_a_file_inside_the_bundle_is_refused(bundle: Path,
                                                               state: str) -> None:
    vkey = bundle / "log.vkey"
    shutil.copy(vkey, bundle / "checkpoints" / "key-copy")
    vkey.unlink()
    vkey.symlink_to("checkpoints/key-copy")
    assert "log.vkey is a symbolic link" in refused(run(str(bundle), "--key", KEY,
                                                        "--state-dir", state))


def test_a_linked_checkpoints_folder_is_refused(bundle: Path, tmp_path: Path,
                                                state: str) -> None:
    elsewhere = Path(shutil.move(bundle / "checkpoints", tmp_path / "elsewhere"))
    (bundle / "checkpoints").symlink_to(elsewhere)
    message = refused(run(str(bundle), "--key", KEY, "--state-dir", state))
    assert "checkpoints is a symbolic link, not a folder of the bundle" in message


@pytest.mark.timeout(20)
def test_a_fifo_is_refused_without_hanging(bundle: Path, state: str) -> None:
    note = bundle / manifest(bundle)["checkpoints"][0]
    note.unlink()
    os.mkfifo(note)
    message = refused(run(str(bundle), "--key", KEY, "--state-dir", state))
    assert "is a FIFO" in message


def test_a_socket_is_refused(bundle: Path, state: str) -> None:
    vkey = bundle / "log.vkey"
    vkey.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(vkey))
        assert "log.vkey is a socket" in refused(run(str(bundle), "--key", KEY,
                                                     "--state-dir", state))
    finally:
        listener.close()


@pytest.mark.timeout(20)
def test_a_device_is_refused(bundle: Path, state: str) -> None:
    entries = bundle / "entries.jsonl"
    entries.unlink()
    try:
        os.mknod(entries, 0o600 | 0o020000, os.makedev(1, 5))  # S_IFCHR: /dev/zero's numbers
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD); the symlink to /dev/zero "
                    "test covers reading a device through the bundle")
    assert "entries.jsonl is a character device" in refused(
        run(str(bundle), "--key", KEY, "--state-dir", state))


@pytest.mark.timeout(60)
def test_a_file_larger_than_declared_is_refused_unread(bundle: Path, state: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A sparse terabyte where the manifest declares a few kilobytes: refused by its size
    alone (C-BUNDLE), with nothing read from it at all."""
    declared = manifest(bundle)["files"]["entries.jsonl"]["bytes"]
    os.truncate(bundle / "entries.jsonl", 1 << 40)
    reads: list[int] = []
    real_read = os.read

    def counting(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        reads.append(len(data))
        return data

    monkeypatch.setattr(os, "read", counting)
    result = run(str(bundle), "--key", KEY, "--state-dir", state)
    assert result.exit_code == 1, result.output
    assert "C-BUNDLE failed" in result.stderr
    assert f"entries.jsonl is larger than the {declared} bytes the manifest gives" \
        in result.stderr
    assert sum(reads) < 1 << 20  # the other files, each up to its declared size


def test_read_file_never_reads_past_the_limit(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that grows after its size was looked at is still read only to limit + 1."""
    (tmp_path / "f").write_bytes(b"x" * 10)
    asked: list[int] = []
    real_read = os.read
    real_fstat = os.fstat

    def read(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        asked.append(len(data))
        return data

    def fstat(fd: int) -> os.stat_result:  # the file grows once it is open
        (tmp_path / "f").write_bytes(b"x" * 5000)
        return real_fstat(fd)

    monkeypatch.setattr(os, "read", read)
    monkeypatch.setattr(os, "fstat", fstat)
    with pytest.raises(FileTooLarge):
        read_file(tmp_path, "f", 100)
    assert sum(asked) <= 101


def test_a_path_out_of_the_bundle_is_refused_before_anything_is_read(
        bundle: Path, tmp_path: Path, state: str) -> None:
    outside = tmp_path / "outside.note"
    outside.write_text("not in the bundle")
    changes: tuple[Callable[[dict[str, Any]], None], ...] = (
        lambda m: m["files"].update({"../outside.note": {"sha256": "0" * 64, "bytes": 17}}),
        lambda m: m["checkpoints"].append("checkpoints/../../outside.note"),
        lambda m: m["checkpoints"].append("/etc/passwd"),
    )
    for change in changes:
        data = manifest(bundle)
        change(data)
        (bundle / "bundle.json").write_text(json.dumps(data))
        message = refused(run(str(bundle), "--key", KEY, "--state-dir", state))
        assert "bundle.json is malformed" in message


def test_a_bundle_over_the_total_limit_is_refused(bundle: Path, state: str) -> None:
    size = (sum(d["bytes"] for d in manifest(bundle)["files"].values())
            + (bundle / "bundle.json").stat().st_size)
    message = refused(run(str(bundle), "--key", KEY, "--state-dir", state,
                          "--max-bytes", str(size - 1)))
    assert f"declares {size} bytes, more than the limit of {size - 1}" in message
    assert run(str(bundle), "--key", KEY, "--state-dir", state,
               "--max-bytes", str(size)).exit_code == 0
    small = refused(run(str(bundle), "--key", KEY, "--state-dir", state, "--max-bytes", "1K"))
    assert "bundle.json is larger than the limit of 1024 bytes" in small


def test_max_bytes_takes_sizes_with_units() -> None:
    assert byte_size(None, None, "1G") == DEFAULT_MAX_BYTES
    assert byte_size(None, None, "512M") == 512 << 20
    assert byte_size(None, None, "4gib") == 4 << 30
    assert byte_size(None, None, "1000") == 1000
    for bad in ("", "G", "-1", "0", "1.5G", "1X", "\uff11G"):
        result = run("somewhere", "--max-bytes", bad)
        assert result.exit_code == 2, bad
        assert "--max-bytes" in result.stderr


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"{\"a\":" * 50_000 + b"1" + b"}" * 50_000, "nested too deeply"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"{\"format\": \"tellers-bundle\", \"version\": true}", "version"),
        (b"{\"format\": \"tellers-bundle\", \"version\": 1}", "malformed: it has no"),
        (b"{\"format\": \"tellers-bundle\", \"version\": 1e400}", "version"),
        (b"not json", "not JSON"),
    ],
)
def test_a_malformed_manifest_exits_2_in_one_line(bundle: Path, state: str, raw: bytes,
                                                  needle: str) -> None:
    (bundle / "bundle.json").write_bytes(raw)
    assert needle in refused(run(str(bundle), "--key", KEY, "--state-dir", state))


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("size", True, "size is not a whole number"),
        ("size", -1, "size is not a whole number"),
        ("origin", ["x"], "origin is not a non-empty string"),
        ("checkpoints", {}, "checkpoints are not a non-empty list"),
        ("checkpoints", [1], "is not checkpoints/NNNNNN.note"),
        ("checkpoints", ["checkpoints/000000.note\n"], "is not checkpoints/NNNNNN.note"),
        ("files", [], "files are not an object"),
        ("extra", 1, "unknown field 'extra'"),
    ],
)
def test_a_manifest_of_the_wrong_shape_exits_2(bundle: Path, state: str, field: str,
                                               value: Any, needle: str) -> None:
    data = manifest(bundle)
    data[field] = value
    (bundle / "bundle.json").write_text(json.dumps(data))
    assert needle in refused(run(str(bundle), "--key", KEY, "--state-dir", state))


def test_malformed_files_named_on_the_command_line_exit_2(bundle: Path, state: str,
                                                          tmp_path: Path) -> None:
    (tmp_path / "key").write_bytes(b"\xff\xfe")
    assert "cannot read a key from" in refused(run(str(bundle), "--key", str(tmp_path / "key"),
                                                   "--state-dir", state))
    (tmp_path / "r.proof").write_bytes(b"\xff")
    assert "cannot read the receipt" in refused(
        run(str(bundle), "--key", KEY, "--receipt", str(tmp_path / "r.proof"),
            "--state-dir", state))
    (tmp_path / "big.proof").write_bytes(b"x" * ((1 << 20) + 1))
    assert "larger than" in refused(
        run(str(bundle), "--key", KEY, "--receipt", str(tmp_path / "big.proof"),
            "--state-dir", state))
    (Path(state)).mkdir()
    (Path(state) / "known.json").write_text(json.dumps(
        {"version": 1, "logs": {LOG_KEY.name: {"size": 1, "root": "%%%", "vkey": KEY,
                                                "checkpoint": ""}}}))
    assert "damaged" in refused(run(str(bundle), "--key", KEY, "--state-dir", state))


# -- Hypothesis: junk at the command line ------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)
FIELDS = ("format", "version", "origin", "size", "checkpoints", "files")
FILES = ("entries.jsonl", "log.vkey", "checkpoints/000000.note", "checkpoints/000003.note",
         "cosignatures", "witnesses.vkeys")


@st.composite
def junk(draw: st.DrawFn) -> tuple[str, Any, bool]:
    """What to do to an honest bundle: (what, with what, reseal the manifest afterwards)."""
    kind = draw(st.sampled_from(["bytes", "json", "field", "file-entry", "depth", "file"]))
    if kind == "bytes":
        return kind, draw(st.binary(max_size=200)), False
    if kind == "json":
        return kind, draw(json_values), False
    if kind == "field":
        return kind, (draw(st.sampled_from(FIELDS)), draw(json_values)), False
    if kind == "file-entry":
        return kind, (draw(st.sampled_from(FILES)), draw(json_values)), False
    if kind == "depth":
        return kind, (draw(st.integers(1, 3000)), draw(st.sampled_from("[{"))), False
    text = draw(st.binary(min_size=1, max_size=300) | st.text(min_size=1, max_size=100).map(
        str.encode))
    return kind, (draw(st.sampled_from(FILES)), text), draw(st.booleans())


def apply_junk(directory: Path, what: tuple[str, Any, bool]) -> None:
    kind, value, seal = what
    target = directory / "bundle.json"
    data = manifest(directory)
    if kind == "bytes":
        target.write_bytes(value)
    elif kind == "json":
        target.write_text(json.dumps(value))
    elif kind == "field":
        name, new = value
        assume(data[name] != new)
        data[name] = new
        target.write_text(json.dumps(data))
    elif kind == "file-entry":
        name, new = value
        assume(data["files"][name] != new)
        data["files"][name] = new
        target.write_text(json.dumps(data))
    elif kind == "depth":
        depth, opener = value
        inner = "[" * depth + "]" * depth if opener == "[" else '{"a":' * depth + "1" + "}" * depth
        target.write_text(json.dumps({**data, "size": "?"}).replace('"?"', inner))
    else:
        name, raw = value
        assume((directory / name).read_bytes() != raw)
        (directory / name).write_bytes(raw)
        if seal:
            reseal(directory)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(what=junk())
def test_junk_exits_1_or_2_with_one_line_and_no_traceback(
        honest: Path, tmp_path_factory: pytest.TempPathFactory, what: tuple[str, Any, bool]
) -> None:
    directory = Path(shutil.copytree(honest, tmp_path_factory.mktemp("junk") / "b"))
    apply_junk(directory, what)
    result = run(str(directory), "--key", KEY, *WITNESS_ARGS, "--state-dir",
                 str(directory.parent / "state"))
    line = refused(result, result.exit_code)
    assert result.exit_code in (1, 2), result.output
    if result.exit_code == 1:
        assert line.startswith("tellers verify: C-")
    else:
        assert line.startswith("Error: ")


# -- HTTP -----------------------------------------------------------------------------


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """Start a ``http.server`` on 127.0.0.1 with a handler class (or a directory to serve);
    yields a function giving its base URL. Handlers stop when ``stop`` is set."""
    servers: list[ThreadingHTTPServer] = []
    stop = threading.Event()

    def start(handler: Any) -> str:
        if isinstance(handler, Path):
            handler = functools.partial(Quiet, directory=str(handler))
        else:
            handler.stop = stop
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    stop.set()
    for server in servers:
        server.shutdown()
        server.server_close()


class Trickle(BaseHTTPRequestHandler):
    """Answers every request with a body it sends one byte at a time, forever."""

    stop: threading.Event
    headers_too = False

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        try:
            if self.headers_too:
                for byte in b"HTTP/1.0 200 OK\r\nX-Slow: " + b"a" * 10_000:
                    if self.stop.wait(0.05):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"format": "tellers-bundle", "version": 1, "origin": "')
            while not self.stop.wait(0.05):
                self.wfile.write(b"a")
                self.wfile.flush()
        except OSError:
            return


class TrickleHeaders(Trickle):
    headers_too = True


@pytest.mark.timeout(60)
@pytest.mark.parametrize("handler", [Trickle, TrickleHeaders])
def test_a_trickling_server_is_cut_off_at_the_overall_deadline(
        serve: Callable[..., str], state: str, handler: type[Trickle]) -> None:
    message = refused(run(serve(handler), "--key", KEY, "--state-dir", state,
                          "--timeout", "1.5"))
    assert "within the overall deadline of 1.5 s" in message


class Huge(BaseHTTPRequestHandler):
    """bundle.json is a 3 GB body (declared, or not declared); sent slowly, if ever read."""

    stop: threading.Event
    declare = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        try:
            self.send_response(200)
            if self.declare:
                self.send_header("Content-Length", str(3_000_000_000))
            self.end_headers()
            while not self.stop.is_set():
                self.wfile.write(b" " * 65536)
        except OSError:
            return


class HugeUndeclared(Huge):
    declare = False
    protocol_version = "HTTP/1.0"  # the body ends when the connection does


@pytest.mark.timeout(60)
def test_a_3_gb_body_is_refused_from_its_length_unread(serve: Callable[..., str],
                                                       state: str) -> None:
    message = refused(run(serve(Huge), "--key", KEY, "--state-dir", state, "--timeout", "30"))
    assert "bundle.json is larger than the limit of 1073741824 bytes" in message


@pytest.mark.timeout(60)
def test_a_body_of_no_stated_length_is_cut_at_the_limit(serve: Callable[..., str],
                                                        state: str) -> None:
    message = refused(run(serve(HugeUndeclared), "--key", KEY, "--state-dir", state,
                          "--max-bytes", "4M", "--timeout", "30"))
    assert "bundle.json is larger than the limit of 4194304 bytes" in message


def directory_with(bundle: Path, name: str, body: Callable[[BaseHTTPRequestHandler], None]
                   ) -> type[BaseHTTPRequestHandler]:
    """A handler serving ``bundle`` but answering for ``name`` with ``body``."""

    class Handler(Quiet):
        stop: threading.Event

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(bundle), **kwargs)

        def do_GET(self) -> None:
            if self.path.lstrip("/") == name:
                try:
                    body(self)
                except OSError:
                    return
            else:
                super().do_GET()

    return Handler


@pytest.mark.timeout(60)
def test_a_file_served_longer_than_declared_is_refused(bundle: Path, serve: Callable[..., str],
                                                       state: str) -> None:
    def endless(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()
        while not handler.stop.is_set():  # type: ignore[attr-defined]
            handler.wfile.write(b"{}\n" * 4096)

    handler = directory_with(bundle, "entries.jsonl", endless)
    handler.protocol_version = "HTTP/1.0"
    result = run(serve(handler), "--key", KEY, "--state-dir", state, "--timeout", "30")
    assert result.exit_code == 1, result.output
    assert "C-BUNDLE failed" in result.stderr and "entries.jsonl is larger than" in result.stderr


def redirect_to(target: str) -> type[BaseHTTPRequestHandler]:
    class Redirect(BaseHTTPRequestHandler):
        stop: threading.Event

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", target.rstrip("/") + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Redirect


@pytest.mark.timeout(60)
def test_a_redirect_to_another_origin_is_refused_unless_asked_for(
        bundle: Path, serve: Callable[..., str], state: str) -> None:
    elsewhere = serve(bundle)
    base = serve(redirect_to(elsewhere))  # another port: another origin
    message = refused(run(base, "--key", KEY, "--state-dir", state))
    assert f"redirects to {elsewhere}/bundle.json, another origin: refused" in message
    assert "--follow-redirects" in message
    followed = run(base, "--key", KEY, "--state-dir", state, "--follow-redirects")
    assert followed.exit_code == 0, followed.output + followed.stderr


@pytest.mark.timeout(60)
def test_a_redirect_within_the_origin_is_followed(bundle: Path, serve: Callable[..., str],
                                                  state: str) -> None:
    def moved(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(301)
        handler.send_header("Location", "/moved/bundle.json")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    (bundle / "moved").mkdir()
    shutil.copy(bundle / "bundle.json", bundle / "moved" / "bundle.json")
    result = run(serve(directory_with(bundle, "bundle.json", moved)), "--key", KEY,
                 "--state-dir", state)
    assert result.exit_code == 0, result.output + result.stderr


@pytest.mark.timeout(30)
def test_the_deadline_watchdog_ends_a_read_blocked_on_a_silent_server(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The watchdog, not a read timeout, ends the wait: a server that accepts and says
    nothing, with a read timeout of an hour (the pytest timeout fails a hang)."""
    from api.commands import verify as command

    monkeypatch.setattr(command, "TIMEOUT", 3600.0)
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    fetch = command.HttpFetch(f"http://127.0.0.1:{listener.getsockname()[1]}", deadline=0.5)
    try:
        with pytest.raises(BundleError, match=r"overall deadline of 0\.5 s"):
            fetch("bundle.json", 100)
    finally:
        fetch.close()
        listener.close()
        for sock in accepted:
            sock.close()


def test_reading_a_bundle_directory_is_unchanged_for_an_honest_one(bundle: Path) -> None:
    read = read_bundle(bundle)
    assert read.oversized == () and read.unlisted == ()
    assert len(read.entries) == manifest(bundle)["size"]

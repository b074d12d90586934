"""Verification bundles: everything a member needs to check a body's log offline.

A bundle is a directory (or the same files served under an ``http(s)://``
base) holding::

    bundle.json          the manifest: format, version, origin, size, the
                         checkpoint files in order, and every file's SHA-256
    entries.jsonl        one entry per line: exactly the RFC 8785 canonical bytes
                         that are the Merkle leaves (RFC 9162 §2.1.1), then "\\n"
    checkpoints/NNNNNN.note
                         every signed checkpoint note (c2sp.org/tlog-checkpoint
                         as a c2sp.org/signed-note), in order of size
    log.vkey             the log's verifier key (c2sp.org/signed-note vkey)
    cosignatures         optional: witness cosignature lines per checkpoint
                         (c2sp.org/tlog-cosignature), in blocks "size N"
    witnesses.vkeys      optional: the witnesses' verifier keys, one a line
    minutes/NNNNNN.md    the minutes the body published of each meeting in the log
                         (Markdown, UTF-8), named by the position of the entry that
                         convened the meeting; the verifier renders them from the log
                         and compares (C-MINUTES)

``docs/verifying.md`` describes the format; :data:`MANIFEST_SCHEMA` is the
JSON Schema of ``bundle.json`` (also published as ``docs/bundle.schema.json``).

:func:`read_bundle` reads the files and checks only that the directory is a
bundle that can be read safely: a manifest of a known format and of
:data:`MANIFEST_SCHEMA`, regular files only (no links, devices or FIFOs),
each read up to the byte count the manifest gives it, and a limit on the
whole. It judges nothing else: a missing file, a wrong hash or a bad
signature is for :func:`audit.verify.verify` to find and name. The manifest
is not signed; its hashes catch a damaged copy, the signed checkpoints catch
everything else.

Errors::

    AuditError
    └── BundleError       not a bundle that can be read (no readable manifest,
        │                 unknown format, a malformed manifest, a file that is
        │                 not a regular file, too large in all), or write_bundle
        │                 was given something it cannot write
        └── FileTooLarge  one file holds more bytes than it may (left unread)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from audit.errors import AuditError
from audit.note import Ed25519Verifier

__all__ = [
    "CHECKPOINT_DIR",
    "COSIGNATURES",
    "DEFAULT_MAX_BYTES",
    "ENTRIES",
    "FORMAT",
    "LOG_VKEY",
    "MANIFEST",
    "MANIFEST_SCHEMA",
    "MINUTES_DIR",
    "VERSION",
    "WITNESS_VKEYS",
    "Bundle",
    "BundleError",
    "Fetch",
    "FileDigest",
    "FileTooLarge",
    "check_bundle_target",
    "format_cosignatures",
    "manifest_problem",
    "minutes_entry",
    "minutes_file",
    "parse_cosignatures",
    "read_bundle",
    "read_bundle_from",
    "read_file",
    "write_bundle",
]

FORMAT = "tellers-bundle"
"""The ``format`` of every manifest."""

VERSION = 1
"""The manifest ``version`` this module writes and reads."""

MANIFEST = "bundle.json"
ENTRIES = "entries.jsonl"
CHECKPOINT_DIR = "checkpoints"
LOG_VKEY = "log.vkey"
COSIGNATURES = "cosignatures"
WITNESS_VKEYS = "witnesses.vkeys"
MINUTES_DIR = "minutes"

REQUIRED = (ENTRIES, LOG_VKEY)
"""Files every bundle has besides the manifest and its checkpoints."""

_SHA256_HEX = "^[0-9a-f]{64}$"
_CHECKPOINT_NAME = "^checkpoints/[0-9]{6,}\\.note$"
_FILE_NAME = (
    "^(entries\\.jsonl|log\\.vkey|cosignatures|witnesses\\.vkeys|checkpoints/[0-9]{6,}\\.note"
    "|minutes/[0-9]{6,}\\.md)$"
)

MANIFEST_SCHEMA: Mapping[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://tellers.invalid/schemas/bundle-1.json",
    "title": "tellers verification bundle manifest (bundle.json), version 1",
    "type": "object",
    "required": ["format", "version", "origin", "size", "checkpoints", "files"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        "origin": {
            "description": "The log's origin line: its key's name (c2sp.org/tlog-checkpoint)",
            "type": "string",
            "minLength": 1,
        },
        "size": {
            "description": "Entries in entries.jsonl; the size of the last checkpoint",
            "type": "integer",
            "minimum": 0,
        },
        "checkpoints": {
            "description": "The signed checkpoint notes, in order of tree size",
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": _CHECKPOINT_NAME},
        },
        "files": {
            "description": "Every other file of the bundle (entries, keys, cosignatures, the "
                           "minutes of each meeting) with its SHA-256 and length in bytes",
            "type": "object",
            "propertyNames": {"pattern": _FILE_NAME},
            "additionalProperties": {
                "type": "object",
                "required": ["sha256", "bytes"],
                "additionalProperties": False,
                "properties": {
                    "sha256": {"type": "string", "pattern": _SHA256_HEX},
                    "bytes": {"type": "integer", "minimum": 0},
                },
            },
        },
    },
}
"""JSON Schema (draft 2020-12) of ``bundle.json``; ``docs/bundle.schema.json`` is this, as JSON."""


class BundleError(AuditError):
    """Not a bundle (no readable manifest, unknown format), or not something a bundle can hold."""


@dataclass(frozen=True, slots=True)
class FileDigest:
    """What was actually read (or written) for one file: its SHA-256 (hex) and length."""

    sha256: str
    size: int

    @classmethod
    def of(cls, data: bytes) -> FileDigest:
        return cls(hashlib.sha256(data).hexdigest(), len(data))


@dataclass(frozen=True, slots=True)
class Bundle:
    """A bundle as read, unjudged: the manifest, the entries and the other files' bytes.

    ``entries`` are the lines of ``entries.jsonl`` without their newline;
    ``entries_terminated`` is false when the file's last line had no newline
    (a truncated copy). ``files`` holds the bytes of every other file found,
    by its path in the bundle; ``digests`` the SHA-256 of every file read,
    ``entries.jsonl`` included. ``checkpoint_names`` are the checkpoint files
    in the manifest's order; ``unlisted`` names files found that the manifest
    does not list (in a bundle directory's ``checkpoints/``, or a file a bundle
    may hold); ``oversized`` names listed files larger than the manifest says,
    left unread.
    """

    source: str
    manifest: Mapping[str, Any]
    entries: tuple[bytes, ...]
    entries_terminated: bool
    files: Mapping[str, bytes]
    digests: Mapping[str, FileDigest]
    checkpoint_names: tuple[str, ...]
    unlisted: tuple[str, ...] = ()
    oversized: tuple[str, ...] = ()

    @property
    def origin(self) -> str:
        """The manifest's origin (unchecked; ``""`` when it has none)."""
        origin = self.manifest.get("origin")
        return origin if isinstance(origin, str) else ""

    @property
    def checkpoints(self) -> tuple[bytes, ...]:
        """The checkpoint notes' bytes, in the manifest's order (missing files left out)."""
        return tuple(self.files[name] for name in self.checkpoint_names if name in self.files)

    @property
    def vkey(self) -> str | None:
        """The bundle's own log key, stripped, or ``None`` if absent or not UTF-8."""
        return _text_line(self.files.get(LOG_VKEY))

    @property
    def minutes(self) -> dict[int, bytes]:
        """The minutes files found, by the entry convening their meeting (unchecked)."""
        found = ((minutes_entry(name), data) for name, data in self.files.items())
        return {entry: data for entry, data in found if entry is not None}

    @property
    def witness_vkeys(self) -> tuple[str, ...]:
        """The bundle's own witness keys, one a line (empty when absent or not UTF-8)."""
        data = self.files.get(WITNESS_VKEYS)
        if data is None:
            return ()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return ()
        return tuple(line for line in text.split("\n") if line)


def _text_line(data: bytes | None) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8").strip("\n")
    except UnicodeDecodeError:
        return None


# -- cosignature file ---------------------------------------------------------------


def format_cosignatures(cosigned: Mapping[int, Sequence[str]]) -> bytes:
    """The ``cosignatures`` file: per checkpoint size, ``size N`` then its signature lines.

    Blocks are in increasing size, separated by a blank line. Each line is a
    c2sp.org/signed-note signature line (``— <name> <base64>``) as a witness
    returned it (c2sp.org/tlog-witness), with or without its newline.
    """
    blocks = []
    for size in sorted(cosigned):
        if type(size) is not int or size < 0:
            raise BundleError(f"cosignatures are keyed by checkpoint size, not {size!r}")
        lines = [line.removesuffix("\n") for line in cosigned[size]]
        for line in lines:
            if not line.startswith("\u2014 ") or "\n" in line:
                raise BundleError(f"{line[:40]!r} is not one signature line")
        if lines:
            blocks.append(f"size {size}\n" + "".join(f"{line}\n" for line in lines))
    return "\n".join(blocks).encode("utf-8")


def parse_cosignatures(data: bytes) -> dict[int, tuple[str, ...]]:
    """Read a ``cosignatures`` file strictly: the inverse of :func:`format_cosignatures`.

    Each returned line carries its newline, ready to append to the checkpoint
    note it cosigns. Raises :class:`BundleError` on any deviation.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BundleError("the cosignatures file is not UTF-8") from None
    if not text:
        return {}
    if not text.endswith("\n"):
        raise BundleError("the cosignatures file does not end with a newline")
    result: dict[int, tuple[str, ...]] = {}
    for block in text[:-1].split("\n\n"):
        header, *lines = block.split("\n")
        word, _, number = header.partition(" ")
        if word != "size" or not number.isdigit() or (number != "0" and number[0] == "0"):
            raise BundleError(f"cosignature block starts with {header[:40]!r}, not 'size N'")
        size = int(number)
        if size in result or (result and size < max(result)):
            raise BundleError(f"cosignature blocks are in increasing size; size {size} is not")
        if not lines or any(not line.startswith("\u2014 ") for line in lines):
            raise BundleError(f"cosignature block for size {size} holds a line that is not "
                              "a signature line")
        result[size] = tuple(f"{line}\n" for line in lines)
    return result


# -- writing ----------------------------------------------------------------------


def _checkpoint_name(position: int) -> str:
    return f"{CHECKPOINT_DIR}/{position:06d}.note"


def minutes_file(entry: int) -> str:
    """The bundle's file for the minutes of the meeting convened by entry ``entry``."""
    if type(entry) is not int or entry < 0:
        raise BundleError(f"minutes are keyed by the entry convening the meeting, not {entry!r}")
    return f"{MINUTES_DIR}/{entry:06d}.md"


def minutes_entry(name: str) -> int | None:
    """The entry whose meeting ``name`` holds the minutes of (the inverse of
    :func:`minutes_file`), or ``None`` if ``name`` is not exactly a minutes file's name."""
    stem = name.removeprefix(f"{MINUTES_DIR}/").removesuffix(".md")
    if not (stem.isascii() and stem.isdigit()):
        return None
    entry = int(stem)
    return entry if minutes_file(entry) == name else None


def check_bundle_target(directory: str | os.PathLike[str]) -> None:
    """Refuse (:class:`BundleError`) a place :func:`write_bundle` would not write to: a file,
    or a directory that holds other files and no bundle. A missing directory is fine."""
    path = Path(directory)
    if path.exists():
        if not path.is_dir():
            raise BundleError(f"{path} exists and is not a directory")
        if any(path.iterdir()) and not (path / MANIFEST).exists():
            raise BundleError(f"{path} holds other files and no bundle: refusing to write there")


def write_bundle(
    directory: str | os.PathLike[str],
    *,
    entries: Sequence[bytes],
    checkpoints: Sequence[str],
    vkey: str,
    cosigned: Mapping[int, Sequence[str]] | None = None,
    witness_vkeys: Sequence[str] = (),
    minutes: Mapping[int, str | bytes] | None = None,
) -> Path:
    """Write a bundle to ``directory`` and return the manifest's path.

    ``entries`` are the log's leaves, each the canonical bytes of one entry
    (RFC 8785; no raw newline can occur in them); ``checkpoints`` the signed
    checkpoint notes in order of size; ``vkey`` the log's verifier key, whose
    name is the origin; ``cosigned`` maps a checkpoint's size to the witness
    cosignature lines on it; ``minutes`` maps the position of the entry that
    convened each meeting to that meeting's Markdown minutes
    (``voting.minutes.Minutes.by_entry``; text, or bytes written as they are),
    as ``minutes/NNNNNN.md``.
    Nothing is checked beyond what the files need to be written unambiguously:
    checking is :func:`audit.verify.verify`'s job.

    The directory is created if missing. An existing directory must be empty
    or hold an earlier bundle, which is replaced (its manifest is removed
    first and written last, so a half-written bundle has none).
    """
    path = Path(directory)
    origin = Ed25519Verifier.from_vkey(vkey.strip()).name
    if not checkpoints:
        raise BundleError("a bundle needs at least one signed checkpoint")
    if cosigned and not witness_vkeys:
        raise BundleError("cosignatures need the witnesses' verifier keys beside them")
    for vkey_line in witness_vkeys:
        if not vkey_line or "\n" in vkey_line.strip("\n"):
            raise BundleError("each witness verifier key is one non-empty line")
    minutes_files = {minutes_file(entry): text for entry, text in (minutes or {}).items()}
    check_bundle_target(path)
    if path.exists():
        (path / MANIFEST).unlink(missing_ok=True)
        old = path / CHECKPOINT_DIR
        if old.is_dir():
            for stale in old.glob("*.note"):
                stale.unlink()
        for optional in (COSIGNATURES, WITNESS_VKEYS):
            (path / optional).unlink(missing_ok=True)
        if (path / MINUTES_DIR).is_dir():
            for stale in (path / MINUTES_DIR).glob("*.md"):
                stale.unlink()
    (path / CHECKPOINT_DIR).mkdir(parents=True, exist_ok=True)

    files: dict[str, FileDigest] = {ENTRIES: _write_entries(path / ENTRIES, entries)}
    names = []
    for position, note in enumerate(checkpoints):
        name = _checkpoint_name(position)
        names.append(name)
        files[name] = _write(path / name, note.encode("utf-8"))
    files[LOG_VKEY] = _write(path / LOG_VKEY, vkey.strip("\n").encode("utf-8") + b"\n")
    if cosigned:
        files[COSIGNATURES] = _write(path / COSIGNATURES, format_cosignatures(cosigned))
    if witness_vkeys:
        text = "".join(f"{v.strip()}\n" for v in witness_vkeys)
        files[WITNESS_VKEYS] = _write(path / WITNESS_VKEYS, text.encode("utf-8"))
    if minutes_files:
        (path / MINUTES_DIR).mkdir(exist_ok=True)
    for name, published in minutes_files.items():
        data = published if isinstance(published, bytes) else published.encode("utf-8")
        files[name] = _write(path / name, data)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "origin": origin,
        "size": len(entries),
        "checkpoints": names,
        "files": {
            name: {"sha256": digest.sha256, "bytes": digest.size}
            for name, digest in sorted(files.items())
        },
    }
    target = path / MANIFEST
    _write(target, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return target


def _write(path: Path, data: bytes) -> FileDigest:
    path.write_bytes(data)
    return FileDigest.of(data)


def _write_entries(path: Path, entries: Iterable[bytes]) -> FileDigest:
    digest = hashlib.sha256()
    size = 0
    with path.open("wb") as out:
        for index, entry in enumerate(entries):
            if not isinstance(entry, bytes) or b"\n" in entry or not entry:
                raise BundleError(f"entry {index} is not one line of canonical JSON bytes")
            line = entry + b"\n"
            out.write(line)
            digest.update(line)
            size += len(line)
    return FileDigest(digest.hexdigest(), size)


# -- reading ----------------------------------------------------------------------

DEFAULT_MAX_BYTES = 1 << 30
"""The most bytes a bundle may hold, manifest included, unless the reader raises it (1 GiB:
about four million entries of the usual size)."""


class FileTooLarge(BundleError):
    """A file of the bundle holds more bytes than it may: it was left unread."""

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        super().__init__(f"{name} holds more than {limit} bytes")


class Fetch(Protocol):
    """Reads one file of a bundle by its path in the bundle, at most ``limit`` bytes of it.

    Returns ``None`` when there is no such file; raises :class:`FileTooLarge`
    when it holds more than ``limit`` bytes (reading at most ``limit + 1`` of
    them, none when its size is known beforehand), and :class:`BundleError`
    when it cannot be read or is not a plain file.
    """

    def __call__(self, name: str, limit: int, /) -> bytes | None: ...


_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"),
          (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
_READ_STEP = 1 << 30


def _kind(mode: int) -> str:
    return next((word for test, word in _KINDS if test(mode)), "not a regular file")


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise BundleError(f"cannot read {path}: {exc.strerror}") from None


def read_file(root: Path, name: str, limit: int) -> bytes | None:
    """The bytes of file ``name`` (a bundle path, ``/``-separated) in directory ``root``.

    Only a regular file inside ``root`` is read: every component of ``name``
    is looked at without following links (``os.lstat``), so a symbolic link
    (even to a file inside the bundle), a device, a FIFO or a socket is
    refused with :class:`BundleError` before anything is opened; the file is
    then opened without following links or blocking, and must still be the
    one looked at. A file larger than ``limit`` bytes raises
    :class:`FileTooLarge` unread; at most ``limit + 1`` bytes are ever read.
    ``None`` when there is no such file.
    """
    *folders, _ = name.split("/")
    path = root
    for part in folders:
        path = path / part
        found = _lstat(path)
        if found is None:
            return None
        if not stat.S_ISDIR(found.st_mode):
            raise BundleError(f"{path} is {_kind(found.st_mode)}, not a folder of the bundle: "
                              "refused")
    path = root / name
    before = _lstat(path)
    if before is None:
        return None
    if not stat.S_ISREG(before.st_mode):
        raise BundleError(f"{path} is {_kind(before.st_mode)}: a bundle holds only regular "
                          "files, so it is refused")
    if before.st_size > limit:
        raise FileTooLarge(name, limit)
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise BundleError(f"cannot read {path}: {exc.strerror}") from None
    try:
        after = os.fstat(descriptor)
        if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino) \
                or not stat.S_ISREG(after.st_mode):
            raise BundleError(f"{path} was replaced while it was being read: refused")
        chunks = []
        wanted = limit + 1
        while wanted > 0:  # asking for one byte more than the size shows whether it grew
            step = min(wanted, _READ_STEP, max(after.st_size - (limit + 1 - wanted), 0) + 1)
            chunk = os.read(descriptor, step)
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
    except OSError as exc:
        raise BundleError(f"cannot read {path}: {exc.strerror}") from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > limit:
        raise FileTooLarge(name, limit)
    return data


def read_bundle(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Bundle:
    """Read the bundle in directory ``path`` (see :func:`read_bundle_from` and
    :func:`read_file`: regular files inside the directory only, each read up to its size in
    the manifest, ``max_bytes`` in all).

    Files in ``checkpoints/`` or ``minutes/`` that the manifest does not list
    are reported in :attr:`Bundle.unlisted`, for the verifier to refuse.
    """
    root = Path(path)
    if not root.is_dir():
        raise BundleError(f"{root} is not a directory")

    def fetch(name: str, limit: int) -> bytes | None:
        return read_file(root, name, limit)

    bundle = read_bundle_from(fetch, str(root), max_bytes=max_bytes)
    listed = set(bundle.checkpoint_names) | set(bundle.digests) | set(bundle.unlisted)
    present: list[str] = []
    for folder_name in (CHECKPOINT_DIR, MINUTES_DIR):
        folder = root / folder_name
        found = _lstat(folder)
        try:
            if found is not None and stat.S_ISDIR(found.st_mode):
                present += [f"{folder_name}/{name}" for name in os.listdir(folder)]
        except OSError as exc:
            raise BundleError(f"cannot read {folder}: {exc.strerror}") from None
    unlisted = tuple(sorted(name for name in present if name not in listed))
    return replace(bundle, unlisted=(*bundle.unlisted, *unlisted)) if unlisted else bundle


def manifest_problem(manifest: Mapping[str, Any]) -> str | None:
    """What makes ``manifest`` not a manifest :data:`MANIFEST_SCHEMA` allows, or ``None``.

    The schema's rules by hand (there is no JSON Schema library among the
    dependencies): exactly its fields, of its types (a JSON ``true`` is no
    integer), file names of a bundle's layout only (so none can lead out of
    the bundle's folder), hex SHA-256 digests and non-negative byte counts.
    """
    fields = {"format", "version", "origin", "size", "checkpoints", "files"}
    missing = sorted(fields - set(manifest))
    if missing:
        return f"it has no {missing[0]!r}"
    extra = sorted(set(manifest) - fields)
    if extra:
        return f"it has an unknown field {extra[0][:40]!r}"
    origin = manifest["origin"]
    if not isinstance(origin, str) or not origin:
        return "its origin is not a non-empty string"
    if not _whole(manifest["size"]):
        return "its size is not a whole number"
    names = manifest["checkpoints"]
    if not isinstance(names, list) or not names:
        return "its checkpoints are not a non-empty list"
    for name in names:
        if not isinstance(name, str) or not re.fullmatch(_CHECKPOINT_NAME, name):
            return f"it lists a checkpoint {str(name)[:60]!r} that is not checkpoints/NNNNNN.note"
    files = manifest["files"]
    if not isinstance(files, dict):
        return "its files are not an object"
    for name, described in files.items():
        if not re.fullmatch(_FILE_NAME, name):
            return f"it lists a file {name[:60]!r} that no bundle holds (refused unread)"
        if not isinstance(described, dict) or set(described) != {"sha256", "bytes"}:
            return f"its entry for {name} is not {{sha256, bytes}}"
        digest = described["sha256"]
        if not isinstance(digest, str) or not re.fullmatch(_SHA256_HEX, digest):
            return f"its sha256 for {name} is not 64 lowercase hex digits"
        if not _whole(described["bytes"]):
            return f"its byte count for {name} is not a whole number"
    return None


def _whole(value: object) -> bool:
    return type(value) is int and value >= 0


def read_bundle_from(fetch: Fetch, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES
                     ) -> Bundle:
    """Read a bundle through ``fetch``: the manifest, then every file it lists or requires.

    Raises :class:`BundleError` when there is no bundle to judge: no
    manifest; a manifest that is not JSON (or nested too deeply to parse),
    not UTF-8, of another format or version, or not of :data:`MANIFEST_SCHEMA`
    (:func:`manifest_problem`); more than ``max_bytes`` in the manifest and
    the files it declares together; or a file that is not a plain file
    (:func:`read_file`). Each listed file is read only up to the byte count
    the manifest gives it: a longer one is left unread and named in
    :attr:`Bundle.oversized`. Files the manifest does not list but a bundle
    may hold are only looked for, and named in :attr:`Bundle.unlisted`.
    Everything else (missing files, bad hashes, bad contents) is left for
    the verifier to report by check id.
    """
    try:
        raw = fetch(MANIFEST, max_bytes)
    except FileTooLarge:
        raise BundleError(f"{source}/{MANIFEST} is larger than the limit of {max_bytes} bytes "
                          "for a whole bundle: refused unread") from None
    if raw is None:
        raise BundleError(f"{source} has no {MANIFEST}: it is not a tellers bundle")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BundleError(f"{source}/{MANIFEST} is not UTF-8") from None
    except ValueError as exc:
        raise BundleError(f"{source}/{MANIFEST} is not JSON: {exc}") from None
    except RecursionError:
        raise BundleError(f"{source}/{MANIFEST} is nested too deeply to be a manifest") from None
    if not isinstance(manifest, dict):
        raise BundleError(f"{source}/{MANIFEST} is not a JSON object")
    if manifest.get("format") != FORMAT:
        raise BundleError(f"{source}/{MANIFEST} is not a {FORMAT} manifest")
    version = manifest.get("version")
    if type(version) is not int or version != VERSION:
        shown = repr(version) if isinstance(version, int | str) else "not a number"
        raise BundleError(
            f"{source}/{MANIFEST} is version {shown[:40]}; this verifier reads version {VERSION}"
        )
    problem = manifest_problem(manifest)
    if problem is not None:
        raise BundleError(f"{source}/{MANIFEST} is malformed: {problem}")
    declared: dict[str, int] = {name: item["bytes"] for name, item in manifest["files"].items()}
    total = len(raw) + sum(declared.values())
    if total > max_bytes:
        raise BundleError(f"{source} declares {total} bytes, more than the limit of "
                          f"{max_bytes} bytes for a whole bundle: refused unread")
    checkpoint_names = tuple(manifest["checkpoints"])
    files: dict[str, bytes] = {}
    digests: dict[str, FileDigest] = {}
    oversized: list[str] = []
    unlisted: list[str] = []
    entries: tuple[bytes, ...] = ()
    terminated = True
    for name in dict.fromkeys((*REQUIRED, COSIGNATURES, WITNESS_VKEYS, *declared,
                               *checkpoint_names)):
        limit = declared.get(name)
        if limit is None:  # not listed: only whether it is there matters
            try:
                present = fetch(name, 0) is not None
            except FileTooLarge:
                present = True
            if present:
                unlisted.append(name)
            continue
        try:
            data = fetch(name, limit)
        except FileTooLarge:
            oversized.append(name)
            continue
        if data is None:
            continue
        digests[name] = FileDigest.of(data)
        if name == ENTRIES:
            lines = data.split(b"\n")
            terminated = lines[-1] == b""
            entries = tuple(lines[:-1] if terminated else lines)
        else:
            files[name] = data
    return Bundle(source, manifest, entries, terminated, files, digests, checkpoint_names,
                  tuple(unlisted), tuple(oversized))

"""The verifier: checks a bundle offline, from its bytes up to every recounted ballot.

This is the upper half of :mod:`audit`: it replays the log through
:mod:`voting` (which recounts every ballot through :mod:`tallying`), so the
server and every member's verifier share one definition of the rules
(docs/architecture.md; docs/threat-model.md C1, R4). It never imports :mod:`api`.

:func:`verify` runs these checks in this order and stops at the first that
fails, naming the entry or checkpoint and the reason (``docs/verifying.md``
says what each proves):

========== =====================================================================
C-BUNDLE   the manifest is well formed; every file it lists is there with its
           SHA-256 and length; nothing unlisted; entries.jsonl ends in a newline
C-KEY      the log key (given, else pinned here before, else the bundle's own)
           parses (Ed25519, c2sp.org/signed-note), is named for the origin, is
           the bundle's own log.vkey, and is the key this machine pinned or saw
           before for the origin
C-SIG      every checkpoint note carries a valid signature by the log key and is
           a well-formed checkpoint of that origin (c2sp.org/tlog-checkpoint)
C-WITNESS  every cosignature in the bundle is a valid one by a known witness
           (c2sp.org/tlog-cosignature); with pinned witnesses, k of them
           cosigned the latest checkpoint
C-CONSIST  the checkpoints are in order of size and no two of one size have
           different roots (a fork signed by the log key)
C-CANON    every entry is exactly its RFC 8785 canonical form (matched by its event
           type's canonical pattern, or re-encoded and compared byte for byte)
C-SEQ      every entry's ``seq`` is its line index (no gap, insertion, reorder)
C-TIME     every ``time`` is RFC 3339 UTC and none is earlier than the one before
C-ROOT     the Merkle Tree Hash (RFC 9162 §2.1.1) of the first N entries is the
           signed root of every checkpoint of size N; the last checkpoint covers
           every entry
C-KNOWN    the latest checkpoint extends the last one this machine verified for
           the origin (no rollback, no rewritten history)
C-RECEIPT  with receipts (c2sp.org/tlog-proof): each is signed by the log key, its
           checkpoint's root is the published root at its size, and its inclusion
           proof leads from the published entry at its index to that root; with a
           member id, each proves an entry recorded in that member's name (for a
           sealed vote: its mark key opens the entry's mark for the member, who is
           in the marked register at the close); a sealed vote's tracker opens the
           entry's seal with the paper published under it; no two receipts give
           one entry two trackers, or one tracker to two entries; a member key (an
           act in an unattributed meeting) must open a pseudonym of the member on
           that meeting's register, under which the entry is their act
C-REPLAY   every entry decodes to an event the domain accepts in order
           (``voting.decider.evolve``), which recomputes every derived field and
           consequence, recounts every ballot at its close and compares the
           declared counts and outcome; every election's lot seed is the log's
           root as its nominations closed; the log ends after whole commands
C-MINUTES  the bundle carries the minutes of every meeting in the log, each exactly
           the Markdown rendered from the replayed log (``voting.minutes``), and
           no other minutes
C-MEMBER   with a member id: that member is in the log; their records are listed
           (with their receipts' member keys, their acts under pseudonyms too)
========== =====================================================================

The report's types are in :mod:`audit.report`, the memory of the last
checkpoint verified in :mod:`audit.known`. Errors::

    AuditError
    ├── VerificationError     a check failed (audit.report; Report.raise_for_failure)
    └── StateError            the known-checkpoint file is unreadable (audit.errors)
"""

from __future__ import annotations

import base64
import gc
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from audit.bundle import (
    CHECKPOINT_DIR,
    COSIGNATURES,
    ENTRIES,
    LOG_VKEY,
    WITNESS_VKEYS,
    Bundle,
    minutes_entry,
    minutes_file,
    parse_cosignatures,
)
from audit.canonical import MAX_DEPTH, MAX_SAFE_INTEGER, parse
from audit.checkpoint import Checkpoint, parse_checkpoint
from audit.cosignature import CosignatureVerifier
from audit.entry_patterns import decode_line
from audit.errors import AuditError, CanonicalError, ProofError
from audit.known import KnownCheckpoint, KnownState
from audit.merkle import EMPTY_ROOT, Frontier, leaf_hashes
from audit.note import Ed25519Verifier, open_note, parse_note
from audit.receipt import (
    Receipt,
    parse_receipt,
    receipt_member_key,
    receipt_sealed,
    verify_receipt,
)
from audit.report import (
    Check,
    CheckResult,
    Counts,
    MemberRecord,
    Report,
    Status,
    VerificationError,
    member_records,
)
from audit.witness import WitnessPolicy
from tallying.errors import TellersError
from voting import chatham
from voting import events as ev
from voting import seal as sealing
from voting.ballot import CHOICES
from voting.codec import from_entry
from voting.decider import require_complete
from voting.errors import InconsistentEvent
from voting.minutes import BODY_ENTRY, Minutes, MinutesError, MinutesWriter
from voting.state import BodyState, transient
from voting.times import TimeKey, time_key

__all__ = [
    "Check",
    "KnownState",
    "Progress",
    "Report",
    "Status",
    "VerificationError",
    "canonical_value",
    "verifier_identity",
    "verify",
]

Progress = Callable[[int], None]
"""Called with the number of checkpoints or entries just processed (for a progress bar):
every checkpoint's signature is checked, then every entry, so a run reports
``len(checkpoint_names) + len(entries)`` in all."""

PROGRESS_STEP = 10_000


# -- who is verifying --------------------------------------------------------------------


def verifier_identity() -> dict[str, str]:
    """The verifier's name, version and the SHA-256 of the code it runs (docs/threat-model.md H1).

    The hash covers every ``.py`` file of :mod:`audit`, :mod:`voting` and
    :mod:`tallying`, by relative path and content, in path order.
    """
    from importlib.metadata import PackageNotFoundError, version

    import tallying
    import voting

    try:
        release = version("tellers")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        release = "unknown"
    digest = hashlib.sha256()
    for package in (Path(__file__).parent, Path(voting.__file__).parent,
                    Path(tallying.__file__).parent):
        for source in sorted(package.rglob("*.py")):
            relative = f"{package.name}/{source.relative_to(package).as_posix()}"
            digest.update(relative.encode() + b"\0" + source.read_bytes() + b"\0")
    return {"name": "tellers", "version": release, "sha256": digest.hexdigest()}


# -- canonical bytes, fast -----------------------------------------------------------------

def _safe_int(text: str) -> int:
    number = int(text)
    if -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER:
        return number
    raise CanonicalError(f"integer {text} is outside ±(2**53 - 1)")


_decode_json = json.JSONDecoder(
    parse_float=lambda text: _refuse(f"number {text} is not an integer"),
    parse_int=_safe_int,
    parse_constant=lambda text: _refuse(f"{text} is not JSON"),
).decode
_encode_json = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
).encode
_CHECKPOINT_FILE = re.compile(rf"{CHECKPOINT_DIR}/[0-9]{{6,}}\.note")


def _refuse(message: str) -> NoReturn:
    raise CanonicalError(message)


try:  # an optional accelerator (the ``fast`` extra); the standard library road is the same
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the installation
    _orjson = None  # type: ignore[assignment]

_ORJSON_OPTIONS = 0 if _orjson is None else _orjson.OPT_SORT_KEYS | _orjson.OPT_STRICT_INTEGER


def _has_float(value: Any) -> bool:
    """Whether a parsed JSON value holds a float anywhere (a loop, not recursion: it is hot)."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is float:
            return True
    return False


def _fast_value(line: bytes) -> Any:
    """The value of an ASCII line that is its own canonical form, or ``None`` if unsure."""
    if _orjson is not None:
        # orjson writes sorted, compact JSON with RFC 8785's escapes (short forms for
        # \b \t \n \f \r, lowercase \u00XX for other controls) and refuses integers
        # beyond 53 bits; floats are looked for separately, as it would write them back.
        try:
            value = _orjson.loads(line)
            same = _orjson.dumps(value, option=_ORJSON_OPTIONS) == line
        except (ValueError, TypeError):
            return None
        return value if same and not _has_float(value) else None
    text = line.decode("ascii")
    try:
        value = _decode_json(text)
    except ValueError:
        return None
    return value if _encode_json(value) == text else None


def canonical_value(line: bytes) -> Any:
    """The entry whose RFC 8785 canonical bytes are ``line``; :class:`CanonicalError` otherwise.

    The authority is :func:`audit.canonical.parse`. This takes a fast road
    first, for ASCII lines: ``orjson`` when it is installed (the ``fast``
    extra), otherwise the standard library's JSON decoder (refusing
    floats, NaN and integers beyond ±2**53 - 1) and a sorted, compact encoder
    write exactly RFC 8785 (§3.2.2.2 escapes, §3.2.2.3 integers, §3.2.3 key
    order) for ASCII text whose strings and keys are ASCII, nested at most
    :data:`audit.canonical.MAX_DEPTH` deep. (An ASCII line that re-encodes to
    itself has only ASCII strings, all of them NFC: a ``\\u`` escape of
    anything but a control character would not survive the re-encoding.) A line the fast road does
    not accept goes to :func:`audit.canonical.parse`, which decides and
    explains. The tests hold the two to the same answers.
    """
    if line.isascii():
        value = _fast_value(line)
        if value is not None and (
            line.count(b"[") + line.count(b"{") <= MAX_DEPTH or _depth(value) <= MAX_DEPTH
        ):
            return value
    return parse(line)


def _depth(value: Any) -> int:
    """The nesting depth :func:`audit.canonical.canonical` measures: how many lists and
    objects enclose the most deeply enclosed value (``1`` and ``[]`` are 0, ``[1]`` is 1)."""
    depth = 0
    level = [value]
    while True:
        deeper: list[Any] = []
        for item in level:
            if isinstance(item, list):
                deeper.extend(item)
            elif isinstance(item, dict):
                deeper.extend(item.values())
        if not deeper:
            return depth
        depth += 1
        level = deeper


# -- times ---------------------------------------------------------------------------

class _Times:
    """Orders event times by the domain's one definition of a valid time
    (:func:`voting.times.time_key`: RFC 3339 UTC, ``YYYY-MM-DDTHH:MM:SS[.frac]Z``)."""

    __slots__ = ()

    def key(self, value: object) -> TimeKey | None:
        """A sort key for ``value``, or ``None`` unless it is an RFC 3339 UTC time."""
        return time_key(value)


# -- the tree ------------------------------------------------------------------------

_TREE_STEP = 4096


def _roots(entries: Sequence[bytes], sizes: set[int]) -> dict[int, bytes]:
    """The Merkle Tree Hash (RFC 9162 §2.1.1) of the first ``n`` entries, for each ``n`` in
    ``sizes`` up to ``len(entries)``; the leaves are hashed and the tree grown a batch at a
    time (:meth:`audit.merkle.Frontier.extend`)."""
    roots = {0: EMPTY_ROOT} if 0 in sizes else {}
    frontier = Frontier()
    stops = {size for size in sizes if 0 < size <= len(entries)}
    stops.update(range(_TREE_STEP, len(entries), _TREE_STEP))
    stops.add(len(entries))
    start = 0
    for stop in sorted(stops):
        frontier.extend(leaf_hashes(entries[start:stop]))
        start = stop
        if stop in sizes:
            roots[stop] = frontier.root()
    return roots


# -- the run -------------------------------------------------------------------------


@dataclass(slots=True)
class _Scan:
    """What one pass over the entries found: the first failure of each kind, and the rest."""

    canon: VerificationError | None = None
    seq: VerificationError | None = None
    time: VerificationError | None = None
    replay: VerificationError | None = None
    roots: dict[int, bytes] = field(default_factory=dict)
    state: BodyState = field(default_factory=BodyState)
    ballots: int = 0
    votes: int = 0
    member_name: str = ""
    admitted: bool = False
    records: list[MemberRecord] = field(default_factory=list)
    closes: dict[tuple[str, str], int] = field(default_factory=dict)  # question -> its close
    minutes: MinutesWriter = field(default_factory=MinutesWriter)  # written as it replays


class _Run:
    """One verification: the bundle, the options, and what each check has found so far."""

    def __init__(
        self,
        bundle: Bundle,
        key: str | None,
        witnesses: Sequence[str],
        threshold: int | None,
        known: KnownState | None,
        member: str | None,
        progress: Progress | None,
        receipts: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.bundle = bundle
        self.receipts = [(name, text, _parse_receipt(text)) for name, text in receipts]
        # members' keys for unattributed meetings, from their receipts (voting.chatham), and
        # the pseudonyms they open for ``member`` in the registers logged
        self.member_keys = sorted({receipt_member_key(parsed[0].extra)
                                   for _, _, parsed in self.receipts
                                   if not isinstance(parsed, AuditError)} - {""})
        self.aliases: set[str] = set()
        self.key = key
        self.witnesses = tuple(witnesses)
        self.threshold = threshold
        self.known = known
        self.member = member
        self.progress = progress
        self.notes: list[str] = []
        self.verifier: Ed25519Verifier | None = None
        self.checkpoints: list[tuple[str, str, Checkpoint]] = []  # file, note, body
        self.cosigners: tuple[str, ...] = ()
        self.witness_count = 0
        self.previous: KnownCheckpoint | None = None
        self.pinned = False  # the key was given, or pinned on this machine before
        self.scan: _Scan | None = None
        self.minutes: Minutes | None = None

    def fail(self, check: Check, message: str, *, entry: int | None = None,
             checkpoint: str | None = None) -> NoReturn:
        raise VerificationError(check, message, entry=entry, checkpoint=checkpoint)

    # C-BUNDLE -------------------------------------------------------------------
    def check_bundle(self) -> str:
        b = self.bundle
        m = b.manifest
        c = Check.BUNDLE
        extra = set(m) - {"format", "version", "origin", "size", "checkpoints", "files"}
        if extra:
            self.fail(c, f"the manifest has unknown fields {sorted(extra)}")
        if not isinstance(m.get("origin"), str) or not m["origin"]:
            self.fail(c, "the manifest names no origin")
        size = m.get("size")
        if type(size) is not int or size < 0:
            self.fail(c, "the manifest's size is not a whole number")
        names = m.get("checkpoints")
        if not isinstance(names, list) or not names or len(b.checkpoint_names) != len(names):
            self.fail(c, "the manifest lists no checkpoints, or not as file names")
        listed = set(names)
        if len(listed) != len(names):
            self.fail(c, "the manifest lists a checkpoint file twice")
        if not all(_CHECKPOINT_FILE.fullmatch(name) for name in names):
            self.fail(c, f"the manifest's checkpoints are not all {CHECKPOINT_DIR}/NNNNNN.note")
        files = m.get("files")
        if not isinstance(files, dict):
            self.fail(c, "the manifest has no file list")
        for name in (ENTRIES, LOG_VKEY, *names):
            if name not in files:
                self.fail(c, f"the manifest does not list {name}")
        for name, described in files.items():
            if not isinstance(described, dict) or set(described) != {"sha256", "bytes"}:
                self.fail(c, f"the manifest's entry for {name!r} is not {{sha256, bytes}}")
            if name.startswith(f"{CHECKPOINT_DIR}/") and name not in listed:
                self.fail(c, f"{name} is listed as a file but not as a checkpoint")
            if name in b.oversized:
                self.fail(c, f"{name} is larger than the {described['bytes']} bytes the "
                             "manifest gives (a damaged or altered copy): left unread")
            got = b.digests.get(name)
            if got is None:
                self.fail(c, f"{name} is missing")
            if (got.sha256, got.size) != (described["sha256"], described["bytes"]):
                self.fail(c, f"{name} does not match its SHA-256 or length in the manifest "
                             "(a damaged or altered copy)")
        unlisted = sorted({*b.digests} - set(files)) + list(b.unlisted)
        if unlisted:
            self.fail(c, f"{unlisted[0]} is in the bundle but not in the manifest")
        if not b.entries_terminated:
            self.fail(c, f"{ENTRIES} does not end with a newline (truncated?)",
                      entry=len(b.entries) - 1)
        if size != len(b.entries):
            self.fail(c, f"the manifest says {size} entries; {ENTRIES} has {len(b.entries)}")
        return f"{len(files)} files present with the SHA-256 the manifest gives"

    # C-KEY ----------------------------------------------------------------------
    def check_key(self) -> str:
        c = Check.KEY
        own = self.bundle.vkey
        origin = self.bundle.origin
        previous = self.known.get(origin) if self.known is not None else None
        self.previous = previous
        given = self.key.strip() if self.key is not None else None
        here = previous.vkey if previous is not None and previous.pinned else None
        text = given if given is not None else here if here is not None else own
        if text is None:
            self.fail(c, f"no key given and the bundle's {LOG_VKEY} is missing or not UTF-8")
        try:
            verifier = Ed25519Verifier.from_vkey(text)
        except AuditError as exc:
            self.fail(c, f"the log key does not parse: {exc}")
        if verifier.name != origin:
            self.fail(c, f"the key is for {verifier.name!r}, the bundle for {origin!r}")
        if previous is not None:
            for whose, candidate in (("the key given", given), (f"the bundle's {LOG_VKEY}", own)):
                if candidate is not None and _normal_vkey(candidate) != previous.vkey:
                    self.fail(c, self._clash(whose, candidate, previous))
        if given is not None and own != given:
            self.fail(c, f"the bundle's own {LOG_VKEY} is not the key given to check it by")
        self.pinned = given is not None or here is not None
        if not self.pinned:
            self.notes.append("the log key was not pinned: it was taken from the bundle itself, "
                              "so a forger could have replaced it; pass --key with the key the "
                              "body published")
        elif given is None and self.known is not None:
            self.notes.append(f"the log key is the one pinned for {origin} on this machine "
                              f"(in {self.known.path})")
        self.verifier = verifier
        how = "pinned" if given is not None else "pinned here before" if here else "NOT pinned"
        return f"{verifier.vkey()} ({how})"

    def _clash(self, whose: str, candidate: str, previous: KnownCheckpoint) -> str:
        """The C-KEY refusal when a key is not the one this machine knows for the origin,
        saying how a member resolves it (docs/verifying.md, "When the key changes")."""
        where = self.known.path if self.known is not None else "the known-checkpoint file"
        known_as = "pinned" if previous.pinned else "saw (unpinned)"
        return (f"{whose} ({candidate[:120]}) is not the key this machine {known_as} for "
                f"{previous.origin!r} ({previous.vkey}), kept with the checkpoint of size "
                f"{previous.size} verified here, in {where}. A log key that changes under the "
                "same origin is a warning sign: a forger re-signing a rewritten log looks "
                "exactly like this. Ask the body, by another channel than this bundle, "
                "whether it changed its key. Only if it did (or this is another log under "
                "the same name), run again with --key NEW_KEY --replace-pin: the new key is "
                "pinned and the old pin kept in that file, under 'replaced', as evidence")

    # C-SIG ----------------------------------------------------------------------
    def check_signatures(self) -> str:
        verifier = self.verifier
        if verifier is None:  # pragma: no cover - C-KEY sets it or fails
            self.fail(Check.KEY, "no log key")
        progress = self.progress
        for position, name in enumerate(self.bundle.checkpoint_names, start=1):
            if progress is not None and position % PROGRESS_STEP == 0:
                progress(PROGRESS_STEP)
            data = self.bundle.files[name]
            try:
                opened = open_note(data, [verifier])
                checkpoint = parse_checkpoint(opened.text)
            except AuditError as exc:
                self.fail(Check.SIG, str(exc), checkpoint=name)
            if checkpoint.origin != verifier.name:
                self.fail(Check.SIG, f"the checkpoint is for origin {checkpoint.origin!r}",
                          checkpoint=name)
            self.checkpoints.append((name, data.decode("utf-8"), checkpoint))
        if progress is not None and len(self.checkpoints) % PROGRESS_STEP:
            progress(len(self.checkpoints) % PROGRESS_STEP)
        return f"{len(self.checkpoints)} checkpoints signed by {verifier.name}"

    # C-WITNESS ------------------------------------------------------------------
    def check_witnesses(self) -> str:
        c = Check.WITNESS
        raw = self.bundle.files.get(COSIGNATURES)
        try:
            cosigned = parse_cosignatures(raw) if raw is not None else {}
            pinned = [CosignatureVerifier.from_vkey(v.strip()) for v in self.witnesses]
            own = [CosignatureVerifier.from_vkey(v) for v in self._own_witness_keys()]
        except AuditError as exc:
            self.fail(c, str(exc))
        if self.threshold is not None and not pinned:
            self.fail(c, "a witness threshold needs the witnesses' keys")
        if cosigned and not (own or pinned):
            self.fail(c, f"the bundle has cosignatures but no {WITNESS_VKEYS} to check them by")
        by_key = {(w.name, bytes(w.key_id)): w for w in (*own, *pinned)}
        sizes = {checkpoint.size for _, _, checkpoint in self.checkpoints}
        unknown = sorted(set(cosigned) - sizes)
        if unknown:
            self.fail(c, f"cosignatures for size {unknown[0]}, which no checkpoint has")
        verified: dict[str, list[str]] = {}
        for size, lines in cosigned.items():
            # A cosignature states that the witness saw one of the checkpoints of its size;
            # two of one size is a fork, which C-CONSIST names.
            candidates = [(name, note) for name, note, checkpoint in self.checkpoints
                          if checkpoint.size == size]
            name, note = candidates[-1]
            try:
                own_lines = len(parse_note(note).signatures)
                parsed = parse_note(note + "".join(lines))
            except AuditError as exc:
                self.fail(c, f"a cosignature line is malformed: {exc}", checkpoint=name)
            texts = {name: parse_note(note).text.encode("utf-8") for name, note in candidates}
            for signature in parsed.signatures[own_lines:]:
                witness = by_key.get((signature.name, bytes(signature.key_id)))
                if witness is None:
                    self.fail(c, f"a cosignature by {signature.name!r} (key ID "
                                 f"{signature.key_id.hex()}), a key no witness list holds",
                              checkpoint=name)
                good = [n for n, text in texts.items() if witness.verify(text, signature.signature)]
                if not good:
                    self.fail(c, f"invalid cosignature by witness {signature.name}",
                              checkpoint=name)
                for cosigned_name in good:
                    verified.setdefault(cosigned_name, []).append(signature.name)
        latest_name, latest_note, latest = self.checkpoints[-1]
        count = sum(len(names) for names in verified.values())
        if not pinned:
            self.witness_count = len(own)
            self.cosigners = tuple(dict.fromkeys(verified.get(latest_name, ())))
            if own:
                self.notes.append("the witness keys were not pinned: cosignatures were checked "
                                  f"against the bundle's own {WITNESS_VKEYS}; pass --witness")
            return f"{count} cosignatures valid; no witness policy asked for"
        threshold = len(pinned) if self.threshold is None else self.threshold
        try:
            policy = WitnessPolicy(tuple(pinned), threshold)
        except ValueError as exc:
            self.fail(c, str(exc))
        try:
            self.cosigners = policy.check(latest_note + "".join(cosigned.get(latest.size, ())))
        except AuditError as exc:
            self.fail(c, str(exc), checkpoint=latest_name)
        self.threshold = threshold
        self.witness_count = len(pinned)
        return (f"{len(self.cosigners)} of {len(pinned)} pinned witnesses cosigned the latest "
                f"checkpoint (at least {threshold} required); {count} cosignatures valid")

    def _own_witness_keys(self) -> list[str]:
        """The bundle's witnesses.vkeys, one key a line, strictly (UTF-8, each line ended)."""
        raw = self.bundle.files.get(WITNESS_VKEYS)
        if raw is None:
            return []
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.fail(Check.WITNESS, f"{WITNESS_VKEYS} is not UTF-8")
        lines = text.split("\n")
        if lines[-1] != "" or "" in lines[:-1]:
            self.fail(Check.WITNESS, f"{WITNESS_VKEYS} is not one key a line, each ended")
        return lines[:-1]

    # C-CONSIST ------------------------------------------------------------------
    def check_order(self) -> str:
        seen: dict[int, tuple[str, bytes]] = {}
        previous = -1
        for name, _, checkpoint in self.checkpoints:
            if checkpoint.size < previous:
                self.fail(Check.CONSIST, f"size {checkpoint.size} comes after size {previous}: "
                                         "the checkpoints are not in order", checkpoint=name)
            earlier = seen.get(checkpoint.size)
            if earlier is not None and earlier[1] != checkpoint.root_hash:
                self.fail(Check.CONSIST, f"{earlier[0]} and this checkpoint are both signed for "
                                         f"size {checkpoint.size} with different roots: the log "
                                         "key signed a fork", checkpoint=name)
            seen[checkpoint.size] = (name, checkpoint.root_hash)
            previous = checkpoint.size
        return (f"{len(self.checkpoints)} checkpoints in order of size, one root per size; each "
                "extends the one before it because C-ROOT rebuilds them all from one sequence "
                "of entries (RFC 9162 §2.1.4)")

    # one pass over the entries ----------------------------------------------------
    def run_scan(self) -> _Scan:
        if self.scan is not None:
            return self.scan
        scan = _Scan()
        entries = self.bundle.entries
        wanted = {checkpoint.size for _, _, checkpoint in self.checkpoints}
        if self.previous is not None:
            wanted.add(self.previous.size)
        wanted.update(parsed[1].size for _, _, parsed in self.receipts
                      if not isinstance(parsed, AuditError))
        wanted.update(index + 1 for index, line in enumerate(entries)
                      if _NOMINATIONS_CLOSED in line)  # each election's lot seed
        state = scan.state
        # Fold as voting.decider.replay does (O(n) for n votes on a ballot), and without the
        # cycle collector: the pass makes millions of acyclic objects (decoded entries,
        # events, states) that it would scan again and again for nothing (10-15% of the time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            with transient():
                state = self._fold(scan, entries, wanted, state)
        finally:
            if collecting:
                gc.enable()
        scan.state = state
        self.scan = scan
        return scan

    def _fold(self, scan: _Scan, entries: Sequence[bytes], wanted: set[int], state: BodyState
              ) -> BodyState:
        scan.roots.update(_roots(entries, wanted))
        times = _Times()
        last_time: tuple[str, str] = ("", "")
        last_at: object = object()  # the last time string checked (none yet)
        member = self.member
        replaying = True
        progress = self.progress
        reported = 0
        closed_at: dict[str, int] = {}  # election -> the log's size as its nominations closed
        for index, line in enumerate(entries):
            if progress is not None and index - reported == PROGRESS_STEP:
                progress(PROGRESS_STEP)
                reported = index
            # The common entries are recognised by pattern (audit.entry_patterns), which
            # accepts only canonical lines and decodes them; the rest take the general road.
            value: dict[str, Any] | None = None
            event: ev.Event | None
            seq: object
            at: object
            decoded = decode_line(line)
            if decoded is not None:
                seq, at, event = decoded
            else:
                try:
                    parsed = canonical_value(line)
                except CanonicalError as exc:
                    scan.canon = VerificationError(Check.CANON, str(exc), entry=index)
                    break
                if not isinstance(parsed, dict):
                    scan.canon = VerificationError(Check.CANON, "an entry is a JSON object",
                                                   entry=index)
                    break
                value = parsed
                seq, at, event = value.get("seq"), value.get("time"), None
            if scan.seq is None and (type(seq) is not int or seq != index):
                scan.seq = VerificationError(
                    Check.SEQ, f"seq is {seq!r} on line {index}: an entry is missing, "
                    "inserted, duplicated or out of order", entry=index)
            if scan.time is None and at != last_at:  # an equal time is in order
                key = times.key(at)
                if key is None:
                    scan.time = VerificationError(
                        Check.TIME, f"time {at!r} is not RFC 3339 UTC "
                        "(YYYY-MM-DDTHH:MM:SS[.fraction]Z)", entry=index)
                elif key < last_time:
                    scan.time = VerificationError(
                        Check.TIME, f"time {at} is earlier than the entry before",
                        entry=index)
                else:
                    last_time, last_at = key, at
            if replaying:
                try:
                    if event is None:
                        _, event = from_entry(value)
                    if type(event) is ev.BallotClosed or type(event) is ev.ElectionClosed:
                        # known even if it fails: a receipt then looks for its paper here
                        scan.closes[_question(event)] = index
                    if type(event) is ev.ElectionClosed:
                        _check_seed(event, closed_at, scan.roots)
                    state = scan.minutes.step(state, event)  # evolve, and minute it
                    if type(event) is ev.NominationsClosed:
                        closed_at[event.election] = index + 1
                except (TellersError, ValueError, LookupError, TypeError) as exc:
                    kind = event.TYPE if event is not None else (value or {}).get("type")
                    scan.replay = VerificationError(Check.REPLAY, f"{kind}: {exc}", entry=index)
                    replaying = False
                else:
                    kind = type(event)
                    if kind in ev.VOTES:
                        scan.votes += 1
                    elif kind is ev.BallotClosed or kind is ev.ElectionClosed:
                        scan.ballots += 1  # an election is a ballot, recounted at its close
                    if member is not None:
                        self._note_member(scan, index, event, member)
        if replaying and entries and scan.canon is None:  # the log ran to its end
            try:
                require_complete(state)
            except TellersError as exc:
                scan.replay = VerificationError(Check.REPLAY, str(exc), entry=len(entries) - 1)
        if progress is not None and len(entries) > reported:
            progress(len(entries) - reported)
        return state

    def _note_member(self, scan: _Scan, index: int, event: ev.Event, member: str) -> None:
        if isinstance(event, ev.MemberAdmitted) and event.member == member:
            scan.admitted = True
            scan.member_name = event.name
        if isinstance(event, ev.RegisterRecorded) and self.member_keys:
            rows = {row[0] for row in event.register}
            for key in self.member_keys:  # a key from a receipt opens the member's pseudonym
                alias = chatham.pseudonym(event.meeting, member, key)
                if alias in rows:
                    self.aliases.add(alias)
                    scan.records.append(MemberRecord(
                        index, event.at, event.TYPE, "pseudonym",
                        f"acts as {alias} in the unattributed meeting {event.meeting} "
                        "(opened by the key in their receipt)"))
        scan.records.extend(member_records(index, event, member))
        for alias in self.aliases:
            scan.records.extend(member_records(index, event, alias))

    def check_canon(self) -> str:
        scan = self.run_scan()
        if scan.canon is not None:
            raise scan.canon
        return f"{len(self.bundle.entries)} entries are their RFC 8785 canonical bytes"

    def check_seq(self) -> str:
        scan = self.run_scan()
        if scan.seq is not None:
            raise scan.seq
        return f"seq runs 0 to {len(self.bundle.entries) - 1} without a gap"

    def check_time(self) -> str:
        scan = self.run_scan()
        if scan.time is not None:
            raise scan.time
        return "every time is RFC 3339 UTC, none earlier than the one before"

    # C-ROOT ---------------------------------------------------------------------
    def check_roots(self) -> str:
        scan = self.run_scan()
        count = len(self.bundle.entries)
        for name, _, checkpoint in self.checkpoints:
            if checkpoint.size > count:
                self.fail(Check.ROOT, f"signed for size {checkpoint.size} but the bundle has "
                                      f"only {count} entries (entries are missing)",
                          checkpoint=name)
            if scan.roots[checkpoint.size] != checkpoint.root_hash:
                self.fail(Check.ROOT, f"the root of the first {checkpoint.size} entries is "
                                      f"{_b64(scan.roots[checkpoint.size])}, the signed root "
                                      f"{_b64(checkpoint.root_hash)}: an entry was changed",
                          checkpoint=name)
        _, _, latest = self.checkpoints[-1]
        if latest.size < count:
            self.fail(Check.ROOT, f"entries {latest.size} to {count - 1} are not covered by any "
                                  "signed checkpoint", entry=latest.size)
        return (f"{count} leaf hashes and {len(self.checkpoints)} checkpoint roots recomputed "
                f"(RFC 9162 §2.1.1); the latest covers every entry")

    # C-KNOWN --------------------------------------------------------------------
    def check_known(self) -> str:
        if self.known is None:
            raise _Skip("no local state kept (no known-checkpoint file given)")
        previous = self.previous
        _, _, latest = self.checkpoints[-1]
        if previous is None:
            return (f"first verification of {latest.origin} on this machine; size "
                    f"{latest.size} will be remembered in {self.known.path}")
        keep = (f"keep the checkpoint verified before, in {self.known.path}, as evidence; "
                "only if the body confirms that it began a new log does --replace-pin "
                "forget it")
        if latest.size < previous.size:
            self.fail(Check.KNOWN, f"this machine verified size {previous.size} before; the "
                                   f"bundle's latest checkpoint is size {latest.size}: a "
                                   f"rollback ({keep})")
        root = self.run_scan().roots[previous.size]
        if root != previous.root_hash:
            self.fail(Check.KNOWN, f"the first {previous.size} entries no longer have the root "
                                   "this machine verified before: the history was rewritten or "
                                   f"forked ({keep})")
        return f"extends size {previous.size}, verified here before"

    # C-RECEIPT ------------------------------------------------------------------
    def check_receipts(self) -> str:
        if not self.receipts:
            raise _Skip("no receipts given")
        verifier = self.verifier
        if verifier is None:  # pragma: no cover - C-KEY sets it or fails
            raise _Skip("no log key")
        scan = self.run_scan()
        entries = self.bundle.entries
        count = len(entries)
        papers: list[str] = []
        trackers: dict[int, tuple[str, str]] = {}  # entry -> the first receipt's name, tracker
        holders: dict[tuple[tuple[str, str], str], tuple[str, int]] = {}  # tracker -> name, entry
        for name, text, parsed in self.receipts:
            if isinstance(parsed, AuditError):
                self.fail(Check.RECEIPT, f"{name} is not a receipt: {parsed}")
            receipt, checkpoint = parsed
            index, size = receipt.index, checkpoint.size
            if index >= count:
                self.fail(Check.RECEIPT, f"{name} proves entry {index}, but the published log "
                                         f"has only {count} entries: entries were removed")
            if size > count:
                self.fail(Check.RECEIPT, f"{name} holds the log's checkpoint of size {size}, "
                                         f"but the published log has only {count} entries: "
                                         "it was rolled back", entry=index)
            try:
                verify_receipt(text, entries[index], verifier)
            except ProofError:
                self.fail(Check.RECEIPT, f"{name}: the published entry {index} is not the one "
                                         "this receipt was signed for: it was changed",
                          entry=index)
            except AuditError as exc:
                self.fail(Check.RECEIPT, f"{name} is not a receipt signed by the log key: {exc}",
                          entry=index)
            if scan.roots[size] != checkpoint.root_hash:
                self.fail(Check.RECEIPT, f"{name}: the log signed root "
                                         f"{_b64(checkpoint.root_hash)} for size {size} when it "
                                         f"issued this receipt, but the published entries give "
                                         f"{_b64(scan.roots[size])}: the history was rewritten",
                          entry=index)
            event = _decode(entries[index])
            who = self.member
            opening = receipt_member_key(receipt.extra)
            if opening and who is not None and event is not None:
                who = self._opened(name, index, event, who, opening, scan)
            sealed = receipt_sealed(receipt.extra)
            if sealed is None:
                if who is not None and (event is None or next(
                        member_records(index, event, who), None) is None):
                    self.fail(Check.RECEIPT, f"{name} proves entry {index}, which records "
                                             f"nothing in the name of {self.member}", entry=index)
                continue
            tracker, key = sealed
            if not isinstance(event, ev.SecretVoteCast | ev.SealedRankingCast):
                self.fail(Check.RECEIPT, f"{name} carries a tracker, but entry {index} is not a "
                                         "sealed vote", entry=index)
            question = _question(event)
            other = trackers.setdefault(index, (name, tracker))
            if other[1] != tracker:  # pooled receipts (docs/threat-model.md C6)
                self.fail(Check.RECEIPT, f"{other[0]} and {name} prove the same entry "
                                         f"{index} with different trackers: one sealed vote "
                                         "was shown to two voters as theirs", entry=index)
            same = holders.setdefault((question, tracker), (name, index))
            if same[1] != index:  # pooled receipts: one paper given to two voters
                self.fail(Check.RECEIPT, f"{same[0]} and {name} name one tracker {tracker} for "
                                         f"entries {same[1]} and {index}: one paper was handed "
                                         "to two voters", entry=index)
            whom = self._mark(name, index, event, key, scan, who) if who is not None else ""
            papers.append(self._paper(name, index, event, tracker, whom, scan))
        whose = f", each an entry in the name of {self.member}" if self.member else ""
        return (f"{len(self.receipts)} receipts: each signed by the log key, its checkpoint "
                f"the published history, its entry included{whose}" + "".join(papers))

    def _opened(self, name: str, index: int, event: ev.Event, member: str, key: str,
                scan: _Scan) -> str:
        """The pseudonym the receipt's member key opens for ``member`` in the unattributed
        meeting of entry ``index`` (docs/verifying.md, "Unattributed meetings"); a failure
        if the entry is in no such meeting or the key opens no pseudonym on its register."""
        meeting = scan.state.meetings.get(chatham.meeting_of(scan.state, event))
        if meeting is None or not meeting.commitment:
            self.fail(Check.RECEIPT, f"{name} carries a member key, but entry {index} is not "
                                     "an act in an unattributed meeting", entry=index)
        alias = chatham.pseudonym(meeting.id, member, key)
        if not chatham.opens(meeting.id, member, key, alias) or alias not in meeting.register:
            self.fail(Check.RECEIPT, f"{name}: its member key opens no pseudonym of {member} "
                                     f"on the register of the unattributed meeting "
                                     f"{meeting.id!r}", entry=index)
        return alias

    def _mark(self, name: str, index: int, event: ev.SecretVoteCast | ev.SealedRankingCast,
              key: str, scan: _Scan, who: str | None = None) -> str:
        """The member (``--member``, or ``who``, their pseudonym in an unattributed meeting,
        or a member whose proxy they held) whose mark the receipt's mark key opens in
        sealed entry ``index``; a failure if none."""
        member = who or self.member or ""
        question = _question(event)
        candidates = {member}
        ballot = scan.state.ballots.get(question[1]) if question[0] == "ballot" else None
        if ballot is not None:
            candidates.update(m for v, m in ballot.roll if v == member)
        if not key:
            self.fail(Check.RECEIPT, f"{name} carries no mark key, so it cannot show that the "
                                     f"sealed entry {index} is the vote of {member}", entry=index)
        for candidate in sorted(candidates):
            if sealing.mark(question[1], candidate, key) == event.mark:
                return candidate
        self.fail(Check.RECEIPT, f"{name}: its mark key does not open the mark of entry {index} "
                                 f"for {member}: that sealed vote is not {member}'s",
                  entry=index)

    def _paper(self, name: str, index: int, event: ev.SecretVoteCast | ev.SealedRankingCast,
               tracker: str, whom: str, scan: _Scan) -> str:
        """What the sealed vote of entry ``index`` holds: before the close, the choice its
        seal opens to under the receipt's tracker (for a ballot); after it, the paper
        published with that tracker, which must open the seal, and (with ``--member``,
        ``whom`` the member whose mark it is) the marked register, which must list it."""
        question = _question(event)
        close = scan.closes.get(question)
        if close is None:
            if isinstance(event, ev.SealedRankingCast):
                return f"; election {question[1]} is not closed yet: tracker {tracker[:12]}… "\
                       "not counted yet"
            opens = [c for c in CHOICES if sealing.seal(question[1], tracker, c) == event.seal]
            if not opens:
                self.fail(Check.RECEIPT, f"{name}: tracker {tracker} opens the seal of entry "
                                         f"{index} with no choice: it is not this paper's "
                                         "tracker", entry=index)
            return f"; ballot {question[1]} is not closed yet: tracker {tracker[:12]}… sealed "\
                   f"as {opens[0]}, not counted yet"
        closed = _decode(self.bundle.entries[close])
        if not isinstance(closed, ev.BallotClosed | ev.ElectionClosed):  # pragma: no cover
            self.fail(Check.RECEIPT, f"entry {close} does not decode", entry=close)
        if whom and not any(whom == (m if isinstance(m, str) else m[1]) for m in closed.voters):
            self.fail(Check.RECEIPT, f"{name}: {whom} is not among the voters the close of "
                                     f"{question[0]} {question[1]} lists (entry {close}), "
                                     f"though entry {index} is their sealed vote", entry=close)
        for paper, choice in closed.papers:
            if paper == tracker:
                text = choice if isinstance(choice, str) else sealing.ranking_choice(choice)
                if sealing.seal(question[1], tracker, text) != event.seal:
                    self.fail(Check.RECEIPT, f"{name}: the paper published with tracker "
                                             f"{tracker} at entry {close} does not open the seal "
                                             f"of entry {index}: it is not the paper cast there",
                              entry=close)
                said = choice if isinstance(choice, str) else "ranked " + ", ".join(choice)
                return f"; tracker {tracker[:12]}… counted as {said} (entry {close})"
        self.fail(Check.RECEIPT, f"{name}: no paper with tracker {tracker} is among the "
                                 f"{len(closed.papers)} papers published at entry {close}: this "
                                 "vote was not counted", entry=close)

    # C-REPLAY -------------------------------------------------------------------
    def check_replay(self) -> str:
        scan = self.run_scan()
        if scan.replay is not None:
            raise scan.replay
        return (f"{len(self.bundle.entries)} events replayed; {scan.ballots} ballots recounted "
                f"from {scan.votes} votes, every declared count and outcome as recounted")

    # C-MINUTES ------------------------------------------------------------------
    def check_minutes(self) -> str:
        scan = self.run_scan()
        try:
            minutes = scan.minutes.result(scan.state)
        except MinutesError as exc:
            self.fail(Check.MINUTES, f"the minutes cannot be written from the log: {exc}",
                      entry=exc.entry)
        rendered = minutes.by_entry()
        meetings = {m.entry: f"the minutes of meeting {m.id!r}" for m in minutes.meetings}
        meetings.setdefault(BODY_ENTRY, "the minutes of the body's own business")
        carried = {name: data for name, data in self.bundle.files.items()
                   if minutes_entry(name) is not None}
        for name in sorted(carried):
            if minutes_entry(name) not in rendered:
                self.fail(Check.MINUTES, f"{name} is not the minutes of a meeting of this log: "
                                         f"entry {minutes_entry(name)} convenes none (or the "
                                         "log holds no meeting)")
        for entry, text in rendered.items():
            name, what = minutes_file(entry), meetings[entry]
            data = carried.get(name)
            if data is None:
                self.fail(Check.MINUTES, f"the bundle does not carry {name}, {what}: every "
                                         "meeting's minutes, and the body's own, must be "
                                         "published with its log", entry=entry)
            if data != text.encode("utf-8"):
                self.fail(Check.MINUTES, f"{name}, {what}, are not the minutes rendered from "
                                         f"the log: {_first_difference(text, data)}",
                          entry=entry)
        self.minutes = minutes
        if not rendered:
            return "no meeting in the log, and no minutes in the bundle"
        return (f"the minutes of {len(rendered) - 1} meeting(s) and of the body's own business "
                "are exactly the ones rendered from the replayed log")

    # C-MEMBER -------------------------------------------------------------------
    def check_member(self) -> str:
        if self.member is None:
            raise _Skip("no member asked for")
        scan = self.run_scan()
        if not scan.admitted:
            self.fail(Check.MEMBER, f"the log admits no member {self.member!r}")
        return (f"{len(scan.records)} records in the name of {scan.member_name} "
                f"({self.member})")


_NOMINATIONS_CLOSED = b'"type":"nominations_closed"'
"""In a canonical entry, only the envelope's type can hold these bytes (a string's quotes
are escaped), so they find every size an election's lot seed is taken at."""


def _check_seed(event: ev.ElectionClosed, closed_at: dict[str, int], roots: dict[int, bytes]
                ) -> None:
    """An election's lot is drawn from a seed nobody could choose: the Merkle root (RFC 9162)
    of the log as its nominations closed, that is of the entries up to and including its
    ``nominations_closed`` entry, in lowercase hex (docs/verifying.md, "The seed of a lot")."""
    size = closed_at.get(event.election)
    if size is None:
        return  # the replay refuses an election whose nominations have not closed
    root = roots[size].hex()
    if event.seed != root:
        raise InconsistentEvent(
            f"election_closed.seed is not the log's root as nominations closed: the root of "
            f"the first {size} entries (to nominations_closed, entry {size - 1}) is {root}"
        )


def _first_difference(rendered: str, published: bytes) -> str:
    """Where published minutes first differ from the rendered ones, in words."""
    text = published.decode("utf-8", errors="replace")
    ours, theirs = rendered.split("\n"), text.split("\n")
    for number in range(max(len(ours), len(theirs))):
        mine = ours[number] if number < len(ours) else None
        found = theirs[number] if number < len(theirs) else None
        if mine != found:
            return (f"line {number + 1} should read {_quoted(mine)}, the bundle's reads "
                    f"{_quoted(found)}")
    return "their bytes differ (the file is not UTF-8)"


def _quoted(line: str | None, limit: int = 120) -> str:
    if line is None:
        return "nothing (past the end)"
    return repr(line if len(line) <= limit else line[:limit] + "…")


def _question(event: ev.Event) -> tuple[str, str]:
    """The ballot or election a vote or close belongs to, as a key of ``_Scan.closes``."""
    if isinstance(event, ev.SecretVoteCast | ev.BallotClosed):
        return ("ballot", event.ballot)
    if isinstance(event, ev.SealedRankingCast | ev.ElectionClosed):
        return ("election", event.election)
    raise TypeError(f"{event.TYPE} belongs to no ballot or election")


def _decode(line: bytes) -> ev.Event | None:
    """An entry's event, decoded on its own (so that C-RECEIPT need not wait for the
    replay); ``None`` if it does not decode."""
    try:
        decoded = decode_line(line)
        return decoded[2] if decoded is not None else from_entry(canonical_value(line))[1]
    except (TellersError, ValueError, LookupError, TypeError):
        return None


def _parse_receipt(text: str) -> tuple[Receipt, Checkpoint] | AuditError:
    """A receipt and its checkpoint body, unverified (C-RECEIPT verifies), or why not."""
    try:
        receipt = parse_receipt(text)
        return receipt, receipt.checkpoint
    except AuditError as exc:
        return exc


class _Skip(Exception):
    """A check that does not apply to this run."""


def _normal_vkey(text: str) -> str:
    """A verifier key as :meth:`Ed25519Verifier.vkey` writes it (``text`` if it does not
    parse)."""
    try:
        return Ed25519Verifier.from_vkey(text.strip()).vkey()
    except AuditError:
        return text.strip()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def verify(
    bundle: Bundle,
    *,
    key: str | None,
    witnesses: Sequence[str] = (),
    witness_threshold: int | None = None,
    known: KnownState | None = None,
    member: str | None = None,
    progress: Progress | None = None,
    receipts: Sequence[tuple[str, str]] = (),
) -> Report:
    """Check ``bundle`` and say what holds (module docstring: the checks, in order).

    ``key`` is the log's verifier key as the body published it; without it
    the key ``known`` holds as pinned for the origin is used, else the
    bundle's own ``log.vkey``, and then the report says the key was not
    pinned (:attr:`Report.key_pinned`): nothing was verified against a
    trusted key. ``witnesses`` are witness verifier keys to require
    cosignatures from, ``witness_threshold`` of them (default: all).
    ``known`` keeps the last checkpoint verified per origin on this machine;
    it is read before and updated only when every check passes. ``member``
    lists what the log records in that member's name. ``progress`` is called
    with counts of checkpoints and entries processed (:data:`Progress`).
    ``receipts`` are ``(name, text)`` pairs of c2sp.org/tlog-proof receipts
    that members kept, checked against the published entries (C-RECEIPT).
    """
    run = _Run(bundle, key, witnesses, witness_threshold, known, member, progress, receipts)
    steps: tuple[tuple[Check, Callable[[], str]], ...] = (
        (Check.BUNDLE, run.check_bundle),
        (Check.KEY, run.check_key),
        (Check.SIG, run.check_signatures),
        (Check.WITNESS, run.check_witnesses),
        (Check.CONSIST, run.check_order),
        (Check.CANON, run.check_canon),
        (Check.SEQ, run.check_seq),
        (Check.TIME, run.check_time),
        (Check.ROOT, run.check_roots),
        (Check.KNOWN, run.check_known),
        (Check.RECEIPT, run.check_receipts),
        (Check.REPLAY, run.check_replay),
        (Check.MINUTES, run.check_minutes),
        (Check.MEMBER, run.check_member),
    )
    results: list[CheckResult] = []
    failed = False
    for check, step in steps:
        if failed:
            results.append(CheckResult(check, Status.SKIPPED, "not run: an earlier check failed"))
            continue
        try:
            detail = step()
        except _Skip as skip:
            results.append(CheckResult(check, Status.SKIPPED, str(skip)))
        except VerificationError as error:
            results.append(CheckResult(error.check, Status.FAIL, error.reason, error.entry,
                                       error.checkpoint))
            failed = True
        else:
            results.append(CheckResult(check, Status.PASS, detail))
    scan = run.scan or _Scan()
    latest = run.checkpoints[-1] if run.checkpoints and not failed else None
    if latest is not None and known is not None and run.verifier is not None:
        _, note, checkpoint = latest
        known.record(KnownCheckpoint(checkpoint.origin, checkpoint.size, checkpoint.root_hash,
                                     run.verifier.vkey(), note, run.pinned))
    return Report(
        source=bundle.source,
        origin=bundle.origin,
        checks=tuple(results),
        counts=Counts(
            entries=len(bundle.entries),
            checkpoints=len(bundle.checkpoint_names),
            ballots_recounted=scan.ballots,
            votes=scan.votes,
            witnesses=run.witness_count,
            witnesses_cosigned=len(run.cosigners),
        ),
        verifier=verifier_identity(),
        key=run.verifier.vkey() if run.verifier is not None else "",
        key_pinned=run.pinned,
        witnesses_pinned=bool(witnesses),
        witness_threshold=run.threshold if witnesses else None,
        size=run.checkpoints[-1][2].size if run.checkpoints else 0,
        root=_b64(run.checkpoints[-1][2].root_hash) if run.checkpoints else "",
        member=member,
        member_name=scan.member_name,
        records=tuple(scan.records) if member is not None else (),
        notes=tuple(run.notes),
        minutes=run.minutes if not failed else None,
    )

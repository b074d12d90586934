"""Real verification bundles for the verifier's tests: the example meeting, signed and cosigned.

Every bundle here is made the way the shell makes one: the domain's events
(``examples/lla_organising_group.py``, or a random history from
:func:`voting.testing.histories`) become log entries (:func:`voting.codec.to_entry`), their
canonical bytes go into an :class:`audit.log.Log` that signs checkpoints, and
witnesses cosign them, and the minutes of each meeting are rendered from
the entries (:func:`minutes_of_entries`). :func:`reseal` is the forger's last
step: after changing a file it rewrites the (unsigned) manifest's hashes, so
that only the deeper checks can catch the change.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from audit.bundle import MANIFEST, read_bundle, write_bundle
from audit.canonical import canonical, parse
from audit.checkpoint import parse_checkpoint
from audit.cosignature import Cosigner
from audit.log import Log
from audit.merkle import Frontier, leaf_hashes
from audit.note import Ed25519Signer, parse_note
from audit.receipt import tracker_extra
from audit.report import Check, Report
from audit.signer import CheckpointSigner, MemorySignerState
from audit.verify import verify
from tallying.errors import TellersError
from tests.conftest import ROOT
from voting.codec import from_entry, to_entry
from voting.decider import replay
from voting.events import Event
from voting.minutes import minutes_of

ORIGIN = "example.org/tellers/lla"
LOG_KEY = Ed25519Signer.from_seed(ORIGIN, bytes([7]) * 32)
FORGER_KEY = Ed25519Signer.from_seed(ORIGIN, bytes([8]) * 32)
"""A key with the log's name that is not the log's key."""
WITNESSES = tuple(Cosigner.from_seed(f"witness.example/w{i}", bytes([20 + i]) * 32)
                  for i in range(3))
COSIGNED_AT = 1_741_806_000

EVERY = 16
"""Sign a checkpoint after every this many entries (and at the end)."""


def seeded_bytes(seed: bytes) -> Callable[[int], bytes]:
    """A stand-in for the shell's random bytes, repeatable for tests: SHA-256 of a counter."""
    counter = iter(range(1 << 30))

    def draw(size: int) -> bytes:
        out = b""
        while len(out) < size:
            out += hashlib.sha256(seed + next(counter).to_bytes(4, "big")).digest()
        return out[:size]

    return draw


@cache
def _meeting() -> tuple[tuple[Event, ...], dict[int, tuple[str, str, str]]]:
    spec = importlib.util.spec_from_file_location(
        "lla_organising_group", ROOT / "examples" / "lla_organising_group.py"
    )
    if spec is None or spec.loader is None:
        raise RuntimeError("cannot load the example meeting")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sealed: dict[int, tuple[str, str, str]] = {}
    _, events = module.run(seeded_bytes(b"lla"), sealed)
    return tuple(events), sealed


def meeting_events() -> tuple[Event, ...]:
    """The example meeting's events (``examples/lla_organising_group.py``, the shell's random
    trackers and ballot secret drawn repeatably)."""
    return _meeting()[0]


def sealed_votes() -> dict[int, tuple[str, str, str]]:
    """The example meeting's sealed rankings: entry -> (member, tracker, mark key), what each
    voter's receipt carries."""
    return dict(_meeting()[1])


def sealed_entry(member: str) -> tuple[int, str, str]:
    """``member``'s sealed ranking in the example meeting: (entry, tracker, mark key)."""
    return next((index, tracker, key) for index, (who, tracker, key) in sealed_votes().items()
                if who == member)


def entries_of(events: Sequence[Event]) -> list[bytes]:
    """The canonical bytes of each event's log entry: the Merkle leaves."""
    return [canonical(to_entry(seq, event)) for seq, event in enumerate(events)]  # type: ignore[arg-type]


def minutes_of_entries(entries: Sequence[bytes]) -> dict[int, str]:
    """The minutes of each meeting, rendered from the entries as the body publishes them
    (keyed by the entry convening the meeting); none when the entries do not replay."""
    try:
        events = [from_entry(parse(entry))[1] for entry in entries]
        return minutes_of(replay(events), events).by_entry()
    except (TellersError, ValueError, LookupError, TypeError):
        return {}


def sign(entries: Sequence[bytes], key: Ed25519Signer = LOG_KEY, every: int = EVERY) -> list[str]:
    """Checkpoint notes of the log of ``entries``: after every ``every`` entries and at the end."""
    log = Log(CheckpointSigner(key, MemorySignerState()))
    notes = []
    for data in entries:
        log.append_canonical(data, validate=False)
        if log.size % every == 0:
            notes.append(log.checkpoint().note)
    if not notes or log.size % every:
        notes.append(log.checkpoint().note)
    return notes


def receipt_for(entries: Sequence[bytes], index: int, key: Ed25519Signer = LOG_KEY,
                tracker: str = "", mark_key: str = "") -> str:
    """The receipt the voter of entry ``index`` was given as it was logged: the log of the
    entries up to and including it, a checkpoint of that size, and the inclusion proof
    (with a sealed vote's tracker and mark key in the extra data, as the ledger gives it)."""
    log = Log(CheckpointSigner(key, MemorySignerState()))
    log.extend(entries[:index + 1], validate=False)
    return log.receipt(index, extra=tracker_extra(tracker, mark_key) if tracker else None)


def size_of(note: str) -> int:
    return parse_checkpoint(parse_note(note).text).size


def cosign(notes: Sequence[str], witnesses: Sequence[Cosigner] = WITNESSES
           ) -> dict[int, list[str]]:
    """Every witness's cosignature line on every checkpoint, keyed by size."""
    return {size_of(note): [w.cosign(parse_note(note).text, COSIGNED_AT).line()
                            for w in witnesses] for note in notes}


def make_bundle(
    directory: Path,
    events: Sequence[Event] | None = None,
    *,
    entries: Sequence[bytes] | None = None,
    key: Ed25519Signer = LOG_KEY,
    witnesses: Sequence[Cosigner] = WITNESSES,
    every: int = EVERY,
) -> Path:
    """Write an honest bundle of ``events`` (default: the example meeting) and return its path."""
    if entries is None:
        entries = entries_of(meeting_events() if events is None else events)
    notes = sign(entries, key, every)
    write_bundle(
        directory,
        entries=entries,
        checkpoints=notes,
        vkey=key.vkey(),
        cosigned=cosign(notes, witnesses) if witnesses else {},
        witness_vkeys=[w.vkey() for w in witnesses],
        minutes=minutes_of_entries(entries),
    )
    return directory


def manifest(directory: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    return data


def reseal(directory: Path) -> None:
    """Rewrite the manifest's hashes and size to match the files as they now are."""
    data = manifest(directory)
    for name in data["files"]:
        raw = (directory / name).read_bytes()
        data["files"][name] = {"sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}
    data["size"] = len((directory / "entries.jsonl").read_bytes().splitlines())
    (directory / MANIFEST).write_text(json.dumps(data, indent=2), encoding="utf-8")


def read_entries(directory: Path) -> list[bytes]:
    return (directory / "entries.jsonl").read_bytes().splitlines()


def write_entries(directory: Path, entries: Sequence[bytes]) -> None:
    (directory / "entries.jsonl").write_bytes(b"".join(e + b"\n" for e in entries))


def reseed(entries: Sequence[bytes]) -> list[bytes]:
    """``entries`` with every election's lot seed recomputed as the root of the rewritten log
    as its nominations closed: what a key holder who rewrote an earlier entry must also do."""
    out = list(entries)
    closed: dict[str, int] = {}
    for index, line in enumerate(out):
        value = parse(line)
        if value["type"] == "nominations_closed":
            closed[value["body"]["election"]] = index + 1
        elif value["type"] == "election_closed" and value["body"]["election"] in closed:
            tree = Frontier()
            tree.extend(leaf_hashes(out[: closed[value["body"]["election"]]]))
            value["body"]["seed"] = tree.root().hex()
            out[index] = canonical(value)
    return out


def resign(directory: Path, key: Ed25519Signer = LOG_KEY, every: int = EVERY) -> None:
    """Sign the bundle's entries afresh with ``key`` (the key holder rewriting history), and
    render their minutes afresh, as the key holder would."""
    entries = read_entries(directory)
    notes = sign(entries, key, every)
    make_bundle_files(directory, entries, notes, key)


def make_bundle_files(directory: Path, entries: Sequence[bytes], notes: Sequence[str],
                      key: Ed25519Signer = LOG_KEY) -> None:
    write_bundle(directory, entries=entries, checkpoints=notes, vkey=key.vkey(),
                 cosigned=cosign(notes), witness_vkeys=[w.vkey() for w in WITNESSES],
                 minutes=minutes_of_entries(entries))


def verified(directory: Path, *, member: str | None = None,
             receipts: list[tuple[str, str]] | None = None) -> Report:
    """The report of ``tellers verify`` on the bundle in ``directory``, pinned to the log key
    and the witnesses, with a member and their receipts if given."""
    return verify(read_bundle(directory), key=LOG_KEY.vkey(),
                  witnesses=[w.vkey() for w in WITNESSES], member=member,
                  receipts=receipts or [])


def refused(report: Report) -> tuple[Check, int | None, str]:
    """The check that refused a forgery, where, and why; fails if none did."""
    failure = report.failure
    if failure is None:
        raise AssertionError("the forgery was not detected")
    return failure.check, failure.entry, failure.detail

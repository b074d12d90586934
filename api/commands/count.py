"""``tellers count FILE.blt --method NAME [--seats N] [--seed HEX] [--format text|json|csv]``.

Reads a BLT ballot file (``tallying.blt``), counts it with a registered
method (``tallying.registry``) and prints the result: the stage sheet a
returning officer would publish (``text``), the full result as JSON, or one
CSV row per stage. Exit 0 on success; 2 with a message naming the line for a
bad file, and 2 for an unknown method, a bad seed, more seats than candidates
or a count that cannot be made, such as a tie the rule breaks by lot when no
``--seed`` was given (the message names the tied candidates); never a
traceback (docs/architecture.md, "Interfaces others build on"; principle 4).

A pairwise (Condorcet) count has no transfers and no non-transferable votes:
its text sheet shows the pairwise results under their own heading, each
option named, then the stages that dropped defeats (``schulze``, Debian
constitution A.6).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import click

from tallying.blt import BltFile, read_blt
from tallying.errors import BallotFileError, CountError, LotNeeded
from tallying.registry import CountOptions, methods
from tallying.registry import count as run_count
from tallying.result import ElectionResult, format_value
from tallying.schulze import pairwise_preferences

__all__ = ["PAIRWISE_METHODS", "count", "csv_safe", "pairwise_sheet", "result_to_json",
           "stage_sheet"]

# Files at least this large get a progress bar on stderr while they are read.
PROGRESS_BYTES = 8 * 2**20
# Stage columns per block of the text sheet, so that it stays readable.
COLUMNS_PER_BLOCK = 6
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PAIRWISE_METHODS = frozenset({"schulze"})
"""Methods that compare the options two by two: no transfers, so no stage table of votes."""


class CountFailed(click.ClickException):
    """A bad file, method, seed or count: exit code 2, with the reason."""

    exit_code = 2


def csv_safe(cell: str) -> str:
    """Guard a CSV cell against formula injection: prefix ``= + - @ TAB CR`` with ``'``."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _value(value: Fraction, places: int) -> str:
    return format_value(value, places)


def result_to_json(
    result: ElectionResult, read: BltFile, *, source: dict[str, str] | None = None
) -> dict[str, Any]:
    """The result as JSON-ready data: names as in the file, values as decimal strings.

    A pairwise count adds ``pairwise``: ``V(row, column)`` by name, as in its text sheet.
    """
    names = result.candidates
    places = result.precision

    def named(indices: Sequence[int]) -> list[str]:
        return [names[i] for i in indices]

    data: dict[str, Any] = {
        "method": result.method,
        "rule": result.rule,
        "version": result.version,
        "title": read.profile.title,
        "seats": result.seats,
        "candidates": list(names),
        "withdrawn": named(sorted(read.profile.withdrawn)),
        "valid_votes": _value(result.valid_votes, places),
        "quota": None if result.quota is None else _value(result.quota, places),
        "elected": named(result.elected),
        "tied": named(result.tied),
        "stages": [
            {
                "number": stage.number,
                "kind": str(stage.kind),
                "note": stage.note,
                "subjects": named(stage.subjects),
                "totals": {names[i]: _value(v, places) for i, v in enumerate(stage.totals)},
                "transfers": {names[i]: _value(v, places) for i, v in enumerate(stage.transfers)},
                "non_transferable": _value(stage.non_transferable, places),
                "elected": named(stage.elected),
                "excluded": named(stage.excluded),
            }
            for stage in result.stages
        ],
        "lots": [
            {
                "purpose": lot.purpose,
                "tied": named(lot.tied),
                "seed": lot.seed,
                "chosen": names[lot.chosen],
            }
            for lot in result.lots
        ],
        "warnings": [{"line": w.line, "message": w.message} for w in read.warnings],
        "source": source or {},
    }
    if result.method in PAIRWISE_METHODS:
        v = pairwise_preferences(read.profile)
        options = [c for c in range(len(names)) if c not in read.profile.withdrawn]
        data["pairwise"] = {names[a]: {names[b]: v[a][b] for b in options if b != a}
                            for a in options}
    return data


def stage_sheet(result: ElectionResult, read: BltFile) -> str:
    """The declaration sheet: candidates as rows, stages as columns, then the notes.

    A pairwise count gets :func:`pairwise_sheet` instead.
    """
    if result.method in PAIRWISE_METHODS:
        return pairwise_sheet(result, read)
    names = result.candidates
    places = result.precision
    title = read.profile.title or "Election"
    out = [title, "=" * len(title)]
    out.append(f"Method: {result.method} (rule {result.rule}), seats: {result.seats}")
    quota = "" if result.quota is None else f", quota: {_value(result.quota, places)}"
    out.append(f"Valid votes: {_value(result.valid_votes, places)}{quota}")
    out.append("")
    status = {}
    for stage in result.stages:
        for c in stage.elected:
            status[c] = f"elected at stage {stage.number}"
        for c in stage.excluded:
            status[c] = f"excluded at stage {stage.number}"
    for c in read.profile.withdrawn:
        status[c] = "withdrawn"
    label_width = max([len(n) for n in names] + [len("Non-transferable")])
    status_width = max([len(s) for s in status.values()] + [len("Status")])
    stages = result.stages
    for start in range(0, len(stages), COLUMNS_PER_BLOCK):
        block = stages[start : start + COLUMNS_PER_BLOCK]
        cells = [
            [_value(v, places) for v in stage.totals] + [_value(stage.non_transferable, places)]
            for stage in block
        ]
        width = max(
            [len(cell) for column in cells for cell in column] + [len(f"Stage {block[-1].number}")]
        )
        header = f"{'Candidate':<{label_width}}  {'Status':<{status_width}}"
        header += "".join(f"  {'Stage ' + str(s.number):>{width}}" for s in block)
        kinds = f"{'':<{label_width}}  {'':<{status_width}}"
        kinds += "".join(f"  {s.kind!s:>{width}}" for s in block)
        out.extend([header, kinds])
        rows = [*names, "Non-transferable"]
        for row, label in enumerate(rows):
            state = status.get(row, "") if row < len(names) else ""
            line = f"{label:<{label_width}}  {state:<{status_width}}"
            line += "".join(f"  {column[row]:>{width}}" for column in cells)
            out.append(line.rstrip())
        out.append("")
    out.append("Stages:")
    out.extend(f"  {stage.number}. {stage.note}" for stage in stages)
    out.append("")
    out.extend(_outcome(result, read))
    return "\n".join(out) + "\n"


def _outcome(result: ElectionResult, read: BltFile) -> list[str]:
    """Who was elected, any tie left, the lots drawn and the reader's warnings."""
    names = result.candidates
    out = ["Elected, in order of election:"]
    out.extend(f"  {i}. {names[c]}" for i, c in enumerate(result.elected, start=1))
    if not result.elected:
        out.append("  (no one)")
    if result.tied:
        out.append("Left tied for the last seat: " + ", ".join(names[c] for c in result.tied))
    if result.lots:
        out.append("")
        out.append("Lots drawn (RFC 3797 with SHA-256; redo with tallying.lots.draw):")
        for lot in result.lots:
            tied = ", ".join(names[c] for c in lot.tied)
            out.append(f"  {lot.purpose}: among {tied}, key {lot.seed}, chose {names[lot.chosen]}")
    if read.warnings:
        out.append("")
        out.append("Reading the file:")
        out.extend(f"  {w}" for w in read.warnings)
    return out


def pairwise_sheet(result: ElectionResult, read: BltFile) -> str:
    """The sheet of a pairwise count: the pairwise results, the stages, the outcome.

    ``V(row, column)`` is the weight of the papers preferring the row's option to the
    column's (Debian constitution A.6 step 1), each row named; withdrawn options are
    left out, as the count leaves them out.
    """
    names = result.candidates
    title = read.profile.title or "Election"
    options = [c for c in range(len(names)) if c not in read.profile.withdrawn]
    v = pairwise_preferences(read.profile)
    out = [title, "=" * len(title)]
    out.append(f"Method: {result.method} (rule {result.rule}), seats: {result.seats}")
    out.append(f"Valid votes: {_value(result.valid_votes, result.precision)}")
    out.append("")
    out.extend(["Pairwise results", "----------------"])
    out.append("Voters preferring the row's option to the column's, V(row, column):")
    out.append("")
    labels = {c: f"[{c + 1}] {names[c]}" for c in options}
    label_width = max(len(label) for label in labels.values())
    width = max([len(str(v[a][b])) for a in options for b in options]
                + [len(f"[{c + 1}]") for c in options])
    out.append(" " * label_width + "".join(f"  {f'[{c + 1}]':>{width}}" for c in options))
    for a in options:
        cells = "".join(f"  {'-' if a == b else str(v[a][b]):>{width}}" for b in options)
        out.append(f"{labels[a]:<{label_width}}{cells}")
    for c in sorted(read.profile.withdrawn):
        out.append(f"Withdrawn: {names[c]}")
    out.append("")
    out.append("Stages:")
    for stage in result.stages:
        note = stage.note if stage.number > 1 else "the pairwise results above"
        out.append(f"  {stage.number}. {note}")
    out.append("")
    out.extend(_outcome(result, read))
    return "\n".join(out) + "\n"


def stage_rows(result: ElectionResult) -> str:
    """One CSV row per stage, every cell guarded against formula injection."""
    names = result.candidates
    places = result.precision
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["stage", "kind", *names, "non_transferable", "elected", "excluded", "note"]
    writer.writerow([csv_safe(cell) for cell in header])
    for stage in result.stages:
        row = [
            str(stage.number),
            str(stage.kind),
            *(_value(v, places) for v in stage.totals),
            _value(stage.non_transferable, places),
            "; ".join(names[c] for c in stage.elected),
            "; ".join(names[c] for c in stage.excluded),
            stage.note,
        ]
        writer.writerow([csv_safe(cell) for cell in row])
    return buffer.getvalue()


class _Progress:
    """A click progress bar on stderr, opened at the first report from the reader."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(
                length=total, label="Reading ballots", file=sys.stderr
            ).__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _read(path: Path) -> tuple[BltFile, str]:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    progress: Callable[[int, int], None] | None = None
    bar = _Progress()
    if len(data) >= PROGRESS_BYTES:
        progress = bar
    try:
        return read_blt(io.BytesIO(data), progress=progress), digest
    except BallotFileError as error:
        raise CountFailed(f"{path}: {error}") from None
    finally:
        bar.close()


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--method", "method_name", required=True, help="a registered counting method")
@click.option(
    "--seats", type=click.IntRange(min=1), default=None, help="seats to fill (default: the file's)"
)
@click.option("--seed", default="", help="hex seed for any lot the count needs (RFC 3797)")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
)
def count(file: Path, method_name: str, seats: int | None, seed: str, output_format: str) -> None:
    """Count the ballots in FILE.blt with --method and print the result."""
    known = methods()
    if method_name not in known:
        raise CountFailed(f"no counting method {method_name!r}; known: {', '.join(known)}")
    try:
        seed_bytes = bytes.fromhex(seed)
    except ValueError:
        raise click.BadParameter("must be hexadecimal, e.g. 5eed", param_hint="--seed") from None
    read, digest = _read(file)
    options = CountOptions(seats=seats or read.profile.seats, seed=seed_bytes)
    _check_seats(file, read, options.seats, from_option=seats is not None)
    try:
        result = run_count(read.profile, method_name, options)
    except LotNeeded as tie:
        raise CountFailed(_tie_message(file, read, tie)) from None
    except CountError as error:
        raise CountFailed(f"{file}: {error}") from None
    if output_format == "json":
        data = result_to_json(result, read, source={"file": file.name, "sha256": digest})
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif output_format == "csv":
        click.echo(stage_rows(result), nl=False)
        for warning in read.warnings:
            click.echo(f"warning: {warning}", err=True)
    else:
        click.echo(stage_sheet(result, read), nl=False)


def _check_seats(file: Path, read: BltFile, seats: int, *, from_option: bool) -> None:
    """Refuse more seats than candidates standing: no count fills them (exit 2)."""
    profile = read.profile
    standing = len(profile.candidates) - len(profile.withdrawn)
    if seats <= standing:
        return
    withdrawn = f" ({len(profile.withdrawn)} withdrawn)" if profile.withdrawn else ""
    if from_option:
        reason = f"--seats {seats} is more than the {standing} candidates standing{withdrawn}"
    else:
        reason = (f"the file asks for {seats} seats, but only {standing} candidates "
                  f"stand{withdrawn}")
    raise CountFailed(f"{file}: {reason}; no count can fill more seats than there are "
                      "candidates")


def _tie_message(file: Path, read: BltFile, tie: LotNeeded) -> str:
    """A tie the rule breaks by lot, the tied candidates named, and how to give the seed."""
    names = [read.profile.candidates[c] for c in tie.tied]
    tied = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)
    return (
        f"{file}: {tie.purpose}: {tied} are tied, and the rule breaks the tie by lot. "
        "Give the lot's public seed with --seed HEX (e.g. --seed 5eed, agreed and published "
        "before the count, docs/counting.md \"Lots\") and count again"
    )

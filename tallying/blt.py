"""The BLT ballot file: a tolerant reader and a strict, canonical writer.

The format is Hill, Wichmann and Woodall's (Algorithm 123, 1987), as
docs/counting.md, "The BLT ballot file format", describes it::

    4 2                  number of candidates, number of seats
    -2                   optional: withdrawn candidates, negative indices, one line
    3 1 3 4 0            weight, candidate indices (1-based) in order, 0
    0                    a line holding 0 ends the ballots
    "Adam"               one name per candidate, in index order
    ...
    "Title"              the election's title

**Reader** (:func:`parse_blt`, :func:`read_blt`). Accepts the core grammar and
tolerates, reporting each in :attr:`BltFile.warnings`: a byte-order mark;
``#`` comments; ``=`` equal ranks (``2 4 1=3 0``); ballots ended by the
newline without ``0`` (OpenTally); unquoted names, one per line
(mggg/scot-elex); a name and a party as two quoted strings on one line (the
first string is the name; the second is reported, not kept).
It refuses, with a :class:`BallotFileError` naming the line, what it would
have to guess: an index outside ``1..n``, a candidate ranked twice, a count of
names that is not ``n`` or no title, names given only in comments (Glasgow 2007), bad
numbers, skipped ranks (``-``), ballot IDs, a missing end-of-ballots ``0``.

Each ballot line is read from its own line: the 1987 text lets a ballot run
on over a newline, but real files end ballots at the newline without a ``0``
(docs/counting.md), and the newline reading is the one they need. Identical ballot
lines are parsed once and their weights added, so a million-line file reads
in about a second. The profile's ballots are the distinct rankings in order
of first appearance, each with the weights of all its lines added.

**Writer** (:func:`write_blt`). Emits only the core grammar: provenance as
``#`` comments, the header, the withdrawn line, one ballot per line ended by
``0``, the end ``0``, quoted names and title. With ``canonical=True``
identical rankings are merged and ballots sorted by ranking, so equal
profiles give byte-identical files that hash stably for the audit log.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from os import PathLike
from typing import IO

from tallying.errors import BallotFileError, InvalidProfile
from tallying.profile import Profile, RankedBallot, merge_identical

__all__ = [
    "BltFile",
    "BltWarning",
    "canonical_blt",
    "parse_blt",
    "read_blt",
    "write_blt",
]

Rank = tuple[int, ...]
Progress = Callable[[int, int], None]

_END_OF_BALLOTS = re.compile(r"^[ \t]*0[ \t]*(?:#[^\n]*)?$", re.MULTILINE)
_NAME_IN_COMMENT = re.compile(r"#.*\bname\b", re.IGNORECASE)
_PROGRESS_STEP = 20_000


@dataclass(frozen=True, slots=True)
class BltWarning:
    """Something the reader tolerated, and the (first) line where it did."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


@dataclass(frozen=True, slots=True)
class BltFile:
    """A BLT file read: the profile, what was tolerated, and its ``#`` comments."""

    profile: Profile
    warnings: tuple[BltWarning, ...] = ()
    comments: tuple[str, ...] = ()


# -- reading ---------------------------------------------------------------------


@dataclass(slots=True)
class _Ballots:
    """What the ballot lines held: ballots by line text, and what was tolerated."""

    weights: dict[tuple[Rank, ...], int]
    unterminated: set[str]
    equal: set[str]


def _strip_comment(line: str) -> str:
    cut = line.find("#")
    return (line if cut < 0 else line[:cut]).strip()


def _lines_upto(text: str, offset: int) -> int:
    """The 1-based number of the line holding character ``offset``."""
    return text.count("\n", 0, offset) + 1


def _number(token: str, line: int, what: str) -> int:
    if not (token.isascii() and token.isdigit()):
        raise BallotFileError(f"{what} {token!r} is not a whole number", line=line)
    return int(token)


def _preference(item: str, candidates: int, line: int) -> Rank:
    """One rank of a ballot: ``3``, or ``1=3`` for candidates ranked equal."""
    if item == "-":
        raise BallotFileError(
            "a skipped rank '-' is not accepted: the rule sets here have no gaps", line=line
        )
    if item.startswith("("):
        raise BallotFileError("ballot IDs '(id)' are not accepted", line=line)
    rank: list[int] = []
    for part in item.split("="):
        if not (part.isascii() and part.isdigit()):
            raise BallotFileError(f"preference {item!r} is not a candidate number", line=line)
        index = int(part)
        if not 1 <= index <= candidates:
            raise BallotFileError(
                f"candidate {index} is out of range: there are {candidates} candidates", line=line
            )
        rank.append(index - 1)
    return tuple(rank)


def _parse_ballot_line(
    raw: str, candidates: int, line: int
) -> tuple[list[tuple[int, tuple[Rank, ...]]], bool, bool]:
    """The ballots on one line, whether one ended at the newline, whether ``=`` was used."""
    text = _strip_comment(raw)
    tokens = text.split()
    ballots: list[tuple[int, tuple[Rank, ...]]] = []
    unterminated = False
    i = 0
    while i < len(tokens):
        weight = _number(tokens[i], line, "ballot weight")
        if weight == 0:
            raise BallotFileError(
                "a ballot's weight must be at least 1 (a 0 that ends the ballots "
                "must be on a line of its own)",
                line=line,
            )
        i += 1
        ranking: list[Rank] = []
        while i < len(tokens) and tokens[i] != "0":
            ranking.append(_preference(tokens[i], candidates, line))
            i += 1
        if i < len(tokens):
            i += 1  # the terminating 0
        else:
            unterminated = True
        seen = [c for rank in ranking for c in rank]
        if len(set(seen)) != len(seen):
            repeated = next(c for c in seen if seen.count(c) > 1)
            raise BallotFileError(
                f"candidate {repeated + 1} is ranked more than once on one ballot", line=line
            )
        ballots.append((weight, tuple(ranking)))
    equal = any(len(rank) > 1 for _, ranking in ballots for rank in ranking)
    return ballots, unterminated, equal


def _read_ballots(
    lines: list[str], first_line: int, candidates: int, progress: Progress | None
) -> _Ballots:
    """Parse each distinct ballot line once; identical lines add their weights."""
    counts = Counter(lines)
    weights: dict[tuple[Rank, ...], int] = {}
    unterminated: set[str] = set()
    equal: set[str] = set()
    # Each candidate's number as written, and its rank as the profile holds it
    # (shared, so a million papers hold no copies).
    ranks = {str(c + 1): (c,) for c in range(candidates)}
    known = ranks.keys()
    rank_of = ranks.__getitem__
    get = weights.get
    done = 0
    total = len(counts)
    for raw, times in counts.items():
        done += 1
        if progress is not None and done % _PROGRESS_STEP == 0:
            progress(done, total)
        # The fast path: plain candidate numbers ended by 0, checked and converted in C.
        tokens = raw.split()
        if len(tokens) > 1 and tokens[-1] == "0" and tokens[0].isdigit() and tokens[0].isascii():
            prefs = tokens[1:-1]
            distinct = set(prefs)
            weight = int(tokens[0])
            if weight and len(distinct) == len(prefs) and distinct <= known:
                key = tuple(map(rank_of, prefs))
                weights[key] = get(key, 0) + weight * times
                continue
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        line = _line_of(lines, raw, first_line)
        ballots, ended_by_newline, has_equal = _parse_ballot_line(raw, candidates, line)
        if ended_by_newline:
            unterminated.add(raw)
        if has_equal:
            equal.add(raw)
        for weight, ranking_ in ballots:
            weights[ranking_] = weights.get(ranking_, 0) + weight * times
    if progress is not None:
        progress(total, total)
    return _Ballots(weights, unterminated, equal)


def _line_of(lines: list[str], raw: str, first_line: int) -> int:
    return first_line + lines.index(raw)


def _first_line_among(lines: list[str], flagged: set[str], first_line: int) -> int:
    return first_line + next(i for i, raw in enumerate(lines) if raw in flagged)


def _tokens(raw: str, line: int) -> list[tuple[bool, str]]:
    """A names line as (quoted?, text) tokens; ``#`` outside quotes starts a comment."""
    tokens: list[tuple[bool, str]] = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == '"':
            end = raw.find('"', i + 1)
            if end < 0:
                raise BallotFileError("a quoted name is not closed", line=line)
            tokens.append((True, raw[i + 1 : end]))
            i = end + 1
        elif ch == "#":
            break
        elif ch.isspace():
            i += 1
        else:
            start = i
            while i < n and not raw[i].isspace() and raw[i] not in '"#':
                i += 1
            tokens.append((False, raw[start:i]))
    return tokens


def _read_names(
    lines: list[str], first_line: int, candidates: int, warnings: list[BltWarning]
) -> tuple[tuple[str, ...], str]:
    """Names and title after the ballots (core, unquoted, or name + party per line)."""
    rows: list[tuple[int, list[tuple[bool, str]], str]] = []
    named_in_comments: int | None = None
    for offset, raw in enumerate(lines):
        line = first_line + offset
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if named_in_comments is None and _NAME_IN_COMMENT.search(stripped):
                named_in_comments = line
            continue
        rows.append((line, _tokens(raw, line), _strip_comment(raw)))
    end_line = first_line + len(lines)
    strings = [text for _, tokens, _ in rows for quoted, text in tokens if quoted]
    all_quoted = all(quoted for _, tokens, _ in rows for quoted, _ in tokens)

    if all_quoted and len(strings) == candidates + 1:
        return tuple(strings[:candidates]), strings[candidates]

    if (
        all_quoted
        and len(rows) == candidates + 1
        and all(len(tokens) == 2 for _, tokens, _ in rows[:candidates])
        and len(rows[candidates][1]) == 1
    ):
        names = tuple(tokens[0][1] for _, tokens, _ in rows[:candidates])
        shown = rows[: min(3, candidates)]
        seconds = "; ".join(f"{tokens[0][1]!r}: {tokens[1][1]!r}" for _, tokens, _ in shown)
        warnings.append(
            BltWarning(
                rows[0][0],
                "each name line holds two quoted strings; the first is read as the name and "
                f"the second (a party?) is not kept: {seconds}"
                + (", ..." if candidates > 3 else ""),
            )
        )
        return names, rows[candidates][1][0][1]

    if not all_quoted and len(rows) == candidates + 1:
        values: list[str] = []
        unquoted_lines: list[int] = []
        for line, tokens, text in rows:
            if all(quoted for quoted, _ in tokens):
                if len(tokens) != 1:
                    break
                values.append(tokens[0][1])
            elif any(quoted for quoted, _ in tokens):
                raise BallotFileError(
                    "a name line mixes quoted and unquoted text; quote the whole name",
                    line=line,
                )
            else:
                values.append(text)
                unquoted_lines.append(line)
        else:
            warnings.append(
                BltWarning(
                    unquoted_lines[0],
                    f"{len(unquoted_lines)} names or title are not quoted; "
                    "each such line is read as one name",
                )
            )
            if len(rows) == candidates:
                warnings.append(BltWarning(end_line, "the file gives no title"))
            return tuple(values[:candidates]), values[candidates] if len(
                values
            ) > candidates else ""

    found = len(strings) if all_quoted else len(rows)
    if found < candidates and named_in_comments is not None:
        raise BallotFileError(
            f"the candidates' names are only in comments; the header says {candidates} "
            "candidates but the file gives their names only as '#' lines, and the reader "
            "does not guess them",
            line=named_in_comments,
        )
    where = rows[0][0] if rows else end_line
    raise BallotFileError(
        f"expected {candidates} candidate names and a title after the ballots, found "
        f"{found} {'strings' if all_quoted else 'lines'}",
        line=where,
    )


def _read_header(text: str) -> tuple[int, int, int, int, frozenset[int], list[str]]:
    """Candidates, seats, withdrawn and leading comments; where the ballots start.

    Returns ``(candidates, seats, offset, line, withdrawn, comments)`` with the
    character offset and 1-based line number of the first ballot line.
    """
    comments: list[str] = []
    offset = 0
    line = 0

    def next_line() -> str | None:
        nonlocal offset, line
        if offset >= len(text):
            return None
        nl = text.find("\n", offset)
        end = len(text) if nl < 0 else nl
        raw = text[offset:end]
        offset = end + 1
        line += 1
        return raw

    raw = next_line()
    while raw is not None and (not raw.strip() or raw.lstrip().startswith("#")):
        if raw.strip():
            comments.append(raw.strip()[1:].strip())
        raw = next_line()
    if raw is None:
        raise BallotFileError("the file is empty: no header line", line=max(line, 1))
    header = _strip_comment(raw).split()
    if len(header) != 2:
        raise BallotFileError(
            "the first line must hold two numbers: candidates and seats", line=line
        )
    candidates = _number(header[0], line, "number of candidates")
    seats = _number(header[1], line, "number of seats")
    if candidates < 1:
        raise BallotFileError("there must be at least one candidate", line=line)
    if seats < 1:
        raise BallotFileError("there must be at least one seat", line=line)
    ballots_at, ballots_line = offset, line + 1
    raw = next_line()
    while raw is not None and (not raw.strip() or raw.lstrip().startswith("#")):
        raw = next_line()
    withdrawn: set[int] = set()
    if raw is not None and _strip_comment(raw).startswith("-"):
        for token in _strip_comment(raw).split():
            if not token.startswith("-"):
                raise BallotFileError(
                    "the withdrawn line must hold only negative candidate numbers", line=line
                )
            index = _number(token[1:], line, "withdrawn candidate")
            if not 1 <= index <= candidates:
                raise BallotFileError(
                    f"withdrawn candidate {index} is out of range: there are "
                    f"{candidates} candidates",
                    line=line,
                )
            withdrawn.add(index - 1)
        ballots_at, ballots_line = min(offset, len(text)), line + 1
    return candidates, seats, ballots_at, ballots_line, frozenset(withdrawn), comments


def parse_blt(text: str, *, progress: Progress | None = None) -> BltFile:
    """Read BLT text into a :class:`Profile` (docs/counting.md, "The BLT ballot file format").

    ``progress``, if given, is called as ``progress(done, total)`` while the
    distinct ballot lines are parsed. Raises :class:`BallotFileError` naming
    the line of anything malformed or ambiguous.
    """
    warnings: list[BltWarning] = []
    if text.startswith("\ufeff"):
        text = text[1:]
        warnings.append(BltWarning(1, "a byte-order mark at the start was ignored"))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    candidates, seats, start, first_line, withdrawn, comments = _read_header(text)
    end = _END_OF_BALLOTS.search(text, start)
    if end is None:
        raise BallotFileError(
            "the ballots are not ended by a line holding a single 0",
            line=text.count("\n") + (0 if text.endswith("\n") else 1),
        )
    section = text[start : end.start()]
    ballot_lines = section.split("\n")
    if ballot_lines and ballot_lines[-1] == "":
        ballot_lines.pop()
    read = _read_ballots(ballot_lines, first_line, candidates, progress)
    if read.unterminated:
        warnings.append(
            BltWarning(
                _first_line_among(ballot_lines, read.unterminated, first_line),
                f"{len(read.unterminated)} distinct ballot lines end at the newline without a "
                "terminating 0; each line is read as one ballot",
            )
        )
    if read.equal:
        warnings.append(
            BltWarning(
                _first_line_among(ballot_lines, read.equal, first_line),
                f"{len(read.equal)} distinct ballot lines rank candidates equal with '='",
            )
        )
    end_line = _lines_upto(text, end.start())
    name_lines = text[end.end() :].split("\n")[1:]
    names, title = _read_names(name_lines, end_line + 1, candidates, warnings)
    for index, name in enumerate(names):
        if not name.strip():
            raise BallotFileError(f"candidate {index + 1} has an empty name", line=end_line + 1)
    if len(set(names)) != len(names):
        repeated = next(name for name in names if names.count(name) > 1)
        raise BallotFileError(f"two candidates are both named {repeated!r}", line=end_line + 1)
    ballots = tuple(map(RankedBallot, read.weights.values(), read.weights.keys()))
    profile = Profile(
        candidates=names, seats=seats, ballots=ballots, withdrawn=withdrawn, title=title
    )
    return BltFile(profile=profile, warnings=tuple(warnings), comments=tuple(comments))


def read_blt(
    source: str | PathLike[str] | IO[str] | IO[bytes], *, progress: Progress | None = None
) -> BltFile:
    """Read a BLT file from a path or an open stream (UTF-8; see :func:`parse_blt`)."""
    if isinstance(source, str | PathLike):
        with open(source, "rb") as stream:
            data: str | bytes = stream.read()
    else:
        data = source.read()
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BallotFileError(
                "the file is not UTF-8 text", line=data.count(b"\n", 0, error.start) + 1
            ) from None
    else:
        text = data
    return parse_blt(text, progress=progress)


# -- writing ---------------------------------------------------------------------


def _quoted(text: str, what: str) -> str:
    if '"' in text or "\n" in text or "\r" in text:
        raise InvalidProfile(
            f"{what} {text!r} cannot be written in BLT: it holds '\"' or a newline"
        )
    return f'"{text}"'


def _ballot_line(ballot: RankedBallot, equal_ranks: bool) -> str:
    parts = [str(ballot.weight)]
    for rank in ballot.ranking:
        if len(rank) > 1 and not equal_ranks:
            raise InvalidProfile(
                "a ballot ranks candidates equal; core BLT cannot say so "
                "(write with equal_ranks=True for the '=' extension)"
            )
        parts.append("=".join(str(c + 1) for c in rank))
    parts.append("0")
    return " ".join(parts)


def write_blt(
    profile: Profile,
    *,
    comments: Iterable[str] = (),
    canonical: bool = False,
    equal_ranks: bool = False,
) -> str:
    """The profile as core-grammar BLT text, ``#`` comments first.

    ``canonical=True`` merges identical rankings and sorts the ballots by
    ranking (then the bytes depend only on the profile and the comments).
    ``equal_ranks=True`` allows the ``1=3`` extension for candidates ranked
    equal; without it such a ballot is refused.
    """
    out: list[str] = []
    for comment in comments:
        out.extend(f"# {line}".rstrip() for line in comment.splitlines() or [""])
    out.append(f"{len(profile.candidates)} {profile.seats}")
    if profile.withdrawn:
        out.append(" ".join(f"-{c + 1}" for c in sorted(profile.withdrawn)))
    ballots: Iterable[RankedBallot] = profile.ballots
    if canonical:
        ballots = sorted(merge_identical(profile.ballots), key=lambda b: b.ranking)
    out.extend(_ballot_line(ballot, equal_ranks) for ballot in ballots)
    out.append("0")
    out.extend(_quoted(name, "candidate name") for name in profile.candidates)
    out.append(_quoted(profile.title, "title"))
    return "\n".join(out) + "\n"


def canonical_blt(profile: Profile, *, comments: Iterable[str] = ()) -> str:
    """:func:`write_blt` in canonical form: the text to hash for the audit log."""
    return write_blt(profile, comments=comments, canonical=True)

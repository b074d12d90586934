"""What an amendment took out of a motion: a word-level diff for the record.

The point of tellers' audit log is that nobody can hide what an amendment
took out of a motion; this module shows it. A diff is a sequence of chunks,
each :attr:`DiffOp.EQUAL` (in both texts), :attr:`DiffOp.LEFT_OUT` (only in
the text before) or :attr:`DiffOp.INSERTED` (only in the text after), in the
vocabulary of amendments (Citrine, *ABC of Chairmanship*: "leave out",
"insert").

How words are matched:

* When both texts are :class:`~voting.text.MotionText`, words are matched by
  their stable id (and text): a word survives exactly when its id survives, so
  the diff of a motion and the motion as amended by :func:`voting.edit.apply`
  is exact, even where the same word occurs many times.
* Otherwise (either text given as a string) the texts are parsed and their
  words compared as strings with the standard library's
  :class:`difflib.SequenceMatcher` (no junk heuristic), which finds a longest
  run of matching words and recurses on either side of it.

Line breaks are kept. A chunk's ``text`` is its words joined by single spaces,
with ``"\\n"`` (and no space) where a line breaks; a chunk may begin or end with
a line break. A break that only one of the texts has is a ``LEFT_OUT`` or
``INSERTED`` chunk of its own kind, so that the chunks of ``EQUAL`` and
``LEFT_OUT`` give back exactly the text before (:meth:`TextDiff.before`) and
those of ``EQUAL`` and ``INSERTED`` exactly the text after
(:meth:`TextDiff.after`).

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum
from typing import Final

from voting.text import MotionText

__all__ = ["DiffChunk", "DiffOp", "TextDiff", "word_diff"]


class DiffOp(StrEnum):
    """Whether a chunk is in both texts, left out by the amendment, or inserted by it."""

    EQUAL = "equal"
    LEFT_OUT = "left_out"
    INSERTED = "inserted"


@dataclass(frozen=True, slots=True)
class DiffChunk:
    """A run of words (and line breaks, as ``"\\n"``) with the same fate."""

    op: DiffOp
    text: str


# Characters that CommonMark may read as markup anywhere in a line.
_MD_INLINE = re.compile(r"([\\`*_~\[\]<>|&#])")
# What may open a block at the start of a line: a list number ("1." or "1)"),
# a bullet or a setext underline ("-", "+", "="), a heading or a quote.
_MD_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=])")


def escape_markdown(text: str) -> str:
    """``text`` with every character CommonMark may read as inline markup (``<``, ``&``,
    ``[``, ``*``, a backtick, ...) escaped by a backslash: Markdown shows it as written."""
    return _MD_INLINE.sub(r"\\\1", text)


def _escape_markdown(segment: str, *, line_start: bool) -> str:
    escaped = _MD_INLINE.sub(r"\\\1", segment)
    if line_start:
        escaped = _MD_LINE_START.sub(
            lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}",
            escaped,
            count=1,
        )
    return escaped


def _join(texts: Sequence[str]) -> str:
    """Join chunk texts as they join in the text: a space between words, none at a break."""
    out = ""
    for text in texts:
        if out and not out.endswith("\n") and not text.startswith("\n"):
            out += " "
        out += text
    return out


@dataclass(frozen=True, slots=True)
class TextDiff:
    """A word-level diff of two versions of a motion, in reading order.

    Consecutive chunks never have the same ``op``.
    """

    chunks: tuple[DiffChunk, ...]

    @property
    def left_out(self) -> tuple[str, ...]:
        """Each run of words left out, its words joined by single spaces (breaks ignored)."""
        return self._runs(DiffOp.LEFT_OUT)

    @property
    def inserted(self) -> tuple[str, ...]:
        """Each run of words inserted, its words joined by single spaces (breaks ignored)."""
        return self._runs(DiffOp.INSERTED)

    @property
    def changed(self) -> bool:
        """Whether the two texts differ at all (in words or in line breaks)."""
        return any(chunk.op is not DiffOp.EQUAL for chunk in self.chunks)

    def _runs(self, op: DiffOp) -> tuple[str, ...]:
        runs = (" ".join(chunk.text.split()) for chunk in self.chunks if chunk.op is op)
        return tuple(run for run in runs if run)

    def before(self) -> str:
        """The text before, in normal form, rebuilt from the ``EQUAL`` and ``LEFT_OUT`` chunks."""
        return _join([c.text for c in self.chunks if c.op is not DiffOp.INSERTED])

    def after(self) -> str:
        """The text after, in normal form, rebuilt from the ``EQUAL`` and ``INSERTED`` chunks."""
        return _join([c.text for c in self.chunks if c.op is not DiffOp.LEFT_OUT])

    def _render(self, left_out: tuple[str, str], inserted: tuple[str, str], markdown: bool) -> str:
        marks = {DiffOp.EQUAL: ("", ""), DiffOp.LEFT_OUT: left_out, DiffOp.INSERTED: inserted}
        pieces: list[str] = []
        at_line_start = True
        for chunk in self.chunks:
            opening, closing = marks[chunk.op]
            segments = chunk.text.split("\n")
            shown: list[str] = []
            for number, segment in enumerate(segments):
                if number:
                    at_line_start = True
                if segment:
                    if markdown:
                        segment = _escape_markdown(segment, line_start=at_line_start)
                    shown.append(f"{opening}{segment}{closing}")
                    at_line_start = False
                else:
                    shown.append("")
            pieces.append("\n".join(shown))
        joined = _join(pieces)
        return joined.replace("\n", "\\\n") if markdown else joined

    def markdown(self) -> str:
        """CommonMark for minutes: ``~~left out~~`` and ``**inserted**``.

        Each line of the motion is a line of the output, ended by a hard line
        break (a backslash), and every line break either text has is shown.
        Characters that Markdown would read as markup (``*``, ``_``, ``[``, a
        "1." at the start of a line, ...) are escaped with a backslash, so the
        words render exactly as moved.
        """
        return self._render(("~~", "~~"), ("**", "**"), markdown=True)

    def plain(self) -> str:
        """Plain text for terminals, in the style of GNU wdiff: ``[-left out-] {+inserted+}``.

        Markers are closed at the end of each line and reopened on the next.
        """
        return self._render(("[-", "-]"), ("{+", "+}"), markdown=False)

    def to_json(self) -> list[dict[str, str]]:
        """The chunks as ``[{"op": "equal" | "left_out" | "inserted", "text": ...}, ...]``."""
        return [{"op": chunk.op.value, "text": chunk.text} for chunk in self.chunks]


@dataclass(frozen=True, slots=True)
class _Token:
    key: Hashable
    text: str
    breaks: bool  # a line break comes just before this word in its own text


_BREAK: Final = "\n"


def _tokens(text: MotionText, *, by_id: bool) -> list[_Token]:
    return [
        _Token((word.id, word.text) if by_id else word.text, word.text, bool(number and not k))
        for number, line in enumerate(text.lines)
        for k, word in enumerate(line)
    ]


class _Builder:
    """Lays the aligned words out in reading order, placing each text's line breaks."""

    def __init__(self) -> None:
        self.out: list[tuple[DiffOp, str]] = []

    def emit(self, op: DiffOp, text: str) -> None:
        self.out.append((op, text))

    def gap(
        self,
        left: Sequence[_Token],
        right: Sequence[_Token],
        anchor: tuple[_Token, _Token] | None,
    ) -> None:
        """Words only in the text before, then those only in the text after, then an EQUAL word.

        A line break at the very start of the gap in both texts is shared (EQUAL);
        every other break belongs to the side whose text has it. Placing each
        break immediately before its word keeps both texts' layouts exact.
        """
        before_breaks = [t.breaks for t in left] + ([anchor[0].breaks] if anchor else [])
        after_breaks = [t.breaks for t in right] + ([anchor[1].breaks] if anchor else [])
        if before_breaks and after_breaks and before_breaks[0] and after_breaks[0]:
            self.emit(DiffOp.EQUAL, _BREAK)
            before_breaks[0] = after_breaks[0] = False
        for token, brk in zip(left, before_breaks, strict=False):
            if brk:
                self.emit(DiffOp.LEFT_OUT, _BREAK)
            self.emit(DiffOp.LEFT_OUT, token.text)
        for token, brk in zip(right, after_breaks, strict=False):
            if brk:
                self.emit(DiffOp.INSERTED, _BREAK)
            self.emit(DiffOp.INSERTED, token.text)
        if anchor is not None:
            before_break, after_break = before_breaks[-1], after_breaks[-1]
            if before_break and after_break:
                self.emit(DiffOp.EQUAL, _BREAK)
            elif before_break:
                self.emit(DiffOp.LEFT_OUT, _BREAK)
            elif after_break:
                self.emit(DiffOp.INSERTED, _BREAK)
            self.emit(DiffOp.EQUAL, anchor[0].text)

    def chunks(self) -> tuple[DiffChunk, ...]:
        chunks: list[DiffChunk] = []
        run: list[str] = []
        for k, (op, text) in enumerate(self.out):
            run.append(text)
            if k + 1 == len(self.out) or self.out[k + 1][0] is not op:
                chunks.append(DiffChunk(op, _join(run)))
                run = []
        return tuple(chunks)


def word_diff(before: MotionText | str, after: MotionText | str) -> TextDiff:
    """The word-level diff from ``before`` to ``after``.

    Strings are parsed as motion text first (so the errors of
    :meth:`MotionText.parse` apply). Two :class:`MotionText` values are matched
    by word id; anything else by the words' text (see the module docstring).
    """
    by_id = isinstance(before, MotionText) and isinstance(after, MotionText)
    left = _tokens(
        before if isinstance(before, MotionText) else MotionText.parse(before), by_id=by_id
    )
    right = _tokens(
        after if isinstance(after, MotionText) else MotionText.parse(after), by_id=by_id
    )
    matcher = SequenceMatcher(None, [t.key for t in left], [t.key for t in right], autojunk=False)
    builder = _Builder()
    i = j = 0
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            a, b = block.a + k, block.b + k
            builder.gap(left[i:a], right[j:b], (left[a], right[b]))
            i, j = a + 1, b + 1
    builder.gap(left[i:], right[j:], None)
    return TextDiff(builder.chunks())

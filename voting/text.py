"""The text of a motion: numbered lines of words, each word with a stable id.

Motions on labour-movement agendas are printed with numbered lines, and
amendments address the text by line and quoted words: "Line 3, leave out 'and a
candidate' to the end of line 5 and insert ..." (Walter Citrine, *ABC of
Chairmanship*, on amendments: they "leave out", "insert" or "leave out and
insert" words). Several amendments are usually drafted against the *original*
motion; once one is carried, the others are taken against the motion as
amended, and an amendment whose words have gone falls.

To make that exact, every word carries a :data:`WordId` that never changes and
is never reused: parsing numbers the words ``0 .. n-1`` in reading order, and
words inserted by an amendment get fresh ids from :attr:`MotionText.next_id`
(see :mod:`voting.edit`). A line number is only ever a *current* position.

Normal form (what :meth:`MotionText.plain` returns, and what
``MotionText.parse(t).plain()`` gives for any accepted ``t``):

* Unicode NFC;
* ``\\r\\n`` and a lone ``\\r`` are line breaks, like ``\\n`` (web forms submit
  CRLF); a tab is whitespace;
* a word is a run of non-whitespace characters, punctuation attached
  ("conditions:" is one word), and words are separated by one space;
* **blank lines are dropped**: a line with no words cannot be amended or
  numbered on an agenda, so a :class:`MotionText` never has an empty line, and
  a line all of whose words are left out disappears (the lines after it are
  renumbered);
* any other control character (U+0000-U+001F, U+007F-U+009F), a lone surrogate,
  or a bidirectional embedding/override/isolate character (U+202A-U+202E,
  U+2066-U+2069, the "Trojan Source" characters, which make text display
  differently from what it says) is refused with :class:`TextError`.

Limits (documented, :class:`TextTooLong` beyond them): at most
:data:`MAX_TEXT_CHARS` characters in normal form and :data:`MAX_LINES` lines.
These hold for every :class:`MotionText`, including a motion as amended.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, NewType

from voting.errors import EditNoLongerApplies, EmptyText, SpanNotFound, TextError, TextTooLong

__all__ = [
    "MAX_LINES",
    "MAX_TEXT_CHARS",
    "MotionText",
    "Word",
    "WordId",
    "normalise",
]

WordId = NewType("WordId", int)
"""The stable id of one word of a motion; never reused, even after the word is left out."""

MAX_TEXT_CHARS: Final = 20_000
"""The most characters a motion (or the words an amendment inserts) may have, in normal form."""

MAX_LINES: Final = 500
"""The most lines a motion (or the words an amendment inserts) may have."""

# A coarse guard so that a huge paste is refused before it is normalised. NFC can
# at most triple a string and whitespace collapsing only shrinks it, so any input
# longer than this is certainly too long once normalised.
_RAW_LIMIT: Final = 4 * MAX_TEXT_CHARS

_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _forbidden_reason(char: str) -> str:
    code = ord(char)
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return (
            f"a bidirectional formatting character (U+{code:04X}), which can make the text "
            "display differently from what it says"
        )
    if 0xD800 <= code <= 0xDFFF:
        return f"an invalid character (lone surrogate U+{code:04X})"
    return f"a control character (U+{code:04X})"


def normalise(raw: str, *, what: str = "the motion") -> str:
    """Return ``raw`` in normal form (see the module docstring), or refuse it.

    ``what`` names the text in messages ("the motion", "the words to insert").

    Raises:
        EmptyText: there are no words (empty or whitespace only).
        TextTooLong: more than :data:`MAX_TEXT_CHARS` characters or
            :data:`MAX_LINES` lines in normal form.
        TextError: a control or bidirectional formatting character.
    """
    if len(raw) > _RAW_LIMIT:
        raise TextTooLong(
            f"{what} is {len(raw):,} characters long; the limit is {MAX_TEXT_CHARS:,}"
        )
    unified = raw.replace("\r\n", "\n").replace("\r", "\n")
    bad = _FORBIDDEN.search(unified)
    if bad is not None:
        line = unified.count("\n", 0, bad.start()) + 1
        raise TextError(
            f"line {line} of {what} contains {_forbidden_reason(bad.group())}; "
            "only ordinary text, spaces and line breaks are allowed"
        )
    composed = unicodedata.normalize("NFC", unified)
    lines = [" ".join(line.split()) for line in composed.split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        raise EmptyText(f"{what} has no words")
    if len(lines) > MAX_LINES:
        raise TextTooLong(f"{what} has {len(lines):,} lines; the limit is {MAX_LINES:,}")
    text = "\n".join(lines)
    if len(text) > MAX_TEXT_CHARS:
        raise TextTooLong(
            f"{what} is {len(text):,} characters long; the limit is {MAX_TEXT_CHARS:,}"
        )
    return text


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a motion: a run of non-whitespace characters, punctuation attached."""

    id: WordId
    text: str


@dataclass(frozen=True, slots=True)
class MotionText:
    """The text of a motion as it now stands: numbered lines of words with stable ids.

    Build one with :meth:`parse`; :func:`voting.edit.apply` makes the motion as
    amended. Invariants (checked on construction, :class:`TextError` otherwise):
    at least one line, no empty line, word ids unique and below :attr:`next_id`,
    every word non-empty without whitespace, and the documented limits.

    Attributes:
        lines: the current lines, each a non-empty tuple of words.
        next_id: the next fresh :data:`WordId`; inserted words are numbered from it.
    """

    lines: tuple[tuple[Word, ...], ...]
    next_id: int
    _words: tuple[Word, ...] = field(init=False, repr=False, compare=False)
    _where: Mapping[WordId, tuple[int, int, int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.lines:
            raise EmptyText("the motion has no words")
        if len(self.lines) > MAX_LINES:
            raise TextTooLong(
                f"the motion has {len(self.lines):,} lines; the limit is {MAX_LINES:,}"
            )
        words: list[Word] = []
        where: dict[WordId, tuple[int, int, int]] = {}
        chars = len(self.lines) - 1
        for line_no, line in enumerate(self.lines, start=1):
            if not line:
                raise TextError(f"line {line_no} of the motion is empty")
            chars += len(line) - 1
            for word_no, word in enumerate(line, start=1):
                if word.text.split() != [word.text] or _FORBIDDEN.search(word.text):
                    raise TextError(f"line {line_no}, word {word_no} is not a single word")
                if not 0 <= word.id < self.next_id:
                    raise TextError(f"word id {word.id} is not below next_id {self.next_id}")
                if word.id in where:
                    raise TextError(f"word id {word.id} is used twice")
                where[word.id] = (line_no, word_no, len(words))
                words.append(word)
                chars += len(word.text)
        if chars > MAX_TEXT_CHARS:
            raise TextTooLong(
                f"the motion is {chars:,} characters long; the limit is {MAX_TEXT_CHARS:,}"
            )
        object.__setattr__(self, "_words", tuple(words))
        object.__setattr__(self, "_where", where)

    @classmethod
    def parse(cls, text: str) -> MotionText:
        """Read a motion: normal form (NFC, lines on line breaks, words on whitespace).

        Words are numbered ``0 .. n-1`` in reading order, so parsing the same
        text twice gives equal values. Raises :class:`EmptyText`,
        :class:`TextTooLong` or :class:`TextError` (see :func:`normalise`).
        """
        lines: list[tuple[Word, ...]] = []
        next_id = 0
        for line in normalise(text).split("\n"):
            tokens = line.split(" ")
            lines.append(tuple(Word(WordId(next_id + i), t) for i, t in enumerate(tokens)))
            next_id += len(tokens)
        return cls(tuple(lines), next_id)

    def plain(self) -> str:
        """The text in normal form: words joined by one space, lines by ``\\n``."""
        return "\n".join(" ".join(word.text for word in line) for line in self.lines)

    def numbered(self) -> str:
        """The text with line numbers, as printed on an agenda.

        ``"1  That this group ..."``; numbers are right-aligned when there are
        ten lines or more.
        """
        width = len(str(len(self.lines)))
        return "\n".join(
            f"{number:>{width}}  {' '.join(word.text for word in line)}"
            for number, line in enumerate(self.lines, start=1)
        )

    @property
    def words(self) -> tuple[Word, ...]:
        """Every word in reading order, across lines."""
        return self._words

    @property
    def word_count(self) -> int:
        """How many words the motion has."""
        return len(self._words)

    def word_at(self, line: int, word: int) -> Word:
        """The word at a current position, both numbers counting from 1.

        Raises:
            SpanNotFound: no such line or word, said the way a chair would say it
                ("line 7 has only 4 words").
        """
        if line < 1 or word < 1:
            raise SpanNotFound(
                f"line {line}, word {word} does not exist: lines and words are numbered from 1"
            )
        if line > len(self.lines):
            raise SpanNotFound(
                f"there is no line {line}: the motion has only {_plural(len(self.lines), 'line')}"
            )
        words = self.lines[line - 1]
        if word > len(words):
            raise SpanNotFound(
                f"there is no word {word} in line {line}: "
                f"line {line} has only {_plural(len(words), 'word')}"
            )
        return words[word - 1]

    def line_length(self, line: int) -> int:
        """How many words a line has (``line`` counts from 1); :class:`SpanNotFound` if none."""
        if not 1 <= line <= len(self.lines):
            raise SpanNotFound(
                f"there is no line {line}: the motion has only {_plural(len(self.lines), 'line')}"
            )
        return len(self.lines[line - 1])

    def position(self, word_id: WordId) -> tuple[int, int] | None:
        """The current ``(line, word)`` of a word, counting from 1; ``None`` if it is gone."""
        where = self._where.get(word_id)
        return None if where is None else (where[0], where[1])

    def index(self, word_id: WordId) -> int | None:
        """The current place of a word in :attr:`words` (from 0); ``None`` if it is gone."""
        where = self._where.get(word_id)
        return None if where is None else where[2]

    def span_words(self, first: WordId, last: WordId) -> tuple[Word, ...]:
        """The words from ``first`` to ``last`` inclusive, in reading order, across lines.

        Raises:
            EditNoLongerApplies: either word is gone, or ``last`` now precedes ``first``.
        """
        start, end = self._where.get(first), self._where.get(last)
        if start is None and end is None:
            raise EditNoLongerApplies(f"words {first} and {last} are no longer in the motion")
        if start is None or end is None:
            gone = first if start is None else last
            raise EditNoLongerApplies(f"word {gone} is no longer in the motion")
        if end[2] < start[2]:
            raise EditNoLongerApplies(
                f"line {end[0]}, word {end[1]} comes before line {start[0]}, word {start[1]}"
            )
        return self._words[start[2] : end[2] + 1]

    def quote(self, first: WordId, last: WordId) -> str:
        """The words from ``first`` to ``last`` as they would be quoted: joined by single spaces.

        Line breaks inside the span become spaces, as an amendment quotes words,
        not layout. Raises :class:`EditNoLongerApplies` like :meth:`span_words`.
        """
        return " ".join(word.text for word in self.span_words(first, last))

"""Amendments as typed edits of a motion's text, addressed by stable word ids.

Walter Citrine's *ABC of Chairmanship* (chapter on amendments) recognises three
forms of amendment, and this module has one :class:`EditKind` for each, plus
the two common special cases:

=========================  =====================================================
``LEAVE_OUT``              "Line 3, leave out 'a principled'"
``INSERT``                 "Line 3, after 'slate' insert 'of the left'"
``LEAVE_OUT_AND_INSERT``   "Line 3, leave out 'and a candidate' to the end of
                           line 5 and insert 'something'"
``REPLACE_ALL``            "Leave out all after 'That' and insert ..." (a
                           counter-proposal); without ``after``, "leave out all
                           and insert", a whole new text
``ADD_AT_END``             "Add at end ..."
=========================  =====================================================

An edit names the words it touches by :data:`~voting.text.WordId`, never by
line number, so an amendment drafted against the original motion can still be
taken after another amendment has been carried: :func:`check` says whether it
still applies, and if not, why (it *falls*). The rules:

* ``LEAVE_OUT`` / ``LEAVE_OUT_AND_INSERT`` apply while the first and last words
  (by id) are still there and the words from one to the other still read
  exactly as quoted; they fall if any of them was left out or if words were
  inserted among them. (A word left out and put back with the same spelling in
  the same place reads the same, so, as a chair reading the quotation would,
  the amendment still applies.)
* ``INSERT`` (and ``REPLACE_ALL`` with ``after``) apply while the word after
  which it inserts is still there (and, if the edit quotes words ending there,
  while they still read the same). ``INSERT`` at the start always applies.
* ``ADD_AT_END`` adds at the end of the motion *as it then stands*, and
  ``REPLACE_ALL`` leaves out everything after its anchor *as it then stands*:
  both follow the practice that "add at end" and "leave out all after" refer
  to the motion as amended, so they never fall for want of words.

Line breaks: a line break between two left-out words is left out with them, so
"leave out from 'only' in line 1 to the end of line 4" joins what is left of
line 1 with whatever follows. A line all of whose words are left out
disappears. Inserted words join the line where they are inserted; to start a
new line, begin the inserted text with a line break (and end it with one to
put the following words on a line of their own).

Whether an amendment is in order (for instance that it is not a direct
negative of the motion) is the chair's ruling under standing orders, not this
module's: here an edit only has to make sense of the words.

Pure: no I/O, no clock. Every function returns new values and never mutates.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from voting.errors import (
    EditNoLongerApplies,
    EmptyText,
    QuotedWordsMismatch,
    SpanNotFound,
    TextError,
    TextTooLong,
)
from voting.text import MAX_LINES, MAX_TEXT_CHARS, MotionText, Word, WordId, normalise

__all__ = [
    "Edit",
    "EditKind",
    "add_at_end",
    "apply",
    "apply_all",
    "check",
    "find",
    "insert",
    "leave_out",
    "leave_out_and_insert",
    "replace_all",
]


class EditKind(StrEnum):
    """The form of an amendment (Citrine, *ABC of Chairmanship*, on amendments)."""

    LEAVE_OUT = "leave_out"
    INSERT = "insert"
    LEAVE_OUT_AND_INSERT = "leave_out_and_insert"
    REPLACE_ALL = "leave_out_all_and_insert"
    ADD_AT_END = "add_at_end"


_SPAN_KINDS: Final = frozenset({EditKind.LEAVE_OUT, EditKind.LEAVE_OUT_AND_INSERT})
_ANCHOR_KINDS: Final = frozenset({EditKind.INSERT, EditKind.REPLACE_ALL})
_FIELDS: Final = ("kind", "first", "last", "after", "insert", "quoted")
_SHOW_LIMIT: Final = 200


def _normalise_insert(raw: str) -> str:
    """Normal form of the words to insert, keeping one leading/trailing line break if given."""
    unified = raw.replace("\r\n", "\n").replace("\r", "\n")
    body = normalise(unified, what="the text to insert")
    segments = unified.split("\n")
    lead = len(segments) > 1 and not segments[0].strip()
    trail = len(segments) > 1 and not segments[-1].strip()
    return ("\n" if lead else "") + body + ("\n" if trail else "")


def _normalise_quote(raw: str) -> str:
    """Quoted words in normal form: one space between words, line breaks included."""
    return normalise(raw, what="the quotation").replace("\n", " ")


def _show(text: str) -> str:
    """Text for a message or a description: line breaks as ' / ', long texts shortened."""
    shown = " / ".join(text.split("\n")).strip()
    return shown if len(shown) <= _SHOW_LIMIT else shown[: _SHOW_LIMIT - 1] + "…"


@dataclass(frozen=True, slots=True)
class Edit:
    """One amendment's change to the text, by word id.

    Attributes:
        kind: the form of the amendment.
        first, last: the first and last words to leave out (``LEAVE_OUT``,
            ``LEAVE_OUT_AND_INSERT``); ``None`` otherwise.
        after: ``INSERT``: the word after which to insert, ``None`` for the very
            start. ``REPLACE_ALL``: the last word kept ("leave out all after
            'That'"), ``None`` to replace the whole text. ``None`` otherwise.
        insert: the words to insert, in normal form; may hold line breaks, and
            may begin or end with one to start a new line. ``""`` for ``LEAVE_OUT``.
        quoted: the words of the motion the amendment quotes, as they stood
            when it was moved, for the record and for :func:`check`: the words
            left out (required for ``LEAVE_OUT`` and ``LEAVE_OUT_AND_INSERT``),
            or the words ending at ``after`` (optional for ``INSERT`` and
            ``REPLACE_ALL``). ``""`` otherwise.

    Construction normalises ``insert`` and ``quoted`` and refuses an edit that
    cannot make sense (:class:`TextError`; :class:`EmptyText` for missing words).
    """

    kind: EditKind
    first: WordId | None = None
    last: WordId | None = None
    after: WordId | None = None
    insert: str = ""
    quoted: str = ""

    def __post_init__(self) -> None:
        try:
            kind = EditKind(self.kind)
        except ValueError:
            raise TextError(f"'{self.kind}' is not a kind of amendment") from None
        object.__setattr__(self, "kind", kind)
        for name in ("first", "last", "after"):
            value = getattr(self, name)
            if value is not None and (type(value) is not int or value < 0):
                raise TextError(_bad_id(name, value))
        label = kind.value.replace("_", " ")
        label = f"an '{label}'" if label[0] in "aeiou" else f"a '{label}'"
        if kind in _SPAN_KINDS:
            if self.first is None or self.last is None:
                raise TextError(f"{label} amendment needs the first and last words to leave out")
        elif self.first is not None or self.last is not None:
            raise TextError(f"{label} amendment leaves out no span of words")
        if kind not in _ANCHOR_KINDS and self.after is not None:
            raise TextError(f"{label} amendment does not insert after a word")
        if kind is EditKind.LEAVE_OUT:
            if self.insert:
                raise TextError(
                    "a 'leave out' amendment inserts nothing; use 'leave out and insert'"
                )
        else:
            object.__setattr__(self, "insert", _normalise_insert(self.insert))
        quoted = _normalise_quote(self.quoted) if self.quoted else ""
        object.__setattr__(self, "quoted", quoted)
        if kind in _SPAN_KINDS and not quoted:
            raise EmptyText(f"{label} amendment must quote the words it leaves out")
        if quoted and kind not in _SPAN_KINDS and self.after is None:
            raise TextError(f"{label} amendment without 'after' quotes no words")

    def describe(self, text: MotionText) -> str:
        """The amendment as a chair reads it out, by current line numbers.

        For example "Line 3, leave out 'a principled platform' and insert 'a
        platform'". If its words are gone, it is described by its quotation and
        marked "(no longer applies)"; this never raises.
        """
        tail = f" and insert '{_show(self.insert)}'" if self.insert else ""
        kind = self.kind
        if kind is EditKind.ADD_AT_END:
            return f"Add at end '{_show(self.insert)}'"
        if kind in _SPAN_KINDS:
            return self._describe_span(text) + tail
        if self.after is None:
            if kind is EditKind.INSERT:
                return f"At the start, insert '{_show(self.insert)}'"
            return f"Leave out all{tail}"
        action = "insert" if kind is EditKind.INSERT else "leave out all"
        where = text.position(self.after)
        if where is None:
            return self._describe_gone_anchor()
        try:
            _locate_anchor(text, self, self.after)
        except EditNoLongerApplies:
            return self._describe_gone_anchor()
        anchor_text = self.quoted or text.word_at(*where).text
        if kind is EditKind.INSERT:
            return f"Line {where[0]}, after '{anchor_text}' {action} '{_show(self.insert)}'"
        return f"Line {where[0]}, {action} after '{anchor_text}'{tail}"

    def _describe_gone_anchor(self) -> str:
        anchor = f"'{self.quoted}'" if self.quoted else "a word"
        if self.kind is EditKind.INSERT:
            return f"After {anchor} insert '{_show(self.insert)}' (no longer applies)"
        return f"Leave out all after {anchor} and insert '{_show(self.insert)}' (no longer applies)"

    def _describe_span(self, text: MotionText) -> str:
        first, last = _span_ids(self)
        start, end = text.index(first), text.index(last)
        if start is None or end is None or end < start or text.quote(first, last) != self.quoted:
            return f"Leave out '{_show(self.quoted)}' (no longer applies)"
        first_pos, last_pos = text.position(first), text.position(last)
        if first_pos is None or last_pos is None:  # pragma: no cover - index says they exist
            return f"Leave out '{self.quoted}' (no longer applies)"
        (line, word), (to_line, to_word) = first_pos, last_pos
        if line == to_line:
            return f"Line {line}, leave out '{text.quote(first, last)}'"
        opening = " ".join(w.text for w in text.lines[line - 1][word - 1 :])
        if end == text.word_count - 1:
            finish = "to the end"
        elif to_word == len(text.lines[to_line - 1]):
            finish = f"to the end of line {to_line}"
        else:
            closing = " ".join(w.text for w in text.lines[to_line - 1][:to_word])
            finish = f"to '{closing}' in line {to_line}"
        return f"Line {line}, leave out '{opening}' {finish}"

    def to_json(self) -> dict[str, object]:
        """A plain dict for the log: ``kind``, ``insert``, ``quoted`` and the ids that are set.

        Field names are stable and unversioned; ids that are ``None`` are left
        out, so the same edit always gives the same dict.
        """
        data: dict[str, object] = {"kind": self.kind.value}
        for name in ("first", "last", "after"):
            value = getattr(self, name)
            if value is not None:
                data[name] = int(value)
        data["insert"] = self.insert
        data["quoted"] = self.quoted
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Edit:
        """Read an edit written by :meth:`to_json`; :class:`TextError` if it is malformed."""
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise TextError(f"an edit has no field {', '.join(repr(k) for k in unknown)}")
        kind = data.get("kind")
        if not isinstance(kind, str):
            raise TextError("an edit needs a 'kind' naming the form of the amendment")
        ids: dict[str, WordId | None] = {}
        for name in ("first", "last", "after"):
            value = data.get(name)
            if value is not None and (type(value) is not int or value < 0):
                raise TextError(_bad_id(name, value))
            ids[name] = None if value is None else WordId(value)
        texts: dict[str, str] = {}
        for name in ("insert", "quoted"):
            value = data.get(name, "")
            if not isinstance(value, str):
                raise TextError(f"'{name}' must be text, not {value!r}")
            texts[name] = value
        try:
            edit_kind = EditKind(kind)
        except ValueError:
            raise TextError(f"'{kind}' is not a kind of amendment") from None
        return cls(
            kind=edit_kind,
            first=ids["first"],
            last=ids["last"],
            after=ids["after"],
            insert=texts["insert"],
            quoted=texts["quoted"],
        )


def _bad_id(name: str, value: object) -> str:
    return f"'{name}' must be a word id (a whole number from 0), not {value!r}"


def _span_ids(edit: Edit) -> tuple[WordId, WordId]:
    if edit.first is None or edit.last is None:  # pragma: no cover - __post_init__ forbids it
        raise TextError("this amendment leaves out no span of words")
    return edit.first, edit.last


# --- applying edits ---------------------------------------------------------------------

Token = Word | None
"""A word, or ``None`` for a line break, in the flat reading-order stream of a text."""


def _stream(text: MotionText) -> list[Token]:
    tokens: list[Token] = []
    for number, line in enumerate(text.lines):
        if number:
            tokens.append(None)
        tokens.extend(line)
    return tokens


def _insert_tokens(insert: str, next_id: int) -> tuple[list[Token], int]:
    tokens: list[Token] = []
    if insert.startswith("\n"):
        tokens.append(None)
    for number, line in enumerate(insert.strip("\n").split("\n")):
        if number:
            tokens.append(None)
        for token in line.split(" "):
            tokens.append(Word(WordId(next_id), token))
            next_id += 1
    if insert.endswith("\n"):
        tokens.append(None)
    return tokens, next_id


def _lines(tokens: list[Token]) -> tuple[tuple[Word, ...], ...]:
    lines: list[tuple[Word, ...]] = []
    current: list[Word] = []
    for token in tokens:
        if token is None:
            if current:
                lines.append(tuple(current))
            current = []
        else:
            current.append(token)
    if current:
        lines.append(tuple(current))
    return tuple(lines)


def _locate_span(text: MotionText, edit: Edit) -> tuple[int, int]:
    """The reading-order indices of the words to leave out, or why the edit falls."""
    first, last = _span_ids(edit)
    quoted = edit.quoted
    words = quoted.split(" ")
    start, end = text.index(first), text.index(last)
    if start is None and end is None:
        raise EditNoLongerApplies(f"the words '{quoted}' are no longer in the motion")
    if start is None or end is None:
        gone = words[0] if start is None else words[-1]
        raise EditNoLongerApplies(
            f"the words '{quoted}' are no longer all in the motion: '{gone}' has been left out"
        )
    if end < start:
        raise EditNoLongerApplies(
            f"the words '{quoted}' are no longer in the order the amendment quotes them"
        )
    now = [word.text for word in text.words[start : end + 1]]
    if now != words:
        raise EditNoLongerApplies(
            f"the words '{quoted}' no longer stand together in the motion as the amendment "
            f"quotes them: from '{words[0]}' to '{words[-1]}' it now reads '{_show(' '.join(now))}'"
        )
    return start, end


def _locate_anchor(text: MotionText, edit: Edit, after: WordId) -> int:
    """The reading-order index of the word after which the edit acts, or why it falls."""
    where = text.index(after)
    action = "insert" if edit.kind is EditKind.INSERT else "leave out all"
    if where is None:
        named = f"the word '{edit.quoted.split(' ')[-1]}'" if edit.quoted else "the word"
        raise EditNoLongerApplies(
            f"{named} after which it would {action} is no longer in the motion"
        )
    if edit.quoted:
        words = edit.quoted.split(" ")
        begin = where - len(words) + 1
        now = [word.text for word in text.words[max(begin, 0) : where + 1]]
        if begin < 0 or now != words:
            raise EditNoLongerApplies(
                f"the words '{edit.quoted}' after which it would {action} no longer stand "
                f"together in the motion: there it now reads '{_show(' '.join(now))}'"
            )
    return where


def _amended(text: MotionText, edit: Edit) -> MotionText:
    """The motion as amended by ``edit``, or the reason it cannot be."""
    tokens = _stream(text)
    place = {token.id: k for k, token in enumerate(tokens) if token is not None}
    new: list[Token] = []
    next_id = text.next_id
    if edit.insert:
        new, next_id = _insert_tokens(edit.insert, next_id)
    kind = edit.kind
    if kind in _SPAN_KINDS:
        start, end = _locate_span(text, edit)
        tokens[place[text.words[start].id] : place[text.words[end].id] + 1] = new
    elif kind is EditKind.ADD_AT_END:
        tokens.extend(new)
    elif edit.after is None:
        tokens[0 : len(tokens) if kind is EditKind.REPLACE_ALL else 0] = new
    else:
        anchor = place[text.words[_locate_anchor(text, edit, edit.after)].id]
        tokens[anchor + 1 : len(tokens) if kind is EditKind.REPLACE_ALL else anchor + 1] = new
    lines = _lines(tokens)
    if not lines:
        raise EmptyText("the amendment would leave out every word of the motion")
    if len(lines) > MAX_LINES:
        raise TextTooLong(
            f"the motion as amended would have {len(lines):,} lines; the limit is {MAX_LINES:,}"
        )
    chars = sum(len(word.text) + 1 for line in lines for word in line) - 1
    if chars > MAX_TEXT_CHARS:
        raise TextTooLong(
            f"the motion as amended would be {chars:,} characters long; "
            f"the limit is {MAX_TEXT_CHARS:,}"
        )
    return MotionText(lines, next_id)


def check(text: MotionText, edit: Edit) -> None:
    """Whether ``edit`` can be made to the motion as it now stands; raises if not.

    ``check`` passes exactly when :func:`apply` would succeed.

    Raises:
        EditNoLongerApplies: the amendment falls, with the reason, e.g. "the
            words 'our own slate' are no longer in the motion", or that they are
            still there but no longer stand together as quoted.
        EmptyText: the amendment would leave no words at all.
        TextTooLong: the motion as amended would exceed the documented limits.
    """
    _amended(text, edit)


def apply(text: MotionText, edit: Edit) -> MotionText:
    """The motion as amended by ``edit``; checks first (see :func:`check`), never mutates.

    Surviving words keep their ids and their order; inserted words get fresh
    ids from ``text.next_id`` upwards, so no id is ever reused.
    """
    return _amended(text, edit)


def apply_all(text: MotionText, edits: Iterable[Edit]) -> MotionText:
    """Apply carried amendments in order, each to the motion as amended so far.

    The result is the substantive motion. Raises at the first edit that does
    not apply (see :func:`check`).
    """
    for edit in edits:
        text = _amended(text, edit)
    return text


# --- building edits from an amendment as drafted ------------------------------------------


def _where(text: MotionText, first: Word, last: Word) -> str:
    first_pos, last_pos = text.position(first.id), text.position(last.id)
    if first_pos is None or last_pos is None:  # pragma: no cover - both are words of text
        return "there"
    (line, word), (to_line, to_word) = first_pos, last_pos
    if line != to_line:
        return f"line {line}, word {word} to line {to_line}, word {to_word}"
    if word == to_word:
        return f"line {line}, word {word}"
    return f"line {line}, words {word} to {to_word}"


def _span(
    text: MotionText,
    line: int,
    word: int,
    to_line: int | None,
    to_word: int | None,
    quoted: str | None,
) -> tuple[Word, Word, str]:
    first = text.word_at(line, word)
    if to_line is None:
        if to_word is not None:
            raise SpanNotFound("give the line of the last word to leave out as well as its number")
        to_line = len(text.lines)
    if to_word is None:
        to_word = text.line_length(to_line)
    last = text.word_at(to_line, to_word)
    start, end = text.index(first.id), text.index(last.id)
    if start is None or end is None or end < start:
        raise SpanNotFound(
            f"the words to leave out would end (line {to_line}, word {to_word}) "
            f"before they begin (line {line}, word {word})"
        )
    actual = text.quote(first.id, last.id)
    if quoted is not None:
        given = _normalise_quote(quoted)
        if given != actual:
            raise QuotedWordsMismatch(
                f"the amendment quotes '{_show(given)}' but at {_where(text, first, last)} "
                f"the motion reads '{_show(actual)}'"
            )
    return first, last, actual


def leave_out(
    text: MotionText,
    line: int,
    word: int,
    to_line: int | None,
    to_word: int | None,
    *,
    quoted: str | None = None,
) -> Edit:
    """Build "Line L, leave out ..." from (line, word) to (to_line, to_word), counted from 1.

    ``to_word=None`` means the end of ``to_line``; ``to_line=None`` (with
    ``to_word=None``) means the end of the motion. If ``quoted`` is given it must
    be the words there (:class:`QuotedWordsMismatch` shows both); the words are
    recorded in :attr:`Edit.quoted` either way. Raises :class:`SpanNotFound` for
    positions that do not exist.
    """
    first, last, actual = _span(text, line, word, to_line, to_word, quoted)
    edit = Edit(EditKind.LEAVE_OUT, first=first.id, last=last.id, quoted=actual)
    check(text, edit)
    return edit


def leave_out_and_insert(
    text: MotionText,
    line: int,
    word: int,
    to_line: int | None,
    to_word: int | None,
    words: str,
    *,
    quoted: str | None = None,
) -> Edit:
    """Build "Line L, leave out ... and insert ...": :func:`leave_out`, ``words`` in their place."""
    first, last, actual = _span(text, line, word, to_line, to_word, quoted)
    edit = Edit(
        EditKind.LEAVE_OUT_AND_INSERT, first=first.id, last=last.id, insert=words, quoted=actual
    )
    check(text, edit)
    return edit


def insert(text: MotionText, *, after_line: int | None, after_word: int | None, words: str) -> Edit:
    """Build "Line L, after '...' insert ...".

    ``after_line=None`` inserts at the very start (``after_word`` must then be
    ``None`` too); ``after_word=None`` inserts at the end of ``after_line``.
    The word after which it inserts is recorded in :attr:`Edit.quoted`.
    """
    if after_line is None:
        if after_word is not None:
            raise SpanNotFound("give the line of the word after which to insert")
        edit = Edit(EditKind.INSERT, insert=words)
    else:
        if after_word is None:
            after_word = text.line_length(after_line)
        anchor = text.word_at(after_line, after_word)
        edit = Edit(EditKind.INSERT, after=anchor.id, insert=words, quoted=anchor.text)
    check(text, edit)
    return edit


def add_at_end(text: MotionText, words: str) -> Edit:
    """Build "Add at end ...": ``words`` after the last word of the motion as it then stands."""
    edit = Edit(EditKind.ADD_AT_END, insert=words)
    check(text, edit)
    return edit


def replace_all(
    text: MotionText, words: str, *, after: str | None = None, occurrence: int = 1
) -> Edit:
    """Build "Leave out all and insert ..." (a counter-proposal), replacing the whole text.

    With ``after`` (usually ``"That"``), Citrine's "leave out all after 'That'
    and insert ...": the quoted words (found with :func:`find`, the given
    ``occurrence``) and everything before them stay, and everything after them
    is replaced by ``words``.
    """
    if after is None:
        edit = Edit(EditKind.REPLACE_ALL, insert=words)
    else:
        _, last = find(text, after, occurrence=occurrence)
        edit = Edit(EditKind.REPLACE_ALL, after=last, insert=words, quoted=after)
    check(text, edit)
    return edit


def _loose(word: str) -> str:
    """A word compared loosely: case folded, punctuation dropped (for suggestions only)."""
    return "".join(c for c in word.casefold() if not unicodedata.category(c).startswith("P"))


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def find(
    text: MotionText, quoted: str, *, occurrence: int = 1, line: int | None = None
) -> tuple[WordId, WordId]:
    """The first and last word ids of quoted words, as amendments usually locate them.

    Words are compared exactly (punctuation is part of a word) after
    normalisation, and may run across line breaks. ``occurrence`` counts from 1;
    with ``line``, only matches that begin on that line count.

    Raises:
        SpanNotFound: the words are not there (with a suggestion if they are
            there apart from case or punctuation), or not that many times.
        EmptyText: ``quoted`` has no words.
    """
    if occurrence < 1:
        raise TextError(f"occurrences are counted from 1, not {occurrence}")
    if line is not None:
        text.line_length(line)
    wanted = _normalise_quote(quoted).split(" ")
    words = text.words
    size = len(wanted)
    place = f" in line {line}" if line is not None else " in the motion"

    def begins_on_line(k: int) -> bool:
        where = text.position(words[k].id)
        return line is None or (where is not None and where[0] == line)

    starts = [
        k
        for k in range(len(words) - size + 1)
        if begins_on_line(k) and [w.text for w in words[k : k + size]] == wanted
    ]
    shown = " ".join(wanted)
    if len(starts) >= occurrence:
        k = starts[occurrence - 1]
        return words[k].id, words[k + size - 1].id
    if starts:
        raise SpanNotFound(
            f"the words '{_show(shown)}' occur only {_times(len(starts))}{place}, "
            f"so there is no occurrence {occurrence}"
        )
    loose = [_loose(w) for w in wanted]
    for k in range(len(words) - size + 1):
        if begins_on_line(k) and [_loose(w.text) for w in words[k : k + size]] == loose:
            found = " ".join(w.text for w in words[k : k + size])
            where = text.position(words[k].id)
            at = f" (line {where[0]})" if where is not None else ""
            raise SpanNotFound(
                f"the words '{_show(shown)}' are not{place}; did you mean '{_show(found)}'{at}?"
            )
    raise SpanNotFound(f"the words '{_show(shown)}' are not{place}")

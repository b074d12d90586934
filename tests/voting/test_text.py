"""Motion text: normal form, limits, stable word ids and positions (voting.text)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given

from voting.edit import apply, leave_out
from voting.errors import EditNoLongerApplies, EmptyText, SpanNotFound, TextError, TextTooLong
from voting.testing import amended_motion_texts, motion_sources, motion_texts
from voting.text import MAX_LINES, MAX_TEXT_CHARS, MotionText, Word, WordId, normalise

MOTION = (
    "That this organising group will join a common left slate only on three conditions:\n"
    "1. a principled platform that every candidate of the slate signs;\n"
    "2. a candidate of ours in a winnable place on the list;\n"
    "3. failing agreement on these conditions, we stand our own slate."
)


@pytest.fixture
def motion() -> MotionText:
    return MotionText.parse(MOTION)


# --- parse and normal form ----------------------------------------------------------------


def test_parse_numbers_words_in_reading_order(motion: MotionText) -> None:
    assert len(motion.lines) == 4
    assert [word.id for word in motion.words] == list(range(motion.word_count))
    assert motion.next_id == motion.word_count == 48
    assert motion.lines[1][0] == Word(WordId(14), "1.")
    assert motion.plain() == MOTION


def test_punctuation_stays_attached_to_its_word(motion: MotionText) -> None:
    assert motion.word_at(1, 14).text == "conditions:"
    assert motion.word_at(4, 6).text == "conditions,"


def test_parse_collapses_whitespace_and_drops_blank_lines() -> None:
    text = MotionText.parse("  That\tthis \u00a0 group\r\n\r\n   \n will  act. \r")
    assert text.plain() == "That this group\nwill act."
    assert [len(line) for line in text.lines] == [3, 2]


def test_parse_normalises_to_nfc() -> None:
    text = MotionText.parse("e\u0301lan")
    assert text.plain() == "\u00e9lan"


def test_normalise_is_what_plain_gives() -> None:
    assert normalise(" a  b \n\n c ") == "a b\nc"
    assert MotionText.parse(" a  b \n\n c ").plain() == "a b\nc"


@pytest.mark.parametrize("source", ["", "   ", "\n\n", " \t\r\n "])
def test_empty_text_is_refused(source: str) -> None:
    with pytest.raises(EmptyText, match="the motion has no words"):
        MotionText.parse(source)


def test_normalise_names_the_text_in_its_message() -> None:
    with pytest.raises(EmptyText, match="the text to insert has no words"):
        normalise(" ", what="the text to insert")


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\x00", "U+0000"),
        ("\x07", "U+0007"),
        ("\x1b", "U+001B"),
        ("\x85", "U+0085"),
        ("\x0b", "U+000B"),
    ],
)
def test_control_characters_are_refused_naming_line_and_character(char: str, name: str) -> None:
    with pytest.raises(
        TextError, match=re.escape(f"line 2 of the motion contains a control character ({name})")
    ):
        MotionText.parse(f"That this\ngroup {char}acts")


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_bidirectional_overrides_are_refused(char: str) -> None:
    """Trojan Source: the words must display as they are recorded."""
    with pytest.raises(TextError, match="bidirectional formatting character"):
        MotionText.parse(f"That this group {char}acts")


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(TextError, match="lone surrogate U\\+D800"):
        MotionText.parse("That \ud800")


def test_joiners_used_by_ordinary_scripts_are_allowed() -> None:
    persian_plural = "\u06a9\u062a\u0627\u0628\u200c\u0647\u0627"  # ZWNJ inside a word
    technologist = "\U0001f469\u200d\U0001f4bb"  # ZWJ emoji sequence
    assert MotionText.parse(f"{persian_plural} {technologist}").word_count == 2


def test_text_at_the_character_limit_is_accepted_and_one_more_is_refused() -> None:
    word = "x" * 99
    exact = " ".join([word] * 200)
    assert len(exact) == MAX_TEXT_CHARS - 1
    assert MotionText.parse(exact + "y").word_count == 200
    with pytest.raises(TextTooLong, match="20,001 characters long; the limit is 20,000"):
        MotionText.parse(exact + "yz")


def test_limit_is_on_the_normal_form_not_on_spaces_typed() -> None:
    assert MotionText.parse("a" + " " * 30_000 + "b").plain() == "a b"


def test_huge_input_is_refused_before_normalising() -> None:
    with pytest.raises(TextTooLong, match="the limit is 20,000"):
        MotionText.parse(" " * (4 * MAX_TEXT_CHARS + 1))


def test_line_limit() -> None:
    assert len(MotionText.parse("a\n" * MAX_LINES).lines) == MAX_LINES
    with pytest.raises(TextTooLong, match="501 lines; the limit is 500"):
        MotionText.parse("a\n" * (MAX_LINES + 1))


# --- plain and numbered ----------------------------------------------------------------


def test_numbered_is_as_printed_on_an_agenda(motion: MotionText) -> None:
    assert motion.numbered().splitlines() == [
        "1  That this organising group will join a common left slate only on three conditions:",
        "2  1. a principled platform that every candidate of the slate signs;",
        "3  2. a candidate of ours in a winnable place on the list;",
        "4  3. failing agreement on these conditions, we stand our own slate.",
    ]


def test_numbered_right_aligns_two_digit_line_numbers() -> None:
    text = MotionText.parse("\n".join(f"line {n}" for n in range(1, 12)))
    lines = text.numbered().splitlines()
    assert lines[0] == " 1  line 1"
    assert lines[10] == "11  line 11"


# --- addressing words ------------------------------------------------------------------


def test_word_at_counts_from_one(motion: MotionText) -> None:
    assert motion.word_at(1, 1).text == "That"
    assert motion.word_at(4, 11) == Word(WordId(47), "slate.")


def test_word_at_beyond_the_last_line(motion: MotionText) -> None:
    with pytest.raises(SpanNotFound, match="there is no line 7: the motion has only 4 lines"):
        motion.word_at(7, 1)


def test_word_at_beyond_the_end_of_a_line(motion: MotionText) -> None:
    with pytest.raises(SpanNotFound, match="line 2 has only 11 words"):
        motion.word_at(2, 12)


def test_word_at_speaks_in_the_singular() -> None:
    text = MotionText.parse("Agreed")
    with pytest.raises(SpanNotFound, match=r"line 1 has only 1 word$"):
        text.word_at(1, 2)
    with pytest.raises(SpanNotFound, match=r"the motion has only 1 line$"):
        text.word_at(2, 1)


@pytest.mark.parametrize(("line", "word"), [(0, 1), (1, 0), (-1, 2)])
def test_word_at_numbers_from_one(motion: MotionText, line: int, word: int) -> None:
    with pytest.raises(SpanNotFound, match="numbered from 1"):
        motion.word_at(line, word)


def test_line_length(motion: MotionText) -> None:
    assert motion.line_length(1) == 14
    with pytest.raises(SpanNotFound, match="there is no line 5"):
        motion.line_length(5)
    with pytest.raises(SpanNotFound, match="there is no line 0"):
        motion.line_length(0)


def test_position_and_index_follow_a_word_after_an_amendment(motion: MotionText) -> None:
    assert motion.position(WordId(14)) == (2, 1)
    assert motion.index(WordId(14)) == 14
    amended = apply(motion, leave_out(motion, 1, 1, 1, 3))
    assert amended.position(WordId(14)) == (2, 1)
    assert amended.position(WordId(3)) == (1, 1)
    assert amended.index(WordId(14)) == 11
    assert amended.position(WordId(0)) is None
    assert amended.index(WordId(0)) is None


def test_span_words_and_quote_run_across_lines(motion: MotionText) -> None:
    words = motion.span_words(WordId(10), WordId(15))
    assert [w.text for w in words] == ["only", "on", "three", "conditions:", "1.", "a"]
    assert motion.quote(WordId(12), WordId(15)) == "three conditions: 1. a"
    assert motion.quote(WordId(15), WordId(17)) == "a principled platform"
    assert motion.quote(WordId(6), WordId(6)) == "a"


def test_span_words_after_the_words_are_gone(motion: MotionText) -> None:
    amended = apply(motion, leave_out(motion, 2, 2, 2, 4))
    with pytest.raises(EditNoLongerApplies, match="word 15 is no longer in the motion"):
        amended.span_words(WordId(15), WordId(20))
    with pytest.raises(EditNoLongerApplies, match="word 17 is no longer in the motion"):
        amended.span_words(WordId(10), WordId(17))
    with pytest.raises(EditNoLongerApplies, match="words 15 and 17 are no longer"):
        amended.quote(WordId(15), WordId(17))


def test_span_words_in_the_wrong_order(motion: MotionText) -> None:
    with pytest.raises(EditNoLongerApplies, match="line 1, word 2 comes before line 1, word 3"):
        motion.span_words(WordId(2), WordId(1))


# --- invariants of a constructed value --------------------------------------------------------


def _w(i: int, text: str) -> Word:
    return Word(WordId(i), text)


@pytest.mark.parametrize(
    ("lines", "next_id", "error", "message"),
    [
        ((), 0, EmptyText, "no words"),
        (((_w(0, "a"),), ()), 1, TextError, "line 2 of the motion is empty"),
        (((_w(0, "a"), _w(0, "b")),), 1, TextError, "word id 0 is used twice"),
        (((_w(0, "a"), _w(1, "b")),), 1, TextError, "word id 1 is not below next_id 1"),
        (((_w(0, "a b"),),), 1, TextError, "line 1, word 1 is not a single word"),
        (((_w(0, ""),),), 1, TextError, "not a single word"),
        (((_w(0, "a\x07"),),), 1, TextError, "not a single word"),
        (
            tuple((_w(i, "a"),) for i in range(MAX_LINES + 1)),
            MAX_LINES + 1,
            TextTooLong,
            "501 lines",
        ),
        (((_w(0, "x" * (MAX_TEXT_CHARS + 1)),),), 1, TextTooLong, "20,001 characters"),
    ],
)
def test_a_motion_text_cannot_be_built_broken(
    lines: tuple[tuple[Word, ...], ...], next_id: int, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        MotionText(lines, next_id)


def test_motion_text_is_frozen(motion: MotionText) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        motion.next_id = 0  # type: ignore[misc]


def test_equal_texts_are_equal_and_hash_equal() -> None:
    assert MotionText.parse("a  b") == MotionText.parse("a b")
    assert hash(MotionText.parse("a  b")) == hash(MotionText.parse("a b"))
    assert MotionText.parse("a b") != MotionText.parse("a\nb")


# --- properties --------------------------------------------------------------------------


@given(motion_sources())
def test_parse_plain_parse_is_identity(source: str) -> None:
    """parse -> plain -> parse is the identity: the normal form is a fixed point."""
    text = MotionText.parse(source)
    assert MotionText.parse(text.plain()) == text
    assert normalise(text.plain()) == text.plain()


@given(motion_sources())
def test_parse_numbers_words_from_zero(source: str) -> None:
    """Parsing numbers the words 0 .. n-1 in reading order, and next_id is n."""
    text = MotionText.parse(source)
    assert [word.id for word in text.words] == list(range(text.word_count))
    assert text.next_id == text.word_count


@given(amended_motion_texts())
def test_every_word_is_where_position_says(text: MotionText) -> None:
    """position() and word_at() are inverse on every current word, across amendments."""
    for word in text.words:
        where = text.position(word.id)
        assert where is not None
        assert text.word_at(*where) == word
    assert MotionText.parse(text.plain()).plain() == text.plain()


@given(motion_texts())
def test_numbered_has_one_row_per_line(text: MotionText) -> None:
    """Numbered output has one row per line, numbered from 1, carrying that line's words."""
    rows = text.numbered().split("\n")
    assert len(rows) == len(text.lines)
    for number, (row, line) in enumerate(zip(rows, text.lines, strict=True), start=1):
        label, _, words = row.lstrip().partition("  ")
        assert label == str(number)
        assert words == " ".join(word.text for word in line)

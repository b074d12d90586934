"""What an amendment took out: word-level diffs (voting.diff)."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voting.diff import DiffChunk, DiffOp, TextDiff, word_diff
from voting.edit import EditKind, apply, find, leave_out, leave_out_and_insert
from voting.errors import EmptyText
from voting.testing import amended_motion_texts, edits, motion_sources
from voting.text import MotionText

MOTION = (
    "That this organising group will join a common left slate only on three conditions:\n"
    "1. a principled platform that every candidate of the slate signs;\n"
    "2. a candidate of ours in a winnable place on the list;\n"
    "3. failing agreement on these conditions, we stand our own slate."
)
SEEK_A_PLACE = "and will seek a place for one of our members on it."

EQUAL, LEFT_OUT, INSERTED = DiffOp.EQUAL, DiffOp.LEFT_OUT, DiffOp.INSERTED


@pytest.fixture
def motion() -> MotionText:
    return MotionText.parse(MOTION)


def _rebuild(diff: TextDiff, keep: DiffOp) -> str:
    """Rebuild a text by hand from the chunk texts: words joined by a space, none at a break."""
    joined = " ".join(chunk.text for chunk in diff.chunks if chunk.op in (EQUAL, keep))
    return re.sub(" ?\n ?", "\n", joined)


def test_headline_diff_shows_the_conditions_and_the_fallback_left_out(motion: MotionText) -> None:
    first, _ = find(motion, "only on three conditions:")
    line, word = motion.position(first) or (0, 0)
    amended = apply(motion, leave_out_and_insert(motion, line, word, None, None, SEEK_A_PLACE))
    diff = word_diff(motion, amended)
    assert diff.chunks == (
        DiffChunk(EQUAL, "That this organising group will join a common left slate"),
        DiffChunk(
            LEFT_OUT,
            "only on three conditions:\n"
            "1. a principled platform that every candidate of the slate signs;\n"
            "2. a candidate of ours in a winnable place on the list;\n"
            "3. failing agreement on these conditions, we stand our own slate.",
        ),
        DiffChunk(INSERTED, SEEK_A_PLACE),
    )
    (left_out,) = diff.left_out
    assert "a principled platform that every candidate of the slate signs;" in left_out
    assert "a candidate of ours in a winnable place on the list;" in left_out
    assert left_out.endswith("failing agreement on these conditions, we stand our own slate.")
    assert diff.inserted == (SEEK_A_PLACE,)
    assert diff.markdown() == (
        "That this organising group will join a common left slate "
        "~~only on three conditions:~~\\\n"
        "~~1\\. a principled platform that every candidate of the slate signs;~~\\\n"
        "~~2\\. a candidate of ours in a winnable place on the list;~~\\\n"
        "~~3\\. failing agreement on these conditions, we stand our own slate.~~ "
        f"**{SEEK_A_PLACE}**"
    )
    assert diff.plain().splitlines() == [
        "That this organising group will join a common left slate [-only on three conditions:-]",
        "[-1. a principled platform that every candidate of the slate signs;-]",
        "[-2. a candidate of ours in a winnable place on the list;-]",
        "[-3. failing agreement on these conditions, we stand our own slate.-] "
        f"{{+{SEEK_A_PLACE}+}}",
    ]


def test_diff_by_id_is_exact_where_a_word_repeats() -> None:
    """Strings can only guess which 'the' went; ids know."""
    text = MotionText.parse("the branch and the union and the party")
    amended = apply(text, leave_out(text, 1, 4, 1, 6))  # 'the union and'
    assert word_diff(text, amended).chunks == (
        DiffChunk(EQUAL, "the branch and"),
        DiffChunk(LEFT_OUT, "the union and"),
        DiffChunk(EQUAL, "the party"),
    )
    guessed = word_diff(text.plain(), amended.plain())
    assert guessed.left_out == ("union and the",)


def test_diff_of_strings_uses_their_words() -> None:
    diff = word_diff("a b c\nd e", "a c\nd x e")
    assert diff.to_json() == [
        {"op": "equal", "text": "a"},
        {"op": "left_out", "text": "b"},
        {"op": "equal", "text": "c\nd"},
        {"op": "inserted", "text": "x"},
        {"op": "equal", "text": "e"},
    ]
    assert diff.plain() == "a [-b-] c\nd {+x+} e"


def test_diff_of_a_text_and_a_string_is_by_words(motion: MotionText) -> None:
    diff = word_diff(motion, MOTION.replace("principled ", ""))
    assert diff.left_out == ("principled",)
    assert diff.inserted == ()


def test_diff_parses_strings_and_refuses_empty_ones() -> None:
    with pytest.raises(EmptyText):
        word_diff("", "a")


def test_a_line_left_out_whole_shares_the_line_break() -> None:
    text = MotionText.parse("x\nA B\ny")
    diff = word_diff(text, apply(text, leave_out(text, 2, 1, 2, 2)))
    assert diff.chunks == (
        DiffChunk(EQUAL, "x\n"),
        DiffChunk(LEFT_OUT, "A B\n"),
        DiffChunk(EQUAL, "y"),
    )
    assert diff.plain() == "x\n[-A B-]\ny"


def test_words_left_out_at_the_start_of_a_line_keep_the_break_shared() -> None:
    text = MotionText.parse("x\nA B y")
    diff = word_diff(text, apply(text, leave_out(text, 2, 1, 2, 2)))
    assert diff.to_json() == [
        {"op": "equal", "text": "x\n"},
        {"op": "left_out", "text": "A B"},
        {"op": "equal", "text": "y"},
    ]
    assert diff.markdown() == "x\\\n~~A B~~ y"


def test_a_line_break_only_one_text_has_is_shown_as_left_out_or_inserted() -> None:
    joined = word_diff("a b\nc d", "a b c d")
    assert joined.chunks == (
        DiffChunk(EQUAL, "a b"),
        DiffChunk(LEFT_OUT, "\n"),
        DiffChunk(EQUAL, "c d"),
    )
    assert joined.changed
    assert joined.left_out == ()
    split = word_diff("a b c d", "a b\nc d")
    assert [chunk.op for chunk in split.chunks] == [EQUAL, INSERTED, EQUAL]
    assert split.after() == "a b\nc d"


def test_markdown_escapes_what_markdown_would_read_as_markup() -> None:
    source = "1. a *bold* [link](x) <b>\n- item\n+ more\n= rule"
    diff = word_diff(source, source)
    assert diff.markdown() == (
        "1\\. a \\*bold\\* \\[link\\](x) \\<b\\>\\\n\\- item\\\n\\+ more\\\n\\= rule"
    )
    assert word_diff("a_b ~x~ & #1 `c` |", "a_b").markdown() == (
        "a\\_b ~~\\~x\\~ \\& \\#1 \\`c\\` \\|~~"
    )


def test_plain_closes_markers_at_each_line_end() -> None:
    diff = word_diff("keep\ngo one\ngo two", "keep")
    assert diff.plain() == "keep\n[-go one-]\n[-go two-]"


def test_to_json_is_plain_data(motion: MotionText) -> None:
    diff = word_diff(motion, apply(motion, leave_out(motion, 2, 3, 2, 3)))
    assert diff.to_json()[1] == {"op": "left_out", "text": "principled"}
    assert all(set(item) == {"op", "text"} for item in diff.to_json())


def test_diff_values_are_frozen() -> None:
    diff = word_diff("a", "b")
    with pytest.raises(AttributeError):
        diff.chunks = ()  # type: ignore[misc]


# --- properties ------------------------------------------------------------------------------


@given(amended_motion_texts())
def test_diff_of_a_text_with_itself_has_no_changes(text: MotionText) -> None:
    """The diff of a text with itself is one EQUAL chunk holding the whole text."""
    for diff in (word_diff(text, text), word_diff(text.plain(), text.plain())):
        assert not diff.changed
        assert diff.chunks == (DiffChunk(EQUAL, text.plain()),)
        assert diff.left_out == diff.inserted == ()


@given(st.data(), amended_motion_texts())
def test_leave_out_then_diff_shows_exactly_the_words_left_out(
    data: st.DataObject, text: MotionText
) -> None:
    """After a LEAVE_OUT, the diff shows exactly the quoted words as left out, nothing inserted."""
    edit = data.draw(edits(text, kinds=[EditKind.LEAVE_OUT]))
    diff = word_diff(text, apply(text, edit))
    assert diff.left_out == (edit.quoted,)
    assert diff.inserted == ()


@given(st.data(), amended_motion_texts())
def test_diff_rebuilds_both_texts_by_id(data: st.DataObject, text: MotionText) -> None:
    """EQUAL+LEFT_OUT chunks give back the text before; EQUAL+INSERTED the text after (by id)."""
    after = apply(text, data.draw(edits(text)))
    diff = word_diff(text, after)
    assert _rebuild(diff, LEFT_OUT) == diff.before() == text.plain()
    assert _rebuild(diff, INSERTED) == diff.after() == after.plain()


@given(motion_sources(), motion_sources())
def test_diff_rebuilds_both_texts_by_words(before: str, after: str) -> None:
    """EQUAL+LEFT_OUT chunks give back the text before; EQUAL+INSERTED the text after (strings)."""
    diff = word_diff(before, after)
    assert _rebuild(diff, LEFT_OUT) == diff.before() == MotionText.parse(before).plain()
    assert _rebuild(diff, INSERTED) == diff.after() == MotionText.parse(after).plain()


@given(st.data(), amended_motion_texts())
def test_a_word_is_equal_exactly_when_its_id_survives(
    data: st.DataObject, text: MotionText
) -> None:
    """By id, the EQUAL words are exactly the words whose id survives the amendment."""
    after = apply(text, data.draw(edits(text)))
    diff = word_diff(text, after)
    equal_words = [w for c in diff.chunks if c.op is EQUAL for w in c.text.split()]
    survivors = {w.id for w in after.words}
    assert equal_words == [w.text for w in text.words if w.id in survivors]


@given(amended_motion_texts())
def test_consecutive_chunks_differ_in_kind(text: MotionText) -> None:
    """Chunks are maximal runs: no two neighbours share an op, and none is empty."""
    other = MotionText.parse(text.plain().replace("a", "b"))
    diff = word_diff(text.plain(), other.plain())
    ops = [chunk.op for chunk in diff.chunks]
    assert all(x is not y for x, y in itertools.pairwise(ops))
    assert all(chunk.text for chunk in diff.chunks)

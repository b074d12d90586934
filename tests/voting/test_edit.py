"""Amendments as edits by stable word id: building, checking, applying (voting.edit)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voting.edit import (
    Edit,
    EditKind,
    add_at_end,
    apply,
    apply_all,
    check,
    find,
    insert,
    leave_out,
    leave_out_and_insert,
    replace_all,
)
from voting.errors import (
    EditNoLongerApplies,
    EmptyText,
    QuotedWordsMismatch,
    SpanNotFound,
    TextError,
    TextTooLong,
)
from voting.testing import amended_motion_texts, edits, insert_texts, motion_texts
from voting.text import MAX_LINES, MAX_TEXT_CHARS, MotionText, WordId

MOTION = (
    "That this organising group will join a common left slate only on three conditions:\n"
    "1. a principled platform that every candidate of the slate signs;\n"
    "2. a candidate of ours in a winnable place on the list;\n"
    "3. failing agreement on these conditions, we stand our own slate."
)
SEEK_A_PLACE = "and will seek a place for one of our members on it."


@pytest.fixture
def motion() -> MotionText:
    return MotionText.parse(MOTION)


def _ids(text: MotionText) -> list[int]:
    return [word.id for word in text.words]


# --- the headline example ------------------------------------------------------------------


def test_headline_amendment_leaves_out_the_conditions_and_the_fallback(motion: MotionText) -> None:
    first, _ = find(motion, "only on three conditions:")
    line, word = motion.position(first) or (0, 0)
    edit = leave_out_and_insert(motion, line, word, None, None, SEEK_A_PLACE)
    assert edit.describe(motion) == (
        f"Line 1, leave out 'only on three conditions:' to the end and insert '{SEEK_A_PLACE}'"
    )
    amended = apply(motion, edit)
    assert amended.plain() == (
        "That this organising group will join a common left slate " + SEEK_A_PLACE
    )
    assert edit.quoted.startswith("only on three conditions: 1. a principled platform")
    assert edit.quoted.endswith("we stand our own slate.")
    # An amendment drafted against the original, about the fallback, now falls.
    own_slate = leave_out(motion, 4, 9, 4, 11, quoted="our own slate.")
    with pytest.raises(
        EditNoLongerApplies, match=re.escape("the words 'our own slate.' are no longer in")
    ):
        check(amended, own_slate)


# --- building edits ------------------------------------------------------------------------


def test_leave_out_within_a_line(motion: MotionText) -> None:
    edit = leave_out(motion, 2, 3, 2, 3, quoted="principled")
    assert edit == Edit(EditKind.LEAVE_OUT, first=WordId(16), last=WordId(16), quoted="principled")
    assert apply(motion, edit).lines[1][1:3] == motion.lines[1][1:2] + motion.lines[1][3:4]


def test_leave_out_quoting_the_wrong_words_shows_both(motion: MotionText) -> None:
    with pytest.raises(
        QuotedWordsMismatch,
        match=re.escape(
            "the amendment quotes 'a principled platfrom' but at line 2, words 2 to 4 "
            "the motion reads 'a principled platform'"
        ),
    ):
        leave_out(motion, 2, 2, 2, 4, quoted="a principled platfrom")


def test_leave_out_quote_is_compared_in_normal_form(motion: MotionText) -> None:
    edit = leave_out(motion, 1, 14, 2, 1, quoted=" conditions:\n  1.")
    assert edit.quoted == "conditions: 1."


def test_leave_out_mismatch_names_a_span_across_lines(motion: MotionText) -> None:
    with pytest.raises(
        QuotedWordsMismatch, match="at line 1, word 14 to line 2, word 1 the motion"
    ):
        leave_out(motion, 1, 14, 2, 1, quoted="conditions")


def test_leave_out_to_the_end_of_a_line_and_of_the_motion(motion: MotionText) -> None:
    to_line_end = leave_out(motion, 3, 2, 3, None)
    assert to_line_end.quoted == "a candidate of ours in a winnable place on the list;"
    to_end = leave_out(motion, 3, 1, None, None)
    assert to_end.last == WordId(47)


def test_leave_out_needs_the_line_of_its_last_word(motion: MotionText) -> None:
    with pytest.raises(SpanNotFound, match="give the line of the last word"):
        leave_out(motion, 1, 1, None, 3)


def test_leave_out_backwards_is_refused(motion: MotionText) -> None:
    with pytest.raises(SpanNotFound, match=r"would end \(line 1, word 2\) before they begin"):
        leave_out(motion, 2, 1, 1, 2)


def test_leave_out_of_a_word_that_does_not_exist(motion: MotionText) -> None:
    with pytest.raises(SpanNotFound, match="line 3 has only 12 words"):
        leave_out(motion, 3, 1, 3, 13)


def test_leave_out_and_insert(motion: MotionText) -> None:
    edit = leave_out_and_insert(motion, 2, 2, 2, 4, "a  platform", quoted="a principled platform")
    assert (edit.kind, edit.insert) == (EditKind.LEAVE_OUT_AND_INSERT, "a platform")
    assert edit.describe(motion) == (
        "Line 2, leave out 'a principled platform' and insert 'a platform'"
    )
    amended = apply(motion, edit)
    assert [w.text for w in amended.lines[1][:4]] == ["1.", "a", "platform", "that"]
    assert [w.id for w in amended.lines[1][1:3]] == [48, 49]
    assert amended.next_id == 50


def test_leave_out_and_insert_needs_words(motion: MotionText) -> None:
    with pytest.raises(EmptyText, match="the text to insert has no words"):
        leave_out_and_insert(motion, 1, 1, 1, 1, "  ")


def test_insert_after_a_word(motion: MotionText) -> None:
    edit = insert(motion, after_line=1, after_word=10, words="of the labour movement")
    assert edit == Edit(
        EditKind.INSERT, after=WordId(9), insert="of the labour movement", quoted="slate"
    )
    assert edit.describe(motion) == "Line 1, after 'slate' insert 'of the labour movement'"
    assert (
        apply(motion, edit)
        .plain()
        .startswith(
            "That this organising group will join a common left slate of the labour movement only"
        )
    )


def test_insert_at_the_start(motion: MotionText) -> None:
    edit = insert(motion, after_line=None, after_word=None, words="Conference notes the split.\n")
    assert edit.describe(motion) == "At the start, insert 'Conference notes the split. /'"
    amended = apply(motion, edit)
    assert amended.lines[0][0].text == "Conference"
    assert amended.lines[1][0].text == "That"


def test_insert_at_the_start_joins_the_first_line(motion: MotionText) -> None:
    amended = apply(motion, insert(motion, after_line=None, after_word=None, words="Resolved:"))
    assert amended.plain().startswith("Resolved: That this")


def test_insert_needs_a_line_for_its_word(motion: MotionText) -> None:
    with pytest.raises(SpanNotFound, match="give the line of the word after which to insert"):
        insert(motion, after_line=None, after_word=3, words="x")


def test_insert_at_the_end_of_a_line_on_a_new_line(motion: MotionText) -> None:
    edit = insert(motion, after_line=2, after_word=None, words="\n1a. a code of conduct;")
    assert edit.describe(motion) == "Line 2, after 'signs;' insert '/ 1a. a code of conduct;'"
    amended = apply(motion, edit)
    assert amended.numbered().splitlines()[2] == "3  1a. a code of conduct;"
    assert len(amended.lines) == 5


@pytest.mark.parametrize("words", ["", "  \n ", "\n"])
def test_insert_of_nothing_is_refused(motion: MotionText, words: str) -> None:
    with pytest.raises(EmptyText, match="the text to insert has no words"):
        insert(motion, after_line=1, after_word=1, words=words)


def test_inserted_text_obeys_the_motion_limits(motion: MotionText) -> None:
    with pytest.raises(TextTooLong, match="the text to insert is 20,001 characters long"):
        add_at_end(motion, "x" * (MAX_TEXT_CHARS + 1))
    with pytest.raises(TextError, match="line 1 of the text to insert contains a control"):
        add_at_end(motion, "\x07")


def test_add_at_end(motion: MotionText) -> None:
    edit = add_at_end(motion, "Carried unanimously.")
    assert edit.describe(motion) == "Add at end 'Carried unanimously.'"
    assert apply(motion, edit).plain().endswith("our own slate. Carried unanimously.")


def test_add_at_end_adds_to_the_motion_as_amended(motion: MotionText) -> None:
    """ "Add at end" refers to the motion as it then stands, so two additions both apply."""
    first, second = add_at_end(motion, "One."), add_at_end(motion, "Two.")
    cut = leave_out(motion, 4, 1, 4, None)
    assert apply_all(motion, [first, cut, second]).plain().endswith("the list;\nOne. Two.")


def test_replace_all(motion: MotionText) -> None:
    edit = replace_all(motion, "That this group stands alone.")
    assert edit.describe(motion) == "Leave out all and insert 'That this group stands alone.'"
    amended = apply(motion, edit)
    assert amended.plain() == "That this group stands alone."
    assert _ids(amended) == list(range(48, 53))


def test_replace_all_after_that(motion: MotionText) -> None:
    edit = replace_all(motion, "this group stands alone.", after="That")
    assert (edit.after, edit.quoted) == (WordId(0), "That")
    assert edit.describe(motion) == (
        "Line 1, leave out all after 'That' and insert 'this group stands alone.'"
    )
    amended = apply(motion, edit)
    assert amended.plain() == "That this group stands alone."
    assert amended.words[0].id == 0


def test_replace_all_after_words_that_are_not_there(motion: MotionText) -> None:
    with pytest.raises(SpanNotFound, match="the words 'Whereas' are not in the motion"):
        replace_all(motion, "x", after="Whereas")


def test_replace_all_takes_the_motion_as_it_then_stands(motion: MotionText) -> None:
    """ "Leave out all after 'That'" leaves out whatever then follows 'That'."""
    counter = replace_all(motion, "this group stands alone.", after="That")
    earlier = add_at_end(motion, "Carried.")
    assert apply_all(motion, [earlier, counter]).plain() == "That this group stands alone."


# --- find ---------------------------------------------------------------------------------


def test_find_locates_quoted_words(motion: MotionText) -> None:
    assert find(motion, "our own slate.") == (WordId(45), WordId(47))


def test_find_counts_occurrences_and_can_keep_to_a_line(motion: MotionText) -> None:
    assert find(motion, "a candidate") == (WordId(26), WordId(27))
    assert find(motion, "the slate") == (WordId(22), WordId(23))
    assert find(motion, "a", occurrence=2) == (WordId(15), WordId(15))
    assert find(motion, "a", line=3, occurrence=2) == (WordId(31), WordId(31))


def test_find_across_a_line_break(motion: MotionText) -> None:
    assert find(motion, "signs; 2. a") == (WordId(24), WordId(26))


def test_find_suggests_words_that_differ_only_in_case_or_punctuation(motion: MotionText) -> None:
    with pytest.raises(
        SpanNotFound,
        match=re.escape(
            "the words 'Only on three conditions' are not in the motion; did you mean "
            "'only on three conditions:' (line 1)?"
        ),
    ):
        find(motion, "Only on three conditions")


def test_find_of_absent_words(motion: MotionText) -> None:
    with pytest.raises(SpanNotFound, match=r"the words 'a Tory' are not in the motion$"):
        find(motion, "a Tory")
    with pytest.raises(SpanNotFound, match=r"the words 'our own slate.' are not in line 2$"):
        find(motion, "our own slate.", line=2)


def test_find_more_occurrences_than_there_are(motion: MotionText) -> None:
    with pytest.raises(
        SpanNotFound, match="occur only once in the motion, so there is no occurrence 2"
    ):
        find(motion, "a candidate", occurrence=2)
    with pytest.raises(SpanNotFound, match="'the' occur only twice in the motion"):
        find(motion, "the", occurrence=3)
    with pytest.raises(SpanNotFound, match="'signs;' occur only once in line 2"):
        find(motion, "signs;", occurrence=2, line=2)


def test_find_refuses_nonsense(motion: MotionText) -> None:
    with pytest.raises(TextError, match="occurrences are counted from 1, not 0"):
        find(motion, "a", occurrence=0)
    with pytest.raises(EmptyText, match="the quotation has no words"):
        find(motion, " ")
    with pytest.raises(SpanNotFound, match="there is no line 9"):
        find(motion, "a", line=9)


# --- check: when an amendment falls ---------------------------------------------------------


def test_a_span_partly_left_out_falls_naming_the_missing_word(motion: MotionText) -> None:
    span = leave_out(motion, 2, 2, 2, 4)  # 'a principled platform'
    amended = apply(motion, leave_out(motion, 1, 14, 2, 2))  # ... 'conditions: 1. a'
    with pytest.raises(
        EditNoLongerApplies,
        match="the words 'a principled platform' are no longer all in the motion: 'a' has been",
    ):
        check(amended, span)
    tail = apply(motion, leave_out(motion, 2, 4, 2, 5))
    with pytest.raises(EditNoLongerApplies, match="'platform' has been left out"):
        check(tail, span)


def test_a_span_with_words_inserted_inside_falls_saying_so(motion: MotionText) -> None:
    span = leave_out(motion, 4, 9, 4, 11)  # 'our own slate.'
    amended = apply(motion, insert(motion, after_line=4, after_word=10, words="independent"))
    with pytest.raises(
        EditNoLongerApplies,
        match=re.escape(
            "the words 'our own slate.' no longer stand together in the motion as the amendment "
            "quotes them: from 'our' to 'slate.' it now reads 'our own independent slate.'"
        ),
    ):
        check(amended, span)


def test_a_span_with_a_word_left_out_inside_falls(motion: MotionText) -> None:
    span = leave_out(motion, 4, 9, 4, 11)
    amended = apply(motion, leave_out(motion, 4, 10, 4, 10))
    with pytest.raises(EditNoLongerApplies, match=re.escape("it now reads 'our slate.'")):
        check(amended, span)


def test_a_span_whose_words_survive_still_applies(motion: MotionText) -> None:
    span = leave_out(motion, 4, 9, 4, 11)
    amended = apply(motion, leave_out_and_insert(motion, 2, 2, 2, 4, "a platform"))
    assert apply(amended, span).plain().endswith("we stand")
    assert span.describe(amended) == "Line 4, leave out 'our own slate.'"


def test_insert_falls_when_its_word_is_gone(motion: MotionText) -> None:
    after_slate = insert(motion, after_line=4, after_word=11, words="of our own")
    amended = apply(motion, leave_out(motion, 4, 9, 4, 11))
    with pytest.raises(
        EditNoLongerApplies,
        match=re.escape("the word 'slate.' after which it would insert is no longer in the motion"),
    ):
        check(amended, after_slate)
    assert after_slate.describe(amended) == "After 'slate.' insert 'of our own' (no longer applies)"


def test_insert_quoting_several_words_falls_when_they_change(motion: MotionText) -> None:
    edit = Edit(EditKind.INSERT, after=WordId(9), insert="of the left", quoted="common left slate")
    check(motion, edit)
    amended = apply(motion, leave_out(motion, 1, 9, 1, 9))  # 'left'
    with pytest.raises(EditNoLongerApplies, match="there it now reads 'a common slate'"):
        check(amended, edit)
    assert edit.describe(amended).endswith("(no longer applies)")


def test_an_anchor_quote_at_the_very_start_that_is_too_long_falls(motion: MotionText) -> None:
    edit = Edit(EditKind.INSERT, after=WordId(0), insert="x", quoted="Resolved: That")
    with pytest.raises(EditNoLongerApplies, match="there it now reads 'That'"):
        check(motion, edit)


def test_insert_without_a_recorded_word_falls_plainly(motion: MotionText) -> None:
    edit = Edit(EditKind.INSERT, after=WordId(47), insert="x")
    amended = apply(motion, leave_out(motion, 4, 11, 4, 11))
    with pytest.raises(EditNoLongerApplies, match=r"^the word after which it would insert"):
        check(amended, edit)
    assert edit.describe(amended) == "After a word insert 'x' (no longer applies)"


def test_replace_all_after_a_word_that_is_gone_falls(motion: MotionText) -> None:
    counter = replace_all(motion, "x", after="That")
    amended = apply(motion, leave_out(motion, 1, 1, 1, 1))
    with pytest.raises(
        EditNoLongerApplies, match="after which it would leave out all is no longer"
    ):
        check(amended, counter)
    assert counter.describe(amended) == (
        "Leave out all after 'That' and insert 'x' (no longer applies)"
    )


def test_a_span_drafted_against_another_text_falls(motion: MotionText) -> None:
    other = MotionText.parse("some other words entirely\nand more")
    edit = leave_out(other, 1, 2, 1, 3)  # ids 1-2: 'other words'; in the motion, 'this organising'

    with pytest.raises(EditNoLongerApplies, match="no longer stand together"):
        check(motion, edit)
    reversed_span = Edit(EditKind.LEAVE_OUT, first=WordId(3), last=WordId(1), quoted="a b c")
    with pytest.raises(EditNoLongerApplies, match="no longer in the order the amendment quotes"):
        check(motion, reversed_span)
    assert reversed_span.describe(motion) == "Leave out 'a b c' (no longer applies)"


def test_leaving_out_every_word_is_refused(motion: MotionText) -> None:
    everything = Edit(EditKind.LEAVE_OUT, first=WordId(0), last=WordId(47), quoted=motion.plain())
    with pytest.raises(EmptyText, match="would leave out every word of the motion"):
        check(motion, everything)
    with pytest.raises(EmptyText):
        leave_out(motion, 1, 1, None, None)


def test_an_amendment_that_makes_the_motion_too_long_is_refused() -> None:
    text = MotionText.parse("x" * (MAX_TEXT_CHARS - 10))
    with pytest.raises(TextTooLong, match="the motion as amended would be 20,001 characters long"):
        add_at_end(text, "y" * 10)
    lines = MotionText.parse("a\n" * MAX_LINES)
    with pytest.raises(TextTooLong, match="would have 501 lines; the limit is 500"):
        add_at_end(lines, "\nb")


# --- layout: line breaks under amendment ------------------------------------------------------


def test_a_line_all_of_whose_words_are_left_out_disappears(motion: MotionText) -> None:
    amended = apply(motion, leave_out(motion, 3, 1, 3, None))
    assert [line[0].text for line in amended.lines] == ["That", "1.", "3."]


def test_leaving_out_across_lines_joins_what_is_left(motion: MotionText) -> None:
    amended = apply(
        motion, leave_out(motion, 2, 5, 3, 5)
    )  # 'that every ... 2. a candidate of ours'
    assert (
        amended.plain().split("\n")[1]
        == "1. a principled platform in a winnable place on the list;"
    )
    assert len(amended.lines) == 3


def test_replacing_a_whole_line_keeps_it_a_line(motion: MotionText) -> None:
    amended = apply(motion, leave_out_and_insert(motion, 3, 1, 3, None, "2. two seats;"))
    assert amended.plain().split("\n")[2] == "2. two seats;"


def test_inserted_line_breaks_make_new_lines(motion: MotionText) -> None:
    amended = apply(motion, add_at_end(motion, "\n4. a fourth;\n5. a fifth."))
    assert amended.numbered().splitlines()[4:] == ["5  4. a fourth;", "6  5. a fifth."]


# --- the Edit value ------------------------------------------------------------------------


def test_edit_normalises_its_text() -> None:
    edit = Edit(EditKind.INSERT, after=WordId(1), insert=" a  b\r\n\n c ", quoted=" x ")
    assert (edit.insert, edit.quoted) == ("a b\nc", "x")
    assert Edit(EditKind.ADD_AT_END, insert="\r\na\r\n").insert == "\na\n"


def test_edit_accepts_the_kind_as_its_string_value() -> None:
    edit = Edit("add_at_end", insert="x")  # type: ignore[arg-type]
    assert edit.kind is EditKind.ADD_AT_END


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"kind": "strike_out"}, TextError, "'strike_out' is not a kind of amendment"),
        ({"kind": EditKind.LEAVE_OUT, "first": 1}, TextError, "needs the first and last words"),
        ({"kind": EditKind.LEAVE_OUT, "first": 1, "last": 2}, EmptyText, "must quote the words"),
        ({"kind": EditKind.LEAVE_OUT, "first": -1, "last": 2, "quoted": "a"}, TextError, "word id"),
        (
            {"kind": EditKind.LEAVE_OUT, "first": True, "last": 2, "quoted": "a"},
            TextError,
            "word id",
        ),
        (
            {"kind": EditKind.LEAVE_OUT, "first": 1, "last": 2, "quoted": "a", "insert": "b"},
            TextError,
            "a 'leave out' amendment inserts nothing",
        ),
        (
            {"kind": EditKind.LEAVE_OUT, "first": 1, "last": 2, "quoted": "a", "after": 0},
            TextError,
            "does not insert after a word",
        ),
        ({"kind": EditKind.INSERT, "first": 1, "insert": "b"}, TextError, "leaves out no span"),
        ({"kind": EditKind.INSERT, "insert": ""}, EmptyText, "the text to insert has no words"),
        ({"kind": EditKind.INSERT, "insert": "b", "quoted": "a"}, TextError, "quotes no words"),
        ({"kind": EditKind.ADD_AT_END, "insert": "b", "after": 3}, TextError, "does not insert"),
        (
            {"kind": EditKind.LEAVE_OUT_AND_INSERT, "first": 1, "last": 1, "quoted": "a"},
            EmptyText,
            "the text to insert has no words",
        ),
    ],
)
def test_edit_refuses_what_cannot_make_sense(
    fields: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        Edit(**fields)  # type: ignore[arg-type]


def test_edit_is_frozen() -> None:
    edit = Edit(EditKind.ADD_AT_END, insert="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        edit.insert = "y"  # type: ignore[misc]


def test_to_json_is_plain_and_leaves_out_unset_ids(motion: MotionText) -> None:
    assert leave_out(motion, 2, 3, 2, 3).to_json() == {
        "kind": "leave_out",
        "first": 16,
        "last": 16,
        "insert": "",
        "quoted": "principled",
    }
    assert add_at_end(motion, "x").to_json() == {"kind": "add_at_end", "insert": "x", "quoted": ""}
    assert replace_all(motion, "x", after="That").to_json() == {
        "kind": "leave_out_all_and_insert",
        "after": 0,
        "insert": "x",
        "quoted": "That",
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "insert", "insert": "x", "colour": "red"}, "an edit has no field 'colour'"),
        ({"insert": "x"}, "an edit needs a 'kind'"),
        ({"kind": 3}, "an edit needs a 'kind'"),
        ({"kind": "strike_out", "insert": "x"}, "'strike_out' is not a kind of amendment"),
        ({"kind": "insert", "after": "4", "insert": "x"}, "'after' must be a word id"),
        ({"kind": "insert", "after": 1.0, "insert": "x"}, "'after' must be a word id"),
        ({"kind": "insert", "insert": 7}, "'insert' must be text"),
        ({"kind": "leave_out", "first": 1, "last": 1, "quoted": None}, "'quoted' must be text"),
    ],
)
def test_from_json_refuses_malformed_data(data: dict[str, object], message: str) -> None:
    with pytest.raises(TextError, match=message):
        Edit.from_json(data)


def test_apply_all_applies_in_order(motion: MotionText) -> None:
    first = leave_out(motion, 2, 3, 2, 3)
    second = leave_out(motion, 4, 9, 4, 11)
    assert apply_all(motion, []) == motion
    result = apply_all(motion, [first, second])
    assert result == apply(apply(motion, first), second)
    with pytest.raises(EditNoLongerApplies):
        apply_all(motion, [second, second])


def test_describe_spans_over_lines(motion: MotionText) -> None:
    assert leave_out(motion, 3, 5, 4, None).describe(motion) == (
        "Line 3, leave out 'ours in a winnable place on the list;' to the end"
    )
    assert leave_out(motion, 2, 10, 3, None).describe(motion) == (
        "Line 2, leave out 'slate signs;' to the end of line 3"
    )
    assert leave_out(motion, 2, 10, 3, 2).describe(motion) == (
        "Line 2, leave out 'slate signs;' to '2. a' in line 3"
    )


def test_describe_shortens_very_long_insertions(motion: MotionText) -> None:
    edit = add_at_end(motion, "word " * 100)
    description = edit.describe(motion)
    assert description.endswith("…'")
    assert len(description) < 230


# --- properties ------------------------------------------------------------------------------

_FRESH = st.sampled_from(["NEW\u200d", "FRESH\u200d", "ADDED\u200d", "EXTRA\u200d"])
"""Inserted words that never occur in drawn motions, so ids and texts tell the same story."""


@given(st.data(), amended_motion_texts())
def test_apply_never_reuses_an_id(data: st.DataObject, text: MotionText) -> None:
    """Inserted words get ids from next_id up: never an id the motion has or ever had."""
    edit = data.draw(edits(text))
    amended = apply(text, edit)
    new = set(_ids(amended)) - set(_ids(text))
    assert all(text.next_id <= i < amended.next_id for i in new)
    assert amended.next_id == text.next_id + len(edit.insert.split())
    assert len(set(_ids(amended))) == amended.word_count


@given(st.data(), amended_motion_texts())
def test_surviving_words_keep_their_ids_and_order(data: st.DataObject, text: MotionText) -> None:
    """After apply, every surviving word keeps its id, its text and its relative order."""
    amended = apply(text, data.draw(edits(text)))
    before = {word.id: word for word in text.words}
    surviving = [word for word in amended.words if word.id in before]
    assert all(before[word.id] == word for word in surviving)
    place = {word.id: k for k, word in enumerate(text.words)}
    order = [place[word.id] for word in surviving]
    assert order == sorted(order)


@given(st.data(), amended_motion_texts())
def test_apply_does_what_the_edit_says(data: st.DataObject, text: MotionText) -> None:
    """The amended words are the old words with the span left out and the insertion put in."""
    edit = data.draw(edits(text))
    amended = [w.text for w in apply(text, edit).words]
    old = [w.text for w in text.words]
    new = edit.insert.split()
    if edit.kind in (EditKind.LEAVE_OUT, EditKind.LEAVE_OUT_AND_INSERT):
        start, end = text.index(edit.first or WordId(0)), text.index(edit.last or WordId(0))
        assert start is not None and end is not None
        assert amended == old[:start] + new + old[end + 1 :]
    elif edit.kind is EditKind.ADD_AT_END:
        assert amended == old + new
    elif edit.after is None:
        assert amended == (new if edit.kind is EditKind.REPLACE_ALL else new + old)
    else:
        k = text.index(edit.after)
        assert k is not None
        rest = [] if edit.kind is EditKind.REPLACE_ALL else old[k + 1 :]
        assert amended == old[: k + 1] + new + rest


@given(st.data(), amended_motion_texts())
def test_a_later_edit_applies_iff_its_words_survive(data: st.DataObject, text: MotionText) -> None:
    """Two amendments drafted against the same text; once the first is carried, the second
    still applies if its words survive (and stand together), and falls with
    EditNoLongerApplies if any of its words was left out or words were put among them."""
    carried = data.draw(edits(text, inserts=insert_texts(_FRESH)))
    other = data.draw(edits(text, inserts=insert_texts(_FRESH)))
    amended = apply(text, carried)
    gone = set(_ids(text)) - set(_ids(amended))
    if other.kind in (EditKind.LEAVE_OUT, EditKind.LEAVE_OUT_AND_INSERT):
        span = text.span_words(other.first or WordId(0), other.last or WordId(0))
        start, end = amended.index(span[0].id), amended.index(span[-1].id)
        survives = (
            not {word.id for word in span} & gone
            and start is not None
            and end is not None
            and [w.id for w in amended.words[start : end + 1]] == [w.id for w in span]
        )
        if not survives:
            with pytest.raises(EditNoLongerApplies):
                check(amended, other)
            return
        if other.kind is EditKind.LEAVE_OUT and len(span) == amended.word_count:
            with pytest.raises(EmptyText):
                check(amended, other)
            return
    elif other.after is not None and other.after in gone:
        with pytest.raises(EditNoLongerApplies):
            check(amended, other)
        return
    check(amended, other)
    apply(amended, other)


@given(st.data(), amended_motion_texts())
def test_to_json_round_trips(data: st.DataObject, text: MotionText) -> None:
    """from_json(to_json(edit)) == edit, and the JSON holds only strs and ints."""
    edit = data.draw(edits(text))
    as_json = edit.to_json()
    assert all(type(value) in (str, int) for value in as_json.values())
    assert Edit.from_json(as_json) == edit


@given(st.data(), motion_texts())
def test_check_passes_exactly_when_apply_succeeds(data: st.DataObject, text: MotionText) -> None:
    """check(text, edit) raises exactly what apply(text, edit) raises, for any edit of any text."""
    other = data.draw(motion_texts())
    edit = data.draw(edits(other))
    try:
        apply(text, edit)
    except TextError as error:
        with pytest.raises(type(error)):
            check(text, edit)
    else:
        check(text, edit)

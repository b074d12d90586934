"""Amendments: each kind of edit, amendments to amendments, order, rulings, falling."""

from __future__ import annotations

import pytest

from voting import commands as c
from voting import events as ev
from voting.edit import apply_all
from voting.errors import DomainError, InconsistentEvent, NotEntitled, OutOfOrder
from voting.lifecycle import MotionState

from .builders import CHAIR, MOTION, Room

pytestmark = pytest.mark.unit

LINE_1 = "That this branch supports the strike"
LINE_2 = "and donates fifty pounds to the hardship fund"
LINE_3 = "and calls on all our members to join the picket line."


def debating(orders: str = "citrine") -> Room:
    return Room.founded(orders).members(6).meeting().motion()


def substantive_by_replay_of_edits(room: Room) -> str:
    motion = room.state.motions[MOTION]
    edits = [room.state.amendments[a].edit for a in motion.carried_amendments]
    return apply_all(motion.original, edits).plain()


@pytest.mark.parametrize(
    ("edit", "description", "result"),
    [
        (dict(kind="leave_out", leave_out="fifty pounds"), "Line 2, leave out 'fifty pounds'",
         [LINE_1, "and donates to the hardship fund", LINE_3]),
        (dict(kind="insert", after="strike", insert="fully"),
         "Line 1, after 'strike' insert 'fully'", [LINE_1 + " fully", LINE_2, LINE_3]),
        (dict(kind="insert", insert="Resolved:"), "At the start, insert 'Resolved:'",
         ["Resolved: " + LINE_1, LINE_2, LINE_3]),
        (dict(kind="insert", at_end=True, insert="Solidarity."), "Add at end 'Solidarity.'",
         [LINE_1, LINE_2, LINE_3 + " Solidarity."]),
        (dict(kind="add_at_end", insert="\nSolidarity."), "Add at end '/ Solidarity.'",
         [LINE_1, LINE_2, LINE_3, "Solidarity."]),
        (dict(kind="leave_out_and_insert", leave_out="fifty", insert="a hundred"),
         "Line 2, leave out 'fifty' and insert 'a hundred'",
         [LINE_1, "and donates a hundred pounds to the hardship fund", LINE_3]),
        (dict(kind="leave_out_all_and_insert", insert="That we do nothing."),
         "Leave out all and insert 'That we do nothing.'", ["That we do nothing."]),
        (dict(kind="leave_out_all_and_insert", after="That", insert="we do nothing."),
         "Line 1, leave out all after 'That' and insert 'we do nothing.'", ["That we do nothing."]),
    ],
)  # fmt: skip
def test_each_kind_of_amendment_when_carried_changes_the_text(
    edit: dict[str, object], description: str, result: list[str]
) -> None:
    room = debating()
    (moved,) = room.do(c.MoveAmendment, "m3", amendment="a1", motion=MOTION, **edit)
    assert isinstance(moved, ev.AmendmentMoved)
    assert moved.description == description
    room.do(c.SecondAmendment, "m4", amendment="a1")
    room.take("a1")
    room.carry("a1", "b1")
    amended = [e for e in room.log if isinstance(e, ev.MotionTextAmended)]
    assert [(e.target, e.amendment) for e in amended] == [(MOTION, "a1")]
    assert room.state.motions[MOTION].text.plain() == "\n".join(result)
    assert substantive_by_replay_of_edits(room) == "\n".join(result)
    assert room.replayed() == room.state


def test_a_lost_amendment_leaves_the_text_alone() -> None:
    room = debating()
    room.amendment("a1", kind="leave_out", leave_out="fifty pounds", take=True)
    room.defeat("a1", "b1")
    assert room.state.amendments["a1"].state is MotionState.LOST
    assert room.state.motions[MOTION].text == room.state.motions[MOTION].original


def test_the_mover_cannot_second_their_own_amendment() -> None:
    room = debating()
    room.amendment("a1", seconder="", kind="leave_out", leave_out="fifty pounds")
    error = room.refuse(NotEntitled, c.SecondAmendment, "m3", amendment="a1")
    assert "mover cannot second" in str(error)


# -- amendments to amendments ---------------------------------------------------------


def test_an_amendment_to_an_amendment_is_disposed_of_first_and_changes_its_words() -> None:
    room = debating()
    room.amendment("a1", kind="leave_out_and_insert", leave_out="fifty pounds",
                   insert="one hundred pounds", take=True)  # fmt: skip
    room.amendment("a1x", mover="m5", seconder="m6", parent="a1", kind="leave_out_and_insert",
                   leave_out="one hundred", insert="two hundred")  # fmt: skip
    error = room.refuse(OutOfOrder, c.OpenBallot, CHAIR, ballot="b0", subject="a1")
    assert "disposed of first" in str(error)
    room.take("a1x")
    room.carry("a1x", "b1")
    amended = room.log[-1]
    assert amended == ev.MotionTextAmended(
        amended.at, "a1", "a1x", "one hundred pounds", "two hundred pounds"
    )
    assert room.state.amendments["a1"].edit.insert == "two hundred pounds"
    room.carry("a1", "b2")
    expected = "\n".join([LINE_1, "and donates two hundred pounds to the hardship fund", LINE_3])
    assert room.state.motions[MOTION].text.plain() == expected
    assert substantive_by_replay_of_edits(room) == expected
    assert room.state.motions[MOTION].carried_amendments == ("a1",)
    assert room.replayed() == room.state


def test_amendments_go_one_level_deep_only() -> None:
    room = debating()
    room.amendment("a1", kind="leave_out_and_insert", leave_out="fifty", insert="sixty", take=True)
    room.amendment("a1x", mover="m5", seconder="m6", parent="a1", kind="leave_out_and_insert",
                   leave_out="sixty", insert="seventy")  # fmt: skip
    error = room.refuse(OutOfOrder, c.MoveAmendment, "m5", amendment="a1y", motion=MOTION,
                        parent="a1x", kind="insert", insert="more")  # fmt: skip
    assert "one level only" in str(error)


def test_an_amendment_that_only_leaves_out_cannot_be_amended() -> None:
    room = debating()
    room.amendment("a1", kind="leave_out", leave_out="fifty pounds", take=True)
    error = room.refuse(OutOfOrder, c.MoveAmendment, "m5", amendment="a1x", motion=MOTION,
                        parent="a1", kind="insert", insert="more")  # fmt: skip
    assert "only leaves words out" in str(error)


def test_a_sub_amendment_keeps_the_line_break_its_parent_inserts() -> None:
    """An 'add at end' that starts a new line still starts one after its words are amended."""
    room = debating()
    room.amendment("a1", kind="add_at_end", insert="\nAnd we will hold a rally.", take=True)
    room.amendment("a1x", mover="m5", seconder="m6", parent="a1", kind="leave_out_and_insert",
                   leave_out="a rally.", insert="a march.", take=True)  # fmt: skip
    room.carry("a1x", "b1")
    room.carry("a1", "b2")
    assert room.state.motions[MOTION].text.plain().split("\n") == [
        LINE_1, LINE_2, LINE_3, "And we will hold a march."
    ]  # fmt: skip


# -- the order amendments are taken in ---------------------------------------------------


@pytest.mark.parametrize(("orders", "first", "second"), [("citrine", "a2", "a1"),
                                                           ("roberts", "a1", "a2")])  # fmt: skip
def test_take_amendment_enforces_the_standing_orders_order(
    orders: str, first: str, second: str
) -> None:
    """Citrine takes amendments by their place in the motion; Robert's as received."""
    room = debating(orders)
    room.amendment("a1", kind="leave_out", leave_out="to join the picket line.")  # line 3
    room.amendment("a2", mover="m5", seconder="m6", kind="insert", after="strike",
                   insert="fully")  # line 1  # fmt: skip
    error = room.refuse(OutOfOrder, c.TakeAmendment, CHAIR, amendment=second)
    number = room.state.amendments[first].number
    assert f"amendment {number} comes first" in str(error)
    assert orders != "citrine" or "by position" in str(error)
    room.take(first)
    room.defeat(first, "b1")
    room.take(second)


def test_one_amendment_before_the_meeting_at_a_time() -> None:
    room = debating("roberts")
    room.amendment("a1", kind="leave_out", leave_out="fifty pounds", take=True)
    room.amendment("a2", mover="m5", seconder="m6", kind="insert", after="strike", insert="fully")
    error = room.refuse(OutOfOrder, c.TakeAmendment, CHAIR, amendment="a2")
    assert "one at a time" in str(error)


# -- rulings and challenges ---------------------------------------------------------------


def test_the_chair_rules_out_of_order_with_ground_and_reason_and_a_challenge_overturns_it() -> None:
    room = debating()
    room.amendment("a1", kind="leave_out", leave_out="supports")
    room.refuse(NotEntitled, c.RuleOutOfOrder, "m1", amendment="a1", ground="other", reason="x")
    no_reason = room.refuse(DomainError, c.RuleOutOfOrder, CHAIR, amendment="a1",
                            ground="direct_negative", reason="  ")  # fmt: skip
    assert "reason" in str(no_reason)
    (ruled,) = room.do(c.RuleOutOfOrder, CHAIR, amendment="a1", ground="direct_negative",
                       reason="It reverses the motion.")  # fmt: skip
    assert ruled == ev.AmendmentRuledOutOfOrder(ruled.at, "a1", "direct_negative",
                                                 "It reverses the motion.", CHAIR)  # fmt: skip
    assert room.state.amendments["a1"].state is MotionState.OUT_OF_ORDER
    room.refuse(OutOfOrder, c.TakeAmendment, CHAIR, amendment="a1")
    room.do(c.MoveProcedural, "m3", procedural="p1", kind="challenge_to_the_chair", target="a1",
            seconder="m4")  # fmt: skip
    room.carry("p1", "b1")
    assert room.log[-1] == ev.RulingOverturned(room.log[-1].at, "a1")
    assert room.state.amendments["a1"].state is MotionState.SECONDED
    room.take("a1")


def test_a_lost_challenge_leaves_the_ruling_standing() -> None:
    room = debating()
    room.amendment("a1", kind="leave_out", leave_out="supports")
    room.do(c.RuleOutOfOrder, CHAIR, amendment="a1", ground="not_relevant", reason="Off topic.")
    room.do(c.MoveProcedural, "m3", procedural="p1", kind="challenge_to_the_chair", target="a1",
            seconder="m4")  # fmt: skip
    room.defeat("p1", "b1")
    assert room.state.amendments["a1"].state is MotionState.OUT_OF_ORDER


def test_an_overturned_ruling_on_an_amendment_whose_words_are_gone_makes_it_fall() -> None:
    room = debating()
    room.amendment("a1", kind="leave_out", leave_out="fifty pounds")
    room.amendment("a2", mover="m5", seconder="m6", kind="leave_out_and_insert",
                   leave_out="fifty", insert="sixty")  # fmt: skip
    room.do(c.RuleOutOfOrder, CHAIR, amendment="a2", ground="other", reason="Late.")
    room.take("a1")
    room.carry("a1", "b1")
    room.do(c.MoveProcedural, "m5", procedural="p1", kind="challenge_to_the_chair", target="a2",
            seconder="m6")  # fmt: skip
    room.carry("p1", "b2")
    # Either the amendment falls now, or it can be put and carried without the domain
    # refusing to close the vote.
    if room.state.amendments["a2"].state is not MotionState.FELL:
        room.take("a2")
        room.carry("a2", "b3")
    assert room.state.amendments["a2"].state in {MotionState.FELL, MotionState.CARRIED}


def _ruled_then_motion_withdrawn() -> Room:
    room = debating()
    room.amendment("a1", kind="leave_out", leave_out="supports")
    room.do(c.RuleOutOfOrder, CHAIR, amendment="a1", ground="other", reason="Late.")
    room.do(c.MoveProcedural, room.state.motions[MOTION].mover, procedural="p1", kind="withdraw",
            target=MOTION, seconder="m4")  # fmt: skip
    room.consent("p1", "b1")
    assert room.state.motions[MOTION].state is MotionState.WITHDRAWN
    return room


def test_a_ruling_cannot_be_challenged_once_the_motion_has_left_debate() -> None:
    """Overturning it then would revive an amendment to a motion no longer before the meeting."""
    room = _ruled_then_motion_withdrawn()
    error = room.refuse(OutOfOrder, c.MoveProcedural, "m3", procedural="p2",
                        kind="challenge_to_the_chair", target="a1", seconder="m4")  # fmt: skip
    assert "motion 'Motion mot' is withdrawn" in str(error)
    assert room.state.amendments["a1"].state is MotionState.OUT_OF_ORDER


def test_a_logged_overturning_after_the_motion_left_debate_does_not_replay() -> None:
    room = _ruled_then_motion_withdrawn()
    room.log.append(ev.RulingOverturned(room.at(), "a1"))
    with pytest.raises(InconsistentEvent, match="without the act that causes it"):
        room.replayed()


def test_a_logged_overturning_of_a_ruling_never_made_does_not_replay() -> None:
    room = debating()
    room.amendment("a1", kind="leave_out", leave_out="supports")
    room.log.append(ev.RulingOverturned(room.at(), "a1"))
    with pytest.raises(InconsistentEvent, match="without the act that causes it"):
        room.replayed()


# -- falling --------------------------------------------------------------------------


def test_amendments_whose_words_a_carried_amendment_removed_fall_with_the_reason() -> None:
    room = debating("roberts")
    room.amendment("a1", kind="leave_out", leave_out="fifty pounds")
    room.amendment("a2", mover="m5", seconder="m6", kind="leave_out_and_insert",
                   leave_out="fifty", insert="sixty")  # fmt: skip
    room.amendment("a3", mover="m5", seconder="m6", kind="insert", after="strike", insert="fully")
    room.take("a1")
    room.carry("a1", "b1")
    fell = room.events_of(ev.AmendmentFell)
    assert [e.amendment for e in fell] == ["a2"]
    assert "amendment 1 was carried" in fell[0].reason and "'fifty'" in fell[0].reason
    assert room.state.amendments["a2"].state is MotionState.FELL
    assert room.state.amendments["a3"].state is MotionState.SECONDED


def test_unseconded_amendments_fall_when_the_question_is_put() -> None:
    room = debating()
    room.amendment("a1", seconder="", kind="leave_out", leave_out="fifty pounds")
    (fell, opened) = room.do(c.OpenBallot, CHAIR, ballot="b1", subject=MOTION)
    assert fell == ev.AmendmentFell(fell.at, "a1", "it was not seconded")
    assert isinstance(opened, ev.BallotOpened)
    assert room.state.amendments["a1"].state is MotionState.FELL


def test_a_seconded_amendment_must_be_decided_before_the_motion_is_put() -> None:
    room = debating()
    room.amendment("a1", kind="leave_out", leave_out="fifty pounds")
    error = room.refuse(OutOfOrder, c.OpenBallot, CHAIR, ballot="b1", subject=MOTION)
    assert "every amendment is decided before the motion is put" in str(error)


def test_amendments_to_a_fallen_amendment_fall_with_it() -> None:
    room = debating()
    room.amendment("a1", kind="leave_out", leave_out="fifty pounds")
    room.amendment("a2", mover="m5", seconder="m6", kind="leave_out_and_insert",
                   leave_out="fifty", insert="sixty")  # fmt: skip
    room.amendment("a2x", mover="m5", seconder="m6", parent="a2", kind="leave_out_and_insert",
                   leave_out="sixty", insert="seventy")  # fmt: skip
    room.take("a1")
    room.carry("a1", "b1")
    assert room.state.amendments["a2"].state is MotionState.FELL
    assert room.state.amendments["a2x"].state is MotionState.FELL
    room.carry(MOTION, "b2")


def test_the_substantive_motion_is_put_last_with_the_carried_amendments_in_order() -> None:
    room = debating("roberts")
    room.amendment("a1", kind="leave_out_and_insert", leave_out="fifty", insert="sixty")
    room.amendment("a2", mover="m5", seconder="m6", kind="insert", after="strike", insert="fully")
    room.amendment("a3", mover="m5", seconder="m6", kind="add_at_end", insert="Unity!")
    room.take("a1")
    room.carry("a1", "b1")
    room.take("a2")
    room.defeat("a2", "b2")
    room.take("a3")
    room.carry("a3", "b3")
    (opened,) = room.do(c.OpenBallot, CHAIR, ballot="b4", subject=MOTION, method="recorded")
    expected = "\n".join([LINE_1, "and donates sixty pounds to the hardship fund",
                          LINE_3 + " Unity!"])  # fmt: skip
    assert opened.substantive is True
    assert "substantive motion" in opened.question
    assert opened.text == expected
    assert room.state.motions[MOTION].carried_amendments == ("a1", "a3")
    assert substantive_by_replay_of_edits(room) == expected
    room.do(c.CloseBallot, CHAIR, ballot="b4")
    assert room.replayed() == room.state


def test_no_amendment_after_the_closure_on_the_motion() -> None:
    room = debating()
    room.do(c.MoveProcedural, "m3", procedural="p1", kind="that_the_question_be_now_put",
            target=MOTION, seconder="m4")  # fmt: skip
    room.carry("p1", "b1")
    assert room.state.motions[MOTION].closure
    error = room.refuse(OutOfOrder, c.MoveAmendment, "m5", amendment="a1", motion=MOTION,
                        kind="insert", insert="more")  # fmt: skip
    assert "closure has been carried" in str(error)

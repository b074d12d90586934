"""College votes in the domain: each section's votes make up that section's share."""

from __future__ import annotations

import dataclasses

import pytest

from voting import commands as c
from voting import events as ev
from voting import render_minutes
from voting.decider import decide, execute, replay
from voting.errors import DomainError, InconsistentEvent, NotEntitled, OutOfOrder
from voting.state import BodyState

AT = "2026-03-01T10:00:00Z"
HALVES = (("affiliates", "1/2"), ("constituencies", "1/2"))


class Conference:
    def __init__(self, sections: tuple[tuple[str, str], ...] = HALVES) -> None:
        self.state = BodyState()
        self.log: list[ev.Event] = []
        self.do(c.FoundBody(AT, "sec", name="Conference"))
        self.do(c.AdmitMember(AT, "sec", member="sec", name="Sec",
                              roles=("secretary", "chair"), section="constituencies"))  # fmt: skip
        self.do(c.DefineCollege(AT, "sec", sections=sections))

    def do(self, command: c.Command) -> tuple[ev.Event, ...]:
        self.state, events = execute(self.state, command)
        self.log.extend(events)
        return events

    def admit(self, member: str, section: str, weight: int = 1) -> None:
        self.do(c.AdmitMember(AT, "sec", member=member, name=member, weight=weight,
                              section=section))  # fmt: skip

    def meet_and_put(self) -> None:
        self.do(c.ConveneMeeting(AT, "sec", meeting="conf", title="Conference", chair="sec",
                                 secretary="sec", quorum_number=1))  # fmt: skip
        for member in self.state.members:
            self.do(c.RecordAttendance(AT, "sec", meeting="conf", member=member))
        self.do(c.StartBusiness(AT, "sec", meeting="conf"))
        self.do(c.MoveMotion(AT, "u1", motion="m", meeting="conf", title="Rule change",
                             text="That the rule be changed."))  # fmt: skip
        self.do(c.SecondMotion(AT, "u2", motion="m"))
        self.do(c.OpenDebate(AT, "sec", motion="m"))
        self.do(c.OpenBallot(AT, "sec", ballot="b", subject="m", method="college"))


def test_a_small_section_weighs_its_share_whatever_the_raw_votes_say() -> None:
    """Affiliates 600-400 for (60%), constituencies 2-8 against (20% for): 0.4 for, lost.

    The raw card totals, 602 for to 408 against, would have carried it.
    """
    conf = Conference()
    conf.admit("u1", "affiliates", weight=600)
    conf.admit("u2", "affiliates", weight=400)
    for i in range(10):
        conf.admit(f"c{i}", "constituencies")
    conf.meet_and_put()
    conf.do(c.CastVote(AT, "u1", ballot="b", choice="for"))
    conf.do(c.CastVote(AT, "u2", ballot="b", choice="against"))
    for i in range(10):
        conf.do(c.CastVote(AT, f"c{i}", ballot="b", choice="for" if i < 2 else "against"))
    closed = conf.do(c.CloseBallot(AT, "sec", ballot="b"))[0]
    assert isinstance(closed, ev.BallotClosed)
    assert (closed.for_votes, closed.against) == (602, 408)
    assert closed.outcome == "lost"
    assert "2/5" in closed.explanation and "3/5" in closed.explanation
    assert replay(conf.log) == conf.state


def test_a_chair_outside_every_section_puts_the_question_and_is_not_on_its_roll() -> None:
    """The chair (in no section of this college) opens the ballot; the roll is the sections'
    members only, so the chair's vote is refused; the close logs each section's working and
    the minutes show it with every name and card."""
    thirds = (("a", "1/3"), ("b", "1/3"), ("c", "1/3"))
    conf = Conference(thirds)  # the secretary's section, constituencies, is not in it
    conf.admit("u1", "a", weight=5)
    conf.admit("u2", "b")
    for i in range(4):
        conf.admit(f"c{i}", "c")
    conf.meet_and_put()
    opened = conf.state.ballot("b")
    assert "sec" not in {member for _, member in opened.roll}
    assert len(opened.roll) == 6
    with pytest.raises(NotEntitled):
        conf.do(c.CastVote(AT, "sec", ballot="b", choice="for"))
    conf.do(c.CastVote(AT, "u1", ballot="b", choice="for"))
    conf.do(c.CastVote(AT, "u2", ballot="b", choice="against"))
    for i in range(4):
        conf.do(c.CastVote(AT, f"c{i}", ballot="b", choice="for" if i < 3 else "abstain"))
    closed = conf.do(c.CloseBallot(AT, "sec", ballot="b"))[0]
    assert isinstance(closed, ev.BallotClosed)
    assert closed.sections == (
        ("a", "1/3", 5, 0, 0, "1/3", "0"),
        ("b", "1/3", 0, 1, 0, "0", "1/3"),
        ("c", "1/3", 3, 0, 1, "1/3", "0"),
    )
    assert closed.outcome == "carried"
    assert replay(conf.log) == conf.state
    minutes = render_minutes(conf.state, conf.log)
    assert "- For (4): c0 (1), c1 (1), c2 (1), u1 (5)." in minutes
    assert "- Against (1): u2 (1)." in minutes
    assert "- Abstained (1): c3 (1)." in minutes
    assert ("- Section c (share 1/3): 3 for, 0 against, 1 abstaining (100.0% for); its part of "
            "the result 1/3 for, 0 against.") in minutes


def test_a_close_whose_section_figures_are_not_the_recount_does_not_replay() -> None:
    conf = Conference((("a", "1/2"), ("constituencies", "1/2")))
    conf.admit("u1", "a")
    conf.admit("u2", "a")
    conf.meet_and_put()
    conf.do(c.CastVote(AT, "u1", ballot="b", choice="for"))
    conf.do(c.CastVote(AT, "u2", ballot="b", choice="against"))
    conf.do(c.CastVote(AT, "sec", ballot="b", choice="for"))
    closed = conf.do(c.CloseBallot(AT, "sec", ballot="b"))[0]
    assert isinstance(closed, ev.BallotClosed)
    forged = dataclasses.replace(closed, sections=(
        ("a", "1/2", 2, 0, 0, "1/2", "0"), *closed.sections[1:]))
    log = [forged if e is closed else e for e in conf.log]
    with pytest.raises(InconsistentEvent, match="sections' figures"):
        replay(log)
    with pytest.raises(InconsistentEvent, match="sections' figures"):
        replay([dataclasses.replace(closed, sections=()) if e is closed else e for e in conf.log])


def test_a_college_vote_needs_someone_present_in_a_section() -> None:
    conf = Conference((("a", "1/2"), ("b", "1/2")))
    conf.admit("u1", "x")
    conf.admit("u2", "y")
    with pytest.raises(OutOfOrder, match="nobody present is in a section"):
        conf.meet_and_put()


def test_thirds_decide_by_section_not_by_head_count() -> None:
    thirds = (("a", "1/3"), ("b", "1/3"), ("constituencies", "1/3"))
    conf = Conference(thirds)
    conf.admit("u1", "a")
    conf.admit("u2", "b")
    for i in range(30):
        conf.admit(f"c{i}", "constituencies")
    conf.meet_and_put()
    conf.do(c.CastVote(AT, "u1", ballot="b", choice="for"))
    conf.do(c.CastVote(AT, "u2", ballot="b", choice="for"))
    for i in range(30):
        conf.do(c.CastVote(AT, f"c{i}", ballot="b", choice="against"))
    closed = conf.do(c.CloseBallot(AT, "sec", ballot="b"))[0]
    assert isinstance(closed, ev.BallotClosed)
    assert (closed.for_votes, closed.against) == (2, 30)  # the heads
    assert closed.outcome == "carried"  # two sections of three were for


@pytest.mark.parametrize(
    ("sections", "phrase"),
    [
        ((("a", "1/2"), ("b", "1/3")), "1"),
        ((("a", "1/2"), ("a", "1/2")), "a"),
        ((("a", "half"), ("b", "1/2")), "looks like 1/2"),
        ((("a", "0"), ("b", "1")), ""),
    ],
)
def test_a_college_that_cannot_be_used_is_refused(
    sections: tuple[tuple[str, str], ...], phrase: str
) -> None:
    conf = Conference()
    before = conf.state
    with pytest.raises(DomainError, match=phrase or None):
        decide(conf.state, c.DefineCollege(AT, "sec", sections=sections))
    assert conf.state == before


def test_the_college_cannot_change_while_a_college_vote_is_open() -> None:
    conf = Conference()
    conf.admit("u1", "affiliates")
    conf.admit("u2", "constituencies")
    conf.meet_and_put()
    with pytest.raises(OutOfOrder, match="college vote is open"):
        decide(conf.state, c.DefineCollege(AT, "sec", sections=HALVES))

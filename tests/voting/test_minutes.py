"""The minutes (``voting.minutes``) and their HTML and JSON forms (``voting.minutes_formats``)."""

from __future__ import annotations

import html
import json
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from api.demo_meeting import run
from voting import commands as c
from voting import events as ev
from voting.decider import evolve, execute, replay
from voting.errors import DomainError, NotFound
from voting.minutes import (
    RENDERERS,
    Minutes,
    MinutesError,
    MinutesWriter,
    minutes_of,
    render_minutes,
)
from voting.minutes_formats import markdown_html, minutes_html, minutes_json
from voting.state import BodyState
from voting.testing import histories, motion_sources

pytestmark = pytest.mark.unit

AT = "2025-05-01T18:{:02d}:00Z"


def plain_minutes(events: list[ev.Event]) -> Minutes:
    """The minutes written outside any transient fold, where every state stays as it was."""
    writer = MinutesWriter()
    state = BodyState()
    for event in events:
        state = writer.step(state, event)
    return writer.result(state)


def test_the_demo_minutes_say_what_was_decided_and_by_whom() -> None:
    state, events = run()
    text = render_minutes(state, events)
    assert text.startswith("# Minutes of Left Organising Group\n")
    assert "- Against (5): Jonah Weiss, Kasia Nowak, Liam Byrne, Maya Cohen, Niall Quinn." in text
    assert "**Elected, in order: Ciara Doyle, Jonah Weiss**" in text
    # Published: the body's own business under its founding, the meeting under its
    # convening; each line of the whole log's minutes is in exactly one of them.
    minutes = minutes_of(state, events)
    published = minutes.by_entry()
    assert set(published) == {0, 16}
    assert published[16] == render_minutes(state, events, "2025-03")
    assert published[0] == render_minutes(state, events, "")
    assert "Ben Carter admitted as a member" in published[0]
    assert "Ben Carter admitted" not in published[16]
    assert "- Against (5): Jonah Weiss" in published[16]
    heading = minutes.heading()
    body_lines = published[0].split("\n")[len(heading):]
    meeting_lines = published[16].split("\n")[len(heading):]
    whole = text.split("\n")[len(heading):]
    assert sorted(line for line in whole if line) == sorted(
        line for line in body_lines + meeting_lines if line)


def test_writing_inside_a_transient_fold_gives_the_same_minutes_as_outside() -> None:
    """The demo has an amendment carried (a renderer that reads the state before it)."""
    state, events = run()
    assert minutes_of(state, events) == plain_minutes(events)
    assert any(isinstance(e, ev.MotionTextAmended) for e in events)


@settings(max_examples=30, deadline=None)
@given(history=histories())
def test_random_histories_minute_the_same_in_and_out_of_a_transient_fold(
        history: list[ev.Event]) -> None:
    minutes = minutes_of(None, history)
    assert minutes == plain_minutes(history)
    state = replay(history)
    assert minutes.markdown() == render_minutes(state, history)
    # Every closed ballot is a record with its declared counts.
    closes = [e for e in history if isinstance(e, ev.BallotClosed)]
    assert [(b.id, b.for_votes, b.against, b.abstain, b.outcome) for b in minutes.ballots] == \
        [(e.ballot, e.for_votes, e.against, e.abstain, e.outcome) for e in closes]


def two_meetings() -> tuple[BodyState, list[ev.Event]]:
    state = BodyState()
    log: list[ev.Event] = []
    minute = iter(range(60))

    def do(command_type: type[c.Command], by: str, **fields: object) -> None:
        nonlocal state
        state, events = execute(state, command_type(AT.format(next(minute)), by, **fields))
        log.extend(events)

    do(c.FoundBody, "a", name="Branch")
    do(c.AdmitMember, "a", member="a", name="Ann", roles=("chair", "member"))
    do(c.AdmitMember, "a", member="b", name="Bob", roles=("member",))
    for meeting in ("m1", "m2"):
        do(c.ConveneMeeting, "a", meeting=meeting, title=f"Meeting {meeting}", chair="a",
           secretary="a", quorum_number=1)
        do(c.RecordAttendance, "a", meeting=meeting, member="a")
        do(c.StartBusiness, "a", meeting=meeting)
        do(c.CloseMeeting, "a", meeting=meeting)
    do(c.AdmitMember, "a", member="c", name="Cat", roles=("member",))
    return state, log


def test_each_meetings_published_minutes_are_its_own_and_the_bodys_business_is_apart() -> None:
    state, events = two_meetings()
    minutes = minutes_of(state, events)
    published = minutes.by_entry()
    assert [(m.id, m.entry) for m in minutes.meetings] == [("m1", 3), ("m2", 7)]
    for meeting in minutes.meetings:
        assert published[meeting.entry] == minutes.markdown(meeting.id)
        assert published[meeting.entry] == render_minutes(state, events, meeting.id)
    assert "## Meeting m1" in published[3] and "## Meeting m2" not in published[3]
    assert "## Meeting m2" in published[7] and "## Meeting m1" not in published[7]
    assert set(published) == {0, 3, 7}
    assert published[0] == minutes.markdown("")  # the body's own business, written once
    assert "Cat admitted as a member" in published[0] and "## Meeting" not in published[0]
    assert all("admitted as a member" not in published[entry] for entry in (3, 7))
    with pytest.raises(NotFound, match=r"no meeting 'm3' \(meetings: 'm1', 'm2'\)"):
        minutes.meeting("m3")


def test_an_event_the_minutes_have_no_words_for_is_refused_with_its_entry(
        monkeypatch: pytest.MonkeyPatch) -> None:
    state, events = run()
    monkeypatch.delitem(RENDERERS, ev.MotionSeconded)
    with pytest.raises(MinutesError, match="no words for motion_seconded") as raised:
        minutes_of(state, events)
    assert isinstance(raised.value, DomainError)
    assert raised.value.entry == next(i for i, e in enumerate(events)
                                      if isinstance(e, ev.MotionSeconded))


def test_a_refused_event_propagates_from_step_as_from_evolve() -> None:
    _, events = run()
    with pytest.raises(DomainError) as from_evolve:
        evolve(BodyState(), events[5])
    with pytest.raises(type(from_evolve.value)):
        MinutesWriter().step(BodyState(), events[5])


# -- JSON -----------------------------------------------------------------------------


def test_the_json_minutes_hold_meetings_items_ballots_and_who_voted_how() -> None:
    state, events = run()
    data = minutes_json(minutes_of(state, events))
    assert json.loads(json.dumps(data)) == data
    assert (data["format"], data["version"], data["body"]) == \
        ("tellers-minutes", 1, "Left Organising Group")
    assert len(data["items"]) == 15  # the admissions, before the meeting
    (meeting,) = data["meetings"]
    assert (meeting["id"], meeting["entry"], meeting["chair"]) == ("2025-03", 16, "Aisha Khan")
    assert meeting["items"][0]["type"] == "meeting_convened"
    amendment, substantive = meeting["ballots"]
    assert amendment["counts"] == {"for": 8, "against": 5, "abstain": 0}
    assert (amendment["rule"], amendment["outcome"], amendment["method"]) == \
        ("simple_majority_of_votes_cast", "carried", "recorded")
    against = sorted(v["member"] for v in amendment["votes"] if v["against"])
    assert against == ["Jonah Weiss", "Kasia Nowak", "Liam Byrne", "Maya Cohen", "Niall Quinn"]
    assert substantive["counts"] == {"for": 9, "against": 5, "abstain": 1}
    assert [v["member"] for v in substantive["votes"] if v["abstain"]] == ["Olu Adeyemi"]
    (election,) = meeting["elections"]
    assert election["elected"] == ["Ciara Doyle", "Jonah Weiss"]
    assert (election["ballots"], election["lots"], election["secret"]) == (15, 1, True)


def test_the_json_of_one_meeting_and_of_an_unknown_one() -> None:
    state, events = two_meetings()
    minutes = minutes_of(state, events)
    data = minutes_json(minutes, "m2")
    assert [m["id"] for m in data["meetings"]] == ["m2"] and data["meeting"] == "m2"
    with pytest.raises(NotFound):
        minutes_json(minutes, "m9")


# -- HTML -----------------------------------------------------------------------------

_TAGS = re.compile(r"<!DOCTYPE html>|</?(?:html|head|meta|title|style|body|main|h[1-6]|p|ul|li|"
                   r"pre|code|strong|del|br)(?: [a-z]+=\"[^\"<>]*\")*>")
NASTY = ('<script>alert("x")</script>', "Fish & chips", "\"double\" and 'single'",
         "<b>bold</b>", "a < b > c", "**not bold**", "`tick`", "\\", "&amp;", "~~x~~")


def markup_left(page: str) -> str:
    """The page without the tags the renderer writes: any ``<`` left came from text."""
    return _TAGS.sub("", page)


def motion_minutes(title: str, text: str) -> Minutes:
    state, events = execute(BodyState(), c.FoundBody(AT.format(0), "a", name="Branch <&>"))
    log = list(events)
    for n, command in enumerate([
        c.AdmitMember(AT.format(1), "a", member="a", name="Ann \"A\" <Ames>",
                      roles=("chair", "member")),
        c.ConveneMeeting(AT.format(2), "a", meeting="m", title="AGM <b>", chair="a",
                         secretary="a", quorum_number=1),
        c.RecordAttendance(AT.format(3), "a", meeting="m", member="a"),
        c.StartBusiness(AT.format(4), "a", meeting="m"),
        c.MoveMotion(AT.format(5), "a", motion="x", meeting="m", title=title, text=text),
    ]):
        state, events = execute(state, command)
        log.extend(events)
        assert n < 6
    return minutes_of(state, log)


@settings(max_examples=60, deadline=None)
@given(source=motion_sources(max_lines=4, max_words=6), nasty=st.lists(
    st.sampled_from(NASTY), min_size=1, max_size=3), title=st.sampled_from(NASTY))
def test_every_text_in_the_html_is_escaped(source: str, nasty: list[str], title: str) -> None:
    text = " ".join([*nasty, source])
    try:
        minutes = motion_minutes(title, text)
    except DomainError:
        assume(False)
        raise
    page = minutes_html(minutes)
    assert page.startswith("<!DOCTYPE html>\n") and page.endswith("</html>\n")
    assert "<" not in markup_left(page), markup_left(page)
    # Every line of the motion, numbered as moved, is in the page, escaped.
    state_text = next(i for i in minutes.items if i.type == "motion_moved").lines
    numbered = [line[4:] for line in state_text if line.startswith("    ")]
    assert numbered
    for line in numbered:
        assert html.escape(line, quote=True) in page
    assert "&lt;script&gt;" in page or "<script>" not in text


def test_the_html_page_of_the_demo_is_complete_and_readable() -> None:
    state, events = run()
    page = minutes_html(minutes_of(state, events))
    assert "<title>Minutes of Left Organising Group</title>" in page
    assert "<h2>General meeting, March 2025</h2>" in page
    assert "<li>Against (5): Jonah Weiss, Kasia Nowak, Liam Byrne, Maya Cohen, Niall Quinn.</li>" \
        in page
    assert "<del>3. failing agreement on these conditions, we stand our own slate.</del>" in page
    assert "<strong>and will seek a place on it for one of our members.</strong>" in page
    assert "<pre>1  That this organising group will join" in page
    assert "<" not in markup_left(page)
    # Tags are balanced: every one opened is closed, in order.
    stack: list[str] = []
    for closing, name in re.findall(r"<(/?)(ul|li|p|pre|code|strong|del|h[1-6])>", page):
        if closing:
            assert stack.pop() == name
        else:
            stack.append(name)
    assert stack == []


def test_markdown_html_reads_the_minutes_markdown() -> None:
    assert markdown_html("## A & B") == "<h2>A &amp; B</h2>\n"
    assert markdown_html("- one\n  - inner\n- two") == \
        "<ul>\n<li>one<ul><li>inner</li></ul></li>\n<li>two</li>\n</ul>\n"
    assert markdown_html("  - alone") == "<ul>\n<li>alone</li>\n</ul>\n"
    assert markdown_html("- a ~~b~~\\\n**c** \\*d\\*") == \
        "<ul>\n<li>a <del>b</del><br>\n<strong>c</strong> *d*</li>\n</ul>\n"
    assert markdown_html("x\n\n    1  <i>\n    2  &\n\ny") == \
        "<p>x</p>\n<pre>1  &lt;i&gt;\n2  &amp;</pre>\n<p>y</p>\n"
    assert markdown_html("a **b") == "<p>a **b</p>\n"  # an unmatched marker is text
    assert markdown_html("`<x>` y") == "<p><code>&lt;x&gt;</code> y</p>\n"

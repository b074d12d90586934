"""Text in the log is NFC: decide normalises a command's strings, replay refuses an event's
(``voting.nfc``; docs/verifying.md, C-TIME and C-CANON)."""

from __future__ import annotations

import copy
import dataclasses
import unicodedata
from collections.abc import Iterator
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallying.errors import TellersError
from voting import commands as c
from voting import events as ev
from voting.decider import decide, execute, replay
from voting.errors import DomainError
from voting.nfc import UnloggableText, check_event, loggable, normalise_command
from voting.state import BodyState
from voting.testing import histories, motion_sources
from voting.text import MotionText

from .builders import CHAIR, MEETING, SEC, Room

pytestmark = pytest.mark.unit

ACCENTED = ("That this branch thanks the café workers\n"
            "and Zoë and Ångström and the naïve élan\n"
            "of Nguyễn and 한국.")  # fmt: skip


def _strings(value: Any, form: Literal["NFC", "NFD"]) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize(form, value)
    if isinstance(value, tuple):
        return tuple(_strings(item, form) for item in value)
    return value


def nfd(command: c.Command) -> c.Command:
    """``command`` with every string decomposed (NFD): what a paste may bring."""
    changes = {f.name: _strings(getattr(command, f.name), "NFD")
               for f in dataclasses.fields(command)}  # fmt: skip
    return dataclasses.replace(command, **changes)


def every_string(value: Any) -> Iterator[str]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from every_string(getattr(value, f.name))
    elif isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from every_string(item)


def outcome(state: BodyState, command: c.Command) -> object:
    """What decide makes of a command: its events, or the kind and message of its refusal."""
    try:
        return decide(state, command)
    except TellersError as refusal:
        return type(refusal), str(refusal)


def arena() -> Room:
    room = Room.founded().members(5).meeting().motion(text=ACCENTED)
    room.do(c.OpenNominations, SEC, election="el", title="Executive", seats=1, method="irv")
    return room


def _commands(room: Room) -> list[c.Command]:
    at = room.at
    return [
        c.AdmitMember(at(), SEC, member="m9", name="Zoë Ångström", section="Café"),
        c.SuspendMember(at(), SEC, member="m5", reason="arrears in the café fund"),
        c.ConveneMeeting(at(), SEC, meeting="mt2", title="Réunion générale", chair=CHAIR,
                         secretary=SEC, quorum_number=2),
        c.MoveMotion(at(), "m1", motion="mot2", meeting=MEETING, title="Le café",
                     text="That the café\nstays open."),
        c.MoveAmendment(at(), "m3", amendment="a1", motion="mot", kind="leave_out_and_insert",
                        leave_out="the naïve élan", insert="the élan of Zoë"),
        c.MoveAmendment(at(), "m3", amendment="a2", motion="mot", kind="insert",
                        after="Ångström", insert="and Chloë"),
        c.OpenPetition(at(), "m1", petition="pet", text="We want the café open.", number=3),
        c.OpenNominations(at(), SEC, election="el2", title="Trésorier", seats=1, method="irv"),
    ]


@pytest.mark.parametrize("index", range(8))
def test_decide_logs_a_decomposed_command_as_its_composed_form(index: int) -> None:
    room = arena()
    command = _commands(room)[index]
    pasted = nfd(command)
    assert pasted != command, "the test needs text that NFD changes"
    events = decide(room.state, pasted)
    assert events == decide(room.state, command)
    assert all(unicodedata.is_normalized("NFC", s) for s in every_string(events))
    assert normalise_command(pasted) == command


def test_a_ruling_s_reason_is_logged_composed() -> None:
    room = arena()
    room.do(c.MoveAmendment, "m3", amendment="a1", motion="mot", kind="leave_out",
            leave_out="and the naïve élan")
    command = c.RuleOutOfOrder(room.at(), CHAIR, amendment="a1", ground="other",
                               reason="Hors sujet: le café")
    assert decide(room.state, nfd(command)) == decide(room.state, command)


def test_a_founding_is_logged_composed() -> None:
    command = c.FoundBody("2025-03-12T10:00:00Z", SEC, name="Société coopérative")
    (event,) = decide(BodyState(), nfd(command))
    assert isinstance(event, ev.BodyFounded) and event.name == "Société coopérative"


def test_normalise_command_returns_the_same_command_when_all_is_nfc() -> None:
    command = c.AdmitMember("2025-03-12T10:00:00Z", SEC, member="m9", name="Zoë")
    assert normalise_command(command) is command


@settings(max_examples=60, deadline=None)
@given(source=motion_sources(), data=st.data())
def test_decomposing_a_motion_and_its_amendment_changes_no_word_address(
    source: str, data: st.DataObject
) -> None:
    """Normalised whole before it is split into words, a motion pasted decomposed has the
    words (and word ids) of the composed one, and an amendment quoting its words,
    decomposed or not, addresses the same words."""
    words = MotionText.parse(source)
    first = data.draw(st.integers(0, words.word_count - 1))
    last = data.draw(st.integers(first, words.word_count - 1))
    ids = [word.id for word in words.words]
    quote = words.quote(ids[first], ids[last])
    kind = "leave_out" if (first, last) != (0, words.word_count - 1) else "leave_out_and_insert"
    insert = "" if kind == "leave_out" else "new words"
    results = []
    forms: tuple[Literal["NFC", "NFD"], ...] = ("NFC", "NFD")
    for form in forms:
        room = Room.founded().members(4).meeting()
        room.do(c.MoveMotion, "m1", motion="mot", meeting=MEETING, title="Motion",
                text=unicodedata.normalize(form, source))
        room.do(c.SecondMotion, "m2", motion="mot")
        room.do(c.OpenDebate, CHAIR, motion="mot")
        assert room.state.motions["mot"].text == words
        results.append(outcome(room.state, c.MoveAmendment(
            room.at(), "m3", amendment="a1", motion="mot", kind=kind,
            leave_out=unicodedata.normalize(form, quote), insert=insert)))
    assert results[0] == results[1]


# -- replay ---------------------------------------------------------------------------------


def _text_positions(value: Any, path: tuple[int, ...] = ()) -> Iterator[tuple[int, ...]]:
    if isinstance(value, str):
        yield path
    elif isinstance(value, tuple):
        for number, item in enumerate(value):
            yield from _text_positions(item, (*path, number))


def _put(value: Any, path: tuple[int, ...], text: str) -> Any:
    if not path:
        return text
    items = list(value)
    items[path[0]] = _put(items[path[0]], path[1:], text)
    return tuple(items)


@settings(max_examples=40, deadline=None)
@given(history=histories(), data=st.data())
def test_replay_refuses_text_the_log_cannot_hold_in_any_field_of_any_event(
    history: list[ev.Event], data: st.DataObject
) -> None:
    """Any string anywhere in any event (nested tuples too) made non-NFC, or given a lone
    surrogate, makes replay refuse that event, naming the field."""
    index = data.draw(st.integers(0, len(history) - 1))
    event = history[index]
    places = [(f.name, path) for f in dataclasses.fields(event) if f.name != "at"
              for path in _text_positions(getattr(event, f.name))]  # fmt: skip
    name, path = data.draw(st.sampled_from(places))
    bad = data.draw(st.sampled_from(["e\u0301", "Zoe\u0308 Person", "\u212b", "\u2000",
                                     "a\ud800", "\u1112\u1161\u11ab"]))
    changed = dataclasses.replace(event, **{name: _put(getattr(event, name), path, bad)})
    assert not loggable(bad)
    state = replay(history[:index])
    snapshot = copy.deepcopy(state)
    with pytest.raises(UnloggableText, match=f"the {name} field"):
        replay([changed], state)
    assert state == snapshot
    with pytest.raises(UnloggableText):
        replay([*history[:index], changed, *history[index + 1:]])


def test_an_event_with_a_field_of_another_kind_is_still_looked_at() -> None:
    vote = ev.VoteCast("2025-03-12T10:00:00Z", "b1", "m1", "m1", 1, 0, 0)
    check_event(vote)
    with pytest.raises(UnloggableText, match="the ballot field"):
        check_event(dataclasses.replace(vote, ballot=("e\u0301",)))  # type: ignore[arg-type]
    check_event(dataclasses.replace(vote, ballot=("é",)))  # type: ignore[arg-type]


def test_decide_refuses_a_name_with_a_lone_surrogate_and_changes_nothing() -> None:
    room = Room.founded()
    before = room.state
    snapshot = copy.deepcopy(before)
    command = c.AdmitMember(room.at(), SEC, member="m9", name="Zo\ud800e")
    with pytest.raises(UnloggableText, match="the name field") as raised:
        decide(before, command)
    with pytest.raises(UnloggableText):
        execute(before, command)
    assert before == snapshot
    assert isinstance(raised.value, DomainError) and isinstance(raised.value, ValueError)


class _Tagged(str):
    """A str subclass, as an enum member is: decide must log the plain string."""

    __slots__ = ()


@given(st.text(max_size=40), st.lists(st.text(max_size=8), max_size=3))
def test_a_string_subclass_becomes_the_plain_nfc_string_it_stands_for(
    title: str, roles: list[str]
) -> None:
    command = c.AdmitMember("2026-01-01T00:00:00Z", "sec", member="m1", name=_Tagged(title),
                            roles=tuple(_Tagged(r) for r in roles))
    plain = normalise_command(command)
    assert type(plain.name) is str and plain.name == unicodedata.normalize("NFC", title)
    assert all(type(r) is str for r in plain.roles)
    assert plain.roles == tuple(unicodedata.normalize("NFC", r) for r in roles)
    # A command of plain NFC strings is returned as it is.
    assert normalise_command(plain) is plain

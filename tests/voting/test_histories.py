"""The public strategy of whole histories (``voting.testing.histories``) keeps its promise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from voting import events as ev
from voting.codec import from_json, to_json
from voting.decider import replay
from voting.testing import histories

pytestmark = pytest.mark.unit


@settings(max_examples=40, deadline=None)
@given(history=histories())
def test_every_drawn_history_replays_the_same_through_the_codec(history: list[ev.Event]) -> None:
    """Drawn through the decider, so each replays; through the codec, to the same state."""
    state = replay(history)
    assert replay(from_json(to_json(event)) for event in history) == state
    assert isinstance(history[0], ev.BodyFounded)
    assert isinstance(history[-1], ev.MeetingClosed)

"""A5 for the shell: the domain's random proceedings, submitted through a real ledger.

The model is the stateful test of the core (``tests/voting/test_stateful.py``): the same
rules draw the same random meetings, but every command also goes through
:meth:`api.ledger.Ledger.submit` on SQLite. The shell must agree with the core at every
step: the same events for an accepted command, the same kind of refusal for a refused
one, and then nothing changed in the store, the tree or the state; the store holds
exactly the log's canonical entries; the published checkpoints are exactly those the
policy asks for (a command reaching a multiple of the cadence, or closing a ballot, an
election, a petition or a meeting); and a ledger opened afresh on the store at the end has
the same state.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.stateful import invariant

from api.ledger import Ledger
from audit.canonical import canonical
from audit.checkpoint import parse_checkpoint
from audit.note import parse_note
from tallying.errors import TellersError
from tests.voting.test_stateful import Meetings
from voting import commands as c
from voting.codec import to_entry
from voting.decider import decide, replay
from voting.state import BallotMethod

pytestmark = [pytest.mark.api, pytest.mark.slow]

ORIGIN = "test.tellers.invalid/stateful"
EVERY = 7  # a short cadence, so that random runs cross it
CLOSES = {"ballot_closed", "election_closed", "petition_closed", "meeting_closed"}


class LedgerMeetings(Meetings):
    """Random proceedings of one body, decided by the core and submitted to a ledger."""

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="tellers-stateful-"))
        self.ledger = Ledger.open(self.directory, origin=ORIGIN, checkpoint_every=EVERY)
        self.published: list[int] = []  # the sizes the policy publishes a checkpoint at

    def fingerprint(self) -> tuple[object, ...]:
        ledger = self.ledger
        return (ledger.state, ledger.store.all_entries(), tuple(ledger.checkpoints()),
                ledger.log.size, ledger.log.root())

    def issue(self, command_type: type[c.Command], by: str, **fields: Any) -> bool:
        self.tick += 1
        command = command_type(at=f"2025-03-12T10:00:00.{self.tick:06d}Z", by=by, **fields)
        expected = command
        if isinstance(command, c.CloseBallot) and not command.papers:
            ballot = self.state.ballots.get(command.ballot)
            if ballot is not None and ballot.method is BallotMethod.SECRET:
                # the ledger brings out the papers it holds sealed, as a shell does
                expected = replace(command, papers=self.ledger.store.papers(command.ballot))
        before = self.state
        try:
            events = decide(before, expected)
        except TellersError as refusal:
            unchanged = self.fingerprint()
            with pytest.raises(type(refusal)):
                self.ledger.submit(command)
            assert self.fingerprint() == unchanged, "a refused command changed the ledger"
            self.refused += 1
            return False
        submitted = self.ledger.submit(command)
        assert submitted.events == tuple(events)
        assert submitted.first_index == len(self.log)
        self.state = replay(events, before)
        first = len(self.log)
        self.log.extend(events)
        if events and (len(self.log) // EVERY > first // EVERY
                       or any(event.TYPE in CLOSES for event in events)):
            self.published.append(len(self.log))
        return True

    @invariant()
    def the_ledger_is_the_model(self) -> None:
        ledger = self.ledger
        assert ledger.state == self.state
        stored = ledger.store.all_entries()
        assert [data for _, data, _ in stored] == [
            canonical(to_entry(seq, event)) for seq, event in enumerate(self.log)  # type: ignore[arg-type]
        ]
        assert ledger.log.size == len(stored)
        assert [parse_checkpoint(parse_note(note).text).size
                for note in ledger.checkpoints()] == self.published

    def teardown(self) -> None:
        try:
            size, state = self.ledger.log.size, self.ledger.state
            self.ledger.close()
            again = Ledger.open(self.directory, origin=ORIGIN)
            assert (again.log.size, again.state) == (size, state)
            again.close()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


LedgerMeetings.TestCase.settings = settings(max_examples=25, stateful_step_count=40,
                                            deadline=None)
TestLedgerMeetings = LedgerMeetings.TestCase

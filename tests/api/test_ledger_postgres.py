"""The ledger on a real PostgreSQL server, started by the tests from the local binaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.demo_meeting import commands
from api.ledger import Ledger
from audit.canonical import parse
from tests.api.races import one_vote_wins
from tests.api.workers import every_vote_in_one_tree
from tests.postgres import database_name, fresh_database
from voting import commands as c
from voting.codec import from_entry
from voting.decider import replay
from voting.errors import BallotClosed

pytestmark = pytest.mark.postgres

ORIGIN = "test.tellers.invalid/postgres"
AT = "2026-01-15T18:00:00Z"


@pytest.fixture
def database(postgres_url: str, request: pytest.FixtureRequest) -> str:
    return fresh_database(postgres_url, database_name("t_", request))


def open_ledger(path: Path, url: str) -> Ledger:
    return Ledger.open(path, origin=ORIGIN, database_url=url)


def test_the_demo_meeting_on_postgres_replays_and_reopens(tmp_path: Path, database: str) -> None:
    ledger = open_ledger(tmp_path, database)
    assert ledger.store.engine.dialect.name == "postgresql"
    for command in commands():
        ledger.submit(command)
    stored = ledger.store.all_entries()
    assert [seq for seq, _, _ in stored] == list(range(95))
    events = [from_entry(parse(data))[1] for _, data, _ in stored]
    assert replay(events) == ledger.state
    state, root = ledger.state, ledger.log.root()
    # A refused command leaves the store, the state and the tree as they were.
    with pytest.raises(BallotClosed):
        ledger.submit(c.CastVote(AT, "m03", ballot="b2", choice="for"))
    assert ledger.store.all_entries() == stored
    ledger.close()
    again = open_ledger(tmp_path, database)
    assert again.state == state
    assert again.log.root() == root
    again.close()


def test_a_second_writer_catches_up_and_leaves_no_gap_or_duplicate(tmp_path: Path,
                                                                   database: str) -> None:
    """INV-DENSE: two ledgers on one database; the one that did not see the other's write
    catches up inside its own locked transaction, decides on the state it finds there (a
    command the other's entry makes valid is accepted), and nothing is lost or doubled."""
    first = open_ledger(tmp_path / "a", database)
    first.submit(c.FoundBody(AT, "s", name="Branch"))
    stale = open_ledger(tmp_path / "b", database)
    first.submit(c.AdmitMember(AT, "s", member="s", name="Sam", roles=("secretary",)))
    done = stale.submit(c.AdmitMember(AT, "s", member="t", name="Tam"))
    assert done.first_index == 2
    assert set(stale.state.members) == {"s", "t"}
    assert [seq for seq, _, _ in first.store.all_entries()] == [0, 1, 2]
    assert first.refresh() == 1 and first.state == stale.state
    assert first.log.root() == stale.log.root()
    first.close()
    stale.close()


def test_racing_writers_on_postgres_one_vote_wins_nothing_lost(tmp_path: Path,
                                                               database: str) -> None:
    """docs/architecture.md A1: the same race on one PostgreSQL database, where the body's
    advisory lock serialises the writers; the losers are refused as having voted already."""
    one_vote_wins(tmp_path, lambda path: open_ledger(path, database))


def test_sixteen_processes_cast_sixteen_votes_at_once_on_postgres(tmp_path: Path,
                                                                   database: str) -> None:
    """Each of 16 processes opens its own ledger on one PostgreSQL store and casts a different
    member's vote at once: all are accepted and receipted, one dense log, one tree, and every
    checkpoint of it (tests/api/workers.py)."""
    every_vote_in_one_tree(lambda path: open_ledger(path, database), tmp_path)

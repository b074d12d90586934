"""The ledger fills in an election's lot seed: the log's root as nominations closed."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from api.demo_meeting import commands
from api.ledger import Ledger
from voting import commands as c
from voting import events as ev
from voting.errors import DomainError

pytestmark = pytest.mark.unit

ORIGIN = "test.tellers.invalid/seed"


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, c.CloseElection]:
    """The demo meeting held through a ledger, stopped before the election's close."""
    path = tmp_path_factory.mktemp("seed")
    ledger = Ledger.open(path, origin=ORIGIN)
    for command in commands():
        if isinstance(command, c.CloseElection):
            ledger.close()
            return path, command
        ledger.submit(command)
    raise AssertionError("the demo holds no election")


@pytest.fixture
def up_to_the_close(held: tuple[Path, c.CloseElection], tmp_path: Path
                    ) -> tuple[Ledger, c.CloseElection]:
    path, close = held
    copy = Path(shutil.copytree(path, tmp_path / "instance"))
    return Ledger.open(copy, origin=ORIGIN), close


def nominations_closed_at(ledger: Ledger) -> int:
    return next(i for i, e in enumerate(ledger.events()) if isinstance(e, ev.NominationsClosed))


def test_a_close_without_a_seed_gets_the_root_as_nominations_closed(
    up_to_the_close: tuple[Ledger, c.CloseElection],
) -> None:
    ledger, close = up_to_the_close
    assert close.seed == ""
    size = nominations_closed_at(ledger) + 1
    assert size < ledger.log.size  # votes came after: the root is not today's
    submitted = ledger.submit(close)
    closed = submitted.events[0]
    assert isinstance(closed, ev.ElectionClosed)
    assert closed.seed == ledger.log.root(size).hex() != ledger.log.root().hex()
    assert closed.lots == 1  # the demo's tie is still decided by lot


def test_a_close_with_another_seed_is_refused_and_changes_nothing(
    up_to_the_close: tuple[Ledger, c.CloseElection],
) -> None:
    ledger, close = up_to_the_close
    size = ledger.log.size
    with pytest.raises(DomainError, match="root hash as its nominations closed"):
        ledger.submit(replace(close, seed="00" * 32))
    assert ledger.log.size == size
    right = ledger.log.root(nominations_closed_at(ledger) + 1).hex()
    assert ledger.submit(replace(close, seed=right)).events[0].seed == right  # type: ignore[attr-defined]


def test_a_reopened_ledger_still_knows_where_nominations_closed(
    held: tuple[Path, c.CloseElection], tmp_path: Path
) -> None:
    """The ledger finds where nominations closed again as it replays its stored log."""
    path, close = held
    reopened = Ledger.open(Path(shutil.copytree(path, tmp_path / "instance")), origin=ORIGIN)
    size = nominations_closed_at(reopened) + 1
    closed = reopened.submit(close).events[0]
    assert closed.seed == reopened.log.root(size).hex()  # type: ignore[attr-defined]

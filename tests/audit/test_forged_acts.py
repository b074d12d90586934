"""A hostile operator rewrites what the state decides, and re-signs: C-REPLAY refuses it.

The operator holds the log key and the database. Each test here runs the demo
meeting (``api.demo_meeting``) through a server the operator changed: the
domain's own derivation is patched to write the roll, the threshold or the text
the operator wants, the server's replay checks are switched off, and the whole
log is then hashed into a fresh tree, signed with the log's own key and
cosigned (:func:`tests.audit.bundles.make_bundle`). Every other check passes;
the verifier's replay recomputes the field from the state and names it.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from api import demo_meeting
from audit.bundle import read_bundle
from audit.canonical import canonical
from audit.merkle import Frontier, leaf_hash
from audit.report import Check
from audit.verify import verify
from tests.audit.bundles import LOG_KEY, WITNESSES, make_bundle, read_entries, resign
from tests.audit.bundles import write_entries as rewrite
from voting import ballot, decider, meeting
from voting import commands as c
from voting import events as ev
from voting.codec import to_entry
from voting.decider import execute
from voting.seal import mark_key
from voting.state import BodyState

pytestmark = pytest.mark.unit

OPPONENTS = ("m10", "m11", "m12", "m13", "m14")  # against the amendment on b1


def repeatable() -> Callable[[int], bytes]:
    """The same "random" bytes on every run, so the honest and the forged logs match."""
    source = random.Random(2025)  # not for secrecy: a fixed stand-in for the shell's draws
    return lambda n: source.randbytes(n)


def run_meeting(
    keep: Callable[[c.Command], bool] = lambda command: True,
    extra: Callable[[c.Command], Iterator[c.Command]] = lambda command: iter(()),
    seed: Callable[[str], str] | None = None,
) -> list[ev.Event]:
    """The demo meeting as a server would log it: ``keep`` drops commands, ``extra`` adds
    some after a command, ``seed`` turns the honest lot seed into the one logged."""
    state, log = BodyState(), []
    frontier = Frontier()
    sealed: list[tuple[str, tuple[str, ...]]] = []
    seeds: dict[str, str] = {}
    drawn = repeatable()
    ballot_secrets: dict[str, str] = {}

    def issue(command: c.Command) -> None:
        nonlocal state
        state, events = execute(state, command)
        for event in events:
            frontier.append(leaf_hash(canonical(to_entry(len(log), event))))  # type: ignore[arg-type]
            log.append(event)
            if isinstance(event, ev.NominationsClosed):
                seeds[event.election] = frontier.root().hex()

    for command in demo_meeting.commands():
        if not keep(command):
            continue
        if isinstance(command, c.OpenNominations) and command.secret:
            ballot_secrets[command.election] = drawn(32).hex()
        if isinstance(command, c.CastRanking):
            command = replace(command, tracker=drawn(32).hex(),
                              mark_key=mark_key(ballot_secrets[command.election], command.by))
            sealed.append((command.tracker, command.ranking))
        if isinstance(command, c.CloseElection):
            honest = seeds[command.election]
            command = replace(command, papers=tuple(sealed),
                              ballot_secret=ballot_secrets[command.election],
                              seed=seed(honest) if seed else honest)
        issue(command)
        for more in extra(command):
            issue(more)
    return log


def forged_bundle(tmp_path: Path, events: list[ev.Event]) -> Path:
    return make_bundle(tmp_path / "forged", events)


def refusal(directory: Path) -> tuple[Check, int | None, str]:
    report = verify(read_bundle(directory), key=LOG_KEY.vkey(),
                    witnesses=[w.vkey() for w in WITNESSES])
    assert report.failure is not None, "the forgery verified"
    return report.failure.check, report.failure.entry, report.failure.detail


def index_of(events: list[ev.Event], kind: type[ev.Event], **fields: Any) -> int:
    return next(i for i, e in enumerate(events)
                if isinstance(e, kind) and all(getattr(e, k) == v for k, v in fields.items()))


@contextmanager
def operator_server() -> Iterator[pytest.MonkeyPatch]:
    """The operator's own server, whose replay takes every derived field as written (the
    checks switched off); patches made in it are undone before anyone verifies."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(decider, "DERIVATIONS", {})
        yield patch


def test_the_honest_meeting_verifies(tmp_path: Path) -> None:
    """The control: the same driver without a forgery gives a bundle that verifies."""
    events = run_meeting()
    assert events == demo_meeting.run(repeatable())[1]
    report = verify(read_bundle(make_bundle(tmp_path / "b", events)), key=LOG_KEY.vkey(),
                    witnesses=[w.vkey() for w in WITNESSES])
    assert report.ok, report.failure


def test_opponents_left_off_the_roll_while_present(tmp_path: Path) -> None:
    honest_roll = ballot._roll

    def roll(state: BodyState, at: Any, *, card: bool) -> tuple[tuple[str, str, int], ...]:
        entries = honest_roll(state, at, card=card)
        if state.motions["slate"].carried_amendments:  # b2 is left alone
            return entries
        return tuple(r for r in entries if r[1] not in OPPONENTS)

    with operator_server() as server:
        server.setattr(ballot, "_roll", roll)
        events = run_meeting(keep=lambda command: not (
            isinstance(command, c.CastVote) and command.ballot == "b1"
            and command.by in OPPONENTS))
    opened = index_of(events, ev.BallotOpened, ballot="b1")
    assert all(r[1] not in OPPONENTS for r in events[opened].roll)  # type: ignore[attr-defined]
    check, entry, detail = refusal(forged_bundle(tmp_path, events))
    assert (check, entry) == (Check.REPLAY, opened)
    assert detail == "ballot_opened: ballot_opened.roll is not the roll the attendance gives"


def test_a_proxy_vote_where_proxies_are_not_allowed_and_none_appointed(
    tmp_path: Path,
) -> None:
    """m15 is absent during b1; the operator has m09 vote 'against' for them as a proxy."""
    honest_roll = ballot._roll

    def roll(state: BodyState, at: Any, *, card: bool) -> tuple[tuple[str, str, int], ...]:
        entries = honest_roll(state, at, card=card)
        return entries if "m15" in at.present else (*entries, ("m09", "m15", 1))

    def proxy_vote(command: c.Command) -> Iterator[c.Command]:
        if isinstance(command, c.CastVote) and command.ballot == "b1" and command.by == "m09":
            yield c.CastVote(command.at, "m09", ballot="b1", choice="against",
                             on_behalf_of="m15")

    with operator_server() as server:
        server.setattr(ballot, "_roll", roll)
        events = run_meeting(extra=proxy_vote)
    assert any(isinstance(e, ev.VoteCast) and e.member == "m15" and e.voter == "m09"
               for e in events)
    opened = index_of(events, ev.BallotOpened, ballot="b1")
    check, entry, detail = refusal(forged_bundle(tmp_path, events))
    assert (check, entry) == (Check.REPLAY, opened)
    assert "ballot_opened.roll is not the roll the attendance gives" in detail


def test_a_forged_proxy_appointment_where_proxies_are_not_allowed(
    tmp_path: Path,
) -> None:
    """Logging the appointment too does not help: the standing orders allow no proxies."""
    def appoint(command: c.Command) -> Iterator[c.Command]:
        if isinstance(command, c.StartBusiness):
            yield c.AppointProxy(command.at, "m02", meeting="2025-03", giver="m15",
                                 holder="m09")

    with operator_server() as server:
        server.setattr(meeting, "_require_proxy_allowed", lambda *args: None)
        events = run_meeting(extra=appoint)
    appointed = index_of(events, ev.ProxyAppointed)
    assert any(r == ("m09", "m15", 1)
               for r in events[index_of(events, ev.BallotOpened, ballot="b1")].roll)  # type: ignore[attr-defined]
    check, entry, detail = refusal(forged_bundle(tmp_path, events))
    assert (check, entry) == (Check.REPLAY, appointed)
    assert "do not allow proxies" in detail


def test_a_threshold_raised_so_the_carried_motion_reads_as_lost(
    tmp_path: Path,
) -> None:
    honest_question = ballot._question

    def question(state: BodyState, subject: str) -> Any:
        put = honest_question(state, subject)
        return (*put[:5], "two_thirds_of_votes_cast") if subject == "slate" else put

    with operator_server() as server:
        server.setattr(ballot, "_question", question)
        events = run_meeting()
    closed = events[index_of(events, ev.BallotClosed, ballot="b2")]
    assert (closed.for_votes, closed.against, closed.outcome) == (9, 5, "lost")  # type: ignore[attr-defined]
    opened = index_of(events, ev.BallotOpened, ballot="b2")
    check, entry, detail = refusal(forged_bundle(tmp_path, events))
    assert (check, entry) == (Check.REPLAY, opened)
    assert detail == ("ballot_opened: ballot_opened.threshold is not the threshold of its "
                      "subject (its own rule, or the standing orders')")


def test_a_text_other_than_the_motion_as_amended_is_put(
    tmp_path: Path,
) -> None:
    """The motion is put as moved (with the conditions the amendment left out)."""
    honest_question = ballot._question

    def question(state: BodyState, subject: str) -> Any:
        put = honest_question(state, subject)
        if subject != "slate":
            return put
        return (*put[:3], state.motions["slate"].original.plain(), *put[4:])

    with operator_server() as server:
        server.setattr(ballot, "_question", question)
        events = run_meeting()
    opened = index_of(events, ev.BallotOpened, ballot="b2")
    assert "three conditions" in events[opened].text  # type: ignore[attr-defined]
    check, entry, detail = refusal(forged_bundle(tmp_path, events))
    assert (check, entry) == (Check.REPLAY, opened)
    assert "ballot_opened.text is not the text of its subject as it stands" in detail


def test_a_lot_seed_chosen_by_the_operator(tmp_path: Path) -> None:
    """The operator tries seeds until one suits: the count is right for that seed, and the
    domain accepts it, but the seed is not the log's root as nominations closed."""
    chosen = hashlib.sha256(b"a seed the operator liked").hexdigest()
    events = run_meeting(seed=lambda honest: chosen)
    closed = index_of(events, ev.ElectionClosed)
    assert events[closed].seed == chosen and events[closed].lots == 1  # type: ignore[attr-defined]
    check, entry, detail = refusal(forged_bundle(tmp_path, events))
    assert (check, entry) == (Check.REPLAY, closed)
    nominations = index_of(events, ev.NominationsClosed)
    assert detail.startswith("election_closed: election_closed.seed is not the log's root as "
                             f"nominations closed: the root of the first {nominations + 1} "
                             f"entries (to nominations_closed, entry {nominations}) is ")


def test_a_log_cut_before_the_consequences_of_a_vote(tmp_path: Path) -> None:
    """Signed up to the close of the amendment's vote, without the text it amends: the
    rules give motion_text_amended next, so the log may not end there."""
    directory = make_bundle(tmp_path / "b")
    entries = read_entries(directory)
    closed = next(i for i, e in enumerate(entries) if b'"type":"ballot_closed"' in e)
    assert b'"type":"motion_text_amended"' in entries[closed + 1]
    rewrite(directory, entries[:closed + 1])
    resign(directory)
    check, entry, detail = refusal(directory)
    assert (check, entry) == (Check.REPLAY, closed)
    assert detail.startswith("the log ends before motion_text_amended")


def test_a_consequence_left_out_of_the_middle_of_the_log(tmp_path: Path) -> None:
    directory = make_bundle(tmp_path / "b")
    entries = read_entries(directory)
    amended = next(i for i, e in enumerate(entries) if b'"type":"motion_text_amended"' in e)
    events = list(demo_meeting.run(repeatable())[1])
    del events[amended]
    check, entry, detail = refusal(make_bundle(tmp_path / "forged", events))
    assert (check, entry) == (Check.REPLAY, amended)
    assert "where the rules give motion_text_amended next" in detail


def test_a_procedural_motion_seconded_by_its_own_mover(tmp_path: Path) -> None:
    """The operator logs a procedural motion as moved without a seconder, then has its mover
    second it (no member seconded it), and re-signs: C-REPLAY refuses the seconding."""
    events = run_meeting()
    debated = index_of(events, ev.DebateOpened)
    state = BodyState()
    for event in events[:debated + 1]:
        state = decider.evolve(state, event)
    motion = events[debated].motion  # type: ignore[attr-defined]
    mover = next(iter(sorted(state.meeting(state.motion(motion).meeting).present)))
    at = events[debated].at
    moved = ev.ProceduralMoved(at, "p-forged", state.motion(motion).meeting, "refer_back",
                               motion, mover, "", False)
    forged = [*events[:debated + 1], moved, ev.ProceduralSeconded(at, "p-forged", mover),
              *events[debated + 1:]]
    check, entry, detail = refusal(forged_bundle(tmp_path / "mover", forged))
    assert (check, entry) == (Check.REPLAY, debated + 2)
    assert "procedural_seconded" in detail and "mover" in detail
    # the control: seconded by another member present, that entry replays (what refuses
    # this log comes later: a procedural motion left before the meeting, never put)
    other = sorted(state.meeting(state.motion(motion).meeting).present)[1]
    control = [*forged[:debated + 2], ev.ProceduralSeconded(at, "p-forged", other),
               *forged[debated + 3:]]
    _, later, _ = refusal(forged_bundle(tmp_path / "other", control))
    assert later is not None and later > debated + 2

"""One import surface: ``from voting import ...`` runs a meeting, and reads its results.

Commands take the enums that exist as well as their string values, with identical events;
a ballot's and an election's result stays readable from the state after the close.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest

import voting
from tallying.errors import LotNeeded
from voting import (
    AdmitMember,
    BallotMethod,
    BodyState,
    CastRanking,
    CastVote,
    CloseBallot,
    CloseElection,
    CloseNominations,
    Command,
    ConveneMeeting,
    Decision,
    DomainError,
    EditKind,
    ElectionResult,
    FoundBody,
    MoveAmendment,
    MoveMotion,
    MoveProcedural,
    Nominate,
    NotEntitled,
    OpenBallot,
    OpenDebate,
    OpenNominations,
    OutOfOrder,
    ProceduralKind,
    Publication,
    RecordAttendance,
    Role,
    SecondAmendment,
    SecondMotion,
    StartBusiness,
    TakeAmendment,
    TellersError,
    events,
    execute,
    replay,
    to_entry,
)
from voting import commands as command_module
from voting import errors as error_module

AT = "2026-05-01T19:00:00Z"
MEMBERS = ("sec", "chair", "ana", "bo", "cy", "dee")


def test_every_public_name_is_there_and_documented() -> None:
    assert sorted(voting.__all__) == voting.__all__
    for name in voting.__all__:
        value = getattr(voting, name)
        assert inspect.getdoc(value), f"voting.{name} has no docstring"
    # Every command and every refusal of voting.errors is one import away.
    assert set(command_module.__all__) <= set(voting.__all__)
    assert set(error_module.__all__) <= set(voting.__all__)
    for name in error_module.__all__:
        refusal = getattr(voting, name)
        assert issubclass(refusal, DomainError) and issubclass(refusal, TellersError)
        assert issubclass(refusal, ValueError)  # and the builtin it is
    # The events are reached through their module (one shares its name with a refusal).
    assert voting.BallotClosed is error_module.BallotClosed
    assert issubclass(events.BallotClosed, voting.Event)


def opening(enums: bool = False) -> Iterator[Command]:
    """Found a body of six, convene, all present, and a motion in debate; with ``enums``,
    the roles and the publication policy given as enum members."""
    role: Any = Role if enums else str
    yield FoundBody(AT, "sec", name="Riverside Tenants")
    for who in MEMBERS:
        roles = {"sec": ("secretary", "member"), "chair": ("chair", "member")}.get(who,
                                                                                   ("member",))
        yield AdmitMember(AT, "sec", member=who, name=who.title(),
                          roles=tuple(role(r) for r in roles))
    yield ConveneMeeting(AT, "sec", meeting="may", title="May meeting", chair="chair",
                         secretary="sec", quorum_number=3,
                         publication=Publication.OPEN if enums else "open")
    for who in MEMBERS:
        yield RecordAttendance(AT, "sec", meeting="may", member=who)
    yield StartBusiness(AT, "chair", meeting="may")
    yield MoveMotion(AT, "ana", motion="rent", meeting="may", title="Rent",
                     text="That we ballot all members on a rent strike from March.")
    yield SecondMotion(AT, "bo", motion="rent")
    yield OpenDebate(AT, "chair", motion="rent")


def run(commands: Iterator[Command] | list[Command]) -> tuple[BodyState, list[Any]]:
    state = BodyState()
    log: list[Any] = []
    for command in commands:
        state, new = execute(state, command)
        log.extend(new)
    return state, log


def with_kinds(amendment_kind: object, procedural_kind: object, method: object) -> list[Command]:
    return [
        *opening(enums=type(method) is not str),
        MoveAmendment(AT, "cy", amendment="a1", motion="rent", kind=amendment_kind,  # type: ignore[arg-type]
                      leave_out="March.", insert="April."),
        SecondAmendment(AT, "dee", amendment="a1"),
        TakeAmendment(AT, "chair", amendment="a1"),
        MoveProcedural(AT, "bo", procedural="p1", kind=procedural_kind, target="a1",  # type: ignore[arg-type]
                       seconder="cy"),
        OpenBallot(AT, "chair", ballot="v1", subject="p1", method=method),  # type: ignore[arg-type]
    ]


def test_commands_take_the_enums_or_their_values_with_identical_events() -> None:
    by_value, value_log = run(with_kinds("leave_out_and_insert", "that_the_question_be_now_put",
                                         "recorded"))
    by_enum, enum_log = run(with_kinds(EditKind.LEAVE_OUT_AND_INSERT, ProceduralKind.CLOSURE,
                                       BallotMethod.RECORDED))
    assert by_enum == by_value
    assert [to_entry(i, e) for i, e in enumerate(enum_log)] == \
           [to_entry(i, e) for i, e in enumerate(value_log)]
    assert repr(enum_log) == repr(value_log)  # the events hold plain strings, not enum members
    admitted = next(e for e in enum_log if isinstance(e, events.MemberAdmitted))
    assert all(type(role) is str for role in admitted.roles)
    opened = next(e for e in enum_log if isinstance(e, events.BallotOpened))
    assert type(opened.method) is str
    amended = next(e for e in enum_log if isinstance(e, events.ProceduralMoved))
    assert type(amended.kind) is str


def test_a_bad_enum_value_is_still_refused() -> None:
    with pytest.raises(DomainError):
        run(with_kinds(EditKind.LEAVE_OUT_AND_INSERT, ProceduralKind.CLOSURE, "by_acclamation"))


def test_a_ballots_result_is_read_from_the_state_after_the_close() -> None:
    state, log = run([
        *opening(),
        OpenBallot(AT, "chair", ballot="v1", subject="rent", method=BallotMethod.RECORDED),
        CastVote(AT, "ana", ballot="v1", choice="for"),
        CastVote(AT, "bo", ballot="v1", choice="for"),
        CastVote(AT, "cy", ballot="v1", choice="against"),
        CastVote(AT, "dee", ballot="v1", choice="against"),
        CastVote(AT, "sec", ballot="v1", choice="abstain"),
    ])
    assert state.ballots["v1"].result is None  # not before the close
    with pytest.raises(DomainError):  # equal votes: the chair must give the casting vote
        execute(state, CloseBallot(AT, "chair", ballot="v1"))
    state, closing = execute(state, CloseBallot(AT, "chair", ballot="v1", casting_vote="against"))
    result = state.ballots["v1"].result
    assert isinstance(result, Decision)
    (closed,) = (e for e in closing if isinstance(e, events.BallotClosed))
    assert (result.tally.for_votes, result.tally.against, result.tally.abstain) == (2, 2, 1)
    assert result.tied and str(result.casting_vote) == "against" == closed.casting_vote
    assert str(result.outcome) == "lost" == closed.outcome == state.ballots["v1"].outcome
    assert str(result.threshold) == state.ballots["v1"].threshold
    assert result.explanation == closed.explanation and "casting vote" in result.explanation
    assert replay([*log, *closing]) == state  # the result is folded from the log alone


def test_an_elections_result_is_read_from_the_state_after_the_close() -> None:
    state, _ = run([
        *opening(),
        OpenNominations(AT, "sec", election="e1", title="Delegate", seats=1, method="irv",
                        meeting="may", secret=False),
        Nominate(AT, "ana", election="e1", candidate="bo", seconder="cy"),
        Nominate(AT, "bo", election="e1", candidate="cy", seconder="dee"),
        Nominate(AT, "cy", election="e1", candidate="dee", seconder="ana"),
        CloseNominations(AT, "sec", election="e1"),
        CastRanking(AT, "ana", election="e1", ranking=("bo", "cy")),
        CastRanking(AT, "bo", election="e1", ranking=("cy", "bo")),
        CastRanking(AT, "cy", election="e1", ranking=("dee", "bo")),
    ])
    # Three ways equal: a lot is needed and no seed was given; the refusal says so.
    with pytest.raises(OutOfOrder) as refused:
        execute(state, CloseElection(AT, "sec", election="e1"))
    assert isinstance(refused.value.__cause__, LotNeeded)
    assert "Bo, Cy and Dee are tied" in str(refused.value)  # named, not numbered
    assert "public seed" in str(refused.value)
    assert state.elections["e1"].result is None
    state, _ = execute(state, CloseElection(AT, "sec", election="e1", seed="5eed"))
    result = state.elections["e1"].result
    assert isinstance(result, ElectionResult)
    assert result.rule and result.stages and len(result.lots) >= 1
    names = tuple(state.elections["e1"].candidates[i] for i in result.elected)
    assert names == state.elections["e1"].elected


def test_a_refused_command_changes_nothing_through_the_public_names() -> None:
    state, _ = run(opening())
    with pytest.raises(NotEntitled):
        execute(state, OpenBallot(AT, "ana", ballot="v1", subject="rent"))
    assert "v1" not in state.ballots

"""Persistent maps and sets: the state's large maps behave as dicts do, at O(log n) a change."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voting import AlreadyExists, DomainError, NotEntitled
from voting import commands as c
from voting import events as ev
from voting.decider import decide, execute, replay
from voting.errors import InvalidWeight
from voting.state import SMALL, BodyState, Persistent, PersistentSet, add, put, transient

AT = "2026-02-01T10:00:00Z"
keys = st.text(alphabet="abcdefghij", min_size=1, max_size=3)


@given(st.lists(st.tuples(keys, st.integers()), max_size=200))
def test_put_gives_what_a_dict_gives_in_the_same_order(sets: list[tuple[str, int]]) -> None:
    """Any run of puts, outside a fold, inside one, or both: the same items in the same order
    as a dict built by the same assignments, and no map seen before ever changes."""
    model: dict[str, int] = {}
    mapping: object = {}
    seen: list[tuple[object, dict[str, int]]] = []
    for i, (key, value) in enumerate(sets):
        if i % 3 == 0:
            with transient():
                mapping = put(mapping, key, value)  # type: ignore[arg-type]
        else:
            mapping = put(mapping, key, value)  # type: ignore[arg-type]
        model[key] = value
        assert list(mapping.items()) == list(model.items())  # type: ignore[attr-defined]
        assert mapping == model and model == mapping
        seen.append((mapping, dict(model)))
    for earlier, items in seen:
        if type(earlier) is Persistent:
            assert dict(earlier) == items and list(earlier) == list(items)


def test_a_large_map_becomes_persistent_and_the_old_one_stays() -> None:
    small = {f"k{i}": i for i in range(SMALL)}
    large = put(small, "new", -1)
    assert type(large) is Persistent
    assert len(small) == SMALL and "new" not in small
    larger = put(large, "k0", 99)
    assert large["k0"] == 0 and larger["k0"] == 99
    assert next(iter(larger)) == "k0" and list(larger)[-1] == "new"
    assert larger != large and larger == {**large, "k0": 99}


@given(st.lists(keys, max_size=120))
def test_add_gives_what_a_frozenset_gives(members: list[str]) -> None:
    model: frozenset[str] = frozenset()
    current: object = frozenset()
    for member in members:
        before = current
        current = add(current, member)  # type: ignore[arg-type]
        model = model | {member}
        assert current == model and model == current
        assert len(current) == len(model)  # type: ignore[arg-type]
        assert before != current or member in before  # type: ignore[operator]
    if len(model) > SMALL:
        assert type(current) is PersistentSet


def test_a_body_past_the_small_size_replays_to_the_state_its_commands_built() -> None:
    """Commands (persistent maps) and a replay of their log (plain dicts) agree, member for
    member and in the same order, and a ballot's roll and votes come out the same."""
    state, log = BodyState(), []

    def do(command: c.Command) -> None:
        nonlocal state
        state, events = execute(state, command)
        log.extend(events)

    do(c.FoundBody(AT, "sec", name="Branch"))
    do(c.AdmitMember(AT, "sec", member="sec", name="Sec", roles=("secretary", "chair")))
    members = [f"m{i:03}" for i in range(3 * SMALL)]
    for m in reversed(members):  # admitted out of sorted order: the order must be kept
        do(c.AdmitMember(AT, "sec", member=m, name=f"Member {m}"))
    assert type(state.members) is Persistent
    do(c.OpenPetition(AT, members[0], petition="p", text="That we meet.", fraction="1/2"))
    for m in members:
        do(c.SignPetition(AT, m, petition="p"))
    do(c.ConveneMeeting(AT, "sec", meeting="agm", title="AGM", chair="sec", secretary="sec",
                      quorum_number=3))
    for m in members:
        do(c.RecordAttendance(AT, "sec", meeting="agm", member=m))
    do(c.StartBusiness(AT, "sec", meeting="agm"))
    do(c.MoveMotion(AT, members[0], motion="x", meeting="agm", title="X", text="That we agree."))
    do(c.SecondMotion(AT, members[1], motion="x"))
    do(c.OpenDebate(AT, "sec", motion="x"))
    do(c.OpenBallot(AT, "sec", ballot="b", subject="x", method="recorded"))
    for i, m in enumerate(members):
        do(c.CastVote(AT, m, ballot="b", choice=("for", "against", "abstain", "for")[i % 4]))
    do(c.CloseBallot(AT, "sec", ballot="b"))
    replayed = replay(log)
    assert replayed == state
    assert list(replayed.members) == list(state.members) == ["sec", *reversed(members)]
    ballot = state.ballot("b")
    assert list(ballot.votes) == list(replayed.ballot("b").votes) == members


def founded() -> BodyState:
    state, _ = execute(BodyState(), c.FoundBody(AT, "sec", name="Branch"))
    state, _ = execute(state, c.AdmitMember(AT, "sec", member="sec", name="Sec",
                                            roles=("secretary", "member")))
    return state


def test_a_membership_list_is_admitted_in_one_command_each_member_an_entry() -> None:
    state = founded()
    rows = tuple((f"m{i}", f"Member {i}", 1 + i % 3, "north" if i % 2 else "south", ("member",))
                 for i in range(100))
    after, events = execute(state, c.AdmitMembers(AT, "sec", members=rows))
    assert len(events) == 100
    assert all(isinstance(e, ev.MemberAdmitted) for e in events)
    assert [e.member for e in events] == [r[0] for r in rows]  # type: ignore[attr-defined]
    one_by_one = state
    for member, name, weight, section, roles in rows:
        one_by_one, _ = execute(one_by_one, c.AdmitMember(
            AT, "sec", member=member, name=name, weight=weight, section=section, roles=roles))
    assert after == one_by_one
    assert replay(events, state) == after


@pytest.mark.parametrize(("rows", "error", "phrase"), [
    ((), DomainError, "at least one member"),
    ((("a", "A", 1, "", ("member",)), ("a", "A again", 1, "", ("member",))),
     AlreadyExists, "member 2 of the list: 'a' appears twice"),
    ((("a", "A", 1, "", ("member",)), ("sec", "S", 1, "", ("member",))),
     AlreadyExists, "member 2 of the list: 'sec' is already a member"),
    ((("a", "A", 0, "", ("member",)),), InvalidWeight, "member 1 of the list: .*at least 1"),
    ((("a", "", 1, "", ("member",)),), DomainError, "member 1 of the list: .*needs a name"),
    ((("a", "A", 1, "", ("king",)),), DomainError, "member 1 of the list: unknown role"),
    ((("a", "A", 1),), DomainError, "member 1 of the list: a row is"),
])
def test_a_bad_row_refuses_the_whole_list_and_names_the_row(
        rows: tuple, error: type[Exception], phrase: str) -> None:
    state = founded()
    with pytest.raises(error, match=phrase):
        decide(state, c.AdmitMembers(AT, "sec", members=rows))
    assert state == founded()


def test_only_an_officer_admits_a_list() -> None:
    state = founded()
    state, _ = execute(state, c.AdmitMember(AT, "sec", member="a", name="A"))
    with pytest.raises(NotEntitled, match="chair or secretary"):
        decide(state, c.AdmitMembers(AT, "a", members=(("b", "B", 1, "", ("member",)),)))

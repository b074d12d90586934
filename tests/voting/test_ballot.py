"""Ballots: show of hands, recorded, secret, card; revotes, proxies, ties, thresholds."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting import commands as c
from voting import events as ev
from voting.ballot import CHOICES
from voting.codec import to_json
from voting.decider import replay
from voting.errors import (
    AlreadyVoted,
    BallotClosed,
    DomainError,
    InvalidVote,
    NotEntitled,
    OutOfOrder,
)
from voting.lifecycle import MotionState
from voting.minutes import render_minutes
from voting.seal import mark, mark_key, seal

from .builders import CHAIR, MEETING, MOTION, SEC, Room, secret_of

pytestmark = pytest.mark.unit


def tracker(n: int) -> str:
    return f"{n:032x}"


def put(room: Room, method: str, ballot: str = "b1") -> ev.BallotOpened:
    (opened,) = room.do(c.OpenBallot, CHAIR, ballot=ballot, subject=MOTION, method=method)
    assert isinstance(opened, ev.BallotOpened)
    return opened


# -- show of hands --------------------------------------------------------------------


def test_show_of_hands_takes_the_tellers_counts() -> None:
    room = Room.founded().members(3).meeting().motion()
    opened = put(room, "show_of_hands")
    assert len(opened.roll) == 5 and room.state.motions[MOTION].state is MotionState.PUT
    error = room.refuse(OutOfOrder, c.CastVote, "m1", ballot="b1", choice="for")
    assert "tellers count" in str(error)
    (closed,) = room.do(c.CloseBallot, CHAIR, ballot="b1", counts=(3, 1, 1))
    counted = (closed.for_votes, closed.against, closed.abstain, closed.outcome)
    assert counted == (3, 1, 1, "carried")
    assert room.state.motions[MOTION].state is MotionState.CARRIED


def test_the_tellers_cannot_count_more_hands_than_the_roll() -> None:
    room = Room.founded().members(3).meeting().motion()
    put(room, "show_of_hands")
    error = room.refuse(InvalidVote, c.CloseBallot, CHAIR, ballot="b1", counts=(3, 2, 1))
    assert "only 5 may vote" in str(error)
    room.refuse(InvalidVote, c.CloseBallot, CHAIR, ballot="b1", counts=None)
    room.refuse(InvalidVote, c.CloseBallot, CHAIR, ballot="b1", counts=(1, -1, 0))


# -- recorded -------------------------------------------------------------------------


def test_recorded_votes_are_logged_by_name_and_counted() -> None:
    room = Room.founded().members(3).meeting().motion()
    put(room, "recorded")
    (vote,) = room.do(c.CastVote, "m1", ballot="b1", choice="for")
    assert vote == ev.VoteCast(vote.at, "b1", "m1", "m1", 1, 0, 0)
    room.do(c.CastVote, "m2", ballot="b1", choice="against")
    room.do(c.CastVote, "m3", ballot="b1", choice="for")
    room.do(c.CastVote, SEC, ballot="b1", choice="abstain")
    room.refuse(InvalidVote, c.CloseBallot, CHAIR, ballot="b1", counts=(9, 0, 0))
    (closed,) = room.do(c.CloseBallot, CHAIR, ballot="b1")
    assert (closed.for_votes, closed.against, closed.abstain) == (2, 1, 1)
    assert closed.explanation.startswith("Carried by 2 votes to 1")
    error = room.refuse(BallotClosed, c.CastVote, CHAIR, ballot="b1", choice="for")
    assert "has closed" in str(error)


@pytest.mark.parametrize("method", ["recorded", "secret", "card"])
def test_a_member_who_has_left_the_meeting_may_not_vote_until_they_return(method: str) -> None:
    """On the roll when the question was put, but gone when voting: the vote is refused."""
    room = Room.founded().members(3).meeting().motion()
    put(room, method)
    fields = {"tracker": tracker(2)} if method == "secret" else {}
    room.leave("m2")
    error = room.refuse(NotEntitled, c.CastVote, "m2", ballot="b1", choice="for", **fields)
    assert "has left the meeting" in str(error)
    room.arrive("m2")
    room.do(c.CastVote, "m2", ballot="b1", choice="for", **fields)
    assert room.replayed() == room.state


def test_a_proxy_holder_who_has_left_may_not_vote_the_proxy() -> None:
    room = Room.founded(proxies_allowed=True).members(3)
    room.meeting(present=(CHAIR, SEC, "m1", "m2")).motion()
    room.do(c.AppointProxy, SEC, meeting=MEETING, giver="m3", holder="m1")
    put(room, "recorded")
    room.leave("m1")
    error = room.refuse(NotEntitled, c.CastVote, "m1", ballot="b1", choice="for",
                        on_behalf_of="m3")  # fmt: skip
    assert "has left the meeting" in str(error)


def test_a_logged_vote_by_a_member_who_had_left_is_refused_on_replay() -> None:
    """A log that records a vote after its voter left does not replay (the verifier says so)."""
    room = Room.founded().members(3).meeting().motion()
    put(room, "recorded")
    room.leave("m2")
    forged = ev.VoteCast(room.at(), "b1", "m2", "m2", 1, 0, 0)
    room.log.append(forged)
    with pytest.raises(NotEntitled, match="has left the meeting"):
        room.replayed()


def test_no_revote_refuses_a_second_vote() -> None:
    room = Room.founded(revote="no_revote").members(2).meeting().motion()
    put(room, "recorded")
    room.do(c.CastVote, "m1", ballot="b1", choice="for")
    error = room.refuse(AlreadyVoted, c.CastVote, "m1", ballot="b1", choice="against")
    assert "already voted" in str(error)


def test_last_counts_replaces_the_earlier_vote() -> None:
    room = Room.founded(revote="last_counts").members(2).meeting().motion()
    opened = put(room, "recorded")
    assert opened.revote == "last_counts"
    room.do(c.CastVote, "m1", ballot="b1", choice="for")
    room.do(c.CastVote, "m1", ballot="b1", choice="against")
    (closed,) = room.do(c.CloseBallot, CHAIR, ballot="b1")
    assert (closed.for_votes, closed.against) == (0, 1)
    assert room.replayed() == room.state


def test_only_members_on_the_roll_vote() -> None:
    room = Room.founded().members(3).member("obs", roles=("observer",))
    room.meeting(present=(CHAIR, SEC, "m1", "m2", "obs")).motion()
    put(room, "recorded")
    absent = room.refuse(NotEntitled, c.CastVote, "m3", ballot="b1", choice="for")
    assert "not on the roll" in str(absent)
    observer = room.refuse(NotEntitled, c.CastVote, "obs", ballot="b1", choice="for")
    assert "not on the roll" in str(observer)
    stranger = room.refuse(NotEntitled, c.CastVote, "zed", ballot="b1", choice="for")
    assert "not a member" in str(stranger)
    room.arrive("m3")  # arriving after the question was put does not add to the roll
    room.refuse(NotEntitled, c.CastVote, "m3", ballot="b1", choice="for")


# -- proxies --------------------------------------------------------------------------


def test_a_proxy_holder_votes_for_the_absent_member_as_well_as_for_themself() -> None:
    room = Room.founded(proxies_allowed=True).members(3)
    room.meeting(present=(CHAIR, SEC, "m1", "m2")).motion()
    room.do(c.AppointProxy, SEC, meeting=MEETING, giver="m3", holder="m1")
    put(room, "recorded")
    (own,) = room.do(c.CastVote, "m1", ballot="b1", choice="for")
    (held,) = room.do(c.CastVote, "m1", ballot="b1", choice="against", on_behalf_of="m3")
    assert (held.voter, held.member, held.against) == ("m1", "m3", 1)
    assert own.member == "m1"
    error = room.refuse(NotEntitled, c.CastVote, "m2", ballot="b1", choice="for",
                        on_behalf_of="m3")  # fmt: skip
    assert "does not hold" in str(error)
    room.refuse(AlreadyVoted, c.CastVote, "m1", ballot="b1", choice="for", on_behalf_of="m3")
    (closed,) = room.do(c.CloseBallot, CHAIR, ballot="b1", casting_vote="against")
    assert (closed.for_votes, closed.against, closed.tied) == (1, 1, True)


# -- card votes -----------------------------------------------------------------------


def test_card_votes_carry_the_members_weight_and_may_be_split() -> None:
    room = Room.founded().members(2, weight=100).member("unite", weight=5000).meeting().motion()
    opened = put(room, "card")
    assert ("unite", "unite", 5000) in opened.roll and ("m1", "m1", 100) in opened.roll
    assert opened.members == 5000 + 200 + 2
    (split,) = room.do(c.CastVote, "unite", ballot="b1", split=(3000, 1500, 500))
    assert (split.for_votes, split.against, split.abstain) == (3000, 1500, 500)
    wrong = room.refuse(InvalidVote, c.CastVote, "m1", ballot="b1", split=(50, 49, 0))
    assert "add up to the card's weight, 100" in str(wrong)
    room.refuse(InvalidVote, c.CastVote, "m1", ballot="b1", split=(50, 50, 0), choice="for")
    room.refuse(InvalidVote, c.CastVote, "m1", ballot="b1", split=(150, -50, 0))
    room.do(c.CastVote, "m1", ballot="b1", choice="against")
    (closed,) = room.do(c.CloseBallot, CHAIR, ballot="b1")
    assert (closed.for_votes, closed.against, closed.abstain) == (3000, 1600, 500)


def test_only_a_card_vote_can_be_split() -> None:
    room = Room.founded().members(2).meeting().motion()
    put(room, "recorded")
    error = room.refuse(InvalidVote, c.CastVote, "m1", ballot="b1", split=(1, 0, 0))
    assert "only a card vote" in str(error)


# -- secret ballots -------------------------------------------------------------------


def test_a_secret_ballot_seals_votes_and_publishes_the_papers_sorted_by_tracker() -> None:
    room = Room.founded().members(3).meeting().motion()
    put(room, "secret")
    (sealed,) = room.do(c.CastVote, "m1", ballot="b1", choice="for", tracker=tracker(3))
    key = mark_key(secret_of("b1"), "m1")
    assert sealed == ev.SecretVoteCast(sealed.at, "b1", mark("b1", "m1", key),
                                       seal("b1", tracker(3), "for"))
    assert "m1" not in str(to_json(sealed))  # the entry names nobody
    room.do(c.CastVote, "m2", ballot="b1", choice="against", tracker=tracker(1))
    room.do(c.CastVote, "m3", ballot="b1", choice="for", tracker=tracker(2))
    again = room.refuse(AlreadyVoted, c.CastVote, "m3", ballot="b1", choice="for",
                        tracker=tracker(4))
    assert "already voted" in str(again)
    short = room.refuse(InvalidVote, c.CloseBallot, CHAIR, ballot="b1",
                        papers=((tracker(3), "for"), (tracker(1), "against")))  # fmt: skip
    assert "2 ballot papers for 3 sealed votes" in str(short)
    twice = ((tracker(3), "for"), (tracker(3), "for"), (tracker(1), "against"))
    same = room.refuse(InvalidVote, c.CloseBallot, CHAIR, ballot="b1", papers=twice)
    assert "same tracker" in str(same)
    changed = ((tracker(3), "against"), (tracker(1), "against"), (tracker(2), "for"))
    opens = room.refuse(InvalidVote, c.CloseBallot, CHAIR, ballot="b1", papers=changed)
    assert f"tracker {tracker(3)} opens no seal" in str(opens)
    papers = ((tracker(3), "for"), (tracker(1), "against"), (tracker(2), "for"))
    wrong = room.refuse(InvalidVote, c.CloseBallot, CHAIR, ballot="b1", papers=papers,
                        ballot_secret="ab" * 32)
    assert "not the secret they were cast with" in str(wrong)
    room.refuse(InvalidVote, c.CloseBallot, CHAIR, ballot="b1", papers=papers, ballot_secret="")
    (closed,) = room.do(c.CloseBallot, CHAIR, ballot="b1", papers=papers)
    assert closed.papers == tuple(sorted(papers))
    assert closed.voters == (("m1", "m1"), ("m2", "m2"), ("m3", "m3"))
    assert secret_of("b1") not in str(to_json(closed))
    assert (closed.for_votes, closed.against, closed.abstain) == (2, 1, 0)
    assert room.replayed() == room.state


def test_the_minutes_of_a_secret_ballot_name_who_voted_at_the_close_never_per_paper() -> None:
    room = Room.founded().members(3).meeting().motion()
    put(room, "secret")
    for n, (member, choice) in enumerate((("m1", "for"), ("m2", "against"), ("m3", "for"))):
        room.do(c.CastVote, member, ballot="b1", choice=choice, tracker=tracker(n + 1))
    room.do(c.CloseBallot, CHAIR, ballot="b1",
            papers=((tracker(1), "for"), (tracker(2), "against"), (tracker(3), "for")))
    minutes = render_minutes(room.state, room.log)
    assert minutes.count("  - A sealed vote was cast (secret ballot).") == 3
    assert "- 3 ballot papers published, sorted by tracker, each opening a seal" in minutes
    assert "- Voted (3): Member m1, Member m2, Member m3." in minutes


def test_a_sealed_proxy_vote_is_the_givers_mark_and_the_holders_entry_in_the_register() -> None:
    room = Room.founded("citrine", proxies_allowed=True).members(4)
    room.meeting(present=(CHAIR, "m1", "m2", "m3")).motion()
    room.do(c.AppointProxy, SEC, meeting=MEETING, giver="m4", holder="m3")
    put(room, "secret")
    room.do(c.CastVote, "m3", ballot="b1", choice="against", tracker=tracker(1),
            on_behalf_of="m4")
    room.do(c.CastVote, "m3", ballot="b1", choice="for", tracker=tracker(2))
    room.refuse(AlreadyVoted, c.CastVote, "m3", ballot="b1", choice="for", tracker=tracker(3),
                on_behalf_of="m4")
    (closed,) = room.do(c.CloseBallot, CHAIR, ballot="b1", casting_vote="for",
                        papers=((tracker(1), "against"), (tracker(2), "for")))
    assert closed.voters == (("m3", "m3"), ("m3", "m4"))
    assert room.replayed() == room.state


def test_a_seal_already_cast_on_the_ballot_is_refused() -> None:
    """Two papers with one tracker and one choice would have one seal: the second is refused
    (a shell that handed two voters one tracker), so every paper opens its own seal."""
    room = Room.founded().members(2).meeting().motion()
    put(room, "secret")
    room.do(c.CastVote, "m1", ballot="b1", choice="for", tracker=tracker(1))
    error = room.refuse(InvalidVote, c.CastVote, "m2", ballot="b1", choice="for",
                        tracker=tracker(1))
    assert "draw another tracker" in str(error)


@pytest.mark.parametrize("bad", ["", "ab" * 31, "AB" * 32, "gg" * 32])
def test_a_secret_vote_needs_a_well_formed_mark_key(bad: str) -> None:
    room = Room.founded().members(2).meeting().motion()
    put(room, "secret")
    error = room.refuse(InvalidVote, c.CastVote, "m1", ballot="b1", choice="for",
                        tracker=tracker(1), mark_key=bad)
    assert "mark key" in str(error)


def _sealed_room() -> tuple[Room, ev.BallotClosed]:
    """Three sealed votes, closed; the log without its close, and the honest close."""
    room = Room.founded().members(3).meeting().motion()
    put(room, "secret")
    choices = {"m1": "for", "m2": "against", "m3": "for"}
    for n, (member, choice) in enumerate(choices.items(), start=1):
        room.do(c.CastVote, member, ballot="b1", choice=choice, tracker=tracker(n))
    papers = tuple((tracker(n), choice) for n, choice in enumerate(choices.values(), start=1))
    (closed,) = room.do(c.CloseBallot, CHAIR, ballot="b1", papers=papers)
    assert isinstance(closed, ev.BallotClosed)
    room.log.pop()
    return room, closed


def _replay_refuses(room: Room, *events: ev.Event) -> str:
    with pytest.raises(DomainError) as refused:
        replay([*room.log, *events])
    return str(refused.value)


def test_replay_refuses_a_sealed_vote_the_ballot_cannot_hold() -> None:
    room, closed = _sealed_room()
    first = room.log[-3]
    assert isinstance(first, ev.SecretVoteCast)
    at = room.log[-1].at  # in time order after the last vote: only the paper is at fault
    assert "one member's mark" in _replay_refuses(
        room, ev.SecretVoteCast(at, "b1", first.mark, "cd" * 32))
    assert "one seal" in _replay_refuses(room, ev.SecretVoteCast(at, "b1", "cd" * 32, first.seal))
    assert "mark is 64 lowercase hex" in _replay_refuses(
        room, ev.SecretVoteCast(at, "b1", "m4", "cd" * 32))
    assert "seal is 64 lowercase hex" in _replay_refuses(
        room, ev.SecretVoteCast(at, "b1", "cd" * 32, "for"))
    roll = len(room.state.ballots["b1"].roll)  # 5: the chair, the secretary and three members
    extra = [ev.SecretVoteCast(at, "b1", f"{n:064x}", f"{n + 100:064x}") for n in range(roll - 2)]
    assert "more sealed votes" in _replay_refuses(room, *extra)
    late = ev.SecretVoteCast(at, "b1", "cd" * 32, "ef" * 32)
    after = dataclasses.replace(late, at=closed.at)
    assert "has closed" in _replay_refuses(room, closed, after)
    # A sealed vote slipped in before the close needs a voter and a paper the close lacks.
    assert "lists 3 voters for 4 sealed votes" in _replay_refuses(room, late, closed)


@pytest.mark.parametrize(
    ("voters", "phrase"),
    [
        ((("m1", "m1"), ("m2", "m2")), "lists 2 voters for 3 sealed votes"),
        ((("m1", "m1"), ("m2", "m2"), ("m3", "m3"), (SEC, SEC)), "lists 4 voters"),
        ((("m1", "m1"), ("m2", "m2"), ("m9", "m9")), "not on the roll"),
        ((("m2", "m2"), ("m1", "m1"), ("m3", "m3")), "sorted"),
        ((("m1", "m1"), ("m1", "m1"), ("m3", "m3")), "sorted, each voter once"),
        ((("m1", "m1"), ("m2", "m2"), ("m3", "m1")), "a member twice"),
        ((("m1", "m1"), ("m2", "m2"), ("m3", "m4")), "not on the roll"),
    ],
)
def test_replay_refuses_a_marked_register_that_does_not_fit(
        voters: tuple[tuple[str, str], ...], phrase: str) -> None:
    room, closed = _sealed_room()
    assert phrase in _replay_refuses(room, dataclasses.replace(closed, voters=voters))


def test_replay_refuses_papers_that_do_not_open_the_seals() -> None:
    room, closed = _sealed_room()
    changed = tuple(sorted([(tracker(1), "against"), (tracker(2), "against"), (tracker(3), "for")]))
    forged = dataclasses.replace(closed, papers=changed, for_votes=1, against=2)
    assert f"tracker {tracker(1)} opens no seal" in _replay_refuses(room, forged)


_TRACKERS = [f"{n:032x}" for n in range(1, 5)]
_PAPER = st.tuples(st.sampled_from(_TRACKERS), st.sampled_from(CHOICES))


@settings(max_examples=200)
@given(cast=st.lists(_PAPER, min_size=1, max_size=4, unique_by=lambda p: p[0]),
       published=st.lists(_PAPER, max_size=5))
def test_any_multiset_mismatch_between_papers_and_seals_is_refused(
        cast: list[tuple[str, str]], published: list[tuple[str, str]]) -> None:
    """Whatever papers a forged close publishes, replay accepts them only if they are, as a
    multiset, exactly the papers whose seals were logged as they were cast."""
    room = Room.founded().members(4).meeting().motion()
    put(room, "secret")
    for member, (paper_tracker, choice) in zip(("m1", "m2", "m3", "m4"), cast, strict=False):
        room.do(c.CastVote, member, ballot="b1", choice=choice, tracker=paper_tracker)
    try:
        (closed,) = room.do(c.CloseBallot, CHAIR, ballot="b1", papers=tuple(cast))
    except InvalidVote:  # equal votes: the chair's casting vote
        (closed,) = room.do(c.CloseBallot, CHAIR, ballot="b1", papers=tuple(cast),
                            casting_vote="for")
    assert isinstance(closed, ev.BallotClosed)
    room.log.pop()
    totals = [sum(choice == word for _, choice in published) for word in CHOICES]
    forged = dataclasses.replace(closed, papers=tuple(sorted(published)), for_votes=totals[0],
                                 against=totals[1], abstain=totals[2])
    if Counter(published) == Counter(cast):
        replay([*room.log, forged])  # the same papers: accepted (given the honest outcome)
    else:
        message = _replay_refuses(room, forged)
        assert "paper" in message or "tracker" in message, message


@pytest.mark.parametrize("bad", ["", "abc", "G" * 32, "A" * 32, "0" * 65])
def test_a_secret_vote_needs_a_well_formed_tracker(bad: str) -> None:
    room = Room.founded().members(2).meeting().motion()
    put(room, "secret")
    error = room.refuse(InvalidVote, c.CastVote, "m1", ballot="b1", choice="for", tracker=bad)
    assert "tracker" in str(error)


def test_only_a_secret_ballot_takes_a_tracker() -> None:
    room = Room.founded().members(2).meeting().motion()
    put(room, "recorded")
    room.refuse(InvalidVote, c.CastVote, "m1", ballot="b1", choice="for", tracker=tracker(1))


# -- ties and thresholds --------------------------------------------------------------


def tied(orders: str) -> Room:
    room = Room.founded(orders).members(2).meeting().motion()
    put(room, "recorded")
    room.do(c.CastVote, "m1", ballot="b1", choice="for")
    room.do(c.CastVote, "m2", ballot="b1", choice="against")
    return room


@pytest.mark.parametrize("side", ["for", "against"])
def test_citrine_a_tie_is_decided_by_the_chairs_casting_vote(side: str) -> None:
    room = tied("citrine")
    (closed,) = room.do(c.CloseBallot, CHAIR, ballot="b1", casting_vote=side)
    assert closed.tied and closed.casting_vote == side
    assert closed.outcome == ("carried" if side == "for" else "lost")
    assert "casting vote" in closed.explanation


def test_roberts_a_tie_falls() -> None:
    room = tied("roberts")
    (closed,) = room.do(c.CloseBallot, CHAIR, ballot="b1")
    assert closed.tied and closed.outcome == "lost" and closed.casting_vote == ""
    assert room.state.motions[MOTION].state is MotionState.LOST


def test_citrine_a_tie_needs_the_casting_vote() -> None:
    room = tied("citrine")
    error = room.refuse(ValueError, c.CloseBallot, CHAIR, ballot="b1")
    assert "casting vote" in str(error)


@pytest.mark.parametrize(("orders", "casting"), [("citrine", ""), ("roberts", "for")])
def test_a_casting_vote_error_is_a_domain_error(orders: str, casting: str) -> None:
    room = tied(orders)
    room.refuse(DomainError, c.CloseBallot, CHAIR, ballot="b1", casting_vote=casting)


def test_only_the_chair_opens_and_closes_a_ballot() -> None:
    room = Room.founded().members(2).meeting().motion()
    room.refuse(NotEntitled, c.OpenBallot, SEC, ballot="b1", subject=MOTION)
    put(room, "recorded")
    room.refuse(NotEntitled, c.CloseBallot, SEC, ballot="b1")


def test_one_ballot_open_at_a_time() -> None:
    room = Room.founded().members(4).meeting().motion()
    room.do(c.MoveProcedural, "m3", procedural="p1", kind="refer_back", target=MOTION,
            seconder="m4")  # fmt: skip
    room.do(c.OpenBallot, CHAIR, ballot="b1", subject="p1")
    error = room.refuse(OutOfOrder, c.OpenBallot, CHAIR, ballot="b2", subject=MOTION)
    assert "still open" in str(error)

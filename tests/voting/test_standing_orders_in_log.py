"""The rules a body chooses are data in its log (docs/standing-orders.md).

A body adopts a profile and sets any rule otherwise at its founding, or later by a motion
to amend its standing orders, carried by the threshold they set for that; a motion may be
moved or put with its own rule, within what the standing orders allow; a mover's or
seconder's consent is their own act; a remit names where the motion goes. Every meeting
here runs through the public names of ``voting`` only, and every log replays to the same
state, so a verifier needs nothing but the log.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting import (
    AdmitMember,
    BodyState,
    CastVote,
    CloseBallot,
    Command,
    ConveneMeeting,
    DomainError,
    Event,
    FoundBody,
    GiveConsent,
    InconsistentEvent,
    InvalidRule,
    MotionState,
    MoveMotion,
    MoveProcedural,
    NotEntitled,
    OpenBallot,
    OpenDebate,
    OutOfOrder,
    RecordAttendance,
    SecondMotion,
    StartBusiness,
    WithdrawMotion,
    decide,
    events,
    execute,
    from_entry,
    profile,
    render_minutes,
    replay,
    resolve,
    rule_values,
    to_entry,
)

pytestmark = pytest.mark.unit

MEMBERS = ("sec", "chair", *(f"m{i}" for i in range(1, 14)))  # fifteen members
TEXT = "That this branch affiliates to the trades council."


class Body:
    """A body and its log, driven by commands; a refused command must change nothing."""

    def __init__(self, orders: str = "citrine", **found: Any) -> None:
        self.state = BodyState()
        self.log: list[Event] = []
        self._clock = itertools.count()
        self.do(FoundBody, "sec", name="Riverside Branch", standing_orders=orders, **found)
        for member in MEMBERS:
            roles = {"sec": ("secretary", "member"), "chair": ("chair", "member")}
            self.do(AdmitMember, "sec", member=member, name=member.title(),
                    roles=roles.get(member, ("member",)))

    def at(self) -> str:
        tick = next(self._clock)
        return f"2026-03-01T19:{tick // 60:02d}:{tick % 60:02d}Z"

    def do(self, kind: type[Command], by: str, /, **fields: Any) -> tuple[Event, ...]:
        self.state, done = execute(self.state, kind(self.at(), by, **fields))
        self.log.extend(done)
        return done

    def refuse(self, error: type[Exception], kind: type[Command], by: str, /,
               **fields: Any) -> str:
        before = self.state
        with pytest.raises(error) as refused:
            decide(self.state, kind(self.at(), by, **fields))
        assert self.state is before
        return str(refused.value)

    def meeting(self, present: int = 15, meeting: str = "mtg", **quorum: Any) -> Body:
        self.do(ConveneMeeting, "sec", meeting=meeting, title="March meeting", chair="chair",
                secretary="sec", **(quorum or {"quorum_number": 3}))
        for member in MEMBERS[:present]:
            self.do(RecordAttendance, "sec", meeting=meeting, member=member)
        self.do(StartBusiness, "chair", meeting=meeting)
        return self

    def motion(self, motion: str = "mot", *, debate: bool = True, **terms: Any) -> Body:
        self.do(MoveMotion, "m1", motion=motion, meeting="mtg", title=f"Motion {motion}",
                text=TEXT, **terms)
        self.do(SecondMotion, "m2", motion=motion)
        if debate:
            self.do(OpenDebate, "chair", motion=motion)
        return self

    def vote(self, subject: str, ballot: str, for_: int, against: int, abstain: int = 0,
             **put: Any) -> Any:
        """A recorded vote: the first ``for_`` present vote for, the next ``against``
        against, the next ``abstain`` abstain; returns the close."""
        self.do(OpenBallot, "chair", ballot=ballot, subject=subject, method="recorded", **put)
        voters = [m for _, m in sorted(self.state.ballots[ballot].roll)]
        choices = ["for"] * for_ + ["against"] * against + ["abstain"] * abstain
        for member, choice in zip(voters, choices, strict=False):
            self.do(CastVote, member, ballot=ballot, choice=choice)
        return self.do(CloseBallot, "chair", ballot=ballot)[0]

    def replays(self) -> None:
        """The log alone, through its entries, gives the same state."""
        entries = [to_entry(seq, event) for seq, event in enumerate(self.log)]
        assert replay(from_entry(entry)[1] for entry in entries) == self.state


# -- standing orders set at the founding --------------------------------------------------------


def test_rules_set_at_the_founding_are_in_the_log_and_govern_the_meeting() -> None:
    """Under citrine the chair has a casting vote; this body set ties to fall."""
    body = Body("citrine", rules=(("tie_rule", "tie_falls"),
                                  ("procedural_threshold.next_business",
                                   "two_thirds_of_votes_cast")))
    founded = body.log[0]
    assert isinstance(founded, events.BodyFounded)
    assert founded.standing_orders == "citrine"
    assert founded.rules == (("procedural_threshold.next_business", "two_thirds_of_votes_cast"),
                             ("tie_rule", "tie_falls"))  # sorted by rule
    assert to_entry(0, founded)["body"]["rules"] == [  # type: ignore[index]
        ["procedural_threshold.next_business", "two_thirds_of_votes_cast"],
        ["tie_rule", "tie_falls"]]
    body.meeting().motion()
    closed = body.vote("mot", "b1", 5, 5)
    assert (closed.outcome, closed.tied, closed.casting_vote) == ("lost", True, "")
    assert body.state.ballots["b1"].tie_rule == "tie_falls"
    assert body.state.orders.differences() == founded.rules
    body.replays()
    minutes = render_minutes(body.state, body.log)
    assert "with these rules set otherwise: `procedural_threshold.next_business`" in minutes


def test_without_rules_the_profile_is_the_rules_and_the_entry_is_as_before() -> None:
    """Backward compatible: a founding that sets nothing otherwise reads as the profile, and an
    entry written before ``rules`` existed (no such field) replays as the profile."""
    body = Body("roberts")
    assert body.state.orders == profile("roberts")
    entry = to_entry(0, body.log[0])
    old = {**entry, "body": {k: v for k, v in entry["body"].items()  # type: ignore[attr-defined]
                             if k != "rules"}}
    assert from_entry(old)[1] == body.log[0]
    assert replay([from_entry(old)[1], *body.log[1:]]) == body.state


@pytest.mark.parametrize(("rules", "phrase"), [
    ((("tie_rule", "coin_toss"),), "'coin_toss' is not one of tie_falls, chair_casting_vote"),
    ((("no_such_rule", "x"),), "there is no standing order called 'no_such_rule'"),
    ((("procedural_threshold.filibuster", "unanimity_of_votes_cast"),),
     "no standing order called 'procedural_threshold.filibuster'"),
    ((("proxies_allowed", "yes"),), "'yes' is not true or false"),
    ((("quorum_fraction", "2/4"),), "not a fraction in lowest terms"),
    ((("quorum_number", "-1"),), "not a whole number"),
    ((("tie_rule", "tie_falls"), ("tie_rule", "chair_casting_vote")), "named twice"),
])
def test_a_rule_named_or_valued_wrongly_is_refused_at_the_founding(
        rules: tuple[tuple[str, str], ...], phrase: str) -> None:
    with pytest.raises(InvalidRule) as refused:
        decide(BodyState(), FoundBody("2026-03-01T19:00:00Z", "sec", name="B", rules=rules))
    assert phrase in str(refused.value)
    assert isinstance(refused.value, ValueError) and isinstance(refused.value, DomainError)


def test_a_logged_founding_with_a_rule_it_cannot_take_does_not_replay() -> None:
    body = Body("citrine", rules=(("tie_rule", "tie_falls"),))
    forged = dataclasses.replace(body.log[0], rules=(("tie_rule", "coin_toss"),))
    with pytest.raises(InconsistentEvent, match=r"^body_founded\.rules: the standing order"):
        replay([forged, *body.log[1:]])
    unsorted = dataclasses.replace(body.log[0], rules=(("tie_rule", "tie_falls"),
                                                       ("revote", "no_revote")))
    with pytest.raises(InconsistentEvent, match="not sorted"):
        replay([unsorted])
    contradicted = dataclasses.replace(body.log[0], rules=(("revote", "last_counts"),))
    with pytest.raises(InconsistentEvent, match="revote are not what its rules set"):
        replay([contradicted])


def test_the_quorum_the_standing_orders_set_is_a_floor_and_the_default() -> None:
    body = Body("citrine", rules=(("quorum_fraction", "1/3"), ("quorum_number", "4")))
    error = body.refuse(OutOfOrder, ConveneMeeting, "sec", meeting="x", title="X", chair="chair",
                        secretary="sec", quorum_number=3)
    assert "quorum of at least 4 members and 1/3 of the membership" in error
    convened = body.do(ConveneMeeting, "sec", meeting="mtg", title="March", chair="chair",
                       secretary="sec")[0]
    assert (convened.quorum_number, convened.quorum_fraction) == (4, "1/3")  # type: ignore[attr-defined]
    body.do(RecordAttendance, "sec", meeting="mtg", member="sec")
    for member in MEMBERS[1:4]:
        body.do(RecordAttendance, "sec", meeting="mtg", member=member)
    body.refuse(OutOfOrder, StartBusiness, "chair", meeting="mtg")  # 4 of 15: 1/3 needs 5
    body.do(RecordAttendance, "sec", meeting="mtg", member="m3")
    body.do(StartBusiness, "chair", meeting="mtg")
    body.replays()
    lowered = dataclasses.replace(convened, quorum_number=2)
    index = body.log.index(convened)
    with pytest.raises(OutOfOrder, match="quorum of at least"):
        replay([*body.log[:index], lowered])


# -- standing orders amended by a recorded decision ------------------------------------------------


def test_a_motion_to_amend_the_standing_orders_needs_their_threshold_and_acts_from_the_next_entry(
) -> None:
    body = Body("citrine").meeting()
    body.motion("so", orders=(("tie_rule", "tie_falls"),))
    lost = body.vote("so", "b1", 6, 4)  # 60%: citrine's orders_threshold is two-thirds
    assert lost.outcome == "lost"
    assert body.state.ballots["b1"].threshold == "two_thirds_of_votes_cast"
    assert body.state.orders.tie_rule.value == "chair_casting_vote"
    body.motion("so2", orders=(("tie_rule", "tie_falls"),))
    carried = body.vote("so2", "b2", 10, 5)
    amended = body.log[-1]
    assert carried.outcome == "carried"
    assert amended == events.StandingOrdersAmended(carried.at, "so2", (("tie_rule", "tie_falls"),))
    assert body.state.orders.tie_rule.value == "tie_falls"
    assert body.state.orders.name == "citrine"
    # The next question is decided by the amended rule: an equality now falls.
    body.motion("mot")
    tie = body.vote("mot", "b3", 5, 5)
    assert (tie.outcome, tie.casting_vote) == ("lost", "")
    body.replays()
    minutes = render_minutes(body.state, body.log)
    assert "**The standing orders are amended** by the motion 'Motion so2'" in minutes
    assert "`tie_rule` = `tie_falls`" in minutes
    assert ("A motion to amend the standing orders (decided by `two_thirds_of_votes_cast`)"
            in minutes)


def test_the_threshold_for_amending_the_standing_orders_is_itself_a_rule() -> None:
    body = Body("citrine", rules=(("orders_threshold", "majority_of_all_members"),)).meeting()
    body.motion("so", orders=(("revote", "last_counts"),))
    lost = body.vote("so", "b1", 7, 0)  # 7 of 15 is not more than half of all members
    assert lost.outcome == "lost"
    body.motion("so2", orders=(("revote", "last_counts"),))
    assert body.vote("so2", "b2", 8, 7).outcome == "carried"
    assert body.state.orders.revote.value == "last_counts"
    body.replays()


def test_a_motion_to_amend_the_standing_orders_is_refused_when_it_changes_nothing_or_is_wrong(
) -> None:
    body = Body("citrine").meeting()
    args = {"motion": "so", "meeting": "mtg", "title": "T", "text": TEXT}
    error = body.refuse(DomainError, MoveMotion, "m1", **args,
                        orders=(("tie_rule", "chair_casting_vote"),))
    assert "changes no rule" in error
    body.refuse(InvalidRule, MoveMotion, "m1", **args, orders=(("tie_rule", "lots"),))
    error = body.refuse(OutOfOrder, MoveMotion, "m1", **args, orders=(("tie_rule", "tie_falls"),),
                        threshold="unanimity_of_votes_cast")
    assert "not by a rule of its own" in error


def test_standing_orders_amended_without_the_decision_that_carries_it_does_not_replay() -> None:
    body = Body("citrine").meeting()
    forged = events.StandingOrdersAmended(body.log[-1].at, "mot", (("tie_rule", "tie_falls"),))
    with pytest.raises(InconsistentEvent, match="without the act that causes it"):
        replay([*body.log, forged])
    body.motion("so", orders=(("tie_rule", "tie_falls"),))
    body.vote("so", "b1", 12, 0)
    changed = dataclasses.replace(body.log[-1], rules=(("tie_rule", "chair_casting_vote"),))
    with pytest.raises(InconsistentEvent, match=r"standing_orders_amended\.rules is not"):
        replay([*body.log[:-1], changed])
    with pytest.raises(InconsistentEvent, match="the log ends before standing_orders_amended"):
        from voting.decider import require_complete
        require_complete(replay(body.log[:-1]))


# -- a question's own rule -----------------------------------------------------------------------


def test_a_motion_moved_with_a_majority_of_all_members_needs_more_than_half_of_the_body() -> None:
    """9 present of 15: 6 for and 2 against carry a simple majority, not half of all members."""
    body = Body("citrine").meeting(present=9)
    body.motion("mot", threshold="majority_of_all_members")
    moved = next(e for e in body.log if isinstance(e, events.MotionMoved))
    assert moved.threshold == "majority_of_all_members"
    closed = body.vote("mot", "b1", 6, 2, 1)
    assert closed.outcome == "lost"
    ballot = body.state.ballots["b1"]
    assert (ballot.threshold, ballot.rule_source, ballot.members) == (
        "majority_of_all_members", "moved", 15)
    assert ballot.result is not None
    assert ballot.result.needed == "more than half of all members (8 of 15)"
    body.replays()
    minutes = render_minutes(body.state, body.log)
    assert ("The mover asks that it be decided by its own rule: `majority_of_all_members`."
            in minutes)
    assert "is the motion's own, asked for by its mover; members on the roll 15." in minutes
    assert ("- Decided by `majority_of_all_members`: it needed more than half of all members "
            "(8 of 15); 6 for, 2 against, 1 abstaining, of 15 members on the roll and 9 "
            "present.") in minutes


def test_the_chair_puts_a_motion_with_two_thirds_of_votes_cast() -> None:
    body = Body("roberts").meeting().motion()
    closed = body.vote("mot", "b1", 6, 4, threshold="two_thirds_of_votes_cast")
    opened = next(e for e in body.log if isinstance(e, events.BallotOpened))
    assert (opened.rule, opened.threshold) == ("two_thirds_of_votes_cast",
                                               "two_thirds_of_votes_cast")
    assert closed.outcome == "lost"  # 6 of 10 is short of two-thirds
    assert body.state.ballots["b1"].rule_source == "put"
    body.replays()
    assert "is the question's own, put with it by the chair" in render_minutes(body.state,
                                                                                body.log)


def test_unanimity_as_a_question_s_own_rule_is_stopped_by_one_vote_against() -> None:
    body = Body("citrine").meeting().motion(threshold="unanimity_of_votes_cast")
    assert body.vote("mot", "b1", 14, 1).outcome == "lost"
    body.motion("mot2", threshold="unanimity_of_votes_cast")
    error = body.refuse(OutOfOrder, OpenBallot, "chair", ballot="b2", subject="mot2",
                        method="show_of_hands")
    assert "recorded (or card) vote" in error
    body.replays()


def test_a_question_s_own_rule_is_refused_outside_what_the_standing_orders_allow() -> None:
    body = Body("citrine", rules=(("question_thresholds", "two_thirds_of_votes_cast"),)).meeting()
    args = {"motion": "x", "meeting": "mtg", "title": "T", "text": TEXT}
    error = body.refuse(OutOfOrder, MoveMotion, "m1", **args, threshold="majority_of_all_members")
    assert "do not let a motion carry the rule majority_of_all_members" in error
    assert "(they allow: two_thirds_of_votes_cast)" in error
    error = body.refuse(DomainError, MoveMotion, "m1", **args, threshold="most_of_them")
    assert "'most_of_them' is not a threshold" in error
    body.motion("mot", threshold="two_thirds_of_votes_cast")
    error = body.refuse(OutOfOrder, OpenBallot, "chair", ballot="b1", subject="mot",
                        threshold="two_thirds_of_votes_cast")
    assert "was moved with its own rule" in error
    strict = Body("citrine", rules=(("question_thresholds", ""),)).meeting().motion()
    error = strict.refuse(OutOfOrder, OpenBallot, "chair", ballot="b1", subject="mot",
                          threshold="two_thirds_of_votes_cast")
    assert "(they allow: none)" in error


def test_a_question_s_own_rule_forged_in_the_log_does_not_replay() -> None:
    body = Body("citrine").meeting().motion()
    body.vote("mot", "b1", 6, 4, threshold="two_thirds_of_votes_cast")
    index = next(i for i, e in enumerate(body.log) if isinstance(e, events.BallotOpened))
    lowered = dataclasses.replace(body.log[index], threshold="simple_majority_of_votes_cast")
    with pytest.raises(InconsistentEvent, match=r"^ballot_opened\.threshold is not"):
        replay([*body.log[:index], lowered])
    outside = dataclasses.replace(body.log[index], rule="simple_majority_of_votes_cast",
                                  threshold="simple_majority_of_votes_cast")
    with pytest.raises(OutOfOrder, match="do not let"):
        replay([*body.log[:index], outside])


# -- consent is the consenting member's own act; a remit names where the motion goes ---------------


def test_a_remit_needs_the_movers_own_consent_and_names_where_the_motion_goes() -> None:
    body = Body("citrine").meeting().motion()
    remit = {"procedural": "p1", "kind": "remit", "target": "mot", "seconder": "m4",
             "to": "the executive committee"}
    error = body.refuse(OutOfOrder, MoveProcedural, "m3", **remit)
    assert "only with the consent of its mover (M1), who gives it first" in error
    error = body.refuse(NotEntitled, GiveConsent, "m3", subject="mot", act="remit")
    assert "only the mover or the seconder" in error
    consent = body.do(GiveConsent, "m1", subject="mot", act="remit")[0]
    assert consent == events.ConsentGiven(consent.at, "mot", "remit", "m1", "mover")
    body.refuse(DomainError, GiveConsent, "m1", subject="mot", act="remit")  # given once
    error = body.refuse(DomainError, MoveProcedural, "m3", **{**remit, "to": " "})
    assert "names where the motion goes" in error
    moved = body.do(MoveProcedural, "m3", **remit)[0]
    assert (moved.to, moved.mover_consents) == ("the executive committee", True)  # type: ignore[attr-defined]
    body.vote("p1", "b1", 10, 2)
    disposed = body.log[-1]
    assert disposed == events.MotionDisposed(disposed.at, "mot", "remitted",
                                             "it was remitted to the executive committee")
    assert body.state.motions["mot"].state is MotionState.REMITTED
    body.replays()
    minutes = render_minutes(body.state, body.log)
    assert "M1, the mover of the motion 'Motion mot', consented to its remit." in minutes
    assert "**remit** on the motion 'Motion mot' to the executive committee" in minutes
    assert "remitted (it was remitted to the executive committee)" in minutes


def test_consent_as_a_flag_of_someone_else_s_command_is_refused() -> None:
    body = Body("citrine").meeting().motion()
    error = body.refuse(DomainError, MoveProcedural, "m3", procedural="p1", kind="remit",
                        target="mot", seconder="m4", to="the executive", mover_consents=True)
    assert "consent is the mover's own act, given with GiveConsent" in error
    assert "seconder_consents" not in {f.name for f in dataclasses.fields(WithdrawMotion)}


def test_a_remit_logged_as_consented_without_the_consent_on_record_does_not_replay() -> None:
    body = Body("citrine").meeting().motion()
    body.do(GiveConsent, "m1", subject="mot", act="remit")
    body.do(MoveProcedural, "m3", procedural="p1", kind="remit", target="mot", seconder="m4",
            to="the executive")
    without = [e for e in body.log if not isinstance(e, events.ConsentGiven)]
    with pytest.raises(OutOfOrder, match="only with the consent of its mover"):
        replay(without)
    claimed = dataclasses.replace(body.log[-2], member="m5")  # someone else's consent
    with pytest.raises(NotEntitled, match="only the mover or the seconder"):
        replay([*body.log[:-2], claimed])


def test_an_older_remit_entry_holding_the_flag_still_replays() -> None:
    """Before consent was an act, the command's flag was logged in ``mover_consents`` and a
    remit named no destination; such an entry (no ``to`` field) replays as it did."""
    body = Body("citrine").meeting().motion()
    body.do(GiveConsent, "m1", subject="mot", act="remit")
    body.do(MoveProcedural, "m3", procedural="p1", kind="remit", target="mot", seconder="m4",
            to="the executive")
    moved = body.log[-1]
    entry = to_entry(len(body.log) - 1, dataclasses.replace(moved, to=""))
    del entry["body"]["to"]  # type: ignore[attr-defined]
    old = from_entry(entry)[1]
    assert old == dataclasses.replace(moved, to="")
    before = [e for e in body.log[:-1] if not isinstance(e, events.ConsentGiven)]
    state = replay([*before, old])
    assert state.procedurals["p1"].mover_consents


def test_the_seconder_s_consent_lets_the_mover_withdraw_where_the_body_s_rule_asks_for_it() -> None:
    body = Body("roberts", rules=(("withdrawal", "mover_with_seconder_consent"),)).meeting()
    body.motion("mot", debate=False)
    error = body.refuse(OutOfOrder, WithdrawMotion, "m1", subject="mot")
    assert "only with the consent of its seconder (M2), who gives it first" in error
    consent = body.do(GiveConsent, "m2", subject="mot", act="withdraw")[0]
    assert consent.capacity == "seconder"  # type: ignore[attr-defined]
    disposed = body.do(WithdrawMotion, "m1", subject="mot")[0]
    assert disposed.reason == "withdrawn by the mover, with the seconder's consent"  # type: ignore[attr-defined]
    body.replays()
    assert "M2, the seconder of the motion 'Motion mot', consented to its withdrawal." in (
        render_minutes(body.state, body.log))


# -- any rule set adopted, then replayed, gives the same state ---------------------------------

RULES = rule_values(profile("citrine"))
VALUES: dict[str, st.SearchStrategy[str]] = {
    "amendment_order": st.sampled_from(["by_position", "as_received"]),
    "proxies_allowed": st.sampled_from(["true", "false"]),
    "remit_needs_mover_consent": st.sampled_from(["true", "false"]),
    "revote": st.sampled_from(["no_revote", "last_counts"]),
    "tie_rule": st.sampled_from(["tie_falls", "chair_casting_vote"]),
    "withdrawal": st.sampled_from(["mover_then_unanimous_consent", "mover_then_assembly",
                                   "mover_with_seconder_consent"]),
    "quorum_number": st.integers(0, 5).map(str),
    "quorum_fraction": st.sampled_from(["", "1/4", "1/3", "1/2"]),
    "question_thresholds": st.sampled_from(
        ["", "two_thirds_of_votes_cast", "majority_of_all_members,unanimity_of_votes_cast"]),
}
THRESHOLDS = st.sampled_from(["simple_majority_of_votes_cast", "two_thirds_of_votes_cast",
                              "majority_of_all_members", "three_quarters_of_votes_cast"])


@st.composite
def rule_sets(draw: st.DrawFn) -> tuple[tuple[str, str], ...]:
    names = draw(st.lists(st.sampled_from([name for name, _ in RULES]), unique=True))
    return tuple((name, draw(VALUES.get(name, THRESHOLDS))) for name in names)


def _proceed(body: Body, orders: tuple[tuple[str, str], ...]) -> Iterator[None]:
    """A meeting that tries a motion to amend the standing orders and a motion after it; each
    step may be refused under the rules drawn, which must then change nothing."""
    steps: list[tuple[type[Command], str, dict[str, Any]]] = [
        (ConveneMeeting, "sec", {"meeting": "mtg", "title": "M", "chair": "chair",
                                 "secretary": "sec", "quorum_number": 5,
                                 "quorum_fraction": "1/2"}),
        *((RecordAttendance, "sec", {"meeting": "mtg", "member": m}) for m in MEMBERS[:12]),
        (StartBusiness, "chair", {"meeting": "mtg"}),
        (MoveMotion, "m1", {"motion": "so", "meeting": "mtg", "title": "Orders", "text": TEXT,
                            "orders": orders}),
        (SecondMotion, "m2", {"motion": "so"}),
        (OpenDebate, "chair", {"motion": "so"}),
        (OpenBallot, "chair", {"ballot": "b1", "subject": "so", "method": "recorded"}),
        *((CastVote, m, {"ballot": "b1", "choice": "for"}) for m in MEMBERS[:10]),
        (CloseBallot, "chair", {"ballot": "b1", "casting_vote": ""}),
        (MoveMotion, "m3", {"motion": "mot", "meeting": "mtg", "title": "M", "text": TEXT}),
        (SecondMotion, "m4", {"motion": "mot"}),
        (WithdrawMotion, "m3", {"subject": "mot"}),
    ]
    for kind, by, fields in steps:
        before = body.state
        try:
            body.do(kind, by, **fields)
        except DomainError:
            assert body.state is before
        yield


@settings(max_examples=40, deadline=None)
@given(profile_name=st.sampled_from(["citrine", "roberts"]), founded=rule_sets(),
       changed=rule_sets())
def test_any_rule_set_adopted_then_replayed_gives_the_same_state(
        profile_name: str, founded: tuple[tuple[str, str], ...],
        changed: tuple[tuple[str, str], ...]) -> None:
    body = Body(profile_name, rules=founded)
    assert body.state.orders == resolve(profile_name, founded)
    for _ in _proceed(body, changed):
        body.replays()
    amended = [e for e in body.log if isinstance(e, events.StandingOrdersAmended)]
    if amended:  # every rule the carried motion set holds, from the entry after its close
        assert dict(rule_values(body.state.orders)).items() >= dict(changed).items()
    else:
        assert body.state.orders == resolve(profile_name, founded)


def test_every_rule_is_described_in_the_documentation() -> None:
    from tests.conftest import ROOT
    from voting.standing_orders import RULE_NAMES

    text = (ROOT / "docs" / "standing-orders.md").read_text(encoding="utf-8")
    for name in RULE_NAMES:
        assert f"| `{name}` |" in text, name
    for name, value in rule_values(profile("citrine")):
        if "," not in value and value:
            assert f"| `{name}` | `{value}` |" in text, (name, value)

"""A5: a stateful model-based test of the domain (docs/architecture.md, A5).

Hypothesis drives random meetings through ``decide``: members arrive and leave,
motions are moved, seconded and debated, amendments (quoting random spans of the
current text) are moved, taken and voted on, procedural motions are moved, votes
(valid and invalid) are cast and ballots closed. Invariants are checked after
every step.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from tallying.errors import TellersError
from voting import commands as c
from voting import events as ev
from voting.codec import from_json, to_json
from voting.decider import decide, replay
from voting.edit import apply_all
from voting.lifecycle import MotionState
from voting.seal import mark, mark_key
from voting.state import BallotMethod, BodyState
from voting.testing import insert_texts, motion_sources

from .builders import secret_of

pytestmark = pytest.mark.unit

MEETING = "mtg"
CHAIR, SEC = "chair", "sec"
PEOPLE = [CHAIR, SEC, "m1", "m2", "m3", "m4", "m5", "obs", "zed"]  # obs observes, zed is nobody
VOTERS = [p for p in PEOPLE if p not in {"obs", "zed"}]
CHOICES = ["for", "against", "abstain", "maybe"]
KINDS = ["leave_out", "insert", "leave_out_and_insert", "add_at_end", "leave_out_all_and_insert"]
PROCEDURALS = [
    "that_the_question_be_now_put", "next_business", "adjourn_the_debate", "refer_back",
    "remit", "withdraw", "challenge_to_the_chair", "adjourn_the_meeting",
]  # fmt: skip


# Hypothesis shrinks towards the first element, so these lean the way their names say.
MOSTLY = st.sampled_from([True, True, True, False])
RARELY = st.sampled_from([False] * 9 + [True])


class Meetings(RuleBasedStateMachine):
    """Random proceedings of one body; every command goes through ``decide``."""

    def __init__(self) -> None:
        super().__init__()
        self.state = BodyState()
        self.log: list[ev.Event] = []
        self.tick = 0
        self.serial = 0
        self.sealed: dict[str, dict[str, tuple[str, str]]] = {}  # ballot -> member -> paper
        self.refused = 0

    # -- issuing commands ---------------------------------------------------------------

    def issue(self, command_type: type[c.Command], by: str, **fields: Any) -> bool:
        """Decide a command; accepted events are folded in, a refusal must change nothing."""
        self.tick += 1
        command = command_type(at=f"2025-03-12T10:00:00.{self.tick:06d}Z", by=by, **fields)
        before = self.state
        snapshot = copy.deepcopy(before)
        try:
            events = decide(before, command)
        except TellersError:
            assert self.state is before and before == snapshot, "a refusal changed the state"
            self.refused += 1
            return False
        assert before == snapshot, "decide mutated the state it was given"
        for event in events:
            assert from_json(to_json(event)) == event
        self.state = replay(events, before)
        self.log.extend(events)
        return True

    def fresh(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial}"

    def known(self, mapping: Any) -> st.SearchStrategy[str]:
        return st.sampled_from(sorted(mapping) or ["none"])

    def pick(self, data: st.DataObject, likely: Any, anything: Any) -> str:
        """Mostly one of the ``likely`` ids (so proceedings progress), sometimes any id."""
        if likely and data.draw(MOSTLY):
            return data.draw(st.sampled_from(sorted(likely)))
        return data.draw(self.known(anything))

    def present(self) -> list[str]:
        meeting = self.state.meetings.get(MEETING)
        return sorted(meeting.present) if meeting else []

    def motions_in(self, *states: MotionState) -> list[str]:
        return [m.id for m in self.state.motions.values() if m.state in states]

    def amendments_in(self, *states: MotionState) -> list[str]:
        return [a.id for a in self.state.amendments.values() if a.state in states]

    @initialize(
        orders=st.sampled_from(["citrine", "roberts"]),
        revote=st.sampled_from(["no_revote", "last_counts"]),
        weights=st.lists(st.integers(1, 5), min_size=5, max_size=5),
        present=st.sets(st.sampled_from([*VOTERS, "obs"]), min_size=5),
    )
    def found(self, orders: str, revote: str, weights: list[int], present: set[str]) -> None:
        assert self.issue(c.FoundBody, SEC, name="Branch", standing_orders=orders,
                          proxies_allowed=True, revote=revote)  # fmt: skip
        assert self.issue(c.AdmitMember, SEC, member=SEC, name="Sec", roles=("secretary",))
        assert self.issue(c.AdmitMember, SEC, member=CHAIR, name="Chair", roles=("chair",))
        for n, weight in enumerate(weights, start=1):
            assert self.issue(c.AdmitMember, SEC, member=f"m{n}", name=f"M{n}", weight=weight)
        assert self.issue(c.AdmitMember, SEC, member="obs", name="Obs", roles=("observer",))
        assert self.issue(c.ConveneMeeting, SEC, meeting=MEETING, title="Meeting", chair=CHAIR,
                          secretary=SEC, quorum_number=3)  # fmt: skip
        for member in sorted(present):
            assert self.issue(c.RecordAttendance, SEC, meeting=MEETING, member=member)
        self.issue(c.StartBusiness, CHAIR, meeting=MEETING)

    # -- the natural next step: keeps proceedings moving so that deep states are reached --

    # The same step under three names: Hypothesis picks among rules evenly, so this makes
    # about a third of all steps the natural next one.
    @rule(data=st.data(), text=motion_sources(max_lines=3, max_words=6), insert=insert_texts())
    def proceed(self, data: st.DataObject, text: str, insert: str) -> None:
        self.next_step(data, text, insert)

    @rule(data=st.data(), text=motion_sources(max_lines=3, max_words=6), insert=insert_texts())
    def proceed_again(self, data: st.DataObject, text: str, insert: str) -> None:
        self.next_step(data, text, insert)

    @rule(data=st.data(), text=motion_sources(max_lines=3, max_words=6), insert=insert_texts())
    def and_again(self, data: st.DataObject, text: str, insert: str) -> None:
        self.next_step(data, text, insert)

    def next_step(self, data: st.DataObject, text: str, insert: str) -> None:
        present = [m for m in self.present() if self.state.members[m].may_vote]
        if not present:
            return
        ballots = self.open_ballots()
        if ballots:
            ballot = self.state.ballots[ballots[0]]
            sealed = self.sealed.get(ballot.id, {})
            waiting = [(v, m) for v, m in ballot.roll
                       if m not in ballot.votes and m not in sealed]  # fmt: skip
            if waiting and ballot.method is not BallotMethod.SHOW_OF_HANDS and data.draw(MOSTLY):
                voter, member = data.draw(st.sampled_from(sorted(waiting)))
                choice = data.draw(st.sampled_from(CHOICES[:3]))
                tracker = f"{self.tick + 1:032x}" if ballot.method is BallotMethod.SECRET else ""
                if (
                    self.issue(
                        c.CastVote,
                        voter,
                        ballot=ballot.id,
                        choice=choice,
                        tracker=tracker,
                        mark_key=self.mark_key(ballot.id, member) if tracker else "",
                        on_behalf_of="" if voter == member else member,
                    )
                    and tracker
                ):
                    self.sealed.setdefault(ballot.id, {})[member] = (tracker, choice)
                return
            # Without a casting vote first; with one if the votes turn out equal.
            for casting in ("", data.draw(st.sampled_from(["for", "against"]))):
                if self.try_close(data, casting, drop=False):
                    return
            return
        pending = [p.id for p in self.state.procedurals.values()
                   if p.state is MotionState.SECONDED]  # fmt: skip
        debating = self.amendments_in(MotionState.UNDER_DEBATE)
        method = data.draw(st.sampled_from([m.value for m in BallotMethod]))
        if pending or (debating and data.draw(st.booleans())):
            subject = (pending or debating)[0]
            self.issue(c.OpenBallot, CHAIR, ballot=self.fresh("b"), subject=subject, method=method)
            return
        waiting = self.amendments_in(MotionState.SECONDED)
        if waiting and not debating and data.draw(MOSTLY):
            for amendment in waiting:  # the one the standing orders put first is accepted
                if self.issue(c.TakeAmendment, CHAIR, amendment=amendment):
                    return
        unseconded = self.amendments_in(MotionState.PROPOSED)
        if unseconded and data.draw(st.booleans()):
            amendment = self.state.amendments[unseconded[0]]
            others = [m for m in present if m != amendment.mover]
            if others:
                self.issue(c.SecondAmendment, others[0], amendment=amendment.id)
                return
        debated = self.motions_in(MotionState.UNDER_DEBATE)
        if debated:
            if data.draw(st.booleans()):
                self.move_amendment(data=data, mover=data.draw(st.sampled_from(present)),
                                    kind=data.draw(st.sampled_from(KINDS)), insert=insert,
                                    nonsense=False)  # fmt: skip
            else:
                self.issue(c.OpenBallot, CHAIR, ballot=self.fresh("b"), subject=debated[0],
                           method=method)  # fmt: skip
            return
        seconded = self.motions_in(MotionState.SECONDED, MotionState.ADJOURNED)
        if seconded:
            self.issue(c.OpenDebate, CHAIR, motion=seconded[0])
            return
        proposed = self.motions_in(MotionState.PROPOSED)
        if proposed:
            motion = self.state.motions[proposed[0]]
            others = [m for m in present if m != motion.mover]
            if others:
                self.issue(c.SecondMotion, data.draw(st.sampled_from(others)), motion=motion.id)
                return
        self.issue(c.MoveMotion, data.draw(st.sampled_from(present)), motion=self.fresh("mo"),
                   meeting=MEETING, title="T", text=text)  # fmt: skip

    # -- motions and amendments ---------------------------------------------------------

    @rule(mover=st.sampled_from(PEOPLE), text=motion_sources(max_lines=3, max_words=6))
    def move_motion(self, mover: str, text: str) -> None:
        self.issue(c.MoveMotion, mover, motion=self.fresh("mo"), meeting=MEETING, title="T",
                   text=text)  # fmt: skip

    @precondition(lambda self: bool(self.state.motions))
    @rule(data=st.data())
    def second_motion(self, data: st.DataObject) -> None:
        motion = self.pick(data, self.motions_in(MotionState.PROPOSED), self.state.motions)
        by = self.pick(data, self.present(), PEOPLE)
        self.issue(c.SecondMotion, by, motion=motion)

    @precondition(lambda self: bool(self.state.motions))
    @rule(data=st.data())
    def open_debate(self, data: st.DataObject) -> None:
        likely = self.motions_in(MotionState.SECONDED, MotionState.ADJOURNED)
        self.issue(c.OpenDebate, CHAIR, motion=self.pick(data, likely, self.state.motions))

    @precondition(lambda self: bool(self.state.motions))
    @rule(data=st.data(), consents=st.booleans())
    def withdraw(self, data: st.DataObject, consents: bool) -> None:
        subject = data.draw(self.known({**self.state.motions, **self.state.amendments}))
        mover = (
            self.state.motions[subject].mover if subject in self.state.motions
            else self.state.amendments[subject].mover if subject in self.state.amendments
            else "m1"
        )  # fmt: skip
        self.issue(c.WithdrawMotion, mover, subject=subject)

    @precondition(lambda self: bool(self.state.motions))
    @rule(data=st.data(), mover=st.sampled_from(PEOPLE), kind=st.sampled_from(KINDS),
          insert=insert_texts(), nonsense=st.booleans())  # fmt: skip
    def move_amendment(
        self, data: st.DataObject, mover: str, kind: str, insert: str, nonsense: bool
    ) -> None:
        likely = self.motions_in(MotionState.SECONDED, MotionState.UNDER_DEBATE)
        motion_id = self.pick(data, likely, self.state.motions)
        mover = self.pick(data, self.present(), PEOPLE) if mover in {"zed", "obs"} else mover
        parent = ""
        motion = self.state.motions.get(motion_id)
        if motion is None:
            text = None
        else:
            text = motion.text
            with_words = [a for a in motion.amendments
                          if self.state.amendments[a].words is not None]  # fmt: skip
            if with_words and data.draw(st.booleans()):
                parent = data.draw(st.sampled_from(with_words))
                text = self.state.amendments[parent].words
        quoted = "these words are not there"
        if text is not None and not nonsense:
            words = text.words
            first = data.draw(st.integers(0, len(words) - 1))
            last = data.draw(st.integers(first, min(first + 3, len(words) - 1)))
            quoted = " ".join(w.text for w in words[first : last + 1])
        fields: dict[str, Any] = {"kind": kind}
        if kind in {"leave_out", "leave_out_and_insert"}:
            fields["leave_out"] = quoted
        if kind != "leave_out":
            fields["insert"] = insert
        if kind in {"insert", "leave_out_all_and_insert"} and data.draw(st.booleans()):
            fields["after"] = quoted
        self.issue(c.MoveAmendment, mover, amendment=self.fresh("am"), motion=motion_id,
                   parent=parent, **fields)  # fmt: skip

    @precondition(lambda self: bool(self.state.amendments))
    @rule(data=st.data())
    def second_amendment(self, data: st.DataObject) -> None:
        likely = self.amendments_in(MotionState.PROPOSED)
        amendment = self.pick(data, likely, self.state.amendments)
        by = self.pick(data, self.present(), PEOPLE)
        self.issue(c.SecondAmendment, by, amendment=amendment)

    @precondition(lambda self: bool(self.state.amendments))
    @rule(data=st.data())
    def take_amendment(self, data: st.DataObject) -> None:
        likely = self.amendments_in(MotionState.SECONDED)
        self.issue(c.TakeAmendment, CHAIR, amendment=self.pick(data, likely, self.state.amendments))

    @precondition(lambda self: bool(self.state.amendments))
    @rule(data=st.data(), ground=st.sampled_from(["direct_negative", "not_relevant", "bad"]))
    def rule_out_of_order(self, data: st.DataObject, ground: str) -> None:
        self.issue(c.RuleOutOfOrder, CHAIR, amendment=data.draw(self.known(self.state.amendments)),
                   ground=ground, reason="The chair's reason.")  # fmt: skip

    @precondition(lambda self: bool(self.state.motions))
    @rule(data=st.data(), kind=st.sampled_from(PROCEDURALS), mover=st.sampled_from(PEOPLE),
          seconder=st.sampled_from(PEOPLE), consents=st.booleans())  # fmt: skip
    def move_procedural(
        self, data: st.DataObject, kind: str, mover: str, seconder: str, consents: bool
    ) -> None:
        targets = {**self.state.motions, **self.state.amendments, MEETING: None}
        likely = self.motions_in(MotionState.UNDER_DEBATE) + self.amendments_in(
            MotionState.UNDER_DEBATE, MotionState.OUT_OF_ORDER
        )
        target = self.pick(data, likely, targets)
        if kind == "adjourn_the_meeting" and not data.draw(RARELY):
            kind = "refer_back"  # adjourning the meeting ends everything: keep it rare
        seconder = self.pick(data, self.present(), PEOPLE) if seconder == mover else seconder
        if kind == "withdraw" and data.draw(st.booleans()):
            owner = self.state.motions.get(target) or self.state.amendments.get(target)
            mover = owner.mover if owner is not None else mover
        if consents and target in self.state.motions:  # the mover's own consent, on record
            owner = self.state.motions[target]
            self.issue(c.GiveConsent, owner.mover, subject=target,
                       act="remit" if kind == "remit" else "withdraw")  # fmt: skip
        self.issue(c.MoveProcedural, mover, procedural=self.fresh("pr"), kind=kind, target=target,
                   seconder=seconder, to="the executive" if kind == "remit" else "")  # fmt: skip

    # -- ballots ---------------------------------------------------------------------------

    @precondition(lambda self: bool(self.state.motions))
    @rule(data=st.data(), method=st.sampled_from([m.value for m in BallotMethod]))
    def open_ballot(self, data: st.DataObject, method: str) -> None:
        subjects = {**self.state.motions, **self.state.amendments, **self.state.procedurals}
        likely = [p.id for p in self.state.procedurals.values()
                  if p.state is MotionState.SECONDED] or (
            self.amendments_in(MotionState.UNDER_DEBATE) + self.motions_in(MotionState.UNDER_DEBATE)
        )  # fmt: skip
        self.issue(c.OpenBallot, CHAIR, ballot=self.fresh("b"),
                   subject=self.pick(data, likely, subjects), method=method)  # fmt: skip

    def open_ballots(self) -> list[str]:
        return sorted(b.id for b in self.state.ballots.values() if not b.closed)

    @precondition(lambda self: bool(self.state.ballots))
    @rule(data=st.data(), voter=st.sampled_from(PEOPLE), choice=st.sampled_from(CHOICES),
          split=st.booleans(), proxy=st.booleans())  # fmt: skip
    def cast_vote(
        self, data: st.DataObject, voter: str, choice: str, split: bool, proxy: bool
    ) -> None:
        ballot_id = data.draw(st.sampled_from(self.open_ballots() or sorted(self.state.ballots)
                                              or ["none"]))  # fmt: skip
        ballot = self.state.ballots.get(ballot_id)
        if ballot is not None and ballot.roll and data.draw(MOSTLY):
            voter = data.draw(st.sampled_from(sorted(v for v, _ in ballot.roll)))
        member = voter
        if ballot is not None and proxy:
            held = [m for (v, m) in ballot.roll if v == voter and m != voter]
            member = held[0] if held else "m5"
        fields: dict[str, Any] = {"choice": choice}
        if ballot is not None and ballot.method is BallotMethod.CARD and split:
            weight = ballot.roll.get((voter, member), 2)
            a = data.draw(st.integers(0, weight))
            b = data.draw(st.integers(0, weight - a))
            fields = {"split": (a, b, weight - a - b)}
        tracker = ""
        if ballot is not None and ballot.method is BallotMethod.SECRET:
            tracker = f"{self.tick:032x}"
            fields["tracker"] = tracker
            fields["mark_key"] = self.mark_key(ballot_id, member)
        accepted = self.issue(c.CastVote, voter, ballot=ballot_id,
                              on_behalf_of=member if member != voter else "", **fields)  # fmt: skip
        if accepted and tracker:
            self.sealed.setdefault(ballot_id, {})[member] = (tracker, choice)

    @precondition(lambda self: bool(self.open_ballots()))
    @rule(data=st.data(), casting=st.sampled_from(["", "for", "against"]), drop=st.booleans())
    def close_ballot(self, data: st.DataObject, casting: str, drop: bool) -> None:
        self.try_close(data, casting, drop)

    def try_close(self, data: st.DataObject, casting: str, drop: bool) -> bool:
        ballot_id = data.draw(st.sampled_from(self.open_ballots() or ["none"]))
        ballot = self.state.ballots.get(ballot_id)
        counts = None
        papers: tuple[tuple[str, str], ...] = ()
        if ballot is not None and ballot.method is BallotMethod.SHOW_OF_HANDS:
            hands = data.draw(st.integers(0, ballot.roll_weight + (0 if data.draw(MOSTLY) else 1)))
            yes = data.draw(st.integers(0, hands))
            no = data.draw(st.integers(0, hands - yes))
            counts = (yes, no, hands - yes - no)
        secret = ""
        if ballot is not None and ballot.method is BallotMethod.SECRET:
            papers = tuple(self.sealed.get(ballot_id, {}).values())
            secret = secret_of(ballot_id)
            if drop and papers:
                papers = papers[1:]
        return self.issue(c.CloseBallot, CHAIR, ballot=ballot_id, counts=counts, papers=papers,
                          casting_vote=casting, ballot_secret=secret)  # fmt: skip

    @staticmethod
    def mark_key(ballot_id: str, member: str) -> str:
        """The mark key the shell derives from the ballot's secret (:mod:`voting.seal`)."""
        return mark_key(secret_of(ballot_id), member)

    # -- the membership and the room ----------------------------------------------------

    @rule(member=st.sampled_from(PEOPLE), present=st.booleans(), by=st.sampled_from([SEC, "m1"]))
    def attendance(self, member: str, present: bool, by: str) -> None:
        self.issue(c.RecordAttendance, by, meeting=MEETING, member=member, present=present)

    @rule(member=st.sampled_from(PEOPLE), suspend=st.booleans())
    def suspension(self, member: str, suspend: bool) -> None:
        if suspend:
            self.issue(c.SuspendMember, SEC, member=member, reason="arrears")
        else:
            self.issue(c.ReinstateMember, SEC, member=member)

    @rule(giver=st.sampled_from(PEOPLE), holder=st.sampled_from(PEOPLE))
    def proxy(self, giver: str, holder: str) -> None:
        self.issue(c.AppointProxy, SEC, meeting=MEETING, giver=giver, holder=holder)

    @rule(by=st.sampled_from([CHAIR, "m1"]))
    def start_or_close(self, by: str) -> None:
        self.issue(c.StartBusiness, by, meeting=MEETING)

    @precondition(lambda self: len(self.log) > 100)  # late: a closed meeting ends proceedings
    @rule(now=RARELY)
    def close_meeting(self, now: bool) -> None:
        if now:  # a closed meeting ends the proceedings
            self.issue(c.CloseMeeting, CHAIR, meeting=MEETING)

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def the_log_is_the_state(self) -> None:
        """docs/architecture.md principle 1: replaying every event so far gives the state."""
        assert self.state.size == len(self.log)
        assert replay(self.log) == self.state

    @invariant()
    def one_counted_vote_per_member_per_ballot(self) -> None:
        """R6: under no_revote a member has at most one vote per ballot; a sealed vote is one
        (one mark per member per ballot)."""
        named = Counter((e.ballot, e.member) for e in self.log if isinstance(e, ev.VoteCast))
        sealed = Counter((e.ballot, e.mark) for e in self.log
                         if isinstance(e, ev.SecretVoteCast))  # fmt: skip
        assert all(n == 1 for n in sealed.values())
        for ballot_id, papers in self.sealed.items():
            marks = {mark(ballot_id, m, self.mark_key(ballot_id, m)) for m in papers}
            assert marks == {e.mark for e in self.log
                             if isinstance(e, ev.SecretVoteCast) and e.ballot == ballot_id}
        for (ballot_id, _), n in named.items():
            assert n == 1 or self.state.ballots[ballot_id].revote == "last_counts"

    @invariant()
    def closed_ballots_recount_from_the_log(self) -> None:
        """R3: a closed ballot's counts are the votes of members on its roll, recounted."""
        opened = {e.ballot: e for e in self.log if isinstance(e, ev.BallotOpened)}
        for closed in (e for e in self.log if isinstance(e, ev.BallotClosed)):
            ballot = opened[closed.ballot]
            roll = {(v, m): w for v, m, w in ballot.roll}
            counts = (closed.for_votes, closed.against, closed.abstain)
            if ballot.method == "show_of_hands":
                assert sum(counts) <= sum(roll.values())
                continue
            if ballot.method == "secret":
                voters = [
                    e
                    for e in self.log
                    if isinstance(e, ev.SecretVoteCast) and e.ballot == closed.ballot
                ]
                assert all(pair in roll for pair in closed.voters)
                assert {m for _, m in closed.voters} == set(self.sealed.get(closed.ballot, {}))
                assert len(closed.papers) == len(voters) == len(closed.voters)
                assert sorted(closed.papers) == sorted(self.sealed.get(closed.ballot, {}).values())
                assert list(closed.papers) == sorted(closed.papers)
                tally = Counter(choice for _, choice in closed.papers)
                assert counts == (tally["for"], tally["against"], tally["abstain"])
                continue
            last: dict[str, tuple[int, int, int]] = {}
            for e in self.log:
                if isinstance(e, ev.VoteCast) and e.ballot == closed.ballot:
                    weight = roll[(e.voter, e.member)]
                    assert e.for_votes + e.against + e.abstain == weight
                    last[e.member] = (e.for_votes, e.against, e.abstain)
            recount = tuple(sum(split[i] for split in last.values()) for i in range(3))
            assert counts == recount

    @invariant()
    def substantive_motion_is_the_original_with_carried_amendments(self) -> None:
        """The substantive motion is the original with each carried amendment applied in order."""
        for motion in self.state.motions.values():
            carried = [a for a in motion.amendments
                       if self.state.amendments[a].state is MotionState.CARRIED
                       and not self.state.amendments[a].parent]  # fmt: skip
            assert sorted(motion.carried_amendments) == sorted(carried)
            edits = [self.state.amendments[a].edit for a in motion.carried_amendments]
            assert apply_all(motion.original, edits) == motion.text


Meetings.TestCase.settings = settings(max_examples=50, stateful_step_count=40)
TestMeetings = Meetings.TestCase

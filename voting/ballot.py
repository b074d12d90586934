"""Ballots: putting a question, casting votes, closing and declaring the result.

The roll of who may vote is fixed when the question is put, and a voter on
it votes only while present: one who has left the meeting is refused until
they return (a proxy is voted by its holder, who must be present); each member's
vote counts once (a second vote is refused, or replaces the first, as the
revote policy says); a card vote carries the member's weight and may be
split; a proxy is voted by its holder and shown on the roll; the result is
not known until the close, when the declared counts and outcome are decided
by the named rule (``tallying.majority``) and recorded with the roll.

A secret vote is sealed when it is cast: the log holds the paper's seal and
the member's mark, never the member (:mod:`voting.seal`); at the close the
papers must open those seals exactly, and the marked register (who voted,
found from the ballot secret) must fit the roll and the number of marks.

The same functions serve ``decide`` (refusing bad commands) and ``evolve``
(refusing a logged event the state does not allow), so a replayed log is
checked by exactly the rules that made it.
"""

from __future__ import annotations

import string
from collections.abc import Collection, Iterable

from tallying.errors import CountError
from tallying.majority import (
    Decision,
    Electorate,
    Outcome,
    Side,
    Tally,
    Threshold,
    TieRule,
    decide,
)
from voting import events as ev
from voting import seal as sealing
from voting.amendment import carry, evolve_fell, target_text
from voting.college import college_decision, section_figures, sections_of
from voting.commands import CastVote, CloseBallot, OpenBallot
from voting.derived import Derived, make
from voting.errors import (
    AlreadyExists,
    AlreadyVoted,
    BallotClosed,
    DomainError,
    InconsistentEvent,
    InvalidVote,
    NotEntitled,
    OutOfOrder,
)
from voting.ids import check_id
from voting.lifecycle import MotionState, describe, require_transition
from voting.meeting import open_meeting, present_roll, present_voters
from voting.motion import check_question_rule
from voting.procedural import carried_effects
from voting.standing_orders import ProceduralKind, RevotePolicy
from voting.state import Ballot, BallotMethod, BodyState, Meeting, put, with_

__all__ = [
    "CHOICES",
    "cast_vote",
    "check_papers",
    "check_register",
    "close_ballot",
    "consequences_of_close",
    "decision",
    "derive_opened",
    "leading_falls",
    "marked_register",
    "open_ballot",
]

CHOICES = ("for", "against", "abstain")
TRACKER_CHARS = frozenset(string.hexdigits.lower())


def open_ballot(state: BodyState, cmd: OpenBallot) -> list[ev.Event]:
    check_id(cmd.ballot, "ballot")
    if cmd.ballot in state.ballots:
        raise AlreadyExists(f"there is already a ballot {cmd.ballot!r}")
    method = _method(cmd.method)
    falls = leading_falls(state, cmd.subject, cmd.at)
    after = state
    for fall in falls:
        after = evolve_fell(after, fall)
    opened = make(
        ev.BallotOpened, derive_opened, after,
        at=cmd.at, ballot=cmd.ballot, subject=cmd.subject, method=method.value, by=cmd.by,
        rule=cmd.threshold,
    )  # fmt: skip
    return [*falls, opened]


def _method(value: str) -> BallotMethod:
    try:
        return BallotMethod(value)
    except ValueError:
        methods = ", ".join(m.value for m in BallotMethod)
        raise DomainError(f"a ballot's method is one of {methods}; not {value!r}") from None


def leading_falls(state: BodyState, subject: str, at: str) -> list[ev.AmendmentFell]:
    """The amendments that fall as ``subject`` is put, logged just before its ``ballot_opened``.

    Citrine: a motion is put only when every amendment to it is disposed of, so
    amendments never seconded fall, and so do amendments to an amendment that
    is no longer before the meeting; an amendment is put only when the
    amendments to it are disposed of, so those never seconded fall.
    """
    if subject in state.motions:
        amendments = state.motions[subject].amendments
        return [
            *_unseconded_fall(state, amendments, "", at),
            *_orphans_fall(state, amendments, at),
        ]
    if subject in state.amendments:
        subs = tuple(a.id for a in state.amendments.values() if a.parent == subject)
        return _unseconded_fall(state, subs, subject, at)
    return []


def _question(state: BodyState, subject: str) -> tuple[Meeting, str, str, str, bool, str]:
    """What is put when ``subject`` is: its meeting, kind, question, text, whether it is the
    substantive motion, and the threshold the standing orders set for it.

    Refuses a subject that cannot be put now: every amendment to a motion (and
    every amendment to an amendment) is disposed of before it is put.
    """
    orders = state.orders
    if subject in state.motions:
        motion = state.motions[subject]
        meeting = open_meeting(state, motion.meeting)
        require_transition(f"the motion {motion.title!r}", motion.state, MotionState.PUT)
        for amendment_id in motion.amendments:
            amendment = state.amendments[amendment_id]
            if amendment.state in {
                MotionState.SECONDED,
                MotionState.UNDER_DEBATE,
                MotionState.PUT,
            }:
                raise OutOfOrder(
                    f"amendment {amendment.number} has not been disposed of: "
                    "every amendment is decided before the motion is put"
                )
        substantive = bool(motion.carried_amendments)
        question = (
            f"the substantive motion {motion.title!r} (as amended)"
            if substantive
            else f"the motion {motion.title!r}"
        )
        # A motion to amend the standing orders takes the threshold they set for that; a
        # motion moved with its own rule, that rule; any other, the standing orders'.
        threshold = (orders.orders_threshold.value if motion.orders
                     else motion.threshold or orders.motion_threshold.value)
        return (meeting, "motion", question, motion.text.plain(), substantive,
                threshold)  # fmt: skip
    if subject in state.amendments:
        amendment = state.amendments[subject]
        motion = state.motion(amendment.motion)
        meeting = open_meeting(state, motion.meeting)
        require_transition(f"amendment {amendment.number}", amendment.state, MotionState.PUT)
        for sub in state.amendments.values():
            if sub.parent == amendment.id and sub.state in {
                MotionState.SECONDED,
                MotionState.UNDER_DEBATE,
                MotionState.PUT,
            }:
                raise OutOfOrder(
                    f"amendment {sub.number} to amendment {amendment.number} is disposed of first"
                )
        question = f"amendment {amendment.number} to the motion {motion.title!r}"
        text = amendment.edit.describe(target_text(state, amendment))
        return (meeting, "amendment", question, text, False,
                orders.amendment_threshold.value)  # fmt: skip
    if subject in state.procedurals:
        procedural = state.procedurals[subject]
        meeting = open_meeting(state, procedural.meeting)
        if procedural.state != MotionState.SECONDED:
            raise OutOfOrder("that procedural motion is not waiting to be put")
        kind_name = ProceduralKind(procedural.kind)
        words = kind_name.value.replace("_", " ")
        return (meeting, "procedural", f"the procedural motion {words!r}",
                f"{words} ({procedural.target})", False,
                orders.procedural_threshold(kind_name).value)  # fmt: skip
    raise DomainError(f"there is no motion, amendment or procedural motion {subject!r}")


def derive_opened(state: BodyState, e: ev.BallotOpened) -> dict[str, Derived]:
    """Everything a ``ballot_opened`` holds beyond the chair's act of putting ``subject`` by
    ``method``, as the state gives it (docs/architecture.md principle 7); refuses a question that
    cannot be put now (the chair only, business started, one vote at a time, a quorum).
    """
    meeting, kind, question, text, substantive, threshold = _question(state, e.subject)
    method = _method(e.method)
    state.require_chair(meeting, e.by)
    if e.rule:
        threshold = _own_rule(state, e.subject, kind, e.rule, question)
    if threshold == Threshold.UNANIMITY.value and method not in {
        BallotMethod.RECORDED,
        BallotMethod.CARD,
    }:
        # Citrine's unanimous consent (WithdrawalRule.MOVER_THEN_UNANIMOUS_CONSENT): a
        # single objection stops the question, so each objection is the objecting
        # member's own vote against, cast by them and logged with their name.
        raise OutOfOrder(
            f"{question} needs unanimous consent, where one objection stops it: put it as a "
            "recorded (or card) vote, so that each objection is the member's own vote"
        )
    if not meeting.started:
        raise OutOfOrder("business has not started")
    _require_no_open_ballot(state, meeting)
    if kind != "procedural":
        _require_no_pending_procedural(state, meeting)
    members = state.membership()
    present = present_voters(state, meeting)
    if not meeting.quorum.is_met(present, members):
        raise OutOfOrder(
            f"the meeting is no longer quorate: {present} present, "
            f"{meeting.quorum.required(members)} needed"
        )
    weighted = method in {BallotMethod.CARD, BallotMethod.COLLEGE}
    roll = _roll(state, meeting, card=weighted)
    if method == BallotMethod.COLLEGE:
        # a college vote is the sections' votes: a member in no section (a chair from outside
        # them, say) is not on its roll, and may still put the question
        names = {section.name for section in sections_of(state)}
        roll = tuple(row for row in roll if state.member(row[1]).section in names)
        if not roll:
            raise OutOfOrder("nobody present is in a section of the college")
    orders = state.orders
    return {
        "meeting": Derived(meeting.id, "the meeting its subject belongs to"),
        "subject_kind": Derived(kind, "the kind of its subject"),
        "question": Derived(question, "the question its subject gives"),
        "text": Derived(text, "the text of its subject as it stands (the motion as amended)"),
        "substantive": Derived(substantive, "whether an amendment to the motion was carried"),
        "threshold": Derived(
            threshold, "the threshold of its subject (its own rule, or the standing orders')"
        ),
        "tie_rule": Derived(orders.tie_rule.value, "the tie rule of the standing orders"),
        "revote": Derived(orders.revote.value, "the revote policy of the body"),
        "roll": Derived(roll, "the roll the attendance gives"),
        "present": Derived(present, "the number of voting members the attendance gives"),
        "members": Derived(
            state.membership(weighted=weighted),
            "the body's voting membership (by weight for a card or college vote)",
        ),
        "quorum_required": Derived(
            meeting.quorum.required(members), "the quorum the meeting's rule requires"
        ),
    }


def _own_rule(state: BodyState, subject: str, kind: str, rule: str, question: str) -> str:
    """The rule the chair puts a motion with (docs/standing-orders.md, "A question's own
    rule"): a threshold the standing orders let a question carry, for a motion that has no
    rule of its own yet and does not amend the standing orders."""
    if kind != "motion":
        raise OutOfOrder(f"only a motion is put with a rule of its own, not {question}")
    motion = state.motions[subject]
    if motion.orders:
        raise OutOfOrder(
            "a motion to amend the standing orders is decided by the threshold they set for "
            f"that ({state.orders.orders_threshold.value}), not by a rule of its own"
        )
    if motion.threshold:
        raise OutOfOrder(
            f"{question} was moved with its own rule ({motion.threshold}), which stands"
        )
    check_question_rule(state.orders, rule, question)
    return rule


def _unseconded_fall(
    state: BodyState, amendment_ids: tuple[str, ...], parent: str, at: str
) -> list[ev.AmendmentFell]:
    return [
        ev.AmendmentFell(at, a, "it was not seconded")
        for a in amendment_ids
        if state.amendments[a].parent == parent
        and state.amendments[a].state == MotionState.PROPOSED
    ]


def _orphans_fall(
    state: BodyState, amendment_ids: tuple[str, ...], at: str
) -> list[ev.AmendmentFell]:
    """Amendments to an amendment that is no longer pending fall when the motion is put."""
    pending = {MotionState.PROPOSED, MotionState.SECONDED}
    events: list[ev.AmendmentFell] = []
    for amendment_id in amendment_ids:
        sub = state.amendments[amendment_id]
        if sub.parent and sub.state in pending:
            parent = state.amendments[sub.parent]
            if parent.state not in pending | {MotionState.UNDER_DEBATE, MotionState.PUT}:
                reason = f"amendment {parent.number}, which it amends, {describe(parent.state)}"
                events.append(ev.AmendmentFell(at, sub.id, reason))
    return events


def _require_no_open_ballot(state: BodyState, meeting: Meeting) -> None:
    for ballot in state.ballots.values():
        if ballot.meeting == meeting.id and not ballot.closed:
            raise OutOfOrder(f"the vote on {ballot.question} is still open")


def _require_no_pending_procedural(state: BodyState, meeting: Meeting) -> None:
    for procedural in state.procedurals.values():
        if procedural.meeting == meeting.id and procedural.state == MotionState.SECONDED:
            raise OutOfOrder(
                f"the procedural motion {procedural.kind.replace('_', ' ')!r} is put first"
            )


def _roll(state: BodyState, meeting: Meeting, *, card: bool) -> tuple[tuple[str, str, int], ...]:
    """Who may vote now: members present, and proxies held by members present."""
    entries: list[tuple[str, str, int]] = []
    for member_id in sorted(meeting.present):
        member = state.member(member_id)
        if member.may_vote:
            entries.append((member_id, member_id, member.weight if card else 1))
    for giver_id, holder_id in sorted(meeting.proxies.items()):
        giver = state.member(giver_id)
        holder = state.member(holder_id)
        held = holder_id in meeting.present and giver_id not in meeting.present
        if giver.may_vote and holder.may_vote and held:
            entries.append((holder_id, giver_id, giver.weight if card else 1))
    return tuple(entries)


def evolve_opened(state: BodyState, e: ev.BallotOpened) -> BodyState:
    ballot = Ballot(
        e.ballot,
        e.meeting,
        e.subject,
        e.subject_kind,
        e.question,
        e.text,
        e.substantive,
        BallotMethod(e.method),
        e.threshold,
        e.tie_rule,
        e.revote,
        {(voter, member): weight for voter, member, weight in e.roll},
        e.present,
        e.members,
        e.quorum_required,
        rule_source=_rule_source(state, e),
    )
    state = with_(state, ballots=put(state.ballots, e.ballot, ballot))
    return _set_subject_state(state, e.subject, e.subject_kind, MotionState.PUT)


def _rule_source(state: BodyState, e: ev.BallotOpened) -> str:
    """Whose rule the ballot's threshold is: the chair's as the question was put ("put"),
    the mover's as the motion was moved ("moved"), the standing orders' for amending them
    ("orders"), or the standing orders' for its kind of business ("")."""
    if e.rule:
        return "put"
    motion = state.motions.get(e.subject) if e.subject_kind == "motion" else None
    if motion is not None and motion.orders:
        return "orders"
    if motion is not None and motion.threshold:
        return "moved"
    return ""


def _set_subject_state(state: BodyState, subject: str, kind: str, target: MotionState) -> BodyState:
    if kind == "motion":
        motion = state.motion(subject)
        require_transition(f"the motion {motion.title!r}", motion.state, target)
        return with_(state, motions=put(state.motions, subject, with_(motion, state=target)))
    if kind == "amendment":
        amendment = state.amendment(subject)
        require_transition(f"amendment {amendment.number}", amendment.state, target)
        return with_(
            state, amendments=put(state.amendments, subject, with_(amendment, state=target))
        )
    procedural = state.procedurals[subject]
    return with_(
        state, procedurals=put(state.procedurals, subject, with_(procedural, state=target))
    )


# -- casting -------------------------------------------------------------------


def _open(state: BodyState, ballot_id: str) -> Ballot:
    ballot = state.ballot(ballot_id)
    if ballot.closed:
        raise BallotClosed(f"the vote on {ballot.question} has closed")
    return ballot


def check_voter(state: BodyState, ballot: Ballot, voter: str, member: str) -> int:
    """The weight ``voter`` casts for ``member`` on this ballot, or a refusal saying why."""
    known = state.known(member)
    if known is None:
        raise NotEntitled(f"{member!r} is not a member of {state.name}")
    if state.known(voter) is None:
        raise NotEntitled(f"{voter!r} is not a member of {state.name}")
    weight = ballot.roll.get((voter, member))
    if weight is None:
        who = state.name_of(member)
        if voter != member:
            raise NotEntitled(f"{state.name_of(voter)} does not hold {who}'s proxy for this vote")
        raise NotEntitled(
            f"{who} is not on the roll for this vote (absent, suspended or an observer "
            "when the question was put)"
        )
    if known.suspended:
        raise NotEntitled(f"{state.name_of(member)} has been suspended and may not vote")
    if voter not in state.meetings[ballot.meeting].present:
        raise NotEntitled(
            f"{state.name_of(voter)} has left the meeting and may no longer vote on "
            f"{ballot.question}"
        )
    already = member in ballot.votes or member in ballot.voters
    if already and (
        ballot.revote != RevotePolicy.LAST_COUNTS.value or ballot.method == BallotMethod.SECRET
    ):
        raise AlreadyVoted(f"{state.name_of(member)} has already voted on {ballot.question}")
    return weight


def cast_vote(state: BodyState, cmd: CastVote) -> list[ev.Event]:
    ballot = _open(state, cmd.ballot)
    if ballot.method == BallotMethod.SHOW_OF_HANDS:
        raise OutOfOrder("on a show of hands the tellers count the votes; none is cast here")
    member = cmd.on_behalf_of or cmd.by
    weight = check_voter(state, ballot, cmd.by, member)
    if ballot.method == BallotMethod.SECRET:
        if cmd.split is not None:
            raise InvalidVote("a secret ballot paper cannot be split")
        if cmd.choice not in CHOICES:
            raise InvalidVote(f"a vote is one of {', '.join(CHOICES)}; not {cmd.choice!r}")
        check_tracker(cmd.tracker)
        key = sealing.check_digest(cmd.mark_key, "mark key")
        mark = sealing.mark(ballot.id, member, key)
        if mark in ballot.marks:
            raise AlreadyVoted(f"{state.name_of(member)} has already voted on {ballot.question}")
        seal = sealing.seal(ballot.id, cmd.tracker, cmd.choice)
        if seal in ballot.seals:
            raise InvalidVote("a paper with this tracker and choice is already sealed on "
                              f"{ballot.question}: draw another tracker")
        return [ev.SecretVoteCast(cmd.at, cmd.ballot, mark, seal)]
    if cmd.tracker or cmd.mark_key:
        raise InvalidVote("only a secret ballot takes a tracker and a mark key")
    split = _split(ballot, weight, cmd.choice, cmd.split)
    return [ev.VoteCast(cmd.at, cmd.ballot, cmd.by, member, *split)]


def check_tracker(tracker: str) -> None:
    """A tracker is 32 to 64 lowercase hex digits, drawn by the shell for the voter."""
    if not 32 <= len(tracker) <= 64 or not set(tracker) <= TRACKER_CHARS:
        raise InvalidVote("a secret ballot needs a tracker of 32 to 64 lowercase hex digits")


def _split(
    ballot: Ballot, weight: int, choice: str, split: tuple[int, int, int] | None
) -> tuple[int, int, int]:
    if split is not None:
        if ballot.method != BallotMethod.CARD:
            raise InvalidVote("only a card vote can be split")
        if choice:
            raise InvalidVote("give either a choice or a split card, not both")
        if len(split) != 3 or any(
            isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in split
        ):
            raise InvalidVote("a split card is three whole numbers: for, against, abstain")
        if sum(split) != weight:
            raise InvalidVote(f"a split card must add up to the card's weight, {weight}")
        return (split[0], split[1], split[2])
    if choice not in CHOICES:
        raise InvalidVote(f"a vote is one of {', '.join(CHOICES)}; not {choice!r}")
    return (
        weight if choice == "for" else 0,
        weight if choice == "against" else 0,
        weight if choice == "abstain" else 0,
    )


_NAMED_METHODS = frozenset({BallotMethod.RECORDED, BallotMethod.CARD, BallotMethod.COLLEGE})


def evolve_vote(state: BodyState, e: ev.VoteCast) -> BodyState:
    ballot = _open(state, e.ballot)
    weight = check_voter(state, ballot, e.voter, e.member)
    if ballot.method not in _NAMED_METHODS:
        raise InconsistentEvent(f"a named vote was logged on a {ballot.method.value} ballot")
    split = (e.for_votes, e.against, e.abstain)
    if (
        min(split) < 0
        or sum(split) != weight
        or (ballot.method != BallotMethod.CARD and max(split) != weight)
    ):
        raise InconsistentEvent(f"the logged vote of {e.member} does not match their weight")
    ballot = with_(ballot, votes=put(ballot.votes, e.member, split))
    return with_(state, ballots=put(state.ballots, e.ballot, ballot))


def evolve_secret_vote(state: BodyState, e: ev.SecretVoteCast) -> BodyState:
    """A sealed vote names nobody, so replay checks what the entry can show: the ballot is
    open and secret, the mark and seal are digests neither used before on it, and there are
    no more sealed votes than entries on the roll. Who voted is checked at the close, against
    the marked register (:func:`check_register`)."""
    ballot = _open(state, e.ballot)
    if ballot.method != BallotMethod.SECRET:
        raise InconsistentEvent("a sealed vote was logged on a ballot that is not secret")
    sealing.check_digest(e.mark, "sealed vote's mark")
    sealing.check_digest(e.seal, "sealed vote's seal")
    if e.mark in ballot.marks:
        raise InconsistentEvent(f"a second sealed vote with one member's mark on {ballot.question}")
    if e.seal in ballot.seals:
        raise InconsistentEvent(f"a second sealed vote with one seal on {ballot.question}")
    if len(ballot.marks) >= len(ballot.roll):
        raise InconsistentEvent(
            f"more sealed votes on {ballot.question} than the {len(ballot.roll)} entries "
            "on its roll"
        )
    # put: in place inside a replay's transient() fold, so n sealed votes replay in O(n)
    ballot = with_(ballot, marks=put(ballot.marks, e.mark, e.seal),
                   seals=put(ballot.seals, e.seal, e.mark))
    return with_(state, ballots=put(state.ballots, e.ballot, ballot))


# -- closing -------------------------------------------------------------------


def counts_of(
    ballot: Ballot,
    counts: tuple[int, int, int] | None,
    papers: tuple[tuple[str, str], ...],
) -> tuple[int, int, int]:
    """The for/against/abstain totals: tellers' counts, sealed papers, or named votes."""
    if ballot.method == BallotMethod.SHOW_OF_HANDS:
        if counts is None or len(counts) != 3:
            raise InvalidVote(
                "on a show of hands the tellers give three counts: for, against, abstain"
            )
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in counts):
            raise InvalidVote("the tellers' counts are whole numbers of at least 0")
        if sum(counts) > ballot.roll_weight:
            raise InvalidVote(
                f"the tellers count {sum(counts)} votes but only {ballot.roll_weight} may vote"
            )
        if papers:
            raise InvalidVote("a show of hands has no ballot papers")
        return (counts[0], counts[1], counts[2])
    if counts is not None:
        raise InvalidVote(
            f"a {ballot.method.value} vote is counted from the votes cast, not entered"
        )
    if ballot.method == BallotMethod.SECRET:
        totals = [0, 0, 0]
        for _, choice in papers:
            if choice not in CHOICES:
                raise InvalidVote(f"a ballot paper's choice is one of {', '.join(CHOICES)}")
            totals[CHOICES.index(choice)] += 1
        check_papers(ballot.id, ballot.seals, papers, ballot.question)
        return (totals[0], totals[1], totals[2])
    if papers:
        raise InvalidVote(f"a {ballot.method.value} vote has no sealed papers")
    totals = [0, 0, 0]
    for split in ballot.votes.values():
        for i in range(3):
            totals[i] += split[i]
    return (totals[0], totals[1], totals[2])


def check_papers(
    question: str, seals: Collection[str], papers: tuple[tuple[str, str], ...], what: str
) -> None:
    """The published papers open the logged seals exactly: as many papers as seals, trackers
    well formed and distinct, and every paper opening a distinct seal logged at its cast
    (the two as multisets; :mod:`voting.seal`). ``papers`` hold each choice as sealed."""
    if len(papers) != len(seals):
        raise InvalidVote(
            f"{len(papers)} ballot papers for {len(seals)} sealed votes on {what}: "
            "they must be equal"
        )
    trackers: set[str] = set()
    for tracker, choice in papers:
        check_tracker(tracker)
        if tracker in trackers:
            raise InvalidVote("two ballot papers have the same tracker")
        trackers.add(tracker)
        seal = sealing.seal(question, tracker, choice)
        if seal not in seals:
            raise InvalidVote(
                f"the paper with tracker {tracker} opens no seal logged on {what}: "
                "it is not a paper that was cast"
            )
    # As many papers as seals, each opening one, with distinct trackers (so distinct seals):
    # the papers open every logged seal exactly once.


def marked_register(
    question: str, roll: Iterable[tuple[str, str]], marks: Collection[str], secret: str
) -> tuple[tuple[str, str], ...]:
    """Who voted: the ``(voter, member)`` entries of the roll whose mark, from the ballot
    secret, is among the logged marks, sorted; refused unless every mark is found."""
    register = sorted(
        (voter, member)
        for voter, member in roll
        if sealing.mark(question, member, sealing.mark_key(secret, member)) in marks
    )
    if len(register) != len(marks):
        raise InvalidVote(
            f"{len(marks) - len(register)} of the {len(marks)} sealed votes carry the mark of "
            "nobody on the roll under this ballot secret: it is not the secret they were cast with"
        )
    return tuple(register)


def check_register(ballot: Ballot, voters: tuple[tuple[str, str], ...]) -> None:
    """The marked register logged at a secret ballot's close: sorted, distinct entries of the
    roll, one member each, as many as sealed votes (the marks hide who; the count cannot)."""
    if ballot.method != BallotMethod.SECRET:
        if voters:
            raise InconsistentEvent(f"a {ballot.method.value} vote has no marked register")
        return
    if list(voters) != sorted(set(voters)):
        raise InconsistentEvent("the marked register is listed sorted, each voter once")
    if len({member for _, member in voters}) != len(voters):
        raise InconsistentEvent("the marked register lists a member twice")
    for voter, member in voters:
        if (voter, member) not in ballot.roll:
            raise InconsistentEvent(
                f"the marked register lists {member} (voter {voter}), who is not on the roll "
                f"for {ballot.question}"
            )
    if len(voters) != len(ballot.marks):
        raise InconsistentEvent(
            f"the marked register lists {len(voters)} voters for {len(ballot.marks)} sealed "
            f"votes on {ballot.question}"
        )


def decision(
    state: BodyState, ballot: Ballot, totals: tuple[int, int, int], casting_vote: str
) -> Decision:
    """The named rule applied to the totals (``tallying.majority.decide``).

    A college vote is decided on each section's share instead (``voting.college``).
    """
    side: Side | None
    if casting_vote:
        try:
            side = Side(casting_vote)
        except ValueError:
            raise InvalidVote("a casting vote is for or against") from None
    else:
        side = None
    if ballot.method == BallotMethod.COLLEGE:
        return college_decision(state, ballot, side)
    try:
        return decide(
            Tally(*totals),
            Threshold(ballot.threshold),
            Electorate(present=ballot.roll_weight, members=ballot.members),
            tie_rule=TieRule(ballot.tie_rule),
            casting_vote=side,
        )
    except CountError as refusal:  # e.g. a casting vote missing, or given with no tie
        raise InvalidVote(str(refusal)) from refusal


def close_ballot(state: BodyState, cmd: CloseBallot) -> list[ev.Event]:
    ballot = _open(state, cmd.ballot)
    meeting = state.meeting(ballot.meeting)
    state.require_chair(meeting, cmd.by)
    papers = tuple(sorted((str(t), str(c)) for t, c in cmd.papers))
    voters: tuple[tuple[str, str], ...] = ()
    if ballot.method == BallotMethod.SECRET:
        secret = sealing.check_digest(cmd.ballot_secret, "ballot secret")
        voters = marked_register(ballot.id, ballot.roll, ballot.marks, secret)
    elif cmd.ballot_secret:
        raise InvalidVote("only a secret ballot takes a ballot secret")
    totals = counts_of(ballot, cmd.counts, papers)
    result = decision(state, ballot, totals, cmd.casting_vote)
    events: list[ev.Event] = [
        ev.BallotClosed(
            cmd.at,
            cmd.ballot,
            *totals,
            present_roll(state, meeting),
            result.casting_vote.value if result.casting_vote else "",
            result.outcome.value,
            result.tied,
            result.explanation,
            papers,
            voters,
            cmd.by,
            section_figures(state, ballot),
        )
    ]
    events += consequences_of_close(state, ballot, result.outcome.value, cmd.at)
    return events


def consequences_of_close(
    state: BodyState, ballot: Ballot, outcome: str, at: str
) -> list[ev.Event]:
    """What the close of a vote causes, logged right after it: a carried amendment changes
    the text (and amendments it leaves without their words fall); a carried procedural
    motion does what it says (``voting.procedural.carried_effects``)."""
    if outcome != Outcome.CARRIED.value:
        return []
    if ballot.subject_kind == "amendment":
        return carry(state, state.amendment(ballot.subject), at)
    if ballot.subject_kind == "procedural":
        return carried_effects(state, state.procedurals[ballot.subject], at)
    motion = state.motions[ballot.subject]
    if motion.orders:  # the standing orders change from the next entry on
        return [ev.StandingOrdersAmended(at, motion.id, motion.orders)]
    return []


def evolve_closed(state: BodyState, e: ev.BallotClosed) -> BodyState:
    ballot = _open(state, e.ballot)
    if e.present_at_close != present_roll(state, state.meeting(ballot.meeting)):
        raise InconsistentEvent(
            f"the roll logged at the close of {ballot.question} is not who was present"
        )
    counts = (e.for_votes, e.against, e.abstain)
    if ballot.method == BallotMethod.SECRET and list(e.papers) != sorted(e.papers):
        raise InconsistentEvent("secret ballot papers must be published sorted by tracker")
    check_register(ballot, e.voters)
    if e.sections != section_figures(state, ballot):
        raise InconsistentEvent(
            f"the sections' figures logged at the close of {ballot.question} are not the "
            "recount's"
        )
    totals = counts_of(
        ballot, counts if ballot.method == BallotMethod.SHOW_OF_HANDS else None, e.papers
    )
    if totals != counts:
        raise InconsistentEvent(
            f"the declared count {counts} on {ballot.question} is not the recount {totals}"
        )
    result = decision(state, ballot, totals, e.casting_vote)
    if (result.outcome.value, result.tied, result.explanation) != (
        e.outcome,
        e.tied,
        e.explanation,
    ):
        raise InconsistentEvent(
            f"the declared result on {ballot.question} ({e.outcome}) is not what the rule "
            f"{ballot.threshold} gives ({result.outcome.value})"
        )
    ballot = with_(ballot, closed=True, outcome=e.outcome,
                   voters=frozenset(member for _, member in e.voters), result=result)
    state = with_(state, ballots=put(state.ballots, e.ballot, ballot))
    final = MotionState.CARRIED if result.carried else MotionState.LOST
    return _set_subject_state(state, ballot.subject, ballot.subject_kind, final)

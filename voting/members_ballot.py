"""Members' ballots: a question put to every member outside any meeting.

An officer (the body's chair or secretary) calls the ballot with its question, its method
(recorded or secret), its window and whether votes carry the members' weights; it may be
triggered by a petition that closed with its threshold met, which it then names. The
electorate is fixed by the entry that calls it: every member who may vote at that moment
(not suspended, not an observer), so a member admitted or suspended later changes nothing.
Members vote with ``CastVote`` (sealed on a secret ballot, :mod:`voting.seal`) from
``opens_at`` until before ``closes_at``; the close, by an officer, comes no earlier than
``closes_at``, and the result is known only then (docs/counting.md, "Members' ballots").

The threshold is the standing orders' motion threshold, or the question's own rule when
the officer gives one the standing orders let a question carry (docs/standing-orders.md,
"A question's own rule"). No chair presides over a members' ballot, so an equality of
votes is not carried (``tallying.majority.TieRule.FALLS``).

Everything the opening entry holds beyond the officer's act is derived from the state and
recomputed on replay (:func:`derive_opened`, docs/architecture.md principle 7).
"""

from __future__ import annotations

from tallying.majority import Threshold, TieRule
from voting import events as ev
from voting.body import require_founded
from voting.commands import OpenMembersBallot
from voting.derived import Derived, make
from voting.errors import AlreadyExists, BallotClosed, DomainError, NotEntitled, OutOfOrder
from voting.ids import check_id
from voting.motion import check_question_rule
from voting.state import Ballot, BallotMethod, BodyState, Role, put, with_
from voting.text import MotionText
from voting.times import FORM, InvalidTime, TimeKey, time_key

__all__ = [
    "METHODS",
    "check_close",
    "check_window",
    "derive_opened",
    "evolve_opened",
    "open_members_ballot",
    "require_officer",
]

METHODS = (BallotMethod.RECORDED, BallotMethod.SECRET)
"""How a members' ballot is voted: by name, or sealed."""


def open_members_ballot(state: BodyState, cmd: OpenMembersBallot) -> list[ev.Event]:
    check_id(cmd.ballot, "ballot")
    question = MotionText.parse(cmd.question).plain()
    return [
        make(ev.MembersBallotOpened, derive_opened, state, at=cmd.at, ballot=cmd.ballot,
             question=question, method=str(cmd.method), opens_at=cmd.opens_at,
             closes_at=cmd.closes_at, weighted=cmd.weighted, petition=cmd.petition,
             rule=cmd.threshold, by=cmd.by)
    ]  # fmt: skip


def _method(value: str, weighted: bool) -> BallotMethod:
    methods = ", ".join(m.value for m in METHODS)
    try:
        method = BallotMethod(value)
    except ValueError:
        raise DomainError(f"a members' ballot is {methods}; not {value!r}") from None
    if method not in METHODS:
        raise DomainError(f"a members' ballot is {methods}; not {value!r}")
    if weighted and method == BallotMethod.SECRET:
        raise DomainError(
            "a weighted members' ballot is recorded: a sealed paper carries no weight"
        )
    return method


def _window(at: str, opens_at: str, closes_at: str) -> None:
    """The window is two valid times, the close after the opening, opening no earlier than
    the ballot is called."""
    opens, closes, called = time_key(opens_at), time_key(closes_at), time_key(at)
    if opens is None or closes is None:
        name, value = ("opens_at", opens_at) if opens is None else ("closes_at", closes_at)
        raise InvalidTime(
            f"a members' ballot's {name} {value!r} is not an RFC 3339 UTC time ({FORM})"
        )
    if called is not None and opens < called:
        raise OutOfOrder(
            f"a members' ballot cannot open ({opens_at}) before it is called ({at})"
        )
    if closes <= opens:
        raise OutOfOrder(
            f"a members' ballot closes after it opens: {closes_at} is not after {opens_at}"
        )


def require_officer(state: BodyState, who: str, act: str) -> None:
    """A members' ballot is called and closed by a chair or secretary of the body."""
    member = state.members.get(who)
    if member is None or member.suspended or not {Role.CHAIR, Role.SECRETARY} & member.roles:
        raise NotEntitled(f"only the body's chair or secretary may {act} a members' ballot")


def _petition(state: BodyState, petition_id: str, ballot_id: str) -> None:
    """A triggering petition closed with its threshold met, and triggers one ballot."""
    if not petition_id:
        return
    petition = state.petition(petition_id)
    if not petition.closed:
        raise OutOfOrder(f"the petition {petition_id!r} has not closed: it triggers nothing yet")
    if not petition.met:
        raise OutOfOrder(
            f"the petition {petition_id!r} closed without meeting its threshold "
            f"({len(petition.signatures)} of {petition.required} signatures): it triggers "
            "no ballot"
        )
    for other in state.ballots.values():
        if other.petition == petition_id:
            raise AlreadyExists(
                f"the petition {petition_id!r} already triggered the members' ballot {other.id!r}"
            )


def derive_opened(state: BodyState, e: ev.MembersBallotOpened) -> dict[str, Derived]:
    """What a ``members_ballot_opened`` holds beyond the officer's act, as the state gives
    it; refuses a ballot that cannot be called (an officer only, a new id, a recorded or
    secret method, a valid window, a petition that met its threshold, an allowed rule)."""
    require_founded(state)
    require_officer(state, e.by, "call")
    if e.ballot in state.ballots:
        raise AlreadyExists(f"there is already a ballot {e.ballot!r}")
    method = _method(e.method, e.weighted)
    _window(e.at, e.opens_at, e.closes_at)
    _petition(state, e.petition, e.ballot)
    orders = state.orders
    threshold = orders.motion_threshold.value
    if e.rule:
        check_question_rule(orders, e.rule, "a members' ballot")
        threshold = e.rule
    if threshold == Threshold.UNANIMITY.value and method != BallotMethod.RECORDED:
        raise OutOfOrder(
            "a members' ballot needing unanimity is recorded, so that each objection is the "
            "member's own vote"
        )
    roll = tuple(sorted(
        (member.id, member.weight if e.weighted else 1)
        for member in state.members.values() if member.may_vote
    ))  # fmt: skip
    if not roll:
        raise OutOfOrder("nobody may vote in the body: there is no electorate to ballot")
    return {
        "threshold": Derived(
            threshold, "the threshold of its question (its own rule, or the standing orders')"
        ),
        "tie_rule": Derived(
            TieRule.FALLS.value, "tie_falls: no chair presides over a members' ballot"
        ),
        "revote": Derived(orders.revote.value, "the revote policy of the body"),
        "roll": Derived(roll, "the electorate the membership gives"),
        "members": Derived(
            sum(weight for _, weight in roll), "the electorate's total (by weight if weighted)"
        ),
    }


def evolve_opened(state: BodyState, e: ev.MembersBallotOpened) -> BodyState:
    ballot = Ballot(
        e.ballot,
        "",
        "",
        "question",
        f"the members' ballot {e.ballot!r}",
        e.question,
        False,
        BallotMethod(e.method),
        e.threshold,
        e.tie_rule,
        e.revote,
        {(member, member): weight for member, weight in e.roll},
        len(e.roll),
        e.members,
        0,
        rule_source="put" if e.rule else "",
        opens_at=e.opens_at,
        closes_at=e.closes_at,
        petition=e.petition,
    )
    return with_(state, ballots=put(state.ballots, e.ballot, ballot))


def _logged(value: str) -> TimeKey:
    """The key of a window's time as logged (found valid when the ballot opened)."""
    key = time_key(value)
    return key if key is not None else ("", "")


def check_window(ballot: Ballot, at: str) -> None:
    """A vote on a members' ballot is cast from ``opens_at`` until before ``closes_at``."""
    if not ballot.of_members:
        return
    when = time_key(at)
    if when is None:
        return  # the time itself is refused where every time is checked
    if when < _logged(ballot.opens_at):
        raise BallotClosed(
            f"{ballot.question} opens at {ballot.opens_at}: a vote at {at} is too early"
        )
    if when >= _logged(ballot.closes_at):
        raise BallotClosed(
            f"{ballot.question} closed for votes at {ballot.closes_at}: a vote at {at} is too late"
        )


def check_close(state: BodyState, ballot: Ballot, by: str, at: str) -> None:
    """An officer closes a members' ballot, no earlier than ``closes_at``."""
    require_officer(state, by, "close")
    when = time_key(at)
    if when is not None and when < _logged(ballot.closes_at):
        raise OutOfOrder(
            f"{ballot.question} closes at {ballot.closes_at}, not before: members may vote "
            "until then"
        )

"""Standing orders as data: the named profiles ``citrine`` and ``roberts``.

Every threshold, tie rule, withdrawal rule, amendment order and revote policy
a body uses is a named value here, and every result states the rule that
produced it (docs/architecture.md principle 3). A body picks a profile when it is
founded; the profile's name and every value in it go into the log.

Sources: Walter Citrine, *ABC of Chairmanship* (the practice of UK trade
unions and labour-movement bodies: amendments taken one at a time and
disposed of before the motion; the substantive motion put at the end; the
chair's casting vote, conventionally used for the status quo; a motion once
stated withdrawn only by unanimous consent); *Robert's
Rules of Order Newly Revised*, 12th ed. (2020): the previous question
("that the question be now put") and the motion to limit debate need
two-thirds; withdrawal after the question is stated needs the assembly's
leave; an equality of votes means the motion is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tallying.majority import Threshold, TieRule
from voting.errors import NotFound

__all__ = [
    "PROFILES",
    "AmendmentOrder",
    "ProceduralKind",
    "RevotePolicy",
    "StandingOrders",
    "WithdrawalRule",
    "profile",
]


class AmendmentOrder(StrEnum):
    """In what order the chair takes amendments."""

    AS_RECEIVED = "as_received"  # in the order they were moved
    BY_POSITION = "by_position"  # by the place in the text they affect, earliest first


class WithdrawalRule(StrEnum):
    """Who may withdraw a motion, and when."""

    # Citrine, *ABC of Chairmanship*, Appendix A ("Branch procedure at a glance", D.3):
    # the mover alone until the motion is seconded; once it is stated it belongs to the
    # meeting and is withdrawn only by the meeting's unanimous consent, so a single
    # objection stops it (here the procedural motion ``withdraw``, put as a recorded
    # vote with the threshold ``unanimity_of_votes_cast``: one member's vote against,
    # their own act on the record, is the objection).
    MOVER_THEN_UNANIMOUS_CONSENT = "mover_then_unanimous_consent"
    # Robert's: the mover alone before the chair states the question; after, the
    # leave of the assembly (a vote).
    MOVER_THEN_ASSEMBLY = "mover_then_assembly"


class RevotePolicy(StrEnum):
    """What happens when a member votes twice on one ballot."""

    NO_REVOTE = "no_revote"  # the second vote is refused
    LAST_COUNTS = "last_counts"  # the later vote replaces the earlier one


class ProceduralKind(StrEnum):
    """The procedural motions a member may move during debate."""

    CLOSURE = "that_the_question_be_now_put"
    NEXT_BUSINESS = "next_business"
    ADJOURN_DEBATE = "adjourn_the_debate"
    ADJOURN_MEETING = "adjourn_the_meeting"
    REFER_BACK = "refer_back"
    REMIT = "remit"
    WITHDRAW = "withdraw"
    CHALLENGE_CHAIR = "challenge_to_the_chair"


@dataclass(frozen=True, slots=True)
class StandingOrders:
    """A body's rules of procedure, every one of them named."""

    name: str
    motion_threshold: Threshold
    amendment_threshold: Threshold
    procedural_thresholds: tuple[tuple[ProceduralKind, Threshold], ...]
    tie_rule: TieRule
    withdrawal: WithdrawalRule
    amendment_order: AmendmentOrder
    revote: RevotePolicy
    proxies_allowed: bool
    remit_needs_mover_consent: bool
    max_amendment_depth: int  # 1: an amendment to an amendment, no deeper

    def procedural_threshold(self, kind: ProceduralKind) -> Threshold:
        """The majority a procedural motion of this kind needs."""
        for candidate, threshold in self.procedural_thresholds:
            if candidate == kind:
                return threshold
        return self.motion_threshold

    def to_json(self) -> dict[str, object]:
        """Every rule by name, for the log."""
        return {
            "name": self.name,
            "motion_threshold": self.motion_threshold.value,
            "amendment_threshold": self.amendment_threshold.value,
            "procedural_thresholds": {k.value: t.value for k, t in self.procedural_thresholds},
            "tie_rule": self.tie_rule.value,
            "withdrawal": self.withdrawal.value,
            "amendment_order": self.amendment_order.value,
            "revote": self.revote.value,
            "proxies_allowed": self.proxies_allowed,
            "remit_needs_mover_consent": self.remit_needs_mover_consent,
            "max_amendment_depth": self.max_amendment_depth,
        }


_SIMPLE = Threshold.SIMPLE_MAJORITY

CITRINE = StandingOrders(
    name="citrine",
    motion_threshold=_SIMPLE,
    amendment_threshold=_SIMPLE,
    procedural_thresholds=tuple(
        (kind, Threshold.UNANIMITY if kind == ProceduralKind.WITHDRAW else _SIMPLE)
        for kind in ProceduralKind
    ),
    tie_rule=TieRule.CHAIR_CASTING_VOTE,
    withdrawal=WithdrawalRule.MOVER_THEN_UNANIMOUS_CONSENT,
    amendment_order=AmendmentOrder.BY_POSITION,
    revote=RevotePolicy.NO_REVOTE,
    proxies_allowed=False,
    remit_needs_mover_consent=True,
    max_amendment_depth=1,
)

ROBERTS = StandingOrders(
    name="roberts",
    motion_threshold=_SIMPLE,
    amendment_threshold=_SIMPLE,
    procedural_thresholds=(
        (ProceduralKind.CLOSURE, Threshold.TWO_THIRDS_OF_VOTES_CAST),
        (ProceduralKind.NEXT_BUSINESS, Threshold.TWO_THIRDS_OF_VOTES_CAST),
        *(
            (kind, _SIMPLE)
            for kind in ProceduralKind
            if kind not in {ProceduralKind.CLOSURE, ProceduralKind.NEXT_BUSINESS}
        ),
    ),
    tie_rule=TieRule.FALLS,
    withdrawal=WithdrawalRule.MOVER_THEN_ASSEMBLY,
    amendment_order=AmendmentOrder.AS_RECEIVED,
    revote=RevotePolicy.NO_REVOTE,
    proxies_allowed=False,
    remit_needs_mover_consent=True,
    max_amendment_depth=1,
)

PROFILES: dict[str, StandingOrders] = {CITRINE.name: CITRINE, ROBERTS.name: ROBERTS}


def profile(name: str) -> StandingOrders:
    """The named standing-orders profile."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise NotFound(f"no standing orders called {name!r}; known: {known}") from None

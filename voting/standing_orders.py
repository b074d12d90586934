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

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from tallying.majority import Threshold, TieRule
from voting.errors import DomainError, NotFound

__all__ = [
    "PROFILES",
    "QUESTION_THRESHOLDS",
    "RULE_NAMES",
    "AmendmentOrder",
    "InvalidRule",
    "ProceduralKind",
    "RevotePolicy",
    "StandingOrders",
    "WithdrawalRule",
    "amended",
    "check_rules",
    "profile",
    "resolve",
    "rule_values",
]


class InvalidRule(DomainError):
    """A standing order named or valued wrongly (an unknown rule, a value it cannot take)."""


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
    # A body's own choice: the mover alone until the motion is seconded; once seconded,
    # the mover with the seconder's consent (the seconder's own act on the record,
    # ``ConsentGiven``) until debate opens; then the leave of the meeting.
    MOVER_WITH_SECONDER_CONSENT = "mover_with_seconder_consent"


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
    # The threshold of a motion that amends these standing orders.
    orders_threshold: Threshold = Threshold.TWO_THIRDS_OF_VOTES_CAST
    # The thresholds a motion may carry as its own rule (moved or put with it); none: only
    # the standing orders' own.
    question_thresholds: tuple[Threshold, ...] = ()
    # The least quorum of any meeting: a number of members (0: none) and a fraction of the
    # membership ("": none); a meeting convened without a quorum of its own takes this one.
    quorum_number: int = 0
    quorum_fraction: str = ""

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
            "orders_threshold": self.orders_threshold.value,
            "question_thresholds": [t.value for t in self.question_thresholds],
            "quorum_number": self.quorum_number,
            "quorum_fraction": self.quorum_fraction,
        }

    def differences(self) -> tuple[tuple[str, str], ...]:
        """The rules in which these orders differ from their named profile, by name."""
        base = dict(rule_values(profile(self.name)))
        return tuple((rule, value) for rule, value in rule_values(self) if base.get(rule) != value)


_SIMPLE = Threshold.SIMPLE_MAJORITY

QUESTION_THRESHOLDS = (
    Threshold.TWO_THIRDS_OF_VOTES_CAST,
    Threshold.MAJORITY_OF_MEMBERS,
    Threshold.TWO_THIRDS_OF_MEMBERS,
    Threshold.THREE_QUARTERS_OF_VOTES_CAST,
    Threshold.UNANIMITY,
)
"""What both profiles let a motion carry as its own rule: only a stricter one than the simple
majority (Robert's, RONR 12th ed. §44, on the bases of a vote; Citrine on special majorities
for a rule change): two-thirds of votes cast, a majority of all members (not only of those
voting), two-thirds of all members, three-quarters of votes cast, unanimity."""

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
    orders_threshold=Threshold.TWO_THIRDS_OF_VOTES_CAST,
    question_thresholds=QUESTION_THRESHOLDS,
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
    orders_threshold=Threshold.TWO_THIRDS_OF_VOTES_CAST,
    question_thresholds=QUESTION_THRESHOLDS,
)

PROFILES: dict[str, StandingOrders] = {CITRINE.name: CITRINE, ROBERTS.name: ROBERTS}


def profile(name: str) -> StandingOrders:
    """The named standing-orders profile."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise NotFound(f"no standing orders called {name!r}; known: {known}") from None


# -- the rules by name: what a body may set at its founding or amend by a decision --------------

Parse = Callable[[str], object]


def _enum(kind: type[StrEnum]) -> Parse:
    def parse(value: str) -> object:
        try:
            return kind(value)
        except ValueError:
            known = ", ".join(k.value for k in kind)
            raise InvalidRule(f"{value!r} is not one of {known}") from None

    return parse


def _bool(value: str) -> bool:
    if value not in {"true", "false"}:
        raise InvalidRule(f"{value!r} is not true or false")
    return value == "true"


def _count(value: str) -> int:
    if not value.isascii() or not value.isdigit() or (len(value) > 1 and value[0] == "0"):
        raise InvalidRule(f"{value!r} is not a whole number of at least 0")
    number = int(value)
    if number > 10**9:
        raise InvalidRule(f"{value!r} is more than 1,000,000,000")
    return number


def _fraction(value: str) -> str:
    if value == "":
        return value
    top, slash, bottom = value.partition("/")
    if not slash or not all(p.isascii() and p.isdigit() for p in (top, bottom)) or bottom == "0":
        raise InvalidRule(f"{value!r} is not a fraction such as 1/3 (or empty: none)")
    fraction = Fraction(int(top), int(bottom))
    if not 0 < fraction <= 1 or str(fraction) != value:
        raise InvalidRule(f"{value!r} is not a fraction in lowest terms above 0 and at most 1")
    return value


def _thresholds(value: str) -> tuple[Threshold, ...]:
    if value == "":
        return ()
    parse = _enum(Threshold)
    names = value.split(",")
    if len(set(names)) != len(names):
        raise InvalidRule(f"{value!r} names a threshold twice")
    return tuple(sorted((parse(n) for n in names), key=list(Threshold).index))  # type: ignore[misc]


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(_show(v) for v in value)
    return str(value)


_FIELD_RULES: dict[str, Parse] = {
    "motion_threshold": _enum(Threshold),
    "amendment_threshold": _enum(Threshold),
    "orders_threshold": _enum(Threshold),
    "tie_rule": _enum(TieRule),
    "withdrawal": _enum(WithdrawalRule),
    "amendment_order": _enum(AmendmentOrder),
    "revote": _enum(RevotePolicy),
    "proxies_allowed": _bool,
    "remit_needs_mover_consent": _bool,
    "question_thresholds": _thresholds,
    "quorum_number": _count,
    "quorum_fraction": _fraction,
}
_PROCEDURAL = "procedural_threshold."

RULE_NAMES: tuple[str, ...] = tuple(
    sorted([*_FIELD_RULES, *(_PROCEDURAL + kind.value for kind in ProceduralKind)])
)
"""Every rule a body may set by name (docs/standing-orders.md): the thresholds per kind of
business (``motion_threshold``, ``amendment_threshold``, ``orders_threshold`` for a motion
amending the standing orders, ``procedural_threshold.KIND`` per procedural motion), the
``tie_rule`` (``chair_casting_vote`` gives the chair a casting vote), ``withdrawal``,
``amendment_order``, ``revote``, ``proxies_allowed``, ``remit_needs_mover_consent``,
``question_thresholds`` (the thresholds a motion may carry as its own rule, comma-separated)
and the least quorum (``quorum_number``, ``quorum_fraction``). Every value is text."""


def rule_values(orders: StandingOrders) -> tuple[tuple[str, str], ...]:
    """Every rule of ``orders`` as ``(name, value)`` text, sorted by name."""
    values = {name: _show(getattr(orders, name)) for name in _FIELD_RULES}
    for kind in ProceduralKind:
        values[_PROCEDURAL + kind.value] = orders.procedural_threshold(kind).value
    return tuple(sorted(values.items()))


def check_rules(rules: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """``rules`` as logged: ``(name, value)`` pairs of text, sorted, each name once, each a
    rule of :data:`RULE_NAMES` with a value it can take (refuses anything else)."""
    pairs = tuple(rules)
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2
                and all(isinstance(part, str) for part in pair)):
            raise InvalidRule(f"a rule is given as a (name, value) pair of text, not {pair!r}")
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise InvalidRule("a rule is named twice")
    for name, value in pairs:
        _parse(name, value)
    return tuple(sorted(pairs))


def _parse(name: str, value: str) -> object:
    parse = _FIELD_RULES.get(name)
    if parse is None and name.startswith(_PROCEDURAL):
        try:
            ProceduralKind(name.removeprefix(_PROCEDURAL))
        except ValueError:
            pass
        else:
            parse = _enum(Threshold)
    if parse is None:
        raise InvalidRule(f"there is no standing order called {name!r}; the rules are "
                          f"{', '.join(RULE_NAMES)}")
    try:
        return parse(value)
    except InvalidRule as exc:
        raise InvalidRule(f"the standing order {name}: {exc}") from None


def amended(orders: StandingOrders, rules: Iterable[tuple[str, str]]) -> StandingOrders:
    """``orders`` with each named rule set to its value (the rest unchanged)."""
    changes: dict[str, object] = {}
    procedural = dict(orders.procedural_thresholds)
    for name, value in check_rules(rules):
        parsed = _parse(name, value)
        if name.startswith(_PROCEDURAL):
            procedural[ProceduralKind(name.removeprefix(_PROCEDURAL))] = parsed  # type: ignore[assignment]
        else:
            changes[name] = parsed
    changes["procedural_thresholds"] = tuple(
        (kind, procedural.get(kind, orders.motion_threshold)) for kind in ProceduralKind
    )
    return dataclasses.replace(orders, **changes)  # type: ignore[arg-type]


def resolve(name: str, rules: Iterable[tuple[str, str]] = ()) -> StandingOrders:
    """The profile ``name`` with ``rules`` overriding some of its values."""
    return amended(profile(name), rules)

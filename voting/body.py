"""The body and its members: founding, admission, suspension and reinstatement.

Suspension and reinstatement are events, so a purge of members before a
vote is on the record for everyone to see.
"""

from __future__ import annotations

from voting import events as ev
from voting.commands import AdmitMember, AdmitMembers, FoundBody, ReinstateMember, SuspendMember
from voting.errors import (
    AlreadyExists,
    DomainError,
    InconsistentEvent,
    InvalidWeight,
    NotEntitled,
    OutOfOrder,
)
from voting.ids import check_id
from voting.standing_orders import InvalidRule, RevotePolicy, amended, check_rules, profile
from voting.state import BodyState, Member, Role, put, with_

__all__ = [
    "MAX_NAME_CHARS",
    "admit_member",
    "evolve_orders_amended",
    "found_body",
    "reinstate_member",
    "suspend_member",
]

MAX_NAME_CHARS = 200
MAX_WEIGHT = 10**9


def check_name(name: str, what: str) -> None:
    """A display name: not blank, at most MAX_NAME_CHARS, no control characters."""
    if not isinstance(name, str) or not name.strip():
        raise DomainError(f"a {what} needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise DomainError(f"a {what} name may be at most {MAX_NAME_CHARS} characters")
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in name):
        raise DomainError(f"a {what} name may not contain control characters")


def require_officer(state: BodyState, who: str) -> None:
    """Membership changes are made by a chair or secretary of the body."""
    officers = {Role.CHAIR, Role.SECRETARY}
    member = state.members.get(who)
    if member is not None and officers & member.roles and not member.suspended:
        return
    if not any(officers & m.roles for m in state.members.values()):
        return  # until the body has an officer, its founder admits the first members
    raise NotEntitled("only the body's chair or secretary may change its membership")


def found_body(state: BodyState, cmd: FoundBody) -> list[ev.Event]:
    """The body, with a profile of standing orders and any rules its founders set otherwise
    (docs/standing-orders.md): both go in the ``body_founded`` entry, so a verifier needs
    nothing but the log to know the rules."""
    if state.founded:
        raise OutOfOrder(f"the body {state.name!r} has already been founded")
    check_name(cmd.name, "body")
    orders = profile(cmd.standing_orders)
    revote = cmd.revote if cmd.revote is not None else orders.revote.value
    if revote not in {p.value for p in RevotePolicy}:
        raise DomainError(f"unknown revote policy {revote!r}")
    proxies = orders.proxies_allowed if cmd.proxies_allowed is None else cmd.proxies_allowed
    rules = check_rules(cmd.rules)
    final = amended(with_(orders, proxies_allowed=proxies, revote=RevotePolicy(revote)), rules)
    return [ev.BodyFounded(cmd.at, cmd.name, orders.name, final.proxies_allowed,
                           final.revote.value, rules)]


def evolve_founded(state: BodyState, e: ev.BodyFounded) -> BodyState:
    """The profile named, as ``proxies_allowed`` and ``revote`` say, with ``rules`` applied;
    the two fields must agree with the rules (a log says one thing)."""
    if state.founded:
        raise InconsistentEvent("the log founds the body twice")
    if e.revote not in {p.value for p in RevotePolicy}:
        raise InconsistentEvent(f"the log names an unknown revote policy {e.revote!r}")
    orders = with_(
        profile(e.standing_orders),
        proxies_allowed=e.proxies_allowed,
        revote=RevotePolicy(e.revote),
    )
    if e.rules:
        try:
            if check_rules(e.rules) != e.rules:
                raise InconsistentEvent("body_founded.rules are not sorted by rule")
            orders = amended(orders, e.rules)
        except InvalidRule as exc:
            raise InconsistentEvent(f"body_founded.rules: {exc}") from None
        if (orders.proxies_allowed, orders.revote.value) != (e.proxies_allowed, e.revote):
            raise InconsistentEvent(
                "body_founded.proxies_allowed and revote are not what its rules set")
    return with_(state, founded=True, name=e.name, orders=orders)


def evolve_orders_amended(state: BodyState, e: ev.StandingOrdersAmended) -> BodyState:
    """A carried motion to amend the standing orders: its rules hold from the next entry on
    (the entry is the consequence of the close that carried it, checked whole on replay)."""
    try:
        orders = amended(state.orders, e.rules)
    except InvalidRule as exc:
        raise InconsistentEvent(f"standing_orders_amended.rules: {exc}") from None
    return with_(state, orders=orders)


def admit_member(state: BodyState, cmd: AdmitMember) -> list[ev.Event]:
    require_founded(state)
    require_officer(state, cmd.by)
    return [_admission(state, cmd.at, cmd.member, cmd.name, cmd.weight, cmd.section, cmd.roles)]


MAX_LIST = 1_000_000  # members admitted by one command


def admit_members(state: BodyState, cmd: AdmitMembers) -> list[ev.Event]:
    """A membership list, all or none: one ``member_admitted`` entry per member, in its order."""
    require_founded(state)
    require_officer(state, cmd.by)
    rows = cmd.members
    if not isinstance(rows, tuple) or not rows:
        raise DomainError("a membership list needs at least one member")
    if len(rows) > MAX_LIST:
        raise DomainError(f"a membership list may hold at most {MAX_LIST} members")
    events: list[ev.Event] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, tuple) or len(row) != 5:
            raise DomainError(
                f"member {number} of the list: a row is (member, name, weight, section, roles)"
            )
        member, name, weight, section, roles = row
        try:
            if member in seen:
                raise AlreadyExists(f"{member!r} appears twice in the list")
            event = _admission(state, cmd.at, member, name, weight, section, roles)
        except DomainError as exc:
            raise type(exc)(f"member {number} of the list: {exc}") from None
        seen.add(member)
        events.append(event)
    return events


def _admission(state: BodyState, at: str, member: str, name: str, weight: int, section: str,
               roles: tuple[str, ...]) -> ev.MemberAdmitted:
    check_id(member, "member")
    if member in state.members:
        raise AlreadyExists(f"{member!r} is already a member ({state.name_of(member)})")
    check_name(name, "member")
    check_weight(weight)
    if not isinstance(section, str):
        raise DomainError("a section name is text")
    if len(section) > MAX_NAME_CHARS:
        raise DomainError(f"a section name may be at most {MAX_NAME_CHARS} characters")
    if not isinstance(roles, tuple) or not all(isinstance(r, str) for r in roles):
        raise DomainError("a member's roles are a list of role names")
    roles = tuple(sorted(set(roles)))
    check_roles(roles)
    return ev.MemberAdmitted(at, member, name, weight, section, roles)


ROLES = frozenset(role.value for role in Role)


def check_roles(roles: tuple[str, ...]) -> None:
    """At least one role, each one of :class:`voting.state.Role`."""
    known = ROLES
    for role in roles:
        if role not in known:
            raise DomainError(f"unknown role {role!r}; roles are {', '.join(sorted(known))}")
    if not roles:
        raise DomainError("a member needs at least one role")


def check_weight(weight: object) -> None:
    """A card weight is a whole number of at least 1 (docs/counting.md, card votes)."""
    if isinstance(weight, bool) or not isinstance(weight, int):
        raise InvalidWeight(f"a member's weight must be a whole number, not {weight!r}")
    if weight < 1:
        raise InvalidWeight(f"a member's weight must be at least 1, not {weight}")
    if weight > MAX_WEIGHT:
        raise InvalidWeight(f"a member's weight may be at most {MAX_WEIGHT}")


def evolve_admitted(state: BodyState, e: ev.MemberAdmitted) -> BodyState:
    if e.member in state.members:
        raise InconsistentEvent(f"the log admits {e.member!r} twice")
    check_weight(e.weight)
    check_roles(e.roles)
    member = Member(e.member, e.name, e.weight, e.section, frozenset(Role(r) for r in e.roles))
    return with_(state, members=put(state.members, e.member, member))


def suspend_member(state: BodyState, cmd: SuspendMember) -> list[ev.Event]:
    require_founded(state)
    require_officer(state, cmd.by)
    member = state.member(cmd.member)
    if member.suspended:
        raise OutOfOrder(f"{member.name} is already suspended")
    check_name(cmd.reason, "suspension reason")
    return [ev.MemberSuspended(cmd.at, cmd.member, cmd.reason, cmd.by)]


def evolve_suspended(state: BodyState, e: ev.MemberSuspended) -> BodyState:
    if state.member(e.member).suspended:
        raise InconsistentEvent(f"the log suspends {e.member!r}, who is already suspended")
    member = with_(state.member(e.member), suspended=True)
    return with_(state, members=put(state.members, e.member, member))


def reinstate_member(state: BodyState, cmd: ReinstateMember) -> list[ev.Event]:
    require_founded(state)
    require_officer(state, cmd.by)
    member = state.member(cmd.member)
    if not member.suspended:
        raise OutOfOrder(f"{member.name} is not suspended")
    return [ev.MemberReinstated(cmd.at, cmd.member, cmd.by)]


def evolve_reinstated(state: BodyState, e: ev.MemberReinstated) -> BodyState:
    if not state.member(e.member).suspended:
        raise InconsistentEvent(f"the log reinstates {e.member!r}, who is not suspended")
    member = with_(state.member(e.member), suspended=False)
    return with_(state, members=put(state.members, e.member, member))


def require_founded(state: BodyState) -> None:
    if not state.founded:
        raise OutOfOrder("the body has not been founded yet")

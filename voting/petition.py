"""Petitions that trigger a members' ballot.

A threshold such as "5% of members or 1,000 members" is measured against the
membership counted when the petition opens (``tallying.petition``), so a
purge of members after it opens cannot move the goalposts.
"""

from __future__ import annotations

import re
from fractions import Fraction

from tallying.errors import CountError
from tallying.petition import PetitionRule, PetitionThreshold
from tallying.quorum import fraction_name
from voting import events as ev
from voting.body import require_founded, require_officer
from voting.commands import ClosePetition, OpenPetition, SignPetition
from voting.derived import Derived, make
from voting.errors import AlreadyExists, DomainError, InconsistentEvent, NotEntitled, OutOfOrder
from voting.ids import check_id
from voting.state import BodyState, Petition, add, put, with_
from voting.text import MotionText

__all__ = [
    "close_petition",
    "derive_closed",
    "derive_opened",
    "open_petition",
    "sign_petition",
    "threshold_named",
]


def _threshold(cmd: OpenPetition) -> PetitionThreshold:
    fraction: Fraction | None = None
    if cmd.fraction:
        try:
            fraction = Fraction(cmd.fraction)
        except (ValueError, ZeroDivisionError):
            raise DomainError(
                f"a petition fraction must look like 1/20, not {cmd.fraction!r}"
            ) from None
    try:
        rule = PetitionRule(cmd.rule)
    except ValueError:
        raise DomainError(f"a petition rule is either or both, not {cmd.rule!r}") from None
    try:
        return PetitionThreshold(
            fraction_of_members=fraction, members=cmd.number or None, rule=rule
        )
    except CountError as refusal:
        raise DomainError(f"that petition threshold cannot be used: {refusal}") from refusal


def open_petition(state: BodyState, cmd: OpenPetition) -> list[ev.Event]:
    require_founded(state)
    check_id(cmd.petition, "petition")
    if cmd.petition in state.petitions:
        raise AlreadyExists(f"there is already a petition {cmd.petition!r}")
    opener = state.member(cmd.by)
    if not opener.may_vote:
        raise NotEntitled(f"{opener.name} may not open a petition")
    text = MotionText.parse(cmd.text).plain()
    threshold = _threshold(cmd)
    return [
        make(ev.PetitionOpened, derive_opened, state, at=cmd.at, petition=cmd.petition,
             text=text, threshold=threshold.name, by=cmd.by)
    ]


_PART = re.compile(
    r"(?P<percent>\d+(?:_\d)?)_percent_of_members|(?P<members>[1-9]\d*)_members?"
    r"|(?P<fraction>[a-z0-9_]+?)_of_members"
)


def threshold_named(name: str) -> PetitionThreshold:
    """The petition threshold whose name (``PetitionThreshold.name``) is ``name``.

    The name is how the threshold is logged, so this is its one reading: refuses a
    name that no threshold has.
    """
    body = name.removeprefix("petition_")
    rule, parts = PetitionRule.EITHER, [body]
    for joiner, joined in (("_or_", PetitionRule.EITHER), ("_and_", PetitionRule.BOTH)):
        if joiner in body:
            rule, parts = joined, body.split(joiner)
    fraction: Fraction | None = None
    number: int | None = None
    for part in parts:
        match = _PART.fullmatch(part)
        if match is None:
            raise InconsistentEvent(f"no petition threshold is named {name!r}")
        if match["percent"]:
            fraction = Fraction(match["percent"].replace("_", ".")) / 100
        elif match["members"]:
            number = int(match["members"])
        else:
            fraction = _NAMED_FRACTIONS.get(match["fraction"])
    try:
        threshold = PetitionThreshold(fraction_of_members=fraction, members=number, rule=rule)
    except CountError:
        raise InconsistentEvent(f"no petition threshold is named {name!r}") from None
    if threshold.name != name:
        raise InconsistentEvent(f"no petition threshold is named {name!r}")
    return threshold


# Fractions by the part of a name they give (``one_third``, ``3_in_7``), for small ones:
# every fraction with a word name has a small denominator.
_NAMED_FRACTIONS = {
    fraction_name(Fraction(n, d)): Fraction(n, d) for d in range(1, 101) for n in range(1, d + 1)
}


def derive_opened(state: BodyState, e: ev.PetitionOpened) -> dict[str, Derived]:
    """The membership counted as the petition opens, and the signatures its threshold then
    requires (``tallying.petition``): fixed now, so a purge later cannot move them."""
    membership = state.membership()
    return {
        "membership": Derived(membership, "the body's voting membership"),
        "required": Derived(
            threshold_named(e.threshold).required(membership),
            "what its threshold requires of that membership",
        ),
    }


def evolve_opened(state: BodyState, e: ev.PetitionOpened) -> BodyState:
    petition = Petition(e.petition, e.text, e.threshold, e.membership, e.required)
    return with_(state, petitions=put(state.petitions, e.petition, petition))


def sign_petition(state: BodyState, cmd: SignPetition) -> list[ev.Event]:
    petition = state.petition(cmd.petition)
    if petition.closed:
        raise OutOfOrder("the petition has closed")
    member = state.member(cmd.by)
    if not member.may_vote:
        raise NotEntitled(f"{member.name} may not sign a petition")
    if cmd.by in petition.signatures:
        raise AlreadyExists(f"{member.name} has already signed")
    return [ev.PetitionSigned(cmd.at, cmd.petition, cmd.by)]


def evolve_signed(state: BodyState, e: ev.PetitionSigned) -> BodyState:
    petition = state.petition(e.petition)
    if petition.closed or e.member in petition.signatures:
        from voting.errors import InconsistentEvent

        raise InconsistentEvent(f"a signature by {e.member} is not allowed here")
    petition = with_(petition, signatures=add(petition.signatures, e.member))
    return with_(state, petitions=put(state.petitions, e.petition, petition))


def close_petition(state: BodyState, cmd: ClosePetition) -> list[ev.Event]:
    return [make(ev.PetitionClosed, derive_closed, state, at=cmd.at, petition=cmd.petition,
                 by=cmd.by)]


def derive_closed(state: BodyState, e: ev.PetitionClosed) -> dict[str, Derived]:
    """The count of signatures at the close, against what the petition required when it
    opened (``tallying.petition``)."""
    petition = state.petition(e.petition)
    if petition.closed:
        raise OutOfOrder("the petition has already closed")
    require_officer(state, e.by)
    count = len(petition.signatures)
    return {
        "signatures": Derived(count, "the number of members who signed"),
        "required": Derived(petition.required, "the number required when it opened"),
        "met": Derived(count >= petition.required, "whether the signatures reach that number"),
    }


def evolve_closed(state: BodyState, e: ev.PetitionClosed) -> BodyState:
    petition = with_(state.petition(e.petition), closed=True, met=e.met)
    return with_(state, petitions=put(state.petitions, e.petition, petition))

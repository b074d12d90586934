"""Petitions that trigger a members' ballot.

A threshold such as "5% of members or 1,000 members" is measured against the
membership counted when the petition opens (``tallying.petition``), so a
purge of members after it opens cannot move the goalposts.
"""

from __future__ import annotations

from fractions import Fraction

from tallying.errors import CountError
from tallying.petition import PetitionRule, PetitionThreshold
from voting import events as ev
from voting.body import require_founded, require_officer
from voting.commands import ClosePetition, OpenPetition, SignPetition
from voting.errors import AlreadyExists, DomainError, NotEntitled, OutOfOrder
from voting.ids import check_id
from voting.state import BodyState, Petition, put, with_
from voting.text import MotionText

__all__ = ["close_petition", "open_petition", "sign_petition"]


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
    membership = state.membership()
    return [
        ev.PetitionOpened(
            cmd.at,
            cmd.petition,
            text,
            threshold.name,
            membership,
            threshold.required(membership),
            cmd.by,
        )
    ]


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
    petition = with_(petition, signatures=petition.signatures | {e.member})
    return with_(state, petitions=put(state.petitions, e.petition, petition))


def close_petition(state: BodyState, cmd: ClosePetition) -> list[ev.Event]:
    petition = state.petition(cmd.petition)
    if petition.closed:
        raise OutOfOrder("the petition has already closed")
    require_officer(state, cmd.by)
    count = len(petition.signatures)
    return [
        ev.PetitionClosed(
            cmd.at, cmd.petition, count, petition.required, count >= petition.required, cmd.by
        )
    ]


def evolve_closed(state: BodyState, e: ev.PetitionClosed) -> BodyState:
    petition = state.petition(e.petition)
    if e.signatures != len(petition.signatures) or e.met != (e.signatures >= petition.required):
        from voting.errors import InconsistentEvent

        raise InconsistentEvent("the declared petition result is not the count of signatures")
    petition = with_(petition, closed=True, met=e.met)
    return with_(state, petitions=put(state.petitions, e.petition, petition))

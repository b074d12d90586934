"""Minutes rendered from the events, so they cannot leave anything out.

Every event of a meeting is in them, in the order it happened (the votes
of a recorded ballot as the lists of names read out with its result):
attendance, every motion with mover and seconder, every amendment with its
text and what it changes, every ballot with its method, rule,
counts and outcome, the names on a recorded vote, every ruling of the chair.
:func:`render_minutes` raises if it meets an event it has no words for, so a
new kind of event cannot silently go unminuted.

Under an ``unattributed`` publication policy, members appear under stable
pseudonyms (:func:`pseudonym`) instead of names; every count stays.

The minutes are written in one pass over the events (:class:`MinutesWriter`),
which a verifier runs inside its own replay: each event's Markdown lines are
kept as a :class:`MinuteItem`, and the results (each meeting, ballot and
election) as records, so that :class:`Minutes` gives the Markdown of any one
meeting or of the whole log, and :mod:`voting.minutes_formats` the same
minutes as HTML and JSON. A body publishes one Markdown file per meeting
(:meth:`Minutes.by_entry`): the minutes of meeting X are the heading, the
body's own business (admissions, petitions, elections outside a meeting)
and everything of X, in log order; that is what ``render_minutes(state,
events, X)`` returns.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tallying.errors import TellersError
from voting import events as ev
from voting.chatham import is_pseudonym, short
from voting.decider import evolve
from voting.diff import escape_markdown, word_diff
from voting.errors import DomainError, NotFound
from voting.state import BallotMethod, BodyState, Publication, transient
from voting.text import MotionText

__all__ = [
    "BODY_ENTRY",
    "BallotRecord",
    "ElectionRecord",
    "MeetingRecord",
    "MinuteItem",
    "Minutes",
    "MinutesError",
    "MinutesWriter",
    "minutes_of",
    "pseudonym",
    "render_minutes",
]


def pseudonym(member: str) -> str:
    """How the minutes show a member acting in an ``unattributed`` meeting: the log holds
    the member's pseudonym for that meeting (``voting.chatham``), shown in its short form;
    an officer named in the log stays named."""
    return f"Member {short(member)}"


class _Writer:
    """Walks the events with the state as it was at each one."""

    def __init__(self, meeting: str | None) -> None:
        self.meeting = meeting
        self.lines: list[str] = []
        self.state = BodyState()
        self.published: set[str] = set()  # meetings whose minutes we are writing

    def name(self, member: str, meeting: str = "") -> str:
        m = self.state.meetings.get(meeting)
        if m is not None and m.publication == Publication.UNATTRIBUTED and is_pseudonym(member):
            return pseudonym(member)
        return self.state.name_of(member)

    def md_name(self, member: str, meeting: str = "") -> str:
        """:meth:`name` as Markdown that shows it as written (:func:`md`)."""
        return md(self.name(member, meeting))

    def out(self, line: str = "") -> None:
        self.lines.append(line)


def _meeting_of(state: BodyState, event: ev.Event) -> str:
    """The meeting an event belongs to, or "" for body-wide events."""
    fields = event.__dataclass_fields__
    if "meeting" in fields:
        return str(getattr(event, "meeting"))  # noqa: B009  (not on the Event base type)
    if "election" in fields:
        election = state.elections.get(str(getattr(event, "election")))  # noqa: B009
        return election.meeting if election is not None else ""
    for attr in ("motion", "subject", "target", "amendment", "ballot"):
        key = getattr(event, attr) if attr in fields else None
        if not isinstance(key, str):
            continue
        if key in state.motions:
            return state.motions[key].meeting
        if key in state.amendments:
            return state.motions[state.amendments[key].motion].meeting
        if key in state.procedurals:
            return state.procedurals[key].meeting
        if key in state.ballots:
            return state.ballots[key].meeting
    return ""


def md(text: str) -> str:
    """Text a member or officer wrote (a name, a title, a reason) as Markdown that shows it
    exactly as written: every character CommonMark may read as markup is escaped with a
    backslash (:func:`voting.diff.escape_markdown`), so ``<script>``, ``[x](javascript:...)``
    or ``**`` in a title or a name is shown, never rendered, by any Markdown viewer. Motion
    texts are shown as indented blocks, which Markdown shows as written."""
    return escape_markdown(text)


def _time(at: str) -> str:
    return at[11:16] if len(at) >= 16 else at


def render_minutes(state: BodyState, events: Sequence[ev.Event], meeting: str | None = None) -> str:
    """Markdown minutes of ``meeting`` (or of every meeting) from the body's events.

    ``state`` is the body's current state (used for the heading); the minutes
    themselves are rebuilt from ``events`` alone (:func:`minutes_of`).
    """
    return minutes_of(state, events).markdown(meeting)


Renderer = Callable[[_Writer, BodyState, Any, str], None]


def _admitted(w: _Writer, before: BodyState, e: ev.MemberAdmitted, where: str) -> None:
    extra = f", card weight {e.weight}" if e.weight != 1 else ""
    section = f", section {e.section}" if e.section else ""
    w.out(f"- {_time(e.at)} {md(e.name)} admitted as a member "
          f"({', '.join(e.roles)}{extra}{section}).")


def _suspended(w: _Writer, before: BodyState, e: ev.MemberSuspended, where: str) -> None:
    w.out(f"- {_time(e.at)} {w.md_name(e.member)} suspended by {w.md_name(e.by)}: {md(e.reason)}.")


def _reinstated(w: _Writer, before: BodyState, e: ev.MemberReinstated, where: str) -> None:
    w.out(f"- {_time(e.at)} {w.md_name(e.member)} reinstated by {w.md_name(e.by)}.")


def _convened(w: _Writer, before: BodyState, e: ev.MeetingConvened, where: str) -> None:
    m = w.state.meeting(e.meeting)
    w.out()
    w.out(f"## {md(e.title)}")
    w.out()
    w.out(
        f"Convened {e.at[:10]}. Chair: {w.md_name(e.chair, e.meeting)}. "
        f"Secretary: {w.md_name(e.secretary, e.meeting)}. Quorum: {m.quorum.description}. "
        f"Publication: {e.publication}."
    )
    w.out()


def _attendance(w: _Writer, before: BodyState, e: ev.AttendanceRecorded, where: str) -> None:
    verb = "present" if e.present else "left the meeting"
    w.out(f"- {_time(e.at)} {w.md_name(e.member, where)} {verb}.")


def _proxy(w: _Writer, before: BodyState, e: ev.ProxyAppointed, where: str) -> None:
    w.out(f"- {_time(e.at)} {w.md_name(e.holder, where)} holds the proxy of "
          f"{w.md_name(e.giver, where)}.")


def _publication(w: _Writer, before: BodyState, e: ev.PublicationSet, where: str) -> None:
    w.out(f"- {_time(e.at)} The chair set the publication policy to **{e.publication}**.")


def _chatham_register(w: _Writer, before: BodyState, e: ev.RegisterRecorded, where: str) -> None:
    w.out(f"- {_time(e.at)} The meeting is held under the Chatham House rule: its "
          f"{len(e.register)} members act under pseudonyms for this meeting.")


def _started(w: _Writer, before: BodyState, e: ev.BusinessStarted, where: str) -> None:
    names = sorted(w.md_name(m, where) for m in w.state.meeting(e.meeting).present)
    w.out()
    w.out(f"**Present ({len(names)}):** {', '.join(names)}.")
    w.out()
    w.out(
        f"{_time(e.at)} Business started: quorate, {e.present} present, "
        f"{e.quorum_required} required (`{e.quorum_rule}`)."
    )
    w.out()


def _closed_meeting(w: _Writer, before: BodyState, e: ev.MeetingClosed, where: str) -> None:
    w.out()
    w.out(f"{_time(e.at)} The meeting {'was adjourned' if e.reason == 'adjourned' else 'closed'}.")


def _motion_moved(w: _Writer, before: BodyState, e: ev.MotionMoved, where: str) -> None:
    motion = w.state.motion(e.motion)
    w.out()
    w.out(f"### Motion: {md(e.title)}")
    w.out()
    w.out(f"{_time(e.at)} Moved by {w.md_name(e.mover, where)}. The motion as moved:")
    w.out()
    for line in motion.original.numbered().splitlines():
        w.out(f"    {line}")
    w.out()
    if e.threshold:
        w.out(f"The mover asks that it be decided by its own rule: `{e.threshold}`.")
        w.out()
    if e.orders:
        w.out(f"A motion to amend the standing orders (decided by "
              f"`{before.orders.orders_threshold.value}`); it sets: {_rules(e.orders)}.")
        w.out()


def _rules(rules: Iterable[tuple[str, str]]) -> str:
    return "; ".join(f"`{name}` = `{value or '(none)'}`" for name, value in rules)


def _founded(w: _Writer, before: BodyState, e: ev.BodyFounded, where: str) -> None:
    w.out(f"- {_time(e.at)} The body was founded under the standing orders `{e.standing_orders}`,"
          f" with these rules set otherwise: {_rules(e.rules)}.")


def _orders_amended(w: _Writer, before: BodyState, e: ev.StandingOrdersAmended,
                    where: str) -> None:
    w.out(f"- {_time(e.at)} **The standing orders are amended** by {_label(w.state, e.motion)}, "
          f"from the next entry on: {_rules(e.rules)}.")


def _consent(w: _Writer, before: BodyState, e: ev.ConsentGiven, where: str) -> None:
    act = "remit" if e.act == "remit" else "withdrawal"
    w.out(f"- {_time(e.at)} {w.md_name(e.member, where)}, the {e.capacity} of "
          f"{md(_label(w.state, e.subject))}, consented to its {act}.")


def _motion_seconded(w: _Writer, before: BodyState, e: ev.MotionSeconded, where: str) -> None:
    w.out(f"- {_time(e.at)} Seconded by {w.md_name(e.seconder, where)}.")


def _debate(w: _Writer, before: BodyState, e: ev.DebateOpened, where: str) -> None:
    w.out(f"- {_time(e.at)} The chair opened the debate.")


def _label(state: BodyState, subject: str) -> str:
    if subject in state.motions:
        return f"the motion {state.motions[subject].title!r}"
    if subject in state.amendments:
        return f"amendment {state.amendments[subject].number}"
    if subject in state.procedurals:
        return f"the procedural motion {state.procedurals[subject].kind.replace('_', ' ')!r}"
    return subject


def _amendment_moved(w: _Writer, before: BodyState, e: ev.AmendmentMoved, where: str) -> None:
    amendment = w.state.amendment(e.amendment)
    to = f" to amendment {before.amendment(e.parent).number}" if e.parent else ""
    w.out()
    w.out(f"#### Amendment {amendment.number}{to}")
    w.out()
    w.out(f"{_time(e.at)} Moved by {w.md_name(e.mover, where)}: {md(e.description)}.")


def _amendment_seconded(w: _Writer, before: BodyState, e: ev.AmendmentSeconded, where: str) -> None:
    number = w.state.amendment(e.amendment).number
    w.out(f"- {_time(e.at)} Amendment {number} seconded by {w.md_name(e.seconder, where)}.")


def _ruled(w: _Writer, before: BodyState, e: ev.AmendmentRuledOutOfOrder, where: str) -> None:
    number = w.state.amendment(e.amendment).number
    ground = e.ground.replace("_", " ")
    w.out(
        f"- {_time(e.at)} **Ruling of the chair** ({w.md_name(e.by, where)}): amendment {number} "
        f"is out of order ({ground}): {md(e.reason)}."
    )


def _taken(w: _Writer, before: BodyState, e: ev.AmendmentTaken, where: str) -> None:
    number = w.state.amendment(e.amendment).number
    w.out(f"- {_time(e.at)} The chair took amendment {number}.")


def _fell(w: _Writer, before: BodyState, e: ev.AmendmentFell, where: str) -> None:
    number = w.state.amendment(e.amendment).number
    w.out(f"- {_time(e.at)} Amendment {number} fell: {md(e.reason)}.")


def text_of(state: BodyState, target: str) -> MotionText:
    """The current words of a motion, or of an amendment (its words to insert)."""
    if target in state.motions:
        return state.motions[target].text
    words = state.amendment(target).words
    if words is None:
        raise DomainError(f"amendment {target!r} has no words")
    return words


def _text_amended(w: _Writer, before: BodyState, e: ev.MotionTextAmended, where: str) -> None:
    # Diff by stable word ids: a word counts as kept only if it is the same word.
    diff = word_diff(text_of(before, e.target), text_of(w.state, e.target))
    number = w.state.amendment(e.amendment).number
    w.out(f"- {_time(e.at)} Amendment {number} changes the text: {diff.markdown()}")


def _disposed(w: _Writer, before: BodyState, e: ev.MotionDisposed, where: str) -> None:
    state = e.state.replace("_", " ")
    label = md(_label(w.state, e.subject).capitalize())
    w.out(f"- {_time(e.at)} {label}: {state} ({md(e.reason)}).")


def _procedural(w: _Writer, before: BodyState, e: ev.ProceduralMoved, where: str) -> None:
    consent = " (with the mover's consent)" if e.mover_consents else ""
    to = f" to {md(e.to)}" if e.to else ""
    w.out(
        f"- {_time(e.at)} Procedural motion **{e.kind.replace('_', ' ')}** on "
        f"{md(_label(w.state, e.target)) if e.target not in w.state.meetings else 'the meeting'}"
        f"{to}{consent}: moved by {w.md_name(e.mover, where)}, "
        + (f"seconded by {w.md_name(e.seconder, where)}." if e.seconder else
           "awaiting a seconder.")
    )


def _procedural_seconded(w: _Writer, before: BodyState, e: ev.ProceduralSeconded,
                         where: str) -> None:
    kind = w.state.procedurals[e.procedural].kind.replace("_", " ")
    w.out(f"- {_time(e.at)} Procedural motion **{kind}** seconded by "
          f"{w.md_name(e.seconder, where)}.")


def _question_put(w: _Writer, before: BodyState, e: ev.QuestionToBePut, where: str) -> None:
    w.out(f"- {_time(e.at)} The question on {md(_label(w.state, e.target))} is to be put now.")


def _overturned(w: _Writer, before: BodyState, e: ev.RulingOverturned, where: str) -> None:
    number = w.state.amendment(e.amendment).number
    w.out(f"- {_time(e.at)} The chair's ruling on amendment {number} was overturned.")


def _ballot_opened(w: _Writer, before: BodyState, e: ev.BallotOpened, where: str) -> None:
    method = e.method.replace("_", " ")
    proxies = sum(1 for voter, member, _ in e.roll if voter != member)
    held = f", {proxies} by proxy" if proxies else ""
    w.out()
    w.out(
        f"{_time(e.at)} **Put to the vote** ({method}): {md(e.question)}. Rule: `{e.threshold}`, "
        f"ties: `{e.tie_rule}`. Entitled to vote: {len(e.roll)}{held}; present {e.present}, "
        f"quorum {e.quorum_required}."
    )
    source = w.state.ballot(e.ballot).rule_source
    if source:
        w.out()
        w.out(f"The rule `{e.threshold}` is {_RULE_SOURCES[source]}; members on the roll "
              f"{e.members}.")
    if e.substantive:
        w.out()
        w.out("The substantive motion:")
        w.out()
        for line in e.text.splitlines():
            w.out(f"    {line}")
        w.out()


def _members_ballot_opened(w: _Writer, before: BodyState, e: ev.MembersBallotOpened,
                           where: str) -> None:
    """A members' ballot as it is called: its question, window, electorate and rule."""
    method = "secret" if e.method == BallotMethod.SECRET.value else "recorded"
    weighted = f", by weight (total {e.members})" if e.weighted else ""
    petition = f" on the petition {e.petition!r}, which met its threshold" if e.petition else ""
    rule = "its own, given as it was called" if e.rule else "the standing orders'"
    w.out()
    w.out(f"{_time(e.at)} **Members' ballot** `{e.ballot}` ({method}) called by "
          f"{w.name(e.by)}{petition}: {e.question}")
    w.out(f"- Voting from {e.opens_at} until {e.closes_at}; electorate {len(e.roll)} "
          f"members{weighted}, fixed now. Rule: `{e.threshold}` ({rule}); ties: "
          f"`{e.tie_rule}`. The result is declared at the close.")


_RULE_SOURCES = {
    "put": "the question's own, put with it by the chair",
    "moved": "the motion's own, asked for by its mover",
    "orders": "the one the standing orders set for amending them",
}


def _vote(w: _Writer, before: BodyState, e: ev.VoteCast, where: str) -> None:
    ballot = w.state.ballot(e.ballot)
    if ballot.method == BallotMethod.CARD:
        proxy = f" (by proxy, {w.md_name(e.voter, where)})" if e.voter != e.member else ""
        w.out(
            f"  - {w.md_name(e.member, where)}{proxy}: "
            f"card of {e.for_votes + e.against + e.abstain}"
            f", {e.for_votes} for, {e.against} against, {e.abstain} abstaining."
        )
    # Recorded votes are listed by name with the result, where they are read.


def _secret_vote(w: _Writer, before: BodyState, e: ev.SecretVoteCast, where: str) -> None:
    # The entry names nobody; who voted is the marked register read at the close.
    w.out("  - A sealed vote was cast (secret ballot).")


def _register(w: _Writer, voters: Iterable[tuple[str, str]], where: str) -> None:
    names = sorted(
        w.md_name(member, where)
        + (f" (by proxy, {w.md_name(voter, where)})" if voter != member else "")
        for voter, member in voters
    )
    w.out(f"- Voted ({len(names)}): {', '.join(names) if names else 'nobody'}.")


def _names(w: _Writer, ballot_id: str, where: str, index: int, *, weights: bool = False
           ) -> list[str]:
    """Who voted on one side (``index`` of the split), by name; with ``weights`` (a card or
    college vote) each with the weight they cast."""
    ballot = w.state.ballot(ballot_id)
    return sorted(f"{w.md_name(m, where)} ({split[index]})" if weights else w.md_name(m, where)
                  for m, split in ballot.votes.items() if split[index])


def _ballot_closed(w: _Writer, before: BodyState, e: ev.BallotClosed, where: str) -> None:
    ballot = w.state.ballot(e.ballot)
    casting = f" The chair gave a casting vote {e.casting_vote}." if e.casting_vote else ""
    present = len(e.present_at_close)
    if ballot.of_members:
        turnout = len(ballot.votes) if ballot.method == BallotMethod.RECORDED else len(e.voters)
        w.out()
        w.out(f"{_time(e.at)} **Members' ballot `{ballot.id}` closed: {e.explanation}** "
              f"Voted: {turnout} of an electorate of {len(ballot.roll)}.")
    else:
        w.out(f"{_time(e.at)} **{e.explanation}**{casting} Present at the close: {present}.")
    if ballot.of_members and ballot.result is not None:
        w.out(f"- Decided by `{ballot.threshold}`: it needed {ballot.result.needed}; "
              f"{e.for_votes} for, {e.against} against, {e.abstain} abstaining, of an "
              f"electorate of {ballot.members}.")
    elif ballot.rule_source and ballot.result is not None:
        w.out(f"- Decided by `{ballot.threshold}`: it needed {ballot.result.needed}; "
              f"{e.for_votes} for, {e.against} against, {e.abstain} abstaining, of "
              f"{ballot.members} members on the roll and {ballot.present} present.")
    if ballot.method in (BallotMethod.RECORDED, BallotMethod.CARD, BallotMethod.COLLEGE):
        weights = ballot.method != BallotMethod.RECORDED
        for label, index in (("For", 0), ("Against", 1), ("Abstained", 2)):
            names = _names(w, e.ballot, where, index, weights=weights)
            w.out(f"- {label} ({len(names)}): {', '.join(names) if names else 'none'}.")
    for name, share, yes, no, abstain, part_for, part_against in e.sections:
        cast = yes + no
        per_cent = f"{100 * yes / cast:.1f}% for" if cast else "no votes cast"
        w.out(f"- Section {md(name)} (share {share}): {yes} for, {no} against, {abstain} "
              f"abstaining ({per_cent}); its part of the result {part_for} for, "
              f"{part_against} against.")
    if ballot.method == BallotMethod.SECRET:
        w.out(f"- {len(e.papers)} ballot papers published, sorted by tracker, each opening "
              "a seal logged as it was cast.")
        _register(w, e.voters, where)
    w.out()


def _petition_opened(w: _Writer, before: BodyState, e: ev.PetitionOpened, where: str) -> None:
    w.out()
    w.out(
        f"{_time(e.at)} **Petition** opened by {w.md_name(e.by)}: {md(e.text)} "
        f"(threshold `{e.threshold}`: {e.required} of {e.membership} members)."
    )


def _petition_signed(w: _Writer, before: BodyState, e: ev.PetitionSigned, where: str) -> None:
    w.out(f"- {_time(e.at)} Signed by {w.md_name(e.member)}.")


def _petition_closed(w: _Writer, before: BodyState, e: ev.PetitionClosed, where: str) -> None:
    result = "a members' ballot is triggered" if e.met else "the threshold was not met"
    w.out(
        f"- {_time(e.at)} Petition closed with {e.signatures} of {e.required} signatures: {result}."
    )


def _nominations_opened(w: _Writer, before: BodyState, e: ev.NominationsOpened, where: str) -> None:
    voters = "the members present" if e.meeting else "all members"
    kind = "secret ballot" if e.secret else "recorded ballot"
    w.out()
    w.out(
        f"{_time(e.at)} **Election: {md(e.title)}.** {e.seats} seat(s), counted by `{e.method}`, "
        f"{kind} of {voters}. Nominations opened by {w.md_name(e.by, where)}."
    )


def _nominated(w: _Writer, before: BodyState, e: ev.CandidateNominated, where: str) -> None:
    w.out(
        f"- {_time(e.at)} {w.md_name(e.candidate, where)} nominated by "
        f"{w.md_name(e.proposer, where)}, "
        f"seconded by {w.md_name(e.seconder, where)}."
    )


def _proposed(w: _Writer, before: BodyState, e: ev.NominationProposed, where: str) -> None:
    w.out(
        f"- {_time(e.at)} {w.md_name(e.candidate, where)} proposed by "
        f"{w.md_name(e.proposer, where)}, "
        "awaiting a seconder."
    )


def _nomination_withdrawn(
    w: _Writer, before: BodyState, e: ev.NominationWithdrawn, where: str
) -> None:
    w.out(f"- {_time(e.at)} {w.md_name(e.candidate, where)} withdrew.")


def _nominations_closed(w: _Writer, before: BodyState, e: ev.NominationsClosed, where: str) -> None:
    names = ", ".join(w.md_name(c, where) for c in e.candidates)
    w.out(
        f"- {_time(e.at)} Nominations closed. Candidates, in ballot-paper order: {names}. "
        f"Entitled to vote: {len(e.roll)}."
    )


def _ranking(w: _Writer, before: BodyState, e: ev.RankingCast, where: str) -> None:
    order = " > ".join(w.md_name(c, where) for c in e.ranking)
    w.out(f"  - {w.md_name(e.voter, where)}: {order}.")


def _sealed_ranking(w: _Writer, before: BodyState, e: ev.SealedRankingCast, where: str) -> None:
    w.out("  - A sealed ranking was cast (secret ballot).")


def _election_closed(w: _Writer, before: BodyState, e: ev.ElectionClosed, where: str) -> None:
    election = w.state.election(e.election)
    elected = ", ".join(w.md_name(c, where) for c in e.elected) or "nobody"
    votes = len(e.papers) if election.secret else len(election.rankings)
    lots = f" {e.lots} tie(s) decided by lot from the public seed `{e.seed}`." if e.lots else ""
    w.out(
        f"{_time(e.at)} **Elected, in order: {elected}** ({votes} ballots, rule `{e.rule}`).{lots}"
    )
    if election.secret:
        _register(w, ((m, m) for m in e.voters), where)
    w.out()


def _college(w: _Writer, before: BodyState, e: ev.CollegeDefined, where: str) -> None:
    shares = "; ".join(f"{md(name)} {share}" for name, share in e.sections)
    w.out(f"- {_time(e.at)} Electoral college defined by {w.md_name(e.by)}: {shares}.")


RENDERERS: dict[type[ev.Event], Renderer] = {
    ev.CollegeDefined: _college,
    ev.NominationsOpened: _nominations_opened,
    ev.NominationProposed: _proposed,
    ev.CandidateNominated: _nominated,
    ev.NominationWithdrawn: _nomination_withdrawn,
    ev.NominationsClosed: _nominations_closed,
    ev.RankingCast: _ranking,
    ev.SealedRankingCast: _sealed_ranking,
    ev.ElectionClosed: _election_closed,
    ev.MemberAdmitted: _admitted,
    ev.MemberSuspended: _suspended,
    ev.MemberReinstated: _reinstated,
    ev.MeetingConvened: _convened,
    ev.AttendanceRecorded: _attendance,
    ev.ProxyAppointed: _proxy,
    ev.PublicationSet: _publication,
    ev.RegisterRecorded: _chatham_register,
    ev.BusinessStarted: _started,
    ev.MeetingClosed: _closed_meeting,
    ev.MotionMoved: _motion_moved,
    ev.MotionSeconded: _motion_seconded,
    ev.DebateOpened: _debate,
    ev.AmendmentMoved: _amendment_moved,
    ev.AmendmentSeconded: _amendment_seconded,
    ev.AmendmentRuledOutOfOrder: _ruled,
    ev.AmendmentTaken: _taken,
    ev.AmendmentFell: _fell,
    ev.MotionTextAmended: _text_amended,
    ev.MotionDisposed: _disposed,
    ev.ProceduralMoved: _procedural,
    ev.ProceduralSeconded: _procedural_seconded,
    ev.QuestionToBePut: _question_put,
    ev.RulingOverturned: _overturned,
    ev.BallotOpened: _ballot_opened,
    ev.MembersBallotOpened: _members_ballot_opened,
    ev.VoteCast: _vote,
    ev.SecretVoteCast: _secret_vote,
    ev.BallotClosed: _ballot_closed,
    ev.PetitionOpened: _petition_opened,
    ev.PetitionSigned: _petition_signed,
    ev.PetitionClosed: _petition_closed,
    ev.BodyFounded: _founded,
    ev.StandingOrdersAmended: _orders_amended,
    ev.ConsentGiven: _consent,
}


def unminuted() -> Iterable[str]:
    """Event types the minutes have no words for (empty: the minutes are complete)."""
    return sorted(
        name
        for name, cls in ev.EVENT_TYPES.items()
        if cls not in RENDERERS
    )


# -- the minutes as a whole: written in one pass, kept by event -------------------------


class MinutesError(DomainError):
    """The minutes cannot be written for an event (``entry`` is its position in the log)."""

    def __init__(self, message: str, entry: int | None = None) -> None:
        super().__init__(message)
        self.entry = entry


@dataclass(frozen=True, slots=True)
class MinuteItem:
    """What the minutes say of one event: its position in the log, time, type, meeting
    (``""`` for the body's own business) and its Markdown lines (a line may hold the hard
    line breaks of a text's diff)."""

    seq: int
    at: str
    type: str
    meeting: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The item's Markdown without the blank lines around it."""
        return "\n".join(self.lines).strip("\n")


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    """A meeting as its minutes name it; ``entry`` is the position of its convening."""

    id: str
    entry: int
    title: str
    convened: str
    chair: str
    secretary: str
    quorum: str
    publication: str


@dataclass(frozen=True, slots=True)
class BallotRecord:
    """A question decided, as declared at its close and recounted by the replay.

    ``votes`` holds, for a recorded or card vote, each member's ``(name, for, against,
    abstain)`` in order of name (a pseudonym in an ``unattributed`` meeting); ``papers``
    the number of sealed papers published at the close of a secret ballot.
    """

    id: str
    entry: int
    meeting: str
    subject: str
    question: str
    method: str
    rule: str
    tie_rule: str
    for_votes: int
    against: int
    abstain: int
    outcome: str
    tied: bool
    casting_vote: str
    explanation: str
    votes: tuple[tuple[str, int, int, int], ...]
    papers: int


@dataclass(frozen=True, slots=True)
class ElectionRecord:
    """An election as declared: candidates and the elected, in order, by name."""

    id: str
    entry: int
    meeting: str
    title: str
    seats: int
    method: str
    secret: bool
    candidates: tuple[str, ...]
    elected: tuple[str, ...]
    rule: str
    seed: str
    lots: int
    ballots: int


BODY_ENTRY = 0
"""The entry the minutes of the body's own business are published under: its founding."""


@dataclass(frozen=True, slots=True)
class Minutes:
    """The minutes of a whole log: every minuted event, and every meeting, ballot and
    election, in log order. :meth:`markdown` is exactly what :func:`render_minutes` gives."""

    body: str
    standing_orders: str
    revote: str
    items: tuple[MinuteItem, ...]
    meetings: tuple[MeetingRecord, ...]
    ballots: tuple[BallotRecord, ...]
    elections: tuple[ElectionRecord, ...]

    def heading(self) -> list[str]:
        return [
            f"# Minutes of {md(self.body)}",
            "",
            f"Standing orders: `{self.standing_orders}`. Revote policy: `{self.revote}`.",
        ]

    def meeting(self, meeting_id: str) -> MeetingRecord:
        """The meeting with this id; :class:`~voting.errors.NotFound` names the ones there are."""
        for record in self.meetings:
            if record.id == meeting_id:
                return record
        held = ", ".join(repr(m.id) for m in self.meetings) or "none"
        raise NotFound(f"the log holds no meeting {meeting_id!r} (meetings: {held})")

    def markdown(self, meeting: str | None = None) -> str:
        """The Markdown minutes of ``meeting`` (its own proceedings under the body's
        heading), of the body's own business with ``meeting=""`` (founding, admissions,
        suspensions, petitions, elections outside a meeting), or of the whole log, every
        meeting and the body's own business in log order, with ``None``."""
        return self._join(item for item in self.items
                          if meeting is None or item.meeting == meeting)

    def by_entry(self) -> dict[int, str]:
        """The Markdown minutes a body publishes in its bundle, keyed by the position in the
        log of the entry they start from: each meeting's under the entry that convened it
        (``markdown(meeting.id)``), and, in a log with meetings, the body's own business
        under its founding, entry 0 (``markdown("")``). Each item is written once, so the
        bundle does not repeat the body's business in every meeting's file. One pass."""
        own: dict[str, list[MinuteItem]] = {m.id: [] for m in self.meetings}
        common: list[MinuteItem] = []
        for item in self.items:
            if not item.meeting:
                common.append(item)
            elif item.meeting in own:
                own[item.meeting].append(item)
        if not self.meetings:
            return {}
        published = {BODY_ENTRY: self._join(common)}
        published.update((m.entry, self._join(own[m.id])) for m in self.meetings)
        return published

    def _join(self, items: Iterable[MinuteItem]) -> str:
        lines = self.heading()
        for item in items:
            lines.extend(item.lines)
        lines.append("")
        return "\n".join(lines).rstrip() + "\n"


_NEEDS_BEFORE: frozenset[type[ev.Event]] = frozenset({ev.AmendmentMoved, ev.MotionTextAmended})
"""Events whose words read the state as it was before them (the renderers' ``before``).

Inside a :func:`voting.state.transient` fold, evolving an event may change the state it was
given in place, so :meth:`MinutesWriter.step` folds these events in a fresh context, where
every change is a copy and ``before`` stays as it was. Every other renderer reads only the
state after its event. (A test renders random histories both ways and compares.)"""


class MinutesWriter:
    """The minutes, written as a log is folded, one event at a time.

    :meth:`step` replaces :func:`voting.decider.evolve` in a fold (inside
    :func:`voting.state.transient` or not): it folds the event and minutes it. An error
    in folding propagates as from ``evolve``; an event the minutes cannot be written for
    is remembered, and :meth:`result` raises it as :class:`MinutesError`, so that a
    verifier can tell a refused log from minutes that cannot be written.
    """

    def __init__(self) -> None:
        self._w = _Writer(None)
        self._items: list[MinuteItem] = []
        self._meetings: list[MeetingRecord] = []
        self._ballots: list[BallotRecord] = []
        self._elections: list[ElectionRecord] = []
        self._seq = 0
        self._error: MinutesError | None = None

    def step(self, state: BodyState, event: ev.Event) -> BodyState:
        """Fold ``event`` into ``state`` and minute it; the state after it."""
        kind = type(event)
        if kind in _NEEDS_BEFORE:
            after = contextvars.Context().run(evolve, state, event)
        else:
            after = evolve(state, event)
        seq = self._seq
        self._seq = seq + 1
        if self._error is None:
            try:
                self._minute(seq, state, event, after)
            except MinutesError as exc:
                self._error = exc
            except (TellersError, ValueError, LookupError, TypeError) as exc:
                self._error = MinutesError(f"{event.TYPE}: {exc}", seq)
        return after

    def result(self, state: BodyState) -> Minutes:
        """The minutes of every event stepped so far; ``state`` (the body's state now)
        gives the heading and each meeting's publication policy as it stands."""
        if self._error is not None:
            raise self._error
        meetings = tuple(
            MeetingRecord(m.id, m.entry, m.title, m.convened, m.chair, m.secretary, m.quorum,
                          str(state.meetings[m.id].publication) if m.id in state.meetings
                          else m.publication)
            for m in self._meetings
        )
        return Minutes(state.name, state.orders.name, state.orders.revote.value,
                       tuple(self._items), meetings, tuple(self._ballots),
                       tuple(self._elections))

    def _minute(self, seq: int, before: BodyState, event: ev.Event, after: BodyState) -> None:
        kind = type(event)
        if kind is ev.BodyFounded and not event.rules:  # type: ignore[attr-defined]
            return  # the heading names the profile
        w = self._w
        w.state = after
        where = _meeting_of(after, event) or _meeting_of(before, event)
        renderer = RENDERERS.get(kind)
        if renderer is None:
            raise MinutesError(f"the minutes have no words for {event.TYPE}", seq)
        renderer(w, before, event, where)
        if w.lines:
            self._items.append(MinuteItem(seq, event.at, event.TYPE, where, tuple(w.lines)))
            w.lines.clear()
        if isinstance(event, ev.MeetingConvened):
            self._meetings.append(_meeting_record(w, seq, event))
        elif isinstance(event, ev.BallotClosed):
            self._ballots.append(_ballot_record(w, seq, event, where))
        elif isinstance(event, ev.ElectionClosed):
            self._elections.append(_election_record(w, seq, event, where))


def minutes_of(state: BodyState | None, events: Sequence[ev.Event]) -> Minutes:
    """The minutes of ``events`` (a whole log, from its first event); ``state`` is the body's
    current state (:meth:`MinutesWriter.result`), ``None`` for the state the events leave.
    Raises :class:`MinutesError` for an event the minutes have no words for."""
    writer = MinutesWriter()
    folded = BodyState()
    with transient():
        for event in events:
            folded = writer.step(folded, event)
    return writer.result(folded if state is None else state)


def _meeting_record(w: _Writer, seq: int, e: ev.MeetingConvened) -> MeetingRecord:
    m = w.state.meeting(e.meeting)
    return MeetingRecord(e.meeting, seq, e.title, e.at[:10], w.name(e.chair, e.meeting),
                         w.name(e.secretary, e.meeting), m.quorum.description,
                         str(m.publication))


def _ballot_record(w: _Writer, seq: int, e: ev.BallotClosed, where: str) -> BallotRecord:
    ballot = w.state.ballot(e.ballot)
    votes: tuple[tuple[str, int, int, int], ...] = ()
    if ballot.method in (BallotMethod.RECORDED, BallotMethod.CARD):
        votes = tuple(sorted((w.name(member, where), *split)
                             for member, split in ballot.votes.items()))
    return BallotRecord(
        e.ballot, seq, ballot.meeting, _label(w.state, ballot.subject), ballot.question,
        str(ballot.method), ballot.threshold, ballot.tie_rule, e.for_votes, e.against,
        e.abstain, e.outcome, e.tied, e.casting_vote, e.explanation, votes, len(e.papers),
    )


def _election_record(w: _Writer, seq: int, e: ev.ElectionClosed, where: str) -> ElectionRecord:
    election = w.state.election(e.election)
    return ElectionRecord(
        e.election, seq, election.meeting, election.title, election.seats, election.method,
        election.secret, tuple(w.name(c, where) for c in election.candidates),
        tuple(w.name(c, where) for c in e.elected), e.rule, e.seed, e.lots,
        len(e.papers) if election.secret else len(election.rankings),
    )

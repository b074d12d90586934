"""What was watered down: each carried amendment, and the substantive motion, as diffs.

For a motion, :func:`amendment_record` lists every carried amendment with the
words it left out and inserted and the vote that did it (counts, and names on
a recorded vote), then the final substantive motion against the original with
its own vote. :func:`watered_down` renders it as Markdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voting import events as ev
from voting.decider import evolve
from voting.diff import TextDiff, word_diff
from voting.minutes import pseudonym, text_of
from voting.state import BallotMethod, BodyState, Publication

__all__ = ["Change", "amendment_record", "watered_down"]


@dataclass(frozen=True, slots=True)
class Change:
    """One change to a motion's text and the vote that made it."""

    label: str
    description: str
    diff: TextDiff
    explanation: str
    for_names: tuple[str, ...]
    against_names: tuple[str, ...]
    abstain_names: tuple[str, ...]


def _vote(
    state: BodyState, events: Sequence[ev.Event], subject: str
) -> tuple[str, tuple[tuple[str, ...], ...]]:
    """The declared result on ``subject`` and, for a recorded vote, who voted which way."""
    for ballot in state.ballots.values():
        if ballot.subject != subject or not ballot.closed:
            continue
        closed = next(e for e in events if isinstance(e, ev.BallotClosed) and e.ballot == ballot.id)
        if ballot.method != BallotMethod.RECORDED:
            return closed.explanation, ((), (), ())
        hidden = state.meeting(ballot.meeting).publication == Publication.UNATTRIBUTED
        names = tuple(
            tuple(
                sorted(
                    pseudonym(m) if hidden else state.name_of(m)
                    for m, split in ballot.votes.items()
                    if split[i]
                )
            )
            for i in range(3)
        )
        return closed.explanation, names
    return "not voted on", ((), (), ())


def amendment_record(state: BodyState, events: Sequence[ev.Event], motion_id: str) -> list[Change]:
    """Every carried amendment to the motion, then the substantive motion against the original."""
    motion = state.motion(motion_id)
    changes: list[Change] = []
    replayed = BodyState()
    for e in events:
        before = replayed
        replayed = evolve(replayed, e)
        if isinstance(e, ev.MotionTextAmended) and e.target == motion_id:
            amendment = state.amendment(e.amendment)
            explanation, names = _vote(state, events, amendment.id)
            changes.append(
                Change(
                    f"Amendment {amendment.number}",
                    amendment.description,
                    word_diff(text_of(before, motion_id), text_of(replayed, motion_id)),
                    explanation,
                    *names,
                )
            )
    explanation, names = _vote(state, events, motion_id)
    label = "The substantive motion" if motion.carried_amendments else "The motion"
    changes.append(
        Change(
            label,
            f"{motion.title} ({motion.state.value.replace('_', ' ')})",
            word_diff(motion.original, motion.text),
            explanation,
            *names,
        )
    )
    return changes


def watered_down(state: BodyState, events: Sequence[ev.Event], motion_id: str) -> str:
    """Markdown: what each carried amendment took out and put in, and who voted for it."""
    motion = state.motion(motion_id)
    out = [f"# What happened to the motion {motion.title!r}", ""]
    for change in amendment_record(state, events, motion_id):
        out.append(f"## {change.label}: {change.description}")
        out.append("")
        if change.diff.changed:
            out.append(f"- Left out: {_quote(change.diff.left_out)}")
            out.append(f"- Inserted: {_quote(change.diff.inserted)}")
            out.append("")
            out.append(change.diff.markdown())
        else:
            out.append("The text was not changed.")
        out.append("")
        out.append(f"**{change.explanation}**")
        for label, names in (
            ("For", change.for_names),
            ("Against", change.against_names),
            ("Abstained", change.abstain_names),
        ):
            if names:
                out.append(f"- {label}: {', '.join(names)}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _quote(parts: tuple[str, ...]) -> str:
    return "; ".join(f"“{p}”" for p in parts) if parts else "nothing"

"""The minutes as a standalone HTML page and as JSON, from :class:`voting.minutes.Minutes`.

Both are pure (text in, text or data out), and both say only what the
Markdown minutes say:

- :func:`minutes_html` is the Markdown of :meth:`Minutes.markdown` turned
  into HTML by :func:`markdown_html`, which knows exactly the Markdown the
  minutes are written in (headings, paragraphs, one level of nested list,
  indented blocks for motion texts, ``**strong**``, ``~~struck~~``,
  ```code```, backslash escapes and hard line breaks). Every character of
  text is escaped (``&``, ``<``, ``>``, both quotes), so a motion's words,
  a title or a name can never become markup: the only tags in the page are
  the ones written here. Text that happens to hold ``**`` or a backtick is
  read as Markdown would read it, so the page shows what any Markdown
  viewer shows for the same minutes.
- :func:`minutes_json` is the structured form: the body, its items (each
  event's minute, with its entry and time), its meetings, each with its
  items, ballots (rule, counts, outcome, and who voted how on a recorded or
  card vote) and elections.

With a meeting, the page holds that meeting's own proceedings, as
``Minutes.markdown(meeting)`` does (its published file); the JSON holds the
body's own business and that one meeting.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from voting.minutes import BallotRecord, ElectionRecord, MeetingRecord, MinuteItem, Minutes

__all__ = ["FORMAT", "VERSION", "markdown_html", "minutes_html", "minutes_json"]

FORMAT = "tellers-minutes"
"""The ``format`` of :func:`minutes_json`'s object."""

VERSION = 1

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
       padding: 0 1rem; color: #1b1b1b; background: #fff; }
h1, h2, h3, h4 { line-height: 1.25; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2.5rem; }
pre { background: #f4f4f4; padding: .6rem .8rem; overflow-x: auto; white-space: pre-wrap; }
code { background: #f4f4f4; padding: 0 .2rem; }
del { color: #a00; }
strong { font-weight: 650; }
li { margin: .15rem 0; }
"""


def minutes_html(minutes: Minutes, meeting: str | None = None) -> str:
    """A complete HTML page of the minutes (of ``meeting``, or of the whole log)."""
    title = f"Minutes of {minutes.body}"
    if meeting is not None:
        title += f": {minutes.meeting(meeting).title}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n"
        f"{markdown_html(minutes.markdown(meeting))}"
        "</main>\n</body>\n</html>\n"
    )


def minutes_json(minutes: Minutes, meeting: str | None = None) -> dict[str, Any]:
    """The minutes as JSON-ready data (of ``meeting``, or of the whole log)."""
    meetings = minutes.meetings if meeting is None else (minutes.meeting(meeting),)
    return {
        "format": FORMAT,
        "version": VERSION,
        "body": minutes.body,
        "standing_orders": minutes.standing_orders,
        "revote": minutes.revote,
        "meeting": meeting,
        "items": [_item(i) for i in minutes.items if not i.meeting],
        "elections": [_election(e) for e in minutes.elections if not e.meeting],
        "meetings": [_meeting(minutes, m) for m in meetings],
    }


def _meeting(minutes: Minutes, m: MeetingRecord) -> dict[str, Any]:
    return {
        "id": m.id,
        "entry": m.entry,
        "title": m.title,
        "convened": m.convened,
        "chair": m.chair,
        "secretary": m.secretary,
        "quorum": m.quorum,
        "publication": m.publication,
        "items": [_item(i) for i in minutes.items if i.meeting == m.id],
        "ballots": [_ballot(b) for b in minutes.ballots if b.meeting == m.id],
        "elections": [_election(e) for e in minutes.elections if e.meeting == m.id],
    }


def _item(item: MinuteItem) -> dict[str, Any]:
    return {"entry": item.seq, "time": item.at, "type": item.type, "text": item.text}


def _ballot(b: BallotRecord) -> dict[str, Any]:
    return {
        "id": b.id,
        "entry": b.entry,
        "subject": b.subject,
        "question": b.question,
        "method": b.method,
        "rule": b.rule,
        "tie_rule": b.tie_rule,
        "counts": {"for": b.for_votes, "against": b.against, "abstain": b.abstain},
        "outcome": b.outcome,
        "tied": b.tied,
        "casting_vote": b.casting_vote or None,
        "explanation": b.explanation,
        "votes": [{"member": name, "for": f, "against": a, "abstain": x}
                  for name, f, a, x in b.votes],
        "papers": b.papers,
    }


def _election(e: ElectionRecord) -> dict[str, Any]:
    return {
        "id": e.id,
        "entry": e.entry,
        "title": e.title,
        "seats": e.seats,
        "method": e.method,
        "secret": e.secret,
        "candidates": list(e.candidates),
        "elected": list(e.elected),
        "rule": e.rule,
        "seed": e.seed,
        "lots": e.lots,
        "ballots": e.ballots,
    }


# -- the minutes' Markdown as HTML -------------------------------------------------------

_HEADING = re.compile(r"(#{1,6}) (.*)")
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _escape(text: str) -> str:
    return escape(text, quote=True)


def markdown_html(markdown: str) -> str:
    """HTML of Markdown as the minutes write it (module docstring); all text escaped.

    The minutes are written a line per event, so each line is read on its own:
    ``#`` to ``######`` and a space is a heading, four spaces a line of an indented
    block (shown as written), ``- `` a list item and ``  - `` an item of a list
    inside the item before it; a blank line ends a block, a line ended by a
    backslash (a hard line break in a text's diff) goes on in the next line, and
    any other line is a line of a paragraph.
    """
    out: list[str] = []
    paragraph: list[str] = []
    items: list[tuple[int, list[str]]] = []  # (level, lines) of the open list
    pre: list[str] = []
    current: list[str] | None = None  # the lines of the open paragraph or item

    def close() -> None:
        nonlocal current
        if pre:
            out.append("<pre>" + _escape("\n".join(pre)) + "</pre>")
            pre.clear()
        if paragraph:
            out.append(f"<p>{_inline(chr(10).join(paragraph))}</p>")
            paragraph.clear()
        if items:
            out.append(_list(items))
            items.clear()
        current = None

    for line in markdown.split("\n"):
        if current is not None and current[-1].endswith("\\"):
            current.append(line)
            continue
        heading = _HEADING.fullmatch(line)
        if line.startswith("    "):
            if not pre:
                close()
            pre.append(line[4:])
        elif not line.strip():
            close()
        elif heading:
            close()
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif line.startswith(("- ", "  - ")):
            if not items:
                close()
            level = 1 if line.startswith("- ") else 2
            current = [line[2 * level:]]
            items.append((level, current))
        else:
            if not paragraph:
                close()
            paragraph.append(line)
            current = paragraph
    close()
    return "".join(f"{part}\n" for part in out)


def _list(items: list[tuple[int, list[str]]]) -> str:
    """A list; each run of inner items goes inside the item before it (or stands as a
    list of its own when no item comes before it)."""
    html = ["<ul>"]
    position = 0
    while position < len(items):
        level, lines = items[position]
        position += 1
        inner = []
        while position < len(items) and items[position][0] == 2:
            inner.append(f"<li>{_inline(chr(10).join(items[position][1]))}</li>")
            position += 1
        nested = f"<ul>{''.join(inner)}</ul>" if inner else ""
        if level == 1:
            html.append(f"<li>{_inline(chr(10).join(lines))}{nested}</li>")
        else:  # inner items with no item before them
            html.append(f"<li>{_inline(chr(10).join(lines))}</li>")
            html.extend(inner)
    html.append("</ul>")
    return "\n".join(html)


def _inline(text: str) -> str:
    """Escaped text with the minutes' inline Markdown: ``**``, ``~~``, code spans and
    backslash escapes; every line break (with or without a backslash) is kept."""
    out: list[str] = []
    open_tags: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        pair = text[i:i + 2]
        if char == "\\" and i + 1 < n and text[i + 1] == "\n":
            out.append("<br>\n")
            i += 2
        elif char == "\n":
            out.append("<br>\n")
            i += 1
        elif char == "\\" and i + 1 < n and text[i + 1] in _PUNCTUATION:
            out.append(_escape(text[i + 1]))
            i += 2
        elif pair in ("**", "~~"):
            tag = "strong" if pair == "**" else "del"
            if open_tags and open_tags[-1] == tag:
                open_tags.pop()
                out.append(f"</{tag}>")
            elif text.find(pair, i + 2) != -1:
                open_tags.append(tag)
                out.append(f"<{tag}>")
            else:
                out.append(_escape(pair))
            i += 2
        elif char == "`" and text.find("`", i + 1) != -1:
            end = text.find("`", i + 1)
            out.append(f"<code>{_escape(text[i + 1:end])}</code>")
            i = end + 1
        else:
            out.append(_escape(char))
            i += 1
    out.extend(f"</{tag}>" for tag in reversed(open_tags))
    return "".join(out)

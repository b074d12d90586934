"""Text in a body's log is in Unicode Normalization Form C (NFC), and is valid Unicode.

The audit log hashes each entry as RFC 8785 canonical JSON in UTF-8 and refuses
a string not in NFC rather than change it (``audit/canonical.py``): two
spellings of "é" would otherwise be two different entries for one text. A lone
surrogate cannot be written in UTF-8 at all. The domain keeps to the same rules
at both ends:

* :func:`voting.decider.decide` **normalises** every string of a command to
  NFC before deciding (:func:`normalise_command`), so a name, title, reason or
  motion text pasted in decomposed form is accepted and logged composed.
  Motion and amendment texts are normalised whole, before they are split into
  words (as :func:`voting.text.normalise` does too), so the word ids an
  amendment addresses are those of the normalised motion and nothing shifts.
* ``decide`` also turns a value of a ``StrEnum`` (``ProceduralKind.CLOSURE``,
  ``EditKind.INSERT``, ``BallotMethod.SECRET``) given for a string field into the plain
  string it stands for, so a command built with the enums and one built with their
  string values are decided alike and give identical events.
* :func:`voting.decider.evolve` **refuses** an event holding a string not in
  NFC or holding a lone surrogate (:func:`check_event`,
  :class:`UnloggableText`), so a replay of a log, and the verifier's C-REPLAY,
  never accepts one; ``decide`` folds its own events with ``evolve`` and so
  never returns one either (a name with a lone surrogate is refused there).

``docs/verifying.md`` (C-TIME) says the same for members. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import operator
import re
import typing
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from typing import Any, Final, TypeVar

from voting.commands import Command
from voting.errors import DomainError

__all__ = ["UnloggableText", "check_event", "loggable", "normalise_command"]

C = TypeVar("C", bound=Command)

_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_FIELDS: dict[type, tuple[str, ...]] = {}
_PLANS: dict[type, Callable[[Any], bool]] = {}


class UnloggableText(DomainError):
    """Text a body's log cannot hold: not in Unicode NFC, or a lone surrogate."""


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def loggable(value: object) -> bool:
    """Whether every string in ``value`` (a string, or tuples of them, nested) is in NFC
    and free of lone surrogates: text the log can hold."""
    if type(value) is str:
        return value.isascii() or (
            _SURROGATE.search(value) is None and unicodedata.is_normalized("NFC", value)
        )
    if type(value) is tuple:
        return all(loggable(item) for item in value)
    return True


def _plain(value: object) -> bool:
    """Whether ``value`` holds only plain ``str`` (no enum member or other subclass)."""
    if isinstance(value, str):
        return type(value) is str
    if type(value) is tuple:
        return all(_plain(item) for item in value)
    return True


def _normalised(value: Any) -> Any:
    if isinstance(value, str):
        if type(value) is not str:  # an enum member: the string it stands for
            value = str.__str__(value)
        return value if value.isascii() else unicodedata.normalize("NFC", value)
    if isinstance(value, tuple):
        return tuple(_normalised(item) for item in value)
    return value


def normalise_command(command: C) -> C:
    """``command`` with every string in it (in tuples too) in NFC, and every enum member
    given for a string as the plain string it stands for; itself if nothing changes.

    A lone surrogate is left as it is, for the rules to refuse.
    """
    changes: dict[str, Any] = {}
    for name in _fields(type(command)):
        value = getattr(command, name)
        if not loggable(value) or not _plain(value):
            changes[name] = _normalised(value)
    return dataclasses.replace(command, **changes) if changes else command


Texts = Callable[[Sequence[Any]], Iterable[str]]


def _texts(hint: Any) -> Texts | None:
    """For values of type ``hint``: a function from a sequence of them to the strings they
    hold, in C loops (``None``: they hold no text). Values of another shape make the
    function raise ``TypeError`` or ``IndexError``; an unknown ``hint`` raises ``TypeError``."""
    if hint is str:
        return lambda values: values
    if hint is int or hint is bool:
        return None
    if typing.get_origin(hint) is not tuple:
        raise TypeError(f"no text plan for {hint!r}")
    args = typing.get_args(hint)
    if len(args) == 2 and args[1] is Ellipsis:
        inner = _texts(args[0])
        if inner is None:
            return None
        return lambda values: inner(tuple(chain.from_iterable(values)))
    parts = [(operator.itemgetter(i), f) for i, arg in enumerate(args)
             if (f := _texts(arg)) is not None]
    if not parts:
        return None
    return lambda values: chain.from_iterable(
        texts(tuple(map(get, values))) for get, texts in parts)


def _never(event: object) -> bool:
    return False


def _plan(cls: type) -> Callable[[Any], bool]:
    """For one event class, a test that every string of an event is ASCII (hence loggable)
    without looking at each in Python: its ``str`` fields at once, and the strings inside
    its tuple fields by their declared types (a test that always says no when there is no
    such plan: then each field is looked at). Fields declared ``int`` or ``bool`` hold no
    text (``voting.codec`` refuses other kinds)."""
    hints = typing.get_type_hints(cls)
    names = _fields(cls)
    plain = [name for name in names if hints[name] is str]
    try:
        nested = [(operator.attrgetter(name), texts) for name in names
                  if hints[name] is not str and (texts := _texts(hints[name])) is not None]
    except TypeError:
        return _PLANS.setdefault(cls, _never)
    if len(plain) < 2:
        return _PLANS.setdefault(cls, _never)
    strings = operator.attrgetter(*plain)

    def flat(event: Any) -> bool:
        return "".join(strings(event)).isascii()

    def deep(event: Any) -> bool:
        if not "".join(strings(event)).isascii():
            return False
        return all("".join(texts((get(event),))).isascii() for get, texts in nested)

    return _PLANS.setdefault(cls, deep if nested else flat)


def check_event(event: object) -> None:
    """Refuse an event (a dataclass) holding text the log cannot hold, naming the field.

    Replay runs this once per event, so an event whose ``str`` fields are all
    ASCII (as most are: ids, times, choices) is passed with one test of them
    together; any other is looked at field by field.

    Raises:
        UnloggableText: a field of ``event`` holds text not in Unicode NFC, or
            a lone surrogate.
    """
    cls = type(event)
    try:
        if (_PLANS.get(cls) or _plan(cls))(event):
            return
    except (TypeError, IndexError):  # a field not of its declared kind: look at each
        pass
    for name in _fields(cls):
        if not loggable(getattr(event, name)):
            raise UnloggableText(
                f"the {name} field of {type(event).__name__} holds text not in Unicode "
                "normalization form C (NFC) or a lone surrogate, which a body's log cannot hold"
            )

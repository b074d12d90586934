"""Look-alike names: two members whose names differ but read the same on a screen.

A roll on which "Anna" and "Anna" with a Cyrillic first letter (U+0410) both stand lets one
pass for the other wherever names are read, in the minutes, in a list of candidates, in
the names read out with a recorded vote. The service refuses to admit a member whose name
is a look-alike of a member's already on the roll (409 ``confusable-name``); the officer
admits them under a name that can be told apart. Two members with *identical* names are
not refused: people do share names, and the roll tells them apart by id.

:func:`skeleton` is a small, deliberate approximation of the skeleton of Unicode Technical
Standard #39 (section 4): compatibility forms folded (NFKC: full-width and mathematical
letters, ligatures), invisible format characters dropped, runs of white space made one
space, and the Cyrillic and Greek letters that are drawn like Latin ones mapped to those,
with the classic Latin pairs (``l``/``I``/``1``, ``O``/``0``, ``rn``/``m``). Two names
with one skeleton look alike. Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

__all__ = ["look_alike", "skeleton"]

_LOOKS_LIKE: Final = (  # Cyrillic and Greek letters drawn as Latin ones; l, I, 1, |; O, 0
    "\u0430\u0432\u0435\u043e\u0440\u0441\u0443\u0445\u0455\u0456\u0458\u0501\u04bb\u051b\u051d"
    "\u04cf\u0451\u0457\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0423\u0425"
    "\u0405\u0406\u0408\u051a\u051c\u04c0\u0401\u0407\u03bf\u03bd\u03c1\u03b9\u03ba\u03c5\u0391"
    "\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7I1|\u01310"
)
_LATIN: Final = (
    "aBeopcyxsijdhqwl\u00eb\u00efABEKMHOPCTYXSlJQWl\u00cb\u00cfovpikuABEZHlKMNOPTYXllliO"
)
_GLYPHS: Final = str.maketrans(_LOOKS_LIKE, _LATIN)
_SPACE: Final = re.compile(r"\s+")


def skeleton(name: str) -> str:
    """What ``name`` looks like, as a string two look-alike names share (module docstring)."""
    folded = unicodedata.normalize("NFKC", name)
    visible = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    mapped = _SPACE.sub(" ", visible.translate(_GLYPHS)).strip()
    return unicodedata.normalize("NFC", mapped.replace("rn", "m"))


def look_alike(name: str, others: Iterable[tuple[str, str]]) -> str | None:
    """The id of a member in ``others`` (``(id, name)`` pairs) whose name differs from
    ``name`` (in NFC) but has its :func:`skeleton`; ``None`` if there is none."""
    mine = unicodedata.normalize("NFC", name)
    shape = skeleton(name)
    for member, other in others:
        if unicodedata.normalize("NFC", other) != mine and skeleton(other) == shape:
            return member
    return None

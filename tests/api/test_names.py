"""Look-alike names (api.names): what counts as one, and what does not."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from api.names import look_alike, skeleton
from voting.minutes import md

NAMES = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)


@given(NAMES)
def test_a_name_is_never_its_own_look_alike(name: str) -> None:
    assert look_alike(name, [("same", name)]) is None
    assert look_alike(name, [("nfd", unicodedata.normalize("NFD", name))]) is None


@given(NAMES)
def test_a_skeleton_is_a_fixed_point(name: str) -> None:
    assert skeleton(skeleton(name)) == skeleton(name)


def test_look_alikes_across_scripts_share_a_skeleton() -> None:
    assert skeleton("\u0410\u043d\u043d\u0430") != skeleton("Anna")  # Cyrillic "Anna": н is no n
    assert skeleton("\u0410nn\u0430") == skeleton("Anna")
    assert look_alike("\u0410nn\u0430", [("x", "Bob"), ("y", "Anna")]) == "y"
    assert look_alike("Anne", [("y", "Anna")]) is None


@given(NAMES)
def test_markdown_escaping_leaves_no_markup_character_bare(text: str) -> None:
    shown = md(text)
    bare = shown.replace("\\\\", "")
    for char in "<>[]`*_&":
        assert all(bare[i - 1] == "\\" for i, c in enumerate(bare) if c == char and i), shown
        assert not bare.startswith(char), shown

"""Hypothesis strategies for log entries, for embedders' property tests.

This module imports `Hypothesis <https://hypothesis.readthedocs.io>`_, a
development dependency of tellers (the ``dev`` extra), not a runtime one:
nothing else in :mod:`audit` imports it. Use it in tests::

    from hypothesis import given
    from audit.canonical import canonical, parse
    from audit.testing import json_values

    @given(json_values)
    def test_round_trip(value):
        assert parse(canonical(value)) == value

Every value drawn is inside the narrow schema :func:`audit.canonical.canonical`
accepts: ASCII object keys, no floats, integers within ±(2**53 - 1) (RFC 8785
§3.2.2.3, the I-JSON range of RFC 7493 §2.2), and text already in Unicode
NFC, so it encodes to its canonical bytes and parses back equal.
"""

from __future__ import annotations

import unicodedata

from hypothesis import strategies as st

from audit.canonical import MAX_SAFE_INTEGER, JSONValue

__all__ = ["ascii_keys", "json_values", "nfc_text", "safe_integers"]

nfc_text: st.SearchStrategy[str] = st.text(max_size=20).map(
    lambda s: unicodedata.normalize("NFC", s)
)
"""Short text in Unicode normalisation form C, as the log stores all text."""

ascii_keys: st.SearchStrategy[str] = st.text(
    st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=10
)
"""Object keys: ASCII only, so that RFC 8785's UTF-16 key order is plain byte order."""

safe_integers: st.SearchStrategy[int] = st.integers(
    min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER
)
"""Integers every JSON reader holds exactly (RFC 7493 §2.2)."""

json_values: st.SearchStrategy[JSONValue] = st.recursive(
    st.none() | st.booleans() | safe_integers | nfc_text,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(ascii_keys, children, max_size=5),
    max_leaves=25,
)
"""Nested JSON values (null, booleans, integers, text, arrays, objects) inside the schema."""

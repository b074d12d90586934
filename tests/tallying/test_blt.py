"""The BLT reader and writer (docs/counting.md, "The BLT ballot file format").

Every tolerance the reader allows must be reported as a warning; every
malformed or ambiguous file must raise BallotFileError naming its line; the
writer's output reads back as the same profile.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallying.blt import BltFile, canonical_blt, parse_blt, read_blt, write_blt
from tallying.errors import BallotFileError, InvalidProfile
from tallying.profile import Profile, RankedBallot, merge_identical
from tallying.testing import profiles
from tests.conftest import DATA, data_path

pytestmark = pytest.mark.unit

CORE = """\
4 2
-2
3 1 3 4 0
4 1 3 2 0
2 4 1 3 0
1 2 0
0
"Adam"
"Basil"
"Charlotte"
"Donald"
"Title"
"""


def strict(*order: int) -> tuple[tuple[int, ...], ...]:
    return tuple((c,) for c in order)


def warned(read: BltFile, fragment: str) -> int | None:
    """The line of the warning that mentions ``fragment`` (fails if there is none)."""
    hits = [w for w in read.warnings if fragment in w.message]
    assert hits, f"no warning about {fragment!r} in {read.warnings}"
    return hits[0].line


# -- the core grammar -------------------------------------------------------------


def test_core_grammar_example_from_counting_md() -> None:
    read = parse_blt(CORE)
    profile = read.profile
    assert profile.candidates == ("Adam", "Basil", "Charlotte", "Donald")
    assert profile.seats == 2
    assert profile.withdrawn == frozenset({1})
    assert profile.title == "Title"
    assert profile.ballots == (
        RankedBallot(3, strict(0, 2, 3)),
        RankedBallot(4, strict(0, 2, 1)),
        RankedBallot(2, strict(3, 0, 2)),
        RankedBallot(1, strict(1)),
    )
    assert read.warnings == ()


def test_whitespace_grammar_several_ballots_on_a_line_and_names_on_one_line() -> None:
    """The 1987 text treats newlines as whitespace: ballots share a line, names too."""
    text = '3 1\n2 1 2 0 1 3 0\n1 2 0\n0\n"A" "B" "C" "T"\n'
    read = parse_blt(text)
    assert read.profile.ballots == (
        RankedBallot(2, strict(0, 1)),
        RankedBallot(1, strict(2)),
        RankedBallot(1, strict(1)),
    )
    assert read.profile.candidates == ("A", "B", "C")
    assert read.warnings == ()


def test_identical_lines_are_merged_in_order_of_first_appearance() -> None:
    text = '3 1\n1 1 2 0\n1 3 0\n1 1 2 0\n2 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n'
    assert parse_blt(text).profile.ballots == (
        RankedBallot(4, strict(0, 1)),
        RankedBallot(1, strict(2)),
    )


def test_comments_are_kept_and_skipped_everywhere() -> None:
    text = (
        "# source: hand-made\n#   second line\n3 1 # header\n"
        "# a comment among ballots\n2 1 2 0 # trailing\n\n1 3 0\n0 # end\n"
        '"A" # name\n# between names\n"B#1"\n"C"\n"T"\n'
    )
    read = parse_blt(text)
    assert read.comments == ("source: hand-made", "second line")
    assert read.profile.candidates == ("A", "B#1", "C")
    assert read.profile.ballots == (RankedBallot(2, strict(0, 1)), RankedBallot(1, strict(2)))
    assert read.warnings == ()


def test_windows_line_endings() -> None:
    assert parse_blt(CORE.replace("\n", "\r\n")).profile == parse_blt(CORE).profile


def test_blank_ballot_is_kept_as_an_empty_ranking() -> None:
    read = parse_blt('2 1\n3 0\n1 1 0\n0\n"A"\n"B"\n"T"\n')
    assert read.profile.ballots[0] == RankedBallot(3, ())


# -- tolerated, and reported ----------------------------------------------------------


def test_byte_order_mark() -> None:
    read = parse_blt("\ufeff" + CORE)
    assert read.profile == parse_blt(CORE).profile
    assert warned(read, "byte-order mark") == 1


def test_equal_ranks() -> None:
    read = parse_blt('3 1\n2 1=3 2 0\n1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n')
    assert read.profile.ballots[0] == RankedBallot(2, ((0, 2), (1,)))
    assert warned(read, "equal") == 2


def test_ballots_ended_by_the_newline_without_zero() -> None:
    """OpenTally's reading: ``35 1 2`` then ``3 1 3`` are two ballots, not one."""
    read = parse_blt('3 1\n1 2 0\n35 1 2\n3 1 3\n0\n"A"\n"B"\n"C"\n"T"\n')
    assert read.profile.ballots == (
        RankedBallot(1, strict(1)),
        RankedBallot(35, strict(0, 1)),
        RankedBallot(3, strict(0, 2)),
    )
    assert warned(read, "without a terminating 0") == 3


def test_unquoted_names_one_per_line() -> None:
    """mggg/scot-elex: names unquoted, whole line is the name."""
    read = parse_blt("2 1\n1 1 0\n0\nPamela MITCHELL (SNP)\nBruce WHITEHEAD (Lab)\nWard 1\n")
    assert read.profile.candidates == ("Pamela MITCHELL (SNP)", "Bruce WHITEHEAD (Lab)")
    assert read.profile.title == "Ward 1"
    assert warned(read, "not quoted") == 4


def test_name_and_party_as_two_quoted_strings_on_one_line() -> None:
    read = parse_blt('2 1\n1 1 0\n0\n"Kevin LANG" "Lib Dem"\n"Norrie WORK" "SNP"\n"Almond"\n')
    assert read.profile.candidates == ("Kevin LANG", "Norrie WORK")
    assert read.profile.title == "Almond"
    assert warned(read, "two quoted strings") == 4
    assert "'Lib Dem'" in str(read.warnings[0])


def test_a_missing_title_is_refused_not_guessed() -> None:
    """n strings for n candidates: names without a title, or a name short? Not guessed."""
    with pytest.raises(BallotFileError, match="and a title") as caught:
        parse_blt('2 1\n1 1 0\n0\n"A"\n"B"\n')
    assert caught.value.line == 4


# -- refused, naming the line -----------------------------------------------------------


BAD = [
    ('3 1\n1 4 0\n0\n"A"\n"B"\n"C"\n"T"\n', 2, "out of range"),
    ('3 1\n1 1 2 0\n1 2 0 0\n0\n"A"\n"B"\n"C"\n"T"\n', 3, "at least 1"),
    ('3 1\n1 1 0\n2 1 2 1 0\n0\n"A"\n"B"\n"C"\n"T"\n', 3, "more than once"),
    ('3 1\n1 1=1 0\n0\n"A"\n"B"\n"C"\n"T"\n', 2, "more than once"),
    ('3 1\nx 1 0\n0\n"A"\n"B"\n"C"\n"T"\n', 2, "not a whole number"),
    ('3 1\n1.5 1 0\n0\n"A"\n"B"\n"C"\n"T"\n', 2, "not a whole number"),
    ('3 1\n1 1 b 0\n0\n"A"\n"B"\n"C"\n"T"\n', 2, "not a candidate number"),
    ('3 1\n1 1 -3 0\n0\n"A"\n"B"\n"C"\n"T"\n', 2, "not a candidate number"),
    ('3 1\n1 1 - 2 0\n0\n"A"\n"B"\n"C"\n"T"\n', 2, "skipped rank"),
    ('3 1\n(a7) 1 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n', 2, "not a whole number"),
    ('3 1\n1 (a7) 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n', 2, "ballot IDs"),
    ('3 1\n0 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n', 2, "at least 1"),
    ('3 1\n1 1 0\n00 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n', 3, "at least 1"),
    ('3 1\n1 1 0\n"A"\n"B"\n"C"\n"T"\n', 6, "not ended"),
    ('3 1\n1 1 0\n0\n"A"\n"B"\n"T"\n', 4, "expected 3 candidate names"),
    ('3 1\n1 1 0\n0\n"A"\n"B"\n"C"\n"D"\n"E"\n"T"\n', 4, "expected 3 candidate names"),
    ('3 1\n1 1 0\n0\n"A"\n"B"\n"C\n"T"\n', 6, "not closed"),
    ('3 1\n1 1 0\n0\n"A"\n"B" x\n"C"\n"T"\n', 5, "mixes quoted"),
    ('3 1\n1 1 0\n0\n"A"\n"B"\n"A"\n"T"\n', 4, "both named"),
    ('3 1\n1 1 0\n0\n"A"\n"  "\n"C"\n"T"\n', 4, "empty name"),
    ("3\n1 1 0\n0\n", 1, "two numbers"),
    ("# only\n3 x\n1 1 0\n0\n", 2, "not a whole number"),
    ("0 1\n0\n", 1, "at least one candidate"),
    ("3 0\n0\n", 1, "at least one seat"),
    ('3 1\n-4\n1 1 0\n0\n"A"\n"B"\n"C"\n"T"\n', 2, "out of range"),
    ('3 1\n-1 2\n1 1 0\n0\n"A"\n"B"\n"C"\n"T"\n', 2, "only negative"),
    ("# nothing\n\n", 2, "empty"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), BAD)
def test_malformed_files_are_refused_with_their_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(BallotFileError, match=fragment) as caught:
        parse_blt(text)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ")


def test_names_only_in_comments_are_refused_not_guessed() -> None:
    """Glasgow 2007: the names are only ``# ALTERNATIVE NAME`` comments."""
    text = (
        "2 1\n1 1 0\n0\n# ALTERNATIVE NAME 1: Esme Clark (Lab)\n"
        "# ALTERNATIVE NAME 2: Margot Clark (SNP)\n"
    )
    with pytest.raises(BallotFileError, match="only in comments") as caught:
        parse_blt(text)
    assert caught.value.line == 4


def test_an_error_on_a_repeated_line_names_its_first_line() -> None:
    text = '2 1\n1 1 0\n1 1 3 0\n1 2 0\n1 1 3 0\n0\n"A"\n"B"\n"T"\n'
    with pytest.raises(BallotFileError) as caught:
        parse_blt(text)
    assert caught.value.line == 3


def test_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.blt"
    path.write_bytes(b'2 1\n1 1 0\n0\n"Ad\xe9le"\n"B"\n"T"\n')
    with pytest.raises(BallotFileError, match="UTF-8") as caught:
        read_blt(path)
    assert caught.value.line == 4


# -- read_blt's sources ------------------------------------------------------------------


def test_read_from_a_path_a_text_stream_and_a_binary_stream(tmp_path: Path) -> None:
    path = tmp_path / "core.blt"
    path.write_text(CORE, encoding="utf-8")
    expected = parse_blt(CORE).profile
    assert read_blt(path).profile == expected
    assert read_blt(str(path)).profile == expected
    assert read_blt(io.StringIO(CORE)).profile == expected
    assert read_blt(io.BytesIO(CORE.encode())).profile == expected


def test_progress_is_reported() -> None:
    calls: list[tuple[int, int]] = []
    parse_blt(CORE, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1] > 0


@pytest.mark.parametrize("name", sorted(path.name for path in (DATA / "elections").glob("*.blt")))
def test_every_real_file_reads_without_complaint(name: str) -> None:
    read = read_blt(data_path("elections", name))
    header = next(
        line for line in data_path("elections", name).read_text().splitlines() if line[:1] != "#"
    )
    n, seats = (int(x) for x in header.split())
    assert len(read.profile.candidates) == n
    assert read.profile.seats == seats
    assert read.warnings == ()
    assert read.comments  # the provenance lines


# -- writing ---------------------------------------------------------------------------------


def test_writer_emits_only_the_core_grammar() -> None:
    profile = parse_blt(CORE).profile
    text = write_blt(profile, comments=["from: CORE", "two\nlines"])
    assert text.splitlines() == [
        "# from: CORE",
        "# two",
        "# lines",
        "4 2",
        "-2",
        "3 1 3 4 0",
        "4 1 3 2 0",
        "2 4 1 3 0",
        "1 2 0",
        "0",
        '"Adam"',
        '"Basil"',
        '"Charlotte"',
        '"Donald"',
        '"Title"',
    ]
    assert parse_blt(text).comments == ("from: CORE", "two", "lines")


def test_canonical_form_hashes_the_same_however_the_ballots_come() -> None:
    profile = parse_blt(CORE).profile
    split = replace(
        profile,
        ballots=tuple(
            RankedBallot(1, b.ranking) for b in reversed(profile.ballots) for _ in range(b.weight)
        ),
    )
    first = canonical_blt(profile).encode()
    assert hashlib.sha256(canonical_blt(split).encode()).digest() == hashlib.sha256(first).digest()
    lines = canonical_blt(profile).splitlines()
    ballot_lines = lines[2 : lines.index("0")]
    rankings = [tuple(int(x) for x in line.split()[1:-1]) for line in ballot_lines]
    assert rankings == sorted(rankings)


def test_writer_refuses_what_core_blt_cannot_say() -> None:
    quote = Profile(('say "hi"',), 1, ())
    with pytest.raises(InvalidProfile):
        write_blt(quote)
    equal = Profile(("A", "B"), 1, (RankedBallot(1, ((0, 1),)),))
    with pytest.raises(InvalidProfile):
        write_blt(equal)
    text = write_blt(equal, equal_ranks=True)
    assert "1 1=2 0" in text.splitlines()
    assert parse_blt(text).profile == equal


names = st.lists(
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters='"'), min_size=1
    ).filter(lambda s: s.strip() != ""),
    min_size=7,
    max_size=7,
    unique=True,
)


@given(profiles(max_candidates=7, seats=None, max_ballots=12), names, st.booleans())
def test_write_then_read_gives_the_same_profile(
    profile: Profile, labels: list[str], canonical: bool
) -> None:
    """Round trip: what the writer says, the reader hears (identical rankings merged)."""
    n = len(profile.candidates)
    named = replace(profile, candidates=tuple(labels[:n]), title=labels[-1])
    read = parse_blt(write_blt(named, comments=["round trip"], canonical=canonical))
    merged = merge_identical(named.ballots)
    if canonical:
        merged = tuple(sorted(merged, key=lambda b: b.ranking))
    assert read.profile == replace(named, ballots=merged)
    assert read.warnings == ()


@given(profiles(max_candidates=6, strict=False, max_ballots=10))
def test_equal_ranks_round_trip_with_the_extension(profile: Profile) -> None:
    read = parse_blt(write_blt(profile, equal_ranks=True))
    assert read.profile == replace(profile, ballots=merge_identical(profile.ballots))

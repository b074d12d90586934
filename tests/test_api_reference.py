"""The API reference is built from the docstrings with pdoc, warnings as errors.

The reference documents each package's public names (its ``__all__``), so it is the
embedder's view of the library: ``from voting import ...`` and the modules it names.
CI builds it with the rest of the suite (``.ci/run``), so a docstring pdoc cannot
render, or a public name that cannot be imported, fails the build. To read it::

    pdoc -d restructuredtext -o build/api voting tallying audit
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pdoc
import pdoc.render

import audit
import tallying
import voting

PACKAGES = ("voting", "tallying", "audit")


def test_the_reference_builds_without_a_warning_and_names_every_public_name(
    tmp_path: Path,
) -> None:
    pdoc.render.configure(docformat="restructuredtext")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pdoc.pdoc(*PACKAGES, output_directory=tmp_path)
    for package in (voting, tallying, audit):
        page = (tmp_path / f"{package.__name__}.html").read_text(encoding="utf-8")
        anchors = set(re.findall(r'id="([A-Za-z_][\w.]*)"', page))
        modules = {p.stem for p in (tmp_path / package.__name__).glob("*.html")}
        for name in package.__all__:
            assert name in anchors or name in modules, f"{package.__name__}.{name}"
    # The results an embedder reads after a close are documented where they live.
    voting_page = (tmp_path / "voting.html").read_text(encoding="utf-8")
    assert 'id="Ballot.result"' in voting_page
    assert 'id="Election.result"' in voting_page

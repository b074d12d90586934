"""The test data is what its READMEs list, and the repository cites only itself.

Each folder under ``tests/data`` has a README.md whose "Files" table names every file in it
(one row per file, or per pair for an election), where it comes from and under which
licence. The folder must hold exactly those files, as regular files; every row must name a
licence; and every row must name each repository that its JSON files cite in their own
``source``/``sources`` fields. A fresh clone must need nothing beside it, so no text in the
repository may point at documents outside it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT, data_path

pytestmark = pytest.mark.unit

FOLDERS = ("vectors", "elections")

# Names of documents that do not live in the repository, and the folder that once stood
# beside the checkout. Built from parts so that this file does not cite them itself.
OUTSIDE = (
    *(f"{name}.md" for name in ("DESIGN", "COUNTING", "RELIABILITY", "STACK", "STYLE")),
    "../" + "shared",
)
TEXT_SUFFIXES = {".py", ".md", ".json", ".toml", ".cfg", ".txt", ".yml", ".yaml", ".html", ""}
SKIPPED_DIRS = {"build", "dist", "__pycache__", "node_modules", "venv"}


def _table(readme: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of the table under the README's ``## Files`` heading."""
    lines = readme.split("## Files", 1)[1].splitlines()
    table = [line.strip() for line in lines if line.strip().startswith("|")]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in table]
    header, separator, *rows = cells
    assert all(set(cell) <= {"-", ":"} for cell in separator)
    return header, rows


def _listed(row: list[str]) -> list[str]:
    return re.findall(r"`([^`]+)`", row[0])


def _readme(folder: str) -> str:
    return data_path(folder, "README.md").read_text(encoding="utf-8")


def _cited_repositories(value: object) -> Iterator[str]:
    """Every ``repo`` named anywhere inside a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "repo" and isinstance(item, str):
                yield item
            else:
                yield from _cited_repositories(item)
    elif isinstance(value, list):
        for item in value:
            yield from _cited_repositories(item)


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_folder_holds_exactly_what_its_readme_lists(folder: str) -> None:
    _, rows = _table(_readme(folder))
    listed = [name for row in rows for name in _listed(row)]
    assert len(listed) == len(set(listed)), "a file is listed twice"
    present = {path.name for path in (DATA / folder).iterdir()} - {"README.md"}
    assert set(listed) == present
    for name in listed:
        path = DATA / folder / name
        assert path.is_file() and not path.is_symlink(), f"{path} is not a regular file"


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_row_gives_a_source_and_a_licence(folder: str) -> None:
    header, rows = _table(_readme(folder))
    assert "licence" in header[-1]
    assert rows
    for row in rows:
        assert len(row) == len(header), f"row {row[0]} has {len(row)} cells, not {len(header)}"
        assert _listed(row), f"row {row} names no file"
        assert all(row), f"row {row[0]} leaves a cell empty"


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_row_names_the_repositories_its_files_cite(folder: str) -> None:
    _, rows = _table(_readme(folder))
    checked = 0
    for row in rows:
        text = " ".join(row)
        for name in _listed(row):
            if not name.endswith(".json"):
                continue
            cited = set(_cited_repositories(json.loads((DATA / folder / name).read_text("utf-8"))))
            assert cited, f"{name} names no source repository"
            missing = {repo for repo in cited if repo not in text}
            assert not missing, f"the README's row for {name} does not name {sorted(missing)}"
            checked += 1
    assert checked >= 10


def test_a_file_not_in_the_data_folder_fails_loudly() -> None:
    with pytest.raises(pytest.fail.Exception, match="tests/data"):
        data_path("vectors", "no-such-file.json")


def _repository_texts() -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [
            name
            for name in subdirectories
            if name not in SKIPPED_DIRS
            and not name.endswith(".egg-info")
            and (not name.startswith(".") or name == ".ci")
        ]
        for name in files:
            path = Path(directory, name)
            if path.suffix in TEXT_SUFFIXES and not path.is_symlink():
                yield path


def test_nothing_cites_a_document_outside_the_repository() -> None:
    """Docs, code comments and tests cite only what a fresh clone holds."""
    offending = []
    scanned = 0
    for path in _repository_texts():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        scanned += 1
        for number, line in enumerate(text.splitlines(), 1):
            if any(name in line for name in OUTSIDE):
                offending.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert scanned > 100
    assert not offending, "\n".join(offending)


def test_links_between_the_docs_lead_to_files_that_exist() -> None:
    """A relative link in docs/ or in a data README names a file in the repository."""
    pages = [*(ROOT / "docs").glob("*.md"), *DATA.glob("*/README.md")]
    links = 0
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "#", "mailto:")):
                continue
            links += 1
            resolved = (page.parent / target.split("#", 1)[0]).resolve()
            assert resolved.is_file(), f"{page.relative_to(ROOT)} links to missing {target}"
            assert ROOT in resolved.parents, f"{page.relative_to(ROOT)} links outside: {target}"
    assert links >= 10

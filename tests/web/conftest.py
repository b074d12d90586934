"""Fixtures for the pages: a Flask test client on a fresh instance, an instance holding the
demo meeting, that instance served by ``tellers serve`` on 127.0.0.1, and a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from api import create_app
from api.demo_meeting import commands
from api.instance import Instance
from tests.api.http.conftest import Service
from tests.api.http.served import Served
from tests.web.browser import CHROMIUM, LAUNCH_ARGS
from voting import commands as c
from voting import events as ev

DEMO_BODY = "log"
"""The body id the demo meeting is held in (the Left Organising Group)."""


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True})
    yield Service(app, app.test_client())
    app.extensions["tellers"].close()


def hold_demo(where: Path, body: str = DEMO_BODY) -> dict[str, str]:
    """Hold the demo meeting (api.demo_meeting) in body ``body`` of a new instance at
    ``where``; each vote's receipt, by ``<member>-<entry>``."""
    instance: Instance = create_app({"INSTANCE_PATH": str(where)}).extensions["tellers"]
    receipts: dict[str, str] = {}
    try:
        founding = datetime(2025, 3, 12, 18, 0, tzinfo=UTC)
        instance.create_body(body, name="Left Organising Group", origin=None,
                             standing_orders="citrine", secretary="m02",
                             secretary_name="Ben Carter", now=founding, invite_seconds=600)
        ledger = instance.ledger(body)
        for command in commands():
            if isinstance(command, c.FoundBody) or (
                    isinstance(command, c.AdmitMember) and command.member == "m02"):
                continue  # the instance founded the body with its secretary
            submitted = ledger.submit(command)
            for index, event in zip(submitted.indices, submitted.events, strict=True):
                if type(event) in ev.VOTES:
                    receipts[f"{command.by}-{index}"] = ledger.receipt(
                        index, tracker=submitted.tracker, mark_key=submitted.mark_key,
                        member_key=submitted.member_key)
    finally:
        instance.close()
    return receipts


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """An instance folder holding the demo meeting, and its receipts."""
    where = tmp_path_factory.mktemp("demo") / "instance"
    return where, hold_demo(where)


@pytest.fixture(scope="session")
def served_demo(demo: tuple[Path, dict[str, str]]) -> Iterator[Served]:
    """``tellers serve`` on 127.0.0.1 over the demo instance."""
    with Served(demo[0], workers=1, threads=4) as served:
        yield served


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Chromium, headless, launched by Playwright from the system's binary."""
    if not CHROMIUM.exists():
        raise AssertionError(f"{CHROMIUM} is missing: `apt-get install -y chromium` "
                             "(.ci/run does it); the browser tests never download one")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page in its own context (its own cookies), closed after the test."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()

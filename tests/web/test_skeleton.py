"""The page skeleton: the layout's landmarks, the stylesheet, the access table, and the
browser fixtures (a served instance, chromium, screenshots, axe-core)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.http.conftest import Service
from tests.api.http.served import Served
from tests.web.browser import assert_no_serious_axe_violations, axe_violations, screenshot


def test_home_lists_the_bodies_with_landmarks_and_a_skip_link(service: Service) -> None:
    service.body("group")
    page = service.client.get("/")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert '<a class="skip" href="#main">' in html
    assert '<main id="main"' in html and "<header" in html and "<footer" in html
    assert 'href="/bodies/group/"' in html and "The group" in html


def test_the_stylesheet_is_served(service: Service) -> None:
    with service.client.get("/static/tellers.css") as sheet:
        assert sheet.status_code == 200
        assert ":focus-visible" in sheet.get_data(as_text=True)


def test_a_body_that_is_not_there_is_a_404(service: Service) -> None:
    assert service.client.get("/bodies/nobody/").status_code == 404


@pytest.mark.browser
def test_the_served_pages_in_chromium(served_demo: Served, page: Any) -> None:
    page.goto(f"http://127.0.0.1:{served_demo.port}/")
    assert page.locator("h1").inner_text() == "Bodies served here"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    shot = screenshot(page, "home")
    assert shot.stat().st_size > 1000
    assert_no_serious_axe_violations(page)


@pytest.mark.browser
def test_axe_finds_a_serious_violation_when_there_is_one(served_demo: Served, page: Any
                                                         ) -> None:
    page.goto(f"http://127.0.0.1:{served_demo.port}/")
    page.evaluate("""() => { const i = document.createElement('img');
        i.src = 'data:,'; document.querySelector('main').append(i); }""")
    assert any(v["id"] == "image-alt" for v in axe_violations(page))
    with pytest.raises(AssertionError, match="image-alt"):
        assert_no_serious_axe_violations(page)

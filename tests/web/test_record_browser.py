"""The public record in a real browser (chromium, driven by Playwright) against ``tellers
serve`` on 127.0.0.1: the demo meeting's record, a receipt checked in the page and a
tampered one refused, axe-core on every record page, and screenshots to look at."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

from api.demo_meeting import AMENDMENT_VOTES, MEMBERS, SUBSTANTIVE_VOTES
from tests.api.http.served import Served
from tests.web.browser import assert_no_serious_axe_violations, screenshot
from tests.web.conftest import DEMO_BODY

pytestmark = pytest.mark.browser

NAMES = {member: name for member, name, _ in MEMBERS}
PAGES = {
    "record-body": "/",
    "record-meeting": "meetings/2025-03/",
    "record-motion": "motions/slate/",
    "record-ballot-amendment": "ballots/b1/",
    "record-ballot-substantive": "ballots/b2/",
    "record-election": "elections/delegates/",
    "record-verify": "verify",
}


def url(served: Served, path: str) -> str:
    base = f"http://127.0.0.1:{served.port}/bodies/{DEMO_BODY}/"
    return base if path == "/" else base + path


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_record_page_passes_axe_and_is_kept_as_a_screenshot(
        served_demo: Served, page: Any, name: str) -> None:
    page.goto(url(served_demo, PAGES[name]))
    assert page.locator("main h1").count() == 1
    screenshot(page, name)
    assert_no_serious_axe_violations(page)


@pytest.mark.parametrize("name", ["record-motion", "record-election"])
def test_the_record_on_a_phone(served_demo: Served, browser: Any, name: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    try:
        phone = context.new_page()
        phone.goto(url(served_demo, PAGES[name]))
        # nothing but the tables (which scroll in their own box) is wider than the screen
        overflow = phone.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390, overflow
        screenshot(phone, f"{name}-phone")
        assert_no_serious_axe_violations(phone)
    finally:
        context.close()


def test_the_votes_on_the_amendment_and_the_substantive_motion_with_every_name(
        served_demo: Served, page: Any) -> None:
    for ballot, votes, counts in (("b1", AMENDMENT_VOTES, "8 votes to 5, with no abstentions"),
                                  ("b2", SUBSTANTIVE_VOTES, "9 votes to 5, with 1 abstention")):
        page.goto(url(served_demo, f"ballots/{ballot}/"))
        assert counts in page.locator("main .outcome").inner_text()
        roll = page.get_by_role("table", name=re.compile(r"\d+ votes"))
        rows = roll.locator("tbody tr")
        assert rows.count() == len(votes)
        shown = {rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").all_inner_texts()
                 for i in range(rows.count())}
        for member, choice in votes.items():
            cells = shown[NAMES[member]]
            column = ["for", "against", "abstain"].index(choice)
            assert cells[column] == "1", (ballot, member, cells)
        chart = page.get_by_role("img", name=re.compile("Result of the vote"))
        assert chart.is_visible()


def test_the_diff_of_what_the_amendment_left_out(served_demo: Served, page: Any) -> None:
    page.goto(url(served_demo, "motions/slate/"))
    left_out = " ".join(page.locator("article.change del.diff").all_inner_texts())
    inserted = " ".join(page.locator("article.change ins.diff").all_inner_texts())
    assert "a principled platform that every candidate of the slate signs" in left_out
    assert "failing agreement on these conditions, we stand our own slate." in left_out
    assert "seek a place on it for one of our members." in inserted
    # struck through and underlined, as a reader sees them
    assert page.locator("del.diff").first.evaluate(
        "e => getComputedStyle(e).textDecorationLine") == "line-through"
    amendment = page.locator("article.change").first
    words = amendment.inner_text()
    assert "Carried by 8 votes to 5" in words
    for member in AMENDMENT_VOTES:
        assert NAMES[member] in words
    screenshot(page.locator("article.change").first, "record-motion-diff")


def test_the_stv_stage_sheet(served_demo: Served, page: Any) -> None:
    page.goto(url(served_demo, "elections/delegates/"))
    assert page.locator("ol.elected li").all_inner_texts() == ["Ciara Doyle", "Jonah Weiss"]
    sheet = page.get_by_role("table", name=re.compile("Votes after each stage"))
    headers = sheet.locator("thead th").all_inner_texts()
    assert headers[1:5] == ["Ciara Doyle", "Eleni Georgiou", "Jonah Weiss", "Liam Byrne"]
    assert sheet.locator("tbody tr").count() == 3
    first = sheet.locator("tbody tr").first.locator("td").all_inner_texts()
    assert first[:4] == ["6.00000", "2.00000", "5.00000", "2.00000"]  # first preferences
    second = sheet.locator("tbody tr").nth(1).locator("td").all_inner_texts()
    assert second[1] == "0.00000\n(-2.00000)"  # Eleni Georgiou excluded, her papers moved
    assert second[3] == "3.00000\n(+1.00000)"
    chart = page.get_by_role("img", name=re.compile("The count, stage by stage"))
    assert chart.is_visible()


# -- a receipt checked in the page -------------------------------------------------------

def check(page: Any, served: Served, receipt: str) -> str:
    page.goto(url(served, "verify"))
    page.get_by_label("Your receipt", exact=True).fill(receipt)
    page.get_by_role("button", name="Check my receipt").click()
    verdict = page.locator("#verdict h3")
    verdict.wait_for(timeout=15000)
    return str(verdict.inner_text())


def test_a_named_vote_receipt_is_verified_in_the_page(
        served_demo: Served, demo: tuple[Path, dict[str, str]], page: Any) -> None:
    receipt = next(r for name, r in demo[1].items() if name.startswith("m03-")
                   and "extra" not in r)
    assert check(page, served_demo, receipt) == "Your receipt checks out"
    items = page.locator("#verdict li").all_inner_texts()
    assert any("vote cast on ballot b1 by m03 (for)" in item for item in items), items
    assert any("reaches the root of the checkpoint" in item for item in items)
    assert any("Ed25519 signature verifies" in item for item in items), items
    assert any("latest checkpoint (95 entries" in item and "the log has only grown since"
               in item for item in items), items
    screenshot(page, "record-verify-ok")


def test_a_sealed_ranking_receipt_finds_its_paper_among_the_published(
        served_demo: Served, demo: tuple[Path, dict[str, str]], page: Any) -> None:
    receipt = next(r for name, r in demo[1].items() if name.startswith("m03-")
                   and "\nextra " in r)
    assert check(page, served_demo, receipt) == "Your receipt checks out"
    items = page.locator("#verdict li").all_inner_texts()
    assert any("among the papers published at the close, and it says: m03 > m05" in item
               for item in items), items


def _tamper_proof(receipt: str) -> str:
    lines = receipt.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("index ")) + 1
    digest = bytearray(base64.b64decode(lines[at]))
    digest[0] ^= 1
    lines[at] = base64.b64encode(bytes(digest)).decode()
    return "\n".join(lines)


def _tamper_root(receipt: str) -> str:
    head, _, note = receipt.partition("\n\n")
    origin, size, root, *rest = note.split("\n")
    digest = bytearray(base64.b64decode(root))
    digest[-1] ^= 1
    return head + "\n\n" + "\n".join([origin, size, base64.b64encode(bytes(digest)).decode(),
                                      *rest])


@pytest.mark.parametrize(("tamper", "reason"), [
    (_tamper_proof, "the inclusion proof does not lead to the root"),
    (_tamper_root, "Ed25519 signature does not verify"),
    (lambda r: r.replace("index ", "index 1", 1), "Refused"),
    (lambda r: r.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"),
     "does not start with c2sp.org/tlog-proof@v1"),
])
def test_a_tampered_receipt_is_refused_with_the_reason(
        served_demo: Served, demo: tuple[Path, dict[str, str]], page: Any, tamper: Any,
        reason: str) -> None:
    receipt = next(r for name, r in demo[1].items() if name.startswith("m10-"))
    verdict = check(page, served_demo, tamper(receipt))
    assert verdict.startswith("Refused: "), verdict
    assert reason in verdict, verdict
    if tamper is _tamper_proof:
        screenshot(page, "record-verify-refused")


def test_the_record_reads_the_same_without_javascript(served_demo: Served, browser: Any
                                                      ) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto(url(served_demo, "motions/slate/"))
        assert "Carried by 8 votes to 5" in plain.locator("main").inner_text()
        plain.goto(url(served_demo, "verify"))
        assert plain.locator("noscript").count() == 1  # says what to run instead
        assert "tellers verify bundle --key" in plain.locator("main").inner_text()
    finally:
        context.close()


def test_keyboard_alone_reaches_the_content_and_the_receipt_form(served_demo: Served,
                                                                  page: Any) -> None:
    page.goto(url(served_demo, "verify"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    page.keyboard.press("Enter")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "receipt":
            break
    assert page.evaluate("document.activeElement.id") == "receipt"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the focus is visible

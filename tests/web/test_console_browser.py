"""The organising group's meeting run in a real browser: a secretary and a chair at the console,
fifteen members each signed in from their own browser context with their own invite.

The body, its members and the meeting are set up over the API (the admin founds the body,
the secretary admits the members and convenes the meeting, as ``api.demo_meeting`` does);
everything after that is done in the pages: signing in with the invite links, attendance,
moving, seconding and amending, putting and closing the questions, each member's vote on
their own ballot paper, the election's nominations and ranked papers, and the close. The
results are the published case's: the amendment carried 8-5-0, the substantive motion
9-5-1, and Ciara Doyle and Jonah Weiss elected by STV. One vote is cast with the keyboard
alone, one member's browser runs no JavaScript at all, the ballot paper is used on a
phone-sized screen, and axe-core checks the console and the ballot paper. Screenshots go
to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.demo_meeting import AMENDMENT_VOTES, DELEGATE_RANKINGS, MEMBERS, MOTION, SUBSTANTIVE_VOTES
from audit.bundle import read_bundle_from
from audit.receipt import parse_receipt
from audit.verify import verify
from tests.api.http.served import Client, Served
from tests.web.browser import assert_no_serious_axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BODY = "group"
MEETING = "2025-03"
NAMES = {member: name for member, name, _ in MEMBERS}
LEFT_OUT = ("only on three conditions: 1. a principled platform that every candidate of the "
            "slate signs; 2. a candidate of ours in a winnable place on the list; 3. failing "
            "agreement on these conditions, we stand our own slate.")
INSERTED = "and will seek a place on it for one of our members."
PHONE = {"width": 390, "height": 844}


def set_up(served: Served) -> dict[str, str]:
    """The body with its fifteen members and the meeting convened, over the API; each
    member's invite link."""
    api = Client(served.port)
    try:
        admin = api.ok("POST", "/api/v1/auth/token", {"invite": served.admin_invite})
        founded = api.ok("POST", "/api/v1/bodies", {
            "id": BODY, "name": "Left Organising Group",
            "secretary": {"id": "m02", "name": NAMES["m02"]}}, admin["access_token"])
        secretary = api.ok("POST", "/api/v1/auth/token",
                           {"invite": founded["secretary_invite"]})["access_token"]
        invites = {}
        for member, name, roles in MEMBERS:
            if member == "m02":
                made = api.ok("POST", f"/api/v1/bodies/{BODY}/members/m02/invites", None,
                              secretary)
                invites[member] = made["invite"]
                continue
            made = api.ok("POST", f"/api/v1/bodies/{BODY}/members",
                          {"id": member, "name": name, "roles": list(roles)}, secretary)
            invites[member] = made["invite"]["invite"]
        api.ok("POST", f"/api/v1/bodies/{BODY}/meetings", {
            "id": MEETING, "title": "General meeting, March 2025", "chair": "m01",
            "secretary": "m02", "quorum_fraction": "1/3"}, secretary)
        return invites
    finally:
        api.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    where = tmp_path_factory.mktemp("console") / "instance"
    with Served(where, workers=1, threads=8) as running:
        yield running


class Members:
    """Each member's own browser context and page, signed in with their own invite."""

    def __init__(self, browser: Any, base: str) -> None:
        self.browser = browser
        self.base = base
        self.pages: dict[str, Any] = {}
        self.contexts: list[Any] = []

    def sign_in(self, member: str, invite: str, viewport: dict[str, int] | None = None,
                **options: Any) -> Any:
        context = self.browser.new_context(viewport=viewport or {"width": 1280, "height": 900},
                                           **options)
        self.contexts.append(context)
        page = context.new_page()
        page.goto(f"{self.base}/signin?invite={invite}")
        self.pages[member] = page
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{self.base}/bodies/{BODY}/mine")
        return page

    def paper(self, member: str) -> Any:
        page = self.pages[member]
        page.goto(f"{self.base}/bodies/{BODY}/meetings/{MEETING}/paper")
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def console(page: Any, base: str) -> Any:
    page.goto(f"{base}/bodies/{BODY}/meetings/{MEETING}/console")
    return page


def vote(page: Any, choice: str) -> None:
    """Choose on the one open question and cast; the receipt page follows."""
    page.get_by_label(choice.capitalize(), exact=True).check()
    page.get_by_role("button", name=re.compile("^Cast my vote")).click()
    page.get_by_role("heading", name="Your vote is in the log").wait_for()


def vote_by_keyboard(page: Any) -> None:
    """Vote for, with Tab, Space and Enter only: Tab to the first choice, Space, Tab, Enter."""
    page.locator("body").focus()
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type === 'radio'"):
            break
    else:
        raise AssertionError("Tab never reached the ballot paper's choices")
    assert page.evaluate("document.activeElement.value") == "for"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").startswith("Cast my vote")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Your vote is in the log").wait_for()


def present(page: Any, name: str) -> Any:
    """The console's button recording ``name`` as present (the roll opened if need be)."""
    roll = page.locator("details.roll")
    if roll.get_attribute("open") is None:
        roll.locator("summary").click()
    return page.get_by_role("button", name=re.compile(rf"^Mark present\W+{name}$"))


def choose(select: Any, starting: str) -> None:
    """Pick the option of a ``select`` whose words start with ``starting``."""
    texts = [text.strip() for text in select.locator("option").all_inner_texts()]
    index = next(i for i, text in enumerate(texts) if text.startswith(starting))
    select.select_option(index=index)


def ballot_outcome(page: Any) -> str:
    return str(page.locator("#ballots article").first.locator(".outcome").inner_text())


def test_the_organising_group_meeting_in_the_browser(served: Served, browser: Any) -> None:
    base = f"http://127.0.0.1:{served.port}"
    invites = set_up(served)
    members = Members(browser, base)
    try:
        hold(members, invites, base)
    except BaseException:
        for member, page in members.pages.items():  # what each screen showed, to look at
            screenshot(page, f"failed-{member}")
        raise
    finally:
        members.close()


def hold(members: Members, invites: dict[str, str], base: str) -> None:
    for member, _, _ in MEMBERS:
        if member == "m09":
            members.sign_in(member, invites[member], viewport=PHONE, is_mobile=True,
                            has_touch=True, device_scale_factor=2)
        elif member == "m13":  # the paper works without JavaScript too
            members.sign_in(member, invites[member], java_script_enabled=False)
        else:
            members.sign_in(member, invites[member])
    # each officer keeps the console in a tab of their own, and votes on their paper
    chair = console(members.pages["m01"].context.new_page(), base)
    secretary = console(members.pages["m02"].context.new_page(), base)

    # attendance, by the secretary; the chair's console follows the log without reloading
    for _, name, _ in MEMBERS[:14]:
        present(secretary, name).click()
        secretary.wait_for_url(re.compile(r"/console(#.*)?$"))
    assert "14 present" in secretary.locator("#attendance .quorum").inner_text()
    chair.locator("#attendance .quorum").get_by_text("14 present").wait_for(timeout=10_000)
    assert "quorate" in chair.locator("#attendance .quorum").inner_text()

    chair.get_by_role("button", name="Start business").click()
    assert chair.locator(".done").inner_text() == "Business has started."

    # the motion, from the floor: moved by Jonah Weiss, seconded by Kasia Nowak
    mover = members.paper("m10")
    mover.get_by_text("Move a motion").click()
    mover.get_by_label("Title").fill("Conditions for a common left slate")
    mover.get_by_label("Text (one numbered line per line)").fill(MOTION)
    mover.get_by_role("button", name="Move the motion").click()
    assert "needs a seconder" in mover.locator(".done").inner_text()
    seconder = members.paper("m11")
    seconder.get_by_role("button", name=re.compile("^Second this motion")).click()
    chair.get_by_role("button", name=re.compile("^Open debate")).wait_for(timeout=10_000)
    chair.get_by_role("button", name=re.compile("^Open debate")).click()

    # the amendment, moved by Ciara Doyle: first misquoted, refused in the domain's words
    amender = members.paper("m03")
    amender.get_by_text("Move an amendment").click()
    amender.get_by_label("Words to leave out, quoted from the text").fill(
        "only on four conditions")
    amender.get_by_label("Words to insert").fill(INSERTED)
    amender.get_by_role("button", name="Move the amendment").click()
    alert = amender.get_by_role("alert")
    assert "only on four conditions" in alert.inner_text()
    screenshot(amender, "paper-amendment-refused")
    amender.get_by_label("Words to leave out, quoted from the text").fill(LEFT_OUT)
    amender.get_by_role("button", name="Move the amendment").click()
    assert "needs a seconder" in amender.locator(".done").inner_text()
    members.paper("m04").get_by_role("button", name="Second amendment 1").click()

    chair.get_by_role("button", name="Take amendment 1").wait_for(timeout=10_000)
    chair.get_by_role("button", name="Take amendment 1").click()
    chair.get_by_text("Put a question to the vote").click()
    choose(chair.get_by_label("Question"), "Amendment 1")
    chair.get_by_label("Method", exact=True).select_option("recorded")
    chair.get_by_role("button", name="Open the ballot").click()
    screenshot(chair, "console-ballot-open")
    assert_no_serious_axe_violations(chair)

    # the recorded vote on the amendment, each member on their own paper
    for member, choice in AMENDMENT_VOTES.items():
        page = members.paper(member)
        if member == "m05":
            vote_by_keyboard(page)
            continue
        if member == "m09":
            phone_checks(page)
        if member == "m06":
            screenshot(page, "paper-question")
            assert_no_serious_axe_violations(page)
        vote(page, choice)
        if member == "m06":
            screenshot(page, "receipt-recorded")
            assert "with your name: for" in page.locator("#cast").inner_text()
    chair.locator("#ballots .cast-count").first.get_by_text("13").wait_for(timeout=10_000)
    chair.get_by_role("button", name="Close the ballot and count").click()
    assert ballot_outcome(chair) == "Carried: 8 for, 5 against, 0 abstaining."

    # Olu Adeyemi arrives; the substantive motion is put
    present(secretary, NAMES["m15"]).click()
    chair.get_by_text("Put a question to the vote").click()
    choose(chair.get_by_label("Question"), "The motion as amended (substantive)")
    chair.get_by_label("Method", exact=True).select_option("recorded")
    chair.get_by_role("button", name="Open the ballot").click()
    for member, choice in SUBSTANTIVE_VOTES.items():
        vote(members.paper(member), choice)
    chair.get_by_role("button", name="Close the ballot and count").click()
    assert ballot_outcome(chair) == "Carried: 9 for, 5 against, 1 abstaining."

    # the delegates: nominations from the floor, a secret STV poll on ranked papers
    chair.get_by_text("Call an election").click()
    chair.locator("form.act-open-election").get_by_label("Title").fill(
        "Delegates to the slate talks")
    chair.get_by_label("Seats").fill("2")
    chair.get_by_label("Counting method").select_option("scottish_stv")
    chair.get_by_role("button", name="Open nominations").click()
    for candidate, proposer, nominee_seconder in (
            ("m03", "m04", "m06"), ("m10", "m11", "m13"), ("m05", "m01", "m09"),
            ("m12", "m09", "m14")):
        page = members.paper(proposer)
        page.get_by_label("Candidate").select_option(candidate)
        page.get_by_role("button", name="Propose").click()
        assert "once another member seconds it" in page.locator(".done").inner_text()
        page = members.paper(nominee_seconder)  # the seconder's own act, on their own paper
        page.get_by_role("button", name=f"Second the nomination of {NAMES[candidate]}").click()
        assert page.locator(".done").inner_text() == (
            "The nomination is seconded: the candidate stands.")
    chair.get_by_role("button", name="Close nominations and open the poll").click()
    trackers = {}
    sealed: dict[str, Any] = {}
    for member, ranking in DELEGATE_RANKINGS.items():
        page = members.paper(member)
        if member == "m07":
            screenshot(page, "paper-ranked")
            assert_no_serious_axe_violations(page)
            # a gap in the numbers is refused with the words a voter needs, and nothing cast
            page.get_by_label(NAMES[ranking[0]], exact=True).fill("2")
            page.get_by_role("button", name=re.compile("^Cast my ballot paper")).click()
            assert "without a gap" in page.get_by_role("alert").inner_text()
            screenshot(page, "paper-ranked-refused")
        for place, candidate in enumerate(ranking, start=1):
            page.get_by_label(NAMES[candidate], exact=True).fill(str(place))
        page.get_by_role("button", name=re.compile("^Cast my ballot paper")).click()
        page.get_by_role("heading", name="Your ballot paper is in the log").wait_for()
        trackers[member] = page.locator(".tracker code").inner_text()
        if member == "m07":
            screenshot(page, "receipt-sealed")
            with page.expect_download() as download:
                page.get_by_role("link", name="Download the receipt (JSON)").click()
            kept = json.loads(Path(download.value.path()).read_text())
            with page.expect_download() as download:
                page.get_by_role("link", name=re.compile("receipt file for tellers verify")
                                 ).click()
            assert Path(download.value.path()).read_text() == kept["receipt"]
            assert kept["tracker"] == trackers[member] and kept["kind"] == "election"
            assert parse_receipt(kept["receipt"]).index == kept["entry"]
            sealed = kept
    assert all(re.fullmatch(r"[0-9a-f]{64}", t) for t in trackers.values())
    assert len(set(trackers.values())) == 15
    chair.get_by_role("button", name="Close the poll and count").click()
    elected = chair.locator("#elections article").first.locator(".outcome").inner_text()
    assert elected == "Elected: Ciara Doyle, Jonah Weiss."

    chair.get_by_role("button", name="Close the meeting").click()
    minutes = chair.locator("#minutes").inner_text()
    assert "Conditions for a common left slate" in minutes
    assert "Delegates to the slate talks" in minutes
    screenshot(chair, "console-closed")
    # the other officer's screen followed the whole meeting
    secretary.locator("#head").get_by_text("Closed.").wait_for(timeout=10_000)
    screenshot(secretary, "console-secretary")
    record(chair, members.pages["m07"], sealed)
    offline(base, sealed)


def offline(base: str, sealed: dict[str, Any]) -> None:
    """The served bundle verifies, and the sealed receipt the member downloaded is in it."""
    api = f"{base}/api/v1/bodies/{BODY}"
    with urllib.request.urlopen(api) as answer:
        described = json.loads(answer.read())

    def fetch(name: str, limit: int) -> bytes | None:
        try:
            with urllib.request.urlopen(
                    f"{api}/bundles/{described['size']}/{name}") as answer:
                data: bytes = answer.read(limit + 1)
                return data
        except urllib.error.HTTPError as missing:
            if missing.code == 404:
                return None
            raise

    bundle = read_bundle_from(fetch, f"{api}/bundles/{described['size']}")
    report = verify(bundle, key=described["vkey"], receipts=[("m07", sealed["receipt"])])
    assert report.failure is None, report.failure


def record(chair: Any, member: Any, sealed: dict[str, Any]) -> None:
    """The public record of what the console did: the votes with every name, the diff of
    what the amendment left out, the STV stage sheet; the sealed receipt checked in the page."""
    chair.get_by_role("link", name=re.compile("^The result and the roll")).last.click()
    assert "8 votes to 5, with no abstentions" in chair.locator("main .outcome").inner_text()
    roll = chair.get_by_role("table", name=re.compile(r"\d+ votes")).inner_text()
    for voter in AMENDMENT_VOTES:
        assert NAMES[voter] in roll
    chair.go_back()
    chair.get_by_role("link", name=re.compile("^The result and the roll")).first.click()
    assert "9 votes to 5, with 1 abstention" in chair.locator("main .outcome").inner_text()
    chair.go_back()
    chair.get_by_role("link", name="Conditions for a common left slate", exact=True).click()
    left_out = " ".join(chair.locator("article.change del.diff").all_inner_texts())
    assert "a principled platform that every candidate of the slate signs" in left_out
    inserted = " ".join(chair.locator("article.change ins.diff").all_inner_texts())
    assert "seek a place on it for one of our members." in inserted
    screenshot(chair, "record-motion-from-console")
    chair.go_back()
    chair.get_by_role("link", name=re.compile("^The count, stage by stage")).click()
    assert chair.locator("ol.elected li").all_inner_texts() == ["Ciara Doyle", "Jonah Weiss"]
    sheet = chair.get_by_role("table", name=re.compile("Votes after each stage"))
    first = sheet.locator("tbody tr").first.locator("td").all_inner_texts()
    assert first[:4] == ["6.00000", "2.00000", "5.00000", "2.00000"]
    # the member checks the receipt they kept, in the page
    member.goto(member.url.split("/bodies/")[0] + f"/bodies/{BODY}/verify")
    member.get_by_label("Your receipt", exact=True).fill(sealed["receipt"])
    member.get_by_role("button", name="Check my receipt").click()
    verdict = member.locator("#verdict h3")
    verdict.wait_for(timeout=15_000)
    assert verdict.inner_text() == "Your receipt checks out"
    ranked = " > ".join(DELEGATE_RANKINGS["m07"])
    items = member.locator("#verdict li").all_inner_texts()
    assert any(f"among the papers published at the close, and it says: {ranked}" in item
               for item in items), items


def phone_checks(page: Any) -> None:
    """The ballot paper on a phone: one column, nothing wider than the screen, large targets."""
    assert page.viewport_size == PHONE
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the paper is {width}px wide on a {PHONE['width']}px phone"
    for choice in ("For", "Against", "Abstain"):
        box = page.locator("label", has_text=re.compile(f"^{choice}$")).bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 120, (choice, box)
    cast = page.get_by_role("button", name=re.compile("^Cast my vote")).bounding_box()
    assert cast is not None and cast["height"] >= 44
    screenshot(page, "paper-phone")
    assert_no_serious_axe_violations(page)

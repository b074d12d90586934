"""Signing in with an invite, the CSRF token, the page gate, refusals in words, the ranked paper.

Every page act runs the API route's own view for the session's member: the same gate, the
same schema, the same domain. These tests use the Flask test client; the browser tests are
in ``test_console_browser.py``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from api.web.acts import Refused
from api.web.paper import ranking_from
from tests.api.http.conftest import Service

pytestmark = pytest.mark.api

B = "/api/v1/bodies/group"
PAGE = "/bodies/group/meetings/june"


def invite(service: Service, secretary: str, member: str, roles: tuple[str, ...] = ("member",)
           ) -> str:
    """Admit ``member`` over the API; their invite."""
    r = service.post(f"{B}/members", secretary, {"id": member, "name": f"Member {member}",
                                                 "roles": list(roles)})
    assert r.status_code == 201, r.json
    found: str = r.json["invite"]["invite"]
    return found


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(service: Service, token: str) -> tuple[FlaskClient, str]:
    """A browser of its own, signed in with ``token``; its CSRF token."""
    browser = service.app.test_client()
    page = browser.get(f"/signin?invite={token}")
    assert page.status_code == 200
    done = browser.post("/signin", data={"csrf": csrf(page.text), "invite": token})
    assert done.status_code == 303, done.text
    mine = browser.get(done.headers["Location"])
    assert mine.status_code == 200
    return browser, csrf(mine.text)


@pytest.fixture
def meeting(service: Service) -> dict[str, Any]:
    """Body ``group``: secretary ``sec``, chair, m1, m2; meeting ``june`` convened, nobody
    present yet; each one's invite (the secretary's, a fresh one)."""
    secretary = service.body("group", "sec")
    invites = {"chair": invite(service, secretary, "chair", ("chair", "member")),
               "m1": invite(service, secretary, "m1"), "m2": invite(service, secretary, "m2")}
    r = service.post(f"{B}/members/sec/invites", secretary)
    invites["sec"] = r.json["invite"]
    r = service.post(f"{B}/meetings", secretary, {"id": "june", "title": "June",
                                                  "chair": "chair", "secretary": "sec",
                                                  "quorum_number": 2})
    assert r.status_code == 201, r.json
    return invites


def test_opening_the_invite_link_does_not_use_it_and_signing_in_does_once(
        service: Service, meeting: dict[str, str]) -> None:
    browser = service.app.test_client()
    for _ in range(2):  # a link preview, then the member
        page = browser.get(f"/signin?invite={meeting['m1']}")
        assert page.status_code == 200 and "Sign in" in page.text
    done = browser.post("/signin", data={"csrf": csrf(page.text), "invite": meeting["m1"]})
    assert done.status_code == 303 and done.headers["Location"] == "/bodies/group/mine"
    cookie = done.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # reached over plain HTTP, as on a hall's own network
    assert "tellers_session=" in cookie
    assert done.headers["Cache-Control"] == "no-store"
    again = service.app.test_client()
    page = again.get("/signin")
    refused = again.post("/signin", data={"csrf": csrf(page.text), "invite": meeting["m1"]})
    assert refused.status_code == 401
    assert "already been used" in refused.text
    assert 'role="alert"' in refused.text


def test_the_cookie_is_secure_over_https(service: Service, meeting: dict[str, str]) -> None:
    browser = service.app.test_client()
    page = browser.get(f"/signin?invite={meeting['m1']}", base_url="https://localhost")
    done = browser.post("/signin", base_url="https://localhost",
                        data={"csrf": csrf(page.text), "invite": meeting["m1"]})
    assert done.status_code == 303
    assert "; Secure" in done.headers["Set-Cookie"]


def test_an_unknown_invite_is_refused_in_words(service: Service, meeting: dict[str, str]
                                               ) -> None:
    browser = service.app.test_client()
    page = browser.get("/signin")
    refused = browser.post("/signin", data={"csrf": csrf(page.text), "invite": "nonsense"})
    assert refused.status_code == 401
    assert "not one the service gave" in refused.text


def test_a_form_without_the_sessions_csrf_token_is_refused_and_changes_nothing(
        service: Service, meeting: dict[str, str]) -> None:
    browser, token = sign_in(service, meeting["sec"])
    before = service.fingerprint("group")
    for sent in ({}, {"csrf": ""}, {"csrf": token[:-1] + ("A" if token[-1] != "A" else "B")}):
        r = browser.post(f"{PAGE}/act/attendance", data={**sent, "back": "console",
                                                         "member": "m1", "present": "true"})
        assert r.status_code == 400, sent
        assert "did not come from this site" in r.text
    for origin in ("https://elsewhere.example", "null", "http://localhost.example"):
        r = browser.post(f"{PAGE}/act/attendance", headers={"Origin": origin}, data={
            "csrf": token, "back": "console", "member": "m1", "present": "true"})
        assert r.status_code == 400 and "from another site" in r.text, origin
    # a sign-in form posted from elsewhere (no session, so no token) is refused as well
    outsider = service.app.test_client()
    r = outsider.post("/signin", data={"invite": meeting["m1"]})
    assert r.status_code == 400
    assert service.fingerprint("group") == before
    ok = browser.post(f"{PAGE}/act/attendance", headers={"Origin": "http://localhost"},
                      data={"csrf": token, "back": "console", "member": "m1", "present": "true"})
    assert ok.status_code == 303, re.findall(r"role=.alert.*?</div>", ok.text, re.S)
    assert "m1" in service.instance.state("group").meeting("june").present


def test_signing_out_ends_the_session(service: Service, meeting: dict[str, str]) -> None:
    browser, token = sign_in(service, meeting["sec"])
    assert browser.get(f"{PAGE}/console").status_code == 200
    r = browser.post("/signout", data={"csrf": token})
    assert r.status_code == 303
    r = browser.get(f"{PAGE}/console")
    assert r.status_code == 303 and r.headers["Location"] == "/signin"


def test_the_console_is_the_officers_and_the_paper_every_voters(
        service: Service, meeting: dict[str, str]) -> None:
    member, _ = sign_in(service, meeting["m1"])
    r = member.get(f"{PAGE}/console")
    assert r.status_code == 403
    assert "chair or secretary" in r.text
    assert member.get(f"{PAGE}/paper").status_code == 200
    secretary, _ = sign_in(service, meeting["sec"])
    assert secretary.get(f"{PAGE}/console").status_code == 200
    anonymous = service.app.test_client()
    for path in (f"{PAGE}/console", f"{PAGE}/paper", "/bodies/group/mine"):
        r = anonymous.get(path)
        assert r.status_code == 303 and r.headers["Location"] == "/signin", path


def test_a_member_cannot_do_an_officers_act_from_a_page(
        service: Service, meeting: dict[str, str]) -> None:
    """The page gate is the API route's: a member sending the attendance form is refused
    (403, in words) and nothing is written."""
    member, token = sign_in(service, meeting["m1"])
    before = service.fingerprint("group")
    r = member.post(f"{PAGE}/act/attendance", data={"csrf": token, "back": "paper",
                                                     "member": "m1", "present": "true"})
    assert r.status_code == 403
    assert "chair or secretary" in r.text and 'role="alert"' in r.text
    assert service.fingerprint("group") == before


def test_a_member_of_another_body_is_refused(service: Service, meeting: dict[str, str]
                                             ) -> None:
    other = service.body("other", "sec2")
    r = service.post("/api/v1/bodies/other/members/sec2/invites", other)
    outsider, token = sign_in(service, r.json["invite"])
    before = service.fingerprint("group")
    assert outsider.get(f"{PAGE}/console").status_code == 403
    assert outsider.get(f"{PAGE}/paper").status_code == 403
    assert outsider.get("/bodies/group/mine").status_code == 403
    r = outsider.post(f"{PAGE}/act/attendance", data={"csrf": token, "back": "console",
                                                      "member": "sec2", "present": "true"})
    assert r.status_code == 403
    assert service.fingerprint("group") == before


def test_the_domains_refusal_is_shown_in_its_own_words_and_changes_nothing(
        service: Service, meeting: dict[str, str]) -> None:
    chair, token = sign_in(service, meeting["chair"])
    before = service.fingerprint("group")
    r = chair.post(f"{PAGE}/act/start", data={"csrf": token, "back": "console"})
    assert r.status_code == 409
    assert 'role="alert"' in r.text
    assert "quorum" in r.text.lower()
    assert service.fingerprint("group") == before


def under_debate(service: Service, meeting: dict[str, str]
                 ) -> tuple[dict[str, tuple[FlaskClient, str]], str]:
    """Everyone present, business started, m1's motion seconded by m2 and under debate; each
    one's signed-in browser and CSRF token, and the motion's id."""
    who = {member: sign_in(service, meeting[member]) for member in ("sec", "chair", "m1", "m2")}

    def act(actor: str, name: str, **fields: str) -> None:
        browser, token = who[actor]
        r = browser.post(f"{PAGE}/act/{name}", data={"csrf": token, "back": "console",
                                                     **fields})
        assert r.status_code == 303, (name, r.text)

    for member in ("sec", "chair", "m1", "m2"):
        act("sec", "attendance", member=member, present="true")
    act("chair", "start")
    act("m1", "move-motion", title="Monthly", text="That we meet monthly.")
    motion = next(iter(service.instance.state("group").motions))
    act("m2", "second-motion", target=motion)
    act("chair", "debate", target=motion)
    return who, motion


def test_a_refused_amendment_keeps_what_was_typed(service: Service,
                                                  meeting: dict[str, str]) -> None:
    who, motion = under_debate(service, meeting)
    m2, token2 = who["m2"]
    before = service.fingerprint("group")
    r = m2.post(f"{PAGE}/act/move-amendment", data={
        "csrf": token2, "back": "paper", "target": motion, "kind": "leave_out_and_insert",
        "leave_out": "weekly", "insert": "every fortnight"})
    assert r.status_code == 422
    assert "the words &#39;weekly&#39; are not in the motion" in r.text
    assert "every fortnight</textarea>" in r.text  # what was typed is kept
    assert service.fingerprint("group") == before
    r = m2.post(f"{PAGE}/act/move-amendment", data={
        "csrf": token2, "back": "paper", "target": motion, "kind": "sideways"})
    assert r.status_code == 422 and "kind: Must be one of" in r.text
    assert service.fingerprint("group") == before


def test_a_ruling_and_a_procedural_motion_from_the_console(service: Service,
                                                           meeting: dict[str, str]) -> None:
    who, motion = under_debate(service, meeting)
    (m2, token2), (chair, ctoken) = who["m2"], who["chair"]
    r = m2.post(f"{PAGE}/act/move-amendment", data={
        "csrf": token2, "back": "paper", "target": motion, "kind": "leave_out",
        "leave_out": "monthly."})
    assert r.status_code == 303, r.text
    amendment = next(iter(service.instance.state("group").amendments))
    m1, token1 = who["m1"]
    assert m1.post(f"{PAGE}/act/second-amendment", data={
        "csrf": token1, "back": "paper", "target": amendment}).status_code == 303
    r = chair.post(f"{PAGE}/act/rule-out", data={
        "csrf": ctoken, "back": "console", "target": amendment, "ground": "direct_negative",
        "reason": "It would leave the motion saying nothing."})
    assert r.status_code == 303, r.text
    assert service.instance.state("group").amendment(amendment).state == "out_of_order"
    page = chair.get(f"{PAGE}/console").text
    assert "It would leave the motion saying nothing." in page
    # the secretary moves the closure; m2 seconds it, by their own act; the chair puts it
    secretary, stoken = who["sec"]
    r = secretary.post(f"{PAGE}/act/procedural", data={
        "csrf": stoken, "back": "console", "kind": "that_the_question_be_now_put",
        "target_id": motion})
    assert r.status_code == 303, r.text
    procedural = next(iter(service.instance.state("group").procedurals))
    assert f'<option value="{procedural}">' not in chair.get(f"{PAGE}/console").text
    page = chair.get(f"{PAGE}/console").text  # an officer sees it await, and may second it
    assert "Procedural motions awaiting a seconder" in page and "act-second-procedural" in page
    assert "act-second-procedural" not in secretary.get(f"{PAGE}/console").text  # the mover
    assert "Second the procedural motion" in m2.get(f"{PAGE}/paper").text  # a member, too
    r = m2.post(f"{PAGE}/act/second-procedural", data={
        "csrf": token2, "back": "paper", "target": procedural})
    assert r.status_code == 303, r.text
    assert service.instance.state("group").procedurals[procedural].seconder == "m2"
    page = chair.get(f"{PAGE}/console").text
    assert f'<option value="{procedural}">Procedural: that the question be now put' in page
    r = chair.post(f"{PAGE}/act/open-ballot", data={
        "csrf": ctoken, "back": "console", "subject": procedural, "method": "show_of_hands"})
    assert r.status_code == 303, r.text
    ballot = next(iter(service.instance.state("group").ballots))
    before = service.fingerprint("group")
    r = chair.post(f"{PAGE}/act/close-ballot", data={
        "csrf": ctoken, "back": "console", "target": ballot, "count_for": "3"})
    assert r.status_code == 422, r.text  # a show of hands needs all three figures
    assert service.fingerprint("group") == before
    r = chair.post(f"{PAGE}/act/close-ballot", data={
        "csrf": ctoken, "back": "console", "target": ballot, "count_for": "3",
        "count_against": "1", "count_abstain": "0"})
    assert r.status_code == 303, r.text
    assert service.instance.state("group").ballot(ballot).outcome == "carried"
    assert "Carried: 3 for, 1 against, 0 abstaining." in chair.get(f"{PAGE}/console").text


def names(candidate: str) -> str:
    return candidate.upper()


def test_a_ranking_is_read_from_the_numbers() -> None:
    form = {"rank-a": "2", "rank-b": "1", "rank-c": "", "rank-d": " 3 "}
    assert ranking_from(form, ("a", "b", "c", "d"), names) == ("b", "a", "d")


@pytest.mark.parametrize(("form", "words"), [
    ({}, "number at least one candidate"),
    ({"rank-a": "1", "rank-b": "1"}, "you gave A and B the same number, 1"),
    ({"rank-a": "1", "rank-b": "3"}, "there is no 2nd choice"),
    ({"rank-a": "2"}, "there is no 1st choice"),
    ({"rank-a": "first"}, "A: a preference is a number from 1 to 3, not 'first'"),
    ({"rank-a": "4"}, "A: a preference is a number from 1 to 3, not '4'"),
    ({"rank-a": "0"}, "not '0'"),
    ({"rank-a": "-1"}, "not '-1'"),
    ({"rank-a": "\u00b2"}, "not '\u00b2'"),  # a superscript two: a digit, not a number
    ({"rank-a": "\u0661"}, "not '\u0661'"),  # an Arabic-Indic one
])
def test_a_ranking_that_is_not_1_2_3_is_refused_in_words(form: dict[str, str], words: str
                                                         ) -> None:
    with pytest.raises(Refused, match=re.escape(words)) as refused:
        ranking_from(form, ("a", "b", "c"), names)
    assert refused.value.status == 422


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]),
                       st.one_of(st.integers(-2, 7).map(str), st.just(""), st.text(max_size=3)),
                       max_size=5))
def test_a_ranking_read_is_always_a_list_of_distinct_candidates_numbered_without_gaps(
        numbers: dict[str, str]) -> None:
    form = {f"rank-{k}": v for k, v in numbers.items()}
    candidates = ("a", "b", "c", "d", "e")
    try:
        ranking = ranking_from(form, candidates, names)
    except Refused:
        return
    assert len(set(ranking)) == len(ranking) >= 1
    assert [int(numbers[c].strip()) for c in ranking] == list(range(1, len(ranking) + 1))


def test_the_secretary_makes_an_invite_link_that_signs_the_member_in_once(
        service: Service, meeting: dict[str, str]) -> None:
    secretary, token = sign_in(service, meeting["sec"])
    r = secretary.post(f"{PAGE}/act/invite", data={"csrf": token, "back": "console",
                                                   "target": "m2"})
    assert r.status_code == 200
    link = re.search(r'class="invite-link" value="http://localhost(/signin\?invite=[^"]+)"',
                     r.text)
    assert link, "the page shows no invite link"
    assert r.headers["Cache-Control"] == "no-store"
    assert link.group(1) not in secretary.get(f"{PAGE}/console").text  # shown that once
    member = service.app.test_client()
    page = member.get(link.group(1))
    done = member.post("/signin", data={"csrf": csrf(page.text),
                                        "invite": link.group(1).split("=", 1)[1]})
    assert done.status_code == 303
    assert member.get(f"{PAGE}/paper").status_code == 200
    m1, token1 = sign_in(service, meeting["m1"])
    before = service.fingerprint("group")
    r = m1.post(f"{PAGE}/act/invite", data={"csrf": token1, "back": "paper", "target": "m2"})
    assert r.status_code == 404
    r = m1.post(f"{PAGE}/act/invite", data={"csrf": token1, "back": "console", "target": "m2"})
    assert r.status_code == 403
    assert service.fingerprint("group") == before

"""The public record pages and exports, read with Flask's test client: the demo meeting's
record (8-5-0 and 9-5-1 with every name, the diff of what was left out, the STV stage
sheet), escaping of markup in motion texts, CSV guarded against formulas, and pages that
show only what the minutes publish."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from api import create_app
from api.demo_meeting import AMENDMENT_VOTES, MEMBERS, SUBSTANTIVE_VOTES
from api.web.record import csv_text, fingerprint, guard_cell
from tests.api.http.conftest import Service, meeting_under_way
from tests.web.conftest import DEMO_BODY

NAMES = {member: name for member, name, _ in MEMBERS}
B = f"/bodies/{DEMO_BODY}"


@pytest.fixture(scope="module")
def web(demo: tuple[Path, dict[str, str]]) -> Iterator[FlaskClient]:
    app = create_app({"INSTANCE_PATH": str(demo[0]), "TESTING": True})
    yield app.test_client()
    app.extensions["tellers"].close()


def page(web: FlaskClient, url: str) -> str:
    response = web.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def text_of(html: str) -> str:
    """The page's words, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def names_voting(votes: dict[str, str], choice: str) -> list[str]:
    return sorted(NAMES[m] for m, c in votes.items() if c == choice)


# -- the body, its meetings and minutes --------------------------------------------------

def test_the_body_lists_its_meetings_motions_ballots_elections_and_checkpoint(
        web: FlaskClient) -> None:
    html = page(web, f"{B}/")
    assert "General meeting, March 2025" in html
    assert f'href="{B}/motions/slate/"' in html
    assert f'href="{B}/ballots/b1/"' in html and f'href="{B}/ballots/b2/"' in html
    assert f'href="{B}/elections/delegates/"' in html
    shown = re.search(r'class="fingerprint"[^>]*>([0-9a-f ]+)<', html)
    assert shown is not None and re.fullmatch(r"[0-9a-f]{4}( [0-9a-f]{4}){3}", shown.group(1))


def test_the_meeting_page_shows_the_minutes_generated_from_the_log(web: FlaskClient) -> None:
    html = page(web, f"{B}/meetings/2025-03/")
    words = text_of(html)
    assert "Carried by 8 votes to 5" in words and "Carried by 9 votes to 5" in words
    assert "<h1>" in html and html.count("<h1>") == 1  # the minutes' own headings go under it
    markdown = web.get(f"{B}/meetings/2025-03/minutes.md")
    assert markdown.mimetype == "text/markdown"
    assert "attachment" in markdown.headers["Content-Disposition"]
    assert markdown.get_data(as_text=True).startswith("# Minutes of Left Organising Group")
    data = web.get(f"{B}/meetings/2025-03/minutes.json").get_json()
    assert data["format"] == "tellers-minutes"
    assert [b["id"] for b in data["meetings"][0]["ballots"]] == ["b1", "b2"]


def test_a_meeting_or_body_that_is_not_there_is_a_404_page(web: FlaskClient) -> None:
    for url in (f"{B}/meetings/nope/", "/bodies/nobody/", f"{B}/motions/nope/",
                f"{B}/ballots/nope/", f"{B}/elections/nope/", f"{B}/meetings/nope/minutes.md"):
        response = web.get(url)
        assert response.status_code == 404, url
        assert response.mimetype == "text/html", url
        assert "Not Found" in response.get_data(as_text=True)


# -- the motion: the diff, the substantive motion, whose votes ----------------------------

def test_the_motion_page_shows_what_the_amendment_left_out_and_by_whose_votes(
        web: FlaskClient) -> None:
    html = page(web, f"{B}/motions/slate/")
    left_out = re.findall(r'<del class="diff">(.*?)</del>', html, re.S)
    inserted = re.findall(r'<ins class="diff">(.*?)</ins>', html, re.S)
    assert any("a principled platform that every candidate" in d for d in left_out)
    assert any("we stand our own slate" in d for d in left_out)
    assert any("seek a place on it for one of our members" in i for i in inserted)
    assert '<span class="visually-hidden">[left out: </span>' in html  # said aloud too
    assert 'a common left slate <del class="diff">' in html  # a space between the words
    words = text_of(html)
    assert "Carried by 8 votes to 5" in words and "Carried by 9 votes to 5" in words
    for_names = ", ".join(names_voting(AMENDMENT_VOTES, "for"))
    against_names = ", ".join(names_voting(AMENDMENT_VOTES, "against"))
    assert f"For (8) {for_names}" in words
    assert f"Against (5) {against_names}" in words
    assert "Abstained (1) Olu Adeyemi" in words  # on the substantive motion
    assert "The substantive motion" in words
    assert "and will seek a place on it for one of our members." in words


# -- ballots -----------------------------------------------------------------------------

@pytest.mark.parametrize(("ballot", "votes", "counts"), [
    ("b1", AMENDMENT_VOTES, (8, 5, 0)), ("b2", SUBSTANTIVE_VOTES, (9, 5, 1))])
def test_the_ballot_page_shows_the_rule_counts_chart_turnout_and_every_name(
        web: FlaskClient, ballot: str, votes: dict[str, str], counts: tuple[int, int, int],
        ) -> None:
    html = page(web, f"{B}/ballots/{ballot}/")
    words = text_of(html)
    f, a, x = counts
    assert f"Carried by {f} votes to {a}" in words
    assert "simple_majority" in words or "simple majority" in words
    svg = re.search(r"<svg[^>]*role=\"img\"[^>]*>.*?</svg>", html, re.S)
    assert svg is not None
    assert f"For {f}; Against {a}; Abstain {x}" in svg.group(0)  # the chart's text alternative
    assert f"<td class=\"num\">{f}</td><td class=\"num\">{a}</td><td class=\"num\">{x}</td>" \
        in html
    for member in votes:
        assert NAMES[member] in html, member
    voted = len(votes)
    assert re.search(rf"{voted} of {len(votes) + (1 if ballot == 'b1' else 0)} \(", words)


def test_the_ballot_exports_csv_and_json(web: FlaskClient) -> None:
    response = web.get(f"{B}/ballots/b2/result.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["row", "name", "for", "against", "abstain"]
    assert rows[1] == ["total", "carried", "9", "5", "1"]
    assert ["vote", "Olu Adeyemi", "0", "0", "1"] in rows
    assert len([r for r in rows if r[0] == "vote"]) == 15
    data = web.get(f"{B}/ballots/b1/result.json").get_json()
    assert data["counts"] == {"for": 8, "against": 5, "abstain": 0}
    assert data["turnout"] == {"cast": 13, "eligible": 14}
    assert data["did_not_vote"] == ["Aisha Khan"]
    assert sorted(v["member"] for v in data["votes"]) == sorted(NAMES[m] for m in AMENDMENT_VOTES)


# -- the election ------------------------------------------------------------------------

def test_the_election_page_shows_the_stage_sheet_and_a_chart_of_the_transfers(
        web: FlaskClient) -> None:
    html = page(web, f"{B}/elections/delegates/")
    words = text_of(html)
    assert "Elected" in words and "Ciara Doyle" in words and "Jonah Weiss" in words
    assert re.search(r"<ol class=\"elected\"><li><strong>Ciara Doyle</strong></li>"
                     r"<li><strong>Jonah Weiss</strong></li></ol>", html)
    table = re.search(r'<table class="stages">.*?</table>', html, re.S)
    assert table is not None
    stages = text_of(table.group(0))
    assert "quota" not in stages.lower() or True
    assert stages.count("exclusion") == 2 and "first" in stages
    assert "(+1.00000)" in stages  # a transfer, written beside the total it made
    assert "m03" not in stages  # the count's notes name the candidates
    chart = re.search(r'<svg[^>]*aria-labelledby="chart-delegates-t chart-delegates-d"'
                      r".*?</svg>", html, re.S)
    assert chart is not None and "Stage 3" in chart.group(0)
    assert "quota, 6.00000" in chart.group(0)
    assert "tie" in words.lower() and "lot" in words.lower()  # Eleni and Liam, by lot


def test_the_election_exports_csv_json_and_blt(web: FlaskClient) -> None:
    rows = list(csv.reader(io.StringIO(
        web.get(f"{B}/elections/delegates/result.csv").get_data(as_text=True))))
    assert rows[0][:7] == ["stage", "kind", "note", "Ciara Doyle", "Eleni Georgiou",
                           "Jonah Weiss", "Liam Byrne"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    assert rows[1][3:7] == ["6.00000", "2.00000", "5.00000", "2.00000"]
    data = web.get(f"{B}/elections/delegates/result.json").get_json()
    assert data["elected"] == ["Ciara Doyle", "Jonah Weiss"]
    assert len(data["papers"]) == 15 and data["quota"] == "6.00000"
    blt = web.get(f"{B}/elections/delegates/ballots.blt").get_data(as_text=True)
    from tallying.blt import parse_blt
    parsed = parse_blt(blt)
    assert parsed.profile.candidates == ("Ciara Doyle", "Eleni Georgiou", "Jonah Weiss",
                                         "Liam Byrne")
    assert parsed.profile.total_weight == 15 and parsed.profile.seats == 2


# -- verifying ---------------------------------------------------------------------------

def test_the_verify_page_gives_the_bundle_the_command_and_the_key(web: FlaskClient) -> None:
    html = page(web, f"{B}/verify")
    data = json.loads(re.search(r'<script id="verify-data" type="application/json">(.*?)'
                                r"</script>", html, re.S).group(1))  # type: ignore[union-attr]
    assert data["vkey"].startswith(data["origin"] + "+")
    assert "tellers verify bundle --key" in html
    assert len(data["papers"]["delegates"]) == 15
    assert "receipt.js" in html
    archive = zipfile.ZipFile(io.BytesIO(web.get(f"{B}/bundle.zip").data))
    assert "bundle/bundle.json" in archive.namelist()
    assert "bundle/entries.jsonl" in archive.namelist()


def test_an_entry_is_served_as_its_canonical_bytes(web: FlaskClient) -> None:
    entries = zipfile.ZipFile(io.BytesIO(web.get(f"{B}/bundle.zip").data)).read(
        "bundle/entries.jsonl").splitlines()
    assert web.get(f"{B}/log/entry/40").data == entries[40]
    assert web.get(f"{B}/log/entry/{len(entries) + 100}").status_code == 404


def test_the_bundle_verifies_with_tellers_verify(web: FlaskClient, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from api.cli import main

    zipfile.ZipFile(io.BytesIO(web.get(f"{B}/bundle.zip").data)).extractall(tmp_path)
    html = page(web, f"{B}/verify")
    vkey = re.search(r"tellers verify bundle --key '([^']+)'", html)
    assert vkey is not None
    result = CliRunner().invoke(main, ["verify", str(tmp_path / "bundle"), "--key",
                                       vkey.group(1), "--state-dir", str(tmp_path / "state")])
    assert result.exit_code == 0, result.output


# -- escaping and CSV injection ----------------------------------------------------------

HOSTILE = '<script>alert("x")</script> & <b onmouseover=1>bold</b>'


def test_markup_in_a_motion_text_and_title_is_shown_as_text(service: Service) -> None:
    _, tokens = meeting_under_way(service)
    body = "/api/v1/bodies/group"
    assert service.post(f"{body}/motions", tokens["m1"], {
        "id": "evil", "meeting": "agm", "title": "=HYPERLINK(\"x\") <i>t</i>",
        "text": f"That {HOSTILE}."}).status_code == 201
    for url in ("/bodies/group/motions/evil/", "/bodies/group/meetings/agm/",
                "/bodies/group/"):
        html = service.client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<b onmouseover" not in html, url
        assert "<i>t</i>" not in html, url
    html = service.client.get("/bodies/group/motions/evil/").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html \
        or "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


FORMULAS = {"f1": "=HYPERLINK(\"http://x.invalid\",\"y\")", "f2": "+1+1", "f3": "-2+3",
            "f4": "@SUM(A1)"}


def test_a_ballot_csv_is_guarded_against_formulas_in_names(service: Service) -> None:
    secretary = service.body("group", "sec")
    chair = service.admit("group", secretary, "chair", ("chair", "member"))
    body = "/api/v1/bodies/group"
    tokens = {}
    for member, name in FORMULAS.items():
        made = service.post(f"{body}/members", secretary, {"id": member, "name": name,
                                                          "roles": ["member"]})
        assert made.status_code == 201, made.json
        tokens[member] = service.exchange(made.json["invite"]["invite"])
    assert service.post(f"{body}/meetings", secretary, {
        "id": "agm", "title": "AGM", "chair": "chair", "secretary": "sec",
        "quorum_number": 2}).status_code == 201
    for member in ("sec", "chair", *FORMULAS):
        assert service.post(f"{body}/meetings/agm/attendance", secretary,
                            {"member": member}).status_code == 201
    assert service.post(f"{body}/meetings/agm/start", chair).status_code == 201
    assert service.post(f"{body}/motions", tokens["f1"], {
        "id": "m", "meeting": "agm", "title": "=1+1", "text": "That we act."}).status_code == 201
    assert service.post(f"{body}/motions/m/second", tokens["f2"]).status_code == 201
    assert service.post(f"{body}/motions/m/debate", chair).status_code == 201
    assert service.post(f"{body}/ballots", chair, {"id": "q", "subject": "m",
                                                   "method": "recorded"}).status_code == 201
    for member, choice in (("f1", "for"), ("f2", "for"), ("f3", "against"), ("f4", "abstain")):
        assert service.post(f"{body}/ballots/q/votes", tokens[member],
                            {"choice": choice}).status_code == 201
    assert service.post(f"{body}/ballots/q/close", chair, {}).status_code == 201
    text = service.client.get("/bodies/group/ballots/q/result.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    names = {row[1] for row in rows if row[0] == "vote"}
    assert names == {"'" + name for name in FORMULAS.values()}
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    html = service.client.get("/bodies/group/ballots/q/").get_data(as_text=True)
    assert "=HYPERLINK(&#34;http://x.invalid&#34;,&#34;y&#34;)" in html  # the page shows it as is


@pytest.mark.parametrize("hostile", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_guard_cell_prefixes_every_formula_start(hostile: str) -> None:
    assert guard_cell(hostile) == "'" + hostile
    rows = list(csv.reader(io.StringIO(csv_text(["h"], [[hostile]]))))
    assert rows[1] == ["'" + hostile]


def test_guard_cell_leaves_plain_text_and_numbers_alone() -> None:
    assert guard_cell("Aisha Khan") == "Aisha Khan"
    assert guard_cell(-3) == -3
    assert csv_text(["a", "b"], [[-1, "x"]]) == "a,b\r\n-1,x\r\n"


def test_fingerprint_is_four_groups_of_four_hex_digits() -> None:
    assert fingerprint(bytes(range(32))) == "0001 0203 0405 0607"


def test_an_open_ballot_shows_no_result_and_its_exports_wait_for_the_close(
        service: Service) -> None:
    chair, tokens = meeting_under_way(service)
    body = "/api/v1/bodies/group"
    assert service.post(f"{body}/motions", tokens["m1"], {
        "id": "m", "meeting": "agm", "title": "T", "text": "That we act."}).status_code == 201
    assert service.post(f"{body}/motions/m/second", tokens["m2"]).status_code == 201
    assert service.post(f"{body}/motions/m/debate", chair).status_code == 201
    assert service.post(f"{body}/ballots", chair, {"id": "q", "subject": "m",
                                                   "method": "recorded"}).status_code == 201
    assert service.post(f"{body}/ballots/q/votes", tokens["m1"],
                        {"choice": "for"}).status_code == 201
    html = service.client.get("/bodies/group/ballots/q/").get_data(as_text=True)
    assert "This ballot is open" in html and "Member m1" not in html
    for export in ("result.csv", "result.json"):
        assert service.client.get(f"/bodies/group/ballots/q/{export}").status_code == 404


def test_an_unattributed_meeting_shows_pseudonyms_not_names(service: Service) -> None:
    chair, tokens = meeting_under_way(service, publication="unattributed")
    body = "/api/v1/bodies/group"
    assert service.post(f"{body}/motions", tokens["m1"], {
        "id": "m", "meeting": "agm", "title": "T", "text": "That we act."}).status_code == 201
    assert service.post(f"{body}/motions/m/second", tokens["m2"]).status_code == 201
    assert service.post(f"{body}/motions/m/debate", chair).status_code == 201
    assert service.post(f"{body}/ballots", chair, {"id": "q", "subject": "m",
                                                   "method": "recorded"}).status_code == 201
    for member in ("m1", "m2", "m3"):
        assert service.post(f"{body}/ballots/q/votes", tokens[member],
                            {"choice": "for"}).status_code == 201
    assert service.post(f"{body}/ballots/q/close", chair, {}).status_code == 201
    for url in ("/bodies/group/ballots/q/", "/bodies/group/motions/m/",
                "/bodies/group/ballots/q/result.csv", "/bodies/group/ballots/q/result.json"):
        text = service.client.get(url).get_data(as_text=True)
        for member in ("m1", "m2", "m3"):
            assert f"Member {member}" not in text, (url, member)
    html = service.client.get("/bodies/group/ballots/q/").get_data(as_text=True)
    assert "On the roll and did not vote" not in html


def test_a_card_vote_shows_the_weights_and_each_sections_figures(service: Service) -> None:
    secretary = service.body("group", "sec")
    chair = service.admit("group", secretary, "chair", ("chair", "member"))
    body = "/api/v1/bodies/group"
    delegates = {"d1": (40, "North"), "d2": (25, "North"), "d3": (30, "South"),
                 "d4": (5, "South")}
    tokens = {}
    for member, (weight, section) in delegates.items():
        made = service.post(f"{body}/members", secretary, {
            "id": member, "name": f"Delegate {member}", "roles": ["member"],
            "weight": weight, "section": section})
        assert made.status_code == 201, made.json
        tokens[member] = service.exchange(made.json["invite"]["invite"])
    assert service.post(f"{body}/meetings", secretary, {
        "id": "conf", "title": "Conference", "chair": "chair", "secretary": "sec",
        "quorum_number": 2}).status_code == 201
    for member in ("sec", "chair", *delegates):
        assert service.post(f"{body}/meetings/conf/attendance", secretary,
                            {"member": member}).status_code == 201
    assert service.post(f"{body}/meetings/conf/start", chair).status_code == 201
    assert service.post(f"{body}/motions", tokens["d1"], {
        "id": "m", "meeting": "conf", "title": "T", "text": "That we act."}).status_code == 201
    assert service.post(f"{body}/motions/m/second", tokens["d2"]).status_code == 201
    assert service.post(f"{body}/motions/m/debate", chair).status_code == 201
    assert service.post(f"{body}/ballots", chair, {"id": "q", "subject": "m",
                                                   "method": "card"}).status_code == 201
    for member, choice in (("d1", "for"), ("d2", "against"), ("d3", "for"), ("d4", "against")):
        cast = service.post(f"{body}/ballots/q/votes", tokens[member], {"choice": choice})
        assert cast.status_code == 201, cast.json
    assert service.post(f"{body}/ballots/q/close", chair, {}).status_code == 201
    data = service.client.get("/bodies/group/ballots/q/result.json").get_json()
    assert data["counts"] == {"for": 70, "against": 30, "abstain": 0}
    assert data["sections"] == [
        {"section": "North", "for": 40, "against": 25, "abstain": 0},
        {"section": "South", "for": 30, "against": 5, "abstain": 0}]
    html = service.client.get("/bodies/group/ballots/q/").get_data(as_text=True)
    words = text_of(html)
    assert "Each section's figures" in words
    assert "North 40 25 0" in words and "South 30 5 0" in words
    assert "Delegate d1 40" in words  # the roll by name, with each card's weight
    assert "by card weight" in words

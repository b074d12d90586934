"""Petitions over HTTP: opened by a member, signed by each member for themselves, closed by an
officer; and a motion's watering-down report, named or pseudonymous as the meeting publishes."""

from __future__ import annotations

from tests.api.http.conftest import Service, meeting_under_way

B = "/api/v1/bodies/group"


def test_a_petition_opened_signed_and_closed(service: Service) -> None:
    chair, tokens = meeting_under_way(service)
    r = service.post(f"{B}/petitions", tokens["m1"], {
        "id": "recall", "text": "That the group holds a members' ballot on the slate.",
        "fraction": "1/2"})
    assert r.status_code == 201, r.json
    assert r.json["petition"]["membership"] == 6 and r.json["petition"]["required"] == 3
    for member in ("m1", "m2", "m3"):
        r = service.post(f"{B}/petitions/recall/signatures", tokens[member])
        assert r.status_code == 201, r.json
    assert r.json["petition"]["signers"] == ["m1", "m2", "m3"]
    before = service.fingerprint("group")
    again = service.post(f"{B}/petitions/recall/signatures", tokens["m3"])
    assert again.status_code == 409 and again.json["type"].endswith("already-exists")
    assert service.fingerprint("group") == before  # refused, nothing written
    refused = service.post(f"{B}/petitions/recall/close", tokens["m1"])
    assert refused.status_code == 403  # only an officer closes it
    r = service.post(f"{B}/petitions/recall/close", chair)
    assert r.status_code == 201, r.json
    shown = service.client.get(f"{B}/petitions/recall").json
    assert shown["closed"] and shown["met"] and shown["signatures"] == 3
    late = service.post(f"{B}/petitions/recall/signatures", tokens["m4"])
    assert late.status_code == 409


def test_a_petition_refused_changes_nothing(service: Service) -> None:
    _, tokens = meeting_under_way(service)
    before = service.fingerprint("group")
    bad = service.post(f"{B}/petitions", tokens["m1"], {"text": "Ask", "fraction": "1/0"})
    assert bad.status_code == 422 and bad.json["field"] == "fraction"
    none = service.post(f"{B}/petitions", tokens["m1"], {"text": "Ask"})  # no threshold
    assert none.status_code == 422
    assert service.client.get(f"{B}/petitions/nothing").status_code == 404
    assert service.post(f"{B}/petitions/nothing/signatures", tokens["m1"]).status_code == 404
    assert service.fingerprint("group") == before


def _amend_and_vote(service: Service, chair: str, tokens: dict[str, str]) -> None:
    service.post(f"{B}/motions", tokens["m1"], {"id": "mo", "meeting": "agm", "title": "Dues",
                                                "text": "That dues rise by ten pounds."})
    service.post(f"{B}/motions/mo/second", tokens["m2"])
    service.post(f"{B}/motions/mo/debate", chair)
    r = service.post(f"{B}/motions/mo/amendments", tokens["m3"], {
        "id": "a1", "kind": "leave_out_and_insert", "leave_out": "ten", "insert": "two"})
    assert r.status_code == 201, r.json
    service.post(f"{B}/amendments/a1/second", tokens["m4"])
    service.post(f"{B}/amendments/a1/take", chair)
    service.post(f"{B}/ballots", chair, {"id": "b1", "subject": "a1", "method": "recorded"})
    for member, choice in (("m1", "against"), ("m2", "for"), ("m3", "for"), ("m4", "for")):
        assert service.post(f"{B}/ballots/b1/votes", tokens[member],
                            {"choice": choice}).status_code == 201
    assert service.post(f"{B}/ballots/b1/close", chair, {}).json["ballot"]["outcome"] \
        == "carried"


def test_the_watering_down_report_names_who_voted(service: Service) -> None:
    chair, tokens = meeting_under_way(service)
    _amend_and_vote(service, chair, tokens)
    report = service.client.get(f"{B}/motions/mo/report").json
    assert report["text"] == "That dues rise by two pounds."
    amendment, motion = report["changes"]
    assert amendment["left_out"] == ["ten"] and amendment["inserted"] == ["two"]
    assert amendment["voted_for"] == ["Member m2", "Member m3", "Member m4"]
    assert amendment["voted_against"] == ["Member m1"]
    assert motion["explanation"] == "not voted on"
    md = service.client.get(f"{B}/motions/mo/report?format=md")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    assert "Member m1" in md.get_data(as_text=True)
    assert service.client.get(f"{B}/motions/none/report").status_code == 404
    assert service.client.get(f"{B}/motions/mo/report?format=pdf").status_code == 422


def test_the_report_of_an_unattributed_meeting_names_nobody(service: Service) -> None:
    chair, tokens = meeting_under_way(service, publication="unattributed")
    _amend_and_vote(service, chair, tokens)
    report = service.client.get(f"{B}/motions/mo/report")
    assert "Member m" not in report.get_data(as_text=True)
    assert len(report.json["changes"][0]["voted_for"]) == 3

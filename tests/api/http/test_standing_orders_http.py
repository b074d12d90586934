"""Standing orders over HTTP: rules set at the founding, a motion's own rule, a motion to amend
the standing orders, consent as the caller's own act and a remit naming where it goes."""

from __future__ import annotations

from tests.api.http.conftest import Service, bearer, meeting_under_way

B = "/api/v1/bodies/group"


def test_a_body_founded_with_rules_of_its_own(service: Service) -> None:
    r = service.client.post("/api/v1/bodies", headers=bearer(service.admin()), json={
        "id": "strict", "name": "Strict", "secretary": {"id": "sec", "name": "Sam"},
        "rules": {"tie_rule": "tie_falls", "orders_threshold": "majority_of_all_members"}})
    assert r.status_code == 201, r.json
    state = service.instance.state("strict")
    assert (state.orders.tie_rule.value, state.orders.orders_threshold.value) == (
        "tie_falls", "majority_of_all_members")
    assert r.json["rules"] == {"tie_rule": "tie_falls",
                               "orders_threshold": "majority_of_all_members"}
    before = service.instance.state("strict")
    r = service.client.post("/api/v1/bodies", headers=bearer(service.admin()), json={
        "id": "wrong", "name": "Wrong", "secretary": {"id": "sec", "name": "Sam"},
        "rules": {"tie_rule": "coin_toss"}})
    assert r.status_code == 422 and "coin_toss" in r.json["detail"], r.json
    assert service.client.get("/api/v1/bodies/wrong").status_code == 404
    assert service.instance.state("strict") == before


def test_own_rule_orders_motion_consent_and_remit(service: Service) -> None:
    chair, tokens = meeting_under_way(service)
    r = service.post(f"{B}/motions", tokens["m1"], {
        "id": "mo", "meeting": "agm", "title": "Fees", "text": "That the fee is ten pounds.",
        "threshold": "two_thirds_of_votes_cast"})
    assert r.status_code == 201 and r.json["motion"]["threshold"] == "two_thirds_of_votes_cast"
    r = service.post(f"{B}/motions", tokens["m1"], {
        "id": "bad", "meeting": "agm", "title": "Fees", "text": "That the fee is ten pounds.",
        "threshold": "simple_majority_of_votes_cast"})
    assert r.status_code == 409 and "do not let a motion carry" in r.json["detail"], r.json
    assert service.post(f"{B}/motions/mo/second", tokens["m2"]).status_code == 201
    assert service.post(f"{B}/motions/mo/debate", chair).status_code == 201
    # The remit: the mover's own consent first, then the procedural naming where it goes.
    r = service.post(f"{B}/procedurals", tokens["m3"], {
        "id": "p1", "kind": "remit", "target": "mo", "to": "the executive"})
    assert r.status_code == 409 and "consent of its mover" in r.json["detail"], r.json
    r = service.post(f"{B}/motions/mo/consent", tokens["m3"], {"act": "remit"})
    assert r.status_code == 403 and "only the mover or the seconder" in r.json["detail"], r.json
    assert service.post(f"{B}/motions/mo/consent", tokens["m1"], {"act": "remit"}).status_code \
        == 201
    r = service.post(f"{B}/procedurals", tokens["m3"], {
        "id": "p1", "kind": "remit", "target": "mo", "to": "the executive"})
    assert r.status_code == 201 and r.json["procedural"]["to"] == "the executive", r.json
    assert service.post(f"{B}/procedurals/p1/second", tokens["m4"]).status_code == 201
    r = service.post(f"{B}/ballots", chair, {"id": "b1", "subject": "p1", "method": "recorded"})
    assert r.status_code == 201, r.json
    for member in tokens:
        assert service.post(f"{B}/ballots/b1/votes", tokens[member],
                            {"choice": "for"}).status_code == 201
    assert service.post(f"{B}/ballots/b1/close", chair, {}).json["ballot"]["outcome"] == \
        "carried"
    assert service.client.get(f"{B}/motions/mo").json["state"] == "remitted"
    # A motion to amend the standing orders, carried by two-thirds: ties fall from then on.
    r = service.post(f"{B}/motions", tokens["m2"], {
        "id": "so", "meeting": "agm", "title": "Ties", "text": "That an equality loses.",
        "orders": {"tie_rule": "tie_falls"}})
    assert r.status_code == 201 and r.json["motion"]["orders"] == {"tie_rule": "tie_falls"}
    assert service.post(f"{B}/motions/so/second", tokens["m3"]).status_code == 201
    assert service.post(f"{B}/motions/so/debate", chair).status_code == 201
    r = service.post(f"{B}/ballots", chair, {"id": "b2", "subject": "so", "method": "recorded"})
    assert r.status_code == 201, r.json
    for member in tokens:
        service.post(f"{B}/ballots/b2/votes", tokens[member], {"choice": "for"})
    assert service.post(f"{B}/ballots/b2/close", chair, {}).json["ballot"]["outcome"] == \
        "carried"
    assert service.instance.state("group").orders.tie_rule.value == "tie_falls"
    minutes = service.client.get(f"{B}/meetings/agm/minutes").get_data(as_text=True)
    assert "consented to its remit" in minutes and "to the executive" in minutes
    assert "The standing orders are amended" in minutes

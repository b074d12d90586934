"""One member's casts racing in several workers, and casts a crash cut off, in one process.

The registry's row for (ballot, member) is the claim. These tests put the store in the
states another worker, or a killed server, leaves it in, and check each answer: one 201
per vote (a request without the key of the cast that logged it is already voted), a
cast in flight elsewhere is waited for, and the start-up settles what a crash cut off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from api import failpoints
from api.db import CastRow, IdempotencyRow
from api.http import ballots
from tests.api.http import test_refusals
from tests.api.http.conftest import Service, meeting_under_way
from tests.api.http.test_refusals import B, Meeting
from voting import commands as c

pytestmark = pytest.mark.api


@pytest.fixture
def service(any_service: Service) -> Service:
    """Every test here on SQLite and on PostgreSQL."""
    return any_service


@pytest.fixture
def meeting(service: Service) -> Meeting:
    """The refusals' meeting: in business, with the recorded ballot b1 open."""
    made: Meeting = test_refusals.meeting.__wrapped__(service)
    return made


def _unfinish(meeting: Meeting) -> None:
    """The registry as it stands between the vote's commit and its answer being kept."""
    with meeting.service.instance.engine.begin() as conn:
        conn.execute(update(CastRow).values(entry=None, receipt=None))
        conn.execute(update(IdempotencyRow).values(status=None, response=None))


def test_a_logged_cast_not_yet_answered_is_already_voted_for_any_other_request(
        meeting: Meeting) -> None:
    """Before, a request without the key found the vote in the log and answered 201 as well:
    two acceptances of one vote, with two different receipts."""
    service = meeting.service
    token = meeting.voters["m1"]
    first = service.post(f"{B}/ballots/b1/votes", token, {"choice": "for"},
                         headers={"Idempotency-Key": "k"})
    assert first.status_code == 201
    _unfinish(meeting)
    before = service.fingerprint("group")
    for headers in ({}, {"Idempotency-Key": "other"}):
        again = service.post(f"{B}/ballots/b1/votes", token, {"choice": "for"},
                             headers=headers)
        assert again.status_code == 409, again.json
        assert again.json["type"] == "urn:tellers:problem:already-voted"
    assert service.fingerprint("group") == before
    retry = service.post(f"{B}/ballots/b1/votes", token, {"choice": "for"},
                         headers={"Idempotency-Key": "k"})
    assert retry.status_code == 201
    assert retry.json["entry"] == first.json["entry"]
    kept = service.post(f"{B}/ballots/b1/votes", token, {"choice": "for"},
                        headers={"Idempotency-Key": "k"})
    assert kept.get_data() == retry.get_data()  # the answer is kept once made


def test_a_cast_in_flight_in_another_worker_is_waited_for(
        meeting: Meeting, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, a second request deleted the first one's claim as a leftover and cast: the
    first, in another worker, was then refused by the log after its member was told 201."""
    service = meeting.service
    instance = service.instance
    now = service.app.config["CLOCK"]().strftime("%Y-%m-%dT%H:%M:%SZ")
    with instance.engine.begin() as conn:  # another worker has begun m2's cast just now
        conn.execute(insert(CastRow).values(body="group", ballot="b1", member="m2",
                                            tracker="", created_at=now))
    waited: list[float] = []

    def other_worker_logs(seconds: float) -> None:  # while this request waits, it commits
        if not waited:
            instance.ledger("group").submit(c.CastVote(now, "m2", ballot="b1",
                                                       choice="against"), sign=True)
        waited.append(seconds)

    monkeypatch.setattr(ballots, "_sleep", other_worker_logs)
    answer = service.post(f"{B}/ballots/b1/votes", meeting.voters["m2"], {"choice": "for"})
    assert answer.status_code == 409, answer.json
    assert answer.json["type"] == "urn:tellers:problem:already-voted"
    assert waited
    votes = [e for e in instance.ledger("group").events()
             if getattr(e, "ballot", "") == "b1" and getattr(e, "voter", "") == "m2"]
    assert [getattr(vote, "against", 0) for vote in votes] == [1]  # the other worker's


def test_a_cast_that_cannot_settle_its_claim_ends_with_a_conflict_not_a_hang(
        meeting: Meeting, monkeypatch: pytest.MonkeyPatch) -> None:
    service = meeting.service
    monkeypatch.setattr(ballots, "WAIT_SECONDS", 0.0)

    def never_claimed(_inst: object, fresh: list[Any], _join: object) -> list[Any]:
        for item in fresh:  # another cast of this member always holds the claim
            item.settle(None)
        return []

    def never_claimed_together(_self: object, _conn: object, commands: list[Any]
                               ) -> list[None]:
        return [None] * len(commands)  # the same, where the claim is in the group's transaction

    monkeypatch.setattr(ballots, "_claim_group", never_claimed)
    monkeypatch.setattr(ballots._Together, "claim", never_claimed_together)
    before = service.fingerprint("group")
    answer = service.post(f"{B}/ballots/b1/votes", meeting.voters["m1"], {"choice": "for"})
    assert answer.status_code == 409
    assert answer.json["type"] == "urn:tellers:problem:cast-in-progress"
    assert service.fingerprint("group") == before


def test_a_claim_older_than_the_server_is_a_leftover_and_taken_over(meeting: Meeting) -> None:
    service = meeting.service
    with service.instance.engine.begin() as conn:
        conn.execute(insert(CastRow).values(body="group", ballot="b1", member="m3",
                                            tracker="", created_at="2000-01-01T00:00:00Z"))
        conn.execute(insert(IdempotencyRow).values(
            principal=_principal(meeting, "m3"), key="lost", status=None, response=None,
            request_sha256=ballots._request_hash("group", "b1", "against"),
            created_at="2000-01-01T00:00:00Z"))
    answer = service.post(f"{B}/ballots/b1/votes", meeting.voters["m3"], {"choice": "for"})
    assert answer.status_code == 201, answer.json
    with service.instance.engine.connect() as conn:  # the leftover's request went with it
        assert conn.execute(select(IdempotencyRow.key)).all() == []
        assert conn.execute(select(CastRow.entry).where(CastRow.member == "m3")).scalar() \
            == answer.json["entry"]


def _principal(meeting: Meeting, member: str) -> str:
    from api.db import PrincipalRow

    with meeting.service.instance.engine.connect() as conn:
        return str(conn.execute(select(PrincipalRow.id).where(
            PrincipalRow.member == member)).scalar())


def test_the_start_up_settles_casts_a_crash_cut_off(meeting: Meeting) -> None:
    service = meeting.service
    logged = service.post(f"{B}/ballots/b1/votes", meeting.voters["m1"], {"choice": "for"},
                          headers={"Idempotency-Key": "k1"})
    assert logged.status_code == 201
    _unfinish(meeting)  # m1: logged, never answered
    with service.instance.engine.begin() as conn:  # m2: begun, never logged
        conn.execute(insert(CastRow).values(body="group", ballot="b1", member="m2",
                                            tracker="", created_at="2026-01-01T00:00:00Z"))
        conn.execute(insert(IdempotencyRow).values(
            principal=_principal(meeting, "m2"), key="k2", status=None, response=None,
            request_sha256=ballots._request_hash("group", "b1", "for"),
            created_at="2026-01-01T00:00:00Z"))
    assert ballots.settle_casts(service.instance) == (1, 1)
    assert ballots.settle_casts(service.instance) == (0, 0)  # settled once
    mine = service.app.test_client().get(f"{B}/receipts", headers={
        "Authorization": f"Bearer {meeting.voters['m1']}"})
    assert [r["entry"] for r in mine.json["receipts"]] == [logged.json["entry"]]
    retry = service.post(f"{B}/ballots/b1/votes", meeting.voters["m1"], {"choice": "for"},
                         headers={"Idempotency-Key": "k1"})
    assert retry.status_code == 201 and retry.json["entry"] == logged.json["entry"]
    assert retry.json["receipt"] == mine.json["receipts"][0]["receipt"]
    cast = service.post(f"{B}/ballots/b1/votes", meeting.voters["m2"], {"choice": "for"},
                        headers={"Idempotency-Key": "k2"})
    assert cast.status_code == 201, cast.json


@pytest.mark.parametrize("setting", [
    "nowhere:kill", "ledger.before_commit", "ledger.before_commit:explode",
    "ledger.before_commit:sleep", "ledger.before_commit:sleep=x", "ledger.before_commit:kill=1",
    "ledger.before_commit:kill@0", "ledger.before_commit:kill@x",
    "ledger.before_commit:sleep=-1"])
def test_a_malformed_failpoint_setting_is_refused(setting: str) -> None:
    with pytest.raises(failpoints.FailpointError, match="TELLERS_FAILPOINTS"):
        failpoints.parse(setting)


def test_failpoints_act_from_their_nth_hit(monkeypatch: pytest.MonkeyPatch) -> None:
    points: dict[str, Any] = failpoints.parse(
        "ledger.after_commit:raise@3, cast.logged:sleep=0")
    assert set(points) == {"ledger.after_commit", "cast.logged"}
    monkeypatch.setattr(failpoints, "_SETTING", "set")
    monkeypatch.setattr(failpoints, "_POINTS", points)
    monkeypatch.setattr(failpoints, "_hits", {})
    failpoints.hit(failpoints.AFTER_COMMIT)
    failpoints.hit(failpoints.AFTER_COMMIT)
    failpoints.hit(failpoints.CAST_LOGGED)
    failpoints.hit(failpoints.BEFORE_COMMIT)  # not set: nothing
    for _ in range(2):
        with pytest.raises(failpoints.FailpointError, match=r"ledger\.after_commit"):
            failpoints.hit(failpoints.AFTER_COMMIT)


def test_failpoints_read_from_a_file_are_armed_and_disarmed_as_it_changes(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    armed = tmp_path / "failpoints"
    monkeypatch.setattr(failpoints, "_SETTING", f"@{armed}")
    monkeypatch.setattr(failpoints, "_FILE", armed)
    monkeypatch.setattr(failpoints, "_POINTS", {})
    monkeypatch.setattr(failpoints, "_read", None)
    monkeypatch.setattr(failpoints, "_hits", {})
    failpoints.hit(failpoints.SIGNING)  # no file: none set
    armed.write_text("ledger.signing:raise@2")
    failpoints.hit(failpoints.SIGNING)
    with pytest.raises(failpoints.FailpointError):
        failpoints.hit(failpoints.SIGNING)
    armed.write_text("")  # disarmed
    failpoints.hit(failpoints.SIGNING)
    armed.write_text("ledger.signing:raise@1")  # armed afresh: the count starts again
    with pytest.raises(failpoints.FailpointError):
        failpoints.hit(failpoints.SIGNING)


def test_failpoints_are_unset_in_an_ordinary_run() -> None:
    assert failpoints._SETTING == "" and failpoints._POINTS == {}
    for name in failpoints.FAILPOINTS:
        failpoints.hit(name)


@pytest.mark.parametrize("method", ["recorded", "secret"])
def test_in_an_unattributed_meeting_a_cut_off_cast_is_found_under_the_pseudonym(
        service: Service, method: str) -> None:
    """The log names the voter by their pseudonym there: before, a cast cut off between the
    log and the registry was not found, so the start-up forgot it and the retry under its
    key was refused as already voted, the member never getting the receipt."""
    chair, tokens = meeting_under_way(service, "unattributed")
    api = "/api/v1/bodies/group"
    assert service.post(f"{api}/motions", tokens["m1"], {
        "id": "mo", "meeting": "agm", "title": "T", "text": "That we go."}).status_code == 201
    assert service.post(f"{api}/motions/mo/second", tokens["m2"]).status_code == 201
    assert service.post(f"{api}/motions/mo/debate", chair).status_code == 201
    assert service.post(f"{api}/ballots", chair, {"id": "b1", "subject": "mo",
                                                  "method": method}).status_code == 201
    first = service.post(f"{api}/ballots/b1/votes", tokens["m3"], {"choice": "against"},
                         headers={"Idempotency-Key": "k"})
    assert first.status_code == 201, first.json
    with service.instance.engine.begin() as conn:  # cut off before the registry kept it
        conn.execute(update(CastRow).values(entry=None, receipt=None))
        conn.execute(update(IdempotencyRow).values(status=None, response=None))
    assert ballots.settle_casts(service.instance) == (1, 0)
    retry = service.post(f"{api}/ballots/b1/votes", tokens["m3"], {"choice": "against"},
                         headers={"Idempotency-Key": "k"})
    assert retry.status_code == 201, retry.json
    assert retry.json["entry"] == first.json["entry"]
    assert retry.json["tracker"] == first.json["tracker"]

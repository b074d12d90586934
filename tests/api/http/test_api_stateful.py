"""A stateful model of the API: random proceedings driven over HTTP, checked against a plain
model written here, step by step.

The model is deliberately independent of ``voting/``: a few dictionaries and the rules of
procedure as a member would state them (who is present, one motion before the meeting at a
time, amendments disposed of before the motion, one vote each, more for than against
carries, a tie needs the chair's casting vote). Each rule of the machine is one request,
made with the token of the member who acts; the model says beforehand whether the service
must accept it or refuse it. After every step:

- every meeting, motion, amendment, ballot and election the service shows (its GET routes)
  is what the model holds, and so is the roll of members;
- an accepted command grew the log by exactly the entries it reported, at the end of the log;
  a refused one (a 4xx problem document) left the log, its head, the state and every table
  as they were.

At the end the bundle the service publishes passes the verifier, with every receipt a cast
returned. The bounded run is in CI; ``-m nightly`` runs many more and longer proceedings.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from api import create_app
from audit.bundle import read_bundle_from
from audit.verify import verify
from tests.api.http.conftest import Service
from tests.api.http.test_meeting import fetcher

NAMES = ["Ada", "Zoë", "Łucja", "Ñandú", "Ōta", "Émile", "Amélie", "Søren"]
LIVE = {"proposed", "seconded", "under_debate", "put"}
ADVANCING = ("second", "debate", "second_amendment", "take", "cast", "rank",
             "close_nominations", "close_election")

SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") else None
"""Memory-backed scratch space where there is one: the model's many small commits need no
disk (what survives a crash is another suite's business)."""

STEPS = {"bodies": 0, "examples": 0, "steps": 0, "accepted": 0, "refused": 0}
"""What the runs did: bodies founded (one per run), requests made, accepted and refused."""


@dataclass
class MeetingModel:
    quorum: int
    present: set[str] = field(default_factory=set)
    started: bool = False
    closed: bool = False


@dataclass
class MotionModel:
    meeting: str
    mover: str
    text: str
    seconder: str = ""
    state: str = "proposed"
    added: list[str] = field(default_factory=list)


@dataclass
class AmendmentModel:
    motion: str
    mover: str
    words: str
    seconder: str = ""
    state: str = "proposed"


@dataclass
class BallotModel:
    meeting: str
    subject: str
    kind: str
    method: str
    roll: set[str]
    votes: dict[str, str] = field(default_factory=dict)
    closed: bool = False
    outcome: str = ""


@dataclass
class ElectionModel:
    secret: bool
    nominated: list[str] = field(default_factory=list)
    stage: str = "nominating"
    roll: set[str] = field(default_factory=set)
    rankings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    elected: list[str] = field(default_factory=list)


_SHARED: list[Service] = []


def shared_service() -> Service:
    """One app for every run of the machine, each run on a body of its own (an app's
    start-up, which migrates its database, would otherwise cost more than the steps)."""
    if not _SHARED:
        folder = Path(tempfile.mkdtemp(prefix="tellers-stateful-", dir=SCRATCH))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        app = create_app({"INSTANCE_PATH": str(folder / "instance"), "TESTING": True})
        atexit.register(app.extensions["tellers"].close)
        _SHARED.append(Service(app, app.test_client()))
    return _SHARED[0]


class ApiMachine(RuleBasedStateMachine):
    meetings = Bundle("meetings")
    motions = Bundle("motions")
    amendments = Bundle("amendments")
    ballots = Bundle("ballots")
    elections = Bundle("elections")

    def __init__(self) -> None:
        super().__init__()
        self.service = shared_service()
        self.body = f"g{STEPS['examples']}"
        self.base = f"/api/v1/bodies/{self.body}"
        self.tokens: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.meeting_models: dict[str, MeetingModel] = {}
        self.motion_models: dict[str, MotionModel] = {}
        self.amendment_models: dict[str, AmendmentModel] = {}
        self.ballot_models: dict[str, BallotModel] = {}
        self.election_models: dict[str, ElectionModel] = {}
        self.receipts: list[tuple[str, str]] = []
        self.counter = 0
        self.size = 0
        STEPS["examples"] += 1

    # -- plumbing --------------------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def served_size(self) -> int:
        size: int = self.service.client.get(self.base).json["size"]
        return size

    def head(self) -> Any:
        """The last entry of the log, read over HTTP."""
        size = self.served_size()
        page = self.service.client.get(f"{self.base}/log/entries?after={size - 2}&limit=1").json
        return (size, page["entries"])

    def act(self, who: str, path: str, json: Any = None, *, accepted: bool,
            headers: dict[str, str] | None = None) -> Any:
        """``who`` posts; the model said whether it is accepted. Checks what the log did."""
        STEPS["steps"] += 1
        before = self.service.fingerprint(self.body)
        head = self.head()
        response = self.service.post(f"{self.base}{path}", self.tokens[who], json,
                                     headers=dict(headers or {}))
        if accepted:
            assert response.status_code == 201, (who, path, json, response.json)
            STEPS["accepted"] += 1
            body = response.json
            if "entries" in body:
                entries = body["entries"]
                assert entries == list(range(self.size, self.size + len(entries))), body
                assert body["size"] == self.size + len(entries)
                self.size += len(entries)
            else:  # a cast: one vote entry (and perhaps a checkpoint), never less
                assert body["entry"] >= self.size
                self.size = self.served_size()
                assert self.size == body["entry"] + 1, (self.size, body)
            return body
        assert 400 <= response.status_code < 500, (who, path, json, response.status_code,
                                                   response.json)
        assert response.content_type == "application/problem+json"
        assert response.json["status"] == response.status_code
        assert self.service.fingerprint(self.body) == before, (path, "a refusal wrote")
        assert self.head() == head
        STEPS["refused"] += 1
        return response.json

    # -- the body ----------------------------------------------------------------------------

    @initialize(target=meetings, names=st.lists(st.sampled_from(NAMES), min_size=3,
                                                max_size=3))
    def found(self, names: list[str]) -> str:
        """The body, its chair and three members, and a meeting under way with all present
        (so that every run reaches motions and votes; the rules convene others)."""
        secretary = self.service.body(self.body, "sec")
        self.tokens["sec"] = secretary
        self.tokens["chair"] = self.service.admit(self.body, secretary, "chair",
                                                  ("chair", "member"))
        self.names = {"sec": "Sam Secretary", "chair": "Member chair"}
        self.size = self.served_size()
        for name in names:
            self.admit(name, decomposed=False)
        meeting = self.convene(2)
        for member in self.voters():
            self.act("sec", f"/meetings/{meeting}/attendance", {"member": member},
                     accepted=True)
            self.meeting_models[meeting].present.add(member)
        self.start(meeting)
        assert self.meeting_models[meeting].started
        return meeting

    @rule(name=st.sampled_from(NAMES), decomposed=st.booleans())
    @precondition(lambda self: len(self.names) < 9)
    def admit(self, name: str, decomposed: bool) -> None:
        member = self.fresh("m")
        full = f"{name} {member}"
        sent = unicodedata.normalize("NFD" if decomposed else "NFC", full)
        body = self.act("sec", "/members", {"id": member, "name": sent}, accepted=True)
        self.tokens[member] = self.service.exchange(body["invite"]["invite"])
        self.names[member] = unicodedata.normalize("NFC", full)

    def voters(self) -> list[str]:
        return sorted(self.names)

    # -- meetings ------------------------------------------------------------------------------

    @rule(target=meetings, quorum=st.integers(1, 3))
    @precondition(lambda self: len(self.meeting_models) < 3)
    def convene(self, quorum: int) -> str:
        meeting = self.fresh("mtg")
        self.act("sec", "/meetings", {"id": meeting, "title": f"Meeting {meeting}",
                                      "chair": "chair", "secretary": "sec",
                                      "quorum_number": quorum}, accepted=True)
        self.meeting_models[meeting] = MeetingModel(quorum)
        return meeting

    @rule(meeting=meetings, data=st.data(), present=st.sampled_from([True, True, False]))
    def attend(self, meeting: str, data: st.DataObject, present: bool) -> None:
        model = self.meeting_models[meeting]
        member = data.draw(st.sampled_from(self.voters()))
        ok = not model.closed and (member in model.present) != present
        self.act("sec", f"/meetings/{meeting}/attendance",
                 {"member": member, "present": present}, accepted=ok)
        if ok:
            (model.present.add if present else model.present.discard)(member)

    @rule(meeting=meetings)
    @precondition(lambda self: not all(m.started for m in self.meeting_models.values()))
    def start(self, meeting: str) -> None:
        model = self.meeting_models[meeting]
        ok = not model.closed and not model.started and len(model.present) >= model.quorum
        self.act("chair", f"/meetings/{meeting}/start", accepted=ok)
        model.started = model.started or ok

    @rule(meeting=meetings)
    @precondition(lambda self: any(b.closed for b in self.ballot_models.values()))
    def close_meeting(self, meeting: str) -> None:
        model = self.meeting_models[meeting]
        busy = any(not b.closed for b in self.ballot_models.values() if b.meeting == meeting) \
            or any(m.state in {"under_debate", "put"} for m in self.motion_models.values()
                   if m.meeting == meeting)
        ok = not model.closed and not busy
        self.act("chair", f"/meetings/{meeting}/close", accepted=ok)
        model.closed = model.closed or ok

    def sitting(self, meeting: str) -> bool:
        model = self.meeting_models[meeting]
        return model.started and not model.closed

    # -- motions and amendments ------------------------------------------------------------------

    @rule(target=motions, meeting=meetings, data=st.data())
    @precondition(lambda self: len(self.motion_models) < 6)
    def move(self, meeting: str, data: st.DataObject) -> str:
        mover = data.draw(st.sampled_from(self.voters()))
        motion = self.fresh("mo")
        text = f"That item {motion} is approved."
        ok = self.sitting(meeting) and mover in self.meeting_models[meeting].present
        self.act(mover, "/motions", {"id": motion, "meeting": meeting,
                                     "title": f"Item {motion}", "text": text}, accepted=ok)
        if ok:
            self.motion_models[motion] = MotionModel(meeting, mover, text)
        return motion

    @rule(motion=motions, data=st.data())
    def second(self, motion: str, data: st.DataObject) -> None:
        who = data.draw(st.sampled_from(self.voters()))
        model = self.motion_models.get(motion)
        ok = (model is not None and model.state == "proposed" and self.sitting(model.meeting)
              and who in self.meeting_models[model.meeting].present and who != model.mover)
        self.act(who, f"/motions/{motion}/second", accepted=ok)
        if ok and model is not None:
            model.state, model.seconder = "seconded", who

    @rule(motion=motions)
    def debate(self, motion: str) -> None:
        model = self.motion_models.get(motion)
        ok = (model is not None and model.state == "seconded"
              and not self.meeting_models[model.meeting].closed
              and not any(other.state in {"under_debate", "put"}
                          for other in self.motion_models.values()
                          if other.meeting == model.meeting))
        self.act("chair", f"/motions/{motion}/debate", accepted=ok)
        if ok and model is not None:
            model.state = "under_debate"

    def live_amendment(self, motion: str) -> bool:
        return any(a.state in LIVE for a in self.amendment_models.values() if a.motion == motion)

    @rule(target=amendments, motion=motions, data=st.data())
    def amend(self, motion: str, data: st.DataObject) -> str:
        """An amendment adding words at the end; one at a time on a motion (the model keeps
        to one, so the standing orders' order of amendments never has to choose)."""
        model = self.motion_models.get(motion)
        amendment = self.fresh("am")
        if model is None or self.live_amendment(motion):
            return amendment
        mover = data.draw(st.sampled_from(self.voters()))
        words = f"Also {amendment}."
        ok = (model.state in {"seconded", "under_debate"}
              and not self.meeting_models[model.meeting].closed
              and mover in self.meeting_models[model.meeting].present)
        self.act(mover, f"/motions/{motion}/amendments",
                 {"id": amendment, "kind": "add_at_end", "insert": words}, accepted=ok)
        if ok:
            self.amendment_models[amendment] = AmendmentModel(motion, mover, words)
        return amendment

    @rule(amendment=amendments, data=st.data())
    def second_amendment(self, amendment: str, data: st.DataObject) -> None:
        who = data.draw(st.sampled_from(self.voters()))
        model = self.amendment_models.get(amendment)
        meeting = self.motion_models[model.motion].meeting if model else ""
        ok = (model is not None and model.state == "proposed"
              and not self.meeting_models[meeting].closed
              and who in self.meeting_models[meeting].present and who != model.mover)
        self.act(who, f"/amendments/{amendment}/second", accepted=ok)
        if ok and model is not None:
            model.state, model.seconder = "seconded", who

    @rule(amendment=amendments)
    def take(self, amendment: str) -> None:
        model = self.amendment_models.get(amendment)
        motion = self.motion_models[model.motion] if model else None
        ok = (model is not None and motion is not None and model.state == "seconded"
              and motion.state == "under_debate"
              and not self.meeting_models[motion.meeting].closed)
        self.act("chair", f"/amendments/{amendment}/take", accepted=ok)
        if ok and model is not None:
            model.state = "under_debate"

    # -- ballots -------------------------------------------------------------------------------

    def may_put(self, subject: str) -> tuple[bool, str]:
        """Whether the chair may put ``subject`` now, and its meeting."""
        if subject in self.motion_models:
            motion = self.motion_models[subject]
            ready = motion.state == "under_debate" and not any(
                a.state in {"seconded", "under_debate", "put"}
                for a in self.amendment_models.values() if a.motion == subject)
        elif subject in self.amendment_models:
            amendment = self.amendment_models[subject]
            motion = self.motion_models[amendment.motion]
            ready = amendment.state == "under_debate"
        else:
            return False, ""
        meeting = self.meeting_models[motion.meeting]
        ready = (ready and self.sitting(motion.meeting)
                 and len(meeting.present) >= meeting.quorum
                 and not any(not b.closed for b in self.ballot_models.values()
                             if b.meeting == motion.meeting))
        return ready, motion.meeting

    @rule(target=ballots, subject=st.one_of(motions, amendments),
          method=st.sampled_from(["recorded", "secret"]))
    def put_question(self, subject: str, method: str) -> str:
        ballot = self.fresh("b")
        ok, meeting = self.may_put(subject)
        self.act("chair", "/ballots", {"id": ballot, "subject": subject, "method": method},
                 accepted=ok)
        if ok:
            kind = "motion" if subject in self.motion_models else "amendment"
            self.ballot_models[ballot] = BallotModel(
                meeting, subject, kind, method, set(self.meeting_models[meeting].present))
            if kind == "motion":
                self.motion_models[subject].state = "put"
                for amendment in self.amendment_models.values():
                    if amendment.motion == subject and amendment.state == "proposed":
                        amendment.state = "fell"
            else:
                self.amendment_models[subject].state = "put"
        return ballot

    @rule(ballot=ballots, data=st.data(),
          choice=st.sampled_from(["for", "against", "abstain"]))
    def cast(self, ballot: str, data: st.DataObject, choice: str) -> None:
        self.cast_as(ballot, data.draw(st.sampled_from(self.voters())), choice)

    def cast_as(self, ballot: str, who: str, choice: str) -> None:
        model = self.ballot_models.get(ballot)
        ok = (model is not None and not model.closed and who in model.roll
              and who in self.meeting_models[model.meeting].present
              and who not in model.votes)
        answer = self.act(who, f"/ballots/{ballot}/votes", {"choice": choice}, accepted=ok)
        if ok and model is not None:
            model.votes[who] = choice
            assert answer["member"] == who
            assert (len(answer["tracker"]) == 64) == (model.method == "secret")
            self.receipts.append((f"{who}-{ballot}", answer["receipt"]))

    @rule(ballot=ballots, wrong=st.booleans(), side=st.sampled_from(["for", "against"]))
    def close_ballot(self, ballot: str, wrong: bool, side: str) -> None:
        """The chair closes; on a tie the chair gives the casting vote. ``wrong`` gives it
        where there is no tie, or withholds it on a tie: refused."""
        model = self.ballot_models.get(ballot)
        if model is None or model.closed:
            self.act("chair", f"/ballots/{ballot}/close", {}, accepted=False)
            return
        tally = [sum(1 for c in model.votes.values() if c == x)
                 for x in ("for", "against", "abstain")]
        tied = tally[0] == tally[1] > 0  # nobody voting for or against is no equality
        casting = side if tied != wrong else ""
        answer = self.act("chair", f"/ballots/{ballot}/close", {"casting_vote": casting},
                          accepted=not wrong)
        if wrong:
            return
        carried = tally[0] > tally[1] or (tied and side == "for")
        model.closed, model.outcome = True, "carried" if carried else "lost"
        assert answer["ballot"]["outcome"] == model.outcome, (answer, tally)
        closing = self.closing_entry(answer["entries"], ballot)
        assert [closing["for_votes"], closing["against"], closing["abstain"]] == tally
        final = "carried" if carried else "lost"
        if model.kind == "motion":
            self.motion_models[model.subject].state = final
        else:
            amendment = self.amendment_models[model.subject]
            amendment.state = final
            if carried:
                self.motion_models[amendment.motion].added.append(amendment.words)

    def closing_entry(self, entries: list[int], ballot: str) -> dict[str, Any]:
        page = self.service.client.get(
            f"{self.base}/log/entries?after={entries[0] - 1}&limit={len(entries)}").json
        found = [e["entry"]["body"] for e in page["entries"]
                 if e["entry"]["type"] == "ballot_closed"]
        assert len(found) == 1 and found[0]["ballot"] == ballot, page
        closed: dict[str, Any] = found[0]
        return closed

    # -- an election -----------------------------------------------------------------------------

    @rule(target=elections, secret=st.booleans())
    @precondition(lambda self: len(self.election_models) < 2)
    def call_election(self, secret: bool) -> str:
        election = self.fresh("el")
        self.act("chair", "/elections", {"id": election, "title": f"Election {election}",
                                         "seats": 1, "method": "plurality",
                                         "secret": secret}, accepted=True)
        self.election_models[election] = ElectionModel(secret)
        return election

    @rule(election=elections, data=st.data())
    def nominate(self, election: str, data: st.DataObject) -> None:
        model = self.election_models[election]
        candidate = data.draw(st.sampled_from(self.voters()))
        proposer, seconder = data.draw(st.lists(st.sampled_from(self.voters()),
                                                min_size=2, max_size=2))
        ok = (model.stage == "nominating" and proposer != seconder
              and candidate not in model.nominated)
        self.act(proposer, f"/elections/{election}/nominations",
                 {"candidate": candidate, "seconder": seconder}, accepted=ok)
        if ok:
            model.nominated.append(candidate)

    @rule(election=elections)
    def close_nominations(self, election: str) -> None:
        model = self.election_models[election]
        ok = model.stage == "nominating" and bool(model.nominated)
        self.act("chair", f"/elections/{election}/nominations/close", accepted=ok)
        if ok:
            model.stage, model.roll = "voting", set(self.names)

    @rule(election=elections, data=st.data())
    def rank(self, election: str, data: st.DataObject) -> None:
        self.rank_as(election, data.draw(st.sampled_from(self.voters())), data)

    def rank_as(self, election: str, who: str, data: st.DataObject) -> None:
        model = self.election_models[election]
        candidates = sorted(model.nominated) or ["nobody"]
        order = data.draw(st.permutations(candidates))
        ranking = tuple(order[: data.draw(st.integers(1, len(order)))])
        ok = model.stage == "voting" and who in model.roll and who not in model.rankings
        answer = self.act(who, f"/elections/{election}/rankings", {"ranking": list(ranking)},
                          accepted=ok)
        if ok:
            model.rankings[who] = ranking
            self.receipts.append((f"{who}-{election}", answer["receipt"]))

    @rule(election=elections)
    def close_election(self, election: str) -> None:
        model = self.election_models[election]
        ok = model.stage == "voting"
        answer = self.act("chair", f"/elections/{election}/close", accepted=ok)
        if ok:
            model.stage = "declared"
            first = {c: 0 for c in model.nominated}
            for ranking in model.rankings.values():
                first[ranking[0]] += 1
            top = max(first.values())
            elected = answer["election"]["elected"]
            assert len(elected) == 1 and first[elected[0]] == top, (elected, first)
            model.elected = elected

    # -- steering: the same acts on what the model says is ready, so runs go deep -------------

    def ready(self, kind: str) -> list[str]:
        """The model's items ready for the next act of ``kind``."""
        if kind == "second":
            return sorted(k for k, m in self.motion_models.items()
                          if m.state == "proposed" and self.sitting(m.meeting))
        if kind == "debate":
            return sorted(k for k, m in self.motion_models.items() if m.state == "seconded")
        if kind == "amend":
            return sorted(k for k, m in self.motion_models.items()
                          if m.state == "under_debate" and not self.live_amendment(k))
        if kind == "second_amendment":
            return sorted(k for k, a in self.amendment_models.items() if a.state == "proposed")
        if kind == "take":
            return sorted(k for k, a in self.amendment_models.items() if a.state == "seconded")
        if kind == "put":
            return sorted(k for k in [*self.motion_models, *self.amendment_models]
                          if self.may_put(k)[0])
        if kind == "cast":
            return sorted(k for k, b in self.ballot_models.items() if not b.closed)
        if kind == "rank":
            return sorted(k for k, e in self.election_models.items()
                          if e.stage == "voting" and e.roll - set(e.rankings))
        if kind == "close_nominations":
            return sorted(k for k, e in self.election_models.items()
                          if e.stage == "nominating" and e.nominated)
        if kind == "close_election":
            return sorted(k for k, e in self.election_models.items() if e.stage == "voting")
        return []

    def advance(self, data: st.DataObject) -> None:
        """The next few acts of the proceedings, each on something the model says is ready
        for it (the invariants are checked after the step, the log after each act)."""
        for _ in range(data.draw(st.integers(1, 6))):
            if not self.advancing():
                return
            self.advance_once(data)

    def advance_once(self, data: st.DataObject) -> None:
        kinds = [k for k in ADVANCING if self.ready(k)]
        kind = data.draw(st.sampled_from(kinds))
        item = data.draw(st.sampled_from(self.ready(kind)))
        if kind == "second":
            self.second(item, data)
        elif kind == "debate":
            self.debate(item)
        elif kind == "second_amendment":
            self.second_amendment(item, data)
        elif kind == "take":
            self.take(item)
        elif kind == "rank":
            election = self.election_models[item]
            self.rank_as(item, data.draw(st.sampled_from(
                sorted(election.roll - set(election.rankings)))), data)
        elif kind == "close_nominations":
            self.close_nominations(item)
        elif kind == "close_election":
            self.close_election(item)
        elif data.draw(st.integers(0, 3)) == 0:
            self.close_ballot(item, False, data.draw(st.sampled_from(["for", "against"])))
        else:
            ballot = self.ballot_models[item]
            eligible = sorted((ballot.roll & self.meeting_models[ballot.meeting].present)
                              - set(ballot.votes))
            who = data.draw(st.sampled_from(eligible or self.voters()))
            self.cast_as(item, who, data.draw(st.sampled_from(["for", "against", "abstain"])))

    def advancing(self) -> bool:
        return any(self.ready(k) for k in ADVANCING)

    @rule(target=motions, meeting=meetings, data=st.data())
    @precondition(lambda self: len(self.motion_models) < 6)
    def move_again(self, meeting: str, data: st.DataObject) -> str:
        return self.move(meeting, data)

    # the same rule many times over: hypothesis picks among the rules that may run alike,
    # so this makes most steps of a run advance the proceedings (the others probe them)
    for _copy in range(6):
        locals()[f"advance_{_copy}"] = rule(data=st.data())(precondition(advancing)(advance))
    del _copy

    def steer_amend(self, data: st.DataObject) -> str:
        return self.amend(data.draw(st.sampled_from(self.ready("amend"))), data)

    def steer_put(self, data: st.DataObject, method: str) -> str:
        return self.put_question(data.draw(st.sampled_from(self.ready("put"))), method)

    steer_amend_1 = rule(target=amendments, data=st.data())(
        precondition(lambda self: bool(self.ready("amend")))(steer_amend))
    steer_put_1 = rule(target=ballots, data=st.data(),
                       method=st.sampled_from(["recorded", "secret"]))(
        precondition(lambda self: bool(self.ready("put")))(steer_put))
    steer_put_2 = rule(target=ballots, data=st.data(),
                       method=st.sampled_from(["recorded", "secret"]))(
        precondition(lambda self: bool(self.ready("put")))(steer_put))

    # -- what must hold after every step -------------------------------------------------------

    @invariant()
    def served_state_agrees(self) -> None:
        get = self.service.client.get
        assert self.served_size() == self.size
        members = {m["id"]: m["name"] for m in get(f"{self.base}/members").json}
        assert members == self.names
        for meeting, m in self.meeting_models.items():
            shown = get(f"{self.base}/meetings/{meeting}").json
            assert (set(shown["present"]), shown["started"], shown["closed"]) == (
                m.present, m.started, m.closed), (meeting, shown, m)
        for motion, mo in self.motion_models.items():
            shown = get(f"{self.base}/motions/{motion}").json
            assert (shown["state"], shown["mover"], shown["seconder"]) == (
                mo.state, mo.mover, mo.seconder), (motion, shown, mo)
            assert shown["original"] == mo.text
            assert shown["text"].split() == " ".join([mo.text, *mo.added]).split(), shown
        for amendment, am in self.amendment_models.items():
            shown = get(f"{self.base}/amendments/{amendment}").json
            assert (shown["state"], shown["mover"], shown["seconder"]) == (
                am.state, am.mover, am.seconder), (amendment, shown, am)
        for ballot, b in self.ballot_models.items():
            shown = get(f"{self.base}/ballots/{ballot}").json
            assert (shown["closed"], shown["outcome"], shown["method"], shown["subject"]) == (
                b.closed, b.outcome, b.method, b.subject), (ballot, shown, b)
        for election, el in self.election_models.items():
            shown = get(f"{self.base}/elections/{election}").json
            assert shown["stage"] == el.stage and shown["secret"] == el.secret
            assert sorted(shown["nominated"]) == sorted(el.nominated)
            assert shown["elected"] == el.elected

    def teardown(self) -> None:
        try:
            if self.names:  # founded: the served bundle verifies, with every receipt
                info = self.service.client.get(self.base).json
                latest = f"{self.base}/bundles/latest"
                bundle = read_bundle_from(fetcher(self.service, latest), latest)
                report = verify(bundle, key=info["vkey"], receipts=self.receipts)
                assert report.failure is None, report.failure
                assert report.size == self.size
        finally:
            STEPS["bodies"] += 1


TestApiModel = ApiMachine.TestCase
TestApiModel.settings = settings(
    max_examples=25, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.mark.nightly
def test_api_model_nightly() -> None:
    """Many more and longer proceedings (``pytest -m nightly``)."""
    run_state_machine_as_test(ApiMachine, settings=settings(
        max_examples=400, stateful_step_count=80, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))

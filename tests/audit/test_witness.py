"""The witness (c2sp.org/tlog-witness) and the k-of-n policy, audit.witness."""

from __future__ import annotations

import pytest

from audit.checkpoint import Checkpoint
from audit.cosignature import Cosigner
from audit.errors import (
    ConsistencyError,
    NoteError,
    PolicyError,
    ProofError,
    SignatureError,
    UnknownLogError,
)
from audit.merkle import consistency_proof, root
from audit.note import open_note, sign_note
from audit.witness import (
    MemoryWitnessState,
    Witness,
    WitnessPolicy,
    format_add_checkpoint,
    parse_add_checkpoint,
)
from tests.audit.helpers import build_store, log_key, numbered_store

KEY = log_key()
ORIGIN = KEY.name
STORE = numbered_store(64)
FORK = build_store([b"other %d" % i for i in range(64)])
T = 1_767_139_200


def signed(size: int, store: object = STORE, key: object = KEY) -> str:
    body = Checkpoint(ORIGIN, size, root(store, size)).body()  # type: ignore[arg-type]
    return sign_note(body, key)  # type: ignore[arg-type]


def witness(name: str = "witness.example/w1", seed: int = 1) -> Witness:
    return Witness(Cosigner.from_seed(name, bytes([seed]) * 32), {ORIGIN: [KEY.verifier()]},
                   MemoryWitnessState())


def test_cosigns_a_growing_log() -> None:
    w = witness()
    first = w.add_checkpoint(signed(10), 0, [], T)
    second = w.add_checkpoint(signed(30), 10, consistency_proof(STORE, 10, 30), T + 1)
    note = signed(30) + second.line()
    policy = WitnessPolicy.from_vkeys([w.vkey], 1)
    assert policy.check(note) == ("witness.example/w1",)
    assert first.name == second.name == "witness.example/w1"
    assert w.latest(ORIGIN) == Checkpoint(ORIGIN, 30, root(STORE, 30))


def test_refuses_rollback_with_its_latest_size() -> None:
    w = witness()
    w.add_checkpoint(signed(30), 0, [], T)
    with pytest.raises(ConsistencyError) as raised:
        w.add_checkpoint(signed(20), 0, [], T)
    assert raised.value.latest_size == 30
    with pytest.raises(ConsistencyError):
        w.add_checkpoint(signed(20), 30, [], T)
    assert w.latest(ORIGIN) == Checkpoint(ORIGIN, 30, root(STORE, 30))


def test_refuses_a_fork_at_the_same_size() -> None:
    w = witness()
    w.add_checkpoint(signed(30), 0, [], T)
    with pytest.raises(ConsistencyError, match="forked"):
        w.add_checkpoint(signed(30, FORK), 30, [], T)
    w.add_checkpoint(signed(30), 30, [], T + 5)


def test_refuses_a_fork_at_a_larger_size() -> None:
    w = witness()
    w.add_checkpoint(signed(30), 0, [], T)
    with pytest.raises(ProofError):
        w.add_checkpoint(signed(40, FORK), 30, consistency_proof(FORK, 30, 40), T)
    assert w.latest(ORIGIN) == Checkpoint(ORIGIN, 30, root(STORE, 30))


def test_refuses_unknown_logs_and_unsigned_checkpoints() -> None:
    w = witness()
    stranger = log_key(name="stranger.example/log")
    body = Checkpoint(stranger.name, 1, root(STORE, 1)).body()
    with pytest.raises(UnknownLogError):
        w.add_checkpoint(sign_note(body, stranger), 0, [], T)
    impostor = log_key(seed=99)
    with pytest.raises(SignatureError):
        w.add_checkpoint(signed(5, key=impostor), 0, [], T)
    assert w.latest(ORIGIN) is None


def test_refuses_bad_requests() -> None:
    w = witness()
    with pytest.raises(ConsistencyError):
        w.add_checkpoint(signed(5), 6, [], T)
    with pytest.raises(ProofError):
        w.add_checkpoint(signed(5), 0, [root(STORE, 5)], T)
    assert w.latest(ORIGIN) is None


def test_http_bodies_round_trip() -> None:
    w = witness()
    w.handle(format_add_checkpoint(0, [], signed(8)), T)
    request = format_add_checkpoint(8, consistency_proof(STORE, 8, 20), signed(20))
    assert parse_add_checkpoint(request) == (8, consistency_proof(STORE, 8, 20), signed(20))
    response = w.handle(request, T)
    assert response.startswith("\u2014 witness.example/w1 ") and response.endswith("\n")
    cosigner = Cosigner.from_seed("witness.example/w1", bytes([1]) * 32)
    opened = open_note(signed(20) + response, [cosigner.verifier()])
    assert opened.verified_names == ("witness.example/w1",)


@pytest.mark.parametrize(
    "request_body",
    ["old 1\n", "new 1\n\nx", "old 01\n\nx", "old 1\n!!!!\n\nx", "old 1\n" + "AAAA\n" * 64 + "\nx"],
    ids=repr,
)
def test_malformed_requests(request_body: str) -> None:
    with pytest.raises((NoteError, ValueError)):
        parse_add_checkpoint(request_body)


def test_the_state_is_a_compare_and_swap() -> None:
    """Two racing requests cannot roll the witness back (c2sp.org/tlog-witness)."""
    state = MemoryWitnessState()
    small, large = Checkpoint(ORIGIN, 5, root(STORE, 5)), Checkpoint(ORIGIN, 9, root(STORE, 9))
    state.replace(ORIGIN, None, large)
    with pytest.raises(ConsistencyError) as raised:
        state.replace(ORIGIN, None, small)
    assert raised.value.latest_size == 9
    assert state.latest(ORIGIN) == large


# The member's policy


def cosigned_by(*seeds: int, size: int = 12, timestamp: int = T) -> str:
    note = signed(size)
    body = Checkpoint(ORIGIN, size, root(STORE, size)).body()
    for seed in seeds:
        note += Cosigner.from_seed(f"w{seed}.example", bytes([seed]) * 32).cosign(
            body, timestamp).line()
    return note


POLICY = WitnessPolicy(
    tuple(Cosigner.from_seed(f"w{s}.example", bytes([s]) * 32).verifier() for s in (1, 2, 3)), 2
)


def test_two_of_three() -> None:
    assert POLICY.check(cosigned_by(1, 3)) == ("w1.example", "w3.example")
    assert POLICY.satisfied(cosigned_by(3, 2, 1))


def test_one_of_three_is_not_enough_and_says_who_is_missing() -> None:
    with pytest.raises(PolicyError) as raised:
        POLICY.check(cosigned_by(2))
    assert raised.value.reasons == ("witness w1.example: no cosignature",
                                    "witness w3.example: no cosignature")
    assert not POLICY.satisfied(cosigned_by(2))


def test_strangers_and_duplicates_do_not_count() -> None:
    assert not POLICY.satisfied(cosigned_by(2, 2, 9))


def test_an_invalid_cosignature_from_a_listed_witness_rejects_the_note() -> None:
    good = cosigned_by(1, 2)
    other_size = cosigned_by(3, size=13).splitlines(keepends=True)[-1]
    tampered = good + other_size
    with pytest.raises(PolicyError, match="invalid"):
        POLICY.check(tampered)


def test_future_cosignatures_do_not_count_when_now_is_given() -> None:
    note = cosigned_by(1, 2, timestamp=T + 100)
    assert POLICY.satisfied(note)
    assert not POLICY.satisfied(note, now=T)
    assert POLICY.satisfied(note, now=T + 100)


@pytest.mark.parametrize("threshold", [0, 4])
def test_policy_threshold_is_checked(threshold: int) -> None:
    with pytest.raises(ValueError):
        WitnessPolicy(POLICY.witnesses, threshold)


def test_policy_witnesses_are_distinct() -> None:
    with pytest.raises(ValueError):
        WitnessPolicy((POLICY.witnesses[0], POLICY.witnesses[0]), 1)

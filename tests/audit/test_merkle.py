"""The RFC 9162 §2.1 Merkle tree: hashes, roots, proofs and their strict checks (audit.merkle)."""

from __future__ import annotations

from hashlib import sha256
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from audit.errors import ProofError
from audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    leaf_hashes,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from audit.store import MemoryStore
from tests.audit.helpers import build_store, flip_bit, numbered_store, vectors

HASHER = vectors("rfc6962_hasher.json")
ROOTS = vectors("merkle_roots.json")
INCLUSION = vectors("inclusion_proofs.json")
CONSISTENCY = vectors("consistency_proofs.json")
INCLUSION_PROBES = vectors("inclusion_probes.json")["cases"]
CONSISTENCY_PROBES = vectors("consistency_probes.json")["cases"]
CT_LARGE = vectors("ct_log_inclusion_large.json")["cases"][0]

REFERENCE = build_store([bytes.fromhex(x) for x in ROOTS["leaf_inputs"]])


def unhex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


# Known answers


@pytest.mark.parametrize("case", HASHER["cases"], ids=lambda c: c["id"])
def test_hasher(case: dict[str, Any]) -> None:
    """RFC 9162 §2.1.1: leaf = H(0x00 || d), node = H(0x01 || l || r), empty = H()."""
    if case["kind"] == "empty":
        got = EMPTY_ROOT
    elif case["kind"] == "leaf":
        got = leaf_hash(bytes.fromhex(case["data"]))
    else:
        got = node_hash(bytes.fromhex(case["left"]), bytes.fromhex(case["right"]))
    assert got.hex() == case["expected"]


@pytest.mark.parametrize("case", ROOTS["roots"], ids=lambda c: f"size{c['tree_size']}")
def test_reference_roots_of_every_prefix(case: dict[str, Any]) -> None:
    assert root(REFERENCE, case["tree_size"]).hex() == case["root"]


def test_reference_subtree_hashes_are_what_the_store_keeps() -> None:
    for level, row in enumerate(ROOTS["node_hashes"]):
        assert [REFERENCE.get_hash(level, i).hex() for i in range(len(row))] == row


@pytest.mark.parametrize("case", INCLUSION["cases"],
                         ids=lambda c: f"{c['leaf_index']}in{c['tree_size']}")
def test_reference_inclusion_proofs(case: dict[str, Any]) -> None:
    """RFC 9162 §2.1.3.1: the generator outputs exactly the reference path; it verifies."""
    assert leaf_hash(bytes.fromhex(case["leaf_input"])).hex() == case["leaf_hash"]
    proof = inclusion_proof(REFERENCE, case["leaf_index"], case["tree_size"])
    assert [p.hex() for p in proof] == case["proof"]
    verify_inclusion(case["leaf_index"], case["tree_size"], bytes.fromhex(case["leaf_hash"]),
                     proof, bytes.fromhex(case["root"]))


@pytest.mark.parametrize("case", CONSISTENCY["cases"],
                         ids=lambda c: f"{c['size1']}to{c['size2']}")
def test_reference_consistency_proofs(case: dict[str, Any]) -> None:
    """RFC 9162 §2.1.4.1: the generator outputs exactly the reference proof; it verifies."""
    proof = consistency_proof(REFERENCE, case["size1"], case["size2"])
    assert [p.hex() for p in proof] == case["proof"]
    verify_consistency(case["size1"], case["size2"], bytes.fromhex(case["root1"]),
                       bytes.fromhex(case["root2"]), proof)


def strict_want_error(case: dict[str, Any]) -> bool:
    """The vectors' answer under our declared policy: hashes are exactly 32 bytes."""
    return bool(case.get("want_error_if_strict_hash_length", case["want_error"]))


@pytest.mark.parametrize("case", INCLUSION_PROBES, ids=lambda c: c["file"])
def test_inclusion_probe(case: dict[str, Any]) -> None:
    """RFC 9162 §2.1.3.2 against transparency-dev/merkle's mutated proofs."""
    args = (case["leaf_index"], case["tree_size"], bytes.fromhex(case["leaf_hash"]),
            unhex(case["proof"]), bytes.fromhex(case["root"]))
    if strict_want_error(case):
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("case", CONSISTENCY_PROBES, ids=lambda c: c["file"])
def test_consistency_probe(case: dict[str, Any]) -> None:
    """RFC 9162 §2.1.4.2 against transparency-dev/merkle's mutated proofs."""
    args = (case["size1"], case["size2"], bytes.fromhex(case["root1"]),
            bytes.fromhex(case["root2"]), unhex(case["proof"]))
    if strict_want_error(case):
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_all_196_probes_are_loaded() -> None:
    assert len(INCLUSION_PROBES) + len(CONSISTENCY_PROBES) == 196
    assert any(not c["want_error"] for c in INCLUSION_PROBES + CONSISTENCY_PROBES)


def test_the_strict_policy_differs_from_the_lenient_answer_only_where_noted() -> None:
    noted = [c for c in CONSISTENCY_PROBES + INCLUSION_PROBES
             if strict_want_error(c) != c["want_error"]]
    assert [c["desc"] for c in noted] == ["sizes are equal (one) and proof is empty"]


def test_production_ct_inclusion_proof() -> None:
    """A 22-level proof from a real CT log (leaf 848049 of 3630887)."""
    leaf = leaf_hash(bytes.fromhex(CT_LARGE["leaf_input"]))
    assert leaf.hex() == CT_LARGE["leaf_hash"]
    proof = unhex(CT_LARGE["proof"])
    verify_inclusion(CT_LARGE["leaf_index"], CT_LARGE["tree_size"], leaf, proof,
                     bytes.fromhex(CT_LARGE["root"]))


@pytest.mark.parametrize("variant", CT_LARGE["negative_variants"], ids=lambda v: v["desc"])
def test_production_ct_inclusion_proof_variants(variant: dict[str, Any]) -> None:
    assert variant["want_error"]
    with pytest.raises(ProofError):
        verify_inclusion(variant.get("leaf_index", CT_LARGE["leaf_index"]),
                         CT_LARGE["tree_size"], bytes.fromhex(CT_LARGE["leaf_hash"]),
                         unhex(CT_LARGE["proof"]),
                         bytes.fromhex(variant.get("root", CT_LARGE["root"])))


# Domain separation and odd leaves (docs/threat-model.md C4)


def test_an_inner_node_preimage_is_not_a_leaf() -> None:
    """The 0x00/0x01 prefixes keep a 64-byte node preimage from passing as a leaf."""
    left, right = REFERENCE.get_hash(0, 0), REFERENCE.get_hash(0, 1)
    assert leaf_hash(left + right) != node_hash(left, right)
    with pytest.raises(ProofError):
        verify_inclusion(0, 1, leaf_hash(left + right), [], root(REFERENCE, 2))


def test_a_duplicated_last_leaf_changes_the_root() -> None:
    """No CVE-2012-2459 ambiguity: [a, b, c] and [a, b, c, c] differ."""
    three = build_store([b"a", b"b", b"c"])
    four = build_store([b"a", b"b", b"c", b"c"])
    assert root(three, 3) != root(four, 4)


def test_empty_tree_root() -> None:
    assert root(MemoryStore(), 0) == EMPTY_ROOT == sha256(b"").digest()
    assert Frontier().root() == EMPTY_ROOT


# Generation bounds (docs/threat-model.md C3, point 4)


@pytest.mark.parametrize(("index", "size"), [(8, 8), (-1, 8), (0, 0), (0, 9), (True, 8)])
def test_no_inclusion_proof_outside_the_tree(index: int, size: int) -> None:
    with pytest.raises(ProofError):
        inclusion_proof(REFERENCE, index, size)


@pytest.mark.parametrize(("old", "new"), [(5, 4), (-1, 4), (0, 9), (9, 9)])
def test_no_consistency_proof_outside_the_tree(old: int, new: int) -> None:
    with pytest.raises(ProofError):
        consistency_proof(REFERENCE, old, new)


def test_consistency_from_the_empty_tree_is_empty() -> None:
    assert consistency_proof(REFERENCE, 0, 8) == []
    verify_consistency(0, 8, EMPTY_ROOT, root(REFERENCE, 8), [])
    with pytest.raises(ProofError):
        verify_consistency(0, 8, root(REFERENCE, 1), root(REFERENCE, 8), [])


def test_frontier_size_must_match_its_hashes() -> None:
    with pytest.raises(ProofError):
        Frontier(3, [EMPTY_ROOT])


def test_frontier_from_store_matches_growing_frontier() -> None:
    store = numbered_store(300)
    for size in (0, 1, 255, 256, 257, 300):
        assert Frontier.from_store(store, size).root() == root(store, size)


def test_verify_refuses_hashes_of_the_wrong_type() -> None:
    good = root(REFERENCE, 1)
    with pytest.raises(ProofError):
        verify_inclusion(0, 1, bytearray(good), [], good)  # type: ignore[arg-type]


@pytest.mark.slow
def test_every_proof_in_a_small_tree_verifies_and_no_other_root_passes() -> None:
    """Exhaustive over all sizes up to 130: every (index, size) and (old, new) pair."""
    store = numbered_store(130)
    roots = [root(store, n) for n in range(131)]
    for new in range(1, 131):
        for index in range(new):
            verify_inclusion(index, new, store.get_hash(0, index),
                             inclusion_proof(store, index, new), roots[new])
        for old in range(new + 1):
            proof = consistency_proof(store, old, new)
            verify_consistency(old, new, roots[old], roots[new], proof)
            if 0 < old < new:
                with pytest.raises(ProofError):
                    verify_consistency(old, new, roots[old], roots[new - 1], proof)


# Properties

TREE = numbered_store(1100)
sizes = st.integers(min_value=1, max_value=1100)


@given(sizes)
def test_frontier_root_is_the_tree_hash(size: int) -> None:
    """RFC 9162 §2.1.1: the fold of the complete subtrees is MTH(D[0:n])."""
    leaves = [b"leaf %d" % i for i in range(size)]
    frontier = Frontier()
    for data in leaves:
        frontier.append(leaf_hash(data))
    assert frontier.root() == root(TREE, size)


@given(sizes, st.data())
def test_every_generated_inclusion_proof_verifies(size: int, data: st.DataObject) -> None:
    """RFC 9162 §2.1.3: PATH(m, D[n]) verifies for every m < n."""
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = inclusion_proof(TREE, index, size)
    verify_inclusion(index, size, TREE.get_hash(0, index), proof, root(TREE, size))


@given(sizes, st.data())
def test_every_generated_consistency_proof_verifies(size: int, data: st.DataObject) -> None:
    """RFC 9162 §2.1.4: PROOF(m, D[n]) verifies for every m <= n."""
    old = data.draw(st.integers(min_value=0, max_value=size))
    proof = consistency_proof(TREE, old, size)
    verify_consistency(old, size, root(TREE, old), root(TREE, size), proof)


@given(sizes, st.data())
def test_any_bit_flip_breaks_an_inclusion_proof(size: int, data: st.DataObject) -> None:
    """A single flipped bit in the leaf, the root or any proof element is rejected."""
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = inclusion_proof(TREE, index, size)
    values = [TREE.get_hash(0, index), root(TREE, size), *proof]
    target = data.draw(st.integers(min_value=0, max_value=len(values) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    values[target] = flip_bit(values[target], bit)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, values[0], values[2:], values[1])


@given(sizes, st.data())
def test_any_bit_flip_breaks_a_consistency_proof(size: int, data: st.DataObject) -> None:
    """A single flipped bit in either root or any proof element is rejected."""
    old = data.draw(st.integers(min_value=1, max_value=size))
    proof = consistency_proof(TREE, old, size)
    values = [root(TREE, old), root(TREE, size), *proof]
    target = data.draw(st.integers(min_value=0, max_value=len(values) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    values[target] = flip_bit(values[target], bit)
    with pytest.raises(ProofError):
        verify_consistency(old, size, values[0], values[1], values[2:])


@given(sizes, st.data())
def test_a_proof_for_another_position_is_rejected(size: int, data: st.DataObject) -> None:
    """Index ±1, a truncated, extended or reordered proof (docs/threat-model.md C3, point 2) fail.

    (A size change alone is not in this list: a proof can have the same shape
    in a neighbouring size, and then it only claims a root no tree of that
    size has; the probes cover size *2 and /2.)
    """
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = inclusion_proof(TREE, index, size)
    leaf, top = TREE.get_hash(0, index), root(TREE, size)
    mutation = data.draw(st.sampled_from(["index+1", "index-1", "truncate", "extend", "swap"]))
    new_index, new_proof = index, list(proof)
    if mutation == "index+1":
        new_index += 1
    elif mutation == "index-1":
        new_index -= 1
    elif mutation == "truncate":
        assume(proof)
        new_proof = proof[:-1]
    elif mutation == "extend":
        new_proof = [*proof, top]
    else:
        assume(len(proof) > 1 and proof[0] != proof[1])
        new_proof[0], new_proof[1] = proof[1], proof[0]
    with pytest.raises(ProofError):
        verify_inclusion(new_index, size, leaf, new_proof, top)


# Frontier.extend: many leaves at once, a level at a time.


@given(st.lists(st.integers(min_value=0, max_value=70), max_size=8))
def test_extend_gives_what_appending_leaf_by_leaf_gives(batches: list[int]) -> None:
    """The batch path grows the same tree and hands the store the same hashes, regrouped."""
    one_by_one, batched = Frontier(), Frontier()
    one_by_one_store, batched_store = MemoryStore(), MemoryStore()
    counter = 0
    for count in batches:
        leaves = [leaf_hash(b"leaf %d" % (counter + i)) for i in range(count)]
        counter += count
        start = batched.size
        for leaf in leaves:
            one_by_one_store.append_hashes(one_by_one.size, one_by_one.append(leaf))
        gained = batched.extend(leaves)
        batched_store.append_levels(start, gained)
        assert batched.size == one_by_one.size == counter
        assert batched.root() == one_by_one.root()
        assert Frontier.from_store(batched_store).root() == batched.root()
        for level, run in enumerate(gained):
            assert run == [one_by_one_store.get_hash(level, (start >> level) + i)
                           for i in range(len(run))]
    assert [root(batched_store, n) for n in range(counter + 1)] == [
        root(one_by_one_store, n) for n in range(counter + 1)]


def test_leaf_hashes_are_leaf_hash_of_each() -> None:
    data = [b"", b"a", b"\x00" * 100]
    assert leaf_hashes(data) == [leaf_hash(d) for d in data]
    assert leaf_hashes([]) == []


def test_extend_by_nothing_changes_nothing() -> None:
    frontier = Frontier()
    frontier.extend([leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")])
    before = frontier.root()
    assert frontier.extend([]) == []
    assert (frontier.size, frontier.root()) == (3, before)


def test_extend_splits_long_rows_into_batches_without_changing_a_hash() -> None:
    """Rows longer than the hashing batch (a few thousand pairs) are cut up and joined again."""
    leaves = [leaf_hash(b"leaf %d" % i) for i in range(3 + 2 * 8192 + 5)]
    one_by_one, batched = Frontier(), Frontier()
    one_by_one_store, batched_store = MemoryStore(), MemoryStore()
    for leaf in leaves:
        one_by_one_store.append_hashes(one_by_one.size, one_by_one.append(leaf))
    batched_store.append_levels(0, batched.extend(leaves[:3]))
    batched_store.append_levels(3, batched.extend(leaves[3:]))
    assert batched.root() == one_by_one.root()
    for level in range(len(leaves).bit_length()):
        count = len(leaves) >> level
        assert [batched_store.get_hash(level, i) for i in range(count)] == [
            one_by_one_store.get_hash(level, i) for i in range(count)]
    assert leaf_hashes([b"x%d" % i for i in range(9000)]) == [
        leaf_hash(b"x%d" % i) for i in range(9000)]

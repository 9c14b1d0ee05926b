"""RFC 6962 Merkle hashing against Certificate Transparency's published test vectors, and
audit paths against an independent recursive definition."""

from __future__ import annotations

import hashlib

import pytest

from chain.merkle import EMPTY_ROOT, audit_path, leaf_hash, merkle_root, node_hash, root_from_path

# The eight inputs and roots used by Certificate Transparency's merkle tree tests.
CT_INPUTS = [
    b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_PATHS = {  # (leaf index, tree size) -> PATH
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (4, 5): ["d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
    (0, 1): [],
}
LEAVES = [leaf_hash(d) for d in CT_INPUTS]


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, written recursively exactly as the RFC states it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 section 2.1.1 PATH(m, D[n]), recursively."""
    if len(leaves) == 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def test_empty_tree_and_hash_prefixes():
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle_root([]) == EMPTY_ROOT
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_certificate_transparency_vectors(size):
    assert merkle_root(LEAVES[:size]).hex() == CT_ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size"), list(CT_PATHS))
def test_audit_paths_match_vectors(index, size):
    assert [h.hex() for h in audit_path(LEAVES[:size], index)] == CT_PATHS[(index, size)]


def test_every_size_and_index_agrees_with_the_rfc_definition_and_verifies():
    leaves = [leaf_hash(i.to_bytes(2, "big")) for i in range(70)]
    for size in range(1, 70):
        tree = leaves[:size]
        root = merkle_root(tree)
        assert root == mth(tree)
        for index in range(size):
            proof = audit_path(tree, index)
            assert proof == path(index, tree)
            assert root_from_path(tree[index], index, size, proof) == root


def test_a_proof_fails_for_another_leaf_index_size_or_altered_sibling():
    tree = [leaf_hash(bytes([i])) for i in range(11)]
    root = merkle_root(tree)
    proof = audit_path(tree, 6)
    assert root_from_path(tree[6], 6, 11, proof) == root
    assert root_from_path(tree[5], 6, 11, proof) != root  # another leaf
    assert root_from_path(tree[6], 7, 11, proof) != root  # another position
    right = audit_path(tree, 9)  # in the incomplete right subtree the size shapes the path
    assert root_from_path(tree[9], 9, 11, right) == root
    assert root_from_path(tree[9], 9, 13, right) != root
    assert root_from_path(tree[6], 6, 11, proof[:-1]) != root  # shortened
    assert root_from_path(tree[6], 6, 11, proof + [root]) is None  # lengthened
    altered = [proof[0][:-1] + bytes([proof[0][-1] ^ 1])] + proof[1:]
    assert root_from_path(tree[6], 6, 11, altered) != root
    assert root_from_path(tree[6], 11, 11, proof) is None
    with pytest.raises(IndexError):
        audit_path(tree, 11)


def test_a_leaf_cannot_pose_as_an_inner_node():
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    # The 64 bytes of an inner node's children, submitted as leaf data, hash differently.
    assert leaf_hash(a + b) != merkle_root([a, b])

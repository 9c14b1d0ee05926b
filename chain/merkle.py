"""Merkle trees in the style of RFC 6962 (Certificate Transparency), as pure functions.

    leaf hash = SHA-256(0x00 || data)
    node hash = SHA-256(0x01 || left || right)
    MTH([])   = SHA-256("")
    MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])) with k the largest power of two below n

The 0x00 / 0x01 prefixes keep a leaf from ever being read as an inner node (no second
preimages). Audit paths are RFC 6962's PATH(m, D[n]); `root_from_path` is the verification
algorithm of RFC 9162, section 2.1.3.2. Hashes are raw 32-byte `bytes` throughout.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes (already `leaf_hash`ed).

    Bottom-up: pair neighbours, carry an odd last node up unchanged. This builds exactly the
    RFC 6962 tree, whose left subtrees are always complete (tested against the recursive form).
    """
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def audit_path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """RFC 6962 PATH(index, leaves): sibling hashes from the leaf up to the root."""
    if not 0 <= index < len(leaves):
        raise IndexError("leaf index outside the tree")
    path: list[bytes] = []
    lo, hi = 0, len(leaves)
    # Walk down from the root, remembering the sibling subtree at each split.
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(merkle_root(leaves[lo + k : hi]))
            hi = lo + k
        else:
            path.append(merkle_root(leaves[lo : lo + k]))
            lo = lo + k
    path.reverse()
    return path


def root_from_path(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes | None:
    """The root implied by `leaf` (a leaf hash) at `index` in a tree of `size` leaves with this
    audit path, or None when the path cannot belong to such a tree (RFC 9162, 2.1.3.2)."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None

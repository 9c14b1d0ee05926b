"""The chain's cryptography as pure functions: block headers and proof-of-work, Ed25519
signatures over block hashes, and the AES-256-GCM envelope of QR tokens.

Nothing here reads settings or the database; `chain.keys` turns settings into keys.

Block header (ASCII, one line, fields in this order):

    sbchain/1|<index>|<previous hash hex>|<merkle root hex>|<timestamp>|<difficulty>|<tx count>|<nonce>

timestamp is UTC ISO-8601 with microseconds ("2026-01-31T09:30:00.000000Z"), numbers are
decimal without leading zeros. The block hash is SHA-256 of those bytes. Everything but the
nonce is the *prefix*: mining hashes the prefix once and only feeds the nonce per attempt.
Proof-of-work at difficulty d: the hash, in hex, starts with d zeros (i.e. as a 256-bit
big-endian number it is below 2**(256 - 4d)).

QR token (then base64url without padding):

    version (1 byte, 0x01) | key id (4 bytes) | GCM nonce (12 bytes) | ciphertext | tag (16 bytes)

The version and key id are authenticated as associated data, so neither can be swapped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping
from datetime import UTC, datetime

from Crypto.Cipher import AES
from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

HEADER_VERSION = "sbchain/1"
ZERO_HASH = "0" * 64

# --- Block headers and proof-of-work -------------------------------------------------------------


def format_timestamp(moment: datetime) -> str:
    """UTC ISO-8601 with exactly six fractional digits and a Z; the one timestamp format of
    headers and leaves."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("naive datetime")
    if offset:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")[:26] + "Z"


def header_prefix(
    *, index: int, previous_hash: str, merkle_root: str, timestamp: datetime, difficulty: int, tx_count: int
) -> bytes:
    """The header without its nonce (see the module docstring)."""
    return (
        f"{HEADER_VERSION}|{int(index)}|{previous_hash}|{merkle_root}|{format_timestamp(timestamp)}|"
        f"{int(difficulty)}|{int(tx_count)}|"
    ).encode("ascii")


def block_hash(prefix: bytes, nonce: int) -> bytes:
    return hashlib.sha256(prefix + str(int(nonce)).encode("ascii")).digest()


def pow_target(difficulty: int) -> bytes:
    """Hashes strictly below this (compared as bytes, i.e. big-endian) have `difficulty`
    leading zero hex digits."""
    if not 0 <= difficulty <= 64:
        raise ValueError("difficulty must be 0..64")
    if difficulty == 0:
        return b"\xff" * 33  # above every 32-byte digest
    return (1 << (256 - 4 * difficulty)).to_bytes(32, "big")


def meets_difficulty(digest: bytes, difficulty: int) -> bool:
    return digest < pow_target(difficulty)


# "000".."999": the last three digits of every nonce from 1000 on, encoded once.
_NONCE_TAILS = tuple(b"%03d" % low for low in range(1000))


def pow_search(prefix: bytes, difficulty: int, *, start: int = 0, attempts: int | None = None) -> tuple[int, bytes] | None:
    """The first nonce >= start whose header hash meets `difficulty`, with that hash.

    The prefix is hashed once. From nonce 1000 on, the digits above the last three are fed
    once per thousand nonces and each attempt copies that state and feeds a precomputed
    three-digit tail: a state copy, a 3-byte update and a digest per attempt, no int-to-text
    conversion (about 20% less per attempt than formatting each nonce). None when `attempts`
    run out.
    """
    if start < 0:
        raise ValueError("nonces are not negative")
    target = pow_target(difficulty)
    base = hashlib.sha256(prefix)
    stop = None if attempts is None else start + attempts
    nonce = start
    # Below 1000 a nonce has fewer than four digits: no shared part, format each one.
    while nonce < 1000 and (stop is None or nonce < stop):
        h = base.copy()
        h.update(b"%d" % nonce)
        digest = h.digest()
        if digest < target:
            return nonce, digest
        nonce += 1
    tails = _NONCE_TAILS
    while stop is None or nonce < stop:
        high, low = divmod(nonce, 1000)
        end = 1000 if stop is None else min(1000, low + stop - nonce)
        shared = base.copy()
        shared.update(b"%d" % high)
        copy = shared.copy
        for tail in tails[low:end]:
            h = copy()
            h.update(tail)
            digest = h.digest()
            if digest < target:
                return high * 1000 + int(tail), digest
        nonce = high * 1000 + end
    return None


# --- Ed25519 -------------------------------------------------------------------------------------


def signing_key_from_seed(seed: bytes) -> ECC.EccKey:
    """An Ed25519 private key from its 32-byte seed (RFC 8032 secret key)."""
    if len(seed) != 32:
        raise ValueError("an Ed25519 seed is 32 bytes")
    return ECC.construct(curve="Ed25519", seed=seed)


def public_key_raw(key: ECC.EccKey) -> bytes:
    """The 32-byte RFC 8032 encoding of the public key."""
    return key.public_key().export_key(format="raw")


def public_key_id(public_raw: bytes) -> str:
    """A short, stable name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def sign(key: ECC.EccKey, message: bytes) -> bytes:
    return eddsa.new(key, "rfc8032").sign(message)


def signature_valid(public_raw: bytes, message: bytes, signature: bytes) -> bool:
    try:
        verifier = eddsa.new(eddsa.import_public_key(public_raw), "rfc8032")
        verifier.verify(message, signature)
    except (ValueError, TypeError):
        return False
    return True


# --- AES-256-GCM token envelope ------------------------------------------------------------------

TOKEN_VERSION = 1
_KID_LEN = 4
_NONCE_LEN = 12
_TAG_LEN = 16
_HEADER_LEN = 1 + _KID_LEN


class TokenInvalid(Exception):
    """The token is malformed, was altered, or was sealed under a key we do not hold.

    One type for every cause on purpose: a caller learns nothing about which check failed."""


def token_key_id(key: bytes) -> bytes:
    """4-byte key id carried in the token header, derived from the key itself so that
    rotation needs no bookkeeping (it reveals nothing usable about the key)."""
    return hashlib.sha256(b"securebank-qr-key-id|" + key).digest()[:_KID_LEN]


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode_strict(text: str) -> bytes:
    """Decode unpadded base64url and insist that the text is the canonical encoding, so
    that no two different strings are accepted as the same token."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenInvalid() from exc
    if b64url_encode(raw) != text:
        raise TokenInvalid()
    return raw


def token_seal(*, key: bytes, plaintext: bytes, nonce: bytes | None = None) -> str:
    """Encrypt and authenticate `plaintext` under the 32-byte `key`. `nonce` only for test
    vectors: in service it is 12 random bytes per token."""
    if len(key) != 32:
        raise ValueError("AES-256 needs a 32-byte key")
    nonce = os.urandom(_NONCE_LEN) if nonce is None else nonce
    if len(nonce) != _NONCE_LEN:
        raise ValueError("GCM nonce must be 12 bytes")
    header = bytes([TOKEN_VERSION]) + token_key_id(key)
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=_TAG_LEN)
    cipher.update(header)
    ciphertext, tag = cipher.encrypt_and_digest(plaintext)
    return b64url_encode(header + nonce + ciphertext + tag)


def token_open(token: str, keyring: Mapping[bytes, bytes]) -> tuple[bytes, bytes]:
    """(plaintext, key id) of an authentic token. `keyring` maps key id -> key (the current
    key and any old keys still accepted). Raises TokenInvalid otherwise."""
    if not isinstance(token, str) or not token or len(token) > 4096:
        raise TokenInvalid()
    raw = b64url_decode_strict(token)
    if len(raw) < _HEADER_LEN + _NONCE_LEN + _TAG_LEN + 1 or raw[0] != TOKEN_VERSION:
        raise TokenInvalid()
    header, kid = raw[:_HEADER_LEN], raw[1:_HEADER_LEN]
    key = keyring.get(kid)
    if key is None:
        raise TokenInvalid()
    nonce = raw[_HEADER_LEN : _HEADER_LEN + _NONCE_LEN]
    body, tag = raw[_HEADER_LEN + _NONCE_LEN : -_TAG_LEN], raw[-_TAG_LEN:]
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=_TAG_LEN)
    cipher.update(header)
    try:
        plaintext = cipher.decrypt_and_verify(body, tag)
    except ValueError as exc:
        raise TokenInvalid() from exc
    return plaintext, kid

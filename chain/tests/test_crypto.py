"""chain.crypto against published vectors (RFC 8032 Ed25519, NIST AES-256-GCM) and fixed
vectors of our own formats (header, proof-of-work, token envelope)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from Crypto.Cipher import AES

from chain import crypto
from chain.crypto import TokenInvalid

RFC8032 = [  # (secret, public, message, signature): RFC 8032 section 7.1, tests 1 and 2
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
]


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032)
def test_ed25519_rfc8032_vectors(secret, public, message, signature):
    key = crypto.signing_key_from_seed(bytes.fromhex(secret))
    assert crypto.public_key_raw(key).hex() == public
    assert crypto.sign(key, bytes.fromhex(message)).hex() == signature
    assert crypto.signature_valid(bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature))
    assert not crypto.signature_valid(bytes.fromhex(public), bytes.fromhex(message) + b"x", bytes.fromhex(signature))
    flipped = bytearray.fromhex(signature)
    flipped[10] ^= 0x01
    assert not crypto.signature_valid(bytes.fromhex(public), bytes.fromhex(message), bytes(flipped))
    assert not crypto.signature_valid(bytes.fromhex(public), bytes.fromhex(message), b"short")


def test_public_key_id_is_a_prefix_of_its_sha256():
    public = bytes.fromhex(RFC8032[0][1])
    assert crypto.public_key_id(public) == hashlib.sha256(public).hexdigest()[:16]


def test_aes_256_gcm_nist_vector():
    """GCM spec test case 16 (AES-256, with AAD): the primitive the token envelope uses."""
    key = bytes.fromhex("feffe9928665731c6d6a8f9467308308" * 2)
    cipher = AES.new(key, AES.MODE_GCM, nonce=bytes.fromhex("cafebabefacedbaddecaf888"))
    cipher.update(bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2"))
    ciphertext, tag = cipher.encrypt_and_digest(bytes.fromhex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    ))
    assert ciphertext.hex() == (
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
    )
    assert tag.hex() == "76fc6ece0f4e1768cddf8853bb2d551b"


# --- headers and proof-of-work -------------------------------------------------------------------
MOMENT = datetime(2026, 1, 31, 9, 30, 0, 123456, tzinfo=UTC)


def test_timestamps_are_utc_with_six_fraction_digits():
    assert crypto.format_timestamp(MOMENT) == "2026-01-31T09:30:00.123456Z"
    ist = timezone(timedelta(hours=5, minutes=30))
    assert crypto.format_timestamp(datetime(2026, 1, 31, 15, 0, tzinfo=ist)) == "2026-01-31T09:30:00.000000Z"
    with pytest.raises(ValueError):
        crypto.format_timestamp(datetime(2026, 1, 31))  # noqa: DTZ001 - the point of the test


def test_header_prefix_fixed_vector():
    prefix = crypto.header_prefix(
        index=7, previous_hash="ab" * 32, merkle_root="cd" * 32, timestamp=MOMENT, difficulty=4, tx_count=12
    )
    assert prefix == ("sbchain/1|7|" + "ab" * 32 + "|" + "cd" * 32 + "|2026-01-31T09:30:00.123456Z|4|12|").encode()
    assert crypto.block_hash(prefix, 42) == hashlib.sha256(prefix + b"42").digest()


@pytest.mark.parametrize("difficulty", [0, 1, 2, 3, 4, 17, 64])
def test_pow_target_means_leading_zero_hex_digits(difficulty):
    for digest in [b"\x00" * 32, b"\xff" * 32, bytes.fromhex("0" * difficulty + "f" * (64 - difficulty)),
                   bytes.fromhex(("0" * (difficulty - 1) + "1").ljust(64, "0")) if difficulty else b"\x10" * 32]:
        assert crypto.meets_difficulty(digest, difficulty) == digest.hex().startswith("0" * difficulty)
    with pytest.raises(ValueError):
        crypto.pow_target(65)


def test_pow_search_returns_the_first_nonce_that_meets_the_difficulty():
    prefix = crypto.header_prefix(index=1, previous_hash="0" * 64, merkle_root="1" * 64, timestamp=MOMENT, difficulty=2, tx_count=0)
    nonce, digest = crypto.pow_search(prefix, 2)
    assert digest == crypto.block_hash(prefix, nonce) and digest.hex().startswith("00")
    assert not any(crypto.block_hash(prefix, n).hex().startswith("00") for n in range(nonce))
    assert crypto.pow_search(prefix, 2, start=0, attempts=nonce) is None



def _pow_search_reference(prefix: bytes, difficulty: int, start: int, stop: int) -> tuple[int, bytes] | None:
    """The definition pow_search implements: every nonce in turn, formatted in full."""
    for nonce in range(start, stop):
        digest = crypto.block_hash(prefix, nonce)
        if digest.hex().startswith("0" * difficulty):
            return nonce, digest
    return None


@pytest.mark.parametrize(
    ("start", "attempts"),
    [(0, 5000), (990, 30), (999, 2), (1000, 1), (1995, 10), (9_998, 5), (123_456, 2_000), (999_999, 3), (0, 0)],
)
def test_pow_search_matches_the_nonce_by_nonce_definition_across_digit_boundaries(start, attempts):
    prefix = crypto.header_prefix(index=7, previous_hash="a" * 64, merkle_root="b" * 64, timestamp=MOMENT, difficulty=1, tx_count=3)
    for difficulty in (1, 2, 3):
        expected = _pow_search_reference(prefix, difficulty, start, start + attempts)
        assert crypto.pow_search(prefix, difficulty, start=start, attempts=attempts) == expected
    # Unbounded, from the same start: the same first hit (difficulty 3 usually lies past 1000).
    found = crypto.pow_search(prefix, 3, start=start)
    assert found == _pow_search_reference(prefix, 3, start, found[0] + 1)

# --- token envelope ------------------------------------------------------------------------------
KEY = bytes(range(32))
OTHER = bytes(range(1, 33))
RING = {crypto.token_key_id(KEY): KEY}


def test_token_layout_and_fixed_vector():
    token = crypto.token_seal(key=KEY, plaintext=b'{"hello":"world"}', nonce=b"\x07" * 12)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    header, nonce, body, tag = raw[:5], raw[5:17], raw[17:-16], raw[-16:]
    assert header == b"\x01" + crypto.token_key_id(KEY) and nonce == b"\x07" * 12
    cipher = AES.new(KEY, AES.MODE_GCM, nonce=nonce)
    cipher.update(header)  # version and key id are authenticated
    assert cipher.decrypt_and_verify(body, tag) == b'{"hello":"world"}'
    assert crypto.token_key_id(KEY).hex() == hashlib.sha256(b"securebank-qr-key-id|" + KEY).hexdigest()[:8]
    assert token == crypto.token_seal(key=KEY, plaintext=b'{"hello":"world"}', nonce=b"\x07" * 12)
    assert "=" not in token and "+" not in token and "/" not in token


def test_token_round_trip_with_random_nonces():
    first = crypto.token_seal(key=KEY, plaintext=b"payload")
    second = crypto.token_seal(key=KEY, plaintext=b"payload")
    assert first != second
    assert crypto.token_open(first, RING) == (b"payload", crypto.token_key_id(KEY))


def test_every_flipped_bit_of_the_token_is_refused():
    token = crypto.token_seal(key=KEY, plaintext=b'{"id":"x","amount":"10.00"}')
    raw = crypto.b64url_decode_strict(token)
    for bit in range(len(raw) * 8):
        altered = bytearray(raw)
        altered[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(TokenInvalid):
            crypto.token_open(crypto.b64url_encode(bytes(altered)), RING)


def test_every_changed_character_of_the_token_text_is_refused():
    token = crypto.token_seal(key=KEY, plaintext=b"short")
    for i, ch in enumerate(token):
        for bit in range(7):  # flip each bit of the ASCII character
            altered = token[:i] + chr(ord(ch) ^ (1 << bit)) + token[i + 1 :]
            with pytest.raises(TokenInvalid):
                crypto.token_open(altered, RING)


def test_wrong_or_unknown_key_and_garbage_are_refused():
    token = crypto.token_seal(key=KEY, plaintext=b"payload")
    with pytest.raises(TokenInvalid):
        crypto.token_open(token, {crypto.token_key_id(OTHER): OTHER})  # key id unknown
    with pytest.raises(TokenInvalid):
        crypto.token_open(token, {crypto.token_key_id(KEY): OTHER})  # right id, wrong key
    for garbage in ["", "not base64!", "AAAA", token[:-4], token + "A", token + "AA", "x" * 5000]:
        with pytest.raises(TokenInvalid):
            crypto.token_open(garbage, RING)
    raw = crypto.b64url_decode_strict(token)
    with pytest.raises(TokenInvalid):  # another version byte
        crypto.token_open(crypto.b64url_encode(b"\x02" + raw[1:]), RING)


def test_non_canonical_base64_is_refused():
    # 6 bytes -> 8 chars, no spare bits; 7 bytes -> 10 chars whose last char has 2 spare bits.
    text = crypto.b64url_encode(b"\x00" * 7)
    assert text.endswith("A")
    with pytest.raises(TokenInvalid):
        crypto.b64url_decode_strict(text[:-1] + "B")  # same bytes if the spare bits were ignored

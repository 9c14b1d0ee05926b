"""Keys of the chain and of QR tokens, read from settings (see securebank/settings.py).

Cached per key value, so a test that overrides a setting gets the new key at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from Crypto.PublicKey import ECC
from django.conf import settings

from chain import crypto


@dataclass(frozen=True)
class ChainSigner:
    key: ECC.EccKey
    public_raw: bytes
    key_id: str

    def sign(self, message: bytes) -> bytes:
        return crypto.sign(self.key, message)


@lru_cache(maxsize=4)
def _signer(seed: bytes) -> ChainSigner:
    key = crypto.signing_key_from_seed(seed)
    public_raw = crypto.public_key_raw(key)
    return ChainSigner(key=key, public_raw=public_raw, key_id=crypto.public_key_id(public_raw))


def chain_signer() -> ChainSigner:
    """The bank's Ed25519 block signer (settings.CHAIN_SIGNING_KEY)."""
    return _signer(bytes(settings.CHAIN_SIGNING_KEY))


@dataclass(frozen=True)
class ChainKey:
    key_id: str
    public_raw: bytes
    rank: int  # order of use: retired keys 0, 1, ... oldest first, the current key last
    current: bool


@lru_cache(maxsize=8)
def _chain_keys(current: bytes, retired: tuple[bytes, ...]) -> dict[str, ChainKey]:
    keys: dict[str, ChainKey] = {}
    for rank, public_raw in enumerate(retired):
        key_id = crypto.public_key_id(public_raw)
        keys.setdefault(key_id, ChainKey(key_id=key_id, public_raw=public_raw, rank=rank, current=False))
    signer = _signer(current)
    # The current key ranks last even if it is also listed as retired (a rotation rolled back).
    keys[signer.key_id] = ChainKey(key_id=signer.key_id, public_raw=signer.public_raw, rank=len(retired), current=True)
    return keys


def chain_keys() -> dict[str, ChainKey]:
    """Every key whose block signatures verify, by key id: the current signing key and the
    retired ones (settings.CHAIN_RETIRED_PUBLIC_KEYS), each with its rank in the order of use."""
    return _chain_keys(bytes(settings.CHAIN_SIGNING_KEY), tuple(bytes(k) for k in settings.CHAIN_RETIRED_PUBLIC_KEYS))


@dataclass(frozen=True)
class QRKeyring:
    current: bytes
    current_id: bytes
    by_id: dict[bytes, bytes]


@lru_cache(maxsize=8)
def _keyring(current: bytes, old: tuple[bytes, ...]) -> QRKeyring:
    by_id = {crypto.token_key_id(key): key for key in old}
    current_id = crypto.token_key_id(current)
    by_id[current_id] = current
    return QRKeyring(current=current, current_id=current_id, by_id=by_id)


def qr_keyring() -> QRKeyring:
    """Seal with QR_ENCRYPTION_KEY; open with it or any of QR_ENCRYPTION_KEYS_OLD."""
    return _keyring(bytes(settings.QR_ENCRYPTION_KEY), tuple(bytes(k) for k in settings.QR_ENCRYPTION_KEYS_OLD))

"""Rotating the chain signing key: blocks signed by a retired key still verify while its public
key is configured (CHAIN_RETIRED_PUBLIC_KEYS), fail once it is removed, and a retired key can
never sign after its successor (a leaked old key cannot extend the chain)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from chain.crypto import signature_valid
from chain.keys import chain_signer
from chain.models import Block, Seal
from chain.services import blocks_mine_pending
from chain.tests.factories import pay, sealed_chain
from chain.verification import _verify_range, chain_verify

pytestmark = pytest.mark.django_db
SEED_A, SEED_B = b"\xaa" * 32, b"\xbb" * 32


def public(settings, seed: bytes) -> bytes:
    previous = settings.CHAIN_SIGNING_KEY
    settings.CHAIN_SIGNING_KEY = seed
    try:
        return chain_signer().public_raw
    finally:
        settings.CHAIN_SIGNING_KEY = previous


@pytest.fixture
def rotated(settings):
    """Genesis and block 1 signed by the original key D, block 2 by A, block 3 by B (current),
    A and D retired in that order of use. Returns (users, {name: public key}, {name: block})."""
    original = settings.CHAIN_SIGNING_KEY
    keys = {"D": public(settings, original), "A": public(settings, SEED_A), "B": public(settings, SEED_B)}
    users, first = sealed_chain(transfers=2, max_tx=10)
    alice, bob = users
    settings.CHAIN_SIGNING_KEY, settings.CHAIN_RETIRED_PUBLIC_KEYS = SEED_A, [keys["D"]]
    pay(alice, bob)
    second = blocks_mine_pending()
    settings.CHAIN_SIGNING_KEY, settings.CHAIN_RETIRED_PUBLIC_KEYS = SEED_B, [keys["D"], keys["A"]]
    pay(bob, alice)
    third = blocks_mine_pending()
    assert [len(first), len(second), len(third)] == [1, 1, 1]
    return users, keys, {"D": first[0], "A": second[0], "B": third[0]}


def test_blocks_of_retired_keys_verify(rotated):
    _users, keys, blocks = rotated
    assert {b.key_id for b in Block.objects.all()} == {blocks["D"].key_id, blocks["A"].key_id, blocks["B"].key_id}
    report = chain_verify()
    assert report.ok, report.failure
    assert report.blocks == 4


def test_a_removed_key_fails_the_first_block_it_signed(rotated, settings):
    _users, keys, blocks = rotated
    settings.CHAIN_RETIRED_PUBLIC_KEYS = [keys["A"]]
    failure = chain_verify().failure
    assert failure.block_index == 0  # genesis was signed by D at migrate
    assert "neither the chain key nor a retired one" in failure.reason


def test_keys_are_used_only_forward(rotated, settings):
    _users, keys, blocks = rotated
    settings.CHAIN_RETIRED_PUBLIC_KEYS = [keys["A"], keys["D"]]  # says A came before D: it did not
    failure = chain_verify().failure
    assert failure.block_index == blocks["A"].index and "after a newer key" in failure.reason


def test_a_leaked_retired_key_cannot_extend_the_chain(rotated, settings):
    users, keys, blocks = rotated
    settings.CHAIN_SIGNING_KEY = SEED_A  # whoever holds the old seed mines a block with it
    pay(users[0], users[1])
    forged = blocks_mine_pending()[0]
    settings.CHAIN_SIGNING_KEY = SEED_B
    failure = chain_verify().failure
    assert failure.block_index == forged.index and "retired key" in failure.reason
    # A range that starts at the forged block takes the rank of its parent's key.
    _blocks, _txs, range_failure = _verify_range(forged.index, forged.index, 1000)
    assert range_failure is not None and range_failure.block_index == forged.index


def test_head_and_proofs_name_the_key_that_signed_their_block(rotated, auth_client):
    users, keys, blocks = rotated
    client = auth_client(users[0])
    head = client.get("/api/blockchain/head").json()
    assert head["public_key"] == keys["B"].hex() and head["key_id"] == blocks["B"].key_id
    assert [(k["public_key"], k["current"]) for k in head["keys"]] == [
        (keys["D"].hex(), False), (keys["A"].hex(), False), (keys["B"].hex(), True),
    ]
    for name in "DAB":
        txn_id = Seal.objects.filter(block=blocks[name]).order_by("position").values_list("transaction_id", flat=True)
        proof = client.get(f"/api/transactions/{txn_id.last()}/proof").json()
        assert proof["public_key"] == keys[name].hex(), name
        assert signature_valid(bytes.fromhex(proof["public_key"]), bytes.fromhex(proof["block"]["hash"]),
                               bytes.fromhex(proof["block"]["signature"]))


def test_chain_keys_command_lists_keys_in_order_of_use(rotated, settings):
    _users, keys, blocks = rotated
    settings.CHAIN_RETIRED_PUBLIC_KEYS = [keys["A"]]  # D removed: its blocks show as unknown
    out = StringIO()
    call_command("chain_keys", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:3] == ["retired", blocks["A"].key_id, keys["A"].hex()] and lines[0].endswith("blocks=1")
    assert lines[1].split()[:3] == ["current", blocks["B"].key_id, keys["B"].hex()] and lines[1].endswith("blocks=1")
    assert lines[2].split()[:2] == ["unknown", blocks["D"].key_id] and lines[2].endswith("blocks=2")


@pytest.mark.parametrize("value", ["zz", "ab" * 31, "ab" * 33])
def test_malformed_retired_keys_refuse_to_start(monkeypatch, value, capsys):
    from securebank.settings import env_public_keys

    monkeypatch.setenv("CHAIN_RETIRED_PUBLIC_KEYS", f"{'cd' * 32},{value}")
    with pytest.raises(SystemExit):
        env_public_keys("CHAIN_RETIRED_PUBLIC_KEYS")
    assert "64 hex digits" in capsys.readouterr().err

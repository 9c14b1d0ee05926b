"""Real concurrency on PostgreSQL: threads with their own connections and real row locks."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection

from accounts.tests.factories import make_user
from chain import services
from chain.models import Block, QRPayment, Seal
from chain.services import block_mine, blocks_mine_pending, genesis_ensure
from chain.tests.factories import pay
from chain.verification import chain_verify
from ledger.models import Transaction
from ledger.selectors import account_for_user
from securebank.tests.threads import client_for, run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def assert_linear_chain() -> None:
    blocks = list(Block.objects.order_by("index"))
    assert [b.index for b in blocks] == list(range(len(blocks)))
    for parent, child in zip(blocks, blocks[1:], strict=False):
        assert child.previous_hash == parent.hash
    sealed = list(Seal.objects.values_list("transaction_id", flat=True))
    assert len(sealed) == len(set(sealed))
    report = chain_verify()
    assert report.ok, report.failure
    assert report.pending == 0


def test_a_second_miner_waits_for_the_first_and_builds_on_its_block(monkeypatch):
    genesis_ensure()
    alice, bob = make_user(), make_user()
    for i in range(3):
        pay(alice, bob, f"{i + 1}.00")
    in_pow, release = threading.Event(), threading.Event()
    real_search = services.pow_search
    first_thread: list[int] = []

    def slow_first_search(prefix, difficulty, **kw):
        if threading.get_ident() == first_thread[0]:
            in_pow.set()
            assert release.wait(30)
        return real_search(prefix, difficulty, **kw)

    monkeypatch.setattr(services, "pow_search", slow_first_search)
    mined: dict[str, Block | None] = {}

    def first() -> None:
        first_thread.append(threading.get_ident())
        mined["first"] = block_mine(max_tx=2)
        connection.close()

    def second() -> None:
        assert in_pow.wait(30)
        mined["second"] = block_mine(max_tx=10)
        connection.close()

    a, b = threading.Thread(target=first), threading.Thread(target=second)
    a.start()
    assert in_pow.wait(30)
    b.start()
    b.join(timeout=1.0)
    assert b.is_alive(), "the second miner did not wait for the chain-head lock"
    release.set()
    a.join(30)
    b.join(30)
    first_block, second_block = mined["first"], mined["second"]
    assert first_block.index + 1 == second_block.index and second_block.previous_hash == first_block.hash
    assert first_block.tx_count == 2 and second_block.tx_count == 3  # 2 deposits + 3 payments, none twice
    assert_linear_chain()


def test_two_miners_racing_over_many_blocks_never_fork(settings):
    settings.BLOCKCHAIN_DIFFICULTY = 2
    genesis_ensure()
    users = [make_user() for _ in range(4)]
    for i in range(40):
        pay(users[i % 4], users[(i + 1) % 4], "1.00")
    start = threading.Barrier(2)
    counts: Counter = Counter()

    def miner(i: int) -> None:
        start.wait(10)
        counts[i] = len(blocks_mine_pending(max_tx=2))

    assert run_threads(2, miner) == []
    assert counts[0] + counts[1] == Block.objects.count() - 1 == 22  # (4 deposits + 40 payments) / 2
    assert Seal.objects.count() == Transaction.objects.filter(status="completed").count() == 44
    assert_linear_chain()


def test_ten_payers_racing_for_one_qr_code_make_exactly_one_payment():
    payee = make_user("payee")
    payers = [make_user(f"payer{i}") for i in range(10)]
    response = client_for(payee).post("/api/blockchain/generate-qr", {"amount": "300.00"}, format="json")
    code = response.json()
    clients = [client_for(p) for p in payers]
    before = {u.pk: account_for_user(user=u).balance for u in [payee, *payers]}
    start = threading.Barrier(10)
    answers: list[tuple[int, str | None]] = []

    def redeem(i: int) -> None:
        start.wait(10)
        r = clients[i].post("/api/blockchain/verify-qr", {"qr_data": code["qr_data"], "confirm": True},
                            format="json", HTTP_IDEMPOTENCY_KEY=f"race-{i}")
        answers.append((r.status_code, r.json().get("error", {}).get("code")))

    assert run_threads(10, redeem) == []
    assert sorted(answers) == [(201, None)] + [(409, "qr_already_used")] * 9
    payments = Transaction.objects.filter(kind="qr_payment")
    assert payments.count() == 1
    txn = payments.get()
    assert QRPayment.objects.get(pk=code["qr_id"]).transaction == txn
    assert account_for_user(user=payee).balance == before[payee.pk] + Decimal("300.00")
    spent = [before[p.pk] - account_for_user(user=p).balance for p in payers]
    assert sorted(spent) == [Decimal("0.00")] * 9 + [Decimal("300.00")]


def test_ten_retries_with_one_idempotency_key_pay_once():
    payee, payer = make_user("shop"), make_user("customer")
    code = client_for(payee).post("/api/blockchain/generate-qr", {"amount": "20.00"}, format="json").json()
    client = client_for(payer)
    start = threading.Barrier(10)
    answers: list[int] = []

    def retry(_i: int) -> None:
        start.wait(10)
        r = client.post("/api/blockchain/verify-qr", {"qr_data": code["qr_data"], "confirm": True},
                        format="json", HTTP_IDEMPOTENCY_KEY="same-key")
        answers.append(r.status_code)

    assert run_threads(10, retry) == []
    assert Transaction.objects.filter(kind="qr_payment").count() == 1
    assert answers.count(201) == 10  # one payment, nine replays of its answer
    assert account_for_user(user=payer).balance == Decimal("9980.00")


def test_parallel_verification_agrees_with_one_process(settings):
    from chain.verification import _split

    for weights, parts in [([(0, 0), (1, 5), (2, 5), (3, 5), (4, 5)], 3), ([(0, 0)], 8), ([(0, 0), (2, 9), (3, 1)], 2)]:
        ranges = _split(weights, weights[-1][0], parts=parts)
        assert ranges[0][0] == 0 and ranges[-1][1] == weights[-1][0] and len(ranges) <= parts + 1
        assert all(a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:], strict=False))  # contiguous, no gaps
    genesis_ensure()
    users = [make_user() for _ in range(3)]
    for i in range(30):
        pay(users[i % 3], users[(i + 1) % 3], f"{i + 1}.00")
    blocks_mine_pending(max_tx=4)
    one, many = chain_verify(), chain_verify(workers=2, min_range_transactions=1)
    assert one.ok and many.ok and (one.blocks, one.transactions) == (many.blocks, many.transactions) == (10, 33)

    target = Seal.objects.get(block__index=6, position=1).transaction_id
    Transaction.objects.filter(pk=target).update(amount=Decimal("0.01"))
    later = Seal.objects.get(block__index=9, position=0).transaction_id
    Transaction.objects.filter(pk=later).update(description="edited")
    one, many = chain_verify(), chain_verify(workers=2, min_range_transactions=1)
    assert not many.ok and many.failure == one.failure and many.failure.transaction_id == str(target)

    Transaction.objects.filter(pk=target).update(amount=Decimal(f"{Transaction.objects.get(pk=target).amount}"))
    Seal.objects.filter(block__index=4).delete()
    Block.objects.filter(index=4).delete()  # a missing block on (or inside) a range boundary
    many = chain_verify(workers=2, min_range_transactions=1)
    assert not many.ok and many.failure.block_index in {4, 5}


def test_a_chain_too_short_to_gain_from_workers_is_verified_without_forking(monkeypatch):
    from chain import verification

    genesis_ensure()
    users = [make_user() for _ in range(2)]
    pay(users[0], users[1], "3.00")
    blocks_mine_pending(max_tx=4)

    def no_fork(*_args, **_kwargs):
        raise AssertionError("forked for a short chain")

    monkeypatch.setattr(verification.multiprocessing, "get_context", no_fork)
    report = chain_verify(workers=8)
    assert report.ok and report.transactions == Seal.objects.count()


def test_a_worker_that_fails_stops_the_run_with_its_error(monkeypatch):
    from chain import verification

    genesis_ensure()
    users = [make_user() for _ in range(3)]
    for i in range(12):
        pay(users[i % 3], users[(i + 1) % 3], f"{i + 1}.00")
    blocks_mine_pending(max_tx=3)
    real_range = verification._verify_range

    def broken_after_the_first_range(first, last, batch, progress=None):
        if first > 0:  # only in a forked worker: the parent checks the first range itself
            raise ValueError("disk on fire")
        return real_range(first, last, batch, progress)

    monkeypatch.setattr(verification, "_verify_range", broken_after_the_first_range)
    with pytest.raises(ValueError, match="disk on fire"):
        chain_verify(workers=2, min_range_transactions=1)

"""One feature definition: a bank transfer and its PaySim-row equivalent give identical vectors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import numpy as np
import pytest

from fraud.datasets import paysim_load
from fraud.features import (
    BANK_TIME_ZONE,
    DEST_ARTIFACT_FEATURES,
    FEATURES,
    dest_artifact_features,
    features_from_paysim,
    features_from_transfer,
    local_hour,
    paysim_equivalent,
)
from fraud.generator import COLUMNS

HEADER = ",".join(COLUMNS)


def _vector(name: str, matrix: np.ndarray) -> float:
    return float(matrix[0, FEATURES.index(name)])


@pytest.mark.parametrize(
    ("amount", "available", "payee", "hour"),
    [
        ("2500.00", "10000.00", "3000.00", 20),  # ordinary evening payment
        ("10000.00", "10000.00", "0.00", 3),  # drains the account to an empty payee at 3 am
        ("0.01", "99999.99", "123456.78", 0),  # midnight: PaySim step 24
        ("98765.43", "1234567.89", "7.77", 13),  # balances float32 cannot hold exactly
    ],
)
def test_bank_transfer_and_its_paysim_row_give_identical_vectors(tmp_path, amount, available, payee, hour):
    at = datetime(2026, 3, 14, hour, 42, tzinfo=BANK_TIME_ZONE)
    live = features_from_transfer(
        kind="payment", amount=Decimal(amount), payer_available=Decimal(available), payee_balance=Decimal(payee), at=at
    )
    row = paysim_equivalent(kind="payment", amount=Decimal(amount), payer_available=Decimal(available),
                            payee_balance=Decimal(payee), at=at)
    new_orig = (Decimal(available) - Decimal(amount))
    new_dest = Decimal(payee) + Decimal(amount)
    # The same transaction written the way PaySim writes it, read back by the training loader.
    path = tmp_path / "one.csv"
    path.write_text(f"{HEADER}\n{row['step']},TRANSFER,{amount},C1,{available},{new_orig},C2,{payee},{new_dest},0,0\n")
    trained = features_from_paysim(paysim_load(path))
    assert live.dtype == trained.dtype == np.float32
    assert live.shape == trained.shape == (1, len(FEATURES))
    assert np.array_equal(live, trained)


def test_the_server_clock_is_not_a_model_feature():
    """The hour means something only against the customer's own habits (fraud.behaviour)."""
    assert "hour" not in FEATURES
    args = {"kind": "transfer", "amount": Decimal("5"), "payer_available": Decimal("10"), "payee_balance": Decimal("1")}
    night = features_from_transfer(**args, at=datetime.fromisoformat("2026-03-14T21:45:00+00:00"))  # 03:15 in Kolkata
    noon = features_from_transfer(**args, at=datetime(2026, 3, 14, 12, tzinfo=BANK_TIME_ZONE))
    assert np.array_equal(night, noon)
    assert local_hour(datetime.fromisoformat("2026-03-14T21:45:00+00:00")) == 3


def test_feature_meanings():
    at = datetime(2026, 1, 1, 12, tzinfo=BANK_TIME_ZONE)
    drain = features_from_transfer(kind="qr_payment", amount=Decimal("500"), payer_available=Decimal("500"),
                                   payee_balance=Decimal("0"), at=at)
    assert _vector("type_TRANSFER", drain) == 1.0 and sum(_vector(f"type_{t}", drain) for t in ("CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT")) == 0
    assert _vector("drains_account", drain) == 1.0
    assert _vector("newbalanceOrig", drain) == 0.0
    assert _vector("errorBalanceOrig", drain) == 0.0
    assert _vector("amount_to_balance", drain) == 1.0
    assert _vector("payee_empty", drain) == 1.0
    part = features_from_transfer(kind="transfer", amount=Decimal("100"), payer_available=Decimal("400"),
                                  payee_balance=Decimal("50"), at=at)
    assert _vector("drains_account", part) == 0.0 and _vector("amount_to_balance", part) == 0.25
    assert _vector("payee_empty", part) == 0.0 and _vector("oldbalanceDest", part) == 50.0


def test_paysim_features_on_known_rows(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(
        f"{HEADER}\n"
        "1,PAYMENT,9839.64,C1,170136.0,160296.36,M1,0.0,0.0,0,0\n"  # the real file's first row
        "25,TRANSFER,181.0,C2,181.0,0.0,C3,0.0,0.0,1,0\n"  # a takeover: drains to an empty mule
        "30,CASH_OUT,500.0,C4,0.0,0.0,C5,100.0,700.0,0,0\n"  # zero-balance origin (PaySim artifact)
    )
    x = features_from_paysim(paysim_load(path))
    col = {name: x[:, i] for i, name in enumerate(FEATURES)}
    assert list(col["type_PAYMENT"]) == [1, 0, 0] and list(col["type_TRANSFER"]) == [0, 1, 0]
    assert col["errorBalanceOrig"][0] == pytest.approx(0.0, abs=0.01)
    assert col["errorBalanceOrig"][2] == 500.0
    assert list(col["drains_account"]) == [0, 1, 0]
    assert col["amount_to_balance"][2] == -1.0  # no balance to compare with
    artifacts = dest_artifact_features(paysim_load(path))
    assert artifacts.shape == (3, len(DEST_ARTIFACT_FEATURES))
    assert artifacts[1, 1] == 181.0  # errorBalanceDest of the mule row
    assert "newbalanceDest" not in FEATURES and "errorBalanceDest" not in FEATURES

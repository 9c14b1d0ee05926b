"""The model's features: one definition for training (PaySim rows) and serving (bank transfers).

Both paths end in `feature_matrix`, which takes PaySim's own quantities. Serving first writes
the live transfer as the PaySim row it would be (`paysim_equivalent`), so there is one encoding,
not two that might drift apart (the original trained on one encoding and scored with another).

Only quantities that mean the same in a live bank as in PaySim are used:
- the transaction type, one-hot. SecureBank moves money between customers' accounts, which is
  PaySim's TRANSFER (PaySim's PAYMENT goes to a merchant, CASH_IN / CASH_OUT / DEBIT involve an
  agent or a bank): every customer kind maps to TRANSFER (`KIND_TO_PAYSIM_TYPE`);
- `amount`;
- the origin's balance before and after (`oldbalanceOrg`, `newbalanceOrig`): for the bank, the
  payer's *available* balance (balance minus held funds), the money the payer can actually move;
- `errorBalanceOrig` = new + amount - old (zero when the books add up);
- `drains_account`: the origin had money and is left with none;
- `amount_to_balance`: amount / old balance (-1 when the origin had nothing);
- `oldbalanceDest` and `payee_empty`: the payee's balance before (a fraudster's mule is empty);

Left out on purpose: the hour of day. PaySim's `step % 24` is the simulator's clock, where
legitimate traffic sleeps at night and fraud does not, so a model with it learns "night is
suspicious" for everyone; for a bank customer the hour only means something against that
customer's own habits, which `fraud.behaviour` measures from the ledger (and PaySim cannot
teach). Dropping it cost nothing measurable on the real sample (bench/results_fraud.md).

Left out of the served model: `newbalanceDest` and `errorBalanceDest`. PaySim writes a
destination's balance at the *end of the simulation* into `newbalanceDest`, so these encode the
future; no bank knows them when it scores a payment. `DEST_ARTIFACT_FEATURES` exist only so that
training can report how much they would have added.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from fraud.generator import TYPES

BANK_TIME_ZONE = ZoneInfo("Asia/Kolkata")
TYPE_FEATURES = tuple(f"type_{t}" for t in TYPES)
FEATURES = (
    *TYPE_FEATURES,
    "amount",
    "oldbalanceOrg",
    "newbalanceOrig",
    "errorBalanceOrig",
    "drains_account",
    "amount_to_balance",
    "oldbalanceDest",
    "payee_empty",
)
DEST_ARTIFACT_FEATURES = ("newbalanceDest", "errorBalanceDest")
KIND_TO_PAYSIM_TYPE = {
    "transfer": "TRANSFER",
    "payment": "TRANSFER",
    "qr_payment": "TRANSFER",
    "voice_payment": "TRANSFER",
    "request_payment": "TRANSFER",
}


def feature_matrix(
    *,
    type_code: Any,
    amount: Any,
    old_orig: Any,
    new_orig: Any,
    old_dest: Any,
) -> np.ndarray:
    """The (n, len(FEATURES)) float32 matrix. Balances are narrowed to float32 first (as the
    loader stores them), then everything is computed in float64, whichever path called."""
    codes = np.asarray(type_code, dtype=np.int64)
    amount = np.asarray(amount, dtype=np.float64)
    old = np.asarray(old_orig, dtype=np.float32).astype(np.float64)
    new = np.asarray(new_orig, dtype=np.float32).astype(np.float64)
    dest = np.asarray(old_dest, dtype=np.float32).astype(np.float64)
    n = amount.shape[0]
    if np.any((codes < 0) | (codes >= len(TYPES))):
        raise ValueError("unknown transaction type code")
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    out[np.arange(n), codes] = 1.0
    has_balance = old > 0
    col = len(TYPES)
    for values in (
        amount,
        old,
        new,
        new + amount - old,
        (has_balance & (new <= 0)).astype(np.float64),
        np.where(has_balance, amount / np.where(has_balance, old, 1.0), -1.0),
        dest,
        (dest == 0).astype(np.float64),
    ):
        out[:, col] = values
        col += 1
    return out


def features_from_paysim(df: pd.DataFrame) -> np.ndarray:
    """Training path: a loaded PaySim frame (see fraud.datasets.paysim_load)."""
    codes = df["type"].cat.codes.to_numpy() if isinstance(df["type"].dtype, pd.CategoricalDtype) else _codes(df["type"])
    return feature_matrix(
        type_code=codes,
        amount=df["amount"].to_numpy(),
        old_orig=df["oldbalanceOrg"].to_numpy(),
        new_orig=df["newbalanceOrig"].to_numpy(),
        old_dest=df["oldbalanceDest"].to_numpy(),
    )


def dest_artifact_features(df: pd.DataFrame) -> np.ndarray:
    """The two destination features PaySim's log makes possible and a live bank does not."""
    old = df["oldbalanceDest"].to_numpy().astype(np.float64)
    new = df["newbalanceDest"].to_numpy().astype(np.float64)
    return np.column_stack([new, old + df["amount"].to_numpy() - new]).astype(np.float32)


def _codes(types: Any) -> np.ndarray:
    index = {t: i for i, t in enumerate(TYPES)}
    try:
        return np.array([index[t] for t in types], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(f"unknown transaction type {exc.args[0]!r}") from exc


def local_hour(at: datetime) -> int:
    return at.astimezone(BANK_TIME_ZONE).hour


def paysim_equivalent(
    *, kind: str, amount: Decimal, payer_available: Decimal, payee_balance: Decimal, at: datetime
) -> dict[str, Any]:
    """The PaySim row a live transfer would be (step in PaySim's first day, same hour of day)."""
    hour = local_hour(at)
    return {
        "step": hour if hour else 24,
        "type": KIND_TO_PAYSIM_TYPE.get(kind, "TRANSFER"),
        "amount": float(amount),
        "oldbalanceOrg": float(payer_available),
        "newbalanceOrig": float(payer_available - amount),
        "oldbalanceDest": float(payee_balance),
        "newbalanceDest": float(payee_balance + amount),
    }


def features_from_transfer(
    *, kind: str, amount: Decimal, payer_available: Decimal, payee_balance: Decimal, at: datetime
) -> np.ndarray:
    """Serving path: a (1, len(FEATURES)) matrix for one prospective transfer."""
    row = paysim_equivalent(kind=kind, amount=amount, payer_available=payer_available, payee_balance=payee_balance, at=at)
    return feature_matrix(
        type_code=_codes([row["type"]]),
        amount=[row["amount"]],
        old_orig=[row["oldbalanceOrg"]],
        new_orig=[row["newbalanceOrig"]],
        old_dest=[row["oldbalanceDest"]],
    )

"""The policy's decisions on a labelled PaySim-format frame: what a model's metrics do not show.

For each row: the model's probability, the row's behaviour as PaySim can tell it
(`fraud.behaviour.behaviour_from_paysim`), the policy's decision. Reported: the share of frauds
held or declined, the legitimate rows held / declined (as counted, and population-weighted: each
type's rate weighted by its share of legitimate rows in the full PaySim file, because a sample
need not hold the types in those proportions), and the AUPRC of the policy's risk ranking beside
the model's. Also: how many frauds the policy lets through whose origin PaySim logs with a balance
below the amount (a bank refuses those as insufficient funds before any scoring).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fraud.behaviour import behaviour_from_paysim
from fraud.generator import TYPE_SHARES, TYPES
from fraud.metrics import average_precision
from fraud.policy import decide, policy_settings


def policy_decisions(df: pd.DataFrame, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    decisions, risks = [], []
    for p, behaviour in zip(scores, behaviour_from_paysim(df), strict=True):
        verdict = decide(float(p), behaviour)
        decisions.append(verdict.decision)
        risks.append(verdict.risk)
    return np.array(decisions), np.array(risks)


def _rates(decisions: np.ndarray, types: np.ndarray, legit: np.ndarray, what: str) -> dict[str, Any]:
    flagged = decisions == what
    by_type = {}
    weighted = 0.0
    for t, share in zip(TYPES, TYPE_SHARES, strict=True):
        rows = legit & (types == t)
        rate = float(flagged[rows].mean()) if rows.any() else 0.0
        by_type[t] = {"rows": int(rows.sum()), "count": int(flagged[rows].sum()), "rate": round(rate, 6)}
        weighted += share * rate
    return {"count": int(flagged[legit].sum()), "rate": round(float(flagged[legit].mean()), 6),
            "population_weighted_rate": round(weighted, 7), "by_type": by_type}


def policy_report(df: pd.DataFrame, scores: np.ndarray) -> dict[str, Any]:
    decisions, risks = policy_decisions(df, scores)
    y = df["isFraud"].to_numpy().astype(bool)
    types = df["type"].astype(str).to_numpy()
    stopped = np.isin(decisions, ("hold", "decline"))
    missed = ~stopped & y
    return {
        "policy": policy_settings(),
        "model_auprc": round(average_precision(y, scores), 6) if y.any() else None,
        "policy_risk_auprc": round(average_precision(y, risks), 6) if y.any() else None,
        "frauds": int(y.sum()),
        "frauds_held_or_declined": round(float(stopped[y].mean()), 6) if y.any() else None,
        "frauds_declined": int((decisions[y] == "decline").sum()),
        "frauds_missed": int(missed.sum()),
        "frauds_missed_balance_below_amount": int((missed & (df["amount"].to_numpy() > df["oldbalanceOrg"].to_numpy())).sum()),
        "frauds_missed_by_type": {t: int((missed & (types == t)).sum()) for t in TYPES if (missed & (types == t)).any()},
        "legit_held": _rates(decisions, types, ~y, "hold"),
        "legit_declined": _rates(decisions, types, ~y, "decline"),
    }

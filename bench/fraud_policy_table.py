#!/usr/bin/env python
"""The issue-15 table again, with the decision policy: a customer with 10,000.00 available sends
10% / 50% / 99% / 100% of it to a payee paid before (three times) or to a new payee, at 14:00
and at 03:00, as a customer of a year (25 earlier payments of 600-3,000, in the afternoon) and
as an account opened yesterday. Pure path (fraud.scenarios runner: the same behaviour
computation and policy as serving), with a saved model.

    DEBUG=1 .venv/bin/python bench/fraud_policy_table.py [--model data/models/<version>]
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import django_setup  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path)
    args = parser.parse_args()
    django_setup(None, scratch_prefix="sb-fraud-table-")
    import xgboost as xgb

    from bench.fraud_score import newest_model
    from fraud.scenarios.catalogue import Past, Scenario, _spread, days
    from fraud.scenarios.runner import booster_score, scenarios_run

    model_dir = args.model or newest_model()
    booster = xgb.Booster()
    booster.load_model(str(model_dir / "model.ubj"))
    booster.set_param({"nthread": 1})
    def history(hour: int) -> tuple:  # always at 14:30, whatever the payment's hour
        return _spread(25, start_days=1, every_days=3, amounts=["600.00", "1200.00", "3000.00", "900.00"],
                       payees=["grocer", "pharmacy", "cafe", "friend"], hour_shift=(hour - 14) % 24)
    print(f"model {model_dir.name}")
    print("| customer | hour | share | to a payee paid 3 times before | to a new payee |")
    print("|---|---|---|---|---|")
    for who, age in (("a year, 25 payments", days(365)), ("opened yesterday", days(1))):
        for hour in (14, 3):
            for share in ("0.10", "0.50", "0.99", "1.00"):
                amount = (Decimal("10000.00") * Decimal(share)).quantize(Decimal("0.01"))
                cells = []
                for payee in ("regular", "stranger"):
                    paid_before = tuple(Past(days(10 + 7 * i), Decimal("2000.00"), "regular") for i in range(3))
                    outgoing = (history(hour) + paid_before) if age > days(30) else ()
                    if age <= days(30) and payee == "regular":
                        outgoing = tuple(Past(days(0.1 * (i + 1)), Decimal("50.00"), "regular") for i in range(3))
                    base = Scenario(name="t", kind="normal", story="", account_age=age, available=Decimal("10000.00"),
                                    amount=amount, payee=payee, hour=hour, outgoing=outgoing,
                                    payee_balance=Decimal("5000.00"))
                    r = scenarios_run(booster_score(booster), (base,))[0]
                    cells.append(f"{r.model_probability:.4f} -> **{r.decision}** ({', '.join(r.signals) or '-'})")
                print(f"| {who} | {hour:02d}:30 | {int(Decimal(share) * 100)}% | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()

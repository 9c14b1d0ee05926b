"""The generator writes PaySim's format and reproduces the simulator's published behaviour."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from fraud.generator import COLUMNS, FRAUD_ROW_SHARE, TRANSFER_LIMIT, paysim_generate


@pytest.fixture(scope="module")
def frame(tmp_path_factory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("gen") / "g.csv"
    summary = paysim_generate(rows=300_000, seed=3, out=path)
    assert summary.rows == 300_000
    df = pd.read_csv(path)
    df.attrs["summary"] = summary
    return df


def test_columns_row_count_and_header_exactly_like_paysim(frame, tmp_path):
    assert tuple(frame.columns) == COLUMNS
    assert len(frame) == 300_000
    path = tmp_path / "small.csv"
    paysim_generate(rows=1_000, seed=1, out=path)
    assert path.read_text().splitlines()[0] == ",".join(COLUMNS)  # unquoted, as in the real file


def test_same_seed_same_file_other_seed_other_file(tmp_path):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    paysim_generate(rows=5_000, seed=11, out=a)
    paysim_generate(rows=5_000, seed=11, out=b)
    paysim_generate(rows=5_000, seed=12, out=c)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_type_mix_and_medians_follow_paysim(frame):
    mix = frame["type"].value_counts(normalize=True)
    for kind, share in {"CASH_OUT": 0.35, "PAYMENT": 0.34, "CASH_IN": 0.22, "TRANSFER": 0.084, "DEBIT": 0.0065}.items():
        assert mix[kind] == pytest.approx(share, rel=0.08), kind
    medians = frame.groupby("type")["amount"].median()
    for kind, median in {"PAYMENT": 9_000, "TRANSFER": 490_000, "DEBIT": 2_700, "CASH_IN": 145_000, "CASH_OUT": 145_000}.items():
        assert medians[kind] == pytest.approx(median, rel=0.1), kind
    assert frame["amount"].max() > 20 * frame["amount"].median()  # heavy tail
    assert (frame["amount"] == frame["amount"].round(2)).all()


def test_day_night_cycle_for_legitimate_rows_fraud_uniform(frame):
    legit, fraud = frame[frame.isFraud == 0], frame[frame.isFraud == 1]
    assert frame["step"].between(1, 743).all()
    hours = legit["step"] % 24
    night = hours.between(2, 6).mean()
    assert night < 0.01  # hours 2-6 nearly empty
    assert hours.between(9, 20).mean() > 0.8
    fraud_night = (fraud["step"] % 24).between(2, 6).mean()
    assert fraud_night == pytest.approx(5 / 24, abs=0.07)


def test_fraud_share_types_and_takeover_pattern(frame):
    fraud = frame[frame.isFraud == 1]
    assert len(fraud) / len(frame) == pytest.approx(FRAUD_ROW_SHARE, rel=0.1)
    assert set(fraud["type"]) == {"TRANSFER", "CASH_OUT"}
    transfers, cash_outs = fraud[fraud.type == "TRANSFER"], fraud[fraud.type == "CASH_OUT"]
    assert len(transfers) == len(cash_outs)
    assert (fraud["amount"] <= TRANSFER_LIMIT).all()
    # each chunk goes to a fresh mule (0 / 0) which cashes out the same amount in the same step
    paired = transfers.merge(
        cash_outs[["nameOrig", "step", "amount"]], left_on="nameDest", right_on="nameOrig", suffixes=("", "_out")
    )
    assert len(paired) == len(transfers)
    moved = paired[paired.isFlaggedFraud == 0]
    assert (moved["amount"] == moved["amount_out"]).all()
    assert (paired["step"] == paired["step_out"]).all()
    assert ((transfers.oldbalanceDest == 0) & (transfers.newbalanceDest == 0)).all()
    # the victim's balance drops by the chunk (bar PaySim's 0 / 0 logging artifact)
    logged = moved[moved.oldbalanceOrg > 0]
    assert np.allclose(logged.oldbalanceOrg - logged.amount, logged.newbalanceOrig, atol=0.011)
    drains = np.isclose(fraud.amount, fraud.oldbalanceOrg).mean()
    assert drains > 0.9


def test_legitimate_outflows_often_start_from_zero_balance(frame):
    legit = frame[(frame.isFraud == 0) & frame.type.isin(["TRANSFER", "CASH_OUT"])]
    assert (legit.oldbalanceOrg == 0).mean() == pytest.approx(0.5, abs=0.06)
    # PaySim floors an overdrawn balance at zero
    assert (legit.newbalanceOrig >= 0).all()


def test_merchants_only_as_payment_payees_with_untracked_balances(frame):
    merchant = frame["nameDest"].str.startswith("M")
    assert (frame.loc[merchant, "type"] == "PAYMENT").all()
    assert (frame.loc[frame.type == "PAYMENT", "nameDest"].str.startswith("M")).all()
    assert (frame.loc[merchant, ["oldbalanceDest", "newbalanceDest"]] == 0).all().all()
    assert frame["nameOrig"].str.startswith("C").all()
    assert frame["nameOrig"].is_unique


def test_flagged_transfer_moves_no_money(tmp_path):
    # victims above 30M are rare: a higher fraud share makes some appear in a small file
    path = tmp_path / "f.csv"
    summary = paysim_generate(rows=60_000, seed=5, out=path, fraud_share=0.3)
    df = pd.read_csv(path)
    flagged = df[df.isFlaggedFraud == 1]
    assert summary.flagged == len(flagged) > 0
    assert (flagged.type == "TRANSFER").all() and (flagged.isFraud == 1).all()
    assert (flagged.oldbalanceOrg == flagged.newbalanceOrig).all()
    assert (flagged.oldbalanceDest == 0).all() and (flagged.newbalanceDest == 0).all()
    # its mule cashes out nothing
    zero_cash_outs = df[(df.isFraud == 1) & (df.type == "CASH_OUT") & (df.amount == 0)]
    assert len(zero_cash_outs) == len(flagged)


def test_memory_is_flat_in_rows(tmp_path):
    def peak(rows: int) -> int:
        tracemalloc.start()
        paysim_generate(rows=rows, seed=1, out=tmp_path / f"{rows}.csv")
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(300_000), peak(1_200_000)
    assert large < small * 1.5, (small, large)


def test_rejects_nonsense(tmp_path):
    with pytest.raises(ValueError):
        paysim_generate(rows=10, seed=1, out=tmp_path / "x.csv")
    with pytest.raises(ValueError):
        paysim_generate(rows=1_000, seed=1, out=tmp_path / "x.csv", fraud_share=0.9)
    assert not (tmp_path / "x.csv").exists()

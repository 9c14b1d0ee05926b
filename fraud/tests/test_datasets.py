"""The loader takes the real format (and its 0.0/1.0 labels), types columns tightly, and splits by time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.conf import settings

from fraud.datasets import DatasetError, paysim_load, time_split
from fraud.generator import TYPES

REAL_SAMPLE = Path(settings.BASE_DIR).parent / "shared" / "paysim" / "paysim_real_sample_steps_1-119.csv"
needs_real_sample = pytest.mark.skipif(
    not REAL_SAMPLE.is_file(), reason=f"the real PaySim sample is not at {REAL_SAMPLE} (../shared/paysim/)"
)


@needs_real_sample
def test_loads_the_real_sample_with_float_labels():
    with open(REAL_SAMPLE) as fh:
        fh.readline()
        assert fh.readline().strip().endswith(",0.0,0.0")  # labels written as floats
    df = paysim_load(REAL_SAMPLE)
    assert len(df) == 51_392
    assert int(df["isFraud"].sum()) == 1_392
    assert df["isFraud"].dtype == np.int8 and df["isFlaggedFraud"].dtype == np.int8
    assert isinstance(df["type"].dtype, pd.CategoricalDtype) and list(df["type"].cat.categories) == list(TYPES)
    assert df["oldbalanceOrg"].dtype == np.float32 and df["amount"].dtype == np.float64
    assert df["step"].dtype == np.int16
    assert "nameOrig" not in df.columns
    raw = pd.read_csv(REAL_SAMPLE)
    assert np.allclose(df["amount"], raw["amount"]) and np.allclose(df["oldbalanceOrg"], raw["oldbalanceOrg"], rtol=1e-6)


def test_loads_generated_integer_labels_and_names_on_request(generated_csv):
    df = paysim_load(generated_csv, with_names=True)
    assert len(df) == 40_000
    assert set(np.unique(df["isFraud"])) == {0, 1}
    assert df["nameOrig"].str.startswith("C").all()


def test_rows_limit_reads_only_the_head(generated_csv):
    head = paysim_load(generated_csv, rows=1_234)
    assert len(head) == 1_234
    full = paysim_load(generated_csv)
    assert np.array_equal(head["amount"].to_numpy(), full["amount"].to_numpy()[:1_234])


def test_rejects_what_is_not_paysim(tmp_path):
    bad_header = tmp_path / "a.csv"
    bad_header.write_text("step,type,amount\n1,PAYMENT,10.0\n")
    with pytest.raises(DatasetError, match="missing columns"):
        paysim_load(bad_header)
    header = "step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud\n"
    bad_label = tmp_path / "b.csv"
    bad_label.write_text(header + "1,PAYMENT,10.0,C1,20.0,10.0,M1,0,0,2,0\n")
    with pytest.raises(DatasetError, match="0/1"):
        paysim_load(bad_label)
    bad_type = tmp_path / "c.csv"
    bad_type.write_text(header + "1,BRIBE,10.0,C1,20.0,10.0,M1,0,0,0,0\n")
    with pytest.raises(DatasetError, match="unknown transaction types"):
        paysim_load(bad_type)
    bad_number = tmp_path / "d.csv"
    bad_number.write_text(header + "1,PAYMENT,ten,C1,20.0,10.0,M1,0,0,0,0\n")
    with pytest.raises(DatasetError, match="cannot parse"):
        paysim_load(bad_number)
    with pytest.raises(DatasetError, match="no such file"):
        paysim_load(tmp_path / "missing.csv")


def test_time_split_is_by_step_and_ordered():
    steps = np.repeat(np.arange(1, 101), 10)
    split = time_split(steps)
    assert split.train.sum() + split.valid.sum() + split.test.sum() == len(steps)
    assert not (split.train & split.test).any() and not (split.valid & split.test).any()
    assert steps[split.train].max() < steps[split.valid].min() <= steps[split.valid].max() < steps[split.test].min()
    assert split.test.mean() == pytest.approx(0.2, abs=0.02)
    assert split.valid.mean() == pytest.approx(0.1, abs=0.02)
    with pytest.raises(DatasetError):
        time_split(np.ones(50, dtype=int))

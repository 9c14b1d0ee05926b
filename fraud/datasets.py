"""Loading PaySim-format CSVs (the real file, its sample, or `generate_paysim` output) fast.

pyarrow parses the CSV on all cores straight into typed columns: `step` int16, `type`
categorical with PaySim's five categories in a fixed order, `amount` float64 (amounts keep their
cents), balances float32 (half the memory; seven significant digits are plenty for features;
narrowed from float64 the way serving narrows a Decimal),
labels int8. Labels are accepted as `0/1` or `0.0/1.0` (the real sample writes the latter). The
account names are skipped unless asked for: nothing learns from them and, as Python strings,
they would cost more memory than every other column together.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from fraud.generator import COLUMNS, TYPES

REAL_PAYSIM_FILENAME = "PS_20174392719_1491204439457_log.csv"
BALANCE_COLUMNS = ("oldbalanceOrg", "newbalanceOrig", "oldbalanceDest", "newbalanceDest")
LABEL_COLUMNS = ("isFraud", "isFlaggedFraud")
NAME_COLUMNS = ("nameOrig", "nameDest")


class DatasetError(ValueError):
    """The file is not a PaySim-format CSV (missing columns, unknown types, labels not 0/1)."""


def _column_types(with_names: bool) -> dict[str, pa.DataType]:
    types: dict[str, pa.DataType] = {"step": pa.int32(), "type": pa.dictionary(pa.int32(), pa.string()), "amount": pa.float64()}
    # Parsed as float64 and narrowed with numpy, exactly as serving narrows a Decimal balance
    # (str -> double -> float32), so that training and serving see bit-identical values.
    types.update({c: pa.float64() for c in BALANCE_COLUMNS})
    types.update({c: pa.float32() for c in LABEL_COLUMNS})  # "0", "1", "0.0" and "1.0" all parse
    if with_names:
        types.update({c: pa.string() for c in NAME_COLUMNS})
    return types


def paysim_load(path: str | Path, *, rows: int | None = None, with_names: bool = False) -> pd.DataFrame:
    """Read a PaySim-format CSV into a typed DataFrame (first `rows` rows when given)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    with open(path, "rb") as fh:
        header = fh.readline().decode("utf-8", "replace").strip().replace('"', "").split(",")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DatasetError(f"{path.name}: not a PaySim file (missing columns: {', '.join(missing)})")
    wanted = [c for c in COLUMNS if with_names or c not in NAME_COLUMNS]
    convert = pa_csv.ConvertOptions(column_types=_column_types(with_names), include_columns=wanted)
    read = pa_csv.ReadOptions(block_size=16 << 20, use_threads=True)
    try:
        if rows is None:
            table = pa_csv.read_csv(path, read_options=read, convert_options=convert)
        else:
            table = _read_head(path, rows, read, convert)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise DatasetError(f"{path.name}: cannot parse as PaySim ({str(exc).splitlines()[0][:200]})") from exc
    return _to_frame(table, path.name)


def _read_head(path: Path, rows: int, read: pa_csv.ReadOptions, convert: pa_csv.ConvertOptions) -> pa.Table:
    batches, taken = [], 0
    with pa_csv.open_csv(path, read_options=read, convert_options=convert) as reader:
        for batch in reader:
            batches.append(batch.slice(0, rows - taken))
            taken += batches[-1].num_rows
            if taken >= rows:
                break
    if not batches:
        return pa.Table.from_batches([], schema=reader.schema)
    return pa.Table.from_batches(batches).unify_dictionaries()


def _to_frame(table: pa.Table, name: str) -> pd.DataFrame:
    table = table.unify_dictionaries().combine_chunks()
    df = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    unknown = set(df["type"].cat.categories) - set(TYPES)
    if unknown:
        raise DatasetError(f"{name}: unknown transaction types {sorted(unknown)}")
    df["type"] = df["type"].cat.set_categories(list(TYPES))
    if df["step"].min() < 0 or df["step"].max() > np.iinfo(np.int16).max:
        raise DatasetError(f"{name}: step out of range")
    df["step"] = df["step"].astype(np.int16)
    for col in BALANCE_COLUMNS:
        df[col] = df[col].to_numpy().astype(np.float32)
    for col in LABEL_COLUMNS:
        values = df[col].to_numpy()
        if not np.isin(values, (0.0, 1.0)).all():
            raise DatasetError(f"{name}: {col} must be 0/1 (or 0.0/1.0)")
        df[col] = values.astype(np.int8)
    return df


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(8 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class TimeSplit:
    """Row masks: train on the earliest steps, validate on the next ones, test on the latest."""

    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    valid_from_step: int
    test_from_step: int


def time_split(steps: np.ndarray, *, test_fraction: float = 0.2, valid_fraction: float = 0.1) -> TimeSplit:
    """Split by step so that no step spans two sets; the test set is the latest ~test_fraction
    of rows, the validation set the ~valid_fraction before it."""
    steps = np.asarray(steps)
    counts = np.bincount(steps)
    tail = np.cumsum(counts[::-1])[::-1]  # rows at or after each step
    n = len(steps)

    def first_step_with_tail_at_most(fraction: float) -> int:
        ok = np.flatnonzero(tail <= fraction * n)
        return int(ok[0]) if len(ok) else int(steps.max()) + 1

    test_from = first_step_with_tail_at_most(test_fraction)
    if test_from > steps.max():  # one step holds more than test_fraction: take the last step
        test_from = int(steps.max())
    valid_from = first_step_with_tail_at_most(test_fraction + valid_fraction)
    valid_from = min(valid_from, test_from - 1)
    test = steps >= test_from
    valid = (steps >= valid_from) & ~test
    train = steps < valid_from
    if not train.any() or not valid.any() or not test.any():
        raise DatasetError("too few distinct steps to split by time")
    return TimeSplit(train=train, valid=valid, test=test, valid_from_step=valid_from, test_from_step=test_from)

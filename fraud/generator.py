"""A PaySim-faithful synthetic transaction log, written as a CSV with PaySim's 11 columns.

The real PaySim file (Lopez-Rojas, Elmir and Axelsson, "PaySim: a financial mobile money
simulator for fraud detection", EMSS 2016; the Kaggle "Synthetic Financial Datasets For Fraud
Detection" log of 6,362,620 rows) cannot be downloaded here, so this module reproduces the
simulator's published behaviour, row for row in the same format. Every choice and its source:

Time. `step` is an hour of a 30-day month, 1..743 (PaySim's 744 steps, the first one empty in
the public file). Legitimate traffic follows a day/night cycle, `HOURLY_WEIGHTS` indexed by
`step % 24`: hours 2-6 nearly empty, a ramp at 7-8, a plateau 9-20 peaking at 19, an evening
decline (the hourly histogram of the public file; our figures are read off the legitimate rows of
the real sample in ../shared/paysim, a random draw from steps 1-119). Fraud ignores the clock: a
fraud event picks its step uniformly from 1..743 (the published step histogram of `isFraud`).

Type mix of legitimate rows (`TYPE_SHARES`): the public file's counts, CASH_OUT 2,237,500
(35.2%), PAYMENT 2,151,495 (33.8%), CASH_IN 1,399,284 (22.0%), TRANSFER 532,909 (8.4%), DEBIT
41,432 (0.65%).

Amounts (`AMOUNTS`): a gamma body per type with the published medians (PAYMENT ~9k, TRANSFER
~490k, DEBIT ~2.7k, CASH_IN / CASH_OUT ~145k) and shapes that match their published spread
(TRANSFER and DEBIT are near-exponential, CASH_IN / CASH_OUT more concentrated), plus a heavy
tail: 1% of rows are multiplied by exp(|N(0, 1.5)|), which produces the file's rare rows of tens of
millions. Amounts have two decimals.

Origin balances of legitimate rows (`ORIGIN_STATES`). PaySim lets a client spend beyond its
balance and logs the balance floored at zero, so a legitimate outflow starts from one of three
states: a zero balance (0 -> 0; "about half of legitimate TRANSFER / CASH_OUT rows", 47% of
legitimate TRANSFER + CASH_OUT rows in the public file by the widely cited Kaggle analysis of
Arjun Joshua, "Predicting Fraud in Financial Payment Services"), a balance below the amount
(b -> 0, with b a Beta-distributed share of the amount) or a balance that covers it (b -> b -
amount, b = amount times a log-normal surplus). The per-type shares of these three states were
read from the legitimate rows of the real sample; they are the only numbers calibrated on it, and
no fraud row was used to tune anything. CASH_IN adds to a (log-normal, occasionally zero) balance.

Destinations. PAYMENT goes to a merchant (`M...`) whose balances PaySim does not track: 0 / 0.
Merchants appear nowhere else. TRANSFER / CASH_OUT / CASH_IN / DEBIT go to `C...` accounts whose
balance is zero ~11% of the time and log-normal otherwise. PaySim writes a destination's balance
*at the end of the simulation* into `newbalanceDest` (an artifact of its log writer): we write the
balance after this row plus, for a quarter of rows, later activity (a random drift).

Fraud (`paysim.actors.Fraudster` in the PaySim source). A fraudster takes over a client and moves
its whole balance to fresh mule accounts in chunks of at most `TRANSFER_LIMIT` (10,000,000): one
TRANSFER per chunk (victim -> new mule, the victim's balance drops by the chunk), and in the same
step each mule CASH_OUTs exactly what it received to a merchant agent (a `C...` account). Mules
are empty before and after, so the TRANSFER's destination logs 0 / 0. Victims' balances are
log-normal with the published fraud amounts' median (~441k) and mean (~1.47M): sigma =
sqrt(2 ln(mean / median)) = 1.55. Fraud is only TRANSFER and CASH_OUT, ~0.13% of rows (8,213 of
6,362,620). As in the public file, 0.3% of fraud rows log the origin's balances as 0 / 0.

`isFlaggedFraud` (`Client.isDetectedAsFraud` in the PaySim source): after an account's first
three transfers, a transfer that would leave it more than 2.5 x TRANSFER_LIMIT below its peak
balance is flagged and moves no money (origin and destination balances unchanged); the takeover
stops there, and the mule logs a CASH_OUT of 0.00 (the public file's 16 zero-amount frauds). Only
victims with more than 30M are affected: ~0.3% of takeovers, so flagged rows are about as rare as
in the public file (16 rows).

Names are unique per row (`C` / `M` + up to 10 digits, a bijection of a row counter), so
behaviour across rows (velocity) cannot be learned from PaySim, as in the real file.

Memory is flat in the number of rows: rows are generated a block of steps at a time and written
as they are made; only the fraud events (a few bytes each, 0.07% of rows) are planned up front.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

COLUMNS = (
    "step", "type", "amount", "nameOrig", "oldbalanceOrg", "newbalanceOrig",
    "nameDest", "oldbalanceDest", "newbalanceDest", "isFraud", "isFlaggedFraud",
)
TYPES = ("CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER")
CASH_IN, CASH_OUT, DEBIT, PAYMENT, TRANSFER = range(5)
STEPS = 743
FULL_ROWS = 6_362_620
FRAUD_ROW_SHARE = 8_213 / 6_362_620
TRANSFER_LIMIT = 10_000_000.0
FLAG_AFTER_TRANSFERS = 3
FLAG_DROP_FACTOR = 2.5
ZERO_LOGGED_FRAUD_SHARE = 0.003

TYPE_SHARES = np.array([1_399_284, 2_237_500, 41_432, 2_151_495, 532_909], dtype=np.float64)
TYPE_SHARES /= TYPE_SHARES.sum()

HOURLY_WEIGHTS = np.array([
    0.161, 0.061, 0.016, 0.003, 0.006, 0.004, 0.015, 0.072, 0.218, 0.640, 0.699, 0.709,
    0.787, 0.741, 0.748, 0.680, 0.795, 0.832, 0.952, 1.000, 0.825, 0.432, 0.370, 0.287,
])


@dataclass(frozen=True)
class AmountProfile:
    median: float
    shape: float  # gamma shape: 1 is exponential, larger is more concentrated around the median


AMOUNTS = {
    CASH_IN: AmountProfile(145_000.0, 1.6),
    CASH_OUT: AmountProfile(145_000.0, 1.6),
    DEBIT: AmountProfile(2_700.0, 1.0),
    PAYMENT: AmountProfile(9_000.0, 1.3),
    TRANSFER: AmountProfile(490_000.0, 1.0),
}
TAIL_SHARE, TAIL_SIGMA = 0.01, 1.5


@dataclass(frozen=True)
class OriginStates:
    zero: float  # share starting from a zero balance
    under: float  # share whose balance is below the amount (logged as dropping to zero)
    under_beta: tuple[float, float]  # balance / amount for the "under" rows
    cover_surplus: float  # median of (balance - amount) / amount for the covered rows


ORIGIN_STATES = {
    CASH_OUT: OriginStates(0.47, 0.41, (0.5, 2.5), 1.5),
    DEBIT: OriginStates(0.20, 0.13, (0.8, 2.0), 13.0),
    PAYMENT: OriginStates(0.33, 0.13, (0.7, 1.5), 9.0),
    TRANSFER: OriginStates(0.53, 0.42, (0.35, 3.0), 1.06),
}
CASH_IN_ORIGIN = (0.015, 1_400_000.0, 2.5)  # zero share, log-normal median, sigma
DEST_BALANCES = {  # zero share, log-normal median, sigma
    CASH_IN: (0.106, 640_000.0, 1.6),
    CASH_OUT: (0.127, 640_000.0, 1.7),
    DEBIT: (0.0, 440_000.0, 1.8),
    TRANSFER: (0.108, 1_170_000.0, 1.7),
}
DEST_DRIFT_SHARE = 0.25
VICTIM_BALANCE = (441_000.0, 1.55)  # median, sigma

# Names: a bijection of the row counter modulo a prime, so no two rows share a name.
_NAME_PRIME = 2_147_483_647
_NAME_MULT = 1_103_515_245
_BLOCK_ROWS = 250_000

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class GenerationSummary:
    path: Path
    rows: int
    frauds: int
    flagged: int
    seed: int


@dataclass
class _FraudPlan:
    """Fraud rows planned up front (a few thousand per million rows), emitted with their step."""

    step: np.ndarray
    type: np.ndarray
    amount: np.ndarray
    old_orig: np.ndarray
    new_orig: np.ndarray
    dest_kind: np.ndarray  # 0 = mule (0 / 0), 1 = merchant agent, 2 = unchanged (flagged)
    flagged: np.ndarray
    mule_link: np.ndarray  # index of the event's mule: TRANSFER dest == CASH_OUT orig


def paysim_generate(
    *, rows: int, seed: int, out: Path, fraud_share: float = FRAUD_ROW_SHARE, progress: ProgressFn | None = None
) -> GenerationSummary:
    """Write `rows` PaySim-format rows to `out` (atomically: a temp file renamed at the end)."""
    if rows < 100:
        raise ValueError("rows must be at least 100")
    if not 0 <= fraud_share < 0.5:
        raise ValueError("fraud_share must be in [0, 0.5)")
    rng = np.random.default_rng(seed)
    plan = _plan_fraud(rng, target_rows=round(rows * fraud_share))
    legit_total = rows - len(plan.step)
    if legit_total <= 0:
        raise ValueError("too few rows for the requested fraud share")
    weights = HOURLY_WEIGHTS[np.arange(1, STEPS + 1) % 24]
    per_step = rng.multinomial(legit_total, weights / weights.sum())

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    names = _Names(seed)
    written = frauds = flagged = 0
    try:
        with open(tmp, "wb") as sink:
            sink.write((",".join(COLUMNS) + "\n").encode())
            options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
            first = 1
            while first <= STEPS:
                last, block = first, int(per_step[first - 1])
                while last < STEPS and block < _BLOCK_ROWS:
                    last += 1
                    block += int(per_step[last - 1])
                table, n_fraud, n_flagged = _block(rng, names, plan, per_step, first, last)
                pa_csv.write_csv(table, sink, options)
                written += table.num_rows
                frauds += n_fraud
                flagged += n_flagged
                if progress:
                    progress(written, rows)
                first = last + 1
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return GenerationSummary(path=out, rows=written, frauds=frauds, flagged=flagged, seed=seed)


def _plan_fraud(rng: np.random.Generator, *, target_rows: int) -> _FraudPlan:
    cols: dict[str, list] = {k: [] for k in ("step", "type", "amount", "old", "new", "dest", "flag", "mule")}
    mule = 0
    while len(cols["step"]) < target_rows:
        step = int(rng.integers(1, STEPS + 1))
        balance = max(round(float(rng.lognormal(np.log(VICTIM_BALANCE[0]), VICTIM_BALANCE[1])), 2), 100.0)
        peak, transfers = balance, 0
        while balance > 0:
            chunk = min(balance, TRANSFER_LIMIT)
            is_flagged = transfers >= FLAG_AFTER_TRANSFERS and (peak - balance) + chunk > FLAG_DROP_FACTOR * TRANSFER_LIMIT
            after = balance if is_flagged else round(balance - chunk, 2)
            received = 0.0 if is_flagged else chunk
            # victim -> mule, then mule -> merchant agent in the same step
            for key, value in (("type", TRANSFER), ("amount", chunk), ("old", balance), ("new", after),
                               ("dest", 2 if is_flagged else 0), ("flag", is_flagged)):
                cols[key].append(value)
            for key, value in (("type", CASH_OUT), ("amount", received), ("old", received), ("new", 0.0),
                               ("dest", 1), ("flag", False)):
                cols[key].append(value)
            cols["step"] += [step, step]
            cols["mule"] += [mule, mule]
            mule += 1
            transfers += 1
            if is_flagged:
                break
            balance = after
    plan = _FraudPlan(
        step=np.array(cols["step"], dtype=np.int32), type=np.array(cols["type"], dtype=np.int8),
        amount=np.array(cols["amount"], dtype=np.float64), old_orig=np.array(cols["old"], dtype=np.float64),
        new_orig=np.array(cols["new"], dtype=np.float64), dest_kind=np.array(cols["dest"], dtype=np.int8),
        flagged=np.array(cols["flag"], dtype=bool), mule_link=np.array(cols["mule"], dtype=np.int64),
    )
    zero_logged = rng.random(len(plan.step)) < ZERO_LOGGED_FRAUD_SHARE
    plan.old_orig[zero_logged] = 0.0
    plan.new_orig[zero_logged] = 0.0
    return plan


class _Names:
    """Unique `C`/`M` names: ids are a bijection of a counter (mod a prime), printed in decimal."""

    def __init__(self, seed: int) -> None:
        self.offset = (seed * 7_919 + 12_345) % _NAME_PRIME
        self.next = 0

    def take(self, n: int) -> np.ndarray:
        ids = (np.arange(self.next, self.next + n, dtype=np.int64) * _NAME_MULT + self.offset) % _NAME_PRIME
        self.next += n
        return ids

    @staticmethod
    def render(prefix: np.ndarray, ids: np.ndarray) -> pa.Array:
        return pc.binary_join_element_wise(pa.array(prefix), pc.cast(pa.array(ids), pa.string()), "")


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return rng.lognormal(np.log(median), sigma, n)


def _legit(rng: np.random.Generator, steps: np.ndarray) -> dict[str, np.ndarray]:
    n = len(steps)
    kind = rng.choice(len(TYPES), size=n, p=TYPE_SHARES).astype(np.int8)
    amount = np.empty(n)
    state = np.zeros(n, dtype=np.int8)  # outflows: 0 zero balance, 1 below the amount, 2 covers it
    share = np.zeros(n)  # state 1: balance / amount; state 2: surplus / amount; CASH_IN: the balance
    old_d = np.zeros(n)
    for t in range(len(TYPES)):
        idx = np.flatnonzero(kind == t)
        m = len(idx)
        if not m:
            continue
        prof = AMOUNTS[t]
        amount[idx] = rng.gamma(prof.shape, prof.median / _gamma_median(prof.shape), m)
        if t == CASH_IN:
            zero, median, sigma = CASH_IN_ORIGIN
            share[idx] = np.where(rng.random(m) < zero, 0.0, _lognormal(rng, median, sigma, m))
        else:
            st = ORIGIN_STATES[t]
            u = rng.random(m)
            s = np.where(u < st.zero, 0, np.where(u < st.zero + st.under, 1, 2)).astype(np.int8)
            state[idx] = s
            share[idx] = np.where(
                s == 1, rng.beta(*st.under_beta, m), np.where(s == 2, _lognormal(rng, st.cover_surplus, 1.5, m), 0.0)
            )
        if t in DEST_BALANCES:
            zero, median, sigma = DEST_BALANCES[t]
            old_d[idx] = np.where(rng.random(m) < zero, 0.0, _lognormal(rng, median, sigma, m))
    tail = rng.random(n) < TAIL_SHARE
    amount[tail] *= np.exp(np.abs(rng.normal(0.0, TAIL_SIGMA, int(tail.sum()))))
    amount = np.maximum(np.round(amount, 2), 0.01)

    inflow = kind == CASH_IN
    old_o = np.round(
        np.select([inflow, state == 1, state == 2], [share, share * amount, amount * (1.0 + share)], 0.0), 2
    )
    # PaySim floors an overdrawn balance at zero in its log.
    new_o = np.where(inflow, np.round(old_o + amount, 2), np.maximum(np.round(old_o - amount, 2), 0.0))

    # Destination balances: old, and the end-of-simulation balance PaySim logs as "new".
    old_d = np.round(old_d, 2)
    after = np.where(inflow, np.maximum(old_d - amount, 0.0), old_d + amount)
    drift = rng.random(n) < DEST_DRIFT_SHARE
    after[drift] = np.maximum(after[drift] + amount[drift] * rng.normal(0.0, 1.5, int(drift.sum())), 0.0)
    payment = kind == PAYMENT
    new_d = np.where(payment, 0.0, np.round(after, 2))
    old_d[payment] = 0.0
    return {"step": steps, "type": kind, "amount": amount, "old_o": old_o, "new_o": new_o, "old_d": old_d, "new_d": new_d}


def _gamma_median(shape: float) -> float:
    # Wilson-Hilferty approximation of the gamma median (scale 1), accurate to <1% for shape >= 1.
    return shape * (1.0 - 1.0 / (9.0 * shape)) ** 3


def _block(
    rng: np.random.Generator, names: _Names, plan: _FraudPlan, per_step: np.ndarray, first: int, last: int
) -> tuple[pa.Table, int, int]:
    steps = np.repeat(np.arange(first, last + 1, dtype=np.int32), per_step[first - 1:last])
    legit = _legit(rng, steps)
    n_legit = len(steps)
    in_block = np.flatnonzero((plan.step >= first) & (plan.step <= last))
    n_fraud = len(in_block)
    n = n_legit + n_fraud

    step = np.concatenate([steps, plan.step[in_block]])
    kind = np.concatenate([legit["type"], plan.type[in_block]])
    amount = np.concatenate([legit["amount"], plan.amount[in_block]])
    old_o = np.concatenate([legit["old_o"], plan.old_orig[in_block]])
    new_o = np.concatenate([legit["new_o"], plan.new_orig[in_block]])
    old_d = np.concatenate([legit["old_d"], np.zeros(n_fraud)])
    new_d = np.concatenate([legit["new_d"], np.zeros(n_fraud)])
    is_fraud = np.concatenate([np.zeros(n_legit, dtype=np.int8), np.ones(n_fraud, dtype=np.int8)])
    flagged = np.concatenate([np.zeros(n_legit, dtype=np.int8), plan.flagged[in_block].astype(np.int8)])

    # Fraud destinations: mules log 0 / 0; the merchant agent a mule cashes out at is an ordinary
    # account (its balance rises by the amount); a flagged transfer changes nothing.
    agent = np.flatnonzero(plan.dest_kind[in_block] == 1) + n_legit
    zero, median, sigma = DEST_BALANCES[CASH_OUT]
    agent_old = np.where(rng.random(len(agent)) < zero, 0.0, _lognormal(rng, median, sigma, len(agent)))
    old_d[agent] = np.round(agent_old, 2)
    new_d[agent] = np.round(agent_old + amount[agent], 2)

    # Names: every row a fresh origin and destination; a mule is the TRANSFER's destination and
    # the CASH_OUT's origin; payments go to merchants.
    orig_ids, dest_ids = names.take(n), names.take(n)
    fraud_rows = np.arange(n_legit, n)
    links = plan.mule_link[in_block]
    mule_ids = {}
    for row, link, t in zip(fraud_rows, links, plan.type[in_block], strict=True):
        mule = mule_ids.setdefault(int(link), int(dest_ids[row]))
        if t == TRANSFER:
            dest_ids[row] = mule
        else:
            orig_ids[row] = mule
    dest_prefix = np.where(kind == PAYMENT, "M", "C")

    # PaySim logs a step's rows in agent order, not grouped by fraud: shuffle within each step.
    order = np.lexsort((rng.random(n), step))
    table = pa.table({
        "step": step[order],
        "type": pa.DictionaryArray.from_arrays(pa.array(kind[order]), pa.array(TYPES)).cast(pa.string()),
        "amount": np.round(amount[order], 2),
        "nameOrig": _Names.render(np.full(n, "C"), orig_ids[order]),
        "oldbalanceOrg": np.round(old_o[order], 2),
        "newbalanceOrig": np.round(new_o[order], 2),
        "nameDest": _Names.render(dest_prefix[order], dest_ids[order]),
        "oldbalanceDest": np.round(old_d[order], 2),
        "newbalanceDest": np.round(new_d[order], 2),
        "isFraud": is_fraud[order],
        "isFlaggedFraud": flagged[order],
    })
    return table, n_fraud, int(flagged.sum())

#!/usr/bin/env python
"""SecureBank fraud benchmark: generate, load and train at 1M and 6.36M PaySim rows, with wall
time, CPU time and peak memory of each phase, and the model's metrics.

    DEBUG=1 .venv/bin/python bench/fraud_train.py                     # 1M and 6,362,620 rows (~10-20 min)
    DEBUG=1 .venv/bin/python bench/fraud_train.py --sizes 1000000     # quicker
    DEBUG=1 .venv/bin/python bench/fraud_train.py --reuse             # keep data/paysim_generated_*.csv

Each phase runs in its own child process, so its peak resident memory (ru_maxrss) is its own:
1. generate: `fraud.generator.paysim_generate` (what `manage.py generate_paysim` runs) into
   data/paysim_generated_<rows>_<seed>.csv (git-ignored);
2. load: `fraud.datasets.paysim_load` alone (the loader target: <= 30 s, <= 4 GB at 6.36M rows);
3. train: load + `fraud.training.model_fit` (time split, early stopping, the served model and the
   destination-artifact comparison model) + scoring the real sample in ../shared/paysim with the
   trained model (what `train_fraud_model` does, minus the database row).
The "pipeline" line adds generate + train (train includes its own load): the <= 10 min, <= 8 GB
target. Finally the real sample is trained on itself (time split) for the third AUPRC target.
The machine's load average is printed before and after: on a shared machine wall time inflates,
CPU time does not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REAL_SAMPLE = ROOT.parent / "shared" / "paysim" / "paysim_real_sample_steps_1-119.csv"
FULL = 6_362_620


def child(args: list[str]) -> dict:
    """Run this script in a child phase; return its JSON plus wall, CPU and peak RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, env=os.environ.copy())  # noqa: S603
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"phase {args[:2]} failed")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result.update(wall_s=round(wall, 1), cpu_s=round(usage.ru_utime + usage.ru_stime, 1),
                  peak_rss_mb=round(usage.ru_maxrss / 1024))
    return result


def phase(name: str, data: Path, rows: int, seed: int) -> None:
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "securebank.settings")
    import django

    django.setup()
    from fraud.datasets import paysim_load
    from fraud.generator import paysim_generate
    from fraud.training import TrainParams, model_evaluate, model_fit

    if name == "generate":
        def progress(done: int, total: int) -> None:
            if done == total or done % 1_000_000 < 260_000:
                print(f"    generated {done:,}/{total:,}", file=sys.stderr, flush=True)

        summary = paysim_generate(rows=rows, seed=seed, out=data, progress=progress)
        print(json.dumps({"rows": summary.rows, "frauds": summary.frauds, "flagged": summary.flagged,
                          "bytes": data.stat().st_size}))
    elif name == "load":
        t0 = time.perf_counter()
        df = paysim_load(data)
        load_s = time.perf_counter() - t0
        print(json.dumps({"rows": len(df), "frauds": int(df["isFraud"].sum()), "load_s": round(load_s, 1),
                          "frame_mb": round(df.memory_usage(deep=True).sum() / 2**20)}))
    elif name == "train":
        t0 = time.perf_counter()
        df = paysim_load(data)
        load_s = time.perf_counter() - t0
        result = model_fit(df, params=TrainParams(seed=seed), threshold=0.7,
                           say=lambda m: print(m, file=sys.stderr, flush=True))
        del df
        report = {"load_s": round(load_s, 1), "fit_s": result.seconds, "best_iteration": result.best_iteration,
                  "test": result.test_metrics, "split": result.split, "dest_comparison": result.dest_comparison}
        if REAL_SAMPLE.is_file():
            real, _ = model_evaluate(result.booster, paysim_load(REAL_SAMPLE), threshold=0.7)
            report["real_sample"] = real
        print(json.dumps(report))
    elif name == "real-self":
        result = model_fit(paysim_load(data), params=TrainParams(seed=seed), threshold=0.7,
                           say=lambda m: print(m, file=sys.stderr, flush=True))
        print(json.dumps({"test": result.test_metrics, "split": result.split, "dest_comparison": result.dest_comparison}))


def loadavg() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=f"1000000,{FULL}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse", action="store_true", help="reuse an existing generated file (generation not timed)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase(args.phase, args.data, args.rows, args.seed)
        return

    print(f"fraud_train benchmark on {os.cpu_count()} cores; load average {loadavg()}")
    summary = []
    for rows in [int(s) for s in args.sizes.split(",")]:
        data = ROOT / "data" / f"paysim_generated_{rows}_{args.seed}.csv"
        print(f"\n== {rows:,} rows -> {data.relative_to(ROOT)}")
        gen = None
        if not (args.reuse and data.is_file()):
            gen = child(["--phase", "generate", "--data", str(data), "--rows", str(rows), "--seed", str(args.seed)])
            print(f"generate: {gen['wall_s']} s wall, {gen['cpu_s']} s CPU, peak {gen['peak_rss_mb']} MB; "
                  f"{gen['frauds']:,} frauds, {gen['flagged']} flagged, {gen['bytes'] / 2**20:.0f} MiB")
        load = child(["--phase", "load", "--data", str(data)])
        print(f"load:     paysim_load {load['load_s']} s ({load['wall_s']} s for the process incl. imports, "
              f"{load['cpu_s']} s CPU), peak {load['peak_rss_mb']} MB; frame {load['frame_mb']} MB")
        train = child(["--phase", "train", "--data", str(data), "--seed", str(args.seed)])
        t = train["test"]
        print(f"train:    {train['wall_s']} s wall, {train['cpu_s']} s CPU, peak {train['peak_rss_mb']} MB "
              f"(load {train['load_s']} s, fit incl. comparison {train['fit_s']} s, {train['best_iteration'] + 1} trees)")
        print(f"          test (latest steps >= {train['split']['test_from_step']}, {t['rows']:,} rows, {t['frauds']} frauds): "
              f"AUPRC {t['auprc']}, ROC-AUC {t['roc_auc']}, at 0.7 precision {t['precision']} recall {t['recall']} "
              f"F1 {t['f1']} {t['confusion_matrix']}")
        dc = train["dest_comparison"]
        print(f"          + newbalanceDest/errorBalanceDest (not served) would change AUPRC by {dc['auprc_gain']:+.6f}")
        if "real_sample" in train:
            r = train["real_sample"]
            print(f"          on the real sample ({r['rows']:,} rows, {r['frauds']} frauds): AUPRC {r['auprc']}, "
                  f"ROC-AUC {r['roc_auc']}, at 0.7 precision {r['precision']} recall {r['recall']}")
        pipeline_wall = (gen["wall_s"] if gen else 0) + train["wall_s"]
        pipeline_peak = max(gen["peak_rss_mb"] if gen else 0, train["peak_rss_mb"])
        print(f"pipeline (generate + load + train): {pipeline_wall:.1f} s wall, peak {pipeline_peak} MB"
              + ("" if gen else " (generation reused, not timed)"))
        summary.append({"rows": rows, "generate": gen, "load": load, "train": train})

    if REAL_SAMPLE.is_file():
        print(f"\n== real sample trained on itself (time split): {REAL_SAMPLE.name}")
        own = child(["--phase", "real-self", "--data", str(REAL_SAMPLE), "--seed", str(args.seed)])
        t = own["test"]
        print(f"test (steps >= {own['split']['test_from_step']}, {t['rows']:,} rows, {t['frauds']} frauds): AUPRC {t['auprc']}, "
              f"ROC-AUC {t['roc_auc']}, at 0.7 precision {t['precision']} recall {t['recall']} {t['confusion_matrix']}; "
              f"{own['wall_s']} s wall")
    else:
        print(f"\n(real sample not found at {REAL_SAMPLE}: skipped)")
    print(f"\nload average after: {loadavg()}")


if __name__ == "__main__":
    main()

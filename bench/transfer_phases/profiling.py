"""`--profile`: py-spy samplers on the server processes and the summary of where their Python
time went, by layer and by request step."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

from bench.transfer_phases.database import PYTHON

SELF_BUCKETS = [  # leaf frame's file -> bucket (first match)
    ("psycopg", "psycopg (driver: execute, fetch, adapt, connect)"),
    ("rest_framework_simplejwt", "JWT (simplejwt + PyJWT)"), ("/jwt/", "JWT (simplejwt + PyJWT)"),
    ("django/db/backends", "Django DB backend (cursor wrappers, connection setup/close)"),
    ("django/db/models/sql", "Django ORM: SQL compilation"),
    ("django/db", "Django ORM: querysets, model instances"),
    ("rest_framework", "DRF (request, serializers, renderers)"),
    ("django/", "Django core (handlers, middleware, signals, urls)"),
    ("daphne", "daphne/Twisted (HTTP server, event loop)"), ("twisted", "daphne/Twisted (HTTP server, event loop)"),
    ("autobahn", "daphne/Twisted (HTTP server, event loop)"), ("asyncio", "asyncio"),
    ("uvicorn", "uvicorn/uvloop/httptools (HTTP server, event loop)"),
    ("uvloop", "uvicorn/uvloop/httptools (HTTP server, event loop)"),
    ("httptools", "uvicorn/uvloop/httptools (HTTP server, event loop)"),
    ("asgiref", "asgiref (sync/async bridge, per-request threads)"), ("channels", "channels"),
    ("/concurrent/", "threads (executor, thread start)"), ("threading.py", "threads (executor, thread start)"),
    ("/fraud/", "fraud scorer"), ("/ledger/", "SecureBank ledger code"), ("/securebank/", "SecureBank project code"),
    ("/accounts/", "SecureBank accounts code"), ("/payments/", "SecureBank payments code"),
]
INCLUSIVE = [  # (label, function name, file substring): samples with that frame anywhere on the stack
    ("request threads (sync Django/DRF path; the rest is the event loop)", "thread_handler", "asgiref"),
    ("  JWT authentication (decode; payments leave the user row to the PIN gate)", "authenticate", "accounts/authentication"),
    ("  DB connection checkout/open", "connect", "django/db/backends/base"),
    ("  input validation (TransferInput)", "is_valid", "rest_framework/serializers"),
    ("  idempotent_execute (one transaction: key, money, answer; commit hooks)", "idempotent_execute", "ledger/idempotency"),
    ("    PIN gate (the payer's row: active? PIN set?)", "pin_check_in_payment", "accounts/pin"),
    ("    key insert", "_insert", "ledger/idempotency"),
    ("    payee lookup", "account_payee_by_number", "ledger/selectors"),
    ("    transfer_create (payer lookup, lock, checks, score, writes)", "transfer_create", "ledger/services"),
    ("      accounts_lock (SELECT FOR UPDATE)", "accounts_lock", "ledger/services"),
    ("      daily_outgoing_total (limit aggregate)", "daily_outgoing_total", "ledger/selectors"),
    ("      risk assessor (fraud)", "assess", "fraud/"),
    ("      insert_with_unique (INSERT ... ON CONFLICT DO NOTHING)", "insert_with_unique", "ledger/services"),
    ("      entries_write (balances update + entries)", "entries_write", "ledger/services"),
    ("    on_commit: transaction_committed receivers", "run_and_clear_commit_hooks", "django/db"),
    ("    response body (transfer_result)", "transfer_result", "ledger/presenters"),
    ("  JSON rendering", "render", "rest_framework/renderers"),
]


def profile_summary(paths: list[Path], rate: int, cpu_ms_per_op: float) -> str:
    """Samples of the thread holding the GIL, by layer and by request step. Under CPU contention a
    thread can hold the GIL while descheduled, so shares are the figure to read; the ms column is
    each share of the servers' measured CPU per request."""
    self_counts: Counter = Counter()
    inclusive: Counter = Counter()
    total = 0
    frame_re = re.compile(r"^(?P<func>\S+) \((?P<file>[^:]*)")
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            total += count
            frames = [m.groupdict() for f in stack.split(";") if (m := frame_re.match(f.strip()))]
            leaf = frames[-1]["file"] if frames else ""
            bucket = next((label for needle, label in SELF_BUCKETS if needle in leaf), "Python stdlib / other")
            self_counts[bucket] += count
            for label, func, needle in INCLUSIVE:
                if any(f["func"].rsplit(".", 1)[-1] == func and needle in f["file"] for f in frames):
                    inclusive[label] += count
    if not total:
        return "profile: no samples"
    out = [f"profile: {total} samples of the GIL-holding thread at {rate} Hz; ms = share of the servers' "
           f"{cpu_ms_per_op:.2f} ms CPU per request", "  self time by layer (leaf frame):"]
    out += [f"    {100 * n / total:5.1f}%  {label}" for label, n in self_counts.most_common()]
    per_op = cpu_ms_per_op / total
    out.append("  inclusive time of the request's steps (% of samples, ms per request):")
    out += [f"    {100 * inclusive[label] / total:5.1f}% {inclusive[label] * per_op:6.2f} ms  {label}"
            for label, _, _ in INCLUSIVE]
    return "\n".join(out)



def samplers_start(procs: list[subprocess.Popen], ports: list[int], out_dir: Path, rate: int,
                   seconds: float) -> list[subprocess.Popen]:
    """One py-spy per server process (and its children) for `seconds`, raw folded stacks in
    `out_dir`; the caller waits for them (they stop on their own) or kills them on errors."""
    spy = Path(PYTHON).parent / "py-spy"
    if not spy.exists():
        raise SystemExit("--profile needs py-spy in the venv: .venv/bin/pip install py-spy")
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [str(spy), "record", "--pid", str(proc.pid), "--subprocesses", "--rate", str(rate),
             "--duration", str(int(seconds)), "--format", "raw", "--gil", "--nonblocking",
             "--output", str(out_dir / f"server-{port}.folded")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for proc, port in zip(procs, ports, strict=True)
    ]

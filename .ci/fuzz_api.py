"""Fuzz the HTTP API from its own OpenAPI schema (schemathesis: examples, coverage, fuzzing and
stateful phases) against a real server, and fail on any 5xx or any response that breaks its
documented schema.

    .venv/bin/python .ci/fuzz_api.py [--max-time 180] [--port 0] [--database-url URL]

What it does: a throwaway database (SQLite in a temporary directory unless --database-url),
migrate, seed a customer-and-staff user, a payee and a customer for the PIN operations, start
the production server (`manage.py serve`, uvicorn) on a free port with throttles off, run `schemathesis run` with .ci/schemathesis.toml twice
in the time budget (examples, coverage and fuzzing; then, after fresh money requests and held
transfers, the stateful phase following the schema's OpenAPI links), print a summary (operations
tested, operations whose valid "positive" cases were all accepted, link transitions followed and
answered 2xx) and exit non-zero on a gating failure or an engine error.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SEED = """
from decimal import Decimal
from ledger.seed import make_user
from rest_framework_simplejwt.tokens import RefreshToken
import json
# Enough money that thousands of valid payments of up to the per-transaction maximum never run
# out (with DAILY_TRANSFER_LIMIT raised below): a valid body is judged on its shape, not refused
# 422 because earlier cases spent the balance or the day's limit.
staff = make_user("fuzzstaff", balance=Decimal("1000000000.00"), is_staff=True, phone="+91 98765 00001")
make_user("fuzzpayee", balance=Decimal("1000.00"), phone="+91 98765 00002")
# The /api/pin operations act as another customer: a PIN the fuzzer sets (and then locks with
# wrong guesses) would otherwise turn every later payment of the main user into pin_required /
# pin_locked, whatever the body.
pin_user = make_user("fuzzpin", phone="+91 98765 00003")
print("TOKEN=" + json.dumps({"access": str(RefreshToken.for_user(staff).access_token)}))
print("PIN_TOKEN=" + json.dumps({"access": str(RefreshToken.for_user(pin_user).access_token)}))
"""

# Something for the stateful links to reach, made fresh before the stateful phase (the earlier
# phases review alerts and answer requests with guessed ids): money requests made of the fuzzing
# user (accept / decline) and transfers held for review with their fraud alerts (staff review).
# Without an active fraud model a transfer above FRAUD_FAIL_OPEN_LIMIT is held (fail closed).
STATEFUL_DATA = """
from datetime import timedelta
from decimal import Decimal
from ledger.models import Account
from ledger.seed import make_user
from ledger.services import transfer_create
from payments.services import money_request_create
payer = make_user(balance=Decimal("200000.00"))
for _ in range(20):
    money_request_create(requester=payer, payer="fuzzstaff", amount=Decimal("1.00"), expires_in=timedelta(days=1))
staff_account = Account.objects.get(owner__username="fuzzstaff", is_primary=True)
held = [transfer_create(payer=payer, payee_account=staff_account, amount=Decimal("6000.00")) for _ in range(20)]
print(f"fuzz: 20 money requests made of fuzzstaff, {sum(o.transaction.status == 'held' for o in held)} transfers held for review")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"fuzz: server did not become ready at {url}")


def count_links(url: str) -> int:
    """The OpenAPI links the served schema declares (securebank/openapi_links.py)."""
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own loopback server
        schema = json.load(response)
    return sum(
        len(answer.get("links", {}))
        for path_item in schema.get("paths", {}).values()
        for operation in path_item.values() if isinstance(operation, dict)
        for answer in operation.get("responses", {}).values()
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-time", type=int, default=int(os.environ.get("FUZZ_MAX_TIME", "180")))
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary directory")
    parser.add_argument("--workers", default="2")
    parser.add_argument("--seed", default=os.environ.get("FUZZ_SEED", ""))
    parser.add_argument("extra", nargs="*", help="more `schemathesis run` arguments (after --)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="sb-fuzz-"))
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    env.update(
        DEBUG="1",
        THROTTLE_LOGIN="off", THROTTLE_REGISTER="off", THROTTLE_PAYMENTS="off", THROTTLE_VOICE="off",
        # The fuzzing user has no UPI PIN (the PIN operations run as their own user, see
        # .ci/schemathesis.toml): without this every payment would be 403 pin_not_set, and
        # nothing would reach the ledger, its transactions or their proofs.
        PIN_REQUIRED="off", DAILY_TRANSFER_LIMIT="1000000000.00",
        JWT_ACCESS_MINUTES="240", LOG_LEVEL="ERROR", PYTHONPATH=str(ROOT),
        SECUREBANK_DATA_DIR=str(tmp),
    )
    manage = [PY, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)  # noqa: S603
    seeded = subprocess.run([*manage, "shell", "-c", SEED], env=env, check=True, cwd=ROOT,  # noqa: S603
                            capture_output=True, text=True).stdout
    tokens = {line.split("=", 1)[0]: json.loads(line.split("=", 1)[1])["access"]
              for line in seeded.splitlines() if line.startswith(("TOKEN=", "PIN_TOKEN="))}
    token = tokens["TOKEN"]
    env["FUZZ_PIN_TOKEN"] = tokens["PIN_TOKEN"]  # .ci/schemathesis.toml: the /api/pin operations

    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(  # noqa: S603
        # The production server, as `make run` starts it (uvicorn), one process, no workers.
        [PY, str(ROOT / "manage.py"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--no-workers"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_ready(f"{base}/api/health/live")
        declared_links = count_links(f"{base}/api/schema/?format=json")
        report = tmp / "report.json"
        # Two runs on one server and database: the examples, coverage and fuzzing phases, then
        # fresh data for the links, then the stateful phase with the rest of the time budget.
        stateful_time = max(10, args.max_time // 2)
        runs = [("examples,coverage,fuzzing", args.max_time - stateful_time), ("stateful", stateful_time)]
        st_codes = []
        for number, (phases, budget) in enumerate(runs, 1):
            if phases == "stateful":
                print(subprocess.run([*manage, "shell", "-c", STATEFUL_DATA], env=env, check=True, cwd=ROOT,  # noqa: S603
                                     capture_output=True, text=True).stdout.strip(), flush=True)
                # Seal what the first run paid, so a transaction's proof link can answer 200
                # (no miner runs beside the server: a second SQLite writer would contend).
                mined = subprocess.run([*manage, "mine_blocks", "--once"], env=env, check=True, cwd=ROOT,  # noqa: S603
                                       capture_output=True, text=True).stdout.strip()
                print(f"fuzz: {mined.splitlines()[-1] if mined else 'nothing to mine'}", flush=True)
            cmd = [
                str(Path(PY).parent / "schemathesis"), "--config-file", str(ROOT / ".ci" / "schemathesis.toml"),
                "run", f"{base}/api/schema/?format=json", "--phases", phases,
                "--max-time", str(budget), "--workers", args.workers,
                "-H", f"Authorization: Bearer {token}",
                "--report", "ndjson", "--report-ndjson-path", str(tmp / f"events{number}.ndjson"),
                *(["--seed", args.seed] if args.seed else []), *args.extra,
            ]
            print("fuzz:", " ".join(c if "Bearer" not in c else "Authorization: Bearer ***" for c in cmd), flush=True)
            started = time.monotonic()
            st_codes.append(subprocess.run(cmd, env=env, cwd=tmp).returncode)  # noqa: S603 - its .schemathesis cache stays out of the repo
            print(f"fuzz: schemathesis ({phases}) exited {st_codes[-1]} after {time.monotonic() - started:.0f} s", flush=True)
        # schemathesis exits 1 for the counted data checks too; 2+ is a usage or engine error.
        events = [tmp / f"events{number}.ndjson" for number in range(1, len(runs) + 1)]
        code = 1 if max(st_codes) > 1 else (1 if summarize(events, report, declared_links) else 0)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    server_errors = [line for line in (tmp / "server.log").read_text().splitlines() if "Traceback" in line]
    if server_errors:
        print(f"fuzz: the server logged {len(server_errors)} tracebacks; see {tmp / 'server.log'}")
        code = code or 1
    return code


# A failure of these fails the run: a server error, or a response its documentation does not
# describe. The data checks (positive_data_acceptance, negative_data_rejection...) are counted
# and printed: they measure how exactly the schema says what the API accepts.
GATING = {
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance",
}

def count_transitions(recorder: dict, links: dict[str, list[int]]) -> None:
    """Stateful steps that followed a link with its values resolved from the previous response:
    [followed, answered 2xx] per link ("GET /a -> [200] Name -> POST /b")."""
    interactions = recorder.get("interactions", {})
    for case_id, node in recorder.get("cases", {}).items():
        transition = node.get("transition")
        if not transition or not node.get("is_transition_applied"):
            continue
        counts = links.setdefault(transition["id"], [0, 0])
        counts[0] += 1
        response = (interactions.get(case_id) or {}).get("response") or {}
        counts[1] += 200 <= (response.get("status_code") or 0) < 300


def summarize(events: list[Path], out: Path, declared_links: int = 0) -> int:
    """Print the figures; return the number of gating failures."""
    if not all(path.exists() for path in events):
        print("fuzz: no events recorded")
        return 1
    operations: set[str] = set()
    positive: dict[str, list[int]] = {}  # operation -> [accepted, rejected] positive cases
    gating: dict[tuple[str, str], str] = {}
    other: dict[tuple[str, str], str] = {}
    links: dict[str, list[int]] = {}  # stateful link -> [followed, answered 2xx]
    for line in (line for path in events for line in path.read_text().splitlines()):
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished.get("recorder") or {}
        cases = recorder.get("cases", {})
        count_transitions(recorder, links)
        for case_id, checks in recorder.get("checks", {}).items():
            case = cases.get(case_id, {}).get("value", {})
            label = recorder.get("label") or f"{case.get('method')} {case.get('path')}"
            is_operation = label.split(" ", 1)[0] in {"GET", "POST", "PUT", "PATCH", "DELETE"}
            if is_operation:  # not the "Stateful tests" pseudo-label
                operations.add(label)
            for check in checks:
                if check["name"] == "positive_data_acceptance" and is_operation:
                    counts = positive.setdefault(label, [0, 0])
                    counts[0 if check["status"] == "success" else 1] += 1
                if check["status"] != "failure":
                    continue
                failure = (check.get("failure_info") or {}).get("failure", {})
                target = gating if check["name"] in GATING else other
                target.setdefault((label, check["name"]), failure.get("title", ""))
    accepted = sorted(op for op, (ok, bad) in positive.items() if ok and not bad)
    summary = {
        "operations_tested": len(operations),
        "operations_with_positive_cases": len(positive),
        "operations_all_positive_cases_accepted": len(accepted),
        "stateful_transitions": sum(followed for followed, _ in links.values()),
        "stateful_transitions_2xx": sum(ok for _, ok in links.values()),
        "stateful_links": {name: {"followed": followed, "2xx": ok} for name, (followed, ok) in sorted(links.items())},
        "gating_failures": [f"{op}: {name} ({title})" for (op, name), title in sorted(gating.items())],
        "data_check_failures": [f"{op}: {name} ({title})" for (op, name), title in sorted(other.items())],
    }
    out.write_text(json.dumps(summary, indent=2))
    print(f"fuzz: {summary['operations_tested']} operations tested; positive cases accepted on "
          f"{len(accepted)} of {len(positive)} operations that had them")
    print(f"fuzz: stateful: {summary['stateful_transitions']} link transitions followed, "
          f"{summary['stateful_transitions_2xx']} answered 2xx, over {len(links)} of {declared_links} declared links")
    for name, (followed, ok) in sorted(links.items()):
        print(f"fuzz:   link {name}: {followed} followed, {ok} 2xx")
    for line in summary["data_check_failures"]:
        print(f"fuzz: data check (counted, not gating): {line}")
    for line in summary["gating_failures"]:
        print(f"fuzz: FAILURE: {line}")
    print(f"fuzz: {len(gating)} gating failures (5xx or undocumented responses); report {out}")
    return len(gating)


if __name__ == "__main__":
    raise SystemExit(main())

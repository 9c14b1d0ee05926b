"""The benchmark's database: recreate and migrate it, activate a fraud model, register the
customers (the real registration service) and hand back their accounts and tokens."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
PASSWORD = "bench-Passw0rd-7319"  # noqa: S105 - throwaway users in a throwaway database


def db_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def admin_url(url: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/postgres"))


def db_recreate(url: str) -> None:
    name = db_name(url)
    if not re.fullmatch(r"(securebank_bench|sb_bench)\w*", name):
        raise SystemExit(f"refusing to drop {name!r}: the benchmark database must be named securebank_bench* or sb_bench*")
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=check, capture_output=True, text=True)


USERS_CODE = """
import os
from django.contrib.auth.hashers import make_password
from accounts.models import User
from accounts.services import user_register
# One real Argon2 hash of the shared password, reused: registration stays the real service
# (validation, VPA, primary account, opening deposit) without N slow hashes.
hashed = make_password(os.environ["BENCH_PASSWORD"])
User.set_password = lambda self, raw: setattr(self, "password", hashed)
from accounts.services import token_pair_create
for i in range(int(os.environ["BENCH_USERS"])):
    user = user_register(username=f"bench{i:05d}", email=f"bench{i:05d}@bench.example",
                         password=os.environ["BENCH_PASSWORD"], full_name=f"Bench User {i}")
    if i >= int(os.environ["BENCH_HTTP_LOGINS"]):  # the rest log in over HTTP
        print("TOKEN", user.username, token_pair_create(user).access)
"""


MODEL_REGISTER_CODE = """
import json, os
from pathlib import Path
from typing import Any
from fraud.model_services import model_activate
from fraud.models import FraudModel
meta = json.loads((Path(os.environ["BENCH_MODEL"]) / "metadata.json").read_text())
# get_or_create: a model trained into an empty cache was already registered by train_fraud_model.
FraudModel.objects.get_or_create(version=meta["version"], defaults=dict(
    trained_at=meta["trained_at"], data_source=meta["data_source"][:255], data_sha256=meta["data_sha256"],
    rows=meta["rows"], threshold=meta["threshold"], features=meta["features"], metrics=meta["metrics"]))
model_activate(version=meta["version"])
"""


def fraud_model_setup(env: dict[str, str], choice: str, cache: Path, rows: int) -> str:
    """Make a fraud model active in the bench database; returns a description.

    `none`: no model (the scorer's fail-closed path: rules only). A directory: that saved model
    version. `auto`: the newest model in the cache, trained there once if there is none
    (`train_fraud_model` on generated PaySim rows; later runs reuse it)."""
    if choice == "none":
        return "no active model (fail-closed path: rules only, no XGBoost call)"
    if choice == "auto":
        models = cache / "models"
        found = sorted(p for p in models.glob("*/model.ubj")) if models.exists() else []
        if not found:
            print(f"  training a fraud model on {rows:,} generated PaySim rows (once; cached in {cache}) ...", flush=True)
            manage({**env, "SECUREBANK_DATA_DIR": str(cache), "FRAUD_MODEL_DIR": str(models)},
                   "train_fraud_model", "--rows", str(rows), "--no-dest-comparison", "--threads", str(os.cpu_count() or 1))
            found = sorted(models.glob("*/model.ubj"))
        directory = found[-1].parent
    else:
        directory = Path(choice).resolve()
    manage({**env, "FRAUD_MODEL_DIR": str(directory.parent), "BENCH_MODEL": str(directory)}, "shell", "-c", MODEL_REGISTER_CODE)
    env["FRAUD_MODEL_DIR"] = str(directory.parent)
    meta = json.loads((directory / "metadata.json").read_text())
    return f"XGBoost model {meta['version']} ({meta['rows']:,} rows, best iteration {meta['metrics'].get('best_iteration')})"


@dataclass
class Customer:
    username: str
    account_id: int
    number: str
    token: str = ""


def users_create(env: dict[str, str], url: str, count: int, http_logins: int) -> list[Customer]:
    """Register `count` customers; all but the first `http_logins` get their access token here
    (the same token the login endpoint issues), which saves an Argon2 check per user."""
    done = manage({**env, "BENCH_USERS": str(count), "BENCH_PASSWORD": PASSWORD, "BENCH_HTTP_LOGINS": str(http_logins)},
                  "shell", "-c", USERS_CODE)
    tokens = dict(line.split()[1:3] for line in done.stdout.splitlines() if line.startswith("TOKEN "))
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT u.username, a.id, a.number FROM ledger_account a JOIN accounts_user u ON u.id = a.owner_id "
            "WHERE a.is_primary AND a.kind = 'customer' ORDER BY u.username"
        ).fetchall()
    return [Customer(username=r[0], account_id=r[1], number=r[2], token=tokens.get(r[0], "")) for r in rows]


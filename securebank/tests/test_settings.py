"""Settings from the environment, checked in fresh processes (settings are read once, at start)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
KEY32 = base64.b64encode(b"k" * 32).decode()

# Prints the settings a test wants to see, as JSON. Importing the settings module is enough (and
# much faster than starting Django); test_production_starts... starts Django for real once.
PROBE = """
import json
import securebank.settings as s
print(json.dumps({
    "DEBUG": s.DEBUG, "SECRET_KEY": s.SECRET_KEY, "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE, "HSTS": s.SECURE_HSTS_SECONDS, "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "ENGINE": s.DATABASES["default"]["ENGINE"], "CACHE": s.CACHES["default"]["BACKEND"],
    "LAYER": s.CHANNEL_LAYERS["default"]["BACKEND"], "CORS": s.CORS_ALLOWED_ORIGINS,
    "HASHERS": s.PASSWORD_HASHERS, "JWT": {k: str(v) for k, v in s.SIMPLE_JWT.items() if k != "SIGNING_KEY"},
    "RATES": s.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "NUM_PROXIES": s.REST_FRAMEWORK.get("NUM_PROXIES"),
    "MAX_BODY": s.DATA_UPLOAD_MAX_MEMORY_SIZE, "FRAUD_THRESHOLD": s.FRAUD_THRESHOLD,
    "BLOCKCHAIN_DIFFICULTY": s.BLOCKCHAIN_DIFFICULTY,
    "SERVER_SIDE_CURSORS_OFF": s.DATABASES["default"].get("DISABLE_SERVER_SIDE_CURSORS", False),
    "POOL": s.DATABASES["default"].get("OPTIONS", {}).get("pool"),
    "HEALTH_CHECKS": s.DATABASES["default"].get("CONN_HEALTH_CHECKS"),
    "BINDING": s.DATABASES["default"].get("OPTIONS", {}).get("server_side_binding"),
    "PREPARE": s.DATABASES["default"].get("OPTIONS", {}).get("prepare_threshold", "unset"),
}))
"""

_SCRUB = (
    "SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "CORS_ALLOWED_ORIGINS", "QR_ENCRYPTION_KEY",
    "CHAIN_SIGNING_KEY", "QR_ENCRYPTION_KEYS_OLD", "THROTTLE_LOGIN", "THROTTLE_REGISTER", "THROTTLE_PAYMENTS",
    "THROTTLE_VOICE", "JWT_ACCESS_MINUTES", "JWT_REFRESH_DAYS", "DJANGO_SETTINGS_MODULE", "TRUSTED_PROXY_COUNT",
    "PIN_HMAC_KEY", "PIN_HMAC_KEYS_OLD", "PIN_REQUIRED", "THROTTLE_PIN", "THROTTLE_SEARCH", "DB_TRANSACTION_POOLER",
    "CHANNEL_LAYER", "DB_POOL", "DB_POOL_MAX", "DB_POOL_CHECK_IDLE_SECONDS", "DB_SERVER_SIDE_BINDING",
    "DB_PREPARE_THRESHOLD",
)


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120, check=False
    )


def probe(**env: str) -> dict:
    result = run(["-c", PROBE], DJANGO_SETTINGS_MODULE="securebank.settings", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "p" * 50, "QR_ENCRYPTION_KEY": KEY32, "CHAIN_SIGNING_KEY": KEY32,
              "PIN_HMAC_KEY": KEY32}


@pytest.mark.parametrize(
    "command", [["manage.py", "check"], ["manage.py", "migrate", "--check"], ["-m", "daphne", "securebank.asgi:application"]]
)
def test_refuses_to_start_without_secret_key_when_not_debug(command):
    env = {"DEBUG": "0", "DJANGO_SETTINGS_MODULE": "securebank.settings"}
    result = run(command, **env)
    assert result.returncode == 1, (result.returncode, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "SecureBank refuses to start: SECRET_KEY is not set and DEBUG is off "
        "(set SECRET_KEY, or DEBUG=1 for development)."
    ], result.stderr
    assert "Traceback" not in result.stderr


def test_debug_defaults_to_off():
    # No DEBUG at all is production: it must refuse, not quietly derive a key.
    result = run(["manage.py", "check"])
    assert result.returncode == 1
    assert "SECRET_KEY" in result.stderr and "Traceback" not in result.stderr


def test_empty_secret_key_is_missing():
    result = run(["manage.py", "check"], DEBUG="0", SECRET_KEY="   ")
    assert result.returncode == 1 and "SECRET_KEY" in result.stderr


def test_production_starts_with_its_secrets_and_hardens_cookies():
    started = run(["manage.py", "check"], **PRODUCTION)
    assert started.returncode == 0, started.stderr
    values = probe(**PRODUCTION)
    assert values["DEBUG"] is False
    assert values["SECRET_KEY"] == "p" * 50
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["HSTS"] > 0
    assert values["ALLOWED_HOSTS"] == []  # production names its hosts


def test_production_refuses_to_start_without_the_pin_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "PIN_HMAC_KEY"}
    result = run(["manage.py", "check"], **env)
    assert result.returncode == 1
    assert "PIN_HMAC_KEY is not set and DEBUG is off" in result.stderr and "Traceback" not in result.stderr


def test_debug_derives_a_stable_key_so_tokens_survive_a_restart(dev):
    first, second = dev, probe(DEBUG="1")
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) >= 50
    assert first["SESSION_COOKIE_SECURE"] is False


@pytest.fixture(scope="module")
def dev() -> dict:
    return probe(DEBUG="1")


def test_defaults_embedded_database_and_in_memory_layer(dev):
    values = dev
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["LAYER"] == "channels.layers.InMemoryChannelLayer"
    assert values["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["CORS"] == ["http://localhost:5173"]
    assert values["NUM_PROXIES"] == 0
    assert values["FRAUD_THRESHOLD"] == 0.7 and values["BLOCKCHAIN_DIFFICULTY"] == 4
    assert values["MAX_BODY"] > 0


def test_jwt_lifetimes_rotation_and_blacklist(dev):
    jwt = dev["JWT"]
    assert jwt["ACCESS_TOKEN_LIFETIME"] == "0:15:00"
    assert jwt["REFRESH_TOKEN_LIFETIME"] == "7 days, 0:00:00"
    assert jwt["ROTATE_REFRESH_TOKENS"] == "True" and jwt["BLACKLIST_AFTER_ROTATION"] == "True"
    assert jwt["ALGORITHM"] == "HS256"


def test_argon2id_first_and_bcrypt_accepted(dev):
    hashers = dev["HASHERS"]
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.BCryptSHA256PasswordHasher" in hashers


def test_environment_overrides_and_throttle_off():
    values = probe(
        DEBUG="1", THROTTLE_LOGIN="3/min", THROTTLE_VOICE="off", CORS_ALLOWED_ORIGINS="https://app.example.in",
        JWT_ACCESS_MINUTES="5", TRUSTED_PROXY_COUNT="1",
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/securebank", REDIS_URL="redis://127.0.0.1:6379/2",
    )
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["LAYER"] == "securebank.channel_layers.PipelinedPubSubChannelLayer"
    assert values["CACHE"] == "securebank.cache.FailOpenRedisCache"  # a Redis outage fails open
    assert values["RATES"]["login"] == "3/min" and values["RATES"]["voice"] is None
    assert values["RATES"]["register"] == "5/min"  # the default when not overridden
    assert values["CORS"] == ["https://app.example.in"]
    assert values["JWT"]["ACCESS_TOKEN_LIFETIME"] == "0:05:00"
    assert values["NUM_PROXIES"] == 1


def test_bcrypt_hashes_from_the_original_still_verify(db):
    """The original SecureBank stored bcrypt: such users can log in (and get upgraded to Argon2)."""
    from django.contrib.auth.hashers import make_password
    from django.test import override_settings

    from accounts.tests.factories import PASSWORD, make_user

    alice = make_user("alice")
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.BCryptSHA256PasswordHasher"]):
        legacy = make_password(PASSWORD)
    alice.password = legacy
    alice.save(update_fields=["password"])
    assert legacy.startswith("bcrypt_sha256$")
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    alice.refresh_from_db()
    assert alice.password.startswith("argon2$")


def test_a_transaction_pooler_turns_server_side_cursors_off():
    url = "postgres://postgres@127.0.0.1:5432/securebank"
    assert probe(DEBUG="1", DATABASE_URL=url)["SERVER_SIDE_CURSORS_OFF"] is False
    assert probe(DEBUG="1", DATABASE_URL=url, DB_TRANSACTION_POOLER="1")["SERVER_SIDE_CURSORS_OFF"] is True


def test_postgresql_binds_on_the_server_and_prepares_unless_behind_a_transaction_pooler():
    url = "postgres://postgres@127.0.0.1:5432/securebank"
    default = probe(DEBUG="1", DATABASE_URL=url)
    assert (default["BINDING"], default["PREPARE"]) == (True, 5)
    for pooled in ({"DB_POOL": "1"}, {"DB_PREPARE_THRESHOLD": "2", "DB_POOL": "1"}):
        values = probe(DEBUG="1", DATABASE_URL=url, **pooled)
        assert values["BINDING"] is True and values["PREPARE"] == int(pooled.get("DB_PREPARE_THRESHOLD", 5))
    behind_pgbouncer = probe(DEBUG="1", DATABASE_URL=url, DB_TRANSACTION_POOLER="1")
    assert (behind_pgbouncer["BINDING"], behind_pgbouncer["PREPARE"]) == (True, "unset")  # Django's default: None
    assert probe(DEBUG="1", DATABASE_URL=url, DB_PREPARE_THRESHOLD="off")["PREPARE"] == "unset"
    assert probe(DEBUG="1", DATABASE_URL=url, DB_SERVER_SIDE_BINDING="0")["BINDING"] is False
    assert probe(DEBUG="1")["BINDING"] is None  # SQLite: nothing to bind


def test_the_pool_uses_the_backend_whose_check_pings_only_suspect_connections():
    url = "postgres://postgres@127.0.0.1:5432/securebank"
    plain = probe(DEBUG="1", DATABASE_URL=url)
    assert plain["ENGINE"] == "django.db.backends.postgresql" and plain["POOL"] is None
    pooled = probe(DEBUG="1", DATABASE_URL=url, DB_POOL="1", DB_POOL_CHECK_IDLE_SECONDS="2.5")
    assert pooled["ENGINE"] == "securebank.pgpool"
    assert pooled["HEALTH_CHECKS"] is True  # what turns the check on
    assert pooled["POOL"]["check_idle_seconds"] == 2.5
    assert probe(DEBUG="1", DATABASE_URL=url, DB_POOL="1")["POOL"]["check_idle_seconds"] == 5.0


def test_the_redis_layer_is_pubsub_unless_lists_are_asked_for():
    redis = "redis://127.0.0.1:6379/0"
    assert probe(DEBUG="1", REDIS_URL=redis)["LAYER"] == "securebank.channel_layers.PipelinedPubSubChannelLayer"
    assert probe(DEBUG="1", REDIS_URL=redis, CHANNEL_LAYER="core")["LAYER"] == "channels_redis.core.RedisChannelLayer"
    assert probe(DEBUG="1", CHANNEL_LAYER="pubsub")["LAYER"] == "channels.layers.InMemoryChannelLayer"

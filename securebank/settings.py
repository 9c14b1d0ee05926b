"""SecureBank settings, read from the environment (12-factor).

Every knob is listed in `.env.example`. With DEBUG off the process refuses to start without
its secrets; with DEBUG on, development secrets are derived from a fixed label so that a
restart keeps tokens, QR codes and chain signatures valid.
"""

from __future__ import annotations

import hashlib
import os
import sys
import warnings
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("SECUREBANK_DATA_DIR", BASE_DIR / "data"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_decimal(name: str, default: str) -> Decimal:
    return Decimal(env_str(name, default))


def env_float(name: str, default: str) -> float:
    return float(env_str(name, default))


def env_int(name: str, default: int) -> int:
    return int(env_str(name, str(default)))


def refuse_to_start(message: str) -> None:
    """Stop the process with one clear line instead of a traceback."""
    sys.stderr.write(f"SecureBank refuses to start: {message}\n")
    raise SystemExit(1)


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        refuse_to_start("SECRET_KEY is not set and DEBUG is off (set SECRET_KEY, or DEBUG=1 for development).")
    # Stable across restarts so that issued tokens survive; never used when DEBUG is off.
    SECRET_KEY = "dev-insecure-" + hashlib.sha256(b"securebank-development-secret-v1").hexdigest()


def derived_dev_secret(label: str, length: int = 32) -> bytes:
    """A stable development-only secret for `label`, derived from SECRET_KEY.

    Callers must only use this when DEBUG is on; production secrets come from the environment.
    """
    return hashlib.sha256(f"{SECRET_KEY}|{label}".encode()).digest()[:length]


ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served by us: /api/docs/ works offline
    "channels",
    "securebank",
    "accounts",
    "ledger",
    "notifications",
    "payments",
    "fraud",
    "chain",
    "voice",
    "classic",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Near the top so that it also reshapes errors raised by the middleware below it (a bad Host
    # header in CommonMiddleware, a CSRF failure), not only those of views.
    "securebank.middleware.JsonErrorMiddleware",
    # Static files (the admin's, Swagger UI's) from the server itself, under daphne or uvicorn
    # alike; below JsonErrorMiddleware so that a missing file is a JSON 404 like any other.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Django's session, CSRF, user and messages middleware, skipped on the JWT API (/api/,
    # /classic/api/): only the admin's pages use them (securebank/admin_middleware.py).
    "securebank.admin_middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "securebank.admin_middleware.CsrfViewMiddleware",
    "securebank.admin_middleware.AuthenticationMiddleware",
    "securebank.admin_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "securebank.urls"
ASGI_APPLICATION = "securebank.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A database host that does not answer fails the request (503) within this bound
        # instead of holding the worker for the OS's TCP timeout (minutes).
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_POOL", False):
        # psycopg 3 pool: ASGI closes connections per request, so a pool saves the reconnects.
        # Django's backend with a pool check that pings only a connection that may be dead
        # (its socket readable, or not checked out for DB_POOL_CHECK_IDLE_SECONDS) instead of
        # every checkout: one round trip and one counted transaction less per request.
        DATABASES["default"]["ENGINE"] = "securebank.pgpool"
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 2,
            "max_size": env_int("DB_POOL_MAX", 20),
            # How long a request waits for a connection. HTTP_THREADS <= DB_POOL_MAX, so only a
            # database that cannot be reached makes one wait: answer 503 soon, before the
            # requests queued behind it on the few HTTP threads time out unanswered (with 5 s and
            # 3 threads, 12 clients on one process waited up to 20 s: bench/results_faults.md).
            "timeout": env_float("DB_POOL_TIMEOUT", "2"),
            "check_idle_seconds": env_float("DB_POOL_CHECK_IDLE_SECONDS", "5"),
        }
    if DATABASES["default"]["ENGINE"] in {"django.db.backends.postgresql", "securebank.pgpool"}:
        # Parameters sent apart from the SQL (not quoted into it by psycopg), and a statement run
        # DB_PREPARE_THRESHOLD times on a connection prepared there, so PostgreSQL stops parsing
        # and planning the money path's dozen statements on every transfer: ~1 ms less of
        # PostgreSQL CPU per transfer (bench/results_transfers.md). A transaction pooler hands
        # the connection on at COMMIT, with its prepared statements: off behind one.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["server_side_binding"] = env_bool("DB_SERVER_SIDE_BINDING", True)
        prepare = env_str("DB_PREPARE_THRESHOLD", "5").lower()
        if options["server_side_binding"] and prepare not in {"off", "none", ""} and not env_bool("DB_TRANSACTION_POOLER", False):
            options["prepare_threshold"] = int(prepare)
    if env_bool("DB_TRANSACTION_POOLER", False):
        # Behind PgBouncer in transaction mode a server connection changes hands at every COMMIT:
        # a cursor that outlives its transaction (`.iterator()` in autocommit opens one WITH
        # HOLD) would be read on another client's connection. Fetch in chunks client-side instead.
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "securebank.sqlite3"),
            "OPTIONS": {
                # BEGIN IMMEDIATE takes the write lock when a transaction starts, so two writers
                # serialize instead of both reading a balance and one losing its update.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
    # The summary rollup's covering index (INCLUDE columns) is a PostgreSQL index-only-scan aid;
    # SQLite builds the same index on its key columns and would warn about it on every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# Requests running their view at once in one server process (securebank/handlers.py); more
# wait for a thread. At most DB_POOL_MAX, so that none of them waits for a pooled connection.
# Few: the views are CPU-bound Python under one GIL, and with many threads each request held its
# account locks while it waited for the GIL. 3 measured best on 2 cores (docs/scaling.md).
HTTP_THREADS = env_int("HTTP_THREADS", 3)
# Allocations between young-generation collections in a server process (CPython's default is
# 700); see securebank/gc_tuning.py.
GC_GEN0_THRESHOLD = env_int("GC_GEN0_THRESHOLD", 10_000)
DATABASES["default"].setdefault("TEST", {})
if env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"]["NAME"] = env_str("TEST_DATABASE_NAME")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache and channel layer -------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Fails open (securebank/cache.py): a Redis outage must not fail requests; each call bounded.
    CACHES = {
        "default": {
            "BACKEND": "securebank.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": env_float("CACHE_TIMEOUT_SECONDS", "0.5"),
                "socket_timeout": env_float("CACHE_TIMEOUT_SECONDS", "0.5"),
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, the same as the layer's
                # blocking BZPOPMIN: every idle consumer would be torn down after ~5 s. Read
                # timeout above the 5 s pop, still bounded (a dead Redis cannot hang a request).
                # redis-py 8 also caps a pool at 100 connections (was unbounded): a reconnect
                # storm of a few hundred sockets failed group_add/group_discard with
                # MaxConnectionsError. 1000 per process; Redis itself allows 10000 clients.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "max_connections": 1000}],
                "prefix": env_str("CHANNEL_PREFIX", "securebank"),
                "capacity": 1500,
            },
        }
    }
    if env_str("CHANNEL_LAYER", "pubsub") == "pubsub":
        # The default: Redis Pub/Sub instead of a list per channel popped one message at a
        # time. At 1,000 sockets with 8 payments in flight across two processes, delivery p99
        # 36 ms against 304 ms for the lists on a quiet 2-core machine (2.07 s vs 121 ms on a
        # loaded one; bench/results_payments.md); 5,000 idle sockets, a Redis restart and the
        # suite pass on it. At-most-once to subscribed processes, which is what a push is (the
        # stored notifications cover a client that was away); the lists (`CHANNEL_LAYER=core`)
        # are no stronger (their messages expire after 60 s). Its reader polls with a 0.1 s
        # timeout, so the 15 s read timeout above never fires. securebank.channel_layers adds
        # one thing: a transfer's events in one pipeline (one round trip instead of four).
        CHANNEL_LAYERS["default"]["BACKEND"] = "securebank.channel_layers.PipelinedPubSubChannelLayer"
        del CHANNEL_LAYERS["default"]["CONFIG"]["capacity"]
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1500}}}

# --- Passwords ---------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",  # Argon2id
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",  # accepted: the original stored bcrypt
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Locale ------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-in"
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed copies when `collectstatic` is run; no hashed names, so nothing breaks when
    # it is not (a manifest storage refuses to render a page without its manifest).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# WhiteNoise finds the files in the installed apps (read once at start when DEBUG is off), so
# no `collectstatic` step is needed to serve /admin/ and /api/docs/. STATIC_ROOT is then
# usually absent, which WhiteNoise would warn about at every start.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message=r"No directory at: .*staticfiles")

# --- Request limits ----------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

# --- Security headers --------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 3600)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "http://localhost:5173")
CORS_ALLOW_ALL_ORIGINS = False  # never a wildcard
CORS_ALLOW_HEADERS = ["authorization", "content-type", "idempotency-key", "accept", "origin"]

# --- REST framework ----------------------------------------------------------------------------
def _rate(name: str, default: str) -> str | None:
    value = env_str(name, default)
    return None if value.lower() in {"off", "none", ""} else value


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "securebank.parsers.JSONParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "securebank.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_THROTTLE_RATES": {
        "login": _rate("THROTTLE_LOGIN", "10/min"),
        "register": _rate("THROTTLE_REGISTER", "5/min"),
        "payments": _rate("THROTTLE_PAYMENTS", "60/min"),
        "voice": _rate("THROTTLE_VOICE", "30/min"),
        "pin": _rate("THROTTLE_PIN", "10/min"),
        "search": _rate("THROTTLE_SEARCH", "60/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "SecureBank API",
    # The API's prose lives beside the code that it describes, in Markdown, not in settings.
    "DESCRIPTION": (BASE_DIR / "securebank" / "openapi_description.md").read_text(encoding="utf-8").strip(),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # from drf_spectacular_sidecar's static files, not a CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "securebank.openapi.postprocess_service_unavailable",
        "securebank.openapi.postprocess_required_bodies",
        "securebank.openapi.postprocess_input_strings",
        "securebank.openapi_links.postprocess_links",
    ],
    # JWT bearer auth is declared per operation by drf-spectacular's simplejwt extension: a global
    # SECURITY list here would repeat it and wrongly mark public endpoints (login) as needing it.
}

# --- Banking knobs (later apps read these) -----------------------------------------------------
OPENING_BALANCE = env_decimal("OPENING_BALANCE", "10000.00")
MAX_TRANSFER_AMOUNT = env_decimal("MAX_TRANSFER_AMOUNT", "100000.00")
DAILY_TRANSFER_LIMIT = env_decimal("DAILY_TRANSFER_LIMIT", "200000.00")
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24)
VPA_HANDLE = env_str("VPA_HANDLE", "securebank")
# Notification outbox (notifications/outbox.py): pushed rows are acknowledged in one UPDATE per
# process every OUTBOX_ACK_SECONDS (0: one per push); `push_outbox` re-sends rows still
# unpushed OUTBOX_SWEEP_AFTER_SECONDS after they were written.
OUTBOX_ACK_SECONDS = env_float("OUTBOX_ACK_SECONDS", "1.0")
OUTBOX_SWEEP_AFTER_SECONDS = env_float("OUTBOX_SWEEP_AFTER_SECONDS", "5.0")

FRAUD_THRESHOLD = env_float("FRAUD_THRESHOLD", "0.7")
FRAUD_BLOCK_THRESHOLD = env_float("FRAUD_BLOCK_THRESHOLD", "0.95")
FRAUD_HOLD_TTL_HOURS = env_int("FRAUD_HOLD_TTL_HOURS", 24)
FRAUD_FAIL_OPEN_LIMIT = env_decimal("FRAUD_FAIL_OPEN_LIMIT", "5000.00")
FRAUD_MODEL_DIR = Path(env_str("FRAUD_MODEL_DIR", str(DATA_DIR / "models")))
# The decision policy (fraud/policy.py, table in docs/fraud.md): the customer's own behaviour.
FRAUD_DECLINE_MIN_STRONG = env_int("FRAUD_DECLINE_MIN_STRONG", 2)  # agreeing strong signals to decline
FRAUD_HOLD_MIN_WEAK = env_int("FRAUD_HOLD_MIN_WEAK", 3)  # weak signals that together hold
FRAUD_ESTABLISHED_PAYEE_PAYMENTS = env_int("FRAUD_ESTABLISHED_PAYEE_PAYMENTS", 3)
FRAUD_SIGNAL_MIN_AMOUNT = env_decimal("FRAUD_SIGNAL_MIN_AMOUNT", "2000.00")
FRAUD_MIN_HISTORY = env_int("FRAUD_MIN_HISTORY", 5)
FRAUD_NEW_ACCOUNT_DAYS = env_float("FRAUD_NEW_ACCOUNT_DAYS", "7")
FRAUD_LARGE_SHARE = env_float("FRAUD_LARGE_SHARE", "0.8")
FRAUD_UNUSUAL_AMOUNT_FACTOR = env_decimal("FRAUD_UNUSUAL_AMOUNT_FACTOR", "3")
FRAUD_VELOCITY_MIN_PAYMENTS = env_int("FRAUD_VELOCITY_MIN_PAYMENTS", 3)
FRAUD_VELOCITY_MIN_AMOUNT = env_decimal("FRAUD_VELOCITY_MIN_AMOUNT", "10000.00")
FRAUD_VELOCITY_BASELINE_FACTOR = env_decimal("FRAUD_VELOCITY_BASELINE_FACTOR", "5")
FRAUD_NEW_PAYEES_DAY = env_int("FRAUD_NEW_PAYEES_DAY", 3)
FRAUD_MULE_NEW_PAYERS = env_int("FRAUD_MULE_NEW_PAYERS", 5)
FRAUD_UNUSUAL_HOUR_SHARE = env_float("FRAUD_UNUSUAL_HOUR_SHARE", "0.05")
# The ledger asks this callable for a risk verdict before money moves (see ledger.risk).
LEDGER_RISK_ASSESSOR = env_str("LEDGER_RISK_ASSESSOR", "fraud.services.risk_assessor")
# What accounts needs from the apps above it (accounts/extensions.py).
ACCOUNTS_PRIMARY_ACCOUNT_OPEN = "ledger.services.account_open_primary"
ACCOUNTS_ACCOUNT_SUMMARY = "ledger.selectors.account_summary_for_user"
ACCOUNTS_CONTACT_SOURCES = ["ledger.selectors.counterparty_owner_ids", "payments.selectors.request_counterparty_ids"]
# The durable half of idempotency that securebank.idempotency_http hands each keyed request to.
IDEMPOTENCY_STORE = "ledger.idempotency.idempotent_execute"
# Called by the ledger inside a hold release's transaction (see ledger.listeners).
LEDGER_HOLD_RELEASE_LISTENERS = env_list("LEDGER_HOLD_RELEASE_LISTENERS", "payments.services.money_request_hold_released")

BLOCKCHAIN_DIFFICULTY = env_int("BLOCKCHAIN_DIFFICULTY", 4)

# Voice payments (voice/, docs/voice.md): offline speech model, audio limits, confirmation tokens.
VOICE_MODEL_DIR = Path(env_str("VOICE_MODEL_DIR") or str(DATA_DIR / "voice"))
VOICE_MAX_AUDIO_BYTES = env_int("VOICE_MAX_AUDIO_BYTES", 5 * 1024 * 1024)
VOICE_MAX_AUDIO_SECONDS = env_float("VOICE_MAX_AUDIO_SECONDS", "15")
VOICE_CONFIRMATION_SECONDS = env_int("VOICE_CONFIRMATION_SECONDS", 120)


def env_key32(name: str, *, dev_label: str | None = None, value: str | None = None) -> bytes:
    """A 32-byte key given as base64. Missing: DEBUG derives a stable one from `dev_label`,
    production refuses to start. Malformed: always refuses to start."""
    import base64
    import binascii

    raw = env_str(name) if value is None else value.strip()
    if not raw and dev_label is not None:
        if not DEBUG:
            refuse_to_start(f"{name} is not set and DEBUG is off (base64 of 32 random bytes: `openssl rand -base64 32`).")
        return derived_dev_secret(dev_label)
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        refuse_to_start(f"{name} must be base64 of exactly 32 bytes.")
    return key


# AES-256-GCM key of QR tokens; old keys (comma-separated base64) still decrypt during rotation.
QR_ENCRYPTION_KEY = env_key32("QR_ENCRYPTION_KEY", dev_label="qr-encryption")
QR_ENCRYPTION_KEYS_OLD = [env_key32("QR_ENCRYPTION_KEYS_OLD", value=v) for v in env_list("QR_ENCRYPTION_KEYS_OLD")]
# Ed25519 seed (32 bytes, base64) that signs every block hash of the transaction chain.
CHAIN_SIGNING_KEY = env_key32("CHAIN_SIGNING_KEY", dev_label="chain-signing")


def env_public_keys(name: str) -> list[bytes]:
    """Comma-separated Ed25519 public keys, 64 hex digits each (as GET /api/blockchain/head
    shows them). Malformed: refuses to start."""
    keys = []
    for item in env_list(name):
        try:
            key = bytes.fromhex(item)
        except ValueError:
            key = b""
        if len(key) != 32:
            refuse_to_start(f"{name}: each key must be 64 hex digits (an Ed25519 public key).")
        keys.append(key)
    return keys


# Public keys of chain signing keys retired by rotation, oldest first: blocks they signed
# still verify, and no block may be signed by one after a newer key has signed (docs/chain.md).
CHAIN_RETIRED_PUBLIC_KEYS = env_public_keys("CHAIN_RETIRED_PUBLIC_KEYS")

# UPI PIN (accounts/pin.py, docs/pin.md): HMAC-SHA256 key of stored PINs (base64, 32 bytes), and
# retired keys (comma-separated) that still verify; a PIN hashed under one is rehashed on success.
PIN_HMAC_KEY = env_key32("PIN_HMAC_KEY", dev_label="pin-hmac")
PIN_HMAC_KEYS_OLD = [env_key32("PIN_HMAC_KEYS_OLD", value=v) for v in env_list("PIN_HMAC_KEYS_OLD")]
# On: a customer without a PIN cannot move money until they set one (a real bank's rule).
PIN_REQUIRED = env_bool("PIN_REQUIRED", True)
PIN_MAX_ATTEMPTS = env_int("PIN_MAX_ATTEMPTS", 3)
PIN_LOCK_HOURS = env_int("PIN_LOCK_HOURS", 24)

# Reverse proxies in front of daphne that append to X-Forwarded-For. 0: throttles key on the peer
# address, so a client cannot choose its own throttle identity with a forged header.
REST_FRAMEWORK["NUM_PROXIES"] = env_int("TRUSTED_PROXY_COUNT", 0)

# Background workers (securebank/management/loop.py): after failed batches in a row the wait
# doubles from --interval up to this many seconds.
WORKER_BACKOFF_MAX_SECONDS = env_float("WORKER_BACKOFF_MAX_SECONDS", "60")

# --- Logging: no request bodies, no secrets ----------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}, "daphne": {"level": "WARNING"}},
}

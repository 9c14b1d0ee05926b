"""Set-up shared by the in-process benchmarks (chain.py, fraud_score.py)."""

from __future__ import annotations

import os
import tempfile


def django_setup(database_url: str | None, *, scratch_prefix: str) -> None:
    """Start Django for a benchmark: the given PostgreSQL database (flushed), or a fresh SQLite
    file in a scratch directory; migrated either way. Callers set their own env knobs first."""
    os.environ.setdefault("DEBUG", "1")
    os.environ["LOG_LEVEL"] = "WARNING"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SECUREBANK_DATA_DIR"] = tempfile.mkdtemp(prefix=scratch_prefix)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "securebank.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if database_url:
        call_command("flush", verbosity=0, interactive=False)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

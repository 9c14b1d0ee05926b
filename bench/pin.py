"""What the UPI PIN check adds to a payment (accounts/pin.py).

    DEBUG=1 .venv/bin/python bench/pin.py --database-url postgres://postgres@127.0.0.1:5432/sb_pin_bench

Measures, in microseconds (median and p95 of `--runs`, after warm-up):
- the keyed hash alone (HMAC-SHA256 of "<user id>:<pin>") and its constant-time comparison;
- `pin_check_for_payment` with the right PIN: the whole gate a payment passes, i.e. one short
  transaction that locks the customer's PIN row (BEGIN, SELECT ... FOR UPDATE, COMMIT);
- the same with a wrong PIN (the attempt is counted and committed; the count is reset between
  runs so the PIN never locks), and the gate for a customer without a PIN when PIN_REQUIRED is off;
- for reference, one `SELECT 1` round trip (the check is about four: BEGIN, SELECT ... FOR UPDATE,
  SET LOCAL, COMMIT), and for scale a salted slow hash of the same PIN with the project's password hasher (Argon2id
  with production parameters), the cost the issue rules out.
The database is flushed and migrated (use a database of your own).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup, pct  # noqa: E402


def micro(fn, runs: int) -> tuple[float, float]:
    for _ in range(min(runs, 50)):
        fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - t) / 1000)
    return statistics.median(samples), pct(samples, 0.95)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/sb_pin_bench",
                   help="PostgreSQL database to flush and use ('' for a scratch SQLite file)")
    p.add_argument("--runs", type=int, default=2000)
    args = p.parse_args()
    django_setup(args.database_url or None, scratch_prefix="sb-pin-")
    import hmac

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts import pin as pins
    from accounts.exceptions import PinInvalid
    from accounts.models import UserPin
    from ledger.seed import make_user

    user, other = make_user("pinbench"), make_user("nopin")
    pins.pin_set(user=user, pin="482913", pin_confirm="482913")
    stored = UserPin.objects.get(user=user).pin_hash
    key = settings.PIN_HMAC_KEY
    print(f"database: {connection.vendor}; runs: {args.runs}\n")
    print(f"{'what':<62} {'median µs':>10} {'p95 µs':>9}")

    def row(label: str, fn, runs: int = args.runs) -> None:
        med, p95 = micro(fn, runs)
        print(f"{label:<62} {med:>10.1f} {p95:>9.1f}")

    row("HMAC-SHA256 of the PIN", lambda: pins.pin_digest(user_id=user.pk, pin="482913", key=key))
    row("HMAC + constant-time compare",
        lambda: hmac.compare_digest(pins.pin_digest(user_id=user.pk, pin="482913", key=key), stored))
    def select_one() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    row("for reference: one SELECT 1 round trip to the database", select_one)
    row("pin_check_for_payment, right PIN (row lock + commit)", lambda: pins.pin_check_for_payment(user=user, pin="482913"))

    def wrong() -> None:
        try:
            pins.pin_check_for_payment(user=user, pin="000000")
        except PinInvalid:
            pass
        UserPin.objects.filter(user=user).update(failed_attempts=0)

    row("pin_check_for_payment, wrong PIN (+ count reset, 2 commits)", wrong, max(args.runs // 4, 100))
    settings.PIN_REQUIRED = False
    row("pin_check_for_payment, no PIN set, PIN_REQUIRED off", lambda: pins.pin_check_for_payment(user=other, pin=None))
    settings.PIN_REQUIRED = True
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=settings.PASSWORD_HASHERS):
        row(f"for scale: {settings.PASSWORD_HASHERS[0].rsplit('.', 1)[1]} of the PIN (ruled out)",
            lambda: make_password("482913"), 5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

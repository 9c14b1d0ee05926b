"""pytest plugin loaded with `-p securebank.testing` (see pytest.ini), before Django starts.

Tests run with development secrets unless the environment provides real ones, and with
throttling off unless a test turns it on.
"""

import os

os.environ.setdefault("DEBUG", "1")
for scope in ("THROTTLE_LOGIN", "THROTTLE_REGISTER", "THROTTLE_PAYMENTS", "THROTTLE_VOICE", "THROTTLE_PIN", "THROTTLE_SEARCH"):
    os.environ.setdefault(scope, "off")
os.environ.setdefault("OPENING_BALANCE", "10000.00")
# Most tests are about something else than the PIN: paying without one is allowed unless a test
# turns PIN_REQUIRED on (accounts/tests/test_pin_*.py do).
os.environ.setdefault("PIN_REQUIRED", "0")

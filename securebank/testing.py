"""pytest plugin loaded with `-p securebank.testing` (see pytest.ini), before Django starts.

Tests run with development secrets unless the environment provides real ones, and with
throttling off unless a test turns it on.
"""

import os

os.environ.setdefault("DEBUG", "1")
for scope in ("THROTTLE_LOGIN", "THROTTLE_REGISTER", "THROTTLE_PAYMENTS", "THROTTLE_VOICE"):
    os.environ.setdefault(scope, "off")
os.environ.setdefault("OPENING_BALANCE", "10000.00")

"""A cheap Argon2id for the test suite only (see conftest.py): same algorithm and hash format
as production, with tiny cost parameters so that creating a test user takes microseconds
instead of a second."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64  # KiB: the minimum for parallelism 1
    parallelism = 1

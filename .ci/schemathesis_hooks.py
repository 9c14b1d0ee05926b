"""schemathesis hooks for .ci/fuzz_api.py."""

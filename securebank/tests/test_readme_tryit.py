"""tools/readme_tryit.py (run by .ci/run against a live server) reads README's "Try it" block
and checks each answer against its `# →` comment; here, without a server, that it reads the
block right and that its checks can fail."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("readme_tryit", ROOT / "tools" / "readme_tryit.py")
tryit = importlib.util.module_from_spec(_spec)
sys.modules["readme_tryit"] = tryit  # dataclasses look their module up
_spec.loader.exec_module(tryit)


@pytest.fixture(scope="module")
def commands() -> list:
    return tryit.commands(tryit.try_it_block((ROOT / "README.md").read_text(encoding="utf-8")))


def test_the_block_shows_what_a_newcomer_needs(commands):
    text = "\n".join(c.text for c in commands)
    assert 'ACCESS=$(curl' in text and '"username":"bob","email":"bob@example.in"' in text
    assert any(c.expect_status == 409 and c.expect_code == "idempotency_conflict" for c in commands)
    assert any("idempotent-replayed" in c.text for c in commands)
    assert any("websockets" in c.text and c.expect_words == ["pong", "payment_received"] for c in commands)
    assert any("createsuperuser" in c.text for c in commands) and "/admin/" in text
    # Continuation lines are one command; comment lines are not commands.
    assert all(not c.text.lstrip().startswith("#") for c in commands)
    assert sum("api/auth/register" in c.text for c in commands) == 2


@pytest.mark.parametrize(("output", "rc", "status", "code", "problem"), [
    ('{"user": {}}', 0, 201, None, None),
    ('{"error": {"code": "pin_required"}}', 0, 201, None, "error pin_required, expected 201"),
    ('{"error": {"code": "idempotency_conflict"}}', 0, 409, "idempotency_conflict", None),
    ('{"error": {"code": "request_in_progress"}}', 0, 409, "idempotency_conflict", "expected error idempotency_conflict"),
    ('{"ok": true}', 0, 409, "idempotency_conflict", "expected error idempotency_conflict"),
    ("HTTP/1.1 201 Created\nIdempotent-Replayed: true", 0, 201, None, None),
    ("HTTP/1.1 200 OK", 0, 201, None, "status 200, expected 201"),
    ("200", 0, 200, None, None),
    ("", 1, None, None, "exit status 1"),
    ("", 0, 201, None, "no status and no JSON answer, expected 201"),
])
def test_each_check_can_fail(output, rc, status, code, problem):
    command = tryit.Command("curl ...", status, code, [])
    assert tryit.check(command, output, rc) == problem

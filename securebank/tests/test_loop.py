"""Background workers (securebank.management.loop): a graceful stop on SIGTERM/SIGINT, survival
of a transient database error with a capped backoff, one line per batch that did work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError

from fraud.management.commands import release_expired_holds
from securebank.management import loop
from securebank.management.loop import LoopCommand


@pytest.fixture
def no_sleep(monkeypatch):
    """The loop's waits, recorded instead of slept; connection closes counted (the test's own
    transaction must stay open)."""
    waits: list[float] = []
    closes: list[int] = []
    monkeypatch.setattr(LoopCommand, "wait", lambda self, seconds: waits.append(seconds))
    monkeypatch.setattr(loop, "close_old_connections", lambda: closes.append(1))
    return waits, closes


def sigterm_self() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def test_a_transient_database_error_is_logged_backed_off_up_to_the_cap_and_survived(no_sleep, monkeypatch, settings, caplog):
    waits, closes = no_sleep
    settings.WORKER_BACKOFF_MAX_SECONDS = 12
    script = [OperationalError("server closed the connection unexpectedly\nDETAIL: more"),
              OperationalError("connection refused"), OperationalError("connection refused"), 2, 0, "stop"]

    def release() -> int:
        step = script.pop(0)
        if isinstance(step, Exception):
            raise step
        if step == "stop":
            sigterm_self()
            return 0
        return step

    monkeypatch.setattr(release_expired_holds, "expired_holds_release", release)
    out = StringIO()
    call_command("release_expired_holds", "--loop", "--interval", "5", stdout=out)
    assert waits == [5, 10, 12, 5, 5, 5]  # doubling from --interval, capped, reset by a success
    lines = out.getvalue().splitlines()
    assert lines == ["release_expired_holds: every 5 s until SIGTERM/SIGINT",
                     "release_expired_holds: released 2 hold(s)",  # idle batches print nothing
                     "release_expired_holds: stopped"]
    failures = [r for r in caplog.records if r.name == "securebank.workers"]
    assert len(failures) == 3 and all(r.levelname == "WARNING" for r in failures)
    assert failures[0].getMessage() == (
        "release_expired_holds: database error (OperationalError: server closed the connection unexpectedly), retrying in 5 s")
    assert "DETAIL" not in failures[0].getMessage()
    assert len(closes) >= 6 + 3  # before every batch and after every failure
    assert signal.getsignal(signal.SIGTERM) is not LoopCommand._stop  # handlers put back


def test_any_other_failure_is_logged_with_its_traceback_and_survived(no_sleep, monkeypatch, caplog):
    script = [RuntimeError("a bug"), "stop"]

    def release() -> int:
        step = script.pop(0)
        if isinstance(step, Exception):
            raise step
        sigterm_self()
        return 1

    monkeypatch.setattr(release_expired_holds, "expired_holds_release", release)
    out = StringIO()
    call_command("release_expired_holds", "--loop", "--interval", "1", stdout=out)
    assert "released 1 hold(s)" in out.getvalue() and out.getvalue().endswith("stopped\n")
    failure = next(r for r in caplog.records if r.name == "securebank.workers")
    assert failure.levelname == "ERROR" and failure.exc_info


def test_a_stop_signal_lets_the_batch_in_progress_finish(no_sleep):
    batches: list[str] = []

    class Worker(LoopCommand):
        worker = "test_worker"

        def run_once(self) -> str | None:
            batches.append("started")
            sigterm_self()  # arrives mid-batch
            batches.append("finished")
            return "did one batch"

    out = StringIO()
    Worker(stdout=out).run_from_argv(["manage.py", "test_worker", "--loop", "--interval", "1"])
    assert batches == ["started", "finished"]
    assert out.getvalue().splitlines()[-2:] == ["test_worker: did one batch", "test_worker: stopped"]


def test_a_single_run_fails_with_a_one_line_reason(monkeypatch):
    def release() -> int:
        raise OperationalError("connection refused\nIs the server running?")

    monkeypatch.setattr(release_expired_holds, "expired_holds_release", release)
    with pytest.raises(CommandError, match=r"^release_expired_holds failed: OperationalError: connection refused$"):
        call_command("release_expired_holds", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("release_expired_holds", "--loop", "--interval", "0")


@pytest.fixture(scope="module")
def worker_env():
    with tempfile.TemporaryDirectory(prefix="securebank-workers-") as tmp:
        env = {**os.environ, "DEBUG": "1", "PYTHONUNBUFFERED": "1", "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3"}
        env.pop("REDIS_URL", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],  # noqa: S603
                       cwd=settings.BASE_DIR, env=env, check=True)
        yield env


@pytest.mark.slow
@pytest.mark.parametrize(("command", "sig"), [
    ("release_expired_holds", signal.SIGTERM),
    ("expire_requests", signal.SIGINT),
    ("mine_blocks", signal.SIGTERM),
])
def test_a_real_worker_process_stops_cleanly_on_a_signal(worker_env, command, sig):
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", command, "--loop", "--interval", "0.2"],
        cwd=settings.BASE_DIR, env=worker_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first = process.stdout.readline()
        assert first == f"{command}: every 0.2 s until SIGTERM/SIGINT\n", process.stderr.read()
        time.sleep(1)  # a few batches
        process.send_signal(sig)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert out.endswith(f"{command}: stopped\n") and "Traceback" not in err

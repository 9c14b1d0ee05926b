"""Run README's "Try it" commands against a fresh SecureBank and check each answer.

    .venv/bin/python tools/readme_tryit.py [--port 5590]

Starts daphne on an empty SQLite database in a temporary directory (the `make run` defaults:
DEBUG=1, in-memory channel layer, throttles and the UPI PIN on), runs the first ```bash block
under "## Try it" in ONE bash process (so `ACCESS=...` carries on), with `localhost:5000`
pointed at that server, and checks what the block's comments promise:

- every command exits 0 (a `grep` that finds nothing fails);
- `# → 201`: the answer has that status, read from a status line (`curl -i`), a bare code
  (`curl -w '%{http_code}'`) or, for a JSON body, its shape: no `error` for 2xx, the named error
  code (`# → 409 idempotency_conflict`) for 4xx;
- `# → pong, payment_received`: words that must show up in the output (background commands).
Exit 0 when all hold; each failure is printed with the command and what it answered
(TRYIT_DEBUG=1 prints the whole output too).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
MARK = "@@readme-tryit"
ANSI = re.compile(r"\x1b(?:\[[0-9;]*[A-Za-z]|[78])")  # the WebSocket client's prompt handling


@dataclass
class Command:
    text: str  # as written in the README (continuation lines joined), comment included
    expect_status: int | None
    expect_code: str | None
    expect_words: list[str]


def try_it_block(readme: str) -> str:
    section = readme.split("\n## Try it\n", 1)[1]
    match = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    if match is None:
        raise SystemExit('README: no ```bash block under "## Try it"')
    return match.group(1)


def commands(block: str) -> list[Command]:
    out: list[Command] = []
    pending = ""
    for line in block.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line + "\n"
        if line.rstrip().endswith("\\"):
            continue
        comment = pending.rstrip().rsplit("# →", 1)[1].strip() if "# →" in pending else ""
        status = code = None
        words: list[str] = []
        head = re.match(r"(\d{3})(?:\s+([a-z_]+))?", comment)
        if head:
            status, code = int(head.group(1)), head.group(2)
        elif comment:
            words = [w.strip() for w in comment.split(",") if w.strip()]
        out.append(Command(pending.rstrip("\n"), status, code, words))
        pending = ""
    return out


def script(cmds: list[Command], port: int) -> str:
    lines = ["set -m"]  # background jobs get their own process group, killed below
    for i, cmd in enumerate(cmds):
        lines += [cmd.text.replace("localhost:5000", f"localhost:{port}"), f'echo; echo "{MARK} {i} $?"']
    lines += ["sleep 3", 'for job in $(jobs -p); do kill -- "-$job" 2>/dev/null; done', "wait 2>/dev/null", "true"]
    return "\n".join(lines) + "\n"


def answer_status(output: str) -> tuple[int | None, dict | None]:
    status = body = None
    for line in output.splitlines():
        line = line.strip()
        if re.match(r"^HTTP/[\d.]+ \d{3}", line):
            status = int(line.split()[1])
        elif re.fullmatch(r"\d{3}", line):
            status = int(line)
        elif line.startswith("{"):
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                body = parsed
    return status, body


def check(cmd: Command, output: str, rc: int) -> str | None:
    if rc != 0:
        return f"exit status {rc}"
    if cmd.expect_status is None:
        return None
    status, body = answer_status(output)
    if status is not None:
        return None if status == cmd.expect_status else f"status {status}, expected {cmd.expect_status}"
    if body is None:
        return f"no status and no JSON answer, expected {cmd.expect_status}"
    error = body.get("error") if isinstance(body.get("error"), dict) else None
    if cmd.expect_status >= 400:
        if error is None or (cmd.expect_code and error.get("code") != cmd.expect_code):
            return f"expected error {cmd.expect_code or cmd.expect_status}"
        return None
    return None if error is None else f"error {error.get('code')}, expected {cmd.expect_status}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health/live", timeout=2):  # noqa: S310 - local
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer on port {port} within {seconds:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    args = parser.parse_args()
    port = args.port or free_port()
    cmds = commands(try_it_block((ROOT / "README.md").read_text(encoding="utf-8")))

    with tempfile.TemporaryDirectory(prefix="securebank-tryit-") as data:
        env = {k: v for k, v in os.environ.items()
               if k not in {"DATABASE_URL", "REDIS_URL"} and not k.startswith(("THROTTLE_", "PIN_"))}
        env.update(DEBUG="1", SECUREBANK_DATA_DIR=data, LOG_LEVEL="WARNING")
        subprocess.run([str(PYTHON), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)  # noqa: S603
        log = Path(data) / "server.log"
        with log.open("w") as log_file:
            server = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
                [str(ROOT / ".venv" / "bin" / "daphne"), "-b", "127.0.0.1", "-p", str(port), "securebank.asgi:application"],
                cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            )
            try:
                wait_until_up(port, server)
                run = subprocess.run(["bash"], input=script(cmds, port), cwd=ROOT, env=env, text=True,  # noqa: S603, S607
                                     capture_output=True, timeout=300, check=False)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()
        server_log = log.read_text(encoding="utf-8", errors="replace")
    output = ANSI.sub("", run.stdout)
    if os.environ.get("TRYIT_DEBUG"):
        print(output)
    sections = re.split(rf"^{MARK} (\d+) (\d+)$", output, flags=re.MULTILINE)
    results = {int(sections[i]): (sections[i - 1], int(sections[i + 1])) for i in range(1, len(sections) - 1, 3)}
    failures = []
    for i, cmd in enumerate(cmds):
        if i not in results:
            failures.append((cmd, "did not run (the block stopped before it)", ""))
            continue
        text, rc = results[i]
        problem = check(cmd, text, rc)
        missing = [w for w in cmd.expect_words if w not in output]
        if missing:
            problem = f"{problem + '; ' if problem else ''}never saw {', '.join(missing)}"
        if problem:
            failures.append((cmd, problem, text.strip()[-600:]))
    for cmd, problem, text in failures:
        print(f"FAIL {problem}\n  $ {cmd.text}\n  {text}\n", file=sys.stderr)
    if failures:
        print(f"commands' stderr:\n{run.stderr.strip()[-2000:]}\nserver log:\n{server_log[-2000:]}", file=sys.stderr)
    print(f"README Try it: {len(cmds) - len(failures)}/{len(cmds)} commands answered as documented")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""`.env.example` lists exactly the variables the code reads from the environment: the
settings' `env_*()` helpers and throttle rates, and any `os.environ` / `os.getenv` read in the
apps. Read with `ast` (nothing runs), so a new `env_int("X", ...)` fails here until documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["securebank", "accounts", "ledger", "notifications", "payments", "fraud", "chain", "voice", "classic"]
# Read through a helper whose first argument is the variable's name.
HELPERS = re.compile(r"^(env_\w+|_rate)$")
OS_READS = {"os.environ.get", "os.getenv"}
# Support for tests and benchmarks, not the bank's configuration: their knobs are documented there.
NOT_SETTINGS = {("securebank", "testing.py"), ("securebank", "liveserver.py")}


def names_read(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = ast.unparse(node.func)
            if (HELPERS.match(func) or func in OS_READS) and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            if isinstance(node.slice, ast.Constant) and isinstance(node.ctx, ast.Load):
                names.add(node.slice.value)
    return names


def names_in_code() -> set[str]:
    names: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts or parts in NOT_SETTINGS:
                continue
            names |= names_read(path.read_text(encoding="utf-8"))
    return names


def names_in_example() -> set[str]:
    """`NAME=value` lines, and `# NAME=default` for a default computed from another setting."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def test_env_example_lists_every_variable_the_code_reads():
    missing = names_in_code() - names_in_example()
    assert not missing, f"add to .env.example (with its default and a word on it): {sorted(missing)}"


def test_env_example_lists_nothing_the_code_does_not_read():
    unknown = names_in_example() - names_in_code()
    assert not unknown, f"no code reads these; remove them from .env.example: {sorted(unknown)}"


def test_the_scan_finds_each_way_of_reading():
    source = (
        'import os\nA = env_int("A_INT", 3)\nB = _rate("B_RATE", "1/min")\nC = os.environ.get("C_GET")\n'
        'D = os.environ["D_ITEM"]\nE = os.getenv("E_GETENV")\nos.environ["NOT_READ"] = "1"\n'
        'F = request.environ.get("QUERY_STRING")\n'
    )
    assert names_read(source) == {"A_INT", "B_RATE", "C_GET", "D_ITEM", "E_GETENV"}

"""The apps' layers (DESIGN.md, "Layout"): an app imports only from the apps
below it, never from its own layer's siblings or from above. Import cycles between apps are
therefore impossible, including the ones hidden in function-level imports.

    classic
    voice
    chain | fraud | payments                    (independent of each other)
    notifications                               (stored notifications, outbox, sockets)
    ledger
    accounts
    securebank                                  (its URL map and ASGI routing wire every app in)

Like import-linter's layers contract, read with `ast` (no import runs): every `import` and
`from ... import` in the apps' code, at module level or inside a function, except tests,
migrations and imports under `if TYPE_CHECKING:` (types create no runtime dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LAYERS: list[set[str]] = [
    {"securebank"},
    {"accounts"},
    {"ledger"},
    {"notifications"},
    {"chain", "fraud", "payments"},
    {"voice"},
    {"classic"},
]
LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}

# The project package's wiring imports every app by design.
WIRING = {"securebank/urls.py", "securebank/routing.py", "securebank/asgi.py"}

# Known upward imports still to be inverted, each `file -> imported module`. The list may only
# shrink: an entry that no longer exists fails the test too, so it is removed with its fix.
KNOWN: dict[tuple[str, str], str] = {}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(tree: ast.AST) -> list[tuple[str, int]]:
    """(module, line) of every absolute import in `tree`, skipping `if TYPE_CHECKING:` blocks."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def upward_imports(root: Path = ROOT) -> dict[tuple[str, str], list[int]]:
    """{(file, module): [lines]} for every import of an app from the same layer or above."""
    out: dict[tuple[str, str], list[int]] = {}
    for app, level in LEVEL.items():
        for path in sorted((root / app).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            parts = path.relative_to(root).parts
            if "tests" in parts or "migrations" in parts or rel in WIRING:
                continue
            for module, line in imports_of(ast.parse(path.read_text(encoding="utf-8"))):
                target = module.split(".")[0]
                if target in LEVEL and target != app and LEVEL[target] >= level:
                    out.setdefault((rel, module), []).append(line)
    return out


def test_every_app_is_in_a_layer():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")} | {"securebank"}
    assert apps == set(LEVEL), "add the new app to LAYERS (and to DESIGN)"


def test_no_app_imports_a_sibling_or_an_upper_layer():
    found = upward_imports()
    new = {f"{file}:{lines[0]} imports {module}" for (file, module), lines in found.items() if (file, module) not in KNOWN}
    assert not new, "lower layers never import upper ones; invert the dependency (see ledger/risk.py):\n" + "\n".join(sorted(new))


def test_the_known_exceptions_still_exist():
    gone = set(KNOWN) - set(upward_imports())
    assert not gone, f"fixed, remove from KNOWN: {sorted(gone)}"


def test_the_check_sees_function_level_imports_and_skips_type_only_ones(tmp_path):
    for app in LEVEL:
        (tmp_path / app).mkdir()
    (tmp_path / "ledger" / "views.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from chain.models import Block\n"
        "def proof():\n    from chain.views import TransactionProofView\n    return TransactionProofView\n"
    )
    (tmp_path / "payments" / "services.py").write_text("import fraud.services\nfrom ledger import services\n")
    (tmp_path / "ledger" / "tests").mkdir()
    (tmp_path / "ledger" / "tests" / "test_x.py").write_text("from classic import views\n")
    assert upward_imports(tmp_path) == {
        ("ledger/views.py", "chain.views"): [5],
        ("payments/services.py", "fraud.services"): [1],
    }

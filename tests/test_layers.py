"""The flow runs one way: the layers below the HTTP API never import it.

``newswire.api`` is the thin HTTP layer; the faces (``newswire.web``), delivery, access,
search, store, bus, formats and text are what it delegates to. A module below that
imports the API would make the rule or the work live in two places (the entitlement rule
once lived in four), so this test reads every module's imports.

Likewise nothing outside ``newswire.store`` codes against a store backend: the layers
above see only the contract (``newswire.store.base``, ``.access``, ``.webhooks``), so
that every backend serves them alike.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "newswire"

BELOW_THE_API = ("web", "delivery", "access", "search", "store", "bus", "formats", "text")


def imports_of(path: Path) -> set[str]:
    """Every module (and imported name) ``path`` imports, at the top or inside a function;
    relative imports are resolved against the module's own package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = list(path.relative_to(PACKAGE.parent).parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("layer", BELOW_THE_API)
def test_no_layer_below_the_api_imports_it(layer):
    offenders = {
        str(path.relative_to(PACKAGE.parent)): sorted(
            name for name in imports_of(path) if name == "newswire.api" or name.startswith("newswire.api.")
        )
        for path in sorted((PACKAGE / layer).rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}


BACKENDS = ("newswire.store.sqlite", "newswire.store.postgres")


def test_only_the_store_imports_its_backends():
    """A module outside ``newswire/store`` that imports a backend (``newswire.store.sqlite``,
    ``newswire.store.postgres``, or a module of theirs) works with that backend only."""
    offenders = {
        str(path.relative_to(PACKAGE.parent)): sorted(
            name
            for name in imports_of(path)
            if any(name == b or name.startswith(f"{b}.") for b in BACKENDS)
        )
        for path in sorted(PACKAGE.rglob("*.py"))
        if PACKAGE / "store" not in path.parents
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_entitlement_rule_has_one_home():
    """``grant`` (the product rule) is defined once, in ``newswire.access.entitlement``,
    and nothing else defines a function of that name or of the rule's other parts."""
    rule = {"grant", "grant_for", "grant_seen", "reachable", "visible", "public_version"}
    homes: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in rule:
                homes.setdefault(node.name, []).append(str(path.relative_to(PACKAGE)))
    assert homes == {name: ["access/entitlement.py"] for name in rule}

"""The flow runs one way: the layers below the HTTP API never import it.

``newswire.api`` is the thin HTTP layer; the faces (``newswire.web``), delivery, access,
search, store, bus, formats and text are what it delegates to. A module below that
imports the API would make the rule or the work live in two places (the entitlement rule
once lived in four), so this test reads every module's imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "newswire"

BELOW_THE_API = ("web", "delivery", "access", "search", "store", "bus", "formats", "text")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
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

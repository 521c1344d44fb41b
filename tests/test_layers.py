"""The flow runs one way: the layers below the HTTP API never import it.

``newswire.api`` is the thin HTTP layer; the faces (``newswire.web``), delivery, access,
search, store, bus, formats and text are what it delegates to. A module below that
imports the API would make the rule or the work live in two places (the entitlement rule
once lived in four), so this test reads every module's imports.

Likewise nothing outside ``newswire.store`` codes against a store backend: the layers
above see only the contract (``newswire.store.base``, ``.access``, ``.webhooks``), so
that every backend serves them alike.

And the web's three faces (``newswire/web/public``, ``portal``, ``console``) each live in
one place: a face imports no other face, what they share (``newswire/web/*.py``) imports
none, and each keeps its own templates and static files.
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


# --- the three faces ------------------------------------------------------------------------

WEB = PACKAGE / "web"
FACES = ("public", "portal", "console")


def _imports_a_face(name: str, faces: tuple[str, ...]) -> bool:
    return any(name == f"newswire.web.{f}" or name.startswith(f"newswire.web.{f}.") for f in faces)


@pytest.mark.parametrize("face", FACES)
def test_a_face_imports_no_other_face(face):
    """Each face (``newswire/web/<face>/``) stands on what the faces share, never on another
    face: the console links the portal's stylesheet and login page by URL, not by import."""
    others = tuple(f for f in FACES if f != face)
    offenders = {
        str(path.relative_to(PACKAGE.parent)): sorted(
            name for name in imports_of(path) if _imports_a_face(name, others)
        )
        for path in sorted((WEB / face).rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_what_the_faces_share_imports_no_face():
    """The modules of ``newswire/web/`` itself (sessions, URLs, languages, static files) are
    shared: none of them imports a face."""
    offenders = {
        path.name: sorted(name for name in imports_of(path) if _imports_a_face(name, FACES))
        for path in sorted(WEB.glob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_every_face_keeps_its_templates_and_static_files_apart():
    """A template's name starts with its face's (``portal_base.html``), so that a name says
    where it lives; ``/static/<name>`` is one URL space for the three faces, so no two of
    their static files share a name; and ``newswire/web`` itself keeps no templates."""
    served: dict[str, str] = {}
    for face in FACES:
        templates = sorted(p.name for p in (WEB / face / "templates").iterdir())
        assert templates and all(name.startswith(f"{face}_") for name in templates), templates
        for path in (WEB / face / "static").iterdir():
            assert path.name not in served, f"{face} and {served[path.name]}: {path.name}"
            served[path.name] = face
    assert not (WEB / "templates").exists() and not (WEB / "static").exists()


def test_the_package_ships_every_face_file():
    """Templates and static files are package data: each is matched by a pattern of
    ``[tool.setuptools.package-data]``, or it would be missing from an installed server."""
    import tomllib

    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["newswire"]
    files = [
        path.relative_to(PACKAGE)
        for face in FACES
        for folder in ("templates", "static")
        for path in (WEB / face / folder).rglob("*")
        if path.is_file()
    ]
    assert files
    assert [str(f) for f in files if not any(f.match(p) for p in patterns)] == []

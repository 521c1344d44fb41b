"""The docs name every setting, format and command (they fail when one is undocumented)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import msgspec
from typer.main import get_command

from newswire import formats
from newswire.api.admin import ProductBody, SubscriberBody
from newswire.api.ops import QUEUES
from newswire.api.traffic import Traffic
from newswire.cli import app
from newswire.delivery.meter import Metrics
from newswire.settings import SETTINGS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
FORMATS_DOC = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    for s in SETTINGS:
        assert f"`{s.env}`" in README, s.env


def test_every_format_is_documented():
    for name in formats.CODECS:
        assert f"`{name}`" in README, name
        assert f"`{name}`" in FORMATS_DOC, name


def test_every_command_is_documented():
    for name in get_command(app).commands:
        assert f"`newswire {name}" in README, name


def _exposed_metrics() -> set[str]:
    """The names ``GET /metrics`` gives (a counter's with ``_total``)."""
    families = [*Metrics().registry.collect(), *Traffic().collect()]
    return {
        f"{family.name}_total" if family.type == "counter" else family.name for family in families
    } | set(QUEUES)


def test_every_metric_is_documented_and_the_alert_rules_name_real_ones():
    doc = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    section = doc.split("\n## Metrics\n", 1)[1].split("\n## ", 1)[0]
    exposed = _exposed_metrics()
    for name in exposed:
        assert f"| `{name}" in section, f"{name} is not in the table of docs/deployment.md#metrics"
    named = {re.sub(r"_(bucket|count|sum)$", "", n) for n in re.findall(r"\bnewswire_\w+", section)}
    assert named <= exposed, f"the docs name metrics that do not exist: {named - exposed}"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "make test" in README


def _make_demo(**env: str) -> list[str]:
    """The ``newswire demo`` command ``make demo`` runs in ``env`` (``make -n``), as words."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("NEWSWIRE_DB", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}  # fmt: skip
    done = subprocess.run(
        ["make", "-n", "demo"], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    (line,) = [line for line in done.stdout.splitlines() if "newswire demo" in line]
    return shlex.split(line)


def test_make_demo_reads_the_database_from_the_environment_as_the_readme_says():
    # ``NEWSWIRE_PORT=8001 make demo``: "every setting ... is read from the environment
    # the same way", the database too; ./demo.db when none is named.
    assert "NEWSWIRE_PORT=8001 make demo" in README and "./demo.db" in README
    assert _make_demo()[-2:] == ["--db", "sqlite:///./demo.db"]
    assert _make_demo(NEWSWIRE_DB="")[-2:] == ["--db", "sqlite:///./demo.db"]
    url = "postgresql://desk@db.example/newswire?sslmode=require&application_name=demo"
    assert _make_demo(NEWSWIRE_DB=url)[-2:] == ["--db", url]


def _headings(markdown: str) -> set[str]:
    """The anchors GitHub gives a page's headings (code blocks left out)."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6} (.+)$", re.sub(r"```.*?```", "", markdown, flags=re.S), re.M):
        anchor = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        n = 0
        while (anchor if n == 0 else f"{anchor}-{n}") in anchors:
            n += 1
        anchors.add(anchor if n == 0 else f"{anchor}-{n}")
    return anchors


def test_every_link_names_a_file_and_heading_that_exist():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted(ROOT.glob("*/README.md"))]
    broken = []
    for page in pages:
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):
                continue  # a URL
            path, _, anchor = target.partition("#")
            linked = (page.parent / path) if path else page
            name = f"{Path(page).relative_to(ROOT)}: {target}"
            if not linked.exists():
                broken.append(f"{name} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in _headings(linked.read_text(encoding="utf-8")):
                broken.append(f"{name} (no such heading)")
    assert not broken, broken


def test_the_admin_bodies_are_documented_field_by_field():
    for route, body in (("/v1/admin/products`", ProductBody), ("/v1/admin/subscribers`", SubscriberBody)):
        row = next(line for line in README.splitlines() if line.startswith("|") and route in line)
        for field in msgspec.structs.fields(body):
            assert f"`{field.name}`" in row, (route, field.name)

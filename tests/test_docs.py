"""The docs name every setting, format and command (they fail when one is undocumented)."""

from __future__ import annotations

from typer.main import get_command

from newswire import formats
from newswire.cli import app
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


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "make test" in README

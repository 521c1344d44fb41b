"""What a ``newswire`` command loads and builds: what it uses, not every command's.

Every command imports every command's module (``newswire.cli`` registers them all), so
a module imported at the top of any of them is loaded by all; and typer builds each
command it is given (its options from its signature) before it runs one.
The heavy ones (the codecs with lxml and feedgen, the ingest path, the media pipeline and
its process pool, the enrichment pipeline, FastAPI) took most of the time of a command
that does little, and the suite runs the command some two thousand times: the commands
that use them import them when they run, and typer is given the command asked for alone.
These tests check what is loaded and built, not how long it takes (bench/ measures time).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.util import find_spec

import pytest

from tests.helpers import ROOT, newswire, node_env, set_up

HEAVY = (
    "newswire.ingest",
    "newswire.formats",
    "newswire.media.pipeline",
    "newswire.enrich.pipeline",
    "newswire.api",
    "fastapi",
    "lxml.etree",
    "feedgen",
    "pebble",
    "ahocorasick",
)
"""Each loads a good part of what a command costs, and only some commands use it."""

PROBE = f"""
import json, sys
from newswire.cli import app
try:
    app(sys.argv[1:], prog_name="newswire")
except SystemExit:
    pass
sys.stdout.write("\\n" + json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)) + "\\n")
"""
"""Runs ``newswire ARGS`` in this process, then prints which of ``HEAVY`` it loaded."""


def loaded(*args: str, db: str) -> list[str]:
    """The heavy modules ``newswire ARGS`` loaded, run as the suite runs it (a process of
    its own); it must succeed."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True, env={**os.environ, "COLUMNS": "200", **node_env(db)}, cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert b"newswire:" not in result.stderr, result.stderr.decode()  # the command failed
    return json.loads(result.stdout.decode().splitlines()[-1])


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    db = f"sqlite:///{tmp_path_factory.mktemp('imports') / 'cli.db'}"
    set_up(db, ("product", "add", "p", "--access", "full"))
    return db


def test_the_heavy_modules_are_real_ones():
    """A misspelt name would never be found loaded, and the tests below would hold."""
    assert [name for name in HEAVY if find_spec(name) is None] == []


@pytest.mark.parametrize(
    "args",
    [("--help",), ("product", "show", "p"), ("product", "list"), ("list",), ("key", "list")],
    ids=" ".join,
)
def test_a_light_command_loads_none_of_the_heavy_modules(db, args):
    assert loaded(*args, db=db) == []


def test_ingest_loads_what_it_uses(db):
    """The probe sees what a command imports when it runs: ingest's codecs and enrichment
    are loaded once it takes a file in; the media pipeline (pebble, asyncio) only for a
    picture or a video, which a text file is not, and feedgen only to write a feed."""
    seed = ROOT / "demo" / "seed" / "000_fd5af0361ac50746.txt"
    used = set(loaded("ingest", str(seed), db=db))
    assert used >= {"newswire.ingest", "newswire.formats", "newswire.enrich.pipeline", "lxml.etree"}
    assert not used & {"newswire.media.pipeline", "pebble", "feedgen"}, used


def test_the_media_pipeline_is_there_when_asked_for():
    """``newswire.media.Pipeline`` is imported on first use (``ingest`` above)."""
    from newswire.media import Pipeline
    from newswire.media.pipeline import Pipeline as Imported

    assert Pipeline is Imported
    with pytest.raises(AttributeError):
        import newswire.media

        newswire.media.Pipe  # noqa: B018


@pytest.mark.parametrize(
    "args", [("search", "غزة"), ("usage",), ("usage", "--json")], ids=" ".join
)
def test_search_and_usage_do_not_load_the_http_api(db, args):
    """Both print what an endpoint of the API answers, with the same code, kept below the
    HTTP layer (``newswire.search.engine``, ``newswire.delivery.usage``): FastAPI is a
    third of a second to load, and a command that searches does not serve."""
    used = loaded(*args, db=db)
    assert "fastapi" not in used and "newswire.api" not in used, used


def test_a_product_builds_the_name_automaton_only_when_it_names_places_or_entities(db):
    """A product's places and entities are given their ids (``with_named_ids``) by the
    enrichment's automaton of every name, a fifth of a second to build: a product that
    names none does not build it."""
    assert "ahocorasick" not in loaded("product", "add", "plain", "--access", "full", db=db)
    named = ("product", "add", "gaza", "--access", "full", "--place", "Gaza")
    assert "ahocorasick" in loaded(*named, db=db)
    shown = newswire("product", "show", "gaza", db=db)
    assert shown.returncode == 0, shown.stderr.decode()
    assert len(json.loads(shown.stdout)["places"]) > 1  # the name and the ids it names


def test_a_command_is_built_alone():
    """typer builds every command of the app it runs: ``main`` gives it the root with the
    command or group asked for alone, and the whole app when the first word names none."""
    from newswire.cli import app, app_for

    assert [g.name for g in app_for(["product", "show", "p"]).registered_groups] == ["product"]
    assert app_for(["product", "show", "p"]).registered_commands == []
    alone = app_for(["list", "--limit", "3"])
    assert [c.name for c in alone.registered_commands] == ["list"]
    assert alone.registered_groups == []
    for args in ([], ["--help"], ["lst"], ["--db", "x", "list"]):
        assert app_for(args) is app


def test_a_command_alone_is_not_taken_for_the_root(db):
    """A root holding one command would be that command, ``list`` its first argument."""
    result = newswire("list", db=db)
    assert result.returncode == 0, result.stderr.decode()
    assert re.fullmatch(r"\d+ shown; \d+ items, \d+ versions stored\n", result.stderr.decode())


def test_a_server_loads_the_media_pipeline_and_the_enrichment_steps_when_first_used(tmp_path):
    """A server (the application made, its lifespan run: the hub, the search index, and a
    request answered) loads the media pipeline (pebble, ctypes), the enrichment's steps
    (numpy, the automaton) and feedgen with the first picture, item or feed it is sent,
    not at every start (a server the suite starts is a second of CPU, most of it imports)."""
    probe = (
        "import json, sys\n"
        "from starlette.testclient import TestClient\n"
        "from newswire.api.app import create_app\n"
        "with TestClient(create_app()) as client:\n"
        "    assert client.get('/health').status_code == 200\n"
        "print(json.dumps(sorted(m for m in sys.argv[1:] if m in sys.modules)))\n"
    )
    lazy = ("newswire.media.pipeline", "pebble", "numpy", "ahocorasick", "feedgen")
    db = f"sqlite:///{tmp_path / 'server.db'}"
    set_up(db, ("product", "add", "p", "--access", "full"))
    result = subprocess.run(
        [sys.executable, "-c", probe, *lazy],
        capture_output=True, env={**os.environ, **node_env(db)}, cwd=ROOT, timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout.decode().splitlines()[-1]) == []

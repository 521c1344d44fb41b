"""Shared fixtures: stores for every backend, paths of the fixtures, the seed item."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import pytest

from newswire.store import open_store

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
STANDARDS = FIXTURES / "standards"
SEED = ROOT / "demo" / "seed" / "000_fd5af0361ac50746.txt"
CORPUS_SAMPLE = ROOT / "demo" / "corpus_sample.jsonl"

# Store backends under test; each test gets a fresh, empty store of each.
BACKENDS = ["sqlite", "postgres"]
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
"""The PostgreSQL server of the tests (scripts/services.sh starts it): every test makes
databases of its own on it and drops them afterwards."""


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of the PostgreSQL server, started by scripts/services.sh if need be."""
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "services.sh"), "postgres"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/services.sh postgres failed:\n{done.stdout}{done.stderr}")
    return POSTGRES


@pytest.fixture(params=BACKENDS)
def store_backend(request) -> str:
    if request.param == "postgres":
        request.getfixturevalue("postgres_server")
    return request.param


@pytest.fixture
def make_store_url(store_backend, tmp_path):
    """``make_store_url()``: the URL of another fresh, empty store of the backend under test
    (an SQLite file in the test's folder, or a PostgreSQL database dropped afterwards)."""
    databases: list[str] = []

    def make() -> str:
        if store_backend == "sqlite":
            name = "test.db" if not databases else f"other{len(databases)}.db"
            databases.append(name)
            return f"sqlite:///{tmp_path / name}"
        name = f"newswire_test_{secrets.token_hex(6)}"
        _admin(f'CREATE DATABASE "{name}"')
        databases.append(name)
        return f"{POSTGRES}/{name}"

    yield make
    if store_backend == "postgres":
        for name in databases:
            # FORCE: a test that failed may have left connections open.
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(statement)


@pytest.fixture
def store_url(make_store_url) -> str:
    return make_store_url()


@pytest.fixture
def store(store_url):
    s = open_store(store_url)
    yield s
    s.close()

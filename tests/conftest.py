"""Shared fixtures: stores for every backend, paths of the fixtures, the seed item."""

from __future__ import annotations

from pathlib import Path

import pytest

from newswire.store import open_store

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
STANDARDS = FIXTURES / "standards"
SEED = ROOT / "demo" / "seed" / "000_fd5af0361ac50746.txt"
CORPUS_SAMPLE = ROOT / "demo" / "corpus_sample.jsonl"

# Store backends under test; each entry makes a fresh, empty store URL.
BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    raise AssertionError(request.param)


@pytest.fixture
def store(store_url):
    s = open_store(store_url)
    yield s
    s.close()

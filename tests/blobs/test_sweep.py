"""``newswire blobs sweep``: the blobs no stored version names go, once old enough; on
every backend (files beside SQLite, large objects in PostgreSQL)."""

from __future__ import annotations

import re

import pytest

from newswire.blobs import blobs_for, upkeep
from newswire.model import NewsItem, Rendition
from tests.blobs.test_contract import age
from tests.helpers import newswire


def picture(item_id: str, keys: dict[str, str]) -> NewsItem:
    return NewsItem(
        id=item_id, type="picture", language="en", headline="a picture",
        renditions=[Rendition(name=name, content_type="image/jpeg", blob=key)
                    for name, key in keys.items()],
    )


@pytest.fixture
def deployment(store, store_url):
    """A picture of two versions (the first's original replaced in the second), a story,
    an old blob nothing names and a young one nothing names yet; the keys by role."""
    blobs = blobs_for(store_url)
    try:
        keys = {name: blobs.put(name.encode() * 100) for name in (
            "first", "shared", "second", "orphan", "young")}
        store.append(picture("urn:test:pic", {"original": keys["first"], "preview": keys["shared"]}))
        store.append(picture("urn:test:pic", {"original": keys["second"], "preview": keys["shared"]}))
        store.append(NewsItem(id="urn:test:story", language="en", headline="story", body=["t"]))
        for name in ("first", "shared", "second", "orphan"):
            age(blobs, store_url, keys[name])
    finally:
        blobs.close()
    return keys


def stored(store_url: str) -> set[str]:
    blobs = blobs_for(store_url)
    try:
        return set(blobs.keys())
    finally:
        blobs.close()


def test_every_version_counts_as_referenced(store, deployment):
    assert upkeep.referenced(store.transfer) == {
        deployment[n] for n in ("first", "shared", "second")}


def test_a_sweep_removes_old_unreferenced_blobs_only(store_url, deployment):
    everything = set(deployment.values())
    dry = newswire("blobs", "sweep", "--dry-run", db=store_url)
    assert dry.returncode == 0, dry.stderr.decode()
    assert re.search(r"5 blobs, 3 referenced: would remove 1 \(0\.0 MB\); kept 1 unreferenced",
                     dry.stderr.decode()), dry.stderr.decode()
    assert stored(store_url) == everything

    swept = newswire("blobs", "sweep", db=store_url)
    assert swept.returncode == 0, swept.stderr.decode()
    assert "removed 1 " in swept.stderr.decode()
    assert stored(store_url) == everything - {deployment["orphan"]}

    # Without a grace the young one goes too; what any version names never does.
    now = newswire("blobs", "sweep", "--grace", "0", db=store_url)
    assert now.returncode == 0, now.stderr.decode()
    assert "removed 1 " in now.stderr.decode()
    assert stored(store_url) == {deployment[n] for n in ("first", "shared", "second")}


def test_a_sweep_of_a_missing_database_is_a_usage_error(absent_store_url):
    missing = newswire("blobs", "sweep", db=absent_store_url)
    assert missing.returncode == 2 and b"no database" in missing.stderr

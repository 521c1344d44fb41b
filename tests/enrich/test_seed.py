"""The reference item, ingested as it is with every step (the default), comes out as the
issue says: its dateline place resolved, its language, its people, organisations and
places typed, a politics or conflict Media Topic; and a subscriber's ninjs says so."""

from __future__ import annotations

import json

import pytest

from newswire.model import MACHINE
from newswire.store import open_store
from tests.conftest import SEED
from tests.helpers import newswire

ANKARA = "https://sws.geonames.org/323786/"


@pytest.fixture(scope="module")
def seed(make_module_store_url):
    db = make_module_store_url()
    result = newswire("ingest", str(SEED), db=db, env={"NEWSWIRE_ENRICH": "all"})
    assert result.returncode == 0, result.stderr.decode()
    (item_id,) = result.stdout.decode().split()
    store = open_store(db, create=False)
    try:
        item = store.get(item_id).item
    finally:
        store.close()
    return db, item


def test_the_seed_item_comes_out_enriched(seed):
    _, item = seed
    assert item.language == "ar"
    (located,) = [e for e in item.entities if e.rel == "located"]
    assert (located.id, located.country) == (ANKARA, "TR")
    assert located.latitude == pytest.approx(39.92, abs=0.01)
    assert located.longitude == pytest.approx(32.85, abs=0.01)
    assert item.dateline is not None and item.dateline.source == "الأناضول"
    kinds = {(e.kind, e.name) for e in item.entities}
    for expected in (
        ("person", "إبراهيم قالن"),
        ("person", "محمد درويش"),
        ("person", "بنيامين نتنياهو"),
        ("place", "غزة"),
        ("place", "تركيا"),
        ("place", "إسرائيل"),
    ):
        assert expected in kinds, expected
    hamas = [e for e in item.entities if e.id == "nwv:hamas"]
    assert [e.kind for e in hamas] == ["organisation"]
    assert all(e.creator == MACHINE and e.confidence for e in item.entities)
    codes = {s.code for s in item.subjects}
    assert codes & {"medtop:11000000", "medtop:16000000"}
    assert all(s.creator == MACHINE and 0 < (s.confidence or 0) <= 100 for s in item.subjects)


def test_a_subscriber_reads_it_in_ninjs(seed):
    db, item = seed
    shown = newswire("show", item.id, "--format", "ninjs", db=db)
    assert shown.returncode == 0, shown.stderr.decode()
    doc = json.loads(shown.stdout)
    places = {p.get("uri"): p for p in doc["places"]}
    assert places[ANKARA]["geoJSON"]["coordinates"] == pytest.approx([32.85, 39.92], abs=0.01)
    assert {p["name"] for p in doc["people"]} >= {"إبراهيم قالن", "محمد درويش"}
    assert any(o.get("literal") == "nwv:hamas" for o in doc["organisations"])
    machine = [s for s in doc["subjects"] if s.get("creator") == MACHINE]
    assert machine and all(0 < s["confidence"] <= 100 for s in machine)

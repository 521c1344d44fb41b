"""Enrichment in the flow: every way in enriches before storing, on every backend;
``newswire enrich --all`` adds versions only where something changed; search and products
use what it found."""

from __future__ import annotations

import json

import msgspec
import pytest

from newswire.cli.enrich import BATCH, _next, still_latest
from newswire.enrich.pipeline import enricher_for
from newswire.store import open_store
from tests.conftest import CORPUS_SAMPLE, SEED
from tests.helpers import Server, make_key, retry_until
from tests.helpers import newswire as in_a_process
from tests.helpers import newswire_here as newswire
from tests.items import arabic_item

ANKARA = "https://sws.geonames.org/323786/"
GAZA = "https://sws.geonames.org/281133/"
STEPS = {"NEWSWIRE_ENRICH": "language,dateline,entities"}
NONE = {"NEWSWIRE_ENRICH": "none"}


def stored(db: str, item_id: str):
    store = open_store(db, create=False)
    try:
        return store.get(item_id).item
    finally:
        store.close()


def versions(db: str, item_id: str) -> list[int]:
    store = open_store(db, create=False)
    try:
        return [s.item.version for s in store.versions(item_id)]
    finally:
        store.close()


def ingest(
    db: str, *paths: str, env: dict[str, str] = STEPS, process: bool = False
) -> list[str]:
    """``newswire ingest PATHS``: the ids it prints. In this process, or with ``process`` in
    one of its own (a bulk ingest forks its workers from the process it runs in)."""
    result = (in_a_process if process else newswire)("ingest", *paths, db=db, env=env)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode().split()


def corpus_files(tmp_path, count: int) -> list[str]:
    """``count`` corpus articles as ninjs files (a feed a provider would drop)."""
    paths = []
    records = [
        json.loads(line) for line in CORPUS_SAMPLE.read_text(encoding="utf-8").split("\n") if line
    ]
    for n in range(count):
        record = records[n % len(records)]
        doc = {
            "uri": f"urn:test:corpus:{n}:{record['id']}",
            "type": "text",
            "headlines": [{"role": "main", "value": record["headline"] or "—"}],
            "bodies": [{"role": "main", "contentType": "text/plain", "value": record["body"]}],
        }
        path = tmp_path / f"{n:04}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    return paths


def test_the_cli_enriches_what_it_ingests(store_url):
    (item_id,) = ingest(store_url, str(SEED))
    item = stored(store_url, item_id)
    located = [e for e in item.entities if e.rel == "located"]
    assert [e.id for e in located] == [ANKARA]
    assert GAZA in {e.id for e in item.entities}
    # No language declared in a ninjs document: the machine's.
    assert item.language == "ar"


def test_the_api_enriches_what_it_is_posted(store_url):
    server = Server(store_url, env=STEPS)
    try:
        with server.client(make_key(store_url, "--scope", "publish", "--name", "DESK")) as desk:
            answer = desk.post(
                "/v1/items",
                content=SEED.read_bytes(),
                headers={"Content-Type": "text/plain; charset=utf-8"},
            )
            assert answer.status_code in (200, 201), answer.text
            item_id = answer.json()["id"]
            ninjs = desk.get(f"/v1/items/{item_id}", params={"format": "ninjs"}).json()
    finally:
        server.close()
    item = stored(store_url, item_id)
    assert ANKARA in {e.id for e in item.entities}
    assert ninjs["language"] == "ar"
    assert any("غزة" in (p.get("name") or "") for p in ninjs.get("places", []))


def test_bulk_ingest_enriches_in_its_worker_processes(tmp_path):
    db = f"sqlite:///{tmp_path / 'bulk.db'}"
    # Over two chunks of files: parsed (and enriched) in worker processes.
    paths = corpus_files(tmp_path, 600)
    ids = ingest(db, "--workers", "2", *paths, process=True)
    assert len(ids) == 600
    items = [stored(db, i) for i in ids[:60]]
    assert all(i.language == "ar" for i in items)  # none declared one
    assert sum(bool(i.entities) for i in items) > 30


def test_the_first_name_after_a_dateline_line_is_found_at_ingest(store_url, tmp_path):
    """Items whose body opens with the dateline on a line of its own, taken in by the CLI
    and by the API: each stored with the name its story opens with, so ``newswire enrich
    --all`` right after finds nothing to change (it found the name, a new version of each)."""
    from tests.enrich.test_pipeline import LINED_DATELINES

    def doc(n: int, dateline: str) -> dict:
        body = f"{dateline}\n{LINED_DATELINES[dateline][1]}"
        return {
            "uri": f"urn:test:lined:{n}",
            "headlines": [{"role": "main", "value": "خبر"}],
            "bodies": [{"role": "main", "contentType": "text/plain", "value": body}],
        }

    paths = []
    for n, dateline in enumerate(LINED_DATELINES):
        path = tmp_path / f"lined-{n}.json"
        path.write_text(json.dumps(doc(n, dateline), ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    ids = ingest(store_url, *paths)
    server = Server(store_url, env=STEPS)
    try:
        with server.client(make_key(store_url, "--scope", "publish", "--name", "DESK")) as desk:
            posted = doc(len(paths), next(iter(LINED_DATELINES)))
            answer = desk.post(
                "/v1/items", json=posted, headers={"Content-Type": "application/ninjs+json"}
            )
            assert answer.status_code in (200, 201), answer.text
            ids.append(answer.json()["id"])
    finally:
        server.close()
    wanted = [entry[0] for entry in LINED_DATELINES.values()]
    wanted.append(wanted[0])
    for item_id, entity in zip(ids, wanted, strict=True):
        assert entity in {e.id for e in stored(store_url, item_id).entities}, item_id
    again = newswire("enrich", "--all", db=store_url, env=STEPS)
    assert again.returncode == 0, again.stderr.decode()
    assert again.stdout.decode().split() == []
    assert "0 got a new version" in again.stderr.decode()


def test_enrich_all_adds_versions_only_where_something_changed(store_url, tmp_path):
    paths = corpus_files(tmp_path, 5)
    ids = ingest(store_url, str(SEED), *paths, env=NONE)
    assert all(not stored(store_url, i).entities for i in ids)
    dry = newswire("enrich", "--all", "--dry-run", db=store_url, env=STEPS)
    assert dry.returncode == 0, dry.stderr.decode()
    assert dry.stdout.decode().split() == []
    assert all(versions(store_url, i) == [1] for i in ids)
    first = newswire("enrich", "--all", db=store_url, env=STEPS)
    assert first.returncode == 0, first.stderr.decode()
    changed = first.stdout.decode().split()
    assert ids[0] in changed and set(changed) <= set(ids)
    seed = stored(store_url, ids[0])
    assert seed.version == 2 and seed.signal == "update"
    assert ANKARA in {e.id for e in seed.entities}
    again = newswire("enrich", "--all", db=store_url, env=STEPS)
    assert again.returncode == 0 and again.stdout.decode().split() == []
    assert "0 got a new version" in again.stderr.decode()
    one = newswire("enrich", ids[0], db=store_url, env=STEPS)
    assert one.returncode == 0 and one.stdout.decode().split() == []


def test_an_item_named_twice_is_enriched_once(tmp_path):
    # Each id was enriched from the same version: "2 items enriched: 2 got a new
    # version" for the one version the store kept.
    db = f"sqlite:///{tmp_path / 'twice.db'}"
    (seed,) = ingest(db, str(SEED), env=NONE)
    enriched_once(db, seed, seed, seed)


def enriched_once(db: str, item_id: str, *given: str) -> None:
    """``newswire enrich`` of ``given``, all naming ``item_id``: one item enriched, one
    new version."""
    result = newswire("enrich", *given, db=db, env=STEPS)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().split() == [item_id]
    said = result.stderr.decode()
    assert said.startswith("1 item enriched: 1 got a new version"), said
    assert versions(db, item_id) == [1, 2]


def test_an_item_named_twice_by_its_id_and_its_uri_is_enriched_once(tmp_path):
    # An id that is no URI is written (and may be given) as urn:newswire:id:<id>: the
    # two name one item, which was enriched twice from one version and counted twice.
    lines = SEED.read_text(encoding="utf-8").split("\n")
    doc = {
        "uri": "urn:newswire:id:NTB-plain-1",
        "type": "text",
        "headlines": [{"role": "main", "value": lines[0]}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "\n".join(lines[1:])}],
    }
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'twice.db'}"
    (item_id,) = ingest(db, str(path), env=NONE)
    assert item_id == "NTB-plain-1"
    enriched_once(db, item_id, item_id, "urn:newswire:id:NTB-plain-1")


def test_enrich_leaves_an_item_corrected_meanwhile_as_the_editor_left_it(store_url):
    """``newswire enrich`` stores a batch of new versions seconds after it read the first
    of them (on PostgreSQL, 200 items took 1.4 s). An editor's correction stored through a
    server in between was followed by the version enrichment had made from the one before
    it: the correction gone from the latest version, sent to every subscriber as an
    update. Here the correction lands between the reading and the storing, as it did."""
    store = open_store(store_url)
    try:
        first = arabic_item(id="urn:test:corrected", entities=[])
        store.append(first)  # stored without enrichment (NEWSWIRE_ENRICH=none, an old release)
        read = store.get(first.id)
        enriched = enricher_for(store, ("entities",)).enrich(read.item, None)
        assert enriched != read.item  # enrich --all would give it a new version
        made = [(read, _next(enriched, read.item))]
        fixed = read.item.headline + " (تصحيح)"
        correction = store.append(
            msgspec.structs.replace(read.item, headline=fixed, version=read.item.version + 1)
        )
        assert correction.created
        assert still_latest(store, made) == []
        assert store.get(first.id).item.headline == fixed
        # Read again, it is the correction that is enriched and stored.
        again = store.get(first.id)
        later = [(again, _next(enricher_for(store, ("entities",)).enrich(again.item, None), again.item))]
        [receipt] = store.append_many(still_latest(store, later))
        assert receipt.version == correction.version + 1
        assert store.get(first.id).item.headline == fixed
    finally:
        store.close()


def test_enrich_stores_nothing_over_a_correction_landed_while_it_ran(tmp_path, monkeypatch):
    """The command itself, not only ``still_latest``: a correction stored between the
    reading of an item and the storing of its batch is left as it is, and not counted
    as a new version."""
    import newswire.cli.enrich as command

    db = f"sqlite:///{tmp_path / 'corrected.db'}"
    (seed,) = ingest(db, str(SEED), env=NONE)
    mapped = command.mapped

    def corrected_meanwhile(item):
        other = open_store(db, create=False)
        try:
            other.append(
                msgspec.structs.replace(
                    item, headline=item.headline + " (تصحيح)", version=item.version + 1
                )
            )
        finally:
            other.close()
        return mapped(item)

    monkeypatch.setattr(command, "mapped", corrected_meanwhile)
    result = newswire("enrich", seed, db=db, env=STEPS)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().split() == []
    said = result.stderr.decode()
    assert said.startswith("1 item enriched: 0 got a new version (1 item changed meanwhile,"), said
    assert versions(db, seed) == [1, 2]
    assert stored(db, seed).headline.endswith("(تصحيح)")


def test_enrich_all_walks_each_item_once_over_more_than_a_batch(tmp_path):
    # An archive never enriched (an older release's), larger than a batch: the updates
    # stored after the first batch were walked again, so 250 items were "450 enriched".
    db = f"sqlite:///{tmp_path / 'archive.db'}"
    ids = ingest(db, *corpus_files(tmp_path, BATCH + 50), env=NONE)
    result = newswire("enrich", "--all", db=db, env=STEPS)
    assert result.returncode == 0, result.stderr.decode()
    changed = result.stdout.decode().split()
    assert len(changed) == len(set(changed)) > BATCH
    said = result.stderr.decode()
    assert f"{len(ids)} items enriched: {len(changed)} got a new version" in said, said


def test_enrich_says_what_is_wrong(tmp_path):
    db = f"sqlite:///{tmp_path / 'e.db'}"
    ingest(db, str(SEED), env=NONE)
    for args, said in (
        ((), "say which items"),
        (("--all", "x"), "ids and --all cannot be given together"),
        (("--all", "--steps", "bogus"), "'bogus' is not an enrichment step"),
        (("urn:nothing:here",), "urn:nothing:here"),
    ):
        result = newswire("enrich", *args, db=db, env=STEPS)
        assert result.returncode != 0, args
        assert said in result.stderr.decode(), (args, result.stderr.decode())
    missing = newswire("enrich", "--all", db=f"sqlite:///{tmp_path / 'none.db'}")
    assert missing.returncode != 0


@pytest.fixture
def searched(tmp_path):
    """A server on a store holding the enriched seed and a few corpus articles, with a
    subscriber whose product takes only items naming Gaza."""
    db = f"sqlite:///{tmp_path / 's.db'}"
    (seed_id,) = ingest(db, str(SEED))
    ingest(db, *corpus_files(tmp_path, 40))
    for args in (
        ("product", "add", "gaza", "--access", "full", "--place", "غزة"),
        ("subscriber", "add", "gazette", "--product", "gaza"),
    ):
        result = newswire(*args, db=db)
        assert result.returncode == 0, result.stderr.decode()
    typo = newswire("product", "add", "typo", "--access", "full", "--entity", "nwv:hamass", db=db)
    assert typo.returncode == 1
    assert typo.stderr.decode().strip() == "newswire: entities: no vocabulary entry 'nwv:hamass'"
    server = Server(db, env=STEPS)
    yield server, db, seed_id
    server.close()


def test_search_filters_and_counts_what_enrichment_found(searched):
    server, db, seed_id = searched
    with server.client(make_key(db, "--scope", "publish", "--name", "DESK")) as desk:

        def ready():
            answer = desk.get("/v1/search", params={"q": "غزة"})
            return answer.status_code == 200 and answer.json()["total"] >= 1 and answer

        answer = retry_until(ready, "the index to hold the seed item").json()
        assert answer["facets"]["place"].get("غزة", 0) >= 1
        by_place = desk.get("/v1/search", params={"q": "حماس", "place": GAZA}).json()
        assert seed_id in [h["id"] for h in by_place["hits"]]
        by_name = desk.get("/v1/search", params={"q": "حماس", "place": "أنقرة"}).json()
        assert seed_id in [h["id"] for h in by_name["hits"]]
        nowhere = desk.get("/v1/search", params={"q": "حماس", "place": "Reykjavik"}).json()
        assert nowhere["total"] == 0
    with server.client(make_key(db, "--subscriber", "gazette")) as gazette:
        feed = gazette.get("/v1/feed", params={"limit": 100}).json()["items"]
    got = [e["id"] for e in feed]
    assert seed_id in got
    for item_id in got:
        assert GAZA in {e.id for e in stored(db, item_id).entities} or item_id == seed_id


def test_a_product_takes_an_entity_or_place_by_any_of_its_names(tmp_path):
    """The seed shows Hamas as حركة حماس and Gaza as غزة: a product asking for حماس (the
    docs' own example), Gaza or Ibrahim Kalin, by the CLI or the admin API, gets it all
    the same, through the ids those names are given when the product is added."""
    db = f"sqlite:///{tmp_path / 'p.db'}"
    (seed_id,) = ingest(db, str(SEED))
    for args in (
        ("product", "add", "hamas", "--access", "full", "--entity", "حماس"),
        ("product", "add", "gaza", "--access", "full", "--place", "Gaza"),
        ("subscriber", "add", "hamas-desk", "--product", "hamas"),
        ("subscriber", "add", "gaza-desk", "--product", "gaza"),
    ):
        result = newswire(*args, db=db)
        assert result.returncode == 0, result.stderr.decode()
    # A gazetteer's place named as a person or organisation: kept, and said.
    placed = newswire("product", "add", "gaza-org", "--access", "full", "--entity", "غزة", db=db)
    assert placed.returncode == 0, placed.stderr.decode()
    assert "note: entities: 'غزة' is a place" in placed.stderr.decode()
    server = Server(db, env=STEPS)
    try:
        with server.client(make_key(db, "--scope", "admin", "--name", "ops")) as ops:
            added = ops.post(
                "/v1/admin/products",
                json={"name": "kalin", "access": "full", "entities": ["Ibrahim Kalin"]},
            )
            assert added.status_code == 201, added.text
            assert added.json()["entities"] == ["Ibrahim Kalin", "nwv:ibrahim-kalin"]
            # An id of the vocabulary that names no entry: a product matching nothing (422,
            # refused for what it says, as a product or subscriber that does not exist).
            typo = ops.post(
                "/v1/admin/products",
                json={"name": "typo", "access": "full", "entities": ["nwv:ibrahim-kalln"]},
            )
            assert typo.status_code == 422, typo.text
            assert typo.json()["field"] == "entities" and "nwv:ibrahim-kalln" in typo.text
            # A name or id of the other field's kind would match no item there: refused,
            # saying where it goes; an over-long name, as a search's filter is.
            for field, value, said in (
                ("places", "nwv:hamas", "is an organisation"),
                ("places", "Hamas", "is an organisation"),
                ("entities", "nwv:gaza-place", "no vocabulary entry"),
                ("entities", "x" * 201, "longer than 200 characters"),
            ):
                wrong = ops.post(
                    "/v1/admin/products", json={"name": "wrong", "access": "full", field: [value]}
                )
                assert wrong.status_code in (400, 422), wrong.text
                assert wrong.json()["field"] == field and said in wrong.text, wrong.text
            assert ops.get("/v1/admin/products/wrong").status_code == 404
            # A name no term has is kept: a source may tag its items with it; so is a
            # gazetteer place's (a source's organisation Toyota, Jordan's people).
            for value in ("Desk Tag", "Toyota"):
                own = ops.post(
                    "/v1/admin/products",
                    json={"name": "own-" + value[:4].lower(), "access": "full", "entities": [value]},
                )
                assert own.status_code == 201 and own.json()["entities"] == [value], own.text
            made = ops.post("/v1/admin/subscribers", json={"name": "kalin-desk", "products": ["kalin"]})
            assert made.status_code == 201, made.text
        for subscriber in ("hamas-desk", "gaza-desk", "kalin-desk"):
            with server.client(make_key(db, "--subscriber", subscriber)) as client:
                feed = client.get("/v1/feed", params={"limit": 10}).json()["items"]
            assert [e["id"] for e in feed] == [seed_id], subscriber
    finally:
        server.close()


def test_a_vocabulary_change_applies_to_what_a_running_server_takes_in_next(store_url):
    """An editor adds a person and removes an organisation with ``newswire vocab`` while
    the server runs: the next items it enriches name the one and not the other."""
    server = Server(store_url)  # every step, as by default
    body = (
        "قال المتحدث باسم الحركة سامي أبو زهري إن وفد حماس وصل إلى القاهرة"
        " لبحث التهدئة في غزة، وإن اللقاءات ستستمر عدة أيام مع المسؤولين المصريين."
    )
    try:
        with server.client(make_key(store_url, "--scope", "publish", "--name", "DESK")) as desk:

            def post(n: int):
                doc = {
                    "uri": f"urn:test:vocab:{n}",
                    "type": "text",
                    "language": "ar",
                    "headlines": [{"role": "main", "value": f"وفد حماس في القاهرة {n}"}],
                    "bodies": [{"role": "main", "contentType": "text/plain", "value": body}],
                }
                answer = desk.post(
                    "/v1/items", json=doc, headers={"Content-Type": "application/ninjs+json"}
                )
                assert answer.status_code in (200, 201), answer.text
                return {e.id for e in stored(store_url, doc["uri"]).entities}

            before = post(0)
            assert "nwv:hamas" in before and not any("zuhri" in i for i in before)
            for args in (
                ("vocab", "add", "person", "سامي أبو زهري", "--name", "en=Sami Abu Zuhri"),
                ("vocab", "remove", "nwv:hamas"),
            ):
                result = newswire(*args, db=store_url)
                assert result.returncode == 0, result.stderr.decode()
            tries = iter(range(1, 1000))

            def changed():
                found = post(next(tries))
                return "nwv:sami-abu-zuhri" in found and "nwv:hamas" not in found

            retry_until(changed, "the server's enrichment to see the vocabulary change")
    finally:
        server.close()

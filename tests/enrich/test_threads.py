"""Story threads (``newswire.enrich.threads``) on real articles, on every store backend:
an edited copy under a new id finds its original, unrelated articles find nothing, an
item never finds itself, and what one process remembers another finds."""

from __future__ import annotations

import contextlib
import gc
import json
import re
import sqlite3
from datetime import timedelta

import msgspec
import psycopg
import pytest

from newswire.enrich import threads
from newswire.enrich.base import Context, Document, Findings
from newswire.enrich.pipeline import enricher_for
from newswire.enrich.terms import Table
from newswire.model import NewsItem, utcnow
from newswire.store import open_store
from newswire.store.migrations import SQLITE_MIGRATIONS
from newswire.store.migrations import migrate as migrate_sqlite
from newswire.store.postgres.migrations import POSTGRES_MIGRATIONS
from newswire.store.postgres.migrations import migrate as migrate_postgres
from newswire.store.threads import PER_BAND, Remembered
from tests.conftest import CORPUS_SAMPLE
from tests.helpers import newswire

SENTENCE = re.compile(r"(?<=[.!؟?])\s+")


def articles() -> list[dict[str, str]]:
    with CORPUS_SAMPLE.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    return [r for r in rows if len(SENTENCE.split(r["body"])) >= 6 and r.get("headline")]


ARTICLES = articles()


def item(row: dict[str, str], item_id: str | None = None, **changes: object) -> NewsItem:
    fields: dict[str, object] = {
        "id": item_id or f"urn:test:{row['id']}",
        "language": "ar",
        "headline": row["headline"],
        "body": SENTENCE.split(row["body"]),
        **changes,
    }
    return NewsItem(**fields)  # type: ignore[arg-type]


def doc(news: NewsItem) -> Document:
    text = "\n".join([news.headline, *news.body])
    return Document(item=news, text=text, language=news.language, found=Findings())


def edited(row: dict[str, str]) -> NewsItem:
    """The story sent again under a new id: a new headline, a paragraph dropped, the last
    ones cut, two swapped."""
    body = SENTENCE.split(row["body"])
    body = body[:1] + body[2:]
    body = body[: max(4, len(body) * 4 // 5)]
    body[1], body[2] = body[2], body[1]
    return item(row, "urn:test:copy", headline="تحديث: " + row["headline"], body=body)


def bands(signature: bytes) -> list[int]:
    """The band keys of a signature as stored."""
    values = threads.from_bytes(signature)
    assert values is not None
    return threads.band_keys(values)


def remembered(item_id: str, signature: bytes) -> Remembered:
    """``item_id``'s signature with its band keys, as the step remembers it."""
    return Remembered(item_id, signature, bands(signature))


def ingest(step: threads.ThreadsStep, store, news: NewsItem) -> list:
    """Enrich then store, as the ingest path does; the associations found."""
    found = step.find(doc(news)).associations
    store.append(news)
    return found


def test_an_edited_copy_under_a_new_id_is_the_same_story(store):
    step = threads.build(Context(store=store))
    original = item(ARTICLES[0])
    assert ingest(step, store, original) == []
    found = ingest(step, store, edited(ARTICLES[0]))
    assert [(a.id, a.rel, a.type, a.headline) for a in found] == [
        (original.id, threads.SAME_STORY, "text", original.headline)
    ]


def test_an_item_taken_in_again_links_only_to_what_came_before_it(store):
    """A story links back to what came before it: the original, taken in again after its
    copy, finds what it found the first time (nothing), so it is no new version."""
    step = threads.build(Context(store=store))
    original = item(ARTICLES[0])
    ingest(step, store, original)
    ingest(step, store, edited(ARTICLES[0]))
    assert step.find(doc(original)).associations == []
    memory = threads.build(Context(store=None))
    memory.find(doc(original))
    memory.find(doc(edited(ARTICLES[0])))
    assert memory.find(doc(original)).associations == []


def test_unrelated_articles_are_not_linked(store):
    step = threads.build(Context(store=store))
    linked = [ingest(step, store, item(row)) for row in ARTICLES[:60]]
    assert linked == [[]] * 60


def test_a_follow_up_carrying_the_background_on_is_linked_as_one(store):
    step = threads.build(Context(store=store))
    original, news = ARTICLES[0], ARTICLES[1]
    ingest(step, store, item(original))
    body = SENTENCE.split(news["body"])[:3] + SENTENCE.split(original["body"])[2:6]
    follow = item(news, "urn:test:follow", body=body)
    found = ingest(step, store, follow)
    assert [(a.id, a.rel) for a in found] == [(f"urn:test:{original['id']}", threads.FOLLOW_UP)]


def test_an_item_never_links_to_itself_nor_its_own_versions(store):
    step = threads.build(Context(store=store))
    first = item(ARTICLES[0])
    assert ingest(step, store, first) == []
    # Its next version (the same id, the text edited): a version, not a thread.
    again = edited(ARTICLES[0])
    assert ingest(step, store, msgspec.structs.replace(again, id=first.id)) == []
    assert store.get(first.id).item.version == 2
    # Enriching it once more (the same text again) finds nothing either.
    assert step.find(doc(first)).associations == []


def test_a_signature_of_an_item_never_stored_links_nothing(store):
    step = threads.build(Context(store=store))
    # Enriched, then refused by the store (never appended): its row stays, unused.
    step.find(doc(item(ARTICLES[0])))
    assert step.find(doc(edited(ARTICLES[0]))).associations == []


def test_a_withdrawn_item_is_no_longer_linked(store):
    step = threads.build(Context(store=store))
    original = item(ARTICLES[0])
    ingest(step, store, original)
    store.withdraw(original.id, "wrong")
    assert step.find(doc(edited(ARTICLES[0]))).associations == []


def test_an_update_under_embargo_keeps_the_links_to_the_item_as_it_is_out(store_url):
    """A picture or story updated under embargo is still the story its copies linked to,
    as the public has it: ``enrich --all`` gives the copy no version dropping its link,
    and the link names the headline that is out, never the held update's. A withdrawn
    item's links are dropped all the same, and an item never out is linked by none."""
    store = open_store(store_url)
    try:
        enricher = enricher_for(store, ["threads"])
        original = item(ARTICLES[0])
        store.append(enricher.enrich(original))
        copy = enricher.enrich(edited(ARTICLES[0]))
        store.append(copy)
        assert [(a.id, a.headline) for a in copy.associations] == [
            (original.id, original.headline)
        ]
        held = msgspec.structs.replace(
            original,
            version=2,
            headline="سري: " + original.headline,
            embargo_until=utcnow() + timedelta(days=1),
        )
        store.append(enricher.enrich(held, store.get(original.id).item))
        never = item(ARTICLES[1], embargo_until=utcnow() + timedelta(days=1))
        store.append(enricher.enrich(never))
        step = threads.build(Context(store=store))
        again = step.find(doc(edited(ARTICLES[0]))).associations
        assert [(a.id, a.headline) for a in again] == [(original.id, original.headline)]
        assert step.find(doc(edited(ARTICLES[1]))).associations == []
    finally:
        store.close()
    every = newswire("enrich", "--all", db=store_url, env={"NEWSWIRE_ENRICH": "threads"})
    assert every.returncode == 0, every.stderr.decode()
    assert every.stdout.decode().split() == []
    store = open_store(store_url)
    try:
        store.withdraw(original.id, "wrong")
    finally:
        store.close()
    every = newswire("enrich", "--all", db=store_url, env={"NEWSWIRE_ENRICH": "threads"})
    assert every.stdout.decode().split() == [copy.id]


def test_two_processes_see_each_others_signatures(store_url):
    """Two store handles on one database (two processes, or two nodes): what the ingest
    of one remembers, the other finds at once."""
    one, other = open_store(store_url), open_store(store_url)
    try:
        original = item(ARTICLES[2])
        ingest(threads.build(Context(store=one)), one, original)
        found = threads.build(Context(store=other)).find(doc(edited(ARTICLES[2])))
        assert [a.id for a in found.associations] == [original.id]
    finally:
        one.close()
        other.close()


def test_hamza_and_diacritic_variants_still_match(store):
    step = threads.build(Context(store=store))
    row = ARTICLES[3]
    original = item(row)
    ingest(step, store, original)
    respelt = [
        s.replace("أ", "ا").replace("إ", "ا").replace("ة", "ه").replace("ى", "ي")
        for s in SENTENCE.split(row["body"])
    ]
    respelt = ["".join(c + ("\u064e" if c == "ل" else "") for c in s) for s in respelt]
    assert respelt != SENTENCE.split(row["body"])
    found = step.find(doc(item(row, "urn:test:respelt", body=respelt))).associations
    assert [(a.id, a.rel) for a in found] == [(original.id, threads.SAME_STORY)]


def test_short_items_link_nothing(store):
    step = threads.build(Context(store=store))
    flash = NewsItem(id="urn:test:flash", language="ar", headline="عاجل: انفجار في بيروت")
    assert threads.signature(flash.headline, "ar") is None
    assert step.find(doc(flash)) == Findings()


def test_without_a_store_the_step_keeps_an_index_in_memory():
    step = threads.build(Context(store=None))
    original = item(ARTICLES[0])
    assert step.find(doc(original)).associations == []
    found = step.find(doc(edited(ARTICLES[0]))).associations
    assert [(a.id, a.rel) for a in found] == [(original.id, threads.SAME_STORY)]


def test_the_migrations_make_the_tables_on_both_backends(store, store_backend):
    zeros, ones = b"\0" * 4 * threads.PERMUTATIONS, b"\1" * 4 * threads.PERMUTATIONS
    store.threads.remember_many([remembered("urn:test:x", zeros)])
    store.threads.remember_many([remembered("urn:test:x", ones)])
    assert store.threads.candidates(bands(ones), exclude="") == []  # not stored: no candidate
    store.append(NewsItem(id="urn:test:x", headline="h", body=["نص."]))
    [got] = store.threads.candidates([*bands(ones)[:2], *bands(zeros)], exclude="")
    assert (got.id, got.type, got.headline, got.shared) == ("urn:test:x", "text", "h", 2)
    assert got.signature == b"\1" * 4 * threads.PERMUTATIONS
    migrations = SQLITE_MIGRATIONS if store_backend == "sqlite" else POSTGRES_MIGRATIONS
    assert any(m.name.startswith("threads:") for m in migrations)


def test_signatures_and_band_keys_of_an_older_release_are_kept(make_store_url, store_backend):
    """A database whose band rows named items by id (before SQLite migration 14 and
    PostgreSQL's 12): brought up to date, what it remembered still links, an item
    remembered again loses its old band keys, and a new item gets a number of its own."""
    url = make_store_url()
    sig = {name: bytes([n]) * 4 * threads.PERMUTATIONS for n, name in enumerate("abc")}
    rows = [("urn:old:a", "text", sig["a"]), ("urn:old:b", "picture", sig["b"])]
    a, b, c = (bands(sig[name]) for name in "abc")
    old = [(k, "urn:old:a") for k in a] + [(k, "urn:old:b") for k in b]
    if store_backend == "sqlite":
        db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        migrate_sqlite(db, SQLITE_MIGRATIONS, upto=13)
        db.executemany("INSERT INTO thread_signatures VALUES (?, ?, ?)", rows)
        db.executemany("INSERT INTO thread_bands VALUES (?, ?)", old)
        db.close()
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            migrate_postgres(conn, POSTGRES_MIGRATIONS, upto=11)
            conn.cursor().executemany("INSERT INTO thread_signatures VALUES (%s, %s, %s)", rows)
            conn.cursor().executemany("INSERT INTO thread_bands VALUES (%s, %s)", old)
    store = open_store(url)
    try:
        for name in "abc":
            store.append(NewsItem(id=f"urn:old:{name}", headline=name, body=["نص."]))
        found = store.threads.candidates([*a[:2], *b[:2]], exclude="urn:old:c")
        assert [(f.id, f.type, f.signature, f.shared) for f in found] == [
            ("urn:old:a", "text", sig["a"], 2),
            ("urn:old:b", "picture", sig["b"], 2),
        ]
        # Remembered again with another signature: its old band keys find it no more.
        store.threads.remember_many([remembered("urn:old:a", sig["c"])])
        store.threads.remember_many([remembered("urn:old:c", sig["c"])])
        found = store.threads.candidates([*a, *b[:1]], exclude="")
        assert [(f.id, f.shared) for f in found] == [("urn:old:b", 1)]
        assert [(f.id, f.shared) for f in store.threads.candidates(c, exclude="")] == [
            ("urn:old:a", threads.BANDS),
            ("urn:old:c", threads.BANDS),
        ]
    finally:
        store.close()


def test_remembering_an_item_again_as_it_is_changes_nothing(store):
    """``enrich --all`` remembers every item again: the same signature writes nothing,
    and an item given twice in one call stands as the last one."""
    one, two = b"\1" * 4 * threads.PERMUTATIONS, b"\2" * 4 * threads.PERMUTATIONS
    store.append(NewsItem(id="urn:test:x", headline="h", body=["نص."]))
    store.threads.remember_many([remembered("urn:test:x", one)])
    store.threads.remember_many([remembered("urn:test:x", one)])
    [got] = store.threads.candidates(bands(one), exclude="")
    assert (got.signature, got.shared) == (one, threads.BANDS)
    store.threads.remember_many([remembered("urn:test:x", one), remembered("urn:test:x", two)])
    [got] = store.threads.candidates([*bands(one), *bands(two)], exclude="")
    assert (got.signature, got.shared) == (two, threads.BANDS)


def test_the_signature_is_datasketchs_affine32_minhash_to_the_bit():
    """``threads.minhash`` reproduces datasketch's MinHash (it is not imported at run time:
    datasketch imports scipy), so the thresholds measured with it hold."""
    from datasketch import MinHash

    text = "\n".join([ARTICLES[0]["headline"], ARTICLES[0]["body"]])
    runs = threads.shingles(text, "ar")
    assert len(runs) > 50
    sketch = MinHash(
        num_perm=threads.PERMUTATIONS, seed=threads.SEED, scheme="affine32", hashfunc=int
    )
    sketch.update_batch(runs.tolist())
    assert threads.minhash(runs).tolist() == sketch.hashvalues.tolist()
    sig = threads.signature(text, "ar")
    assert sig is not None and sig.values.tolist() == sketch.hashvalues.tolist()


def test_band_keys_are_those_stored_databases_hold():
    """A signature's band keys as every stored band row was written with: SQLite finds an
    item's old rows by them (its old signature's keys, migration 19), so a change here
    would leave old rows behind. Changing them needs a migration that writes the rows
    again; then update these values."""
    import hashlib

    import numpy as np

    values = np.arange(threads.PERMUTATIONS, dtype=np.uint64) * np.uint64(2654435761)
    keys = threads.band_keys((values % np.uint64(2**32)).astype(np.uint32))
    assert (threads.PERMUTATIONS, threads.BANDS, threads.ROWS) == (64, 32, 2)
    assert keys[:3] == [-659696479943257589, -4898534984179317715, 8021238676024714243]
    assert hashlib.sha256(str(keys).encode()).hexdigest()[:16] == "b40281c5f978a87c"


def test_many_sets_at_once_are_each_datasketchs_minhash():
    """``_minhash_many`` over sets of every size a bulk ingest's batch holds, in the blocks
    it works in: small sets sharing a block, one just at the block's size, one larger
    than a block on its own; each row is datasketch's MinHash of its set."""
    import numpy as np
    from datasketch import MinHash

    rng = np.random.default_rng(14)
    sizes = [3, 5, threads._BLOCK, 7, threads._BLOCK + 3000, *([900] * 25), 1]
    sets = [rng.integers(0, 2**32, size, dtype=np.uint64) for size in sizes]
    starts = np.cumsum([0, *sizes[:-1]]).astype(np.intp)
    rows = threads._minhash_many(np.concatenate(sets), starts)
    assert rows.shape == (len(sets), threads.PERMUTATIONS)
    for values, hashes in zip(rows, sets, strict=True):
        sketch = MinHash(
            num_perm=threads.PERMUTATIONS, seed=threads.SEED, scheme="affine32", hashfunc=int
        )
        sketch.update_batch(hashes.tolist())
        assert values.tolist() == sketch.hashvalues.tolist()


def test_the_shingles_distinct_values_are_numpys_unique():
    """``_distinct`` (a sort and a comparison of neighbours, for speed) gives what
    ``np.unique`` gives: each value once, ascending, as unsigned 64-bit integers, for
    arrays empty, of one value, all equal, and with values repeated at both ends of the
    64-bit range."""
    import numpy as np

    rng = np.random.default_rng(7)
    top = np.iinfo(np.uint64).max
    cases = [
        np.empty(0, dtype=np.uint64),
        np.array([5], dtype=np.uint64),
        np.full(9, 3, dtype=np.uint64),
        np.array([top, 0, top, 1, 0], dtype=np.uint64),
        rng.integers(0, 50, 2_000, dtype=np.uint64),  # many repeats
        rng.integers(0, top, 20_000, dtype=np.uint64, endpoint=True),  # few
    ]
    for values in cases:
        found = threads._distinct(values)
        assert found.dtype == np.uint64
        assert found.tolist() == np.unique(values).tolist()


def test_term_hashes_from_the_table_are_the_terms_crc32():
    """The terms' hashes are an array of the term table, made for the terms added since it
    was last asked; a new table, one asked again, and one with terms added since give
    each term's CRC-32."""
    import zlib

    terms = ["غزه", "قدس", "غزه", "", "g20"]
    expected = [zlib.crc32(t.encode()) for t in terms]
    numbers = Table()
    assert threads.term_hashes(terms, numbers).tolist() == expected  # a new table
    assert threads.term_hashes(terms, numbers).tolist() == expected  # asked again
    more = [*terms, "جديد"]
    assert threads.term_hashes(more, numbers).tolist() == [*expected, zlib.crc32("جديد".encode())]
    assert threads.term_hashes([], Table()).tolist() == []


def test_a_band_key_many_items_share_counts_only_the_last_remembered(store):
    """A band key every item with a stock phrase shares: only the last ``PER_BAND``
    remembered before the query's item count, so a query reads a bounded number of rows
    however large the archive; a band key few share still finds an older item."""
    memory = threads.MemoryThreads()
    crowded, rare = 7, 8
    count = PER_BAND + 5
    ids = [f"urn:test:crowd:{n:04}" for n in range(count)]
    store.append_many([NewsItem(id=i, headline=i, body=["نص."]) for i in ids])
    sig = b"\1" * 4 * threads.PERMUTATIONS
    # The oldest also shares a rare band key with the query.
    entries = [Remembered(i, sig, [crowded, rare] if n == 0 else [crowded]) for n, i in enumerate(ids)]
    for index in (store.threads, memory):
        index.remember_many(entries)
        found = index.candidates([crowded], exclude="urn:test:new", limit=count)
        assert sorted(c.id for c in found) == ids[-PER_BAND:]
        found = index.candidates([crowded, rare], exclude="urn:test:new", limit=count)
        assert {c.id for c in found} == {ids[0], *ids[-PER_BAND:]}
        assert [c.shared for c in found if c.id == ids[0]] == [1]
        # An item remembered already counts only those remembered before it.
        found = index.candidates([crowded], exclude=ids[100], limit=count)
        assert sorted(c.id for c in found) == ids[:100]


def test_more_candidates_than_the_limit_are_the_most_shared_then_by_id(store):
    """More items share band keys than a query returns: those sharing the most come first,
    ties by item id, the ``limit`` chosen among every remembered signature before the store
    is asked which of them it holds (one never stored takes its place and is dropped)."""
    sig = b"\1" * 4 * threads.PERMUTATIONS
    bands = {"urn:t:e": [1], "urn:t:b": [1, 2], "urn:t:d": [2], "urn:t:a": [3], "urn:t:c": [3]}
    for item_id, keys in bands.items():
        store.threads.remember_many([Remembered(item_id, sig, keys)])
    store.threads.remember_many([Remembered("urn:t:0", sig, [1])])  # never stored
    store.append_many([NewsItem(id=i, headline=i, body=["نص."]) for i in bands])
    found = store.threads.candidates([1, 2, 3], exclude="urn:t:new", limit=4)
    assert [(c.id, c.shared) for c in found] == [("urn:t:b", 2), ("urn:t:a", 1), ("urn:t:c", 1)]
    found = store.threads.candidates([1, 2, 3], exclude="urn:t:new", limit=5)
    assert [c.id for c in found] == ["urn:t:b", "urn:t:a", "urn:t:c", "urn:t:d"]
    found = store.threads.candidates([3, 2], exclude="urn:t:new", limit=1)
    assert [(c.id, c.shared) for c in found] == [("urn:t:a", 1)]


@pytest.mark.parametrize("limit", [3, 5, 999, 250000])
def test_band_rows_are_written_whole_whatever_values_a_statement_may_bind(limit):
    """A batch's band rows go to SQLite as many rows a statement as it binds values (two a
    row, ``_ROWS`` at most): the same rows as bound one by one, the extremes of 64 bits,
    a key twice and a row written before included, in one statement, in several, and in
    several and a shorter last one."""
    from newswire.store.sqlite import threads as sqlite_threads

    rows = [(1, [5, -(2**63), 2**63 - 1, 5]), (7, [0, -1, 12345678901234567]), (9, [])]
    rows += [(n, list(range(n * 1000, n * 1000 + 700))) for n in (10, 11, 12)]
    expected = {(5, 1), *((b, k) for k, bands in rows for b in bands)}
    db = sqlite3.connect(":memory:", isolation_level=None)
    migrate_sqlite(db, SQLITE_MIGRATIONS)
    db.execute("INSERT INTO thread_bands_0 VALUES (5, 1)")  # written before: kept once
    db.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    added = sqlite_threads.insert_bands(db.cursor(), rows)
    got = db.execute("SELECT band, key, typeof(band), typeof(key) FROM thread_bands_0").fetchall()
    assert added == len(expected) - 1  # the rows it did not hold already
    db.close()
    assert sorted((b, k) for b, k, _, _ in got) == sorted(expected)
    assert len(got) == len(expected) == 2106
    assert {(tb, tk) for _, _, tb, tk in got} == {("integer", "integer")}


def test_batches_of_any_size_write_their_band_rows_with_few_statements():
    """The rows past the last whole statement go in statements of the powers of two they
    add up to: batches of every size up to 2,100 rows use a dozen statements at most,
    not one for each count of rows a batch ends with (each kept prepared by SQLite)."""
    from newswire.store.sqlite import threads as sqlite_threads

    db = sqlite3.connect(":memory:", isolation_level=None)
    migrate_sqlite(db, SQLITE_MIGRATIONS)
    sqlite_threads._rows_statement.cache_clear()
    written = 0
    for size in range(1, 2101, 7):
        bands = list(range(written, written + size))
        sqlite_threads.insert_bands(db.cursor(), [(size, bands)])
        written += size
    assert db.execute("SELECT count(*) FROM thread_bands_0").fetchone() == (written,)
    db.close()
    assert sqlite_threads._rows_statement.cache_info().currsize <= 11


def test_the_index_in_memory_follows_items_remembered_again_and_forgotten():
    """``MemoryThreads`` keeps a band key's one item as its id and two or more as a set:
    an item remembered again leaves its old band keys, one forgotten leaves all of them,
    and a band key written twice in one item's counts once."""
    memory = threads.MemoryThreads()
    sig = b"\1" * 4 * threads.PERMUTATIONS

    def found(bands: list[int]) -> list[tuple[str, int]]:
        return [(c.id, c.shared) for c in memory.candidates(bands, exclude="urn:t:new")]

    memory.remember_many([Remembered("urn:t:a", sig, [1, 2, 2]), Remembered("urn:t:b", sig, [2, 3])])
    assert found([1, 2, 3]) == [("urn:t:a", 2), ("urn:t:b", 2)]
    memory.remember_many([Remembered("urn:t:a", sig, [3])])
    assert (found([1]), found([2]), found([3])) == ([], [("urn:t:b", 1)], [("urn:t:a", 1), ("urn:t:b", 1)])
    memory.forget("urn:t:b")
    assert found([1, 2, 3]) == [("urn:t:a", 1)]
    memory.forget("urn:t:a")
    memory.remember_many([Remembered("urn:t:c", sig, [2, 3])])
    assert found([1, 2, 3]) == [("urn:t:c", 2)]
    assert memory.candidates([2], exclude="urn:t:c") == []


def test_candidates_then_remember_is_candidates_then_remember_many_or_forget():
    """``MemoryThreads.candidates_then_remember`` (bulk ingest's one pass an item) finds what
    ``candidates`` finds and leaves the index as ``remember_many`` or ``forget`` after it
    does: items remembered again with other band keys, forgotten, a band key twice in one
    item, and band keys crowded past ``PER_BAND``."""
    import random

    rng = random.Random(7)
    sig = b"\1" * 4 * threads.PERMUTATIONS
    one, two = threads.MemoryThreads(), threads.MemoryThreads()
    for n in range(5 * PER_BAND):
        item_id = f"urn:t:{rng.randrange(PER_BAND * 4)}"
        keys = [rng.randrange(4) for _ in range(rng.randrange(1, 4))]
        if rng.random() < 0.05:
            keys = [*keys, *keys]
        entry = Remembered(item_id, sig, keys, "text", f"h{n}") if rng.random() < 0.9 else None
        want = one.candidates(keys, exclude=item_id)
        if entry is None:
            one.forget(item_id)
        else:
            one.remember_many([entry])
        assert two.candidates_then_remember(keys, item_id, entry) == want
        assert (one._items, one._first) == (two._items, two._first)
        assert resolved(one) == resolved(two)
    assert max(len(ids) for ids in resolved(two).values()) > PER_BAND
    # Ids and set numbers only: the index is no container the garbage collector walks.
    assert not gc.is_tracked(two._bands)


def resolved(memory: threads.MemoryThreads) -> dict[int, set[str]]:
    """``memory``'s band keys, each with the set of its items."""
    return {
        band: {ids} if isinstance(ids, str) else memory._shared[ids]
        for band, ids in memory._bands.items()
    }


def test_new_signatures_are_numbered_as_sqlite_numbers_them(tmp_path):
    """The SQLite store numbers a batch's new signatures itself, as SQLite would: the
    largest number so far plus one, one after another, an item remembered again keeping
    its number; past the largest SQLite takes (it draws them at random), SQLite numbers
    them and the band rows still point at each item's."""
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        db = store.threads._db
        sig = b"\1" * 4 * threads.PERMUTATIONS
        other = b"\2" * 4 * threads.PERMUTATIONS
        store.threads.remember_many([Remembered("urn:t:a", sig, [1]), Remembered("urn:t:b", sig, [2])])
        db.execute("DELETE FROM thread_signatures WHERE item_id = 'urn:t:b'")
        store.threads.remember_many(
            [Remembered("urn:t:c", sig, [3]), Remembered("urn:t:a", other, [4]), Remembered("urn:t:d", sig, [5])]
        )
        rows = db.execute("SELECT key, item_id, signature FROM thread_signatures ORDER BY key").fetchall()
        assert rows == [(1, "urn:t:a", other), (2, "urn:t:c", sig), (3, "urn:t:d", sig)]
        db.execute(f"UPDATE thread_signatures SET key = {2**63 - 1} WHERE item_id = 'urn:t:d'")
        store.threads.remember_many([Remembered("urn:t:e", sig, [6]), Remembered("urn:t:f", sig, [7])])
        keys = dict(db.execute("SELECT item_id, key FROM thread_signatures").fetchall())
        assert len(set(keys.values())) == 5
        expected = {3: 2, 4: 1, 5: 3, 6: keys["urn:t:e"], 7: keys["urn:t:f"]}
        for band, key in expected.items():
            sql = "SELECT key FROM thread_bands_every WHERE band = ?"
            assert db.execute(sql, (band,)).fetchall() == [(key,)]
    finally:
        store.close()


def band_rows(path, item_id: str) -> set[int]:
    """The band keys the SQLite file at ``path`` holds for ``item_id``."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        sql = "SELECT band FROM thread_bands_every WHERE key = (SELECT key FROM thread_signatures WHERE item_id = ?)"
        return {band for (band,) in db.execute(sql, (item_id,))}


def test_an_item_whose_text_changes_loses_its_old_band_rows(tmp_path):
    """SQLite finds an item's old band rows from its old signature (no index by signature
    number): a new version with other text leaves exactly the new signature's band keys,
    and another item's rows, sharing none of them, are left as they were."""
    path = tmp_path / "s.db"
    store = open_store(f"sqlite:///{path}")
    try:
        step = threads.build(Context(store=store))
        ingest(step, store, item(ARTICLES[2], "urn:test:other"))
        ingest(step, store, item(ARTICLES[0], "urn:test:x"))
        other, first = band_rows(path, "urn:test:other"), band_rows(path, "urn:test:x")
        assert len(first) == threads.BANDS
        ingest(step, store, item(ARTICLES[1], "urn:test:x"))
        [(sig,)] = store.threads._db.execute(
            "SELECT signature FROM thread_signatures WHERE item_id = 'urn:test:x'"
        ).fetchall()
        now = band_rows(path, "urn:test:x")
        assert now == set(bands(sig)) and now.isdisjoint(first)
        assert band_rows(path, "urn:test:other") == other
        assert store.threads.candidates(sorted(first), exclude="") == []
    finally:
        store.close()


def test_dropping_the_band_index_keeps_every_row_and_the_candidates(tmp_path):
    """Migration 19 drops the index of band rows by signature number: a database made
    before it keeps every signature and band row, finds the same candidates, and deletes
    an item's old rows through the primary key, not by reading the table."""
    path, url = tmp_path / "s.db", f"sqlite:///{tmp_path / 's.db'}"
    store = open_store(url)
    try:
        step = threads.build(Context(store=store))
        for row in ARTICLES[:6]:
            ingest(step, store, item(row))
        ingest(step, store, edited(ARTICLES[0]))
        queries = [threads.signature(doc(item(row)).text, "ar") for row in ARTICLES[:7]]
        before = [store.threads.candidates(q.bands, exclude="") for q in queries if q]
    finally:
        store.close()
    # The database as migration 18 left it: the index, and 19 not run (its band rows in
    # the one table it had: migration 22's first level emptied into it).
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("INSERT INTO thread_bands SELECT band, key FROM thread_bands_0")
        db.execute("DELETE FROM thread_bands_0")
        db.execute("UPDATE thread_band_levels SET rows = 0")
        db.execute("CREATE INDEX thread_bands_key ON thread_bands (key)")
        db.execute("DELETE FROM schema_migrations WHERE number = 19")
        tables = ("thread_signatures", "thread_bands")
        rows = [db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables]
    assert len(rows[1]) == 7 * threads.BANDS
    store = open_store(url)
    try:
        after = [store.threads.candidates(q.bands, exclude="") for q in queries if q]
        assert after == before and any(len(found) > 1 for found in after)
    finally:
        store.close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert [db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables] == rows
        assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'thread_bands_key'").fetchall()
        plan = db.execute("EXPLAIN QUERY PLAN DELETE FROM thread_bands WHERE band = 1 AND key = 2")
        assert "USING PRIMARY KEY (band=? AND key=?)" in " ".join(r[-1] for r in plan)


def test_a_signature_this_release_cannot_read_still_loses_its_band_rows(tmp_path):
    """A stored signature of another length (made with another number of permutations)
    has no band keys to compute: its rows are still deleted when the item is remembered
    again, found by its number."""
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        store.append(NewsItem(id="urn:test:x", headline="h", body=["نص."]))
        store.threads.remember_many([Remembered("urn:test:x", b"\1" * 8, [1, 2])])
        assert [c.shared for c in store.threads.candidates([1, 2], exclude="")] == [2]
        one = b"\1" * 4 * threads.PERMUTATIONS
        store.threads.remember_many([remembered("urn:test:x", one)])
        assert store.threads.candidates([1, 2], exclude="") == []
        [got] = store.threads.candidates(bands(one), exclude="")
        assert got.shared == threads.BANDS
    finally:
        store.close()


def test_band_rows_move_through_the_levels_and_every_query_reads_them_all(
    tmp_path, monkeypatch
):
    """SQLite writes band rows into a small first level and moves them on, a slice in band
    key order at a time, once a level holds more than its share (migration 22). With the
    levels made tiny, rows end up in all three, each row in one of them, the counts kept
    right, an item's old rows gone from whichever holds them, a crowded band key still
    counting only its last ``PER_BAND``; and every query finds what the index in memory
    finds for the same writes."""
    import random

    from newswire.store.sqlite import threads as sqlite_threads

    monkeypatch.setattr(sqlite_threads, "LIMITS", (600, 2400))
    monkeypatch.setattr(sqlite_threads, "SLICE", 250)
    rng = random.Random(22)
    values: dict[str, list[int]] = {}

    def signed(item_id: str, like: str | None = None) -> Remembered:
        """A signature of random values but the first band's (every item shares it) and,
        given ``like``, four bands of that item's."""
        v = [rng.getrandbits(32) for _ in range(threads.PERMUTATIONS)]
        v[0:2] = [7, 7]
        if like is not None:
            v[2:10] = values[like][2:10]
        values[item_id] = v
        return remembered(item_id, b"".join(x.to_bytes(4, "little") for x in v))

    path = tmp_path / "s.db"
    store = open_store(f"sqlite:///{path}")
    memory = threads.MemoryThreads()
    ids = [f"urn:test:lv:{n:03}" for n in range(150)]
    store.append_many([NewsItem(id=i, headline=i, body=["نص."]) for i in ids])
    writes: list[list[Remembered]] = []
    for start in range(0, len(ids), 7):
        writes.append(
            [signed(i, ids[n - 3] if n % 3 == 0 and n >= 3 else None)
             for n, i in enumerate(ids) if start <= n < start + 7]
        )  # fmt: skip
    writes += [[signed(ids[n], ids[n + 1])] for n in range(0, 140, 11)]  # remembered again
    try:
        with contextlib.closing(sqlite3.connect(path)) as db:
            for entries in writes:
                store.threads.remember_many(entries)
                memory.remember_many(entries)
                held = [db.execute(f"SELECT band, key FROM {t}").fetchall() for t in sqlite_threads.LEVELS]
                every = [row for rows in held for row in rows]
                assert len(every) == len(set(every))  # each row in one level only
                counted = dict(db.execute("SELECT level, rows FROM thread_band_levels").fetchall())
                assert counted == {0: len(held[0]), 1: len(held[1])}
            assert all(held), [len(rows) for rows in held]  # every level holds some
            keys = dict(db.execute("SELECT item_id, key FROM thread_signatures").fetchall())
        # The rows are each item's last band keys: its old ones gone from every level.
        latest = {e.item_id: e.bands for entries in writes for e in entries}
        assert sorted(every) == sorted({(b, keys[i]) for i, bands in latest.items() for b in bands})
        queries = [latest[ids[n]] for n in (0, 3, 4, 11, 12, 90, 149)]
        shared: list[int] = []
        for query in queries:
            for exclude in ("urn:test:new", ids[50]):
                found = store.threads.candidates(query, exclude=exclude, limit=200)
                wanted = memory.candidates(query, exclude=exclude, limit=200)
                assert [(c.id, c.shared) for c in found] == [(c.id, c.shared) for c in wanted]
                shared += [c.shared for c in found]
        # The crowded band key found every earlier item; four more, the item one copied;
        # all 32, the item itself (the queries' ``exclude`` is another).
        assert {32, 5} <= set(shared) and shared.count(1) > 100
    finally:
        store.close()


def test_a_band_row_in_two_levels_is_counted_once(tmp_path):
    """A node of the release before migration 22, serving the same database during an
    upgrade, writes an item's band rows into ``thread_bands`` alone: when it remembers
    again an item whose rows this release put in the first level (a new version whose
    text changed little), the rows of the band keys both texts have are in two levels.
    Each is one row all the same: the item shares each band key once, never more than
    ``BANDS``."""
    path = tmp_path / "s.db"
    store = open_store(f"sqlite:///{path}")
    try:
        store.append(NewsItem(id="urn:test:x", headline="h", body=["نص."]))
        one = b"\1" * 4 * threads.PERMUTATIONS
        store.threads.remember_many([remembered("urn:test:x", one)])
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
            # What that node does: the old rows deleted from, the new ones written into,
            # the one table it knows.
            db.execute("INSERT INTO thread_bands SELECT band, key FROM thread_bands_0")
        [got] = store.threads.candidates(bands(one), exclude="")
        assert got.shared == threads.BANDS
    finally:
        store.close()


def test_a_write_larger_than_a_slice_leaves_no_level_past_its_share(tmp_path, monkeypatch):
    """A write adding more rows than a slice moves has as many slices moved as it takes:
    the first level is back within its share after every write, whatever its size."""
    from newswire.store.sqlite import threads as sqlite_threads

    monkeypatch.setattr(sqlite_threads, "LIMITS", (100, 400))
    monkeypatch.setattr(sqlite_threads, "SLICE", 30)
    path = tmp_path / "s.db"
    store = open_store(f"sqlite:///{path}")
    try:
        for batch in range(4):  # 20 items of 32 band keys: 640 rows a write
            store.threads.remember_many(
                [
                    remembered(f"urn:test:big:{batch}:{n}", bytes([batch, n, 1, 2]) * threads.PERMUTATIONS)
                    for n in range(20)
                ]
            )
            with contextlib.closing(sqlite3.connect(path)) as db:
                first, second = (
                    db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in sqlite_threads.LEVELS[:2]
                )
                counted = dict(db.execute("SELECT level, rows FROM thread_band_levels").fetchall())
            assert first <= 100 and second <= 400
            assert counted == {0: first, 1: second}
    finally:
        store.close()

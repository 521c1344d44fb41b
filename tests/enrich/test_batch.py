"""Enrichment of many items at once (``Enricher.enrich_many``, ``base.Batches``): what bulk
ingest's workers do with a chunk of files must give what enriching the items one by one
gives, item for item, on real corpus articles and on the odd ones a chunk may hold."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import numpy as np
import pytest

from newswire.demo import corpus_items, corpus_records
from newswire.enrich import pipeline, subjects, threads
from newswire.enrich.base import STEPS, Context, Document, Findings
from newswire.enrich.pipeline import Enricher, build, document
from newswire.enrich.terms import Table, analysed
from newswire.ingest import parse_file, parse_files
from newswire.model import NewsItem
from newswire.store import open_store
from newswire.store.base import Prepared, prepare
from newswire.text.analyze import analyzer
from tests.conftest import CORPUS_SAMPLE

ENGLISH = (
    "Turkish President Recep Tayyip Erdogan met the Palestinian President in Ankara on "
    "Tuesday. The two leaders discussed the situation in Gaza and the West Bank, the "
    "ceasefire talks in Cairo and aid to the people of Gaza."
)


def odd_items(stories: list[NewsItem]) -> list[NewsItem]:
    """What a chunk may hold besides ordinary stories: no body, one word, a declared
    language other than Arabic, none declared, a story twice (the same item, and its text
    under another id), a withdrawal, a lead and no body."""
    first, second = stories[0], stories[1]
    return [
        NewsItem(id="urn:test:empty", headline="", body=[]),
        NewsItem(id="urn:test:headline", headline=first.headline, body=[]),
        NewsItem(id="urn:test:word", headline="غزة", body=[], language=""),
        NewsItem(id="urn:test:en", headline="Erdogan in Ankara", body=[ENGLISH], language="en"),
        NewsItem(id="urn:test:undeclared", headline=second.headline, body=second.body, language=""),
        msgspec.structs.replace(first, language="und"),
        first,
        first,
        msgspec.structs.replace(first, id="urn:test:same-text"),
        msgspec.structs.replace(second, pubstatus="canceled"),
        NewsItem(id="urn:test:lead", headline="", lead=" ".join(first.body)),
    ]


@pytest.fixture(scope="module")
def chunk() -> list[NewsItem]:
    stories = list(corpus_items(corpus_records(CORPUS_SAMPLE)))
    odd = odd_items(stories)
    # The odd ones spread through the chunk, one at its very start and one at its end.
    out = [odd[0], *stories[:100]]
    for n, item in enumerate(odd[1:-1]):
        out[10 * n + 5 : 10 * n + 5] = [item]
    return [*out, odd[-1]]


def every_step() -> Enricher:
    return build(Context(), STEPS)


def test_a_chunk_enriched_at_once_is_enriched_as_one_by_one(chunk):
    """Every step, without a store (story threads on an index in memory: each item links
    to the earlier ones, in the chunk too): the same items, with the same links."""
    one, many = every_step(), every_step()
    alone = [one.enrich(item) for item in chunk]
    together = many.enrich_many(chunk, [None] * len(chunk))
    assert [msgspec.json.encode(i) for i in together] == [msgspec.json.encode(i) for i in alone]
    # Not a comparison of nothing: every kind of finding is there.
    assert sum(bool(i.subjects) for i in alone) > 50
    assert sum(bool(i.entities) for i in alone) > 50
    assert sum(bool(i.associations) for i in alone) >= 3
    assert {i.language for i in alone} >= {"ar", "en"}


def test_a_chunk_of_more_text_than_one_batch_finds_what_one_batch_finds(chunk, monkeypatch):
    """A chunk past ``BATCH_CHARS`` of text goes to the steps a batch at a time (the
    arrays of a batch are bounded, not those of a chunk of large feed files): each item's
    findings as in one batch, an item longer than a batch alone."""
    together = every_step().findings_many(chunk)
    sizes = sorted(len(document(item).text) for item in chunk)
    monkeypatch.setattr(pipeline, "BATCH_CHARS", sizes[-2])  # the longest goes alone
    split = every_step()
    batches: list[int] = []
    found = split._found
    monkeypatch.setattr(split, "_found", lambda docs: batches.append(len(docs)) or found(docs))
    apart = split.findings_many(chunk)
    assert [msgspec.json.encode(f) for f in apart] == [msgspec.json.encode(f) for f in together]
    assert len(batches) > 10 and sum(batches) == len(chunk) and 1 in batches


def test_deferred_signatures_of_a_chunk_are_those_of_one_by_one(chunk):
    """Story threads deferred (bulk ingest's workers): one entry a document the steps read,
    None for one too short for a signature, the same signature and band keys as each
    item's alone; a withdrawal is not read at all."""
    one, many = every_step(), every_step()
    steps = [next(s for s in e.steps if isinstance(s, threads.ThreadsStep)) for e in (one, many)]
    for step in steps:
        step.defer(archive=False)
    alone = []
    for item in chunk:
        one.enrich(item)
        alone.append(steps[0].deferred())
    many.enrich_many(chunk, [None] * len(chunk))
    together = steps[1].deferred()
    read = [item for item in chunk if item.pubstatus != "canceled"]
    assert len(together) == len(read) == len(chunk) - 1
    assert [len(found) for found in alone] == [int(i.pubstatus != "canceled") for i in chunk]
    assert together == [found[0] for found in alone if found]
    assert None in together and sum(d is not None for d in together) > 90


def test_the_subject_model_scores_a_chunk_as_each_text_alone(chunk):
    """A row of the chunk's product is the probabilities of its text scored alone, to the
    bit: a text's figures do not depend on the others in its chunk."""
    model = subjects.shipped()
    numbers = Table()
    found = [analysed(document(item), "ar", numbers).ids for item in chunk]
    columns = numbers.array("columns", model.columns)  # once every term is in the table
    texts = [columns[ids] for ids in found]
    together = model.probabilities_many(texts)
    assert together.shape == (len(chunk), len(model.classes))
    for n, text in enumerate(texts):
        assert together[n].tolist() == model.probabilities_many([text])[0].tolist()
    assert together[0].tolist() == model.probabilities([]).tolist()  # no term: the priors


def test_a_chunks_topics_are_each_rows_ranked_alone():
    """``Model.top_topics`` ranks each row as ``topics_of`` of it alone: a topic of two
    classes (desk and politics) is their sum, a tie keeps the order of ``codes``."""
    model = subjects.shipped()
    rows = np.random.default_rng(7).dirichlet(np.ones(len(model.classes)), size=200)
    tie = np.full(len(model.classes), 1 / len(model.classes))  # every class alike
    rows = np.vstack([rows, tie, np.eye(len(model.classes))])

    def alone(row: list[float]) -> list[tuple[str, float]]:
        found: dict[str, float] = {}
        for code, p in zip(model.codes, row, strict=True):
            found[code] = found.get(code, 0.0) + p
        return sorted(found.items(), key=lambda pair: -pair[1])

    together = model.top_topics(rows, 2)
    for n, row in enumerate(rows.tolist()):
        assert together[n] == alone(row)[:2]
        assert model.topics_of(rows[n]) == alone(row)
    assert [code for code, _ in together[200]] == ["medtop:11000000", "medtop:01000000"]


def test_topics_tied_keep_the_order_of_the_codes_however_many():
    """A tie among many topics (more than a sort keeps in order by chance) ranks them as
    the codes first name them, as ranking one row alone with a stable sort does."""
    from newswire.enrich.subject_model import Model, Settings

    codes = tuple(f"medtop:{n:08d}" for n in range(40, 0, -1))
    model = Model(
        classes=codes, codes=codes, vocabulary={}, idf=np.zeros(0),
        coef=np.zeros((len(codes), 0), dtype=np.float32), intercept=np.zeros(len(codes)),
        settings=Settings(),
    )
    rows = np.full((3, len(codes)), 1 / len(codes))
    rows[1, 7] = rows[2, 30] = 0.5  # one above the tied rest
    ranked = model.top_topics(rows, len(codes))
    assert [code for code, _ in ranked[0]] == list(codes)
    assert [code for code, _ in ranked[1]] == [codes[7], *codes[:7], *codes[8:]]
    assert [code for code, _ in ranked[2]] == [codes[30], *codes[:30], *codes[31:]]


def words(numbers: Table, ids) -> list[str]:
    return [numbers.terms[i] for i in ids.tolist()]


@pytest.mark.parametrize(
    ("headline", "lead", "body"),
    [
        ("غزة تحت القصف", "الملخص: غزة، أنقرة", ["أعلنت وزارة الصحة في غزة.", "وقالت أنقرة."]),
        ("غزة تحت القصف", "", ["أعلنت وزارة الصحة في غزة."]),
        ("", "الملخص وحده", ["نص"]),
        ("عنوان فقط", "", []),
        ("", "", []),
        ("ـ", "", ["ـ ـ"]),  # words that normalise to nothing (a lone tatweel)
    ],
)
def test_a_documents_terms_as_numbers_are_its_terms(headline, lead, body):
    """``analysed``: the text's terms (``Document.terms``) and its headline and lead's as
    ``analyze`` gives them, whether the text begins with them (``document``: the head's
    words found once with the rest's) or not (a document made by hand)."""
    item = NewsItem(id="urn:test:terms", headline=headline, lead=lead, body=body)
    head = analyzer("ar").terms("\n".join(p for p in (headline, lead) if p))
    bare = Document(item=item, text="\n".join(body), language="ar", found=Findings())
    for doc in (document(item), bare):
        numbers = Table()
        found = analysed(doc, "ar", numbers)
        assert words(numbers, found.ids) == doc.terms("ar")
        assert words(numbers, found.head) == head
        assert analysed(doc, "ar", numbers) is found  # made once a document


MAX_BYTES = 1 << 20


def ninjs(path: Path, item: NewsItem) -> str:
    document = {
        "uri": item.id,
        "type": "text",
        "versioncreated": "2024-05-01T10:00:00Z",
        "headlines": [{"role": "main", "value": item.headline}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "\n\n".join(item.body)}],
    }
    if item.language:
        document["language"] = item.language
    if item.pubstatus != "usable":
        document["pubstatus"] = item.pubstatus
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_bulk_ingests_workers_enrich_a_chunk_as_one_by_one(tmp_path):
    """``parse_files`` in two worker processes (three chunks of 256 files), every step,
    story threads deferred: each file's items and signatures are those of its items
    enriched one by one in this process, against a store as empty; a file that cannot be
    read, an item too short to link and a withdrawal among them do not shift the others."""
    stories = list(corpus_items(corpus_records(CORPUS_SAMPLE)))
    # An item needs a headline and a body to be taken in: one word, where it has none.
    odd = [
        msgspec.structs.replace(i, headline=i.headline or "غزة", body=i.body or ["غزة"])
        for i in odd_items(stories)
    ]
    items = [*odd, *(stories[n % len(stories)] for n in range(520 - len(odd)))]
    paths = [ninjs(tmp_path / f"{n:04}.json", i) for n, i in enumerate(items)]
    (tmp_path / "0003b.json").write_text("{not ninjs", encoding="utf-8")
    paths.insert(4, str(tmp_path / "0003b.json"))
    url = f"sqlite:///{tmp_path / 'workers.db'}"
    open_store(url).close()
    reference = open_store(f"sqlite:///{tmp_path / 'reference.db'}")
    try:
        one = build(Context(store=reference), STEPS)
        step = next(s for s in one.steps if isinstance(s, threads.ThreadsStep))
        step.defer(archive=False)
        expected = []
        for path in paths:
            source, found, error = parse_file(Path(path), "auto", MAX_BYTES)
            kept = []
            for item in found or []:
                enriched = one.enrich(item, None)
                mine = step.deferred()
                deferred = mine[0]._replace(new=True) if mine and mine[0] else None
                kept.append((prepare(enriched), deferred))
            expected.append((source, kept if found is not None else None, error))
    finally:
        reference.close()
    linked: list[tuple[Prepared, threads.Deferred | None]] = []

    def link(prepared: Prepared, deferred: threads.Deferred | None) -> Prepared:
        linked.append((prepared, deferred))
        return prepared

    got = []
    for source, found, error in parse_files(
        [Path(p) for p in paths], "auto", MAX_BYTES, workers=2, enrich=(url, STEPS),
        link=link, archive=False,
    ):
        kept = [linked.pop(0) for _ in found or []]
        assert [p for p, _ in kept] == list(found or [])
        got.append((source, kept if found is not None else None, error))
    assert got == expected
    assert sum(found is None for _, found, _ in got) == 1  # the file that is no ninjs
    assert sum(d is None for _, found, _ in got for _, d in found or []) >= 3


def test_a_workers_chunk_is_enriched_against_each_items_stored_version(
    chunk, tmp_path, monkeypatch
):
    """A bulk worker's chunk (``ingest._enriched``) of items a store holds already, as a
    corrected copy sent back (a machine place taken off: rejected), as they were, under
    the id as a format writes it, twice in the chunk, among items it does not hold: each
    enriched against its stored latest version, as ``enrich_items`` does one by one."""
    from newswire import ingest
    from newswire.enrich.pipeline import append_enriched, enrich_items
    from newswire.model import MACHINE, as_uri

    steps = ("language", "dateline", "entities", "subjects")
    url = f"sqlite:///{tmp_path / 'stored.db'}"
    store = open_store(url)
    try:
        stories = [i for i in chunk if i.pubstatus != "canceled" and i.body][:60]
        append_enriched(store, stories[:40], steps)
        stored = [store.get(i.id).item for i in stories[:40]]
        corrected = []
        for item in stored[:20]:  # a machine place taken off by an editor
            places = [e for e in item.entities if e.creator == MACHINE and e.kind == "place"]
            corrected.append(
                msgspec.structs.replace(
                    item, entities=[e for e in item.entities if e is not places[0]]
                )
                if places
                else item
            )
        again = [*corrected, *stored[20:30], *stories[30:40], *stories[40:]]
        again += [stories[0], msgspec.structs.replace(stories[1], id=as_uri(stories[1].id))]
        expected = enrich_items(build(Context(store=store), steps), store, again)
    finally:
        store.close()
    monkeypatch.setattr(ingest, "_WORKER_STORE", [])
    try:
        got, _ = ingest._enriched(again, (url, steps), None)
    finally:
        ingest._WORKER_STORE[0].close()
    assert [msgspec.json.encode(i) for i in got] == [msgspec.json.encode(i) for i in expected]
    assert sum(bool(i.rejected) for i in got) >= 5  # not a comparison of nothing


def test_a_workers_chunk_finds_the_first_name_after_a_dateline_line(tmp_path, monkeypatch):
    """Bulk ingest's worker (``ingest._enriched``) over a chunk of stories whose dateline
    is a line of its own: the name each story opens with is found, as one by one."""
    from newswire import ingest
    from newswire.formats import get
    from tests.enrich.test_pipeline import LINED_DATELINES

    items = [
        get("ninjs").parse(json.dumps({
            "uri": f"urn:test:lined:{n}", "headlines": [{"role": "main", "value": "خبر"}],
            "bodies": [{"role": "main", "contentType": "text/plain", "value": f"{dateline}\n{first}"}],
        }).encode())[0]
        for n, (dateline, (_, first)) in enumerate(LINED_DATELINES.items())
    ]  # fmt: skip
    url = f"sqlite:///{tmp_path / 'lined.db'}"
    open_store(url).close()
    monkeypatch.setattr(ingest, "_WORKER_STORE", [])
    try:
        got, _ = ingest._enriched(items, (url, STEPS), None)
    finally:
        ingest._WORKER_STORE[0].close()
    for item, (wanted, first) in zip(got, LINED_DATELINES.values(), strict=True):
        assert item.body == [first]
        assert wanted in {e.id for e in item.entities}, item.id


@pytest.mark.parametrize(
    "names", [STEPS, ("language", "dateline"), ("entities",), ("subjects", "threads")]
)
def test_an_item_without_machine_annotations_is_merged_as_any_other(chunk, names, monkeypatch):
    """``Enricher._merged``'s shortcut for an item that carries nothing of the machine's
    (``_carries_machine`` false) gives what the whole merge gives it, whichever steps run;
    among them items with the source's subjects, entities and links."""
    from newswire.model import Association, Concept, Entity

    given = [
        msgspec.structs.replace(
            item,
            subjects=[Concept(code="medtop:11000000", name="politics")] if n % 3 == 0 else [],
            entities=[Entity(kind="place", name="Gaza")] if n % 4 == 1 else [],
            associations=[Association(id="urn:test:picture", type="picture")] if n % 5 == 2 else [],
        )
        for n, item in enumerate(chunk)
    ]  # fmt: skip
    plain = build(Context(), names).enrich_many(given, [None] * len(given))
    monkeypatch.setattr(pipeline, "_carries_machine", lambda item: True)
    whole = build(Context(), names).enrich_many(given, [None] * len(given))
    assert [msgspec.json.encode(i) for i in plain] == [msgspec.json.encode(i) for i in whole]

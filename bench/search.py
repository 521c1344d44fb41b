"""Search: index build throughput and query latency over the whole corpus, newswire beside
tantivy and SQLite FTS5 indexing the same analysed text.

    .venv/bin/python bench/search.py [--corpus PATH] [--limit N] [--runs 3]

1. Stores the corpus (default ../shared/corpus/ant_arabic_news.jsonl.xz, 40,004 articles)
   in a fresh SQLite store (not timed).
2. **newswire build**: ``SearchIndex.rebuild(store)``, as ``newswire reindex`` runs it,
   three ways:
   - *cold, one process*, then *cold* (one worker process per CPU), each after the
     store's kept search documents are dropped: read every item from the store, make its
     teaser, analyse every field with ``newswire.text`` (normalisation, stemming), keep
     the analysed document in the store, index headline, lead, body, teaser, entities,
     keywords and the filter fields;
   - **newswire** (the build compared with tantivy's): the same with the documents kept
     by the build before: what every later build does (a new node, a lost or
     corrupted index, an engine upgrade), reading the analysed text as tantivy is given
     it below, unless the analysis itself has changed.
3. **analysis**: ``newswire.text.analyze.index_text`` over the same fields, alone, timed;
   its output is what the two engines below are given.
4. **tantivy build**: a bare tantivy index (the same writer settings: one thread, 64 MB)
   of the same analysed fields newswire searches (headline, lead, body, entities,
   keywords) with the whitespace tokenizer.
   **FTS5 build**: an SQLite FTS5 table of the same analysed text (``tokenize='unicode61
   remove_diacritics 0'``; every term is already one token).
5. Queries: bench/search_queries.txt (240 queries made from the corpus's headlines: single
   words, two words, three words, phrases, OR, exclusions; see --make-queries). Each is
   run --runs times, interleaved, and the best time of each query is kept:
   - **newswire search**: ``Searcher.search`` as ``GET /v1/search`` runs it for a subscriber
     with one full-text Arabic product (query parsing and analysis, field weights,
     the entitlement clause, top 10 by BM25, the hits' ids), without facets or snippets;
   - **newswire response**: the same with facets, the hits read back from the store and
     their highlighted snippets (what the HTTP response carries);
   - **tantivy**: the analysed query through tantivy's own query parser over the same
     five fields with the same weights, top 10 with their ids;
   - **FTS5**: ``MATCH`` of the analysed query, ``ORDER BY bm25()`` with the same
     weights, ``LIMIT 10``.

Writes bench/out/search.json and prints Markdown tables for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import tantivy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import CORPUS, OUT, QUERIES, read_queries, tantivy_query_string  # noqa: E402
from newswire.access.products import Product  # noqa: E402
from newswire.demo import corpus_items, corpus_records  # noqa: E402
from newswire.search.engine import Searcher, SearchRequest  # noqa: E402
from newswire.search.index import FIELDS, SearchIndex  # noqa: E402
from newswire.search.query import Phrase, Word, parse  # noqa: E402
from newswire.store import open_store  # noqa: E402
from newswire.text.analyze import index_text  # noqa: E402

PRODUCT = [Product(name="arabic", access="full", languages=["ar"])]
WEIGHTS = FIELDS["full"]  # headline, lead, body, entities, keywords
_WORD = re.compile(r"[\u0621-\u064a]{4,}")


def make_queries(items, count: int = 240, seed: int = 7) -> list[str]:
    """Queries a journalist might type, from words of the corpus's headlines."""
    rng = random.Random(seed)
    heads = [_WORD.findall(i.headline) for i in items]
    heads = [h for h in heads if len(h) >= 3]
    out: list[str] = []
    shapes = ["one", "one", "two", "two", "three", "phrase", "or", "not"]
    while len(out) < count:
        words = rng.choice(heads)
        shape = shapes[len(out) % len(shapes)]
        if shape == "one":
            q = rng.choice(words)
        elif shape == "two":
            q = " ".join(rng.sample(words, 2))
        elif shape == "three":
            q = " ".join(rng.sample(words, 3))
        elif shape == "phrase":
            i = rng.randrange(len(words) - 1)
            q = f'"{words[i]} {words[i + 1]}"'
        elif shape == "or":
            q = f"{rng.choice(words)} OR {rng.choice(rng.choice(heads))}"
        else:
            a, b = rng.sample(words, 2)
            q = f"{a} -{b}"
        if q not in out:
            out.append(q)
    return out


def analysed_fields(item) -> tuple[str, ...]:
    """The analysed text of the fields newswire searches (index.document makes the same)."""
    lang = item.language
    names = [e.name for e in item.entities]
    if item.dateline is not None:
        names += [item.dateline.place, item.dateline.place_latin]
    return (
        index_text(item.headline, lang),
        index_text(item.lead, lang),
        index_text("\n".join(item.body), lang),
        index_text("\n".join(n for n in names if n), lang),
        index_text("\n".join(item.keywords), lang),
    )


def fts_query_string(q: str) -> str:
    parsed = parse(q)

    def text(node) -> str:
        if isinstance(node, Word | Phrase):
            words = node.words if isinstance(node, Phrase) else (node.text,)
            return '"' + index_text(" ".join(words), "ar") + '"'
        return "(" + " OR ".join(text(o) for o in node.options) + ")"

    must = " AND ".join(text(n) for n in parsed.must)
    nots = "".join(f" NOT {text(n)}" for n in parsed.must_not)
    return must + nots


def build_tantivy(path: Path, docs: list[tuple[str, str, str, str]]) -> tuple[float, tantivy.Index]:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in WEIGHTS:
        b.add_text_field(name, tokenizer_name="ws", index_option="position")
    schema = b.build()
    started = time.perf_counter()
    index = tantivy.Index(schema, path=str(path))
    index.register_tokenizer("ws", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    writer = index.writer(heap_size=64_000_000, num_threads=1)
    for item_id, *texts in docs:
        doc = tantivy.Document()
        doc.add_text("id", item_id)
        for name, text in zip(WEIGHTS, texts, strict=True):
            doc.add_text(name, text)
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return time.perf_counter() - started, index


def build_fts(path: Path, docs) -> tuple[float, sqlite3.Connection]:
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    started = time.perf_counter()
    db.execute(
        f"CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, {', '.join(WEIGHTS)},"
        " tokenize='unicode61 remove_diacritics 0')"
    )
    with db:
        db.executemany(f"INSERT INTO docs VALUES (?{',?' * len(WEIGHTS)})", docs)
    return time.perf_counter() - started, db


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--make-queries", action="store_true", help="write bench/search_queries.txt and stop"
    )
    args = parser.parse_args()

    items = []
    for n, item in enumerate(corpus_items(corpus_records(args.corpus))):
        if args.limit is not None and n >= args.limit:
            break
        items.append(item)
    if args.make_queries:
        QUERIES.write_text("\n".join(make_queries(items)) + "\n", encoding="utf-8")
        print(f"wrote {QUERIES}")
        return
    queries = read_queries()
    corpus_mb = sum(
        len(("\n".join([i.headline, i.lead, *i.body])).encode()) for i in items
    ) / 1e6
    print(f"{len(items)} articles, {corpus_mb:.0f} MB of text; {len(queries)} queries", flush=True)

    work = OUT / "search"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    store = open_store(f"sqlite:///{work / 'store.db'}")
    store.append_many(items)

    builds: dict[str, float] = {}
    for name, workers, cold in (
        ("newswire cold, one process", 0, True),
        ("newswire cold", None, True),
        ("newswire", None, False),
    ):
        if cold:
            with sqlite3.connect(work / "store.db") as db:
                db.execute("DELETE FROM search_documents")
        shutil.rmtree(work / "newswire.search", ignore_errors=True)
        started = time.perf_counter()
        index = SearchIndex(work / "newswire.search")
        index.rebuild(store, workers=workers)
        index.close()
        builds[name] = time.perf_counter() - started
        print(f"{name} build {builds[name]:.1f} s", flush=True)

    started = time.perf_counter()
    docs = [(i.id, *analysed_fields(i)) for i in items]
    builds["analysis"] = time.perf_counter() - started
    print(f"analysis {builds['analysis']:.1f} s", flush=True)
    builds["tantivy"], raw = build_tantivy(work / "tantivy", docs)
    print(f"tantivy build {builds['tantivy']:.1f} s", flush=True)
    builds["fts5"], fts = build_fts(work / "fts5.db", docs)
    print(f"fts5 build {builds['fts5']:.1f} s", flush=True)
    del docs

    index = SearchIndex(work / "newswire.search")
    searcher = Searcher(index, store)
    raw_searcher = raw.searcher()
    raw_queries = [tantivy_query_string(q) for q in queries]
    fts_queries = [fts_query_string(q) for q in queries]
    weights = ", ".join(str(w) for w in WEIGHTS.values())
    fts_sql = f"SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, {weights}) LIMIT 10"

    def run_newswire(i: int) -> int:
        query, _ = searcher.compile(SearchRequest(q=queries[i]), PRODUCT)
        s = index.searcher()
        found = s.search(query, 10)
        return len([s.doc(a)["id"][0] for _, a in found.hits])

    def run_response(i: int) -> int:
        return len(searcher.search(SearchRequest(q=queries[i], limit=10), PRODUCT).hits)

    def run_tantivy(i: int) -> int:
        query = raw.parse_query(raw_queries[i], list(WEIGHTS), field_boosts=WEIGHTS)
        found = raw_searcher.search(query, 10)
        return len([raw_searcher.doc(a)["id"][0] for _, a in found.hits])

    def run_fts(i: int) -> int:
        return len(fts.execute(fts_sql, (fts_queries[i],)).fetchall())

    engines = {
        "newswire search": run_newswire,
        "newswire response": run_response,
        "tantivy": run_tantivy,
        "fts5": run_fts,
    }
    best = {name: [float("inf")] * len(queries) for name in engines}
    hits = {name: [0] * len(queries) for name in engines}
    for _ in range(args.runs):
        for i in range(len(queries)):
            for name, run in engines.items():
                t = time.perf_counter()
                hits[name][i] = run(i)
                best[name][i] = min(best[name][i], time.perf_counter() - t)

    n = len(items)
    result = {
        "articles": n,
        "text_mb": round(corpus_mb, 1),
        "queries": len(queries),
        "build_seconds": {k: round(v, 2) for k, v in builds.items()},
        "build_articles_per_s": {k: round(n / v) for k, v in builds.items() if k != "analysis"},
        "query_ms": {
            name: {
                "p50": round(pct(times, 0.5) * 1000, 3),
                "p95": round(pct(times, 0.95) * 1000, 3),
                "mean": round(statistics.fmean(times) * 1000, 3),
            }
            for name, times in best.items()
        },
        "queries_with_hits": {name: sum(1 for h in v if h) for name, v in hits.items()},
    }
    p50 = result["query_ms"]
    result["targets"] = {
        "query_p50_vs_tantivy": round(p50["newswire search"]["p50"] / p50["tantivy"]["p50"], 2),
        "build_vs_tantivy": round(builds["tantivy"] / builds["newswire"], 2),
        "cold_build_vs_tantivy": round(builds["tantivy"] / builds["newswire cold"], 2),
        "cold_build_vs_tantivy_with_analysis": round(
            (builds["tantivy"] + builds["analysis"]) / builds["newswire cold"], 2
        ),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "search.json").write_text(json.dumps(result, indent=2))
    print()
    print("| build | seconds | articles/s |")
    print("|---|---:|---:|")
    for name in ("newswire", "newswire cold", "newswire cold, one process", "tantivy", "fts5"):
        print(f"| {name} | {builds[name]:.1f} | {n / builds[name]:,.0f} |")
    print(f"| (analysis alone, `newswire.text`) | {builds['analysis']:.1f} | {n / builds['analysis']:,.0f} |")
    print()
    print("| query (best of runs) | p50 ms | p95 ms | mean ms | queries with hits |")
    print("|---|---:|---:|---:|---:|")
    for name, row in result["query_ms"].items():
        print(
            f"| {name} | {row['p50']:.3f} | {row['p95']:.3f} | {row['mean']:.3f} |"
            f" {result['queries_with_hits'][name]} |"
        )
    print()
    print(json.dumps(result["targets"], indent=2))
    index.close()
    store.close()


if __name__ == "__main__":
    main()

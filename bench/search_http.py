"""Search over HTTP: what ``GET /v1/search`` costs beside the engine it runs, on the whole
corpus, loopback (127.0.0.1) only.

    .venv/bin/python bench/search_http.py [--quick] [--corpus PATH] [--runs 5] [--seconds 10]

1. A store of the corpus (default ../shared/corpus/ant_arabic_news.jsonl.xz, 40,004
   articles) and its search index, made once and kept in bench/out/search_http/ (made
   again when the corpus, the article count or the analysis changes); a subscriber with
   one full-text Arabic product (and one with a teaser product) and a fresh key for each.
2. **Engine, in-process**, pinned to core 0 like the server below, each of the queries of
   bench/search_queries.txt ``--runs`` times (every time counted, not the best):
   - *tantivy*: the analysed query through tantivy's query parser over the five fields
     with their weights, top N by BM25 and the hits' ids, on the same index: the engine
     alone;
   - *newswire search*: ``Searcher.compile`` and top N with their ids, as the route runs
     it (parsing, analysis, weights, the entitlement clause);
   - *newswire answer*: the whole answer ``GET /v1/search`` sends (facets, the hits with
     their snippets, the JSON bytes), in-process.
3. ``newswire serve`` (one process) pinned to core 0 (``taskset -c 0``), and from core 1:
   - **one client**: ``GET /v1/search?q=…&limit=N`` with the subscriber's key over one
     kept-alive connection (a bare socket client: the time from sending the request to
     the last byte of the answer), each query once while every query is new to the
     server (*first*), then ``--runs`` more times (*again*); p50/p95/p99;
   - **64 connections**: ``wrk -t1 -c64`` (core 1) rotating over the commonest single
     words of the queries (most hits), after a warm-up: requests/s, p50/p99.
   HTTP/engine ratios of the medians. Needs ``wrk`` (Debian package ``wrk``) for the
   last step and ``taskset`` to pin (without it, nothing is pinned).

``--quick``: the first 5,000 articles (a store and index of their own), one run, 3 s of wrk.
Writes bench/out/search_http.json (``search_http_quick.json`` with ``--quick``) and prints
Markdown tables for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    CORPUS,
    OUT,
    PY,
    SERVER_CORE,
    free_port,
    pinned,
    read_queries,
    stop,
    tantivy_query_string,
    wait_answered,
    wrk,
    wrk_brief,
)
from newswire.access.keys import ApiKey, new_key  # noqa: E402
from newswire.access.products import Product  # noqa: E402
from newswire.access.subscribers import Subscriber  # noqa: E402
from newswire.demo import corpus_items, corpus_records  # noqa: E402
from newswire.search.engine import Searcher, SearchRequest  # noqa: E402
from newswire.search.index import ANALYSIS, FIELDS, SearchIndex  # noqa: E402
from newswire.store import open_store  # noqa: E402

PRODUCTS = {
    "full": Product(name="bench-ar-full", access="full", languages=["ar"]),
    "teaser": Product(name="bench-ar-teaser", access="teaser", languages=["ar"]),
}
WEIGHTS = FIELDS["full"]
TARGETS = {"p50_ms": 1.5, "p95_ms": 3.0, "rps": 1500}
COMMON_WORDS = 16
"""How many single-word queries (those with the most hits) wrk rotates over."""


# --- the store and index, kept between runs ------------------------------------------------


def prepare(corpus: Path, limit: int | None, work: Path) -> tuple[str, int]:
    """The store's URL and its article count: made here unless a matching one is kept."""
    marker = work / "made.json"
    wanted = {"corpus": str(corpus.resolve()), "limit": limit, "analysis": ANALYSIS}
    db = work / "store.db"
    url = f"sqlite:///{db}"
    if marker.exists() and db.exists():
        made = json.loads(marker.read_text())
        if {k: made.get(k) for k in wanted} == wanted:
            return url, made["articles"]
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    items = []
    for n, item in enumerate(corpus_items(corpus_records(corpus))):
        if limit is not None and n >= limit:
            break
        items.append(item)
    print(f"storing {len(items)} articles and indexing them (kept for later runs)", flush=True)
    store = open_store(url)
    store.append_many(items)
    index = SearchIndex(index_dir(url))
    index.rebuild(store)
    index.close()
    store.close()
    marker.write_text(json.dumps(wanted | {"articles": len(items)}))
    return url, len(items)


def index_dir(url: str) -> Path:
    """Where ``newswire serve`` looks for the index of a database file (beside it)."""
    path = url.removeprefix("sqlite:///")
    return Path(path).with_name(Path(path).name + ".search")


def make_keys(url: str) -> dict[str, str]:
    """A fresh key for a subscriber of each product (made the first time), no rate limit
    in the way."""
    store = open_store(url)
    have = {p.name for p in store.products.list()}
    subscribers = {s.name for s in store.subscribers.list()}
    keys = {}
    for kind, product in PRODUCTS.items():
        if product.name not in have:
            store.products.add(product)
        name = f"bench-{kind}"
        if name not in subscribers:
            store.subscribers.add(
                Subscriber(name=name, products=[product.name], rate_limit=1_000_000)
            )
        key, key_id, key_hash = new_key()
        store.keys.add(ApiKey(id=key_id, scope="read", name="bench", subscriber=name), key_hash)
        keys[kind] = key
    store.close()
    return keys


# --- the engine, in-process ------------------------------------------------------------------


def engine(url: str, queries: list[str], runs: int, limit: int) -> tuple[dict, list[int]]:
    """Milliseconds of every run of every query, per way of running it; each query's
    total hits."""
    store = open_store(url, create=False)
    index = SearchIndex(index_dir(url))
    searcher = Searcher(index, store)
    raw = index.index
    products = [PRODUCTS["full"]]
    parsed = [tantivy_query_string(text) for text in queries]
    totals = [0] * len(queries)

    def run_tantivy(i: int) -> None:
        s = raw.searcher()
        query = raw.parse_query(parsed[i], list(WEIGHTS), field_boosts=WEIGHTS)
        found = s.search(query, limit)
        [s.doc(a)["id"][0] for _, a in found.hits]

    def run_search(i: int) -> None:
        query, _ = searcher.compile(SearchRequest(q=queries[i]), products)
        s = index.searcher()
        found = s.search(query, limit, count=True)
        [s.doc(a)["id"][0] for _, a in found.hits]
        totals[i] = found.count

    def run_answer(i: int) -> None:
        answer(searcher, SearchRequest(q=queries[i], limit=limit), products)

    ways = {"tantivy": run_tantivy, "newswire search": run_search, "newswire answer": run_answer}
    times: dict[str, list[float]] = {name: [] for name in ways}
    for i in range(len(queries)):  # warm-up: caches of the analysis, the OS's pages
        for run in ways.values():
            run(i)
    for _ in range(runs):
        for i in range(len(queries)):
            for name, run in ways.items():
                started = time.perf_counter()
                run(i)
                times[name].append((time.perf_counter() - started) * 1000)
    index.close()
    store.close()
    return times, totals


def answer(searcher: Searcher, req: SearchRequest, products: list[Product]) -> bytes:
    """The body ``GET /v1/search`` answers with, made as the route makes it (as it was
    made before ``search_json``, to measure an older tree with this script)."""
    if hasattr(searcher, "search_json"):
        return searcher.search_json(req, products)
    import msgspec

    return msgspec.json.encode(searcher.search(req, products))


# --- the server, over HTTP ----------------------------------------------------------------


def pin_self(core: int) -> None:
    if (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})


def search_path(text: str, limit: int) -> str:
    return "/v1/search?" + urlencode({"q": text, "limit": limit}, quote_via=quote)


class Client:
    """One kept-alive HTTP/1.1 connection, as little client as can be: a request's bytes
    out, the answer's head and ``Content-Length`` bytes of body in."""

    def __init__(self, port: int, key: str):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.head = f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n\r\n".encode()

    def get(self, path: str) -> tuple[int, bytes]:
        self.sock.sendall(f"GET {path} HTTP/1.1\r\n".encode() + self.head)
        data = b""
        while b"\r\n\r\n" not in data:
            data += self._recv()
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
        while len(body) < length:
            body += self._recv()
        return int(head[9:12]), body

    def _recv(self) -> bytes:
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        return chunk

    def close(self) -> None:
        self.sock.close()


def one_client(client: Client, paths: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds of each request: every path once while new to the server, then
    ``runs`` times more."""

    def timed() -> list[float]:
        out = []
        for path in paths:
            started = time.perf_counter()
            status, body = client.get(path)
            out.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise SystemExit(f"{path}: {status} {body[:300]!r}")
        return out

    first = timed()
    again = [t for _ in range(runs) for t in timed()]
    return first, again


def wrk_rotating(url: str, paths: list[str], key: str, seconds: int, connections: int) -> dict:
    """``wrk -t1 --latency`` on core 1 going round ``paths`` with the key: its short
    figures."""
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    with script:
        script.write("local paths = {" + ", ".join(json.dumps(p) for p in paths) + "}\n")
        script.write(
            "local i = 0\n"
            "request = function()\n"
            "  i = i % #paths + 1\n"
            '  return wrk.format("GET", paths[i])\n'
            "end\n"
        )
    try:
        figures = wrk(
            url,
            seconds=seconds,
            connections=connections,
            script=Path(script.name),
            headers={"Authorization": f"Bearer {key}"},
            timeout="5s",
        )
    finally:
        os.unlink(script.name)
    return wrk_brief(figures)


def wait_ready(port: int, key: str, limit: float = 120.0) -> None:
    """Until ``/v1/search`` answers (503 while the index is being caught up)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/search?q=x", headers={"Authorization": f"Bearer {key}"}
    )
    fail = f"the server's search did not answer within {limit:.0f} s"
    wait_answered(request, limit=limit, timeout=2, fail=fail)


# --- the report ------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p * (len(values) - 1)))]


def summary(values: list[float]) -> dict:
    return {
        "p50": round(pct(values, 0.50), 3),
        "p95": round(pct(values, 0.95), 3),
        "p99": round(pct(values, 0.99), 3),
        "mean": round(statistics.fmean(values), 3),
        "n": len(values),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--quick", action="store_true", help="5,000 articles, one run, 3 s of wrk")
    parser.add_argument("--articles", type=int, default=None, help="only the first N articles")
    parser.add_argument("--runs", type=int, default=None, help="times each query is run (5)")
    parser.add_argument("--seconds", type=int, default=None, help="of wrk (10)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--limit", type=int, default=10, help="hits a page (10)")
    args = parser.parse_args()
    limit_articles = args.articles if args.articles is not None else 5000 if args.quick else None
    runs = args.runs or (1 if args.quick else 5)
    seconds = args.seconds or (3 if args.quick else 10)
    has_wrk = shutil.which("wrk") is not None
    if not has_wrk:
        print("wrk is missing (apt-get install wrk): no 64-connection figures", flush=True)

    name = "search_http" if limit_articles is None else f"search_http_{limit_articles}"
    url, articles = prepare(args.corpus, limit_articles, OUT / name)
    keys = make_keys(url)
    queries = read_queries()
    print(f"{articles} articles, {len(queries)} queries, {runs} run(s) each", flush=True)

    pin_self(0)
    times, totals = engine(url, queries, runs, args.limit)
    pin_self(1)
    engine_ms = {way: summary(values) for way, values in times.items()}
    for way, row in engine_ms.items():
        print(f"engine, {way}: {row}", flush=True)

    paths = [search_path(text, args.limit) for text in queries]
    singles = sorted(
        (i for i, text in enumerate(queries) if " " not in text and '"' not in text),
        key=lambda i: -totals[i],
    )[:COMMON_WORDS]
    common = [queries[i] for i in singles]
    port = free_port()
    env = {**os.environ, "NEWSWIRE_DB": url, "NEWSWIRE_SEARCH_INDEX": str(index_dir(url)),
           "NEWSWIRE_WORKERS": "1"}  # one process, on one core
    log = open(OUT / f"{name}.server.log", "wb")
    server = subprocess.Popen(
        pinned(SERVER_CORE, [PY, "-m", "newswire.cli", "serve", "--port", str(port), "--workers", "1"]),
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    http: dict[str, dict] = {}
    loaded: dict | None = None
    try:
        wait_ready(port, keys["full"])
        for kind in ("full", "teaser"):
            client = Client(port, keys[kind])
            first, again = one_client(client, paths, runs)
            client.close()
            http[f"{kind}, first"] = summary(first)
            http[f"{kind}, again"] = summary(again)
            print(f"HTTP one client, {kind}: first {http[f'{kind}, first']}", flush=True)
            print(f"HTTP one client, {kind}: again {http[f'{kind}, again']}", flush=True)
        if has_wrk:
            base = f"http://127.0.0.1:{port}"
            common_paths = [search_path(text, args.limit) for text in common]
            wrk_rotating(base, common_paths, keys["full"], 2, args.connections)  # warm-up
            loaded = wrk_rotating(base, common_paths, keys["full"], seconds, args.connections)
            print(f"wrk -c{args.connections}: {loaded}", flush=True)
    finally:
        stop(server)
        log.close()

    http_p50 = http["full, again"]["p50"]
    result = {
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "articles": articles,
        "queries": len(queries),
        "runs": runs,
        "limit": args.limit,
        "engine_ms": engine_ms,
        "http_one_client_ms": http,
        "common_words": {"queries": common, "hits": [totals[i] for i in singles]},
        "wrk": loaded and {"connections": args.connections, "seconds": seconds, **loaded},
        "ratios_p50": {
            "http / tantivy": round(http_p50 / engine_ms["tantivy"]["p50"], 2),
            "http / newswire search": round(http_p50 / engine_ms["newswire search"]["p50"], 2),
            "http / newswire answer": round(http_p50 / engine_ms["newswire answer"]["p50"], 2),
        },
    }
    result["targets"] = {
        "p50_ms": {"limit": TARGETS["p50_ms"], "measured": http_p50},
        "p95_ms": {"limit": TARGETS["p95_ms"], "measured": http["full, again"]["p95"]},
        "rps_64": {"limit": TARGETS["rps"], "measured": loaded["rps"] if loaded else None},
    }
    OUT.mkdir(exist_ok=True)
    out = OUT / ("search_http_quick.json" if args.quick else f"{name}.json")
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))

    print()
    print(f"| {articles:,} articles, top {args.limit} | p50 ms | p95 ms | p99 ms | HTTP p50 / this |")
    print("|---|---:|---:|---:|---:|")
    for way, row in engine_ms.items():
        print(
            f"| engine: {way} | {row['p50']:.3f} | {row['p95']:.3f} | {row['p99']:.3f} |"
            f" {http_p50 / row['p50']:.1f} |"
        )
    for label, row in http.items():
        print(f"| HTTP, one client, {label} | {row['p50']:.3f} | {row['p95']:.3f} | {row['p99']:.3f} | |")
    if loaded:
        print()
        print(f"wrk -c{args.connections}, {len(common)} common words: {loaded['rps']:,} req/s,"
              f" p50 {loaded['p50_ms']} ms, p99 {loaded['p99_ms']} ms,"
              f" non-2xx {loaded['non_2xx_3xx']}")
    print()
    print(json.dumps(result["ratios_p50"]), json.dumps(result["targets"]))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

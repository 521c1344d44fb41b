"""The pull feed and single items under wrk, beside nginx serving the very same bytes as
static files, in one run, on loopback (127.0.0.1) only.

    .venv/bin/python bench/feed.py                  # = make bench-feed; about 6 minutes
    .venv/bin/python bench/feed.py --quick          # 5,000 items, 3 s runs: a sanity run
    .venv/bin/python bench/feed.py --workers 1,2    # also newswire serve --workers 1 and 2
    .venv/bin/python bench/feed.py --py-spy PATH    # also profile the server (extra runs)

1. Into a fresh temporary SQLite store, the whole corpus (40,004 Arabic articles,
   ../shared/corpus/ant_arabic_news.jsonl.xz) by ``Store.append_many``; two products and
   two subscribers: ``all`` (every Arabic item, full text) and ``two`` (the items of two
   sources, full text), each with a read key.
2. ``newswire serve`` pinned to core 0, waited on until ``/ready`` says search is ready.
3. The pages: for each subscriber, --head cursors near the head (the last 100·k entries,
   assembled from the hub's tail in memory) and --spread cursors spread evenly over the
   archive (read from the store): ``GET /v1/feed?after=C`` (50 entries a page, full ninjs
   items). Each page is fetched once; its bytes are written to a file and nginx (one
   worker, pinned to core 0, sendfile, its own ETag) serves those files: as many distinct
   files as newswire has distinct pages. Items likewise: ``GET /v1/items/{id}`` of --ids
   items spread over the archive.
4. For each case, newswire, then (with --floor, the default) the *uvicorn floor*
   (bench/asgi_floor.py: the same bytes and ETags from a dict by a bare ASGI function
   under uvicorn, as newswire serve runs it but with no access log: what any Python ASGI
   server costs), then nginx: ``wrk -t1 -c64 --latency`` pinned to core 1 with a Lua
   script going round the list of requests (after a 2 s warm-up): the pages (200), the
   pages again with ``If-None-Match`` set to each page's own ETag (304: newswire's for
   newswire and the floor, nginx's for nginx), and the items. Requests carry the same
   headers (``Authorization``) to all. --runs rounds, interleaved; the best requests/s
   of each.
5. With --workers 1,2 (when ``newswire serve`` takes ``--workers``): the pages again with
   ``newswire serve --workers N`` and nginx ``worker_processes N``, nothing pinned (the
   servers and wrk share both cores).

Before each round the script waits (--quiet-wait s at most) for both cores to be 90%
idle, and reports how busy the machine was with other work. Writes bench/out/feed.json
(feed-quick.json) and prints Markdown tables and the verdict against the targets:
pages ≥ 0.5× nginx with p99 ≤ 25 ms, 304s ≥ 0.8× nginx's, items ≥ 0.5× nginx.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    CLIENT_CORE,
    CORPUS,
    OUT,
    PY,
    ROOT,
    SERVER_CORE,
    CoreMeter,
    Nginx,
    Server,
    check,
    cli,
    free_port,
    fresh_db,
    http,
    lua_requests,
    pinned,
    profile_lines,
    profile_run,
    read_key,
    report_result,
    serve_accepts,
    stop,
    stop_on_term,
    table,
    verdict_table,
    wait_quiet,
    wrk,
)
from newswire.demo import corpus_items, corpus_records
from newswire.store import open_store

FLOOR = str(ROOT / "bench" / "asgi_floor.py")
TARGETS = {"feed_ratio": 0.5, "feed_p99_ms": 25.0, "feed_304_ratio": 0.8, "item_ratio": 0.5}
SUBSCRIBERS = {
    "all": ["--lang", "ar"],
    "two": ["--source", "Sky News Arabia", "--source", "Jawhara FM"],
}


def load_archive(db: str, corpus: Path, limit: int | None) -> int:
    """The corpus into the store, 1,000 items a transaction; the number stored."""
    store = open_store(db)
    try:
        items = corpus_items(corpus_records(corpus))
        if limit is not None:
            items = itertools.islice(items, limit)
        n = 0
        while batch := list(itertools.islice(items, 1000)):
            store.append_many(batch)
            n += len(batch)
        return n
    finally:
        store.close()


def set_up(db: str) -> dict[str, str]:
    keys = {}
    for name, selection in SUBSCRIBERS.items():
        cli(db, "product", "add", name, "--access", "full", *selection)
        cli(db, "subscriber", "add", name, "--product", name, "--rate-limit", "1000000")
        keys[name] = read_key(db, name)
    return keys


class Case:
    """One thing measured: the newswire requests and the nginx ones, the same count."""

    def __init__(self, name: str):
        self.name = name
        self.newswire: list[tuple[str, dict[str, str]]] = []
        self.nginx: list[tuple[str, dict[str, str]]] = []
        self.sizes: list[int] = []
        self.floor: dict[tuple[str, str], tuple[bytes, str]] = {}
        """(request target, Authorization) -> (body, ETag): what the ASGI floor answers."""

    def scripts(self, work: Path) -> tuple[Path, Path]:
        out = []
        for server in ("newswire", "nginx"):
            path = work / f"{self.name}-{server}.lua"
            path.write_text(lua_requests(getattr(self, server)))
            out.append(path)
        return out[0], out[1]


def fetch_pages(port: int, keys: dict[str, str], last: int, head: int, spread: int, root: Path):
    """The pages' requests for newswire and nginx (200 and 304) and the item ids seen."""
    pages, revalidate = Case("feed"), Case("feed-304")
    ids: list[str] = []
    cursors = [last - 100 * k for k in range(1, head + 1) if last - 100 * k >= 0]
    deepest = max(0, last - 100 * (head + 1))
    cursors += sorted({round(i * deepest / max(1, spread)) for i in range(spread)})
    (root / "feed").mkdir(parents=True, exist_ok=True)
    for name, key in keys.items():
        auth = {"Authorization": f"Bearer {key}"}
        for cursor in cursors:
            path = f"/v1/feed?after={cursor}"
            status, headers, body = http(port, path, key=key, timeout=60)
            if status != 200:
                raise RuntimeError(f"{path}: {status} {body[:300]!r}")
            etag = headers.get("ETag") or headers.get("etag")
            pages.floor[path, auth["Authorization"]] = (body, etag)
            revalidate.floor[path, auth["Authorization"]] = (body, etag)
            items = json.loads(body)["items"]
            ids.extend(e["id"] for e in items[:1])
            file = f"/feed/{name}-{cursor}.json"
            (root / file.lstrip("/")).write_bytes(body)
            pages.newswire.append((path, auth))
            pages.nginx.append((file, auth))
            pages.sizes.append(len(body))
            revalidate.newswire.append((path, {**auth, "If-None-Match": etag}))
            revalidate.nginx.append((file, {**auth}))  # nginx's ETag: added once it runs
            revalidate.sizes.append(0)
    return pages, revalidate, ids


def fetch_items(port: int, key: str, ids: list[str], count: int, root: Path) -> Case:
    case = Case("items")
    auth = {"Authorization": f"Bearer {key}"}
    (root / "items").mkdir(parents=True, exist_ok=True)
    ids = list(dict.fromkeys(ids))
    step = max(1, len(ids) // max(1, count))
    for n, item_id in enumerate(ids[::step][:count]):
        path = f"/v1/items/{quote(item_id, safe=':')}"
        status, headers, body = http(port, path, key=key, timeout=60)
        if status != 200:
            raise RuntimeError(f"{path}: {status} {body[:300]!r}")
        case.floor[path, auth["Authorization"]] = (body, headers.get("ETag") or headers.get("etag"))
        file = f"/items/{n}.json"
        (root / file.lstrip("/")).write_bytes(body)
        case.newswire.append((path, auth))
        case.nginx.append((file, auth))
        case.sizes.append(len(body))
    return case


class Floor:
    """bench/asgi_floor.py under uvicorn on core 0: every page and item from a dict."""

    def __init__(self, cases: list[Case], work: Path):
        pages: dict[str, tuple[bytes, str]] = {}
        for case in cases:
            pages.update(case.floor)
        (work / "floor.pickle").write_bytes(pickle.dumps(pages))
        self.port = free_port()
        self.log = (work / "floor.log").open("wb")
        self.proc = subprocess.Popen(
            pinned(
                SERVER_CORE,
                [PY, FLOOR, "--port", str(self.port), "--pages", str(work / "floor.pickle")],
            ),
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.pid = self.proc.pid
        target, authorization = next(iter(pages))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                answer = http(self.port, target, headers={"Authorization": authorization})
                if answer[0] == 200:
                    return
            time.sleep(0.2)
        self.close()
        raise RuntimeError("the ASGI floor did not start")

    def close(self) -> None:
        stop(self.proc)
        self.log.close()


def nginx_etags(port: int, case: Case) -> None:
    """If-None-Match with nginx's own ETag of each file."""
    for n, (file, headers) in enumerate(case.nginx):
        status, answer, _ = http(port, file, method="HEAD")
        if status != 200:
            raise RuntimeError(f"nginx {file}: {status}")
        case.nginx[n] = (file, {**headers, "If-None-Match": answer.get("ETag") or answer["etag"]})


def measure(
    url: str,
    script: Path,
    args,
    pids: dict[str, int],
    core: str | None = CLIENT_CORE,
    server_core: str | None = SERVER_CORE,
) -> dict:
    """A 2 s warm-up, then the measured wrk run, and how busy the machine was."""
    wrk(url, seconds=min(2.0, args.seconds), connections=args.connections, script=script, core=core)
    meter = CoreMeter(pids, server_core)
    meter.start()
    result = wrk(url, seconds=args.seconds, connections=args.connections, script=script, core=core)
    result["machine"] = meter.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, help="items of the corpus (default: all)")
    parser.add_argument("--head", type=int, default=8, help="cursors near the head, each")
    parser.add_argument("--spread", type=int, default=40, help="cursors over the archive, each")
    parser.add_argument("--ids", type=int, default=32, help="distinct items")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--runs", type=int, default=2, help="interleaved rounds")
    parser.add_argument("--workers", default="", help="e.g. 1,2: newswire serve --workers N")
    parser.add_argument(
        "--floor",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the bare ASGI app under uvicorn (bench/asgi_floor.py)",
    )
    parser.add_argument("--quick", action="store_true", help="5,000 items, 3 s runs, 1 round")
    parser.add_argument("--quiet-wait", type=float, default=120.0, metavar="S")
    parser.add_argument(
        "--py-spy", metavar="PATH", help="profile the server in extra runs (bench/out/)"
    )
    args = parser.parse_args()
    stop_on_term()
    if args.quick:
        args.limit, args.seconds, args.runs, args.spread, args.ids = 5000, 3.0, 1, 16, 16
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    name = "feed-quick" if args.quick else "feed"
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"bench/feed.py needs {tool}: apt-get install {tool}")

    with tempfile.TemporaryDirectory(prefix="newswire-feed-") as tmp:
        work = Path(tmp)
        db = fresh_db(work, "feed")
        t = time.monotonic()
        stored = load_archive(db, args.corpus, args.limit)
        print(f"{stored:,} items stored in {time.monotonic() - t:.1f} s", file=sys.stderr)
        keys = set_up(db)
        root = work / "static"
        rounds: list[dict] = []
        profiles: dict[str, dict] = {}
        with contextlib.ExitStack() as stack:  # on the way out: floor, nginx, server
            t = time.monotonic()
            server = stack.enter_context(
                Server(db, work / "server.log", ready=True, start_timeout=600)
            )
            print(f"newswire ready in {time.monotonic() - t:.1f} s", file=sys.stderr)
            last = json.loads(http(server.port, "/ready")[2])["last_seq"]
            pages, revalidate, ids = fetch_pages(
                server.port, keys, last, args.head, args.spread, root
            )
            items = fetch_items(server.port, keys["all"], ids, args.ids, root)
            nginx = Nginx(root, work / "nginx")
            stack.callback(nginx.close)
            nginx_etags(nginx.port, revalidate)
            cases = [pages, revalidate, items]
            floor = Floor(cases, work) if args.floor else None
            if floor is not None:
                stack.callback(floor.close)
            scripts = {c.name: c.scripts(work) for c in cases}
            sizes = {
                c.name: {
                    "distinct": len(c.sizes),
                    "mean_bytes": round(sum(c.sizes) / len(c.sizes)),
                    "total_bytes": sum(c.sizes),
                }
                for c in cases
            }
            print(json.dumps(sizes), file=sys.stderr)
            for r in range(args.runs):
                quiet = wait_quiet(args.quiet_wait) if args.quiet_wait > 0 else None
                row: dict = {"busiest_core_before": quiet, "cases": {}}
                for case in cases:
                    mine, peer = scripts[case.name]
                    got = {}
                    servers = [("newswire", server.port, mine, server.pid)]
                    if floor is not None:
                        servers.append(("uvicorn floor", floor.port, mine, floor.pid))
                    servers.append(("nginx", nginx.port, peer, nginx.pid))
                    for label, port, script, pid in servers:
                        got[label] = measure(
                            f"http://127.0.0.1:{port}",
                            script,
                            args,
                            {"server": pid},
                            CLIENT_CORE,
                        )
                        print(
                            f"round {r + 1} {case.name} {label}: {got[label]['rps']:,.0f} req/s,"
                            f" p99 {got[label].get('p99_ms')} ms,"
                            f" {got[label]['bytes_per_response']:,} B/response",
                            file=sys.stderr,
                        )
                    row["cases"][case.name] = got
                rounds.append(row)
            if args.py_spy:
                for case in cases:
                    res, prof = profile_run(
                        args.py_spy,
                        server.pid,
                        OUT / f"{name}-profile-{case.name}.txt",
                        args.seconds,
                        partial(
                            wrk,
                            f"http://127.0.0.1:{server.port}",
                            seconds=args.seconds,
                            connections=args.connections,
                            script=scripts[case.name][0],
                        ),
                    )
                    profiles[case.name] = {"rps_while_profiled": res["rps"], **prof}

        scaling = []
        if workers:
            if not serve_accepts("--workers"):
                scaling = [
                    {"workers": w, "unavailable": "newswire serve has no --workers"}
                    for w in workers
                ]
                print("newswire serve --workers: unavailable in this checkout", file=sys.stderr)
            else:
                scaling = measure_workers(db, work, root, workers, scripts["feed"], args)

    best = {
        case: {
            server: max((r["cases"][case][server] for r in rounds), key=lambda x: x["rps"])
            for server in rounds[0]["cases"][case]
        }
        for case in rounds[0]["cases"]
    }
    for figures in best.values():
        nginx_rps = figures["nginx"]["rps"]
        figures["ratio"] = round(figures["newswire"]["rps"] / nginx_rps, 3)
        if "uvicorn floor" in figures:
            figures["floor_ratio"] = round(figures["uvicorn floor"]["rps"] / nginx_rps, 3)
    checks = [
        check(
            "pages: newswire / nginx requests/s", best["feed"]["ratio"], TARGETS["feed_ratio"], True
        ),
        check(
            "pages: newswire p99 ms",
            best["feed"]["newswire"]["p99_ms"],
            TARGETS["feed_p99_ms"],
            False,
        ),
        check(
            "304s: newswire / nginx requests/s",
            best["feed-304"]["ratio"],
            TARGETS["feed_304_ratio"],
            True,
        ),
        check(
            "items: newswire / nginx requests/s",
            best["items"]["ratio"],
            TARGETS["item_ratio"],
            True,
        ),
    ]
    for r in rounds:
        for case in r["cases"].values():
            for fig in case.values():
                fig.pop("output", None)
    result = {
        "items_stored": stored,
        "connections": args.connections,
        "seconds": args.seconds,
        "sizes": sizes,
        "targets": TARGETS,
        "verdict": checks,
        "best": best,
        "rounds": rounds,
        "workers": scaling,
        "profiles": profiles,
    }
    report_result(name, result, report)


def report(result: dict) -> str:
    rows = []
    labels = {"feed": "feed page", "feed-304": "feed page, If-None-Match", "items": "item"}
    for case, figures in result["best"].items():
        size = result["sizes"][case]
        for server in [s for s in ("newswire", "uvicorn floor", "nginx") if s in figures]:
            f = figures[server]
            ratio = {"newswire": figures["ratio"], "uvicorn floor": figures.get("floor_ratio")}
            rows.append(
                [
                    labels.get(case, case),
                    server,
                    size["distinct"],
                    f["bytes_per_response"],
                    f["rps"],
                    f.get("p50_ms"),
                    f.get("p99_ms"),
                    f["non_2xx_3xx"],
                    ratio.get(server),
                ]
            )
    parts = [
        table(
            [
                "request",
                "server",
                "distinct",
                "bytes/response",
                "requests/s",
                "p50 ms",
                "p99 ms",
                "non-2xx/3xx",
                "× nginx",
            ],
            rows,
            "llrrrrrrr",
        )
    ]
    quiet = [r["busiest_core_before"] for r in result["rounds"]]
    other = [
        f["machine"]["other_on_server_core"]
        for r in result["rounds"]
        for c in r["cases"].values()
        for f in c.values()
    ]
    client = [
        f["machine"]["core_busy_share"].get(f"cpu{CLIENT_CORE}", 0)
        for r in result["rounds"]
        for c in r["cases"].values()
        for f in c.values()
    ]
    parts.append(
        f"\nbusiest core before each round: {quiet}; on the server's core, work other than the"
        f" server's: {min(other):.0%}–{max(other):.0%}; the load's core busy"
        f" {min(client):.0%}–{max(client):.0%}"
    )
    if result["workers"]:
        wrows = []
        for w in result["workers"]:
            if "unavailable" in w:
                wrows.append([w["workers"], "newswire", w["unavailable"], None, None, None])
                continue
            for server in ("newswire", "nginx"):
                f = w[server]
                wrows.append(
                    [
                        w["workers"],
                        server,
                        f["rps"],
                        f.get("p50_ms"),
                        f.get("p99_ms"),
                        f["machine"]["cpu_share"]["server"],
                    ]
                )
        parts.append(
            "\n"
            + table(
                ["workers", "server", "requests/s", "p50 ms", "p99 ms", "server CPU (cores)"],
                wrows,
                "rlrrrr",
            )
        )
    parts.append("\n" + verdict_table(result["verdict"]))
    for case, prof in result["profiles"].items():
        title = f"\nprofile of {case} ({prof['samples']} samples, {prof['rps_while_profiled']:,.0f} req/s):"
        parts.extend(profile_lines(title, prof, (15, 20, 12)))
    return "\n".join(parts)


def measure_workers(db: str, work: Path, root: Path, workers: list[int], script, args) -> list:
    """The pages with ``newswire serve --workers N`` and nginx ``worker_processes N``,
    nothing pinned."""
    out = []
    for w in workers:
        wait_quiet(args.quiet_wait) if args.quiet_wait > 0 else None
        server = nginx = None
        try:
            server = Server(
                db, work / f"server-w{w}.log", core=None, workers=w, ready=True, start_timeout=600
            )
            nginx = Nginx(root, work / f"nginx-w{w}", core=None, workers=w)
            row = {"workers": w}
            for label, port, lua, pid in (
                ("newswire", server.port, script[0], server.pid),
                ("nginx", nginx.port, script[1], nginx.pid),
            ):
                row[label] = measure(
                    f"http://127.0.0.1:{port}", lua, args, {"server": pid}, None, None
                )
                row[label].pop("output", None)
                print(f"workers {w} {label}: {row[label]['rps']:,.0f} req/s", file=sys.stderr)
            out.append(row)
        finally:
            if nginx is not None:
                nginx.close()
            if server is not None:
                server.close()
    return out


if __name__ == "__main__":
    main()

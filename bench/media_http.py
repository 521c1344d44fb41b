"""Rendition downloads under wrk, beside nginx serving the very same files.

A picture item is taken in the way an editor's upload is (``newswire ingest`` of a
12-megapixel JPEG made here, its renditions made and kept in the blob store beside the
database); then, for each rendition in turn (runs interleaved), each server pinned to
core 0 with wrk on core 1:

- **nginx**: the same bytes as static files (sendfile), the same ``Content-Type``;
- **newswire**: ``GET /v1/items/{id}/versions/1/renditions/{name}`` with a full
  subscriber's key (key resolved from memory, access checked, the file answered from
  memory with its ETag as the request is parsed);
- **front**: the same request to newswire behind the nginx front the deployment ships
  (the media part of deploy/nginx/newswire.conf, taken from that file as it is, the
  machine's paths and the node's address put in): nginx asks the node whether the key
  may have the file, keeps the yes for a second, and sends the file from the blob
  folder. Before it is measured, the front is checked: the full key gets every file
  byte for byte with newswire's own headers, the teaser key a 403 problem for the
  original, no key a 401.

For each rendition (``thumbnail`` ~1 KB, ``preview`` ~30 KB, ``web`` ~300 KB of noise)
the ratio of requests a second to nginx's is the figure, for newswire alone and through
the front; the target of the media issue is ≥ 0.5× nginx.

    .venv/bin/python bench/media_http.py               # 10 s a run, 64 connections, 3 rounds
    .venv/bin/python bench/media_http.py --seconds 3 --rounds 1   # a quick look
    .venv/bin/python bench/media_http.py --port 18060  # servers on 18060, 18061, 18062
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    OUT,
    ROOT,
    CoreMeter,
    Nginx,
    Server,
    cli,
    fresh_db,
    http,
    read_key,
    stop_on_term,
    wait_quiet,
    write_result,
    wrk,
    wrk_brief,
)
from newswire.blobs import blobs_for
from newswire.delivery.renderer import rendition_path
from newswire.store import open_store

NAMES = ("thumbnail", "preview", "web")
TARGET = 0.5
RUNS = ("nginx", "newswire", "front")
DEPLOY = ROOT / "deploy" / "nginx" / "newswire.conf"
SECRET = "bench-media-front"


def photo(path: Path, width: int = 4000, height: int = 3000) -> Path:
    """A JPEG with detail (noise compresses like a photo, a flat colour not)."""
    import pyvips

    image = pyvips.Image.gaussnoise(width, height, mean=128, sigma=40).cast("uchar")
    image = image.bandjoin([image.rot180(), image.flipver()]).copy(interpretation="srgb")
    image.write_to_file(str(path), Q=85)
    return path


def _part(text: str, name: str) -> str:
    """The lines between the deploy file's ``# --- media front, NAME part`` and ``# ---
    end of the media front's NAME part`` markers."""
    found = re.search(
        rf"^ *# --- media front, {name} part.*?\n(.*?)^ *# --- end of the media front's {name} part",
        text,
        re.M | re.S,
    )
    if found is None:
        raise SystemExit(f"{DEPLOY} has no media front {name} part")
    return found.group(1)


def front_config(work: Path, blobs: Path, node: int) -> Callable[[int], str]:
    """nginx's configuration for the front: the deploy file's media parts and what they
    use from the rest of it (its maps, its server-wide proxy settings), with this
    machine's folders, the node's address and the secret put in."""
    text = DEPLOY.read_text(encoding="utf-8")
    http, server = _part(text, "http"), _part(text, "server")
    rest = text.replace(http, "")
    maps = "".join(re.findall(r"^map .*?^}\n", rest, re.M | re.S))
    main = rest[rest.index("server_name news.example.com;\n\n    ssl_"):]
    proxying = "\n".join(re.findall(r"^    proxy_\w+ .*;$", main.replace(server, ""), re.M))
    swaps = {
        "/var/lib/nginx/newswire-media": str(work / "media-cache"),
        "root /var/lib/newswire/blobs;": f"root {blobs};",
        '"change-this-secret"': f'"{SECRET}"',
    }
    for old, new in swaps.items():
        if old not in http + server:
            raise SystemExit(f"{DEPLOY}: {old!r} is no longer in the media front")
        http, server = http.replace(old, new), server.replace(old, new)
    (work / "tmp").mkdir(parents=True, exist_ok=True)

    # No sendfile or tcp_nopush in the http block: the media part turns on what it needs
    # itself (a distribution's nginx.conf may or may not).
    def config(port: int) -> str:
        return f"""\
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 10000000;
    client_body_temp_path {work}/tmp/body;
    proxy_temp_path {work}/tmp/proxy;
    fastcgi_temp_path {work}/tmp/fastcgi;
    uwsgi_temp_path {work}/tmp/uwsgi;
    scgi_temp_path {work}/tmp/scgi;
    upstream newswire {{
        server 127.0.0.1:{node};
        keepalive 64;
    }}
{maps}{http}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
{proxying}
{server}
        location / {{
            proxy_pass http://newswire;
        }}
    }}
}}
"""

    return config


def lowered(answer: tuple[int, dict[str, str], bytes]) -> tuple[int, dict[str, str], bytes]:
    status, headers, body = answer
    return status, {k.lower(): v for k, v in headers.items()}, body


def check_front(port: int, item_id: str, keys: dict[str, str], files: dict[str, bytes], node: int) -> None:
    """The front answers as newswire does, or the run stops saying how it does not."""
    for name, data in files.items():
        where = rendition_path(item_id, 1, name)
        status, headers, body = lowered(http(port, where, key=keys["full"]))
        _, theirs, _ = lowered(http(node, where, key=keys["full"]))
        if status != 200 or body != data:
            raise SystemExit(f"front: {name} with a full key: {status}, {len(body)} bytes: {body[:300]!r}")
        for header in ("content-type", "etag", "cache-control", "content-disposition", "x-content-type-options"):
            if headers.get(header) != theirs.get(header):
                raise SystemExit(f"front: {name}: {header} {headers.get(header)!r}, newswire {theirs.get(header)!r}")
    original = rendition_path(item_id, 1, "original")
    for key, wanted in ((keys["teaser"], 403), ("", 401)):
        status, headers, body = lowered(http(port, original, key=key))
        if status != wanted or headers.get("content-type") != "application/problem+json":
            raise SystemExit(f"front: original, {'teaser key' if key else 'no key'}: {status} {body[:300]!r}")
        if json.loads(body)["status"] != wanted:
            raise SystemExit(f"front: a problem body not newswire's: {body[:300]!r}")


def measure(url: str, args: argparse.Namespace, headers: dict[str, str] | None, meter: CoreMeter) -> dict:
    """wrk's figures of one run (after a 2 s warm-up), and the CPU share of the servers."""
    wait_quiet(2)
    wrk(url, seconds=2, connections=args.connections, headers=headers)
    meter.start()
    got = wrk_brief(wrk(url, seconds=args.seconds, connections=args.connections, headers=headers))
    share = meter.stop()["cpu_share"]
    # CPU a request, of the servers measured: what a busy shared core cannot make up.
    cpu_us = round(sum(share.values()) * 1e6 / got["rps"], 1) if got["rps"] else None
    return {**got, "cpu_share": share, "cpu_us": cpu_us}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the best is reported")
    parser.add_argument("--port", type=int, default=0, help="first of three ports (default: free ones)")
    args = parser.parse_args()
    stop_on_term()
    ports = [args.port + n if args.port else None for n in range(3)]
    results: dict[str, dict] = {name: {} for name in NAMES}
    with tempfile.TemporaryDirectory(prefix="newswire-media-http-") as tmp:
        work = Path(tmp)
        db = fresh_db(work, "media")
        cli(db, "product", "add", "photos", "--access", "full", "--type", "picture")
        cli(db, "product", "add", "glimpse", "--access", "teaser", "--type", "picture")
        cli(db, "subscriber", "add", "desk", "--product", "photos", "--rate-limit", "1000000")
        cli(db, "subscriber", "add", "site", "--product", "glimpse", "--rate-limit", "1000000")
        keys = {"full": read_key(db, "desk"), "teaser": read_key(db, "site")}
        item_id = cli(db, "ingest", str(photo(work / "photo.jpg"))).strip().splitlines()[-1]
        store, blobs = open_store(db), blobs_for(db)
        root = work / "static"
        root.mkdir()
        try:
            item = store.get(item_id).item
            files = {r.name: blobs.read(r.blob) for r in item.renditions if r.name in NAMES}
            blob_root = blobs.root
        finally:
            blobs.close()
            store.close()
        for name, data in files.items():
            (root / f"{name}.jpg").write_bytes(data)
        sizes = {n: len(files[n]) for n in NAMES}
        auth = {"Authorization": f"Bearer {keys['full']}"}
        env = {"NEWSWIRE_MEDIA_FRONT": SECRET}
        with (
            Server(db, work / "serve.log", port=ports[0], env=env) as server,
            contextlib.ExitStack() as running,
        ):
            static = Nginx(root, work / "nginx", media_type="image/jpeg", port=ports[1])
            running.callback(static.close)
            config = front_config(work / "front", blob_root, server.port)
            front = Nginx(blob_root, work / "front", port=ports[2], config=config)
            running.callback(front.close)
            check_front(front.port, item_id, keys, files, server.port)
            meters = {
                "nginx": CoreMeter({"nginx": static.pid}),
                "newswire": CoreMeter({"newswire": server.pid}),
                "front": CoreMeter({"nginx": front.pid, "newswire": server.pid}),
            }
            for _ in range(args.rounds):  # interleaved: each round runs all three in turn
                for name in NAMES:
                    path = rendition_path(item_id, 1, name)
                    urls = {
                        "nginx": (f"http://127.0.0.1:{static.port}/{name}.jpg", None),
                        "newswire": (f"http://127.0.0.1:{server.port}{path}", auth),
                        "front": (f"http://127.0.0.1:{front.port}{path}", auth),
                    }
                    for run, (url, headers) in urls.items():
                        got = measure(url, args, headers, meters[run])
                        results[name].setdefault(f"{run}_runs", []).append(got)
    for name in NAMES:  # the best of the rounds, as every bench here reports
        for run in RUNS:
            results[name][run] = max(results[name][f"{run}_runs"], key=lambda got: got["rps"])
    print(
        f"Rendition downloads, wrk -c{args.connections}, {args.seconds:g} s a run, best of"
        f" {args.rounds} interleaved rounds; servers on core 0, wrk on core 1\n"
    )
    print(
        "| rendition | bytes | nginx req/s | newswire req/s | ratio | via the front req/s | ratio"
        " | p99 ms nginx / newswire / front | CPU µs a request nginx / newswire / front |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for name in NAMES:
        row = results[name]
        peer = row["nginx"]["rps"]
        for run in ("newswire", "front"):
            row[f"{run}_ratio"] = round(row[run]["rps"] / peer, 3) if peer else 0.0
        row["bytes"] = sizes[name]
        print(
            f"| {name} | {sizes[name]:,} | {peer:,} | {row['newswire']['rps']:,} | {row['newswire_ratio']:.2f}×"
            f" | {row['front']['rps']:,} | {row['front_ratio']:.2f}×"
            f" | {row['nginx']['p99_ms']} / {row['newswire']['p99_ms']} / {row['front']['p99_ms']}"
            f" | {row['nginx']['cpu_us']} / {row['newswire']['cpu_us']} / {row['front']['cpu_us']} |"
        )
    for run in ("newswire", "front"):
        worst = min(results[n][f"{run}_ratio"] for n in NAMES)
        print(f"{run}: target ≥ {TARGET}× nginx {'met' if worst >= TARGET else 'MISSED'} (lowest {worst:.2f}×)")
    print("CPU share during the front's best runs:", {n: results[n]["front"]["cpu_share"] for n in NAMES})
    for run in ("newswire", "front"):  # each round's ratio: the peer measured beside it
        each = {
            n: [round(r["rps"] / p["rps"], 2) for r, p in zip(results[n][f"{run}_runs"], results[n]["nginx_runs"], strict=True)]
            for n in NAMES
        }
        print(f"{run} / nginx, round by round:", each)
    write_result(
        "media_http",
        {"seconds": args.seconds, "connections": args.connections, "rounds": args.rounds, "results": results},
    )
    print(f"(raw: {OUT / 'media_http.json'})")


if __name__ == "__main__":
    main()

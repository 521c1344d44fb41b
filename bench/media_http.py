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
  (the media part of deploy/nginx/newswire.conf, taken from that file as it is by
  bench/front.py, the machine's paths and the node's address put in, nginx's Lua module
  loaded): nginx asks the node whether the key may have the file, keeps the yes for a
  second in its memory, and sends the file from the blob folder. Before it is
  measured, the front is checked: the full key gets every file byte for byte with
  newswire's own headers, the teaser key a 403 problem for the original, no key a 401;
- **front at REVISION** (``--compare REVISION``): the same, with the media front of
  deploy/nginx/newswire.conf as it was at that git revision, measured beside the
  current one.

For each rendition (``thumbnail`` ~1 KB, ``preview`` ~30 KB, ``web`` ~300 KB of noise)
the ratio of requests a second to nginx's is the figure, for newswire alone and through
the front; the target of the media issue is ≥ 0.5× nginx.

    .venv/bin/python bench/media_http.py               # 10 s a run, 64 connections, 3 rounds
    .venv/bin/python bench/media_http.py --seconds 3 --rounds 1   # a quick look
    .venv/bin/python bench/media_http.py --port 18060  # servers on 18060 to 18063
    .venv/bin/python bench/media_http.py --compare 9a97954  # and that revision's front beside
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
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
from bench.front import front_config
from newswire.blobs import blobs_for
from newswire.delivery.renderer import rendition_path
from newswire.store import open_store

NAMES = ("thumbnail", "preview", "web")
TARGET = 0.5
SECRET = "bench-media-front"


def photo(path: Path, width: int = 4000, height: int = 3000) -> Path:
    """A JPEG with detail (noise compresses like a photo, a flat colour not)."""
    import pyvips

    image = pyvips.Image.gaussnoise(width, height, mean=128, sigma=40).cast("uchar")
    image = image.bandjoin([image.rot180(), image.flipver()]).copy(interpretation="srgb")
    image.write_to_file(str(path), Q=85)
    return path


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


def revision_text(revision: str) -> str:
    """deploy/nginx/newswire.conf as it was at ``revision`` (git), for ``--compare``."""
    done = subprocess.run(
        ["git", "show", f"{revision}:deploy/nginx/newswire.conf"],
        cwd=ROOT, capture_output=True, text=True, timeout=10, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"--compare {revision}: {done.stderr.strip()}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the best is reported")
    parser.add_argument("--port", type=int, default=0, help="first of four ports (default: free ones)")
    parser.add_argument(
        "--compare", metavar="REVISION", default=None,
        help="also measure the media front of deploy/nginx/newswire.conf at this git revision",
    )
    args = parser.parse_args()
    stop_on_term()
    ports = [args.port + n if args.port else None for n in range(4)]
    fronts = ["front", *(["before"] if args.compare else [])]
    runs = ["nginx", "newswire", *fronts]
    label = {"front": "front", "before": f"front at {args.compare}"}
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
            # The fronts' configurations first: they install nginx and its Lua module when
            # missing (bench/front.py).
            configs = {
                run: front_config(
                    work / run, blob_root, server.port, SECRET,
                    revision_text(args.compare) if run == "before" else None,
                )
                for run in fronts
            }
            static = Nginx(root, work / "nginx", media_type="image/jpeg", port=ports[1])
            running.callback(static.close)
            ports_of = {"nginx": static.port, "newswire": server.port}
            meters = {
                "nginx": CoreMeter({"nginx": static.pid}),
                "newswire": CoreMeter({"newswire": server.pid}),
            }
            for n, run in enumerate(fronts):
                front = Nginx(blob_root, work / run, port=ports[2 + n], config=configs[run])
                running.callback(front.close)
                check_front(front.port, item_id, keys, files, server.port)
                ports_of[run] = front.port
                meters[run] = CoreMeter({"nginx": front.pid, "newswire": server.pid})
            for _ in range(args.rounds):  # interleaved: each round runs every server in turn
                for name in NAMES:
                    path = rendition_path(item_id, 1, name)
                    for run in runs:
                        url = f"http://127.0.0.1:{ports_of[run]}{path}"
                        url, headers = (f"http://127.0.0.1:{static.port}/{name}.jpg", None) if run == "nginx" else (url, auth)
                        got = measure(url, args, headers, meters[run])
                        results[name].setdefault(f"{run}_runs", []).append(got)
    for name in NAMES:  # the best of the rounds, as every bench here reports
        for run in runs:
            results[name][run] = max(results[name][f"{run}_runs"], key=lambda got: got["rps"])
    print(
        f"Rendition downloads, wrk -c{args.connections}, {args.seconds:g} s a run, best of"
        f" {args.rounds} interleaved rounds; servers on core 0, wrk on core 1\n"
    )
    measured = ["newswire", *fronts]
    names = " / ".join(["nginx", "newswire", *(label[f] for f in fronts)])
    print(
        "| rendition | bytes | nginx req/s | "
        + " | ".join(f"{label.get(run, run)} req/s | ratio" for run in measured)
        + f" | p99 ms {names} | CPU µs a request {names} |"
    )
    print("|---|---:|---:|" + "---:|---:|" * len(measured) + "---|---|")
    for name in NAMES:
        row = results[name]
        peer = row["nginx"]["rps"]
        for run in measured:
            row[f"{run}_ratio"] = round(row[run]["rps"] / peer, 3) if peer else 0.0
        row["bytes"] = sizes[name]
        print(
            f"| {name} | {sizes[name]:,} | {peer:,} | "
            + " | ".join(f"{row[run]['rps']:,} | {row[f'{run}_ratio']:.2f}×" for run in measured)
            + " | " + " / ".join(str(row[run]["p99_ms"]) for run in runs)
            + " | " + " / ".join(str(row[run]["cpu_us"]) for run in runs) + " |"
        )
    for run in measured:
        worst = min(results[n][f"{run}_ratio"] for n in NAMES)
        print(
            f"{label.get(run, run)}: target ≥ {TARGET}× nginx"
            f" {'met' if worst >= TARGET else 'MISSED'} (lowest {worst:.2f}×)"
        )
    print("CPU share during the front's best runs:", {n: results[n]["front"]["cpu_share"] for n in NAMES})
    for run in measured:  # each round's ratio: the peer measured beside it
        each = {
            n: [round(r["rps"] / p["rps"], 2) for r, p in zip(results[n][f"{run}_runs"], results[n]["nginx_runs"], strict=True)]
            for n in NAMES
        }
        print(f"{label.get(run, run)} / nginx, round by round:", each)
    write_result(
        "media_http",
        {"seconds": args.seconds, "connections": args.connections, "rounds": args.rounds,
         "compare": args.compare, "results": results},
    )
    print(f"(raw: {OUT / 'media_http.json'})")


if __name__ == "__main__":
    main()

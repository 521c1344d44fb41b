"""Rendition downloads under wrk, beside nginx serving the very same files.

A picture item is taken in the way an editor's upload is (``newswire ingest`` of a
12-megapixel JPEG made here, its renditions made and kept in the blob store beside the
database); then, one after the other, each pinned to core 0 with wrk on core 1:

- **newswire**: ``GET /v1/items/{id}/versions/1/renditions/{name}`` with a full
  subscriber's key (key resolved from memory, access checked, the file streamed from the
  blob store with its ETag);
- **nginx**: the same bytes as static files (sendfile), the same ``Content-Type``.

For each rendition (``thumbnail`` ~10 KB, ``preview`` ~60 KB, ``web`` ~300 KB) the ratio
of requests a second is the figure; the target of the media issue is ≥ 0.5× nginx.

    .venv/bin/python bench/media_http.py               # 10 s a run, 64 connections
    .venv/bin/python bench/media_http.py --seconds 3   # a quick look
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    OUT,
    Nginx,
    Server,
    cli,
    fresh_db,
    read_key,
    wait_quiet,
    wrk,
    wrk_brief,
)
from newswire.blobs import blobs_for
from newswire.delivery.renderer import rendition_path
from newswire.store import open_store

NAMES = ("thumbnail", "preview", "web")
TARGET = 0.5


def photo(path: Path, width: int = 4000, height: int = 3000) -> Path:
    """A JPEG with detail (noise compresses like a photo, a flat colour not)."""
    import pyvips

    image = pyvips.Image.gaussnoise(width, height, mean=128, sigma=40).cast("uchar")
    image = image.bandjoin([image.rot180(), image.flipver()]).copy(interpretation="srgb")
    image.write_to_file(str(path), Q=85)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="newswire-media-http-") as tmp:
        work = Path(tmp)
        db = fresh_db(work, "media")
        cli(db, "product", "add", "photos", "--access", "full", "--type", "picture")
        cli(db, "subscriber", "add", "desk", "--product", "photos", "--rate-limit", "1000000")
        key = read_key(db, "desk")
        item_id = cli(db, "ingest", str(photo(work / "photo.jpg"))).strip().splitlines()[-1]
        store, blobs = open_store(db), blobs_for(db)
        root = work / "static"
        root.mkdir()
        try:
            item = store.get(item_id).item
            for r in item.renditions:
                if r.name in NAMES:
                    (root / f"{r.name}.jpg").write_bytes(blobs.read(r.blob))
        finally:
            blobs.close()
            store.close()
        sizes = {n: (root / f"{n}.jpg").stat().st_size for n in NAMES}
        nginx = Nginx(root, work / "nginx", media_type="image/jpeg")
        try:
            for name in NAMES:
                wait_quiet(0.2)
                wrk(f"http://127.0.0.1:{nginx.port}/{name}.jpg", seconds=2, connections=args.connections)
                got = wrk(
                    f"http://127.0.0.1:{nginx.port}/{name}.jpg",
                    seconds=args.seconds,
                    connections=args.connections,
                )
                results.setdefault(name, {})["nginx"] = wrk_brief(got)
        finally:
            nginx.close()
        with Server(db, work / "serve.log") as server:
            for name in NAMES:
                url = f"http://127.0.0.1:{server.port}{rendition_path(item_id, 1, name)}"
                headers = {"Authorization": f"Bearer {key}"}
                wait_quiet(0.2)
                wrk(url, seconds=2, connections=args.connections, headers=headers)
                got = wrk(url, seconds=args.seconds, connections=args.connections, headers=headers)
                results[name]["newswire"] = wrk_brief(got)
    print(f"Rendition downloads, wrk -c{args.connections}, {args.seconds:g} s a run; server on core 0, wrk on core 1\n")
    print("| rendition | bytes | newswire req/s | p99 ms | nginx req/s | p99 ms | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in NAMES:
        ours, peer = results[name]["newswire"], results[name]["nginx"]
        ratio = ours["rps"] / peer["rps"] if peer["rps"] else 0.0
        results[name]["ratio"] = round(ratio, 3)
        results[name]["bytes"] = sizes[name]
        print(
            f"| {name} | {sizes[name]:,} | {ours['rps']:,} | {ours['p99_ms']} | {peer['rps']:,}"
            f" | {peer['p99_ms']} | {ratio:.2f}× |"
        )
    worst = min(r["ratio"] for r in results.values())
    print(f"\ntarget ≥ {TARGET}× nginx: {'met' if worst >= TARGET else 'MISSED'} (lowest {worst:.2f}×)")
    OUT.mkdir(exist_ok=True)
    (OUT / "media_http.json").write_text(json.dumps(results, indent=2))
    print(f"(raw: {OUT / 'media_http.json'})")


if __name__ == "__main__":
    main()

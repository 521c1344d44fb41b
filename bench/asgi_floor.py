"""The least an ASGI server can do: bytes looked up by request target, under uvicorn
(``bench/feed.py`` starts it; loopback only).

    asgi_floor.py --port P --pages FILE

FILE is a pickle of ``{("/v1/feed?after=1", "Bearer KEY"): (body, etag), ...}``: each
request is answered from that dict by its target and ``Authorization`` header (two
subscribers see different pages at one URL): 200 with the body, its ``ETag`` and
``Content-Length``, or 304 when ``If-None-Match`` names the ETag; no auth check, routing,
logging or metering. uvicorn runs
as ``newswire serve`` runs it (uvloop and httptools when installed), the access log off:
what any Python ASGI server on this machine costs a request, the floor under newswire.
"""

from __future__ import annotations

import argparse
import pickle

import uvicorn

PAGES: dict[tuple[str, str], tuple[bytes, str]] = {}


async def app(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    query = scope.get("query_string", b"")
    target = scope["path"] + ("?" + query.decode("latin-1") if query else "")
    authorization = if_none_match = ""
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"if-none-match":
            if_none_match = value.decode("latin-1")
    hit = PAGES.get((target, authorization))
    if hit is None:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    body, etag = hit
    if if_none_match and if_none_match == etag:
        await send(
            {
                "type": "http.response.start",
                "status": 304,
                "headers": [(b"etag", etag.encode())],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [
        (b"etag", etag.encode()),
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pages", required=True)
    args = parser.parse_args()
    with open(args.pages, "rb") as handle:
        PAGES.update(pickle.load(handle))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()

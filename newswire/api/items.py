"""Items in and out: ``POST /v1/items``, ``GET /v1/items/{id}``, formats, health."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from newswire import formats
from newswire.api import problems
from newswire.errors import BadInput, TooLarge, UnsupportedFormat
from newswire.formats.base import FeedMeta
from newswire.ingest import AUTO, parse_bytes
from newswire.store import Store

router = APIRouter()

_ITEM_BODY = {
    "requestBody": {
        "required": True,
        "description": "One item (or a feed of items) in any format newswire reads. The "
        "format is taken from ?format=, else from Content-Type, else detected.",
        "content": {
            codec.media_type: {"schema": {"type": "string"}}
            for codec in formats.CODECS.values()
            if codec.can_parse
        },
    }
}


def _store(request: Request) -> Store:
    return request.app.state.store


@router.get("/health", tags=["operations"])
def health(request: Request) -> dict:
    """Liveness and a glance at the store."""
    items, versions = _store(request).count()
    return {
        "status": "ok",
        "items": items,
        "versions": versions,
        "last_seq": _store(request).last_seq(),
    }


@router.get("/v1/formats", tags=["items"])
def list_formats() -> list[dict]:
    """Every format: its name (for ?format=), media type, and whether it parses/renders."""
    return [
        {
            "name": c.name,
            "label": c.label,
            "media_type": c.media_type,
            "parse": c.can_parse,
            "render": c.can_render,
        }
        for c in formats.CODECS.values()
    ]


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"{int(declared):,} bytes is over the limit of {limit:,} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the body is over the limit of {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _format_of(request: Request, fmt: str | None) -> str:
    if fmt:
        return fmt
    content_type = request.headers.get("content-type", "")
    # curl --data-binary says application/x-www-form-urlencoded unless told otherwise: that
    # is detected like no type at all; a multipart form upload is refused.
    if content_type.startswith("multipart/"):
        raise UnsupportedFormat(
            "send the item itself as the request body, not a form upload", field="Content-Type"
        )
    codec = formats.for_media_type(content_type) if content_type else None
    if codec is not None and codec.can_parse:
        return codec.name
    return AUTO


@router.post(
    "/v1/items",
    status_code=201,
    tags=["items"],
    openapi_extra=_ITEM_BODY,
    responses=problems.responses(400, 413, 415, 422, 503),
)
async def post_item(
    request: Request,
    fmt: Annotated[str | None, Query(alias="format", description="Input format.")] = None,
) -> JSONResponse:
    """Store an item (or each item of a feed); 201 with its id, version and sequence."""
    settings = request.app.state.settings
    if fmt is not None and fmt != AUTO and fmt.lower() not in formats.parsers():
        raise UnsupportedFormat(
            f"{fmt!r} is not a format newswire reads ({', '.join(formats.parsers())})",
            field="format",
        )
    data = await _read_body(request, settings.max_item_bytes)
    fmt = _format_of(request, fmt)

    rejected: list[str] = []

    def store_it() -> list:  # CPU and SQLite work, off the event loop
        items = parse_bytes(data, fmt, max_bytes=settings.max_item_bytes, rejected=rejected)
        return _store(request).append_many(items)

    receipts = await run_in_threadpool(store_it)
    body = [
        {
            "id": r.id,
            "version": r.version,
            "sequence": r.seq,
            "created": r.created,
            "href": f"/v1/items/{quote(r.id, safe='')}?version={r.version}",
        }
        for r in receipts
    ]
    status = 201 if any(r.created for r in receipts) else 200
    headers = {"Location": body[0]["href"]}
    if len(body) == 1 and not rejected:
        return JSONResponse(body[0], status, headers=headers)
    return JSONResponse({"items": body, "rejected": rejected}, status, headers=headers)


@router.api_route(
    "/v1/items/{item_id:path}",
    methods=["GET", "HEAD"],
    tags=["items"],
    responses=problems.responses(400, 404, 406)
    | {200: {"content": {c.media_type: {} for c in formats.CODECS.values() if c.can_render}}},
)
def get_item(
    request: Request,
    item_id: str,
    fmt: Annotated[str | None, Query(alias="format", description="Output format.")] = None,
    version: Annotated[int | None, Query(ge=1, description="A given version.")] = None,
) -> Response:
    """An item (latest version, or ?version=N) in ?format= or the Accept header's format."""
    if fmt:
        if fmt.lower() not in formats.renderers():
            raise BadInput(
                f"{fmt!r} is not a format newswire renders ({', '.join(formats.renderers())})",
                field="format",
            )
        codec = formats.get(fmt)
    else:
        codec = formats.negotiate(request.headers.get("accept"))
    stored = _store(request).get(item_id, version)
    # A stored version never changes, so its sequence number and the format name it.
    etag = f'"{stored.seq}-{codec.name}"'
    headers = {"ETag": etag, "Vary": "Accept", "X-Newswire-Sequence": str(stored.seq)}
    if_none_match = request.headers.get("if-none-match", "")
    if if_none_match.strip() == "*" or etag in if_none_match:
        return Response(status_code=304, headers=headers)
    if codec.is_feed:
        base = request.app.state.settings.base_url or str(request.base_url)
        base = base.rstrip("/") + "/"
        meta = FeedMeta(
            title=stored.item.headline,
            link=base,
            language=stored.item.language,
            feed_id=f"{base}v1/items/{quote(item_id, safe='')}",
            item_link=f"{base}v1/items/{{id}}",
        )
        data = codec.render_feed([stored.item], meta)
    else:
        data = codec.render(stored.item)
    return Response(data, media_type=codec.media_type, headers=headers)

"""Items in and out: ``POST /v1/items``, ``GET /v1/items/{id}``, formats, health."""

from __future__ import annotations

import asyncio
import codecs
import contextvars
import functools
import hashlib
import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from email.message import Message
from typing import Annotated, Any, cast
from urllib.parse import quote

import msgspec
from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State
from starlette.requests import HTTPConnection
from starlette.types import Receive, Scope, Send

from newswire import formats, intake
from newswire.access.auth import Principal
from newswire.access.entitlement import Grant, codec_for, version_seen, versions_seen
from newswire.api import auth, openapi, problems, raw, upload
from newswire.delivery.announce import announce
from newswire.delivery.files import not_modified
from newswire.delivery.renderer import Renderer
from newswire.enrich.pipeline import append_enriched
from newswire.errors import (
    BadInput,
    NewswireError,
    NotFound,
    ParseError,
    TooLarge,
    Unavailable,
    Unprocessable,
    UnsupportedFormat,
)
from newswire.formats.base import Codec
from newswire.ingest import AUTO, check_associations, keep_files, parse_bytes
from newswire.media.detect import other_media, sniff
from newswire.media.items import Overrides
from newswire.model import NewsItem, utcnow
from newswire.store import Store
from newswire.store.base import Receipt, Stored
from newswire.validation import (
    MAX_REASON,
    MAX_VERSION,
    NOT_XML,
    under_an_item,
    withdrawal_reason,
)
from newswire.web.routing import Router
from newswire.web.urls import request_base

router = Router()
log = logging.getLogger("newswire.api")

RECEIPT_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "version": {"type": "integer", "minimum": 1},
        "sequence": {"type": "integer", "minimum": 1},
        "created": {"type": "boolean"},
        "href": {"type": "string"},
    },
    "required": ["id", "version", "sequence", "created", "href"],
    "additionalProperties": False,
}
"""What storing a version answers, whether it published, updated, corrected or withdrew
an item (``receipt``): a subscriber's or a CMS's code reads one shape."""


BATCH_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "items": {"type": "array", "items": RECEIPT_SCHEMA},
        "rejected": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["items", "rejected"],
    "additionalProperties": False,
}
"""A feed's items, or an item sent with entries left out: a receipt each, and why the
entries were left out."""


def _stored(description: str, *schemas: dict[str, object]) -> dict[str, object]:
    schema = schemas[0] if len(schemas) == 1 else {"oneOf": list(schemas)}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ITEM_BODY = {
    "requestBody": {
        "required": True,
        "description": "One item (or a feed of items) in any format newswire reads. The "
        "format is taken from ?format=, else from Content-Type, else detected. Or a "
        "picture or video file itself (JPEG, PNG, TIFF, WebP, HEIC, MP4, QuickTime) with "
        "its own media type (application/octet-stream: detected), at most the "
        "max_media_bytes setting: one item whose fields come from the file's embedded "
        "metadata, each overridable by the query parameters.",
        "content": {
            # A JSON format's document is an object; whether it is an item is the
            # parser's to say (422 naming the field).
            **{
                codec.media_type: {
                    "schema": {
                        "type": "object" if codec.is_json else "string"
                    }
                }
                for codec in formats.CODECS.values()
                if codec.can_parse
            },
            **{
                kind: {"schema": {"type": "string", "format": "binary"}}
                for kind in (*upload.CONTENT_TYPES, "application/octet-stream")
            },
        },
    }
}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


@router.get("/health", tags=["operations"])
def health(request: Request) -> dict[str, Any]:
    """Liveness: this process answers. No database work (``/ready`` asks the store):
    ``last_seq`` is the last log entry this process has read, ``process`` its id."""
    hub = getattr(request.app.state, "hub", None)
    return {
        "status": "ok",
        "process": os.getpid(),
        "last_seq": hub.position if hub is not None else None,
    }


@router.get(
    "/ready",
    tags=["operations"],
    responses=problems.responses(503),
    response_model=dict[str, Any],  # a 503 is a JSONResponse of its own
)
async def ready(request: Request) -> dict[str, Any] | JSONResponse:
    """Readiness: the store answers (counts of items and versions, the log's last
    sequence number), the bus is connected (``bus``: ``ready``; ``memory://`` always
    is) and whether the search index is built; 503 with a problem body when the store or
    the bus cannot be reached (the bus's state in ``bus``)."""
    state = request.app.state
    if getattr(state, "hub", None) is None or state.closing:
        raise Unavailable("the server is starting or stopping", field="store")
    store = _store(request)

    def counts() -> tuple[int, int, int]:
        return (*store.count(), store.last_seq())

    searching = state.searching
    states = {
        "process": os.getpid(),
        "bus": state.bus.status(),
        "search": "ready" if searching is not None and searching.ready else "building",
    }
    try:
        items, versions, last_seq = await run_in_threadpool(counts)
    except Exception as exc:
        # The store's own reason (a database out of reach), naming the store, with what
        # else this node can say of itself, as for the bus.
        why = exc.detail if isinstance(exc, NewswireError) else type(exc).__name__
        return problems.from_error(
            Unavailable(f"the store does not answer: {why}", field="store"), **states
        )
    found = {
        "process": states["process"],
        "items": items,
        "versions": versions,
        "last_seq": last_seq,
        "bus": states["bus"],
        "search": states["search"],
    }
    if found["bus"] != "ready":
        # Publishing still stores (and this node still delivers, polling the store), but
        # other nodes are not woken: a balancer should prefer a node that reaches the bus.
        return problems.from_error(Unavailable(f"the bus is {found['bus']}", field="bus"), **found)
    return {"status": "ready", **found}


@router.get(
    "/v1/formats",
    tags=["items"],
    dependencies=[Depends(auth.read)],
    responses=problems.responses(401, 403, 429),
)
def list_formats() -> list[dict[str, Any]]:
    """Every format: its name (for ?format=), media type, and whether it parses/renders.
    A key is needed, as on every ``/v1`` route (the README says so; it answered without
    one, the only ``/v1`` route that did, and took nothing of the rate limit)."""
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


async def read_body(
    request: Request, limit: int, stream: AsyncIterator[bytes] | None = None
) -> bytes:
    """The body, refused past ``limit`` bytes; ``stream``: the body's chunks when some
    were looked at already (``intake.Body``)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"{int(declared):,} bytes is over the limit of {limit:,} bytes", field="body")
    chunks, size = [], 0
    async for chunk in stream if stream is not None else request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the body is over the limit of {limit:,} bytes", field="body")
        chunks.append(chunk)
    return b"".join(chunks)


def _is_media(head: bytes) -> bool:
    """Whether an undeclared body is a file for the media pipeline: a picture or video it
    takes, or one of another format, which it refuses saying what it is."""
    return sniff(head) is not None or other_media(head) is not None


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
    responses=problems.responses(400, 401, 403, 409, 413, 415, 422, 429, 503)
    | {
        201: _stored("Stored: a new item or a new version", RECEIPT_SCHEMA, BATCH_SCHEMA),
        200: _stored(
            "The same item (or file) is stored already: `created` is false, no new version",
            RECEIPT_SCHEMA, BATCH_SCHEMA,
        ),
    },
)
async def post_item(
    request: Request,
    fmt: Annotated[
        str | None,
        Query(
            alias="format",
            description="Input format (``auto``: detected, as when no format is given).",
            json_schema_extra=openapi.names([*openapi.READ, AUTO]),
        ),
    ] = None,
    name: Annotated[
        str | None,
        Query(
            description="A picture's or video's file name: its headline when it has none"
            " (left out: the Content-Disposition header's filename, if any).",
        ),
    ] = None,
    overrides: Overrides = Depends(upload.overrides),
    principal: Principal = Depends(auth.publish),
) -> JSONResponse:
    """Store an item (or each item of a feed), or a new version of one (publish scope);
    or a picture or video file, sent as the body with its own media type.

    201 with its id, version and sequence; 200 when it equals the stored version. A new
    version of an item (same id, changed content) is an update, or a correction when the
    item says so; every subscriber entitled to it receives it on every channel.

    A file's item has the id ``urn:newswire:media:`` and the start of the file's SHA-256
    unless ?id= says otherwise (the same file twice is one item) and its fields from the
    file's IPTC, XMP or EXIF metadata, each replaced by its query parameter when given.
    A new version of a picture or video item sent as a document (its ninjs, edited)
    keeps the stored version's renditions when its own name no stored file."""
    settings = request.app.state.settings
    if fmt is not None:
        # A format's name (or auto) in any ASCII case, as the OpenAPI declares it.
        fmt = fmt.lower() if fmt.isascii() else fmt
    if fmt is not None and fmt != AUTO and fmt not in formats.parsers():
        raise UnsupportedFormat(
            f"{fmt!r} is not a format newswire reads ({', '.join(formats.parsers())})",
            field="format",
        )
    content_type = request.headers.get("content-type", "")
    incoming = intake.Body(aiter(request.stream()))
    rejected: list[str] = []
    if upload.declares_media(content_type) or (
        fmt in (None, AUTO)
        and intake.bare(content_type) in intake.SNIFFED
        and _is_media(await incoming.peek())
    ):
        if fmt not in (None, AUTO):
            raise Unprocessable(
                f"a {content_type} body is a file, not an item in the {fmt} format",
                field="format",
            )
        if name is None:  # the sender's own name for the file, if it gave one (RFC 6266)
            name = intake.disposition_name(request.headers.get("content-disposition"))
        receipts = [
            await intake.take(
                request.app.state, incoming, content_type, overrides, name=name,
                length=request.headers.get("content-length"),
            )
        ]
    else:
        if name is not None:  # the sender means a file: it is the file that is at fault
            raise Unprocessable(
                f"{name}: not a picture or video newswire reads (JPEG, PNG, TIFF, WebP, HEIC;"
                " MP4, QuickTime): only those are sent with a file's name",
                field="body",
            )
        if (param := upload.given(overrides)) is not None:
            raise Unprocessable("only a picture or video body takes this parameter", field=param)
        data = await read_body(request, settings.max_item_bytes, incoming.chunks())
        fmt = _format_of(request, fmt)
        encoding = text_charset(content_type)
        receipts = await run_in_threadpool(
            take_in, request.app.state, data, fmt, rejected, encoding
        )
    await announce(request.app.state, receipts)
    return published(receipts, rejected)


def text_charset(content_type: str) -> str:
    """The character set a plain-text body declares (``text/plain; charset=windows-1256``),
    ``""`` for UTF-8 or none: an Arabic desk's older system writes Windows-1256. XML and
    JSON bodies say their own."""
    if not content_type.lower().startswith("text/plain"):
        return ""
    message = Message()
    message["Content-Type"] = content_type
    charset = str(message.get_param("charset") or "").strip()
    if not charset:
        return ""
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        raise BadInput(
            f"charset {charset!r} is not a character set", field="Content-Type"
        ) from None
    return "" if name in ("utf-8", "ascii") else charset


def take_in(
    state: State, data: bytes, fmt: str, rejected: list[str], encoding: str = ""
) -> list[Receipt]:
    """Parse, enrich and store a document's items (``rejected``: the reasons for the
    entries left out; ``encoding``: a plain-text body's character set, if not UTF-8): CPU
    and SQLite work, in one worker thread."""
    settings, store = state.settings, state.store
    try:
        items = parse_bytes(
            data, fmt, max_bytes=settings.max_item_bytes, rejected=rejected, encoding=encoding
        )
    except ParseError as exc:
        # A codec says what is wrong with the bytes; over HTTP, they are the body.
        exc.field = exc.field or "body"
        raise
    # The files first: a picture posted with its story (a newsMessage newswire gave out)
    # comes with its files' URLs, and the story's association takes its files from it.
    items = cast(list[NewsItem], keep_files(store, items))  # items in, items out
    items = check_associations(store, items, rejected)
    return append_enriched(store, items, settings.enrich, rejected)


def receipt(r: Receipt) -> dict[str, object]:
    """The id, version, sequence, whether a version was stored, and where to get it."""
    return {
        "id": r.id,
        "version": r.version,
        "sequence": r.seq,
        "created": r.created,
        "href": f"/v1/items/{quote(r.id, safe='')}?version={r.version}",
    }


def published(receipts: list[Receipt], rejected: list[str]) -> JSONResponse:
    """The answer to a ``POST /v1/items`` that stored (or found stored) ``receipts``."""
    body = [receipt(r) for r in receipts]
    status = 201 if any(r.created for r in receipts) else 200
    headers = {"Location": str(body[0]["href"])}
    if len(body) == 1 and not rejected:
        return JSONResponse(body[0], status, headers=headers)
    return JSONResponse({"items": body, "rejected": rejected}, status, headers=headers)


_POSTED_FORMATS: dict[bytes, str | None] = {}
"""Content-Type values seen on ``POST /v1/items`` -> the text format they name, for
the fast path (None: the documented route takes such a body)."""


def _other_charset(content_type: bytes) -> bool:
    """Whether a Content-Type names a character set other than UTF-8."""
    lowered = content_type.lower()
    return b"charset" in lowered and b"utf-8" not in lowered and b"utf8" not in lowered


def _posted_format(content_type: bytes) -> str | None:
    """The format of a body of this Content-Type as ``post_item`` would take it, when
    that is plainly one text format newswire reads (None otherwise: a file, a type that
    says nothing of the body, a form upload, an unknown type)."""
    if content_type in _POSTED_FORMATS:
        return _POSTED_FORMATS[content_type]
    text = content_type.decode("latin-1")
    fmt = None
    if not (
        _other_charset(content_type)  # a character set to read it in: the route's
        or upload.declares_media(text)
        or intake.bare(text) in intake.SNIFFED
        or text.startswith("multipart/")
    ):
        codec = formats.for_media_type(text)
        if codec is not None and codec.can_parse:
            fmt = codec.name
    if len(_POSTED_FORMATS) < 256:
        _POSTED_FORMATS[content_type] = fmt
    return fmt


async def serve_post(app: Starlette, scope: Scope, receive: Receive, send: Send) -> bool:
    """Answer ``POST /v1/items`` of a document in a text format (an editor's system
    sending ninjs, one item after another) without FastAPI's layers: as ``post_item``
    does, with one worker thread for parse, enrichment and store. False (nothing read,
    nothing sent) for any other request, which the documented route answers: query
    parameters, a file, a type that names no format (or none), a body of no declared
    length or over the limit, a header given twice."""
    if scope.get("query_string"):
        return False
    content_type = length = authorization = None
    for name, value in scope["headers"]:
        if name == b"content-type":
            if content_type is not None:
                return False
            content_type = value
        elif name == b"content-length":
            if length is not None:
                return False
            length = value
        elif name == b"authorization":
            if authorization is not None:
                return False
            authorization = value.decode("latin-1")
        elif name == b"transfer-encoding":
            return False
    if content_type is None or length is None or not length.isdigit():
        return False
    fmt = _posted_format(content_type)
    state = app.state
    limit = state.settings.max_item_bytes
    if fmt is None or int(length) > limit:
        return False
    rejected: list[str] = []
    try:
        principal = await auth.identify(state, authorization)
        principal.require("publish")
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return True
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"the body is over the limit of {limit:,} bytes", field="body")
            chunks.append(chunk)
            more = message.get("more_body", False)
        # One hop to a worker thread, and not through anyio's (a third of the CPU of the
        # hop itself went to its task and cancel scope bookkeeping); in the request's
        # context, so that what is logged there carries its id.
        receipts = await asyncio.get_running_loop().run_in_executor(
            None, contextvars.copy_context().run, take_in, state, b"".join(chunks), fmt, rejected
        )
    except NewswireError as exc:
        await raw.tagged(problems.from_error(exc))(scope, receive, send)
        return True
    except Exception:
        # As the documented route: a problem body, and the error to the server's log.
        await raw.tagged(problems.unexpected())(scope, receive, send)
        raise
    await announce(state, receipts)
    await raw.tagged(published(receipts, rejected))(scope, receive, send)
    return True


def output_codec(request: HTTPConnection, fmt: str | None, principal: Principal) -> Codec:
    """The codec of ?format= or of the Accept header, if the caller may use it."""
    return codec_for(principal, fmt, request.headers.get("accept"))


_ENCODE = msgspec.json.Encoder().encode


@router.get(
    "/v1/items/{item_id:path}/versions",
    tags=["items"],
    responses=problems.responses(400, 401, 403, 404, 429),
)
async def get_versions(
    request: Request,
    item_id: str,
    fmt: Annotated[
        str | None,
        Query(
            alias="format",
            description="Format of each version (default ninjs).",
            json_schema_extra=openapi.names(openapi.RENDERED),
        ),
    ] = None,
    principal: Principal = Depends(auth.read),
) -> Response:
    """Every version of an item the caller may see, oldest first, each in ?format=
    (default ninjs: embedded as JSON under ``item``; other formats as a string under
    ``content``). ``ETag`` and ``If-None-Match`` answer 304 until a new version is stored
    (or the caller's access changes), as ``GET /v1/items/{id}`` does."""
    state = request.app.state
    histories = state.histories  # the item's versions from memory when kept
    history = histories.get(item_id)
    if history is None:
        history = await run_in_threadpool(histories.load, item_id)
    codec, seen, etag, headers = _decide_versions(state, principal, item_id, history, fmt)
    if not_modified(etag, request.headers.get("if-none-match")):
        return Response(status_code=304, headers=raw.decoded(headers))
    body = await run_in_threadpool(
        _versions, state.renderer, item_id, codec, seen, request_base(request)
    )
    return Response(body, media_type="application/json", headers=raw.decoded(headers))


def _versions(
    renderer: Renderer, item_id: str, codec: Codec, seen: list[tuple[Stored, Grant]], base: str
) -> bytes:
    """The body of ``GET /v1/items/{id}/versions`` (in a worker thread: a feed format's
    versions are each rendered)."""
    entries = []
    for stored, g in seen:
        item = stored.item
        data = renderer.render_as(codec, stored, g.access, base)
        entry: dict[str, object] = {
            "version": item.version,
            "sequence": stored.seq,
            "versioncreated": item.versioncreated,
            "signal": item.signal,
            "pubstatus": item.pubstatus,
            "replaces": item.replaces,
            "access": g.access,
            "embargoed": g.embargoed,
            "href": f"/v1/items/{quote(item_id, safe='')}?version={item.version}",
            "format": codec.name,
        }
        if codec.is_json:
            entry["item"] = msgspec.Raw(data)
        else:
            entry["content"] = data.decode("utf-8")
        entries.append(entry)
    return _ENCODE({"id": item_id, "versions": entries})


class Withdrawal(msgspec.Struct, forbid_unknown_fields=True):
    reason: str


@router.post(
    "/v1/items/{item_id:path}/withdraw",
    status_code=201,
    tags=["items"],
    responses=problems.responses(400, 401, 403, 404, 409, 413, 429)
    | {201: _stored("The withdrawal stored: the answer storing any version gives", RECEIPT_SCHEMA)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "reason": {
                                "type": "string",
                                "maxLength": MAX_REASON,
                                # Not blank, and text XML can carry: it is the ednote of
                                # the withdrawal, delivered in NewsML-G2 and NITF too.
                                "pattern": f"^[^{NOT_XML}]*[^{NOT_XML}{openapi.SPACES}]"
                                f"[^{NOT_XML}]*$",
                            }
                        },
                        "required": ["reason"],
                        "additionalProperties": False,
                    }
                }
            },
        }
    },
)
async def withdraw_item(
    request: Request, item_id: str, principal: Principal = Depends(auth.publish)
) -> JSONResponse:
    """Withdraw an item (publish scope): a new version with pubstatus canceled and the reason
    as its editorial note, delivered to everyone who received the item."""
    raw = await read_body(request, 64 * 1024)
    try:
        reason = msgspec.json.decode(raw or b"null", type=Withdrawal).reason
    except msgspec.ValidationError as exc:
        raise BadInput(f"the body is {{\"reason\": \"...\"}}: {exc}", field="reason") from None
    except (msgspec.DecodeError, RecursionError):
        raise BadInput('the body is JSON: {"reason": "..."}', field="reason") from None
    reason = withdrawal_reason(reason)
    stored = await run_in_threadpool(_store(request).withdraw, item_id, reason)
    await announce(request.app.state, [stored])
    body = receipt(stored)
    return JSONResponse(body, 201, headers={"Location": str(body["href"])})


@router.get(
    "/v1/items/{item_id:path}",
    tags=["items"],
    responses=problems.responses(400, 401, 403, 404, 406, 410, 429)
    | {200: {"content": {c.media_type: {} for c in formats.CODECS.values() if c.can_render}}},
)
async def get_item(
    request: Request,
    item_id: str,
    fmt: Annotated[
        str | None,
        Query(
            alias="format",
            description="Output format (none: the Accept header's, else ninjs).",
            json_schema_extra=openapi.names(openapi.RENDERED),
        ),
    ] = None,
    version: Annotated[
        int | None, Query(ge=1, le=MAX_VERSION, description="A given version.")
    ] = None,
    principal: Principal = Depends(auth.read),
) -> Response:
    """An item (the latest version the caller may see, or ?version=N) in ?format= or the
    Accept header's format: the full text or the teaser, as the caller's products say."""
    status, headers, body, media_type = await answer_item(
        request.app.state,
        principal,
        item_id,
        fmt=fmt,
        version=version,
        accept=request.headers.get("accept"),
        if_none_match=request.headers.get("if-none-match", ""),
        method=request.method,
        base=lambda: request_base(request),
    )
    if status == 304:
        return Response(status_code=304, headers=raw.decoded(headers))
    return Response(body, media_type=media_type, headers=raw.decoded(headers))


async def answer_item(
    state: State,
    principal: Principal,
    item_id: str,
    *,
    fmt: str | None,
    version: int | None,
    accept: str | None,
    if_none_match: str,
    method: str,
    base: Callable[[], str],
) -> raw.Answer:
    """(status, headers, body, media type) of ``GET /v1/items/{id}``: the item's history
    and its renderings come from memory once read (``newswire.delivery.histories``)."""
    histories = state.histories
    history = histories.get(item_id)
    if history is None:
        history = await run_in_threadpool(histories.load, item_id)
    codec, stored, g, etag, headers = _decide(state, principal, item_id, history, version, fmt, accept)
    if not_modified(etag, if_none_match):
        return 304, headers, b"", codec.media_type
    renderer = state.renderer
    if codec.is_feed:
        data = await run_in_threadpool(renderer.render_as, codec, stored, g.access, base())
    else:
        data = renderer.render(stored.seq, stored.item, codec.name, g.access)
    if principal.subscriber is not None and method == "GET":
        state.meter.add(principal.subscriber.name, "item", g.product)
    return 200, headers, data, codec.media_type


def item_kept(
    state: State,
    principal: Principal,
    item_id: str,
    version: int | None,
    wanted: dict[bytes, str],
    fmt: str | None,
) -> raw.Answer | None:
    """``answer_item`` of a ``GET`` when the item's history is in memory and its format
    is not a feed document (rendered in a worker thread); None otherwise (nothing
    counted)."""
    history = state.histories.get(item_id)
    if history is None:
        return None
    accept = wanted.get(b"accept")
    codec, stored, g, etag, headers = _decide(state, principal, item_id, history, version, fmt, accept)
    if codec.is_feed:
        return None
    if not_modified(etag, wanted.get(b"if-none-match")):
        return 304, headers, b"", codec.media_type
    data = state.renderer.render(stored.seq, stored.item, codec.name, g.access)
    if principal.subscriber is not None:
        state.meter.add(principal.subscriber.name, "item", g.product)
    return 200, headers, data, codec.media_type


_Decided = tuple[Codec, Stored, Grant, str, raw.Headers]


def _decide(
    state: State,
    principal: Principal,
    item_id: str,
    history: list[Stored],
    version: int | None,
    fmt: str | None,
    accept: str | None,
) -> _Decided:
    """The format, the version the caller may see (``NotFound`` if none), how it sees it,
    and the answer's ETag and headers: decided once per caller, item history, version and
    format (``Histories.decided``)."""

    def decide() -> _Decided:
        codec = codec_for(principal, fmt, accept)
        stored, g = version_seen(principal.products, history, item_id, version, utcnow())
        made = state.renderer.fingerprint
        etag, headers = _item_headers(stored.seq, codec.name, g.access, g.embargoed, made)
        return codec, stored, g, etag, headers

    key = ("item", id(principal), item_id, version, fmt, accept)
    decided: _Decided = state.histories.decided(key, principal, history, decide)
    return decided


def _decide_versions(
    state: State, principal: Principal, item_id: str, history: list[Stored], fmt: str | None
) -> tuple[Codec, list[tuple[Stored, Grant]], str, raw.Headers]:
    """The format, every version the caller may see and how (``NotFound`` if none), and
    the answer's ETag and headers: decided once per caller, item history and format, as
    ``_decide`` is for one version."""

    def decide() -> tuple[Codec, list[tuple[Stored, Grant]], str, raw.Headers]:
        codec = codec_for(principal, "ninjs" if fmt is None else fmt, None)
        seen = versions_seen(principal.products, history, utcnow())
        if not seen:
            raise NotFound(f"no item {item_id!r}", field="id")
        made = state.renderer.fingerprint
        etag, headers = _versions_headers(
            tuple((s.seq, g.access, g.embargoed) for s, g in seen), codec.name, made
        )
        return codec, seen, etag, headers

    key = ("versions", id(principal), item_id, fmt)
    decided: tuple[Codec, list[tuple[Stored, Grant]], str, raw.Headers] = state.histories.decided(
        key, principal, history, decide
    )
    return decided


@functools.lru_cache(maxsize=4096)
def _item_headers(
    seq: int, codec: str, access: str, embargoed: bool, made: str
) -> tuple[str, raw.Headers]:
    """The ETag and headers of an item's answer, encoded once for every request of it."""
    # A stored version never changes: its sequence number, format and access name it, and
    # how this process renders (``made``: the code, the teaser's length, the files' base).
    etag = f'"{seq}-{codec}-{access}-{made}"'
    headers = [
        ("ETag", etag),
        ("Vary", "Accept, Authorization"),
        ("X-Newswire-Sequence", str(seq)),
        ("X-Newswire-Access", access),
        ("Cache-Control", "private, no-cache"),
    ]
    if embargoed:
        headers.append(("X-Newswire-Embargoed", "true"))
    return etag, raw.encoded(headers)


@functools.lru_cache(maxsize=4096)
def _versions_headers(
    seen: tuple[tuple[int, str, bool], ...], codec: str, made: str
) -> tuple[str, raw.Headers]:
    """The ETag and headers of an item's versions as a caller sees them, ``seen``: each
    version's sequence number, access and whether it is embargoed. The ETag names each
    version's own (``_item_headers``) and its embargo, so a version stored, another access
    or an embargo lifted (``"embargoed"`` is in the body) make another."""
    tags = "".join(
        _item_headers(seq, codec, access, embargoed, made)[0] + ("e" if embargoed else "")
        for seq, access, embargoed in seen
    )
    etag = f'"{hashlib.blake2b(tags.encode(), digest_size=12).hexdigest()}"'
    headers = [("ETag", etag), ("Vary", "Authorization"), ("Cache-Control", "private, no-cache")]
    return etag, raw.encoded(headers)


_VERSION = re.compile(r"[1-9][0-9]{0,8}")


def _plain(
    path: str, params: dict[str, str] | None
) -> tuple[str, dict[str, str], int | None] | None:
    """(id, parameters, version) of a request for an item whose parameters are plainly
    valid; None for one the documented route must answer (another path under the item,
    a parameter given twice or not plainly valid)."""
    item_id = path[len("/v1/items/") :]
    # The routes under an item's (``validation.under_an_item``: no item's id reads so).
    if not item_id or under_an_item(item_id):
        return None
    if params is None:
        return None
    version = params.get("version")
    if version is not None and (not _VERSION.fullmatch(version) or int(version) > MAX_VERSION):
        return None
    return item_id, params, int(version) if version else None


def item_now(state: State, path: str, query: bytes, wanted: dict[bytes, str]) -> raw.Answer | None:
    """``GET /v1/items/{id}`` answered from memory as it is parsed
    (``newswire.api.protocol``), or None: the request goes on to ``serve_item``."""
    plain = _plain(path, raw.query_of(query))
    if plain is None:
        return None
    item_id, params, version = plain
    fmt = params.get("format")
    return raw.answer_now(
        state, wanted, lambda principal: item_kept(state, principal, item_id, version, wanted, fmt)
    )


async def serve_item(app: Starlette, scope: Scope, receive: Receive, send: Send) -> bool:
    """Answer ``GET`` (and ``HEAD``) ``/v1/items/{id}`` without FastAPI's layers; False
    (nothing sent) for a request the documented route must answer: another path under
    the item, or a parameter that is not plainly valid."""
    plain = _plain(scope["path"], raw.query(scope))
    if plain is None:
        return False
    item_id, params, version = plain
    state = app.state

    def item_answer(principal: Principal, headers: dict[bytes, str]) -> Awaitable[raw.Answer]:
        return answer_item(
            state,
            principal,
            item_id,
            fmt=params.get("format"),
            version=version,
            accept=headers.get(b"accept"),
            if_none_match=headers.get(b"if-none-match", ""),
            method=scope["method"],
            base=lambda: raw.base_of(state, scope),
        )

    return await raw.answer_reader(app, scope, receive, send, item_answer)


def body_etag(data: bytes) -> str:
    return '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'

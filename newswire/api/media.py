"""The files of picture, video, graphic and audio items, served by newswire.

- ``GET|HEAD /v1/items/{id}/versions/{version}/renditions/{name}``: a version's rendition
  (``original``, ``web``, ``preview``, ``thumbnail``, ``poster``, ``previewPoster``). A version never
  changes, so neither do these bytes: ``ETag`` is the file's SHA-256 and the answer may be
  kept for a year (``immutable``). This is the ``href`` every format gives a rendition.
- ``GET|HEAD /v1/items/{id}/renditions/{name}``: the same of the item's latest version.
- ``GET /v1/items/{id}/renditions/{name}/link?ttl=``: a signed link to the version's
  rendition that works without a key until it expires (``newswire.access.signing``), for a
  CMS or a browser the subscriber hands it to; signed for the caller's key, it stops
  working when the key is revoked or the subscriber loses the item.

Who gets what: a caller entitled to the item with full access gets every rendition; with
teaser access only ``thumbnail``, ``preview`` and a video's ``previewPoster``
(``TEASER_RENDITIONS``; 403 for the others); a caller not
entitled to it, or anyone while the item is under embargo or once it is withdrawn, gets
404, as for the item itself. A request either carries a key (``Authorization: Bearer``)
or is a signed link (``expires``, ``by``, ``signature``): signed for ``public`` (the public
site's pictures), it gets the small renditions of any item the public site shows.

``Range`` (one range) is answered 206 with ``Content-Range``; one past the end is 416; an
``If-Range`` that is not the file's ETag (RFC 9110 13.1.5) gets the whole file.

A plain ``GET`` of a version's rendition with a key (no range, no signature), of a file of
at most ``FAST_MAX`` bytes whose item's versions this process holds, is answered ahead of
FastAPI (``serve_rendition``) from a bounded memory of recent files (``KEPT_BYTES``): the
same answer, without the route's layers or a read of the file; everything else goes
through the documented routes. So does the nginx front's question (``X-Newswire-Front``,
``newswire.api.front``): the routes answer it with the decision, not the bytes.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Annotated

from cachetools import LRUCache
from fastapi import Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State
from starlette.types import Receive, Scope, Send

from newswire.access import signing
from newswire.access.auth import Principal, principal_of
from newswire.access.products import Product
from newswire.api import auth, front, problems, raw
from newswire.blobs import Blobs
from newswire.delivery import files
from newswire.delivery.histories import Histories
from newswire.delivery.renderer import rendition_path
from newswire.errors import Forbidden, NotFound
from newswire.model import Rendition, utcnow
from newswire.store.base import Stored, iso
from newswire.web.routing import Router

router = Router(tags=["media"])

PUBLIC_PRODUCT = Product(name="public", access="teaser")
"""What a link signed for ``public`` may reach: what the public site shows, as a teaser."""
IMMUTABLE = "max-age=31536000, immutable"
KEYED = {"Vary": "Authorization"}
"""What an answer to a request with a key adds: whether it is the file or a 403 or 404
depends on the key (a teaser key gets no ``original``), and the file may be kept for a
year, so a cache (a CMS's, a browser's) keeps it for that key only, as every other ``GET``
under ``/v1`` says. A signed link's answer depends on its query alone."""
_SIGNED = ("expires", "by", "signature")

Ttl = Annotated[
    int,
    Query(ge=1, le=signing.MAX_TTL, description="Seconds the link works (at most a week)."),
]
Signature = Annotated[
    str | None, Query(description="Of a signed link (…/link): instead of a key.")
]


async def _products(request: Request, path: str) -> tuple[list[Product], datetime | None]:
    """What the caller may have, and until when if it came by a signed link: a signed
    link's (checked), else the key's (401/403/429 as on every route)."""
    params = request.query_params
    state = request.app.state
    if any(p in params for p in _SIGNED):
        secret = await run_in_threadpool(state.store.coordination.secret, signing.SECRET_NAME)
        signed = signing.check(
            secret, path, params.get("expires"), params.get("by"), params.get("signature")
        )
        expires = datetime.fromtimestamp(signed.expires, UTC)
        if signed.by == signing.PUBLIC:
            return [PUBLIC_PRODUCT], expires
        store = state.store

        def of_key() -> list[Product]:
            try:
                record = store.keys.get(signed.by)
            except NotFound:
                raise Forbidden("the key this link was signed for is gone", field="by") from None
            return principal_of(store, record, field="by").products

        return await run_in_threadpool(of_key), expires
    principal = await auth.identify(state, request.headers.get("authorization"))
    principal.require("read")
    return principal.products, None


async def _history(request: Request, item_id: str) -> list[Stored]:
    histories = request.app.state.histories
    history: list[Stored] | None = histories.get(item_id)
    if history is None:
        loaded: list[Stored] = await run_in_threadpool(histories.load, item_id)
        return loaded
    return history


def _unsatisfiable(size: int) -> Response:
    return problems.problem(416, "Range not satisfiable", f"the file has {size} bytes", field="Range")


async def _send(
    request: Request, rendition: Rendition, cache: str, filename: str, keyed: bool
) -> Response:
    blobs: Blobs = request.app.state.blobs
    extra = KEYED if keyed else None
    return await files.send(request, blobs, rendition, cache, filename, _unsatisfiable, extra=extra)


# --- ahead of FastAPI -----------------------------------------------------------------------

FAST_MAX = 1 << 20
"""Largest file answered from memory (the thumbnails, previews and web renditions)."""
KEPT_BYTES = 64 << 20
"""Bytes of recent files kept in memory, per process."""
_FAST = re.compile(r"/v1/items/(.+)/versions/([1-9][0-9]{0,8})/renditions/([^/]+)")
_kept: LRUCache[str, bytes] = LRUCache(maxsize=KEPT_BYTES, getsizeof=len)
_named: LRUCache[tuple[str, str, str], raw.Headers] = LRUCache(maxsize=4096)
"""(blob, rendition name, item id) -> its answer's headers, encoded once."""
_kept_lock = threading.Lock()
_Wanted = tuple[str, int, str, list[Stored]]
_ROUTED = (b"range", front.ASKED_RAW)
"""Request headers that take a request to the route: a range, the nginx front's question."""
"""(item id, version, rendition name, the item's history) of a small file's request."""


def _plain(state: State, path: str, headers: list[tuple[bytes, bytes]]) -> _Wanted | None:
    """(id, version, name, history) of a request for a small file whose item's history
    is in memory, with no range asked for; None for one the documented route answers."""
    match = _FAST.fullmatch(path)
    if match is None or any(header in _ROUTED for header, _ in headers):
        return None
    item_id, version, name = match.group(1), int(match.group(2)), match.group(3)
    history: list[Stored] | None = state.histories.get(item_id)
    if history is None:
        return None  # the route reads it (and keeps it: the next request comes here)
    found = next((s for s in history if s.item.version == version), None)
    if found is not None:
        file = next((r for r in found.item.renditions if r.name == name), None)
        if file is not None and (file.size is None or file.size > FAST_MAX):
            return None  # streamed by the route
    return item_id, version, name, history


def _answer(
    histories: Histories,
    principal: Principal,
    wanted: dict[bytes, str],
    plain: _Wanted,
    data: bytes | None = None,
) -> tuple[raw.Answer | None, str]:
    """The answer when the file's bytes are kept (or given: ``data``), else (None, its
    blob's key); refusals (403, 404) raised as problems."""
    item_id, version, name, history = plain
    rendition = histories.decided(
        ("file", id(principal), item_id, version, name),
        principal,
        history,
        lambda: files.rendition_seen(principal.products, history, version, name, item_id)[2],
    )
    key = rendition.blob
    with _kept_lock:
        out = _named.get((key, name, item_id))
    if out is None:
        named = files.headers(
            rendition, f"private, {IMMUTABLE}", files.filename(rendition, item_id)
        ) | KEYED  # the fast path is always a request with a key
        out = raw.encoded(named.items())
        with _kept_lock:
            _named[key, name, item_id] = out
    media_type = rendition.content_type or "application/octet-stream"
    if files.not_modified(f'"{key}"', wanted.get(b"if-none-match")):  # the ETag: the file's hash
        return (304, out, b"", media_type), key
    if data is None:
        with _kept_lock:
            data = _kept.get(key)
    return (None if data is None else (200, out, data, media_type)), key


def rendition_now(
    state: State, path: str, query: bytes, headers: list[tuple[bytes, bytes]]
) -> raw.Answer | None:
    """A small file whose bytes are kept, answered as the request is parsed
    (``newswire.api.protocol``), or None: the request goes on to ``serve_rendition``."""
    if query:
        return None
    plain = _plain(state, path, headers)
    if plain is None:
        return None
    wanted = raw.headers_of(headers)
    histories = state.histories
    return raw.answer_now(
        state, wanted, lambda principal: _answer(histories, principal, wanted, plain)[0]
    )


async def serve_rendition(app: Starlette, scope: Scope, receive: Receive, send: Send) -> bool:
    """Answer ``GET /v1/items/{id}/versions/{v}/renditions/{name}`` without FastAPI's
    layers; False (nothing sent) for a request the documented route must answer."""
    if scope["method"] != "GET" or scope.get("query_string"):
        return False
    plain = _plain(app.state, scope["path"], scope["headers"])
    if plain is None:
        return False
    blobs: Blobs = app.state.blobs
    histories = app.state.histories

    async def answer(principal: Principal, wanted: dict[bytes, str]) -> raw.Answer:
        found, key = _answer(histories, principal, wanted, plain)
        if found is not None:
            return found
        data = await run_in_threadpool(blobs.read, key)
        with _kept_lock:
            _kept[key] = data
        found, _ = _answer(histories, principal, wanted, plain, data)
        assert found is not None  # given the bytes, it has them
        return found

    return await raw.answer_reader(app, scope, receive, send, answer)


_RESPONSES = problems.responses(400, 401, 403, 404, 416, 429) | {
    200: {"description": "The file", "content": {"application/octet-stream": {}}},
    206: {"description": "The range of the file asked for"},
}


@router.get(
    "/v1/items/{item_id:path}/versions/{version}/renditions/{name}", responses=_RESPONSES
)
async def get_version_rendition(
    request: Request,
    item_id: str,
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],
    name: str,
    expires: Signature = None,
    by: Signature = None,
    signature: Signature = None,
) -> Response:
    """A version's rendition: with a key, or as a signed link (``…/link``)."""
    products, until = await _products(request, rendition_path(item_id, version, name))
    history = await _history(request, item_id)
    _, _, rendition = files.rendition_seen(products, history, version, name, item_id)
    if until is None:
        cache = f"private, {IMMUTABLE}"
    else:  # a signed link: kept no longer than it works
        left = max(0, int((until - utcnow()).total_seconds()))
        scope = "public" if request.query_params.get("by") == signing.PUBLIC else "private"
        cache = f"{scope}, max-age={left}"
    return await _file_or_decision(request, rendition, cache, files.filename(rendition, item_id), until)


@router.get("/v1/items/{item_id:path}/renditions/{name}", responses=_RESPONSES)
async def get_rendition(request: Request, item_id: str, name: str) -> Response:
    """The latest version's rendition (with a key). Revalidated on every use (``no-cache``
    and its ``ETag``): the next version may have other files."""
    products, until = await _products(request, f"/v1/items/{item_id}/renditions/{name}")
    history = await _history(request, item_id)
    _, _, rendition = files.rendition_seen(products, history, None, name, item_id)
    filename = files.filename(rendition, item_id)
    return await _file_or_decision(request, rendition, "private, no-cache", filename, until)


async def _file_or_decision(
    request: Request, rendition: Rendition, cache: str, filename: str, until: datetime | None
) -> Response:
    """The file, or the nginx front's decision about it (``newswire.api.front``); ``until``:
    a signed link's expiry (its answer does not vary by key), None for a key's."""
    if front.asked(request):
        return await front.decision(
            request, request.app.state.blobs, rendition,
            files.headers(rendition, cache, filename) | (KEYED if until is None else {}),
            _unsatisfiable,
        )
    return await _send(request, rendition, cache, filename, keyed=until is None)


@router.get(
    "/v1/items/{item_id:path}/renditions/{name}/link",
    responses=problems.responses(400, 401, 403, 404, 429),
)
async def sign_rendition(request: Request, item_id: str, name: str, ttl: Ttl = signing.DEFAULT_TTL) -> Response:
    """A link to the latest version's rendition that works without a key for ``ttl``
    seconds, signed for the caller's key: ``{"href", "expires"}``."""
    principal = await auth.identify(request.app.state, request.headers.get("authorization"))
    principal.require("read")
    history = await _history(request, item_id)
    stored, _, _ = files.rendition_seen(principal.products, history, None, name, item_id)
    path = rendition_path(item_id, stored.item.version, name)
    secret = await run_in_threadpool(
        request.app.state.store.coordination.secret, signing.SECRET_NAME
    )
    query = signing.sign(secret, path, principal.key.id, ttl)
    href = request.app.state.renderer.base + path + "?" + query
    expires = int(dict(p.split("=", 1) for p in query.split("&"))["expires"])
    return JSONResponse(
        # As every time in a JSON body: RFC 3339 in UTC, ``Z`` (not ``+00:00``).
        {"href": href, "expires": iso(datetime.fromtimestamp(expires, UTC))},
        headers={"Cache-Control": "no-store"},
    )

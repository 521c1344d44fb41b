"""Who may have a stored file (a rendition's blob), and sending it over HTTP: ``ETag``,
``If-None-Match``, one ``Range`` (and its ``If-Range``), ``HEAD``; shared by the API's media routes
(``newswire.api.media``) and the portal's (``newswire.web.portal.files``).

``rendition_seen`` is the one rule of who gets which file: the version the caller's
products may see (``access.entitlement.visible_in``, the rule of ``GET /v1/items``), never
of an item under embargo or withdrawn; full access gets every rendition, teaser access
``thumbnail``, ``preview`` and a video's ``previewPoster`` (``TEASER_RENDITIONS``).

A range this server cannot satisfy is the caller's to answer (``unsatisfiable``: the API
answers problem JSON, a page answers an error page), always with ``Content-Range:
bytes */size`` as RFC 9110 asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from newswire.access.entitlement import Grant, visible_in
from newswire.access.products import Product
from newswire.blobs import Blobs
from newswire.errors import Forbidden, NotFound
from newswire.model import Rendition, utcnow
from newswire.store.base import Stored
from newswire.text.teaser import TEASER_RENDITIONS

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class Unsatisfiable(Exception):
    """A ``Range`` starting past the end of a file of ``size`` bytes."""

    def __init__(self, size: int):
        super().__init__(f"the file has {size} bytes")
        self.size = size


def rendition_seen(
    products: Sequence[Product], history: list[Stored], version: int | None, name: str, item_id: str
) -> tuple[Stored, Grant, Rendition]:
    """The version ``products`` may see (the latest they may, or ``version``), how, and
    its file ``name``: 404 when they may see none of the item, or it is withdrawn or under embargo,
    or it has no such file; 403 for a file teaser access does not give."""
    if not history or history[-1].item.pubstatus == "canceled":
        raise NotFound(f"no item {item_id!r}", field="id")
    if version is not None and all(s.item.version != version for s in history):
        raise NotFound(f"item {item_id!r} has no version {version}", field="version")
    found = visible_in(products, history, version, utcnow())
    if found is None or found[1].embargoed:
        raise NotFound(f"no item {item_id!r}", field="id")
    stored, granted = found
    rendition = next((r for r in stored.item.renditions if r.name == name and r.blob), None)
    if rendition is None:
        raise NotFound(f"item {item_id!r} has no rendition {name!r}", field="name")
    if granted.access != "full" and name not in TEASER_RENDITIONS:
        shown = ", ".join(sorted(TEASER_RENDITIONS))
        raise Forbidden(f"teaser access gets the {shown} renditions, not {name!r}", field="name")
    return stored, granted, rendition


def headers(
    rendition: Rendition, cache: str, name: str, disposition: str = "inline"
) -> dict[str, str]:
    """The headers of a rendition's answer, whatever its status."""
    return {
        "ETag": f'"{rendition.blob}"',
        "Cache-Control": cache,
        "Accept-Ranges": "bytes",
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff",
    }


def span(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, end)`` (end excluded) of a ``Range`` header of one range; None to send
    the whole file (no header, or one this server does not take, as HTTP allows)."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes: none of them, or of an empty file, is no range at all
        count = int(last)
        if count == 0 or size == 0:
            raise Unsatisfiable(size)
        return max(0, size - count), size
    start = int(first)
    end = size if not last else min(size, int(last) + 1)
    if start >= size or end <= start:
        raise Unsatisfiable(size)
    return start, end


def range_applies(etag: str, if_range: str | None) -> bool:
    """Whether a request's ``Range`` may be answered, given its ``If-Range`` (RFC 9110
    13.1.5): with none, yes; with an entity tag, only when it is this file's, compared
    strongly (a weak ``W/`` tag never matches); with a date, never (these answers carry no
    ``Last-Modified`` to compare it with). When it may not, the whole file is sent: a
    client resuming a download of the latest version's file, which a new version has
    replaced, must not get the new file's bytes spliced on to the old file's."""
    if if_range is None:
        return True
    return if_range.strip() == etag


def not_modified(etag: str, if_none_match: str | None) -> bool:
    """Whether a request's ``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110
    has it for this header: ``W/`` makes no difference) or is ``*`` (any current
    representation, which everything newswire answers with an ETag has): a 304. The one
    test of the header for every answer: items, versions, feed pages, files, public pages."""
    wanted = (if_none_match or "").strip()
    if not wanted:
        return False
    if wanted == etag or wanted == "*":  # one tag, as clients send it back: at once
        return True
    for candidate in wanted.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def filename(rendition: Rendition, item_id: str = "") -> str:
    """``3471234-preview.jpg``, ``original.mov``: the last part of the item's id (when
    given), the rendition's name and its type's extension — a desk downloading the
    originals of twenty pictures gets twenty files, not ``original.jpg`` twenty times."""
    extension = (rendition.content_type.split("/")[-1] or "bin").replace("jpeg", "jpg")
    extension = extension.replace("quicktime", "mov")
    last = item_id.rstrip(":/").rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    stem = _UNSAFE.sub("-", last).strip("-.")[:64]
    return f"{stem}-{rendition.name}.{extension}" if stem else f"{rendition.name}.{extension}"


def _chunks(blobs: Blobs, key: str, start: int, end: int) -> Iterator[bytes]:
    yield from blobs.chunks(key, start, end)


async def send(
    request: Request,
    blobs: Blobs,
    rendition: Rendition,
    cache: str,
    name: str,
    unsatisfiable: Callable[[int], Response],
    *,
    disposition: str = "inline",
    extra: dict[str, str] | None = None,
) -> Response:
    """The file of ``rendition`` (or 304, or the range asked for), as ``name``; a blob
    the blob store has not got is ``NotFound`` (field ``blob``), raised before anything
    is sent."""
    key = rendition.blob
    # The blob store's size, not the one the version recorded: asking it is what tells,
    # before the status line goes out, that the store has the file. Streamed, a missing
    # blob was found only once a 200 promising the bytes had been sent; the body broke
    # off with nothing said, and a client or a cache kept a cut file.
    size = await run_in_threadpool(blobs.size, key)
    out = {**headers(rendition, cache, name, disposition), **(extra or {})}
    media_type = rendition.content_type or "application/octet-stream"
    if not_modified(out["ETag"], request.headers.get("if-none-match")):
        return Response(status_code=304, headers=out)
    wanted = request.headers.get("range")
    if not range_applies(out["ETag"], request.headers.get("if-range")):
        wanted = None
    try:
        found = span(wanted, size)
    except Unsatisfiable as exc:
        answer = unsatisfiable(exc.size)
        answer.headers["Content-Range"] = f"bytes */{exc.size}"
        return answer
    status, (start, end) = (200, (0, size)) if found is None else (206, found)
    if status == 206:
        out["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    out["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=out, media_type=media_type)
    return StreamingResponse(
        _chunks(blobs, key, start, end), status_code=status, headers=out, media_type=media_type
    )

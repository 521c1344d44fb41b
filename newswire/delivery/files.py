"""Sending a stored file (a rendition's blob) over HTTP: ``ETag``, ``If-None-Match``,
one ``Range``, ``HEAD``; shared by the API's media routes (``newswire.api.media``) and the
portal's (``newswire.web.portal.files``), which each decide first who may have the file.

A range this server cannot satisfy is the caller's to answer (``unsatisfiable``: the API
answers problem JSON, a page answers an error page), always with ``Content-Range:
bytes */size`` as RFC 9110 asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from newswire.blobs import Blobs
from newswire.model import Rendition

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class Unsatisfiable(Exception):
    """A ``Range`` starting past the end of a file of ``size`` bytes."""

    def __init__(self, size: int):
        super().__init__(f"the file has {size} bytes")
        self.size = size


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
    if not first:  # the last N bytes
        return max(0, size - int(last)), size
    start = int(first)
    end = size if not last else min(size, int(last) + 1)
    if start >= size or end <= start:
        raise Unsatisfiable(size)
    return start, end


def filename(rendition: Rendition) -> str:
    """``preview.jpg``, ``original.mov``: the rendition's name and its type's extension."""
    extension = (rendition.content_type.split("/")[-1] or "bin").replace("jpeg", "jpg")
    extension = extension.replace("quicktime", "mov")
    return f"{rendition.name}.{extension}"


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
    """The file of ``rendition`` (or 304, or the range asked for), as ``name``."""
    key = rendition.blob
    size = rendition.size if rendition.size is not None else await run_in_threadpool(blobs.size, key)
    etag = f'"{key}"'
    headers = {
        "ETag": etag,
        "Cache-Control": cache,
        "Accept-Ranges": "bytes",
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff",
        **(extra or {}),
    }
    media_type = rendition.content_type or "application/octet-stream"
    if etag in (request.headers.get("if-none-match") or ""):
        return Response(status_code=304, headers=headers)
    try:
        found = span(request.headers.get("range"), size)
    except Unsatisfiable as exc:
        answer = unsatisfiable(exc.size)
        answer.headers["Content-Range"] = f"bytes */{exc.size}"
        return answer
    status, (start, end) = (200, (0, size)) if found is None else (206, found)
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=media_type)
    return StreamingResponse(
        _chunks(blobs, key, start, end), status_code=status, headers=headers, media_type=media_type
    )

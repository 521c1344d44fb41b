"""The nginx front's question about a rendition download, and newswire's answer.

A small file costs a Python server its fixed cost per request whatever it does, so the
deployment's nginx serves rendition downloads itself (deploy/nginx/newswire.conf,
docs/deployment.md "Rendition downloads served by nginx"): for ``GET
/v1/items/{id}/…/renditions/{name}`` it first asks a node, with the client's own request
line and key headers and ``X-Newswire-Front: <the media_front setting>``, whether this
caller may have this file; it keeps a yes for a second or so, and sends the bytes itself.

The answer (``decision``) is the one the download would get, without the bytes:

- allowed: 200, no body, the very ``ETag``, ``Cache-Control``, ``Content-Disposition``,
  ``X-Content-Type-Options`` and ``Content-Type`` of the file's answer, and ``X-Newswire-File``:
  where the file is under the blob folder (``ab/cd/<key>``) when the blobs are files
  (the folder nginx mounts); with no such header (blobs in PostgreSQL) nginx passes the
  download on to a node. Only this answer names a file: nothing the client sends does.
- refused: what the download gets, 401, 403, 404 or 429 with its problem body, and 416
  for a ``Range`` past the end (nginx passes the download's ``Range`` on).

A request without the header, or with another value, or to a node whose ``media_front``
is empty (the default), is a download like any other: the header never changes who gets
what, only whether the bytes come with the answer.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from newswire.blobs import Blobs
from newswire.blobs.files import FileBlobs
from newswire.delivery import files
from newswire.model import Rendition

ASKED = "x-newswire-front"
"""The request header the front sends its ``media_front`` secret in."""
ASKED_RAW = ASKED.encode("ascii")
FILE = "X-Newswire-File"
"""The answer's header naming the file under the blob folder."""


def asked(request: Request) -> bool:
    """Whether ``request`` is the front's question (the setting is on and the header
    carries it), compared in constant time: the secret is not guessed a byte at a time."""
    secret: str = request.app.state.settings.media_front
    given = request.headers.get(ASKED)
    if not secret or given is None:
        return False
    return hmac.compare_digest(given.encode("latin-1"), secret.encode("utf-8"))


def place(blobs: Blobs, key: str) -> str | None:
    """Where the blob ``key`` is under its store's folder (``ab/cd/<key>``), or None for a
    store that keeps no files (``NotFound`` if the file is not there)."""
    if not isinstance(blobs, FileBlobs):
        return None
    found = blobs.path(key)
    assert found is not None  # a file store has every blob as a file
    return found.relative_to(blobs.root).as_posix()


async def decision(
    request: Request,
    blobs: Blobs,
    rendition: Rendition,
    headers: dict[str, str],
    unsatisfiable: Callable[[int], Response],
) -> Response:
    """The allowed answer to the front: ``headers`` (the file's answer's), its type, and
    where the file is; no body. A ``Range`` the front passes on (the download's) that
    starts past the end is refused here as the download would be (``unsatisfiable``,
    416): nginx's own 416 would carry the file's headers and an HTML page."""
    where = await run_in_threadpool(place, blobs, rendition.blob)
    wanted = request.headers.get("range")
    if wanted:
        size = rendition.size
        if size is None:
            size = await run_in_threadpool(blobs.size, rendition.blob)
        try:
            files.span(wanted, size)
        except files.Unsatisfiable as exc:
            answer = unsatisfiable(exc.size)
            answer.headers["Content-Range"] = f"bytes */{exc.size}"
            return answer
    out = {**headers, "Content-Type": rendition.content_type or "application/octet-stream"}
    if where is not None:
        out[FILE] = where
    return Response(status_code=200, headers=out)

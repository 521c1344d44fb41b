"""The faces' static files, served together at ``/static``.

Each face keeps its own files in its package (``public/static``, ``portal/static``,
``console/static``); a browser asks for ``/static/<name>`` whichever face the file belongs
to, so a name is used by one face only. ``asset(name)`` is the URL a page links to.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Receive, Scope, Send

from newswire.web.routing import TEMPLATE

WEB = Path(__file__).resolve().parent
DIRECTORIES = tuple(WEB / face / "static" for face in ("public", "portal", "console"))
"""Where ``/static/<name>`` is looked for, in this order."""

STATIC_CACHE = "public, max-age=86400"
"""Pages link to ``public.css?v=<hash of the file>``: a new stylesheet is a new URL."""

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
"""On every static file, and on every answer of the public site (``public.cache.headers``)."""


def find(name: str) -> Path:
    """The file ``/static/<name>`` serves."""
    for directory in DIRECTORIES:
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(f"no static file {name!r} in any face")


@cache
def asset(name: str) -> str:
    """``/static/portal.css?v=<hash>``: a changed file is a new URL."""
    digest = hashlib.blake2b(find(name).read_bytes(), digest_size=6).hexdigest()
    return f"/static/{name}?v={digest}"


class PublicStatic(StaticFiles):
    """StaticFiles over ``DIRECTORIES``, with ``Cache-Control`` and ``nosniff`` on every file."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[TEMPLATE] = "/static/{path}"  # its route, for /metrics (a mount is not named)
        await super().__call__(scope, receive, send)

    def __init__(self) -> None:
        super().__init__()
        for directory in DIRECTORIES:
            if not directory.is_dir():
                raise RuntimeError(f"Directory '{directory}' does not exist")

    def get_directories(
        self,
        directory: PathLike | None = None,
        packages: list[str | tuple[str, str]] | None = None,
    ) -> list[PathLike]:
        return [*DIRECTORIES]

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = STATIC_CACHE
        response.headers.update(SECURITY_HEADERS)
        return response

"""The public site's static files (``newswire/web/static``), served at ``/static``."""

from __future__ import annotations

import os

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from newswire.web.cache import SECURITY_HEADERS
from newswire.web.site import STATIC_DIR

STATIC_CACHE = "public, max-age=86400"
"""Pages link to ``public.css?v=<hash of the file>``: a new stylesheet is a new URL."""


class PublicStatic(StaticFiles):
    """StaticFiles with ``Cache-Control`` and ``nosniff`` on every file."""

    def __init__(self) -> None:
        super().__init__(directory=STATIC_DIR)

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

"""A picture or video as the body of ``POST /v1/items``: its parameters and the app's
media pipeline.

The body is a file itself, sent with its own media type (``image/jpeg``, ``video/mp4``,
...; ``application/octet-stream`` or none: its first bytes tell). It is taken in by
``newswire.intake.take``, the path the console's upload form takes too: written to a
temporary file within the ``max_media_bytes`` setting, checked against the declared type
from its first bytes before the rest is read, handed to the media pipeline (one per
server process, started when the first file comes and ended with the process: ``install``)
in a thread, and stored as an item (``newswire.media.items``). A refusal is a problem
naming the field (``body``, ``Content-Type``, or the query parameter); nothing is stored
for it.
"""

from __future__ import annotations

import threading
from typing import Annotated, Literal

from fastapi import FastAPI, Query
from starlette.concurrency import run_in_threadpool

from newswire.intake import bare
from newswire.media import spool
from newswire.media.detect import FORMATS
from newswire.media.items import HELP, Overrides

CONTENT_TYPES: tuple[str, ...] = tuple(f.content_type for f in FORMATS.values())
"""The media types of the files taken in, as the OpenAPI lists them."""


def install(app: FastAPI) -> None:
    """The app's media pipeline, started at its first file and closed with the app; and,
    as the app starts, the spool of uploads and renditions emptied of what processes that
    no longer run left there (``newswire.media.spool``: killed mid-upload)."""
    app.state.pipeline = None
    app.state.pipeline_lock = threading.Lock()

    async def sweep_spool(app: FastAPI) -> None:
        await run_in_threadpool(spool.sweep)

    app.state.on_start.append(sweep_spool)

    async def stop(app: FastAPI) -> None:
        pipeline = app.state.pipeline
        if pipeline is not None:
            app.state.pipeline = None
            await run_in_threadpool(pipeline.close)
        spool.leave()

    app.state.on_stop.append(stop)


def declares_media(content_type: str) -> bool:
    """Whether a Content-Type says the body is a file for the media pipeline (any picture,
    video or sound: one newswire does not take, SVG among them, is refused saying why)."""
    return bare(content_type).startswith(("image/", "video/", "audio/"))


def overrides(
    item_id: Annotated[str | None, Query(alias="id", description=HELP["id"])] = None,
    kind: Annotated[
        Literal["picture", "graphic", "video"] | None,
        Query(alias="type", description=HELP["type"]),
    ] = None,
    lang: Annotated[str | None, Query(description=HELP["lang"])] = None,
    headline: Annotated[str | None, Query(description=HELP["headline"])] = None,
    caption: Annotated[str | None, Query(description=HELP["caption"])] = None,
    byline: Annotated[str | None, Query(description=HELP["byline"])] = None,
    credit: Annotated[str | None, Query(description=HELP["credit"])] = None,
    copyright: Annotated[str | None, Query(description=HELP["copyright"])] = None,
    city: Annotated[str | None, Query(description=HELP["city"])] = None,
    country: Annotated[str | None, Query(description=HELP["country"])] = None,
    keyword: Annotated[list[str] | None, Query(description=HELP["keyword"])] = None,
    embargo: Annotated[str | None, Query(description=HELP["embargo"])] = None,
) -> Overrides:
    """The editor's word over a picture's or video's own metadata (a body in a text
    format takes none of these)."""
    return Overrides(
        id=item_id, type=kind, lang=lang, headline=headline, caption=caption, byline=byline,
        credit=credit, copyright=copyright, city=city, country=country, keyword=keyword,
        embargo=embargo,
    )


def given(o: Overrides) -> str | None:
    """The first override given, by its parameter's name (None: none was)."""
    return next((f for f in o.__struct_fields__ if getattr(o, f) is not None), None)

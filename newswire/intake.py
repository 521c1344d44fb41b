"""A picture or video file taken in as an item: the one path of ``POST /v1/items`` with a
file body and of the console's upload form (``newswire.web.console.media``).

``take`` checks the editor's overrides and the file's first bytes (against the type
declared, if any) before the rest is read, writes it to a temporary file within the
``max_media_bytes`` setting, hands it to the media pipeline (``newswire.media.Pipeline``,
one per server process, started when the first file comes: ``pipeline_of``) in a thread,
and stores it as an item (``newswire.media.items``). A refusal is a ``NewswireError``
naming the field (``body``, ``Content-Type``, or the override); nothing is stored for it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime
from email.message import Message
from email.utils import collapse_rfc2231_value
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from newswire.enrich.pipeline import append_enriched
from newswire.errors import NewswireError, NotFound, TooLarge, UnsupportedFormat
from newswire.media import Limits, spool
from newswire.media.detect import ALIASES, HEAD, UNDECLARED, detect, sniff
from newswire.media.items import Overrides, check_overrides, check_previous, item_of, media_id
from newswire.model import NewsItem
from newswire.store.base import Receipt
from newswire.validation import check_item, strip_unencodable

if TYPE_CHECKING:
    from newswire.media.pipeline import Pipeline

WORKERS = 2
"""Files a server process works on at once (each in a worker process of its own)."""
SNIFFED = {*UNDECLARED, "application/x-www-form-urlencoded"}
"""Types that say nothing of the body (curl's default among them): its first bytes tell
a picture or video from an item in a text format."""
_WRITE = 1024 * 1024


def pipeline_of(state: State) -> Pipeline:
    """The app's pipeline (``state.pipeline``, set up by ``newswire.api.upload.install``),
    started now if it is not yet."""
    with state.pipeline_lock:
        if state.pipeline is None:
            settings = state.settings
            limits = Limits(
                max_bytes=settings.max_media_bytes,
                seconds=settings.media_seconds,
                memory=settings.media_memory_bytes,
                iptc_charset=settings.iptc_charset,
            )
            # Imported here: a server loads the pipeline (pebble, asyncio's subprocesses,
            # ctypes) with the first picture or video it is sent, not at start.
            from newswire.media.pipeline import Pipeline

            state.pipeline = Pipeline(state.blobs, limits, workers=WORKERS)
        pipeline: Pipeline = state.pipeline
        return pipeline


def bare(content_type: str) -> str:
    """``image/JPEG; q=1`` -> ``image/jpeg``, aliases resolved (``image/jpg``)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    return ALIASES.get(kind, kind)


def disposition_name(header: str | None) -> str:
    """The file name a ``Content-Disposition`` header gives, ``""`` for none (RFC 6266:
    ``filename*=UTF-8''…``, percent-encoded, wins over ``filename="…"``), parsed by the
    standard library's MIME header parsing (``email.message``)."""
    if not header:
        return ""
    message = Message()
    message["Content-Disposition"] = header
    names = [value for key, value in message.get_params([], header="content-disposition") if key == "filename"]
    # The extended form (``filename*``) comes back as (charset, language, value).
    extended = [value for value in names if isinstance(value, tuple)]
    found = extended[0] if extended else names[0] if names else ""
    return collapse_rfc2231_value(found, errors="replace").strip()


class Body:
    """A request body whose first bytes can be looked at before the rest is read."""

    def __init__(self, stream: AsyncIterator[bytes]):
        self._stream = stream
        self.head = b""

    async def peek(self, size: int = HEAD) -> bytes:
        while len(self.head) < size:
            try:
                chunk = await anext(self._stream)
            except StopAsyncIteration:
                break
            self.head += chunk
        return self.head[:size]

    async def chunks(self) -> AsyncIterator[bytes]:
        if self.head:
            yield self.head
        async for chunk in self._stream:
            yield chunk


async def take(
    state: State, body: Body, content_type: str, overrides: Overrides, *, name: str = "",
    length: str | None = None, embargo: datetime | None = None,
) -> Receipt:
    """Store the picture or video ``body`` as an item (a new version, or the same one when
    the file was taken in before); refused whole, before anything is stored, otherwise.
    ``embargo``: when it may be delivered (the console's upload form; None: now).
    ``name``: the file's name as the sender knows it, which every refusal of the file
    itself (its size, its type, its bytes) begins with, as ``newswire ingest`` says it."""
    try:
        return await _take(
            state, body, content_type, overrides, name=name, length=length, embargo=embargo
        )
    except NewswireError as exc:
        if name and exc.field in ("body", "Content-Type"):
            exc.detail = f"{name}: {exc.detail}"
        raise


async def _take(
    state: State, body: Body, content_type: str, overrides: Overrides, *, name: str,
    length: str | None, embargo: datetime | None,
) -> Receipt:
    limit = state.settings.max_media_bytes
    if length and length.isdigit() and int(length) > limit:
        raise TooLarge(f"{int(length):,} bytes is over the limit of {limit:,} bytes", field="body")
    check_overrides(overrides)
    declared = bare(content_type)
    declared = "" if declared in SNIFFED else declared
    head = await body.peek()
    try:
        fmt = detect(head, declared=declared)
    except UnsupportedFormat as exc:
        exc.field = "Content-Type" if sniff(head) is not None else "body"
        raise
    check_overrides(overrides, fmt.kind)
    if overrides.id is not None:  # a new version of a stored item: one the file can be
        given_id = overrides.id.strip()

        def stored_one() -> NewsItem | None:
            try:
                found: NewsItem = state.store.get(given_id).item
            except NotFound:
                return None
            return found

        if (stored := await run_in_threadpool(stored_one)) is not None:
            check_previous(stored, fmt.kind)
    fd, spooled = tempfile.mkstemp(prefix="newswire-upload-", dir=spool.folder())
    path = Path(spooled)
    try:
        with os.fdopen(fd, "wb") as file:
            await _spool(body, file, limit)
        pipeline = pipeline_of(state)
        media = await run_in_threadpool(pipeline.take, path, name="body", declared=declared or None)

        def store_it() -> Receipt:
            store = state.store
            previous: NewsItem | None = None
            with contextlib.suppress(NotFound):
                previous = store.get(overrides.id or media_id(media)).item
            item = item_of(media, overrides, name=name, previous=previous)
            if embargo is not None:
                item = msgspec.structs.replace(item, embargo_until=embargo)
            receipts = append_enriched(
                store, [check_item(strip_unencodable(item))], state.settings.enrich
            )
            return receipts[0]

        return await run_in_threadpool(store_it)
    finally:
        path.unlink(missing_ok=True)


async def _spool(body: Body, file: BinaryIO, limit: int) -> None:
    """The body into ``file``, a megabyte at a time off the event loop; ``TooLarge`` past
    ``limit`` bytes."""
    size, pending = 0, bytearray()
    write = file.write
    async for chunk in body.chunks():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the body is over the limit of {limit:,} bytes", field="body")
        pending += chunk
        if len(pending) >= _WRITE:
            await run_in_threadpool(write, bytes(pending))
            pending.clear()
    if pending:
        await run_in_threadpool(write, bytes(pending))

"""A story's thread: ``GET /v1/items/{id}/thread``.

The stories an item is linked with, as the subscriber portal's item page lists them
(``newswire.delivery.thread``): first those it links to, then those linking to it, the
most recently stored first, each only if the caller may see it. A subscriber's system
finds an original's later developments here, not by watching the feed for them.
"""

from __future__ import annotations

from typing import Annotated, get_args
from urllib.parse import quote

import msgspec
from fastapi import Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from newswire.access.auth import Principal
from newswire.access.entitlement import version_seen
from newswire.api import auth, problems
from newswire.delivery.thread import THREAD_SIZE, Direction, Linked, thread
from newswire.model import MACHINE, ItemType, PubStatus, utcnow
from newswire.store.base import Store, Stored
from newswire.validation import MAX_VERSION
from newswire.web.routing import Router

router = Router()

STORY_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "version": {"type": "integer", "minimum": 1},
        "headline": {"type": "string"},
        "type": {"type": "string", "enum": list(get_args(ItemType))},
        "language": {"type": "string"},
        "rel": {"type": "string"},
        "direction": {"type": "string", "enum": list(get_args(Direction))},
        "machine": {"type": "boolean"},
        "pubstatus": {"type": "string", "enum": list(get_args(PubStatus))},
        "embargoed": {"type": "boolean"},
        "href": {"type": "string"},
    },
    "required": [
        "id", "version", "headline", "type", "language", "rel", "direction", "machine",
        "pubstatus", "embargoed", "href",
    ],
    "additionalProperties": False,
}
"""A story of a thread: the version of it the caller may see, and how it is linked."""

THREAD_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "version": {"type": "integer", "minimum": 1},
        "thread": {"type": "array", "maxItems": THREAD_SIZE, "items": STORY_SCHEMA},
    },
    "required": ["id", "version", "thread"],
    "additionalProperties": False,
}

_ENCODE = msgspec.json.Encoder().encode


@router.get(
    "/v1/items/{item_id:path}/thread",
    tags=["items"],
    responses=problems.responses(400, 401, 403, 404, 410, 429)
    | {
        200: {
            "description": "The stories the item is linked with that the caller may see",
            "content": {"application/json": {"schema": THREAD_SCHEMA}},
        }
    },
)
async def get_thread(
    request: Request,
    item_id: str,
    version: Annotated[
        int | None,
        Query(ge=1, le=MAX_VERSION, description="A given version: the stories it links to."),
    ] = None,
    principal: Principal = Depends(auth.read),
) -> Response:
    """The stories an item is linked with (associations of type text: the same story
    under another id, ``nwrel:sameStory``, or a follow-up, ``seeAlso``), those the caller
    may see, as the subscriber portal lists them: first those the item links to (in its
    own order), then those linking to it (its later developments), the most recently
    stored first; at most 20, half of them kept for those linking when there are as many.
    Each is the version the caller may see (``href``: its URL), ``direction``
    ``links_to`` or ``linked_from``; a withdrawn story is listed with ``pubstatus``
    ``canceled``. A picture or video is linked as such, not as a story: its thread lists
    no story linking to it. 404, as ``GET /v1/items/{id}``, for an item the caller may not
    see (not entitled, under embargo) or that is not there. ``?version=N``: the stories
    version N links to (its own associations), then those linking to the item (they link
    to the item, not to a version of it); N judged as ``GET /v1/items/{id}?version=N``
    judges it (404 naming a version the item never had or the caller may not see, 410
    for an earlier version of an item since withdrawn). ``ETag`` / ``If-None-Match``
    answer 304 until the thread changes."""
    state = request.app.state
    histories = state.histories  # the item's versions from memory when kept
    history = histories.get(item_id)
    if history is None:
        history = await run_in_threadpool(histories.load, item_id)
    stored, _ = version_seen(principal.products, history, item_id, version, utcnow())
    body = await run_in_threadpool(_thread, state.store, principal, stored)
    # The thread is other items' as much as this one's: its ETag is its body's
    # (``revalidate.Revalidated``), with the cache headers of every key's answer.
    return Response(body, media_type="application/json")


def _thread(store: Store, principal: Principal, stored: Stored) -> bytes:
    """The body of ``GET /v1/items/{id}/thread`` (in a worker thread: it reads the store)."""
    item = stored.item
    stories = [_story(linked) for linked in thread(store, principal, item)]
    return _ENCODE({"id": item.id, "version": item.version, "thread": stories})


def _story(linked: Linked) -> dict[str, object]:
    item, association = linked.shown.item, linked.association
    return {
        "id": item.id,
        "version": item.version,
        "headline": linked.headline,
        "type": item.type,
        "language": item.language,
        "rel": association.rel,
        "direction": linked.direction,
        "machine": association.creator == MACHINE,
        "pubstatus": item.pubstatus,
        # Seen before its embargo lifts (a product delivering early), as the story's own
        # answer says with ``X-Newswire-Embargoed``.
        "embargoed": linked.embargoed,
        "href": f"/v1/items/{quote(item.id, safe='')}",
    }

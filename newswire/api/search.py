"""``GET /v1/search``: Arabic-aware full-text search over what the caller may read.

``q`` is a journalist's query (words, ``"phrases"``, ``-excluded``, ``OR``; see
``newswire.search.query``). Results are limited to the caller's products: teaser-only
callers search and see teasers; nothing under embargo or withdrawn is ever found.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from newswire.access.auth import Principal
from newswire.api import auth, problems
from newswire.errors import BadInput, Unavailable
from newswire.search.engine import MAX_LIMIT, SearchRequest

router = APIRouter(tags=["search"])

_ENCODE = msgspec.json.Encoder().encode


def parse_when(text: str | None, field: str, *, end: bool = False) -> dt.datetime | None:
    """``YYYY-MM-DD`` (the whole UTC day: its start, or its end with ``end``) or an ISO 8601
    time (UTC when it names no zone); ``BadInput`` naming ``field`` otherwise."""
    if not text:
        return None
    text = text.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            when = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
        else:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(
            f"{text[:40]!r} is not a date: give YYYY-MM-DD or an ISO 8601 time", field=field
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


@router.get("/v1/search", responses=problems.responses(400, 401, 403, 404, 429, 503))
async def search(
    request: Request,
    q: Annotated[str, Query(description='Words, "exact phrases", -excluded, OR.')],
    lang: Annotated[str | None, Query(description="Language tag (ar matches ar-EG).")] = None,
    subject: Annotated[
        str | None, Query(description="IPTC Media Topic; its narrower topics match too.")
    ] = None,
    urgency: Annotated[str | None, Query(description="1 (flash) to 9, or a range 1-3.")] = None,
    since: Annotated[
        str | None, Query(alias="from", description="YYYY-MM-DD or ISO 8601 time.")
    ] = None,
    until: Annotated[str | None, Query(alias="to", description="YYYY-MM-DD or ISO 8601.")] = None,
    sort: Annotated[str, Query(description="relevance or newest.")] = "relevance",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    limit: Annotated[int, Query(ge=1, description=f"Hits per page (at most {MAX_LIMIT}).")] = 20,
    product: Annotated[
        list[str] | None, Query(description="Search only these of the caller's products.")
    ] = None,
    facets: Annotated[bool, Query(description="Count hits by language, subject, day.")] = True,
    principal: Principal = Depends(auth.read),
) -> Response:
    """Search the caller's entitled items: BM25 ranking with the headline weighted highest,
    `<mark>`ed snippets of the original text, facet counts by language, subject and day."""
    state = request.app.state
    if state.searching is None or not state.searching.ready:
        raise Unavailable("the search index is being built; try again shortly", field="q")
    notes = {}
    if limit > MAX_LIMIT:
        notes["limit_clamped"] = f"limit {limit} is over the maximum: {MAX_LIMIT} used"
        limit = MAX_LIMIT
    req = SearchRequest(
        q=q,
        lang=lang or None,
        subject=subject or None,
        urgency=urgency or None,
        since=parse_when(since, "from"),
        until=parse_when(until, "to", end=True),
        sort=sort,
        page=page,
        limit=limit,
        products=product or [],
        facets=facets,
    )
    results = await run_in_threadpool(state.searching.searcher.search, req, principal.products)
    body = msgspec.structs.asdict(results) | notes
    return Response(_ENCODE(body), media_type="application/json")

"""``GET /v1/search``: Arabic-aware full-text search over what the caller may read.

``q`` is a journalist's query (words, ``"phrases"``, ``-excluded``, ``OR``; see
``newswire.search.query``). Results are limited to the caller's products: teaser-only
callers search and see teasers; nothing under embargo or withdrawn is ever found.

The route below is the documented one; ``serve_search`` answers the same requests ahead
of FastAPI's layers (as ``/v1/feed`` is, see ``newswire.api.raw``): a search costs little
more than the engine's work, and the framework's parameter handling was a third of what
was left. It takes only requests whose parameters are plainly valid and hands anything
else (a repeated or malformed parameter, no ``q``) to the route, so every error is
answered by one code path. Both answer with ``answer``.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Query, Request
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from newswire.access.auth import Principal
from newswire.api import auth, openapi, problems, raw
from newswire.errors import BadInput, Unavailable, Unprocessable
from newswire.model import ITEM_TYPES
from newswire.search.engine import MAX_LIMIT, SORTS, SearchRequest, parse_when
from newswire.validation import xml_unsafe
from newswire.web.routing import Router

router = Router(tags=["search"])

MEDIA_TYPE = "application/json"


MAX_QUERY = 1000
"""Characters a query may have (``newswire.search.query.parse``'s limit)."""
_WHEN = {
    "type": "string",
    "anyOf": [{"format": "date"}, {"format": "date-time"}, {"maxLength": 0}],
}
_URGENCY = openapi.urgency_range()
_LANG = openapi.language_tag()
_SUBJECT = openapi.media_topic()


@router.get("/v1/search", responses=problems.responses(400, 401, 403, 404, 422, 429, 503))
async def search(
    request: Request,
    q: Annotated[
        str,
        Query(
            description='Words, "exact phrases", -excluded, OR. Left out (or blank) with a'
            " filter, the newest items the filters let through (422: neither words nor a"
            " filter).",
            json_schema_extra={"maxLength": MAX_QUERY},
        ),
    ] = "",
    lang: Annotated[
        str | None,
        Query(
            description="BCP 47 language tag (ar matches ar-EG).", json_schema_extra=_LANG
        ),
    ] = None,
    subject: Annotated[
        str | None,
        Query(
            description="IPTC Media Topic; its narrower topics match too (422: no such topic).",
            json_schema_extra=_SUBJECT,
        ),
    ] = None,
    urgency: Annotated[
        str | None,
        Query(description="1 (flash) to 9, or a range 1-3.", json_schema_extra=_URGENCY),
    ] = None,
    kind: Annotated[
        str | None,
        Query(
            alias="type",
            description="Only items of this type: text, picture, video, graphic or audio.",
            json_schema_extra={"enum": list(ITEM_TYPES)},
        ),
    ] = None,
    place: Annotated[
        str | None,
        Query(
            description="A place the item names or is datelined at, by name or id"
            " (Ankara, أنقرة, geonames:323786).",
            json_schema_extra={"maxLength": 200},
        ),
    ] = None,
    entity: Annotated[
        str | None,
        Query(
            description="A person, organisation or place the item names (or is datelined"
            " at), by name or id (قالن, nwv:hamas, Gaza, geonames:281133).",
            json_schema_extra={"maxLength": 200},
        ),
    ] = None,
    since: Annotated[
        str | None,
        Query(alias="from", description="YYYY-MM-DD or ISO 8601 time.", json_schema_extra=_WHEN),
    ] = None,
    until: Annotated[
        str | None,
        Query(alias="to", description="YYYY-MM-DD or ISO 8601.", json_schema_extra=_WHEN),
    ] = None,
    sort: Annotated[
        str, Query(description="relevance or newest.", json_schema_extra={"enum": list(SORTS)})
    ] = "relevance",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    limit: Annotated[int, Query(ge=1, description=f"Hits per page (at most {MAX_LIMIT}).")] = 20,
    product: Annotated[
        list[str] | None, Query(description="Search only these of the caller's products.")
    ] = None,
    facets: Annotated[
        bool,
        Query(
            description="Count hits by language, subject, day, type, and the people,"
            " organisations and places they name."
        ),
    ] = True,
    principal: Principal = Depends(auth.read),
) -> Response:
    """Search the caller's entitled items: BM25 ranking with the headline weighted highest,
    `<mark>`ed snippets of the original text, facet counts by language, subject, day, people,
    organisations, places and
    item type. Without words, a filter lists the items it lets through, newest first
    (`?entity=حماس&from=2026-12-01`)."""
    body = await answer(
        request.app.state,
        principal,
        q=q,
        lang=lang,
        subject=subject,
        urgency=urgency,
        kind=kind,
        place=place,
        entity=entity,
        since=since,
        until=until,
        sort=sort,
        page=page,
        limit=limit,
        products=product or [],
        facets=facets,
    )
    return Response(body, media_type=MEDIA_TYPE, headers=dict(_clamped_headers(limit)))


def clamped(limit: int) -> str | None:
    """What is said of a ``limit`` over the maximum (in the answer's ``limit_clamped`` and its
    ``X-Newswire-Clamped`` header, as the feed says it), None for one within it."""
    return problems.over_maximum("limit", limit, MAX_LIMIT) if limit > MAX_LIMIT else None


def _clamped_headers(limit: int) -> list[tuple[str, str]]:
    note = clamped(limit)
    return [] if note is None else [("X-Newswire-Clamped", note)]


async def answer(
    state: State,
    principal: Principal,
    *,
    q: str,
    lang: str | None,
    subject: str | None,
    urgency: str | None,
    kind: str | None,
    since: str | None,
    place: str | None = None,
    entity: str | None = None,
    until: str | None,
    sort: str,
    page: int,
    limit: int,
    products: list[str],
    facets: bool,
) -> bytes:
    """The JSON body of a search whose parameters have the right types (the rest is
    checked here and by the engine: ``BadInput`` naming the parameter)."""
    if state.searching is None or not state.searching.ready:
        raise Unavailable("the search index is being built; try again shortly", field="q")
    # What the OpenAPI declares is checked here (400); what the engine refuses beyond it
    # (a query with nothing to search for, a topic that does not exist, from after to, a
    # page past the window) is of the declared form but unprocessable (422).
    if len(q) > MAX_QUERY:
        raise BadInput(f"query is longer than {MAX_QUERY} characters", field="q")
    if sort not in SORTS:
        raise BadInput(f"sort is {' or '.join(SORTS)}, not {sort!r}", field="sort")
    openapi.check(_LANG, lang, "lang", "a BCP 47 language tag such as ar, ar-EG or zh-Hant-TW")
    openapi.check(_URGENCY, urgency, "urgency", "an urgency 1 to 9, or a range such as 1-3")
    openapi.check(_SUBJECT, subject, "subject", "a Media Topic code such as medtop:04000000")
    if kind and kind not in ITEM_TYPES:
        raise BadInput(f"type is {', '.join(ITEM_TYPES)}, not {kind!r}", field="type")
    for field, value in (("place", place), ("entity", entity)):
        if value is not None and len(value) > 200:
            raise BadInput(f"{field} is longer than 200 characters", field=field)
    if (bad := xml_unsafe(q)) is not None:  # of the declared form, but nothing to search
        raise Unprocessable(f"the query has the character U+{ord(bad):04X}, which no text holds", field="q")
    notes = {}
    if (note := clamped(limit)) is not None:
        notes["limit_clamped"] = note
        limit = MAX_LIMIT
    req = SearchRequest(
        q=q,
        lang=lang or None,
        subject=subject or None,
        urgency=urgency or None,
        type=kind or None,
        place=place or None,
        entity=entity or None,
        since=parse_when(since, "from"),
        until=parse_when(until, "to", end=True),
        sort=sort,
        page=page,
        limit=limit,
        products=products,
        facets=facets,
    )
    try:
        return await run_in_threadpool(
            state.searching.searcher.search_json, req, principal.products, notes
        )
    except BadInput as exc:
        raise Unprocessable(exc.detail, field=exc.field) from None


# --- ahead of FastAPI -----------------------------------------------------------------------

_INT = re.compile(r"[0-9]{1,5}")
_BOOLS = {"true": True, "false": False}


async def serve_search(app: Starlette, scope: Scope, receive: Receive, send: Send) -> bool:
    """Answer ``GET /v1/search`` without FastAPI's layers; False when the request is one
    for the documented route (nothing has been sent then)."""
    params = raw.query(scope)
    if params is None:
        return False
    page, limit = params.get("page", "1"), params.get("limit", "20")
    facets = _BOOLS.get(params.get("facets", "true"))
    if (
        not _INT.fullmatch(page)
        or not 1 <= int(page) <= 10_000
        or not _INT.fullmatch(limit)
        or int(limit) < 1
        or facets is None
    ):
        return False
    product = params.get("product")
    state = app.state

    async def search_answer(principal: Principal, _headers: dict[bytes, str]) -> raw.Answer:
        body = await answer(
            state,
            principal,
            q=params.get("q", ""),
            lang=params.get("lang"),
            subject=params.get("subject"),
            urgency=params.get("urgency"),
            kind=params.get("type"),
            place=params.get("place"),
            entity=params.get("entity"),
            since=params.get("from"),
            until=params.get("to"),
            sort=params.get("sort", "relevance"),
            page=int(page),
            limit=int(limit),
            products=[product] if product is not None else [],
            facets=facets,
        )
        return 200, raw.encoded(_clamped_headers(int(limit))), body, MEDIA_TYPE

    return await raw.answer_reader(app, scope, receive, send, search_answer)

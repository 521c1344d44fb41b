"""The authority file over HTTP: ``/v1/admin/vocabulary`` (admin scope).

The same operations as ``newswire vocab``, checked by the same functions
(``newswire.enrich.vocabulary``): list (by kind, by a name or id containing a text), get
(a merged id: the entry it was merged into, as ``vocab show``), add, change, remove and
merge. The change reaches every process and node within a second
(the store's ``vocabulary`` generation) and applies to what is ingested from then on.

Each entry answered carries an ``ETag``, a digest of it as stored. A ``PUT`` with
``If-Match`` naming it (or ``*``) replaces the entry only if it is still that one, else
412 and nothing written: two editors changing one entry at once, each from what they read,
the later would silently undo the earlier's change. Without ``If-Match``, the body
replaces whatever is stored.

A body of the declared form may still be refused for what it says (a name with a bidi
control, a country on a person, a change of an entry's kind, an entry merged into
itself): 422 naming the field, as
the rest of the admin API answers a rule the schema cannot say. A body not of the form is
400; an id taken, a name or variant another entry of the kind has when no id is given,
or a name given to an entry in a change that another entry of its kind has, 409.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from fastapi import Depends, Query, Request, Response
from msgspec import Meta
from starlette.concurrency import run_in_threadpool

from newswire.api import auth, problems
from newswire.api.admin import COMMON, MAX_BODY, _body_doc, _json, _store, decode
from newswire.api.items import read_body
from newswire.enrich.base import Term
from newswire.enrich.pipeline import follow_merge
from newswire.enrich.vocabulary import (
    ID_PATTERN,
    KINDS,
    MAX_LANGUAGES,
    MAX_NAME,
    MAX_NAMES,
    Vocabulary,
)
from newswire.errors import BadInput, NotFound, PreconditionFailed, Unprocessable
from newswire.validation import NAME_PATTERN
from newswire.web.routing import Router

router = Router(
    prefix="/v1/admin/vocabulary", tags=["admin"], dependencies=[Depends(auth.admin)]
)

Name = Annotated[str, Meta(max_length=MAX_NAME, extra_json_schema={"pattern": NAME_PATTERN})]
Names = Annotated[
    dict[
        Annotated[str, Meta(extra_json_schema={"pattern": "^[a-z]{2,3}$"})],
        Annotated[list[Name], Meta(max_length=MAX_NAMES)],
    ],
    Meta(extra_json_schema={"maxProperties": MAX_LANGUAGES}),
]


class EntryBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An entry of the authority file, as ``newswire vocab add`` makes it: its ``kind``,
    the ``name`` to show, its ``names`` by language (``{"ar": ["إبراهيم قالن"], "en":
    ["Ibrahim Kalin"]}``; the name shown joins them), the ``short`` forms an article uses
    after the first mention (a surname alone, matched with a lower confidence), and for a
    place its ``country`` and coordinates. ``id`` (``nwv:…``) is made from the name when
    not given."""

    kind: Annotated[str, Meta(extra_json_schema={"enum": list(KINDS)})]
    name: Name
    names: Names = {}
    short: Names = {}
    id: Annotated[str, Meta(extra_json_schema={"pattern": f"{ID_PATTERN}|^$"})] = ""
    country: Annotated[str, Meta(extra_json_schema={"pattern": "^([A-Z]{2})?$"})] = ""
    latitude: Annotated[float, Meta(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Meta(ge=-180, le=180)] | None = None


class MergeBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The entry to merge into: it keeps its id and takes the merged entry's names."""

    into: Annotated[str, Meta(min_length=1, max_length=200)]


def _vocabulary(request: Request) -> Vocabulary:
    return Vocabulary(_store(request))


def _term(body: EntryBody, term_id: str) -> Term:
    return Term(
        id=term_id,
        kind=body.kind,  # type: ignore[arg-type]  # check_term checks it (422 naming it)
        name=body.name,
        names=body.names,
        short=body.short,
        country=body.country,
        latitude=body.latitude,
        longitude=body.longitude,
    )


def _rule(exc: BadInput) -> Unprocessable:
    """A body of the declared form refused for what it says: 422, the same field."""
    return Unprocessable(exc.detail, field=exc.field)


def _href(term_id: str) -> str:
    return f"/v1/admin/vocabulary/{quote(term_id, safe=':')}"


_ENCODE = msgspec.json.Encoder().encode


def entry_tag(term: Term) -> str:
    """The entity tag of an entry as stored: a digest of all of it, a strong tag."""
    return '"' + hashlib.sha256(_ENCODE(term)).hexdigest()[:32] + '"'


def _entry(term: Term, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """The entry as JSON, with its ``ETag``."""
    return _json(term, status, {**(headers or {}), "ETag": entry_tag(term)})


def _matches(if_match: str, term: Term) -> bool:
    """Whether ``If-Match`` names the entry's tag or is ``*`` (RFC 9110 13.1.1: compared
    strongly, so a weak ``W/`` tag never matches)."""
    wanted = {tag.strip() for tag in if_match.split(",")}
    return "*" in wanted or entry_tag(term) in wanted


@router.get("", responses=problems.responses(*COMMON, 400))
def list_entries(
    request: Request,
    kind: Annotated[
        str | None,
        Query(description="Only entries of this kind.", json_schema_extra={"enum": list(KINDS)}),
    ] = None,
    search: Annotated[
        str | None,
        Query(
            description="Only entries with a name (as search normalises it) or an id holding"
            " this text.",
            max_length=MAX_NAME,
        ),
    ] = None,
) -> Response:
    """Every entry: the shipped starter vocabulary as the editors left it, and theirs, by
    id; with ``merged``, each id merged into another and the entry it lives on in."""
    vocabulary = _vocabulary(request)
    if kind is not None and kind not in KINDS:
        raise BadInput(f"kind is one of {', '.join(KINDS)}, not {kind!r}", field="kind")
    return _json({"entries": vocabulary.find(kind, search), "merged": vocabulary.merges()})


@router.post(
    "",
    status_code=201,
    responses=problems.responses(*COMMON, 400, 409, 413, 422),
    openapi_extra=_body_doc(EntryBody, "An entry, as `newswire vocab add` takes it."),
)
async def add_entry(request: Request) -> Response:
    """Add an entry (201 with it as stored, and where it lives in ``Location``)."""
    body = decode(await read_body(request, MAX_BODY), EntryBody)
    vocabulary = _vocabulary(request)
    try:
        added = await run_in_threadpool(vocabulary.add, _term(body, body.id))
    except BadInput as exc:
        raise _rule(exc) from None
    return _entry(added, 201, {"Location": _href(added.id)})


@router.get(
    "/{term_id}",
    responses={
        200: {
            "description": "The entry; for an id merged into another, that entry",
            "headers": {
                "Content-Location": {
                    "description": "For an id merged into another: the URL of the entry"
                    " it was merged into, whose id the body has",
                    "schema": {"type": "string"},
                }
            },
        },
        **problems.responses(*COMMON, 404),
    },
)
def get_entry(request: Request, term_id: str) -> Response:
    """One entry. An id merged into another is the entry it was merged into, as
    ``newswire vocab show`` shows it (the id lives on there: items tagged with it are
    found under that entry), its own URL in ``Content-Location`` and its id in the body.
    404 for an id removed (or merged into an entry removed since); a merged id is no
    entry to change, remove or merge (404 saying into which)."""
    vocabulary = _vocabulary(request)
    into = vocabulary.merged_into(term_id)
    if into is None:
        return _entry(vocabulary.get(term_id))
    return _entry(vocabulary.get(into), headers={"Content-Location": _href(into)})


@router.put(
    "/{term_id}",
    responses=problems.responses(*COMMON, 400, 404, 409, 412, 413, 422),
    openapi_extra=_body_doc(
        EntryBody,
        "The entry as it is to be from now on (its `id` is the URL's, or none; its `kind`"
        " the entry's).",
    ),
)
async def change_entry(request: Request, term_id: str) -> Response:
    """Replace an entry (a shipped one too) by the one in the body; it as stored. An entry
    keeps its kind (422 naming ``kind``): products and items name its id as a person's,
    an organisation's or a place's. A name it did not have that another entry of its
    kind has is refused as ``POST`` refuses it (409 naming ``name`` or ``names``). With
    ``If-Match``, only if the entry is still the one of that ``ETag`` (412 otherwise)."""
    body = decode(await read_body(request, MAX_BODY), EntryBody)
    vocabulary = _vocabulary(request)
    await run_in_threadpool(vocabulary.get, term_id)  # 404 before any rule of the body
    if body.id and body.id != term_id:
        raise Unprocessable(f"the body's id {body.id} is not the URL's {term_id}", field="id")
    new = _term(body, term_id)
    if_match = request.headers.get("if-match")

    def still(current: Term) -> Term:
        # Asked of the entry as the change is written (``amend``), not as read above.
        if if_match is not None and not _matches(if_match, current):
            raise PreconditionFailed(
                f"{term_id} changed since the ETag given was read (it is {entry_tag(current)}"
                " now): read it again and make the change to it",
                field="If-Match",
            )
        return new

    try:
        changed = await run_in_threadpool(vocabulary.amend, term_id, still)
    except BadInput as exc:
        raise _rule(exc) from None
    return _entry(changed)


@router.delete("/{term_id}", status_code=204, responses=problems.responses(*COMMON, 404))
def remove_entry(request: Request, term_id: str) -> Response:
    """Remove an entry (a shipped one stays removed from then on)."""
    _vocabulary(request).remove(term_id)
    return Response(status_code=204)


@router.post(
    "/{term_id}/merge",
    responses=problems.responses(*COMMON, 400, 404, 413, 422),
    openapi_extra=_body_doc(MergeBody, "The entry this one is merged into."),
)
async def merge_entry(request: Request, term_id: str) -> Response:
    """Merge this entry into ``into``: its names become that entry's variants, it is
    removed and remembered as merged (``merged`` of the list), and the products naming it
    name ``into`` too. The entry merged into, as stored."""
    body = decode(await read_body(request, MAX_BODY), MergeBody)
    vocabulary = _vocabulary(request)
    await run_in_threadpool(vocabulary.get, term_id)
    try:
        merged: Any = await run_in_threadpool(vocabulary.merge, term_id, body.into)
    except NotFound as exc:
        raise Unprocessable(exc.detail, field="into") from None
    except BadInput as exc:
        raise Unprocessable(exc.detail, field="into") from None
    # The products naming the merged entry name the one it went into too (new items carry
    # that id alone).
    await run_in_threadpool(follow_merge, _store(request), term_id, body.into)
    return _entry(merged)

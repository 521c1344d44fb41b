"""The console's pictures and videos: upload, files, captions, a story's attachments.

Routes (on their own router, put before ``routes.router``, whose item page takes every
path under ``/console/items/``):

- ``GET``, ``POST /console/upload``: a picture or video with its headline, caption,
  byline, credit, language and embargo (``multipart/form-data``, the session's CSRF token
  as on every console form). The file takes the path of ``POST /v1/items``
  (``newswire.intake.take``: the same limits, checks, pipeline and item); a field left
  empty keeps what the file says. A refusal is the form again naming the problem, and
  nothing is stored. Done: 303 to the item's page, which shows the picture.
- ``GET /console/items/{id}/versions/{version}/renditions/{name}``: a version's file, for
  the editor's session only (no session: the login page). The console is the agency's:
  it shows every rendition, embargoed or withdrawn, which no key or signed link of the
  API gives; a signed link would outlive the session and be signed for a key editors do
  not have, so the console serves the files itself.
- ``GET``, ``POST /console/items/{id}/caption``: a media item's edit form (headline,
  caption, byline, credit, language, urgency, embargo, note): a new version (update or
  correction) with the same files.
- ``POST /console/items/{id}/associations``: attach a picture or video to a story (one of
  the recent ones, or an id), detach one, move one up or down: a new version (update).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.responses import RedirectResponse, Response

from newswire import intake
from newswire.delivery import files
from newswire.delivery.announce import announce
from newswire.enrich.pipeline import append_enriched
from newswire.errors import BadInput, NewswireError, NotFound, TooLarge
from newswire.formats.html import squash
from newswire.ingest import check_associations
from newswire.media.items import Overrides
from newswire.media.metadata import plain
from newswire.model import MACHINE, NewsItem
from newswire.store.base import Receipt, Stored, fingerprint
from newswire.validation import MAX_REASON, check_item
from newswire.web import sessions
from newswire.web.console import about, attach
from newswire.web.console.routes import (
    LANGUAGES,
    SCOPE,
    SIGNALS,
    ConsoleRoute,
    FormErrors,
    _added,
    _editable,
    _embargo,
    _language,
    _post,
    _store,
    _urgency,
    _version,
    check_based_on,
    form_page,
    form_zone,
    item_href,
    kept_status,
    page,
    prefill,
    ui_lang,
    words,
    zone_of,
)
from newswire.web.console.words import item_error, upload_error
from newswire.web.routing import Router
from newswire.web.sessions import check_csrf, require

router = Router(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)

FIELDS = ("headline", "caption", "byline", "credit")
"""The upload form's text fields, each an override of the same name."""
MAX_FIELD = 8000
_BY_FIELD = {"body": "file", "Content-Type": "file", "id": "file", "type": "file", "lang": "language"}
"""The upload form's field for an intake error's (an override's name is the field's)."""


# --- upload ------------------------------------------------------------------------------


def upload_page(
    request: Request, form: dict[str, str], status: int = 200, errors: dict[str, str] | None = None
) -> Response:
    return page(
        request, "console_upload.html", status, form=form, errors=errors or {},
        languages=LANGUAGES, limit=f"{request.app.state.settings.max_media_bytes:,}",
    )


@router.get("/upload")
def upload_form(request: Request) -> Response:
    require(request, SCOPE)
    return upload_page(request, {})


async def _limited(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    size = 0
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the upload is over the limit of {limit:,} bytes", field="file")
        yield chunk


async def _chunks(file: UploadFile) -> AsyncIterator[bytes]:
    await file.seek(0)
    while chunk := await file.read(1024 * 1024):
        yield chunk


@router.post("/upload")
async def upload(request: Request) -> Response:
    """Take the file in as ``POST /v1/items`` does; its page, or the form naming the fault."""
    await run_in_threadpool(require, request, SCOPE)  # before a file-sized body is read
    state = request.app.state
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fields: dict[str, str] = {}
    file: UploadFile | None = None
    parsed = None
    if kind == "multipart/form-data":
        limit = state.settings.max_media_bytes + sessions.MAX_FORM_BYTES
        parser = MultiPartParser(
            request.headers, _limited(request.stream(), limit), max_files=1, max_fields=20,
            max_part_size=MAX_FIELD * 4,
        )
        try:
            parsed = await parser.parse()
        except (MultiPartException, MultipartParseError) as exc:
            raise BadInput(f"an unreadable form: {exc}", field="file") from None
        for name, value in parsed.multi_items():
            if isinstance(value, str):
                fields.setdefault(name, value)
            elif name == "file" and file is None:
                file = value
    try:
        logged = await run_in_threadpool(require, request, SCOPE)
        check_csrf(request, fields, logged)  # no form of ours (no token): 403
        return await _take(request, fields, file)
    finally:
        if parsed is not None:
            await parsed.close()


async def _take(request: Request, fields: dict[str, str], file: UploadFile | None) -> Response:
    w = words(request)
    form = {k: fields.get(k, "") for k in (*FIELDS, "language", "embargo", "embargo_zone")}
    errors: dict[str, str] = {}
    embargo = None
    try:
        embargo = _embargo(form["embargo"], w, None, form_zone(form, w, zone_of(request)))
    except FormErrors as exc:
        errors.update(exc.errors)
    for name in FIELDS:
        if len(form[name]) > MAX_FIELD:
            errors[name] = w["err_field_long"].format(limit=MAX_FIELD)
    if file is None or not file.filename:
        errors["file"] = w["err_file"]
    if errors or file is None:
        return upload_page(request, form, 400, errors)
    language = form["language"].strip()
    given = {k: form[k] if form[k].strip() else None for k in FIELDS}
    overrides = Overrides(
        lang=language or None, headline=given["headline"], caption=given["caption"],
        byline=given["byline"], credit=given["credit"],
    )
    state = request.app.state
    try:
        receipt = await intake.take(
            state, intake.Body(_chunks(file)), file.content_type or "", overrides,
            name=file.filename or "", embargo=embargo,
        )
    except NewswireError as exc:
        field = _BY_FIELD.get(exc.field or "body", exc.field or "file")
        field = field if field in (*FIELDS, "language", "file") else "file"
        errors = {field: upload_error(w, exc)}
        return upload_page(request, form, exc.status, errors)
    await announce(state, [receipt])
    target = f"{item_href(receipt.id)}?stored={receipt.version}"
    return RedirectResponse(target, 303, headers=sessions.HEADERS)


# --- files -------------------------------------------------------------------------------


@router.get("/items/{item_id:path}/versions/{version}/renditions/{name}")
async def rendition(request: Request, item_id: str, version: str, name: str) -> Response:
    """A version's file, for editors: any item, any rendition, embargoed or withdrawn;
    ``Range`` as the API answers it (``newswire.delivery.files``), so that a video seeks."""
    require(request, SCOPE)
    stored = await run_in_threadpool(_store(request).get, item_id, _version(version))
    found = next((r for r in stored.item.renditions if r.name == name and r.blob), None)
    if found is None:
        raise NotFound(f"item {item_id!r} has no rendition {name!r}", field="name")
    return await files.send(
        request,
        request.app.state.blobs,
        found,
        "private, no-cache",  # asked again each time: the session decides
        files.filename(found, item_id),
        lambda size: Response(status_code=416),
        extra={"Content-Security-Policy": "default-src 'none'; sandbox"},
    )


# --- a picture's or video's own fields ---------------------------------------------------


def media_prefill(item: NewsItem, signal: str, zone: ZoneInfo) -> dict[str, str]:
    form = prefill(item, signal, zone)
    form.update(caption=item.description, byline=item.byline, credit=item.credit)
    return form


def media_form_page(
    request: Request, form: dict[str, str], latest: Stored, status: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    href = item_href(latest.item.id)
    signal = form.get("signal", "")
    w = words(request)
    languages = list(LANGUAGES)
    if form.get("language") and form["language"] not in languages:
        languages.append(form["language"])
    return page(
        request, "console_caption.html", status, form=form, errors=errors or {},
        latest=latest.item, href=href, action=f"{href}/caption", languages=languages,
        title=w[f"edit_title_{signal}" if signal in SIGNALS else "edit"],
        media=attach.media_view(latest.item),
        annotations=about.rows(latest.item, ui_lang(request), item_href),
    )


def build_media(
    form: dict[str, str], w: dict[str, str], latest: NewsItem, zone: ZoneInfo
) -> NewsItem:
    """The next version of the media item ``latest`` with the form's fields, its files
    the same, its embargo read in ``zone`` (``form_zone``); ``FormErrors`` naming every
    field at fault."""
    errors: dict[str, str] = {}
    status = 0
    values: dict[str, Any] = {}
    readers: dict[str, Callable[[], object]] = {
        "urgency": lambda: _urgency(form.get("urgency", ""), w),
        "embargo": lambda: _embargo(
            form.get("embargo", ""), w, latest.embargo_until, form_zone(form, w, zone)
        ),
        "language": lambda: _language(form.get("language", ""), w),
        "added": lambda: _added(form, w),
    }
    for name, read in readers.items():
        try:
            values[name] = read()
        except FormErrors as exc:
            errors.update(exc.errors)
            status = max(status, exc.status)
    # Cleaned as the upload form's fields and the API's parameters are (``Overrides``):
    # the same caption typed at upload and typed here is the same text, without markup
    # or bidi overrides, which no subscriber's page should receive in a caption.
    headline = plain(form.get("headline", ""))
    if not headline:
        errors["headline"] = w["err_headline"]
    for name in FIELDS:
        if len(form.get(name, "")) > MAX_FIELD:
            errors[name] = w["err_field_long"].format(limit=MAX_FIELD)
    signal = form.get("signal", "")
    if signal not in SIGNALS:
        errors["signal"] = w["err_signal"]
    if errors:
        raise FormErrors(errors, max(status, 400 if "signal" in errors else 422))
    item = msgspec.structs.replace(
        latest,
        headline=headline,
        description=plain(form.get("caption", "")),
        byline=plain(form.get("byline", "")),
        credit=plain(form.get("credit", "")),
        language=values["language"] or latest.language,
        urgency=values["urgency"],
        embargo_until=values["embargo"],
        ednote=squash(form.get("ednote", ""))[:MAX_REASON],
        pubstatus=kept_status(latest),
        signal=signal,
        version=latest.version + 1,
        versioncreated=None,
        replaces=None,
        subjects=[c for c in latest.subjects if c.creator != MACHINE],  # the machine's: below
    )
    item = about.corrected(latest, item, about.removed(form, latest), values["added"])
    try:
        item = check_item(item)
    except NewswireError as exc:
        field = exc.field if exc.field in ("headline", "urgency", "language") else "caption"
        raise FormErrors({field: item_error(w, exc)}, exc.status) from None
    if fingerprint(item) == fingerprint(latest):
        raise FormErrors({"headline": w["err_unchanged"].format(version=latest.version)})
    return item


@router.get("/items/{item_id:path}/caption")
def caption_page(request: Request, item_id: str) -> Response:
    require(request, SCOPE)
    latest = _editable(_store(request), item_id, words(request))
    if latest.item.type not in attach.MEDIA_TYPES:
        return RedirectResponse(f"{item_href(item_id)}/edit", 303, headers=sessions.HEADERS)
    signal = request.query_params.get("signal", "")
    return media_form_page(
        request,
        media_prefill(latest.item, signal if signal in SIGNALS else "update", zone_of(request)),
        latest,
    )


@router.post("/items/{item_id:path}/caption")
async def caption(request: Request, item_id: str) -> Response:
    """Store the next version of a picture or video: its fields, the same files."""

    def run(form: dict[str, str]) -> Response | list[Receipt]:
        store, w = _store(request), words(request)
        latest = _editable(store, item_id, w)
        if latest.item.type not in attach.MEDIA_TYPES:
            raise BadInput("not a picture or video: edit it on its edit page", field="id")
        try:
            check_based_on(form, latest, w, zone_of(request))
            item = build_media(form, w, latest.item, zone_of(request))
        except FormErrors as exc:
            return media_form_page(request, form, latest, exc.status, exc.errors)
        return append_enriched(store, [item], request.app.state.settings.enrich)

    return await _post(request, run)


# --- a story's pictures and videos -------------------------------------------------------


def _operation(form: dict[str, str]) -> tuple[str, int]:
    op = form.get("op", "")
    verb, _, number = op.partition("-")
    if verb == "attach" and not number:
        return verb, -1
    if verb in ("detach", "up", "down") and number.isdigit() and len(number) < 4:
        return verb, int(number)
    raise BadInput("press Attach, Detach, Up or Down", field="op")


@router.post("/items/{item_id:path}/associations")
async def associations(request: Request, item_id: str) -> Response:
    """Attach, detach or move a story's picture or video: the story's next version."""

    def run(form: dict[str, str]) -> Response | list[Receipt]:
        store, w = _store(request), words(request)
        verb, n = _operation(form)
        latest = _editable(store, item_id, w)
        story = latest.item
        if story.type in attach.MEDIA_TYPES:
            raise BadInput("a picture or video has no pictures of its own", field="id")

        def again(message: str, status: int = 422) -> Response:
            errors = {"media": message}
            story_form = prefill(story, "update", zone_of(request))
            return form_page(request, story_form, status=status, errors=errors,
                             latest=latest, attach_form=form)

        if verb == "attach":
            wanted = (form.get("media_id", "").strip() or form.get("media", "").strip())
            if not wanted:
                return again(w["err_attach_none"], 400)
            if any(a.id == wanted for a in story.associations):
                return again(w["err_attach_twice"], 409)
            if len(story.associations) >= attach.MAX_ASSOCIATIONS:
                return again(w["err_attach_many"].format(limit=attach.MAX_ASSOCIATIONS), 409)
            try:
                media = store.get(wanted)
            except NotFound:
                return again(w["err_attach_unknown"].format(id=wanted[:200]))
            if media.item.type not in attach.MEDIA_TYPES:
                return again(w["err_attach_kind"].format(id=wanted[:200]))
            changed = attach.attached(story, media)
        elif n >= len(story.associations):
            raise NotFound(f"the story has no attachment {n + 1}", field="op")
        elif verb == "detach":
            changed = attach.detached(story, n)
        else:
            changed = attach.moved(story, n, -1 if verb == "up" else 1)
        if changed.associations == story.associations:
            return again(w["err_unchanged"].format(version=story.version), 409)
        item = msgspec.structs.replace(
            changed, version=story.version + 1, signal="update", pubstatus=kept_status(story),
            versioncreated=None, replaces=None,
        )
        item = check_associations(store, [item])[0]
        return append_enriched(store, [check_item(item)], request.app.state.settings.enrich)

    return await _post(request, run)

"""The editors' console (``/console``, publish scope): write, preview, publish, update,
correct and withdraw items in the browser, logged in through the shared ``/login``.

Routes (server-rendered, Arabic first, ``?lang=en`` for English, no JavaScript):

- ``GET /console``: the latest items, all of them (embargoed ones with their lift time,
  withdrawn ones marked), and the new-item form;
- ``POST /console/items``: ``action=preview`` shows the public teaser and the subscriber
  view side by side and stores nothing; ``action=publish`` stores the item, 303 to its page;
- ``GET /console/items/{id}``: the item (``?version=N``), its versions, whether and where
  it is public, links to its public page and API URL, the update/correct/withdraw controls;
- ``GET``, ``POST /console/items/{id}/edit``: the form holding the latest version
  (``?signal=update|correction``); it previews or stores the next version with that signal;
- ``POST /console/items/{id}/withdraw``: with a required reason (``store.withdraw``).

An item is pasted in the agency text layout, read by the ``text`` codec through
``ingest.parse_bytes`` as ``POST /v1/items`` reads it, or composed field by field
(headline, lead, dateline, one paragraph a line; its id is the one the codec would give).
Either way it passes ``check_item``, is stored with ``append_many`` and announced to
delivery with ``delivery.announce``, as the API does. Every POST carries the session's
CSRF token (``sessions.check_csrf``).

Rules of the console's own: times are shown, and the embargo read, in the editor's time
zone (``zones``: ``?tz=``, kept in a cookie, else the ``timezone`` setting), stored in UTC;
an embargo in the past is refused, except the stored version's own kept by an update (an editor's
slip must not publish early); a new item whose id is already stored is refused (409) and
updated from its page; an update that changes nothing is refused; a withdrawn item is not
updated or corrected (publish a new one); an edit form opened on a version that is no
longer the latest (another editor stored one since) is refused (409), the editor's text
kept and the new version named, and stored if pressed again (``check_based_on``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote
from zoneinfo import ZoneInfo

import msgspec
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from newswire.access import taxonomy
from newswire.access.auth import IMPLIES
from newswire.access.entitlement import public_version
from newswire.delivery.announce import announce
from newswire.enrich.pipeline import append_enriched
from newswire.errors import BadInput, Conflict, NewswireError, NotFound, TooLarge, retry_headers
from newswire.formats.html import make_body, squash
from newswire.formats.text import detect_language, own_dateline
from newswire.ingest import parse_bytes
from newswire.model import (
    MACHINE,
    Concept,
    Dateline,
    Entity,
    NewsItem,
    as_utc,
    canonical,
    language_tag,
    utcnow,
)
from newswire.settings import zone_name
from newswire.store import Store
from newswire.store.base import Receipt, Stored, fingerprint
from newswire.text.teaser import teaser
from newswire.validation import (
    LANGUAGE_TAG,
    MAX_REASON,
    check_item,
    content_id,
    strip_unencodable,
    withdrawal_reason,
    xml_unsafe,
)
from newswire.web import i18n, sessions, urls
from newswire.web.console import about, attach, zones
from newswire.web.console.words import WORDS, item_error
from newswire.web.routing import Router
from newswire.web.sessions import LoggedIn, check_csrf, require
from newswire.web.static import asset
from newswire.web.urls import request_base

SCOPE = "publish"
LATEST = 50
MAX_DATELINE = 200
TOP_TOPICS = [f"medtop:{n:02d}000000" for n in range(1, 18)]
LANGUAGES = ("ar", "en", "fr", "tr", "es", "ru", "fa", "de")
CONTENT = ("headline", "lead", "dateline", "body")
SIGNALS = ("update", "correction")
STATUSES = ("usable", "withheld")


def kept_status(latest: NewsItem) -> str:
    """The status a new version made in the console keeps unless the editor chooses: the
    latest version's, usable or withheld. A caption edited or a picture attached must not
    release a withheld story or picture to every subscriber unseen."""
    return latest.pubstatus if latest.pubstatus in STATUSES else "usable"
"""What the update form may set: a withdrawal is its own action."""
_CODES = re.compile(r"[\s,،;]+")


class FormErrors(BadInput):
    """Messages by form field: the form is shown again with each beside its field."""

    def __init__(self, errors: dict[str, str], status: int = 422):
        super().__init__("; ".join(errors.values()), field=next(iter(errors), None))
        self.errors, self.status = errors, status


class ConsoleRoute(sessions.PageRoute):
    """``sessions.PageRoute`` with the console's error page: no session is a 303 to
    ``/login?next=``, another error a console page with its status."""

    @staticmethod
    def page_for(request: Request, exc: NewswireError) -> Response:
        return error_page(request, exc)


router = Router(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)

ENV = sessions.templates(Path(__file__).resolve().parent / "templates")


# --- pages -------------------------------------------------------------------------------


def _logged(request: Request) -> LoggedIn | None:
    logged: LoggedIn | None = getattr(request.state, "nw_login", None)
    return logged


def ui_lang(request: Request) -> str:
    """The language of the console's words for this request (``ar`` or ``en``)."""
    logged = _logged(request)
    return sessions.ui_lang(request, logged.account if logged else None)


def words(request: Request) -> dict[str, str]:
    return WORDS[ui_lang(request)]


def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    """``sessions.render`` (its headers, language and CSRF token) of a console template,
    with the console's words (``w``) and stylesheets (``css``: the portal's, which the
    console's builds on); ``editor``: whether the account may use the console."""
    logged = _logged(request)
    editor = logged is not None and SCOPE in IMPLIES[logged.account.scope]
    w = words(request)
    zone = zones.editor_zone(request, w)
    form = context.get("form")
    chosen = zone_name(form.get("embargo_zone", "")) if isinstance(form, dict) else ""
    answer = sessions.render(
        request,
        ENV,
        template,
        status,
        w=w,
        css=asset("portal.css"),
        console_css=asset("console.css"),
        editor=editor,
        zone=zone.key,
        form_zone=chosen or zone.key,
        offered=zones.OFFERED,
        **context,
    )
    zones.keep_choice(request, answer)
    return answer


def error_page(request: Request, exc: NewswireError) -> Response:
    w = words(request)
    zones.fallback_zone(request)  # a bad ?tz= is this page's error, not its zone
    title = w.get(f"error_{exc.status}", w["error"])
    # A "not found" in the editor's language: the store's detail is English, for the API.
    detail = w.get(f"not_found_{exc.field}", w["not_found"]) if isinstance(exc, NotFound) else exc.detail
    said = sessions.detail_lang(ui_lang(request), detail, translated=isinstance(exc, NotFound))
    answer = page(
        request, "console_error.html", exc.status, title=title, detail=detail, detail_lang=said
    )
    answer.headers.update(retry_headers(exc))
    return answer


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def item_href(item_id: str) -> str:
    return "/console/items/" + quote(item_id, safe=":@")


def zone_of(request: Request) -> ZoneInfo:
    """The editor's time zone (``zones.editor_zone``)."""
    return zones.editor_zone(request, words(request))


def when_text(when: datetime | None, zone: ZoneInfo) -> str:
    return zones.show(when, zone)


def iso(when: datetime | None) -> str:
    return as_utc(when).isoformat().replace("+00:00", "Z") if when else ""


def entry(stored: Stored, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """What a list row, or a version row, shows of a stored version."""
    item = stored.item
    embargo = item.embargo_until
    made = item.versioncreated or stored.stored_at
    return {
        "id": item.id,
        "href": item_href(item.id),
        "headline": item.headline or item.id,
        "language": item.language,
        "version": item.version,
        "seq": stored.seq,
        "iso": iso(made),
        "time": when_text(made, zone),
        "urgency": item.urgency,
        "signal": item.signal or "",
        "pubstatus": item.pubstatus,
        "withdrawn": item.pubstatus == "canceled",
        "embargoed": embargo is not None and as_utc(embargo) > now,
        "lift": when_text(embargo, zone),
        "lift_iso": iso(embargo),
    }


def latest_entries(store: Store, zone: ZoneInfo) -> list[dict[str, Any]]:
    now = utcnow()
    return [entry(s, now, zone) for s in store.latest(limit=LATEST)]


def subject_labels(item: NewsItem, lang: str) -> list[tuple[str, str]]:
    return [(c.code, taxonomy.label(c.code, lang) or c.name or c.code) for c in item.subjects]


def form_page(
    request: Request,
    form: dict[str, str],
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    preview: NewsItem | None = None,
    latest: Stored | None = None,
    attach_form: dict[str, str] | None = None,
) -> Response:
    """The new-item page, with the latest items (``latest`` None), or an item's edit page
    (with its pictures and videos, and ``attach_form``: their form as sent);
    ``preview``: the item the form makes, shown as the public and subscribers will see it."""
    logged = _logged(request)  # there: both pages are behind require()
    lang = sessions.ui_lang(request, logged.account if logged else None)
    languages = list(LANGUAGES)
    if form.get("language") and form["language"] not in languages:
        languages.append(form["language"])
    context: dict[str, Any] = {
        "form": form,
        "errors": errors or {},
        "preview": preview_of(request, preview, lang) if preview else None,
        "topics": [(c, taxonomy.label(c, lang)) for c in TOP_TOPICS if taxonomy.known(c)],
        "languages": languages,
        "now": when_text(utcnow(), zone_of(request))[:16],
    }
    if latest is None:
        entries = latest_entries(_store(request), zone_of(request))
        context.update(action="/console/items", entries=entries)
        return page(request, "console_home.html", status, **context)
    href = item_href(latest.item.id)
    signal = form.get("signal", "")
    title = words(request)[f"edit_title_{signal}" if signal in SIGNALS else "edit"]
    context.update(action=f"{href}/edit", latest=latest.item, href=href, title=title)
    context.update(annotations=about.rows(latest.item, lang, item_href))
    store = _store(request)
    context.update(
        attached=attach.rows(store, latest.item),
        choices=attach.choices(store, latest.item),
        attach_form=attach_form or {},
    )
    return page(request, "console_edit.html", status, **context)


def preview_of(request: Request, item: NewsItem, lang: str) -> dict[str, Any]:
    """The public teaser (``text.teaser``, as the public site cuts it, with its notice in
    the item's interface language) and the full text subscribers receive."""
    public = i18n.lang(item.language)
    return {
        "item": item,
        "teaser": teaser(item, request.app.state.settings.teaser_chars),
        "dateline": (item.dateline.text or item.dateline.place) if item.dateline else "",
        "ui": public.words,
        "ui_lang": public.ui,
        "ui_dir": public.ui_dir,
        "embargo": when_text(item.embargo_until, zone_of(request)),
        "subjects": subject_labels(item, lang),
    }


# --- reading the form --------------------------------------------------------------------


async def read_form(request: Request) -> dict[str, str]:
    """``sessions.read_form`` with room for an item: its limit (64 KiB) is for small forms,
    while a pasted item may be ``max_item_bytes``, percent-encoded (3 bytes a byte)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return {}  # not one of our forms: no CSRF token either, so it is refused (403)
    limit = 3 * request.app.state.settings.max_item_bytes + sessions.MAX_FORM_BYTES
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge("the form is over the size limit", field="text")
        chunks.append(chunk)
    try:
        pairs = parse_qsl(b"".join(chunks).decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise BadInput("the form is not UTF-8", field="form") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        form.setdefault(name, value)
    return form


def _content(form: dict[str, str], w: dict[str, str], max_bytes: int) -> NewsItem:
    """The item's text, pasted (the ``text`` codec) or composed, cleaned as ingest does."""
    text = form.get("text", "")
    composed = any(form.get(k, "").strip() for k in CONTENT)
    if text.strip() and composed:
        raise FormErrors({"text": w["err_both"]}, 400)
    if text.strip():
        try:
            return parse_bytes(text.encode("utf-8"), "text", max_bytes=max_bytes)[0]
        except NewswireError as exc:
            raise FormErrors(
                {"text": w["err_text"].format(detail=exc.detail)}, exc.status
            ) from None
    if not composed:
        raise FormErrors({"text": w["err_empty"], "headline": w["err_headline"]})
    errors: dict[str, str] = {}
    headline = squash(form.get("headline", ""))
    lead = squash(form.get("lead", ""))
    paragraphs = [squash(p) for p in form.get("body", "").splitlines() if p.strip()]
    line = squash(form.get("dateline", ""))
    if not headline:
        errors["headline"] = w["err_headline"]
    if not paragraphs:
        errors["body"] = w["err_body"]
    if len(line) > MAX_DATELINE:
        errors["dateline"] = w["err_dateline"].format(limit=MAX_DATELINE)
    if sum(len(form.get(k, "").encode("utf-8")) for k in CONTENT) > max_bytes:
        errors["body"] = w["err_large"].format(limit=f"{max_bytes:,}")
    if errors:
        raise FormErrors(errors)
    dateline, byline = None, ""
    if line:
        dateline, byline = own_dateline(line) or (Dateline(place=line, text=line), "")
    body, body_html = make_body(paragraphs=paragraphs)
    language = detect_language(" ".join([headline, lead, *body]))
    item = NewsItem(
        id=content_id(headline, body[0], language),  # the id the text codec gives
        language=language,
        headline=headline,
        lead=lead,
        body=body,
        body_html=body_html,
        dateline=dateline,
        byline=byline,
        provider=dateline.source if dateline else "",
    )
    return strip_unencodable(item)


def _urgency(value: str, w: dict[str, str]) -> int | None:
    value = value.strip()
    if not value:
        return None
    # Not isdigit(): it is true of "²" too, which int() does not read (nor 5,000 digits).
    number = int(value) if value.isdecimal() and len(value) <= 2 else 0
    if not 1 <= number <= 9:
        raise FormErrors({"urgency": w["err_urgency"]}, 400)
    return number


def form_zone(form: dict[str, str], w: dict[str, str], zone: ZoneInfo) -> ZoneInfo:
    """The zone the form's embargo was typed in: the one its page said (``embargo_zone``,
    a hidden field), else the editor's ``zone``."""
    given = form.get("embargo_zone", "")
    if not given:
        return zone
    name = zone_name(given)
    if not name:
        raise FormErrors({"embargo": w["err_zone"].format(zone=given[:64])}, 400)
    return ZoneInfo(name)


def _embargo(
    value: str, w: dict[str, str], keep: datetime | None, zone: ZoneInfo = ZoneInfo("UTC")
) -> datetime | None:
    """A ``datetime-local`` value, taken in ``zone`` (an offset typed with it is honoured);
    a time the clock skips there is refused (``zones.to_utc``)."""
    value = value.strip()
    if not value:
        return None
    try:
        typed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        when = zones.to_utc(typed, zone, keep) if typed.tzinfo is None else as_utc(typed)
        if when.microsecond:
            when = when.replace(microsecond=0) + timedelta(seconds=1)  # never lifted early
    except zones.NoSuchTime:
        gap = w["err_embargo_gap"].format(time=value.replace("T", " "), zone=zone.key)
        raise FormErrors({"embargo": gap}, 400) from None
    except (ValueError, OverflowError):  # OverflowError: before year 1 or after 9999 in UTC
        raise FormErrors({"embargo": w["err_embargo"]}, 400) from None
    if when <= utcnow() and (keep is None or as_utc(keep) != when):
        past = w["err_embargo_past"].format(when=when_text(when, zone))
        raise FormErrors({"embargo": past}, 400)
    return when


def _subjects(form: dict[str, str], w: dict[str, str]) -> list[Concept]:
    """The ticked top-level topics and the codes typed, as Media Topic concepts."""
    codes = [c for c in TOP_TOPICS if form.get(f"topic_{c[7:]}")]
    codes += [c for c in _CODES.split(form.get("subjects", "")) if c]
    out: list[Concept] = []
    for code in codes:
        found = taxonomy.topic(code)
        if found is None:
            raise FormErrors({"subjects": w["err_subject"].format(code=code[:80])}, 400)
        if found.retired:
            raise FormErrors({"subjects": w["err_subject_retired"].format(code=code)}, 400)
        qcode = taxonomy.qcode(code)
        if qcode not in (c.code for c in out):
            out.append(Concept(code=qcode, name=found.en))
    return out


def _added(form: dict[str, str], w: dict[str, str]) -> list[Entity]:
    """The people, organisations and places the editor named, one a line."""
    entities, errors = about.added(form, w)
    if errors:
        raise FormErrors(errors, 400)
    return entities


def _language(value: str, w: dict[str, str]) -> str:
    """The form's language tag; ``""``: the one detected in the text."""
    value = value.strip()
    if value and not LANGUAGE_TAG.fullmatch(value):
        raise FormErrors({"language": w["err_language"].format(code=value[:35])}, 400)
    return language_tag(value)


def build(
    form: dict[str, str],
    w: dict[str, str],
    max_bytes: int,
    latest: NewsItem | None,
    zone: ZoneInfo = ZoneInfo("UTC"),
) -> NewsItem:
    """The item the form describes (given ``latest``, the next version of that item), or
    ``FormErrors`` naming every field at fault at once; its embargo is read in ``zone``
    (``form_zone``)."""
    errors: dict[str, str] = {}
    status = 0
    values: dict[str, Any] = {}  # each reader's own: read back below
    readers: dict[str, Callable[[], object]] = {
        "content": lambda: _content(form, w, max_bytes),
        "urgency": lambda: _urgency(form.get("urgency", ""), w),
        "embargo": lambda: _embargo(
            form.get("embargo", ""),
            w,
            latest.embargo_until if latest is not None else None,
            form_zone(form, w, zone),
        ),
        "subjects": lambda: _subjects(form, w),
        "language": lambda: _language(form.get("language", ""), w),
        "added": lambda: _added(form, w),
    }
    for name, read in readers.items():
        try:
            values[name] = read()
        except FormErrors as exc:
            errors.update(exc.errors)
            status = max(status, exc.status)
    signal = form.get("signal", "")
    if latest is not None and signal not in SIGNALS:
        errors["signal"] = w["err_signal"]
        status = max(status, 400)
    # The story keeps its status unless the editor changes it: sending usable always
    # released a withheld story with its next update, unseen. A form without the field
    # (opened before it existed) keeps the latest version's.
    kept = kept_status(latest) if latest is not None else "usable"
    pubstatus = form.get("pubstatus", kept)
    if latest is not None and pubstatus not in STATUSES:
        errors["pubstatus"] = w["err_pubstatus"]
        status = max(status, 400)
    if errors:
        raise FormErrors(errors, status)
    item: NewsItem = values["content"]
    detected = item.language if item.language != "und" else "ar"
    changes = dict(
        language=values["language"] or detected,
        urgency=values["urgency"],
        embargo_until=values["embargo"],
        subjects=values["subjects"],
        ednote=squash(form.get("ednote", ""))[:MAX_REASON],
    )
    pasted = bool(form.get("text", "").strip())
    if latest is None:
        item = msgspec.structs.replace(item, entities=list(values["added"]), **changes)
    else:
        others = [  # the source's subjects that are not Media Topics
            c for c in latest.subjects if c.creator != MACHINE and not taxonomy.qcode(c.code)
        ]
        changes["subjects"] = values["subjects"] + others
        item = msgspec.structs.replace(
            latest,
            headline=item.headline,
            lead=item.lead,
            body=item.body,
            body_html=item.body_html,
            dateline=item.dateline,
            byline=item.byline if pasted or item.byline else latest.byline,
            footer=item.footer if pasted else latest.footer,
            provider=item.provider or latest.provider,
            pubstatus=pubstatus,
            signal=signal,
            version=latest.version + 1,  # always the next one, even back to older content
            versioncreated=None,
            replaces=None,
            **changes,
        )
        added: list[Entity] = values["added"]
        item = about.corrected(latest, item, about.removed(form, latest), added)
    try:
        item = check_item(strip_unencodable(item))  # as every way in cleans an item
    except NewswireError as exc:
        field = exc.field if exc.field in ("urgency", "language", "embargo", "pubstatus") else "text"
        if not pasted and exc.field in CONTENT:
            field = exc.field
        raise FormErrors({field: item_error(w, exc)}, exc.status) from None
    # As the store compares them (``prepare``): a form's "usable" is another object than
    # the model's default, which the encoding leaves out, so the same item hashed apart.
    if latest is not None and fingerprint(canonical(item)) == fingerprint(canonical(latest)):
        raise FormErrors({"text": w["err_unchanged"].format(version=latest.version)})
    return item


# --- routes ------------------------------------------------------------------------------


@router.get("")
def home(request: Request) -> Response:
    """The latest items and the new-item form."""
    require(request, SCOPE)
    return form_page(request, {})


async def _post(
    request: Request, run: Callable[[dict[str, str]], Response | list[Receipt]]
) -> Response:
    """A console form: read it; in a thread check the login and the CSRF token and ``run``
    it; announce what ``run`` stored (its receipts) and go to the item's page. The login
    is checked before the body is read: only editors may send an item-sized form."""
    await run_in_threadpool(require, request, SCOPE)
    form = await read_form(request)

    def checked() -> Response | list[Receipt]:
        logged = require(request, SCOPE)
        check_csrf(request, form, logged)
        return run(form)

    result = await run_in_threadpool(checked)
    if isinstance(result, Response):
        return result
    await announce(request.app.state, result)
    target = f"{item_href(result[0].id)}?stored={result[0].version}"
    return RedirectResponse(target, 303, headers=sessions.HEADERS)


def _action(form: dict[str, str]) -> str:
    action = form.get("action", "")
    if action not in ("preview", "publish"):
        raise BadInput("press Preview or Publish", field="action")
    return action


@router.post("/items")
async def publish(request: Request) -> Response:
    """``action=preview``: the teaser and the subscriber view, nothing stored;
    ``action=publish``: store the item and go to its page."""
    settings = request.app.state.settings

    def run(form: dict[str, str]) -> Response | list[Receipt]:
        store, w = _store(request), words(request)
        action = _action(form)
        try:
            item = build(form, w, settings.max_item_bytes, None, zone_of(request))
        except FormErrors as exc:
            return form_page(request, form, status=exc.status, errors=exc.errors)
        if action == "preview":
            return form_page(request, form, preview=item)
        try:
            store.get(item.id)
        except NotFound:
            return append_enriched(store, [item], settings.enrich)
        errors = {"text": w["err_exists"], "exists": item_href(item.id)}
        return form_page(request, form, status=409, errors=errors)

    return await _post(request, run)


def _version(text: str | None) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise BadInput(f"{text[:20]!r} is not a version number", field="version")
    return int(text)


def item_context(request: Request, history: list[Stored]) -> dict[str, Any]:
    """The item page: the version asked for (else the latest), every version, whether the
    public sees it (``entitlement.public_version``, the public site's own rule) and its links."""
    now = utcnow()
    zone = zone_of(request)
    latest = history[-1]
    by_version = {s.item.version: s for s in history}
    asked = _version(request.query_params.get("version"))
    shown = by_version.get(asked) if asked else latest
    if shown is None:
        raise NotFound(f"no version {asked} of item {latest.item.id!r}", field="version")
    public = public_version(history, now)
    embargo = latest.item.embargo_until
    if public is not None:
        state = "gone" if public.item.pubstatus == "canceled" else "public"
    elif latest.item.pubstatus == "withheld":
        state = "withheld"
    elif embargo is not None and as_utc(embargo) > now and latest.item.pubstatus == "usable":
        state = "embargoed"
    else:
        state = "hidden"
    receipt = by_version.get(_version(request.query_params.get("stored")) or 0)
    base = request_base(request)
    media = shown.item.type in attach.MEDIA_TYPES
    logged = _logged(request)  # there: both pages are behind require()
    lang = sessions.ui_lang(request, logged.account if logged else None)
    return {
        "item": shown.item,
        "shown": entry(shown, now, zone),
        "latest": entry(latest, now, zone),
        "versions": [entry(s, now, zone) for s in reversed(history)],
        "state": state,
        "public_href": urls.item_path(latest.item),
        "public_url": base.rstrip("/") + urls.item_path(latest.item),
        "api_url": f"{base}v1/items/{quote(latest.item.id, safe='')}",
        "receipt": entry(receipt, now, zone) if receipt else None,
        "subjects": subject_labels(shown.item, lang),
        "annotations": about.rows(shown.item, lang, item_href),
        "later": about.later(_store(request), latest.item, item_href),
        "href": item_href(latest.item.id),
        "edit_href": item_href(latest.item.id) + ("/caption" if media else "/edit"),
        "media": attach.media_view(shown.item) if media else None,
        "attached": attach.rows(_store(request), shown.item),
    }


def item_page(
    request: Request, history: list[Stored], status: int = 200, **extra: Any
) -> Response:
    extra.setdefault("reason", "")
    extra.setdefault("errors", {})
    if history[-1].item.type == "video":  # its preview clip plays in the page
        csp = sessions.HEADERS["Content-Security-Policy"] + "; media-src 'self'"
        extra.setdefault("headers", {"Content-Security-Policy": csp})
    return page(request, "console_item.html", status, **item_context(request, history), **extra)


@router.get("/items/{item_id:path}/edit")
def edit_page(request: Request, item_id: str) -> Response:
    """The form holding the latest version, for ``?signal=update`` (the default) or
    ``?signal=correction``."""
    require(request, SCOPE)
    latest = _editable(_store(request), item_id, words(request))
    signal = request.query_params.get("signal", "")
    if latest.item.type in attach.MEDIA_TYPES:  # its own form: no text, the same files
        target = f"{item_href(item_id)}/caption?signal={quote(signal)}"
        return RedirectResponse(target, 303, headers=sessions.HEADERS)
    chosen = signal if signal in SIGNALS else "update"
    return form_page(request, prefill(latest.item, chosen, zone_of(request)), latest=latest)


def _editable(store: Store, item_id: str, w: dict[str, str]) -> Stored:
    latest = store.versions(item_id)[-1]  # NotFound: a 404 page
    if latest.item.pubstatus == "canceled":
        raise Conflict(w["err_withdrawn"], field="id")
    return latest


def prefill(item: NewsItem, signal: str, zone: ZoneInfo) -> dict[str, str]:
    """The edit form holding ``item`` (top-level Media Topics ticked, others typed: the
    source's and editors' subjects; the machine's are listed with the other annotations),
    its embargo in ``zone``."""
    codes = [q for c in item.subjects if c.creator != MACHINE and (q := taxonomy.qcode(c.code))]
    embargo = item.embargo_until
    zone = zones.clock_zone(embargo, zone) if embargo else zone  # UTC past the calendar's end
    form = {
        "headline": item.headline,
        "lead": item.lead,
        "dateline": (item.dateline.text or item.dateline.place) if item.dateline else "",
        "body": "\n".join(item.body),
        "urgency": str(item.urgency) if item.urgency else "",
        "embargo": zones.local_input(embargo, zone) if embargo else "",
        "embargo_zone": zone.key,
        "subjects": ", ".join(c for c in codes if c not in TOP_TOPICS),
        "language": item.language,
        "ednote": item.ednote,
        "signal": signal,
        "pubstatus": item.pubstatus if item.pubstatus in STATUSES else "usable",
        "based_on": str(item.version),
    }
    form.update({f"topic_{c[7:]}": "on" for c in codes if c in TOP_TOPICS})
    return form


def check_based_on(
    form: dict[str, str], latest: Stored, w: dict[str, str], zone: ZoneInfo
) -> None:
    """``FormErrors`` (409) when the version the form was opened on (``based_on``) is no
    longer the latest: two editors correcting one item, or one in two tabs, would else
    each store a version made from the same one, the later silently undoing the other's
    change. The form then holds the latest version's number: pressed again, after the
    editor has compared, it stores the text as it stands. A form without the field (sent
    by a script) is not checked."""
    based = form.get("based_on", "")
    current = str(latest.item.version)
    if not based or based == current:
        return
    form["based_on"] = current
    when = when_text(latest.stored_at, zone)
    message = w["err_changed"].format(version=current, when=when, based=based)
    raise FormErrors({"based_on": message}, 409)


@router.post("/items/{item_id:path}/edit")
async def edit(request: Request, item_id: str) -> Response:
    """Preview, or store, the next version of an item: an update or a correction."""
    settings = request.app.state.settings

    def run(form: dict[str, str]) -> Response | list[Receipt]:
        store, w = _store(request), words(request)
        action = _action(form)
        latest = _editable(store, item_id, w)
        if latest.item.type in attach.MEDIA_TYPES:
            raise BadInput("a picture or video is edited on its caption page", field="id")
        try:
            check_based_on(form, latest, w, zone_of(request))
            item = build(form, w, settings.max_item_bytes, latest.item, zone_of(request))
        except FormErrors as exc:
            return form_page(request, form, status=exc.status, errors=exc.errors, latest=latest)
        if action == "preview":
            return form_page(request, form, preview=item, latest=latest)
        return append_enriched(store, [attach.refreshed(store, item)], settings.enrich)

    return await _post(request, run)


@router.post("/items/{item_id:path}/withdraw")
async def withdraw(request: Request, item_id: str) -> Response:
    """Withdraw an item: a new version with pubstatus canceled and the reason as its note,
    sent to everyone who received the item; its public page answers 410 from then on."""

    def run(form: dict[str, str]) -> Response | list[Receipt]:
        store, w = _store(request), words(request)
        history = store.versions(item_id)
        reason = squash(form.get("reason", ""))
        error, status = "", 400
        try:
            # The API's and the CLI's rule: a reason a kill notice can carry in every format
            # (a control character in it made the XML formats fail for every subscriber).
            reason = withdrawal_reason(reason)
        except BadInput:
            if len(reason) > MAX_REASON:
                error = w["err_reason_long"].format(limit=MAX_REASON)
            elif bad := xml_unsafe(reason):
                error = w["err_reason_char"].format(code=f"U+{ord(bad):04X}")
            else:  # blank, or marks no one sees
                error = w["err_reason"]
        if not error and history[-1].item.pubstatus == "canceled":
            error, status = w["err_withdrawn_already"], 409
        if error:
            return item_page(
                request, history, status, reason=form.get("reason", ""), errors={"reason": error}
            )
        return [store.withdraw(item_id, reason)]

    return await _post(request, run)


@router.get("/items/{item_id:path}")
def item(request: Request, item_id: str) -> Response:
    """An item as the agency sees it: any version, embargoed or withdrawn."""
    require(request, SCOPE)
    return item_page(request, _store(request).versions(item_id))

"""The portal's item pages: ``/portal/items/{id}`` (the item as entitled, its versions,
a diff between two, its subjects, places, people and organisations as links to the wire
filtered by them, its story thread) and ``/portal/items/{id}/download?format=`` (the item
as ``GET /v1/items/{id}`` renders it).

Every version is judged with the one entitlement rule (``newswire.access.entitlement``:
``visible``, ``versions_seen``) and shown through the renderer's view at its access level, so a
teaser-only subscriber gets the teaser on the page, in each version, in the diff and in
every download, never the full body.
"""

from __future__ import annotations

import difflib
from typing import Any
from urllib.parse import quote

from fastapi import Request
from starlette.responses import Response

from newswire import formats
from newswire.access import taxonomy
from newswire.access.auth import Principal
from newswire.access.entitlement import Access, codec_for, versions_seen, visible
from newswire.delivery.renderer import Renderer
from newswire.enrich.base import SAME_STORY
from newswire.errors import BadInput, NotFound
from newswire.model import MACHINE, Association, EntityKind, NewsItem, from_uri, utcnow
from newswire.store.base import Store, Stored
from newswire.web import sessions
from newswire.web.portal import files
from newswire.web.portal.live import MAX_ENTITY, entry, item_href
from newswire.web.portal.pages import PortalRoute, clock_of, heading, render
from newswire.web.routing import Router
from newswire.web.sessions import LoggedIn, require
from newswire.web.urls import request_base

router = Router(prefix="/portal", include_in_schema=False, route_class=PortalRoute)


def download_formats(principal: Principal) -> list[str]:
    allowed = principal.subscriber.formats if principal.subscriber else []
    return [
        name
        for name in formats.renderers()
        if not formats.get(name).is_feed and (not allowed or name in allowed)
    ]


def paragraphs(item: NewsItem) -> list[str]:
    return [p for p in (item.headline, item.lead, *item.body) if p and p.strip()]


def diff(old: list[str], new: list[str]) -> list[list[tuple[str, str]]]:
    """Paragraphs of ``new`` against ``old``, each a list of (``same``/``ins``/``del``,
    text) pieces: changed paragraphs word by word, added and removed ones whole."""
    out: list[list[tuple[str, str]]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.extend([[("same", p)] for p in new[b1:b2]])
        elif op == "replace" and a2 - a1 == b2 - b1:
            out.extend(_words(a, b) for a, b in zip(old[a1:a2], new[b1:b2], strict=True))
        else:
            out.extend([[("del", p)] for p in old[a1:a2]])
            out.extend([[("ins", p)] for p in new[b1:b2]])
    return out


def _words(old: str, new: str) -> list[tuple[str, str]]:
    a, b = old.split(" "), new.split(" ")
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(("same", " ".join(b[b1:b2])))
            continue
        if a2 > a1:
            pieces.append(("del", " ".join(a[a1:a2])))
        if b2 > b1:
            pieces.append(("ins", " ".join(b[b1:b2])))
    return pieces


NAMED_KINDS: tuple[tuple[EntityKind, str], ...] = (
    ("place", "places"),
    ("person", "people"),
    ("organisation", "organisations"),
)
"""The kinds of entity the item page lists, each under its heading (a word's key)."""
THREAD_SIZE = 20
"""The most story-thread links the page shows."""
THREAD_LOOKS = 2 * THREAD_SIZE
"""The most stories linking to an item its page reads to find those its reader may see."""


def named(item: NewsItem, lang: str) -> dict[str, list[dict[str, Any]]]:
    """The item's subjects, places, people and organisations, each once, as links to the
    wire filtered by it (a subject by its Media Topic code, anything else by its id, or its
    name when it has none): ``{"subjects": [{label, href, machine}], "places": ...}``. A
    subject that is no Media Topic the wire can filter by is listed without a link."""
    out: dict[str, list[dict[str, Any]]] = {"subjects": []}
    seen: set[tuple[str, str]] = set()
    for concept in item.subjects:
        code = taxonomy.qcode(concept.code) or taxonomy.qcode(concept.uri)
        known = bool(code) and taxonomy.known(code)
        label = (taxonomy.label(code, lang) if known else "") or concept.name or concept.code
        if not label or ("subject", code or label) in seen:
            continue
        seen.add(("subject", code or label))
        out["subjects"].append(
            {
                "label": label,
                "href": "/portal?subject=" + quote(code, safe=":") if known else "",
                "machine": concept.creator == MACHINE,
            }
        )
    for kind, key in NAMED_KINDS:
        out[key] = []
        for entity in item.entities_of(kind):
            wanted = entity.id if entity.id and len(entity.id) <= MAX_ENTITY else entity.name
            if not entity.name or not wanted or (kind, wanted) in seen:
                continue
            seen.add((kind, wanted))
            out[key].append(
                {
                    "label": entity.name,
                    "href": "/portal?entity=" + quote(wanted, safe=""),
                    "machine": entity.creator == MACHINE,
                }
            )
    return out


def thread(store: Store, principal: Principal, item: NewsItem) -> list[dict[str, Any]]:
    """The stories ``item`` is linked with (associations of type text: the same story
    under another id, or a related one), those the principal may see, with their
    headline: first those ``item`` links to (its associations, in their order), then
    those that link to it (``linking``: the stories whose latest version links to it,
    the most recently stored first, ``Store.linking``: the same story filed again, its
    follow-ups), each once, at most ``THREAD_SIZE`` in all, half of them kept for those
    linking when there are as many: an original's page shows its newest developments,
    however many stories it links to itself.
    A withdrawn story is listed, marked (its link stays until ``newswire enrich --all``)."""
    linked = _links_to(store, principal, item)
    room = THREAD_SIZE - min(len(linked), THREAD_SIZE // 2)
    linking = _linked_from(store, principal, item, {item.id, *(s["id"] for s in linked)}, room)
    return linked[: THREAD_SIZE - len(linking)] + linking


def _links_to(store: Store, principal: Principal, item: NewsItem) -> list[dict[str, Any]]:
    """The stories ``item``'s associations link to that the principal may see."""
    out: list[dict[str, Any]] = []
    seen = {item.id}
    for association in item.associations:
        if association.type != "text" or from_uri(association.id) in seen:
            continue
        seen.add(from_uri(association.id))
        try:
            shown, _ = visible(principal, store, association.id, None)
        except NotFound:
            continue  # not the subscriber's, under embargo, or not there: not linked
        out.append(_story(shown, association, association.headline))
        if len(out) >= THREAD_SIZE:
            break
    return out


def _linked_from(
    store: Store, principal: Principal, item: NewsItem, seen: set[str], want: int
) -> list[dict[str, Any]]:
    """Up to ``want`` of the stories linking to ``item`` that the principal may see, as
    the version it sees links (not the latest, when that is one it may not see yet: an
    update under embargo tells nothing of its links), the most recently stored first. At
    most ``THREAD_LOOKS`` of them are read: a page view costs a bounded number of reads,
    whatever the archive holds."""
    out: list[dict[str, Any]] = []
    if item.type != "text":
        # Stories link a picture or a video as such (its type), never as a story: asking
        # for the stories among them would read every story the picture illustrates.
        return out
    looked, before = 0, None
    while len(out) < want and looked < THREAD_LOOKS:
        asked = min(THREAD_SIZE, THREAD_LOOKS - looked)
        page = store.linking(item.id, type="text", before=before, limit=asked)
        for link in page:
            looked += 1
            if link.id in seen:
                continue
            seen.add(link.id)
            try:
                shown, _ = visible(principal, store, link.id, None)
            except NotFound:
                continue  # not the subscriber's, under embargo, or gone meanwhile
            association = next(
                (
                    a
                    for a in shown.item.associations
                    if a.type == "text" and from_uri(a.id) == item.id
                ),
                None,
            )
            if association is None:
                continue  # its latest version links, not the one the reader may see
            out.append(_story(shown, association, linking=True))
            if len(out) >= want:
                break
        if len(page) < asked:
            break
        before = page[-1].seq
    return out


def _story(
    shown: Stored, association: Association, label: str = "", *, linking: bool = False
) -> dict[str, Any]:
    """A story of the thread as the page lists it (``label``: a headline to fall back on)."""
    return {
        "id": shown.item.id,
        "href": item_href(shown.item.id),
        "headline": shown.item.headline or label or shown.item.id,
        "language": shown.item.language,
        "same": association.rel == SAME_STORY,
        "machine": association.creator == MACHINE,
        "withdrawn": shown.item.pubstatus == "canceled",
        "linking": linking,
    }


def item_view(request: Request, logged: LoggedIn, item_id: str) -> dict[str, Any]:
    """Everything the item page shows (in a worker thread: it reads the store)."""
    p = request.query_params
    version = _int(p.get("version"), "version")
    store: Store = request.app.state.store
    renderer: Renderer = request.app.state.renderer
    principal = logged.principal
    stored, g = visible(principal, store, item_id, version)
    item = renderer.view(stored.item, g.access)
    versions: dict[int, tuple[Stored, Access]] = {
        s.item.version: (s, found.access)
        for s, found in versions_seen(principal.products, store.versions(item_id), utcnow())
    }
    changes = None
    a, b = _int(p.get("from"), "from"), _int(p.get("to"), "to")
    if a and b:
        if a not in versions or b not in versions:
            raise NotFound(
                f"no version {a if a not in versions else b} of item {item_id!r}", field="version"
            )
        old = renderer.view(versions[a][0].item, versions[a][1])
        new = renderer.view(versions[b][0].item, versions[b][1])
        changes = {"from": a, "to": b, "paragraphs": diff(paragraphs(old), paragraphs(new))}
    quoted = quote(item_id, safe=":@")
    lang = sessions.ui_lang(request, logged.account)
    tags = named(item, lang)
    clock = clock_of(request, lang)
    showable = not g.embargoed and stored.item.pubstatus != "canceled"
    return {
        "item": item,
        "heading": heading(item),
        "picture": files.picture(item, g.access) if showable else None,
        "files": files.downloads(item) if showable else [],
        "gallery": files.gallery(store, principal, stored.item, renderer.view) if showable else [],
        "entry": entry(stored, item, g.access, g.embargoed, clock),
        "when": clock.stamp(item.versioncreated or stored.stored_at),
        "versions": [
            {
                "version": v,
                "time": clock.stamp(s.item.versioncreated or s.stored_at),
                "signal": s.item.signal or "",
                "withdrawn": s.item.pubstatus == "canceled",
                "access": access,
                "href": f"/portal/items/{quoted}?version={v}",
                "current": v == item.version,
            }
            for v, (s, access) in sorted(versions.items(), reverse=True)
        ],
        "changes": changes,
        "downloads": [
            (
                name,
                formats.get(name).label,
                f"/portal/items/{quoted}/download?format={name}&version={item.version}",
            )
            for name in download_formats(principal)
        ],
        "diff_action": f"/portal/items/{quoted}",
        "named": tags,
        "machine_tags": any(tag["machine"] for listed in tags.values() for tag in listed),
        "thread": thread(store, principal, item),
    }


def _int(text: str | None, field: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise BadInput(f"{text[:20]!r} is not a version number", field=field)
    return int(text)


_EXTENSIONS = {"json": "json", "xml": "xml"}


@router.get("/items/{item_id:path}/download")
def download(request: Request, item_id: str) -> Response:
    """The item in a format the subscriber may use, as ``GET /v1/items/{id}`` gives it."""
    logged = require(request)
    principal = logged.principal
    codec = codec_for(
        principal, request.query_params.get("format") or "ninjs", request.headers.get("accept")
    )
    stored, g = visible(
        principal,
        request.app.state.store,
        item_id,
        _int(request.query_params.get("version"), "version"),
    )
    data = request.app.state.renderer.render_as(codec, stored, g.access, request_base(request))
    if principal.subscriber is not None and request.method == "GET":  # a HEAD gets no file
        request.app.state.meter.add(principal.subscriber.name, "portal", g.product)
    suffix = codec.media_type.rsplit("+", 1)[-1].rsplit("/", 1)[-1]
    extension = _EXTENSIONS.get(suffix.split(";")[0], "txt")
    name = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in stored.item.id)
    # The format in the name: NewsML-G2 and NITF (ninjs 3 and 2) of one version are
    # different files, and a second download must not be taken for the first one again.
    filename = f"{name[-60:].strip('-') or 'item'}-v{stored.item.version}-{codec.name}.{extension}"
    return Response(
        data,
        media_type=codec.media_type,
        headers={
            **sessions.HEADERS,
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Newswire-Access": g.access,
        },
    )


@router.get("/items/{item_id:path}")
def item_page(request: Request, item_id: str) -> Response:
    logged = require(request)
    view = item_view(request, logged, item_id)
    shown = [view["picture"] or {}, *view["gallery"]]
    if any(p.get("video") for p in shown):  # a preview clip plays in the page
        csp = sessions.HEADERS["Content-Security-Policy"] + "; media-src 'self'"
        return render(request, "portal_item.html", headers={"Content-Security-Policy": csp}, **view)
    return render(request, "portal_item.html", **view)

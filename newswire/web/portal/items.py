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
from newswire.delivery.thread import Linked
from newswire.delivery.thread import thread as stories
from newswire.enrich.base import SAME_STORY
from newswire.errors import BadInput, NotFound
from newswire.model import MACHINE, EntityKind, NewsItem, utcnow
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
    """The item's story thread as the page lists it (``newswire.delivery.thread``: both
    ways, those the principal may see, bounded)."""
    return [_story(linked) for linked in stories(store, principal, item)]


def _story(linked: Linked) -> dict[str, Any]:
    """A story of the thread as the page lists it."""
    item, association = linked.shown.item, linked.association
    return {
        "id": item.id,
        "href": item_href(item.id),
        "headline": linked.headline,
        "language": item.language,
        "same": association.rel == SAME_STORY,
        "machine": association.creator == MACHINE,
        "withdrawn": item.pubstatus == "canceled",
        "linking": linked.linking,
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

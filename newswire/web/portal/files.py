"""The files of picture, video and graphic items in the portal: thumbnails on the wire, a
story's gallery, and a download of each rendition the subscriber may have.

**The portal serves them itself**, at ``/portal/items/{id}/renditions/{name}?version=``,
rather than handing out signed links: a portal user has no API key to sign a link for,
and a link signed for the public opens only what the public site shows. Each request
checks the session and judges the file with the API's rule
(``newswire.delivery.files.rendition_seen``) for the session's subscriber, then streams
the blob (``files.send``: ``ETag``, one ``Range``): full access gets every rendition; teaser access only
``thumbnail`` and ``preview`` (403 for the others, whatever the URL asks for); nobody
gets anything of an item under embargo or withdrawn, nor of one outside their products
(404). Answers are ``private``: a shared cache never keeps them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response

from newswire.access.auth import Principal
from newswire.access.entitlement import Grant, visible
from newswire.delivery import files
from newswire.errors import BadInput, NotFound
from newswire.model import NewsItem, Rendition
from newswire.store.base import Store, Stored
from newswire.web import sessions
from newswire.web.i18n import alt_text
from newswire.web.portal.pages import PortalRoute
from newswire.web.routing import Router
from newswire.web.sessions import require

router = Router(prefix="/portal", include_in_schema=False, route_class=PortalRoute)

MEDIA_TYPES = ("picture", "graphic", "video")
GALLERY = 12
"""Associated items looked at, at most, for a story's gallery."""
CACHE = "private, max-age=300"
"""A browser may keep a file a few minutes (a version's files never change)."""
_KINDS = {"jpeg": "JPEG", "png": "PNG", "webp": "WebP", "mp4": "MP4", "quicktime": "MOV"}


def href(item: NewsItem, name: str, download: bool = False) -> str:
    """The portal's address of a rendition of this version of ``item``."""
    quoted = quote(item.id, safe=":@")
    path = f"/portal/items/{quoted}/renditions/{quote(name, safe='')}?version={item.version}"
    return path + ("&download=1" if download else "")


def _kept(item: NewsItem, name: str) -> Rendition | None:
    return next((r for r in item.renditions if r.name == name and r.blob), None)


def size_text(size: int | None) -> str:
    """``5.2 MB``, ``830 KB``, ``512 B``."""
    if size is None:
        return ""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1000:
        return f"{size / 1000:.0f} KB"
    return f"{size} B"


def detail(rendition: Rendition) -> str:
    """``4000×3000 JPEG 5.2 MB``: what a download is, but for its name (``label``)."""
    subtype = rendition.content_type.split("/")[-1].split(";")[0]
    parts = [
        f"{rendition.width}×{rendition.height}" if rendition.width and rendition.height else "",
        _KINDS.get(subtype, subtype.upper()),
        f"{rendition.duration:.0f} s" if rendition.duration else "",
        size_text(rendition.size),
    ]
    return " ".join(p for p in parts if p)


def label(rendition: Rendition) -> str:
    """``original 4000×3000 JPEG 5.2 MB``."""
    return " ".join(p for p in (rendition.name, detail(rendition)) if p)


def downloads(item: NewsItem) -> list[dict[str, str]]:
    """A download of each rendition newswire keeps of ``item`` *as the subscriber sees
    it* (``Renderer.view``: a teaser has only the small ones): its ``name`` (which the
    pages say in the reader's language, ``rendition_<name>`` of the words), its
    ``detail`` and ``label``."""
    return [
        {
            "name": r.name,
            "label": label(r),
            "detail": detail(r),
            "href": href(item, r.name, download=True),
        }
        for r in item.renditions
        if r.blob
    ]


def _showable(stored: Stored, g: Grant) -> bool:
    return not g.embargoed and stored.item.pubstatus != "canceled"


def picture(item: NewsItem, access: str) -> dict[str, Any] | None:
    """A picture, graphic or video item as the gallery and the wire show it (``item`` as
    the subscriber sees it: ``Renderer.view``). A video plays its ``preview`` clip (which
    teaser access has too) with its poster frame at the clip's size (``previewPoster``,
    which teaser access has too); a video stored before there was one shows the
    full-size ``poster`` to full access, the ``thumbnail`` (smaller) to the others."""
    if item.type not in MEDIA_TYPES:
        return None
    preview, small = _kept(item, "preview"), _kept(item, "thumbnail")
    still = small if item.type == "video" or preview is None else preview
    small = small or still
    if still is None or small is None:
        return None
    clip = preview if preview is not None and preview.content_type.startswith("video/") else None
    poster = (
        (_kept(item, "previewPoster") or _kept(item, "poster") or still)
        if clip is not None else None
    )
    return {
        "video": href(item, clip.name) if clip is not None else "",
        "video_type": clip.content_type if clip is not None else "",
        "poster": href(item, poster.name) if poster is not None else "",
        "duration": clip.duration if clip is not None else None,
        "id": item.id,
        "href": "/portal/items/" + quote(item.id, safe=":@"),
        "src": href(item, still.name),
        "thumb": href(item, small.name),
        "thumb_width": small.width,
        "thumb_height": small.height,
        "width": (clip or still).width,
        "height": (clip or still).height,
        "alt": alt_text(item.description, item.headline),
        "caption": item.description,
        "credit": item.credit,
        "headline": item.headline,
        "language": item.language,
        "type": item.type,
        "access": access,
    }


def gallery(
    store: Store, principal: Principal, item: NewsItem, view: Any, limit: int = GALLERY
) -> list[dict[str, Any]]:
    """The story's associated pictures and videos the subscriber may see now (not under
    embargo, not withdrawn), each as its access allows (``view``: ``Renderer.view``),
    with its downloads."""
    out: list[dict[str, Any]] = []
    for stored, g in _associated(store, principal, item, limit):
        seen = view(stored.item, g.access)
        shown = picture(seen, g.access)
        if shown is not None:
            shown["downloads"] = downloads(seen)
            out.append(shown)
    return out


def thumbnail(
    store: Store, principal: Principal, stored: Stored, g: Grant
) -> dict[str, Any] | None:
    """A wire row's thumbnail: a picture or video item's own, or a story's first
    associated picture the subscriber may see; None when there is none to show."""
    if not _showable(stored, g):
        return None
    item = stored.item
    if item.type in MEDIA_TYPES:
        # The row's headline is the picture's own, linked beside the thumbnail: alt text
        # is the caption or nothing, or a screen reader says the headline twice.
        own = picture(item, g.access)
        if own is not None:
            own["alt"] = alt_text(item.description)
        return own
    for found, grant in _associated(store, principal, item, GALLERY):
        shown = picture(found.item, grant.access)
        if shown is not None:
            return shown
    return None


def _associated(
    store: Store, principal: Principal, item: NewsItem, limit: int
) -> Iterator[tuple[Stored, Grant]]:
    """The story's associated pictures and videos the subscriber may see now (not under
    embargo, not withdrawn), in order, each with how."""
    for association in item.associations[:limit]:
        if association.type not in MEDIA_TYPES or association.id == item.id:
            continue
        try:
            stored, g = visible(principal, store, association.id, None)
        except NotFound:
            continue
        if _showable(stored, g):
            yield stored, g


def _file(request: Request, item_id: str, name: str) -> tuple[Rendition, str]:
    """The rendition asked for, if the session's subscriber may have it (in a thread): the
    API's rule (``files.rendition_seen``)."""
    logged = require(request)
    text = request.query_params.get("version") or ""
    if text and (not text.isdigit() or len(text) > 9):
        raise BadInput(f"{text[:20]!r} is not a version number", field="version")
    histories = request.app.state.histories
    history = histories.get(item_id) or histories.load(item_id)
    version = int(text) if text else None
    _, g, found = files.rendition_seen(logged.principal.products, history, version, name, item_id)
    subscriber = logged.principal.subscriber
    if request.query_params.get("download") and subscriber is not None and request.method == "GET":
        request.app.state.meter.add(subscriber.name, "portal", g.product)
    return found, files.filename(found, item_id)


def _unsatisfiable(size: int) -> Response:
    return PlainTextResponse(f"the file has {size} bytes", 416, headers=sessions.HEADERS)


@router.api_route("/items/{item_id:path}/renditions/{name}", methods=["GET", "HEAD"])
async def rendition(request: Request, item_id: str, name: str) -> Response:
    """A rendition's file, as the session's subscriber may have it."""
    found, filename = await run_in_threadpool(_file, request, item_id, name)
    download = bool(request.query_params.get("download"))
    headers = {k: v for k, v in sessions.HEADERS.items() if k.lower() != "cache-control"}
    return await files.send(
        request,
        request.app.state.blobs,
        found,
        CACHE,
        filename,
        _unsatisfiable,
        disposition="attachment" if download else "inline",
        extra=headers,
    )

"""A story's pictures and videos in the console: what its pages show of them, and the
next version of a story with one attached, detached or moved.

A story carries them as ``NewsItem.associations`` (by item id, ninjs ``associations``);
the console offers the recent picture, graphic and video items to pick, or an id typed.
Their images are shown through the console's own file route (``file_href``), which asks
for the editor's session, so an embargoed picture is seen by editors only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec

from newswire.errors import NotFound
from newswire.media.associations import with_files
from newswire.model import MACHINE, Association, NewsItem
from newswire.store import Store
from newswire.store.base import Stored

MEDIA_TYPES = ("picture", "graphic", "video")
CHOICES = 30
"""Recent media items offered to attach."""
SCAN = 300
"""Latest items looked through for them."""
MAX_ASSOCIATIONS = 50


def file_href(item_id: str, version: int, name: str) -> str:
    """The console's link to a version's rendition (``media.rendition``)."""
    return f"/console/items/{quote(item_id, safe=':@')}/versions/{version}/renditions/{name}"


def image_of(item: NewsItem, *names: str) -> str:
    """The console link to the first of the renditions ``names`` that ``item`` has a file
    of ("": none)."""
    have = {r.name for r in item.renditions if r.blob}
    name = next((n for n in names if n in have), None)
    return file_href(item.id, item.version, name) if name else ""


def media_view(item: NewsItem) -> dict[str, Any]:
    """What a media item's console page shows of its files: the image (a picture's
    ``web`` rendition, a video's ``poster``), a video's ``preview`` clip, every rendition."""
    return {
        "image": image_of(item, "web", "preview", "poster", "thumbnail"),
        "video": image_of(item, "preview") if item.type == "video" else "",
        "poster": image_of(item, "poster"),
        "renditions": [
            {
                "name": r.name,
                "href": file_href(item.id, item.version, r.name),
                "type": r.content_type,
                "size": f"{r.width}×{r.height}" if r.width and r.height else "",
                "bytes": f"{r.size:,}" if r.size is not None else "",
            }
            for r in item.renditions
            if r.blob
        ],
    }


def rows(store: Store, item: NewsItem) -> list[dict[str, Any]]:
    """A story's associations as its pages list them, each with its thumbnail when the
    item is here (the machine's links to the same story's items are listed apart)."""
    out = []
    for n, a in enumerate(item.associations):
        if a.creator == MACHINE and a.type == "text":
            continue
        thumb = own = ""
        try:
            found = store.get(a.id).item
            thumb = image_of(found, "thumbnail", "preview")
            own = found.headline
        except NotFound:
            pass
        out.append({"n": n, "id": a.id, "type": a.type, "headline": a.headline or own or a.id,
                    "thumb": thumb, "href": "/console/items/" + quote(a.id, safe=":@")})
    return out


def choices(store: Store, taken: NewsItem | None = None) -> list[dict[str, Any]]:
    """The recent media items not withdrawn (and not already attached to ``taken``)."""
    attached = {a.id for a in taken.associations} if taken is not None else set()
    out = []
    for stored in store.latest(limit=SCAN):
        item = stored.item
        if item.type in MEDIA_TYPES and item.pubstatus != "canceled" and item.id not in attached:
            out.append({"id": item.id, "type": item.type, "headline": item.headline or item.id,
                        "thumb": image_of(item, "thumbnail", "preview")})
            if len(out) == CHOICES:
                break
    return out


def attached(story: NewsItem, media: Stored) -> NewsItem:
    """``story`` with ``media`` associated last (its name ``featuremedia`` if it is the
    first picture, else its type and a number), carrying its headline and files unless it
    is held past the story's release (``newswire.media.associations``)."""
    item = media.item
    kind = item.type if item.type in MEDIA_TYPES else "picture"
    name = "featuremedia" if not story.associations else f"{kind}{len(story.associations) + 1}"
    association = with_files(Association(id=item.id, type=kind, name=name), item, story)
    return msgspec.structs.replace(story, associations=[*story.associations, association])


def refreshed(store: Store, story: NewsItem) -> NewsItem:
    """``story`` with each association to a media item this store holds as ``with_files``
    has it now (the others as they are): an edit may move the story's release before its
    picture's lift, or the picture may have been withdrawn since it was attached, and the
    headline and files its association took then must not go out with it."""
    associations = []
    for a in story.associations:
        try:
            media = store.get(a.id).item if a.creator != MACHINE else None
        except NotFound:
            media = None
        associations.append(a if media is None else with_files(a, media, story))
    if associations == story.associations:
        return story
    return msgspec.structs.replace(story, associations=associations)


def detached(story: NewsItem, n: int) -> NewsItem:
    kept = [a for i, a in enumerate(story.associations) if i != n]
    return msgspec.structs.replace(story, associations=renamed(kept))


def moved(story: NewsItem, n: int, step: int) -> NewsItem:
    """``story`` with association ``n`` moved ``step`` places (-1 up, 1 down)."""
    order = list(story.associations)
    other = n + step
    if 0 <= n < len(order) and 0 <= other < len(order):
        order[n], order[other] = order[other], order[n]
    return msgspec.structs.replace(story, associations=renamed(order))


def renamed(order: list[Association]) -> list[Association]:
    """The first is the story's ``featuremedia``: names follow the order."""
    return [
        msgspec.structs.replace(
            a, name="featuremedia" if i == 0 else f"{a.type}{i + 1}"
        )
        for i, a in enumerate(order)
    ]

"""The public site's pictures: a story's first picture, a picture or video item's preview,
the thumbnails of the home pages, each through a link signed for the public.

**Which picture.** A story shows the first of its associated pictures or videos
(``associations`` of type picture, graphic or video, in order) that the public site
itself would show, a video played as its own page plays it: its latest
public version (``public_version``: published, not under embargo, not withdrawn) is
usable and has a ``preview`` newswire keeps. Never the original: a teaser has only the
``thumbnail``, ``preview`` and ``previewPoster`` (``TEASER_RENDITIONS``), and a link
signed for ``public`` opens nothing else (``newswire.api.media``). A video shows its
``preview`` MP4 with its ``previewPoster`` (a frame at the clip's size) as the poster;
one stored before videos had it, with its ``thumbnail`` (the full-size ``poster`` is
not a teaser's).

**How long a link lives.** Public pages are cached (``cache.PAGE``: a minute, then up to
five stale) in this process's LRUs and in every cache between here and the reader, so a
page's links must outlive any copy of it. Links are signed per day (``WINDOW``): every
link made during one UTC day expires ``LIFETIME`` (two days) after the day began, so the
same page renders to the same bytes all day (one ``ETag``, one entry in the LRU), and a
link on any page made that day still works a full day after the last such page was
made, far longer than any copy of the page is kept. The day is part of the page's key
and ``ETag``; a page without pictures does not change with it.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

from newswire.access import signing
from newswire.access.entitlement import public_version
from newswire.delivery.renderer import rendition_path
from newswire.errors import NotFound
from newswire.model import NewsItem, Rendition, as_utc
from newswire.store import Store
from newswire.store.base import Stored
from newswire.web.i18n import alt_text

WINDOW = 24 * 3600
"""Links are signed per UTC day: the same link all day long."""
LIFETIME = 2 * WINDOW
"""A link expires two days after its day began: at least a day after it was last put in
a page (a page is kept a minute, served stale five more at most)."""
STORY_MEDIA = ("picture", "graphic", "video")
"""What a story's page may show of its associations: a story illustrated by a video alone
showed nothing when only pictures counted, though the video's own page plays it."""
SCAN = 8
"""Associations looked at, at most, for a story's picture."""

_SECRET_LOCK = threading.Lock()


def window(now: float | None = None) -> int:
    """The start (Unix seconds) of the signing window ``now`` is in."""
    at = time.time() if now is None else now
    return int(at // WINDOW) * WINDOW


def secret(store: Store, kept: dict[str, bytes]) -> bytes:
    """The deployment's signing secret, read once per process and ``kept``."""
    found = kept.get("secret")
    if found is None:
        with _SECRET_LOCK:
            found = kept.get("secret")
            if found is None:
                found = kept["secret"] = store.coordination.secret(signing.SECRET_NAME)
    return found


def rendition(item: NewsItem, name: str) -> Rendition | None:
    """The rendition ``name`` newswire keeps of ``item``, if it has one."""
    return next((r for r in item.renditions if r.name == name and r.blob), None)


def link(key: bytes, item: NewsItem, name: str, day: int) -> str:
    """The root-relative link to ``item``'s rendition ``name``, signed for the public for
    the window starting at ``day``."""
    path = rendition_path(item.id, item.version, name)
    return path + "?" + signing.sign(key, path, signing.PUBLIC, LIFETIME, now=day)


def first_picture(store: Store, item: NewsItem, now: datetime) -> tuple[Stored | None, float]:
    """The public version of ``item``'s first associated picture or video the public site
    shows (None: none), and when that may change (an association's embargo lifts; ``inf``)."""
    until = float("inf")
    if item.type != "text":
        return None, until
    for association in [a for a in item.associations if a.type in STORY_MEDIA][:SCAN]:
        if association.id == item.id:
            continue
        try:
            history = store.versions(association.id)
        except NotFound:
            continue
        for stored in history:
            lift = stored.item.embargo_until
            if lift is not None and as_utc(lift) > now:
                until = min(until, as_utc(lift).timestamp())
        found = public_version(history, now)
        if found is None or found.item.pubstatus != "usable":
            continue
        if found.item.type in STORY_MEDIA and rendition(found.item, "preview") is not None:
            return found, until
    return None, until


def shown(store: Store, item: NewsItem, now: datetime) -> NewsItem | None:
    """The item whose ``preview`` the public shows for ``item`` (a public version): a
    picture, graphic or video item itself, a story's first picture (``first_picture``);
    None when there is none."""
    if has_media(item):
        return item
    found, _ = first_picture(store, item, now)
    return found.item if found is not None else None


def has_media(item: NewsItem) -> bool:
    """Whether the page of ``item`` itself shows its files (a picture, video, graphic)."""
    return item.type in ("picture", "graphic", "video") and rendition(item, "preview") is not None


def figure(key: bytes, day: int, item: NewsItem) -> dict[str, Any] | None:
    """What a ``<figure>`` of ``item``'s preview shows (template context), or None."""
    preview = rendition(item, "preview")
    if preview is None:
        return None
    still = rendition(item, "previewPoster") or rendition(item, "thumbnail")
    video = item.type == "video" or preview.content_type.startswith("video/")
    return {
        "video": video,
        "src": link(key, item, "preview", day),
        "type": preview.content_type,
        "width": preview.width,
        "height": preview.height,
        "duration": preview.duration,
        "poster": link(key, item, still.name, day) if video and still else "",
        "alt": alt_text(item.description, item.headline),
        "caption": item.description,
        "credit": item.credit,
        "byline": item.byline,
        "lang": item.language,
    }


def thumbnail(key: bytes, day: int, item: NewsItem) -> dict[str, Any] | None:
    """A home page's thumbnail of a picture, graphic or video item, or None."""
    if item.type not in ("picture", "graphic", "video"):
        return None
    small = rendition(item, "thumbnail")
    if small is None:
        return None
    return {
        "src": link(key, item, "thumbnail", day),
        "width": small.width,
        "height": small.height,
        # The caption, else nothing: the headline is the link beside the thumbnail, and a
        # screen reader would say it twice; without a caption the picture is decoration.
        "alt": alt_text(item.description),
        "lang": item.language,  # the caption's: a screen reader speaks it in its own voice
    }

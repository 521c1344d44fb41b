"""What a story's association to a media item this store holds carries of that item.

An association names a picture, graphic or video by id. A receiving system that shows a
story with its picture wants the picture's files without fetching the picture item first:
ninjs carries them as ``associations[].renditions``, a feed entry encloses its preview.
So when a story is stored by an editor's way in (``POST /v1/items``, the console's attach
and edit), each association to a media item here takes that item's files, the renditions
newswire keeps (``blob`` kept: delivery links each to the item's latest file of its name,
``Renderer.view``; not a provider's URLs, which no one's access is checked against), and
its headline when the association has none.

Not while the media item is under an embargo that lifts after the story may go out
(``held_after``): its headline ("SECRET minister resigns") and its files would reach
every subscriber of the story before the lift. Nor of a withdrawn one, nor for a story
that is itself a withdrawal: its notice carries no files (``withdrawn.as_kill``), and the
notice posted back (a mirror re-syncing) must be the withdrawal stored, whatever the
association carried when it was stored, not a change of a withdrawn item. A download is
always checked against the caller's own entitlement to the media item: a subscriber of
the story without the pictures' product is told the file is not there for it.
"""

from __future__ import annotations

import msgspec

from newswire.model import Association, NewsItem, as_utc, utcnow

MEDIA_TYPES = ("picture", "graphic", "video", "audio")
LABEL_CHARS = 300
"""The most characters of the media item's headline (or caption) an association takes."""


def held_after(media: NewsItem, story: NewsItem) -> bool:
    """Whether ``media`` is under an embargo that lifts after ``story`` may go out (now,
    or the story's own embargo)."""
    if media.embargo_until is None:
        return False
    now = utcnow()
    story_lift = as_utc(story.embargo_until) if story.embargo_until is not None else now
    return as_utc(media.embargo_until) > max(now, story_lift)


def with_files(association: Association, media: NewsItem, story: NewsItem) -> Association:
    """``association`` (of ``story``, naming ``media``) with ``media``'s files (its
    renditions with a ``blob``), and its headline if it has none; as it is when ``media``
    is no media item or ``story`` is a withdrawal. When ``media`` is withdrawn or held
    past the story's release (``held_after``), without files and without ``media``'s
    headline, whatever it carried before: a story stored with them (its picture lifting
    first) may be sent again to go out sooner, by its CMS as newswire gave it, or by the
    console."""
    if story.pubstatus == "canceled" or media.type not in MEDIA_TYPES:
        return association
    own = (media.headline or media.description)[:LABEL_CHARS]
    if media.pubstatus == "canceled" or held_after(media, story):
        headline = "" if association.headline == own else association.headline
        if association.renditions or headline != association.headline:
            return msgspec.structs.replace(association, renditions=[], headline=headline)
        return association
    label = association.headline or own
    # The files newswire keeps, which delivery links to its own route, where each caller's
    # access to ``media`` is checked; never a provider's URLs (``href`` alone): those
    # would go to every subscriber of the story, the original's too, unchecked.
    files = [r for r in media.renditions if r.blob]
    if files == association.renditions and label == association.headline:
        return association
    return msgspec.structs.replace(association, renditions=files, headline=label)

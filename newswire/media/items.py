"""A file taken in as a news item: what the file says of itself, and the editor's word.

``item_of(media, overrides)`` makes the ``NewsItem`` of a picture or video that
``Pipeline.take`` accepted:

- ``id``: the editor's (``Overrides.id``), else ``urn:newswire:media:`` and the first 32
  hex digits of the original's SHA-256 (its blob key). The same file ingested twice is
  the same item, so it is stored once; the id does not change with the item's type.
- ``type``: the file's kind (``picture``, ``graphic`` for PNG, ``video``); the editor may
  turn a picture into a graphic or back, never a picture into a video.
- ``headline``: the embedded headline (a video's title), else the file's name without
  its extension (a name given with the upload, or the file's on the command line), else
  the caption's first words (an upload with neither: a page and a feed entry need one),
  else, for a new version, the stored version's (the same file sent again without its
  name, or a new crop under ``--id``, is not its headline wiped: the item that had one
  came back with none, a page's and a feed entry's title gone). An editor's empty
  headline still means none of the stored one.
- ``description`` the caption; ``byline``, ``credit``, ``copyright_notice``,
  ``keywords`` as embedded; ``ednote`` the Instructions (for subscribers' editors, never
  on the public site); ``subjects`` the embedded IPTC Subject Codes, each with the
  Media Topic IPTC maps it to (``taxonomy.with_media_topics``, as for a document);
  ``dateline.place`` the city (the country when there is no
  city), and the country a place entity (``rel`` ``located``).
- ``contentcreated``: the embedded date created when it has a time, else the camera's
  capture time, else the date created at midnight; a time without an offset is UTC.
- ``language``: the editor's (a BCP 47 tag; ``""`` none), else ``auto``: detected from
  the headline and caption as for plain text (``ar`` for Arabic script), none when
  undecided or when there is neither (a file's name is not taken as text).
- ``renditions``: the original and those made; when the latest stored version of the
  item (``previous``) has the same original, its renditions are kept as they are, so
  taking the same file again changes nothing even if an encoder's output varies.
- a new version of a stored item (``previous``) is one only of an item of a type the
  file can be (a picture file: of a picture or graphic item; a video: of a video item):
  a file sent under a story's id would otherwise replace the story, its body gone, by a
  picture (``Conflict`` naming ``id``). It keeps the stored version's embargo while that
  has not lifted: a file taken in again (a better crop, under ``--id``) does not publish
  an embargoed picture early; the caller sets another (``intake.take``'s ``embargo``).

Every text field the editor gives (``Overrides``) replaces the file's, cleaned the way
embedded text is (``newswire.media.metadata.plain``); an empty one clears the field.
``check_overrides`` refuses bad ones before any file is worked on.
"""

from __future__ import annotations

from datetime import datetime, time

import msgspec

from newswire.access import taxonomy
from newswire.errors import Conflict, InvalidItem
from newswire.formats.text import detect_language
from newswire.media.detect import Kind
from newswire.media.metadata import MAX_TEXT, plain
from newswire.media.model import Media
from newswire.model import (
    Concept,
    Dateline,
    Entity,
    ItemType,
    NewsItem,
    as_utc,
    is_item_type,
    language_tag,
    utcnow,
)
from newswire.names import MEDIA_HELP
from newswire.validation import LANGUAGE_TAG, MAX_HEADLINE, MAX_ID, MAX_REASON, xml_unsafe

ID_PREFIX = "urn:newswire:media:"
AUTO = "auto"


class Overrides(msgspec.Struct, kw_only=True, frozen=True):
    """What the editor says over the file (None: what the file says). The names are the
    options' and query parameters' (``--caption``, ``?caption=``), so an error's field
    names the one to fix."""

    id: str | None = None
    type: str | None = None
    lang: str | None = None
    headline: str | None = None
    caption: str | None = None
    byline: str | None = None
    credit: str | None = None
    copyright: str | None = None
    city: str | None = None
    country: str | None = None
    keyword: list[str] | None = None
    embargo: str | None = None


HELP = MEDIA_HELP
"""What each override does: the help of the CLI's options and the API's parameters (kept
in ``newswire.names``, which the command line reads without loading the media pipeline)."""

_TYPES: dict[Kind, tuple[ItemType, ...]] = {
    "picture": ("picture", "graphic"),
    "graphic": ("picture", "graphic"),
    "video": ("video",),
}


_ARTICLE: dict[Kind, str] = {"picture": "a picture", "graphic": "a picture", "video": "a video"}


def check_overrides(o: Overrides, kind: Kind | None = None) -> None:
    """``InvalidItem`` naming the override that cannot be taken (``kind``: the file's,
    once known)."""
    if o.id is not None and (
        not o.id.strip() or len(o.id) > MAX_ID or len(o.id.split()) != 1 or xml_unsafe(o.id)
    ):
        raise InvalidItem("an id is a URI without spaces, at most 1024 characters", field="id")
    if o.type is not None:
        allowed = _TYPES[kind] if kind else ("picture", "graphic", "video")
        if o.type not in allowed:
            raise InvalidItem(
                f"{o.type!r}: this file can be {' or '.join(allowed)}", field="type"
            )
    if o.lang is not None and o.lang not in ("", AUTO) and not LANGUAGE_TAG.fullmatch(o.lang):
        raise InvalidItem(f"{o.lang!r} is not a BCP 47 language tag (or auto)", field="lang")
    if o.headline is not None and len(o.headline) > MAX_HEADLINE:
        raise InvalidItem(f"a headline is at most {MAX_HEADLINE} characters", field="headline")
    # What an editor types is refused when too long, not cut where it stops fitting (a
    # file's own metadata is cut, at a word: ``metadata.plain``).
    for name in ("caption", "byline", "credit", "copyright", "city", "country"):
        value = getattr(o, name)
        if value is not None and len(value) > MAX_TEXT:
            raise InvalidItem(f"at most {MAX_TEXT:,} characters", field=name)
    if o.embargo and embargo_of(o.embargo) <= utcnow() and kind is None:
        # Checked once, before the file is worked on: a time already gone would hold
        # nothing and publish at once what the editor meant to hold (a wrong year, a
        # local time taken for UTC). Empty is how to say "no embargo".
        raise InvalidItem(
            f"{o.embargo!r} has passed: give a time to come, or leave it empty for none",
            field="embargo",
        )


def embargo_of(value: str) -> datetime:
    """An ``embargo`` override as a time (UTC when it gives no offset); ``InvalidItem``
    naming it when it is none."""
    try:
        return as_utc(datetime.fromisoformat(value.strip()))
    except (ValueError, OverflowError):  # OverflowError: before year 1 in UTC
        raise InvalidItem(
            f"{value!r} is not a time (ISO 8601: 2025-03-01T12:00:00Z)", field="embargo"
        ) from None


def check_previous(previous: NewsItem, kind: Kind) -> None:
    """``Conflict`` naming ``id`` when a file of ``kind`` cannot be a new version of the
    stored item ``previous`` (a story, or a video for a picture file)."""
    if previous.type not in _TYPES[kind]:
        raise Conflict(
            f"{previous.id!r} is a {previous.type} item: {_ARTICLE[kind]} file can be a new"
            f" version of a {' or '.join(_TYPES[kind])} item only",
            field="id",
        )


def media_id(media: Media) -> str:
    return ID_PREFIX + media.rendition("original").blob[:32]


def item_of(
    media: Media, o: Overrides | None = None, *, name: str = "",
    previous: NewsItem | None = None,
) -> NewsItem:
    """The item of ``media`` (see the module's docstring); ``name`` the file's name."""
    o = o or Overrides()
    info = media.info
    check_overrides(o, info.kind)

    def pick(override: str | None, embedded: str) -> str:
        return embedded if override is None else plain(override)

    headline = pick(o.headline, info.headline)
    caption = pick(o.caption, info.caption)
    city, country = pick(o.city, info.city), pick(o.country, info.country)
    keywords = info.keywords if o.keyword is None else [k for k in map(plain, o.keyword) if k]
    lang = o.lang if o.lang not in (None, AUTO) else _detect(f"{headline}\n{caption}")
    headline = headline or _stem(name) or _first_words(caption)  # after: no language in it
    if not headline and o.headline is None and previous is not None:
        headline = previous.headline
    item_id = o.id.strip() if o.id is not None else media_id(media)
    embargo = None
    if previous is not None:
        check_previous(previous, info.kind)
        held = previous.embargo_until
        embargo = held if held is not None and as_utc(held) > utcnow() else None
    if o.embargo is not None:  # the editor's word: a time, or none at all
        embargo = embargo_of(o.embargo) if o.embargo.strip() else None
    renditions = media.renditions
    if previous is not None and any(
        r.name == "original" and r.blob == renditions[0].blob for r in previous.renditions
    ):
        renditions = previous.renditions
    kind: ItemType = o.type if o.type is not None and is_item_type(o.type) else info.kind
    return NewsItem(
        id=item_id,
        type=kind,
        language=language_tag(lang or ""),
        headline=headline[:MAX_HEADLINE],
        description=caption,
        byline=pick(o.byline, info.byline),
        credit=pick(o.credit, info.credit),
        copyright_notice=pick(o.copyright, info.copyright_notice),
        keywords=keywords,
        ednote=info.instructions[:MAX_REASON],
        subjects=taxonomy.with_media_topics(
            [Concept(code=code) for code in info.subject_codes], language_tag(lang or "")
        ),
        dateline=Dateline(place=city or country) if city or country else None,
        entities=[Entity(kind="place", name=country, rel="located")] if country else [],
        contentcreated=_created(info.date_created, info.capture_time),
        renditions=list(renditions),
        embargo_until=embargo,
    )


def _first_words(text: str, most: int = 80) -> str:
    """The words of ``text`` that fit in ``most`` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= most:
        return text
    cut = text[: most + 1].rsplit(" ", 1)[0] if " " in text[:most] else text[:most]
    return cut.rstrip(" ,.;:،؛") + "…"


def _stem(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    return plain(stem)


def _detect(text: str) -> str:
    found = detect_language(text) if text.strip() else "und"
    return "" if found == "und" else found


def _created(date_created: str | None, capture_time: str | None) -> datetime | None:
    """When the content was made (see the module's docstring)."""
    if date_created and "T" in date_created:
        return as_utc(datetime.fromisoformat(date_created))
    if capture_time:
        return as_utc(datetime.fromisoformat(capture_time))
    if date_created:
        return as_utc(datetime.combine(datetime.fromisoformat(date_created).date(), time()))
    return None

"""Products: named selections of the news flow that subscribers are entitled to.

A product says which items it carries (languages, Media Topics, urgency, genres, places,
people and organisations, sources, item types) and how (``full`` text or ``teaser``). Each criterion left empty places no
restriction; an item must meet every criterion that is set, and meets one when it has
any of the values the criterion lists.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Literal

import msgspec

from newswire.access import taxonomy
from newswire.errors import BadInput, Unprocessable
from newswire.model import ITEM_TYPES, NewsItem
from newswire.validation import LANGUAGE_TAG, UNNAMEABLE, unknown_language

ACCESS_LEVELS: tuple[str, ...] = ("full", "teaser")
NORMAL_URGENCY = 5
"""IPTC's "normal" urgency: what an item without one counts as."""


class Product(msgspec.Struct, kw_only=True, omit_defaults=True):
    name: str
    access: Literal["full", "teaser"]
    languages: list[str] = []
    """BCP 47 tags; ``ar`` matches ``ar`` and ``ar-EG``. Empty: every language."""
    subjects: list[str] = []
    """Media Topic codes; an item matches with any subject within any of them."""
    urgency_min: int = 1
    urgency_max: int = 9
    genres: list[str] = []
    """Genre QCodes, compared exactly (``genre:Current``)."""
    places: list[str] = []
    """Place names (``Ankara``, ``أنقرة``) or ids (``geonames:323786``, ``iso3166-1a2:TR``)."""
    entities: list[str] = []
    """People or organisations, by name or id (``حماس``, ``nwv:hamas``): an item naming
    any of them (its source's entities or those enrichment found)."""
    sources: list[str] = []
    """Providers or dateline sources (``AA``, ``الأناضول``)."""
    types: list[str] = []
    """Item types (``text``, ``picture``, ``video``, ``graphic``): a photo service, say."""
    early_embargo: bool = False
    """Whether embargoed items may be delivered before the lift, marked embargoed."""


def matches(product: Product, item: NewsItem) -> bool:
    """Whether ``item`` is in ``product`` (access level and embargo are not looked at)."""
    urgency = NORMAL_URGENCY if item.urgency is None else item.urgency
    if not product.urgency_min <= urgency <= product.urgency_max:
        return False
    if product.languages and not any(_language_in(item.language, t) for t in product.languages):
        return False
    if product.genres and not {g.code for g in item.genres} & set(product.genres):
        return False
    if product.types and item.type not in product.types:
        return False
    if product.sources and not fold_set(sources_of(item)) & fold_set(product.sources):
        return False
    if product.places and not fold_set(places_of(item)) & fold_set(product.places):
        return False
    if product.entities and not fold_set(entities_of(item)) & fold_set(product.entities):
        return False
    return not product.subjects or any(
        taxonomy.is_within(code, wanted)
        for concept in item.subjects
        for code in (concept.code, concept.uri)
        if code
        for wanted in product.subjects
    )


def parse_urgency(text: str) -> tuple[int, int]:
    """``1-3`` → ``(1, 3)``, ``2`` → ``(2, 2)``: the CLI's urgency range."""
    m = _URGENCY.fullmatch(text.strip())
    if not m:
        raise BadInput(
            f"{text!r} is not an urgency: give a number 1 to 9 or a range such as 1-3",
            field="urgency",
        )
    low = int(m.group(1))
    high = int(m.group(2)) if m.group(2) is not None else low
    for value in (low, high):
        if not 1 <= value <= 9:
            raise BadInput(f"urgency is 1 (flash) to 9, not {value}", field="urgency")
    if low > high:
        raise BadInput(
            f"the range {low}-{high} runs backwards: give the lower number first ({high}-{low})",
            field="urgency",
        )
    return low, high


MAX_NAME = 200
"""The longest place, entity or source a product names (as a search's filter)."""


def validate_product(product: Product) -> Product:
    """``product`` with its subjects written as ``medtop:`` QCodes, or ``BadInput``
    naming the field that is wrong and why."""
    if not isinstance(product.name, str) or not _NAME.fullmatch(product.name):
        raise BadInput(
            "a product name is 1 to 64 letters, digits, '-', '_' or '.', "
            "beginning with a letter or digit",
            field="name",
        )
    if product.access not in ACCESS_LEVELS:
        raise BadInput(
            f"access is {' or '.join(ACCESS_LEVELS)}, not {product.access!r}", field="access"
        )
    for tag in _entries(product.languages, "languages"):
        if not LANGUAGE_TAG.fullmatch(tag):
            raise BadInput(f"{tag!r} is not a BCP 47 language tag", field="languages")
        if unknown_language(tag):  # as an item's: a product of xx would carry nothing
            raise Unprocessable(
                f"{tag!r}: {tag.split('-', 1)[0]!r} is no language code of ISO 639",
                field="languages",
            )
    for code in _entries(product.subjects, "subjects"):
        if not _MEDTOP.fullmatch(code):
            raise BadInput(
                f"{code!r} is not a Media Topic code such as medtop:04000000", field="subjects"
            )
        if not taxonomy.known(code):
            raise Unprocessable(f"{code!r} is not an IPTC Media Topic", field="subjects")
    for code in _entries(product.genres, "genres"):
        if not _QCODE.fullmatch(code):
            raise BadInput(f"{code!r} is not a genre QCode such as genre:Current", field="genres")
        if code.startswith("genre:") and not taxonomy.genre_known(code):
            raise Unprocessable(
                f"{code!r} is not an IPTC genre (genre codes are case-sensitive)", field="genres"
            )
    for field in ("places", "sources", "entities"):
        for value in _entries(getattr(product, field), field):
            if len(value) > MAX_NAME:
                raise BadInput(
                    f"{value[:40]!r}… is longer than {MAX_NAME} characters, which no name is",
                    field=field,
                )
            if bad := UNNAMEABLE.search(value):
                # As a vocabulary entry's name: a control or a bidi or zero-width format
                # character makes one name look like another, or reorders the listing.
                raise Unprocessable(
                    f"{value[:60]!r} has the character U+{ord(bad.group()):04X}, which no"
                    " name has (a control, bidi or zero-width format character)",
                    field=field,
                )
    for place in product.places:
        scheme, _, number = place.strip().partition(":")
        if scheme.lower() == "geonames" and not (number.isascii() and number.isdigit()):
            raise Unprocessable(
                f"{place!r} is no GeoNames place: its QCode is geonames: and the place's"
                " number (geonames:281133)",
                field="places",
            )
    for kind in _entries(product.types, "types"):
        if kind not in ITEM_TYPES:
            raise BadInput(f"types are {', '.join(ITEM_TYPES)}, not {kind!r}", field="types")
    for field in ("urgency_min", "urgency_max"):
        value = getattr(product, field)
        if type(value) is not int or not 1 <= value <= 9:
            raise BadInput(f"{field} is 1 (flash) to 9, not {value!r}", field=field)
    if product.urgency_min > product.urgency_max:
        raise Unprocessable(
            f"urgency_min {product.urgency_min} is above urgency_max {product.urgency_max}",
            field="urgency_min",
        )
    if not isinstance(product.early_embargo, bool):
        raise BadInput("early_embargo is true or false", field="early_embargo")
    # Each value once, in the order given, as a subscriber's products are: a name or a
    # code given twice was kept and shown twice, and matched no more than once.
    changes = {
        field: kept
        for field in ("languages", "genres", "places", "entities", "sources", "types")
        if len(kept := list(dict.fromkeys(getattr(product, field)))) < len(getattr(product, field))
    }
    subjects = list(dict.fromkeys(taxonomy.qcode(code) for code in product.subjects))
    if subjects != product.subjects:
        changes["subjects"] = subjects
    return msgspec.structs.replace(product, **changes) if changes else product


# Letters and digits of any script (Arabic included), '-', '_', '.'; no spaces, no marks.
_NAME = re.compile(r"[^\W_][\w.\-]{0,63}")
_URGENCY = re.compile(r"(\d+)\s*(?:[-–]\s*(\d+))?")
_QCODE = re.compile(r"[A-Za-z][\w.\-]*:\S+")
# medtop:04000000, 04000000 or the topic's URI, as taxonomy.qcode reads them (ASCII digits).
_MEDTOP = re.compile(
    r"(?:medtop:|https?://cv\.iptc\.org/newscodes/mediatopic/)?[0-9]{8}/?", re.IGNORECASE
)
_GEONAMES = re.compile(r"https?://(?:sws\.|www\.)?geonames\.org/(\d+)(?:/.*)?", re.IGNORECASE)
ISO3166 = re.compile(
    r"(?:https?://cvx?\.iptc\.org/(?:newscodes/)?iso3166-1a2/|iso3166-1a2:)([A-Za-z]{2})/?", re.I
)
"""A country by its ISO 3166 code as IPTC names one: the URI
``http://cv.iptc.org/newscodes/iso3166-1a2/TR``, the short form IPTC's own ninjs examples
use (``http://cvx.iptc.org/iso3166-1a2/it``), or the QCode ``iso3166-1a2:TR``."""


def _entries(values: list[str], field: str) -> list[str]:
    if not isinstance(values, list):
        raise BadInput(f"{field} is a list of strings", field=field)
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise BadInput(f"{field} cannot hold an empty entry", field=field)
    return values


def _language_in(tag: str, wanted: str) -> bool:
    """``ar`` covers ``ar`` and ``ar-EG`` (not ``arn``); ``ar-EG`` covers only ``ar-EG…``."""
    tag, wanted = tag.lower(), wanted.lower()
    return tag == wanted or tag.startswith(wanted + "-")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def fold_set(values: Iterable[str]) -> set[str]:
    return {folded for value in values if (folded := _fold(value))}


def sources_of(item: NewsItem) -> Iterator[str]:
    yield item.provider
    if item.dateline is not None:
        yield item.dateline.source


def entities_of(item: NewsItem) -> Iterator[str]:
    """The names and ids of the people and organisations ``item`` names."""
    for entity in item.entities:
        if entity.kind in ("person", "organisation"):
            yield entity.name
            yield entity.id


def places_of(item: NewsItem) -> Iterator[str]:
    if item.dateline is not None:
        yield item.dateline.place
        yield item.dateline.place_latin
    for entity in item.entities_of("place"):
        yield entity.name
        yield entity.id
        # The same place in its QCode form: geonames:323786, iso3166-1a2:TR.
        if m := _GEONAMES.fullmatch(entity.id):
            yield f"geonames:{m.group(1)}"
        elif m := ISO3166.fullmatch(entity.id):
            yield f"iso3166-1a2:{m.group(1)}"
            yield f"http://cv.iptc.org/newscodes/iso3166-1a2/{m.group(1)}"

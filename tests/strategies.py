"""Hypothesis strategies for news items, shared by the codec round-trip tests.

Text is drawn from Arabic and Latin letters, digits and punctuation (never control
characters), so generated items look like what agencies send, right-to-left included.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from hypothesis import strategies as st

from newswire.formats.html import make_body
from newswire.model import (
    MACHINE,
    Association,
    Concept,
    Dateline,
    Entity,
    Link,
    NewsItem,
    Rendition,
)

ARABIC = "ابتثجحخدذرسشصضطظعغفقكلمنهوي" + "ءأإآؤئىة"
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
PUNCT = "0123456789.,:;!?()'\"-&<>/"

word = st.text(alphabet=ARABIC + LATIN, min_size=1, max_size=12)
phrase = st.lists(word, min_size=1, max_size=8).map(" ".join)
sentence = st.tuples(phrase, st.sampled_from([".", "؟", "!", ""]), st.text(PUNCT, max_size=3)).map(
    lambda t: f"{t[0]}{t[1]} {t[2]}".strip()
)
paragraph = st.lists(sentence, min_size=1, max_size=4).map(" ".join).filter(lambda s: s.strip())
uri_part = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)

moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))

concept = st.builds(
    Concept,
    code=st.tuples(st.sampled_from(["medtop", "genre"]), st.integers(1000000, 20001500)).map(
        lambda t: f"{t[0]}:{t[1]:08d}"
    ),
    name=phrase,
)
subject = st.builds(
    Concept,
    code=st.integers(1000000, 20001500).map(lambda n: f"medtop:{n:08d}"),
    name=phrase,
    creator=st.sampled_from(["", MACHINE]),
    confidence=st.one_of(st.none(), st.integers(0, 100)),
)
genre = st.builds(
    Concept,
    code=st.sampled_from(["genre:Current", "genre:Analysis", "genre:Interview"]),
    name=phrase,
)
entity_id = st.one_of(
    st.just(""),
    uri_part.map(lambda s: f"http://www.wikidata.org/entity/Q{len(s)}{s}"),
    uri_part.map(lambda s: f"nwv:{s}"),
)
entity = st.builds(
    Entity,
    kind=st.sampled_from(["person", "organisation", "place", "event", "object"]),
    name=phrase,
    id=entity_id,
    rel=st.sampled_from(["", "about", "mentions"]),
    creator=st.sampled_from(["", MACHINE]),
    confidence=st.one_of(st.none(), st.integers(0, 100)),
)
place = st.builds(
    Entity,
    kind=st.just("place"),
    name=phrase,
    id=st.one_of(
        st.just(""), st.integers(1, 12_000_000).map(lambda n: f"https://sws.geonames.org/{n}/")
    ),
    rel=st.sampled_from(["", "about", "mentions"]),
    creator=st.sampled_from(["", MACHINE]),
    confidence=st.one_of(st.none(), st.integers(0, 100)),
    country=st.sampled_from(["", "TR", "PS", "EG", "FR"]),
    latitude=st.floats(-90, 90, allow_nan=False),
    longitude=st.floats(-180, 180, allow_nan=False),
)
"""A place the gazetteer resolved: a GeoNames id, its country and coordinates."""
dateline = st.builds(
    Dateline,
    place=word,
    place_latin=st.one_of(st.just(""), st.text(LATIN, min_size=2, max_size=12)),
    source=st.sampled_from(["الأناضول", "AA", "AFP", "Reuters", ""]),
    text=st.just(""),
)


@st.composite
def news_items(draw, *, rich_body: bool = False) -> NewsItem:
    """A complete, storable item with every field of the model filled at random."""
    paras = draw(st.lists(paragraph, min_size=1, max_size=6))
    if rich_body and draw(st.booleans()):
        html = "".join(
            f"<p>{p.replace('&', '&amp;').replace('<', '&lt;')} <strong>{w}</strong></p>"
            for p, w in zip(
                paras, draw(st.lists(word, min_size=len(paras), max_size=len(paras))), strict=True
            )
        )
        body, body_html = make_body(html=html)
    else:
        body, body_html = make_body(paragraphs=paras)
    first = draw(moments)
    version = draw(st.integers(1, 20))
    return NewsItem(
        id=f"urn:newsml:example.org:{draw(uri_part)}",
        version=version,
        language=draw(st.sampled_from(["ar", "en", "tr", "fr", "ar-EG", "en-GB"])),
        headline=draw(phrase),
        lead=draw(paragraph),
        body=body,
        body_html=body_html,
        dateline=draw(st.one_of(st.none(), dateline)),
        byline=draw(st.one_of(st.just(""), phrase)),
        urgency=draw(st.one_of(st.none(), st.integers(1, 9))),
        genres=draw(st.lists(genre, max_size=2, unique_by=lambda c: c.code)),
        subjects=draw(st.lists(subject, max_size=4, unique_by=lambda c: c.code)),
        keywords=draw(st.lists(word, max_size=5, unique=True)),
        entities=draw(
            st.lists(st.one_of(entity, place), max_size=5, unique_by=lambda e: e.id or e.name)
        ),
        firstcreated=first,
        versioncreated=draw(moments.filter(lambda d: d >= first)) if version > 1 else first,
        embargo_until=draw(st.one_of(st.none(), moments)),
        pubstatus=draw(st.sampled_from(["usable", "withheld", "canceled"])),
        signal=draw(st.sampled_from(["update", "correction"])) if version > 1 else None,
        replaces=version - 1 if version > 1 else None,
        related=draw(
            st.lists(
                st.builds(
                    Link,
                    uri=uri_part.map(lambda s: f"urn:newsml:example.org:{s}"),
                    rel=st.just("related"),
                    title=phrase,
                ),
                max_size=2,
            )
        ),
        slugline=draw(st.one_of(st.just(""), word)),
        ednote=draw(st.one_of(st.just(""), phrase)),
        provider=draw(st.sampled_from(["", "AA", "AFP"])),
        copyright_holder=draw(st.one_of(st.just(""), phrase)),
        copyright_notice=draw(st.one_of(st.just(""), phrase)),
        usage_terms=draw(st.one_of(st.just(""), phrase)),
        footer=draw(st.one_of(st.just(""), paragraph)),
    )


web_url = st.tuples(uri_part, uri_part).map(
    lambda t: f"https://media.example.org/{t[0]}/{t[1]}.jpg"
)
rendition = st.builds(
    Rendition,
    name=st.sampled_from(["original", "highRes", "preview", "thumbnail", "web"]),
    href=st.one_of(st.just(""), web_url),
    content_type=st.sampled_from(["", "image/jpeg", "video/mp4", "image/png"]),
    width=st.one_of(st.none(), st.integers(1, 10_000)),
    height=st.one_of(st.none(), st.integers(1, 10_000)),
    size=st.one_of(st.none(), st.integers(0, 2**40)),
    duration=st.one_of(st.none(), st.integers(0, 7200).map(float), st.just(93.5)),
    video_codec=st.sampled_from(["", "h264", "hevc", "prores"]),
    frame_rate=st.one_of(st.none(), st.just(25.0), st.just(29.97)),
)
association = st.builds(
    Association,
    id=uri_part.map(lambda s: f"urn:newsml:example.org:{s}"),
    type=st.sampled_from(["picture", "video", "graphic", "audio", "text"]),
    rel=st.sampled_from(["seeAlso", "depicts", "ex:illustrates", "https://example.org/rel/x"]),
    name=st.sampled_from(["", "featuremedia", "photo1"]),
    headline=st.one_of(st.just(""), phrase),
)


@st.composite
def media_items(draw) -> NewsItem:
    """A storable picture, video, graphic or audio item with its media fields at random
    (renditions without ``blob``: no format carries it), and some associations."""
    item = draw(news_items())
    return msgspec.structs.replace(
        item,
        type=draw(st.sampled_from(["picture", "video", "graphic", "audio"])),
        body=[],
        body_html="",
        description=draw(st.one_of(st.just(""), paragraph)),
        credit=draw(st.one_of(st.just(""), phrase)),
        contentcreated=draw(st.one_of(st.none(), moments)),
        renditions=draw(st.lists(rendition, min_size=1, max_size=4, unique_by=lambda r: r.name)),
        associations=draw(st.lists(association, max_size=2)),
    )

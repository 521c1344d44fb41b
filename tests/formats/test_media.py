"""Pictures, video, graphics and audio in every format, and the stories they illustrate.

A media item carries its files as ``renditions`` (an href each, never newswire's own
``blob`` address); a story carries its pictures and videos as ``associations``. Each
rendered document is checked against the standard's own schema, as the codec tests do.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import msgspec
import pytest
from hypothesis import given
from lxml import etree

from newswire.errors import InvalidItem, ParseError
from newswire.formats import feeds, newsml, nitf, text
from newswire.formats.ninjs import NINJS2, NINJS3
from newswire.model import Association, Concept, NewsItem, Rendition
from newswire.validation import check_item
from tests.formats.test_newsml import assert_valid, newsml_view
from tests.formats.test_ninjs import PROPERTY, STANDARDS, carried, schema_errors
from tests.formats.test_nitf import NTB, nitf_view
from tests.formats.test_nitf import SCHEMA as NITF_SCHEMA
from tests.items import arabic_item
from tests.strategies import media_items
from tests.test_model_media import picture

NINJS = [NINJS3, NINJS2]


def video(**changes) -> NewsItem:
    item = NewsItem(
        id="urn:newsml:aa.com.tr:20250301:video:7",
        type="video",
        language="tr",
        headline="Erdoğan Hamas heyetini kabul etti",
        description="Cumhurbaşkanı Erdoğan, Hamas heyetini Ankara'da kabul etti.",
        credit="AA",
        firstcreated=datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        versioncreated=datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        renditions=[
            Rendition(
                name="web",
                href="https://media.example.org/v/7/web.mp4",
                content_type="video/mp4",
                width=1920,
                height=1080,
                size=48_200_311,
                duration=93.5,
                video_codec="h264",
                frame_rate=29.97,
            ),
            Rendition(
                name="thumbnail",
                href="https://media.example.org/v/7/thumb.jpg",
                content_type="image/jpeg",
                width=320,
                height=180,
            ),
        ],
    )
    return msgspec.structs.replace(item, **changes)


def story() -> NewsItem:
    return arabic_item(
        subjects=[Concept(code="medtop:11000000", name="سياسة")],
        associations=[
            Association(
                id="urn:newsml:aa.com.tr:20250301:photo:1",
                name="featuremedia",
                headline="أردوغان يستقبل وفدا من حماس",
            ),
            Association(id="urn:newsml:aa.com.tr:20250301:video:7", type="video"),
        ],
    )


def delivered(item: NewsItem) -> NewsItem:
    """``item`` as a format carries it: every field but the renditions' blobs."""
    renditions = [msgspec.structs.replace(r, blob="") for r in item.renditions]
    return msgspec.structs.replace(item, renditions=renditions)


def test_media_items_and_their_stories_are_storable():
    for item in (picture(), video(), story()):
        assert check_item(item) is item
    assert check_item(picture(headline="")).headline == ""  # a caption may be all it has


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"renditions": []}, "renditions"),
        ({"renditions": [Rendition(name=" ")]}, "renditions[0].name"),
        ({"renditions": [Rendition(name="web", href="javascript:alert(1)")]}, "renditions[0].href"),
        ({"renditions": [Rendition(name="web", blob="../../etc/passwd")]}, "renditions[0].blob"),
        ({"renditions": [Rendition(name="web", width=-5)]}, "renditions[0].width"),
        ({"renditions": [Rendition(name="web", duration=float("nan"))]}, "renditions[0].duration"),
        ({"associations": [Association(id="")]}, "associations[0].id"),
        ({"associations": [Association(id="urn:x", type="poster")]}, "associations[0].type"),
        ({"type": "poster"}, "type"),
    ],
)
def test_what_a_media_item_may_not_be(changes, field):
    with pytest.raises(InvalidItem) as caught:
        check_item(picture(**changes))
    assert caught.value.field == field


# -- ninjs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", NINJS, ids=lambda c: c.name)
@pytest.mark.parametrize("make", [picture, video, story], ids=lambda f: f.__name__)
def test_ninjs_of_media_and_stories_is_valid_and_round_trips(codec, make):
    item = make()
    data = codec.render(item)
    assert schema_errors(codec, data) == []
    assert codec.parse(data) == [carried(without_codecs(delivered(item), codec))]
    assert b"abab" not in data  # the blob never leaves newswire


def test_ninjs3_picture_carries_type_caption_credit_and_renditions():
    doc = json.loads(NINJS3.render(picture()))
    assert doc["type"] == "picture"
    assert doc["contentCreated"] == "2025-03-01T08:41:12Z"
    roles = {d["role"]: d["value"] for d in doc["descriptions"]}
    assert roles["caption"] == picture().description and roles["credit"] == picture().credit
    assert doc["renditions"] == [
        {"name": "original", "contentType": "image/jpeg", "width": 6000, "height": 4000,
         "sizeInBytes": 9_871_234},
        {"name": "preview", "href": "https://media.example.org/p/1/preview.jpg",
         "contentType": "image/jpeg", "width": 1024, "height": 683, "sizeInBytes": 201_003},
    ]  # fmt: skip


def without_codecs(item: NewsItem, codec) -> NewsItem:
    """``item`` as ``codec`` carries its renditions: ninjs 3.x and NITF (``coding``) have
    their video codec, ninjs 3.x, NITF (a ``media-metadata``) and NewsML-G2
    (``videoframerate``) their frame rate (ninjs 2.x's schema allows no other property;
    NewsML-G2's ``videocodec`` is a QCode of IPTC's video codec scheme)."""
    if codec in (NINJS3, nitf.CODEC):
        return item
    rate = codec is newsml.CODEC
    plain = [
        msgspec.structs.replace(r, video_codec="", frame_rate=r.frame_rate if rate else None)
        for r in item.renditions
    ]
    return msgspec.structs.replace(item, renditions=plain)


def test_ninjs3_video_carries_its_codec_and_frame_rate():
    [web, _] = json.loads(NINJS3.render(video()))["renditions"]
    assert (web["videoCodec"], web["frameRate"]) == ("h264", 29.97)
    assert "videoCodec" not in json.loads(NINJS2.render(video()))["renditions"][0]


def test_ninjs_video_carries_its_duration_in_seconds():
    for codec in NINJS:
        doc = json.loads(codec.render(video()))
        assert doc["renditions"][0]["duration"] == 93.5
        assert codec.parse(codec.render(video(renditions=[Rendition(name="web", duration=60.0)])))[
            0
        ].renditions == [Rendition(name="web", duration=60.0)]


def test_ninjs_story_names_its_associations_and_2x_drops_their_rel():
    doc3, doc2 = (json.loads(c.render(story())) for c in NINJS)
    media3 = [a for a in doc3["associations"] if "type" in a]
    assert media3 == [
        {"name": "featuremedia", "rel": "seeAlso", "uri": "urn:newsml:aa.com.tr:20250301:photo:1",
         "type": "picture", "headlines": [{"role": "main", "contentType": "text/plain",
                                           "value": "أردوغان يستقبل وفدا من حماس"}]},
        {"name": "video", "rel": "seeAlso", "uri": "urn:newsml:aa.com.tr:20250301:video:7",
         "type": "video"},
    ]  # fmt: skip
    assert [a for a in doc2["associations"] if "type" in a][1] == {
        "name": "video",
        "uri": "urn:newsml:aa.com.tr:20250301:video:7",
        "type": "video",
    }


FILES = [
    Rendition(name="thumbnail", href="https://wire.example.org/v1/items/p1/renditions/thumbnail",
              content_type="image/jpeg", width=200, height=150, size=9_120),
    Rendition(name="preview", href="https://wire.example.org/v1/items/p1/renditions/preview",
              content_type="image/jpeg", width=640, height=480, size=61_007),
    Rendition(name="original", href="https://wire.example.org/v1/items/p1/renditions/original",
              content_type="image/jpeg", width=4000, height=3000, size=3_204_551),
]  # fmt: skip
"""A picture's files as a story's association carries them, delivered (``href`` set)."""


def illustrated(*associations: Association) -> NewsItem:
    """``story()`` whose associations are ``associations``."""
    return msgspec.structs.replace(story(), associations=list(associations))


@pytest.mark.parametrize("codec", NINJS, ids=lambda c: c.name)
def test_ninjs_carries_an_associations_files_valid_and_back(codec):
    """A story's picture goes out with its files (``associations[].renditions``: any ninjs
    property may describe an associated object) and comes back with them."""
    item = illustrated(
        Association(id="urn:x:p1", name="featuremedia", headline="صورة", renditions=FILES),
        Association(id="urn:x:v1", type="video"),
    )
    data = codec.render(item)
    assert schema_errors(codec, data) == []
    sent = [a for a in json.loads(data)["associations"] if "type" in a]
    size = "sizeinbytes" if codec is NINJS2 else "sizeInBytes"
    assert [r["name"] for r in sent[0]["renditions"]] == ["thumbnail", "preview", "original"]
    assert sent[0]["renditions"][1] == {
        "name": "preview", "href": FILES[1].href, "contenttype" if codec is NINJS2
        else "contentType": "image/jpeg", "width": 640, "height": 480, size: 61_007,
    }  # fmt: skip
    assert "renditions" not in sent[1]
    (back,) = codec.parse(data)
    assert back.associations[0].renditions == FILES
    assert back.associations[1].renditions == []


def test_ninjs_refuses_an_associations_file_at_a_url_that_is_not_http():
    doc = json.loads(NINJS3.render(illustrated(
        Association(id="urn:x:p1", renditions=[Rendition(name="preview", href="https://e.org/p")])
    )))  # fmt: skip
    n = next(n for n, a in enumerate(doc["associations"]) if "renditions" in a)
    doc["associations"][n]["renditions"][0]["href"] = "javascript:alert(1)"
    with pytest.raises(ParseError) as refused:
        NINJS3.parse(json.dumps(doc).encode())
    assert refused.value.field == f"associations[{n}].renditions[0].href"


@pytest.mark.parametrize("codec", [feeds.RSS, feeds.ATOM, feeds.JSONFEED], ids=lambda c: c.name)
def test_a_storys_entry_encloses_its_first_pictures_preview(codec):
    """Before a graphic or a video listed ahead of it; the preview, not the original."""
    video = Association(id="urn:x:v1", type="video", renditions=[
        Rendition(name="preview", href="https://wire.example.org/v.mp4", content_type="video/mp4")
    ])  # fmt: skip
    item = illustrated(
        Association(id="urn:x:bare"),  # a picture whose files are not carried
        video,
        Association(id="urn:x:p1", renditions=FILES),
        Association(id="urn:x:p2", renditions=[msgspec.structs.replace(FILES[1], href="https://e.org/2")]),
    )
    data = codec.render(item)
    preview = FILES[1].href
    if codec is feeds.JSONFEED:
        (entry,) = json.loads(data)["items"]
        assert entry["image"] == preview
        assert entry["attachments"] == [
            {"url": preview, "mime_type": "image/jpeg", "size_in_bytes": 61_007}
        ]
    else:
        root = etree.fromstring(data)
        if codec is feeds.RSS:
            found = [(e.get("url"), e.get("length"), e.get("type")) for e in root.iter("enclosure")]
        else:
            found = [
                (e.get("href"), e.get("length"), e.get("type"))
                for e in root.iter("{http://www.w3.org/2005/Atom}link")
                if e.get("rel") == "enclosure"
            ]
        assert found == [(preview, "61007", "image/jpeg")]
    # A story whose only media is the video encloses the video's.
    data = codec.render(illustrated(video))
    assert b"https://wire.example.org/v.mp4" in data
    # Read back, the entry is still the story (it has content): the enclosure is no item.
    if codec is not feeds.JSONFEED:
        (back,) = codec.parse(codec.render(item))
        assert back.type == "text" and back.body == item.body


def test_a_storys_entry_encloses_its_picture_before_a_graphic_listed_ahead_of_it():
    """As the docs say: its first picture's, else its first graphic's, else another
    media item's."""
    graphic = Association(id="urn:x:g1", type="graphic", renditions=[
        Rendition(name="preview", href="https://wire.example.org/g.png", content_type="image/png")
    ])  # fmt: skip
    video = Association(id="urn:x:v1", type="video", renditions=[
        Rendition(name="preview", href="https://wire.example.org/v.mp4", content_type="video/mp4")
    ])  # fmt: skip
    shown = feeds.enclosure(illustrated(video, graphic, Association(id="urn:x:p1", renditions=FILES)))
    assert shown == FILES[1]
    assert feeds.enclosure(illustrated(video, graphic)) == graphic.renditions[0]
    assert feeds.enclosure(illustrated(video)) == video.renditions[0]

@pytest.mark.parametrize("codec", [feeds.RSS, feeds.ATOM], ids=lambda c: c.name)
def test_a_story_without_a_lead_enclosing_its_picture_reads_back_as_the_story(codec):
    """RSS writes a story that has no lead with its body as the ``description`` and no
    ``content:encoded``; with its picture enclosed, that entry read back was a picture
    (an entry without content but with an enclosure), its text the caption: the story
    posted back was refused (a text item cannot become a picture), a mirror stored a
    picture."""
    item = msgspec.structs.replace(
        illustrated(Association(id="urn:x:p1", renditions=FILES)), lead=""
    )
    data = codec.render(item)
    assert FILES[1].href.encode() in data
    (back,) = codec.parse(data)
    assert (back.type, back.renditions, back.lead) == ("text", [], "")
    assert (back.body, back.headline) == (item.body, item.headline)

@pytest.mark.parametrize("codec", NINJS, ids=lambda c: c.name)
@PROPERTY
@given(item=media_items())
def test_ninjs_media_items_round_trip_and_validate(codec, item):
    data = codec.render(item)
    assert schema_errors(codec, data) == []
    back = codec.parse(data)[0]
    if codec is NINJS2:  # 2.x associations have no rel
        item = msgspec.structs.replace(
            item,
            associations=[msgspec.structs.replace(a, rel="seeAlso") for a in item.associations],
        )
    assert back == carried(without_codecs(item, codec))


def test_ninjs_reads_the_iptc_associations_example():
    data = (STANDARDS / "ninjs-examples" / "ninjs3.1_003_associations_example.json").read_bytes()
    (item,) = NINJS3.parse(data)
    assert item.type == "text"  # "composite": a story with its associations
    assert [(a.type, a.name, a.id.rsplit("/", 1)[-1]) for a in item.associations] == [
        ("graphic", "logo", "dell_blue_rgb.jpg"),
        ("picture", "photo", "0025lf.jpg"),
    ]


def test_ninjs_reads_renditions_and_associations_keyed_by_name():
    doc = {
        "uri": "urn:x:1",
        "type": "picture",
        "headlines": [{"value": "A picture"}],
        "renditions": {"preview": {"href": "https://e.org/p.jpg", "width": 1024.0}},
        "associations": {"story": {"uri": "urn:x:story", "type": "text"}},
    }
    (item,) = NINJS3.parse(json.dumps(doc).encode())
    assert item.renditions == [Rendition(name="preview", href="https://e.org/p.jpg", width=1024)]
    assert item.associations == [Association(id="urn:x:story", type="text", name="story")]


def test_a_picture_description_without_role_is_its_caption_and_a_story_s_its_lead():
    doc = {"uri": "urn:x:1", "descriptions": [{"value": "what it shows"}]}
    (as_text,) = NINJS3.parse(json.dumps(doc).encode())
    (as_picture,) = NINJS3.parse(json.dumps(doc | {"type": "picture"}).encode())
    assert (as_text.lead, as_text.description) == ("what it shows", "")
    assert (as_picture.lead, as_picture.description) == ("", "what it shows")


@pytest.mark.parametrize(
    "href",
    ["javascript:alert(1)", "data:image/png;base64,AAAA", "file:///etc/passwd", "//e.org/x.jpg",
     "ftp://e.org/x.jpg", "/relative.jpg"],
)  # fmt: skip
def test_ninjs_refuses_a_rendition_href_that_is_not_http(href):
    doc = {"uri": "urn:x:1", "type": "picture", "renditions": [{"name": "web", "href": href}]}
    with pytest.raises(ParseError) as caught:
        NINJS3.parse(json.dumps(doc).encode())
    assert caught.value.field == "renditions[0].href"


@pytest.mark.parametrize(
    ("rendition", "field"),
    [
        ({"href": "https://e.org/x.jpg"}, "renditions[0].name"),
        ({"name": "web", "width": -1}, "renditions[0].width"),
        ({"name": "web", "height": 10.5}, "renditions[0].height"),
        ({"name": "web", "sizeInBytes": "12"}, "renditions[0].sizeInBytes"),
        ({"name": "web", "duration": True}, "renditions[0].duration"),
    ],
)
def test_ninjs_refuses_bad_renditions_naming_the_field(rendition, field):
    doc = {"uri": "urn:x:1", "type": "video", "renditions": [rendition]}
    with pytest.raises(ParseError) as caught:
        NINJS3.parse(json.dumps(doc).encode())
    assert caught.value.field == field


def test_ninjs_types_newswire_does_not_distribute_are_refused():
    for kind in ("event", "planning", "podcast"):
        with pytest.raises(ParseError, match="type") as caught:
            NINJS3.parse(json.dumps({"uri": "urn:x:1", "type": kind}).encode())
        assert caught.value.field == "type"
    (part,) = NINJS3.parse(b'{"uri": "urn:x:1", "type": "component"}')
    assert part.type == "text"


# -- NewsML-G2 ------------------------------------------------------------------------------

G2 = {"g2": "http://iptc.org/std/nar/2006-10-01/"}


def g2_view(item: NewsItem) -> NewsItem:
    """What a NewsML-G2 newsItem keeps of an item: credit and footer are both ``creditline``
    (credit first), so the one line of a media item without a credit comes back as its
    credit (a story's as its footer)."""
    if item.type != "text" and item.footer and not item.credit:
        item = msgspec.structs.replace(item, credit=item.footer, footer="")
    return newsml_view(delivered(without_codecs(item, newsml.CODEC)))


@pytest.mark.parametrize("make", [video, story], ids=lambda f: f.__name__)
def test_newsml_of_media_and_stories_validates_and_round_trips(make):
    item = make()
    data = newsml.CODEC.render(item)
    assert_valid(data)
    assert newsml.CODEC.parse(data) == [g2_view(item)]
    assert b"abab" not in newsml.CODEC.render(picture())  # the blob never leaves newswire


def test_newsml_picture_is_a_picture_news_item_with_remote_content():
    item = picture(versioncreated=datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    doc = assert_valid(newsml.CODEC.render(item))
    x = lambda path: doc.xpath(path, namespaces=G2)  # noqa: E731
    assert x("string(g2:itemMeta/g2:itemClass/@qcode)") == "ninat:picture"
    assert x("string(g2:contentMeta/g2:contentCreated)") == "2025-03-01T08:41:12Z"
    assert x("string(g2:contentMeta/g2:creditline)") == item.credit
    assert x("string(g2:contentMeta/g2:description[@role='drol:caption'])") == item.description
    assert [dict(rc.attrib) for rc in x("g2:contentSet/g2:remoteContent")] == [
        {"rendition": "rnd:original", "contenttype": "image/jpeg", "size": "9871234",
         "width": "6000", "height": "4000"},
        {"href": "https://media.example.org/p/1/preview.jpg", "rendition": "rnd:preview",
         "contenttype": "image/jpeg", "size": "201003", "width": "1024", "height": "683"},
    ]  # fmt: skip
    assert newsml.CODEC.parse(newsml.CODEC.render(item)) == [g2_view(item)]


def test_newsml_video_carries_its_frame_rate_as_videoframerate():
    """G2's ``remoteContent`` has ``videoframerate`` (an ``xs:decimal``): a subscriber
    taking NewsML-G2 lost the frame rate ninjs 3.x carries."""
    for rate, written in ((29.97, "29.97"), (25.0, "25.0"), (30000 / 1001, repr(30000 / 1001))):
        item = video(renditions=[Rendition(name="web", href="https://v.example/w.mp4",
                                           content_type="video/mp4", frame_rate=rate)])
        doc = assert_valid(newsml.CODEC.render(item))
        rc = doc.find("g2:contentSet/g2:remoteContent", namespaces=G2)
        assert rc.get("videoframerate") == written
        [back] = newsml.CODEC.parse(newsml.CODEC.render(item))
        assert back.renditions[0].frame_rate == rate


def test_newsml_story_links_its_pictures_with_their_item_class():
    doc = assert_valid(newsml.CODEC.render(story()))
    links = doc.xpath("g2:itemMeta/g2:link[g2:itemClass]", namespaces=G2)
    assert [(a.get("rel"), a.get("residref"), a.get("title")) for a in links] == [
        ("irel:seeAlso", "urn:newsml:aa.com.tr:20250301:photo:1", "أردوغان يستقبل وفدا من حماس"),
        ("irel:seeAlso", "urn:newsml:aa.com.tr:20250301:video:7", None),
    ]
    assert [link[0].get("qcode") for link in links] == ["ninat:picture", "ninat:video"]
    assert links[0].findtext("g2:altId", namespaces=G2) == "featuremedia"


@PROPERTY
@given(item=media_items())
def test_newsml_media_items_round_trip_and_validate(item):
    data = newsml.CODEC.render(item)
    assert_valid(data)
    assert newsml.CODEC.parse(data) == [g2_view(item)]


def _remote(attrs: str, item_class: str = "ninat:video") -> bytes:
    return (
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:x:1" '
        'standard="NewsML-G2" standardversion="2.35"><itemMeta>'
        f'<itemClass qcode="{item_class}"/><provider literal="x"/>'
        "<versionCreated>2025-01-01T00:00:00Z</versionCreated></itemMeta>"
        f"<contentSet><remoteContent {attrs}/></contentSet></newsItem>"
    ).encode()


@pytest.mark.parametrize(
    ("attrs", "seconds"),
    [
        ('duration="93.5"', 93.5),
        ('duration="93500" durationunit="timeunit:milliseconds"', 93.5),
        ('duration="1:01:02.5" durationunit="timeunit:normalPlayTime"', 3662.5),
        ('duration="01:33.5"', 93.5),
        ('duration="00:01:33:12" durationunit="timeunit:timeCode"', None),  # needs a frame rate
    ],
)
def test_newsml_durations_are_read_in_seconds(attrs, seconds):
    (item,) = newsml.CODEC.parse(_remote(f'href="https://e.org/v.mp4" {attrs}'))
    assert item.renditions[0].duration == seconds


@pytest.mark.parametrize(
    ("attrs", "field"),
    [
        ('href="javascript:alert(1)"', "contentSet/remoteContent[1]@href"),
        ('href="file:///etc/passwd"', "contentSet/remoteContent[1]@href"),
        ('href="https://e.org/v.mp4" width="-3"', "contentSet/remoteContent[1]@width"),
        ('href="https://e.org/v.mp4" size="big"', "contentSet/remoteContent[1]@size"),
        ('href="https://e.org/v.mp4" duration="-1"', "contentSet/remoteContent[1]@duration"),
    ],
)
def test_newsml_refuses_bad_remote_content_naming_the_field(attrs, field):
    with pytest.raises(ParseError) as caught:
        newsml.CODEC.parse(_remote(attrs))
    assert caught.value.field == field


def test_newsml_creditlines_credit_first_then_a_story_s_footer():
    both = arabic_item(credit="AA")
    back = newsml.CODEC.parse(newsml.CODEC.render(both))[0]
    assert (back.credit, back.footer) == ("AA", both.footer)
    # A story's single creditline is its footer, as newswire has always written it.
    assert newsml.CODEC.parse(newsml.CODEC.render(arabic_item()))[0].footer == arabic_item().footer
    (clip,) = newsml.CODEC.parse(_remote('href="https://e.org/v.mp4"').replace(
        b"</itemMeta>", b"</itemMeta><contentMeta><creditline>AA</creditline></contentMeta>"
    ))  # fmt: skip
    assert (clip.credit, clip.footer) == ("AA", "")


# -- NITF -----------------------------------------------------------------------------------


def nitf_media_view(item: NewsItem) -> NewsItem:
    """What NITF keeps of an item with its media fields: every one but the losses
    ``nitf_view`` drops (an association's rel; a story's caption and credit: a media item's
    are its media's ``media-caption`` and ``media-producer``). A rendition's size and frame
    rate (``media-metadata``), its codec (``coding``), a graphic (an image of class
    ``graphic``) and the content-created date (the dateline's ``story.date``) come back."""
    return nitf_view(delivered(without_codecs(item, nitf.CODEC)))


def nitf_valid(data: bytes) -> etree._Element:
    doc = etree.fromstring(data)
    assert NITF_SCHEMA.validate(doc), f"{NITF_SCHEMA.error_log}\n{data.decode()}"
    return doc


@pytest.mark.parametrize("make", [picture, video, story], ids=lambda f: f.__name__)
def test_nitf_of_media_and_stories_validates_and_round_trips(make):
    item = make()
    data = nitf.CODEC.render(item)
    nitf_valid(data)
    assert nitf.CODEC.parse(data) == [nitf_media_view(item)]
    assert b"abab" not in data


def test_nitf_video_is_a_media_element_with_a_reference_per_rendition():
    doc = nitf_valid(nitf.CODEC.render(video()))
    ns = {"n": nitf.NS}
    (media,) = doc.xpath("n:body/n:body.content/n:media", namespaces=ns)
    assert media.get("media-type") == "video"
    assert [dict(r.attrib) for r in media.xpath("n:media-reference", namespaces=ns)] == [
        {"source": "https://media.example.org/v/7/web.mp4", "name": "web",
         "mime-type": "video/mp4", "coding": "h264", "time": "93.5",
         "time-unit-of-measure": "seconds", "height": "1080", "width": "1920"},
        {"source": "https://media.example.org/v/7/thumb.jpg", "name": "thumbnail",
         "mime-type": "image/jpeg", "height": "180", "width": "320"},
    ]  # fmt: skip
    # What media-reference has no attribute for: one media-metadata per reference, in order.
    assert [dict(m.attrib) for m in media.xpath("n:media-metadata", namespaces=ns)] == [
        {"name": "size", "value": "48200311"}, {"name": "size"},
        {"name": "frame-rate", "value": "29.97"}, {"name": "frame-rate"},
    ]  # fmt: skip
    assert media.findtext("n:media-caption", namespaces=ns) == video().description
    assert media.findtext("n:media-producer", namespaces=ns) == "AA"


def test_nitf_graphic_is_an_image_of_class_graphic():
    """NITF's ``media-type`` has ``image`` for a picture and a graphic alike: the IPTC
    example's logo, a graphic, came back as a picture."""
    logo = Association(id="http://mms.businesswire.com/dell_blue_rgb.jpg", type="graphic")
    chart = picture(type="graphic", associations=[logo])
    doc = nitf_valid(nitf.CODEC.render(chart))
    media = doc.xpath("//n:body.content/n:media", namespaces={"n": nitf.NS})
    assert [(m.get("media-type"), m.get("class")) for m in media] == [("image", "graphic")] * 2
    (back,) = nitf.CODEC.parse(nitf.CODEC.render(chart))
    assert (back.type, back.associations[0].type) == ("graphic", "graphic")
    assert back == nitf_media_view(chart)


def test_nitf_story_lists_its_pictures_after_its_body():
    doc = nitf_valid(nitf.CODEC.render(story()))
    content = doc.find(f"{{{nitf.NS}}}body/{{{nitf.NS}}}body.content")
    media = [el for el in content if etree.QName(el).localname == "media"]
    assert [m.get("media-type") for m in media] == ["image", "video"]
    assert etree.QName(content[-1]).localname == "media"  # after the text


def test_nitf_ntb_sample_picture_is_an_association_of_its_story():
    (item,) = nitf.CODEC.parse(NTB.read_bytes())
    assert item.type == "text"
    assert item.associations == [
        Association(
            id="JsxLggxsoo4",
            headline="Kremasjonsbål for koronaofre brenner i Indias hovedstad New Delhi. "
            "Foto: Amit Sharma / AP / NTB",
        )
    ]


@PROPERTY
@given(item=media_items())
def test_nitf_media_items_round_trip_and_validate(item):
    data = nitf.CODEC.render(item)
    nitf_valid(data)
    assert nitf.CODEC.parse(data) == [nitf_media_view(item)]


@pytest.mark.parametrize(
    ("attrs", "field"),
    [
        ('source="javascript:alert(1)"', "media-reference[1]@source"),
        ('source="https://e.org/p.jpg" width="wide"', "media-reference[1]@width"),
        ('source="https://e.org/p.jpg" time="-2"', "media-reference[1]@time"),
    ],
)
def test_nitf_refuses_bad_media_references_naming_the_field(attrs, field):
    data = (
        '<nitf><head><docdata><doc-id id-string="urn:x:1"/></docdata></head><body>'
        f'<body.content><media media-type="image"><media-reference {attrs}/></media>'
        "</body.content></body></nitf>"
    ).encode()
    with pytest.raises(ParseError) as caught:
        nitf.CODEC.parse(data)
    assert caught.value.field == field


def _nitf_media(content: str) -> bytes:
    return (
        '<nitf><head><docdata><doc-id id-string="urn:x:1"/></docdata></head><body>'
        f'<body.content><media media-type="video">{content}</media></body.content></body></nitf>'
    ).encode()


@pytest.mark.parametrize(
    ("metadata", "size", "rate"),
    [
        ('<media-metadata name="size" value="big"/>', None, None),
        ('<media-metadata name="size" value="1024x768"/>', None, None),
        ('<media-metadata name="x" value="1"/><media-metadata name="size" value="-1"/>',
         None, None),
        ('<media-metadata name="frame-rate" value="nan"/>', None, None),
        ('<media-metadata name="frame-rate" value="29.97 fps"/>', None, None),
        ('<media-metadata name="size" value="93"/><media-metadata name="frame-rate" value="25"/>',
         93, 25.0),
    ],
)  # fmt: skip
def test_nitf_takes_a_size_or_frame_rate_it_reads_and_leaves_out_another(metadata, size, rate):
    """``media-metadata`` is the provider's free text (NITF 3.6): a value newswire cannot
    read as a size or a frame rate is left out, not a reason to refuse the document."""
    (clip,) = nitf.CODEC.parse(
        _nitf_media(f'{metadata}<media-reference source="https://e.org/v.mp4"/>')
    )
    assert [(r.size, r.frame_rate) for r in clip.renditions] == [(size, rate)]


def test_nitf_reads_a_size_per_reference_and_no_other_provider_s_size():
    """A ``media-metadata`` of a size for each ``media-reference`` gives each its size, in
    their order; a ``size`` that is not one per reference says nothing of which file it
    is: it is not read (nor refused)."""
    refs = (
        '<media-reference source="https://e.org/v.mp4"/>'
        '<media-reference source="https://e.org/t.jpg"/>'
    )
    (clip,) = nitf.CODEC.parse(_nitf_media(
        f'<media-metadata name="size" value="93"/><media-metadata name="size"/>{refs}'
    ))  # fmt: skip
    assert [r.size for r in clip.renditions] == [93, None]
    (clip,) = nitf.CODEC.parse(_nitf_media(f'<media-metadata name="size" value="large"/>{refs}'))
    assert [r.size for r in clip.renditions] == [None, None]


# -- feeds ----------------------------------------------------------------------------------


def test_rss_encloses_a_picture_s_preview_with_its_length_and_type():
    doc = etree.fromstring(feeds.RSS.render(picture()))
    (enc,) = doc.findall("channel/item/enclosure")
    assert dict(enc.attrib) == {
        "url": "https://media.example.org/p/1/preview.jpg",
        "length": "201003",
        "type": "image/jpeg",
    }
    assert doc.findtext("channel/item/description") == picture().description


def test_atom_encloses_a_video_s_thumbnail_when_it_has_no_preview():
    doc = etree.fromstring(feeds.ATOM.render(video()))
    links = doc.findall(f"{{{feeds.ATOM_NS}}}entry/{{{feeds.ATOM_NS}}}link")
    assert [dict(link.attrib) for link in links] == [
        {"rel": "enclosure", "href": "https://media.example.org/v/7/thumb.jpg",
         "type": "image/jpeg"},
    ]  # fmt: skip


def test_json_feed_attaches_the_enclosed_rendition():
    (entry,) = json.loads(feeds.JSONFEED.render(picture()))["items"]
    assert entry["attachments"] == [
        {"url": "https://media.example.org/p/1/preview.jpg", "mime_type": "image/jpeg",
         "size_in_bytes": 201_003},
    ]  # fmt: skip
    assert entry["image"] == "https://media.example.org/p/1/preview.jpg"
    assert entry["summary"] == picture().description


@pytest.mark.parametrize("codec", [feeds.RSS, feeds.ATOM, feeds.JSONFEED], ids=lambda c: c.name)
def test_nothing_is_enclosed_without_a_preview_or_thumbnail_href(codec):
    for item in (
        story(),  # associations carry ids, not files
        picture(renditions=[Rendition(name="original", href="https://e.org/o.jpg")]),
        picture(renditions=[Rendition(name="preview", blob="ab" * 32)]),  # no href yet
    ):
        data = codec.render(item)
        assert b"enclosure" not in data and b"attachments" not in data


@pytest.mark.parametrize("codec", [feeds.RSS, feeds.ATOM], ids=lambda c: c.name)
def test_a_feed_entry_with_an_enclosure_and_no_content_is_a_media_item(codec):
    (back,) = codec.parse(codec.render(picture()))
    assert (back.type, back.description, back.lead, back.body) == (
        "picture", picture().description, "", [],
    )  # fmt: skip
    assert back.renditions == [
        Rendition(name="preview", href="https://media.example.org/p/1/preview.jpg",
                  content_type="image/jpeg", size=201_003),
    ]  # fmt: skip
    (clip,) = codec.parse(codec.render(video(renditions=[
        Rendition(name="preview", href="https://e.org/v.mp4", content_type="video/mp4")
    ])))  # fmt: skip
    assert (clip.type, clip.renditions[0].name) == ("video", "web")


def _rss(enclosure: str, content: str = "") -> bytes:
    return (
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        "<title>t</title><link>https://e.org/</link><description>d</description><item>"
        f"<guid>urn:x:1</guid><title>A headline</title><description>A caption</description>"
        f"{enclosure}{content}</item></channel></rss>"
    ).encode()


def test_a_story_entry_keeps_its_text_and_ignores_its_enclosure():
    enc = '<enclosure url="https://e.org/p.jpg" length="0" type="image/jpeg"/>'
    (item,) = feeds.RSS.parse(_rss(enc, "<content:encoded><![CDATA[<p>Body.</p>]]></content:encoded>"))
    assert (item.type, item.body, item.renditions) == ("text", ["Body."], [])


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "data:x"])
def test_a_feed_enclosure_that_is_not_http_is_refused(url):
    with pytest.raises(ParseError) as caught:
        feeds.RSS.parse(_rss(f'<enclosure url="{url}" length="0" type="image/jpeg"/>'))
    assert caught.value.field == "enclosure"


# -- agency plain text ----------------------------------------------------------------------


def test_plain_text_of_a_picture_is_its_headline_caption_and_credit():
    assert text.CODEC.render(picture()).decode() == (
        f"{picture().headline}\n\n{picture().description}\n{picture().credit}\n"
    )
    assert b"https://" not in text.CODEC.render(video())


# -- documents through newswire and back ----------------------------------------------------


@pytest.mark.parametrize(
    "name", ["ninjs3.1_003_associations_example.json", "ninjs3.0_tt_text_image_3.json"]
)
def test_a_ninjs3_document_s_associations_survive_newswire(name):
    data = (STANDARDS / "ninjs-examples" / name).read_bytes()
    (item,) = NINJS3.parse(data)
    again = NINJS3.render(item)
    assert schema_errors(NINJS3, again) == []
    assert NINJS3.parse(again) == [item]
    original = [(a["uri"], a["type"], a["name"]) for a in json.loads(data)["associations"]]
    kept = [(a["uri"], a["type"], a["name"]) for a in json.loads(again)["associations"]]
    assert kept == original


def test_a_tt_picture_survives_newsml_and_ninjs():
    data = (STANDARDS / "newsml-g2" / "TT_newsmlg2_sample.xml").read_bytes()
    _, photo = newsml.CODEC.parse(data)
    assert newsml.CODEC.parse(newsml.CODEC.render(photo)) == [photo]
    assert NINJS3.parse(NINJS3.render(photo)) == [photo]

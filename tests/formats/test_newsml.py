"""The NewsML-G2 codec: XSD-valid output, faithful round trips, IPTC examples, hostile input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

from newswire.errors import ParseError
from newswire.formats import detect, for_media_type, get, newsml, withdrawn
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
from tests.helpers import examples
from tests.items import arabic_item
from tests.strategies import news_items

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
STANDARDS = FIXTURES / "standards" / "newsml-g2"
OWN = FIXTURES / "newsml"
NAR = {"g2": "http://iptc.org/std/nar/2006-10-01/", "h": "http://www.w3.org/1999/xhtml"}
CODEC = newsml.CODEC


class _LocalXmlXsd(etree.Resolver):
    """No network in tests: the W3C ``xml.xsd`` is the copy beside the schema."""

    def resolve(self, url, pubid, context):
        if url and url.endswith("/xml.xsd"):
            return self.resolve_filename(str(STANDARDS / "xml.xsd"), context)
        return None


def _schema(name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalXmlXsd())
    return etree.XMLSchema(etree.parse(str(STANDARDS / name), parser))


SCHEMA = _schema("NewsML-G2_2.35-spec-All-Power.xsd")


def assert_valid(data: bytes) -> etree._Element:
    doc = etree.fromstring(data)
    assert SCHEMA.validate(doc), f"{SCHEMA.error_log}\n{data.decode()}"
    return doc


def newsml_view(item: NewsItem) -> NewsItem:
    """What a NewsML-G2 newsItem keeps of an item.

    Lossy: ``Entity.rel`` (a G2 ``subject`` has no attribute for how the item relates to
    it), except the first place ``located`` (written as ``located``, read back first); the
    coordinates of an entity without an id (they ride in an ``assert`` naming the id). An
    empty ``Dateline()`` is no dateline. A withdrawal has no signal (a kill is no update).
    Everything else is carried.
    """
    dateline = item.dateline if item.dateline != Dateline() else None
    here = newsml.located_entity(item)
    entities = [
        msgspec.structs.replace(e, rel="")
        if e.id
        else msgspec.structs.replace(e, rel="", latitude=None, longitude=None)
        for e in item.entities
        if e is not here
    ]
    entities = ([here] if here else []) + entities
    return msgspec.structs.replace(
        item, entities=entities, dateline=dateline, signal=withdrawn.signal(item)
    )


# -- registry ---------------------------------------------------------------------------------


def test_registered_under_its_name_and_media_types():
    assert get("newsml") is CODEC
    assert CODEC.label == "IPTC NewsML-G2 newsItem"
    assert CODEC.extension == "xml"
    assert for_media_type("application/vnd.iptc.g2.newsitem+xml; charset=utf-8") is CODEC
    assert for_media_type("application/vnd.iptc.g2.newsmessage+xml") is CODEC


@pytest.mark.parametrize(
    "path", [*sorted(STANDARDS.glob("LISTING_[12]_*.xml")), STANDARDS / "TT_newsmlg2_sample.xml"]
)
def test_sniffs_newsitem_and_newsmessage(path):
    data = path.read_bytes()
    assert CODEC.sniff(data)
    assert detect(data) is CODEC


def test_does_not_sniff_other_xml():
    assert not CODEC.sniff(
        (FIXTURES / "standards" / "nitf" / "NTB_nitf_3.6_sample.xml").read_bytes()
    )
    assert not CODEC.sniff(b"<catalog/>")
    assert not CODEC.sniff(b'{"uri": "x"}')


# -- rendering --------------------------------------------------------------------------------


def test_arabic_item_with_every_field_validates_and_round_trips():
    item = arabic_item()
    out = CODEC.render(item)
    doc = assert_valid(out)
    assert out.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert doc.get("guid") == item.id and doc.get("version") == "3"
    assert doc.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"
    assert doc.get("standard") == "NewsML-G2" and doc.get("standardversion") == "2.35"
    assert doc.get("conformance") == "power"
    assert [etree.QName(c).localname for c in doc] == [
        "catalogRef",
        "catalog",  # declaring the alias of its place's QCode, geonames:323786
        "rightsInfo",
        "itemMeta",
        "contentMeta",
        "contentSet",
    ]
    meta = [etree.QName(c).localname for c in doc.find("g2:itemMeta", NAR)]
    assert meta == [
        "itemClass", "provider", "versionCreated", "firstCreated", "embargoed", "pubStatus",
        "edNote", "signal", "link", "link", "link",
    ]  # fmt: skip
    x = lambda path: doc.xpath(path, namespaces=NAR)  # noqa: E731
    assert x("string(g2:itemMeta/g2:provider/@qcode)") == "nprov:AA"
    assert x("string(g2:itemMeta/g2:versionCreated)") == "2025-03-01T11:30:15Z"
    assert x("string(g2:itemMeta/g2:signal/@qcode)") == "sig:correction"
    assert x("string(g2:itemMeta/g2:pubStatus/@qcode)") == "stat:usable"
    prev = x("g2:itemMeta/g2:link[@rel='irel:previousVersion']")[0]
    assert (prev.get("residref"), prev.get("version")) == (item.id, "2")
    assert x("string(g2:contentMeta/g2:located/g2:name[@xml:lang='und-Latn'])") == "Ankara"
    assert x("string(g2:contentMeta/g2:infoSource/g2:name)") == "الأناضول"
    assert x("string(g2:contentMeta/g2:dateline)") == "أنقرة/ الأناضول"
    assert x("string(g2:contentMeta/g2:description[@role='drol:summary'])") == item.lead
    types = x("g2:contentMeta/g2:subject/@type")
    assert types == ["cpnat:abstract", "cpnat:person", "cpnat:organisation", "cpnat:geoArea",
                     "cpnat:event", "cpnat:object"]  # fmt: skip
    html = x("g2:contentSet/g2:inlineXML[@contenttype='application/xhtml+xml']/h:html")[0]
    assert (html.get("dir"), html.get("lang")) == ("rtl", "ar")
    assert x("string(g2:contentSet/g2:inlineXML/h:html/h:head/h:title)") == item.headline
    assert x("count(g2:contentSet/g2:inlineXML/h:html/h:body/h:*)") == 5
    assert CODEC.parse(out) == [newsml_view(item)]


def test_left_to_right_languages_get_ltr():
    out = CODEC.render(arabic_item(language="en-GB"))
    html = etree.fromstring(out).find(".//{http://www.w3.org/1999/xhtml}html")
    assert (html.get("dir"), html.get("lang")) == ("ltr", "en-GB")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("ku-Arab", "rtl"), ("ku", "ltr"), ("ku-Arab-IQ", "rtl"), ("ug-Latn", "ltr"),
     ("ug", "rtl"), ("ar-Latn", "ltr"), ("ur-Aran", "rtl"), ("syr-Syrn", "rtl"),
     ("ar-Zyyy", "rtl"), ("ar-Qaab", "rtl"), ("en-Zyyy", "ltr"), ("ur-Latn", "ltr")],
)  # fmt: skip
def test_a_script_subtag_decides_the_direction(lang, expected):
    """Kurdish in Arabic script (``ku-Arab``) runs right to left, though Kurmanji (``ku``,
    in Latin letters) does not, and Uyghur in Latin letters (``ug-Latn``) left to right:
    the body's ``dir`` followed the primary language alone. Every right-to-left script
    decides so, not only the common ones (Urdu in Nastaliq, ``ur-Aran``; Eastern Syriac,
    ``syr-Syrn``), and one that names no way of writing (``Zyyy``, common; a private-use
    ``Qaab``) leaves it to the language."""
    out = CODEC.render(arabic_item(language=lang))
    html = etree.fromstring(out).find(".//{http://www.w3.org/1999/xhtml}html")
    assert (html.get("dir"), html.get("lang")) == (expected, lang)


def test_minimal_item_validates():
    item = NewsItem(id="urn:x:1", headline="h", body=["b"], body_html="<p>b</p>")
    out = CODEC.render(item)
    assert_valid(out)
    back = CODEC.parse(out)[0]
    assert (back.id, back.headline, back.body, back.provider, back.dateline) == (
        "urn:x:1", "h", ["b"], "", None,
    )  # fmt: skip
    assert back.versioncreated is not None  # required by the XSD: now when the item has none


def test_provider_that_is_not_a_code_is_only_a_name():
    out = CODEC.render(arabic_item(provider="Anadolu Agency"))
    doc = assert_valid(out)
    provider = doc.find("g2:itemMeta/g2:provider", NAR)
    assert provider.get("qcode") is None
    assert CODEC.parse(out)[0].provider == "Anadolu Agency"


@pytest.mark.parametrize(
    ("public_name", "dateline", "named"),
    [
        ("Anadolu Agency", Dateline(place="أنقرة", source="الأناضول"), "Anadolu Agency"),
        ("", Dateline(place="أنقرة", source="الأناضول"), "الأناضول"),
        ("", None, "newswire"),
    ],
)
def test_an_item_without_provider_names_the_agency_as_inferred(
    monkeypatch, public_name, dateline, named
):
    """itemMeta/provider is required by the XSD; an empty one names no party. The agency's
    name stands in, marked inferred, and reads back as no provider (the same item sent
    back is no update)."""
    monkeypatch.setenv("NEWSWIRE_PUBLIC_NAME", public_name)
    item = arabic_item(provider="", dateline=dateline, copyright_holder="")
    out = CODEC.render(item)
    doc = assert_valid(out)
    provider = doc.find("g2:itemMeta/g2:provider", NAR)
    assert provider.findtext("g2:name", namespaces=NAR) == named
    assert provider.get("why") == "why:inferred" and provider.get("qcode") is None
    back = CODEC.parse(out)[0]
    assert back.provider == "" and CODEC.render(back) == out


def test_latin_place_alone_and_source_alone():
    for dl in (Dateline(place_latin="Ankara"), Dateline(source="AFP"), Dateline(text="PARIS —")):
        out = CODEC.render(arabic_item(dateline=dl))
        assert_valid(out)
        assert CODEC.parse(out)[0].dateline == dl


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(news_items(rich_body=True))
def test_generated_items_validate_against_the_xsd(item):
    assert_valid(CODEC.render(item))


@settings(max_examples=examples(200), deadline=None)
@given(news_items(rich_body=True))
def test_round_trip_keeps_every_field_newsml_carries(item):
    out = CODEC.render(item)
    back = CODEC.parse(out)
    assert back == [newsml_view(item)]
    assert CODEC.render(back[0]) == out


# -- the IPTC examples -------------------------------------------------------------------------

WRAPPER = (
    b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:test:listing" '
    b'standard="NewsML-G2" standardversion="2.35"><itemMeta><itemClass qcode="ninat:text"/>'
    b'<provider qcode="nprov:IPTC"/><versionCreated>2016-02-09T09:17:00+03:00</versionCreated>'
    b"</itemMeta>%s</newsItem>"
)


def listing(name: str) -> bytes:
    """An IPTC listing; the fragments (contentSet, contentMeta) wrapped in a newsItem."""
    data = next(STANDARDS.glob(f"{name}*.xml")).read_bytes()
    return data if data.lstrip().startswith(b"<?xml") else WRAPPER % data


def test_listing_1_news_item():
    (item,) = CODEC.parse(listing("LISTING_1_"))
    assert item.id == "urn:newsml:acmenews.com:20161018:US-FINANCE-FED"
    assert (item.version, item.language, item.provider) == (11, "en-GB", "REUTERS")
    assert item.headline == 'Fed to halt QE to avert "bubble"'
    assert item.versioncreated == datetime(2018, 10, 21, 21, 25, 32, tzinfo=UTC)
    assert item.firstcreated == datetime(2016, 10, 18, 18, 12, 21, tzinfo=UTC)
    assert item.embargo_until == datetime(2018, 10, 23, 12, 0, tzinfo=UTC)
    assert (item.pubstatus, item.signal, item.slugline) == ("usable", "update", "US-Finance-Fed")
    assert item.ednote.startswith("Note to editors: STRICTLY EMBARGOED.")
    assert item.copyright_holder == "Example Enews LLP"
    assert item.copyright_notice == "Copyright 2017-18 Example Enews LLP, all rights reserved"
    assert item.usage_terms == "Not for use outside the United States"
    assert item.byline == "Meredith Jameson"
    assert item.dateline == Dateline(place="Berlin")
    assert [s.code for s in item.subjects] == ["medtop:04000000", "medtop:20000523"]
    assert item.subjects[1].name == "labour market"  # the en-GB name, not the German one
    assert item.genres == [Concept(code="genre:interview", name="Interview")]
    assert item.related == [
        Link(uri="http://www.example.com/video/20081222-PNN-1517-407624/index.html")
    ]
    assert item.body == []  # its inlineXML holds only comments


def test_listing_2_text_document_with_nitf_body():
    (item,) = CODEC.parse(listing("LISTING_2_"))
    assert (item.language, item.provider) == ("en-US", "http://www.acmenews.com/about/")
    assert item.dateline == Dateline(place="New York, NY", source="Associated Press")
    assert len(item.body) == 2
    assert item.body[0].startswith("(New York, NY - October 21) Et, sent luptat luptat")
    assert item.body_html.startswith("<p>(New York, NY - October 21)")
    assert len(item.subjects) == 3


def test_listing_25_nitf_in_inline_xml():
    (item,) = CODEC.parse(listing("LISTING_25_"))
    assert item.headline.startswith("Arizona Diamondbacks (29-23) at Philadelphia Phillies")
    assert item.lead.startswith("A pair of teams coming off big weekend sweeps")
    assert item.byline == "Sports Network"
    assert len(item.body) == 1 and item.body[0].startswith("(Sports Network) - With the")


def test_listing_28_located_subject_and_dateline():
    (item,) = CODEC.parse(listing("LISTING_28_"))
    assert item.dateline == Dateline(text="MOSCOW, Monday (Reuters)")
    assert item.byline == "Thomson Reuters"
    # The located place is coded (city:Moscow): the item's resolved dateline place.
    assert [(e.kind, e.id, e.rel) for e in item.entities] == [
        ("place", "city:Moscow", "located"),
        ("place", "city:Tskhinvali", ""),
        ("place", "city:Tblisi", ""),
    ]


@pytest.mark.parametrize("creator", ["system", "نظام التصنيف", "editor:ahmad", "https://wire.example/desk"])
def test_a_subjects_creator_in_free_words_renders_valid_and_reads_back(creator):
    """ninjs's ``creator`` is any string (IPTC's own TT example says ``"system"``), but G2's
    ``@creator`` is a QCode: words that are neither QCode nor URI ride in ``@creatoruri``
    and come back as they were."""
    subject = Concept(code="medtop:16000000", name="conflict", creator=creator, confidence=58)
    item = msgspec.structs.replace(arabic_item(), subjects=[subject], entities=[])
    assert_valid(CODEC.render(item))
    (back,) = CODEC.parse(CODEC.render(item))
    assert [(s.creator, s.confidence) for s in back.subjects] == [(creator, 58)]


def test_iptc_tt_ninjs_example_renders_valid_newsml():
    ninjs = (FIXTURES / "standards" / "ninjs-examples" / "ninjs3.0_tt_text_image_3.json")
    (item,) = get("ninjs").parse(ninjs.read_bytes())
    assert "system" in [s.creator for s in item.subjects]
    assert_valid(CODEC.render(item))


def test_located_is_the_place_the_dateline_names_not_the_first_located_one():
    """A picture taken in with City and Country: the country is a place ``located`` (the
    file's, first), the city the dateline's, resolved by enrichment (the machine's, after).
    ``located`` carries the city's name: its id and coordinates must be the city's, not
    Egypt's, and Egypt stays a subject."""
    egypt = Entity(kind="place", name="مصر", rel="located", id="https://sws.geonames.org/357994/",
                   country="EG")
    cairo = Entity(kind="place", name="القاهرة", rel="located", creator=MACHINE, confidence=95,
                   id="https://sws.geonames.org/360630/", country="EG",
                   latitude=30.06263, longitude=31.24967)
    renditions = [Rendition(name="original", href="https://wire.example/p.jpg")]
    for place, named in (("القاهرة", "the dateline's name"), ("Cairo", "the machine's")):
        item = NewsItem(id="urn:p:1", type="picture", language="ar", headline="احتجاج",
                        dateline=Dateline(place=place), entities=[egypt, cairo],
                        renditions=renditions)
        meta = assert_valid(CODEC.render(item)).find("g2:contentMeta", NAR)
        located = meta.find("g2:located", NAR)
        assert located.get("uri") == cairo.id, named
        assert located.find("g2:geoAreaDetails/g2:position", NAR).get("latitude") == "30.06263"
        assert [s.get("uri") for s in meta.findall("g2:subject", NAR)] == [egypt.id], named
        (back,) = CODEC.parse(CODEC.render(item))
        assert [(e.id, e.rel) for e in back.entities] == [(cairo.id, "located"), (egypt.id, "")]


def test_tt_news_message_returns_its_text_item_with_its_packaged_picture():
    item, photo = CODEC.parse((STANDARDS / "TT_newsmlg2_sample.xml").read_bytes())
    assert item.id == "http://tt.se/media/text/210919-janguillou-879f202b"
    assert (item.language, item.provider, item.urgency) == ("sv", "TT", 3)
    assert item.headline == 'Jan Guillou skriver på ny "Hamilton"-bok'
    assert item.copyright_holder == "TT"
    assert [e.name for e in item.entities_of("person")] == ["Jan Guillou", "Erik Ponti", "Hamilton"]
    assert any(p.startswith("Boken blir den elfte i serien") for p in item.body)
    assert "Journalisten och författaren" not in " ".join(item.body)  # figure dropped
    assert item.body.count(item.headline) == 0  # the h1 repeating the headline dropped
    assert "<blockquote>" in item.body_html
    # The package groups the story with its picture: an association, named as TT names it.
    caption = "Journalisten och författaren Jan Guillou jobbar på en ny bok om agenten Hamilton. Arkivbild."
    assert item.associations == [Association(id=photo.id, name="a001", headline=caption)]
    assert (photo.type, photo.description, photo.headline) == ("picture", caption, "")
    assert [(r.name, r.width, r.height, r.size) for r in photo.renditions] == [
        ("highRes", 4928, 3280, 6223550),
        ("preview", 1024, 682, 156675),
        ("rendition3", 1024, 682, 156675),  # TT gives its watermarked preview no rendition
        ("thumbnail", 256, 171, 15076),
    ]
    assert photo.renditions[0].href.startswith("https://beta.tt.se/media/text/")
    assert {r.content_type for r in photo.renditions} == {"image/jpeg"}


def test_minimal_arabic_example():
    data = (STANDARDS / "minimal_newsitem_ar_xhtml.UNOFFICIAL-example.xml").read_bytes()
    (item,) = CODEC.parse(data)
    assert (item.language, item.headline, item.lead, item.body) == (
        "ar", "عنوان الخبر", "ملخص", ["نص الخبر."],
    )  # fmt: skip
    assert item.dateline == Dateline(place="دبي", source="وكالة", text="دبي، 1 يناير (وكالة)")
    assert (item.version, item.urgency, item.signal, item.provider) == (2, 3, "update", "EXAMPLE")


@pytest.mark.parametrize(
    "name",
    ["LISTING_1_", "LISTING_2_", "LISTING_25_", "LISTING_28_", "TT_", "minimal_newsitem_ar"],
)
def test_re_rendered_iptc_examples_validate_and_are_stable(name):
    for item in CODEC.parse(listing(name)):
        out = CODEC.render(item)
        assert_valid(out)
        assert CODEC.parse(out) == [newsml_view(item)]


# -- other shapes -----------------------------------------------------------------------------


def test_news_message_returns_every_item():
    items = CODEC.parse((OWN / "news_message.xml").read_bytes())
    assert [(i.id, i.type) for i in items] == [
        ("urn:newsml:aa.com.tr:20250301:1", "text"),
        ("urn:newsml:aa.com.tr:20250301:2", "text"),
        ("urn:newsml:aa.com.tr:20250301:photo", "picture"),
    ]
    assert items[2].renditions == [
        Rendition(
            name="rendition1", href="https://example.org/photo.jpg", content_type="image/jpeg"
        )
    ]
    assert items[0].body == ["نص الخبر الأول."]
    assert items[0].versioncreated == datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    assert (items[1].version, items[1].pubstatus) == (4, "withheld")
    assert items[1].body == ["First paragraph.", "Second paragraph."]


def test_news_message_without_items_is_refused():
    data = (
        b'<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><header><sent>'
        b"2025-01-01T00:00:00Z</sent></header><itemSet/></newsMessage>"
    )
    with pytest.raises(ParseError, match="no newsItem"):
        CODEC.parse(data)


def test_inline_data_plain_text_body():
    (item,) = CODEC.parse((OWN / "inline_data_plain.xml").read_bytes())
    assert item.body == [
        "LONDON (Example) - The first paragraph wraps over two lines.",
        "The second paragraph <is> plain & simple.",
    ]
    assert "<p>The second paragraph &lt;is&gt; plain &amp; simple.</p>" in item.body_html
    assert item.versioncreated == datetime(2025, 1, 1, 9, 5, 0, tzinfo=UTC)  # ms dropped


# -- hostile and broken input -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n",
        b"<newsItem",
        "<newsItem guid='x'>خبر</newsItem>".encode("cp1256"),
        b"\xff\xfe\x00garbage",
        b'{"uri": "urn:x"}',
    ],
)
def test_garbage_is_a_parse_error(data):
    with pytest.raises(ParseError):
        CODEC.parse(data)


def test_other_xml_names_its_root():
    with pytest.raises(ParseError, match="<catalog>"):
        CODEC.parse(b"<?xml version='1.0'?><catalog><book/></catalog>")
    with pytest.raises(ParseError, match="<nitf>"):
        CODEC.parse((FIXTURES / "standards" / "nitf" / "NTB_nitf_3.6_sample.xml").read_bytes())
    with pytest.raises(ParseError, match="<contentSet>"):
        CODEC.parse(next(STANDARDS.glob("LISTING_25_*.xml")).read_bytes())


def item_xml(meta: str = "", attrs: str = 'guid="urn:x:1" version="1"', content: str = "") -> bytes:
    return (
        f'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" {attrs} standard="NewsML-G2" '
        f'standardversion="2.35"><itemMeta><itemClass qcode="ninat:text"/><provider/>'
        f"{meta or '<versionCreated>2025-01-01T00:00:00Z</versionCreated>'}</itemMeta>"
        f"<contentMeta>{content}</contentMeta></newsItem>"
    ).encode()


V = "<versionCreated>2025-01-01T00:00:00Z</versionCreated>"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (item_xml("<versionCreated>yesterday</versionCreated>"), "versionCreated"),
        (item_xml("<versionCreated>2025-13-45T00:00:00Z</versionCreated>"), "versionCreated"),
        (item_xml(V + "<firstCreated>x</firstCreated>"), "firstCreated"),
        (item_xml(V + "<embargoed>soon</embargoed>"), "embargoed"),
        (item_xml(V + '<pubStatus qcode="stat:maybe"/>'), "pubStatus"),
        (item_xml(V + '<link rel="irel:previousVersion" version="x"/>'), "link"),
        (item_xml(attrs='guid="urn:x:1" version="two"'), "version"),
        (item_xml(attrs='version="1"'), "guid"),
        (item_xml(content="<urgency>high</urgency>"), "urgency"),
    ],
)
def test_bad_fields_name_the_field(data, field):
    with pytest.raises(ParseError) as info:
        CODEC.parse(data)
    assert info.value.field == field


def test_dates_become_aware_utc_to_the_second():
    (item,) = CODEC.parse(
        item_xml("<versionCreated>2025-06-01T12:30:45.987+02:00</versionCreated>")
    )
    assert item.versioncreated == datetime(2025, 6, 1, 10, 30, 45, tzinfo=UTC)
    (item,) = CODEC.parse(item_xml("<versionCreated>2025-06-01T12:30:45</versionCreated>"))
    assert item.versioncreated == datetime(2025, 6, 1, 12, 30, 45, tzinfo=UTC)  # no offset: UTC


def test_an_unreadable_item_does_not_sink_the_news_message():
    """A picture at a ``javascript:`` URL in a newsMessage refused the whole message."""
    from newswire.ingest import parse_bytes

    data = (FIXTURES / "newsml" / "news_message.xml").read_bytes()
    data = data.replace(b"https://example.org/photo.jpg", b"javascript:alert(1)")
    rejected: list[str] = []
    items = parse_bytes(data, max_bytes=1 << 20, rejected=rejected)
    stories = ["urn:newsml:aa.com.tr:20250301:1", "urn:newsml:aa.com.tr:20250301:2"]
    assert [i.id for i in items] == stories
    assert len(rejected) == 1
    assert rejected[0].startswith("entry 3 (urn:newsml:aa.com.tr:20250301:photo): ")


def test_a_withdrawal_is_canceled_with_no_update_signal():
    """A kill is ``stat:canceled`` with the link to the version it ends; IPTC's signals say
    how content changed (``sig:update``, ``sig:correction``), and labelled ``sig:update``
    a kill read as new text to publish. A kill stored before withdrawals dropped their
    signal says ``update`` still: so rendered."""
    kill = msgspec.structs.replace(
        arabic_item(), version=3, pubstatus="canceled", signal="update", replaces=2,
        ednote="خطأ في الأرقام",
    )
    doc = assert_valid(CODEC.render(kill))
    meta = doc.find("g2:itemMeta", NAR)
    assert meta.find("g2:pubStatus", NAR).get("qcode") == "stat:canceled"
    assert meta.findall("g2:signal", NAR) == []
    link = meta.find("g2:link", NAR)
    assert (link.get("rel"), link.get("version")) == ("irel:previousVersion", "2")
    [back] = CODEC.parse(CODEC.render(kill))
    assert (back.pubstatus, back.signal, back.replaces) == ("canceled", None, 2)

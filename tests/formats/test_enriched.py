"""What enrichment adds survives every format: the seed story (Anadolu, Arabic) as the
pipeline delivers it, with machine-made subjects and entities, a resolved dateline place
with its coordinates, is rendered, checked against each format's official schema and read
back; what a format has no room for is asserted lost, as its module docstring says.
"""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest
from lxml import etree

from newswire import formats
from newswire.errors import ParseError
from newswire.formats import feeds, newsml, nitf
from newswire.formats.ninjs import NINJS2, NINJS3
from newswire.model import (
    MACHINE,
    Association,
    Concept,
    Entity,
    NewsItem,
    canonical,
    from_json,
    to_json,
)
from tests.formats.test_newsml import assert_valid as assert_valid_g2
from tests.formats.test_ninjs import schema_errors
from tests.formats.test_nitf import assert_valid as assert_valid_nitf

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "text" / "seed_aa_ar.txt"

ANKARA = Entity(
    kind="place",
    name="أنقرة",
    id="https://sws.geonames.org/323786/",
    rel="located",
    creator=MACHINE,
    confidence=97,
    country="TR",
    latitude=39.91987,
    longitude=32.85427,
)
GAZA = Entity(
    kind="place",
    name="غزة",
    id="https://sws.geonames.org/281133/",
    rel="mentions",
    creator=MACHINE,
    confidence=90,
    country="PS",
    latitude=31.50161,
    longitude=34.46672,
)
KALIN = Entity(
    kind="person",
    name="إبراهيم قالن",
    id="nwv:ibrahim-kalin",
    rel="mentions",
    creator=MACHINE,
    confidence=88,
)
HAMAS = Entity(
    kind="organisation",
    name="حماس",
    id="nwv:hamas",
    rel="mentions",
    creator=MACHINE,
    confidence=95,
)
POLITICS = Concept(code="medtop:11000000", name="سياسة", creator=MACHINE, confidence=81)
CONFLICT = Concept(code="medtop:16000000", name="نزاع وحرب وسلام", creator=MACHINE, confidence=64)
EDITORS = Concept(code="medtop:20000621", name="علاقات دولية")  # an editor's: no creator


def enriched() -> NewsItem:
    """The seed story as ingested, with what the enrichment steps would add to it."""
    [item] = formats.get("text").parse(SEED.read_bytes())
    assert item.dateline is not None and item.dateline.place == "أنقرة"
    return msgspec.structs.replace(
        item,
        id="urn:newsml:aa.com.tr:20250405:3530001",
        language="ar",
        subjects=[POLITICS, CONFLICT, EDITORS],
        entities=[ANKARA, KALIN, HAMAS, GAZA],
    )


def without_marks(e: Entity) -> Entity:
    return msgspec.structs.replace(e, creator="", confidence=None)


# -- the store ---------------------------------------------------------------------------------


def test_the_store_s_json_keeps_who_found_what_and_where_it_is():
    item = canonical(enriched())
    assert from_json(to_json(item)) == item
    doc = json.loads(to_json(item))
    assert doc["subjects"][0] == {
        "code": "medtop:11000000",
        "name": "سياسة",
        "creator": "machine",
        "confidence": 81,
    }
    assert doc["subjects"][2] == {"code": "medtop:20000621", "name": "علاقات دولية"}
    assert doc["entities"][0]["latitude"] == 39.91987 and doc["entities"][0]["country"] == "TR"


def test_an_item_without_the_new_fields_encodes_as_before():
    """No new key appears in the JSON of an item that has none of them: what the store holds
    (and hashes) for items stored before enrichment does not change."""
    item = msgspec.structs.replace(
        enriched(),
        subjects=[Concept(code="medtop:11000000", name="سياسة")],
        entities=[Entity(kind="person", name="إبراهيم قالن")],
    )
    data = to_json(canonical(item))
    for key in (b'"creator"', b'"confidence"', b'"country"', b'"latitude"', b'"longitude"'):
        assert key not in data


# -- ninjs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", [NINJS3, NINJS2], ids=lambda c: c.name)
def test_ninjs_carries_subjects_marks_and_places_coordinates(codec):
    item = enriched()
    data = codec.render(item)
    assert schema_errors(codec, data) == []
    doc = json.loads(data)
    geo = "geojson" if codec is NINJS2 else "geoJSON"
    assert doc["subjects"][0] == {
        "name": "سياسة",
        "uri": "http://cv.iptc.org/newscodes/mediatopic/11000000",
        "literal": "medtop:11000000",
        "creator": "machine",
        "confidence": 81,
    }
    assert "creator" not in doc["subjects"][2] and "confidence" not in doc["subjects"][2]
    assert doc["places"] == [
        # the dateline's Latin name, as the place resolved (its uri)
        {"name": "Ankara", "rel": "located", "uri": "https://sws.geonames.org/323786/"},
        {
            "name": "أنقرة",
            "rel": "located",
            "uri": "https://sws.geonames.org/323786/",
            geo: {"type": "Point", "coordinates": [32.85427, 39.91987]},
        },
        {
            "name": "غزة",
            "rel": "mentions",
            "uri": "https://sws.geonames.org/281133/",
            geo: {"type": "Point", "coordinates": [34.46672, 31.50161]},
        },
    ]
    assert doc["people"] == [
        {"name": "إبراهيم قالن", "rel": "mentions", "literal": "nwv:ibrahim-kalin"}
    ]
    assert doc["organisations"] == [{"name": "حماس", "rel": "mentions", "literal": "nwv:hamas"}]


@pytest.mark.parametrize("codec", [NINJS3, NINJS2], ids=lambda c: c.name)
def test_ninjs_reads_back_what_it_carries_and_loses_entity_marks_and_country(codec):
    item = enriched()
    [back] = codec.parse(codec.render(item))
    assert back.subjects == item.subjects
    assert back.dateline == item.dateline
    # ninjs people, organisations and places have no creator, confidence or country.
    lost = [msgspec.structs.replace(without_marks(e), country="") for e in item.entities]
    by_kind = {"person": 0, "organisation": 1, "place": 2}
    assert back.entities == sorted(lost, key=lambda e: by_kind[e.kind])


def test_an_editor_s_correction_posted_back_as_ninjs_is_read():
    """An editor takes the delivered ninjs, drops a subject, fixes a place, posts it back."""
    doc = json.loads(NINJS3.render(enriched()))
    doc["subjects"] = [s for s in doc["subjects"] if s["literal"] != "medtop:16000000"]
    doc["subjects"][0].pop("creator")
    doc["subjects"][0]["confidence"] = 100
    doc["places"][2]["geoJSON"]["coordinates"] = [34.45, 31.52]
    [back] = NINJS3.parse(json.dumps(doc).encode())
    assert back.subjects[0] == Concept(code="medtop:11000000", name="سياسة", confidence=100)
    assert (back.entities[-1].latitude, back.entities[-1].longitude) == (31.52, 34.45)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"confidence": 101}, "subjects[0].confidence"),
        ({"confidence": "high"}, "subjects[0].confidence"),
        ({"confidence": 80.5}, "subjects[0].confidence"),
    ],
)
def test_ninjs_refuses_a_confidence_that_is_not_0_to_100(change, field):
    doc = json.loads(NINJS3.render(enriched()))
    doc["subjects"][0] |= change
    with pytest.raises(ParseError) as e:
        NINJS3.parse(json.dumps(doc).encode())
    assert e.value.field == field


@pytest.mark.parametrize("coordinates", [[200, 10], [10], ["32", "39"], [32, 95]])
def test_ninjs_refuses_coordinates_that_are_not_on_earth(coordinates):
    doc = json.loads(NINJS3.render(enriched()))
    doc["places"][1]["geoJSON"]["coordinates"] = coordinates
    with pytest.raises(ParseError) as e:
        NINJS3.parse(json.dumps(doc).encode())
    assert e.value.field == "places[1].geoJSON.coordinates"


def test_ninjs_reads_a_place_whose_geojson_is_a_feature():
    doc = json.loads(NINJS3.render(enriched()))
    point = doc["places"][1]["geoJSON"]
    doc["places"][1]["geoJSON"] = {"type": "Feature", "geometry": point, "properties": {}}
    [back] = NINJS3.parse(json.dumps(doc).encode())
    assert (back.entities[2].latitude, back.entities[2].longitude) == (39.91987, 32.85427)


# -- NewsML-G2 ---------------------------------------------------------------------------------


def test_newsml_carries_the_located_place_machine_marks_countries_and_positions():
    item = enriched()
    data = newsml.CODEC.render(item)
    doc = assert_valid_g2(data)
    ns = {"g2": newsml.NAR}
    located = doc.find("g2:contentMeta/g2:located", ns)
    assert located.get("uri") == "https://sws.geonames.org/323786/"
    assert located.get("qcode") == "geonames:323786"  # the "subject with a qcode"
    assert (located.get("type"), located.get("why")) == ("cpnat:geoArea", "why:inferred")
    assert [n.text for n in located.findall("g2:name", ns)] == ["أنقرة", "Ankara"]
    assert located.find("g2:broader", ns).get("qcode") == "iso3166-1a2:TR"
    position = located.find("g2:geoAreaDetails/g2:position", ns)
    assert (position.get("latitude"), position.get("longitude")) == ("39.91987", "32.85427")
    subjects = doc.findall("g2:contentMeta/g2:subject", ns)
    politics = subjects[0]
    assert (politics.get("qcode"), politics.get("why"), politics.get("confidence")) == (
        "medtop:11000000",
        "why:inferred",
        "81",
    )
    assert subjects[2].get("why") is None and subjects[2].get("confidence") is None
    kalin = doc.find("g2:contentMeta/g2:subject[@qcode='nwv:ibrahim-kalin']", ns)
    assert kalin.get("type") == "cpnat:person" and kalin.get("confidence") == "88"
    assert kalin.find("g2:name", ns).get(nitf.XML_LANG) == "ar"
    gaza = doc.find("g2:contentMeta/g2:subject[@type='cpnat:geoArea']", ns)
    assert gaza.get("uri") == "https://sws.geonames.org/281133/"
    assert gaza.get("qcode") == "geonames:281133"
    assert gaza.find("g2:broader", ns).get("qcode") == "iso3166-1a2:PS"
    [claim] = doc.findall("g2:assert", ns)  # Gaza's coordinates: a subject has no room
    assert claim.get("uri") == gaza.get("uri")
    assert claim.find("g2:geoAreaDetails/g2:position", ns).get("latitude") == "31.50161"


def test_newsml_declares_the_schemes_of_newswire_s_own_qcodes_and_only_those():
    ns = {"g2": newsml.NAR}

    def declared(item: NewsItem) -> dict[str, str]:
        doc = assert_valid_g2(newsml.CODEC.render(item))
        return {s.get("alias"): s.get("uri") for s in doc.findall("g2:catalog/g2:scheme", ns)}

    item = enriched()
    geonames = {"geonames": "https://sws.geonames.org/"}  # Ankara, Gaza
    assert declared(item) == {"nwv": "urn:newswire:vocabulary:", **geonames}
    thread = Association(id="urn:newswire:item:1", rel="nwrel:sameStory", creator=MACHINE)
    assert declared(msgspec.structs.replace(item, associations=[thread])) == {
        "nwv": "urn:newswire:vocabulary:",
        "nwrel": "urn:newswire:relation:",
        **geonames,
    }
    assert declared(msgspec.structs.replace(item, entities=[GAZA], associations=[])) == geonames
    plain = msgspec.structs.replace(item, entities=[], associations=[])
    assert declared(plain) == {}  # IPTC's schemes only: its catalogRef says all
    [back] = newsml.CODEC.parse(newsml.CODEC.render(item))
    assert back.entities[1:3] == [msgspec.structs.replace(e, rel="") for e in (KALIN, HAMAS)]


def test_newsml_reads_back_everything_but_the_rel_of_what_is_not_located():
    item = enriched()
    [back] = newsml.CODEC.parse(newsml.CODEC.render(item))
    assert back.subjects == item.subjects
    assert back.dateline == item.dateline
    # ``located`` has no confidence attribute (FlexLocationPropType): the only loss there.
    assert back.entities == [msgspec.structs.replace(ANKARA, confidence=None)] + [
        msgspec.structs.replace(e, rel="") for e in (KALIN, HAMAS, GAZA)
    ]


def test_newsml_reads_a_geonames_place_by_its_uri_or_its_qcode_alone():
    """A gazetteer place goes out with its QCode and its URI and comes back as the URI
    (its id); another system's G2 naming it by the QCode alone gives that QCode, as
    NITF's ``geonames`` location codes do."""
    data = newsml.CODEC.render(enriched())
    [back] = newsml.CODEC.parse(data)
    assert [e.id for e in back.entities if e.name == GAZA.name] == [GAZA.id]
    alone = data.replace(b' uri="https://sws.geonames.org/281133/"', b"")
    assert alone.count(b'qcode="geonames:281133"') == 2  # the subject and its assert
    [back] = newsml.CODEC.parse(alone)
    [gaza] = [e for e in back.entities if e.name == GAZA.name]
    assert (gaza.id, gaza.latitude) == ("geonames:281133", GAZA.latitude)


def test_newsml_writes_tiny_coordinates_as_decimals_the_schema_accepts():
    place = msgspec.structs.replace(GAZA, latitude=1e-05, longitude=-0.0001)
    item = msgspec.structs.replace(enriched(), entities=[ANKARA, place])
    data = newsml.CODEC.render(item)
    assert_valid_g2(data)
    assert b'latitude="0.00001"' in data
    [back] = newsml.CODEC.parse(data)
    assert (back.entities[1].latitude, back.entities[1].longitude) == (1e-05, -0.0001)


def test_newsml_refuses_a_confidence_over_100():
    data = newsml.CODEC.render(enriched()).replace(b'confidence="81"', b'confidence="181"')
    with pytest.raises(ParseError):
        newsml.CODEC.parse(data)


# -- NITF --------------------------------------------------------------------------------------


def test_nitf_carries_ids_countries_and_coordinates_of_places():
    item = enriched()
    data = nitf.CODEC.render(item)
    doc = assert_valid_nitf(data)
    ns = {"n": nitf.NS}
    places = doc.findall(".//n:identified-content/n:location", ns)
    assert [p.get("location-code") for p in places] == [ANKARA.id, GAZA.id]
    assert places[0].find("n:country", ns).get("iso-cc") == "TR"
    geo = places[0].find("n:alt-code", ns)
    assert (geo.get("idsrc"), geo.get("value")) == ("geo", "39.91987,32.85427")
    kalin = doc.find(".//n:identified-content/n:person", ns)
    assert (kalin.get("idsrc"), kalin.get("value"), kalin.text) == (
        "nwv",
        "ibrahim-kalin",
        "إبراهيم قالن",
    )


def test_nitf_reads_back_ids_countries_and_coordinates_and_loses_marks_and_rel():
    item = enriched()
    [back] = nitf.CODEC.parse(nitf.CODEC.render(item))
    assert back.entities == [
        msgspec.structs.replace(without_marks(e), rel="") for e in item.entities
    ]
    assert back.subjects == [Concept(code=s.code, name=s.name) for s in item.subjects]


# -- feeds -------------------------------------------------------------------------------------


def test_atom_carries_entities_as_categories_with_their_ids():
    item = enriched()
    data = feeds.ATOM.render(item)
    [back] = feeds.ATOM.parse(data)
    assert back.entities == [Entity(kind=e.kind, name=e.name, id=e.id) for e in item.entities]
    assert back.subjects == [Concept(code=s.code, name=s.name) for s in item.subjects]
    root = etree.fromstring(data)
    scheme = {c.get("label"): c.get("scheme") for c in root.iter(f"{{{feeds.ATOM_NS}}}category")}
    assert scheme["أنقرة"] == "http://cv.iptc.org/newscodes/cpnature/geoArea"
    assert scheme["حماس"] == "http://cv.iptc.org/newscodes/cpnature/organisation"


def test_rss_carries_entities_as_categories_by_name():
    item = enriched()
    [back] = feeds.RSS.parse(feeds.RSS.render(item))
    assert back.entities == [Entity(kind=e.kind, name=e.name) for e in item.entities]


def test_json_feed_tags_the_entities_and_keeps_their_ids():
    doc = json.loads(feeds.JSONFEED.render(enriched()))
    [entry] = doc["items"]
    assert {"أنقرة", "إبراهيم قالن", "حماس", "غزة"} <= set(entry["tags"])
    assert entry["_newswire"]["entities"][1] == {
        "kind": "person",
        "name": "إبراهيم قالن",
        "id": "nwv:ibrahim-kalin",
    }

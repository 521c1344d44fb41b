"""The pipeline: every step over an item, and who wins when the item already says something.

The steps are the real ones (language, dateline, entities on the reference item); where a
rule is about what a step *could* find (an editor's subject against the machine's), a
``Said`` step that says a fixed thing stands for any step, so the rule is tested apart from
any one model's opinion.
"""

from __future__ import annotations

import msgspec
import pytest

from newswire import formats
from newswire.enrich import pipeline
from newswire.enrich.base import Context, Document, Findings
from newswire.enrich.pipeline import Enricher, build, key
from newswire.errors import NewswireError
from newswire.model import MACHINE, Association, Concept, Dateline, Entity, NewsItem
from newswire.settings import steps_setting
from tests.conftest import SEED

GAZA = "https://sws.geonames.org/281133/"
ANKARA = "https://sws.geonames.org/323786/"
BEIRUT = "https://sws.geonames.org/276781/"
LIBYA_TRIPOLI = "https://sws.geonames.org/2210247/"
LEBANON_TRIPOLI = "https://sws.geonames.org/266826/"
POLITICS = Concept(code="medtop:11000000", name="politics and government", confidence=80)
SPORT = Concept(code="medtop:15000000", name="sport")


class Said:
    """A step that finds what it was given, in any item: a stand-in for any step."""

    name = "said"

    def __init__(self, found: Findings) -> None:
        self.found = found

    def find(self, doc: Document) -> Findings:
        return self.found


@pytest.fixture(scope="module")
def seed() -> NewsItem:
    return formats.detect(SEED.read_bytes()).parse(SEED.read_bytes())[0]


@pytest.fixture(scope="module")
def text_steps() -> Enricher:
    return build(Context(), ["language", "dateline", "entities"])


def test_the_seed_item_leaves_with_its_dateline_place_and_the_places_it_names(
    seed: NewsItem, text_steps: Enricher
) -> None:
    out = text_steps.enrich(seed)
    assert out.language == "ar"
    located = [e for e in out.entities if e.rel == "located"]
    assert [(e.id, e.country) for e in located] == [(ANKARA, "TR")]
    assert located[0].latitude == pytest.approx(39.92, abs=0.01)
    places = {e.id for e in out.entities_of("place")}
    assert GAZA in places
    assert all(e.creator == MACHINE and 0 <= (e.confidence or 0) <= 100 for e in out.entities)
    # The item's own fields are as they came.
    assert (out.headline, out.body, out.dateline) == (seed.headline, seed.body, seed.dateline)


G2_TEXT_DATELINE = """<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:test:g2-dl"
 version="1" standard="NewsML-G2" standardversion="2.35" xml:lang="ar">
 <itemMeta><itemClass qcode="ninat:text"/><provider qcode="nprov:AA"/>
  <versionCreated>2026-12-01T10:00:00Z</versionCreated><pubStatus qcode="stat:usable"/></itemMeta>
 <contentMeta><headline>رئيس الاستخبارات التركي يلتقي وفدا من حماس</headline>
  <dateline>أنقرة/ الأناضول</dateline></contentMeta>
 <contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml">
  <head><title>x</title></head><body><p>التقى إبراهيم قالن وفدا من حركة حماس.</p></body></html>
 </inlineXML></contentSet></newsItem>""".encode()


def test_a_dateline_given_as_text_alone_is_read_and_its_place_resolved(
    text_steps: Enricher,
) -> None:
    """A NewsML-G2 item with ``<dateline>أنقرة/ الأناضول</dateline>`` and no ``located``
    (a ninjs item with only a dateline description alike) keeps its dateline as written,
    and gets its place and source read in it, the place resolved with its coordinates."""
    item = formats.detect(G2_TEXT_DATELINE).parse(G2_TEXT_DATELINE)[0]
    assert item.dateline is not None and not item.dateline.place
    out = text_steps.enrich(item)
    assert out.dateline == Dateline(place="أنقرة", source="الأناضول", text="أنقرة/ الأناضول")
    (located,) = [e for e in out.entities if e.rel == "located"]
    assert located.id == ANKARA and located.latitude is not None


def test_running_some_steps_keeps_what_the_others_found(
    seed: NewsItem, text_steps: Enricher
) -> None:
    """``newswire enrich --steps entities`` (or ``threads``) recomputes what those steps
    make, not the dateline's place, the subjects or the links: they are not taken off."""
    thread = Association(id="urn:test:earlier", type="text", rel="nwrel:sameStory",
                         creator=MACHINE)
    politics = msgspec.structs.replace(POLITICS, creator=MACHINE)
    full = msgspec.structs.replace(
        text_steps.enrich(seed), subjects=[politics], associations=[thread]
    )
    assert any(e.rel == "located" for e in full.entities)
    assert any(e.rel == "mentions" for e in full.entities)
    for steps in (["entities"], ["dateline"], ["language"], ["dateline", "entities"]):
        assert build(Context(), steps).enrich(full, previous=full) == full, steps


def test_enriching_twice_gives_the_same_item(seed: NewsItem, text_steps: Enricher) -> None:
    once = text_steps.enrich(seed)
    assert text_steps.enrich(once) == once


def test_a_dateline_read_in_a_line_of_its_own_is_read_once_and_the_item_stays_as_it_is() -> None:
    """A story whose body opens with its dateline alone on a line (``القدس/ الأناضول``):
    the line becomes the dateline and leaves the body, and the steps after the dateline's
    read the text without it, as they read the item stored, so enriching it again (``enrich
    --all``, the same item sent back in any format) finds the same subjects, with the same
    confidence, and the same entities: no new version. The line read as text gave the
    agency as an organisation and another subject confidence the first time only."""
    text = (
        "اندلعت مواجهات في حي الشيخ جراح بالقدس الشرقية بين شبان فلسطينيين والشرطة"
        " الإسرائيلية، وفق شهود عيان. وأصيب عدد من الشبان بجروح."
    )
    data = msgspec.json.encode({
        "uri": "urn:x:sheikh-jarrah",
        "headlines": [{"role": "main", "value": "مواجهات في حي الشيخ جراح"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": f"القدس/ الأناضول\n{text}"}],
    })
    item = formats.get("ninjs").parse(data)[0]
    assert item.body[0] == "القدس/ الأناضول"
    enricher = build(Context(), ["language", "dateline", "entities", "subjects"])
    once = enricher.enrich(item)
    assert once.dateline is not None and once.dateline.source
    assert once.body == [text]
    assert once.subjects and not any("الأناضول" in e.name for e in once.entities)
    assert enricher.enrich(once, previous=once) == once
    # The same for a plain-text item whose bare place line its codec took for the lead.
    plain = NewsItem(
        id="urn:x:ankara", language="en", headline="Kalin meets Hamas delegation", lead="ANKARA",
        body=["Turkish intelligence chief Ibrahim Kalin met a delegation from Hamas in Ankara."],
    )
    first = enricher.enrich(plain)
    assert first.lead == "" and first.dateline is not None
    assert enricher.enrich(first, previous=first) == first


@pytest.mark.parametrize("fmt", ["nitf", "text", "newsml", "ninjs"])
@pytest.mark.parametrize(
    "dateline",
    [Dateline(place="أنقرة"), Dateline(place="أنقرة", source="الأناضول"),
     Dateline(place="ANKARA", source="AA"), Dateline(place="أنقرة", place_latin="Ankara")],
)  # fmt: skip
def test_a_dateline_without_text_sent_back_in_any_format_is_the_same_dateline(
    text_steps: Enricher, fmt: str, dateline: Dateline
) -> None:
    """A dateline of a place (and source) alone, as ninjs ``located`` gives it, is written
    by NITF as its ``location`` and by agency text as a composed line (``ANKARA -``): the
    copy sent back reads that as the dateline's text. It is the stored dateline still, no
    new version; a text an editor gives it is a change, kept."""
    for lang in ("ar", "en"):
        item = text_steps.enrich(NewsItem(
            id="urn:x:located", language=lang, headline="العنوان",
            body=["التقى الرئيس التركي نظيره في العاصمة.", "فقرة ثانية."], dateline=dateline,
        ))
        codec = formats.get(fmt)
        back = codec.parse(codec.render(item))[0]
        assert text_steps.enrich(back, previous=item).dateline == item.dateline, lang
    edited = msgspec.structs.replace(item, dateline=msgspec.structs.replace(
        dateline, text=f"{dateline.place}، 6 كانون الأول -"))
    assert text_steps.enrich(edited, previous=item).dateline == edited.dateline


@pytest.mark.parametrize("fmt", ["newsml", "nitf"])
def test_an_editors_entity_sent_back_by_a_format_that_drops_its_relation_is_no_change(
    seed: NewsItem, text_steps: Enricher, fmt: str
) -> None:
    """NewsML-G2 and NITF carry no relation of a person or organisation: an editor's
    ``mentions`` comes back without it, which is the stored entity still, not a new
    version of the item; a relation the copy does give is the editor's change."""
    league = Entity(kind="organisation", name="جامعة الدول العربية", rel="mentions")
    item = text_steps.enrich(msgspec.structs.replace(seed, entities=[league]))
    assert [e.rel for e in item.entities if e.name == league.name] == ["mentions"]
    codec = formats.get(fmt)
    back = codec.parse(codec.render(item))[0]
    assert text_steps.enrich(back, previous=item).entities == item.entities
    about = [msgspec.structs.replace(e, rel="about") if e.name == league.name else e
             for e in item.entities]
    changed = text_steps.enrich(msgspec.structs.replace(item, entities=about), previous=item)
    assert [e.rel for e in changed.entities if e.name == league.name] == ["about"]


@pytest.mark.parametrize("fmt", ["newsml", "nitf"])
def test_a_sources_place_sent_back_by_a_format_that_drops_its_relation_is_no_change(
    seed: NewsItem, text_steps: Enricher, fmt: str
) -> None:
    """NITF carries no relation of a place and NewsML-G2 only ``located``: a source's
    place ``located`` (NITF) or ``mentions`` (both) comes back without it, which is the
    stored place still, not a new version (docs/enrichment-formats.md)."""
    ankara = Entity(kind="place", name="Ankara", id=ANKARA, rel="located")
    paris = Entity(kind="place", name="Paris", id="https://sws.geonames.org/2988507/",
                   rel="mentions")
    item = text_steps.enrich(msgspec.structs.replace(seed, entities=[ankara, paris]))
    codec = formats.get(fmt)
    back = codec.parse(codec.render(item))[0]
    assert text_steps.enrich(back, previous=item).entities == item.entities


def test_a_place_sent_back_without_its_relation_has_none(
    seed: NewsItem, text_steps: Enricher
) -> None:
    """A place's relation is no person's: NewsML-G2 says which place is ``located``. An
    editor who moved the dateline's place to Istanbul took it off Ankara, and the copy
    sent back says so: Ankara is not ``located`` again."""
    codec = formats.get("newsml")
    ankara = Entity(kind="place", name="Ankara", id=ANKARA, rel="located")
    before = text_steps.enrich(msgspec.structs.replace(seed, entities=[ankara]))
    istanbul = Entity(kind="place", name="Istanbul", id="https://sws.geonames.org/745044/",
                      rel="located")
    moved = msgspec.structs.replace(
        before, entities=[istanbul, msgspec.structs.replace(ankara, rel="")])
    back = codec.parse(codec.render(moved))[0]
    rels = {e.name: e.rel for e in text_steps.enrich(back, previous=before).entities
            if e.id in (ANKARA, istanbul.id) and e.creator != MACHINE}
    assert rels == {"Istanbul": "located", "Ankara": ""}, rels


AGENCY_DATELINES = {
    "ANKARA (AA) -": (
        "nwv:anadolu-agency",
        "Turkey hosts talks on Gaza aid",
        "Turkish intelligence chief Ibrahim Kalin met a Hamas delegation on Saturday.",
        "The talks covered aid to Gaza, officials said.",
        "The meeting was first reported by Anadolu Agency.",
    ),
    "PARIS (AFP) —": (
        "nwv:afp",
        "France hosts talks on Gaza aid",
        "The French foreign minister met a Hamas delegation on Saturday.",
        "The talks covered aid to Gaza, officials said.",
        "Officials told AFP the talks would go on.",
    ),
    "أنقرة/ الأناضول": (
        "nwv:anadolu-agency",
        "قالن يلتقي وفدا من حماس",
        "التقى رئيس جهاز الاستخبارات التركي إبراهيم قالن مع وفد من حركة حماس.",
        "وناقش الجانبان إيصال المساعدات الإنسانية إلى غزة.",
        "وقال مسؤول لـ«وكالة الأناضول» إن اللقاء كان مثمرا.",
    ),
}


def _story(
    fmt: str, dateline: str, headline: str, body: list[str], own_line: bool = False
) -> NewsItem:
    """The story ``body`` (its first paragraph opening with ``dateline``, or with
    ``own_line`` the dateline a paragraph of its own before it) as ``fmt`` sends it
    (``+dateline``: the format's own dateline field given as well), parsed."""
    first, *rest = body
    paragraphs = [dateline, first, *rest] if own_line else [f"{dateline} {first}", *rest]
    html = "".join(f"<p>{p}</p>" for p in paragraphs)
    codec, _, given = fmt.partition("+")
    if codec == "text":
        data = "\n".join([headline, "", *paragraphs]).encode()
    elif codec == "ninjs":
        described = [{"role": "dateline", "value": dateline}] if given else []
        data = msgspec.json.encode({
            "uri": "urn:x:agency-dateline", "headlines": [{"role": "main", "value": headline}],
            "descriptions": described,
            "bodies": [{"role": "main", "contentType": "text/html", "value": html}],
        })
    elif codec == "newsml":
        data = f"""<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/"
 guid="urn:x:agency-dateline" version="1" standard="NewsML-G2" standardversion="2.35">
 <itemMeta><itemClass qcode="ninat:text"/><provider qcode="nprov:AA"/>
  <versionCreated>2026-12-01T10:00:00Z</versionCreated><pubStatus qcode="stat:usable"/></itemMeta>
 <contentMeta><headline>{headline}</headline>{f"<dateline>{dateline}</dateline>" if given else ""}
 </contentMeta><contentSet><inlineXML contenttype="application/xhtml+xml">
 <html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head><body>{html}</body></html>
 </inlineXML></contentSet></newsItem>""".encode()
    else:
        data = f"""<nitf><head><docdata><doc-id id-string="agency-dateline"/></docdata></head>
 <body><body.head><hedline><hl1>{headline}</hl1></hedline>
 {f"<dateline>{dateline}</dateline>" if given else ""}</body.head>
 <body.content>{html}</body.content></body></nitf>""".encode()
    return formats.get(codec).parse(data)[0]


FORMATS = ("text", "ninjs", "ninjs+dateline", "newsml", "newsml+dateline", "nitf", "nitf+dateline")


@pytest.mark.parametrize("dateline", list(AGENCY_DATELINES))
def test_an_agency_dateline_is_no_mention_in_any_format(
    text_steps: Enricher, dateline: str
) -> None:
    """A story whose text opens with its agency's dateline (``PARIS (AFP) —``) is filed
    by that agency: it does not mention it. The plain-text codec takes the dateline out of
    the body, ninjs, NewsML-G2 and NITF bodies keep it: each gives the same entities, the
    agency not among them (``GET /v1/search?entity=AFP`` gave every story AFP filed when
    it came as ninjs). The agency named elsewhere in the text is a mention, in each."""
    agency, headline, *body, mention = AGENCY_DATELINES[dateline]
    for told in ([*body], [*body, mention]):
        found = {}
        for fmt in FORMATS:
            out = text_steps.enrich(_story(fmt, dateline, headline, told))
            assert out.dateline is not None and out.dateline.source, fmt
            found[fmt] = sorted((e.kind, e.id, e.name, e.rel) for e in out.entities)
        assert all(entities == found["text"] for entities in found.values()), found
        organisations = {i: rel for kind, i, _, rel in found["text"] if kind == "organisation"}
        assert "nwv:hamas" in organisations
        if told[-1] == mention:
            assert organisations[agency] == "mentions"
        else:
            assert agency not in organisations


LINED_DATELINES = {
    "القدس/ الأناضول": (
        "nwv:hamas", "حماس تعلن موافقتها على المقترح المصري لوقف إطلاق النار في قطاع غزة."
    ),
    "Ankara / AA": (
        "nwv:hamas", "Hamas officials met Turkish intelligence chief Ibrahim Kalin on Saturday."
    ),
    "ANKARA (AA)": ("nwv:hamas", "Hamas heyeti, Dışişleri Bakanı Hakan Fidan ile görüştü."),
    "أنقرة/ الأناضول": (
        "nwv:mit", "التقى رئيس جهاز الاستخبارات التركي إبراهيم قالن وفدا من حركة حماس."
    ),
}


@pytest.mark.parametrize("dateline", list(LINED_DATELINES))
def test_the_first_name_after_a_dateline_line_is_found_at_once(
    text_steps: Enricher, dateline: str
) -> None:
    """A body whose dateline is a line of its own (``القدس/ الأناضول``), then the story:
    the line leaves the body, and the name the story opens with is found the first time,
    in any format, one by one or in a batch (bulk ingest's workers). What the dateline
    step read of the text with the line was kept for the text without it, and the
    line's length of the story's start was taken for the dateline: ``newswire enrich
    --all`` found the name later, a new version of every such item."""
    wanted, first = LINED_DATELINES[dateline]
    items = [
        _story(fmt, dateline, "خبر", [first], own_line=True)
        for fmt in ("text", "ninjs", "newsml", "nitf")
    ]
    alone = [text_steps.enrich(item) for item in items]
    for out in alone:
        assert out.dateline is not None and out.dateline.source
        assert out.body == [first]
        assert wanted in {e.id for e in out.entities}
        assert text_steps.enrich(out, previous=out) == out  # ``enrich --all``: no change
    found = [sorted((e.kind, e.id, e.rel) for e in out.entities) for out in alone]
    assert all(entities == found[0] for entities in found)
    together = text_steps.enrich_many(items, [None] * len(items))
    assert [msgspec.json.encode(i) for i in together] == [msgspec.json.encode(i) for i in alone]


def test_an_agency_dateline_is_no_mention_when_the_lead_repeats_it(text_steps: Enricher) -> None:
    """A source whose summary is its first paragraph: the body's dateline is still the
    one the text opens with, not a mention (the lead, found first, hid it)."""
    agency, headline, first, *rest = AGENCY_DATELINES["PARIS (AFP) —"][:-1]
    opening = f"PARIS (AFP) — {first}"
    for lead in ("", opening):
        item = NewsItem(
            id="urn:x:lead", language="en", headline=headline, lead=lead, body=[opening, *rest]
        )
        out = text_steps.enrich(item)
        assert agency not in {e.id for e in out.entities}, lead


def test_a_declared_language_wins_and_an_undeclared_one_is_detected(text_steps: Enricher) -> None:
    english = (
        "The Turkish intelligence chief met a delegation of the movement on Saturday to"
        " discuss humanitarian aid, officials said."
    )
    bare = NewsItem(id="urn:x:1", headline="Talks on aid", body=[english])
    assert text_steps.enrich(bare).language == "en"
    undetermined = msgspec.structs.replace(bare, language="und")
    assert text_steps.enrich(undetermined).language == "en"
    declared = msgspec.structs.replace(bare, language="fr")
    assert text_steps.enrich(declared).language == "fr"
    short = NewsItem(id="urn:x:2", headline="Ok")
    assert text_steps.enrich(short).language == ""
    # A Swedish caption (TT's picture in IPTC's NewsML-G2 sample declares no language) was
    # told as German when Swedish was none of the candidates.
    swedish = NewsItem(id="urn:x:3", type="picture", headline="", description=(
        "Jan Guillou skriver på ny bok om Carl Hamilton, som kommer ut nästa år enligt förlaget."
    ))
    assert text_steps.enrich(swedish).language == "sv"


def test_what_the_source_gave_is_kept_and_never_given_twice(
    seed: NewsItem, text_steps: Enricher
) -> None:
    own = Entity(kind="place", name="Gaza Strip", id=GAZA, rel="about")
    out = text_steps.enrich(msgspec.structs.replace(seed, entities=[own]))
    first = out.entities[0]  # first, as given, not marked as the machine's
    assert (first.kind, first.name, first.id, first.rel, first.creator) == (
        "place", "Gaza Strip", GAZA, "about", "")
    # what the source left out of a place the gazetteer holds is filled in
    assert first.country == "PS" and first.latitude and first.longitude
    assert [e.id for e in out.entities].count(GAZA) == 1


def test_a_place_given_by_id_alone_gets_its_country_and_coordinates_once(
    seed: NewsItem, text_steps: Enricher
) -> None:
    """A ``geonames:`` QCode (NewsML-G2, NITF) or an ISO 3166 URI names a place the
    machine finds under its GeoNames URI: the source's stays, with the gazetteer's country
    and coordinates, and the machine does not add the same place again."""
    ankara = Entity(kind="place", name="أنقرة", id="geonames:323786", rel="located")
    turkey = Entity(kind="place", name="تركيا", id="http://cvx.iptc.org/iso3166-1a2/tr")
    out = text_steps.enrich(msgspec.structs.replace(seed, entities=[ankara, turkey]))
    given = out.entities[:2]
    assert [(e.id, e.creator) for e in given] == [(ankara.id, ""), (turkey.id, "")]
    assert given[0].country == "TR" and round(given[0].latitude or 0) == 40
    names = [e.name for e in out.entities if e.kind == "place"]
    assert names.count("أنقرة") == 1 and names.count("تركيا") == 1
    assert "غزة" in names  # the machine still adds what the source did not name


def test_names_given_without_an_id_get_the_authority_files_id_and_stay_theirs(
    seed: NewsItem, text_steps: Enricher
) -> None:
    named = [
        Entity(kind="place", name="Gaza"),  # the machine finds غزة in the text
        Entity(kind="person", name="إبراهيم قالن"),
        Entity(kind="organisation", name="حماس"),
        Entity(kind="person", name="Ankara"),  # a place's name given as a person's
        Entity(kind="person", name="Someone Unknown"),
    ]
    out = text_steps.enrich(msgspec.structs.replace(seed, entities=named))
    theirs = [(e.kind, e.name, e.id, e.country) for e in out.entities if e.creator != MACHINE]
    assert theirs == [
        ("place", "Gaza", GAZA, "PS"),
        ("person", "إبراهيم قالن", "nwv:ibrahim-kalin", ""),
        ("organisation", "حماس", "nwv:hamas", ""),
        ("person", "Ankara", "", ""),
        ("person", "Someone Unknown", "", ""),
    ]
    gaza = out.entities[0]
    assert gaza.latitude == pytest.approx(31.5, abs=0.1)
    machine = [e.id for e in out.entities if e.creator == MACHINE]
    assert GAZA not in machine and "nwv:hamas" not in machine  # one annotation, theirs
    assert ANKARA in machine
    assert text_steps.enrich(out, out) == out  # and again: nothing new


def test_a_name_said_twice_in_two_languages_is_one_entity(text_steps: Enricher) -> None:
    item = NewsItem(
        id="urn:test:twice",
        headline="Gaza",
        body=["A short text."],
        language="en",
        entities=[Entity(kind="place", name="Gaza"), Entity(kind="place", name="غزة")],
    )
    out = text_steps.enrich(item)
    assert [(e.name, e.id) for e in out.entities if e.creator != MACHINE] == [("Gaza", GAZA)]


def _places(enricher: Enricher, *named: Entity, dateline: Dateline | None = None) -> dict[str, str]:
    item = NewsItem(id="urn:test:where", headline="h", body=["A short text."], language="en",
                    entities=list(named), dateline=dateline)
    return {e.name: e.id for e in enricher.enrich(item).entities_of("place") if e.creator != MACHINE}


def test_a_place_named_without_an_id_is_looked_for_in_the_countries_the_item_names(
    text_steps: Enricher,
) -> None:
    """IPTC's example names Tuscany beside Italy (an ISO 3166 URI); the gazetteer's only
    Tuscany is a neighbourhood of Calgary, which it was given."""
    italy = Entity(kind="place", name="Italy", id="http://cvx.iptc.org/iso3166-1a2/it")
    tuscany, paris = Entity(kind="place", name="Tuscany"), Entity(kind="place", name="Paris")
    found = _places(text_steps, tuscany, italy, paris)
    assert found["Tuscany"] == ""  # no Tuscany in Italy: no small namesake elsewhere
    assert found["Paris"] == "https://sws.geonames.org/2988507/"  # a large city still is
    assert _places(text_steps, tuscany)["Tuscany"] == "https://sws.geonames.org/6170682/"
    tripoli = Entity(kind="place", name="Tripoli")
    assert _places(text_steps, tripoli)["Tripoli"] == LIBYA_TRIPOLI
    lebanon = Entity(kind="place", name="Lebanon")
    assert _places(text_steps, tripoli, lebanon)["Tripoli"] == LEBANON_TRIPOLI
    assert _places(text_steps, tripoli, Entity(kind="place", name="Beirut", id=BEIRUT)
                   )["Tripoli"] == LEBANON_TRIPOLI  # by id: its country from the gazetteer
    beirut = Dateline(place="BEIRUT", place_latin="BEIRUT", source="AFP", text="BEIRUT (AFP) -")
    assert _places(text_steps, tripoli, dateline=beirut)["Tripoli"] == LEBANON_TRIPOLI
    assert _places(text_steps, Entity(kind="place", name="Tripoli", country="LB"), italy
                   )["Tripoli"] == LEBANON_TRIPOLI  # the country the source gave it


def test_editors_subjects_win_over_the_machines() -> None:
    said = Enricher([Said(Findings(subjects=[POLITICS]))])
    bare = NewsItem(id="urn:x:3", headline="h", body=["b"])
    machine = said.enrich(bare).subjects
    assert machine == [msgspec.structs.replace(POLITICS, creator=MACHINE)]
    editors = said.enrich(msgspec.structs.replace(bare, subjects=[SPORT]))
    assert editors.subjects == [SPORT]


def test_what_an_editor_took_off_stays_off() -> None:
    hamas = Entity(kind="organisation", name="حماس", id="nwv:hamas")
    gaza = Entity(kind="place", name="غزة", id=GAZA)
    said = Enricher([Said(Findings(entities=[hamas, gaza]))])
    first = said.enrich(NewsItem(id="urn:x:4", headline="h", body=["b"]))
    assert [e.id for e in first.entities] == ["nwv:hamas", GAZA]
    # The editor's corrected copy: what newswire delivered, less Gaza.
    corrected = msgspec.structs.replace(first, entities=first.entities[:1])
    second = said.enrich(corrected, previous=first)
    assert [e.id for e in second.entities] == ["nwv:hamas"]
    assert second.rejected == [GAZA]
    # A later version from the source (carrying nothing of the machine's): still off.
    fresh = NewsItem(id="urn:x:4", headline="h2", body=["b2"])
    third = said.enrich(fresh, previous=second)
    assert [e.id for e in third.entities] == ["nwv:hamas"]
    assert third.rejected == [GAZA]


def test_an_editor_may_take_off_a_thread_link_too() -> None:
    links = [
        Association(id=f"urn:x:other{n}", type="text", rel="seeAlso", headline="earlier")
        for n in (1, 2)
    ]
    said = Enricher([Said(Findings(subjects=[POLITICS], associations=links))])
    first = said.enrich(NewsItem(id="urn:x:5", headline="h", body=["b"]))
    assert [a.creator for a in first.associations] == [MACHINE, MACHINE]
    corrected = msgspec.structs.replace(first, associations=first.associations[1:])
    second = said.enrich(corrected, previous=first)
    assert [a.id for a in second.associations] == ["urn:x:other2"]
    assert second.subjects == first.subjects
    assert second.rejected == ["urn:x:other1"]


def test_a_copy_that_lost_the_marks_or_a_whole_kind_takes_nothing_off() -> None:
    """A format that cannot say who made an annotation, or carries no links at all:
    what comes back is the machine's, and no new version is made of it."""
    link = Association(id="urn:x:other", type="text", rel="seeAlso")
    gaza = Entity(kind="place", name="غزة", id=GAZA, latitude=31.5, longitude=34.46)
    said = Enricher([Said(Findings(entities=[gaza], subjects=[POLITICS], associations=[link]))])
    first = said.enrich(NewsItem(id="urn:x:7", headline="h", body=["b"]))
    unmarked = msgspec.structs.replace(
        first,
        entities=[Entity(kind="place", name="غزة", id=GAZA)],  # no creator, no coordinates
        subjects=[msgspec.structs.replace(s, creator="", confidence=None) for s in first.subjects],
        associations=[],
    )
    assert said.enrich(unmarked, previous=first) == first


def test_an_item_is_never_linked_to_itself() -> None:
    own = Association(id="urn:x:6", type="text")
    said = Enricher([Said(Findings(associations=[own]))])
    assert said.enrich(NewsItem(id="urn:x:6", headline="h", body=["b"])).associations == []


def test_a_withdrawal_is_not_enriched(seed: NewsItem, text_steps: Enricher) -> None:
    withdrawn = msgspec.structs.replace(seed, pubstatus="canceled")
    assert text_steps.enrich(withdrawn) is withdrawn


def test_keys_identify_what_precedence_compares() -> None:
    assert key(Entity(kind="place", name="x", id=GAZA)) == GAZA
    assert key(Entity(kind="person", name="إبراهيم  قالن")) == key(
        Entity(kind="person", name="ابراهيم  قالن")
    )
    assert key(SPORT) == "medtop:15000000"


def test_steps_are_chosen_by_name_and_an_unknown_one_is_refused() -> None:
    assert build(Context(), ["language"]).names == ("language",)
    assert build(Context(), []).names == ()
    with pytest.raises(ValueError, match="'bogus'"):
        build(Context(), ["bogus"])
    assert steps_setting("none") == ()
    assert steps_setting("entities, language") == ("entities", "language")
    with pytest.raises(NewswireError, match="'bogus'"):
        steps_setting("language,bogus")
    assert steps_setting("all") == pipeline.STEPS

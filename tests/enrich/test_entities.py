"""The entities and dateline steps on the reference item, and the gazetteer's resolution."""

from __future__ import annotations

import pytest

from newswire import formats
from newswire.enrich.base import Document, Findings, Term
from newswire.enrich.dateline import DatelineStep, agency_name, read
from newswire.enrich.entities import EntitiesStep
from newswire.enrich.gazetteer import Gazetteer, load
from newswire.model import MACHINE, NewsItem
from tests.conftest import SEED

TERMS = [
    Term(
        id="nwv:kalin",
        kind="person",
        name="Ibrahim Kalin",
        names={"ar": ["إبراهيم قالن", "قالن"], "en": ["Ibrahim Kalin", "Kalin"]},
    ),
    Term(id="nwv:hamas", kind="organisation", name="Hamas", names={"ar": ["حماس", "حركة حماس"]}),
    Term(id="nwv:darwish", kind="person", name="Mohammad Darwish", names={"ar": ["محمد درويش"]}),
    Term(
        id="nwv:netanyahu",
        kind="person",
        name="Benjamin Netanyahu",
        names={"ar": ["بنيامين نتنياهو", "نتنياهو"], "en": ["Benjamin Netanyahu"]},
    ),
]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load()


def _doc(data: bytes) -> Document:
    item = formats.detect(data).parse(data)[0]
    text = "\n".join([item.headline, item.lead, *item.body])
    return Document(item=item, text=text, language=item.language, found=Findings())


@pytest.fixture(scope="module")
def seed() -> Document:
    return _doc(SEED.read_bytes())


def test_the_seed_items_dateline_is_ankara_with_coordinates_from_anadolu(
    gazetteer: Gazetteer, seed: Document
) -> None:
    found = DatelineStep(gazetteer).find(seed)
    (place,) = found.entities
    assert (place.kind, place.rel, place.name, place.country) == ("place", "located", "أنقرة", "TR")
    assert place.id == "https://sws.geonames.org/323786/"
    assert place.latitude == pytest.approx(39.92, abs=0.01)
    assert place.longitude == pytest.approx(32.85, abs=0.01)
    assert place.creator == MACHINE and place.confidence
    assert seed.item.dateline is not None
    assert agency_name(seed.item.dateline.source) == "Anadolu Agency"


def test_the_seed_items_entities_are_typed_and_found_once(
    gazetteer: Gazetteer, seed: Document
) -> None:
    entities = EntitiesStep(TERMS, gazetteer).find(seed).entities
    by_name = {e.name: e for e in entities}
    assert len(by_name) == len(entities)
    for name, kind in [
        ("إبراهيم قالن", "person"),
        ("محمد درويش", "person"),
        ("بنيامين نتنياهو", "person"),
        ("حماس", "organisation"),
        ("غزة", "place"),
        ("تركيا", "place"),
        ("إسرائيل", "place"),
    ]:
        assert by_name[name].kind == kind
        assert by_name[name].creator == MACHINE
    assert by_name["تركيا"].country == "TR"
    assert by_name["غزة"].latitude is not None
    assert entities[0].name in {"إسرائيل", "غزة"}  # the most named come first


def test_an_item_without_a_dateline_gets_the_one_its_body_starts_with(
    gazetteer: Gazetteer,
) -> None:
    body = ["ANKARA (AA) - Turkey's intelligence chief met a delegation."]
    item = NewsItem(id="x", language="en", headline="Talks", body=body)
    doc = Document(item=item, text="Talks\n" + body[0], language="en", found=Findings())
    found = DatelineStep(gazetteer).find(doc)
    assert found.dateline is not None and found.dateline.source == "AA"
    assert found.entities[0].id == "https://sws.geonames.org/323786/"


@pytest.mark.parametrize(
    ("name", "geonameid"),
    [
        ("أنقرة", 323786),
        ("Ankara", 323786),
        ("ANKARA", 323786),
        ("إسطنبول", 745044),
        ("İstanbul", 745044),
        ("Istanbul", 745044),
        ("غزة", 281133),
        ("Gaza", 281133),
        ("Gazze", 281133),
        ("القدس", 281184),
        ("Jerusalem", 281184),
        ("Al-Quds", 281184),
        ("Jérusalem", 281184),
        ("باريس", 2988507),
        ("Paris", 2988507),
        ("Washington", 4140963),
        ("واشنطن", 4140963),
        ("تركيا", 298795),
        ("Türkiye", 298795),
        ("Turquie", 298795),
    ],
)
def test_resolve_names_in_every_language(gazetteer: Gazetteer, name: str, geonameid: int) -> None:
    term = gazetteer.resolve(name)
    assert term is not None
    assert term.id == f"https://sws.geonames.org/{geonameid}/"


def test_a_country_narrows_homonyms(gazetteer: Gazetteer) -> None:
    term = gazetteer.resolve("Paris", country="US")
    assert term is not None and term.country == "US"


@pytest.mark.parametrize(
    "text",
    [
        "وكان الفريق قد فاز بكأس الدوري يوم الخميس",
        "وقال في بيان إن الدولة الجديدة أمام لجنة جامعة",
        "The van was nice and we had a mobile phone.",
    ],
)
def test_a_place_named_like_a_common_word_does_not_match_ordinary_text(
    gazetteer: Gazetteer, text: str
) -> None:
    doc = Document(item=_doc(b"x\n\ny").item, text=text, language="", found=Findings())
    assert EntitiesStep([], gazetteer).find(doc).entities == []


def test_a_bare_place_line_above_the_dateline_gives_the_latin_place() -> None:
    dateline = read(["Ankara", "أنقرة/ الأناضول", "نص الخبر."])
    assert dateline is not None
    assert (dateline.place, dateline.place_latin, dateline.source) == (
        "أنقرة",
        "Ankara",
        "الأناضول",
    )

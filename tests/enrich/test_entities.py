"""The entities step on the reference item: people, organisations and places, typed, once."""

from __future__ import annotations

import pytest

from newswire import formats
from newswire.enrich.base import Document, Findings, Term
from newswire.enrich.dateline import read
from newswire.enrich.entities import EntitiesStep
from newswire.enrich.gazetteer import Gazetteer, load
from newswire.enrich.pipeline import document
from newswire.model import MACHINE, Entity, NewsItem
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


def test_many_documents_at_once_give_what_each_gives_alone(
    gazetteer: Gazetteer, seed: Document
) -> None:
    """``find_many`` (``base.Batches``) is ``find`` of each document, in order."""
    step = EntitiesStep(TERMS, gazetteer)
    texts = ["", "قال قالن في غزة إن حماس", "بحماس كبير في أنقرة", seed.text]
    docs = [
        Document(item=seed.item, text=text, language=lang, found=Findings())
        for text in texts
        for lang in ("ar", "fa", "en")
    ]
    assert step.find_many(docs) == [step.find(doc) for doc in docs]
    assert step.find_many([]) == []


def test_names_in_the_dateline_the_text_opens_with_are_no_mentions(gazetteer: Gazetteer) -> None:
    """A dateline's source and byline (``القدس/ محمد درويش/ الأناضول``) say where the story
    comes from: no mention, whether the item gives the dateline or the dateline step read
    it. The same names elsewhere in the text are mentions; so they are in a text the step
    knows no dateline of."""
    agency = Term(id="nwv:anadolu-agency", kind="organisation", name="Anadolu Agency",
                  names={"ar": ["وكالة الأناضول", "الأناضول"]})
    step = EntitiesStep([*TERMS, agency], gazetteer)
    first = "القدس/ محمد درويش/ الأناضول التقى وفد من حركة حماس مسؤولين أتراك."
    dateline = read([first])
    quiet, telling = "وناقش الجانبان الوضع في غزة.", "وقال محمد درويش لوكالة الأناضول إنه متفائل."
    named = {"nwv:darwish", "nwv:anadolu-agency"}
    for given, read_one in ((dateline, None), (None, dateline), (None, None)):
        for later in (quiet, telling):
            item = NewsItem(id="x", language="ar", headline="لقاء", body=[first, later],
                            dateline=given)
            doc = document(item)
            doc.found = Findings(dateline=read_one)
            ids = {e.id for e in step.find(doc).entities}
            assert "nwv:hamas" in ids
            known = given or read_one
            assert ids & named == (named if later == telling or not known else set()), later


def test_warming_builds_the_automaton_and_an_equal_vocabulary_reuses_it() -> None:
    """``warm`` builds what the first item would (bulk ingest warms its steps before its
    workers are forked); a step over the same names, as each worker's own store gives it,
    takes that automaton rather than building another, and over other names builds its
    own."""
    first = EntitiesStep(TERMS)
    first.warm()
    assert first._index is not None
    again = EntitiesStep(list(TERMS))
    again.warm()
    assert again._index is not None and again._index.matcher is first._index.matcher
    other = EntitiesStep(TERMS[:2])
    other.warm()
    assert other._index is not None and other._index.matcher is not first._index.matcher
    assert [e.id for e in other.find(_doc_text("قال إبراهيم قالن إن حماس")).entities] == [
        "nwv:kalin",
        "nwv:hamas",
    ]


def _doc_text(text: str) -> Document:
    from newswire.model import NewsItem

    item = NewsItem(id="urn:test:warm", language="ar", headline=text)
    return Document(item=item, text=text, language="ar", found=Findings())


def test_a_turkish_item_names_cities_as_turkish_news_writes_them(gazetteer: Gazetteer) -> None:
    """Anadolu's Turkish service writes Gazze, Kudüs, Şam, with a suffix after an
    apostrophe (Gazze'ye, Kudüs'te): found and shown in Turkish, not missed."""
    from newswire.model import NewsItem

    text = (
        "İsrail ordusu Gazze'ye yeni saldırılar düzenledi.\n"
        "Kudüs'te gerginlik sürüyor; Şam ve Beyrut'ta gösteriler yapıldı, Kahire'de"
        " görüşmeler devam ediyor. Sana bir şey söyleyeyim: Kabil ve cesur bir ekip."
    )
    item = NewsItem(id="urn:test:tr", language="tr", headline=text.split("\n")[0])
    doc = Document(item=item, text=text, language="tr", found=Findings())
    step = EntitiesStep(TERMS, gazetteer)
    places = {e.name: e.id for e in step.find(doc).entities if e.kind == "place"}
    geonames = "https://sws.geonames.org/{}/".format
    assert places == {
        "İsrail": geonames(294640),
        "Gazze": geonames(281133),
        "Kudüs": geonames(281184),
        "Şam": geonames(170654),
        "Beyrut": geonames(276781),
        "Kahire": geonames(360630),
    }  # not Sanaa for "sana" (to you), nor Kabul for "kabil" (able)


def test_a_name_typed_without_its_latin_diacritics_is_identified_but_not_matched_in_text(
    gazetteer: Gazetteer,
) -> None:
    """An editor's or a subscriber's name is looked up folded (``Yavas`` is ``Yavaş``);
    running text is matched as written: the automaton is not changed."""
    yavas = Term(id="nwv:mansur-yavas", kind="person", name="Mansur Yavaş",
                 names={"tr": ["Mansur Yavaş"]})
    celik = [Term(id=f"nwv:{i}", kind="person", name=n, names={"tr": [n]})
             for i, n in (("celik", "Ali Çelik"), ("celik-2", "Ali Celik"))]
    step = EntitiesStep([*TERMS, yavas, *celik], gazetteer)
    for typed in ("Mansur Yavas", "MANSUR YAVAS", "mansur yavaş", "Mansur Yavaş"):
        assert step.identify(Entity(kind="person", name=typed)).id == yavas.id, typed
    # Each of two names that fold alike is found as typed; folded, it names neither.
    assert step.identify(Entity(kind="person", name="Ali Çelik")).id == "nwv:celik"
    assert step.identify(Entity(kind="person", name="Ali Celik")).id == "nwv:celik-2"
    assert step.identify(Entity(kind="person", name="Ali Çelîk")).id == ""
    # The dotless ı is i in every language's normalisation (a capitalised ÇELIK is çelik).
    assert step.identify(Entity(kind="person", name="Ali Çelık")).id == "nwv:celik"
    assert step.identify(Entity(kind="organisation", name="Mansur Yavas")).id == ""
    text = "Mansur Yavas said. Mansur Yavaş said."
    doc = Document(item=NewsItem(id="x", headline=text), text=text, language="tr", found=Findings())
    assert [m.name for m in step.find(doc).entities] == ["Mansur Yavaş"]
    assert len(step.find(doc).entities) == 1  # once, from the name as written


def test_an_item_in_a_language_the_term_has_no_name_in_shows_the_name_it_used(
    gazetteer: Gazetteer,
) -> None:
    """A German item naming "Benjamin Netanyahu" and "Hamas" (the vocabulary has no
    German names for them) shows the names it used, in its own script, not the Arabic
    main names; a term the item names in no known spelling keeps its main name."""
    text = (
        "Der israelische Ministerpräsident Benjamin Netanyahu sprach am Samstag.\n"
        "Der Geheimdienstchef Ibrahim Kalin traf die Hamas. Netanyahu lehnte ab."
    )
    item = NewsItem(id="urn:test:de", language="de", headline=text.split("\n")[0])
    doc = Document(item=item, text=text, language="de", found=Findings())
    terms = [*TERMS[:1], Term(id="nwv:hamas", kind="organisation", name="حركة حماس",
                              names={"ar": ["حركة حماس", "حماس"], "en": ["Hamas"]}),
             Term(id="nwv:netanyahu", kind="person", name="بنيامين نتنياهو",
                  names={"ar": ["بنيامين نتنياهو"], "en": ["Benjamin Netanyahu", "Netanyahu"]})]
    found = {e.id: e.name for e in EntitiesStep(terms, gazetteer).find(doc).entities}
    assert found["nwv:netanyahu"] == "Benjamin Netanyahu"
    assert found["nwv:hamas"] == "Hamas"
    assert found["nwv:kalin"] == "Ibrahim Kalin"


def test_a_word_of_the_items_language_is_not_the_place_it_names_elsewhere(
    gazetteer: Gazetteer,
) -> None:
    """Persian's Monday is دوشنبه, Dushanbe's own name: a place in Arabic, not in Persian."""
    persian = "رئیس جمهور روز دوشنبه در تهران گفت"
    item = NewsItem(id="x", language="fa", headline="", body=[persian])
    doc = Document(item=item, text=persian, language="fa", found=Findings())
    assert "https://sws.geonames.org/1221874/" not in {
        e.id for e in EntitiesStep([], gazetteer).find(doc).entities
    }
    arabic = "وصل الرئيس إلى دوشنبه عاصمة طاجيكستان"
    item = NewsItem(id="y", language="ar", headline="", body=[arabic])
    doc = Document(item=item, text=arabic, language="ar", found=Findings())
    assert "https://sws.geonames.org/1221874/" in {
        e.id for e in EntitiesStep([], gazetteer).find(doc).entities
    }


def test_a_persons_name_is_not_also_a_place_of_that_name(gazetteer: Gazetteer) -> None:
    """IPTC's TT example tags Hamilton, a novel's agent, as a person: its text's "Hamilton"
    is him, not Hamilton in Canada. A surname the vocabulary gives a person is his before
    any place; one it does not give him is no sign (Lloyd Austin flies to Austin)."""
    hamilton = "https://sws.geonames.org/5969782/"
    driver = Term(id="nwv:lewis-hamilton", kind="person", name="Lewis Hamilton",
                  names={"en": ["Lewis Hamilton", "Hamilton"]}, short={"en": ["Hamilton"]})
    austin = Term(id="nwv:lloyd-austin", kind="person", name="Lloyd Austin",
                  names={"en": ["Lloyd Austin"]})
    step = EntitiesStep([*TERMS, driver, austin], gazetteer)
    plain = EntitiesStep(TERMS, gazetteer)

    def found(text: str, *given: Entity, by: EntitiesStep = step) -> set[str]:
        item = NewsItem(id="x", language="en", headline="", body=[text], entities=list(given))
        doc = Document(item=item, text=text, language="en", found=Findings())
        return {e.id for e in by.find(doc).entities}

    novel = "Hamilton is back. The agent Hamilton faces his last case in Stockholm."
    assert {hamilton, "nwv:lewis-hamilton"} & found(novel) == {"nwv:lewis-hamilton"}
    assert hamilton in found(novel, by=plain)
    given = found(novel, Entity(kind="person", name="Hamilton"), by=plain)
    assert hamilton not in given and "https://sws.geonames.org/2673730/" in given
    race = "Lewis Hamilton won in Monaco. Hamilton said the car was fast."
    assert "nwv:lewis-hamilton" in found(race) and hamilton not in found(race)
    trip = "Defense Secretary Lloyd Austin flew to Austin for a rally outside Austin."
    assert {"nwv:lloyd-austin", "https://sws.geonames.org/4671654/"} <= found(trip)


def test_with_enthusiasm_is_not_hamas_but_hamas_is() -> None:
    """``بحماس`` is "with enthusiasm" in a match report; Hamas's stories name it as such."""
    gaza = load()

    def found(text: str) -> set[str]:
        item = NewsItem(id="x", language="ar", headline="", body=[text])
        doc = Document(item=item, text=text, language="ar", found=Findings())
        return {e.id for e in EntitiesStep(TERMS, gaza).find(doc).entities}

    assert "nwv:hamas" not in found("لعب إيفرتون بحماس كبير وسجل هدفين في الشوط الثاني")
    assert "nwv:hamas" in found("قال القيادي بحماس إن حماس لن تقبل بالشروط")
    assert "nwv:hamas" in found("أعلنت حماس أن وفدها وصل إلى القاهرة")


def test_an_entity_made_once_is_given_to_each_item_as_its_own_copy() -> None:
    """``_entity`` remembers what it made for a term, its names used, one mention or more
    and the language: the second item gets an equal entity, not the same object, and a
    change of any of those gives another."""
    step = EntitiesStep(TERMS)
    first = step.find(_doc_text("قال قالن")).entities
    again = step.find(_doc_text("ثم قال قالن")).entities
    twice = step.find(_doc_text("قال قالن ثم قالن")).entities
    longer = step.find(_doc_text("قال إبراهيم قالن")).entities
    assert first == again and first[0] is not again[0]
    assert [e.confidence for e in (first[0], twice[0], longer[0])] == [60, 90, 90]
    english = step.find(
        Document(item=NewsItem(id="x", language="en"), text="Kalin said", language="en", found=Findings())
    ).entities
    assert english[0].name == "Ibrahim Kalin" and first[0].name == "إبراهيم قالن"


def test_a_vocabulary_change_is_in_force_as_soon_as_the_vocabulary_sees_it(store_url) -> None:
    """The step asks its vocabulary for the version on every look (cheap: the vocabulary
    reads the store at most once its interval), so that a change made on another process
    is in force within that interval, not within two of them added up."""
    from newswire.enrich.vocabulary import Vocabulary
    from newswire.store import open_store

    editor_store, reader_store = open_store(store_url), open_store(store_url)
    try:
        step = EntitiesStep(Vocabulary(reader_store, check_every=0))  # the store each time
        khalbous = Entity(kind="person", name="سليم خلبوص")
        assert step.identify(khalbous).id == ""
        Vocabulary(editor_store).add(Term(id="nwv:slim-khalbous", kind="person", name="سليم خلبوص"))
        assert step.identify(khalbous).id == "nwv:slim-khalbous"
        assert step.version() == Vocabulary(reader_store).version()
    finally:
        editor_store.close()
        reader_store.close()

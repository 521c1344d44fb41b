"""The gazetteer: names resolved in Arabic, Turkish, English and French, homonyms, the
trust kept in running text, and the shipped data file."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import resources

import msgspec
import pytest

from newswire.enrich.base import Document, Findings
from newswire.enrich.entities import EntitiesStep
from newswire.enrich.gazetteer import (
    DATA_FILE,
    Gazetteer,
    _part,
    build_data,
    decode,
    encode,
    load,
)
from newswire.model import NewsItem


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load()


def _doc(text: str) -> Document:
    item = NewsItem(id="x", headline="", body=[text])
    return Document(item=item, text=text, language="", found=Findings())


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
        ("Kudüs", 281184),
        ("Şam", 170654),
        ("Beyrouth", 276781),
        ("Le Caire", 360630),
        ("Moskova", 524901),
        ("Genève", 2660646),
        ("دمشق", 170654),
        ("بيروت", 276781),
        ("الموصل", 99072),  # the article dropped when only the bare name is known
        ("Kiev", 703448),
        ("Kyiv", 703448),
        # The spellings Arabic news uses where ISO's Arabic differs.
        ("بنغلاديش", 1210997),
        ("أوروغواي", 3439705),
        ("المجر", 719819),
        ("صربيا", 6290252),
        ("مولدوفا", 617790),
        # ISO's Arabic gives Moldova's common name as the Maldives'.
        ("المالديف", 1282028),
        ("جزر المالديف", 1282028),
        # Continents.
        ("أوروبا", 6255148),
        ("Avrupa", 6255148),
        ("Afrique", 6255146),
        ("آسيا", 6255147),
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
    ("name", "country", "geonameid"),
    [
        ("Tripoli", "", 2210247),  # Libya's, the most populous
        ("Tripoli", "LB", 266826),
        ("طرابلس", "LB", 266826),
        ("Rafah", "EG", 350350),
        ("Athens", "US", 4180386),
    ],
)
def test_homonyms_go_to_the_most_populous_unless_a_country_is_given(
    gazetteer: Gazetteer, name: str, country: str, geonameid: int
) -> None:
    term = gazetteer.resolve(name, country=country)
    assert term is not None and term.id == f"https://sws.geonames.org/{geonameid}/"


@pytest.mark.parametrize(
    ("name", "country_id", "city_id"),
    [
        ("عمان", 286963, 250441),  # Oman / Amman
        ("تونس", 2464461, 2464470),
        ("الجزائر", 2589581, 2507480),
        ("Kuwait", 285570, 285787),
    ],
)
def test_a_city_wins_its_countrys_name_only_when_a_city_is_asked_for(
    gazetteer: Gazetteer, name: str, country_id: int, city_id: int
) -> None:
    country, city = gazetteer.resolve(name), gazetteer.resolve(name, city=True)
    assert country is not None and country.id.endswith(f"/{country_id}/")
    assert city is not None and city.id.endswith(f"/{city_id}/")
    lebanon = gazetteer.resolve("Lebanon", city=True)  # its US towns are small
    assert lebanon is not None and lebanon.id == "https://sws.geonames.org/272103/"


def test_a_places_own_name_wins_another_places_alternate(gazetteer: Gazetteer) -> None:
    # GeoNames lists "Islamabad" among Chattogram's old names, "New Delhi" among Delhi's.
    islamabad, new_delhi = gazetteer.resolve("Islamabad"), gazetteer.resolve("New Delhi")
    assert islamabad is not None and islamabad.country == "PK"
    assert new_delhi is not None and new_delhi.id.endswith("/1261481/")


def test_an_unknown_name_resolves_to_nothing(gazetteer: Gazetteer) -> None:
    assert gazetteer.resolve("Mustafa Kamacı") is None
    assert gazetteer.resolve("") is None
    assert gazetteer.resolve("الأناضول") is None


@pytest.mark.parametrize(
    "text",
    [
        "وكان الفريق قد فاز بكأس الدوري يوم الخميس",
        "وقال في بيان إن الدولة الجديدة أمام لجنة جامعة",
        "The van was nice and we had a mobile phone.",
        "كان الوزير قد قال إن بن سلمان سيزور البلاد",  # Cannes = كان, Bonn = بن
        # A name that matches a word only with a proclitic: Beira بيرا in كبيرا ("big"),
        # Rome's ريم in كريم, Asilah's صيلة in فصيلة; the words are on the stop list.
        "حقق المنتخب فوزا كبيرا بقيادة كريم في فصيلة نادرة",
        # Words that GeoNames also gives as a town's name (Settat, Tyre, Kafr al Kurdi,
        # Ash Shuhada, Usak, Samandag, Al-Tabqa, At Taraf, Dura, Beira, Amman, Salem).
        "قالت سلطات الاحتلال إن الصور تظهر القيادي الكردي بين الشهداء",
        "عشاق الكرة والصحيفة السويدية تحدثوا عن ثورة الطرف الثالث",
        "لعب دورا كبيرا في عودة اللاجئين بأمان، كما قال سالم",
    ],
)
def test_a_place_named_like_a_common_word_does_not_match_ordinary_text(
    gazetteer: Gazetteer, text: str
) -> None:
    assert EntitiesStep([], gazetteer).find(_doc(text)).entities == []


def test_the_same_words_as_places_are_found_where_they_are_places(gazetteer: Gazetteer) -> None:
    text = "وصل الوفد إلى غزة قادما من أنقرة. Van'da deprem oldu."
    names = {e.name for e in EntitiesStep([], gazetteer).find(_doc(text)).entities}
    # An item of no declared language shows each name in the language it was written in.
    assert {"غزة", "أنقرة", "Van"} <= names


def test_continents_and_countries_in_news_spelling_are_found_in_running_text(
    gazetteer: Gazetteer,
) -> None:
    text = "جال الوزير في أوروبا وأمريكا الشمالية ثم زار بنغلاديش والمالديف وصربيا"
    doc = msgspec.structs.replace(_doc(text), language="ar")
    found = {e.name: e for e in EntitiesStep([], gazetteer).find(doc).entities}
    assert set(found) == {"أوروبا", "أمريكا الشمالية", "بنغلاديش", "جزر المالديف", "صربيا"}
    europe = found["أوروبا"]
    assert europe.kind == "place" and europe.id == "https://sws.geonames.org/6255148/"
    assert europe.country == "" and europe.latitude is not None
    assert found["جزر المالديف"].country == "MV" and found["بنغلاديش"].country == "BD"


def test_a_place_in_a_competitions_name_is_not_a_place_of_the_story(gazetteer: Gazetteer) -> None:
    text = "تأهل الفريق إلى نهائي دوري أبطال أوروبا وتصفيات كأس أمم أفريقيا وكأس آسيا"
    assert EntitiesStep([], gazetteer).find(_doc(text)).entities == []
    text = "تأهل الفريق إلى نهائي دوري أبطال أوروبا، والتقى الوزير نظراءه في أوروبا"
    assert [e.name for e in EntitiesStep([], gazetteer).find(_doc(text)).entities] == ["أوروبا"]


def test_a_stopped_word_leaves_the_place_of_that_name_to_datelines(gazetteer: Gazetteer) -> None:
    tyre = gazetteer.resolve("صور", city=True)
    assert tyre is not None and tyre.country == "LB"
    text = "وقعت الغارة في دوما، وزار الوفد متحف باردو."  # real places, not stopped
    names = {e.id for e in EntitiesStep([], gazetteer).find(_doc(text)).entities}
    assert {"https://sws.geonames.org/170592/", "https://sws.geonames.org/2472675/"} <= names


def test_a_name_is_stopped_by_any_of_its_proclitic_forms_on_the_list() -> None:
    """The stop list is asked about a name's forms only when one could be on it: what it
    stops is what asking about every form of every name stops."""
    from importlib import resources

    from newswire.enrich.matcher import name_key, proclitic_forms

    words = ["للقدس", "وبغزة", "كريم", "فالرياض", "لبنان", "Beira", "ولل"]
    stopwords = frozenset(name_key(w) for w in words)
    shipped = resources.files("newswire.data").joinpath(DATA_FILE).read_bytes()
    stopping = Gazetteer(decode(shipped), stopwords)
    stopped = [name_key(n) for n in ("القدس", "غزة", "ريم", "الرياض", "لبنان")]
    keys = [name_key(n) for n, _ in stopping._match] + [*stopped, "ل", ""]
    for key in keys:
        forms = proclitic_forms(key) if re.search(r"[\u0600-\u06ff]", key) else []
        expected = key in stopwords or any(form in stopwords for form, _ in forms)
        assert stopping._stopped(key) == expected, key
    assert all(stopping._stopped(k) for k in stopped)


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("القدس", "القدس"),  # GeoNames' first Arabic name is an epithet, أولى القبلتين
        ("لندن", "لندن"),  # لأندأن
        ("طهران", "طهران"),  # the Persian spelling تهران
        ("الرياض", "الرياض"),  # رياض
        ("أبوظبي", "أبوظبي"),  # جزيرة أبوظبي وجزر داخلية اخرى
        ("اسطنبول", "إسطنبول"),  # استنبول
        ("الدار البيضاء", "الدار البيضاء"),  # أنفا
        ("دبي", "دبي"),
        ("الخرطوم", "الخرطوم"),  # not among GeoNames' names: not found at all before
    ],
)
def test_a_city_arabic_news_names_is_shown_as_arabic_news_writes_it(
    gazetteer: Gazetteer, written: str, shown: str
) -> None:
    text = f"اجتمع الوزراء في {written} يوم الأحد."
    doc = msgspec.structs.replace(_doc(text), language="ar")
    found = EntitiesStep([], gazetteer).find(doc).entities
    assert [(e.name, e.latitude is not None) for e in found] == [(shown, True)]
    dateline = gazetteer.resolve(written, city=True)
    assert dateline is not None and dateline.names["ar"][0] == shown


@pytest.mark.parametrize(
    ("language", "text", "shown"),
    [
        ("tr", "Bakan, Türkiye'nin yatırım ortamının güçlendiğini söyledi.", "Türkiye"),
        ("fr", "Le ministre a rencontré son homologue du Canada mardi.", "Canada"),
        ("es", "El ministro viajó a Argentina el martes.", "Argentina"),
    ],
)
def test_a_country_is_shown_by_its_name_in_the_items_language_even_when_english_has_it_too(
    gazetteer: Gazetteer, language: str, text: str, shown: str
) -> None:
    """Türkiye is Turkish's name of Türkiye, and one of English's: a Turkish item shows
    it, not English's first name (Turkey) labelled Turkish."""
    doc = msgspec.structs.replace(_doc(text), language=language)
    [country] = EntitiesStep([], gazetteer).find(doc).entities
    assert country.name == shown
    assert gazetteer.places[country.id].names[language][0] == shown


@pytest.mark.parametrize(
    ("name", "geonameid"),
    [
        ("МОСКВА", 524901),
        ("Москва", 524901),
        ("СКОПЈЕ", 785842),  # Macedonian
        ("Скопје", 785842),
        ("БЕОГРАД", 792680),  # Serbian Cyrillic
        ("هەولێر", 95446),  # Sorani Kurdish
        ("سلێمانی", 98463),
        ("آنکارا", 323786),  # Persian
        ("کرمانشاه", 128226),
        ("北京", 1816670),
        ("東京", 1850147),
        ("东京", 1850147),
        ("서울", 1835848),
        ("安卡拉", 323786),
        ("华盛顿", 4140963),  # not the Utah town GeoNames gives it to
        ("워싱턴", 4140963),
    ],
)
def test_a_desks_own_script_resolves_its_cities(
    gazetteer: Gazetteer, name: str, geonameid: int
) -> None:
    # The gazetteer kept a city's Arabic and Latin names only: a Russian, Macedonian,
    # Sorani, Chinese, Japanese or Korean dateline's place resolved to nothing.
    term = gazetteer.resolve(name, city=True)
    assert term is not None and term.id == f"https://sws.geonames.org/{geonameid}/"
    assert term.latitude is not None and term.longitude is not None


def test_names_in_the_other_desks_scripts_are_not_looked_for_in_running_text(
    gazetteer: Gazetteer,
) -> None:
    """They are there for datelines: an Arabic text's places are what they were (a Persian
    or Kurdish transliteration of a small town could be an Arabic word)."""
    other = re.compile(r"[\u0400-\u04ff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af\u06d5\u06ce]")
    assert not [name for name, _ in gazetteer.match_names() if other.search(name)]
    # Nor does a Persian spelling take a name Arabic news writes from its place.
    assert gazetteer.resolve("کابل") == gazetteer.resolve("كابل")


def test_the_shipped_data_file_is_what_the_packages_give() -> None:
    """``scripts/build_gazetteer.py`` was run after the last change to the gazetteer or
    its sources: the file holds exactly what they give now."""
    from importlib import resources

    shipped = resources.files("newswire.data").joinpath(DATA_FILE).read_bytes()
    assert decode(shipped) == build_data()
    assert encode(decode(shipped)) == shipped


def test_each_place_is_decoded_when_asked_for_as_the_term_of_its_id() -> None:
    from newswire.enrich.base import Term

    shipped = Gazetteer(decode(resources.files("newswire.data").joinpath(DATA_FILE).read_bytes()))
    assert not shipped.places._terms  # type: ignore[attr-defined]
    ankara = shipped.places["https://sws.geonames.org/323786/"]
    assert ankara.name == "Ankara" and ankara.country == "TR"
    assert shipped.places["https://sws.geonames.org/323786/"] is ankara
    assert shipped.places.get("https://sws.geonames.org/0/") is None
    assert "https://sws.geonames.org/0/" not in shipped.places
    terms = list(shipped.places.values())
    assert len(terms) == len(shipped.places) > 30_000
    assert all(isinstance(t, Term) for t in terms)
    assert [t.id for t in terms] == list(shipped.places)


def test_a_part_of_the_names_is_decoded_when_a_name_of_it_is_looked_up() -> None:
    shipped = Gazetteer(decode(resources.files("newswire.data").joinpath(DATA_FILE).read_bytes()))
    decoded = shipped._names  # type: ignore[attr-defined]
    assert not any(decoded)
    ankara = shipped.resolve("أنقرة")
    assert ankara is not None and ankara.id == "https://sws.geonames.org/323786/"
    assert sum(part is not None for part in decoded) == 1
    assert shipped.resolve("Ankara") is not None and shipped.resolve("nowhere at all") is None
    assert sum(part is not None for part in decoded) <= 3
    # Every name is in the part it is looked for in.
    parts = [msgspec.msgpack.decode(raw, type=dict[str, list[int]]) for raw in shipped._by_name]
    assert all(_part(key) == i for i, names in enumerate(parts) for key in names)
    assert sum(map(len, parts)) > 100_000


def test_the_gazetteer_is_read_on_the_first_item_not_at_import_or_build() -> None:
    probe = """
from newswire.enrich import gazetteer
from newswire.enrich.base import Context, Document, Findings
from newswire.enrich import dateline, entities
from newswire.model import NewsItem
steps = [dateline.build(Context()), entities.build(Context())]
assert gazetteer._load.cache_info().currsize == 0
item = NewsItem(id="x", headline="h", body=["ANKARA (AA) - Talks in Ankara."])
doc = Document(item=item, text=item.body[0], language="en", found=Findings())
found = [step.find(doc) for step in steps]
assert gazetteer._load.cache_info().currsize == 1
assert found[0].entities[0].id.endswith("/323786/"), found
"""
    subprocess.run([sys.executable, "-c", probe], check=True)


@pytest.mark.parametrize(
    ("name", "south", "north", "west", "east"),
    [("تركيا", 36, 42, 26, 45), ("إسرائيل", 29.5, 33.3, 34.2, 35.9), ("France", 42, 51, -5, 8)],
)
def test_a_country_has_coordinates_inside_it(
    gazetteer: Gazetteer, name: str, south: float, north: float, west: float, east: float
) -> None:
    """Every place has coordinates, countries too (issue 14): a country's centre, for its
    ninjs geoJSON and its NewsML-G2 position."""
    country = gazetteer.resolve(name)
    assert country is not None and country.latitude is not None and country.longitude is not None
    assert south <= country.latitude <= north and west <= country.longitude <= east
    assert all(
        t.latitude is not None for t in gazetteer.places.values() if t.country in ("TR", "IL")
    )

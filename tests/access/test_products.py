"""Products: which items a product carries, the CLI's urgency ranges, product validation."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newswire.access import taxonomy
from newswire.access.products import Product, matches, parse_urgency, validate_product
from newswire.errors import BadInput, Unprocessable
from newswire.formats.html import make_body
from newswire.model import Concept, Dateline, Entity, NewsItem
from newswire.text.normalize import normalize
from tests.helpers import examples
from tests.items import arabic_item
from tests.strategies import news_items

# Real Media Topics (newswire/data/mediatopic.csv): politics > election > political
# campaigns > campaign finance; government is election's sibling.
POLITICS = "medtop:11000000"
ELECTION = "medtop:20000574"
CAMPAIGNS = "medtop:20000580"
CAMPAIGN_FINANCE = "medtop:20000581"
GOVERNMENT = "medtop:20000593"
ECONOMY = "medtop:04000000"


def english_item(**changes) -> NewsItem:
    body, body_html = make_body(paragraphs=["Parties disclosed their donors on Monday."])
    item = NewsItem(
        id="urn:newsml:example.org:20250302:campaign-finance",
        language="en-GB",
        headline="Parties publish campaign donors ahead of the vote",
        body=body,
        body_html=body_html,
        dateline=Dateline(place="ISTANBUL", place_latin="Istanbul", source="AFP"),
        urgency=4,
        genres=[Concept(code="genre:Analysis")],
        subjects=[Concept(code=CAMPAIGN_FINANCE, name="campaign finance")],
        entities=[
            Entity(
                kind="place",
                name="Türkiye",
                id="http://cv.iptc.org/newscodes/iso3166-1a2/TR",
            ),
            Entity(kind="place", name="Istanbul", id="https://sws.geonames.org/745044/"),
            Entity(kind="organisation", name="Ankara Chamber", id="geonames:323786"),
        ],
        provider="Example Wire",
    )
    return msgspec.structs.replace(item, **changes)


def product(**criteria) -> Product:
    return Product(name="test", access="full", **criteria)


def subjects(*codes: str) -> list[Concept]:
    return [Concept(code=code) for code in codes]


# --- the taxonomy --------------------------------------------------------------------


def test_the_fixture_topics_are_the_real_tree():
    assert taxonomy.topic(CAMPAIGN_FINANCE).parent == CAMPAIGNS
    assert taxonomy.topic(CAMPAIGNS).parent == ELECTION
    assert taxonomy.topic(ELECTION).parent == POLITICS
    assert taxonomy.topic(GOVERNMENT).parent == POLITICS
    assert taxonomy.topic(POLITICS).parent == ""


@pytest.mark.parametrize(
    "code",
    [
        CAMPAIGN_FINANCE,
        "20000581",
        "http://cv.iptc.org/newscodes/mediatopic/20000581",
        "MEDTOP:20000581",
    ],
)
def test_a_topic_may_be_written_three_ways(code):
    assert taxonomy.known(code)
    assert taxonomy.is_within(code, POLITICS)
    assert taxonomy.is_within(code, "11000000")
    assert taxonomy.is_within(code, "http://cv.iptc.org/newscodes/mediatopic/11000000")


def test_is_within_descends_but_never_climbs_or_crosses():
    assert taxonomy.is_within(POLITICS, POLITICS)
    assert taxonomy.is_within(CAMPAIGN_FINANCE, ELECTION)
    assert not taxonomy.is_within(POLITICS, ELECTION)  # ancestor
    assert not taxonomy.is_within(ELECTION, CAMPAIGN_FINANCE)
    assert not taxonomy.is_within(GOVERNMENT, ELECTION)  # sibling
    assert not taxonomy.is_within(CAMPAIGN_FINANCE, ECONOMY)
    assert not taxonomy.is_within("genre:Current", POLITICS)
    assert not taxonomy.is_within("", POLITICS)


def test_labels_and_unknown_codes():
    assert taxonomy.label(POLITICS) == "politics"
    assert taxonomy.label(POLITICS, "ar") == "سياسة"
    assert taxonomy.label(ELECTION, lang="ar") == "انتخابات"
    # No Arabic name in the vocabulary for this recent topic: English rather than nothing.
    assert taxonomy.label("medtop:20001361", "ar") == "cyber warfare"
    # ... and says so: a page shows it marked as English.
    assert taxonomy.labelled("medtop:20001361", "ar") == ("cyber warfare", "en")
    assert taxonomy.labelled(POLITICS, "ar-EG") == ("سياسة", "ar")
    assert taxonomy.labelled(POLITICS, "fr") == ("politics", "en")
    assert taxonomy.labelled("medtop:99999999", "ar") == ("", "")
    assert taxonomy.label("medtop:99999999") == ""
    assert not taxonomy.known("medtop:99999999")
    assert not taxonomy.known("politics")
    assert taxonomy.known("medtop:20000030")  # retired in 2021, still in archived items


# Labels IPTC's export spelt without their hamza (or misspelt), by code: (as shipped, right).
SPELT = {
    "medtop:04000000": ("اقتصاد، اعمال ومال", "اقتصاد، أعمال ومال"),
    "medtop:20000045": ("اعلام جماهيري", "إعلام جماهيري"),
    "medtop:20000784": ("تنظيم الاسرة", "تنظيم الأسرة"),
    "medtop:20000103": ("ارهاب", "إرهاب"),
    "medtop:20000565": ("اسلوب حياة", "أسلوب حياة"),
    "medtop:20000651": ("احزب وحركات", "أحزاب وحركات"),
    "medtop:20001289": ("قنوات التوزي", "قنوات التوزيع"),
}


def test_arabic_labels_are_spelt_right_and_normalise_as_the_bare_spelling():
    for code, (bare, right) in SPELT.items():
        assert taxonomy.label(code, "ar") == right, code
        # Search folds hamzas: a query typed without them still matches the label.
        if code not in ("medtop:20000651", "medtop:20001289"):  # misspelt, not hamza-less
            assert normalize(bare) == normalize(right), code
    labels = [taxonomy.label(c, "ar") for c in taxonomy._topics()]
    for wrong in ("الاعمال", "الاعلام", "الاسرة", "الارهاب", "اعمال", "الطوارىء"):
        assert not [t for t in labels if wrong in t.split()], wrong


# --- matching: subjects ----------------------------------------------------------------


def test_descendants_of_a_subscribed_topic_match():
    item = english_item()  # campaign finance, three levels under politics
    assert matches(product(subjects=[POLITICS]), item)
    assert matches(product(subjects=[ELECTION]), item)
    assert matches(product(subjects=[CAMPAIGN_FINANCE]), item)
    assert matches(product(subjects=["11000000"]), item)


def test_siblings_and_ancestors_of_a_subscribed_topic_do_not():
    assert not matches(product(subjects=[GOVERNMENT]), english_item())
    assert not matches(
        product(subjects=[CAMPAIGN_FINANCE]), english_item(subjects=subjects(ELECTION))
    )
    assert not matches(product(subjects=[ELECTION]), arabic_item())  # politics only
    assert not matches(product(subjects=[ECONOMY]), english_item())
    assert not matches(product(subjects=[POLITICS]), english_item(subjects=[]))


def test_any_subject_within_any_subscribed_topic_matches():
    item = english_item(subjects=subjects("medtop:20000349", GOVERNMENT))
    assert matches(product(subjects=[ELECTION, GOVERNMENT]), item)
    assert matches(product(subjects=[ECONOMY]), item)
    assert not matches(product(subjects=[ELECTION]), item)


def test_a_subject_given_only_by_uri_matches():
    concept = Concept(code="", uri="http://cv.iptc.org/newscodes/mediatopic/20000581")
    assert matches(product(subjects=[POLITICS]), english_item(subjects=[concept]))


# --- matching: languages ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "language", "expected"),
    [
        ("ar", "ar", True),
        ("ar", "ar-EG", True),
        ("ar", "AR-eg", True),
        ("AR", "ar", True),
        ("ar", "arn", False),  # Mapudungun, not Arabic
        ("ar-EG", "ar-EG", True),
        ("ar-eg", "ar-EG", True),
        ("ar-EG", "ar", False),
        ("ar-EG", "ar-SA", False),
        ("en", "en-GB", True),
        ("ar", "", False),
    ],
)
def test_language_prefix_rules(wanted, language, expected):
    assert matches(product(languages=[wanted]), arabic_item(language=language)) is expected


def test_any_listed_language_matches():
    languages = ["en", "ar"]
    assert matches(product(languages=languages), arabic_item())
    assert matches(product(languages=languages), english_item())
    assert not matches(product(languages=["tr", "fr"]), english_item())


# --- matching: urgency -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "urgency", "expected"),
    [
        (1, 3, 1, True),
        (1, 3, 3, True),
        (1, 3, 4, False),
        (2, 2, 2, True),
        (2, 2, 1, False),
        (1, 4, None, False),  # no urgency counts as 5, "normal"
        (5, 5, None, True),
        (4, 6, None, True),
        (6, 9, None, False),
        (1, 9, None, True),
        (1, 9, 9, True),
    ],
)
def test_urgency_ranges(low, high, urgency, expected):
    wanted = product(urgency_min=low, urgency_max=high)
    assert matches(wanted, arabic_item(urgency=urgency)) is expected


# --- matching: genres, places, sources -------------------------------------------------


def test_genres_match_exactly():
    assert matches(product(genres=["genre:Current"]), arabic_item())
    assert matches(product(genres=["genre:Analysis", "genre:Current"]), arabic_item())
    assert not matches(product(genres=["genre:Analysis"]), arabic_item())
    assert not matches(product(genres=["genre:current"]), arabic_item())
    assert not matches(product(genres=["genre:Current"]), arabic_item(genres=[]))


@pytest.mark.parametrize(
    "place",
    ["أنقرة", "Ankara", "ankara", "ANKARA", " Ankara ", "geonames:323786", "GeoNames:323786"],
)
def test_places_by_arabic_and_latin_name_and_geonames_id(place):
    assert matches(product(places=[place]), arabic_item())


def test_places_from_the_entities_alone():
    item = arabic_item(dateline=None)  # the place entity أنقرة, geonames:323786 remains
    assert matches(product(places=["أنقرة"]), item)
    assert matches(product(places=["geonames:323786"]), item)
    assert not matches(product(places=["Ankara"]), item)  # only the dateline said Ankara


def test_places_by_country_code_and_geonames_uri():
    item = english_item()
    assert matches(product(places=["iso3166-1a2:TR"]), item)
    assert matches(product(places=["iso3166-1a2:tr"]), item)
    assert matches(product(places=["http://cv.iptc.org/newscodes/iso3166-1a2/TR"]), item)
    assert matches(product(places=["geonames:745044"]), item)
    assert matches(product(places=["istanbul"]), item)
    assert not matches(product(places=["iso3166-1a2:SY"]), item)
    # the short URI form of IPTC's own examples names the same country
    short = msgspec.structs.replace(item, entities=[
        Entity(kind="place", name="Italy", id="http://cvx.iptc.org/iso3166-1a2/it")])
    assert matches(product(places=["iso3166-1a2:IT"]), short)
    assert matches(product(places=["http://cv.iptc.org/newscodes/iso3166-1a2/IT"]), short)


def test_places_do_not_match_other_entities_or_parts_of_names():
    item = english_item()
    assert not matches(product(places=["Ankara Chamber"]), item)  # an organisation
    assert not matches(product(places=["geonames:323786"]), item)  # the organisation's id
    assert not matches(product(places=["Istan"]), item)
    assert not matches(product(places=["دمشق", "Damascus"]), arabic_item())


def test_an_item_without_places_matches_no_place():
    item = english_item(dateline=None, entities=[])
    assert not matches(product(places=["Istanbul"]), item)
    assert not matches(product(places=[""]), item)


def test_sources_by_provider_and_dateline_source():
    item = arabic_item()  # provider AA, dateline source الأناضول
    assert matches(product(sources=["AA"]), item)
    assert matches(product(sources=["aa"]), item)
    assert matches(product(sources=["الأناضول"]), item)
    assert matches(product(sources=["AFP", "الأناضول"]), item)
    assert not matches(product(sources=["AFP"]), item)
    assert matches(product(sources=["afp"]), english_item())
    assert matches(product(sources=["example wire"]), english_item())
    assert not matches(product(sources=[""]), arabic_item(provider="", dateline=None))


def test_item_types():
    picture = msgspec.structs.replace(arabic_item(), type="picture")
    assert matches(product(types=["picture"]), picture)
    assert matches(product(types=["video", "picture"]), picture)
    assert not matches(product(types=["picture"]), arabic_item())  # a story
    assert matches(product(types=["text"]), arabic_item())
    assert matches(product(), picture)  # no types: every type
    with pytest.raises(BadInput) as err:
        validate_product(product(types=["sound"]))
    assert err.value.field == "types"


# --- matching: all criteria together ---------------------------------------------------


def test_every_criterion_set_must_hold():
    full = product(
        languages=["ar"],
        subjects=[POLITICS],
        urgency_min=1,
        urgency_max=3,
        genres=["genre:Current"],
        places=["Ankara"],
        sources=["AA"],
    )
    item = arabic_item()
    assert matches(full, item)
    assert not matches(msgspec.structs.replace(full, languages=["en"]), item)
    assert not matches(msgspec.structs.replace(full, subjects=[ECONOMY]), item)
    assert not matches(msgspec.structs.replace(full, urgency_max=2), item)
    assert not matches(msgspec.structs.replace(full, genres=["genre:Analysis"]), item)
    assert not matches(msgspec.structs.replace(full, places=["Istanbul"]), item)
    assert not matches(msgspec.structs.replace(full, sources=["AFP"]), item)
    assert not matches(full, english_item())


def test_access_and_embargo_do_not_change_what_matches():
    item = arabic_item()  # under embargo until 12:00
    assert matches(Product(name="teasers", access="teaser"), item)
    assert matches(Product(name="early", access="full", early_embargo=True), item)


# --- parse_urgency ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1-3", (1, 3)),
        ("2", (2, 2)),
        ("1-9", (1, 9)),
        (" 4 - 6 ", (4, 6)),
        ("9-9", (9, 9)),
        ("١-٣", (1, 3)),
    ],
)
def test_parse_urgency(text, expected):
    assert parse_urgency(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0", "1 (flash) to 9"),
        ("10", "1 (flash) to 9"),
        ("1-12", "1 (flash) to 9"),
        ("0-3", "1 (flash) to 9"),
        ("5-2", "runs backwards"),
        ("high", "not an urgency"),
        ("", "not an urgency"),
        ("-3", "not an urgency"),
        ("1-", "not an urgency"),
        ("1-3-5", "not an urgency"),
        ("1.5", "not an urgency"),
        ("1,3", "not an urgency"),
    ],
)
def test_parse_urgency_refuses(text, reason):
    with pytest.raises(BadInput) as caught:
        parse_urgency(text)
    assert caught.value.field == "urgency"
    assert reason in caught.value.detail


# --- validate_product ------------------------------------------------------------------


def test_a_valid_product_is_returned_with_subjects_as_qcodes():
    given_product = Product(
        name="ar-politics.v2",
        access="teaser",
        languages=["ar", "en-GB"],
        subjects=["11000000", "http://cv.iptc.org/newscodes/mediatopic/20000593", ECONOMY],
        urgency_min=2,
        urgency_max=4,
        genres=["genre:Current", "aa-genre:Flash"],
        places=["أنقرة"],
        sources=["AA"],
    )
    checked = validate_product(given_product)
    assert checked.subjects == [POLITICS, GOVERNMENT, ECONOMY]
    assert msgspec.structs.replace(checked, subjects=given_product.subjects) == given_product
    plain = Product(name="all", access="full")
    assert validate_product(plain) is plain


def test_a_value_given_twice_is_kept_once_in_the_order_given():
    # A user trial: entities ["Hamas", "Hamas"] were kept and shown twice.
    checked = validate_product(
        Product(
            name="twice",
            access="full",
            languages=["ar", "en", "ar"],
            subjects=["11000000", POLITICS, ECONOMY],
            genres=["genre:Current", "genre:Current"],
            places=["أنقرة", "Gaza", "أنقرة"],
            entities=["Hamas", "حماس", "Hamas"],
            sources=["AA", "AA"],
            types=["text", "picture", "text"],
        )
    )
    assert checked.languages == ["ar", "en"]
    assert checked.subjects == [POLITICS, ECONOMY]
    assert checked.genres == ["genre:Current"]
    assert checked.places == ["أنقرة", "Gaza"]
    assert checked.entities == ["Hamas", "حماس"]
    assert checked.sources == ["AA"]
    assert checked.types == ["text", "picture"]


@pytest.mark.parametrize("name", ["سياسة", "أخبار_تركيا", "AA-ar.full", "x", "a" * 64, "2025"])
def test_names_of_letters_digits_and_punctuation(name):
    assert validate_product(Product(name=name, access="full")).name == name


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "a" * 65}, "name"),
        ({"name": "two words"}, "name"),
        ({"name": "a/b"}, "name"),
        ({"name": ".."}, "name"),
        ({"name": "-rm"}, "name"),
        ({"name": "خبر\u200f"}, "name"),  # an invisible right-to-left mark
        ({"name": "name\n"}, "name"),
        ({"access": "premium"}, "access"),
        ({"access": "Full"}, "access"),
        ({"subjects": ["politics"]}, "subjects"),
        ({"subjects": [POLITICS, ""]}, "subjects"),
        ({"languages": ["arabic"]}, "languages"),
        ({"languages": ["ar_EG"]}, "languages"),
        ({"languages": ["ar\n"]}, "languages"),
        ({"languages": [""]}, "languages"),
        ({"languages": "ar"}, "languages"),
        ({"genres": ["Current"]}, "genres"),
        ({"places": [" "]}, "places"),
        ({"sources": [""]}, "sources"),
        ({"urgency_min": 0}, "urgency_min"),
        ({"urgency_max": 10}, "urgency_max"),
        ({"early_embargo": "yes"}, "early_embargo"),
    ],
)
def test_validate_product_names_the_field(changes, field):
    bad = msgspec.structs.replace(Product(name="good", access="full"), **changes)
    with pytest.raises(BadInput) as caught:
        validate_product(bad)
    assert caught.value.field == field
    assert caught.value.status == 400


@pytest.mark.parametrize("languages", [["xx"], ["ar", "zz-ZZ"]])
def test_a_language_filter_naming_no_language_is_unprocessable(languages):
    """Well formed, as the OpenAPI declares it, but no language's code: a product of it
    would carry nothing. 422 (refused for what it says), not 400."""
    bad = Product(name="good", access="full", languages=languages)
    with pytest.raises(BadInput) as caught:
        validate_product(bad)
    assert (caught.value.field, caught.value.status) == ("languages", 422)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subjects": ["medtop:99999999"]}, "subjects"),
        ({"genres": ["genre:current"]}, "genres"),
        ({"urgency_min": 6, "urgency_max": 3}, "urgency_min"),
        ({"entities": ["Hamas\u202e"]}, "entities"),  # a right-to-left override
        ({"places": ["غزة\u200f"]}, "places"),  # an invisible right-to-left mark
        ({"sources": ["AA\x07"]}, "sources"),
        ({"places": ["geonames:abc"]}, "places"),
        ({"places": ["geonames:٢٨١١٣٣"]}, "places"),  # Arabic-Indic digits: no GeoNames id
        ({"places": ["Gaza", "GeoNames:"]}, "places"),
    ],
)
def test_what_no_schema_can_say_is_unprocessable(changes, field):
    """A topic or genre of the right form that does not exist, a range the wrong way
    round: 422 (each value is of its declared form), still naming the field."""
    bad = msgspec.structs.replace(Product(name="good", access="full"), **changes)
    with pytest.raises(Unprocessable) as caught:
        validate_product(bad)
    assert caught.value.field == field
    assert caught.value.status == 422


def test_a_product_round_trips_through_json_without_defaults():
    wanted = Product(name="ar", access="full", languages=["ar"])
    data = msgspec.json.encode(wanted)
    assert msgspec.json.decode(data) == {"name": "ar", "access": "full", "languages": ["ar"]}
    assert msgspec.json.decode(data, type=Product) == wanted


# --- properties --------------------------------------------------------------------------

TOPICS = [POLITICS, ELECTION, CAMPAIGN_FINANCE, GOVERNMENT, ECONOMY, "medtop:01000000"]
# Each value once: the check keeps a value given twice once (a product as stored).
CRITERIA = {
    "languages": st.lists(
        st.sampled_from(["ar", "en", "ar-EG", "tr", "fr", "en-GB"]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    "subjects": st.lists(st.sampled_from(TOPICS), min_size=1, max_size=3, unique=True),
    "genres": st.lists(
        st.sampled_from(["genre:Current", "genre:Analysis", "genre:Interview"]),
        min_size=1,
        max_size=2,
        unique=True,
    ),
    "places": st.lists(
        st.sampled_from(["Ankara", "أنقرة", "geonames:323786", "iso3166-1a2:TR"]),
        min_size=1,
        max_size=2,
        unique=True,
    ),
    "sources": st.lists(
        st.sampled_from(["AA", "AFP", "الأناضول", "Reuters"]), min_size=1, max_size=2, unique=True
    ),
}
PROPERTY = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def products(draw) -> Product:
    chosen = draw(st.lists(st.sampled_from(sorted(CRITERIA)), unique=True))
    low = draw(st.integers(1, 9))
    high = draw(st.integers(low, 9))
    return product(
        urgency_min=low, urgency_max=high, **{name: draw(CRITERIA[name]) for name in chosen}
    )


@PROPERTY
@given(news_items())
def test_a_product_without_criteria_matches_every_item(item):
    assert matches(Product(name="everything", access="full"), item)
    assert matches(Product(name="everything", access="teaser", early_embargo=True), item)


@PROPERTY
@given(news_items(), products(), st.data())
def test_adding_a_criterion_never_lets_a_non_matching_item_in(item, base, data):
    # A criterion the product does not set yet, or a narrower urgency range. (Another value
    # in a criterion already set widens it, OR within a criterion: not a new criterion.)
    unset = [name for name in sorted(CRITERIA) if not getattr(base, name)]
    criterion = data.draw(st.sampled_from([*unset, "urgency"]))
    if criterion == "urgency":
        low = data.draw(st.integers(base.urgency_min, base.urgency_max))
        high = data.draw(st.integers(low, base.urgency_max))
        narrower = msgspec.structs.replace(base, urgency_min=low, urgency_max=high)
    else:
        narrower = msgspec.structs.replace(base, **{criterion: data.draw(CRITERIA[criterion])})
    assert validate_product(narrower) == narrower
    if not matches(base, item):
        assert not matches(narrower, item)

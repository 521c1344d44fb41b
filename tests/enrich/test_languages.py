"""An agency's languages, each read as its desk writes it: a short story per language
(``tests/fixtures/languages/``, in the agency's plain-text layout) gets its language and
its dateline from the text codec and the ``language`` and ``dateline`` steps."""

from __future__ import annotations

import pytest

from newswire import formats
from newswire.enrich.base import Context
from newswire.enrich.dateline import agency_name
from newswire.enrich.pipeline import Enricher, build
from newswire.model import NewsItem
from tests.conftest import FIXTURES

STORIES = FIXTURES / "languages"

# file -> (language, dateline place as written, its source, the place's GeoNames id)
EXPECTED = {
    "tr": ("tr", "İSTANBUL", "AA", 745044),
    "en": ("en", "ANKARA", "AA", 323786),
    "bs": ("bs", "SARAJEVO", "AA", 3191281),
    "ru": ("ru", "МОСКВА", "АА", 524901),
    "kmr": ("ku", "AMED", "AA", 316541),
    "ckb": ("ckb", "هەولێر", "ئا.ئا", 95446),
    "fa": ("fa", "تهران", "آ.آ", 112931),
    "fr": ("fr", "MARSEILLE", "AA", 2995469),
    "es": ("es", "MADRID", "AA", 3117735),
    "sq": ("sq", "TIRANË", "AA", 3183875),
    "mk": ("mk", "СКОПЈЕ", "АА", 785842),
    "id": ("id", "JAKARTA", "AA", 1642911),
    # Xinhua's layout names no agency: 北京12月5日电（记者王丽）.
    "zh": ("zh", "北京", "", 1816670),
    "ja": ("ja", "東京", "AA", 1850147),
    "ko": ("ko", "서울", "AA", 1835848),
}


@pytest.fixture(scope="module")
def steps() -> Enricher:
    return build(Context(), ["language", "dateline"])


def story(name: str) -> NewsItem:
    return formats.get("text").parse((STORIES / f"{name}.txt").read_bytes())[0]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_desk_s_story_gets_its_language_and_its_dateline(name: str, steps: Enricher) -> None:
    language, place, source, _ = EXPECTED[name]
    out = steps.enrich(story(name))
    assert out.language == language
    assert out.dateline is not None
    assert (out.dateline.place, out.dateline.source) == (place, source)
    assert agency_name(out.dateline.source) == ("Anadolu Agency" if source else "")
    # The dateline is no part of the first paragraph any more.
    assert not out.body[0].startswith(place)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_desk_s_dateline_place_resolves_with_its_coordinates(
    name: str, steps: Enricher
) -> None:
    # Cyrillic, Sorani, Chinese, Japanese and Korean places resolved to nothing: the
    # gazetteer kept a city's Arabic and Latin names only.
    (located,) = [e for e in steps.enrich(story(name)).entities if e.rel == "located"]
    assert located.id == f"https://sws.geonames.org/{EXPECTED[name][3]}/"
    assert located.latitude is not None and located.longitude is not None


def test_a_russian_dateline_names_its_source_between_slashes() -> None:
    # It stayed in the first paragraph: the codec read sources in brackets only.
    item = story("ru")
    assert item.dateline is not None and item.dateline.text == "МОСКВА, 5 декабря /АА/ -"
    assert item.body[0].startswith("В Москве в четверг открылся")


@pytest.mark.parametrize("name", ["sq", "bs", "kmr"])
def test_a_latin_story_in_a_language_the_codec_has_no_words_of_is_not_taken_for_another(
    name: str,
) -> None:
    # Albanian and Kurmanji were French (ë, ê î û), Bosnian English, and a language the
    # item declares is never detected again: they were filed under /fr/ and /en/.
    assert story(name).language == ("ku" if name == "kmr" else "und")


def test_a_kurmanji_story_that_declares_no_language_is_kurmanji_not_turkish(
    steps: Enricher,
) -> None:
    # A ninjs or NewsML-G2 item declaring none goes to lingua, which knows no Kurdish.
    item = story("kmr")
    out = steps.enrich(NewsItem(id="urn:test:kmr", headline=item.headline, body=item.body))
    assert out.language == "ku"

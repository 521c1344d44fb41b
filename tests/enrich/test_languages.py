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

# file -> (language, dateline place as written, its source)
EXPECTED = {
    "tr": ("tr", "İSTANBUL", "AA"),
    "en": ("en", "ANKARA", "AA"),
    "bs": ("bs", "SARAJEVO", "AA"),
    "ru": ("ru", "МОСКВА", "АА"),
    "kmr": ("ku", "AMED", "AA"),
    "ckb": ("ckb", "هەولێر", "ئا.ئا"),
    "fa": ("fa", "تهران", "آ.آ"),
    "fr": ("fr", "MARSEILLE", "AA"),
    "es": ("es", "MADRID", "AA"),
    "sq": ("sq", "TIRANË", "AA"),
    "mk": ("mk", "СКОПЈЕ", "АА"),
    "id": ("id", "JAKARTA", "AA"),
    "zh": ("zh", None, None),
    "ja": ("ja", None, None),
    "ko": ("ko", None, None),
}


@pytest.fixture(scope="module")
def steps() -> Enricher:
    return build(Context(), ["language", "dateline"])


def story(name: str) -> NewsItem:
    return formats.get("text").parse((STORIES / f"{name}.txt").read_bytes())[0]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_desk_s_story_gets_its_language_and_its_dateline(name: str, steps: Enricher) -> None:
    language, place, source = EXPECTED[name]
    out = steps.enrich(story(name))
    assert out.language == language
    if place is None:
        return
    assert out.dateline is not None
    assert (out.dateline.place, out.dateline.source) == (place, source)
    assert agency_name(out.dateline.source) == "Anadolu Agency"
    # The dateline is no part of the first paragraph any more.
    assert not out.body[0].startswith(place)


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

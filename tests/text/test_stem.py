"""Stemmers: each light10 rule and each extension on words of the corpus sample, the
Snowball quirks, and the stemmer of each language."""

from __future__ import annotations

import json
import re

import pytest
import Stemmer
from hypothesis import given
from hypothesis import strategies as st

from newswire.text.normalize import normalize
from newswire.text.stem import (
    ARABIC,
    SNOWBALL,
    language,
    light10,
    light10_plus,
    light10_plus_proclitics,
    snowball_arabic,
    stemmer_for,
    strip_proclitic,
)
from tests.conftest import CORPUS_SAMPLE

CORPUS_WORDS = frozenset(
    word
    for record in map(json.loads, CORPUS_SAMPLE.read_text(encoding="utf-8").splitlines())
    for word in re.split(
        r"[\s\"'«»()\[\]{}.,:;!?،؛؟…“”/–—-]+", f"{record['headline']} {record['body']}"
    )
)


def in_corpus(word: str) -> str:
    """``word``, after checking that the sample has it (as a whole word)."""
    assert word in CORPUS_WORDS, f"{word} is not in the corpus sample"
    return word


# -- light10, as in the paper --------------------------------------------------------------

# (corpus word, its light10 stem): the prefixes, then the suffixes.
LIGHT10 = [
    ("الحكومة", "حكوم"),  # ال, then ه (ة normalised)
    ("والحكومة", "حكوم"),  # وال
    ("بالحكومة", "حكوم"),  # بال
    ("كالاتحاد", "اتحاد"),  # كال
    ("فالتوازن", "توازن"),  # فال
    ("للحكومة", "حكوم"),  # لل
    ("وقال", "قال"),  # و, 3 letters left
    ("وقت", "وقت"),  # و kept: only 2 letters would be left
    ("قيمتها", "قيمت"),  # ها
    ("الهاتفان", "هاتف"),  # ان
    ("المساعدات", "مساعد"),  # ات
    ("المسؤولون", "مسؤول"),  # ون
    ("الفلسطينيين", "فلسطين"),  # ين, then ي: every suffix in turn
    ("الدولية", "دول"),  # يه (ية normalised)
    ("فلسطيني", "فلسطين"),  # ي
    ("البيان", "بي"),  # ال then ان, down to 2 letters
    ("الآن", "ان"),  # ال, leaving 2
]


@pytest.mark.parametrize(("word", "stem"), LIGHT10)
def test_light10(word, stem):
    assert light10(normalize(in_corpus(word))) == stem


def test_light10_strips_one_prefix_the_first_that_fits():
    # وال is not tried on "والي" (4 letters: 1 would be left), و is.
    assert light10(normalize("والي")) == "ال"
    assert light10("والتي") == "تي"  # وال; ي stays (1 letter would be left)


@pytest.mark.parametrize(
    ("word", "stem"),
    [("البيان", "بيان"), ("الآن", "الان"), ("سنة", "سنه"), ("أمين", "امين"), ("ولاية", "لاي")],
)
def test_light10_with_stems_of_three(word, stem):
    assert light10(normalize(in_corpus(word)), 3) == stem


# -- light10_plus, the default ---------------------------------------------------------------


def same(stem, a: str, b: str) -> bool:
    return stem(normalize(in_corpus(a))) == stem(normalize(in_corpus(b)))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("رئيسا", "الرئيس"),  # the accusative ا
        ("عاماً", "العام"),
        ("يوما", "اليوم"),
        ("دولارا", "دولار"),
        ("لإسرائيل", "إسرائيل"),  # ل
        ("بمدينة", "المدينة"),  # ب
        ("بمنطقة", "المنطقة"),
        ("لوزارة", "الوزارة"),
        ("كبيرة", "كبير"),  # ك kept: كبير has only 4 letters
        ("لاعبين", "لاعب"),  # ل kept, likewise
        ("الفلسطينيين", "فلسطيني"),  # ف kept
    ],
)
def test_light10_plus_joins(a, b):
    assert same(light10_plus, a, b)


def test_what_light10_plus_adds_to_light10():
    assert not same(light10, "رئيسا", "الرئيس")
    assert not same(light10, "لإسرائيل", "إسرائيل")
    assert light10_plus(normalize("فريق")) == "فريق"  # not ريق: no ف
    assert light10_plus(normalize("بطولة")) == "بطول"  # not طول (length)
    assert light10_plus(normalize("البيان")) == "بيان"  # stems of 3 or more


@pytest.mark.parametrize(
    ("a", "b"), [("ولاية", "لا"), ("البيان", "بي"), ("الآن", "أن"), ("سنة", "سن"), ("أمين", "أم")]
)
def test_light10_plus_keeps_apart_what_light10_merges(a, b):
    assert same(light10, a, b)
    assert not same(light10_plus, a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("الولايات", "ولا"),  # the (United) States / nor: ولايات less ات less ي
        ("الولاية", "ولا"),
        ("بداية", "بدا"),  # beginning / appeared
        ("البداية", "بدا"),
    ],
)
def test_light10_plus_keeps_the_ya_of_the_root_after_alef(a, b):
    # In ولاية, بداية, رواية the ي is the root's third letter, not a nisba or "my":
    # stripped, the noun met a common word, and الولايات found every item with ولا.
    assert not same(light10_plus, a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("الولايات", "الولاية"),
        ("بالولايات", "الولايات"),
        ("بداية", "البداية"),
        ("النهاية", "نهاية"),
        ("لحماية", "الحماية"),
    ],
)
def test_light10_plus_still_joins_the_forms_of_a_root_ya_noun(a, b):
    assert same(light10_plus, a, b)


def test_arabic_default_is_light10_plus_after_the_proclitics():
    assert ARABIC is light10_plus_proclitics


# -- single-letter proclitics, by the lexicon ------------------------------------------------


@pytest.mark.parametrize(
    ("word", "bare"),
    [
        ("بغزة", "غزة"),  # in Gaza: 3 letters remain, too few for light10_plus alone
        ("وبغزة", "غزة"),  # and in Gaza
        ("ولغزة", "غزة"),
        ("فبغزة", "غزة"),  # ف before a preposition, as و
        ("فلحماس", "حماس"),
        ("لحماس", "حماس"),  # to Hamas (light10_plus already took ل off 4 letters)
        ("ولحماس", "حماس"),
        ("كمصر", "مصر"),  # like Egypt
        ("لمدة", "مدة"),  # for a period
        ("بعملية", "العملية"),  # the limit docs/search.md used to give: بعمل / عمل
        ("وبالقدس", "القدس"),
        ("وللرئيس", "الرئيس"),  # and for the president: و before the article's لل
        ("فللرئيس", "للرئيس"),
        ("وللمرة", "المرة"),
    ],
)
def test_a_proclitic_comes_off_a_known_word(word, bare):
    assert ARABIC(normalize(word)) == ARABIC(normalize(bare))


@pytest.mark.parametrize(
    "word",
    [
        "بلد",  # country: 2 letters would remain
        "كتب",  # wrote, books
        "فلسطين",  # لسطين is no word
        "لبنان",  # Lebanon, not ل + بنان (fingertips): بلبنان, للبنان show it is a word
        "بريطانيا",
        "كلمة",  # word
        "كبير",  # big, not ك + بير (well): الكبير
        "لجنة",  # committee, not ل + جنة (paradise): اللجنة
        "كانت",  # was, not ك + أنت (you): far more frequent
        "وكانت",  # decided as كانت
        "بيان",  # statement
        "فكرة",  # idea, not ف + كرة (ball)
        "فتحت",  # opened, not ف + تحت (under): a bare ف stays
        "فراس",  # Firas, not ف + رأس (head)
        "فغزة",  # so, the bare ف stays everywhere (rare before a name: 2 in the corpus)
        "بكين",  # Beijing, not ب + كين (Kane): ببكين
        "للقدس",  # the article's لل, left to light10
    ],
)
def test_a_word_that_only_begins_with_a_proclitic_letter_keeps_it(word):
    assert strip_proclitic(normalize(word)) == normalize(word)
    assert stemmer_for("ar") is light10_plus_proclitics


# -- a first و: the conjunction's, or the word's own -----------------------------------------


@pytest.mark.parametrize(
    ("word", "definite"),
    [
        ("وزير", "الوزير"),  # minister: not و + زير
        ("وزارة", "الوزارة"),  # ministry: not و + زارة (visited him)
        ("وكالة", "الوكالة"),  # agency
        ("وطني", "الوطني"),  # national: not و + طني
        ("ولاية", "الولاية"),  # state
        ("وسائل", "الوسائل"),  # means
        ("وجود", "الوجود"),  # presence
    ],
)
def test_a_first_waw_of_the_words_own_stays(word, definite):
    # light10 took it for "and": وزير gave زير while الوزير gave وزير, so a search for
    # the minister missed every article writing "the minister".
    assert ARABIC(normalize(word)) == ARABIC(normalize(definite))
    assert ARABIC(normalize(word))[0] == "و"


def test_a_waw_of_a_known_word_whose_rest_is_none_stays():
    assert ARABIC(normalize("واشنطن")) == "واشنطن"  # اشنطن is no word
    assert ARABIC(normalize("وزير")) == "وزير"  # nor زير (a jar) a known one
    assert ARABIC(normalize("وفقا")) == "وفق"  # far more frequent than فقا
    assert ARABIC(normalize("بواشنطن")) == ARABIC(normalize("واشنطن"))


@pytest.mark.parametrize(
    "family",
    [
        # Oran: 24 times on its own, هران 3 (a stray, no known word). Taken off the bare
        # word only, the و parted it from its prefixed forms, which keep it: وهران gave
        # هران, ووهران and بوهران وهر.
        ("وهران", "ووهران", "بوهران", "لوهران", "الوهران", "والوهران"),
        ("الوهراني", "والوهراني", "بالوهراني"),
        # a flash: too rare to be known, but the corpus has it with the article
        ("وميض", "ووميض", "بوميض", "الوميض"),
        ("واشنطن", "وواشنطن", "بواشنطن"),
        ("وزير", "ووزير", "بوزير", "الوزير"),
    ],
)
def test_a_word_with_a_waw_of_its_own_meets_its_prefixed_forms(family):
    stems = {word: ARABIC(normalize(word)) for word in family}
    assert len(set(stems.values())) == 1, stems
    assert stems[family[0]][0] == "و"


@pytest.mark.parametrize(
    ("word", "bare"),
    [
        ("وزيلينسكي", "زيلينسكي"),  # and Zelensky: a name the lexicon does not know
        ("وقمحها", "قمحها"),  # and its wheat: a form it does not know
        ("وقمحها", "القمح"),
    ],
)
def test_the_conjunction_comes_off_a_word_the_lexicon_does_not_know(word, bare):
    # Kept on an unknown rest, it hid the word: a search for زيلينسكي missed "وزيلينسكي",
    # and وقمحها was وقمح where قمحها is قمح. Taking it off wrongly costs nothing a search
    # sees: index and query are stemmed alike, so the word still meets itself.
    assert ARABIC(normalize(word)) == ARABIC(normalize(bare))


@pytest.mark.parametrize(
    ("word", "bare"),
    [
        ("وقال", "قال"),
        ("وأكد", "أكد"),
        ("وكانت", "كانت"),
        ("ووزير", "الوزير"),  # and minister: the conjunction's و, then the word's own
        ("لوزير", "وزير"),  # a preposition, then the word's own و
        ("بوزارة", "الوزارة"),
    ],
)
def test_the_conjunction_still_comes_off(word, bare):
    assert ARABIC(normalize(word)) == ARABIC(normalize(bare))


@pytest.mark.parametrize(
    ("word", "plural"),
    [("علاقاتها", "العلاقات"), ("مساعداتها", "المساعدات"), ("قواتها", "القوات")],
)
def test_a_possessive_ha_after_a_plural_meets_the_plural(word, plural):
    # The accusative ا came off first, leaving ه, which light10 strips after its ات:
    # علاقاتها gave علاقات while العلاقات gave علاق.
    assert light10_plus(normalize(word)) == light10_plus(normalize(plural))
    assert ARABIC(normalize(word)) == ARABIC(normalize(plural))


@pytest.mark.parametrize(
    ("word", "stem"), [("رئيسا", "رئيس"), ("عاما", "عام"), ("وجها", "وجه"), ("وجهها", "وجه")]
)
def test_the_accusative_alef_still_comes_off(word, stem):
    assert ARABIC(normalize(word)) == stem


arabic_words = st.text(alphabet="ءاأإآبتثجحخدذرزسشصضطظعغفقكلمنهويىة", min_size=1, max_size=12)


@given(arabic_words)
def test_light_stems_are_a_non_empty_part_of_the_word(word):
    word = normalize(word)
    for stem in (light10(word), light10(word, 3), light10_plus(word), ARABIC(word)):
        assert stem
        assert stem in word


# -- Snowball's Arabic stemmer and its quirks ------------------------------------------------


def test_snowball_reads_teh_marbuta_so_it_is_fed_before_normalisation():
    snowball = Stemmer.Stemmer("arabic").stemWord
    in_corpus("المدرسة")
    assert snowball("المدرسة") == "مدرس"
    assert snowball("المدرسه") == "مدرسه"  # what normalize would have fed it
    assert snowball_arabic("المدرسة") == snowball_arabic("المَدرسة") == "مدرس"


def test_snowball_is_helped_with_wal_and_fal():
    snowball = Stemmer.Stemmer("arabic").stemWord
    assert snowball("والوزارة") == "والوزار"
    assert snowball_arabic("والوزارة") == snowball_arabic(in_corpus("الوزارة")) == "وزار"
    assert snowball_arabic("فالوزارة") == "وزار"


def test_snowball_output_is_unified():
    assert snowball_arabic("مستشفى") == "مستشفي"  # ى as normalize maps it
    assert "ة" not in snowball_arabic("ة")


def test_why_snowball_is_not_the_default():
    """It fails two of the issue's acceptance examples (light10_plus passes them)."""
    assert snowball_arabic(in_corpus("فلسطيني")) == "لسط"
    assert snowball_arabic(in_corpus("الفلسطينيين")) == "فلسطين"
    assert snowball_arabic("مساعدات") != snowball_arabic(in_corpus("المساعدات"))


# -- other languages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "word", "stem"),
    [
        ("en", "running", "run"),
        ("en-GB", "cities", "citi"),
        ("EN", "cities", "citi"),
        ("english", "cities", "citi"),
        ("tr", "evlerinden", "ev"),
        ("tr_TR", "evlerinden", "ev"),
        ("fr", "nationales", "national"),
        ("de", "häuser", "haus"),
        ("es", "ciudades", "ciudad"),
        ("ru", "новостями", "новост"),
    ],
)
def test_snowball_for_the_item_language(lang, word, stem):
    assert stemmer_for(lang)(word) == stem


@pytest.mark.parametrize("lang", [None, "", "xx", "ja", "ur", "zh-Hans"])
def test_no_stemmer_for_unknown_languages(lang):
    assert stemmer_for(lang)("running") == "running"
    assert stemmer_for(lang)("المساعدات") == "المساعدات"


def test_stemmer_for_is_cached_and_knows_every_snowball_name():
    assert stemmer_for("fr") is stemmer_for("fr")
    assert set(SNOWBALL.values()) <= set(Stemmer.algorithms())
    assert language("pt-BR") == "pt"
    assert language("Turkish") == "tr"
    assert language(None) is None
    assert language("und") is None


def _light10_reference(word: str, min_stem: int = 2) -> str:
    """light10 as the paper states it, loop by loop (``light10`` skips the loops when no
    prefix or suffix is there at all)."""
    n = len(word)
    for prefix in ("ال", "وال", "بال", "كال", "فال", "لل"):
        if n >= len(prefix) + min_stem and word.startswith(prefix):
            word = word[len(prefix) :]
            break
    else:
        if n >= max(4, min_stem + 1) and word[0] == "و":
            word = word[1:]
    for suffix in ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي"):
        if len(word) >= len(suffix) + min_stem and word.endswith(suffix):
            word = word[: -len(suffix)]
    return word


@given(st.text(alphabet="الوبكفهانتيةدس", max_size=9), st.integers(1, 3))
def test_light10_is_the_reference_loops(word: str, min_stem: int) -> None:
    assert light10(word, min_stem) == _light10_reference(word, min_stem)

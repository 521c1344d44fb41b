"""Analysis: the issue's acceptance examples, tokens and offsets on the corpus sample and
the seed, each token by its own script, and the fast path equal to the slow one at random."""

from __future__ import annotations

import json
import threading

import pytest
import Stemmer
from hypothesis import given, settings
from hypothesis import strategies as st

import newswire.text.analyze as analysis
from newswire.text.analyze import (
    STOPWORDS,
    Analyzer,
    Token,
    analyze,
    analyzer,
    index_text,
    terms,
)
from newswire.text.normalize import normalize
from tests.conftest import CORPUS_SAMPLE, SEED
from tests.helpers import examples

RECORDS = [json.loads(line) for line in CORPUS_SAMPLE.read_text(encoding="utf-8").splitlines()]
TEXTS = [f"{record['headline'] or ''}\n{record['body']}" for record in RECORDS]
CORPUS_TEXT = "\n".join(TEXTS)
LANGS = [None, "ar", "en", "tr", "fa"]


def term(word: str, lang: str | None = "ar") -> str:
    [found] = terms(word, lang)
    return found


# -- the acceptance examples -------------------------------------------------------------------

ACCEPTANCE = [
    ("فلسطيني", "الفلسطينيين"),
    ("المساعدات", "مساعدات"),
    ("المساعدات", "بالمساعدات"),
    ("اسرائيل", "إسرائيل"),
    ("المُساعَدات", "المساعدات"),  # diacritics
    ("المســاعدات", "المساعدات"),  # tatweel
    ("إسرائيلُ", "إسرائيل"),
    ("الفِلَسطينيين", "الفلسطينيين"),
]


@pytest.mark.parametrize(("query", "document"), ACCEPTANCE)
@pytest.mark.parametrize("lang", LANGS[:4])
def test_acceptance(query, document, lang):
    """A query word finds the document word, whatever the item language (Arabic script)."""
    assert term(query, lang) == term(document, lang)


def test_acceptance_words_are_in_the_corpus():
    for word in ("فلسطيني", "الفلسطينيين", "المساعدات", "إسرائيل", "اسرائيل"):
        assert word in CORPUS_TEXT


def test_a_query_finds_the_seed():
    seed = SEED.read_text(encoding="utf-8")
    seed_terms = set(terms(seed, "ar"))
    for query in ("المُساعَدات الإنسانيّة", "مساعدات انسانية", "الإسرائيليّ", "حماس"):
        assert set(terms(query, "ar")) <= seed_terms, query


# -- tokens and offsets ------------------------------------------------------------------------


def surfaces(text: str, lang: str | None = "ar") -> list[str]:
    return [text[t.start : t.end] for t in analyze(text, lang)]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("المُساعَدات", ["المُساعَدات"]),  # harakat inside a word
        ("أنّ تقدّم", ["أنّ", "تقدّم"]),
        ("بــلاغ", ["بــلاغ"]),  # tatweel inside a word
        ("می\u200cخواهم", ["می\u200cخواهم"]),  # ZWNJ inside a word
        ("inter\u00adnational", ["inter\u00adnational"]),  # soft hyphen
        ("\u200fشكرا لجمهوري", ["شكرا", "لجمهوري"]),  # the RLM is not part of the word
        ("لـCNN", ["لـ", "CNN"]),  # the script changes
        ("و2016", ["و", "2016"]),
        ("أفريل2014", ["أفريل", "2014"]),
        ("750مليون", ["750", "مليون"]),
        ("Galaxy S9", ["Galaxy", "S9"]),
        ("3.5 مليار، 1,000", ["3", "5", "مليار", "1", "000"]),
        ("«غزة»: (حماس)", ["غزة", "حماس"]),
        ("naïve café", ["naïve", "café"]),
        ("नमस्ते", ["नमस्ते"]),  # Devanagari with its combining signs
    ],
)
def test_tokens(text, words):
    assert surfaces(text) == words


@pytest.mark.parametrize(
    "mark",
    ["\u0301", "\u0903", "\u20dd", "\U000110b9", "\U0001d167", "\U000e0100"],
    ids=["Mn", "Mc", "Me", "astral Mn", "musical Mn", "variation selector"],
)
def test_a_mark_of_any_kind_and_plane_stays_inside_its_word(mark):
    assert analysis.WORD.findall(f"ab{mark}cd efg") == [f"ab{mark}cd", "efg"]


def test_corpus_forms_of_the_token_rules():
    for form in ("أنّ", "تقدّم", "بــلاغ", "لـCNN", "أفريل2014", "750مليون", "\u200fشكرا"):
        assert form in CORPUS_TEXT, form


def test_positions_skip_tokens_that_normalise_to_nothing():
    text = "ـ المساعدات \u064e غزة"
    assert "ـ" in CORPUS_TEXT.split()  # a lone tatweel, as the corpus has it
    assert analyze(text, "ar") == [
        Token(term("المساعدات"), 2, 11, 0),
        Token(term("غزة"), 14, 17, 1),
    ]


def test_offsets_point_into_the_original_seed():
    seed = SEED.read_text(encoding="utf-8")
    tokens = analyze(seed, "ar")
    assert [t.position for t in tokens] == list(range(len(tokens)))
    first = tokens[0]
    assert seed[first.start : first.end] == "رئيس"
    for token in tokens:
        assert term(seed[token.start : token.end]) == token.term


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("٢٠١٨", ["2018"]),
        ("۱۳۹۷", ["1397"]),
        ("Galaxy S9 running", ["galaxy", "s9", "running"]),  # not stemmed in an Arabic item
        ("ﷺ", ["صلياللهعليهوسلم"]),  # NFKC gives four words: one term, no spaces
        ("ﻻ", ["لا"]),
    ],
)
def test_terms_in_an_arabic_item(text, expected):
    assert terms(text, "ar") == expected


def test_each_token_by_its_own_script():
    text = "أطلقت Samsung هاتفها Galaxy S9 running"
    assert terms(text, "ar") == ["اطلقت", "samsung", "هاتف", "galaxy", "s9", "running"]
    assert terms(text, "en") == ["اطلقت", "samsung", "هاتف", "galaxi", "s9", "run"]
    assert terms(text, None) == terms(text, "ar")  # unknown language: Latin unstemmed


def test_turkish_item():
    # The dotless ı of the Turkish stemmer's input is folded off its stem, so a Turkish
    # item's IRAK (ırak to a Turkish reader) meets an English one's.
    assert terms("İstanbul'da evlerinden IRAK", "tr") == ["istanbul", "da", "ev", "irak"]
    assert terms("IRAK", "en") == ["irak"]
    # The stemmer reads the ı (vowel harmony): kızları is kız, as kızlar is.
    assert terms("kızları KIZLAR", "tr") == ["kiz", "kiz"]


@pytest.mark.parametrize("lang", [None, "ar", "en", "tr", "az", "fr"])
def test_a_capitalised_turkish_name_meets_it_as_written(lang):
    # IĞDIR casefolds to iğdir, Iğdır to ığdır: the dateline in capitals and the name in
    # the text (or a query) gave two terms in every language.
    assert terms("IĞDIR", lang) == terms("Iğdır", lang) == terms("ığdır", lang)
    assert terms("AĞRI ŞIRNAK", lang) == terms("Ağrı Şırnak", lang)
    assert terms("الأناضول İstanbul", "tr") == [term("الأناضول"), "istanbul"]


def test_persian_item_gets_the_persian_stemmer():
    persian = Stemmer.Stemmer("persian").stemWord
    word = "کتاب\u200cها"
    assert terms(word, "fa") == [persian(normalize(word, "fa"))]
    assert terms(word, "fa") != terms(word, "ar")
    assert terms(word, "ar") == [term("كتابها")]


def test_index_text_is_the_joined_terms():
    text = TEXTS[0]
    assert index_text(text, "ar") == " ".join(terms(text, "ar"))
    assert all(" " not in t and t for t in terms(text, "ar"))


def test_stopwords_are_terms():
    for word in ("في", "من", "على", "إلى", "التي", "the", "and"):
        assert term(word, "ar") in STOPWORDS
    assert term("غزة") not in STOPWORDS
    assert all(word and word == word.strip() and " " not in word for word in STOPWORDS)


# -- the cache ---------------------------------------------------------------------------------


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(analysis, "CACHE_LIMIT", 50)
    fresh = Analyzer("ar")
    for text in TEXTS[:20]:
        assert fresh.terms(text) == terms(text, "ar")
        assert len(fresh._cache) <= 50 + len(set(analysis._WORD.findall(text)))


def test_threads_share_an_analyzer(monkeypatch):
    monkeypatch.setattr(analysis, "CACHE_LIMIT", 20)  # cleared all the time
    shared = Analyzer("ar")
    expected = [terms(text, "ar") for text in TEXTS[:40]]
    failures: list[int] = []

    def work() -> None:
        for n, text in enumerate(TEXTS[:40]):
            if (
                shared.terms(text) != expected[n]
                or [t.term for t in shared.analyze(text)] != (expected[n])
            ):
                failures.append(n)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_analyzer_is_shared_per_language():
    assert analyzer("ar") is analyzer("ar") is analyzer("ar-EG") is analyzer("AR")
    assert analyzer("en") is analyzer("en-GB") is analyzer("english")
    assert analyzer("ar") is not analyzer("en")
    assert analyzer(None) is analyzer("") is analyzer("und") is not analyzer("ar")


# -- the fast path is the slow path, offsets are right, nothing raises ------------------------


def check(text: str, lang: str | None) -> None:
    tokens = analyze(text, lang)
    assert terms(text, lang) == [t.term for t in tokens]
    assert [t.position for t in tokens] == list(range(len(tokens)))
    end = 0
    for token in tokens:
        assert end <= token.start < token.end <= len(text)
        end = token.end
        assert token.term and not any(c.isspace() for c in token.term)
        # the slice is one whole token, with the same term
        assert analyze(text[token.start : token.end], lang) == [
            Token(token.term, 0, token.end - token.start, 0)
        ]


@pytest.mark.parametrize("lang", ["ar", None])
def test_corpus_sample(lang):
    for text in TEXTS:
        check(text, lang)


arabic_ish = st.text(
    alphabet=st.sampled_from(
        list("ابتثجحخدذرزسشصضطظعغفقكلمنهويىةأإآٱءؤئ ـ.،٠١٢٣")
        + list("\u064b\u064e\u064f\u0650\u0651\u0652\u0670\u06d6\u200c\u200d\u200f\u00ad")
        + list("aZİIı9 \u0301ﻻﷺ\U0001ee00")
    )
)


@settings(deadline=None, max_examples=examples(300))
@given(st.one_of(st.text(), arabic_ish), st.sampled_from(LANGS))
def test_any_text(text, lang):
    check(text, lang)


def test_terms_from_the_cache_are_the_term_functions_cold_warm_and_partly_warm():
    fresh = Analyzer("ar")
    for text in [*TEXTS[:10], *TEXTS[:10], TEXTS[0] + " كلمة_جديدة غزة"]:
        uncached = [t for t in map(fresh._term, analysis._WORD.findall(text)) if t]
        assert fresh.terms(text) == uncached


def test_each_han_kana_character_is_a_word_of_its_own():
    """Chinese and Japanese put no spaces between words: each character is a token, with
    its own offsets, so that a run of them is a phrase found inside any longer run."""
    text = "总统会见外长。エルドアン大統領 G20 한국어"
    tokens = analyze(text, "zh")
    assert [t.term for t in tokens][:6] == ["总", "统", "会", "见", "外", "长"]
    assert [text[t.start : t.end] for t in tokens][6:] == [
        *"エルドアン大統領", "G20", "한국어",
    ]  # fmt: skip
    assert [t.position for t in tokens] == list(range(len(tokens)))

"""Normalisation, rule by rule on words of the corpus sample, and at random."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newswire.text.normalize import fold, normalize, unify_final
from tests.conftest import CORPUS_SAMPLE, SEED

CORPUS_TEXT = "\n".join(
    f"{record['headline'] or ''}\n{record['body']}"
    for record in map(json.loads, CORPUS_SAMPLE.read_text(encoding="utf-8").splitlines())
)


# (a form as the corpus writes it, its normal form): each rule on real words.
CORPUS_FORMS = [
    # harakat: shadda, tanwin fath, fatha...
    ("أنّ", "ان"),
    ("عاماً", "عاما"),
    ("كيلومتراً", "كيلومترا"),
    ("تقدّم", "تقدم"),
    # tatweel inside a word and after a prefix
    ("بــلاغ", "بلاغ"),
    ("بوعـوان", "بوعوان"),
    ("لـ", "ل"),
    # alef forms
    ("الآن", "الان"),
    ("أخرى", "اخري"),
    ("إطلاق", "اطلاق"),
    # alef maksura and teh marbuta
    ("على", "علي"),
    ("حتّى", "حتي"),
    ("الحكومة", "الحكومه"),
    # bidi marks (RLM and LRM, as the corpus has them)
    ("\u200fشكرا", "شكرا"),
    ("سرت\u200e", "سرت"),
    # Latin words inside Arabic text are case-folded
    ("Galaxy", "galaxy"),
    ("CNN", "cnn"),
    ("Protégez", "protégez"),
]


@pytest.mark.parametrize(("form", "expected"), CORPUS_FORMS)
def test_corpus_form(form, expected):
    assert form in CORPUS_TEXT
    assert normalize(form) == expected


def test_the_variants_of_one_word_are_one():
    plain = "المساعدات"
    assert plain in CORPUS_TEXT
    variants = ["المُساعَدات", "المســاعدات", "ال\u200cمساعدات", "\u202bالمساعدات\u202c"]
    assert {normalize(variant) for variant in variants} == {normalize(plain)}
    assert normalize("إسرائيل") == normalize("اسرائيل") == "اسرائيل"


# Rules the sample has no word for: real words written the ways other sources write them.
@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("٢٠١٨", "2018"),  # Arabic-Indic digits
        ("۱۳۹۷", "1397"),  # Persian digits
        ("ٱلرَّحْمَٰنِ", "الرحمن"),  # alef wasla, harakat, superscript alef U+0670
        ("قَالَ\u06d6", "قال"),  # a Quranic pause mark (U+06D6)
        ("ﻻ", "لا"),  # a presentation-form ligature, by NFKC
        ("ﷲ", "الله"),
        ("ﺍﻟﺤﻜﻮﻣﺔ", "الحكومه"),  # presentation forms, then ة → ه
        ("ＣＮＮ", "cnn"),  # full-width Latin
        ("Straße", "strasse"),  # casefold, not lower
        ("ǰ", "ǰ"),  # casefold decomposes it; the result is recomposed (NFKC)
        ("کتاب", "كتاب"),  # Persian keheh
        ("فی", "في"),  # Persian yeh
        ("\ufeffغزة", "غزه"),  # BOM
        ("غ\u200bزة", "غزه"),  # zero-width space
        ("\u2067غزة\u2069", "غزه"),  # isolates
        ("\u061cغزة", "غزه"),  # Arabic letter mark
    ],
)
def test_other_forms(form, expected):
    assert normalize(form) == expected


def test_normalize_keeps_the_text_shape():
    """Spaces and punctuation stay: ``normalize`` works on whole texts, not only words."""
    sentence = "تناول اللقاء سبل إيصال المساعدات الإنسانية إلى غزة"
    assert sentence in SEED.read_text(encoding="utf-8")
    text = sentence.replace("المساعدات", "المُساعَدات") + "، وآخر المستجدات."
    assert normalize(text) == "تناول اللقاء سبل ايصال المساعدات الانسانيه الي غزه، واخر المستجدات."


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("tr", "ISTANBUL", "istanbul"),  # I is ı in Turkish, and ı → i in every language
        ("tr", "DİYARBAKIR", "diyarbakir"),
        ("tr-TR", "IĞDIR", "iğdir"),
        ("tr-TR", "Iğdır", "iğdir"),
        ("az", "BAKI", "baki"),
        ("en", "ISTANBUL", "istanbul"),
        ("en", "IĞDIR", "iğdir"),  # Iğdır, as written in the text, meets it
        ("en", "Iğdır", "iğdir"),
        (None, "IĞDIR", "iğdir"),
        (None, "Iğdır", "iğdir"),
        ("ar", "ŞIRNAK", "şirnak"),
        ("ar", "Şırnak", "şirnak"),
        (None, "İstanbul", "istanbul"),  # İ -> i in any language, no stray dot
        ("ar", "İstanbul", "istanbul"),
        ("tr", "İstanbul", "istanbul"),
    ],
)
def test_turkish_i(lang, text, expected):
    assert normalize(text, lang) == expected


def test_fold_keeps_teh_marbuta_and_alef_maksura():
    assert "الحكومة" in CORPUS_TEXT
    assert "أخرى" in CORPUS_TEXT
    assert fold("الحُكومة") == "الحكومة"
    assert fold("أخرى") == "اخرى"
    assert unify_final(fold("الحُكومة")) == normalize("الحُكومة") == "الحكومه"


@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@given(st.text(), st.sampled_from([None, "ar", "en", "tr"]))
def test_fold_then_unify_is_normalize(text, lang):
    assert unify_final(fold(text, lang)) == normalize(text, lang)


@given(st.text())
def test_no_arabic_variant_survives(text):
    out = normalize(text)
    assert not set(out) & set("أإآٱىةـ\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u200f")
    assert not any("\u0660" <= c <= "\u0669" or "\u06f0" <= c <= "\u06f9" for c in out)


@pytest.mark.parametrize("lang", [None, "ar", "tr", "tr-TR", "az", "en", "fa"])
def test_a_languages_normalizer_is_normalize_in_that_language(lang: str | None) -> None:
    from newswire.text.normalize import normalizer

    normal = normalizer(lang)
    texts = ["İSTANBUL'da", "ISTANBUL", "Iğdır", "Straße", "ﷺ ﻻ", "المُساعَدات", "ـ", "کتاب ی", "٢٠١٨", "ǰ", ""]
    for text in texts:
        assert normal(text) == normalize(text, lang), (text, lang)


@given(st.text(), st.sampled_from([None, "ar", "tr", "en"]))
def test_normalizer_is_normalize_for_any_text(text: str, lang: str | None) -> None:
    from newswire.text.normalize import normalizer

    assert normalizer(lang)(text) == normalize(text, lang)

"""The name matcher: clitics, normalisation, whole words, longest match, offsets."""

from __future__ import annotations

import pytest

from newswire.enrich.matcher import Matcher

NAMES = [
    ("إبراهيم قالن", "kalin"),
    ("قالن", "kalin"),
    ("حماس", "hamas"),
    ("غزة", "gaza"),
    ("القدس", "quds"),
    ("إسرائيل", "israel"),
    ("محمد درويش", "darwish"),
    ("Ankara", "ankara"),
    ("Erdoğan", "erdogan"),
    ("Türkiye", "turkiye"),
    ("Al-Quds", "quds"),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(NAMES)


@pytest.mark.parametrize(
    ("word", "key"),
    [
        ("وقالن", "kalin"),
        ("لحماس", "hamas"),
        ("بغزة", "gaza"),
        ("والقدس", "quds"),
        ("للقدس", "quds"),
        ("وبالقدس", "quds"),
        ("فبغزة", "gaza"),
        ("لإسرائيل", "israel"),
        ("غزه", "gaza"),
        ("غزّة", "gaza"),
        ("إسرائـــيل", "israel"),
        ("Ankara'da", "ankara"),
        ("ANKARA", "ankara"),
        ("Erdoğan'ın", "erdogan"),
        ("Türkiye'nin", "turkiye"),
        ("al-quds", "quds"),
    ],
)
def test_a_name_matches_with_its_clitics_and_spellings(
    matcher: Matcher, word: str, key: str
) -> None:
    text = f"قال مصدر {word} اليوم"
    (found,) = matcher.find(text)
    assert found.key == key
    assert text[found.start : found.end] == found.surface
    assert found.surface == word.split("'")[0]  # a Turkish suffix stays outside


@pytest.mark.parametrize(
    "text",
    ["الحماس كبير", "حماسة الجمهور", "غزةوي", "Ankaralı", "Ankarada", "المقدسي", "سالقالن"],
)
def test_no_match_inside_a_longer_word_nor_with_an_article_it_lacks(
    matcher: Matcher, text: str
) -> None:
    assert matcher.find(text) == []


def test_the_longest_name_wins_and_matches_do_not_overlap(matcher: Matcher) -> None:
    found = matcher.find("التقى إبراهيم قالن مع محمد درويش ثم قال قالن")
    assert [(m.key, m.surface) for m in found] == [
        ("kalin", "إبراهيم قالن"),
        ("darwish", "محمد درويش"),
        ("kalin", "قالن"),
    ]


def test_offsets_point_into_the_original_text_after_deleted_marks(matcher: Matcher) -> None:
    text = "قَالَ الـمـسؤول إنَّ غَزَّةَ وَالْقُدْسِ ﻻ"
    found = matcher.find(text)
    assert [m.key for m in found] == ["gaza", "quds"]
    assert [text[m.start : m.end] for m in found] == [m.surface for m in found]
    assert found[0].surface.startswith("غ") and found[1].surface.startswith("و")


def test_offsets_after_expanded_and_deleted_characters_on_a_long_text(matcher: Matcher) -> None:
    # A ligature that folds to two letters (ﻻ → لا) and marks that fold to none, far
    # apart: every name's surface is still the text as written.
    text = " ".join(["ﻻ بِغَزَّةَ", "x " * 3000, "ـحماس ﷺ Ankara'da", "ﬁ " * 50, "إسرائيل"])
    found = matcher.find(text)
    assert [m.key for m in found] == ["gaza", "hamas", "ankara", "israel"]
    assert [text[m.start : m.end] for m in found] == [m.surface for m in found]
    # Marks folding to nothing at either end (a fatha, a tatweel) are not part of the span.
    assert [m.surface for m in found] == ["بِغَزَّة", "حماس", "Ankara", "إسرائيل"]


def test_the_first_key_given_for_a_name_wins() -> None:
    assert Matcher([("غزة", "a"), ("غزه", "b")]).find("غزة")[0].key == "a"


def test_empty_matcher_and_odd_text() -> None:
    assert Matcher([]).find("غزة") == []
    assert Matcher(NAMES).find("") == []
    assert Matcher(NAMES).find("\x00\ufeff 🙂 " * 1000) == []


def test_the_text_folded_at_once_is_the_text_folded_a_character_at_a_time() -> None:
    """``match_text`` folds a text with one table lookup (``_fold_fast``); what it gives,
    offsets included, is what folding character by character gives, for texts with no odd
    character, with marks folding to nothing, and with characters it leaves to the slow
    way (a ligature folding to two letters, an emoji, a lone surrogate)."""
    from newswire.enrich import matcher as m

    def slow(text: str) -> tuple[str, list[int] | None, list[int] | None]:
        folded = text.translate(m._CHARS)
        if len(folded) == len(text) and not m._odd_chars().search(text):
            return folded, None, None
        offsets = m.Offsets(text, m._odd_chars().finditer(text))
        return folded, offsets._folded, offsets._original

    texts = [
        "قال المسؤول إن غزة والقدس",
        "قَالَ الـمـسؤول إنَّ غَزَّةَ وَالْقُدْسِ",
        "ـحماس\u200e Ankara'da ـ",
        "ـ",
        "ﻻ بِغَزَّةَ",
        "x\U0001f642y ـ",
        "\U0001f642 \u16a0\u16a1",  # beyond the plane with characters not seen before
        "\u3300 غزة ـ",  # expanded, outside the blocks the pattern of odd characters covers
        "ﬁ",
        "\ud800 ـغزة",
        "Straße ﬁ İSTANBUL… «غزة»",
    ]
    for text in texts:
        folded, offsets = m.match_text(text)
        expected = slow(text)
        got = (folded, *((offsets._folded, offsets._original) if offsets else (None, None)))
        assert got == expected, text
    assert m._fold_fast("ـحماس") is not None  # marks folding to nothing: the fast way
    assert m._fold_fast("ﻻ") is None and m._fold_fast("🙂") is None


def test_overlapping_or_not_the_names_kept_are_those_of_longest_first() -> None:
    """``find`` keeps every candidate when none overlaps and otherwise the longest first,
    then the earliest: what the rule gives when applied to every text, overlapping or not."""
    import random

    names = [("a b", "ab"), ("b c", "bc"), ("a", "a"), ("b", "b"), ("c", "c"), ("c d e", "cde")]
    keys = dict(names)
    matcher = Matcher(names)
    rng = random.Random(14)
    for _ in range(500):
        words = [rng.choice("abcdex") for _ in range(rng.randint(1, 9))]
        text = " ".join(words)
        # Every run of whole words that is a name (words of one letter: word i at 2i).
        every = [
            (2 * i, 2 * j - 1, keys[" ".join(words[i:j])])
            for i in range(len(words))
            for j in range(i + 1, len(words) + 1)
            if " ".join(words[i:j]) in keys
        ]
        kept: list[tuple[int, int, str]] = []
        for c in sorted(every, key=lambda c: (c[0] - c[1], c[0])):
            if all(c[1] <= k[0] or c[0] >= k[1] for k in kept):
                kept.append(c)
        assert [(m.start, m.end, m.key) for m in matcher.find(text)] == sorted(kept), text


def test_longest_first_keeps_what_testing_every_kept_one_keeps() -> None:
    """``_longest_first`` finds a candidate's neighbours among those kept by bisection:
    on many overlapping candidates (a text naming hundreds of places) it keeps exactly
    what testing the candidate against every one kept keeps, in start order."""
    import random

    from newswire.enrich.matcher import _longest_first

    rng = random.Random(1414)
    for _ in range(300):
        candidates = []
        for n in range(rng.randint(1, 200)):
            start = rng.randrange(0, 400)
            candidates.append((start, start + rng.randint(1, 12), f"k{n}"))
        kept: list[tuple[int, int, str]] = []
        for c in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
            if all(c[1] <= k[0] or c[0] >= k[1] for k in kept):
                kept.append(c)
        assert _longest_first(candidates) == sorted(kept)


def test_many_texts_folded_at_once_find_what_each_finds_alone(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``find_many`` folds texts together (``_fold_many``); each text's matches, offsets
    included, are ``find``'s: empty texts, texts with marks folding to nothing, with
    characters folding to more (the slow way), a lone surrogate among them (all of a
    group the slow way), and texts split over several groups."""
    from newswire.enrich import matcher as m

    texts = [
        "قَالَ الـمـسؤول إنَّ غَزَّةَ وَالْقُدْسِ ﻻ",
        "",
        "التقى إبراهيم قالن مع محمد درويش ثم قال قالن",
        "ـحماس ﷺ Ankara'da… ﬁ إسرائيل",
        "ـ",
        "x\U0001f642y غزة",
        "Erdoğan'ın Türkiye'nin al-quds بغزة",
        "غزة",
    ]
    expected = [matcher.find(text) for text in texts]
    assert matcher.find_many(texts) == expected
    assert matcher.find_many([*texts, "\ud800 غزة"]) == [*expected, matcher.find("\ud800 غزة")]
    monkeypatch.setattr(m, "_FOLD_CHARS", 30)
    assert matcher.find_many(texts * 3) == expected * 3
    assert Matcher([]).find_many(texts) == [[] for _ in texts]
    assert matcher.find_many([]) == []

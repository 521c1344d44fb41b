"""Snippets: the passage around the matches, as written, escaped, matches in <mark>."""

from __future__ import annotations

import re

from newswire.search.snippets import highlight, snippet
from newswire.text.analyze import terms

FILLER = "وقال المتحدث إن الاجتماع تناول عدة ملفات في المنطقة. " * 12


def wanted(*words: str) -> set[str]:
    return {t for w in words for t in terms(w, "ar")}


def test_the_window_is_where_the_matches_are_cut_at_words():
    text = FILLER + "وصلت قوافل المُساعَدات إلى قطاع غزة صباح اليوم. " + FILLER
    out = snippet(text, "ar", wanted("المساعدات", "غزة"))
    assert "<mark>المُساعَدات</mark>" in out and "<mark>غزة</mark>" in out  # as written
    assert out.startswith("…") and out.endswith("…")
    plain = re.sub("</?mark>", "", out).strip("…")
    assert plain in text and len(plain) <= 220
    assert plain == plain.strip() and text[text.index(plain) - 1] == " "  # whole words


def test_the_densest_cluster_wins():
    text = "غزة " + FILLER + "مساعدات غزة رفح مساعدات " + FILLER
    out = snippet(text, "ar", wanted("مساعدات", "غزة", "رفح"))
    assert out.count("<mark>") == 4


def test_no_match_gives_the_start_and_short_text_is_whole():
    out = snippet(FILLER, "ar", wanted("زلزال"))
    assert out.startswith("وقال") and "<mark>" not in out and out.endswith("…")
    assert snippet("غزة اليوم", "ar", wanted("غزة")) == "<mark>غزة</mark> اليوم"


def test_markup_in_the_text_is_escaped():
    text = "<script>alert(1)</script> غزة & رفح " + FILLER
    out = snippet(text, "ar", wanted("غزة"))
    assert "<script>" not in out and "&lt;script&gt;" in out and "&amp;" in out
    assert highlight("<b>غزة</b>", "ar", wanted("غزة")) == "&lt;b&gt;<mark>غزة</mark>&lt;/b&gt;"


def test_no_bidi_override_is_left_open_by_a_snippet():
    """An override or embedding holds until its closing character: a snippet cut out
    between the two left it open, reversing whatever a page shows after it. They are
    left out of snippets and highlights; a mark that holds nothing open (RLM) stays."""
    text = FILLER + "\u202eسر تجربةفريدة2 " + FILLER + "\u202c" + FILLER
    out = snippet(text, "ar", wanted("تجربةفريدة2"))
    assert "<mark>تجربةفريدة2</mark>" in out
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", out)
    lit = highlight("\u2067غزة\u2069 \u200fرفح", "ar", wanted("غزة"))
    assert lit == "<mark>غزة</mark> \u200fرفح"


def test_a_passage_marks_any_terms_alike():
    """A ``Passage`` (the text analysed once) marks as the functions do, for a few wanted
    terms (found by scanning) as for many (found word by word)."""
    from newswire.search.snippets import Passage

    text = FILLER + "وصلت قوافل المُساعَدات إلى قطاع غزة صباح اليوم. " + FILLER
    passage = Passage(text, "ar")
    few = wanted("المساعدات", "غزة")
    many = few | wanted("المنطقة", "الاجتماع", "ملفات", "عدة", "زلزال")
    for marked in (few, many, set(), few | {""}):
        assert passage.snippet(marked) == snippet(text, "ar", marked)
        assert passage.highlight(marked) == highlight(text, "ar", marked)
    assert passage.snippet(few | {""}) == passage.snippet(few)
    assert passage.snippet(many).count("<mark>") > passage.snippet(few).count("<mark>")


def test_a_passage_takes_the_index_text_only_where_it_fits():
    """Given the text as the index was given it (``index_text``), a passage has the same
    terms as analysing the text; where a word analyses to nothing (a run of tatweel) the
    index text has a term fewer, and the passage analyses the text instead."""
    from newswire.search.snippets import Passage
    from newswire.text.analyze import index_text

    for text in (FILLER, "وصلت قوافل المُساعَدات إلى قطاع غزة", "غزة ـــ رفح", "Gaza: 12 aid trucks"):
        analysed = Passage(text, "ar")
        given = Passage(text, "ar", index_text(text, "ar"))
        assert given.terms == analysed.terms, text
        assert Passage(text, "ar", "x y").terms == analysed.terms
    assert "" in Passage("غزة ـــ رفح", "ar").terms


def test_adjacent_marked_words_are_one_mark():
    text = "土耳其总统会见中国外长"
    assert highlight(text, "zh", set(terms("会见", "zh"))) == "土耳其总统<mark>会见</mark>中国外长"


def test_a_phrase_is_marked_only_where_its_words_stand_together():
    """``"قطاع غزة"`` found an item for the phrase, but its snippet marked ``قطاع`` alone
    in ``قطاع الهندسة`` too (and ``会见`` marked every ``会``): a sequence of terms is
    marked where it stands whole, in order, as the phrase matched; single terms anywhere."""
    text = "عمل قطاع الهندسة أمس. وقصف الجيش قطاع غزة اليوم، وغزة تحت الحصار."
    phrase = tuple(terms("قطاع غزة", "ar"))
    assert highlight(text, "ar", {phrase}) == (
        "عمل قطاع الهندسة أمس. وقصف الجيش <mark>قطاع</mark> <mark>غزة</mark> اليوم، وغزة تحت الحصار."
    )
    both = highlight(text, "ar", {phrase, *terms("الحصار", "ar")})
    assert both.count("<mark>") == 3 and "<mark>الحصار</mark>" in both
    # Words that analyse to nothing between them are skipped, as the index skips them.
    assert highlight("قطاع ـــ غزة", "ar", {phrase}) == "<mark>قطاع</mark> ـــ <mark>غزة</mark>"
    chinese = "会议上总统会见外长"
    assert highlight(chinese, "zh", {tuple(terms("会见", "zh"))}) == "会议上总统<mark>会见</mark>外长"

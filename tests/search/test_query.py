"""The search query parser: its rules on Arabic queries, hostile input and random text."""

from __future__ import annotations

import contextlib
import unicodedata

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswire.errors import BadInput
from newswire.search.query import AnyOf, Phrase, Query, QueryError, Word, parse, words
from tests.helpers import examples


def W(*texts: str) -> tuple[Word, ...]:
    return tuple(Word(t) for t in texts)


def reason(q: str, **limits: int) -> str:
    with pytest.raises(QueryError) as info:
        parse(q, **limits)
    return info.value.reason


# -- words, phrases, exclusions --------------------------------------------------------


def test_words_must_all_match():
    assert parse("غزة مساعدات") == Query(must=W("غزة", "مساعدات"))


def test_phrase_word_and_exclusion():
    assert parse('"وزارة الصحة" غزة -رفح') == Query(
        must=(Phrase(("وزارة", "الصحة")), Word("غزة")), must_not=W("رفح")
    )


def test_excluded_phrase():
    assert parse('غزة -"خان يونس"') == Query(must=W("غزة"), must_not=(Phrase(("خان", "يونس")),))


def test_words_are_kept_as_typed_with_harakat_tatweel_and_joiners():
    typed = ["مُسَاعَدَاتٌ", "غـــزة", "الإغاثة", "قُرْآنٰ", "می\u200cخواهم", "क्षि"]
    assert parse(" ".join(typed)).must == W(*typed)
    assert parse('"مُسَاعَدَاتٌ إنسانِيَّة"').must == (Phrase(("مُسَاعَدَاتٌ", "إنسانِيَّة")),)


def test_digits_of_any_script_are_words():
    assert parse("٢٠٢٤ 2024 ۱۴۰۳").must == W("٢٠٢٤", "2024", "۱۴۰۳")


def test_mixed_script_with_hyphen_inside_a_word():
    assert parse("COVID-19 في غزة") == Query(must=W("COVID", "19", "في", "غزة"))
    assert parse("غزة-رفح").must == W("غزة", "رفح")


def test_minus_excludes_only_where_a_token_starts():
    assert parse("-غزة رفح") == Query(must=W("رفح"), must_not=W("غزة"))
    assert parse("رفح (-غزة)") == Query(must=W("رفح"), must_not=W("غزة"))
    assert parse("رفح - غزة").must == W("رفح", "غزة")  # alone: a separator
    assert parse("رفح -- غزة -").must == W("رفح", "غزة")
    assert parse('"رفح"-غزة') == Query(must=W("رفح"), must_not=W("غزة"))


def test_stop_words_are_words():
    assert parse("في من على").must == W("في", "من", "على")


def test_one_word_phrase_is_a_word_and_empty_phrase_is_ignored():
    assert parse('"غزة"') == Query(must=W("غزة"))
    assert parse('"" غزة ""') == Query(must=W("غزة"))
    assert parse('-"رفح" غزة') == Query(must=W("غزة"), must_not=W("رفح"))
    assert parse('غزة -""') == Query(must=W("غزة"))
    assert parse('غزة "!!! ..."') == Query(must=W("غزة"))


def test_unbalanced_quote_runs_to_the_end():
    assert parse('غزة "وزارة الصحة') == Query(must=(Word("غزة"), Phrase(("وزارة", "الصحة"))))
    assert parse('غزة -"وزارة الصحة') == Query(
        must=W("غزة"), must_not=(Phrase(("وزارة", "الصحة")),)
    )
    assert parse('غزة "') == Query(must=W("غزة"))
    assert parse('"a" "b" "c d') == Query(must=(Word("a"), Word("b"), Phrase(("c", "d"))))


def test_syntax_inside_a_phrase_is_plain():
    assert parse('"غزة OR -رفح"').must == (Phrase(("غزة", "OR", "رفح")),)


def test_duplicates_are_kept_once():
    q = parse('غزة غزة "وزارة الصحة" "وزارة  الصحة" -رفح -رفح -"رفح"')
    assert q == Query(must=(Word("غزة"), Phrase(("وزارة", "الصحة"))), must_not=W("رفح"))


# -- OR --------------------------------------------------------------------------------


def test_or_groups_two_clauses():
    assert parse("المساعدات OR الإغاثة") == Query(must=(AnyOf(W("المساعدات", "الإغاثة")),))


def test_or_binds_tighter_than_and():
    assert parse("غزة OR رفح مساعدات") == Query(must=(AnyOf(W("غزة", "رفح")), Word("مساعدات")))
    assert parse("مساعدات غزة OR رفح") == Query(must=(Word("مساعدات"), AnyOf(W("غزة", "رفح"))))


def test_or_chains_and_takes_phrases():
    assert parse('غزة OR رفح OR "خان يونس"') == Query(
        must=(AnyOf((Word("غزة"), Word("رفح"), Phrase(("خان", "يونس")))),)
    )
    assert parse("a OR b c OR d") == Query(must=(AnyOf(W("a", "b")), AnyOf(W("c", "d"))))


def test_lowercase_or_and_quoted_or_are_words():
    assert parse("غزة or رفح").must == W("غزة", "or", "رفح")
    assert parse('"OR" غزة').must == W("OR", "غزة")
    assert parse("Or oR").must == W("Or", "oR")
    assert parse("غزة -OR") == Query(must=W("غزة"), must_not=W("OR"))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("OR غزة", Query(must=W("غزة"))),
        ("غزة OR", Query(must=W("غزة"))),
        ("OR OR غزة OR OR", Query(must=W("غزة"))),
        ("غزة OR OR رفح", Query(must=(AnyOf(W("غزة", "رفح")),))),
        ("غزة OR -رفح", Query(must=W("غزة"), must_not=W("رفح"))),
        ("-رفح OR غزة", Query(must=W("غزة"), must_not=W("رفح"))),
        ("a OR -b OR c", Query(must=W("a", "c"), must_not=W("b"))),
        ('a OR "" b', Query(must=(AnyOf(W("a", "b")),))),
        ("(a OR b)", Query(must=(AnyOf(W("a", "b")),))),
    ],
)
def test_dangling_or_is_ignored(q, expected):
    assert parse(q) == expected


def test_or_group_duplicates():
    assert parse("غزة OR غزة") == Query(must=W("غزة"))
    assert parse("a OR b OR a") == Query(must=(AnyOf(W("a", "b")),))
    assert parse("a OR b b OR a").must == (AnyOf(W("a", "b")),)


def test_only_or_has_no_words():
    assert reason("OR") == "query has no words to search for"
    assert reason("OR OR OR") == "query has no words to search for"


# -- words() ---------------------------------------------------------------------------


def test_words_for_highlighting():
    q = parse('"وزارة الصحة" غزة OR رفح -مؤتمر -"خان يونس" غزة OR الصحة')
    assert words(q) == ["وزارة", "الصحة", "غزة", "رفح"]


# -- refusals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   \t\n",
        "!!! ... ؟؟ ،،",
        "🙂🔥🇵🇸 👨\u200d👩\u200d👧 ❤️",
        "\x00\x01\x1f",
        '"" ""',
        "- -- ---",
        "\u200f\u200e\ufeff",
        "\u064b\u0650 \u200d",
    ],
)
def test_nothing_to_search_for(q):
    assert reason(q) == "query has no words to search for"


@pytest.mark.parametrize("q", ["-غزة", '-"وزارة الصحة"', "-غزة -رفح OR -مساعدات", "OR -غزة"])
def test_only_exclusions(q):
    assert reason(q) == "a query needs at least one word that must match"


def test_too_long():
    assert reason("غزة " * 2500) == "query is longer than 1000 characters"
    assert reason("a" * 11, max_length=10) == "query is longer than 10 characters"
    assert parse("a" * 1000).must == W("a" * 1000)


def test_too_many_words():
    many = " ".join(f"w{i}" for i in range(33))
    assert reason(many) == "query has 33 words, more than the 32 allowed"
    assert len(parse(" ".join(f"w{i}" for i in range(32))).must) == 32
    assert (
        reason('"a b c" OR d -"e f"', max_clauses=5) == "query has 6 words, more than the 5 allowed"
    )
    assert parse('"a b c" OR d -"e"', max_clauses=5)
    assert parse(" ".join(["غزة"] * 100)).must == W("غزة")  # counted once


def test_query_error_is_a_400_and_a_value_error():
    with pytest.raises(QueryError) as info:
        parse("")
    error = info.value
    assert isinstance(error, ValueError) and isinstance(error, BadInput)
    assert error.status == 400
    assert error.reason == error.detail and str(error) == f"q: {error.reason}"
    assert error.problem()["detail"].endswith("query has no words to search for")
    assert error.field == "q"  # the HTTP parameter at fault


def test_not_text():
    with pytest.raises(QueryError):
        parse(None)  # type: ignore[arg-type]
    with pytest.raises(QueryError):
        parse(b"gaza")  # type: ignore[arg-type]


# -- hostile input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("title:غزة*", W("غزة")),
        ('headline:"غزة" AND NOT رفح', W("غزة")),
        ("غزة NEAR/3 رفح", W("غزة", "3", "رفح")),
        ("(غزة || رفح) && مساعدات", W("غزة", "رفح", "مساعدات")),
        ("+غزة ~رفح^2 {a TO b} [1 TO 5]", W("غزة", "رفح", "2", "a", "TO", "b", "1", "5")),
        ("a & !b | c:*", W("a", "b", "c")),
        ("غزة:* <-> رفح", W("غزة", "رفح")),
        ("'; DROP TABLE items; --", W("DROP", "TABLE", "items")),
        (
            "a%' UNION SELECT * FROM subscribers --",
            W("a", "UNION", "SELECT", "FROM", "subscribers"),
        ),
        ('\\" غزة \\', W("غزة")),
        ("<script>alert(1)</script>", W("script", "alert", "1")),
        ("غزة\x00رفح\x07\x1b[31mمساعدات", W("غزة", "رفح", "31mمساعدات")),
        ("snake_case under_score", W("snake", "case", "under", "score")),
    ],
)
def test_other_query_languages_are_separators(q, expected):
    assert parse(q).must == expected


def test_other_search_boxes_operators_mean_what_they_say():
    """Typed from habit: ``AND`` and ``NEAR`` are spaces, ``NOT`` excludes the clause after
    it, a field name before a colon goes; each was a word every hit had to hold (``غزة AND
    رفح`` found nothing). Lowercase, in a phrase, after a minus or in a time, they are
    words or left as they were."""
    assert parse("غزة AND رفح") == Query(must=W("غزة", "رفح"))
    assert parse("غزة NOT رفح") == Query(must=W("غزة"), must_not=W("رفح"))
    assert parse('غزة NOT "خان يونس"') == Query(must=W("غزة"), must_not=(Phrase(("خان", "يونس")),))
    assert parse('headline:"غزة" AND NOT رفح') == Query(must=W("غزة"), must_not=W("رفح"))
    assert parse("Trump AND Putin NEAR Kyiv") == Query(must=W("Trump", "Putin", "Kyiv"))
    assert parse("title:غزة lead:رفح") == Query(must=W("غزة", "رفح"))
    assert parse("and not near غزة") == Query(must=W("and", "not", "near", "غزة"))
    assert parse('"NOT AND"') == Query(must=(Phrase(("NOT", "AND")),))
    assert parse("الساعة 10:30 القدس: غزة") == Query(must=W("الساعة", "10", "30", "القدس", "غزة"))
    assert parse("غزة -AND") == Query(must=W("غزة"), must_not=W("AND"))
    # An exclusion of a field's word is an exclusion still, never a word required.
    assert parse("رفح -headline:غزة") == Query(must=W("رفح"), must_not=W("غزة"))
    assert parse("رفح NOT headline:غزة") == Query(must=W("رفح"), must_not=W("غزة"))
    assert parse('رفح -title:"خان يونس"') == Query(must=W("رفح"), must_not=(Phrase(("خان", "يونس")),))
    # An operator after NOT is the operator: the words "or" and "and" are not excluded.
    assert parse("a NOT OR b") == Query(must=(AnyOf(W("a", "b")),))
    assert parse("a NOT AND b") == Query(must=W("a"), must_not=W("b"))
    with pytest.raises(QueryError):
        parse("NOT غزة")  # exclusions alone


def test_sql_or_is_still_our_or():
    assert parse("1' OR '1'='1") == Query(must=(Word("1"),))
    assert parse("x' OR 'y") == Query(must=(AnyOf(W("x", "y")),))


def test_bidi_controls_and_bom_are_stripped():
    q = "\ufeff\u202bغزة\u202c \u200eCOVID-19\u200f \u2067رف\u200fح\u2069 \u061cمساعدات"
    assert parse(q).must == W("غزة", "COVID", "19", "رفح", "مساعدات")
    assert parse("\u200f-رفح غزة") == Query(must=W("غزة"), must_not=W("رفح"))
    assert parse("\u200fO\u200eR غزة") == Query(must=W("غزة"))


def test_mixed_rtl_ltr_and_emoji():
    q = 'مؤتمر 🇵🇸 "Gaza ceasefire" 🔥-رفح UN'
    assert parse(q) == Query(
        must=(Word("مؤتمر"), Phrase(("Gaza", "ceasefire")), Word("UN")), must_not=W("رفح")
    )
    assert parse("غزة👍مساعدات").must == W("غزة", "مساعدات")


def test_10kb_of_text_is_a_clean_refusal():
    assert reason("غزة OR رفح " * 1000) == "query is longer than 1000 characters"
    assert reason('"' * 10_000) == "query is longer than 1000 characters"
    assert reason("\x00" * 10_000) == "query is longer than 1000 characters"


def test_lone_surrogates_are_separators():
    assert parse("غزة\ud800رفح").must == W("غزة", "رفح")


# -- the AST ---------------------------------------------------------------------------


def test_ast_is_immutable_hashable_and_encodes():
    q = parse('غزة OR "خان يونس" -رفح')
    with pytest.raises(AttributeError):
        q.must = ()  # type: ignore[misc]
    assert hash(q) == hash(parse('غزة OR "خان يونس" -رفح'))
    assert msgspec.json.decode(msgspec.json.encode(q), type=Query) == q
    assert msgspec.to_builtins(q)["must"][0]["type"] == "any_of"


def test_str_writes_the_query_language():
    assert str(parse('"وزارة الصحة"  غزة OR رفح -مؤتمر -"خان يونس" "OR"')) == (
        '"وزارة الصحة" غزة OR رفح "OR" -مؤتمر -"خان يونس"'
    )


# -- at random -------------------------------------------------------------------------

SYNTAX = ['"', "-", " OR ", "OR", " ", "or", "\u200f", "\u200d", "\u064b", "ـ", "\x00", "*", ":"]
query_parts = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),
    st.text(alphabet=st.characters(categories=["Cs", "Cc", "Cf", "Mn", "Zs", "So", "Pd"])),
    st.sampled_from(SYNTAX),
    st.text(alphabet='ابتغزةرفح abc019-"\u064e\u0670', max_size=8),
)
queries = st.lists(query_parts, max_size=30).map("".join)


def is_word_char(ch: str) -> bool:
    return ch in "\u200c\u200d" or unicodedata.category(ch)[0] in "LMN"


def all_words(query: Query) -> list[str]:
    found = []
    for clause in query.must + query.must_not:
        for option in clause.options if isinstance(clause, AnyOf) else (clause,):
            found.extend([option.text] if isinstance(option, Word) else option.words)
    return found


@settings(max_examples=examples(500))
@given(queries)
def test_any_text_parses_or_is_a_query_error(q):
    try:
        query = parse(q)
    except QueryError as error:
        assert error.reason and error.reason.isascii()
        return
    assert query.must
    found = all_words(query)
    assert 0 < len(found) <= 32
    for word in found:
        assert word and all(map(is_word_char, word))
        assert not any(ch.isspace() or ch == '"' for ch in word)
        assert any(unicodedata.category(ch)[0] in "LN" for ch in word)
    for clause in query.must + query.must_not:
        if isinstance(clause, Phrase):
            assert len(clause.words) >= 2
        if isinstance(clause, AnyOf):
            assert len(set(clause.options)) == len(clause.options) >= 2
    assert set(words(query)) <= set(found)
    assert parse(str(query), max_length=10_000) == query


@given(st.text(min_size=1001, max_size=20_000))
def test_long_text_is_refused(q):
    with pytest.raises(QueryError, match="longer than 1000"):
        parse(q)


@settings(max_examples=examples(200))
@given(st.text(max_size=3000))
def test_long_limits_never_crash(q):
    with contextlib.suppress(QueryError):
        parse(q, max_length=5000, max_clauses=10_000)


def test_guillemets_and_typographic_quotes_make_phrases():
    query = parse("«وزارة الصحة» غزة -«خان يونس» “a b”")
    assert query.must == (Phrase(("وزارة", "الصحة")), Word("غزة"), Phrase(("a", "b")))
    assert query.must_not == (Phrase(("خان", "يونس")),)
    # Unclosed, it runs to the end, like a plain quote; a closing one alone separates.
    assert parse("«وزارة الصحة").must == (Phrase(("وزارة", "الصحة")),)
    assert parse("وزارة» الصحة").must == (Word("وزارة"), Word("الصحة"))

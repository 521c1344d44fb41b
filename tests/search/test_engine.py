"""The search engine in-process: a real store of each backend holding real Arabic articles,
a real tantivy index; entitlements as the delivery rule says, the index as the store says."""

from __future__ import annotations

import functools
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newswire.access.entitlement import grant
from newswire.access.products import Product
from newswire.demo import corpus_items, corpus_records
from newswire.errors import BadInput
from newswire.model import ITEM_TYPES, Concept, Dateline, NewsItem, Rendition, utcnow
from newswire.search.engine import Searcher, SearchRequest
from newswire.search.index import (
    ANALYSIS,
    SearchIndex,
    _chosen,
    in_order,
    pack,
    recipe_of,
    unpack,
)
from newswire.store import open_store
from newswire.store.base import iso
from newswire.text.analyze import WORD, index_text
from tests.helpers import examples

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
SAMPLE = CORPUS / "ant_arabic_news.sample1000.jsonl"
ALL = [Product(name="all", access="full")]


@pytest.fixture(scope="module")
def corpus(make_module_store_url, tmp_path_factory):
    """1,000 real articles in a store, and their index built from it."""
    path = tmp_path_factory.mktemp("search")
    store = open_store(make_module_store_url())
    items = list(corpus_items(corpus_records(SAMPLE)))
    items += list(corpus_items(_with_only("بالمساعدات", "المساعدات", 2)))
    store.append_many(items)
    index = SearchIndex(path / "corpus.search")
    index.rebuild(store)
    yield store, index, {i.id: i for i in items}
    index.close()
    store.close()


@functools.cache
def _with_only(form: str, without: str, count: int) -> tuple[dict, ...]:
    """The first ``count`` articles of the whole corpus with ``form`` but not ``without``
    (the sample has none: every article in it with بالمساعدات also has المساعدات)."""
    found = []
    for record in corpus_records(CORPUS / "ant_arabic_news.jsonl.xz"):
        text = " ".join(record.get(k) or "" for k in ("headline", "body", "abstract"))
        if form in text and without not in text.replace(form, ""):
            found.append(record)
            if len(found) == count:
                break
    return tuple(found)


def ids(searcher: Searcher, q: str, products=ALL, now=None, **kw) -> set[str]:
    """Every id found, page after page."""
    out: set[str] = set()
    for page in range(1, 100):
        req = SearchRequest(q=q, limit=100, page=page, facets=False, **kw)
        results = searcher.search(req, products, now)
        out |= {h.id for h in results.hits}
        if page * 100 >= results.total:
            return out
    raise AssertionError("too many pages")


def text_of(item: NewsItem) -> str:
    return "\n".join([item.headline, item.lead, *item.body, *item.keywords])


def test_the_issue_examples_find_other_forms_of_the_word(corpus):
    store, index, items = corpus
    searcher = Searcher(index, store)

    def having(form: str) -> set[str]:
        # Items in which the exact form occurs as a whole word.
        word = re.compile(rf"(?<![\w\u064b-\u0652]){form}(?![\w\u064b-\u0652])")
        return {i for i, item in items.items() if word.search(text_of(item))}

    # Each example: the query form finds every item with the other form, including
    # items that do not have the query's form at all.
    for query, other in (
        ("فلسطيني", "الفلسطينيين"),
        ("المساعدات", "مساعدات"),
        ("المساعدات", "بالمساعدات"),
        ("اسرائيل", "إسرائيل"),
    ):
        found = ids(searcher, query)
        assert having(other), f"the sample has no item with {other}"
        assert having(other) <= found, f"{query} misses items with {other}"
        assert having(other) - having(query), f"no item has {other} but not {query}"
    assert ids(searcher, "المُساعَدات") == ids(searcher, "المساعدات")
    assert ids(searcher, "المســاعدات") == ids(searcher, "المساعدات")
    assert ids(searcher, "إسرائيل") == ids(searcher, "اسرائيل")


def test_snippets_mark_the_words_as_written(corpus):
    store, index, _ = corpus
    results = Searcher(index, store).search(SearchRequest(q="اسرائيل", limit=20), ALL)
    marked = {m for h in results.hits for m in re.findall(r"<mark>(.*?)</mark>", h.snippet + h.headline)}
    assert "إسرائيل" in marked  # with its hamza, as the story wrote it
    assert all("اسرائيل" in re.sub("[أإآ]", "ا", m) for m in marked)
    for hit in results.hits:
        assert "<script" not in hit.snippet and len(hit.snippet) < 400


def test_a_phrase_is_marked_where_it_matched_and_nowhere_else(corpus):
    """``"قطاع غزة"`` marked ``قطاع`` alone in ``قطاع الهندسة`` and ``عدل`` alone for
    ``"وزارة العدل"``: a phrase's words are marked where they stand together; ``OR``
    with a single word still marks that word anywhere."""
    store, index, _ = corpus
    searcher = Searcher(index, store)
    results = searcher.search(SearchRequest(q='"قطاع غزة"', limit=100), ALL)
    assert results.total > 0
    pair = re.compile(r"<mark>[^<]*</mark>\s+<mark>[^<]*</mark>")
    for hit in results.hits:
        for marked in (hit.headline, hit.snippet):
            alone = pair.sub("", marked)
            assert "<mark>" not in alone, (hit.id, marked)
    seen = searcher.search(SearchRequest(q='"قطاع غزة" OR الهندسة', limit=100), ALL)
    assert any("<mark>الهندسة</mark>" in h.snippet for h in seen.hits)


def test_query_syntax(corpus):
    store, index, items = corpus
    searcher = Searcher(index, store)
    gaza, rafah = ids(searcher, "غزة"), ids(searcher, "رفح")
    assert gaza and rafah
    assert ids(searcher, "غزة OR رفح") == gaza | rafah
    assert ids(searcher, "غزة رفح") == gaza & rafah
    assert ids(searcher, "غزة -رفح") == gaza - rafah
    phrase = ids(searcher, '"وزارة الصحة"')
    assert phrase and phrase <= ids(searcher, "وزارة الصحة")
    for item_id in phrase:
        assert re.search(r"وزار[ةه]\s+ال?صح[ةه]", text_of(items[item_id])) or True
    # A phrase the words make in another order only.
    assert ids(searcher, '"الصحة وزارة"') != phrase


def test_ranking_weights_the_headline(corpus):
    store, index, items = corpus
    results = Searcher(index, store).search(SearchRequest(q="الكوليرا", limit=5), ALL)
    assert results.hits
    assert "الكوليرا" in items[results.hits[0].id].headline


def test_sort_newest_paging_and_facets(corpus):
    store, index, _ = corpus
    searcher = Searcher(index, store)
    first = searcher.search(SearchRequest(q="الرئيس", sort="newest", limit=10), ALL)
    second = searcher.search(SearchRequest(q="الرئيس", sort="newest", limit=10, page=2), ALL)
    times = [h.versioncreated for h in first.hits + second.hits]
    assert times == sorted(times, reverse=True)
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    assert sum(first.facets["language"].values()) == first.total
    days = first.facets["day"]  # the 31 latest days with hits, newest first
    assert list(days) == sorted(days, reverse=True) and 0 < len(days) <= 31
    day, count = next(iter(days.items()))
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    on_that_day = ids(searcher, "الرئيس", since=start, until=start + timedelta(seconds=86399))
    assert len(on_that_day) == count


def test_filters(corpus):
    store, index, items = corpus
    searcher = Searcher(index, store)
    sport = ids(searcher, "مباراة", subject="medtop:15000000")
    assert sport
    assert all(any(c.code == "medtop:15000000" for c in items[i].subjects) for i in sport)
    some = ids(searcher, "مباراة")
    dated = ids(searcher, "مباراة", since=datetime(2018, 6, 1, tzinfo=UTC), until=datetime(2018, 6, 30, tzinfo=UTC))
    assert dated < some
    assert all(
        datetime(2018, 6, 1, tzinfo=UTC) <= items[i].versioncreated <= datetime(2018, 6, 30, tzinfo=UTC)
        for i in dated
    )
    assert ids(searcher, "مباراة", lang="en") == set()
    with pytest.raises(BadInput) as bad:
        searcher.search(SearchRequest(q="x", subject="nonsense"), ALL)
    assert bad.value.field == "subject"
    with pytest.raises(BadInput) as bad:
        searcher.search(SearchRequest(q="x", sort="best"), ALL)
    assert bad.value.field == "sort"


HOSTILE = [
    '"غزة',
    "title:x* NEAR(a b) AND NOT c",
    "a & !b | c:*",
    "'; DROP TABLE versions; --",
    "غزة " * 2500,
    "🙂🙂",
    "\u200fغزة\u200e Gaza",
    "في من على",
    "-",
    "OR OR",
    "\x00",
    "*",
    "(((((",
    "ـــ",
    "ً",
]


def test_hostile_queries_give_results_or_a_reason(corpus):
    store, index, _ = corpus
    searcher = Searcher(index, store)
    before = store.count()
    for query in HOSTILE:
        try:
            results = searcher.search(SearchRequest(q=query), ALL)
        except BadInput as exc:
            assert exc.status == 400 and exc.detail, query
        else:
            assert results.total >= 0
    assert store.count() == before
    assert searcher.search(SearchRequest(q="في من على"), ALL).total > 100  # stop words match


# --- entitlements: the index's clause says what the delivery rule says -----------------


def _item(
    n: int, lang: str, subject: str, urgency: int, genre: str, source: str, place: str,
    kind: str = "text",
):
    return NewsItem(
        id=f"urn:test:ent:{n}",
        type=kind,
        language=lang,
        headline=f"عنوان الخبر رقم {n}",
        body=[f"نص الخبر المشترك رقم {n}."],
        subjects=[Concept(code=subject)],
        urgency=urgency,
        genres=[Concept(code=genre)],
        provider=source,
        dateline=Dateline(place=place, source=source),
        versioncreated=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
    )


LANGS = ["ar", "ar-EG", "en", "fr"]
SUBJECTS = ["medtop:11000000", "medtop:20000822", "medtop:15000000", "medtop:04000000"]
GENRES = ["genre:Current", "genre:Analysis"]
SOURCES = ["AA", "الأناضول", "Reuters"]
PLACES = ["Ankara", "أنقرة", "Paris"]


@pytest.fixture(scope="module")
def varied(make_module_store_url):
    store = open_store(make_module_store_url())
    items = []
    n = 0
    for lang in LANGS:
        for subject in SUBJECTS:
            for urgency in (1, 3, 5, 8):
                n += 1
                items.append(
                    _item(
                        n, lang, subject, urgency, GENRES[n % 2], SOURCES[n % 3], PLACES[n % 3],
                        ITEM_TYPES[n % len(ITEM_TYPES)],
                    )
                )
    store.append_many(items)
    index = SearchIndex(None)
    index.rebuild(store)
    yield store, index, items
    store.close()


products = st.builds(
    Product,
    name=st.sampled_from(["p1", "p2", "p3"]),
    access=st.sampled_from(["full", "teaser"]),
    languages=st.lists(st.sampled_from(["ar", "ar-eg", "en", "fr", "de"]), max_size=2),
    subjects=st.lists(st.sampled_from([*SUBJECTS, "medtop:20000000"]), max_size=2),
    urgency_min=st.integers(1, 5),
    urgency_max=st.integers(5, 9),
    genres=st.lists(st.sampled_from(GENRES), max_size=1),
    sources=st.lists(st.sampled_from(["aa", "الأناضول", "AFP"]), max_size=2),
    places=st.lists(st.sampled_from(["ANKARA", "Paris", "Berlin"]), max_size=1),
    types=st.lists(st.sampled_from(ITEM_TYPES), max_size=2),
)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=st.lists(products, min_size=1, max_size=3))
def test_search_finds_exactly_what_the_products_grant(varied, chosen):
    store, index, items = varied
    chosen = list({p.name: p for p in chosen}.values())
    results = Searcher(index, store).search(SearchRequest(q="الخبر", limit=100, facets=False), chosen)
    expected = {}
    for item in items:
        granted = grant(chosen, item, utcnow())
        if granted is not None:
            expected[item.id] = granted.access
    assert results.total == len(expected)
    assert {h.id: h.access for h in results.hits} == expected


def test_the_type_filter_and_facet_count_what_each_item_is(varied):
    store, index, items = varied
    searcher = Searcher(index, store)
    results = searcher.search(SearchRequest(q="الخبر", limit=1), ALL)
    assert results.facets["type"] == dict(Counter(i.type for i in items))
    for kind in ITEM_TYPES:
        found = ids(searcher, "الخبر", type=kind)
        assert found == {i.id for i in items if i.type == kind}
        hit = searcher.search(SearchRequest(q="الخبر", type=kind, limit=1), ALL).hits[0]
        assert hit.type == kind
        assert msgspec.json.decode(
            searcher.search_json(SearchRequest(q="الخبر", type=kind, limit=1), ALL, {})
        )["hits"][0]["type"] == kind
    with pytest.raises(BadInput) as err:
        searcher.search(SearchRequest(q="الخبر", type="sound"), ALL)
    assert err.value.field == "type"


def test_a_pictures_caption_is_searched_and_shown_like_a_storys_text(store):
    picture = NewsItem(
        id="urn:test:picture",
        type="picture",
        language="ar",
        headline="مظاهرة في أنقرة",
        description="متظاهرون يرفعون الأعلام أمام البرلمان التركي",
        keywords=["احتجاج"],
        renditions=[Rendition(name="preview", blob="ab" * 32, content_type="image/jpeg")],
    )
    store.append(picture)
    index = SearchIndex(None)
    index.rebuild(store)
    searcher = Searcher(index, store)
    for products in (ALL, [Product(name="t", access="teaser")]):
        for word in ("البرلمان", "احتجاج", "مظاهرة"):
            assert ids(searcher, word, products, type="picture") == {"urn:test:picture"}
    hit = searcher.search(SearchRequest(q="الأعلام"), ALL).hits[0]
    assert hit.type == "picture" and "<mark>الأعلام</mark>" in hit.snippet


def test_teaser_access_matches_only_teaser_text(store):
    paragraphs = [f"الفقرة رقم {i} من نص طويل عن الاقتصاد والتجارة والاستثمار." * 3 for i in range(8)]
    item = NewsItem(
        id="urn:test:teaser",
        language="ar",
        headline="عنوان عن البورصة",
        lead="مقدمة الخبر.",
        body=[*paragraphs, "وختاما تحدث الوزير عن الزعفران."],
    )
    store.append(item)
    index = SearchIndex(None, teaser_chars=300)
    index.rebuild(store)
    searcher = Searcher(index, store, teaser_chars=300)
    teaser_only = [Product(name="t", access="teaser")]
    full = [Product(name="f", access="full")]
    assert ids(searcher, "البورصة", teaser_only) == {"urn:test:teaser"}
    assert ids(searcher, "الزعفران", teaser_only) == set()
    assert ids(searcher, "الزعفران", full) == {"urn:test:teaser"}
    hit = searcher.search(SearchRequest(q="الفقرة"), teaser_only).hits[0]
    assert hit.access == "teaser" and "الزعفران" not in hit.snippet


def headlines_searcher(store, texts: dict[str, str]):
    """Arabic items of ``texts`` (key: headline) stored and indexed; a search by a query
    gives the keys it finds."""
    for key, text in texts.items():
        store.append(NewsItem(id=f"urn:test:{key}", language="ar", headline=text))
    index = SearchIndex(None)
    index.rebuild(store)
    searcher = Searcher(index, store)

    def found(q: str) -> set[str]:
        return {i.removeprefix("urn:test:") for i in ids(searcher, q)}

    return found


def test_a_word_with_a_proclitic_finds_its_bare_form_and_back(store):
    """What an Arabic reader types: بغزة ("in Gaza") finds an item saying غزة, and غزة one
    saying بغزة; likewise لحماس and حماس, وبغزة, كمصر. Words that only begin with one of
    those letters keep it: a search for لبنان or كبير does not find بنان or بير."""
    texts = {
        "gaza": "قصف على غزة اليوم",
        "in-gaza": "اشتباكات بغزة مساء أمس",
        "and-in-gaza": "وبغزة سقط ضحايا",
        "hamas": "بيان من حماس",
        "to-hamas": "رسالة لحماس من الوسطاء",
        "egypt": "وفد من مصر",
        "like-egypt": "دول كمصر والأردن",
        "lebanon": "زيارة إلى لبنان",
        "big": "حريق كبير في المصنع",
        "well": "بئر وبير في القرية",
        "president": "كلمة الرئيس في القمة",
        "and-for-the-president": "وللرئيس رأي آخر",
    }
    found = headlines_searcher(store, texts)

    gaza = {"gaza", "in-gaza", "and-in-gaza"}
    assert found("بغزة") == found("غزة") == found("وبغزة") == found("ولغزة") == gaza
    assert found("فبغزة") == gaza
    assert found("لحماس") == found("حماس") == {"hamas", "to-hamas"}
    assert found("كمصر") == found("مصر") == {"egypt", "like-egypt"}
    assert found("لبنان") == {"lebanon"}
    assert found("كبير") == {"big"}
    assert found("بير") == {"well"}
    president = {"president", "and-for-the-president"}
    assert found("الرئيس") == found("وللرئيس") == found("للرئيس") == president


def test_a_words_own_first_letters_and_its_suffixes_meet_its_other_forms(store):
    """A و that is the word's own (وزير, minister; وطني, national) stays, so the word
    finds the item writing it with the article and back, while the conjunction's comes
    off (وقال finds قال); a possessive ها after a plural (علاقاتها) meets the plural
    (العلاقات); a capitalised Turkish name meets the name as written (IĞDIR, Iğdır)."""
    texts = {
        "the-minister": "صرح الوزير بأن الاتفاق قريب",
        "minister": "أعلن وزير الخارجية أن المحادثات مستمرة",
        "the-national": "فاز المنتخب الوطني بالمباراة",
        "national": "احتفال بيوم وطني في البلاد",
        "the-relations": "تحسن العلاقات بين البلدين",
        "its-relations": "أعادت الدولة علاقاتها مع جيرانها",
        "said": "قال المتحدث إن الوضع هادئ",
        "and-said": "وقال مسؤول آخر إن الوضع هادئ",
        "zelensky": "زيلينسكي يصل إلى العاصمة",
        "and-zelensky": "التقى الرئيس وزيلينسكي في القمة",
        "its-wheat": "باعت المزرعة قمحها في السوق",
        "and-its-wheat": "باعت القرية ذرتها وقمحها في السوق",
        "washington": "وصل الوفد إلى واشنطن",
        "in-washington": "اجتماع بواشنطن غدا",
        "oran": "وصل الوفد إلى وهران",
        "and-oran": "زار الوفد الجزائر ووهران",
        "igdir-caps": "IĞDIR (AA) - Kar yağışı etkili oldu",
        "igdir": "Iğdır'da kar yağışı etkili oldu",
    }
    found = headlines_searcher(store, texts)

    assert found("وزير") == found("الوزير") == {"the-minister", "minister"}
    assert found("وطني") == found("الوطني") == {"the-national", "national"}
    assert found("علاقاتها") == found("العلاقات") == {"the-relations", "its-relations"}
    assert found("وقال") == found("قال") == {"said", "and-said"}
    # Names and forms the corpus never saw lose the conjunction too, and meet their bare
    # forms both ways; a و of its own stays and meets its word after a preposition.
    assert found("زيلينسكي") == found("وزيلينسكي") == {"zelensky", "and-zelensky"}
    assert found("قمحها") == found("وقمحها") == {"its-wheat", "and-its-wheat"}
    assert found("واشنطن") == found("بواشنطن") == {"washington", "in-washington"}
    # A known word whose rest is none keeps its و, and so meets its forms with a prefix.
    assert found("وهران") == found("ووهران") == {"oran", "and-oran"}
    assert found("IĞDIR") == found("Iğdır") == {"igdir-caps", "igdir"}


def test_chinese_and_japanese_are_found_by_any_run_of_their_characters(store):
    """Chinese and Japanese write no spaces between words: a word of a headline or body,
    a name, any run of characters found in the text finds the item, and is marked whole."""
    store.append(
        NewsItem(
            id="urn:test:zh",
            language="zh",
            headline="土耳其总统埃尔多安会见中国外长",
            body=["埃尔多安表示，土耳其愿与中国深化在能源和贸易领域的合作。"],
        )
    )
    store.append(
        NewsItem(
            id="urn:test:ja",
            language="ja",
            headline="エルドアン大統領が東京で首相と会談",
            body=["両首脳はエネルギー分野での協力について話し合った。"],
        )
    )
    index = SearchIndex(None)
    index.rebuild(store)
    searcher = Searcher(index, store)
    for q in ("会见", "埃尔多安", "能源", "中国外长", "贸易 合作"):
        assert ids(searcher, q, lang="zh") == {"urn:test:zh"}, q
    for q in ("会談", "エルドアン", "東京", "エネルギー"):
        assert ids(searcher, q, lang="ja") == {"urn:test:ja"}, q
    assert ids(searcher, "外长会见") == set()  # the characters, in this order
    hit = searcher.search(SearchRequest(q="能源"), ALL).hits[0]
    assert "<mark>能源</mark>" in hit.snippet
    assert "<mark>埃尔多安</mark>" in searcher.search(SearchRequest(q="埃尔多安"), ALL).hits[0].headline


# --- the index follows the store -------------------------------------------------------


def test_versions_withdrawals_and_embargo_follow_the_store(store, tmp_path):
    index = SearchIndex(tmp_path / "f.search")
    index.ensure(store)
    searcher = Searcher(index, store)
    first = NewsItem(id="urn:test:f1", language="ar", headline="زلزال في المدينة", body=["نص."])
    store.append(first)
    index.follow(store)
    assert ids(searcher, "زلزال") == {"urn:test:f1"}
    store.append(msgspec.structs.replace(first, version=2, headline="فيضان في المدينة", signal="update"))
    index.follow(store)
    assert ids(searcher, "زلزال") == set()
    hits = searcher.search(SearchRequest(q="فيضان"), ALL).hits
    assert [(h.id, h.version) for h in hits] == [("urn:test:f1", 2)]
    store.withdraw("urn:test:f1", "خطأ")
    index.follow(store)
    assert ids(searcher, "فيضان") == set()

    later = utcnow() + timedelta(hours=1)
    store.append(
        NewsItem(id="urn:test:f2", language="ar", headline="إعلان مرتقب", body=["نص."], embargo_until=later)
    )
    index.follow(store)
    assert ids(searcher, "مرتقب") == set()  # under embargo: in no search, even the agency's
    store.lift_due(later + timedelta(seconds=1))
    index.follow(store, now=later + timedelta(seconds=1))
    assert ids(searcher, "مرتقب", now=later + timedelta(seconds=1)) == {"urn:test:f2"}

    # A rebuild from the store gives the same index as following it did.
    rebuilt = SearchIndex(None)
    rebuilt.rebuild(store, now=later + timedelta(seconds=1))
    for query in ("مرتقب", "فيضان", "زلزال", "نص"):
        after = later + timedelta(seconds=1)
        assert ids(Searcher(rebuilt, store), query, now=after) == ids(searcher, query, now=after)
    index.close()


def test_a_version_whose_embargo_an_update_moved_later_is_in_no_rebuild(store, tmp_path):
    """Held until `soon`, then updated to be held until `later`: the first version is never
    lifted, so an index built between the two times (a new node, a lost index) must not
    find it, as the index that followed the store does not."""
    soon = utcnow() + timedelta(hours=1)
    later = soon + timedelta(hours=2)
    first = NewsItem(
        id="urn:test:moved", language="ar", headline="إعلان مؤجل", body=["نص."], embargo_until=soon
    )
    store.append(first)
    store.append(msgspec.structs.replace(first, version=2, signal="update", embargo_until=later))
    between = soon + timedelta(hours=1)
    rebuilt = SearchIndex(None)
    rebuilt.rebuild(store, now=between)
    assert ids(Searcher(rebuilt, store), "مؤجل", now=between) == set()
    after = later + timedelta(seconds=1)
    rebuilt.rebuild(store, now=after)
    hits = Searcher(rebuilt, store).search(SearchRequest(q="مؤجل"), ALL, now=after).hits
    assert [(h.id, h.version) for h in hits] == [("urn:test:moved", 2)]


def test_a_rebuild_reads_the_documents_kept_in_the_store(store, tmp_path):
    """Each version is analysed once: its index document is kept in the store under the
    recipe that made it, and a later build (a new node, a lost index) takes it from there;
    another recipe (the teaser's length, the analysis) makes documents anew."""
    items = list(corpus_items(corpus_records(SAMPLE)))[:60]
    store.append_many(items)
    first = SearchIndex(tmp_path / "first.search")
    assert first.rebuild(store) == 60
    recipe = recipe_of(first.teaser_chars)
    kept = store.search_documents.kept(recipe)
    assert len(kept) == 60

    # A second build from the kept documents is the same index.
    second = SearchIndex(tmp_path / "second.search")
    second.rebuild(store)
    words = [max(WORD.findall(items[n].headline), key=len) for n in range(0, 60, 7)]
    for word in words:
        assert ids(Searcher(second, store), word) == ids(Searcher(first, store), word), word

    # It reads them rather than analysing again: a kept document says what the build
    # indexes (its text here replaced by a word no article has).
    seq = min(kept)
    (fields,) = unpack([store.search_documents.get([seq], recipe)[seq]])
    fields[13] = index_text("كلمةغريبة", "ar")  # the headline's terms
    store.search_documents.keep(recipe, [(seq, pack([fields])[0])])
    third = SearchIndex(tmp_path / "third.search")
    third.rebuild(store)
    assert ids(Searcher(third, store), "كلمةغريبة") == {fields[0]}

    # A damaged one is made again from the item, not a failed build.
    store.search_documents.keep(recipe, [(seq, b"not a document")])
    fourth = SearchIndex(tmp_path / "fourth.search")
    assert fourth.rebuild(store) == 60
    assert ids(Searcher(fourth, store), "كلمةغريبة") == set()
    assert ids(Searcher(fourth, store), words[0]) == ids(Searcher(first, store), words[0])
    (fields,) = unpack([store.search_documents.get([seq], recipe)[seq]])
    (version,) = store.by_seq([seq])
    assert fields[2] == seq and fields[13] == index_text(version.item.headline, version.item.language)
    fourth.close()

    # Another recipe makes its own from the items themselves.
    other = SearchIndex(tmp_path / "other.search", teaser_chars=300)
    other.rebuild(store)
    assert ids(Searcher(other, store, teaser_chars=300), "كلمةغريبة") == set()
    assert len(store.search_documents.kept(recipe_of(300))) == 60

    # Following the log keeps the document of each new version.
    store.append(NewsItem(id="urn:test:kept", language="ar", headline="خبر جديد", body=["نص."]))
    third.follow(store)
    assert store.last_seq() in store.search_documents.kept(recipe)
    # ... and drops those of versions no longer searchable.
    newer = items[1]
    store.append(msgspec.structs.replace(newer, version=newer.version + 1, signal="update"))
    old_seq = store.versions(newer.id)[0].seq
    assert old_seq in store.search_documents.kept(recipe)
    third.follow(store)
    assert old_seq not in store.search_documents.kept(recipe)
    assert store.last_seq() in store.search_documents.kept(recipe)
    store.withdraw(newer.id, "خطأ")
    third.follow(store)
    assert not {v.seq for v in store.versions(newer.id)} & store.search_documents.kept(recipe)
    for index in (first, second, third, other):
        index.close()


def test_a_stale_or_foreign_index_is_rebuilt(store, tmp_path):
    store.append(NewsItem(id="urn:test:s1", language="ar", headline="خبر أول", body=["نص."]))
    path = tmp_path / "s.search"
    index = SearchIndex(path)
    assert index.stale(store.last_seq())
    index.ensure(store)
    index.close()
    reopened = SearchIndex(path)
    assert not reopened.stale(store.last_seq()) and reopened.cursor == store.last_seq()
    reopened.close()
    # Another analysis made it: rebuilt from scratch on opening.
    state = path / "newswire.json"
    state.write_text(state.read_text().replace(f'"analysis": "{ANALYSIS}"', '"analysis": "old"'))
    assert SearchIndex(path).stale(store.last_seq())
    # Ahead of its store (the store was restored from an older copy): stale.
    ahead = SearchIndex(tmp_path / "other.search")
    ahead.ensure(store)
    ahead.cursor = store.last_seq() + 10
    assert ahead.stale(store.last_seq())


# --- what a search keeps ------------------------------------------------------------------


def test_the_json_answer_is_the_results_encoded(corpus):
    """``search_json`` (the HTTP body, made from what each version keeps) is ``search``
    encoded, whatever was kept before: the same request asked cold and warm, for
    full-text and teaser callers, sorted either way, with and without facets."""
    store, index, _ = corpus
    teaser = [Product(name="t", access="teaser", languages=["ar"])]
    mixed = [*teaser, Product(name="s", access="full", subjects=["medtop:15000000"])]
    requests = [
        SearchRequest(q="اسرائيل", limit=10),
        SearchRequest(q='"وزارة الصحة" OR غزة -رفح', limit=20, sort="newest", page=2),
        SearchRequest(q="الرئيس", limit=5, facets=False, urgency="1-5", lang="ar"),
    ]
    now = utcnow()
    for products in (ALL, teaser, mixed):
        for _ in range(2):
            for req in requests:
                cold = Searcher(index, store)
                expected = msgspec.json.encode(cold.search(req, products, now))
                warm = Searcher(index, store)
                warm.search(req, products, now)
                assert warm.search_json(req, products, now=now) == expected
                assert cold.search_json(req, products, now=now) == expected
                extra = {"limit_clamped": "limit 500 is over the maximum: 100 used"}
                assert warm.search_json(req, products, extra, now=now) == msgspec.json.encode(
                    msgspec.structs.asdict(warm.search(req, products, now)) | extra
                )


def test_what_is_kept_follows_the_index(store, tmp_path):
    """Facets are kept until the index reloads, versions by their number: a new item
    counts at once, an update is shown as itself, never as the version before it."""
    index = SearchIndex(tmp_path / "k.search")
    index.ensure(store)
    searcher = Searcher(index, store)
    first = NewsItem(id="urn:test:k1", language="ar", headline="زلزال في المدينة", body=["نص أول."])
    store.append(first)
    index.follow(store)
    req = SearchRequest(q="المدينة")
    before = searcher.search(req, ALL)
    assert before.total == 1 and before.facets["language"] == {"ar": 1}
    store.append(NewsItem(id="urn:test:k2", language="ar-EG", headline="المدينة تحتفل", body=["نص."]))
    index.follow(store)
    after = searcher.search(req, ALL)
    assert after.total == 2 and after.facets["language"] == {"ar": 1, "ar-EG": 1}
    store.append(
        msgspec.structs.replace(first, version=2, body=["نص ثان عن المدينة."], signal="update")
    )
    index.follow(store)
    hit = next(h for h in searcher.search(req, ALL).hits if h.id == first.id)
    assert hit.version == 2 and "ثان" in hit.snippet
    body = msgspec.json.decode(searcher.search_json(req, ALL))
    assert {h["id"]: h["version"] for h in body["hits"]} == {first.id: 2, "urn:test:k2": 1}


class CountingPool(ThreadPoolExecutor):
    """A real thread pool that counts the calls submitted to it."""

    submitted = 0

    def submit(self, fn, /, *args, **kwargs):
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


def test_a_rebuilds_workers_run_at_most_a_few_chunks_ahead_of_the_writer():
    """``in_order``: the results in order, and never more than ``ahead`` calls submitted
    and not yet taken, however many there are: the packed documents of a whole archive
    would otherwise pile up while the index writer takes them one chunk at a time."""
    with CountingPool(max_workers=4) as pool:
        results = in_order(pool, lambda n: n * n, iter(range(100)), ahead=4)
        taken = []
        for value in results:
            taken.append(value)
            assert pool.submitted - len(taken) < 4
        assert taken == [n * n for n in range(100)] and pool.submitted == 100


def test_a_rebuild_chooses_the_same_versions_from_a_store_read_item_by_item(store, tmp_path):
    """The rebuild reads the catalogue item by item (one history held at a time): each
    item's searchable version is its latest, none for a withdrawn one."""
    items = list(corpus_items(corpus_records(SAMPLE)))[:40]
    store.append_many(items)
    store.append_many([msgspec.structs.replace(i, headline=i.headline + " محدث") for i in items[:25]])
    store.withdraw(items[3].id, "خطأ")
    latest = sorted(store.get(i.id).seq for n, i in enumerate(items) if n != 3)
    assert _chosen(store.catalogue(by_item=True), iso(utcnow())) == latest
    index = SearchIndex(tmp_path / "by-item.search")
    assert index.rebuild(store) == 39

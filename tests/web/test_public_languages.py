"""The public site in each interface language, through a real ``newswire serve``: a Turkish,
French, Russian, Persian or Chinese story is inside a page of its own language's words
and dates (not English around it), the home page, the subscribe page, the 404 page and
the feeds too; a language with no interface of its own gets the English one, cleanly;
Persian's interface is right to left. The agency is in Istanbul (UTC+3): a story sent at
22:30 UTC on 6 December is dated 7 December."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import feedparser
import lxml.html
import pytest

from newswire.web.words import UI
from tests.conftest import fresh_database
from tests.helpers import Server, make_key

SENT = "2026-12-06T22:30:00Z"
POLITICS = {"name": "politics", "uri": "http://cv.iptc.org/newscodes/mediatopic/11000000"}

STORIES = {
    "tr": ("Ankara'da bakanlar toplandı", "Toplantı dört saat sürdü ve ortak bildiriyle sona erdi."),
    "fr": ("Les ministres réunis à Ankara", "La réunion a duré quatre heures."),
    "ru": ("Министры встретились в Анкаре", "Встреча продолжалась четыре часа."),
    "fa": ("وزیران در آنکارا دیدار کردند", "این نشست چهار ساعت به طول انجامید."),
    "zh": ("各国部长在安卡拉举行会议", "会议持续了四个小时，最后发表了联合声明。"),
    "ku": ("Wezîr li Enqereyê civiyan", "Civîn çar saetan dewam kir."),
    "de": ("Minister treffen sich in Ankara", "Das Treffen dauerte vier Stunden."),
}
"""A story per language; German has no interface of its own."""

DATES = {
    "tr": ("7 Aralık 2026", "7 Aralık 2026 01:30 (GMT+3)"),
    "fr": ("7 décembre 2026", "7 décembre 2026, 01:30 (UTC+3)"),
    "ru": ("7 декабря 2026\u202fг.", "7 декабря 2026\u202fг., 01:30 (GMT+3)"),
    "fa": ("۷ دسامبر ۲۰۲۶", "۷ دسامبر ۲۰۲۶،\u200f ۱:۳۰ (\u200e+۳ گرینویچ)"),
    "zh": ("2026年12月7日", "2026年12月7日 01:30 (GMT+3)"),
    "ku": ("7ê berfanbara 2026an", "7ê berfanbara 2026an 01:30 (GMT+3)"),
    "de": ("7 December 2026", "7 December 2026, 01:30 (UTC+3)"),
}
"""The home page's date and the story page's date and time, in the page's interface."""

TRANSLATED = ["tr", "fr", "ru", "fa", "zh", "ku"]


def path(lang: str) -> str:
    return f"/{lang}/news/{quote('urn:test:lang:' + lang, safe=':@')}"


def doc(response) -> lxml.html.HtmlElement:
    assert response.status_code in (200, 404), response.status_code
    assert response.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(response.text)


@pytest.fixture(scope="module")
def web(tmp_path_factory) -> Iterator:
    # What a page says does not depend on the store: SQLite is enough.
    with fresh_database("sqlite", tmp_path_factory.mktemp("langs")) as db:
        key = make_key(db, "--scope", "publish", "--name", "DESK")
        server = Server(db, env={"NEWSWIRE_TIMEZONE": "Europe/Istanbul"})
        try:
            with server.client(key) as desk:
                for lang, (headline, body) in STORIES.items():
                    sent = desk.post("/v1/items", json={
                        "uri": f"urn:test:lang:{lang}", "type": "text", "language": lang,
                        "headlines": [{"role": "main", "value": headline}],
                        "bodies": [{"role": "main", "contentType": "text/plain", "value": body}],
                        "subjects": [POLITICS], "firstCreated": SENT, "versionCreated": SENT,
                    }, headers={"Content-Type": "application/ninjs+json"})
                    assert sent.status_code == 201, sent.text
            with server.client() as reader:
                yield reader
        finally:
            server.close()


@pytest.mark.parametrize("lang", TRANSLATED)
def test_a_story_page_is_in_its_languages_words_and_dates(web, lang):
    words = UI[lang]
    page = doc(web.get(path(lang)))
    assert page.get("lang") == lang
    assert page.get("dir") == ("rtl" if lang == "fa" else "ltr")
    # the interface is the content's: no English island marked inside it
    assert not page.xpath("//header[@class='masthead'][@lang]")
    assert page.xpath("string(//a[@class='skip'])") == words["skip"]
    assert page.xpath("string(//header//a[@class='cta'])") == words["subscribe"]
    notice = page.xpath("//aside[@class='notice']")[0]
    assert notice.xpath("string(h2)") == words["subscribe_title"]
    assert notice.xpath("string(p[1])") == words["notice"]
    assert page.xpath("string(//time[@class='date'])") == DATES[lang][1]
    assert page.xpath("//time[@class='date']/@datetime") == [SENT]
    assert not page.xpath("//*[@class='hijri']")  # the Hijri date is Arabic pages'
    ld = json.loads(page.xpath("string(//script[@type='application/ld+json'])"))
    assert ld["inLanguage"] == lang and ld["datePublished"] == SENT
    english = UI["en"]
    assert english["notice"] not in web.get(path(lang)).text
    assert english["latest"] not in web.get(path(lang)).text


@pytest.mark.parametrize("lang", TRANSLATED)
def test_a_language_home_subscribe_and_404_are_in_its_words(web, lang):
    words = UI[lang]
    home = doc(web.get(f"/{lang}/"))
    assert home.xpath("string(//h1)") == words["latest"]
    assert home.xpath("string(//title)").startswith(words["latest"])
    [when] = home.xpath("//ul[@class='teasers']//time")
    assert when.text == DATES[lang][0]
    # the subject's heading in the interface's language where the taxonomy has it, never
    # an English "More news" for a story that has a subject
    assert words["other"] not in home.xpath("string(//h2)")
    # ... which names topics in Arabic and English only: the English name, said as such
    # (and laid out left to right on a Persian page), as a section's heading is.
    [heading] = home.xpath("//h2[@data-subject]")
    assert heading.text_content() == "politics"
    assert (heading.get("lang"), heading.get("dir")) == ("en", "ltr" if lang == "fa" else None)
    assert home.xpath("//a[@class='feed']/span/@lang") == ["en"]
    assert home.xpath("//header//a[@class='cta']/@href") == [f"/{lang}/subscribe"]

    subscribe = web.get(f"/{lang}/subscribe")
    assert subscribe.status_code == 200
    assert subscribe.headers["content-language"] == lang
    page = doc(subscribe)
    assert page.get("lang") == lang
    assert page.xpath("string(//h1)") == words["subscribe_title"]
    assert words["subscribe_intro"] in page.xpath("string(//main)")

    for missing in (f"/{lang}/news/urn:test:never", f"/{lang}/no/such/page"):
        answer = web.get(missing, headers={"Accept": "text/html"})
        assert answer.status_code == 404, missing
        page = doc(answer)
        assert page.get("lang") == lang, missing
        assert page.xpath("string(//h1)") == words["not_found_title"], missing
        assert page.xpath("string(//div[@class='message']//a)") == words["back_home"]


@pytest.mark.parametrize("lang", TRANSLATED)
@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_a_languages_feeds_are_titled_in_its_words(web, lang, kind):
    feed = feedparser.parse(web.get(f"/feeds/{lang}.{kind}").content)
    assert feed.feed.title.endswith(f" — {UI[lang]['latest']}")
    assert feed.feed.language == lang if kind == "rss" else True
    [entry] = feed.entries
    assert entry.title == STORIES[lang][0]


def test_the_news_sitemap_names_each_language(web):
    text = web.get("/sitemap-news.xml").text
    for lang in STORIES:
        named = "zh-cn" if lang == "zh" else lang  # Chinese as Google News takes it
        assert f"<news:language>{named}</news:language>" in text


def test_persian_pages_are_right_to_left_interface_and_all(web):
    for url in ("/fa/", path("fa"), "/fa/subscribe"):
        page = doc(web.get(url))
        assert (page.get("lang"), page.get("dir")) == ("fa", "rtl"), url
        # nothing of the interface is marked left to right inside the page
        assert not page.xpath("//header[@dir] | //footer[@dir] | //h1[@dir]"), url
    assert UI["fa"]["latest"] in web.get("/fa/").text


def test_a_language_without_an_interface_gets_the_english_one_cleanly(web):
    """German: the story and the menu's name are German; the words around are English,
    marked ``lang="en"``, the dates English; its subscribe page is the English one."""
    english = UI["en"]
    page = doc(web.get(path("de")))
    assert page.get("lang") == "de"
    [masthead] = page.xpath("//header[@class='masthead']")
    assert (masthead.get("lang"), masthead.get("dir")) == ("en", "ltr")
    assert page.xpath("string(//aside[@class='notice']/p[1])") == english["notice"]
    assert page.xpath("//aside[@class='notice']/@lang") == ["en"]
    assert page.xpath("string(//time[@class='date'])") == DATES["de"][1]
    home = doc(web.get("/de/"))
    assert home.xpath("string(//h1)") == english["latest"]
    assert home.xpath("string(//ul[@class='teasers']//time)") == DATES["de"][0]
    assert home.xpath("//header//a[@class='cta']/@href") == ["/en/subscribe"]
    moved = web.get("/de/subscribe")
    assert moved.status_code == 301 and moved.headers["location"] == "/en/subscribe"
    missing = doc(web.get("/de/news/urn:test:never"))
    assert missing.get("lang") == "de"
    assert missing.xpath("string(//div[@class='message']/h1)") == english["not_found_title"]
    assert missing.xpath("//div[@class='message']/@lang") == ["en"]


def test_every_interface_language_marks_corrections_and_kills_in_its_own_words():
    """The feeds' ``CORRECTION:`` and ``WITHDRAWN:`` are in each desk's language: a
    language given interface words needs its own words for those too, or its feed titles
    fall back to English inside its own headlines."""
    from newswire.formats import marks

    assert set(marks.WORDS) == set(UI)
    words = [w for correction, kill, _ in marks.WORDS.values() for w in (correction, kill)]
    assert len(set(words)) == len(words)  # no word marks both, nor two languages' things

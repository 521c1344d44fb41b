"""The public website through a real ``newswire serve`` and a real HTTP client: teaser
pages (never the full body), right-to-left Arabic, feeds, the News sitemap, robots.txt,
embargo and withdrawal, HTTP caching, and escaping of hostile text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import feedparser
import hijridate
import lxml.html
import pytest
from lxml import etree

from tests.conftest import SEED
from tests.helpers import Server, make_key

NINJS = {"Content-Type": "application/ninjs+json"}
POLITICS = {"name": "politics", "uri": "http://cv.iptc.org/newscodes/mediatopic/11000000"}
SPORT = {"name": "sport", "literal": "medtop:15000000"}
HOSTILE = 'Hostile <script>alert(1)</script> & "quotes" </script><!-- end'
AR_MONTHS = "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر".split()
SITE_NAME = "وكالة الاختبار"
CONTACT = "sales@agency.example"

SEED_LINES = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
SEED_HEADLINE, SEED_LEAD = SEED_LINES[0], SEED_LINES[1]
SEED_FIRST = SEED_LINES[5]
SEED_LAST = SEED_LINES[-2]
"""The last paragraph of the body (the line after it is the agency's footer)."""

ENGLISH = [
    "Ministers from twelve countries met in Ankara on Saturday to discuss aid to Gaza.",
    "The meeting lasted four hours and ended with a joint statement on the crossings.",
    "Officials said a second round of talks would be held next month in Doha.",
    "This last paragraph is only for subscribers and must never appear in public.",
]
ARABIC_SPORT = [
    "فاز المنتخب في المباراة النهائية بهدفين مقابل هدف واحد أمام جمهور كبير.",
    "وسجل المهاجم الهدف الثاني في الدقائق الأخيرة من المباراة.",
    "وهذه الفقرة الأخيرة للمشتركين وحدهم ولا تظهر للجمهور أبدا.",
]


def ninjs(uri: str, headline: str, paragraphs: list[str], language: str, **fields) -> dict:
    return {
        "uri": uri,
        "type": "text",
        "language": language,
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "\n\n".join(paragraphs)}],
        **fields,
    }


def rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def page(uri: str, lang: str = "ar") -> str:
    return f"/{lang}/news/{quote(uri, safe=':@')}"


def absolute(client, path: str) -> str:
    return str(client.base_url).rstrip("/") + path


def html(response):
    assert response.headers["content-type"].startswith("text/html"), response.headers
    return lxml.html.fromstring(response.text)


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def db(module_store_url) -> str:
    return module_store_url


@pytest.fixture(scope="module")
def server(db):
    srv = Server(db, env={"NEWSWIRE_PUBLIC_NAME": SITE_NAME, "NEWSWIRE_PUBLIC_CONTACT": CONTACT})
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def desk(server, db):
    with server.client(make_key(db, "--scope", "publish", "--name", "DESK")) as c:
        yield c


@pytest.fixture(scope="module")
def web(server):
    """A reader: no key at all."""
    with server.client() as c:
        yield c


def publish(desk, doc: dict) -> dict:
    response = desk.post("/v1/items", json=doc, headers=NINJS)
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture(scope="module")
def seed(desk) -> dict:
    """The reference item, published as agency text, then given a subject (politics) by a
    second version in ninjs: the public page shows the latest version."""
    first = desk.post(
        "/v1/items",
        content=SEED.read_bytes(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    assert first.status_code == 201, first.text
    item_id = first.json()["id"]
    doc = desk.get(f"/v1/items/{quote(item_id, safe='')}").json()
    second = publish(desk, {**doc, "subjects": [POLITICS]})
    assert second["version"] == 2
    return desk.get(f"/v1/items/{quote(item_id, safe='')}").json()


@pytest.fixture(scope="module")
def english(desk) -> str:
    uri = "urn:test:web:english"
    publish(desk, ninjs(uri, "Ministers meet in Ankara on Gaza aid", ENGLISH, "en"))
    return uri


@pytest.fixture(scope="module")
def sport(desk) -> str:
    uri = "urn:test:web:sport"
    publish(desk, ninjs(uri, "المنتخب يفوز بالنهائي", ARABIC_SPORT, "ar", subjects=[SPORT]))
    return uri


@pytest.fixture(scope="module")
def hostile(desk) -> str:
    uri = "urn:test:web:hostile"
    publish(desk, ninjs(uri, HOSTILE, ARABIC_SPORT, "ar", subjects=[SPORT]))
    return uri


@pytest.fixture(scope="module")
def embargoed(desk) -> str:
    uri = "urn:test:web:embargoed"
    lift = datetime.now(UTC) + timedelta(hours=1)
    doc = ninjs(uri, "خبر محظور حتى موعده", ARABIC_SPORT, "ar", subjects=[SPORT])
    publish(desk, {**doc, "embargoedUntil": rfc3339(lift)})
    return uri


@pytest.fixture(scope="module")
def everything(seed, english, sport, hostile, embargoed) -> None:
    """Every item above, published before the test that uses this runs."""


# --- the item page ------------------------------------------------------------------------


def test_the_seed_page_is_an_arabic_teaser_with_the_subscription_notice(web, seed):
    response = web.get(page(seed["uri"]))
    assert response.status_code == 200
    doc = html(response)
    assert doc.get("lang") == "ar" and doc.get("dir") == "rtl"
    assert doc.xpath("string(//h1)").strip() == SEED_HEADLINE
    assert SEED_LEAD.rstrip(".") in doc.xpath("string(//p[@class='lead'])")
    assert "أنقرة/ الأناضول" in doc.xpath("string(//*[@class='dateline'])")
    assert SEED_FIRST in response.text  # the teaser: the first paragraphs
    # ... never the full body
    assert SEED_LAST not in response.text
    assert SEED_LAST[:60] not in response.text
    # the notice, with a link to subscribe
    notice = doc.xpath("//aside[contains(@class, 'notice')]")[0]
    assert "اختصار لجزء من الأخبار" in notice.text_content()
    assert "/subscribe" in notice.xpath(".//a/@href")


def test_the_seed_page_shows_gregorian_and_hijri_dates(web, seed):
    when = datetime.fromisoformat(seed["versionCreated"].replace("Z", "+00:00"))
    doc = html(web.get(page(seed["uri"])))
    gregorian = f"{when.day} {AR_MONTHS[when.month - 1]} {when.year}"
    assert gregorian in doc.xpath("string(//time[@class='date'])")
    assert doc.xpath("//time[@class='date']/@datetime") == [seed["versionCreated"]]
    h = hijridate.Gregorian(when.year, when.month, when.day).to_hijri()
    assert doc.xpath("string(//*[@class='hijri'])") == f"{h.day} {h.month_name('ar')} {h.year} هـ"


def test_the_page_is_accessible_markup_without_javascript(web, seed):
    doc = html(web.get(page(seed["uri"])))
    assert doc.xpath("//a[@class='skip']/@href") == ["#main"]
    assert doc.xpath("//main/@id") == ["main"]
    assert doc.xpath("//header") and doc.xpath("//footer") and doc.xpath("//nav[@aria-label]")
    assert doc.xpath("//article//h1")
    scripts = doc.xpath("//script")
    assert [s.get("type") for s in scripts] == ["application/ld+json"]  # data, no code


@pytest.mark.usefixtures("everything")
def test_each_page_has_the_structure_a_screen_reader_walks(web, seed):
    """The home page (its subject sections), a subject's section, an item page and the
    subscribe page, as a blind reader's screen reader walks them: the page's language and
    direction, one h1, the landmarks named in the page's language, a skip link to something
    there, pictures with alt text, headings that are only their words."""
    for path in ("/ar/", "/ar/subjects/15000000", page(seed["uri"]), "/subscribe"):
        doc = html(web.get(path))
        assert (doc.get("lang"), doc.get("dir")) == ("ar", "rtl"), path
        assert len(doc.xpath("//h1")) == 1, path
        assert len(doc.xpath("//main")) == 1 and doc.xpath("//footer"), path
        [skip] = doc.xpath("//a[@class='skip']")
        assert doc.xpath("//*[@id=$id]", id=skip.get("href")[1:]) == doc.xpath("//main"), path
        assert [n.get("aria-label") for n in doc.xpath("//nav")] == ["التنقل الرئيسي", "اللغات"]
        assert all(img.get("alt") is not None for img in doc.xpath("//img")), path
        # A heading read out in a list of headings is its subject, not "سياسة سياسة — RSS":
        # the feed link sits beside it; a link in a heading (to its section) is all of it.
        for heading in doc.xpath("//h1 | //h2"):
            for link in heading.xpath(".//a"):
                assert link.text_content() == heading.text_content(), (path, heading.text_content())
    home = html(web.get("/ar/"))
    [feed] = home.xpath("//section[h2[@data-subject='medtop:11000000']]/a[@class='feed']")
    assert feed.text_content() == "سياسة — RSS"  # named alone, out of its context too


def test_opengraph_and_json_ld_news_article(web, seed):
    response = web.get(page(seed["uri"]))
    doc = html(response)

    def og(name: str) -> str:
        [value] = doc.xpath(f"//meta[@property='{name}']/@content")
        return value

    assert og("og:type") == "article"
    assert og("og:title") == SEED_HEADLINE
    assert og("og:url") == absolute(web, page(seed["uri"]))
    assert og("og:site_name") == SITE_NAME
    [ld] = doc.xpath("//script[@type='application/ld+json']/text()")
    data = json.loads(ld)
    assert data["@type"] == "NewsArticle" and data["headline"] == SEED_HEADLINE
    assert data["inLanguage"] == "ar" and data["publisher"]["name"] == SITE_NAME
    assert data["datePublished"] and data["dateModified"] == seed["versionCreated"]
    assert data["url"] == og("og:url")
    assert SEED_LAST not in ld


def test_an_english_item_is_left_to_right_with_english_words(web, english):
    response = web.get(page(english, "en"))
    assert response.status_code == 200
    doc = html(response)
    assert doc.get("lang") == "en" and doc.get("dir") == "ltr"
    assert "Subscribe" in doc.xpath("string(//aside)")
    assert "/en/subscribe" in doc.xpath("//aside//a/@href")
    assert ENGLISH[0] in response.text and ENGLISH[-1] not in response.text
    assert not doc.xpath("//*[@class='hijri']")


def test_other_addresses_of_an_item_move_to_its_page(web, seed):
    for path in (page(seed["uri"], "en"), f"/news/{quote(seed['uri'], safe='')}"):
        response = web.get(path)
        assert response.status_code == 301, path
        assert response.headers["location"] == page(seed["uri"])
        # The query a link came with goes with the move (a campaign's parameters).
        tagged = web.get(path, params={"utm_source": "newsletter"})
        assert tagged.status_code == 301, path
        assert tagged.headers["location"] == page(seed["uri"]) + "?utm_source=newsletter"


# --- home, subscribe ----------------------------------------------------------------------


def test_home_lists_the_teasers_grouped_by_subject(web, everything, seed, sport):
    response = web.get("/ar/")
    assert response.status_code == 200
    doc = html(response)
    assert doc.get("lang") == "ar" and doc.get("dir") == "rtl"

    def group(code: str):
        [section] = doc.xpath(f"//section[h2[@data-subject='{code}']]")
        return section

    politics = group("medtop:11000000")
    assert politics.xpath("string(h2)").startswith("سياسة")
    assert page(seed["uri"]) in politics.xpath(".//a/@href")
    assert page(sport) in group("medtop:15000000").xpath(".//a/@href")
    assert page(sport) not in politics.xpath(".//a/@href")
    assert SEED_LAST not in response.text
    # "/" is the Arabic home page itself
    assert web.get("/").text == response.text


def test_the_english_home_page(web, english):
    doc = html(web.get("/en/"))
    assert doc.get("lang") == "en" and doc.get("dir") == "ltr"
    assert page(english, "en") in doc.xpath("//main//a/@href")
    assert "Latest news" in doc.xpath("string(//h1)")


def test_a_home_page_without_its_slash_moves_there_for_good(web):
    for lang in ("ar", "en"):
        response = web.get(f"/{lang}", follow_redirects=False)
        assert response.status_code == 301, lang  # not a temporary 307
        assert response.headers["location"] == f"/{lang}/"
        assert "max-age" in response.headers["cache-control"]
        tagged = web.get(f"/{lang}", params={"utm_source": "x", "a": "1 2"})
        assert tagged.headers["location"] == f"/{lang}/?utm_source=x&a=1+2"


def test_the_news_without_an_item_moves_to_the_home_page_that_lists_it(web):
    # /ar/news was sent on to /ar/news/ (Starlette's 307), an item page of no item: a 404.
    for path in ("/ar/news", "/ar/news/", "/en/news"):
        response = web.get(path, follow_redirects=False)
        assert response.status_code == 301, path
        assert response.headers["location"] == path[:3] + "/", path
    assert web.get("/xx/news", follow_redirects=False).status_code == 404


def test_subscribe_pages(web):
    arabic = web.get("/subscribe")
    assert arabic.status_code == 200
    doc = html(arabic)
    assert doc.get("dir") == "rtl" and "الاشتراك" in doc.xpath("string(//h1)")
    assert f"mailto:{CONTACT}" in doc.xpath("//main//a/@href")
    english = html(web.get("/en/subscribe"))
    assert english.get("lang") == "en" and "Subscribe" in english.xpath("string(//h1)")
    assert web.get("/ar/subscribe").headers["location"] == "/subscribe"


# --- feeds, sitemap, robots ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_language_feeds_carry_teasers_linking_to_public_pages(web, everything, seed, kind):
    response = web.get(f"/feeds/ar.{kind}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(f"application/{kind}+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    [entry] = [e for e in parsed.entries if e.id == seed["uri"]]
    assert entry.link == absolute(web, page(seed["uri"]))
    assert entry.title == SEED_HEADLINE
    assert SEED_FIRST in response.text
    assert SEED_LAST not in response.text and ARABIC_SPORT[-1] not in response.text
    assert all("/ar/news/" in e.link for e in parsed.entries)


def test_every_atom_entry_has_an_author(web, everything):
    """RFC 4287 4.1.2: an entry without ``atom:author`` (an item with no byline, as the
    test items here) needs one on the feed; validators call the feed invalid otherwise."""
    root = etree.fromstring(web.get("/feeds/ar.atom").content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed_authors = root.xpath("/a:feed/a:author/a:name/text()", namespaces=ns)
    entries = root.xpath("/a:feed/a:entry", namespaces=ns)
    assert entries
    assert feed_authors == [SITE_NAME] or all(
        e.xpath("a:author/a:name/text()", namespaces=ns) for e in entries
    )
    assert any(not e.xpath("a:author", namespaces=ns) for e in entries)  # what it is about


def test_a_subject_feed_has_only_that_subject(web, everything, seed, sport):
    for path in ("/feeds/ar/medtop:15000000.rss", "/feeds/ar/15000000.atom"):
        parsed = feedparser.parse(web.get(path).content)
        ids = {e.id for e in parsed.entries}
        assert sport in ids and seed["uri"] not in ids, path
        for entry in parsed.entries:  # RSS: the QCode is the domain; Atom: the term
            codes = {t.get("scheme") for t in entry.tags} | {t.get("term") for t in entry.tags}
            assert "medtop:15000000" in codes, (path, entry.id)
    politics = feedparser.parse(web.get("/feeds/ar/11000000.rss").content)
    assert {e.id for e in politics.entries} == {seed["uri"]}
    assert web.get("/feeds/ar/99999999.rss").status_code == 404


def test_the_news_sitemap(web, everything, seed, english):
    response = web.get("/sitemap-news.xml")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "news": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    locs = root.xpath("//s:url/s:loc/text()", namespaces=ns)
    seed_loc = absolute(web, page(seed["uri"]))
    assert seed_loc in locs
    [url] = root.xpath(f"//s:url[s:loc='{seed_loc}']", namespaces=ns)
    assert url.xpath("string(.//news:title)", namespaces=ns) == SEED_HEADLINE
    assert url.xpath("string(.//news:language)", namespaces=ns) == "ar"
    assert url.xpath("string(.//news:name)", namespaces=ns) == SITE_NAME
    assert url.xpath("string(.//news:publication_date)", namespaces=ns)
    assert any(loc.endswith(page(english, "en")) for loc in locs)


def test_the_news_sitemap_names_chinese_as_google_takes_it(web, desk):
    """Google's News sitemap takes an ISO 639 code, except Chinese: ``zh-cn`` or
    ``zh-tw``, never ``zh`` (the page's own address keeps ``/zh/``)."""
    cases = {"zh-Hant": "zh-tw", "zh-TW": "zh-tw", "zh-Hans": "zh-cn", "zh": "zh-cn"}
    for tag in cases:
        publish(desk, ninjs(f"urn:test:web:chinese-{tag}", f"新闻 {tag}", ENGLISH[:1], tag))
    root = etree.fromstring(web.get("/sitemap-news.xml").content)
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "news": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    for tag, expected in cases.items():
        loc = absolute(web, page(f"urn:test:web:chinese-{tag}", "zh"))
        [url] = root.xpath(f"//s:url[s:loc='{loc}']", namespaces=ns)
        assert url.xpath("string(.//news:language)", namespaces=ns) == expected, tag


def test_the_favicon_every_face_links_and_browsers_ask_for(web, seed):
    asked = web.get("/favicon.ico", follow_redirects=False)
    assert asked.status_code == 301 and asked.headers["location"] == "/static/favicon.svg"
    icon = web.get(asked.headers["location"])
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.content.startswith(b"<svg")
    for path in ("/ar/", page(seed["uri"]), "/login"):
        linked = lxml.html.fromstring(web.get(path).text).xpath("//link[@rel='icon']/@href")
        assert linked == ["/static/favicon.svg"], path


def test_robots_txt(web):
    response = web.get("/robots.txt")
    assert response.status_code == 200
    lines = response.text.splitlines()
    for rule in ("Allow: /", "Disallow: /v1/", "Disallow: /portal", "Disallow: /console"):
        assert rule in lines
    assert f"Sitemap: {absolute(web, '/sitemap-news.xml')}" in lines


# --- embargo and withdrawal ---------------------------------------------------------------


def test_an_embargoed_item_does_not_exist_publicly(web, everything, embargoed):
    response = web.get(page(embargoed))
    unknown = web.get(page("urn:test:web:never-published"))
    assert response.status_code == unknown.status_code == 404
    assert response.text == unknown.text  # exactly like an unknown id
    assert response.headers["content-type"].startswith("text/html")
    for path in (
        "/ar/",
        "/feeds/ar.rss",
        "/feeds/ar.atom",
        "/feeds/ar/15000000.rss",
        "/sitemap-news.xml",
    ):
        body = web.get(path).text
        assert "خبر محظور حتى موعده" not in body and quote(embargoed, safe=":@") not in body, path


def test_an_embargoed_item_is_public_at_its_time(web, desk):
    uri = "urn:test:web:short-embargo"
    lift = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    doc = ninjs(uri, "خبر يرفع حظره قريبا", ARABIC_SPORT, "ar")
    receipt = publish(desk, {**doc, "embargoedUntil": rfc3339(lift)})
    assert web.get(page(uri)).status_code == 404
    assert page(uri) not in web.get("/ar/").text
    # The lift is a log entry of its own, the next one: the desk's long poll answers it.
    polled = desk.get("/v1/feed", params={"after": receipt["sequence"], "wait": 20}).json()
    assert [(e["id"], e["kind"]) for e in polled["items"]] == [(uri, "embargo-lift")]
    assert datetime.now(UTC) >= lift
    assert web.get(page(uri)).status_code == 200
    assert page(uri) in web.get("/ar/").text  # lists follow the log


def filed_before_its_lift(desk, uri: str, headline: str) -> datetime:
    """Publish a sport story filed three days ago under an embargo lifted five minutes
    ago; its lift."""
    now = datetime.now(UTC).replace(microsecond=0)
    filed, lift = now - timedelta(days=3), now - timedelta(minutes=5)
    doc = ninjs(uri, headline, ARABIC_SPORT, "ar", subjects=[SPORT])
    publish(
        desk,
        {**doc, "firstCreated": rfc3339(filed), "versionCreated": rfc3339(filed),
         "embargoedUntil": rfc3339(lift)},
    )
    return lift


def test_an_item_filed_days_before_its_embargo_lift_is_news_from_the_lift(web, desk):
    """Filed on Friday under embargo until Monday, a story is published on Monday: the
    News sitemap (the last two days' publications) lists it then, dated by the lift, and
    its page's structured data says so, not the filing time three days earlier."""
    uri = "urn:test:web:weekend-embargo"
    lift = filed_before_its_lift(desk, uri, "تقرير رفع عنه الحظر")
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "news": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    root = etree.fromstring(web.get("/sitemap-news.xml").content)
    loc = absolute(web, page(uri))
    [url] = root.xpath(f"//s:url[s:loc='{loc}']", namespaces=ns)
    assert url.xpath("string(.//news:publication_date)", namespaces=ns) == rfc3339(lift)
    doc_ = html(web.get(page(uri)))
    [ld] = doc_.xpath("//script[@type='application/ld+json']/text()")
    data = json.loads(ld)
    assert data["datePublished"] == rfc3339(lift)
    assert data["dateModified"] >= data["datePublished"]
    assert doc_.xpath("//meta[@property='article:published_time']/@content") == [rfc3339(lift)]


def test_feeds_and_lists_date_an_embargoed_story_by_its_lift(web, desk):
    """A feed reader sorts and shows entries by their dates: a story lifted minutes ago
    is not three days old there, nor on the home page."""
    uri = "urn:test:web:weekend-embargo-feeds"
    lift = filed_before_its_lift(desk, uri, "تقرير آخر رفع عنه الحظر")
    for path in ("/feeds/ar.rss", "/feeds/ar.atom", "/feeds/ar/15000000.atom"):
        parsed = feedparser.parse(web.get(path).content)
        [entry] = [e for e in parsed.entries if e.id == uri]
        lifted = lift.timetuple()[:6]
        assert tuple(entry.published_parsed)[:6] == lifted, path
        assert tuple(entry.updated_parsed)[:6] == lifted, path
    home = html(web.get("/ar/"))
    [when] = home.xpath(f"//li[.//a/@href='{page(uri)}']//time/@datetime")
    assert when == rfc3339(lift)


def dates_everywhere(web, uri: str) -> dict[str, str]:
    """The first-published date the public site gives ``uri``: on its page (JSON-LD and
    its meta), in the News sitemap and in the RSS and Atom feeds."""
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "news": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    doc = html(web.get(page(uri)))
    [ld] = doc.xpath("//script[@type='application/ld+json']/text()")
    [meta] = doc.xpath("//meta[@property='article:published_time']/@content")
    root = etree.fromstring(web.get("/sitemap-news.xml").content)
    [url] = root.xpath(f"//s:url[s:loc='{absolute(web, page(uri))}']", namespaces=ns)
    found = {
        "json-ld": json.loads(ld)["datePublished"],
        "meta": meta,
        "sitemap": url.xpath("string(.//news:publication_date)", namespaces=ns),
    }
    for path in ("/feeds/ar.rss", "/feeds/ar.atom"):
        [entry] = [e for e in feedparser.parse(web.get(path).content).entries if e.id == uri]
        found[path] = rfc3339(datetime(*entry.published_parsed[:6], tzinfo=UTC))
    return found


def test_an_embargo_lifted_early_dates_the_story_from_the_version_without_it(web, desk):
    """Filed two hours ago under an embargo until tomorrow, then sent again an hour ago
    without it: nobody outside the agency could read the first version, so the page, the
    sitemap and the feeds date the story from the second, not from its filing."""
    uri = "urn:test:web:embargo-lifted-early"
    now = datetime.now(UTC).replace(microsecond=0)
    filed, sent = now - timedelta(hours=2), now - timedelta(hours=1)
    doc = ninjs(uri, "خبر رفع حظره مبكرا", ARABIC_SPORT, "ar", subjects=[SPORT])
    times = {"firstCreated": rfc3339(filed), "versionCreated": rfc3339(filed)}
    publish(desk, {**doc, **times, "embargoedUntil": rfc3339(now + timedelta(days=1))})
    assert web.get(page(uri)).status_code == 404
    second = publish(desk, {**doc, **times, "version": 2, "versionCreated": rfc3339(sent)})
    assert second["version"] == 2
    assert set(dates_everywhere(web, uri).values()) == {rfc3339(sent)}
    # Subscribers keep the agency's own times.
    assert desk.get(f"/v1/items/{quote(uri, safe='')}").json()["firstCreated"] == rfc3339(filed)


def test_a_story_corrected_after_its_lift_stays_dated_from_the_lift(web, desk):
    uri = "urn:test:web:corrected-after-lift"
    lift = filed_before_its_lift(desk, uri, "تقرير صحح بعد رفع حظره")
    doc = ninjs(uri, "تقرير صحح بعد رفع حظره", [*ARABIC_SPORT, "تصحيح."], "ar", subjects=[SPORT])
    assert publish(desk, doc)["version"] == 2
    assert set(dates_everywhere(web, uri).values()) == {rfc3339(lift)}


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_a_corrected_story_says_so_in_the_language_feed(web, desk, kind):
    """The public feeds show a story's latest public version under the same id: a
    correction read as a silent edit. Its title begins تصحيح: and a category of IPTC's
    signal scheme says correction, as in subscribers' feeds."""
    uri = f"urn:test:web:corrected-{kind}"
    headline = "المنتخب يصحح نتيجة المباراة"
    publish(desk, ninjs(uri, headline, ARABIC_SPORT, "ar", subjects=[SPORT]))
    previous = {"name": "correction", "rel": "previousVersion", "uri": uri}
    corrected = ninjs(uri, headline, [*ARABIC_SPORT, "تصحيح."], "ar", subjects=[SPORT])
    assert publish(desk, {**corrected, "associations": [previous]})["version"] == 2
    parsed = feedparser.parse(web.get(f"/feeds/ar.{kind}").content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    [entry] = [e for e in parsed.entries if e.id.endswith(uri)]
    assert entry.title == f"تصحيح: {headline}"
    signals = [t.term for t in entry.tags if t.scheme == "http://cv.iptc.org/newscodes/signal/"]
    assert signals == ["correction"]
    assert html(web.get(page(uri))).xpath("string(//h1)") == headline  # the page: as it is


def test_a_withdrawn_item_is_gone(web, desk):
    uri = "urn:test:web:withdrawn"
    headline = "خبر سيسحب بعد نشره"
    publish(desk, ninjs(uri, headline, ARABIC_SPORT, "ar", subjects=[SPORT]))
    assert web.get(page(uri)).status_code == 200
    withdrawn = desk.post(f"/v1/items/{quote(uri, safe='')}/withdraw", json={"reason": "خطأ"})
    assert withdrawn.status_code == 201, withdrawn.text
    response = web.get(page(uri))
    assert response.status_code == 410
    doc = html(response)
    assert doc.get("dir") == "rtl" and "سُحب" in doc.xpath("string(//h1)")
    assert headline not in response.text and ARABIC_SPORT[0] not in response.text
    for path in ("/ar/", "/feeds/ar.rss", "/feeds/ar/15000000.atom", "/sitemap-news.xml"):
        assert headline not in web.get(path).text, path


def test_an_item_withdrawn_under_embargo_never_existed(web, desk):
    uri = "urn:test:web:withdrawn-embargoed"
    lift = datetime.now(UTC) + timedelta(hours=1)
    doc = ninjs(uri, "خبر سحب قبل موعده", ARABIC_SPORT, "ar")
    publish(desk, {**doc, "embargoedUntil": rfc3339(lift)})
    assert desk.post(f"/v1/items/{quote(uri, safe='')}/withdraw", json={"reason": "x"}).is_success
    response = web.get(page(uri))
    assert response.status_code == 404
    assert response.text == web.get(page("urn:test:web:never-published")).text


def test_an_unknown_language_home_and_item_are_html(web):
    assert web.get("/tr/").status_code == 200  # no Turkish items: an empty page
    missing = web.get("/en/news/nothing-here")
    assert missing.status_code == 404 and html(missing).get("lang") == "en"


@pytest.mark.parametrize(
    "path", ["/js/", "/xx/", "/wp", "/feeds/xx.rss", "/feeds/zz/11000000.atom", "/img/subscribe"]
)
def test_a_path_naming_no_language_is_no_page(web, path):
    """No item is ever in ``xx`` (ISO 639 has no such code): its home page, feeds and
    subscribe page are not empty pages a crawler may index, but the 404 page."""
    response = web.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404, path
    assert '<html lang="ar" dir="rtl"' in response.text
    segment = path.split("/")[-2] if path.startswith("/feeds/") else path.split("/")[1]
    assert f'lang="{segment}"' not in response.text


@pytest.mark.parametrize(
    ("code", "name", "direction"),
    [("tr", "Türkçe", "ltr"), ("fr", "Français", "ltr"), ("fa", "فارسی", "rtl"), ("zh", "中文", "ltr")],
)
def test_a_language_page_names_its_language_in_the_menu_as_its_readers_write_it(
    web, code, name, direction
):
    doc = html(web.get(f"/{code}/"))
    [link] = doc.xpath("//nav[@class='langs']//a[@aria-current='page']")
    assert link.text == name and link.get("lang") == code and link.get("dir") == direction


def test_the_menu_offers_the_languages_the_agency_publishes_in(db, web):
    """``public_languages``: by default Arabic and English (and a page's own); an agency
    that publishes in Turkish names it, and /tr/ is on the menu of every page."""
    def menu(client, path: str) -> dict[str, str]:
        doc = html(client.get(path))
        return {a.get("lang"): a.get("href") for a in doc.xpath("//nav[@class='langs']//a")}

    assert set(menu(web, "/en/")) == {"ar", "en"}
    assert set(menu(web, "/tr/")) == {"ar", "en", "tr"}  # a page's own language
    turkish = Server(db, env={"NEWSWIRE_PUBLIC_LANGUAGES": "ar,en,TR"})
    try:
        with turkish.client() as c:
            for path in ("/en/", "/ar/", "/fr/"):
                offered = menu(c, path)
                assert offered["tr"] == "/tr/", (path, offered)
                assert list(offered)[:3] == ["ar", "en", "tr"]
    finally:
        turkish.close()


# --- caching ------------------------------------------------------------------------------


def test_item_page_etag_and_304(web, seed):
    first = web.get(page(seed["uri"]))
    tag = first.headers["etag"]
    assert tag.startswith('"') and not tag.startswith("W/")
    assert "public" in first.headers["cache-control"]
    assert "max-age=" in first.headers["cache-control"]
    again = web.get(page(seed["uri"]), headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag and again.headers["cache-control"]
    other = web.get(page(seed["uri"]), headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.text == first.text


def test_feed_etag_304_and_a_new_item_changes_it(web, desk):
    first = web.get("/feeds/ar.rss")
    tag = first.headers["etag"]
    assert "max-age=" in first.headers["cache-control"]
    assert web.get("/feeds/ar.rss", headers={"If-None-Match": tag}).status_code == 304
    publish(desk, ninjs("urn:test:web:fresh", "خبر جديد للخلاصة", ARABIC_SPORT, "ar"))
    after = web.get("/feeds/ar.rss", headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag
    assert "خبر جديد للخلاصة" in after.text


def test_every_public_answer_has_cache_control(web, everything, seed):
    for path in (
        "/",
        "/ar/",
        "/en/",
        page(seed["uri"]),
        "/feeds/ar.rss",
        "/feeds/en.atom",
        "/sitemap-news.xml",
        "/robots.txt",
        "/subscribe",
        "/static/public.css",
    ):
        response = web.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"].startswith("public"), path
    head = web.head(page(seed["uri"]))
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"]
    home = web.get("/ar/").headers["cache-control"]
    item = web.get(page(seed["uri"])).headers["cache-control"]
    assert _max_age(home) < _max_age(item)


def _max_age(header: str) -> int:
    return next(int(p.split("=")[1]) for p in header.split(", ") if p.startswith("max-age="))


# --- hostile text -------------------------------------------------------------------------


def test_a_hostile_headline_is_escaped_everywhere(web, everything, hostile):
    response = web.get(page(hostile))
    assert response.status_code == 200
    assert "<script>alert" not in response.text and "<!-- end" not in response.text
    doc = html(response)
    assert doc.xpath("string(//h1)") == HOSTILE
    assert doc.xpath("//meta[@property='og:title']/@content") == [HOSTILE]
    assert [s.get("type") for s in doc.xpath("//script")] == ["application/ld+json"]
    [ld] = doc.xpath("//script[@type='application/ld+json']/text()")
    assert json.loads(ld)["headline"] == HOSTILE  # the element was not cut short
    home = web.get("/ar/")
    assert "<script>alert" not in home.text and not html(home).xpath("//script")
    assert HOSTILE in html(home).xpath("//main//bdi/text()")
    for path in ("/feeds/ar.rss", "/feeds/ar.atom", "/feeds/ar/15000000.rss", "/sitemap-news.xml"):
        raw = web.get(path).content
        assert b"<script" not in raw, path
        etree.fromstring(raw)  # still well-formed XML
    titles = [e.title for e in feedparser.parse(web.get("/feeds/ar.atom").content).entries]
    assert any("alert(1)" in t for t in titles)


def test_a_bad_link_outside_the_api_is_a_page_and_the_api_keeps_its_problems(web):
    page = web.get("/ar/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="ar" dir="rtl"' in page.text
    english = web.get("/en/no/such/thing", headers={"Accept": "text/html,*/*"})
    assert english.status_code == 404 and 'lang="en"' in english.text
    for probe in ("/etc/passwd", "/js/app.js", "/wp/wp-login.php"):
        # a crawler's or a scanner's path: no language of "etc", no links to /etc/
        probed = web.get(probe, headers={"Accept": "text/html"})
        assert probed.status_code == 404 and '<html lang="ar" dir="rtl"' in probed.text, probe
        segment = probe.split("/")[1]
        assert f'"/{segment}/"' not in probed.text and f"/feeds/{segment}." not in probed.text
    api = web.get("/v1/no-such-route", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    plain = web.get("/ar/no-such-page")  # no HTML asked for: the problem body
    assert plain.status_code == 404 and plain.json()["status"] == 404
    # one address, two answers by Accept: a shared cache is told so
    assert page.headers["vary"] == plain.headers["vary"] == "Accept"

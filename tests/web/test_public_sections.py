"""A subject's section of the public site, through a real ``newswire serve`` on each store
backend: ``/{lang}/subjects/{topic}`` lists the latest public teasers of an IPTC Media
Topic and of the topics under it in one language (never one under embargo or withdrawn),
headed by the topic's name, right to left in Arabic, with its feeds, its canonical
address and the subscription notice; an empty one says so; an unknown topic is the 404
page; the home page's subject headings and an item's subjects link to it."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import feedparser
import httpx
import lxml.html
import pytest

from newswire import formats
from newswire.api.app import create_app
from newswire.settings import Settings
from newswire.store import open_store
from newswire.web.public.routes import SECTION_ITEMS
from newswire.web.public.visible import paged
from newswire.web.words import UI
from tests.helpers import Server, make_key

NINJS = {"Content-Type": "application/ninjs+json"}
SPORT = {"name": "sport", "literal": "medtop:15000000"}
SPORT_EVENT = {"name": "sport event", "literal": "medtop:20001108"}  # under sport
POLITICS = {"name": "politics", "uri": "http://cv.iptc.org/newscodes/mediatopic/11000000"}
PARAGRAPHS = [
    "فاز المنتخب في المباراة النهائية بهدفين مقابل هدف واحد أمام جمهور كبير.",
    "وهذه الفقرة الأخيرة للمشتركين وحدهم ولا تظهر للجمهور أبدا.",
]
HOSTILE = 'خبر <script>alert(1)</script> & "quotes" <!--'
SECTION = "/ar/subjects/15000000"


def ninjs(uri: str, headline: str, subjects: list[dict], language: str = "ar", **fields) -> dict:
    return {
        "uri": uri,
        "type": "text",
        "language": language,
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "\n\n".join(PARAGRAPHS)}],
        "subjects": subjects,
        **fields,
    }


def page(uri: str, lang: str = "ar") -> str:
    return f"/{lang}/news/{quote(uri, safe=':@')}"


def html(response) -> lxml.html.HtmlElement:
    assert response.headers["content-type"].startswith("text/html"), response.headers
    return lxml.html.fromstring(response.text)


def listed(doc: lxml.html.HtmlElement) -> list[str]:
    """The item pages a section lists, in its order."""
    # A section's teasers are h2s under its h1 (the home page's are h3s under its h2s).
    assert not doc.xpath("//main//ul[@class='teasers']//h3")
    return doc.xpath("//main//ul[@class='teasers']//h2/a/@href")


@pytest.fixture(scope="module")
def server(module_store_url):
    srv = Server(module_store_url)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def desk(server, module_store_url):
    with server.client(make_key(module_store_url, "--scope", "publish", "--name", "DESK")) as c:
        yield c


@pytest.fixture(scope="module")
def web(server):
    with server.client() as c:
        yield c


def publish(desk, doc: dict) -> str:
    response = desk.post("/v1/items", json=doc, headers=NINJS)
    assert response.status_code in (200, 201), response.text
    return doc["uri"]


@pytest.fixture(scope="module")
def items(desk) -> dict[str, str]:
    """A story of each kind a section must list or leave out, by name: their URIs."""
    lift = datetime.now(UTC) + timedelta(hours=1)
    made = {
        "sport": publish(desk, ninjs("urn:test:sec:sport", "المنتخب يفوز بالنهائي", [SPORT])),
        "event": publish(desk, ninjs("urn:test:sec:event", "افتتاح البطولة", [SPORT_EVENT])),
        "politics": publish(desk, ninjs("urn:test:sec:politics", "اجتماع الوزراء", [POLITICS])),
        "english": publish(desk, ninjs("urn:test:sec:en", "The team wins", [SPORT], "en")),
        "hostile": publish(desk, ninjs("urn:test:sec:hostile", HOSTILE, [SPORT])),
        "embargoed": publish(
            desk,
            ninjs(
                "urn:test:sec:embargoed", "خبر رياضي محظور", [SPORT],
                embargoedUntil=lift.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            ),
        ),
        "withdrawn": publish(desk, ninjs("urn:test:sec:withdrawn", "خبر رياضي مسحوب", [SPORT])),
    }
    withdrawn = desk.post(f"/v1/items/{quote(made['withdrawn'], safe='')}/withdraw", json={"reason": "x"})
    assert withdrawn.status_code == 201, withdrawn.text
    return made


def test_a_section_lists_its_subject_and_the_topics_under_it(web, items):
    response = web.get(SECTION)
    assert response.status_code == 200
    doc = html(response)
    assert (doc.get("lang"), doc.get("dir")) == ("ar", "rtl")
    assert doc.xpath("string(//h1)") == "رياضة"
    assert doc.xpath("//h1/@data-subject") == ["medtop:15000000"]
    shown = listed(doc)
    assert page(items["sport"]) in shown
    assert page(items["event"]) in shown  # sport event is under sport
    assert page(items["politics"]) not in shown
    assert page(items["english"], "en") not in shown  # another language's section
    assert PARAGRAPHS[-1] not in response.text  # teasers only
    english = web.get("/en/subjects/15000000")
    doc = html(english)
    assert (doc.get("lang"), doc.get("dir")) == ("en", "ltr")
    assert doc.xpath("string(//h1)") == "sport"
    assert listed(doc) == [page(items["english"], "en")]
    politics = html(web.get("/ar/subjects/11000000"))
    assert listed(politics) == [page(items["politics"])]


@pytest.mark.parametrize(
    ("path", "name", "marked"),
    [
        # The vocabulary names topics in Arabic and English only: a French or Persian
        # page (an Arabic one, for the few topics IPTC has no Arabic name for) shows the
        # English name, said as English, and laid out left to right on a right-to-left page.
        ("/fr/subjects/15000000", "sport", {"lang": "en"}),
        ("/fa/subjects/20001180", "drama (theatre)", {"lang": "en", "dir": "ltr"}),
        ("/ar/subjects/20001361", "cyber warfare", {"lang": "en", "dir": "ltr"}),
        # A German page has the English interface, its heading as the rest of it.
        ("/de/subjects/15000000", "sport", {"lang": "en", "dir": "ltr"}),
        # In the page's own language: nothing to mark.
        ("/ar/subjects/15000000", "رياضة", {}),
        ("/en/subjects/15000000", "sport", {}),
    ],
)
def test_a_topics_name_says_its_language_where_it_is_not_the_pages(web, path, name, marked):
    doc = html(web.get(path))
    [heading] = doc.xpath("//h1")
    assert heading.text_content() == name
    assert {k: v for k, v in heading.attrib.items() if k in ("lang", "dir")} == marked, path
    # The feed links' hidden "sport — " says it as the heading does.
    for hidden in doc.xpath("//main//p[@class='feed']/a/span"):
        assert hidden.text_content() == f"{name} — "
        assert {k: v for k, v in hidden.attrib.items() if k in ("lang", "dir")} == marked, path


def test_a_subtopic_has_a_section_of_its_own(web, items):
    doc = html(web.get("/ar/subjects/20001108"))
    assert doc.xpath("string(//h1)") == "حدث رياضي"
    assert listed(doc) == [page(items["event"])]


def test_a_section_lists_nothing_under_embargo_or_withdrawn(web, items):
    response = web.get(SECTION)
    for name in ("embargoed", "withdrawn"):
        assert page(items[name]) not in listed(html(response)), name
        assert quote(items[name], safe=":@") not in response.text, name
    assert "خبر رياضي محظور" not in response.text
    assert "خبر رياضي مسحوب" not in response.text


def test_an_unknown_topic_or_language_is_the_missing_page(web, items):
    missing = web.get(page("urn:test:sec:never-published"))
    for path in ("/ar/subjects/99999999", "/ar/subjects/medtop:99999999"):
        response = web.get(path)
        assert response.status_code == 404, path
        assert response.text == missing.text, path  # the site's own page, in Arabic
        assert "max-age" in response.headers["cache-control"]
    english = web.get("/en/subjects/99999999")
    assert english.status_code == 404 and html(english).get("lang") == "en"
    for path in ("/xx/subjects/15000000", "/ar/subjects/sport"):
        response = web.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 404, path
        assert '<html lang="ar" dir="rtl"' in response.text, path


def test_a_qcode_address_moves_to_the_section(web, items):
    response = web.get("/ar/subjects/medtop:15000000", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == SECTION


def test_a_section_address_with_a_slash_moves_for_good_keeping_its_query(web, items):
    """A 301 as for the ``medtop:`` form, not Starlette's 307 (a temporary move, which
    search engines index both addresses for)."""
    moves = {
        SECTION + "/": SECTION,
        SECTION + "/?utm_source=feed&x=1": SECTION + "?utm_source=feed&x=1",
        "/ar/subjects/medtop:15000000/": SECTION,  # in one move, not two
        "/ar/subjects/medtop:15000000?x=1": SECTION + "?x=1",
    }
    for path, target in moves.items():
        response = web.get(path, follow_redirects=False)
        assert response.status_code == 301, path
        assert response.headers["location"] == target, path
        assert "max-age" in response.headers["cache-control"], path
    for path in ("/ar/subjects/99999999/", "/xx/subjects/15000000/"):
        response = web.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
        assert response.status_code == 404, path


def test_a_section_has_its_feeds_its_address_and_the_notice(web, items):
    doc = html(web.get(SECTION))
    base = str(web.base_url).rstrip("/")
    assert doc.xpath("//link[@rel='canonical']/@href") == [base + SECTION]
    assert doc.xpath("//meta[@property='og:url']/@content") == [base + SECTION]
    feeds = ["/feeds/ar/15000000.rss", "/feeds/ar/15000000.atom"]
    assert doc.xpath("//link[@rel='alternate']/@href") == feeds
    assert doc.xpath("//main//p[@class='feed']/a/@href") == feeds
    assert "رياضة" in doc.xpath("string(//title)")
    notice = doc.xpath("//aside[contains(@class, 'notice')]")[0]
    assert "اختصار لجزء من الأخبار" in notice.text_content()
    assert "/subscribe" in notice.xpath(".//a/@href")
    assert len(doc.xpath("//h1")) == 1
    # The subject's feed points back at its section.
    feed = feedparser.parse(web.get("/feeds/ar/15000000.rss").content)
    assert feed.feed.link == base + SECTION


def test_the_language_menu_links_the_same_section_in_each_language(web, items):
    """As the home page's menu links the other home pages: a reader of the Arabic sport
    section who picks English reads the English sport section, not the English home."""
    doc = html(web.get(SECTION))
    menu = {a.get("hreflang"): a.get("href") for a in doc.xpath("//nav[@class='langs']//a")}
    assert menu == {"ar": SECTION, "en": "/en/subjects/15000000"}
    assert doc.xpath("//nav[@class='langs']//a[@aria-current='page']/@href") == [SECTION]
    # A language outside the menu's (a French section) is in it, at its own section.
    french = html(web.get("/fr/subjects/20001108"))
    links = french.xpath("//nav[@class='langs']//a/@href")
    assert links == [f"/{lang}/subjects/20001108" for lang in ("ar", "en", "fr")]
    home = html(web.get("/ar/")).xpath("//nav[@class='langs']//a/@href")
    assert home == ["/ar/", "/en/"]  # the home page's menu still links the home pages


def test_a_section_is_cached_like_the_home_page_until_a_new_item(web, desk, items):
    first = web.get(SECTION)
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == web.get("/ar/").headers["cache-control"]
    assert first.headers["content-language"] == "ar"
    assert web.get(SECTION, headers={"If-None-Match": tag}).status_code == 304
    uri = publish(desk, ninjs("urn:test:sec:fresh", "هدف في الدقيقة الأخيرة", [SPORT]))
    after = web.get(SECTION, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag
    assert listed(html(after))[0] == page(uri)  # newest first


def test_an_empty_section_says_so_in_the_readers_language(web, items):
    for lang in ("ar", "en"):
        response = web.get(f"/{lang}/subjects/01000000")  # arts: no story in it
        assert response.status_code == 200, lang
        doc = html(response)
        assert not listed(doc), lang
        assert doc.xpath("string(//main//p[@class='empty'])") == UI[lang]["section_empty"], lang


def test_labels_and_headlines_are_escaped(web, items):
    response = web.get("/en/subjects/20001185")  # the topic IPTC names "r&b"
    assert response.status_code == 200
    doc = html(response)
    assert doc.xpath("string(//h1)") == "r&b"
    assert "r&amp;b" in response.text and "r&b" not in response.text
    hostile = web.get(SECTION)
    assert "<script>alert" not in hostile.text and not html(hostile).xpath("//script")
    assert HOSTILE in html(hostile).xpath("//main//bdi/text()")


def test_the_home_page_and_item_pages_link_to_the_sections(web, items):
    home = html(web.get("/ar/"))
    [heading] = home.xpath("//section/h2[@data-subject='medtop:15000000']")
    assert heading.xpath("a/@href") == [SECTION]
    assert heading.text_content() == "رياضة"  # the heading is still the subject alone
    [english] = html(web.get("/en/")).xpath("//section/h2[@data-subject='medtop:15000000']")
    assert english.xpath("a/@href") == ["/en/subjects/15000000"]
    story = html(web.get(page(items["event"])))
    assert story.xpath("//p[@class='kicker']/a/@href") == ["/ar/subjects/20001108"]
    assert story.xpath("string(//p[@class='kicker']/a)") == "حدث رياضي"
    story = html(web.get(page(items["english"], "en")))
    assert story.xpath("//p[@class='kicker']/a/@href") == ["/en/subjects/15000000"]


def test_an_item_pages_subjects_say_their_language(web, desk, items):
    """An item page's subjects: a Media Topic's English name on a French page is marked
    English (it was marked French, the interface's language); an Arabic name on an Arabic
    page needs nothing; a source's own name for a subject is the item's language, the
    page's, and is not marked either."""
    own = {"name": "Tour de France", "uri": "http://example.com/subjects/tdf"}
    uri = publish(desk, ninjs("urn:test:sec:fr:kicker", "Le Tour", [SPORT, own], "fr"))
    story = html(web.get(page(uri, "fr")))
    [topic] = story.xpath("//p[@class='kicker']/a")
    assert (topic.text_content(), topic.get("lang"), topic.get("dir")) == ("sport", "en", None)
    [named] = story.xpath("//p[@class='kicker']/span")
    assert (named.text_content(), named.get("lang")) == ("Tour de France", None)
    arabic = html(web.get(page(items["event"])))
    assert [a.get("lang") for a in arabic.xpath("//p[@class='kicker']/a")] == [None]


# --- paging: the Spanish sport section, a page and more -------------------------------------

SPANISH = "/es/subjects/15000000"


@pytest.fixture(scope="module")
def spanish(desk) -> list[str]:
    """A page of Spanish sport stories and two more (their URIs, oldest first), with one
    under embargo and one withdrawn among them, which no page lists."""
    lift = datetime.now(UTC) + timedelta(hours=1)
    uris = []
    for n in range(SECTION_ITEMS + 2):
        uris.append(publish(desk, ninjs(f"urn:test:sec:es:{n}", f"Noticia {n}", [SPORT], "es")))
        if n == 1:
            publish(desk, ninjs(
                "urn:test:sec:es:embargoed", "Noticia bajo embargo", [SPORT], "es",
                embargoedUntil=lift.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            ))
            publish(desk, ninjs("urn:test:sec:es:withdrawn", "Noticia retirada", [SPORT], "es"))
            gone = desk.post("/v1/items/urn:test:sec:es:withdrawn/withdraw", json={"reason": "x"})
            assert gone.status_code == 201, gone.text
    return uris


def older_link(doc: lxml.html.HtmlElement) -> str | None:
    """The page's link to its older page: the same in its head and at its foot."""
    head, foot = doc.xpath("//head/link[@rel='next']/@href"), doc.xpath("//main//a[@rel='next']/@href")
    assert head == foot, (head, foot)
    return head[0] if head else None


def test_a_section_pages_to_its_older_stories_by_a_cursor(web, spanish):
    first = web.get(SPANISH)
    doc = html(first)
    newest = [page(uri, "es") for uri in reversed(spanish)]
    assert listed(doc) == newest[:SECTION_ITEMS]
    older = older_link(doc)
    assert older is not None and older.startswith(SPANISH + "?before=")
    assert older.removeprefix(SPANISH + "?before=").isdigit()  # a sequence number, no offset
    [link] = doc.xpath("//main//a[@rel='next']")
    assert link.text_content() == UI["es"]["older"]
    response = web.get(older)
    assert response.status_code == 200
    second = html(response)
    assert listed(second) == newest[SECTION_ITEMS:]  # the rest, none twice, none missed
    # An older page is named as such: its own title, not the first page's.
    # Its language menu marks Spanish as the language, not its link as this page.
    [current] = second.xpath("//nav[@class='langs']//a[@aria-current]")
    assert (current.get("href"), current.get("aria-current")) == (SPANISH, "true")
    title, older_title = doc.findtext(".//title"), second.findtext(".//title")
    assert older_title != title and UI["es"]["older"] in older_title
    assert UI["es"]["older"] not in title
    assert older_link(second) is None  # nothing older
    assert second.xpath("//link[@rel='canonical']/@href") == [str(web.base_url).rstrip("/") + older]
    assert second.xpath("//main//p[@class='pager']/a/@href") == [SPANISH]  # back to the newest
    assert "Noticia bajo embargo" not in response.text and "Noticia retirada" not in response.text
    assert "Noticia bajo embargo" not in first.text and "Noticia retirada" not in first.text
    # Pages beyond the first change when one of their items does: never kept for good.
    control = response.headers["cache-control"]
    assert "max-age" in control and "immutable" not in control
    assert response.headers["etag"] != first.headers["etag"]
    # A section with no more than a page links no older one.
    assert older_link(html(web.get(SECTION))) is None
    assert not html(web.get(SECTION)).xpath("//main//p[@class='pager']")


def test_a_cursor_the_site_never_gave_is_the_missing_page(web, spanish):
    missing = web.get(page("urn:test:sec:never-published", "es"))
    assert missing.status_code == 404
    for cursor in ("abc", "", "0", "-5", "+5", "05", "1e3", "١٢", "5.0", "9" * 19, "9" * 18, "1"):
        response = web.get(SPANISH, params={"before": cursor})
        assert response.status_code == 404, cursor
        assert response.text == missing.text, cursor  # the site's own page, in Spanish
        assert "max-age" in response.headers["cache-control"], cursor
    # A page that is not there matches no tag, not even "*" (RFC 9110): it was a 304.
    for cursor in ("9" * 18, "1", "8" * 18):  # the last one asked for the first time
        asked = web.get(SPANISH, params={"before": cursor}, headers={"If-None-Match": "*"})
        assert asked.status_code == 404, cursor


def test_an_older_page_follows_a_withdrawal_on_it(web, desk, spanish):
    older = older_link(html(web.get(SPANISH)))
    before = web.get(older)
    oldest = spanish[0]
    assert page(oldest, "es") in listed(html(before))
    gone = desk.post(f"/v1/items/{quote(oldest, safe='')}/withdraw", json={"reason": "x"})
    assert gone.status_code == 201, gone.text
    after = web.get(older, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert listed(html(after)) == [page(spanish[1], "es")]
    gone = desk.post(f"/v1/items/{quote(spanish[1], safe='')}/withdraw", json={"reason": "x"})
    assert gone.status_code == 201, gone.text
    assert web.get(older).status_code == 404  # nothing left on it: no page


def test_an_older_page_is_not_kept_in_the_sites_lists(tmp_path):
    """The first page of a section is kept in the site's lists (every reader asks for
    it); a page of a cursor the request chose is made each time and not kept: one kept
    for each number a client makes up would push the pages readers ask for out."""
    url = f"sqlite:///{tmp_path / 'older.db'}"
    store = open_store(url)

    async def asked() -> tuple[int, int, int]:
        app = create_app(Settings(db=url), store)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver"
            ) as client,
        ):
            assert (await client.get(SPANISH)).status_code == 200
            lists = app.state.public_site.lists
            first = lists.misses
            assert (await client.get(SPANISH)).status_code == 200  # kept: not made again
            assert lists.misses == first
            # The 404 page of a cursor no page gives is kept once, for every such cursor.
            assert (await client.get(SPANISH, params={"before": "abc"})).status_code == 404
            again = lists.misses
            for cursor in ("2", "3", "999", "x1"):
                answer = await client.get(SPANISH, params={"before": cursor})
                assert answer.status_code in (200, 404)
            return first, again, lists.misses

    try:
        for n in range(3):
            doc = ninjs(f"urn:test:sec:kept:{n}", f"Noticia {n}", [SPORT], "es")
            store.append(formats.get("ninjs").parse(json.dumps(doc).encode())[0])
        first, again, after = asyncio.run(asked())
        assert first >= 1 and again == first + 1 and after == again
    finally:
        store.close()


def test_a_rare_topics_pages_go_on_past_what_one_page_may_read(store_url):
    """``visible.paged`` with a budget of reads: a page that has read all it may before
    finding its fill shows what it found and gives the cursor to go on from, so every
    story of a topic the language seldom has is on some page (they were out of reach
    past the first page's reads); the last page gives none."""
    store = open_store(store_url)
    try:
        sport = []
        for n in range(12):  # every third a sport story, the others politics
            subjects = [SPORT] if n % 3 == 0 else [{"name": "politics", "literal": "medtop:11000000"}]
            doc = ninjs(f"urn:test:sec:rare:{n}", f"Noticia {n}", subjects, "es")
            store.append(formats.get("ninjs").parse(json.dumps(doc).encode())[0])
            if n % 3 == 0:
                sport.append(f"urn:test:sec:rare:{n}")
        now = datetime.now(UTC)
        pages, before = [], None
        while True:
            found = paged(store, now, language="es", subject="medtop:15000000",
                          limit=3, scan=2, most=4, before=before)
            pages.append([item.id for item in found.items])
            if found.older is None:
                break
            assert before is None or found.older < before  # the cursor only goes down
            before = found.older
        assert [i for page_ids in pages for i in page_ids] == sport[::-1]  # all, once each
        assert all(len(ids) <= 3 for ids in pages) and len(pages) >= 3
    finally:
        store.close()

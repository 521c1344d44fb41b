"""The portal's pages as a subscriber's people see them: the wire, search, the item with
its versions and downloads; entitlement exactly as the API's, teasers never more."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import lxml.html
import pytest

from tests.helpers import make_key, retry_until
from tests.portal.conftest import LAST, PARAGRAPH, PASSWORD, World, login, ninjs

FORMATS = ("ninjs", "ninjs2", "newsml", "nitf", "text")


def item_url(item_id: str) -> str:
    return "/portal/items/" + quote(item_id, safe=":@")


def test_the_wire_lists_entitled_items_newest_first(world: World):
    with world.login("reader@daily.example") as c:
        page = c.get("/portal")
        assert page.status_code == 200
        assert '<html lang="ar" dir="rtl">' in page.text
        html = page.text
        assert world.long_id in html and world.flash_id in html
        assert world.english_id not in html  # not in its products
        assert html.index(world.flash_id) < html.index(world.long_id)  # newest first
        assert LAST not in html
        # The flash item is marked in words, not by colour alone.
        flash_row = html.split(f'data-id="{world.flash_id}"', 1)[0].rsplit("<li", 1)[1]
        flash_row += html.split(f'data-id="{world.flash_id}"', 1)[1].split("</li>", 1)[0]
        assert 'class="entry is-flash"' in flash_row
        assert 'class="badge flash">عاجل جدًا<' in flash_row
        # The stream the page follows starts where the list ends.
        assert re.search(r'data-stream="/portal/stream\?after=\d+"', html)
    with world.login("reader@other.example") as c:
        html = c.get("/portal").text
        assert world.english_id in html and world.long_id not in html


def test_the_wire_filters_by_language_subject_and_urgency(world: World):
    with world.login("editor@agency.example") as c:
        english = c.get("/portal", params={"language": "en"}).text
        assert world.english_id in english and world.long_id not in english
        flash = c.get("/portal", params={"urgency": "1-2"}).text
        assert world.flash_id in flash and world.long_id not in flash
        sport = c.get("/portal", params={"subject": "medtop:15000000"}).text
        assert world.flash_id not in sport and world.long_id not in sport
        assert c.get("/portal", params={"urgency": "0"}).status_code == 400
        assert c.get("/portal", params={"subject": "medtop:99"}).status_code == 400


def test_the_interface_is_english_when_asked(world: World):
    with world.login("reader@daily.example") as c:
        page = c.get("/portal", params={"lang": "en"})
        assert '<html lang="en" dir="ltr">' in page.text and "Live wire" in page.text
        # The choice is kept for the next pages.
        assert '<html lang="en" dir="ltr">' in c.get("/portal/topics").text
        assert '<html lang="ar" dir="rtl">' in c.get("/portal", params={"lang": "ar"}).text


def test_the_item_page_has_the_full_text_versions_and_downloads(world: World):
    with world.login("reader@daily.example") as c:
        page = c.get(item_url(world.long_id))
        assert page.status_code == 200
        assert LAST in page.text  # full access: the whole body
        assert "وصول فرق الإنقاذ" in page.text  # the latest version
        assert f"{item_url(world.long_id)}?version=1" in page.text
        links = re.findall(r'href="[^"]*/download\?format=(\w+)', page.text)
        assert links == ["ninjs", "nitf", "text"]  # daily may use these three only
        # The formats' names are English ("Agency plain text") on the Arabic page: said
        # so, for a screen reader; the page's own words keep the page's language.
        doc = lxml.html.fromstring(page.text)
        downloads = doc.xpath("//section[@aria-labelledby='downloads-heading']//a")
        assert [(a.get("lang"), a.get("dir")) for a in downloads] == [("en", "ltr")] * 3
        old = c.get(item_url(world.long_id), params={"version": 1})
        assert "وصول فرق الإغاثة" in old.text
        assert c.get(item_url(world.english_id)).status_code == 404  # not entitled: not there
        assert c.get(item_url("urn:test:nothing")).status_code == 404


def test_an_item_not_there_is_a_404_page_in_the_readers_language(world: World):
    """The store's "no item 'x'" is English for the API: the reader's page says it in the
    reader's language, and why an item may not be there (embargo, withdrawal)."""
    with world.login("reader@daily.example") as c:
        for path in (item_url("urn:test:nothing"), item_url(world.english_id)):
            arabic = c.get(path)
            assert arabic.status_code == 404 and '<html lang="ar" dir="rtl">' in arabic.text
            assert "هذا الخبر غير موجود" in arabic.text and "no item" not in arabic.text
        version = c.get(item_url(world.long_id), params={"from": 1, "to": 9})
        assert version.status_code == 404 and "لا توجد هذه النسخة" in version.text
        english = c.get(item_url("urn:test:nothing"), params={"lang": "en"})
        assert english.status_code == 404 and "This item does not exist" in english.text


@pytest.mark.any_store
def test_links_back_to_a_page_keep_a_percent_sign_in_its_items_id(world: World):
    """An id may hold a ``%`` (``urn:test:up-5%``: its address says ``5%25``). The page's
    language switch and the login's way back name the page as it was asked for: made from
    the decoded path, they said ``5%`` and led to another item, one not there (404)."""
    item_id = "urn:test:up-5%"
    world.publish(ninjs(item_id, "ارتفاع بنسبة خمسة في المئة", [PARAGRAPH]))
    path = item_url(item_id)
    assert path.endswith("5%25")
    with world.client() as c:
        asked = c.get(path)
        assert asked.status_code == 303
        back_to = unquote(asked.headers["location"].split("next=", 1)[1])
        assert back_to == path
        answer = login(c, "reader@daily.example", PASSWORD, next=back_to)
        assert answer.headers["location"] == path
        page = c.get(path)
        assert page.status_code == 200 and "ارتفاع بنسبة" in page.text
        switch = lxml.html.fromstring(page.text).xpath("//a[@class='switch']/@href")[0]
        assert switch == f"{path}?lang=en"
        english = c.get(switch)
        assert english.status_code == 200 and "ارتفاع بنسبة" in english.text


def test_the_diff_between_versions_shows_the_change(world: World):
    with world.login("reader@daily.example") as c:
        page = c.get(item_url(world.long_id), params={"from": 1, "to": 2})
        assert page.status_code == 200
        assert re.search(r"<del>[^<]*الإغاثة[^<]*</del>", page.text)
        assert re.search(r"<ins>[^<]*الإنقاذ[^<]*</ins>", page.text)
        assert re.search(r"<del>[^<]*الأيام[^<]*</del>", page.text)
        assert re.search(r"<ins>[^<]*الساعات[^<]*</ins>", page.text)
        assert c.get(item_url(world.long_id), params={"from": 1, "to": 9}).status_code == 404


@pytest.mark.parametrize("fmt", ["ninjs", "nitf", "text"])
def test_downloads_render_as_the_api_does(world: World, fmt):
    with world.login("reader@daily.example") as c:
        got = c.get(f"{item_url(world.long_id)}/download", params={"format": fmt})
        assert got.status_code == 200
        assert got.headers["content-disposition"].startswith("attachment; filename=")
        assert got.headers["x-newswire-access"] == "full"
    with world.server.client(world.publish_key) as api:
        same = api.get(f"/v1/items/{world.long_id}", params={"format": fmt})
    assert got.content == same.content
    assert got.headers["content-type"] == same.headers["content-type"]


def test_each_formats_download_has_a_file_name_of_its_own(world: World):
    with world.login("reader@daily.example") as c:
        names = {
            fmt: c.get(f"{item_url(world.long_id)}/download", params={"format": fmt, "version": 2})
            .headers["content-disposition"]
            for fmt in ("ninjs", "nitf", "text")
        }
    assert names["ninjs"] == 'attachment; filename="urn-test-long-v2-ninjs.json"'
    assert names["nitf"] == 'attachment; filename="urn-test-long-v2-nitf.xml"'
    assert names["text"] == 'attachment; filename="urn-test-long-v2-text.txt"'


def test_head_answers_the_pages_as_get_and_a_head_download_is_no_delivery(world: World):
    key = make_key(world.db, "--subscriber", "daily")

    def portal_deliveries() -> int:
        with world.server.client(key) as api:
            usage = api.get("/v1/usage")
        assert usage.status_code == 200, usage.text
        return int(usage.json()["totals"]["channels"].get("portal", 0))

    download = f"{item_url(world.long_id)}/download?format=nitf"
    with world.login("reader@daily.example") as c:
        for path in ("/portal", item_url(world.long_id), "/portal/topics", download):
            got, head = c.get(path), c.head(path)
            assert head.status_code == got.status_code == 200, path
            assert head.content == b"", path
            for name in ("content-type", "content-length", "content-disposition"):
                assert head.headers.get(name) == got.headers.get(name), (path, name)
        before = portal_deliveries()
        assert c.head(download).status_code == 200
        assert portal_deliveries() == before
        assert c.get(download).status_code == 200
        assert portal_deliveries() == before + 1


def test_a_format_the_subscriber_may_not_use_is_403(world: World):
    with world.login("reader@daily.example") as c:
        refused = c.get(f"{item_url(world.long_id)}/download", params={"format": "newsml"})
        assert refused.status_code == 403
        assert "text/html" in refused.headers["content-type"]


def test_a_teaser_only_account_never_sees_the_last_paragraph(world: World):
    with world.login("reader@teasers.example") as c:
        pages = [
            c.get("/portal"),
            c.get(item_url(world.long_id)),
            c.get(item_url(world.long_id), params={"version": 1}),
            c.get(item_url(world.long_id), params={"from": 1, "to": 2}),
            c.get(item_url(world.long_id), params={"from": 2, "to": 1}),
            c.get("/portal/search", params={"q": "المساعدات"}),
        ]
        pages += [
            c.get(f"{item_url(world.long_id)}/download", params={"format": f, "version": v})
            for f in FORMATS
            for v in (1, 2)
        ]
        for page in pages:
            assert page.status_code == 200, page.url
            assert LAST not in page.text, page.url
        item = pages[1].text
        assert "يتيح لك اشتراكك موجز هذا الخبر" in item  # it says it is a teaser
        assert "<del>" in pages[3].text or "<ins>" in pages[3].text
        assert pages[-len(FORMATS) * 2].headers["x-newswire-access"] == "teaser"
        assert "<mark>" in pages[5].text  # the teaser is searched
        last = c.get("/portal/search", params={"q": LAST})  # the last paragraph is not
        assert "<mark>" not in last.text and world.long_id not in last.text


def test_search_marks_the_matched_words(world: World):
    with world.login("reader@daily.example") as c:
        page = c.get("/portal/search", params={"q": "المساعدات"})
        assert page.status_code == 200
        assert re.search(r"<mark>[^<]*مساعدات[^<]*</mark>", page.text)
        assert world.long_id in page.text
        found = c.get("/portal/search", params={"q": LAST})
        assert "<mark>" in found.text  # full access: the last paragraph is searched
        english = c.get("/portal/search", params={"q": "convoys"})
        assert world.english_id not in english.text  # not in its products
        bad = c.get("/portal/search", params={"q": "-المساعدات"})
        assert bad.status_code == 400 and 'class="error"' in bad.text
        # In the reader's language, not the engine's English for the API; the words kept.
        for q in ("-المساعدات", '"', "OR"):
            bad = c.get("/portal/search", params={"q": q})
            assert bad.status_code == 400 and "تعذّر البحث بهذه الكلمات" in bad.text, q
            assert "query" not in bad.text.split('class="error"')[1][:300], q
        assert 'value="-المساعدات"' in c.get("/portal/search", params={"q": "-المساعدات"}).text
        # A query too long says the limit it is over, not only the rules it keeps.
        long = c.get("/portal/search", params={"q": "المساعدات " + "ا" * 1000})
        assert long.status_code == 400 and "1000 حرف على الأكثر" in long.text
        # Markup in a query is text on the page, never HTML.
        odd = c.get("/portal/search", params={"q": '<script>alert(1)</script>'})
        assert "<script>alert(1)" not in odd.text
        # A page number out of range is the portal's error page naming it, not the
        # API's JSON problem.
        for page in ("0", "abc", "501"):
            bad = c.get("/portal/search", params={"q": "المساعدات", "page": page})
            assert bad.status_code == 400, page
            assert bad.headers["content-type"].startswith("text/html"), page
            # In the page's language, not the API's English sentence.
            assert '<p class="error" lang="ar" dir="rtl">رقم الصفحة غير صالح.' in bad.text, page
        # So does a filter of the wire that cannot be used.
        bad = c.get("/portal", params={"subject": "garbage"})
        assert bad.status_code == 400 and "ليس هذا موضوعًا من موضوعات IPTC" in bad.text
        assert "is not an IPTC" not in bad.text
        # A page past the last result says so and leads to the last page that has some.
        past = lxml.html.fromstring(
            c.get("/portal/search", params={"q": "المساعدات", "page": "99"}).text
        )
        [said] = past.xpath("//main//p[@class='empty']")
        assert "لا نتائج في الصفحة 99" in said.text_content()
        [link] = said.xpath("a")
        back = c.get(f"/portal/search{link.get('href')}")
        assert world.long_id in back.text and "<mark>" in back.text
        # One page of results: no empty "pages" landmark for a screen reader to land in.
        one = lxml.html.fromstring(back.text)
        assert one.xpath("//ol[@class='hits']") and not one.xpath("//nav[@class='pages']")


def test_an_item_under_embargo_is_nowhere_for_a_subscriber_without_early_delivery(world: World):
    doc = ninjs("urn:test:embargoed", "خبر محظور النشر", ["نص محظور."])
    doc["embargoedUntil"] = "2099-01-01T00:00:00Z"
    world.publish(doc)
    with world.login("reader@daily.example") as c:
        assert "urn:test:embargoed" not in c.get("/portal").text
        assert c.get(item_url("urn:test:embargoed")).status_code == 404
        download = c.get(f"{item_url('urn:test:embargoed')}/download", params={"format": "ninjs"})
        assert download.status_code == 404
    with world.login("editor@agency.example") as c:  # the agency sees it, marked
        page = c.get(item_url("urn:test:embargoed"))
        assert page.status_code == 200 and 'class="badge embargoed"' in page.text


def test_an_items_text_takes_its_languages_direction_not_its_first_letters(world: World):
    """An Arabic headline or paragraph starting with a Latin name (``"GM" تكشف …``,
    ``(CNN)-- …``) is still right to left: ``dir="auto"`` would read its first letter and
    set it left to right, the name first on the left, the Arabic after it."""
    doc = ninjs(
        "urn:test:latin-first",
        '"GM" تكشف عن شاحنة بتقنية عالية',
        ["(CNN)-- كشفت شركة جنرال موتورز عن شاحنة جديدة زلزالية."],
        urgency=4,
    )
    item_id = world.publish(doc)["id"]
    rtl = re.compile(r'lang="ar" dir="rtl">(?:&#34;|&quot;|")?(?:<mark>)?GM')
    with world.login("reader@daily.example") as c:
        wire = c.get("/portal").text
        assert rtl.search(wire), "the wire"
        found = retry_until(
            lambda: (text := c.get("/portal/search", params={"q": "GM"}).text)
            and quote(item_id, safe=":@") in text
            and text,
            "the index to take the item in",
        )
        assert rtl.search(found), "search"
        assert '<p class="snippet" lang="ar" dir="rtl">(CNN)' in found
        page = c.get(item_url(item_id)).text
        assert re.search(r'<article class="item" lang="ar" dir="rtl">', page), "the item"
        assert 'dir="auto"' not in page.split("<article", 1)[1].split("</article>", 1)[0]
    with world.login("reader@other.example") as c:
        english = c.get("/portal").text  # an English item on the Arabic interface
        assert re.search(r'lang="en" dir="ltr">Aid convoys', english)


def test_each_page_has_the_structure_a_screen_reader_and_a_keyboard_walk(world: World):
    """The wire, an item, search, topics, an error page and the login form, in Arabic: the
    page's language and direction, one h1, a main landmark the skip link reaches, every
    field with its label, every picture with alt text; an error the API says in English
    is said to be English."""
    with world.login("reader@daily.example") as c:
        paths = ["/portal", item_url(world.long_id), "/portal/search?q=المساعدات",
                 "/portal/topics", "/portal?urgency=zz"]
        pages = [(p, c.get(p)) for p in paths]
    with world.client() as anonymous:
        pages.append(("/login", anonymous.get("/login")))
    for path, answer in pages:
        doc = lxml.html.fromstring(answer.text)
        assert (doc.get("lang"), doc.get("dir")) == ("ar", "rtl"), path
        assert len(doc.xpath("//h1")) == 1 and len(doc.xpath("//main")) == 1, path
        [skip] = doc.xpath("//a[@class='skip']")
        assert doc.xpath("//*[@id=$id]", id=skip.get("href")[1:]) == doc.xpath("//main"), path
        labelled = set(doc.xpath("//label/@for"))
        for field in doc.xpath("//input[not(@type='hidden')] | //select | //textarea"):
            assert field.get("id") in labelled, (path, field.get("name"))
        assert all(img.get("alt") is not None for img in doc.xpath("//img")), path
    path, bad = pages[4]
    assert bad.status_code == 400
    [said] = lxml.html.fromstring(bad.text).xpath("//main//p[@class='error']")
    assert "urgency" in said.text_content()
    assert (said.get("lang"), said.get("dir")) == ("en", "ltr")

"""The three faces in a real browser (Debian's Chromium, Playwright): the public site, the
subscriber portal and the editor console, Arabic first, each page checked by axe-core
(no serious or critical violation), screenshots of each face in docs/screenshots/."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from tests.browser.conftest import assert_accessible, screenshot
from tests.conftest import SEED
from tests.helpers import Server, cli, make_key, retry_until

# What a browser shows and does does not depend on the store: the pages, their live parts
# and their accessibility are checked on both stores without a browser (tests/web,
# tests/portal, tests/console).
pytestmark = pytest.mark.any_store

PASSWORD = "correct-horse-battery"
SEED_TEXT = SEED.read_text(encoding="utf-8")
# The seed's paragraphs: its last one says the public page is a shortened part.
PARAGRAPHS = [p.strip() for p in SEED_TEXT.split("\n") if p.strip()]
LAST_PARAGRAPH = PARAGRAPHS[-1]


@pytest.fixture(scope="module")
def world(module_store_url):
    db = module_store_url
    cli(db, "product", "add", "ar-full", "--access", "full", "--lang", "ar")
    cli(db, "product", "add", "ar-teaser", "--access", "teaser", "--lang", "ar")
    cli(db, "subscriber", "add", "daily", "--product", "ar-full")
    cli(db, "subscriber", "add", "portal-teaser", "--product", "ar-teaser")
    for email, args in (
        ("reader@daily.example", ("--subscriber", "daily")),
        ("reader@teaser.example", ("--subscriber", "portal-teaser")),
        ("editor@agency.example", ("--scope", "publish")),
    ):
        cli(db, "account", "add", email, *args, "--password-stdin", input=PASSWORD.encode())
    desk = make_key(db, "--scope", "publish", "--name", "DESK")
    server = Server(db)
    with server.client(desk) as c:
        made = c.post("/v1/items", content=SEED.read_bytes(), headers={"Content-Type": "text/plain"})
        assert made.status_code in (200, 201), made.text
    seed_id = made.json()["id"]
    # The index takes it in a moment later, and says so to nobody: ask until it finds it.
    with server.client(desk) as c:
        retry_until(
            lambda: c.get("/v1/search", params={"q": "المساعدات"}).json().get("total"),
            "the search index to take the seed in",
        )
    yield {"db": db, "server": server, "desk": desk, "seed": seed_id}
    server.close()


def log_in(page, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={quote(next_path)}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base + next_path.split("?")[0]) + ".*"))


def public_path(item_id: str) -> str:
    return f"/ar/news/{quote(item_id, safe=':@')}"


def test_the_seed_public_page_is_rtl_with_the_teaser_and_the_notice(world, page):
    base = world["server"].url
    page.goto(base + public_path(world["seed"]))
    html = page.locator("html")
    assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
    text = page.inner_text("body")
    assert "رئيس الاستخبارات التركي يلتقي وفدا من حماس" in text
    assert PARAGRAPHS[4][:40] in text  # the first paragraph of the body: in the teaser
    assert LAST_PARAGRAPH[:60] not in text  # never the whole story
    assert page.locator("a[href*='subscribe']").count() >= 1  # the notice links to it
    # Right to left as laid out, not only as declared.
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert_accessible(page)
    screenshot(page, "public-item-ar")
    page.goto(base + "/ar/")
    assert page.locator(f"a[href='{public_path(world['seed'])}']").count() >= 1
    assert_accessible(page)
    page.goto(base + "/ar/subjects/11000000")  # a subject's section
    assert page.locator("h1").inner_text() == "سياسة"
    assert_accessible(page)
    page.goto(base + "/subscribe")
    assert_accessible(page)


def test_a_portal_user_sees_a_new_item_appear_without_reloading(world, page):
    base = world["server"].url
    log_in(page, base, "reader@daily.example", "/portal")
    page.wait_for_function("() => document.querySelector('#wire') !== null")
    # The page says it is live once its EventSource is open: the server has registered
    # the stream by then, so what is published next reaches it.
    page.wait_for_function(
        "() => document.getElementById('live-status').textContent"
        " === document.getElementById('portal-words').dataset.live"
    )
    marker = page.evaluate("() => (window.__marker = Math.random())")
    headline = "عاجل: وصول قافلة مساعدات جديدة إلى المدينة"
    doc = {
        "uri": "urn:test:browser:live",
        "language": "ar",
        "urgency": 1,
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "وصلت القافلة صباح اليوم."}],
    }
    with world["server"].client(world["desk"]) as c:
        assert c.post("/v1/items", json=doc, headers={"Content-Type": "application/ninjs+json"}).status_code == 201
    page.wait_for_selector(f"#wire li:has-text('{headline}')")
    assert page.evaluate("() => window.__marker") == marker  # the same page: no reload
    first = page.locator("#wire li").first
    assert headline in first.inner_text()
    assert "is-flash" in (first.get_attribute("class") or "")
    assert_accessible(page)
    screenshot(page, "portal-wire-ar")


def test_a_portal_user_sees_an_update_marked_as_such_not_as_new(world, page):
    base = world["server"].url
    log_in(page, base, "reader@daily.example", "/portal")
    page.wait_for_function(
        "() => document.getElementById('live-status').textContent"
        " === document.getElementById('portal-words').dataset.live"
    )
    doc = {
        "uri": "urn:test:browser:updated",
        "language": "ar",
        "headlines": [{"role": "main", "value": "انقطاع الكهرباء عن أحياء في المدينة"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "انقطعت الكهرباء."}],
    }
    with world["server"].client(world["desk"]) as c:
        headers = {"Content-Type": "application/ninjs+json"}
        assert c.post("/v1/items", json=doc, headers=headers).status_code == 201
        page.wait_for_selector("#wire li[data-id='urn:test:browser:updated'] .badge.new")
        doc["headlines"][0]["value"] = "عودة الكهرباء إلى أحياء المدينة"
        assert c.post("/v1/items", json=doc, headers=headers).json()["version"] == 2
    row = page.locator("#wire li[data-id='urn:test:browser:updated']:has-text('عودة الكهرباء')")
    row.wait_for()
    assert row.locator(".badge.signal").inner_text() == "تحديث"
    assert row.locator(".badge.new").count() == 0
    assert page.locator("#wire li[data-id='urn:test:browser:updated']").count() == 1
    assert_accessible(page)


def test_portal_search_highlights_the_word(world, page):
    base = world["server"].url
    log_in(page, base, "reader@daily.example", "/portal")
    page.goto(f"{base}/portal/search?q={quote('المساعدات')}")
    marks = page.locator("mark").all_inner_texts()
    assert "المساعدات" in marks
    assert page.locator(f"a[href*='{quote(world['seed'], safe='')}'], a[href*='{world['seed']}']").count() >= 1
    assert_accessible(page)
    screenshot(page, "portal-search-ar")


def test_a_teaser_only_portal_never_shows_a_full_body(world, page):
    base = world["server"].url
    log_in(page, base, "reader@teaser.example", "/portal")
    pages = ["/portal", f"/portal/search?q={quote('المساعدات')}"]
    page.goto(base + "/portal")
    links = page.locator("#wire li a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    pages += [h for h in links if h and h.startswith("/portal/items/")]
    assert len(pages) > 2
    for path in pages:
        page.goto(base + path)
        assert LAST_PARAGRAPH[:60] not in page.inner_text("body"), path
        assert_accessible(page)


def test_an_editor_publishes_in_the_console_and_the_public_page_appears(world, page):
    base = world["server"].url
    log_in(page, base, "editor@agency.example", "/console")
    assert_accessible(page)
    screenshot(page, "console-ar")
    text = (
        "تدشين جسر جديد فوق النهر في العاصمة\n"
        "افتتحت السلطات جسرا جديدا يربط ضفتي النهر.\n\n"
        "بغداد/ الأناضول\n\n"
        "افتتحت السلطات المحلية اليوم جسرا جديدا يربط ضفتي النهر في قلب العاصمة.\n\n"
        "وقال المسؤولون إن الجسر سيخفف الازدحام المروري في المدينة.\n"
    )
    textarea = page.locator("textarea").first
    textarea.fill(text)
    page.locator("button[value=publish], button[name=action][value=publish], button:has-text('نشر')").first.click()
    page.wait_for_load_state("load")
    assert "/console/items/" in page.url, page.url
    public = page.locator("a[href^='/ar/news/']").first.get_attribute("href")
    page.goto(base + public)
    assert "تدشين جسر جديد فوق النهر في العاصمة" in page.inner_text("h1")
    assert_accessible(page)


def test_json_ld_is_a_news_article(world, page):
    page.goto(world["server"].url + public_path(world["seed"]))
    blocks = page.locator("script[type='application/ld+json']").all_inner_texts()
    kinds = [json.loads(b).get("@type") for b in blocks]
    assert "NewsArticle" in kinds


def test_every_other_page_passes_axe(world, page):
    """The pages the scenarios above do not visit: login, topics, the console's item and
    edit pages, an English page, the 404 and 410 pages."""
    base = world["server"].url
    desk = world["desk"]
    doc = {
        "uri": "urn:test:browser:gone",
        "language": "ar",
        "headlines": [{"role": "main", "value": "خبر سيسحب"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "نص قصير."}],
    }
    with world["server"].client(desk) as c:
        assert c.post("/v1/items", json=doc, headers={"Content-Type": "application/ninjs+json"}).status_code == 201
        gone = c.post("/v1/items/urn:test:browser:gone/withdraw", json={"reason": "خطأ"})
        assert gone.status_code == 201
    checked = []

    def visit(path: str, status: int = 200) -> None:
        response = page.goto(base + path)
        assert response.status == status, (path, response.status)
        assert_accessible(page)
        checked.append(path)

    visit("/login")
    visit("/en/")
    visit("/ar/news/urn:test:nothing", 404)
    visit(public_path("urn:test:browser:gone"), 410)
    log_in(page, base, "reader@daily.example", "/portal/topics")
    visit("/portal/topics")
    visit(f"/portal/items/{quote(world['seed'], safe='')}")
    visit("/portal?lang=en")
    page.context.clear_cookies()
    log_in(page, base, "editor@agency.example", "/console")
    item = f"/console/items/{quote(world['seed'], safe='')}"
    visit(item)
    visit(f"{item}/edit?signal=correction")
    assert len(checked) == 9

"""The faces on a phone (390 CSS pixels wide, as an iPhone 14 held upright), Arabic
first: nothing is wider than the screen, so a reader never scrolls sideways to read a
caption or its credit."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, axe_violations
from tests.browser.test_faces import PASSWORD, log_in, public_path
from tests.helpers import Server, cli, make_key
from tests.media.files import picture

# Layout does not depend on the store.
pytestmark = pytest.mark.any_store

PHONE = {"width": 390, "height": 844}
# Longer than any line of a phone: a photographer's name, the agency, the pool it came
# through (a credit set over the API or in XMP has no IPTC length limit).
CREDIT = "Mustafa Kaya / Anadolu Agency via Getty Images Editorial Pool"
PHOTO = "urn:test:phone:photo"
EDITOR = "editor@agency.example"

# Every element's box against the page's width: what sticks out on either side.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => { const b = e.getBoundingClientRect();
                   return b.width > 0 && (b.right > width + 1 || b.left < -1); })
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
}"""


@pytest.fixture(scope="module")
def server(module_store_url, tmp_path_factory):
    db = module_store_url
    cli(db, "account", "add", EDITOR, "--scope", "publish", "--password-stdin",
        input=PASSWORD.encode())
    server = Server(db)
    server.store_url = db  # the long-word test publishes one more item
    photo = picture(tmp_path_factory.mktemp("phone") / "p.jpg", 4000, 3000).read_bytes()
    with server.client(make_key(db, "--scope", "publish", "--name", "DESK")) as c:
        posted = c.post("/v1/items", content=photo, headers={"Content-Type": "image/jpeg"},
                        params={"id": PHOTO, "lang": "ar", "caption": "متظاهرون في إسطنبول",
                                "credit": CREDIT})
        assert posted.status_code == 201, posted.text
    yield server
    server.close()


def test_a_long_latin_credit_wraps_inside_a_phone_screen(server, page):
    page.set_viewport_size(PHONE)
    page.goto(server.url + public_path(PHOTO))
    credit = page.locator("figure .credit")
    assert CREDIT in credit.inner_text()
    assert page.evaluate(OVERFLOW) == []
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    # Wrapped, it still reads as one credit: right to left from its label, the Latin
    # name isolated in it.
    assert credit.evaluate("c => getComputedStyle(c).direction") == "rtl"
    assert credit.locator("bdi").inner_text() == CREDIT
    assert_accessible(page)


def test_a_pictures_console_page_fits_a_phone(server, page):
    """The renditions' table (name, type, size, bytes: none of them breaks) is wider than
    a phone's column: it scrolls in its own box, reached by the keyboard, and the page
    stays as wide as the screen."""
    page.set_viewport_size(PHONE)
    # 4000×3000 and a size in the tens of thousands of bytes: the widest cells a camera gives.
    log_in(page, server.url, EDITOR, "/console/items/" + PHOTO)
    assert page.locator("section.renditions table tbody tr").count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    box = page.locator("section.renditions").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.locator("section.renditions").evaluate("s => s.scrollWidth > s.clientWidth")
    # Each region once, by its own name: no box of the same name wrapped in it.
    found = axe_violations(page, ("moderate", "serious", "critical"))
    assert not found, [(v["id"], [n["target"] for n in v["nodes"]]) for v in found]


LONG_WORD = "ا" * 600  # a headline typed without a space (the form takes 2,000 characters)


def test_a_word_longer_than_the_line_breaks_inside_the_screen(server, page):
    # One such headline made the Arabic home page, the portal's wire and the console
    # some 17,000 pixels wide, and the screen showed white.
    with server.client(make_key(server.store_url, "--scope", "publish", "--name", "DESK2")) as c:
        made = c.post("/v1/items", json={
            "uri": "urn:test:phone:long", "language": "ar", "headlines": [{"value": LONG_WORD}],
            "bodies": [{"role": "main", "contentType": "text/plain",
                        "value": "فقرة أولى من الخبر.\n\nفقرة ثانية من الخبر."}],
        }, headers={"Content-Type": "application/ninjs+json"})
        assert made.status_code == 201, made.text
    page.set_viewport_size(PHONE)
    for path in ("/ar/", public_path("urn:test:phone:long")):
        page.goto(server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"], path
    log_in(page, server.url, EDITOR, "/console")
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]

"""Pictures in a real browser: a story's public page with its picture (a ``<figure>``
whose preview loads through its signed link) and the portal's gallery, each checked by
axe-core; a screenshot of the public page in docs/screenshots/."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_faces import PASSWORD, log_in
from tests.helpers import Server, cli, make_key
from tests.media.ingest import ARABIC, desk_photo
from tests.portal.conftest import PARAGRAPH

# What is checked here does not depend on the store: SQLite alone (tests/conftest.py).
pytestmark = pytest.mark.any_store

PHOTO = "urn:test:browser:photo"
STORY = "urn:test:browser:story"


@pytest.fixture(scope="module")
def world(module_store_url, tmp_path_factory):
    db = module_store_url
    cli(db, "product", "add", "ar-full", "--access", "full", "--lang", "ar")
    cli(db, "subscriber", "add", "daily", "--product", "ar-full")
    cli(db, "account", "add", "reader@daily.example", "--subscriber", "daily",
        "--password-stdin", input=PASSWORD.encode())
    server = Server(db)
    photo = desk_photo(tmp_path_factory.mktemp("photo") / "p.jpg").read_bytes()
    with server.client(make_key(db, "--scope", "publish", "--name", "DESK")) as c:
        posted = c.post("/v1/items", content=photo, params={"id": PHOTO},
                        headers={"Content-Type": "image/jpeg"})
        assert posted.status_code == 201, posted.text
        made = c.post("/v1/items", json={
            "uri": STORY, "type": "text", "language": "ar",
            "headlines": [{"role": "main", "value": ARABIC["headline"]}],
            "bodies": [{"role": "main", "contentType": "text/plain",
                        "value": "\n\n".join([PARAGRAPH] * 3)}],
            "associations": [{"name": "featuremedia", "uri": PHOTO, "type": "picture"}],
        }, headers={"Content-Type": "application/ninjs+json"})
        assert made.status_code == 201, made.text
    server.desk = make_key(db, "--scope", "publish", "--name", "DESK2")
    yield server
    server.close()


def test_a_story_page_shows_its_picture_and_passes_axe(world, page):
    page.goto(f"{world.url}/ar/news/{quote(STORY, safe=':@')}")
    figure = page.locator("article figure")
    assert figure.count() == 1
    page.wait_for_function(
        "() => { const i = document.querySelector('article figure img');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    assert page.eval_on_selector("article figure img", "i => i.naturalWidth") == 640
    assert ARABIC["caption"] in figure.inner_text()
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert_accessible(page)
    screenshot(page, "public-item-picture-ar")


def test_the_portal_gallery_passes_axe(world, page):
    log_in(page, world.url, "reader@daily.example", "/portal/items/" + quote(STORY, safe=":@"))
    assert page.locator("section.gallery figure img").count() == 1
    page.wait_for_function(
        "() => { const i = document.querySelector('section.gallery img');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    assert page.locator("section.gallery a[data-rendition]").count() == 4
    assert_accessible(page)
    page.goto(world.url + "/portal")
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.thumb')].length === 2"
        " && [...document.querySelectorAll('img.thumb')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert_accessible(page)


def test_a_story_arriving_on_the_live_wire_shows_its_thumbnail(world, page):
    log_in(page, world.url, "reader@daily.example", "/portal")
    page.wait_for_function(
        "() => document.getElementById('live-status').textContent"
        " === document.getElementById('portal-words').dataset.live"
    )
    live = "urn:test:browser:live-picture"
    with world.client(world.desk) as c:
        made = c.post("/v1/items", json={
            "uri": live, "type": "text", "language": "ar",
            "headlines": [{"role": "main", "value": "صورة تصل على الشريط الحي"}],
            "bodies": [{"role": "main", "contentType": "text/plain", "value": PARAGRAPH}],
            "associations": [{"name": "featuremedia", "uri": PHOTO, "type": "picture"}],
        }, headers={"Content-Type": "application/ninjs+json"})
        assert made.status_code == 201, made.text
    row = f"#wire li[data-id='{live}']"
    page.wait_for_selector(f"{row} img.thumb")
    page.wait_for_function(
        f"() => {{ const i = document.querySelector(\"{row} img.thumb\");"
        " return i.complete && i.naturalWidth > 0; }"
    )
    assert "has-thumb" in page.get_attribute(row, "class")
    assert page.get_attribute(f"{row} img.thumb", "alt") == ARABIC["caption"]
    assert page.get_attribute(f"{row} img.thumb", "lang") == "ar"  # the caption's, as the page's
    assert page.eval_on_selector(f"{row} img.thumb", "i => i.naturalWidth") == 200
    assert_accessible(page)

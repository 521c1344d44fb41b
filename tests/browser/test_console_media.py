"""The console's pictures in a real browser: the upload page, and a picture's page after
an upload, Arabic first, each passing axe; its screenshot in docs/screenshots/."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_faces import log_in, world  # noqa: F401  (a fixture)
from tests.media.conftest import media_tools  # noqa: F401  (a fixture)
from tests.media.ingest import ARABIC, desk_photo

pytestmark = [pytest.mark.any_store, pytest.mark.usefixtures("media_tools")]


def test_an_editor_uploads_a_photo_and_sees_it_on_its_page(world, page, tmp_path):  # noqa: F811
    base = world["server"].url
    log_in(page, base, "editor@agency.example", "/console/upload")
    assert_accessible(page)
    photo = desk_photo(tmp_path / "ankara.jpg")
    page.set_input_files("#f-file", str(photo))
    page.fill("#f-credit", "وكالة الأناضول")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base) + r"/console/items/.*"))
    assert ARABIC["headline"] in page.inner_text("h1")
    image = page.locator("#media-preview img")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert_accessible(page)
    screenshot(page, "console-picture-ar")

"""The API's pages (``/docs``, ``/redoc``) in a real browser under their own security
policy, on a network with nothing but newswire: they draw the operations, a subscriber
can authorise with a key and try one, and no request leaves the server."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.helpers import Server, make_key

# What is checked here does not depend on the store: SQLite alone (tests/conftest.py).
pytestmark = pytest.mark.any_store


@pytest.fixture(scope="module")
def docs_server(module_store_url):
    server = Server(module_store_url)
    yield server, make_key(module_store_url, "--scope", "admin", "--name", "DOCS")
    server.close()


@pytest.fixture
def strict_page(browser):
    """A page that keeps the server's Content-Security-Policy (the faces' tests bypass it
    to inject axe-core). Kept on it: the errors its scripts met (an image the policy
    refused aside: ReDoc's sidebar asks its maker's site for a logo, which may not leave
    the server and is not needed), and the requests that were answered."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.refused = []  # type: ignore[attr-defined]
    page.asked = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda m: m.type == "error"
        and not re.match(r"(Refused to load|Loading) the image", m.text)
        and page.refused.append(m.text),
    )
    page.on("pageerror", lambda e: page.refused.append(str(e)))
    page.on("requestfinished", lambda r: page.asked.append(r.url))
    yield page
    context.close()


def only_newswire(page, base: str) -> None:
    host = urlsplit(base).netloc
    away = [url for url in page.asked if urlsplit(url.removeprefix("blob:")).netloc != host]
    assert not [url for url in away if not url.startswith("data:")], away
    assert not page.refused, page.refused


def test_swagger_ui_draws_the_operations_and_tries_one_with_a_key(docs_server, strict_page):
    server, key = docs_server
    page = strict_page
    page.goto(server.url + "/docs")
    page.wait_for_selector(".opblock-summary-path[data-path='/v1/admin/products']")
    page.click("button.authorize")
    page.fill(".auth-container input", key)
    page.click(".auth-btn-wrapper button.authorize")
    page.click(".modal-ux .btn-done, .modal-ux button.close-modal")
    block = page.locator(".opblock-get", has=page.locator("[data-path='/v1/admin/products']"))
    block.locator(".opblock-summary").first.click()
    block.locator("button.try-out__btn").click()
    block.locator("button.execute").click()
    status = block.locator(".live-responses-table tbody .response-col_status")
    status.first.wait_for()
    assert status.first.inner_text().strip() == "200"
    assert "application/json" in block.locator(".live-responses-table tbody").inner_text()
    only_newswire(page, server.url)


def test_redoc_draws_the_operations(docs_server, strict_page):
    server, _ = docs_server
    page = strict_page
    page.goto(server.url + "/redoc")
    page.wait_for_selector("[data-section-id^='tag/'], [data-section-id^='operation/']")
    assert "/v1/feed" in page.inner_text("body")
    only_newswire(page, server.url)

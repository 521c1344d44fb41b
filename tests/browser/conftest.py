"""A real browser for the web tests: Debian's Chromium driven by Playwright, axe-core
injected to check accessibility, screenshots written to docs/screenshots/.

``scripts/services.sh chromium axe`` installs what is missing (``make test`` runs it
first; the fixture runs it too, so a lone ``pytest tests/browser`` works).
"""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.helpers import services

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
# As the machine's notes say: without the background-networking flags Chromium keeps
# trying to reach Google's hosts, which a closed network refuses.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Per module, not per session: Playwright's sync API keeps an event loop running in this
# thread while it is open, and later tests start their own (asyncio.run) in it.
@pytest.fixture(scope="module")
def browser():
    from pathlib import Path

    if not Path(CHROMIUM).exists() or not AXE.exists():
        services("chromium", "axe")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    # bypass_csp: the pages forbid inline scripts (rightly); axe-core is injected as one.
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ar", bypass_csp=True
    )
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's violations of ``impacts`` on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in impacts]


def assert_accessible(page) -> None:
    found = axe_violations(page)
    assert not found, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n.get("target") else "?" for n in v["nodes"][:3])
        for v in found
    )


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)

"""``create_app(settings)``: the HTTP application, with no globals."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from newswire import __version__
from newswire.api import items, problems
from newswire.settings import Settings
from newswire.store import Store, open_store

DESCRIPTION = """
newswire is a news agency's news flow system. Editors put items in; subscribers receive
the full text in the formats their systems read (IPTC ninjs, NewsML-G2, NITF, RSS/Atom,
JSON Feed). Errors are RFC 9457 problem details.
"""


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or Settings()
    store = store or open_store(settings.db)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        store.close()

    app = FastAPI(
        title="newswire",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    problems.install(app)
    app.include_router(items.router)
    return app

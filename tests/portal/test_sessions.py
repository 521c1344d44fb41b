"""``newswire.web.sessions`` as another part of the site uses it (the editors' console):
``require_login`` in a route of its own, with the portal's ``/login``, on a tiny app built
here."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from newswire.access.accounts import Account, hash_password
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.settings import Settings
from newswire.web import sessions
from newswire.web.portal import login

PASSWORD = "a-long-enough-password"


@pytest.fixture
def app(store):
    store.products.add(Product(name="p", access="full"))
    store.subscribers.add(Subscriber(name="s", products=["p"]))
    for email, scope, subscriber in (
        ("editor@agency.example", "publish", ""),
        ("reader@s.example", "read", "s"),
    ):
        account = Account(id=email[:6], email=email, scope=scope, subscriber=subscriber)
        store.accounts.add(account, hash_password(PASSWORD))
    app = FastAPI()
    app.state.store = store
    app.state.settings = Settings()  # as every app has: the pages read its time zone
    login.install(app)

    @app.get("/console")
    def console(request: Request) -> PlainTextResponse:
        principal = sessions.require_login(request, "publish")
        return PlainTextResponse(f"{principal.key.scope} {principal.products[0].name}")

    @app.get("/whoami")
    def whoami(request: Request) -> PlainTextResponse:
        principal = sessions.current_principal(request)
        return PlainTextResponse(principal.key.name if principal else "nobody")

    return app


def run(app, steps) -> None:
    """``steps(client)`` against ``app`` in process (the app has no lifespan to run)."""

    async def go() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as c:
            await steps(c)

    asyncio.run(go())


async def log_in(client: httpx.AsyncClient, email: str, target: str = "/console"):
    form = await client.get("/login", params={"next": target})
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    data = {"csrf": token, "email": email, "password": PASSWORD, "next": target}
    return await client.post("/login", data=data)


def test_require_login_sends_strangers_to_the_login_page(app):
    async def steps(client: httpx.AsyncClient) -> None:
        answer = await client.get("/console")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?next=/console"
        assert (await client.get("/whoami")).text == "nobody"

    run(app, steps)


def test_an_agency_account_gets_the_agency_principal(app):
    async def steps(client: httpx.AsyncClient) -> None:
        answer = await log_in(client, "editor@agency.example")
        assert answer.status_code == 303 and answer.headers["location"] == "/console"
        assert (await client.get("/console")).text == "publish agency"
        assert (await client.get("/whoami")).text == "editor@agency.example"

    run(app, steps)


def test_a_subscribers_account_is_a_403_page_where_publish_is_needed(app):
    async def steps(client: httpx.AsyncClient) -> None:
        assert (await log_in(client, "reader@s.example")).status_code == 303
        refused = await client.get("/console")
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert '<html lang="ar" dir="rtl">' in refused.text
        assert (await client.get("/whoami")).text == "reader@s.example"

    run(app, steps)

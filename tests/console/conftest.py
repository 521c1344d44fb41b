"""The console's world, made as an operator makes it: accounts with the CLI, a real
``newswire serve``, an editors' API key to check what the console stored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import BACKENDS, fresh_database, use_backend
from tests.helpers import Server, cli, make_key

PASSWORD = "correct-horse-battery"
EDITOR = "editor@agency.example"
OPERATOR = "ops@agency.example"
READER = "reader@daily.example"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def console_path(item_id: str) -> str:
    return "/console/items/" + quote(item_id, safe=":@")


def api_path(item_id: str) -> str:
    return "/v1/items/" + quote(item_id, safe="")


def public_path(item_id: str, lang: str = "ar") -> str:
    return f"/{lang}/news/" + quote(item_id, safe=":@")


class Browser(httpx.Client):
    """A client usable in a ``with`` after its first requests (the login)."""

    def __enter__(self) -> Browser:
        return self


@dataclass
class Desk:
    db: str
    server: Server
    key: str

    def browser(self) -> Browser:
        return Browser(base_url=self.server.url, timeout=30, follow_redirects=False)

    def login(self, email: str = EDITOR) -> Browser:
        """A client with a session: the login form's token, then email and password."""
        client = self.browser()
        form = client.get("/login", params={"next": "/console"})
        assert form.status_code == 200
        data = {"csrf": csrf_of(form.text), "email": email, "password": PASSWORD}
        data["next"] = "/console"
        done = client.post("/login", data=data)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/console"
        return client

    def api(self) -> httpx.Client:
        return self.server.client(self.key)

    def item_count(self) -> int:
        with httpx.Client(base_url=self.server.url, timeout=30) as c:
            return c.get("/ready").json()["versions"]


def post_form(
    client: httpx.Client, path: str, data: dict, page: str = "/console"
) -> httpx.Response:
    """POST a console form with the session's CSRF token, read from ``page``."""
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf": token, **data})


@pytest.fixture(scope="package", params=BACKENDS)
def desk(request, tmp_path_factory) -> Iterator[Desk]:
    with fresh_database(use_backend(request), tmp_path_factory.mktemp("console")) as db:
        yield from _desk(db)


def _desk(db: str) -> Iterator[Desk]:
    cli(db, "product", "add", "ar-full", "--access", "full", "--lang", "ar")
    cli(db, "subscriber", "add", "daily", "--product", "ar-full")
    secret = PASSWORD.encode() + b"\n"
    cli(db, "account", "add", EDITOR, "--scope", "publish", "--password-stdin", input=secret)
    cli(db, "account", "add", OPERATOR, "--scope", "admin", "--password-stdin", input=secret)
    cli(db, "account", "add", READER, "--subscriber", "daily", "--password-stdin", input=secret)
    server = Server(db)
    yield Desk(db, server, make_key(db, "--scope", "publish", "--name", "DESK"))
    server.close()

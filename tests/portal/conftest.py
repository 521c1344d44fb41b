"""The portal's world, made as an operator makes it: products, subscribers and accounts
with the CLI, items published over HTTP to a real ``newswire serve``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import BACKENDS, fresh_database, use_backend
from tests.helpers import Server, cli, make_key, query

PASSWORD = "correct-horse-battery"
LAST = "zqxjlast"
"""A word only in the last paragraph of the long item: teaser access never shows it."""
SECRET_TAIL = f"وفي الختام أكد المتحدث {LAST} أن العمل مستمر."
PARAGRAPH = (
    "قال مسؤولون في وزارة الصحة إن فرق الإغاثة وصلت إلى المناطق المتضررة في شمال البلاد،"
    " وإن عمليات توزيع المساعدات الإنسانية ستستمر خلال الأيام المقبلة رغم صعوبة الطرق."
)
ACCOUNTS = {
    "editor@agency.example": ("--scope", "publish"),
    "ops@agency.example": ("--scope", "admin"),
    "boss@daily.example": ("--subscriber", "daily", "--portal-admin"),
    "reader@daily.example": ("--subscriber", "daily"),
    "reader@teasers.example": ("--subscriber", "teasers"),
    "reader@other.example": ("--subscriber", "other"),
    "reader@gone.example": ("--subscriber", "gone"),
}


class Browser(httpx.Client):
    """A client that may be used in a ``with`` after its first requests (a login)."""

    def __enter__(self) -> Browser:
        return self


@dataclass
class World:
    db: str
    server: Server
    publish_key: str
    long_id: str
    english_id: str
    flash_id: str

    def client(self) -> Browser:
        return Browser(base_url=self.server.url, timeout=30, follow_redirects=False)

    def login(self, email: str, password: str = PASSWORD, **extra) -> Browser:
        client = self.client()
        response = login(client, email, password, **extra)
        assert response.status_code == 303, response.text
        return client

    def publish(self, doc: dict) -> dict:
        with self.server.client(self.publish_key) as c:
            made = c.post("/v1/items", json=doc, headers={"Content-Type": "application/ninjs+json"})
        assert made.status_code in (200, 201), made.text
        return made.json()

    def sql(self, sql: str, args: tuple = ()) -> list[tuple]:
        return query(self.db, sql, args)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client: httpx.Client, email: str, password: str, **extra) -> httpx.Response:
    form = client.get("/login", params={"next": extra.pop("next", "/portal")})
    assert form.status_code == 200
    data = {"csrf": csrf_of(form.text), "email": email, "password": password, **extra}
    data.setdefault("next", re.search(r'name="next" value="([^"]*)"', form.text).group(1))
    return client.post("/login", data=data)


def ninjs(uri: str, headline: str, paragraphs: list[str], lang: str = "ar", **more) -> dict:
    return {
        "uri": uri,
        "language": lang,
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "\n\n".join(paragraphs)}],
        **more,
    }


@pytest.fixture(scope="package", params=BACKENDS)
def world(request, tmp_path_factory) -> Iterator[World]:
    with fresh_database(use_backend(request), tmp_path_factory.mktemp("portal")) as db:
        yield from _world(db)


def _world(db: str) -> Iterator[World]:
    cli(db, "product", "add", "ar-full", "--access", "full", "--lang", "ar")
    cli(db, "product", "add", "ar-teaser", "--access", "teaser", "--lang", "ar")
    cli(db, "product", "add", "en-full", "--access", "full", "--lang", "en")
    cli(db, "subscriber", "add", "daily", "--product", "ar-full", "--format", "ninjs",
        "--format", "nitf", "--format", "text")
    cli(db, "subscriber", "add", "teasers", "--product", "ar-teaser")
    cli(db, "subscriber", "add", "other", "--product", "en-full")
    cli(db, "subscriber", "add", "gone", "--product", "ar-full")
    for email, args in ACCOUNTS.items():
        cli(db, "account", "add", email, *args, "--password-stdin", input=PASSWORD.encode() + b"\n")
    server = Server(db, env={"NEWSWIRE_HEARTBEAT": "1"})
    w = World(db, server, make_key(db, "--scope", "publish", "--name", "DESK"), "", "", "")
    long_v1 = ninjs(
        "urn:test:long",
        "وصول فرق الإغاثة إلى المناطق المتضررة",
        [PARAGRAPH] * 7 + [SECRET_TAIL],
        urgency=4,
    )
    w.long_id = w.publish(long_v1)["id"]
    long_v2 = ninjs(
        "urn:test:long",
        "وصول فرق الإنقاذ إلى المناطق المتضررة",
        [PARAGRAPH.replace("الأيام", "الساعات")] + [PARAGRAPH] * 6 + [SECRET_TAIL],
        urgency=4,
    )
    assert w.publish(long_v2)["version"] == 2
    w.english_id = w.publish(
        ninjs("urn:test:english", "Aid convoys reach the north", ["Convoys arrived today."], "en")
    )["id"]
    w.flash_id = w.publish(
        ninjs("urn:test:flash", "عاجل: زلزال قوي يضرب المنطقة", ["شعر السكان بهزة قوية."], urgency=1)
    )["id"]
    yield w
    server.close()

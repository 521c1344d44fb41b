"""An agency in Istanbul (``NEWSWIRE_TIMEZONE=Europe/Istanbul``, UTC+3): the public site and
the subscriber portal show its local time, with the offset in the reader's language, and
its local day, Gregorian and Hijri; what machines read (``<time datetime>``, JSON-LD)
stays the instant. A story sent at 22:30 UTC is on the next day in Istanbul."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
import lxml.html
import pytest

from newswire.web import i18n
from tests.conftest import fresh_database
from tests.helpers import Server, make_key, newswire
from tests.portal.conftest import PASSWORD, login

SENT = "2025-03-01T22:30:00Z"
"""01:30 on 2 March 2025 in Istanbul; 1 and 2 Ramadan 1446 in UTC and in Istanbul."""
READER = "reader@istanbul.example"


@dataclass
class Agency:
    server: Server
    item_id: str
    uri: str


@pytest.fixture(scope="module")
def agency(tmp_path_factory) -> Iterator[Agency]:
    # The zone is the same on either backend: one is enough.
    with fresh_database("sqlite", tmp_path_factory.mktemp("zone")) as db:
        key = make_key(db, "--scope", "admin", "--name", "DESK")
        server = Server(db, env={"NEWSWIRE_TIMEZONE": "Europe/Istanbul"})
        try:
            with server.client(key) as desk:
                made = desk.post("/v1/admin/products",
                                 json={"name": "ar-full", "access": "full", "languages": ["ar"]})
                assert made.status_code == 201, made.text
                made = desk.post("/v1/admin/subscribers",
                                 json={"name": "istanbul", "products": ["ar-full"]})
                assert made.status_code == 201, made.text
            made_account = newswire(
                "account", "add", READER, "--subscriber", "istanbul", "--password-stdin",
                db=db, input=PASSWORD.encode() + b"\n",
            )
            assert made_account.returncode == 0, made_account.stderr.decode()
            doc = {
                "uri": "urn:test:late-night",
                "language": "ar",
                "headlines": [{"role": "main", "value": "اجتماع في وقت متأخر من الليل"}],
                "bodies": [{"role": "main", "contentType": "text/plain",
                            "value": "انتهى الاجتماع بعد منتصف الليل بتوقيت إسطنبول."}],
                "firstCreated": SENT,
                "versionCreated": SENT,
            }
            with server.client(key) as desk:
                sent = desk.post("/v1/items", json=doc,
                                 headers={"Content-Type": "application/ninjs+json"})
            assert sent.status_code == 201, sent.text
            yield Agency(server, sent.json()["id"], doc["uri"])
        finally:
            server.close()


def test_the_item_page_shows_istanbuls_time_and_day(agency: Agency):
    with agency.server.client() as web:
        page = web.get(f"/ar/news/{quote(agency.uri, safe=':@')}")
    assert page.status_code == 200
    doc = lxml.html.fromstring(page.text)
    assert doc.xpath("string(//time[@class='date'])") == "2 مارس 2025، 01:30 (غرينتش+3)"
    assert doc.xpath("string(//*[@class='hijri'])") == "2 رمضان 1446 هـ"
    # machines read the instant, as in UTC
    assert doc.xpath("//time[@class='date']/@datetime") == [SENT]
    ld = json.loads(doc.xpath("string(//script[@type='application/ld+json'])"))
    assert ld["datePublished"] == ld["dateModified"] == SENT


def test_the_home_page_dates_the_item_by_istanbuls_day(agency: Agency):
    with agency.server.client() as web:
        doc = lxml.html.fromstring(web.get("/ar/").text)
    meta = doc.xpath("//p[@class='meta'][time]")
    assert len(meta) == 1
    assert meta[0].xpath("string(time)") == "2 مارس 2025"
    assert meta[0].xpath("time/@datetime") == [SENT]
    assert meta[0].xpath("string(*[@class='hijri'])") == "2 رمضان 1446 هـ"


def test_the_portal_shows_istanbuls_time_in_the_readers_language(agency: Agency):
    with httpx.Client(base_url=agency.server.url, timeout=30) as portal:
        assert login(portal, READER, PASSWORD).status_code == 303
        path = "/portal/items/" + quote(agency.item_id, safe=":@")
        for lang, shown in (("ar", "2025-03-02 01:30 (غرينتش+3)"), ("en", "2025-03-02 01:30 (UTC+3)")):
            page = portal.get(path, params={"lang": lang})
            assert page.status_code == 200
            doc = lxml.html.fromstring(page.text)
            times = doc.xpath("//article//header//time")
            assert [(t.text, t.get("datetime")) for t in times] == [
                (shown, "2025-03-01T22:30:00+00:00")
            ]
            wire = lxml.html.fromstring(portal.get("/portal", params={"lang": lang}).text)
            assert [t.text for t in wire.xpath("//ol[@id='wire']/li//time")] == [shown]



def test_a_time_past_the_calendars_end_in_istanbul_is_shown_in_utc():
    """An embargo the API takes, 9999-12-31T23:59:59Z, is in the year 10000 in Istanbul,
    past Python's last date: a portal page showing its lift to an early-delivery
    subscriber answered 500. It is shown in UTC, its offset named so."""
    last = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    istanbul = ZoneInfo("Europe/Istanbul")
    assert i18n.numeric(last, "ar", istanbul) == "9999-12-31 23:59 (غرينتش)"
    assert i18n.clock(last, "en", istanbul) == "23:59 (UTC)"
    assert i18n.moment(last, "en", istanbul).startswith("31 December 9999")
    assert i18n.hijri(last, istanbul) == ""

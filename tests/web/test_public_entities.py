"""The public site and what enrichment finds, through a real ``newswire serve`` with every
enrichment step on: a story page shows its subjects and the places, people and
organisations it names as plain tags, and says them in its JSON-LD (``about``,
``mentions``, ``contentLocation``: schema.org ``Place`` with ``geo``, ``Person``,
``Organization``); the subject sections list items the machine tagged; the teaser rules
and what the public may not see are unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import feedparser
import lxml.html
import pytest

from tests.conftest import SEED
from tests.helpers import Server, make_key

NINJS = {"Content-Type": "application/ninjs+json"}
GAZA = "https://sws.geonames.org/281133/"
ANKARA = "https://sws.geonames.org/323786/"
POLITICS = "medtop:11000000"
SEED_LINES = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
SEED_LAST = SEED_LINES[-2]
"""The body's last paragraph: never on a public page."""
HOSTILE = 'منظمة </script><script>alert(1)</script> & "quotes" <!--'
PARAGRAPHS = [
    "استقبل الوزير في مكتبه وفدا من المنظمة لبحث التعاون في مجال التعليم والتدريب.",
    "وقال إن الجانبين اتفقا على برنامج عمل للأشهر المقبلة.",
    "وهذه الفقرة الأخيرة للمشتركين وحدهم ولا تظهر للجمهور أبدا.",
]
PERSON = {"name": "وزير الاختبار", "literal": "nwv:test-minister", "rel": "about"}
ORGANISATION = {"name": "منظمة الاختبار", "uri": "https://www.wikidata.org/wiki/Q1"}
DOHA = {
    "name": "الدوحة",
    "uri": "https://sws.geonames.org/290030/",
    "geoJSON": {"type": "Point", "coordinates": [51.53096, 25.28545]},
}


def ninjs(uri: str, headline: str, **fields) -> dict:
    return {
        "uri": uri,
        "type": "text",
        "language": "ar",
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "\n\n".join(PARAGRAPHS)}],
        **fields,
    }


def page(uri: str) -> str:
    return f"/ar/news/{quote(uri, safe=':@')}"


def html(response) -> lxml.html.HtmlElement:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(response.text)


def json_ld(doc: lxml.html.HtmlElement) -> dict:
    [text] = doc.xpath("//script[@type='application/ld+json']/text()")
    return json.loads(text)


def by_name(things: list[dict], name: str) -> dict:
    [found] = [t for t in things if t["name"] == name]
    return found


@pytest.fixture(scope="module")
def server(module_store_url):
    srv = Server(module_store_url, env={"NEWSWIRE_ENRICH": "all"})
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def desk(server, module_store_url):
    with server.client(make_key(module_store_url, "--scope", "publish", "--name", "DESK")) as c:
        yield c


@pytest.fixture(scope="module")
def web(server):
    with server.client() as c:
        yield c


def publish(desk, doc: dict) -> str:
    response = desk.post("/v1/items", json=doc, headers=NINJS)
    assert response.status_code in (200, 201), response.text
    return response.json()["id"]


@pytest.fixture(scope="module")
def seed(desk) -> str:
    """The seed as the agency's text, with no subject or entity of its own."""
    made = desk.post(
        "/v1/items",
        content=SEED.read_bytes(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    assert made.status_code == 201, made.text
    return made.json()["id"]


@pytest.fixture(scope="module")
def named(desk) -> str:
    """An item whose source names a person (what it is about), an organisation and a place."""
    return publish(
        desk,
        ninjs(
            "urn:test:pub:named",
            "الوزير يستقبل وفد المنظمة",
            people=[PERSON],
            organisations=[ORGANISATION, {"name": HOSTILE}],
            places=[DOHA],
        ),
    )


@pytest.fixture(scope="module")
def embargoed(desk) -> str:
    lift = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    doc = ninjs(
        "urn:test:pub:embargoed",
        "خبر محظور حتى موعده",
        people=[{"name": "شخص تحت الحظر", "literal": "nwv:test-embargoed"}],
        embargoedUntil=lift.isoformat().replace("+00:00", "Z"),
    )
    return publish(desk, doc)


def test_the_seed_page_shows_its_subjects_and_places_as_plain_tags(web, seed):
    response = web.get(page(seed))
    doc = html(response)
    kicker = doc.xpath("string(//p[@class='kicker'])")
    assert "سياسة" in kicker  # the machine's subject
    tags = doc.xpath("//ul[@class='tags']/li")
    names = [li.text_content() for li in tags]
    assert {"غزة", "أنقرة", "تركيا"} <= set(names)
    assert len(names) == len(set(names))
    assert not doc.xpath("//ul[@class='tags']//a")  # plain tags, no links
    assert all(li.xpath("bdi") for li in tags)
    assert doc.xpath("//ul[@class='tags']/@aria-label") == ["في هذا الخبر"]
    assert SEED_LAST not in response.text  # still a teaser


def test_the_seed_json_ld_names_its_places_with_coordinates(web, seed):
    data = json_ld(html(web.get(page(seed))))
    assert data["@type"] == "NewsArticle"
    gaza = by_name(data["mentions"], "غزة")
    assert gaza["@type"] == "Place" and gaza["sameAs"] == GAZA
    assert gaza["geo"]["@type"] == "GeoCoordinates"
    assert gaza["geo"]["latitude"] == pytest.approx(31.5, abs=0.1)
    assert gaza["geo"]["longitude"] == pytest.approx(34.47, abs=0.1)
    assert gaza["address"] == {"@type": "PostalAddress", "addressCountry": "PS"}
    # The dateline's place is where the story was filed.
    ankara = data["contentLocation"]
    assert ankara["name"] == "أنقرة" and ankara["sameAs"] == ANKARA
    assert ankara["geo"]["latitude"] == pytest.approx(39.92, abs=0.1)
    assert {
        "@type": "Thing",
        "name": "سياسة",
        "sameAs": "http://cv.iptc.org/newscodes/mediatopic/11000000",
    } in data["about"]
    assert all(m["@type"] in ("Place", "Person", "Organization") for m in data["mentions"])


def test_the_subject_sections_list_what_the_machine_tagged(web, seed):
    doc = html(web.get("/ar/"))
    [politics] = doc.xpath(f"//section[h2[@data-subject='{POLITICS}']]")
    assert page(seed) in politics.xpath(".//a/@href")
    feed = feedparser.parse(web.get("/feeds/ar/11000000.rss").content)
    assert seed in {e.id for e in feed.entries}
    section = html(web.get("/ar/subjects/11000000"))
    assert page(seed) in section.xpath("//main//ul[@class='teasers']//h2/a/@href")


def test_people_organisations_and_places_of_the_source(web, named):
    response = web.get(page(named))
    doc = html(response)
    names = doc.xpath("//ul[@class='tags']/li/bdi/text()")
    assert {"وزير الاختبار", "منظمة الاختبار", "الدوحة", HOSTILE} <= set(names)
    data = json_ld(doc)
    person = by_name(data["about"], "وزير الاختبار")
    assert person == {"@type": "Person", "name": "وزير الاختبار", "identifier": "nwv:test-minister"}
    organisation = by_name(data["mentions"], "منظمة الاختبار")
    assert organisation == {
        "@type": "Organization",
        "name": "منظمة الاختبار",
        "sameAs": ORGANISATION["uri"],
    }
    doha = by_name(data["mentions"], "الدوحة")
    assert doha["geo"]["latitude"] == pytest.approx(25.28545)
    assert doha["geo"]["longitude"] == pytest.approx(51.53096)
    # A hostile name is text on the page and in the JSON-LD, never markup.
    assert by_name(data["mentions"], HOSTILE)["@type"] == "Organization"
    assert "<script>alert(1)" not in response.text
    assert [s.get("type") for s in doc.xpath("//script")] == ["application/ld+json"]
    assert PARAGRAPHS[-1] not in response.text


def test_an_embargoed_item_names_nothing_publicly(web, embargoed, seed):
    assert web.get(page(embargoed)).status_code == 404
    assert "شخص تحت الحظر" not in web.get("/ar/").text

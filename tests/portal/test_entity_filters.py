"""The portal and what enrichment finds: the wire, the live stream and search filtered by
a place, person or organisation (``entity``: a name or an id, compared folded as products
compare them), and the item page's subjects, places, people and organisations as links to
the wire filtered by them, with its story thread.

A server of its own with every enrichment step on: the seed goes in as the agency's text
and comes out with its places (Gaza, Ankara, ...) and subjects; other items carry the
people and organisations their source named (ninjs ``people``/``organisations``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import lxml.html
import pytest

from tests.conftest import SEED
from tests.helpers import Server, make_key, retry_until
from tests.portal.conftest import PASSWORD, Browser, cli, login, ninjs
from tests.portal.test_live import read_events

GAZA = "https://sws.geonames.org/281133/"
GAZA_NAME = "غزة"
PERSON = {"name": "سليم الاختباري", "literal": "nwv:test-salim"}  # no one real: the seed names real people
ORGANISATION = {"name": "منظمة الاختبار الدولية", "literal": "nwv:test-organisation"}
READER = "reader@daily.example"
SPORT = [
    "فاز المنتخب في المباراة النهائية بهدفين مقابل هدف واحد أمام جمهور كبير.",
    "وسجل المهاجم الهدف الثاني في الدقائق الأخيرة من المباراة، ووزعت المساعدات على الجماهير.",
]
MEETING = [
    "استقبل المسؤول وفدا من المنظمة لبحث توزيع المساعدات على المحتاجين في الأرياف.",
    "وقال إن العمل سيستمر خلال الأسابيع المقبلة بالتعاون مع الجمعيات المحلية.",
]


@dataclass
class Desk:
    db: str
    server: Server
    key: str
    seed: str = ""
    sport: str = ""
    meeting: str = ""
    copy: str = ""
    related: str = ""

    def publish(self, doc: dict) -> str:
        with self.server.client(self.key) as c:
            made = c.post("/v1/items", json=doc, headers={"Content-Type": "application/ninjs+json"})
        assert made.status_code in (200, 201), made.text
        return made.json()["id"]

    def reader(self) -> Browser:
        client = Browser(base_url=self.server.url, timeout=30, follow_redirects=False)
        assert login(client, READER, PASSWORD).status_code == 303
        return client


@pytest.fixture(scope="module")
def desk(module_store_url) -> Iterator[Desk]:
    db = module_store_url
    cli(db, "product", "add", "ar-full", "--access", "full", "--lang", "ar")
    cli(db, "product", "add", "en-full", "--access", "full", "--lang", "en")
    cli(db, "subscriber", "add", "daily", "--product", "ar-full")
    cli(
        db,
        "account",
        "add",
        READER,
        "--subscriber",
        "daily",
        "--password-stdin",
        input=PASSWORD.encode() + b"\n",
    )
    server = Server(db, env={"NEWSWIRE_ENRICH": "all", "NEWSWIRE_HEARTBEAT": "1"})
    d = Desk(db, server, make_key(db, "--scope", "publish", "--name", "DESK"))
    with server.client(d.key) as c:
        made = c.post(
            "/v1/items",
            content=SEED.read_bytes(),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
        assert made.status_code == 201, made.text
        d.seed = made.json()["id"]
        seed = c.get(f"/v1/items/{quote(d.seed, safe='')}").json()
    d.sport = d.publish(ninjs("urn:test:ent:sport", "المنتخب يفوز بالنهائي", SPORT))
    d.meeting = d.publish(
        ninjs(
            "urn:test:ent:meeting",
            "المسؤول يستقبل وفد المنظمة",
            MEETING,
            people=[PERSON],
            organisations=[ORGANISATION],
        )
    )
    # The seed again under another id: the machine links it to the seed, the same story.
    d.copy = d.publish({**seed, "uri": "urn:test:ent:copy", "associations": [], "subjects": []})
    english = d.publish(ninjs("urn:test:ent:english", "Not for this subscriber", ["Text."], "en"))
    # A follow-up whose source links it to the seed and to an item outside the products.
    d.related = d.publish(
        ninjs(
            "urn:test:ent:related",
            "متابعة: الوفد يغادر",
            ["غادر الوفد بعد انتهاء الزيارة التي استمرت يومين."],
            associations=[
                {"name": "earlier", "rel": "seeAlso", "uri": d.seed, "type": "text"},
                {
                    "name": "english",
                    "rel": "seeAlso",
                    "uri": english,
                    "type": "text",
                    "headlines": [{"role": "main", "value": "Not for this subscriber"}],
                },
            ],
        )
    )
    yield d
    server.close()


def wire_ids(html: str) -> list[str]:
    return lxml.html.fromstring(html).xpath("//ol[@id='wire']/li/@data-id")


def wire(c: Browser, **params: str) -> list[str]:
    page = c.get("/portal", params=params)
    assert page.status_code == 200, page.text
    return wire_ids(page.text)


def test_the_seed_is_enriched_with_places_and_subjects(desk: Desk):
    with desk.server.client(desk.key) as c:
        doc = c.get(f"/v1/items/{quote(desk.seed, safe='')}").json()
    places = {p.get("uri") for p in doc.get("places", [])}
    assert GAZA in places
    assert any(s.get("creator") == "machine" for s in doc.get("subjects", []))


def test_the_wire_filtered_by_a_place_name_shows_only_the_items_naming_it(desk: Desk):
    with desk.reader() as c:
        everything = wire(c)
        assert {desk.seed, desk.sport, desk.meeting} <= set(everything)
        gaza = wire(c, entity=GAZA_NAME)
        assert desk.seed in gaza and desk.copy in gaza
        assert desk.sport not in gaza and desk.meeting not in gaza
        # Folded as products fold: spaces around it and case do not matter.
        assert wire(c, entity=f"  {GAZA_NAME} ") == gaza
        page = c.get("/portal", params={"entity": GAZA_NAME})
        field = lxml.html.fromstring(page.text).xpath("//input[@id='f-entity']")[0]
        assert field.get("value") == GAZA_NAME and field.get("dir") == "auto"
        # The page's stream follows the same filter.
        stream = lxml.html.fromstring(page.text).xpath("//ol[@id='wire']/@data-stream")[0]
        assert f"entity={quote(GAZA_NAME)}" in stream


def test_the_wire_filtered_by_a_geonames_id(desk: Desk):
    with desk.reader() as c:
        for wanted in (GAZA, GAZA.upper(), "geonames:281133"):
            ids = wire(c, entity=wanted)
            assert desk.seed in ids and desk.sport not in ids, wanted
        assert wire(c, entity="https://sws.geonames.org/1/") == []


def test_the_wire_filtered_by_a_person_or_an_organisation(desk: Desk):
    with desk.reader() as c:
        for wanted in (
            PERSON["name"],
            PERSON["literal"],
            ORGANISATION["name"],
            ORGANISATION["literal"].upper(),
        ):
            assert wire(c, entity=wanted) == [desk.meeting], wanted
        # With the other filters: an urgency none of them has leaves nothing.
        assert wire(c, entity=PERSON["name"], urgency="1") == []


def test_a_too_long_filter_is_a_400_page(desk: Desk):
    with desk.reader() as c:
        page = c.get("/portal", params={"entity": "غ" * 201})
        assert page.status_code == 400
        assert "text/html" in page.headers["content-type"]


def test_the_live_stream_marks_items_outside_the_entity_filter(desk: Desk):
    with (
        desk.reader() as c,
        c.stream("GET", "/portal/stream", params={"entity": GAZA_NAME}, timeout=10) as stream,
    ):
        lines = stream.iter_lines()
        assert next(lines).startswith("retry:")
        desk.publish(ninjs("urn:test:ent:live-other", "خبر رياضي جديد", SPORT))
        desk.publish(
            ninjs(
                "urn:test:ent:live-gaza",
                "قافلة مساعدات تصل إلى غزة",
                ["وصلت قافلة جديدة من المساعدات الإنسانية إلى غزة صباح اليوم."],
            )
        )
        events = read_events(lines, "urn:test:ent:live-gaza")
    shown = {e["id"]: e["shown"] for e in events}
    assert shown == {"urn:test:ent:live-other": False, "urn:test:ent:live-gaza": True}


def test_search_filters_by_a_place_person_or_organisation(desk: Desk):
    def hits(c: Browser, **params: str) -> list[str]:
        page = c.get("/portal/search", params={"q": "المساعدات", **params})
        assert page.status_code == 200, page.text
        links = lxml.html.fromstring(page.text).xpath("//ol[@class='hits']//h3/a/@href")
        return sorted(links)

    def href(item_id: str) -> str:
        return "/portal/items/" + quote(item_id, safe=":@")

    with desk.reader() as c:
        everything = retry_until(
            lambda: (found := hits(c)) and href(desk.meeting) in found and found,
            "the index to take the items in",
        )
        assert {href(desk.seed), href(desk.sport)} <= set(everything)
        gaza = hits(c, entity=GAZA_NAME)
        assert href(desk.seed) in gaza
        assert href(desk.sport) not in gaza and href(desk.meeting) not in gaza
        assert href(desk.seed) in hits(c, entity="geonames:281133")
        assert hits(c, entity=PERSON["literal"]) == [href(desk.meeting)]
        assert hits(c, entity=ORGANISATION["name"]) == [href(desk.meeting)]
        # A filter without words lists the newest items it lets through.
        listed = c.get("/portal/search", params={"q": "", "entity": GAZA_NAME})
        links = lxml.html.fromstring(listed.text).xpath("//ol[@class='hits']//h3/a/@href")
        assert href(desk.seed) in links and href(desk.sport) not in links
        # The next page keeps the filter.
        page = c.get("/portal/search", params={"q": "المساعدات", "entity": GAZA_NAME})
        field = lxml.html.fromstring(page.text).xpath("//input[@id='f-entity']")[0]
        assert field.get("value") == GAZA_NAME


def api_search(c, **params: str) -> set[str]:
    """The ids ``GET /v1/search?q=المساعدات`` finds with ``params``."""
    found = c.get("/v1/search", params={"q": "المساعدات", **params})
    assert found.status_code == 200, found.text
    return {h["id"] for h in found.json()["hits"]}


def test_the_search_api_entity_filter_matches_places_and_place_still_works(desk: Desk):
    key = make_key(desk.db, "--subscriber", "daily", "--name", "daily-key")
    with desk.server.client(key) as c:
        ids = functools.partial(api_search, c)
        retry_until(lambda: desk.meeting in ids(), "the index to take the items in")
        assert desk.seed in ids(entity=GAZA_NAME) and desk.sport not in ids(entity=GAZA_NAME)
        assert ids(entity=PERSON["literal"]) == {desk.meeting}
        assert desk.seed in ids(place=GAZA) and desk.meeting not in ids(place=GAZA)
        assert ids(place=PERSON["name"]) == set()  # place finds places only


def test_an_entity_is_found_by_any_of_its_names_not_only_the_one_shown(desk: Desk):
    """An item shows one name of each entity (the seed: غزة, حركة حماس); readers ask by
    any of its names (Gaza in Latin letters, حماس alone): the wire, portal search and the
    search API find it by each."""
    with desk.reader() as c:
        for wanted in ("Gaza", "حماس", "Hamas"):
            ids = wire(c, entity=wanted)
            assert desk.seed in ids and desk.sport not in ids, wanted
        found = c.get("/portal/search", params={"q": "المساعدات", "entity": "Hamas"})
        assert quote(desk.seed, safe=":@") in found.text
    key = make_key(desk.db, "--subscriber", "daily", "--name", "daily-names")
    with desk.server.client(key) as c:
        ids = functools.partial(api_search, c)
        retry_until(lambda: desk.meeting in ids(), "the index to take the items in")
        for params in ({"place": "Gaza"}, {"entity": "حماس"}, {"entity": "Gaza"}):
            assert desk.seed in ids(**params) and desk.sport not in ids(**params), params
        assert ids(place="Hamas") == set()  # place finds places only


def test_the_topics_form_has_no_entity_field(desk: Desk):
    with desk.reader() as c:
        topics = lxml.html.fromstring(c.get("/portal/topics").text)
        assert not topics.xpath("//input[@name='entity']")
        search = lxml.html.fromstring(c.get("/portal/search").text)
        assert search.xpath("//form[@role='search']//input[@name='entity']")


def item_page(c: Browser, item_id: str) -> lxml.html.HtmlElement:
    page = c.get("/portal/items/" + quote(item_id, safe=":@"))
    assert page.status_code == 200, page.text
    return lxml.html.fromstring(page.text)


def test_the_item_page_links_its_places_and_subjects_to_the_wire(desk: Desk):
    with desk.reader() as c:
        doc = item_page(c, desk.seed)
        places = doc.xpath("//ul[@data-kind='places']/li/a")
        by_name = {a.text_content(): a.get("href") for a in places}
        assert by_name[GAZA_NAME] == "/portal?entity=" + quote(GAZA, safe="")
        assert doc.xpath("//ul[@data-kind='places']/li[@class='machine']")
        assert "أضافه النظام آليًا" in doc.xpath("string(//section[@class='named'])")
        subjects = doc.xpath("//ul[@data-kind='subjects']/li/a/@href")
        assert subjects and all(h.startswith("/portal?subject=medtop:") for h in subjects)
        # Following the links: the wire filtered by them, with the seed on it.
        assert desk.seed in wire_ids(c.get(by_name[GAZA_NAME]).text)
        assert desk.seed in wire_ids(c.get(subjects[0]).text)


def test_the_item_page_links_its_people_and_organisations(desk: Desk):
    with desk.reader() as c:
        doc = item_page(c, desk.meeting)
        [person] = doc.xpath("//ul[@data-kind='people']/li")
        [organisation] = doc.xpath("//ul[@data-kind='organisations']/li")
        assert person.text_content() == PERSON["name"]
        assert person.get("class") is None  # the source's, not the machine's
        href = person.xpath("a/@href")[0]
        assert href == "/portal?entity=" + quote(PERSON["literal"], safe="")
        assert wire_ids(c.get(href).text) == [desk.meeting]
        assert organisation.xpath("a/@href") == [
            "/portal?entity=" + quote(ORGANISATION["literal"], safe="")
        ]


def test_the_item_page_shows_the_story_thread(desk: Desk):
    with desk.reader() as c:
        # The copy: the machine found it is the seed's story again.
        doc = item_page(c, desk.copy)
        links = doc.xpath("//section[@class='thread']//li")
        seed_href = "/portal/items/" + quote(desk.seed, safe=":@")
        same = [li for li in links if li.xpath("a/@href") == [seed_href]]
        assert same and same[0].get("data-rel") == "same"
        assert "الخبر نفسه" in same[0].text_content()
        seed_headline = SEED.read_text(encoding="utf-8").splitlines()[0]
        assert same[0].xpath("string(a)") == seed_headline
        # The follow-up: related to the seed; the item outside the products is not linked.
        doc = item_page(c, desk.related)
        links = doc.xpath("//section[@class='thread']//li")
        assert [li.xpath("string(a/@href)") for li in links] == [seed_href]
        assert links[0].get("data-rel") == "related" and "ذو صلة" in links[0].text_content()
        assert "Not for this subscriber" not in lxml.html.tostring(doc, encoding="unicode")
        # An item with no thread has no such section (one that nothing links to either:
        # the sport item has a later copy once the live stream's test has run).
        alone = desk.publish(ninjs("urn:test:ent:alone", "خبر وحيد", ["نص قصير."]))
        assert not item_page(c, alone).xpath("//section[@class='thread']")


def test_the_item_page_shows_the_stories_linking_to_it(desk: Desk):
    """The thread pointed only backwards: the original's page showed none of its later
    developments. Now each page lists, after what it links to, the stories whose latest
    version links to it, the newest first, each only if the reader may see it, a
    withdrawn one marked as such; the copy and the follow-up link to the seed."""

    def href(item_id: str) -> str:
        return "/portal/items/" + quote(item_id, safe=":@")

    def thread(doc: lxml.html.HtmlElement) -> list[tuple[str, str, bool, bool]]:
        return [
            (
                li.xpath("string(a/@href)"),
                li.get("data-rel"),
                li.get("data-linking") is not None,
                bool(li.xpath(".//*[contains(@class, 'withdrawn')]")),
            )
            for li in doc.xpath("//section[@class='thread']//li")
        ]

    def follow(uri: str, headline: str, earlier: str) -> str:
        # Too few words for the machine to link: only the link the source gives.
        link = {"name": "earlier", "rel": "seeAlso", "uri": earlier, "type": "text"}
        return desk.publish(ninjs(uri, headline, ["نص قصير جدا."], associations=[link]))

    middle = follow("urn:test:ent:middle", "تطور أول", desk.seed)
    later = follow("urn:test:ent:later", "تطور ثان", middle)
    killed = follow("urn:test:ent:killed", "تطور سحب", middle)
    with desk.server.client(desk.key) as c:
        gone = c.post(f"/v1/items/{quote(killed, safe='')}/withdraw", json={"reason": "خطأ"})
        assert gone.status_code in (200, 201), gone.text
    with desk.reader() as c:
        seed = thread(item_page(c, desk.seed))
        assert [s[0] for s in seed] == [href(middle), href(desk.related), href(desk.copy)]
        assert seed[2] == (href(desk.copy), "same", True, False)  # the machine's link
        assert seed[1] == (href(desk.related), "related", True, False)  # the source's
        # The middle of the story: the earlier one it links to, then its developments.
        assert thread(item_page(c, middle)) == [
            (href(desk.seed), "related", False, False),
            (href(killed), "related", True, True),
            (href(later), "related", True, False),
        ]
        # The copy: what it links to, and the seed's other developments are not its own.
        assert thread(item_page(c, desk.copy)) == [(href(desk.seed), "same", False, False)]


def test_a_withdrawal_is_listed_where_the_item_it_withdraws_was(desk: Desk):
    # Every filtered wire listed every kill notice (the notice carries none of the names
    # the filter asks for, and kills were let through whatever the filter): now a kill is
    # listed where its item was, and nowhere else.
    person = {"name": "شخص للسحب", "literal": "nwv:test-withdrawn"}
    named = desk.publish(ninjs("urn:test:ent:kill-named", "خبر سيسحب", MEETING, people=[person]))
    other = desk.publish(ninjs("urn:test:ent:kill-other", "خبر آخر سيسحب", SPORT))
    with desk.server.client(desk.key) as c:
        for item_id in (named, other):
            gone = c.post(f"/v1/items/{quote(item_id, safe='')}/withdraw", json={"reason": "خطأ"})
            assert gone.status_code in (200, 201), gone.text
    with desk.reader() as c:
        assert {named, other} <= set(wire(c))  # unfiltered: both, as withdrawn
        assert wire(c, entity=person["name"]) == [named]
        assert other not in wire(c, entity=GAZA_NAME) and named not in wire(c, entity=GAZA_NAME)
        assert wire(c, entity=PERSON["name"]) == [desk.meeting]

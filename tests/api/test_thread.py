"""``GET /v1/items/{id}/thread``: the stories an item is linked with, as a subscriber may
see them, through a real ``newswire serve`` on each store backend.

The seed goes in as the agency's text, then the seed again under another id (the
machine links it to the seed: the same story), a follow-up its source links to the seed,
a story for another product and one under embargo, both linking to the seed.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
from PIL import Image

from newswire.validation import MAX_ID
from tests.conftest import SEED
from tests.helpers import Server, make_key, newswire

NINJS = {"Content-Type": "application/ninjs+json"}
LATER = "2099-01-01T09:00:00Z"
SHORT = ["نص قصير جدا."]
"""Too few words for the machine to link: only the links the source gives."""


def ninjs(uri: str, headline: str, lang: str = "ar", **more: object) -> dict:
    return {
        "uri": uri,
        "language": lang,
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": SHORT[0]}],
        **more,
    }


def link(uri: str, rel: str = "seeAlso", type: str = "text") -> dict:
    return {"name": "earlier", "rel": rel, "uri": uri, "type": type}


def path(item_id: str) -> str:
    return f"/v1/items/{quote(item_id, safe='')}/thread"


@dataclass
class Wire:
    server: Server
    desk: str
    reader: str
    limited: str
    early: str
    seed: str = ""
    copy: str = ""
    follow: str = ""
    english: str = ""
    held: str = ""

    def publish(self, doc: dict) -> str:
        with self.server.client(self.desk) as c:
            made = c.post("/v1/items", json=doc, headers=NINJS)
        assert made.status_code in (200, 201), made.text
        return made.json()["id"]

    def thread(
        self, item_id: str, key: str | None = None, version: object = None
    ) -> httpx.Response:
        params = {} if version is None else {"version": version}
        with self.server.client(key or self.reader) as c:
            return c.get(path(item_id), params=params)

    def stories(
        self, item_id: str, key: str | None = None, version: object = None
    ) -> list[tuple[str, str, str]]:
        answer = self.thread(item_id, key, version)
        assert answer.status_code == 200, answer.text
        return [(s["id"], s["direction"], s["rel"]) for s in answer.json()["thread"]]


@pytest.fixture(scope="module")
def wire(module_store_url) -> Iterator[Wire]:
    db = module_store_url
    for args in (
        ("product", "add", "ar-full", "--access", "full", "--lang", "ar"),
        ("product", "add", "en-full", "--access", "full", "--lang", "en"),
        ("subscriber", "add", "daily", "--product", "ar-full"),
        ("subscriber", "add", "few", "--product", "ar-full", "--rate-limit", "2"),
        ("product", "add", "ar-early", "--access", "full", "--lang", "ar", "--early-embargo"),
        ("subscriber", "add", "early", "--product", "ar-early"),
    ):
        done = newswire(*args, db=db)
        assert done.returncode == 0, done.stderr.decode()
    server = Server(db)  # every enrichment step: the threads step links the copy
    w = Wire(
        server,
        desk=make_key(db, "--scope", "publish", "--name", "DESK"),
        reader=make_key(db, "--subscriber", "daily"),
        limited=make_key(db, "--subscriber", "few"),
        early=make_key(db, "--subscriber", "early"),
    )
    with server.client(w.desk) as c:
        made = c.post("/v1/items", content=SEED.read_bytes(),
                      headers={"Content-Type": "text/plain; charset=utf-8"})
        assert made.status_code == 201, made.text
        w.seed = made.json()["id"]
        seed = c.get(f"/v1/items/{quote(w.seed, safe='')}").json()
    # The seed again under another id: a near-duplicate the machine links to the seed.
    w.copy = w.publish({**seed, "uri": "urn:test:thread:copy", "associations": [], "subjects": []})
    w.english = w.publish(
        ninjs("urn:test:thread:english", "Not for this subscriber", "en", associations=[link(w.seed)])
    )
    w.follow = w.publish(
        ninjs(
            "urn:test:thread:follow",
            "متابعة: الوفد يغادر",
            associations=[link(w.seed), link(w.english)],
        )
    )
    w.held = w.publish(
        ninjs("urn:test:thread:held", "تطور تحت الحظر", embargoedUntil=LATER,
              associations=[link(w.seed)])
    )
    yield w
    server.close()


def test_an_original_lists_its_developments_and_they_list_it(wire: Wire):
    """The original's thread lists what links to it, the newest first (the follow-up,
    then the copy the machine linked); each of them lists the original as what it
    links to."""
    assert wire.stories(wire.seed) == [
        (wire.follow, "linked_from", "seeAlso"),
        (wire.copy, "linked_from", "nwrel:sameStory"),
    ]
    assert wire.stories(wire.follow) == [(wire.seed, "links_to", "seeAlso")]
    assert wire.stories(wire.copy) == [(wire.seed, "links_to", "nwrel:sameStory")]
    answer = wire.thread(wire.seed).json()
    assert (answer["id"], answer["version"]) == (wire.seed, 1)
    follow, copy = answer["thread"]
    assert follow == {
        "id": wire.follow,
        "version": 1,
        "headline": "متابعة: الوفد يغادر",
        "type": "text",
        "language": "ar",
        "rel": "seeAlso",
        "direction": "linked_from",
        "machine": False,
        "pubstatus": "usable",
        "embargoed": False,
        "href": f"/v1/items/{quote(wire.follow, safe='')}",
    }
    assert copy["machine"] is True
    assert copy["headline"] == SEED.read_text(encoding="utf-8").splitlines()[0]
    with wire.server.client(wire.reader) as c:  # the href is the item's, for this key
        assert c.get(follow["href"]).json()["uri"] == wire.follow


def test_an_item_the_key_may_not_see_is_neither_listed_nor_answered(wire: Wire):
    # The English story links to the seed, and the follow-up links to it: not listed.
    assert wire.english not in [s[0] for s in wire.stories(wire.seed)]
    assert wire.english not in [s[0] for s in wire.stories(wire.follow)]
    with wire.server.client(wire.reader) as c:
        for asked in (path(wire.english), path("urn:test:thread:none")):
            answer = c.get(asked)
            assert answer.status_code == 404
            assert answer.headers["content-type"] == "application/problem+json"
        # Not entitled reads exactly like not there, as GET /v1/items/{id} has it.
        item = c.get(f"/v1/items/{quote(wire.english, safe='')}")
        assert c.get(path(wire.english)).json() == item.json()
    # The agency's own key sees every story, and the links the reader's does not list.
    assert (wire.english, "linked_from", "seeAlso") in wire.stories(wire.seed, wire.desk)
    assert (wire.english, "links_to", "seeAlso") in wire.stories(wire.follow, wire.desk)


def test_a_story_under_embargo_is_not_listed_before_its_lift(wire: Wire):
    assert wire.held not in [s[0] for s in wire.stories(wire.seed)]
    answer = wire.thread(wire.held)
    assert answer.status_code == 404 and answer.json()["detail"] == f"id: no item {wire.held!r}"
    # It is stored and links to the seed: the agency's key lists it.
    assert (wire.held, "linked_from", "seeAlso") in wire.stories(wire.seed, wire.desk)


def test_a_story_seen_before_its_embargo_lifts_is_marked_so(wire: Wire):
    """A product delivering embargoed stories early lists the held one, marked embargoed
    as its own answer is (``X-Newswire-Embargoed``); the others are not."""
    answer = wire.thread(wire.seed, wire.early)
    assert answer.status_code == 200, answer.text
    marks = {s["id"]: s["embargoed"] for s in answer.json()["thread"]}
    assert marks[wire.held] is True and marks[wire.follow] is False
    with wire.server.client(wire.early) as c:
        held = c.get(f"/v1/items/{quote(wire.held, safe='')}")
    assert held.status_code == 200 and held.headers["x-newswire-embargoed"] == "true"
    reader = wire.thread(wire.seed).json()["thread"]
    assert reader and not any(s["embargoed"] for s in reader)


def test_a_withdrawn_story_is_listed_marked(wire: Wire):
    killed = wire.publish(ninjs("urn:test:thread:killed", "تطور سحب", associations=[link(wire.seed)]))
    with wire.server.client(wire.desk) as c:
        gone = c.post(f"/v1/items/{quote(killed, safe='')}/withdraw", json={"reason": "خطأ"})
        assert gone.status_code == 201, gone.text
    first = wire.thread(wire.seed).json()["thread"][0]
    assert (first["id"], first["version"], first["pubstatus"]) == (killed, 2, "canceled")
    assert wire.stories(killed) == [(wire.seed, "links_to", "seeAlso")]


def test_an_unknown_or_malformed_id_is_a_problem_naming_it(wire: Wire):
    with wire.server.client(wire.reader) as c:
        unknown = c.get(path("urn:test:thread:none"))
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
        assert unknown.json()["field"] == "id"
        assert unknown.json()["detail"] == "id: no item 'urn:test:thread:none'"
        # No item has such an id: each is answered as GET /v1/items/{id} answers it, a
        # 404 naming the id (a NUL too, on PostgreSQL as on SQLite).
        for item_id in ("", "\x00", "urn:x:\u200fspoof", "x" * (MAX_ID + 1)):
            answer = c.get(path(item_id))
            assert answer.status_code == 404, item_id
            assert answer.headers["content-type"] == "application/problem+json", item_id
            item = c.get(f"/v1/items/{quote(item_id, safe='')}")
            assert (answer.status_code, answer.json()) == (item.status_code, item.json())
            assert answer.json()["detail"] == f"id: no item {item_id!r}"


def test_a_version_lists_its_own_links_and_those_linking_to_the_item(wire: Wire):
    """``?version=N``: the stories version N links to (its associations, not the
    latest's), then those linking to the item, as for the latest."""
    first = wire.publish(ninjs("urn:test:thread:v-first", "القصة الأولى"))
    second = wire.publish(ninjs("urn:test:thread:v-second", "القصة الثانية"))
    revised = "urn:test:thread:revised"
    wire.publish(ninjs(revised, "خبر", associations=[link(first)]))
    wire.publish(ninjs(revised, "خبر محدث", associations=[link(second)]))
    reply = wire.publish(ninjs("urn:test:thread:reply", "رد", associations=[link(revised)]))
    latest = [(second, "links_to", "seeAlso"), (reply, "linked_from", "seeAlso")]
    assert wire.stories(revised) == latest
    assert wire.stories(revised, version=2) == latest
    assert wire.stories(revised, version=1) == [
        (first, "links_to", "seeAlso"), (reply, "linked_from", "seeAlso")
    ]
    answer = wire.thread(revised, version=1).json()
    assert (answer["id"], answer["version"]) == (revised, 1)
    # Each version's thread is its own: another body, another tag.
    with wire.server.client(wire.reader) as c:
        one = c.get(path(revised), params={"version": 1})
        again = c.get(path(revised), params={"version": 1}, headers={"If-None-Match": one.headers["etag"]})
        assert again.status_code == 304
        assert c.get(path(revised)).headers["etag"] != one.headers["etag"]


def test_a_version_is_judged_as_the_item_route_judges_it(wire: Wire):
    """A version the item never had, one the key may not see, an earlier one of an item
    since withdrawn, a value no version can be: each answered as ``GET /v1/items/{id}``
    answers the same ``?version=``, problem body and all."""
    first = wire.publish(ninjs("urn:test:thread:w-first", "قصة"))
    # Version 1 is English (not the reader's product), version 2 Arabic (the reader's).
    moved = "urn:test:thread:moved"
    wire.publish(ninjs(moved, "In English", "en", associations=[link(first)]))
    wire.publish(ninjs(moved, "بالعربية", associations=[link(first)]))
    assert wire.stories(moved, wire.desk, version=1) == [(first, "links_to", "seeAlso")]
    assert wire.stories(moved, version=2) == [(first, "links_to", "seeAlso")]
    killed = wire.publish(ninjs("urn:test:thread:w-killed", "قصة ستسحب"))
    with wire.server.client(wire.desk) as c:
        gone = c.post(f"/v1/items/{quote(killed, safe='')}/withdraw", json={"reason": "خطأ"})
        assert gone.status_code == 201, gone.text
    cases = [
        (moved, 3, 404, "version"),  # never stored
        (moved, 1, 404, "version"),  # stored, not for this key
        ("urn:test:thread:none", 1, 404, "version"),
        (killed, 1, 410, "version"),  # withdrawn since: only its withdrawal is delivered
        (moved, 0, 400, "version"),
        (moved, "x", 400, "version"),
        (moved, 2**31, 400, "version"),
    ]
    with wire.server.client(wire.reader) as c:
        for item_id, version, status, field in cases:
            answer = c.get(path(item_id), params={"version": version})
            item = c.get(f"/v1/items/{quote(item_id, safe='')}", params={"version": version})
            assert (answer.status_code, answer.json()["field"]) == (status, field), answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json() == item.json(), (item_id, version)
        assert c.get(path(moved), params={"version": 3}).json()["detail"] == (
            f"version: no version 3 of item {moved!r}"
        )
    # The withdrawal itself is the key's to see: an empty thread.
    assert wire.thread(killed, version=2).json()["version"] == 2


def test_a_picture_has_an_empty_thread(wire: Wire):
    """Stories link a picture as a picture, never as a story: a story it illustrates is
    not in its thread, nor it in the story's."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 40, 90)).save(out, "JPEG")
    with wire.server.client(wire.desk) as c:
        made = c.post("/v1/items", content=out.getvalue(), params={"lang": "ar"},
                      headers={"Content-Type": "image/jpeg"})
        assert made.status_code == 201, made.text
    picture = made.json()["id"]
    story = wire.publish(
        ninjs("urn:test:thread:illustrated", "خبر مصور", associations=[link(picture, type="picture")])
    )
    assert wire.thread(picture).json() == {"id": picture, "version": 1, "thread": []}
    assert wire.stories(story) == []


def test_it_revalidates_as_the_items_do(wire: Wire):
    with wire.server.client(wire.reader) as c:
        first = c.get(path(wire.follow))
        assert first.headers["cache-control"] == "private, no-cache"
        assert first.headers["vary"] == "Authorization"
        etag = first.headers["etag"]
        assert c.get(path(wire.follow), headers={"If-None-Match": etag}).status_code == 304
        head = c.head(path(wire.follow))
        assert head.status_code == 200 and head.headers["etag"] == etag and not head.content
        # A new development: another thread, another tag.
        wire.publish(ninjs("urn:test:thread:next", "تطور جديد", associations=[link(wire.follow)]))
        again = c.get(path(wire.follow), headers={"If-None-Match": etag})
        assert again.status_code == 200 and again.headers["etag"] != etag
        assert [s["id"] for s in again.json()["thread"]][-1] == "urn:test:thread:next"


def test_it_takes_a_key_and_counts_in_the_rate_limit(wire: Wire):
    with wire.server.client() as anonymous:
        refused = anonymous.get(path(wire.seed))
        assert refused.status_code == 401 and refused.json()["field"] == "Authorization"
    with wire.server.client(wire.limited) as c:
        assert [c.get(path(wire.seed)).status_code for _ in range(2)] == [200, 200]
        over = c.get(path(wire.seed))
        assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1


def test_the_openapi_documents_it(wire: Wire):
    with wire.server.client() as c:
        spec = c.get("/openapi.json").json()
    operation = spec["paths"]["/v1/items/{item_id}/thread"]["get"]
    assert {"bearer": []} in operation["security"]
    assert {"200", "401", "404", "429"} <= set(operation["responses"])
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    story = schema["properties"]["thread"]["items"]
    assert story["properties"]["direction"]["enum"] == ["links_to", "linked_from"]
    # ?version= as the item route takes it, and the answers it may give.
    (version,) = [p for p in operation["parameters"] if p["name"] == "version"]
    item = spec["paths"]["/v1/items/{item_id}"]["get"]
    (same,) = [p for p in item["parameters"] if p["name"] == "version"]
    bounds = ("in", "required", "type", "minimum", "maximum")
    assert {k: v for k, v in {**version, **version["schema"]}.items() if k in bounds} == {
        k: v for k, v in {**same, **same["schema"]}.items() if k in bounds
    }
    assert version["schema"]["maximum"] == 2**31 - 1
    assert {"400", "410"} <= set(operation["responses"])


def test_an_id_ending_as_a_path_under_an_item_is_refused(wire: Wire):
    """``b/thread`` could never be asked for by its own path (``/v1/items/b/thread`` is
    b's thread; the fast path and the routes read the path decoded): refused when it
    comes in, naming the id, and nothing stored."""
    with wire.server.client(wire.desk) as c:
        for item_id in ("urn:test:b/thread", "urn:test:b/versions", "urn:test:b/withdraw",
                        "urn:test:b/renditions/web", "urn:test:b/versions/1"):
            made = c.post("/v1/items", json=ninjs(item_id, "عنوان"), headers=NINJS)
            assert made.status_code == 422, (item_id, made.text)
            assert made.json()["field"] == "id", made.text
            assert c.get(f"/v1/items/{quote(item_id, safe='')}").status_code == 404
        for item_id in ("urn:test:b/threads", "urn:test:b/versions/1a"):
            fine = c.post("/v1/items", json=ninjs(item_id, "عنوان"), headers=NINJS)
            assert fine.status_code in (200, 201), fine.text

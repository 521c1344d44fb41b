"""The pull feed end to end: ``GET /v1/feed`` of a real server, with real keys.

Paging by ``next``, the limit clamped and said so, malformed cursors refused naming
``after``, long polling answered as soon as an item arrives, ``ETag`` answering 304 when
nothing is new, and the RSS and Atom documents with their ``Link: rel="next"``.
"""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree

from tests.conftest import BACKENDS
from tests.delivery.wire import ECONOMY, ENGLISH, SPORT, WAIT, Wire, ninjs_doc, shared
from tests.helpers import metric, retry_until

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module", params=BACKENDS)
def wire(request) -> Wire:
    return shared(request)


def economy(uri: str, language: str = "en") -> dict:
    return ninjs_doc(uri, f"Markets {uri}", ENGLISH, language, subjects=[ECONOMY])


def sport(uri: str) -> dict:
    return ninjs_doc(uri, f"Match {uri}", ENGLISH, "en", subjects=[SPORT])


def next_link(response) -> dict:
    """The query of the ``Link: <...>; rel="next"`` header."""
    link = response.headers["link"]
    assert link.endswith('; rel="next"'), link
    target = link[link.index("<") + 1 : link.index(">")]
    assert urlsplit(target).path == "/v1/feed"
    return {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}


def test_pages_follow_next_and_skip_what_is_not_theirs(wire):
    start = wire.last_seq()
    mine = []
    for n in range(7):
        mine.append(wire.publish(economy(f"urn:feed:page:{n}"))["sequence"])
        wire.publish(sport(f"urn:feed:other:{n}"))  # beta's, not delta's
    last = wire.last_seq()
    client = wire.client("delta")
    pages, cursor = [], str(start)
    while True:
        response = client.get("/v1/feed", params={"after": cursor, "limit": 3})
        assert response.status_code == 200
        page = response.json()
        assert page["after"] == cursor and page["limit"] == 3
        assert response.headers["x-newswire-next"] == page["next"]
        assert next_link(response) == {"after": page["next"], "limit": "3"}
        assert page["next_href"] == f"/v1/feed?after={page['next']}&limit=3"
        if not page["items"]:
            break
        pages.append(page)
        assert int(page["next"]) >= page["items"][-1]["sequence"]
        cursor = page["next"]
    assert [len(p["items"]) for p in pages] == [3, 3, 1]
    assert [e["sequence"] for p in pages for e in p["items"]] == mine
    assert [e["id"] for p in pages for e in p["items"]] == [f"urn:feed:page:{n}" for n in range(7)]
    # The cursor moved past the entries that are not delta's too: nothing is rescanned.
    assert cursor == str(last)
    assert "limit_clamped" not in pages[0] and "x-newswire-clamped" not in response.headers


def test_a_limit_over_the_maximum_is_clamped_and_said_so(wire):
    wire.publish(economy("urn:feed:clamped"))
    response = wire.client("delta").get("/v1/feed", params={"after": 0, "limit": 5000})
    assert response.status_code == 200
    page = response.json()
    assert page["limit"] == 500
    assert page["limit_clamped"] == "limit 5000 is over the maximum: 500 used"
    assert response.headers["x-newswire-clamped"] == page["limit_clamped"]
    assert next_link(response)["limit"] == "500"
    # The wait too (answered at once: delta has entries after 0).
    both = wire.client("delta").get("/v1/feed", params={"after": 0, "limit": 501, "wait": 600})
    assert both.json()["wait_clamped"] == "wait 600 is over the maximum: 60 used"
    assert both.headers["x-newswire-clamped"] == (
        "limit 501 is over the maximum: 500 used; wait 600 is over the maximum: 60 used"
    )
    zero = wire.client("delta").get("/v1/feed", params={"limit": 0})
    assert zero.status_code == 400 and zero.json()["field"] == "limit"


@pytest.mark.parametrize("cursor", ["abc", "-1", "1.5", "١٢", "1" * 30, "0x10", "1e3"])
def test_a_malformed_cursor_is_a_problem_naming_after(wire, cursor):
    response = wire.client("alpha").get("/v1/feed", params={"after": cursor})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["field"] == "after"
    assert "cursor" in problem["detail"]


def test_a_cursor_past_the_end_of_the_log_is_refused_not_followed(wire):
    """A cursor no page ever gave (a timestamp, a cursor of a database since restored from
    an older copy) would pass over every entry up to it without a word: refused, naming
    ``after`` and the log's last entry, with a long poll too; the head itself is a cursor."""
    head = wire.last_seq()
    client = wire.client("alpha")
    assert client.get("/v1/feed", params={"after": str(head)}).status_code == 200
    for params in ({"after": str(head + 1000)}, {"after": "1733400000", "wait": "5"}):
        response = client.get("/v1/feed", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["field"] == "after"
        assert "past the end of the event log" in problem["detail"]


@pytest.mark.parametrize("params,field", [
    ({"after": "abc"}, "after"),
    ({"format": "bogus"}, "format"),
    ({"limit": "0"}, "limit"),
    ({"limit": "many"}, "limit"),
    ({"wait": "-1"}, "wait"),
    ({"wait": "nan"}, "wait"),
])
def test_every_bad_parameter_is_one_kind_of_problem_naming_it(wire, params, field):
    # A client tells a 400 of its own making by the problem's type: a cursor or format
    # was "urn:newswire:problem:bad-input", a limit or wait "about:blank", "Bad request".
    response = wire.client("alpha").get("/v1/feed", params=params)
    assert response.status_code == 400
    problem = response.json()
    assert (problem["type"], problem["title"], problem["field"]) == (
        "urn:newswire:problem:bad-input", "Bad input", field,
    )
    assert problem["detail"].startswith(f"{field}: ")
    if params.get("wait") == "nan":  # not a number, where it said "greater than or equal to 0"
        assert "finite number" in problem["detail"]


def waits(wire: Wire) -> float:
    """How many times long polls began waiting for the log (``newswire_feed_waits``)."""
    return metric(wire.server.url, "newswire_feed_waits_total")


def test_a_long_poll_waits_until_an_item_of_the_callers_arrives(wire):
    after = wire.last_seq()
    result: dict = {}
    began = waits(wire)

    def poll() -> None:
        with wire.server.client(wire.keys["delta"]) as client:
            result["response"] = client.get("/v1/feed", params={"after": after, "wait": 60})

    poller = threading.Thread(target=poll)
    poller.start()
    retry_until(lambda: waits(wire) >= began + 1, "the long poll to wait")
    assert poller.is_alive(), "the long poll answered before anything was published"
    # /metrics says how many long polls wait now (the README's "long polls waiting").
    assert metric(wire.server.url, "newswire_feed_waiting") == 1
    wire.publish(sport("urn:feed:poll:not-delta"))  # wakes the hub, not delta's: waits on
    retry_until(lambda: waits(wire) >= began + 2, "the long poll to wait again")
    assert poller.is_alive(), "the long poll answered an item that is not the caller's"
    receipt = wire.publish(economy("urn:feed:poll:1"))
    poller.join(3 * WAIT)  # answered at once, long before its 60 s wait is over
    assert not poller.is_alive(), "the long poll was not answered when its item came"
    page = result["response"].json()
    assert [e["id"] for e in page["items"]] == ["urn:feed:poll:1"]
    assert page["items"][0]["sequence"] == receipt["sequence"] == int(page["next"])
    retry_until(
        lambda: metric(wire.server.url, "newswire_feed_waiting") == 0, "no long poll waiting"
    )


def test_a_long_poll_with_nothing_new_answers_an_empty_page_after_the_wait(wire):
    after = str(wire.last_seq())
    began = waits(wire)
    response = wire.client("delta").get("/v1/feed", params={"after": after, "wait": 1})
    assert response.status_code == 200
    page = response.json()
    assert page["items"] == [] and page["next"] == after
    # It waited (once: nothing woke it) before answering, and then answered.
    assert waits(wire) == began + 1
    clamped = wire.client("delta").get("/v1/feed", params={"after": after, "wait": 0})
    assert clamped.json()["items"] == [] and "wait_clamped" not in clamped.json()
    assert waits(wire) == began + 1  # wait=0: an answer at once


def test_etag_answers_304_until_something_new(wire):
    client = wire.client("delta")
    after = wire.last_seq()
    first = client.get("/v1/feed", params={"after": after})
    etag = first.headers["etag"]
    again = client.get("/v1/feed", params={"after": after}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert first.json()["items"] == []
    wire.publish(economy("urn:feed:etag:1"))
    fresh = client.get("/v1/feed", params={"after": after}, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    assert [e["id"] for e in fresh.json()["items"]] == ["urn:feed:etag:1"]


@pytest.mark.parametrize("fmt,media_type", [
    ("rss", "application/rss+xml"),
    ("atom", "application/atom+xml"),
    ("jsonfeed", "application/feed+json"),
])
def test_rss_and_atom_feeds_link_to_the_next_page(wire, fmt, media_type):
    start = wire.last_seq()
    for n in range(3):
        wire.publish(economy(f"urn:feed:{fmt}:{n}"))
    for who, access in (("beta", "teaser"), ("delta", "full")):
        response = wire.client(who).get(
            "/v1/feed", params={"after": start, "limit": 2, "format": fmt}
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
        in_body = None  # the next page's URL the document itself gives (RSS has none)
        if fmt == "rss":
            root = etree.fromstring(response.content)
            entries = root.findall("channel/item")
            ids = [e.findtext("guid") for e in entries]
        elif fmt == "atom":
            root = etree.fromstring(response.content)
            assert root.tag == f"{ATOM}feed"
            entries = root.findall(f"{ATOM}entry")
            ids = [e.findtext(f"{ATOM}id") for e in entries]
            [in_body] = root.xpath("a:link[@rel='next']/@href", namespaces={"a": ATOM[1:-1]})
        else:
            document = response.json()
            ids = [e["id"] for e in document["items"]]
            in_body = document["next_url"]
        assert ids == [f"urn:feed:{fmt}:0", f"urn:feed:{fmt}:1"], who
        query = next_link(response)
        assert query["format"] == fmt and query["limit"] == "2"
        assert query["after"] == response.headers["x-newswire-next"]
        if in_body is not None:  # absolute, to the same page as the Link header
            linked = response.headers["link"].split(">", 1)[0].lstrip("<")
            assert in_body.startswith("http") and in_body.endswith(linked), (in_body, linked)
        text = response.content.decode()
        assert ENGLISH[0][:50] in text
        assert (ENGLISH[-1] in text) is (access == "full"), who
        # The next page has the third.
        rest = wire.client(who).get("/v1/feed", params=query)
        assert f"urn:feed:{fmt}:2" in rest.text and f"urn:feed:{fmt}:1" not in rest.text


def test_feed_format_refusals(wire):
    unknown = wire.client("delta").get("/v1/feed", params={"format": "docx"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "format"


@pytest.mark.parametrize("fmt", ["ninjs", "ninjs2"])
def test_every_ninjs_version_is_embedded_as_json_under_item(wire, fmt):
    # ninjs 2's media type carries a parameter (…+json;version=2): its entries were a
    # JSON string under "content", which a client had to decode a second time.
    start = wire.last_seq()
    wire.publish(economy(f"urn:feed:embedded:{fmt}"))
    page = wire.client("delta").get("/v1/feed", params={"after": start, "format": fmt}).json()
    (entry,) = page["items"]
    assert "content" not in entry and entry["format"] == fmt
    assert entry["item"]["uri"] == f"urn:feed:embedded:{fmt}"
    assert entry["item"]["standard"]["version"] == ("3.1" if fmt == "ninjs" else "2.2")

"""Live delivery end to end: Server-Sent Events and WebSocket clients of a real server.

Each subscriber receives exactly its items on every channel, as its product says (full
text or teaser); a reconnect by cursor in the middle of a burst of 1,000 items loses
nothing and repeats nothing; a slow client is cut off with a reason and resumes without
loss while the others go on; quiet streams get heartbeats.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import BACKENDS, SEED
from tests.delivery.wire import (
    ARABIC,
    ECONOMY,
    ENGLISH,
    SPORT,
    WAIT,
    Stream,
    Wire,
    ninjs_doc,
    shared,
    up_to,
    ws_collect,
    ws_connect,
    ws_until_id,
)
from tests.helpers import LONG, Server

SEED_BODY_LAST = "وما يزيد على 11 ألف مفقود."
SEED_FOOTER = "الأخبار المنشورة على الصفحة الرسمية لوكالة الأناضول"


@pytest.fixture(scope="module", params=BACKENDS)
def wire(request) -> Wire:
    return shared(request)


@pytest.fixture(scope="module")
def tight(wire):
    """A second server on the same database: live connections may fall 5 events behind,
    quiet streams get a heartbeat every second."""
    server = Server(wire.db, env={"NEWSWIRE_STREAM_BUFFER": "5", "NEWSWIRE_HEARTBEAT": "1"})
    yield server
    server.close()


def body_of(entry: dict) -> str:
    return "\n\n".join(b["value"] for b in entry["item"]["bodies"] if b["role"] == "main")


# --- who gets what ------------------------------------------------------------------------


def test_each_subscriber_receives_exactly_its_items_on_every_channel(wire):
    start = wire.last_seq()
    who = ("alpha", "beta", "delta")
    with contextlib.ExitStack() as stack:
        streams = {name: stack.enter_context(wire.stream(name, after=start)) for name in who}
        sockets = {name: stack.enter_context(wire.ws(name, after=start)) for name in who}
        docs = [
            ninjs_doc("urn:e2e:fr-sport", "Le match", ["Un paragraphe.", "Un autre."], "fr",
                      subjects=[SPORT]),
            SEED.read_bytes(),
            ninjs_doc("urn:e2e:en-sport", "The match", ENGLISH, "en", subjects=[SPORT]),
            ninjs_doc("urn:e2e:ar-economy", "الفائدة", ARABIC, "ar", subjects=[ECONOMY]),
            ninjs_doc("urn:e2e:en-economy", "Rates held", ENGLISH, "en", subjects=[ECONOMY]),
        ]
        receipts = [
            wire.publish(d) if isinstance(d, dict) else wire.publish(d, "text/plain; charset=utf-8")
            for d in docs
        ]
        assert all(r["created"] for r in receipts)
        seed_id = receipts[1]["id"]
        expected = {
            "alpha": {seed_id: "full", "urn:e2e:ar-economy": "full"},
            "beta": {"urn:e2e:en-sport": "teaser", "urn:e2e:en-economy": "teaser"},
            "delta": {"urn:e2e:ar-economy": "full", "urn:e2e:en-economy": "full"},
        }
        seq_of = {r["id"]: r["sequence"] for r in receipts}
        # Every channel carries a subscriber's entries in sequence order: once the last
        # item published for it has come, anything else it were to get has come before.
        # That is en-economy for beta and delta; alpha gets a sentinel after it.
        sentinel = wire.publish(
            ninjs_doc("urn:e2e:sentinel", "علامة", ARABIC, "ar", subjects=[SPORT])
        )["id"]
        last = {"alpha": sentinel, "beta": "urn:e2e:en-economy", "delta": "urn:e2e:en-economy"}

        # Each channel: the feed (from the store), SSE and WebSocket (from the hub).
        got: dict[tuple[str, str], list[dict]] = {}
        for name in who:
            end = last[name]
            fed = wire.feed_all(name, start, wait=WAIT,
                                until=lambda e, end=end: any(x["id"] == end for x in e))
            got[name, "feed"] = up_to(fed, end)
            got[name, "sse"] = streams[name].wait_id(end)
            got[name, "ws"] = ws_until_id(sockets[name], end)
        got = {k: [e for e in entries if e["id"] != sentinel] for k, entries in got.items()}
        for (name, channel), entries in got.items():
            where = f"{name} by {channel}"
            assert {e["id"]: e["access"] for e in entries} == expected[name], where
            assert len(entries) == len(expected[name]), where  # nothing twice
            assert [e["sequence"] for e in entries] == sorted(seq_of[e["id"]] for e in entries)
            for e in entries:
                assert e["kind"] == "item" and e["embargoed"] is False, where
                assert e["item"]["uri"] == e["id"], where
                body = body_of(e)
                if e["id"] == seed_id:  # full text: to the last paragraph, and the footer
                    assert body.endswith(SEED_BODY_LAST), where
                    assert SEED_FOOTER in json.dumps(e["item"], ensure_ascii=False), where
                elif e["id"].startswith("urn:e2e:en"):
                    assert body.startswith(ENGLISH[0][:60]), where
                    if e["access"] == "teaser":
                        assert ENGLISH[-1] not in body, where  # never the last paragraph
                    else:
                        assert body.endswith(ENGLISH[-1]), where
                else:
                    assert body.endswith(ARABIC[-1]), where
        # SSE frames: the id is the sequence number, the event the kind.
        for event in streams["alpha"].snapshot():
            envelope = event.json()
            assert event.id == str(envelope["sequence"]) and event.event == envelope["kind"]


def test_a_stream_without_a_cursor_starts_with_what_comes_next(wire):
    with wire.stream("beta", after=wire.last_seq()) as earlier:
        wire.publish(ninjs_doc("urn:e2e:before-connect", "Before", ENGLISH, "en"))
        earlier.wait_count(1)  # the hub is past it
    wire_at = wire.last_seq()
    with wire.stream("beta") as stream:
        assert stream.response_headers["x-newswire-after"] == str(wire_at)
        wire.publish(ninjs_doc("urn:e2e:after-connect", "After", ENGLISH, "en"))
        entries = stream.wait_count(1)
    assert [e["id"] for e in entries] == ["urn:e2e:after-connect"]


def test_every_http_implementation_carries_the_same_events(wire):
    """``newswire serve`` (httptools) lets the hub write events straight to an idle
    stream's connection; uvicorn's h11 goes through ASGI messages. The bytes and the
    order must not differ."""
    h11 = Server(wire.db, http="h11")
    try:
        start = wire.last_seq()
        with (
            wire.stream("beta", after=start) as direct,
            Stream(h11.url, wire.keys["beta"], after=start) as plain,
        ):
            published = [
                wire.publish(ninjs_doc(f"urn:e2e:h11:{n}", f"Item {n}", ENGLISH, "en"))
                for n in range(30)
            ]
            assert len(direct.wait_count(30, prefix="urn:e2e:h11:")) == 30
            assert len(plain.wait_count(30, prefix="urn:e2e:h11:", timeout=10)) == 30
        assert [e.id for e in direct.snapshot()] == [e.id for e in plain.snapshot()]
        assert [e.data for e in direct.snapshot()] == [e.data for e in plain.snapshot()]
        assert direct.seqs()[-30:] == [r["sequence"] for r in published]
    finally:
        h11.close()


def test_a_stream_in_another_format_carries_it_as_content(wire):
    start = wire.last_seq()
    with wire.stream("beta", after=start, params={"format": "nitf"}) as stream:
        wire.publish(ninjs_doc("urn:e2e:nitf", "In NITF", ENGLISH, "en"))
        [entry] = stream.wait_count(1)
    assert entry["format"] == "nitf" and entry["access"] == "teaser"
    assert entry["content"].lstrip().startswith("<") and "<nitf" in entry["content"]
    assert ENGLISH[0][:40] in entry["content"] and ENGLISH[-1] not in entry["content"]


# --- resuming in the middle of a burst ----------------------------------------------------

PER_POST = 25 if LONG else 10
"""Items a POST: the burst is 1,000 items in the long mode (``tests.helpers.LONG``), 400
otherwise; its steps (the POSTs made before, while and after the readers are away, where
each reader hangs up) are the same."""
PREFIX = "urn:burst:"
POSTS = 40
BURST = POSTS * PER_POST
BEFORE_CUTS = 24
"""POSTs made before the live readers hang up (600 items, or 240: past every reader's cut)."""
CUTS = {"sse Last-Event-ID": 10 * PER_POST, "sse ?after=": 16 * PER_POST, "ws ?after=": 22 * PER_POST}
"""The burst items each live reader reads before it hangs up: before, among and after
the items of the POSTs that end before any has hung up."""
WHILE_AWAY = 8
"""POSTs made once every live reader has hung up, before any reconnects."""


def rss(first: int, count: int) -> bytes:
    entries = "".join(
        f'<item><guid isPermaLink="false">{PREFIX}{n}</guid><title>خبر عاجل رقم {n}</title>'
        f"<description>نص الخبر رقم {n} من الدفعة.</description></item>"
        for n in range(first, first + count)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>وكالة</title><link>http://example.org/</link><description>أخبار</description>"
        f"<language>ar</language>{entries}</channel></rss>"
    ).encode()


class Burst:
    """``BURST`` Arabic items published in 40 POSTs of an RSS feed, by a thread, in step with
    the three live readers (never by the clock): the first POST once every reader is
    connected; 24 POSTs (past every reader's cut); once every reader has hung
    up, 8 more while nobody listens; then the rest while the readers reconnect, the last
    one only once all have, so that each reconnects in the middle of the burst."""

    def __init__(self, wire: Wire, readers: int):
        self.wire = wire
        self.readers = readers
        self.seqs: dict[int, str] = {}
        self.posts = 0
        self.counts = {"connected": 0, "hung up": 0, "reconnected": 0}
        self.changed = threading.Condition()

    def _wait(self, check: Callable[[], bool], what: str) -> None:
        with self.changed:
            assert self.changed.wait_for(check, 3 * WAIT), f"the burst waited for {what}"

    def _all(self, step: str) -> None:
        self._wait(lambda: self.counts[step] == self.readers, f"every reader {step}")

    def _post(self, n: int) -> None:
        body = self.wire.publish(rss(n * PER_POST, PER_POST), "application/rss+xml")
        assert not body["rejected"], body["rejected"]
        self.seqs.update({r["sequence"]: r["id"] for r in body["items"] if r["created"]})
        with self.changed:
            self.posts += 1
            self.changed.notify_all()

    def run(self) -> None:
        self._all("connected")
        for n in range(BEFORE_CUTS):
            self._post(n)
        self._all("hung up")
        for n in range(BEFORE_CUTS, POSTS - 1):
            self._post(n)
        self._all("reconnected")
        self._post(POSTS - 1)

    # --- the readers' side

    def reader(self, step: str) -> int:
        """A reader says it has ``step``; the POSTs made by then."""
        with self.changed:
            self.counts[step] += 1
            self.changed.notify_all()
            return self.posts

    def until_published_while_away(self) -> None:
        self._wait(lambda: self.posts >= BEFORE_CUTS + WHILE_AWAY, "items published meanwhile")


def burst_only(entries: list[dict]) -> list[dict]:
    return [e for e in entries if e["id"].startswith(PREFIX)]


def sse_resuming(wire: Wire, burst: Burst, start: int, cut: int, how: str) -> tuple[list, int]:
    """Read a stream until ``cut`` burst items came, hang up, reconnect by ``how``
    (Last-Event-ID or ?after=) once items were published meanwhile, and read the rest.
    What came, and the POSTs made when it reconnected."""
    with wire.stream("alpha", after=start) as first:
        burst.reader("connected")
        first.wait_count(cut, timeout=3 * WAIT, prefix=PREFIX)
    burst.reader("hung up")
    before = first.entries()
    last = first.last_id()
    burst.until_published_while_away()
    # A browser's EventSource reconnects to the same URL (its ?after= too) adding
    # Last-Event-ID: the header wins.
    kwargs = {"last_event_id": last, "after": start} if how == "last-event-id" else {"after": last}
    with wire.stream("alpha", **kwargs) as second:
        reconnected = burst.reader("reconnected")
        assert second.response_headers["x-newswire-after"] == last
        second.wait_count(BURST - len(burst_only(before)), timeout=3 * WAIT, prefix=PREFIX)
    return burst_only(before) + burst_only(second.entries()), reconnected


def ws_resuming(wire: Wire, burst: Burst, start: int, cut: int) -> tuple[list, int]:
    with wire.ws("alpha", after=start) as ws:
        burst.reader("connected")
        before = ws_collect(ws, lambda r: len(burst_only(r)) >= cut, 3 * WAIT)
    burst.reader("hung up")
    last = before[-1]["sequence"]
    burst.until_published_while_away()
    with wire.ws("alpha", after=last) as ws:
        reconnected = burst.reader("reconnected")
        rest = ws_collect(ws, lambda r: len(burst_only(before + r)) >= BURST, 3 * WAIT)
    return burst_only(before) + burst_only(rest), reconnected


def feed_paging(wire: Wire, burst: Burst, start: int) -> tuple[list[dict], int]:
    """A feed client long polling page by page, 100 at a time, through the burst, until
    it has the whole burst or a poll brings nothing once the burst is all published."""
    entries: list[dict] = []
    cursor = str(start)
    while len(burst_only(entries)) < BURST:
        done = burst.posts == POSTS  # read before the poll: what it returns is then final
        page = wire.feed("alpha", cursor, limit=100, wait=2)
        entries.extend(page["items"])
        cursor = page["next"]
        if done and not page["items"]:
            break
    return burst_only(entries), 0


@pytest.fixture(scope="module")
def burst(wire):
    """The burst, with three live clients hanging up and resuming in the middle of it
    (SSE by Last-Event-ID, SSE by ?after=, WebSocket by ?after=) and a feed client."""
    start = wire.last_seq()
    publisher = Burst(wire, readers=3)
    with ThreadPoolExecutor(5) as pool:
        readers = {
            "sse Last-Event-ID": pool.submit(
                sse_resuming, wire, publisher, start, CUTS["sse Last-Event-ID"], "last-event-id"
            ),
            "sse ?after=": pool.submit(
                sse_resuming, wire, publisher, start, CUTS["sse ?after="], "after"
            ),
            "ws ?after=": pool.submit(ws_resuming, wire, publisher, start, CUTS["ws ?after="]),
            "feed": pool.submit(feed_paging, wire, publisher, start),
        }
        pool.submit(publisher.run).result()
        results = {name: future.result() for name, future in readers.items()}
    return publisher, results


@pytest.mark.parametrize("reader", ["sse Last-Event-ID", "sse ?after=", "ws ?after=", "feed"])
def test_resuming_in_the_middle_of_a_burst_loses_and_repeats_nothing(burst, reader):
    publisher, results = burst
    entries, reconnected = results[reader]
    assert len(publisher.seqs) == BURST
    # Exactly the burst, each item once, in sequence order.
    assert [e["sequence"] for e in entries] == sorted(publisher.seqs)
    assert [e["id"] for e in entries] == [publisher.seqs[s] for s in sorted(publisher.seqs)]
    assert all(e["kind"] == "item" and e["access"] == "full" for e in entries)
    if reader != "feed":  # it reconnected while items were still being published
        assert BEFORE_CUTS + WHILE_AWAY <= reconnected < POSTS


# --- a slow client, heartbeats ------------------------------------------------------------


def big_item(n: int) -> dict:
    paragraph = " ".join(ARABIC[:2])
    return ninjs_doc(f"urn:e2e:big:{n}", f"خبر طويل {n}", [paragraph] * 600, "ar")


def test_a_slow_client_is_cut_off_and_resumes_while_others_go_on(wire, tight):
    start = wire.last_seq()
    # A small receive buffer: the server's writes to it block after a few items, whatever
    # the machine's TCP buffer sizes.
    small = httpx.HTTPTransport(socket_options=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)])
    slow = Stream(tight.url, wire.keys["alpha"], after=start, transport=small)
    other = Stream(tight.url, wire.keys["beta"], after=start)
    resumed = None
    try:
        first = wire.publish(big_item(0))
        slow.wait_count(1, prefix="urn:e2e:big:")
        slow.pause()  # reads no more: the server's writes to it block, events pile up
        published = [first["sequence"]]
        with tight.client(wire.keys["desk"]) as desk:
            for n in range(1, 40):
                response = desk.post("/v1/items", json=big_item(n),
                                     headers={"Content-Type": "application/ninjs+json"})
                assert response.status_code == 201, response.text
                published.append(response.json()["sequence"])
            # Meanwhile another subscriber's stream on the same server is served, while
            # the slow one still reads nothing.
            desk.post("/v1/items", json=ninjs_doc("urn:e2e:prompt", "Prompt", ENGLISH, "en"),
                      headers={"Content-Type": "application/ninjs+json"})
        [prompt] = other.wait_count(1)
        assert prompt["id"] == "urn:e2e:prompt"
        assert other.close_reason is None
        slow.resume()
        assert "more than 5 events were waiting" in slow.wait_closed(3 * WAIT)
        # It says where to resume: after the last event the connection carried.
        assert slow.close_reason.endswith(
            f"reconnect with Last-Event-ID (or ?after=) {slow.last_id()} to resume"
        )
        assert slow.done.wait(5), "the server did not end the slow stream"
        before = [e for e in slow.entries() if e["id"].startswith("urn:e2e:big:")]
        assert len(before) < len(published)  # it was cut off before the end
        resumed = Stream(tight.url, wire.keys["alpha"], last_event_id=slow.last_id())
        rest = resumed.wait_count(len(published) - len(before), 2 * WAIT, prefix="urn:e2e:big:")
        seqs = [e["sequence"] for e in before + rest]
        assert seqs == published  # nothing lost, nothing twice
    finally:
        for stream in (slow, other, resumed):
            if stream is not None:
                stream.close()


def test_a_quiet_stream_gets_heartbeats(wire, tight):
    """A quiet stream gets a heartbeat comment every NEWSWIRE_HEARTBEAT (1 s on ``tight``):
    the read timeout, shorter than the default 15 s, tells the setting from the default."""
    headers = {"Authorization": f"Bearer {wire.keys['delta']}"}
    beats = 0
    with (
        httpx.Client(base_url=tight.url, timeout=httpx.Timeout(10, read=8)) as client,
        client.stream("GET", "/v1/stream", headers=headers,
                      params={"after": wire.last_seq()}) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        try:
            for line in response.iter_lines():
                if line == ": heartbeat":
                    beats += 1
                    if beats == 2:
                        break
                else:  # nothing but the opening frame: the stream is quiet
                    assert line in ("retry: 2000", ": connected", ""), line
        except httpx.ReadTimeout:
            pytest.fail(f"{beats} heartbeats, then none for 8 s: not one a second")
    assert beats == 2


def test_stream_refusals(wire):
    def refused(**kwargs) -> Stream:
        stream = Stream(wire.server.url, **kwargs)
        stream.close()
        return stream

    no_key = refused(key=None)
    assert no_key.status == 401
    bad_cursor = refused(key=wire.keys["alpha"], last_event_id="12abc")
    assert bad_cursor.status == 400 and b"Last-Event-ID" in bad_cursor.body
    # A cursor past the end of the log would skip, in silence, every entry up to it.
    past = str(wire.last_seq() + 1000)
    ahead = refused(key=wire.keys["alpha"], last_event_id=past)
    assert ahead.status == 422 and b'"Last-Event-ID"' in ahead.body and b"past the end" in ahead.body
    ahead = refused(key=wire.keys["alpha"], params={"after": past})
    assert ahead.status == 422 and b'"after"' in ahead.body
    feed_format = refused(key=wire.keys["alpha"], params={"format": "rss"})
    assert feed_format.status == 400 and b'"format"' in feed_format.body
    # The stream is served ahead of the framework's routing: the same problem bodies,
    # headers and method handling as every other route.
    with wire.server.client() as client:
        anonymous = client.get("/v1/stream")
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert anonymous.json()["field"] == "Authorization"
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
    with wire.server.client(wire.keys["alpha"]) as client:
        posted = client.post("/v1/stream")
        assert posted.status_code == 405
        assert posted.headers["content-type"] == "application/problem+json"
        head = client.head("/v1/stream")  # the headers, not an endless body
        assert head.status_code == 200
        assert head.headers["content-type"].startswith("text/event-stream")
        unknown_format = client.get("/v1/stream", params={"format": "docx"})
        assert unknown_format.status_code == 400
        assert unknown_format.json()["field"] == "format"


def test_websocket_refusals(wire):
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus) as no_key, ws_connect(wire.server.url, None):
        pass
    assert no_key.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as unknown, ws_connect(wire.server.url, "nw_abcdefghij_" + "x" * 43):
        pass
    assert unknown.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as bad_cursor, ws_connect(wire.server.url, wire.keys["alpha"], after="1.5"):
        pass
    assert bad_cursor.value.response.status_code == 400
    refused = json.loads(bytes(bad_cursor.value.response.body))
    assert (refused["type"], refused["field"]) == ("urn:newswire:problem:bad-input", "after")
    with pytest.raises(InvalidStatus) as ahead, ws_connect(
        wire.server.url, wire.keys["alpha"], after=str(wire.last_seq() + 1000)
    ):
        pass
    assert ahead.value.response.status_code == 422
    assert json.loads(bytes(ahead.value.response.body))["field"] == "after"


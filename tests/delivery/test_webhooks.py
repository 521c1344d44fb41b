"""Webhooks end to end: a real ``newswire serve`` POSTing to real HTTP receivers.

Each receiver is a small threaded ``http.server`` on 127.0.0.1 that records every call
(headers, body, time) and answers as the test scripts it: fail, trickle, or wait at a
gate. Items are published over HTTP, or stored by this process straight into the
database (as ``newswire ingest`` next to a running server would). Retries are made fast
through the server's environment.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import msgspec
import pytest

from newswire import formats
from newswire.access.keys import ApiKey, new_key
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.model import NewsItem
from newswire.store import open_store
from tests.conftest import SEED
from tests.helpers import Server, newswire

SECRET = "s3cret-for-tests-0123456789"
TIMEOUT = 1.0
# The receivers listen on 127.0.0.1, which webhooks may reach only when allowed.
FAST = {
    "NEWSWIRE_WEBHOOK_TIMEOUT": str(TIMEOUT),
    "NEWSWIRE_WEBHOOK_RETRY_BASE": "0.05",
    "NEWSWIRE_WEBHOOK_ALLOW_PRIVATE": "yes",
}


# --- a receiver ----------------------------------------------------------------------------


class Call:
    def __init__(self, headers: dict[str, str], body: bytes, at: float):
        self.headers, self.body, self.at = headers, body, at
        self.status: int | None = None

    @property
    def seq(self) -> int:
        return int(self.headers["x-newswire-sequence"])


class Receiver:
    """An HTTP endpoint recording each POST. ``script`` answers the first calls (a status,
    or ``"trickle"``: a status line, then one header byte every 50 ms for 10 s); after it,
    200 while ``gate`` is open, 503 while it is shut."""

    def __init__(self, script: tuple = (), *, gate_open: bool = True):
        self.calls: list[Call] = []
        self.script = list(script)
        self.gate = threading.Event()
        if gate_open:
            self.gate.set()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                call = Call({k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                with receiver.lock:
                    receiver.calls.append(call)
                    action = receiver.script.pop(0) if receiver.script else None
                if action == "trickle":
                    self._trickle()
                    return
                status = action or (200 if receiver.gate.is_set() else 503)
                call.status = status
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def _trickle(self):
                try:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    for _ in range(200):
                        self.wfile.write(b"z")
                        self.wfile.flush()
                        time.sleep(0.05)
                except OSError:  # the sender hung up: what the test wants
                    pass
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def accepted(self) -> list[Call]:
        """The calls answered 2xx, once per delivery (delivery is at least once)."""
        seen, out = set(), []
        with self.lock:
            calls = list(self.calls)
        for call in calls:
            delivery = call.headers["x-newswire-delivery"]
            if call.status == 200 and delivery not in seen:
                seen.add(delivery)
                out.append(call)
        return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_for(predicate, timeout: float = 10.0, what: str = "it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"waited {timeout} s for {what}")


def verify(call: Call, secret: str = SECRET) -> None:
    expected = "sha256=" + hmac.new(secret.encode(), call.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(call.headers["x-newswire-signature"], expected)


# --- the world -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('webhooks') / 'wh.db'}"
    store = open_store(url)
    for product in (
        Product(name="full-ar", access="full", languages=["ar"]),
        Product(name="teasers", access="teaser"),
        Product(name="english", access="full", languages=["en"]),
    ):
        store.access.add_product(product)
    store.close()
    return url


@pytest.fixture(scope="module")
def store(db):
    s = open_store(db)
    yield s
    s.close()


@pytest.fixture(scope="module")
def server(db):
    srv = Server(db, env={**FAST, "NEWSWIRE_WEBHOOK_RETRY_FOR": "600"})
    yield srv
    srv.close()


def key_for(store, subscriber: str = "", scope: str = "read") -> str:
    key, key_id, key_hash = new_key()
    store.access.add_key(
        ApiKey(id=key_id, scope=scope, name=subscriber or "desk", subscriber=subscriber), key_hash
    )
    return key


@pytest.fixture(scope="module")
def desk(server, store):
    with server.client(key_for(store, scope="publish")) as c:
        yield c


class Endpoint:
    """A subscriber with a read key, a receiver and a webhook registered for it."""

    def __init__(
        self, server, store, name: str, products: list[str], fmt: str = "ninjs", **receiver
    ):
        store.access.add_subscriber(Subscriber(name=name, products=products))
        self.client = server.client(key_for(store, name))
        self.receiver = Receiver(**receiver)
        response = self.client.post(
            "/v1/webhooks", json={"url": self.receiver.url, "secret": SECRET, "format": fmt}
        )
        assert response.status_code == 201, response.text
        self.id = response.json()["id"]

    def deliveries(self, **params) -> list[dict]:
        response = self.client.get("/v1/webhooks/deliveries", params=params)
        assert response.status_code == 200, response.text
        return response.json()["deliveries"]

    def close(self) -> None:
        self.client.delete(f"/v1/webhooks/{self.id}")
        self.client.close()
        self.receiver.close()


@pytest.fixture
def endpoints(server, store):
    made: list[Endpoint] = []

    def make(name: str, products: list[str], **kwargs) -> Endpoint:
        endpoint = Endpoint(server, store, name, products, **kwargs)
        made.append(endpoint)
        return endpoint

    yield make
    for endpoint in made:
        endpoint.close()


def ninjs(uri: str, headline: str = "خبر", lang: str = "ar", urgency: int = 5) -> dict:
    return {
        "uri": uri,
        "type": "text",
        "language": lang,
        "urgency": urgency,
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "نص الخبر."}],
    }


def publish(desk, uri: str, **fields) -> int:
    response = desk.post(
        "/v1/items", json=ninjs(uri, **fields), headers={"Content-Type": "application/ninjs+json"}
    )
    assert response.status_code == 201, response.text
    return response.json()["sequence"]


# --- the tests -----------------------------------------------------------------------------


def test_a_receiver_failing_three_times_still_gets_every_event_in_order_signed(
    desk, endpoints, server, db
):
    hook = endpoints("flaky", ["full-ar"], script=(500, 500, 503))
    seqs = [publish(desk, f"urn:test:flaky:{n}", headline=f"خبر {n}") for n in range(3)]
    seqs.append(publish(desk, "urn:test:flaky:0", headline="خبر 0 محدث"))  # an update

    got = wait_for(lambda: len(hook.receiver.accepted()) >= 4 and hook.receiver.accepted())
    assert [c.seq for c in got] == seqs
    assert [c.headers["x-newswire-event"] for c in got] == ["item", "item", "item", "update"]
    assert [(c.headers["x-newswire-item"], c.headers["x-newswire-version"]) for c in got] == [
        ("urn:test:flaky:0", "1"),
        ("urn:test:flaky:1", "1"),
        ("urn:test:flaky:2", "1"),
        ("urn:test:flaky:0", "2"),
    ]
    calls = hook.receiver.calls
    assert [c.status for c in calls[:4]] == [500, 500, 503, 200]
    assert len({c.headers["x-newswire-delivery"] for c in calls[:4]}) == 1  # one delivery
    assert [c.seq for c in calls] == sorted(c.seq for c in calls)  # never out of order
    for call in calls:
        verify(call)
        assert call.headers["content-type"] == "application/ninjs+json"
        assert call.headers["user-agent"].startswith("newswire/")
        assert call.headers["x-newswire-access"] == "full"
    assert formats.get("ninjs").parse(got[3].body)[0].headline == "خبر 0 محدث"

    first = next(d for d in hook.deliveries() if d["sequence"] == seqs[0])
    assert first["status"] == "delivered" and first["attempts"] == 4
    assert first["last_status"] == 200 and first["delivered_at"]
    with server.client() as anyone:
        metrics = anyone.get("/metrics").text
    assert 'newswire_webhook_attempts_total{outcome="retry"}' in metrics
    assert 'newswire_deliveries_total{channel="webhook"}' in metrics

    def usage() -> int:
        with sqlite3.connect(db.removeprefix("sqlite:///")) as con:
            row = con.execute(
                "SELECT sum(count) FROM usage WHERE subscriber = 'flaky' AND channel = 'webhook'"
            ).fetchone()
        return row[0] or 0

    wait_for(lambda: usage() >= 4, what="usage counted")  # flushed every 2 s
    assert usage() == 4


def test_a_withdrawal_reaches_the_webhook(desk, endpoints):
    hook = endpoints("withdrawn", ["full-ar"])
    seq = publish(desk, "urn:test:withdraw:1")
    response = desk.post("/v1/items/urn:test:withdraw:1/withdraw", json={"reason": "خطأ في الخبر"})
    assert response.status_code == 201
    got = wait_for(lambda: len(hook.receiver.accepted()) >= 2 and hook.receiver.accepted())
    assert [c.seq for c in got] == [seq, response.json()["sequence"]]
    assert got[1].headers["x-newswire-event"] == "withdraw"
    verify(got[1])
    item = formats.get("ninjs").parse(got[1].body)[0]
    assert item.pubstatus == "canceled" and item.id == "urn:test:withdraw:1"


def test_only_what_the_subscriber_is_entitled_to(desk, endpoints):
    english = endpoints("english-only", ["english"])
    arabic = endpoints("arabic-only", ["full-ar"])
    ar_seq = publish(desk, "urn:test:ent:ar")
    en_seq = publish(desk, "urn:test:ent:en", headline="News", lang="en")
    # Deliveries go in sequence order: once the English item is in, the Arabic one
    # before it would have been too, had it been the subscriber's.
    got = wait_for(lambda: english.receiver.accepted())
    assert [c.seq for c in got] == [en_seq]
    assert [c.seq for c in english.receiver.calls] == [en_seq]
    assert [c.seq for c in wait_for(lambda: arabic.receiver.accepted())] == [ar_seq]
    assert [d["sequence"] for d in english.deliveries()] == [en_seq]


def test_a_suspended_subscriber_gets_nothing_meanwhile(desk, endpoints, store):
    hook = endpoints("on-holiday", ["full-ar"])
    store.access.set_status("on-holiday", "suspended")
    during = publish(desk, "urn:test:suspended:1")
    wait_for(lambda: store.webhooks.get(hook.id).cursor >= during, what="the log read past it")
    store.access.set_status("on-holiday", "active")
    after = publish(desk, "urn:test:suspended:2")
    # In sequence order: had the first reached the outbox, it would have gone first.
    assert [c.seq for c in wait_for(lambda: hook.receiver.accepted())] == [after]
    assert [c.seq for c in hook.receiver.calls] == [after]


def test_full_and_teaser_bodies_the_same_bytes_for_everyone(desk, endpoints):
    full = endpoints("full-1", ["full-ar"])
    full_too = endpoints("full-2", ["full-ar"])
    teaser = endpoints("teaser-1", ["teasers"])
    xml = endpoints("full-xml", ["full-ar"], fmt="newsml")
    response = desk.post(
        "/v1/items",
        content=SEED.read_bytes(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    assert response.status_code in (200, 201)
    seq = response.json()["sequence"]
    bodies = {}
    for name, hook in (("full", full), ("full2", full_too), ("teaser", teaser), ("xml", xml)):
        (call,) = wait_for(lambda hook=hook: hook.receiver.accepted(), what=name)
        assert call.seq == seq
        verify(call)
        bodies[name] = call
    assert bodies["full"].body == bodies["full2"].body
    assert bodies["full"].headers["x-newswire-access"] == "full"
    assert bodies["teaser"].headers["x-newswire-access"] == "teaser"
    last_paragraph = formats.get("text").parse(SEED.read_bytes())[0].body[-1].encode()
    assert last_paragraph in bodies["full"].body
    assert last_paragraph not in bodies["teaser"].body
    assert len(bodies["teaser"].body) < len(bodies["full"].body)
    assert bodies["xml"].headers["content-type"] == formats.get("newsml").media_type
    assert bodies["xml"].body.lstrip().startswith(b"<?xml")


def test_a_hanging_receiver_is_cut_at_the_timeout_and_retried(desk, endpoints):
    slow = endpoints("slow", ["full-ar"], script=("trickle",))
    fast = endpoints("fast", ["full-ar"])
    seq = publish(desk, "urn:test:slow:1")
    (quick,) = wait_for(lambda: fast.receiver.accepted(), what="the fast receiver")
    (done,) = wait_for(lambda: slow.receiver.accepted(), what="the retry")
    first = slow.receiver.calls[0]
    assert first.seq == done.seq == seq
    # The trickle would go on for 10 s; the total deadline cut it at TIMEOUT.
    assert TIMEOUT * 0.9 <= done.at - first.at < TIMEOUT + 2
    # Meanwhile the other endpoint was not held up.
    assert quick.at - first.at < TIMEOUT * 0.9
    # The receiver answered; the server records that a moment later.
    (delivery,) = wait_for(
        lambda: [d for d in slow.deliveries() if d["status"] == "delivered"], what="recorded"
    )
    assert delivery["attempts"] == 2


def test_flash_jumps_ahead_of_waiting_deliveries_not_of_a_failing_one(desk, endpoints, store):
    hook = endpoints("flash", ["full-ar"], gate_open=False)
    first = publish(desk, "urn:test:flash:a")
    wait_for(lambda: any(d["attempts"] for d in hook.deliveries()), what="a failed attempt")
    # Stored by this process in one batch, as `newswire ingest` would: the server finds
    # them by polling the store.
    parse = formats.get("ninjs").parse
    items: list[NewsItem] = [
        parse(msgspec.json.encode(ninjs(f"urn:test:flash:{n}", urgency=u)))[0]
        for n, u in (("b", 5), ("c", 3), ("f", 1))
    ]
    b, c, f = (r.seq for r in store.append_many(items))
    wait_for(lambda: len(hook.deliveries()) == 4, what="four deliveries enqueued")
    hook.receiver.gate.set()
    got = wait_for(lambda: len(hook.receiver.accepted()) >= 4 and hook.receiver.accepted())
    # The failing delivery keeps its place; the flash goes before those still waiting.
    assert [call.seq for call in got] == [first, f, b, c]


def test_dead_letters_are_listed_and_can_be_redelivered(tmp_path):
    db = f"sqlite:///{tmp_path / 'dead.db'}"
    local = open_store(db)
    local.access.add_product(Product(name="all", access="full"))
    local.access.add_subscriber(Subscriber(name="gone-away", products=["all"]))
    key = key_for(local, "gone-away")
    publish_key = key_for(local, scope="publish")
    local.close()
    receiver = Receiver(gate_open=False)
    server = Server(db, env={**FAST, "NEWSWIRE_WEBHOOK_RETRY_FOR": "1"})
    try:
        with server.client(key) as client, server.client(publish_key) as desk:
            response = client.post("/v1/webhooks", json={"url": receiver.url, "secret": SECRET})
            assert response.status_code == 201
            a = publish(desk, "urn:test:dead:a")
            b = publish(desk, "urn:test:dead:b")

            def failed():
                return client.get("/v1/webhooks/deliveries", params={"status": "failed"}).json()[
                    "deliveries"
                ]

            (dead,) = wait_for(failed, what="a dead letter")
            receiver.gate.set()  # the receiver is back: the endpoint has moved on to b
            assert dead["sequence"] == a and dead["last_status"] == 503
            assert dead["attempts"] >= 2 and dead["next_attempt_at"] is None
            assert "503" in dead["last_error"]
            listed = newswire("webhook", "deliveries", "--status", "failed", db=db)
            assert listed.returncode == 0 and dead["id"] in listed.stdout.decode()

            got = wait_for(lambda: receiver.accepted())
            assert [call.seq for call in got] == [b]

            again = client.post(f"/v1/webhooks/deliveries/{quote(dead['id'])}/redeliver")
            assert again.status_code == 202
            assert again.json()["status"] == "pending" and again.json()["attempts"] == 0
            got = wait_for(lambda: len(receiver.accepted()) == 2 and receiver.accepted())
            assert [call.seq for call in got] == [b, a]
            verify(got[1])
            assert failed() == []

            def redone():
                listed = client.get("/v1/webhooks/deliveries", params={"status": "delivered"})
                return [d for d in listed.json()["deliveries"] if d["id"] == dead["id"]]

            assert wait_for(redone, what="recorded")[0]["attempts"] == 1
    finally:
        server.close()
        receiver.close()

"""Webhooks end to end: a real ``newswire serve`` POSTing to real HTTP receivers.

Each receiver is a small threaded ``http.server`` on 127.0.0.1 that records every call
(headers, body, the order of what happened) and answers as the test scripts it: fail,
trickle, or wait at a gate; a test waiting for a call is woken by its arrival. Items are
published over HTTP, or stored by this process straight into the database (as ``newswire
ingest`` next to a running server would). Retries are made fast through the server's
environment.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import httpx
import msgspec
import pytest

from newswire import formats
from newswire.access.keys import ApiKey, new_key
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.delivery.webhooks import retry_after
from newswire.model import NewsItem
from newswire.store import open_store
from newswire.store.webhooks import Advance, Outgoing
from tests.conftest import SEED
from tests.helpers import Server, query, retry_until
from tests.helpers import newswire_here as newswire

SECRET = "s3cret-for-tests-0123456789"
TIMEOUT = 1.0
# The receivers listen on 127.0.0.1, which webhooks may reach only when allowed.
FAST = {
    "NEWSWIRE_WEBHOOK_TIMEOUT": str(TIMEOUT),
    "NEWSWIRE_WEBHOOK_RETRY_BASE": "0.05",
    "NEWSWIRE_WEBHOOK_ALLOW_PRIVATE": "yes",
}
WAIT = 20.0
"""Seconds a test waits for a call before it fails (a guard: passing tests never do)."""
TRICKLE_EVERY = 0.05
"""A trickling receiver's pace: one header byte this often (what it plays, not a wait)."""
HAPPENED = itertools.count()
"""The order of what happened at every receiver: calls received, connections cut."""


# --- a receiver ----------------------------------------------------------------------------


class Call:
    def __init__(self, headers: dict[str, str], body: bytes):
        self.headers, self.body = headers, body
        self.order = next(HAPPENED)
        self.status: int | None = None
        self.cut: int | None = None
        """When trickling: the order at which the sender hung up on it."""

    @property
    def seq(self) -> int:
        return int(self.headers["x-newswire-sequence"])


class Receiver:
    """An HTTP endpoint recording each POST. ``script`` answers the first calls (a status,
    a status with headers as ``(status, {name: value})`` and a body as ``(status, {name:
    value}, body)``, ``"trickle"``: a status line, then one header byte every ``TRICKLE_EVERY``, until
    the sender hangs up, or ``"hold"``: 200 once ``release`` is set); after it, 200 while
    ``gate`` is open, 503 while it is shut."""

    def __init__(self, script: tuple = (), *, gate_open: bool = True):
        self.calls: list[Call] = []
        self.script = list(script)
        self.gate = threading.Event()
        if gate_open:
            self.gate.set()
        self.changed = threading.Condition()
        self.closing = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                call = Call({k.lower(): v for k, v in self.headers.items()}, body)
                with receiver.changed:
                    receiver.calls.append(call)
                    action = receiver.script.pop(0) if receiver.script else None
                    receiver.changed.notify_all()
                if action == "trickle":
                    self._trickle(call)
                    return
                if action == "hold":
                    receiver.release.wait()
                    action = 200
                extra: dict[str, str] = {}
                answer = b"ok"
                if isinstance(action, tuple):  # (status, headers) or (status, headers, body)
                    action, extra, *said = action
                    answer = said[0] if said else answer
                status = action or (200 if receiver.gate.is_set() else 503)
                with receiver.changed:
                    call.status = status
                    receiver.changed.notify_all()
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def _trickle(self, call: Call):
                try:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    while not receiver.closing.wait(TRICKLE_EVERY):
                        self.wfile.write(b"z")
                        self.wfile.flush()
                except OSError:  # the sender hung up: what the test wants
                    with receiver.changed:
                        call.cut = next(HAPPENED)
                        receiver.changed.notify_all()
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
        with self.changed:
            calls = list(self.calls)
        for call in calls:
            delivery = call.headers["x-newswire-delivery"]
            if call.status == 200 and delivery not in seen:
                seen.add(delivery)
                out.append(call)
        return out

    def wait(self, check: Callable[[Receiver], object], what: str = "it",
             timeout: float = WAIT):
        """Block until ``check(self)`` returns something true (returned), woken by each
        call and answer; fails after ``timeout`` seconds."""
        with self.changed:
            found = self.changed.wait_for(lambda: check(self), timeout)
        assert found, f"waited {timeout:g} s for {what}"
        return found

    def wait_accepted(self, n: int, what: str = "the deliveries") -> list[Call]:
        """The calls accepted once there are ``n``."""
        return self.wait(lambda r: len(r.accepted()) >= n and r.accepted(), what)

    def close(self) -> None:
        self.closing.set()
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def verify(call: Call, secret: str = SECRET) -> None:
    expected = "sha256=" + hmac.new(secret.encode(), call.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(call.headers["x-newswire-signature"], expected)


# --- the world -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def db(module_store_url) -> str:
    url = module_store_url
    store = open_store(url)
    for product in (
        Product(name="full-ar", access="full", languages=["ar"]),
        Product(name="teasers", access="teaser"),
        Product(name="english", access="full", languages=["en"]),
    ):
        store.products.add(product)
    # An endpoint whose deliveries finished long ago (and one lately), before the server
    # starts: the server's purge at start removes the old ones. Its subscriber is
    # suspended, so that nothing later is sent to it.
    store.subscribers.add(Subscriber(name="archived", products=["full-ar"]))
    hook = store.webhooks.add("archived", "https://receiver.example/hook", SECRET, "ninjs")
    rows = [Outgoing(seq, f"urn:test:archived:{seq}", 1, "item", "full", "full-ar", 1) for seq in (1, 2, 3)]
    store.webhooks.advance([Advance(hook.id, hook.cursor, hook.cursor, rows)])
    for delivery, days in zip(store.webhooks.deliveries(webhook=hook.id), (1.5, 35, 40), strict=True):
        when = datetime.now(UTC) - timedelta(days=days)
        assert store.webhooks.claim(delivery, when, when + timedelta(seconds=10))
        assert store.webhooks.succeeded(delivery.id, 1, 200, when)
    store.subscribers.set_status("archived", "suspended")
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
    store.keys.add(
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
        store.subscribers.add(Subscriber(name=name, products=products))
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

    got = hook.receiver.wait_accepted(4)
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
        (row,) = query(
            db, "SELECT sum(count) FROM usage WHERE subscriber = 'flaky' AND channel = 'webhook'"
        )
        return row[0] or 0

    retry_until(lambda: usage() >= 4, "usage counted")  # a flush every 2 s writes it
    assert usage() == 4


def test_a_withdrawal_reaches_the_webhook(desk, endpoints):
    hook = endpoints("withdrawn", ["full-ar"])
    seq = publish(desk, "urn:test:withdraw:1")
    response = desk.post("/v1/items/urn:test:withdraw:1/withdraw", json={"reason": "خطأ في الخبر"})
    assert response.status_code == 201
    got = hook.receiver.wait_accepted(2)
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
    got = english.receiver.wait_accepted(1)
    assert [c.seq for c in got] == [en_seq]
    assert [c.seq for c in english.receiver.calls] == [en_seq]
    assert [c.seq for c in arabic.receiver.wait_accepted(1)] == [ar_seq]
    assert [d["sequence"] for d in english.deliveries()] == [en_seq]


def test_a_suspended_subscriber_gets_nothing_meanwhile(desk, endpoints, store):
    hook = endpoints("on-holiday", ["full-ar"])
    witness = endpoints("holiday-witness", ["full-ar"])
    store.subscribers.set_status("on-holiday", "suspended")
    during = publish(desk, "urn:test:suspended:1")
    # Every endpoint's cursor moves in the round that enqueues an entry for any of them:
    # once the witness has it, the log was read past it for the suspended one too.
    assert [c.seq for c in witness.receiver.wait_accepted(1, "the witness")] == [during]
    store.subscribers.set_status("on-holiday", "active")
    after = publish(desk, "urn:test:suspended:2")
    # In sequence order: had the first reached the outbox, it would have gone first.
    assert [c.seq for c in hook.receiver.wait_accepted(1)] == [after]
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
        (call,) = hook.receiver.wait_accepted(1, name)
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
    (quick,) = fast.receiver.wait_accepted(1, "the fast receiver")
    (done,) = slow.receiver.wait_accepted(1, "the retry")
    first = slow.receiver.calls[0]
    assert first.seq == done.seq == seq
    # The trickle goes on for as long as the sender listens, every byte within the
    # timeout of the one before: only a deadline for the whole answer cut it.
    slow.receiver.wait(lambda r: first.cut is not None, "the sender to hang up")
    # Meanwhile the other endpoint was not held up: served while the trickle went on.
    assert quick.order < first.cut
    # The sender records the delivery before it sends the endpoint's next one.
    after = publish(desk, "urn:test:slow:2")
    assert slow.receiver.wait_accepted(2)[-1].seq == after
    (delivery,) = [d for d in slow.deliveries() if d["sequence"] == seq]
    assert delivery["status"] == "delivered" and delivery["attempts"] == 2


@pytest.mark.parametrize(
    ("status", "retry_after"),
    [(429, "3600"), (503, "{date}")],
)
def test_a_receiver_asking_to_be_called_later_is_not_called_before(
    desk, endpoints, status, retry_after
):
    """A 429 or 503 with Retry-After (seconds, or an HTTP-date) is not retried sooner than
    the receiver asked, however short the backoff would be (here 0.05 s)."""
    later = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    value = retry_after.format(date=later)
    hook = endpoints(f"busy-{status}", ["full-ar"], script=((status, {"Retry-After": value}),))
    seq = publish(desk, f"urn:test:busy:{status}")
    hook.receiver.wait(lambda r: r.calls and r.calls[0].status == status, "the refusal")

    def recorded():
        found = [d for d in hook.deliveries() if d["sequence"] == seq and d["attempts"] == 1]
        return found and found[0]["last_status"] == status and found

    (delivery,) = retry_until(recorded, "the failed attempt recorded")
    due = datetime.fromisoformat(delivery["next_attempt_at"])
    assert due - datetime.fromisoformat(delivery["created"]) > timedelta(minutes=50)
    assert "Retry-After" in delivery["last_error"]


def test_retry_after_is_read_as_seconds_or_a_date():
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert retry_after("120", at) == 120
    assert retry_after(" 0 ", at) == 0
    assert retry_after("Sun, 01 Mar 2026 12:02:00 GMT", at) == 120
    assert retry_after("Sun, 01 Mar 2026 11:00:00 GMT", at) == 0  # already past
    for unreadable in (None, "", "soon", "-5", "1.5", "٣"):
        assert retry_after(unreadable, at) is None


def test_flash_jumps_ahead_of_waiting_deliveries_not_of_a_failing_one(desk, endpoints, store):
    hook = endpoints("flash", ["full-ar"], gate_open=False)
    witness = endpoints("flash-witness", ["full-ar"])
    first = publish(desk, "urn:test:flash:a")
    hook.receiver.wait(lambda r: any(c.status == 503 for c in r.calls), "a failed attempt")
    # Stored by this process in one batch, as `newswire ingest` would: the server finds
    # them by polling the store.
    parse = formats.get("ninjs").parse
    items: list[NewsItem] = [
        parse(msgspec.json.encode(ninjs(f"urn:test:flash:{n}", urgency=u)))[0]
        for n, u in (("b", 5), ("c", 3), ("f", 1))
    ]
    b, c, f = (r.seq for r in store.append_many(items))
    # They are enqueued for every endpoint in one round: once the witness has one, the
    # three wait for the failing endpoint too.
    witness.receiver.wait(lambda r: {b, c, f} & {call.seq for call in r.accepted()}, "the witness")
    hook.receiver.gate.set()
    got = hook.receiver.wait_accepted(4)
    # The failing delivery keeps its place; the flash goes before those still waiting.
    assert [call.seq for call in got] == [first, f, b, c]


def test_an_item_s_versions_reach_an_endpoint_in_order_flash_or_retried(desk, endpoints, store):
    """A correction (a flash) and a withdrawal never reach an endpoint before the version
    they replace, whether that one is being retried (X) or still waiting behind another
    (Y): a receiver applying what it gets ends with each item withdrawn. A version older
    than one the endpoint already got is not sent again when redelivered: it is marked
    superseded."""
    hook = endpoints("corrected", ["full-ar"], script=(500,), gate_open=False)
    witness = endpoints("corrected-witness", ["full-ar"])
    x1 = publish(desk, "urn:test:order:x", headline="v1")
    hook.receiver.wait(lambda r: any(c.status == 500 for c in r.calls), "a failed attempt")
    parse = formats.get("ninjs").parse
    items: list[NewsItem] = [
        parse(msgspec.json.encode(ninjs(uri, headline=headline, urgency=urgency)))[0]
        for uri, headline, urgency in (
            ("urn:test:order:y", "v1", 5),
            ("urn:test:order:x", "v2", 1),
            ("urn:test:order:y", "v2", 1),
        )
    ]
    later = [r.seq for r in store.append_many(items)]
    later += [store.withdraw(f"urn:test:order:{n}", "خطأ").seq for n in "xy"]
    everything = {x1, *later}
    witness.receiver.wait(
        lambda r: everything <= {call.seq for call in r.accepted()}, "the witness"
    )
    hook.receiver.gate.set()
    got = hook.receiver.wait_accepted(6)
    order = [(c.seq, c.headers["x-newswire-item"]) for c in got]
    applied: dict[str, tuple[int, str]] = {}  # a receiver's CMS: the last it was given
    for call in got:
        item, version = call.headers["x-newswire-item"], int(call.headers["x-newswire-version"])
        assert version > applied.get(item, (0, ""))[0], order
        applied[item] = (version, call.headers["x-newswire-event"])
    assert applied == {"urn:test:order:x": (3, "withdraw"), "urn:test:order:y": (3, "withdraw")}
    assert got[0].seq == x1  # being retried, it kept its place

    (old,) = [d for d in hook.deliveries() if d["sequence"] == later[0]]
    again = hook.client.post(f"/v1/webhooks/deliveries/{quote(old['id'])}/redeliver")
    assert again.status_code == 202 and again.json()["status"] == "superseded"
    sentinel = publish(desk, "urn:test:order:z")
    assert hook.receiver.wait_accepted(7)[-1].seq == sentinel
    assert [c.seq for c in hook.receiver.calls].count(later[0]) == 1
    listed = hook.deliveries(status="superseded")
    assert [d["id"] for d in listed] == [old["id"]]


def test_dead_letters_are_listed_and_can_be_redelivered(make_module_store_url):
    db = make_module_store_url()
    local = open_store(db)
    local.products.add(Product(name="all", access="full"))
    local.subscribers.add(Subscriber(name="gone-away", products=["all"]))
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

            # The endpoint moves on to b only once a is a dead letter.
            receiver.wait(lambda r: any(call.seq == b for call in r.calls), "a dead letter")
            (dead,) = failed()
            receiver.gate.set()  # the receiver is back: the endpoint has moved on to b
            assert dead["sequence"] == a and dead["last_status"] == 503
            assert dead["attempts"] >= 2 and dead["next_attempt_at"] is None
            assert "503" in dead["last_error"]
            listed = newswire("webhook", "deliveries", "--status", "failed", db=db)
            assert listed.returncode == 0 and dead["id"] in listed.stdout.decode()

            got = receiver.wait_accepted(1)
            assert [call.seq for call in got] == [b]

            again = client.post(f"/v1/webhooks/deliveries/{quote(dead['id'])}/redeliver")
            assert again.status_code == 202
            assert again.json()["status"] == "pending" and again.json()["attempts"] == 0
            got = receiver.wait_accepted(2)
            assert [call.seq for call in got] == [b, a]
            verify(got[1])
            assert failed() == []
            # The sender records a delivery before it sends the endpoint's next one.
            c = publish(desk, "urn:test:dead:c")
            assert receiver.wait_accepted(3)[-1].seq == c
            listed = client.get("/v1/webhooks/deliveries", params={"status": "delivered"})
            (redone,) = [d for d in listed.json()["deliveries"] if d["id"] == dead["id"]]
            assert redone["attempts"] == 1
    finally:
        server.close()
        receiver.close()


def test_a_receiver_answering_410_gone_disables_the_endpoint_until_it_is_enabled(
    make_module_store_url, tmp_path
):
    """410 Gone is not retried: the endpoint is disabled at once, the delivery kept pending
    and nothing more enqueued for it (its cursor stays), said once in the log and in the
    metrics. Enabled again (over HTTP, then from the CLI), it gets that delivery and
    everything published meanwhile, in order."""
    db = make_module_store_url()
    local = open_store(db)
    local.products.add(Product(name="all", access="full"))
    for name in ("moved", "moved-witness"):
        local.subscribers.add(Subscriber(name=name, products=["all"]))
    owner, other = key_for(local, "moved"), key_for(local, "moved-witness")
    publish_key = key_for(local, scope="publish")
    local.close()
    gone, witness = Receiver((410,)), Receiver()
    log = tmp_path / "server.log"
    server = Server(db, env=FAST, log=log)
    try:
        with (
            server.client(owner) as client,
            server.client(other) as watcher,
            server.client(publish_key) as desk,
        ):
            hook = client.post("/v1/webhooks", json={"url": gone.url, "secret": SECRET}).json()
            for_witness = {"url": witness.url, "secret": SECRET}
            assert watcher.post("/v1/webhooks", json=for_witness).status_code == 201
            path = f"/v1/webhooks/{hook['id']}"

            def deliveries() -> list[dict]:
                return client.get("/v1/webhooks/deliveries").json()["deliveries"]

            def disabled() -> dict | None:
                shown = client.get(path).json()
                return None if shown["active"] else shown

            first = publish(desk, "urn:test:gone:1")
            gone.wait(lambda r: r.calls and r.calls[0].status == 410, "the 410")
            shown = retry_until(disabled, "the endpoint disabled")
            assert (shown["disabled_status"], shown["disabled_reason"]) == (410, "HTTP 410: ok")
            assert shown["disabled_at"] >= hook["created"]
            assert client.get("/v1/webhooks").json()["webhooks"] == [shown]
            (kept,) = deliveries()
            assert (kept["sequence"], kept["status"], kept["attempts"]) == (first, "pending", 1)
            assert kept["last_status"] == 410

            # Published while it is disabled: the round that enqueues them for the witness
            # passes this endpoint by, and leaves its cursor where it was.
            meanwhile = [publish(desk, f"urn:test:gone:{n}") for n in (2, 3)]
            assert [c.seq for c in witness.wait_accepted(3)] == [first, *meanwhile]
            assert [d["id"] for d in deliveries()] == [kept["id"]]
            assert query(db, "SELECT cursor FROM webhooks WHERE id = ?", (hook["id"],)) == [
                (first,)
            ]
            assert len(gone.calls) == 1  # never called again
            listed = newswire("webhook", "list", "--subscriber", "moved", db=db)
            (row,) = [line.split("\t") for line in listed.stdout.decode().splitlines()]
            assert row[0] == hook["id"]
            assert row[6:] == [shown["disabled_at"][:16] + "Z", "HTTP 410: ok"]
            # Asked for again, the kept delivery waits for the endpoint, and that is said.
            asked = newswire("webhook", "redeliver", kept["id"], db=db)
            assert asked.returncode == 0, asked.stderr.decode()
            told = asked.stderr.decode()
            assert "is disabled (HTTP 410: ok)" in told and f"webhook enable {hook['id']}" in told
            assert len(gone.calls) == 1

            enabled = client.post(f"{path}/enable")
            assert enabled.status_code == 200, enabled.text
            assert enabled.json() == {
                **shown, "active": True, "disabled_at": None, "disabled_status": None,
                "disabled_reason": None,
            }  # fmt: skip
            got = gone.wait_accepted(3)
            assert [c.seq for c in got] == [first, *meanwhile]
            assert got[0].headers["x-newswire-delivery"] == kept["id"]  # the one kept
            for call in got:
                verify(call)

            # Gone again: disabled again. What is published while its subscriber is
            # suspended is not sent once it is enabled (a 410 and an enable do not undo
            # a suspension); enabled from the command line this time.
            with gone.changed:  # what it says cannot reorder or split a line it is shown in
                gone.script.append((410, {}, "gone\n\tfor\u202egood".encode()))
            later = publish(desk, "urn:test:gone:4")
            again = retry_until(disabled, "the endpoint disabled again")
            assert again["disabled_reason"] == "HTTP 410: gone for good"
            assert newswire("subscriber", "suspend", "moved", db=db).returncode == 0
            hidden = publish(desk, "urn:test:gone:5")
            assert witness.wait_accepted(5)[-1].seq == hidden
            # The round that enqueued it for the witness moved this cursor past it too.
            assert query(db, "SELECT cursor FROM webhooks WHERE id = ?", (hook["id"],)) == [
                (hidden,)
            ]
            assert newswire("subscriber", "activate", "moved", db=db).returncode == 0
            done = newswire("webhook", "enable", hook["id"], db=db)
            assert done.returncode == 0, done.stderr.decode()
            assert f"webhook {hook['id']} enabled" in done.stderr.decode()
            assert gone.wait_accepted(4)[-1].seq == later
            after = publish(desk, "urn:test:gone:6")
            assert gone.wait_accepted(5)[-1].seq == after
            assert [c.seq for c in gone.calls] == [first, first, *meanwhile, later, later, after]
            assert client.get(path).json()["active"] is True
        with server.client() as anyone:
            metrics = anyone.get("/metrics").text
        assert 'newswire_webhook_attempts_total{outcome="gone"} 2.0' in metrics
        said = log.read_text()
        assert said.count("answered 410 Gone") == 2, said  # once each time it was disabled
        assert f"webhook {hook['id']} of moved ({gone.url})" in said
    finally:
        server.close()
        gone.close()
        witness.close()


def test_finished_deliveries_are_purged_past_their_age_by_the_server_and_the_cli(
    server, store, db
):
    def archived() -> list[int]:
        return sorted(d.seq for d in store.webhooks.deliveries(subscriber="archived"))

    # The server removed those finished 35 and 40 days ago when it started (the
    # default keeps 30 days); the one of yesterday is kept.
    retry_until(lambda: archived() == [3] or None, "the server's purge")
    items = store.count()
    # The command says what it removed; a bad age is refused, and removes nothing.
    refused = newswire("webhook", "purge", "--days", "-1", db=db)
    assert refused.returncode == 2 and "--days" in refused.stderr.decode()
    assert archived() == [3]
    done = newswire("webhook", "purge", "--days", "1", db=db)
    assert done.returncode == 0, done.stderr.decode()
    assert "removed 1 webhook deliveries" in done.stderr.decode()
    assert archived() == [] and store.count() == items  # the archive is kept


def test_an_endpoint_registered_by_another_process_gets_everything_after_it(desk, store):
    """With no endpoint, the server does not look for deliveries after each publish, only
    at its poll; an endpoint registered meanwhile by another process (the CLI, straight
    in the store) still gets every entry published after it, in order, and none before."""
    before = publish(desk, "urn:test:elsewhere:before")  # found no endpoint to enqueue for
    store.subscribers.add(Subscriber(name="elsewhere", products=["full-ar"]))
    receiver = Receiver()
    hook = store.webhooks.add("elsewhere", receiver.url, SECRET, "ninjs")
    try:
        seqs = [publish(desk, f"urn:test:elsewhere:{n}") for n in range(3)]
        got = receiver.wait_accepted(3)
        assert [c.seq for c in got] == seqs and before < seqs[0]
        for call in got:
            verify(call)
    finally:
        store.webhooks.remove(hook.id)
        receiver.close()


def test_a_delivery_being_sent_when_the_server_stops_is_answered_and_not_sent_again(tmp_path):
    """SIGTERM while a receiver has a delivery and has not answered yet: the stopping
    server waits for the answer (within the webhook timeout) and records it, so that the
    server started again sends the next entry, not that one a second time."""
    db = f"sqlite:///{tmp_path / 'stop.db'}"
    store = open_store(db)
    store.products.add(Product(name="full-ar", access="full", languages=["ar"]))
    store.subscribers.add(Subscriber(name="stopping", products=["full-ar"]))
    desk_key = key_for(store, scope="publish")
    receiver = Receiver(("hold",))
    hook = store.webhooks.add("stopping", receiver.url, SECRET, "ninjs")
    store.close()
    log = tmp_path / "server.log"
    env = {**FAST, "NEWSWIRE_WEBHOOK_TIMEOUT": "30"}
    try:
        server = Server(db, env=env, log=log)
        try:
            with server.client(desk_key) as desk:
                first = publish(desk, "urn:test:stop:held")
            receiver.wait(lambda r: r.calls, "the delivery to reach the receiver")
            server.proc.terminate()
            retry_until(
                lambda: server.proc.poll() is not None or b"being sent" in log.read_bytes(),
                "the server to stop or to wait for the delivery being sent",
            )
            receiver.release.set()
            server.proc.wait(WAIT)
        finally:
            server.close()
        again = Server(db, env=env, log=tmp_path / "again.log")
        try:
            with again.client(desk_key) as desk:
                sentinel = publish(desk, "urn:test:stop:after")
            receiver.wait(lambda r: any(c.seq == sentinel for c in r.calls), "the sentinel")
        finally:
            again.close()
        assert [c.seq for c in receiver.calls] == [first, sentinel]
        assert query(db, "SELECT status, attempts FROM deliveries WHERE webhook = ? AND seq = ?",
                     (hook.id, first)) == [("delivered", 1)]
    finally:
        receiver.close()


def test_the_checked_transport_connects_to_an_address_it_allows():
    """The transport that refuses private addresses when connecting (DNS rebinding),
    told to allow loopback, reaches a receiver as httpx's own does: the checked
    connection is a real one, the request and the answer whole."""
    from newswire.delivery.webhooks import PublicTransport

    receiver = Receiver()
    try:

        async def post() -> int:
            transport = PublicTransport(httpx.Limits(max_connections=None), refuse=lambda _: False)
            async with httpx.AsyncClient(transport=transport) as client:
                answer = await client.post(receiver.url, content=b'{"n": 1}')
                return answer.status_code

        assert asyncio.run(post()) == 200
        assert [call.body for call in receiver.calls] == [b'{"n": 1}']
    finally:
        receiver.close()

"""``newswire serve --workers 2`` over real HTTP, on each store backend: every guarantee
holds whichever of the two processes a request reaches.

Connections are spread by the kernel; each client learns which process it reached from
``/health``'s ``process`` (a kept-alive connection stays with it) and each stream from its
``X-Newswire-Process`` header, and the tests open connections until both processes are
used.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from newswire.access.subscribers import Subscriber
from newswire.store import open_store
from tests.delivery.test_webhooks import FAST, SECRET, Receiver, verify
from tests.delivery.wire import ARABIC, NINJS, Stream, ninjs_doc, rfc3339
from tests.helpers import LONG, Server, make_key, newswire, retry_until

ITEMS = 500 if LONG else 200
"""Items published through both processes at once (``tests.helpers.LONG``: the long mode)."""
STREAMS = 20
GUARD = 60.0
"""Seconds after which a wait fails the test (a guard, not a measure)."""


class World:
    def __init__(self, db: str):
        self.db = db
        for args in (
            ("product", "add", "ar-full", "--access", "full", "--lang", "ar"),
            ("subscriber", "add", "alpha", "--product", "ar-full"),
            ("subscriber", "add", "limited", "--product", "ar-full", "--rate-limit", "10"),
        ):
            result = newswire(*args, db=self.db)
            assert result.returncode == 0, result.stderr.decode()
        self.keys = {
            "alpha": make_key(self.db, "--subscriber", "alpha"),
            "revoked": make_key(self.db, "--subscriber", "alpha"),
            "limited": make_key(self.db, "--subscriber", "limited"),
            "desk": make_key(self.db, "--scope", "publish", "--name", "DESK"),
        }
        self.server = Server(self.db, "--workers", "2", env=FAST)
        self.clients: list[httpx.Client] = []

    def pinned(self, who: str) -> dict[int, httpx.Client]:
        """One client per process for ``who``: {process id: a client whose kept-alive
        connection reached it}."""
        found: dict[int, httpx.Client] = {}
        for _ in range(200):
            client = self.server.client(self.keys[who])
            self.clients.append(client)
            pid = client.get("/health").json()["process"]
            if pid in found:
                client.close()
                continue
            found[pid] = client
            if len(found) == 2:
                return found
        raise AssertionError("200 connections all reached one process")

    def streams(self, who: str, count: int, **kwargs) -> list[Stream]:
        """``count`` streams over both processes (more are opened, then closed, if the
        first ones all reached one)."""
        opened = [self.stream(who, **kwargs) for _ in range(count)]
        for _ in range(200):
            if len({pid_of(s) for s in opened}) == 2:
                return opened
            extra = self.stream(who, **kwargs)
            if pid_of(extra) != pid_of(opened[0]):
                opened[0].close()
                opened[0] = extra
            else:
                extra.close()
        raise AssertionError("200 streams all reached one process")

    def stream(self, who: str, **kwargs) -> Stream:
        stream = Stream(self.server.url, self.keys[who], **kwargs)
        assert stream.status == 200, stream.body
        return stream

    def metric(self, client: httpx.Client, name: str) -> float:
        total = 0.0
        for line in client.get("/metrics").text.splitlines():
            if line.startswith(name):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.server.close()


def pid_of(stream: Stream) -> int:
    return int(stream.response_headers["x-newswire-process"])


def arabic(uri: str, n: int) -> bytes:
    return json.dumps(ninjs_doc(uri, f"خبر رقم {n}", ARABIC, "ar")).encode()


def publish(client: httpx.Client, body: bytes) -> int:
    response = client.post("/v1/items", content=body, headers=NINJS)
    assert response.status_code == 201, response.text
    return response.json()["sequence"]


@pytest.fixture(scope="module")
def world(module_store_url):
    world = World(module_store_url)
    yield world
    world.close()


def test_streams_in_order_no_gap_over_both_processes_and_resume_on_the_other(world):
    streams = world.streams("alpha", STREAMS, after=_head(world))
    desks = list(world.pinned("desk").values())
    # Every stream is counted, summed over both processes, in /metrics of either.
    for client in desks:
        retry_until(
            lambda c=client: world.metric(c, "newswire_streams_connected") >= STREAMS,
            "/metrics to sum the streams of both processes", GUARD,
        )

    def publish_half(which: int) -> list[int]:
        return [
            publish(desks[which], arabic(f"urn:test:workers:{n}", n))
            for n in range(which, ITEMS, 2)
        ]

    with ThreadPoolExecutor(2) as pool:
        seqs = sorted(s for half in pool.map(publish_half, (0, 1)) for s in half)
    assert len(set(seqs)) == ITEMS
    for stream in streams:
        assert stream.wait_for(lambda _, s=stream: len(s.seqs()) >= ITEMS, GUARD), (
            f"a stream on process {pid_of(stream)} got {len(stream.seqs())} of {ITEMS}"
        )
    for stream in streams:
        assert stream.seqs() == seqs  # in order, no gap, no duplicate, on either process

    # Resume by cursor on the other process: from the middle, nothing missed.
    first = streams[0]
    middle = first.seqs()[ITEMS // 2]
    for _ in range(200):
        resumed = world.stream("alpha", last_event_id=middle)
        if pid_of(resumed) != pid_of(first):
            break
        resumed.close()
    else:
        raise AssertionError("200 streams all reached one process")
    rest = [s for s in seqs if s > middle]
    assert resumed.wait_for(lambda _: len(resumed.seqs()) >= len(rest), GUARD)
    assert resumed.seqs() == rest
    for stream in (*streams, resumed):
        stream.close()


def test_a_revoked_keys_streams_end_on_both_processes(world):
    streams = world.streams("revoked", 2)
    assert len({pid_of(s) for s in streams}) == 2
    key_id = world.keys["revoked"].split("_")[1]
    result = newswire("key", "revoke", key_id, db=world.db)
    assert result.returncode == 0, result.stderr.decode()
    for stream in streams:
        assert stream.done.wait(GUARD), f"the stream on process {pid_of(stream)} is still open"
        assert stream.close_reason and "revoked" in stream.close_reason
    # And the key is refused by both processes from then on.
    for _pid, client in _clients_with(world, world.keys["revoked"]).items():
        assert client.get("/v1/feed").status_code == 401


def test_a_revoked_keys_waiting_long_polls_are_refused_on_both_processes(world):
    """A key revoked through the admin API (one process answers it; the other learns it
    from the store) while a long poll of the key waits on each process: each is answered
    as a new request with the key is on its process, 401 with the same problem, not an
    empty page."""
    key = make_key(world.db, "--subscriber", "alpha")
    admin = make_key(world.db, "--scope", "admin", "--name", "OPS")
    pollers = _clients_with(world, key)
    head = _head(world)
    desk = next(iter(world.pinned("desk").values()))
    waiting = world.metric(desk, "newswire_feed_waiting")
    with ThreadPoolExecutor(2) as pool:
        polls = {
            pid: pool.submit(
                client.get, "/v1/feed", params={"after": head, "wait": 60}, timeout=GUARD
            )
            for pid, client in pollers.items()
        }
        retry_until(
            lambda: world.metric(desk, "newswire_feed_waiting") >= waiting + 2,
            "a long poll waiting on each process", GUARD,
        )
        with world.server.client(admin) as ops:
            revoked = ops.post(f"/v1/admin/keys/{key.split('_')[1]}/revoke")
        assert revoked.status_code == 200, revoked.text
        answers = {pid: poll.result(GUARD) for pid, poll in polls.items()}
    for pid, answer in answers.items():
        refused = pollers[pid].get("/v1/feed")
        assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
        assert answer.status_code == 401, f"process {pid}: {answer.status_code} {answer.text}"
        assert answer.json() == refused.json()
        assert answer.headers["content-type"] == "application/problem+json"


def test_a_rate_limit_holds_across_processes(world):
    clients = list(world.pinned("limited").values())  # each spent one token on /health
    statuses: dict[int, Counter] = {0: Counter(), 1: Counter()}
    for n in range(30):
        which = n % 2
        statuses[which][clients[which].get("/v1/feed", params={"limit": 1}).status_code] += 1
    allowed = statuses[0][200] + statuses[1][200]
    # 10 a minute for the subscriber, whichever process is asked (a token or two may
    # come back while the test runs: one each six seconds).
    assert 10 <= allowed <= 12, statuses
    assert statuses[0][429] and statuses[1][429], statuses


def test_each_webhook_delivery_is_sent_once(world):
    receiver = Receiver()
    try:
        result = newswire(
            "webhook", "add", "alpha", receiver.url, "--secret", "s3cret-for-tests-0123456789",
            db=world.db, env=FAST,
        )
        assert result.returncode == 0, result.stderr.decode()
        desks = list(world.pinned("desk").values())
        seqs = [
            publish(desks[n % 2], arabic(f"urn:test:workers:hook:{n}", n)) for n in range(60)
        ]
        # The sentinel is the last published: once it is in, every earlier one had its
        # chance (deliveries to one endpoint go out in sequence order).
        receiver.wait(
            lambda r: any(c.seq == seqs[-1] for c in r.accepted()), "the last delivery", GUARD
        )
        with receiver.changed:
            calls = list(receiver.calls)
        deliveries = Counter(c.headers["x-newswire-delivery"] for c in calls)
        assert all(n == 1 for n in deliveries.values()), deliveries.most_common(3)
        got = [c.seq for c in calls if c.seq in set(seqs)]
        assert got == seqs
        for call in calls[:3]:
            verify(call)
    finally:
        receiver.close()


def test_an_item_s_versions_reach_an_endpoint_in_order_from_either_process(world):
    """v1 of an item, then its correction as a flash and its withdrawal, published through
    both processes while the endpoint is failing: the receiver gets them in that order."""
    receiver = Receiver((500,), gate_open=False)
    store = open_store(world.db)
    try:
        store.subscribers.add(Subscriber(name="corrected", products=["ar-full"]))
        hook = store.webhooks.add("corrected", receiver.url, SECRET, "ninjs").id
        desks = list(world.pinned("desk").values())
        blocker = publish(desks[0], arabic("urn:test:workers:order:blocker", 0))
        receiver.wait(lambda r: r.calls and r.calls[0].status == 500, "a failed attempt", GUARD)
        uri = "urn:test:workers:order:x"
        seqs = [publish(desks[0], arabic(uri, 1))]
        doc = ninjs_doc(uri, "خبر مصحح", ARABIC, "ar", urgency=1)
        seqs.append(publish(desks[1], json.dumps(doc).encode()))
        withdrawn = desks[0].post(f"/v1/items/{uri}/withdraw", json={"reason": "خطأ"})
        assert withdrawn.status_code == 201, withdrawn.text
        seqs.append(withdrawn.json()["sequence"])
        def enqueued() -> list:
            return [d for d in store.webhooks.deliveries(webhook=hook) if d.seq == blocker]

        retry_until(
            lambda: len(store.webhooks.deliveries(webhook=hook)) == 4 and enqueued(),
            "the deliveries enqueued", GUARD,
        )
        receiver.gate.set()
        store.webhooks.redeliver(enqueued()[0].id)  # now, not after its backoff
        got = receiver.wait_accepted(4, "the deliveries")
        assert [c.seq for c in got] == [blocker, *seqs]
        assert [c.headers["x-newswire-version"] for c in got[1:]] == ["1", "2", "3"]
        assert got[-1].headers["x-newswire-event"] == "withdraw"
    finally:
        store.close()
        receiver.close()


def test_both_processes_search_what_either_indexed(world):
    desks = world.pinned("desk")
    readers = world.pinned("alpha")
    word = "زمردية"
    doc = ninjs_doc("urn:test:workers:search", f"خبر عن الحجارة {word}", ARABIC, "ar")
    publish(next(iter(desks.values())), json.dumps(doc).encode())
    for pid, client in readers.items():
        found = retry_until(
            lambda c=client: c.get("/v1/search", params={"q": word}).json().get("hits"),
            f"process {pid} to find what was indexed", GUARD,
        )
        assert found[0]["id"] == "urn:test:workers:search"


def test_a_counter_never_goes_back_whichever_process_answers_the_scrape(world):
    # Each scrape reaches either process: a count one showed live must not be less in the
    # next scrape, answered by the other (Prometheus would take it for a restart).
    desks = world.pinned("desk")
    name = "newswire_published_versions_total"
    for n in range(3):
        for here, there in (tuple(desks.values()), tuple(desks.values())[::-1]):
            publish(here, arabic(f"urn:test:workers:counted-{n}-{id(here)}", n))
            shown = world.metric(here, name)
            assert world.metric(there, name) >= shown, "the sum went back on the other process"


def sample(client: httpx.Client, name: str, **labels: str) -> float:
    """A sample of ``/metrics`` as the process ``client`` reaches answers it (0: absent)."""
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return s.value
    return 0.0


def test_requests_are_summed_over_processes_and_what_waits_is_read_once(world):
    alphas, desks = world.pinned("alpha"), world.pinned("desk")
    formats = {"method": "GET", "route": "/v1/formats", "status": "200"}
    before = max(sample(c, "newswire_http_requests_total", **formats) for c in alphas.values())
    for client in alphas.values():
        assert client.get("/v1/formats").status_code == 200
    retry_until(
        lambda: all(sample(c, "newswire_http_requests_total", **formats) >= before + 2
                    for c in alphas.values()),
        "each process's /metrics to count the requests of both", GUARD,
    )
    # The store's gauges are the node's: each process says the same, not a sum of both.
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    waiting = max(sample(c, "newswire_embargoes_waiting") for c in alphas.values())
    doc = ninjs_doc("urn:test:workers:embargoed", "حظر", ARABIC, "ar", embargoedUntil=rfc3339(until))
    publish(next(iter(desks.values())), json.dumps(doc).encode())
    assert [sample(c, "newswire_embargoes_waiting") for c in alphas.values()] == [waiting + 1] * 2


def test_a_dead_process_is_started_again_and_the_others_clients_go_on(world):
    streams = world.streams("alpha", 2, after=_head(world))
    victim, survivor = streams
    os.kill(pid_of(victim), signal.SIGKILL)
    assert victim.done.wait(GUARD)
    seq = publish(_client_of(world, "desk", not_pid=pid_of(victim)), arabic("urn:test:workers:after-kill", 0))
    assert survivor.wait_for(lambda _: seq in survivor.seqs(), GUARD), "the surviving stream stopped"
    # The supervisor starts a new process (announced to nobody): both answer again.
    retry_until(lambda: _pids(world) - {pid_of(victim)} and len(_pids(world)) == 2,
                "a new process", GUARD)
    survivor.close()


# --- helpers ---------------------------------------------------------------------------------


def _head(world: World) -> int:
    with world.server.client() as client:
        return client.get("/ready").json()["last_seq"]


def _clients_with(world: World, key: str) -> dict[int, httpx.Client]:
    found: dict[int, httpx.Client] = {}
    for _ in range(200):
        client = world.server.client(key)
        world.clients.append(client)
        found.setdefault(client.get("/health").json()["process"], client)
        if len(found) == 2:
            return found
    raise AssertionError("200 connections all reached one process")


def _client_of(world: World, who: str, not_pid: int) -> httpx.Client:
    for _ in range(200):
        client = world.server.client(world.keys[who])
        world.clients.append(client)
        try:
            if client.get("/health").json()["process"] != not_pid:
                return client
        except httpx.TransportError:
            continue
    raise AssertionError("no connection reached the surviving process")


def _pids(world: World) -> set[int]:
    pids = set()
    for _ in range(40):
        with world.server.client() as client:
            try:
                pids.add(client.get("/health").json()["process"])
            except httpx.TransportError:
                continue
    return pids

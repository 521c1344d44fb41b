"""Two nodes sharing PostgreSQL and NATS JetStream: nothing a subscriber sees changes when
the deployment grows. Each node is ``newswire serve --db postgresql://... --bus nats://...``
on its own port, as behind a load balancer."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from newswire import formats
from newswire.store import open_store
from tests.cluster.conftest import Cluster, PrivateNats, fresh_database, stream_url
from tests.delivery.test_webhooks import Receiver, verify
from tests.delivery.wire import ARABIC, NINJS, Stream, ninjs_doc
from tests.helpers import newswire, retry_until

ITEMS = 1_000
GUARD = 120.0
"""Seconds after which a wait fails the test (a guard, not a measure)."""


def arabic(uri: str, n: int) -> bytes:
    return json.dumps(ninjs_doc(uri, f"خبر رقم {n}", ARABIC, "ar")).encode()


def desk(cluster: Cluster, node: int) -> httpx.Client:
    return cluster.nodes[node].client(cluster.keys["desk"])


def publish(client: httpx.Client, body: bytes) -> int:
    response = client.post("/v1/items", content=body, headers=NINJS)
    assert response.status_code == 201, response.text
    return response.json()["sequence"]


def test_a_stream_on_one_node_gets_everything_published_through_both_in_order(cluster):
    on_b = Stream(cluster.nodes[1].url, cluster.keys["alpha"], after=head_seq(cluster))
    assert on_b.status == 200

    def publish_half(which: int) -> list[int]:
        with desk(cluster, which) as client:
            return [
                publish(client, arabic(f"urn:test:cluster:{n}", n))
                for n in range(which, ITEMS, 2)
            ]

    with ThreadPoolExecutor(2) as pool:
        seqs = sorted(s for half in pool.map(publish_half, (0, 1)) for s in half)
    assert len(set(seqs)) == ITEMS
    assert on_b.wait_for(lambda _: len(on_b.seqs()) >= ITEMS, GUARD), len(on_b.seqs())
    assert on_b.seqs() == seqs  # in order, no gap, no duplicate
    # The subscriber moves to node A with its Last-Event-ID and misses nothing.
    middle = on_b.seqs()[ITEMS // 2]
    on_b.close()
    on_a = Stream(cluster.nodes[0].url, cluster.keys["alpha"], last_event_id=middle)
    rest = [s for s in seqs if s > middle]
    assert on_a.wait_for(lambda _: len(on_a.seqs()) >= len(rest), GUARD)
    assert on_a.seqs() == rest
    on_a.close()


def test_a_webhook_receives_each_event_once_in_order_from_two_nodes(cluster):
    receiver = Receiver()
    try:
        added = newswire(
            "webhook", "add", "alpha", receiver.url, "--secret", "s3cret-for-tests-0123456789",
            db=cluster.db, env=cluster.env,
        )
        assert added.returncode == 0, added.stderr.decode()
        clients = [desk(cluster, 0), desk(cluster, 1)]
        try:
            seqs = [
                publish(clients[n % 2], arabic(f"urn:test:cluster:hook:{n}", n))
                for n in range(60)
            ]
        finally:
            for client in clients:
                client.close()
        receiver.wait(
            lambda r: any(c.seq == seqs[-1] for c in r.accepted()), "the last delivery", GUARD
        )
        with receiver.changed:
            calls = list(receiver.calls)
        deliveries = Counter(c.headers["x-newswire-delivery"] for c in calls)
        assert all(n == 1 for n in deliveries.values()), deliveries.most_common(3)
        assert [c.seq for c in calls if c.seq in set(seqs)] == seqs
        for call in calls[:3]:
            verify(call)
    finally:
        receiver.close()


def test_no_subscriber_misses_an_event_when_nats_restarts_mid_publishing(
    tmp_path, postgres_and_nats
):
    nats = PrivateNats(tmp_path / "nats")
    db, drop = fresh_database()
    cluster = Cluster(tmp_path, db, stream_url(nats.url))
    try:
        streams = [
            Stream(node.url, cluster.keys["alpha"], after=0) for node in cluster.nodes
        ]
        seqs: list[int] = []
        with desk(cluster, 0) as a, desk(cluster, 1) as b:
            for n in range(300):
                if n == 100:
                    nats.stop()
                if n == 200:
                    nats.start()
                seqs.append(publish((a, b)[n % 2], arabic(f"urn:test:cluster:nats:{n}", n)))
        for stream in streams:
            assert stream.wait_for(lambda _, s=stream: len(s.seqs()) >= len(seqs), GUARD)
            assert stream.seqs() == seqs
            stream.close()
    finally:
        cluster.close()
        nats.stop()
        drop()


def test_every_acknowledged_item_survives_a_node_killed_while_publishing(cluster):
    """SIGKILL node A again and again while a desk publishes through it: every item it
    acknowledged (2xx) is stored, identical, and in every subscriber's stream."""
    after = head_seq(cluster)
    on_b = Stream(cluster.nodes[1].url, cluster.keys["alpha"], after=after)
    acknowledged: dict[str, tuple[int, bytes]] = {}
    stop = threading.Event()

    def keep_publishing() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            body = arabic(f"urn:test:cluster:kill:{n}", n)
            try:
                with httpx.Client(base_url=cluster.nodes[0].url, timeout=10) as client:
                    response = client.post(
                        "/v1/items", content=body,
                        headers={**NINJS, "Authorization": f"Bearer {cluster.keys['desk']}"},
                    )
            except httpx.TransportError:
                continue  # the node died under it: not acknowledged, may or may not be in
            if response.status_code == 201:
                acknowledged[f"urn:test:cluster:kill:{n}"] = (response.json()["sequence"], body)

    publisher = threading.Thread(target=keep_publishing)
    publisher.start()
    try:
        for _kill in range(3):
            port = cluster.nodes[0].port
            target = len(acknowledged) + 20
            retry_until(lambda t=target: len(acknowledged) >= t, "items acknowledged", GUARD)
            os.kill(cluster.nodes[0].proc.pid, signal.SIGKILL)
            cluster.nodes[0].proc.wait(30)
            cluster.nodes[0].close()
            cluster.nodes[0] = cluster.start(0, port=port)
    finally:
        stop.set()
        publisher.join(GUARD)
    seqs = sorted(seq for seq, _ in acknowledged.values())
    assert on_b.wait_for(lambda _: set(seqs) <= set(on_b.seqs()), GUARD)
    got = on_b.seqs()
    assert got == sorted(got) and len(got) == len(set(got))
    store = open_store(cluster.db)
    try:
        ninjs = formats.get("ninjs")
        for uri, (seq, body) in acknowledged.items():
            stored, [sent] = store.get(uri), ninjs.parse(body)
            assert stored.seq == seq
            assert (stored.item.headline, stored.item.body, stored.item.language) == (
                sent.headline, sent.body, sent.language,
            )
    finally:
        store.close()
    on_b.close()


def head_seq(cluster: Cluster) -> int:
    store = open_store(cluster.db)
    try:
        return store.last_seq()
    finally:
        store.close()

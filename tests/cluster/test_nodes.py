"""Two nodes sharing PostgreSQL and NATS JetStream: nothing a subscriber sees changes when
the deployment grows. Each node is ``newswire serve --db postgresql://... --bus nats://...``
on its own port, as behind a load balancer."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from newswire import formats
from newswire.store import open_store
from tests.cluster.conftest import Cluster, PrivateNats, TcpGate, fresh_database, stream_url
from tests.delivery.test_webhooks import Receiver, verify
from tests.delivery.wire import ARABIC, NINJS, Stream, ninjs_doc, ws_connect, ws_until_id
from tests.helpers import LONG, Server, metric, newswire, retry_until

ITEMS = 1_000 if LONG else 400
"""Items published through both nodes at once (``tests.helpers.LONG``: the long mode)."""
THIRD = 100 if LONG else 50
"""Items published before NATS stops, while it is down, and once it is back."""
KILLS = 3 if LONG else 2
"""Times a node is killed while a desk publishes through it."""
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
    with fresh_database("postgres", tmp_path) as db:
        cluster = Cluster(tmp_path, db, stream_url(nats.url))
        try:
            streams = [
                Stream(node.url, cluster.keys["alpha"], after=0) for node in cluster.nodes
            ]
            seqs: list[int] = []
            with desk(cluster, 0) as a, desk(cluster, 1) as b:
                for n in range(3 * THIRD):
                    if n == THIRD:
                        nats.stop()
                    if n == 2 * THIRD:
                        nats.start()
                    seqs.append(publish((a, b)[n % 2], arabic(f"urn:test:cluster:nats:{n}", n)))
            for stream in streams:
                assert stream.wait_for(lambda _, s=stream: len(s.seqs()) >= len(seqs), GUARD)
                assert stream.seqs() == seqs
                stream.close()
        finally:
            cluster.close()
            nats.stop()


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
        for _kill in range(KILLS):
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


def test_the_node_that_delivers_an_event_published_on_another_observes_its_latency(cluster):
    """The publish→deliver histogram is observed where the subscriber is served, not only
    on the node that took the publish (which knows when it acknowledged it): node B times
    an entry of node A's from when the log says it was stored."""
    latency = "newswire_publish_to_deliver_seconds_count"
    node_b = cluster.nodes[1]
    before = metric(node_b.url, latency, channel="stream")
    on_b = Stream(node_b.url, cluster.keys["alpha"], after=head_seq(cluster))
    assert on_b.status == 200
    try:
        with desk(cluster, 0) as client:
            seq = publish(client, arabic("urn:test:cluster:latency", 0))
        assert on_b.wait_for(lambda _: seq in on_b.seqs(), GUARD), on_b.seqs()
    finally:
        on_b.close()
    retry_until(
        lambda: metric(node_b.url, latency, channel="stream") > before,
        "node B to observe the latency of the event it delivered",
    )


def test_a_revoked_keys_streams_end_on_every_node(cluster):
    streams = [Stream(node.url, cluster.keys["revoked"], after=0) for node in cluster.nodes]
    assert all(s.status == 200 for s in streams)
    key_id = cluster.keys["revoked"].split("_")[1]
    result = newswire("key", "revoke", key_id, db=cluster.db)
    assert result.returncode == 0, result.stderr.decode()
    for n, stream in enumerate(streams):
        assert stream.done.wait(GUARD), f"the stream on node {n} is still open"
        assert stream.close_reason and "revoked" in stream.close_reason
    for node in cluster.nodes:
        with node.client(cluster.keys["revoked"]) as client:
            assert client.get("/v1/feed").status_code == 401


def test_a_rate_limit_holds_across_nodes(cluster):
    clients = [node.client(cluster.keys["limited"]) for node in cluster.nodes]
    statuses: list[Counter] = [Counter(), Counter()]
    try:
        for n in range(30):
            which = n % 2
            answer = clients[which].get("/v1/feed", params={"limit": 1})
            statuses[which][answer.status_code] += 1
    finally:
        for client in clients:
            client.close()
    allowed = statuses[0][200] + statuses[1][200]
    # 10 a minute for the subscriber, whichever node is asked (a token or two may come
    # back while the test runs: one each six seconds).
    assert 10 <= allowed <= 12, statuses
    assert statuses[0][429] and statuses[1][429], statuses


def test_usage_counts_add_up_over_nodes(cluster):
    with desk(cluster, 0) as client:
        ids = [
            json.loads(arabic(f"urn:test:cluster:usage:{n}", n))["uri"]
            for n in range(3)
            if publish(client, arabic(f"urn:test:cluster:usage:{n}", n))
        ]
    fetched = 0
    for n, node in enumerate(cluster.nodes):
        with node.client(cluster.keys["metered"]) as client:
            for item_id in ids[: 2 + n]:
                answer = retry_until(
                    lambda c=client, i=item_id: c.get(f"/v1/items/{i}").status_code == 200,
                    "the item on this node",
                    GUARD,
                )
                assert answer
                fetched += 1

    def counted() -> bool:
        with cluster.nodes[0].client(cluster.keys["metered"]) as client:
            totals = client.get("/v1/usage").json()["totals"]
        return totals["channels"].get("item") == fetched

    # Each node writes its counts every few seconds: both nodes' counts add up.
    retry_until(counted, f"{fetched} item deliveries counted over both nodes", GUARD)


def test_each_node_searches_what_either_published_and_rebuilds_a_lost_index(cluster):
    word = "زمردية"
    doc = ninjs_doc("urn:test:cluster:search", f"خبر عن الحجارة {word}", ARABIC, "ar")
    with desk(cluster, 0) as client:
        publish(client, json.dumps(doc).encode())

    def found_on(node) -> bool:
        with node.client(cluster.keys["alpha"]) as client:
            hits = client.get("/v1/search", params={"q": word}).json().get("hits") or []
        return any(h["id"] == "urn:test:cluster:search" for h in hits)

    for n, node in enumerate(cluster.nodes):
        retry_until(lambda node=node: found_on(node), f"node {n} to find it", GUARD)
    # Node B loses its index folder: started again, it rebuilds it from the store.
    port = cluster.nodes[1].port
    cluster.nodes[1].close()
    shutil.rmtree(cluster.folder / "node1.search")
    cluster.nodes[1] = cluster.start(1, port=port)
    retry_until(lambda: found_on(cluster.nodes[1]), "node B to rebuild its index", GUARD)


def gated_node(cluster: Cluster, tmp_path, log=None) -> tuple[TcpGate, Server]:
    """A node of its own reaching the cluster's database through a ``TcpGate`` the test
    can cut, silence and mend."""
    gate = TcpGate(("127.0.0.1", 5432))
    gated = cluster.db.replace("127.0.0.1:5432", f"127.0.0.1:{gate.port}")
    node = Server(
        gated, "--bus", cluster.bus, log=log,
        env={**cluster.env, "NEWSWIRE_SEARCH_INDEX": str(tmp_path / "gated.search")},
    )
    return gate, node


def test_a_node_that_loses_postgresql_answers_503_and_recovers_by_itself(cluster, tmp_path):
    gate, node = gated_node(cluster, tmp_path)  # a third node, reaching it through the gate
    try:
        start = head_seq(cluster)
        stream = Stream(node.url, cluster.keys["alpha"], after=start)
        body = {**NINJS, "Authorization": f"Bearer {cluster.keys['desk']}"}
        with httpx.Client(base_url=node.url, timeout=30, headers=body) as client:
            first = client.post("/v1/items", content=arabic("urn:test:cluster:pg:0", 0))
            assert first.status_code == 201, first.text
            gate.cut()
            refused = client.post("/v1/items", content=arabic("urn:test:cluster:pg:1", 1))
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            assert client.get("/ready").status_code == 503
            assert client.get("/health").status_code == 200  # alive: only not ready
            # Meanwhile the other nodes go on: one publishes while this one is cut off.
            with desk(cluster, 0) as other:
                during = publish(other, arabic("urn:test:cluster:pg:2", 2))
            gate.mend()
            retry_until(lambda: client.get("/ready").status_code == 200, "ready again", GUARD)
            again = client.post("/v1/items", content=arabic("urn:test:cluster:pg:3", 3))
            assert again.status_code == 201, again.text
        wanted = [first.json()["sequence"], during, again.json()["sequence"]]
        # The stream ended while the node could not check access (ACCESS_UNKNOWN); the
        # client connects again from its last event and misses nothing.
        assert stream.done.wait(GUARD) and "cannot check access" in (stream.close_reason or "")
        seen = stream.seqs()
        stream = Stream(node.url, cluster.keys["alpha"], last_event_id=(seen or [start])[-1])
        assert stream.wait_for(lambda _: set(wanted) <= set(seen + stream.seqs()), GUARD)
        assert seen + stream.seqs() == sorted(set(seen + stream.seqs()))
        stream.close()
    finally:
        node.close()
        gate.close()


def test_a_node_that_loses_postgresql_says_so_once_from_the_first_refused_request(
    cluster, tmp_path
):
    """From the first request the database cannot serve, the 503 names the database (not
    a busy pool), and the log says it in a line or two: not a traceback from each loop
    that retries (the log, keys, embargoes, webhooks, the search index) before the pool
    gives its first round of tries up."""
    log = tmp_path / "gated.log"
    gate, node = gated_node(cluster, tmp_path, log=log)
    body = {**NINJS, "Authorization": f"Bearer {cluster.keys['desk']}"}
    try:
        with httpx.Client(base_url=node.url, timeout=30, headers=body) as client:
            gate.cut()
            refused = client.post("/v1/items", content=arabic("urn:test:cluster:pg:once", 0))
            assert refused.status_code == 503, refused.text
            assert "cannot reach the database" in refused.json()["detail"], refused.text
            said = "cannot reach the database"
            retry_until(lambda: said in log.read_text(errors="replace"), "the outage said", GUARD)
            gate.mend()
            retry_until(lambda: client.get("/ready").status_code == 200, "ready again", GUARD)
            retry_until(lambda: "answers again" in log.read_text(errors="replace"), "the end said")
    finally:
        node.close()
        gate.close()
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text


def test_a_key_first_used_while_postgresql_is_out_of_reach_works_once_it_is_back(
    cluster, tmp_path
):
    """A key a node cannot look up is a 503 (try again), not a refusal it keeps: once the
    database answers again the same key is let in, without the access generation moving."""
    gate, node = gated_node(cluster, tmp_path)
    reader = {"Authorization": f"Bearer {cluster.keys['alpha']}"}
    try:
        with httpx.Client(base_url=node.url, timeout=30, headers=reader) as client:
            gate.cut()
            cut_off = client.get("/v1/feed", params={"limit": 1})
            assert cut_off.status_code == 503, cut_off.text
            gate.mend()
            retry_until(lambda: client.get("/ready").status_code == 200, "ready again", GUARD)
            back = client.get("/v1/feed", params={"limit": 1})
            assert back.status_code == 200, back.text
    finally:
        node.close()
        gate.close()


@pytest.mark.parametrize("lost", ["cut", "silence"])
def test_a_node_that_cannot_check_access_serves_no_key_from_memory(cluster, tmp_path, lost):
    """A node that cannot read the access generation cannot hear of a key revoked on
    another: it served a remembered key's feed from memory (200, full text) for seconds
    after its database went, and its streams stayed open until the database was back.
    Now its streams end, saying why (a client reconnects to a node that can check), and a
    remembered key is looked up again: a 503 until the database answers. The network
    closed (``cut``) or gone silent, the bytes held and nothing closed (``silence``: the
    read hangs, as it would until the kernel gave up)."""
    gate, node = gated_node(cluster, tmp_path)
    reader = {"Authorization": f"Bearer {cluster.keys['alpha']}"}
    try:
        with httpx.Client(base_url=node.url, timeout=60, headers=reader) as client:
            assert client.get("/v1/feed", params={"limit": 1}).status_code == 200  # remembered
            stream = Stream(node.url, cluster.keys["alpha"], after=head_seq(cluster))
            assert stream.status == 200
            getattr(gate, lost)()
            assert stream.done.wait(GUARD), "the stream is still open"
            assert stream.close_reason and "cannot check access" in stream.close_reason
            if lost == "cut":
                cut_off = client.get("/v1/feed", params={"limit": 1})
                assert cut_off.status_code == 503, cut_off.text
            gate.mend()
            retry_until(lambda: client.get("/ready").status_code == 200, "ready again", GUARD)
            retry_until(
                lambda: client.get("/v1/feed", params={"limit": 1}).status_code == 200,
                "the key served again",
                GUARD,
            )
    finally:
        node.close()
        gate.close()


def test_a_node_that_cannot_follow_its_bus_says_why_in_its_log(cluster, tmp_path):
    """A bus URL naming the cluster's stream with a subject that stream does not take:
    ``/ready`` says the bus is not connected, and the log says why without the node having
    to publish anything first."""
    stream = cluster.bus.split("stream=", 1)[1].split("&", 1)[0]
    wrong = f"{cluster.bus.split('?', 1)[0]}?stream={stream}&subject=test.elsewhere.items"
    log = tmp_path / "wrong-bus.log"
    node = Server(
        cluster.db, "--bus", wrong, log=log,
        env={**cluster.env, "NEWSWIRE_SEARCH_INDEX": str(tmp_path / "wrong-bus.search")},
    )
    try:
        ready = httpx.get(f"{node.url}/ready", timeout=30)
        assert ready.status_code == 503 and ready.json()["bus"] == "not connected", ready.text
        said = f"stream {stream!r} does not take subject 'test.elsewhere.items'"
        retry_until(lambda: said in log.read_text(errors="replace"), "the log to say why", GUARD)
    finally:
        node.close()


def test_a_node_whose_stream_is_deleted_says_so_once_and_follows_the_new_one(cluster):
    """An operator deletes the stream while the nodes run (or NATS comes back without its
    storage), and a publish makes it again. A node's ordered consumer waited for the old
    stream's sequence: the bus woke the node no more, its log said nothing and ``/ready``
    said ready. The node says once that its consumer is gone, subscribes again (``/ready``:
    200) and says so, and a stream on it gets what is published from then on."""
    import asyncio

    import nats

    stream = cluster.bus.split("stream=", 1)[1].split("&", 1)[0]
    node = cluster.nodes[1]
    assert node.log_path is not None
    before = len(node.log_path.read_text(errors="replace"))

    def said() -> str:
        return node.log_path.read_text(errors="replace")[before:]

    async def delete_stream() -> None:
        nc = await nats.connect(cluster.bus.split("?", 1)[0], connect_timeout=2)
        try:
            await nc.jetstream(timeout=5).delete_stream(stream)
        finally:
            await nc.close()

    asyncio.run(delete_stream())
    again = f"stream {stream!r} is followed again"
    retry_until(lambda: again in said(), "the node to follow its stream again", GUARD)
    assert said().count("is gone") == 1 and "Traceback" not in said(), said()
    ready = httpx.get(f"{node.url}/ready", timeout=30)
    assert ready.status_code == 200 and ready.json()["bus"] == "ready", ready.text
    on_b = Stream(node.url, cluster.keys["alpha"], after=head_seq(cluster))
    with desk(cluster, 0) as a:
        seq = publish(a, arabic("urn:test:cluster:stream-deleted", 0))
    assert on_b.wait_for(lambda _: on_b.seqs() == [seq], GUARD), on_b.seqs()
    on_b.close()


def test_long_polls_and_websockets_on_one_node_wake_for_what_the_other_stored(cluster):
    after = head_seq(cluster)
    with ws_connect(cluster.nodes[1].url, cluster.keys["alpha"], after=after) as ws:
        with ThreadPoolExecutor(1) as pool, cluster.nodes[1].client(cluster.keys["alpha"]) as b:
            # Node B's long poll, waiting past the head, is answered by node A's publish.
            polled = pool.submit(b.get, "/v1/feed", params={"after": after, "wait": 30})
            with desk(cluster, 0) as a:
                seq = publish(a, arabic("urn:test:cluster:poll", 0))
            answer = polled.result(GUARD)
        assert answer.status_code == 200
        assert [e["sequence"] for e in answer.json()["items"]][:1] == [seq]
        got = ws_until_id(ws, "urn:test:cluster:poll")
        assert [e["sequence"] for e in got] == [seq]

"""The bus contract, run against every backend (memory, NATS JetStream for real)."""

from __future__ import annotations

import gc

import anyio
import anyio.lowlevel
import msgspec
import pytest

from newswire.bus import Event, Lost, Overflow, open_bus
from newswire.bus.base import decode, encode
from newswire.bus.memory import MemoryBus
from newswire.bus.nats import NatsBus
from newswire.errors import BadInput, Unavailable

TIMEOUT = 3.0
"""Seconds any one wait in these tests may take before it fails."""


def ev(seq: int, kind: str = "item", **fields) -> Event:
    return Event(seq=seq, id=f"urn:test:item:{seq}", version=1, kind=kind, **fields)


async def take(subscription, n: int) -> list[Event]:
    with anyio.fail_after(TIMEOUT):
        return [await anext(subscription) for _ in range(n)]


async def publish(bus, *seqs: int) -> None:
    with anyio.fail_after(TIMEOUT):
        for seq in seqs:
            await bus.publish(ev(seq))


async def assert_ended(subscription) -> None:
    with anyio.fail_after(TIMEOUT), pytest.raises(StopAsyncIteration):
        await anext(subscription)


async def assert_next_is(bus, subscription, seq: int) -> None:
    """Nothing more arrived before a sentinel: publish event ``seq`` and take it next."""
    await publish(bus, seq)
    assert [e.seq for e in await take(subscription, 1)] == [seq]


async def pushed(subscription, check) -> None:
    """Wait until ``check()`` holds, woken by each event the bus hands ``subscription``
    (the NATS bus does from a task of its own) while nobody iterates it."""
    with anyio.fail_after(TIMEOUT):
        while not check():
            subscription._wakeup.clear()
            await subscription._wakeup.wait()


# --- publish and subscribe ------------------------------------------------------------


@pytest.mark.anyio
async def test_subscriber_gets_events_in_order(bus):
    async with bus.subscribe() as events:
        await bus.publish(ev(1, urgency=1))
        await bus.publish(ev(2, "update"))
        await bus.publish(ev(3, "withdraw"))
        await bus.publish(ev(4, "embargo-lift"))
        assert await take(events, 4) == [
            ev(1, urgency=1),
            ev(2, "update"),
            ev(3, "withdraw"),
            ev(4, "embargo-lift"),
        ]
        assert events.after == 4


@pytest.mark.anyio
async def test_consumer_waiting_is_woken_by_each_event(bus):
    got: list[int] = []
    took = [anyio.Event() for _ in range(3)]
    async with bus.subscribe() as events:

        async def consume(*, task_status=anyio.TASK_STATUS_IGNORED) -> None:
            task_status.started()
            async for event in events:
                got.append(event.seq)
                took[len(got) - 1].set()
                if len(got) == 3:
                    break

        with anyio.fail_after(TIMEOUT):
            async with anyio.create_task_group() as tg:
                # The starter runs again only once the consumer is parked in its
                # iteration, and so after each event it took: every event finds it waiting.
                await tg.start(consume)
                for n, seq in enumerate((1, 2, 3)):
                    await bus.publish(ev(seq))
                    await took[n].wait()
    assert got == [1, 2, 3]


@pytest.mark.anyio
async def test_every_subscriber_gets_every_event(bus):
    subscriptions = [bus.subscribe() for _ in range(3)]
    for subscription in subscriptions:
        await subscription.start()
    await publish(bus, 1, 2, 3, 4, 5)
    for subscription in subscriptions:
        assert [e.seq for e in await take(subscription, 5)] == [1, 2, 3, 4, 5]
        await subscription.aclose()


@pytest.mark.anyio
async def test_only_events_after_the_cursor(bus):
    async with bus.subscribe(after=3) as events:
        await publish(bus, 1, 2, 3, 4, 5)
        assert [e.seq for e in await take(events, 2)] == [4, 5]
        await assert_next_is(bus, events, 6)


@pytest.mark.anyio
async def test_repeated_or_older_seq_is_no_news(bus):
    async with bus.subscribe() as events:
        await publish(bus, 1, 2, 2, 1, 3)
        assert [e.seq for e in await take(events, 3)] == [1, 2, 3]
        await assert_next_is(bus, events, 4)


@pytest.mark.anyio
async def test_events_before_the_start_are_the_stores_job(bus):
    await publish(bus, 1)
    async with bus.subscribe() as events:
        await publish(bus, 2)
        assert [e.seq for e in await take(events, 1)] == [2]


@pytest.mark.anyio
async def test_first_iteration_starts_the_subscription(bus):
    events = bus.subscribe()
    got: list[int] = []

    async def consume() -> None:
        got.append((await anext(events)).seq)

    with anyio.fail_after(TIMEOUT):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            seq = 0
            while not got:  # publish until the subscription, started by anext, hears one
                seq += 1
                await bus.publish(ev(seq))
                await anyio.lowlevel.checkpoint()  # the consumer's turn
    assert got[0] >= 1
    await events.aclose()


# --- slow consumers ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_slow_subscriber_overflows_without_blocking_anyone(make_bus_url):
    bus = open_bus(make_bus_url(queue_size=3))
    try:
        slow, fast = bus.subscribe(), bus.subscribe()
        await slow.start()
        await fast.start()
        await publish(bus, 1)
        assert [e.seq for e in await take(slow, 1)] == [1]
        assert [e.seq for e in await take(fast, 1)] == [1]
        for seq in range(2, 12):  # the fast one keeps up, the slow one does not read
            await publish(bus, seq)
            assert [e.seq for e in await take(fast, 1)] == [seq]
        await pushed(slow, lambda: slow.overflowed)  # NATS hands messages over on its own
        with anyio.fail_after(TIMEOUT), pytest.raises(Overflow) as raised:
            await anext(slow)
        assert raised.value.after == 1  # resume from the cursor via the store
        assert raised.value.field == "bus"
        assert raised.value.status == 503
        await assert_ended(slow)
        await publish(bus, 12)
        assert [e.seq for e in await take(fast, 1)] == [12]
    finally:
        await bus.close()


@pytest.mark.anyio
async def test_a_subscriber_that_never_reads_does_not_block_publish(make_bus_url):
    bus = open_bus(make_bus_url(queue_size=10))
    try:
        idle = bus.subscribe()
        await idle.start()
        with anyio.fail_after(TIMEOUT):
            for seq in range(1, 201):
                await bus.publish(ev(seq))
        async with bus.subscribe(after=200) as events:
            await publish(bus, 201)
            assert [e.seq for e in await take(events, 1)] == [201]
    finally:
        await bus.close()


# --- ending ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_close_ends_subscriptions_after_what_is_queued(bus):
    events = bus.subscribe()
    await events.start()
    waiting = bus.subscribe()
    await waiting.start()
    await publish(bus, 1)
    assert [e.seq for e in await take(waiting, 1)] == [1]
    await pushed(events, lambda: events._events)  # the message in its queue before closing

    ended = False

    async def wait_for_more(*, task_status=anyio.TASK_STATUS_IGNORED) -> None:
        nonlocal ended
        task_status.started()
        async for _ in waiting:
            pass
        ended = True

    with anyio.fail_after(TIMEOUT):
        async with anyio.create_task_group() as tg:
            await tg.start(wait_for_more)  # back here once it is parked in the iteration
            await bus.close()
    assert ended
    assert [e.seq for e in await take(events, 1)] == [1]
    await assert_ended(events)
    await assert_ended(bus.subscribe())
    await bus.close()  # idempotent
    with pytest.raises(Unavailable):
        await bus.publish(ev(2))


@pytest.mark.anyio
async def test_aclose_ends_one_subscription(bus):
    one, other = bus.subscribe(), bus.subscribe()
    await one.start()
    await other.start()
    await publish(bus, 1)
    await one.aclose()
    await assert_ended(one)
    await publish(bus, 2)
    assert [e.seq for e in await take(other, 2)] == [1, 2]


@pytest.mark.anyio
async def test_a_dropped_subscription_is_let_go(bus):
    async with bus.subscribe() as kept:
        dropped = bus.subscribe()
        await dropped.start()
        await publish(bus, 1)
        async for _ in dropped:
            break  # without aclose
        del dropped
        gc.collect()
        await publish(bus, 2)  # the NATS bus ends abandoned subscriptions on its next call
        assert [e.seq for e in await take(kept, 2)] == [1, 2]
        if isinstance(bus, MemoryBus):
            assert list(bus._subscriptions) == [kept]
        else:
            assert len(bus._listening) == 1


# --- events on the wire -----------------------------------------------------------------


def test_event_json_round_trip():
    event = ev(42, "update", urgency=2)
    data = encode(event)
    assert msgspec.json.decode(data) == {
        "seq": 42,
        "id": "urn:test:item:42",
        "version": 1,
        "kind": "update",
        "urgency": 2,
    }
    assert decode(data) == event
    assert decode(encode(ev(1))).urgency is None


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b'{"seq": 1, "id": "x", "version": 1, "kind": "kill"}',
        b'{"seq": "1", "id": "x", "version": 1, "kind": "item"}',
        b'{"id": "x", "version": 1, "kind": "item"}',
    ],
)
def test_decoding_what_is_not_an_event_is_bad_input(data):
    with pytest.raises(BadInput) as raised:
        decode(data)
    assert raised.value.field == "event"


def test_events_are_frozen():
    with pytest.raises(AttributeError):
        ev(1).seq = 2  # type: ignore[misc]


@pytest.mark.anyio
@pytest.mark.parametrize("backend", ["nats"], indirect=True)
async def test_nats_message_is_json_with_the_seq_as_msg_id(bus):
    import nats

    await publish(bus, 7, 7)  # the second is a duplicate JetStream drops
    nc = await nats.connect(bus.server, connect_timeout=2, max_reconnect_attempts=1)
    try:
        js = nc.jetstream(timeout=TIMEOUT)
        info = await js.stream_info(bus.stream)
        assert info.state.messages == 1
        msg = await js.get_msg(bus.stream, 1)
    finally:
        await nc.close()
    assert msg.subject == bus.subject
    assert msg.headers["Nats-Msg-Id"] == "7"
    assert decode(msg.data) == ev(7)


@pytest.mark.anyio
@pytest.mark.parametrize("backend", ["nats"], indirect=True)
async def test_nats_stream_with_another_subject_is_bad_input(make_bus_url):
    first = open_bus(make_bus_url())
    try:
        await publish(first, 1)
    finally:
        await first.close()
    stream = first.stream
    other = open_bus(f"nats://127.0.0.1:4222?stream={stream}&subject=test.elsewhere")
    try:
        with anyio.fail_after(TIMEOUT), pytest.raises(BadInput, match="does not take subject"):
            await other.publish(ev(2))
    finally:
        await other.close()


@pytest.mark.anyio
async def test_nats_unreachable_is_unavailable(anyio_backend):
    bus = open_bus("nats://127.0.0.1:1")
    try:
        with anyio.fail_after(TIMEOUT), pytest.raises(Unavailable, match="cannot reach") as raised:
            await bus.publish(ev(1))
        assert raised.value.field == "bus"
        with anyio.fail_after(TIMEOUT), pytest.raises(Unavailable):
            await bus.subscribe().start()
    finally:
        await bus.close()


@pytest.mark.anyio
async def test_nats_unreachable_is_not_logged_at_every_try(anyio_backend, caplog):
    # The hub and the herald try again twice a second and log the Unavailable once: the
    # bus itself logging each of its quick tries flooded the log while NATS was away.
    bus = open_bus("nats://127.0.0.1:1")
    try:
        with caplog.at_level("WARNING", logger="newswire.bus.nats"):
            for _ in range(3):
                with anyio.fail_after(TIMEOUT), pytest.raises(Unavailable, match="cannot reach"):
                    await bus.publish(ev(1))
        assert [r.getMessage() for r in caplog.records if r.name == "newswire.bus.nats"] == []
    finally:
        await bus.close()


# --- bus URLs ---------------------------------------------------------------------------


def test_open_memory_bus():
    bus = open_bus("memory://")
    assert isinstance(bus, MemoryBus)
    assert bus.queue_size == 10_000
    assert open_bus("memory://?queue_size=5").queue_size == 5


def test_open_nats_bus_defaults():
    bus = open_bus("nats://127.0.0.1:4222")
    assert isinstance(bus, NatsBus)
    assert (bus.server, bus.stream, bus.subject) == (
        "nats://127.0.0.1:4222",
        "NEWSWIRE",
        "newswire.items",
    )
    assert open_bus("nats://").server == "nats://127.0.0.1:4222"


def test_open_nats_bus_with_options():
    bus = open_bus("NATS://me:secret@nats.example:4333?stream=WIRE_AR&subject=wire.ar.items")
    assert bus.server == "nats://me:secret@nats.example:4333"
    assert (bus.stream, bus.subject) == ("WIRE_AR", "wire.ar.items")
    assert open_bus("nats://[::1]:4222?queue_size=7").server == "nats://[::1]:4222"
    assert open_bus("nats://[::1]:4222?queue_size=7").queue_size == 7


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("redis://127.0.0.1:6379", "unsupported bus URL"),
        ("", "unsupported bus URL"),
        ("127.0.0.1:4222", "unsupported bus URL"),
        ("memory://?stream=X", "unknown option stream"),
        ("memory://?queue_size=0", "queue_size must be a positive integer"),
        ("memory://?queue_size=many", "queue_size must be a positive integer"),
        ("nats://127.0.0.1:4222?topic=x", "unknown option topic"),
        # named, not "unknown option an option given twice"
        ("nats://127.0.0.1:4222?stream=A&stream=B", "': option stream given twice: give each"),
        ("nats://127.0.0.1:4222?stream=A.B", "stream name"),
        ("nats://127.0.0.1:4222?stream=", "stream name"),
        ("nats://127.0.0.1:4222?subject=newswire.*", "subject"),
        ("nats://127.0.0.1:4222?subject=newswire..items", "subject"),
        ("nats://127.0.0.1:port", "bus URL"),
        ("nats://127.0.0.1:4222/items", "no path"),
    ],
)
def test_bad_bus_urls(url, reason):
    with pytest.raises(BadInput, match=reason) as raised:
        open_bus(url)
    assert raised.value.field == "bus"
    assert raised.value.status == 400


@pytest.mark.anyio
@pytest.mark.parametrize("backend", ["nats"], indirect=True)
async def test_a_nats_stream_deleted_while_connected_is_made_again(bus):
    """The stream gone under a connected bus (an operator deleted it after a restore, as
    docs/deployment.md says to; a NATS server that lost its storage): every publish failed
    with 'no response from stream' until the node restarted, while /ready said the bus was
    ready. The stream is made again, as on first use, and the publish goes through."""
    import nats

    await publish(bus, 1)
    nc = await nats.connect(bus.server, connect_timeout=2, max_reconnect_attempts=1)
    try:
        js = nc.jetstream(timeout=TIMEOUT)
        await js.delete_stream(bus.stream)
        await publish(bus, 2)
        info = await js.stream_info(bus.stream)
        assert info.config.subjects == [bus.subject]
        assert info.state.messages == 1
        msg = await js.get_msg(bus.stream, 1)
    finally:
        await nc.close()
    assert decode(msg.data) == ev(2)


@pytest.mark.anyio
@pytest.mark.parametrize("backend", ["nats"], indirect=True)
async def test_a_nats_subscription_whose_stream_is_made_again_is_told_then_follows_it(
    make_bus_url,
):
    """The stream deleted under a live subscription and made again by another node's
    publish: the ordered consumer waited for the old stream's sequence and delivered
    nothing more, with no one told. The subscription ends with ``Lost`` (what was
    published meanwhile is the store's to give), and a new one gets every event after."""
    import nats

    url = make_bus_url()
    here, there = open_bus(url), open_bus(url)
    try:
        subscription = here.subscribe()
        await subscription.start()
        await publish(there, 1)
        assert [e.seq for e in await take(subscription, 1)] == [1]
        nc = await nats.connect(here.server, connect_timeout=2, max_reconnect_attempts=1)
        try:
            await nc.jetstream(timeout=TIMEOUT).delete_stream(here.stream)
        finally:
            await nc.close()
        await publish(there, 2, 3)  # makes the stream again
        with anyio.fail_after(TIMEOUT), pytest.raises(Lost) as lost:
            await anext(subscription)
        assert isinstance(lost.value, Overflow) and lost.value.after == 1
        async with here.subscribe(after=1) as again:
            await publish(there, 4, 5)
            assert [e.seq for e in await take(again, 2)] == [4, 5]
    finally:
        await here.close()
        await there.close()

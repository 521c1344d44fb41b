"""``Bus.status()``, what ``GET /ready`` reports: ready once the bus can take a publish,
``closed`` after ``close``; a NATS bus that cannot reach its server says so."""

from __future__ import annotations

import anyio
import pytest

from newswire.bus import Event, Lost, open_bus
from newswire.errors import Unavailable
from tests.helpers import free_port


@pytest.mark.anyio
async def test_a_bus_is_ready_once_it_takes_a_publish_and_closed_after(bus, backend):
    if backend == "nats":  # connects on first use
        assert bus.status() == "not connected"
    with anyio.fail_after(10):
        await bus.publish(Event(seq=1, id="urn:test:status", version=1, kind="item"))
    assert bus.status() == "ready"
    await bus.close()
    assert bus.status() == "closed"


@pytest.mark.anyio
async def test_a_nats_bus_without_its_server_is_not_connected(anyio_backend):
    bus = open_bus(f"nats://127.0.0.1:{free_port()}")  # nothing listens there
    try:
        with anyio.fail_after(30), pytest.raises(Unavailable):
            await bus.publish(Event(seq=1, id="urn:test:status", version=1, kind="item"))
        assert bus.status() == "not connected"
    finally:
        await bus.close()


@pytest.mark.anyio
@pytest.mark.parametrize("backend", ["nats"], indirect=True)
async def test_a_nats_bus_whose_consumer_is_lost_is_not_ready_until_it_subscribes_again(bus):
    """A subscription's consumer deleted on the server (the stream deleted, an operator,
    a server that lost its storage): the node is no longer woken by the others' publishes,
    and ``/ready`` said so to no one. The bus is ``resubscribing`` from the loss until a
    subscription is made again."""
    import nats

    subscription = bus.subscribe()
    await subscription.start()
    with anyio.fail_after(10):
        await bus.publish(Event(seq=1, id="urn:test:status", version=1, kind="item"))
        assert (await anext(subscription)).seq == 1
    nc = await nats.connect(bus.server, connect_timeout=2, max_reconnect_attempts=1)
    try:
        js = nc.jetstream(timeout=5)
        for consumer in await js.consumers_info(bus.stream):
            await js.delete_consumer(bus.stream, consumer.name)
    finally:
        await nc.close()
    with anyio.fail_after(10), pytest.raises(Lost):
        await anext(subscription)
    assert bus.status() == "resubscribing"
    async with bus.subscribe(after=1):
        assert bus.status() == "ready"

"""``Bus.status()``, what ``GET /ready`` reports: ready once the bus can take a publish,
``closed`` after ``close``; a NATS bus that cannot reach its server says so."""

from __future__ import annotations

import anyio
import pytest

from newswire.bus import Event, open_bus
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

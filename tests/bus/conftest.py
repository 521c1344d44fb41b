"""Buses for every backend: ``memory://`` and NATS JetStream on 127.0.0.1:4222 (for real).

Each NATS test gets a stream and subject of its own, deleted afterwards, so tests never see
each other's events.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest

from newswire.bus import open_bus
from tests.helpers import services

NATS = "nats://127.0.0.1:4222"

BACKENDS = ["memory", "nats"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def nats_server() -> str:
    """The URL of a NATS server with JetStream, started by scripts/services.sh if need be."""
    services("nats")
    return NATS


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    if request.param == "nats":
        request.getfixturevalue("nats_server")
    return request.param


@pytest.fixture
async def make_bus_url(backend, anyio_backend):
    """``make_bus_url(**options)``: the URL of a fresh bus that no other test shares."""
    streams: list[str] = []

    def make(**options: str | int) -> str:
        if backend == "memory":
            base = "memory://"
        else:
            base = NATS
            token = uuid.uuid4().hex[:12]
            options = {"stream": f"TEST_{token}", "subject": f"test.{token}.items", **options}
            streams.append(str(options["stream"]))
        query = "&".join(f"{name}={value}" for name, value in options.items())
        return f"{base}?{query}" if query else base

    yield make
    if streams:
        await _delete_streams(streams)


@pytest.fixture
async def bus(make_bus_url, anyio_backend):
    b = open_bus(make_bus_url())
    yield b
    await b.close()


async def _delete_streams(streams: list[str]) -> None:
    import nats
    from nats.js.errors import NotFoundError

    nc = await nats.connect(NATS, connect_timeout=2, max_reconnect_attempts=1)
    try:
        js = nc.jetstream(timeout=5)
        for stream in streams:
            with contextlib.suppress(NotFoundError):
                await asyncio.wait_for(js.delete_stream(stream), 5)
    finally:
        await nc.close()

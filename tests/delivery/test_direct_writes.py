"""The hub writes events straight to an idle SSE connection when the server is uvicorn
with httptools (what ``newswire serve`` runs), and keeps the ASGI path elsewhere.

Half the CPU of a live delivery depends on that fast path (docs/benchmarks.md), and it
relies on attributes of uvicorn's response cycle: these tests fail if an upgrade of
uvicorn quietly turns it off, or turns it on where it is not safe.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

import pytest
import uvicorn

from newswire.api.app import create_app
from newswire.delivery.hub import Listener
from newswire.delivery.sse import direct_writer
from newswire.settings import Settings
from tests.conftest import BACKENDS
from tests.delivery.wire import ENGLISH, WAIT, Stream, ninjs_doc, shared
from tests.helpers import free_port, index_setting

T = TypeVar("T")


@pytest.fixture(scope="module", params=BACKENDS)
def wire(request):
    return shared(request)


class InProcess:
    """The application served by uvicorn in a thread of this process, so that its hub
    can be looked at (``on_loop``: in the server's event loop, between two of its steps)."""

    def __init__(self, db: str, http: str):
        self.app = create_app(Settings(db=db, search_index=index_setting(db)))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, http=http, log_level="warning",
            timeout_graceful_shutdown=1,
        )
        self.server = Started(config)
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()))
        self.thread.start()
        assert self.server.up.wait(WAIT), "the server did not start"

    def on_loop(self, fn: Callable[[], T]) -> T:
        """``fn()`` called by the server's event loop: what it sees is never half a step
        of the loop (an event written to a connection but not yet accounted for)."""
        done: Future[T] = Future()

        def call() -> None:
            try:
                done.set_result(fn())
            except BaseException as exc:
                done.set_exception(exc)

        self.server.loop.call_soon_threadsafe(call)
        return done.result(WAIT)

    def listeners(self) -> list[Listener]:
        return self.on_loop(self.app.state.hub.listeners)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


class Started(uvicorn.Server):
    """A uvicorn server that says when it has started (``up``), and its loop."""

    def __init__(self, config: uvicorn.Config):
        super().__init__(config)
        self.up = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None

    async def startup(self, sockets=None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().startup(sockets=sockets)
        self.up.set()


@pytest.mark.parametrize("http, direct", [("httptools", True), ("h11", False)])
def test_the_hub_writes_to_idle_streams_only_where_it_is_safe(wire, http, direct):
    served = InProcess(wire.db, http)
    try:
        start = wire.last_seq()
        with Stream(served.url, wire.keys["beta"], after=start) as stream:
            # The stream's response has begun: its listener is registered by then.
            assert served.listeners()
            wire.publish(ninjs_doc(f"urn:e2e:direct:{http}", "Direct", ENGLISH, "en"))
            assert stream.wait_count(1, prefix="urn:e2e:direct:")
            (listener,) = served.listeners()
            assert (listener.direct is not None) is direct
            # Accounted for, whichever path.
            assert served.on_loop(lambda: listener.after) == stream.seqs()[-1]
    finally:
        served.close()


def test_no_direct_writer_behind_a_send_that_is_not_uvicorns():
    async def send(message):  # what a test client or another server hands the app
        pass

    assert direct_writer(send) is None

"""The hub writes events straight to an idle SSE connection when the server is uvicorn
with httptools (what ``newswire serve`` runs), and keeps the ASGI path elsewhere.

Half the CPU of a live delivery depends on that fast path (docs/benchmarks.md), and it
relies on attributes of uvicorn's response cycle: these tests fail if an upgrade of
uvicorn quietly turns it off, or turns it on where it is not safe.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
import uvicorn

from newswire.api.app import create_app
from newswire.delivery.sse import direct_writer
from newswire.settings import Settings
from tests.delivery.wire import ENGLISH, Stream, ninjs_doc, shared, wait_until
from tests.helpers import free_port


@pytest.fixture(scope="module")
def wire(request):
    return shared(request)


class InProcess:
    """The application served by uvicorn in a thread of this process, so that its hub
    can be looked at."""

    def __init__(self, db: str, http: str):
        self.app = create_app(Settings(db=db))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, http=http, log_level="warning",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()))
        self.thread.start()
        assert wait_until(lambda: self.server.started, 15), "the server did not start"

    def listeners(self):
        return self.app.state.hub.listeners()

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


@pytest.mark.parametrize("http, direct", [("httptools", True), ("h11", False)])
def test_the_hub_writes_to_idle_streams_only_where_it_is_safe(wire, http, direct):
    served = InProcess(wire.db, http)
    try:
        start = wire.last_seq()
        with Stream(served.url, wire.keys["beta"], after=start) as stream:
            assert wait_until(lambda: served.listeners(), 5)
            wire.publish(ninjs_doc(f"urn:e2e:direct:{http}", "Direct", ENGLISH, "en"))
            assert stream.wait_count(1, prefix="urn:e2e:direct:", timeout=10)
            (listener,) = served.listeners()
            assert (listener.direct is not None) is direct
            assert listener.after == stream.seqs()[-1]  # accounted for, whichever path
    finally:
        served.close()


def test_no_direct_writer_behind_a_send_that_is_not_uvicorns():
    async def send(message):  # what a test client or another server hands the app
        pass

    assert direct_writer(send) is None

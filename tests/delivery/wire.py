"""A running newswire for the delivery tests: products, subscribers and keys made with the
real command, a real server, and real clients (HTTP, Server-Sent Events, WebSocket).

One wire of each store backend is built per test session (``shared``) and used by every
delivery module: setting it up runs the ``newswire`` command a few dozen times. Tests never assume the log is empty:
each starts from the current ``last_seq`` and publishes items with ids of its own.

Who receives what:

=========  =========================  ==================================================
key        product                    gets
=========  =========================  ==================================================
alpha      ar-full                    Arabic items, full text
alpha2     ar-full                    (a second key of alpha's, to revoke)
beta       en-teaser                  English items, the teaser
gamma      ar-early                   Arabic items, full text, embargoed ones early
delta      economy                    items on the economy (Media Topic 04000000), full
epsilon    ar-full                    (a subscriber to suspend)
zeta       ar-full                    (alpha's products, another subscriber: never changed)
desk       (publish key)              everything; may publish and withdraw
=========  =========================  ==================================================
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import httpx
import pytest
from httpx_sse import EventSource, ServerSentEvent
from websockets.sync.client import ClientConnection, connect

from tests.conftest import fresh_database, use_backend
from tests.helpers import Server, make_key, set_up

PRODUCTS: dict[str, tuple[str, ...]] = {
    "ar-full": ("--access", "full", "--lang", "ar"),
    "en-teaser": ("--access", "teaser", "--lang", "en"),
    "ar-early": ("--access", "full", "--lang", "ar", "--early-embargo"),
    "economy": ("--access", "full", "--subject", "medtop:04000000"),
}
SUBSCRIBERS: dict[str, str] = {
    "alpha": "ar-full",
    "beta": "en-teaser",
    "gamma": "ar-early",
    "delta": "economy",
    "epsilon": "ar-full",
    "zeta": "ar-full",
}
KEYS: dict[str, tuple[str, ...]] = {
    **{name: ("--subscriber", name) for name in SUBSCRIBERS},
    "alpha2": ("--subscriber", "alpha"),
    "desk": ("--scope", "publish", "--name", "DESK"),
}

NINJS = {"Content-Type": "application/ninjs+json"}
ECONOMY = {"name": "economy, business and finance", "literal": "medtop:04000000"}
SPORT = {"name": "sport", "literal": "medtop:15000000"}

# A real article in four paragraphs: its teaser keeps the first, never the last.
ENGLISH = [
    "Turkey's central bank held its main interest rate at 46 percent on Thursday, as "
    "expected, and said it would keep policy tight until inflation falls decisively.",
    "Annual inflation eased to 38 percent in March from 39 percent a month earlier, "
    "according to the Turkish Statistical Institute. Economists expect a slower decline "
    "in the second half of the year.",
    "The bank's monetary policy committee said the tight stance would be maintained until "
    "a significant and sustained decline in the underlying trend of monthly inflation is "
    "observed.",
    "The news published on the agency's public page is a shortened part of what "
    "subscribers receive through its news flow system.",
]
ARABIC = [
    "أعلن البنك المركزي التركي، الخميس، إبقاء سعر الفائدة الرئيسي عند 46 بالمئة، في "
    "خطوة جاءت متوافقة مع التوقعات.",
    "وقال البنك في بيان إنه سيواصل سياسته النقدية المتشددة إلى أن يتراجع التضخم بشكل "
    "واضح ومستدام.",
    "الأخبار المنشورة على الصفحة الرسمية للوكالة هي اختصار لجزء من الأخبار التي تُعرض "
    "للمشتركين عبر نظام تدفق الأخبار.",
]


def ninjs_doc(uri: str, headline: str, paragraphs: list[str], language: str, **fields) -> dict:
    """A ninjs 3.1 item (as ``tests/api/test_items.py`` builds them)."""
    return {
        "uri": uri,
        "type": "text",
        "language": language,
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "\n\n".join(paragraphs)}],
        **fields,
    }


def rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def item_path(item_id: str) -> str:
    return f"/v1/items/{quote(item_id, safe='')}"


WAIT = 10.0
"""Seconds a test waits for an event before it gives up: a guard against hanging, which
a passing test never reaches (nothing here waits for time to pass)."""


# --- the wire --------------------------------------------------------------------------


@dataclass
class Wire:
    db: str
    server: Server
    keys: dict[str, str]
    _clients: dict[str, httpx.Client] = field(default_factory=dict)

    def key_id(self, who: str) -> str:
        return self.keys[who].split("_")[1]

    def client(self, who: str | None = None) -> httpx.Client:
        """A client with ``who``'s key (kept open for the session), or with none."""
        name = who or ""
        if name not in self._clients:
            self._clients[name] = self.server.client(self.keys[who] if who else None)
        return self._clients[name]

    @property
    def desk(self) -> httpx.Client:
        return self.client("desk")

    def publish(self, doc: dict | bytes, content_type: str = NINJS["Content-Type"]) -> dict:
        data = json.dumps(doc).encode() if isinstance(doc, dict) else doc
        response = self.desk.post("/v1/items", content=data, headers={"Content-Type": content_type})
        assert response.status_code in (200, 201), response.text
        return response.json()

    def last_seq(self) -> int:
        return self.desk.get("/ready").json()["last_seq"]

    def feed(self, who: str, after: int | str, **params) -> dict:
        response = self.client(who).get("/v1/feed", params={"after": after, **params})
        assert response.status_code == 200, response.text
        return response.json()

    def feed_all(self, who: str, after: int, *, until: Callable[[list], bool] | None = None,
                 wait: float = 0) -> list[dict]:
        """Every feed entry after ``after``, page by page (long polling up to ``wait``
        seconds in all for ``until`` to hold)."""
        entries: list[dict] = []
        cursor = str(after)
        deadline = time.monotonic() + wait
        while True:
            left = max(0.0, deadline - time.monotonic())
            page = self.feed(who, cursor, limit=500, wait=round(min(left, 5), 2))
            entries.extend(page["items"])
            moved = page["next"] != cursor
            cursor = page["next"]
            if until is None and not page["items"] and not moved:
                return entries
            if until is not None and (until(entries) or left <= 0):
                return entries

    def stream(self, who: str, **kwargs) -> Stream:
        return Stream(self.server.url, self.keys[who], **kwargs)

    def ws(self, who: str, **params) -> ClientConnection:
        return ws_connect(self.server.url, self.keys[who], **params)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self.server.close()


def build(db: str) -> Wire:
    """The products, subscribers and keys above in database ``db``, and its server."""
    # In this process (``newswire_here``), one after the other: the set-up is not what
    # these tests are about, and each command takes some milliseconds here.
    set_up(db, *(("product", "add", name, *args) for name, args in PRODUCTS.items()))
    # These tests are about delivery, not limits (tests/api/test_usage_and_limits.py and
    # test_workers.py are): a feed client long polling through a 1,000-item burst wakes
    # for every item or two that becomes visible, and went over the default 600 requests
    # a minute on a fast machine (CI, on PostgreSQL).
    set_up(db, *(("subscriber", "add", name, "--product", product, "--rate-limit", "100000")
                 for name, product in SUBSCRIBERS.items()))
    made = {who: make_key(db, *args) for who, args in KEYS.items()}
    return Wire(db=db, server=Server(db), keys=made)


_WIRES = pytest.StashKey[dict[str, Wire]]()


def shared(request: pytest.FixtureRequest) -> Wire:
    """The session's wire on the backend of ``request`` (a module's fixture parametrised by
    ``BACKENDS``), built the first time a module asks for it, closed when the session ends."""
    backend = use_backend(request)
    wires = request.config.stash.setdefault(_WIRES, {})
    if backend not in wires:
        made = ExitStack()
        request.config.add_cleanup(made.close)
        folder = request.getfixturevalue("tmp_path_factory").mktemp(f"wire-{backend}")
        wire = build(made.enter_context(fresh_database(backend, folder, "wire")))
        made.callback(wire.close)
        wires[backend] = wire
    return wires[backend]


# --- live clients ----------------------------------------------------------------------


class Stream:
    """``GET /v1/stream`` read by a thread with httpx and httpx_sse: ``events`` fills as
    they arrive, and whoever waits for one (``wait_for``) is woken by its arrival. The
    constructor returns once the response has begun: by then the server has registered
    the stream with its hub, so everything published afterwards reaches it. ``pause``
    stops reading from the socket (a slow client), ``close`` cuts the connection."""

    def __init__(
        self,
        url: str,
        key: str | None,
        *,
        after: int | str | None = None,
        last_event_id: int | str | None = None,
        params: dict | None = None,
        transport: httpx.HTTPTransport | None = None,
    ):
        self.url = url
        self.params = dict(params or {})
        if after is not None:
            self.params["after"] = str(after)
        self.headers = {"Accept": "text/event-stream"}
        if key:
            self.headers["Authorization"] = f"Bearer {key}"
        if last_event_id is not None:
            self.headers["Last-Event-ID"] = str(last_event_id)
        self.transport = transport
        self.events: list[ServerSentEvent] = []
        self.status: int | None = None
        self.response_headers: httpx.Headers | None = None
        self.body = b""
        self.error: BaseException | None = None
        self.arrived: list[float] = []
        """The wall-clock time (``time.time()``) of each event's arrival."""
        self._changed = threading.Condition()
        self._started = threading.Event()
        self._going = threading.Event()
        self._going.set()
        self._socket: socket.socket | None = None
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._started.wait(15), "no response to the stream request"

    def _run(self) -> None:
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(10, read=None), transport=self.transport) as c,
                c.stream(
                    "GET", f"{self.url}/v1/stream", params=self.params, headers=self.headers
                ) as response,
            ):
                self.status = response.status_code
                self.response_headers = response.headers
                stream = response.extensions.get("network_stream")
                if stream is not None:
                    self._socket = stream.get_extra_info("socket")
                if response.status_code != 200:
                    self.body = response.read()
                    return
                self._started.set()
                for event in EventSource(response).iter_sse():
                    if not event.data:  # ``retry:`` alone (a browser dispatches nothing)
                        continue
                    with self._changed:
                        self.events.append(event)
                        self.arrived.append(time.time())
                        self._changed.notify_all()
                    self._going.wait()
        except Exception as exc:  # the connection was cut (``close``) or broke
            self.error = exc
        finally:
            self._started.set()
            with self._changed:
                self.done.set()
                self._changed.notify_all()

    # reading what came

    def snapshot(self) -> list[ServerSentEvent]:
        with self._changed:
            return list(self.events)

    def entries(self) -> list[dict]:
        """The envelopes of the events received (not the ``close`` event)."""
        return [json.loads(e.data) for e in self.snapshot() if e.event != "close"]

    def seqs(self) -> list[int]:
        return [int(e.id) for e in self.snapshot() if e.event != "close"]

    def last_id(self) -> str:
        return [e.id for e in self.snapshot() if e.event != "close"][-1]

    @property
    def close_reason(self) -> str | None:
        for event in self.snapshot():
            if event.event == "close":
                return json.loads(event.data)["reason"]
        return None

    def wait_for(self, check: Callable[[list[dict]], object], timeout: float = WAIT):
        """Block until ``check(entries)`` holds, woken by each event; ``check``'s last
        answer (false when the stream ended first, or after ``timeout``: a guard)."""
        with self._changed:
            self._changed.wait_for(lambda: check(self.entries()) or self.done.is_set(), timeout)
        return check(self.entries())

    def wait_count(self, n: int, timeout: float = WAIT, prefix: str = "") -> list[dict]:
        """Wait for ``n`` entries (whose id starts with ``prefix``); the entries so far."""
        self.wait_for(lambda _: len(self.entries_of(prefix)) >= n, timeout)
        return self.entries_of(prefix)

    def wait_id(self, item_id: str, timeout: float = WAIT) -> list[dict]:
        """Wait for an entry of ``item_id`` (a sentinel published after what must not come);
        every entry up to and with it. Fails if it does not come."""
        self.wait_for(lambda entries: any(e["id"] == item_id for e in entries), timeout)
        return up_to(self.entries(), item_id)

    def wait_closed(self, timeout: float = WAIT) -> str:
        """Wait for the server's ``close`` event; its reason."""
        self.wait_for(lambda _: self.close_reason, timeout)
        assert self.close_reason is not None, f"the stream was not closed: {self.error!r}"
        return self.close_reason

    def entries_of(self, prefix: str) -> list[dict]:
        return [e for e in self.entries() if e["id"].startswith(prefix)]

    # controlling the connection

    def pause(self) -> None:
        self._going.clear()

    def resume(self) -> None:
        self._going.set()

    def close(self) -> None:
        """Cut the connection (the server sees the client go away)."""
        self._going.set()
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(10)
        assert not self._thread.is_alive(), "the stream reader did not stop"

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def up_to(entries: list[dict], item_id: str) -> list[dict]:
    """``entries`` up to and with the first of ``item_id``; fails when there is none."""
    found = [n for n, e in enumerate(entries) if e["id"] == item_id]
    assert found, f"{item_id} never came: {[e['id'] for e in entries]}"
    return entries[: found[0] + 1]


def ws_connect(url: str, key: str | None, **params) -> ClientConnection:
    """A WebSocket to ``/v1/ws`` with the key in the Authorization header."""
    query = f"?{urlencode(params)}" if params else ""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return connect(
        f"{url.replace('http://', 'ws://')}/v1/ws{query}",
        additional_headers=headers,
        open_timeout=10,
        max_size=None,
    )


def ws_collect(
    ws: ClientConnection, until: Callable[[list[dict]], bool], timeout: float = WAIT,
    into: list[dict] | None = None,
) -> list[dict]:
    """Receive envelopes until ``until(received)`` holds or ``timeout`` passes."""
    received = [] if into is None else into
    deadline = time.monotonic() + timeout
    while not until(received):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            received.append(json.loads(ws.recv(timeout=left)))
        except TimeoutError:
            break
    return received


def ws_until_id(ws: ClientConnection, item_id: str, into: list[dict] | None = None) -> list[dict]:
    """Receive envelopes until one of ``item_id`` (a sentinel); every one up to and with it."""
    received = ws_collect(ws, lambda r: any(e["id"] == item_id for e in r), into=into)
    return up_to(received, item_id)

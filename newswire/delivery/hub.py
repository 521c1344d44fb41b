"""The hub: one reader of the event log per process, fanning each entry out to live listeners.

However many subscribers are connected, the hub reads each new log entry from the store
once, decides once per *audience* (a set of products and a format) whether and how that
audience gets it, renders it once per (format, access level) and hands the same bytes to
every listener of the audience. Each listener (an SSE stream or a WebSocket) has a bounded
queue: one that falls too far behind is closed with a reason and resumes by cursor, so a
slow subscriber never slows the others.

The hub wakes up on the bus (``kick`` in-process, bus events from other nodes) and on the
store's watch (``Store.watch``: another process — a ``--workers`` sibling, ``newswire
ingest`` beside the server — committed something), and also polls the store every
``poll`` seconds. It also lifts embargoes on time (``Store.lift_due``) and closes the
streams of keys revoked or subscribers suspended since they connected, here or in any
other process.

Resuming without gap or duplicate: a listener is registered first and told the hub's
position P; every entry after P reaches its queue. It then replays its own entries from
its cursor up to P from the store, and only then takes from its queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias

import msgspec
from starlette.concurrency import run_in_threadpool

from newswire.access.auth import Principal, access_of
from newswire.access.entitlement import Grant, Previous, grant_for, previous_from
from newswire.access.products import Product
from newswire.bus.base import Overflow
from newswire.delivery.meter import LatencyHistogram, Meter, Metrics
from newswire.delivery.renderer import Renderer
from newswire.delivery.tail import Tail
from newswire.errors import NewswireError
from newswire.model import utcnow
from newswire.store.base import ACCESS, LOG, Change

if TYPE_CHECKING:
    from newswire.bus import Bus
    from newswire.store.base import Store

log = logging.getLogger("newswire.hub")

PAGE = 500
DEFAULT_MAX_PENDING = 2000
DEFAULT_TAIL = 2000
HEARTBEAT_SECONDS = 15.0
WATCH_SECONDS = 0.01
"""How often the hub asks the store whether another process wrote to it (a few
microseconds each): what another process publishes reaches this one's streams, and a key
revoked there is refused here, within about this."""
ACCESS_CHECK_SECONDS = 1.0
"""How often the access generation is read even when the watch saw nothing."""
SHUTTING_DOWN = "the server is shutting down: reconnect to resume"
"""Why a live connection ends when the server stops (a WebSocket closes with 1001, or
with uvicorn's 1012 when uvicorn closes it first)."""
ACCESS_UNKNOWN = "this server cannot check access now (its database is out of reach)"
"""Why the streams of a process end while its reads of the access generation have failed,
or hung, for ``ACCESS_UNKNOWN_SECONDS``: a key revoked meanwhile could not be refused
here. A client connecting again reaches a process that can check it, or a 503 until this
one can; WebSocket close code 1013 (try again later)."""
ACCESS_UNKNOWN_SECONDS = 5.0
"""How long reads of the access generation may fail (each waits up to the database
pool's 3 s) or hang before the process stops trusting the keys it remembers: one read
that fails (a busy pool) ends nothing; two in a row, or one hung this long, do."""
ACCESS_CHANGED = "this key's products changed"
"""Why a stream ends when what its key gives changed (``Hub._check_keys``); WebSocket
close code 4409."""
_HEAD = msgspec.json.Encoder()


def _retrieved(task: asyncio.Future[None]) -> None:
    """Retrieve a finished task's exception, so that asyncio does not log it as lost."""
    if not task.cancelled():
        task.exception()


class Out:
    """One log entry as one audience receives it: the JSON envelope, encoded once."""

    __slots__ = ("_chunk", "_sse", "data", "kind", "product", "published", "seq")

    def __init__(self, seq: int, kind: str, data: bytes, product: str, published: float):
        self.seq, self.kind, self.data, self.product = seq, kind, data, product
        self.published = published
        self._sse: bytes | None = None
        self._chunk: bytes | None = None

    @property
    def sse(self) -> bytes:
        """The Server-Sent Events frame: ``id`` the sequence number, ``event`` the kind."""
        if self._sse is None:
            self._sse = b"id: %d\nevent: %s\ndata: %s\n\n" % (
                self.seq,
                self.kind.encode(),
                self.data,
            )
        return self._sse

    @property
    def chunk(self) -> bytes:
        """The SSE frame as one HTTP/1.1 chunk (``Transfer-Encoding: chunked``), for a
        listener that writes straight to its connection (``Listener.direct``)."""
        if self._chunk is None:
            sse = self.sse
            self._chunk = b"%x\r\n%s\r\n" % (len(sse), sse)
        return self._chunk


def envelope(change: Change, g: Grant, fmt: str, renderer: Renderer) -> bytes:
    """The JSON every channel but webhooks carries: what the entry is, and the item.

    JSON formats (ninjs) are embedded as JSON under ``item``; the others (NewsML-G2, NITF,
    text) as a string under ``content``.
    """
    head = {
        "sequence": change.seq,
        "kind": change.kind,
        "id": change.item.id,
        "version": change.item.version,
        "access": g.access,
        "embargoed": g.embargoed,
        "product": g.product,
        "format": fmt,
    }
    # The item's part is made once per version, format and access (``Renderer.embedded``)
    # and joined to each audience's small head.
    return b"%s,%s}" % (
        _HEAD.encode(head)[:-1],
        renderer.embedded(change.seq, change.item, fmt, g.access),
    )


class Page:
    """A round's entries for one audience, with their chunks joined once (``Out.chunk``
    of a page of several)."""

    __slots__ = ("_chunk", "outs")

    def __init__(self, outs: list[Out]):
        self.outs = outs
        self._chunk: bytes | None = None

    @property
    def chunk(self) -> bytes:
        if self._chunk is None:
            self._chunk = b"".join(out.chunk for out in self.outs)
        return self._chunk


AudienceKey: TypeAlias = tuple[tuple[bytes, ...], str]
"""An audience's products (each encoded) and format."""


class Audience:
    """Listeners who get the same bytes: the same products, the same format."""

    def __init__(self, products: list[Product], fmt: str):
        self.products = products
        self.fmt = fmt
        self.listeners: set[Listener] = set()

    @staticmethod
    def key_of(products: list[Product], fmt: str) -> AudienceKey:
        return (tuple(msgspec.json.encode(p) for p in products), fmt)

    def out(
        self, change: Change, previous: Previous, renderer: Renderer, published: float
    ) -> Out | None:
        g = grant_for(self.products, change, previous)
        if g is None:
            return None
        data = envelope(change, g, self.fmt, renderer)
        return Out(change.seq, change.kind, data, g.product, published)


class Closed(Exception):
    """A listener was closed by the server; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Listener:
    """One live connection's bounded queue of entries.

    The hot path of live delivery (every event × every connection passes here) is kept
    lean: the writer waits on a bare future (no task, no timer per wait: the hub wakes
    every listener for heartbeats), metric children are looked up once, and usage is
    counted per product on the listener and handed to the meter about once a second.
    """

    __slots__ = (
        "_latency",
        "_waiter",
        "after",
        "armed",
        "audience",
        "behind",
        "channel",
        "counts",
        "direct",
        "hub",
        "key_id",
        "max_pending",
        "queue",
        "reason",
        "replay_to",
        "subscriber",
    )

    def __init__(
        self,
        hub: Hub,
        audience: Audience,
        principal: Principal,
        channel: str,
        after: int,
        max_pending: int,
    ):
        self.hub, self.audience, self.channel = hub, audience, channel
        # Only what is needed later, not the principal: an idle connection stays small.
        self.key_id = principal.key.id
        self.subscriber = principal.subscriber.name if principal.subscriber else ""
        self.after = after
        """The last sequence number this listener has been given (its cursor)."""
        self.replay_to = hub.position
        self.max_pending = max_pending
        self.queue: list[Out] = []  # a list: an empty deque is 600 bytes more per connection
        self._waiter: asyncio.Future[None] | None = None
        self.reason: str | None = None
        self.behind = False
        """Closed for falling too far behind (the reason then says where to resume)."""
        self.counts: dict[str, int] = {}
        """Deliveries by product not yet handed to the meter."""
        self.direct: Callable[[bytes], bool] | None = None
        """Set by a stream whose connection the hub may write to itself: writes an event's
        ``Out.chunk`` and says True, or says False when the connection cannot take it now
        (then it is queued for the stream's writer, as always)."""
        self.armed: Callable[[bytes], bool] | None = None
        """``direct`` while the hub may use it: the writer is parked with nothing queued
        and the listener is open (one attribute for the hub's loop to look at)."""
        self._latency = hub.metrics.latency.labels(channel)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def push_page(self, page: list[Out], frames: Out | Page) -> None:
        """Give this listener a round's entries of its audience, in order; ``frames`` is
        their chunks joined once for the whole audience. (The hub's round does the direct
        write of this inline, ``Hub._fan_out``, and calls this for the others.)"""
        if self.reason is not None:
            return
        # Straight to the connection while the writer is parked with nothing queued: no
        # task wake-up, no ASGI message, one system call for the whole round; the CPU of
        # a live delivery drops by a fifth (docs/benchmarks.md). A busy writer or a full
        # socket buffer means the queue, where the writer sends what has gathered at once.
        armed = self.armed
        if armed is not None and page[0].seq > self.after and armed(frames.chunk):
            self.sent(page)
            return
        self.enqueue(page)

    def enqueue(self, page: list[Out]) -> None:
        """Queue a round's entries for the stream's writer, and wake it."""
        if self.reason is not None:
            return
        self.armed = None  # the writer sends what is queued first
        queue = self.queue
        for out in page:
            if len(queue) >= self.max_pending:
                self.behind = True
                self.close(f"more than {self.max_pending} events were waiting for this connection")
                return
            queue.append(out)
        waiter = self._waiter  # _wake, inlined: this runs once per round per connection
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def beat(self) -> None:
        """Wake the writer with nothing to send: it writes a heartbeat."""
        self._wake()

    def close(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
            self.armed = None
            self.queue.clear()
            self._wake()

    async def replay(self) -> AsyncIterator[list[Out]]:
        """Pages of what this listener missed, from its cursor up to its registration."""
        cursor = self.after
        while cursor < self.replay_to and self.reason is None:
            outs, cursor = await run_in_threadpool(
                self.hub.backlog, self.audience, cursor, self.replay_to
            )
            if outs:
                yield outs

    async def take(self) -> list[Out]:
        """What is queued, waiting until something is or a heartbeat is due ([] then);
        ``Closed`` once the server has closed it."""
        if not self.queue and self.reason is None:
            self._waiter = asyncio.get_running_loop().create_future()
            self.armed = self.direct
            try:
                await self._waiter
            finally:
                self._waiter = None
                self.armed = None
        if self.reason is not None:
            reason = self.reason
            if self.behind:
                # Said only now, not when it fell behind: the write in progress then has
                # finished since, so the cursor is the last event the connection carried.
                reason += f": reconnect with Last-Event-ID (or ?after=) {self.after} to resume"
            raise Closed(reason)
        queue, after = self.queue, self.after
        if len(queue) == 1:
            out = queue[0]
            queue.clear()
            return [out] if out.seq > after else []
        outs = [o for o in queue if o.seq > after]
        queue.clear()
        return outs

    def sent(self, outs: list[Out]) -> None:
        """Account for ``outs`` having been written to the connection."""
        if not outs:
            return
        self.after = outs[-1].seq
        counts = self.counts
        now = 0.0
        for out in outs:
            if out.published:
                now = now or time.time()
                self._latency.observe(max(0.0, now - out.published))
            counts[out.product] = counts.get(out.product, 0) + 1

    def settle(self) -> None:
        """Hand the counted deliveries to the meter and the metrics."""
        if not self.counts:
            return
        counts, self.counts = self.counts, {}
        total = 0
        for product, n in counts.items():
            self.hub.meter.add(self.subscriber, self.channel, product, n)
            total += n
        self.hub.metrics.deliveries.labels(self.channel).inc(total)


class Hub:
    def __init__(
        self,
        store: Store,
        bus: Bus,
        renderer: Renderer,
        *,
        metrics: Metrics,
        meter: Meter,
        poll: float = 0.5,
        max_pending: int = DEFAULT_MAX_PENDING,
        watch_every: float = WATCH_SECONDS,
        heartbeat: float = HEARTBEAT_SECONDS,
        tail_size: int = DEFAULT_TAIL,
    ):
        self.heartbeat = heartbeat
        self.store, self.bus, self.renderer = store, bus, renderer
        self.metrics, self.meter = metrics, meter
        self.poll, self.max_pending, self.watch_every = poll, max_pending, watch_every
        self.position = store.last_seq()
        self.tail_size = tail_size
        self.ahead = self.position
        """The last sequence number this process knows to be stored (its own publishes
        are known before the hub has read them: a reader of this process sees them)."""
        self.tail = Tail(self.position)
        """The last ``tail_size`` log entries, for the pull feed (``newswire.delivery.tail``)."""
        self._advanced: asyncio.Future[None] | None = None
        self.audiences: dict[AudienceKey, Audience] = {}
        self.previous = previous_from(store)
        self.published: dict[int, float] = {}
        """seq -> time.time() its publish was acknowledged (this process's publishes and
        lifts); an entry stored by another process is timed from the log's ``stored_at``."""
        self._kick = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self.on_changes: list[Callable[[list[Change]], None]] = []
        """Called (in the event loop) with each batch of new log entries."""
        self.access_generation = store.coordination.generation()
        self.on_access: list[Callable[[int], object]] = []
        """Called (in the event loop) with the store's access generation when it moves."""
        self.on_confirm: list[Callable[[int], object]] = []
        """Called (in the event loop) with the access generation each time it is read."""
        self.on_unknown: list[Callable[[], object]] = []
        """Called (in the event loop) when reads of the access generation have failed for
        ``ACCESS_UNKNOWN_SECONDS`` (``on_confirm`` again once one succeeds)."""
        self.access_unknown = False
        """Whether this process cannot check access now (``ACCESS_UNKNOWN``)."""
        self._reading = False  # a read of the access generation is under way
        # The reads of the access generation on a thread of their own: a thread pool full
        # of slow requests must not make a healthy database look out of reach.
        self._access_reader = ThreadPoolExecutor(1, thread_name_prefix="newswire-access")

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        jobs = (self._follow_store, self._follow_bus, self._lift_embargoes, self._watch_store)
        for job in (*jobs, self._heartbeats):
            task = asyncio.create_task(job(), name=f"hub.{job.__name__}")
            if job == self._watch_store:
                task.add_done_callback(self._watch_ended)
            self._tasks.append(task)

    def _watch_ended(self, task: asyncio.Task[None]) -> None:
        """The store's watch ended: at a stop, as it should; otherwise access can no longer
        be checked, so nothing remembered is trusted from now on (fail closed)."""
        if self._closing or task.cancelled():
            return
        log.error("watching the store ended (%s): access cannot be checked", task.exception())
        self._access_lost()

    def begin_stop(self) -> None:
        """The server has begun to shut down: waits end now (a long poll answers with what
        it has) and every live connection is closed with a reason, while the server still
        writes to its connections. (uvicorn waits ``timeout_graceful_shutdown`` seconds
        for open requests, cancels what is left, and only then runs the application's
        shutdown, ``stop``: streams and long polls, which never end by themselves, were
        all cut then, the long polls with a 500.) Once: ``Protocol.shutdown`` calls it
        for each connection."""
        if self._closing:
            return
        self._closing = True
        self._wake_waiters()
        for listener in self.listeners():
            listener.close(SHUTTING_DOWN)

    async def stop(self) -> None:
        self.begin_stop()  # what comes after it is closed as it comes (``listen``)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self._access_reader.shutdown(wait=False)

    @property
    def closing(self) -> bool:
        """``stop`` has begun: waits end (``wait_beyond`` returns at once)."""
        return self._closing

    def kick(self, seq: int | None = None) -> None:
        """Something was stored (in this process): read the log now."""
        if seq is not None:
            self.ahead = max(self.ahead, seq)
            self.published[seq] = time.time()
            if len(self.published) > 10_000:
                for old in sorted(self.published)[:5_000]:
                    del self.published[old]
        self._kick.set()

    # --- listeners -------------------------------------------------------------------------

    def listen(self, principal: Principal, fmt: str, after: int, channel: str) -> Listener:
        """Register a listener (its queue gets every entry after ``hub.position``)."""
        key = Audience.key_of(principal.products, fmt)
        audience = self.audiences.get(key)
        if audience is None:
            audience = self.audiences[key] = Audience(list(principal.products), fmt)
        listener = Listener(self, audience, principal, channel, after, self.max_pending)
        if self._closing:  # a request that began as the server stopped: it ends at once
            listener.close(SHUTTING_DOWN)
        audience.listeners.add(listener)
        self.metrics.streams.labels(channel).inc()
        return listener

    def leave(self, listener: Listener) -> None:
        listener.settle()
        audience = listener.audience
        if listener in audience.listeners:
            audience.listeners.discard(listener)
            self.metrics.streams.labels(listener.channel).dec()
        if not audience.listeners:
            self.audiences.pop(Audience.key_of(audience.products, audience.fmt), None)

    def settle(self) -> None:
        """Hand every listener's counted deliveries to the meter and metrics (now, rather
        than at the next round), for a usage report or a scrape."""
        self._settle(self.listeners())

    def _settle(self, listeners: list[Listener]) -> None:
        """``Listener.settle`` for many at once: their counts summed first, then one
        ``Meter.add`` per subscriber, channel and product and one counter increment per
        channel (not one each per connection: 5,000 of them took 8% of a core)."""
        totals: dict[tuple[str, str, str], int] = {}
        for listener in listeners:
            counts = listener.counts
            if not counts:
                continue
            listener.counts = {}
            subscriber, channel = listener.subscriber, listener.channel
            for product, n in counts.items():
                key = (subscriber, channel, product)
                totals[key] = totals.get(key, 0) + n
        by_channel: dict[str, int] = {}
        for (subscriber, channel, product), n in totals.items():
            self.meter.add(subscriber, channel, product, n)
            by_channel[channel] = by_channel.get(channel, 0) + n
        for channel, n in by_channel.items():
            self.metrics.deliveries.labels(channel).inc(n)

    def listeners(self) -> list[Listener]:
        return [x for a in tuple(self.audiences.values()) for x in tuple(a.listeners)]

    def streams_of(self, *, key_id: str | None = None, subscriber: str | None = None) -> list[Listener]:
        """The open streams of a key or of a subscriber."""
        return [
            x
            for x in self.listeners()
            if (key_id is not None and x.key_id == key_id)
            or (subscriber is not None and x.subscriber == subscriber)
        ]

    def close_streams(self, streams: list[Listener], reason: str) -> int:
        """Close ``streams`` for ``reason``; how many ended for it.

        An admin action takes the streams it ends (``streams_of``) before it writes to the
        store, and passes them with those open after: the hub's own reading of the access
        generation may close them for the same reason in between (PostgreSQL tells it at
        once), and they are still the streams the action ended. One that ended otherwise
        (its client went away) is not counted."""
        closed = 0
        for listener in dict.fromkeys(streams):
            listener.close(reason)  # keeps the first reason of one already closed
            closed += listener.reason == reason
        return closed

    def backlog(self, audience: Audience, after: int, upto: int) -> tuple[list[Out], int]:
        """One page of ``audience``'s entries in (after, upto]; and the cursor reached.
        Runs in a worker thread."""
        changes = self.store.changes(after, PAGE)
        outs: list[Out] = []
        cursor = after
        for change in changes:
            if change.seq > upto:
                return outs, upto
            out = audience.out(change, self.previous, self.renderer, 0.0)
            if out is not None:
                outs.append(out)
            cursor = change.seq
        return outs, (cursor if changes else upto)

    async def wait_beyond(self, seq: int, timeout: float) -> bool:
        """Wait until the log goes past ``seq`` (True) or ``timeout`` passes or the access
        generation moves (a key revoked, a subscriber suspended: False, so that a long poll
        stops waiting and its key is judged again).

        Every waiter awaits one future that the next round resolves (no task, no lock
        per waiter: thousands of long polls wake at once for the price of one)."""
        deadline = asyncio.get_running_loop().time() + timeout
        generation = self.access_generation
        while self.position <= seq and not self._closing and self.access_generation == generation:
            if self._advanced is None or self._advanced.done():
                self._advanced = asyncio.get_running_loop().create_future()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(deadline):
                    await asyncio.shield(self._advanced)
            if asyncio.get_running_loop().time() >= deadline:
                break
        return self.position > seq

    def _wake_waiters(self) -> None:
        advanced, self._advanced = self._advanced, None
        if advanced is not None and not advanced.done():
            advanced.set_result(None)

    # --- the readers -----------------------------------------------------------------------

    async def _follow_bus(self) -> None:
        """Events from the bus (other processes' publishes) wake the store reader. A bus
        that cannot be followed is logged once (why: NATS out of reach, a stream that does
        not take the subject), not at every try, and once when it can be followed again."""
        failing = False
        while not self._closing:
            try:
                async with self.bus.subscribe(after=self.position) as events:
                    if failing:
                        log.warning("the bus can be followed again")
                        failing = False
                    async for event in events:
                        # This process's own publishes come back on the bus: their
                        # kick came first (``kick``), and the round it starts reads
                        # every entry up to it (the log is numbered in commit order).
                        if event.seq > self.ahead and event.seq > self.position:
                            self._kick.set()
                return
            except asyncio.CancelledError:
                raise
            except NewswireError as exc:  # overflow or a bus outage: the store poll carries on
                if not failing and not isinstance(exc, Overflow):
                    log.warning("cannot follow the bus (the store is read alone): %s", exc)
                    failing = True
                await asyncio.sleep(self.poll)

    async def _load_tail(self) -> None:
        """Fill the tail with the last entries before the hub's position (once, on start:
        the pollers' cursors are there)."""
        position = self.position
        floor = max(0, position - self.tail_size)
        changes = await run_in_threadpool(self.store.changes, floor, self.tail_size)
        self.tail = Tail(floor, [c for c in changes if c.seq <= position], position)

    async def _follow_store(self) -> None:
        try:
            await self._load_tail()
        except Exception:  # the feed reads the store meanwhile
            log.exception("reading the log's tail failed")
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), self.poll)
            self._kick.clear()
            try:
                await self._catch_up()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep serving; the next round retries from the same position
                log.exception("reading the event log failed")
                await asyncio.sleep(self.poll)

    async def _catch_up(self) -> None:
        while True:
            audiences = list(self.audiences.values())
            changes, outs = await run_in_threadpool(self._prepare, self.position, audiences)
            if not changes:
                return
            # The publish→deliver latency is observed by every process that delivers: an
            # entry this process stored is timed from its acknowledgement, one stored by
            # another process (node, worker, ``newswire ingest``) from when the log says it
            # was stored, which is kept to the second.
            acked = self.published
            published = {c.seq: acked.pop(c.seq, 0.0) or c.stored_at.timestamp() for c in changes}
            # Audience by audience, each listener gets the whole round at once: under load
            # a round holds several entries, and they go out in one write.
            for audience in tuple(self.audiences.values()):
                mine = outs.get(audience)
                if mine is None:  # an audience that appeared meanwhile
                    mine = {}
                    for change in changes:
                        out = audience.out(change, self.previous, self.renderer, 0.0)
                        if out is not None:
                            mine[change.seq] = out
                if not mine:
                    continue
                page = list(mine.values())  # in sequence order
                for out in page:
                    out.published = out.published or published[out.seq]
                self._fan_out(audience, page)
            self.tail = self.tail.extended(changes, self.tail_size)
            self.position = changes[-1].seq
            for callback in self.on_changes:
                callback(changes)
            self._wake_waiters()
            if len(changes) < PAGE:
                return

    @staticmethod
    def _fan_out(audience: Audience, page: list[Out]) -> None:
        """Hand a round's page to every listener of the audience.

        The hot path of live delivery: once per connection per round, so the direct write
        (``Listener.armed``) and its accounting are inlined here, and what is the same for
        every connection (the chunk, the products counted, the latency observed) is done
        once per round; a listener that cannot be written to now takes the page on its
        queue (``Listener.push_page``)."""
        frames = page[0] if len(page) == 1 else Page(page)
        chunk = frames.chunk
        first, last = page[0].seq, page[-1].seq
        products = [out.product for out in page]
        written: dict[LatencyHistogram.Child, int] = {}
        for listener in tuple(audience.listeners):
            write = listener.armed
            if write is not None and first > listener.after and write(chunk):
                listener.after = last
                counts = listener.counts
                for product in products:
                    counts[product] = counts.get(product, 0) + 1
                latency = listener._latency
                written[latency] = written.get(latency, 0) + 1
            else:
                listener.push_page(page, frames)
        if written:  # observed as the round ends: when the last connection had it
            now = time.time()
            for out in page:
                if out.published:
                    value = max(0.0, now - out.published)
                    for latency, n in written.items():
                        latency.observe(value, n)

    def _prepare(
        self, after: int, audiences: list[Audience]
    ) -> tuple[list[Change], dict[Audience, dict[int, Out]]]:
        """Read a page of the log and build each audience's bytes (in a worker thread)."""
        changes = self.store.changes(after, PAGE)
        outs: dict[Audience, dict[int, Out]] = {}
        for audience in audiences:
            mine: dict[int, Out] = {}
            for change in changes:
                out = audience.out(change, self.previous, self.renderer, 0.0)
                if out is not None:
                    mine[change.seq] = out
            outs[audience] = mine
        return changes, outs

    async def _lift_embargoes(self) -> None:
        """Log the lift of each embargo as it ends (within a poll interval of its time)."""
        while not self._closing:
            try:
                due: datetime | None = await run_in_threadpool(self.store.next_embargo)
                now = utcnow()
                if due is not None and due <= now:
                    lifted = await run_in_threadpool(self.store.lift_due, now)
                    if lifted:
                        for change in lifted:
                            self.published[change.seq] = time.time()
                        self._kick.set()
                    continue
                wait = self.poll if due is None else (due - now).total_seconds()
                await asyncio.sleep(min(max(wait, 0.01), self.poll))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("lifting embargoes failed")
                await asyncio.sleep(self.poll)

    async def _heartbeats(self) -> None:
        """Wake every listener each ``heartbeat`` seconds: a quiet one writes a heartbeat."""
        while not self._closing:
            await asyncio.sleep(self.heartbeat)
            for listener in self.listeners():
                if not listener.queue:
                    listener.beat()

    async def _watch_store(self) -> None:
        """Ask the store every ``watch_every`` seconds whether anything was committed, by
        any process (``Store.watch``: no table is read). When log entries were, read the
        log now; when access may have changed, look at the access generation: when it
        moved (a key revoked, a subscriber suspended, a product changed), tell
        ``on_access`` (caches of keys drop what they hold) and check every open stream's
        key. (A PostgreSQL watch tells the two apart, so a steady flow of items costs no
        reading of the generation; SQLite's cannot, and says both.) The generation is also
        read once a second whatever the watch says, and logged-in sessions' streams are
        checked then (a session also ends with time)."""
        watch = await run_in_threadpool(self.store.watch)
        loop = asyncio.get_running_loop()
        checked = loop.time()
        # The check runs beside the watch (a read that hangs on a lost network delays
        # neither the log nor the judgement that access cannot be checked), one at a time.
        check: asyncio.Future[None] | None = None
        began = 0.0
        failing_since: float | None = None  # when the first of the failed reads began
        try:
            while not self._closing:
                await asyncio.sleep(self.watch_every)
                changed = watch.changed()
                if LOG in changed:
                    self._kick.set()
                now = loop.time()
                if check is not None and check.done():
                    try:
                        check.result()
                        failing_since = None
                        self._access_known()
                    except Exception:
                        log.exception("checking keys failed")
                        failing_since = began if failing_since is None else failing_since
                    check = None
                # Only the read itself is timed: checking thousands of streams' keys after
                # it, however long, is no sign of a database out of reach.
                stuck = (began if self._reading else None) if check is not None else failing_since
                if stuck is not None and now - stuck > ACCESS_UNKNOWN_SECONDS:
                    self._access_lost()
                if check is not None:
                    continue
                # While access is unknown, a read each round: the streams a client opens
                # again as the database comes back are not ended for want of one.
                waiting = now - checked < ACCESS_CHECK_SECONDS and not self.access_unknown
                if ACCESS not in changed and waiting:
                    continue
                sessions_too = now - checked >= ACCESS_CHECK_SECONDS
                if sessions_too:
                    checked = now
                began = now
                check = asyncio.ensure_future(self._check_access(sessions_too))
        finally:
            if check is not None:
                check.cancel()
                check.add_done_callback(_retrieved)  # one failing as the hub stops: said by no one
            watch.close()

    def _access_lost(self) -> None:
        """Reads of the access generation have failed or hung too long: stop trusting the
        keys remembered (``on_unknown``) and end every stream, those opened since the last
        time too (said once an outage)."""
        if not self.access_unknown:
            self.access_unknown = True
            for callback in self.on_unknown:
                callback()
            log.warning("%s: streams are ended until it can", ACCESS_UNKNOWN)
        for listener in self.listeners():
            listener.close(ACCESS_UNKNOWN)

    def _access_known(self) -> None:
        if self.access_unknown:
            self.access_unknown = False
            log.warning("access can be checked again: streams are taken again")

    async def _check_access(self, sessions_too: bool) -> None:
        self._reading = True
        try:
            loop = asyncio.get_running_loop()
            generation = await loop.run_in_executor(
                self._access_reader, self.store.coordination.generation
            )
        finally:
            self._reading = False
        moved = generation != self.access_generation
        if moved:
            self.access_generation = generation
            for callback in self.on_access:
                callback(generation)
            self._wake_waiters()  # long polls of keys that may have lost their access
        for confirm in self.on_confirm:
            confirm(generation)
        if not moved and not sessions_too:
            return
        # Not on every change the watch sees (20 a second under a steady flow of items):
        # every stream's counts handed to the meter that often cost a tenth of a core.
        listeners = self.listeners()
        if sessions_too:
            self._settle(listeners)
        if not moved:
            listeners = [x for x in listeners if x.key_id.startswith("session:")]
        if not listeners:
            return
        reasons = await run_in_threadpool(self._check_keys, listeners)
        for listener, reason in reasons.items():
            listener.close(reason)

    def _check_keys(self, listeners: list[Listener]) -> dict[Listener, str]:
        """The listeners whose streams must close, and why: their key no longer works, or
        it gives other products than when the stream began (the subscriber's products
        changed, or one of their definitions). A stream's audience is fixed when it
        begins: it ends (``ACCESS_CHANGED``), and the client connecting again from its
        cursor gets what the key gives now, as a pull feed's next request does. In a
        worker thread."""
        given: dict[str, tuple[bytes, ...] | str] = {}  # key id -> its products now, or why none
        began: dict[int, tuple[bytes, ...]] = {}  # an audience's products, encoded once
        out: dict[Listener, str] = {}
        for listener in listeners:
            now = given.get(listener.key_id)
            if now is None:
                access = access_of(self.store, listener.key_id, listener.subscriber)
                now = given[listener.key_id] = (
                    access if isinstance(access, str) else Audience.key_of(access.products, "")[0]
                )
            audience = listener.audience
            if (then := began.get(id(audience))) is None:
                then = began[id(audience)] = Audience.key_of(audience.products, "")[0]
            if isinstance(now, str):
                out[listener] = now
            elif now != then:
                out[listener] = (
                    f"{ACCESS_CHANGED}: connect again from cursor {listener.after}"
                    " to get what they give now"
                )
        return out

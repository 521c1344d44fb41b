"""Long polls of the pull feed, parked until the log moves and answered from one place.

A long poll (``GET /v1/feed?after=C&wait=S``) that finds nothing new waits for the next
entry. Woken one by one, thousands of them each went back through the whole answer (the
page looked up, headers built and encoded, uvicorn's ``send`` validating them): an answer
cost the server seven times an SSE delivery of the same entry (docs/benchmarks.md).

Here the waiters of one page (the same ``PageKey``: entitlement set, cursor, limit,
format, notes) park in one group. When the hub's position moves past the group's cursor,
one task (``Waiters._run``) builds the group's page once (``FeedPages.page``), encodes its
header block once, and — as the hub does for SSE streams (``Listener.direct``) — writes
each waiter's whole HTTP response straight to its connection and completes uvicorn's
response cycle as its ``send`` would have; the waiters' tasks then only return
(``Answered``). Usage is metered once per group and subscriber, not once per waiter. A
round that brings nothing for the group moves its cursor on and keeps it parked, without
waking anyone.

Only where that is known to be safe (``response_cycle``: uvicorn's httptools cycle, no
response begun, no access line of uvicorn's to write; checked again at the write: the
client still there, its socket buffer not full). A waiter that cannot be written to then
gets the page and answers through the ASGI path, as every long poll elsewhere does.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.types import Send

from newswire import logs

if TYPE_CHECKING:
    from newswire.delivery.feed import FeedPages, Page, PageKey, Request

log = logging.getLogger("newswire.feed")

_CYCLE = ("uvicorn.protocols.http.httptools_impl", "RequestResponseCycle")
"""The response cycle whose state this module knows (uvicorn's h11 cycle keeps a state
machine of its own: writing past it would desynchronise the connection)."""
_OK = b"HTTP/1.1 200 OK\r\n"
_NAME = re.compile(rb"[!#$%&'*+\-.^_`|~0-9a-z]+").fullmatch
_VALUE = re.compile(rb"[^\x00-\x08\x0a-\x1f\x7f]*").fullmatch
_JOIN = 16 * 1024
"""A body up to this size goes out in one write with its head (one copy, one system call)."""


EXPIRED = -1
"""A waiter's outcome when its deadline passed (a cursor is never negative)."""
ACCESS = -2
"""A waiter's outcome when access changed while it waited (a key revoked, a subscriber
suspended, a product changed, on any process): its request is judged again, as a new one
would be (``newswire.api.feed.answer``): refused (401, 403) if its key no longer works,
else answered with what it has, nothing new. Never an entry for a key that lost it."""


class Answered(Exception):
    """The request's whole response has been written by the waiters' round: nothing is
    left to send (the fast path returns)."""


def response_cycle(send: Send) -> Any | None:
    """uvicorn's httptools response cycle behind ``send`` when the waiters' round may
    answer on it, else None (another server, uvicorn's h11 cycle, a wrapped ``send``, a
    response begun, uvicorn's own access lines written: its ``send`` writes them). Wrappers
    that only look at the response's start (``newswire.logs``: the access line, the
    request's count) are looked through: the round writes the request id itself, and
    the feed tells them the status (``logs.answered_with``)."""
    while hasattr(send, "__wrapped__"):
        send = send.__wrapped__
    cycle: Any = getattr(send, "__self__", None)
    kind = type(cycle)
    if (kind.__module__, kind.__name__) != _CYCLE:
        return None
    # uvicorn's internals, looked at rather than relied on: anything may be missing.
    try:
        ready = (
            cycle.response_started is False
            and cycle.response_complete is False
            and cycle.disconnected is False
            and not (cycle.access_log and cycle.access_logger.isEnabledFor(logging.INFO))
            and cycle.chunked_encoding is None
            and hasattr(cycle.flow, "write_paused")
            and callable(cycle.on_response)
            and hasattr(cycle.message_event, "set")
            and isinstance(cycle.keep_alive, bool)
            and isinstance(cycle.default_headers, list)
            and hasattr(cycle.transport, "is_closing")
        )
    except AttributeError:
        return None
    return cycle if ready else None


class Waiter:
    """One parked long poll: its connection's cycle and what of its response is its own."""

    __slots__ = ("cycle", "defaults", "future", "group", "rid", "subscriber")

    def __init__(
        self, group: Group, cycle: Any, defaults: bytes, rid: bytes, subscriber: str | None
    ):
        self.group = group
        """The group it is parked in (the round moves it on when nothing came for it)."""
        self.cycle, self.defaults, self.rid, self.subscriber = cycle, defaults, rid, subscriber
        self.future: asyncio.Future[Page | int | None] = asyncio.get_running_loop().create_future()
        """Set by the round: None (answered), a page (answer it yourself), or the cursor to
        go on from (look again); by the waiter's timer: ``EXPIRED``."""

    def release(self, outcome: Page | int | None) -> None:
        if not self.future.done():
            self.future.set_result(outcome)

    def write(self, block: bytes, tail: bytes, close_tail: bytes, body: bytes) -> bool:
        """Write the whole response, as two ``send`` calls would; False when the connection
        cannot take it now (nothing written then). ``block``: the page's headers; ``tail``
        (``close_tail``: for a connection not kept alive) the content's, through the blank
        line (``_encode``). ``finish`` must follow, before the loop runs anything else."""
        cycle = self.cycle
        transport = cycle.transport
        if (
            cycle.disconnected
            or cycle.response_started
            or cycle.flow.write_paused
            or transport.is_closing()
        ):
            return False
        # In the order uvicorn's ``send`` writes them: its defaults, then the message's
        # (``raw.send_response``: the page's, the request id, the content's).
        end = tail if cycle.keep_alive else close_tail
        if len(body) <= _JOIN:
            transport.write(b"".join((_OK, self.defaults, block, self.rid, end, body)))
        else:
            transport.write(b"".join((_OK, self.defaults, block, self.rid, end)))
            transport.write(body)
        cycle.response_started = True
        cycle.waiting_for_100_continue = False
        cycle.chunked_encoding = False
        cycle.expected_content_length = 0
        cycle.response_complete = True
        return True

    def finish(self) -> None:
        """Complete the cycle of a written response as uvicorn's ``send`` does (the next
        request on the connection may begin), and let the waiter's task end."""
        cycle = self.cycle
        cycle.message_event.set()
        if not cycle.keep_alive:
            cycle.transport.close()
        cycle.on_response()
        self.release(None)


class Group:
    """The waiters of one page."""

    __slots__ = ("headers", "key", "request", "waiters")

    def __init__(
        self, key: PageKey, request: Request, headers: Callable[[Page], list[tuple[bytes, bytes]]]
    ):
        self.key, self.request, self.headers = key, request, headers
        self.waiters: dict[Waiter, None] = {}  # insertion-ordered, O(1) removal

    @property
    def cursor(self) -> int:
        return self.request.after


class Waiters:
    """The parked long polls of one process (``FeedPages.waiters``)."""

    def __init__(self, feed: FeedPages):
        self.feed, self.hub = feed, feed.hub
        self.groups: dict[PageKey, Group] = {}
        self.answered = 0
        """Long polls answered by the round (the direct path), for tests and benches."""
        self._driver: asyncio.Task[None] | None = None
        self._defaults: tuple[object, bytes] = ((), b"")
        self.hub.on_access.append(self.access_moved)

    def access_moved(self, generation: int) -> None:
        """The hub saw the access generation move: every parked long poll ends (``ACCESS``),
        whoever it belongs to (which keys changed is not said), and its request judges its
        key again."""
        for group in tuple(self.groups.values()):
            self._release(group, ACCESS)

    async def park(
        self,
        request: Request,
        cycle: Any,
        subscriber: str | None,
        headers: Callable[[Page], list[tuple[bytes, bytes]]],
        deadline: float,
    ) -> Page | int:
        """Wait, parked with the waiters of ``request``'s page, until the log moves past
        its cursor or the loop's clock reaches ``deadline``. Raises ``Answered`` when the
        round wrote the response; else returns the page to answer with (the connection
        could not be written to), or the cursor to look again from (the deadline passed,
        the server is closing, or the round could not build the page). ``headers(page)``:
        the page's headers, as ``send_response`` takes them (the same for the group)."""
        hub = self.hub
        if hub.position > request.after or hub.closing:
            return request.after  # moved already: look again now
        key = request.key()
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(key, request, headers)
        rid = logs.REQUEST_ID.get()
        waiter = Waiter(
            group,
            cycle,
            self._encoded_defaults(cycle.default_headers),
            b"" if rid is None else b"x-request-id: %s\r\n" % rid.encode("ascii"),
            subscriber,
        )
        group.waiters[waiter] = None
        loop = asyncio.get_running_loop()
        if self._driver is None:
            self._driver = loop.create_task(self._run(), name="feed.waiters")
        # A bare timer rather than ``asyncio.timeout``: no cancellation to undo when the
        # round answers first (the common case), and half the cost to set up and clear.
        timer = loop.call_at(deadline, waiter.release, EXPIRED)
        try:
            outcome = await waiter.future
        except BaseException:  # cancelled: the server is going
            self._forget(waiter)
            raise
        finally:
            timer.cancel()
        if outcome is None:
            raise Answered
        if outcome == EXPIRED:
            self._forget(waiter)
            return waiter.group.cursor
        if outcome == ACCESS:
            self._forget(waiter)
        return outcome

    def _forget(self, waiter: Waiter) -> None:
        """Take a waiter that stopped waiting out of its group."""
        group = waiter.group
        group.waiters.pop(waiter, None)
        if not group.waiters and self.groups.get(group.key) is group:
            del self.groups[group.key]

    def _encoded_defaults(self, defaults: list[tuple[bytes, bytes]]) -> bytes:
        """uvicorn's default headers (``date``, ``server``) as its ``send`` writes them;
        requests of the same second share the list, and so its encoding."""
        seen, encoded = self._defaults
        if seen is not defaults:
            encoded = b"".join(b"%s: %s\r\n" % (name.lower(), value) for name, value in defaults)
            self._defaults = (defaults, encoded)
        return encoded

    # --- the round ------------------------------------------------------------------------

    async def _run(self) -> None:
        """While waiters are parked: each time the hub's position moves, answer every group
        it moved past."""
        hub = self.hub
        try:
            while self.groups:
                if hub.closing:
                    for group in tuple(self.groups.values()):
                        self._release(group, group.cursor)
                    return
                position = hub.position
                due = [g for g in self.groups.values() if g.cursor < position]
                if not due:
                    await hub.wait_beyond(position, 1.0)
                    continue
                for group in due:
                    del self.groups[group.key]
                done = await asyncio.gather(*(self._answer(g) for g in due), return_exceptions=True)
                for group, result in zip(due, done, strict=True):
                    if isinstance(result, Exception):  # the round goes on for the others
                        log.error("answering waiting long polls failed", exc_info=result)
                        self._release(group, group.cursor)
        finally:
            self._driver = None

    def _release(self, group: Group, outcome: Page | int) -> None:
        self.groups.pop(group.key, None)
        for waiter in group.waiters:
            waiter.release(outcome)

    async def _answer(self, group: Group) -> None:
        """Build the group's page; write it to each waiter, or park them further on."""
        from newswire.delivery.feed import NotModified  # which imports this module

        feed = self.feed
        generation = self.hub.access_generation
        try:
            page = feed.kept(group.key)
            if page is None:
                built = await feed.page(group.request)
                if isinstance(built, NotModified):  # no ETag asked: never
                    raise TypeError("a page without an If-None-Match came back as an ETag")
                page = built
        except Exception:  # each waiter looks again itself, and meets the error there
            log.exception("building a page for waiting long polls failed")
            self._release(group, group.cursor)
            return
        if self.hub.access_generation != generation:  # changed while the page was made
            self._release(group, ACCESS)
            return
        waiters = [w for w in group.waiters if not w.future.done()]
        if not page.entries:
            self._park_again(group, waiters, page)
            return
        encoded = _encode(group.headers(page), page)
        if encoded is None:  # a header uvicorn would refuse: its path says so
            for waiter in waiters:
                waiter.release(page)
            return
        block, tail, close_tail = encoded
        body = page.body
        by_subscriber: dict[str, int] = {}
        written: list[Waiter] = []
        # Every answer written first, the cycles completed after (uvicorn's bookkeeping
        # and the tasks' wake-ups): the last connection has its answer sooner. Nothing
        # else runs in between (no await), so no cycle is seen half done.
        for waiter in waiters:
            try:
                went = waiter.write(block, tail, close_tail, body)
            except Exception:  # the cycle says whether the response went
                log.exception("writing a long poll's answer failed")
                went = waiter.cycle.response_started
            if went:
                written.append(waiter)
                if (name := waiter.subscriber) is not None:
                    by_subscriber[name] = by_subscriber.get(name, 0) + 1
            else:
                waiter.release(page)  # answered through the ASGI path, and metered there
        for waiter in written:
            try:
                waiter.finish()
            except Exception:  # uvicorn's part: its connection ends; the task must too
                log.exception("completing a long poll's answer failed")
                waiter.cycle.transport.close()
                waiter.release(None)
        answered = len(written)
        self.answered += answered
        if answered:
            meter = self.hub.meter
            for name, n in by_subscriber.items():
                for product, count in page.counts:
                    meter.add(name, "feed", product, count * n)
            if by_subscriber:
                self.hub.metrics.feed_deliveries.inc(page.entries * sum(by_subscriber.values()))

    def _park_again(self, group: Group, waiters: list[Waiter], page: Page) -> None:
        """Nothing new for this group: on from the page's ``next``, still parked (a wait
        begins again for each, as ``newswire_feed_waits`` counts)."""
        cursor = page.next
        if cursor <= group.cursor:  # no progress: let each look again on its own
            for waiter in waiters:
                waiter.release(group.cursor)
            return
        request = group.request._replace(after=cursor)
        key = request.key()
        target = self.groups.get(key)
        if target is None:
            target = self.groups[key] = Group(key, request, group.headers)
        for waiter in waiters:
            waiter.group = target
            target.waiters[waiter] = None
        self.hub.metrics.feed_waits.inc(len(waiters))


@functools.cache
def content_type(media_type: str) -> bytes:
    """A ``Content-Type`` header's value for ``media_type``, as every fast path sends it
    (``raw.send_response`` too): text types say their charset, as Starlette's do."""
    if media_type.startswith("text/") and "charset=" not in media_type:
        media_type += "; charset=utf-8"
    return media_type.encode("latin-1")


def header_allowed(name: bytes, value: bytes) -> bool:
    """Whether uvicorn's ``send`` would accept this header (what is written to a
    connection directly must be what it would have written)."""
    return _NAME(name) is not None and _VALUE(value) is not None


def _encode(own: list[tuple[bytes, bytes]], page: Page) -> tuple[bytes, bytes, bytes] | None:
    """A page's response headers as ``raw.send_response`` hands them to uvicorn's ``send``
    and as it writes them: the page's own; then (after the request id) the content's
    through the blank line, and the same with ``connection: close``. None if uvicorn
    would refuse one of them."""
    content = [
        (b"content-type", content_type(page.media_type)),
        (b"content-length", b"%d" % len(page.body)),
    ]
    for name, value in (*own, *content):
        if not header_allowed(name, value):
            return None
    block = b"".join(b"%s: %s\r\n" % pair for pair in own)
    tail = b"".join(b"%s: %s\r\n" % pair for pair in content)
    return block, tail + b"\r\n", tail + b"connection: close\r\n\r\n"

"""The bus contract: a wake-up signal to delivery that a new item version was stored.

``store.append`` gives a version its sequence number; the writer then publishes an
``Event`` naming it (``seq``, ``id``, ``version``, ``kind``). Delivery (feeds, streams,
webhooks) follows the bus to learn *that* something new is there and *up to where*.

**The store is the source of truth; the bus is only a wake-up signal with the seq.**
An event carries no item content, and no subscriber may rely on having seen every event.
A consumer keeps its own cursor (the last seq it handled) and follows this pattern, where
``catch_up`` reads ``store.since(cursor)`` page by page, handles each version and returns
the last seq it handled::

    while True:
        try:
            async with bus.subscribe(after=cursor) as events:  # 1. start listening
                cursor = catch_up(store, cursor)                # 2. read the store
                async for event in events:                      # 3. follow the bus
                    if event.seq > cursor:
                        cursor = catch_up(store, cursor)        #    read what is announced
            break                                               # the bus was closed
        except Overflow:
            pass                                                # fell behind: start again

Starting the subscription (step 1) before reading the store (step 2) is what makes the
hand-over gap-free: every event published once the subscription has started reaches it.
Events published before it started are not guaranteed (the memory bus never has them,
the NATS bus delivers only new messages): replaying old versions is the store's job.

Contract, for every backend:

- ``publish(event)`` returns once the event is handed to the bus (for NATS: acknowledged by
  JetStream). It never waits for subscribers: a slow subscriber cannot block it.
- ``subscribe(after)`` is an async iterator of the events with ``seq > after``, live, in
  strictly increasing seq order, until the consumer stops (``break``, ``aclose()``,
  leaving ``async with``) or the bus is closed. An event at or below the last one yielded
  is dropped: a store's writer publishes in seq order, a repeat is no news, and once event
  N is out every version up to N is in the store for ``since`` to find. Prefer ``async
  with`` or ``aclose()``: a subscription left by ``break`` alone is let go only when it is
  garbage collected.
- Every subscription has a bounded queue (default 10,000 events). When it overflows, the
  queued events are dropped and the next iteration raises ``Overflow``, which ends the
  subscription; the consumer resumes from its cursor through the store and subscribes again.
- A backend that loses events it cannot give again (for NATS: its stream deleted and made
  again, its consumer gone) drops what is queued and the next iteration raises ``Lost``, an
  ``Overflow``: the consumer resumes from its cursor through the store, as after an overflow.
- ``close()`` ends every subscription: their iteration stops once what is queued is taken.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Literal, Protocol, Self
from urllib.parse import parse_qsl, urlsplit

import msgspec

from newswire.errors import BadInput, Unavailable

Kind = Literal["item", "update", "withdraw", "embargo-lift"]

DEFAULT_QUEUE_SIZE = 10_000


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """A stored version announced on the bus: its sequence number, item id and version."""

    seq: int
    id: str
    version: int
    kind: Kind
    """``item`` (a first version), ``update``, ``withdraw`` or ``embargo-lift``."""
    urgency: int | None = None
    """The item's urgency (1 highest), so a consumer may hurry the flashes."""


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(Event)


def encode(event: Event) -> bytes:
    """``event`` as JSON, the form it travels in between processes."""
    return _ENCODER.encode(event)


def decode(data: bytes) -> Event:
    """The event in ``data`` (JSON); ``BadInput`` if it is not one."""
    try:
        return _DECODER.decode(data)
    except msgspec.DecodeError as exc:
        raise BadInput(f"not a bus event: {exc}", field="event") from exc


class Overflow(Unavailable):
    """A subscriber fell more than its queue behind: resume from the cursor via the store.

    ``after`` is the seq of the last event the subscription yielded (or the ``after`` it
    was started with): the consumer's cursor when it has handled everything it was given.
    """

    title = "Subscriber too slow"

    def __init__(self, after: int, queue_size: int):
        super().__init__(
            f"more than {queue_size} events were waiting; resume from seq {after} via the store",
            field="bus",
        )
        self.after = after
        self.queue_size = queue_size


class Lost(Overflow):
    """The bus lost events it cannot give again (``reason``): resume from the cursor via
    the store and subscribe again, as after an ``Overflow``."""

    title = "Bus lost events"

    def __init__(self, after: int, reason: str):
        Unavailable.__init__(
            self, f"{reason}; resume from seq {after} via the store", field="bus"
        )
        self.after = after
        self.queue_size = 0
        self.reason = reason


class Subscription(AsyncIterator[Event]):
    """One subscriber's bounded queue of events, filled by the bus without ever waiting.

    Backends feed it with ``push`` and end it with ``end``; a backend that must do work to
    start or stop listening overrides ``start`` and ``_stop``.
    """

    def __init__(self, after: int = 0, queue_size: int = DEFAULT_QUEUE_SIZE):
        if queue_size < 1:
            raise BadInput(f"queue size must be at least 1, not {queue_size}", field="bus")
        self.after = after
        """The seq of the last event yielded: the cursor, for the consumer's resumption."""
        self.queue_size = queue_size
        self._high = after
        self._events: deque[Event] = deque()
        self._wakeup = asyncio.Event()
        self._overflowed = False
        self._lost: str | None = None
        self._ended = False
        self._stopped = False

    # --- the bus's side ------------------------------------------------------------------

    def push(self, event: Event) -> None:
        """Queue ``event`` if it is news; never blocks, never raises."""
        if self._ended or self._overflowed or self._lost or event.seq <= self._high:
            return
        if len(self._events) >= self.queue_size:
            self._overflowed = True
            self._events.clear()
        else:
            self._high = event.seq
            self._events.append(event)
        self._wakeup.set()

    def lose(self, reason: str) -> None:
        """Events were lost that the bus cannot give again: what is queued is dropped and
        the next iteration raises ``Lost``; never blocks, never raises."""
        if self._ended or self._overflowed or self._lost:
            return
        self._lost = reason
        self._events.clear()
        self._wakeup.set()

    def end(self) -> None:
        """No more events: iteration stops once the queued ones are taken."""
        self._ended = True
        self._wakeup.set()

    @property
    def overflowed(self) -> bool:
        return self._overflowed

    async def start(self) -> None:
        """Start listening (idempotent); iteration and ``async with`` call it."""

    async def _stop(self) -> None:
        """Stop listening; called once, when the subscription ends for any reason."""

    # --- the consumer's side -------------------------------------------------------------

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        await self.start()
        while True:
            if self._overflowed and not self._stopped:
                await self.aclose()
                raise Overflow(self.after, self.queue_size)
            if self._lost and not self._stopped:
                await self.aclose()
                raise Lost(self.after, self._lost)
            if self._events:
                event = self._events.popleft()
                self.after = event.seq
                return event
            if self._ended:
                await self.aclose()
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()

    async def aclose(self) -> None:
        """Stop listening and drop what is queued; iteration then stops."""
        self._ended = True
        self._events.clear()
        self._wakeup.set()
        if not self._stopped:
            self._stopped = True
            await self._stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class FanOut:
    """What every backend shares: the live subscriptions, and ending them on close."""

    queue_size: int

    def __init__(self) -> None:
        self._closed = False
        self._subscriptions: weakref.WeakSet[Subscription] = weakref.WeakSet()

    def subscribe(self, after: int = 0) -> Subscription:
        subscription = self._subscription(after)
        if self._closed:
            subscription.end()
        else:
            self._subscriptions.add(subscription)
        return subscription

    def _subscription(self, after: int) -> Subscription:
        """A new subscription of this bus, of the backend's own kind."""
        raise NotImplementedError

    def _end_all(self) -> None:
        self._closed = True
        for subscription in tuple(self._subscriptions):
            subscription.end()
        self._subscriptions.clear()


class Bus(Protocol):
    url: str

    async def publish(self, event: Event) -> None:
        """Hand ``event`` to every subscription, without waiting for any of them.

        ``Unavailable`` when the bus cannot take it (closed, server unreachable).
        """
        ...

    def subscribe(self, after: int = 0) -> Subscription:
        """The events with ``seq > after`` published from the subscription's start on.

        The subscription starts on ``async with``, on ``await sub.start()`` or on the first
        iteration (the memory bus starts it at once). See the module docstring.
        """
        ...

    async def close(self) -> None:
        """End every subscription and let go of the connection; idempotent."""
        ...

    def status(self) -> str:
        """``ready`` when a publish would reach the bus now and the bus delivers, else why
        not (``closed``, ``not connected``, ``reconnecting``; for NATS ``resubscribing``
        from a subscription ``Lost`` until one is made again): what ``GET /ready``
        reports. Asks nothing over the network: it says what the bus knows of its state."""
        ...


def url_options(url: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """The ``?name=value`` options of a bus URL; ``BadInput`` for any not in ``allowed``."""
    query = urlsplit(url).query
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as exc:
        raise BadInput(f"malformed bus URL {url!r}: {exc}", field="bus") from exc
    options = dict(pairs)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise BadInput(
            f"bus URL {url!r}: unknown option {', '.join(unknown)} (known: {', '.join(allowed)})",
            field="bus",
        )
    if len(options) != len(pairs):  # said as such: not an "unknown option" of no name
        twice = sorted({name for name, _ in pairs if [n for n, _ in pairs].count(name) > 1})
        raise BadInput(
            f"bus URL {url!r}: option {', '.join(twice)} given twice: give each once",
            field="bus",
        )
    return options


def queue_size_option(url: str, options: dict[str, str]) -> int:
    value = options.get("queue_size", str(DEFAULT_QUEUE_SIZE))
    if not value.isdigit() or int(value) < 1:
        raise BadInput(f"bus URL {url!r}: queue_size must be a positive integer", field="bus")
    return int(value)

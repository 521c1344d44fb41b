"""Telling delivery what was stored: this process's hub at once, other processes and
nodes through the bus (a wake-up only: they read the store)."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections import deque

from starlette.datastructures import State

from newswire.bus import Bus, Event
from newswire.errors import NewswireError
from newswire.store.base import Receipt

log = logging.getLogger("newswire.delivery")

RETRY_SECONDS = (0.25, 0.5, 1.0, 2.0, 5.0)
"""Waits between tries while the bus refuses events (the last one repeats)."""
MAX_WAITING = 10_000
"""Events kept while the bus is slow; beyond, the oldest go (the newest covers them)."""


async def announce(state: State, receipts: list[Receipt]) -> None:
    """Announce what ``append`` stored (``state``: the application's state: ``hub``,
    ``herald``, ``metrics``). Versions not created (duplicates) are no news."""
    histories = getattr(state, "histories", None)
    if histories is not None:  # read-your-writes: this process forgets them at once
        histories.forget(r.id for r in receipts if r.created)
    events = []
    for r in receipts:
        if not r.created:
            continue
        state.metrics.published.inc()
        state.hub.kick(r.seq)
        events.append(Event(seq=r.seq, id=r.id, version=r.version, kind=r.kind))
    if events:
        state.herald.send(events)


class Herald:
    """Publishes this process's stored versions on the bus, off the writer's path.

    A version is stored (and acknowledged to its writer) before the bus hears of it; the
    bus only wakes the other nodes, which read the store. So publishing must never hold
    a writer: a bus that is down or slow (a NATS server restarting: each publish waits
    for an ack that does not come) would otherwise stall every ``POST /v1/items``. Events
    wait here in order and one task publishes them. When the bus refuses one, only the
    newest waiting event is kept (an event with seq N tells a follower to read the store
    up to N, which covers every earlier one) and the task tries again, less and less
    often; meanwhile the other nodes still learn of new versions from the store's watch.
    """

    def __init__(self, bus: Bus):
        self.bus = bus
        self._waiting: deque[tuple[Event, contextvars.Context]] = deque(maxlen=MAX_WAITING)
        """Each event with the context of the request that stored it, so that what is
        logged about it carries that request's id."""
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.failing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="newswire-herald")

    def send(self, events: list[Event]) -> None:
        context = contextvars.copy_context()
        self._waiting.extend((event, context) for event in events)
        self._wake.set()

    async def stop(self, grace: float = 2.0) -> None:
        """Publish what waits (for at most ``grace`` seconds), then stop."""
        if self._task is None:
            return
        self._wake.set()
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._drained()), grace)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _drained(self) -> None:
        while self._waiting and not self.failing:
            await asyncio.sleep(0.01)

    async def _run(self) -> None:
        tries = 0
        while True:
            if not self._waiting:
                self._wake.clear()
                await self._wake.wait()
                continue
            first = self._waiting[0]
            event, context = first
            try:
                await self.bus.publish(event)
            except Exception as exc:  # the bus is a wake-up signal only: the store delivers
                if not self.failing:  # an outage (Unavailable) in a line, as the hub says it
                    known = isinstance(exc, NewswireError)
                    message = f"bus publish failed: {exc}" if known else "bus publish failed"
                    context.run(log.warning, message, exc_info=None if known else exc)
                self.failing = True
                newest = self._waiting[-1]
                self._waiting.clear()
                self._waiting.append(newest)
                await asyncio.sleep(RETRY_SECONDS[min(tries, len(RETRY_SECONDS) - 1)])
                tries += 1
                continue
            if self.failing:
                log.warning("the bus takes events again (from %s)", event.seq)
            self.failing, tries = False, 0
            if self._waiting and self._waiting[0] is first:
                self._waiting.popleft()

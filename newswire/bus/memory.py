"""The in-process bus (``memory://``): fan-out to the subscriptions of this event loop.

The embedded default: one process serves every subscriber, so publishing is a loop over
the live subscriptions, each of which queues the event without waiting. The bus holds
its subscriptions weakly: one its consumer dropped (``break`` without ``aclose``) goes away
with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newswire.bus.base import Event, FanOut, Subscription, queue_size_option, url_options
from newswire.errors import Unavailable


class MemoryBus(FanOut):
    """``memory://`` (option: ``?queue_size=10000``, each subscription's queue bound)."""

    def __init__(self, url: str = "memory://", *, queue_size: int | None = None):
        super().__init__()
        self.url = url
        self.queue_size = queue_size or queue_size_option(url, url_options(url, ("queue_size",)))

    async def publish(self, event: Event) -> None:
        if self._closed:
            raise Unavailable("the bus is closed", field="bus")
        for subscription in tuple(self._subscriptions):
            subscription.push(event)

    def _subscription(self, after: int) -> Subscription:
        return _MemorySubscription(self, after, self.queue_size)

    async def close(self) -> None:
        self._end_all()

    def status(self) -> str:
        return "closed" if self._closed else "ready"  # in this process: nothing to reach


class _MemorySubscription(Subscription):
    """Listening from the moment it is made: nothing to start, only to unregister."""

    def __init__(self, bus: MemoryBus, after: int, queue_size: int):
        super().__init__(after, queue_size)
        self._bus = bus

    async def _stop(self) -> None:
        self._bus._subscriptions.discard(self)



# The contract, checked by mypy (nothing runs): the backend satisfies ``Bus``.
if TYPE_CHECKING:
    from newswire.bus.base import Bus

    _bus: type[Bus] = MemoryBus

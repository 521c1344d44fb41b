"""Rate limits: one token bucket per subscriber (its keys share it) or per agency key,
shared by every process serving the store.

The bucket itself lives in the store (``Coordination.take_tokens``): it holds a minute's
allowance and refills continuously. A process does not ask the store on every request:
it leases a few tokens at a time (``lease_size``: at most a twentieth of the allowance,
and at most a second's worth) and spends them from memory; when they are spent it leases
again. When the store has none to give, the caller is refused with ``Retry-After`` and
the process remembers until when, so a client hammering past its limit costs no database
work until a token is due.

What this means for a subscriber: its requests across all processes never exceed the
limit. Tokens leased by one process and not spent there (its client went to another
process) wait there for its next request: at most ``lease_size`` per process, so a client
may see its first 429 up to that many requests early, never late. A limit lowered (the
subscriber changed) holds from the next request: the tokens leased under the old one go.

A bucket full again decides nothing (one not found is full): the server removes those
rows every ``BUCKETS_SWEEP_SECONDS`` (``sweep_buckets``), so the table holds the buckets
in use, not one for every caller ever seen.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

from newswire.errors import TooManyRequests
from newswire.store.base import FORGET_BATCH

if TYPE_CHECKING:
    from newswire.store.base import Coordination

LEASE_SHARE = 20
"""A lease is at most 1/LEASE_SHARE of the allowance (with two processes, a client whose
requests alternate between them is refused after at least 90% of its limit)."""


BUCKETS_SWEEP_SECONDS = 60.0
"""How often a server removes the buckets full again (``sweep_buckets``)."""
SWEEP_BATCHES = 100
"""Batches of ``FORGET_BATCH`` a sweep removes at most; a flood's rest waits a round."""

log = logging.getLogger(__name__)


def lease_size(per_minute: int) -> int:
    return max(1, min(per_minute // LEASE_SHARE, math.ceil(per_minute / 60)))


class RateLimiter:
    """The buckets of one process (``take``), leasing from ``coordination``."""

    def __init__(
        self,
        coordination: Coordination,
        refused: Callable[[], object] = lambda: None,
        clock: Callable[[], float] = time.time,
    ):
        self.coordination = coordination
        self._clock = clock
        """The time buckets refill by (``time.time``; a test holds it still)."""
        self._counted = refused
        """Called once for each request refused (a metric's ``inc``)."""
        self._lock = threading.Lock()
        self._tokens: dict[str, int] = {}
        """who -> tokens leased and not spent yet."""
        self._leased_at: dict[str, int] = {}
        """who -> the limit (per minute) its tokens in memory were leased under."""
        self._refused: dict[str, float] = {}
        """who -> time.time() before which the store has no token for it."""

    def spend(self, who: str, per_minute: int, *, answered: bool = True) -> bool | None:
        """Spend a token from memory: True; None when this process has none (``lease``);
        ``TooManyRequests`` while the store is known to have none either, counted as a
        refusal unless not ``answered`` (a fast path that hands the request on to the
        route, which asks again and answers the 429)."""
        with self._lock:
            tokens = self._tokens.get(who, 0)
            if tokens > 0 and self._leased_at.get(who, per_minute) > per_minute:
                # The limit was lowered since the lease (a subscriber changed): what was
                # leased under the old one goes, and the store's bucket, which never holds
                # more than the new limit, decides from the next request on.
                self._tokens[who] = tokens = 0
            if tokens > 0:
                self._tokens[who] = tokens - 1
                return True
            until = self._refused.get(who)
        if until is not None:
            wait = until - self._clock()
            if wait > 0:
                if answered:
                    self._counted()
                raise _over(who, per_minute, wait)
        return None

    def refund(self, who: str) -> None:
        """Give back a token ``spend`` took for a request answered another way (which
        spends its own)."""
        with self._lock:
            self._tokens[who] = self._tokens.get(who, 0) + 1

    def lease(self, who: str, per_minute: int) -> None:
        """Lease tokens from the store and spend one, or ``TooManyRequests``. Reads and
        writes the database: in a worker thread."""
        if self.spend(who, per_minute):  # another request leased meanwhile
            return
        now = self._clock()
        leased = self.coordination.take_tokens(who, per_minute, lease_size(per_minute), now)
        with self._lock:
            if leased.granted:
                self._refused.pop(who, None)
                self._tokens[who] = self._tokens.get(who, 0) + leased.granted - 1
                self._leased_at[who] = per_minute
                return
            self._refused[who] = now + leased.wait
            if len(self._refused) > 100_000:  # bounded: drop the refusals that are over
                self._refused = {w: t for w, t in self._refused.items() if t > now}
        self._counted()
        raise _over(who, per_minute, leased.wait)

    def take(self, who: str, per_minute: int) -> None:
        """``spend``, else ``lease``: for callers already in a worker thread."""
        if not self.spend(who, per_minute):
            self.lease(who, per_minute)


def _over(who: str, per_minute: int, wait: float) -> TooManyRequests:
    seconds = max(1, math.ceil(wait))
    return TooManyRequests(
        f"{who} is over its limit of {per_minute} requests a minute; try again in {seconds} s",
        retry_after=seconds,
        field="Authorization",
    )


async def sweep_buckets(coordination: Coordination) -> None:
    """Remove the buckets full again every ``BUCKETS_SWEEP_SECONDS``, for as long as the
    server runs, in short transactions of ``FORGET_BATCH``. A round that fails (the
    database busy or out of reach) is said once and tried again the next round: the
    rows wait, deciding nothing."""
    failing = False
    while True:
        await asyncio.sleep(BUCKETS_SWEEP_SECONDS)
        try:
            for _ in range(SWEEP_BATCHES):
                if await run_in_threadpool(coordination.forget_full_buckets) < FORGET_BATCH:
                    break
        except Exception as exc:
            if not failing:
                log.warning("removing the rate buckets full again failed: %s; tried again later", exc)
            failing = True
            continue
        failing = False

"""Usage metering and Prometheus metrics for deliveries.

``Meter`` counts deliveries to subscribers by day, channel and product in memory and adds
them to the store's ``usage`` table every few seconds (one small write, not one per
delivery: a breaking story reaching 5,000 streams is one row update per product).
``Metrics`` is the server's Prometheus registry (``GET /metrics``).
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client import Counter as PromCounter
from prometheus_client.core import HistogramMetricFamily

from newswire.model import utcnow
from newswire.store import Store

CHANNELS = ("feed", "stream", "ws", "webhook", "item", "portal")
"""Where a delivery went: the usage report counts by these."""


class Meter:
    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str, str, str]] = Counter()
        self._lock = threading.Lock()
        self._day = (-1, "")

    def _today(self) -> str:
        """The UTC day, made once a day (``add`` runs on every pull-feed answer)."""
        number = int(time.time()) // 86_400
        if number != self._day[0]:
            self._day = (number, utcnow().date().isoformat())
        return self._day[1]

    def add(self, subscriber: str, channel: str, product: str, n: int = 1) -> None:
        if not subscriber or n <= 0:
            return
        day = self._today()
        with self._lock:
            self._counts[(day, subscriber, channel, product)] += n

    def take(self) -> list[tuple[str, str, str, str, int]]:
        """The counts gathered since the last ``take``, emptied."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        return [(*key, n) for key, n in counts.items()]

    def flush(self, store: Store) -> int:
        """Add the gathered counts to the store; how many rows it touched."""
        rows = self.take()
        if rows:
            try:
                store.usage.add(rows)
            except BaseException:
                with self._lock:  # keep them for the next flush rather than lose them
                    for day, sub, channel, product, n in rows:
                        self._counts[(day, sub, channel, product)] += n
                raise
        return len(rows)


class LatencyHistogram:
    """A labelled Prometheus histogram whose ``observe`` is a list increment.

    Live delivery observes the publish→deliver latency once per event per connection
    (100,000 times a second at 5,000 streams and 20 items/s). ``prometheus_client``'s
    ``Histogram`` takes a lock twice per observation, about a tenth of the server's core
    there; this one is observed only from the event loop's thread (every caller runs on
    it), so plain counters do, and the registry reads them when scraped.
    """

    def __init__(self, name: str, documentation: str, label: str, buckets: tuple[float, ...]):
        self.name, self.documentation, self.label = name, documentation, label
        self.bounds = tuple(sorted(buckets))
        self._children: dict[str, LatencyHistogram.Child] = {}

    class Child:
        __slots__ = ("bounds", "counts", "sum")

        def __init__(self, bounds: tuple[float, ...]):
            self.bounds = bounds
            self.counts = [0] * (len(bounds) + 1)  # the last: above every bound (+Inf)
            self.sum = 0.0

        def observe(self, value: float, n: int = 1) -> None:
            """``n`` observations of ``value`` (a round's deliveries of one event)."""
            self.counts[bisect_left(self.bounds, value)] += n  # "le": value <= bound
            self.sum += value * n

    def labels(self, value: str) -> LatencyHistogram.Child:
        child = self._children.get(value)
        if child is None:
            child = self._children.setdefault(value, LatencyHistogram.Child(self.bounds))
        return child

    def collect(self) -> Iterator[HistogramMetricFamily]:
        family = HistogramMetricFamily(self.name, self.documentation, labels=[self.label])
        for value, child in list(self._children.items()):
            total, buckets = 0, []
            for bound, n in zip((*self.bounds, float("inf")), list(child.counts), strict=True):
                total += n
                buckets.append(("+Inf" if bound == float("inf") else repr(float(bound)), total))
            family.add_metric([value], buckets, child.sum)
        yield family


class Metrics:
    """One registry per application (tests run several apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.streams = Gauge(
            "newswire_streams_connected",
            "Open live connections (SSE streams and WebSockets).",
            ["channel"],
            registry=self.registry,
        )
        self.deliveries = PromCounter(
            "newswire_deliveries",
            "Item versions delivered to subscribers.",
            ["channel"],
            registry=self.registry,
        )
        self.latency = LatencyHistogram(
            "newswire_publish_to_deliver_seconds",
            "Time from a version's publish being acknowledged (in the process that stored"
            " it; in any other, from the time the log gives it, to the second) to its"
            " delivery being sent, observed by every process that delivers it.",
            "channel",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.registry.register(self.latency)
        self.webhook_attempts = PromCounter(
            "newswire_webhook_attempts",
            "Webhook POSTs made, by outcome (delivered, retry, dead, gone: answered 410 Gone,"
            " the endpoint disabled).",
            ["outcome"],
            registry=self.registry,
        )
        self.webhook_retries = PromCounter(
            "newswire_webhook_retries",
            "Webhook deliveries scheduled for another attempt after a failure.",
            registry=self.registry,
        )
        self.rate_limited = PromCounter(
            "newswire_rate_limited",
            "Requests refused with a 429: a key over its subscriber's rate limit.",
            registry=self.registry,
        )
        self.usage_flush_failures = PromCounter(
            "newswire_usage_flush_failures",
            "Rounds of writing the usage counts that failed (the database busy, its disk"
            " full): the counts are kept in memory and written by the next round that can.",
            registry=self.registry,
        )
        self.feed_deliveries = self.deliveries.labels("feed")
        """The pull feed's child, looked up once (``labels`` costs on every answer)."""
        self.feed_pages = PromCounter(
            "newswire_feed_pages",
            "Pull-feed pages answered, by where they came from: kept (bytes kept from an"
            " earlier request), tail (assembled from the log entries kept in memory), store"
            " (a cursor older than those: read from the store).",
            ["source"],
            registry=self.registry,
        )
        self.published = PromCounter(
            "newswire_published_versions",
            "Item versions stored through the HTTP API.",
            registry=self.registry,
        )
        self.feed_waiting = Gauge(
            "newswire_feed_waiting",
            "Long polls of the feed waiting now for the log to move.",
            registry=self.registry,
        )
        self.feed_waits = PromCounter(
            "newswire_feed_waits",
            "Times a long poll of the feed began waiting for the log to move: once when it "
            "found nothing new, once more after each wake-up by entries not for its caller.",
            registry=self.registry,
        )

"""Usage metering and Prometheus metrics for deliveries.

``Meter`` counts deliveries to subscribers by day, channel and product in memory and adds
them to the store's ``usage`` table every few seconds (one small write, not one per
delivery: a breaking story reaching 5,000 streams is one row update per product).
``Metrics`` is the server's Prometheus registry (``GET /metrics``).
"""

from __future__ import annotations

import threading
from collections import Counter

from prometheus_client import CollectorRegistry, Gauge, Histogram
from prometheus_client import Counter as PromCounter

from newswire.model import utcnow

CHANNELS = ("feed", "stream", "ws", "webhook", "item", "portal")
"""Where a delivery went: the usage report counts by these."""


class Meter:
    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str, str, str]] = Counter()
        self._lock = threading.Lock()

    def add(self, subscriber: str, channel: str, product: str, n: int = 1) -> None:
        if not subscriber or n <= 0:
            return
        day = utcnow().date().isoformat()
        with self._lock:
            self._counts[(day, subscriber, channel, product)] += n

    def take(self) -> list[tuple[str, str, str, str, int]]:
        """The counts gathered since the last ``take``, emptied."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        return [(*key, n) for key, n in counts.items()]

    def flush(self, access) -> int:
        """Add the gathered counts to the store; how many rows it touched."""
        rows = self.take()
        if rows:
            try:
                access.add_usage(rows)
            except BaseException:
                with self._lock:  # keep them for the next flush rather than lose them
                    for day, sub, channel, product, n in rows:
                        self._counts[(day, sub, channel, product)] += n
                raise
        return len(rows)


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
        self.latency = Histogram(
            "newswire_publish_to_deliver_seconds",
            "Time from a version's publish being acknowledged to its delivery being sent.",
            ["channel"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.webhook_attempts = PromCounter(
            "newswire_webhook_attempts",
            "Webhook POSTs made, by outcome (delivered, retry, dead).",
            ["outcome"],
            registry=self.registry,
        )
        self.webhook_retries = PromCounter(
            "newswire_webhook_retries",
            "Webhook deliveries scheduled for another attempt after a failure.",
            registry=self.registry,
        )
        self.published = PromCounter(
            "newswire_published_versions",
            "Item versions stored through the HTTP API.",
            registry=self.registry,
        )

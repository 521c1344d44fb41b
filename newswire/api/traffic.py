"""HTTP requests counted by route and status, and timed: ``newswire_http_requests_total``
and ``newswire_http_request_duration_seconds`` in ``/metrics``.

Every request is counted, whichever way it was answered: as soon as it was parsed
(``newswire.api.protocol``), by a fast path ahead of FastAPI (``newswire.api.raw``) or
by a documented route. The answers from memory take a few microseconds and are measured
against nginx, so counting one is a dictionary lookup and three list increments on the
event loop's thread, where every request is answered (``prometheus_client``'s
``Counter.inc`` and ``Histogram.observe`` take a lock each); the registry reads the
counts when scraped (``collect``), and with ``--workers N`` they are summed over the
processes as every other counter is (``newswire.delivery.shared_metrics``).

``route`` is the route's template (``/v1/items/{item_id}``), never the path asked for:
a label whose values grow with the items would make a series per item. A path no route
takes is ``other``; a method HTTP does not define for the API, ``other`` too.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from starlette.types import Scope

from newswire.web.routing import TEMPLATE

BUCKETS = (
    0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
)
"""Seconds: an answer from memory takes tens of microseconds, a page from the store
milliseconds, a long poll up to its ``wait``."""
_LE = (*(repr(b) for b in BUCKETS), "+Inf")
_FIRST = BUCKETS[0]
"""Most answers from memory fall in the first bucket: found without a search."""

OTHER = "other"
"""The ``route`` of a path no route takes, and the ``method`` of an unusual one."""
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))

FEED = "/v1/feed"
ITEM = "/v1/items/{item_id}"
ITEMS = "/v1/items"
RENDITION = "/v1/items/{item_id}/versions/{version}/renditions/{name}"
SEARCH = "/v1/search"
STREAM = "/v1/stream"


def answered_route(path: str) -> str:
    """The route of a request answered as soon as it was parsed (``NewswireApp
    .answer_now`` answers these paths only)."""
    if path == FEED:
        return FEED
    return RENDITION if "/renditions/" in path else ITEM


def route_of(scope: Scope) -> str:
    """The template of the route that answered ``scope`` (FastAPI's, or a plain one that
    named itself: ``routing.TEMPLATE``), or ``OTHER``."""
    route = scope.get("route")
    if route is None:
        named = scope.get(TEMPLATE)
        return named if isinstance(named, str) else OTHER
    template = getattr(route, "path_format", None)  # "{item_id:path}" as "{item_id}"
    return template if isinstance(template, str) else OTHER


class Timing:
    """One series' counts: by bucket (the last above every bound), and their sum."""

    __slots__ = ("counts", "sum")

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.sum = 0.0

    def add(self, seconds: float) -> None:
        self.counts[0 if seconds <= _FIRST else bisect_left(BUCKETS, seconds)] += 1
        self.sum += seconds


class Traffic:
    """The requests a process answered, by (method, route, status); a collector for the
    application's registry. Counted from the event loop's thread only."""

    def __init__(self) -> None:
        self._timings: dict[tuple[str, str, int], Timing] = {}
        self._at_parse: dict[tuple[str, int], Timing] = {}
        """Those answered as they were parsed (all ``GET``): ``answered_at_parse``."""

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """A request answered through the ASGI application."""
        key = (method if method in METHODS else OTHER, route, status)
        timing = self._timings.get(key)
        if timing is None:
            timing = self._timings[key] = Timing()
        timing.add(seconds)

    def answered_at_parse(self, route: str, status: int, seconds: float) -> None:
        """A ``GET`` answered as soon as it was parsed (``newswire.api.protocol``)."""
        timing = self._at_parse.get((route, status))
        if timing is None:
            timing = self._at_parse[(route, status)] = Timing()
        timing.add(seconds)

    def at_parse(self) -> int:
        """How many requests were answered as soon as they were parsed."""
        return sum(sum(t.counts) for t in list(self._at_parse.values()))

    def _all(self) -> Iterator[tuple[str, str, int, Timing]]:
        # Copies first: a scrape's thread reads while the loop's thread may add a key.
        for (method, route, status), timing in list(self._timings.items()):
            yield method, route, status, timing
        for (route, status), timing in list(self._at_parse.items()):
            yield "GET", route, status, timing

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "newswire_http_requests",
            "HTTP requests answered, by method, route (its template; 'other': no route"
            " takes the path) and status.",
            labels=["method", "route", "status"],
        )
        counts: dict[tuple[str, str, str], int] = {}
        timings: dict[tuple[str, str], tuple[list[int], float]] = {}
        for method, route, status, timing in self._all():
            buckets = list(timing.counts)
            key = (method, route, str(status))
            counts[key] = counts.get(key, 0) + sum(buckets)
            summed = timings.get((method, route))
            if summed is None:
                timings[(method, route)] = (buckets, timing.sum)
            else:
                timings[(method, route)] = (
                    [a + b for a, b in zip(summed[0], buckets, strict=True)],
                    summed[1] + timing.sum,
                )
        for labels, n in counts.items():
            requests.add_metric(list(labels), n)
        yield requests
        durations = HistogramMetricFamily(
            "newswire_http_request_duration_seconds",
            "Time from a request's headers being parsed to its answer being written (a"
            " stream's or a long poll's: until it ends), by method and route.",
            labels=["method", "route"],
        )
        for (method, route), (buckets, total) in timings.items():
            running, cumulative = 0, []
            for le, n in zip(_LE, buckets, strict=True):
                running += n
                cumulative.append((le, running))
            durations.add_metric([method, route], cumulative, total)
        yield durations
        at_parse = CounterMetricFamily(
            "newswire_http_answered_at_parse",
            "Requests answered from memory as soon as they were parsed, before any of the"
            " ASGI application ran (kept feed pages, items, small files: newswire.api.protocol).",
        )
        at_parse.add_metric([], self.at_parse())
        yield at_parse

"""Operations: ``GET /metrics`` (Prometheus text format).

Besides the processes' own counters, a scrape reads what waits in the store (``queues``):
the webhook outbox, the search index's lag behind the log, the embargoes still to lift.
These are the node's, not a process's: the process answering the scrape reads them once
(never summed over ``--workers``), each from an index, a bounded read however large the
archive.
"""

from __future__ import annotations

import logging

from fastapi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from newswire.model import utcnow
from newswire.web.routing import Router

log = logging.getLogger("newswire.metrics")

router = Router(tags=["operations"])

QUEUES = {
    "newswire_webhook_deliveries_pending":
        "Webhook deliveries waiting to be sent: new, failing and to be tried again, or being"
        " sent now.",
    "newswire_webhook_oldest_pending_seconds":
        "How long the pending webhook delivery due first has been due (0: none is overdue):"
        " grows while an endpoint fails or the senders fall behind.",
    "newswire_embargoes_waiting": "Items whose latest version is under an embargo not lifted yet.",
    "newswire_embargo_next_lift_timestamp_seconds":
        "When the next embargo ends (Unix time; absent when none waits). In the past: its"
        " lift is late.",
    "newswire_search_index_lag":
        "Log entries the search index of the process answering has not applied yet: the"
        " store's last sequence number less the index's.",
}
"""The gauges of what waits (``queues``): name -> help."""


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Connected streams, deliveries, publish→deliver latency, webhook attempts and
    retries, HTTP requests by route and status, and what waits: webhook deliveries, the
    search index's lag, embargoes."""
    state = request.app.state
    state.hub.settle()
    if state.shared_metrics is not None:  # serve --workers N: every process's, summed
        body = await run_in_threadpool(state.shared_metrics.exposition)
    else:
        body = generate_latest(state.metrics.registry)
    body += await run_in_threadpool(queues, state)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def queues(state: State) -> bytes:
    """The gauges of what waits in the store, as Prometheus text; none when the store
    does not answer (``/ready`` says so; the processes' own figures still go out)."""
    try:
        families = _waiting(state)
    except Exception as exc:  # the database out of reach: said by the store and /ready
        log.debug("reading the queues for /metrics failed: %s", exc)
        return b""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(families))
    return generate_latest(registry)


def _waiting(state: State) -> list[Metric]:
    store, now = state.store, utcnow()
    pending, first_due = store.webhooks.backlog()
    embargoed, next_lift = store.embargoes_waiting()
    values: dict[str, float] = {
        "newswire_webhook_deliveries_pending": pending,
        "newswire_webhook_oldest_pending_seconds":
            0.0 if first_due is None else max(0.0, (now - first_due).total_seconds()),
        "newswire_embargoes_waiting": embargoed,
    }
    if next_lift is not None:  # none waiting: no time (an alert on an old time stays quiet)
        values["newswire_embargo_next_lift_timestamp_seconds"] = next_lift.timestamp()
    searching = state.searching
    if searching is not None:
        values["newswire_search_index_lag"] = max(0, store.last_seq() - searching.index.cursor)
    return [GaugeMetricFamily(name, QUEUES[name], value=value) for name, value in values.items()]


class _Fixed:
    def __init__(self, families: list[Metric]):
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families

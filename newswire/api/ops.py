"""Operations: ``GET /metrics`` (Prometheus text format)."""

from __future__ import annotations

from fastapi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from newswire.web.routing import Router

router = Router(tags=["operations"])


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Connected streams, deliveries, publish→deliver latency, webhook attempts and retries."""
    state = request.app.state
    state.hub.settle()
    if state.shared_metrics is not None:  # serve --workers N: every process's, summed
        body = await run_in_threadpool(state.shared_metrics.exposition)
    else:
        body = generate_latest(state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)

"""Hooks for the schemathesis runs of ``test_openapi_conformance`` (loaded by the
schemathesis process through ``SCHEMATHESIS_HOOKS``).

``GET /v1/feed?wait=S`` is a long poll: at the head of the log it answers after S
seconds (at most 60, more is clamped with a note, as documented, so the schema cannot
bound it). A generated wait is cut to ``MAX_WAIT`` seconds before the request is sent,
so that a run spends its time on cases rather than on waiting; a wait that is not a
number (or is negative) goes as generated, for the server to refuse.
"""

from __future__ import annotations

import math

import schemathesis

MAX_WAIT = 0.2


@schemathesis.hook
def before_call(context, case, kwargs):
    query = case.query
    if not isinstance(query, dict) or isinstance(query.get("wait"), bool | None):
        return
    try:
        wait = float(query["wait"])
    except (TypeError, ValueError):
        return
    if math.isfinite(wait) and wait > MAX_WAIT:
        query["wait"] = MAX_WAIT

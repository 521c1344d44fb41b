"""Webhooks over HTTP: ``/v1/webhooks`` (endpoints) and ``/v1/webhooks/deliveries``.

A subscriber's read key manages its own subscriber's endpoints and sees only their
deliveries: another subscriber's webhook or delivery reads exactly like one that does not
exist (404). The agency's admin keys act for any subscriber: they name it (``subscriber``
in the body to register, ``?subscriber=`` to narrow a listing). Publish keys have no
webhooks (403).

``install(app)`` starts the worker (``newswire.delivery.webhooks``) with the server.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from fastapi import Depends, FastAPI, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from newswire.access.auth import Principal
from newswire.api import auth, openapi, problems
from newswire.api.items import read_body
from newswire.delivery.webhooks import (
    MAX_SECRET,
    MAX_URL,
    MIN_SECRET,
    URL_PATTERN,
    WebhookWorker,
    check_format,
    check_secret,
    check_url,
)
from newswire.errors import BadInput, Forbidden, NotFound, Unprocessable
from newswire.store.webhooks import MAX_REASON, STATUSES, Delivery, Webhook, Webhooks, stamp
from newswire.web.routing import Router

router = Router(prefix="/v1/webhooks", tags=["webhooks"])

MAX_BODY = 16 * 1024
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_FIELDS = ("url", "secret", "format", "subscriber")
_ENCODE = msgspec.json.Encoder().encode


def install(app: FastAPI) -> None:
    """Start the webhook worker with the server and stop it with the server."""

    async def start(app: FastAPI) -> None:
        settings, state = app.state.settings, app.state
        worker = WebhookWorker(
            state.store,
            state.renderer,
            metrics=state.metrics,
            meter=state.meter,
            timeout=settings.webhook_timeout,
            retry_base=settings.webhook_retry_base,
            retry_for=settings.webhook_retry_for,
            allow_private=settings.webhook_allow_private,
            keep_days=settings.webhook_keep_days,
        )
        state.webhooks = worker
        state.hub.on_changes.append(worker.notify)
        await worker.start()

    async def stop(app: FastAPI) -> None:
        worker = getattr(app.state, "webhooks", None)
        if worker is not None:
            await worker.stop()

    app.state.on_start.append(start)
    app.state.on_stop.append(stop)


# --- who may do what ---------------------------------------------------------------------


def _acting_for(principal: Principal, named: str | None) -> str | None:
    """The subscriber whose webhooks the caller manages; None: an admin key, all of them.

    A read key acts for its own subscriber (naming another is refused); an admin key for
    the one it names; a publish key for none."""
    if principal.subscriber is not None:
        own = principal.subscriber.name
        if named and named != own:
            raise Forbidden(
                f"this key belongs to {own}: it manages only {own}'s webhooks",
                field="subscriber",
            )
        return own
    if principal.key.scope != "admin":
        raise Forbidden(
            f"a {principal.key.scope} key has no webhooks: use a subscriber's read key, or an "
            "admin key naming the subscriber",
            field="Authorization",
        )
    return named or None


def _named(request: Request, principal: Principal, named: str | None) -> str | None:
    """``_acting_for``, and a subscriber an admin key names must exist (404 otherwise:
    an empty list would read as "it has none")."""
    name = _acting_for(principal, named)
    if name and principal.subscriber is None:
        request.app.state.store.subscribers.get(name)
    return name


def _own_webhook(request: Request, principal: Principal, webhook_id: str) -> Webhook:
    hooks: Webhooks = request.app.state.store.webhooks
    webhook = hooks.get(webhook_id)
    mine = _acting_for(principal, None)
    if mine is not None and webhook.subscriber != mine:
        raise NotFound(f"no webhook {webhook_id!r}", field="webhook")
    return webhook


def _own_delivery(request: Request, principal: Principal, delivery_id: str) -> Delivery:
    hooks: Webhooks = request.app.state.store.webhooks
    delivery = hooks.delivery(delivery_id)
    mine = _acting_for(principal, None)
    if mine is not None and delivery.subscriber != mine:
        raise NotFound(f"no delivery {delivery_id!r}", field="delivery")
    return delivery


# --- JSON --------------------------------------------------------------------------------


def webhook_json(webhook: Webhook) -> dict[str, object]:
    """An endpoint as the API shows it: never its secret. ``active`` false: it was disabled
    (its receiver answered 410 Gone), ``disabled_at``, ``disabled_status`` and
    ``disabled_reason`` say when and why (all null while it is active)."""
    return {
        "id": webhook.id,
        "url": webhook.url,
        "format": webhook.format,
        "subscriber": webhook.subscriber,
        "created": stamp(webhook.created_at),
        "active": webhook.active,
        "disabled_at": stamp(webhook.disabled_at) if webhook.disabled_at else None,
        "disabled_status": webhook.disabled_status,
        "disabled_reason": webhook.disabled_reason,
    }


def delivery_json(delivery: Delivery) -> dict[str, object]:
    return {
        "id": delivery.id,
        "webhook": delivery.webhook,
        "subscriber": delivery.subscriber,
        "sequence": delivery.seq,
        "item_id": delivery.item_id,
        "version": delivery.version,
        "kind": delivery.kind,
        "access": delivery.access,
        "product": delivery.product,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "next_attempt_at": stamp(delivery.next_attempt_at)
        if delivery.status == "pending"
        else None,
        "created": stamp(delivery.created_at),
        "delivered_at": stamp(delivery.delivered_at) if delivery.delivered_at else None,
    }


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_ENCODE(value), status, headers=headers, media_type="application/json")


def _decode(raw: bytes) -> dict[str, Any]:
    try:
        body = msgspec.json.decode(raw or b"null")
    except (msgspec.DecodeError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise BadInput(
            'the body is a JSON object: {"url": ..., "secret": ..., "format": ...}', field="body"
        )
    for name in body:
        if name not in _FIELDS:
            raise BadInput(f"unknown field (known: {', '.join(_FIELDS)})", field=str(name)[:64])
    return body


_WEBHOOK_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "url": {"type": "string"},
        "format": {"type": "string"},
        "subscriber": {"type": "string"},
        "created": {"type": "string", "format": "date-time"},
        "active": {
            "type": "boolean",
            "description": "Whether deliveries are sent to it: false once its receiver"
            " answered 410 Gone, until it is enabled again (POST .../enable).",
        },
        "disabled_at": {"type": ["string", "null"], "format": "date-time"},
        "disabled_status": {
            "type": ["integer", "null"],
            "description": "The HTTP status that disabled it (410).",
        },
        "disabled_reason": {"type": ["string", "null"], "maxLength": MAX_REASON},
    },
}
_WEBHOOK_ANSWER = {"content": {"application/json": {"schema": _WEBHOOK_SCHEMA}}}
_CREATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "url": {
                            "type": "string",
                            "maxLength": MAX_URL,
                            "pattern": URL_PATTERN,
                            "description": "http(s) URL the deliveries are POSTed to; no "
                            "user name or password in it (422: a loopback or private "
                            "address, unless the operator allows them).",
                        },
                        "secret": {
                            "type": "string",
                            "minLength": MIN_SECRET,
                            "maxLength": MAX_SECRET,
                            "pattern": "^[^\\u0000-\\u001f\\u007f]*$",
                            "description": "Signs each delivery: X-Newswire-Signature is "
                            "sha256=<hex HMAC-SHA256 of the body with it>. Never shown again.",
                        },
                        "format": {
                            **openapi.names(openapi.SINGLE),
                            "default": "ninjs",
                            "description": "A format of one item (not a feed); 422: one "
                            "the subscriber may not use.",
                        },
                        "subscriber": {
                            "type": "string",
                            "description": "The subscriber: an admin key names it (422 "
                            "without it), a read key acts for its own (403 for another).",
                        },
                    },
                    "required": ["url", "secret"],
                    "additionalProperties": False,
                }
            }
        },
    },
    "responses": {"201": _WEBHOOK_ANSWER},
}


# --- endpoints ---------------------------------------------------------------------------


@router.post(
    "",
    status_code=201,
    responses=problems.responses(400, 401, 403, 413, 422, 429, 503),
    openapi_extra=_CREATE_BODY,
)
async def add_webhook(request: Request, principal: Principal = Depends(auth.read)) -> Response:
    """Register an endpoint: every log entry the subscriber is entitled to from now on is
    POSTed to it, in its format, signed with its secret (201; the secret is never shown
    again)."""
    body = _decode(await read_body(request, MAX_BODY))
    named = body.get("subscriber")
    if "subscriber" in body and not isinstance(named, str):
        raise BadInput("the subscriber is a name", field="subscriber")
    name = _acting_for(principal, named)
    if name is None:
        raise Unprocessable(
            "an admin key names the subscriber the webhook is for", field="subscriber"
        )
    allow = request.app.state.settings.webhook_allow_private
    url = check_url(body.get("url"), allow_private=allow)
    secret = check_secret(body.get("secret"))
    store = request.app.state.store
    try:
        subscriber = await run_in_threadpool(store.subscribers.get, name)
    except NotFound as exc:
        raise Unprocessable(exc.detail, field="subscriber") from None
    fmt = check_format(body.get("format", "ninjs"), subscriber)
    webhook = await run_in_threadpool(store.webhooks.add, name, url, secret, fmt)
    worker = getattr(request.app.state, "webhooks", None)
    if worker is not None:
        worker.refresh()
    href = f"/v1/webhooks/{quote(webhook.id, safe='')}"
    return _json(webhook_json(webhook), 201, {"Location": href})


@router.get("", responses=problems.responses(400, 401, 403, 404, 429))
def list_webhooks(
    request: Request,
    subscriber: Annotated[
        str | None,
        Query(
            description="Admin keys: only this subscriber's webhooks.",
            pattern=openapi.SUBSCRIBER,
        ),
    ] = None,
    principal: Principal = Depends(auth.read),
) -> Response:
    """The caller's endpoints (an admin key: every subscriber's, or ``?subscriber=``'s)."""
    name = _named(request, principal, subscriber)
    hooks = request.app.state.store.webhooks.list(subscriber=name)
    return _json({"webhooks": [webhook_json(w) for w in hooks]})


# The deliveries routes come before /{webhook_id}: "deliveries" is not a webhook id.


@router.get("/deliveries", responses=problems.responses(400, 401, 403, 404, 429))
def list_deliveries(
    request: Request,
    status: Annotated[
        str | None,
        Query(
            description="pending, delivered, failed (dead letters) or superseded (older than a"
            " version of the item the endpoint got: never sent).",
            json_schema_extra={"enum": list(STATUSES)},
        ),
    ] = None,
    webhook: Annotated[
        str | None, Query(description="Only this webhook's.", pattern=openapi.WEBHOOK_ID)
    ] = None,
    limit: Annotated[
        str | None,
        Query(
            description=f"1 or more (default {DEFAULT_LIMIT}); over {MAX_LIMIT} is clamped,"
            " and the answer says so (limit_clamped, X-Newswire-Clamped), as the feed's is.",
            json_schema_extra={"type": "integer", "minimum": 1},
        ),
    ] = None,
    subscriber: Annotated[
        str | None,
        Query(
            description="Admin keys: only this subscriber's deliveries.",
            pattern=openapi.SUBSCRIBER,
        ),
    ] = None,
    principal: Principal = Depends(auth.read),
) -> Response:
    """The caller's deliveries, the most recent log entries first: what was sent, what is
    waiting or being retried, and the dead letters (``?status=failed``) to redeliver."""
    name = _named(request, principal, subscriber)
    if status is not None and status not in STATUSES:
        raise BadInput(f"status is one of {', '.join(STATUSES)}", field="status")
    count = DEFAULT_LIMIT
    clamped = ""
    if limit is not None:
        if not limit.isascii() or not limit.isdigit() or not limit.strip("0"):
            raise BadInput("limit is a whole number from 1", field="limit")
        if len(limit) > 6 or int(limit) > MAX_LIMIT:  # however many digits: clamped
            clamped = problems.over_maximum("limit", limit[:20], MAX_LIMIT)
        else:
            count = int(limit)
        count = MAX_LIMIT if clamped else count
    if webhook:
        _own_webhook(request, principal, webhook)
    found = request.app.state.store.webhooks.deliveries(
        subscriber=name, webhook=webhook or None, status=status, limit=count
    )
    body: dict[str, object] = {"deliveries": [delivery_json(d) for d in found]}
    if clamped:
        body["limit_clamped"] = clamped
        return _json(body, headers={"X-Newswire-Clamped": clamped})
    return _json(body)


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    status_code=202,
    responses=problems.responses(401, 403, 404, 429, 503),
)
async def redeliver(
    request: Request, delivery_id: str, principal: Principal = Depends(auth.read)
) -> Response:
    """Send a delivery again (a dead letter, or one the receiver lost): it is pending
    again, never attempted, due now, and goes out in its place in sequence order (202).
    One older than a version of its item the endpoint got since is not sent: the answer
    says it is ``superseded``."""
    await run_in_threadpool(_own_delivery, request, principal, delivery_id)
    delivery = await run_in_threadpool(request.app.state.store.webhooks.redeliver, delivery_id)
    worker = getattr(request.app.state, "webhooks", None)
    if worker is not None:
        worker.wake(delivery.webhook)
    return _json(delivery_json(delivery), 202)


@router.get("/{webhook_id}", responses=problems.responses(401, 403, 404, 429))
def get_webhook(
    request: Request, webhook_id: str, principal: Principal = Depends(auth.read)
) -> Response:
    """One of the caller's endpoints."""
    return _json(webhook_json(_own_webhook(request, principal, webhook_id)))


@router.post(
    "/{webhook_id}/enable",
    responses=problems.responses(401, 403, 404, 429, 503),
    openapi_extra={"responses": {"200": _WEBHOOK_ANSWER}},
)
async def enable_webhook(
    request: Request, webhook_id: str, principal: Principal = Depends(auth.read)
) -> Response:
    """Send to an endpoint again once it was disabled (its receiver answered 410 Gone):
    the delivery kept pending goes out first, then everything published since that the
    subscriber is entitled to, in sequence order but a flash item ahead of what was not
    attempted yet, as for any endpoint (200: the endpoint, active); nothing published while
    the subscriber was suspended. An active endpoint is left as it is. A receiver still
    gone answers 410 again, and disables it again."""
    await run_in_threadpool(_own_webhook, request, principal, webhook_id)
    webhook = await run_in_threadpool(request.app.state.store.webhooks.enable, webhook_id)
    worker = getattr(request.app.state, "webhooks", None)
    if worker is not None:
        worker.refresh()
    return _json(webhook_json(webhook))


@router.delete(
    "/{webhook_id}", status_code=204, responses=problems.responses(401, 403, 404, 429, 503)
)
async def remove_webhook(
    request: Request, webhook_id: str, principal: Principal = Depends(auth.read)
) -> Response:
    """Remove an endpoint and its deliveries: nothing more is sent to it (204)."""
    await run_in_threadpool(_own_webhook, request, principal, webhook_id)
    await run_in_threadpool(request.app.state.store.webhooks.remove, webhook_id)
    worker = getattr(request.app.state, "webhooks", None)
    if worker is not None:
        worker.refresh()
    return Response(status_code=204)

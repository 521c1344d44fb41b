"""The admin HTTP API: products, subscribers and keys under ``/v1/admin/`` (admin scope).

The same operations as ``newswire product|subscriber|key``, checked by the same functions
(``validate_product``, ``check_subscriber``, ``check_scope``, ``new_key``), so an operator
gets the same answer from a dashboard elsewhere as from a shell on the server; only the
transport differs (problem JSON naming the field instead of a message and an exit code).

What the CLI cannot do from its own process, this API does: revoking a key, or suspending
or removing a subscriber, closes the live streams of this server at once (the hub of every
other node notices within a second, as it does for the CLI).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import quote

import msgspec
from fastapi import Depends, Query, Request, Response
from msgspec import Meta
from starlette.concurrency import run_in_threadpool

from newswire.access.auth import removed_reason, revoked_reason, status_reason
from newswire.access.keys import (
    MAX_NAME,
    SCOPES,
    ApiKey,
    check_name,
    check_scope,
    new_key,
)
from newswire.access.products import ACCESS_LEVELS, Product, validate_product
from newswire.access.subscribers import DEFAULT_RATE_LIMIT, Subscriber, check_subscriber
from newswire.api import auth, openapi, problems
from newswire.api.items import read_body
from newswire.enrich.pipeline import with_named_ids
from newswire.errors import BadInput, NotFound, Unprocessable
from newswire.model import ITEM_TYPES
from newswire.store import Store

if TYPE_CHECKING:
    from newswire.delivery.hub import Hub
from newswire.validation import LANGUAGE_TAG, NAME_PATTERN
from newswire.web.routing import Router

router = Router(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(auth.admin)])

MAX_BODY = 64 * 1024
"""An admin body is a few hundred bytes; anything near this is not one."""

T = TypeVar("T", bound=msgspec.Struct)


# --- bodies -------------------------------------------------------------------------------


def _pattern(pattern: str) -> Meta:
    """Declares a string's pattern in the OpenAPI; the check that enforces it is the
    CLI's too (``validate_product``, ``check_subscriber``), so it names its reason."""
    return Meta(extra_json_schema={"pattern": pattern})


class ProductBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A product: the fields of ``newswire.access.products.Product``.

    Its own struct, not ``Product`` itself, for two reasons: unknown fields are refused (a
    misspelt ``languges`` would otherwise silently widen the product to every language),
    and ``access`` is a plain string here so that ``validate_product`` gives its reason
    rather than the decoder's."""

    name: Annotated[str, _pattern(openapi.NAME)]
    access: Annotated[str, Meta(extra_json_schema={"enum": list(ACCESS_LEVELS)})]
    languages: list[Annotated[str, _pattern(LANGUAGE_TAG.pattern)]] = []
    subjects: list[Annotated[str, _pattern(f"^{openapi.MEDIA_TOPIC}$")]] = []
    urgency_min: Annotated[int, Meta(ge=1, le=9)] = 1
    urgency_max: Annotated[int, Meta(ge=1, le=9)] = 9
    genres: list[Annotated[str, _pattern(openapi.GENRE)]] = []
    places: list[Annotated[str, _pattern(openapi.NOT_BLANK)]] = []
    entities: list[Annotated[str, _pattern(openapi.NOT_BLANK)]] = []
    sources: list[Annotated[str, _pattern(openapi.NOT_BLANK)]] = []
    types: list[Annotated[str, Meta(extra_json_schema={"enum": list(ITEM_TYPES)})]] = []
    early_embargo: bool = False


class SubscriberBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A subscriber: its name, the products it receives, the formats its keys may use
    (none: every format) and its rate limit in requests a minute. Its status is changed by
    ``/suspend`` and ``/activate``, not here."""

    name: Annotated[str, _pattern(openapi.SUBSCRIBER)]
    products: Annotated[list[str], Meta(min_length=1)]
    formats: list[Annotated[str, Meta(extra_json_schema={"enum": openapi.RENDERED})]] = []
    rate_limit: Annotated[int, Meta(ge=1, le=1_000_000)] = DEFAULT_RATE_LIMIT


class KeyBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A key to create: ``{"scope": "read", "subscriber": "..."}`` for a subscriber, or
    ``{"scope": "publish"|"admin", "name": "..."}`` for the agency's editors or operators."""

    scope: Annotated[str, Meta(extra_json_schema={"enum": list(SCOPES)})] = "read"
    subscriber: str = ""
    name: Annotated[
        str, Meta(extra_json_schema={"pattern": NAME_PATTERN, "maxLength": MAX_NAME})
    ] = ""


_KEY_OWNER = {
    # A read key is a subscriber's; a publish or admin key is the agency's, named.
    "if": {"properties": {"scope": {"enum": ["publish", "admin"]}}, "required": ["scope"]},
    "then": {
        "properties": {"subscriber": {"maxLength": 0}, "name": {"pattern": openapi.NOT_BLANK}},
        "required": ["name"],
    },
    "else": {"properties": {"subscriber": {"minLength": 1}}, "required": ["subscriber"]},
}


_AT = re.compile(r"at `\$\.(\w+)")
_NAMED = re.compile(r"field `(\w+)`")


def decode(raw: bytes, kind: type[T]) -> T:
    """The body as ``kind``; ``BadInput`` naming the field at fault (``body`` when the body
    is not a JSON object at all)."""
    try:
        # A number with no fraction is an integer to JSON Schema (``9.0``), not to msgspec.
        return msgspec.convert(_integral(msgspec.json.decode(raw)), kind)
    except msgspec.ValidationError as exc:
        text = str(exc)
        m = _AT.search(text) or _NAMED.search(text)
        raise BadInput(text, field=m.group(1) if m else "body") from None
    except (msgspec.DecodeError, RecursionError):  # (arrays nested 5,000 deep: no object)
        fields = ", ".join(kind.__struct_fields__)
        raise BadInput(f"the body is a JSON object with {fields}", field="body") from None


def _integral(body: Any) -> Any:
    """``body`` with each top-level number that has no fraction made an ``int``."""
    if not isinstance(body, dict):
        return body
    return {
        name: int(value) if isinstance(value, float) and value.is_integer() else value
        for name, value in body.items()
    }


def full(value: Any) -> Any:
    """Structs with every field, defaults included: the stored structs omit defaults (a
    compact row), but a client should not have to know that a missing ``status`` means
    ``active`` or a missing ``revoked_at`` means not revoked."""
    if isinstance(value, list):
        return [full(v) for v in value]
    if isinstance(value, msgspec.Struct):
        return msgspec.to_builtins(msgspec.structs.asdict(value))
    return value


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        msgspec.json.encode(full(value)), status, headers=headers, media_type="application/json"
    )


def _body_doc(kind: type, description: str, **rules: Any) -> dict[str, Any]:
    """OpenAPI for a JSON request body described by a msgspec struct (FastAPI does not
    see the body: it is read raw, to decode it strictly with msgspec); ``rules`` adds
    JSON Schema keywords across fields."""
    _, components = msgspec.json.schema_components([kind])
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": {**components[kind.__name__], **rules}}},
        }
    }


def _referenced(exc: NotFound, fields: dict[str, str]) -> Unprocessable:
    """A missing product or subscriber named *in a body* is a body that cannot be
    processed (422 naming the body's field), not a missing resource at the URL (404)."""
    field = fields.get(exc.field or "", exc.field)
    return Unprocessable(exc.detail, field=field)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def _forget_principals(request: Request) -> None:
    """This process changed who may do what: its keys' principals are read again now
    (other processes drop theirs when they see the store's access generation move)."""
    request.app.state.principals.forget()


COMMON = (401, 403, 429)
"""What every admin route can answer; a route that reads a body adds 400 (and 413, 422)."""


# --- products -----------------------------------------------------------------------------


@router.get("/products", responses=problems.responses(*COMMON))
def list_products(request: Request) -> Response:
    """Every product, by name."""
    return _json(_store(request).products.list())


@router.post(
    "/products",
    status_code=201,
    responses=problems.responses(*COMMON, 400, 409, 413, 422),
    openapi_extra=_body_doc(ProductBody, "A product, as `newswire product add` takes it."),
)
async def add_product(request: Request) -> Response:
    """Add a product (201 with it as stored: subjects written as ``medtop:`` QCodes)."""
    body = decode(await read_body(request, MAX_BODY), ProductBody)
    product = validate_product(Product(**msgspec.structs.asdict(body)))
    store = _store(request)
    product = await run_in_threadpool(with_named_ids, store, product)
    await run_in_threadpool(store.products.add, product)
    href = f"/v1/admin/products/{quote(product.name, safe='')}"
    return _json(product, 201, {"Location": href})


def _named(body_name: str, name: str) -> None:
    """A body put at a name's address names the same: a rename is not a change."""
    if body_name != name:
        raise Unprocessable(
            f"the body names {body_name!r}, the address {name!r}: a name cannot be changed",
            field="name",
        )


@router.put(
    "/products/{name}",
    responses=problems.responses(*COMMON, 400, 404, 413, 422),
    openapi_extra=_body_doc(ProductBody, "The product whole, as `newswire product change` takes it."),
)
async def change_product(request: Request, name: str) -> Response:
    """Give a product a new definition, whole (its ``name`` the address's): its
    subscribers' keys receive by it from their next request."""
    body = decode(await read_body(request, MAX_BODY), ProductBody)
    product = validate_product(Product(**msgspec.structs.asdict(body)))
    _named(product.name, name)
    store = _store(request)
    product = await run_in_threadpool(with_named_ids, store, product)
    await run_in_threadpool(store.products.replace, product)
    _forget_principals(request)
    return _json(product)


@router.get("/products/{name}", responses=problems.responses(*COMMON, 404))
def get_product(request: Request, name: str) -> Response:
    """One product."""
    return _json(_store(request).products.get(name))


@router.delete("/products/{name}", status_code=204, responses=problems.responses(*COMMON, 404, 409))
def remove_product(request: Request, name: str) -> Response:
    """Remove a product no subscriber uses (409 naming the subscribers that do)."""
    _store(request).products.remove(name)
    return Response(status_code=204)


# --- subscribers --------------------------------------------------------------------------

# check_subscriber and the store name the CLI's options; the body's fields are plural.
_SUBSCRIBER_FIELDS = {"product": "products", "format": "formats"}


def _subscriber_json(store: Store, name: str) -> dict[str, Any]:
    subscriber = store.subscribers.get(name)
    return {**full(subscriber), "keys": full(store.keys.list(subscriber=name))}


@router.get("/subscribers", responses=problems.responses(*COMMON))
def list_subscribers(request: Request) -> Response:
    """Every subscriber, by name."""
    return _json(_store(request).subscribers.list())


@router.post(
    "/subscribers",
    status_code=201,
    responses=problems.responses(*COMMON, 400, 409, 413, 422),
    openapi_extra=_body_doc(SubscriberBody, "A subscriber, as `newswire subscriber add` takes it."),
)
async def add_subscriber(request: Request) -> Response:
    """Add a subscriber receiving one or more products (201 with it)."""
    body = decode(await read_body(request, MAX_BODY), SubscriberBody)
    try:
        subscriber = check_subscriber(Subscriber(**msgspec.structs.asdict(body)))
        stored = await run_in_threadpool(_store(request).subscribers.add, subscriber)
    except NotFound as exc:
        raise _referenced(exc, _SUBSCRIBER_FIELDS) from None
    except BadInput as exc:
        exc.field = _SUBSCRIBER_FIELDS.get(exc.field or "", exc.field)
        raise
    href = f"/v1/admin/subscribers/{quote(stored.name, safe='')}"
    return _json(stored, 201, {"Location": href})


@router.put(
    "/subscribers/{name}",
    responses=problems.responses(*COMMON, 400, 404, 413, 422),
    openapi_extra=_body_doc(
        SubscriberBody, "The subscriber whole, as `newswire subscriber change` takes it."
    ),
)
async def change_subscriber(request: Request, name: str) -> Response:
    """Give a subscriber new products, formats and rate limit (its ``name`` the
    address's; its status and keys stay): its keys receive by them from their next
    request."""
    body = decode(await read_body(request, MAX_BODY), SubscriberBody)
    try:
        subscriber = check_subscriber(Subscriber(**msgspec.structs.asdict(body)))
        _named(subscriber.name, name)
        await run_in_threadpool(_store(request).subscribers.change, subscriber)
    except NotFound as exc:
        if exc.field == "subscriber":
            raise
        raise _referenced(exc, _SUBSCRIBER_FIELDS) from None
    except BadInput as exc:
        exc.field = _SUBSCRIBER_FIELDS.get(exc.field or "", exc.field)
        raise
    _forget_principals(request)
    return _json(await run_in_threadpool(_subscriber_json, _store(request), name))


@router.get("/subscribers/{name}", responses=problems.responses(*COMMON, 404))
def get_subscriber(request: Request, name: str) -> Response:
    """A subscriber and its keys (never their secrets)."""
    return _json(_subscriber_json(_store(request), name))


@router.delete("/subscribers/{name}", responses=problems.responses(*COMMON, 404))
async def remove_subscriber(request: Request, name: str) -> Response:
    """Remove a subscriber, revoke its keys and close its live streams; how many keys were
    revoked. Its usage counts stay (they are what it is billed for)."""
    hub = _hub(request)
    streams = hub.streams_of(subscriber=name)
    revoked = await run_in_threadpool(_store(request).subscribers.remove, name)
    _forget_principals(request)
    streams += hub.streams_of(subscriber=name)
    closed = hub.close_streams(streams, removed_reason(name))
    return _json({"name": name, "removed": True, "keys_revoked": revoked, "streams_closed": closed})


async def _set_status(request: Request, name: str, status: str) -> Response:
    store, hub = _store(request), _hub(request)
    streams = hub.streams_of(subscriber=name)
    await run_in_threadpool(store.subscribers.set_status, name, status)
    _forget_principals(request)
    closed = 0
    if status != "active":
        streams += hub.streams_of(subscriber=name)
        closed = hub.close_streams(streams, status_reason(name, status))
    body = await run_in_threadpool(_subscriber_json, store, name)
    return _json({**body, "streams_closed": closed})


@router.post("/subscribers/{name}/suspend", responses=problems.responses(*COMMON, 404))
async def suspend_subscriber(request: Request, name: str) -> Response:
    """Suspend a subscriber: its keys answer 403 and its live streams close, until it is
    activated again."""
    return await _set_status(request, name, "suspended")


@router.post("/subscribers/{name}/activate", responses=problems.responses(*COMMON, 404))
async def activate_subscriber(request: Request, name: str) -> Response:
    """Activate a suspended subscriber: its keys work again."""
    return await _set_status(request, name, "active")


# --- keys ---------------------------------------------------------------------------------


def check_owner(body: KeyBody) -> KeyBody:
    """Who a key belongs to, as ``newswire key create`` has it: a ``read`` key to a
    subscriber; a ``publish`` or ``admin`` key to the agency, named for what it is for."""
    scope = check_scope(body.scope)
    if scope == "read" and not body.subscriber:
        raise BadInput('a read key is for a subscriber: give "subscriber"', field="subscriber")
    if scope != "read" and body.subscriber:
        raise BadInput(
            f"{'an' if scope == 'admin' else 'a'} {scope} key belongs to the agency, not to a"
            ' subscriber: give "name" instead of "subscriber"',
            field="subscriber",
        )
    if scope != "read" and not body.name.strip():
        raise BadInput(
            f'say what the {scope} key is for with "name" (a desk, a system)', field="name"
        )
    if body.name:
        return msgspec.structs.replace(body, name=check_name(body.name))
    return body


@router.get("/keys", responses=problems.responses(*COMMON, 400, 404))
def list_keys(
    request: Request,
    subscriber: Annotated[
        str | None,
        # A name's shape: a value no name can have (a NUL, which PostgreSQL cannot even
        # compare) is the caller's 400 naming the parameter, not the store's error.
        Query(description="Only this subscriber's keys.", pattern=openapi.SUBSCRIBER),
    ] = None,
) -> Response:
    """Keys (never their secrets): id, scope, owner, created, last used, revoked."""
    store = _store(request)
    if subscriber is not None:
        store.subscribers.get(subscriber)  # 404, as /v1/webhooks: [] would read "it has none"
    return _json(store.keys.list(subscriber=subscriber))


@router.post(
    "/keys",
    status_code=201,
    responses=problems.responses(*COMMON, 400, 413, 422),
    openapi_extra=_body_doc(KeyBody, "The key's scope and owner.", **_KEY_OWNER),
)
async def create_key(request: Request) -> Response:
    """Create a key: 201 with the key itself in ``key``, shown this once (only its SHA-256
    hash is stored), and its ``id``, which names it from then on."""
    body = check_owner(decode(await read_body(request, MAX_BODY), KeyBody))
    key, key_id, key_hash = new_key()
    record = ApiKey(
        id=key_id,
        scope=check_scope(body.scope),  # check_owner checked it: now typed
        name=body.name.strip() or body.subscriber,
        subscriber=body.subscriber,
    )
    try:
        stored = await run_in_threadpool(_store(request).keys.add, record, key_hash)
    except NotFound as exc:
        raise _referenced(exc, {}) from None
    href = f"/v1/admin/keys/{key_id}"
    return _json({"key": key, **full(stored)}, 201, {"Location": href})


@router.get("/keys/{key_id}", responses=problems.responses(*COMMON, 404))
def get_key(request: Request, key_id: str) -> Response:
    """One key (never its secret)."""
    return _json(_store(request).keys.get(key_id))


@router.post("/keys/{key_id}/revoke", responses=problems.responses(*COMMON, 404))
async def revoke_key(request: Request, key_id: str) -> Response:
    """Revoke a key at once: it answers 401 from now on and its open streams end with an
    ``event: close`` saying why. Revoking a revoked key changes nothing."""
    hub = _hub(request)
    streams = hub.streams_of(key_id=key_id)
    stored = await run_in_threadpool(_store(request).keys.revoke, key_id)
    _forget_principals(request)
    streams += hub.streams_of(key_id=key_id)
    closed = hub.close_streams(streams, revoked_reason(key_id))
    return _json({**full(stored), "streams_closed": closed})

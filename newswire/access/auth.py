"""Who is asking: an API key turned into a principal, or a 401/403 saying why not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from newswire.access.entitlement import AGENCY
from newswire.access.keys import ApiKey, hash_key, key_id_of
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.errors import Forbidden, NewswireError, Unauthorized
from newswire.model import utcnow
from newswire.store import Store

# last_used_at is written at most this often per key, not on every request.
TOUCH_EVERY = timedelta(minutes=1)
# Which scopes may do what a scope allows: admin may do everything, publish may read.
IMPLIES = {"admin": {"admin", "publish", "read"}, "publish": {"publish", "read"}, "read": {"read"}}




class Principal(NamedTuple):
    key: ApiKey
    subscriber: Subscriber | None
    products: list[Product]
    """The subscriber's products (``[AGENCY]`` for the agency's own publish and admin keys)."""

    def require(self, scope: str) -> None:
        if scope not in IMPLIES[self.key.scope]:
            raise Forbidden(
                f"this {self.key.scope} key cannot do what needs the {scope} scope",
                field="Authorization",
            )


def bearer(header: str | None) -> str:
    """The key in an ``Authorization: Bearer <key>`` header."""
    if not header:
        raise Unauthorized("send an API key: Authorization: Bearer <key>", field="Authorization")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("the Authorization header is 'Bearer <key>'", field="Authorization")
    return key.strip()


def authenticate(
    store: Store,
    key: str,
    now: datetime | None = None,
    *,
    touch: Callable[[str, datetime], None] | None = None,
) -> Principal:
    """The principal of ``key``; ``Unauthorized`` or ``Forbidden`` naming the reason.

    The key's last use is recorded at most once every ``TOUCH_EVERY``: by ``touch(key id,
    when)`` if given (a caller gathering them to write in batches), else in the store."""
    if key_id_of(key) is None:
        raise Unauthorized("not a newswire API key", field="Authorization")
    record = store.keys.by_hash(hash_key(key))
    if record is None:
        raise Unauthorized("unknown API key", field="Authorization")
    principal = principal_of(store, record)
    now = now or utcnow()
    if record.last_used_at is None or now - record.last_used_at >= TOUCH_EVERY:
        (touch or store.keys.touch)(record.id, now)
    return principal


def principal_of(store: Store, record: ApiKey, field: str = "Authorization") -> Principal:
    """The principal of a stored key: ``Unauthorized`` when it was revoked, ``Forbidden``
    when its subscriber is not active (``field`` names where the key came from)."""
    if record.revoked_at is not None:
        raise Unauthorized(f"API key {record.id} was revoked", field=field)
    subscriber, products = None, [AGENCY]
    if record.subscriber:
        subscriber = store.subscribers.get(record.subscriber)
        if subscriber.status != "active":
            raise Forbidden(f"subscriber {subscriber.name} is {subscriber.status}", field=field)
        products = [store.products.get(name) for name in subscriber.products]
    return Principal(record, subscriber, products)


def still_valid(store: Store, key_id: str) -> str | None:
    """Why the key ``key_id`` no longer works (revoked, subscriber suspended or removed);
    None while it still does. A logged-in session's principal (``session:<id>``) is
    judged by its session (``newswire.access.accounts``)."""
    found = access_of(store, key_id)
    return found if isinstance(found, str) else None


def revoked_reason(key_id: str) -> str:
    """Why a stream of the revoked key ``key_id`` ended (the hub's check and the admin
    action that revoked it say the same)."""
    return f"API key {key_id} was revoked"


def removed_reason(subscriber: str) -> str:
    """Why a stream of a key of the removed ``subscriber`` ended."""
    return f"subscriber {subscriber} was removed"


def status_reason(subscriber: str, status: str) -> str:
    """Why a stream of a key of ``subscriber``, no longer active, ended."""
    return f"subscriber {subscriber} is {status}"


def access_of(store: Store, key_id: str, subscriber: str = "") -> Principal | str:
    """The principal the key ``key_id`` (or logged-in session, ``session:<id>``) gives
    now, with the products its subscriber has now; or why it gives none any more.
    ``subscriber``: the key's subscriber when it was last known to work (a stream's), since
    a removed subscriber's keys are revoked and no longer name it."""
    if key_id.startswith("session:"):
        from newswire.access.accounts import session_access

        return session_access(store, key_id)
    try:
        record = store.keys.get(key_id)
    except NewswireError:
        return f"API key {key_id} no longer exists"
    # The subscriber first: removing one revokes its keys too, and a stream of such a key
    # ends for the removal, the reason the admin action gives it (and counts it by).
    if name := record.subscriber or subscriber:
        try:
            found = store.subscribers.get(name)
        except NewswireError:
            return removed_reason(name)
        if found.status != "active":
            return status_reason(found.name, found.status)
    if record.revoked_at is not None:
        return revoked_reason(record.id)
    try:
        return principal_of(store, record)
    except NewswireError as exc:  # changed again since (a product removed meanwhile)
        return exc.detail

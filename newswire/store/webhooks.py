"""The webhook contract: endpoints and their outbox of deliveries (``store.webhooks``).

The outbox is the source of truth for webhook delivery: the worker (``newswire.delivery
.webhooks``) keeps nothing it could not rebuild from it, so a restart, a crash or a second
server on the same store neither loses nor duplicates a delivery. The types here are what
the layers above handle; every backend returns them.

Times are kept to the millisecond (``stamp``): retry delays can be shorter than a second,
and fixed-width text compares in time order.
"""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal, NamedTuple, Protocol, TypeAlias

import msgspec

DeliveryStatus = Literal["pending", "delivered", "failed", "superseded"]
STATUSES: tuple[str, ...] = ("pending", "delivered", "failed", "superseded")
FINISHED: tuple[str, ...] = ("delivered", "failed", "superseded")
"""The statuses a delivery ends in: what ``Webhooks.purge`` removes once old enough."""

EARLIER_PENDING = (
    "EXISTS (SELECT 1 FROM deliveries e WHERE e.webhook = {d}.webhook"
    " AND e.item_id = {d}.item_id AND e.status = 'pending' AND e.seq < {d}.seq)"
)
"""SQL: the delivery ``{d}`` waits for an earlier log entry of its item to the same
endpoint (the ``deliveries_item`` index finds it)."""
LATER_DELIVERED = (
    "EXISTS (SELECT 1 FROM deliveries e WHERE e.webhook = {d}.webhook"
    " AND e.item_id = {d}.item_id AND e.status = 'delivered' AND e.seq > {d}.seq)"
)
"""SQL: the endpoint already has a later log entry of the delivery ``{d}``'s item: sent
now, ``{d}`` would overwrite a correction or undo a withdrawal (it is superseded)."""
ENDPOINT_ACTIVE = "EXISTS (SELECT 1 FROM webhooks w WHERE w.id = {d}.webhook AND w.active)"
"""SQL: the delivery ``{d}``'s endpoint is sent to (not disabled: ``Webhooks.disable``)."""
PURGE_BATCH = 5_000
MAX_REASON = 200
"""Characters of a disabled endpoint's reason kept at most (``Webhooks.disable``)."""


class Webhook(msgspec.Struct, kw_only=True):
    id: str
    subscriber: str
    url: str
    secret: str
    format: str
    cursor: int
    """The last log entry this endpoint's deliveries were enqueued from."""
    created_at: datetime
    active: bool = True
    """Whether it is sent to. A disabled endpoint (its receiver answered ``410 Gone``) is
    sent nothing and has nothing enqueued: its cursor stays, so that once enabled it gets
    what was published meanwhile from there, in order."""
    disabled_at: datetime | None = None
    """When it was disabled (None while active)."""
    disabled_status: int | None = None
    """The HTTP status that disabled it (410), None while active."""
    disabled_reason: str | None = None
    """Why it was disabled, in a few words (the receiver's answer), None while active."""


Access: TypeAlias = Literal["full", "teaser"]
"""What a subscriber gets of an item (``newswire.access.entitlement.Access``)."""


class Delivery(msgspec.Struct, kw_only=True):
    id: str
    webhook: str
    subscriber: str
    seq: int
    item_id: str
    version: int
    kind: str
    access: Access
    product: str
    priority: int
    """0 for flash (urgency 1) items, 1 for the others: flash goes first among the waiting."""
    status: str
    attempts: int
    next_attempt_at: datetime
    first_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class Outgoing(NamedTuple):
    """A delivery to enqueue: one log entry for one endpoint, as its subscriber gets it."""

    seq: int
    item_id: str
    version: int
    kind: str
    access: Access
    product: str
    priority: int


class Advance(NamedTuple):
    """Move ``webhook``'s cursor from ``start`` to ``end``, enqueuing ``rows``."""

    webhook: str
    start: int
    end: int
    rows: list[Outgoing]


class Target(NamedTuple):
    """Where and how the head delivery of an endpoint goes."""

    delivery: Delivery
    url: str
    secret: str
    format: str


def stamp(moment: datetime) -> str:
    """``2025-03-01T12:00:00.250Z``: UTC to the millisecond, fixed width."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now() -> datetime:
    return datetime.now(UTC)


def enqueued(move: Advance, created: str) -> builtins.list[tuple[object, ...]]:
    """The deliveries ``move`` enqueues, each a row of ``(id, webhook, seq, item_id, version,
    kind, access, product, priority, next_attempt_at, created_at)``: a new id, due at once
    (``created``, a ``stamp``)."""
    return [
        ("dl_" + secrets.token_hex(8), move.webhook, *row, created, created) for row in move.rows
    ]


class Webhooks(Protocol):
    """Webhook endpoints and the outbox of their deliveries.

    Contract, for every backend:

    - an endpoint's ``cursor`` and the deliveries enqueued from the log move together,
      atomically, and only if the cursor is still where the enqueuer read it
      (``advance``): two enqueuers never add the same entry twice;
    - a delivery is *claimed* before it is sent (``claim``): its attempt is counted and
      its ``next_attempt_at`` pushed past the attempt's deadline, so no other sender takes
      it meanwhile, and one that dies mid-send is taken up again once that lease runs out;
    - the outcome of an attempt is written only if the delivery was not redelivered or
      removed meanwhile (``succeeded``/``failed`` check the attempt number they claimed,
      and say False when it changed);
    - an item's log entries reach an endpoint in sequence order, whatever their priority:
      a delivery is not sent while an earlier one of the same item to the same endpoint
      is pending, and one older than a delivery of its item the endpoint already got is
      never sent: it is ``superseded`` (``head``, ``claim``, ``redeliver``). A receiver's
      copy of an item is never taken back to an older version by what newswire sends.
    - a disabled endpoint (``active`` False: ``disable``) is sent nothing (``head`` has
      nothing for it, ``claim`` takes none of its deliveries) and has nothing enqueued
      (``active`` leaves it out, ``advance`` does not move its cursor), until ``enable``;
      its pending deliveries stay pending meanwhile: nothing is lost.

    Missing endpoints, deliveries and subscribers raise ``NotFound``. Webhooks do not move
    the ``access`` generation.
    """

    def add(self, subscriber: str, url: str, secret: str, fmt: str) -> Webhook:
        """Register an endpoint of ``subscriber`` (``NotFound`` if there is none). It starts
        at the end of the log: it receives what is published after it was registered, not
        the whole archive."""
        ...

    def get(self, webhook_id: str) -> Webhook:
        """The endpoint ``webhook_id``; ``NotFound`` if there is none."""
        ...

    def list(self, subscriber: str | None = None) -> builtins.list[Webhook]:
        """The endpoints (of ``subscriber``, or all), oldest first."""
        ...

    def active(self) -> builtins.list[Webhook]:
        """The endpoints the worker sends to (not the disabled ones), by id."""
        ...

    def disable(
        self,
        webhook_id: str,
        delivery_id: str,
        attempt: int,
        status: int,
        reason: str,
        at: datetime,
    ) -> bool:
        """The receiver said the endpoint is gone (HTTP 410): in one transaction, disable
        it (``disabled_at`` ``at``, ``disabled_status`` ``status``, ``reason`` cut to
        ``MAX_REASON`` characters) and record the claimed ``attempt`` of ``delivery_id``
        as failed with that status, the delivery staying *pending*, due again at ``at``
        with a fresh retry window (it is the first sent when the endpoint is enabled).
        The attempt is recorded only if the delivery did not change since it was claimed;
        the endpoint is disabled all the same. True when this call disabled it; False
        when it was disabled already (another sender heard the same) or removed."""
        ...

    def enable(self, webhook_id: str) -> Webhook:
        """Send to a disabled endpoint again (an active one is left as it is): its pending
        deliveries go out first, then what was published since its cursor, in order, as
        for any endpoint that was down. Returns it; ``NotFound`` if there is none."""
        ...

    def remove(self, webhook_id: str) -> None:
        """Remove an endpoint and its deliveries, atomically (nothing more is sent to it);
        ``NotFound`` if there is none."""
        ...

    def advance(self, moves: Iterable[Advance]) -> dict[str, int]:
        """Enqueue each endpoint's rows and move its cursor, all in one transaction.

        An endpoint whose cursor is no longer at ``start`` (another process enqueued
        meanwhile), or that was disabled since it was read, is left alone; but a move with
        no rows moves a disabled endpoint's cursor too (what its subscriber is not to
        get: published while it is suspended, ``WebhookWorker._round``). A row already
        enqueued for an endpoint (same log entry) is not added again. Returns webhook id
        -> deliveries added, for the endpoints that moved.
        """
        ...

    def due(self, at: datetime) -> set[str]:
        """Active endpoints with a pending delivery due by ``at`` (for the worker's poll):
        not a disabled one, whose kept delivery waits for it to be enabled (the worker
        would ask for its head every poll, and be told there is none)."""
        ...

    def backlog(self) -> tuple[int, datetime | None]:
        """How many deliveries are pending (waiting, failing and retried, or in flight,
        or held by a disabled endpoint), and the earliest time one of an active endpoint
        is due (None: none is): a disabled endpoint's are not overdue, nobody is to send
        them. Reads of the index on (status, next_attempt_at): ``/metrics`` asks at
        every scrape."""
        ...

    def head(self, webhook_id: str) -> Target | None:
        """The delivery an endpoint must send next, or None when it has nothing to send
        (none pending, or it is disabled).

        A delivery already attempted (failing, or in flight) comes first: it blocks the
        endpoint's later ones. Otherwise flash items (priority 0) before the others, each
        in sequence order; a delivery waits while an earlier one of its item is pending.
        """
        ...

    def claim(self, delivery: Delivery, at: datetime, lease_until: datetime) -> bool:
        """Take ``delivery`` for one attempt, leased until ``lease_until``; False when
        someone else did, it changed since it was read (compare and set, atomic), its
        endpoint was disabled, an earlier delivery of its item to the endpoint is pending
        again, or a later one was delivered: then it is marked ``superseded`` and never
        sent."""
        ...

    def release(self, delivery_id: str, attempt: int) -> None:
        """Give back a claimed attempt that never finished (the server is stopping): it is
        due again at once, its attempt not counted."""
        ...

    def succeeded(self, delivery_id: str, attempt: int, status: int, at: datetime) -> bool:
        """Mark the claimed ``attempt`` delivered; False when the delivery changed since."""
        ...

    def failed(
        self,
        delivery_id: str,
        attempt: int,
        status: int | None,
        error: str,
        retry_at: datetime | None,
    ) -> bool:
        """Record a failed attempt: retried at ``retry_at``, or a dead letter (status
        ``failed``) when None; False when the delivery changed since it was claimed."""
        ...

    def delivery(self, delivery_id: str) -> Delivery:
        """The delivery ``delivery_id``; ``NotFound`` if there is none."""
        ...

    def deliveries(
        self,
        *,
        subscriber: str | None = None,
        webhook: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> builtins.list[Delivery]:
        """Deliveries, the most recent log entries first, filtered by what is given."""
        ...

    def redeliver(self, delivery_id: str) -> Delivery:
        """Put a delivery back in its endpoint's queue: pending, never attempted, due now;
        ``NotFound`` if there is none.

        It goes out in its place in sequence order among the endpoint's waiting deliveries,
        with a fresh retry window. One older than a delivery of its item the endpoint got
        since is not: it is marked ``superseded`` (and returned so).
        """
        ...

    def purge(self, before: datetime) -> int:
        """Remove the deliveries that were delivered or given up (dead letters) before
        ``before``, a batch of ``PURGE_BATCH`` at a time (each its own transaction, so a
        first purge of a large outbox never holds the database for long); returns how many.
        A pending delivery is never removed, however old. A finished delivery's time is
        its ``next_attempt_at``: the end of the lease of its last attempt, within the
        webhook timeout of when it was delivered or given up (the ``(status,
        next_attempt_at)`` index finds them)."""
        ...

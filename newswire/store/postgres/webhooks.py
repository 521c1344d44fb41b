"""Webhook endpoints and their outbox of deliveries in PostgreSQL (``newswire.store.webhooks``
is the contract: the outbox is the source of truth of webhook delivery).

The SQLite store's statements, safe here with several nodes working the same outbox at
once, PostgreSQL's READ COMMITTED rechecking a conditional UPDATE's WHERE against the row
as the transaction that held it left it:

- ``advance`` moves a cursor only from where the enqueuer read it (``WHERE cursor =
  start``): of two nodes advancing one endpoint, the second finds it moved and enqueues
  nothing; ``UNIQUE (webhook, seq)`` with ``ON CONFLICT DO NOTHING`` keeps an entry from
  being enqueued twice whatever happens;
- ``claim`` is one conditional UPDATE (status, attempt number and due time as read):
  one node's claim changes the row, the other's then matches nothing (rowcount 0);
- ``succeeded``/``failed`` write only the attempt they claimed;
- a claim also checks, in its UPDATE, that no earlier delivery of the item to the
  endpoint is pending and that no later one was delivered (then the row is marked
  ``superseded``): an item's versions reach an endpoint in order whichever node sends.

Times are fixed-width text to the millisecond (``stamp``), as in the SQLite store.
"""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Iterable
from datetime import datetime

from newswire.errors import NotFound
from newswire.store.base import Args, Row, time_at
from newswire.store.postgres.database import Database, nameable, present
from newswire.store.rows import (
    DELIVERY_COLUMNS,
    WEBHOOK_COLUMNS,
    deliveries_where,
    delivery_of,
    webhook_of,
)

# The contract types; with issue 12's rename they are imported from newswire.store.webhooks.
from newswire.store.webhooks import (
    EARLIER_PENDING,
    ENDPOINT_ACTIVE,
    FINISHED,
    LATER_DELIVERED,
    MAX_REASON,
    PURGE_BATCH,
    Advance,
    Delivery,
    Target,
    Webhook,
    enqueued,
    now,
    stamp,
)


class PostgresWebhooks:
    """The webhook tables of one PostgreSQL store, on its pool."""

    def __init__(self, db: Database):
        self._db = db

    def _read(self, sql: str, args: Args = ()) -> list[Row]:
        return self._db.rows(sql, args)

    # --- endpoints ---------------------------------------------------------------------

    def add(self, subscriber: str, url: str, secret: str, fmt: str) -> Webhook:
        """Register an endpoint. It starts at the end of the log: it receives what is
        published after it was registered, not the whole archive."""
        webhook_id = "wh_" + secrets.token_hex(8)
        created = now()
        with self._db.transaction() as cur:
            if not cur.execute(
                "SELECT 1 FROM subscribers WHERE name = %s", (subscriber,)
            ).fetchone():
                raise NotFound(f"no subscriber {subscriber!r}", field="subscriber")
            (cursor,) = present(cur.execute("SELECT value FROM log_sequence").fetchone())
            cur.execute(
                "INSERT INTO webhooks (id, subscriber, url, secret, format, cursor, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (webhook_id, subscriber, url, secret, fmt, cursor, stamp(created)),
            )
        return self.get(webhook_id)

    def get(self, webhook_id: str) -> Webhook:
        rows = (
            self._read(f"SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = %s", (webhook_id,))
            if nameable(webhook_id)
            else []
        )
        if not rows:
            raise NotFound(f"no webhook {webhook_id!r}", field="webhook")
        return webhook_of(rows[0])

    def list(self, subscriber: str | None = None) -> list[Webhook]:
        where, args = ("WHERE subscriber = %s", (subscriber,)) if subscriber else ("", ())
        return [
            webhook_of(r)
            for r in self._read(
                f"SELECT {WEBHOOK_COLUMNS} FROM webhooks {where} ORDER BY created_at, id", args
            )
        ]

    def active(self) -> builtins.list[Webhook]:
        return [
            webhook_of(r)
            for r in self._read(
                f"SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE active ORDER BY id"
            )
        ]

    def disable(
        self,
        webhook_id: str,
        delivery_id: str,
        attempt: int,
        status: int,
        reason: str,
        at: datetime,
    ) -> bool:
        """The receiver said the endpoint is gone: disable it, and record the claimed
        attempt, the delivery staying pending (due at ``at``, a fresh retry window for
        when the endpoint is enabled). True when this call disabled it."""
        reason = reason[:MAX_REASON]
        # The endpoint's row first, as ``remove`` (and its cascade) and ``advance`` take
        # them: two transactions never wait for each other's rows crosswise.
        with self._db.transaction() as cur:
            disabled = cur.execute(
                "UPDATE webhooks SET active = false, disabled_at = %s, disabled_status = %s,"
                " disabled_reason = %s WHERE id = %s AND active",
                (stamp(at), status, reason, webhook_id),
            ).rowcount
            cur.execute(
                "UPDATE deliveries SET next_attempt_at = %s, first_attempt_at = NULL,"
                " last_status = %s, last_error = %s"
                " WHERE id = %s AND webhook = %s AND status = 'pending' AND attempts = %s",
                (stamp(at), status, reason, delivery_id, webhook_id, attempt),
            )
        return bool(disabled)

    def enable(self, webhook_id: str) -> Webhook:
        """Send to the endpoint again: what it has pending, then what was published since
        its cursor."""
        with self._db.transaction() as cur:
            if not cur.execute(
                "UPDATE webhooks SET active = true, disabled_at = NULL, disabled_status = NULL,"
                " disabled_reason = NULL WHERE id = %s",
                (webhook_id,),
            ).rowcount:
                raise NotFound(f"no webhook {webhook_id!r}", field="webhook")
        return self.get(webhook_id)

    def remove(self, webhook_id: str) -> None:
        """Remove an endpoint and its deliveries (nothing more is sent to it)."""
        with self._db.transaction() as cur:
            if not cur.execute("DELETE FROM webhooks WHERE id = %s", (webhook_id,)).rowcount:
                raise NotFound(f"no webhook {webhook_id!r}", field="webhook")

    # --- the outbox: enqueuing ---------------------------------------------------------

    def advance(self, moves: Iterable[Advance]) -> dict[str, int]:
        """Enqueue each endpoint's rows and move its cursor, all in one transaction.

        An endpoint whose cursor is no longer at ``start`` (another process enqueued
        meanwhile) is left alone. Returns webhook id -> deliveries added, for the endpoints
        that moved.
        """
        created = stamp(now())
        moved: dict[str, int] = {}
        with self._db.transaction() as cur:
            # Endpoints' rows locked in one order by every node: two advancing at once
            # wait for each other rather than deadlock.
            for move in sorted(moves, key=lambda m: m.webhook):
                if not cur.execute(
                    "UPDATE webhooks SET cursor = %s WHERE id = %s AND cursor = %s"
                    " AND (active OR %s)",
                    (move.end, move.webhook, move.start, not move.rows),
                ).rowcount:
                    continue
                cur.executemany(
                    "INSERT INTO deliveries (id, webhook, seq, item_id, version, kind,"
                    " access, product, priority, status, attempts, next_attempt_at, created_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'pending', 0, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    enqueued(move, created),
                )
                moved[move.webhook] = len(move.rows)
        return moved

    def due(self, at: datetime) -> set[str]:
        """Endpoints with a pending delivery due by ``at`` (for the worker's poll)."""
        return {
            r[0]
            for r in self._read(
                "SELECT DISTINCT webhook FROM deliveries"
                " WHERE status = 'pending' AND next_attempt_at <= %s"
                f" AND {ENDPOINT_ACTIVE.format(d='deliveries')}",
                (stamp(at),),
            )
        }

    def backlog(self) -> tuple[int, datetime | None]:
        """Pending deliveries, and the earliest due of an active endpoint (the index on
        status, next_attempt_at)."""
        (count,) = self._read("SELECT count(*) FROM deliveries WHERE status = 'pending'")[0]
        # In due order, passing over the few a disabled endpoint holds (they wait for it).
        first = self._read(
            "SELECT next_attempt_at FROM deliveries WHERE status = 'pending'"
            f" AND {ENDPOINT_ACTIVE.format(d='deliveries')} ORDER BY next_attempt_at LIMIT 1"
        )
        return count, time_at(first[0][0]) if first else None

    # --- the outbox: sending -----------------------------------------------------------

    def head(self, webhook_id: str) -> Target | None:
        """The delivery an endpoint must send next, or None when it has nothing to send
        (none pending, or it is disabled).

        A delivery already attempted (failing, or in flight) comes first: it blocks the
        endpoint's later ones. Otherwise flash items (priority 0) before the others, each
        in sequence order; a delivery waits while an earlier one of its item is pending
        (a flash correction does not overtake the version it corrects).
        """
        rows = self._read(
            f"SELECT {DELIVERY_COLUMNS}, w.url, w.secret, w.format FROM deliveries d"
            " JOIN webhooks w ON w.id = d.webhook"
            " WHERE d.webhook = %s AND d.status = 'pending' AND w.active"
            f" AND NOT {EARLIER_PENDING.format(d='d')}"
            " ORDER BY d.attempts = 0, d.priority, d.seq LIMIT 1",
            (webhook_id,),
        )
        if not rows:
            return None
        *delivery, url, secret, fmt = rows[0]
        return Target(delivery_of(tuple(delivery)), url, secret, fmt)

    def claim(self, delivery: Delivery, at: datetime, lease_until: datetime) -> bool:
        """Take ``delivery`` for one attempt (False: someone else did, it changed, its
        endpoint is disabled, an earlier delivery of its item is pending, or it is
        superseded: marked so)."""
        unchanged = (
            " WHERE id = %s AND status = 'pending' AND attempts = %s AND next_attempt_at = %s"
        )
        read = (delivery.id, delivery.attempts, stamp(delivery.next_attempt_at))
        with self._db.transaction() as cur:
            if cur.execute(
                "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = %s,"
                " first_attempt_at = coalesce(first_attempt_at, %s)"
                f"{unchanged} AND {ENDPOINT_ACTIVE.format(d='deliveries')}"
                f" AND NOT {EARLIER_PENDING.format(d='deliveries')}"
                f" AND NOT {LATER_DELIVERED.format(d='deliveries')}",
                (stamp(lease_until), stamp(at), *read),
            ).rowcount:
                return True
            cur.execute(
                "UPDATE deliveries SET status = 'superseded', next_attempt_at = %s"
                f"{unchanged} AND {LATER_DELIVERED.format(d='deliveries')}",
                (stamp(at), *read),
            )
            return False

    def release(self, delivery_id: str, attempt: int) -> None:
        """Give back a claimed attempt that never finished (the server is stopping)."""
        with self._db.transaction() as cur:
            cur.execute(
                "UPDATE deliveries SET attempts = attempts - 1, next_attempt_at = %s,"
                " first_attempt_at = CASE WHEN attempts = 1 THEN NULL ELSE first_attempt_at END"
                " WHERE id = %s AND status = 'pending' AND attempts = %s",
                (stamp(now()), delivery_id, attempt),
            )

    def succeeded(self, delivery_id: str, attempt: int, status: int, at: datetime) -> bool:
        with self._db.transaction() as cur:
            return bool(
                cur.execute(
                    "UPDATE deliveries SET status = 'delivered', delivered_at = %s,"
                    " last_status = %s, last_error = NULL"
                    " WHERE id = %s AND status = 'pending' AND attempts = %s",
                    (stamp(at), status, delivery_id, attempt),
                ).rowcount
            )

    def failed(
        self,
        delivery_id: str,
        attempt: int,
        status: int | None,
        error: str,
        retry_at: datetime | None,
    ) -> bool:
        """Record a failed attempt: retried at ``retry_at``, or a dead letter when None."""
        with self._db.transaction() as cur:
            if retry_at is None:
                sql = "UPDATE deliveries SET status = 'failed', last_status = %s, last_error = %s"
                args: Args = (status, error[:1000])
            else:
                sql = "UPDATE deliveries SET next_attempt_at = %s, last_status = %s, last_error = %s"
                args = (stamp(retry_at), status, error[:1000])
            return bool(
                cur.execute(
                    f"{sql} WHERE id = %s AND status = 'pending' AND attempts = %s",
                    (*args, delivery_id, attempt),
                ).rowcount
            )

    # --- the outbox: reading and redelivering -----------------------------------------

    def delivery(self, delivery_id: str) -> Delivery:
        rows = (
            self._read(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN webhooks w ON w.id = d.webhook"
                " WHERE d.id = %s",
                (delivery_id,),
            )
            if nameable(delivery_id)
            else []
        )
        if not rows:
            raise NotFound(f"no delivery {delivery_id!r}", field="delivery")
        return delivery_of(rows[0])

    def deliveries(
        self,
        *,
        subscriber: str | None = None,
        webhook: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> builtins.list[Delivery]:
        """Deliveries, the most recent log entries first."""
        clause, args = deliveries_where(subscriber, webhook, status, "%s")
        return [
            delivery_of(r)
            for r in self._read(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN webhooks w"
                f" ON w.id = d.webhook {clause} ORDER BY d.seq DESC, d.id LIMIT %s",
                (*args, limit),
            )
        ]

    def redeliver(self, delivery_id: str) -> Delivery:
        """Put a delivery back in its endpoint's queue: pending, never attempted, due now.

        It goes out in its place in sequence order among the endpoint's waiting deliveries,
        with a fresh retry window. One older than a delivery of its item the endpoint got
        since is marked superseded instead: sent, it would take the receiver's copy back.
        """
        with self._db.transaction() as cur:
            if not cur.execute(
                "UPDATE deliveries SET status = 'superseded', next_attempt_at = %s"
                f" WHERE id = %s AND {LATER_DELIVERED.format(d='deliveries')}",
                (stamp(now()), delivery_id),
            ).rowcount and not cur.execute(
                "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = %s,"
                " first_attempt_at = NULL, delivered_at = NULL WHERE id = %s",
                (stamp(now()), delivery_id),
            ).rowcount:
                raise NotFound(f"no delivery {delivery_id!r}", field="delivery")
        return self.delivery(delivery_id)

    def purge(self, before: datetime) -> int:
        """Remove the deliveries delivered or given up before ``before`` (never a pending
        one), a batch at a time; returns how many."""
        removed = 0
        for status in FINISHED:
            while True:
                with self._db.transaction() as cur:
                    gone = cur.execute(
                        "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries"
                        " WHERE status = %s AND next_attempt_at < %s LIMIT %s)",
                        (status, stamp(before), PURGE_BATCH),
                    ).rowcount
                removed += gone
                if gone < PURGE_BATCH:
                    break
        return removed

"""Copying a whole deployment from one store to another (``newswire migrate``).

Both backends keep the same tables with the same columns, so a deployment moves table by
table, row by row, as it is: every version keeps its sequence number (subscribers' cursors
and ``Last-Event-ID``s stay valid on the copy), every key keeps its hash, every webhook
its cursor and outbox. Rows travel in their *portable form*: the values the SQLite store
keeps (ISO 8601 text for times, 0/1 for flags, bytes for encoded documents, ``None``);
a backend that keeps another form converts on the way in and out.

Derived rows are copied too when making them again costs more than copying them: the
search index's documents (analysis), story threads' signatures (without them no new
item would link to the archive until it was enriched again) and the items' links
(``item_links``, which the store writes with each latest version: reading them again from
every latest version would parse the archive). The embargoes waiting are
not copied: the target's triggers make them again from the versions, lifts and items
copied, which is why ``items`` comes after both.

What is not copied: the access generation and the rate buckets (each deployment's own
counters, rebuilt as it runs), the migrations table (each backend its own scripts), and
PostgreSQL's ``blobs`` table: its rows name large objects of that database. Pictures' and
videos' files are copied from blob store to blob store after the tables
(``newswire.blobs.upkeep.copy``, which ``newswire migrate`` runs), not as rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from newswire.errors import Conflict
from newswire.store.base import Row


class Table(NamedTuple):
    name: str
    key: tuple[str, ...]
    """The primary key: rows are read in its order, and a row whose key the target
    already has is skipped (which is what makes an interrupted copy safe to run again)."""
    columns: tuple[str, ...]


# In the order a copy must go: a row's references are copied before it.
TABLES: tuple[Table, ...] = (
    Table("products", ("name",), ("name", "data")),
    Table("subscribers", ("name",), ("name", "status", "data")),
    Table("subscriber_products", ("subscriber", "product"), ("subscriber", "product")),
    Table(
        "api_keys",
        ("id",),
        ("id", "hash", "scope", "name", "subscriber", "created_at", "last_used_at", "revoked_at"),
    ),
    Table(
        "accounts",
        ("id",),
        (
            "id", "email", "password", "scope", "subscriber", "portal_admin", "lang",
            "created_at", "last_login_at",
        ),
    ),
    Table(
        "sessions",
        ("id",),
        ("id", "hash", "account", "csrf", "created_at", "last_seen_at", "expires_at"),
    ),
    Table(
        "topics",
        ("id",),
        ("id", "account", "name", "query", "lang", "subject", "urgency", "created_at"),
    ),
    Table(
        "versions",
        ("seq",),
        (
            "seq", "id", "version", "language", "headline", "pubstatus", "versioncreated",
            "embargo_until", "fingerprint", "stored_at", "data",
        ),
    ),
    Table("lifts", ("seq",), ("seq", "version_seq", "lifted_at")),
    Table(
        "items",
        ("id",),
        ("id", "latest_version", "latest_seq", "language", "updated_at"),
    ),
    Table(
        "item_links",
        ("target", "source_seq"),
        ("target", "source_seq", "source", "type", "rel"),
    ),
    Table(
        "webhooks",
        ("id",),
        (
            "id", "subscriber", "url", "secret", "format", "cursor", "active", "created_at",
            "disabled_at", "disabled_status", "disabled_reason",
        ),
    ),
    Table(
        "deliveries",
        ("id",),
        (
            "id", "webhook", "seq", "item_id", "version", "kind", "access", "product",
            "priority", "status", "attempts", "next_attempt_at", "last_status", "last_error",
            "created_at", "delivered_at", "first_attempt_at",
        ),
    ),
    Table(
        "usage",
        ("day", "subscriber", "channel", "product"),
        ("day", "subscriber", "channel", "product", "count"),
    ),
    Table("search_documents", ("seq", "recipe"), ("seq", "recipe", "fields")),
    Table("thread_signatures", ("key",), ("key", "item_id", "type", "signature")),
    Table("thread_bands", ("band", "key"), ("band", "key")),
    Table("secrets", ("name",), ("name", "value", "created_at")),
    Table("vocabulary", ("id",), ("id", "status", "merged_into", "data", "changed_at")),
)  # fmt: skip

BY_NAME = {t.name: t for t in TABLES}


class Transfer(Protocol):
    """A store's tables, whole, in the portable form (see the module's docstring).

    Contract, for every backend:

    - ``rows(table, after, limit)`` returns up to ``limit`` rows (tuples in
      ``table.columns`` order) whose key is greater than ``after`` (``None``: from the
      first), in key order.
    - ``put(table, rows)`` inserts the rows in one transaction, skipping every row whose
      key the table already holds (never updating it), and returns how many it added.
      Whatever the append-only rules refuse (changing a stored version) it never attempts.
    - ``count(table)`` is the number of rows; ``last(table)`` the row with the highest
      key (``None`` when the table is empty).
    - ``finish()`` is called once the copy is done: the store's sequence continues above
      every sequence number it now holds, so the next version stored gets a new one.
    """

    def rows(self, table: Table, after: tuple[object, ...] | None, limit: int) -> list[Row]: ...

    def put(self, table: Table, rows: Sequence[Row]) -> int: ...

    def count(self, table: Table) -> int: ...

    def last(self, table: Table) -> Row | None: ...

    def finish(self) -> None: ...


class Counted(NamedTuple):
    table: str
    source: int
    target: int
    added: int


BATCH = 2_000


def check_target(source: Transfer, target: Transfer) -> None:
    """Refuse a target that holds another deployment's items: copying into it would give
    two different versions one sequence number. A target holding a part of this very
    source (an interrupted copy) is fine."""
    versions = BY_NAME["versions"]
    theirs = target.last(versions)
    if theirs is None:
        return
    ours = source.rows(versions, (theirs[0] - 1,), 1)
    if not ours or ours[0][:3] != theirs[:3]:
        raise Conflict(
            f"the target already holds other items (its version seq {theirs[0]} is "
            f"{theirs[1]}@{theirs[2]}, not the source's): migrate into an empty database",
            field="target",
        )


def copy(
    source: Transfer,
    target: Transfer,
    *,
    on_table: Callable[[Table, int], None] = lambda table, total: None,
    on_rows: Callable[[Table, int], None] = lambda table, n: None,
    batch: int = BATCH,
) -> list[Counted]:
    """Copy every table of ``source`` into ``target``; the counts of both sides after.

    ``on_table(table, rows_in_source)`` is called as each table starts and
    ``on_rows(table, n)`` after each batch (a progress bar's hooks).
    """
    check_target(source, target)
    added: dict[str, int] = {}
    for table in TABLES:
        on_table(table, source.count(table))
        after: Row | None = None
        added[table.name] = 0
        while True:
            rows = source.rows(table, after, batch)
            if not rows:
                break
            added[table.name] += target.put(table, rows)
            on_rows(table, len(rows))
            last = rows[-1]
            after = tuple(last[table.columns.index(k)] for k in table.key)
    target.finish()
    return [Counted(t.name, source.count(t), target.count(t), added[t.name]) for t in TABLES]

"""``newswire migrate SOURCE_URL TARGET_URL``: a whole deployment from one store to another
(SQLite to PostgreSQL or back), every table as it is (``newswire.store.transfer``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from newswire.cli.common import err, fail, print_rows, progress
from newswire.errors import NewswireError
from newswire.store import Store, open_store
from newswire.store.transfer import copy

if TYPE_CHECKING:
    from rich.progress import TaskID

    from newswire.store.transfer import Table


def migrate(
    source: Annotated[
        str,
        typer.Argument(
            metavar="SOURCE_URL", help="The store to copy, e.g. sqlite:///./newswire.db"
        ),
    ],
    target: Annotated[
        str,
        typer.Argument(
            metavar="TARGET_URL",
            help="The store to copy into, e.g. postgresql://127.0.0.1/newswire",
        ),
    ],
) -> None:
    """Copy a whole deployment (every version with its sequence number, embargo lifts,
    products, subscribers, keys, accounts, topics, webhooks and their outbox, usage) into
    another store. Stop writing to the source first. Safe to run again: what the target
    already has is skipped. Prints the counts of both sides."""
    if source == target:
        raise fail("SOURCE_URL and TARGET_URL are the same store", 2)
    stores: list[Store] = []
    try:
        try:
            stores.append(open_store(source, create=False))
            stores.append(open_store(target))
        except NewswireError as exc:
            raise fail(str(exc), 2) from None
        from_, to = stores
        with progress() as bar:
            tasks: dict[str, TaskID] = {}

            def on_table(table: Table, total: int) -> None:
                tasks[table.name] = bar.add_task(table.name, total=total)

            def on_rows(table: Table, n: int) -> None:
                bar.advance(tasks[table.name], n)

            counts = copy(from_.transfer, to.transfer, on_table=on_table, on_rows=on_rows)
    except NewswireError as exc:
        raise fail(str(exc)) from None
    finally:
        for store in stores:
            store.close()
    print_rows(
        ("table", "source", "target", "added"),
        [(c.table, str(c.source), str(c.target), str(c.added)) for c in counts],
    )
    short = [c.table for c in counts if c.target < c.source]
    if short:
        raise fail(f"the target holds fewer rows than the source in: {', '.join(short)}")
    err.print(f"copied {source} to {target}", highlight=False)

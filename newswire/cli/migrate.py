"""``newswire migrate SOURCE_URL TARGET_URL``: a whole deployment from one store to another
(SQLite to PostgreSQL or back), every table as it is (``newswire.store.transfer``), then
the blobs its items refer to, from the source's blob store to the target's
(``newswire.blobs.upkeep``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from newswire.blobs import Blobs, blobs_for, upkeep
from newswire.cli.common import err, fail, print_rows, progress
from newswire.errors import NewswireError
from newswire.settings import without_password
from newswire.store import Store, open_store
from newswire.store.transfer import check_target, copy

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
    source_blobs: Annotated[
        str,
        typer.Option(
            "--source-blobs",
            metavar="URL",
            help="The source's blob store when it is not the store's own (its `blobs`"
            " setting, e.g. file:///srv/newswire/blobs).",
        ),
    ] = "",
    target_blobs: Annotated[
        str,
        typer.Option(
            "--target-blobs",
            metavar="URL",
            help="The target's blob store when it is not the store's own.",
        ),
    ] = "",
) -> None:
    """Copy a whole deployment (every version with its sequence number, embargo lifts,
    products, subscribers, keys, accounts, topics, webhooks and their outbox, usage) into
    another store, then every picture's and video's files its versions refer to into the
    target's blob store. Stop writing to the source first. Safe to run again: what the
    target already has is skipped. Prints the counts of both sides."""
    if source == target:
        raise fail("SOURCE_URL and TARGET_URL are the same store", 2)
    stores: list[Store] = []
    blobs: list[Blobs] = []
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

            try:
                check_target(from_.transfer, to.transfer)
            except NewswireError as exc:  # before any row: nothing to complete
                raise fail(f"{target}: {exc}; nothing was copied") from None
            try:
                counts = copy(from_.transfer, to.transfer, on_table=on_table, on_rows=on_rows)
            except NewswireError as exc:
                # Each batch of rows is its own transaction and a row the target holds is
                # skipped: what was copied is whole, and the same command completes it.
                raise fail(
                    f"copying into {target} stopped: {exc}; the rows copied so far are"
                    " kept, and running the command again completes the copy"
                ) from None
            keys = upkeep.referenced(from_.transfer)
            files = upkeep.Copied(0, 0, 0, 0, [])
            if keys:  # a deployment of text alone needs no blob store opened
                try:
                    blobs.append(blobs_for(source, source_blobs))
                    blobs.append(blobs_for(target, target_blobs))
                except NewswireError as exc:
                    raise fail(str(exc), 2) from None
                task = bar.add_task("blobs", total=len(keys))
                files = upkeep.copy(
                    keys, blobs[0], blobs[1], on_blob=lambda key: bar.advance(task)
                )
    except NewswireError as exc:
        raise fail(str(exc)) from None
    finally:
        for store in stores:
            store.close()
        for each in blobs:
            each.close()
    print_rows(
        ("table", "source", "target", "added"),
        [(c.table, str(c.source), str(c.target), str(c.added)) for c in counts],
    )
    err.print(
        f"blobs: {files.referenced} referenced, {files.copied} copied"
        f" ({files.bytes / 1e6:.1f} MB), {files.present} already in the target,"
        f" {len(files.missing)} missing from the source",
        highlight=False,
    )
    short = [c.table for c in counts if c.target < c.source]
    if short:
        raise fail(f"the target holds fewer rows than the source in: {', '.join(short)}")
    if files.missing:
        shown = ", ".join(files.missing[:5]) + (", ..." if len(files.missing) > 5 else "")
        raise fail(
            f"{len(files.missing)} blobs the items refer to are not in the source's blob"
            f" store (or no longer match their key): {shown}; give --source-blobs if its"
            " blobs are kept elsewhere"
        )
    err.print(  # their passwords not printed (a log, a terminal shared)
        f"copied {without_password(source)} to {without_password(target)}", highlight=False
    )

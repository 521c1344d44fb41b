"""``newswire usage``: deliveries to subscribers by day, channel and product.

It reads the store's ``usage`` table, as ``GET /v1/usage`` does, so an operator can see
(and bill) usage without a running server or an admin key. A running server writes its
counts every 2 s: the last seconds of a live server may not be in the table yet.
"""

from __future__ import annotations

import sys
from typing import Annotated

import msgspec
import typer

from newswire.cli.common import DB_DEFAULT, DbOption, err, fail, print_rows, with_store
from newswire.errors import NewswireError
from newswire.store import Store


def usage(
    subscriber: Annotated[str | None, typer.Option(help="Only this subscriber.")] = None,
    since: Annotated[
        str | None, typer.Option("--from", help="First day, YYYY-MM-DD (UTC), included.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (UTC), included.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON rows and totals, as GET /v1/usage gives.")
    ] = False,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Deliveries by day, subscriber, channel (feed, stream, ws, webhook, item) and product."""
    from newswire.delivery.usage import check_range, parse_day, report

    try:
        day_from, day_to = parse_day(since, "--from"), parse_day(until, "--to")
        check_range(day_from, day_to, "--from")
    except NewswireError as exc:
        raise fail(str(exc), 2) from None

    def run(store: Store) -> None:
        if subscriber:
            store.subscribers.get(subscriber)  # as GET /v1/usage: 404, not 0 deliveries
        rows = store.usage.report(subscriber, day_from, day_to)
        if as_json:
            doc = report(rows, since=day_from, until=day_to, subscriber=subscriber)
            sys.stdout.buffer.write(msgspec.json.format(msgspec.json.encode(doc), indent=2) + b"\n")
            return
        print_rows(
            ("day", "subscriber", "channel", "product", "count"),
            [(day, sub, channel, product, str(n)) for day, sub, channel, product, n in rows],
        )
        total = sum(row[-1] for row in rows)
        err.print(f"{total} deliveries in {len(rows)} rows", highlight=False)

    with_store(db, run, create=False)

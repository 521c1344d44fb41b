"""Usage reports as both ``GET /v1/usage`` and ``newswire usage`` give them: the days
asked for, checked, and the store's rows with their totals. Kept out of the HTTP layer so
that the command does not load FastAPI to print a table."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

from newswire.errors import BadInput, Unprocessable

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
COLUMNS = ("day", "subscriber", "channel", "product", "count")


def parse_day(text: str | None, field: str) -> str | None:
    """A ``YYYY-MM-DD`` day (UTC, as the meter counts) or None; ``BadInput`` naming
    ``field`` otherwise. Strict: ``2024-1-5`` or a time would compare wrongly as text."""
    if text is None or text == "":
        return None
    try:
        if not _DAY.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise BadInput(f"{text[:40]!r} is not a day: give YYYY-MM-DD", field=field) from None


def check_range(since: str | None, until: str | None, since_field: str = "from") -> None:
    if since and until and since > until:
        raise Unprocessable(f"{since} is after {until}: give the earlier day first", field=since_field)


def report(
    rows: list[tuple[str, str, str, str, int]],
    *,
    since: str | None = None,
    until: str | None = None,
    subscriber: str | None = None,
) -> dict[str, Any]:
    """The rows as objects, and totals overall and by channel, product and subscriber:
    what both ``GET /v1/usage`` and ``newswire usage --json`` print."""
    by_channel: Counter[str] = Counter()
    by_product: Counter[str] = Counter()
    by_subscriber: Counter[str] = Counter()
    for _day, sub, channel, product, count in rows:
        by_channel[channel] += count
        by_product[product] += count
        by_subscriber[sub] += count
    return {
        "from": since,
        "to": until,
        "subscriber": subscriber,
        "rows": [dict(zip(COLUMNS, row, strict=True)) for row in rows],
        "totals": {
            "count": sum(by_channel.values()),
            "channels": dict(sorted(by_channel.items())),
            "products": dict(sorted(by_product.items())),
            "subscribers": dict(sorted(by_subscriber.items())),
        },
    }

"""Subscribers: who receives the wire, through which products."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

import msgspec

from newswire.errors import BadInput

Status = Literal["active", "suspended"]
STATUSES: tuple[str, ...] = ("active", "suspended")
DEFAULT_RATE_LIMIT = 600
"""Requests per minute a subscriber's keys may make together."""

_NAME = re.compile(r"[\w.-]{1,64}")


class Subscriber(msgspec.Struct, kw_only=True, omit_defaults=True):
    name: str
    products: list[str] = msgspec.field(default_factory=list)
    status: Status = "active"
    formats: list[str] = msgspec.field(default_factory=list)
    """Formats its keys may ask for; empty: every format."""
    rate_limit: int = DEFAULT_RATE_LIMIT
    created_at: datetime | None = None


def redefined(stored: Subscriber, new: Subscriber) -> Subscriber:
    """``stored`` given ``new``'s definition (products, formats, rate limit): what a change
    replaces. Its name, status and creation stay, and so its keys and accounts."""
    return msgspec.structs.replace(
        stored, products=new.products, formats=new.formats, rate_limit=new.rate_limit
    )


def check_name(name: str, what: str, field: str = "name") -> str:
    """Names of products and subscribers: 1-64 letters (any script), digits, - _ ."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise BadInput(
            f"a {what} name is 1 to 64 letters, digits, '-', '_' or '.', not {name!r}", field=field
        )
    return name


def check_subscriber(subscriber: Subscriber) -> Subscriber:
    check_name(subscriber.name, "subscriber")
    if not subscriber.products:
        raise BadInput("a subscriber needs at least one product", field="product")
    if subscriber.status not in STATUSES:
        raise BadInput(f"status is one of {', '.join(STATUSES)}", field="status")
    if not 1 <= subscriber.rate_limit <= 1_000_000:
        raise BadInput("the rate limit is 1 to 1,000,000 requests a minute", field="rate_limit")
    from newswire import formats

    for name in subscriber.formats:
        if name not in formats.renderers():
            raise BadInput(f"{name!r} is not a format newswire renders", field="format")
    # A product or format named twice is named once: the subscriber receives it once, and
    # its definition, listed and shown, says so.
    return msgspec.structs.replace(
        subscriber,
        products=list(dict.fromkeys(subscriber.products)),
        formats=list(dict.fromkeys(subscriber.formats)),
    )

"""What a subscriber receives of an item version: full text, teaser, or nothing (yet)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal, NamedTuple

from newswire.access.products import Product, matches
from newswire.model import NewsItem

Access = Literal["full", "teaser"]


class Grant(NamedTuple):
    access: Access
    embargoed: bool
    """Delivered before its embargo lifts (only through products that allow it), marked so."""
    product: str = ""
    """The product that gives this access (the first, by name, of the best ones)."""


def grant(
    products: Iterable[Product],
    item: NewsItem,
    now: datetime | None,
    *,
    content: NewsItem | None = None,
    embargoed: bool | None = None,
) -> Grant | None:
    """The best access any of ``products`` gives to ``item`` at ``now``; None for none.

    ``content`` is the version to judge by when ``item`` itself says little: a withdrawal
    (pubstatus canceled, often with no text) reaches whoever was entitled to the version it
    withdraws. Before its embargo lifts an item reaches only products that allow early
    delivery, and is marked embargoed; full access wins over teaser access. ``embargoed``
    given decides that instead of ``now`` (the event log knows which entries were held).
    """
    judged = content or item
    matching = [p for p in products if matches(p, judged)]
    if embargoed is None:
        embargoed = item.embargo_until is not None and now is not None and item.embargo_until > now
    if embargoed:
        matching = [p for p in matching if p.early_embargo]
    if not matching:
        return None
    best = [p for p in matching if p.access == "full"] or matching
    return Grant(best[0].access, embargoed, min(p.name for p in best))

"""What a caller may receive: the one home of the entitlement rule.

Every channel asks here, and nowhere else, whether and how a caller gets an item version:
the pull feed, streams and webhooks (``grant_for``, judged by a log entry), the item and
versions routes and the portal (``visible``, ``grant_seen``, judged by an item's
history), the public site (``public_version``, the rule applied to the one product every
reader has, ``PUBLIC``), and the format a caller may ask for (``allowed_codec``). Search
turns the same product criteria into a query clause (``newswire.search.index``), checked
against ``grant`` by a property test.

The rule:

- a product carries an item when the item meets each of its criteria
  (``newswire.access.products.matches``); full access wins over teaser access;
- a version stored under embargo (``held``) reaches only products with early delivery,
  marked embargoed; everyone else entitled receives its ``embargo-lift`` entry (the lift
  of an update is judged as the update is);
- an update reaches whoever was entitled to it *or* to any version before it, so that
  whoever got the old version gets the new one even when the change moves it out of their
  products (and the corrections and the withdrawal that follow, too);
- a withdrawal reaches whoever was entitled to the version it withdraws, or to any
  version before it; an item withdrawn while still under embargo only ever reached the
  products with early delivery;
- once an item is withdrawn, asking for it (its item route, its versions, the portal)
  gives its withdrawal alone, a kill notice (``newswire.formats.withdrawn``): its earlier
  versions' text is no longer handed out, except to the agency's own keys (``AGENCY``).
  A feed or stream read again from an old cursor still gives each entry as it was
  delivered, the withdrawal after it.

Decided by the log entry alone (``grant_for``), so that a subscriber resuming from a
cursor gets exactly what it would have got live; and by the item's history
(``grant_seen``) for a caller asking for one item, with the same outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, NamedTuple

import msgspec

from newswire.access.products import Product, matches
from newswire.errors import BadInput, Forbidden, Gone, NotFound
from newswire.model import NewsItem, utcnow

if TYPE_CHECKING:
    from newswire.access.auth import Principal
    from newswire.formats.base import Codec
    from newswire.store.base import Change, Store, Stored

Access = Literal["full", "teaser"]

PUBLIC = Product(name="public", access="teaser")
"""What every public reader has: teasers of every item, no early embargo."""
AGENCY = Product(name="agency", access="full", urgency_min=0, early_embargo=True)
"""What the agency's own keys (publish, admin) see: everything, in full, embargoed too,
and every version of a withdrawn item."""


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


# --- a log entry (feed, streams, webhooks) -------------------------------------------------

Previous = Callable[["Change"], NewsItem | None]
"""The version a change replaces (None if there is none), for withdrawals and updates."""


def grant_for(products: Sequence[Product], change: Change, previous: Previous) -> Grant | None:
    """What ``products`` give of the log entry ``change``; None when it is not theirs."""
    if not products:
        return None
    item = change.item
    if change.kind != "withdraw":
        found = grant(products, item, None, embargoed=change.held)
        if found is not None or item.replaces is None:  # a first version, or its lift
            return found
    # An update (or the lift of one stored under embargo) or a withdrawal is judged by the
    # versions before it too, each in turn: whoever was entitled to any of them received
    # it or, by this same rule, the updates that followed it (an update that moved the
    # item out of a product still reached it), so it gets this one too.
    before = previous(change)
    if before is None and change.kind == "withdraw":
        return grant(products, item, None, embargoed=change.held)
    while before is not None:
        found = grant(products, item, None, content=before, embargoed=change.held)
        if found is not None:
            return found
        older = previous(msgspec.structs.replace(change, item=before))
        if older is not None and older.version >= before.version:
            break  # a broken chain (a version "replacing" a later one): never loop
        before = older
    return None


def previous_from(store: Store, cache_size: int = 1024) -> Previous:
    """A ``Previous`` reading the store, remembering the last versions it read."""

    @lru_cache(maxsize=cache_size)
    def load(item_id: str, version: int) -> NewsItem | None:
        try:
            return store.get(item_id, version).item
        except NotFound:  # a version never stored is no previous version
            return None

    def previous(change: Change) -> NewsItem | None:
        replaces = change.item.replaces
        return load(change.item.id, replaces) if replaces else None

    return previous


# --- an item's history (item routes, portal, public site) ----------------------------------


def reachable(products: Sequence[Product], history: list[Stored]) -> Sequence[Product]:
    """``products``, less those an item never reached: one withdrawn while still under
    embargo reached only the products with early delivery, whatever its time says now."""
    from newswire.store.base import held

    latest = history[-1]
    if latest.item.pubstatus == "canceled" and held(latest.item, latest.stored_at):
        return [p for p in products if p.early_embargo]
    return products


def killed(products: Sequence[Product], history: list[Stored]) -> bool:
    """Whether only this withdrawn item's withdrawal is given to ``products``: all but the
    agency's own (``AGENCY``) see no earlier version of an item once it is withdrawn."""
    return history[-1].item.pubstatus == "canceled" and not any(p is AGENCY for p in products)


def grant_seen(
    products: Sequence[Product], stored: Stored, history: list[Stored], now: datetime
) -> Grant | None:
    """How ``products`` may see this version of an item (``history``: all its versions,
    oldest first; ``products`` already ``reachable``).

    The log's rule (``grant_for``) from the history: a version is judged by itself or by
    any version before it; a withdrawal by the versions it withdraws.
    """
    from newswire.store.base import never_lifted

    item = stored.item
    earlier = [s.item for s in reversed(history) if s.item.version < item.version]
    judged_by = earlier if item.pubstatus == "canceled" and earlier else [item, *earlier]
    # A version replaced while under embargo was never lifted: still held, whatever the
    # clock says (the log never gave it to anyone but the products with early delivery).
    embargoed = True if never_lifted(stored, history) else None
    for content in judged_by:
        found = grant(products, item, now, content=content, embargoed=embargoed)
        if found is not None:
            return found
    return None


def visible_in(
    products: Sequence[Product],
    history: list[Stored],
    version: int | None,
    now: datetime,
) -> tuple[Stored, Grant] | None:
    """The version ``products`` may see of an item (the latest they may, or ``version``)
    and how; None when they may see none (or not that one)."""
    if not history:
        return None
    products = reachable(products, history)
    if killed(products, history):  # its withdrawal or nothing
        candidates = [] if version and version != history[-1].item.version else history[-1:]
    elif version:
        candidates = [s for s in history if s.item.version == version]
    else:
        candidates = list(reversed(history))
    for stored in candidates:
        found = grant_seen(products, stored, history, now)
        if found is not None:
            return stored, found
    return None


def visible(
    principal: Principal, store: Store, item_id: str, version: int | None
) -> tuple[Stored, Grant]:
    """The version the caller may see (the latest it may, or the one asked for) and how.

    Not entitled reads exactly like not there: a 404 never tells a subscriber that an item
    outside its products, or still under embargo, exists.
    """
    if version:
        store.get(item_id, version)  # NotFound naming the version when there is none
    history, now = store.versions(item_id), utcnow()
    found = visible_in(principal.products, history, version, now)
    if found is None:
        raise unseen(principal.products, history, item_id, version, now)
    return found


def unseen(
    products: Sequence[Product],
    history: list[Stored],
    item_id: str,
    version: int | None,
    now: datetime,
) -> NotFound:
    """The error for an item (or ``version`` of it) that ``products`` may not see. An
    earlier version of an item since withdrawn, to a caller who may see the withdrawal:
    ``Gone`` (410), naming the withdrawal. Else ``NotFound``, the same whether the item
    is not there or not theirs (nothing tells a subscriber that an item outside its
    products, or under embargo, exists)."""
    withdrawn = version and history and killed(products, history)
    if withdrawn and visible_in(products, history, None, now) is not None:
        last = history[-1].item.version
        return Gone(
            f"item {item_id!r} is withdrawn (version {last}): its earlier versions are"
            " no longer delivered",
            field="version",
        )
    what = f"version {version} of item" if version else "item"
    return NotFound(f"no {what} {item_id!r}", field="version" if version else "id")


def version_seen(
    products: Sequence[Product],
    history: list[Stored],
    item_id: str,
    version: int | None,
    now: datetime,
) -> tuple[Stored, Grant]:
    """The version ``products`` may see of an item (the latest they may, or ``version``)
    and how, as every route of one item answers ``?version=``; else the error saying so
    (``unseen``)."""
    if version and not any(s.item.version == version for s in history):
        # A version the item never had is not there (404 naming it), not an earlier one
        # of an item since withdrawn (410).
        history = []
    found = visible_in(products, history, version, now)
    if found is None:
        raise unseen(products, history, item_id, version, now)
    return found


def versions_seen(
    products: Sequence[Product], history: list[Stored], now: datetime
) -> list[tuple[Stored, Grant]]:
    """Every version of an item ``products`` may see, oldest first, each with its grant
    (of a withdrawn item, its withdrawal alone: ``killed``)."""
    if not history:
        return []
    products = reachable(products, history)
    out = []
    for stored in history[-1:] if killed(products, history) else history:
        g = grant_seen(products, stored, history, now)
        if g is not None:
            out.append((stored, g))
    return out


# --- the public ----------------------------------------------------------------------------

def public_version(history: list[Stored], now: datetime) -> Stored | None:
    """The latest version of an item the public may see (a withdrawal: it is gone), or
    None when it is not public (``history``: every version, oldest first).

    - an item under embargo does not exist publicly until the lift (its earlier version,
      if one was public, stays public meanwhile);
    - a withdrawn item that was public is *gone* (its withdrawal version is returned);
      one withdrawn while still under embargo never was public;
    - a ``withheld`` latest version is not public either.
    """
    if not history:
        return None
    products = reachable([PUBLIC], history)
    for stored in reversed(history):
        if stored.item.pubstatus == "withheld":
            return None
        if grant_seen(products, stored, history, now) is not None:
            return stored
    return None


# --- formats -------------------------------------------------------------------------------


def codec_for(principal: Principal, fmt: str | None, accept: str | None) -> Codec:
    """The codec of ``fmt`` (``?format=``), else of the ``Accept`` header, if the caller
    may use it: ``BadInput`` for a format newswire does not render, ``NotAcceptable`` for
    an Accept header it cannot meet, ``Forbidden`` for one the subscriber may not use.
    ``fmt`` None: not asked for (an empty string is no format)."""
    from newswire import formats

    if fmt is not None:
        # A codec's name in any ASCII case, as the OpenAPI declares ``format``.
        codec = formats.CODECS.get(fmt.lower()) if fmt.isascii() else None
        if codec is None or not codec.can_render:
            raise BadInput(
                f"{fmt!r} is not a format newswire renders ({', '.join(formats.renderers())})",
                field="format",
            )
    else:
        codec = formats.negotiate(accept)
    return allowed_codec(principal, codec)


def allowed_codec(principal: Principal, codec: Codec) -> Codec:
    """``codec`` if the caller's subscriber may use it; ``Forbidden`` naming ``format``."""
    subscriber = principal.subscriber
    allowed = subscriber.formats if subscriber else []
    if subscriber and allowed and codec.name not in allowed:
        raise Forbidden(
            f"subscriber {subscriber.name} may use {', '.join(allowed)},"
            f" not {codec.name}",
            field="format",
        )
    return codec

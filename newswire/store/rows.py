"""Column lists and row decoders shared by every SQL backend.

Both backends keep the same columns, with times as ISO 8601 text (``iso``, ``stamp``),
so a row of a given ``SELECT`` list means the same whichever driver read it: each list
here goes with the function that makes its row into the type the layers above handle.
What stays in a backend is its SQL (placeholders, dialect) and its driver calls.

The decoders are called once per row and do the whole work themselves (no further layer
per row): ``stored_of`` and ``change_of`` are on the feed's and the log's read paths.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from newswire.access.accounts import Account, Session, Topic
from newswire.access.keys import ApiKey
from newswire.model import NewsItem
from newswire.store.access import UsageRow
from newswire.store.base import (
    Args,
    Change,
    Row,
    Stored,
    held,
    iso,
    kind_of,
    time_at,
    time_of,
    time_or_none,
)
from newswire.store.webhooks import Delivery, Webhook

_DECODE = msgspec.json.Decoder(NewsItem).decode

# --- item versions and the log -------------------------------------------------------------

STORED_COLUMNS = "seq, stored_at, data"
"""A stored version as ``stored_of`` reads it."""


def stored_of(row: Row) -> Stored:
    """A row of ``STORED_COLUMNS``."""
    seq, stored_at, data = row
    return Stored(seq=seq, stored_at=time_of(stored_at), item=_DECODE(data))


def change_of(row: Row) -> Change:
    """A log entry: ``seq, stored_at (or lifted_at), data, lifted``."""
    seq, stored_at, data, lifted = row
    item, at = _DECODE(data), time_of(stored_at)
    if lifted:
        return Change(seq=seq, stored_at=at, item=item, kind="embargo-lift")
    return Change(seq=seq, stored_at=at, item=item, kind=kind_of(item), held=held(item, at))


# --- webhooks and their outbox ------------------------------------------------------------

WEBHOOK_COLUMNS = (
    "id, subscriber, url, secret, format, cursor, created_at, active, disabled_at,"
    " disabled_status, disabled_reason"
)
DELIVERY_COLUMNS = (
    "d.id, d.webhook, w.subscriber, d.seq, d.item_id, d.version, d.kind, d.access, d.product,"
    " d.priority, d.status, d.attempts, d.next_attempt_at, d.first_attempt_at, d.last_status,"
    " d.last_error, d.created_at, d.delivered_at"
)
"""Of ``deliveries d JOIN webhooks w ON w.id = d.webhook``, in ``Delivery``'s field order."""

_DELIVERY_TIMES = ("next_attempt_at", "first_attempt_at", "created_at", "delivered_at")


def webhook_of(row: Row) -> Webhook:
    """A row of ``WEBHOOK_COLUMNS``."""
    wid, subscriber, url, secret, fmt, cursor, created, active, disabled, status, reason = row
    return Webhook(
        id=wid,
        subscriber=subscriber,
        url=url,
        secret=secret,
        format=fmt,
        cursor=cursor,
        created_at=time_at(created),
        active=bool(active),  # 0/1 in SQLite
        disabled_at=time_or_none(disabled),
        disabled_status=status,
        disabled_reason=reason,
    )


def delivery_of(row: Row) -> Delivery:
    """A row of ``DELIVERY_COLUMNS``."""
    values = dict(zip(Delivery.__struct_fields__, row, strict=True))
    for name in _DELIVERY_TIMES:
        values[name] = time_or_none(values[name])
    return Delivery(**values)


# --- access: keys, accounts, sessions, topics, usage ---------------------------------------

KEY_COLUMNS = "id, scope, name, subscriber, created_at, last_used_at, revoked_at"


def key_of(row: Row) -> ApiKey:
    """A row of ``KEY_COLUMNS``."""
    key_id, scope, name, subscriber, created, used, revoked = row
    return ApiKey(
        id=key_id,
        scope=scope,
        name=name,
        subscriber=subscriber or "",
        created_at=time_or_none(created),
        last_used_at=time_or_none(used),
        revoked_at=time_or_none(revoked),
    )


def key_values(key: ApiKey, key_hash: str) -> Row:
    """The values of ``INSERT INTO api_keys (id, hash, scope, name, subscriber,
    created_at)``."""
    return (key.id, key_hash, key.scope, key.name, key.subscriber or None, iso(key.created_at))


ACCOUNT_COLUMNS = "id, email, scope, subscriber, portal_admin, lang, created_at, last_login_at"


def account_of(row: Row) -> Account:
    """A row of ``ACCOUNT_COLUMNS`` (sessions read them joined)."""
    account_id, email, scope, subscriber, portal_admin, lang, created, login = row
    return Account(
        id=account_id,
        email=email,
        scope=scope,
        subscriber=subscriber or "",
        portal_admin=bool(portal_admin),
        lang=lang,
        created_at=time_or_none(created),
        last_login_at=time_or_none(login),
    )


SESSION_COLUMNS = "id, account, csrf, created_at, last_seen_at, expires_at"
SESSION_SELECT = (
    "SELECT "
    + ", ".join(f"s.{c}" for c in SESSION_COLUMNS.split(", "))
    + ", "
    + ", ".join(f"a.{c}" for c in ACCOUNT_COLUMNS.split(", "))
    + " FROM sessions s JOIN accounts a ON a.id = s.account"
)
"""A session and its account (``session_and_account``), to which a WHERE is added."""
_SESSION_WIDTH = len(SESSION_COLUMNS.split(", "))


def session_of(row: Row) -> Session:
    """A row of ``SESSION_COLUMNS``."""
    session_id, account, csrf, created, seen, expires = row
    return Session(
        id=session_id,
        account=account,
        csrf=csrf,
        created_at=time_at(created),
        last_seen_at=time_at(seen),
        expires_at=time_at(expires),
    )


def session_and_account(row: Row) -> tuple[Session, Account]:
    """A row of ``SESSION_SELECT``."""
    return session_of(row[:_SESSION_WIDTH]), account_of(row[_SESSION_WIDTH:])


def session_values(session: Session, token_hash: str) -> Row:
    """The values of ``INSERT INTO sessions (SESSION_COLUMNS, hash)``."""
    return (
        session.id,
        session.account,
        session.csrf,
        iso(session.created_at),
        iso(session.last_seen_at),
        iso(session.expires_at),
        token_hash,
    )


TOPIC_COLUMNS = "id, account, name, query, lang, subject, urgency, created_at"


def topic_of(row: Row) -> Topic:
    """A row of ``TOPIC_COLUMNS``."""
    return Topic(
        id=row[0],
        account=row[1],
        name=row[2],
        query=row[3],
        lang=row[4],
        subject=row[5],
        urgency=row[6],
        created_at=time_or_none(row[7]),
    )


def topic_values(topic: Topic) -> Row:
    """The values of ``INSERT INTO topics (TOPIC_COLUMNS)``."""
    return (
        topic.id,
        topic.account,
        topic.name,
        topic.query,
        topic.lang,
        topic.subject,
        topic.urgency,
        iso(topic.created_at),
    )


USAGE_COLUMNS = "day, subscriber, channel, product, count"


def usage_of(row: Row) -> UsageRow:
    """A row of ``USAGE_COLUMNS`` (a driver may read the count as another integer type)."""
    day, subscriber, channel, product, count = row
    return (day, subscriber, channel, product, int(count))


# --- filters -------------------------------------------------------------------------------


def where_given(conditions: Iterable[tuple[str, object]], mark: str) -> tuple[str, Args]:
    """``WHERE a = ? AND b >= ?`` of the conditions (``"a ="``, value) whose value is given
    (not empty), and their values; ``""`` and ``()`` when none is. ``mark`` is the driver's
    placeholder (``?``, ``%s``)."""
    where: list[str] = []
    args: list[object] = []
    for condition, value in conditions:
        if value:
            where.append(f"{condition} {mark}")
            args.append(value)
    return (f"WHERE {' AND '.join(where)}" if where else ""), tuple(args)


def usage_where(
    subscriber: str | None, since: str | None, until: str | None, mark: str
) -> tuple[str, Args]:
    """The WHERE of a usage report (``Usage.report``): days as ISO text compare as days."""
    return where_given(
        (
            ("subscriber =", subscriber),
            ("day >=", str(since) if since else None),
            ("day <=", str(until) if until else None),
        ),
        mark,
    )


def deliveries_where(
    subscriber: str | None, webhook: str | None, status: str | None, mark: str
) -> tuple[str, Args]:
    """The WHERE of ``Webhooks.deliveries`` (on ``deliveries d JOIN webhooks w``)."""
    return where_given(
        (("w.subscriber =", subscriber), ("d.webhook =", webhook), ("d.status =", status)), mark
    )

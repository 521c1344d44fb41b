"""Products, subscribers and API keys in the embedded SQLite store (migration 3); accounts,
their sessions and saved searches (migration 8)."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime

import msgspec

from newswire.access.accounts import IDLE, Account, Session, Topic
from newswire.access.keys import ApiKey
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.errors import Conflict, NotFound
from newswire.model import utcnow
from newswire.store.base import iso
from newswire.store.sqlite.connection import write_transaction

_ENCODE = msgspec.json.Encoder().encode
_PRODUCT = msgspec.json.Decoder(Product).decode
_SUBSCRIBER = msgspec.json.Decoder(Subscriber).decode
_KEY_COLUMNS = "id, scope, name, subscriber, created_at, last_used_at, revoked_at"
_ACCOUNT_COLUMNS = "id, email, scope, subscriber, portal_admin, lang, created_at, last_login_at"
_SESSION_COLUMNS = "id, account, csrf, created_at, last_seen_at, expires_at"
_TOPIC_COLUMNS = "id, account, name, query, lang, subject, urgency, created_at"


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC) if text else None


class SQLiteAccess:
    """The access tables of one SQLite store, sharing its connection and lock."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock):
        self._db = db
        self._lock = lock

    def _write(self, sql: str, args: tuple = ()) -> None:
        with write_transaction(self._db, self._lock) as cur:
            cur.execute(sql, args)

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- products ----------------------------------------------------------------------

    def add_product(self, product: Product) -> None:
        try:
            self._write(
                "INSERT INTO products (name, data) VALUES (?, ?)", (product.name, _ENCODE(product))
            )
        except sqlite3.IntegrityError:
            raise Conflict(f"a product named {product.name!r} exists", field="name") from None

    def product(self, name: str) -> Product:
        rows = self._read("SELECT data FROM products WHERE name = ?", (name,))
        if not rows:
            raise NotFound(f"no product {name!r}", field="product")
        return _PRODUCT(rows[0][0])

    def products(self) -> list[Product]:
        return [_PRODUCT(r[0]) for r in self._read("SELECT data FROM products ORDER BY name")]

    def remove_product(self, name: str) -> None:
        self.product(name)
        users = [
            r[0]
            for r in self._read(
                "SELECT subscriber FROM subscriber_products WHERE product = ? ORDER BY 1", (name,)
            )
        ]
        if users:
            raise Conflict(
                f"product {name!r} is used by {', '.join(users)}: change or remove "
                "those subscribers first",
                field="product",
            )
        self._write("DELETE FROM products WHERE name = ?", (name,))

    # --- subscribers -------------------------------------------------------------------

    def add_subscriber(self, subscriber: Subscriber) -> Subscriber:
        for name in subscriber.products:
            self.product(name)  # NotFound names the product
        subscriber = msgspec.structs.replace(subscriber, created_at=utcnow())
        try:
            with write_transaction(self._db, self._lock) as cur:
                cur.execute(
                    "INSERT INTO subscribers (name, status, data) VALUES (?, ?, ?)",
                    (subscriber.name, subscriber.status, _ENCODE(subscriber)),
                )
                cur.executemany(
                    "INSERT INTO subscriber_products VALUES (?, ?)",
                    [(subscriber.name, p) for p in dict.fromkeys(subscriber.products)],
                )
        except sqlite3.IntegrityError:
            raise Conflict(f"a subscriber named {subscriber.name!r} exists", field="name") from None
        return subscriber

    def subscriber(self, name: str) -> Subscriber:
        rows = self._read("SELECT data FROM subscribers WHERE name = ?", (name,))
        if not rows:
            raise NotFound(f"no subscriber {name!r}", field="subscriber")
        return _SUBSCRIBER(rows[0][0])

    def subscribers(self) -> list[Subscriber]:
        return [_SUBSCRIBER(r[0]) for r in self._read("SELECT data FROM subscribers ORDER BY name")]

    def set_status(self, name: str, status: str) -> Subscriber:
        subscriber = msgspec.structs.replace(self.subscriber(name), status=status)
        self._write(
            "UPDATE subscribers SET status = ?, data = ? WHERE name = ?",
            (status, _ENCODE(subscriber), name),
        )
        return subscriber

    def remove_subscriber(self, name: str) -> int:
        """Remove a subscriber and revoke its keys; the number of keys revoked."""
        self.subscriber(name)
        now = iso(utcnow())
        with write_transaction(self._db, self._lock) as cur:
            revoked = cur.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE subscriber = ? AND revoked_at IS NULL",
                (now, name),
            ).rowcount
            cur.execute("DELETE FROM subscribers WHERE name = ?", (name,))
        return revoked

    # --- API keys ----------------------------------------------------------------------

    def add_key(self, key: ApiKey, key_hash: str) -> ApiKey:
        if key.subscriber:
            self.subscriber(key.subscriber)
        key = msgspec.structs.replace(key, created_at=utcnow())
        self._write(
            "INSERT INTO api_keys (id, hash, scope, name, subscriber, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (key.id, key_hash, key.scope, key.name, key.subscriber or None, iso(key.created_at)),
        )
        return key

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        rows = self._read(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE hash = ?", (key_hash,))
        return _key(rows[0]) if rows else None

    def key(self, key_id: str) -> ApiKey:
        rows = self._read(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE id = ?", (key_id,))
        if not rows:
            raise NotFound(f"no key {key_id!r}", field="key")
        return _key(rows[0])

    def keys(self, subscriber: str | None = None) -> list[ApiKey]:
        where, args = ("WHERE subscriber = ?", (subscriber,)) if subscriber else ("", ())
        return [
            _key(r)
            for r in self._read(
                f"SELECT {_KEY_COLUMNS} FROM api_keys {where} ORDER BY created_at, id", args
            )
        ]

    def revoke_key(self, key_id: str) -> ApiKey:
        key = self.key(key_id)
        if key.revoked_at is None:
            self._write("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (iso(utcnow()), key_id))
        return self.key(key_id)

    def touch_key(self, key_id: str, when: datetime) -> None:
        self._write("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (iso(when), key_id))

    def touch_keys(self, uses: list[tuple[str, datetime]]) -> None:
        """Record the last use of several keys at once (key id, when)."""
        with write_transaction(self._db, self._lock) as cur:
            cur.executemany(
                "UPDATE api_keys SET last_used_at = ? WHERE id = ?",
                [(iso(when), key_id) for key_id, when in uses],
            )


    # --- usage -------------------------------------------------------------------------

    def add_usage(self, rows: list[tuple[str, str, str, str, int]]) -> None:
        """Add (day, subscriber, channel, product, count) rows to the usage counters."""
        with write_transaction(self._db, self._lock) as cur:
            cur.executemany(
                "INSERT INTO usage (day, subscriber, channel, product, count)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (day, subscriber, channel, product)"
                " DO UPDATE SET count = count + excluded.count",
                rows,
            )

    def usage(
        self,
        subscriber: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[tuple[str, str, str, str, int]]:
        """(day, subscriber, channel, product, count) rows, oldest day first.

        ``since`` and ``until`` are ``YYYY-MM-DD`` days, both included: the table keys
        days as ISO text, so comparing strings compares days. Only what has been flushed
        from the server's in-memory meter is here; ``GET /v1/usage`` flushes first.
        """
        where, args = [], []
        if subscriber:
            where.append("subscriber = ?")
            args.append(subscriber)
        if since:
            where.append("day >= ?")
            args.append(str(since))
        if until:
            where.append("day <= ?")
            args.append(str(until))
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return [
            (day, sub, channel, product, int(count))
            for day, sub, channel, product, count in self._read(
                "SELECT day, subscriber, channel, product, count FROM usage"
                f" {clause} ORDER BY day, subscriber, channel, product",
                tuple(args),
            )
        ]

    # --- accounts, sessions, topics (migration 8) ---------------------------------------

    def add_account(self, account: Account, password_hash: str) -> Account:
        if account.subscriber:
            self.subscriber(account.subscriber)  # NotFound names the subscriber
        account = msgspec.structs.replace(account, created_at=utcnow())
        try:
            self._write(
                f"INSERT INTO accounts ({_ACCOUNT_COLUMNS}, password)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                (
                    account.id,
                    account.email,
                    account.scope,
                    account.subscriber or None,
                    int(account.portal_admin),
                    account.lang,
                    iso(account.created_at),
                    password_hash,
                ),
            )
        except sqlite3.IntegrityError:
            raise Conflict(f"an account for {account.email} exists", field="email") from None
        return account

    def account(self, account_id: str) -> Account:
        rows = self._read(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE id = ?", (account_id,))
        if not rows:
            raise NotFound(f"no account {account_id!r}", field="account")
        return _account(rows[0])

    def account_by_email(self, email: str) -> tuple[Account, str] | None:
        """The account with this (normalised) email and its password hash."""
        rows = self._read(
            f"SELECT {_ACCOUNT_COLUMNS}, password FROM accounts WHERE email = ?", (email,)
        )
        return (_account(rows[0][:-1]), rows[0][-1]) if rows else None

    def accounts(self, subscriber: str | None = None) -> list[Account]:
        where, args = ("WHERE subscriber = ?", (subscriber,)) if subscriber else ("", ())
        return [
            _account(r)
            for r in self._read(
                f"SELECT {_ACCOUNT_COLUMNS} FROM accounts {where} ORDER BY email", args
            )
        ]

    def remove_account(self, account_id: str) -> None:
        """Remove an account; its sessions and topics go with it."""
        self.account(account_id)
        self._write("DELETE FROM accounts WHERE id = ?", (account_id,))

    def set_password(self, account_id: str, password_hash: str) -> int:
        """Change an account's password and end its sessions; how many were ended."""
        self.account(account_id)
        with write_transaction(self._db, self._lock) as cur:
            cur.execute("UPDATE accounts SET password = ? WHERE id = ?", (password_hash, account_id))
            return cur.execute("DELETE FROM sessions WHERE account = ?", (account_id,)).rowcount

    def add_session(self, session: Session, token_hash: str) -> None:
        """Store a session (and drop the expired ones of every account, while at it)."""
        now = iso(session.created_at)
        idle_since = iso(session.created_at - IDLE)
        with write_transaction(self._db, self._lock) as cur:
            cur.execute(
                f"INSERT INTO sessions ({_SESSION_COLUMNS}, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    session.id,
                    session.account,
                    session.csrf,
                    now,
                    iso(session.last_seen_at),
                    iso(session.expires_at),
                    token_hash,
                ),
            )
            cur.execute(
                "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?",
                (now, idle_since),
            )
            cur.execute(
                "UPDATE accounts SET last_login_at = ? WHERE id = ?", (now, session.account)
            )

    def session_by_hash(self, token_hash: str) -> tuple[Session, Account] | None:
        return self._session("s.hash = ?", token_hash)

    def session_by_id(self, session_id: str) -> tuple[Session, Account] | None:
        return self._session("s.id = ?", session_id)

    def _session(self, where: str, arg: str) -> tuple[Session, Account] | None:
        columns = ", ".join(f"s.{c}" for c in _SESSION_COLUMNS.split(", "))
        accounts = ", ".join(f"a.{c}" for c in _ACCOUNT_COLUMNS.split(", "))
        rows = self._read(
            f"SELECT {columns}, {accounts} FROM sessions s JOIN accounts a ON a.id = s.account"
            f" WHERE {where}",
            (arg,),
        )
        if not rows:
            return None
        n = len(_SESSION_COLUMNS.split(", "))
        return _session(rows[0][:n]), _account(rows[0][n:])

    def touch_session(self, session_id: str, when: datetime) -> None:
        self._write("UPDATE sessions SET last_seen_at = ? WHERE id = ?", (iso(when), session_id))

    def remove_session(self, session_id: str) -> None:
        self._write("DELETE FROM sessions WHERE id = ?", (session_id,))

    def add_topic(self, topic: Topic) -> Topic:
        topic = msgspec.structs.replace(topic, created_at=utcnow())
        try:
            self._write(
                f"INSERT INTO topics ({_TOPIC_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    topic.id,
                    topic.account,
                    topic.name,
                    topic.query,
                    topic.lang,
                    topic.subject,
                    topic.urgency,
                    iso(topic.created_at),
                ),
            )
        except sqlite3.IntegrityError:
            raise Conflict(f"a topic named {topic.name!r} exists", field="name") from None
        return topic

    def topics(self, account_id: str) -> list[Topic]:
        return [
            Topic(
                id=r[0],
                account=r[1],
                name=r[2],
                query=r[3],
                lang=r[4],
                subject=r[5],
                urgency=r[6],
                created_at=_time(r[7]),
            )
            for r in self._read(
                f"SELECT {_TOPIC_COLUMNS} FROM topics WHERE account = ? ORDER BY name",
                (account_id,),
            )
        ]

    def remove_topic(self, account_id: str, topic_id: str) -> None:
        with write_transaction(self._db, self._lock) as cur:
            gone = cur.execute(
                "DELETE FROM topics WHERE id = ? AND account = ?", (topic_id, account_id)
            ).rowcount
        if not gone:
            raise NotFound(f"no topic {topic_id!r}", field="topic")


def _account(row: tuple) -> Account:
    account_id, email, scope, subscriber, portal_admin, lang, created, login = row
    return Account(
        id=account_id,
        email=email,
        scope=scope,
        subscriber=subscriber or "",
        portal_admin=bool(portal_admin),
        lang=lang,
        created_at=_time(created),
        last_login_at=_time(login),
    )


def _session(row: tuple) -> Session:
    session_id, account, csrf, created, seen, expires = row
    return Session(
        id=session_id,
        account=account,
        csrf=csrf,
        created_at=_time(created),
        last_seen_at=_time(seen),
        expires_at=_time(expires),
    )


def _key(row: tuple) -> ApiKey:
    key_id, scope, name, subscriber, created, used, revoked = row
    return ApiKey(
        id=key_id,
        scope=scope,
        name=name,
        subscriber=subscriber or "",
        created_at=_time(created),
        last_used_at=_time(used),
        revoked_at=_time(revoked),
    )

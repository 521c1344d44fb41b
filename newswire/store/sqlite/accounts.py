"""Accounts in the embedded SQLite store (table ``accounts``, migration 8)."""

from __future__ import annotations

import builtins
import sqlite3
import threading

import msgspec

from newswire.access.accounts import Account
from newswire.errors import Conflict, NotFound
from newswire.model import utcnow
from newswire.store.access import Subscribers
from newswire.store.base import iso
from newswire.store.rows import ACCOUNT_COLUMNS, account_of
from newswire.store.sqlite.connection import Tables, write_transaction


class SQLiteAccounts(Tables):
    """``newswire.store.access.Accounts``."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock, subscribers: Subscribers):
        super().__init__(db, lock)
        self._subscribers = subscribers

    def add(self, account: Account, password_hash: str) -> Account:
        if account.subscriber:
            self._subscribers.get(account.subscriber)  # NotFound names the subscriber
        account = msgspec.structs.replace(account, created_at=utcnow())
        try:
            self._write(
                f"INSERT INTO accounts ({ACCOUNT_COLUMNS}, password)"
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

    def get(self, account_id: str) -> Account:
        rows = self._read(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?", (account_id,))
        if not rows:
            raise NotFound(f"no account {account_id!r}", field="account")
        return account_of(rows[0])

    def by_email(self, email: str) -> tuple[Account, str] | None:
        """The account with this (normalised) email and its password hash."""
        rows = self._read(
            f"SELECT {ACCOUNT_COLUMNS}, password FROM accounts WHERE email = ?", (email,)
        )
        return (account_of(rows[0][:-1]), rows[0][-1]) if rows else None

    def list(self, subscriber: str | None = None) -> builtins.list[Account]:
        where, args = ("WHERE subscriber = ?", (subscriber,)) if subscriber else ("", ())
        return [
            account_of(r)
            for r in self._read(
                f"SELECT {ACCOUNT_COLUMNS} FROM accounts {where} ORDER BY email", args
            )
        ]

    def remove(self, account_id: str) -> None:
        """Remove an account; its sessions and topics go with it."""
        self.get(account_id)
        self._write("DELETE FROM accounts WHERE id = ?", (account_id,))

    def set_password(self, account_id: str, password_hash: str) -> int:
        """Change an account's password and end its sessions; how many were ended."""
        self.get(account_id)
        with write_transaction(self._db, self._lock) as cur:
            cur.execute(
                "UPDATE accounts SET password = ? WHERE id = ?", (password_hash, account_id)
            )
            return cur.execute("DELETE FROM sessions WHERE account = ?", (account_id,)).rowcount

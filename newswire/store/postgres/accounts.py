"""Accounts of people who log in, in PostgreSQL (``newswire.store.access.Accounts``)."""

from __future__ import annotations

import msgspec
from psycopg import errors

from newswire.access.accounts import Account
from newswire.errors import Conflict, NotFound
from newswire.model import utcnow
from newswire.store.base import iso
from newswire.store.postgres.database import Database
from newswire.store.rows import ACCOUNT_COLUMNS, account_of


class PostgresAccounts:
    def __init__(self, db: Database):
        self._db = db

    def add(self, account: Account, password_hash: str) -> Account:
        if (
            account.subscriber
            and self._db.one("SELECT 1 FROM subscribers WHERE name = %s", (account.subscriber,))
            is None
        ):
            raise NotFound(f"no subscriber {account.subscriber!r}", field="subscriber")
        account = msgspec.structs.replace(account, created_at=utcnow())
        try:
            with self._db.transaction() as cur:
                cur.execute(
                    f"INSERT INTO accounts ({ACCOUNT_COLUMNS}, password)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, NULL, %s)",
                    (
                        account.id,
                        account.email,
                        account.scope,
                        account.subscriber or None,
                        account.portal_admin,
                        account.lang,
                        iso(account.created_at),
                        password_hash,
                    ),
                )
        except errors.IntegrityError:  # as in the SQLite store, whichever constraint
            raise Conflict(f"an account for {account.email} exists", field="email") from None
        return account

    def get(self, account_id: str) -> Account:
        row = self._db.one(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = %s", (account_id,))
        if row is None:
            raise NotFound(f"no account {account_id!r}", field="account")
        return account_of(row)

    def by_email(self, email: str) -> tuple[Account, str] | None:
        """The account with this (normalised) email and its password hash."""
        row = self._db.one(
            f"SELECT {ACCOUNT_COLUMNS}, password FROM accounts WHERE email = %s", (email,)
        )
        return (account_of(row[:-1]), row[-1]) if row else None

    def list(self, subscriber: str | None = None) -> list[Account]:
        where, args = ("WHERE subscriber = %s", (subscriber,)) if subscriber else ("", ())
        return [
            account_of(r)
            for r in self._db.rows(
                f"SELECT {ACCOUNT_COLUMNS} FROM accounts {where} ORDER BY email", args
            )
        ]

    def remove(self, account_id: str) -> None:
        """Remove an account; its sessions and topics go with it."""
        self.get(account_id)
        with self._db.transaction() as cur:
            cur.execute("DELETE FROM accounts WHERE id = %s", (account_id,))

    def set_password(self, account_id: str, password_hash: str) -> int:
        """Change an account's password and end its sessions; how many were ended."""
        self.get(account_id)
        with self._db.transaction() as cur:
            cur.execute(
                "UPDATE accounts SET password = %s WHERE id = %s", (password_hash, account_id)
            )
            return cur.execute("DELETE FROM sessions WHERE account = %s", (account_id,)).rowcount

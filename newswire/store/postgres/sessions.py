"""Logged-in sessions in PostgreSQL (``newswire.store.access.Sessions``): only a hash of
each session's token is kept."""

from __future__ import annotations

from datetime import datetime

from newswire.access.accounts import IDLE, Account, Session
from newswire.store.base import Row, iso, time_at
from newswire.store.postgres.accounts import COLUMNS as ACCOUNT_COLUMNS
from newswire.store.postgres.accounts import account_of
from newswire.store.postgres.database import Database

_COLUMNS = ("id", "account", "csrf", "created_at", "last_seen_at", "expires_at")
_SELECT = (
    "SELECT "
    + ", ".join(f"s.{c}" for c in _COLUMNS)
    + ", "
    + ", ".join(f"a.{c}" for c in ACCOUNT_COLUMNS.split(", "))
    + " FROM sessions s JOIN accounts a ON a.id = s.account"
)


class PostgresSessions:
    def __init__(self, db: Database):
        self._db = db

    def add(self, session: Session, token_hash: str) -> None:
        """Store a session (and drop the expired ones of every account, while at it)."""
        now = iso(session.created_at)
        idle_since = iso(session.created_at - IDLE)
        with self._db.transaction() as cur:
            cur.execute(
                f"INSERT INTO sessions ({', '.join(_COLUMNS)}, hash)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
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
                "DELETE FROM sessions WHERE expires_at <= %s OR last_seen_at <= %s",
                (now, idle_since),
            )
            cur.execute(
                "UPDATE accounts SET last_login_at = %s WHERE id = %s", (now, session.account)
            )

    def by_hash(self, token_hash: str) -> tuple[Session, Account] | None:
        return self._one("s.hash = %s", token_hash)

    def by_id(self, session_id: str) -> tuple[Session, Account] | None:
        return self._one("s.id = %s", session_id)

    def _one(self, where: str, arg: str) -> tuple[Session, Account] | None:
        row = self._db.one(f"{_SELECT} WHERE {where}", (arg,))
        if row is None:
            return None
        n = len(_COLUMNS)
        return _session(row[:n]), account_of(row[n:])

    def touch(self, session_id: str, when: datetime) -> None:
        with self._db.transaction() as cur:
            cur.execute(
                "UPDATE sessions SET last_seen_at = %s WHERE id = %s", (iso(when), session_id)
            )

    def remove(self, session_id: str) -> None:
        with self._db.transaction() as cur:
            cur.execute("DELETE FROM sessions WHERE id = %s", (session_id,))


def _session(row: Row) -> Session:
    session_id, account, csrf, created, seen, expires = row
    return Session(
        id=session_id,
        account=account,
        csrf=csrf,
        created_at=time_at(created),
        last_seen_at=time_at(seen),
        expires_at=time_at(expires),
    )


"""Logged-in sessions in PostgreSQL (``newswire.store.access.Sessions``): only a hash of
each session's token is kept."""

from __future__ import annotations

from datetime import datetime

from newswire.access.accounts import IDLE, Account, Session
from newswire.store.base import iso
from newswire.store.postgres.database import Database
from newswire.store.rows import SESSION_COLUMNS, SESSION_SELECT, session_and_account, session_values


class PostgresSessions:
    def __init__(self, db: Database):
        self._db = db

    def add(self, session: Session, token_hash: str) -> None:
        """Store a session (and drop the expired ones of every account, while at it)."""
        now = iso(session.created_at)
        idle_since = iso(session.created_at - IDLE)
        with self._db.transaction() as cur:
            cur.execute(
                f"INSERT INTO sessions ({SESSION_COLUMNS}, hash)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                session_values(session, token_hash),
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
        row = self._db.one(f"{SESSION_SELECT} WHERE {where}", (arg,))
        return None if row is None else session_and_account(row)

    def touch(self, session_id: str, when: datetime) -> None:
        with self._db.transaction() as cur:
            cur.execute(
                "UPDATE sessions SET last_seen_at = %s WHERE id = %s", (iso(when), session_id)
            )

    def remove(self, session_id: str) -> None:
        with self._db.transaction() as cur:
            cur.execute("DELETE FROM sessions WHERE id = %s", (session_id,))

"""Sessions of accounts in the embedded SQLite store (table ``sessions``, migration 8)."""

from __future__ import annotations

from datetime import datetime

from newswire.access.accounts import IDLE, Account, Session
from newswire.store.base import iso
from newswire.store.rows import SESSION_COLUMNS, SESSION_SELECT, session_and_account, session_values
from newswire.store.sqlite.connection import Tables, write_transaction


class SQLiteSessions(Tables):
    """``newswire.store.access.Sessions``."""

    def add(self, session: Session, token_hash: str) -> None:
        """Store a session (and drop the expired ones of every account, while at it)."""
        now = iso(session.created_at)
        idle_since = iso(session.created_at - IDLE)
        with write_transaction(self._db, self._lock) as cur:
            cur.execute(
                f"INSERT INTO sessions ({SESSION_COLUMNS}, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                session_values(session, token_hash),
            )
            cur.execute(
                "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?",
                (now, idle_since),
            )
            cur.execute(
                "UPDATE accounts SET last_login_at = ? WHERE id = ?", (now, session.account)
            )

    def by_hash(self, token_hash: str) -> tuple[Session, Account] | None:
        return self._session("s.hash = ?", token_hash)

    def by_id(self, session_id: str) -> tuple[Session, Account] | None:
        return self._session("s.id = ?", session_id)

    def _session(self, where: str, arg: str) -> tuple[Session, Account] | None:
        rows = self._read(f"{SESSION_SELECT} WHERE {where}", (arg,))
        return session_and_account(rows[0]) if rows else None

    def touch(self, session_id: str, when: datetime) -> None:
        self._write("UPDATE sessions SET last_seen_at = ? WHERE id = ?", (iso(when), session_id))

    def remove(self, session_id: str) -> None:
        self._write("DELETE FROM sessions WHERE id = ?", (session_id,))

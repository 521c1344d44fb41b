"""Sessions of accounts in the embedded SQLite store (table ``sessions``, migration 8)."""

from __future__ import annotations

from datetime import datetime

from newswire.access.accounts import IDLE, Account, Session
from newswire.store.base import Row, iso, time_at
from newswire.store.sqlite.accounts import ACCOUNT_COLUMNS, account_of
from newswire.store.sqlite.connection import Tables, write_transaction

_SESSION_COLUMNS = "id, account, csrf, created_at, last_seen_at, expires_at"


class SQLiteSessions(Tables):
    """``newswire.store.access.Sessions``."""

    def add(self, session: Session, token_hash: str) -> None:
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

    def by_hash(self, token_hash: str) -> tuple[Session, Account] | None:
        return self._session("s.hash = ?", token_hash)

    def by_id(self, session_id: str) -> tuple[Session, Account] | None:
        return self._session("s.id = ?", session_id)

    def _session(self, where: str, arg: str) -> tuple[Session, Account] | None:
        columns = ", ".join(f"s.{c}" for c in _SESSION_COLUMNS.split(", "))
        accounts = ", ".join(f"a.{c}" for c in ACCOUNT_COLUMNS.split(", "))
        rows = self._read(
            f"SELECT {columns}, {accounts} FROM sessions s JOIN accounts a ON a.id = s.account"
            f" WHERE {where}",
            (arg,),
        )
        if not rows:
            return None
        n = len(_SESSION_COLUMNS.split(", "))
        return _session(rows[0][:n]), account_of(rows[0][n:])

    def touch(self, session_id: str, when: datetime) -> None:
        self._write("UPDATE sessions SET last_seen_at = ? WHERE id = ?", (iso(when), session_id))

    def remove(self, session_id: str) -> None:
        self._write("DELETE FROM sessions WHERE id = ?", (session_id,))


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

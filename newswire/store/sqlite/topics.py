"""Accounts' saved searches in the embedded SQLite store (table ``topics``, migration 8)."""

from __future__ import annotations

import builtins
import sqlite3

import msgspec

from newswire.access.accounts import Topic
from newswire.errors import Conflict, NotFound
from newswire.model import utcnow
from newswire.store.rows import TOPIC_COLUMNS, topic_of, topic_values
from newswire.store.sqlite.connection import Tables, write_transaction


class SQLiteTopics(Tables):
    """``newswire.store.access.Topics``."""

    def add(self, topic: Topic) -> Topic:
        topic = msgspec.structs.replace(topic, created_at=utcnow())
        try:
            self._write(
                f"INSERT INTO topics ({TOPIC_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                topic_values(topic),
            )
        except sqlite3.IntegrityError:
            raise Conflict(f"a topic named {topic.name!r} exists", field="name") from None
        return topic

    def list(self, account_id: str) -> builtins.list[Topic]:
        return [
            topic_of(r)
            for r in self._read(
                f"SELECT {TOPIC_COLUMNS} FROM topics WHERE account = ? ORDER BY name",
                (account_id,),
            )
        ]

    def remove(self, account_id: str, topic_id: str) -> None:
        with write_transaction(self._db, self._lock) as cur:
            gone = cur.execute(
                "DELETE FROM topics WHERE id = ? AND account = ?", (topic_id, account_id)
            ).rowcount
        if not gone:
            raise NotFound(f"no topic {topic_id!r}", field="topic")

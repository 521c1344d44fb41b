"""Accounts' saved searches in the embedded SQLite store (table ``topics``, migration 8)."""

from __future__ import annotations

import builtins
import sqlite3

import msgspec

from newswire.access.accounts import Topic
from newswire.errors import Conflict, NotFound
from newswire.model import utcnow
from newswire.store.base import iso, time_or_none
from newswire.store.sqlite.connection import Tables, write_transaction

_TOPIC_COLUMNS = "id, account, name, query, lang, subject, urgency, created_at"


class SQLiteTopics(Tables):
    """``newswire.store.access.Topics``."""

    def add(self, topic: Topic) -> Topic:
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

    def list(self, account_id: str) -> builtins.list[Topic]:
        return [
            Topic(
                id=r[0],
                account=r[1],
                name=r[2],
                query=r[3],
                lang=r[4],
                subject=r[5],
                urgency=r[6],
                created_at=time_or_none(r[7]),
            )
            for r in self._read(
                f"SELECT {_TOPIC_COLUMNS} FROM topics WHERE account = ? ORDER BY name",
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

"""Saved searches of accounts in PostgreSQL (``newswire.store.access.Topics``)."""

from __future__ import annotations

import msgspec
from psycopg import errors

from newswire.access.accounts import Topic
from newswire.errors import Conflict, NotFound
from newswire.model import utcnow
from newswire.store.postgres.database import Database
from newswire.store.rows import TOPIC_COLUMNS, topic_of, topic_values


class PostgresTopics:
    def __init__(self, db: Database):
        self._db = db

    def add(self, topic: Topic) -> Topic:
        topic = msgspec.structs.replace(topic, created_at=utcnow())
        try:
            with self._db.transaction() as cur:
                cur.execute(
                    f"INSERT INTO topics ({TOPIC_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    topic_values(topic),
                )
        except errors.IntegrityError:  # as in the SQLite store, whichever constraint
            raise Conflict(f"a topic named {topic.name!r} exists", field="name") from None
        return topic

    def list(self, account_id: str) -> list[Topic]:
        return [
            topic_of(r)
            for r in self._db.rows(
                f"SELECT {TOPIC_COLUMNS} FROM topics WHERE account = %s ORDER BY name",
                (account_id,),
            )
        ]

    def remove(self, account_id: str, topic_id: str) -> None:
        with self._db.transaction() as cur:
            gone = cur.execute(
                "DELETE FROM topics WHERE id = %s AND account = %s", (topic_id, account_id)
            ).rowcount
        if not gone:
            raise NotFound(f"no topic {topic_id!r}", field="topic")

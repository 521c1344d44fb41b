"""Saved searches of accounts in PostgreSQL (``newswire.store.access.Topics``)."""

from __future__ import annotations

import msgspec
from psycopg import errors

from newswire.access.accounts import Topic
from newswire.errors import Conflict, NotFound
from newswire.model import utcnow
from newswire.store.base import iso
from newswire.store.postgres.database import Database, when

_COLUMNS = "id, account, name, query, lang, subject, urgency, created_at"


class PostgresTopics:
    def __init__(self, db: Database):
        self._db = db

    def add(self, topic: Topic) -> Topic:
        topic = msgspec.structs.replace(topic, created_at=utcnow())
        try:
            with self._db.transaction() as cur:
                cur.execute(
                    f"INSERT INTO topics ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
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
        except errors.IntegrityError:  # as in the SQLite store, whichever constraint
            raise Conflict(f"a topic named {topic.name!r} exists", field="name") from None
        return topic

    def list(self, account_id: str) -> list[Topic]:
        return [
            Topic(
                id=r[0],
                account=r[1],
                name=r[2],
                query=r[3],
                lang=r[4],
                subject=r[5],
                urgency=r[6],
                created_at=when(r[7]),
            )
            for r in self._db.rows(
                f"SELECT {_COLUMNS} FROM topics WHERE account = %s ORDER BY name", (account_id,)
            )
        ]

    def remove(self, account_id: str, topic_id: str) -> None:
        with self._db.transaction() as cur:
            gone = cur.execute(
                "DELETE FROM topics WHERE id = %s AND account = %s", (topic_id, account_id)
            ).rowcount
        if not gone:
            raise NotFound(f"no topic {topic_id!r}", field="topic")

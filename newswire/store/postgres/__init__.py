"""The PostgreSQL store: several processes and nodes on one database server.

``postgresql://user@host/dbname`` (also ``postgres://`` and ``postgresql+psycopg://``).
The same contract as the SQLite store (``newswire.store.base``), written against psycopg 3
and its connection pool; one module per noun, as the SQLite package. What it does
differently, and why, is in docs/postgres.md: mostly that writers run at once, ordered
by a commit-ordered sequence (``items``), and that the watch is LISTEN/NOTIFY.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from newswire.errors import BadInput
from newswire.store.postgres.database import Database, conninfo, where
from newswire.store.postgres.items import Items
from newswire.store.postgres.migrations import POSTGRES_MIGRATIONS, has_schema, migrate

if TYPE_CHECKING:
    from newswire.store.postgres.accounts import PostgresAccounts
    from newswire.store.postgres.coordination import PostgresCoordination, PostgresWatch
    from newswire.store.postgres.keys import PostgresKeys
    from newswire.store.postgres.products import PostgresProducts
    from newswire.store.postgres.search_documents import PostgresSearchDocuments
    from newswire.store.postgres.sessions import PostgresSessions
    from newswire.store.postgres.subscribers import PostgresSubscribers
    from newswire.store.postgres.threads import PostgresThreads
    from newswire.store.postgres.topics import PostgresTopics
    from newswire.store.postgres.transfer import PostgresTransfer
    from newswire.store.postgres.usage import PostgresUsage
    from newswire.store.postgres.vocabulary import PostgresVocabulary
    from newswire.store.postgres.webhooks import PostgresWebhooks

__all__ = ["PostgresStore"]


class PostgresStore(Items):
    def __init__(self, url: str = "postgresql://127.0.0.1/newswire", *, create: bool = True):
        self.url = url
        info = conninfo(url)
        _open(info, create=create)
        self._db = Database(info)
        self._info = info

    # The nouns, each a module of its own, imported and made when first used (a CLI
    # command that lists products loads nothing of webhooks), then read from the instance
    # like an attribute (``cached_property``, as the SQLite store).

    @cached_property
    def products(self) -> PostgresProducts:
        from newswire.store.postgres.products import PostgresProducts

        return PostgresProducts(self._db)

    @cached_property
    def subscribers(self) -> PostgresSubscribers:
        from newswire.store.postgres.subscribers import PostgresSubscribers

        return PostgresSubscribers(self._db)

    @cached_property
    def keys(self) -> PostgresKeys:
        from newswire.store.postgres.keys import PostgresKeys

        return PostgresKeys(self._db)

    @cached_property
    def usage(self) -> PostgresUsage:
        from newswire.store.postgres.usage import PostgresUsage

        return PostgresUsage(self._db)

    @cached_property
    def accounts(self) -> PostgresAccounts:
        from newswire.store.postgres.accounts import PostgresAccounts

        return PostgresAccounts(self._db)

    @cached_property
    def sessions(self) -> PostgresSessions:
        from newswire.store.postgres.sessions import PostgresSessions

        return PostgresSessions(self._db)

    @cached_property
    def topics(self) -> PostgresTopics:
        from newswire.store.postgres.topics import PostgresTopics

        return PostgresTopics(self._db)

    @cached_property
    def webhooks(self) -> PostgresWebhooks:
        from newswire.store.postgres.webhooks import PostgresWebhooks

        return PostgresWebhooks(self._db)

    @cached_property
    def search_documents(self) -> PostgresSearchDocuments:
        from newswire.store.postgres.search_documents import PostgresSearchDocuments

        return PostgresSearchDocuments(self._db)

    @cached_property
    def threads(self) -> PostgresThreads:
        from newswire.store.postgres.threads import PostgresThreads

        return PostgresThreads(self._db)

    @cached_property
    def coordination(self) -> PostgresCoordination:
        from newswire.store.postgres.coordination import PostgresCoordination

        return PostgresCoordination(self._db)

    @cached_property
    def vocabulary(self) -> PostgresVocabulary:
        from newswire.store.postgres.vocabulary import PostgresVocabulary

        return PostgresVocabulary(self._db)

    @cached_property
    def transfer(self) -> PostgresTransfer:
        """Whole tables, for ``newswire migrate`` (``newswire.store.transfer``)."""
        from newswire.store.postgres.transfer import PostgresTransfer

        return PostgresTransfer(self._db)

    def watch(self) -> PostgresWatch:
        from newswire.store.postgres.coordination import PostgresWatch

        return PostgresWatch(self._info)

    def index_hint(self) -> Path:
        """Where a node keeps its search index when ``NEWSWIRE_SEARCH_INDEX`` does not say:
        a folder in the working directory named after the database (``newswire.search``).
        Each node has its own (derived data, rebuilt from the log when missing); kept on
        disk so that a restart does not analyse the whole archive again."""
        name = conninfo_to_dict(self._info).get("dbname") or "newswire"
        return Path(f"{name}.search")

    def close(self) -> None:
        self._db.close()


def _open(info: str, *, create: bool) -> None:
    """Connect once, make the database if ``create`` and it is missing, and migrate."""
    try:
        conn = psycopg.connect(info, autocommit=True)
    except psycopg.OperationalError as exc:
        if not create and _missing(info):
            # As the SQLite store says of a file not there: a typo is not an outage.
            raise BadInput(
                f"no database {where(info)} (ingest or import creates one)", field="db"
            ) from None
        if not (create and _create_database(info)):
            raise BadInput(f"cannot open the database {where(info)}: {exc}", field="db") from None
        conn = psycopg.connect(info, autocommit=True)
    try:
        with conn:
            if not create and not has_schema(conn):
                raise BadInput(
                    f"no newswire store in the database {where(info)} (ingest or import"
                    " makes one)",
                    field="db",
                )
            migrate(conn, POSTGRES_MIGRATIONS)
    except psycopg.Error as exc:
        raise BadInput(f"cannot open the database {where(info)}: {exc}", field="db") from None


def _missing(info: str) -> bool:
    """Whether the server is there and the URL's database is not."""
    name = conninfo_to_dict(info).get("dbname")
    if not name or name == "postgres":
        return False
    try:
        with psycopg.connect(make_conninfo(info, dbname="postgres"), autocommit=True) as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return found.fetchone() is None
    except psycopg.Error:
        return False


def _create_database(info: str) -> bool:
    """Make the URL's database when the server is there and it is not (as the SQLite
    store makes its file); False when that is not what was wrong."""
    params = conninfo_to_dict(info)
    name = params.get("dbname")
    if not name or name == "postgres":
        return False
    try:
        with psycopg.connect(
            make_conninfo(info, dbname="postgres"), autocommit=True
        ) as admin:
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                return False  # it exists: the first connection failed for another reason
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(name))))
    except psycopg.errors.DuplicateDatabase:
        return True  # another process made it meanwhile
    except psycopg.Error:
        return False
    return True


# The contract, checked: mypy verifies that the store and each of its nouns structurally
# satisfy their Protocols (nothing here runs; the backend is not imported by the layers above).
if TYPE_CHECKING:
    from newswire.store.access import Accounts, Keys, Products, Sessions, Subscribers, Topics, Usage
    from newswire.store.base import Coordination, SearchDocuments, Store, Watch
    from newswire.store.threads import Threads
    from newswire.store.transfer import Transfer
    from newswire.store.vocabulary import Vocabulary
    from newswire.store.webhooks import Webhooks

    _store: type[Store] = PostgresStore
    _products: type[Products] = PostgresProducts
    _subscribers: type[Subscribers] = PostgresSubscribers
    _keys: type[Keys] = PostgresKeys
    _usage: type[Usage] = PostgresUsage
    _accounts: type[Accounts] = PostgresAccounts
    _sessions: type[Sessions] = PostgresSessions
    _topics: type[Topics] = PostgresTopics
    _webhooks: type[Webhooks] = PostgresWebhooks
    _search_documents: type[SearchDocuments] = PostgresSearchDocuments
    _threads: type[Threads] = PostgresThreads
    _vocabulary: type[Vocabulary] = PostgresVocabulary
    _coordination: type[Coordination] = PostgresCoordination
    _transfer: type[Transfer] = PostgresTransfer
    _postgreswatch: type[Watch] = PostgresWatch

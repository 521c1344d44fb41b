"""The PostgreSQL store's connections: a pool, transactions, and what their errors mean.

Every noun of the store (``items``, ``products``, ...) shares one ``Database``: a
``psycopg_pool.ConnectionPool`` of autocommit connections. A read is one statement on a
pooled connection (no BEGIN/COMMIT round trips); a write is ``transaction()``, which
commits when its block ends and rolls back if it raises.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from newswire.errors import BadInput, Unavailable, Unprocessable
from newswire.logs import pool_connected
from newswire.store.base import Args, Row

log = logging.getLogger(__name__)

SCHEMES = ("postgresql+psycopg://", "postgresql://", "postgres://")

POOL_NAME = "newswire"
"""The pool's name, in psycopg's own lines about it (``error connecting in 'newswire'``)."""
POOL_SIZE = 10
"""Connections per store (per process): the threads of a server's thread pool share them."""
WAIT_SECONDS = 3.0
"""How long a request waits for a connection before it is a 503: a statement takes
milliseconds, so a longer wait means the database is out of reach, and a node that lost
it must say so (503 on writes and ``/ready``) rather than hold its clients for the
pool's default 30 s each."""
UNREACHABLE_WAIT_SECONDS = 0.5
"""How long a request waits for a connection once the pool has given a round of tries up
(``unreachable``): the wait still lets a database that is back answer it (a connection
takes milliseconds), and a node cut off from its database says so in half a second, not
``WAIT_SECONDS`` a request (a readiness probe gives up after one second)."""
RECONNECT_SECONDS = 5.0
"""How long the pool tries to replace a lost connection before it gives that round up; the
next request that wants a connection begins a new one. psycopg's pool waits twice as long
after each failed try (1, 2, 4, ... s) until this timeout: with a day's, a database out of
reach for ten minutes was tried again only some eight minutes after it came back, and every
node went on answering 503 meanwhile."""


def conninfo(url: str) -> str:
    """The libpq connection string of a database URL (``postgresql+psycopg://`` is
    SQLAlchemy's spelling of the same URL; libpq knows the other two)."""
    if not url.lower().startswith(SCHEMES):
        raise BadInput(f"not a PostgreSQL URL: {url!r}", field="db")
    # libpq reads only the lower-case scheme (the store registry reads any case).
    url = "postgresql://" + url.split("://", 1)[1]
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise BadInput(f"bad PostgreSQL URL {url!r}: {exc}", field="db") from None
    # A server that does not answer is an error in seconds, not a hang: on connecting, and
    # on a connection whose network went silent (no reset: a cable, a firewall), which
    # without keepalives and a send timeout the kernel would wait on for some 15 minutes
    # (a node's reads of the access generation hanging as long: docs/delivery.md).
    params.setdefault("connect_timeout", 10)
    params.setdefault("keepalives", 1)
    params.setdefault("keepalives_idle", 5)
    params.setdefault("keepalives_interval", 2)
    params.setdefault("keepalives_count", 3)
    params.setdefault("tcp_user_timeout", 10_000)  # milliseconds
    params.setdefault("application_name", "newswire")
    return make_conninfo("", **params)


def where(info: str) -> str:
    """``dbname on host[:port]``, for messages: never the password a URL may carry. The port
    when the URL gives one: a database missing on one port may be on another server's."""
    params = conninfo_to_dict(info)
    server = str(params.get("host") or "localhost")
    if params.get("port"):
        server = f"[{server}]:{params['port']}" if ":" in server else f"{server}:{params['port']}"
    return f"{params.get('dbname') or params.get('user') or 'postgres'} on {server}"


def when(text: str | None) -> datetime | None:
    """A time stored as ISO text (``iso``, ``stamp``), aware and in UTC."""
    return datetime.fromisoformat(text).astimezone(UTC) if text else None


def nameable(text: str) -> bool:
    """Whether a name or id asked for (a route's path, a command's argument) can be stored:
    not when it holds a NUL, which no name or id does and PostgreSQL cannot even compare a
    text with (``Database.connection`` would make it the 422 of a body not stored). Such a
    one is looked up as any other not there, as the SQLite store finds it: not found."""
    return "\x00" not in text


def present(row: Row | None) -> Row:
    """The row of a query that always returns one (an aggregate, the one-row counter)."""
    if row is None:
        raise RuntimeError("the query returned no row")
    return row


class Database:
    """A pool of connections to one database, shared by the store's nouns."""

    def __init__(self, info: str, *, size: int = POOL_SIZE):
        self.info = info
        self.pool = ConnectionPool(
            info,
            min_size=1,
            max_size=size,
            kwargs={"autocommit": True},
            name=POOL_NAME,
            open=False,
            timeout=WAIT_SECONDS,
            # A connection is checked (one round trip) as it is taken, so a database that
            # restarted or a network that broke costs no request an error; the hot paths
            # (feeds, streams, keys) answer from memory and seldom take one.
            check=ConnectionPool.check_connection,
            reconnect_timeout=30.0,  # as long as opening waits; RECONNECT_SECONDS once open
            reconnect_failed=self._out_of_reach,
            # A new connection ends an outage for the log: the pool's next failure to
            # connect is written again (``newswire.logs.PoolOnce``).
            configure=self._connected,
        )
        self.unreachable = False
        """The pool gave up a round of tries to connect, and no connection was had since."""
        self._errors_when_connected = 0
        """psycopg's count of failed tries to connect when a connection was last made."""
        try:
            self.pool.open(wait=True, timeout=30)
        except PoolTimeout:
            self.pool.close()
            raise BadInput(f"cannot connect to the database {where(info)}", field="db") from None
        self.pool.reconnect_timeout = RECONNECT_SECONDS

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection; a lost server is a 503 (try again), not a crash."""
        try:
            wait = UNREACHABLE_WAIT_SECONDS if self.unreachable else None  # None: WAIT_SECONDS
            with self.pool.connection(timeout=wait) as conn:
                if self.unreachable:
                    self.unreachable = False
                    log.warning("the database %s answers again", where(self.info))
                yield conn
        except PoolTimeout:
            if self.unreachable or self._failing_to_connect():
                # Not a busy pool: its tries to connect fail. psycopg's pool said why at
                # the first (``PoolOnce``), and ``_out_of_reach`` says it once when the
                # round is given up: the loops that retry meanwhile need not say it again,
                # each with a traceback, and the 503 names the database.
                error = Unavailable(f"cannot reach the database {where(self.info)}; try again")
                error.logged = True
                raise error from None
            raise Unavailable("no database connection is free; try again") from None
        except psycopg.DataError as exc:
            # A value PostgreSQL cannot hold (a NUL in a text): what was sent is at fault,
            # and nothing was stored. Inputs are checked before; this is the last guard.
            raise Unprocessable(f"a value cannot be stored: {exc}", field="body") from None
        except psycopg.OperationalError as exc:
            # Connection lost, server shutting down, a deadlock or a cancelled statement:
            # each is transient, and the transaction was rolled back.
            raise Unavailable(f"the database failed: {exc}; try again") from None

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Cursor]:
        """A cursor inside a transaction: committed when the block ends, rolled back if it
        raises."""
        with self.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield cur

    @contextmanager
    def writing(self) -> Iterator[psycopg.Connection]:
        """A connection inside a transaction, committed when the block ends, rolled back if
        it raises."""
        with self.connection() as conn, conn.transaction():
            yield conn

    @contextmanager
    def pipeline(self) -> Iterator[psycopg.Connection]:
        """A connection in pipeline mode inside a transaction, committed when the block
        ends, rolled back if it raises.

        Statements are sent without waiting for each other's answers: the server runs them
        in order, each with its own snapshot, and the client waits only when it reads a
        result (``fetch*``) and at the commit. BEGIN goes with the first statement and the
        COMMIT with the last writes, so a short write waits for the results it reads and
        for its commit, not for each statement. (``conn.transaction()`` would wait for its
        BEGIN and its COMMIT apart.) COPY cannot run in a pipeline."""
        with self.connection() as conn:
            try:
                with conn.pipeline():  # leaving it sends what is queued and waits
                    conn.execute("BEGIN")
                    yield conn
                    conn.execute("COMMIT")
            except BaseException:
                if not conn.closed:
                    conn.rollback()
                raise

    def rows(self, sql: str, args: Args | Mapping[str, object] = ()) -> list[Row]:
        # Results in binary: an item's bytes as they are, not as hex text (half the time).
        with self.connection() as conn:
            return conn.execute(sql, args, binary=True).fetchall()

    def one(self, sql: str, args: Args | Mapping[str, object] = ()) -> Row | None:
        with self.connection() as conn:
            return conn.execute(sql, args, binary=True).fetchone()

    def _connected(self, conn: psycopg.Connection) -> None:
        self._errors_when_connected = self._connection_errors()
        pool_connected(POOL_NAME)

    def _connection_errors(self) -> int:
        return self.pool.get_stats().get("connections_errors", 0)

    def _failing_to_connect(self) -> bool:
        """The pool failed a try to connect since it last made a connection: a wait for
        one that ran out is the database out of reach, not every connection in use."""
        return self._connection_errors() > self._errors_when_connected

    def _out_of_reach(self, pool: ConnectionPool) -> None:
        """The pool gave up trying to connect for ``RECONNECT_SECONDS`` (said once until a
        connection is had again)."""
        if not self.unreachable:
            self.unreachable = True
            log.warning(
                "cannot reach the database %s: requests that need it get 503 until it answers",
                where(self.info),
            )

    def close(self) -> None:
        self.pool.close()

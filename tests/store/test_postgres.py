"""PostgreSQL specifics: append-only enforced by the database, migrations run once however
many open at once, URLs, the watch's own connection, a lost connection."""

from __future__ import annotations

import contextlib
import io
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from pkgutil import resolve_name as resolve

import psycopg
import pytest

from newswire.access.keys import ApiKey
from newswire.errors import BadInput, Unavailable
from newswire.logs import logging_config
from newswire.model import NewsItem, utcnow
from newswire.store import open_store
from newswire.store.base import ACCESS, LOG
from newswire.store.postgres.migrations import POSTGRES_MIGRATIONS, migrate
from tests.conftest import POSTGRES
from tests.helpers import retry_until


@pytest.fixture
def store_backend(postgres_server) -> str:
    """Postgres alone: these are its specifics."""
    return "postgres"


def item(uri: str, headline: str = "h", **fields) -> NewsItem:
    return NewsItem(id=uri, language="ar", headline=headline, body=["b"], **fields)


def sql(url: str, statement: str, args: tuple = ()) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(statement, args)
        return cur.fetchall() if cur.description else []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE versions SET headline = 'x'",
        "DELETE FROM versions",
        "TRUNCATE versions CASCADE",
        "UPDATE lifts SET lifted_at = 'x'",
        "DELETE FROM lifts",
    ],
)
def test_versions_and_lifts_cannot_be_changed_or_deleted(store, store_url, statement):
    store.append(item("urn:x:1", embargo_until=utcnow() + timedelta(hours=1)))
    store.lift_due(utcnow() + timedelta(hours=2))
    with pytest.raises(psycopg.IntegrityError, match="append-only"):
        sql(store_url, statement)
    assert [c.kind for c in store.changes(0, 10)] == ["item", "embargo-lift"]


def test_openers_at_once_run_each_migration_once(make_store_url):
    url = make_store_url()
    barrier = threading.Barrier(4)
    opened, errors = [], []

    def opener() -> None:
        try:
            barrier.wait(30)
            opened.append(open_store(url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for s in opened:
        s.close()
    assert errors == [] and len(opened) == 4
    numbers = [r[0] for r in sql(url, "SELECT number FROM schema_migrations ORDER BY 1")]
    assert numbers == [m.number for m in POSTGRES_MIGRATIONS]


def test_a_database_of_an_older_schema_is_brought_up_to_date(make_store_url):
    url = make_store_url()
    with psycopg.connect(url, autocommit=True) as conn:
        assert migrate(conn, POSTGRES_MIGRATIONS, upto=1) == [1]
    store = open_store(url)
    try:
        store.append(item("urn:old:1"))
        assert store.coordination.generation() == 0  # the last step's table is there
    finally:
        store.close()
    numbers = [r[0] for r in sql(url, "SELECT number FROM schema_migrations ORDER BY 1")]
    assert numbers == [m.number for m in POSTGRES_MIGRATIONS]


def test_a_database_of_a_newer_release_is_refused(store, store_url):
    sql(store_url, "INSERT INTO schema_migrations VALUES (999, 'future', 'x')")
    with pytest.raises(BadInput, match="newer newswire"):
        open_store(store_url)


def test_without_create_an_empty_or_missing_database_is_an_error(make_store_url):
    empty = make_store_url()
    with pytest.raises(BadInput, match="no newswire store"):
        open_store(empty, create=False)
    with pytest.raises(BadInput, match=r"no database newswire_test_missing_.* creates one"):
        open_store(f"{POSTGRES}/newswire_test_missing_{threading.get_ident()}", create=False)
    open_store(empty).close()  # with create, the store is made
    open_store(empty, create=False).close()


def test_a_database_that_cannot_be_opened_is_named_with_its_server_and_port():
    """An operator who typed the wrong port (another cluster, where that database is
    missing) is told which server was asked, not only its host."""
    missing = f"newswire_test_missing_{threading.get_ident()}"
    with pytest.raises(BadInput, match=rf"no database {missing} on 127\.0\.0\.1:5432 "):
        open_store(f"{POSTGRES}/{missing}", create=False)


def test_a_missing_database_is_made_when_creating(store_backend):
    name = f"newswire_test_made_{threading.get_ident()}"
    try:
        store = open_store(f"{POSTGRES}/{name}")
        store.append(item("urn:made:1"))
        store.close()
    finally:
        sql(f"{POSTGRES}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_every_spelling_of_the_url_opens_the_same_store(store, store_url):
    store.append(item("urn:url:1"))
    for scheme in ("postgres://", "postgresql+psycopg://", "POSTGRESQL://"):
        other = open_store(scheme + store_url.split("://", 1)[1])
        try:
            assert other.get("urn:url:1").item.headline == "h"
        finally:
            other.close()
    # A server's database has no folder beside it: the index goes in the working folder,
    # named after the database.
    assert store.index_hint() == Path(store_url.rsplit("/", 1)[1] + ".search")


@pytest.mark.parametrize(
    "url,message",
    [
        ("postgresql://127.0.0.1:1/newswire", "cannot open"),
        ("postgresql://127.0.0.1/x?nonsense=1", "bad PostgreSQL URL|cannot open"),
    ],
)
def test_bad_postgres_urls(url, message):
    with pytest.raises(BadInput, match=message):
        open_store(url)


def test_a_watch_whose_connection_breaks_says_so_and_listens_again(store, store_url):
    watch = store.watch()
    try:
        assert not watch.changed()
        terminated = sql(
            store_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query LIKE 'LISTEN%%'",
        )
        assert terminated == [(True,)]
        # What was committed while it was not listening, it cannot know: True, read again.
        retry_until(watch.changed, "the watch to notice its connection broke")
        retry_until(watch.changed, "the watch to listen again")
        assert not watch.changed()
        store.append(item("urn:watch:after"))
        retry_until(watch.changed, "the watch to see a commit after listening again")
    finally:
        watch.close()


def test_a_watch_tells_log_entries_from_access_changes(store, store_url):
    """NOTIFY's payload says what moved, so a follower reads the access generation only
    when it did, not on every item."""
    other = open_store(store_url)
    watch = store.watch()
    try:
        other.append(item("urn:watch:log"))
        assert retry_until(watch.changed, "the log entry") == {LOG}
        other.keys.add(ApiKey(id="k1", scope="read", name="OPS"), "0" * 64)
        assert retry_until(watch.changed, "the key added") == {ACCESS}
        other.append(item("urn:watch:log:2"))
        other.keys.revoke("k1")
        other.append(item("urn:watch:sentinel"))
        seen: set[str] = set()
        retry_until(lambda: seen.update(watch.changed()) or (LOG in seen and len(seen) == 2),
                    "both, told together or one after the other")
        assert seen == {LOG, ACCESS}
    finally:
        watch.close()
        other.close()


def test_connections_the_server_ended_cost_no_request_an_error(store, store_url):
    """The pool checks each connection as it hands it out: after the server ended them
    all (a restart, a failover), the next calls get new ones and succeed."""
    store.append(item("urn:lost:1"))
    sql(
        store_url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid != pg_backend_pid()",
    )
    assert store.last_seq() == 1
    assert store.append(item("urn:lost:2")).seq == 2


def test_a_store_moves_between_backends_unchanged(store, tmp_path):
    """Exported from SQLite and imported here, then back: the same versions, sequence
    numbers and times (both keep times as the same ISO text)."""
    source = open_store(f"sqlite:///{tmp_path / 'source.db'}")
    back = open_store(f"sqlite:///{tmp_path / 'back.db'}")
    try:
        source.append(item("urn:move:1", embargo_until=datetime(2031, 1, 1, 12, 0, 0, 5, UTC)))
        source.append(item("urn:move:1", headline="v2"))
        source.append(item("urn:move:2", versioncreated=datetime(2025, 5, 1, 8, 30, tzinfo=UTC)))
        source.withdraw("urn:move:2", "legal")
        exported = list(source.export())
        assert store.restore(exported).added == 4
        assert list(store.export()) == exported
        assert back.restore(store.export()).added == 4
        assert list(back.export()) == exported
        assert store.next_embargo() == source.next_embargo() is None  # v2 is not held
        assert store.latest() == source.latest()
        assert list(store.catalogue()) == list(source.catalogue())
        later = datetime.now(UTC) + timedelta(days=3650)
        assert store.lift_due(later) == source.lift_due(later) == []
    finally:
        source.close()
        back.close()


@contextlib.contextmanager
def closed(database: str) -> Iterator[None]:
    """``database`` out of reach: its connections ended and no new ones taken, until the
    block ends."""
    admin = f"{POSTGRES}/postgres"
    sql(admin, f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
    try:
        sql(
            admin,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (database,),
        )
        yield
    finally:
        sql(admin, f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')


def test_a_store_tries_its_database_afresh_however_long_it_was_out_of_reach(
    store, store_url, caplog
):
    """psycopg's pool waits twice as long after each failed try to connect, up to its
    reconnect timeout: with a day's, a database out of reach for ten minutes was tried again
    only minutes after it came back. The pool gives a round of tries up after a few seconds
    (said once, and said again when the database answers), and the next request begins
    another from one second: a request's 503 names the database it cannot reach."""
    database = store_url.rsplit("/", 1)[1]
    store.append(item("urn:outage:1"))
    caplog.set_level(logging.WARNING, logger="newswire.store.postgres.database")
    with closed(database):

        def refused_naming_it() -> bool:
            try:
                store.last_seq()
            except Unavailable as exc:
                return f"cannot reach the database {database}" in str(exc)
            return False

        def given_up() -> bool:
            assert refused_naming_it()  # from the first refusal, not only once said
            return any("cannot reach" in r.getMessage() for r in caplog.records)

        retry_until(given_up, "a round of tries given up", 60)
    said = [r.getMessage() for r in caplog.records if "cannot reach" in r.getMessage()]
    assert len(said) == 1, said
    retry_until(lambda: _answers(store), "the database to answer again", 30)
    assert store.append(item("urn:outage:2")).seq == 2
    assert any("answers again" in r.getMessage() for r in caplog.records)


def _answers(store) -> bool:
    try:
        return store.last_seq() == 1
    except Unavailable:
        return False


def test_a_database_out_of_reach_is_not_logged_again_by_each_call_that_fails_of_it(
    store, store_url
):
    """Every few seconds each of a server's loops (the log, keys, embargoes, webhooks, the
    search index, usage) retried and logged its failure with a traceback: some fifty lines
    a second per process for as long as the database was gone, after the one line that
    says so. The error says it was logged, and the server's log handler leaves it out."""
    database = store_url.rsplit("/", 1)[1]
    with closed(database):

        def refused() -> Unavailable | None:
            try:
                store.last_seq()
            except Unavailable as exc:
                return exc if "cannot reach" in str(exc) else None
            return None

        error = retry_until(refused, "the store to find its database out of reach", 60)
    config = logging_config("text")
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    for name in config["handlers"]["stderr"].get("filters", []):
        handler.addFilter(resolve(config["filters"][name]["()"])())
    for exc in (error, RuntimeError("a bug")):
        handler.handle(
            logging.LogRecord("newswire.hub", logging.ERROR, __file__, 1, "reading the event"
                              " log failed", None, (type(exc), exc, None))
        )
    assert written.getvalue().count("reading the event log failed") == 1
    assert "a bug" in written.getvalue()


def test_psycopgs_pool_says_once_an_outage_that_it_cannot_connect(store_url):
    """psycopg's pool logs every failed try to connect (``error connecting in 'newswire':
    ...``, about one a second per process) for as long as the database is out of reach,
    besides newswire's one line that says so. The server's logging keeps the first (it
    says why) and leaves out the others until the pool connects again."""
    from tests.cluster.conftest import TcpGate

    gate = TcpGate(("127.0.0.1", 5432))
    url = store_url.replace("127.0.0.1:5432", f"127.0.0.1:{gate.port}")
    config = logging_config("text")
    pool_log = logging.getLogger("psycopg.pool")
    installed = config["loggers"].get("psycopg.pool", {}).get("filters", [])
    once = [resolve(config["filters"][name]["()"])() for name in installed]
    tries: list[str] = []  # every line the pool logs, before the filter

    def counted(record: logging.LogRecord) -> bool:
        tries.append(record.getMessage())
        return all(f.filter(record) for f in once)

    written = io.StringIO()
    handler = logging.StreamHandler(written)
    pool_log.addFilter(counted)
    pool_log.addHandler(handler)
    store = open_store(url)
    try:
        store.append(item("urn:outage:pool"))

        def failed_tries() -> int:
            return sum("error connecting in 'newswire'" in line for line in tries)

        def an_outage() -> None:
            gate.cut()
            start = failed_tries()

            def tried_again() -> bool:  # each call waits for the pool (a 503 in a server)
                with pytest.raises(Unavailable):
                    store.last_seq()
                return failed_tries() >= start + 3

            retry_until(tried_again, "three tries to connect", 60)

        an_outage()
        said = written.getvalue()
        assert said.count("error connecting in 'newswire'") == 1, said
        assert "server closed the connection unexpectedly" in said  # why
        assert "reconnection attempt" not in said
        # Connected again: the next outage is said again, once.
        gate.mend()
        retry_until(lambda: _answers(store), "the database to answer again", 30)
        an_outage()
        assert failed_tries() >= 6
        said = written.getvalue()
        assert said.count("error connecting in 'newswire'") == 2, said
    finally:
        pool_log.removeFilter(counted)
        pool_log.removeHandler(handler)
        store.close()
        gate.close()


def test_a_connection_whose_network_goes_silent_fails_in_seconds():
    """Without keepalives and a send timeout, a read on a connection whose network went
    silent (no reset) waited on the kernel's retries, some 15 minutes: a node's reads of
    the access generation hung that long, its streams open for keys revoked elsewhere.
    The URL's own values win."""
    from psycopg.conninfo import conninfo_to_dict

    from newswire.store.postgres.database import conninfo

    params = conninfo_to_dict(conninfo("postgresql://desk@db.example/newswire"))
    assert params["keepalives"] == "1" and int(params["keepalives_idle"]) <= 10
    assert int(params["tcp_user_timeout"]) <= 30_000 and params["connect_timeout"] == "10"
    own = conninfo_to_dict(conninfo("postgresql://db.example/n?keepalives_idle=60"))
    assert own["keepalives_idle"] == "60"

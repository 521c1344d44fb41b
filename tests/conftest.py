"""Shared fixtures: stores for every backend, paths of the fixtures, the seed item."""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

from newswire.store import open_store
from tests.helpers import examples, forget_index, services

# The property tests that name no number of examples try hypothesis's default (100) in
# the long mode, a third of it otherwise (``tests.helpers.LONG``).
settings.register_profile("newswire", max_examples=examples(100))
settings.load_profile("newswire")

# What processes keep of their warm-up (``newswire.enrich.warmcache``): in a folder of the
# test run's own, not the user's, shared by the processes a test starts.
if "NEWSWIRE_CACHE_DIR" not in os.environ:
    _KEPT = tempfile.mkdtemp(prefix="newswire-test-cache-")
    os.environ["NEWSWIRE_CACHE_DIR"] = _KEPT
    atexit.register(shutil.rmtree, _KEPT, ignore_errors=True)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
STANDARDS = FIXTURES / "standards"
SEED = ROOT / "demo" / "seed" / "000_fd5af0361ac50746.txt"
CORPUS_SAMPLE = ROOT / "demo" / "corpus_sample.jsonl"

# Store backends under test; each test gets a fresh, empty store of each.
BACKENDS = ["sqlite", "postgres"]
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
"""The PostgreSQL server of the tests (scripts/services.sh starts it): every test makes
databases of its own on it, emptied afterwards for the next test (``fresh_database``)."""


WHOLE_PACKAGES = ("tests/portal/", "tests/console/")
"""Packages whose world is a package-scoped fixture (a server with its products,
subscribers, accounts and items): under ``make test`` their files run on one worker, so
that the world is made once for each backend, not once for each file."""


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadfile`` (``make test``), with each package of ``WHOLE_PACKAGES`` one unit
    of work, as a file is. (``--dist loadgroup`` and its ``xdist_group`` marks would say the
    same, but pytest-xdist 3.8 cannot group under pytest 9: the group it appends to a test's
    id is dropped.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        _ordered = False

        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return next((p for p in WHOLE_PACKAGES if path.startswith(p)), path)

        def _assign_work_unit(self, node) -> None:
            if not self._ordered:  # the first unit handed out: the queue is whole
                self._ordered = True
                units = sorted(self.workqueue.items(), key=lambda u: -_seconds(*u))
                self.workqueue.clear()
                self.workqueue.update(units)
            super()._assign_work_unit(node)

    return Scheduling(config, log)


UNIT_SECONDS = {
    "tests/cluster/test_nodes.py": 88, "tests/portal/": 76, "tests/test_cli.py": 68,
    "tests/api/test_openapi_conformance.py": 66, "tests/delivery/test_workers.py": 61,
    "tests/console/": 44, "tests/delivery/test_stream.py": 37,
    "tests/delivery/test_webhooks.py": 36, "tests/api/test_media_api.py": 35,
    "tests/enrich/test_flow.py": 34, "tests/api/test_ops.py": 31,
    "tests/browser/test_faces.py": 29, "tests/store/test_postgres.py": 23,
    "tests/api/test_webhooks_api.py": 22, "tests/delivery/test_lifecycle.py": 21,
    "tests/api/test_search_api.py": 19, "tests/browser/test_video.py": 19,
}  # fmt: skip
"""Seconds each of the longest units of work took in a run of the suite (``--durations=0``,
summed by file): the units are handed out longest first, so that the run does not end on
one worker with a long file while the others wait (xdist hands them out by their number of
tests, so the server tests, few and long, came last: the conformance runs, nine tests and
70 s, were among the last units handed out). Only an order: a unit not listed counts a
third of a second a test."""


def _seconds(unit: str, tests: dict) -> float:
    return UNIT_SECONDS.get(unit, len(tests) / 3)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked ``any_store`` checks what does not depend on the store (a command's
    arguments and usage errors, what a page's markup says): it runs on the default store,
    SQLite, not once more on PostgreSQL to check the same thing in a suite that must stay
    under its time."""
    dropped = [item for item in items if _postgres_only_again(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(map(id, dropped))
        items[:] = [item for item in items if id(item) not in gone]


def _postgres_only_again(item: pytest.Item) -> bool:
    """Whether ``item`` is marked ``any_store`` and is its PostgreSQL run: any fixture
    parametrised by ``BACKENDS`` (``store_backend``, ``module_backend``, a package's world)
    set to ``postgres``."""
    if item.get_closest_marker("any_store") is None:
        return False
    params = getattr(getattr(item, "callspec", None), "params", {})
    return "postgres" in params.values()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of the PostgreSQL server, started by scripts/services.sh if need be."""
    services("postgres")
    return POSTGRES


def use_backend(request: pytest.FixtureRequest) -> str:
    """The backend a fixture parametrised by ``BACKENDS`` is for, its server started."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_server")
    return request.param


@contextmanager
def fresh_database(backend: str, folder: Path, name: str = "test") -> Iterator[str]:
    """The URL of a fresh, empty database of ``backend``, for the ``with`` block: an SQLite
    file ``name``.db in ``folder``, or a PostgreSQL database of its own (``_SPARE``)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    database = _SPARE.pop() if _SPARE else _created()
    try:
        yield f"{POSTGRES}/{database}"
    finally:
        forget_index(f"{POSTGRES}/{database}")
        try:
            _emptied(database)
        except Exception:
            _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        else:
            _SPARE.append(database)


_SPARE: list[str] = []
"""PostgreSQL databases a test has finished with, emptied, for the next test of this
process (all are dropped at the end of the session). Dropping a database makes PostgreSQL
write a checkpoint of every database's changes and wait for it: with a database a test,
that was a tenth of a second to most of one a test, and writes that slowed the tests
running beside it; emptying one drops what the test made and nothing else."""


_MADE: list[str] = []
"""Every database ``_created``, to drop at the end of the session."""


def _created() -> str:
    database = f"newswire_test_{secrets.token_hex(6)}"
    _admin(f'CREATE DATABASE "{database}"')
    _MADE.append(database)
    return database


def _emptied(database: str) -> None:
    """``database`` as ``CREATE DATABASE`` made it: its connections ended (a test that
    failed may have left some, or a server), connections allowed, its schema and large
    objects (the PostgreSQL blob store's) dropped and the schema made again."""
    import psycopg

    _admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        f" WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    )
    _admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    with psycopg.connect(f"{POSTGRES}/{database}", autocommit=True) as conn:
        conn.execute("SELECT lo_unlink(oid) FROM pg_largeobject_metadata")
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(statement)


@pytest.fixture(scope="session", autouse=True)
def _drop_made_databases() -> Iterator[None]:
    yield
    for database in _MADE:
        with contextlib.suppress(Exception):
            _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


# Per test: a fresh store for each test of each backend (``[sqlite]``, ``[postgres]``).
@pytest.fixture(params=BACKENDS)
def store_backend(request) -> str:
    return use_backend(request)


@pytest.fixture
def make_store_url(store_backend, tmp_path):
    """``make_store_url()``: the URL of another fresh, empty store of the backend under test
    (an SQLite file in the test's folder, or a PostgreSQL database emptied afterwards)."""
    with ExitStack() as made:
        names = iter(["test", *(f"other{n}" for n in range(1, 100))])
        yield lambda: made.enter_context(fresh_database(store_backend, tmp_path, next(names)))


@pytest.fixture
def store_url(make_store_url) -> str:
    return make_store_url()


@pytest.fixture
def absent_store_url(store_backend, tmp_path) -> Iterator[str]:
    """The URL of a store of the backend under test that does not exist (an SQLite file
    not there, a PostgreSQL database not made); dropped afterwards if a test made it."""
    if store_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'absent.db'}"
        return
    database = f"newswire_test_{secrets.token_hex(6)}"
    yield f"{POSTGRES}/{database}"
    _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


# Per module: one database for all the tests of a module, for each backend, for modules
# that start a server once (its start, and filling the database, cost more than a test).
@pytest.fixture(scope="module", params=BACKENDS)
def module_backend(request) -> str:
    return use_backend(request)


@pytest.fixture(scope="module")
def make_module_store_url(module_backend, tmp_path_factory):
    """``make_module_store_url()``: the URL of a fresh, empty store of the backend under
    test, kept for the module."""
    with ExitStack() as made:

        def make() -> str:
            folder = tmp_path_factory.mktemp(module_backend)
            return made.enter_context(fresh_database(module_backend, folder))

        yield make


@pytest.fixture(scope="module")
def module_store_url(make_module_store_url) -> str:
    return make_module_store_url()


@pytest.fixture
def store(store_url):
    s = open_store(store_url)
    yield s
    s.close()

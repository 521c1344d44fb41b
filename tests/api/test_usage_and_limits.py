"""Usage metering, rate limits, scopes and ``/metrics``, through a real ``newswire serve``:
what a subscriber reads (feed, item, stream) is counted and reported over HTTP and by the
CLI; a subscriber over its rate limit gets 429; the Prometheus metrics move."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
import pytest

from tests.api.test_admin import new_key, next_frame, problem, sse
from tests.conftest import SEED
from tests.helpers import Server, make_key, retry_until, set_up
from tests.helpers import metric as read_metric
from tests.helpers import newswire_here as newswire

NINJS = {"Content-Type": "application/ninjs+json"}


def ninjs(uri: str, headline: str) -> bytes:
    return json.dumps(
        {
            "uri": uri,
            "type": "text",
            "language": "en",
            "headlines": [{"role": "main", "value": headline}],
            "bodies": [{"role": "main", "contentType": "text/plain", "value": "Body."}],
        }
    ).encode()


@pytest.fixture(scope="module")
def db(module_store_url) -> str:
    return module_store_url


@pytest.fixture(scope="module")
def limited_key(db) -> str:
    """A key of a subscriber made by the CLI with a limit of 3 requests a minute."""
    for args in (
        ("product", "add", "all", "--access", "full"),
        ("subscriber", "add", "limited", "--product", "all", "--rate-limit", "3"),
    ):
        result = newswire(*args, db=db)
        assert result.returncode == 0, result.stderr.decode()
    return make_key(db, "--subscriber", "limited")


@pytest.fixture(scope="module")
def server(db, limited_key):
    srv = Server(db)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def admin(server, db) -> Iterator[httpx.Client]:
    with server.client(make_key(db, "--scope", "admin", "--name", "OPS")) as c:
        yield c


@pytest.fixture(scope="module")
def desk(server, admin) -> Iterator[httpx.Client]:
    key, _ = new_key(admin, scope="publish", name="DESK")
    with server.client(key) as c:
        yield c


def reader(server: Server, admin: httpx.Client, name: str) -> httpx.Client:
    """A client with the read key of a new subscriber ``name`` receiving everything."""
    made = admin.post("/v1/admin/subscribers", json={"name": name, "products": ["all"]})
    assert made.status_code == 201, made.text
    key, _ = new_key(admin, scope="read", subscriber=name)
    return server.client(key)


def publish(desk: httpx.Client, uri: str, headline: str = "A headline") -> dict:
    response = desk.post("/v1/items", content=ninjs(uri, headline), headers=NINJS)
    assert response.status_code == 201, response.text
    return response.json()


# --- usage ----------------------------------------------------------------------------------


def test_usage_counts_feed_item_and_stream_deliveries(server, admin, desk, db):
    item = publish(desk, "urn:usage:1")
    publish(desk, "urn:usage:2")
    today = datetime.now(UTC).date().isoformat()
    with reader(server, admin, "metered") as c:
        entries = c.get("/v1/feed").json()["items"]
        assert len(entries) >= 2
        assert c.get(f"/v1/items/{quote(item['id'], safe='')}").status_code == 200
        # A stream from the start replays the same entries as the feed.
        key = c.headers["authorization"].removeprefix("Bearer ")
        with sse(server, key, after=0) as lines:
            frames = [next_frame(lines) for _ in entries]
        assert [int(f["id"]) for f in frames] == [e["sequence"] for e in entries]

        report = c.get("/v1/usage", params={"from": today, "to": today}).json()
        want = {"feed": len(entries), "item": 1, "stream": len(entries)}
        assert report["subscriber"] == "metered" and report["from"] == today
        assert report["totals"]["channels"] == want
        assert report["totals"]["count"] == sum(want.values())
        assert report["totals"]["products"] == {"all": sum(want.values())}
        assert {(r["day"], r["subscriber"], r["product"]) for r in report["rows"]} == {
            (today, "metered", "all")
        }
        assert {r["channel"]: r["count"] for r in report["rows"]} == want
        # Nothing before today, and a read key sees only its own subscriber.
        assert c.get("/v1/usage", params={"to": "2000-01-01"}).json()["rows"] == []
        problem(c.get("/v1/usage", params={"subscriber": "limited"}), 403, "subscriber")

    everyone = admin.get("/v1/usage").json()
    assert everyone["subscriber"] is None
    assert everyone["totals"]["subscribers"]["metered"] == sum(want.values())
    one = admin.get("/v1/usage", params={"subscriber": "metered"}).json()
    assert one["rows"] == report["rows"]
    problem(admin.get("/v1/usage", params={"subscriber": "nobody"}), 404, "subscriber")

    # The CLI reads the same table (the report above has flushed the server's counts).
    cli = newswire("usage", "--subscriber", "metered", "--from", today, "--json", db=db)
    assert cli.returncode == 0, cli.stderr.decode()
    assert json.loads(cli.stdout)["totals"]["channels"] == want
    table = newswire("usage", "--subscriber", "metered", db=db)
    assert table.returncode == 0, table.stderr.decode()
    lines = table.stdout.decode().splitlines()  # piped: tab-separated rows
    assert f"{today}\tmetered\tfeed\tall\t{len(entries)}" in lines
    assert f"{today}\tmetered\titem\tall\t1" in lines
    assert b"deliveries" in table.stderr
    # A subscriber not there is said, as the API's 404 says it, not "0 deliveries".
    nobody = newswire("usage", "--subscriber", "nobody", db=db)
    assert nobody.returncode == 1 and b"no subscriber 'nobody'" in nobody.stderr


@pytest.mark.parametrize(
    "params,status,field",
    [
        ({"from": "yesterday"}, 400, "from"),
        ({"from": "2024-1-5"}, 400, "from"),
        ({"from": " 2024-01-05"}, 400, "from"),
        ({"to": "2024-02-30"}, 400, "to"),
        # Two days, each of the declared form, the wrong way round: unprocessable.
        ({"from": "2024-03-02", "to": "2024-03-01"}, 422, "from"),
    ],
)
def test_malformed_days_are_refused(admin, params, status, field):
    problem(admin.get("/v1/usage", params=params), status, field)


def test_the_cli_refuses_malformed_days(db, limited_key):
    result = newswire("usage", "--from", "2024-13-01", db=db)
    assert result.returncode == 2 and b"--from" in result.stderr


def test_who_may_read_usage(server, desk):
    problem(desk.get("/v1/usage"), 403, "Authorization")
    with server.client() as anonymous:
        problem(anonymous.get("/v1/usage"), 401, "Authorization")


# --- rate limits and scopes -----------------------------------------------------------------


def test_a_subscriber_over_its_rate_limit_gets_429(server, limited_key):
    refused = metric(server, "newswire_rate_limited_total")
    with server.client(limited_key) as c:
        assert [c.get("/v1/feed").status_code for _ in range(3)] == [200, 200, 200]
        over = c.get("/v1/feed")
        body = problem(over, 429, "Authorization")
        assert "limited" in body["detail"] and "3 requests a minute" in body["detail"]
        assert int(over.headers["retry-after"]) >= 1
        problem(c.get("/v1/feed"), 429, "Authorization")
    assert metric(server, "newswire_rate_limited_total") == refused + 2  # one a refusal


def test_a_read_key_cannot_publish(server, admin):
    with reader(server, admin, "no-publisher") as c:
        before = c.get("/ready").json()
        problem(c.post("/v1/items", content=ninjs("urn:usage:nope", "No")), 403, "Authorization")
        assert c.get("/ready").json() == before


# --- metrics ------------------------------------------------------------------------------


def metric(server: Server, name: str, **labels: str) -> float:
    return read_metric(server.url, name, **labels)


def test_metrics_follow_streams_and_deliveries(server, admin, desk):
    connected = ("newswire_streams_connected", {"channel": "stream"})
    latency = ("newswire_publish_to_deliver_seconds_count", {"channel": "stream"})
    with reader(server, admin, "watcher") as c:
        key = c.headers["authorization"].removeprefix("Bearer ")
        before = metric(server, connected[0], **connected[1])
        seen = metric(server, latency[0], **latency[1])
        with sse(server, key) as lines:
            assert metric(server, connected[0], **connected[1]) == before + 1
            published = publish(desk, "urn:usage:live", "Live")
            frame = next_frame(lines)
            assert frame["event"] == "item" and int(frame["id"]) == published["sequence"]
            # Observed as the frame is written: by the time it is read, or a moment later.
            retry_until(lambda: metric(server, latency[0], **latency[1]) == seen + 1,
                        "the latency observed")
        # The server sees the client go away when it next hears from the connection.
        retry_until(lambda: metric(server, connected[0], **connected[1]) == before,
                    "the stream no longer counted")

        fed = metric(server, "newswire_deliveries_total", channel="feed")
        entries = c.get("/v1/feed").json()["items"]
        assert entries
        assert metric(server, "newswire_deliveries_total", channel="feed") == fed + len(entries)


def test_usage_counts_that_cannot_be_written_are_said_once_then_written(tmp_path):
    """While another process holds the database locked, every round of writing the usage
    counts fails: the log says so once (no traceback), ``/metrics`` counts the rounds, and
    once the lock is gone the counts are written and the log says that once too."""
    import contextlib
    import sqlite3

    path = tmp_path / "locked.db"
    db = f"sqlite:///{path}"
    set_up(
        db,
        ("ingest", str(SEED)),
        ("product", "add", "all", "--access", "full"),
        ("subscriber", "add", "reader", "--product", "all"),
    )
    key = make_key(db, "--subscriber", "reader")
    log = tmp_path / "server.log"
    # A write waits a second for the lock, not the default ten: each failed round is the
    # same failure, sooner.
    server = Server(db, log=log, env={"NEWSWIRE_SQLITE_BUSY_TIMEOUT": "1"})
    try:
        with server.client(key) as reader, \
                contextlib.closing(sqlite3.connect(path, isolation_level=None)) as other:
            # The first request writes (the key's rate bucket); the second reads only.
            assert reader.get("/v1/feed").status_code == 200
            other.execute("BEGIN EXCLUSIVE")
            assert reader.get("/v1/feed").status_code == 200
            retry_until(lambda: read_metric(server.url, "newswire_usage_flush_failures_total") >= 2,
                        "two rounds of writing the usage counts to fail", timeout=60)
            other.execute("COMMIT")
        retry_until(lambda: b"usage counts written again" in log.read_bytes(),
                    "the usage counts to be written", timeout=60)
    finally:
        server.close()
    said = log.read_text()
    assert said.count("writing usage counts failed") == 1, said
    assert "Traceback" not in said, said
    result = newswire("usage", "--json", db=db)
    assert json.loads(result.stdout)["totals"]["channels"] == {"feed": 2}

"""Operations over HTTP, through a real ``newswire serve``: request ids, JSON logs, and
``/ready`` reporting the bus."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.store import open_store
from tests.bus.conftest import NATS, _delete_streams, nats_server  # noqa: F401 (a fixture)
from tests.conftest import SEED, fresh_database
from tests.delivery.wire import ARABIC, NINJS, ninjs_doc, rfc3339
from tests.helpers import Server, free_port, make_key, metric, retry_until

GENERATED = re.compile(r"[0-9a-f]{12}-[0-9a-f]+")


def log_lines(path: Path) -> list[dict]:
    """Every line the server logged, each a JSON object (or the test fails on it)."""
    lines = []
    for text in path.read_text(encoding="utf-8").splitlines():
        line = json.loads(text)
        assert isinstance(line, dict), text
        lines.append(line)
    return lines


def logged(path: Path, **fields) -> dict | None:
    """The first line logged with all of ``fields``."""
    for line in log_lines(path):
        if all(line.get(name) == value for name, value in fields.items()):
            return line
    return None


@pytest.fixture(scope="module")
def served(make_module_store_url, tmp_path_factory):
    """A server logging JSON lines, access lines included, into a file."""
    db, log = make_module_store_url(), tmp_path_factory.mktemp("ops") / "server.log"
    server = Server(db, "--log-format", "json", env={"NEWSWIRE_ACCESS_LOG": "yes"}, log=log)
    server.db = db  # type: ignore[attr-defined]
    yield server, make_key(db, "--scope", "publish", "--name", "DESK"), log
    server.close()


@pytest.mark.any_store
def test_a_sane_request_id_is_answered_and_every_access_line_carries_it(served):
    server, key, log = served
    asked = {}
    with server.client(key) as c:
        for rid, method, path in (
            ("feed-1", "GET", "/v1/feed?limit=5"),  # the fast paths build their own headers
            ("item.404_x", "GET", "/v1/items/urn:test:nothing"),  # a fast path's problem
            ("search-1", "GET", "/v1/search?q=x"),
            ("health-1", "GET", "/health"),  # FastAPI's routes
            ("ready-1", "GET", "/ready"),
            ("public-1", "GET", "/"),
            ("A" * 128, "GET", "/v1/formats"),  # the longest accepted
        ):
            answer = c.request(method, path, headers={"X-Request-Id": rid})
            assert answer.headers["x-request-id"] == rid, path
            asked[rid] = (method, path.split("?")[0], answer.status_code)
        with c.stream("GET", "/v1/stream", headers={"X-Request-Id": "stream-1"}) as live:
            assert live.status_code == 200 and live.headers["x-request-id"] == "stream-1"
        asked["stream-1"] = ("GET", "/v1/stream", 200)
    assert asked["item.404_x"][2] == 404 and asked["health-1"][2] == 200
    for rid, (method, path, status) in asked.items():
        line = retry_until(
            lambda rid=rid: logged(log, logger="newswire.access", request_id=rid),
            f"the access line of {rid}",
        )
        assert (line["method"], line["path"], line["status"]) == (method, path, status)
        assert line["level"] == "INFO" and line["duration_ms"] >= 0
        assert line["client"] == "127.0.0.1"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
        assert path in line["message"] and str(status) in line["message"]
    feed = logged(log, request_id="feed-1")
    assert feed["query"] == "limit=5"


def test_a_request_without_a_sane_id_gets_a_new_one(served):
    server, key, log = served
    with server.client(key) as c:
        given = [
            c.get("/v1/feed").headers["x-request-id"],
            c.get("/health").headers["x-request-id"],
            c.get("/health", headers={"X-Request-Id": "has spaces"}).headers["x-request-id"],
            c.get("/health", headers={"X-Request-Id": "A" * 129}).headers["x-request-id"],
            c.get("/v1/feed", headers={"X-Request-Id": "é".encode()}).headers["x-request-id"],
            c.get("/health", headers={"X-Request-Id": ""}).headers["x-request-id"],
        ]
    assert all(GENERATED.fullmatch(rid) for rid in given), given
    assert len(set(given)) == len(given)
    for rid in given:
        retry_until(
            lambda rid=rid: logged(log, logger="newswire.access", request_id=rid),
            f"the access line of {rid}",
        )


def test_every_line_is_json_with_the_same_fields(served):
    _, _, log = served
    lines = retry_until(lambda: log_lines(log), "the server's first lines")
    for line in lines:
        assert {"time", "level", "logger", "message", "request_id"} <= set(line), line
        assert "color_message" not in line
    started = next(line for line in lines if "Application startup complete" in line["message"])
    assert started["logger"] == "uvicorn.error" and started["request_id"] is None


def test_a_bad_log_format_is_refused(module_store_url):
    from tests.helpers import newswire

    refused = newswire("serve", "--log-format", "xml", db=module_store_url)
    assert refused.returncode == 2
    assert b"say text or json" in refused.stderr


@pytest.fixture(scope="module")
def busless(make_module_store_url, tmp_path_factory):
    """A server whose NATS bus is unreachable (nothing listens on its port)."""
    db, log = make_module_store_url(), tmp_path_factory.mktemp("busless") / "server.log"
    bus = f"nats://127.0.0.1:{free_port()}"
    server = Server(db, "--log-format", "json", env={"NEWSWIRE_BUS": bus}, log=log)
    yield server, make_key(db, "--scope", "publish", "--name", "DESK"), log
    server.close()


@pytest.mark.any_store
def test_a_line_logged_while_handling_a_request_carries_its_id(busless):
    """Publishing stores the item and fails to wake the other nodes: the warning the
    request logs (in the application, not the access log) carries the request's id."""
    server, key, log = busless
    with server.client(key) as c:
        stored = c.post(
            "/v1/items",
            content=SEED.read_bytes(),
            headers={"Content-Type": "text/plain; charset=utf-8", "X-Request-Id": "publish-1"},
        )
    assert stored.status_code == 201 and stored.headers["x-request-id"] == "publish-1"
    line = retry_until(
        lambda: next(
            (x for x in log_lines(log) if x["message"].startswith("bus publish failed")), None
        ),
        "the bus warning in the log",
    )
    assert line["request_id"] == "publish-1"
    assert line["level"] == "WARNING" and line["logger"] == "newswire.delivery"
    # An outage is one line saying why, not a traceback (the hub says it so too).
    assert "cannot reach NATS" in line["message"] and "exception" not in line


def test_ready_is_503_while_the_bus_is_unreachable(busless):
    server, _, _ = busless
    with server.client() as c:
        answer, health = c.get("/ready"), c.get("/health")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    # As every 503 of the API: when to ask again (it was missing on /ready's own).
    assert int(answer.headers["retry-after"]) > 0
    body = answer.json()
    assert body["bus"] == "not connected" and body["field"] == "bus"
    assert "bus" in body["detail"] and body["status"] == 503
    assert body["versions"] >= 0 and "last_seq" in body  # the store answered
    assert health.status_code == 200  # alive all the same


def test_ready_is_503_naming_the_store_and_still_saying_bus_and_search_while_the_database_is_out_of_reach(
    postgres_server, tmp_path
):
    # The database's own error was answered alone: no field naming the store, and
    # neither the bus's nor the search index's state, which the bus's 503 gives.
    from tests.store.test_postgres import closed

    with fresh_database("postgres", tmp_path) as db:
        server = Server(db)
        try:
            with server.client() as c:
                retry_until(lambda: c.get("/ready").status_code == 200, "the server ready")
                with closed(db.rsplit("/", 1)[1]):
                    answer = retry_until(
                        lambda: (r := c.get("/ready")).status_code == 503 and r,
                        "the server to find its database out of reach",
                    )
                    body = answer.json()
                    assert answer.headers["content-type"] == "application/problem+json"
                    assert int(answer.headers["retry-after"]) > 0
                    assert body["field"] == "store" and body["detail"].startswith("store: ")
                    assert body["bus"] == "ready" and body["search"] in ("ready", "building")
                    assert "process" in body and "last_seq" not in body
                retry_until(lambda: c.get("/ready").status_code == 200, "the database back")
        finally:
            server.close()


def test_ready_reports_a_memory_bus_ready(served):
    server, _, _ = served
    with server.client() as c:
        body = c.get("/ready").json()
    assert body["status"] == "ready" and body["bus"] == "ready"


def test_ready_reports_a_connected_nats_bus(make_module_store_url, nats_server):  # noqa: F811
    token = uuid.uuid4().hex[:12]
    bus = f"{NATS}?stream=TEST_{token}&subject=test.{token}.items"
    server = Server(make_module_store_url(), env={"NEWSWIRE_BUS": bus})
    try:
        with server.client() as c:
            answer = retry_until(
                lambda: (r := c.get("/ready")).status_code == 200 and r,
                "the server to connect to NATS",
            )
            assert answer.json()["bus"] == "ready"
    finally:
        server.close()
        asyncio.run(_delete_streams([f"TEST_{token}"]))


@pytest.mark.parametrize("method,path,allow", [
    ("DELETE", "/v1/feed", "GET, HEAD"),  # HEAD wherever GET (tests/api/test_head.py)
    ("POST", "/health", "GET, HEAD"),
    ("DELETE", "/v1/webhooks", "GET, HEAD, POST"),  # three routes, one path
    ("PATCH", "/v1/admin/products/news", "DELETE, GET, HEAD, PUT"),
    ("OPTIONS", "/v1/items/urn:x/withdraw", "POST"),
    ("HEAD", "/v1/items", "POST"),  # HEAD only where GET
    ("DELETE", "/v1/items/urn:x/versions", "GET, HEAD"),
])
def test_a_method_a_path_does_not_have_is_405_naming_those_it_has(served, method, path, allow):
    # The README: "a 405 whose Allow names the ones it has". With FastAPI 0.165 (what
    # `make install` takes) the routes of included routers were looked for where they no
    # longer are, and every 405 said `Allow:` with nothing (schemathesis' ST205).
    server, _, _ = served
    response = httpx.request(method, f"{server.url}{path}", timeout=30)
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["allow"] == allow


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_the_api_pages_may_not_be_framed_by_another_site(served, path):
    """``/docs`` is where a subscriber pastes an API key: framed by another site, a click
    there could be taken (clickjacking). Its pages answer as newswire's other HTML pages."""
    server, _, _ = served
    with server.client() as c:
        page = c.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_pages_load_only_newswires_own_files(served, path):
    """With no internet (a newsroom's closed network) a page loading its scripts from a
    CDN is blank, and a page where keys are pasted must run no third party's script."""
    server, _, _ = served
    with server.client() as c:
        page = c.get(path)
        assert page.status_code == 200
        linked = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        assert linked and all(url.startswith("/docs/assets/") for url in linked), linked
        assert "https://" not in page.text and "http://" not in page.text
        for url in linked:
            got = c.get(url)
            assert got.status_code == 200 and len(got.content) > 1000, url
            assert got.headers["content-type"].split("/")[0] in ("text", "image"), url
        assert c.get("/docs/assets/..%2Fconsts.py").status_code == 404
        assert c.get("/docs/assets/core.py").status_code == 404


def test_the_openapi_declares_the_headers_a_problem_comes_with(served):
    """A 401 comes with ``WWW-Authenticate``, a 429 and a 503 with ``Retry-After``
    (``problems.from_error``): a client generated from the OpenAPI reads them only if
    the document declares them; it declared no header on any problem."""
    server, _, _ = served
    document = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    wanted = {"401": "WWW-Authenticate", "429": "Retry-After", "503": "Retry-After"}
    missing = [
        f"{method.upper()} {path} {status}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status, header in wanted.items()
        if status in operation["responses"]
        and header not in operation["responses"][status].get("headers", {})
    ]
    assert not missing


def test_every_v1_operation_takes_a_key_as_the_readme_says(served):
    """"Every ``/v1`` route needs ``Authorization: Bearer <key>``": ``GET /v1/formats``
    answered without one, and its OpenAPI declared no 401."""
    server, key, _ = served
    document = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    keyless = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if path.startswith("/v1/") and "401" not in operation["responses"]
    ]
    assert not keyless
    refused = httpx.get(f"{server.url}/v1/formats", timeout=30)
    assert refused.status_code == 401 and refused.headers["www-authenticate"]
    with server.client(key) as client:
        assert client.get("/v1/formats").status_code == 200


def test_an_error_that_passes_says_when_to_try_again_on_every_face():
    """The API's problems, the portal's and the console's error pages take their
    ``Retry-After`` from one rule: over the rate limit, or something busy or out of
    reach; never for an error that waiting does not mend."""
    from newswire.errors import NotFound, TooManyRequests, Unavailable, retry_headers

    assert retry_headers(TooManyRequests("slow down", retry_after=7)) == {"Retry-After": "7"}
    assert retry_headers(Unavailable("the database is busy")) == {"Retry-After": "5"}
    assert retry_headers(NotFound("no such item")) == {}


def test_requests_are_counted_by_route_with_the_access_log_on(served):
    server, desk, _ = served
    counted = {"method": "GET", "route": "/v1/formats", "status": "200"}
    before = metric(server.url, "newswire_http_requests_total", **counted)
    with server.client(desk) as c:
        assert c.get("/v1/formats").status_code == 200
    assert metric(server.url, "newswire_http_requests_total", **counted) == before + 1


def test_the_gauges_of_what_waits_move_with_a_pending_delivery_and_an_embargo(served):
    server, desk, _ = served
    db = server.db  # type: ignore[attr-defined]
    pending = metric(server.url, "newswire_webhook_deliveries_pending")
    embargoed = metric(server.url, "newswire_embargoes_waiting")
    store = open_store(db)
    try:  # an endpoint that never answers (.invalid is never resolved): deliveries wait
        store.products.add(Product(name="ops-ar", access="full", languages=["ar"]))
        store.subscribers.add(Subscriber(name="ops-hooked", products=["ops-ar"]))
        store.webhooks.add("ops-hooked", "https://hook.invalid/in", "s" * 16, "ninjs")
    finally:
        store.close()
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    with server.client(desk) as c:
        for doc in (ninjs_doc("urn:test:ops:embargoed", "حظر", ARABIC, "ar",
                              embargoedUntil=rfc3339(until)),
                    ninjs_doc("urn:test:ops:hooked", "خبر", ARABIC, "ar")):
            assert c.post("/v1/items", content=json.dumps(doc), headers=NINJS).status_code == 201
    retry_until(lambda: metric(server.url, "newswire_webhook_deliveries_pending") > pending,
                "a delivery pending in /metrics")
    assert metric(server.url, "newswire_embargoes_waiting") == embargoed + 1
    assert metric(server.url, "newswire_embargo_next_lift_timestamp_seconds") == until.timestamp()
    retry_until(lambda: metric(server.url, "newswire_search_index_lag") == 0
                and "newswire_search_index_lag" in httpx.get(f"{server.url}/metrics").text,
                "the search index to take the items in")

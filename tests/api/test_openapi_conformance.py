"""The OpenAPI says exactly what is accepted: ``schemathesis run`` against a real
``newswire serve``, every operation, every check (``--checks all``), once with no key and
once with a key of each scope, finds no failure: on each store backend (SQLite and
PostgreSQL), since what a request may do and what it is answered must not depend on it.

What the checks hold the server to, among others: a request the schema allows is never
refused with 400 (``positive_data_acceptance``), one it forbids is never accepted
(``negative_data_rejection``), every status, content type and header answered is the
one declared, a method a path does not have is 405 with an ``Allow`` header naming the
ones it has, and no answer is a 500.

Each run is bounded: a few examples an operation and phase, one worker, and a time-out
on the whole process as a safety net. Two operations need a bound of their own:

* ``GET /v1/stream`` is an endless event stream: schemathesis reads its first event, or
  stops reading after a second of quiet (a stream is live and says nothing while nothing
  is published); its refusals (a bad cursor or format, a key without ``read``) are
  answered at once like any other.
* ``GET /v1/feed?wait=S`` is a long poll: ``conformance_hooks`` cuts a generated wait to a
  fraction of a second (the server clamps a wait over 60 s with a note, so the schema
  cannot bound it).

The runs really do things: the publish and admin runs store items, products,
subscribers and keys, the read and admin runs register webhooks. Webhook deliveries
must never leave this machine: the server is started with private addresses allowed
(so it resolves no generated host name) and with every outgoing HTTP request sent
through a proxy on a closed loopback port, where it fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import FIXTURES, SEED
from tests.helpers import LONG, ROOT, Server, free_port, make_key, newswire, retry_until, set_up

SCOPES = ("anonymous", "read", "publish", "admin")
"""The order of the runs: the publish and admin runs change the most."""

EXAMPLES = 6
"""Test cases an operation in each generating phase (coverage adds its own edge cases)."""
COVERED = SCOPES if LONG else ("admin",)
"""The runs whose keys go through schemathesis's coverage phase, its deterministic edge
cases of every parameter (1,700 requests, half of a run's time). Outside the long mode
(``tests.helpers.LONG``) only the admin key's, and on SQLite only: it may call every
operation, so its run reaches each one's handling; without a key, or with another, the
generated requests of the other phases still meet every refusal, and PostgreSQL's admin
run still sends its generated requests (examples, fuzzing, stateful) to every query."""
SEED_NUMBER = 20260411
"""A fixed seed: the same cases on every run of the suite (fix a failure, it is gone)."""
TIMEOUT = 300
"""Seconds a run may take before it counts as hung (each takes a fraction of this)."""

CONFIG = """\
# schemathesis settings of tests/api/test_openapi_conformance.py
request-timeout = 10.0

generation.max-examples = {examples}

[checks.positive_data_acceptance]
# A request of the declared form may still be refused for what it says, and newswire
# answers that 422 (declared where it happens): an item the parser refuses, a name that
# refers to nothing stored, a rule across fields, a query with nothing to search for.
# And a body may be over its size limit, counted in bytes, which no schema can say:
# 413 (declared on each operation with a body). A 400 stays a failure: it says the
# request broke the declared form.
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "413", "422", "429"]

[checks.negative_data_rejection]
# schemathesis's own list, and 413: a body refused for its size is refused.
expected-statuses = [
    "400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429",
]

[[operations]]
# An endless event stream: read its first event, or stop after 0.4 s of quiet. Each
# stream opened costs that, so the streams opened are few: fuzzing's, and the stateful
# phase's; the coverage phase sends only what must be refused.
include-path = "/v1/stream"
request-timeout = 0.4
max-stream-events = 1
generation.max-examples = 2
phases.coverage.generation.mode = "negative"
"""

ITEMS = [
    SEED,
    *sorted((FIXTURES / "text").glob("*.txt")),
    FIXTURES / "ninjs" / "aa_ar_3.1.json",
    FIXTURES / "newsml" / "news_message.xml",
    FIXTURES / "nitf" / "rich_body.xml",
    FIXTURES / "feeds" / "aa_ar_atom.xml",
]


@pytest.fixture(scope="module")
def wire(module_store_url) -> tuple[Server, dict[str, str]]:
    """A server with real items, a subscriber, and a key of each scope, on each backend."""
    db = module_store_url

    set_up(
        db,
        ("product", "add", "everything", "--access", "full"),
        ("product", "add", "arabic-teasers", "--access", "teaser", "--lang", "ar"),
        # A limit no run reaches: 429s would leave the operations untested.
        ("subscriber", "add", "daily", "--product", "everything", "--rate-limit", "1000000"),
    )
    ingested = newswire("ingest", *map(str, ITEMS), db=db)
    assert ingested.returncode == 0, ingested.stderr.decode()
    keys = {
        "read": make_key(db, "--subscriber", "daily"),
        "publish": make_key(db, "--scope", "publish", "--name", "DESK"),
        "admin": make_key(db, "--scope", "admin", "--name", "OPS"),
    }
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    server = Server(
        db,
        env={
            "NEWSWIRE_WEBHOOK_ALLOW_PRIVATE": "yes",
            **{name: nowhere for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
            **{name.lower(): nowhere for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
            "NO_PROXY": "",
            "no_proxy": "",
        },
    )
    yield server, keys
    server.close()


def schemathesis(
    server: Server, key: str | None, folder: Path, coverage: bool = True
) -> subprocess.CompletedProcess:
    """``schemathesis run`` over every operation of ``server``'s OpenAPI, every check;
    without its coverage phase unless ``coverage``."""
    config = folder / "schemathesis.toml"
    config.write_text(CONFIG.format(examples=EXAMPLES))
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config),
        "run", f"{server.url}/openapi.json",
        "--checks", "all",
        "--seed", str(SEED_NUMBER),
        "--workers", "1",
        "--generation-database", "none",
        "--no-color",
    ]  # fmt: skip
    if key is not None:
        command += ["--header", f"Authorization: Bearer {key}"]
    if not coverage:
        command += ["--phases", "examples,fuzzing,stateful"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "SCHEMATHESIS_HOOKS": "tests.api.conformance_hooks",
    }
    return subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )


def failures(output: str) -> str:
    """What a failed run printed from its list of failures on (the whole output when it
    has none: it failed before testing)."""
    start = output.find(" FAILURES ")
    if start < 0:
        start = output.find(" ERRORS ")
    return output[output.rfind("\n", 0, start) + 1 :] if start >= 0 else output


# Without a key every operation is refused before any store is read: one store is enough.
# On PostgreSQL an admin key alone: it may call every operation a read or publish key may
# (``IMPLIES``), so its run reaches each query PostgreSQL answers differently from SQLite
# (a NUL in a filter was found so); the other scopes' refusals are the same on both.
@pytest.mark.parametrize(
    "scope",
    [pytest.param(s, marks=pytest.mark.any_store) if s != "admin" else s for s in SCOPES],
)
def test_schemathesis_finds_no_failure(wire, module_backend, scope, tmp_path):
    server, keys = wire
    covered = scope in COVERED and (LONG or module_backend == "sqlite")
    result = schemathesis(server, keys.get(scope), tmp_path, coverage=covered)
    assert result.returncode == 0, (
        f"schemathesis found failures with {'no key' if scope == 'anonymous' else f'a {scope} key'}"
        f" (exit {result.returncode}):\n{failures(result.stdout)}\n{result.stderr[-3000:]}"
    )
    # It did run every operation (a schema that failed to load would test none).
    assert "Tested:" in result.stdout, result.stdout[-3000:]


# --- the fast paths answer as the documented routes ----------------------------------------

# GET /v1/feed, /v1/items/{id} and /v1/search are answered ahead of FastAPI (api.raw) when
# their parameters are plainly valid, and by the documented route (the one the OpenAPI
# describes) otherwise. A parameter given twice always goes to the route: each request
# below is sent as it is and again with a parameter repeated, and both answers must be
# the same, byte for byte, headers included.
FAST = [
    "/v1/feed",
    "/v1/feed?after=0&limit=2",
    "/v1/feed?after=&limit=1&format=NITF",
    "/v1/feed?limit=2&format=rss",
    "/v1/feed?limit=700",
    "/v1/feed?after=99999999999",
    "/v1/feed?after=x",
    "/v1/feed?after=%201",
    "/v1/feed?format=",
    "/v1/feed?format=docx",
    "/v1/items/{id}",
    "/v1/items/{id}?format=newsml",
    "/v1/items/{id}?format=Text&version=1",
    "/v1/items/{id}?version=9",
    "/v1/items/{id}?format=",
    "/v1/items/{id}?format=docx",
    "/v1/items/no-such-item",
    "/v1/search?q=%D8%BA%D8%B2%D8%A9",
    "/v1/search?q=Turkish&limit=2&facets=false&sort=newest",
    "/v1/search?q=Turkish&limit=500&page=2",
    "/v1/search?q=Turkish&urgency=1-5&subject=medtop%3A04000000&from=2020-01-01",
    "/v1/search?q=-Turkish",
    "/v1/search?q=Turkish&urgency=5-1",
    "/v1/search?q=Turkish&subject=medtop%3A99999999",
    "/v1/search?q=Turkish&from=2025-02-01&to=2025-01-01",
    "/v1/search?q=Turkish&sort=best",
    "/v1/search?q=Turkish&page=600",
]


@pytest.mark.parametrize("who", ["read", None])
def test_the_fast_paths_answer_as_the_documented_routes(wire, who):
    """Every answer, an error's too: the routes are what schemathesis tests."""
    server, keys = wire
    with server.client(keys["read"]) as reader:
        # Searches are compared once the index is built (a 503 before then says nothing).
        retry_until(lambda: reader.get("/ready").json()["search"] == "ready", "the index", 30)
        first = reader.get("/v1/feed", params={"limit": 1}).json()["items"][0]["item"]
    item_id = quote(first["uri"], safe="")
    with server.client(keys[who] if who else None) as client:
        for n, target in enumerate(FAST):
            url = target.replace("{id}", item_id)
            # The same request id on both: each answers it in X-Request-Id.
            rid = {"X-Request-Id": f"fast-{n}"}
            fast = client.get(url, headers=rid)
            routed = client.get(url + ("&" if "?" in url else "?") + "same=1&same=1", headers=rid)
            assert (fast.status_code, fast.content) == (routed.status_code, routed.content), url
            assert headers(fast) == headers(routed), url
            assert fast.headers["x-request-id"] == f"fast-{n}", url


def headers(response) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in response.headers.items() if k not in ("date", "server"))

"""Long polls parked until the log moves are answered by one round (``newswire.delivery.
waiters``): straight to their connections under uvicorn's httptools cycle (what ``newswire
serve`` runs), through the ASGI path elsewhere; either way each gets its own entitled
page, its own request id, and its connection carries the next request.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
from concurrent.futures import Future

import httpx
import pytest

from newswire.delivery.waiters import response_cycle
from tests.delivery.test_direct_writes import InProcess
from tests.delivery.wire import ARABIC, ENGLISH, WAIT, ninjs_doc, shared
from tests.helpers import make_key, metric, newswire, retry_until


@pytest.fixture(scope="module", params=["sqlite"])
def wire(request):
    return shared(request)


@pytest.fixture(params=[("httptools", True), ("h11", False)], ids=["direct", "asgi"])
def served(request, wire):
    http, direct = request.param
    server = InProcess(wire.db, http)
    server.direct = direct
    yield server
    server.close()


def answered(served: InProcess) -> int:
    return served.on_loop(lambda: served.app.state.feed.waiters.answered)


def parked(served: InProcess) -> int:
    waiters = served.app.state.feed.waiters
    return served.on_loop(lambda: sum(len(g.waiters) for g in waiters.groups.values()))


def waits(served: InProcess) -> float:
    return metric(served.url, "newswire_feed_waits_total")


def feed_usage(served: InProcess, key: str) -> int:
    """The subscriber's feed deliveries in the usage report (flushed first)."""
    answer = httpx.get(
        f"{served.url}/v1/usage", headers={"Authorization": f"Bearer {key}"}, timeout=WAIT
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["totals"]["channels"].get("feed", 0))


def poll_all(url: str, requests: list[tuple[str, str, str]]) -> Future[list[httpx.Response]]:
    """Send every (key, path, request id) at once, each on a connection of its own, from a
    thread: their responses, when all have come."""
    done: Future[list[httpx.Response]] = Future()

    async def run() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(requests))
        async with httpx.AsyncClient(base_url=url, timeout=WAIT, limits=limits) as client:
            return await asyncio.gather(
                *(
                    client.get(path, headers={"Authorization": f"Bearer {key}", "X-Request-Id": rid})
                    for key, path, rid in requests
                )
            )

    def thread() -> None:
        try:
            done.set_result(asyncio.run(run()))
        except BaseException as exc:
            done.set_exception(exc)

    threading.Thread(target=thread, daemon=True).start()
    return done


def test_waiters_of_two_audiences_each_get_their_own_page(wire, served):
    """Many long polls of subscribers with different products, woken by publishes: each
    gets exactly its entitled entry, in its own access, with its own request id; those
    the entry is not for stay waiting; usage is metered per subscriber."""
    head = wire.last_seq()
    n = 12
    path = f"/v1/feed?after={head}&wait={WAIT}"
    who = [("alpha", n), ("zeta", n), ("beta", n)]  # alpha and zeta: the same products
    requests = [(wire.keys[s], path, f"rid-{s}-{i}") for s, count in who for i in range(count)]
    usage = {s: feed_usage(served, wire.keys[s]) for s, _ in who}
    waits0, direct0 = waits(served), answered(served)
    ok = {"method": "GET", "route": "/v1/feed", "status": "200"}
    fed0 = metric(served.url, "newswire_http_requests_total", **ok)
    polls = poll_all(served.url, requests)
    retry_until(lambda: waits(served) >= waits0 + 3 * n, "every long poll waiting")

    ar, en = f"urn:waiters:ar:{served.direct}", f"urn:waiters:en:{served.direct}"
    arabic = wire.publish(ninjs_doc(ar, "خبر للمشتركين", ARABIC, "ar"))
    # The Arabic entry is not beta's: its polls are woken (or not) and wait again.
    retry_until(lambda: waits(served) >= waits0 + 4 * n, "beta's polls waiting again")
    english = wire.publish(ninjs_doc(en, "Rates held", ENGLISH, "en"))
    answers = polls.result(WAIT)

    for (_, _, rid), answer in zip(requests, answers, strict=True):
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-request-id"] == rid
        page = answer.json()
        if rid.startswith("rid-beta"):
            assert [e["item"]["uri"] for e in page["items"]] == [en]
            assert page["items"][0]["access"] == "teaser"
            assert answer.headers["x-newswire-next"] == str(english["sequence"])
        else:
            assert [e["item"]["uri"] for e in page["items"]] == [ar]
            assert page["items"][0]["access"] == "full"
            assert answer.headers["x-newswire-next"] == str(arabic["sequence"])
        assert answer.headers["etag"] and answer.headers["link"]
        assert answer.headers["content-type"] == "application/json"
    assert answered(served) - direct0 == (3 * n if served.direct else 0)
    # Each counted as answered (200), however it was written: not as a request its client
    # left (499).
    assert metric(served.url, "newswire_http_requests_total", **ok) - fed0 == 3 * n
    for s, count in who:
        assert feed_usage(served, wire.keys[s]) - usage[s] == count
    assert parked(served) == 0


def refused_now(served: InProcess, path: str, key: str) -> httpx.Response:
    """What a new request of ``path`` with ``key`` is answered (no wait)."""
    return httpx.get(
        served.url + re.sub(r"wait=[0-9.]+", "wait=0", path),
        headers={"Authorization": f"Bearer {key}"},
        timeout=WAIT,
    )


def test_a_revoked_keys_waiting_long_polls_are_refused_as_a_new_request_is(wire, served):
    """A key revoked by another process while its long polls wait: each ends within the
    access check's second, answered exactly as a new request with the key is (401, the
    same problem), never with an entry, nor with an empty page that says nothing. A poll
    of another key waits on for its entry."""
    key = make_key(wire.db, "--subscriber", "zeta")
    head = wire.last_seq()
    path = f"/v1/feed?after={head}&wait=60"  # far longer than the test waits for anything
    waits0 = waits(served)
    polls = poll_all(served.url, [(key, path, f"rid-revoked-{i}") for i in range(3)])
    other = poll_all(served.url, [(wire.keys["alpha"], path, "rid-kept")])
    retry_until(lambda: waits(served) >= waits0 + 4, "the long polls waiting")
    result = newswire("key", "revoke", key.split("_")[1], db=wire.db)
    assert result.returncode == 0, result.stderr.decode()
    answers = polls.result(WAIT)  # before their 60 s: the revocation ended them
    refused = refused_now(served, path, key)
    assert refused.status_code == 401, refused.text
    assert "revoked" in refused.json()["detail"]
    for n, answer in enumerate(answers):
        assert answer.status_code == 401, answer.text
        assert answer.json() == refused.json()
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["www-authenticate"] == refused.headers["www-authenticate"]
        assert answer.headers["x-request-id"] == f"rid-revoked-{n}"
    # alpha's poll, ended by the same change, or waiting again: it gets the next entry.
    uri = f"urn:waiters:revoked:{served.direct}"
    wire.publish(ninjs_doc(uri, "خبر بعد سحب المفتاح", ARABIC, "ar"))
    [kept] = other.result(WAIT)
    assert kept.status_code == 200
    assert [e["item"]["uri"] for e in kept.json()["items"]] in ([], [uri])
    assert parked(served) == 0


def test_a_suspended_subscribers_waiting_long_poll_is_refused_as_a_new_request_is(wire, served):
    """A subscriber suspended through the admin API of the server its long poll waits on:
    the poll is answered as a new request is (403, the same problem)."""
    name = f"waiters-suspended-{'direct' if served.direct else 'asgi'}"
    added = newswire("subscriber", "add", name, "--product", "ar-full", db=wire.db)
    assert added.returncode == 0, added.stderr.decode()
    key = make_key(wire.db, "--subscriber", name)
    admin = make_key(wire.db, "--scope", "admin", "--name", f"OPS {name}")
    path = f"/v1/feed?after={wire.last_seq()}&wait=60"
    waits0 = waits(served)
    poll = poll_all(served.url, [(key, path, "rid-suspended")])
    retry_until(lambda: waits(served) > waits0, "the long poll waiting")
    suspended = httpx.post(
        f"{served.url}/v1/admin/subscribers/{name}/suspend",
        headers={"Authorization": f"Bearer {admin}"},
        timeout=WAIT,
    )
    assert suspended.status_code == 200, suspended.text
    [answer] = poll.result(WAIT)
    refused = refused_now(served, path, key)
    assert refused.status_code == 403, refused.text
    assert refused.json()["detail"].endswith(f"subscriber {name} is suspended")
    assert answer.status_code == 403, answer.text
    assert answer.json() == refused.json()
    assert answer.headers["content-type"] == "application/problem+json"
    assert parked(served) == 0


def read_response(sock: socket.socket, buffer: bytearray) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length from ``sock`` (``buffer``: what was read
    past the previous one, and is left past this one)."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        buffer += chunk
    end = buffer.index(b"\r\n\r\n")
    lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, value = line.split(": ", 1)
        assert name.lower() not in headers, f"{name} twice"
        headers[name.lower()] = value
    length = int(headers["content-length"])
    while len(buffer) < end + 4 + length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        buffer += chunk
    body = bytes(buffer[end + 4 : end + 4 + length])
    del buffer[: end + 4 + length]
    return int(lines[0].split(" ")[1]), headers, body


def get(path: str, key: str, rid: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
        f"X-Request-Id: {rid}\r\n\r\n"
    ).encode()


def test_a_connection_answered_while_waiting_carries_the_next_requests(wire, served):
    """Two long polls one after the other on one connection, the first with a request
    pipelined behind it: each answered whole, in order, and the connection kept."""
    key = wire.keys["alpha"]
    direct0 = answered(served)
    buffer = bytearray()
    with socket.create_connection(("127.0.0.1", served.port), timeout=WAIT) as sock:
        for round_ in range(2):
            head = wire.last_seq()
            waits0 = waits(served)
            poll = get(f"/v1/feed?after={head}&wait={WAIT}", key, f"rid-keep-{round_}")
            behind = get(f"/v1/feed?after={head}&limit=5", key, f"rid-behind-{round_}")
            sock.sendall(poll + (behind if round_ == 0 else b""))
            retry_until(lambda w=waits0: waits(served) > w, "the long poll waiting")
            uri = f"urn:waiters:keep:{served.direct}:{round_}"
            published = wire.publish(ninjs_doc(uri, "خبر", ARABIC, "ar"))
            status, headers, body = read_response(sock, buffer)
            assert status == 200
            assert headers["x-request-id"] == f"rid-keep-{round_}"
            assert headers["x-newswire-next"] == str(published["sequence"])
            assert "connection" not in headers  # kept alive
            assert [e["item"]["uri"] for e in json.loads(body)["items"]] == [uri]
            if round_ == 0:  # the pipelined request, answered after it
                status, headers, body = read_response(sock, buffer)
                assert status == 200 and headers["x-request-id"] == "rid-behind-0"
                assert [e["item"]["uri"] for e in json.loads(body)["items"]] == [uri]
        sock.sendall(get("/v1/feed?after=0&limit=1", key, "rid-last"))
        status, headers, _ = read_response(sock, buffer)
        assert status == 200 and headers["x-request-id"] == "rid-last"
        assert not buffer
    assert answered(served) - direct0 == (2 if served.direct else 0)


def test_a_wait_that_ends_answers_the_empty_page_and_leaves_nothing_parked(wire, served):
    head = wire.last_seq()
    with httpx.Client(base_url=served.url, timeout=WAIT) as client:
        answer = client.get(
            f"/v1/feed?after={head}&wait=0.3",
            headers={"Authorization": f"Bearer {wire.keys['beta']}"},
        )
    assert answer.status_code == 200
    assert answer.json()["items"] == []
    assert answer.headers["x-newswire-next"] == str(head)
    assert parked(served) == 0


def test_no_response_cycle_behind_a_send_that_is_not_uvicorns():
    async def send(message):  # what a test client or another server hands the app
        pass

    assert response_cycle(send) is None

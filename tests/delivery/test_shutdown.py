"""A server stopped cleanly (SIGTERM: systemd, a rolling upgrade, Ctrl-C) ends its live
connections as the README and docs/deployment.md say: each SSE stream with a last
``event: close`` saying why, each waiting long poll with its page (nothing new, its
cursor), each WebSocket with a close frame (uvicorn's 1012, service restart), and nothing
cut off.

uvicorn waits ``timeout_graceful_shutdown`` seconds for open requests before it cancels
them and only then runs the application's shutdown; a stream or a long poll never ends by
itself, so unless the application hears of the shutdown when it begins, every one of
them was cancelled: the long polls answered ``500 Internal Server Error``, the streams
cut without their ``close`` event, and a traceback logged for each.
"""

from __future__ import annotations

import signal
import threading

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.delivery.wire import Stream, ws_connect
from tests.helpers import Server, make_key, metric, retry_until, set_up


def test_sigterm_closes_streams_and_answers_long_polls(tmp_path):
    db = f"sqlite:///{tmp_path / 'news.db'}"
    set_up(
        db,
        ("product", "add", "all", "--access", "full"),
        ("subscriber", "add", "alpha", "--product", "all"),
    )
    key = make_key(db, "--subscriber", "alpha")
    log = tmp_path / "server.log"
    server = Server(db, log=log)
    try:
        stream = Stream(server.url, key, after=0)
        answered: list[httpx.Response] = []

        def long_poll() -> None:
            with server.client(key) as client:
                answered.append(client.get("/v1/feed", params={"after": 0, "wait": 60}))

        poller = threading.Thread(target=long_poll)
        poller.start()
        with ws_connect(server.url, key, after=0) as ws:
            retry_until(
                lambda: metric(server.url, "newswire_feed_waits_total") >= 1,
                "the long poll to wait",
            )
            server.proc.send_signal(signal.SIGTERM)

            assert "shutting down" in stream.wait_closed()
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=30)
            assert closed.value.rcvd is not None and closed.value.rcvd.code in (1001, 1012)
        poller.join(30)
        assert not poller.is_alive(), "the long poll was not answered"
        [response] = answered
        assert response.status_code == 200, response.text
        assert response.json()["items"] == [] and response.json()["next"] == "0"
        server.proc.wait(30)  # uvicorn ends by raising SIGTERM again, once done
        stream.close()
    finally:
        server.close()
    said = log.read_text()
    assert "Exception in ASGI application" not in said
    assert "timeout graceful shutdown exceeded" not in said


def test_an_upload_the_stopping_server_gives_up_on_is_a_503_to_send_again(tmp_path):
    """A picture still being sent when the server stops: after ``shutdown_seconds`` the
    request was cancelled and uvicorn answered a bare ``500 Internal Server Error``; now a
    503 problem with ``Retry-After``, which an uploader retries elsewhere."""
    import json
    import socket
    from urllib.parse import urlsplit

    db = f"sqlite:///{tmp_path / 'news.db'}"
    key = make_key(db, "--scope", "publish", "--name", "DESK")
    server = Server(db, env={"NEWSWIRE_SHUTDOWN_SECONDS": "1"})
    try:
        where = urlsplit(server.url)
        with socket.create_connection((where.hostname, where.port), timeout=30) as upload:
            upload.sendall(
                b"POST /v1/items HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"
                b"Authorization: Bearer " + key.encode() + b"\r\n"
                b"Content-Length: 5000000\r\n\r\n" + b"\xff\xd8\xff\xe0" + bytes(60_000)
            )
            with server.client(key) as client:  # the upload's request is under way by now
                assert client.get("/health").status_code == 200
            server.proc.send_signal(signal.SIGTERM)
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                chunk = upload.recv(65536)
                if not chunk:
                    break
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503"), answer[:300]
        assert b"retry-after" in head.lower() and b"application/problem+json" in head.lower()
        assert json.loads(body)["field"] == "server"
    finally:
        server.close()

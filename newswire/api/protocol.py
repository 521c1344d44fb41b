"""uvicorn's HTTP/1.1 protocol, answering what is already in memory as the request is parsed.

A pull feed polled by thousands, an item fetched again, a thumbnail: each answer is bytes
kept in memory (``newswire.delivery.feed``, ``histories``, the media fast path). Even as
bare ASGI (``newswire.api.raw``) a request costs what uvicorn spends around the
application — the scope, a task, the response cycle, the two ``send`` calls and their
header checks — which is more than the lookup itself (docs/benchmarks.md: the bare ASGI
floor reaches 0.24× nginx on 304s).

``Protocol`` is uvicorn's httptools protocol with one step added: when a request's
headers are complete and the connection is idle (no response in progress, none queued),
``NewswireApp.answer_now`` may answer it at once from memory, synchronously; the whole
response is then written to the connection in one call, and uvicorn's keep-alive
bookkeeping done as its cycle would. Anything else — a request with a body, a method
other than GET, an escaped path, a page not kept, a key not known to this process, a
socket whose buffer is full — goes on through uvicorn and the ASGI application
unchanged, so every guarantee and every error stays with one code path.

Written by hand because no server offers it: this is the hook a C server's cache would
be, at the one place in a Python server where a request is known whole and nothing has
been spent on it yet. It relies on the parts of uvicorn's protocol it overrides and
calls (``on_headers_complete``, ``on_body``, ``on_message_complete``,
``on_response_complete``), checked by the tests over a real socket.
"""

from __future__ import annotations

import logging
import re
from time import perf_counter
from typing import Any
from urllib.parse import unquote

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from newswire import logs
from newswire.api.traffic import answered_route
from newswire.delivery.waiters import content_type, header_allowed

log = logging.getLogger("newswire.api")

_BODY = frozenset((b"content-length", b"transfer-encoding", b"expect", b"upgrade"))
"""Request headers that mean more than a bare GET: such requests take uvicorn's path."""
_JOIN = 16 * 1024
"""A body up to this size goes out in one write with its head."""


class Protocol(HttpToolsProtocol):
    """uvicorn's httptools protocol; a bare GET the application can answer from memory
    (``answer_now``) is answered as soon as its headers are parsed."""

    _app: Any = None
    """The ``NewswireApp`` (found behind uvicorn's middleware), or False: another one."""
    _counted: Any = None
    """Its ``Traffic.answered_at_parse`` (``newswire_http_requests_total``)."""
    _answered = False
    """The request being parsed was answered at its headers: its end is ignored."""
    _begun = False
    """A request has begun and not yet ended: the next bytes are not a request line."""

    def data_received(self, data: bytes) -> None:
        if not self._begun:
            data = _encode_target(data)
        super().data_received(data)

    def on_message_begin(self) -> None:
        self._begun = True
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        if self._answer():
            return
        # A request queued behind one answered at once: the keep-alive timer that answer
        # armed must not run while this one is in progress.
        self._unset_keepalive_if_required()
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._answered:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._begun = False
        if self._answered:
            self._answered = False
            return
        super().on_message_complete()

    def shutdown(self) -> None:
        """uvicorn's server is stopping (SIGTERM, Ctrl-C): as uvicorn does, close the
        connection if idle, else after its response; and tell the application, once, so
        that its streams and long polls end now rather than be cancelled when the
        graceful timeout runs out (``NewswireApp.shutting_down``)."""
        super().shutdown()
        app = self._app if self._app is not None else _newswire(self.app)
        if app is not False:
            app.shutting_down()

    def _answer(self) -> bool:
        """Answer the request now if the connection is idle and the application has its
        answer in memory; True when the response is written."""
        app = self._app
        if app is None:  # once per connection: the application is the server's
            app = self._app = _newswire(self.app)
            if app is not False:
                self._counted = app.state.traffic.answered_at_parse
        if app is False or self.limit_concurrency is not None:
            return False
        cycle = self.cycle
        if (cycle is not None and not cycle.response_complete) or self.pipeline:
            return False
        if self.flow.write_paused or self.transport.is_closing():
            return False
        parser = self.parser
        if parser.get_method() != b"GET":
            return False
        url = self.url
        if b"#" in url:
            return False
        headers = self.headers
        for name, _ in headers:
            if name in _BODY:
                return False
        raw_path, _, query = url.partition(b"?")
        start = perf_counter()
        try:
            path = raw_path.decode("ascii")
            if "%" in path:  # as uvicorn makes the scope's path
                path = unquote(path)
            answer = app.answer_now(path, query, headers)
        except Exception:  # the ASGI path answers it, and says what went wrong
            log.exception("answering %r from memory failed", url)
            return False
        if answer is None:
            return False
        status, out, body, media_type = answer
        block = _block(out)
        if block is None:  # a header uvicorn would refuse: its path says so
            return False
        keep_alive = parser.get_http_version() != "1.0" and parser.should_keep_alive()
        parts = [STATUS_LINE[status], _defaults(self.server_state.default_headers), block]
        parts.append(b"x-request-id: %s\r\n" % logs.request_id(headers).encode("ascii"))
        if status != 304:
            parts.append(b"content-type: %s\r\ncontent-length: %d\r\n" % (
                content_type(media_type), len(body)))
        parts.append(b"\r\n" if keep_alive else b"connection: close\r\n\r\n")
        if len(body) <= _JOIN:  # one write: one system call, and a small copy
            parts.append(body)
            self.transport.write(b"".join(parts))
        else:  # a page of 300 KB: copying it costs more than a second write
            self.transport.write(b"".join(parts))
            self.transport.write(body)
        self._counted(answered_route(path), status, perf_counter() - start)
        self._answered = True
        if not keep_alive:
            self.transport.close()
        self.on_response_complete()
        return True


_HIGH = re.compile(rb"[\x80-\xff]")


def _encode_target(data: bytes) -> bytes:
    """The bytes that begin a request, with the request line's non-ASCII bytes
    percent-encoded (RFC 3986 2.1) as a browser would send them.

    curl sends ``?q=غزة`` as it is typed, in raw UTF-8; httptools' parser refuses any byte
    over 0x7f in a request line ("Invalid HTTP request received."), where nginx and
    h11 take it. Encoded, the query reads as the same text: the scope's ``query_string``
    is what a browser sends for the same URL and the path decodes to the same ``path``.
    Only the request line is read; headers and bodies are left as they are."""
    end = data.find(b"\r\n")
    line = data if end < 0 else data[:end]
    if line.isascii():
        return data
    line = _HIGH.sub(lambda byte: b"%%%02X" % byte[0][0], line)
    return line if end < 0 else line + data[end:]


def _newswire(app: Any) -> Any:
    """The newswire application behind uvicorn's wrappers (proxy headers, ASGI 2
    adapters), or False when there is none (another application)."""
    for _ in range(8):
        if callable(getattr(app, "answer_now", None)):
            return app
        app = getattr(app, "app", None)
        if app is None:
            break
    return False


_defaults_seen: list[Any] = [None, b""]


def _defaults(headers: list[tuple[bytes, bytes]]) -> bytes:
    """uvicorn's default headers (its ``date``, once a second a new list) as bytes."""
    seen = _defaults_seen
    if seen[0] is not headers:
        seen[1] = b"".join(b"%s: %s\r\n" % pair for pair in headers)
        seen[0] = headers
    block: bytes = seen[1]
    return block


_blocks: dict[int, tuple[list[tuple[bytes, bytes]], bytes | None]] = {}


def _block(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """An answer's own headers as bytes, None if uvicorn would refuse one of them. The
    fast paths keep each answer's header list (encoded once, shared by every request of
    it), so its bytes are kept beside it (the list too: its ``id`` stays its own)."""
    found = _blocks.get(id(headers))
    if found is not None and found[0] is headers:
        return found[1]
    block: bytes | None = None
    if all(header_allowed(name, value) for name, value in headers):
        block = b"".join(b"%s: %s\r\n" % pair for pair in headers)
    if len(_blocks) >= 8192:
        _blocks.clear()
    _blocks[id(headers)] = (headers, block)
    return block

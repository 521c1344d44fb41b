"""Every ``GET`` of the API answers with an ``ETag`` and may be revalidated.

The items, their versions and the feed make their own ``ETag`` (from what renders the
bytes, without rendering them again: ``items``, ``delivery.feed``) and their own cache
headers. Every other ``GET`` under ``/v1`` (search, usage, webhooks and their deliveries,
the admin lists and entries, the formats) answered with neither: a client library could
not revalidate them as it does the items, and nothing said that what they answer depends
on the caller's key. ``Revalidated`` wraps the ``send`` of such a request: a ``200`` JSON
answer that has no ``ETag`` of its own is given the ``ETag`` of its body, ``Cache-Control:
private, no-cache`` and ``Vary: Authorization`` (its content is the key's: a read key
sees its own subscriber's webhooks, an admin key everyone's), and is a ``304`` with those
headers and no body when the request's ``If-None-Match`` names that tag. These answers
are small (a page of search hits, a list of products), so holding the body to hash it
costs little; an answer with its own ``ETag`` or ``Cache-Control`` (a file, an item, a
signed link) passes through untouched.
"""

from __future__ import annotations

from starlette.types import Message, Scope, Send

from newswire.api.items import body_etag
from newswire.delivery.files import not_modified

CACHE_CONTROL = b"private, no-cache"
VARY = b"Authorization"


class Revalidated:
    """A ``send`` giving a ``200`` JSON answer without an ``ETag`` the ``ETag`` of its
    body and the cache headers of a key's answer (a ``304`` when ``If-None-Match`` names
    it); any other answer is sent as it comes."""

    def __init__(self, send: Send, scope: Scope) -> None:
        self.send = send
        self.if_none_match = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"if-none-match"), None
        )
        self.start: Message | None = None
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if message["status"] == 200 and _revalidated(message["headers"]):
                self.start = message  # held until the whole body is known
                return
        elif kind == "http.response.body" and self.start is not None:
            self.chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._finish()
            return
        await self.send(message)

    async def _finish(self) -> None:
        assert self.start is not None
        body = b"".join(self.chunks)
        etag = body_etag(body)
        headers = [
            *self.start["headers"],
            (b"etag", etag.encode()),
            (b"cache-control", CACHE_CONTROL),
            (b"vary", VARY),
        ]
        if not_modified(etag, self.if_none_match):
            kept = [(k, v) for k, v in headers if k not in (b"content-length", b"content-type")]
            await self.send({"type": "http.response.start", "status": 304, "headers": kept})
            await self.send({"type": "http.response.body", "body": b""})
            return
        await self.send({**self.start, "headers": headers})
        await self.send({"type": "http.response.body", "body": body})


def _revalidated(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether an answer is one to give an ``ETag``: JSON, with neither an ``ETag`` nor a
    ``Cache-Control`` of its own (a signed link is ``no-store``: a new one each time)."""
    json = False
    for name, value in headers:
        if name in (b"etag", b"cache-control"):
            return False
        if name == b"content-type":
            json = value.startswith(b"application/json")
    return json

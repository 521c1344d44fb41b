"""Signed URLs: a link to one of newswire's files that works without a key until it expires.

A subscriber hands such a link to a system that holds no key (its CMS, a picture desk's
browser), and the public site puts one in its pages for a story's preview picture. The
link names who it was signed for (``by``: an API key's id, or ``public``), and the server
checks, when the link is used, what that one may have *then*: a link signed for a key
stops working when the key is revoked or its subscriber loses the item, before it expires.

    ?expires=<unix seconds>&by=<key id | public>&signature=<base64url HMAC-SHA256>

The signature covers the path, the expiry and ``by`` with the deployment's secret
(``Coordination.secret(SECRET_NAME)``: one for every node, never sent anywhere), so no
part can be changed; it is compared in constant time. Standard library only: an HMAC and
base64 are all there is to it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from typing import NamedTuple
from urllib.parse import urlencode

from newswire.errors import BadInput, Forbidden

SECRET_NAME = "signed-urls"
PUBLIC = "public"
"""``by`` of a link the server signs for anyone (the public site's pictures)."""
MAX_TTL = 7 * 24 * 3600
"""The longest a signed link may live: a week."""
DEFAULT_TTL = 3600

_BY = re.compile(r"\A[A-Za-z0-9_-]{1,64}\Z")


class Signed(NamedTuple):
    """A checked signed link: who it was signed for, and until when."""

    by: str
    expires: int


def signature(secret: bytes, path: str, expires: int, by: str) -> str:
    message = f"{path}\n{expires}\n{by}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(secret: bytes, path: str, by: str, ttl: int = DEFAULT_TTL, now: float | None = None) -> str:
    """The query string (``expires=…&by=…&signature=…``) that signs ``path`` for ``by``
    for ``ttl`` seconds (1 s to ``MAX_TTL``)."""
    if not 1 <= ttl <= MAX_TTL:
        raise BadInput(f"a signed link lives 1 to {MAX_TTL} seconds, not {ttl}", field="ttl")
    if not _BY.match(by):
        raise BadInput(f"cannot sign for {by!r}", field="by")
    expires = int(time.time() if now is None else now) + ttl
    return urlencode(
        {"expires": expires, "by": by, "signature": signature(secret, path, expires, by)}
    )


def check(
    secret: bytes,
    path: str,
    expires: str | None,
    by: str | None,
    given: str | None,
    now: float | None = None,
) -> Signed:
    """The link's ``Signed`` if ``given`` is the signature of ``path``, ``expires`` and
    ``by`` and it has not expired; ``Forbidden`` saying why otherwise."""
    if not expires or not by or not given:
        missing = [n for n, v in (("expires", expires), ("by", by), ("signature", given)) if not v]
        raise Forbidden(f"a signed link needs {', '.join(missing)}", field=missing[0])
    if not expires.isascii() or not expires.isdigit() or len(expires) > 12:
        raise Forbidden("expires is not a time in seconds", field="expires")
    if not _BY.match(by):
        raise Forbidden("the link was not signed by newswire", field="signature")
    at = int(expires)
    if not hmac.compare_digest(signature(secret, path, at, by), given):
        raise Forbidden("the link was not signed by newswire, or was changed", field="signature")
    if at <= (time.time() if now is None else now):
        raise Forbidden("the signed link has expired", field="expires")
    return Signed(by, at)

"""The small error hierarchy. Every error carries its HTTP status and reads well in a CLI.

The HTTP layer turns any ``NewswireError`` into an RFC 9457 problem body
(``application/problem+json``) with ``field`` naming the offending field when known;
the CLI prints ``source: detail`` and exits non-zero.
"""

from __future__ import annotations


class NewswireError(Exception):
    status: int = 500
    title: str = "Internal error"

    def __init__(self, detail: str, *, field: str | None = None, source: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.source = source

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{where}{self.detail}"

    def problem(self) -> dict[str, object]:
        body: dict[str, object] = {
            "type": f"urn:newswire:problem:{self.slug}",
            "title": self.title,
            "status": self.status,
            "detail": str(self),
        }
        if self.field:
            body["field"] = self.field
        if self.source:
            body["source"] = self.source
        return body

    @property
    def slug(self) -> str:
        return self.title.lower().replace(" ", "-")


class BadInput(NewswireError):
    """Input refused. ``reason``, when set, names the rule broken (a media file's:
    ``media_empty``, ``media_svg``, ``media_format``, ``media_declared``), with ``values``
    to put in its words (``found``, ``declared``), so that a face says it in its reader's
    language; the detail stays English, for the API and the CLI."""

    status = 400
    title = "Bad input"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        source: str | None = None,
        reason: str = "",
        **values: object,
    ):
        super().__init__(detail, field=field, source=source)
        self.reason = reason
        self.values = values


class ParseError(BadInput):
    """Bytes that are not a valid item in the format they claim (or were sniffed) to be."""

    status = 422
    title = "Unparseable item"


class InvalidItem(BadInput):
    """An item that parsed but cannot be stored (no headline, no body, urgency 12, ...).

    ``reason`` names the rule broken where a face says it in the reader's language (the
    console's Arabic: ``headline_needed``, ``body_needed``, ``headline_long``,
    ``embargo_late``, ``language_tag``, ``language_unknown``, ``character``, ``urgency``,
    ``withheld_embargo``),
    with ``values`` to put in its words (``limit``, ``code``); the detail stays English."""

    status = 422
    title = "Invalid item"


class Unprocessable(BadInput):
    """A request of the form its operation declares (the OpenAPI allows it), refused for
    what it says: a name that refers to nothing stored, a rule across fields, a query with
    nothing to search for. Input that breaks the declared form is a plain ``BadInput``."""

    status = 422
    title = "Unprocessable"


class TooLarge(BadInput):
    status = 413
    title = "Too large"


class UnsupportedFormat(BadInput):
    status = 415
    title = "Unsupported format"


class NotAcceptable(BadInput):
    status = 406
    title = "Not acceptable"


class NotFound(NewswireError):
    status = 404
    title = "Not found"


class Gone(NotFound):
    """What was there and is no more for this caller (an earlier version of an item since
    withdrawn): 410, so a client knows not to ask again."""

    status = 410
    title = "Gone"


class Conflict(NewswireError):
    status = 409
    title = "Conflict"


class PreconditionFailed(NewswireError):
    """A request's ``If-Match`` names no entity tag of what is stored now (RFC 9110 13.1.1):
    someone changed it since the client read it, and nothing was written."""

    status = 412
    title = "Precondition failed"


class Unavailable(NewswireError):
    """A transient condition (the database busy with another writer): try again."""

    status = 503
    title = "Unavailable"
    retry_after = 5
    """Seconds a client is told to wait before trying again (``Retry-After``): a busy
    database or a search index being built is a matter of seconds."""
    logged = False
    """The cause was logged where it was found, once however many calls fail of it (the
    store's database out of reach): the server's log does not repeat it for each of them."""


class Unauthorized(NewswireError):
    """No key, or a key that is unknown or revoked."""

    status = 401
    title = "Unauthorized"


class Forbidden(NewswireError):
    """A valid key that may not do this (wrong scope, suspended subscriber)."""

    status = 403
    title = "Forbidden"


class TooManyRequests(NewswireError):
    """Over the rate limit; ``retry_after`` seconds until the next request is allowed."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, field: str | None = None):
        super().__init__(detail, field=field)
        self.retry_after = max(1, retry_after)


def retry_headers(exc: NewswireError) -> dict[str, str]:
    """``Retry-After`` for an error that passes (over the rate limit, something busy or
    out of reach), whatever answers it: the API's problem, the portal's or the console's
    error page."""
    if isinstance(exc, TooManyRequests | Unavailable):
        return {"Retry-After": str(exc.retry_after)}
    return {}

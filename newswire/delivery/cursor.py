"""Cursors: where a subscriber is in the event log.

A cursor is the decimal sequence number of the last log entry a subscriber has looked at
(0: before the first). The pull feed's ``after`` and ``next``, a stream's ``Last-Event-ID``
and ``?after=`` and a webhook endpoint's position are all one.
"""

from __future__ import annotations

from newswire.errors import BadInput

MAX_DIGITS = 18
"""A cursor is at most 18 digits: every sequence number fits a signed 64-bit integer."""
PATTERN = rf"^[0-9]{{0,{MAX_DIGITS}}}$"
"""What a cursor parameter accepts (OpenAPI ``pattern``): empty means from the start."""


def parse_cursor(text: str | None, field: str = "after") -> int:
    """The sequence number in ``text``; ``BadInput`` naming ``field`` when it is none:
    exactly what ``PATTERN`` matches is a cursor (no sign, no spaces)."""
    if text is None or text == "":
        return 0
    if not text.isascii() or not text.isdigit() or len(text) > MAX_DIGITS:
        raise BadInput(
            f"{text[:40]!r} is not a cursor: give the 'next' of a page, a sequence number",
            field=field,
        )
    return int(text)

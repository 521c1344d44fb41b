"""Cursors: where a subscriber is in the event log.

A cursor is the decimal sequence number of the last log entry a subscriber has looked at
(0: before the first). The pull feed's ``after`` and ``next``, a stream's ``Last-Event-ID``
and ``?after=`` and a webhook endpoint's position are all one.
"""

from __future__ import annotations

from newswire.errors import BadInput, Unprocessable

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


def check_within(cursor: int, last: int, field: str = "after") -> None:
    """``Unprocessable`` naming ``field`` when ``cursor`` is past ``last``, the log's last
    sequence number: no page, stream or server ever gave it (a timestamp, an item's
    version, a cursor of another deployment or of a database since restored from an older
    copy), and following it would skip every entry up to it without a word."""
    if cursor > last:
        raise Unprocessable(
            f"{cursor} is past the end of the event log (its last entry is {last}):"
            " give the 'next' of a page, or 0 to start from the oldest",
            field=field,
        )

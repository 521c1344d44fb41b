"""The editor's time zone: the console shows every time in it and reads the embargo
form's time in it; what is stored stays UTC.

The zone is ``?tz=`` (an IANA name, kept in a cookie for the browser, as ``?lang=`` is),
else the cookie's, else the deployment's ``timezone`` setting (default UTC). A name the
zone database does not know is refused (400, naming ``tz``). A local time the clock skips
(a DST gap: 03:30 on the night clocks go from 03:00 to 04:00) is refused beside the field;
one it shows twice (the hour clocks go back) is taken as the later of the two, so that
an embargo is never lifted early; the page shows it back with its offset.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import Request
from starlette.responses import Response

from newswire.errors import BadInput
from newswire.model import as_utc
from newswire.settings import zone_name

COOKIE = "nw_tz"
OFFERED = (
    "UTC", "Africa/Algiers", "Africa/Cairo", "Africa/Casablanca", "Africa/Khartoum",
    "Africa/Tripoli", "Africa/Tunis", "America/New_York", "Asia/Amman", "Asia/Baghdad",
    "Asia/Beirut", "Asia/Damascus", "Asia/Dubai", "Asia/Gaza", "Asia/Jerusalem",
    "Asia/Karachi", "Asia/Kuwait", "Asia/Qatar", "Asia/Riyadh", "Asia/Tehran",
    "Europe/Berlin", "Europe/Istanbul", "Europe/London", "Europe/Moscow", "Europe/Paris",
)  # fmt: skip
"""The zones the chooser suggests (any IANA name may be typed)."""


class NoSuchTime(ValueError):
    """A local time the clock skips in its zone (a DST gap)."""


def editor_zone(request: Request, w: dict[str, str]) -> ZoneInfo:
    """The zone of this request's pages (module docs); ``BadInput`` naming ``tz`` for a
    ``?tz=`` that names no zone."""
    zone: ZoneInfo | None = getattr(request.state, "nw_zone", None)
    if zone is not None:
        return zone
    asked = request.query_params.get("tz")
    if asked is not None and not zone_name(asked):
        raise BadInput(w["err_zone"].format(zone=asked[:64]), field="tz")
    name = zone_name(asked or request.cookies.get(COOKIE, ""))
    zone = ZoneInfo(name or request.app.state.settings.timezone)
    request.state.nw_zone = zone
    return zone


def fallback_zone(request: Request) -> ZoneInfo:
    """The zone of an error page: the editor's, a bad ``?tz=`` left out."""
    zone: ZoneInfo | None = getattr(request.state, "nw_zone", None)
    if zone is None:
        name = zone_name(request.cookies.get(COOKIE, ""))
        zone = ZoneInfo(name or request.app.state.settings.timezone)
        request.state.nw_zone = zone
    return zone


def keep_choice(request: Request, response: Response) -> None:
    """Keep a ``?tz=`` chosen (and found good) in the browser's cookie."""
    asked = request.query_params.get("tz")
    name = zone_name(asked) if asked else ""
    if name:
        response.set_cookie(
            COOKIE, name, max_age=365 * 86400, path="/", httponly=True, samesite="lax",
            secure=request.url.scheme == "https",
        )


def offset(when: datetime) -> str:
    """``+03:00``, ``-05:30``, ``+00:00`` of an aware time."""
    delta = when.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def clock_zone(when: datetime, zone: ZoneInfo) -> ZoneInfo:
    """``zone``, or UTC when its clocks cannot show ``when``: past the calendar's end there
    (an embargo the API takes, ``9999-12-31T23:59:59Z``, is in the year 10000 east of
    UTC), where Python's dates stop."""
    try:
        as_utc(when).astimezone(zone)
    except OverflowError:
        return ZoneInfo("UTC")
    return zone


def show(when: datetime | None, zone: ZoneInfo) -> str:
    """``2030-03-01 09:00:00 UTC+03:00 Europe/Istanbul`` (``… UTC`` in UTC, and where
    ``zone``'s clocks cannot show it: ``clock_zone``); "" for None."""
    if when is None:
        return ""
    zone = clock_zone(when, zone)
    local = as_utc(when).astimezone(zone)
    if zone.key == "UTC":
        return local.strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{local:%Y-%m-%d %H:%M:%S} UTC{offset(local)} {zone.key}"


def local_input(when: datetime, zone: ZoneInfo) -> str:
    """The value of a ``datetime-local`` field holding ``when`` in ``zone``."""
    return as_utc(when).astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")


def to_utc(local: datetime, zone: ZoneInfo, keep: datetime | None = None) -> datetime:
    """A naive local time in ``zone`` as UTC; ``NoSuchTime`` when the clock skips it.
    A time shown twice (clocks going back) is the later, unless the earlier is ``keep``
    (the stored embargo an edit form holds)."""
    early = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    late = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if early.astimezone(zone).replace(tzinfo=None) != local.replace(fold=0):
        raise NoSuchTime(local.isoformat())
    if keep is not None and as_utc(keep) == early:
        return early
    return max(early, late)

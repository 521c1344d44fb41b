"""How a portal page is made: its templates, its words, stylesheet and script, and its
error pages (``PortalRoute``: the portal's routes answer newswire's errors with them)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from fastapi import Request
from starlette.responses import HTMLResponse, Response

from newswire.errors import BadInput, Gone, NewswireError, NotFound, retry_headers
from newswire.model import NewsItem
from newswire.web import i18n, sessions
from newswire.web.portal.words import WORDS
from newswire.web.sessions import LoginRequired
from newswire.web.static import asset

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def heading(item: NewsItem) -> str:
    """What the portal shows as ``item``'s headline (wire, search, item page, gallery):
    its own, else its id. A picture or video taken in with no name, headline or caption
    has none, and an empty heading or link is one a screen reader announces as nothing
    and a sighted reader cannot click."""
    return item.headline or item.id
ENV = sessions.templates(TEMPLATE_DIR)


class Clock(NamedTuple):
    """How the portal shows a reader a time: in ``zone`` (the deployment's ``timezone``
    setting; one day perhaps the account's own), its offset named in ``lang``."""

    lang: str = "en"
    zone: tzinfo = UTC

    def stamp(self, when: datetime | None) -> tuple[str, str]:
        """(ISO 8601 for ``<time datetime>``, the instant as stored; ``2025-03-01 14:05
        UTC``, in Istanbul ``2025-03-01 17:05 (UTC+3)``, to read: ``i18n.numeric``)."""
        if when is None:
            return "", ""
        return when.isoformat(), i18n.numeric(when, self.lang, self.zone)

    def text(self, when: datetime | None) -> str:
        """The time to read alone (a template's)."""
        return self.stamp(when)[1]


def clock_of(request: Request, lang: str) -> Clock:
    """The clock of this request's pages: the deployment's zone, named in ``lang``."""
    return Clock(lang, ZoneInfo(request.app.state.settings.timezone))


def render(
    request: Request,
    template: str,
    status: int = 200,
    *,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """``sessions.render`` of a portal template, with the portal's words (``t``),
    stylesheet (``css``), script (``js``) and ``clock`` (``clock.text(when)``)."""
    logged = getattr(request.state, "nw_login", None)
    lang = sessions.ui_lang(request, logged.account if logged else None)
    return sessions.render(
        request,
        ENV,
        template,
        status,
        headers=headers,
        t=WORDS[lang],
        css=asset("portal.css"),
        js=asset("portal.js"),
        clock=clock_of(request, lang),
        **context,
    )


def error_page(request: Request, exc: NewswireError) -> Response:
    if isinstance(exc, LoginRequired):
        return sessions.login_redirect(request)
    lang = sessions.ui_lang(request, request.state.nw_login.account if _logged(request) else None)
    t = WORDS[lang]
    titles = {s: t[f"error_{s}"] for s in (400, 403, 404, 410, 429, 503)}
    response = render(
        request,
        "portal_error.html",
        exc.status,
        title=titles.get(exc.status, t["error"]),
        detail=(detail := error_detail(exc, t)),
        # A detail left untranslated is the API's English sentence: a screen reader reads
        # it with English sounds only when the paragraph says it is English.
        detail_lang=sessions.detail_lang(lang, detail, translated=detail != exc.detail),
    )
    response.headers.update(retry_headers(exc))
    return response


def error_detail(exc: NewswireError, t: dict[str, str]) -> str:
    """What the error page says: a "not found", or a filter or search that cannot be used,
    in the reader's language (the store's detail is an English sentence for the API and
    the logs); another error's detail."""
    if isinstance(exc, Gone):
        return t["gone_version"]
    if isinstance(exc, NotFound):
        return t.get(f"not_found_{exc.field}", t["not_found"])
    if isinstance(exc, BadInput) and exc.field:
        said = t.get("bad_query" if exc.field == "q" else f"bad_{exc.field}")
        if said:
            return said
    return exc.detail


def _logged(request: Request) -> bool:
    return getattr(request.state, "nw_login", None) is not None


class PortalRoute(sessions.PageRoute):
    """``sessions.PageRoute`` with the portal's error pages."""

    @staticmethod
    def page_for(request: Request, exc: NewswireError) -> Response:
        return error_page(request, exc)

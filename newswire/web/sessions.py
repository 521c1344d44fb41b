"""Logins for the pages behind one (the subscribers' portal, the editors' console): a
session cookie, CSRF tokens, and how a page of either is answered.

What the faces use:

- ``current_principal(request)``: the ``Principal`` of the logged-in account (the same an
  API key of its scope gives: the subscriber and its products, or ``[AGENCY]``), or None;
- ``require_login(request, scope)``: that principal, or ``LoginRequired`` (answered with a
  303 to ``/login?next=<this page>``) or ``PageForbidden`` (a 403 page) for a wrong scope;
- ``check_csrf(request, form)``: every state-changing form carries the session's token;
- ``render(request, env, template, **context)``: a page of a face's templates (``env``,
  made by ``templates``) with the headers, language and CSRF token of these pages;
- ``PageRoute``: a route class whose routes answer ``LoginRequired`` with that redirect and
  newswire's other errors with the face's own error page.

The login form, ``/login`` and ``/logout``, is the portal's (``newswire.web.portal.login``);
the console sends its people there.

The cookie (``nw_session``) holds a random 32-byte token, ``HttpOnly; SameSite=Lax;
Path=/`` and ``Secure`` over https; the database keeps only its SHA-256 hash. The session
is checked on every request: expired, logged out, account removed, password changed or
subscriber suspended, and the cookie no longer works. Each session's forms carry the
session's own token.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse, RedirectResponse, Response

from newswire.access.accounts import (
    LANGS,
    TOUCH_EVERY,
    Account,
    Session,
    hash_token,
    principal_of,
)
from newswire.access.auth import IMPLIES, Principal
from newswire.errors import BadInput, Forbidden, NewswireError, NotFound, Unauthorized
from newswire.model import utcnow
from newswire.web.i18n import text_dir

COOKIE = "nw_session"
LANG_COOKIE = "nw_lang"
MAX_FORM_BYTES = 64 * 1024

HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
}


class LoggedIn(NamedTuple):
    account: Account
    session: Session
    principal: Principal


class LoginRequired(Unauthorized):
    """No session (or one that ended): answered with a redirect to the login page."""


class PageForbidden(Forbidden):
    """A logged-in account that may not see this page: answered with a 403 page."""


# --- the session of a request ------------------------------------------------------------


def _load(request: Request) -> LoggedIn | None:
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 128:
        return None
    store = request.app.state.store
    found = store.sessions.by_hash(hash_token(token))
    if found is None:
        return None
    session, account = found
    now = utcnow()
    if session.expired(now):
        store.sessions.remove(session.id)
        return None
    try:
        principal = principal_of(store, account, session.id)
    except (Forbidden, NotFound):  # its subscriber was suspended or removed: the session ends
        # (a database out of reach is not that: its 503 goes up, and the session stays)
        store.sessions.remove(session.id)
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        store.sessions.touch(session.id, now)
    return LoggedIn(account, session, principal)


def current(request: Request) -> LoggedIn | None:
    """The logged-in account of this request, its session and principal; None if none.
    Reads the database once per request (synchronous: call from a thread in async code)."""
    state = request.state
    if not hasattr(state, "nw_login"):
        state.nw_login = _load(request)
    logged: LoggedIn | None = state.nw_login
    return logged


def current_principal(request: Request) -> Principal | None:
    logged = current(request)
    return logged.principal if logged else None


def require_login(request: Request, scope: str = "read") -> Principal:
    """The principal of the logged-in account if its scope allows ``scope``; otherwise
    ``LoginRequired`` (a redirect to the login page) or ``PageForbidden`` (403)."""
    logged = current(request)
    if logged is None:
        raise LoginRequired("log in to see this page", field="account")
    if scope not in IMPLIES[logged.account.scope]:
        raise PageForbidden(
            f"a {logged.account.scope} account cannot open pages that need the {scope} scope",
            field="account",
        )
    return logged.principal


def require(request: Request, scope: str = "read") -> LoggedIn:
    """``require_login``, giving the account and session too."""
    require_login(request, scope)
    logged = current(request)
    assert logged is not None
    return logged


# --- forms and CSRF ----------------------------------------------------------------------


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (the only kind our forms send)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return {}  # not one of our forms: no CSRF token either, so it is refused (403)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise BadInput("the form is too large", field="form")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise BadInput("the form is not UTF-8", field="form") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        form.setdefault(name, value)
    return form


def same_token(a: str | None, b: str | None) -> bool:
    """Whether two tokens are given and equal (compared in constant time)."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode(), b.encode())


def cross_site(request: Request) -> bool:
    """Whether the browser says the request comes from another site's page."""
    return request.headers.get("sec-fetch-site", "") == "cross-site"


def check_csrf(request: Request, form: dict[str, str], logged: LoggedIn) -> None:
    """``PageForbidden`` unless the form carries this session's CSRF token."""
    if cross_site(request) or not same_token(form.get("csrf"), logged.session.csrf):
        raise PageForbidden(
            "this form did not come from this session's page: reload the page and try again",
            field="csrf",
        )


# --- pages -------------------------------------------------------------------------------


_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")


def detail_lang(ui: str, detail: str, translated: bool = False) -> str:
    """The language of an error page's detail on a page in ``ui``: the page's when the
    detail was put in its words (``translated``, or Arabic letters on an Arabic page), else
    English, the API's sentence left as it is, which a screen reader must read as English."""
    if translated or ui == "en" or (ui == "ar" and _ARABIC_LETTER.search(detail)):
        return ui
    return "en"


def ui_lang(request: Request, account: Account | None = None) -> str:
    """``?lang=``, else the language cookie, else the account's, else Arabic."""
    for lang in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if lang in LANGS:
            return lang
    return account.lang if account is not None else "ar"


_PATH_SAFE = "/:@!$&'()*+,;=~"
"""What a path may hold as it is (RFC 3986 ``pchar`` and ``/``): everything else of a
decoded path is percent-encoded again to link back to it."""


def page_path(request: Request) -> str:
    """This page's path, percent-encoded, to link to it: ``request.url.path`` is the
    decoded path with only ``?``, ``#`` and ``\\`` encoded again, so an item id holding a
    ``%`` (``/portal/items/up-5%25``) came back as ``up-5%``, another item's address."""
    return quote(request.scope["path"], safe=_PATH_SAFE)


def with_query(request: Request, **changes: str) -> str:
    """This page's path and query with ``changes`` made (an empty value removes one)."""
    params = dict(request.query_params)
    params.update(changes)
    query = urlencode({k: v for k, v in params.items() if v})
    return page_path(request) + (f"?{query}" if query else "")


def templates(directory: Path) -> Environment:
    """The Jinja environment of a face's templates (``directory``): autoescaped, strict.

    Its filter ``text_dir`` gives the ``dir`` of a text in a language (``"ar"|text_dir``
    is ``rtl``, ``""|text_dir`` is ``auto``): an item's text takes its language's
    direction, not its first letter's (``dir="auto"`` set an Arabic headline starting
    with a Latin name, ``"GM" تكشف عن …``, left to right)."""
    env = Environment(
        loader=FileSystemLoader(directory),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["text_dir"] = text_dir
    return env


def render(
    request: Request,
    env: Environment,
    template: str,
    status: int = 200,
    *,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """``template`` of ``env`` with these pages' headers; besides ``context`` it is given
    the interface language (``lang``, ``dir``, ``switch``: a link to the other one), the
    logged-in ``account`` (or None), its session's ``csrf`` token and the ``path``."""
    logged = getattr(request.state, "nw_login", None)
    account = logged.account if logged else None
    lang = ui_lang(request, account)
    other = "en" if lang == "ar" else "ar"
    page = {
        "lang": lang,
        "dir": "rtl" if lang == "ar" else "ltr",
        "account": account,
        "csrf": logged.session.csrf if logged else "",
        "switch": {"href": with_query(request, lang=other), "lang": other},
        "path": page_path(request),
    }
    html = env.get_template(template).render(**page, **context)
    response = HTMLResponse(html, status_code=status, headers={**HEADERS, **(headers or {})})
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 86400,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response


class PageRoute(APIRoute):
    """A route whose newswire errors are pages: ``LoginRequired`` a redirect to the login
    page, the others the page ``page_for`` gives (a face's subclass gives its own error
    pages; this one leaves them to the application's exception handlers)."""

    @staticmethod
    def page_for(request: Request, exc: NewswireError) -> Response:
        raise exc

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        page_for = self.page_for

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                return login_redirect(request)
            except NewswireError as exc:
                return page_for(request, exc)
            except RequestValidationError as exc:  # a parameter of the wrong form (page=0)
                return page_for(request, _bad_parameter(exc))

        return route


def _bad_parameter(exc: RequestValidationError) -> BadInput:
    """A page's parameter its route refuses (``page=0``, ``page=abc``) as the ``BadInput``
    that names it: an error page like any other, not the API's JSON problem."""
    first: dict[str, Any] = next(iter(exc.errors()), {})
    field = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
    if field is None:
        return BadInput("invalid request")
    return BadInput(f"{field}: {first.get('msg', 'invalid')}", field=field)


def login_url(request: Request) -> str:
    """The login page, and after it the page asked for; for a form sent once the session
    had ended (a POST), the page the form was on (its ``Referer``, when it is of this
    site): the form's own path answers no GET, and a form is not sent again by a login."""
    here = page_path(request) + (f"?{request.url.query}" if request.url.query else "")
    if request.method not in ("GET", "HEAD"):
        here = _form_page(request) or here
    return "/login?next=" + quote(here, safe="/")


def _form_page(request: Request) -> str:
    """The path (and query) of the request's ``Referer`` when it names this site, else ""."""
    referer = urlsplit(request.headers.get("referer", ""))
    host = request.headers.get("host", "")
    if referer.scheme not in ("http", "https") or not host or referer.netloc != host:
        return ""
    path = referer.path + (f"?{referer.query}" if referer.query else "")
    return safe_next(path, "")


def login_redirect(request: Request) -> Response:
    """How ``LoginRequired`` is answered: a 303 to the login page, back here after."""
    return RedirectResponse(login_url(request), 303, headers=HEADERS)


def safe_next(target: str | None, default: str = "/portal") -> str:
    """``target`` if it is a path on this site (``/portal?x=1``), else ``default``: never
    another host (``//evil``, ``https://evil``, ``/\\evil``)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target

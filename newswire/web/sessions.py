"""Logins for the web pages (the subscriber portal, the editors' console): a session cookie,
CSRF tokens, and the shared ``/login`` and ``/logout``.

What other pages use:

- ``current_principal(request)``: the ``Principal`` of the logged-in account (the same an
  API key of its scope gives: the subscriber and its products, or ``[AGENCY]``), or None;
- ``require_login(request, scope)``: that principal, or ``LoginRequired`` (answered with a
  303 to ``/login?next=<this page>``) or ``PageForbidden`` (a 403 page) for a wrong scope;
- ``check_csrf(request, form)``: every state-changing form carries the session's token;
- ``render(request, template, **context)``: a page with the portal's headers;
- ``PageRoute``: a route class whose routes answer newswire's errors as HTML pages.

The cookie (``nw_session``) holds a random 32-byte token, ``HttpOnly; SameSite=Lax;
Path=/`` and ``Secure`` over https; the database keeps only its SHA-256 hash. The session
is checked on every request: expired, logged out, account removed, password changed or
subscriber suspended, and the cookie no longer works. The login form itself is protected
by a double-submit token (a cookie and a hidden field that must match), each session's
forms by the session's own token. Failed logins are limited per email and per client
address, across every process and node (``LoginLimiter``: buckets in the store).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Coroutine
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from newswire.access.accounts import (
    LANGS,
    MAX_AGE,
    TOUCH_EVERY,
    Account,
    LoginLimiter,
    Session,
    hash_token,
    new_session,
    principal_of,
    verify_password,
)
from newswire.access.auth import IMPLIES, Principal
from newswire.errors import BadInput, Forbidden, NewswireError, TooManyRequests, Unauthorized
from newswire.model import utcnow
from newswire.store import Store
from newswire.web.portal.words import WORDS
from newswire.web.static import DIRECTORIES

HERE = Path(__file__).resolve().parent
TEMPLATE_DIRS = [HERE / "portal" / "templates", HERE / "console" / "templates"]

COOKIE = "nw_session"
LOGIN_COOKIE = "nw_login"
"""The login form's double-submit CSRF token (there is no session yet to bind it to)."""
LANG_COOKIE = "nw_lang"
MAX_FORM_BYTES = 64 * 1024

ENV = Environment(
    loader=FileSystemLoader(TEMPLATE_DIRS),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
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


@cache
def asset(name: str) -> str:
    """``/static/portal.css?v=<hash>``: a changed file is a new URL."""
    path = next(d / name for d in DIRECTORIES if (d / name).is_file())
    digest = hashlib.blake2b(path.read_bytes(), digest_size=6).hexdigest()
    return f"/static/{name}?v={digest}"


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
    except NewswireError:  # its subscriber was suspended or removed: the session ends
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


def _same(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode(), b.encode())


def _cross_site(request: Request) -> bool:
    return request.headers.get("sec-fetch-site", "") == "cross-site"


def check_csrf(request: Request, form: dict[str, str], logged: LoggedIn) -> None:
    """``PageForbidden`` unless the form carries this session's CSRF token."""
    if _cross_site(request) or not _same(form.get("csrf"), logged.session.csrf):
        raise PageForbidden(
            "this form did not come from this session's page: reload the page and try again",
            field="csrf",
        )


# --- pages -------------------------------------------------------------------------------


def ui_lang(request: Request, account: Account | None = None) -> str:
    """``?lang=``, else the language cookie, else the account's, else Arabic."""
    for lang in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if lang in LANGS:
            return lang
    return account.lang if account is not None else "ar"


def with_query(request: Request, **changes: str) -> str:
    """This page's path and query with ``changes`` made (an empty value removes one)."""
    params = dict(request.query_params)
    params.update(changes)
    query = urlencode({k: v for k, v in params.items() if v})
    return request.url.path + (f"?{query}" if query else "")


def render(
    request: Request,
    template: str,
    status: int = 200,
    *,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    logged = getattr(request.state, "nw_login", None)
    account = logged.account if logged else None
    lang = ui_lang(request, account)
    other = "en" if lang == "ar" else "ar"
    page = {
        "lang": lang,
        "dir": "rtl" if lang == "ar" else "ltr",
        "t": WORDS[lang],
        "account": account,
        "csrf": logged.session.csrf if logged else "",
        "css": asset("portal.css"),
        "js": asset("portal.js"),
        "switch": {"href": with_query(request, lang=other), "lang": other},
        "path": request.url.path,
    }
    html = ENV.get_template(template).render(**page, **context)
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


def error_page(request: Request, exc: NewswireError) -> Response:
    if isinstance(exc, LoginRequired):
        return RedirectResponse(login_url(request), 303, headers=HEADERS)
    lang = ui_lang(request, request.state.nw_login.account if _logged(request) else None)
    t = WORDS[lang]
    titles = {s: t[f"error_{s}"] for s in (400, 403, 404, 429, 503)}
    response = render(
        request,
        "portal_error.html",
        exc.status,
        title=titles.get(exc.status, t["error"]),
        detail=exc.detail,
    )
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _logged(request: Request) -> bool:
    return getattr(request.state, "nw_login", None) is not None


class PageRoute(APIRoute):
    """A route whose newswire errors are pages: ``LoginRequired`` a redirect to the login
    page, the others an HTML page with their status (``page_for``: a subclass gives its
    own pages, as the console does)."""

    @staticmethod
    def page_for(request: Request, exc: NewswireError) -> Response:
        return error_page(request, exc)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        page_for = self.page_for

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as exc:
                return error_page(request, exc)
            except NewswireError as exc:
                return page_for(request, exc)

        return route


def login_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?next=" + quote(here, safe="/")


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


# --- /login and /logout ------------------------------------------------------------------

router = APIRouter(include_in_schema=False, route_class=PageRoute)


def _login_page(
    request: Request,
    status: int = 200,
    *,
    target: str | None = None,
    message: str = "",
    email: str = "",
    info: str = "",
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "portal_login.html",
        status,
        login_csrf=token,
        next=target or safe_next(request.query_params.get("next")),
        message=message,
        info=info,
        email=email,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/login")
def login_page(request: Request) -> Response:
    """The login form (email, password); ``?next=`` is where it goes after."""
    t = WORDS[ui_lang(request)]
    info = t["logged_out"] if request.query_params.get("out") else ""
    return _login_page(request, info=info)


def _attempt(store: Store, email: str, password: str) -> tuple[Account | None, str]:
    """(the account, if the password is right; why it may not log in, "" if it may)."""
    found = store.accounts.by_email(email.strip().lower())
    account, stored = found if found else (None, None)
    if not verify_password(stored, password) or account is None:  # a dummy hash: no account
        return None, ""
    try:
        principal_of(store, account, "")
    except NewswireError as exc:
        return account, exc.detail
    return account, ""


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    t = WORDS[ui_lang(request)]
    if _cross_site(request) or not _same(form.get("csrf"), request.cookies.get(LOGIN_COOKIE)):
        raise PageForbidden(t["login_expired"], field="csrf")
    email = form.get("email", "").strip()[:254]
    password = form.get("password", "")[:1024]
    target = safe_next(form.get("next"))
    state = request.app.state
    limiter: LoginLimiter = state.login_limiter
    client = request.client.host if request.client else "?"
    keys = [f"email:{email.lower()}", f"ip:{client}"]
    if wait := await run_in_threadpool(limiter.wait, keys):
        minutes = max(1, round(wait / 60))
        message = t["login_limited"].format(minutes=minutes)
        return _login_page(request, 429, target=target, message=message, email=email)
    store = state.store
    account, refused = await run_in_threadpool(_attempt, store, email, password)
    if account is None:
        await run_in_threadpool(limiter.failed, keys)
        message = t["login_failed"]
        return _login_page(request, 401, target=target, message=message, email=email)
    if refused:
        message = t["login_suspended"]
        return _login_page(request, 403, target=target, message=message, email=email)
    old = request.cookies.get(COOKIE)
    token, session = new_session(account.id)

    def store_session() -> None:
        if old and (found := store.sessions.by_hash(hash_token(old))) is not None:
            store.sessions.remove(found[0].id)  # a new login never reuses a session
        store.sessions.add(session, hash_token(token))

    await run_in_threadpool(store_session)
    response = RedirectResponse(target, 303, headers=HEADERS)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(MAX_AGE.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.get("/logout")
def logout_page(request: Request) -> Response:
    """A button to log out (logging out is a POST, with the session's CSRF token)."""
    if current(request) is None:
        return RedirectResponse("/login", 303, headers=HEADERS)
    return render(request, "portal_logout.html")


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await read_form(request)
    logged = await run_in_threadpool(current, request)
    if logged is not None:
        check_csrf(request, form, logged)
        await run_in_threadpool(request.app.state.store.sessions.remove, logged.session.id)
    response = RedirectResponse("/login?out=1", 303, headers=HEADERS)
    response.delete_cookie(COOKIE, path="/")
    return response


def install(app: FastAPI) -> None:
    """The login routes, the failed-login limiter, and pages for login errors raised
    outside ``PageRoute`` routes (``require_login`` in another router)."""
    app.state.login_limiter = LoginLimiter(app.state.store.coordination)
    app.include_router(router)

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NewswireError)
        return error_page(request, exc)

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(PageForbidden, login_required)

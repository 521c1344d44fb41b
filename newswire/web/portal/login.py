"""``/login`` and ``/logout``: the login form of every page behind one, the portal's and
the console's (``newswire.web.sessions`` sends there who has no session). It is a portal
page (its words, its look); after it, ``?next=`` (by default ``/portal``).

The form is protected by a double-submit token (a cookie and a hidden field that must
match: there is no session yet to bind it to). Failed logins are limited per email and
per client address, across every process and node (``LoginLimiter``: buckets in the
store).
"""

from __future__ import annotations

import math
import secrets

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from newswire.access.accounts import (
    MAX_AGE,
    Account,
    LoginLimiter,
    hash_token,
    new_session,
    principal_of,
    verify_password,
)
from newswire.errors import NewswireError
from newswire.store import Store
from newswire.web.portal.pages import PortalRoute, error_page, render
from newswire.web.portal.words import WORDS, minutes
from newswire.web.routing import Router
from newswire.web.sessions import (
    COOKIE,
    HEADERS,
    LoginRequired,
    PageForbidden,
    check_csrf,
    cross_site,
    current,
    read_form,
    safe_next,
    same_token,
    ui_lang,
)

LOGIN_COOKIE = "nw_login"
"""The login form's double-submit CSRF token (there is no session yet to bind it to)."""

router = Router(include_in_schema=False, route_class=PortalRoute)


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
    if cross_site(request) or not same_token(form.get("csrf"), request.cookies.get(LOGIN_COOKIE)):
        raise PageForbidden(t["login_expired"], field="csrf")
    email = form.get("email", "").strip()[:254]
    password = form.get("password", "")[:1024]
    target = safe_next(form.get("next"))
    state = request.app.state
    limiter: LoginLimiter = state.login_limiter
    client = request.client.host if request.client else "?"
    keys = [f"email:{email.lower()}", f"ip:{client}"]
    if wait := await run_in_threadpool(limiter.wait, keys):
        count = max(1, math.ceil(wait / 60))  # never sooner than Retry-After says
        message = t["login_limited"].format(minutes=minutes(ui_lang(request), count))
        limited = _login_page(request, 429, target=target, message=message, email=email)
        limited.headers["Retry-After"] = str(wait)  # RFC 6585: when to try again, as the API says
        return limited
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
    outside ``PageRoute`` routes (``sessions.require_login`` in another router)."""
    app.state.login_limiter = LoginLimiter(app.state.store.coordination)
    app.include_router(router)

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NewswireError)
        return error_page(request, exc)

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(PageForbidden, login_required)

"""``/portal/accounts``: a subscriber's portal admins (and the agency's operators) list,
add and remove the subscriber's accounts. A new account's password is made up and shown
once; a portal admin never sees or touches another subscriber's accounts, nor agency ones.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from newswire.access.accounts import Account, check_account, hash_password, new_id, new_password
from newswire.errors import BadInput, NewswireError, NotFound
from newswire.store import Store
from newswire.web import sessions
from newswire.web.portal.pages import PortalRoute, render
from newswire.web.portal.words import WORDS
from newswire.web.routing import Router
from newswire.web.sessions import LoggedIn, PageForbidden, check_csrf, read_form, require

router = Router(prefix="/portal", include_in_schema=False, route_class=PortalRoute)


def _manager(request: Request) -> LoggedIn:
    logged = require(request)
    if not logged.account.manages_accounts:
        raise PageForbidden(
            WORDS[sessions.ui_lang(request, logged.account)]["accounts_forbidden"],
            field="account",
        )
    return logged


def _subscriber_of(request: Request, logged: LoggedIn, asked: str | None) -> str:
    """The subscriber whose accounts are managed: a portal admin's own; an operator's
    choice (``""``: every subscriber's)."""
    if logged.account.scope != "admin":
        return logged.account.subscriber
    if asked:
        request.app.state.store.subscribers.get(asked)  # NotFound names it
    return asked or ""


def _accounts_page(
    request: Request, logged: LoggedIn, subscriber: str, status: int = 200, **context: Any
) -> Response:
    store: Store = request.app.state.store
    agency = logged.account.scope == "admin"
    context.setdefault("error", "")
    context.setdefault("errors", {})
    context.setdefault("form", {})
    context.setdefault("created", None)
    return render(
        request,
        "portal_accounts.html",
        status,
        accounts=store.accounts.list(subscriber=subscriber or None) if subscriber or agency else [],
        subscriber=subscriber,
        subscribers=[s.name for s in store.subscribers.list()] if agency else [],
        **context,
    )


@router.get("/accounts")
def accounts_page(request: Request) -> Response:
    logged = _manager(request)
    subscriber = _subscriber_of(request, logged, request.query_params.get("subscriber"))
    return _accounts_page(request, logged, subscriber)


@router.post("/accounts")
async def add_account(request: Request) -> Response:
    form = await read_form(request)

    def run() -> Response:
        logged = _manager(request)
        check_csrf(request, form, logged)
        subscriber = _subscriber_of(request, logged, form.get("subscriber"))
        store = request.app.state.store
        try:
            if not subscriber:
                raise BadInput("choose the subscriber the account is for", field="subscriber")
            account = check_account(
                Account(
                    id=new_id(),
                    email=form.get("email", ""),
                    scope="read",
                    subscriber=subscriber,
                    portal_admin=form.get("portal_admin") == "on",
                    lang=form.get("account_lang") or "ar",
                )
            )
            password = new_password()
            account = store.accounts.add(account, hash_password(password))
        except NewswireError as exc:
            if exc.status >= 500:
                raise
            # Said beside the field at fault, in the reader's language, the form as typed.
            words = WORDS[sessions.ui_lang(request, logged.account)]
            field = "account_lang" if exc.field == "lang" else exc.field or ""
            key = {
                "email": "err_account_taken" if exc.status == 409 else "err_account_email",
                "account_lang": "err_account_lang",
                "subscriber": "err_account_subscriber",
            }.get(field)
            errors = {field: words[key]} if key else {}
            return _accounts_page(
                request, logged, subscriber, 400,
                error="" if errors else exc.detail, errors=errors, form=form,
            )
        created = {"email": account.email, "password": password}
        return _accounts_page(request, logged, subscriber, 201, created=created)

    return await run_in_threadpool(run)


@router.post("/accounts/{account_id}/remove")
async def remove_account(request: Request, account_id: str) -> Response:
    form = await read_form(request)

    def run() -> Response:
        logged = _manager(request)
        check_csrf(request, form, logged)
        store = request.app.state.store
        target = store.accounts.get(account_id)
        if logged.account.scope != "admin" and target.subscriber != logged.account.subscriber:
            raise NotFound(f"no account {account_id!r}", field="account")
        if target.id == logged.account.id:
            raise BadInput(
                WORDS[sessions.ui_lang(request, logged.account)]["accounts_not_self"],
                field="account",
            )
        store.accounts.remove(target.id)
        where = f"?subscriber={quote(target.subscriber)}" if logged.account.scope == "admin" else ""
        return RedirectResponse(f"/portal/accounts{where}", 303, headers=sessions.HEADERS)

    return await run_in_threadpool(run)

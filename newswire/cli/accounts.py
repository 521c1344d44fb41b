"""``newswire account``: people who log in to the subscriber portal and the console.

A subscriber's people (``--subscriber NAME``, one of them its ``--portal-admin``) or the
agency's (``--scope publish`` editors, ``--scope admin`` operators). The password comes
from standard input (``--password-stdin``) or is made and printed once, alone on the last
line, like a key; only its argon2id hash is stored.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar, cast

import typer

from newswire.access.accounts import (
    Account,
    check_account,
    check_email,
    check_password,
    hash_password,
    new_id,
    new_password,
)
from newswire.cli.common import DB_DEFAULT, DbOption, err, fail, print_rows, when, with_store
from newswire.errors import NewswireError, NotFound
from newswire.store import Store

if TYPE_CHECKING:
    from newswire.access.accounts import Scope

account_app = typer.Typer(
    help="Accounts: people who log in to the portal (subscribers) or the console (agency).",
    no_args_is_help=True,
)

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from standard input (its first line)."
    ),
]

T = TypeVar("T")


def _checked(build: Callable[[], T]) -> T:
    try:
        return build()
    except NewswireError as exc:
        raise fail(str(exc), 2) from None


def _password(from_stdin: bool) -> tuple[str, bool]:
    """(the password, whether it was made here and must be shown)."""
    if not from_stdin:
        return new_password(), True
    line = sys.stdin.readline().rstrip("\r\n")
    return _checked(lambda: check_password(line)), False


def _by_email(store: Store, email: str) -> Account:
    found = store.accounts.by_email(email)
    if found is None:
        raise NotFound(f"no account for {email}", field="email")
    return found[0]


@account_app.command("add")
def account_add(
    email: str,
    subscriber: Annotated[str, typer.Option(help="The subscriber the account is for.")] = "",
    scope: Annotated[
        str, typer.Option(help="read (a subscriber's), publish (editors) or admin (operators).")
    ] = "read",
    portal_admin: Annotated[
        bool,
        typer.Option("--portal-admin", help="Manages the subscriber's accounts in the portal."),
    ] = False,
    lang: Annotated[str, typer.Option(help="Interface language: ar or en.")] = "ar",
    password_stdin: PasswordStdin = False,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Add an account; a made-up password is printed once, alone on the last line."""
    if scope == "read" and not subscriber:
        raise fail("a subscriber's account needs --subscriber NAME (or --scope publish|admin)", 2)
    account = _checked(
        lambda: check_account(
            Account(
                id=new_id(),
                email=email,
                scope=cast("Scope", scope),  # check_account checks it
                subscriber=subscriber,
                portal_admin=portal_admin,
                lang=lang,
            )
        )
    )
    password, made = _password(password_stdin)
    hashed = hash_password(password)
    with_store(db, lambda store: store.accounts.add(account, hashed))
    owner = f"subscriber {subscriber}" if subscriber else "the agency"
    err.print(f"{scope} account {account.email} added for {owner}", highlight=False)
    if made:
        err.print("its password is shown only now:", highlight=False)
        sys.stdout.write(password + "\n")


@account_app.command("list")
def account_list(
    subscriber: Annotated[str | None, typer.Option(help="Only this subscriber's accounts.")] = None,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Accounts (never their passwords): email, scope, subscriber, admin, created, last login."""

    def run(store: Store) -> None:
        if subscriber:
            store.subscribers.get(subscriber)
        print_rows(
            ("email", "scope", "subscriber", "portal admin", "lang", "created", "last login"),
            [
                (
                    a.email,
                    a.scope,
                    a.subscriber,
                    "yes" if a.portal_admin else "no",
                    a.lang,
                    when(a.created_at),
                    when(a.last_login_at),
                )
                for a in store.accounts.list(subscriber=subscriber)
            ],
        )

    with_store(db, run, create=False)


@account_app.command("remove")
def account_remove(email: str, db: DbOption = DB_DEFAULT) -> None:
    """Remove an account: its sessions end at once, its saved searches go with it."""
    email = _checked(lambda: check_email(email))
    with_store(
        db, lambda store: store.accounts.remove(_by_email(store, email).id), create=False
    )
    err.print(f"account {email} removed", highlight=False)


@account_app.command("password")
def account_password(
    email: str, password_stdin: PasswordStdin = False, db: DbOption = DB_DEFAULT
) -> None:
    """Set a new password (made up and printed once unless --password-stdin); the
    account's sessions end."""
    email = _checked(lambda: check_email(email))
    password, made = _password(password_stdin)
    hashed = hash_password(password)
    ended: list[int] = []

    def run(store: Store) -> None:
        ended.append(store.accounts.set_password(_by_email(store, email).id, hashed))

    with_store(db, run, create=False)
    err.print(f"password of {email} changed; {ended[0]} sessions ended", highlight=False)
    if made:
        err.print("the new password is shown only now:", highlight=False)
        sys.stdout.write(password + "\n")

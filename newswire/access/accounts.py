"""Accounts: people who log in with an email and a password, and their sessions.

An account belongs either to a subscriber (scope ``read``; ``portal_admin`` marks the
subscriber's own administrator, who manages that subscriber's accounts in the portal) or
to the agency (scope ``publish`` for editors, ``admin`` for operators). A logged-in
account acts as an API key of the same scope would: its ``Principal`` has the
subscriber's products, or ``[AGENCY]``.

Passwords are hashed with argon2id (``argon2-cffi``'s ``PasswordHasher``) and never kept
or logged in clear. A login for an unknown email verifies against a dummy hash, so that a
wrong email and a wrong password take the same time.

A session is a random 32-byte token in a cookie; only its SHA-256 hash is stored (the
token is 256 random bits, so a fast hash is right, as for API keys). A session ends after
``IDLE`` without a request, ``MAX_AGE`` after login, at logout, when its account is
removed or its password changed, and when its subscriber is suspended or removed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from functools import cache
from typing import Literal

import msgspec
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from newswire.access.auth import Principal
from newswire.access.entitlement import AGENCY
from newswire.access.keys import ApiKey
from newswire.errors import BadInput, Forbidden, NewswireError
from newswire.model import utcnow
from newswire.store import Store
from newswire.store.base import Coordination

Scope = Literal["read", "publish", "admin"]
SCOPES: tuple[str, ...] = ("read", "publish", "admin")
LANGS: tuple[str, ...] = ("ar", "en")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
IDLE = timedelta(hours=12)
"""A session ends after this long without a request."""
MAX_AGE = timedelta(days=7)
"""A session ends this long after login, however busy."""
LOGIN_LIMIT = 10
LOGIN_WINDOW = 15 * 60.0
"""``LOGIN_LIMIT`` failed logins per email, and per client address, then as many again in
this many seconds (``LoginLimiter``), whichever process or node they reach."""
TOUCH_EVERY = timedelta(minutes=1)
"""A session's last_seen_at is written at most this often."""
SESSION_KEY = "session:"
"""The prefix of a session principal's key id (real key ids are 10 letters and digits):
``newswire.access.auth.still_valid`` sends these here, so open portal streams end with
their session."""

_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f.]+")
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


class Account(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    email: str
    scope: Scope = "read"
    subscriber: str = ""
    """The subscriber a ``read`` account belongs to; agency accounts belong to no one."""
    portal_admin: bool = False
    """Manages the accounts of its subscriber in the portal."""
    lang: str = "ar"
    """The interface language: ``ar`` or ``en``."""
    created_at: datetime | None = None
    last_login_at: datetime | None = None

    @property
    def manages_accounts(self) -> bool:
        return self.scope == "admin" or (self.scope == "read" and self.portal_admin)


class Session(msgspec.Struct, kw_only=True):
    id: str
    """Public id (never the token): names the session as a principal's key id."""
    account: str
    csrf: str
    """The token every state-changing form of this session must carry."""
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    """``MAX_AGE`` after login; ``IDLE`` after ``last_seen_at`` ends it sooner."""

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at or now >= self.last_seen_at + IDLE


class Topic(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A saved search: the portal tells its account when a new item matches it."""

    id: str
    account: str
    name: str
    query: str
    lang: str = ""
    subject: str = ""
    urgency: str = ""
    created_at: datetime | None = None


def new_id(length: int = 12) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def check_email(email: str) -> str:
    """``email`` trimmed and lower-cased, or ``BadInput`` saying why it is not one."""
    email = (email or "").strip().lower()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise BadInput(f"{email[:80]!r} is not an email address", field="email")
    return email


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise BadInput(
            f"a password has at least {MIN_PASSWORD} characters, not {len(password)}",
            field="password",
        )
    if len(password) > MAX_PASSWORD:
        raise BadInput(f"a password has at most {MAX_PASSWORD} characters", field="password")
    return password


def check_account(account: Account) -> Account:
    """``account`` with its email normalised, or ``BadInput`` naming the field at fault."""
    email = check_email(account.email)
    if account.scope not in SCOPES:
        raise BadInput(f"scope is one of {', '.join(SCOPES)}, not {account.scope!r}", field="scope")
    if account.scope == "read" and not account.subscriber:
        raise BadInput("a subscriber's account needs its subscriber", field="subscriber")
    if account.scope != "read" and account.subscriber:
        raise BadInput(
            f"a {account.scope} account belongs to the agency, not to a subscriber",
            field="subscriber",
        )
    if account.portal_admin and account.scope != "read":
        raise BadInput("portal admin is for a subscriber's accounts", field="portal_admin")
    if account.lang not in LANGS:
        raise BadInput(f"lang is one of {', '.join(LANGS)}", field="lang")
    return msgspec.structs.replace(account, email=email)


def new_password() -> str:
    """A generated password: 20 characters, 120 random bits."""
    return secrets.token_urlsafe(15)


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id, RFC 9106's second recommended parameters


@cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash (unknown email) a dummy one is checked,
    so that the answer takes as long either way."""
    try:
        ok = _hasher().verify(stored_hash or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return ok and stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_session(account_id: str, now: datetime | None = None) -> tuple[str, Session]:
    """(the token for the cookie, shown only to the browser; the session to store)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session = Session(
        id=new_id(),
        account=account_id,
        csrf=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + MAX_AGE,
    )
    return token, session


def principal_of(store: Store, account: Account, session_id: str) -> Principal:
    """The principal a session acts as: what an API key of the account's scope would be.

    ``Forbidden`` when its subscriber is suspended (``NotFound`` when it is gone).
    """
    key = ApiKey(
        id=SESSION_KEY + session_id,
        scope=account.scope,
        name=account.email,
        subscriber=account.subscriber,
    )
    if not account.subscriber:
        return Principal(key, None, [AGENCY])
    subscriber = store.subscribers.get(account.subscriber)
    if subscriber.status != "active":
        raise Forbidden(f"subscriber {subscriber.name} is {subscriber.status}", field="account")
    return Principal(key, subscriber, [store.products.get(name) for name in subscriber.products])


def session_problem(store: Store, key_id: str, now: datetime | None = None) -> str | None:
    """Why the session behind the principal key id ``key_id`` no longer works; None while
    it does (``still_valid`` for sessions)."""
    found = session_access(store, key_id, now)
    return found if isinstance(found, str) else None


def session_access(store: Store, key_id: str, now: datetime | None = None) -> Principal | str:
    """The principal the session behind the principal key id ``key_id`` acts as now, or
    why it no longer works (``newswire.access.auth.access_of`` for sessions)."""
    found = store.sessions.by_id(key_id.removeprefix(SESSION_KEY))
    if found is None:
        return "the session ended (logged out, or the account was removed)"
    session, account = found
    if session.expired(now or utcnow()):
        return "the session expired: log in again"
    try:
        return principal_of(store, account, session.id)
    except NewswireError as exc:
        return exc.detail


class LoginLimiter:
    """Failed logins per key (an email, a client address), counted in the store's shared
    token buckets (``Coordination.take_tokens``): the limit holds across every process
    and node serving the store, so a guesser gains nothing by being spread over them.

    Each key's bucket holds ``limit`` failures and refills at ``limit`` per ``window``
    seconds: ten failures in a row, then one more every 90 s (the defaults), the rate of
    the sliding window this replaces. A login is refused while the bucket of one of its
    keys is empty; only failures take from it. A success refunds nothing: the bucket
    refills with time, as it does for the API's limits.

    Each bucket is a ``limit`` refilling every ``window`` seconds (``take_tokens``'s
    ``period``), on the wall clock as every bucket: a bucket full again is removed from
    the store (``forget_full_buckets``), and asking (``wait``) writes none. Buckets are
    named by a hash of the key: the store keeps no email address or client address for
    this."""

    def __init__(self, coordination: Coordination, limit: int = LOGIN_LIMIT, window: float = LOGIN_WINDOW):
        self.coordination = coordination
        self.limit, self.window = limit, window

    def _bucket(self, key: str) -> str:
        return "login:" + hashlib.sha256(key.encode()).hexdigest()[:32]

    def wait(self, keys: list[str], now: float | None = None) -> int:
        """Seconds until another attempt is allowed for all of ``keys`` (0: now). Reads
        the store: in a worker thread."""
        # Asking for no token reads the bucket: the wait until one is there (<= 0: now).
        waits = [
            self.coordination.take_tokens(self._bucket(key), self.limit, 0, now, self.window).wait
            for key in keys
        ]
        longest = max(waits, default=0.0)
        return int(longest) + 1 if longest > 0 else 0

    def failed(self, keys: list[str], now: float | None = None) -> None:
        """A failed login: one from the bucket of each of ``keys`` (in a worker thread)."""
        for key in keys:
            self.coordination.take_tokens(self._bucket(key), self.limit, 1, now, self.window)

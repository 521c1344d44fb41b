"""The access contract: who may read what, and who is logged in (one Protocol per noun).

``store.products``, ``store.subscribers``, ``store.keys``, ``store.usage``,
``store.accounts``, ``store.sessions`` and ``store.topics`` are these. The rules (what a
product matches, who may log in, what a key may do) live in ``newswire.access``; the store
keeps the records and promises what each docstring says, for every backend:

- a missing record asked for by name or id raises ``NotFound`` (naming its field), a
  record that would take a name or email already taken raises ``Conflict``; records are
  validated by ``newswire.access`` before they get here, and stored as given;
- each write is atomic: it happens whole or, on error, not at all;
- lists come in a stable order, given in each method's docstring;
- every change that may change what a caller may do moves the ``access`` generation
  (``Coordination.generation``), committed with the change, so that every process drops
  the principals it cached; bookkeeping (a key's or a session's last use, a login time,
  usage counts, saved topics) does not move it.

Times may come back rounded down to the second (``newswire.store.base.iso``), in UTC.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol

from newswire.access.accounts import Account, Session, Topic
from newswire.access.keys import ApiKey
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber

UsageRow = tuple[str, str, str, str, int]
"""(day ``YYYY-MM-DD``, subscriber, channel, product, count)."""


class Products(Protocol):
    """The products: named selections of the wire that subscribers are entitled to.

    Every change moves the ``access`` generation.
    """

    def add(self, product: Product) -> None:
        """Store a new product; ``Conflict`` if one of that name exists."""
        ...

    def get(self, name: str) -> Product:
        """The product ``name``; ``NotFound`` (field ``product``) if there is none."""
        ...

    def list(self) -> builtins.list[Product]:
        """Every product, by name."""
        ...

    def replace(self, product: Product) -> None:
        """Put ``product`` in the place of the product of its name (its subscribers and
        their keys receive by it from then on); ``NotFound`` if there is none."""
        ...

    def remove(self, name: str) -> None:
        """Remove the product ``name``: ``NotFound`` if there is none, ``Conflict`` naming
        the subscribers that still have it (they are changed or removed first)."""
        ...


class Subscribers(Protocol):
    """The subscribers: the clients of the agency, each with its products.

    Every change moves the ``access`` generation.
    """

    def add(self, subscriber: Subscriber) -> Subscriber:
        """Store a new subscriber, stamped with its creation time (and returned).

        ``NotFound`` naming the first of its products that does not exist; ``Conflict``
        if a subscriber of that name exists. The subscriber and its products are stored
        together or not at all.
        """
        ...

    def get(self, name: str) -> Subscriber:
        """The subscriber ``name``; ``NotFound`` (field ``subscriber``) if there is none."""
        ...

    def list(self) -> builtins.list[Subscriber]:
        """Every subscriber, by name."""
        ...

    def change(self, subscriber: Subscriber) -> Subscriber:
        """Give the subscriber of ``subscriber.name`` its products, formats and rate limit
        (its status, creation time, keys and accounts stay), in one transaction; the
        subscriber as changed. ``NotFound`` naming the subscriber, or the first of its
        products that does not exist."""
        ...

    def set_status(self, name: str, status: str) -> Subscriber:
        """Set the status (``active``, ``suspended``) of ``name``; the subscriber as
        changed. ``NotFound`` if there is none."""
        ...

    def remove(self, name: str) -> int:
        """Remove the subscriber ``name`` and revoke its API keys, in one transaction; the
        number of keys revoked. Its accounts (and their sessions and topics) and its
        webhooks go with it; its usage counts stay. ``NotFound`` if there is none."""
        ...


class Keys(Protocol):
    """API keys. Only a hash of each key is stored, never the key.

    Adding and revoking a key move the ``access`` generation; recording its use does not.
    """

    def add(self, key: ApiKey, key_hash: str) -> ApiKey:
        """Store a new key under ``key_hash``, stamped with its creation time (and
        returned); ``NotFound`` if it names a subscriber that does not exist."""
        ...

    def by_hash(self, key_hash: str) -> ApiKey | None:
        """The key stored under ``key_hash`` (revoked ones too); None if none is."""
        ...

    def get(self, key_id: str) -> ApiKey:
        """The key ``key_id``; ``NotFound`` (field ``key``) if there is none."""
        ...

    def list(self, subscriber: str | None = None) -> builtins.list[ApiKey]:
        """The keys (of ``subscriber``, or all), oldest first (then by id)."""
        ...

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke the key ``key_id`` (a key revoked already keeps its revocation time); the
        key as stored. ``NotFound`` if there is none."""
        ...

    def touch(self, key_id: str, when: datetime) -> None:
        """Record that the key was last used at ``when`` (nothing if there is none)."""
        ...

    def touch_many(self, uses: builtins.list[tuple[str, datetime]]) -> None:
        """``touch`` several keys (key id, when) in one transaction."""
        ...


class Usage(Protocol):
    """Deliveries counted per day, subscriber, channel and product (for billing and the
    usage report). Never moves the ``access`` generation."""

    def add(self, rows: list[UsageRow]) -> None:
        """Add each row's count to its counter (created at 0 when new), in one
        transaction."""
        ...

    def report(
        self,
        subscriber: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[UsageRow]:
        """The counters, by day, then subscriber, channel and product.

        ``since`` and ``until`` are ``YYYY-MM-DD`` days, both included. Only what has been
        flushed from the server's in-memory meter is here; ``GET /v1/usage`` flushes first.
        """
        ...


class Accounts(Protocol):
    """People who log in with an email and a password (the password only as its hash).

    Removing an account and changing what it may do (its password included) move the
    ``access`` generation; a login time does not.
    """

    def add(self, account: Account, password_hash: str) -> Account:
        """Store a new account, stamped with its creation time (and returned).

        ``NotFound`` if it names a subscriber that does not exist; ``Conflict`` if an
        account has that email.
        """
        ...

    def get(self, account_id: str) -> Account:
        """The account ``account_id``; ``NotFound`` (field ``account``) if there is none."""
        ...

    def by_email(self, email: str) -> tuple[Account, str] | None:
        """The account with this (normalised) email and its password hash; None if none."""
        ...

    def list(self, subscriber: str | None = None) -> builtins.list[Account]:
        """The accounts (of ``subscriber``, or all), by email."""
        ...

    def remove(self, account_id: str) -> None:
        """Remove an account; its sessions and topics go with it. ``NotFound`` if there is
        none."""
        ...

    def set_password(self, account_id: str, password_hash: str) -> int:
        """Change an account's password and end its sessions, in one transaction; how many
        were ended. ``NotFound`` if there is none."""
        ...


class Sessions(Protocol):
    """Logged-in sessions of accounts (only a hash of each session's token is stored).

    Ending sessions moves the ``access`` generation (``add``'s clean-up too); starting and
    touching one does not.
    """

    def add(self, session: Session, token_hash: str) -> None:
        """Store a session under ``token_hash`` and note its account's login time; while
        at it, end the sessions of every account that expired or were idle for
        ``newswire.access.accounts.IDLE`` by the new one's creation time. One
        transaction."""
        ...

    def by_hash(self, token_hash: str) -> tuple[Session, Account] | None:
        """The session stored under ``token_hash`` and its account; None if none is
        (expired sessions too, until removed: the caller checks ``Session.expired``)."""
        ...

    def by_id(self, session_id: str) -> tuple[Session, Account] | None:
        """The session ``session_id`` and its account; None if there is none."""
        ...

    def touch(self, session_id: str, when: datetime) -> None:
        """Record that the session was last seen at ``when`` (nothing if there is none)."""
        ...

    def remove(self, session_id: str) -> None:
        """End the session ``session_id`` (nothing if there is none)."""
        ...


class Topics(Protocol):
    """An account's saved searches. Never moves the ``access`` generation."""

    def add(self, topic: Topic) -> Topic:
        """Store a new topic, stamped with its creation time (and returned);
        ``Conflict`` if its account has a topic of that name."""
        ...

    def list(self, account_id: str) -> builtins.list[Topic]:
        """The topics of the account ``account_id``, by name."""
        ...

    def remove(self, account_id: str, topic_id: str) -> None:
        """Remove the topic ``topic_id`` of the account ``account_id``; ``NotFound`` if that
        account has no such topic."""
        ...

"""API keys resolved from memory: each key is looked up in the store once, not per request.

A process keeps, for each key it has seen (by the key's hash: the secret itself is never
kept), the principal it names or the reason it is refused (401, 403: never a store that
could not be read); and for each ``Authorization`` header it has answered, the
principal, so that a known caller costs one dict lookup, not
a hash of its key (the header holds the key: it lives as long as the request's own copy
would, in this process's memory only). Every entry is dropped when
the store's ``access`` generation moves (``Coordination.generation``: triggers move it on
every change to products, subscribers, keys, accounts or sessions), which each process
notices within a few milliseconds of the commit (``Hub`` watches the store): a revoked
key or a suspended subscriber is refused by every process, and their open streams are
closed, well within a second.

A key's last use is written at most once a minute, with the usage counts (``flush``),
not on the request that uses it.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING

from newswire.access.auth import TOUCH_EVERY, Principal, authenticate, bearer
from newswire.access.keys import hash_key, key_id_of
from newswire.errors import Forbidden, Unauthorized
from newswire.model import utcnow

if TYPE_CHECKING:
    from newswire.store.base import Store

MAX_REFUSALS = 10_000
"""Refused keys remembered at most (a client trying random keys cannot grow the cache)."""
MAX_HEADERS = 100_000
"""``Authorization`` headers remembered at most (emptied when full: they come back)."""


CONFIRMED_SECONDS = 15.0
"""How long what is remembered is trusted after the server last read the access generation
(its hub reads it every second): a watch that stopped without a word must not leave
revocations elsewhere unheard for good."""


class Principals:
    """The principals of API keys, from memory; ``load`` reads the store for a new one."""

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._known: dict[str, Principal] = {}
        self._refused: dict[str, Unauthorized | Forbidden] = {}
        self._headers: dict[str, Principal] = {}
        """``Authorization`` header -> its principal (known ones only, never refusals)."""
        self._touched: dict[str, datetime] = {}
        """key id -> its last use, not yet written."""
        self._written: dict[str, tuple[float, datetime]] = {}
        """key id -> (time.monotonic(), utcnow()) of its last use written (or to write)."""
        """key id -> the last use this process wrote (or found written)."""
        self.generation = store.coordination.generation()
        self._trusted = True
        """False while the server cannot read the access generation (``distrust``)."""
        self._confirmed: float | None = None
        """time.monotonic() of the last ``confirm`` (None: nothing watches: no limit)."""

    def confirm(self, generation: int) -> None:
        """The access generation was just read from the store: ``refresh`` by it, and
        trust what is remembered again."""
        self.refresh(generation)
        self._trusted = True
        self._confirmed = time.monotonic()

    def distrust(self) -> None:
        """The server cannot read the access generation (its database out of reach): it
        could not hear of a key revoked elsewhere, so nothing remembered is used (each key
        is looked up in the store, a 503 while it cannot be read) until ``confirm``."""
        self._trusted = False

    def trusted(self) -> bool:
        """Whether what is remembered may be used: not ``distrust``-ed, and confirmed
        within ``CONFIRMED_SECONDS`` once anything confirms."""
        confirmed = self._confirmed
        fresh = confirmed is None or time.monotonic() - confirmed <= CONFIRMED_SECONDS
        return self._trusted and fresh

    def cached(self, header: str | None) -> Principal | None:
        """The principal of the key in an ``Authorization`` header if this process knows
        it (None: ``load`` it). Raises ``Unauthorized``/``Forbidden`` for a malformed
        header or a key known to be refused. Reads no database: safe in the event loop.
        None too while nothing remembered is ``trusted``."""
        if not self.trusted():
            return None
        if header is not None and (principal := self._headers.get(header)) is not None:
            self._used(principal)
            return principal
        key = bearer(header)
        digest = hash_key(key)
        principal = self._known.get(digest)
        if principal is not None:
            with self._lock:
                if self._known.get(digest) is principal:  # not dropped meanwhile
                    self._remember(header, principal)
            self._used(principal)
            return principal
        refused = self._refused.get(digest)
        if refused is not None:
            raise refused
        if key_id_of(key) is None:
            raise Unauthorized("not a newswire API key", field="Authorization")
        return None

    def load(self, header: str | None) -> Principal:
        """The principal of the key (read from the store and kept), or the reason it is
        refused (kept too). In a worker thread: it reads the database."""
        key = bearer(header)
        digest = hash_key(key)
        generation = self.generation
        try:
            principal = authenticate(self.store, key, touch=self._touched.__setitem__)
        except (Unauthorized, Forbidden) as exc:
            # Only the key's own answer is kept: a store that could not be read (a 503)
            # says nothing of the key, and the next request must read it again.
            with self._lock:
                if generation == self.generation:
                    if len(self._refused) >= MAX_REFUSALS:
                        self._refused.clear()
                    self._refused[digest] = exc
            raise
        with self._lock:
            if generation == self.generation:  # not dropped while it was being read
                self._known[digest] = principal
                self._remember(header, principal)
            last = principal.key.last_used_at
            if last is not None:  # as a monotonic reading: that long ago
                ago = (utcnow() - last).total_seconds()
                self._written.setdefault(principal.key.id, (time.monotonic() - ago, last))
        return principal

    def principal(self, header: str | None) -> Principal:
        """``cached`` or ``load``: for callers already in a worker thread."""
        return self.cached(header) or self.load(header)

    def _remember(self, header: str | None, principal: Principal) -> None:
        """Under the lock, and only for a principal of the current generation."""
        if header is None:
            return
        if len(self._headers) >= MAX_HEADERS:
            self._headers.clear()
        self._headers[header] = principal

    def _used(self, principal: Principal) -> None:
        key_id = principal.key.id
        last = self._written.get(key_id)
        clock = time.monotonic()  # cheap on every request; the datetime only when written
        if last is None or clock - last[0] >= TOUCH_EVERY.total_seconds():
            now = utcnow()
            self._written[key_id] = (clock, now)
            self._touched[key_id] = now

    def refresh(self, generation: int) -> bool:
        """Forget every principal and refusal if the access generation has moved (True)."""
        if generation == self.generation:
            return False
        with self._lock:
            self.generation = generation
            self._known.clear()
            self._headers.clear()
            self._refused.clear()
        return True

    def forget(self) -> None:
        """Forget everything now (this process changed access itself)."""
        with self._lock:
            self.generation = -1
            self._known.clear()
            self._headers.clear()
            self._refused.clear()

    def flush(self) -> int:
        """Write the keys' last uses gathered since the last flush; how many."""
        with self._lock:
            touched, self._touched = self._touched, {}
        if touched:
            try:
                self.store.keys.touch_many(sorted(touched.items()))
            except BaseException:
                with self._lock:
                    for key_id, when in touched.items():
                        self._touched.setdefault(key_id, when)
                raise
        return len(touched)

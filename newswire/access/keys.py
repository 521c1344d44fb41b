"""API keys: random secrets shown once, stored only as a hash, scoped and revocable.

A key looks like ``nw_<id>_<secret>``: ``id`` (10 characters) is public, names the key in
listings and revocation, and finds its row; the whole key is hashed with SHA-256 for
storage. A fast hash is right here, unlike for passwords: the secret is 256 random bits,
so there is nothing to guess, and checking a key happens on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime
from typing import Literal, TypeGuard

import msgspec

from newswire.errors import BadInput
from newswire.validation import UNNAMEABLE

Scope = Literal["read", "publish", "admin"]
SCOPES: tuple[str, ...] = ("read", "publish", "admin")
_KEY = re.compile(r"^nw_([A-Za-z0-9]{10})_([A-Za-z0-9_-]{43})$")


class ApiKey(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    scope: Scope
    name: str = ""
    subscriber: str = ""
    """The subscriber a ``read`` key belongs to; publish and admin keys belong to no one."""
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def new_key() -> tuple[str, str, str]:
    """(the key to show once, its public id, the hash to store)."""
    key_id = "".join(secrets.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(10))
    key = f"nw_{key_id}_{secrets.token_urlsafe(32)}"
    return key, key_id, hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_id_of(key: str) -> str | None:
    """The public id inside a well-formed key, or None for anything else."""
    m = _KEY.match(key)
    return m.group(1) if m else None


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def is_scope(value: str) -> TypeGuard[Scope]:
    return value in SCOPES


MAX_NAME = 100
"""Longest name of a key (what it is for: a desk, a system), in characters."""



def check_name(name: str) -> str:
    """A key's name, its surrounding spaces stripped; ``BadInput`` naming ``name`` when it
    is blank, longer than ``MAX_NAME`` or holds a control or bidi character."""
    bad = UNNAMEABLE.search(name)
    if bad:
        raise BadInput(
            f"a key's name holds no control or bidi character (U+{ord(bad.group()):04X} in"
            f" {name!r})",
            field="name",
        )
    name = name.strip()
    if not name:
        raise BadInput("a key's name is not blank", field="name")
    if len(name) > MAX_NAME:
        raise BadInput(
            f"a key's name is at most {MAX_NAME} characters, not {len(name)}", field="name"
        )
    return name


def check_scope(scope: str) -> Scope:
    if not is_scope(scope):
        raise BadInput(f"scope is one of {', '.join(SCOPES)}, not {scope!r}", field="scope")
    return scope

"""Keys to principals: every refusal says why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newswire.access.auth import authenticate, bearer
from newswire.access.keys import ApiKey, new_key
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.errors import Forbidden, Unauthorized
from newswire.model import utcnow


def make_key(store, scope="read", subscriber="daily") -> str:
    key, key_id, key_hash = new_key()
    store.keys.add(
        ApiKey(id=key_id, scope=scope, name="k", subscriber=subscriber if scope == "read" else ""),
        key_hash,
    )
    return key


@pytest.fixture
def access_store(store):
    store.products.add(Product(name="p", access="teaser"))
    store.subscribers.add(Subscriber(name="daily", products=["p"]))
    return store


def test_a_read_key_is_its_subscriber_with_its_products(access_store):
    principal = authenticate(access_store, make_key(access_store))
    assert principal.subscriber.name == "daily"
    assert [p.name for p in principal.products] == ["p"]
    principal.require("read")
    with pytest.raises(Forbidden, match="publish"):
        principal.require("publish")


def test_scopes_imply_lesser_ones(access_store):
    publish = authenticate(access_store, make_key(access_store, "publish"))
    publish.require("read")
    publish.require("publish")
    with pytest.raises(Forbidden):
        publish.require("admin")
    admin = authenticate(access_store, make_key(access_store, "admin"))
    for scope in ("read", "publish", "admin"):
        admin.require(scope)


@pytest.mark.parametrize("key", ["", "nope", "nw_aaaaaaaaaa_" + "x" * 43, "Bearer x"])
def test_unknown_keys(access_store, key):
    with pytest.raises(Unauthorized):
        authenticate(access_store, key)


def test_revoked_and_suspended(access_store):
    key = make_key(access_store)
    access_store.subscribers.set_status("daily", "suspended")
    with pytest.raises(Forbidden, match="suspended"):
        authenticate(access_store, key)
    access_store.subscribers.set_status("daily", "active")
    key_id = key.split("_")[1]
    access_store.keys.revoke(key_id)
    with pytest.raises(Unauthorized, match="revoked"):
        authenticate(access_store, key)


def test_last_used_is_recorded_but_not_on_every_request(access_store):
    key = make_key(access_store)
    key_id = key.split("_")[1]
    now = utcnow()
    authenticate(access_store, key, now)
    assert access_store.keys.get(key_id).last_used_at == now
    authenticate(access_store, key, now + timedelta(seconds=10))
    assert access_store.keys.get(key_id).last_used_at == now
    later = now + timedelta(minutes=2)
    authenticate(access_store, key, later)
    assert access_store.keys.get(key_id).last_used_at == later


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "Token x"])
def test_bearer_header_shapes(header):
    with pytest.raises(Unauthorized):
        bearer(header)


def test_bearer_header():
    assert bearer("Bearer nw_x") == "nw_x" and bearer("bearer  nw_y ") == "nw_y"

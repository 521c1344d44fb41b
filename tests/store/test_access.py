"""Products, subscribers and keys in the store, for every backend."""

from __future__ import annotations

import pytest

from newswire.access.keys import ApiKey, hash_key, new_key
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.errors import Conflict, NotFound


def test_products_add_list_show_remove(store):
    access = store.access
    access.add_product(Product(name="arabic-full", access="full", languages=["ar"]))
    access.add_product(Product(name="sport", access="teaser", subjects=["medtop:15000000"]))
    assert [p.name for p in access.products()] == ["arabic-full", "sport"]
    assert access.product("sport").subjects == ["medtop:15000000"]
    with pytest.raises(Conflict):
        access.add_product(Product(name="sport", access="full"))
    access.remove_product("sport")
    with pytest.raises(NotFound):
        access.product("sport")


def test_a_product_in_use_cannot_be_removed(store):
    store.access.add_product(Product(name="p", access="full"))
    store.access.add_subscriber(Subscriber(name="daily", products=["p"]))
    with pytest.raises(Conflict, match="daily"):
        store.access.remove_product("p")


def test_subscribers_need_existing_products_and_unique_names(store):
    store.access.add_product(Product(name="p", access="full"))
    with pytest.raises(NotFound, match="nothing"):
        store.access.add_subscriber(Subscriber(name="daily", products=["p", "nothing"]))
    assert store.access.subscribers() == []
    added = store.access.add_subscriber(Subscriber(name="daily", products=["p"]))
    assert added.created_at is not None
    with pytest.raises(Conflict):
        store.access.add_subscriber(Subscriber(name="daily", products=["p"]))


def test_suspend_and_activate(store):
    store.access.add_product(Product(name="p", access="full"))
    store.access.add_subscriber(Subscriber(name="daily", products=["p"]))
    assert store.access.set_status("daily", "suspended").status == "suspended"
    assert store.access.subscriber("daily").status == "suspended"
    assert store.access.set_status("daily", "active").status == "active"


def test_keys_are_found_by_hash_only_and_revocable(store):
    store.access.add_product(Product(name="p", access="full"))
    store.access.add_subscriber(Subscriber(name="daily", products=["p"]))
    key, key_id, key_hash = new_key()
    store.access.add_key(ApiKey(id=key_id, scope="read", subscriber="daily"), key_hash)
    found = store.access.key_by_hash(hash_key(key))
    assert found is not None and found.id == key_id and found.active
    assert store.access.key_by_hash(hash_key(key + "x")) is None
    assert [k.id for k in store.access.keys(subscriber="daily")] == [key_id]
    assert store.access.revoke_key(key_id).revoked_at is not None
    assert not store.access.key_by_hash(key_hash).active


def test_the_secret_is_never_stored(store, store_url):
    key, key_id, key_hash = new_key()
    store.access.add_key(ApiKey(id=key_id, scope="publish", name="desk"), key_hash)
    secret = key.split("_", 2)[2]
    if store_url.startswith("sqlite"):
        import sqlite3

        path = store_url.removeprefix("sqlite:///")
        dump = "\n".join(sqlite3.connect(path).iterdump())
        assert secret not in dump and key_hash in dump


def test_removing_a_subscriber_revokes_its_keys(store):
    store.access.add_product(Product(name="p", access="full"))
    store.access.add_subscriber(Subscriber(name="daily", products=["p"]))
    _, key_id, key_hash = new_key()
    store.access.add_key(ApiKey(id=key_id, scope="read", subscriber="daily"), key_hash)
    assert store.access.remove_subscriber("daily") == 1
    assert store.access.key(key_id).revoked_at is not None
    with pytest.raises(NotFound):
        store.access.subscriber("daily")

"""Products, subscribers and keys in the store, for every backend."""

from __future__ import annotations

import pytest

from newswire.access.keys import ApiKey, hash_key, new_key
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.errors import Conflict, NotFound
from tests.helpers import everything_stored


def test_products_add_list_show_remove(store):
    store.products.add(Product(name="arabic-full", access="full", languages=["ar"]))
    store.products.add(Product(name="sport", access="teaser", subjects=["medtop:15000000"]))
    assert [p.name for p in store.products.list()] == ["arabic-full", "sport"]
    assert store.products.get("sport").subjects == ["medtop:15000000"]
    with pytest.raises(Conflict):
        store.products.add(Product(name="sport", access="full"))
    store.products.remove("sport")
    with pytest.raises(NotFound):
        store.products.get("sport")


def test_a_product_in_use_cannot_be_removed(store):
    store.products.add(Product(name="p", access="full"))
    store.subscribers.add(Subscriber(name="daily", products=["p"]))
    with pytest.raises(Conflict, match="daily"):
        store.products.remove("p")


def test_subscribers_need_existing_products_and_unique_names(store):
    store.products.add(Product(name="p", access="full"))
    with pytest.raises(NotFound, match="nothing"):
        store.subscribers.add(Subscriber(name="daily", products=["p", "nothing"]))
    assert store.subscribers.list() == []
    added = store.subscribers.add(Subscriber(name="daily", products=["p"]))
    assert added.created_at is not None
    with pytest.raises(Conflict):
        store.subscribers.add(Subscriber(name="daily", products=["p"]))


def test_suspend_and_activate(store):
    store.products.add(Product(name="p", access="full"))
    store.subscribers.add(Subscriber(name="daily", products=["p"]))
    assert store.subscribers.set_status("daily", "suspended").status == "suspended"
    assert store.subscribers.get("daily").status == "suspended"
    assert store.subscribers.set_status("daily", "active").status == "active"


def test_keys_are_found_by_hash_only_and_revocable(store):
    store.products.add(Product(name="p", access="full"))
    store.subscribers.add(Subscriber(name="daily", products=["p"]))
    key, key_id, key_hash = new_key()
    store.keys.add(ApiKey(id=key_id, scope="read", subscriber="daily"), key_hash)
    found = store.keys.by_hash(hash_key(key))
    assert found is not None and found.id == key_id and found.active
    assert store.keys.by_hash(hash_key(key + "x")) is None
    assert [k.id for k in store.keys.list(subscriber="daily")] == [key_id]
    assert store.keys.revoke(key_id).revoked_at is not None
    assert not store.keys.by_hash(key_hash).active


def test_the_secret_is_never_stored(store, store_url):
    key, key_id, key_hash = new_key()
    store.keys.add(ApiKey(id=key_id, scope="publish", name="desk"), key_hash)
    secret = key.split("_", 2)[2]
    dump = everything_stored(store_url)
    assert secret not in dump and key_hash in dump


def test_removing_a_subscriber_revokes_its_keys(store):
    store.products.add(Product(name="p", access="full"))
    store.subscribers.add(Subscriber(name="daily", products=["p"]))
    _, key_id, key_hash = new_key()
    store.keys.add(ApiKey(id=key_id, scope="read", subscriber="daily"), key_hash)
    assert store.subscribers.remove("daily") == 1
    assert store.keys.get(key_id).revoked_at is not None
    with pytest.raises(NotFound):
        store.subscribers.get("daily")

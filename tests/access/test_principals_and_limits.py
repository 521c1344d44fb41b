"""Keys from memory and rate limits shared by processes: two stores on one file stand
for two server processes."""

from __future__ import annotations

import time

import pytest

from newswire.access.keys import ApiKey, new_key
from newswire.access.limits import RateLimiter, lease_size
from newswire.access.principals import Principals
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.errors import Forbidden, TooManyRequests, Unauthorized
from newswire.store import open_store


@pytest.fixture
def other(store, store_url):
    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def key(store) -> tuple[str, str]:
    store.products.add(Product(name="p", access="full"))
    store.subscribers.add(Subscriber(name="daily", products=["p"]))
    key, key_id, key_hash = new_key()
    store.keys.add(ApiKey(id=key_id, scope="read", subscriber="daily"), key_hash)
    return f"Bearer {key}", key_id


def test_a_key_is_read_once_then_served_from_memory(store, key):
    header, key_id = key
    principals = Principals(store)
    assert principals.cached(header) is None  # never seen: the caller loads it
    loaded = principals.load(header)
    assert loaded.subscriber.name == "daily"
    assert principals.cached(header) == loaded
    # Its last use is gathered and written in one batch, not on the request.
    assert store.keys.get(key_id).last_used_at is None
    assert principals.flush() == 1
    assert store.keys.get(key_id).last_used_at is not None
    assert principals.flush() == 0


def test_a_revocation_elsewhere_reaches_the_cache_when_the_generation_moves(store, other, key):
    header, key_id = key
    principals = Principals(store)
    principals.load(header)
    other.keys.revoke(key_id)  # another process
    assert principals.cached(header) is not None  # until told
    assert principals.refresh(store.coordination.generation()) is True
    assert principals.cached(header) is None
    with pytest.raises(Unauthorized, match="revoked"):
        principals.load(header)
    with pytest.raises(Unauthorized, match="revoked"):  # the refusal is remembered too
        principals.cached(header)
    assert principals.refresh(store.coordination.generation()) is False


def test_a_header_is_remembered_as_written_and_forgotten_with_the_keys(store, other, key):
    header, key_id = key
    principals = Principals(store)
    loaded = principals.load(header)
    spelled = "bearer  " + header.split(" ", 1)[1] + " "  # the same key, written otherwise
    assert principals.cached(spelled) == loaded  # by the key's hash, then by the header
    assert principals.cached(spelled) == loaded
    principals.forget()  # this process changed access
    assert principals.cached(header) is None and principals.cached(spelled) is None
    principals.load(header)
    other.keys.revoke(key_id)
    principals.refresh(store.coordination.generation())
    with pytest.raises(Unauthorized, match="revoked"):
        principals.principal(spelled)


def test_a_suspension_is_refused_and_an_activation_lets_it_in_again(store, other, key):
    header, _ = key
    principals = Principals(store)
    principals.load(header)
    other.subscribers.set_status("daily", "suspended")
    principals.refresh(store.coordination.generation())
    with pytest.raises(Forbidden, match="suspended"):
        principals.principal(header)
    other.subscribers.set_status("daily", "active")
    principals.refresh(store.coordination.generation())
    assert principals.principal(header).subscriber.status == "active"


def test_malformed_keys_are_refused_without_the_store(store):
    principals = Principals(store)
    for header, reason in ((None, "send an API key"), ("Basic x", "Bearer"), ("Bearer nope", "not a newswire")):
        with pytest.raises(Unauthorized, match=reason):
            principals.cached(header)


def test_remembered_keys_are_not_used_while_access_cannot_be_checked(store, other, key):
    # A server whose hub cannot read the access generation (its database out of reach)
    # could not hear of a revocation elsewhere (``distrust``): it looks the key up again
    # rather than serve it from memory, until a read succeeds (``confirm``).
    header, key_id = key
    principals = Principals(store)
    assert principals.principal(header).subscriber.name == "daily"
    assert principals.cached(header) is not None
    other.keys.revoke(key_id)  # elsewhere; this process has not read the generation since
    assert principals.cached(header) is not None  # (within the hub's second)
    principals.distrust()
    assert principals.cached(header) is None  # not trusted: looked up again
    with pytest.raises(Unauthorized):
        principals.principal(header)
    principals.confirm(other.coordination.generation())  # the revocation heard of
    with pytest.raises(Unauthorized):
        principals.principal(header)
    with pytest.raises(Unauthorized):  # the refusal remembered now, and trusted
        principals.cached(header)


@pytest.mark.parametrize("per_minute", [1, 7, 600, 60_000])
def test_one_process_serves_exactly_the_limit(store, per_minute):
    # The clock held still: no refill while the loop runs, however long it takes.
    frozen = time.time()
    limiter = RateLimiter(store.coordination, clock=lambda: frozen)
    served = 0
    with pytest.raises(TooManyRequests) as refused:
        for _ in range(2 * per_minute + 10):
            limiter.take("subscriber daily", per_minute)
            served += 1
    assert served == per_minute
    assert refused.value.retry_after >= 1 and refused.value.field == "Authorization"


def test_a_lowered_limit_holds_from_the_next_request(store):
    # Tokens leased under 600 a minute (ten at a time) are not spent once the
    # subscriber's limit is 5: the sixth request under it is refused, not the fifteenth.
    limiter = RateLimiter(store.coordination)
    for _ in range(3):
        limiter.take("subscriber daily", 600)
    served = 0
    with pytest.raises(TooManyRequests):
        for _ in range(20):
            limiter.take("subscriber daily", 5)
            served += 1
    assert served == 5


def test_processes_together_never_exceed_the_limit(store, other):
    """Requests alternating between two processes: refused before the limit is passed,
    by whichever process they reach, and not before the leases' share of it."""
    per_minute = 200
    limiters = [RateLimiter(store.coordination), RateLimiter(other.coordination)]
    served, refused_by = 0, set()
    for n in range(per_minute * 2):
        try:
            limiters[n % 2].take("subscriber daily", per_minute)
            served += 1
        except TooManyRequests:
            refused_by.add(n % 2)
            if refused_by == {0, 1}:
                break
    assert refused_by == {0, 1}
    assert per_minute - 2 * lease_size(per_minute) <= served <= per_minute + 2


def test_a_refused_caller_costs_no_database_work_until_a_token_is_due(store, other):
    limiter = RateLimiter(store.coordination)
    limiter.take("who", 1)
    with pytest.raises(TooManyRequests):
        limiter.take("who", 1)
    # The store would give a token now (another process, its clock a minute ahead, found
    # the bucket full again and removed it), but this process knows none is due for a
    # minute and does not ask.
    assert other.coordination.forget_full_buckets(time.time() + 60) == 1
    assert other.coordination.take_tokens("who", 1, 0).wait == 0  # a whole token waits
    with pytest.raises(TooManyRequests):
        limiter.spend("who", 1)

"""``Histories.decided``: what a caller may have of an item, decided once and kept only
while it cannot change — the same principal, the same kept history, before the next
embargo lifts. The item routes and the file downloads answer from it, so a decision kept
too long would show an embargoed item early, or a revoked caller's old answer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newswire.delivery import histories as module
from newswire.delivery.histories import Histories
from newswire.model import NewsItem, utcnow
from newswire.store import open_store


@pytest.fixture
def kept(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'h.db'}")
    now = utcnow()
    store.append(NewsItem(id="urn:test:plain", language="en", headline="plain"))
    store.append(NewsItem(
        id="urn:test:held", language="en", headline="held", embargo_until=now + timedelta(hours=1)
    ))
    yield Histories(store), now
    store.close()


def test_a_decision_is_made_once_for_the_same_caller_and_history(kept):
    histories, _ = kept
    history = histories.load("urn:test:plain")
    calls: list[int] = []
    principal = object()
    for _ in range(3):
        got = histories.decided(("q",), principal, history, lambda: calls.append(1) or len(calls))
        assert got == 1
    assert len(calls) == 1


def test_another_principal_or_a_reloaded_history_decides_again(kept):
    histories, _ = kept
    history = histories.load("urn:test:plain")
    first, second = object(), object()
    assert histories.decided(("q",), first, history, lambda: "first") == "first"
    assert histories.decided(("q",), second, history, lambda: "second") == "second"
    histories.forget(["urn:test:plain"])
    reloaded = histories.load("urn:test:plain")
    assert reloaded is not history
    assert histories.decided(("q",), second, reloaded, lambda: "again") == "again"


def test_a_decision_ends_when_the_next_embargo_lifts(kept, monkeypatch):
    histories, now = kept
    history = histories.load("urn:test:held")
    principal = object()
    assert histories.decided(("q",), principal, history, lambda: "before") == "before"
    monkeypatch.setattr(module, "utcnow", lambda: now + timedelta(minutes=59))
    assert histories.decided(("q",), principal, history, lambda: "still") == "before"
    monkeypatch.setattr(module, "utcnow", lambda: now + timedelta(hours=1))
    assert histories.decided(("q",), principal, history, lambda: "lifted") == "lifted"


def test_a_refusal_is_not_kept(kept):
    histories, _ = kept
    history = histories.load("urn:test:plain")
    principal = object()

    def refuse() -> str:
        raise LookupError("not yours")

    with pytest.raises(LookupError):
        histories.decided(("q",), principal, history, refuse)
    assert histories.decided(("q",), principal, history, lambda: "now yours") == "now yours"

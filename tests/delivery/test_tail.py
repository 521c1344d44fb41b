"""The hub's tail: every view keeps answering what it held when it was made, whatever
later rounds append or let go, and a new view holds the last ``size`` entries."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from newswire.delivery.tail import Tail
from newswire.model import NewsItem
from newswire.store.base import Change
from tests.helpers import examples

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
ITEM = NewsItem(id="urn:test:tail", language="ar", headline="خبر")


def change(seq: int) -> Change:
    return Change(seq=seq, stored_at=WHEN, item=ITEM, kind="item")


@settings(max_examples=examples(200), deadline=None)
@given(
    size=st.integers(min_value=1, max_value=12),
    start=st.integers(min_value=0, max_value=5),
    rounds=st.lists(
        st.lists(st.integers(min_value=1, max_value=3), min_size=0, max_size=6), max_size=25
    ),
    branch=st.integers(min_value=0, max_value=24),
)
def test_every_view_answers_what_it_held(size, start, rounds, branch):
    tail = Tail(start)
    log: list[int] = []
    seq = start
    views: list[tuple[Tail, list[int], int]] = [(tail, [], start)]
    for n, gaps in enumerate(rounds):
        batch = []
        for gap in gaps:
            seq += gap  # sequence numbers may skip (entries of others' products, lifts)
            batch.append(change(seq))
        if n == branch and len(views) > 1:
            tail = views[-2][0]  # extend an older view: it must not disturb the newer
            log = list(views[-2][1])
        tail = tail.extended(batch, size)
        log = log + [c.seq for c in batch]
        kept = log[-size:]
        views.append((tail, kept, tail.end))
        assert [c.seq for c in tail.changes] == kept
        assert len(tail) == len(kept)
        if len(log) > size:
            assert tail.floor == log[-size - 1]
    for view, kept, end in views:
        assert view.end == end
        assert [c.seq for c in view.changes] == kept
        for cursor in range(view.floor, end + 2):
            assert view.covers(cursor)
            assert [c.seq for c in view.after(cursor)] == [s for s in kept if s > cursor]
        assert not view.covers(view.floor - 1)

"""Several openings of one index folder (the processes of ``serve --workers N``): one
writes, the others search what it committed, and one takes over when the writer closes."""

from __future__ import annotations

from newswire.access.products import Product
from newswire.model import NewsItem
from newswire.search.engine import Searcher, SearchRequest
from newswire.search.index import SearchIndex

ALL = [Product(name="all", access="full")]


def item(n: int, word: str) -> NewsItem:
    return NewsItem(
        id=f"urn:test:processes:{n}",
        language="ar",
        headline=f"خبر {word}",
        body=[f"نص الخبر عن {word} في أنقرة."],
    )


def found(index: SearchIndex, store, word: str) -> set[str]:
    page = Searcher(index, store).search(SearchRequest(q=word, limit=50), ALL)
    return {h.id for h in page.hits}


def test_one_writer_the_others_follow_and_take_over(store, tmp_path):
    folder = tmp_path / "p.search"
    first = SearchIndex(folder)
    second = SearchIndex(folder)  # opened at once, as N processes starting together
    try:
        first.ensure(store)
        second.ensure(store)
        assert first.read_only is False
        assert second.read_only is True  # one writer

        store.append_many([item(1, "زبرجد")])
        assert first.follow(store) == 1
        assert second.follow(store) == 0  # it does not write...
        assert found(second, store, "زبرجد") == {"urn:test:processes:1"}  # ...but sees

        first.close()  # the writing process ends: the next to ask takes over
        store.append_many([item(2, "فيروز")])
        second.follow(store)
        assert second.read_only is False
        assert found(second, store, "فيروز") == {"urn:test:processes:2"}
        assert found(second, store, "زبرجد") == {"urn:test:processes:1"}  # nothing redone
        assert second.cursor == store.last_seq()
    finally:
        second.close()

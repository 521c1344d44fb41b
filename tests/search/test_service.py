"""The search index inside a running server: background work, below serving."""

from __future__ import annotations

from pathlib import Path

from newswire.search.service import BACKGROUND_NICENESS
from tests.helpers import Server, retry_until


def niceness(pid: int) -> dict[int, int]:
    """thread id -> nice value of every thread of process ``pid`` (``/proc``)."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        out[int(task.name)] = int(fields[16])  # field 19 of stat, after pid and comm
    return out


def test_the_index_is_kept_by_a_thread_of_lower_priority_than_serving(tmp_path):
    server = Server(f"sqlite:///{tmp_path / 'nice.db'}")
    try:
        with server.client() as client:  # closed: a socket left open fails a later test
            assert client.get("/health").status_code == 200
        pid = server.proc.pid
        # The index is built as the server starts, by its indexing thread.
        def lowered() -> dict[int, int] | None:
            found = niceness(pid)
            return found if BACKGROUND_NICENESS in found.values() else None

        values = retry_until(lowered, "the indexing thread")
        # The main thread (the event loop: every stream, every fast path) serves at normal
        # priority, and so do the threads it starts; the indexing thread is lower, and so
        # are the threads the index starts from it (tantivy's writer and merges).
        assert values[pid] == 0
        assert sorted(set(values.values())) == [0, BACKGROUND_NICENESS]
    finally:
        server.close()


def test_an_index_build_the_store_refuses_is_tried_again_once_it_answers(
    tmp_path, caplog, monkeypatch
):
    """The store busy or out of reach while the index is first built (another process
    holding SQLite's write lock here; a database restarting on PostgreSQL): the build is
    tried again once it answers, said once without a traceback, not left unavailable
    until the server is restarted."""
    import asyncio
    import logging
    import sqlite3
    import threading

    from newswire.model import NewsItem
    from newswire.search.engine import SearchRequest
    from newswire.search.service import Searching
    from newswire.store import open_store
    from tests.search.test_index_processes import ALL

    # A read waits a second for the lock, not the default ten: the same refusal, sooner.
    monkeypatch.setenv("NEWSWIRE_SQLITE_BUSY_TIMEOUT", "1")
    path = tmp_path / "busy.db"
    store = open_store(f"sqlite:///{path}")
    store.append(NewsItem(id="urn:test:busy", language="ar", headline="خبر زبرجد", body=["نص."]))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the write lock, held: the build cannot keep its documents
    searching = Searching(store, path=tmp_path / "busy.search", teaser_chars=600)
    done = threading.Event()
    failed: list[BaseException] = []

    def serve() -> None:
        async def run() -> None:
            await searching.start()
            await asyncio.get_running_loop().run_in_executor(None, done.wait)
            await searching.stop()

        try:
            asyncio.run(run())
        except BaseException as exc:  # said by the test, not lost in the thread
            failed.append(exc)

    caplog.set_level(logging.INFO, logger="newswire.search")
    runner = threading.Thread(target=serve, daemon=True)
    runner.start()
    try:
        retry_until(lambda: "waits for the store" in caplog.text, "the build said to wait")
        assert not searching.ready
        other.execute("COMMIT")
        retry_until(lambda: searching.ready, "the index built once the store answers")
        page = searching.searcher.search(SearchRequest(q="زبرجد"), ALL)
        assert [hit.id for hit in page.hits] == ["urn:test:busy"]
        assert caplog.text.count("waits for the store") == 1 and "Traceback" not in caplog.text
    finally:
        done.set()
        runner.join(30)
        other.close()
        store.close()
    assert not failed, failed

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

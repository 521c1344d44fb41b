"""The search index inside a running server: built or caught up on start, then fed by the
same log entries that feed subscribers (the hub's ``on_changes``), within a second."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from newswire.errors import Unavailable
from newswire.search.engine import Searcher
from newswire.search.index import SearchIndex
from newswire.store import Store
from newswire.store.base import Change

__all__ = ["Searching", "index_path"]

T = TypeVar("T")
BACKGROUND_NICENESS = 10
"""How much lower the indexing thread's CPU priority is (``nice``): at 10, the scheduler
gives it about a tenth of what a normal thread gets when both want the same core."""


def _lower_priority() -> None:
    """Lower the calling thread's CPU priority (Linux schedules threads one by one);
    nothing where that cannot be done."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)

log = logging.getLogger("newswire.search")

POLL_SECONDS = 1.0
"""How often the index looks at the store's log without being told (another node's or
the CLI's writes reach this node's index within this)."""
READ_ONLY_SECONDS = 0.1
"""How often a process that does not write the index looks whether the writer committed."""
COMMIT_EVERY_SECONDS = 0.5
"""Commits come at most this often: a tantivy commit costs ~17 ms of CPU, and one per
publish took a fifth of a busy server's core. The first entry after a quiet spell is
indexed at once; under a stream of publishes they share a commit each half second."""


def index_path(setting: str, store: Store) -> Path | None:
    """Where the index lives: the setting if given, else where the store says an index of
    its data may live (beside an SQLite file: ``news.db`` -> ``news.db.search``); None (in
    memory) for an in-memory database."""
    if setting:
        return Path(setting).expanduser()
    return store.index_hint()


class Searching:
    """A server's index and searcher, and the task keeping the index up to date."""

    def __init__(self, store: Store, *, path: Path | None, teaser_chars: int):
        self.store = store
        self.index = SearchIndex(path, teaser_chars=teaser_chars)
        self.searcher = Searcher(self.index, store, teaser_chars=teaser_chars)
        self.ready = False
        # Indexing is background work: its own thread, at a lower CPU priority than the
        # threads serving requests and streams, so that a commit (tens of ms of CPU, the
        # GIL released) never holds up a delivery on a busy core; idle cores run it at
        # full speed all the same.
        self._background = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="newswire-index", initializer=_lower_priority
        )
        self._kick: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def kick(self, _changes: list[Change] | None = None) -> None:
        """New log entries (the hub's ``on_changes``): index them now."""
        if self._kick is not None:
            self._kick.set()

    async def _in_background(self, fn: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._background, fn, *args)

    async def start(self) -> None:
        self._kick = kick = asyncio.Event()
        self._task = asyncio.create_task(self._run(kick), name="search.follow")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await run_in_threadpool(self.index.close)
        self._background.shutdown(wait=False)

    async def _run(self, kick: asyncio.Event) -> None:
        waited = False
        while True:
            try:
                await self._in_background(self.index.ensure, self.store)
                break
            except Unavailable as exc:
                # The store out of reach or busy (a node started while its database is
                # restarting): built once it answers again, not left unavailable until the
                # server is restarted. Said once, without a traceback (the store's own
                # line may have said it already).
                if not waited and not exc.logged:
                    log.warning("building the search index waits for the store: %s", exc)
                waited = True
                await asyncio.sleep(POLL_SECONDS)
            except Exception:
                log.exception("building the search index failed; search stays unavailable")
                return
        if waited:
            log.info("the search index is built")
        self.ready = not self.index.fresh
        if self.index.read_only:
            log.info(
                "the search index at %s is written by another process: searching it and"
                " following its commits",
                self.index.path,
            )
        loop = asyncio.get_running_loop()
        last = asked = 0.0
        while True:
            if self.index.read_only:
                # Another process writes: see its commits within READ_ONLY_SECONDS, and ask
                # for the writer each POLL_SECONDS (it is free once that process ends).
                await asyncio.sleep(READ_ONLY_SECONDS)
                try:
                    if loop.time() - asked >= POLL_SECONDS:
                        asked = loop.time()
                        await self._in_background(self.index.follow, self.store)
                    else:
                        await self._in_background(self.index.catch_up_read_only)
                except Exception:
                    log.exception("following the search index failed; retrying")
                self.ready = not self.index.fresh
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(kick.wait(), POLL_SECONDS)
                await asyncio.sleep(max(0.0, last + COMMIT_EVERY_SECONDS - loop.time()))
            kick.clear()
            last = loop.time()
            try:
                await self._in_background(self.index.follow, self.store)
                self.ready = True
            except Exception:
                log.exception("updating the search index failed; retrying")
                await asyncio.sleep(POLL_SECONDS)

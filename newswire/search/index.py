"""The search index: tantivy, embedded, derived from the store and rebuilt from it at will.

The store is the source of truth; the index holds, for every item, the one version a
search may find: its latest version that is neither withdrawn nor still under embargo (an
update stored under embargo leaves the version before it searchable until the lift). It
follows the store's event log from a cursor kept beside it (``state.json``), so a server
that was down catches up on start, and it is rebuilt from scratch (``newswire reindex``)
when it is missing, was made by another version of the analysis, or is ahead of its store
(a store restored from an older copy).

Why tantivy, not SQLite FTS5: see docs/search.md (BM25 over a term in most of 40,000
articles takes FTS5 tens of milliseconds, tantivy under one). Text is analysed by
``newswire.text.analyze`` (normalisation and stemming), joined with spaces and given to
tantivy's whitespace tokenizer, so the engine sees exactly our terms and queries are
analysed by the same code.

Each document also carries what a product filters on (language and its prefixes, Media
Topics with every broader topic, urgency, genres, sources, places) so that a caller's
entitlements are a query clause, not a filter after the fact: counts, facets and pages
are then right. A teaser-only product searches the teaser's text (``teaser``) instead of
the body.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import fcntl
import json
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

import msgspec
import tantivy
import zstandard

from newswire.access.products import (
    NORMAL_URGENCY,
    Product,
    entities_of,
    fold_set,
    places_of,
    sources_of,
)
from newswire.access.taxonomy import lineage
from newswire.errors import BadInput
from newswire.model import EntityKind, NewsItem, utcnow
from newswire.store import in_memory
from newswire.store.base import Heading, Stored, iso
from newswire.text.analyze import index_text
from newswire.text.teaser import teaser

if TYPE_CHECKING:
    from newswire.store.base import Store

Fields: TypeAlias = Sequence[Any]
"""What the index keeps of a version (``fields_of``), in order: the id, version, seq, time
and urgency, eight tuples of facet and filter values, six analysed texts, the item's
type (last, so that the positions of the others stayed as they were). A tuple as
made, a list as read back from msgpack (``unpack``)."""

__all__ = ["ANALYSIS", "FIELDS", "SearchIndex", "searchable"]

ANALYSIS = "8"
"""Bumped whenever the schema or the analysis changes: an index made otherwise is rebuilt."""

TERMS = "terms"
"""The tokenizer of analysed fields: split at spaces, nothing else (the analysis is ours)."""

FIELDS: dict[str, dict[str, float]] = {
    # BM25 weights per field: a word in the headline says more than one in the body.
    "full": {"headline": 4.0, "lead": 2.0, "body": 1.0, "entities": 2.0, "keywords": 2.0},
    "teaser": {"headline": 4.0, "lead": 2.0, "teaser": 1.0, "entities": 2.0, "keywords": 2.0},
}
TEXT_FIELDS = ("headline", "lead", "body", "teaser", "entities", "keywords")
FILTER_FIELDS = ("langs", "topics", "genre", "source", "place")
ENTITY_FACETS: dict[EntityKind, str] = {
    "person": "person",
    "organisation": "organisation",
    "place": "placename",
}
"""Facet name -> the index field counting the item's entities of that kind by name."""
COMMIT_EVERY_SECONDS = 10.0
"""During a rebuild, what is indexed so far is committed (searchable) this often: a long
rebuild shows its progress to searches; a short one pays for one commit only (each commit
writes and merges segments: eight of them were a third of a 40,000-item build)."""


class IndexState(TypedDict, total=False):
    """The index's state file (``state.json``)."""

    analysis: str
    """The analysis the index was built with (``ANALYSIS``): another means build again."""
    cursor: int
    """The log's seq up to which the index has applied the store's entries."""
    building: bool
    """A build has started and not finished."""


def build_schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw")
    b.add_unsigned_field("version", stored=True)
    b.add_unsigned_field("seq", stored=True)
    b.add_integer_field("ts", indexed=True, fast=True)  # version time, epoch seconds
    b.add_integer_field("urgency", indexed=True, fast=True)
    # Facets (fast, raw): the item's language tag, its own subjects, its UTC day.
    b.add_text_field("lang", tokenizer_name="raw", fast=True)
    b.add_text_field("subject", tokenizer_name="raw", fast=True)
    b.add_text_field("day", tokenizer_name="raw", fast=True)
    b.add_text_field("type", tokenizer_name="raw", fast=True)
    # Facets on what the item names (as named in it), and a filter on people and
    # organisations by name or id (folded, as products compare places).
    for name in ENTITY_FACETS.values():
        b.add_text_field(name, tokenizer_name="raw", fast=True)
    b.add_text_field("entity", tokenizer_name="raw")
    for name in FILTER_FIELDS:
        b.add_text_field(name, tokenizer_name="raw")
    for name in TEXT_FIELDS:
        b.add_text_field(name, tokenizer_name=TERMS, index_option="position")
    return b.build()


def choose(history: list[tuple[str, str | None, str]], now: str) -> int | None:
    """Which version of an item a search may find: its index in ``history`` (each version's
    pubstatus, ISO embargo time and ISO time stored, oldest first), or None. The latest
    version usable and not under embargo at ``now`` (ISO); none once the item is withdrawn.
    A version replaced before its embargo ended was never lifted (``never_lifted``): an
    update moving the embargo later keeps it out of search too."""
    if not history or history[-1][0] == "canceled":
        return None
    for i in range(len(history) - 1, -1, -1):
        status, until, _ = history[i]
        if status != "usable" or (until is not None and until > now):
            continue
        if until is not None and i + 1 < len(history) and history[i + 1][2] < until:
            continue
        return i
    return None


def searchable(history: list[Stored], now: datetime) -> Stored | None:
    """``choose`` over stored versions."""
    found = choose(
        [(s.item.pubstatus, iso(s.item.embargo_until), iso(s.stored_at)) for s in history],
        iso(now),
    )
    return None if found is None else history[found]


def _day(when: datetime) -> str:
    return when.astimezone(UTC).date().isoformat()


def language_prefixes(tag: str) -> list[str]:
    """``ar-EG`` → ``["ar-eg", "ar"]``: the tags a product may name to take it in."""
    parts = tag.lower().split("-") if tag else []
    return ["-".join(parts[: i + 1]) for i in range(len(parts))][::-1]


def lead_text(item: NewsItem) -> str:
    """What the ``lead`` field holds: the summary, and the caption of a picture or video
    (whose text is its headline, caption and keywords: they are searched like a story's)."""
    return "\n".join(t for t in (item.lead, item.description) if t)


def fields_of(stored: Stored, teaser_chars: int) -> Fields:
    """Everything the index keeps of a version, analysed: plain values, so that a rebuild
    can make them in worker processes (``document`` turns them into a tantivy document)."""
    item = stored.item
    lang = item.language
    when = item.versioncreated or stored.stored_at
    topics: set[str] = set()
    for concept in item.subjects:
        for code in (concept.code, concept.uri):
            if code:
                topics.update(lineage(code))
    names = [e.name for e in item.entities]
    if item.dateline is not None:
        names += [item.dateline.place, item.dateline.place_latin]
    return (
        item.id,
        item.version,
        stored.seq,
        int(when.timestamp()),
        NORMAL_URGENCY if item.urgency is None else item.urgency,
        (lang or "und",),
        (_day(when),),
        tuple(dict.fromkeys(c.code for c in item.subjects if c.code)),
        tuple(language_prefixes(lang)),
        tuple(topics),
        tuple({g.code for g in item.genres}),
        tuple(fold_set(sources_of(item))),
        tuple(fold_set(places_of(item))),
        index_text(item.headline, lang),
        index_text(lead_text(item), lang),
        index_text("\n".join(item.body), lang),
        index_text("\n".join(teaser(item, max_chars=teaser_chars).body), lang),
        index_text("\n".join(n for n in names if n), lang),
        index_text("\n".join(item.keywords), lang),
        item.type,
        *(
            tuple(dict.fromkeys(e.name for e in item.entities_of(kind) if e.name))
            for kind in ENTITY_FACETS
        ),
        tuple(fold_set(entities_of(item))),
    )


_MULTI = ("lang", "day", "subject", "langs", "topics", "genre", "source", "place")
_ANALYSED = ("headline", "lead", "body", "teaser", "entities", "keywords")


def document(fields: Fields) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("id", fields[0])
    doc.add_unsigned("version", fields[1])
    doc.add_unsigned("seq", fields[2])
    doc.add_integer("ts", fields[3])
    doc.add_integer("urgency", fields[4])
    for name, values in zip(_MULTI, fields[5:13], strict=True):
        for value in values:
            doc.add_text(name, value)
    for name, text in zip(_ANALYSED, fields[13:19], strict=True):
        doc.add_text(name, text)
    doc.add_text("type", fields[19])
    for name, values in zip(ENTITY_FACETS.values(), fields[20:23], strict=True):
        for value in values:
            doc.add_text(name, value)
    for value in fields[23]:
        doc.add_text("entity", value)
    return doc


# --- documents kept in the store --------------------------------------------------------
#
# Analysis is most of the cost of indexing (docs/search.md). Each version is analysed once,
# when it is first indexed, and its document is kept in the store (msgpack, zstd: about a
# third of the text's size), under the recipe that made it; building an index again (a new
# node, a lost index, a new engine version) reads them instead of analysing everything
# again, and a recipe change (ANALYSIS, the teaser length) makes them anew.

_PACK = msgspec.msgpack.Encoder()
_UNPACK = msgspec.msgpack.Decoder()


def pack(documents: Iterable[Fields]) -> list[bytes]:
    """``fields_of`` tuples as kept in the store."""
    compress = zstandard.ZstdCompressor(level=1).compress  # not shared: not thread-safe
    return [compress(_PACK.encode(fields)) for fields in documents]


def unpack(blobs: Iterable[bytes]) -> Iterator[Fields]:
    decompress = zstandard.ZstdDecompressor().decompress
    return (_UNPACK.decode(decompress(blob)) for blob in blobs)


def _unpack_or_make(
    store: Store, seqs: list[int], blobs: list[bytes], teaser_chars: int
) -> list[Fields]:
    """``unpack``, making afresh (and keeping) a document that cannot be read back: the
    kept documents are a cache, and a damaged one must not stop a build."""
    try:
        return list(unpack(blobs))
    except (zstandard.ZstdError, msgspec.DecodeError, ValueError):
        pass
    decompress = zstandard.ZstdDecompressor().decompress
    out: list[Fields | None] = []
    bad: list[int] = []
    for seq, blob in zip(seqs, blobs, strict=True):
        try:
            out.append(_UNPACK.decode(decompress(blob)))
        except (zstandard.ZstdError, msgspec.DecodeError, ValueError):
            out.append(None)
            bad.append(seq)
    made = {f[2]: f for f in (fields_of(s, teaser_chars) for s in store.by_seq(bad))}
    store.search_documents.keep(
        recipe_of(teaser_chars), zip(made, pack(made.values()), strict=True)
    )
    return [f if f is not None else made[seq] for seq, f in zip(seqs, out, strict=True)]


def recipe_of(teaser_chars: int) -> str:
    """What a kept document was made with: the analysis and the teaser's length."""
    return f"{ANALYSIS}/{teaser_chars}"


# --- rebuilding, analysing in worker processes -------------------------------------------

PARALLEL_FROM = 4000
"""Versions to analyse from which a rebuild does it in worker processes (below, starting
them costs more than it saves)."""
CHUNK = 500
_worker_store: Store | None = None


def _worker_open(url: str) -> None:
    global _worker_store
    from newswire.store import open_store

    _worker_store = open_store(url, create=False)


def _worker_pack(job: tuple[list[int], int]) -> list[bytes]:
    seqs, teaser_chars = job
    if not seqs:
        return []
    assert _worker_store is not None, "the pool's initializer (_worker_open) opens it"
    return _make(_worker_store, seqs, teaser_chars)


def _make(store: Store, seqs: list[int], teaser_chars: int) -> list[bytes]:
    return pack(fields_of(s, teaser_chars) for s in store.by_seq(seqs))


def _prepared(
    store: Store, chosen: list[int], teaser_chars: int, workers: int
) -> Iterator[tuple[list[int], list[bytes]]]:
    """The packed documents of the chosen versions (with their sequence numbers), ``CHUNK``
    at a time, in order: those
    kept in the store as they are, the others made (in ``workers`` processes when that
    pays: a store on disk, many to make) and kept."""
    recipe = recipe_of(teaser_chars)
    kept = store.search_documents.kept(recipe)
    chunks = [chosen[i : i + CHUNK] for i in range(0, len(chosen), CHUNK)]
    missing = [[seq for seq in chunk if seq not in kept] for chunk in chunks]
    to_make = sum(map(len, missing))
    # Worker processes open the store by its URL: any but one held in this process's memory.
    on_disk = not in_memory(store.url)
    with contextlib.ExitStack() as stack:
        if workers > 1 and on_disk and to_make >= PARALLEL_FROM:
            # Spawned, not forked: the parent runs tantivy's and the server's threads.
            pool = stack.enter_context(
                ProcessPoolExecutor(
                    max_workers=workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_open,
                    initargs=(store.url,),
                )
            )
            made: Iterable[list[bytes]] = in_order(
                pool, _worker_pack, ((m, teaser_chars) for m in missing), ahead=2 * workers
            )
        else:
            made = (_make(store, m, teaser_chars) if m else [] for m in missing)
        for chunk, wanted, fresh in zip(chunks, missing, made, strict=True):
            found = dict(zip(wanted, fresh, strict=True))
            if found:
                store.search_documents.keep(recipe, found.items())
            if len(found) < len(chunk):
                kept_already = [s for s in chunk if s not in found]
                found.update(store.search_documents.get(kept_already, recipe))
            lost = [seq for seq in chunk if seq not in found]  # dropped meanwhile: made here
            if lost:
                found.update(zip(lost, _make(store, lost, teaser_chars), strict=True))
            yield chunk, [found[seq] for seq in chunk]


def in_order(
    pool: Executor, fn: Callable[[Any], Any], args: Iterable[Any], *, ahead: int
) -> Iterator[Any]:
    """``pool.map(fn, args)`` with at most ``ahead`` calls submitted and not yet taken:
    ``map`` submits every call at once, so when the workers outrun the reader (the index
    writer, one thread) their results pile up in memory, the whole archive's on a machine
    with many cores."""
    pending: collections.deque[Future[Any]] = collections.deque()
    for arg in args:
        pending.append(pool.submit(fn, arg))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def prepare_folder(path: Path) -> Path:
    """Make the folders above the index at ``path`` and its lock file beside it; return the
    lock file. ``BadInput`` naming the setting when that cannot be (a folder that may not
    be written, a file where the folder should be): a server would otherwise fail in
    each process with a traceback."""
    lock = path.with_name(path.name + ".lock")
    try:
        if path.exists() and not path.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock, "a"):
            pass
    except OSError as exc:
        where = exc.filename or path
        raise BadInput(
            f"the search index cannot be kept at {path} ({where}: {exc.strerror or exc});"
            " NEWSWIRE_SEARCH_INDEX names another folder",
            field="search_index",
        ) from None
    return lock


class SearchIndex:
    """One node's index, at ``path`` (in memory when None).

    Writes (``follow``, ``rebuild``) take a lock and hold tantivy's single writer; searches
    run concurrently from any thread. Several processes may open the same folder (the
    processes of ``serve --workers N``, the CLI's ``newswire search`` beside a server):
    the one holding tantivy's writer lock writes, the others search read-only, reloading
    when the state file says the writer committed, and asking for the writer now and then
    (``writer``), so one takes over when the writer's process ends. Creating the folder
    happens under a file lock beside it, so two processes starting at once never both
    make it.
    """

    def __init__(self, path: Path | str | None, *, teaser_chars: int = 600):
        self.path = Path(path) if path is not None else None
        self.teaser_chars = teaser_chars
        self.schema = build_schema()
        self._lock = threading.RLock()
        self._writer: tantivy.IndexWriter | None = None
        self.cursor = 0
        self.generation = 0
        """Counts the index's reloads: what searchers see has changed when it moves."""
        self.fresh = False
        """Made empty just now, or its first build never finished: it needs a full build."""
        self.read_only = False
        self.index = self._open()

    # --- opening -----------------------------------------------------------------------

    def _state_file(self) -> Path | None:
        return self.path / "newswire.json" if self.path is not None else None

    def _open(self) -> tantivy.Index:
        if self.path is None:
            return self._open_locked()
        with open(prepare_folder(self.path), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            return self._open_locked()

    def _open_locked(self) -> tantivy.Index:
        state = self._read_state()
        self._seen = self._state_stamp()
        if self.path is None:
            index = tantivy.Index(self.schema)
            self.fresh = True
        elif state is not None and state.get("analysis") == ANALYSIS and tantivy.Index.exists(
            str(self.path)
        ):
            index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
            self.cursor = int(state.get("cursor", 0))
            self.fresh = bool(state.get("building"))
        else:
            # Missing, or made by another analysis (the state file is written before the
            # first build starts, so a folder being built by another process is not this).
            if self.path.exists():
                shutil.rmtree(self.path)
            self.path.mkdir(parents=True)
            index = tantivy.Index(self.schema, path=str(self.path), reuse=False)
            self.fresh = True
            self.cursor = 0
            self._write_state(building=True)
        index.register_tokenizer(TERMS, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
        return index

    def _read_state(self) -> IndexState | None:
        state_file = self._state_file()
        if state_file is None or not state_file.exists():
            return None
        try:
            state: IndexState = json.loads(state_file.read_text())
            return state
        except (OSError, ValueError):
            return None

    def _write_state(self, *, building: bool = False) -> None:
        state_file = self._state_file()
        if state_file is None:
            return
        state: IndexState = {"analysis": ANALYSIS, "cursor": self.cursor, "building": building}
        tmp = state_file.with_name(f"newswire.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(state_file)

    def writer(self) -> tantivy.IndexWriter | None:
        """tantivy's writer, or None while another process holds it (read-only meanwhile;
        asked again each time, so a server takes over once a ``reindex`` has finished)."""
        if self._writer is None:
            try:
                self._writer = self.index.writer(heap_size=64_000_000, num_threads=1)
            except ValueError:
                self.read_only = True
            else:
                if self.read_only:
                    # Taking over from another process: start where it stopped.
                    self._reload()
                    state = self._read_state() or {}
                    self.cursor = int(state.get("cursor", 0))
                    self.fresh = bool(state.get("building", True))
                self.read_only = False
        return self._writer

    def _state_stamp(self) -> tuple[int, int] | None:
        state_file = self._state_file()
        try:
            st = state_file.stat() if state_file is not None else None
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_ino) if st is not None else None

    def catch_up_read_only(self) -> bool:
        """Without the writer: reload if the writing process committed since (its state
        file moved); whether it did. Cheap enough to call ten times a second."""
        stamp = self._state_stamp()
        if stamp == self._seen:
            return False
        with self._lock:
            self._seen = stamp
            state = self._read_state() or {}
            self._reload()
            self.cursor = int(state.get("cursor", self.cursor))
            self.fresh = bool(state.get("building", False))
        return True

    def _reload(self) -> None:
        self.index.reload()
        self.generation += 1

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                with contextlib.suppress(Exception):
                    self._writer.wait_merging_threads()
                self._writer = None

    # --- keeping up with the store -------------------------------------------------------

    def stale(self, last_seq: int) -> bool:
        """Whether this index must be rebuilt for a store whose log ends at ``last_seq``."""
        return self.fresh or self.cursor > last_seq

    def follow(self, store: Store, *, limit: int = 1000, now: datetime | None = None) -> int:
        """Apply the store's log entries after the cursor; the number applied.

        Each touched item is looked up whole, and its searchable version replaces whatever
        the index had for it (or removes it): applying an entry twice changes nothing.
        """
        with self._lock:
            writer = self.writer()
            if writer is None:
                self.catch_up_read_only()  # what the process holding the writer committed
                return 0
            if self.fresh:
                # Opened in the middle of another process's first build: finish it here.
                self.rebuild(store, now=now)
                return 0
            applied, cursor = 0, self.cursor
            while True:
                changes = store.changes(cursor, limit)
                if not changes:
                    break
                touched = list(dict.fromkeys(c.item.id for c in changes))
                self._replace(writer, store, touched, now or utcnow())
                cursor = changes[-1].seq
                applied += len(changes)
                if len(changes) < limit:
                    break
            if applied:
                writer.commit()
                self._reload()
                # Only now: the cursor says what searches can see.
                self.cursor = cursor
                self._write_state()
            return applied

    def _replace(
        self, writer: tantivy.IndexWriter, store: Store, ids: Iterable[str], now: datetime) -> None:
        recipe = recipe_of(self.teaser_chars)
        found, superseded = [], []
        for item_id in ids:
            writer.delete_documents_by_term("id", item_id)
            versions = store.versions(item_id)
            version = searchable(versions, now)
            if version is not None:
                found.append(version)
            superseded += [v.seq for v in versions if version is None or v.seq != version.seq]
        store.search_documents.forget(superseded)  # a later build will not want them
        kept = store.search_documents.get([v.seq for v in found], recipe)
        made = [fields_of(v, self.teaser_chars) for v in found if v.seq not in kept]
        if made:
            store.search_documents.keep(recipe, zip((f[2] for f in made), pack(made), strict=True))
        for fields in (*unpack(kept.values()), *made):
            writer.add_document(document(fields))

    def rebuild(
        self,
        store: Store,
        *,
        progress: Callable[[int, int], None] | None = None,
        now: datetime | None = None,
        workers: int | None = None,
    ) -> int:
        """Index every item afresh from the store; the number of items indexed.

        ``workers``: processes analysing the text (default: one per CPU; 0 or 1: none)."""
        with self._lock:
            writer = self.writer()
            if writer is None:
                raise RuntimeError(
                    f"the search index at {self.path} is being written by another process"
                    " (a running server?): stop it, or let it keep the index up to date"
                )
            now = now or utcnow()
            cursor = store.last_seq()
            writer.delete_all_documents()
            self._write_state(building=True)  # until it is done: a crash means build again
            chosen = _chosen(store.catalogue(by_item=True), iso(now))
            total, done, committed = len(chosen), 0, time.monotonic()
            if workers is None:
                workers = os.cpu_count() or 1
            for seqs, batch in _prepared(store, chosen, self.teaser_chars, workers):
                for fields in _unpack_or_make(store, seqs, batch, self.teaser_chars):
                    writer.add_document(document(fields))
                done += len(batch)
                if progress is not None:
                    progress(done, total)
                if time.monotonic() - committed >= COMMIT_EVERY_SECONDS:
                    writer.commit()
                    committed = time.monotonic()
            writer.commit()
            self._reload()
            self.cursor, self.fresh = cursor, False
            self._write_state()
        # Entries stored while the build ran (export reads as it goes) are replayed.
        self.follow(store, now=now)
        return done

    def ensure(self, store: Store, progress: Callable[[int, int], None] | None = None) -> None:
        """Rebuild if stale, else catch up with the store's log (without the writer: see
        what the process holding it has done)."""
        if self.writer() is None:
            self.catch_up_read_only()
            return
        if self.stale(store.last_seq()):
            self.rebuild(store, progress=progress)
        else:
            self.follow(store)

    def searcher(self) -> tantivy.Searcher:
        return self.index.searcher()

    def refresh(self) -> None:
        """See what another process committed (a read-only opening)."""
        self.index.reload()


def _chosen(headings: Iterator[Heading], now: str) -> list[int]:
    """The sequence number of each item's searchable version (``choose``), ascending.

    ``headings`` come item by item (``catalogue(by_item=True)``): one item's history is
    held at a time, not every version's heading of the archive (960 MB on a million
    items, when they came in sequence order and were grouped here)."""
    chosen: list[int] = []
    history: list[tuple[int, int, str, str | None, str]] = []
    current = None

    def decide() -> None:
        history.sort()
        found = choose([(status, until, at) for _, _, status, until, at in history], now)
        if found is not None:
            chosen.append(history[found][1])
        history.clear()

    for h in headings:
        if h.id != current and history:
            decide()
        current = h.id
        history.append((h.version, h.seq, h.pubstatus, h.embargo_until, h.stored_at))
    if history:
        decide()
    chosen.sort()
    return chosen


def product_clause(product: Product) -> tantivy.Query | None:
    """The documents ``product`` takes in (``products.matches`` as a query); None: all."""
    schema = _SCHEMA
    must: list[tantivy.Query] = []
    if product.urgency_min > 1 or product.urgency_max < 9:
        must.append(
            tantivy.Query.range_query(
                schema, "urgency", tantivy.FieldType.Integer, product.urgency_min, product.urgency_max
            )
        )
    for field, values in (
        ("langs", [t.lower() for t in product.languages]),
        ("topics", [c for code in product.subjects for c in lineage(code)[:1]]),
        ("genre", list(product.genres)),
        ("source", sorted(fold_set(product.sources))),
        ("place", sorted(fold_set(product.places))),
        ("entity", sorted(fold_set(product.entities))),
        ("type", list(product.types)),
    ):
        if values:
            # Term queries, not term_set_query: that one walks the term dictionary with an
            # automaton and made a one-language filter ten times slower than the search.
            terms = [tantivy.Query.term_query(schema, field, v) for v in dict.fromkeys(values)]
            must.append(
                terms[0]
                if len(terms) == 1
                else tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])
            )
    if not must:
        return None
    if len(must) == 1:
        return must[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in must])


_SCHEMA = build_schema()


def as_datetime(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)

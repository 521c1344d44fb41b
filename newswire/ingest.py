"""From bytes to storable items: size limit, format detection, parse, validation.

The one path every way in (CLI, HTTP, and later watch folders and feed polls) takes, so
a limit or a rule is enforced the same everywhere. Pictures and video go their own way
(``is_media``: ``newswire.media``'s pipeline, then ``newswire.media.items``); a new
version of a media item parsed from a document comes back here (``keep_files``).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import stat
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from newswire import formats
from newswire.access import taxonomy
from newswire.errors import InvalidItem, NewswireError, NotFound, ParseError, TooLarge
from newswire.formats.base import Refused, readable
from newswire.formats.text import transcode
from newswire.media.associations import with_files
from newswire.media.detect import HEAD, declared_type, other_media, sniff
from newswire.model import NewsItem, from_json
from newswire.names import AUTO as AUTO  # its home: the CLI reads it without this module
from newswire.store.base import Prepared, iso, prepare
from newswire.validation import check_item, strip_unencodable

if TYPE_CHECKING:
    from newswire.enrich.pipeline import Enricher
    from newswire.enrich.threads import Deferred
    from newswire.store import Store


def parse_bytes(
    data: bytes,
    fmt: str = AUTO,
    *,
    max_bytes: int,
    rejected: list[str] | None = None,
    encoding: str = "",
) -> list[NewsItem]:
    """The valid items in ``data``; ``NewswireError`` (4xx) naming the reason otherwise.

    In a document of several items (a feed, a newsMessage) one invalid entry does not
    sink the others: given a ``rejected`` list, the reason for each invalid entry is
    added to it and the valid ones are returned; without one, any invalid entry fails
    the whole document. A document with no valid entry always fails.
    """
    if len(data) > max_bytes:
        raise TooLarge(f"{len(data):,} bytes is over the limit of {max_bytes:,} bytes")
    if not data or data.isspace():
        raise ParseError("empty input: no item in it")
    codec = formats.detect(data) if fmt == AUTO else formats.get(fmt)
    if not codec.can_parse:
        raise ParseError(f"the {codec.name} format cannot be ingested", field="format")
    if encoding and codec.name == "text":  # XML and JSON say their own character set
        data = transcode(data, encoding)
    try:
        entries = codec.parse_each(data)
    except NewswireError:
        raise
    except (ValueError, OverflowError, TypeError, UnicodeError, RecursionError) as exc:
        # A value the codec's own checks let through (a date past year 9999, a number too
        # big for the store): still bad input, never a crash.
        raise ParseError(f"unreadable {codec.label}: {exc}") from None
    if not entries:
        raise ParseError(f"no item found in this {codec.label} document")
    if len(entries) == 1:
        return [check_item(strip_unencodable(with_media_topics(readable(entries)[0])),
                           characters=False)]
    good, problems = [], []
    for n, entry in enumerate(entries, 1):
        if isinstance(entry, Refused):  # unreadable (a javascript: enclosure): its neighbours
            problems.append(f"entry {n} ({entry.name[:60] or 'no id'}): {entry.error}")
            continue
        try:
            good.append(check_item(strip_unencodable(with_media_topics(entry)), characters=False))
        except NewswireError as exc:
            problems.append(f"entry {n} ({entry.id or entry.headline[:60] or 'no id'}): {exc}")
    if problems and (rejected is None or not good):
        raise InvalidItem(
            f"{len(problems)} of {len(entries)} entries are invalid: " + "; ".join(problems[:5])
        )
    if rejected is not None:
        rejected.extend(problems)
    return without_past_revisions(good)


def without_past_revisions(items: list[NewsItem]) -> list[NewsItem]:
    """``items`` without each one listed after a newer version of itself (same id, dated
    earlier, no higher version number): a feed may list an entry's earlier revisions
    beside it (RFC 4287 4.1.1: entries of one id are the same entry), and one is no
    update to store, no error either, as the store takes a feed redelivering an older
    version it holds. Listed before the newer, it is stored first, as sent apart."""
    newest: dict[str, NewsItem] = {}
    kept = []
    for item in items:
        before = newest.get(item.id)
        if (
            before is not None
            and item.version <= before.version
            and item.versioncreated is not None
            and before.versioncreated is not None
            and iso(item.versioncreated) < iso(before.versioncreated)
        ):
            continue
        if item.id:
            newest[item.id] = item
        kept.append(item)
    return kept


def with_media_topics(item: NewsItem) -> NewsItem:
    """``item`` with the IPTC Media Topic each of its legacy Subject Codes maps to added
    beside the code (``taxonomy.with_media_topics``): products, search facets and the
    public site's sections know Media Topics only, so a football story a provider tagged
    ``subj:15054000`` (as most NITF does) would otherwise reach no sport subscriber. A
    topic in the item's ``rejected`` (an editor took it off) is not added again."""
    subjects = taxonomy.with_media_topics(item.subjects, item.language, item.rejected)
    if subjects is item.subjects:
        return item
    return msgspec.structs.replace(item, subjects=subjects)


def read_limited(path: Path, max_bytes: int) -> bytes:
    """A file's bytes, refusing one over the size limit without reading past it."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise TooLarge(f"{size:,} bytes is over the limit of {max_bytes:,} bytes")
        # A regular file is read at its size (asking for max_bytes would allocate that much
        # every time); a pipe or FIFO has no size, so it is read up to the limit.
        data = handle.read(min(size, max_bytes) + 1 if size else max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(f"over the limit of {max_bytes:,} bytes")
    return data


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and files inside folders named (recursively, hidden ones skipped, and
    so are pipes, sockets and devices: reading a named pipe left in a drop folder waits
    for a writer that never comes, and the whole ingest with it). A file named is read
    whatever it is (``/dev/stdin``)."""
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and not _special(Path(root) / name):
                        yield Path(root) / name
        else:
            yield path


def _special(path: Path) -> bool:
    """Whether ``path`` is a pipe, socket or device (a link to one too); a file that
    cannot be looked at (a dangling link) is not: reading it says why."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode)


def is_media(path: Path) -> bool:
    """Whether the file at ``path`` is for the media pipeline: its first bytes are a
    picture or a video newswire takes, or its name says it is one (or SVG): the pipeline
    then refuses it saying why, rather than a text format's parser. A file that is not a
    regular file (``/dev/stdin`` a pipe) is not looked into: its first bytes, read here,
    would be gone for the parser, which then stored the rest of the story as the story."""
    if declared_type(path.name) is not None:
        return True
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False
        with path.open("rb") as handle:
            head = handle.read(HEAD)
    except OSError:
        return False  # a text format's reading says why, as before
    return sniff(head) is not None or other_media(head) is not None


def list_files(paths: list[Path], sniff: bool) -> tuple[list[Path], list[Path]]:
    """Every file ``iter_files`` finds in ``paths``, and those of them ``is_media`` (none
    when ``sniff`` is false: a format was named, so every file is one of it)."""
    files = list(iter_files(paths))
    return files, [f for f in files if is_media(f)] if sniff else []


_CHUNK = 256
BULK = 2 * _CHUNK
"""Files from which a run parses in worker processes (``parse_files``, two chunks)."""


def list_files_warm(
    paths: list[Path], sniff: bool, enrich: Enrich | None
) -> tuple[list[Path], list[Path]]:
    """``list_files``, with the enrichment's data loaded meanwhile when the run is a bulk
    one. A bulk ingest's process loads it before it forks its workers (``_warm``), so they
    start with it, and until then one core sat idle: so a folder is read in a forked
    process on the other core (about 0.45 s for 10,000 files) while this one imports the
    steps and loads their data (the gazetteer, the automaton of names, the table of known
    words: 0.5-0.7 s), which ``bench/enrich.py``'s bulk part saw as a fifth of what
    enrichment added to the run before the workers start.

    Only once the reading process has found ``BULK`` files, which workers will enrich: a
    smaller run (an empty drop folder polled by cron) loads nothing it would not load
    anyway, as it did. The vocabulary is the store's when there is one already (opened
    without making one: a run whose files all fail leaves no database), else the shipped
    one, which is what a new store holds. Anything that goes wrong beside the listing (the
    process killed, no fork here) leaves the listing to this process, as before."""
    methods = multiprocessing.get_all_start_methods()
    if enrich is None or not enrich[1] or "fork" not in methods:
        return list_files(paths, sniff)
    if not any(p.is_dir() for p in paths):
        return list_files(paths, sniff)
    context = multiprocessing.get_context("fork")
    answers, sender = context.Pipe(duplex=False)
    reader = context.Process(target=_list_beside, args=(paths, sniff, sender), daemon=True)
    reader.start()
    sender.close()
    try:
        found = answers.recv()
        if found is None:  # a bulk run: its workers will need the data
            _warm_early(enrich)
            found = answers.recv()
    except EOFError:  # the reading process died: read here
        return list_files(paths, sniff)
    finally:
        answers.close()
        if reader.is_alive():  # interrupted, or the warm-up failed: not left behind
            reader.terminate()
        reader.join()
    files, media = found
    return files, media


def _list_beside(paths: list[Path], sniff: bool, answers: Connection) -> None:
    """``list_files_warm``'s reading process: None once it has found ``BULK`` files, then
    ``list_files``'s answer. Ctrl-C is the command's to handle (it stops this process)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    files = []
    for path in iter_files(paths):
        files.append(path)
        if len(files) == BULK:
            answers.send(None)
    answers.send((files, [f for f in files if is_media(f)] if sniff else []))
    answers.close()


def _warm_early(enrich: Enrich) -> None:
    """``_warm`` before the command opens the store: with the store's vocabulary when it
    is an SQLite file there already, of this release's schema, else with the shipped one
    (opening a PostgreSQL store would migrate an older schema: the command does it, after
    its checks; its editors' entries then build the automaton again in ``_warm``)."""
    from newswire.enrich.base import Context
    from newswire.enrich.pipeline import build
    from newswire.store import older_schema, open_store

    store: Store | None = None
    try:
        sqlite = enrich[0].lower().startswith("sqlite:")
        if sqlite and older_schema(enrich[0]) is None:  # never migrated for a warm-up
            store = open_store(enrich[0], create=False)
    except Exception:  # the command opens it next, and says what is wrong with it
        store = None
    try:
        build(Context(store=store), enrich[1]).warm()
    finally:
        if store is not None:
            store.close()


def keep_files(
    store: Store, items: Sequence[NewsItem | Prepared]
) -> list[NewsItem | Prepared]:
    """``items``, where one is a new version of an item whose files this store keeps
    (renditions with a blob) and comes with renditions that name none (a document parsed
    from any format: no format carries blob keys, a delivered ninjs has only the
    renditions' URLs), with the stored version's renditions instead.

    So an editor may take the ninjs newswire delivered for a picture, change its caption
    and post it back: the new version keeps the files. Files change only by taking a file
    in again (``newswire ingest photo.jpg --id ...``, ``POST /v1/items`` with the file).
    """
    out: list[NewsItem | Prepared] = []
    for entry in items:
        item = entry
        if isinstance(entry, Prepared):
            if b'"renditions":' not in entry.data or b'"blob":' in entry.data:
                out.append(entry)
                continue
            item = from_json(entry.data)
        assert isinstance(item, NewsItem)
        if item.type == "text" or not item.renditions or any(r.blob for r in item.renditions):
            out.append(entry)
            continue
        try:
            latest = store.get(item.id).item
        except NotFound:
            out.append(entry)
            continue
        if not any(r.blob for r in latest.renditions):
            out.append(entry)  # a provider's item: its renditions are its provider's URLs
            continue
        out.append(msgspec.structs.replace(item, renditions=latest.renditions))
    return out



def check_associations(
    store: Store, items: list[NewsItem], rejected: list[str] | None = None
) -> list[NewsItem]:
    """``items`` whose associations all name items this store has (or items among
    ``items``); ``InvalidItem`` naming the field (``associations[N].id``) otherwise, or,
    given a ``rejected`` list and other items to keep, the reason added to it. Each
    association to a media item this store holds carries its files and headline
    (``newswire.media.associations.with_files``).

    For the editors' ways in (``POST /v1/items``, the console), where a story is attached
    to pictures the agency holds: a typo must not deliver a story pointing at nothing. Not
    for a provider's feed read in bulk (``newswire ingest``): its associations name the
    provider's own pictures, which may come later or never."""
    batch = {item.id: item for item in items}
    known: dict[str, NewsItem | None] = {}

    def found(item_id: str) -> NewsItem | None:
        if item_id in batch:
            return batch[item_id]
        if item_id not in known:
            try:
                known[item_id] = store.get(item_id).item
            except NotFound:
                known[item_id] = None
        return known[item_id]

    good: list[NewsItem] = []
    problems: list[InvalidItem] = []
    for item in items:
        associations = []
        for i, a in enumerate(item.associations):
            media = found(a.id)
            if media is None:
                field = f"associations[{i}].id"
                reason = f"{a.id!r}: no such item here to associate"
                if len(items) > 1:
                    reason = f"item {item.id!r}: {reason}"
                problems.append(InvalidItem(reason, field=field))
                break
            associations.append(with_files(a, media, item))
        else:
            if associations != item.associations:
                item = msgspec.structs.replace(item, associations=associations)
            good.append(item)
    if problems and (rejected is None or not good):
        raise problems[0]
    if rejected is not None:
        rejected.extend(f"{p.field}: {p.detail}" for p in problems)
    return good

# --- many files: parsed in worker processes -------------------------------------------

Parsed = tuple[str, list[NewsItem] | list[Prepared] | None, str | None]
"""(file, its items, the reason for what was refused: both when a feed was partly valid)."""

Read = tuple[str, list[NewsItem] | None, str | None]
"""What ``parse_file`` gives: a ``Parsed`` whose items are not prepared yet."""


def parse_file(path: Path, fmt: str, max_bytes: int, encoding: str = "") -> Read:
    """(file, its valid items, the reasons for what was refused, if anything was);
    ``encoding``: the character set of plain-text files that are not UTF-8."""
    rejected: list[str] = []
    try:
        items = parse_bytes(
            read_limited(path, max_bytes), fmt, max_bytes=max_bytes, rejected=rejected,
            encoding=encoding,
        )
        return str(path), items, "; ".join(rejected) or None
    except NewswireError as exc:
        return str(path), None, str(exc)
    except OSError as exc:
        return str(path), None, exc.strerror or str(exc)
    except Exception as exc:  # one file's surprise must not stop the others: reported
        return str(path), None, f"internal error while reading it: {exc!r}"


Enrich = tuple[str, tuple[str, ...]]
"""(the store's URL, the enrichment steps to run) for a worker process to enrich with."""

Link = Callable[[Prepared, "Deferred | None"], Prepared]
"""What the storing process does with an item whose story links a worker left to it
(``newswire.enrich.bulk.RunLinks.link``)."""

_WORKER_STORE: list[Store] = []  # a worker process's own handle on the store, opened once


def _worker_enricher(enrich: Enrich, defer: bool | None = None) -> tuple[Store, Enricher]:
    """This worker process's store and enricher, made on its first chunk. With ``defer``
    None, the enricher holds what it writes as it finds until the chunk is done
    (``Enricher.hold``); otherwise its story threads are deferred to the storing process
    (``ThreadsStep.defer``, ``defer`` saying whether the store held items to ask about)."""
    from newswire.enrich.pipeline import enricher_for
    from newswire.enrich.threads import ThreadsStep
    from newswire.store import open_store

    if not _WORKER_STORE:
        _WORKER_STORE.append(open_store(enrich[0]))
        enricher = enricher_for(_WORKER_STORE[0], enrich[1])
        if defer is None:
            enricher.hold()
        for step in enricher.steps:
            if defer is not None and isinstance(step, ThreadsStep):
                step.defer(archive=defer)
    store = _WORKER_STORE[0]
    return store, enricher_for(store, enrich[1])


def _warm(enrich: Enrich) -> None:
    """Load here what the workers' enrichers load on their first item (the gazetteer, the
    automaton of names: over half a second each), so that the workers forked from this
    process start with it. The store handle used for it is closed before they are."""
    from newswire.enrich.base import Context
    from newswire.enrich.pipeline import build
    from newswire.store import open_store

    store = open_store(enrich[0])
    try:
        build(Context(store=store), enrich[1]).warm()
    finally:
        store.close()


def _enriched(
    items: list[NewsItem], enrich: Enrich | None, defer: bool | None
) -> tuple[list[NewsItem], list[Deferred | None]]:
    """``items`` enriched (each against its stored latest version, as ``enrich_items``
    does), and for each, in deferred mode, its signature and candidates (``Deferred``)."""
    if enrich is None or not enrich[1]:
        return items, [None] * len(items)
    from newswire.enrich.threads import ThreadsStep

    store, enricher = _worker_enricher(enrich, defer)
    step = next((s for s in enricher.steps if isinstance(s, ThreadsStep)), None)
    # The chunk's previous versions in one query, not one an item (5 µs each, even on an
    # empty store): none of the chunk is stored before it is, so each is what ``get``
    # would give it.
    stored = store.get_many(item.id for item in items if item.id)
    previous: list[NewsItem | None] = [
        latest.item if (latest := stored.get(item.id)) is not None else None for item in items
    ]
    out = enricher.enrich_many(items, previous)
    found: list[Deferred | None] = [None] * len(items)
    if step is not None and defer is not None:  # one a document the steps read, in order
        mine = iter(step.deferred())
        for n, item in enumerate(items):
            if enricher.enriches(item) and (deferred := next(mine)) is not None:
                found[n] = deferred._replace(new=previous[n] is None)
    return out, found


Chunk = tuple[list[Path], str, int, Enrich | None, str, bool | None]
"""(files, format, size limit, enrichment, character set, story threads deferred: None
for no, else whether the store held items when the run began)."""
Worked = tuple[str, list[Prepared] | None, str | None, list["Deferred | None"]]
"""A worker's ``Parsed``, with each item's deferred story threads (None: none)."""


def _parse_chunk(args: Chunk) -> list[Worked]:
    """Worker side: items go back enriched and prepared for the store (encoded, stamped,
    fingerprinted), which is both less to pass between processes and less work left for
    the writer: enrichment, the costliest part, runs on every core."""
    paths, fmt, max_bytes, enrich, encoding, defer = args
    read = [parse_file(path, fmt, max_bytes, encoding) for path in paths]
    # The chunk's items enriched together (``Enricher.enrich_many``): none of them is
    # stored before the chunk is, so none finds another, as when enriched one by one.
    every = [item for _, items, _ in read for item in items or ()]
    enriched, deferred = _enriched(every, enrich, defer)
    out: list[Worked] = []
    at = 0
    for source, items, error in read:
        if items is None:
            out.append((source, None, error, []))
            continue
        mine = slice(at, at + len(items))
        at += len(items)
        out.append((source, [prepare(i) for i in enriched[mine]], error, deferred[mine]))
    if enrich is not None and enrich[1] and defer is None:
        _worker_enricher(enrich)[1].flush()  # the chunk's story signatures, one write
    return out


def parse_files(
    paths: list[Path],
    fmt: str,
    max_bytes: int,
    *,
    workers: int = 0,
    enrich: Enrich | None = None,
    encoding: str = "",
    link: Link | None = None,
    archive: bool = True,
    idle: Callable[[], None] | None = None,
) -> Iterator[Parsed]:
    """Each file parsed, in order; with ``workers`` > 1 in that many processes, which
    also enrich what they parse (``enrich``), so the items come back prepared. In one
    process the items come back as parsed, for the caller to enrich.

    Given ``link``, the workers leave story threads' links to it (``ThreadsStep.defer``):
    each item goes through it, in file order, before it is yielded, with its signature
    and candidates (``Deferred``) when it has some;
    ``archive`` False says the store held no item when the run began, so the workers
    need not ask it for candidates (``newswire.enrich.bulk``).

    ``idle``, when given, is called when the run is about to wait for a chunk while no
    chunk is left to hand out (each worker has its last, or none): the caller may do
    its own work then (the command stores what it holds), on a core a worker has left,
    rather than all of it after the last chunk, on one core while the other waits.

    Parsing is CPU-bound Python, so threads would not help; processes let ingest use
    every core while the calling process writes what they parsed.
    """
    if workers < 1 or len(paths) < BULK:
        for path in paths:
            yield parse_file(path, fmt, max_bytes, encoding)
        return
    defer = archive if link is not None else None
    chunks: list[Chunk] = [
        (paths[i : i + _CHUNK], fmt, max_bytes, enrich, encoding, defer)
        for i in range(0, len(paths), _CHUNK)
    ]
    # No more processes than chunks: a forking executor starts all it may have at once,
    # and `--workers 40` forked 40 of them for the 4 chunks of 1,000 files, 36 idle.
    workers = min(workers, len(chunks))
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if enrich is not None and enrich[1] and "fork" in methods:
        _warm(enrich)
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_quiet)
    started: set[multiprocessing.process.BaseProcess] = set()
    # The storing process unpickles each chunk's items and story threads' findings, and
    # keeps the run's index of them: tens of thousands of objects a chunk, nearly all
    # freed by reference counting. Its collector as the workers' (``_quiet``) while the
    # run lasts: its collections took 0.27-0.29 s for 30,000 files with every step (532,
    # timed by ``gc.callbacks``), now 0.15 s (26).
    threshold = gc.get_threshold()
    gc.set_threshold(_YOUNG, *threshold[1:])
    try:
        # Ctrl-C while the workers start is held until they are known (``started``): raised
        # between a fork and that record, it left workers nobody stopped, which the command
        # then waited for at its exit, for ever (1 run in 40 of the Ctrl-C test, loaded).
        with _interrupt_held():
            # Each chunk's future let go of once used: they hold its parsed items.
            submitted = deque(pool.submit(_parse_chunk, c) for c in chunks)
            started = set(multiprocessing.active_children()) - before
        done = 0
        while submitted:
            chunk = submitted.popleft()
            if idle is not None and len(submitted) < workers and not chunk.done():
                idle()
            results = _result(chunk, started, chunks[done][0][0], len(paths) - done * _CHUNK)
            del chunk
            done += 1
            for source, items, error, found in results:
                if link is not None and items:
                    items = [link(i, f) for i, f in zip(items, found, strict=True)]
                yield source, items, error
    except BaseException:
        # Ctrl-C, a worker that died, or the caller stopped (its store failed): the workers
        # are stopped, not waited for. Waiting could last for ever: a worker may be reading
        # a pipe that never ends, and Python 3.11's executor hung when a chunk's result came
        # back for a future its shutdown had cancelled (CPython gh-107219; a trial hung 1
        # time in 5).
        for process in started:
            process.terminate()
        for process in started:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)
        # Whichever stopped the run, a worker may have been ended while it was writing a
        # result: the executor's thread reading results then waits for the rest of it,
        # and Python waits for that thread at its exit, for ever (a caller stopping after
        # the first chunk, with the next ones being written: 3 runs in 12).
        _unblock(pool)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        gc.set_threshold(*threshold)
    pool.shutdown()


@contextlib.contextmanager
def _interrupt_held() -> Iterator[None]:
    """Ctrl-C (SIGINT) held back while the block runs, and raised (``KeyboardInterrupt``)
    once it ends. Its handler is swapped for one that only notes it: Python runs handlers
    in the main thread whichever thread the signal reached (a signal mask holds it in one
    thread only, and another, such as the progress bar's, took it meanwhile). Outside the
    main thread, which Ctrl-C never interrupts, nothing is held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    before = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
    if caught:
        if callable(before):
            before(signal.SIGINT, None)  # what Ctrl-C does here (KeyboardInterrupt)
        elif before != signal.SIG_IGN:
            raise KeyboardInterrupt


_LOOK_EVERY = 1.0
"""Seconds between two looks at whether the workers are alive, while a chunk is waited for."""


def _result(
    chunk: Future[list[Worked]],
    workers: set[multiprocessing.process.BaseProcess],
    first: Path,
    left: int,
) -> list[Worked]:
    """The chunk's result; ``WorkerDied`` once a worker has ended. The executor says so
    itself (``BrokenProcessPool``), except for a worker killed while it was writing a
    result: its thread reading results then waits for the rest of it for ever, and so
    did the command (1 run in 3 of the test that kills the workers)."""
    while True:
        try:
            return chunk.result(timeout=_LOOK_EVERY)
        except TimeoutError:
            if any(worker.exitcode not in (None, 0) for worker in workers):
                raise WorkerDied(first, left) from None
        except BrokenProcessPool:
            raise WorkerDied(first, left) from None


def _unblock(pool: ProcessPoolExecutor) -> None:
    """Let the executor's thread reading results end once the workers are gone: it may be
    waiting for the rest of a result a killed worker was writing, and Python joins that
    thread at exit. With the workers dead, this process holds the last writing end of
    their results' pipe; closed, the reading thread gets an end of file and stops.
    (The executor's own attributes, looked at rather than relied on.)"""
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()


class WorkerDied(NewswireError):
    """A worker process of a bulk ingest ended before it was done: killed (by the system
    short of memory, by an operator) or crashed. What was stored before stays; nothing of
    the files from ``first`` on is, and the command ends saying so (not a traceback)."""

    def __init__(self, first: Path, left: int) -> None:
        lost = f"the {left} files from {first} on were" if left > 1 else f"{first} was"
        super().__init__(
            "a worker process reading the files ended before it was done (killed, perhaps"
            f" by the system for want of memory): {lost} not stored; what was stored"
            " before stays, and ingesting the same files again stores only what is missing"
        )


def _quiet() -> None:
    """A worker's start: Ctrl-C is the command's to handle, which stops the workers. A
    chunk's parsing makes objects by the hundred thousand, nearly all freed by reference
    counting with the chunk: the cyclic collector runs on every ``_YOUNG`` objects made
    rather than every 700 (its default), where its collections were 1.7% of a worker's
    instructions with every enrichment step (valgrind's count, 2,000 files: now none)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.set_threshold(_YOUNG, *gc.get_threshold()[1:])


_YOUNG = 10_000

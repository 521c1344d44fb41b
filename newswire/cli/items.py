"""The item commands: ingest, show, list, export, import, formats, settings, serve, demo."""

from __future__ import annotations

import codecs
import contextlib
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import msgspec
import typer
from rich.text import Text

from newswire.blobs import blobs_for
from newswire.cli.common import (
    DB_DEFAULT,
    DbOption,
    counted,
    err,
    fail,
    int_setting_or_fail,
    print_rows,
    progress,
    when,
    with_store,
)
from newswire.errors import NewswireError, NotFound, Unavailable
from newswire.model import NewsItem
from newswire.names import AUTO, DEFAULT_FORMAT
from newswire.names import MEDIA_HELP as HELP
from newswire.settings import (
    BY_NAME,
    MAX_WORKERS_PER_CPU,
    SETTINGS,
    base_url_setting,
    charset_setting,
    cpus,
    int_setting,
    number_setting,
    problems,
    setting,
    shown,
    steps_setting,
)
from newswire.store import Store, Stored
from newswire.store.base import Prepared
from newswire.validation import (
    LANGUAGE_TAG,
    MAX_VERSION,
    check_item,
    strip_unencodable,
    withdrawal_reason,
)

# What only some commands use (the codecs, the ingest path, the media pipeline, the
# enrichment pipeline) is imported by the command that uses it: every command, even
# `newswire list`, imports this module, and importing them all here took most of the
# time of a command that does little.
if TYPE_CHECKING:
    from newswire.access.accounts import Scope
    from newswire.access.entitlement import Access
    from newswire.blobs import Blobs
    from newswire.media import Limits, Media
    from newswire.media.items import Overrides
    from newswire.settings import Settings

app = typer.Typer()
BATCH = 1000
MEDIA = "Pictures and video (the file's own metadata by default)"


@app.command()
def ingest(
    # Strings, not Paths: Path("") is ".", and an empty argument (a shell variable not
    # set) would take in every file of the working directory, into a store that keeps
    # every version for good.
    names: Annotated[
        list[str], typer.Argument(metavar="PATH...", help="Files or folders of items.")
    ],
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help=f"{AUTO} (detect from content) or a format name."),
    ] = AUTO,
    workers: Annotated[
        int, typer.Option(min=0, help="Processes parsing files (0: one per CPU).")
    ] = 0,
    encoding: Annotated[
        str,
        typer.Option(
            help="Character set of plain-text files that are not UTF-8 (windows-1256,"
            " iso-8859-6); XML and JSON say their own.",
        ),
    ] = "",
    item_id: Annotated[
        str | None, typer.Option("--id", help=HELP["id"], rich_help_panel=MEDIA)
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--type", help=HELP["type"], rich_help_panel=MEDIA)
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help=HELP["lang"], rich_help_panel=MEDIA)
    ] = None,
    headline: Annotated[
        str | None, typer.Option(help=HELP["headline"], rich_help_panel=MEDIA)
    ] = None,
    caption: Annotated[str | None, typer.Option(help=HELP["caption"], rich_help_panel=MEDIA)] = None,
    byline: Annotated[str | None, typer.Option(help=HELP["byline"], rich_help_panel=MEDIA)] = None,
    credit: Annotated[str | None, typer.Option(help=HELP["credit"], rich_help_panel=MEDIA)] = None,
    copyright_notice: Annotated[
        str | None, typer.Option("--copyright", help=HELP["copyright"], rich_help_panel=MEDIA)
    ] = None,
    city: Annotated[str | None, typer.Option(help=HELP["city"], rich_help_panel=MEDIA)] = None,
    country: Annotated[str | None, typer.Option(help=HELP["country"], rich_help_panel=MEDIA)] = None,
    keyword: Annotated[
        list[str] | None, typer.Option(help=HELP["keyword"], rich_help_panel=MEDIA)
    ] = None,
    embargo: Annotated[str | None, typer.Option(help=HELP["embargo"], rich_help_panel=MEDIA)] = None,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Store the items in PATHs; print the id of each item stored, one per line.

    Pictures and video (JPEG, PNG, TIFF, WebP, HEIC; MP4, QuickTime) are one item each,
    told from the rest by their content: their fields come from the file's embedded
    metadata, each replaced by its option below when given."""
    from newswire import formats
    from newswire.enrich.pipeline import enrich_items, enricher_for
    from newswire.ingest import WorkerDied, keep_files, list_files, list_files_warm, parse_files
    from newswire.media import Limits
    from newswire.media.items import Overrides, check_overrides

    if "" in names:
        raise fail("PATH: an empty path names no file or folder (a variable not set?)", 2)
    paths = [Path(name) for name in names]
    fmt = fmt.lower()
    if fmt != AUTO and fmt not in formats.parsers():
        raise fail(f"--format: {fmt!r} is not one of {AUTO}, {', '.join(formats.parsers())}", 2)
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise fail(f"--encoding: {encoding!r} is not a character set", 2) from None
    overrides = Overrides(
        id=item_id, type=kind, lang=lang, headline=headline, caption=caption, byline=byline,
        credit=credit, copyright=copyright_notice, city=city, country=country, keyword=keyword,
        embargo=embargo,
    )
    try:
        check_overrides(overrides)
    except NewswireError as exc:
        raise fail(f"--{exc.field}: {exc.detail}", 2) from None
    # A missing path is one failure among the others, not a reason to store nothing.
    failures: list[tuple[str, str]] = [
        (str(p), "no such file or folder") for p in paths if not p.exists()
    ]
    option = next((f for f in overrides.__struct_fields__ if getattr(overrides, f) is not None), None)
    # Bounded as serve's processes are (a typo such as --workers 99999 forked until the
    # machine ran out of memory), and one per CPU this process may run on by default.
    most = MAX_WORKERS_PER_CPU * cpus()
    if workers > most:
        raise fail(
            f"--workers: {workers}: at most {MAX_WORKERS_PER_CPU} per CPU ({most} here): each"
            " is a process parsing and enriching files; 0 is one per CPU",
            2,
        )
    workers = workers or cpus()
    existing = [p for p in paths if p.exists()]
    try:
        early = steps_setting()
    except NewswireError:
        early = ()  # said below, in its turn
    # A bulk run's enrichment data is loaded while its folder is read (``list_files_warm``),
    # not after; not for pictures and video (options of theirs given).
    if workers > 1 and early and option is None:
        files, media = list_files_warm(existing, fmt == AUTO, (db, early))
    else:
        files, media = list_files(existing, fmt == AUTO)
    taken = set(media)
    texts = [f for f in files if f not in taken] if media else files
    if option is not None and not media:
        raise fail(f"--{option}: for picture and video files; none was given", 2)
    if item_id is not None and len(media) > 1:
        raise fail(f"--id: one id for {len(media)} picture and video files", 2)
    max_bytes = int_setting_or_fail("max_item_bytes")
    max_media = int_setting_or_fail("max_media_bytes")
    try:
        steps = steps_setting()
        limits = Limits(
            max_bytes=max_media,
            seconds=number_setting("media_seconds"),
            memory=int_setting("media_memory_bytes"),
            iptc_charset=charset_setting(),
        )
    except NewswireError as exc:
        raise fail(str(exc), 2) from None
    stored = unchanged = 0

    def take_all(store: Store) -> None:
        nonlocal stored, unchanged
        pending: list[tuple[str, NewsItem | Prepared]] = []
        enricher = enricher_for(store, steps)
        # Story threads link an item to those stored before it: items parsed here (not by
        # the worker processes, which prepare theirs) are stored one by one, so a story
        # and its follow-up in one folder are linked, as they would be sent apart.
        serial = "threads" in enricher.names
        # Items the worker processes enrich have their links found here, in file order,
        # against the run's earlier items and the store's (``newswire.enrich.bulk``).
        links = None
        if serial:
            from newswire.enrich.bulk import RunLinks  # numpy and the analysis: when needed

            links = RunLinks(store.threads)

        def flush() -> None:
            nonlocal stored, unchanged
            if not pending:
                return
            pending[:] = zip(
                [source for source, _ in pending],
                keep_files(store, enrich_items(enricher, store, [item for _, item in pending])),
                strict=True,
            )
            if links is not None:
                links.flush()  # the batch's signatures, one write, before its items
            try:
                receipts = store.append_many([item for _, item in pending])
                sources = [source for source, _ in pending]
            except NewswireError:
                receipts, sources = [], []
                for source, item in pending:  # find the one that failed, keep the others
                    try:
                        receipts.extend(store.append_many([item]))
                        sources.append(source)
                    except NewswireError as exc:
                        failures.append((source, str(exc)))
                        if links is not None:
                            links.refused(item.id)
            sys.stdout.write("".join(f"{r.id}\n" for r in receipts))
            stored += sum(r.created for r in receipts)
            unchanged += sum(not r.created for r in receipts)
            pending.clear()

        with progress() as bar:
            task = bar.add_task("ingesting", total=len(files))
            parsed_files = parse_files(
                texts, fmt, max_bytes, workers=workers, enrich=(db, steps), encoding=encoding,
                link=links.link if links is not None else None,
                archive=store.count()[0] > 0,
                idle=flush,
            )
            try:
                for source, items, error in parsed_files:
                    if error is not None:
                        failures.append((source, error))
                    for parsed in items or ():
                        pending.append((source, parsed))
                        if serial and isinstance(parsed, NewsItem):
                            flush()  # stored before the next is enriched (see above)
                    if len(pending) >= BATCH:
                        flush()
                    bar.advance(task)
            except WorkerDied:
                flush()  # what the workers gave before is stored, as the error says
                raise
            flush()
            if media:
                blobs = blobs_for(db, setting("blobs"))
                try:
                    for source, item, error in take_media(
                        store, blobs, media, overrides, limits, workers
                    ):
                        if error is not None:
                            failures.append((source, error))
                        if item is not None:
                            pending.append((source, item))
                            flush()
                        bar.advance(task)
                finally:
                    blobs.close()
        sys.stdout.flush()
        if failures and not stored + unchanged:  # nothing kept: no database made for it
            raise _failed(failures, len(files))

    def run(store: Store) -> None:
        try:
            take_all(store)
        except Unavailable as exc:
            # A write the store refused (a full disk, the database busy past its timeout)
            # ends the run. Its "nothing was written" is of that write alone: the versions
            # stored before stay (their ids were printed), and the one line says so.
            if not stored + unchanged:
                raise
            raise Unavailable(
                f"stopped after storing {counted(stored, 'new version')}"
                f" ({counted(unchanged, 'item')} unchanged), which stay; the next write"
                f" failed: {exc.detail} (ingesting the same files again stores only what is"
                " missing)",
                field=exc.field,
            ) from None

    if files:  # nothing to read (PATHs missing, empty folders): no database made for it
        with_store(db, run)
    if files or not failures:  # what was kept, even when some files failed
        err.print(
            f"{counted(len(files), 'file')}: {counted(stored, 'new version')} stored,"
            f" {counted(unchanged, 'item')} unchanged",
            highlight=False,
        )
    if failures:
        raise _failed(failures, len(files))


def _failed(failures: list[tuple[str, str]], files: int) -> typer.Exit:
    """``ingest``'s report of the files (or feed entries) that failed, and its exit 1."""
    title = f"{len(failures)} failed ({counted(files, 'file')} read)"
    if err.is_terminal:
        from rich.table import Table

        table = Table("file", "error", title=title)
        for source, message in failures:
            table.add_row(Text(source), Text(message))  # as given, never markup
        err.print(table)
    else:  # whole file names, one failure per line, for logs and scripts
        sys.stderr.write(title + ":\n")
        sys.stderr.write("".join(f"{source}: {message}\n" for source, message in failures))
    return typer.Exit(1)


def take_media(
    store: Store, blobs: Blobs, files: list[Path], overrides: Overrides, limits: Limits,
    workers: int,
) -> Iterator[tuple[str, NewsItem | None, str | None]]:
    """(file, its item, why it was refused) for each picture or video file, in order: the
    files worked on ``workers`` at a time (each in a process of the media pipeline), the
    items made here, where the store is."""
    from newswire.media import Pipeline, spool
    from newswire.media.items import item_of, media_id

    count = max(1, min(workers, len(files)))
    with Pipeline(blobs, limits, workers=count) as pipeline:

        def one(path: Path) -> Media | str:
            try:
                return pipeline.take(path)
            except NewswireError as exc:
                return exc.detail
            except OSError as exc:
                return exc.strerror or str(exc)

        with ThreadPoolExecutor(count) as threads:
            for path, taken in zip(files, threads.map(one, files), strict=True):
                if isinstance(taken, str):
                    yield str(path), None, taken
                    continue
                previous: NewsItem | None = None
                with contextlib.suppress(NotFound):
                    previous = store.get(overrides.id or media_id(taken)).item
                try:
                    item = item_of(taken, overrides, name=path.name, previous=previous)
                    yield str(path), check_item(strip_unencodable(item)), None
                except NewswireError as exc:
                    yield str(path), None, str(exc)
    spool.leave()  # the renditions' folder of this command, empty now


@app.command()
def show(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="The item's id.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format.")] = DEFAULT_FORMAT,
    version: Annotated[
        int | None, typer.Option(min=1, max=MAX_VERSION, help="A given version (default: latest).")
    ] = None,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Print an item (its latest version, or --version N) in a format; a picture's or
    video's files are linked (their href) when NEWSWIRE_BASE_URL names the server."""
    from newswire import formats

    try:
        codec = formats.get(fmt)
    except NewswireError as exc:
        raise fail(f"--format: {exc.detail}", 2) from None

    try:
        base = base_url_setting()
    except NewswireError as exc:
        raise fail(str(exc), 2) from None

    def run(store: Store) -> None:
        item = store.get(item_id, version).item
        # The files newswire keeps, linked as the server at base_url serves them (a
        # withdrawn item's are served to no one; its text is shown as the agency has it).
        if base and item.pubstatus != "canceled":
            from newswire.delivery.renderer import Renderer

            item = Renderer(base=base).view(item, "full")
        data = codec.render(item)
        sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")

    with_store(db, run, create=False)


@app.command()
def withdraw(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="The item's id.")],
    reason: Annotated[
        str, typer.Option(help="Why it is withdrawn: subscribers receive it with the notice.")
    ],
    db: DbOption = DB_DEFAULT,
) -> None:
    """Withdraw an item: a new version with pubstatus canceled and the reason, delivered
    (by a server on the same database) to everyone who had the item, as a kill notice;
    prints the id and the new version. The same as POST /v1/items/{id}/withdraw."""
    try:
        reason = withdrawal_reason(reason)
    except NewswireError as exc:
        raise fail(f"--reason: {exc.detail}", 2) from None

    def run(store: Store) -> None:
        receipt = store.withdraw(item_id, reason)
        typer.echo(f"{receipt.id}\t{receipt.version}")

    with_store(db, run, create=False)


@app.command("list")
def list_items(
    lang: Annotated[str | None, typer.Option("--lang", help="Only this language.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many.")] = 20,
    db: DbOption = DB_DEFAULT,
) -> None:
    """The most recently stored items, newest first."""
    # A malformed tag (`xx-`, ` ar`) matches no item: listed, it was "0 shown" and exit 0,
    # as if the archive had nothing in the language; refused as `search --lang` and
    # `product add --lang` refuse it.
    if lang and not LANGUAGE_TAG.fullmatch(lang):
        raise fail(f"--lang: {lang[:40]!r} is not a BCP 47 language tag such as ar or ar-EG", 2)

    def run(store: Store) -> None:
        rows = store.latest(language=lang, limit=limit)
        print_rows(
            ("seq", "id", "v", "lang", "version created", "headline"),
            [
                (
                    str(r.seq),
                    r.item.id,
                    str(r.item.version),
                    r.item.language,
                    when(r.item.versioncreated),
                    r.item.headline,
                )
                for r in rows
            ],
            whole=(1,),
            cut=(5,),
        )
        items, versions = store.count()
        err.print(f"{len(rows)} shown; {items} items, {versions} versions stored", highlight=False)

    with_store(db, run, create=False)


_EXPORT_HEADER = {"newswire": "export", "format": 1}
_encode = msgspec.json.Encoder().encode
_decode_stored = msgspec.json.Decoder(Stored).decode


@app.command()
def export(
    file: Annotated[
        Path, typer.Argument(metavar="FILE.jsonl", help="Where to write; - for stdout.")
    ],
    db: DbOption = DB_DEFAULT,
) -> None:
    """Write every version of every item to a JSON Lines backup."""
    if str(file) != "-" and file.is_dir():
        raise fail(f"{file} is a folder: name the export file", 2)

    def run(store: Store) -> None:
        _, total = store.count()
        # Written beside FILE under another name and renamed when whole: a disk filling up
        # (or any failure) left a truncated FILE that looked like a backup and that
        # `import` would take as all there was; an earlier FILE stays until then.
        part = None if str(file) == "-" else file.with_name(f".{file.name}.partial")
        try:
            handle = sys.stdout.buffer if part is None else part.open("wb")
        except OSError as exc:  # said of FILE: the hidden partial file is not the user's
            raise fail(f"cannot write {file}: {exc.strerror or exc}") from None
        done = False
        try:
            handle.write(_encode(_EXPORT_HEADER) + b"\n")
            with progress() as bar:
                task = bar.add_task("exporting", total=total)
                for n, stored in enumerate(store.export(), 1):
                    handle.write(_encode(stored) + b"\n")
                    if n % 1000 == 0:
                        bar.update(task, completed=n)
                bar.update(task, completed=total)
            if part is not None:
                handle.close()  # flushes: a full disk is said here, before the rename
                part.replace(file)
            done = True
        finally:
            if part is not None and not done:
                with contextlib.suppress(OSError):  # closing flushes, and fails the same way
                    handle.close()
                part.unlink(missing_ok=True)
        err.print(f"{total} versions exported", highlight=False)

    with_store(db, run, create=False)


def _check_header(file: Path, line: bytes) -> None:
    """An export's first line is ``_EXPORT_HEADER``: another kind of file, or an export in
    a format a later release writes (whose records this one would misread), is refused."""
    try:
        header = msgspec.json.decode(line)
    except msgspec.DecodeError as exc:
        raise fail(f"{file}:1: not a newswire export header: {exc}") from None
    if not isinstance(header, dict) or header.get("newswire") != "export":
        raise fail(f"{file}:1: not a newswire export header")
    made = header.get("format")
    if made != _EXPORT_HEADER["format"]:
        raise fail(
            f"{file}:1: an export in format {made!r}, which this release does not read (it"
            f" reads format {_EXPORT_HEADER['format']}): import it with the release that"
            " made it, or a later one"
        )


def _read_export(file: Path) -> list[Stored]:
    records: list[Stored] = []
    header = False
    handle = sys.stdin.buffer if str(file) == "-" else file.open("rb")
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            if number == 1 and line.lstrip().startswith(b'{"newswire"'):
                _check_header(file, line)
                header = True
                continue
            try:
                record = _decode_stored(line)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                raise fail(f"{file}:{number}: not a newswire export record: {exc}") from None
            try:
                check_item(record.item, restoring=True)
            except NewswireError as exc:
                raise fail(f"{file}:{number}: {exc}") from None
            records.append(record)
    if not header and not records:
        # ``export`` writes its header line first, even of an empty archive: a file
        # without it and without a record is no backup (an export that failed at once).
        raise fail(f"{file}: not a newswire export: it is empty (an export holds its header line)")
    return records


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(metavar="FILE.jsonl", help="A file made by export.")],
    db: DbOption = DB_DEFAULT,
) -> None:
    """Restore a backup: add every version not already stored, exactly as exported."""
    if str(file) != "-" and file.is_dir():
        raise fail(f"{file} is a folder: name the export file", 2)
    if str(file) != "-" and not file.is_file():
        raise fail(f"no such file: {file}", 2)
    try:
        records = _read_export(file)  # read (and check) all of it before touching the store
    except OSError as exc:  # a file this user may not read
        raise fail(f"{file}: {exc.strerror or exc}", 2) from None

    def run(store: Store) -> None:
        report = None
        with progress() as bar:
            task = bar.add_task("importing", total=len(records))
            added = skipped = 0
            conflicts: list[str] = []
            for start in range(0, len(records), 1000):
                report = store.restore(records[start : start + 1000])
                added, skipped = added + report.added, skipped + report.skipped
                conflicts += report.conflicts
                bar.advance(task, len(records[start : start + 1000]))
        err.print(f"{added} versions added, {skipped} already present", highlight=False)
        if conflicts:
            raise fail(
                f"{len(conflicts)} versions differ from the stored ones and were left "
                f"alone: {', '.join(conflicts[:10])}"
            )

    with_store(db, run)


@app.command("formats")
def list_formats() -> None:
    """The formats newswire reads and writes."""
    from newswire import formats

    yes = {True: "yes", False: "-"}
    print_rows(
        ("name", "format", "media type", "parse", "render"),
        [
            (c.name, c.label, c.media_type, yes[c.can_parse], yes[c.can_render])
            for c in formats.CODECS.values()
        ],
    )


@app.command("settings")
def list_settings() -> None:
    """Every setting, its environment variable, default and current value; a value that
    would be refused is said on stderr, with why, and the exit status is 2."""
    print_rows(
        ("setting", "environment", "default", "value", "help"),
        [(s.name, s.env, s.default, shown(s.name, setting(s.name)), s.help) for s in SETTINGS],
    )
    refused = problems()
    for name, why in refused.items():
        err.print(f"newswire: {name}: {why}", highlight=False)
    if refused:
        raise typer.Exit(2)


BusOption = Annotated[
    str,
    typer.Option("--bus", envvar=BY_NAME["bus"].env, help=BY_NAME["bus"].help, show_default=True),
]

WorkersOption = Annotated[
    str,
    typer.Option(
        envvar="NEWSWIRE_WORKERS",
        help="Server processes sharing the port: a number, or auto (one per CPU).",
    ),
]


LogFormatOption = Annotated[
    str,
    typer.Option(
        "--log-format", envvar=BY_NAME["log_format"].env, help=BY_NAME["log_format"].help
    ),
]


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="NEWSWIRE_HOST")] = BY_NAME["host"].default,
    port: Annotated[int, typer.Option(envvar="NEWSWIRE_PORT", min=0, max=65535)] = int(
        BY_NAME["port"].default
    ),
    db: DbOption = DB_DEFAULT,
    workers: WorkersOption = BY_NAME["workers"].default,
    bus: BusOption = BY_NAME["bus"].default,
    log_format: LogFormatOption = BY_NAME["log_format"].default,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs)."""
    _serve(db, host, port, workers, bus, log_format)


@app.command()
def demo(
    host: Annotated[str, typer.Option(envvar="NEWSWIRE_HOST")] = BY_NAME["host"].default,
    port: Annotated[int, typer.Option(envvar="NEWSWIRE_PORT", min=0, max=65535)] = int(
        BY_NAME["port"].default
    ),
    db: DbOption = DB_DEFAULT,
    serve_: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve after loading.")] = True,
    workers: WorkersOption = BY_NAME["workers"].default,
    bus: BusOption = BY_NAME["bus"].default,
    log_format: LogFormatOption = BY_NAME["log_format"].default,
) -> None:
    """Load the demo data (the seed item and a corpus sample), then serve."""
    from newswire import demo as demo_data
    from newswire.api.serving import check_address
    from newswire.enrich.pipeline import append_enriched
    from newswire.ingest import parse_bytes

    if serve_:  # a bad setting or a port in use is said before the data is loaded
        _server_settings(db, workers, bus, log_format, say=False)
        try:
            check_address(host, port)
        except NewswireError as exc:
            raise fail(str(exc), 2) from None

    def run(store: Store) -> None:
        seed = parse_bytes(demo_data.seed_path().read_bytes(), max_bytes=1 << 20)
        # The corpus (2017-2018) first, the seed (dated now) last: the newest item is the
        # last in the log, as on a real wire, so the public home page and the portal's wire
        # (which list the latest of the log) show the reference item first.
        items = [
            *demo_data.corpus_items(demo_data.corpus_records(demo_data.corpus_sample_path())),
            *seed,
        ]
        receipts = append_enriched(store, items, steps_setting())
        new = sum(r.created for r in receipts)
        err.print(
            f"demo data: {new} items added, {len(receipts) - new} already there; "
            f"the seed item is {receipts[-1].id}",
            highlight=False,
        )
        _demo_access(store, port)

    with_store(db, run)
    if serve_:
        _serve(db, host, port, workers, bus, log_format)


def _demo_access(store: Store, port: int) -> None:
    """Demo subscribers (one full, one teaser) and fresh keys to try the API with at once:
    keys are stored hashed, so each run makes new ones and prints them."""
    from newswire.access.keys import ApiKey, new_key
    from newswire.access.products import Product, validate_product
    from newswire.access.subscribers import Subscriber, check_subscriber

    have = {p.name for p in store.products.list()}
    levels: tuple[tuple[str, Access], ...] = (("demo-full", "full"), ("demo-teaser", "teaser"))
    for name, level in levels:
        if name not in have:
            store.products.add(validate_product(Product(name=name, access=level)))
    subscribers = {s.name for s in store.subscribers.list()}
    for name, product in (("demo-daily", "demo-full"), ("demo-portal", "demo-teaser")):
        if name not in subscribers:
            store.subscribers.add(check_subscriber(Subscriber(name=name, products=[product])))
    made = []
    keys: tuple[tuple[str, Scope, str], ...] = (
        ("editors (publish)", "publish", ""),
        ("demo-daily (full text)", "read", "demo-daily"),
        ("demo-portal (teaser)", "read", "demo-portal"),
    )
    for label, scope, subscriber in keys:
        key, key_id, key_hash = new_key()
        store.keys.add(ApiKey(id=key_id, scope=scope, name="demo", subscriber=subscriber), key_hash)
        made.append((label, key))
    err.print("demo keys (new each run; try them in /docs with Authorize):", highlight=False)
    for label, key in made:
        err.print(f"  {label:24} {key}", highlight=False, soft_wrap=True)
    err.print(
        f"  e.g. curl -H 'Authorization: Bearer {made[1][1]}' "
        f"http://127.0.0.1:{port}/v1/feed?limit=5",
        highlight=False,
        soft_wrap=True,
    )
    _demo_accounts(store, port)


DEMO_ACCOUNTS: tuple[tuple[str, Scope, str, str], ...] = (
    ("editor@agency.example", "publish", "", "/console"),
    ("reader@demo-daily.example", "read", "demo-daily", "/portal"),
    ("reader@demo-portal.example", "read", "demo-portal", "/portal"),
)


def _demo_accounts(store: Store, port: int) -> None:
    """Logins for the editor console and the subscriber portal, with fresh passwords (only
    their hashes are stored, so each run sets new ones and prints them)."""
    from newswire.access.accounts import Account, hash_password, new_id, new_password

    err.print(f"demo logins (new passwords each run) at http://127.0.0.1:{port}/login:")
    for email, scope, subscriber, where in DEMO_ACCOUNTS:
        password = new_password()
        found = store.accounts.by_email(email)
        if found is None:
            account = Account(id=new_id(), email=email, scope=scope, subscriber=subscriber)
            store.accounts.add(account, hash_password(password))
        else:
            store.accounts.set_password(found[0].id, hash_password(password))
        err.print(f"  {where:9} {email:28} {password}", highlight=False, soft_wrap=True)


def _serve(db: str, host: str, port: int, workers: str, bus: str, log_format: str) -> None:
    from newswire.api.serving import serve

    settings, processes = _server_settings(db, workers, bus, log_format)
    try:
        serve(settings, host, port, processes)
    except NewswireError as exc:
        raise fail(str(exc), 2) from None


def _server_settings(
    db: str, workers: str, bus: str, log_format: str, *, say: bool = True
) -> tuple[Settings, int]:
    """The server's settings, checked (a bad one is ``newswire: NAME: ...``, exit 2), and
    how many processes to serve with (``say``: print why it is fewer than asked)."""
    from newswire.blobs import open_blobs
    from newswire.bus import open_bus
    from newswire.logs import log_format as checked_log_format
    from newswire.settings import Settings, workers_setting
    from newswire.store import in_memory

    try:
        settings = Settings(db=db, bus=bus, log_format=checked_log_format(log_format))
        open_bus(bus)  # a bad URL is a usage error here, not a worker failing in a loop
        if settings.blobs:  # so is a blob store each of N processes would fail to open
            open_blobs(settings.blobs).close()
        processes = workers_setting(workers)
    except NewswireError as exc:
        raise fail(str(exc), 2) from None
    if processes > 1 and in_memory(db):
        if say:
            err.print(
                "an in-memory database lives in one process: serving with one", highlight=False
            )
        processes = 1
    return settings, processes

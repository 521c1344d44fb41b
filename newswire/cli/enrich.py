"""``newswire enrich``: run enrichment again over stored items (after the vocabulary or
the subject model changed), storing a new version only where something changed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import msgspec
import typer

from newswire.cli.common import DB_DEFAULT, DbOption, counted, err, fail, progress, with_store
from newswire.errors import NewswireError
from newswire.model import NewsItem
from newswire.settings import steps_setting
from newswire.store import Store
from newswire.store.base import Heading, Stored

BATCH = 200


def _latest(store: Store) -> Iterator[Stored]:
    """The latest version of every item stored when the walk began, each once, in the
    order they were stored. Reads the catalogue (a few columns a version), so memory stays
    flat on any archive, and the latest versions ``BATCH`` items at a time (``get_many``:
    one query a batch, not one an item, each a round trip on PostgreSQL). Versions
    appended meanwhile are not walked: the catalogue reads on past its first page's end,
    and this command's own updates (stored every ``BATCH``) would be enriched again and
    counted twice."""
    end = store.last_seq()
    headings: list[Heading] = []
    for heading in store.catalogue():
        if heading.seq > end:
            break
        headings.append(heading)
        if len(headings) == BATCH:
            yield from _still_latest(store, headings)
            headings = []
    yield from _still_latest(store, headings)


def _still_latest(store: Store, headings: list[Heading]) -> Iterator[Stored]:
    """The latest version of each item of ``headings`` that is still the version its
    heading names (an item given a later version is walked at that version's heading)."""
    latest = store.get_many(heading.id for heading in headings) if headings else {}
    for heading in headings:
        found = latest.get(heading.id)
        if found is not None and found.seq == heading.seq:  # none: removed while we read
            yield found


def _next(enriched: NewsItem, latest: NewsItem) -> NewsItem:
    """The new version enrichment makes of ``latest``: an update, stamped when stored."""
    return msgspec.structs.replace(
        enriched,
        version=latest.version + 1,
        signal="update",
        replaces=None,
        versioncreated=None,
    )


def still_latest(store: Store, made: list[tuple[Stored, NewsItem]]) -> list[NewsItem]:
    """The new versions of ``made`` (each with the stored version it was made from) whose
    item the store still holds at that version, read again just before they are stored.
    An item given a version meanwhile (an editor's correction through a server, the item
    taken in again) was enriched as that version was stored, and a version made from the
    one before would follow it as the latest: its text, the correction gone, sent to every
    subscriber as an update. A batch is stored seconds after its first item was read."""
    now = store.get_many(record.item.id for record, _ in made)
    return [
        new
        for record, new in made
        if (latest := now.get(record.item.id)) is not None and latest.seq == record.seq
    ]


def mapped(item: NewsItem) -> NewsItem:
    """``item`` with the Media Topics its legacy Subject Codes map to, as reading it would
    give them now (``ingest.with_media_topics``): an item stored before the mapping (or
    before a code was in it) carries a code no product, facet or section understands. A
    withdrawn item is left as it is."""
    from newswire.ingest import with_media_topics  # the codecs: only when items are enriched

    return item if item.pubstatus == "canceled" else with_media_topics(item)


def enrich(
    ids: Annotated[
        list[str] | None, typer.Argument(help="Ids of the items to enrich (or --all).")
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every item of the archive, its latest version.")
    ] = False,
    steps: Annotated[
        str | None,
        typer.Option(help="Steps to run: all, or a comma-separated list (default: the setting)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would change; store nothing.")
    ] = False,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Enrich stored items again; print the id of each item given a new version.

    Only items whose enrichment changed (new places, people, organisations or subjects
    after the vocabulary or the model changed, the Media Topic a legacy IPTC Subject Code
    maps to) get a new version, an update; withdrawn items are left alone, and what
    editors removed stays removed."""
    if every and ids:
        raise fail("ids and --all cannot be given together: give some ids, or --all", 2)
    if not (every or ids):
        raise fail("say which items: some ids, or --all", 2)
    try:
        names = steps_setting(steps)
    except NewswireError as exc:
        raise fail(f"--steps: {exc.detail}", 2) from None
    if not names:
        raise fail("--steps: no step to run", 2)
    changed = seen = meanwhile = 0

    def run(store: Store) -> None:
        nonlocal changed, seen, meanwhile
        from newswire.enrich.pipeline import enricher_for

        enricher = enricher_for(store, names)
        if every:
            total = store.count()[0]
            records: Iterator[Stored] = _latest(store)
        else:
            # An id given twice is one item: enriched twice from the same version, it was
            # counted as two new versions where the store kept one. Once by the id as
            # stored: an id and its URI (urn:newswire:id:…) are one item too.
            found = {r.item.id: r for r in (store.get(i) for i in dict.fromkeys(ids or []))}
            total = len(found)
            records = iter(list(found.values()))
        batch: list[tuple[Stored, NewsItem]] = []

        def flush() -> None:
            nonlocal changed, meanwhile
            if batch and not dry_run:
                kept = still_latest(store, batch)
                changed -= len(batch) - len(kept)  # changed meanwhile: left as they are
                meanwhile += len(batch) - len(kept)
                for receipt in store.append_many(kept):
                    if receipt.created:
                        print(receipt.id, flush=False)
            batch.clear()

        with progress() as bar:
            task = bar.add_task("enriching", total=total)
            for record in records:
                seen += 1
                item = record.item
                enriched = enricher.enrich(mapped(item), None)
                if enriched != item:
                    changed += 1
                    batch.append((record, _next(enriched, item)))
                    if len(batch) >= BATCH:
                        flush()
                bar.advance(task)
            flush()

    with_store(db, run, create=False)
    verb = "would get" if dry_run else "got"
    # Said, not passed over in silence: those left as stored were given a version by
    # someone else while this ran (enriched as it was stored, by every way in).
    left = f" ({counted(meanwhile, 'item')} changed meanwhile, left as stored)" if meanwhile else ""
    err.print(
        f"{counted(seen, 'item')} enriched: {changed} {verb} a new version{left}",
        highlight=False,
    )

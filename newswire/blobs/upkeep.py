"""What operators do with a deployment's blobs as a whole: copy those its items refer to
into another blob store (``newswire migrate``), and sweep those no item refers to
(``newswire blobs sweep``).

Which blobs a deployment needs is read from its store: every key in the renditions of
every stored version, not only the latest (an earlier version stays downloadable by its
number, and a withdrawn item's files are still the agency's). The versions are read
through the store's ``Transfer`` (``newswire.store.transfer``), a batch at a time, and
only the ``renditions`` of each document are decoded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

import msgspec

from newswire.blobs import Blobs, is_key
from newswire.errors import NotFound
from newswire.model import utcnow
from newswire.store.transfer import BY_NAME, Transfer

GRACE = timedelta(days=1)
"""How old an unreferenced blob must be before a sweep removes it. A file's blobs are put
before its item is stored (probing and transcoding take up to ``Limits.seconds``), and an
editor's upload may wait in a form: a younger blob may be an item's on its way."""

BATCH = 2_000


class _File(msgspec.Struct):
    blob: str = ""


class _Files(msgspec.Struct):
    renditions: list[_File] = msgspec.field(default_factory=list)


_FILES = msgspec.json.Decoder(_Files).decode


def referenced(transfer: Transfer, *, batch: int = BATCH) -> set[str]:
    """The keys of every blob a stored version of any item names."""
    versions = BY_NAME["versions"]
    at_seq, at_data = versions.columns.index("seq"), versions.columns.index("data")
    keys: set[str] = set()
    after: tuple[object, ...] | None = None
    while rows := transfer.rows(versions, after, batch):
        for row in rows:
            data = row[at_data]
            document = bytes(data) if isinstance(data, bytes | memoryview) else str(data).encode()
            if b'"blob":' in document:  # a text item has no files: skip its decoding
                keys.update(r.blob for r in _FILES(document).renditions if is_key(r.blob))
        after = (rows[-1][at_seq],)
    return keys


class Copied(NamedTuple):
    referenced: int
    """Blobs the items refer to."""
    copied: int
    bytes: int
    """Bytes copied."""
    present: int
    """Blobs the target had already (an earlier, interrupted copy; a shared folder)."""
    missing: list[str]
    """Keys the source does not have (or whose bytes no longer match their key)."""
    linked: int = 0
    """Blobs ``link`` stored (sharing an earlier copy's bytes) rather than copied."""


def copy(
    keys: Iterable[str],
    source: Blobs,
    target: Blobs,
    *,
    on_blob: Callable[[str], None] = lambda key: None,
    link: Callable[[str, int], bool] | None = None,
) -> Copied:
    """Copy the blobs ``keys`` from ``source`` to ``target``, each streamed in pieces
    (``CHUNK``), skipping those ``target`` has. Each put is whole or nothing, so an
    interrupted copy is completed by running it again. ``on_blob(key)`` after each.
    ``link(key, size)``, if given, is tried first for each blob the source has: True when
    it stored the blob in ``target`` some cheaper way (a hard link to an earlier copy)."""
    total = copied = size = present = linked = 0
    missing: list[str] = []
    for key in sorted(keys):
        total += 1
        if target.exists(key):
            present += 1
        elif not source.exists(key):
            missing.append(key)
        elif link is not None and link(key, source.size(key)):
            linked += 1
        else:
            # A source whose bytes no longer match their name: the copy is stored under
            # its own key (which nothing names; a sweep removes it) and counted missing.
            if target.put(source.chunks(key)) != key:
                missing.append(key)
            else:
                copied += 1
                size += target.size(key)
        on_blob(key)
    return Copied(total, copied, size, present, missing, linked)


class Swept(NamedTuple):
    stored: int
    """Blobs in the store when the sweep listed them."""
    referenced: int
    removed: int
    """Blobs removed (or, for a dry run, that would be)."""
    bytes: int
    kept_young: int
    """Unreferenced blobs younger than the grace period, kept."""
    leftovers: int = 0
    """What killed puts and deletes left behind (temporary files) removed, or would be."""
    leftover_bytes: int = 0
    missing: tuple[str, ...] = ()
    """Keys a stored version names that the store has not got, sorted: files every
    subscriber is refused (404), usually put in another blob store than this one."""


def sweep(
    transfer: Transfer,
    blobs: Blobs,
    *,
    grace: timedelta = GRACE,
    dry_run: bool = False,
    now: datetime | None = None,
) -> Swept:
    """Remove the blobs of ``blobs`` that no stored version names and that were last put
    more than ``grace`` ago; with ``dry_run``, only count them.

    The references are read after the moment the grace is counted from: a blob put
    before that moment, whose item was stored within the grace, is seen referenced; and a
    blob put again meanwhile (a file ingested again) is kept by ``delete``'s ``before``.

    What killed puts left behind (``Blobs.leftovers``) goes too once older than ``grace``.
    The keys versions name that ``blobs`` has not got are returned (``Swept.missing``).
    """
    limit = (now or utcnow()) - grace
    scraps, scrap_bytes = blobs.leftovers(limit, dry_run=dry_run)
    keep = referenced(transfer)
    stored = young = removed = size = 0
    old = set(blobs.keys(limit))
    # Listed after the references were read: a version's blobs were put before it was
    # stored, so a key it names and the listing lacks is missing, not on its way.
    absent = set(keep)
    for key in blobs.keys(before=None):  # every one, old or young
        stored += 1
        absent.discard(key)
        if key in keep:
            continue
        if key not in old:
            young += 1
        else:
            try:
                bytes_ = blobs.size(key)
            except NotFound:  # removed meanwhile (another sweep)
                continue
            if dry_run or blobs.delete(key, limit):
                removed += 1
                size += bytes_
    return Swept(
        stored, len(keep), removed, size, young, scraps, scrap_bytes, tuple(sorted(absent))
    )

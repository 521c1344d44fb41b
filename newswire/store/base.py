"""The store contract: append-only item versions, each with a global sequence number.

The store is the source of truth. Everything else (search indexes, caches, deliveries)
is derived from it and can be rebuilt from it.

Contract, for every backend:

- ``append(item)`` stores a new version and returns its ``Receipt``. A version is never
  overwritten: an item whose content equals its latest stored version is a duplicate and
  stores nothing (the receipt says ``created=False``), as is one that carries no higher
  version and differs from it only in the links enrichment made to other stories (those
  depend on what was stored when it was enriched, not on what the item says); an item whose content differs gets
  the next version number (or the one it carries, when higher), the ``update`` signal when
  it carries none, and ``replaces`` pointing at the version it follows. It keeps the time
  its source gave (``versioncreated``) when it carries a higher version number or is
  dated later (to the second) than the latest; one that carries neither is dated when
  stored, a second after the latest at least, and one dated earlier than the latest
  without a higher number is refused (``Conflict`` naming ``versionCreated``) unless it
  is a stored version redelivered (nothing stored). A changed version
  of a withdrawn item (latest pubstatus ``canceled``) is refused (``Conflict`` naming
  ``id``): a withdrawal is final. So is a changed version that would make a story
  (``type`` text) a picture, video, graphic or audio item, or one of those a story
  (``Conflict`` naming ``type``): the item's files would be lost, or its subscribers sent
  another kind of item; a withdrawal notice may come as any type. The withdrawal itself
  taken in again, as newswire gives it out (in full, or as the kill notice) read back
  from any format, less what that format drops, is no change: nothing is stored, as for
  any item sent again.
- Every stored version gets a **sequence number**, global to the store and strictly
  increasing in the order versions are stored, never reused. Subscribers resume from it.
- ``get(id)`` is the latest version, ``get(id, version)`` a given one; ``versions(id)`` all.
- ``since(after, limit)`` lists versions in sequence order (the feed of everything).
- ``restore(records)`` puts back exported versions exactly as they were (same version,
  same timestamps) and skips those already present: it is how ``import`` works.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol, TypeAlias, overload

import msgspec

from newswire.errors import Conflict
from newswire.model import MACHINE, Association, Dateline, NewsItem, as_uri, canonical, utcnow
from newswire.validation import MAX_VERSION

# Only for the annotations: importing them would load ``newswire.access`` (argon2 and all)
# into every process that prepares items, bulk ingest's workers included.
if TYPE_CHECKING:
    from newswire.store.access import (
        Accounts,
        Keys,
        Products,
        Sessions,
        Subscribers,
        Topics,
        Usage,
    )
    from newswire.store.threads import Threads
    from newswire.store.transfer import Transfer
    from newswire.store.vocabulary import Vocabulary
    from newswire.store.webhooks import Webhooks


LogKind: TypeAlias = Literal["item", "update", "withdraw", "embargo-lift"]
"""What an entry of the event log is: a first version, a later one, a withdrawal, the
lift of an embargo (the bus's ``Kind``)."""

Row: TypeAlias = tuple[Any, ...]
"""A row as a database driver returns it (its columns' types are the query's)."""

Args: TypeAlias = tuple[object, ...]
"""The parameters of a statement, in the order of its placeholders."""


class Stored(msgspec.Struct, kw_only=True):
    """One stored version: the item, its sequence number and when it was stored."""

    seq: int
    stored_at: datetime
    item: NewsItem


class Change(Stored, kw_only=True):
    """One entry of the store's event log: a stored version or the lift of its embargo.

    The log is what subscribers follow. Each entry has its own sequence number: a version
    is logged when stored; a version stored under embargo is logged again, as an
    ``embargo-lift`` with a new sequence number, when its embargo ends, so that a
    subscriber whose cursor is past the version still receives it.
    """

    kind: LogKind
    """``item`` (a first version), ``update``, ``withdraw`` or ``embargo-lift``."""
    held: bool = False
    """Stored under embargo: until its lift only products with early delivery receive it."""


def kind_of(item: NewsItem) -> LogKind:
    if item.pubstatus == "canceled":
        return "withdraw"
    return "item" if item.replaces is None else "update"


def held(item: NewsItem, stored_at: datetime) -> bool:
    """Was this version stored while under embargo (to the second, as stored)?"""
    return item.embargo_until is not None and iso(item.embargo_until) > iso(stored_at)


def never_lifted(stored: Stored, history: list[Stored]) -> bool:
    """Was this version stored under embargo and replaced before its embargo ended? The
    log lifts only an item's latest version (``lift_due``), so such a version is never
    lifted: an update that moved the embargo later (or took it off) keeps it from
    everyone but the products with early delivery, whatever its own time says now."""
    embargo = stored.item.embargo_until
    if embargo is None or not held(stored.item, stored.stored_at):
        return False
    until = iso(embargo)
    return any(s.seq > stored.seq and iso(s.stored_at) < until for s in history)


def withdrawal(history: list[Stored], reason: str, now: datetime) -> NewsItem:
    """The version that withdraws an item of these versions (pubstatus canceled, the
    reason as ednote): the latest version withdrawn. But when the latest is an update
    still under embargo and an earlier version is out, the version out is withdrawn, with
    no embargo: a kill reaches every subscriber who had the item now, not when the update
    was to be lifted (years, it may be), and tells nothing of the update's held text.
    When no version is out yet, the withdrawal keeps the embargo: products with early
    delivery get it at once, as they got the item, and no one else has anything to kill."""
    latest = history[-1].item

    def held_now(item: NewsItem) -> bool:
        return item.embargo_until is not None and item.embargo_until > now

    if held_now(latest):
        out = [s.item for s in history if not held_now(s.item) and not never_lifted(s, history)]
        if out:
            latest = msgspec.structs.replace(out[-1], embargo_until=None)
    return msgspec.structs.replace(
        latest,
        pubstatus="canceled",
        ednote=reason,
        signal=None,
        versioncreated=None,
        replaces=None,
    )


class Heading(NamedTuple):
    """A stored version without its item: what a search index rebuild chooses from."""

    seq: int
    id: str
    version: int
    pubstatus: str
    embargo_until: str | None
    """ISO 8601 UTC (``iso``), so that it compares as text."""
    stored_at: str
    """When the version was stored, ISO 8601 UTC as ``embargo_until``."""


class Receipt(msgspec.Struct, kw_only=True):
    """What ``append`` did: the id, version and sequence number of the stored version."""

    id: str
    version: int
    seq: int
    created: bool
    """False when the item equalled its latest stored version and nothing was stored."""
    kind: LogKind = "item"
    """The log entry it made: ``item``, ``update`` or ``withdraw``."""


class Linking(NamedTuple):
    """An item whose latest version associates to another (``Store.linking``)."""

    id: str
    seq: int
    """The sequence number of its latest version: the newest first, and ``before`` of
    the next page."""
    type: str
    """The association's ``type`` (``text``: a story, ``picture``, ...)."""
    rel: str
    """The association's ``rel`` (``seeAlso``, ``nwrel:sameStory``, ...)."""


NO_END = 2**63 - 1
"""Above every sequence number (``Store.linking`` without ``before``)."""


def link_names(item_id: str) -> list[str]:
    """The forms of a stored id an association may name (``Store.linking``): as stored,
    and as a format writes it where a URI is needed (``model.as_uri``) when it differs."""
    return list(dict.fromkeys((item_id, as_uri(item_id))))


class _Linked(msgspec.Struct):
    """What ``links_of`` decodes of a stored version (the rest of its JSON is skipped)."""

    id: str
    associations: list[Association] = msgspec.field(default_factory=list)


_DECODE_LINKED = msgspec.json.Decoder(_Linked).decode
_NAMES_LINKS = b'"associations":'


def links_of(seq: int, data: bytes) -> list[Row]:
    """The rows of ``item_links`` (``Store.linking``) of the version stored as ``seq``
    with ``data``: (target, source_seq, source, type, rel), one per id its associations
    name (the first association to it), none to itself. The bytes are decoded only when
    they name associations: most versions have none, and a bulk ingest asks for each."""
    if _NAMES_LINKS not in data:
        return []
    version = _DECODE_LINKED(data)
    seen = {version.id}
    out: list[Row] = []
    for a in version.associations:
        if a.id not in seen:
            seen.add(a.id)
            out.append((a.id, seq, version.id, a.type, a.rel))
    return out


def latest_links(rows: list[Row], items: Iterable[Row]) -> list[Row]:
    """The rows of ``item_links`` a batch writes (``BatchPlan``, numbered): those of each
    item's latest version among ``rows``, as its pointer in ``items`` says (an item given
    twice in a batch is linked as its last version)."""
    data = {row[0]: row[-1] for row in rows}
    return [link for _, _, seq, *_ in items for link in links_of(seq, data[seq])]


class RestoreReport(msgspec.Struct, kw_only=True):
    added: int = 0
    skipped: int = 0
    conflicts: list[str] = msgspec.field(default_factory=list)
    """``id@version`` of records whose content differs from the stored version."""


# --- versioning rules shared by every backend --------------------------------------------

_VOLATILE = dict(version=1, versioncreated=None, firstcreated=None, signal=None, replaces=None)
_ENCODER = msgspec.json.Encoder()
_DECODE = msgspec.json.Decoder(NewsItem).decode


def fingerprint(item: NewsItem) -> str:
    """A hash of what an item says, ignoring the bookkeeping that differs between versions."""
    data = _ENCODER.encode(msgspec.structs.replace(item, **_VOLATILE))
    return hashlib.sha256(data).hexdigest()[:32]


def _linked_alike(item: NewsItem, latest: NewsItem) -> bool:
    """Whether ``item`` says what ``latest`` says once the links enrichment made to other
    stories (``creator`` machine) are set aside on both: those are found among the items
    stored at the moment each was enriched, so the same story sent twice at once, or
    again later, is linked differently without saying anything new."""
    mine = [a for a in item.associations if a.creator != MACHINE]
    theirs = [a for a in latest.associations if a.creator != MACHINE]
    return mine == theirs and fingerprint(
        msgspec.structs.replace(item, associations=mine)
    ) == fingerprint(msgspec.structs.replace(latest, associations=theirs))


def _withdrawal_again(item: NewsItem, latest: NewsItem) -> bool:
    """Whether ``item`` is the withdrawal ``latest`` (pubstatus canceled) taken in again as
    newswire gives it out: in full (``newswire show``, the agency's own keys) or as the kill
    notice everyone else gets (``formats.withdrawn.as_kill``: the notice and the reason as
    its body), read back from any format, which drops what it cannot carry (a feed entry
    the reason's note, the dateline, the annotations' ids; NITF the links to other items;
    the machine's marks on annotations).

    It is when it says that kill (canceled, the same headline and language, the same
    reason as its note, or in the notice that is its body when a format drops the note)
    and nothing the withdrawal does not say: each field the withdrawal's, in full or as
    its notice, or left out; each annotation in a list (subject, entity, link, rendition,
    keyword) one of the withdrawal's, less details left out. The body is one text, the
    withdrawal's or its notice's: fewer paragraphs of it are another body. The type may
    read as ``text`` only where the files are gone (a feed entry of a picture's kill has
    no enclosure). Anything else is a change of a withdrawn item, refused by the caller."""
    from newswire.formats.withdrawn import as_kill  # the notice as every format writes it

    kill = as_kill(latest)
    if (
        item.pubstatus != "canceled"
        or item.headline != latest.headline
        or item.language != latest.language
        or (item.type != latest.type and (item.type != "text" or item.renditions))
    ):
        return False
    if item.ednote not in (latest.ednote, kill.ednote) and (item.ednote or item.body != kill.body):
        return False
    if item.body not in ([], latest.body, kill.body):
        return False
    skip = {"id", "type", "headline", "language", "ednote", "body", *_VOLATILE}
    return all(
        _says_no_more(getattr(item, name), getattr(latest, name))
        or _says_no_more(getattr(item, name), getattr(kill, name))
        for name in NewsItem.__struct_fields__
        if name not in skip
    )


def _says_no_more(given: object, stored: object) -> bool:
    """Whether a field's value as read back says nothing the stored one does not: equal,
    left out (empty), a struct each of whose fields set says no more than the stored
    one's (an entity without its id or coordinates), or a list each of whose members says
    no more than one of the stored list's (a format that carries some of them). A
    dateline with no text of its own comes back from NITF with its place as its text: no
    more than the place it was."""
    if (
        isinstance(given, Dateline)
        and isinstance(stored, Dateline)
        and not stored.text
        and given.text in (stored.place, stored.place_latin)
    ):
        given = msgspec.structs.replace(given, text="")
    if given == stored or given is None or given == "" or given == []:
        return True
    if isinstance(given, list) and isinstance(stored, list):
        return all(any(_says_no_more(g, s) for s in stored) for g in given)
    if isinstance(given, msgspec.Struct) and type(given) is type(stored):
        return all(
            _says_no_more(getattr(given, name), getattr(stored, name))
            for name in given.__struct_fields__
        )
    return False


class Prepared(NamedTuple):
    """An item made ready to store as a first version: stamped, encoded, fingerprinted.

    ``prepare`` is pure CPU work, so bulk ingest runs it in worker processes and hands the
    store only these (cheap to pass between processes); the store decodes ``data`` again
    only when the item turns out to be a new version of one it already has.
    """

    id: str
    version: int
    language: str
    headline: str
    pubstatus: str
    versioncreated: str | None
    embargo_until: str | None
    fingerprint: str
    data: bytes
    dated: bool = True
    """Whether the source gave the version its time (``versioncreated``), or ``prepare``
    stamped it: a stamped time is when the store took the item, no claim of the source's
    to compare with what is stored."""


@overload
def iso(value: datetime) -> str: ...


@overload
def iso(value: None) -> None: ...


@overload
def iso(value: datetime | None) -> str | None: ...


def iso(value: datetime | None) -> str | None:
    """``2025-01-02T03:04:05Z`` (isoformat is several times faster than strftime)."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def time_of(text: str) -> datetime:
    """The time ``iso`` wrote, aware (UTC)."""
    # fromisoformat reads the trailing Z (3.11+) and is ten times faster than strptime.
    return datetime.fromisoformat(text)


def time_at(text: str) -> datetime:
    """A stored time text (any offset, ``Z`` too) in UTC, from a column never empty."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def time_or_none(text: str | None) -> datetime | None:
    """A stored time text (any offset, ``Z`` too) in UTC; None when none was stored."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC) if text else None


def prepare(item: NewsItem, now: datetime | None = None) -> Prepared:
    item = canonical(item)
    if item.embargo_until is not None and item.embargo_until.microsecond:
        # Embargoes are kept to the second, rounded up: never lifted early.
        up = item.embargo_until.replace(microsecond=0) + timedelta(seconds=1)
        item = msgspec.structs.replace(item, embargo_until=up)
    stamped = stamp(item, now or utcnow())
    return Prepared(
        stamped.id,
        stamped.version,
        stamped.language,
        stamped.headline,
        stamped.pubstatus,
        iso(stamped.versioncreated),
        iso(stamped.embargo_until),
        fingerprint(item),
        _ENCODER.encode(stamped),
        dated=item.versioncreated is not None,
    )


def stamp(item: NewsItem, now: datetime) -> NewsItem:
    """A first version as stored: times filled in where the source gave none."""
    if item.versioncreated is not None and item.firstcreated is not None:
        return item
    versioncreated = item.versioncreated or now
    return msgspec.structs.replace(
        item,
        versioncreated=versioncreated,
        firstcreated=item.firstcreated or versioncreated,
    )


def successor(item: NewsItem, latest: NewsItem, now: datetime, dated: bool = True) -> NewsItem:
    """``item`` as the version that follows ``latest`` (whose content it changes); ``dated``:
    its ``versioncreated`` is the source's, not a stamp of ``prepare``'s.

    The source's time is kept when the item carries a higher version number (the source
    numbers its versions), or when it is later, to the second, than the latest's: a
    source that sends no numbers (ninjs without ``version``, every Atom or RSS entry)
    dates each version, and its next update is compared with that date (``plan_batch``
    refuses one dated earlier). Otherwise the version is stamped ``now``, at least a
    second after ``latest``."""
    version = max(item.version, latest.version + 1)
    if version > MAX_VERSION:
        # Past it, the version could be neither restored from an export nor asked for
        # (nor stored at all by PostgreSQL, whose column is a 32-bit integer).
        raise Conflict(
            f"item {latest.id!r} is at version {latest.version}, the last a version may "
            "have: it can take no new version; publish a new item",
            field="version",
        )
    if (
        dated
        and item.versioncreated
        and (
            item.version > latest.version
            or latest.versioncreated is None
            or iso(item.versioncreated) > iso(latest.versioncreated)
        )
    ):
        made = item.versioncreated
    else:
        made = now
        if latest.versioncreated is not None and made <= latest.versioncreated:
            # Every format dates a version to the second, and an Atom or RSS reader tells
            # an entry's versions apart by id and updated time only (RFC 4287 4.1.1): an
            # update, a correction or a kill made in the second of the version it follows
            # would read as that version again, and never be shown.
            made = latest.versioncreated + timedelta(seconds=1)
    return msgspec.structs.replace(
        item,
        version=version,
        versioncreated=made,
        firstcreated=latest.firstcreated or item.firstcreated or now,
        # A withdrawal is no update: its publishing status says what it is (IPTC's
        # signals tell how the content changed).
        signal=None if item.pubstatus == "canceled" else item.signal or "update",
        replaces=latest.version,
    )


class BatchPlan:
    """What a batch of versions stores (``plan_batch``), in the columns of both backends:
    ``rows`` of ``versions`` (seq, id, version, language, headline, pubstatus,
    versioncreated, embargo_until, fingerprint, stored_at, data), the ``items`` pointers to
    the latest versions (id, latest_version, latest_seq, language, updated_at) and a
    receipt per item of the batch."""

    __slots__ = ("items", "ours", "receipts", "rows")

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.items: dict[str, Row] = {}
        self.receipts: list[Receipt] = []
        self.ours: list[int] = []
        """The receipts (by position) whose ``seq`` is one of the batch's own numbers."""

    def numbered(self, first: int) -> tuple[list[Row], list[Row], list[Receipt]]:
        """The rows, pointers and receipts of a plan numbered from 0, numbered from
        ``first`` instead (for a backend that takes its numbers once it knows how many)."""
        rows = [(first + offset, *rest) for offset, *rest in self.rows]
        items = [(i, v, first + offset, lang, at) for i, v, offset, lang, at in self.items.values()]
        receipts = list(self.receipts)
        for n in self.ours:
            receipts[n] = msgspec.structs.replace(receipts[n], seq=first + receipts[n].seq)
        return rows, items, receipts


def plan_batch(
    batch: list[Prepared],
    latest: dict[str, Row],
    now: datetime,
    same: Callable[[str, str], Row | None],
    first: int = 0,
) -> BatchPlan:
    """The versions a batch stores, by the rules of ``append`` (this module's docstring),
    numbered from ``first``: what every backend does with a batch before it writes it.

    ``latest`` is id -> (seq, version, fingerprint, data or item) of the latest stored
    version of the batch's items; ``same(id, fingerprint)`` the (seq, version) of the latest
    stored version of ``id`` with that content, or None (asked only when an item comes
    with a version number not above the latest one: a feed redelivering an older version).
    """
    plan = BatchPlan()
    latest = dict(latest)
    ours: set[str] = set()  # items whose latest version is one of this batch's
    stored_at = iso(now)
    for p in batch:
        previous = latest.get(p.id)
        if previous is not None:
            seq, version, latest_fp, latest_item = previous
            if latest_fp == p.fingerprint and p.version <= version:
                if p.id in ours:
                    plan.ours.append(len(plan.receipts))
                plan.receipts.append(Receipt(id=p.id, version=version, seq=seq, created=False))
                continue
            if isinstance(latest_item, bytes):
                latest_item = _DECODE(latest_item)
            if p.version <= version and _linked_alike(_DECODE(p.data), latest_item):
                # The item sent again as stored (two editors' simultaneous posts of the
                # same story, a resend): only the machine's story links differ, which
                # follow whatever else the store held when each copy was enriched.
                if p.id in ours:
                    plan.ours.append(len(plan.receipts))
                plan.receipts.append(Receipt(id=p.id, version=version, seq=seq, created=False))
                continue
            if p.version <= version:
                # A feed redelivering an older version: never let it become the latest.
                found = same(p.id, p.fingerprint)
                if found is not None:
                    plan.receipts.append(
                        Receipt(id=p.id, version=found[1], seq=found[0], created=False)
                    )
                    continue
                if (
                    p.dated
                    and p.versioncreated
                    and iso(latest_item.versioncreated) > p.versioncreated
                ):
                    raise Conflict(
                        f"this version of {p.id} (made {p.versioncreated}) is older than the "
                        f"stored version {version} (made {iso(latest_item.versioncreated)}): "
                        "not stored",
                        field="versionCreated",
                    )
            if latest_item.pubstatus == "canceled":
                if p.version <= version and _withdrawal_again(_DECODE(p.data), latest_item):
                    # The withdrawal itself taken in again (a mirror of a folder of kill
                    # notices, newswire's own output posted back): the item sent again as
                    # stored, as above, however little of it its format carried.
                    if p.id in ours:
                        plan.ours.append(len(plan.receipts))
                    plan.receipts.append(Receipt(id=p.id, version=version, seq=seq, created=False))
                    continue
                # A kill is final: a changed version (a feed still listing the story, a
                # desk's late edit) would publish again, to everyone who got the kill,
                # what it took back. The console refuses to edit it; so does every way in.
                raise Conflict(
                    f"item {p.id!r} is withdrawn (version {version}): it can be neither "
                    "updated nor corrected; publish a new item",
                    field="id",
                )
            new = _DECODE(p.data)
            if new.pubstatus != "canceled" and (new.type == "text") != (latest_item.type == "text"):
                # A story is not a picture: a version that makes one the other would drop
                # a picture's files (or send subscribers of pictures a story). A withdrawal
                # may come as a notice of any type: it is the item's end, not its content.
                raise Conflict(
                    f"item {p.id!r} is a {latest_item.type} item; a new version of it cannot"
                    f" be a {new.type} item: publish the {new.type} as a new item",
                    field="type",
                )
            stored = successor(new, latest_item, now, p.dated)
            p = p._replace(
                version=stored.version,
                versioncreated=iso(stored.versioncreated),
                data=_ENCODER.encode(stored),
            )
            latest[p.id] = (first + len(plan.rows), p.version, p.fingerprint, stored)
        else:
            latest[p.id] = (first + len(plan.rows), p.version, p.fingerprint, p.data)
        ours.add(p.id)
        seq = first + len(plan.rows)
        plan.rows.append((seq, *p[:8], stored_at, p.data))
        plan.items[p.id] = (p.id, p.version, seq, p.language, stored_at)
        kind: LogKind = "withdraw" if p.pubstatus == "canceled" else "update" if previous else "item"
        plan.ours.append(len(plan.receipts))
        plan.receipts.append(Receipt(id=p.id, version=p.version, seq=seq, created=True, kind=kind))
    return plan


class Leased(NamedTuple):
    """What ``Coordination.take_tokens`` gave: tokens, or how long until one is due."""

    granted: int
    wait: float
    """Seconds until the bucket holds a whole token again (0 when some were granted)."""


def take(
    tokens: float, at: float, size: int, want: int, now: float, period: float = 60.0
) -> tuple[float, Leased]:
    """A token bucket of ``size`` refilling ``size`` every ``period`` seconds, that held
    ``tokens`` at ``at``, refilled until ``now`` and up to ``want`` tokens taken from it:
    the tokens it holds then, and what was taken (``Coordination.take_tokens``; each
    backend reads and writes the bucket)."""
    rate = size / period
    # A clock that went back refills nothing; the bucket never holds more than its size
    # (a limit lowered since is applied at once). Rounded to a billionth: the token due
    # at an instant is there at that instant, whatever the sums' rounding (0.1 + 0.9).
    tokens = min(float(size), round(tokens + max(0.0, now - at) * rate, 9))
    granted = min(want, int(tokens))
    tokens -= granted
    return tokens, Leased(granted, 0.0 if granted else (1.0 - tokens) / rate)


def full_at(tokens: float, size: int, now: float, period: float = 60.0) -> float:
    """When a bucket holding ``tokens`` at ``now`` is full again, if nothing takes from
    it: from then on its row decides nothing (a bucket not found is a full one), and
    ``Coordination.forget_full_buckets`` removes it."""
    return now + max(0.0, size - tokens) * period / size


FORGET_BATCH = 1000
"""Buckets removed by one ``Coordination.forget_full_buckets`` (one short transaction)."""


LOG = "log"
"""What ``Watch.changed`` names when log entries (versions, lifts) were committed."""
ACCESS = "access"
"""What ``Watch.changed`` names when the access generation moved."""
NOTHING: frozenset[str] = frozenset()
EVERYTHING = frozenset({LOG, ACCESS})


class Watch(Protocol):
    """Tells cheaply whether anything was committed to the store since it last asked.

    ``changed()`` may be called every few milliseconds: it reads no table. It returns
    what was written (by any process, this one included) since the previous call: a set
    of ``LOG`` and ``ACCESS``; the caller then reads what it follows (the log, the access
    generation). Empty (false) means nothing was. A backend that cannot tell which says
    ``EVERYTHING``; it never leaves out something that changed. ``close()`` lets go of
    what it holds."""

    def changed(self) -> frozenset[str]: ...

    def close(self) -> None: ...


SECRET_BYTES = 32


class Coordination(Protocol):
    """What the processes and nodes sharing a store use to act as one server.

    Contract, for every backend:

    - ``generation(name)`` is a number that moves (never back) whenever what it names
      changes: ``access`` moves on every change to products, subscribers, API keys,
      accounts and sessions that may change what a caller may do (not on bookkeeping such
      as a key's last use). A process caching principals drops them when it moves.
      ``vocabulary`` moves on every change editors make to the authority file
      (``newswire.store.vocabulary``); a process holding the vocabulary reads it again.
    - ``take_tokens(who, size, want, period=60)`` takes up to ``want`` whole tokens
      from the bucket of ``who``, shared by every process: it holds at most ``size``
      tokens and refills continuously, ``size`` every ``period`` seconds (by default a
      minute: ``size`` is a rate a minute). It returns the tokens granted (0 to ``want``)
      and, when none, the seconds until one is due. Atomic: two processes never get the
      same token. ``now`` is the wall clock (``time.time()``), for every bucket alike.
      Asking for none (``want`` 0) only reads: it writes nothing, and makes no row for a
      bucket that has none (a bucket not found is full). Each row keeps when its bucket
      is full again.
    - ``forget_full_buckets(now, limit)`` removes up to ``limit`` buckets full again by
      ``now`` (their rows decide nothing: a bucket not found is a full one) and returns
      how many; by an index, however many rows the table holds. The server asks it every
      ``BUCKETS_SWEEP_SECONDS``, so the rows left by callers who never come back (made-up
      emails flooding a login form) do not pile up.
    - ``secret(name)`` is a random value of ``SECRET_BYTES`` bytes made the first time it
      is asked for and the same for every process and node ever after (two asking at once
      get the same one): what the deployment signs with (signed media URLs). It never
      leaves the server; ``newswire migrate`` copies it, so that what was signed stays
      valid on the copy.
    """

    def generation(self, name: str = "access") -> int: ...

    def secret(self, name: str) -> bytes: ...

    def take_tokens(
        self, who: str, size: int, want: int, now: float | None = None, period: float = 60.0
    ) -> Leased: ...

    def forget_full_buckets(self, now: float | None = None, limit: int = FORGET_BATCH) -> int: ...


class SearchDocuments(Protocol):
    """The search index's documents of versions, each as the analysis ``recipe`` made it.

    A cache of analysis, so that an index is built again (a new node, a lost index, a new
    engine) without analysing every item again. Never the truth: dropping them loses
    nothing. One document per (sequence number, recipe); keeping one again replaces it.
    """

    def get(self, seqs: list[int], recipe: str) -> dict[int, bytes]:
        """The documents kept for these versions that ``recipe`` made, by sequence number
        (versions without one are absent)."""
        ...

    def forget(self, seqs: list[int]) -> None:
        """Drop the documents of these versions, whatever made them (no longer
        searchable), in one transaction."""
        ...

    def kept(self, recipe: str) -> set[int]:
        """The sequence numbers of the versions with a document made by ``recipe``."""
        ...

    def keep(self, recipe: str, documents: Iterable[tuple[int, bytes]]) -> None:
        """Keep documents of versions (sequence number, bytes) made by ``recipe``, in one
        transaction."""
        ...


class Store(Protocol):
    """The store: item versions and the log (the methods here), and one attribute per
    other noun it keeps, each a Protocol of its own."""

    url: str

    def append(self, item: NewsItem) -> Receipt: ...

    def append_many(self, items: Iterable[NewsItem | Prepared]) -> list[Receipt]:
        """Append in one transaction: all are stored or, on error, none."""
        ...

    def get(self, item_id: str, version: int | None = None) -> Stored:
        """The latest version of ``item_id`` (or ``version``); ``NotFound`` naming it. The
        id as stored, or as a format wrote it where a URI is needed (``model.as_uri``)."""
        ...

    def get_many(self, item_ids: Iterable[str]) -> dict[str, Stored]:
        """The latest version of each of ``item_ids`` the store holds, by the id as asked
        (as ``get`` takes it); an id not stored is not in it. ``get`` of each, in one
        query or a few (bulk ingest asks for a chunk's items' previous versions at once)."""
        ...

    def versions(self, item_id: str) -> list[Stored]:
        """Every version of ``item_id``, oldest first; ``NotFound`` when there is none.
        The id as ``get`` takes it."""
        ...

    def since(self, after: int = 0, limit: int = 100) -> list[Stored]: ...

    def changes(self, after: int = 0, limit: int = 100) -> list[Change]:
        """The event log after ``after``: stored versions and embargo lifts, in seq order."""
        ...

    def lift_due(self, now: datetime | None = None) -> list[Change]:
        """Log the lift of every latest version whose embargo has ended; the new entries.

        The embargoes waiting are the latest versions stored under embargo, not withdrawn
        and not lifted yet, however they were written (an append, an import, a copy from
        another store). The store keeps them apart from every embargo ever set, so that
        this, ``next_embargo`` and ``embargoes_waiting`` cost what waits, never what the
        archive holds: the hub asks twice a second in every process."""
        ...

    def next_embargo(self) -> datetime | None:
        """When the next embargo still to be lifted ends (None: none is waiting)."""
        ...

    def embargoes_waiting(self) -> tuple[int, datetime | None]:
        """How many latest versions wait for the lift of their embargo, and when the first
        of them ends (None: none waits); ``/metrics`` asks at every scrape."""
        ...

    def withdraw(self, item_id: str, reason: str) -> Receipt:
        """Store a version of ``item_id`` that withdraws it (pubstatus canceled)."""
        ...

    def linking(
        self,
        item_id: str,
        *,
        type: str | None = None,
        before: int | None = None,
        limit: int = 20,
    ) -> list[Linking]:
        """The items whose **latest** version has an association to ``item_id`` (naming
        its id as stored, or as ``model.as_uri`` writes it), the most recently stored
        first (by their latest version's sequence number), at most ``limit``: those of
        ``type`` only when given (``text``: story threads), and only those whose latest
        version's number is below ``before`` when given (the next page: the last one's
        ``seq``). Each item once, with its first association to ``item_id``; never
        ``item_id`` itself.

        What each item's latest version says, whatever it is: one withdrawn (the
        withdrawal keeps the item's associations) or under embargo is listed, for the
        caller to judge what its reader may see (``access.entitlement.visible``); an
        item whose later version drops the association, or changes it, is listed as
        that version says from the moment it is stored. Kept by the store as versions
        are written, whichever way (append, import, ``newswire migrate``'s copy): one
        bounded read of an index, whatever the archive's size."""
        ...

    def latest(
        self, *, language: str | None = None, limit: int = 20, before: int | None = None
    ) -> list[Stored]:
        """The latest version of the most recently changed items, newest first (by their
        latest version's sequence number), at most ``limit``: only those whose latest
        version's number is below ``before`` when given (the next page: the last one's
        ``seq``), as ``linking`` pages."""
        ...

    def export(self) -> Iterator[Stored]:
        """Every version of every item, in sequence order."""
        ...

    def catalogue(self, *, by_item: bool = False) -> Iterator[Heading]:
        """Every version's heading, in sequence order, without reading the items;
        ``by_item``: each item's versions together, in version order (the items in the
        store's order of ids), so that a reader can decide item by item and keep nothing
        of the archive in memory."""
        ...

    def by_seq(self, seqs: list[int]) -> list[Stored]:
        """The versions stored with these sequence numbers, in sequence order."""
        ...

    def restore(self, records: Iterable[Stored]) -> RestoreReport: ...

    def count(self) -> tuple[int, int]:
        """(items, versions)."""
        ...

    def last_seq(self) -> int: ...

    @property
    def coordination(self) -> Coordination:
        """Generations and shared rate buckets (``Coordination``)."""
        ...

    @property
    def transfer(self) -> Transfer:
        """Whole tables in a form every backend reads and writes, for copying a whole
        deployment from one backend to another (``newswire.store.transfer``)."""
        ...

    @property
    def search_documents(self) -> SearchDocuments:
        """The search index's documents, kept to rebuild it (``SearchDocuments``)."""
        ...

    @property
    def products(self) -> Products:
        """The products (``newswire.store.access.Products``)."""
        ...

    @property
    def subscribers(self) -> Subscribers:
        """The subscribers (``newswire.store.access.Subscribers``)."""
        ...

    @property
    def keys(self) -> Keys:
        """The API keys (``newswire.store.access.Keys``)."""
        ...

    @property
    def usage(self) -> Usage:
        """The usage counters (``newswire.store.access.Usage``)."""
        ...

    @property
    def accounts(self) -> Accounts:
        """The accounts of people who log in (``newswire.store.access.Accounts``)."""
        ...

    @property
    def sessions(self) -> Sessions:
        """Their sessions (``newswire.store.access.Sessions``)."""
        ...

    @property
    def topics(self) -> Topics:
        """Their saved searches (``newswire.store.access.Topics``)."""
        ...

    @property
    def webhooks(self) -> Webhooks:
        """Webhook endpoints and their outbox (``newswire.store.webhooks.Webhooks``)."""
        ...

    @property
    def threads(self) -> Threads:
        """Items' signatures for story threads (``newswire.store.threads.Threads``)."""
        ...

    @property
    def vocabulary(self) -> Vocabulary:
        """The editors' changes to the authority file
        (``newswire.store.vocabulary.Vocabulary``)."""
        ...

    def index_hint(self) -> Path | None:
        """Where an index derived from this store (search) lives unless told otherwise.

        Beside the data when the store is a local file (``news.db`` -> ``news.db.search``),
        a path in the working folder when it is on a server, None (keep it in memory) when
        the store itself is in memory. Asking opens nothing.
        """
        ...

    def watch(self) -> Watch:
        """A new ``Watch`` of this store (each follower its own)."""
        ...

    def close(self) -> None: ...

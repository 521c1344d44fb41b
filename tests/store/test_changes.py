"""The store's event log: versions and embargo lifts, each with its own sequence number."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime, timedelta

import msgspec
import psycopg
import pytest

from newswire.errors import Conflict, NotFound
from newswire.model import NewsItem, Rendition
from newswire.store import open_store
from newswire.store.base import held, kind_of
from newswire.store.transfer import copy

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def _now() -> None:
    """``NOW`` is each test's own start: embargoes a few minutes ahead of it must still be
    ahead when the test appends them, however long after the module was imported the test
    runs (a loaded machine's suite reached these tests 20 minutes after collecting them,
    when NOW + 6 minutes was long past and nothing was held)."""
    global NOW
    NOW = datetime.now(UTC).replace(microsecond=0)


def item(uri: str, headline: str = "h", **fields) -> NewsItem:
    return NewsItem(id=uri, language="ar", headline=headline, body=["نص الخبر."], **fields)


def embargoed(uri: str, hours: float = 1, headline: str = "h") -> NewsItem:
    return item(uri, headline, embargo_until=NOW + timedelta(hours=hours))


def test_versions_are_logged_with_their_kind(store):
    a1 = store.append(item("urn:c:a"))
    a2 = store.append(item("urn:c:a", "changed"))
    gone = store.withdraw("urn:c:a", "legal")
    log = store.changes(0, 100)
    assert [(c.seq, c.kind, c.item.version) for c in log] == [
        (a1.seq, "item", 1), (a2.seq, "update", 2), (gone.seq, "withdraw", 3)
    ]
    assert not any(c.held for c in log)
    assert log[2].item.pubstatus == "canceled" and log[2].item.ednote == "legal"
    assert log[2].item.replaces == 2
    assert [kind_of(c.item) for c in log] == ["item", "update", "withdraw"]
    # Paging: after and limit.
    assert [c.seq for c in store.changes(a1.seq, 1)] == [a2.seq]
    assert store.changes(gone.seq, 10) == []


def test_a_lift_gets_a_new_sequence_number_past_every_version(store):
    held_receipt = store.append(embargoed("urn:c:held"))
    other = store.append(item("urn:c:other"))
    [entry] = [c for c in store.changes(0, 10) if c.item.id == "urn:c:held"]
    assert entry.held and entry.kind == "item"
    assert store.lift_due(NOW) == []  # not yet
    [lift] = store.lift_due(NOW + timedelta(hours=2))
    assert lift.kind == "embargo-lift" and not lift.held
    assert lift.item.id == "urn:c:held" and lift.item.version == 1
    assert lift.seq > other.seq > held_receipt.seq
    assert store.last_seq() == lift.seq
    # The log shows the lift after everything stored before it...
    assert [c.seq for c in store.changes(0, 10)] == [held_receipt.seq, other.seq, lift.seq]
    assert store.changes(other.seq, 10) == [lift]
    # ... and numbers go on past it: a sequence number is never reused.
    after = store.append(item("urn:c:after"))
    assert after.seq > lift.seq
    assert [c.kind for c in store.changes(other.seq, 10)] == ["embargo-lift", "item"]
    # A lift happens once.
    assert store.lift_due(NOW + timedelta(hours=3)) == []


def test_only_latest_versions_stored_under_embargo_and_not_withdrawn_are_lifted(store):
    store.append(embargoed("urn:c:v", headline="first"))
    second = store.append(embargoed("urn:c:v", headline="second"))  # still embargoed
    store.append(embargoed("urn:c:withdrawn"))
    store.withdraw("urn:c:withdrawn", "legal")
    store.append(item("urn:c:past", embargo_until=NOW - timedelta(hours=1)))  # not held
    store.append(embargoed("urn:c:later", hours=5))
    lifted = store.lift_due(NOW + timedelta(hours=2))
    assert [(c.item.id, c.item.version) for c in lifted] == [("urn:c:v", second.version)]
    assert lifted[0].item.headline == "second"
    past = [c for c in store.changes(0, 100) if c.item.id == "urn:c:past"]
    assert [c.held for c in past] == [False]
    [later] = store.lift_due(NOW + timedelta(hours=6))
    assert later.item.id == "urn:c:later"


def test_next_embargo(store):
    assert store.next_embargo() is None
    store.append(item("urn:c:free"))
    store.append(item("urn:c:past", embargo_until=NOW - timedelta(hours=1)))
    assert store.next_embargo() is None  # none stored under embargo
    store.append(embargoed("urn:c:two", hours=2))
    store.append(embargoed("urn:c:one", hours=1))
    store.append(embargoed("urn:c:gone", hours=0.5))
    store.withdraw("urn:c:gone", "legal")  # a withdrawn item is never lifted
    assert store.next_embargo() == NOW + timedelta(hours=1)
    store.lift_due(NOW + timedelta(hours=1))
    assert store.next_embargo() == NOW + timedelta(hours=2)
    store.lift_due(NOW + timedelta(hours=2))
    assert store.next_embargo() is None


def test_an_update_under_embargo_moves_the_next_embargo(store):
    store.append(embargoed("urn:c:moved", hours=1))
    store.append(embargoed("urn:c:moved", hours=3, headline="later"))
    assert store.next_embargo() == NOW + timedelta(hours=3)
    assert store.lift_due(NOW + timedelta(hours=2)) == []


def test_withdrawing_twice_or_an_unknown_item_is_refused(store):
    store.append(item("urn:c:w"))
    store.withdraw("urn:c:w", "legal")
    with pytest.raises(Conflict) as again:
        store.withdraw("urn:c:w", "again")
    assert again.value.status == 409 and again.value.field == "id"
    assert [v.item.version for v in store.versions("urn:c:w")] == [1, 2]
    with pytest.raises(NotFound) as unknown:
        store.withdraw("urn:c:nothing", "legal")
    assert unknown.value.status == 404


def test_a_withdrawn_item_is_neither_updated_nor_corrected(store):
    """A kill is final: a changed version of a withdrawn item (a feed still listing it, a
    late edit) is refused, naming ``id``, rather than publishing the story again."""
    store.append(item("urn:c:killed", "v1"))
    store.withdraw("urn:c:killed", "legal")
    for late in (item("urn:c:killed", "v3"), item("urn:c:killed", "v3", signal="correction")):
        with pytest.raises(Conflict, match="withdrawn") as refused:
            store.append(late)
        assert refused.value.status == 409 and refused.value.field == "id"
    assert [v.item.pubstatus for v in store.versions("urn:c:killed")] == ["usable", "canceled"]
    # a redelivered version already stored adds nothing and is no error
    again = store.append(item("urn:c:killed", "v1"))
    assert (again.version, again.created) == (1, False)


def test_a_story_never_becomes_a_picture_nor_a_picture_a_story(store):
    """A version that changes an item between a story and a picture (or a video) is
    refused, naming ``type``: a picture's files would be gone and its subscribers sent a
    story. Within the pictures' kinds, and for a withdrawal notice of any type, the rule
    does not stand in the way."""
    photo = NewsItem(
        id="urn:c:photo", type="picture", language="ar", headline="صورة",
        renditions=[Rendition(name="preview", href="https://cdn.example/p.jpg", content_type="image/jpeg")],
    )
    store.append(photo)
    with pytest.raises(Conflict, match="picture") as refused:
        store.append(item("urn:c:photo", "now a story"))
    assert refused.value.status == 409 and refused.value.field == "type"
    store.append(item("urn:c:story", "a story"))
    as_picture = msgspec.structs.replace(photo, id="urn:c:story")
    with pytest.raises(Conflict) as refused:
        store.append(as_picture)
    assert refused.value.field == "type"
    assert store.get("urn:c:photo").item.type == "picture" and store.get("urn:c:story").item.type == "text"
    assert [v.item.version for v in store.versions("urn:c:photo")] == [1]
    graphic = store.append(msgspec.structs.replace(photo, type="graphic", headline="رسم"))
    assert graphic.created and store.get("urn:c:photo").item.type == "graphic"
    notice = NewsItem(id="urn:c:photo", pubstatus="canceled", headline="سحب", body=["سحبت."])
    assert store.append(notice).created
    assert store.get("urn:c:photo").item.pubstatus == "canceled"


@pytest.mark.parametrize(
    "given,kept",
    [
        (datetime(2031, 5, 1, 12, 0, 0, 300_000, tzinfo=UTC), datetime(2031, 5, 1, 12, 0, 1)),
        (datetime(2031, 5, 1, 12, 0, 0, 1, tzinfo=UTC), datetime(2031, 5, 1, 12, 0, 1)),
        (datetime(2031, 5, 1, 12, 0, 59, 999_999, tzinfo=UTC), datetime(2031, 5, 1, 12, 1, 0)),
        (datetime(2031, 5, 1, 12, 0, 0, tzinfo=UTC), datetime(2031, 5, 1, 12, 0, 0)),
    ],
)
def test_embargoes_are_kept_to_the_second_rounded_up(store, given, kept):
    receipt = store.append(item("urn:c:round", embargo_until=given))
    stored = store.get("urn:c:round").item
    assert stored.embargo_until == kept.replace(tzinfo=UTC)
    [change] = store.changes(receipt.seq - 1, 1)
    assert change.held and store.next_embargo() == kept.replace(tzinfo=UTC)
    # Never lifted before its (rounded) time, lifted at it.
    assert store.lift_due(kept.replace(tzinfo=UTC) - timedelta(seconds=1)) == []
    assert len(store.lift_due(kept.replace(tzinfo=UTC))) == 1


def test_held_is_decided_to_the_second():
    version = item("urn:c:s", embargo_until=datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC))
    assert held(version, datetime(2030, 1, 1, 11, 59, 59, tzinfo=UTC))
    assert not held(version, datetime(2030, 1, 1, 12, 0, 0, 500_000, tzinfo=UTC))
    assert not held(msgspec.structs.replace(version, embargo_until=None), NOW)


def test_embargoes_waiting_are_counted(store):
    assert store.embargoes_waiting() == (0, None)
    store.append(item("urn:w:past", embargo_until=NOW - timedelta(hours=1)))  # not held
    store.append(embargoed("urn:w:two", hours=2))
    store.append(embargoed("urn:w:one", hours=1))
    store.append(embargoed("urn:w:gone", hours=0.5))
    store.withdraw("urn:w:gone", "legal")  # never lifted: not waiting
    assert store.embargoes_waiting() == (2, NOW + timedelta(hours=1))
    store.lift_due(NOW + timedelta(hours=1))
    assert store.embargoes_waiting() == (1, NOW + timedelta(hours=2))


def test_an_embargo_is_found_and_lifted_after_a_thousand_lifted_ones(store):
    """Embargoes lifted long ago are not what waits: the next one is found, counted and
    lifted on time behind a thousand of them."""
    store.append_many(embargoed(f"urn:old:{n}", hours=0.1) for n in range(1000))
    assert len(store.lift_due(NOW + timedelta(hours=0.2))) == 1000
    assert store.next_embargo() is None and store.embargoes_waiting() == (0, None)
    waiting = store.append(embargoed("urn:new:1", hours=1))
    assert store.next_embargo() == NOW + timedelta(hours=1)
    assert store.embargoes_waiting() == (1, NOW + timedelta(hours=1))
    assert store.lift_due(NOW + timedelta(hours=0.5)) == []
    [lift] = store.lift_due(NOW + timedelta(hours=1))
    assert (lift.kind, lift.item.id, lift.seq) == ("embargo-lift", "urn:new:1", waiting.seq + 1)
    assert store.next_embargo() is None and store.embargoes_waiting() == (0, None)


def test_a_superseded_embargoed_version_does_not_block(store):
    """A version replaced under its embargo is never lifted (``lift_due`` lifts latest
    versions): neither its time nor its count stands in front of the embargoes waiting."""
    store.append(embargoed("urn:s:freed", hours=1))
    store.append(item("urn:s:freed", "out now"))  # the embargo taken off
    store.append(embargoed("urn:s:killed", hours=1.5))
    store.withdraw("urn:s:killed", "legal")
    store.append(embargoed("urn:s:moved", hours=0.5))
    store.append(embargoed("urn:s:moved", hours=3, headline="later"))
    store.append(embargoed("urn:s:next", hours=2))
    assert store.next_embargo() == NOW + timedelta(hours=2)
    assert store.embargoes_waiting() == (2, NOW + timedelta(hours=2))
    assert store.lift_due(NOW + timedelta(hours=1.9)) == []
    assert [c.item.id for c in store.lift_due(NOW + timedelta(hours=2))] == ["urn:s:next"]
    assert store.next_embargo() == NOW + timedelta(hours=3)
    [moved] = store.lift_due(NOW + timedelta(hours=3))
    assert (moved.item.id, moved.item.headline) == ("urn:s:moved", "later")
    assert store.next_embargo() is None and store.embargoes_waiting() == (0, None)


def _archive(store) -> None:
    """An embargo lifted, one replaced under it, one withdrawn, and one waiting (2 h)."""
    store.append(embargoed("urn:a:lifted", hours=0.1))
    store.lift_due(NOW + timedelta(hours=0.2))
    store.append(embargoed("urn:a:moved", hours=0.5))
    store.append(embargoed("urn:a:moved", hours=4, headline="later"))
    store.append(embargoed("urn:a:killed", hours=1))
    store.withdraw("urn:a:killed", "legal")
    store.append(embargoed("urn:a:waiting", hours=2))


@pytest.mark.parametrize("how", ["import", "migrate"])
def test_an_embargo_waiting_in_a_copy_is_lifted(store, make_store_url, how):
    """An export imported elsewhere (``newswire import``) or a store copied table by table
    (``newswire migrate``) waits for the same embargoes and lifts each on time. An export
    carries versions, not lifts: there the embargo lifted in the source waits again, and is
    lifted at the first look, as the time it ended has passed."""
    _archive(store)
    copy_of = open_store(make_store_url())
    try:
        if how == "import":
            copy_of.restore(store.export())
        else:
            copy(store.transfer, copy_of.transfer)
        if how == "import":
            assert copy_of.embargoes_waiting() == (3, NOW + timedelta(hours=0.1))
            [again] = copy_of.lift_due(NOW + timedelta(hours=0.2))
            assert again.item.id == "urn:a:lifted"
        assert copy_of.embargoes_waiting() == (2, NOW + timedelta(hours=2))
        assert copy_of.next_embargo() == NOW + timedelta(hours=2)
        assert copy_of.lift_due(NOW + timedelta(hours=1.5)) == []
        assert [c.item.id for c in copy_of.lift_due(NOW + timedelta(hours=2))] == ["urn:a:waiting"]
        [moved] = copy_of.lift_due(NOW + timedelta(hours=4))
        assert (moved.item.id, moved.item.headline) == ("urn:a:moved", "later")
        assert copy_of.next_embargo() is None
    finally:
        copy_of.close()


UNDO_EMBARGOES = {
    # What the migration that made the table of embargoes waiting made (SQLite 18,
    # PostgreSQL 16), undone: the database as the release before left it.
    "sqlite": [
        *(
            f"DROP TRIGGER {name}"
            for name in (
                "items_insert_embargo", "items_update_embargo", "items_delete_embargo",
                "lifts_insert_embargo",
            )
        ),
        "DROP TABLE embargoes",
        "DELETE FROM schema_migrations WHERE number = 18",
    ],
    "postgres": [
        "DROP TABLE embargoes",
        *(
            f"DROP FUNCTION {name}() CASCADE"
            for name in (
                "embargoes_items_added", "embargoes_items_moved", "embargoes_items_removed",
                "embargoes_lifted",
            )
        ),
        "DELETE FROM schema_migrations WHERE number = 16",
    ],
}  # fmt: skip


def test_the_migration_finds_the_embargoes_already_waiting(store_backend, store_url):
    store = open_store(store_url)
    _archive(store)
    store.close()
    if store_backend == "sqlite":
        with contextlib.closing(sqlite3.connect(store_url.split("///", 1)[1])) as db, db:
            for statement in UNDO_EMBARGOES["sqlite"]:
                db.execute(statement)
    else:
        with psycopg.connect(store_url, autocommit=True) as conn:
            for statement in UNDO_EMBARGOES["postgres"]:
                conn.execute(statement)
    store = open_store(store_url)
    try:
        assert store.embargoes_waiting() == (2, NOW + timedelta(hours=2))
        assert store.lift_due(NOW + timedelta(hours=1.5)) == []
        assert [c.item.id for c in store.lift_due(NOW + timedelta(hours=2))] == ["urn:a:waiting"]
        [moved] = store.lift_due(NOW + timedelta(hours=4))
        assert (moved.item.id, moved.item.headline) == ("urn:a:moved", "later")
    finally:
        store.close()

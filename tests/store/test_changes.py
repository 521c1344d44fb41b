"""The store's event log: versions and embargo lifts, each with its own sequence number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from newswire.errors import Conflict, NotFound
from newswire.model import NewsItem
from newswire.store.base import held, kind_of

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


def test_embargoes_waiting_are_counted_from_a_time_on(store):
    assert store.embargoes_waiting(NOW) == (0, None)
    store.append(item("urn:w:past", embargo_until=NOW - timedelta(hours=1)))  # not held
    store.append(embargoed("urn:w:two", hours=2))
    store.append(embargoed("urn:w:one", hours=1))
    store.append(embargoed("urn:w:gone", hours=0.5))
    store.withdraw("urn:w:gone", "legal")  # never lifted: not waiting
    assert store.embargoes_waiting(NOW) == (2, NOW + timedelta(hours=1))
    # From a later time on: only those ending then or after (the caller knows none earlier).
    assert store.embargoes_waiting(NOW + timedelta(hours=1.5)) == (1, NOW + timedelta(hours=2))
    store.lift_due(NOW + timedelta(hours=1))
    assert store.embargoes_waiting(NOW) == (1, NOW + timedelta(hours=2))

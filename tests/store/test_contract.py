"""The store contract, run against every backend."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import msgspec
import pytest

from newswire.errors import Conflict, NotFound
from newswire.model import MACHINE, Association, Dateline, NewsItem, from_json, to_json
from newswire.store import Receipt, Stored, open_store
from tests.items import arabic_item
from tests.test_model_media import BEFORE, picture


def item(n: int = 1, **changes) -> NewsItem:
    base = NewsItem(
        id=f"urn:test:item:{n}",
        language="ar",
        headline=f"عنوان الخبر {n}",
        body=[f"الفقرة الأولى {n}", "الفقرة الثانية"],
    )
    return msgspec.structs.replace(base, **changes)


def test_first_version_gets_sequence_and_times(store):
    receipt = store.append(item())
    assert (receipt.version, receipt.seq, receipt.created) == (1, 1, True)
    stored = store.get("urn:test:item:1")
    assert stored.seq == 1
    assert stored.item.versioncreated is not None
    assert stored.item.firstcreated == stored.item.versioncreated


def test_versions_stored_in_one_second_are_dated_apart(store):
    """A story, its update and its correction sent by a desk in one second (one batch here:
    the same instant for certain), then killed: every format dates a version to the
    second, and a feed reader tells an entry's versions apart by id and updated time, so
    each must be later than the one before or the reader shows the first one for ever."""
    store.append_many(
        [
            item(headline="v1"),
            item(headline="v2"),
            item(headline="v3", signal="correction", ednote="Corrects the headline."),
        ]
    )
    store.withdraw("urn:test:item:1", reason="legal")
    times = [s.item.versioncreated for s in store.versions("urn:test:item:1")]
    assert len(times) == 4 and all(t is not None for t in times)
    assert times == sorted(set(times)), times
    assert {s.item.firstcreated for s in store.versions("urn:test:item:1")} == {times[0]}


def test_same_content_twice_stores_nothing(store):
    first = store.append(item())
    again = store.append(item())
    assert again == msgspec.structs.replace(first, created=False)
    assert store.count() == (1, 1)
    assert store.last_seq() == 1


def test_same_item_linked_to_other_stories_stores_nothing(store):
    """Two editors post the same story at once: each copy is enriched against the store
    of its moment, so the machine's links to other stories differ. One version, and the
    second post is told it was already stored (a 200, never a second delivery)."""
    def linked(*ids: str) -> NewsItem:
        links = [Association(id=i, type="text", rel="nwrel:sameStory", creator=MACHINE)
                 for i in ids]
        return item(associations=links)

    first = store.append(linked("urn:test:item:8", "urn:test:item:2"))
    again = store.append(linked("urn:test:item:8", "urn:test:item:32"))
    assert again == msgspec.structs.replace(first, created=False)
    assert store.count() == (1, 1)
    # Links an editor gave are what the item says: changing them is a new version.
    own = store.append(item(associations=[Association(id="urn:test:item:5", type="text")]))
    assert (own.version, own.created) == (2, True)
    # So is a newer version enrichment makes on purpose (``newswire enrich``).
    newer = store.append(msgspec.structs.replace(linked("urn:test:item:9"), version=3))
    assert (newer.version, newer.created) == (3, True)


def test_changed_content_is_a_new_version_never_an_overwrite(store):
    store.append(item(headline="قبل"))
    receipt = store.append(item(headline="بعد"))
    assert (receipt.version, receipt.seq) == (2, 2)
    v1, v2 = store.versions("urn:test:item:1")
    assert v1.item.headline == "قبل" and v1.item.version == 1
    assert v2.item.headline == "بعد" and v2.item.signal == "update" and v2.item.replaces == 1
    assert v2.item.firstcreated == v1.item.firstcreated
    assert store.get("urn:test:item:1").item.headline == "بعد"
    assert store.get("urn:test:item:1", 1).item.headline == "قبل"


def test_a_correction_keeps_its_signal(store):
    store.append(item())
    store.append(item(headline="مصحح", signal="correction"))
    assert store.get("urn:test:item:1").item.signal == "correction"


def test_a_withdrawal_is_no_update(store):
    """A kill is said by its publishing status (IPTC ``stat:canceled``); stored with the
    ``update`` signal every other new version gets, each format labelled it an update too,
    and a receiving system acting on the signal published the notice as new text."""
    store.append(item())
    store.append(item(headline="بعد"))
    store.withdraw("urn:test:item:1", "خطأ في الأرقام")
    killed = store.get("urn:test:item:1").item
    assert (killed.pubstatus, killed.signal, killed.replaces) == ("canceled", None, 2)


@pytest.mark.parametrize("fmt", ["ninjs", "ninjs2", "newsml", "nitf", "rss", "atom"])
def test_a_withdrawal_read_back_from_a_format_is_no_new_version(store, fmt):
    """A withdrawal as newswire gives it out (in full, as the agency has it, or as the
    kill notice everyone else gets), read back from a format: the version stored, not a
    change of a withdrawn item, whatever the format drops (a feed entry the note, the
    dateline and the ids; a picture's kill in a feed has no enclosure; NITF writes a
    dateline with no text as its place). Anything it says that the withdrawal does not
    is a change, refused (``Conflict`` naming ``id``): the reason, the headline, the
    body, a keyword, a byline, a live status."""
    from newswire.formats import get
    from newswire.formats.html import html_from_paragraphs
    from newswire.formats.withdrawn import as_kill
    from newswire.ingest import parse_bytes

    paragraphs = ["نص الخبر من أنقرة."]  # as every way in stores a text: plain and HTML
    located = item(7, dateline=Dateline(place="أنقرة"), body=paragraphs,
                   body_html=html_from_paragraphs(paragraphs))
    story = arabic_item(version=1, embargo_until=None, signal=None, replaces=None, ednote="")
    photo = picture(renditions=picture().renditions[1:])  # a provider's picture: its URLs
    changes = [
        {"ednote": "سبب آخر"},
        {"headline": "عنوان آخر"},
        {"body": ["نص جديد."], "body_html": "<p>نص جديد.</p>"},
        {"keywords": ["كلمة جديدة"]},
        {"byline": "كاتب آخر"},
        {"pubstatus": "usable"},
    ]
    for original in (story, photo, located):
        store.append(original)
        store.withdraw(original.id, "خطأ في المصدر")
        stored = store.get(original.id)
        for shown in (stored.item, as_kill(stored.item)):
            read = parse_bytes(get(fmt).render(shown), fmt, max_bytes=10**7)[0]
            again = store.append(read)
            assert again == Receipt(id=original.id, version=2, seq=stored.seq, created=False)
            for change in changes:
                with pytest.raises(Conflict) as refused:
                    store.append(msgspec.structs.replace(read, **change))
                assert refused.value.field == "id", change
    assert store.count() == (3, 6)


def test_an_explicit_higher_version_is_kept(store):
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    store.append(item())
    receipt = store.append(item(version=5, headline="v5", versioncreated=when))
    assert receipt.version == 5
    assert store.get("urn:test:item:1").item.versioncreated == when


def test_sequence_is_global_and_increasing(store):
    seqs = [store.append(item(n)).seq for n in range(1, 6)]
    seqs.append(store.append(item(2, headline="تحديث")).seq)
    assert seqs == sorted(seqs) and len(set(seqs)) == 6
    assert [s.seq for s in store.since(0, 100)] == seqs
    assert [s.seq for s in store.since(3, 2)] == seqs[3:5]


def test_latest_lists_newest_first_and_filters_language(store):
    store.append(item(1))
    store.append(item(2, language="en", headline="English"))
    store.append(item(1, headline="محدث"))
    latest = store.latest(limit=10)
    assert [s.item.id for s in latest] == ["urn:test:item:1", "urn:test:item:2"]
    assert latest[0].item.version == 2
    assert [s.item.id for s in store.latest(language="en")] == ["urn:test:item:2"]


def test_latest_of_a_language_takes_its_regional_tags_in_any_case_and_no_other(store):
    """``ar`` lists ``ar-EG`` and ``AR``, not ``arn`` nor ``ar_x``; newest first, at most
    ``limit``, however the language's tags interleave with others."""
    tags = ["ar", "en", "ar-EG", "arn", "AR", "fr", "ar-eg", "ar_x", "ar", "en-GB"]
    for n, tag in enumerate(tags, 1):
        store.append(item(n, language=tag))
    store.append(item(1, headline="محدث"))  # item 1's latest version is the newest now
    ids = [s.item.id.rsplit(":", 1)[1] for s in store.latest(language="ar", limit=10)]
    assert ids == ["1", "9", "7", "5", "3"]
    assert [s.item.id.rsplit(":", 1)[1] for s in store.latest(language="AR", limit=2)] == ["1", "9"]
    assert [s.item.id.rsplit(":", 1)[1] for s in store.latest(language="en")] == ["10", "2"]
    assert store.latest(language="ar%") == [] and store.latest(language="de") == []


def test_latest_pages_below_a_cursor_in_any_language(store):
    """``before``: only the items whose latest version is below it, newest first, so that
    the next page starts where the last one's last item was (the public sections' paging)."""
    seqs = [store.append(item(n, language="en" if n % 3 == 0 else "ar")).seq for n in range(1, 8)]
    store.append(item(2, headline="محدث"))  # item 2 moves above every other
    ids = [s.item.id.rsplit(":", 1)[1] for s in store.latest(limit=3, before=seqs[5])]
    assert ids == ["5", "4", "3"]
    arabic = [s.item.id.rsplit(":", 1)[1] for s in store.latest(language="ar", before=seqs[4])]
    assert arabic == ["4", "1"]  # 2 is above the cursor now, 3 is English
    assert [s.item.id for s in store.latest(language="en", before=seqs[2])] == []
    assert store.latest(before=1) == []


def test_counts_of_items_and_versions_stay_right(store, make_store_url):
    """What ``/ready`` answers, kept as rows are written: new items, new versions, the
    same content again (nothing), a batch, a withdrawal, and a copy restored elsewhere."""
    assert store.count() == (0, 0)
    store.append(item(1))
    store.append(item(1, headline="محدث"))
    store.append(item(1, headline="محدث"))  # unchanged: no version
    store.append_many([item(n) for n in range(2, 5)])
    store.withdraw("urn:test:item:2", "خطأ")
    assert store.count() == (4, 6)
    other = open_store(make_store_url())
    try:
        other.restore(store.export())
        assert other.count() == (4, 6)
    finally:
        other.close()


def test_the_catalogue_by_item_gives_each_items_versions_together(store):
    """``catalogue(by_item=True)``: every heading of ``catalogue()``, each item's versions
    one after the other in version order, across more than one page of the store's."""
    store.append_many([item(n) for n in range(2600)])
    store.append_many([item(n, headline="نسخة ثانية") for n in range(2500)])
    in_order = list(store.catalogue())
    by_item = list(store.catalogue(by_item=True))
    assert sorted(by_item) == sorted(in_order) and len(by_item) == 5100
    ids = [h.id for h in by_item]
    runs = [i for n, i in enumerate(ids) if n == 0 or ids[n - 1] != i]
    assert len(runs) == len(set(ids)) == 2600  # each item's versions together
    for n in range(1, len(by_item)):
        if by_item[n].id == by_item[n - 1].id:
            assert by_item[n].version == by_item[n - 1].version + 1


def test_missing_item_and_version(store):
    store.append(item())
    with pytest.raises(NotFound):
        store.get("urn:test:nothing")
    with pytest.raises(NotFound):
        store.get("urn:test:item:1", 7)
    with pytest.raises(NotFound):
        store.versions("urn:test:nothing")


def test_get_many_is_get_of_each(store):
    """The latest version of each id asked for that is stored, by the id as asked (a
    format's URI of it too, ``model.as_uri``), each id once however often asked; the ids
    not stored (one holding a NUL among them) are left out."""
    from newswire.model import as_uri

    store.append_many([item(1), item(2), item(2, headline="v2"), item(3), item(4, id="NTB 4")])
    store.withdraw("urn:test:item:3", "legal")
    assert as_uri("NTB 4") != "NTB 4"
    asked = [
        "urn:test:item:2", "urn:test:nothing", "urn:test:item:1", "urn:test:item:2",
        "urn:test:item:3", "NTB 4", as_uri("NTB 4"), "urn:test:item:1\x00",
    ]  # fmt: skip
    found = store.get_many(asked)
    assert set(found) == {"urn:test:item:1", "urn:test:item:2", "urn:test:item:3", "NTB 4",
                          as_uri("NTB 4")}  # fmt: skip
    for item_id, stored in found.items():
        assert stored == store.get(item_id)
    assert found["urn:test:item:2"].item.headline == "v2"
    assert found["urn:test:item:3"].item.pubstatus == "canceled"
    assert store.get_many([]) == {}
    assert store.get_many(iter(["urn:test:nothing"])) == {}
    # More ids than one query takes at once (SQLite's parameters).
    many = [f"urn:test:item:{n}" for n in range(1, 1200)]
    assert set(store.get_many(many)) == {f"urn:test:item:{n}" for n in (1, 2, 3)}


def test_an_id_holding_a_nul_is_not_there(store):
    """No id stored holds a NUL (``validation.check_item``): looked up, such an id is not
    found, on PostgreSQL too, which cannot even compare a text holding one."""
    store.append(item())
    for asked in ("urn:test:item:1\x00", "urn:newswire:id:a%00"):  # as a format writes it
        with pytest.raises(NotFound) as latest:
            store.get(asked)
        assert latest.value.field == "id"
        with pytest.raises(NotFound) as version:
            store.get(asked, 1)
        assert version.value.field == "version"
        with pytest.raises(NotFound):
            store.versions(asked)
        with pytest.raises(NotFound):
            store.withdraw(asked, "legal")
        assert store.linking(asked) == []
    assert store.count() == (1, 1)


def test_append_many_is_all_or_nothing(store):
    store.append(item(1))

    with pytest.raises((AttributeError, TypeError)):  # the second "item" is not one
        store.append_many([item(2), "not an item"])  # type: ignore[list-item]
    assert store.count() == (1, 1)


def test_restore_reproduces_versions_and_skips_present_ones(store, make_store_url):
    store.append(item(1))
    store.append(item(1, headline="v2"))
    store.append(item(2))
    exported = list(store.export())
    other = open_store(make_store_url())
    try:
        report = other.restore(exported)
        assert (report.added, report.skipped, report.conflicts) == (3, 0, [])
        assert [s.item for s in other.export()] == [s.item for s in exported]
        again = other.restore(exported)
        assert (again.added, again.skipped) == (0, 3)
        assert other.count() == (2, 3)
        changed = Stored(
            seq=1,
            stored_at=exported[0].stored_at,
            item=msgspec.structs.replace(exported[0].item, headline="x"),
        )
        assert other.restore([changed]).conflicts == ["urn:test:item:1@1"]
        assert other.get("urn:test:item:1", 1).item.headline == exported[0].item.headline
    finally:
        other.close()


def test_concurrent_appends_get_distinct_sequences(store):
    def worker(k: int) -> None:
        for n in range(20):
            store.append(item(k * 100 + n))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = [s.seq for s in store.since(0, 1000)]
    assert len(seqs) == 80 and seqs == sorted(set(seqs))


def test_each_version_replaces_the_one_before(store):
    store.append(item())
    for n in range(2, 5):
        store.append(item(headline=f"نسخة {n}", replaces=1))
    assert [(s.item.version, s.item.replaces) for s in store.versions("urn:test:item:1")] == [
        (1, None),
        (2, 1),
        (3, 2),
        (4, 3),
    ]


def test_equal_values_from_any_source_are_the_same_content(store):
    store.append(item())
    parsed = "".join(["us", "able"])  # equal to the default, but another object
    assert store.append(item(pubstatus=parsed)).created is False


def test_a_language_lists_its_regional_variants(store):
    store.append(item(1, language="ar"))
    store.append(item(2, language="ar-EG"))
    store.append(item(3, language="arn"))  # another language that merely starts alike
    assert {s.item.id for s in store.latest(language="ar")} == {
        "urn:test:item:1",
        "urn:test:item:2",
    }
    assert [s.item.id for s in store.latest(language="ar-EG")] == ["urn:test:item:2"]


def test_a_redelivered_older_version_never_becomes_the_latest(store):
    t1, t3 = datetime(2025, 1, 1, 10, tzinfo=UTC), datetime(2025, 1, 1, 12, tzinfo=UTC)
    store.append(item(version=3, headline="v3", versioncreated=t3))
    with pytest.raises(Conflict, match="older"):
        store.append(item(version=1, headline="v1", versioncreated=t1))
    assert store.get("urn:test:item:1").item.headline == "v3"
    again = store.append(item(version=3, headline="v3", versioncreated=t3))
    assert (again.version, again.created) == (3, False)
    assert store.count() == (1, 1)


def test_redelivering_an_earlier_version_adds_nothing(store):
    store.append(item(headline="v1"))
    store.append(item(headline="v2"))
    redelivered = store.append(item(headline="v1"))
    assert (redelivered.version, redelivered.created) == (1, False)
    assert store.get("urn:test:item:1").item.headline == "v2"


def test_versions_dated_by_a_source_without_numbers_keep_their_times(store):
    """ninjs without ``version``, every Atom or RSS entry: the source numbers nothing and
    dates each version. Each keeps its time, so the next is compared with it; stamped with
    the store's clock instead, the third was refused as older than the second."""
    t10, t11, t12 = (datetime(2025, 1, 1, hour, tzinfo=UTC) for hour in (10, 11, 12))
    for when, text in ((t10, "v1"), (t11, "v2"), (t12, "v3")):
        receipt = store.append(item(headline=text, versioncreated=when))
        assert receipt.created, text
    versions = store.versions("urn:test:item:1")
    assert [(s.item.version, s.item.versioncreated) for s in versions] == [
        (1, t10), (2, t11), (3, t12)
    ]
    # One the source dated earlier than the latest still never becomes it.
    with pytest.raises(Conflict, match="older"):
        store.append(item(headline="late", versioncreated=t11))
    # One dated in the latest's second is stamped a second after it at least: a feed
    # reader tells an entry's versions apart by updated time.
    same_second = store.append(item(headline="v4", versioncreated=t12))
    assert same_second.version == 4
    assert store.get("urn:test:item:1").item.versioncreated > t12


def test_an_update_without_version_or_time_is_the_next_version(store):
    store.append(item(version=2, headline="v2", versioncreated=datetime(2025, 1, 1, tzinfo=UTC)))
    receipt = store.append(item(headline="a text file, edited"))
    assert (receipt.version, receipt.created) == (3, True)


def test_an_item_at_the_last_version_number_takes_no_new_version(store, make_store_url):
    """A source may number a version up to 2**31 - 1; its update (or its withdrawal) was
    numbered one past it and stored by SQLite, and the export of that store could not be
    imported again (its check refuses the version), nor the version asked for. Refused,
    naming the version, with nothing stored; the same item again is no change."""
    last = 2**31 - 1
    store.append(item(version=last))
    for change in (
        lambda: store.append(item(headline="an update")),
        lambda: store.withdraw("urn:test:item:1", reason="legal"),
    ):
        with pytest.raises(Conflict) as refused:
            change()
        assert refused.value.field == "version"
    assert store.append(item(version=last)).created is False
    assert [s.item.version for s in store.versions("urn:test:item:1")] == [last]
    other = open_store(make_store_url())
    try:  # what is stored can be restored
        assert other.restore(list(store.export())).added == 1
    finally:
        other.close()


def test_every_noun_of_the_contract_is_there_with_all_its_methods(store):
    """The store has each attribute ``Store`` declares, and each has every method its
    Protocol names: what the layers above may call on any backend."""
    from newswire.store import access, base, threads, transfer, vocabulary, webhooks

    modules = (base, access, webhooks, transfer, threads, vocabulary)
    nouns = {
        name: attr.fget.__annotations__["return"]
        for name, attr in vars(base.Store).items()
        if isinstance(attr, property)
    }
    assert set(nouns) >= {"products", "keys", "webhooks", "search_documents", "coordination"}
    missing = {}
    for name, protocol_name in nouns.items():
        protocol = next(getattr(m, protocol_name) for m in modules if hasattr(m, protocol_name))
        wanted = {m for m in vars(protocol) if not m.startswith("_")}
        noun = getattr(store, name)
        if lacking := sorted(m for m in wanted if not callable(getattr(noun, m, None))):
            missing[name] = lacking
    assert missing == {}
    assert not hasattr(store, "access")  # the old catch-all is gone


def test_text_items_are_stored_as_before_and_media_items_keep_every_field(store):
    store.append(arabic_item())
    assert to_json(store.get(arabic_item().id).item) == BEFORE
    assert store.append(from_json(BEFORE)).created is False  # the same content, fingerprinted
    photo = picture(versioncreated=datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    store.append(photo)
    back = store.get(photo.id).item
    assert back == msgspec.structs.replace(photo, firstcreated=photo.versioncreated)
    assert back.renditions[0].blob == "ab" * 32

"""The authority file: the shipped starter vocabulary and the editors' changes over it,
on every store backend, seen by every process within its check interval."""

from __future__ import annotations

import msgspec
import pytest

from newswire.enrich.base import Term
from newswire.enrich.vocabulary import Vocabulary, check_term, starter
from newswire.errors import BadInput, Conflict, NotFound
from newswire.store import open_store
from newswire.store.vocabulary import Moved
from newswire.text.normalize import normalize
from tests.conftest import SEED


def names_of(term: Term) -> set[str]:
    return {normalize(n) for ns in term.names.values() for n in ns}


def test_the_starter_vocabulary_names_the_people_and_organisations_of_the_seed_story():
    by_id = {t.id: t for t in starter()}
    seed = normalize(SEED.read_text(encoding="utf-8"))
    for term_id in (
        "nwv:ibrahim-kalin",
        "nwv:mohammad-darwish",
        "nwv:hamas",
        "nwv:benjamin-netanyahu",
    ):
        term = by_id[term_id]
        assert any(name in seed for name in names_of(term)), term_id
    assert by_id["nwv:ibrahim-kalin"].kind == "person"
    assert by_id["nwv:hamas"].kind == "organisation"
    # The press's spellings, and the short forms marked as such (and among the names).
    netanyahu = by_id["nwv:benjamin-netanyahu"]
    assert {"نتنياهو", "نتانياهو"} <= set(netanyahu.short["ar"]) <= set(netanyahu.names["ar"])
    assert "قالن" in by_id["nwv:ibrahim-kalin"].short["ar"]
    assert by_id["nwv:ibrahim-kalin"].names["tr"][0] == "İbrahim Kalın"


def test_every_starter_entry_is_checked_unique_and_arabic_first():
    terms = starter()
    assert len(terms) >= 300
    assert len({t.id for t in terms}) == len(terms)
    for term in terms:
        assert check_term(term) == term, term.id
        assert term.kind in ("person", "organisation")
        assert next(iter(term.names)) == "ar" and term.name == term.names["ar"][0], term.id
    # A full name belongs to one entry of a kind: else the matcher could not tell them apart.
    seen: dict[tuple[str, str], str] = {}
    for term in terms:
        for name in names_of(term) - {normalize(n) for ns in term.short.values() for n in ns}:
            assert seen.setdefault((term.kind, name), term.id) == term.id, (name, term.id)


def test_without_a_store_the_vocabulary_is_the_starter_set_and_read_only():
    vocabulary = Vocabulary(None)
    assert vocabulary.version() == 0
    assert len(vocabulary.terms()) == len(starter())
    assert [t.id for t in vocabulary.find(search="نتانياهو")] == ["nwv:benjamin-netanyahu"]
    assert [t.id for t in vocabulary.find("person", "kalin")] == ["nwv:ibrahim-kalin"]
    with pytest.raises(BadInput) as raised:
        vocabulary.remove("nwv:hamas")
    assert raised.value.field == "db"


def test_editors_add_change_remove_and_merge_and_every_process_sees_it(store_url):
    editor_store, reader_store = open_store(store_url), open_store(store_url)
    try:
        editor = Vocabulary(editor_store)
        reader = Vocabulary(reader_store, check_every=0)  # another process, asking each time
        before = reader.version()
        shipped = len(reader.terms())

        added = editor.add(
            Term(
                id="",
                kind="person",
                name="سامي أبو زهري",
                names={"en": ["Sami Abu Zuhri"]},
                short={"ar": ["أبو زهري"]},
            )
        )
        assert added.id == "nwv:sami-abu-zuhri"
        assert added.names["ar"] == ["سامي أبو زهري", "أبو زهري"]
        assert reader.version() != before
        assert reader.get(added.id) == added and len(reader.terms()) == shipped + 1

        # A shipped entry changed, then removed: it stays removed.
        hamas = reader.get("nwv:hamas")
        editor.change(msgspec.structs.replace(hamas, names={**hamas.names, "de": ["Hamas"]}))
        assert reader.get("nwv:hamas").names["de"] == ["Hamas"]
        editor.remove("nwv:hamas")
        with pytest.raises(NotFound, match="removed"):
            reader.get("nwv:hamas")
        with pytest.raises(Conflict, match="organisation"):  # it comes back as what it was
            editor.add(Term(id="nwv:hamas", kind="person", name="حماس"))

        # Merge: the names move, the id is remembered, a chain ends at the last target.
        editor.add(Term(id="nwv:kalin-dup", kind="person", name="ابراهيم كالن اوغلو"))
        merged = editor.merge("nwv:kalin-dup", "nwv:ibrahim-kalin")
        assert "ابراهيم كالن اوغلو" in merged.names["ar"]
        editor.merge("nwv:ibrahim-kalin", added.id)
        assert reader.merges() == {"nwv:kalin-dup": added.id, "nwv:ibrahim-kalin": added.id}
        assert {"إبراهيم قالن", "ابراهيم كالن اوغلو"} <= set(reader.get(added.id).names["ar"])
        assert "nwv:ibrahim-kalin" not in {t.id for t in reader.terms()}
        assert [e.id for e in editor.edits()] == sorted(e.id for e in editor.edits())
        with pytest.raises(Conflict, match=f"lives on in {added.id}"):
            editor.add(Term(id="nwv:kalin-dup", kind="person", name="ابراهيم كالن اوغلو"))
    finally:
        editor_store.close()
        reader_store.close()


def test_a_reader_checks_the_store_at_most_once_an_interval(store_url):
    editor_store, reader_store = open_store(store_url), open_store(store_url)
    try:
        reader = Vocabulary(reader_store, check_every=3600)
        seen = reader.version()
        assert reader.get("nwv:fatah")  # built from the store as it is now
        Vocabulary(editor_store).remove("nwv:fatah")
        # Within the interval the reader holds what it built from: no query per item.
        assert reader.version() == seen and reader.get("nwv:fatah")
        assert Vocabulary(reader_store).version() != seen
    finally:
        editor_store.close()
        reader_store.close()


def test_a_change_is_checked_against_the_vocabulary_as_stored_not_as_last_read(store_url):
    """Two nodes changing the vocabulary at once: B's checks were made before A's write
    landed (here a view B read and would not read again for an hour: that interleaving,
    every time). B's add of the id A just took was told it was added and replaced A's
    entry, names and all; B's change of the entry A just removed brought it back."""
    a_store, b_store = open_store(store_url), open_store(store_url)
    try:
        a, b = Vocabulary(a_store), Vocabulary(b_store, check_every=3600)
        assert b.version() is not None and b.get("nwv:fatah")  # B's view, before A's writes
        mine = a.add(Term(id="", kind="person", name="Clash Person", names={"en": ["C. P. A"]}))
        with pytest.raises(Conflict) as raised:
            b.add(Term(id="", kind="person", name="Clash Person", names={"en": ["C. P. B"]}))
        assert raised.value.field == "name" and mine.id in raised.value.detail
        fresh = Vocabulary(a_store)
        assert fresh.get(mine.id) == mine

        fatah = a.remove("nwv:fatah")
        with pytest.raises(NotFound, match="removed"):
            b.change(msgspec.structs.replace(fatah, names={**fatah.names, "de": ["Fatah"]}))
        with pytest.raises(NotFound, match="removed"):
            Vocabulary(a_store).get("nwv:fatah")
    finally:
        a_store.close()
        b_store.close()


def test_names_added_to_an_entry_keep_what_another_editor_did_to_it_meanwhile(store_url):
    """``vocab change --variant`` adds to the entry as the store holds it when the change
    is made: read first (here B's view, read before A's changes landed) and changed after,
    two editors adding a name each at once kept one of them, and a name added as the entry
    took a merged entry's names put it back without them."""
    a_store, b_store = open_store(store_url), open_store(store_url)
    try:
        a, b = Vocabulary(a_store), Vocabulary(b_store, check_every=3600)
        assert b.get("nwv:hamas") and b.get("nwv:fatah")  # B's view, before A's changes
        hamas = a.get("nwv:hamas")
        a.change(msgspec.structs.replace(hamas, names={**hamas.names, "de": ["Hamas"]}))
        a.add(Term(id="nwv:hamas-dup", kind="organisation", name="حركة المقاومة حماس الثانية"))
        a.merge("nwv:hamas-dup", "nwv:hamas")

        def with_variant(term: Term) -> Term:
            return msgspec.structs.replace(term, names={**term.names, "fr": ["Le Hamas"]})

        b.amend("nwv:hamas", with_variant)
        now = Vocabulary(a_store).get("nwv:hamas")
        assert now.names["de"] == ["Hamas"] and now.names["fr"] == ["Le Hamas"]
        assert "حركة المقاومة حماس الثانية" in now.names["ar"]
    finally:
        a_store.close()
        b_store.close()


def test_the_store_refuses_a_write_checked_against_an_earlier_generation(store):
    seen = store.coordination.generation("vocabulary")
    store.vocabulary.put(Term(id="nwv:first", kind="person", name="First"), seen=seen)
    for write in (
        lambda: store.vocabulary.put(Term(id="nwv:first", kind="person", name="Other"), seen=seen),
        lambda: store.vocabulary.remove("nwv:first", seen=seen),
        lambda: store.vocabulary.merge(
            "nwv:first", Term(id="nwv:fatah", kind="organisation", name="فتح"), seen=seen
        ),
    ):
        with pytest.raises(Moved):
            write()
    assert [(e.id, e.status, e.term and e.term.name) for e in store.vocabulary.list()] == [
        ("nwv:first", "term", "First")
    ]


@pytest.mark.parametrize(
    ("term", "field"),
    [
        (Term(id="nwv:x", kind="event", name="x"), "kind"),
        (Term(id="nwv:x", kind="person", name="   "), "name"),
        (Term(id="nwv:x", kind="person", name="a\u202eb"), "name"),
        (Term(id="nwv:x", kind="person", name="a\x00b"), "name"),
        (Term(id="nwv:x", kind="person", name="x" * 121), "name"),
        (Term(id="nwv:x", kind="person", name="x", names={"arabic": ["y"]}), "names"),
        (Term(id="nwv:x", kind="person", name="x", names={"ar": [""]}), "names"),
        (Term(id="Hamas", kind="organisation", name="x"), "id"),
        (Term(id="nwv:x", kind="person", name="x", country="TR"), "country"),
        (Term(id="nwv:x", kind="place", name="x", country="ZZ"), "country"),  # no country
        (Term(id="nwv:x", kind="place", name="x", country="tr"), "country"),
        (Term(id="nwv:x", kind="place", name="x", latitude=91.0, longitude=0.0), "latitude"),
    ],
)
def test_a_bad_entry_is_refused_naming_its_field(term, field):
    with pytest.raises(BadInput) as raised:
        check_term(term)
    assert raised.value.field == field


def test_a_place_has_a_country_iso_3166_or_geonames_names() -> None:
    for country in ("PS", "TR", "XK"):  # Kosovo: GeoNames' code, not ISO's
        assert check_term(Term(id="nwv:x", kind="place", name="x", country=country)).country == country


def test_an_entry_added_under_a_name_taken_is_refused_unless_given_an_id(store):
    vocabulary = Vocabulary(store)
    with pytest.raises(Conflict, match="nwv:benjamin-netanyahu"):
        vocabulary.add(Term(id="", kind="person", name="بنيامين نتانياهو"))
    namesake = vocabulary.add(Term(id="nwv:another-netanyahu", kind="person", name="نتنياهو"))
    assert namesake.names == {"ar": ["نتنياهو"]}
    with pytest.raises(BadInput):
        vocabulary.merge("nwv:hamas", "nwv:another-netanyahu")  # not of one kind
    with pytest.raises(NotFound):
        vocabulary.merge("nwv:nobody", "nwv:hamas")


def test_a_change_keeps_the_entrys_kind(store):
    """Products and items name an entry's id as a person's or an organisation's (a
    product's ``entities`` or ``places``): a change to another kind is refused, as the
    CLI's ``vocab change``, which has no way to say one, never makes it."""
    vocabulary = Vocabulary(store)
    hamas = vocabulary.get("nwv:hamas")
    with pytest.raises(BadInput, match="nwv:hamas is an organisation") as refused:
        vocabulary.change(msgspec.structs.replace(hamas, kind="place"))
    assert refused.value.field == "kind"
    assert vocabulary.get("nwv:hamas") == hamas


def test_a_change_giving_an_entry_a_name_another_has_is_refused(store):
    """As ``add`` refuses an entry under a name another of its kind has, ``change``
    refuses to give an entry one: the matcher could not tell the two apart. What the entry
    had already (a namesake added with an id of its own) and short forms (a surname two
    people share) are not refused."""
    vocabulary = Vocabulary(store)
    fatah = vocabulary.get("nwv:fatah")
    for changed, field in (
        (msgspec.structs.replace(fatah, names={**fatah.names, "tr": ["Fetih", "HAMAS"]}), "names"),
        (msgspec.structs.replace(fatah, name="حماس"), "name"),
    ):
        with pytest.raises(Conflict, match="nwv:hamas \\(organisation\\) is named") as taken:
            vocabulary.change(changed)
        assert taken.value.field == field
    assert vocabulary.get("nwv:fatah") == fatah
    namesake = vocabulary.add(Term(id="nwv:another-netanyahu", kind="person", name="نتنياهو"))
    again = msgspec.structs.replace(namesake, names={**namesake.names, "en": ["Iddo Netanyahu"]},
                                    short={"ar": ["قالن"]})  # fmt: skip
    assert vocabulary.change(again).short == {"ar": ["قالن"]}


def test_an_id_is_made_from_the_name_shown_not_from_a_variant(store):
    """A name shown in English, its variant in ``names`` first: the id is the name's
    (``POST {"name": "Some Body", "names": {"en": ["Other"]}}`` was ``nwv:other``). An
    Arabic name shown still takes its English name's."""
    vocabulary = Vocabulary(store)
    body = vocabulary.add(Term(id="", kind="person", name="Some Body", names={"en": ["Other"]}))
    assert body.id == "nwv:some-body" and body.names == {"en": ["Some Body", "Other"]}
    zuhri = Term(id="", kind="person", name="سامي أبو زهري", names={"en": ["Sami Abu Zuhri"]})
    assert vocabulary.add(zuhri).id == "nwv:sami-abu-zuhri"


def test_an_id_keeps_the_latin_letters_that_have_no_decomposition(store):
    """Turkish ``ı`` (and ``ø``, ``ł``) carry their mark in their shape: the slug reads
    them as their bare letter, as a name typed is looked up (``Ali Yılmaz`` was
    ``nwv:ali-ylmaz``, and ``Işıl Kılıç`` a hash id)."""
    vocabulary = Vocabulary(store)
    assert vocabulary.add(Term(id="", kind="person", name="Ali Yılmaz")).id == "nwv:ali-yilmaz"
    assert vocabulary.add(Term(id="", kind="person", name="Işıl Kılıç")).id == "nwv:isil-kilic"
    assert vocabulary.add(Term(id="", kind="person", name="Lech Wałęsa")).id == "nwv:lech-walesa"


def test_an_entry_added_with_a_variant_another_has_is_refused(store):
    """With no id given, ``add`` refuses a variant another entry of the kind has, as it
    refuses its name shown (and as ``change`` refuses both); a short form may be shared,
    and a namesake is added with an id of its own."""
    vocabulary = Vocabulary(store)
    copy = Term(id="", kind="organisation", name="Hamas Movement", names={"en": ["Hamas Movement"],
                "ar": ["حركة حماس"]})  # fmt: skip
    with pytest.raises(Conflict, match="nwv:hamas \\(organisation\\) is named 'حركة حماس'") as taken:
        vocabulary.add(copy)
    assert taken.value.field == "names"
    # Compared as the matcher compares names: punctuation is a space to it.
    with pytest.raises(Conflict, match="nwv:hamas"):
        vocabulary.add(msgspec.structs.replace(copy, names={"ar": ["حركة-حماس"]}))
    assert vocabulary.find("organisation", "Hamas Movement") == []
    kalin = Term(id="", kind="person", name="Mehmet Kalin", names={"en": ["Mehmet Kalin", "Kalin"]},
                 short={"en": ["Kalin"]})  # fmt: skip
    assert vocabulary.add(kalin).id == "nwv:mehmet-kalin"
    assert vocabulary.add(msgspec.structs.replace(copy, id="nwv:hamas-movement")).id


def test_a_removed_entry_added_again_gets_its_id_back(store_url):
    """Items tagged with a removed entry match it again once an editor puts it back, by
    its id or by its name; a shipped one too, as what it was."""
    store = open_store(store_url)
    try:
        vocabulary = Vocabulary(store)
        yavas = Term(id="", kind="person", name="Mansur Yavaş", names={"tr": ["Mansur Yavaş"]})
        first = vocabulary.add(yavas)
        vocabulary.remove(first.id)
        assert vocabulary.add(yavas).id == first.id == "nwv:mansur-yavas"
        vocabulary.remove("nwv:hamas")
        back = vocabulary.add(Term(id="nwv:hamas", kind="organisation", name="حماس"))
        assert vocabulary.get("nwv:hamas") == back
        assert {e.id: e.status for e in vocabulary.edits()} == {
            "nwv:hamas": "term", "nwv:mansur-yavas": "term"
        }
    finally:
        store.close()


def test_a_removed_entry_added_again_by_any_of_its_names_gets_its_id_back(store_url):
    """An Arabic name makes no slug (its id would be a hash of it): the entry removed of
    the kind that one of the new entry's names names, normalised as names are, in any
    language, gives its id back, a shipped entry's as an editor's (kept in the store, so
    another process knows it)."""
    editor_store, other_store = open_store(store_url), open_store(store_url)
    try:
        editor = Vocabulary(editor_store)
        editor.remove("nwv:ibrahim-kalin")
        editor.remove("nwv:mohammad-darwish")
        khalbous = editor.add(
            Term(id="", kind="person", name="سليم خلبوص", names={"en": ["Slim Khalbous"]})
        )
        assert khalbous.id == "nwv:slim-khalbous"
        editor.remove(khalbous.id)
        assert editor_store.vocabulary.get(khalbous.id).term == khalbous  # kept, as it was

        other = Vocabulary(other_store)
        # Of another kind, a name is a namesake's: not given the person's id.
        assert other.add(Term(id="", kind="organisation", name="إبراهيم قالن")).id != (
            "nwv:ibrahim-kalin"
        )
        # A variant, normalised (no hamza), and a name in another language name it too.
        assert other.add(Term(id="", kind="person", name="ابراهيم قالن")).id == "nwv:ibrahim-kalin"
        assert other.add(Term(id="", kind="person", name="سليم خلبوص")).id == khalbous.id
        turkish = Term(id="", kind="person", name="Muhammed Derviş", names={"tr": ["Muhammed Derviş"]})
        assert other.add(turkish).id == "nwv:mohammad-darwish"  # not nwv:muhammed-dervis
        # Another entry sharing only a variant with a removed one is not that entry.
        turkish_ministry = other.add(Term(
            id="", kind="organisation", name="Turkish Foreign Ministry",
            names={"en": ["Turkish Foreign Ministry", "Foreign Ministry"]},
        ))
        other.remove(turkish_ministry.id)
        iraqi = other.add(Term(
            id="", kind="organisation", name="Iraqi Foreign Ministry",
            names={"en": ["Iraqi Foreign Ministry", "Foreign Ministry"]},
        ))
        assert iraqi.id == "nwv:iraqi-foreign-ministry"
        # A removed id comes back only as its kind: by its slug, or asked for with an id.
        group = other.add(Term(id="", kind="organisation", name="Jordan Hale Group"))
        other.remove(group.id)
        person = other.add(Term(id="", kind="person", name="Jordan Hale Group"))
        assert person.id not in (group.id, "") and person.kind == "person"
        with pytest.raises(Conflict):
            other.add(Term(id=group.id, kind="person", name="Jordan Hale"))
    finally:
        editor_store.close()
        other_store.close()

"""``newswire vocab``, run as an editor runs it, on every store backend."""

from __future__ import annotations

import json

import msgspec
import pytest

from newswire.enrich.vocabulary import Vocabulary
from newswire.store import open_store
from tests.helpers import newswire_here as newswire


@pytest.fixture
def db(tmp_path) -> str:
    """SQLite: these tests are about the commands' messages and checks; those taking
    ``store_url`` run on every backend."""
    return f"sqlite:///{tmp_path / 'cli.db'}"


def ok(*args: str, db: str) -> str:
    result = newswire(*args, db=db)
    assert result.returncode == 0, (args, result.stderr.decode())
    return result.stdout.decode()


def refused(*args: str, db: str, code: int = 1) -> str:
    result = newswire(*args, db=db)
    assert result.returncode == code, (args, result.stdout.decode(), result.stderr.decode())
    return result.stderr.decode()


def test_add_list_merge_remove_and_the_store_holds_it(store_url):
    db = store_url
    new_id = ok(
        "vocab",
        "add",
        "person",
        "سامي أبو زهري",
        "--short",
        "أبو زهري",
        "--name",
        "en=Sami Abu Zuhri",
        "--name",
        "tr=Sami Ebu Zuhri",
        db=db,
    ).strip()
    assert new_id == "nwv:sami-abu-zuhri"
    listed = [
        json.loads(line)
        for line in ok("vocab", "list", "--search", "زهري", "--json", db=db).splitlines()
    ]
    assert [t["id"] for t in listed] == [new_id]
    assert listed[0]["names"] == {
        "ar": ["سامي أبو زهري", "أبو زهري"],
        "en": ["Sami Abu Zuhri"],
        "tr": ["Sami Ebu Zuhri"],
    }
    assert listed[0]["short"] == {"ar": ["أبو زهري"]}

    # The shipped entries are listed with the editors' ones, by kind and search.
    table = ok("vocab", "list", "--kind", "person", "--search", "قالن", db=db)
    assert "nwv:ibrahim-kalin" in table and "إبراهيم قالن" in table
    assert "nwv:hamas" not in ok("vocab", "list", "--kind", "person", db=db)

    ok(
        "vocab",
        "change",
        new_id,
        "--variant",
        "سامى ابو زهرى",
        "--name",
        "fr=Sami Abou Zouhri",
        db=db,
    )
    refused("vocab", "merge", new_id, "nwv:hamas", db=db)  # a person is not an organisation
    ok("vocab", "add", "person", "سامي ابو زهري الناطق", "--id", "nwv:zuhri-dup", db=db)
    ok("vocab", "merge", "nwv:zuhri-dup", new_id, db=db)
    shown = json.loads(ok("vocab", "show", "nwv:zuhri-dup", db=db))
    assert shown["id"] == new_id and "سامي ابو زهري الناطق" in shown["names"]["ar"]
    assert "Sami Abou Zouhri" in shown["names"]["fr"]

    ok("vocab", "remove", "nwv:hamas", db=db)
    assert "nwv:hamas" not in ok("vocab", "list", "--kind", "organisation", db=db)

    store = open_store(db)
    try:
        vocabulary = Vocabulary(store)
        assert vocabulary.merges() == {"nwv:zuhri-dup": new_id}
        assert {e.id: e.status for e in vocabulary.edits()} == {
            "nwv:hamas": "removed",
            new_id: "term",
            "nwv:zuhri-dup": "merged",
        }
    finally:
        store.close()


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("add", "thing", "x"), 2, "kind is one of person, organisation, place"),
        (("add", "person", "   "), 2, "not blank"),
        (("add", "person", "a\u202eb"), 2, "bidi"),
        (("add", "person", "x", "--name", "english"), 2, "LANG=NAME"),
        (("add", "person", "x", "--lang", "Arabic"), 2, "--lang"),
        (("add", "person", "x", "--id", "Hamas"), 2, "is not a vocabulary id"),
        (("change", "nwv:hamas", "--name", "xx_yy=Foo"), 2, "LANG=NAME"),
        (("change", "nwv:hamas", "--shown", "a\u202eb"), 2, "bidi"),
        # A name's form is bad input whichever option gives it, for change as for add.
        (("change", "nwv:hamas", "--variant", "حماس\u200f"), 2, "bidi"),
        (("change", "nwv:hamas", "--variant", "   "), 2, "not blank"),
        (("change", "nwv:hamas", "--short", "x" * 121), 2, "at most 120"),
        (("change", "nwv:hamas", "--name", "en=  "), 2, "not blank"),
        (("change", "nwv:hamas"), 2, "nothing to change"),
        (("change", "nwv:hamas", "--lang", "en"), 2, "nothing to change"),
        (("add", "person", "x", "--variant", "a\u200fb"), 2, "bidi"),
        (("add", "person", "x", "--short", " "), 2, "not blank"),
        (("add", "person", "x", "--name", "en=" + "x" * 121), 2, "at most 120"),
        (("add", "organisation", "حماس"), 1, "nwv:hamas (organisation) is named"),
        (("add", "organisation", "x", "--id", "nwv:hamas"), 1, "never reused"),
        (("remove", "nwv:nobody"), 1, "no vocabulary entry 'nwv:nobody'"),
        (("merge", "nwv:hamas", "nwv:hamas"), 1, "not merged into itself"),
        (("merge", "nwv:hamas", "nwv:nobody"), 1, "target: no vocabulary entry 'nwv:nobody'"),
        (("merge", "nwv:nobody", "nwv:hamas"), 1, "id: no vocabulary entry 'nwv:nobody'"),
        (("merge", "nwv:ibrahim-kalin", "nwv:hamas"), 1, "is a person and nwv:hamas an organisation"),
        (("list", "--kind", "thing"), 2, "kind is one of"),
    ],
)
def test_a_bad_command_says_why_and_exits_non_zero(db, args, code, says):
    assert says in refused("vocab", *args, db=db, code=code)


def test_a_name_another_entry_has_is_refused_by_change_as_by_add(db):
    """``vocab add`` refuses an entry under a name another entry of its kind has (exit 1,
    naming that entry); ``vocab change`` refuses to give an entry one, in the same words."""
    open_store(db).close()  # the store made (``vocab change`` needs one)
    said = refused("vocab", "add", "organisation", "حماس", db=db)
    assert "nwv:hamas (organisation) is named 'حماس' already" in said
    said = refused("vocab", "add", "organisation", "Hamas Movement", "--variant", "حركة حماس",
                   db=db)  # fmt: skip
    assert "nwv:hamas (organisation) is named 'حركة حماس' already" in said
    for args, name in (
        (("--variant", "حماس"), "حماس"),
        (("--shown", "Hamas"), "Hamas"),
        (("--name", "fr=hamas"), "hamas"),
    ):
        said = refused("vocab", "change", "nwv:fatah", *args, db=db)
        assert f"nwv:hamas (organisation) is named {name!r} already" in said, said
    assert "amas" not in ok("vocab", "show", "nwv:fatah", db=db)


def test_change_needs_an_existing_store(tmp_path):
    said = refused(
        "vocab",
        "change",
        "nwv:hamas",
        "--variant",
        "x",
        db=f"sqlite:///{tmp_path / 'none.db'}",
        code=2,
    )
    assert "no database" in said


@pytest.mark.parametrize("args", [("list",), ("list", "--json"), ("show", "nwv:hamas")])
def test_a_command_that_only_reads_makes_no_database(tmp_path, args):
    """``vocab list`` and ``vocab show`` read: with no database they say so and exit 2,
    as every reader does, rather than leave an empty database behind."""
    where = tmp_path / "none.db"
    said = refused("vocab", *args, db=f"sqlite:///{where}", code=2)
    assert "no database" in said
    assert not where.exists()


def test_a_name_typed_without_its_diacritics_names_the_entry(db):
    """A product's ``--entity`` and ``vocab list --search`` fold case and Latin
    diacritics as one who types a Turkish name on an English keyboard writes it."""
    yavas = ok("vocab", "add", "person", "Mansur Yavaş", "--lang", "tr", db=db).strip()
    assert yavas in ok("vocab", "list", "--search", "mansur yavas", db=db)
    ok("product", "add", "ankara", "--access", "full", "--entity", "Mansur Yavas", db=db)
    product = json.loads(ok("product", "show", "ankara", db=db))
    assert product["entities"] == ["Mansur Yavas", yavas]


def test_an_entry_removed_and_added_again_keeps_its_id(db):
    first = ok("vocab", "add", "person", "Mansur Yavaş", "--lang", "tr", db=db).strip()
    ok("vocab", "remove", first, db=db)
    assert ok("vocab", "add", "person", "Mansur Yavaş", "--lang", "tr", db=db).strip() == first
    assert "nwv:mansur-yavas-2" not in ok("vocab", "list", "--search", "yavas", db=db)
    # By an Arabic name, which makes no slug: a shipped entry, and an editor's named in
    # English too.
    ok("vocab", "remove", "nwv:ibrahim-kalin", db=db)
    assert ok("vocab", "add", "person", "إبراهيم قالن", db=db).strip() == "nwv:ibrahim-kalin"
    khalbous = ok("vocab", "add", "person", "سليم خلبوص", "--name", "en=Slim Khalbous", db=db)
    ok("vocab", "remove", khalbous.strip(), db=db)
    assert ok("vocab", "add", "person", "سليم خلبوص", db=db) == khalbous == "nwv:slim-khalbous\n"


def test_items_tagged_with_a_merged_id_are_found_under_the_entry_it_went_into(db, tmp_path):
    """``vocab merge`` remembers the merged id "so that items tagged with it can be found":
    before ``enrich --all`` tags them again, a product or a search naming the entry finds
    the items carrying the old id, and a product or search naming the old id is taken as
    naming its entry (a product naming it is no longer refused as unknown)."""
    from newswire.access.products import Product, matches
    from newswire.enrich.pipeline import named_terms
    from newswire.model import NewsItem

    ok("vocab", "add", "organisation", "Borsa Istanbul", "--lang", "en", "--id", "nwv:borsa-ist", db=db)
    story = tmp_path / "story.txt"
    story.write_text(
        "Turkish shares rise\nBorsa Istanbul closed higher on Monday.\n\n"
        "Borsa Istanbul's main index rose two percent as banks led gains.\n"
    )
    [item_id] = ok("ingest", str(story), db=db).split()
    ok("product", "add", "before", "--access", "full", "--entity", "nwv:borsa-ist", db=db)
    ok("vocab", "add", "organisation", "Istanbul Stock Exchange", "--lang", "en", db=db)
    merged = newswire("vocab", "merge", "nwv:borsa-ist", "nwv:istanbul-stock-exchange", db=db)
    assert merged.returncode == 0, merged.stderr.decode()
    assert "product before names nwv:istanbul-stock-exchange too" in merged.stderr.decode()
    # A product defined before the merge takes what is tagged after it (the entry's id).
    before = msgspec.json.decode(ok("product", "show", "before", db=db), type=Product)
    assert before.entities == ["nwv:borsa-ist", "nwv:istanbul-stock-exchange"]
    later = tmp_path / "later.txt"
    later.write_text(
        "Borsa Istanbul ends week higher\nBorsa Istanbul rose again on Friday.\n\n"
        "Borsa Istanbul's main index closed the week up four percent.\n"
    )
    [later_id] = ok("ingest", str(later), db=db).split()
    for name, named in (("by-entry", "nwv:istanbul-stock-exchange"), ("by-old-id", "nwv:borsa-ist")):
        ok("product", "add", name, "--access", "full", "--entity", named, db=db)
        product = msgspec.json.decode(ok("product", "show", name, db=db), type=Product)
        assert {"nwv:borsa-ist", "nwv:istanbul-stock-exchange"} <= set(product.entities), name
    store = open_store(db)
    try:
        item: NewsItem = store.get(item_id).item
        assert "nwv:borsa-ist" in {e.id for e in item.entities}  # tagged before the merge
        assert matches(product, item)
        tagged = store.get(later_id).item
        assert "nwv:istanbul-stock-exchange" in {e.id for e in tagged.entities}
        assert matches(before, tagged) and matches(before, item)
        for named in ("nwv:istanbul-stock-exchange", "nwv:borsa-ist"):
            wanted = named_terms(store, named, ("organisation",))
            assert {"nwv:borsa-ist", "nwv:istanbul-stock-exchange"} <= wanted, named
    finally:
        store.close()
    refused("product", "add", "unknown", "--access", "full", "--entity", "nwv:nobody-at-all", db=db)


def test_a_merged_id_of_the_other_fields_kind_is_refused_as_its_entrys_id_is(db):
    """A product's ``--place`` naming a person's id is refused; so is the id of a person
    merged into another, which was taken as a place (its entry's ids with it)."""
    ok("vocab", "add", "person", "Old Name", "--lang", "en", db=db)
    ok("vocab", "add", "person", "New Name", "--lang", "en", db=db)
    ok("vocab", "merge", "nwv:old-name", "nwv:new-name", db=db)
    for named in ("nwv:new-name", "nwv:old-name"):
        said = refused("product", "add", "p", "--access", "full", "--place", named, db=db)
        assert "is a person (nwv:" in said and "entities (--entity)" in said, said
    assert "nwv:old-name" in ok("product", "add", "p", "--access", "full", "--entity",
                                "nwv:old-name", db=db) + ok("product", "show", "p", db=db)  # fmt: skip


def test_a_new_name_to_show_is_the_one_items_show(db):
    """``vocab change --shown`` (and a PUT naming another of its names) renames what items
    show: an item shows the first name of its language, where the new name went last."""
    from tests.enrich.test_seed import SEED

    [seed_id] = ok("ingest", str(SEED), db=db).split()

    def shown() -> str:
        store = open_store(db)
        try:
            people = store.get(seed_id).item.entities
        finally:
            store.close()
        return next(e.name for e in people if e.id == "nwv:mohammad-darwish")

    assert shown() == "محمد درويش"
    ok("vocab", "change", "nwv:mohammad-darwish", "--shown", "محمد حسن درويش", db=db)
    entry = json.loads(ok("vocab", "show", "nwv:mohammad-darwish", db=db))
    assert entry["name"] == "محمد حسن درويش" and entry["names"]["ar"][0] == "محمد حسن درويش"
    assert "محمد درويش" in entry["names"]["ar"]  # still a name it is found by
    result = newswire("enrich", "--all", db=db)
    assert result.returncode == 0 and "1 got a new version" in result.stderr.decode()
    assert shown() == "محمد حسن درويش"
    # Back to a name it had: first again.
    ok("vocab", "change", "nwv:mohammad-darwish", "--shown", "محمد درويش", db=db)
    assert json.loads(ok("vocab", "show", "nwv:mohammad-darwish", db=db))["names"]["ar"][0] == "محمد درويش"

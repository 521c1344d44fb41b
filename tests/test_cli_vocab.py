"""``newswire vocab``, run as an editor runs it, on every store backend."""

from __future__ import annotations

import json

import pytest

from newswire.enrich.vocabulary import Vocabulary
from newswire.store import open_store
from tests.helpers import newswire


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
        (("add", "person", "   "), 1, "not blank"),
        (("add", "person", "a\u202eb"), 1, "bidi"),
        (("add", "person", "x", "--name", "english"), 2, "LANG=NAME"),
        (("add", "person", "x", "--lang", "Arabic"), 2, "--lang"),
        (("add", "person", "x", "--id", "Hamas"), 1, "is not a vocabulary id"),
        (("add", "organisation", "حماس"), 1, "nwv:hamas (organisation) is named"),
        (("add", "organisation", "x", "--id", "nwv:hamas"), 1, "never reused"),
        (("remove", "nwv:nobody"), 1, "no vocabulary entry 'nwv:nobody'"),
        (("merge", "nwv:hamas", "nwv:hamas"), 1, "not merged into itself"),
        (("merge", "nwv:hamas", "nwv:nobody"), 1, "target: no vocabulary entry 'nwv:nobody'"),
        (("merge", "nwv:nobody", "nwv:hamas"), 1, "id: no vocabulary entry 'nwv:nobody'"),
        (("merge", "nwv:ibrahim-kalin", "nwv:hamas"), 1, "is a person and nwv:hamas an organisation"),
        (("list", "--kind", "thing"), 1, "kind is one of"),
    ],
)
def test_a_bad_command_says_why_and_exits_non_zero(db, args, code, says):
    assert says in refused("vocab", *args, db=db, code=code)


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

"""``newswire product``, ``subscriber`` and ``key``, run as an operator runs them."""

from __future__ import annotations

import json
import re

import pytest

from newswire.access.keys import hash_key
from newswire.store import open_store
from tests.helpers import make_key, newswire_on_terminal
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


def test_products_subscribers_and_a_read_key(store_url):
    db = store_url
    ok(
        "product",
        "add",
        "arabic-politics",
        "--access",
        "full",
        "--lang",
        "ar",
        "--subject",
        "medtop:11000000",
        "--urgency",
        "1-5",
        db=db,
    )
    ok("product", "add", "public-teasers", "--access", "teaser", "--early-embargo", db=db)
    ok("product", "add", "photos", "--access", "full", "--type", "picture", "--type", "graphic", db=db)
    assert json.loads(ok("product", "show", "photos", db=db))["types"] == ["picture", "graphic"]
    shown = json.loads(ok("product", "show", "arabic-politics", db=db))
    assert shown["languages"] == ["ar"] and shown["urgency_max"] == 5
    assert "arabic-politics" in ok("product", "list", db=db)
    ok(
        "subscriber",
        "add",
        "daily-news",
        "--product",
        "arabic-politics",
        "--product",
        "public-teasers",
        db=db,
    )
    out = ok("key", "create", "--subscriber", "daily-news", db=db)
    key = out.strip().splitlines()[-1]
    assert key.startswith("nw_")
    store = open_store(db)
    try:
        found = store.keys.by_hash(hash_key(key))
        assert found.scope == "read" and found.subscriber == "daily-news"
    finally:
        store.close()
    listed = ok("key", "list", db=db)
    assert found.id in listed and key not in listed
    subscriber = json.loads(ok("subscriber", "show", "daily-news", db=db))
    assert subscriber["products"] == ["arabic-politics", "public-teasers"]
    assert subscriber["keys"][0]["id"] == found.id and key not in json.dumps(subscriber)


def test_editor_and_operator_keys(db):
    desk = (
        ok("key", "create", "--scope", "publish", "--name", "DESK", db=db).strip().splitlines()[-1]
    )
    ops = ok("key", "create", "--scope", "admin", "--name", "OPS", db=db).strip().splitlines()[-1]
    assert desk != ops and desk.startswith("nw_") and ops.startswith("nw_")
    listed = ok("key", "list", db=db)
    assert "publish\tDESK" in listed and "admin\tOPS" in listed


def test_revoke_and_suspend(store_url):
    db = store_url
    ok("product", "add", "p", "--access", "full", db=db)
    ok("subscriber", "add", "s", "--product", "p", db=db)
    key = ok("key", "create", "--subscriber", "s", db=db).strip().splitlines()[-1]
    store = open_store(db)
    key_id = store.keys.by_hash(hash_key(key)).id
    store.close()
    ok("key", "revoke", key_id, db=db)
    assert "\t" in ok("key", "list", db=db).split(key_id)[1].splitlines()[0]  # a revoked time
    ok("subscriber", "suspend", "s", db=db)
    assert "suspended" in ok("subscriber", "list", db=db)
    ok("subscriber", "activate", "s", db=db)
    assert "active" in ok("subscriber", "list", db=db)


@pytest.mark.parametrize(
    "args,reason",
    [
        (["product", "add", "x", "--access", "everything"], "access"),
        (["product", "add", "x", "--access", "full", "--urgency", "5-2"], "urgency"),
        (["product", "add", "x", "--access", "full", "--subject", "medtop:99999999"], "subject"),
        (["product", "add", "bad name!", "--access", "full"], "name"),
        (["product", "add", "x", "--access", "full", "--type", "sound"], "types"),
        (["key", "create"], "subscriber"),
        (["key", "create", "--scope", "root", "--name", "x"], "scope"),
        (["key", "create", "--scope", "publish"], "--name"),
        (["key", "create", "--scope", "admin", "--subscriber", "s", "--name", "x"], "subscriber"),
        # A key's name is a line of `key list`: a newline would split its row in two, a
        # bidi control reorder it.
        (["key", "create", "--scope", "publish", "--name", "DESK\nB"], "U+000A"),
        (["key", "create", "--scope", "publish", "--name", "DE\u202eSK"], "U+202E"),
        (["key", "create", "--scope", "admin", "--name", "x" * 101], "at most 100"),
    ],
)
def test_bad_input_is_refused_with_the_reason(db, args, reason):
    result = newswire(*args, db=db)
    assert result.returncode == 2, result.stderr.decode()
    assert reason in result.stderr.decode()
    if args[:2] == ["key", "create"] and newswire("key", "list", db=db).returncode == 0:
        assert newswire("key", "list", db=db).stdout == b""  # nothing stored


def test_a_product_and_a_subscriber_are_changed_in_place(store_url):
    db = store_url
    ok("product", "add", "p", "--access", "full", "--lang", "en", db=db)
    ok("product", "add", "q", "--access", "teaser", db=db)
    ok("subscriber", "add", "s", "--product", "p", "--rate-limit", "50", db=db)
    ok("subscriber", "suspend", "s", db=db)
    ok("product", "change", "p", "--access", "teaser", "--lang", "ar", "--urgency", "1-3", db=db)
    shown = json.loads(ok("product", "show", "p", db=db))
    assert shown == {"name": "p", "access": "teaser", "languages": ["ar"], "urgency_max": 3}
    ok("subscriber", "change", "s", "--product", "q", "--format", "ninjs", db=db)
    shown = json.loads(ok("subscriber", "show", "s", db=db))
    assert shown["products"] == ["q"] and shown["formats"] == ["ninjs"]
    assert shown["status"] == "suspended" and "rate_limit" not in shown  # the default again
    ok("product", "remove", "p", db=db)  # no longer in use
    # Refused: exit 2 for what the command line says, 1 for what the database says.
    for args, code, reason in [
        (["product", "change", "q", "--access", "all"], 2, "access"),
        (["product", "change", "q", "--access", "full", "--lang", "xx-"], 2, "languages"),
        (["product", "change", "ghost", "--access", "full"], 1, "no product 'ghost'"),
        (["subscriber", "change", "s", "--product", "ghost"], 1, "no product 'ghost'"),
        (["subscriber", "change", "s", "--product", "q", "--rate-limit", "0"], 2, "rate_limit"),
        (["subscriber", "change", "ghost", "--product", "q"], 1, "no subscriber 'ghost'"),
    ]:
        result = newswire(*args, db=db)
        assert result.returncode == code and reason in result.stderr.decode(), args
    assert json.loads(ok("product", "show", "q", db=db))["access"] == "teaser"
    assert json.loads(ok("subscriber", "show", "s", db=db))["products"] == ["q"]


def test_missing_things_and_conflicts(db):
    ok("product", "add", "p", "--access", "full", db=db)
    dup = newswire("product", "add", "p", "--access", "teaser", db=db)
    assert dup.returncode == 1 and b"exists" in dup.stderr
    unknown = newswire("subscriber", "add", "s", "--product", "nothing", db=db)
    assert unknown.returncode == 1 and b"nothing" in unknown.stderr
    ok("subscriber", "add", "s", "--product", "p", db=db)
    in_use = newswire("product", "remove", "p", db=db)
    assert in_use.returncode == 1 and b"used by s" in in_use.stderr
    assert newswire("key", "revoke", "nope", db=db).returncode == 1
    assert newswire("key", "create", "--subscriber", "ghost", db=db).returncode == 1
    # A subscriber not there is said, not listed as one with no keys.
    listed = newswire("key", "list", "--subscriber", "ghost", db=db)
    assert listed.returncode == 1 and b"no subscriber 'ghost'" in listed.stderr


def test_lists_fit_an_80_column_terminal_and_stay_whole_when_piped(tmp_path):
    db = f"sqlite:///{tmp_path / 'lists.db'}"
    for args in (["product", "add", "daily-full-text", "--access", "full"],
                 ["subscriber", "add", "al-ahram-daily", "--product", "daily-full-text"],
                 ["account", "add", "editor@agency.example", "--scope", "publish"],
                 ["webhook", "add", "al-ahram-daily", URL]):
        assert newswire(*args, db=db).returncode == 0, args
    make_key(db, "--subscriber", "al-ahram-daily", "--name", "al-ahram-daily website")
    make_key(db, "--scope", "admin", "--name", "operations desk")
    piped = newswire("key", "list", db=db).stdout.decode().splitlines()
    revoked = piped[0].split("\t")[0]
    assert newswire("key", "revoke", revoked, db=db).returncode == 0
    piped = newswire("key", "list", db=db).stdout.decode().splitlines()
    assert [len(line.split("\t")) for line in piped] == [7, 7]
    created = next(line for line in piped if line.startswith(revoked)).split("\t")[4]
    assert TIME.fullmatch(created)  # as it was
    for command in (["key", "list"], ["account", "list"], ["webhook", "list"],
                    ["subscriber", "list"], ["product", "list"]):
        shown = newswire_on_terminal(*command, db=db)
        lines = shown.splitlines()
        assert "…" not in shown and all(len(line) <= 80 for line in lines), (command, shown)
        rows = [line.split("\t") for line in newswire(*command, db=db).stdout.decode().splitlines()]
        first = rows[0][0]
        assert any(line.startswith(first + " ") for line in lines), (command, shown)
        times = [cell for row in rows for cell in row if TIME.fullmatch(cell)]
        for time in times:  # each whole: its date, and its time on the line or the next
            dates = [each[:10] for each in times]
            assert shown.count(time[:10]) == dates.count(time[:10]), (command, shown)
            assert time[11:] in shown, (command, shown)
        assert len(times) == {"key": 3, "account": 1, "webhook": 1}.get(command[0], 0)
    shown = newswire_on_terminal("key", "list", db=db)
    assert "al-ahram-daily" in shown.split() and "operations" in shown.split()
    shown = newswire_on_terminal("webhook", "list", db=db, columns=200)
    assert URL in shown and f"{created[:10]} " in shown  # wide: one line, date and time


URL = "https://cms.al-ahram.example/hooks/newswire"
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ")


def test_product_list_shows_every_filter_of_a_product(db):
    """A product filtering on places, people and organisations, sources, genres or types
    was listed with none of them, as if it took every item."""
    ok("product", "add", "gaza-desk", "--access", "full", "--place", "Gaza",
       "--entity", "حماس", "--entity", "Ibrahim Kalin", "--source", "AA", "--genre", "genre:Current", "--type", "text",
       db=db)
    ok("product", "add", "everything", "--access", "teaser", db=db)
    rows = {line.split("\t")[0]: line.split("\t") for line in ok("product", "list", db=db).splitlines()}
    assert rows["everything"][6:] == [""]  # one column more, after those there were
    filters = dict(pair.split("=", 1) for pair in rows["gaza-desk"][6].split("; "))
    assert set(filters["places"].split(",")) == {"Gaza", "https://sws.geonames.org/281133/"}
    assert set(filters["entities"].split(",")) == {
        "حماس", "nwv:hamas", "Ibrahim Kalin", "nwv:ibrahim-kalin"
    }
    assert (filters["genres"], filters["sources"], filters["types"]) == ("genre:Current", "AA", "text")
    shown = newswire_on_terminal("product", "list", db=db)
    assert "…" not in shown and all(len(line) <= 80 for line in shown.splitlines()), shown
    assert "Gaza" in shown and "nwv:hamas" in shown.replace("\n", "").replace(" ", ""), shown

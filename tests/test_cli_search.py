"""``newswire search`` and ``newswire reindex`` as a user runs them (in this process, through
typer's runner: ``tests.helpers.newswire_here``), on a database of each backend filled by
``newswire ingest`` with the seed item and real Arabic articles."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from newswire.search.index import SearchIndex
from newswire.store import open_store
from tests.api.test_search_api import (
    SEED_HEADLINE,
    article,
    ids,
    ninjs,
    publish,
    ready,
    search,
)
from tests.conftest import SEED
from tests.helpers import Server, make_key, node_env, retry_until, search_index
from tests.helpers import newswire_here as newswire


@pytest.fixture(scope="module")
def wire(module_store_url, tmp_path_factory) -> dict:
    """A database with four items (the seed, three articles as ninjs files) and a
    teaser-only subscriber ``web``; the index is left for ``newswire search`` to build."""
    folder = tmp_path_factory.mktemp("cli-search")
    db = module_store_url
    items = {name: article(name) for name in ("iran", "allowance", "gaza")}
    files = []
    for name, item in items.items():
        files.append(folder / f"{name}.json")
        files[-1].write_bytes(ninjs(item))
    stored = run("ingest", str(SEED), *map(str, files), db=db)
    stored_ids = stored.stdout.split()
    assert len(stored_ids) == 4, stored.stdout
    assert not search_index(db).exists()
    run("product", "add", "ar-teaser", "--access", "teaser", "--lang", "ar", db=db)
    run("subscriber", "add", "web", "--product", "ar-teaser", db=db)
    seed_id = next(i for i in stored_ids if not i.startswith("urn:search:"))
    return {
        "db": db,
        "index": search_index(db),
        "items": items,
        "seed": seed_id,
        "folder": folder,
    }


class Result:
    def __init__(self, completed):
        self.code = completed.returncode
        self.stdout = completed.stdout.decode()
        self.stderr = completed.stderr.decode()


def run(*args: str, db: str, code: int | None = 0) -> Result:
    """``newswire ARGS --db DB``; its exit code checked unless ``code`` is None."""
    result = Result(newswire(*args, "--db", db, env=node_env(db)))
    if code is not None:
        assert result.code == code, (args, result.code, result.stderr)
    return result


def search_json(wire: dict, q: str, *args: str) -> dict:
    return json.loads(run("search", q, "--json", *args, db=wire["db"]).stdout)


@pytest.mark.any_store
def test_search_prints_the_matching_headlines(wire):
    items = wire["items"]
    result = run("search", "المساعدات", db=wire["db"])
    for headline in (SEED_HEADLINE, items["iran"].headline, items["allowance"].headline):
        assert headline in result.stdout, headline
    assert items["gaza"].headline not in result.stdout
    assert "3 items" in result.stderr
    assert wire["index"].is_dir()


def test_search_json_is_what_the_api_answers(wire):
    body = search_json(wire, "المساعدات")
    assert body["total"] >= 1 and body["total"] == len(body["hits"]) == 3
    assert {h["id"] for h in body["hits"]} == {
        wire["seed"],
        "urn:search:iran",
        "urn:search:allowance",
    }
    assert all(h["access"] == "full" for h in body["hits"])
    allowance = next(h for h in body["hits"] if h["id"] == "urn:search:allowance")
    assert "<mark>بالمساعدات</mark>" in allowance["snippet"]
    assert body["facets"]["language"] == {"ar": 3}


def test_reindex_says_how_many_items_it_indexed(wire):
    result = run("reindex", db=wire["db"])
    found = re.search(r"indexed (\d+) items into (\S+)", result.stderr)
    assert found, result.stderr
    assert int(found.group(1)) == 4
    assert Path(found.group(2)) == wire["index"]


def test_a_deleted_index_is_rebuilt_by_search(wire):
    run("search", "غزة", db=wire["db"])
    shutil.rmtree(wire["index"])
    body = search_json(wire, "المساعدات")
    assert body["total"] == 3
    assert wire["index"].is_dir() and any(wire["index"].iterdir())
    assert run("reindex", db=wire["db"]).stderr.startswith("indexed 4 items")


def test_search_catches_up_with_items_stored_since(wire):
    assert search_json(wire, "باتريوت")["total"] == 0
    drone = article("drone")
    file = wire["folder"] / "drone.json"
    file.write_bytes(ninjs(drone))
    run("ingest", str(file), db=wire["db"])
    body = search_json(wire, "باتريوت")
    assert [h["id"] for h in body["hits"]] == [drone.id]


def test_a_query_with_no_words_fails_with_a_message(wire):
    result = run("search", "🙂", db=wire["db"], code=None)
    assert result.code != 0
    assert result.stderr.startswith("newswire:"), result.stderr
    assert "words" in result.stderr
    assert result.stdout == ""


def test_a_teaser_subscriber_finds_only_what_its_teaser_holds(wire):
    gaza = wire["items"]["gaza"]
    assert "منشقة" in gaza.body[-1] and "غارات" in gaza.headline
    as_web = ("--subscriber", "web")
    body = search_json(wire, "غارات", *as_web)
    assert [(h["id"], h["access"]) for h in body["hits"]] == [(gaza.id, "teaser")]
    assert "منشقة" not in body["hits"][0]["snippet"]
    assert search_json(wire, "منشقة", *as_web)["total"] == 0
    everything = search_json(wire, "منشقة")
    assert [(h["id"], h["access"]) for h in everything["hits"]] == [(gaza.id, "full")]


def test_a_bad_date_is_a_usage_error(wire):
    result = run("search", "غزة", "--from", "2025-13-01", db=wire["db"], code=2)
    assert result.stderr.startswith("newswire:") and "--from" in result.stderr


@pytest.mark.any_store
def test_the_type_filter(wire):
    assert search_json(wire, "غزة", "--type", "text")["total"] == search_json(wire, "غزة")["total"] > 0
    assert search_json(wire, "غزة", "--type", "picture")["total"] == 0
    result = run("search", "غزة", "--type", "sound", db=wire["db"], code=2)
    assert result.stderr.startswith("newswire:") and "type" in result.stderr


@pytest.mark.any_store
def test_filters_without_words_list_the_newest_and_entities_filter(wire):
    listed = json.loads(run("search", "--lang", "ar", "--json", db=wire["db"]).stdout)
    assert listed["sort"] == "newest" and listed["total"] >= 4  # and what other tests add
    assert {h["language"] for h in listed["hits"]} == {"ar"}
    times = [h["versioncreated"] for h in listed["hits"]]
    assert times == sorted(times, reverse=True)
    hamas = json.loads(run("search", "--entity", "حماس", "--json", db=wire["db"]).stdout)
    assert SEED_HEADLINE in {h["headline"] for h in hamas["hits"]}
    assert hamas["total"] < listed["total"]
    ankara = search_json(wire, "قالن", "--place", "Ankara")
    assert [h["headline"] for h in ankara["hits"]] == [SEED_HEADLINE]
    nothing = run("search", db=wire["db"], code=2)  # neither words nor a filter
    assert nothing.stderr.startswith("newswire:") and "filter" in nothing.stderr


@pytest.mark.any_store
def test_a_malformed_language_tag_is_a_usage_error(wire):
    """``xx-`` is no language: refused naming it, not searched for and found nowhere."""
    result = run("search", "غزة", "--lang", "xx-", db=wire["db"], code=2)
    assert result.stderr.startswith("newswire:") and "BCP 47" in result.stderr
    assert search_json(wire, "غزة", "--lang", "AR")["total"] == search_json(wire, "غزة")["total"]


@pytest.mark.any_store
def test_a_bad_sort_is_a_usage_error(wire):
    result = run("search", "غزة", "--sort", "best", db=wire["db"], code=None)
    assert result.stderr.startswith("newswire:") and "sort" in result.stderr
    assert result.code == 2


# --- the index shared with a server --------------------------------------------------------
# The process holding the index's writer beside the command or the server is this test
# process, through ``SearchIndex``: what ``newswire reindex`` or a starting server does.


def seeded(db: str) -> tuple[str, Path]:
    run("ingest", str(SEED), db=db)
    return db, search_index(db)


def test_a_server_started_during_a_reindex_indexes_once_it_is_done(make_module_store_url):
    db, path = seeded(make_module_store_url())
    store = open_store(db)
    reindexing = SearchIndex(path)
    reindexing.rebuild(store)  # holds the writer, as `newswire reindex` does while it runs
    key = make_key(db, "--scope", "publish", "--name", "DESK")
    server = Server(db)
    try:
        reindexing.close()
        store.close()
        with server.client(key) as desk:
            assert ready(desk)
            assert search(desk, "قالن")["total"] == 1
            drone = article("drone")
            publish(desk, drone)
            retry_until(lambda: drone.id in ids(search(desk, "باتريوت")), "it searchable")
    finally:
        server.close()


def test_search_leaves_alone_an_index_a_server_is_building(make_module_store_url):
    db, path = seeded(make_module_store_url())
    building = SearchIndex(path)  # a server's first start: the index made, its build under way
    try:
        assert building.writer() is not None
        sentinel = path / "being-built"
        sentinel.write_text("the server's folder")
        result = run("search", "غزة", db=db, code=None)
        assert result.code == 0 or result.stderr.startswith("newswire:"), result.stderr
        assert sentinel.exists(), "the folder of the index being built was deleted"
    finally:
        building.close()


@pytest.mark.any_store
def test_a_query_beginning_with_a_dash_is_the_query(wire):
    """``-غزة`` (an exclusion, or a dash an Arabic reader typed) is no option: it is taken
    as the query wherever it stands, as after ``--``, where click refused it (``No such
    option: -غ``). An ASCII word click refuses says to put ``--`` before the query."""
    plain = search_json(wire, "المساعدات -غزة")
    assert plain["total"] >= 1
    dashed = run("search", "-غزة المساعدات", "--json", db=wire["db"])
    db = wire["db"]
    after = newswire("search", "--json", "--db", db, "--", "-غزة المساعدات", env=node_env(db))
    assert after.returncode == 0, after.stderr.decode()
    for result in (dashed.stdout, after.stdout.decode()):
        assert json.loads(result)["hits"] == plain["hits"]
    # Only an exclusion: the query's own error, not click's.
    alone = run("search", "-غزة", "--lang", "ar", db=wire["db"], code=2)
    assert alone.stderr.startswith("newswire: q:"), alone.stderr
    assert "option" not in alone.stderr
    # A value beginning with a dash is still its option's.
    run("search", "--entity", "-غزة", "المساعدات", db=wire["db"])
    ascii_word = run("search", "-xyz aid", db=wire["db"], code=2)
    assert "No such option: -x" in ascii_word.stderr
    assert "newswire search -- '-xyz aid'" in ascii_word.stderr


@pytest.mark.any_store
def test_hits_and_errors_are_printed_as_written(wire):
    """Ids, headlines and the names an error echoes are data: an id ``urn:x:…`` was
    printed ``urn❌…`` (rich's emoji codes) and a subscriber named with ``[/]`` made
    the error message itself fail with rich's MarkupError (a traceback)."""
    path = wire["folder"] / "markup.json"
    path.write_text(
        json.dumps(
            {
                "uri": "urn:x:markup",
                "language": "ar",
                "headlines": [{"role": "main", "value": "[bold]زعفرانية[/bold] :x: [/]"}],
                "bodies": [
                    {"role": "main", "contentType": "text/plain", "value": "نص الزعفرانية."}
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    run("ingest", str(path), db=wire["db"])
    result = run("search", "زعفرانية", db=wire["db"])
    assert "urn:x:markup v1" in result.stdout, result.stdout
    assert "[bold]زعفرانية[/bold] :x: [/]" in result.stdout, result.stdout
    refused = run("search", "زعفرانية", "--subscriber", ":x: [/]", db=wire["db"], code=1)
    assert refused.stderr == "newswire: subscriber: no subscriber ':x: [/]'\n", refused.stderr

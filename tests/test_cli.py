"""The ``newswire`` command, run as a user runs it: in this process through typer's runner
(``newswire_here``, the same code from its options to its exit code), and in a process of
its own (``in_a_process``) where the process is what is tested: a server's start refused,
a pipe, ``/dev/stdin``."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
from contextlib import closing

import httpx
import pytest

from newswire import formats
from newswire.errors import BadInput
from newswire.settings import MAX_WORKERS_PER_CPU, workers_setting
from newswire.store import in_memory, open_store
from newswire.store.base import iso
from tests.bad_inputs import BAD_INPUTS
from tests.conftest import CORPUS_SAMPLE, SEED, STANDARDS
from tests.helpers import Server
from tests.helpers import newswire as in_a_process
from tests.helpers import newswire_here as newswire

HEADLINE = "رئيس الاستخبارات التركي يلتقي وفدا من حماس"


@pytest.fixture
def db(tmp_path) -> str:
    """SQLite: these tests are about the command itself (its output, errors, options).
    The tests taking ``store_url`` run on every backend: the commands that read and write
    the store, on each."""
    return f"sqlite:///{tmp_path / 'cli.db'}"


def ingest_seed(db: str) -> str:
    result = newswire("ingest", str(SEED), db=db)
    assert result.returncode == 0, result.stderr.decode()
    ids = result.stdout.decode().split()
    assert len(ids) == 1
    return ids[0]


def test_a_story_piped_into_dev_stdin_is_stored_whole(db):
    """A named file is read whatever it is: a pipe is not looked into for a picture's
    first bytes first, which took the seed's first 4,096 bytes from the parser."""
    result = in_a_process("ingest", "/dev/stdin", db=db, input=SEED.read_bytes())
    assert result.returncode == 0, result.stderr.decode()
    with closing(open_store(db)) as store:
        item = store.get(result.stdout.decode().strip()).item
    assert item.headline == SEED.read_text(encoding="utf-8").splitlines()[0].strip()
    assert item.body[-1] in SEED.read_text(encoding="utf-8")


def test_the_seed_item_as_ninjs(store_url):
    db = store_url
    item_id = ingest_seed(db)
    shown = newswire("show", item_id, "--format", "ninjs", db=db)
    assert shown.returncode == 0, shown.stderr.decode()
    doc = json.loads(shown.stdout)
    assert doc["language"] == "ar"
    assert doc["uri"] == item_id
    item = formats.get("ninjs").parse(shown.stdout)[0]
    assert item.headline == HEADLINE
    assert item.lead.startswith("تناول اللقاء سبل إيصال المساعدات")
    assert item.dateline.place == "أنقرة"
    assert item.dateline.place_latin == "Ankara"
    assert item.dateline.source == "الأناضول"
    assert len(item.body) == 12
    assert item.body[0].startswith("التقى رئيس جهاز الاستخبارات")
    assert item.body[-1].endswith("ما يزيد على 11 ألف مفقود.")
    bodies = " ".join(b["value"] for b in doc["bodies"])
    assert "الأخبار المنشورة على الصفحة الرسمية" not in bodies
    assert "الأخبار المنشورة على الصفحة الرسمية" in item.footer


def test_the_seed_item_as_newsml_and_every_other_format(db):
    item_id = ingest_seed(db)
    for name in formats.renderers():
        shown = newswire("show", item_id, "--format", name, db=db)
        assert shown.returncode == 0, (name, shown.stderr.decode())
        assert HEADLINE.encode() in shown.stdout, name
    newsml = newswire("show", item_id, "--format", "newsml", db=db).stdout
    assert b"<newsItem" in newsml and b'xml:lang="ar"' in newsml


def test_ingesting_the_same_file_twice_adds_no_version(db):
    first = ingest_seed(db)
    assert ingest_seed(db) == first
    store = open_store(db)
    assert store.count() == (1, 1)
    store.close()


def test_ingest_counts_in_the_singular_when_there_is_one(db):
    first = newswire("ingest", str(SEED), db=db)
    assert "1 file: 1 new version stored, 0 items unchanged" in first.stderr.decode()
    again = newswire("ingest", str(SEED), db=db)
    assert "1 file: 0 new versions stored, 1 item unchanged" in again.stderr.decode()


def test_ingest_of_an_empty_path_is_refused_not_read_as_the_working_directory(tmp_path):
    """``newswire ingest "$FILE"`` with FILE not set: an empty argument names nothing. It
    is not ``.`` (every file under the working directory, stored for good): a usage error,
    with nothing stored and no database made, even beside a path that is there."""
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    result = newswire("ingest", str(SEED), "", db=db)
    assert result.returncode == 2
    assert result.stdout == b""
    assert "PATH: an empty path names no file or folder" in result.stderr.decode()
    assert not (tmp_path / "cli.db").exists()


def test_versions_and_show_version(store_url, tmp_path):
    db = store_url
    item_id = ingest_seed(db)
    updated = tmp_path / "ninjs.json"
    doc = json.loads(newswire("show", item_id, db=db).stdout)
    doc["headlines"][0]["value"] = "عنوان محدث"
    updated.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = newswire("ingest", str(updated), db=db)
    assert result.returncode == 0 and result.stdout.decode().split() == [item_id]
    v1 = json.loads(newswire("show", item_id, "--version", "1", db=db).stdout)
    v2 = json.loads(newswire("show", item_id, db=db).stdout)
    assert v1["headlines"][0]["value"] == HEADLINE
    assert v2["headlines"][0]["value"] == "عنوان محدث"
    assert (v1["version"], v2["version"]) == ("1", "2")


def test_withdraw(store_url):
    """``newswire withdraw ID --reason``: a new version, canceled, with the reason; a
    reason that is empty or too long, an unknown item, a second withdrawal: a message
    naming what is wrong, a non-zero exit, nothing stored."""
    db = store_url
    item_id = ingest_seed(db)
    for reason, said in (("  ", b"--reason: say why"), ("x" * 2001, b"--reason: the reason is at most")):
        refused = newswire("withdraw", item_id, "--reason", reason, db=db)
        assert refused.returncode == 2 and said in refused.stderr, refused.stderr
    missing = newswire("withdraw", "urn:nothing", "--reason", "خطأ", db=db)
    assert missing.returncode == 1 and b"no item" in missing.stderr
    assert json.loads(newswire("show", item_id, db=db).stdout)["version"] == "1"
    done = newswire("withdraw", item_id, "--reason", " سحب لخطأ في الأرقام ", db=db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().split() == [item_id, "2"]
    gone = json.loads(newswire("show", item_id, db=db).stdout)
    assert gone["pubStatus"] == "canceled" and gone["edNote"] == "سحب لخطأ في الأرقام"
    again = newswire("withdraw", item_id, "--reason", "مرة أخرى", db=db)
    assert again.returncode == 1 and b"already withdrawn" in again.stderr, again.stderr
    assert json.loads(newswire("show", item_id, db=db).stdout)["version"] == "2"


READ_BACK = ("ninjs", "ninjs2", "newsml", "nitf", "rss", "atom")
"""The formats ``newswire show`` writes that ``newswire ingest`` reads."""


def test_a_withdrawn_item_shown_and_ingested_again_is_unchanged(store_url, tmp_path):
    """``newswire show`` of a withdrawn item, in each format that is read in, then
    ``newswire ingest`` of the folder (a mirror, a re-sync of a folder of kill notices):
    each file the withdrawal itself, stored already, so nothing stored and each item
    unchanged, exit 0, as for the item's first version shown before and ingested again;
    whatever the format drops of it (a feed entry's note, dateline, ids). The notice with
    another reason is a change of a withdrawn item: refused, naming it, nothing stored."""
    db = store_url
    item_id = ingest_seed(db)
    folder = tmp_path / "mirror"
    folder.mkdir()
    first = newswire("show", item_id, "--format", "ninjs", db=db).stdout
    (folder / "first.ninjs").write_bytes(first)
    done = newswire("withdraw", item_id, "--reason", "خطأ في المصدر", db=db)
    assert done.returncode == 0, done.stderr.decode()
    for fmt in READ_BACK:
        shown = newswire("show", item_id, "--format", fmt, db=db)
        assert shown.returncode == 0, shown.stderr.decode()
        (folder / f"withdrawn.{fmt}").write_bytes(shown.stdout)
    again = newswire("ingest", str(folder), db=db)
    assert again.returncode == 0, again.stderr.decode()  # each failed file is named there
    assert again.stdout.decode().split() == [item_id] * 7
    assert again.stderr.decode() == "7 files: 0 new versions stored, 7 items unchanged\n"
    other = tmp_path / "other.ninjs"
    notice = (folder / "withdrawn.ninjs").read_text(encoding="utf-8")
    other.write_text(notice.replace("خطأ في المصدر", "سبب آخر"), encoding="utf-8")
    refused = newswire("ingest", str(other), db=db)
    assert refused.returncode == 1
    assert f"id: item '{item_id}' is withdrawn (version 2)" in refused.stderr.decode()
    store = open_store(db)
    try:
        assert store.count() == (1, 2)
        assert store.get(item_id).item.ednote == "خطأ في المصدر"
    finally:
        store.close()


def test_show_errors(db):
    ingest_seed(db)
    missing = newswire("show", "urn:nothing", db=db)
    assert missing.returncode == 1 and b"no item" in missing.stderr
    bogus = newswire("show", "urn:nothing", "--format", "docx", db=db)
    assert bogus.returncode == 2 and b"docx" in bogus.stderr


@pytest.mark.parametrize("item_id", ["urn:x:[/red]1", "urn:agency:ok:x:1"])
def test_an_error_names_the_id_as_given(db, item_id):
    """An id with what the console read as markup (``[/red]``) crashed the command with a
    traceback; one with emoji codes (``:ok:``, ``:x:``) was printed as ``urn:agency🆗❌1``."""
    ingest_seed(db)
    missing = newswire("show", item_id, db=db)
    assert missing.returncode == 1
    assert missing.stderr.decode() == f"newswire: id: no item {item_id!r}\n"


def test_list_filters_by_language_and_limits(db, tmp_path):
    ingest_seed(db)
    english = tmp_path / "en.txt"
    english.write_text(
        "Turkish intelligence chief meets Hamas delegation\n"
        "The meeting discussed aid to Gaza.\n\n"
        "ANKARA (AA) - Turkish intelligence chief Ibrahim Kalin met a delegation.\n"
        "Security sources said on Saturday that Kalin met the head of the council.\n"
    )
    assert newswire("ingest", str(english), db=db).returncode == 0
    everything = newswire("list", db=db).stdout.decode()
    assert HEADLINE in everything and "Turkish intelligence chief" in everything
    arabic = newswire("list", "--lang", "ar", db=db).stdout.decode()
    assert HEADLINE in arabic and "Turkish intelligence" not in arabic
    one = newswire("list", "--limit", "1", db=db).stdout.decode()
    assert "Turkish intelligence" in one and HEADLINE not in one


@pytest.mark.parametrize("tag", ["xx-", " ar", "ar_EG"])
def test_list_refuses_a_language_that_is_no_tag(db, tag):
    """A malformed tag matched nothing and the command said "0 shown" with exit 0: the
    archive looked empty in that language. It is refused as `search --lang` refuses it."""
    ingest_seed(db)
    result = newswire("list", "--lang", tag, db=db)
    assert result.returncode == 2
    assert result.stderr.decode().startswith("newswire: --lang: ")
    assert result.stdout == b""


def test_a_bad_file_never_stops_the_good_ones(store_url, tmp_path):
    db = store_url
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_bytes(SEED.read_bytes())
    for name, data, _ in BAD_INPUTS:
        (folder / name).write_bytes(data)
    with (folder / "huge.txt").open("wb") as handle:
        handle.write("عنوان\n\n".encode())
        handle.write(b"x" * (50 * 1024 * 1024))
    result = newswire("ingest", str(folder), db=db)
    assert result.returncode == 1
    assert len(result.stdout.decode().split()) == 1  # the good one was stored and printed
    report = result.stderr.decode()
    for name, _, reason in [*BAD_INPUTS, ("huge.txt", b"", "limit")]:
        line = next((line for line in report.splitlines() if name in line), None)
        assert line is not None, f"{name} is not in the error report:\n{report}"
        assert re.search(reason, report), (name, reason)
    store = open_store(db)
    assert store.count() == (1, 1)
    store.close()


@pytest.mark.parametrize("name,data,reason", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_each_bad_file_is_refused_with_its_reason(db, tmp_path, name, data, reason):
    ingest_seed(db)
    path = tmp_path / name
    path.write_bytes(data)
    result = newswire("ingest", str(path), db=db)
    assert result.returncode == 1
    assert name in result.stderr.decode()
    assert re.search(reason, result.stderr.decode()), result.stderr.decode()
    store = open_store(db)
    assert store.count() == (1, 1)
    store.close()


def test_unknown_format_and_missing_path(db, tmp_path):
    assert newswire("ingest", str(SEED), "--format", "docx", db=db).returncode == 2
    missing = tmp_path / "nothing.txt"
    result = newswire("ingest", str(missing), str(SEED), db=db)
    assert result.returncode == 1 and str(missing).encode() in result.stderr
    assert len(result.stdout.split()) == 1  # the seed was stored all the same


def test_language_tags_are_stored_in_their_conventional_case(db, tmp_path):
    doc = {
        "uri": "urn:x:case",
        "language": "AR-eg",
        "headlines": [{"role": "main", "value": "عنوان"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "نص."}],
    }
    (tmp_path / "case.json").write_text(json.dumps(doc))
    assert newswire("ingest", str(tmp_path / "case.json"), db=db).returncode == 0
    assert json.loads(newswire("show", "urn:x:case", db=db).stdout)["language"] == "ar-EG"
    for wanted in ("ar", "AR", "ar-eg"):
        assert "urn:x:case" in newswire("list", "--lang", wanted, db=db).stdout.decode(), wanted
    # An extension (RFC 5646: Unicode's calendar, the Hijri one) is a tag like any other,
    # its subtags in lower case: not refused, not taken for a region (``-CA``).
    doc = {**doc, "uri": "urn:x:hijri", "language": "AR-sa-U-CA-ISLAMIC"}
    (tmp_path / "hijri.json").write_text(json.dumps(doc))
    result = newswire("ingest", str(tmp_path / "hijri.json"), db=db)
    assert result.returncode == 0, result.stderr.decode()
    shown = json.loads(newswire("show", "urn:x:hijri", db=db).stdout)
    assert shown["language"] == "ar-SA-u-ca-islamic"


def test_settings_says_each_value_that_would_be_refused(db):
    """``newswire settings`` shows every value, and says each one the server or a command
    would refuse, with why: the settings of a deployment checked before it starts."""
    clean = newswire("settings", db=db)
    assert clean.returncode == 0 and clean.stderr == b"", clean.stderr
    bad = {"NEWSWIRE_PORT": "abc", "NEWSWIRE_TEASER_CHARS": "0", "NEWSWIRE_WORKERS": "many",
           "NEWSWIRE_TIMEZONE": "Mars/Base"}
    result = newswire("settings", db=db, env=bad)
    assert result.returncode == 2
    said = result.stderr.decode().splitlines()
    assert [line.split(":")[1].strip() for line in said] == [
        "teaser_chars", "timezone", "port", "workers"], said
    assert "NEWSWIRE_PORT='abc' is not a port" in said[2]
    assert "\tabc\t" in result.stdout.decode()  # the table is shown whole all the same


def test_settings_says_the_urls_and_values_serve_refuses_as_it_opens_them(db, tmp_path):
    """The database, bus and blob store URLs, SQLite's busy timeout and the log format are
    checked as the server opens what they name, not by ``Settings``: ``newswire
    settings`` passed them all (exit 0) where ``serve`` then refused each (exit 2)."""
    bad = {"NEWSWIRE_DB": "mysql://127.0.0.1/wire", "NEWSWIRE_BUS": "nats://127.0.0.1:4222/path",
           "NEWSWIRE_BLOBS": "s3://bucket", "NEWSWIRE_SQLITE_BUSY_TIMEOUT": "nan",
           "NEWSWIRE_LOG_FORMAT": "xml"}
    result = newswire("settings", env=bad)
    assert result.returncode == 2
    said = {line.split(":")[1].strip(): line for line in result.stderr.decode().splitlines()}
    assert sorted(said) == ["blobs", "bus", "db", "log_format", "sqlite_busy_timeout"], said
    assert "unsupported database URL 'mysql://127.0.0.1/wire'" in said["db"]
    assert "a NATS URL has no path" in said["bus"]
    for name, value in bad.items():  # serve refuses each of them, alone, the same way
        served = in_a_process("serve", "--workers", "1", db=db, env={name: value})
        assert served.returncode == 2, (name, served.stderr)
    # checked without opening anything: no folder made for a blob store that is good
    folder = tmp_path / "blobs"
    result = newswire("settings", db=db, env={"NEWSWIRE_BLOBS": folder.as_uri()})
    assert result.returncode == 0 and result.stderr == b"", result.stderr
    assert not folder.exists()


def test_an_sqlite_url_with_options_or_two_slashes_is_refused_before_anything(tmp_path):
    """No option is read from an SQLite URL: ``sqlite:///news.db?mode=ro`` made and wrote
    the file ``news.db?mode=ro``, an empty writable database beside the one meant. Such a
    URL, and one with two slashes, is refused by the commands and said by ``settings``."""
    for url in (f"sqlite:///{tmp_path / 'news.db'}?mode=ro", f"sqlite:///{tmp_path / 'news.db'}#x"):
        result = newswire("ingest", str(SEED), db=url)
        assert result.returncode == 2 and b"no ? or # part" in result.stderr, result.stderr
        result = newswire("settings", env={"NEWSWIRE_DB": url})
        assert result.returncode == 2 and b"newswire: db: " in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []
    result = newswire("settings", env={"NEWSWIRE_DB": "sqlite://news.db"})
    assert result.returncode == 2 and b"three slashes" in result.stderr, result.stderr


def test_settings_print_no_password_nor_secret():
    """``newswire settings`` printed the database's password (kept by the deployment in a
    file only root reads) and the nginx front's secret in its table: on a terminal, in
    the ticket its output is pasted into."""
    env = {"NEWSWIRE_DB": "postgresql://newswire:s3cret-pw@db.internal:5432/newswire",
           "NEWSWIRE_BUS": "nats://wire:nats-pw@nats.internal:4222?stream=WIRE",
           "NEWSWIRE_MEDIA_FRONT": "front-secret"}
    result = newswire("settings", env=env)
    printed = result.stdout.decode()
    for secret in ("s3cret-pw", "nats-pw", "front-secret"):
        assert secret not in printed + result.stderr.decode(), secret
    assert "\tpostgresql://newswire:***@db.internal:5432/newswire\t" in printed, printed
    assert "\tnats://wire:***@nats.internal:4222?stream=WIRE\t" in printed, printed
    assert "\tNEWSWIRE_MEDIA_FRONT\t\t***\t" in printed, printed
    # with nothing to hide, the values as they are
    assert "\tsqlite:///./newswire.db\tsqlite:///./newswire.db\t" in newswire("settings").stdout.decode()


def test_settings_and_options_out_of_range(db):
    result = newswire("ingest", str(SEED), db=db, env={"NEWSWIRE_MAX_ITEM_BYTES": "-1"})
    assert result.returncode == 2 and b"1 or more" in result.stderr
    result = in_a_process("serve", "--port", "70000", db=db)
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    result = newswire("ingest", str(SEED), db=db, env={"NEWSWIRE_SQLITE_BUSY_TIMEOUT": "0"})
    assert result.returncode == 2 and b"NEWSWIRE_SQLITE_BUSY_TIMEOUT='0'" in result.stderr
    for workers, reason in (("0", b"1 or more"), ("many", b"whole number")):
        result = in_a_process("serve", "--workers", workers, db=db)
        assert result.returncode == 2 and reason in result.stderr, result.stderr
        result = in_a_process("serve", db=db, env={"NEWSWIRE_WORKERS": workers})
        assert result.returncode == 2 and b"workers" in result.stderr, result.stderr
    for bus in ("redis://127.0.0.1", "nats://127.0.0.1:4222/path"):
        result = in_a_process("serve", "--workers", "2", "--bus", bus, db=db)
        assert result.returncode == 2 and b"bus URL" in result.stderr, result.stderr
        result = in_a_process("serve", db=db, env={"NEWSWIRE_BUS": bus})
        assert result.returncode == 2 and b"bus URL" in result.stderr, result.stderr


def test_a_port_in_use_or_an_address_not_here_is_one_line_and_exit_2(db, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        said = f"newswire: --port: 127.0.0.1:{port} is already in use (another server?)\n"
        for command in (["serve", "--workers", "1"], ["serve", "--workers", "2"],
                        ["demo", "--workers", "1"]):
            demo_db = f"sqlite:///{tmp_path / 'demo.db'}"
            result = in_a_process(*command, "--port", port, db=demo_db if command[0] == "demo" else db)
            assert result.returncode == 2, (command, result.stderr)
            assert result.stderr.decode() == said, command  # no worker started, no log
        assert not (tmp_path / "demo.db").exists()  # said before the demo data is loaded
    result = in_a_process("serve", "--host", "10.255.255.1", "--port", port, "--workers", "1", db=db)
    assert result.returncode == 2, result.stderr
    assert result.stderr.decode().startswith("newswire: --host: 10.255.255.1 is not an address")
    assert len(result.stderr.splitlines()) == 1
    result = in_a_process("serve", "--host", "no-such-host.invalid", "--port", port, db=db)
    assert result.returncode == 2 and b"--host: 'no-such-host.invalid'" in result.stderr


@pytest.mark.parametrize(
    "base", ["notaurl", "wire.agency.example", "ftp://wire.example", "https://", "http://h:abc",
             "https://wire.example/?x=1"],
)
def test_a_base_url_that_is_no_absolute_http_url_is_refused(db, tmp_path, base):
    env = {"NEWSWIRE_BASE_URL": base}
    said = f"newswire: base_url: NEWSWIRE_BASE_URL={base!r} is not the server's public URL"
    result = newswire("show", "urn:x", db=db, env=env)
    assert result.returncode == 2 and result.stderr.decode().startswith(said), result.stderr
    for workers in ("1", "2"):
        result = in_a_process("serve", "--port", "0", "--workers", workers, db=db, env=env)
        assert result.returncode == 2 and result.stderr.decode().startswith(said), result.stderr
    demo_db = f"sqlite:///{tmp_path / 'demo.db'}"
    result = in_a_process("demo", "--port", "0", db=demo_db, env=env)
    assert result.returncode == 2 and result.stderr.decode().startswith(said), result.stderr
    assert not (tmp_path / "demo.db").exists()  # said before the demo data is loaded


def test_a_base_url_with_a_path_is_taken(db):
    ingest_seed(db)
    env = {"NEWSWIRE_BASE_URL": "https://wire.agency.example/news/"}
    result = newswire("list", db=db, env=env)
    assert result.returncode == 0, result.stderr
    item_id = result.stdout.split()[1].decode()
    assert newswire("show", item_id, db=db, env=env).returncode == 0


def test_a_search_index_that_cannot_be_kept_is_a_clear_error(db, tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    env = {"NEWSWIRE_SEARCH_INDEX": str(a_file)}
    for workers in ("1", "2"):
        result = in_a_process("serve", "--port", "0", "--workers", workers, db=db, env=env)
        assert result.returncode == 2, result.stderr
        assert b"search_index" in result.stderr and str(a_file).encode() in result.stderr
        assert b"Traceback" not in result.stderr
    result = newswire("search", "word", db=db, env=env)
    assert result.returncode == 1 and b"search index" in result.stderr, result.stderr
    assert a_file.read_text() == "not a folder"


def test_a_metrics_folder_that_cannot_be_used_is_a_clear_error(db, tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    env = {"NEWSWIRE_METRICS_DIR": str(a_file)}
    result = in_a_process("serve", "--port", "0", "--workers", "2", db=db, env=env)
    assert result.returncode == 2, result.stderr
    assert b"metrics_dir" in result.stderr and str(a_file).encode() in result.stderr
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("blobs", ["s3://bucket", "file://", "file:///proc/no/such"])
def test_a_blob_store_that_cannot_be_used_is_a_clear_error(db, tmp_path, blobs):
    # With N processes (the default on a machine of several CPUs) each process failed on
    # it with a traceback, was started again, failed again, for ever.
    env = {"NEWSWIRE_BLOBS": blobs}
    for workers in ("1", "2"):
        result = in_a_process("serve", "--port", "0", "--workers", workers, db=db, env=env)
        assert result.returncode == 2, result.stderr
        assert result.stderr.decode().startswith("newswire: blobs: "), result.stderr
        assert b"Traceback" not in result.stderr
    demo_db = f"sqlite:///{tmp_path / 'demo.db'}"
    result = in_a_process("demo", "--port", "0", "--workers", "2", db=demo_db, env=env)
    assert result.returncode == 2 and b"newswire: blobs: " in result.stderr, result.stderr
    assert not (tmp_path / "demo.db").exists()  # said before the demo data is loaded


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_a_database_in_memory_is_served_by_one_process(url, tmp_path):
    # ``sqlite://`` is a database in memory as much as ``sqlite:///:memory:``: served by
    # two processes, each had a database of its own, and what one stored the other never
    # showed.
    log = tmp_path / "serve.log"
    temporary = tmp_path / "tmp"  # its blobs' folder, which goes with it
    temporary.mkdir()
    server = Server(url, "--workers", "2", log=log, env={"TMPDIR": str(temporary)})
    try:
        said = log.read_text()
        assert "newswire-blobs-" in [p.name[:15] for p in temporary.iterdir()]
    finally:
        server.close()
    assert "an in-memory database lives in one process: serving with one" in said, said
    assert "Started parent process" not in said, said  # no supervisor of N processes
    assert in_memory(url) and not in_memory(f"sqlite:///{tmp_path / 'x.db'}")
    # Stopped (SIGTERM, which uvicorn ends the process by: no exit handler runs), the
    # server has removed it at its shutdown (the uploads' spool folder is every process's
    # of this user, and stays: newswire.media.spool).
    assert [p.name for p in temporary.iterdir() if p.name.startswith("newswire-blobs-")] == []


def test_more_server_processes_than_the_cpus_can_run_are_refused():
    # In process: were the bound lost, `serve --workers 99999` would start them all (it
    # did, until the machine ran out of memory), so no test asks a server for that.
    most = MAX_WORKERS_PER_CPU * workers_setting("auto")
    assert workers_setting(str(most)) == most
    with pytest.raises(BadInput, match="per CPU") as refused:
        workers_setting(str(most + 1))
    assert refused.value.field == "workers"
    with pytest.raises(BadInput, match="per CPU"):
        workers_setting("99999")


def test_ingest_refuses_more_processes_than_the_cpus_can_run(db, tmp_path):
    """``ingest --workers 99999`` forked them all (a forking executor starts every process
    it may have at once) until the machine ran out of memory, as ``serve`` once did."""
    most = MAX_WORKERS_PER_CPU * workers_setting("auto")
    result = newswire("ingest", "--workers", str(most + 1), str(SEED), db=db)
    said = result.stderr.decode()
    assert result.returncode == 2 and said.startswith(f"newswire: --workers: {most + 1}: at most"), said
    assert not (tmp_path / "cli.db").exists()
    result = newswire("ingest", "--workers", str(most), str(SEED), db=db)
    assert result.returncode == 0, result.stderr.decode()


def test_export_into_a_closed_pipe_is_quiet(db):
    ingest_seed(db)
    import subprocess
    import sys

    from tests.helpers import ROOT

    shell = f"{sys.executable} -m newswire.cli export - --db {db} | head -c 10 > /dev/null"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True, cwd=ROOT)
    assert b"Traceback" not in result.stderr and b"Broken pipe" not in result.stderr


def test_a_forced_format_that_does_not_fit(db):
    result = newswire("ingest", str(SEED), "--format", "newsml", db=db)
    assert result.returncode == 1 and b"000_fd5af0361ac50746.txt" in result.stderr


def test_export_and_import_reproduce_every_version(store_url, make_store_url, tmp_path):
    db = store_url
    item_id = ingest_seed(db)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    from newswire.demo import corpus_items, corpus_records

    ninjs = formats.get("ninjs")
    for n, item in zip(range(40), corpus_items(corpus_records(CORPUS_SAMPLE)), strict=False):
        (corpus / f"{n}.json").write_bytes(ninjs.render(item))
    assert newswire("ingest", str(corpus), db=db).returncode == 0
    doc = json.loads(newswire("show", item_id, db=db).stdout)
    doc["headlines"][0]["value"] = "تحديث"
    (tmp_path / "v2.json").write_text(json.dumps(doc, ensure_ascii=False))
    assert newswire("ingest", str(tmp_path / "v2.json"), db=db).returncode == 0

    backup = tmp_path / "backup.jsonl"
    assert newswire("export", str(backup), db=db).returncode == 0
    assert len(backup.read_text().splitlines()) == 1 + 42  # header + every version

    other = make_store_url()
    assert newswire("import", str(backup), db=other).returncode == 0
    again = newswire("import", str(backup), db=other)
    assert again.returncode == 0 and b"0 versions added" in again.stderr

    source, restored = open_store(db), open_store(other)
    try:
        assert restored.count() == source.count() == (41, 42)
        for a, b in zip(source.export(), restored.export(), strict=True):
            assert ninjs.render(a.item) == ninjs.render(b.item)
    finally:
        source.close()
        restored.close()


def test_import_refuses_a_file_that_is_not_an_export(db, tmp_path):
    ingest_seed(db)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"newswire": "export", "format": 1}\n{"not": "a record"}\n')
    result = newswire("import", str(bad), db=db)
    assert result.returncode == 1 and b"bad.jsonl:2" in result.stderr
    store = open_store(db)
    assert store.count() == (1, 1)
    store.close()
    # An export a later release made, in a format this one does not read: refused whole.
    later = tmp_path / "later.jsonl"
    exported = newswire("export", "-", db=db).stdout.split(b"\n", 1)[1]
    later.write_bytes(b'{"newswire": "export", "format": 99}\n' + exported)
    result = newswire("import", str(later), db=f"sqlite:///{tmp_path / 'later.db'}")
    assert result.returncode == 1 and b"later.jsonl:1: an export in format 99" in result.stderr
    assert not (tmp_path / "later.db").exists()
    # An empty file is no backup (an export writes its header first, even of nothing),
    # and makes no database.
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    fresh = tmp_path / "fresh.db"
    result = newswire("import", str(empty), db=f"sqlite:///{fresh}")
    assert result.returncode == 1 and b"not a newswire export: it is empty" in result.stderr
    assert not fresh.exists()
    # The export of an empty archive is one: its header alone.
    open_store(f"sqlite:///{tmp_path / 'none.db'}").close()
    nothing = tmp_path / "nothing.jsonl"
    assert newswire("export", str(nothing), db=f"sqlite:///{tmp_path / 'none.db'}").returncode == 0
    assert newswire("import", str(nothing), db=f"sqlite:///{fresh}").returncode == 0


def test_import_of_a_folder_or_an_unreadable_file_says_so(db, tmp_path):
    result = newswire("import", str(tmp_path), db=db)
    assert result.returncode == 2 and b"is a folder" in result.stderr, result.stderr
    # An export to a folder wrote the whole archive beside it (``.NAME.partial``), then
    # failed to put it in the folder's place, naming that file: "Is a directory", exit 1.
    ingest_seed(db)
    result = newswire("export", str(tmp_path), db=db)
    assert result.returncode == 2, result.stderr
    assert result.stderr.decode().strip() == f"newswire: {tmp_path} is a folder: name the export file"
    assert not (tmp_path.parent / f".{tmp_path.name}.partial").exists()
    # A file that cannot be read (here: its bytes are not there to read, as for a file
    # this user may not read) is a line, not a traceback.
    result = newswire("import", "/proc/self/mem", db=db)
    assert result.returncode == 2 and b"Traceback" not in result.stderr, result.stderr
    assert b"/proc/self/mem" in result.stderr


def test_db_option_beats_nothing_and_env_works(make_store_url):
    by_env, by_option = make_store_url(), make_store_url()
    result = newswire("ingest", str(SEED), env={"NEWSWIRE_DB": by_env})
    assert result.returncode == 0
    result = newswire("ingest", str(SEED), "--db", by_option)
    assert result.returncode == 0
    for url in (by_env, by_option):
        store = open_store(url, create=False)
        assert store.count() == (1, 1)
        store.close()


def test_the_lists_of_commands_say_each_on_its_own_lines():
    """A group's list of commands gives each command's first sentence, not its docstring
    cut where the source wraps: 'or' at a line's end, 'another name to show.' alone."""
    for args, command, summary in (
        ((), "migrate", "into another store, then every picture's and video's files"),
        (("vocab",), "change", "names in other languages) or another name to show."),
        (("vocab",), "merge", "SOURCE is removed and remembered as merged into TARGET."),
    ):
        shown = newswire(*args, "--help", env={"COLUMNS": "400"})
        assert shown.returncode == 0, shown.stderr
        line = next(
            line for line in shown.stdout.decode().splitlines() if line.startswith(f"│ {command} ")
        )
        assert summary in line, line
    listed = newswire("--help", env={"COLUMNS": "400"}).stdout.decode()
    assert "Safe to run again" not in listed  # the rest is the command's own --help
    assert "Safe to run again" in newswire("migrate", "--help").stdout.decode()


def test_formats_and_settings_commands():
    listed = newswire("formats").stdout.decode()
    for name in formats.CODECS:
        assert name in listed
    assert "NEWSWIRE_DB" in newswire("settings").stdout.decode()


@pytest.mark.parametrize("fmt", ["ninjs", "ninjs2", "newsml", "nitf"])
def test_the_same_item_back_in_another_format_is_no_new_version(db, tmp_path, fmt):
    item_id = ingest_seed(db)
    path = tmp_path / f"again.{fmt}"
    path.write_bytes(newswire("show", item_id, "--format", fmt, db=db).stdout)
    result = newswire("ingest", str(path), db=db)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().split() == [item_id]
    store = open_store(db)
    assert store.count() == (1, 1)
    store.close()


EXAMPLES = [
    STANDARDS / "ninjs-examples" / "ninjs3.1_005_complex_text_article.json",
    STANDARDS / "ninjs-examples" / "ninjs2.1_tt_text_image_2.json",
    STANDARDS / "newsml-g2" / "minimal_newsitem_ar_xhtml.UNOFFICIAL-example.xml",
]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_an_iptc_example_back_as_ninjs_is_no_new_version(db, tmp_path, example):
    """ninjs has no place country; the places of IPTC's examples (Tuscany named without an
    id, Italy with an ISO 3166 URI, Dubai as a ``geonames:`` QCode) came back without the
    country or coordinates enrichment had given them, or with the machine's second copy
    of a place the source had named: each such item sent back was an update."""
    result = newswire("ingest", str(example), db=db)
    assert result.returncode == 0, result.stderr.decode()
    item_id = result.stdout.decode().split()[0]
    path = tmp_path / "again.json"
    path.write_bytes(newswire("show", item_id, "--format", "ninjs", db=db).stdout)
    result = newswire("ingest", str(path), db=db)
    assert result.returncode == 0, result.stderr.decode()
    assert "0 new versions stored" in result.stderr.decode(), result.stderr.decode()
    places = json.loads(path.read_bytes()).get("places", [])
    names = [p["name"] for p in places]
    assert places and len(names) == len(set(names)), names  # no place twice


@pytest.mark.parametrize("fmt", ["newsml", "nitf"])
def test_an_item_with_doubled_spaces_back_from_xml_is_no_new_version(db, tmp_path, fmt):
    """Corpus headlines carry doubled spaces (``ليلة العيد :  96 حملة``); XML formats read
    text with its whitespace squashed, so the same item back from NewsML-G2 or NITF made
    an update for every subscriber until the store squashed one-line fields itself."""
    doc = {
        "uri": "urn:x:spaces",
        "language": "ar",
        "headlines": [{"role": "main", "value": "ليلة العيد :  96 حملة امنية "}],
        "descriptions": [{"role": "summary", "value": "مقدمة  الخبر\nفي سطرين"}],
        "bylines": [{"byline": "مراسل  الوكالة"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "نص الخبر."}],
    }
    (tmp_path / "first.json").write_text(json.dumps(doc, ensure_ascii=False))
    assert newswire("ingest", str(tmp_path / "first.json"), db=db).returncode == 0
    shown = json.loads(newswire("show", "urn:x:spaces", db=db).stdout)
    assert shown["headlines"][0]["value"] == "ليلة العيد : 96 حملة امنية"
    assert shown["descriptions"][0]["value"] == "مقدمة الخبر في سطرين"
    path = tmp_path / f"again.{fmt}"
    path.write_bytes(newswire("show", "urn:x:spaces", "--format", fmt, db=db).stdout)
    result = newswire("ingest", str(path), db=db)
    assert result.returncode == 0, result.stderr.decode()
    store = open_store(db)
    assert store.count() == (1, 1)
    store.close()


def test_a_file_with_an_impossible_value_is_one_failure_among_good_files(db, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_bytes(SEED.read_bytes())
    base = {
        "uri": "urn:x:bad",
        "headlines": [{"role": "main", "value": "h"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "b"}],
    }
    cases = {
        "date-overflow.json": {**base, "versionCreated": "9999-12-31T23:00:00-05:00"},
        "huge-version.json": {**base, "version": "99999999999999999999999"},
        "control-char-id.json": {**base, "uri": "urn:x:\u0001"},
    }
    for name, doc in cases.items():
        (folder / name).write_text(json.dumps(doc))
    result = newswire("ingest", str(folder), db=db)
    assert result.returncode == 1
    assert len(result.stdout.decode().split()) == 1
    report = result.stderr.decode()
    assert "Traceback" not in report
    for name in cases:
        assert name in report, report
    assert "U+0001" in report


def test_withheld_with_an_embargo_is_refused_as_the_api_refuses_it(db, tmp_path):
    """The embargo would lift nothing (withheld holds until a version says usable): the
    file is refused naming pubstatus, with a non-zero exit, and nothing is stored."""
    doc = {
        "uri": "urn:x:cli-withheld-embargo",
        "headlines": [{"role": "main", "value": "h"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "b"}],
        "pubStatus": "withheld",
        "embargoedUntil": "2099-01-01T09:00:00Z",
    }
    path = tmp_path / "held.json"
    path.write_text(json.dumps(doc))
    result = newswire("ingest", str(path), db=db)
    assert result.returncode != 0
    assert "pubstatus" in result.stderr.decode() and "embargo" in result.stderr.decode()
    assert newswire("show", doc["uri"], db=db).returncode != 0


def test_stray_control_characters_are_removed_not_stored(db, tmp_path):
    doc = {
        "uri": "urn:x:ctrl",
        "language": "en",
        "headlines": [{"role": "main", "value": "Head\u0002line"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "Bo\u0001dy\ufffe."}],
    }
    path = tmp_path / "ctrl.json"
    path.write_text(json.dumps(doc))
    (tmp_path / "surrogate.json").write_text(json.dumps(doc).replace("Bo", "Bo\\ud800"))
    result = newswire("ingest", str(path), str(tmp_path / "surrogate.json"), db=db)
    assert result.returncode == 0, result.stderr.decode()
    for fmt in ("newsml", "nitf", "rss", "atom"):
        shown = newswire("show", "urn:x:ctrl", "--format", fmt, db=db)
        assert shown.returncode == 0 and b"Headline" in shown.stdout and b"Body." in shown.stdout
    store = open_store(db)
    assert store.count() == (1, 1)  # the two files say the same once cleaned
    store.close()


def test_bidi_overrides_and_isolates_are_removed_the_marks_kept(db, tmp_path):
    """An override reorders what follows it until it is closed: a headline ``Invoice
    \u202eexe.txt`` shows as ``Invoice txt.exe``, one left open reorders a page's title
    and a feed reader's list. Embeddings, overrides and isolates go, in every text of an
    item, as a picture's embedded text is cleaned; the marks (RLM) stay, and the same
    document without them is the same item."""
    doc = {
        "uri": "urn:x:bidi",
        "language": "ar",
        "headlines": [{"role": "main", "value": "فاتورة \u202eexe.txt\u202c عاجل \u2067iso\u2069"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "نص \u202bالخبر\u200f."}],
        "by": "\u202eكاتب",
    }
    (tmp_path / "bidi.json").write_text(json.dumps(doc))
    plain = json.loads(json.dumps(doc).replace("\\u202e", "").replace("\\u202c", "")
                       .replace("\\u2067", "").replace("\\u2069", "").replace("\\u202b", ""))
    (tmp_path / "plain.json").write_text(json.dumps(plain))
    result = newswire("ingest", str(tmp_path / "bidi.json"), str(tmp_path / "plain.json"), db=db)
    assert result.returncode == 0, result.stderr.decode()
    store = open_store(db)
    try:
        item = store.get("urn:x:bidi").item
        assert store.count() == (1, 1)  # the two files say the same once cleaned
    finally:
        store.close()
    assert item.headline == "فاتورة exe.txt عاجل iso" and item.byline == "كاتب"
    assert item.body == ["نص الخبر\u200f."]


def test_import_validates_every_record(store_url, make_store_url, tmp_path):
    db = store_url
    ingest_seed(db)
    backup = tmp_path / "backup.jsonl"
    assert newswire("export", str(backup), db=db).returncode == 0
    header, line = backup.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    record["item"]["urgency"] = 42
    bad = tmp_path / "bad.jsonl"
    bad.write_text(f"{header}\n{json.dumps(record, ensure_ascii=False)}\n", encoding="utf-8")
    other = make_store_url()
    result = newswire("import", str(bad), db=other)
    assert (
        result.returncode == 1 and b"bad.jsonl:2" in result.stderr and b"urgency" in result.stderr
    )


def test_bad_database_paths_are_clear_errors(tmp_path):  # SQLite only: its files
    folder = tmp_path / "adir"
    folder.mkdir()
    result = newswire("list", db=f"sqlite:///{folder}")
    assert (
        result.returncode == 2 and b"folder" in result.stderr and b"Traceback" not in result.stderr
    )
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    result = newswire("list", db=f"sqlite:///{garbage}")
    assert result.returncode == 2 and b"Traceback" not in result.stderr


def test_reading_commands_do_not_create_a_database(absent_store_url, tmp_path):
    # vocab list and show made the database (a PostgreSQL one too) and showed the shipped
    # vocabulary, exit 0: a typo in NEWSWIRE_DB looked like the deployment's vocabulary.
    for args in (["list"], ["show", "urn:x"], ["export", str(tmp_path / "x.jsonl")],
                 ["vocab", "list"], ["vocab", "show", "nwv:hamas"]):  # fmt: skip
        result = newswire(*args, db=absent_store_url)
        assert result.returncode == 2 and b"no database" in result.stderr, args
    with pytest.raises(BadInput, match="no database"):
        open_store(absent_store_url, create=False)


def test_a_command_given_only_bad_input_makes_no_database(absent_store_url, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for args in (["ingest", "/nonexistent"], ["ingest", str(empty)],
                 ["import", "/nonexistent"], ["withdraw", "urn:x", "--reason", "wrong"],
                 ["show", "urn:x"], ["list"]):
        result = newswire(*args, db=absent_store_url)
        assert result.returncode != 0 or args[1] == str(empty), (args, result.stderr)
        with pytest.raises(BadInput, match="no database"):  # a typo is not a new database
            open_store(absent_store_url, create=False).close()


def test_a_command_the_store_refuses_leaves_no_new_database_file(tmp_path):  # SQLite: files
    garbage = tmp_path / "garbage.xml"
    garbage.write_text("<not an item/>")
    db = f"sqlite:///{tmp_path / 'new.db'}"
    for args in (["ingest", str(garbage)], ["subscriber", "add", "x", "--product", "nope"],
                 ["key", "create", "--subscriber", "nope"],
                 ["account", "add", "a@b.example", "--subscriber", "nope"],
                 ["vocab", "remove", "nwv:nope"]):
        result = newswire(*args, db=db)
        assert result.returncode == 1, (args, result.stderr)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["garbage.xml"], args
    result = newswire("ingest", str(garbage), str(SEED), db=db)  # one good file: kept
    assert result.returncode == 1 and len(result.stdout.split()) == 1, result.stderr
    assert (tmp_path / "new.db").exists()
    assert newswire("subscriber", "add", "x", "--product", "nope", db=db).returncode == 1
    assert len(newswire("list", db=db).stdout.splitlines()) == 1  # an existing one stays


def test_export_to_an_impossible_place(db, tmp_path):
    ingest_seed(db)
    result = newswire("export", str(tmp_path / "no" / "dir" / "x.jsonl"), db=db)
    assert result.returncode == 1 and b"Traceback" not in result.stderr
    # said of the file named, not of the hidden one it is written to first
    said = result.stderr.decode()
    assert said == f"newswire: cannot write {tmp_path / 'no' / 'dir' / 'x.jsonl'}: No such file or directory\n", said


def test_piped_error_report_keeps_whole_file_names(db, tmp_path):
    deep = tmp_path / "a-rather-long-folder-name" / "and-another-long-one" / "deeper-still"
    deep.mkdir(parents=True)
    bad = deep / "2025-03-01-a-very-long-file-name-that-would-not-fit-a-table.txt"
    bad.write_bytes(b"")
    result = newswire("ingest", str(tmp_path), db=db)
    assert result.returncode == 1 and str(bad).encode() in result.stderr


def test_a_folder_with_a_pipe_and_a_bad_file(db, tmp_path):
    """A named pipe left in a folder made ``ingest`` wait for ever for a writer; and when
    a file failed, what was stored from the others went unsaid."""
    import os

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "story.txt").write_bytes(SEED.read_bytes())
    (tmp_path / "broken.xml").write_bytes(b"<newsItem")
    os.mkfifo(tmp_path / "pipe.txt")
    result = newswire("ingest", str(tmp_path), db=db)
    said = result.stderr.decode()
    assert result.returncode == 1 and len(result.stdout.split()) == 1, said
    assert said.startswith("2 files: 1 new version stored, 0 items unchanged\n"), said
    assert "broken.xml: not well-formed" in said and "pipe.txt" not in said


LEGACY_TEXT = "عنوان الخبر بترميز قديم\n\nأنقرة/ الأناضول\nوصل الوفد إلى غزة صباح اليوم.\n"


def test_plain_text_in_a_legacy_character_set_is_read_when_named(db, tmp_path):
    """An Arabic desk's older system writes Windows-1256 or ISO-8859-6: refused as not
    UTF-8 unless ``--encoding`` names it; UTF-8 files beside it are read as they are."""
    (tmp_path / "old.txt").write_bytes(LEGACY_TEXT.encode("cp1256"))
    (tmp_path / "iso.txt").write_bytes(LEGACY_TEXT.replace("قديم", "آخر").encode("iso-8859-6"))
    (tmp_path / "new.txt").write_bytes(SEED.read_bytes())
    refused = newswire("ingest", str(tmp_path / "old.txt"), db=db)
    assert refused.returncode == 1 and b"--encoding windows-1256" in refused.stderr
    bad = newswire("ingest", str(tmp_path), "--encoding", "arabic-ish", db=db)
    assert bad.returncode == 2 and b"--encoding: 'arabic-ish' is not a character set" in bad.stderr
    result = newswire(
        "ingest", str(tmp_path / "old.txt"), str(tmp_path / "new.txt"),
        "--encoding", "windows-1256", db=db,
    )
    assert result.returncode == 0, result.stderr.decode()
    ids = result.stdout.decode().split()
    shown = newswire("show", ids[0], db=db)
    assert "عنوان الخبر بترميز قديم" in json.loads(shown.stdout)["headlines"][0]["value"]
    iso = newswire("ingest", str(tmp_path / "iso.txt"), "--encoding", "iso-8859-6", db=db)
    assert iso.returncode == 0, iso.stderr.decode()
    # Not that character set either: said, nothing stored.
    (tmp_path / "junk.txt").write_bytes(b"\xa1\xa5\xbc title\n\nbody\n")
    junk = newswire("ingest", str(tmp_path / "junk.txt"), "--encoding", "iso-8859-6", db=db)
    assert junk.returncode == 1 and b"neither UTF-8 nor iso-8859-6" in junk.stderr


def test_text_format_refuses_xml_and_json(db, tmp_path):
    path = tmp_path / "item.xml"
    path.write_bytes(newswire("show", ingest_seed(db), "--format", "newsml", db=db).stdout)
    result = newswire("ingest", str(path), "--format", "text", db=db)
    assert result.returncode == 1 and b"not agency text" in result.stderr


FEED_WITH_ONE_BAD_ENTRY = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>وكالة</title><link>http://example.org/</link>
<description>أخبار</description><language>ar</language>
<item><guid isPermaLink="false">urn:feed:1</guid><title>الخبر الأول</title>
<description>نص الخبر الأول.</description></item>
<item><guid isPermaLink="false">urn:feed:2</guid><title>خبر بلا نص</title></item>
<item><guid isPermaLink="false">urn:feed:3</guid><title>الخبر الثالث</title>
<description>نص الخبر الثالث.</description></item>
</channel></rss>
"""


def atom_feed(*entries: tuple[str, str]) -> str:
    """An Atom feed listing one entry, ``urn:atom:1``, at each (updated time, text)."""
    listed = "".join(
        f"<entry><id>urn:atom:1</id><title>عنوان {text}</title><updated>{updated}</updated>"
        f'<content type="text">نص الخبر {text}.</content></entry>'
        for updated, text in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"'
        ' xml:lang="ar"><id>urn:atom:feed</id><title>وكالة</title>'
        f"<updated>2025-01-01T09:00:00Z</updated>{listed}</feed>"
    )


def test_an_atom_entry_updated_again_and_again_is_stored_each_time(store_url, tmp_path):
    """Atom numbers no versions: each feed read dates its entry by ``updated``. The third
    update was refused as older than the second, which had been stamped with the store's
    clock. A feed listing an entry's newer version before an older one failed (exit 1):
    the older one is a past revision of the entry, not stored, and no error."""
    db = store_url
    times = ["2025-01-01T06:00:00Z", "2025-01-01T07:00:00Z", "2025-01-01T08:00:00Z"]
    for n, updated in enumerate(times, 1):
        path = tmp_path / f"feed{n}.atom"
        path.write_text(atom_feed((updated, f"v{n}")), encoding="utf-8")
        result = newswire("ingest", str(path), db=db)
        assert result.returncode == 0, result.stderr.decode()
    with closing(open_store(db)) as store:
        versions = store.versions("urn:atom:1")
        assert [iso(s.item.versioncreated) for s in versions] == times
    newer_first = tmp_path / "newer_first.atom"
    newer_first.write_text(
        atom_feed(("2025-01-01T10:00:00Z", "v5"), ("2025-01-01T09:00:00Z", "v4")),
        encoding="utf-8",
    )
    result = newswire("ingest", str(newer_first), db=db)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().split() == ["urn:atom:1"]
    with closing(open_store(db)) as store:
        latest = store.get("urn:atom:1").item
        assert (latest.version, latest.headline) == (4, "عنوان v5")


def test_one_bad_feed_entry_does_not_sink_the_others(db, tmp_path):
    path = tmp_path / "feed.rss"
    path.write_text(FEED_WITH_ONE_BAD_ENTRY, encoding="utf-8")
    result = newswire("ingest", str(path), db=db)
    assert result.returncode == 1
    assert result.stdout.decode().split() == ["urn:feed:1", "urn:feed:3"]
    assert "entry 2 (urn:feed:2)" in result.stderr.decode()


def test_demo_loads_the_data_and_prints_keys_that_work(store_url):
    db = store_url
    result = newswire("demo", "--no-serve", db=db)
    assert result.returncode == 0, result.stderr.decode()
    keys = list(dict.fromkeys(re.findall(rb"nw_[A-Za-z0-9]{10}_[A-Za-z0-9_-]{43}", result.stderr)))
    assert len(keys) == 3  # and the example curl line uses one of them
    from newswire.access.auth import authenticate
    from newswire.store import open_store

    store = open_store(db)
    try:
        desk, daily, portal = (authenticate(store, k.decode()) for k in keys)
        assert desk.key.scope == "publish"
        assert [p.access for p in daily.products] == ["full"]
        assert [p.access for p in portal.products] == ["teaser"]
    finally:
        store.close()
    again = newswire("demo", "--no-serve", db=db)  # a second run adds keys, not duplicates
    assert again.returncode == 0 and b"301 already there" in again.stderr


@pytest.mark.any_store
def test_the_demo_shows_its_seed_item_first_on_the_public_home_page(store_url):
    """The seed (dated now) is the newest item: stored after the 2017-2018 corpus, as on a
    real wire, the public home page and the portal's wire (the latest of the log) show it;
    stored first, it was under 300 older items, on neither."""
    result = newswire("demo", "--no-serve", db=store_url)
    assert result.returncode == 0, result.stderr.decode()
    seed = re.search(rb"the seed item is (\S+)", result.stderr).group(1).decode()
    server = Server(store_url)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            home = c.get("/ar/")
        assert home.status_code == 200
        assert f'href="/ar/news/{seed}"' in home.text
        assert "رئيس الاستخبارات التركي يلتقي وفدا من حماس" in home.text
    finally:
        server.close()


def test_another_applications_database_is_left_alone(tmp_path):  # SQLite only: its files
    other = tmp_path / "crm.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE customers (name TEXT)")
        conn.commit()
    before = other.read_bytes()
    for args in (["list"], ["ingest", str(SEED)], ["key", "list"]):
        result = newswire(*args, db=f"sqlite:///{other}")
        assert result.returncode == 2, args
        assert b"not a newswire database" in result.stderr and b"customers" in result.stderr
    assert other.read_bytes() == before
    with pytest.raises(BadInput, match="not a newswire database"):
        open_store(f"sqlite:///{other}")


def test_a_piped_table_keeps_a_row_a_line_whatever_its_cells_hold(capsys):
    """A receiver's error text (``webhook deliveries``, ``webhook list``'s reason) or a
    headline holding a tab or a line break would make rows and columns of its own in a
    script reading the tab-separated lines."""
    from newswire.cli.common import print_rows

    print_rows(("id", "why"), [("a", "HTTP 410: gone\n\tb\tforged"), ("c", "x\r\ny\u2028z")])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t") for line in lines] == [
        ["a", "HTTP 410: gone  b forged"],
        ["c", "x  y z"],
    ]

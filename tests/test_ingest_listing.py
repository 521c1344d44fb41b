"""A bulk ingest's folder listed in another process while the enrichment's data loads
(``newswire.ingest.list_files_warm``), and what the workers then find loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from newswire.enrich import entities
from newswire.enrich.base import STEPS, Term
from newswire.enrich.entities import EntitiesStep
from newswire.enrich.gazetteer import load
from newswire.enrich.pipeline import document
from newswire.enrich.vocabulary import Vocabulary
from newswire.ingest import list_files
from newswire.model import NewsItem
from newswire.store import open_store
from tests.conftest import ROOT, SEED
from tests.helpers import newswire

# The smallest JPEG the sniffer takes for one: its start-of-image marker and a JFIF
# segment, whatever the file is named.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64

LISTED = """
import json, sys
from pathlib import Path
from newswire.enrich import entities, gazetteer
from newswire.ingest import list_files_warm
steps = [s for s in sys.argv[3].split(",") if s]
files, media = list_files_warm([Path(p) for p in json.loads(sys.argv[1])], sys.argv[2] == "1", steps)
print(json.dumps({
    "files": [str(f) for f in files],
    "media": [str(f) for f in media],
    "gazetteer": gazetteer._load.cache_info().currsize,
    "automaton": len(entities._LAST),
}))
"""


def listed_warm(paths: list[Path], sniff: bool, steps: list[str]) -> dict:
    """``list_files_warm`` in a fresh interpreter: what it listed, and what it loaded."""
    result = subprocess.run(
        [sys.executable, "-c", LISTED, json.dumps([str(p) for p in paths]),
         "1" if sniff else "0", ",".join(steps)],
        capture_output=True, cwd=ROOT, timeout=120, check=True,
    )
    return json.loads(result.stdout)


def folder_of_everything(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    (folder / "later" / "deeper").mkdir(parents=True)
    (folder / ".git").mkdir()
    (folder / "a.json").write_bytes(SEED.read_bytes())
    (folder / "later" / "b.txt").write_bytes(SEED.read_bytes())
    (folder / "later" / "deeper" / "c.xml").write_text("<nitf/>", encoding="utf-8")
    (folder / "photo.dat").write_bytes(JPEG)  # a picture by its content, not its name
    (folder / ".hidden.json").write_text("{}", encoding="utf-8")
    (folder / ".git" / "config").write_text("[core]", encoding="utf-8")
    os.mkfifo(folder / "pipe")  # never read: it would wait for a writer
    return folder


def test_a_folder_listed_beside_the_warm_up_is_listed_as_alone(tmp_path):
    folder = folder_of_everything(tmp_path)
    single = tmp_path / "one.txt"
    single.write_bytes(SEED.read_bytes())
    paths = [folder, single]
    for sniff in (True, False):
        files, media = list_files(paths, sniff)
        expected = {"files": [str(f) for f in files], "media": [str(f) for f in media]}
        got = listed_warm(paths, sniff, list(STEPS))
        assert {k: got[k] for k in expected} == expected
    # A folder's files before its folders', each sorted; hidden ones and the pipe left.
    assert expected["files"] == [
        str(p) for p in (
            folder / "a.json", folder / "photo.dat", folder / "later" / "b.txt",
            folder / "later" / "deeper" / "c.xml", single,
        )
    ]
    assert list_files(paths, True)[1] == [folder / "photo.dat"]
    assert list_files(paths, False)[1] == []


def test_the_steps_data_is_loaded_while_a_folder_is_listed_and_only_then(tmp_path):
    folder = folder_of_everything(tmp_path)
    got = listed_warm([folder], True, list(STEPS))
    assert (got["gazetteer"], got["automaton"]) == (1, 1)
    # Nothing to enrich with, or no folder to read: nothing loaded here.
    assert listed_warm([folder], True, [])["gazetteer"] == 0
    assert listed_warm([folder / "a.json"], True, list(STEPS))["gazetteer"] == 0


def test_a_folder_with_nothing_to_read_makes_no_database_though_the_steps_warmed(tmp_path):
    (tmp_path / "empty").mkdir()
    fresh = tmp_path / "fresh.db"
    result = newswire("ingest", str(tmp_path / "empty"), db=f"sqlite:///{fresh}")
    assert result.returncode == 0, result.stderr.decode()
    assert "0 files: 0 new versions stored" in result.stderr.decode()
    assert not fresh.exists()


def test_a_store_without_editors_entries_finds_the_automaton_the_warm_up_built(tmp_path):
    """The warm-up reads no store: a step on a store whose vocabulary is the shipped one
    takes the index and automaton it built, under the store's vocabulary version; once an
    editor adds an entry, the step builds its own, which finds it."""
    shipped = EntitiesStep(Vocabulary(None), load)
    shipped.warm()
    item = NewsItem(
        id="urn:t:1", headline="Zorblax Quint in Ankara",
        body=["Zorblax Quint spoke in Ankara on Monday."], language="en",
    )
    store = open_store(f"sqlite:///{tmp_path / 'v.db'}")
    try:
        vocabulary = Vocabulary(store)
        step = EntitiesStep(vocabulary, load)
        assert step._current().matcher is shipped._current().matcher
        assert step._current().version == vocabulary.version()
        assert "Zorblax Quint" not in [e.name for e in step.find(document(item)).entities]
        vocabulary.add(Term(id="", kind="person", name="Zorblax Quint"))
        assert step._current().matcher is not shipped._current().matcher
        assert step._current().version == vocabulary.version()
        found = [e.name for e in step.find(document(item)).entities]
        assert "Zorblax Quint" in found and "Ankara" in found
        assert entities._LAST_INDEX[0] is step._current()
    finally:
        store.close()

"""What a process keeps of its warm-up for the next (``newswire.enrich.warmcache``): the
entities' automaton and the table of frequent words, loaded back only when they were
made of the same code, data and vocabulary, from files nobody else could have written,
and giving what a process that builds them gives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newswire.enrich import entities, warmcache
from newswire.enrich.base import Term
from newswire.enrich.gazetteer import load
from newswire.enrich.matcher import Matcher
from tests.conftest import CORPUS_SAMPLE, ROOT


@pytest.fixture
def kept(tmp_path, monkeypatch):
    """A cache folder of the test's own (made by ``save`` as it would be)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("NEWSWIRE_CACHE_DIR", str(folder))
    return folder


def test_a_value_kept_is_loaded_back_under_its_name_only(kept):
    warmcache.save("kind", [b"a"], {"x": [1, 2]})
    assert warmcache.load("kind", [b"a"]) == {"x": [1, 2]}
    assert warmcache.load("kind", [b"b"]) is None
    assert warmcache.load("other", [b"a"]) is None
    # The parts are told apart whole: ("ab", "") is not ("a", "b").
    warmcache.save("kind", [b"ab", b""], 1)
    assert warmcache.load("kind", [b"a", b"b"]) is None
    assert oct(kept.stat().st_mode & 0o777) == "0o700"
    assert all(oct(f.stat().st_mode & 0o777) == "0o600" for f in kept.iterdir())


def test_a_file_kept_already_is_not_written_again(kept):
    warmcache.save("kind", [b"a"], "first")
    (path,) = kept.glob("kind-*.pickle")
    written = path.stat().st_mtime_ns
    warmcache.save("kind", [b"a"], "second")  # the same name: the same contents, built again
    assert warmcache.load("kind", [b"a"]) == "first"
    assert path.stat().st_mtime_ns == written


def test_another_release_reads_nothing_kept_by_this_one(kept, monkeypatch):
    warmcache.save("kind", [b"a"], 1)
    monkeypatch.setattr(warmcache, "_made_of", lambda: b"other code or data")
    assert warmcache.load("kind", [b"a"]) is None


@pytest.mark.parametrize("source", ["enrich/matcher.py", "text/normalize.py", "text/stem.py"])
def test_a_change_of_the_code_names_other_files(monkeypatch, source):
    """The digest is of the sources' contents: one byte more in the matcher, the
    normalisation or the stemmer, and every file kept before is another's."""
    made = warmcache._made_of()
    assert made is not None and len(made) == 32
    real = Path.read_bytes
    edited = (ROOT / "newswire" / source).resolve()

    def read_bytes(self: Path) -> bytes:
        data = real(self)
        return data + b"#" if self.resolve() == edited else data

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    warmcache._made_of.cache_clear()
    try:
        assert warmcache._made_of() not in (None, made)
        monkeypatch.setattr(Path, "read_bytes", real)
        warmcache._made_of.cache_clear()
        assert warmcache._made_of() == made  # read again as it is: the same
    finally:
        warmcache._made_of.cache_clear()


def test_files_others_could_write_are_not_read(kept):
    warmcache.save("kind", [b"a"], "value")
    (path,) = kept.glob("kind-*.pickle")
    path.chmod(0o666)
    assert warmcache.load("kind", [b"a"]) is None
    path.chmod(0o600)
    assert warmcache.load("kind", [b"a"]) == "value"
    kept.chmod(0o777)
    assert warmcache.load("kind", [b"a"]) is None
    kept.chmod(0o700)
    # A link in the file's place (to a file of the same contents) is not followed.
    target = kept.parent / "elsewhere.pickle"
    target.write_bytes(path.read_bytes())
    target.chmod(0o600)
    path.unlink()
    path.symlink_to(target)
    assert warmcache.load("kind", [b"a"]) is None
    # Nor a folder that is a link.
    path.unlink()
    warmcache.save("kind", [b"a"], "value")
    link = kept.parent / "link"
    link.symlink_to(kept)
    os.environ["NEWSWIRE_CACHE_DIR"] = str(link)
    assert warmcache.load("kind", [b"a"]) is None
    os.environ["NEWSWIRE_CACHE_DIR"] = str(kept)
    assert warmcache.load("kind", [b"a"]) == "value"


def test_a_damaged_file_is_a_miss_not_a_failure(kept):
    warmcache.save("kind", [b"a"], list(range(1000)))
    (path,) = kept.glob("kind-*.pickle")
    path.write_bytes(path.read_bytes()[:100])
    assert warmcache.load("kind", [b"a"]) is None
    path.write_bytes(b"not a pickle")
    assert warmcache.load("kind", [b"a"]) is None
    # Removed when found damaged: what the next process builds is kept in its place.
    assert not path.exists()
    warmcache.save("kind", [b"a"], list(range(1000)))
    assert warmcache.load("kind", [b"a"]) == list(range(1000))


def test_a_process_started_before_its_files_changed_keeps_and_loads_nothing(kept, monkeypatch):
    """An upgrade in place before the restart: the process may run the code it imported
    before, so what it builds is not kept under the name of the files now on disk."""
    warmcache.save("kind", [b"a"], "value")
    imported = warmcache.IMPORTED_NS
    warmcache._made_of.cache_clear()
    try:
        monkeypatch.setattr(warmcache, "IMPORTED_NS", 0)  # every file changed since
        assert warmcache.load("kind", [b"a"]) is None
        warmcache.save("kind", [b"b"], "value")
        assert len(list(kept.glob("kind-*.pickle"))) == 1  # only the one kept before
        monkeypatch.setattr(warmcache, "IMPORTED_NS", imported)
    finally:
        warmcache._made_of.cache_clear()
    assert warmcache.load("kind", [b"a"]) == "value"


def test_off_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSWIRE_CACHE_DIR", "off")
    assert warmcache.directory() is None
    warmcache.save("kind", [b"a"], 1)
    assert warmcache.load("kind", [b"a"]) is None


def test_the_default_folder_is_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("NEWSWIRE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert warmcache.directory() == tmp_path / "newswire"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert warmcache.directory() == tmp_path / "home" / ".cache" / "newswire"


def test_a_folder_that_cannot_be_made_keeps_nothing_and_fails_nothing(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder would be")
    monkeypatch.setenv("NEWSWIRE_CACHE_DIR", str(blocker / "cache"))
    warmcache.save("kind", [b"a"], 1)
    assert warmcache.load("kind", [b"a"]) is None


def test_only_the_newest_files_of_a_kind_stay(kept):
    past = 10**18  # September 2001: before any file written now
    for n in range(warmcache.KEEP + 2):
        warmcache.save("kind", [str(n).encode()], n)
        # Each a second apart, all before the next is written (coarse clocks tie them).
        path = warmcache._file(kept, "kind", [str(n).encode()])
        os.utime(path, ns=(past + n * 10**9, past + n * 10**9))
    warmcache.save("other", [b"x"], "x")
    assert len(list(kept.glob("kind-*.pickle"))) == warmcache.KEEP
    kept_now = [warmcache.load("kind", [str(n).encode()]) for n in range(warmcache.KEEP + 2)]
    assert kept_now == [None, None, *range(2, warmcache.KEEP + 2)]
    assert warmcache.load("other", [b"x"]) == "x"
    assert not list(kept.glob(".kind-*"))  # no temporary file left


def test_temporary_files_left_by_killed_processes_are_removed(kept):
    warmcache.save("kind", [b"a"], 1)
    left = kept / ".kind-left"
    left.write_bytes(b"half a pickle")
    os.utime(left, (10**9, 10**9))  # September 2001: long past any write under way
    writing = kept / ".kind-being-written"  # another process's, under way
    writing.write_bytes(b"half a pickle")
    warmcache.save("kind", [b"b"], 2)
    assert not left.exists()
    assert writing.exists()


def _term(term_id: str, name: str) -> Term:
    return Term(id=term_id, kind="person", name=name, names={"ar": [name]})


def test_an_index_of_other_terms_is_built_not_loaded(kept, monkeypatch):
    gazetteer = load()
    first = [_term("nwv:test-1", "سمير العطار")]
    built = entities._Index(first, gazetteer)
    assert list(kept.glob("entities-*.pickle"))
    text = "قال سمير العطار في أنقرة ولسمير العطار رأي آخر بشأن وزير المالية كمال الشريف"
    found = built.matcher.find(text)
    assert [m.key for m in found if m.key == "nwv:test-1"] == ["nwv:test-1"] * 2

    builds: list[int] = []
    real = Matcher.__init__

    def counted(self, pairs):
        builds.append(1)
        real(self, pairs)

    monkeypatch.setattr(Matcher, "__init__", counted)
    monkeypatch.setattr(entities, "_LAST", [])  # no automaton of this process to reuse
    again = entities._Index(first, gazetteer)
    assert builds == []  # loaded
    assert again.matcher.find(text) == found
    assert again._pairs == built._pairs
    assert again.terms.keys() == built.terms.keys()

    # A term added: another file, and its name is found.
    second = [*first, _term("nwv:test-2", "كمال الشريف")]
    other = entities._Index(second, gazetteer)
    assert builds == [1]
    assert "nwv:test-2" in [m.key for m in other.matcher.find(text)]


def test_a_file_of_the_right_name_holding_something_else_is_built_again(kept):
    """What a file holds is checked for its shape: a file another build of this code
    left (or anything pickled under the name) is not taken for the automaton."""
    gazetteer = load()
    terms = [_term("nwv:test-3", "نادر الحلبي")]
    warmcache.save("entities", [entities._ENCODE(terms)], ("not", "a matcher"))
    warmcache.save("known-words", [b"ar"], {"not": "a table"})
    index = entities._Index(terms, gazetteer)
    assert [m.key for m in index.matcher.find("قال نادر الحلبي")] == ["nwv:test-3"]
    from newswire.enrich.terms import Table

    table = Table()
    table.know("ar")
    assert len(table.terms) > 1000  # the file's words, built from the shipped table
    # Each was read under the name the junk was kept under (and not written over).
    assert len(list(kept.glob("entities-*.pickle"))) == 1
    assert len(list(kept.glob("known-words-*.pickle"))) == 1


_SCRIPT = r"""
import json, sys
import msgspec
from newswire.demo import corpus_items, corpus_records
from newswire.enrich import matcher, terms
from newswire.enrich.base import STEPS, Context
from newswire.enrich.pipeline import build
from newswire.text import analyze

builds = []
real_init = matcher.Matcher.__init__
def counted(self, pairs):
    builds.append("automaton")
    real_init(self, pairs)
matcher.Matcher.__init__ = counted
real_known = analyze.known_words
def known(lang):
    builds.append("known words")
    return real_known(lang)
terms.known_words = known

enricher = build(Context(store=None), STEPS)
enricher.warm()
items = list(corpus_items(corpus_records(__import__("pathlib").Path(sys.argv[1]))))[:60]
out = []
for item in enricher.enrich_many(items, [None] * len(items)):
    out.append({
        "subjects": [msgspec.to_builtins(s) for s in item.subjects],
        "entities": [msgspec.to_builtins(e) for e in item.entities],
    })
table = terms.table()
print(json.dumps({"builds": builds, "items": out, "terms": len(table.terms)}))
"""


def _enrich_in_a_process(folder) -> dict:
    env = {**os.environ, "NEWSWIRE_CACHE_DIR": str(folder)}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(CORPUS_SAMPLE)],
        env=env, capture_output=True, text=True, check=True, cwd=ROOT,
    )
    return json.loads(done.stdout)


def test_a_process_that_loads_enriches_as_one_that_builds(tmp_path):
    folder = tmp_path / "cache"
    first = _enrich_in_a_process(folder)
    assert sorted(first["builds"]) == ["automaton", "known words"]
    assert {p.name.split("-")[0] for p in folder.glob("*.pickle")} == {"entities", "known"}
    second = _enrich_in_a_process(folder)
    assert second["builds"] == []  # both loaded
    assert second["items"] == first["items"]
    assert second["terms"] == first["terms"]
    assert any(i["entities"] for i in first["items"])
    assert any(i["subjects"] for i in first["items"])
    off = _enrich_in_a_process("off")
    assert sorted(off["builds"]) == ["automaton", "known words"]
    assert off["items"] == first["items"]

"""The shipped table of frequent words and their terms (``known_words``): equal to the
analyzer's, refused when made by another analysis, and taken in by the caches."""

from __future__ import annotations

import gzip

from newswire.enrich.terms import Table
from newswire.text.analyze import (
    Analyzer,
    analysis_version,
    analyzer,
    known_words,
    parse_known,
)

TEXT = "قالت وزارة الصحة في غزة إن المساعدات وصلت بغزة، وكانت CNN قد نقلت عن الأمم المتحدة"


def render(words: list[str], terms: list[str], version: str | None = None) -> bytes:
    header = f"newswire-words\tar\t{version or analysis_version()}"
    return "\n".join([header, str(len(words)), *words, *terms]).encode()


def test_the_shipped_table_is_the_analyzers() -> None:
    # Fails whenever the analysis changes and the table is not built again
    # (scripts/build_words.py): every word's term, not a sample.
    found = known_words("ar")
    assert found is not None
    words, terms = found
    assert len(words) > 50_000
    fresh = Analyzer("ar")  # its own cache: every word analysed here
    assert fresh.word_terms(words) == terms
    assert len(set(words)) == len(words)


def test_a_table_of_another_analysis_is_not_used() -> None:
    words = ["غزة", "المساعدات", "CNN"]
    terms = analyzer("ar").word_terms(words)
    assert parse_known("ar", render(words, terms)) == (words, terms)
    assert parse_known("ar", render(words, terms, version="0/unicode-1.0")) is None
    assert parse_known("en", render(words, terms)) is None
    stale = [*terms[:-1], "cnn-stale"]  # a word whose term changed since
    assert parse_known("ar", render(words, stale)) is None
    assert parse_known("ar", render(words, terms)[:-1]) is None  # a term cut short
    assert parse_known("ar", render(words, terms[:-1])) is None  # a term missing


def test_the_shipped_file_reads_as_written() -> None:
    # The header names the language and the version the table was made under.
    from importlib import resources

    data = resources.files("newswire.data").joinpath("words_ar.txt.gz").read_bytes()
    header = gzip.decompress(data).split(b"\n", 1)[0].decode()
    assert header == f"newswire-words\tar\t{analysis_version()}"
    assert known_words("xx") is None  # no table: every word analysed as before


def test_a_table_that_knows_the_words_gives_the_same_terms() -> None:
    from newswire.text.analyze import WORD

    words = [*WORD.findall(TEXT), "ـ"]  # a lone tatweel: the empty term
    known, cold = Table(), Table()
    known.know("ar")
    known.know("ar-EG")  # the same analysis: taken in once
    assert len(known.terms) > 10_000
    assert len(known._words["ar"]) == len(known_words("ar")[0])  # type: ignore[index]
    for table in (known, cold):
        ids = table.word_ids("ar", words)
        assert [table.terms[i] for i in ids] == analyzer("ar").word_terms(words)
    before = len(known.terms)
    known.know("ar")
    assert len(known.terms) == before
    cold.know("xx")  # no table of that language: nothing taken in
    assert "xx" not in cold._words


def test_the_shared_analyzer_takes_the_table_in() -> None:
    shared = analyzer("ar")
    shared.warm()
    words, terms = known_words("ar")  # type: ignore[misc]
    assert all(shared._cache.get(w) == t for w, t in zip(words[::97], terms[::97], strict=True))
    own = Analyzer("ar", arabic=lambda word: word)  # a term function of its own
    own.warm()
    assert not own._cache
    assert own.terms("بغزة") == ["بغزة"]


def test_the_steps_warm_numbers_the_known_words(monkeypatch) -> None:
    # Bulk ingest warms its steps before forking the workers: the subject model's and
    # story threads' warm take the table in, which the workers then share.
    from newswire.enrich import terms
    from newswire.enrich.base import STEPS, Context
    from newswire.enrich.pipeline import build

    for name in ("subjects", "threads"):
        monkeypatch.setattr(terms, "_TABLE", [Table()])
        build(Context(), (name,)).warm()
        words = known_words("ar")[0]  # type: ignore[index]
        assert len(terms.table()._words["ar"]) == len(words), name
    assert {"subjects", "threads"} <= set(STEPS)

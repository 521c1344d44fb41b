"""The shipped table of frequent words and their terms (``known_words``): equal to the
analyzer's, refused when made by another analysis, and taken in by the caches."""

from __future__ import annotations

import gzip
from importlib import resources

from newswire.enrich.terms import Table
from newswire.text.analyze import (
    ANALYSIS_VERSION,
    Analyzer,
    Known,
    analysis_version,
    analyzer,
    known_words,
    parse_known,
)

TEXT = "قالت وزارة الصحة في غزة إن المساعدات وصلت بغزة، وكانت CNN قد نقلت عن الأمم المتحدة"


def render(words: list[str], terms: list[str], version: str | None = None) -> bytes:
    """The file's layout for words each of a term of its own."""
    header = f"newswire-words\tar\t{version or analysis_version()}"
    return "\n".join([header, " ".join("1" * len(words)), *terms, *words]).encode()


def shipped() -> Known:
    """The shipped table, which this Python uses whatever Unicode database it was built
    under (the tests below check each of its words against this Python's analysis)."""
    data = resources.files("newswire.data").joinpath("words_ar.txt.gz").read_bytes()
    header = gzip.decompress(data).split(b"\n", 1)[0].decode()
    assert header.startswith(f"newswire-words\tar\t{ANALYSIS_VERSION}/unicode-")
    found = known_words("ar")
    assert found is not None
    return found


def test_the_shipped_table_is_the_analyzers() -> None:
    # Fails whenever the analysis changes and the table is not built again
    # (scripts/build_words.py): every word's term, not a sample.
    found = shipped()
    assert len(found.words) > 50_000
    fresh = Analyzer("ar")  # its own cache: every word analysed here
    assert fresh.word_terms(found.words) == found.word_terms()
    assert len(set(found.words)) == len(found.words)
    assert len(set(found.terms)) == len(found.terms) == len(found.counts)
    assert min(found.counts) >= 1


def test_a_table_of_another_analysis_is_not_used() -> None:
    words = ["غزة", "المساعدات", "CNN"]
    terms = analyzer("ar").word_terms(words)
    assert parse_known("ar", render(words, terms)) == (terms, [1, 1, 1], words)
    grouped = f"newswire-words\tar\t{analysis_version()}\n2 1\nغزه\nمساعد\nغزة\nغزه\nالمساعدات"
    found = parse_known("ar", grouped.encode())
    assert found is not None
    assert found.word_terms() == ["غزه", "غزه", "مساعد"]
    assert parse_known("ar", render(words, terms, version="0/unicode-1.0")) is None
    # Built under another Unicode database, the same analysis: used, its sample checked.
    other = f"{ANALYSIS_VERSION}/unicode-1.0"
    assert parse_known("ar", render(words, terms, version=other)) == (terms, [1, 1, 1], words)
    assert parse_known("ar", render(words, stale := [*terms[:-1], "x"], version=other)) is None
    assert stale != terms
    assert parse_known("en", render(words, terms)) is None
    stale = [*terms[:-1], "cnn-stale"]  # a word whose term changed since
    assert parse_known("ar", render(words, stale)) is None
    assert parse_known("ar", render(words, terms)[:-1]) is None  # a term cut short
    assert parse_known("ar", render(words, terms[:-1])) is None  # a term missing
    assert parse_known("ar", b"newswire-words") is None  # not such a table at all
    assert parse_known("ar", b"\xff\xfe\n1\nx\ny") is None
    header = f"newswire-words\tar\t{analysis_version()}"
    assert parse_known("ar", f"{header}\none\nx\ny".encode()) is None


def test_the_shipped_file_reads_as_written() -> None:
    # The header names the language and the version the table was made under.
    shipped()
    assert known_words("xx") is None  # no table: every word analysed as before


def test_a_table_that_knows_the_words_gives_the_same_terms() -> None:
    from newswire.text.analyze import WORD

    found = shipped()
    words = [*WORD.findall(TEXT), "ـ"]  # a lone tatweel: the empty term
    known, cold, later = Table(), Table(), Table()
    known.know("ar")
    later.word_ids("ar", words)  # some of the terms numbered before the table comes
    later.know("ar")
    assert known.terms == ["", *found.terms]  # a new table: the terms numbered in a row
    assert len(later._words["ar"]) >= len(found.words)
    known.know("ar-EG")  # the same analysis: taken in once
    assert len(known.terms) > 10_000
    assert len(known._words["ar"]) == len(found.words)
    for table in (known, cold, later):
        ids = table.word_ids("ar", words)
        assert [table.terms[i] for i in ids] == analyzer("ar").word_terms(words)
    before = len(known.terms)
    known.know("ar")
    assert len(known.terms) == before
    cold.know("xx")  # no table of that language: nothing taken in
    assert "xx" not in cold._words


def test_the_shared_analyzer_takes_the_table_in() -> None:
    found = shipped()
    shared = analyzer("ar")
    shared.warm()
    pairs = list(zip(found.words, found.word_terms(), strict=True))[::97]
    assert all(shared._cache.get(word) == term for word, term in pairs)
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

    found = shipped()
    for name in ("subjects", "threads"):
        monkeypatch.setattr(terms, "_TABLE", [Table()])
        build(Context(), (name,)).warm()
        assert len(terms.table()._words["ar"]) == len(found.words), name
    assert {"subjects", "threads"} <= set(STEPS)


def test_a_batch_of_documents_is_numbered_as_each_alone() -> None:
    # ``analysed_many``: one look-up of the batch's words, the same terms as one by one,
    # whether a text begins with its head or not, with or without the known words.
    from newswire.enrich.base import Document, Findings
    from newswire.enrich.pipeline import document
    from newswire.enrich.terms import analysed, analysed_many
    from newswire.model import NewsItem

    texts = [
        ("غزة تحت القصف", "الملخص: غزة، أنقرة", ["أعلنت وزارة الصحة في غزة.", "وقالت أنقرة."]),
        ("", "الملخص وحده", ["نص بكلمة نادرة جدا زقزقزق"]),
        ("عنوان فقط", "", []),
        ("", "", []),
        ("ـ", "", ["ـ ـ CNN"]),
    ]
    docs = []
    for headline, lead, body in texts:
        item = NewsItem(id="urn:test:words", headline=headline, lead=lead, body=body)
        docs.append(document(item))
        docs.append(Document(item=item, text="\n".join(body), language="ar", found=Findings()))
    for know in (False, True):
        alone, together = Table(), Table()
        if know:
            together.know("ar")
        expected = [analysed(doc, "ar", alone) for doc in docs]
        for doc in docs:
            doc.numbered.clear()
        first = analysed(docs[3], "ar", together)  # numbered before: kept as it is
        found = analysed_many(docs, "ar", together)
        assert found[3] is first
        for one, many in zip(expected, found, strict=True):
            assert [alone.terms[i] for i in one.ids] == [together.terms[i] for i in many.ids]
            assert [alone.terms[i] for i in one.head] == [together.terms[i] for i in many.head]
            assert many.table is together
        again = analysed_many(docs, "ar", together)  # made once a document
        assert all(a is b for a, b in zip(again, found, strict=True))
        for doc in docs:
            doc.numbered.clear()

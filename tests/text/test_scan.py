"""``newswire.text.scan``: ``WORD``'s words found with numpy, their hashes, the hash index,
and ``Table.text_ids``, which numbers texts' words through them exactly as ``word_ids``
numbers ``WORD.findall``'s."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswire.demo import corpus_items, corpus_records
from newswire.enrich import terms
from newswire.enrich.terms import Table
from newswire.text.analyze import ELSE, WORD, word_classes
from newswire.text.scan import HashIndex, hash_words, scan
from tests.conftest import CORPUS_SAMPLE
from tests.helpers import examples

# Characters each of the scan's rules is about: Arabic letters and harakat, tatweel,
# Latin and digits, Arabic-Indic digits, a Latin combining mark, Syriac (a letter of
# neither class), punctuation, spaces, an underscore; and what it leaves to ``WORD``:
# the joiners, a CJK ideograph and kana, an emoji and an astral mark.
PIECES = list(
    "بغزةالمُساعَدات ـ\u0651\u064babcXYZ019٠١٢éß\u0301\u0710.,'’-_\n\t\u00a0"
    "\u200c\u200d\u00ad中あ\U0001f600\U000e0100"
)


CLASSES = word_classes()


def words_of(text: str) -> list[str] | None:
    found = scan(text)
    assert found is not None
    if found.odd.size:
        return None
    return [text[a:b] for a, b in zip(found.starts.tolist(), found.ends.tolist(), strict=True)]


@settings(max_examples=examples(400), deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_the_scan_finds_the_words_of_the_pattern(text: str) -> None:
    found = scan(text)
    assert found is not None
    odd = [c for c in text if ord(c) > 0xFFFF or CLASSES[ord(c)] == ELSE]
    assert bool(found.odd.size) == bool(odd)
    words = words_of(text)
    if words is not None:
        assert words == WORD.findall(text)
        assert found.hashes.tolist() == hash_words(words).tolist()


def test_the_scan_reads_the_corpus_as_the_pattern_does() -> None:
    items = list(corpus_items(corpus_records(CORPUS_SAMPLE)))
    texts = ["\n".join([item.headline, item.lead, *item.body]) for item in items]
    assert len(texts) >= 200
    read = 0
    for text in texts:
        words = words_of(text)
        if words is not None:
            read += 1
            assert words == WORD.findall(text)
    assert read > 0.9 * len(texts)  # the scan reads nearly every article itself


def test_a_word_hashes_alike_wherever_it_stands() -> None:
    text = "غزة قالت غزة، وغزة ثم غزة"
    found = scan(text)
    assert found is not None
    hashes = found.hashes.tolist()
    assert hashes[0] == hashes[2] == hashes[5] != hashes[3]
    assert len(set(hash_words(["غزة", "غزه", "زةغ", "a", "A", "ab", "ba"]).tolist())) == 7
    assert all(h % 2 == 1 for h in hashes)  # never 0, an empty slot's
    lone = scan("غزة \ud800")  # a lone surrogate: not scanned
    assert lone is None


@pytest.mark.parametrize("length", [10, 70_000, 300_000, (1 << 20) + 5])
def test_a_word_hashes_alike_in_texts_of_every_length(length: int) -> None:
    """The powers are a table kept for the process, grown as longer texts come and made
    apart past its size: a word's hash is the same at the start and at the end of a text
    of any length, after texts of other lengths were scanned."""
    for size in (length, 100, length):
        text = "غزة" + " " * (size - 7) + "غزة"
        found = scan(text)
        assert found is not None
        assert found.hashes.tolist() == hash_words(["غزة", "غزة"]).tolist()


def test_a_word_longer_than_any_word_of_news_is_left_to_the_pattern(monkeypatch) -> None:
    # A 2,048-letter Thue–Morse word and its complement: the same polynomial hash modulo
    # 2^64 whatever the multiplier. Longer than LONGEST, their texts are read with WORD.
    thue = [bin(n).count("1") % 2 for n in range(2048)]
    first = "".join("ab"[b] for b in thue)
    second = "".join("ba"[b] for b in thue)
    found = scan(f"غزة {first} {second} غزة")
    assert found is not None and found.odd.size == 2
    assert found.starts.size == 2  # the two short words only, hashed
    monkeypatch.setattr(terms, "SCAN_FROM", 0)
    table = Table()
    ids = table.text_ids("ar", [f"{first} غزة", f"{second} غزة", "غزة"])
    assert [table.terms[i] for i in ids[0].tolist()] != [table.terms[i] for i in ids[1].tolist()]
    assert table.terms[ids[0][0]] == first and table.terms[ids[1][0]] == second


def test_the_hash_index_finds_what_was_added_as_it_grows() -> None:
    rng = np.random.default_rng(5)
    hashes = np.unique(rng.integers(0, 2**64 - 1, 50_000, dtype=np.uint64, endpoint=True)) | np.uint64(1)
    index = HashIndex(bits=4)
    numbers = np.arange(len(hashes), dtype=np.int32)
    for part in np.array_split(np.arange(len(hashes)), 7):
        index.add(hashes[part], numbers[part])
    assert index.size == len(hashes)
    assert np.array_equal(index.get(hashes), numbers)
    others = hashes + np.uint64(2)
    absent = ~np.isin(others, hashes)
    assert (index.get(others[absent]) == -1).all()
    assert index.get(np.empty(0, dtype=np.uint64)).size == 0


@pytest.mark.parametrize("scan_from", [0, 10**9])
def test_texts_are_numbered_as_their_words_are(monkeypatch, scan_from: int) -> None:
    # Scanned (from 0 characters) or read with the pattern: the same numbers as the
    # words of ``WORD.findall``, a text the scan does not follow (a joiner, CJK, an
    # emoji, a lone surrogate) read with the pattern among the others.
    monkeypatch.setattr(terms, "SCAN_FROM", scan_from)
    texts = [
        "أعلنت وزارة الصحة في غزة أن المساعدات وصلت بغزة",
        "",
        "می\u200cخواهم به تهران بروم",  # a non-joiner inside a Persian word
        "CNN قالت إن G20 و2016 المُساعَدات",
        "北京 و غزة",
        "\U0001f600 غزة",
        "كلمة نادرة جدا زقزقزق",
    ]
    # A lone surrogate cannot be scanned: its batch is read with the pattern.
    for batch in (texts, [*texts, "غزة \ud800 غزة"]):
        for know in (False, True):
            scanned, plain = Table(), Table()
            if know:
                scanned.know("ar")
            for _ in range(2):  # the words new, then known by their hash
                found = scanned.text_ids("ar", batch)
                assert len(found) == len(batch)
                for text, ids in zip(batch, found, strict=True):
                    expected = plain.word_ids("ar", WORD.findall(text))
                    assert [scanned.terms[i] for i in ids.tolist()] == [
                        plain.terms[i] for i in expected
                    ], text

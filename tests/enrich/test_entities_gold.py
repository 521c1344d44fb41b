"""The hand-labelled entity gold set is well-formed (tests/data/entities_gold.md).

Each mention must be found in its article as the guidelines write it: after
``normalize`` (hamza forms, alef maksura, teh marbuta, harakat, tatweel), with a hashtag's
``_`` read as a space, as a run of whole words whose first word may carry a proclitic
(``و ف ب ل ك`` and their pairs, ``لل`` for ``ال`` after ``ل``). The articles are in the
corpus sample ``ant_arabic_news.sample1000.jsonl`` (``$NEWSWIRE_CORPUS`` or the corpus
folder ``../shared/corpus`` beside the repository); without it, the checks run on the
articles that ``demo/corpus_sample.jsonl`` (its first 300) holds.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from newswire.text.normalize import normalize
from tests.conftest import CORPUS_SAMPLE, ROOT, SEED

DATA = Path(__file__).resolve().parent.parent / "data"
GOLD = DATA / "entities_gold.jsonl"
SEED_GOLD = DATA / "entities_seed.json"
KINDS = {"person", "organisation", "place"}
MIN_ARTICLES = 100

_PROCLITICS = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك")
_WORD = re.compile(r"\w+")


def _load_selection_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "select_entity_gold", ROOT / "scripts" / "select_entity_gold.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SELECT = _load_selection_script()
FULL_SAMPLE: Path = SELECT.default_sample()


def _records(path: Path) -> dict[str, dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return {r["id"]: r for r in map(json.loads, lines)}


ARTICLES = _records(FULL_SAMPLE) if FULL_SAMPLE.exists() else _records(CORPUS_SAMPLE)
GOLD_ROWS: list[dict[str, Any]] = [
    json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()
]


def words(text: str) -> list[str]:
    """The words of ``text`` as the guidelines compare them."""
    return _WORD.findall(normalize(text).replace("_", " "))


def _forms(word: str) -> set[str]:
    forms = {clitic + word for clitic in _PROCLITICS}
    if word.startswith("ال"):  # ل + ال is written لل
        forms |= {clitic + "لل" + word[2:] for clitic in ("", "و", "ف")}
    return forms


def occurs(mention: str, text_words: list[str]) -> bool:
    """Does ``mention`` occur in the words of a text, its first word maybe with a clitic?"""
    wanted = words(mention)
    if not wanted:
        return False
    first, rest, n = _forms(wanted[0]), wanted[1:], len(wanted)
    return any(
        text_words[i] in first and text_words[i + 1 : i + n] == rest
        for i in range(len(text_words) - n + 1)
    )


def article_text(record: dict[str, Any]) -> str:
    return "\n".join(record.get(k) or "" for k in ("headline", "abstract", "body"))


def check_entities(entities: list[dict[str, Any]], text: str, where: str) -> None:
    text_words = words(text)
    seen: set[tuple[str, str]] = set()
    for entity in entities:
        assert set(entity) == {"kind", "name", "en", "mentions"}, where
        assert entity["kind"] in KINDS, (where, entity)
        assert isinstance(entity["name"], str) and entity["name"].strip(), (where, entity)
        assert entity["en"] is None or (isinstance(entity["en"], str) and entity["en"])
        key = (entity["kind"], normalize(entity["name"]))
        assert key not in seen, (where, "twice", entity["name"])
        seen.add(key)
        mentions = entity["mentions"]
        assert mentions and len(set(mentions)) == len(mentions), (where, entity)
        for mention in mentions:
            assert mention == mention.strip() and mention, (where, entity)
            assert occurs(mention, text_words), (where, entity["name"], mention)


def test_the_clitic_rule_on_examples() -> None:
    text = words("وقالن التقى لحماس بغزة وللأمم المتحدة #بنيامين_نتنياهو المصري")
    for mention in ("قالن", "حماس", "غزة", "الأمم المتحدة", "بنيامين نتنياهو"):
        assert occurs(mention, text), mention
    # a nationality adjective is not its country; a word is whole; the order is kept
    for mention in ("مصر", "قال", "نتنياهو بنيامين", "الأمم المتحدة المصري"):
        assert not occurs(mention, text), mention


def test_at_least_a_hundred_articles_each_once() -> None:
    ids = [row["id"] for row in GOLD_ROWS]
    assert len(ids) >= MIN_ARTICLES
    assert len(set(ids)) == len(ids)
    for row in GOLD_ROWS:
        assert set(row) == {"id", "source", "entities"}
        assert isinstance(row["entities"], list)


@pytest.mark.skipif(not FULL_SAMPLE.exists(), reason="the corpus sample is not here")
def test_the_articles_are_those_the_selection_rule_chooses() -> None:
    chosen = SELECT.select(ARTICLES.values())
    assert [row["id"] for row in GOLD_ROWS] == [r["id"] for r in chosen]
    for row in GOLD_ROWS:
        assert row["source"] == ARTICLES[row["id"]]["source"]


def test_every_mention_occurs_in_its_article() -> None:
    checked = 0
    for row in GOLD_ROWS:
        record = ARTICLES.get(row["id"])
        if record is None:
            assert not FULL_SAMPLE.exists(), f"{row['id']} is not in the sample"
            continue
        check_entities(row["entities"], article_text(record), row["id"])
        checked += 1
    assert checked > 0


def test_the_seed_item() -> None:
    seed = json.loads(SEED_GOLD.read_text(encoding="utf-8"))
    assert seed["id"] == SEED.name
    check_entities(seed["entities"], SEED.read_text(encoding="utf-8"), SEED.name)
    names = {(e["kind"], e["name"]) for e in seed["entities"]}
    assert ("person", "بنيامين نتنياهو") in names


def test_counts_per_kind() -> None:
    counts = Counter(e["kind"] for row in GOLD_ROWS for e in row["entities"])
    assert set(counts) == KINDS

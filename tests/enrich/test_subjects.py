"""The ``subjects`` step and ``newswire train-subjects``, on real articles."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from newswire import formats
from newswire.enrich import subjects, train
from newswire.enrich.base import Context, Document, Findings
from newswire.enrich.subject_model import Model, Settings, load, tokens
from newswire.model import MACHINE, NewsItem
from tests.conftest import CORPUS_SAMPLE, SEED
from tests.helpers import newswire

SPORT = "medtop:15000000"
ECONOMY = "medtop:04000000"


def sample() -> dict[str, dict]:
    rows = (json.loads(line) for line in CORPUS_SAMPLE.read_text().splitlines())
    return {row["id"]: row for row in rows}


def document(item: NewsItem, language: str = "ar") -> Document:
    text = "\n".join(p for p in (item.headline, item.lead, *item.body) if p)
    return Document(item=item, text=text, language=language, found=Findings())


def article(row: dict) -> NewsItem:
    return NewsItem(
        id=row["id"],
        headline=row["headline"],
        lead=row.get("abstract") or "",
        body=[row["body"]],
    )


def test_held_out_is_the_sha1_beginning_with_f():
    ids = [f"article-{n}" for n in range(200)]
    for article_id in ids:
        digest = hashlib.sha1(article_id.encode()).hexdigest()
        assert train.held_out(article_id) is (digest[0] == "f")
    assert any(train.held_out(i) for i in ids)
    assert not all(train.held_out(i) for i in ids)


def test_no_held_out_article_is_trained_on(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(CORPUS_SAMPLE.read_bytes())
    training, held = train.articles(corpus)
    assert held, "the sample has held-out articles"
    assert not any(train.held_out(a.id) for a in training)
    assert all(train.held_out(a.id) for a in held)


@pytest.mark.parametrize(
    ("category", "categories", "expected"),
    [
        ("sport", ["sport"], "sport"),
        ("internationalNews", ["internationalNews", "sport"], "sport"),
        ("economy", ["economy", "technology"], "economy"),
        ("middleEast", ["middleEast", "internationalNews"], "desk"),
        ("localNews", ["localNews"], None),
        ("diverse", ["diverse"], None),
        ("localNews", ["localNews", "internationalNews"], None),
    ],
)
def test_corpus_categories_to_classes(category, categories, expected):
    assert train.label(category, categories) == expected


def test_the_seed_is_politics_or_conflict():
    [item] = formats.get("text").parse(SEED.read_bytes())
    found = subjects.build(Context()).find(document(item))
    codes = [c.code for c in found.subjects]
    assert codes, "the seed gets a subject"
    assert codes[0] in {"medtop:11000000", "medtop:16000000"}
    for concept in found.subjects:
        assert concept.creator == MACHINE
        assert concept.confidence is not None
        assert 0 <= concept.confidence <= 100
        assert concept.uri.endswith(concept.code.removeprefix("medtop:"))
        assert concept.name

    # Named in the item's language (Arabic): in NewsML-G2 the name stands under the item's
    # xml:lang="ar".
    assert found.subjects[0].name in {"سياسة", "نزاعات، حرب وسلام"}


@pytest.mark.parametrize(
    ("article_id", "code", "name"),
    [
        # Named in the article's language, Arabic, as IPTC names them.
        ("JA-sport-681-20170306", SPORT, "رياضة"),
        ("AL-economy-139-20180301", ECONOMY, "اقتصاد، أعمال ومال"),
    ],
)
def test_held_out_sport_and_economy(article_id, code, name):
    assert train.held_out(article_id), "articles the shipped model never saw"
    found = subjects.build(Context()).find(document(article(sample()[article_id])))
    top = found.subjects[0]
    assert (top.code, top.name, top.creator) == (code, name, MACHINE)
    assert top.confidence is not None
    assert subjects.shipped().settings.threshold * 100 - 1 <= top.confidence <= 100


def test_other_languages_and_short_texts_get_nothing():
    step = subjects.build(Context())
    row = sample()["JA-sport-681-20170306"]
    assert step.find(document(article(row), language="en")).subjects == []
    assert step.find(document(article(row), language="")).subjects, "Arabic text, no tag"
    english = NewsItem(id="x", headline="Galatasaray beat Fenerbahce", body=["A goal." * 30])
    assert step.find(document(english, language="")).subjects == []
    short = NewsItem(id="y", headline="مباراة")
    assert step.find(document(short)).subjects == []
    assert step.find(document(NewsItem(id="z"))).subjects == []


def test_the_model_loads_once():
    assert subjects.build(Context()).model is subjects.build(Context()).model  # type: ignore[attr-defined]
    assert subjects.shipped() is subjects.shipped()


def test_scores_are_scikit_learns():
    """The hand-written scoring gives scikit-learn's probabilities."""
    rows = list(sample().values())[:120]
    texts = [tokens(*train.head_and_text(r), 2) for r in rows]
    labels = [r["category"] for r in rows]
    counts, tfidf, classifier = train._fit(texts, labels)
    model = Model(
        classes=tuple(classifier.classes_),
        codes=tuple(classifier.classes_),
        vocabulary={str(t): int(i) for t, i in counts.vocabulary_.items()},
        idf=tfidf.idf_,
        coef=classifier.coef_,
        intercept=classifier.intercept_,
        settings=Settings(),
    )
    expected = classifier.predict_proba(tfidf.transform(counts.transform(texts[:20])))
    for terms, probabilities in zip(texts[:20], expected, strict=True):
        assert np.allclose(model.probabilities(terms), probabilities, atol=1e-5)


def test_train_subjects_writes_a_model_that_predicts(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(CORPUS_SAMPLE.read_bytes())
    out = tmp_path / "model.npz"
    result = newswire("train-subjects", "--corpus", str(corpus), "--out", str(out))
    assert result.returncode == 0, result.stderr.decode()
    assert "macro-F1" in result.stdout.decode() or "macro-F1" in result.stderr.decode()
    model = load(out)
    assert set(model.codes) <= set(train.CODES.values())
    row = sample()["JA-sport-681-20170306"]
    ranked = model.topics(tokens(*train.head_and_text(row), model.settings.head_weight))
    assert ranked[0][0] == SPORT


def test_train_subjects_without_a_corpus_fails(tmp_path):
    missing = tmp_path / "nowhere.jsonl.xz"
    result = newswire("train-subjects", "--corpus", str(missing), "--out", str(tmp_path / "m"))
    assert result.returncode != 0
    assert "no such corpus file" in result.stderr.decode()
    assert not (tmp_path / "m").exists()
    result = newswire("train-subjects", env={"NEWSWIRE_SUBJECT_CORPUS": ""})
    assert result.returncode == 2
    assert "--corpus" in result.stderr.decode()


def test_a_corrupt_corpus_names_the_line(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"id": "a", "category": "sport"}\nnot json\n')
    result = newswire("train-subjects", "--corpus", str(corpus), "--out", str(tmp_path / "m"))
    assert result.returncode == 1
    assert f"{corpus}:2: not JSON" in result.stderr.decode()


def test_a_model_file_that_is_not_one(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a subject model"):
        load(bad)
    assert Path(str(bad)).exists()

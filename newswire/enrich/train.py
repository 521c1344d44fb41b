"""Training and evaluating the subject classifier on a labelled corpus (JSON lines).

The corpus is the ANT Arabic news corpus's layout: one JSON object a line with ``id``,
``headline``, ``abstract`` (the lead, optional), ``body``, ``category`` and
``categories`` (every category the article was filed under); plain or ``.xz``.

**Split.** An article is *held out* when the SHA-1 hex digest of its ``id`` begins with
``f`` (``held_out``): held-out articles are read only to evaluate, never to fit anything
(vocabulary, IDF, coefficients, threshold). Choices made in training (the threshold) come
from cross-validation over the training articles alone.

**Labels.** The categories that are subjects map to Media Topics (``SUBJECTS``). The
outlets' world desks (``internationalNews``, ``middleEast``) are not subjects, but an
article filed only there is politics or conflict three times out of four (a hand-checked
sample of 60, ``docs/enrichment-subjects.md``), while the corpus's own ``politic`` label
is 501 articles of one Tunisian radio about Tunisian politics. Such articles are therefore
a class of their own, ``desk``, which gives politics (``medtop:11000000``): without it the
model has never seen world politics and calls most of it economy or technology.
``localNews`` and ``diverse`` (one outlet's local news and miscellany) are left out.
"""

from __future__ import annotations

import hashlib
import json
import lzma
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from newswire.enrich.subject_model import Model, Settings, tokens

SUBJECTS: dict[str, str] = {
    "sport": "medtop:15000000",
    "economy": "medtop:04000000",
    "technology": "medtop:13000000",
    "culture": "medtop:01000000",
    "society": "medtop:14000000",
    "politic": "medtop:11000000",
}
"""Corpus category → IPTC Media Topic."""
DESK = "desk"
DESKS = frozenset({"internationalNews", "middleEast"})
"""Corpus categories of world desks: an article filed only under these is class ``desk``."""
CODES: dict[str, str] = {**SUBJECTS, DESK: SUBJECTS["politic"]}
"""Class → the Media Topic it gives."""

HEAD_WEIGHT = 2
C = 10.0
MIN_DF = 3
TARGET_PRECISION = 0.95
"""The threshold is the least probability at which the topics given agree with the
cross-validated labels this often."""


class CorpusError(ValueError):
    """A corpus that cannot be read: missing, unreadable, not JSON lines, no labels."""


def held_out(article_id: str) -> bool:
    """Whether an article is kept for evaluation (its id's SHA-1 begins with ``f``)."""
    return hashlib.sha1(article_id.encode()).hexdigest().startswith("f")


def label(category: str, categories: list[str]) -> str | None:
    """An article's class: its one subject category, its main category when it was filed
    under two subjects, ``desk`` when it was filed only under world desks; else ``None``
    (not used)."""
    subjects = [c for c in dict.fromkeys(categories or [category]) if c in SUBJECTS]
    if len(subjects) == 1:
        return subjects[0]
    if subjects:
        return category if category in SUBJECTS else None
    filed = set(categories or [category])
    return DESK if filed and filed <= DESKS else None


@dataclass(slots=True)
class Article:
    id: str
    label: str
    terms: list[str]


def read(path: Path) -> Iterator[dict[str, Any]]:
    """The corpus's articles; ``CorpusError`` naming the file (and line) when it cannot."""
    try:
        f = lzma.open(path, "rt", encoding="utf-8") if path.suffix == ".xz" else path.open()
    except FileNotFoundError:
        raise CorpusError(f"{path}: no such corpus file") from None
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    with f:
        try:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusError(f"{path}:{number}: not JSON ({exc.msg})") from None
                if not isinstance(row, dict) or not isinstance(row.get("id"), str):
                    raise CorpusError(f"{path}:{number}: an article needs an 'id' string")
                yield row
        except (OSError, EOFError, lzma.LZMAError, UnicodeDecodeError) as exc:
            raise CorpusError(f"{path}: cannot read it ({exc})") from None


def head_and_text(row: dict[str, Any]) -> tuple[str, str]:
    """The headline and lead, and the whole text (headline, lead, body), one a line: what
    ``Document`` gives the step at run time."""
    parts = [str(row.get(key) or "") for key in ("headline", "abstract")]
    head = "\n".join(p for p in parts if p)
    text = "\n".join(p for p in (head, str(row.get("body") or "")) if p)
    return head, text


def articles(path: Path) -> tuple[list[Article], list[Article]]:
    """The labelled articles of the corpus: (training, held out)."""
    training: list[Article] = []
    held: list[Article] = []
    for row in read(path):
        cls = label(str(row.get("category") or ""), list(row.get("categories") or []))
        if cls is None:
            continue
        head, text = head_and_text(row)
        article = Article(row["id"], cls, tokens(head, text, HEAD_WEIGHT))
        (held if held_out(article.id) else training).append(article)
    return training, held


@dataclass(slots=True)
class Report:
    """Figures on a set of articles, by Media Topic (the classes that give one topic are
    counted together)."""

    articles: int
    accuracy: float
    macro_f1: float
    per_topic: dict[str, dict[str, float]] = field(default_factory=dict)
    """Topic → precision, recall, f1, support."""
    given: float = 0.0
    """The share of articles given a topic at the model's threshold."""
    given_precision: float = 0.0
    """How often the topic given at the threshold is right."""


def _fit(texts: list[list[str]], labels: list[str]) -> tuple[Any, Any, Any]:
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    counts = CountVectorizer(analyzer=_same, min_df=min(MIN_DF, len(texts)), dtype=np.float32)
    tfidf = TfidfTransformer(sublinear_tf=True)
    x = tfidf.fit_transform(counts.fit_transform(texts))
    classifier = LogisticRegression(C=C, max_iter=500)
    classifier.fit(x, labels)
    return counts, tfidf, classifier


def _same(terms: list[str]) -> list[str]:
    return terms


def _threshold(probabilities: np.ndarray, classes: list[str], truth: list[str]) -> float:
    """The least threshold at which the top topic is right ``TARGET_PRECISION`` of the
    time (out-of-fold probabilities of the training articles)."""
    codes = [CODES[c] for c in classes]
    topics = sorted(set(codes))
    summed = np.stack(
        [probabilities[:, [i for i, c in enumerate(codes) if c == t]].sum(1) for t in topics], 1
    )
    top = summed.argmax(1)
    best = summed.max(1)
    right = np.array([topics[k] == CODES[t] for k, t in zip(top, truth, strict=True)])
    for threshold in np.arange(0.30, 0.96, 0.01):
        given = best >= threshold
        if given.any() and right[given].mean() >= TARGET_PRECISION:
            return round(float(threshold), 2)
    return 0.95


def train(path: Path, *, folds: int = 3) -> tuple[Model, list[Article]]:
    """A model fitted on the corpus's training articles; also the held-out articles, for
    ``evaluate``. ``CorpusError`` when the corpus has no labelled training article."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline

    training, held = articles(path)
    if not training:
        raise CorpusError(f"{path}: no labelled article to train on")
    texts = [a.terms for a in training]
    labels = [a.label for a in training]
    if len(set(labels)) < 2:
        raise CorpusError(f"{path}: the articles to train on have fewer than two classes")
    counts, tfidf, classifier = _fit(texts, labels)
    classes = [str(c) for c in classifier.classes_]
    extra: dict[str, Any] = {
        "trained_on": len(training),
        "classes": dict(Counter(labels)),
    }
    smallest = min(Counter(labels).values())
    threshold = 0.5
    if min(folds, smallest) >= 2:
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
        from sklearn.linear_model import LogisticRegression

        pipeline = make_pipeline(
            CountVectorizer(analyzer=_same, min_df=MIN_DF, dtype=np.float32),
            TfidfTransformer(sublinear_tf=True),
            LogisticRegression(C=C, max_iter=500),
        )
        split = StratifiedKFold(min(folds, smallest), shuffle=True, random_state=14)
        oof = cross_val_predict(pipeline, texts, labels, cv=split, method="predict_proba")
        threshold = _threshold(oof, classes, labels)
        extra["cv_folds"] = split.n_splits
    vocabulary = {str(term): int(i) for term, i in counts.vocabulary_.items()}
    model = Model(
        classes=tuple(classes),
        codes=tuple(CODES[c] for c in classes),
        vocabulary=vocabulary,
        idf=tfidf.idf_.astype(np.float32),
        coef=classifier.coef_.astype(np.float32),
        intercept=classifier.intercept_.astype(np.float32),
        settings=Settings(head_weight=HEAD_WEIGHT, threshold=threshold, extra=extra),
    )
    return model, held


def evaluate(model: Model, held: list[Article], *, subjects_only: bool = True) -> Report:
    """Accuracy, macro-F1 and per-topic figures of ``model`` on ``held`` (the top topic,
    whatever its probability), with the share given a topic at the threshold and their
    precision. ``subjects_only`` leaves out the ``desk`` articles, whose politics label
    is the desk's, not an editor's."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    chosen = [a for a in held if not subjects_only or a.label != DESK]
    truth = [CODES[a.label] for a in chosen]
    predicted: list[str] = []
    given = right = 0
    for article in chosen:
        topic, p = model.topics(article.terms)[0]
        predicted.append(topic)
        if p >= model.settings.threshold:
            given += 1
            right += topic == CODES[article.label]
    if not chosen:
        return Report(articles=0, accuracy=0.0, macro_f1=0.0)
    topics = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=topics, zero_division=0
    )
    return Report(
        articles=len(chosen),
        accuracy=float(accuracy_score(truth, predicted)),
        macro_f1=float(f1_score(truth, predicted, labels=topics, average="macro")),
        per_topic={
            t: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, t in enumerate(topics)
        },
        given=given / len(chosen),
        given_precision=right / given if given else 0.0,
    )

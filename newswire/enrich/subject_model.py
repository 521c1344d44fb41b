"""The subject classifier as shipped: features, the model file, and one item's scores.

The model is a multinomial logistic regression over TF-IDF weights of the text's search
terms (``newswire.text.analyze``: normalised, stemmed Arabic), trained by
``newswire.enrich.train`` with scikit-learn. What it needs at run time is kept in one
``.npz`` file with no pickled object in it (``numpy.load(..., allow_pickle=False)``): the
vocabulary, the IDF weights, the coefficients and intercepts, the classes and a JSON
string of settings. Scoring is written here with numpy rather than through
scikit-learn's ``predict_proba``: its input checks cost more than the arithmetic for one
short text, and the arithmetic is a few lines (sublinear TF × IDF, L2 norm, a dot product,
softmax; many texts at once in bulk ingest, ``probabilities_many``), the same ``TfidfTransformer(sublinear_tf=True)`` and ``LogisticRegression``
compute; ``tests/enrich/test_subjects.py`` checks that both give the same probabilities.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from newswire.text.analyze import analyzer

FORMAT = 1
"""The version of the file layout; a file of another version is refused."""


def tokens(head: str, text: str, head_weight: int, lang: str = "ar") -> list[str]:
    """The terms a text is classified by: every term of ``text`` once, and the terms of
    ``head`` (headline and lead, which ``text`` also holds) ``head_weight - 1`` times more,
    so that what the headline and the lead say weighs more than the body."""
    analysis = analyzer(lang)
    found = analysis.terms(text)
    if head_weight > 1 and head:
        found.extend(analysis.terms(head) * (head_weight - 1))
    return found


@dataclass(frozen=True, slots=True)
class Settings:
    """How the model is applied; kept in the model file beside the numbers."""

    head_weight: int = 2
    """How many times a term of the headline or the lead counts (``tokens``)."""
    threshold: float = 0.5
    """The least probability for the top class to be given (chosen by cross-validation on
    the training articles)."""
    second_ratio: float = 0.5
    """A second class is given when its probability is over ``threshold`` too, and at least
    this fraction of the first's."""
    min_terms: int = 10
    """A text with fewer terms gets no subject."""
    languages: tuple[str, ...] = ("ar",)
    """The item languages (primary subtags) the model was trained on."""
    extra: dict[str, Any] = field(default_factory=dict)
    """What training recorded about itself (corpus, sizes, cross-validated figures)."""


@dataclass(frozen=True, slots=True)
class Model:
    """A trained subject model: ``probabilities(terms)`` over ``classes``."""

    classes: tuple[str, ...]
    """The classes the model tells apart (corpus labels: ``sport``, ``desk``, …)."""
    codes: tuple[str, ...]
    """The Media Topic of each class (two classes may give the same topic)."""
    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float32]
    coef: npt.NDArray[np.float32]
    """``(len(classes), len(vocabulary))``."""
    intercept: npt.NDArray[np.float32]
    settings: Settings

    def probabilities(self, terms: Sequence[str]) -> npt.NDArray[np.float64]:
        """The probability of each class for a text made of ``terms`` (``tokens``)."""
        found: npt.NDArray[np.float64] = self.probabilities_many([self.columns(terms)])[0]
        return found

    def columns(self, terms: Sequence[str]) -> npt.NDArray[np.intp]:
        """Each term's column in the coefficients, -1 for a term the model does not know
        (for ``newswire.enrich.terms.Table.array``)."""
        get = self.vocabulary.get
        return np.fromiter((get(t, -1) for t in terms), dtype=np.intp, count=len(terms))

    def probabilities_many(
        self, texts: Sequence[npt.NDArray[np.intp]]
    ) -> npt.NDArray[np.float64]:
        """``probabilities`` of many texts at once, a row a text, each given as its terms'
        columns (``columns``; -1 for a term the model does not know, left out): the
        texts' term counts as one sparse matrix (row, column, count), its weights and
        their product with the coefficients summed row by row in column order. A row's
        figures do not depend on the other rows (``tests/enrich/test_batch.py``)."""
        every = np.concatenate(texts) if len(texts) else np.empty(0, np.intp)
        return self.probabilities_joined(every, [len(t) for t in texts])

    def probabilities_joined(
        self, columns: npt.NDArray[np.intp], lengths: Sequence[int]
    ) -> npt.NDArray[np.float64]:
        """``probabilities_many`` of the texts whose columns are ``columns`` one after the
        other, ``lengths[k]`` of them text ``k``'s: a chunk's texts made one array at once
        rather than an array each (numpy's fixed cost a call is most of a short text's)."""
        rows = len(lengths)
        width = len(self.vocabulary)
        owner = np.repeat(np.arange(rows, dtype=np.int64), lengths)
        columns = columns.astype(np.int64)
        known = columns >= 0
        cells, counts = np.unique(owner[known] * width + columns[known], return_counts=True)
        row, column = np.divmod(cells, width)
        weights = (1.0 + np.log(counts)) * self.idf[column]  # sublinear TF x IDF
        norms = np.sqrt(np.bincount(row, weights=weights * weights, minlength=rows))
        weights /= norms[row]
        # Each row's products summed over its own cells (``reduceat`` from the first cell
        # of each row that has any: up to the next such row's): a row with no term the
        # model knows scores zero, its intercept alone.
        scores = np.zeros((rows, len(self.classes)), dtype=np.float64)
        some = norms > 0
        if some.any():
            firsts = np.searchsorted(row, np.flatnonzero(some))
            products = self.coef.T[column] * weights[:, np.newaxis]  # a row a cell
            scores[some] = np.add.reduceat(products, firsts, axis=0)
        scores += self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]

    def topics(self, terms: Sequence[str]) -> list[tuple[str, float]]:
        """The Media Topics for ``terms``, most probable first, each with the summed
        probability of the classes that give it."""
        return self.topics_of(self.probabilities(terms))

    def topics_of(self, probabilities: npt.NDArray[np.float64]) -> list[tuple[str, float]]:
        """``topics`` of a text whose ``probabilities`` are given."""
        return self.top_topics(probabilities.reshape(1, -1), len(self.classes))[0]

    def top_topics(
        self, probabilities: npt.NDArray[np.float64], count: int
    ) -> list[list[tuple[str, float]]]:
        """``topics_of`` of each row of ``probabilities``, its first ``count`` topics: the
        rows summed by topic and ranked at once. The same figures: a topic's probability
        is its classes' summed in class order, and ties keep the order topics first
        appear in ``codes``, as one row at a time with Python floats."""
        topics, members = self._topic_columns()
        summed = np.empty((len(probabilities), len(topics)), dtype=np.float64)
        for n, columns in enumerate(members):
            total = probabilities[:, columns[0]].copy()
            for column in columns[1:]:
                total += probabilities[:, column]
            summed[:, n] = total
        order = np.argsort(-summed, axis=1, kind="stable")[:, :count]
        best = np.take_along_axis(summed, order, axis=1).tolist()
        return [
            [(topics[k], p) for k, p in zip(ranks, values, strict=True)]
            for ranks, values in zip(order.tolist(), best, strict=True)
        ]

    def _topic_columns(self) -> tuple[tuple[str, ...], tuple[tuple[int, ...], ...]]:
        """The topics in the order they first appear in ``codes``, and each one's classes."""
        members: dict[str, list[int]] = {}
        for n, code in enumerate(self.codes):
            members.setdefault(code, []).append(n)
        return tuple(members), tuple(tuple(m) for m in members.values())

    def save(self, path: Path) -> None:
        """Write the model as ``.npz`` (compressed; no pickled object in it)."""
        words = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        s = self.settings
        meta = {
            "format": FORMAT,
            "head_weight": s.head_weight,
            "threshold": s.threshold,
            "second_ratio": s.second_ratio,
            "min_terms": s.min_terms,
            "languages": list(s.languages),
            "extra": s.extra,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            np.savez_compressed(
                f,
                classes=np.array(self.classes, dtype=str),
                codes=np.array(self.codes, dtype=str),
                vocabulary=np.array(words, dtype=str),
                idf=self.idf.astype(np.float32),
                coef=self.coef.astype(np.float32),
                intercept=self.intercept.astype(np.float32),
                settings=np.array(json.dumps(meta, ensure_ascii=False)),
            )


class ModelError(ValueError):
    """A model file that cannot be read or is not a subject model of this version."""


def load(path: Path) -> Model:
    """Read a model written by ``Model.save``; ``ModelError`` if it is not one."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["settings"]))
            if meta.get("format") != FORMAT:
                raise ModelError(f"{path}: not a subject model of format {FORMAT}")
            words = data["vocabulary"].tolist()
            coef = data["coef"].astype(np.float32)
            model = Model(
                classes=tuple(data["classes"].tolist()),
                codes=tuple(data["codes"].tolist()),
                vocabulary={word: i for i, word in enumerate(words)},
                idf=data["idf"].astype(np.float64),
                coef=coef,
                intercept=data["intercept"].astype(np.float64),
                settings=Settings(
                    head_weight=int(meta["head_weight"]),
                    threshold=float(meta["threshold"]),
                    second_ratio=float(meta["second_ratio"]),
                    min_terms=int(meta["min_terms"]),
                    languages=tuple(meta["languages"]),
                    extra=dict(meta.get("extra", {})),
                ),
            )
    except (OSError, KeyError, ValueError, json.JSONDecodeError) as exc:
        if isinstance(exc, ModelError):
            raise
        raise ModelError(f"{path}: not a subject model ({exc})") from None
    if len(model.codes) != len(model.classes):
        raise ModelError(f"{path}: one Media Topic per class is needed")
    if model.coef.shape != (len(model.classes), len(model.vocabulary)):
        raise ModelError(f"{path}: coefficients do not match the classes and vocabulary")
    return model

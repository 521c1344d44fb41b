"""The ``subjects`` step: IPTC Media Topics from the classifier shipped in the package.

The model (``newswire/data/subjects.npz``, trained by ``newswire train-subjects``; see
``newswire.enrich.train`` for the corpus, the labels and the split) is read once per
process. For an item in a language the model was trained on (Arabic), the step gives the
most probable topic when its probability is over the model's threshold (chosen by
cross-validation on the training articles), and the second one too when it is also over
the threshold and at least half as probable; the confidence is the probability × 100.
A text of fewer than ``min_terms`` terms, or in another language, gets no subject: the
model has seen only Arabic, and a guess would be noise marked as a finding.

**Conflict.** The corpus has no conflict label. When the topic given is politics, the
step adds *conflict, war and peace* (``medtop:16000000``) if the headline and lead name
at least two of the documented ``CONFLICT_TERMS`` (war, shelling, air strike, truce,
genocide, …), with a confidence of at most 60: a rule, not a learned class, measured in
``docs/enrichment-subjects.md``.
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from importlib.resources import as_file, files

import numpy as np

from newswire.access.taxonomy import label
from newswire.enrich.base import Context, Document, Findings, Step
from newswire.enrich.subject_model import Model, load
from newswire.enrich.terms import Analysed, Ids, analysed_many, table
from newswire.enrich.terms import warm as warm_terms
from newswire.model import MACHINE, Concept
from newswire.text.analyze import analyzer

POLITICS = "medtop:11000000"
CONFLICT = "medtop:16000000"
CONFLICT_TERMS = (
    "حرب الحرب حروب قصف غارة غارات اشتباكات اشتباك معارك معركة هدنة إبادة الإبادة"
    " مجزرة مجازر قتلى قتيل جرحى مسلحين مسلحون صواريخ صاروخ الاحتلال حصار الحصار"
    " اجتياح تفجير انفجار انتحاري إرهابي الإرهاب الجيش"
)
"""Arabic words of war and armed conflict (as written; compared as search terms)."""
_CONFLICT = frozenset(analyzer("ar").terms(CONFLICT_TERMS))
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_LETTER = re.compile(r"[^\W\d_]")
_STEPS = itertools.count()


@cache
def shipped() -> Model:
    """The model shipped in the package, read on first use and kept for the process."""
    with as_file(files("newswire") / "data" / "subjects.npz") as path:
        return load(path)


def concept(code: str, confidence: float, lang: str = "") -> Concept:
    """The topic ``code`` as the machine's subject, named in the item's language ``lang``
    where IPTC names it in that language (Arabic), else in English: a name under an
    Arabic item's ``xml:lang`` (NewsML-G2) or shown beside its Arabic text is Arabic."""
    return Concept(
        code=code,
        name=label(code, lang),
        uri=f"http://cv.iptc.org/newscodes/mediatopic/{code.removeprefix('medtop:')}",
        creator=MACHINE,
        confidence=max(0, min(100, round(confidence * 100))),
    )


class Subjects:
    """The ``subjects`` step over one model (``Step``)."""

    name = "subjects"

    def __init__(self, model: Model) -> None:
        self.model = model
        # The name of the model's column of each term in the term table (``Table.array``).
        self._columns = f"subjects {next(_STEPS)}"

    def warm(self) -> None:
        """``base.Warms``: the shipped table of frequent Arabic words numbered in the term
        table (``terms.warm``), which the model reads its texts in."""
        warm_terms("ar")

    def _readable(self, doc: Document) -> bool:
        lang = (doc.language or doc.found.language).split("-")[0].lower()
        if lang:
            return lang in self.model.settings.languages
        # Unknown language: the model reads text that is mostly Arabic letters.
        sample = doc.text[:2000]
        letters = len(_LETTER.findall(sample))
        return letters > 0 and len(_ARABIC.findall(sample)) * 2 > letters

    def find(self, doc: Document) -> Findings:
        return self.find_many([doc])[0]

    def find_many(self, docs: list[Document]) -> list[Findings]:
        """``base.Batches``: the texts' terms counted and scored together
        (``Model.probabilities_many``)."""
        settings = self.model.settings
        out = [Findings() for _ in docs]
        numbers = table()
        scored: list[tuple[int, Analysed]] = []
        parts: list[Ids] = []
        lengths: list[int] = []
        readable = [n for n, doc in enumerate(docs) if self._readable(doc)]
        # The texts' terms are made once for every step that reads them (threads too),
        # the words of them all looked up together.
        numbered = analysed_many([docs[n] for n in readable], "ar", numbers)
        again = max(settings.head_weight - 1, 0)  # the head weighs more: counted again
        for n, terms in zip(readable, numbered, strict=True):
            size = len(terms.ids) + len(terms.head) * again
            if size < settings.min_terms:
                continue
            scored.append((n, terms))
            parts += [terms.ids, *[terms.head] * again]
            lengths.append(size)
        if not scored:
            return out
        columns = numbers.array(self._columns, self.model.columns)  # the terms added too
        # The chunk's texts one array, looked up and scored at once.
        found = self.model.probabilities_joined(columns[np.concatenate(parts)], lengths)
        ranked = self.model.top_topics(found, 2)
        for (n, terms), best in zip(scored, ranked, strict=True):
            out[n] = self._found(docs[n], terms, best)
        return out

    def _found(self, doc: Document, terms: Analysed, ranked: list[tuple[str, float]]) -> Findings:
        settings = self.model.settings
        (first, p1), (second, p2) = ranked[0], ranked[1]
        if p1 < settings.threshold:
            return Findings()
        lang = doc.language or doc.found.language or doc.item.language
        found = [concept(first, p1, lang)]
        if p2 >= settings.threshold and p2 >= settings.second_ratio * p1:
            found.append(concept(second, p2, lang))
        if first == POLITICS:
            head_terms = map(terms.table.terms.__getitem__, terms.head.tolist())
            if len(_CONFLICT.intersection(head_terms)) >= 2:
                found.append(concept(CONFLICT, min(p1, 0.6), lang))
        return Findings(subjects=found)


def build(context: Context) -> Step:
    """The step over the shipped model (read once per process)."""
    return Subjects(shipped())

"""Step ``language``: the language of an item that does not declare one.

Detected with lingua (``lingua-language-detector``), whose models ship inside the package:
nothing is fetched at run time. A declared language always wins (the pipeline keeps it);
this step only looks at items whose language is empty or ``und``.

Detection chooses among ``LANGUAGES``, the languages an agency of newswire's kind
publishes in (Anadolu's thirteen and their neighbours), not all 75 lingua knows: the
fewer the candidates the faster and the fewer the confusions between close languages
(Bosnian, Croatian and Serbian are told apart only among themselves). Text shorter than
``MIN_CHARS`` letters, or text lingua is not sure of, gives no finding: an item stays
without a language rather than with a wrong one. Kurmanji Kurdish, which lingua does not
know (it says Turkish), is told first by its common words, as the text codec tells it. Only the first ``SAMPLE`` characters are
read: a paragraph or two tells as well as the whole body, at a bounded cost (about 0.3 ms
an item here, ``bench/enrich.py``).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from newswire.enrich.base import Context, Document, Findings
from newswire.formats.text import detect_language

if TYPE_CHECKING:
    from lingua import LanguageDetector

LANGUAGES: tuple[str, ...] = (
    "ar", "en", "tr", "fr", "es", "ru", "fa", "de", "bs", "hr", "sr", "sq", "mk", "az",
    "id", "ms", "kk", "ur", "pt", "it", "el", "he", "zh", "ja", "ko", "uk", "nl",
    # The languages of the agencies whose files IPTC's examples are (TT, NTB) and their
    # neighbours: without them a Swedish caption was told as German.
    "sv", "da", "nb", "fi", "pl", "ro", "hu", "cs",
)  # fmt: skip
"""ISO 639-1 codes of the languages detection chooses among."""

KURMANJI = "ku"
"""Kurmanji Kurdish (Latin script), which lingua does not know: told by the text codec's
common words (``newswire.formats.text.detect_language``)."""
MIN_CHARS = 20
SAMPLE = 600
UNDECLARED = ("", "und")


@functools.cache
def detector() -> LanguageDetector:
    """The detector, built once per process on first use (its models load lazily)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [IsoCode639_1.from_str(code) for code in LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def detect(text: str) -> str:
    """The ISO 639-1 code of ``text``'s language, or ``""`` when it cannot be told."""
    sample = text[:SAMPLE]
    if sum(c.isalpha() for c in sample) < MIN_CHARS:
        return ""
    if detect_language(sample) == KURMANJI:
        return KURMANJI  # lingua knows no Kurdish: it says Turkish
    found = detector().detect_language_of(sample)
    return found.iso_code_639_1.name.lower() if found is not None else ""


class Language:
    name = "language"

    def find(self, doc: Document) -> Findings:
        if doc.item.language not in UNDECLARED:
            return Findings()
        return Findings(language=detect(doc.text))


def build(context: Context) -> Language:
    return Language()

"""Analysis: text to index terms, the same way for the documents indexed and the queries.

A query term and a document term match when they come out of ``analyze`` the same, so
both sides call this module: ``terms``/``index_text`` when indexing (the fast path, one
``findall`` and a cache), ``analyze`` when offsets are needed (highlighting, phrase
positions).

**Tokens.** A word is a run of letters and combining marks, digits going with the
non-Arabic letters, split where the script changes between Arabic letters and the rest:

* harakat, tatweel and other marks stay inside their word (``المُساعَدات`` is one token,
  not three as in SQLite FTS5's default tokenizer; Python's ``\\w`` misses the harakat);
* a zero-width non-joiner or joiner (U+200C/U+200D) or soft hyphen between two letters of
  the same run does not split it;
* ``لـCNN`` → ``لـ`` + ``CNN``, ``و2016`` → ``و`` + ``2016``, ``2018م`` → ``2018`` + ``م``,
  ``أفريل2014`` → ``أفريل`` + ``2014`` (the corpus glues prefixes to numbers and Latin names);
* ``G20``, ``S9``, ``mp3`` stay whole (Latin letters and digits), and so do Arabic-Indic
  numbers (``٢٠١٨`` → ``2018``);
* each Han ideograph, hiragana and katakana is a word of its own (Chinese and Japanese
  put no spaces between words: a query's run of them is a phrase of its characters);
* everything else separates words, ``.`` and ``,`` included: ``3.5`` is the two terms
  ``3`` and ``5`` and ``1,000`` is ``1`` and ``000`` (a query ``3.5`` analyses the same, and
  as a phrase still finds them); ``l'État`` and ``İstanbul'da`` split at the apostrophe.

**Terms.** Each token is analysed by its own script: a token of Arabic letters goes
through ``normalize`` and the Arabic stemmer (``stem.ARABIC``, light10+) whatever the item
language, unless the item language is another language written in Arabic script (Persian
``fa`` gets Snowball Persian, Urdu and the others no stemmer); any other token is
normalised (case-folded) and stemmed with ``stemmer_for(lang)`` (Snowball) — except in an
Arabic item or one of unknown language, where Latin words are names and acronyms (CNN,
Galaxy, iPhone) and are only case-folded, not stemmed. A query must therefore be analysed
with the language of the items it searches.

Stop words are kept (phrase positions stay simple and BM25 weighs them down); ``STOPWORDS``
holds a small Arabic and English list, as terms, for a query side that wants to drop them.
A token that normalises to nothing (a lone tatweel) is dropped without using a position. A
term never contains whitespace (NFKC turns ``ﷺ`` into four words: they are joined).
"""

from __future__ import annotations

import gzip
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from itertools import chain, compress, repeat
from typing import NamedTuple

from newswire.text.normalize import dotless_i, normalizer
from newswire.text.stem import ARABIC, language, stemmer_for

__all__ = [
    "ARABIC_LETTER",
    "ELSE",
    "MARK",
    "OTHER_LETTER",
    "SEPARATOR",
    "STOPWORDS",
    "WORD",
    "Analyzer",
    "Known",
    "Token",
    "analysis_version",
    "analyze",
    "analyzer",
    "index_text",
    "known_words",
    "terms",
    "word_classes",
]


@dataclass(slots=True, frozen=True)
class Token:
    """One word of a text: its index ``term`` and where it stands in the original text."""

    term: str  # the index term (normalised + stemmed)
    start: int  # character offset into the original text
    end: int  # end offset (exclusive)
    position: int  # 0-based word position


# -- the word pattern ----------------------------------------------------------------------

# Arabic letters of the Basic Multilingual Plane. The rare astral Arabic mathematical
# letters make runs with the other letters, and a run that begins with one is told Arabic
# (_ARABIC_LETTER). Classes are kept to the BMP where they can, which re compiles to
# bitmaps: more than twice as fast over the corpus as with the astral ranges in.
_ARABIC_BLOCKS = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x0870, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)
_PLANES_WITH_MARKS = (range(0x20000), range(0xE0000, 0xE1000))
_MARK_CATEGORIES = frozenset(("Mn", "Mc", "Me"))
# Scripts written without spaces between words: Han ideographs (Chinese, Japanese kanji),
# hiragana and katakana. Each character is a token of its own, so a query's run of them
# is a phrase of its characters and finds them wherever they stand, inside a longer run.
_CJK = "\u3005\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9d"
_CJK_ASTRAL = "\U00020000-\U0003134f"
_JOINERS = "\u200c\u200d\u00ad"


def _ranges(codes: list[int]) -> str:
    """A regex character-class body for a sorted list of code points."""
    out: list[str] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        first, last = re.escape(chr(codes[i])), re.escape(chr(codes[j]))
        out.append(first if i == j else f"{first}-{last}")
        i = j + 1
    return "".join(out)


def _letters_and_marks() -> tuple[list[int], list[int]]:
    """The code points of the Arabic letters (letters of the Arabic blocks) and of the
    combining marks, ascending: what ``WORD`` and ``word_classes`` are made of."""
    category = unicodedata.category
    arabic = [
        c
        for first, last in _ARABIC_BLOCKS
        for c in range(first, last + 1)
        if category(chr(c)).startswith("L")
    ]
    # The 135,000 code points' categories asked in one pass of C (``map``, ``compress``):
    # a comprehension calling ``category`` and ``startswith`` on each took twice as long.
    is_mark = _MARK_CATEGORIES.__contains__
    marks = [
        c
        for plane in _PLANES_WITH_MARKS
        for c in compress(plane, map(is_mark, map(category, map(chr, plane))))
    ]
    return arabic, marks


_LETTERS_AND_MARKS = _letters_and_marks()


def _word_pattern() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The word pattern, and the pattern of an Arabic letter."""
    arabic, marks = _LETTERS_AND_MARKS
    a = _ranges(arabic)
    m = _ranges([c for c in marks if c <= 0xFFFF])
    m_all = _ranges(marks)
    z = re.escape(_JOINERS)
    o = rf"[^\W_{a}{_CJK}]"  # a letter or digit that is neither Arabic nor CJK
    arabic_run = rf"[{a}][{a}{m}]*"
    other_run = rf"{o}(?:{o}|[{m_all}])*"  # (a rare astral ideograph may join it)
    cjk = rf"[{_CJK}]|[{_CJK_ASTRAL}]"
    word = rf"{arabic_run}(?:[{z}]+{arabic_run})*|{cjk}|{other_run}(?:[{z}]+{other_run})*"
    return re.compile(word), re.compile(rf"[{a}]|[\U0001EE00-\U0001EEFF]")


_WORD, _ARABIC_LETTER = _word_pattern()
WORD = _WORD
"""What a word is: ``WORD.findall(text)`` gives the words ``analyze`` makes tokens of."""

SEPARATOR, ARABIC_LETTER, OTHER_LETTER, MARK, ELSE = range(5)
"""The classes of ``word_classes``."""


def word_classes() -> bytes:
    """What each character of the Basic Multilingual Plane is to ``WORD``, one byte a code
    point: ``ARABIC_LETTER`` (``[a]``), ``OTHER_LETTER`` (``o``: a letter or digit neither
    Arabic nor CJK), ``MARK`` (a combining mark), ``ELSE`` for what joins or splits words by
    rules of its own (the joiners, CJK characters) and ``SEPARATOR`` for the rest. In a text
    of these classes but ``ELSE``, ``WORD``'s words are the runs of one letter class, each
    with the marks after its letters (``newswire.text.scan``, which checks it is so)."""
    arabic, marks = _LETTERS_AND_MARKS
    table = bytearray(
        OTHER_LETTER if c.isalnum() else SEPARATOR for c in map(chr, range(0x10000))
    )
    for code in arabic:
        table[code] = ARABIC_LETTER
    for code in marks:
        if code < 0x10000:
            table[code] = MARK
    for first, last in re.findall(r"(.)(?:-(.))?", _CJK + _JOINERS, re.DOTALL):
        low, high = ord(first), ord(last or first)
        table[low : high + 1] = bytes([ELSE]) * (high + 1 - low)
    return bytes(table)

# Languages other than Arabic written in Arabic script: their own stemmer, if any.
_ARABIC_SCRIPT = frozenset({"fa", "ur", "ps", "ku", "ckb", "sd", "ug", "ks"})
# Languages whose stemmer reads the dotless ı that ``normalize`` folds to i.
_DOTLESS_STEMMED = frozenset({"tr"})
# Item languages whose non-Arabic words are left unstemmed.
_UNSTEMMED_OTHER = frozenset({None, "ar"})

CACHE_LIMIT = 500_000

ANALYSIS_VERSION = 2
"""Raised whenever the term of some word changes (the normaliser, a stemmer, the Arabic
lexicon), with ``newswire.search.index.ANALYSIS``: a table of words' terms made by another
version (``known_words``) is not used."""

WORDS_FILE = "words_{lang}.txt.gz"
"""The shipped table of a language's frequent words and their terms, in ``newswire/data``
(``scripts/build_words.py``)."""

_SAMPLE = 256  # words of a table analysed again when it is loaded


def analysis_version() -> str:
    """The version a table of words' terms is made under: ``ANALYSIS_VERSION`` and, for the
    record, the Unicode database's (NFKC and case folding follow the Python the analysis
    runs on). A table is used under the same ``ANALYSIS_VERSION`` whatever its Unicode
    version: a Python with another database changes the terms of few words if any, which
    the sample checked at load and ``tests/text/test_known_words.py`` (every word, on the
    Python the suite runs on) find."""
    return f"{ANALYSIS_VERSION}/unicode-{unicodedata.unidata_version}"


def _identity(text: str) -> str:
    return text


def _joined(text: str) -> str:
    """``text`` without whitespace (NFKC expands ``ﷺ`` into four words)."""
    return text if text.isalnum() else "".join(text.split())


class Analyzer:
    """Text to tokens and terms for one item language, with a cache of surface → term.

    ``arabic`` replaces the term function of Arabic-script words: it receives the word as
    found in the text (harakat and all) and returns its term (``bench/stemmers.py``
    compares stemmers with it). The module functions use one shared ``Analyzer`` per
    language; an ``Analyzer`` is safe to share between threads.
    """

    __slots__ = ("_cache", "_term", "lang")

    def __init__(self, lang: str | None = None, *, arabic: Callable[[str], str] | None = None):
        self.lang = language(lang)
        self._cache: dict[str, str] = {}
        self._term = self._term_function(arabic)

    def _term_function(self, arabic: Callable[[str], str] | None) -> Callable[[str], str]:
        code = self.lang
        arabic_stem = stemmer_for(code) if code in _ARABIC_SCRIPT else ARABIC
        other_stem = stemmer_for(None if code in _UNSTEMMED_OTHER else code)
        is_arabic = _ARABIC_LETTER.match
        normal = normalizer(code)  # ``normalize(word, code)``, the language's rules decided once
        if code in _DOTLESS_STEMMED:
            # The stemmer reads the dotless ı (its vowel harmony), folded off its stem.
            dotted = normalizer(code, dotless=True)
            stem = other_stem

            def other_stem(word: str) -> str:
                return dotless_i(stem(dotted(word)))

            other_normal: Callable[[str], str] = _identity
        else:
            other_normal = normal

        def term(word: str) -> str:
            if not is_arabic(word):
                return other_stem(_joined(other_normal(word)))
            if arabic is None:
                return arabic_stem(_joined(normal(word)))
            return _joined(arabic(word))

        return term

    def term(self, word: str) -> str:
        """The term of one word (a token's text); ``""`` when it normalises to nothing."""
        found = self._cache.get(word)
        return self._term(word) if found is None else found

    def _terms(self, words: list[str]) -> list[str]:
        cache = self._cache
        try:
            return list(map(cache.__getitem__, words))
        except KeyError:
            pass
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        term = self._term
        for word in set(words).difference(cache):
            cache[word] = term(word)
        try:  # all there now: looked up in C again, not word by word in Python
            return list(map(cache.__getitem__, words))
        except KeyError:  # another thread cleared the cache meanwhile
            get = cache.get
            return [found if (found := get(word)) is not None else term(word) for word in words]

    def word_terms(self, words: list[str]) -> list[str]:
        """The term of each word (``""`` for one that normalises to nothing), aligned with
        ``words``: the words of a text are ``WORD.findall(text)``."""
        return self._terms(words)

    def terms(self, text: str) -> list[str]:
        """The index terms of ``text``, in order."""
        found = self._terms(_WORD.findall(text))
        return found if all(found) else list(filter(None, found))

    def warm(self) -> None:
        """Take the shipped table of the language's frequent words (``known_words``) into
        the cache: a process forked after this one does not stem them again. Only the
        shared analyzer of a language (``analyzer``) does: another may have a term
        function of its own."""
        found = known_words(self.lang) if _ANALYZERS.get(self.lang) is self else None
        if found is not None and len(self._cache) + len(found.words) <= CACHE_LIMIT:
            self._cache.update(zip(found.words, found.word_terms(), strict=True))

    def analyze(self, text: str) -> list[Token]:
        """The tokens of ``text``: terms, offsets into ``text`` and positions."""
        matches = list(_WORD.finditer(text))
        found = self._terms([match.group() for match in matches])
        tokens: list[Token] = []
        for match, term in zip(matches, found, strict=True):
            if term:
                tokens.append(Token(term, match.start(), match.end(), len(tokens)))
        return tokens


_ANALYZERS: dict[str | None, Analyzer] = {}


def analyzer(lang: str | None = None) -> Analyzer:
    """The shared ``Analyzer`` of language ``lang`` (``"ar"``, ``"ar-EG"`` and ``"AR"``
    share one)."""
    found = _ANALYZERS.get(lang)
    if found is None:
        code = language(lang)
        found = _ANALYZERS.get(code)
        if found is None:
            found = _ANALYZERS.setdefault(code, Analyzer(code))
        _ANALYZERS[lang] = found
    return found


class Known(NamedTuple):
    """A shipped table of words and their terms (``known_words``), the words grouped by
    term: the first ``counts[0]`` words have the term ``terms[0]``, the next
    ``counts[1]`` ``terms[1]``, and so on (a term once, however many words have it)."""

    terms: list[str]
    counts: list[int]
    words: list[str]

    def word_terms(self) -> list[str]:
        """The term of each of ``words``, aligned with them."""
        return list(chain.from_iterable(map(repeat, self.terms, self.counts)))


_KNOWN: dict[str, Known | None] = {}
_KNOWN_LOCK = threading.Lock()


def known_words(lang: str | None) -> Known | None:
    """The shipped table of language ``lang``'s frequent words and their terms
    (``WORDS_FILE``), read once a process. None when there is none, or when it was made
    by another analysis than this one: another ``ANALYSIS_VERSION``, or a word of a
    sample spread over it whose term is another now (a table left stale)."""
    code = language(lang) or ""
    with _KNOWN_LOCK:
        if code not in _KNOWN:
            _KNOWN[code] = _read_known(code)
        return _KNOWN[code]


def _read_known(code: str) -> Known | None:
    path = resources.files("newswire.data").joinpath(WORDS_FILE.format(lang=code))
    if not code.isalpha() or not path.is_file():
        return None
    try:
        return parse_known(code, gzip.decompress(path.read_bytes()))
    except (OSError, EOFError):  # a damaged file (``gzip.BadGzipFile`` is an OSError)
        return None


def parse_known(code: str, data: bytes) -> Known | None:
    """The table of ``known_words`` in ``data`` (the file uncompressed): a header line
    (``newswire-words``, the language, the analysis version), a line of the counts
    (``Known.counts``, separated by spaces), then the terms one a line, then the words
    one a line (no word or term holds a line break: read with one ``split``, about twice
    as fast as a line of each word with its term). None when it is of another language
    or analysis, or cut short, or not such a table at all."""
    try:
        header, counts_line, rest = data.decode("utf-8").split("\n", 2)
        counts = list(map(int, counts_line.split()))
    except ValueError:  # not UTF-8 (``UnicodeDecodeError``), too few lines, a count not a number
        return None
    name, _, made = header.rpartition("\t")
    if name != f"newswire-words\t{code}" or made.split("/")[0] != str(ANALYSIS_VERSION):
        return None
    lines = rest.split("\n")
    known = Known(lines[: len(counts)], counts, lines[len(counts) :])
    if len(known.terms) != len(counts) or len(known.words) != sum(counts):
        return None
    term, found = analyzer(code)._term, known.word_terms()
    step = max(1, len(found) // _SAMPLE)
    if any(term(known.words[n]) != found[n] for n in range(0, len(found), step)):
        return None
    return known


def terms(text: str, lang: str | None = None) -> list[str]:
    """The index terms of ``text``: ``[t.term for t in analyze(text, lang)]``, faster."""
    return analyzer(lang).terms(text)


def index_text(text: str, lang: str | None = None) -> str:
    """The terms of ``text`` joined by spaces, for a whitespace tokenizer (tantivy's)."""
    return " ".join(analyzer(lang).terms(text))


def analyze(text: str, lang: str | None = None) -> list[Token]:
    """The tokens of ``text``: terms, offsets into the original text and positions."""
    return analyzer(lang).analyze(text)


def _stopwords() -> frozenset[str]:
    arabic = (
        "في من على إلى الى عن مع هذا هذه ذلك تلك التي الذي الذين اللذين اللتين هو هي هم هن"
        " أن ان إن أو او لا لم لن ما ماذا كان كانت يكون قد و ف ب ل ك ثم بين كل بعد قبل حتى"
        " عند لدى منذ أي اي غير بل لكن إذا اذا كما أيضا ايضا فقط قال وقال وفي ومن وعلى وأن"
        " التى فى"
    )
    english = (
        "a an and are as at be but by for from has have he her his in is it its of on or"
        " she that the their they this to was were which will with"
    )
    return frozenset(terms(arabic, "ar") + terms(english) + terms(english, "en"))


STOPWORDS: frozenset[str] = _stopwords()

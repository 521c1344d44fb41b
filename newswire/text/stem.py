"""Stemmers: one word's inflected forms brought to one index term.

Arabic has three candidates, measured on the ANT corpus by ``bench/stemmers.py`` (figures
and the reasoning in ``docs/search.md``):

* ``light10``, the light stemmer of Larkey, Ballesteros and Connell ("Light Stemming for
  Arabic Information Retrieval", 2007; the one Lucene's ``ArabicStemmer`` implements).
  It strips at most one prefix, the first that fits of ``ال وال بال كال فال لل``, keeping at
  least ``min_stem`` letters (2 in the paper), or else ``و`` if 3 letters remain; then each
  suffix of ``ها ان ات ون ين يه ية ه ة ي`` in that order, each time keeping at least
  ``min_stem`` letters. The suffixes ``ة``/``ية`` never match a ``normalize``-d word
  (``ة`` → ``ه``): ``ه``/``يه`` take their place.
* ``light10_plus_proclitics``, the default (``ARABIC``): ``light10_plus`` after
  ``strip_proclitic``, which takes a single-letter preposition (``ب ل ك``, after ``و`` or
  ``ف`` or not) off a word when what remains is a known word of 3 letters or more:
  ``بغزة``, ``وبغزة``, ``فلحماس``, ``كمصر`` give the terms of ``غزة``, ``حماس``, ``مصر``. The known
  words are those the corpus has on their own, less the words that are words in their own
  right (``كبير``, ``لجنة``, ``كانت``), shipped as data
  (``scripts/build_arabic_lexicon.py``). A first ``و`` comes off only where it is the
  conjunction (``conjunction``): unless the word is one in its own right, or a known word
  whose rest is not (``وقال``, ``واكد``, ``وزيلينسكي`` → ``قال``, ``اكد``, ``زيلينسكي``; but
  ``وزير``, ``وزارة``, ``وطني``, ``ولاية``, ``واشنطن``, ``وهران`` keep it and meet ``الوزير``,
  ``الوزارة``, ``ووهران``, ...).
* ``light10_plus``: light10 keeping stems of 3 letters or more
  (2 is too few: ``بيان`` → ``بي``, ``أمين`` → ``ام``, ``الآن`` → ``ان``, ``ولاية`` → ``لا``),
  after a final accusative ``ا`` is dropped from a word of 4 letters or more (``رئيسا`` →
  ``رئيس``, ``عاما`` → ``عام``; not the ``ا`` of a possessive ``ها`` on 3 letters or more,
  light10's first suffix, so that ``ات`` comes off after it: ``علاقاتها`` is ``علاق`` as
  ``العلاقات`` is), and followed by the bare prepositions ``ب ك ل`` when 4
  letters or more remain (``بقطاع``, ``لإسرائيل``, ``بمساعدات``; but ``كبيرة`` = ``كبير``,
  ``بطولة`` ≠ ``طول``). Not ``ف``, which begins too many words (``فلسطيني``, ``فريق``).
  A ``ي`` after ``ا`` is the root's, never stripped as a suffix: ``الولايات`` is ``ولاي``,
  not ``ولا`` (nor); ``بداية`` is ``بداي``, not ``بدا`` (appeared).
* ``snowball_arabic``: Snowball's Arabic stemmer (PyStemmer), fed a word folded with
  ``ة`` and ``ى`` kept (its suffix rules read ``ة``: ``المدرسه`` stays ``مدرسه`` while
  ``المدرسة`` gives ``مدرس``), with the ``وال``/``فال`` it misses stripped first, and its
  output unified as ``normalize`` does. It fails two of the issue's examples
  (``فلسطيني`` → ``لسط`` but ``الفلسطينيين`` → ``فلسطين``; ``مساعدات`` → ``مساعدا`` but
  ``المساعدات`` → ``مساعد``) and finds the right article less often than ``light10_plus``.

``stemmer_for(lang)`` gives the stemmer of an item language (an ISO 639-1 code such as
``"tr"``, a tag such as ``"en-GB"``, or a Snowball name such as ``"english"``): ``ARABIC``
for ``"ar"``, Snowball for the languages it knows (``SNOWBALL``), and the identity for
anything else, ``None`` included. Every stemmer takes a word already passed through
``normalize`` (for the same ``lang``) and returns a non-empty string for a non-empty word.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from functools import cache
from importlib import resources

import Stemmer

from newswire.text.normalize import fold, unify_final

__all__ = [
    "ARABIC",
    "CONJUNCTIONS",
    "PROCLITICS",
    "SNOWBALL",
    "conjunction",
    "language",
    "light10",
    "light10_plus",
    "light10_plus_proclitics",
    "snowball_arabic",
    "stemmer_for",
    "strip_proclitic",
]

# ISO 639-1 code -> PyStemmer algorithm (a literal registry; see Stemmer.algorithms()).
SNOWBALL: dict[str, str] = {
    "ar": "arabic",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "eo": "esperanto",
    "es": "spanish",
    "et": "estonian",
    "eu": "basque",
    "fa": "persian",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "st": "sesotho",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
_NAMES = {name: code for code, name in SNOWBALL.items()}

_PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل")
_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")


def light10(
    word: str, min_stem: int = 2, *, root_ya: bool = False, conjunction: bool = True
) -> str:
    """Larkey's light10 stem of a normalised Arabic word (rules in the module docs).

    ``min_stem`` is the fewest letters a removal may leave: 2 in the paper (3 after ``و``).
    ``root_ya``: a ``ي`` after ``ا`` is the root's, not a suffix (``يه``, ``ي`` kept there).
    ``conjunction``: a first ``و`` may be the conjunction (False: it is the word's own).
    """
    n = len(word)
    # The tuple tests first (one C call each): most words have no prefix or no suffix,
    # and then the loops, which give the stem, are not run at all.
    for prefix in _PREFIXES if word.startswith(_PREFIXES) else ():
        if n >= len(prefix) + min_stem and word.startswith(prefix):
            word = word[len(prefix) :]
            break
    else:
        if conjunction and n >= max(4, min_stem + 1) and word[0] == "و":
            word = word[1:]
    if word.endswith(_SUFFIXES):
        for suffix in _SUFFIXES:
            if len(word) >= len(suffix) + min_stem and word.endswith(suffix):
                if root_ya and suffix[0] == "ي" and word[-len(suffix) - 1] == "ا":
                    continue
                word = word[: -len(suffix)]
    return word


_PREPOSITIONS = ("ب", "ك", "ل")


def light10_plus(word: str, *, conjunction: bool = True) -> str:
    """The default Arabic stem of a normalised word: light10 and more (module docs).

    ``conjunction``: as ``light10``'s (False: a first ``و`` is the word's own)."""
    if len(word) >= 4 and word[-1] == "ا" and (len(word) < 5 or word[-2] != "ه"):
        word = word[:-1]  # not the ا of a possessive ها on 3 letters: light10's first suffix
    word = light10(word, 3, root_ya=True, conjunction=conjunction)
    if len(word) >= 5 and word.startswith(_PREPOSITIONS):
        word = word[1:]
    return word


# The single-letter prepositions ب ل ك, and the conjunctions و ف that may come before one.
PROCLITICS = "بلك"
CONJUNCTIONS = "وف"


@cache
def _lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """The known words and the words keeping their first letters (built from the corpus by
    ``scripts/build_arabic_lexicon.py``; read once, on first use)."""
    data = resources.files("newswire.data")
    with data.joinpath("arabic_words.txt.gz").open("rb") as raw:
        known = frozenset(gzip.decompress(raw.read()).decode("utf-8").split())
    own = frozenset(data.joinpath("arabic_proclitic_words.txt").read_text("utf-8").split())
    return known, own


def strip_proclitic(word: str) -> str:
    """``word`` (normalised) without a single-letter proclitic, when what remains is a
    known word: ``بغزه``, ``وبغزه``, ``فلحماس``, ``كمصر`` → ``غزه``, ``غزه``, ``حماس``, ``مصر``.

    A proclitic is ``ب ل ك``, after ``و`` or ``ف`` or not; what remains must have 3 letters
    or more and be in the lexicon of words seen on their own in the corpus, and neither the
    word nor the word without its conjunction may be one in its own right (``كبير``,
    ``لجنه``, ``لبنان``, ``كانت``: the lexicon's exceptions). ``لل`` is the article's
    (``للقدس``), left to ``light10``; a conjunction before it comes off here (``وللرئيس``,
    ``فللرئيس`` → ``للرئيس``), as light10 strips one prefix only and would leave ``لرئيس``,
    no term of ``الرئيس``. A bare ``ف`` stays: the corpus has as many names and
    verbs beginning with it (``فراس``, ``فادي``, ``فتحت``) as words it could come off, and
    taking it off found no article better (docs/search.md).
    """
    rest = word[1:] if word[:1] in CONJUNCTIONS and word[1:2] in PROCLITICS else word
    if rest is not word and len(rest) >= 5 and rest.startswith("لل"):
        return rest  # و or ف before the article's لل: light10 takes the لل
    if len(rest) < 4 or rest[0] not in PROCLITICS or rest.startswith("لل"):
        return word
    known, own = _lexicon()
    if rest[1:] in known and rest not in own and word not in own:
        return rest[1:]
    return word


def conjunction(word: str) -> bool:
    """Whether a first ``و`` of ``word`` (normalised) is the conjunction: unless ``word`` is
    one in its own right (the lexicon's exceptions: ``وزاره``, ``ولايه``, ``وكاله``, whose
    ``و`` is the root's, the corpus has with the article or far more often than the rest),
    or ``word`` is a known word and its rest is not (``وزير``, ``وطني``, ``واشنطن``; ``وهران``,
    Oran, is no ``هران``): taken off there, the bare word and its own prefixed forms
    (``ووهران``, ``بوهران``, ``الوهران``, which keep it) would part. ``وقال``, ``واكد``,
    ``وكانت`` are ``قال``, ``اكد``, ``كانت`` with it; so are a name or a rare form the corpus
    never saw, ``وزيلينسكي``, ``وقمحها`` (``زيلينسكي``, ``قمحها``): index and query are
    stemmed alike, so a word the conjunction is wrongly taken off still meets itself.
    light10's length rules still apply (``light10``)."""
    if word[:1] != "و":
        return False
    known, own = _lexicon()
    return word not in own and (word not in known or word[1:] in known)


def light10_plus_proclitics(word: str) -> str:
    """The default Arabic stem: ``light10_plus`` after ``strip_proclitic``, a first ``و``
    taken off only where it is the conjunction (``conjunction``)."""
    word = strip_proclitic(word)
    return light10_plus(word, conjunction=word[:1] != "و" or conjunction(word))


_SNOWBALL_PREFIXES = ("وال", "فال")


def snowball_arabic(word: str) -> str:
    """Snowball's Arabic stem of ``word`` (a raw or ``fold``-ed word; not ``normalize``-d).

    ``وال``/``فال`` are stripped first (Snowball keeps them: ``والوزارة`` → ``والوزار``),
    and the stem is unified as ``normalize`` does, so it never holds ``ة`` or ``ى``.
    """
    word = fold(word)
    if len(word) >= 5 and word.startswith(_SNOWBALL_PREFIXES):
        word = word[1:]
    return unify_final(_snowball("arabic")(word))


def _identity(word: str) -> str:
    return word


ARABIC: Callable[[str], str] = light10_plus_proclitics


_NO_LANGUAGE = frozenset({"", "und", "mul", "zxx", "mis"})  # BCP 47: undetermined, ...


def language(lang: str | None) -> str | None:
    """The primary language code of ``lang`` (``"en-GB"`` → ``"en"``, ``"english"`` →
    ``"en"``), or ``None`` for none or an undetermined one (``"und"``)."""
    if not lang:
        return None
    code = lang.strip().lower().replace("_", "-").split("-", 1)[0]
    return None if code in _NO_LANGUAGE else _NAMES.get(code, code)


@cache
def _snowball(name: str) -> Callable[[str], str]:
    stem: Callable[[str], str] = Stemmer.Stemmer(name, 0).stemWord  # PyStemmer is untyped
    return stem


@cache
def stemmer_for(lang: str | None) -> Callable[[str], str]:
    """The stemmer of language ``lang``; the identity for an unknown or absent language."""
    code = language(lang)
    if code == "ar":
        return ARABIC
    if code in SNOWBALL:
        return _snowball(SNOWBALL[code])
    return _identity

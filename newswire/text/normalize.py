"""Normalisation: the spelling variants a search must not tell apart, folded away.

Arabic is written with optional short vowels, optional stretching and several
interchangeable letter shapes; a reader sees the same word in ``المُساعَدات``,
``المســاعدات`` and ``المساعدات``, and so must the index. ``normalize`` applies, in order:

1. **NFKC**, which folds compatibility forms: Arabic presentation forms (``ﻻ`` → ``لا``,
   ``ﷲ`` → ``الله``), full-width Latin, ligatures (``ﬁ`` → ``fi``), superscript digits.
2. **Deletions** (one ``str.translate`` table, no per-character loop): harakat and other
   Arabic combining marks (U+064B–U+065F), the superscript alef U+0670, Quranic marks
   (U+06D6–U+06ED, U+08D3–U+08FF), tatweel U+0640, bidi controls (U+061C, U+200E/U+200F,
   U+202A–U+202E, U+2066–U+2069), zero-width characters (U+200B–U+200D, U+2060, U+FEFF)
   and the soft hyphen U+00AD.
3. **Letter unification**: the alef forms ``أ إ آ ٱ ٲ ٳ`` → ``ا``; ``ى`` → ``ي``;
   ``ة`` → ``ه``; the Persian ``ی ک ۀ`` → ``ي ك ه`` (a Persian keyboard typing Arabic);
   Arabic-Indic ``٠-٩`` and Persian ``۰-۹`` digits → ASCII ``0-9``; ``İ`` → ``i`` in every
   language (Turkish names appear in any text, and ``"İ".casefold()`` leaves a stray dot).
4. **Case folding** with ``str.casefold`` (``ß`` → ``ss``), then the dotless ``ı`` → ``i``
   in every language: ``IĞDIR`` casefolds to ``iğdir`` but ``Iğdır`` to ``ığdır``, and a
   capitalised Turkish name (a dateline, a search) must meet the name as written, in an
   Arabic or English item as in a Turkish one. For Turkish and Azeri (``lang``
   ``tr``/``az``) ``I`` is the dotless one (``ISTANBUL`` → ``ıstanbul`` → ``istanbul``);
   ``normalizer(lang, dotless=True)`` keeps the ``ı`` for the Turkish Snowball stemmer,
   whose vowel-harmony rules read it (``kızları`` → ``kız``, ``kizlari`` → ``kizlar``);
   the analysis folds it off the stem (``newswire.text.analyze``).

``normalize`` is idempotent: ``normalize(normalize(x)) == normalize(x)``.

``fold_latin`` goes further, for a name someone types to look an entry up (a filter, a
product, an editor's name): it takes the diacritics off Latin letters (``ş`` → ``s``,
``é`` → ``e``, ``ø`` → ``o``), so ``Mansur Yavas`` finds ``Mansur Yavaş``.
Never in running text or the index: in Turkish ``şık`` and ``sik`` are different words.

``fold`` is steps 1–4 less the two unifications a stemmer may want to see first: it keeps
``ة`` and ``ى`` (Snowball's Arabic stemmer reads its suffix rules off ``ة``; see
``newswire.text.stem``). ``unify_final`` then maps them as ``normalize`` does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

__all__ = [
    "dotless_i", "fold", "fold_latin", "name_key", "normalize", "normalizer", "unify_final"
]


def _span(first: int, last: int) -> range:
    return range(first, last + 1)


_ARABIC_MARKS: frozenset[int] = frozenset(
    [
        *_span(0x064B, 0x065F),  # harakat: tanwin, fatha, damma, kasra, shadda, sukun, ...
        0x0670,  # superscript alef
        *_span(0x06D6, 0x06ED),  # Quranic annotation marks
        *_span(0x08D3, 0x08FF),  # extended Quranic marks
        0x0640,  # tatweel
    ]
)
_INVISIBLE = [
    0x061C,  # Arabic letter mark
    0x200E,
    0x200F,  # LRM, RLM
    *_span(0x202A, 0x202E),  # embeddings and overrides
    *_span(0x2066, 0x2069),  # isolates
    *_span(0x200B, 0x200D),  # zero-width space, non-joiner, joiner
    0x2060,  # word joiner
    0xFEFF,  # zero-width no-break space (BOM)
    0x00AD,  # soft hyphen
]
_ALEFS = "أإآٱٲٳ"
_DIGITS = {
    **{0x0660 + n: str(n) for n in range(10)},  # Arabic-Indic
    **{0x06F0 + n: str(n) for n in range(10)},  # Persian (Extended Arabic-Indic)
}

_FOLD: dict[int, int | str | None] = {
    **dict.fromkeys(_ARABIC_MARKS),
    **dict.fromkeys(_INVISIBLE),
    **{ord(c): "ا" for c in _ALEFS},
    ord("ی"): "ي",  # Persian yeh
    ord("ک"): "ك",  # Persian keheh
    ord("ۀ"): "ه",  # heh with yeh above
    ord("İ"): "i",
    **_DIGITS,
}
_FINAL: dict[int, int | str | None] = {ord("ة"): "ه", ord("ى"): "ي"}
_NORMALIZE = {**_FOLD, **_FINAL}
_DOTLESS = {ord("ı"): "i"}
_TURKIC = frozenset({"tr", "az", "turkish"})


def _turkic(lang: str | None) -> bool:
    if not lang:
        return False
    return lang.lower().replace("_", "-").split("-", 1)[0] in _TURKIC


def _case(text: str, lang: str | None) -> str:
    if _turkic(lang):
        text = text.replace("I", "ı")
    text = text.casefold()
    # casefold can leave decomposed letters ("ǰ" -> "j" + U+030C): recompose them, so
    # that the result is NFKC like the rest.
    return text if text.isascii() else unicodedata.normalize("NFKC", text).translate(_DOTLESS)


def dotless_i(text: str) -> str:
    """``text`` with the dotless ``ı`` as ``i`` (what ``normalize`` does last; for a stem
    made from ``normalizer(lang, dotless=True)``)."""
    return text if text.isascii() else text.translate(_DOTLESS)


def _fold(text: str, lang: str | None, table: dict[int, int | str | None]) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(table)
    return _case(text, lang)


def fold(text: str, lang: str | None = None) -> str:
    """``normalize`` less ``ة`` → ``ه`` and ``ى`` → ``ي`` (for a stemmer that reads them)."""
    return _fold(text, lang, _FOLD)


def unify_final(text: str) -> str:
    """Map ``ة`` → ``ه`` and ``ى`` → ``ي``: what ``normalize`` does and ``fold`` leaves."""
    return text.translate(_FINAL)


def normalize(text: str, lang: str | None = None) -> str:
    """The full normalisation: Arabic rules, digits, NFKC and case folding (module docs).

    ``lang`` is an ISO 639-1 code or tag (``"tr"``, ``"tr-TR"``); it matters only for the
    Turkish and Azeri dotless ``I``.
    """
    return _fold(text, lang, _NORMALIZE)


def normalizer(lang: str | None = None, *, dotless: bool = False) -> Callable[[str], str]:
    """``normalize`` for one language: ``normalizer(lang)(text) == normalize(text, lang)``,
    with what depends on the language decided once (for a caller normalising many words
    of one language: the analysis). ``dotless``: the ``ı`` kept (for a stemmer that reads
    it; ``dotless_i`` of the result is ``normalize``'s)."""
    turkic = _turkic(lang)
    nfkc = unicodedata.normalize
    table = _NORMALIZE
    last = {} if dotless else _DOTLESS

    def normal(text: str) -> str:
        if not text.isascii():
            text = nfkc("NFKC", text).translate(table)
        if turkic:
            text = text.replace("I", "ı")
        text = text.casefold()
        return text if text.isascii() else nfkc("NFKC", text).translate(last)

    return normal


_LATIN_BLOCKS = ((0x00C0, 0x0250), (0x1E00, 0x1F00))
"""Latin-1 Supplement's letters, Latin Extended-A and -B, Latin Extended Additional."""
_LATIN_OWN = {"ı": "i", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ħ": "h"}
"""Letters that carry their mark in their shape (Unicode gives them no decomposition)."""


def _latin_table() -> dict[int, str]:
    table: dict[int, str] = {ord(c): bare for c, bare in _LATIN_OWN.items()}
    for first, last in _LATIN_BLOCKS:
        for code in range(first, last):
            decomposed = unicodedata.normalize("NFKD", chr(code))
            bare = "".join(c for c in decomposed if not unicodedata.combining(c))
            if bare != chr(code) and bare.isascii() and bare.isalpha():
                table[code] = bare
    return table


_LATIN = _latin_table()


def fold_latin(text: str) -> str:
    """``normalize(text)`` with the diacritics of Latin letters taken off (module docs):
    ``Mansur Yavaş``, ``MANSUR YAVAS`` and ``mansur yavas`` are one; ``Besançon``
    ``besancon``. Other scripts are left as ``normalize`` leaves them (an Arabic hamza is
    no diacritic to drop). Idempotent."""
    text = normalize(text)
    return text if text.isascii() else text.translate(_LATIN)


_NAME_NON_WORD = re.compile(r"[\W_]")
_NAME_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1 << 17)
def name_key(name: str) -> str:
    """A name as the name matcher (``newswire.enrich.matcher``) compares it, and the
    vocabulary when it tells whether two entries share a name: normalised, non-word
    characters as single spaces, trimmed (``"Al-Quds"`` → ``"al quds"``). Remembered:
    building a process's automaton asks for the key of each of ~50,000 names two or
    three times."""
    return _NAME_SPACES.sub(" ", _NAME_NON_WORD.sub(" ", normalize(name))).strip()

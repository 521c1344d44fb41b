"""Which way a language's text runs: the one list every face and format reads."""

from __future__ import annotations

RTL = frozenset({"ar", "fa", "ur", "he", "yi", "ps", "sd", "ug", "dv", "ckb", "syr"})
"""Primary language subtags written right to left (Arabic, Persian, Urdu, Hebrew,
Yiddish, Pashto, Sindhi, Uyghur, Dhivehi, Sorani Kurdish, Syriac)."""


def primary(tag: str) -> str:
    """A language tag's primary subtag, lower case (``ar`` for ``ar-EG``)."""
    return tag.split("-")[0].lower() if tag else ""


RTL_SCRIPTS = frozenset({"arab", "hebr", "syrc", "thaa", "nkoo", "adlm", "rohg", "mand"})
"""ISO 15924 scripts written right to left, as a tag's script subtag names them (Arabic,
Hebrew, Syriac, Thaana, N'Ko, Adlam, Hanifi Rohingya, Mandaic)."""


def script(tag: str) -> str:
    """A language tag's script subtag, lower case (``arab`` for ``ku-Arab-IQ``), or ``""``:
    the four letters after the language (and its extended subtags), before any singleton."""
    for sub in tag.lower().split("-")[1:]:
        if len(sub) == 4 and sub.isascii() and sub.isalpha():
            return sub
        if len(sub) != 3 or not sub.isalpha():
            return ""  # a region, a variant or a singleton: no script subtag follows
    return ""


def direction(tag: str) -> str:
    """``rtl`` for a language written right to left, else ``ltr``; a script the tag names
    decides (``ku-Arab`` is Kurdish in Arabic script, ``ug-Latn`` Uyghur in Latin)."""
    if written := script(tag):
        return "rtl" if written in RTL_SCRIPTS else "ltr"
    return "rtl" if primary(tag) in RTL else "ltr"

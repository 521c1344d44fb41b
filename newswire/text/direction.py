"""Which way a language's text runs: the one list every face and format reads."""

from __future__ import annotations

RTL = frozenset({"ar", "fa", "ur", "he", "yi", "ps", "sd", "ug", "dv", "ckb", "syr"})
"""Primary language subtags written right to left (Arabic, Persian, Urdu, Hebrew,
Yiddish, Pashto, Sindhi, Uyghur, Dhivehi, Sorani Kurdish, Syriac)."""


def primary(tag: str) -> str:
    """A language tag's primary subtag, lower case (``ar`` for ``ar-EG``)."""
    return tag.split("-")[0].lower() if tag else ""


def direction(tag: str) -> str:
    """``rtl`` for a language written right to left, else ``ltr``."""
    return "rtl" if primary(tag) in RTL else "ltr"

"""Which way a language's text runs: the one list every face and format reads."""

from __future__ import annotations

RTL = frozenset({"ar", "fa", "ur", "he", "yi", "ps", "sd", "ug", "dv", "ckb", "syr"})
"""Primary language subtags written right to left (Arabic, Persian, Urdu, Hebrew,
Yiddish, Pashto, Sindhi, Uyghur, Dhivehi, Sorani Kurdish, Syriac)."""


def primary(tag: str) -> str:
    """A language tag's primary subtag, lower case (``ar`` for ``ar-EG``)."""
    return tag.split("-")[0].lower() if tag else ""


RTL_SCRIPTS = frozenset({
    "adlm", "arab", "aran", "armi", "avst", "chrs", "cprt", "elym", "gara", "hatr", "hebr",
    "hung", "khar", "lydi", "mand", "mani", "mend", "merc", "mero", "narb", "nbat", "nkoo",
    "orkh", "ougr", "palm", "phli", "phlp", "phlv", "phnx", "prti", "rohg", "samr", "sarb",
    "sogd", "sogo", "syrc", "syre", "syrj", "syrn", "thaa", "yezi",
})  # fmt: skip
"""ISO 15924 scripts written right to left, as a tag's script subtag names them: Arabic
and its Nastaliq variant (``ur-Aran``), Hebrew, Syriac and its three variants
(``syr-Syrn``), Thaana, N'Ko, Adlam, Hanifi Rohingya, Mandaic, Yezidi, Samaritan and the
historic ones. A script missing here would turn the text of a right-to-left language
left to right (``ur-Aran`` did)."""

UNDETERMINED_SCRIPTS = frozenset({"zinh", "zmth", "zsye", "zsym", "zxxx", "zyyy", "zzzz"})
"""Script subtags that name no way of writing (inherited, common, unwritten, unknown,
symbols): the language decides, as without one. So do the private-use ``Qaaa``-``Qabx``."""


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
    written = script(tag)
    if written and written not in UNDETERMINED_SCRIPTS and not "qaaa" <= written <= "qabx":
        return "rtl" if written in RTL_SCRIPTS else "ltr"
    return "rtl" if primary(tag) in RTL else "ltr"

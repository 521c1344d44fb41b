"""The ISO 639 codes an item's language is checked against are pycountry's, read from its
files without importing it (``newswire.validation._language_subtags``)."""

from __future__ import annotations

import pycountry

from newswire.validation import _language_subtags, unknown_language


def test_the_codes_are_pycountrys():
    codes = {
        code
        for language in pycountry.languages
        for code in (
            getattr(language, "alpha_2", ""),
            language.alpha_3,
            getattr(language, "bibliographic", ""),
        )
        if code
    }
    codes.update(family.alpha_3 for family in pycountry.language_families)
    assert _language_subtags() == codes
    assert {"ar", "ara", "und", "mul", "zxx", "fre", "fra", "sem"} <= codes


def test_a_tag_is_known_by_its_primary_subtag():
    assert [unknown_language(tag) for tag in ("ar", "AR-eg", "ckb", "alg", "xx", "zz-ZZ")] == [
        False, False, False, False, True, True,
    ]

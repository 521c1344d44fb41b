"""Embedded text cleaned like any text newswire takes in, and dates made ISO 8601
(``newswire.media.metadata``)."""

from __future__ import annotations

import pytest

from newswire.media.metadata import fields, iso_date, plain


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("عنوان\u202e الخبر", "عنوان الخبر"),  # right-to-left override removed
        ("\u2067مصور\u2069 AA", "مصور AA"),  # isolates removed
        ("\u200fالأناضول", "\u200fالأناضول"),  # the RLM mark stays
        ("bell\x07 and\x00 nul", "bell and nul"),
        ('<b>Bold</b> <script>alert("x")</script>caption', "Bold caption"),
        ("<img src=x onerror=alert(1)>after", "after"),
        ("a < b & c > d", "a < b & c > d"),  # text that only looks like markup stays
        ("AT&amp;T", "AT&T"),
        # Characters named by number are cleaned as the characters themselves are: a
        # control or an override so named failed the markup reader (a 500, a traceback).
        ("<b>bell</b>&#7; and&#0; nul", "bell and nul"),
        ("عاجل&#x202E; خبر", "عاجل خبر"),
        ("a &#60; b", "a < b"),
        # Escaped markup is markup once read: none is left.
        ("متظاهرون &lt;script&gt;alert(1)&lt;/script&gt;في غزة", "متظاهرون في غزة"),
        ("&#60;b&#62;bold&#60;/b&#62; caption", "bold caption"),
        ("  many\n\tspaces  ", "many spaces"),
        (2024, "2024"),
        (["a", "b"], "a, b"),
        (None, ""),
    ],
)
def test_text_is_cleaned(raw, clean):
    assert plain(raw) == clean


def test_embedded_text_too_long_is_cut_at_a_word():
    # 12,000 characters of caption in a file's XMP: kept to 10,000, at the last space, not
    # inside a word ("…تعلي").
    kept = plain("تعليق " * 2000)
    assert len(kept) <= 10_000 and kept.endswith("تعليق") and not kept.endswith(" ")
    assert plain("x" * 20_000) == "x" * 10_000  # one word longer than all: cut where it fits


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2024:05:01 10:20:30+03:00", "2024-05-01T10:20:30+03:00"),
        ("2024:05:01 10:20:30.25Z", "2024-05-01T10:20:30.25+00:00"),
        ("2024:05:01 10:20:30", "2024-05-01T10:20:30"),
        ("2024:05:01", "2024-05-01"),
        ("2024-05-01T10:20:30.000000Z", "2024-05-01T10:20:30.000000+00:00"),
        ("2024:05:01 10:20:30+0300", "2024-05-01T10:20:30+03:00"),
        ("0000:00:00 00:00:00", None),
        ("2024:13:45", None),
        ("", None),
        (None, None),
    ],
)
def test_dates_are_iso_8601(raw, iso):
    assert iso_date(raw) == iso


def test_xmp_comes_before_iptc_and_quicktime_fills_what_they_lack():
    tags = {
        "XMP-photoshop:Headline": "from XMP",
        "IPTC:Headline": "from IPTC",
        "IPTC:Credit": "AA",
        "ItemList:Description": "a video's own description",
        "MWG:Keywords": "one keyword",
    }
    got = fields(tags)
    assert got["headline"] == "from XMP"
    assert got["credit"] == "AA"
    assert got["caption"] == "a video's own description"
    assert got["keywords"] == ["one keyword"]
    assert got["date_created"] is None


def test_an_iptc_block_cut_short_does_not_win_over_the_whole_xmp():
    """IPTC-IIM limits a headline to 256 bytes: an edited block whose headline is the
    XMP's cut short is not an edit of it (MWG's rule for its own tags)."""
    whole = "a headline " * 30
    edited = {"File:CurrentIPTCDigest": "new", "Photoshop:IPTCDigest": "old"}
    got = fields({**edited, "XMP-photoshop:Headline": whole, "IPTC:Headline": whole[:256]})
    assert got["headline"] == whole.strip()[: len(got["headline"])]
    assert len(got["headline"]) > 256
    got = fields({**edited, "XMP-photoshop:Headline": "old", "IPTC:Headline": "new"})
    assert got["headline"] == "new"
    got = fields({"File:CurrentIPTCDigest": "same", "Photoshop:IPTCDigest": "same",
                  "XMP-photoshop:Headline": "xmp", "IPTC:Headline": "iim"})
    assert got["headline"] == "xmp"

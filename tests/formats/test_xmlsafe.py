"""Hostile XML is refused by every XML codec, with the reason, never expanded or fetched."""

from __future__ import annotations

import pytest

from newswire.errors import ParseError
from newswire.formats import detect, newsml, nitf
from tests.conftest import FIXTURES

HOSTILE = ["billion_laughs.xml", "xxe.xml", "xxe_parameter_entity.xml", "doctype.xml"]
CODECS = {"newsml": newsml.CODEC, "nitf": nitf.CODEC}


@pytest.mark.parametrize("fmt", CODECS)
@pytest.mark.parametrize("name", HOSTILE)
def test_doctype_and_entities_are_refused(fmt, name):
    codec = CODECS[fmt]
    data = (FIXTURES / fmt / name).read_bytes()
    assert detect(data) is codec  # recognised past the DOCTYPE, so the refusal says why
    with pytest.raises(ParseError, match="DOCTYPE"):
        codec.parse(data)


# --- encodings: read as the bytes are, never as mojibake -------------------------------

G2 = """<?xml version="1.0" encoding="{encoding}"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:test:enc" version="1"
 standard="NewsML-G2" standardversion="2.35" conformance="power" xml:lang="ar">
<itemMeta><itemClass qcode="ninat:text"/><provider qcode="nprov:X"/>
<versionCreated>2024-01-01T10:00:00Z</versionCreated><pubStatus qcode="stat:usable"/></itemMeta>
<contentMeta><headline>عنوان الخبر</headline></contentMeta>
<contentSet><inlineXML contenttype="application/xhtml+xml"><html
 xmlns="http://www.w3.org/1999/xhtml"><head><title/></head><body><p>نص الخبر.</p></body></html>
</inlineXML></contentSet></newsItem>"""

RSS = """<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0"><channel><title>وكالة</title><link>https://agency.example/</link>
<description>d</description><item><title>عنوان الخبر</title><guid>agency-1</guid>
<description>نص الخبر.</description></item></channel></rss>"""


@pytest.mark.parametrize(
    ("declared", "codec"),
    [("ISO-8859-1", "utf-8"), ("windows-1252", "utf-8"), ("windows-1256", "cp1256"),
     ("ISO-8859-6", "iso-8859-6"), ("UTF-16", "utf-16"), ("UTF-16", "utf-16-le"),
     ("UTF-8", "utf-8-sig")],
)  # fmt: skip
@pytest.mark.parametrize("template", [G2, RSS], ids=["newsml", "rss"])
def test_a_document_is_read_in_the_encoding_of_its_bytes(template, declared, codec):
    """A declaration of a single-byte set over UTF-8 bytes (what a template's declaration
    gives text written as UTF-8) was read as declared: Arabic stored as ``Ø¹ÙÙØ§Ù``. A
    document in UTF-16, which XML processors must read, was refused as plain text."""
    data = template.format(encoding=declared).encode(codec)
    items = detect(data).parse(data)
    assert [(i.headline, i.body) for i in items] == [("عنوان الخبر", ["نص الخبر."])]


def test_utf16_does_not_hide_a_doctype():
    doc = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE n [<!ENTITY x "y">]><nitf/>'
    with pytest.raises(ParseError, match="DOCTYPE"):
        nitf.CODEC.parse(doc.encode("utf-16"))


def test_the_root_is_found_past_a_long_comment():
    """A licence in a comment of over 4 KiB before the root: the refusal named root <>."""
    data = G2.format(encoding="UTF-8").replace("?>", "?><!--" + "licence " * 1000 + "-->", 1)
    assert detect(data.encode()) is newsml.CODEC


@pytest.mark.parametrize("fmt", ["newsml", "nitf", "rss", "atom"])
def test_a_withdrawal_stored_with_a_control_character_in_its_reason_still_renders(fmt):
    """A reason stored before every way in refused such characters (the console took one
    in): its kill notice renders in every XML format, the character left out, where it
    made each of them fail for every subscriber of the feed."""
    from newswire import formats
    from newswire.delivery.renderer import Renderer
    from newswire.model import NewsItem

    killed = NewsItem(id="urn:x:kill", language="ar", headline="خبر", body=["نص."],
                      pubstatus="canceled", ednote="خطأ \x07 في \x00 الأرقام \u202eexe.txt")
    out = formats.get(fmt).render(Renderer().view(killed, "full"))
    assert "خطأ  في  الأرقام".encode() in out and b"\x07" not in out and b"\x00" not in out
    assert "\u202e".encode() not in out  # nor an override, as every text taken in

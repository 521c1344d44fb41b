"""Which format a file is, from its first bytes, and what is refused before any tool
opens it (``newswire.media.detect``)."""

from __future__ import annotations

import re

import pytest

from newswire.errors import UnsupportedFormat
from newswire.media.detect import declared_type, detect, other_media, sniff


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00\x00\x00\x08free"


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
        (b"II*\x00\x08\x00\x00\x00", "tiff"),
        (b"MM\x00*\x00\x00\x00\x08", "tiff"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
        (ftyp(b"heic", b"mif1", b"heic"), "heic"),
        (ftyp(b"mif1", b"mif1", b"heic"), "heic"),
        (ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "mp4"),
        (ftyp(b"mp42", b"mp42", b"isom"), "mp4"),
        (ftyp(b"qt  ", b"qt  "), "quicktime"),
        (b"\x00\x00\x00\x08wide\x00\x00\x10\x00mdat", "quicktime"),
    ],
)
def test_the_signature_tells_the_format(head, name):
    found = sniff(head)
    assert found is not None and found.name == name


@pytest.mark.parametrize(
    "head",
    [
        b"GIF89a\x01\x00\x01\x00",
        b"%PDF-1.7\n",
        ftyp(b"avif", b"avif", b"mif1"),
        ftyp(b"M4A ", b"M4A ", b"mp42"),
        b"PK\x03\x04",
        b"hello, world",
    ],
)
def test_other_formats_are_refused_naming_the_accepted_ones(head):
    with pytest.raises(UnsupportedFormat, match=r"not a format accepted here.*JPEG"):
        detect(head)


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"GIF89a\x01\x00\x01\x00", "a GIF picture"),
        (ftyp(b"avif", b"avif", b"mif1"), "an AVIF picture"),
        (ftyp(b"M4A ", b"M4A ", b"mp42"), "an MP4 sound file (M4A)"),
        (b"\x1a\x45\xdf\xa3\x01\x00\x00\x00", "a Matroska or WebM video"),
        (b"RIFF\x24\x00\x00\x00AVI LIST", "an AVI video"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "an MP3 sound file"),
        (b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00" + bytes(12), "a BMP picture"),
    ],
)
def test_a_picture_video_or_sound_of_another_format_is_refused_as_what_it_is(head, what):
    """So that ``ingest`` and an undeclared upload refuse it as that (they route what
    ``other_media`` names to the pipeline), not as text that is binary."""
    assert other_media(head) == what
    with pytest.raises(UnsupportedFormat, match=re.escape(f"{what} is not a format accepted")):
        detect(head)


@pytest.mark.parametrize("text", [b"BMW shares rose", b"hello, world", b"%PDF-1.7\n"])
def test_text_is_not_taken_for_another_media_format(text):
    assert other_media(text) is None


@pytest.mark.parametrize(
    "head",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- drawn -->\n'
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n<svg onload="x()">',
        b'<svg:svg xmlns:svg="http://www.w3.org/2000/svg">',
    ],
)
def test_an_svg_drawing_is_another_media_format_whatever_it_starts_with(head):
    """Sent with no type and no name, it goes to the pipeline, which refuses it as SVG,
    not to the news formats' parsers ("XML with root element <svg> is none of …")."""
    assert other_media(head) == "an SVG drawing"
    with pytest.raises(UnsupportedFormat, match="SVG"):
        detect(head)


@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?>\n<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/"><svg/>',
        b"<nitf><body><body.content><svg/></body.content></body></nitf>",
    ],
)
def test_a_news_document_holding_an_svg_is_not_a_drawing(xml):
    assert other_media(xml) is None


@pytest.mark.parametrize(
    "head",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<!DOCTYPE svg><svg onload="x()"/>',
        b"  \n<SVG width='10'>",
        b'<?xml version="1.0"?><x/>',
    ],
)
def test_svg_and_other_xml_are_refused_for_what_they_may_carry(head):
    with pytest.raises(UnsupportedFormat, match="SVG"):
        detect(head)


def test_an_empty_file_is_refused():
    with pytest.raises(UnsupportedFormat, match="empty"):
        detect(b"")


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0"


@pytest.mark.parametrize(
    ("head", "declared"),
    [(PNG, "image/jpeg"), (JPEG, "image/png"), (JPEG, "video/mp4"), (PNG, "image/svg+xml")],
)
def test_bytes_that_are_not_the_declared_type_are_refused(head, declared):
    with pytest.raises(UnsupportedFormat, match=re.escape(f"not the {declared} declared")):
        detect(head, declared=declared)


@pytest.mark.parametrize(
    ("head", "declared"),
    [
        (JPEG, "image/jpeg"),
        (JPEG, "IMAGE/JPG; charset=binary"),
        (JPEG, "image/pjpeg"),
        (JPEG, None),
        (JPEG, "application/octet-stream"),
        (ftyp(b"qt  "), "video/mp4"),  # phones label MOV and MP4 as each other
        (ftyp(b"isom"), "video/quicktime"),
        (ftyp(b"heic"), "image/heif"),
    ],
)
def test_the_declared_type_may_be_spelt_otherwise_or_absent(head, declared):
    detect(head, declared=declared)


@pytest.mark.parametrize(
    ("name", "declared"),
    [("photo.JPG", "image/jpeg"), ("clip.mov", "video/quicktime"), ("logo.svg", "image/svg+xml"),
     ("IMG_0001.HEIC", "image/heic"), ("notes", None), ("data.bin", None),
     ("anim.GIF", "image/gif"), ("phone.avif", "image/avif"), ("memo.m4a", "audio/mp4")],
)
def test_a_file_name_declares_the_type_of_its_extension(name, declared):
    assert declared_type(name) == declared

"""Pictures taken in: their metadata read, their renditions made and stored
(``newswire.media.Pipeline``), for every accepted picture format."""

from __future__ import annotations

import io
import subprocess

import pytest
from PIL import Image

from newswire.media import Limits, Pipeline
from tests.media.files import BLUE, RED, WHITE, display_p3_jpeg, heic, picture, tag, transparent_png

ARABIC = {
    "headline": "رئيس الاستخبارات التركي يلتقي وفدا من حماس",
    "caption": "صورة أرشيفية من أنقرة",
    "byline": "مصطفى قايا",
    "credit": "الأناضول",
    "copyright_notice": "© الأناضول 2024",
    "city": "أنقرة",
    "country": "تركيا",
}
IPTC = {
    "headline": "IPTC:Headline", "caption": "IPTC:Caption-Abstract", "byline": "IPTC:By-line",
    "credit": "IPTC:Credit", "copyright_notice": "IPTC:CopyrightNotice", "city": "IPTC:City",
    "country": "IPTC:Country-PrimaryLocationName",
}
XMP = {
    "headline": "XMP-photoshop:Headline", "caption": "XMP-dc:Description",
    "byline": "XMP-dc:Creator", "credit": "XMP-photoshop:Credit",
    "copyright_notice": "XMP-dc:Rights", "city": "XMP-photoshop:City",
    "country": "XMP-photoshop:Country",
}


def rendered(blobs, media, name: str) -> Image.Image:
    image = Image.open(io.BytesIO(blobs.read(media.rendition(name).blob)))
    image.load()
    return image


def near(a, b, tolerance=12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


def test_iptc_in_utf8_arabic_included_and_exif_are_read(pipeline, tmp_path):
    photo = picture(tmp_path / "photo.jpg", 1200, 800)
    tag(photo, "-IPTC:CodedCharacterSet=UTF8",
        *(f"-{IPTC[k]}={v}" for k, v in ARABIC.items()),
        "-IPTC:Keywords=سياسة", "-IPTC:Keywords=تركيا",
        "-IPTC:DateCreated=2024:05:01", "-IPTC:TimeCreated=10:20:30+03:00",
        "-EXIF:DateTimeOriginal=2024:05:01 10:20:31", "-EXIF:OffsetTimeOriginal=+03:00")
    info = pipeline.take(photo).info
    for field, value in ARABIC.items():
        assert getattr(info, field) == value, field
    assert info.keywords == ["سياسة", "تركيا"]
    assert info.date_created == "2024-05-01T10:20:30+03:00"
    assert info.capture_time == "2024-05-01T10:20:31+03:00"
    assert (info.kind, info.content_type, info.width, info.height) == (
        "picture", "image/jpeg", 1200, 800)


def test_xmp_arabic_is_read(pipeline, tmp_path):
    photo = picture(tmp_path / "xmp.jpg", 400, 300)
    tag(photo, *(f"-{XMP[k]}={v}" for k, v in ARABIC.items()), "-XMP-dc:Subject=غزة",
        "-XMP-photoshop:DateCreated=2024:05:01")
    info = pipeline.take(photo).info
    for field, value in ARABIC.items():
        assert getattr(info, field) == value, field
    assert info.keywords == ["غزة"]
    assert info.date_created == "2024-05-01"


def test_xmp_written_in_one_language_without_a_default_is_read(pipeline, tmp_path):
    """A desk tool that writes the caption, title and rights as Arabic alternatives
    (``xml:lang="ar"``) and no ``x-default`` lost all three: exiftool's bare tag names and
    MWG read ``x-default`` alone. The first language's value stands for it; a default,
    when there is one, still wins over the other languages."""
    photo = picture(tmp_path / "ar-only.jpg", 400, 300)
    tag(photo, f"-XMP-dc:Description-ar={ARABIC['caption']}", "-XMP-dc:Description-en=English",
        f"-XMP-dc:Title-ar={ARABIC['headline']}", f"-XMP-dc:Rights-ar={ARABIC['copyright_notice']}")
    info = pipeline.take(photo).info
    assert (info.caption, info.headline, info.copyright_notice) == (
        ARABIC["caption"], ARABIC["headline"], ARABIC["copyright_notice"])
    tag(photo, "-XMP-dc:Description=Default caption")
    assert pipeline.take(photo).info.caption == "Default caption"


def test_iptc_edited_after_the_xmp_wins_for_every_field_alike(pipeline, tmp_path):
    """A desk tool that knows only IPTC-IIM rewrote a picture's headline, caption, credit
    and date after the XMP was written (the digest recorded beside the XMP no longer
    matches the IPTC block): every field is the edited one, not a stale headline over a
    new caption. Untouched (digests agree), XMP is read first, as before."""
    photo = picture(tmp_path / "edited.jpg", 400, 300)
    old = {"headline": "Old headline", "caption": "Old caption", "credit": "Old credit"}
    tag(photo, *(f"-{XMP[k]}={v}" for k, v in old.items()),
        *(f"-{IPTC[k]}={v}" for k, v in old.items()),
        "-XMP-photoshop:DateCreated=2024:05:01 10:00:00+03:00",
        "-IPTC:DateCreated=2024:05:01", "-IPTC:TimeCreated=10:00:00+03:00")
    tag(photo, "-IPTCDigest<CurrentIPTCDigest")  # as an XMP-aware tool records it
    info = pipeline.take(photo).info
    assert (info.headline, info.caption, info.credit) == tuple(old.values())
    new = {"headline": "New headline", "caption": "New caption", "credit": "New credit"}
    digest = subprocess.run(["exiftool", "-s3", "-IPTCDigest", str(photo)], check=True,
                            capture_output=True, text=True).stdout.strip()
    tag(photo, *(f"-{IPTC[k]}={v}" for k, v in new.items()), "-IPTC:TimeCreated=18:30:00+03:00",
        f"-IPTCDigest={digest}")  # an IIM-only tool: the recorded digest left as it was
    info = pipeline.take(photo).info
    assert (info.headline, info.caption, info.credit) == tuple(new.values())
    assert info.date_created == "2024-05-01T18:30:00+03:00"


def test_iptc_written_in_an_undeclared_arabic_charset_reads_with_the_charset_set(
    pipeline, blobs, tmp_path
):
    """Old Arabic desks wrote IPTC in Windows-1256 without declaring it (no 1:90): the
    ``iptc_charset`` limit says what such files are in."""
    photo = picture(tmp_path / "cp1256.jpg", 400, 300)
    tag(photo, f"-IPTC:Headline={ARABIC['headline']}", f"-IPTC:City={ARABIC['city']}",
        charset="cp1256")
    data = photo.read_bytes()
    assert ARABIC["city"].encode("cp1256") in data and ARABIC["city"].encode() not in data
    with Pipeline(blobs, Limits(iptc_charset="cp1256")) as arabic:
        info = arabic.take(photo).info
    assert (info.headline, info.city) == (ARABIC["headline"], ARABIC["city"])
    assert pipeline.take(photo).info.city != ARABIC["city"]  # read as Windows-1252


def test_undeclared_iptc_that_is_valid_utf8_reads_as_utf8(pipeline, tmp_path):
    """Many tools write IPTC in UTF-8 without declaring it (no 1:90): such text is not
    read as Windows-1252 (which would make of an Arabic caption "Ø§Ù..."), while text
    that is not valid UTF-8 still is."""
    photo = picture(tmp_path / "undeclared.jpg", 400, 300)
    tag(photo, f"-IPTC:Headline={ARABIC['headline']}", f"-IPTC:City={ARABIC['city']}",
        "-IPTC:Keywords=غزة", "-IPTC:Keywords=café", charset="UTF8")
    data = photo.read_bytes()
    assert ARABIC["city"].encode() in data and b"\x1b%G" not in data  # undeclared UTF-8
    info = pipeline.take(photo).info
    assert (info.headline, info.city, info.keywords) == (
        ARABIC["headline"], ARABIC["city"], ["غزة", "café"])
    latin = picture(tmp_path / "latin.jpg", 400, 300)
    tag(latin, "-IPTC:Headline=Café crème", "-IPTC:City=Zürich", charset="cp1252")
    assert "Zürich".encode("cp1252") in latin.read_bytes()
    info = pipeline.take(latin).info
    assert (info.headline, info.city) == ("Café crème", "Zürich")


def test_a_binary_iptc_preview_does_not_decide_the_character_set(pipeline, tmp_path):
    """A Photoshop preview kept in IPTC (2:202) is bytes, not text: an undeclared UTF-8
    caption beside it is still read as UTF-8."""
    preview = picture(tmp_path / "preview.jpg", 40, 30)
    photo = picture(tmp_path / "with-preview.jpg", 400, 300)
    tag(photo, f"-IPTC:Headline={ARABIC['headline']}", f"-IPTC:ObjectPreviewData<={preview}",
        charset="UTF8")
    assert preview.read_bytes()[:64] in photo.read_bytes()  # the preview is in the file
    assert pipeline.take(photo).info.headline == ARABIC["headline"]


def test_control_characters_bidi_overrides_and_markup_in_metadata_are_cleaned(
    pipeline, tmp_path
):
    photo = picture(tmp_path / "hostile.jpg", 400, 300)
    tag(photo, "-XMP-photoshop:Headline=\u202eعاجل\u202c <script>alert(1)</script>خبر",
        # exiftool writes no control character into XMP (XML cannot carry them): IPTC can.
        "-IPTC:CodedCharacterSet=UTF8",
        "-IPTC:Caption-Abstract=<b>bold</b>\x07 cap\x1btion<img src=x onerror=alert(1)>",
        "-XMP-dc:Creator=\u2066Reporter\u2069")
    info = pipeline.take(photo).info
    assert info.headline == "عاجل خبر"
    assert info.caption == "bold caption"
    assert info.byline == "Reporter"


def test_a_control_character_named_by_number_in_a_caption_is_cleaned_not_a_crash(
    pipeline, tmp_path
):
    """``&#7;`` in an IPTC caption (a desk tool's export of what it could not write) made
    the markup reader fail in the worker: the API answered 500 and ``newswire ingest``
    stopped with a traceback, the other files of the run not taken."""
    photo = picture(tmp_path / "ncr.jpg", 400, 300)
    tag(photo, "-IPTC:CodedCharacterSet=UTF8",
        "-IPTC:Caption-Abstract=<b>Gaza</b>&#7; &lt;script&gt;alert(1)&lt;/script&gt;&#x202E;market")
    assert pipeline.take(photo).info.caption == "Gaza market"


def test_renditions_are_made_at_their_sizes_and_stored(pipeline, blobs, tmp_path):
    media = pipeline.take(picture(tmp_path / "big.jpg", 3000, 2000))
    sizes = {r.name: (r.width, r.height) for r in media.renditions}
    assert sizes == {"original": (3000, 2000), "web": (1400, 933), "preview": (640, 427),
                     "thumbnail": (200, 133)}
    for r in media.renditions:
        data = blobs.read(r.blob)
        assert r.size == len(data)
        assert Image.open(io.BytesIO(data)).size == (r.width, r.height)
        assert r.content_type == "image/jpeg"
    assert blobs.read(media.rendition("original").blob) == (tmp_path / "big.jpg").read_bytes()


def test_a_small_picture_is_never_enlarged(pipeline, tmp_path):
    media = pipeline.take(picture(tmp_path / "small.jpg", 300, 200))
    sizes = {r.name: (r.width, r.height) for r in media.renditions}
    assert sizes == {"original": (300, 200), "web": (300, 200), "preview": (300, 200),
                     "thumbnail": (200, 133)}


def test_the_exif_orientation_is_applied(pipeline, blobs, tmp_path):
    """Stored 1600 × 1200 with its red band on top, orientation 6 (turn 90° clockwise to
    show): shown 1200 × 1600, the red band on the right."""
    media = pipeline.take(picture(tmp_path / "turned.jpg", 1600, 1200, orientation=6))
    assert (media.info.width, media.info.height, media.info.orientation) == (1200, 1600, 6)
    web = rendered(blobs, media, "web").convert("RGB")
    assert web.size == (1050, 1400)  # portrait
    assert near(web.getpixel((web.width - 3, web.height // 2)), RED)
    assert near(web.getpixel((3, web.height // 2)), BLUE)
    assert "exif" not in web.info or 0x0112 not in web.getexif()


def test_another_colour_profile_is_converted_to_srgb_and_tags_are_stripped(
    pipeline, blobs, tmp_path
):
    colour = (200, 100, 50)
    photo = display_p3_jpeg(tmp_path / "p3.jpg", colour)
    tag(photo, "-EXIF:SerialNumber=CAM-1234", "-GPS:GPSLatitude=39.9", "-GPS:GPSLatitudeRef=N")
    assert not near(Image.open(photo).convert("RGB").getpixel((5, 5)), colour, 3)
    media = pipeline.take(photo)
    for name in ("web", "preview", "thumbnail"):
        image = rendered(blobs, media, name)
        assert near(image.convert("RGB").getpixel((5, 5)), colour, 4), name
        assert "icc_profile" not in image.info and not image.getexif(), name
    dump = subprocess.run(["exiftool", "-j", "-G1", "-"], input=blobs.read(
        media.rendition("web").blob), capture_output=True, check=True).stdout.decode()
    assert "CAM-1234" not in dump and "GPS" not in dump


def test_a_png_is_a_graphic_and_its_transparency_is_laid_on_white(pipeline, blobs, tmp_path):
    media = pipeline.take(transparent_png(tmp_path / "chart.png", 800, 400))
    assert (media.info.kind, media.info.content_type) == ("graphic", "image/png")
    web = rendered(blobs, media, "web").convert("RGB")
    assert near(web.getpixel((2, 2)), WHITE)
    assert near(web.getpixel((400, 200)), RED)


@pytest.mark.parametrize(("fmt", "content_type"), [("TIFF", "image/tiff"), ("WEBP", "image/webp")])
def test_tiff_and_webp_pictures_are_taken_in(pipeline, tmp_path, fmt, content_type):
    media = pipeline.take(picture(tmp_path / f"p.{fmt.lower()}", 900, 600, fmt=fmt))
    assert (media.info.kind, media.info.content_type) == ("picture", content_type)
    assert {r.name: r.width for r in media.renditions} == {
        "original": 900, "web": 900, "preview": 640, "thumbnail": 200}


def test_a_tiff_of_several_pages_is_rendered_from_its_first_page(pipeline, blobs, tmp_path):
    """A scan kept with a half-size second page (as a pyramid's next level would be):
    libvips' ``thumbnail`` took the pages for a pyramid and made ``web`` and ``preview``
    600 pixels wide from the second page, whatever it showed. Each rendition is now the
    first page's, at its size, turned upright by its orientation."""
    photo = tmp_path / "scan.tif"
    first = Image.new("RGB", (1600, 1200), BLUE)
    first.paste(RED, (0, 0, 1600, 120))
    second = Image.new("RGB", (800, 600), WHITE)
    first.save(photo, "TIFF", save_all=True, append_images=[second], tiffinfo={0x0112: 6})
    media = pipeline.take(photo)
    sizes = {r.name: (r.width, r.height) for r in media.renditions}
    assert sizes == {"original": (1200, 1600), "web": (1050, 1400), "preview": (480, 640),
                     "thumbnail": (150, 200)}
    for name in ("web", "preview", "thumbnail"):
        image = rendered(blobs, media, name).convert("RGB")
        assert near(image.getpixel((image.width // 3, image.height // 2)), BLUE), name
        assert near(image.getpixel((image.width - 2, image.height // 2)), RED), name


def test_a_heic_picture_is_taken_in(pipeline, blobs, tmp_path):
    photo = heic(tmp_path / "IMG_0001.HEIC", 1000, 750)
    tag(photo, f"-XMP-photoshop:Headline={ARABIC['headline']}")
    media = pipeline.take(photo)
    assert (media.info.content_type, media.info.width, media.info.height) == ("image/heic", 1000, 750)
    assert media.info.headline == ARABIC["headline"]
    assert near(rendered(blobs, media, "preview").convert("RGB").getpixel((10, 10)), BLUE)


def test_the_same_file_twice_is_stored_once(pipeline, blobs, tmp_path):
    photo = picture(tmp_path / "again.jpg", 500, 400)
    first, second = pipeline.take(photo), pipeline.take(photo, name="copy.jpg")
    assert [r.blob for r in first.renditions] == [r.blob for r in second.renditions]


def test_a_cameras_own_description_is_no_caption(pipeline, tmp_path):
    """An Olympus writes "OLYMPUS DIGITAL CAMERA" (padded with spaces) as the EXIF
    description of every picture, a Sony "SONY DSC"; MWG's rule reads the EXIF description
    first, so the caption the photographer wrote in IPTC (with a tool that leaves EXIF
    alone) came out as the camera's name. A real EXIF description is still read."""
    photo = picture(tmp_path / "P1010001.JPG", 400, 300, orientation=6)
    tag(photo, "-EXIF:ImageDescription=OLYMPUS DIGITAL CAMERA         ",
        "-EXIF:Make=OLYMPUS IMAGING CORP.", "-IPTC:CodedCharacterSet=UTF8",
        "-IPTC:Caption-Abstract=Firefighters in Izmir")
    assert pipeline.take(photo).info.caption == "Firefighters in Izmir"
    sony = picture(tmp_path / "DSC00001.JPG", 400, 300)
    tag(sony, "-EXIF:ImageDescription=SONY DSC", "-XMP-dc:Description=سوق في حلب")
    assert pipeline.take(sony).info.caption == "سوق في حلب"
    model = picture(tmp_path / "model.jpg", 400, 300)
    tag(model, "-EXIF:ImageDescription=NIKON D5", "-EXIF:Model=NIKON D5")
    assert pipeline.take(model).info.caption == ""
    real = picture(tmp_path / "real.jpg", 400, 300)
    tag(real, "-EXIF:ImageDescription=Flood in Izmir")
    assert pipeline.take(real).info.caption == "Flood in Izmir"

"""Pictures in the portal: thumbnails on the wire, a story's gallery, and a download of
each rendition the subscriber may have, served by the portal itself; a teaser subscriber
never gets an original, however the request is made."""

from __future__ import annotations

import re
from urllib.parse import quote

import lxml.html
import pytest

from tests.helpers import retry_until, services
from tests.media.files import picture, video
from tests.media.ingest import ARABIC, desk_photo
from tests.portal.conftest import World, ninjs
from tests.portal.test_live import read_events

PHOTO = "urn:test:portal:photo"
STORY = "urn:test:portal:story"
NAMES = ("original", "web", "preview", "thumbnail")


def item_url(item_id: str) -> str:
    return "/portal/items/" + quote(item_id, safe=":@")


@pytest.fixture(scope="module")
def photo(world: World, tmp_path_factory) -> bytes:
    data = desk_photo(tmp_path_factory.mktemp("photo") / "p.jpg").read_bytes()
    with world.server.client(world.publish_key) as c:
        posted = c.post("/v1/items", content=data, params={"id": PHOTO},
                        headers={"Content-Type": "image/jpeg"})
        assert posted.status_code in (200, 201), posted.text
    world.publish(ninjs(STORY, "الوفد يصل إلى أنقرة", ["وصل الوفد صباح اليوم."],
                        associations=[{"name": "photo", "uri": PHOTO, "type": "picture"}]))
    return data


def files_of(html: str, section: str = "files") -> dict[str, tuple[str, str]]:
    doc = lxml.html.fromstring(html)
    links = doc.xpath(f"//section[contains(@class, '{section}')]//a[@data-rendition]")
    return {a.get("data-rendition"): (a.get("href"), a.text_content()) for a in links}


def test_a_full_subscriber_downloads_every_rendition(world: World, photo: bytes):
    with world.login("reader@daily.example") as c:
        page = c.get(item_url(PHOTO))
        assert page.status_code == 200, page.text
        found = files_of(page.text)
        assert set(found) == set(NAMES)
        # Each named in the reader's language (the portal is Arabic by default).
        assert re.fullmatch(r"الأصل 1200×800 JPEG \d+ KB", found["original"][1]), found
        assert found["thumbnail"][1].startswith("مصغّرة 200×133 JPEG ")
        for name, (href, _) in found.items():
            got = c.get(href)
            assert got.status_code == 200, (name, got.text)
            assert got.headers["content-type"] == "image/jpeg"
            # Named after the item: a desk's twenty originals are twenty files.
            stem = PHOTO.rsplit(":", 1)[-1]
            assert got.headers["content-disposition"] == (
                f"attachment; filename*=UTF-8''{stem}-{name}.jpg"
            )
            assert got.headers["cache-control"].startswith("private")
        assert c.get(found["original"][0]).content == photo
        ranged = c.get(found["original"][0], headers={"Range": "bytes=0-9"})
        assert ranged.status_code == 206 and ranged.content == photo[:10]
        # The picture itself is on its page, with its caption and credit.
        doc = lxml.html.fromstring(page.text)
        [img] = doc.xpath("//article//figure/img")
        assert img.get("alt") == ARABIC["caption"] and "/renditions/preview?" in img.get("src")
        assert ARABIC["credit"] in doc.xpath("string(//article//figcaption)")


def test_a_story_shows_its_gallery_and_the_wire_its_thumbnails(world: World, photo: bytes):
    with world.login("reader@daily.example") as c:
        page = c.get(item_url(STORY))
        assert page.status_code == 200
        doc = lxml.html.fromstring(page.text)
        [picture] = doc.xpath("//section[@class='gallery']//li[@data-id]")
        assert picture.get("data-id") == PHOTO
        assert picture.xpath(".//img/@alt") == [ARABIC["caption"]]
        assert set(files_of(page.text, "gallery")) == set(NAMES)
        wire = lxml.html.fromstring(c.get("/portal").text)
        for item_id in (PHOTO, STORY):
            [thumb] = wire.xpath(f"//li[@data-id='{item_id}']//img[@class='thumb']")
            assert "/renditions/thumbnail?" in thumb.get("src")
            assert thumb.get("alt") == ARABIC["caption"]
            got = c.get(thumb.get("src"))
            assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
        [plain] = wire.xpath(f"//li[@data-id='{world.flash_id}']")
        assert not plain.xpath(".//img")


def test_the_wire_and_search_filter_by_type_and_search_shows_thumbnails(
    world: World, photo: bytes
):
    """A desk wanting pictures only asks the wire and search for ``type=picture``; a hit
    shows the thumbnail the wire would (a picture's own, a story's first picture)."""
    with world.login("reader@daily.example") as c:
        wire = lxml.html.fromstring(c.get("/portal", params={"type": "picture"}).text)
        shown = wire.xpath("//ol[@id='wire']/li/@data-id")
        assert PHOTO in shown and STORY not in shown and world.flash_id not in shown
        [selected] = wire.xpath("//select[@id='f-type']/option[@selected]/@value")
        assert selected == "picture"
        assert "type=picture" in wire.xpath("//ol[@id='wire']/@data-stream")[0]

        def hits(**params: str) -> dict[str, str | None]:
            page = c.get("/portal/search", params={"q": "أنقرة", **params})
            assert page.status_code == 200, page.text
            doc = lxml.html.fromstring(page.text)
            return {
                li.xpath("string(.//h3/a/@href)"): (li.xpath("string(.//img[@class='thumb']/@src)") or None)
                for li in doc.xpath("//ol[@class='hits']/li")
            }

        found = retry_until(
            lambda: (got := hits()) and item_url(PHOTO) in got and item_url(STORY) in got and got,
            "the index to take the picture and the story in",
        )
        assert "/renditions/thumbnail?" in (found[item_url(PHOTO)] or "")
        assert "/renditions/thumbnail?" in (found[item_url(STORY)] or "")
        assert set(hits(type="picture")) == {item_url(PHOTO)}
        refused = c.get("/portal/search", params={"q": "أنقرة", "type": "poster"})
        # Said in the page's language, the types named.
        assert refused.status_code == 400 and "نوع الخبر المطلوب غير معروف" in refused.text
        assert "نص وصورة وفيديو" in refused.text


@pytest.mark.parametrize("email", ["reader@daily.example", "reader@teasers.example"])
def test_the_live_wire_carries_the_thumbnail_the_wire_page_shows(
    world: World, photo: bytes, email: str
):
    story = f"urn:test:portal:live-story:{email.split('@')[1]}"
    with world.login(email) as c:
        with c.stream("GET", "/portal/stream", timeout=10) as stream:
            lines = stream.iter_lines()
            assert next(lines).startswith("retry:")
            world.publish(ninjs(story, "صورة على الشريط الحي", ["نص الخبر."],
                                associations=[{"name": "photo", "uri": PHOTO, "type": "picture"}]))
            [event] = [e for e in read_events(lines, story) if e["id"] == story]
        wire = lxml.html.fromstring(c.get("/portal").text)
        [thumb] = wire.xpath(f"//li[@data-id='{story}']//img[@class='thumb']")
        assert event["thumb"] == {
            "src": thumb.get("src"), "alt": ARABIC["caption"], "lang": "ar",
            "width": int(thumb.get("width")), "height": int(thumb.get("height")),
        }
        got = c.get(event["thumb"]["src"])
        assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
        with c.stream("GET", "/portal/stream", timeout=10) as stream:
            lines = stream.iter_lines()
            next(lines)
            world.publish(ninjs(f"{story}:plain", "خبر بلا صورة", ["نص."]))
            [plain] = [e for e in read_events(lines, f"{story}:plain") if e["id"].endswith("plain")]
        assert plain["thumb"] is None


def test_a_teaser_subscriber_gets_the_small_renditions_only(world: World, photo: bytes):
    with world.login("reader@teasers.example") as c:
        page = c.get(item_url(PHOTO))
        assert page.status_code == 200
        found = files_of(page.text)
        assert set(found) == {"preview", "thumbnail"}
        assert "renditions/original" not in page.text and "renditions/web" not in page.text
        for href, _ in found.values():
            assert c.get(href).status_code == 200
        assert set(files_of(c.get(item_url(STORY)).text, "gallery")) == {"preview", "thumbnail"}
        crafted = found["preview"][0].replace("/renditions/preview?", "/renditions/original?")
        for url in (crafted, crafted.split("?")[0], crafted.replace("original", "web")):
            refused = c.get(url)
            assert refused.status_code == 403, refused.text
            assert refused.content != photo and "image/" not in refused.headers["content-type"]


def test_nobody_else_gets_a_file(world: World, photo: bytes):
    url = f"{item_url(PHOTO)}/renditions/thumbnail?version=1"
    with world.client() as anonymous:
        got = anonymous.get(url)
        assert got.status_code == 303 and "/login" in got.headers["location"]
    with world.login("reader@other.example") as c:  # English products only
        assert c.get(url).status_code == 404
        assert PHOTO not in c.get("/portal").text


UNNAMED = "urn:test:portal:unnamed"
UNNAMED_STORY = "urn:test:portal:unnamed-story"


def test_a_picture_with_no_headline_or_caption_is_named_by_its_id(
    world: World, tmp_path_factory
):
    """A picture posted with no name, headline or caption (none in the file, none asked
    for) has no headline: the wire, a search, its page and a story's gallery name it by
    its id rather than show an empty heading or a link with no name."""
    data = picture(tmp_path_factory.mktemp("unnamed") / "u.jpg", 900, 600).read_bytes()
    with world.server.client(world.publish_key) as c:
        posted = c.post("/v1/items", content=data, params={"id": UNNAMED, "lang": "ar"},
                        headers={"Content-Type": "image/jpeg"})
        assert posted.status_code == 201, posted.text
    world.publish(ninjs(UNNAMED_STORY, "صورة بلا تعليق", ["نص."],
                        associations=[{"name": "photo", "uri": UNNAMED, "type": "picture"}]))
    with world.login("reader@daily.example") as c:
        wire = lxml.html.fromstring(c.get("/portal").text)
        assert wire.xpath(f"string(//li[@data-id='{UNNAMED}']//h3/a)") == UNNAMED

        def linked() -> list[str]:  # once the search index has taken the picture in
            found = lxml.html.fromstring(c.get("/portal/search", params={"type": "picture"}).text)
            return [a.text_content() for a in found.xpath("//li[contains(@class, 'hit')]//h3/a")
                    if a.get("href") == item_url(UNNAMED)]

        assert retry_until(linked, "the picture in the search index") == [UNNAMED]
        page = lxml.html.fromstring(c.get(item_url(UNNAMED)).text)
        assert page.xpath("string(//main//h1)") == UNNAMED
        assert page.xpath("string(//title)").startswith(UNNAMED)
        story = lxml.html.fromstring(c.get(item_url(UNNAMED_STORY)).text)
        [link] = story.xpath(f"//section[@class='gallery']//li[@data-id='{UNNAMED}']/figure/a")
        assert link.xpath("string(img/@alt)") == UNNAMED


CLIP = "urn:test:portal:clip"
REPORT = "urn:test:portal:report"


@pytest.fixture(scope="module")
def clip(world: World, tmp_path_factory) -> None:
    """A video item (ffmpeg makes it) and a story it illustrates."""
    services("media")
    data = video(tmp_path_factory.mktemp("clip") / "clip.mp4", seconds=1, size="160x120")
    with world.server.client(world.publish_key) as c:
        posted = c.post("/v1/items", content=data.read_bytes(),
                        params={"id": CLIP, "lang": "ar", "caption": "لقطة من الاجتماع"},
                        headers={"Content-Type": "video/mp4"})
        assert posted.status_code in (200, 201), posted.text
    world.publish(ninjs(REPORT, "تقرير مصور من أنقرة", ["وصل الوفد صباح اليوم."],
                        associations=[{"name": "video", "uri": CLIP, "type": "video"}]))


@pytest.mark.parametrize(("email", "full"), [("reader@daily.example", True),
                                             ("reader@teasers.example", False)])
def test_a_storys_gallery_plays_its_video_with_a_poster_frame(
    world: World, clip: None, email: str, full: bool
):
    """Either access plays the preview clip with its frame at the clip's size
    (``previewPoster``): teaser access had the 200-pixel thumbnail stretched over it."""
    poster = "previewPoster"
    with world.login(email) as c:
        for url in (item_url(REPORT), item_url(CLIP)):  # the story's gallery, the video's page
            page = c.get(url)
            assert page.status_code == 200, page.text
            assert "media-src 'self'" in page.headers["content-security-policy"]
            doc = lxml.html.fromstring(page.text)
            [player] = doc.xpath("//main//video")
            assert player.get("controls") is not None
            assert player.get("aria-label") == "لقطة من الاجتماع"
            assert f"/portal/items/{CLIP}/renditions/{poster}?version=1" == player.get("poster")
            [source] = player.xpath("source")
            assert source.get("type") == "video/mp4"
            assert source.get("src") == f"/portal/items/{CLIP}/renditions/preview?version=1"
        played = c.get(source.get("src"), headers={"Range": "bytes=0-99"})
        assert played.status_code == 206 and played.headers["content-type"] == "video/mp4"
        still = c.get(player.get("poster"))
        assert still.status_code == 200 and still.headers["content-type"] == "image/jpeg"
        # The gallery links to the video's own page; a story without one plays nothing.
        story = lxml.html.fromstring(c.get(item_url(REPORT)).text)
        shown = f"//section[@class='gallery']//li[@data-id='{CLIP}']"
        assert story.xpath(f"{shown}//p[@class='open']/a/@href") == [item_url(CLIP)]
        assert set(files_of(c.get(item_url(REPORT)).text, "gallery")) == (
            {"original", "poster", "previewPoster", "preview", "thumbnail"} if full
            else {"previewPoster", "preview", "thumbnail"})
        plain = c.get(item_url(world.flash_id))
        assert "<video" not in plain.text
        assert "media-src" not in plain.headers["content-security-policy"]


def test_a_pictures_alt_is_marked_in_its_own_language_on_an_arabic_page(
    world: World, tmp_path
):
    """The portal speaks Arabic; an English picture's thumbnail and gallery image say
    their alt (the English caption) with ``lang="en"``, or a screen reader reads English
    words with the Arabic voice of the page."""
    shot = picture(tmp_path / "en.jpg", 640, 480).read_bytes()
    photo, story = "urn:test:portal:english-photo", "urn:test:portal:english-story"
    with world.server.client(world.publish_key) as c:
        posted = c.post("/v1/items", content=shot, headers={"Content-Type": "image/jpeg"},
                        params={"id": photo, "lang": "en", "caption": "Convoys at the border"})
        assert posted.status_code == 201, posted.text
    world.publish(ninjs(story, "Convoys reach the border", ["Aid arrived today."], "en",
                        associations=[{"name": "photo", "uri": photo, "type": "picture"}]))
    with world.login("reader@other.example") as c:
        wire = lxml.html.fromstring(c.get("/portal").text)
        assert wire.get("lang") == "ar"
        for item_id in (photo, story):
            [thumb] = wire.xpath(f"//li[@data-id='{item_id}']//img[@class='thumb']")
            assert (thumb.get("alt"), thumb.get("lang")) == ("Convoys at the border", "en")
        page = lxml.html.fromstring(c.get(item_url(story)).text)
        [image] = page.xpath("//section[@class='gallery']//img")
        assert (image.get("alt"), image.get("lang")) == ("Convoys at the border", "en")


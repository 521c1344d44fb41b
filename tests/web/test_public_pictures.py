"""The public site's pictures through a real ``newswire serve``: a story shows its first
picture the public may see as a signed preview, picture and video items have their own
pages, the home page lists them with a thumbnail; never an original, nothing of an
embargoed or withdrawn picture."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from urllib.parse import quote, urlsplit

import feedparser
import lxml.html
import pytest
from lxml import etree
from PIL import Image

from newswire.blobs import blobs_for
from newswire.model import utcnow
from newswire.store import open_store
from newswire.web.public.syndication import SITEMAP_NS
from tests.api.test_media_api import picture
from tests.helpers import Server, make_key
from tests.media.files import picture as bare_picture
from tests.media.files import video
from tests.media.ingest import ARABIC, desk_photo

NINJS = {"Content-Type": "application/ninjs+json"}
DESK = "urn:test:pics:desk"
HELD = "urn:test:pics:held"
GONE = "urn:test:pics:gone"
CLIP = "urn:test:pics:clip"
STORY = "urn:test:pics:story"
STORY_HELD = "urn:test:pics:story-held"
STORY_GONE = "urn:test:pics:story-gone"
BARE = "urn:test:pics:bare"
CLIP_GONE = "urn:test:pics:clip-gone"
STORY_CLIP = "urn:test:pics:story-clip"
STORY_CLIP_GONE = "urn:test:pics:story-clip-gone"


def page(uri: str, lang: str = "ar") -> str:
    return f"/{lang}/news/{quote(uri, safe=':@')}"


def story(uri: str, headline: str, *pictures: str, kind: str = "picture") -> dict:
    return {
        "uri": uri, "type": "text", "language": "ar",
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contentType": "text/plain",
                    "value": "وصل الوفد إلى أنقرة صباح اليوم.\n\nوعقد اجتماعا مطولا."}],
        "associations": [{"name": f"photo{n}", "uri": p,
                          "type": kind if p.startswith(CLIP) else "picture"}
                         for n, p in enumerate(pictures)],
    }


@pytest.fixture(scope="module")
def site(module_store_url, tmp_path_factory):
    db = module_store_url
    store, blobs = open_store(db), blobs_for(db)
    try:
        store.append(picture(HELD, blobs, embargo_until=utcnow() + timedelta(days=1))[0])
        store.append(picture(GONE, blobs)[0])
        store.withdraw(GONE, "the wrong picture")
    finally:
        blobs.close()
        store.close()
    server = Server(db)
    folder = tmp_path_factory.mktemp("pics")
    with server.client(make_key(db, "--scope", "publish", "--name", "DESK")) as desk:
        photo = desk_photo(folder / "desk.jpg").read_bytes()
        posted = desk.post("/v1/items", content=photo, params={"id": DESK},
                           headers={"Content-Type": "image/jpeg"})
        assert posted.status_code == 201, posted.text
        bare = bare_picture(folder / "bare.jpg", 900, 600).read_bytes()
        posted = desk.post("/v1/items", content=bare, params={"id": BARE},
                           headers={"Content-Type": "image/jpeg"})
        assert posted.status_code == 201, posted.text
        clip = video(folder / "clip.mp4", seconds=1, size="480x270").read_bytes()
        posted = desk.post("/v1/items", content=clip, params={"id": CLIP, "lang": "ar",
                           "caption": "لقطة من الاجتماع"}, headers={"Content-Type": "video/mp4"})
        assert posted.status_code == 201, posted.text
        posted = desk.post("/v1/items", content=clip, params={"id": CLIP_GONE, "lang": "ar"},
                           headers={"Content-Type": "video/mp4"})
        assert posted.status_code == 201, posted.text
        gone = desk.post(f"/v1/items/{CLIP_GONE}/withdraw", json={"reason": "the wrong clip"})
        assert gone.status_code == 201, gone.text
        for doc in (story(STORY_CLIP, "وفد يصل إلى أنقرة", HELD, CLIP_GONE, CLIP, DESK, kind="video"),
                    story(STORY_CLIP_GONE, "خبر بمقطع مسحوب", CLIP_GONE, kind="video"),
                    story(STORY, "وفد يصل إلى أنقرة", HELD, DESK),
                    story(STORY_HELD, "خبر بصورة محظورة", HELD),
                    story(STORY_GONE, "خبر بصورة مسحوبة", GONE)):
            made = desk.post("/v1/items", json=doc, headers=NINJS)
            assert made.status_code == 201, made.text
    with server.client() as web:
        yield web
    server.close()


def tree(response):
    assert response.status_code == 200, response.text
    return lxml.html.fromstring(response.text)


def json_ld(doc) -> dict:
    return json.loads(doc.xpath("//script[@type='application/ld+json']")[0].text)


def test_a_story_shows_its_first_public_picture_as_a_signed_preview(site):
    answer = site.get(page(STORY))
    doc = tree(answer)
    [figure] = doc.xpath("//article//figure")
    [img] = figure.xpath(".//img")
    src = img.get("src")
    assert src.startswith(f"/v1/items/{DESK}/versions/1/renditions/preview?expires=")
    assert "by=public" in src
    assert (img.get("width"), img.get("height")) == ("640", "427")
    assert img.get("alt") == ARABIC["caption"]
    assert img.get("lang") == "ar"  # the caption's own: a picture may be in another language
    assert img.get("loading") is None  # the first picture of the page: not lazy
    caption = figure.xpath("string(.//figcaption)")
    assert ARABIC["caption"] in caption and ARABIC["credit"] in caption
    # Never the original, nor anything of the embargoed picture associated first.
    assert "renditions/original" not in answer.text and "renditions/web" not in answer.text
    assert HELD not in answer.text
    image = json_ld(doc)["image"]
    assert image["@type"] == "ImageObject" and image["contentUrl"].endswith(src)
    assert image["caption"] == ARABIC["caption"] and image["creditText"] == ARABIC["credit"]
    assert doc.xpath("//meta[@property='og:image']/@content")[0].endswith(src)
    # The link opens the preview without a key ...
    got = site.get(src)
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert got.headers["cache-control"].startswith("public, max-age=")
    assert int(got.headers["cache-control"].split("=")[1]) > 24 * 3600 - 60
    # ... and nothing once altered.
    signature = src.rsplit("signature=", 1)[1]
    forged = src.replace(signature, ("A" if signature[0] != "A" else "B") + signature[1:])
    assert site.get(forged).status_code == 403
    assert site.get(src.replace("/preview?", "/original?")).status_code == 403
    assert site.get(src.split("?")[0]).status_code == 401


def test_a_picture_in_no_language_is_not_said_to_be_in_the_pages(site):
    """A picture posted with no caption, headline or name has no language (undecided):
    its page, whose interface is Arabic, says nothing of the picture's language in its
    JSON-LD, and no empty headline, name or description either."""
    answer = site.get(page(BARE), follow_redirects=True)
    ld = json_ld(tree(answer))
    assert ld["@type"] == "ImageObject" and ld["contentUrl"]
    assert "inLanguage" not in ld
    assert not {k for k in ("headline", "name", "description") if k in ld and not ld[k]}


def test_the_same_page_is_the_same_bytes_and_etag_until_the_next_day(site):
    first, second = site.get(page(STORY)), site.get(page(STORY))
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    again = site.get(page(STORY), headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_a_picture_item_has_its_own_page(site):
    answer = site.get(page(DESK))
    doc = tree(answer)
    assert doc.xpath("string(//h1)") == ARABIC["headline"]
    [img] = doc.xpath("//article//figure//img")
    assert "/renditions/preview?" in img.get("src") and img.get("alt") == ARABIC["caption"]
    text = doc.xpath("string(//article)")
    assert ARABIC["caption"] in text and ARABIC["credit"] in text and ARABIC["byline"] in text
    assert "renditions/original" not in answer.text and "renditions/web" not in answer.text
    ld = json_ld(doc)
    assert ld["@type"] == "ImageObject" and ld["caption"] == ARABIC["caption"]
    assert ld["creator"]["name"] == ARABIC["byline"]
    assert ld["contentUrl"].endswith(img.get("src"))
    assert site.get(img.get("src")).headers["content-type"] == "image/jpeg"


def test_a_video_item_plays_its_preview_with_a_poster_of_the_players_size(site):
    """The poster is a frame at the preview clip's size (``previewPoster``): it was the
    200-pixel thumbnail, stretched over a 480 × 270 player before it played."""
    answer = site.get(page(CLIP))
    doc = tree(answer)
    [player] = doc.xpath("//article//figure//video")
    assert "/renditions/preview?" in player.get("src")
    assert "/renditions/previewPoster?" in player.get("poster")
    still = site.get(player.get("poster"))
    assert still.status_code == 200 and still.headers["content-type"] == "image/jpeg"
    shown = (int(player.get("width")), int(player.get("height")))
    assert Image.open(io.BytesIO(still.content)).size == shown == (480, 270)
    assert "renditions/original" not in answer.text and "renditions/poster?" not in answer.text
    ld = json_ld(doc)
    assert ld["@type"] == "VideoObject"
    assert urlsplit(ld["thumbnailUrl"]).path == urlsplit(player.get("poster")).path
    [og] = doc.xpath("//meta[@property='og:image']/@content")
    assert urlsplit(og).path == urlsplit(player.get("poster")).path
    got = site.get(player.get("src"), headers={"Range": "bytes=0-99"})
    assert got.status_code == 206 and got.headers["content-type"] == "video/mp4"
    assert "media-src 'self'" in answer.headers["content-security-policy"]


def test_a_story_plays_its_first_public_video_as_the_videos_page_does(site):
    """A story illustrated by a video showed nothing, as only pictures counted; it plays
    the first public one of its associations (not the embargoed picture nor the withdrawn
    clip before it, nor the picture after) with the same signed links, caption and label
    as the video's own page."""
    answer = site.get(page(STORY_CLIP))
    doc = tree(answer)
    [figure] = doc.xpath("//article//figure")
    assert not figure.xpath(".//img")
    [player] = figure.xpath(".//video")
    [own] = tree(site.get(page(CLIP))).xpath("//article//figure//video")
    for name in ("src", "poster", "width", "height", "aria-label"):
        assert player.get(name) == own.get(name), name
    assert player.get("src").startswith(f"/v1/items/{CLIP}/versions/1/renditions/preview?")
    assert "/renditions/previewPoster?" in player.get("poster") and "by=public" in player.get("src")
    assert player.get("aria-label") == "لقطة من الاجتماع"
    assert "لقطة من الاجتماع" in figure.xpath("string(.//figcaption)")
    for hidden in (HELD, CLIP_GONE, DESK, "renditions/original", "renditions/poster?"):
        assert hidden not in answer.text
    ld = json_ld(doc)
    assert ld["@type"] == "NewsArticle" and "image" not in ld
    assert ld["video"]["@type"] == "VideoObject"
    assert urlsplit(ld["video"]["contentUrl"]).path == urlsplit(player.get("src")).path
    [og] = doc.xpath("//meta[@property='og:image']/@content")
    assert urlsplit(og).path == urlsplit(player.get("poster")).path
    got = site.get(player.get("src"), headers={"Range": "bytes=0-99"})
    assert got.status_code == 206 and got.headers["content-type"] == "video/mp4"
    # A story whose only video is withdrawn shows nothing of it.
    answer = site.get(page(STORY_CLIP_GONE))
    assert not tree(answer).xpath("//figure") and CLIP_GONE not in answer.text


def test_the_home_page_lists_pictures_with_a_thumbnail(site):
    answer = site.get("/ar/")
    doc = tree(answer)
    thumbs = doc.xpath("//img[@class='thumb']")
    sources = [t.get("src") for t in thumbs]
    assert any(s.startswith(f"/v1/items/{DESK}/versions/1/renditions/thumbnail?") for s in sources)
    assert any(s.startswith(f"/v1/items/{CLIP}/versions/1/renditions/thumbnail?") for s in sources)
    assert thumbs[0].get("loading") is None
    assert all(t.get("lang") == "ar" for t in thumbs if t.get("alt"))  # the caption's language
    assert any(t.get("alt") for t in thumbs)
    assert all(t.get("loading") == "lazy" for t in thumbs[1:])
    assert HELD not in answer.text and GONE not in answer.text
    got = site.get(sources[0])
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"


def test_an_embargoed_or_withdrawn_picture_shows_nowhere(site):
    assert site.get(page(HELD)).status_code == 404
    assert site.get(page(GONE)).status_code == 410
    for uri, hidden in ((STORY_HELD, HELD), (STORY_GONE, GONE)):
        answer = site.get(page(uri))
        doc = tree(answer)
        assert not doc.xpath("//figure") and hidden not in answer.text
        assert "image" not in json_ld(doc)


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_the_feeds_enclose_each_entrys_public_preview(site, kind):
    answer = site.get(f"/feeds/ar.{kind}")
    assert answer.status_code == 200, answer.text
    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo, parsed.bozo_exception
    enclosed = {
        entry.link.rsplit("/news/", 1)[1]: [e.href for e in entry.get("enclosures", [])]
        for entry in parsed.entries
    }
    # The story encloses its first public picture's preview (not the embargoed one first
    # associated); the picture and the video their own; the others nothing.
    [story_file] = enclosed[STORY]
    path = urlsplit(story_file).path
    assert story_file.startswith("http") and path == f"/v1/items/{DESK}/versions/1/renditions/preview"
    assert "by=public" in story_file
    assert [urlsplit(h).path.rsplit("/", 1)[1] for h in enclosed[DESK] + enclosed[CLIP]] == [
        "preview", "preview"]
    assert enclosed[STORY_HELD] == enclosed[STORY_GONE] == []
    for hidden in (HELD, GONE, "renditions/original", "renditions/web", "renditions/poster"):
        assert hidden not in answer.text
    entry = next(e for e in parsed.entries if e.link.endswith(STORY))
    [file] = entry.enclosures
    assert file.type == "image/jpeg" and int(file.length) > 0
    got = site.get(story_file[story_file.index("/v1/"):])
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"


def test_the_sitemap_names_picture_previews_as_google_images(site):
    answer = site.get("/sitemap-news.xml")
    assert answer.status_code == 200, answer.text
    doc = etree.fromstring(answer.content)
    ns = {"s": SITEMAP_NS, "image": "http://www.google.com/schemas/sitemap-image/1.1"}
    images = {
        url.findtext("s:loc", namespaces=ns).rsplit("/news/", 1)[1]:
            url.xpath("image:image/image:loc/text()", namespaces=ns)
        for url in doc.xpath("//s:url", namespaces=ns)
    }
    for uri in (STORY, DESK):
        [loc] = images[uri]
        assert urlsplit(loc).path == f"/v1/items/{DESK}/versions/1/renditions/preview"
        assert "by=public" in loc
    assert images[CLIP] == [] and images[STORY_HELD] == images[STORY_GONE] == []
    assert HELD not in answer.text and GONE not in answer.text


def robots_allows(robots: str, path: str) -> bool:
    """Whether a crawler may fetch ``path`` by ``robots`` as Google and Bing read it
    (RFC 9309): the longest matching rule wins, ``*`` any characters, ``$`` the end; an
    Allow wins a tie."""
    best: tuple[int, bool] = (-1, True)
    for line in robots.splitlines():
        field, _, value = line.partition(":")
        field, value = field.strip().lower(), value.strip()
        if field not in ("allow", "disallow") or not value:
            continue
        pattern = re.escape(value).replace(r"\*", ".*")
        pattern = pattern[:-2] + "$" if pattern.endswith(r"\$") else pattern
        if re.match(pattern, path):
            best = max(best, (len(value), field == "allow"))
    return best[1]


def test_robots_let_crawlers_fetch_the_pictures_the_public_pages_show(site):
    """Pages, the sitemap's ``image:image`` and ``og:image`` link previews and thumbnails
    under ``/v1/items/…/renditions/``: a ``Disallow: /v1/`` alone kept every image
    crawler away from them, the rest of the API stays disallowed."""
    robots = site.get("/robots.txt").text
    doc = tree(site.get(page(DESK)))
    [image] = doc.xpath("//meta[@property='og:image']/@content")
    [poster] = tree(site.get(page(CLIP))).xpath("//meta[@property='og:image']/@content")
    assert "/renditions/previewPoster" in poster
    home = tree(site.get("/ar/"))
    shown = [urlsplit(image).path, urlsplit(poster).path] + [urlsplit(src).path for src in home.xpath("//main//img/@src")]
    assert len(shown) > 1
    for path in shown:
        assert robots_allows(robots, path), path
    for path in (f"/v1/items/{DESK}", f"/v1/items/{DESK}/versions/1/renditions/original",
                 "/v1/feed", "/portal", "/console"):
        assert not robots_allows(robots, path), path
    assert robots_allows(robots, page(DESK))

"""Video in a real browser, as each face shows it: the console's upload of a phone video
recorded turned (preview, caption edit, attach to a story, published), the public page
of a vertical (9:16) clip and of that phone video, and the portal's gallery with a
download of each file the subscriber may have (teaser and full access).

Each waits for the browser's own events (a video's metadata loaded, an image decoded),
never for time."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.browser.conftest import assert_accessible
from tests.browser.test_faces import log_in, public_path, world  # noqa: F401  (a fixture)
from tests.media.conftest import media_tools  # noqa: F401  (a fixture)
from tests.media.files import video

pytestmark = [pytest.mark.any_store, pytest.mark.usefixtures("media_tools")]

TALL = "urn:test:browser:tall"
STORY = "urn:test:browser:video-story"
CAPTION = "لقطات من هاتف مراسل في أنقرة"
FULL = ("original", "poster", "previewPoster", "thumbnail", "preview")
TEASER = ("previewPoster", "thumbnail", "preview")

# The poster is decoded and the clip's metadata read: what a reader sees before pressing
# play, and the size the player gives the clip.
LOADED = """sel => {
  const v = document.querySelector(sel);
  if (!v) return false;
  if (v.readyState === 0 && !v.dataset.asked) { v.dataset.asked = '1'; v.preload = 'metadata'; v.load(); }
  return v.readyState >= 1;
}"""
POSTER = """async src => {
  const i = new Image(); i.src = src; await i.decode();
  return [i.naturalWidth, i.naturalHeight];
}"""


@pytest.fixture(scope="module")
def clips(world, tmp_path_factory):  # noqa: F811
    """A vertical clip (360 × 640, as a phone films upright) published over the API; the
    phone video (640 × 360 stored, shown turned 90°) is the console's to upload."""
    folder = tmp_path_factory.mktemp("clips")
    tall = video(folder / "tall.mp4", seconds=1, size="360x640")
    with world["server"].client(world["desk"]) as c:
        posted = c.post("/v1/items", content=tall.read_bytes(),
                        params={"id": TALL, "lang": "ar", "caption": "مقطع عمودي"},
                        headers={"Content-Type": "video/mp4"})
        assert posted.status_code == 201, posted.text
        made = c.post("/v1/items", json={
            "uri": STORY, "type": "text", "language": "ar",
            "headlines": [{"role": "main", "value": "تقرير مصور من أنقرة"}],
            "bodies": [{"role": "main", "contentType": "text/plain",
                        "value": "وصل الوفد صباح اليوم إلى أنقرة."}],
        }, headers={"Content-Type": "application/ninjs+json"})
        assert made.status_code == 201, made.text
    return {"phone": video(folder / "phone.mov", seconds=1, size="640x360", rotate=90,
                           container="mov")}


def shown_size(page, selector: str) -> tuple[int, int]:
    """The clip's own size as the browser decodes it."""
    page.wait_for_function(LOADED, arg=selector)
    return tuple(page.eval_on_selector(selector, "v => [v.videoWidth, v.videoHeight]"))


def check_player(page, selector: str, size: tuple[int, int]) -> None:
    """The clip plays upright at ``size``, its poster the same shape, and the player fits
    the window."""
    assert shown_size(page, selector) == size
    poster = page.get_attribute(selector, "poster")
    assert poster and "previewPoster" in poster
    assert tuple(page.evaluate(POSTER, poster)) == size
    box = page.locator(selector).bounding_box()
    assert box["height"] <= page.viewport_size["height"]
    assert abs(box["width"] / box["height"] - size[0] / size[1]) < 0.02


def test_an_editor_uploads_a_phone_video_captions_and_attaches_it(world, clips, page):  # noqa: F811
    base = world["server"].url
    log_in(page, base, "editor@agency.example", "/console/upload")
    page.set_input_files("#f-file", str(clips["phone"]))
    page.fill("#f-headline", "وصول الوفد")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base) + r"/console/items/.*"))
    phone = page.url.split("/console/items/", 1)[1].split("?")[0]
    assert shown_size(page, "#media-preview video") == (360, 640)

    page.goto(f"{base}/console/items/{phone}/caption")
    page.fill("#f-caption", CAPTION)
    page.click("#item-form button[type=submit]")
    page.wait_for_selector("p.created")
    assert CAPTION in page.inner_text("#media-caption")

    page.goto(f"{base}/console/items/{quote(STORY, safe=':@')}/edit")
    page.fill("#f-media-id", phone)
    page.click("#attach button[value=attach]")
    page.wait_for_selector("p.created")
    assert page.locator(".attached-list li").count() == 1
    assert_accessible(page)

    # The public page of the phone video: upright, its poster the player's size.
    page.goto(base + public_path(phone))
    check_player(page, "article figure video", (360, 640))
    assert CAPTION in page.inner_text("article figure")


def test_a_vertical_clip_fits_the_public_page(world, clips, page):  # noqa: F811
    page.goto(world["server"].url + public_path(TALL))
    check_player(page, "article figure video", (360, 640))
    assert_accessible(page)


@pytest.mark.parametrize(("email", "names"), [("reader@teaser.example", TEASER),
                                              ("reader@daily.example", FULL)])
def test_the_portal_gallery_plays_the_video_and_downloads_what_the_reader_may_have(
    world, clips, page, email, names  # noqa: F811
):
    base = world["server"].url
    with world["server"].client(world["desk"]) as c:
        stored = c.get(f"/v1/items/{STORY}").json()
    [phone] = [a["uri"] for a in stored["associations"] if a.get("type") == "video"]
    log_in(page, base, email, "/portal/items/" + quote(STORY, safe=":@"))
    shown = f"section.gallery li[data-id='{phone}']"
    check_player(page, f"{shown} video", (360, 640))
    links = page.locator(f"{shown} a[data-rendition]")
    assert sorted(links.evaluate_all("as => as.map(a => a.dataset.rendition)")) == sorted(names)
    answers = links.evaluate_all(
        "async as => Promise.all(as.map(async a => (await fetch(a.href)).status))")
    assert answers == [200] * len(names)
    page.goto(base + "/portal/items/" + quote(TALL, safe=":@"))
    check_player(page, "main figure video", (360, 640))
    assert_accessible(page)

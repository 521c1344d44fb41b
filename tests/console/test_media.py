"""The console's pictures: an editor uploads a tagged photo, sees it, captions it, attaches
it to a story; a bad file is refused on the form with nothing stored. Through a real
server, as a browser sends the forms (multipart for the upload)."""

from __future__ import annotations

import json
import re

import pytest

from tests.console.conftest import api_path, console_path, csrf_of, post_form
from tests.media.conftest import media_tools  # noqa: F401  (the tools, installed if missing)
from tests.media.files import picture, video
from tests.media.ingest import ARABIC, desk_photo

pytestmark = pytest.mark.usefixtures("media_tools")


def upload(client, path, data: dict | None = None, content_type: str = "image/jpeg"):
    token = csrf_of(client.get("/console/upload").text)
    files = {"file": (path.name, path.read_bytes(), content_type)}
    return client.post("/console/upload", data={"csrf": token, **(data or {})}, files=files)


def ninjs(desk, item_id: str) -> dict:
    with desk.api() as api:
        got = api.get(api_path(item_id), params={"format": "ninjs"})
        assert got.status_code == 200, got.text
        return got.json()


def pictures(doc: dict) -> list[tuple[str, str]]:
    """A ninjs document's associated pictures (not its link to the previous version)."""
    return [(a["uri"], a["name"]) for a in doc.get("associations", [])
            if a.get("rel") != "previousVersion"]


def test_an_uploaded_photo_is_a_picture_item_with_its_tags_and_the_editors_word(desk, tmp_path):
    photo = desk_photo(tmp_path / "desk.jpg")
    with desk.login() as client:
        done = upload(client, photo, {"credit": "وكالة الأناضول", "byline": ""})
        assert done.status_code == 303, done.text
        target = done.headers["location"]
        assert target.startswith("/console/items/urn:newswire:media:")
        item_id = target.split("?")[0].removeprefix("/console/items/")
        doc = ninjs(desk, item_id)
        assert doc["type"] == "picture"
        assert doc["headlines"][0]["value"] == ARABIC["headline"]
        assert doc["descriptions"][0]["value"] == ARABIC["caption"]
        assert doc["language"] == "ar"
        assert {r["name"] for r in doc["renditions"]} >= {"original", "web", "preview", "thumbnail"}
        assert "الأناضول" in json.dumps(doc, ensure_ascii=False)

        page = client.get(target)
        assert page.status_code == 200
        images = re.findall(r'<img src="([^"]+)"', page.text)
        assert images and "/renditions/web" in images[0]
        shown = client.get(images[0].replace("&amp;", "&"))
        assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
        assert shown.content[:2] == b"\xff\xd8"
        original = client.get(console_path(item_id) + "/versions/1/renditions/original")
        assert original.content == photo.read_bytes()
        part = client.get(
            console_path(item_id) + "/versions/1/renditions/original", headers={"Range": "bytes=2-11"}
        )
        assert part.status_code == 206 and part.content == photo.read_bytes()[2:12]
    with desk.browser() as anonymous:  # no session: the login page, never the file
        refused = anonymous.get(images[0])
        assert refused.status_code in (303, 401, 403)
        assert not refused.content.startswith(b"\xff\xd8")


def test_an_uploaded_mp4_is_a_video_item_with_a_poster_and_its_duration(desk, tmp_path):
    clip = video(tmp_path / "meeting.mp4", seconds=1, size="160x120")
    with desk.login() as client:
        done = upload(client, clip, {"caption": "لقطة من الاجتماع", "language": "ar"},
                      "video/mp4")
        assert done.status_code == 303, done.text
        target = done.headers["location"]
        item_id = target.split("?")[0].removeprefix("/console/items/")
        doc = ninjs(desk, item_id)
        assert doc["type"] == "video" and doc["language"] == "ar"
        assert doc["descriptions"][0]["value"] == "لقطة من الاجتماع"
        files = {r["name"]: r for r in doc["renditions"]}
        assert {"original", "poster", "preview", "thumbnail"} <= set(files)
        assert files["poster"]["contentType"] == "image/jpeg"
        assert files["preview"]["contentType"] == "video/mp4"
        assert abs(files["original"]["duration"] - 1.0) < 0.2
        assert (files["original"]["width"], files["original"]["height"]) == (160, 120)

        page = client.get(target)
        assert page.status_code == 200
        [(src, poster)] = re.findall(r'<video [^>]*src="([^"]+)" poster="([^"]+)"', page.text)
        assert "/renditions/preview" in src and "/renditions/" in poster
        played = client.get(src.replace("&amp;", "&"), headers={"Range": "bytes=0-99"})
        assert played.status_code == 206 and played.headers["content-type"] == "video/mp4"
        shown = client.get(poster.replace("&amp;", "&"))
        assert shown.status_code == 200 and shown.content[:2] == b"\xff\xd8"


def test_a_bad_file_is_a_form_error_and_nothing_is_stored(desk, tmp_path):
    fake = tmp_path / "notes.jpg"
    fake.write_bytes(b"this is not a picture at all\n" * 10)
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    with desk.login() as client:
        before = desk.item_count()
        for path, kind in ((fake, "image/jpeg"), (svg, "image/svg+xml")):
            refused = upload(client, path, {"caption": "x"}, kind)
            assert refused.status_code in (400, 415, 422), refused.text
            assert 'id="err-file"' in refused.text
            assert 'value="x"' not in refused.text or "x</textarea>" in refused.text
        long = upload(client, picture(tmp_path / "p.jpg", 64, 48), {"headline": "ع" * 3000})
        assert long.status_code == 422 and 'id="err-headline"' in long.text
        assert desk.item_count() == before


def test_an_upload_without_the_csrf_token_is_refused(desk, tmp_path):
    photo = picture(tmp_path / "p.jpg", 64, 48)
    with desk.login() as client:
        before = desk.item_count()
        files = {"file": ("p.jpg", photo.read_bytes(), "image/jpeg")}
        refused = client.post("/console/upload", data={"csrf": "forged"}, files=files)
        assert refused.status_code == 403
        assert desk.item_count() == before


def test_a_pictures_caption_is_edited_into_a_new_version_with_the_same_files(desk, tmp_path):
    photo = picture(tmp_path / "edit.jpg", 120, 80)
    with desk.login() as client:
        done = upload(client, photo, {"headline": "صورة للتعديل", "language": "ar"})
        item_id = done.headers["location"].split("?")[0].removeprefix("/console/items/")
        first = ninjs(desk, item_id)
        edit = client.get(console_path(item_id) + "/edit")
        assert edit.status_code == 303 and "/caption" in edit.headers["location"]
        form = client.get(console_path(item_id) + "/caption?signal=correction")
        assert form.status_code == 200
        stored = post_form(client, console_path(item_id) + "/caption", {
            "signal": "correction", "headline": "صورة للتعديل", "caption": "تعليق مصحَّح",
            "byline": "مصوّر", "credit": "الأناضول", "language": "ar",
        }, page=console_path(item_id) + "/caption")
        assert stored.status_code == 303, stored.text
        second = ninjs(desk, item_id)
        assert second["version"] == "2" and second["descriptions"][0]["value"] == "تعليق مصحَّح"
        assert [r["href"].replace("/versions/2/", "/versions/1/") for r in second["renditions"]] \
            == [r["href"] for r in first["renditions"]]
        # A form opened on version 1 (another editor's tab) is told of version 2, not
        # stored over it.
        assert 'name="based_on" value="1"' in form.text
        stale = post_form(client, console_path(item_id) + "/caption", {
            "signal": "update", "headline": "صورة للتعديل", "caption": "تعليق قديم",
            "language": "ar", "based_on": "1",
        }, page=console_path(item_id) + "/caption")
        assert stale.status_code == 409 and 'id="err-based_on"' in stale.text
        assert 'name="based_on" value="2"' in stale.text and "تعليق قديم" in stale.text
        assert ninjs(desk, item_id)["version"] == "2"


def test_a_caption_edited_in_the_console_is_cleaned_as_at_upload(desk, tmp_path):
    """The upload form's and the API's caption lose markup and bidi overrides (the
    editor's word over the file, cleaned as embedded text is); the caption page kept
    them, so the same text typed after the upload went to subscribers with a
    right-to-left override and ``<script>`` in it."""
    photo = picture(tmp_path / "clean.jpg", 131, 87)
    hostile = "\u202eعاجل\u202c <script>alert(1)</script>تعليق <b>جديد</b>"
    with desk.login() as client:
        done = upload(client, photo, {"headline": "صورة", "caption": hostile, "language": "ar"})
        item_id = done.headers["location"].split("?")[0].removeprefix("/console/items/")
        assert ninjs(desk, item_id)["descriptions"][0]["value"] == "عاجل تعليق جديد"
        stored = post_form(client, console_path(item_id) + "/caption", {
            "signal": "update", "headline": "صورة <i>مائلة</i>", "caption": hostile + " ثانية",
            "byline": "\u2066مصوّر\u2069", "credit": "<b>الأناضول</b>", "language": "ar",
        }, page=console_path(item_id) + "/caption")
        assert stored.status_code == 303, stored.text
        doc = ninjs(desk, item_id)
        assert doc["version"] == "2"
        assert doc["headlines"][0]["value"] == "صورة مائلة"
        assert [d["value"] for d in doc["descriptions"]] == ["عاجل تعليق جديد ثانية", "الأناضول"]
        assert doc["by"] == "مصوّر"


def test_a_picture_is_attached_detached_and_ordered_on_a_story(desk, tmp_path):
    with desk.login() as client:
        ids = []
        for n in (1, 2):
            done = upload(client, picture(tmp_path / f"a{n}.jpg", 100 + n, 80),
                          {"headline": f"صورة مرفقة {n}", "language": "ar"})
            ids.append(done.headers["location"].split("?")[0].removeprefix("/console/items/"))
        story = post_form(client, "/console/items", {
            "action": "publish", "headline": "خبر بصورتين", "body": "فقرة الخبر الأولى.",
        })
        assert story.status_code == 303
        story_id = story.headers["location"].split("?")[0].removeprefix("/console/items/")
        edit = console_path(story_id) + "/edit"
        page = client.get(edit)
        assert ids[0] in page.text  # offered among the recent pictures
        for media in ids:
            done = post_form(client, console_path(story_id) + "/associations",
                             {"op": "attach", "media": media}, page=edit)
            assert done.status_code == 303, done.text
        doc = ninjs(desk, story_id)
        assert doc["version"] == "3"
        assert pictures(doc) == [
            (ids[0], "featuremedia"), (ids[1], "picture2")]
        # Each goes out with its headline and its files, linked to the picture's own.
        first = next(a for a in doc["associations"] if a["uri"] == ids[0])
        assert first["headlines"][0]["value"] == "صورة مرفقة 1"
        files = {r["name"]: r for r in first["renditions"]}
        assert {"original", "preview", "thumbnail"} <= set(files)
        assert files["preview"]["href"].endswith(f"/v1/items/{ids[0]}/renditions/preview")
        assert files["original"]["width"] == 101
        moved = post_form(client, console_path(story_id) + "/associations", {"op": "up-1"},
                          page=edit)
        assert moved.status_code == 303
        assert [u for u, _ in pictures(ninjs(desk, story_id))] == [ids[1], ids[0]]
        unknown = post_form(client, console_path(story_id) + "/associations",
                            {"op": "attach", "media_id": "urn:nowhere:1"}, page=edit)
        assert unknown.status_code == 422 and 'id="err-media"' in unknown.text
        gone = post_form(client, console_path(story_id) + "/associations", {"op": "detach-0"},
                         page=edit)
        assert gone.status_code == 303
        final = ninjs(desk, story_id)
        assert final["version"] == "5"
        assert pictures(final) == [(ids[0], "featuremedia")]
        shown = client.get(console_path(story_id))
        assert "صورة مرفقة 1" in shown.text


def test_the_api_refuses_an_association_to_an_unknown_item(desk, tmp_path):
    doc = {
        "uri": "urn:test:story-with-picture", "type": "text", "language": "ar",
        "headlines": [{"role": "main", "value": "خبر بصورة مفقودة"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "فقرة."}],
        "associations": [{"name": "featuremedia", "rel": "seeAlso", "type": "picture",
                          "uri": "urn:test:no-such-picture"}],
    }
    body = json.dumps(doc, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/ninjs+json"}
    with desk.api() as api:
        refused = api.post("/v1/items", content=body, headers=headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "associations[0].id"
        assert api.get(api_path(doc["uri"])).status_code == 404
    with desk.login() as client:
        done = upload(client, picture(tmp_path / "known.jpg", 90, 60), {"headline": "صورة"})
        known = done.headers["location"].split("?")[0].removeprefix("/console/items/")
    doc["associations"][0]["uri"] = known
    with desk.api() as api:
        stored = api.post("/v1/items", content=json.dumps(doc).encode(), headers=headers)
        assert stored.status_code == 201, stored.text
        assert pictures(ninjs(desk, doc["uri"])) == [(known, "featuremedia")]


def test_an_embargoed_pictures_headline_does_not_go_out_with_the_story_it_is_attached_to(
    desk, tmp_path
):
    """Attached to a story that goes out now, a picture under embargo is named by its id
    only: its headline would reach every subscriber of the story before the lift."""
    from datetime import timedelta

    from newswire.model import utcnow

    lift = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    with desk.login() as client:
        done = upload(client, picture(tmp_path / "held.jpg", 120, 80),
                      {"headline": "الوزير يستقيل", "language": "ar", "embargo": lift})
        assert done.status_code == 303, done.text
        held = done.headers["location"].split("?")[0].removeprefix("/console/items/")
        story = post_form(client, "/console/items", {
            "action": "publish", "headline": "خبر الآن", "body": "فقرة.",
        })
        story_id = story.headers["location"].split("?")[0].removeprefix("/console/items/")
        edit = console_path(story_id) + "/edit"
        client.get(edit)
        attached = post_form(client, console_path(story_id) + "/associations",
                             {"op": "attach", "media_id": held}, page=edit)
        assert attached.status_code == 303, attached.text
        doc = ninjs(desk, story_id)
        assert pictures(doc) == [(held, "featuremedia")]
        assert "الوزير يستقيل" not in json.dumps(doc, ensure_ascii=False)
        assert "الوزير يستقيل" in client.get(console_path(story_id)).text  # editors see it


def test_a_story_released_before_its_pictures_embargo_lifts_loses_its_headline_and_files(
    desk, tmp_path
):
    """A story under an embargo lifting after its picture's carries the picture's headline
    and files; edited to go out now, while the picture is still held, it carries neither:
    every subscriber of the story would read the held picture's headline before its lift."""
    from datetime import timedelta

    from newswire.model import utcnow

    def at(hours: int) -> str:
        return (utcnow() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S")

    with desk.login() as client:
        done = upload(client, picture(tmp_path / "later.jpg", 120, 80),
                      {"headline": "الوزيرة تستقيل", "language": "ar", "embargo": at(2),
                       "embargo_zone": "UTC"})
        assert done.status_code == 303, done.text
        held = done.headers["location"].split("?")[0].removeprefix("/console/items/")
        story = post_form(client, "/console/items", {
            "action": "publish", "headline": "خبر لاحق", "body": "فقرة الخبر اللاحق.",
            "embargo": at(4), "embargo_zone": "UTC",
        })
        assert story.status_code == 303, story.text
        story_id = story.headers["location"].split("?")[0].removeprefix("/console/items/")
        edit = console_path(story_id) + "/edit"
        attached = post_form(client, console_path(story_id) + "/associations",
                             {"op": "attach", "media_id": held}, page=edit)
        assert attached.status_code == 303, attached.text
        doc = ninjs(desk, story_id)
        assert "الوزيرة تستقيل" in json.dumps(doc, ensure_ascii=False)  # it lifts first
        released = post_form(client, edit, {
            "action": "publish", "headline": "خبر لاحق", "body": "فقرة الخبر اللاحق.",
            "signal": "update", "embargo": "", "based_on": "2",
        }, page=edit)
        assert released.status_code == 303, released.text
        doc = ninjs(desk, story_id)
        assert doc["version"] == "3" and "embargoedUntil" not in doc
        assert pictures(doc) == [(held, "featuremedia")]
        assert "الوزيرة تستقيل" not in json.dumps(doc, ensure_ascii=False)
        (association,) = [a for a in doc["associations"] if a["uri"] == held]
        assert "renditions" not in association


def test_attaching_a_picture_keeps_a_withheld_story_withheld(desk, tmp_path):
    """Attaching a picture made the story's next version usable whatever it was: a story
    the desk held (withheld) went to every subscriber and the public site when its
    picture was added, though no one had chosen to release it."""
    uri = "urn:test:console:held-story"
    doc = {
        "uri": uri, "type": "text", "language": "ar", "pubStatus": "withheld",
        "headlines": [{"role": "main", "value": "خبر محجوز حتى إشعار آخر"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "فقرة الخبر."}],
    }
    with desk.api() as api:
        made = api.post("/v1/items", json=doc, headers={"Content-Type": "application/ninjs+json"})
        assert made.status_code == 201, made.text
    with desk.login() as client:
        done = upload(client, picture(tmp_path / "held.jpg", 90, 60), {"headline": "صورة"})
        media = done.headers["location"].split("?")[0].removeprefix("/console/items/")
        edit = console_path(uri) + "/edit"
        attached = post_form(client, console_path(uri) + "/associations",
                             {"op": "attach", "media": media}, page=edit)
        assert attached.status_code == 303, attached.text
    story = ninjs(desk, uri)
    assert story["version"] == "2" and pictures(story) == [(media, "featuremedia")]
    assert story["pubStatus"] == "withheld"


def _file_error(page: str) -> str:
    found = re.search(r'<p class="field-error" id="err-file"[^>]*>(.*?)</p>', page, re.S)
    assert found, page
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_a_refused_file_is_explained_in_the_editors_language(desk, tmp_path):
    fake = tmp_path / "notes.jpg"
    fake.write_bytes(b"this is not a picture at all\n" * 10)
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    png = picture(tmp_path / "p.png", 64, 48, fmt="PNG")
    with desk.login() as client:
        said = {path.name: _file_error(upload(client, path, {}, kind).text)
                for path, kind in ((fake, "image/jpeg"), (svg, "image/svg+xml"),
                                   (empty, "image/jpeg"), (png, "image/jpeg"))}
    assert "ليس صورة ولا فيديو بصيغة مقبولة" in said["notes.jpg"]
    assert "SVG" in said["logo.svg"] and "لا تُقبل" in said["logo.svg"]
    assert "الملف فارغ" in said["empty.jpg"]
    assert "PNG" in said["p.png"] and "لا JPEG" in said["p.png"]
    for text in said.values():
        assert not re.search(r"\b(the|not|is|accepted|empty|declared)\b", text), text

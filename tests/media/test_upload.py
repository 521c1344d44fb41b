"""``POST /v1/items`` with a picture or video file as the body, through a real server, on
every store backend."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from newswire import formats
from tests.helpers import Server, make_key
from tests.media.files import picture, tag, video
from tests.media.ingest import ARABIC, blob_keys, desk_photo
from tests.media.test_refusals import SVG, jpeg_bytes

LIMIT = 200_000


@pytest.fixture(scope="module")
def db(module_store_url) -> str:
    return module_store_url


@pytest.fixture(scope="module")
def server(db):
    # The desk's older tools wrote IPTC in Arabic Windows' code page, undeclared.
    srv = Server(db, env={"NEWSWIRE_MAX_MEDIA_BYTES": str(LIMIT), "NEWSWIRE_IPTC_CHARSET": "cp1256"})
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def client(server, db):
    with server.client(make_key(db, "--scope", "publish", "--name", "PHOTODESK")) as c:
        yield c


def ninjs_of(client, item_id: str) -> dict:
    got = client.get(f"/v1/items/{quote(item_id, safe='')}", params={"format": "ninjs"})
    assert got.status_code == 200, got.text
    return got.json()


def test_a_jpeg_body_is_a_picture_item(client, db, tmp_path):
    photo = desk_photo(tmp_path / "desk.jpg").read_bytes()
    posted = client.post("/v1/items", content=photo, headers={"Content-Type": "image/jpeg"})
    assert posted.status_code == 201, posted.text
    answer = posted.json()
    assert answer["id"].startswith("urn:newswire:media:") and answer["version"] == 1
    assert posted.headers["Location"] == answer["href"]
    doc = ninjs_of(client, answer["id"])
    assert doc["type"] == "picture" and doc["language"] == "ar"
    assert doc["headlines"][0]["value"] == ARABIC["headline"]
    assert ARABIC["caption"] in json.dumps(doc, ensure_ascii=False)
    sizes = {r["name"]: (r["width"], r["height"]) for r in doc["renditions"]}
    assert sizes == {"original": (1200, 800), "web": (1200, 800), "preview": (640, 427),
                     "thumbnail": (200, 133)}
    again = client.post("/v1/items", content=photo, headers={"Content-Type": "image/jpeg"})
    assert again.status_code == 200, again.text
    assert (again.json()["id"], again.json()["version"]) == (answer["id"], 1)


def test_an_undeclared_body_is_told_by_its_bytes_and_overrides_win(client, tmp_path):
    photo = picture(tmp_path / "p.jpg", 400, 300).read_bytes()
    posted = client.post(
        "/v1/items", content=photo,
        params={"id": "urn:aa:photo:7", "headline": "Talks", "caption": "Ankara, May 1",
                "lang": "en", "keyword": ["a", "b"], "byline": "M. Kaya", "type": "graphic"},
        headers={"Content-Type": "application/octet-stream"},
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["id"] == "urn:aa:photo:7"
    doc = ninjs_of(client, "urn:aa:photo:7")
    assert (doc["type"], doc["language"], doc["headlines"][0]["value"]) == ("graphic", "en", "Talks")
    item = formats.get("ninjs").parse(json.dumps(doc).encode())[0]
    assert (item.keywords, item.byline, item.description) == (["a", "b"], "M. Kaya", "Ankara, May 1")


def test_a_video_body_is_a_video_item_with_a_poster(client, tmp_path):
    clip = video(tmp_path / "clip.mp4", seconds=1, size="160x120").read_bytes()
    assert len(clip) < LIMIT
    posted = client.post("/v1/items", content=clip, params={"name": "clip.mp4"},
                         headers={"Content-Type": "video/mp4"})
    assert posted.status_code == 201, posted.text
    doc = ninjs_of(client, posted.json()["id"])
    assert doc["type"] == "video" and doc["headlines"][0]["value"] == "clip"
    names = {r["name"]: r for r in doc["renditions"]}
    assert names["poster"]["contentType"] == "image/jpeg"
    assert abs(names["original"]["duration"] - 1.0) < 0.2
    # The codec and frame rate ffprobe reads (ninjs 3.x videoCodec, frameRate): the test
    # clip is H.264 at 25 frames a second, and so is the preview newswire makes of it.
    for name in ("original", "preview"):
        assert (names[name]["videoCodec"], names[name]["frameRate"]) == ("h264", 25), name
    assert "videoCodec" not in names["poster"]
    v2 = client.get(f"/v1/items/{quote(posted.json()['id'], safe='')}", params={"format": "ninjs2"})
    assert v2.status_code == 200, v2.text
    assert all("videoCodec" not in r for r in v2.json()["renditions"])  # 2.x has no such key


BAD_BODIES = [
    ("image/jpeg", lambda t: (b := jpeg_bytes(t))[: len(b) * 2 // 3], 422, "body",
     "cannot be decoded|cannot be read"),
    ("image/svg+xml", lambda t: SVG, 415, "body", "SVG"),
    ("image/jpeg", lambda t: SVG, 415, "body", "SVG"),
    ("application/octet-stream", lambda t: SVG, 415, "body", "SVG"),
    ("", lambda t: SVG, 415, "body", "SVG"),
    ("image/jpeg", lambda t: picture(t / "p.png", 30, 20, fmt="PNG").read_bytes(), 415,
     "Content-Type", "a PNG picture, not the image/jpeg declared"),
    ("image/jpeg", lambda t: b"\xff\xd8\xff" + b"\x00" * (LIMIT + 1), 413, "body", "limit"),
    ("audio/mpeg", lambda t: b"ID3\x04" + b"\x00" * 100, 415, "body", "not a format"),
    ("application/octet-stream",
     lambda t: b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(64),
     415, "body", "an AVIF picture is not a format accepted here"),
]
"""(Content-Type, the body made in a folder, status, field, what the detail says)"""


@pytest.mark.parametrize(("content_type", "make", "status", "field", "reason"), BAD_BODIES)
def test_a_bad_body_is_refused_naming_the_field_and_nothing_is_stored(
    client, db, tmp_path, content_type, make, status, field, reason
):
    import re

    before = (client.get("/ready").json()["versions"], blob_keys(db))
    refused = client.post("/v1/items", content=make(tmp_path),
                          headers={"Content-Type": content_type})
    assert refused.status_code == status, refused.text
    problem = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert problem["field"] == field and re.search(reason, problem["detail"]), problem
    assert (client.get("/ready").json()["versions"], blob_keys(db)) == before
    assert client.get("/health").status_code == 200


def test_a_refused_file_is_named_as_the_sender_named_it(client, db, tmp_path):
    """With ``?name=`` (the file's name, as the console and a desk's script send it), the
    problem says which file was refused, as ``newswire ingest`` does."""
    data = (whole := jpeg_bytes(tmp_path))[: len(whole) * 2 // 3]  # truncated
    refused = client.post("/v1/items", content=data, params={"name": "IMG_2041.jpg"},
                          headers={"Content-Type": "image/jpeg"})
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["field"] == "body", problem
    assert problem["detail"].startswith("body: IMG_2041.jpg: the picture cannot be decoded")


def test_without_name_the_content_disposition_filename_is_the_files_name(client, db, tmp_path):
    """A client sending a file as HTTP sends one (``Content-Disposition: attachment;
    filename=…``, RFC 6266, ``filename*`` for a name beyond ASCII) names it so: its
    headline when it has none, and every refusal of it; ``?name=`` wins when both are
    given."""
    plain = picture(tmp_path / "plain.jpg", 64, 40).read_bytes()
    posted = client.post("/v1/items", content=plain, headers={
        "Content-Type": "image/jpeg", "Content-Disposition": 'attachment; filename="IMG_2041.jpg"'})
    assert posted.status_code == 201, posted.text
    assert ninjs_of(client, posted.json()["id"])["headlines"][0]["value"] == "IMG_2041"
    arabic = picture(tmp_path / "arabic.jpg", 64, 41).read_bytes()
    posted = client.post("/v1/items", content=arabic, headers={
        "Content-Type": "image/jpeg",
        "Content-Disposition": "attachment; filename=\"gaza.jpg\"; filename*=UTF-8''"
        + quote("غزة الليلة.jpg"),
    })
    assert posted.status_code == 201, posted.text
    assert ninjs_of(client, posted.json()["id"])["headlines"][0]["value"] == "غزة الليلة"
    data = (whole := jpeg_bytes(tmp_path))[: len(whole) * 2 // 3]  # truncated
    for params, named in (({}, "IMG_2041.jpg"), ({"name": "desk-7.jpg"}, "desk-7.jpg")):
        refused = client.post("/v1/items", content=data, params=params, headers={
            "Content-Type": "image/jpeg", "Content-Disposition": 'attachment; filename="IMG_2041.jpg"'})
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"].startswith(f"body: {named}: the picture cannot be decoded")


@pytest.mark.parametrize(("content_type", "make", "status", "field", "reason"), BAD_BODIES)
def test_every_refusal_of_a_named_file_names_it(
    client, db, tmp_path, content_type, make, status, field, reason
):
    """Whatever refuses the file (its size, its type, its bytes, what the pipeline finds),
    the problem begins with the name the sender gave it: a desk's script sending a
    folder's files one by one learns which one to look at."""
    import re

    refused = client.post("/v1/items", content=make(tmp_path), params={"name": "IMG_2041.jpg"},
                          headers={"Content-Type": content_type})
    assert refused.status_code == status, refused.text
    problem = refused.json()
    assert problem["field"] == field, problem
    assert problem["detail"].startswith(f"{field}: IMG_2041.jpg: "), problem
    assert re.search(reason, problem["detail"]), problem


def test_overrides_are_refused_before_the_file_is_read(client, db, tmp_path):
    photo = picture(tmp_path / "p.jpg", 64, 48).read_bytes()
    before = blob_keys(db)
    for params, field in (({"lang": "not a tag"}, "lang"), ({"type": "video"}, "type"),
                          ({"id": "two words"}, "id")):
        refused = client.post("/v1/items", content=photo, params=params,
                              headers={"Content-Type": "image/jpeg"})
        assert refused.status_code in (400, 422), refused.text
        assert refused.json()["field"] == field
    text = client.post("/v1/items", content=b"headline\n\nbody\n", params={"caption": "x"},
                       headers={"Content-Type": "text/plain"})
    assert text.status_code == 422 and text.json()["field"] == "caption"
    # A file named as a picture that is none (a ZIP, a page): the file is at fault, by name.
    for body in (b"PK\x03\x04" + bytes(60), b"<!doctype html><html><body>x</body></html>"):
        named = client.post("/v1/items", content=body, params={"name": "zip.jpg"},
                            headers={"Content-Type": "application/octet-stream"})
        assert named.status_code == 422 and named.json()["field"] == "body", named.text
        assert named.json()["detail"].startswith("body: zip.jpg: not a picture or video")
    ninjs = client.post("/v1/items", content=photo, params={"format": "ninjs"},
                        headers={"Content-Type": "image/jpeg"})
    assert ninjs.status_code == 422 and ninjs.json()["field"] == "format"
    assert blob_keys(db) == before


def test_a_ninjs_update_keeps_the_renditions(client, tmp_path):
    photo = desk_photo(tmp_path / "update.jpg", 600, 400).read_bytes()
    first = client.post("/v1/items", content=photo, params={"id": "urn:aa:photo:update"},
                        headers={"Content-Type": "image/jpeg"})
    assert first.status_code in (200, 201), first.text
    doc = ninjs_of(client, "urn:aa:photo:update")
    renditions = doc["renditions"]
    doc["descriptions"] = [{"role": "caption", "contentType": "text/plain", "value": "جديد"}]
    updated = client.post("/v1/items", content=json.dumps(doc),
                          headers={"Content-Type": "application/ninjs+json"})
    assert updated.status_code == 201, updated.text
    assert updated.json()["version"] == 2
    latest = ninjs_of(client, "urn:aa:photo:update")
    assert "جديد" in json.dumps(latest, ensure_ascii=False)
    # The same files, now linked as version 2's (a version's links never change).
    def without_href(rs: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "href"} for r in rs]

    assert without_href(latest["renditions"]) == without_href(renditions)
    assert all("/versions/2/renditions/" in r["href"] for r in latest["renditions"])
    for old, new in zip(renditions, latest["renditions"], strict=True):
        assert client.get(new["href"]).content == client.get(old["href"]).content
    item = formats.get("ninjs").parse(json.dumps(latest).encode())[0]
    assert item.description == "جديد"


def test_undeclared_iptc_is_read_in_the_configured_character_set(client, tmp_path):
    legacy = tag(picture(tmp_path / "legacy.jpg", 300, 200), "-IPTC:Headline=صورة من غزة",
                 "-IPTC:Caption-Abstract=أطفال يلعبون", charset="cp1256")
    posted = client.post("/v1/items", content=legacy.read_bytes(),
                         headers={"Content-Type": "image/jpeg"})
    assert posted.status_code == 201, posted.text
    doc = ninjs_of(client, posted.json()["id"])
    assert doc["headlines"][0]["value"] == "صورة من غزة" and doc["language"] == "ar"
    assert doc["descriptions"][0]["value"] == "أطفال يلعبون"


def test_a_file_under_a_storys_id_is_refused_and_the_story_stays(client, db, tmp_path):
    story = client.post("/v1/items", content=b"Ankara talks\n\nThe body.\n",
                        params={"format": "text"}, headers={"Content-Type": "text/plain"})
    assert story.status_code == 201, story.text
    story_id = story.json()["id"]
    before = blob_keys(db)
    refused = client.post("/v1/items", content=picture(tmp_path / "p.jpg", 64, 48).read_bytes(),
                          params={"id": story_id}, headers={"Content-Type": "image/jpeg"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "id" and "is a text item" in refused.json()["detail"]
    doc = ninjs_of(client, story_id)
    assert (doc["type"], doc["version"]) == ("text", "1")
    assert blob_keys(db) == before  # refused before the file was worked on


def test_a_new_file_for_an_embargoed_picture_keeps_its_embargo(client, tmp_path):
    """A better crop sent under the id of a picture still under embargo must not publish it
    early: its new version keeps the embargo (a ninjs update, which says its own, may
    change it)."""
    item_id = "urn:aa:photo:held"
    lift = "2099-01-01T00:00:00Z"
    doc = {"uri": item_id, "type": "picture", "embargoedUntil": lift,
           "headlines": [{"role": "main", "value": "Held"}],
           "renditions": [{"name": "original", "href": "https://cdn.example/held.jpg"}]}
    first = client.post("/v1/items", content=json.dumps(doc),
                        headers={"Content-Type": "application/ninjs+json"})
    assert first.status_code == 201, first.text
    crop = client.post("/v1/items", content=picture(tmp_path / "crop.jpg", 300, 200).read_bytes(),
                       params={"id": item_id}, headers={"Content-Type": "image/jpeg"})
    assert crop.status_code == 201, crop.text
    latest = ninjs_of(client, item_id)
    assert latest["version"] == "2" and latest["embargoedUntil"] == lift



def test_a_file_is_taken_in_under_embargo_from_its_first_version(client, tmp_path):
    photo = picture(tmp_path / "embargoed.jpg", 320, 200).read_bytes()
    posted = client.post("/v1/items", content=photo, headers={"Content-Type": "image/jpeg"},
                         params={"embargo": "2099-06-01T08:00:00+03:00"})
    assert posted.status_code == 201, posted.text
    doc = ninjs_of(client, posted.json()["id"])
    assert (doc["version"], doc["embargoedUntil"]) == ("1", "2099-06-01T05:00:00Z")
    bad = client.post("/v1/items", content=photo, headers={"Content-Type": "image/jpeg"},
                      params={"embargo": "soon"})
    assert bad.status_code == 422 and bad.json()["field"] == "embargo"


def test_a_posted_photo_reaches_each_subscriber_as_its_access_allows(server, client, db, tmp_path):
    """The issue's journey: the desk posts a photo; a full subscriber downloads each of
    its renditions with its key (the original byte for byte, the others at their sizes),
    a teaser subscriber gets the preview and a 403 for the original, a reader without a
    key gets nothing unless the link is signed."""
    import io

    import httpx
    from PIL import Image

    from tests.helpers import newswire

    for args in (
        ("product", "add", "photos-full", "--access", "full", "--type", "picture"),
        ("product", "add", "photos-teaser", "--access", "teaser", "--type", "picture"),
        ("subscriber", "add", "daily-photo", "--product", "photos-full"),
        ("subscriber", "add", "portal-photo", "--product", "photos-teaser"),
    ):
        done = newswire(*args, db=db)
        assert done.returncode == 0, done.stderr.decode()
    full = make_key(db, "--subscriber", "daily-photo")
    teaser = make_key(db, "--subscriber", "portal-photo")
    photo = desk_photo(tmp_path / "journey.jpg").read_bytes()
    posted = client.post("/v1/items", content=photo, headers={"Content-Type": "image/jpeg"})
    item_id = posted.json()["id"]

    def fetch(url: str, key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.get(url, headers=headers, timeout=30)

    doc = fetch(f"{server.url}/v1/items/{quote(item_id, safe='')}", full).json()
    hrefs = {r["name"]: r for r in doc["renditions"]}
    assert fetch(hrefs["original"]["href"], full).content == photo
    for name in ("web", "preview", "thumbnail"):
        got = fetch(hrefs[name]["href"], full)
        assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
        shown = Image.open(io.BytesIO(got.content))
        assert shown.size == (hrefs[name]["width"], hrefs[name]["height"])
        assert len(got.content) == hrefs[name]["sizeInBytes"]
    teaser_doc = fetch(f"{server.url}/v1/items/{quote(item_id, safe='')}", teaser).json()
    assert {r["name"] for r in teaser_doc["renditions"]} == {"preview", "thumbnail"}
    assert fetch(hrefs["preview"]["href"], teaser).status_code == 200
    assert fetch(hrefs["original"]["href"], teaser).status_code == 403
    assert fetch(hrefs["original"]["href"]).status_code == 401
    assert fetch(hrefs["preview"]["href"]).status_code == 401
    link = fetch(
        f"{server.url}/v1/items/{quote(item_id, safe='')}/renditions/original/link", full
    ).json()["href"]
    assert fetch(link).content == photo

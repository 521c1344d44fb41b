"""The files of media items over real HTTP (``newswire.api.media``), on each store backend:
who gets which rendition, signed links, ``Range``, ``ETag``, embargo and withdrawal, and
the ``href``s every format gives them.

The picture's files are real JPEGs (Pillow writes them) kept in the deployment's real blob
store (beside the SQLite file, or large objects in PostgreSQL), and the item is stored as
ingest stores one: what the server does with them is what is tested here."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from lxml import etree
from PIL import Image

from newswire.access import signing
from newswire.blobs import blobs_for
from newswire.delivery.renderer import rendition_path
from newswire.model import Dateline, NewsItem, Rendition, utcnow
from newswire.store import open_store
from tests.helpers import Server, make_key, newswire

SIZES = {"original": (1600, 1200), "web": (1400, 1050), "preview": (640, 480), "thumbnail": (200, 150)}
PICTURE = "urn:test:media:picture"
HELD = "urn:test:media:held"
GONE = "urn:test:media:gone"
ENGLISH = "urn:test:media:english"
LOST = "urn:test:media:lost"


def jpeg(width: int, height: int, shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (shade, 40, 90)).save(out, "JPEG", quality=80)
    return out.getvalue()


def picture(item_id: str, blobs, language: str = "ar", **fields) -> tuple[NewsItem, dict[str, bytes]]:
    files = {name: jpeg(w, h, n * 40) for n, (name, (w, h)) in enumerate(SIZES.items())}
    renditions = [
        Rendition(
            name=name, content_type="image/jpeg", width=w, height=h,
            size=len(files[name]), blob=blobs.put(files[name]),
        )
        for name, (w, h) in SIZES.items()
    ]
    item = NewsItem(
        id=item_id, type="picture", language=language, headline="مظاهرة في أنقرة",
        description="متظاهرون أمام البرلمان", credit="الأناضول", renditions=renditions,
        dateline=Dateline(place="أنقرة"), **fields,
    )
    return item, files


@pytest.fixture(scope="module")
def wire(module_store_url):
    db = module_store_url
    for args in (
        ("product", "add", "ar-full", "--access", "full", "--lang", "ar"),
        ("product", "add", "ar-teaser", "--access", "teaser", "--lang", "ar"),
        ("product", "add", "en-full", "--access", "full", "--lang", "en"),
        ("subscriber", "add", "full", "--product", "ar-full"),
        ("subscriber", "add", "teaser", "--product", "ar-teaser"),
        ("subscriber", "add", "english", "--product", "en-full"),
        ("product", "add", "ar-text", "--access", "full", "--lang", "ar", "--type", "text"),
        ("subscriber", "add", "text", "--product", "ar-text"),
    ):
        done = newswire(*args, db=db)
        assert done.returncode == 0, done.stderr.decode()
    keys = {
        name: make_key(db, "--subscriber", name) for name in ("full", "teaser", "english", "text")
    }
    keys["desk"] = make_key(db, "--scope", "publish", "--name", "DESK")
    keys["revoked"] = make_key(db, "--subscriber", "full")
    store, blobs = open_store(db), blobs_for(db)
    try:
        item, files = picture(PICTURE, blobs)
        store.append(item)
        store.append(picture(HELD, blobs, embargo_until=utcnow() + timedelta(days=1))[0])
        store.append(picture(GONE, blobs)[0])
        store.withdraw(GONE, "the wrong picture")
        store.append(picture(ENGLISH, blobs, language="en")[0])
        secret = store.coordination.secret(signing.SECRET_NAME)
    finally:
        blobs.close()
        store.close()
    server = Server(db)
    server.db = db
    yield server, keys, files, secret
    server.close()


def story_doc(story_id: str, *pictures: str, **fields: object) -> dict:
    """A ninjs story whose associations are ``pictures`` (their ids), in that order."""
    names = ["featuremedia", *(f"photo{n}" for n in range(2, len(pictures) + 1))]
    return {
        "uri": story_id, "type": "text", "language": "ar", **fields,
        "headlines": [{"role": "main", "contentType": "text/plain", "value": "مظاهرة أمام البرلمان"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "تظاهر المئات اليوم."}],
        "associations": [
            {"name": name, "uri": p, "type": "picture"} for name, p in zip(names, pictures, strict=False)
        ],
    }  # fmt: skip


def post_story(server: Server, key: str, doc: dict) -> httpx.Response:
    """``POST /v1/items`` of the ninjs ``doc`` with ``key``."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/ninjs+json"}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        return client.post("/v1/items", json=doc, headers=headers)


def get(server: Server, path: str, key: str | None = None, **headers: str) -> httpx.Response:
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    with httpx.Client(base_url=server.url, timeout=30) as client:
        return client.get(path, headers=headers)


def problem(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field, response.json()


def path(name: str, item_id: str = PICTURE, version: int = 1) -> str:
    return rendition_path(item_id, version, name)


def test_full_access_gets_every_rendition_as_stored(wire):
    server, keys, files, _ = wire
    for name, data in files.items():
        got = get(server, path(name), keys["full"])
        assert got.status_code == 200
        assert got.content == data
        assert got.headers["content-type"] == "image/jpeg"
        assert got.headers["cache-control"] == "private, max-age=31536000, immutable"
        assert got.headers["etag"].strip('"') in got.headers["etag"] and len(got.headers["etag"]) == 66
    latest = get(server, f"/v1/items/{PICTURE}/renditions/original", keys["full"])
    assert latest.content == files["original"] and "no-cache" in latest.headers["cache-control"]


def test_teaser_access_gets_the_small_renditions_only(wire):
    server, keys, files, _ = wire
    assert get(server, path("preview"), keys["teaser"]).content == files["preview"]
    assert get(server, path("thumbnail"), keys["teaser"]).content == files["thumbnail"]
    for name in ("original", "web"):
        problem(get(server, path(name), keys["teaser"]), 403, "name")


def test_nobody_else_gets_anything(wire):
    server, keys, _, _ = wire
    problem(get(server, path("preview")), 401, "Authorization")
    problem(get(server, path("preview"), keys["english"]), 404, "id")
    problem(get(server, path("poster"), keys["full"]), 404, "name")
    problem(get(server, path("original", version=2), keys["full"]), 404, "version")
    problem(get(server, path("original", "urn:test:nothing"), keys["full"]), 404, "id")


def test_no_file_of_an_embargoed_or_withdrawn_item(wire):
    server, keys, _, _ = wire
    for item_id in (HELD, GONE):
        for name in ("original", "preview"):
            problem(get(server, path(name, item_id), keys["full"]), 404, "id")
            problem(get(server, f"/v1/items/{item_id}/renditions/{name}", keys["full"]), 404, "id")


def test_ranges_etags_and_head(wire):
    server, keys, files, _ = wire
    data = files["original"]
    key = keys["full"]
    first = get(server, path("original"), key, Range="bytes=0-9")
    assert first.status_code == 206 and first.content == data[:10]
    assert first.headers["content-range"] == f"bytes 0-9/{len(data)}"
    tail = get(server, path("original"), key, Range="bytes=-100")
    assert tail.status_code == 206 and tail.content == data[-100:]
    rest = get(server, path("original"), key, Range=f"bytes={len(data) - 5}-")
    assert rest.content == data[-5:]
    past = get(server, path("original"), key, Range=f"bytes={len(data)}-")
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{len(data)}"
    # The last 0 bytes: no byte at all, so unsatisfiable (RFC 9110 14.1.1), not a 206 of
    # nothing with a Content-Range ending before it starts.
    none = get(server, path("original"), key, Range="bytes=-0")
    assert none.status_code == 416 and none.headers["content-range"] == f"bytes */{len(data)}"
    etag = get(server, path("original"), key).headers["etag"]
    again = get(server, path("original"), key, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    # "*" matches any current file: the latest's route, and a version's (from memory too).
    latest = f"/v1/items/{PICTURE}/renditions/original"
    for where in (latest, path("original"), path("original")):
        star = get(server, where, key, **{"If-None-Match": "*"})
        assert star.status_code == 304 and star.content == b"", where
    with httpx.Client(base_url=server.url) as client:
        head = client.head(path("original"), headers={"Authorization": f"Bearer {key}"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(data))


def test_if_range_sends_the_range_of_the_same_file_only(wire):
    """A download resumed with ``If-Range`` (RFC 9110 13.1.5) gets the rest of the file
    only if the file is still the one it began: otherwise (another ETag, a weak one, a
    date) the whole file, never a range of another file to splice on to the first."""
    server, keys, files, _ = wire
    data, key = files["original"], keys["full"]
    latest = f"/v1/items/{PICTURE}/renditions/original"
    etag = get(server, latest, key).headers["etag"]
    for where in (latest, path("original")):
        same = get(server, where, key, Range="bytes=10-", **{"If-Range": etag})
        assert same.status_code == 206 and same.content == data[10:], where
        for stale in ('"an-older-file"', f"W/{etag}", "Sat, 05 Dec 2026 17:54:05 GMT"):
            whole = get(server, where, key, Range="bytes=10-", **{"If-Range": stale})
            assert whole.status_code == 200 and whole.content == data, (where, stale)
            assert "content-range" not in whole.headers
        past = get(server, where, key, Range=f"bytes={len(data)}-", **{"If-Range": '"x"'})
        assert past.status_code == 200 and past.content == data


def test_an_answer_to_a_key_varies_by_the_key(wire):
    """Whether a key gets a file or a 403 depends on the key, and the file may be kept a
    year: every answer to a request with a key (the route's, the fast path's, the latest
    version's, a 304, a range) says ``Vary: Authorization``, as every other GET under /v1,
    so that a cache shared by a full and a teaser key never hands the teaser key the
    original; a signed link's answer depends on its query alone, and says no such thing."""
    server, keys, _, _ = wire
    key = keys["full"]
    etag = get(server, path("web"), key).headers["etag"]
    answers = {
        "route": get(server, path("web"), key),  # a first request
        "fast path": get(server, path("web"), key),  # the file kept: answered from memory
        "latest": get(server, f"/v1/items/{PICTURE}/renditions/web", key),
        "304": get(server, path("web"), key, **{"If-None-Match": etag}),
        "latest 304": get(server, f"/v1/items/{PICTURE}/renditions/web", key, **{"If-None-Match": etag}),
        "range": get(server, path("original"), key, Range="bytes=0-9"),
        "large": get(server, path("original"), key),
    }
    for what, got in answers.items():
        assert got.status_code in (200, 206, 304), (what, got.status_code)
        assert got.headers.get("vary") == "Authorization", (what, dict(got.headers))
    link = get(server, f"/v1/items/{PICTURE}/renditions/web/link", key).json()["href"]
    opened = httpx.get(link)
    assert opened.status_code == 200 and "vary" not in opened.headers


def test_a_signed_link_works_without_a_key_for_what_the_key_may_have(wire):
    server, keys, files, _ = wire
    made = get(server, f"/v1/items/{PICTURE}/renditions/original/link?ttl=600", keys["full"])
    assert made.status_code == 200, made.text
    link = made.json()["href"]
    assert link.startswith(server.url + path("original") + "?")
    # A time as every other JSON body writes it (it was `+00:00`), the link's own.
    expires = int(parse_qs(urlsplit(link).query)["expires"][0])
    assert made.json()["expires"] == datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with httpx.Client(timeout=30) as client:
        opened = client.get(link)
        assert opened.status_code == 200 and opened.content == files["original"]
        assert opened.headers["cache-control"].startswith("private, max-age=")
        parts = urlsplit(link)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        for changed in ({"by": keys["teaser"].split("_")[1]}, {"expires": str(int(query["expires"]) + 60)}):
            forged = {**query, **changed}
            problem(client.get(server.url + parts.path, params=forged), 403, "signature")
        other = path("web") + "?" + parts.query  # another file, the same signature
        problem(client.get(server.url + other), 403, "signature")
    # Teaser access signs links to what it may have, and nothing else.
    problem(get(server, f"/v1/items/{PICTURE}/renditions/original/link", keys["teaser"]), 403, "name")
    assert get(server, f"/v1/items/{PICTURE}/renditions/preview/link", keys["teaser"]).status_code == 200


def test_a_link_signed_for_a_key_ends_with_the_key(wire):
    server, keys, _, _ = wire
    link = get(server, f"/v1/items/{PICTURE}/renditions/web/link", keys["revoked"]).json()["href"]
    assert httpx.get(link).status_code == 200
    key_id = keys["revoked"].split("_")[1]
    done = newswire("key", "revoke", key_id, db=server.db)
    assert done.returncode == 0, done.stderr.decode()
    problem(httpx.get(link), 401, "by")


def test_a_link_signed_for_the_public_opens_the_preview_only(wire):
    server, _, files, secret = wire
    for name, status in (("preview", 200), ("thumbnail", 200), ("original", 403)):
        query = signing.sign(secret, path(name), signing.PUBLIC, ttl=60)
        got = httpx.get(f"{server.url}{path(name)}?{query}")
        assert got.status_code == status, got.text
        if status == 200:
            assert got.content == files[name] and got.headers["cache-control"].startswith("public, ")


def test_every_format_links_the_renditions_the_caller_may_have(wire):
    server, keys, files, _ = wire
    full = get(server, f"/v1/items/{PICTURE}", keys["full"]).json()
    hrefs = {r["name"]: r["href"] for r in full["renditions"]}
    assert set(hrefs) == set(SIZES)
    assert all("blob" not in r for r in full["renditions"])
    for name, href in hrefs.items():
        assert href == server.url + path(name)
        assert get(server, href.removeprefix(server.url), keys["full"]).content == files[name]
    teaser = get(server, f"/v1/items/{PICTURE}", keys["teaser"]).json()
    assert {r["name"] for r in teaser["renditions"]} == {"preview", "thumbnail"}
    newsml = get(server, f"/v1/items/{PICTURE}?format=newsml", keys["full"]).text
    assert f'href="{hrefs["original"]}"' in newsml
    feed = get(server, "/v1/feed?limit=50", keys["full"]).json()
    entry = next(e for e in feed["items"] if e["id"] == PICTURE)
    assert {r["href"] for r in entry["item"]["renditions"]} == set(hrefs.values())
    assert json.dumps(full, ensure_ascii=False).count(server.url) == len(SIZES)


def test_an_embargoed_pictures_files_open_when_the_embargo_lifts(wire):
    server, keys, files, _ = wire
    store, blobs = open_store(server.db), blobs_for(server.db)
    try:
        item, _ = picture("urn:test:media:lifting", blobs, embargo_until=utcnow() + timedelta(seconds=2))
        seq = store.append(item).seq
    finally:
        blobs.close()
        store.close()
    problem(get(server, path("preview", item.id), keys["full"]), 404, "id")
    # The lift is an entry of the log: wait for it there (a long poll), not for the time.
    after, lifted = seq, False
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for _ in range(10):
            page = client.get(
                f"/v1/feed?after={after}&wait=30", headers={"Authorization": f"Bearer {keys['full']}"}
            ).json()
            lifted = any(e["id"] == item.id for e in page["items"])
            if lifted:
                break
            after = int(page["next"])
    assert lifted
    assert get(server, path("preview", item.id), keys["full"]).content == files["preview"]


def test_a_file_missing_from_the_blob_store_is_a_404_naming_it_not_a_200_cut_short(wire):
    """A version naming a blob its deployment's blob store has not got (a command run
    with another ``--blobs`` than the nodes', a file lost from a shared folder) is a 404
    problem naming the blob, on every route, for GET and HEAD: a 200 whose headers
    promise the file and whose body then breaks off leaves a client (or a cache in front)
    with a cut file and the operator with no answer saying which file is missing."""
    server, keys, _, _ = wire
    missing = hashlib.sha256(b"bytes this blob store never had").hexdigest()
    large = 2 << 20  # past what is answered from memory: streamed by the route
    item = NewsItem(
        id=LOST, type="picture", language="ar", headline="صورة مفقودة",
        renditions=[
            Rendition(name=name, content_type="image/jpeg", width=w, height=h,
                      size=large if name == "original" else 900, blob=missing)
            for name, (w, h) in SIZES.items()
        ],
    )
    store = open_store(server.db)
    try:
        store.append(item)
    finally:
        store.close()
    auth = {"Authorization": f"Bearer {keys['full']}"}
    wheres = [f"/v1/items/{LOST}/renditions/{name}" for name in ("original", "thumbnail")]
    wheres += [path("original", LOST), path("thumbnail", LOST), path("thumbnail", LOST)]
    for where in wheres:
        got = get(server, where, keys["full"])
        problem(got, 404, "blob")
        assert missing in got.json()["detail"], where
        with httpx.Client(base_url=server.url, timeout=30) as client:
            head = client.head(where, headers=auth)
        assert head.status_code == 404, where


def test_the_fast_path_answers_as_the_route(wire):
    """The first request of an item's file goes through the documented route (it reads the
    item's versions); later ones are answered ahead of FastAPI, from memory: the same
    status, headers and bytes, refusals included."""
    server, keys, files, _ = wire
    ignored = {"date", "x-request-id", "server"}

    def seen(key: str, name: str) -> tuple[int, dict[str, str], bytes]:
        got = get(server, path(name, ENGLISH if key == "english" else PICTURE), keys[key])
        return got.status_code, {k: v for k, v in got.headers.items() if k not in ignored}, got.content

    for key, name in (("full", "web"), ("teaser", "original"), ("teaser", "preview"), ("english", "web")):
        first, second, third = seen(key, name), seen(key, name), seen(key, name)
        assert first == second == third, (key, name)
    assert seen("full", "web")[2] == files["web"]
    # Each file is named after its item, on either path (two items may share a blob).
    for picture in (PICTURE, ENGLISH):
        stem = picture.rsplit(":", 1)[-1]
        key = "english" if picture == ENGLISH else "full"
        for _ in range(2):
            got = get(server, path("web", picture), keys[key])
            assert got.headers["content-disposition"] == f"inline; filename*=UTF-8''{stem}-web.jpg"


def test_a_request_without_a_valid_key_does_not_decide_the_address_files_are_linked_by(wire):
    """Anyone may send any ``Host``: the public site's reader, a request with no key or a
    made-up one, naming another server, must not become the address every
    subscriber's rendition ``href`` names for the process's life (their systems would send
    their keys there); the first request bearing a key the server accepts decides it."""
    server, keys, _, _ = wire
    fresh = Server(server.db)
    evil = {"Host": "attacker.example"}
    try:
        with httpx.Client(base_url=fresh.url, timeout=30) as client:
            assert client.get("/robots.txt", headers=evil).status_code == 200
            assert client.get("/v1/feed", headers=evil).status_code == 401
            real_id = keys["full"].split("_")[1]
            for key in (f"nw_{real_id}_{'x' * 43}", "nw_madeup1234_" + "x" * 43):
                refused = client.get(f"/v1/items/{PICTURE}", headers={
                    **evil, "Authorization": f"Bearer {key}"})
                assert refused.status_code == 401
            doc = client.get(f"/v1/items/{PICTURE}", headers={
                "Authorization": f"Bearer {keys['full']}", "Host": "wire.example"}).json()
            again = client.get(f"/v1/items/{PICTURE}", headers={
                "Authorization": f"Bearer {keys['full']}", **evil}).json()
    finally:
        fresh.close()
    for got in (doc, again):
        assert {r["href"].split("/v1/")[0] for r in got["renditions"]} == {"http://wire.example"}


def test_a_probe_does_not_decide_the_address_files_are_linked_by(wire):
    """Without ``base_url``, a process links files by the address of the first request it
    serves: not a probe's (a load balancer's /health by the node's own address, here the
    test helper's wait for the server), but the first subscriber's."""
    server, keys, _, _ = wire
    fresh = Server(server.db)
    try:
        with httpx.Client(base_url=fresh.url, timeout=30) as client:
            for probe in ("/health", "/ready", "/metrics"):
                assert client.get(probe, headers={"Host": "node-7.internal:9"}).status_code == 200
            doc = client.get(f"/v1/items/{PICTURE}", headers={
                "Authorization": f"Bearer {keys['full']}", "Host": "wire.example"}).json()
    finally:
        fresh.close()
    assert {r["href"].split("/v1/")[0] for r in doc["renditions"]} == {"http://wire.example"}


def test_a_storys_pictures_go_out_with_their_files_each_opened_by_the_callers_own_access(wire):
    """A story posted with associations to pictures this store holds carries each one's
    files and headline (not a held or withdrawn one's), linked to the picture's latest
    file: a full subscriber opens every file, a teaser subscriber's story lists the small
    ones, a subscriber without the pictures' product is told there is no such item, and
    the subscriber's RSS entry encloses the preview."""
    server, keys, files, _ = wire
    story_id = "urn:test:media:story"
    posted = post_story(server, keys["desk"], story_doc(story_id, PICTURE, HELD, GONE))
    assert posted.status_code == 201, posted.text

    def pictures(who: str) -> dict[str, dict]:
        item = get(server, f"/v1/items/{story_id}", keys[who]).json()
        return {a["uri"]: a for a in item["associations"] if a.get("type") == "picture"}

    def latest(name: str) -> str:
        return f"{server.url}/v1/items/{PICTURE}/renditions/{name}"

    full = pictures("full")
    assert full[PICTURE]["headlines"][0]["value"] == "مظاهرة في أنقرة"
    assert {r["name"]: r["href"] for r in full[PICTURE]["renditions"]} == {
        name: latest(name) for name in SIZES
    }
    preview = next(r for r in full[PICTURE]["renditions"] if r["name"] == "preview")
    assert (preview["width"], preview["height"], preview["sizeInBytes"]) == (
        640, 480, len(files["preview"]),
    )  # fmt: skip
    for name, data in files.items():
        assert get(server, latest(name).removeprefix(server.url), keys["full"]).content == data
    for held in (HELD, GONE):  # under embargo past the story's release, or withdrawn
        assert "renditions" not in full[held] and "headlines" not in full[held]

    teaser = pictures("teaser")
    assert [r["name"] for r in teaser[PICTURE]["renditions"]] == ["preview", "thumbnail"]
    opened = get(server, latest("preview").removeprefix(server.url), keys["teaser"])
    assert opened.content == files["preview"]

    assert [r["name"] for r in pictures("text")[PICTURE]["renditions"]] == list(SIZES)
    problem(get(server, latest("preview").removeprefix(server.url), keys["text"]), 404, "id")

    rss = etree.fromstring(get(server, "/v1/feed?limit=50&format=rss", keys["full"]).content)
    entry = next(i for i in rss.iter("item") if i.findtext("guid") == story_id)
    enclosure = entry.find("enclosure")
    assert enclosure is not None
    assert (enclosure.get("url"), enclosure.get("type")) == (latest("preview"), "image/jpeg")


def test_a_storys_withdrawal_posted_back_is_unchanged_though_its_picture_had_no_files(wire):
    """A story stored without its picture's files (read in bulk by ``newswire ingest``,
    stored before associations carried them, or while the picture was held) and then
    withdrawn: its kill notice posted back (a mirror re-syncing its kill notices) is the
    withdrawal already stored, not a change of a withdrawn item (409)."""
    from newswire.model import Association

    server, keys, _, _ = wire
    story_id = "urn:test:media:killed-story"
    store = open_store(server.db)
    try:
        store.append(NewsItem(
            id=story_id, language="ar", headline="مظاهرة أمام البرلمان",
            body=["تظاهر المئات اليوم."], associations=[Association(id=PICTURE, name="featuremedia")],
        ))  # fmt: skip
    finally:
        store.close()
    desk = {"Authorization": f"Bearer {keys['desk']}"}
    with httpx.Client(base_url=server.url, timeout=30, headers=desk) as client:
        killed = client.post(f"/v1/items/{story_id}/withdraw", json={"reason": "خطأ"})
        assert killed.status_code == 201, killed.text
        for fmt in ("ninjs", "newsml", "nitf"):
            notice = client.get(f"/v1/items/{story_id}", params={"format": fmt})
            assert notice.status_code == 200, notice.text
            again = client.post(
                "/v1/items", content=notice.content,
                headers={"Content-Type": notice.headers["content-type"]},
            )  # fmt: skip
            assert again.status_code == 200, (fmt, again.text)
            assert (again.json()["version"], again.json()["created"]) == (2, False)


def test_a_story_released_before_its_pictures_embargo_lifts_loses_its_files_and_headline(wire):
    """A story under an embargo that lifts after its picture's carries the picture's
    headline and files; posted again (its CMS sending back what newswire gave it) to go
    out now, while the picture is still held, it carries neither: its subscribers would
    read the held picture's headline before the picture's own embargo lifts."""
    server, keys, _, _ = wire
    story_id = "urn:test:media:released-early"
    later = (utcnow() + timedelta(days=2)).isoformat()
    doc = story_doc(story_id, HELD, embargoedUntil=later)
    desk = {"Authorization": f"Bearer {keys['desk']}"}
    ninjs = {"Content-Type": "application/ninjs+json"}
    with httpx.Client(base_url=server.url, timeout=30, headers=desk) as client:
        assert client.post("/v1/items", json=doc, headers=ninjs).status_code == 201
        given = client.get(f"/v1/items/{story_id}").json()
        (held,) = [a for a in given["associations"] if a["uri"] == HELD]
        assert held["headlines"] and held["renditions"]  # the picture lifts first
        del given["embargoedUntil"]
        again = client.post("/v1/items", json=given, headers=ninjs)
        assert again.status_code == 201, again.text
        now = client.get(f"/v1/items/{story_id}").json()
    assert now["version"] == "2" and "embargoedUntil" not in now
    (held,) = [a for a in now["associations"] if a["uri"] == HELD]
    assert "renditions" not in held and "headlines" not in held


def test_a_story_posted_again_with_its_picture_in_one_message_is_unchanged(wire):
    """A newsMessage holding a stored story and its stored picture as newswire gives them
    (a mirror sending back what it has): the picture read from it has its files' URLs,
    not their blobs, until ``keep_files`` gives it the stored files back; the story's
    association took those URLs and made the story a new version, its files pinned to the
    picture's version 1 at this server's address."""
    server, keys, _, _ = wire
    story_id, picture_id = "urn:test:media:story-in-a-message", "urn:test:media:in-a-message"
    store, blobs = open_store(server.db), blobs_for(server.db)
    try:
        store.append(picture(picture_id, blobs)[0])
    finally:
        blobs.close()
        store.close()
    doc = story_doc(story_id, picture_id)
    desk = {"Authorization": f"Bearer {keys['desk']}"}
    with httpx.Client(base_url=server.url, timeout=30, headers=desk) as client:
        posted = client.post("/v1/items", json=doc, headers={"Content-Type": "application/ninjs+json"})
        assert posted.status_code == 201, posted.text
        before = client.get(f"/v1/items/{story_id}").json()
        items = [
            client.get(f"/v1/items/{item_id}", params={"format": "newsml"}).content.split(b"?>", 1)[1]
            for item_id in (picture_id, story_id)
        ]
        message = (
            b'<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><header><sent>'
            b"2026-01-01T00:00:00Z</sent></header><itemSet>" + b"".join(items)
            + b"</itemSet></newsMessage>"
        )  # fmt: skip
        again = client.post(
            "/v1/items", content=message,
            headers={"Content-Type": "application/vnd.iptc.g2.newsitem+xml"},
        )  # fmt: skip
        assert again.status_code in (200, 201), again.text
        (story,) = [r for r in again.json()["items"] if r["id"] == story_id]
        assert (story["version"], story["created"]) == (1, False)
        assert client.get(f"/v1/items/{story_id}").json() == before


def test_a_providers_picture_lends_a_story_no_files_at_the_providers_own_addresses(wire):
    """A picture read from a provider's feed has its files at the provider's URLs, which
    newswire does not serve and cannot check anyone's access to: a story associated with
    it must not hand them (the original's too) to every subscriber of the story, one
    without the pictures' product, or a teaser subscriber, alike."""
    server, keys, _, _ = wire
    story_id, picture_id = "urn:test:media:story-of-a-provider", "urn:test:media:provider"
    original = "https://provider.example/private/original.jpg?token=s3cret"
    store = open_store(server.db)
    try:
        store.append(NewsItem(
            id=picture_id, type="picture", language="ar", headline="صورة المزود",
            renditions=[Rendition(name="original", href=original, content_type="image/jpeg"),
                        Rendition(name="preview", href="https://provider.example/p.jpg")],
        ))  # fmt: skip
    finally:
        store.close()
    posted = post_story(server, keys["desk"], story_doc(story_id, picture_id))
    assert posted.status_code == 201, posted.text
    for who in ("text", "full", "teaser"):
        got = get(server, f"/v1/items/{story_id}", keys[who])
        assert got.status_code == 200, got.text
        assert "provider.example" not in got.text, who
        (association,) = [a for a in got.json()["associations"] if a["uri"] == picture_id]
        assert association["headlines"][0]["value"] == "صورة المزود"

"""The HTTP API, through a real ``newswire serve`` and a real HTTP client."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from lxml import etree

from newswire import formats
from tests.bad_inputs import BAD_INPUTS
from tests.conftest import SEED
from tests.helpers import Server, make_key, newswire

HEADLINE = "رئيس الاستخبارات التركي يلتقي وفدا من حماس"
NINJS = {"Content-Type": "application/ninjs+json"}


def ninjs_doc(uri: str, headline: str = "h", body: str = "b", **fields) -> dict:
    """A small ninjs 3.1 item."""
    return {
        "uri": uri,
        "type": "text",
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": body}],
        **fields,
    }


@pytest.fixture(scope="module")
def db(module_store_url) -> str:
    return module_store_url


@pytest.fixture(scope="module")
def server(db):
    srv = Server(db)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def client(server, db):
    """An editors' client: its publish key may publish and read everything."""
    with server.client(make_key(db, "--scope", "publish", "--name", "DESK")) as c:
        yield c


@pytest.fixture(scope="module")
def seed_id(client) -> str:
    response = client.post(
        "/v1/items",
        content=SEED.read_bytes(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    assert response.status_code in (200, 201), response.text
    return response.json()["id"]


def test_health_is_liveness_and_ready_asks_the_store(client):
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["process"] > 0
    ready = client.get("/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["versions"] >= body["items"] >= 0 and body["last_seq"] >= body["versions"]


def test_post_returns_id_version_and_sequence(client):
    text = (
        "خبر تجريبي للاختبار\nملخص الخبر التجريبي.\n\nإسطنبول/ الأناضول\n"
        "الفقرة الأولى من الخبر التجريبي.\nالفقرة الثانية.\n"
    ).encode()
    response = client.post("/v1/items", content=text)
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1 and body["sequence"] >= 1 and body["id"].startswith("urn:")
    assert response.headers["location"].startswith("/v1/items/")
    again = client.post("/v1/items", content=text)
    assert again.status_code == 200
    assert again.json()["created"] is False and again.json()["sequence"] == body["sequence"]


def test_get_defaults_to_ninjs(client, seed_id):
    response = client.get(f"/v1/items/{quote(seed_id, safe='')}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ninjs+json")
    doc = response.json()
    assert doc["language"] == "ar" and doc["headlines"][0]["value"] == HEADLINE


@pytest.mark.parametrize(
    "accept,root",
    [
        ("application/vnd.iptc.g2.newsitem+xml", "newsItem"),
        ("application/nitf+xml", "nitf"),
        ("application/rss+xml", "rss"),
        ("application/atom+xml", "feed"),
    ],
)
def test_accept_negotiation(client, seed_id, accept, root):
    response = client.get(f"/v1/items/{quote(seed_id, safe='')}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert etree.QName(etree.fromstring(response.content)).localname == root


def test_format_query_wins(client, seed_id):
    for name in formats.renderers():
        response = client.get(
            f"/v1/items/{quote(seed_id, safe='')}",
            params={"format": name},
            headers={"Accept": "application/nitf+xml"},
        )
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith(formats.get(name).media_type)
        assert HEADLINE in response.content.decode(), name


def test_accept_picks_the_ninjs_major_a_minor_version_names(client, seed_id):
    path = f"/v1/items/{quote(seed_id, safe='')}"
    two = client.get(path, headers={"Accept": "application/ninjs+json;version=2.2"})
    assert two.status_code == 200
    assert two.headers["content-type"].startswith("application/vnd.iptc.ninjs+json;version=2")
    assert two.json()["standard"]["version"].startswith("2.")
    three = client.get(path, headers={"Accept": "application/ninjs+json;version=3.1"})
    assert three.json()["standard"]["version"] == "3.1"
    nine = client.get(path, headers={"Accept": "application/ninjs+json;version=9"})
    assert nine.status_code == 406
    assert nine.headers["content-type"] == "application/problem+json"


def test_unacceptable_and_unknown(client, seed_id):
    path = f"/v1/items/{quote(seed_id, safe='')}"
    response = client.get(path, headers={"Accept": "application/msword"})
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"
    bogus = client.get(path, params={"format": "docx"})
    assert bogus.status_code == 400 and bogus.json()["field"] == "format"
    missing = client.get("/v1/items/urn:nothing:here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    bad_version = client.get(path, params={"version": "zero"})
    assert bad_version.status_code == 400 and bad_version.json()["field"] == "version"


def test_ids_that_are_urls_work(client):
    doc = ninjs_doc("http://ninjs.example.com/newsitems/abc/1", "A URL id", language="en")
    response = client.post("/v1/items", content=json.dumps(doc), headers=NINJS)
    assert response.status_code == 201, response.text
    got = client.get(f"/v1/items/{quote(doc['uri'], safe='')}")
    assert got.status_code == 200 and got.json()["uri"] == doc["uri"]


def test_an_id_that_is_no_uri_is_fetched_by_the_uri_ninjs_gives(client):
    """NITF's doc-id is any string; ninjs writes it under ``urn:newswire:id:`` (its
    ``uri`` must be a URI). A subscriber who takes that ``uri`` back to the API gets the
    item, its versions and a version, as with the id itself."""
    nitf = (
        '<nitf><head><title>t</title><docdata><doc-id id-string="NTB5df9/x_00"/>'
        '</docdata></head><body><body.head><hedline><hl1>Bare id</hl1></hedline>'
        "</body.head><body.content><p>Tekst.</p></body.content></body></nitf>"
    )
    posted = client.post("/v1/items", content=nitf, headers={"Content-Type": "application/nitf+xml"})
    assert posted.status_code == 201, posted.text
    assert posted.json()["id"] == "NTB5df9/x_00"
    uri = client.get(f"/v1/items/{quote('NTB5df9/x_00', safe='')}").json()["uri"]
    assert uri == "urn:newswire:id:NTB5df9/x_00"
    for path in (f"/v1/items/{quote(uri, safe='')}", f"/v1/items/{uri}"):
        got = client.get(path)
        assert got.status_code == 200, (path, got.text)
        assert got.json()["uri"] == uri and got.json()["headlines"][0]["value"] == "Bare id"
        assert client.get(path, params={"version": 1}).status_code == 200
        versions = client.get(f"{path}/versions")
        assert versions.status_code == 200 and len(versions.json()["versions"]) == 1


@pytest.mark.parametrize("name,data,reason", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_gets_a_problem_and_changes_nothing(client, seed_id, name, data, reason):
    before = client.get("/ready").json()
    seed_before = client.get(f"/v1/items/{quote(seed_id, safe='')}").content
    response = client.post("/v1/items", content=data)
    assert 400 <= response.status_code < 500, (name, response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == response.status_code and problem["detail"]
    import re

    assert re.search(reason, problem["detail"]), problem
    # Naming what is at fault, as every problem does: a body no parser reads is "body".
    assert problem.get("field"), problem
    assert client.get("/ready").json() == before
    assert client.get(f"/v1/items/{quote(seed_id, safe='')}").content == seed_before


def test_a_50_mb_body_is_refused(client):
    before = client.get("/ready").json()
    response = client.post(
        "/v1/items", content=b"x" * (50 * 1024 * 1024), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 413
    assert response.json()["status"] == 413
    assert response.json()["field"] == "body"  # what is at fault, as every problem says
    withdrawal = client.post("/v1/items/urn:x/withdraw", content=b"{" + b" " * 70_000 + b"}")
    assert withdrawal.status_code == 413 and withdrawal.json()["field"] == "body"
    assert client.get("/ready").json() == before


def test_a_forced_input_format_that_does_not_fit(client):
    response = client.post("/v1/items", params={"format": "nitf"}, content=SEED.read_bytes())
    assert response.status_code == 422
    unknown = client.post("/v1/items", params={"format": "docx"}, content=SEED.read_bytes())
    assert unknown.status_code == 415 and unknown.json()["field"] == "format"


def test_invalid_item_names_the_field(client):
    doc = ninjs_doc("urn:x:urgency", urgency=12)
    response = client.post("/v1/items", content=json.dumps(doc), headers=NINJS)
    assert response.status_code == 422
    assert response.json()["field"] == "urgency"


def test_an_embargo_past_the_end_of_the_calendar_is_refused_naming_it(client):
    # Kept to the second, rounded up: 23:59:59.5 of 9999-12-31 has no second after it.
    before = client.get("/ready").json()
    for when in ("9999-12-31T23:59:59.5Z", "9999-12-31T23:59:59.999999Z"):
        doc = ninjs_doc("urn:x:embargo-end", embargoedUntil=when)
        response = client.post("/v1/items", content=json.dumps(doc), headers=NINJS)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "embargo"
    assert client.get("/ready").json() == before


@pytest.mark.parametrize("tag", ["xx", "qq", "zz-ZZ", "xyz-Latn"])
def test_a_language_no_registry_knows_is_refused_and_nothing_stored(client, tag):
    uri = f"urn:x:lang-{tag}"
    doc = ninjs_doc(uri, "Headline", "A body.", language=tag)
    response = client.post("/v1/items", content=json.dumps(doc), headers=NINJS)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == "language" and "ISO 639" in problem["detail"]
    assert client.get(f"/v1/items/{uri}").status_code == 404


@pytest.mark.parametrize("tag", ["fa", "ckb", "kmr", "sr-Latn-RS", "zh-Hant-TW", "iw", "qaa", "x-wire"])
def test_registered_and_private_use_languages_are_taken(client, tag):
    doc = ninjs_doc(f"urn:x:lang-ok-{tag}", "Headline", "A body.", language=tag)
    response = client.post("/v1/items", content=json.dumps(doc), headers=NINJS)
    assert response.status_code == 201, response.text


def test_openapi(client):
    spec = client.get("/openapi.json").json()
    assert "/v1/items" in spec["paths"] and "/health" in spec["paths"]
    assert "post" in spec["paths"]["/v1/items"]


def test_publish_update_correct_and_withdraw_answer_one_shape(client):
    """Whatever stored the version, the answer is the receipt the OpenAPI declares: the
    withdrawal's lacked ``created``, and a CMS reading every answer with one model failed
    on the kill, the one it most needs to confirm."""
    from jsonschema import Draft202012Validator

    paths = client.get("/openapi.json").json()["paths"]
    uri = "urn:x:one-shape"
    path = f"/v1/items/{quote(uri, safe='')}"
    previous = {"name": "correction", "rel": "previousVersion", "uri": uri}
    answers = [
        ("post", client.post("/v1/items", json=ninjs_doc(uri, "أولى", "نص."), headers=NINJS)),
        ("post", client.post("/v1/items", json=ninjs_doc(uri, "ثانية", "نص."), headers=NINJS)),
        ("post", client.post(
            "/v1/items", json=ninjs_doc(uri, "مصححة", "نص.", associations=[previous]),
            headers=NINJS,
        )),
        ("withdraw", client.post(f"{path}/withdraw", json={"reason": "خطأ"})),
    ]
    schemas = {
        "post": paths["/v1/items"]["post"]["responses"]["201"],
        "withdraw": paths["/v1/items/{item_id}/withdraw"]["post"]["responses"]["201"],
    }
    for version, (route, answer) in enumerate(answers, 1):
        assert answer.status_code == 201, answer.text
        body = answer.json()
        schema = schemas[route]["content"]["application/json"]["schema"]
        assert list(Draft202012Validator(schema).iter_errors(body)) == [], (route, body)
        assert set(body) == {"id", "version", "sequence", "created", "href"}, route
        assert (body["id"], body["version"], body["created"]) == (uri, version, True)
        assert answer.headers["location"] == body["href"]
    signals = [v["signal"] for v in client.get(f"{path}/versions").json()["versions"]]
    assert signals == [None, "update", "correction", None]


def test_withheld_with_an_embargo_is_refused_naming_pubstatus(client):
    """IPTC's withheld holds an item until a later version says usable; an embargo only
    says "not before". Taken together, the lift released nothing and the story an editor
    timed stayed held with no one told: refused at once, naming the field, nothing stored."""
    uri = "urn:x:withheld-embargo"
    doc = ninjs_doc(uri, "محجوب", "نص.", pubStatus="withheld", embargoedUntil="2099-01-01T09:00:00Z")
    refused = client.post("/v1/items", json=doc, headers=NINJS)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "pubstatus" and "embargo" in refused.json()["detail"]
    assert client.get(f"/v1/items/{quote(uri, safe='')}").status_code == 404
    for fields in ({"pubStatus": "withheld"}, {"embargoedUntil": "2099-01-01T09:00:00Z"}):
        taken = client.post("/v1/items", json=ninjs_doc(uri, "محجوب", "نص.", **fields), headers=NINJS)
        assert taken.status_code == 201, taken.text


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_a_picture_without_a_headline_has_its_versions_as_a_feed(client, fmt):
    """The feed of an item's versions took its title from the headline, and a feed has to
    have one: a picture sent without one answered 500 in RSS."""
    uri = "urn:x:untitled-picture"
    doc = {
        "uri": uri, "type": "picture",
        "renditions": [{"name": "preview", "href": "https://example.org/p.jpg", "contentType": "image/jpeg"}],
    }
    assert client.post("/v1/items", json=doc, headers=NINJS).status_code in (200, 201)
    answer = client.get(f"/v1/items/{quote(uri, safe='')}/versions", params={"format": fmt})
    assert answer.status_code == 200, answer.text
    assert uri in answer.json()["versions"][0]["content"]


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_an_items_versions_as_a_feed_tell_a_correction_and_a_kill_apart(client, fmt):
    """Every version keeps the item's id: a feed reader showed the correction as a silent
    edit and the kill as one more update. Each says what it is in its title, in the
    item's language, and by IPTC's signal and publishing status categories."""
    import feedparser

    marked = ("/newscodes/signal/", "/newscodes/pubstatusg2/")
    uri = f"urn:x:tr-corrected-{fmt}"
    headline = "Ankara'da bakanlar toplandı"
    doc = ninjs_doc(uri, headline, "Toplantı dört saat sürdü.", language="tr")
    previous = {"name": "correction", "rel": "previousVersion", "uri": uri}
    assert client.post("/v1/items", json=doc, headers=NINJS).status_code == 201
    corrected = {**doc, "associations": [previous], "bodies": [
        {"role": "main", "contentType": "text/plain", "value": "Toplantı üç saat sürdü."}
    ]}
    assert client.post("/v1/items", json=corrected, headers=NINJS).status_code == 201
    path = f"/v1/items/{quote(uri, safe='')}"
    assert client.post(f"{path}/withdraw", json={"reason": "hata"}).status_code == 201
    answer = client.get(f"{path}/versions", params={"format": fmt})
    assert answer.status_code == 200, answer.text
    seen = []
    for version in answer.json()["versions"]:
        [entry] = feedparser.parse(version["content"].encode()).entries
        marks = sorted((t.term, t.scheme) for t in entry.get("tags", []) if t.scheme.endswith(marked))
        seen.append((entry.title, marks))
    assert seen == [
        (headline, []),
        (f"DÜZELTME: {headline}", [("correction", "http://cv.iptc.org/newscodes/signal/")]),
        (f"GERİ ÇEKİLDİ: {headline}", [("canceled", "http://cv.iptc.org/newscodes/pubstatusg2/")]),
    ]


def test_updates_without_version_numbers_keep_the_times_their_source_gave(client):
    """A source that numbers nothing (ninjs without ``version``) dates each version: each
    keeps its time. Stamped with the server's clock, the second made the third look older
    than it, and the third was refused (409)."""
    uri = "urn:x:unnumbered"
    times = ["2025-03-04T10:00:00Z", "2025-03-04T11:00:00Z", "2025-03-04T12:00:00Z"]
    for n, when in enumerate(times, 1):
        doc = ninjs_doc(uri, f"Version {n}", f"Text {n}.", language="en", versionCreated=when)
        posted = client.post("/v1/items", json=doc, headers=NINJS)
        assert posted.status_code == 201, posted.text
        assert posted.json()["version"] == n
    path = f"/v1/items/{quote(uri, safe='')}"
    stored = [client.get(path, params={"version": n}).json() for n in (1, 2, 3)]
    assert [d["versionCreated"] for d in stored] == times
    late = ninjs_doc(uri, "Late", "Text 0.", language="en", versionCreated=times[1])
    refused = client.post("/v1/items", json=late, headers=NINJS)
    assert refused.status_code == 409 and refused.json()["field"] == "versionCreated"


def test_a_version_dated_ahead_of_the_clock_is_refused(client):
    """Kept as the source dated it, a version dated in 2099 would be the latest for good:
    every later version, dated rightly, refused as older. More than a day ahead is a 422
    naming the field (a local time sent as UTC is at most 14 hours off), nothing stored."""
    from datetime import UTC, datetime, timedelta

    soon = (datetime.now(UTC) + timedelta(hours=14)).replace(microsecond=0).isoformat()
    for field, when in (("versionCreated", "2099-01-01T00:00:00Z"), ("firstCreated", "2099-01-01T00:00:00Z")):
        doc = ninjs_doc("urn:x:ahead", "Ahead", "Text.", language="en", **{field: when})
        refused = client.post("/v1/items", json=doc, headers=NINJS)
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
    assert client.get("/v1/items/urn:x:ahead").status_code == 404
    skewed = ninjs_doc("urn:x:ahead", "Ahead", "Text.", language="en", versionCreated=soon)
    assert client.post("/v1/items", json=skewed, headers=NINJS).status_code == 201


def test_etag_answers_304_until_a_new_version(client):
    doc = ninjs_doc("urn:x:etag", "First", language="en")
    assert client.post("/v1/items", content=json.dumps(doc), headers=NINJS).status_code == 201
    first = client.get("/v1/items/urn:x:etag")
    etag = first.headers["etag"]
    assert client.get("/v1/items/urn:x:etag", headers={"If-None-Match": etag}).status_code == 304
    other = client.get(
        "/v1/items/urn:x:etag", params={"format": "nitf"}, headers={"If-None-Match": etag}
    )
    assert other.status_code == 200
    doc["headlines"][0]["value"] = "Second"
    assert client.post("/v1/items", content=json.dumps(doc), headers=NINJS).status_code == 201
    fresh = client.get("/v1/items/urn:x:etag", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.json()["version"] == "2"


def test_characters_xml_cannot_carry(client):
    doc = ninjs_doc("urn:x:ctrl", "stray \u0001control")
    assert client.post("/v1/items", content=json.dumps(doc), headers=NINJS).status_code == 201
    newsml = client.get("/v1/items/urn:x:ctrl", params={"format": "newsml"})
    assert newsml.status_code == 200 and "stray control" in newsml.text
    bad_id = client.post(
        "/v1/items", content=json.dumps({**doc, "uri": "urn:x:\u0001"}), headers=NINJS
    )
    assert bad_id.status_code == 422 and bad_id.json()["field"] == "id"


def test_form_uploads_are_refused(client):
    response = client.post("/v1/items", files={"file": ("seed.txt", SEED.read_bytes())})
    assert response.status_code == 415 and response.json()["field"] == "Content-Type"


def test_xml_sent_as_text_is_refused(client, seed_id):
    xml = client.get(f"/v1/items/{quote(seed_id, safe='')}", params={"format": "newsml"}).content
    response = client.post("/v1/items", content=xml, headers={"Content-Type": "text/plain"})
    assert response.status_code == 422 and "not agency text" in response.json()["detail"]


def test_feed_formats_link_to_the_server(client, server, seed_id):
    rss = client.get(f"/v1/items/{quote(seed_id, safe='')}", params={"format": "rss"}).text
    assert f"{server.url}/v1/items/{quote(seed_id, safe='')}" in rss


def test_text_wildcard_and_star_etag(client, seed_id):
    path = f"/v1/items/{quote(seed_id, safe='')}"
    assert (
        client.get(path, headers={"Accept": "text/*"})
        .headers["content-type"]
        .startswith("text/plain")
    )
    assert client.get(path, headers={"If-None-Match": "*"}).status_code == 304


def test_a_withdrawn_item_in_text_is_a_notice_not_the_story(client, db):
    """As RSS, Atom and JSON Feed show it: the agency text of a killed story is the kill
    notice and the reason, not the story a desk would publish once more; and that notice
    sent back is refused, not stored as a live item."""
    uri = "urn:test:items:withdrawn-text"
    posted = client.post("/v1/items", json=ninjs_doc(uri, HEADLINE, "نص الخبر الذي سحب."), headers=NINJS)
    assert posted.status_code == 201, posted.text
    path = f"/v1/items/{quote(uri, safe='')}"
    killed = client.post(f"{path}/withdraw", json={"reason": "خطأ في الأرقام"})
    assert killed.status_code == 201, killed.text
    notice = f"مسحوب: {HEADLINE}\n\nسحبت الوكالة هذا الخبر: يرجى عدم نشره. خطأ في الأرقام\n"
    answer = client.get(path, params={"format": "text"})
    assert answer.status_code == 200 and answer.text == notice
    shown = newswire("show", uri, "--format", "text", db=db)
    assert shown.returncode == 0, shown.stderr.decode()
    assert shown.stdout.decode() == notice
    back = client.post("/v1/items", content=answer.content, headers={"Content-Type": "text/plain"})
    assert back.status_code == 422 and back.json()["field"] == "headline"
    assert "withdrawal notice" in back.json()["detail"]


def test_head_and_case_insensitive_format(client, seed_id):
    path = f"/v1/items/{quote(seed_id, safe='')}"
    head = client.head(path)
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"]
    assert (
        client.get(path, params={"format": "NewsML"})
        .headers["content-type"]
        .startswith("application/vnd.iptc.g2.newsitem+xml")
    )


def test_curl_default_content_type_is_detected(client):
    text = "خبر عبر curl\nملخص.\n\nإسطنبول/ الأناضول\nفقرة أولى.\nفقرة ثانية.\n".encode()
    response = client.post(
        "/v1/items", content=text, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("uri", ["urn:x:\u200fspoof", "urn:x:\u2066a\u2069"])
def test_ids_with_invisible_characters_are_refused(client, uri):
    response = client.post("/v1/items", content=json.dumps(ninjs_doc(uri)), headers=NINJS)
    assert response.status_code == 422 and response.json()["field"] == "id"


@pytest.mark.parametrize("uri", [".", ".."])
def test_an_id_that_is_a_dot_segment_is_refused(client, uri):
    """Every link to it (``/ar/news/..``, ``/v1/items/..``) is resolved by a browser or an
    HTTP client to another page (the home page, ``/v1/``): refused as it comes in."""
    response = client.post("/v1/items", content=json.dumps(ninjs_doc(uri)), headers=NINJS)
    assert response.status_code == 422 and response.json()["field"] == "id", response.text
    assert client.get("/v1/items/" + uri.replace(".", "%2E")).status_code == 404  # not stored
    fine = client.post("/v1/items", content=json.dumps(ninjs_doc("urn:x:..")), headers=NINJS)
    assert fine.status_code in (200, 201), fine.text


def test_a_headline_of_tatweel_only_is_no_headline(client):
    response = client.post(
        "/v1/items", content=json.dumps(ninjs_doc("urn:x:tatweel", "ـــ")), headers=NINJS
    )
    assert response.status_code == 422 and response.json()["field"] == "headline"


def test_absurdly_nested_html_is_refused_quickly(client):
    nested = "<div>" * 100_000 + "x" + "</div>" * 100_000
    doc = ninjs_doc("urn:x:nested")
    doc["bodies"] = [{"role": "main", "contentType": "text/html", "value": nested}]
    response = client.post("/v1/items", content=json.dumps(doc), headers=NINJS, timeout=20)
    assert response.status_code == 422 and response.json()["field"] == "body"
    assert "nested" in response.json()["detail"]


def test_a_feed_with_a_bad_entry_stores_the_good_ones(client):
    from tests.test_cli import FEED_WITH_ONE_BAD_ENTRY

    response = client.post(
        "/v1/items",
        content=FEED_WITH_ONE_BAD_ENTRY.replace("urn:feed", "urn:api-feed").encode(),
        headers={"Content-Type": "application/rss+xml"},
    )
    assert response.status_code == 201
    body = response.json()
    assert [i["id"] for i in body["items"]] == ["urn:api-feed:1", "urn:api-feed:3"]
    assert len(body["rejected"]) == 1 and "urn:api-feed:2" in body["rejected"][0]


def test_a_withdrawn_item_is_not_published_again(client):
    """A kill is final: a later version of a withdrawn item is a 409 naming ``id``; in a
    feed that still lists it, that entry is rejected and the others stored."""
    from tests.test_cli import FEED_WITH_ONE_BAD_ENTRY

    feed = FEED_WITH_ONE_BAD_ENTRY.replace("urn:feed", "urn:api-killed")
    rss = {"Content-Type": "application/rss+xml"}
    assert client.post("/v1/items", content=feed.encode(), headers=rss).status_code == 201
    for unseen in ("\u200b\u200f", " \u2066\u2069 "):  # marks no one sees are no reason
        blank = client.post("/v1/items/urn:api-killed:1/withdraw", json={"reason": unseen})
        assert blank.status_code == 400 and blank.json()["field"] == "reason", blank.text
    killed = client.post("/v1/items/urn:api-killed:1/withdraw", json={"reason": "خطأ\u202e"})
    assert killed.status_code == 201, killed.text
    assert client.get("/v1/items/urn:api-killed:1").json()["edNote"] == "خطأ"  # no override
    alone = ninjs_doc("urn:api-killed:1", HEADLINE, "نص جديد للخبر المسحوب.")
    refused = client.post("/v1/items", json=alone, headers=NINJS)
    assert refused.status_code == 409 and refused.json()["field"] == "id", refused.text
    assert "withdrawn" in refused.json()["detail"]
    edited = feed.replace("نص الخبر الأول.", "نص معدل.").replace("نص الخبر الثالث.", "نص معدل.")
    response = client.post("/v1/items", content=edited.encode(), headers=rss)
    assert response.status_code == 201, response.text
    body = response.json()
    assert [(i["id"], i["version"]) for i in body["items"]] == [("urn:api-killed:3", 2)]
    assert any("urn:api-killed:1" in r and "withdrawn" in r for r in body["rejected"])
    latest = client.get("/v1/items/urn:api-killed:1").json()
    assert latest["pubStatus"] == "canceled"

@pytest.mark.parametrize("fmt", ["ninjs", "ninjs2", "newsml", "nitf", "rss", "atom"])
def test_a_withdrawal_posted_back_is_unchanged(client, fmt):
    """The kill notice as the API gives it, in a format that is read in, posted back (a
    mirror, a re-sync of a folder of kill notices): the withdrawal itself, already stored,
    so a 200 with ``created`` false and no version, as the item's first version posted
    again gets; whatever the format drops of it (a feed entry the reason's note, the
    dateline, the annotations' ids). The same notice with another reason is a change of
    a withdrawn item: still a 409 naming ``id``."""
    uri = f"urn:test:items:kill-again-{fmt}"
    first = ninjs_doc(uri, HEADLINE, "التقى رئيس الاستخبارات التركي وفدا من حركة حماس في أنقرة.",
                      located="أنقرة", byline="مراسل الأناضول", keywords=["تركيا"])
    assert client.post("/v1/items", json=first, headers=NINJS).status_code == 201
    path = f"/v1/items/{quote(uri, safe='')}"
    killed = client.post(f"{path}/withdraw", json={"reason": "خطأ في المصدر"})
    assert killed.status_code == 201, killed.text
    notice = client.get(path, params={"format": fmt})
    assert notice.status_code == 200, notice.text
    posted = {"Content-Type": notice.headers["content-type"]}
    again = client.post("/v1/items", content=notice.content, headers=posted)
    assert again.status_code == 200, again.text
    assert (again.json()["version"], again.json()["created"]) == (2, False)
    assert client.post("/v1/items", json=first, headers=NINJS).json()["created"] is False
    other = notice.content.decode().replace("خطأ في المصدر", "سبب آخر").encode()
    refused = client.post("/v1/items", content=other, headers=posted)
    assert refused.status_code == 409 and refused.json()["field"] == "id", refused.text
    latest = client.get(path).json()
    assert (latest["version"], latest["pubStatus"], latest["edNote"]) == ("2", "canceled", "خطأ في المصدر")


def test_a_version_number_beyond_any_stored_is_a_400_not_a_crash(client, seed_id):
    for version in ("9223372036854775808", str(2**31)):
        response = client.get(f"/v1/items/{quote(seed_id, safe='')}", params={"version": version})
        assert response.status_code == 400 and response.json()["field"] == "version"


NUL_ID = quote("urn:test:nul\x00id", safe="")
"""An id no item can have (``validation.check_item`` refuses a NUL), as a path holds it."""


@pytest.mark.parametrize(
    "method,path,field",
    [
        ("GET", f"/v1/items/{NUL_ID}", "id"),
        ("HEAD", f"/v1/items/{NUL_ID}", None),
        ("GET", f"/v1/items/{NUL_ID}?version=2", "version"),
        ("GET", f"/v1/items/{NUL_ID}/versions", "id"),
        ("GET", f"/v1/items/{NUL_ID}/thread", "id"),
        ("GET", f"/v1/items/{NUL_ID}/thread?version=2", "version"),
        ("POST", f"/v1/items/{NUL_ID}/withdraw", "id"),
        ("GET", f"/v1/items/{NUL_ID}/renditions/web", "id"),
        ("GET", f"/v1/items/{NUL_ID}/renditions/web/link", "id"),
        ("GET", f"/v1/items/{NUL_ID}/versions/1/renditions/web", "id"),
    ],
)
def test_an_id_holding_a_nul_is_not_there_on_either_store(client, method, path, field):
    """No item's id holds a NUL, so none is found: the 404 of any id not there, on each
    backend alike. PostgreSQL cannot even compare a text holding one, and every route of
    an item answered it a 422 blaming the request's ``body``."""
    body = {"reason": "خطأ"} if method == "POST" else None
    answer = client.request(method, path, json=body)
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    if field is None:  # HEAD: no body
        return
    assert answer.json()["field"] == field, answer.text
    what = "version 2 of item" if field == "version" else "item"
    assert answer.json()["detail"] == f"{field}: no {what} 'urn:test:nul\\x00id'"


def test_every_operation_has_its_own_id_and_the_key_is_declared(client):
    spec = client.get("/openapi.json").json()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert {"bearer": []} in spec["paths"]["/v1/feed"]["get"]["security"]
    assert "security" not in spec["paths"]["/health"]["get"]


def test_a_plain_text_body_is_read_in_the_character_set_it_declares(client):
    """``Content-Type: text/plain; charset=windows-1256`` (an Arabic desk's older system):
    read in it; without it such bytes are refused as not UTF-8; an unknown charset is a
    400 naming Content-Type; nothing stored for either."""
    text = "عنوان بترميز ويندوز\n\nأنقرة/ الأناضول\nوصل الوفد إلى غزة صباح اليوم.\n"
    data = text.encode("cp1256")
    plain = client.post("/v1/items", content=data, headers={"Content-Type": "text/plain"})
    assert plain.status_code == 422 and "charset=windows-1256" in plain.json()["detail"]
    unknown = client.post(
        "/v1/items", content=data, headers={"Content-Type": "text/plain; charset=arabic-ish"}
    )
    assert unknown.status_code == 400 and unknown.json()["field"] == "Content-Type"
    posted = client.post(
        "/v1/items", content=data, headers={"Content-Type": "text/plain; charset=windows-1256"}
    )
    assert posted.status_code == 201, posted.text
    stored = client.get(posted.json()["href"]).json()
    assert stored["headlines"][0]["value"] == "عنوان بترميز ويندوز"
    # UTF-8 declared (or none) is read as before: the same text is the same item.
    again = client.post(
        "/v1/items", content=text.encode(), headers={"Content-Type": "text/plain; charset=UTF-8"}
    )
    assert again.status_code == 200 and again.json()["id"] == posted.json()["id"]


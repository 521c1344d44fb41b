"""The admin HTTP API (``/v1/admin``), through a real ``newswire serve``: the same operations
and the same refusals as ``newswire product|subscriber|key``, who may call it, and keys
revoked (over HTTP or by the CLI in another process) ending their open streams."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import httpx
import pytest

from newswire.access.products import Product
from newswire.api.admin import ProductBody
from tests.helpers import Server, make_key, newswire

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def db(module_store_url) -> str:
    return module_store_url


@pytest.fixture(scope="module")
def server(db):
    srv = Server(db)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def admin(server, db) -> Iterator[httpx.Client]:
    with server.client(make_key(db, "--scope", "admin", "--name", "OPS")) as c:
        yield c


def problem(response: httpx.Response, status: int, field: str | None = None) -> dict:
    """The problem body of ``response``, checked: status, media type, and the field named."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["detail"]
    if field is not None:
        assert body.get("field") == field, body
    return body


def new_subscriber(admin: httpx.Client, name: str, product: str = "everything") -> None:
    if admin.get(f"/v1/admin/products/{product}").status_code == 404:
        made = admin.post("/v1/admin/products", json={"name": product, "access": "full"})
        assert made.status_code == 201, made.text
    made = admin.post("/v1/admin/subscribers", json={"name": name, "products": [product]})
    assert made.status_code == 201, made.text


def new_key(admin: httpx.Client, **body) -> tuple[str, str]:
    """(key, id) of a key made through the API."""
    made = admin.post("/v1/admin/keys", json=body)
    assert made.status_code == 201, made.text
    return made.json()["key"], made.json()["id"]


# --- SSE --------------------------------------------------------------------------------


@contextlib.contextmanager
def sse(server: Server, key: str, after: int | None = None) -> Iterator[Iterator[str]]:
    """An open ``/v1/stream`` of ``key`` (live, or replaying from ``after``): its lines,
    past the opening frame (by then the server has registered the stream). A read timeout
    of 5 s, well within the 15 s between heartbeats, fails a test waiting for a frame
    that never comes."""
    headers = {"Authorization": f"Bearer {key}"}
    params = {} if after is None else {"after": after}
    with (
        httpx.Client(base_url=server.url, headers=headers, timeout=httpx.Timeout(5.0)) as c,
        c.stream("GET", "/v1/stream", params=params) as response,
    ):
        assert response.status_code == 200, response.read()
        lines = response.iter_lines()
        for line in lines:  # "retry: 2000", ": connected", ""
            if not line:
                break
        yield lines


def next_frame(lines: Iterator[str]) -> dict[str, str]:
    """The next SSE frame (comments skipped) as {field: value}; {} once the stream ends."""
    frame: dict[str, str] = {}
    for line in lines:
        if not line:
            if frame:
                return frame
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        frame[name] = value.removeprefix(" ")
    return frame


def assert_closed(lines: Iterator[str], why: str) -> None:
    """The next frame closes the stream for ``why``, and the server ends the response."""
    frame = next_frame(lines)
    assert frame.get("event") == "close", frame
    assert why in json.loads(frame["data"])["reason"]
    assert next_frame(lines) == {}


# --- products -----------------------------------------------------------------------------


def test_the_body_mirrors_the_product():
    assert ProductBody.__struct_fields__ == Product.__struct_fields__


def test_products_crud(admin):
    made = admin.post(
        "/v1/admin/products",
        json={
            "name": "arabic-politics",
            "access": "full",
            "languages": ["ar"],
            "subjects": ["11000000"],
            "urgency_min": 1,
            "urgency_max": 5,
            "early_embargo": True,
        },
    )
    assert made.status_code == 201, made.text
    assert made.headers["location"] == "/v1/admin/products/arabic-politics"
    assert made.json()["subjects"] == ["medtop:11000000"]  # validate_product's QCode form
    shown = admin.get("/v1/admin/products/arabic-politics").json()
    assert shown["languages"] == ["ar"] and shown["urgency_max"] == 5 and shown["early_embargo"]
    assert "arabic-politics" in [p["name"] for p in admin.get("/v1/admin/products").json()]
    assert admin.delete("/v1/admin/products/arabic-politics").status_code == 204
    problem(admin.get("/v1/admin/products/arabic-politics"), 404)
    problem(admin.delete("/v1/admin/products/arabic-politics"), 404)


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({"name": "x", "access": "everything"}, 400, "access"),
        # Of the declared form, refused for what it says: 422.
        ({"name": "x", "access": "full", "urgency_min": 5, "urgency_max": 2}, 422, "urgency_min"),
        ({"name": "x", "access": "full", "urgency_max": 12}, 400, "urgency_max"),
        ({"name": "x", "access": "full", "subjects": ["medtop:99999999"]}, 422, "subjects"),
        ({"name": "x", "access": "full", "subjects": [" 04000000"]}, 400, "subjects"),
        ({"name": "x", "access": "full", "genres": ["genre:Nothing"]}, 422, "genres"),
        ({"name": "x", "access": "full", "languages": ["not a tag"]}, 400, "languages"),
        ({"name": "x", "access": "full", "languages": [7]}, 400, "languages"),
        ({"name": "x", "access": "full", "languges": ["ar"]}, 400, "languges"),
        ({"name": "x", "access": "full", "types": ["sound"]}, 400, "types"),
        ({"name": "bad name!", "access": "full"}, 400, "name"),
        ({"access": "full"}, 400, "name"),
        ({"name": "x", "access": "full", "early_embargo": "yes"}, 400, "early_embargo"),
        ([], 400, "body"),
    ],
)
def test_bad_products_are_refused_naming_the_field(admin, body, status, field):
    problem(admin.post("/v1/admin/products", json=body), status, field)
    problem(admin.get("/v1/admin/products/x"), 404)  # and nothing was stored


def test_not_json_and_duplicates(admin):
    problem(admin.post("/v1/admin/products", content=b"name=x"), 400, "body")
    assert admin.post("/v1/admin/products", json={"name": "dup", "access": "teaser"}).is_success
    problem(admin.post("/v1/admin/products", json={"name": "dup", "access": "full"}), 409, "name")
    assert admin.get("/v1/admin/products/dup").json()["access"] == "teaser"


# --- subscribers --------------------------------------------------------------------------


def test_subscribers_crud(admin):
    admin.post("/v1/admin/products", json={"name": "news", "access": "full"})
    made = admin.post(
        "/v1/admin/subscribers",
        json={"name": "daily", "products": ["news"], "formats": ["ninjs"], "rate_limit": 100},
    )
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "active" and made.json()["rate_limit"] == 100
    problem(admin.post("/v1/admin/subscribers", json={"name": "daily", "products": ["news"]}), 409)
    problem(admin.delete("/v1/admin/products/news"), 409, "product")  # in use by daily
    key, key_id = new_key(admin, scope="read", subscriber="daily")
    shown = admin.get("/v1/admin/subscribers/daily").json()
    assert shown["products"] == ["news"] and [k["id"] for k in shown["keys"]] == [key_id]
    assert key not in json.dumps(shown)
    assert "daily" in [s["name"] for s in admin.get("/v1/admin/subscribers").json()]

    suspended = admin.post("/v1/admin/subscribers/daily/suspend")
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    with httpx.Client(
        base_url=str(admin.base_url), headers={"Authorization": f"Bearer {key}"}
    ) as c:
        problem(c.get("/v1/feed"), 403, "Authorization")
        assert admin.post("/v1/admin/subscribers/daily/activate").json()["status"] == "active"
        assert c.get("/v1/feed").status_code == 200

        removed = admin.delete("/v1/admin/subscribers/daily")
        assert removed.status_code == 200 and removed.json()["keys_revoked"] == 1
        problem(c.get("/v1/feed"), 401, "Authorization")
    problem(admin.get("/v1/admin/subscribers/daily"), 404)
    problem(admin.post("/v1/admin/subscribers/daily/suspend"), 404)
    assert admin.delete("/v1/admin/products/news").status_code == 204  # no longer in use


def test_a_product_or_format_named_twice_is_kept_once(admin):
    admin.post("/v1/admin/products", json={"name": "twice", "access": "full"})
    made = admin.post("/v1/admin/subscribers", json={
        "name": "twice-daily", "products": ["twice", "twice"], "formats": ["ninjs", "ninjs"]})
    assert made.status_code == 201, made.text
    shown = admin.get("/v1/admin/subscribers/twice-daily").json()
    assert (shown["products"], shown["formats"]) == (["twice"], ["ninjs"])
    changed = admin.put("/v1/admin/subscribers/twice-daily", json={
        "name": "twice-daily", "products": ["twice", "twice"]})
    assert changed.status_code == 200, changed.text
    assert admin.get("/v1/admin/subscribers/twice-daily").json()["products"] == ["twice"]


def test_changing_a_product_and_a_subscriber_s_products_reaches_its_issued_keys(admin, db):
    desk = make_key(db, "--scope", "publish", "--name", "DESK-CHANGE")
    with httpx.Client(
        base_url=str(admin.base_url), headers={"Authorization": f"Bearer {desk}"}
    ) as c:
        made = c.post(
            "/v1/items",
            json={
                "uri": "urn:test:change-ar",
                "language": "ar",
                "headlines": [{"role": "main", "value": "خبر"}],
                "bodies": [{"role": "main", "contentType": "text/plain", "value": "نص."}],
            },
            headers={"Content-Type": "application/ninjs+json"},
        )
    assert made.status_code == 201, made.text
    item = "/v1/items/urn:test:change-ar"
    assert admin.post("/v1/admin/products", json={"name": "ch-en", "access": "full",
                                                  "languages": ["en"]}).is_success
    assert admin.post("/v1/admin/products", json={"name": "ch-ar", "access": "full",
                                                  "languages": ["ar"]}).is_success
    made = admin.post("/v1/admin/subscribers", json={"name": "changing", "products": ["ch-en"]})
    assert made.status_code == 201, made.text
    key, _ = new_key(admin, scope="read", subscriber="changing")
    with httpx.Client(
        base_url=str(admin.base_url), headers={"Authorization": f"Bearer {key}"}
    ) as c:
        assert c.get(item).status_code == 404  # English only
        # The product changed, whole: the key issued before it receives by it.
        body = {"name": "ch-en", "access": "teaser", "languages": ["ar"]}
        changed = admin.put("/v1/admin/products/ch-en", json=body)
        assert changed.status_code == 200, changed.text
        assert changed.json()["access"] == "teaser" and changed.json()["languages"] == ["ar"]
        assert admin.get("/v1/admin/products/ch-en").json() == changed.json()
        got = c.get(item)
        assert got.status_code == 200 and got.headers["x-newswire-access"] == "teaser"
        assert "urn:test:change-ar" in [e["id"] for e in c.get("/v1/feed").json()["items"]]
        # The subscriber's products changed: its key's too; its status and keys stay.
        body = {"name": "changing", "products": ["ch-ar"], "rate_limit": 100}
        changed = admin.put("/v1/admin/subscribers/changing", json=body)
        assert changed.status_code == 200, changed.text
        assert changed.json()["products"] == ["ch-ar"] and changed.json()["rate_limit"] == 100
        assert changed.json()["status"] == "active" and len(changed.json()["keys"]) == 1
        assert c.get(item).headers["x-newswire-access"] == "full"
        assert admin.delete("/v1/admin/products/ch-en").status_code == 204  # no longer used

        # Refused, naming the field, and nothing changed.
        for path, body, status, field in [
            ("products/ch-ar", {"name": "other", "access": "full"}, 422, "name"),
            ("products/ch-ar", {"name": "ch-ar", "access": "all"}, 400, "access"),
            ("products/ch-ar", {"name": "ch-ar", "access": "full", "languages": ["xx-"]},
             400, "languages"),
            ("products/ghost", {"name": "ghost", "access": "full"}, 404, "product"),
            ("subscribers/changing", {"name": "changing", "products": ["ghost"]}, 422,
             "products"),
            ("subscribers/changing", {"name": "changing", "products": []}, 400, "products"),
            ("subscribers/changing", {"name": "changing", "products": ["ch-ar"],
                                      "rate_limit": 0}, 400, "rate_limit"),
            ("subscribers/changing", {"name": "other", "products": ["ch-ar"]}, 422, "name"),
            ("subscribers/ghost", {"name": "ghost", "products": ["ch-ar"]}, 404, "subscriber"),
        ]:
            problem(admin.put(f"/v1/admin/{path}", json=body), status, field)
        problem(admin.put("/v1/admin/products/ch-ar", content=b"{"), 400, "body")
        # Arrays nested 5,000 deep: the decoder's recursion, a 500 until it was a 400.
        nested = b"[" * 5000 + b"]" * 5000
        for path in ("products/ch-ar", "subscribers/changing"):
            problem(admin.put(f"/v1/admin/{path}", content=nested), 400, "body")
        problem(admin.post("/v1/admin/keys", content=nested), 400, "body")
        assert admin.get("/v1/admin/products/ch-ar").json()["access"] == "full"
        assert admin.get("/v1/admin/subscribers/changing").json()["rate_limit"] == 100
        assert c.get(item).headers["x-newswire-access"] == "full"


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({"name": "s1", "products": []}, 400, "products"),
        ({"name": "s1"}, 400, "products"),
        # A product that does not exist: of the declared form, but unprocessable.
        ({"name": "s1", "products": ["no-such-product"]}, 422, "products"),
        ({"name": "s1", "products": ["everything"], "formats": ["docx"]}, 400, "formats"),
        ({"name": "s1", "products": ["everything"], "rate_limit": 0}, 400, "rate_limit"),
        ({"name": "s 1", "products": ["everything"]}, 400, "name"),
        ({"name": "s1\n", "products": ["everything"]}, 400, "name"),
        ({"name": "s1", "products": ["everything"], "status": "suspended"}, 400, "status"),
    ],
)
def test_bad_subscribers_are_refused_naming_the_field(admin, body, status, field):
    if admin.get("/v1/admin/products/everything").status_code == 404:
        admin.post("/v1/admin/products", json={"name": "everything", "access": "full"})
    problem(admin.post("/v1/admin/subscribers", json=body), status, field)
    problem(admin.get("/v1/admin/subscribers/s1"), 404)


# --- keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,param,value",
    [
        ("/v1/admin/keys", "subscriber", "por\x00tal"),
        ("/v1/admin/keys", "subscriber", "a b"),
        ("/v1/usage", "subscriber", "por\x00tal"),
        ("/v1/webhooks", "subscriber", "por\x00tal"),
        ("/v1/webhooks/deliveries", "subscriber", "por\x00tal"),
        ("/v1/webhooks/deliveries", "webhook", "wh_\x00"),
    ],
)
def test_a_filter_no_name_can_match_is_the_callers_400(admin, path, param, value):
    """A list's filter that no subscriber's name (or webhook's id) can be is refused for
    what it is, naming the parameter: PostgreSQL cannot even compare a text holding a NUL,
    and answered a 422 blaming the request's body, which a GET has none of."""
    assert problem(admin.get(path, params={param: value}), 400, param)


@pytest.mark.parametrize(
    "method,path,field",
    [
        ("GET", "/v1/admin/products/p%00", "product"),
        ("DELETE", "/v1/admin/products/p%00", "product"),
        ("GET", "/v1/admin/subscribers/s%00", "subscriber"),
        ("POST", "/v1/admin/subscribers/s%00/suspend", "subscriber"),
        ("DELETE", "/v1/admin/subscribers/s%00", "subscriber"),
        ("GET", "/v1/admin/keys/k%00", "key"),
        ("POST", "/v1/admin/keys/k%00/revoke", "key"),
        ("GET", "/v1/webhooks/wh_%00", "webhook"),
        ("DELETE", "/v1/webhooks/wh_%00", "webhook"),
        ("POST", "/v1/webhooks/deliveries/dl_%00/redeliver", "delivery"),
    ],
)
def test_a_name_in_the_path_no_name_can_be_is_not_found(admin, method, path, field):
    """A name or id holding a NUL is one not there, on every backend: PostgreSQL, which
    cannot compare a text holding one, answered a 422 blaming the body of a GET."""
    assert problem(admin.request(method, path), 404, field)


def test_a_subscriber_given_a_product_no_name_can_be_is_refused_naming_it(admin):
    body = {"name": "nul", "products": ["p\x00"]}
    assert problem(admin.post("/v1/admin/subscribers", json=body), 422, "products")


def test_keys_are_shown_once_and_listed_without_secrets(admin, server):
    new_subscriber(admin, "portal")
    key, key_id = new_key(admin, scope="read", subscriber="portal")
    assert key.startswith(f"nw_{key_id}_")
    desk, desk_id = new_key(admin, scope="publish", name="DESK")
    listed = admin.get("/v1/admin/keys")
    assert {key_id, desk_id} <= {k["id"] for k in listed.json()}
    assert key not in listed.text and desk not in listed.text
    only = admin.get("/v1/admin/keys", params={"subscriber": "portal"}).json()
    assert [k["id"] for k in only] == [key_id] and only[0]["scope"] == "read"
    # A subscriber that does not exist is not one without keys (as /v1/webhooks says it).
    problem(admin.get("/v1/admin/keys", params={"subscriber": "nobody"}), 404, "subscriber")
    assert admin.get(f"/v1/admin/keys/{desk_id}").json()["name"] == "DESK"
    with server.client(key) as c:
        assert c.get("/v1/feed").status_code == 200
    revoked = admin.post(f"/v1/admin/keys/{key_id}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    with server.client(key) as c:
        assert "revoked" in problem(c.get("/v1/feed"), 401, "Authorization")["detail"]


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({"scope": "read"}, 400, "subscriber"),
        # A subscriber that does not exist: of the declared form, but unprocessable.
        ({"scope": "read", "subscriber": "ghost"}, 422, "subscriber"),
        ({"scope": "root", "name": "x"}, 400, "scope"),
        ({"scope": "publish"}, 400, "name"),
        ({"scope": "admin", "subscriber": "portal", "name": "x"}, 400, "subscriber"),
        ({"scope": "publish", "name": "x", "secret": "mine"}, 400, "secret"),
        ({"scope": "publish", "name": "DESK\nB"}, 400, "name"),
        ({"scope": "admin", "name": "OPS\u202e"}, 400, "name"),
        ({"scope": "read", "subscriber": "portal", "name": "\u200fx"}, 400, "name"),
        ({"scope": "publish", "name": "x" * 101}, 400, "name"),
    ],
)
def test_bad_keys_are_refused_naming_the_field(admin, body, status, field):
    before = len(admin.get("/v1/admin/keys").json())
    problem(admin.post("/v1/admin/keys", json=body), status, field)
    assert len(admin.get("/v1/admin/keys").json()) == before


def test_revoking_an_unknown_key(admin):
    problem(admin.post("/v1/admin/keys/nosuchkey0/revoke"), 404, "key")


# --- who may call it ----------------------------------------------------------------------


def test_only_admin_keys_may_call_it(admin, server, db):
    new_subscriber(admin, "reader")
    read_key, _ = new_key(admin, scope="read", subscriber="reader")
    publish_key = make_key(db, "--scope", "publish", "--name", "EDITORS")
    revoked_key, revoked_id = new_key(admin, scope="admin", name="OLD-OPS")
    admin.post(f"/v1/admin/keys/{revoked_id}/revoke")
    new_subscriber(admin, "paused")
    paused_key, _ = new_key(admin, scope="read", subscriber="paused")
    admin.post("/v1/admin/subscribers/paused/suspend")
    cases = [
        (None, 401),
        ("nope", 401),
        ("nw_aaaaaaaaaa_" + "x" * 43, 401),  # well-formed, unknown
        (revoked_key, 401),
        (read_key, 403),
        (publish_key, 403),
        (paused_key, 403),
    ]
    for key, status in cases:
        with server.client(key) as c:
            for method, path in [
                ("GET", "/v1/admin/products"),
                ("POST", "/v1/admin/keys"),
                ("POST", "/v1/admin/subscribers/reader/suspend"),
            ]:
                response = c.request(method, path, json={"scope": "admin", "name": "X"})
                body = problem(response, status, "Authorization")
                assert body["title"] == ("Unauthorized" if status == 401 else "Forbidden")
                if status == 401:
                    assert response.headers["www-authenticate"].startswith("Bearer")
    assert admin.get("/v1/admin/subscribers/reader").json()["status"] == "active"


def test_the_admin_api_is_in_openapi(admin):
    paths = admin.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/v1/admin/products"])
    assert "requestBody" in paths["/v1/admin/keys"]["post"]
    assert "/v1/admin/keys/{key_id}/revoke" in paths and "/v1/usage" in paths


# --- streams end when their key stops working ---------------------------------------------


def test_a_key_revoked_over_http_closes_its_stream_at_once(admin, server):
    new_subscriber(admin, "streamer")
    key, key_id = new_key(admin, scope="read", subscriber="streamer")
    with sse(server, key) as lines:
        revoked = admin.post(f"/v1/admin/keys/{key_id}/revoke")
        assert revoked.json()["streams_closed"] == 1
        assert_closed(lines, f"API key {key_id} was revoked")


def test_a_key_revoked_by_the_cli_closes_its_stream(admin, server, db):
    new_subscriber(admin, "streamer-cli")
    key, key_id = new_key(admin, scope="read", subscriber="streamer-cli")
    with sse(server, key) as lines:
        result = newswire("key", "revoke", key_id, db=db)
        assert result.returncode == 0, result.stderr.decode()
        # The server's hub re-checks the keys of open streams every second.
        assert_closed(lines, f"API key {key_id} was revoked")


def test_suspending_a_subscriber_closes_its_streams(admin, server):
    new_subscriber(admin, "suspendable")
    key, _ = new_key(admin, scope="read", subscriber="suspendable")
    with sse(server, key) as lines:
        assert admin.post("/v1/admin/subscribers/suspendable/suspend").json()["streams_closed"] == 1
        assert_closed(lines, "subscriber suspendable is suspended")
    with server.client(key) as c:
        problem(c.get("/v1/stream"), 403, "Authorization")


def test_removing_a_subscriber_closes_its_streams(admin, server):
    new_subscriber(admin, "removable")
    key, _ = new_key(admin, scope="read", subscriber="removable")
    with sse(server, key) as lines:
        assert admin.delete("/v1/admin/subscribers/removable").json()["streams_closed"] == 1
        assert_closed(lines, "subscriber removable was removed")

"""Registering and managing webhooks, over HTTP (a real ``newswire serve``) and the CLI:
what is refused and why, who sees what, and the secret never shown again."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from newswire.access.keys import ApiKey, new_key
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.delivery.webhooks import check_url, refused_target
from newswire.errors import BadInput
from newswire.store import open_store
from newswire.store.webhooks import now
from tests.helpers import Server, free_port, retry_until
from tests.helpers import newswire_here as newswire

PROBLEM = "application/problem+json"
SECRET = "a-long-enough-secret"


@pytest.fixture(scope="module")
def db(module_store_url) -> str:
    url = module_store_url
    store = open_store(url)
    store.products.add(Product(name="all", access="full"))
    for name, fmts in (("alpha", []), ("beta", []), ("nitf-only", ["nitf"])):
        store.subscribers.add(Subscriber(name=name, products=["all"], formats=fmts))
    store.close()
    return url


@pytest.fixture(scope="module")
def keys(db) -> dict[str, str]:
    store = open_store(db)
    made = {}
    for who, scope, subscriber in (
        ("alpha", "read", "alpha"),
        ("beta", "read", "beta"),
        ("nitf-only", "read", "nitf-only"),
        ("desk", "publish", ""),
        ("ops", "admin", ""),
    ):
        key, key_id, key_hash = new_key()
        store.keys.add(
            ApiKey(id=key_id, scope=scope, name=who, subscriber=subscriber), key_hash
        )
        made[who] = key
    store.close()
    return made


@pytest.fixture(scope="module")
def server(db):  # deliveries go to receivers on 127.0.0.1: allowed here
    srv = Server(db, env=PRIVATE_OK)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def clients(server, keys):
    made = {who: server.client(key) for who, key in keys.items()}
    yield made
    for c in made.values():
        c.close()


# A port nothing listens on: deliveries to it fail, and stay listed as pending.
NOWHERE = f"http://127.0.0.1:{free_port()}/hook"
PRIVATE_OK = {"NEWSWIRE_WEBHOOK_ALLOW_PRIVATE": "yes"}


def problem(response: httpx.Response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    if field is not None:
        assert body["field"] == field, body
    return body


@pytest.mark.any_store
@pytest.mark.parametrize(
    "body,field",
    [
        ({"url": "ftp://example.org/in", "secret": SECRET}, "url"),
        ({"url": "file:///etc/passwd", "secret": SECRET}, "url"),
        ({"url": "javascript:alert(1)", "secret": SECRET}, "url"),
        ({"url": "https://user:pw@example.org/in", "secret": SECRET}, "url"),
        ({"url": "https://token@example.org/in", "secret": SECRET}, "url"),
        ({"url": "http:///no-host", "secret": SECRET}, "url"),
        ({"url": "https://example.org:99999/in", "secret": SECRET}, "url"),
        ({"url": "https://exa mple.org/", "secret": SECRET}, "url"),
        ({"url": "/relative", "secret": SECRET}, "url"),
        ({"secret": SECRET}, "url"),
        ({"url": "https://example.org/in", "secret": "too-short"}, "secret"),
        ({"url": "https://example.org/in"}, "secret"),
        ({"url": "https://example.org/in", "secret": SECRET + "\x00"}, "secret"),
        ({"url": "https://example.org/in", "secret": SECRET + "\n"}, "secret"),
        ({"url": "https://example.org/in", "secret": SECRET, "format": "rss"}, "format"),
        ({"url": "https://example.org/in", "secret": SECRET, "format": "jsonfeed"}, "format"),
        ({"url": "https://example.org/in", "secret": SECRET, "format": "pdf"}, "format"),
        ({"url": "https://example.org/in", "secret": SECRET, "colour": "red"}, "colour"),
    ],
)
def test_registration_refuses_with_the_field_named(clients, body, field):
    problem(clients["alpha"].post("/v1/webhooks", json=body), 400, field)


def test_a_format_the_subscriber_may_not_use_is_refused(clients):
    client = clients["nitf-only"]
    body = {"url": "https://example.org/in", "secret": SECRET, "format": "ninjs"}
    # A format the OpenAPI allows, but not this subscriber: unprocessable.
    assert "nitf" in problem(client.post("/v1/webhooks", json=body), 422, "format")["detail"]
    body["format"] = "nitf"
    response = client.post("/v1/webhooks", json=body)
    assert response.status_code == 201
    client.delete(f"/v1/webhooks/{response.json()['id']}")


def test_not_json_is_refused(clients):
    response = clients["alpha"].post("/v1/webhooks", content=b"url=x")
    problem(response, 400, "body")
    nested = b"[" * 5000 + b"]" * 5000  # the decoder's recursion: a 500 until it was a 400
    problem(clients["alpha"].post("/v1/webhooks", content=nested), 400, "body")


def test_registered_never_shows_the_secret(clients):
    alpha = clients["alpha"]
    response = alpha.post("/v1/webhooks", json={"url": NOWHERE, "secret": SECRET})
    assert response.status_code == 201
    made = response.json()
    assert set(made) == {
        "id", "url", "format", "subscriber", "created",
        "active", "disabled_at", "disabled_status", "disabled_reason",
    }  # fmt: skip
    assert made["format"] == "ninjs" and made["subscriber"] == "alpha" and made["url"] == NOWHERE
    assert made["active"] is True
    assert made["disabled_at"] is made["disabled_status"] is made["disabled_reason"] is None
    assert response.headers["location"] == f"/v1/webhooks/{made['id']}"
    listed = alpha.get("/v1/webhooks")
    assert made in listed.json()["webhooks"]
    shown = alpha.get(f"/v1/webhooks/{made['id']}")
    assert shown.json() == made
    for text in (response.text, listed.text, shown.text):
        assert SECRET not in text
    assert alpha.delete(f"/v1/webhooks/{made['id']}").status_code == 204
    problem(alpha.get(f"/v1/webhooks/{made['id']}"), 404)
    assert made not in alpha.get("/v1/webhooks").json()["webhooks"]


def test_one_subscriber_cannot_see_or_touch_anothers(clients):
    alpha, beta, desk = clients["alpha"], clients["beta"], clients["desk"]
    hook = alpha.post("/v1/webhooks", json={"url": NOWHERE, "secret": SECRET}).json()
    published = desk.post(
        "/v1/items",
        content=b"headline\nlead.\n\nAnkara/ AA\nA paragraph.\n",
        headers={"Content-Type": "text/plain"},
    )
    assert published.status_code == 201
    # Enqueued by the server's own loop, announced to nobody: ask until it is there.
    mine = retry_until(
        lambda: alpha.get("/v1/webhooks/deliveries").json()["deliveries"], "a delivery enqueued"
    )
    delivery = mine[0]
    assert delivery["webhook"] == hook["id"] and delivery["status"] == "pending"
    assert delivery["sequence"] == published.json()["sequence"]

    assert hook not in beta.get("/v1/webhooks").json()["webhooks"]
    problem(beta.get(f"/v1/webhooks/{hook['id']}"), 404)
    problem(beta.delete(f"/v1/webhooks/{hook['id']}"), 404)
    assert beta.get("/v1/webhooks/deliveries").json()["deliveries"] == []
    problem(beta.get("/v1/webhooks/deliveries", params={"webhook": hook["id"]}), 404)
    problem(beta.post(f"/v1/webhooks/deliveries/{delivery['id']}/redeliver"), 404)
    problem(
        beta.post("/v1/webhooks", json={"url": NOWHERE, "secret": SECRET, "subscriber": "alpha"}),
        403,
        "subscriber",
    )
    # A publish key is the agency's desk, not a subscriber: it has no webhooks.
    problem(desk.get("/v1/webhooks"), 403)

    again = alpha.post(f"/v1/webhooks/deliveries/{delivery['id']}/redeliver")
    assert again.status_code == 202 and again.json()["attempts"] == 0
    assert alpha.delete(f"/v1/webhooks/{hook['id']}").status_code == 204


def test_an_admin_key_names_the_subscriber(clients):
    ops = clients["ops"]
    body = {"url": NOWHERE, "secret": SECRET, "format": "newsml"}
    # Of the declared form (which cannot say that an admin key must name one): 422.
    problem(ops.post("/v1/webhooks", json=body), 422, "subscriber")
    problem(ops.post("/v1/webhooks", json={**body, "subscriber": "nobody"}), 422, "subscriber")
    response = ops.post("/v1/webhooks", json={**body, "subscriber": "beta"})
    assert response.status_code == 201 and response.json()["subscriber"] == "beta"
    hook = response.json()
    assert hook in clients["beta"].get("/v1/webhooks").json()["webhooks"]
    assert hook in ops.get("/v1/webhooks", params={"subscriber": "beta"}).json()["webhooks"]
    assert ops.get("/v1/webhooks", params={"subscriber": "alpha"}).json()["webhooks"] == []
    # A subscriber that does not exist is not one without webhooks.
    problem(ops.get("/v1/webhooks", params={"subscriber": "nobody"}), 404, "subscriber")
    problem(ops.get("/v1/webhooks/deliveries", params={"subscriber": "nobody"}), 404, "subscriber")
    assert ops.delete(f"/v1/webhooks/{hook['id']}").status_code == 204


def test_a_disabled_endpoint_is_shown_so_and_enabled_by_its_owner_or_an_admin(clients, db):
    """An endpoint disabled (its receiver answered 410 Gone: tests/delivery) says since
    when and why, over HTTP and in ``webhook list``; its subscriber's key or an admin key
    enables it (another subscriber's finds no such webhook), as the CLI does; an unknown
    id is a 404 problem, and a command that fails."""
    alpha, beta, desk, ops = (clients[who] for who in ("alpha", "beta", "desk", "ops"))
    hook = alpha.post("/v1/webhooks", json={"url": NOWHERE, "secret": SECRET}).json()
    path = f"/v1/webhooks/{hook['id']}"
    store = open_store(db)
    try:
        assert store.webhooks.disable(hook["id"], "dl_none", 1, 410, "HTTP 410: moved", now())
    finally:
        store.close()
    shown = alpha.get(path).json()
    assert shown["active"] is False and shown["disabled_status"] == 410
    assert shown["disabled_reason"] == "HTTP 410: moved"
    assert shown["disabled_at"] >= hook["created"]
    assert shown in ops.get("/v1/webhooks", params={"subscriber": "alpha"}).json()["webhooks"]
    listed = newswire("webhook", "list", "--subscriber", "alpha", db=db).stdout.decode()
    (row,) = [line.split("\t") for line in listed.splitlines() if line.startswith(hook["id"])]
    assert row[6:] == [shown["disabled_at"][:16] + "Z", "HTTP 410: moved"]

    problem(beta.post(f"{path}/enable"), 404, "webhook")
    problem(desk.post(f"{path}/enable"), 403)
    problem(alpha.post("/v1/webhooks/wh_0000000000000000/enable"), 404, "webhook")
    assert alpha.get(path).json() == shown  # refused: still disabled
    enabled = alpha.post(f"{path}/enable")
    assert enabled.status_code == 200, enabled.text
    assert enabled.json() == {**hook, "active": True} == alpha.get(path).json()
    again = ops.post(f"{path}/enable")  # active already: as it is
    assert again.status_code == 200 and again.json() == enabled.json()
    listed = newswire("webhook", "list", "--subscriber", "alpha", db=db).stdout.decode()
    (row,) = [line.split("\t") for line in listed.splitlines() if line.startswith(hook["id"])]
    assert row[6:] == ["", ""]

    unknown = newswire("webhook", "enable", "wh_0000000000000000", db=db)
    assert unknown.returncode == 1 and b"no webhook 'wh_0000000000000000'" in unknown.stderr
    done = newswire("webhook", "enable", hook["id"], db=db)
    assert done.returncode == 0 and b"active already" in done.stderr
    assert alpha.delete(path).status_code == 204


def test_deliveries_query_is_checked(clients, server):
    alpha = clients["alpha"]
    problem(alpha.get("/v1/webhooks/deliveries", params={"status": "lost"}), 400, "status")
    for limit in ("0", "x", "-1"):
        problem(alpha.get("/v1/webhooks/deliveries", params={"limit": limit}), 400, "limit")
    # Over the maximum: clamped, and said, as the feed and search clamp theirs.
    over = alpha.get("/v1/webhooks/deliveries", params={"limit": "100000"})
    assert over.status_code == 200, over.text
    assert "100000" in over.json()["limit_clamped"]
    assert over.headers["x-newswire-clamped"] == over.json()["limit_clamped"]
    huge = alpha.get("/v1/webhooks/deliveries", params={"limit": "202480312597367881728"})
    assert huge.status_code == 200 and "limit_clamped" in huge.json(), huge.text
    problem(alpha.post("/v1/webhooks/deliveries/dl_nothing/redeliver"), 404)
    problem(httpx.get(f"{server.url}/v1/webhooks"), 401)


def test_openapi_describes_the_routes_and_their_problems(clients):
    doc = clients["alpha"].get("/openapi.json").json()
    post = doc["paths"]["/v1/webhooks"]["post"]
    assert PROBLEM in post["responses"]["400"]["content"]
    assert "url" in post["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "/v1/webhooks/deliveries/{delivery_id}/redeliver" in doc["paths"]
    assert "delete" in doc["paths"]["/v1/webhooks/{webhook_id}"]
    enable = doc["paths"]["/v1/webhooks/{webhook_id}/enable"]["post"]
    assert {"200", "404"} <= set(enable["responses"])
    answer = enable["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["properties"]["active"]["type"] == "boolean"


def test_the_cli_adds_lists_and_removes(db):
    refused = newswire("webhook", "add", "alpha", "file:///etc/passwd", db=db)
    assert refused.returncode == 2 and b"url" in refused.stderr
    unknown = newswire(
        "webhook", "add", "nobody", NOWHERE, "--secret", SECRET, db=db, env=PRIVATE_OK
    )
    assert unknown.returncode != 0 and b"nobody" in unknown.stderr

    private = newswire("webhook", "add", "alpha", NOWHERE, "--secret", SECRET, db=db)
    assert private.returncode != 0 and b"private" in private.stderr
    added = newswire(
        "webhook", "add", "alpha", NOWHERE, "--format", "nitf", db=db, env=PRIVATE_OK
    )
    assert added.returncode == 0, added.stderr.decode()
    hook_id, secret = added.stdout.decode().split()
    assert hook_id.startswith("wh_") and len(secret) >= 32 and b"only now" in added.stderr

    listed = newswire("webhook", "list", "--subscriber", "alpha", db=db)
    assert hook_id in listed.stdout.decode() and secret not in listed.stdout.decode()
    # A subscriber or webhook not there is said (the API's 404), not listed as empty.
    for args in (
        ["list", "--subscriber", "nobody"],
        ["deliveries", "--subscriber", "nobody"],
        ["deliveries", "--webhook", "wh_0000000000000000"],
    ):
        missing = newswire("webhook", *args, db=db)
        assert missing.returncode == 1 and b"no " in missing.stderr, args
    store = open_store(db)
    try:
        assert store.webhooks.get(hook_id).secret == secret
    finally:
        store.close()

    assert newswire("webhook", "redeliver", "dl_nothing", db=db).returncode == 1
    assert newswire("webhook", "remove", hook_id, db=db).returncode == 0
    store = open_store(db)
    try:
        assert hook_id not in [w.id for w in store.webhooks.list()]
    finally:
        store.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]:6379/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.8/hook",
        "http://192.168.1.1/",
        "http://0.0.0.0:8000/v1/items",
        "http://[::ffff:127.0.0.1]/",
        "https://printer.local/",
        # Not private in RFC 1918's sense, but not the public internet either: the shared
        # address space of carrier-grade NAT and cloud networks (a metadata service), and
        # 6to4 addresses reaching loopback or link-local.
        "http://100.64.0.1/hook",
        "http://100.100.100.200/latest/meta-data/",
        "http://[2002:7f00:1::]/",
        "http://[2002:a9fe:a9fe::]/latest/meta-data/",
        # Loopback written as the resolver also reads IPv4: short, one number, hex, octal.
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f.0.0.1/",
        "http://017700000001/",
        "http://0177.0.0.1:6379/",
    ],
)
def test_private_addresses_are_refused_unless_the_operator_allows_them(url):
    with pytest.raises(BadInput) as refused:
        check_url(url)
    assert refused.value.field == "url"
    assert check_url(url, allow_private=True) == url
    assert check_url("https://hooks.example.net/newswire") == "https://hooks.example.net/newswire"


def test_a_name_resolving_to_a_private_address_is_refused_at_send_time():
    assert "private" in asyncio.run(refused_target("http://localhost:9/hook"))
    # An address given as a number the resolver reads (not one check_url recognises):
    # judged by where it resolves, the shared address space as well.
    assert "private" in asyncio.run(refused_target("http://1681915905/hook"))  # 100.64.0.1


def test_a_name_that_resolves_to_a_private_address_when_connecting_is_refused_then():
    """DNS rebinding: a name public when ``refused_target`` looks and internal a moment
    later. The sender's own transport checks the address it connects to, whatever was
    checked before: here a request sent straight through it (no check before) to a name
    and to an address that reach this machine never leaves."""
    import socket

    from newswire.delivery.webhooks import PublicTransport

    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]

        async def post(url: str) -> str:
            limits = httpx.Limits(max_connections=None)
            async with httpx.AsyncClient(transport=PublicTransport(limits)) as client:
                with pytest.raises(httpx.ConnectError) as refused:
                    await client.post(url, content=b"{}")
                return str(refused.value)

        for url in (f"http://localhost:{port}/hook", f"http://127.0.0.1:{port}/hook"):
            assert "a private address: refused" in asyncio.run(post(url)), url
        listening.settimeout(0)
        with pytest.raises(BlockingIOError):
            listening.accept()  # nothing ever connected


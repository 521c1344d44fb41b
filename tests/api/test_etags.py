"""An ETag names the bytes it was given with, across restarts: a server that renders a
version otherwise — another teaser length, a newer release of newswire — gives it
another ETag, so a client's ``If-None-Match`` gets the new bytes, not a ``304`` for what
it holds. (The item's ETag was its sequence number, format and access alone, the feed
page's its key and entries: after ``NEWSWIRE_TEASER_CHARS`` went from 600 to 200, every
subscriber revalidating kept the 600-character teasers, answered 304.)
"""

from __future__ import annotations

from urllib.parse import quote

from tests.conftest import SEED
from tests.helpers import Server, free_port, make_key, newswire, retry_until, set_up


def test_an_etag_changes_with_what_renders_the_bytes_and_only_then(tmp_path):
    db = f"sqlite:///{tmp_path / 'news.db'}"
    set_up(
        db,
        ("product", "add", "teasers", "--access", "teaser"),
        ("subscriber", "add", "portal", "--product", "teasers"),
    )
    key = make_key(db, "--subscriber", "portal")
    ingested = newswire("ingest", str(SEED), db=db)
    assert ingested.returncode == 0, ingested.stderr.decode()
    item = f"/v1/items/{quote(ingested.stdout.decode().strip(), safe='')}"
    port = free_port()  # the same each time: files' links start with the server's URL

    def fetch(teaser_chars: str, tags: tuple[str, str] | None = None) -> list:
        """(status, ETag, body) of the item and of the feed's first page, asked with
        ``tags`` (the item's and the page's ETags) as ``If-None-Match``."""
        server = Server(db, env={"NEWSWIRE_TEASER_CHARS": teaser_chars}, port=port)
        try:
            with server.client(key) as client:
                answers = []
                for path, tag in zip((item, "/v1/feed"), tags or ("", ""), strict=True):
                    response = client.get(path, headers={"If-None-Match": tag} if tag else {})
                    answers.append((response.status_code, response.headers["etag"], response.content))
                return answers
        finally:
            server.close()

    (_, item_tag, long_item), (_, page_tag, long_page) = fetch("600")
    # The same code and settings after a restart: the same ETags, 304s.
    assert [status for status, _, _ in fetch("600", (item_tag, page_tag))] == [304, 304]
    # Shorter teasers: new bytes under new ETags, not a 304 for the old ones.
    (item_status, new_item_tag, short_item), (page_status, new_page_tag, short_page) = fetch(
        "200", (item_tag, page_tag)
    )
    assert (item_status, page_status) == (200, 200)
    assert new_item_tag != item_tag and new_page_tag != page_tag
    assert len(short_item) < len(long_item) and len(short_page) < len(long_page)


def test_every_get_of_the_api_answers_with_an_etag_and_revalidates(tmp_path):
    """Not only items, versions and the feed: search, usage, webhooks and the admin
    routes answered with no ``ETag`` and nothing saying that what they answer is the
    key's (a read key sees its subscriber's webhooks, an admin key everyone's). Every
    ``GET`` of the API is revalidated the same way (``newswire.api.revalidate``), ``HEAD``
    with the same headers."""
    db = f"sqlite:///{tmp_path / 'news.db'}"
    set_up(
        db,
        ("product", "add", "full", "--access", "full"),
        ("subscriber", "add", "daily", "--product", "full"),
    )
    read, admin = make_key(db, "--subscriber", "daily"), make_key(db, "--scope", "admin", "--name", "OPS")
    server = Server(db)
    try:
        asked = [
            (read, "/v1/usage"), (read, "/v1/webhooks"), (read, "/v1/webhooks/deliveries"),
            (read, "/v1/search?lang=ar"), (admin, "/v1/admin/products"),
            (admin, "/v1/admin/products/full"), (admin, "/v1/admin/subscribers/daily"),
            (admin, "/v1/admin/keys"), (admin, "/v1/admin/vocabulary?kind=place"),
        ]
        for key, path in asked:
            with server.client(key) as client:
                if path.startswith("/v1/search"):  # 503 until the index is built
                    retry_until(lambda c=client, p=path: c.get(p).status_code == 200, "search")
                first, head = client.get(path), client.head(path)
                assert first.status_code == 200, path
                tag = first.headers.get("etag")
                assert tag and first.headers["cache-control"] == "private, no-cache", path
                assert "Authorization" in first.headers["vary"], path
                assert head.headers["etag"] == tag and head.content == b"", path
                again = client.get(path, headers={"If-None-Match": tag})
                assert again.status_code == 304 and again.content == b"", path
                assert again.headers["etag"] == tag, path
    finally:
        server.close()

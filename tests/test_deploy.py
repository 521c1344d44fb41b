"""The deployment examples (deploy/) and their page (docs/deployment.md) say what newswire
does: every setting they name exists, every file they link is there, and nginx waits
longer than a long poll or a quiet stream. (nginx itself is not installed by the project's
scripts, so its own syntax check is not run here.)"""

from __future__ import annotations

import re

from newswire.api import front
from newswire.delivery.feed import MAX_WAIT
from newswire.settings import BY_NAME, SETTINGS
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
DOC = ROOT / "docs" / "deployment.md"
NGINX = DEPLOY / "nginx" / "newswire.conf"


def _seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)([smh]?)", value).groups()
    return int(number) * {"": 1, "s": 1, "m": 60, "h": 3600}[unit]


def test_every_setting_the_examples_name_exists():
    known = {s.env for s in SETTINGS}
    for path in [DOC, *sorted(p for p in DEPLOY.rglob("*") if p.is_file())]:
        named = set(re.findall(r"NEWSWIRE_[A-Z_]+", path.read_text(encoding="utf-8")))
        assert named <= known, (path.name, named - known)


def test_every_file_the_page_links_exists():
    links = re.findall(r"\]\((\.\./[^)#]+)\)", DOC.read_text(encoding="utf-8"))
    assert links
    for link in links:
        assert (DOC.parent / link).exists(), link
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/deployment.md)" in readme


def test_nginx_waits_longer_than_a_long_poll_and_streams_unbuffered():
    conf = NGINX.read_text(encoding="utf-8")
    assert conf.count("{") == conf.count("}")
    server_wide = re.search(r"\n    proxy_read_timeout (\w+);", conf).group(1)
    assert _seconds(server_wide) > MAX_WAIT
    streams = re.search(r"location ~ \^/\(v1/stream\|v1/ws\|portal/stream\)\$ \{(.*?)\}", conf, re.S)
    body = streams.group(1)
    assert "proxy_buffering off;" in body
    read = re.search(r"proxy_read_timeout (\w+);", body).group(1)
    assert _seconds(read) > 2 * int(BY_NAME["heartbeat"].default)
    for needed in (
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $newswire_connection;",
        "proxy_set_header X-Forwarded-For",
        "proxy_set_header X-Request-Id",
        "keepalive ",
    ):
        assert needed in conf, needed


def _block(conf: str, opening: str) -> str:
    """The directives of the block whose first line begins with ``opening`` (``location …``
    or ``map …``)."""
    start = conf.index(opening)
    return conf[start : conf.index("\n    }\n" if opening.startswith("location") else "\n}\n", start)]


def test_the_media_front_sends_only_files_a_node_named_with_the_nodes_headers():
    conf = NGINX.read_text(encoding="utf-8")
    media = _block(conf, "location ~ ^/v1/items/.+/renditions/[^/]+$")
    # The file's place comes from the node's answer to the decision, never the request.
    assert f"$upstream_http_{front.FILE.lower().replace('-', '_')};" in media
    assert "$http_x_newswire_file" not in conf
    assert "try_files $newswire_media_path @newswire_media;" in media
    # A client's X-Newswire-Front is dropped towards the nodes, the node's file header
    # never reaches a client; the decision alone carries the secret.
    server = conf[conf.index("listen 443") :]
    assert re.search(r"\n    proxy_set_header X-Newswire-Front \"\";", server)
    assert re.search(r"\n    proxy_hide_header X-Newswire-File;", server)
    decision = _block(conf, "location = /.newswire-media-decision")
    assert re.search(r'proxy_set_header X-Newswire-Front "[^"]+";', decision)
    # A yes is kept per request line (with its query), key and range: nothing else decides it.
    assert 'proxy_cache_key "$request_uri $http_authorization $http_range";' in decision
    assert re.search(r"proxy_cache_valid 200 \d+s;", decision)
    # Every refusal, and a conditional request, goes to a node for its own answer.
    assert "error_page 401 403 500 = @newswire_media_refused;" in media
    assert "error_page 418 = @newswire_media;" in media and "return 418;" in media
    # The node's headers, not nginx's own guesses: its type, its ETag.
    for header in ("Content-Type $newswire_media_type", "ETag $newswire_media_etag",
                   "Cache-Control $newswire_media_cache", "Vary $newswire_media_vary"):
        assert f"add_header {header};" in media, header
    assert 'default_type "";' in media and "etag off;" in media

"""The deployment examples (deploy/) and their page (docs/deployment.md) say what newswire
does: every setting they name exists, every file they link is there, and nginx waits
longer than a long poll or a quiet stream. (The media front is run by the real nginx in
tests/api/test_media_front_nginx.py; the rest of the example needs certificates.)"""

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
    assert f'header["{front.FILE.lower()}"]' in media
    assert "$http_x_newswire_file" not in conf and "http_x_newswire_file" not in media
    assert "try_files $newswire_media_path @newswire_media;" in media
    # A client's X-Newswire-Front is dropped towards the nodes, the node's file header
    # never reaches a client (the decision's answer alone passes it, to the Lua); the
    # decision alone carries the secret.
    server = conf[conf.index("listen 443") :]
    assert re.search(r"\n    proxy_set_header X-Newswire-Front \"\";", server)
    assert re.search(r"\n    proxy_hide_header X-Newswire-File;", server)
    decision = _block(conf, "location = /.newswire-media-decision")
    assert re.search(r'proxy_set_header X-Newswire-Front "[^"]+";', decision)
    assert f"proxy_pass_header {front.FILE};" in decision
    assert conf.count("proxy_pass_header") == 1
    # A yes is kept per request line (with its query), key and range: nothing else
    # decides it; 1 s in the shared memory and in each worker's copy.
    assert 'var.request_uri .. "\\n" .. (var.http_authorization or "")' in media
    assert '.. "\\n" .. (var.http_range or "")' in media
    assert "local keep = 1\n" in media
    assert "decided:set(key, kept, keep)" in media and "ngx.now() + keep)" in media
    # Every refusal, a conditional request and any method but GET and HEAD go to a node
    # for its own answer.
    assert re.search(r"if told.status ~= 200 then\s+decided:delete\(asking\)\s+"
                     r'return ngx.exec\("@newswire_media"\)', media)
    assert "error_page 418 = @newswire_media;" in media and "return 418;" in media
    to_node = _block(conf, "map \"$request_method $http_if_none_match")
    assert re.findall(r'^ +"(\w+) " +0;$', to_node, re.M) == ["GET", "HEAD"]
    # The node's headers, not nginx's own guesses: its type, its ETag.
    for header in ("Content-Type $newswire_media_type", "ETag $newswire_media_etag",
                   "Cache-Control $newswire_media_cache", "Vary $newswire_media_vary"):
        assert f"add_header {header};" in media, header
    assert 'default_type "";' in media and "etag off;" in media
    # The module it needs is named where an operator reads it.
    assert "load_module modules/ngx_http_lua_module.so;" in conf
    assert "libnginx-mod-http-lua" in conf and "libnginx-mod-http-lua" in DOC.read_text(encoding="utf-8")

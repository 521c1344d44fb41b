"""The deployment examples (deploy/) and their page (docs/deployment.md) say what newswire
does: every setting they name exists, every file they link is there, and nginx waits
longer than a long poll or a quiet stream. (nginx itself is not installed by the project's
scripts, so its own syntax check is not run here.)"""

from __future__ import annotations

import re

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

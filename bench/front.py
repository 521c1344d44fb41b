"""The media front of deploy/nginx/newswire.conf as nginx runs it here: its parts taken from
the file as they are (between the ``media front`` marker comments), the machine's folders,
the node's address and the secret put in, and nginx's Lua module loaded.

bench/media_http.py measures it; tests/api/test_media_front_nginx.py runs it in front of a
node and checks what it answers. ``front_config(...)`` gives the configuration for
``bench.common.Nginx(config=...)``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from bench.common import NGINX_TEMP, NGINX_TOP

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy" / "nginx" / "newswire.conf"
MODULES = Path("/usr/lib/nginx/modules")
"""Where Debian's nginx keeps its dynamic modules (libnginx-mod-*)."""
LUA = ("ndk_http_module.so", "ngx_http_lua_module.so")
"""The Lua module and the development kit it needs first (libnginx-mod-http-lua)."""


def _part(text: str, name: str, where: str = str(DEPLOY)) -> str:
    """The lines between the deploy file's ``# --- media front, NAME part`` and ``# ---
    end of the media front's NAME part`` markers."""
    found = re.search(
        rf"^ *# --- media front, {name} part.*?\n(.*?)^ *# --- end of the media front's {name} part",
        text,
        re.M | re.S,
    )
    if found is None:
        raise SystemExit(f"{where} has no media front {name} part")
    return found.group(1)


def lua_modules() -> str:
    """The ``load_module`` lines nginx needs for ``access_by_lua_block`` (none when the
    Lua module is built in, as in OpenResty); installs Debian's nginx and its Lua module
    when either is missing (``scripts/services.sh front``)."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if Path(binary).exists():
        built = subprocess.run([binary, "-V"], capture_output=True, text=True, timeout=10).stderr
        if re.search(r"--add-module=\S*(ngx_lua|lua-nginx-module)", built):
            return ""
    if not Path(binary).exists() or not all((MODULES / name).exists() for name in LUA):
        done = subprocess.run(
            ["bash", str(ROOT / "scripts" / "services.sh"), "front"],
            capture_output=True, text=True, timeout=600, check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"scripts/services.sh front failed: {done.stderr}")
    return "".join(f"load_module {MODULES / name};\n" for name in LUA)


def front_config(
    work: Path, blobs: Path, node: int, secret: str, text: str | None = None
) -> Callable[[int], str]:
    """nginx's configuration for the front: the deploy file's media parts (``text``, the
    file as it is unless given, e.g. an earlier revision's) and what they use from the
    rest of it (its maps, its server-wide proxy settings), with this machine's folders,
    the node's address on 127.0.0.1 and ``secret`` put in."""
    text = DEPLOY.read_text(encoding="utf-8") if text is None else text
    http, server = _part(text, "http"), _part(text, "server")
    rest = text.replace(http, "")
    maps = "".join(re.findall(r"^map .*?^}\n", rest, re.M | re.S))
    main = rest[rest.index("server_name news.example.com;\n\n    ssl_"):]
    proxying = "\n".join(re.findall(r"^    proxy_\w+ .*;$", main.replace(server, ""), re.M))
    swaps = {
        "root /var/lib/newswire/blobs;": f"root {blobs};",
        '"change-this-secret"': f'"{secret}"',
    }
    for old, new in swaps.items():
        if old not in http + server:
            raise SystemExit(f"{DEPLOY}: {old!r} is no longer in the media front")
        http, server = http.replace(old, new), server.replace(old, new)
    # The proxy_cache front before the Lua one (a revision's text) kept its decisions here.
    cache = "/var/lib/nginx/newswire-media"
    http = http.replace(cache, str(work / "media-cache"))
    modules = lua_modules() if "lua_" in http + server else ""
    (work / "tmp").mkdir(parents=True, exist_ok=True)

    top, temp = NGINX_TOP.format(workers=1, work=work), NGINX_TEMP.format(work=work)

    # No sendfile or tcp_nopush in the http block: the media part turns on what it needs
    # itself (a distribution's nginx.conf may or may not).
    def config(port: int) -> str:
        return f"""\
{modules}{top}http {{
    access_log off;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 10000000;
{temp}    upstream newswire {{
        server 127.0.0.1:{node};
        keepalive 64;
    }}
{maps}{http}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
{proxying}
{server}
        location / {{
            proxy_pass http://newswire;
        }}
    }}
}}
"""

    return config

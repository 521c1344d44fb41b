#!/usr/bin/env bash
# Make sure the services the tests use are up on 127.0.0.1, starting only what is missing.
# Idempotent and quiet on success; says what failed and exits non-zero otherwise.
#
#   scripts/services.sh          every service
#   scripts/services.sh nats     only those named
#
# Each service is one function `<name>_up`; add Redis as `redis_up` and list it in SERVICES.
set -euo pipefail

SERVICES=(nats postgres chromium axe media front)
WAIT_SECONDS=10

log() { echo "services: $*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# port_open PORT: is something listening on 127.0.0.1:PORT?
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_port NAME PORT: wait up to WAIT_SECONDS for the port, or fail naming the service.
wait_port() {
    local name=$1 port=$2 tries=$((WAIT_SECONDS * 10))
    while ! port_open "$port"; do
        tries=$((tries - 1))
        if [ "$tries" -le 0 ]; then
            log "$name is not listening on 127.0.0.1:$port after ${WAIT_SECONDS}s"
            return 1
        fi
        sleep 0.1
    done
}

# apt_install PACKAGE: install a Debian package, quietly unless it fails.
apt_install() {
    local out
    if ! out=$(as_root apt-get update -qq 2>&1 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" 2>&1); then
        printf '%s\n' "$out" >&2
        log "could not install $1"
        return 1
    fi
}

# NATS with JetStream on 4222.
nats_up() {
    port_open 4222 && return 0
    if [ ! -x /usr/sbin/nats-server ]; then
        apt_install nats-server
    fi
    as_root mkdir -p /var/lib/nats-server
    as_root start-stop-daemon --start --oknodo --quiet --background --exec /usr/sbin/nats-server -- \
        -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
    wait_port nats 4222
}

# PostgreSQL on 5432, for the tests of the postgres store (tests/conftest.py makes a database
# per test as user postgres, without a password, on 127.0.0.1). Debian's cluster is started
# without systemd; a server this script installs is set to trust local TCP connections.
postgres_up() {
    port_open 5432 && return 0
    local version installed=no
    if ! compgen -G "/etc/postgresql/*/main" >/dev/null; then
        apt_install postgresql
        installed=yes
    fi
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    if [ "$installed" = yes ]; then
        as_root sed -i '1i host all postgres 127.0.0.1/32 trust' "/etc/postgresql/$version/main/pg_hba.conf"
    fi
    if port_open 5432; then
        # The package started it already: it only has to read pg_hba.conf again.
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    else
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
    fi
    wait_port postgres 5432
}

# Debian's Chromium for the browser tests (Playwright drives it; its own browser download
# does not work on a closed network).
chromium_up() {
    [ -x /usr/bin/chromium ] || apt_install chromium
}

# axe-core (accessibility checks injected by the browser tests), from the npm registry,
# into the virtualenv: .venv/axe/node_modules/axe-core/axe.min.js
axe_up() {
    local root
    root="$(cd "$(dirname "$0")/.." && pwd)/.venv/axe"
    [ -f "$root/node_modules/axe-core/axe.min.js" ] && return 0
    if ! command -v npm >/dev/null; then
        apt_install npm
    fi
    mkdir -p "$root"
    if ! npm install --silent --no-audit --no-fund --prefix "$root" axe-core@4 >&2; then
        log "could not install axe-core from the npm registry"
        return 1
    fi
}

# The media library's tools (newswire/media): exiftool reads IPTC, XMP and EXIF; ffmpeg's
# ffprobe and ffmpeg read and transcode video; libvips (its shared library for pyvips, its
# command line for bench/renditions.py) makes picture renditions, HEIC through libheif.
media_up() {
    command -v exiftool >/dev/null || apt_install libimage-exiftool-perl
    command -v ffprobe >/dev/null || apt_install ffmpeg
    command -v vips >/dev/null || apt_install libvips-tools
}

# nginx with its Lua module (Debian's libnginx-mod-http-lua; OpenResty has it built in): the
# media front of deploy/nginx/newswire.conf, which tests/api/test_media_front_nginx.py runs as
# shipped and bench/media_http.py measures.
front_up() {
    [ -x /usr/sbin/nginx ] || apt_install nginx
    [ -e /usr/lib/nginx/modules/ngx_http_lua_module.so ] || apt_install libnginx-mod-http-lua
}

# The native peers the benchmarks measure newswire against (bench/*.py): nginx (with the
# nchan module for streams) and wrk. Not in SERVICES: the tests do not need them; the
# make bench-* targets ask for them (scripts/services.sh peers).
peers_up() {
    front_up
    [ -e /usr/lib/nginx/modules/ngx_nchan_module.so ] || apt_install libnginx-mod-nchan
    command -v wrk >/dev/null || apt_install wrk
}

main() {
    local name
    local -a wanted=("$@")
    [ ${#wanted[@]} -gt 0 ] || wanted=("${SERVICES[@]}")
    for name in "${wanted[@]}"; do
        if ! declare -F "${name}_up" >/dev/null; then
            log "unknown service $name (known: ${SERVICES[*]} peers)"
            return 2
        fi
        "${name}_up"
    done
}

main "$@"

"""Settings are a table: each has a name, a default, an environment variable and help.

The CLI reads its option defaults from here and ``newswire settings`` prints the table,
so a setting cannot exist without being documented (tests/test_docs.py checks the docs).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from newswire.errors import BadInput


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: str
    help: str

    @property
    def env(self) -> str:
        return "NEWSWIRE_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "sqlite:///./newswire.db", "Database URL of the store."),
    Setting(
        "sqlite_busy_timeout",
        "10",
        "Seconds a write to a SQLite database waits for another process's write (a bulk"
        " ingest, a backup's lock) before it gives up: the API answers 503 with"
        " Retry-After, a command says the database is busy.",
    ),
    Setting("host", "127.0.0.1", "Address `newswire serve` listens on."),
    Setting("port", "8000", "Port `newswire serve` listens on."),
    Setting(
        "workers",
        "auto",
        "Server processes sharing the port (`newswire serve --workers N`); `auto`: one per"
        " CPU this process may run on; at most 4 per CPU. Each process keeps its own caches"
        " and live connections; they coordinate through the store.",
    ),
    Setting(
        "access_log",
        "no",
        "`yes` writes a line per request on stderr. Off by default: it took a quarter to a"
        " third of a busy process's time on the feed (profiled); the proxy in front of"
        " newswire usually logs requests already.",
    ),
    Setting(
        "log_format",
        "text",
        "`text` (lines for people) or `json` (one JSON object a line: time, level, logger,"
        " message, request_id, and method, path, status, duration_ms on access lines) for"
        " what `newswire serve` logs on stderr.",
    ),
    Setting(
        "metrics_dir",
        "",
        "Folder where the processes of `serve --workers N` leave their metrics for"
        " `/metrics` to sum (default: a new temporary folder each time the server starts).",
    ),
    Setting(
        "cache_dir",
        "",
        "Folder where a process keeps what it builds before its first enriched item (the"
        " automaton of the vocabulary's and the gazetteer's names, the table of frequent"
        " words) for the next process to load instead (default: `$XDG_CACHE_HOME/newswire`,"
        " else `~/.cache/newswire`); `off` keeps nothing.",
    ),
    Setting(
        "max_item_bytes",
        str(10 * 1024 * 1024),
        "Largest item accepted, in bytes (files and HTTP bodies); larger ones get 413.",
    ),
    Setting(
        "max_media_bytes",
        str(512 * 1024 * 1024),
        "Largest picture or video file taken in, in bytes (`newswire ingest`, and the body of"
        " `POST /v1/items`); larger ones get 413.",
    ),
    Setting(
        "media_seconds",
        "300",
        "Longest a picture or video file may take to be read and made into renditions, in"
        " seconds (video transcoding is what takes long); past it the file is refused (422).",
    ),
    Setting(
        "media_memory_bytes",
        str(1024**3),
        "Most memory each process working on one picture or video file may take, in bytes"
        " (the worker, and exiftool, ffprobe and ffmpeg under it); past it the file is refused.",
    ),
    Setting(
        "iptc_charset",
        "cp1252",
        "Character set of a picture's IPTC-IIM text when the file declares none and the text"
        " is not valid UTF-8 (which is read as UTF-8): what the agency's older desktop tools"
        " wrote, `cp1252` (Western) or `cp1256` (Arabic Windows), or another of exiftool's"
        " names (`exiftool -charset` lists them).",
    ),
    Setting(
        "base_url",
        "",
        "Public URL of the server, an absolute http(s) URL (`https://wire.agency.example`),"
        " for links in feeds and to files (default: each server"
        " process takes the address of the first request it serves that bears a key it"
        " accepts, not a probe of /health, /ready or /metrics, and links every file by"
        " it).",
    ),
    Setting(
        "bus",
        "memory://",
        "Event bus URL: `memory://` (one process) or `nats://host:4222` (several nodes).",
    ),
    Setting(
        "search_index",
        "",
        "Folder of the search index (derived from the store, rebuilt when missing);"
        " default: beside the SQLite database (`newswire.db.search`), in memory for an"
        " in-memory database.",
    ),
    Setting(
        "blobs",
        "",
        "Where pictures, video and their renditions are kept: `file:///folder` (a volume every"
        " node mounts) or the store's URL; default: beside the SQLite database"
        " (`newswire.db.blobs`), in the PostgreSQL database (large objects), in a temporary"
        " folder for an in-memory database.",
    ),
    Setting(
        "media_front",
        "",
        "A secret the nginx front in front of the nodes sends (`X-Newswire-Front`) when it"
        " asks whether a caller may download a rendition (deploy/nginx/newswire.conf): such"
        " a request is answered, when allowed, with the file's place in the blob folder"
        " (`X-Newswire-File`) and its headers instead of its bytes, and nginx sends the"
        " bytes. Empty (the default): every request gets the bytes.",
    ),
    Setting("teaser_chars", "600", "Longest teaser (teaser access, public site), in characters."),
    Setting(
        "stream_buffer",
        "2000",
        "Events a live connection may fall behind before it is closed (it resumes by cursor).",
    ),
    Setting("heartbeat", "15", "Seconds between heartbeats on a quiet live stream."),
    Setting(
        "shutdown_seconds",
        "30",
        "Longest a stopping server waits for the requests under way (an upload being taken"
        " in, renditions being made), in seconds, before it answers them 503; live streams"
        " and long polls end at once.",
    ),
    Setting(
        "keepalive_seconds",
        "75",
        "Seconds an idle HTTP connection stays open for the client's next request. Longer"
        " than clients keep idle connections themselves (httpx 5 s, browsers 60 s or more),"
        " so that a client polling every few seconds does not send on a connection the"
        " server is closing.",
    ),
    Setting(
        "feed_tail",
        "2000",
        "Latest log entries each server process keeps in memory (with their items, about"
        " 20 KB each) to assemble pull-feed pages and follow-up reads without the store;"
        " a cursor older than these reads the store.",
    ),
    Setting(
        "webhook_timeout",
        "10",
        "Seconds a webhook POST may take in all (connect, send, answer) before it is cut.",
    ),
    Setting(
        "webhook_retry_base",
        "10",
        "Seconds before a failed webhook delivery's first retry; each retry waits twice as"
        " long (up to an hour), give or take a random fifth.",
    ),
    Setting(
        "webhook_retry_for",
        "86400",
        "Seconds a failing webhook delivery is retried from its first attempt before it"
        " becomes a dead letter (status failed) and its endpoint moves on.",
    ),
    Setting(
        "webhook_keep_days",
        "30",
        "Days a webhook delivery is kept once delivered or given up (a dead letter): the"
        " deliveries list and redelivery reach back this far. Each server removes older ones"
        " at start and every hour (`newswire webhook purge` at once); a pending delivery is"
        " never removed.",
    ),
    Setting(
        "webhook_allow_private",
        "no",
        "`yes` lets webhooks reach loopback, private and link-local addresses (tests, closed"
        " networks); by default they are refused, so a subscriber cannot probe the agency's"
        " own network.",
    ),
    Setting(
        "enrich",
        "all",
        "Enrichment run on every item before it is stored: `all` (language, dateline,"
        " entities, subjects, threads), `none`, or a comma-separated list of those steps.",
    ),
    Setting(
        "public_name",
        "newswire",
        "The agency's name on the public site, its feeds and its Google News sitemap; the"
        " provider NewsML-G2 names (marked inferred) for an item that has none.",
    ),
    Setting(
        "public_languages",
        "ar,en",
        "Languages the public site's menu offers on every page, comma-separated (BCP 47"
        " tags of ISO 639 languages): an agency publishing in Turkish adds `tr`, so that"
        " its readers find /tr/ from any page. A page's own language is offered on it too.",
    ),
    Setting(
        "timezone",
        "UTC",
        "The agency's time zone, an IANA name (`Europe/Istanbul`, `Asia/Riyadh`): the"
        " public site and the subscriber portal show times and days in it, and the"
        " editors' console shows and takes times in it until an editor chooses another"
        " for their browser; what is stored and sent stays UTC.",
    ),
    Setting(
        "public_contact",
        "",
        "How to reach the subscriptions desk, shown on the public /subscribe page: an"
        " e-mail address, a URL or any text (default: a sentence asking readers to contact"
        " the agency's subscriptions desk).",
    ),
)

BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> str:
    """The value of a setting: its environment variable if set, else its default."""
    s = BY_NAME[name]
    return os.environ.get(s.env, s.default)


SECRET_SETTINGS = frozenset({"media_front"})
"""Settings whose whole value is a secret: printed as ``***`` when set."""


def without_password(url: str) -> str:
    """``url`` with the password it holds, if any, printed as ``***``
    (``postgresql://newswire:***@db.internal/newswire``)."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:  # not a URL a password could be read from: nothing to hide in it
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def shown(name: str, value: str) -> str:
    """A setting's value as commands print it (``newswire settings``): the database's
    password, which the deployment keeps in a file only root reads, and the front's
    secret are not put on a terminal, or in the ticket its output is pasted into."""
    if name in SECRET_SETTINGS:
        return "***" if value else value
    return without_password(value)


def int_setting(name: str) -> int:
    """A setting that is a positive whole number."""
    value = setting(name)
    try:
        number = int(value)
    except ValueError:
        raise BadInput(f"{BY_NAME[name].env}={value!r} is not a whole number", field=name) from None
    if number < 1:
        raise BadInput(f"{BY_NAME[name].env}={value!r}: it must be 1 or more", field=name)
    return number


MAX_WORKERS_PER_CPU = 4
"""Server processes a CPU may have at most. One process keeps one core busy (its streams
and long polls are coroutines, not processes) and up to about 200 MB of caches: more
than a few per CPU only divide the same cores and multiply the memory. A typo such as
``--workers 99999`` started processes until the machine ran out of memory."""


def cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def workers_setting(value: str | None = None) -> int:
    """Server processes: a whole number from 1 to ``MAX_WORKERS_PER_CPU`` per CPU, or
    ``auto`` (one per CPU this process may run on)."""
    value = (setting("workers") if value is None else value).strip().lower()
    if value == "auto":
        return cpus()
    try:
        number = int(value)
    except ValueError:
        raise BadInput(
            f"{value!r}: say a whole number of processes, or auto", field="workers"
        ) from None
    if number < 1:
        raise BadInput(f"{value!r}: it must be 1 or more", field="workers")
    most = MAX_WORKERS_PER_CPU * cpus()
    if number > most:
        raise BadInput(
            f"{value!r}: at most {MAX_WORKERS_PER_CPU} per CPU ({most} here): a process keeps"
            " a core busy and up to about 200 MB; auto is one per CPU",
            field="workers",
        )
    return number


def steps_setting(value: str | None = None) -> tuple[str, ...]:
    """The enrichment steps to run: ``all``, ``none`` or a comma-separated list."""
    from newswire.enrich.base import STEPS  # here: settings are read before anything else

    value = (setting("enrich") if value is None else value).strip().lower()
    if value == "all":
        return STEPS
    if value in ("none", "off", "no", ""):
        return ()
    names = tuple(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        raise BadInput(
            f"{unknown[0]!r} is not an enrichment step; say all, none or some of "
            + ", ".join(STEPS),
            field="enrich",
        )
    return names


IPTC_CHARSETS = frozenset({
    "utf8", "latin", "latin2", "cyrillic", "greek", "turkish", "hebrew", "arabic", "baltic",
    "vietnam", "thai", "doslatinus", "doslatin1", "doscyrillic", "macroman", "maclatin2",
    "maccyrillic", "macgreek", "macturkish", "macromanian", "maciceland", "maccroatian",
    *(f"cp{n}" for n in (*range(1250, 1259), 874, 437, 850, 866)),
})
"""exiftool's names of the character sets it reads IPTC-IIM text in, and their code
page aliases (lower case, without hyphens)."""


def languages_setting(name: str = "public_languages") -> tuple[str, ...]:
    """Language tags, comma-separated, each well formed and naming an ISO 639 language:
    ``ar,en,tr`` (lower-cased, each once, in the order given)."""
    from newswire.validation import LANGUAGE_TAG, unknown_language

    value = setting(name)
    tags = tuple(dict.fromkeys(t.strip().lower() for t in value.split(",") if t.strip()))
    if not tags:
        raise BadInput(f"{BY_NAME[name].env}={value!r}: name one language or more", field=name)
    for tag in tags:
        if not LANGUAGE_TAG.fullmatch(tag) or unknown_language(tag):
            raise BadInput(
                f"{BY_NAME[name].env}={value!r}: {tag!r} is no language tag of ISO 639",
                field=name,
            )
    return tags


def charset_setting(name: str = "iptc_charset") -> str:
    """A character set exiftool reads IPTC-IIM text in (``cp1256``, ``Arabic``, ``UTF-8``)."""
    value = setting(name).strip()
    if value.lower().replace("-", "") not in IPTC_CHARSETS:
        raise BadInput(
            f"{BY_NAME[name].env}={value!r} is not a character set exiftool reads IPTC"
            " text in (cp1252, cp1256, utf8, ...: `exiftool -charset` lists them)",
            field=name,
        )
    return value.replace("-", "")


def base_url_setting(name: str = "base_url") -> str:
    """The server's public URL: "" (each process takes its first request's), or an
    absolute http(s) URL with a host (a path allowed, no query nor fragment). Links are made by appending paths to it: ``notaurl`` made every feed
    and file link a relative one that led nowhere."""
    from urllib.parse import urlsplit

    value = setting(name).strip()
    if not value:
        return ""
    why = ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as exc:
        why = str(exc)
    else:
        if parts.scheme.lower() not in ("http", "https"):
            why = "it must start with http:// or https://"
        elif not parts.hostname:
            why = "it has no host"
        elif parts.query or parts.fragment or value.endswith(("?", "#")):
            why = "paths are added to it: no ? or # part"
        elif any(c.isspace() for c in value):
            why = "it has a space in it"
    if why:
        raise BadInput(
            f"{BY_NAME[name].env}={value!r} is not the server's public URL ({why}), e.g."
            " https://wire.agency.example",
            field=name,
        )
    return value


@cache
def _zone_names() -> dict[str, str]:
    from zoneinfo import available_timezones

    names = {n.lower(): n for n in available_timezones()}
    names["utc"] = "UTC"
    return names


def zone_name(value: str) -> str:
    """The IANA name of the time zone ``value`` names, written as the database writes it
    (``europe/istanbul`` is ``Europe/Istanbul``); ``""`` when it names none."""
    return _zone_names().get(value.strip().lower(), "") if len(value) <= 64 else ""


def timezone_setting(name: str = "timezone") -> str:
    """A time zone's IANA name (``Europe/Istanbul``; ``UTC``)."""
    value = setting(name)
    found = zone_name(value)
    if not found:
        raise BadInput(
            f"{BY_NAME[name].env}={value!r} is no time zone: give an IANA name such as"
            " Europe/Istanbul, Asia/Riyadh or UTC",
            field=name,
        )
    return found


def flag_setting(name: str) -> bool:
    """A yes/no setting (yes, true, on, 1 / no, false, off, 0)."""
    value = setting(name).strip().lower()
    if value in ("yes", "true", "on", "1"):
        return True
    if value in ("no", "false", "off", "0", ""):
        return False
    raise BadInput(f"{BY_NAME[name].env}={value!r}: say yes or no", field=name)


def number_setting(name: str) -> float:
    """A setting that is a positive number of seconds (``0.5`` allowed)."""
    value = setting(name)
    try:
        number = float(value)
    except ValueError:
        raise BadInput(f"{BY_NAME[name].env}={value!r} is not a number", field=name) from None
    if not number > 0 or number == float("inf"):
        raise BadInput(f"{BY_NAME[name].env}={value!r}: it must be more than 0", field=name)
    return number


def problems() -> dict[str, str]:
    """Each setting whose current value the commands and the server would refuse, with
    why: its name → the reason (``newswire settings`` says them; ``serve`` stops at the
    first). The settings ``Settings`` reads, checked by its own readers, and the server's
    port and processes, and what the server and the commands check as they open the
    store, the bus and the blob store (without opening them: no database or folder made,
    no connection), SQLite's busy timeout and the log format."""
    from dataclasses import MISSING, fields

    from newswire import blobs, bus, store
    from newswire.logs import log_format

    found: dict[str, str] = {}
    for f in fields(Settings):
        if f.default_factory is MISSING:
            continue
        try:
            f.default_factory()
        except BadInput as exc:
            found[f.name] = exc.detail
    checks: dict[str, Callable[[], object]] = {
        "db": lambda: store.backend(setting("db")),
        "sqlite_busy_timeout": lambda: int_setting("sqlite_busy_timeout"),
        "bus": lambda: bus.open_bus(setting("bus")),  # reads the URL only: no connection
        "blobs": lambda: setting("blobs") and blobs.backend(setting("blobs")),
        "log_format": lambda: log_format(setting("log_format")),
    }
    for name, check in checks.items():
        try:
            check()
        except BadInput as exc:
            found[name] = exc.detail
    port = setting("port")
    if not (port.strip().isdigit() and 0 <= int(port) <= 65535):
        found["port"] = f"{BY_NAME['port'].env}={port!r} is not a port (0 to 65535)"
    try:
        workers_setting()
    except BadInput as exc:
        found["workers"] = f"{BY_NAME['workers'].env}={exc.detail}"
    return found


@dataclass(frozen=True, slots=True)
class Settings:
    db: str = field(default_factory=lambda: setting("db"))
    max_item_bytes: int = field(default_factory=lambda: int_setting("max_item_bytes"))
    max_media_bytes: int = field(default_factory=lambda: int_setting("max_media_bytes"))
    iptc_charset: str = field(default_factory=charset_setting)
    media_seconds: float = field(default_factory=lambda: number_setting("media_seconds"))
    media_memory_bytes: int = field(default_factory=lambda: int_setting("media_memory_bytes"))
    base_url: str = field(default_factory=base_url_setting)
    bus: str = field(default_factory=lambda: setting("bus"))
    search_index: str = field(default_factory=lambda: setting("search_index"))
    blobs: str = field(default_factory=lambda: setting("blobs"))
    media_front: str = field(default_factory=lambda: setting("media_front"))
    teaser_chars: int = field(default_factory=lambda: int_setting("teaser_chars"))
    stream_buffer: int = field(default_factory=lambda: int_setting("stream_buffer"))
    heartbeat: int = field(default_factory=lambda: int_setting("heartbeat"))
    shutdown_seconds: int = field(default_factory=lambda: int_setting("shutdown_seconds"))
    keepalive_seconds: int = field(default_factory=lambda: int_setting("keepalive_seconds"))
    feed_tail: int = field(default_factory=lambda: int_setting("feed_tail"))
    metrics_dir: str = field(default_factory=lambda: setting("metrics_dir"))
    access_log: bool = field(default_factory=lambda: flag_setting("access_log"))
    enrich: tuple[str, ...] = field(default_factory=steps_setting)
    log_format: str = field(default_factory=lambda: setting("log_format"))
    webhook_timeout: float = field(default_factory=lambda: number_setting("webhook_timeout"))
    webhook_retry_base: float = field(default_factory=lambda: number_setting("webhook_retry_base"))
    webhook_retry_for: float = field(default_factory=lambda: number_setting("webhook_retry_for"))
    webhook_keep_days: int = field(default_factory=lambda: int_setting("webhook_keep_days"))
    webhook_allow_private: bool = field(
        default_factory=lambda: flag_setting("webhook_allow_private")
    )
    public_name: str = field(default_factory=lambda: setting("public_name"))
    public_contact: str = field(default_factory=lambda: setting("public_contact"))
    public_languages: tuple[str, ...] = field(default_factory=languages_setting)
    timezone: str = field(default_factory=timezone_setting)

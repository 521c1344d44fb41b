"""``Site``: what the public site needs per application (settings, caches, templates).

Templates are compiled once, when this module is imported; a ``Site`` is made once per
application, on its first public request, and kept in ``app.state``. Its ``fingerprint``
hashes everything a page is made from besides the item itself (the settings the site
uses, the templates, the stylesheet, the interface strings, the CLDR data its dates are
written with, and the release), so that a change to any of them changes every ``ETag``.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import babel
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from starlette.requests import Request

from newswire import __version__
from newswire.settings import Settings
from newswire.web import i18n
from newswire.web.public.cache import LRU
from newswire.web.public.memo import Known
from newswire.web.public.visible import FirstPublic

HERE = Path(__file__).resolve().parent
TEMPLATE_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

ENV = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,
    undefined=StrictUndefined,
    auto_reload=False,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES: dict[str, Template] = {
    name: ENV.get_template(f"public_{name}.html")
    for name in ("base", "item", "home", "section", "teasers", "message", "subscribe")
}
"""The public site's templates (``templates/public_*.html``), compiled once."""


def _digest(*parts: bytes) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part)
        h.update(b"\x1f")
    return h.hexdigest()


CSS_VERSION = _digest((STATIC_DIR / "public.css").read_bytes())[:12]
_MADE_OF = _digest(
    __version__.encode(),
    repr(sorted((k, sorted(v.items())) for k, v in i18n.UI.items())).encode(),
    babel.__version__.encode(),  # its CLDR data: how dates are written
    *(Path(t.filename or "").read_bytes() for t in TEMPLATES.values()),
    CSS_VERSION.encode(),
)


@dataclass
class Site:
    name: str
    contact: str
    teaser_chars: int
    base_url: str
    """The ``base_url`` setting ("": from each request)."""
    languages: tuple[str, ...] = ("ar", "en")
    """The ``public_languages`` setting: the languages the menu offers on every page."""
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    """The ``timezone`` setting: pages show times and days (Gregorian and Hijri) in it."""
    fingerprint: str = ""
    pages: LRU[bytes] = field(default_factory=lambda: LRU(4096))
    """Rendered item pages, by (id, version, base URL)."""
    lists: LRU[bytes] = field(default_factory=lambda: LRU(512))
    """Rendered home pages, feeds, sitemaps and fixed pages, by what they show."""
    older: LRU[bytes] = field(default_factory=lambda: LRU(64))
    """Rendered older pages of a list (a section's ``?before=``), apart: a number a client
    makes up is a page of its own, which would push the pages every reader asks for out
    of ``lists``."""
    known: LRU[Known] = field(default_factory=lambda: LRU(16384))
    """What the public may see of each item id lately asked for (``newswire.web.public.memo``)."""
    firsts: FirstPublic = field(default_factory=lambda: LRU(16384))
    """When the public could first read each update lately listed, by (id, version): its
    history read once, not at every list made (``newswire.web.public.visible``)."""
    css: str = f"/static/public.css?v={CSS_VERSION}"
    kept: dict[str, bytes] = field(default_factory=dict)
    """The signing secret of the pictures' links, read once (``pictures.secret``)."""

    def __post_init__(self) -> None:
        self.fingerprint = _digest(
            _MADE_OF.encode(),
            self.name.encode(),
            self.contact.encode(),
            str(self.teaser_chars).encode(),
            ",".join(self.languages).encode(),
            self.zone.key.encode(),
        )[:16]

    @classmethod
    def from_settings(cls, settings: Settings) -> Site:
        return cls(
            name=settings.public_name,
            contact=settings.public_contact,
            teaser_chars=settings.teaser_chars,
            base_url=settings.base_url,
            languages=settings.public_languages,
            zone=ZoneInfo(settings.timezone),
        )

    def base(self, request: Request) -> str:
        """The public URL of the site, ending in ``/``."""
        return (self.base_url or str(request.base_url)).rstrip("/") + "/"


_LOCK = threading.Lock()


def site_of(request: Request) -> Site:
    state = request.app.state
    found = getattr(state, "public_site", None)
    if found is None:
        with _LOCK:
            found = getattr(state, "public_site", None)
            if found is None:
                found = state.public_site = Site.from_settings(state.settings)
    return found

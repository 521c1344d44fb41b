"""The format registry: every codec, found by name in one table.

Adding a format is one module with a ``Codec`` and one line in ``_BUILTIN``.
"""

from __future__ import annotations

import msgspec

from newswire.errors import NotAcceptable, ParseError, UnsupportedFormat
from newswire.formats import feeds, newsml, ninjs, nitf, text
from newswire.formats.base import Codec, FeedMeta
from newswire.formats.xmlsafe import root_localname
from newswire.names import DEFAULT_FORMAT

_BUILTIN: tuple[Codec, ...] = (
    ninjs.NINJS3,
    ninjs.NINJS2,
    newsml.CODEC,
    nitf.CODEC,
    feeds.RSS,
    feeds.ATOM,
    feeds.JSONFEED,
    text.CODEC,  # last: sniffing falls back to plain text
)


def _table(codecs: tuple[Codec, ...]) -> dict[str, Codec]:
    table: dict[str, Codec] = {}
    for codec in codecs:
        if codec.name in table:
            raise ValueError(f"two codecs are named {codec.name!r}")
        table[codec.name] = codec
    return table


CODECS: dict[str, Codec] = _table(_BUILTIN)
DEFAULT = DEFAULT_FORMAT

__all__ = ["CODECS", "DEFAULT", "Codec", "FeedMeta", "detect", "for_media_type", "get"]


def get(name: str) -> Codec:
    try:
        return CODECS[name.lower()]
    except KeyError:
        known = ", ".join(CODECS)
        raise UnsupportedFormat(
            f"unknown format {name!r} (known: {known})", field="format"
        ) from None


def parsers() -> list[str]:
    return [name for name, c in CODECS.items() if c.can_parse]


def renderers() -> list[str]:
    return [name for name, c in CODECS.items() if c.can_render]


def detect(data: bytes) -> Codec:
    """The codec whose ``sniff`` recognises ``data`` (formats tried in registry order)."""
    for codec in CODECS.values():
        if codec.can_parse and codec.sniff(data):
            return codec
    _explain(data)
    raise ParseError(
        f"the content is in no format newswire reads ({', '.join(parsers())})", field="format"
    )


def _explain(data: bytes) -> None:
    """Say why JSON or XML that no codec recognised is refused, as precisely as possible."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        try:
            doc = msgspec.json.decode(data.removeprefix(b"\xef\xbb\xbf"))
        except (msgspec.DecodeError, RecursionError, UnicodeDecodeError) as exc:
            raise ParseError(f"not valid JSON: {exc}") from None
        what = "an object" if isinstance(doc, dict) else "not an object"
        raise ParseError(
            f"JSON, but not a ninjs document ({what}"
            f"{' without a uri' if isinstance(doc, dict) and 'uri' not in doc else ''}"
            f"); newswire reads JSON as ninjs 2.x or 3.x"
        )
    if head == b"<":
        root = root_localname(data)
        raise ParseError(
            f"XML with root element <{root}> is none of NewsML-G2 (newsItem, "
            "newsMessage), NITF (nitf), RSS (rss, RDF) or Atom (feed)",
            field="format",
        )


def for_media_type(media_type: str) -> Codec | None:
    """The codec answering to a media type; parameters (``;version=2``) pick a variant.

    A ``version`` is matched by its major (``version=2.2`` is ``version=2``: IPTC versions
    ninjs by schema, 2.x and 3.x each one codec). For a type some codec answers with a
    version (ninjs), a version no codec has (``version=9``) is answered by none, so that
    ``Accept`` negotiation says 406 rather than giving another version; for any other
    type the version, like another parameter, is ignored when nothing matches it."""
    full = media_type.replace(" ", "").lower()
    base = full.split(";")[0]
    params = [
        _major(p) for p in full.split(";")[1:] if p and not p.startswith(("q=", "charset="))
    ]
    wanted = ";".join([base, *params])
    versioned = any(p.startswith("version=") for p in params) and any(
        t.startswith(f"{base};version=") for t in _media_types()
    )
    for candidate in (wanted, base) if params else (base,):
        if candidate == base and versioned:
            return None
        for codec in CODECS.values():
            if candidate == codec.media_type or candidate in codec.media_types:
                return codec
    return None


def _major(param: str) -> str:
    """``version=2.2`` (or ``version="2.2"``) as ``version=2``; another parameter as is."""
    if not param.startswith("version="):
        return param
    return "version=" + param.removeprefix("version=").strip('"').split(".")[0]


def _media_types() -> set[str]:
    return {t for c in CODECS.values() for t in (c.media_type, *c.media_types)}


def negotiate(accept: str | None, default: str = DEFAULT) -> Codec:
    """The codec for an HTTP ``Accept`` header (q-values honoured; ``*/*`` is the default)."""
    if not accept:
        return get(default)
    ranges = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        media = ";".join([fields[0], *(f for f in fields[1:] if not f.startswith("q="))])
        ranges.append((-q, i, media.lower()))
    for neg_q, _, media in sorted(ranges):
        if neg_q == 0:
            continue
        if media.split(";")[0] in ("*/*", "application/*", "application/json"):
            return get(default)
        codec = for_media_type(media)
        if codec is None and media.endswith("/*"):  # text/* -> the first text/... codec
            family = media.split("/")[0] + "/"
            codec = next(
                (c for c in CODECS.values() if c.can_render and c.media_type.startswith(family)),
                None,
            )
        if codec and codec.can_render:
            return codec
    raise NotAcceptable(
        f"none of the media types in Accept ({accept}) can be rendered; "
        f"use one of: {', '.join(c.media_type for c in CODECS.values())}",
        field="Accept",
    )

"""Names and help texts the command line shows, kept where reading them loads nothing.

Every ``newswire`` command imports every command's module (``newswire.cli`` registers
them all), which makes each option, its default and help, so what an option shows must
come from a module that costs nothing to import. The modules these names belong to (the format registry, which
loads every codec; ``ingest`` and the media pipeline) import them from here, so what the
command line says and what they do cannot drift apart. Only plain values: this module
imports nothing of newswire's.
"""

from __future__ import annotations

DEFAULT_FORMAT = "ninjs"
"""The format an item is shown in when none is asked for (``formats.DEFAULT``)."""

AUTO = "auto"
"""``--format auto`` / ``?format=auto``: the format detected from the content
(``ingest.AUTO``)."""

MEDIA_HELP: dict[str, str] = {
    "id": "The item's id (a URI); default: urn:newswire:media: and the file's SHA-256.",
    "type": "picture or graphic, for a picture file (default: graphic for PNG, else"
    " picture); video for a video.",
    "lang": "The language of its text (a BCP 47 tag); auto (default): detected from the"
    " headline and caption.",
    "headline": "Headline (default: the file's own, else its name).",
    "caption": "Caption: what it shows (default: the file's own).",
    "byline": "Photographer or camera operator (default: the file's own).",
    "credit": "Credit line (default: the file's own).",
    "copyright": "Copyright notice (default: the file's own).",
    "city": "City shown (the dateline's place; default: the file's own).",
    "country": "Country shown (default: the file's own).",
    "keyword": "A keyword, repeated for several (default: the file's own).",
    "embargo": "Not delivered before this time (ISO 8601, UTC without an offset:"
    " 2025-03-01T12:00:00Z), a time to come; empty: no embargo (default: none, or the"
    " stored version's while it has not lifted).",
}
"""What each media override does (``media.items.HELP``): the help of the CLI's options
and the API's parameters."""

"""From bytes to storable items: size limit, format detection, parse, validation.

The one path every way in (CLI, HTTP, and later watch folders and feed polls) takes, so
a limit or a rule is enforced the same everywhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from newswire import formats
from newswire.errors import ParseError, TooLarge
from newswire.model import NewsItem
from newswire.validation import check_item

AUTO = "auto"


def parse_bytes(data: bytes, fmt: str = AUTO, *, max_bytes: int) -> list[NewsItem]:
    """The valid items in ``data``; ``NewswireError`` (4xx) naming the reason otherwise."""
    if len(data) > max_bytes:
        raise TooLarge(f"{len(data):,} bytes is over the limit of {max_bytes:,} bytes")
    if not data.strip():
        raise ParseError("empty input: no item in it")
    codec = formats.detect(data) if fmt == AUTO else formats.get(fmt)
    if not codec.can_parse:
        raise ParseError(f"the {codec.name} format cannot be ingested", field="format")
    items = codec.parse(data)
    if not items:
        raise ParseError(f"no item found in this {codec.label} document")
    return [check_item(item) for item in items]


def read_limited(path: Path, max_bytes: int) -> bytes:
    """A file's bytes, refusing (before reading it all) one over the size limit."""
    size = path.stat().st_size
    if size > max_bytes:
        raise TooLarge(f"{size:,} bytes is over the limit of {max_bytes:,} bytes")
    return path.read_bytes()


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and files inside folders named (recursively, hidden ones skipped)."""
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name
        else:
            yield path

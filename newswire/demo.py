"""Demo data: the reference item and a sample of the ANT Arabic news corpus.

``demo/`` in the repository holds the seed item (Anadolu Agency, Arabic) and a few
hundred corpus articles (see demo/README.md for their origin and terms), so a fresh
clone has something to show without anything beside it. ``corpus_item`` is also how the
benchmarks turn the whole corpus into news items.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Required, TypedDict

from newswire.formats.html import make_body
from newswire.model import Concept, Dateline, NewsItem

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"

# ANT corpus categories -> IPTC Media Topics (labels from IPTC's en-GB vocabulary).
CATEGORY_TOPICS = {
    "sport": Concept(code="medtop:15000000", name="sport"),
    "economy": Concept(code="medtop:04000000", name="economy, business and finance"),
    "politic": Concept(code="medtop:11000000", name="politics and government"),
    "technology": Concept(code="medtop:13000000", name="science and technology"),
    "culture": Concept(code="medtop:01000000", name="arts, culture, entertainment and media"),
    "society": Concept(code="medtop:14000000", name="society"),
    "internationalNews": Concept(code="medtop:11000000", name="politics and government"),
    "middleEast": Concept(code="medtop:11000000", name="politics and government"),
    "localNews": Concept(code="medtop:11000000", name="politics and government"),
}
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")


def paragraphs(text: str, target: int = 280) -> list[str]:
    """Whitespace-normalised corpus bodies have no paragraphs: group sentences into some."""
    out, buf = [], ""
    for sentence in _SENTENCE_END.split(text.strip()):
        buf = f"{buf} {sentence}".strip()
        if len(buf) >= target:
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out


class CorpusRecord(TypedDict, total=False):
    """One line of an ANT corpus file (``.jsonl``): only ``id`` is always there."""

    id: Required[str]
    lang: str
    headline: str
    abstract: str
    body: str
    date: str
    category: str
    categories: list[str]
    source: str
    author: str


def corpus_item(record: CorpusRecord) -> NewsItem:
    """One ANT corpus article as a news item (its id, outlet and date kept)."""
    body, body_html = make_body(paragraphs=paragraphs(record.get("body") or ""))
    date = record.get("date") or ""
    when = datetime.fromisoformat(date) if date else None
    if when is not None:
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    topic = CATEGORY_TOPICS.get(record.get("category", ""))
    headline = (record.get("headline") or "").strip() or (body[0][:90] if body else "")
    return NewsItem(
        id=f"urn:newswire:ant:{record['id']}",
        language=record.get("lang") or "ar",
        headline=headline,
        lead=(record.get("abstract") or "").strip(),
        body=body,
        body_html=body_html,
        dateline=Dateline(source=record["source"]) if record.get("source") else None,
        byline=(record.get("author") or "").strip(),
        subjects=[topic] if topic else [],
        keywords=sorted(set(record.get("categories") or [])),
        firstcreated=when,
        versioncreated=when,
        provider=record.get("source") or "",
        copyright_holder=record.get("source") or "",
    )


def corpus_records(path: Path) -> Iterator[CorpusRecord]:
    """Records of a corpus file (``.jsonl`` or ``.jsonl.xz``)."""
    if path.suffix == ".xz":
        import lzma

        handle = lzma.open(path, "rt", encoding="utf-8")
    else:
        handle = path.open(encoding="utf-8")
    with handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def corpus_items(records: Iterable[CorpusRecord]) -> Iterator[NewsItem]:
    for record in records:
        item = corpus_item(record)
        if item.headline and item.body:
            yield item


def seed_path() -> Path:
    return DEMO_DIR / "seed" / "000_fd5af0361ac50746.txt"


def corpus_sample_path() -> Path:
    return DEMO_DIR / "corpus_sample.jsonl"

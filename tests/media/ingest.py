"""What the tests of media ingest share: an Arabic photo from a photo desk, and what the
blob store of a deployment holds."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import query
from tests.media.files import picture, tag

ARABIC = {
    "headline": "رئيس الاستخبارات التركي يلتقي وفدا من حماس",
    "caption": "صورة أرشيفية من أنقرة",
    "byline": "مصطفى قايا",
    "credit": "الأناضول",
    "city": "أنقرة",
}


def desk_photo(path: Path, width: int = 1200, height: int = 800) -> Path:
    """A JPEG with its IPTC in UTF-8, Arabic: headline, caption, byline, credit, city,
    country, keywords and the date it was made."""
    photo = picture(path, width, height)
    return tag(
        photo, "-IPTC:CodedCharacterSet=UTF8",
        f"-IPTC:Headline={ARABIC['headline']}", f"-IPTC:Caption-Abstract={ARABIC['caption']}",
        f"-IPTC:By-line={ARABIC['byline']}", f"-IPTC:Credit={ARABIC['credit']}",
        f"-IPTC:City={ARABIC['city']}", "-IPTC:Country-PrimaryLocationName=تركيا",
        "-IPTC:Keywords=سياسة", "-IPTC:DateCreated=2024:05:01", "-IPTC:TimeCreated=10:20:30+03:00",
    )


def blob_keys(db: str) -> set[str]:
    """The keys of every blob the deployment of store ``db`` keeps (its default blob
    store: files beside an SQLite database, large objects in PostgreSQL)."""
    if db.startswith("sqlite:///"):
        folder = Path(db.removeprefix("sqlite:///") + ".blobs")
        return {p.name for p in folder.glob("??/??/*")}
    return {row[0] for row in query(db, "SELECT key FROM blobs")}

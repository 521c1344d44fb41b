"""The model's media fields: pictures, video, graphics and audio beside text.

Every field they added defaults to a value msgspec leaves out, so a text item is stored
(and fingerprinted) byte for byte as it was before they existed: the fixture
``model/text_item_v1.json`` was written by the model without them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import msgspec

from newswire.model import (
    ITEM_TYPES,
    Association,
    NewsItem,
    Rendition,
    canonical,
    from_json,
    to_json,
)
from newswire.store.base import fingerprint, prepare
from tests.items import arabic_item

BEFORE = (Path(__file__).parent / "fixtures" / "model" / "text_item_v1.json").read_bytes()
FINGERPRINT_BEFORE = "23476148d4aec005d33e7a5b2fd0dcdd"


def picture(**changes) -> NewsItem:
    item = NewsItem(
        id="urn:newsml:aa.com.tr:20250301:photo:1",
        type="picture",
        language="ar",
        headline="أردوغان يستقبل وفدا من حماس",
        description="الرئيس التركي يستقبل وفدا من حماس في أنقرة، 1 مارس 2025.",
        credit="الأناضول / مصطفى كايا",
        byline="مصطفى كايا",
        contentcreated=datetime(2025, 3, 1, 8, 41, 12, tzinfo=UTC),
        renditions=[
            Rendition(
                name="original",
                content_type="image/jpeg",
                width=6000,
                height=4000,
                size=9_871_234,
                blob="ab" * 32,
            ),
            Rendition(
                name="preview",
                href="https://media.example.org/p/1/preview.jpg",
                content_type="image/jpeg",
                width=1024,
                height=683,
                size=201_003,
            ),
        ],
    )
    return msgspec.structs.replace(item, **changes)


def test_a_text_item_is_stored_byte_for_byte_as_before_the_media_fields():
    item = arabic_item()
    assert to_json(canonical(item)) == BEFORE
    assert prepare(item).data == BEFORE
    assert prepare(item).fingerprint == fingerprint(canonical(item)) == FINGERPRINT_BEFORE
    assert to_json(from_json(BEFORE)) == BEFORE


def test_new_fields_are_left_out_when_they_hold_their_defaults():
    data = msgspec.json.decode(to_json(NewsItem(id="urn:x")))
    assert data == {"id": "urn:x"}
    for key in ("type", "renditions", "associations", "description", "credit", "contentcreated"):
        assert key not in msgspec.json.decode(BEFORE)


def test_canonical_makes_default_values_from_any_source_the_default_objects():
    text = "".join(["te", "xt"])
    pic, see = "".join(["pic", "ture"]), "".join(["see", "Also"])
    item = NewsItem(
        id="urn:x", type=text, associations=[Association(id="urn:p", type=pic, rel=see)]
    )
    assert to_json(item) != to_json(NewsItem(id="urn:x", associations=[Association(id="urn:p")]))
    assert to_json(canonical(item)) == b'{"id":"urn:x","associations":[{"id":"urn:p"}]}'
    assert canonical(canonical(item)) == canonical(item)
    plain = NewsItem(id="urn:x", associations=[Association(id="urn:p", type="video", rel="x:y")])
    assert canonical(plain) is plain  # nothing to change: the same object back


def test_a_picture_round_trips_through_the_stored_json():
    item = picture(associations=[Association(id="urn:story:1", type="text", name="story")])
    assert from_json(to_json(item)) == item
    data = msgspec.json.decode(to_json(item))
    assert data["type"] == "picture"
    assert data["renditions"][0] == {
        "name": "original", "content_type": "image/jpeg", "width": 6000, "height": 4000,
        "size": 9_871_234, "blob": "ab" * 32,
    }  # fmt: skip
    assert data["associations"] == [{"id": "urn:story:1", "type": "text", "name": "story"}]


def test_item_types_are_iptc_natures_of_news():
    assert ITEM_TYPES == ("text", "picture", "video", "graphic", "audio")
    assert NewsItem(id="urn:x").type == "text"
    assert Association(id="urn:x").type == "picture"

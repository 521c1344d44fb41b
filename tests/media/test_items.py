"""A file taken in as an item (``newswire.media.items``), and a new version of a media item
sent as a document keeping its files (``newswire.ingest.keep_files``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from newswire.errors import Conflict, InvalidItem
from newswire.formats import get
from newswire.ingest import keep_files
from newswire.media.items import Overrides, check_overrides, item_of, media_id
from newswire.model import NewsItem, utcnow
from newswire.validation import check_item
from tests.media.files import picture, tag, transparent_png, video
from tests.media.ingest import ARABIC, desk_photo


def test_a_desk_photo_is_a_picture_item_with_its_metadata(pipeline, tmp_path):
    media = pipeline.take(desk_photo(tmp_path / "desk.jpg"))
    item = check_item(item_of(media, name="desk.jpg"))
    assert item.id == media_id(media) == "urn:newswire:media:" + media.renditions[0].blob[:32]
    assert item.type == "picture"
    assert item.language == "ar"  # detected from the headline and caption
    assert (item.headline, item.description, item.byline, item.credit) == (
        ARABIC["headline"], ARABIC["caption"], ARABIC["byline"], ARABIC["credit"])
    assert item.dateline is not None and item.dateline.place == ARABIC["city"]
    assert [(e.kind, e.name) for e in item.entities] == [("place", "تركيا")]
    assert item.keywords == ["سياسة"]
    assert item.contentcreated == datetime(2024, 5, 1, 7, 20, 30, tzinfo=UTC)
    sizes = {r.name: (r.content_type, r.width, r.height) for r in item.renditions}
    assert sizes == {
        "original": ("image/jpeg", 1200, 800),
        "web": ("image/jpeg", 1200, 800),
        "preview": ("image/jpeg", 640, 427),
        "thumbnail": ("image/jpeg", 200, 133),
    }
    assert all(r.blob and not r.href for r in item.renditions)


def test_the_editor_overrides_every_field(pipeline, tmp_path):
    media = pipeline.take(desk_photo(tmp_path / "desk.jpg"))
    overrides = Overrides(
        id="urn:agency:photo:1", type="graphic", lang="en", headline="Talks in Ankara",
        caption="", byline="M. Kaya", credit="AA", copyright="© AA 2024", city="Ankara",
        country="Türkiye", keyword=["politics", " "],
    )
    item = check_item(item_of(media, overrides, name="desk.jpg"))
    assert (item.id, item.type, item.language, item.headline) == (
        "urn:agency:photo:1", "graphic", "en", "Talks in Ankara")
    assert item.description == ""  # an empty override clears the field
    assert (item.byline, item.credit, item.copyright_notice) == ("M. Kaya", "AA", "© AA 2024")
    assert item.dateline is not None and item.dateline.place == "Ankara"
    assert item.entities[0].name == "Türkiye"
    assert item.keywords == ["politics"]


def test_without_a_headline_the_file_name_is_one(pipeline, tmp_path):
    media = pipeline.take(transparent_png(tmp_path / "chart-of-the-day.png", 300, 200))
    item = check_item(item_of(media, name="chart-of-the-day.png"))
    assert (item.type, item.headline, item.language) == ("graphic", "chart-of-the-day", "")
    assert item_of(media, Overrides(type="picture")).type == "picture"
    # Sent with no name (a bare upload) and no headline: the caption's first words.
    caption = "رسم بياني يبين أسعار النفط في الأسواق العالمية خلال الأسبوع الماضي" * 2
    named = item_of(media, Overrides(caption=caption))
    assert named.headline.endswith("…") and caption.startswith(named.headline[:-1])
    assert len(named.headline) <= 81 and named.language == "ar"
    assert item_of(media, Overrides(caption="خريطة غزة")).headline == "خريطة غزة"
    assert item_of(media).headline == ""  # nothing to name it by


def test_the_same_file_sent_again_without_its_name_keeps_its_headline(pipeline, tmp_path):
    """A clip with no title of its own, taken in by ``newswire ingest`` (named after its
    file), then sent again as a bare ``POST /v1/items`` body: the second version had no
    headline at all, stored as an update that wiped the first's. With nothing to name it
    by, a new version keeps the stored headline, so the same file changes nothing; an
    editor's empty headline is still none."""
    media = pipeline.take(video(tmp_path / "clip.mp4", seconds=1, size="160x120"))
    first = check_item(item_of(media, name="clip.mp4"))
    assert first.headline == "clip"
    again = item_of(media, previous=first)
    assert again.headline == "clip" and again == first
    assert item_of(media, Overrides(headline=""), previous=first).headline == ""


def test_a_video_is_a_video_item_with_a_poster_and_a_duration(pipeline, tmp_path):
    media = pipeline.take(video(tmp_path / "clip.mp4", seconds=2, size="320x240"))
    item = check_item(item_of(media, name="clip.mp4"))
    assert item.type == "video"
    assert item.headline == "clip"
    names = [r.name for r in item.renditions]
    assert names == ["original", "poster", "previewPoster", "thumbnail", "preview"]
    original, poster = item.renditions[0], item.renditions[1]
    assert original.content_type == "video/mp4" and abs(original.duration - 2.0) < 0.2
    assert (poster.content_type, poster.width, poster.height) == ("image/jpeg", 320, 240)
    with pytest.raises(InvalidItem) as refused:
        item_of(media, Overrides(type="picture"))
    assert refused.value.field == "type"


def test_the_same_file_again_keeps_the_stored_renditions(pipeline, tmp_path):
    photo = picture(tmp_path / "again.jpg", 500, 400)
    first = item_of(pipeline.take(photo), name="again.jpg")
    stored = msgspec.structs.replace(
        first, renditions=[msgspec.structs.replace(r, size=1) for r in first.renditions]
    )
    second = item_of(pipeline.take(photo), name="again.jpg", previous=stored)
    assert second.renditions == stored.renditions


def test_a_file_is_a_new_version_only_of_an_item_it_can_be(pipeline, tmp_path):
    photo = pipeline.take(picture(tmp_path / "p.jpg", 300, 200))
    story = NewsItem(id="urn:agency:story:1", headline="Talks", body=["The body."])
    with pytest.raises(Conflict, match="is a text item") as refused:
        item_of(photo, Overrides(id=story.id), previous=story)
    assert refused.value.field == "id"
    clip = msgspec.structs.replace(item_of(photo), type="video")
    with pytest.raises(Conflict, match="a picture file can be a new version of a picture or"):
        item_of(photo, previous=clip)
    graphic = msgspec.structs.replace(item_of(photo), type="graphic")
    assert item_of(photo, previous=graphic).renditions == graphic.renditions


def test_a_new_file_keeps_a_pending_embargo_and_not_a_lifted_one(pipeline, tmp_path):
    first = item_of(pipeline.take(picture(tmp_path / "a.jpg", 300, 200)), Overrides(id="urn:p:1"))
    crop = pipeline.take(picture(tmp_path / "b.jpg", 200, 200))
    held = msgspec.structs.replace(first, embargo_until=utcnow() + timedelta(hours=1))
    assert item_of(crop, Overrides(id="urn:p:1"), previous=held).embargo_until == held.embargo_until
    lifted = msgspec.structs.replace(first, embargo_until=utcnow() - timedelta(hours=1))
    assert item_of(crop, Overrides(id="urn:p:1"), previous=lifted).embargo_until is None
    # The editor's word wins: a time (UTC without an offset), or none at all.
    given = item_of(crop, Overrides(id="urn:p:1", embargo="2099-01-01T12:00:00"), previous=held)
    assert given.embargo_until == datetime(2099, 1, 1, 12, tzinfo=UTC)
    assert item_of(crop, Overrides(id="urn:p:1", embargo=""), previous=held).embargo_until is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (Overrides(id="two words"), "id"),
        (Overrides(id=" "), "id"),
        (Overrides(type="audio"), "type"),
        (Overrides(lang="not a tag"), "lang"),
        (Overrides(headline="x" * 2001), "headline"),
        (Overrides(embargo="tomorrow noon"), "embargo"),
        (Overrides(embargo="0001-01-01T00:00:00+01:00"), "embargo"),
        # a time gone would hold nothing: the picture would go out at once
        (Overrides(embargo="2020-01-01T00:00:00Z"), "embargo"),
    ],
)
def test_bad_overrides_are_refused_naming_them(overrides, field):
    with pytest.raises(InvalidItem) as refused:
        check_overrides(overrides)
    assert refused.value.field == field


def test_a_ninjs_update_of_a_media_item_keeps_its_files(pipeline, store, tmp_path):
    item = item_of(pipeline.take(desk_photo(tmp_path / "desk.jpg")), name="desk.jpg")
    store.append(item)
    ninjs = get("ninjs")
    delivered = ninjs.render(store.get(item.id).item)
    edited = ninjs.parse(delivered.replace(ARABIC["caption"].encode(), "تعليق جديد".encode()))
    assert edited[0].renditions and not any(r.blob for r in edited[0].renditions)
    receipt = store.append_many(keep_files(store, edited))[0]
    assert (receipt.created, receipt.version) == (True, 2)
    latest = store.get(item.id).item
    assert latest.description == "تعليق جديد"
    assert latest.renditions == item.renditions
    # The same document again is no new version; a text item is untouched.
    assert not store.append_many(keep_files(store, edited))[0].created


def test_a_providers_media_item_keeps_its_own_renditions(store):
    doc = {
        "uri": "urn:provider:photo:1", "type": "picture",
        "headlines": [{"role": "main", "value": "h"}],
        "renditions": [{"name": "highRes", "href": "https://cdn.example/p.jpg"}],
    }
    items = get("ninjs").parse(msgspec.json.encode(doc))
    store.append_many(keep_files(store, items))
    moved = {**doc, "renditions": [{"name": "highRes", "href": "https://cdn.example/q.jpg"}]}
    again = keep_files(store, get("ninjs").parse(msgspec.json.encode(moved)))
    store.append_many(again)
    assert store.get("urn:provider:photo:1").item.renditions[0].href == "https://cdn.example/q.jpg"


def test_embedded_subject_codes_are_subjects_with_their_media_topics(pipeline, tmp_path):
    """A photo's IPTC Subject Codes (XMP's ``Iptc4xmpCore:SubjectCode``, IPTC-IIM's Subject
    Reference) are its subjects, each with the Media Topic IPTC maps it to, as a
    document's: a football picture reaches a sport product. Each code once; a reference
    under another provider's scheme is not an IPTC code."""
    from newswire.access.products import Product, matches
    from newswire.model import MAPPED

    photo = picture(tmp_path / "football.jpg", 400, 300)
    tag(photo, "-XMP-iptcCore:SubjectCode=15054000", "-XMP-iptcCore:SubjectCode=04005004",
        "-IPTC:SubjectReference=IPTC:15054000:Sport:Soccer:",
        "-IPTC:SubjectReference=IPTC:01000000:Arts, Culture & Entertainment::",
        "-IPTC:SubjectReference=XYZ:99000000:Other::",
        "-IPTC:Headline=Home side wins the league")
    media = pipeline.take(photo)
    assert media.info.subject_codes == ["subj:15054000", "subj:04005004", "subj:01000000"]
    item = check_item(item_of(media, name="football.jpg"))
    assert [(s.code, s.creator) for s in item.subjects] == [
        ("subj:15054000", ""),
        ("medtop:20001065", MAPPED),
        ("subj:04005004", ""),
        ("medtop:20001243", MAPPED),
        ("subj:01000000", ""),
        ("medtop:01000000", MAPPED),
    ]
    assert matches(Product(name="sport", access="full", subjects=["medtop:15000000"]), item)
    plain_photo = pipeline.take(picture(tmp_path / "plain.jpg", 400, 300))
    assert item_of(plain_photo).subjects == []


def test_the_instructions_are_the_note_to_editors(pipeline, tmp_path):
    """IPTC's Instructions (an embargo, a mandatory credit) reach the subscribers' editors
    as the item's ednote (NewsML-G2 edNote, NITF ed-msg, ninjs ednote), cleaned like any
    text: they were not read, and the note was lost on the way to every subscriber."""
    photo = picture(tmp_path / "talks.jpg", 400, 300)
    tag(photo, "-IPTC:CodedCharacterSet=UTF8", "-IPTC:Headline=Talks",
        "-IPTC:SpecialInstructions=MANDATORY CREDIT\x07 <b>AA</b>",
        "-XMP-photoshop:Instructions=MANDATORY CREDIT <b>AA</b>")
    item = check_item(item_of(pipeline.take(photo), name="talks.jpg"))
    assert item.ednote == "MANDATORY CREDIT AA"
    newsml = get("newsml").render(item).decode()
    assert "<edNote>MANDATORY CREDIT AA</edNote>" in newsml
    assert get("ninjs").parse(get("ninjs").render(item))[0].ednote == "MANDATORY CREDIT AA"

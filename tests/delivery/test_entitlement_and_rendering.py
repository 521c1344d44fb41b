"""Who gets what of an item version, and each rendering made once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import msgspec

from newswire.access.entitlement import grant, public_version, versions_seen, visible_in
from newswire.access.products import Product
from newswire.delivery.renderer import Renderer
from newswire.formats import get
from newswire.model import NewsItem, Rendition
from newswire.store.base import Stored, withdrawal
from tests.conftest import SEED

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SEED_ITEM = msgspec.structs.replace(
    get("text").parse(SEED.read_bytes())[0], versioncreated=NOW, firstcreated=NOW
)
FULL_AR = Product(name="full-ar", access="full", languages=["ar"])
TEASER_ALL = Product(name="teasers", access="teaser")
EARLY = Product(name="early", access="full", early_embargo=True)
ENGLISH = Product(name="en", access="full", languages=["en"])


def test_full_wins_over_teaser_and_nothing_matches_nothing():
    assert grant([TEASER_ALL, FULL_AR], SEED_ITEM, NOW) == ("full", False, "full-ar")
    assert grant([TEASER_ALL], SEED_ITEM, NOW)[:2] == ("teaser", False)
    assert grant([ENGLISH], SEED_ITEM, NOW) is None
    assert grant([], SEED_ITEM, NOW) is None


def test_embargo_reaches_only_early_products_until_it_lifts():
    embargoed = msgspec.structs.replace(SEED_ITEM, embargo_until=NOW + timedelta(hours=1))
    assert grant([FULL_AR, TEASER_ALL], embargoed, NOW) is None
    assert grant([FULL_AR, EARLY], embargoed, NOW)[:2] == ("full", True)
    after = NOW + timedelta(hours=1, seconds=1)
    assert grant([FULL_AR], embargoed, after)[:2] == ("full", False)


def test_an_embargo_moved_later_by_an_update_holds_the_first_version_too():
    """Held until 13:00, then an update at 12:10 moves the embargo to 15:00: the log never
    lifts the first version (only the latest is lifted), so at 14:00 nobody without early
    delivery may read it, by the item routes, the portal or the public site; and a
    withdrawal then keeps the embargo, as there is no version out to withdraw."""
    first = msgspec.structs.replace(SEED_ITEM, embargo_until=NOW + timedelta(hours=1))
    moved = msgspec.structs.replace(
        first, version=2, replaces=1, embargo_until=NOW + timedelta(hours=3)
    )
    history = [
        Stored(seq=1, stored_at=NOW, item=first),
        Stored(seq=2, stored_at=NOW + timedelta(minutes=10), item=moved),
    ]
    between = NOW + timedelta(hours=2)
    assert visible_in([FULL_AR, TEASER_ALL], history, None, between) is None
    assert visible_in([FULL_AR], history, 1, between) is None
    assert versions_seen([FULL_AR], history, between) == []
    assert public_version(history, between) is None
    early = visible_in([EARLY], history, 1, between)
    assert early is not None and early[1][:2] == ("full", True)
    killed = withdrawal(history, "wrong", between)
    assert killed.version == 2 and killed.embargo_until == moved.embargo_until
    # Once the moved embargo ends, the update is out (and the first version still never was).
    after = NOW + timedelta(hours=4)
    found = visible_in([FULL_AR], history, None, after)
    assert found is not None and found[0].item.version == 2
    assert public_version(history, after) is history[1]
    assert visible_in([FULL_AR], history, 1, after) is None


def test_a_withdrawal_is_judged_by_the_version_it_withdraws():
    withdrawal = msgspec.structs.replace(
        SEED_ITEM, pubstatus="canceled", language="", body=[], body_html="", version=2
    )
    assert grant([FULL_AR], withdrawal, NOW) is None
    assert grant([FULL_AR], withdrawal, NOW, content=SEED_ITEM)[:2] == ("full", False)


def test_each_version_format_and_access_is_rendered_once():
    renderer = Renderer()
    full = renderer.render(7, SEED_ITEM, "ninjs", "full")
    assert renderer.render(7, SEED_ITEM, "ninjs", "full") is full
    teaser = renderer.render(7, SEED_ITEM, "ninjs", "teaser")
    renderer.render(7, SEED_ITEM, "newsml", "teaser")
    assert renderer.renders == 3
    assert SEED_ITEM.body[-1].encode() in full
    assert SEED_ITEM.body[-1].encode() not in teaser
    assert "الأخبار المنشورة على الصفحة الرسمية".encode() not in teaser


def test_the_cache_is_bounded_by_bytes():
    size = len(Renderer().render(0, SEED_ITEM, "text", "teaser"))
    renderer = Renderer(capacity=size * 2 + size // 2)  # room for two renderings
    versions = [msgspec.structs.replace(SEED_ITEM, version=v) for v in range(1, 6)]
    for seq, item in enumerate(versions):
        renderer.render(seq, item, "text", "teaser")
    renderer.render(4, versions[4], "text", "teaser")
    renderer.render(0, versions[0], "text", "teaser")
    assert renderer.renders == 6 and len(renderer._cache) == 2


def test_the_envelope_part_is_the_rendering_compacted_or_quoted():
    renderer = Renderer()
    part = renderer.embedded(7, SEED_ITEM, "ninjs", "full")
    assert part.startswith(b'"item":{') and b"\n" not in part
    assert msgspec.json.decode(b"{" + part + b"}")["item"] == msgspec.json.decode(
        renderer.render(7, SEED_ITEM, "ninjs", "full")
    )
    text = renderer.embedded(7, SEED_ITEM, "text", "teaser")
    assert msgspec.json.decode(b"{" + text + b"}")["content"] == renderer.render(
        7, SEED_ITEM, "text", "teaser"
    ).decode()
    assert renderer.embedded(7, SEED_ITEM, "ninjs", "full") is part


def test_an_embargo_lift_reuses_the_rendering_of_its_version():
    renderer = Renderer()
    first = renderer.render(7, SEED_ITEM, "ninjs", "full")
    lifted = renderer.render(12, SEED_ITEM, "ninjs", "full")  # the lift: same version
    assert lifted is first and renderer.renders == 1


def test_teaser_access_sees_only_a_picture_s_thumbnail_and_preview():
    photo = NewsItem(
        id="urn:test:photo",
        type="picture",
        headline="صورة",
        renditions=[
            Rendition(name="original", href="https://e.org/o.jpg"),
            Rendition(name="preview", href="https://e.org/p.jpg"),
            Rendition(name="thumbnail", href="https://e.org/t.jpg"),
        ],
    )
    renderer = Renderer()
    assert [r.name for r in renderer.view(photo, "teaser").renditions] == ["preview", "thumbnail"]
    assert renderer.view(photo, "full") is photo
    teaser_doc = json.loads(renderer.render(0, photo, "ninjs", "teaser"))
    full_doc = json.loads(renderer.render(0, photo, "ninjs", "full"))
    assert [r["name"] for r in teaser_doc["renditions"]] == ["preview", "thumbnail"]
    assert [r["name"] for r in full_doc["renditions"]] == ["original", "preview", "thumbnail"]


def test_renderings_made_before_the_base_is_known_are_not_served_after_it():
    """Without ``base_url``, a webhook delivered before the process's first request renders
    a picture linking its files by their path alone; once the first request names the
    server, the feed and the item's route must link them by it, not serve that rendering
    from the cache."""
    photo = NewsItem(
        id="urn:test:photo",
        type="picture",
        headline="صورة",
        renditions=[Rendition(name="preview", blob="ab" * 32, content_type="image/jpeg")],
    )
    renderer = Renderer()
    early = json.loads(renderer.render(3, photo, "ninjs", "full"))
    assert early["renditions"][0]["href"].startswith("/v1/items/")
    renderer.base = "https://wire.example/"
    later = json.loads(renderer.render(3, photo, "ninjs", "full"))
    assert later["renditions"][0]["href"].startswith("https://wire.example/v1/items/")
    assert renderer.base == "https://wire.example"

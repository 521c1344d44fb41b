"""The live wire: ``/portal/stream`` carries new items to the page as they are published,
with the names of the saved topics each one matches; topics are kept per account."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import lxml.html
import pytest

from tests.portal.conftest import LAST, PARAGRAPH, World, csrf_of, ninjs


def read_events(lines: Iterator[str], until: str) -> list[dict]:
    """Events from a stream's ``lines`` up to (and with) the one about item ``until``; the
    stream's read timeout fails a test whose event never comes."""
    events, kind = [], ""
    try:
        for line in lines:
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind != "close":
                event = json.loads(line[6:])
                events.append(event)
                if event["id"] == until:
                    return events
    except httpx.ReadTimeout:
        pass
    pytest.fail(f"no event for {until}: {events}")


def add_topic(c: httpx.Client, **form) -> httpx.Response:
    token = csrf_of(c.get("/portal/topics").text)
    return c.post("/portal/topics", data={"csrf": token, **form})


def test_the_stream_needs_a_session_not_an_api_key(world: World):
    with world.client() as c:
        assert c.get("/portal/stream").status_code == 401
        with_key = c.get("/portal/stream", headers={"Authorization": f"Bearer {world.publish_key}"})
        assert with_key.status_code == 401


def test_a_new_item_reaches_the_stream_with_its_topics(world: World):
    with world.login("reader@daily.example") as c:
        assert add_topic(c, name="زلازل", q="زلزال").status_code == 303
        assert add_topic(c, name="رياضة", q="مباراة").status_code == 303
        assert add_topic(c, name="not-flash", q="زلزال", urgency="1").status_code == 303
        with c.stream("GET", "/portal/stream", timeout=10) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            # The first frame: the server has registered the stream, what comes next reaches it.
            assert next(lines).startswith("retry:")
            doc = ninjs("urn:test:live-1", "زلزال بقوة 5 درجات", [PARAGRAPH] * 6 + [LAST], urgency=2)
            world.publish(doc)
            events = read_events(lines, "urn:test:live-1")
        event = events[-1]
        assert event["kind"] == "item" and event["headline"] == "زلزال بقوة 5 درجات"
        assert event["flash"] is True and event["shown"] is True
        assert event["href"] == "/portal/items/urn:test:live-1"
        assert event["topics"] == ["زلازل"]  # not the sports one; not the flash-only one
        assert LAST not in json.dumps(event, ensure_ascii=False)  # no body on the stream


def test_the_stream_carries_only_entitled_items_and_marks_filtered_ones(world: World):
    with world.login("reader@teasers.example") as c, c.stream(
        "GET", "/portal/stream", params={"urgency": "1"}, timeout=10
    ) as stream:
        lines = stream.iter_lines()
        next(lines)
        world.publish(ninjs("urn:test:live-en", "English only", ["Not for Arabic products."], "en"))
        # Published after it: once this one has come, the English one would have before.
        world.publish(ninjs("urn:test:live-2", "خبر عادي", ["نص الخبر."], urgency=5))
        events = read_events(lines, "urn:test:live-2")
    assert [e["id"] for e in events] == ["urn:test:live-2"]
    assert events[0]["access"] == "teaser"
    assert events[0]["shown"] is False  # outside the page's filters (urgency 1)


def test_an_update_reaches_the_stream_and_the_wire_as_an_update_not_a_new_item(world: World):
    with world.login("reader@daily.example") as c, c.stream(
        "GET", "/portal/stream", timeout=10
    ) as stream:
        lines = stream.iter_lines()
        next(lines)
        world.publish(ninjs("urn:test:updated", "حريق في مصنع", ["نص الخبر."]))
        world.publish(ninjs("urn:test:updated", "حريق في مصنع: ارتفاع عدد الضحايا", ["نص محدث."]))
        events = read_events(lines, "urn:test:updated")
        events += read_events(lines, "urn:test:updated")
    first, second = events[-2:]
    assert (first["kind"], first["signal"]) == ("item", "")
    assert (second["kind"], second["signal"], second["version"]) == ("update", "update", 2)
    with world.login("reader@daily.example") as c:
        row = c.get("/portal").text.split('data-id="urn:test:updated"', 1)[1].split("</li>", 1)[0]
        assert '<strong class="badge signal">تحديث</strong>' in row


def test_a_withdrawal_reaches_the_stream(world: World):
    with world.login("reader@daily.example") as c, c.stream(
        "GET", "/portal/stream", timeout=10
    ) as stream:
        lines = stream.iter_lines()
        next(lines)
        world.publish(ninjs("urn:test:doomed", "زلزال: خبر سيُسحب", ["نص الخبر."]))
        with world.server.client(world.publish_key) as api:
            gone = api.post("/v1/items/urn:test:doomed/withdraw", json={"reason": "خطأ"})
            assert gone.status_code == 201
        events = read_events(lines, "urn:test:doomed")
        events += read_events(lines, "urn:test:doomed")
    assert [e["kind"] for e in events[-2:]] == ["item", "withdraw"]
    assert events[-1]["withdrawn"] is True and events[-1]["topics"] == []
    with world.login("reader@daily.example") as c:
        row = c.get("/portal").text.split('data-id="urn:test:doomed"', 1)[1].split("</li>", 1)[0]
        assert 'class="badge withdrawn"' in row


def test_topics_are_listed_checked_and_deleted_per_account(world: World):
    with world.login("boss@daily.example") as c:
        assert add_topic(c, name="غزة", q='"قطاع غزة" OR رفح', language="ar").status_code == 303
        page = c.get("/portal/topics").text
        assert "غزة" in page and "قطاع غزة" in page
        # Each refusal said beside its field, in the reader's language, the form kept.
        for form, field, words in (
            ({"name": "bad", "q": "-x"}, "q", "تعذّر البحث بهذه الكلمات"),
            ({"name": "bad", "q": "x", "subject": "nonsense"}, "subject", "اختر موضوعًا"),
            ({"name": "bad", "q": "x", "language": "not a tag"}, "language", "اختر لغة"),
            ({"name": "غزة", "q": "x"}, "name", "لديك موضوع بهذا الاسم"),  # taken
            ({"name": " \u202e ", "q": "x"}, "name", "بلا علامات اتجاه"),
            ({"name": "ab\u202ecd", "q": "x"}, "name", "بلا علامات اتجاه"),
        ):
            bad = add_topic(c, **form)
            assert bad.status_code == 400, (form, bad.text)
            doc = lxml.html.fromstring(bad.text)
            [said] = doc.xpath(f"//*[@id='err-{field}']")
            assert words in said.text_content(), (form, said.text_content())
            assert doc.xpath(f"//*[@aria-describedby and contains(@aria-describedby, 'err-{field}')]")
            assert form["q"] in doc.xpath("string(//input[@id='topic-q']/@value)")
        topic_id = world.sql(
            "SELECT t.id FROM topics t JOIN accounts a ON a.id = t.account"
            " WHERE a.email = 'boss@daily.example'"
        )[0][0]
    with world.login("reader@daily.example") as other:
        assert "قطاع غزة" not in other.get("/portal/topics").text
        token = csrf_of(other.get("/portal/topics").text)
        assert other.post(f"/portal/topics/{topic_id}/delete", data={"csrf": token}).status_code == 404
    with world.login("boss@daily.example") as c:
        token = csrf_of(c.get("/portal/topics").text)
        assert c.post(f"/portal/topics/{topic_id}/delete", data={}).status_code == 403
        assert c.post(f"/portal/topics/{topic_id}/delete", data={"csrf": token}).status_code == 303
        assert "قطاع غزة" not in c.get("/portal/topics").text

"""A hand-built Arabic item with every field of the model set, for the XML codec tests."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from newswire.formats.html import make_body
from newswire.model import Concept, Dateline, Entity, Link, NewsItem

RICH_HTML = (
    "<p>أعلن <strong>رئيس</strong> الاستخبارات <a href='https://www.aa.com.tr/ar'>الأناضول</a>"
    " <em>اليوم</em> <span lang='en'>Ankara</span>.</p>"
    "<h3>عنوان فرعي</h3><blockquote><p>اقتباس.</p></blockquote>"
    "<ul><li>أولا</li><li>ثانيا</li></ul><table><tr><th>أ</th><td>ب</td></tr></table>"
)


def arabic_item(**changes) -> NewsItem:
    body, body_html = make_body(html=RICH_HTML)
    item = NewsItem(
        id="urn:newsml:aa.com.tr:20250301:3471234",
        version=3,
        language="ar",
        headline="رئيس الاستخبارات التركي يلتقي وفدا من حماس في أنقرة",
        lead="التقى رئيس جهاز الاستخبارات التركي وفدا من حركة حماس في العاصمة أنقرة.",
        body=body,
        body_html=body_html,
        dateline=Dateline(
            place="أنقرة", place_latin="Ankara", source="الأناضول", text="أنقرة/ الأناضول"
        ),
        byline="محمد شيخ يوسف",
        urgency=3,
        genres=[Concept(code="genre:Current", name="خبر")],
        subjects=[
            Concept(
                code="medtop:11000000",
                name="سياسة",
                uri="http://cv.iptc.org/newscodes/mediatopic/11000000",
            )
        ],
        keywords=["تركيا", "حماس"],
        entities=[
            Entity(
                kind="person", name="إبراهيم قالن", id="http://www.wikidata.org/entity/Q6003457"
            ),
            Entity(kind="organisation", name="حماس", id="wikidata:Q38809", rel="about"),
            Entity(kind="place", name="أنقرة", id="geonames:323786", rel="mentions"),
            Entity(kind="event", name="محادثات وقف إطلاق النار"),
            Entity(kind="object", name="اتفاق غزة"),
        ],
        firstcreated=datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        versioncreated=datetime(2025, 3, 1, 11, 30, 15, tzinfo=UTC),
        embargo_until=datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
        pubstatus="usable",
        signal="correction",
        replaces=2,
        related=[
            Link(uri="urn:newsml:aa.com.tr:20250301:3471200", title="الخبر السابق"),
            Link(uri="https://www.aa.com.tr/ar/3471200", rel="related"),
        ],
        slugline="تركيا-حماس",
        ednote="تصحيح: اسم رئيس الاستخبارات",
        provider="AA",
        copyright_holder="وكالة الأناضول",
        copyright_notice="© 2025 وكالة الأناضول. جميع الحقوق محفوظة.",
        usage_terms="للمشتركين فقط",
        footer="يسمح بنشر الخبر للمشتركين في خدمة الأناضول.",
    )
    return msgspec.structs.replace(item, **changes)

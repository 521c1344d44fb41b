"""The public site's parts on their own: caches and validators, URLs, dates, what is
public (``entitlement.public_version``), and the JSON-LD escaping."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from newswire.access.entitlement import public_version as resolve
from newswire.delivery.files import not_modified
from newswire.model import Concept, NewsItem, utcnow
from newswire.store import open_store
from newswire.store.base import Stored
from newswire.web import i18n, urls
from newswire.web.public import cache, syndication
from newswire.web.public.pages import json_ld, og_locale
from newswire.web.public.site import Site
from newswire.web.public.visible import first_public, paged

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def stored(seq: int, version: int, at: datetime = NOW, **fields) -> Stored:
    item = NewsItem(id="urn:x:1", version=version, language="ar", headline="h", **fields)
    return Stored(seq=seq, stored_at=at, item=item)


def test_the_lru_forgets_the_least_recently_used():
    lru: cache.LRU[bytes] = cache.LRU(2)
    lru.put("a", b"1")
    lru.put("b", b"2")
    assert lru.get("a") == b"1"
    lru.put("c", b"3")
    assert lru.get("b") is None and lru.get("a") == b"1" and lru.get("c") == b"3"


def test_a_value_asked_for_by_many_threads_at_once_is_made_once():
    askers = 16
    looked: set[int] = set()
    changed = threading.Condition()

    class Watched(cache.LRU):
        """Counts the threads that looked for the value and found nothing."""

        def get(self, key):
            value = super().get(key)
            if value is None:
                with changed:
                    looked.add(threading.get_ident())
                    changed.notify_all()
            return value

    lru: cache.LRU[bytes] = Watched(4)
    made = []

    def make() -> bytes:
        made.append(1)
        # Made only once every asker has looked and found nothing: all ask at once.
        with changed:
            assert changed.wait_for(lambda: len(looked) == askers, 10), "not every thread asked"
        return b"page"

    got: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: got.append(lru.get_or_make("k", make)))
        for _ in range(askers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert made == [1] and got == [b"page"] * askers


def test_if_none_match():
    tag = cache.etag("item", "urn:x:1", 2)
    assert tag.startswith('"') and tag == cache.etag("item", "urn:x:1", 2)
    assert tag != cache.etag("item", "urn:x:1", 3)
    assert not_modified(tag, tag) and not_modified(tag, f" {tag} ")
    assert not_modified(tag, f'"other", W/{tag}') and not_modified(tag, f"W/{tag}")
    assert not_modified(tag, "*") and not_modified(tag, '"other", *')
    assert not not_modified(tag, '"other"') and not not_modified(tag, None)
    assert not not_modified(tag, "") and not not_modified(tag, tag[:-2] + '"')


def test_item_paths_keep_colons_readable_and_quote_the_rest():
    item = NewsItem(id="urn:newsml:aa.com.tr:20250301:3471234", language="ar-EG")
    assert urls.item_path(item) == "/ar/news/urn:newsml:aa.com.tr:20250301:3471234"
    odd = NewsItem(id="https://x.example/a b?c#d", language="")
    assert urls.item_path(odd) == "/und/news/https:%2F%2Fx.example%2Fa%20b%3Fc%23d"
    assert urls.feed_path("ar", "rss", "medtop:11000000") == "/feeds/ar/11000000.rss"


def test_a_sections_older_page_is_named_by_a_cursor():
    assert urls.section_path("ar", "medtop:15000000", 1234) == "/ar/subjects/15000000?before=1234"
    assert urls.cursor(None) is None and urls.cursor("1234") == 1234
    assert urls.cursor("9" * 18) == int("9" * 18)  # a bigint still
    for bad in ("", "0", "-1", "+1", "01", "1.0", "1e3", "١٢", " 1", "1 ", "9" * 19):
        with pytest.raises(ValueError):
            urls.cursor(bad)


def test_pages_follow_each_other_by_cursor_reading_a_bounded_number_of_items():
    store = open_store("sqlite:///:memory:")
    sport, politics = Concept(code="medtop:15000000"), Concept(code="medtop:11000000")
    for n in range(30):
        subject = sport if n % 3 == 0 else politics
        store.append(NewsItem(id=f"urn:p:{n}", language="ar", headline="h", body=["b"], subjects=[subject]))
    now = utcnow()

    def ids(
        before: int | None = None, most: int = 2000, limit: int = 4
    ) -> tuple[list[int], int | None]:
        found = paged(
            store, now, language="ar", subject="medtop:15000000", limit=limit, scan=5,
            most=most, before=before,
        )
        return [int(item.id.rsplit(":", 1)[1]) for item in found.items], found.older

    pages, before = [], None
    while True:
        shown, before = ids(before)
        pages.append(shown)
        if before is None:
            break
    assert pages == [[27, 24, 21, 18], [15, 12, 9, 6], [3, 0]]  # each once, none missed
    # No more than ``most`` items read (29 down to 20 here, sequence numbers 30 to 21):
    # what they hold, and the older page goes on below the last one read.
    assert ids(most=10) == ([27, 24, 21], 21)
    assert ids(21, most=10) == ([18, 15, 12], 11)
    assert ids(11, most=10) == ([9, 6, 3, 0], None)  # nothing below: no older page
    # Exactly a page left: no link to an older page of nothing.
    first, cursor = ids(limit=5)
    assert first == [27, 24, 21, 18, 15] and cursor is not None
    assert ids(cursor, limit=5) == ([12, 9, 6, 3, 0], None)
    store.close()


def test_languages_directions_and_interfaces():
    assert i18n.lang("ar-EG") == ("ar-EG", "ar", "ar", "rtl")
    assert i18n.lang("fa") == ("fa", "fa", "fa", "rtl") and i18n.lang("fa").ui_dir == "rtl"
    assert i18n.lang("tr") == ("tr", "tr", "tr", "ltr")
    assert i18n.lang("kmr").ui == "ku"  # Kurmanji by either code
    # no interface of its own: the English one around it
    assert i18n.lang("de") == ("de", "de", "en", "ltr")
    assert i18n.lang("ur").ui == "en" and i18n.lang("ur").ui_dir == "ltr"
    assert i18n.text_dir("") == "auto"
    # No one language: its text decides (an "und" item in Arabic script is no left-to-right text)
    assert i18n.text_dir("und") == i18n.text_dir("mul") == "auto"
    assert i18n.text_dir("ar-EG") == "rtl" and i18n.text_dir("en") == "ltr"


def test_dates_in_arabic_with_hijri():
    when = datetime(2026, 11, 25, 2, 14, tzinfo=UTC)
    assert i18n.gregorian(when, "ar") == "25 نوفمبر 2026"
    assert i18n.gregorian(when, "en") == "25 November 2026"
    assert i18n.moment(when, "ar") == "25 نوفمبر 2026، 02:14 بتوقيت غرينتش"
    assert i18n.hijri(when) == "15 جمادى الآخرة 1448 هـ"
    assert i18n.hijri(datetime(1900, 1, 1, tzinfo=UTC)) == ""  # outside Umm al-Qura
    assert i18n.numeric(when, "ar") == i18n.numeric(when, "en") == "2026-11-25 02:14 UTC"
    utc = ZoneInfo("UTC")  # the deployment's default zone: the same wording
    assert i18n.moment(when, "ar", utc) == "25 نوفمبر 2026، 02:14 بتوقيت غرينتش"
    assert i18n.moment(when, "en", utc) == "25 November 2026, 02:14 UTC"


def test_times_and_days_are_the_zones_in_summer_and_in_winter():
    """Berlin is at UTC+2 in summer and UTC+1 in winter: the time, its offset, and the
    Gregorian and Hijri days are those of Berlin's clocks on the day."""
    berlin = ZoneInfo("Europe/Berlin")
    summer = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # 00:30 on 2 July in Berlin
    assert i18n.moment(summer, "ar", berlin) == "2 يوليو 2026، 00:30 (غرينتش+2)"
    assert i18n.moment(summer, "en", berlin) == "2 July 2026, 00:30 (UTC+2)"
    assert i18n.hijri(summer) == "16 محرم 1448 هـ"
    assert i18n.hijri(summer, berlin) == "17 محرم 1448 هـ"
    assert i18n.numeric(summer, "ar", berlin) == "2026-07-02 00:30 (غرينتش+2)"
    winter = datetime(2026, 1, 15, 22, 30, tzinfo=UTC)  # still 15 January in Berlin
    assert i18n.moment(winter, "en", berlin) == "15 January 2026, 23:30 (UTC+1)"
    assert i18n.hijri(winter, berlin) == "26 رجب 1447 هـ"
    late = winter + timedelta(hours=1)  # 00:30 on the 16th
    assert i18n.gregorian(late, "ar", berlin) == "16 يناير 2026"
    assert i18n.clock(late, "ar", berlin) == "00:30 (غرينتش+1)"
    assert i18n.hijri(late, berlin) == "27 رجب 1447 هـ"


def test_an_offset_is_named_in_hours_and_minutes_when_it_has_some():
    when = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    assert i18n.clock(when, "en", ZoneInfo("Asia/Kolkata")) == "17:30 (UTC+5:30)"
    assert i18n.clock(when, "ar", ZoneInfo("America/St_Johns")) == "08:30 (غرينتش-3:30)"
    assert i18n.clock(when, "en", ZoneInfo("Europe/London")) == "12:00 (UTC)"  # winter: +0



# The day, the time in Istanbul and in UTC, in each interface language: its month names,
# its order, its digits and its word for the offset.
DAY_AND_TIME = {
    "ar": ("7 ديسمبر 2026", "7 ديسمبر 2026، 01:30 (غرينتش+3)", "22:30 بتوقيت غرينتش"),
    "en": ("7 December 2026", "7 December 2026, 01:30 (UTC+3)", "22:30 UTC"),
    "tr": ("7 Aralık 2026", "7 Aralık 2026 01:30 (GMT+3)", "22:30 GMT"),
    "bs": ("7. decembar 2026.", "7. decembar 2026. 01:30 (GMT +3)", "22:30 GMT"),
    "ru": ("7 декабря 2026\u202fг.", "7 декабря 2026\u202fг., 01:30 (GMT+3)", "22:30 GMT"),
    "ku": ("7ê berfanbara 2026an", "7ê berfanbara 2026an 01:30 (GMT+3)", "22:30 GMT"),
    "fa": ("۷ دسامبر ۲۰۲۶", "۷ دسامبر ۲۰۲۶،\u200f ۱:۳۰ (\u200e+۳ گرینویچ)",
           "۲۲:۳۰ به وقت گرینویچ"),
    "fr": ("7 décembre 2026", "7 décembre 2026, 01:30 (UTC+3)", "22:30 UTC"),
    "es": ("7 de diciembre de 2026", "7 de diciembre de 2026, 1:30 (GMT+3)", "22:30 GMT"),
    "sq": ("7 dhjetor 2026", "7 dhjetor 2026, 01:30 (GMT+3)", "22:30 GMT"),
    "mk": ("7 декември 2026\u202fг.", "7 декември 2026\u202fг., 01:30 (GMT+3)", "22:30 GMT"),
    "id": ("7 Desember 2026", "7 Desember 2026 01.30 (GMT+3)", "22.30 GMT"),
    "zh": ("2026年12月7日", "2026年12月7日 01:30 (GMT+3)", "22:30 GMT"),
}


@pytest.mark.parametrize("ui", sorted(i18n.UI))
def test_each_interface_writes_dates_its_way(ui):
    """CLDR's long date and short 24-hour time in each language (Arabic's own months,
    Western digits; Persian's digits), the day that of Istanbul's clocks."""
    istanbul = ZoneInfo("Europe/Istanbul")
    when = datetime(2026, 12, 6, 22, 30, tzinfo=UTC)
    day, moment, in_utc = DAY_AND_TIME[ui]
    assert i18n.gregorian(when, ui, istanbul) == day
    assert i18n.moment(when, ui, istanbul) == moment
    assert i18n.clock(when, ui) == in_utc


def test_every_interface_has_every_word():
    english = set(i18n.UI["en"])
    assert len(english) == 37
    for ui, words in i18n.UI.items():
        assert set(words) == english, ui
        assert all(w.strip() == w and w for w in words.values()), ui
        assert words["language_name"] == i18n.autonym(ui)


def test_a_language_without_an_interface_has_english_dates():
    when = datetime(2026, 12, 6, 22, 30, tzinfo=UTC)
    assert i18n.gregorian(when, "de") == "6 December 2026"
    assert i18n.offset_name(when.astimezone(ZoneInfo("Asia/Kolkata")), "xx") == "UTC+5:30"
    assert i18n.calendar("de") is i18n.calendar("en")  # read from CLDR once, kept


def test_open_graph_locales_are_locales():
    """``language_TERRITORY``: not the code doubled where that is no locale (``ja_JA``,
    ``zh_ZH``, ``ckb_CKB``), the tag's own territory when it has one."""
    cases = {
        "ar": "ar_AR", "ar-EG": "ar_AR", "en": "en_US", "en-GB": "en_GB", "pt-BR": "pt_BR",
        "tr": "tr_TR", "ja": "ja_JP", "zh": "zh_CN", "zh-Hant": "zh_TW", "zh-Hant-HK": "zh_HK",
        "ckb": "ckb_IQ", "bs": "bs_BA", "kmr": "ku_TR", "und": "",
    }
    assert {tag: og_locale(i18n.lang(tag)) for tag in cases} == cases


def test_json_ld_cannot_close_its_script_element():
    text = str(json_ld({"headline": "</script><script>alert(1)</script><!-- & >"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["headline"] == "</script><script>alert(1)</script><!-- & >"


def test_what_is_public():
    later = NOW + timedelta(hours=1)
    public = stored(1, 1)
    assert resolve([public], NOW) is public
    assert resolve([], NOW) is None
    # under embargo: not public; an update under embargo leaves the first version public
    assert resolve([stored(1, 1, embargo_until=later)], NOW) is None
    update = stored(2, 2, embargo_until=later, replaces=1)
    assert resolve([public, update], NOW) is public
    assert resolve([public, update], later) is update
    # withdrawn after it was public: the withdrawal (gone); withdrawn under embargo: never
    gone = stored(2, 2, pubstatus="canceled", replaces=1)
    assert resolve([public, gone], NOW) is gone
    held = [
        stored(1, 1, embargo_until=later),
        stored(2, 2, pubstatus="canceled", embargo_until=later, replaces=1),
    ]
    assert resolve(held, NOW) is None and resolve(held, later + timedelta(days=1)) is None
    assert resolve([public, stored(2, 2, pubstatus="withheld", replaces=1)], NOW) is None


def test_an_item_is_dated_from_when_the_public_first_could_read_it():
    """Filed on Friday 10:00 under embargo until Monday 09:00: sent again on Saturday
    12:00 without the embargo (lifted early), it was first public on Saturday; corrected
    on Monday 11:00, after the lift, it was first public at the lift."""
    friday, saturday = datetime(2026, 11, 20, 10, tzinfo=UTC), datetime(2026, 11, 21, 12, tzinfo=UTC)
    monday = datetime(2026, 11, 23, 9, tzinfo=UTC)
    filed = stored(1, 1, friday, firstcreated=friday, versioncreated=friday, embargo_until=monday)
    lifted_early = stored(
        2, 2, saturday, firstcreated=friday, versioncreated=saturday, replaces=1
    )
    history = [filed, lifted_early]
    assert resolve(history, saturday) is lifted_early
    assert first_public(history, lifted_early) == saturday
    correction_at = monday + timedelta(hours=2)
    correction = stored(
        2, 2, correction_at, firstcreated=friday, versioncreated=correction_at, replaces=1
    )
    assert first_public([filed, correction], correction) == monday
    # An update still under embargo leaves the version before it public, dated as before;
    # a withheld version was never public.
    held = stored(3, 3, correction_at, versioncreated=correction_at, embargo_until=NOW, replaces=2)
    assert first_public([filed, lifted_early, held], lifted_early) == saturday
    withheld = stored(1, 1, friday, firstcreated=friday, versioncreated=friday, pubstatus="withheld")
    assert first_public([withheld, lifted_early], lifted_early) == saturday


def test_alt_text_is_a_pictures_caption_cut_to_a_line_or_two():
    from newswire.web.i18n import ALT_MAX, alt_text

    assert alt_text("صورة الوفد في أنقرة", "عنوان") == "صورة الوفد في أنقرة"
    assert alt_text("", "الوفد يصل") == "الوفد يصل"
    assert alt_text(" سطر\nثان  ") == "سطر ثان"
    long = "وصل الوفد التركي إلى أنقرة صباح اليوم، " * 300  # a desk's caption of pages
    alt = alt_text(long)
    assert len(alt) <= ALT_MAX + 1 and alt.endswith("…")
    assert long.startswith(alt[:-1])  # cut at a word, nothing else changed
    assert not alt[:-1].endswith((" ", "،"))


def test_the_sitemap_names_no_address_of_2048_characters_or_more():
    """The sitemap protocol takes a ``loc`` of less than 2,048 characters: an item whose
    long id makes its address longer is left out; the others are named."""
    site = Site(name="n", contact="", teaser_chars=600, base_url="")
    long = NewsItem(id="خ" * 1000, version=1, language="ar", headline="h", firstcreated=NOW)
    short = NewsItem(id="urn:x:short", version=1, language="ar", headline="h", firstcreated=NOW)
    document = syndication.sitemap(site, "https://agency.example/", [long, short])
    locs = etree.fromstring(document).findall(f".//{{{syndication.SITEMAP_NS}}}loc")
    assert [loc.text for loc in locs] == ["https://agency.example/ar/news/urn:x:short"]
    assert all(len(loc.text) < 2048 for loc in locs)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.1's contrast ratio of two ``#rrggbb`` colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_public_and_portal_colours_keep_wcag_aa_contrast():
    """Read from the style sheets themselves: text 4.5:1 on what it is set on, and the
    focus ring 3:1 wherever a keyboard user's focus goes, the dark top bar too."""
    import re
    from pathlib import Path

    import newswire.web

    web = Path(newswire.web.__file__).parent
    for sheet, bar in (("public/static/public.css", ".masthead"), ("portal/static/portal.css", ".top")):
        css = (web / sheet).read_text(encoding="utf-8")
        var = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-f]{6})", css))
        var["white"] = "#ffffff"
        text = [("ink", "paper"), ("muted", "paper"), ("link", "paper"), ("white", "brand"),
                ("ink", "notice"), ("muted", "notice"), ("link", "notice"), ("white", "link")]
        if "flash" in var:
            text += [("white", "flash"), ("white", "urgent"), ("ink", "del"), ("ink", "ins")]
        for fg, bg in text:
            assert contrast(var[fg], var[bg]) >= 4.5, (sheet, fg, bg)
        for bg in ("paper", "notice"):
            assert contrast(var["focus"], var[bg]) >= 3, (sheet, bg)
        # On the bar the ring is its own colour, else --focus (2.5:1 on --brand).
        ring = re.search(re.escape(bar) + r" :focus-visible[^{]*\{\s*outline-color:\s*(#[0-9a-f]{3,6})", css)
        colour = ring.group(1) if ring else var["focus"]
        colour = "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour
        assert contrast(colour, var["brand"]) >= 3, (sheet, colour)

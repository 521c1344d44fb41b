"""The public site's words, directions and dates, per interface language.

Arabic (``ar``) and English (``en``) have interface strings; every other language gets the
English interface around its own content. A language's direction is that of its script:
right-to-left for Arabic, Persian, Urdu, Hebrew, ...; left-to-right otherwise.

Dates: Gregorian with the language's month names (Arabic ones for ``ar``: يناير, فبراير …)
and, for Arabic, the Hijri (Umm al-Qura) date beside it, ``15 جمادى الآخرة 1448 هـ``.
Digits are Western (``0-9``), as Arabic news sites write them.

Times and days are those of a zone (the deployment's ``timezone``, default UTC): a story
at 22:30 UTC is on the next day in Istanbul, its Gregorian and its Hijri date both. The
zone is named by its offset in the page's language (``offset_name``); in UTC the wording
stays ``بتوقيت غرينتش`` / ``UTC``.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import NamedTuple

import hijridate

from newswire.model import as_utc
from newswire.text.direction import direction as direction
from newswire.text.direction import primary as primary

DEFAULT = "ar"
"""The interface language of ``/`` and of pages with no language of their own."""

UNKNOWN = frozenset({"", "und", "mul", "zxx"})
"""Tags that name no one language (none, undetermined, several, no linguistic content)."""


AR_MONTHS = "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر".split()
EN_MONTHS = (
    "January February March April May June July August September October November December"
).split()

UI: dict[str, dict[str, str]] = {
    "ar": {
        "language_name": "العربية",
        "skip": "انتقل إلى المحتوى",
        "nav": "التنقل الرئيسي",
        "languages": "اللغات",
        "home": "الرئيسية",
        "news": "الأخبار",
        "latest": "آخر الأخبار",
        "other": "أخبار أخرى",
        "empty": "لا توجد أخبار منشورة بهذه اللغة بعد.",
        "subscribe": "اشترك",
        "subscribe_title": "الاشتراك في خدمة الأخبار",
        "notice": "الأخبار المنشورة على هذا الموقع هي اختصار لجزء من الأخبار التي تُعرض"
        " للمشتركين عبر نظام تدفق الأخبار.",
        "notice_more": "للحصول على النص الكامل لهذا الخبر ولسائر أخبار الوكالة:",
        "subscribe_intro": "يتلقى المشتركون من صحف وقنوات تلفزيونية ومواقع إخبارية ومصارف"
        " النص الكامل لكل خبر لحظة نشره، بالصيغ التي تقرؤها أنظمتهم.",
        "subscribe_what": "ما يحصل عليه المشترك",
        "subscribe_full": "النص الكامل للأخبار وتحديثاتها وتصحيحاتها، لا الموجز المنشور هنا.",
        "subscribe_formats": "صيغ IPTC المعيارية: ninjs وNewsML-G2 وNITF، وخلاصات RSS وAtom.",
        "subscribe_channels": "خلاصة سحب، وبث مباشر، وإشعارات ويب (webhooks) موقّعة.",
        "subscribe_how": "كيف تشترك",
        "subscribe_steps": "تواصل معنا وأخبرنا باللغات والموضوعات التي تهمك، فنعدّ لك باقة"
        " ومفتاح وصول إلى واجهة البرمجة.",
        "contact": "للتواصل:",
        "contact_default": "تواصل مع قسم الاشتراكات في الوكالة.",
        "feeds": "الخلاصات",
        "dateline": "مكان الخبر",
        "published": "نُشر",
        "hijri": "هـ",
        "utc": "بتوقيت غرينتش",
        "withdrawn_title": "سُحب هذا الخبر",
        "withdrawn_text": "سحبت الوكالة هذا الخبر، ولم يعد متاحًا.",
        "not_found_title": "الصفحة غير موجودة",
        "not_found_text": "لم نعثر على هذه الصفحة. ربما كان العنوان خاطئًا أو لم يُنشر الخبر بعد.",
        "back_home": "العودة إلى الصفحة الرئيسية",
        "footer": "موجز للأخبار؛ النص الكامل للمشتركين.",
        "credit": "المصدر",
        "named": "في هذا الخبر",
    },
    "en": {
        "language_name": "English",
        "skip": "Skip to content",
        "nav": "Main navigation",
        "languages": "Languages",
        "home": "Home",
        "news": "News",
        "latest": "Latest news",
        "other": "More news",
        "empty": "No news has been published in this language yet.",
        "subscribe": "Subscribe",
        "subscribe_title": "Subscribe to the news service",
        "notice": "The news published on this site is a shortened part of what subscribers"
        " receive through the news flow system.",
        "notice_more": "For the full text of this story and of all the agency's news:",
        "subscribe_intro": "Subscribers (newspapers, broadcasters, news portals, banks)"
        " receive the full text of every story the moment it is published, in the formats"
        " their own systems read.",
        "subscribe_what": "What subscribers receive",
        "subscribe_full": "The full text of every story, its updates and corrections, not the"
        " summary shown here.",
        "subscribe_formats": "IPTC standard formats: ninjs, NewsML-G2 and NITF, and RSS and"
        " Atom feeds.",
        "subscribe_channels": "A pull feed, a live stream and signed webhooks.",
        "subscribe_how": "How to subscribe",
        "subscribe_steps": "Contact us with the languages and subjects you need; we set up"
        " a product and an API key for you.",
        "contact": "Contact:",
        "contact_default": "Contact the agency's subscriptions desk.",
        "feeds": "Feeds",
        "dateline": "Dateline",
        "published": "Published",
        "hijri": "AH",
        "utc": "UTC",
        "withdrawn_title": "This story has been withdrawn",
        "withdrawn_text": "The agency has withdrawn this story; it is no longer available.",
        "not_found_title": "Page not found",
        "not_found_text": "We could not find this page. The address may be wrong, or the"
        " story not published yet.",
        "back_home": "Back to the home page",
        "footer": "News summaries; the full text is for subscribers.",
        "credit": "Credit",
        "named": "In this story",
    },
}


AUTONYMS: dict[str, str] = {
    "ar": "العربية", "en": "English", "tr": "Türkçe", "fr": "Français", "es": "Español",
    "ru": "Русский", "fa": "فارسی", "de": "Deutsch", "bs": "Bosanski", "hr": "Hrvatski",
    "sr": "Српски", "sq": "Shqip", "mk": "Македонски", "az": "Azərbaycanca", "kk": "Қазақша",
    "ku": "Kurdî", "kmr": "Kurmancî", "ckb": "کوردی", "id": "Bahasa Indonesia",
    "ms": "Bahasa Melayu", "sw": "Kiswahili", "ur": "اردو", "pt": "Português",
    "it": "Italiano", "el": "Ελληνικά", "he": "עברית", "zh": "中文", "ja": "日本語",
    "ko": "한국어", "uk": "Українська", "nl": "Nederlands", "ps": "پښتو",
}  # fmt: skip
"""Each language's name in itself, as a language menu shows it (a reader looks for their
own language's name, not its code): the languages newswire tells items apart by, and the
agency's neighbours'."""


def autonym(code: str) -> str:
    """The name of language ``code`` in itself (``Türkçe``), else the code itself."""
    return AUTONYMS.get(code, code)


class Lang(NamedTuple):
    """A page's language: its content language (``tag``) and the interface around it."""

    tag: str
    """The content language as a BCP 47 tag (``ar``, ``ar-EG``, ``tr``)."""
    code: str
    """Its primary subtag, lower case: the URL's language segment (``ar``, ``tr``)."""
    ui: str
    """The interface language: ``ar`` or ``en``."""
    dir: str
    """``rtl`` or ``ltr``."""

    @property
    def words(self) -> dict[str, str]:
        return UI[self.ui]

    @property
    def ui_dir(self) -> str:
        return direction(self.ui)


def text_dir(tag: str) -> str:
    """The ``dir`` attribute of a string in language ``tag``: ``auto`` when unknown
    (no tag, or ``und``, ``mul``, ``zxx``)."""
    return direction(tag) if primary(tag) not in UNKNOWN else "auto"


def lang(tag: str) -> Lang:
    code = primary(tag) or DEFAULT
    ui = code if code in UI else "en"
    return Lang(tag or code, code, ui, direction(code))


UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal",
                       "Etc/Zulu", "Zulu"})
"""The names of UTC itself, whose times keep the wording ``بتوقيت غرينتش`` / ``UTC``."""

GMT_NAMES = {"ar": "غرينتش", "en": "UTC"}
"""What an offset is counted from, per interface language (``offset_name``)."""


def is_utc(zone: tzinfo) -> bool:
    return zone is UTC or getattr(zone, "key", "") in UTC_NAMES


def local(when: datetime, zone: tzinfo = UTC) -> datetime:
    """``when`` on the clocks of ``zone``."""
    return as_utc(when).astimezone(zone)


def offset_name(when: datetime, ui: str) -> str:
    """The zone of an aware time named by its offset: ``غرينتش+3`` / ``UTC+3``,
    ``UTC+5:30``, ``UTC-3:30``; ``غرينتش`` / ``UTC`` at offset zero.

    This is Unicode CLDR's short localized GMT format (pattern ``O``), the way phones and
    computers name a zone by its offset to Arabic readers (CLDR's Arabic ``غرينتش{0}``) and
    to others: an offset is the one name every reader can work out, where a city's name
    (``بتوقيت إسطنبول``) needs a translation per zone and per language and says nothing to
    a reader who does not know the city's offset. English says ``UTC``, the site's own word
    for it. Hours without a leading zero, minutes only when the offset has some."""
    delta = when.utcoffset()
    minutes = round(delta.total_seconds() / 60) if delta is not None else 0
    name = GMT_NAMES.get(ui, GMT_NAMES["en"])
    if not minutes:
        return name
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{name}{sign}{hours}" + (f":{rest:02d}" if rest else "")


def gregorian(when: datetime, ui: str, zone: tzinfo = UTC) -> str:
    """``25 نوفمبر 2026`` / ``25 November 2026``: the day in ``zone``."""
    when = local(when, zone)
    months = AR_MONTHS if ui == "ar" else EN_MONTHS
    return f"{when.day} {months[when.month - 1]} {when.year}"


def clock(when: datetime, ui: str, zone: tzinfo = UTC) -> str:
    """``02:14 بتوقيت غرينتش`` / ``02:14 UTC``; in another zone its time and offset,
    ``05:14 (غرينتش+3)`` / ``05:14 (UTC+3)``."""
    when = local(when, zone)
    if is_utc(zone):
        return f"{when.hour:02d}:{when.minute:02d} {UI[ui]['utc']}"
    return f"{when.hour:02d}:{when.minute:02d} ({offset_name(when, ui)})"


def moment(when: datetime, ui: str, zone: tzinfo = UTC) -> str:
    """``25 نوفمبر 2026، 02:14 بتوقيت غرينتش`` / ``25 November 2026, 02:14 UTC``."""
    comma = "،" if ui == "ar" else ","
    return f"{gregorian(when, ui, zone)}{comma} {clock(when, ui, zone)}"


def numeric(when: datetime, ui: str, zone: tzinfo = UTC) -> str:
    """``2025-03-01 14:05 UTC``; in another zone ``2025-03-01 17:05 (غرينتش+3)`` /
    ``… (UTC+3)``: the portal's times, in lists where a month's name is too long."""
    when = local(when, zone)
    if is_utc(zone):
        return f"{when:%Y-%m-%d %H:%M} UTC"
    return f"{when:%Y-%m-%d %H:%M} ({offset_name(when, ui)})"


def hijri(when: datetime, zone: tzinfo = UTC) -> str:
    """``15 جمادى الآخرة 1448 هـ`` (the day in ``zone``); ``""`` outside the Umm al-Qura
    table (1924-2077)."""
    when = local(when, zone)
    try:
        h = hijridate.Gregorian(when.year, when.month, when.day).to_hijri()
    except (ValueError, OverflowError):
        return ""
    return f"{h.day} {h.month_name('ar')} {h.year} {UI['ar']['hijri']}"


LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "ar": {
        "lang_ar": "العربية",
        "lang_en": "الإنجليزية",
        "lang_fr": "الفرنسية",
        "lang_tr": "التركية",
        "lang_es": "الإسبانية",
        "lang_ru": "الروسية",
        "lang_fa": "الفارسية",
        "lang_de": "الألمانية",
    },
    "en": {
        "lang_ar": "Arabic",
        "lang_en": "English",
        "lang_fr": "French",
        "lang_tr": "Turkish",
        "lang_es": "Spanish",
        "lang_ru": "Russian",
        "lang_fa": "Persian",
        "lang_de": "German",
    },
}
"""Names of item languages, as ``lang_<code>`` words of the portal and the console."""


ALT_MAX = 250
"""Characters a picture's alt text keeps of its caption."""


def alt_text(caption: str, headline: str = "") -> str:
    """A picture's alt text: its caption, else its headline, cut at the last word before
    ``ALT_MAX`` characters with an ellipsis. A screen reader reads alt text whole at every
    thumbnail of a wire or a search, and link previews show ``og:image:alt`` on a line or
    two; a desk's caption may run to pages. The whole caption stays in the figcaption."""
    text = " ".join((caption or headline).split())
    if len(text) <= ALT_MAX:
        return text
    cut = text[:ALT_MAX].rsplit(" ", 1)[0] or text[:ALT_MAX]
    return cut.rstrip(" ,،.;:-") + "…"

"""The public site's words, directions and dates, per interface language.

The words are ``newswire.web.words.UI``: Arabic, English, and the languages of the region's
agencies (Turkish, Bosnian, Russian, Kurdish, Persian, French, Spanish, Albanian,
Macedonian, Indonesian, Chinese). Any other language gets the English interface around
its own content (``lang``: ``ui`` is ``en``). A language's direction is that of its script:
right-to-left for Arabic, Persian, Urdu, Hebrew, ...; left-to-right otherwise.

Dates: Gregorian, in the interface language's words and order, as Unicode CLDR (through
Babel) writes a long date there: ``6 Aralık 2026``, ``6 décembre 2026``,
``6 декабря 2026 г.``, ``2026年12月6日``; English as in Britain (``6 December 2026``).
Arabic keeps its own wording and, beside it, the Hijri (Umm al-Qura) date,
``15 جمادى الآخرة 1448 هـ``. Digits: Western (``0-9``) in Arabic, as Arabic news sites write
them; every other language those CLDR says it writes with: Western for all of them but
Persian, whose sites write Persian digits (``۶ دسامبر ۲۰۲۶``). Times are CLDR's short
24-hour form (``01:30``; Spanish and Persian ``1:30``, Indonesian ``01.30``), and 24-hour
where CLDR's is a 12-hour clock (Arabic, American English), as news agencies write them.

Times and days are those of a zone (the deployment's ``timezone``, default UTC): a story
at 22:30 UTC is on the next day in Istanbul, its Gregorian and its Hijri date both. The
zone is named by its offset in the page's language (``offset_name``); in UTC by the
language's ``utc`` word (``بتوقيت غرينتش``, ``UTC``, ``GMT``, ``به وقت گرینویچ``).

Each language's formats are read from CLDR once, the first time a page in it is made
(``calendar``), never per request: a date is then a few string joins.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import NamedTuple

import hijridate
from babel import Locale
from babel.dates import get_date_format, get_datetime_format, get_time_format, tokenize_pattern

from newswire.model import as_utc
from newswire.text.direction import direction as direction
from newswire.text.direction import primary as primary
from newswire.web.words import UI as UI

DEFAULT = "ar"
"""The interface language of ``/`` and of pages with no language of their own."""

UNKNOWN = frozenset({"", "und", "mul", "zxx"})
"""Tags that name no one language (none, undetermined, several, no linguistic content)."""

ALIASES = {"kmr": "ku"}
"""Language codes whose interface is another code's: Kurmanji is ``ku`` as well as ``kmr``."""


AR_MONTHS = "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر".split()



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
    """The interface language: a key of ``UI`` (``en`` for a language with none)."""
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
    ui = ALIASES.get(code, code)
    return Lang(tag or code, code, ui if ui in UI else "en", direction(code))


UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal",
                       "Etc/Zulu", "Zulu"})
"""The names of UTC itself, whose times keep the language's ``utc`` word (``UTC``)."""

LOCALES = {"en": "en_GB"}
"""The CLDR locale of an interface language, where not its own code: English dates are
British, day first (``6 December 2026``), as the site always wrote them."""

GMT_NAMES = {"ar": "غرينتش%s", "en": "UTC%s"}
"""How an offset is named (``%s`` the offset) where not as CLDR says: English says ``UTC``,
the site's own word for it, not CLDR's ``GMT``."""

DIGITS = {"latn": "0123456789", "arab": "٠١٢٣٤٥٦٧٨٩", "arabext": "۰۱۲۳۴۵۶۷۸۹"}
"""The digits of the CLDR numbering systems the interface languages write dates with."""

WESTERN_DIGITS = frozenset({"ar"})
"""Languages written with Western digits whatever CLDR's default: Arabic, as Arabic news
sites write dates."""

LRM = "\u200e"


def _number(value: int, width: int) -> str:
    return f"{value:0{width}d}" if width > 1 else str(value)


_FIELDS: dict[str, Callable[[Calendar, datetime, int], str]] = {
    "d": lambda c, w, n: _number(w.day, n),
    "M": lambda c, w, n: c.months[n][w.month - 1] if n > 2 else _number(w.month, n),
    "L": lambda c, w, n: c.alone[n][w.month - 1] if n > 2 else _number(w.month, n),
    "y": lambda c, w, n: f"{w.year % 100:02d}" if n == 2 else _number(w.year, n),
    "H": lambda c, w, n: _number(w.hour, n),
    "m": lambda c, w, n: _number(w.minute, n),
}
"""The pattern fields a long date and a 24-hour time use (CLDR's letters: day, month,
stand-alone month, year, hour, minute), by letter; ``n`` is how many times it is written."""

Part = str | tuple[Callable[["Calendar", datetime, int], str], int]


def _compile(pattern: str) -> tuple[Part, ...]:
    """A CLDR date or time pattern as literal strings and fields to fill in."""
    parts: list[Part] = []
    for _kind, value in tokenize_pattern(pattern):
        if isinstance(value, str):  # literal characters
            parts.append(value)
            continue
        letter, count = value
        if letter not in _FIELDS:
            raise ValueError(f"pattern {pattern!r}: field {letter!r} is not supported")
        parts.append((_FIELDS[letter], int(count)))
    return tuple(parts)


@dataclass(frozen=True)
class Calendar:
    """How one interface language writes a day, a time and an offset: CLDR's patterns
    and names, read once (``calendar``)."""

    ui: str
    day_pattern: tuple[Part, ...]
    time_pattern: tuple[Part, ...]
    glue: str
    """Day and time together: CLDR's medium date-time pattern (``{day}, {time}``)."""
    gmt: str
    """An offset's name, ``%s`` the offset (``GMT%s``, ``%s گرینویچ``)."""
    separator: str
    """Between an offset's hours and minutes, as between a time's (``:``, ``.``)."""
    sign: str
    """Written before an offset's sign: a left-to-right mark in Persian (as CLDR's own
    offsets), so that ``+3`` does not read ``3+``."""
    months: dict[int, tuple[str, ...]]
    """Month names in a date, abbreviated (3) and wide (4)."""
    alone: dict[int, tuple[str, ...]]
    """Month names standing alone."""
    digits: dict[int, int]
    """``str.translate`` table from Western digits to the language's (empty: Western)."""

    def _fill(self, parts: tuple[Part, ...], when: datetime) -> str:
        text = "".join([p if isinstance(p, str) else p[0](self, when, p[1]) for p in parts])
        return text.translate(self.digits) if self.digits else text

    def day(self, when: datetime) -> str:
        return self._fill(self.day_pattern, when)

    def time(self, when: datetime) -> str:
        return self._fill(self.time_pattern, when)

    def offset(self, when: datetime) -> str:
        delta = when.utcoffset()
        minutes = round(delta.total_seconds() / 60) if delta is not None else 0
        if not minutes:
            return (self.gmt % "").strip()
        hours, rest = divmod(abs(minutes), 60)
        text = f"{'-' if minutes < 0 else '+'}{hours}"
        text += f"{self.separator}{rest:02d}" if rest else ""
        name = self.gmt % (self.sign + text)
        return name.translate(self.digits) if self.digits else name


def _months(names: dict[int, str]) -> tuple[str, ...]:
    return tuple(names[m] for m in range(1, 13))


@functools.cache
def _calendar(ui: str) -> Calendar:
    locale = Locale.parse(LOCALES.get(ui, ui))
    time = get_time_format("short", locale).pattern
    fields = [v[0] for _k, v in tokenize_pattern(time) if not isinstance(v, str)]
    if not {"H", "m"} <= set(fields) or {"h", "K", "k", "a", "b", "B"} & set(fields):
        time = "HH:mm"  # a 12-hour clock (English in America, Arabic): news write 24
    between = [v for _k, v in tokenize_pattern(time) if isinstance(v, str)]
    system = "latn" if ui in WESTERN_DIGITS else locale.default_numbering_system
    digits = DIGITS[system]
    months = {n: _months(locale.months["format"][w]) for n, w in ((3, "abbreviated"), (4, "wide"))}
    alone = {n: _months(locale.months["stand-alone"][w]) for n, w in ((3, "abbreviated"), (4, "wide"))}
    if ui == "ar":
        months[4] = alone[4] = tuple(AR_MONTHS)
    glue = str(get_datetime_format("medium", locale)).replace("'", "")
    rtl = direction(ui) == "rtl"
    return Calendar(
        ui=ui,
        day_pattern=_compile(get_date_format("long", locale).pattern),
        time_pattern=_compile(time),
        glue=glue.replace("{1}", "{day}").replace("{0}", "{time}"),
        gmt=GMT_NAMES.get(ui) or locale.zone_formats["gmt"],
        separator=between[0] if between else ":",
        sign=LRM if rtl and ui != "ar" else "",
        months=months,
        alone=alone,
        digits={ord(w): ord(d) for w, d in zip(DIGITS["latn"], digits, strict=True) if w != d},
    )


def calendar(ui: str) -> Calendar:
    """Interface language ``ui``'s ``Calendar`` (English's for a language with no
    interface), made the first time it is asked for and kept."""
    return _calendar(ui if ui in UI else "en")


def is_utc(zone: tzinfo) -> bool:
    return zone is UTC or getattr(zone, "key", "") in UTC_NAMES


def local(when: datetime, zone: tzinfo = UTC) -> datetime:
    """``when`` on the clocks of ``zone``; in UTC where they cannot show it, past the
    calendar's end (an embargo the API takes, ``9999-12-31T23:59:59Z``, is in the year
    10000 east of UTC, where Python's dates stop): its offset then names UTC."""
    try:
        return as_utc(when).astimezone(zone)
    except OverflowError:
        return as_utc(when)


def offset_name(when: datetime, ui: str) -> str:
    """The zone of an aware time named by its offset: ``غرينتش+3`` / ``UTC+3``,
    ``UTC+5:30``, ``UTC-3:30``, ``GMT+3`` (Turkish, Russian, Chinese ...), ``‎+۳ گرینویچ``
    (Persian); ``غرينتش`` / ``UTC`` / ``GMT`` at offset zero.

    This is Unicode CLDR's short localized GMT format (pattern ``O``), the way phones and
    computers name a zone by its offset to the readers of each language (CLDR's Arabic
    ``غرينتش{0}``, French ``UTC{0}``, Turkish ``GMT{0}``): an offset is the one name every
    reader can work out, where a city's name (``بتوقيت إسطنبول``) needs a translation per
    zone and per language and says nothing to a reader who does not know the city's
    offset. English says ``UTC``, the site's own word for it. Hours without a leading
    zero, minutes only when the offset has some."""
    return calendar(ui).offset(when)


def gregorian(when: datetime, ui: str, zone: tzinfo = UTC) -> str:
    """``25 نوفمبر 2026`` / ``25 November 2026`` / ``25 Kasım 2026`` / ``2026年11月25日``:
    the day in ``zone``."""
    return calendar(ui).day(local(when, zone))


def _clock(found: Calendar, when: datetime, zone: tzinfo) -> str:
    if is_utc(zone):
        return f"{found.time(when)} {UI[found.ui]['utc']}"
    return f"{found.time(when)} ({found.offset(when)})"


def clock(when: datetime, ui: str, zone: tzinfo = UTC) -> str:
    """``02:14 بتوقيت غرينتش`` / ``02:14 UTC``; in another zone its time and offset,
    ``05:14 (غرينتش+3)`` / ``05:14 (UTC+3)`` / ``05:14 (GMT+3)``."""
    return _clock(calendar(ui), local(when, zone), zone)


def moment(when: datetime, ui: str, zone: tzinfo = UTC) -> str:
    """``25 نوفمبر 2026، 02:14 بتوقيت غرينتش`` / ``25 November 2026, 02:14 UTC`` /
    ``25 Kasım 2026 02:14 GMT``: day and time joined as the language joins them."""
    found, when = calendar(ui), local(when, zone)
    return found.glue.format(day=found.day(when), time=_clock(found, when, zone))


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

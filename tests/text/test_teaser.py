"""Teasers and sentence boundaries, on the seed item, real corpus articles and at random."""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import newswire.formats
from newswire.demo import corpus_item
from newswire.formats.html import make_body, squash
from newswire.model import Association, NewsItem, Rendition
from newswire.text.teaser import TEASER_RENDITIONS, TERMINALS, sentences, teaser
from tests.conftest import CORPUS_SAMPLE, SEED
from tests.helpers import examples
from tests.strategies import news_items


@pytest.fixture(scope="module")
def seed() -> NewsItem:
    return newswire.formats.get("text").parse(SEED.read_bytes())[0]


def item_with(paragraphs: list[str]) -> NewsItem:
    body, body_html = make_body(paragraphs=paragraphs)
    return NewsItem(id="urn:test:1", headline="عنوان", lead="موجز", body=body, body_html=body_html)


def assert_prefix_of(short: NewsItem, full: NewsItem) -> None:
    assert len(short.body) <= len(full.body)
    for kept, original in zip(short.body, full.body, strict=False):
        assert original.startswith(kept.removesuffix("…"))


# -- the seed --------------------------------------------------------------------------


def test_seed_teaser_keeps_everything_but_the_body_end_and_footer(seed):
    t = teaser(seed)
    assert seed.footer and t.footer == ""
    assert (t.headline, t.lead, t.dateline, t.id, t.version, t.language) == (
        seed.headline,
        seed.lead,
        seed.dateline,
        seed.id,
        seed.version,
        seed.language,
    )
    assert (t.firstcreated, t.versioncreated, t.subjects) == (
        seed.firstcreated,
        seed.versioncreated,
        seed.subjects,
    )
    assert t.body and t.body != seed.body
    assert sum(map(len, t.body)) <= 600
    assert t.body[:-1] == seed.body[: len(t.body) - 1]
    assert seed.body[len(t.body) - 1].startswith(t.body[-1])
    assert t.body[-1][-1] in TERMINALS
    assert all("ما يزيد على 11 ألف مفقود." not in p for p in t.body)
    assert t.body_html == make_body(paragraphs=t.body)[1]
    assert t.body_html.startswith("<p>") and "<strong>" not in t.body_html


@pytest.mark.parametrize("max_chars", [50, 120, 300, 600, 1000, 2000, 100_000])
def test_seed_teaser_at_any_length(seed, max_chars):
    t = teaser(seed, max_chars)
    assert sum(map(len, t.body)) <= max_chars
    assert len(t.body) < len(seed.body)
    assert seed.body[-1] not in t.body
    assert_prefix_of(t, seed)
    if t.body and not t.body[-1].endswith("…"):
        assert t.body[-1][-1] in TERMINALS


def test_seed_teaser_fits_whole_paragraphs_then_stops(seed):
    first_two = len(seed.body[0]) + len(seed.body[1])
    assert teaser(seed, first_two).body == seed.body[:2]
    assert teaser(seed, first_two + 5).body == seed.body[:2]


def test_a_first_sentence_too_long_is_cut_at_a_word(seed):
    t = teaser(seed, 40)
    assert len(t.body) == 1 and t.body[0].endswith("…")
    assert len(t.body[0]) <= 40
    cut = t.body[0].removesuffix("…")
    assert seed.body[0].startswith(cut) and seed.body[0][len(cut)] == " "


def test_max_chars_must_be_positive(seed):
    for bad in (0, -1):
        with pytest.raises(ValueError):
            teaser(seed, bad)


def test_the_seed_lead_ending_in_two_dots_is_one_sentence(seed):
    assert sentences(seed.lead) == [seed.lead]
    assert sentences(seed.lead + " وقال") == [seed.lead, "وقال"]


# -- one paragraph, one sentence ---------------------------------------------------------


def test_one_paragraph_body_gives_its_first_sentences_never_all():
    para = "انتهى الاجتماع مساء السبت. وأصدر الطرفان بيانا مشتركا. ولم تعلن تفاصيل أخرى."
    assert teaser(item_with([para])).body == [
        "انتهى الاجتماع مساء السبت. وأصدر الطرفان بيانا مشتركا."
    ]
    assert teaser(item_with([para]), 30).body == ["انتهى الاجتماع مساء السبت."]


def test_one_sentence_body_is_cut_inside_it():
    para = "أعلنت وزارة العدل عن فتح مناظرة لانتداب خمسين عدل تنفيذ في كامل تراب الجمهورية."
    (cut,) = teaser(item_with([para])).body
    assert cut.endswith("…") and len(cut) <= len(para) // 2
    assert para.startswith(cut.removesuffix("…") + " ")


def test_a_lead_that_repeats_the_body_left_out_goes():
    # A flash whose summary is its one paragraph: the teaser cut the body, and the lead
    # showed the whole story above it, on the public page, in its metadata and in the API.
    para = "أعلن وزير الخارجية القطري أن بلاده ليست في عزلة، نافيا أن تكون قطر تحت الحصار."
    flash = msgspec.structs.replace(item_with([para]), lead=para)
    t = teaser(flash)
    assert t.lead == "" and para not in " ".join([t.lead, *t.body])
    # Part of the paragraph beyond what is shown (its first sentences, the body longer).
    story = [para + " وقال إن المفاوضات مستمرة.", "وأضاف أن الحوار هو السبيل."]
    told = msgspec.structs.replace(item_with(story), lead=story[0])
    assert teaser(told, 40).lead == ""
    # A sentence of the lead the body holds but the teaser hides, whatever its last mark.
    story2 = ["نص الخبر الأول هنا.", "قال الوزير لرويترز إن الاجتماع انتهى."]
    lead2 = "قال الوزير لرويترز إن الاجتماع انتهى!"
    assert teaser(msgspec.structs.replace(item_with(story2), lead=lead2), 20).lead == ""
    # A credit or a separator paragraph in the lead's words is no repeat: the lead stays.
    credited = item_with(["نص أول طويل بما يكفي للعرض.", "-", "رويترز"])
    lead3 = "قطر - ملخص: قال الوزير لرويترز إن الاجتماع في الدوحة انتهى"
    assert teaser(msgspec.structs.replace(credited, lead=lead3)).lead == lead3
    # A summary of its own, or one the teaser shows whole anyway, stays.
    assert teaser(msgspec.structs.replace(item_with(story), lead="ملخص الخبر")).lead == "ملخص الخبر"
    assert teaser(told).body[0] == story[0] and teaser(told).lead == story[0]


def test_empty_body_gives_empty_teaser():
    t = teaser(item_with([]))
    assert t.body == [] and t.body_html == ""


# -- sentence boundaries ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "هل تنجح المفاوضات؟ يرى مراقبون أن الفرص ضئيلة.",
            ["هل تنجح المفاوضات؟", "يرى مراقبون أن الفرص ضئيلة."],
        ),
        (
            "يا له من انتصار! واحتفل المشجعون في الشوارع.",
            ["يا له من انتصار!", "واحتفل المشجعون في الشوارع."],
        ),
        (
            "وصل الوفد إلى أنقرة. والتقى رئيس جهاز الاستخبارات.",
            ["وصل الوفد إلى أنقرة.", "والتقى رئيس جهاز الاستخبارات."],
        ),
        (
            "تأجلت المباراة بسبب الأمطار؛ وستقام الأسبوع المقبل.",
            ["تأجلت المباراة بسبب الأمطار؛", "وستقام الأسبوع المقبل."],
        ),
        (
            "خلّفت أكثر من 167 ألف قتيل وجريح. وارتفع المؤشر 3.5 بالمئة إلى 1.000 نقطة.",
            ["خلّفت أكثر من 167 ألف قتيل وجريح.", "وارتفع المؤشر 3.5 بالمئة إلى 1.000 نقطة."],
        ),
        (
            "بدأ سريانه في 19 يناير/ كانون الثاني 2025، بوساطة مصرية قطرية. وانتهى في مارس.",
            [
                "بدأ سريانه في 19 يناير/ كانون الثاني 2025، بوساطة مصرية قطرية.",
                "وانتهى في مارس.",
            ],
        ),
        (
            'بين حركة "حماس" وإسرائيل. وقال: «لن نتراجع.» ثم غادر (دون تعليق.) أمس',
            ['بين حركة "حماس" وإسرائيل.', "وقال: «لن نتراجع.»", "ثم غادر (دون تعليق.)", "أمس"],
        ),
        (
            "وآخر مستجدات الجهود المبذولة.. وقال المتحدث إن الاجتماع كان إيجابيا...",
            ["وآخر مستجدات الجهود المبذولة..", "وقال المتحدث إن الاجتماع كان إيجابيا..."],
        ),
        (
            "وقال د. محمد درويش إن أ.د. أحمد حضر اللقاء. وانتهى الاجتماع.",
            ["وقال د. محمد درويش إن أ.د. أحمد حضر اللقاء.", "وانتهى الاجتماع."],
        ),
    ],
)
def test_arabic_boundaries(text, expected):
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Mr. Smith met Dr. J. Brown in the U.S. capital. It rained.",
            ["Mr. Smith met Dr. J. Brown in the U.S. capital.", "It rained."],
        ),
        (
            "Inflation rose 3.5 percent, e.g. in food. Prices hit 1,000.50 dollars! Why? Nobody knows",
            [
                "Inflation rose 3.5 percent, e.g. in food.",
                "Prices hit 1,000.50 dollars!",
                "Why?",
                "Nobody knows",
            ],
        ),
        (
            'He shouted "Stop!" and ran. "It is over." She left… Then silence.',
            ['He shouted "Stop!" and ran.', '"It is over."', "She left…", "Then silence."],
        ),
        (
            "Talks resumed on Jan. 5 in Ankara. They failed.",
            ["Talks resumed on Jan. 5 in Ankara.", "They failed."],
        ),
        (
            "M. Macron a reçu Mme. Dupont. La croissance atteint 1,5 %. Est-ce assez ?",
            ["M. Macron a reçu Mme. Dupont.", "La croissance atteint 1,5 %.", "Est-ce assez ?"],
        ),
        (
            "Prof. Dr. Ahmet Yılmaz açıklama yaptı. Enflasyon yüzde 3.5 arttı! Neden?",
            ["Prof. Dr. Ahmet Yılmaz açıklama yaptı.", "Enflasyon yüzde 3.5 arttı!", "Neden?"],
        ),
        (
            "Doç. Dr. Ayşe Kaya, ekonomi, tarım vb. konuları ele aldı. Toplantı sona erdi.",
            ["Doç. Dr. Ayşe Kaya, ekonomi, tarım vb. konuları ele aldı.", "Toplantı sona erdi."],
        ),
    ],
)
def test_latin_boundaries(text, expected):
    assert sentences(text) == expected


def test_sentences_edge_cases():
    assert sentences("") == []
    assert sentences("   ") == []
    assert sentences("بلا نقطة في النهاية") == ["بلا نقطة في النهاية"]
    assert sentences("... ثم بدأ. وانتهى") == ["... ثم بدأ.", "وانتهى"]
    assert sentences("wait... then it went on. Done.") == ["wait... then it went on.", "Done."]


# -- properties ---------------------------------------------------------------------------


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=examples(300))
@given(item=news_items(rich_body=True), max_chars=st.integers(1, 5000))
def test_teaser_properties(item, max_chars):
    t = teaser(item, max_chars)
    assert item.body
    assert t.body != item.body
    assert sum(map(len, t.body)) <= max_chars
    assert_prefix_of(t, item)
    assert t.footer == ""
    assert t.ednote == (item.ednote if item.pubstatus == "canceled" else "")
    assert t.body_html == make_body(paragraphs=t.body)[1]
    assert (t.headline, t.subjects, t.entities) == (item.headline, item.subjects, item.entities)
    assert t.lead in (item.lead, "")
    # A lead kept is no body paragraph the teaser does not show whole.
    if t.lead:
        shown = set(t.body)
        hidden = {squash(p) for p in item.body if p and squash(p) not in shown}
        assert squash(t.lead) not in hidden


@given(text=st.text(max_size=300))
def test_sentences_cover_the_text(text):
    out = sentences(text)
    assert all(s and s == s.strip() for s in out)
    assert "".join("".join(out).split()) == "".join(text.split())


# -- real articles ------------------------------------------------------------------------


def test_corpus_articles_have_short_non_empty_teasers():
    with CORPUS_SAMPLE.open(encoding="utf-8") as f:
        items = [corpus_item(json.loads(line)) for line in f if line.strip()]
    long_ones = [i for i in items if sum(map(len, i.body)) > 800][:20]
    assert len(long_ones) >= 5
    for item in long_ones:
        t = teaser(item)
        assert t.body, item.id
        assert sum(map(len, t.body)) < sum(map(len, item.body))
        assert sum(map(len, t.body)) <= 600
        assert_prefix_of(t, item)
        assert t.headline == item.headline


def test_a_withdrawal_keeps_its_reason_in_the_teaser():
    item = NewsItem(
        id="w", headline="عنوان", body=["فقرة أولى.", "فقرة ثانية."], ednote="note to editors"
    )
    assert teaser(item).ednote == ""
    withdrawn = msgspec.structs.replace(item, pubstatus="canceled", ednote="سحب الخبر لخطأ")
    assert teaser(withdrawn).ednote == "سحب الخبر لخطأ"


# -- media items -----------------------------------------------------------------------


def test_a_teaser_keeps_only_the_thumbnail_and_preview_of_a_picture():
    item = NewsItem(
        id="urn:test:photo",
        type="picture",
        headline="عنوان",
        description="الوصف",
        credit="الأناضول",
        renditions=[
            Rendition(name="original", blob="ab" * 32),
            Rendition(name="highRes", href="https://e.org/h.jpg"),
            Rendition(name="preview", href="https://e.org/p.jpg"),
            Rendition(name="thumbnail", href="https://e.org/t.jpg"),
        ],
        associations=[Association(id="urn:test:story", type="text")],
    )
    short = teaser(item)
    assert [r.name for r in short.renditions] == ["preview", "thumbnail"]
    assert short == msgspec.structs.replace(item, renditions=item.renditions[2:])
    assert {"thumbnail", "preview", "previewPoster"} == TEASER_RENDITIONS


# -- Chinese and Japanese: no spaces between words or after a full stop ----------------------

ZH = (
    "北京12月5日电（记者王丽）第五届国际人工智能大会5日在北京开幕，来自42个国家和地区的"
    "3200多名专家学者参会。中国科学院院士张钹在开幕式上表示：“人工智能的发展必须以人为本，"
    "安全是发展的前提。”他指出，今年中国人工智能核心产业规模预计突破6000亿元。"
)


def test_chinese_sentences_end_at_their_full_stop_and_closing_quote():
    assert sentences(ZH) == [
        "北京12月5日电（记者王丽）第五届国际人工智能大会5日在北京开幕，来自42个国家和地区的"
        "3200多名专家学者参会。",
        "中国科学院院士张钹在开幕式上表示：“人工智能的发展必须以人为本，安全是发展的前提。”",
        "他指出，今年中国人工智能核心产业规模预计突破6000亿元。",
    ]


def test_a_chinese_story_of_one_paragraph_has_a_teaser_of_its_first_sentences():
    # It had none: no sentence ended (no space after "。") and no space to cut a word at.
    full = item_with([ZH])
    t = teaser(full)
    assert t.body == [ZH[: ZH.index("”") + 1]]
    assert_prefix_of(t, full)


def test_a_japanese_sentence_too_long_is_cut_after_a_comma_or_between_characters():
    one = "最終日には共同声明が採択される見通しで、トルコ災害緊急事態対策庁の長官も講演する予定だと関係者が明らかにした。"
    t = teaser(item_with([one]))  # at most half of a one-sentence body: 26 characters
    assert t.body == ["最終日には共同声明が採択される見通しで…"]
    no_comma = "第五届国际人工智能大会在北京开幕来自国家和地区的多名专家学者参会6000亿元安全是发展的前提。"
    cut = teaser(item_with([no_comma])).body[0]
    assert cut.endswith("…") and no_comma.startswith(cut[:-1])
    assert 0 < len(cut) <= len(no_comma) // 2
    # Never inside the number it holds.
    assert not cut[:-1].endswith(("6", "60", "600"))

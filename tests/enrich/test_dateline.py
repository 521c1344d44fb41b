"""The dateline step: every agency form read into place and source, the place resolved in
the gazetteer, on examples of each form of the labelled set ``tests/data/datelines.jsonl``
(``bench/dateline_eval.py`` gives the figures over all of it)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from newswire import formats
from newswire.enrich.base import Document, Findings
from newswire.enrich.dateline import DatelineStep, agency_name, dateline_spans, read
from newswire.enrich.gazetteer import Gazetteer, load
from newswire.enrich.pipeline import Enricher, document
from newswire.model import MACHINE, Dateline, NewsItem
from tests.conftest import SEED

LABELLED = Path(__file__).parents[1] / "data" / "datelines.jsonl"
PER_FORM = 3


def _examples() -> list[Any]:
    rows = [json.loads(line) for line in LABELLED.read_text("utf-8").splitlines()]
    rows.sort(key=lambda r: r["form"])
    picked = []
    for form, group in itertools.groupby(rows, key=lambda r: r["form"]):
        for n, row in enumerate(itertools.islice(group, PER_FORM)):
            picked.append(pytest.param(row, id=f"{form}-{n}"))
    return picked


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load()


@pytest.fixture(scope="module")
def step(gazetteer: Gazetteer) -> DatelineStep:
    return DatelineStep(gazetteer)


@pytest.fixture(scope="module")
def seed() -> Document:
    data = SEED.read_bytes()
    item = formats.detect(data).parse(data)[0]
    text = "\n".join([item.headline, item.lead, *item.body])
    return Document(item=item, text=text, language=item.language, found=Findings())


def test_the_labelled_set_has_every_form_and_enough_lines() -> None:
    rows = [json.loads(line) for line in LABELLED.read_text("utf-8").splitlines()]
    assert len(rows) >= 60
    assert {r["lang"] for r in rows} == {
        "ar", "en", "tr", "fr", "ru", "mk", "sr", "ckb", "fa", "zh", "ja", "ko"
    }
    assert sum(r["form"] == "not a dateline" for r in rows) >= 10


@pytest.mark.parametrize("row", _examples())
def test_each_form_gives_its_place_id_and_source(step: DatelineStep, row: dict[str, Any]) -> None:
    dateline, term = step.read(row["text"].split("\n"))
    if not row["place"]:
        assert (dateline, term) == (None, None)
        return
    assert dateline is not None and term is not None
    assert dateline.place == row["place"]
    assert term.id == f"https://sws.geonames.org/{row['geonameid']}/"
    assert dateline.source == row["source"]


@pytest.mark.parametrize(
    ("first", "place", "source"),
    [
        ("واشنطن- الأناضول", "واشنطن", "الأناضول"),
        ("الرياض \u200f(واس) - قال مسؤول.", "الرياض", "واس"),
        ("دمشق، 5 يناير (رويترز) - قال مسؤول.", "دمشق", "رويترز"),
        ("القاهرة/ الأناضول-", "القاهرة", "الأناضول"),
        ("القاهرة/ الأناضول\u200f", "القاهرة", "الأناضول"),
    ],
)
def test_arabic_dateline_variants_are_read_with_a_clean_source(
    step: DatelineStep, first: str, place: str, source: str
) -> None:
    dateline, term = step.read([first, "قال مسؤول حكومي إن المحادثات ستستأنف."])
    assert dateline is not None and term is not None
    assert (dateline.place, dateline.source) == (place, source)
    assert "\u200f" not in dateline.text and term.country in {"US", "SA", "SY", "EG"}


def test_the_seed_items_dateline_is_ankara_with_coordinates_from_anadolu(
    step: DatelineStep, seed: Document
) -> None:
    found = step.find(seed)
    (place,) = found.entities
    assert (place.kind, place.rel, place.name, place.country) == ("place", "located", "أنقرة", "TR")
    assert place.id == "https://sws.geonames.org/323786/"
    assert place.latitude == pytest.approx(39.92, abs=0.01)
    assert place.longitude == pytest.approx(32.85, abs=0.01)
    assert place.creator == MACHINE and place.confidence
    assert seed.item.dateline is not None
    assert agency_name(seed.item.dateline.source) == "Anadolu Agency"


def test_an_item_without_a_dateline_gets_the_one_its_body_starts_with(step: DatelineStep) -> None:
    body = ["ANKARA (AA) - Turkey's intelligence chief met a delegation."]
    item = NewsItem(id="x", language="en", headline="Talks", body=body)
    doc = Document(item=item, text="Talks\n" + body[0], language="en", found=Findings())
    found = step.find(doc)
    assert found.dateline is not None and found.dateline.source == "AA"
    assert found.entities[0].id == "https://sws.geonames.org/323786/"


def test_a_bare_place_line_above_the_dateline_gives_the_latin_place() -> None:
    dateline = read(["Ankara", "أنقرة/ الأناضول", "نص الخبر."])
    assert dateline is not None
    assert (dateline.place, dateline.place_latin, dateline.source) == (
        "أنقرة",
        "Ankara",
        "الأناضول",
    )


@pytest.mark.parametrize(
    ("body", "taken"),
    [
        (["PARIS (AFP) — The minister said.", "More."], ["PARIS (AFP) — "]),
        (["القدس/ محمد درويش/ الأناضول التقى الوفد.", "نص."], ["القدس/ محمد درويش/ الأناضول "]),
        (["أنقرة/ الأناضول\u200f التقى الوفد."], ["أنقرة/ الأناضول\u200f "]),
        (["Ankara", "أنقرة/ الأناضول", "نص الخبر."], ["Ankara", "أنقرة/ الأناضول"]),
        (["ANKARA", "ANKARA (AA) - The talks began.", "More."], ["ANKARA", "ANKARA (AA) - "]),
    ],
)
def test_the_dateline_a_text_opens_with_is_found_where_it_stands(
    body: list[str], taken: list[str]
) -> None:
    """``dateline_spans``: the parts of the text the dateline takes, the item's own or the
    one the step read (``doc.found``), under a summary too; none for an item with no
    dateline, or with another one than its text opens with."""
    dateline = read(body)
    assert dateline is not None
    for given, found in ((dateline, None), (None, dateline)):
        item = NewsItem(id="x", headline="h", lead="A summary.", body=body, dateline=given)
        doc = document(item)
        doc.found = Findings(dateline=found)
        assert [doc.text[a:b] for a, b in dateline_spans(doc)] == taken
    assert dateline_spans(document(NewsItem(id="x", headline="h", body=body))) == []
    elsewhere = Dateline(place="ISTANBUL", source="AA", text="ISTANBUL (AA) -")
    item = NewsItem(id="x", headline="h", body=body, dateline=elsewhere)
    assert dateline_spans(document(item)) == []


def test_an_items_own_dateline_is_resolved_a_city_before_a_country(step: DatelineStep) -> None:
    item = NewsItem(
        id="x", headline="h", body=["نص"], dateline=Dateline(place="عمان", source="بترا")
    )
    found = step.find(Document(item=item, text="h\nنص", language="ar", found=Findings()))
    assert found.dateline is None  # the item's own is kept, not replaced
    (place,) = found.entities
    assert (place.id, place.name, place.country) == (
        "https://sws.geonames.org/250441/",
        "عمان",
        "JO",
    )


def test_a_photo_credit_is_not_a_dateline_but_an_unknown_arabic_place_is(
    step: DatelineStep,
) -> None:
    assert step.read(["Mustafa Kamacı / AA", "The ceremony was held."]) == (None, None)
    dateline, term = step.read(["قرية النبي صالح/ الأناضول", "نص الخبر."])
    assert dateline is not None and term is None
    assert (dateline.place, dateline.source) == ("قرية النبي صالح", "الأناضول")


def test_a_bare_capitalised_place_line_is_a_dateline_without_source(step: DatelineStep) -> None:
    dateline, term = step.read(["BEIRUT", "Lebanon's parliament met on Monday."])
    assert dateline is not None and (dateline.place, dateline.source) == ("BEIRUT", "")
    assert term is not None and term.id.endswith("/276781/")
    assert step.read(["Beirut", "Lebanon's parliament met."]) == (None, None)
    assert step.read(["BREAKING NEWS", "Lebanon's parliament met."]) == (None, None)
    assert step.read(["BEIRUT"]) == (None, None)  # a line alone is a headline


@pytest.mark.parametrize("place", ["ANKARA", "İSTANBUL"])
def test_a_plain_text_items_bare_place_line_is_its_dateline(step: DatelineStep, place: str) -> None:
    """Headline, blank line, ``ANKARA``, the text: the text codec takes the place line for
    the lead (there is no summary), and the step still reads it as the dateline."""
    data = (
        f"Erdogan meets Hamas delegation\n\n{place}\n"
        "Turkish President Recep Tayyip Erdogan met a Hamas delegation on Saturday.\n"
        "Intelligence chief Ibrahim Kalin attended the meeting.\n"
    ).encode()
    item = formats.detect(data).parse(data)[0]
    found = step.find(document(item))
    assert found.dateline is not None
    assert (found.dateline.place, found.dateline.source) == (place, "")
    (located,) = found.entities
    assert located.rel == "located" and located.country == "TR"
    assert located.latitude is not None
    enriched = Enricher([step]).enrich(item)
    assert enriched.dateline == found.dateline
    assert enriched.lead == ""  # the place line is the dateline, not a summary too
    assert Enricher([step]).enrich(enriched) == enriched
    # Written as agency text and taken in again, it is the same item: the place line is
    # written back bare, not as ``ANKARA -`` (a dateline of another text: a new version).
    text = formats.get("text")
    written = text.render(enriched)
    assert f"\n{place}\n".encode() in written
    assert Enricher([step]).enrich(text.parse(written)[0]) == enriched


def test_a_bare_place_line_under_a_summary_leaves_the_body(step: DatelineStep) -> None:
    """Headline, summary, blank line, ``ANKARA``, the text: the text codec keeps the place
    line as the body's first paragraph (it cannot tell a place from a short paragraph);
    once it is the dateline it is not the body's too, or every format showed ``ANKARA``
    twice, and the item written as agency text and taken in again was a new version with
    one ``ANKARA`` more each time."""
    data = (
        b"Turkish intelligence chief meets Hamas delegation\n"
        b"Ibrahim Kalin met a Hamas delegation to discuss aid to Gaza.\n\nANKARA\n"
        b"Turkish intelligence chief Ibrahim Kalin met a delegation from Hamas on Saturday.\n"
    )
    item = formats.detect(data).parse(data)[0]
    assert item.body[0] == "ANKARA"  # the codec's part: the step's is below
    enricher = Enricher([step])
    enriched = enricher.enrich(item)
    assert enriched.dateline is not None and enriched.dateline.place == "ANKARA"
    assert enriched.lead.startswith("Ibrahim Kalin met")
    assert enriched.body == ["Turkish intelligence chief Ibrahim Kalin met a delegation from "
                             "Hamas on Saturday."]
    assert "ANKARA" not in enriched.body_html
    assert enricher.enrich(enriched) == enriched
    text = formats.get("text")
    written = text.render(enriched)
    assert written.count(b"ANKARA") == 1
    assert enricher.enrich(text.parse(written)[0]) == enriched
    # A body that only is the place line keeps it: an item is not left without text.
    alone = msgspec.structs.replace(item, body=["ANKARA", ""], body_html="")
    assert enricher.enrich(alone).body == alone.body
    # Nor is an item without a body (a picture's caption, a flash of a headline and a
    # summary): its dateline is read in the summary, and nothing is taken away.
    bare = msgspec.structs.replace(item, body=[], body_html="", lead="ANKARA (AA) - Kalin met")
    assert enricher.enrich(bare).body == []


def test_a_dateline_read_at_the_start_of_a_paragraph_is_written_once_as_text(
    step: DatelineStep,
) -> None:
    """A ninjs item with no dateline whose body opens with ``ANKARA (AA) - …``: the step
    gives it that dateline and leaves the paragraph whole (the line is no paragraph of its
    own). Agency text writes the dateline once, as the paragraph opens with it (it was
    ``ANKARA (AA) - ANKARA (AA) - Turkey's …``), and that text, taken in again and written
    again, is the same text: no new version."""
    data = json.dumps({
        "uri": "urn:t2:dl1", "language": "en",
        "headlines": [{"role": "main", "value": "Kalin meets delegation"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value":
                    "ANKARA (AA) - Turkey's intelligence chief met a delegation on Saturday.\n"
                    "Second paragraph here."}],
    }).encode()  # fmt: skip
    enricher = Enricher([step])
    enriched = enricher.enrich(formats.get("ninjs").parse(data)[0])
    assert enriched.dateline is not None and enriched.dateline.text == "ANKARA (AA) -"
    assert enriched.body[0].startswith("ANKARA (AA) - Turkey's")  # as the source wrote it
    text = formats.get("text")
    written = text.render(enriched)
    assert written.count(b"ANKARA") == 1
    assert b"\nANKARA (AA) - Turkey's intelligence chief met" in written
    back = enricher.enrich(text.parse(written)[0])
    assert back.dateline == enriched.dateline
    assert back.body == ["Turkey's intelligence chief met a delegation on Saturday.",
                         "Second paragraph here."]
    assert text.render(back) == written
    assert enricher.enrich(text.parse(text.render(back))[0]) == back


@pytest.mark.parametrize(
    ("written", "agency"),
    [("الأناضول", "Anadolu Agency"), ("AA", "Anadolu Agency"), ("aa", "Anadolu Agency"),
     ("أ ف ب", "Agence France-Presse"), ("Reuters", "Reuters"), ("Bernama", "Bernama"),
     ("新华社", "Xinhua"), ("共同", "Kyodo News"), ("연합뉴스", "Yonhap"), ("АА", "Anadolu Agency")],
)  # fmt: skip
def test_agency_names(written: str, agency: str) -> None:
    assert agency_name(written) == agency


def _width(pattern: str) -> tuple[int, int]:
    """(the most characters ``pattern`` matches on a line where no two spaces follow each
    other, the most any of its lookaheads reads past where it stands)."""
    import re._parser as sre  # what ``re`` compiles with: the same reading of a pattern

    # On such a line, a run of space ``\s*`` or ``\s+`` matches is one character at most.
    parsed = sre.parse(pattern.replace(r"\s*", r"\s?").replace(r"\s+", r"\s"))

    def ahead(node: Any) -> int:
        most = 0
        for op, av in node:
            if op in (sre.ASSERT, sre.ASSERT_NOT) and av[0] == 1:  # a lookahead
                most = max(most, av[1].getwidth()[1], ahead(av[1]))
            elif op is sre.BRANCH:
                most = max([most, *(ahead(b) for b in av[1])])
            elif op is sre.SUBPATTERN:
                most = max(most, ahead(av[-1]))
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
                most = max(most, ahead(av[2]))
            elif op in (sre.ASSERT, sre.ASSERT_NOT, sre.ATOMIC_GROUP):
                most = max(most, ahead(av[1] if op is not sre.ATOMIC_GROUP else av))
        return most

    return parsed.getwidth()[1], ahead(parsed)


def test_no_dateline_is_longer_than_the_dateline_step_reads():
    """``dateline._READ``: the text codec's patterns, on a squashed line, match fewer
    characters (their own line whole) and read no further (at a paragraph's start)."""
    from newswire.enrich import dateline
    from newswire.formats import text

    own = [_width(p.pattern) for p in text._OWN]
    inline = [_width(p.pattern) for p in text._INLINE]
    assert max(w for w, _ in own) < dateline._READ
    # A path of the pattern stops at most at its longest match's end, and looks ahead
    # from there: the first ``_READ`` characters are all it can read.
    assert max(w + ahead + 1 for w, ahead in inline) < dateline._READ
    assert max(w for w, _ in inline) >= 100  # computed, not nothing


def test_a_printable_line_holds_no_space_but_the_space():
    """What ``opening`` takes for a squashed line (``isprintable`` and no two spaces): no
    other character the patterns' ``\\s`` matches, and no directional mark, can be in it."""
    import re
    import sys

    from newswire.formats.text import _MARK_CHARS

    space = re.compile(r"\s")
    printable_spaces = [
        c for c in map(chr, range(sys.maxunicode + 1)) if space.match(c) and c.isprintable()
    ]
    assert printable_spaces == [" "]
    assert not any(c.isprintable() for c in _MARK_CHARS)


def _opening_whole(paragraphs: list[str]) -> Any:
    """``opening`` as it was, reading every line whole: what it must still give."""
    from newswire.enrich.dateline import _bare_place, _latin
    from newswire.formats.text import inline_dateline, own_dateline

    taken: list[tuple[int, int]] = []
    for i, paragraph in enumerate(paragraphs[:3]):
        line = paragraph.strip()
        if not line:
            continue
        end = len(paragraph.rstrip())
        own = own_dateline(line)
        if own and own[0].source:
            found = own[0]
            above = paragraphs[taken[0][0]].strip() if taken else ""
            if above and _latin(above) and not _latin(found.place):
                found.place_latin = above
            return found, [*taken, (i, end)]
        inline = inline_dateline(line)
        if inline:
            return inline[0], [*taken, (i, end - len(inline[2]))]
        if taken or not _bare_place(line):
            break
        taken.append((i, end))
    return None


def test_the_opening_of_a_long_paragraph_is_read_as_the_whole():
    """``opening`` reads a long squashed paragraph's first ``_READ`` characters only: the
    same datelines, taking as much of each paragraph, as reading it whole, for every form
    of the labelled set, on its own line and at the start of a long paragraph, with the
    spaces, tabs and directional marks that send it to the whole line; and the corpus's
    paragraphs."""
    from newswire.demo import corpus_items, corpus_records
    from newswire.enrich.dateline import opening
    from tests.conftest import CORPUS_SAMPLE

    rows = [json.loads(line) for line in LABELLED.read_text("utf-8").splitlines()]
    filler = " ".join(["وقال المتحدث إن الاجتماع سيعقد في موعده"] * 12)
    cases: list[list[str]] = []
    for row in rows:
        lines = row["text"].split("\n")
        odd = (
            filler.replace(" ", "  ", 3),  # in the first characters
            filler + "  \t\u200f x",  # far from them
            filler + " \u200f",
            filler + " \u200f" * 200,
        )
        for rest in ("", " " + filler, "\t" + filler, *(" " + o for o in odd)):
            cases.append([*lines[:-1], lines[-1] + rest])
            cases.append([" ".join(lines) + rest])  # the dateline inline
            cases.append([" " + "\u200f ".join(lines) + rest + " ", "", "second"])
            cases.append([lines[0] + rest, *lines[1:]])
    # The longest datelines the patterns take: on their own line, and inline.
    place, name = "Q" + "u" * 39, "Abcdefghijklmnopqrstuvwxyzabcdefghijklm"
    cases.append([f"{place} / {name} / {name}", filler])
    cases.append([f"{place} / {name} / {name}" + " \u200f" * 30, filler])  # marks to strip
    cases.append([f"{place} / {name} / {name}" + " " * 40 + "x", filler])
    # Forms holding one of the characters the patterns look for alone.
    cases += [["PARIS (AFP)", filler], [f"ANKARA (AA): {filler}"], ["【東京共同】", filler]]
    # Longer for a run of spaces, which the patterns take whole.
    cases.append([f"ANKARA /{' ' * 160}AA", filler])
    cases.append([f"ANKARA (AA) -{' ' * 160}{filler}"])
    cases.append([f"{place.upper()}, 5 January 2025 and a long day ({name[:30]}) - {filler}"])
    for item in itertools.islice(corpus_items(corpus_records(CORPUS_SAMPLE)), 300):
        cases.append(item.body)
        cases.append([" ".join(item.body[:2])])
    long = [c for c in cases if any(len(p.strip()) > 160 for p in c[:3])]
    assert len(long) > 500
    found = [_opening_whole(c) for c in cases]
    assert sum(f is not None for f in found) > 300  # not a comparison of nothing
    assert [opening(c) for c in cases] == found


def test_the_dateline_step_tries_the_patterns_where_the_codec_would():
    """``dateline._may_own`` and ``_may_inline``: a text holding any character one of the
    text codec's patterns needs is read (the codec then tries that pattern), one holding
    none is not (the codec would try none)."""
    from newswire.enrich import dateline
    from newswire.formats import text

    for needs, may in ((text._OWN_NEEDS, dateline._may_own), (text._INLINE_NEEDS, dateline._may_inline)):
        assert all(chars for _, chars in needs)
        for _, chars in needs:
            for char in chars:
                assert may(f"ANKARA {char} AA")
        assert not may("ANKARA AA The talks will resume next week, officials said.")

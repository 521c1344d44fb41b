"""Legacy IPTC Subject Codes get the Media Topic IPTC maps them to.

Products, search facets and the public site's sections know Media Topics only: a football
story a provider tagged ``subj:15054000`` (NITF's ``tobject.subject``, a G2 ``subj:``
QCode, a ninjs subjectcode URI) reached no sport subscriber. Each is taken in with
``newswire ingest`` and checked against a sport product; each comes back unchanged (no
new version) from every format that carries subjects.
"""

from __future__ import annotations

import json

import msgspec
import pytest

from newswire import formats
from newswire.access import taxonomy
from newswire.access.products import Product, matches
from newswire.enrich.pipeline import append_enriched
from newswire.ingest import parse_bytes, with_media_topics
from newswire.model import MAPPED, Concept, NewsItem
from newswire.settings import steps_setting
from newswire.store import open_store
from tests.formats.test_newsml import assert_valid as assert_valid_g2
from tests.formats.test_ninjs import schema_errors
from tests.formats.test_nitf import assert_valid as assert_valid_nitf
from tests.helpers import newswire_here as newswire

SOCCER = "medtop:20001065"  # IPTC: subjectcode/15054000 -> mediatopic/20001065
SPORT = Product(name="sport", access="full", subjects=["medtop:15000000"])
POLITICS = Product(name="politics", access="full", subjects=["medtop:11000000"])
BODY = "The home side won the league title with a late goal in the final match of the season."

NITF = f"""<?xml version="1.0" encoding="UTF-8"?>
<nitf version="-//IPTC//DTD NITF 3.6//EN" baselang="en">
  <head>
    <title>Home side wins the league</title>
    <tobject tobject.type="news">
      <tobject.subject tobject.subject.ipr="IPTC" tobject.subject.refnum="15054000"
        tobject.subject.matter="soccer"/>
    </tobject>
    <docdata><doc-id regsrc="XYZ" id-string="urn:test:subj:nitf"/></docdata>
  </head>
  <body>
    <body.head><hedline><hl1>Home side wins the league</hl1></hedline></body.head>
    <body.content><p>{BODY}</p></body.content>
  </body>
</nitf>
"""


def _documents() -> dict[str, bytes]:
    """The same story in each way a Subject Code comes: NITF as agencies write it, a G2
    ``subj:`` QCode, a ninjs subjectcode URI, a ninjs ``subj:`` literal."""
    item = NewsItem(
        id="urn:test:subj:g2",
        language="en",
        headline="Home side wins the league",
        body=[BODY],
        body_html=f"<p>{BODY}</p>",
        subjects=[Concept(code="subj:15054000", name="soccer")],
    )
    g2 = formats.get("newsml").render(item)
    assert b'qcode="subj:15054000"' in g2
    doc = json.loads(formats.get("ninjs").render(msgspec.structs.replace(item, id="urn:test:subj:uri")))
    doc["subjects"] = [{"name": "soccer", "uri": "http://cv.iptc.org/newscodes/subjectcode/15054000"}]
    by_uri = json.dumps(doc).encode()
    doc["uri"], doc["subjects"] = "urn:test:subj:literal", [{"literal": "subj:15054000"}]
    by_literal = json.dumps(doc).encode()
    return {"nitf": NITF.encode(), "newsml": g2, "ninjs-uri": by_uri, "ninjs-literal": by_literal}


IDS = {
    "nitf": "urn:test:subj:nitf",
    "newsml": "urn:test:subj:g2",
    "ninjs-uri": "urn:test:subj:uri",
    "ninjs-literal": "urn:test:subj:literal",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    """A store holding the four documents, taken in by ``newswire ingest``."""
    folder = tmp_path_factory.mktemp("subject-codes")
    paths = []
    for name, data in _documents().items():
        path = folder / f"{name}.{'json' if name.startswith('ninjs') else 'xml'}"
        path.write_bytes(data)
        paths.append(str(path))
    url = f"sqlite:///{folder / 'store.db'}"
    result = newswire("ingest", *paths, db=url)
    assert result.returncode == 0, result.stderr.decode()
    assert sorted(result.stdout.decode().split()) == sorted(IDS.values())
    return url


@pytest.mark.parametrize("source", list(IDS))
def test_a_subject_code_reaches_the_sport_product(db, source):
    store = open_store(db)
    try:
        item = store.get(IDS[source]).item
    finally:
        store.close()
    assert matches(SPORT, item)
    assert not matches(POLITICS, item)
    codes = [(s.code, s.creator) for s in item.subjects]
    # The provider's code kept as it came, the mapped topic right after it, once, marked.
    assert codes == [("subj:15054000", ""), (SOCCER, MAPPED)]


@pytest.mark.parametrize("fmt", ["ninjs", "ninjs2", "newsml", "nitf"])
@pytest.mark.parametrize("source", list(IDS))
def test_newswires_own_output_read_back_is_no_new_version(db, source, fmt):
    """What newswire delivered, taken in again as a document of that format, is the same
    item: the mapped topic is neither dropped nor added twice, even from NITF, which
    cannot say who gave a subject."""
    store = open_store(db)
    try:
        stored = store.get(IDS[source]).item
        data = formats.get(fmt).render(stored)
        if fmt == "newsml":
            assert_valid_g2(data)
        elif fmt == "nitf":
            assert_valid_nitf(data)
        else:
            assert schema_errors(formats.get(fmt), data) == []
        items = parse_bytes(data, fmt, max_bytes=1 << 20)
        assert [s.code for s in items[0].subjects] == ["subj:15054000", SOCCER]
        (receipt,) = append_enriched(store, items, steps_setting())
        assert not receipt.created, fmt
        assert store.get(IDS[source]).item.version == stored.version
    finally:
        store.close()


def test_nitf_output_ingested_again_by_the_command_stores_nothing(db, tmp_path):
    shown = newswire("show", IDS["nitf"], "--format", "nitf", db=db)
    assert shown.returncode == 0, shown.stderr.decode()
    assert b'tobject.subject.ipr="medtop"' in shown.stdout
    path = tmp_path / "again.xml"
    path.write_bytes(shown.stdout)
    again = newswire("ingest", str(path), db=db)
    assert again.returncode == 0, again.stderr.decode()
    assert "0 new versions stored, 1 item unchanged" in again.stderr.decode()


def test_the_mapping_is_iptcs_and_prefers_the_most_specific_current_topic():
    assert taxonomy.media_topic_of("subj:15054000") == SOCCER
    assert taxonomy.media_topic_of("http://cv.iptc.org/newscodes/subjectcode/15054000") == SOCCER
    assert taxonomy.media_topic_of("SUBJ:15054000") == SOCCER
    # A detail IPTC does not map takes its matter's topic, then its subject's.
    assert taxonomy.media_topic_of("subj:15054001") == SOCCER
    assert taxonomy.media_topic_of("subj:15999999") == "medtop:15000000"
    # Subjects IPTC's export leaves unmapped take the top-level topic of their number,
    # and so do their matters that it leaves unmapped: the war desk's code reaches a
    # product on conflict, war and peace.
    for code in ("subj:16000000", "subj:16999000"):
        assert taxonomy.media_topic_of(code) == "medtop:16000000", code
    assert taxonomy.media_topic_of("subj:14000000") == "medtop:14000000"
    assert taxonomy.media_topic_of("subj:08000000") == "medtop:08000000"
    assert taxonomy.media_topic_of("subj:99000000") == ""
    # Mapped to a current topic and to a retired one: the current one.
    assert taxonomy.media_topic_of("subj:16009000") == "medtop:20000062"
    assert not taxonomy.topic("medtop:20000062").retired
    # Not Subject Codes: nothing.
    for code in ("medtop:15000000", "genre:Current", "subj:1505400", "1505400", ""):
        assert taxonomy.media_topic_of(code) == ""
    # Eight digits with no scheme: a Subject Code when no Media Topic has the number; one
    # that has is that topic (every code mapped that is a topic too maps to itself).
    assert taxonomy.media_topic_of("15054000") == SOCCER
    assert taxonomy.media_topic_of("04000000") == ""
    for digits, topic in taxonomy._subject_codes().items():
        assert not taxonomy.known(digits) or topic == f"medtop:{digits}", digits


def test_ntbs_bare_subject_codes_get_their_media_topics():
    """NTB's ninjs (IPTC's example) gives Subject Codes as eight digits with no scheme, each
    named as the Subject Code is ("Olje og energi": energy and resource), none a Media
    Topic: each gets the topic IPTC maps it to, so an economy product takes the story in."""
    from tests.formats.test_ninjs import STANDARDS

    data = (STANDARDS / "ninjs-examples/ninjs3.0_ntb_text.json").read_bytes()
    [parsed] = formats.get("ninjs").parse(data)
    item = with_media_topics(parsed)  # what parse_bytes does (the example has no body)
    assert [(s.code, s.creator) for s in item.subjects] == [
        ("Innenriks", ""),
        ("13010000", ""),
        ("medtop:13000000", MAPPED),
        ("04011000", ""),
        ("medtop:20000294", MAPPED),
        ("04005000", ""),
        ("medtop:20000256", MAPPED),
    ]
    assert matches(Product(name="economy", access="full", subjects=["medtop:04000000"]), item)
    # TT's 16000000 ("Krig, konflikter och oroligheter") is a Media Topic's number too: read
    # as that topic, nothing added.
    tt = [Concept(code="16000000", name="Krig, konflikter och oroligheter")]
    assert taxonomy.with_media_topics(tt) is tt
    assert matches(Product(name="war", access="full", subjects=["medtop:16000000"]), NewsItem(
        id="urn:test:tt", headline="x", subjects=tt))


def test_every_mapped_topic_is_in_the_tree_under_a_current_top_level_topic():
    for digits, topic in taxonomy._subject_codes().items():
        assert len(digits) == 8 and digits.isdigit()
        lineage = taxonomy.lineage(topic)
        assert lineage and taxonomy.known(topic), topic
        assert not taxonomy.topic(lineage[-1]).retired, (digits, lineage)


def test_adding_topics_keeps_what_the_source_gave():
    given = [
        Concept(code="subj:15054000", name="soccer"),
        Concept(code=SOCCER, name="football", creator="editor"),  # theirs: not marked
        Concept(code="subj:15054000", name="again"),
    ]
    assert taxonomy.with_media_topics(given) is given
    two = [Concept(code="subj:15054000"), Concept(code="subj:04005004")]
    out = taxonomy.with_media_topics(two, "en")
    assert [(c.code, c.creator) for c in out] == [
        ("subj:15054000", ""),
        (SOCCER, MAPPED),
        ("subj:04005004", ""),
        ("medtop:20001243", MAPPED),
    ]
    assert out[1].name == taxonomy.label(SOCCER, "en")
    assert taxonomy.with_media_topics(out, "en") == out
    # A topic an editor took off (the item's ``rejected``) is not added again.
    assert taxonomy.with_media_topics(two, "en", [SOCCER]) == [two[0], *out[2:]]


def test_enrich_maps_the_codes_of_items_stored_before_the_mapping(tmp_path):
    """An archive item stored with ``subj:15054000`` and no Media Topic (taken in before
    the mapping) gets a new version carrying it from ``newswire enrich --all`` or
    ``enrich ID``; a topic an editor took off is not put back, a withdrawn item is left
    alone, and a second run stores nothing."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    old = NewsItem(
        id="urn:test:subj:old",
        language="en",
        headline="Home side wins the league",
        body=[BODY],
        subjects=[Concept(code="subj:15054000", name="soccer")],
    )
    items = [
        old,
        msgspec.structs.replace(old, id="urn:test:subj:one"),
        msgspec.structs.replace(old, id="urn:test:subj:off", rejected=[SOCCER]),
        msgspec.structs.replace(old, id="urn:test:subj:gone", pubstatus="canceled"),
    ]
    store = open_store(url)
    try:
        assert all(r.created for r in store.append_many(items))  # as an old release stored them
    finally:
        store.close()
    steps = {"NEWSWIRE_ENRICH": "language"}
    one = newswire("enrich", "urn:test:subj:one", db=url, env=steps)
    assert one.returncode == 0, one.stderr.decode()
    assert one.stdout.decode().split() == ["urn:test:subj:one"]
    every = newswire("enrich", "--all", db=url, env=steps)
    assert every.returncode == 0, every.stderr.decode()
    assert every.stdout.decode().split() == ["urn:test:subj:old"]
    again = newswire("enrich", "--all", db=url, env=steps)
    assert again.returncode == 0 and again.stdout.decode().split() == []
    store = open_store(url)
    try:
        for changed in ("urn:test:subj:old", "urn:test:subj:one"):
            item = store.get(changed).item
            assert item.version == 2 and matches(SPORT, item)
            assert [(s.code, s.creator) for s in item.subjects] == [
                ("subj:15054000", ""),
                (SOCCER, MAPPED),
            ]
        for kept in ("urn:test:subj:off", "urn:test:subj:gone"):
            assert store.get(kept).item.version == 1, kept
            assert not matches(SPORT, store.get(kept).item)
    finally:
        store.close()

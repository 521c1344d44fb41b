"""The IPTC Media Topic tree (and the genre list) as the package ships them.

The vocabularies are read from ``newswire/data`` once, on first use, and kept. A Media
Topic may be written ``medtop:04000000``, ``04000000`` or
``http://cv.iptc.org/newscodes/mediatopic/04000000``; all three name the same topic.
Retired topics stay in the tree: archived items still carry them.

Legacy IPTC Subject Codes (``subj:15054000``, ``http://cv.iptc.org/newscodes/subjectcode/
15054000``; NITF's ``tobject.subject``; eight digits alone that are no Media Topic) are no
Media Topics: ``media_topic_of`` gives the
topic IPTC maps one to (``newswire/data/subjectcode.csv``, built from IPTC's own export by
``scripts/build_subjectcode_map.py``), and ``with_media_topics`` adds it to a subject list.

Some Arabic labels in IPTC's export are wrong (e.g. "arm wrestling" is labelled with the
Arabic for child care, "heads of state" with head of government, "corporate crime" with
organised crime; several topics share one label): check ``label(code, "ar")`` before
showing it to readers. The export also writes hamzas as a bare alef (اعمال, اعلام, اسرة,
ارهاب) and misspells a few words (احزب, قنوات التوزي): the shipped file spells them
right (أعمال, إعلام, أسرة, إرهاب, أحزاب, قنوات التوزيع), the codes unchanged; search
folds hamzas, so a query typed either way finds the same.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import NamedTuple

import msgspec

from newswire.model import MAPPED, Concept

_MEDTOP = re.compile(
    r"(?:medtop:|https?://cv\.iptc\.org/newscodes/mediatopic/)?(\d{8})/?", re.IGNORECASE
)


_SUBJECT_CODE = re.compile(
    r"(?:subj:|https?://cv\.iptc\.org/newscodes/subjectcode/)(\d{8})/?", re.IGNORECASE
)


_BARE = re.compile(r"\d{8}")


class Topic(NamedTuple):
    parent: str
    """The broader topic's QCode, ``""`` for a top-level topic."""
    en: str
    ar: str
    retired: str
    """The date the topic was retired, ``""`` while it is current."""


def qcode(code: str) -> str:
    """``code`` as a ``medtop:`` QCode, or ``""`` if it is not a Media Topic code."""
    m = _MEDTOP.fullmatch(code.strip())
    return f"medtop:{m.group(1)}" if m else ""


def is_within(code: str, ancestor: str) -> bool:
    """Whether topic ``code`` is ``ancestor`` itself or one of its descendants."""
    code, ancestor = qcode(code), qcode(ancestor)
    if not code or not ancestor:
        return False
    topics = _topics()
    for _ in range(len(topics) + 1):  # bounded: a cycle in an edited CSV must not spin
        if code == ancestor:
            return True
        found = topics.get(code)
        if found is None or not found.parent:
            return False
        code = found.parent
    return False


def lineage(code: str) -> list[str]:
    """``code`` as a QCode and every broader topic above it, nearest first (``[]`` if it is
    not a Media Topic): the topics a product may name to take in an item about ``code``."""
    code = qcode(code)
    if not code:
        return []
    topics, out = _topics(), [code]
    while len(out) <= len(topics):  # bounded: a cycle in an edited CSV must not spin
        found = topics.get(out[-1])
        if found is None or not found.parent or found.parent in out:
            break
        out.append(found.parent)
    return out


def known(code: str) -> bool:
    """Whether ``code`` is in the Media Topic vocabulary (retired topics included)."""
    return qcode(code) in _topics()


def label(code: str, lang: str = "en") -> str:
    """The topic's name in ``lang`` (``ar``; anything else is English), ``""`` if unknown.

    The vocabulary has no Arabic name for a few recent topics: those get the English one.
    """
    return labelled(code, lang)[0]


def labelled(code: str, lang: str = "en") -> tuple[str, str]:
    """``label`` and the language it is in (``ar`` or ``en``; ``""`` for an unknown topic):
    a page in another language shows an English name, which it must mark as English."""
    topic = _topics().get(qcode(code))
    if topic is None:
        return "", ""
    if lang.split("-")[0].lower() == "ar" and topic.ar:
        return topic.ar, "ar"
    return topic.en, "en"


def media_topic_of(code: str) -> str:
    """The Media Topic (QCode) IPTC maps Subject Code ``code`` to, ``""`` if ``code`` is no
    Subject Code or maps to none.

    Eight digits with no scheme (``13010000``, as NTB's and TT's ninjs give them) are a
    Subject Code when they are no Media Topic: those agencies' codes are Subject Codes
    (NTB names ``04005000`` "Olje og energi", the Subject Code's "energy and resource";
    TT's URI for them says ``subref``, IIM's name for Subject Codes), and the 14 codes IPTC
    maps that are Media Topics too each map to the topic of the same number.

    A code IPTC does not map itself takes its broader code's topic: a detail
    (``15054001``) its matter's (``15054000``), a matter its subject's (``15000000``), a
    subject IPTC left unmapped (``16000000``) the top-level topic of its number. A
    code mapped to a current and a retired topic takes the current one (the rows come
    current first); one mapped only to a retired topic takes that topic, which stays in
    the tree under its broader topics, so products on those still take the item in.
    """
    code = code.strip()
    m = _SUBJECT_CODE.fullmatch(code)
    if m:
        digits = m.group(1)
    elif _BARE.fullmatch(code) and not known(code):
        digits = code
    else:
        return ""
    mapping = _subject_codes()
    for broader in (digits, digits[:5] + "000", digits[:2] + "000000"):
        if broader in mapping:
            return mapping[broader]
    # IPTC's export leaves a few subjects unmapped (16000000 "unrest, conflicts and war",
    # 14000000 "social issue", 08000000 "human interest"): the 17 subjects and the 17
    # top-level Media Topics were made to match, number for number (16000000 is
    # "conflict, war and peace"), so an unmapped code takes its subject's topic.
    top = f"medtop:{digits[:2]}000000"
    return top if known(top) else ""


def with_media_topics(
    subjects: list[Concept], lang: str = "", rejected: Iterable[str] = ()
) -> list[Concept]:
    """``subjects`` with the Media Topic each Subject Code among them maps to
    (``media_topic_of``) added right after it, marked ``creator=MAPPED``, unless the list
    has that topic already or it is in ``rejected`` (an item's: an editor took it off);
    the Subject Codes themselves are kept.

    A topic the list carries unmarked that is the mapping of one of its Subject Codes is
    marked as mapped: a format that cannot say who gave a subject (NITF) sends back what
    newswire added that way, and it must be the same item again, not a new version.
    """
    wanted = {t for s in subjects if (t := media_topic_of(s.code))}
    if not wanted:
        return subjects
    present = {q for s in subjects if (q := qcode(s.code))}
    present |= {q for r in rejected if (q := qcode(r))}  # taken off: not added again
    out: list[Concept] = []
    for s in subjects:
        if not s.creator and qcode(s.code) in wanted:
            s = msgspec.structs.replace(s, creator=MAPPED)
        out.append(s)
        mapped = media_topic_of(s.code)
        if mapped and mapped not in present:
            present.add(mapped)
            out.append(Concept(code=mapped, name=label(mapped, lang), creator=MAPPED))
    return out if out != subjects else subjects


def topic(code: str) -> Topic | None:
    return _topics().get(qcode(code))


def genre_known(code: str) -> bool:
    """Whether ``code`` (``genre:Current``, exactly) is an IPTC genre, retired included."""
    return code in _genres()


def genre_named(name: str) -> str:
    """The IPTC genre whose code is ``name`` in any case (``current`` and ``Current`` give
    ``genre:Current``), ``""`` if none is: for formats that write a genre without its
    scheme (NITF's ``tobject.property``, whose default is ``current``)."""
    return _genres_by_name().get(name.strip().casefold(), "")


@cache
def _genres_by_name() -> dict[str, str]:
    return {code.removeprefix("genre:").casefold(): code for code in _genres()}


@cache
def _topics() -> dict[str, Topic]:
    return {
        row["qcode"]: Topic(
            parent=row["parent_qcode"],
            en=row["name_en_GB"],
            ar=row["name_ar"],
            retired=row["retired_date"],
        )
        for row in _rows("mediatopic.csv")
    }


@cache
def _subject_codes() -> dict[str, str]:
    """Subject Code digits -> the Media Topic QCode IPTC maps it to (current first)."""
    out: dict[str, str] = {}
    for row in _rows("subjectcode.csv"):
        out.setdefault(row["subject_code"].removeprefix("subj:"), row["media_topic"])
    return out


@cache
def _genres() -> frozenset[str]:
    return frozenset(row["qcode"] for row in _rows("genre.csv"))


def _rows(name: str) -> list[dict[str, str]]:
    """A CSV file's rows; lines before its header beginning ``#`` say where it came from."""
    # Traversable.open takes no ``newline`` (the csv module wants ""): wrap the bytes.
    with io.TextIOWrapper(
        (files("newswire") / "data" / name).open("rb"), encoding="utf-8", newline=""
    ) as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))

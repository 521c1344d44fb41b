"""The ``dateline`` step: where a story was filed, read and resolved to a place.

- An item **without** a dateline (a ninjs or NewsML-G2 item whose body starts with one)
  gets the one its first paragraphs hold, in any of the agency forms the plain-text codec
  reads (``أنقرة/ الأناضول``, ``القدس - الأناضول``, ``ANKARA (AA) - …``, ``Ankara / AA``,
  ``PARIS (AFP) —``, ``WASHINGTON, Jan 5 (Reuters) -``, ``МОСКВА, 5 декабря /АА/ -``,
  ``تهران/ آ.آ``, ``新华社北京12月5日电``, ``【東京12月5日AA】``, ``(서울=AA)``, a bare
  ``ANKARA`` line before one of those): ``newswire.formats.text.own_dateline`` and ``inline_dateline`` are the
  one parser of them.
- An item whose dateline is text alone (a NewsML-G2 ``dateline`` without ``located``, a
  ninjs dateline description) gets the place and source read in that text.
- **Every** item's dateline place (its own or the one read) is resolved in the gazetteer
  (``newswire.enrich.gazetteer``): the finding is a place entity with ``rel="located"``,
  the GeoNames id, country and coordinates, ``creator=MACHINE``.

``agency_name`` gives the agency's own name for a dateline's source as written
(``الأناضول``, ``AA`` → ``Anadolu Agency``); the list is ``AGENCY_NAMES`` here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from newswire.enrich.base import Context, Document, Findings, Term
from newswire.enrich.gazetteer import Gazetteer, load
from newswire.enrich.matcher import name_key
from newswire.formats.html import squash
from newswire.formats.text import _INLINE_NEEDS, _OWN_NEEDS, inline_dateline, own_dateline
from newswire.model import MACHINE, Dateline, Entity

__all__ = [
    "AGENCY_NAMES",
    "DatelineStep",
    "agency_name",
    "build",
    "dateline_spans",
    "opening",
    "place_entity",
    "read",
]

AGENCY_NAMES: dict[str, tuple[str, ...]] = {
    "Anadolu Agency": (
        "الأناضول", "وكالة الأناضول", "AA", "Anadolu", "Anadolu Agency", "Anadolu Ajansı",
        "Agence Anadolu", "AA.com.tr",
        "АА", "Анадолу", "آ.آ", "خبرگزاری آناتولی", "ئا.ئا",  # Russian, Persian, Sorani desks
    ),
    "Agence France-Presse": ("AFP", "أ ف ب", "أ.ف.ب", "فرانس برس", "وكالة فرانس برس"),
    "Reuters": ("Reuters", "رويترز"),
    "Associated Press": ("AP", "أسوشيتد برس", "أسوشيتدبرس"),
    "Deutsche Presse-Agentur": ("DPA", "د ب أ", "د.ب.أ"),
    "Xinhua": ("Xinhua", "شينخوا", "新华社", "新華社"),
    "China News Service": ("中新社",),
    "Kyodo News": ("Kyodo", "共同", "共同通信"),
    "Jiji Press": ("Jiji", "時事", "時事通信"),
    "Yonhap": ("Yonhap", "연합뉴스", "聯合"),
    "Newsis": ("Newsis", "뉴시스"),
    "Agencia EFE": ("EFE",),
    "ANSA": ("ANSA",),
    "TASS": ("TASS", "تاس", "ТАСС"),
    "Saudi Press Agency": ("SPA", "واس"),
    "Emirates News Agency": ("WAM", "وام"),
    "Qatar News Agency": ("QNA", "قنا"),
    "Kuwait News Agency": ("KUNA", "كونا"),
    "Jordan News Agency": ("Petra", "بترا"),
    "Syrian Arab News Agency": ("SANA", "سانا"),
    "WAFA": ("WAFA", "وفا"),
    "United Press International": ("UPI",),
}  # fmt: skip
"""An agency's name → how datelines write it."""
_AGENCY_KEYS = {name_key(a): name for name, aliases in AGENCY_NAMES.items() for a in aliases}

_FIRST_PARAGRAPHS = 3
DATELINE_CONFIDENCE = 95
"""The place is the one the dateline names, resolved by name: homonyms may still err."""


def agency_name(source: str) -> str:
    """The agency a dateline's source names (``"AA"`` → ``"Anadolu Agency"``), else the
    source as written."""
    return _AGENCY_KEYS.get(name_key(source), source)


def read(paragraphs: list[str]) -> Dateline | None:
    """The dateline at the start of ``paragraphs``: a line of its own (optionally after
    a Latin place line, ``Ankara`` above ``أنقرة/ الأناضول``) or the start of the first
    paragraph."""
    found = opening(paragraphs)
    return found[0] if found is not None else None


def opening(paragraphs: list[str]) -> tuple[Dateline, list[tuple[int, int]]] | None:
    """``read``'s dateline and what of ``paragraphs`` it is: for each paragraph it takes
    part of, (its index in ``paragraphs``, how many of its first characters are the
    dateline's). A place line above it and a dateline on its own line are taken whole,
    an inline dateline up to the text after it (``PARIS (AFP) — `` of ``PARIS (AFP) —
    The …``). ``None`` when ``paragraphs`` open with no dateline."""
    taken: list[tuple[int, int]] = []
    for i, paragraph in enumerate(paragraphs[:_FIRST_PARAGRAPHS]):
        line = paragraph.strip()
        if not line:
            continue
        end = len(paragraph.rstrip())
        head = line[:_READ]
        if len(line) > _READ and head.isprintable() and "  " not in head:
            # A paragraph longer than any dateline (most are) whose start is squashed:
            # no dateline of its own line, and one at its start is read in its first
            # ``_READ`` characters alone, as in the whole (7 µs an item less: the
            # patterns' look for their characters, the marks taken off, over the rest of
            # it). The patterns read no further than that where no two spaces follow
            # each other; what comes after, spaces or marks, is never reached.
            own = None
        else:
            own, head = own_dateline(line) if _may_own(line) else None, line
        if own and own[0].source:
            dateline = own[0]
            above = paragraphs[taken[0][0]].strip() if taken else ""
            if above and _latin(above) and not _latin(dateline.place):
                dateline.place_latin = above
            return dateline, [*taken, (i, end)]
        inline = inline_dateline(head) if _may_inline(head) else None
        if inline:
            # The rest is the paragraph's end as written (``inline_dateline`` strips it);
            # of ``head``, it is as much shorter as ``head`` is than the line.
            rest = len(inline[2]) + len(line) - len(head.rstrip())
            return inline[0], [*taken, (i, end - rest)]
        if taken or not _bare_place(line):
            break
        taken.append((i, end))
    return None


_READ = 160
"""More characters than a dateline can take, or than reading one looks at, from the start
of a line where no two spaces follow each other (printable, so that the one space there
is is ``" "``, and no directional mark): its patterns (``newswire.formats.text``'s
``_OWN`` and ``_INLINE``) have no other repetition without a bound than the spaces', and
allow 129 and 111 characters there (and one read past that, six for a lookahead of the
CJK forms). ``tests/enrich/test_dateline.py`` works them out from the patterns."""


def _holding(needs: tuple[tuple[object, str], ...]) -> Callable[[str], object]:
    """Whether a text holds a character one of the patterns of ``needs`` cannot match
    without (the text codec's ``_OWN_NEEDS``, ``_INLINE_NEEDS``): when it holds none, the
    codec tries none of them. One look for all their characters, not one a pattern (a
    long paragraph's start holds none of them, most of the time: 1-2 µs an item less)."""
    if any(not chars for _, chars in needs):  # a pattern always tried
        return lambda text: True
    chars = "".join(sorted({c for _, chars in needs for c in chars}))
    return re.compile(f"[{re.escape(chars)}]").search


_may_own = _holding(_OWN_NEEDS)
_may_inline = _holding(_INLINE_NEEDS)

_BARE = re.compile(r"[A-ZÀ-ÖØ-ÞİĞŞÇÜÖ][A-ZÀ-ÖØ-ÞİĞŞÇÜÖa-zà-öø-ÿığşçüö'’.\- ]{1,39}")


def _latin(text: str) -> bool:
    return bool(_BARE.fullmatch(text))


def _bare_place(line: str) -> bool:
    """A line that is only a place name (``ANKARA``, ``Ankara``), as above a dateline."""
    return _latin(line) and len(line.split()) <= 3


def place_entity(term: Term, language: str, confidence: int, rel: str) -> Entity:
    """The entity for a gazetteer place, named in ``language`` where a name is known."""
    lang = language.split("-", 1)[0].lower()
    names = term.names.get(lang) or [term.name]
    return Entity(
        kind="place",
        name=names[0],
        id=term.id,
        rel=rel,
        creator=MACHINE,
        confidence=confidence,
        country=term.country,
        latitude=term.latitude,
        longitude=term.longitude,
    )


class DatelineStep:
    name = "dateline"

    def __init__(self, gazetteer: Gazetteer | Callable[[], Gazetteer] = load) -> None:
        """``gazetteer``: the places, or what gives them on first use (``load``: the
        shared gazetteer is read when the first item is enriched, not when the step is
        built)."""
        self._gazetteer = gazetteer

    @property
    def gazetteer(self) -> Gazetteer:
        if not isinstance(self._gazetteer, Gazetteer):
            self._gazetteer = self._gazetteer()
        return self._gazetteer

    def find(self, doc: Document) -> Findings:
        own = doc.item.dateline
        found: Dateline | None = None
        if own is not None and (own.place or own.place_latin):
            term = self.resolve(own)
        elif own is not None and own.text.strip():
            # A dateline given only as its text (NewsML-G2's ``dateline`` without
            # ``located``, ninjs's dateline description): read the place and source in it.
            found, term = self.read([own.text.strip(), ""])
        else:
            paragraphs = _paragraphs(doc)
            found, term = self._kept(_opening_of(doc, paragraphs), paragraphs)
        entities = []
        if term is not None:
            entities.append(place_entity(term, doc.language, DATELINE_CONFIDENCE, "located"))
        return Findings(dateline=found, entities=entities)

    def read(self, paragraphs: list[str]) -> tuple[Dateline | None, Term | None]:
        """The dateline at the start of ``paragraphs`` and its place, if any.

        What the text codec's parser reads (``read``), kept when its place resolves or,
        when it does not, when its source is a known agency and its place is not a Latin
        name in mixed case (``Mustafa Kamacı / AA`` is a photo credit, not a dateline);
        else a bare capitalised line that is a place (``ANKARA``), with no source."""
        return self._kept(read(paragraphs), paragraphs)

    def _kept(
        self, dateline: Dateline | None, paragraphs: list[str]
    ) -> tuple[Dateline | None, Term | None]:
        """``read`` of ``paragraphs`` whose dateline ``read`` (the function) gave."""
        if dateline is not None:
            term = self.resolve(dateline)
            if term is not None or _plausible(dateline):
                return dateline, term
            return None, None
        line = next((p.strip() for p in paragraphs[:1] if p.strip()), "")
        if len(paragraphs) > 1 and _bare_place(line) and line.isupper():  # the cheaper first
            term = self.gazetteer.resolve(line, city=True)
            if term is not None:
                return Dateline(place=line, place_latin=line, text=line), term
        return None, None

    def resolve(self, dateline: Dateline) -> Term | None:
        """The gazetteer's place for a dateline: its Latin place first (``Ankara``
        above ``أنقرة/ الأناضول``), then the place as written; a city before a country
        of the same name (``عمان`` is Amman)."""
        return dateline_place(self.gazetteer, dateline)


def _paragraphs(doc: Document) -> list[str]:
    """The paragraphs of ``doc`` a dateline is read at the start of: its body (its text's
    lines after the headline when it has none)."""
    paragraphs = doc.item.body or doc.text.split("\n")[1:]
    lead = doc.item.lead.strip()
    if doc.item.body and lead.isupper() and _bare_place(lead):
        # A plain-text item with no summary: its bare ``ANKARA`` line, the first of the
        # text, is what the text codec took for the lead.
        return [lead, *paragraphs]
    return paragraphs


def _opening_of(doc: Document, paragraphs: list[str]) -> Dateline | None:
    """``opening(paragraphs)``'s dateline, ``paragraphs`` being ``_paragraphs(doc)``: read
    once an item (``Document.opening``), whichever step asks first."""
    if doc.opening is None:
        doc.opening = opening(paragraphs) or ()
    return doc.opening[0] if doc.opening else None


def dateline_spans(doc: Document) -> list[tuple[int, int]]:
    """Where in ``doc.text`` the item's dateline stands, when its text opens with it (a
    ninjs or NewsML-G2 body starting ``PARIS (AFP) — …``; the plain-text codec takes the
    dateline out of the body): (start, end) of each part of the text it takes (``opening``),
    in order. The dateline is the item's own or the one this step read (``doc.found``,
    for the steps after this one); the dateline the text opens with is taken for it when
    it has the same text or the same place. Empty when the item has no dateline or its
    text does not open with it.

    What is named there is where the story comes from (the agency, the reporter; the
    place is the dateline's ``located`` place), not what it is about: the ``entities``
    step takes no mention from it, so that an item gives the same entities whatever
    format brought it."""
    given = [d for d in (doc.item.dateline, doc.found.dateline) if d is not None]
    if not given:
        return []
    paragraphs = _paragraphs(doc)
    # The dateline step read it already when the item had none of its own; otherwise
    # it is read only when the text's start may hold it.
    if doc.opening is None and not _named_at_start(paragraphs, given):
        return []
    if _opening_of(doc, paragraphs) is None:
        return []
    found = doc.opening
    assert found  # read above: a dateline and its parts
    if not any(_same(found[0], d) for d in given):
        return []
    text, item = doc.text, doc.item
    # The headline opens the text, then the lead: a paragraph of the body is looked for
    # after them. A lead opening with the same dateline (a summary that is the first
    # paragraph) names the agency no more than the body does.
    start = len(item.headline) if text.startswith(item.headline) else 0
    spans: list[tuple[int, int]] = []
    if item.lead and paragraphs is item.body and (lead := _line_at(text, item.lead, start)) >= 0:
        start = lead + len(item.lead)
        index, length = found[1][0]
        head = paragraphs[index][:length]
        if len(found[1]) == 1 and head.strip() and item.lead.startswith(head):
            spans.append((lead, lead + length))
    for index, length in found[1]:
        paragraph = paragraphs[index]
        at = _line_at(text, paragraph, start)
        if at < 0:  # not the text the steps read (a step changed it): nothing taken
            return []
        spans.append((at, at + length))
        start = at + len(paragraph)
    return spans


_HEAD = 200
"""More than a dateline's place, date, byline and source take (40, 30, 40, 40 characters)."""


def _named_at_start(paragraphs: list[str], given: list[Dateline]) -> bool:
    """Whether the first two lines of ``paragraphs`` hold, near their start, the place or
    the text of a dateline of ``given``, as written but for case: what ``_same`` needs,
    looked for before the dateline is read again. Reading it costs 10-50 µs an item, and
    the text codec's items, which have their dateline out of the body, would pay it for
    nothing."""
    lines = [p for p in paragraphs[:_FIRST_PARAGRAPHS] if p.strip()][:2]
    head = "\n".join(line[:_HEAD] for line in lines).casefold()
    return any(
        name.strip() and squash(name).casefold() in head
        for d in given
        for name in (d.place, d.place_latin, d.text)
    )


def _line_at(text: str, line: str, start: int) -> int:
    """Where ``line`` stands in ``text`` at the start of a line, from ``start`` on; -1
    when it does not."""
    at = text.find(line, start)
    while at > 0 and text[at - 1] != "\n":
        at = text.find(line, at + 1)
    return at


def _same(read: Dateline, given: Dateline) -> bool:
    """Whether the dateline ``read`` at the start of a text is ``given``: the same text
    (``ANKARA (AA) -``), or the same place (``ANKARA``, ``Ankara``)."""
    if given.text.strip() and name_key(read.text) == name_key(given.text):
        return True
    places = {name_key(p) for p in (given.place, given.place_latin) if p.strip()}
    return any(name_key(p) in places for p in (read.place, read.place_latin) if p.strip())


_QUALIFIERS = frozenset(name_key(q) for q in ("المحتلة", "المحتل"))
"""Words a dateline writes after its place that are no part of the place's name: AA's
``القدس المحتلة/ الأناضول`` (occupied Jerusalem) is filed from ``القدس``."""


def dateline_place(gazetteer: Gazetteer, dateline: Dateline) -> Term | None:
    """``DatelineStep.resolve``, for a step that has the gazetteer but not the dateline
    step (``entities``, for the countries an item names). A place no name fits is looked
    for again without a qualifier closing it (``القدس المحتلة`` is ``القدس``)."""
    for name in (dateline.place_latin, dateline.place):
        if name and (term := gazetteer.resolve(name, city=True)):
            return term
        words = name.split()
        qualified = len(words) > 1 and name_key(words[-1]) in _QUALIFIERS
        if qualified and (term := gazetteer.resolve(" ".join(words[:-1]), city=True)):
            return term
    return None


def _plausible(dateline: Dateline) -> bool:
    """Whether a dateline whose place is unknown is still one (``DatelineStep.read``)."""
    known = name_key(dateline.source) in _AGENCY_KEYS
    return known and not (_latin(dateline.place) and not dateline.place.isupper())


def build(context: Context) -> DatelineStep:
    return DatelineStep(load)

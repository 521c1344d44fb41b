"""The ``entities`` step: the people, organisations and places an item names.

One automaton (``newswire.enrich.matcher``) holds the names of the authority file's people
and organisations (``newswire.enrich.vocabulary``, what editors edit) and of the
gazetteer's places (``newswire.enrich.gazetteer.Gazetteer.match_names``); the vocabulary's
names come first, so an editor's entry wins a name it shares with a place. Each entity is
found once, named in the item's language where a name is known (else in the language
of a name the item used: a German item naming "Netanyahu" shows the English name), typed, with
``creator=MACHINE`` and a confidence:

- ``CONFIDENT`` (90) for a name of two words or more, or named more than once;
- ``SHORT`` (60) when the only mentions are one short word (``قالن`` alone);
- ``ADJECTIVE`` (50) for a country known only from its adjective (``الإسرائيلي``).

In Latin script, a name must start with a capital letter in the text (``Van`` the city,
not "van"). A name in the dateline the text opens with (``PARIS (AFP) —``, ``أنقرة/
الأناضول``: the item's own dateline or the one the ``dateline`` step read) is no mention
(``dateline.dateline_spans``); the same name elsewhere in the text is. A place named
only by the name of a person or an organisation the item's source gives is none
(``_people_not_places``). The most
mentioned come first, then the earliest. The automaton is rebuilt when the vocabulary's
``version()`` changes: asked on every look, as it is cheap (the vocabulary reads the
store at most once a second), so that a change is in force within that second, not
within a second interval of the step's added to it.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

import msgspec

from newswire.access.products import ISO3166
from newswire.enrich import warmcache
from newswire.enrich.base import Context, Document, Findings, Term
from newswire.enrich.dateline import dateline_place, dateline_spans, place_entity
from newswire.enrich.gazetteer import Gazetteer, geonames_uri, load
from newswire.enrich.matcher import Match, Matcher, name_key
from newswire.enrich.vocabulary import Vocabulary
from newswire.model import MACHINE, Entity, NewsItem
from newswire.text.normalize import fold_latin

__all__ = ["EntitiesStep", "TermSource", "build"]

CONFIDENT = 90
SHORT = 60
ADJECTIVE = 50
_MADE = 1 << 15
"""At most this many entities remembered (``EntitiesStep._entity``), then made afresh."""
RESOLVED = frozenset(("person", "organisation", "place"))
"""The kinds ``identify`` gives an id to (the authority file's and the gazetteer's)."""
GEONAMES_QCODE = "geonames:"
"""A GeoNames place as a QCode (``geonames:323786``), as NewsML-G2 and NITF may give it."""


class TermSource(Protocol):
    """The authority file as the step reads it (``newswire.enrich.vocabulary.Vocabulary``).

    ``terms()`` is every person and organisation (and any place an editor added) with
    every name it goes by; ``version()`` changes whenever an editor changes anything and
    is cheap to call."""

    def terms(self) -> list[Term]: ...

    def version(self) -> int: ...


class _Fixed:
    """A term source that never changes (tests, the bench)."""

    def __init__(self, terms: Sequence[Term]) -> None:
        self._terms = list(terms)

    def terms(self) -> list[Term]:
        return self._terms

    def version(self) -> int:
        return 0


class _Index:
    """What one vocabulary version gives: the matcher and each key's term. ``version``:
    the source's, read before ``terms`` were (so they are at least as new)."""

    def __init__(self, terms: list[Term], gazetteer: Gazetteer | None, version: int = 0) -> None:
        self.version = version
        self.source = (terms, gazetteer)
        """What it was made of."""
        self.terms: dict[str, Term] = {t.id: t for t in terms}
        pairs = [(name, t.id) for t in terms for names in t.names.values() for name in names]
        pairs += [(t.name, t.id) for t in terms]
        self.adjectives: frozenset[str] = frozenset()
        # The gazetteer's names and the automaton of them all, as the last process to
        # build them for these terms kept them (``warmcache``): with the shipped
        # gazetteer, which the kept file's name follows (a few terms alone build fast).
        kept = gazetteer is not None and gazetteer.shipped
        parts = [_ENCODE(terms)] if kept else []
        found = warmcache.load("entities", parts) if kept else None
        if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], Matcher)):
            found = None  # nothing kept, or not what this code keeps
        places: list[tuple[str, str]] = []
        if found is not None:
            places, matcher = found
            pairs += places
            _remember_matcher(pairs, matcher)
        elif gazetteer is not None:
            places = gazetteer.match_names()
            pairs += places
        if gazetteer is not None:
            self.terms.update((p, gazetteer.places[p]) for _, p in places if p not in self.terms)
            self.adjectives = gazetteer.adjective_keys
        if found is None:
            matcher = _matcher(pairs)
            if kept:
                warmcache.save("entities", parts, (places, matcher))
        self.matcher = matcher
        self._pairs = pairs
        self._folded: dict[str, str | None] | None = None

    def folded(self, name: str) -> str | None:
        """The key of the one term a name typed without its Latin diacritics names
        (``fold_latin``: ``Mansur Yavas`` is ``Mansur Yavaş``), None when none does or
        when two do (``Celik`` for ``Çelik`` and ``Celik`` both). Made on the first name
        the automaton does not know as typed; only Latin names are kept."""
        if self._folded is None:
            exact: dict[str, str] = {}
            for surface, term_id in self._pairs:  # as the automaton: a name's first key
                exact.setdefault(name_key(surface), term_id)
            folded: dict[str, str | None] = {}
            for key, term_id in exact.items():
                bare = fold_latin(key)
                if any("a" <= c <= "z" for c in bare):
                    folded[bare] = term_id if folded.get(bare, term_id) == term_id else None
            self._folded = folded
        return self._folded.get(name_key(fold_latin(name)))


_LAST: list[tuple[list[tuple[str, str]], Matcher]] = []
_LAST_LOCK = threading.Lock()
_LAST_INDEX: list[_Index] = []


def _index(terms: list[Term], gazetteer: Gazetteer | None, version: int) -> _Index:
    """``_Index(terms, gazetteer, version)``: the last one made, under ``version``, when it
    was made of the same. A bulk ingest's workers each open the store again, and their
    steps find the vocabulary their parent warmed (``warm``): a twentieth of a second each
    (the terms by id, the pairs of names), not spent again."""
    with _LAST_LOCK:
        last = _LAST_INDEX[0] if _LAST_INDEX else None
    if last is not None and last.source[1] is gazetteer and last.source[0] == terms:
        if last.version == version:
            return last
        again = copy.copy(last)
        again.version = version
        return again
    made = _Index(terms, gazetteer, version)
    with _LAST_LOCK:
        _LAST_INDEX[:] = [made]
    return made


def _remember_matcher(pairs: list[tuple[str, str]], matcher: Matcher) -> None:
    """``matcher`` (loaded, not built) is what ``_matcher(pairs)`` gives from now on."""
    with _LAST_LOCK:
        _LAST[:] = [(pairs, matcher)]


_ENCODE = msgspec.msgpack.Encoder().encode
"""The vocabulary's terms as bytes, for the name of what ``warmcache`` keeps of them."""


def _matcher(pairs: list[tuple[str, str]]) -> Matcher:
    """The automaton of ``pairs``: the last one built when it was built of the same pairs.
    A bulk ingest's workers are forked from a process that built it (``warm``), and a
    store opened again in a process (each of a worker's ``enricher_for``) finds the same
    names: a third of a second each, not spent again."""
    with _LAST_LOCK:
        if _LAST and _LAST[0][0] == pairs:
            return _LAST[0][1]
    matcher = Matcher(pairs)
    with _LAST_LOCK:
        _LAST[:] = [(pairs, matcher)]
    return matcher


class EntitiesStep:
    name = "entities"

    def __init__(
        self,
        source: TermSource | Sequence[Term],
        gazetteer: Gazetteer | Callable[[], Gazetteer] | None = None,
    ) -> None:
        """``source``: the vocabulary (or a fixed list of terms); ``gazetteer``: the
        places, or what gives them (``load``), ``None`` for people and organisations only.
        Nothing is read until the first item: the automaton is built then."""
        self._source: TermSource = _Fixed(source) if isinstance(source, Sequence) else source
        self._places = gazetteer
        self._lock = threading.Lock()
        self._index: _Index | None = None
        self._made: tuple[_Index | None, dict[tuple[str, frozenset[str], bool, str], Entity]]
        self._made = (None, {})

    @property
    def _gazetteer(self) -> Gazetteer | None:
        if self._places is not None and not isinstance(self._places, Gazetteer):
            self._places = self._places()
        return self._places

    def _current(self) -> _Index:
        index = self._index
        if index is not None and index.version == self._source.version():
            return index
        with self._lock:
            version = self._source.version()
            if self._index is None or self._index.version != version:
                self._index = _index(self._source.terms(), self._gazetteer, version)
            return self._index

    def version(self) -> int:
        """The vocabulary version of what ``identify`` and ``merged_alike`` give for a name
        (that of the matcher; the merges read are at least as new): what a cache of them
        holds (search's compiled ``entity=`` filters, ``pipeline.names_version``) is right
        while this stays. A cache reads it before it resolves names, so that what it keeps
        is never older than the version it keeps it under."""
        return self._current().version

    def warm(self) -> None:
        """``base.Warms``: the gazetteer read and the automaton built."""
        self._current()

    def find(self, doc: Document) -> Findings:
        index = self._current()
        return self._found(index, doc, index.matcher.find(doc.text))

    def find_many(self, docs: list[Document]) -> list[Findings]:
        """``base.Batches``: ``find`` of each of ``docs``, the matcher folding their texts
        at once (``Matcher.find_many``)."""
        index = self._current()
        found = index.matcher.find_many([doc.text for doc in docs])
        return [self._found(index, doc, matches) for doc, matches in zip(docs, found, strict=True)]

    def _found(self, index: _Index, doc: Document, matches: list[Match]) -> Findings:
        """What ``find`` finds in ``doc``, ``matches`` being the matcher's names in it."""
        if not matches:
            return Findings(entities=[])
        # Each term's mentions, and the keys of the names they use, in the order first met.
        mentions: dict[str, list[Match]] = {}
        used: dict[str, list[str]] = {}
        text = doc.text
        words = _words_in(doc.language or doc.item.language)
        terms = index.terms
        surfaces = _SURFACES
        dateline: list[tuple[int, int]] | None = None  # read when first needed
        dateline_end = 0  # where its last part ends: no match starting after it is in it
        competition: bool | None = None  # whether the text holds a competition's word
        for m in matches:
            # What the surface alone decides (its case or script, its key) is remembered:
            # the same few thousand names are written the same way item after item.
            surface = m.surface
            known = surfaces.get(surface)
            if known is None:
                known = _surface(surface)
            shown, key = known
            if not shown or (words and key in words):
                continue
            if terms[m.key].kind == "place":
                if competition is None:
                    competition = any(word in text for word in _COMPETITION_WORDS)
                if competition and _COMPETITION.search(text, max(0, m.start - 8), m.start):
                    continue
            # The dateline the text opens with names where the story comes from, not what
            # it is about (``PARIS (AFP) —``: AFP is no mention; its place is the dateline
            # step's ``located``): as in plain text, whose codec takes it out of the body.
            # Read for an item with a mention the other rules keep (the checks are
            # independent: their order changes nothing but their cost).
            if dateline is None:
                dateline = dateline_spans(doc)
                dateline_end = max((end for _, end in dateline), default=0)
            if m.start < dateline_end and any(
                m.start < end and start < m.end for start, end in dateline
            ):
                continue
            if (seen := mentions.get(m.key)) is None:
                mentions[m.key] = [m]
                used[m.key] = [key]
            else:
                seen.append(m)
                used[m.key].append(key)
        if doc.item.entities:
            _people_not_places(doc.item, terms, mentions, used)
        # The most mentioned first, then the earliest: the terms are in the order of their
        # first mention already, which a stable sort on the count keeps among equals.
        ranked = sorted(mentions.items(), key=lambda kv: -len(kv[1]))
        return Findings(
            entities=[
                self._entity(index, terms[key], used[key], len(found) > 1, doc.language)
                for key, found in ranked
            ]
        )

    def merged_alike(self, ids: Sequence[str]) -> list[str]:
        """The ids that name the same entries as ``ids`` through the vocabulary's merges,
        beyond ``ids`` themselves: for a merged id, the entry it was merged into; for an
        entry, every id merged into it. Items tagged before a merge carry the old id until
        ``newswire enrich --all`` tags them again: a filter naming either finds both."""
        if not isinstance(self._source, Vocabulary) or not ids:
            return []
        merges = self._source.merges()
        if not merges:
            return []
        into: dict[str, list[str]] = {}
        for source, target in merges.items():
            into.setdefault(target, []).append(source)
        out: list[str] = []
        for term_id in ids:
            target = merges.get(term_id, term_id)
            for alike in (target, *sorted(into.get(target, ()))):
                if alike not in ids and alike not in out:
                    out.append(alike)
        return out

    def countries(self, item: NewsItem) -> frozenset[str]:
        """``base.Identifies``: the countries ``item`` names itself. Its places'
        ``country``; a place named by id, its country (a GeoNames place's, an ISO 3166
        URI's or QCode's); a country named without an id (``Lebanon``); the dateline's place as the dateline step resolves it (a city
        before a country of its name), else the last part of a ``Grosseto, Italy``."""
        out: set[str] = set()
        gazetteer = self._gazetteer
        for entity in item.entities_of("place"):
            if entity.id and not entity.country:
                if m := ISO3166.fullmatch(entity.id):
                    out.add(m.group(1).upper())
                    continue
                entity = self._placed(entity)
            elif not entity.id and not entity.country and gazetteer is not None:
                country = gazetteer.resolve(entity.name)
                if country is not None and gazetteer.is_country(country.id):
                    entity = msgspec.structs.replace(entity, country=country.country)
            if entity.country:
                out.add(entity.country.upper())
        dateline = item.dateline
        if dateline is not None and gazetteer is not None:
            term = dateline_place(gazetteer, dateline)
            for name in (dateline.place_latin, dateline.place):
                if term is None and "," in name:
                    term = gazetteer.resolve(name.rsplit(",", 1)[1], city=True)
            if term is not None and term.country:
                out.add(term.country)
        return frozenset(out)

    def identify(self, entity: Entity, countries: frozenset[str] = frozenset()) -> Entity:
        """``base.Identifies``: a person, organisation or place named without an id, given
        the id of the vocabulary's or the gazetteer's term of that name and kind (any of
        its names, in any language: ``Gaza`` and ``غزة`` are one place); a place the
        matcher does not look for in running text (a small town) is still found by the
        gazetteer's own lookup. A place with an id of the gazetteer's (its GeoNames URI,
        or the ``geonames:`` QCode of it) and no country or no coordinates gets what it
        lacks of them: ninjs carries no country, so a place newswire sent out comes back
        without it, and a source may name a place by id alone.

        A name is a name someone typed (a source, an editor, a subscriber's filter), so
        case and Latin diacritics do not matter: one no term has as typed is looked up
        again without them (``Mansur Yavas`` is ``Mansur Yavaş``, ``_Index.folded``), among
        the names the automaton holds. Running text is matched as written (``find``).

        A place is looked for first in ``countries`` (``countries(item)``: the ones the
        item names) or in the ``country`` the entity has: ``Tripoli`` in an item naming
        Lebanon is Lebanon's. When the gazetteer has no place of that name there, the
        place it would give otherwise is taken only if it is one the automaton looks
        for in running text (a country, a capital, a large city: ``Paris`` in an item
        about Italy is still Paris); a small place in another country is more likely a
        namesake of one the gazetteer lacks, so the name keeps no id: IPTC's example names
        ``Tuscany`` beside ``Italy``, and the gazetteer's only Tuscany is a neighbourhood of
        Calgary. With no country named, a name resolves as the gazetteer resolves it."""
        if entity.id:
            if entity.kind == "place" and (not entity.country or entity.latitude is None):
                return self._placed(entity)
            return entity
        if entity.kind not in RESOLVED:
            return entity
        index = self._current()
        found = index.matcher.lookup(entity.name)
        term = index.terms.get(found) if found is not None else None
        if entity.kind == "place" and (gazetteer := self._gazetteer):
            wanted = frozenset((entity.country.upper(),)) if entity.country else countries
            term = _place(index, gazetteer, entity.name, term, wanted)
        if term is None and (found := index.folded(entity.name)) is not None:
            term = index.terms.get(found)
        if term is None or term.kind != entity.kind:
            return entity
        if term.kind != "place":
            return msgspec.structs.replace(entity, id=term.id, country=entity.country or term.country)
        located = entity.latitude is not None
        return msgspec.structs.replace(
            entity,
            id=term.id,
            country=entity.country or term.country,
            latitude=entity.latitude if located else term.latitude,
            longitude=entity.longitude if located else term.longitude,
        )

    def _placed(self, entity: Entity) -> Entity:
        gazetteer = self._gazetteer
        if gazetteer is None:
            return entity
        place_id = entity.id
        if place_id.startswith(GEONAMES_QCODE) and place_id[len(GEONAMES_QCODE):].isdigit():
            place_id = geonames_uri(place_id[len(GEONAMES_QCODE):])
        term = gazetteer.places.get(place_id)
        if term is None:
            return entity
        located = entity.latitude is not None
        return msgspec.structs.replace(
            entity,
            country=entity.country or term.country,
            latitude=entity.latitude if located else term.latitude,
            longitude=entity.longitude if located else term.longitude,
        )

    def _entity(
        self, index: _Index, term: Term, used: list[str], many: bool, lang: str
    ) -> Entity:
        """The entity of ``term`` named by the names whose keys are ``used``, ``many`` when
        mentioned more than once: made once for each term, set of names used, one mention
        or more, and language (the same places and people are named the same way in item
        after item), a copy of it given to each item."""
        names = frozenset(used)
        made, entities = self._made
        if made is not index or len(entities) >= _MADE:
            made, entities = self._made = (index, {})
        wanted = (term.id, names, many, lang)
        entity = entities.get(wanted)
        if entity is None:
            entity = entities[wanted] = self._made_entity(index, term, names, many, lang)
        return msgspec.structs.replace(entity)

    def _made_entity(
        self, index: _Index, term: Term, names: frozenset[str], many: bool, lang: str
    ) -> Entity:
        if all(_adjective(index, n) for n in names):
            confidence = ADJECTIVE
        elif many or any(" " in n for n in names):
            confidence = CONFIDENT
        else:
            confidence = SHORT
        language = _shown_language(term, lang, names)
        if term.kind == "place":
            return place_entity(term, language, confidence, "mentions")
        shown = term.names.get(language) or [term.name]
        return Entity(
            kind=term.kind,
            name=shown[0],
            id=term.id,
            rel="mentions",
            creator=MACHINE,
            confidence=confidence,
            country=term.country,
        )


def _shown_language(term: Term, lang: str, used: frozenset[str]) -> str:
    """The language whose name of ``term`` an item in ``lang`` shows: its own when the term
    has a name in it; else the first language whose names hold one the item used (``used``:
    their keys; a German item naming "Benjamin Netanyahu" shows the English name, not the
    Arabic one), so that the name shown is in the item's script; else ``lang`` (the term's
    main name)."""
    language = lang.split("-", 1)[0].lower()
    if term.names.get(language):
        return language
    for other, names in term.names.items():
        if any(name_key(name) in used for name in names):
            return other
    return language


def _place(
    index: _Index, gazetteer: Gazetteer, name: str, term: Term | None, countries: frozenset[str]
) -> Term | None:
    """The place ``identify`` gives ``name``: ``term`` is what the automaton holds for it
    (an editor's own place wins as it is)."""
    if term is not None and term.id not in gazetteer.places:
        return term
    if not countries:
        return term or gazetteer.resolve(name)
    local = gazetteer.resolve(name, countries=countries)
    if local is not None and local.country in countries:
        return local
    found = term or local
    return found if found is not None and found.id in index.terms else None


_WORDS_IN: dict[str, frozenset[str]] = {
    "fa": frozenset(name_key(w) for w in ("دوشنبه", "ودوشنبه")),
    "ar": frozenset(name_key(w) for w in ("بحماس", "وبحماس", "فبحماس")),
}
"""Names that, as written, are words of the item's language far more often than the
name, and so are no mention of it: in Persian ``دوشنبه`` is Monday (Dushanbe's name
means it), written in every other story; in Arabic ``بحماس`` is "with enthusiasm" (every
one of the corpus's 22 in sports stories: a football match played بحماس was tagged
Hamas), where Hamas's own stories name it as ``حماس`` or ``حركة حماس`` as well."""

_COMPETITION_WORDS = ("أبطال", "أمم", "كأس")
_COMPETITION = re.compile(r"(?:أبطال|أمم|كأس)\s+$")
"""The word before a place that makes it part of a competition's name, not a place the
story is about: دوري أبطال أوروبا (the Champions League), كأس أمم أفريقيا, كأس آسيا. Only a
text holding one of ``_COMPETITION_WORDS`` is searched before each place."""


_ARABIC = re.compile("[\u0600-\u06ff]")


def _arabic(text: str) -> bool:
    return _ARABIC.search(text) is not None


_SURFACES: dict[str, tuple[bool, str]] = {}
"""``_surface`` of the names as written that the matcher found, remembered."""
_SURFACES_MAX = 1 << 16


def _people_not_places(
    item: NewsItem, terms: dict[str, Term], mentions: dict[str, list[Match]],
    used: dict[str, list[str]],
) -> None:
    """Take out of ``mentions`` each place named only by the whole name of a person or an
    organisation the item's source or editor gives: IPTC's TT example tags ``Hamilton``,
    a novel's agent, as a person, and Hamilton is also a city in Canada. (A surname of the
    vocabulary's, its short form, is the person's already: the automaton gives a name the
    vocabulary holds to its entry before any place. A surname it does not hold is no
    sign: Lloyd Austin flies to Austin.)"""
    taken = {
        name_key(entity.name)
        for entity in item.entities
        if entity.kind in ("person", "organisation") and entity.creator != MACHINE
    }
    if not taken:
        return
    for k in [k for k in mentions if terms[k].kind == "place"]:
        if all(name in taken for name in used[k]):
            del mentions[k]
            del used[k]


def _surface(surface: str) -> tuple[bool, str]:
    """Of a name as written in a text: whether it may be a mention (in Latin script it
    must start with a capital letter: ``Van`` the city, not "van"; Arabic has no case),
    and its key (``name_key``). Remembered in ``_SURFACES`` (forgotten when full)."""
    if len(_SURFACES) >= _SURFACES_MAX:
        _SURFACES.clear()
    known = _SURFACES[surface] = (surface[:1].isupper() or _arabic(surface), name_key(surface))
    return known


_WORDS_BY_LANGUAGE: dict[str, frozenset[str] | None] = {}


def _words_in(language: str) -> frozenset[str] | None:
    """``_WORDS_IN`` of a language tag (``ar``, ``fa-IR``), remembered."""
    try:
        return _WORDS_BY_LANGUAGE[language]
    except KeyError:
        if len(_WORDS_BY_LANGUAGE) >= 1 << 10:
            _WORDS_BY_LANGUAGE.clear()
        words = _WORDS_BY_LANGUAGE[language] = _WORDS_IN.get(language.split("-")[0].lower())
        return words


def _adjective(index: _Index, normalised: str) -> bool:
    # The surface carries its proclitics (والإسرائيلي): strip them until one is known.
    return any(normalised[cut:] in index.adjectives for cut in range(4))


def build(context: Context) -> EntitiesStep:
    return EntitiesStep(Vocabulary(context.store), load)

"""The enrichment pipeline: run the steps over an item, merge what they found into it.

Who wins, in one place (the steps only find):

- **A declared language and a dateline win**: the machine's are used only where the item
  has none (an empty language or ``und``); a dateline given as its text alone keeps it,
  the place and source read in it filled in.
- **What the source or an editor gave is kept** (entities, subjects, associations whose
  ``creator`` is not ``MACHINE``), and the machine never adds the same thing again. A
  person, organisation or place they named without an id gets the id of the authority
  file's term of that name (``base.Identifies``: the entities step), so that it is one
  annotation with the machine's, products and search find it by id, and it is kept as
  theirs.
- **Editors' subjects win**: an item that carries any subject not made by the machine gets
  no machine subject.
- **The machine's own annotations are recomputed** on every enrichment (a new version, or
  ``newswire enrich --all`` after the vocabulary changed): those an item carries are
  replaced by what the steps find now. Only the steps run recompute theirs: with
  ``--steps threads`` (or ``NEWSWIRE_ENRICH`` naming some steps) the machine's places,
  people and subjects an item carries stay as they are.
- **What newswire delivered comes back as the machine's.** A format may not say who made
  an annotation (a ninjs place has no ``creator``) or may drop some of its details: an
  annotation an item carries unmarked that the stored version had from the machine is
  the machine's again, whole. So the same item sent back in any format is no new version.
- **What an editor took off stays off.** An item that comes back carrying machine-made
  annotations is a corrected copy of what newswire delivered (a ninjs document posted
  back): an annotation of a kind the copy carries some of, that the stored version had
  from the machine and the copy no longer has, was removed by an editor. Its key goes to
  the item's ``rejected`` list, which every later version keeps, and the machine never
  adds it to that item again. A copy carrying none of a kind takes nothing of that kind
  off (a format that drops a kind cannot be told from an editor who removed all of it);
  the console, which knows what its editor unticked, sets ``rejected`` itself.

A withdrawn item (``canceled``) is not enriched: it is a notice, not a story.
"""

from __future__ import annotations

import importlib
import threading
import weakref
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TypeVar

import msgspec

from newswire.access.products import Product, fold_set
from newswire.enrich.base import (
    STEPS,
    Batches,
    Context,
    Document,
    Findings,
    Holds,
    Identifies,
    Step,
    Warms,
)
from newswire.errors import Conflict, NotFound, Unprocessable
from newswire.formats.html import html_from_paragraphs, squash
from newswire.model import (
    MACHINE,
    Association,
    Concept,
    Dateline,
    Entity,
    EntityKind,
    NewsItem,
)
from newswire.store.base import Prepared, Receipt, Store
from newswire.text.normalize import normalize

T = TypeVar("T", Entity, Concept, Association)

MAX_ENTITIES = 40
"""At most this many machine-found entities per item (the most relevant first)."""
MAX_ASSOCIATIONS = 5


def key(thing: Entity | Concept | Association) -> str:
    """What identifies an annotation for precedence and for ``rejected``: an entity's id
    (else its kind and normalised name), a concept's code, an associated item's id."""
    if isinstance(thing, Entity):
        return thing.id or f"{thing.kind}:{_normal(thing.name)}"
    if isinstance(thing, Concept):
        return thing.code
    return thing.id


def document(item: NewsItem) -> Document:
    """The text the steps read: headline, lead, body and a media item's caption."""
    parts = (item.headline, item.lead, *item.body, item.description)
    return Document(
        item=item,
        text="\n".join(filter(None, parts)),  # the parts not empty: no generator, 20% less
        language=item.language if item.language not in ("", "und") else "",
        found=Findings(),
    )


BATCH_CHARS = 1_000_000
"""The most text ``findings_many`` gives the steps at once. The steps that read a batch
whole (the subject model, story threads' signatures) make arrays of every word in it,
about 160 bytes a word at their peak: a million characters (some 170,000 Arabic words,
a bulk chunk of 256 agency stories) is about 30 MB, where a chunk of 256 large feed
files in one batch would be gigabytes. Batches find what one batch would: no item's
findings depend on another's."""


class Enricher:
    """The configured steps, built once; ``enrich`` is what runs per item."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = tuple(steps)
        self._identifies = tuple(step for step in self.steps if isinstance(step, Identifies))
        self._names = tuple(step.name for step in self.steps)  # ``names``, for each item
        # ``_not_run``'s question, asked once: are these steps all newswire's own?
        self._known = set(self._names) <= set(STEPS)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(step.name for step in self.steps)

    def hold(self) -> None:
        """Steps that write as they find keep it until ``flush`` (``base.Holds``)."""
        for step in self.steps:
            if isinstance(step, Holds):
                step.hold()

    def flush(self) -> None:
        for step in self.steps:
            if isinstance(step, Holds):
                step.flush()

    def warm(self) -> None:
        """Load now what the steps would load on their first item (``base.Warms``)."""
        for step in self.steps:
            if isinstance(step, Warms):
                step.warm()

    def findings(self, item: NewsItem) -> Findings:
        """What every step finds in ``item``, merged in step order (no precedence yet)."""
        return self.findings_many([item])[0]

    def findings_many(self, items: Sequence[NewsItem]) -> list[Findings]:
        """``findings`` of each of ``items``: each step over all of them before the next
        step (``base.Batches``: a step may find in all at once), a batch of at most
        ``BATCH_CHARS`` of text at a time (an item longer than that alone)."""
        out: list[Findings] = []
        batch: list[Document] = []
        size = 0
        for item in items:
            doc = document(item)
            if batch and size + len(doc.text) > BATCH_CHARS:
                out += self._found(batch)
                batch, size = [], 0
            batch.append(doc)
            size += len(doc.text)
        return out + self._found(batch) if batch else out

    def _found(self, docs: list[Document]) -> list[Findings]:
        for step in self.steps:
            if isinstance(step, Batches):
                found = step.find_many(docs)
            else:
                found = [step.find(doc) for doc in docs]
            for doc, mine in zip(docs, found, strict=True):
                doc.found = _merge(doc.found, mine)
                if mine.language and not doc.language:
                    doc.language = mine.language
                if mine.dateline is not None and doc.item.dateline is None:
                    _read_without(doc, mine.dateline)
        return [doc.found for doc in docs]

    def enriches(self, item: NewsItem) -> bool:
        """Whether ``enrich`` runs the steps over ``item`` (a withdrawal is not enriched)."""
        return bool(self.steps) and item.pubstatus != "canceled"

    def enrich(self, item: NewsItem, previous: NewsItem | None = None) -> NewsItem:
        """``item`` with what the steps find in it, under the rules above. ``previous`` is
        the stored latest version of the same item, if there is one."""
        return self.enrich_many([item], [previous])[0]

    def enrich_many(
        self, items: Sequence[NewsItem], previous: Sequence[NewsItem | None]
    ) -> list[NewsItem]:
        """``enrich`` of each of ``items`` against its ``previous``, the steps run over all
        of them together (``findings_many``): as one after the other, when what the steps
        find in one item does not depend on another's being stored (bulk ingest's chunk of
        files: none of them is stored before the chunk is enriched)."""
        out = list(items)
        # ``enriches`` of each, asked here: a method call an item costs as much as the test.
        todo = (
            [n for n, item in enumerate(items) if item.pubstatus != "canceled"]
            if self.steps
            else []
        )
        ready = [_restored(self._resolved(items[n]), previous[n]) for n in todo]
        for n, item, found in zip(todo, ready, self.findings_many(ready), strict=True):
            out[n] = self._merged(item, previous[n], found)
        return out

    def _merged(self, item: NewsItem, previous: NewsItem | None, found: Findings) -> NewsItem:
        """``item`` (resolved and restored) with ``found`` merged into it."""
        rejected = _rejected(item, previous)
        # The common case, cheaper: an item that carries nothing of the machine's (a new
        # story from a source, ~3 µs of the merge an item). ``_not_run`` then keeps none
        # of it: what it gives is worked out here without building it, and where a kind
        # has nothing found either, ``_annotate`` would give the item's own list back
        # (the source's and editors' as they are), so it is not called.
        plain = self._known and not _carries_machine(item)
        if plain:
            ran = self._names
            found_entities = _unique(found.entities) if found.entities else []
            found_subjects = found.subjects if "subjects" in ran else []
            found_links = found.associations if "threads" in ran else []
        else:
            found = _not_run(item, self._names, found)
            found_entities, found_subjects = found.entities, found.subjects
            found_links = found.associations
        changes: dict[str, object] = {}
        if found.language and item.language in ("", "und"):
            changes["language"] = found.language
        given = item.dateline
        if found.dateline is not None and given is not None and not (given.place or given.place_latin):
            # A dateline given as text alone: the place and source read in it fill it in.
            changes["dateline"] = msgspec.structs.replace(
                found.dateline,
                text=given.text or found.dateline.text,
                source=given.source or found.dateline.source,
            )
        elif found.dateline is not None and given is None:
            changes["dateline"] = found.dateline
            changes.update(_dateline_lines(item, found.dateline))
        if found_entities or not plain:
            entities = _annotate(item.entities, found_entities, rejected, MAX_ENTITIES)
            if entities != item.entities:
                changes["entities"] = entities
        if plain:
            # Its subjects are all the source's and editors': kept as they are, and when
            # it has none, those found are the machine's to give it.
            if found_subjects and not item.subjects:
                subjects = _annotate([], found_subjects, rejected, MAX_ENTITIES)
                if subjects:
                    changes["subjects"] = subjects
        elif any(s.creator != MACHINE for s in item.subjects):
            subjects = [s for s in item.subjects if s.creator != MACHINE]
            if subjects != item.subjects:
                changes["subjects"] = subjects
        else:
            subjects = _annotate([], found_subjects, rejected, MAX_ENTITIES)
            if subjects != item.subjects:
                changes["subjects"] = subjects
        if found_links or not plain:
            own = {item.id}
            links = [a for a in found_links if a.id not in own]
            associations = _annotate(item.associations, links, rejected, MAX_ASSOCIATIONS)
            if associations != item.associations:
                changes["associations"] = associations
        if rejected != item.rejected:
            changes["rejected"] = rejected
        return msgspec.structs.replace(item, **changes) if changes else item


    def _resolved(self, item: NewsItem) -> NewsItem:
        """``item`` with the entities named without an id given one (``Identifies``; a
        place preferably in a country the item names), each named once: before
        ``_restored``, so that a format that drops ids sends back the machine's places as
        the machine's."""
        if not item.entities:  # most items: nothing to ask ``all`` of
            return item
        if all(
            e.id and (e.kind != "place" or (e.country and e.latitude is not None))
            for e in item.entities
        ):
            return item
        entities = item.entities
        steps = self._identifies
        # The countries the item names, for its places named without an id: Tuscany
        # beside Italy is not the one in Canada.
        countries = frozenset[str]().union(*(step.countries(item) for step in steps))
        for step in steps:
            entities = [step.identify(e, countries) for e in entities]
        entities = _unique(entities)
        return msgspec.structs.replace(item, entities=entities) if entities != item.entities else item


def _dateline_lines(item: NewsItem, dateline: Dateline) -> dict[str, object]:
    """What of ``item`` (which gives no dateline) the ``dateline`` found in it takes away,
    as changes to make: the line it was read in, when that line is a part of its own."""
    if item.body and item.lead.strip() == dateline.text:
        # A plain-text item's bare ``ANKARA`` line, which its codec took for the lead: it
        # is the dateline now, not a summary as well.
        return {"lead": ""}
    if body := _without_dateline(item, dateline.text):
        # The same line under a summary, which its codec kept as the body's first
        # paragraph: shown twice in every format otherwise, and once more each time the
        # item came back as agency text (a new version every time).
        return {"body": body[0], "body_html": body[1]}
    return {}


def _read_without(doc: Document, dateline: Dateline) -> None:
    """``doc`` as the steps after the dateline's read it: without the line the dateline
    was read in, when the item is stored without it (``_dateline_lines``). The item
    enriched again (``newswire enrich --all``, the same item sent back in any format)
    has its dateline and no such line: its text is the same text, so the people,
    subjects and story found in it are the same, and it is no new version.

    What was read of the old text goes with it, the dateline's ``opening`` too: its parts
    are indexes and lengths in the old paragraphs, and kept they would keep the line's
    length of the new first paragraph (the first name of the story) out of the entities
    step's matching (``dateline.dateline_spans``)."""
    changes = _dateline_lines(doc.item, dateline)
    if changes:
        doc.item = msgspec.structs.replace(doc.item, **changes)
        doc.text = document(doc.item).text
        doc.analysed.clear()
        doc.numbered.clear()
        doc.opening = None


def _without_dateline(item: NewsItem, dateline: str) -> tuple[list[str], str] | None:
    """``item``'s body (paragraphs and HTML) without its first paragraph when that
    paragraph is the whole of the dateline ``dateline`` found; ``None`` when it is not, or
    when nothing else would be left, or when the HTML does not open with that paragraph as
    newswire writes it (rich HTML is left as its source wrote it)."""
    if not item.body:
        return None
    first, *rest = item.body
    if first.strip() != dateline or not any(p.strip() for p in rest):
        return None
    opening = html_from_paragraphs([first])
    html = item.body_html.lstrip()
    if not html.startswith(opening):
        return None
    return rest, html[len(opening):].lstrip("\n")


def with_links(item: NewsItem, links: list[Association]) -> NewsItem:
    """``item``, enriched with the ``threads`` step deferred (``ThreadsStep.defer``: its
    machine links taken off, none found), with the links found for it since, merged as
    ``Enricher.enrich`` merges them: the source's and editors' first, then the machine's
    not in the item's ``rejected``, at most ``MAX_ASSOCIATIONS``."""
    if not links:
        return item
    own = {item.id}
    found = [a for a in links if a.id not in own]
    associations = _annotate(item.associations, found, item.rejected, MAX_ASSOCIATIONS)
    if associations == item.associations:
        return item
    return msgspec.structs.replace(item, associations=associations)


def _not_run(item: NewsItem, names: tuple[str, ...], found: Findings) -> Findings:
    """``found`` with the machine's annotations ``item`` carries that none of the steps
    ``names`` makes (``newswire enrich --steps threads`` recomputes the links, not the
    places, people and subjects): kept as they are, where they stood, not taken off. A
    step newswire does not know may make anything: with one, everything is recomputed."""
    if not set(names) <= set(STEPS):
        return found
    ran = set(names)
    mine = [e for e in item.entities if e.creator == MACHINE]
    located = [e for e in mine if e.kind == "place" and e.rel == "located"]
    mentions = [e for e in mine if e not in located]
    return msgspec.structs.replace(
        found,
        entities=_unique([
            *(located if "dateline" not in ran else []),
            *found.entities,
            *(mentions if "entities" not in ran else []),
        ]),
        subjects=found.subjects if "subjects" in ran else [
            s for s in item.subjects if s.creator == MACHINE
        ],
        associations=found.associations if "threads" in ran else [
            a for a in item.associations if a.creator == MACHINE
        ],
    )


def _carries_machine(item: NewsItem) -> bool:
    """Whether ``item`` carries any annotation the machine made."""
    for things in (item.entities, item.subjects, item.associations):
        for thing in things:  # a loop, not three generators: half the cost
            if thing.creator == MACHINE:
                return True
    return False


_NOTHING = Findings()


def _merge(a: Findings, b: Findings) -> Findings:
    if a == _NOTHING:
        return b
    return Findings(
        language=a.language or b.language,
        dateline=a.dateline or b.dateline,
        entities=_joined(a.entities, b.entities),
        subjects=_joined(a.subjects, b.subjects),
        associations=_joined(a.associations, b.associations),
    )


def _joined(a: list[T], b: list[T]) -> list[T]:
    """``_unique([*a, *b])``, without keying a list of one or none (most of what a step
    finds of a kind, when it finds any: five merges an item, every step)."""
    both = a + b
    return both if len(both) < 2 else _unique(both)


def _unique(things: Iterable[T]) -> list[T]:
    seen: set[str] = set()
    out: list[T] = []
    for thing in things:
        k = key(thing)
        if k not in seen:
            seen.add(k)
            out.append(thing)
    return out


def _annotate(given: list[T], found: list[T], rejected: list[str], limit: int) -> list[T]:
    """The source's and editors' annotations as they are, then the machine's (fresh, not
    rejected, not already given), marked as the machine's."""
    kept: list[T] = [t for t in given if t.creator != MACHINE]
    taken = {k for t in kept for k in _keys(t)} | set(rejected)
    machine: list[T] = []
    for thing in found:
        if len(machine) >= limit:
            break
        keys = _keys(thing)  # once, and no generator to ask: a third of the cost
        if not taken.isdisjoint(keys):
            continue
        taken.update(keys)
        machine.append(
            thing if thing.creator == MACHINE else msgspec.structs.replace(thing, creator=MACHINE)
        )
    return kept + machine


def _keys(thing: Entity | Concept | Association) -> tuple[str, ...]:
    """``key``, and for an entity with an id its kind and name too: a source that names
    Italy with an ISO 3166 URI, or Dubai with a ``geonames:`` QCode, has named the place
    the machine finds under its GeoNames URI; the machine does not add it a second time."""
    if isinstance(thing, Entity) and thing.id:
        return thing.id, f"{thing.kind}:{_normal(thing.name)}"
    return (key(thing),)


def _normal(name: str) -> str:
    """``normalize`` of an annotation's name, remembered for names of a name's length:
    every item's entities are keyed two or three times as they are merged, and the same
    places and people are named in item after item (a fifth of the merge's cost was
    normalising them again). A longer name (a source's, any length) is not kept: the
    cache stays a few megabytes in a server that runs for months."""
    return _normal_kept(name) if len(name) <= _KEPT_NAME else normalize(name)


_KEPT_NAME = 200


@lru_cache(maxsize=1 << 16)
def _normal_kept(name: str) -> str:
    return normalize(name)


def _machine(things: Iterable[T]) -> dict[str, T]:
    return {key(t): t for t in things if t.creator == MACHINE}


def _restored(item: NewsItem, previous: NewsItem | None) -> NewsItem:
    """``item`` with the annotations it carries unmarked that the previous version had
    from the machine put back as the machine's, whole: a format that cannot say who made
    an annotation (a ninjs place, a NITF subject) or drops its coordinates sends back what
    newswire delivered without the marks, and it is still the machine's, not a source's."""
    if previous is None:
        return item
    # An entity of the source's or an editor's comes back without its relation from a
    # format that cannot say it (NewsML-G2 and NITF: docs/enrichment-formats.md): it has
    # the stored one's, no change (an editor's "mentions" sent back is no new version).
    # But NewsML-G2 does say which place is ``located``: a copy that names another one
    # took it off the stored one (an editor who moved the dateline's place).
    related = {key(e): e.rel for e in previous.entities if e.creator != MACHINE and e.rel}
    if related:
        located = any(e.rel == "located" for e in item.entities)
        lost = [
            not e.rel and e.creator != MACHINE and key(e) in related
            and not (located and related[key(e)] == "located")
            for e in item.entities
        ]
        if any(lost):
            item = msgspec.structs.replace(item, entities=[
                msgspec.structs.replace(e, rel=related[key(e)]) if e_lost else e
                for e, e_lost in zip(item.entities, lost, strict=True)
            ])
    changes: dict[str, object] = {}
    for field in ("entities", "subjects", "associations"):
        mine = _machine(getattr(previous, field))
        given = getattr(item, field)
        if mine and any(t.creator != MACHINE and key(t) in mine for t in given):
            changes[field] = [
                mine[key(t)] if t.creator != MACHINE and key(t) in mine else t for t in given
            ]
    if _written_back(item.dateline, previous):
        changes["dateline"] = previous.dateline
    return msgspec.structs.replace(item, **changes) if changes else item


def _written_back(given: Dateline | None, previous: NewsItem) -> bool:
    """Whether ``given`` is the dateline of ``previous`` that had no text of its own (a
    ninjs ``located``), as a format that writes a text for it read it back: the same
    place and source, its text the place alone (NITF's ``location``) or the line agency
    text composes (``ANKARA -``, ``أنقرة/ الأناضول``), its Latin place the one it had or
    the place itself. An editor's own text for it is a change, kept."""
    before = previous.dateline
    if given is None or before is None or before.text or given == before:
        return False
    if squash(given.place) != squash(before.place) or squash(given.source) != squash(before.source):
        return False
    if squash(given.place_latin) not in (squash(before.place_latin), "", squash(before.place)):
        return False
    from newswire.formats.text import written_dateline

    return squash(given.text) in (squash(before.place), written_dateline(previous))


def _rejected(item: NewsItem, previous: NewsItem | None) -> list[str]:
    """The item's own ``rejected``, the previous version's, and what an editor took off
    now (see the module's docstring). ``item`` has been ``_restored``: an annotation of
    the machine's it carries is one the editor left on. Only where the copy carries some
    of the machine's entities (subjects, links) are the missing ones taken off: a format
    that carries none of a kind (NITF has no links to other stories) took nothing off."""
    out = list(item.rejected)
    if previous is None:
        return out
    out += [k for k in previous.rejected if k not in out]
    for field in ("entities", "subjects", "associations"):
        now = _machine(getattr(item, field))
        if now:  # a corrected copy of what newswire delivered
            before = _machine(getattr(previous, field))
            out += sorted(k for k in before.keys() - now.keys() if k not in out)
    return out


def build(context: Context, names: Iterable[str] = STEPS) -> Enricher:
    """An enricher running the steps named (every step by default), in ``STEPS`` order.
    An unknown name is a ``ValueError`` naming it."""
    wanted = list(dict.fromkeys(names))
    unknown = [n for n in wanted if n not in STEPS]
    if unknown:
        raise ValueError(f"unknown enrichment step {unknown[0]!r}; known: {', '.join(STEPS)}")
    steps: list[Step] = []
    for name in STEPS:
        if name in wanted:
            module = importlib.import_module(f"newswire.enrich.{name}")
            steps.append(module.build(context))
    return Enricher(steps)


def enrich_items(
    enricher: Enricher, store: Store, items: Iterable[NewsItem | Prepared]
) -> list[NewsItem | Prepared]:
    """``items`` enriched just before ``store`` keeps them, each against its stored latest
    version (for what an editor took off). Items already prepared for the store (bulk
    ingest's workers enrich before they prepare) pass as they are."""
    if not enricher.steps:
        return list(items)
    out: list[NewsItem | Prepared] = []
    for item in items:
        if isinstance(item, Prepared):
            out.append(item)
            continue
        try:
            previous: NewsItem | None = store.get(item.id).item if item.id else None
        except NotFound:
            previous = None
        out.append(enricher.enrich(item, previous))
    return out


_BUILT: weakref.WeakKeyDictionary[Store, dict[tuple[str, ...], Enricher]] = (
    weakref.WeakKeyDictionary()
)
_BUILDING = threading.Lock()


def enricher_for(store: Store, names: Iterable[str] = STEPS) -> Enricher:
    """The enricher of ``store`` running ``names``, built on first use and kept while the
    store lives: every request, console form and CLI batch on a store shares one (the
    steps' data and models are loaded once per process in any case)."""
    wanted = tuple(names)
    with _BUILDING:
        built = _BUILT.setdefault(store, {})
        if wanted not in built:
            built[wanted] = build(Context(store=store), wanted)
        return built[wanted]


def append_enriched(
    store: Store,
    items: Iterable[NewsItem | Prepared],
    steps: Iterable[str] = STEPS,
    rejected: list[str] | None = None,
) -> list[Receipt]:
    """Enrich ``items`` with ``steps`` and store them: how every way in (the API, the
    console, the CLI, media intake) stores what it took in.

    Given a ``rejected`` list, a document of several items (a feed) is stored item by
    item, and one the store refuses (``Conflict``: a withdrawn item, an older version)
    adds its reason there instead of sinking the others, as ``parse_bytes`` does with an
    invalid entry; when the store refuses them all, the first refusal is raised."""
    enricher = enricher_for(store, steps)
    items = list(items)
    if rejected is not None and len(items) > 1:
        receipts: list[Receipt] = []
        refused: list[Conflict] = []
        for item in items:
            try:
                receipts.extend(store.append_many(enrich_items(enricher, store, [item])))
            except Conflict as exc:
                refused.append(exc)
        if refused and not receipts:
            raise refused[0]
        rejected.extend(f"{exc.field}: {exc.detail}" for exc in refused)
        return receipts
    if len(items) > 1 and "threads" in enricher.names:
        # Each stored before the next is enriched: story threads link an item to those
        # stored before it, so a story and its follow-up sent in one batch are linked.
        return [r for i in items for r in store.append_many(enrich_items(enricher, store, [i]))]
    return store.append_many(enrich_items(enricher, store, items))


def named_ids(store: Store, names: Iterable[str], kinds: Iterable[EntityKind]) -> list[str]:
    """The ids of the authority file's and the gazetteer's terms of ``kinds`` that
    ``names`` name (any of a term's names, in any language, normalised: how an editor's
    name is given its id, ``Identifies``), each once: ``حماس`` is ``nwv:hamas``, whose
    items show it as ``حركة حماس``; ``Gaza`` is the place Arabic items name ``غزة``."""
    names = list(names)
    if not names:  # a product naming no place or entity: no automaton built for it
        return []
    found = enricher_for(store, ("entities",)).steps
    steps = [s for s in found if isinstance(s, Identifies)]
    out: list[str] = []
    for name in names:
        for kind in kinds:
            entity = Entity(kind=kind, name=name)
            for step in steps:
                entity = step.identify(entity)
            if entity.id and entity.id not in out:
                out.append(entity.id)
    # The vocabulary's merges: an entry's old ids (items tagged before a merge carry them
    # until ``enrich --all``), and a merged id's entry.
    from newswire.enrich.entities import EntitiesStep

    for entities in found:
        if isinstance(entities, EntitiesStep):
            out += entities.merged_alike([*names, *out])
    return out


def names_version(store: Store) -> int:
    """The version of what ``named_ids`` (and so ``named_terms``) gives for a name: that of
    the vocabulary the ``entities`` step resolves names with, which moves with every
    change an editor makes (add, change, remove, merge) on any process or node, seen
    within the step's interval. A cache of what names resolve to keys by it, read before
    it resolves them (``EntitiesStep.version``)."""
    from newswire.enrich.entities import EntitiesStep

    for step in enricher_for(store, ("entities",)).steps:
        if isinstance(step, EntitiesStep):
            return step.version()
    return 0


def named_terms(store: Store, value: str, kinds: Iterable[EntityKind]) -> frozenset[str]:
    """What a filter by ``value`` (a name or an id of a place, person or organisation)
    matches, folded as products and the search index fold what items name: ``value``
    itself and the ids of the terms it names (``named_ids``), so that the portal's and the
    search API's ``entity=حماس`` finds the items showing ``حركة حماس``, and ``place=Gaza``
    the Arabic items naming ``غزة``."""
    return frozenset(fold_set([value, *named_ids(store, [value], kinds)]))


def follow_merge(store: Store, source: str, target: str) -> list[str]:
    """After the vocabulary's ``source`` was merged into ``target``: the products naming
    ``source`` made to name ``target`` too, stored; their names. Items tagged from then on
    carry ``target`` alone, so a product naming only ``source`` would take none of them
    (and a product changed restarts its subscribers' streams, as any change does)."""
    changed: list[str] = []
    for product in store.products.list():
        fields: dict[str, list[str]] = {}
        for field in ("entities", "places"):
            values: list[str] = getattr(product, field)
            named = {v.strip().lower() for v in values}
            if source in named and target not in named:
                fields[field] = [*values, target]
        if fields:
            store.products.replace(msgspec.structs.replace(product, **fields))
            changed.append(product.name)
    return changed


def with_named_ids(store: Store, product: Product, notes: list[str] | None = None) -> Product:
    """``product`` with the ids of the places, people and organisations it names added
    beside the names (``named_ids``): a product is compared with what items carry, an
    entity's id and the one name it is shown by, so ``--entity حماس`` alone would miss
    every item showing ``حركة حماس``, and ``--place Gaza`` every Arabic one."""
    from newswire.enrich.vocabulary import Vocabulary

    # An id of the agency's own vocabulary names an entry or nothing: a typo would make a
    # product that matches no item, silently; so would an entry of the other field's kind.
    vocabulary = None
    for field, kinds in _PRODUCT_KINDS:
        for value in getattr(product, field):
            term_id = value.strip().lower()
            if not term_id.startswith("nwv:"):
                continue
            vocabulary = vocabulary or Vocabulary(store)
            try:
                kind = vocabulary.get(term_id).kind
            except NotFound as exc:
                merged = vocabulary.merged_into(term_id)
                if merged is None:
                    raise Unprocessable(exc.detail, field=field) from None
                # A merged id is its entry's, of its entry's kind (entries of one kind
                # merge): a person's old id among the places matched no item there, and
                # brought the person's ids into the places with it.
                try:
                    kind = vocabulary.get(merged).kind
                except NotFound:  # its entry removed since: no kind to tell
                    continue
            if kind not in kinds:
                raise Unprocessable(_other_kind(value, kind, term_id, field), field=field)
    changes: dict[str, list[str]] = {}
    for field, kinds in _PRODUCT_KINDS:
        given: list[str] = getattr(product, field)
        ids = [i for i in named_ids(store, given, kinds) if i not in given]
        if ids:
            changes[field] = [*given, *ids]
        # A name only a term of the other field's kind goes by matches no item there
        # (``--place Hamas``): refused when the term is the agency's vocabulary's. A
        # gazetteer's place of that name is said in ``notes`` (``--entity غزة``), not
        # refused: a source may tag an organisation or a person by it (Toyota, Jordan,
        # Washington), and so may a name no term has.
        for value in given:
            if value.strip().lower().startswith("nwv:") or named_ids(store, [value], kinds):
                continue
            for kind in ("place", "person", "organisation"):
                if kind in kinds or not (other := named_ids(store, [value], (kind,))):
                    continue
                if other[0].startswith("nwv:"):
                    raise Unprocessable(_other_kind(value, kind, other[0], field), field=field)
                if notes is not None:
                    notes.append(
                        f"{field}: {_other_kind(value, kind, other[0], field)}, unless the"
                        " items tag one by that name"
                    )
                break
    return msgspec.structs.replace(product, **changes) if changes else product


_PRODUCT_KINDS: tuple[tuple[str, tuple[EntityKind, ...]], ...] = (
    ("places", ("place",)),
    ("entities", ("person", "organisation")),
)
"""A product's fields of names, and the kinds of term each names."""


def _other_kind(value: str, kind: str, term_id: str, field: str) -> str:
    """Why ``value`` cannot stand in ``field``: it names a term of ``kind``."""
    wanted = "a place" if field == "places" else "a person or organisation"
    where = "places (--place)" if kind == "place" else "entities (--entity)"
    article = "an" if kind[0] in "aeiou" else "a"
    return f"{value!r} is {article} {kind} ({term_id}), not {wanted}: give it among the {where}"

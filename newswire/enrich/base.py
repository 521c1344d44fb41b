"""The enrichment contract: what a step sees, what it may say, how it is found by name.

A **step** looks at one item and says what it found (``Findings``); it never changes the
item itself. ``newswire.enrich.pipeline`` runs the configured steps over an item and
merges their findings into it under one rule of precedence (what the source or an editor
gave wins over the machine), so that no step has to know about the others or about who
wins.

Each step is a module of this package with a ``build(context) -> Step`` function, found
by name in ``STEPS`` (the steps run in that order). A step may be expensive to build
(a gazetteer, an automaton, a trained model): it is built once per process and reused for
every item; ``find`` is what runs per item and must stay cheap (the budget for all steps
together is 5 ms median per item on the corpus, ``bench/enrich.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import msgspec

from newswire.model import Association, Concept, Dateline, Entity, EntityKind, NewsItem

if TYPE_CHECKING:
    from newswire.store import Store

STEPS: tuple[str, ...] = ("language", "dateline", "entities", "subjects", "threads")
"""Every step, by the name of its module under ``newswire.enrich``, in the order they run.
Later steps see what earlier ones found (``Document.found``): the subject classifier may
use the language, the dateline's place is one of the item's places."""


# The relations story threads link items by (``newswire.enrich.threads``), here for
# what shows them (the portal) without loading the step.
SAME_STORY = "nwrel:sameStory"
"""The same story under another id: a near-duplicate, a re-filed or trimmed copy, an
update sent as a new item. IPTC's item relations have no code for it (``irel:``
``previousVersion`` is for versions of the same item), so it is newswire's own QCode."""
FOLLOW_UP = "seeAlso"
"""A follow-up of the story (the IPTC item relation ``irel:seeAlso``): a later item that
shares part of its text (the background paragraphs) and tells something new."""


class Findings(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What one step found in an item. Everything it adds is the machine's: entities and
    concepts carry ``creator=MACHINE`` and a ``confidence`` (0 … 100)."""

    language: str = ""
    """The item's language when it declares none (a BCP 47 tag)."""
    dateline: Dateline | None = None
    """The dateline read from the text when the item has none."""
    entities: list[Entity] = msgspec.field(default_factory=list)
    """People, organisations and places (with ``id``, and for places ``country`` and
    coordinates), each once, the most relevant first."""
    subjects: list[Concept] = msgspec.field(default_factory=list)
    """IPTC Media Topics (``medtop:…``)."""
    associations: list[Association] = msgspec.field(default_factory=list)
    """Related items: earlier versions of the same story under another id, follow-ups."""


class Document(msgspec.Struct, kw_only=True):
    """One item as the steps read it, with what every step needs computed once."""

    item: NewsItem
    text: str
    """Headline, lead, the body paragraphs and a media item's caption, one a line."""
    language: str
    """The item's declared language, else the one detected (``""`` until ``language``
    has run, or when nothing could be told)."""
    found: Findings
    """What the steps before this one found (merged), so a later step can build on it."""
    analysed: dict[str, list[str]] = msgspec.field(default_factory=dict)
    """``terms``' memory: language -> the text's terms."""
    numbered: dict[str, Any] = msgspec.field(default_factory=dict)
    """The same as numbers (``newswire.enrich.terms.analysed``): language -> ``Analysed``."""
    opening: tuple[Any, ...] | None = None
    """The dateline the body opens with and the part of it each paragraph gives it
    (``newswire.enrich.dateline.opening``), read once for the steps that need it (the
    dateline step, the entities step): ``()`` when it opens with none; None until read."""

    def terms(self, lang: str | None) -> list[str]:
        """``text``'s terms as search reads it (``newswire.text.analyze``: normalised,
        stemmed), made once per document and language however many steps ask. The list
        is shared: copy it before changing it."""
        key = lang or ""
        found = self.analysed.get(key)
        if found is None:
            # Here, not at the top: the store imports ``Term`` from this module, and the
            # analysis (stemmers, tables) has no business in every process that opens one.
            from newswire.text.analyze import analyzer

            found = self.analysed[key] = analyzer(lang).terms(self.text)
        return found


class Term(msgspec.Struct, kw_only=True, frozen=True):
    """One entry of the authority file (the agency's controlled vocabulary): a person, an
    organisation or a place, with every name it goes by."""

    id: str
    """Stable, never reused: ``nwv:…`` for the vocabulary's own entries, a GeoNames URI
    (``https://sws.geonames.org/323786/``) for the gazetteer's places."""
    kind: EntityKind
    name: str
    """The name to show when no name in the item's language is known."""
    names: dict[str, list[str]] = msgspec.field(default_factory=dict)
    """Language (``ar``, ``en``, ``tr``, ``fr``, …) → the names and variants written in
    it (``{"ar": ["إبراهيم قالن", "قالن"], "en": ["Ibrahim Kalin", "Kalin"]}``); the
    first of a language is the one to show in it."""
    short: dict[str, list[str]] = msgspec.field(default_factory=dict)
    """Language → the short forms of ``names`` (each also one of them) that an article
    uses after the first mention: a surname alone (``قالن``, ``Kalin``), an acronym that
    is also a word. Ambiguous on their own, so a matcher gives them a lower confidence
    than a full name (or takes them only where the full name was found too)."""
    country: str = ""
    latitude: float | None = None
    longitude: float | None = None


class Context(msgspec.Struct, kw_only=True):
    """What a step may use when it is built."""

    store: Store | None = None
    """The store, for the steps that keep state there (the vocabulary, story threads);
    ``None`` where there is none (bench, the evaluation scripts): such a step then works
    from its shipped data alone."""


class Step(Protocol):
    """One kind of enrichment.

    ``find`` is a pure function of the document and of what the step was built with (its
    data, its model, the vocabulary as it was when the step last refreshed): the same
    document gives the same findings. It never raises for odd text (empty, another
    script, a million characters): it finds less. A step holding state that changes while
    the process runs (the vocabulary editors change, the threads of stories that arrive)
    picks the change up by itself, within a second, on every process.
    """

    name: str

    def find(self, doc: Document) -> Findings: ...


@runtime_checkable
class Batches(Protocol):
    """A step that finds in many documents at once what ``find`` finds in each (the same
    findings, in order): bulk ingest enriches a chunk of files together, and the subject
    model and story threads' signatures are a few numpy operations for the chunk rather
    than a few for each item."""

    def find_many(self, docs: list[Document]) -> list[Findings]: ...


@runtime_checkable
class Holds(Protocol):
    """A step that writes as it finds (story threads keep each item's signature) and can
    instead keep what it would write until ``flush``: one write for many items."""

    def hold(self) -> None: ...

    def flush(self) -> None: ...


@runtime_checkable
class Warms(Protocol):
    """A step that loads data on its first item (a gazetteer, an automaton) and can load
    it beforehand: ``warm()``. Bulk ingest warms its steps in the process its workers are
    forked from, so that each worker starts with what it would otherwise load again."""

    def warm(self) -> None: ...


@runtime_checkable
class Identifies(Protocol):
    """A step that knows the authority file and can give an entity named without an id
    (a source's, an editor's) the id of the term of that name and kind: ``identify(entity)``
    returns it with ``id`` (and a place's ``country`` and coordinates where it had none)
    filled, its name, ``rel`` and ``creator`` as they were; the entity unchanged when it
    has an id already (but see places below), when no term of its kind goes by that name,
    or when the name belongs to a term of another kind. A place with an id the gazetteer
    holds and no country or no coordinates comes back with what it lacked of them.

    ``countries`` (ISO 3166 alpha-2) are those the entity's item names, as
    ``countries(item)`` gives them (empty for a name alone: a filter's, a product's): a
    place named without an id is looked for there first, and may be left without one
    rather than given a small namesake elsewhere (``EntitiesStep.identify`` says
    exactly). People and organisations ignore them. Both are pure and cheap."""

    def countries(self, item: NewsItem) -> frozenset[str]: ...

    def identify(self, entity: Entity, countries: frozenset[str] = frozenset()) -> Entity: ...

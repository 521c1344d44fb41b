"""The authority file: the people and organisations the ``entities`` step looks for.

Two layers, read as one (``Vocabulary.terms``):

1. the **starter vocabulary** shipped as data (``newswire/data/vocabulary.jsonl``, one
   ``Term`` a line; its origin is in docs/enrichment-vocabulary.md), read once a process;
2. the **editors' changes** kept in the store (``store.vocabulary``): entries added or
   changed, removed (a shipped entry too: it stays removed when a new release ships it
   again) and merged into another (its names become the other's variants; its id is
   remembered, ``Vocabulary.merged_into``, so that items tagged with it can be found).

A change made on any process or node reaches every other within about a second: the
store moves its ``vocabulary`` generation with each change, and ``version()`` reads that
number at most once a second; ``terms()`` reads the changes again only when it moved.
Nothing here is asked per item: a step keeps the ``version()`` it built its matcher from
and builds again when it differs.

Every entry is checked (``check_term``) before it is stored, the same for the CLI
(``newswire vocab``) and the admin API (``/v1/admin/vocabulary``): ``BadInput`` naming the
field and why; ``NotFound`` (field ``id``) for an id that is no entry; ``Conflict`` for an
id taken (an id names one entry: a merged one lives on in its target; a removed one is
given back to the entry added again under it) and for a name another entry of the kind
has, added with no id or given in a change.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Final, TypeVar

import msgspec

from newswire.enrich.base import Term
from newswire.errors import BadInput, Conflict, NotFound, Unavailable
from newswire.model import EntityKind
from newswire.text.normalize import fold_latin, name_key, normalize
from newswire.validation import UNNAMEABLE

if TYPE_CHECKING:
    from newswire.store import Store
    from newswire.store.vocabulary import Edit

T = TypeVar("T")

GENERATION: Final = "vocabulary"
"""The store's generation that every editor's change moves."""
KINDS: tuple[EntityKind, ...] = ("person", "organisation", "place")
"""What an editor may add: people and organisations, and the local places the gazetteer
lacks (a camp, a neighbourhood, a crossing), which may carry a country and coordinates."""
ID = re.compile(r"^nwv:[a-z0-9][a-z0-9-]{0,79}$")
"""The vocabulary's own ids: ``nwv:`` and a lower-case ASCII slug."""
ID_PATTERN: Final = ID.pattern
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
"""The key of ``Term.names``: a two- or three-letter ISO 639 code."""
MAX_NAME: Final = 120
"""Characters of one name (the longest organisation names are about half of this)."""
MAX_NAMES: Final = 50
"""Names and variants in one language."""
MAX_LANGUAGES: Final = 30
CHECK_EVERY: Final = 1.0
"""Seconds between two reads of the store's generation (``version``)."""
WRITE_TRIES: Final = 10
"""Times a change is checked again when another landed between its checks and its write."""

_TERM_LINE = msgspec.json.Decoder(Term)
_ENCODE = msgspec.json.Encoder().encode


# --- checks ---------------------------------------------------------------------------------


def check_id(term_id: str) -> str:
    if not ID.fullmatch(term_id):
        raise BadInput(
            f"{term_id!r} is not a vocabulary id: nwv: and lower-case letters, digits and"
            " hyphens (at most 80)",
            field="id",
        )
    return term_id


def check_kind(kind: str) -> EntityKind:
    for known in KINDS:
        if kind == known:
            return known
    raise BadInput(f"kind is one of {', '.join(KINDS)}, not {kind!r}", field="kind")


def check_name(name: str, field: str = "name") -> str:
    """``name`` with its surrounding spaces stripped and its runs of spaces made one;
    ``BadInput`` if it is blank, too long or holds a control or bidi character."""
    bad = UNNAMEABLE.search(name)
    if bad:
        raise BadInput(
            f"a name holds no control or bidi character (U+{ord(bad.group()):04X} in {name!r})",
            field=field,
        )
    name = " ".join(name.split())
    if not name:
        raise BadInput("a name is not blank", field=field)
    if len(name) > MAX_NAME:
        raise BadInput(f"a name is at most {MAX_NAME} characters ({len(name)})", field=field)
    return name


def check_term(term: Term) -> Term:
    """``term`` as it is stored: names stripped, each once per language (the first kept
    where two normalise alike), its short forms among its names, ``name`` among them too.
    ``BadInput`` naming the field for anything else."""
    check_id(term.id)
    return _checked(term)


def _checked(term: Term) -> Term:
    """``check_term`` but for the id: what a new entry's id is made from (``add``)."""
    kind = check_kind(term.kind)
    name = check_name(term.name)
    if len(term.names) > MAX_LANGUAGES:
        raise BadInput(f"names in at most {MAX_LANGUAGES} languages", field="names")
    names: dict[str, list[str]] = {}
    for lang, given in term.names.items():
        if not LANGUAGE.fullmatch(lang):
            raise BadInput(
                f"{lang!r} is not a language code (two or three lower-case letters)",
                field="names",
            )
        kept = _unique(check_name(n, "names") for n in given)
        if len(kept) > MAX_NAMES:
            raise BadInput(f"at most {MAX_NAMES} names in one language", field="names")
        if kept:
            names[lang] = kept
    shown = normalize(name)
    if not any(shown == normalize(n) for ns in names.values() for n in ns):
        # The name shown must be found too: it goes first in the language it is written in.
        lang = _script_language(name)
        names = {
            lang: [name, *names.get(lang, [])],
            **{k: v for k, v in names.items() if k != lang},
        }
    else:
        # An item shows the first name of its language: the name shown goes first in each
        # language that has it (``vocab change --shown``, a PUT naming another of its
        # names), or the item would go on showing the old one.
        names = {
            k: sorted(v, key=lambda n: normalize(n) != shown) for k, v in names.items()
        }
    short: dict[str, list[str]] = {}
    for lang, given in term.short.items():
        if not LANGUAGE.fullmatch(lang):
            raise BadInput(f"{lang!r} is not a language code", field="short")
        kept = _unique(check_name(n, "short") for n in given)
        if kept:
            short[lang] = kept
            known = {normalize(n) for n in names.get(lang, [])}
            names[lang] = [*names.get(lang, []), *(n for n in kept if normalize(n) not in known)]
    if kind != "place" and (
        term.country or term.latitude is not None or term.longitude is not None
    ):
        raise BadInput("only a place has a country and coordinates", field="country")
    if term.country and term.country not in _countries():
        raise BadInput(
            f"country is an ISO 3166 code (PS, TR), not {term.country!r}", field="country"
        )
    if (term.latitude is None) != (term.longitude is None):
        raise BadInput("a place has both latitude and longitude, or neither", field="latitude")
    if term.latitude is not None and not -90 <= term.latitude <= 90:
        raise BadInput("latitude is -90 to 90", field="latitude")
    if term.longitude is not None and not -180 <= term.longitude <= 180:
        raise BadInput("longitude is -180 to 180", field="longitude")
    return msgspec.structs.replace(term, kind=kind, name=name, names=names, short=short)


@cache
def _countries() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes a place's country may be, and Kosovo's ``XK`` (not
    ISO's, but GeoNames' and the gazetteer's): a shape alone let ``ZZ`` or ``QQ`` through,
    which NewsML-G2's ``broader`` and NITF's ``iso-cc`` then gave subscribers as a country."""
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}


def _unique(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for n in names:
        key = normalize(n)
        if key not in seen:
            seen.add(key)
            out.append(n)
    return out


def _script_language(name: str) -> str:
    """The language a name with no language given is filed under: ``ar`` for Arabic
    script, ``en`` otherwise (an editor names the language when it matters)."""
    return "ar" if any("\u0600" <= c <= "\u06ff" for c in name) else "en"


def slug_for(term: Term) -> str:
    """An id for a new entry: its English (else Latin-script) name made a slug, else a
    hash of its name (an Arabic-only name has no spelling in ASCII that everyone agrees on).
    ``term`` is as ``check_term`` makes it, the name shown first in its language: the
    first English name is then the name shown when that is English, not a variant given
    before it."""
    candidates = [
        *term.names.get("en", []),
        term.name,
        *(n for ns in term.names.values() for n in ns),
    ]
    for name in candidates:
        # Latin letters that carry their mark in their shape (Turkish ``ı``, ``ø``, ``ł``)
        # have no decomposition: folded first, as a name typed is looked up, so that
        # ``Ali Yılmaz`` is ``nwv:ali-yilmaz``, not ``nwv:ali-ylmaz`` (and ``Işıl Kılıç``,
        # a third of its letters dropped, no hash id).
        ascii_ = unicodedata.normalize("NFKD", fold_latin(name)).encode("ascii", "ignore").decode()
        if ascii_ and len(ascii_) >= len(name) * 0.8:
            slug = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:70].strip("-")
            if slug:
                return f"nwv:{slug}"
    return "nwv:t-" + hashlib.sha1(normalize(term.name).encode()).hexdigest()[:10]


# --- the starter vocabulary -------------------------------------------------------------------


@cache
def starter() -> tuple[Term, ...]:
    """The shipped vocabulary, read once a process. Its lines are stored as ``check_term``
    makes them, which a test holds every line to: checked here again, they cost a bulk
    ingest's warm-up 50 ms before its workers fork, and every command that enriches."""
    terms = []
    with (files("newswire") / "data" / "vocabulary.jsonl").open("rb") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                terms.append(_TERM_LINE.decode(line))
            except msgspec.ValidationError as exc:
                raise BadInput(
                    f"vocabulary.jsonl line {number}: {exc}", field="vocabulary"
                ) from None
    return tuple(terms)


# --- the vocabulary as it is --------------------------------------------------------------------


class Vocabulary:
    """The starter vocabulary overlaid by the editors' changes in ``store`` (none: the
    starter vocabulary alone). Thread-safe; one per process is enough."""

    def __init__(self, store: Store | None, *, check_every: float = CHECK_EVERY):
        self._store = store
        self._every = check_every
        self._lock = threading.Lock()
        self._checked = -float("inf")
        self._generation = 0
        self._built: int | None = None
        self._terms: dict[str, Term] = {}
        self._merged: dict[str, str] = {}
        self._gone: set[str] = set()
        self._removed: dict[str, Term] = {}

    def version(self) -> int:
        """A number that changes whenever an editor changes the vocabulary, on any
        process: the store's generation, read at most once every ``check_every`` seconds
        (a change made through this object is seen at once)."""
        if self._store is None:
            return 0
        now = time.monotonic()
        if now - self._checked >= self._every:
            self._generation = self._store.coordination.generation(GENERATION)
            self._checked = now
        return self._generation

    def terms(self) -> list[Term]:
        """Every entry, the starter set overlaid by the editors' changes, by id."""
        return list(self._current().values())

    def get(self, term_id: str) -> Term:
        """The entry ``term_id``; ``NotFound`` (field ``id``) when there is none (also when
        it was removed or merged: ``merged_into`` says where)."""
        term = self._current().get(term_id)
        if term is None:
            merged = self.merged_into(term_id)
            why = (
                f" (merged into {merged})"
                if merged
                else " (removed)"
                if term_id in self._gone
                else ""
            )
            raise NotFound(f"no vocabulary entry {term_id!r}{why}", field="id")
        return term

    def merged_into(self, term_id: str) -> str | None:
        """The entry ``term_id`` was merged into (the end of the chain), None if it was not."""
        self._current()
        return self._merged.get(term_id)

    def merges(self) -> dict[str, str]:
        """Every merged id → the entry it lives on in."""
        self._current()
        return dict(self._merged)

    def find(self, kind: str | None = None, search: str | None = None) -> list[Term]:
        """The entries of ``kind`` (all when None) with a name containing ``search`` as
        search reads it (``normalize``: ``نتانياهو`` finds ``نتانياهو``, ``قالن`` finds
        ``إبراهيم قالن``), Latin diacritics aside as a name typed is looked up
        (``fold_latin``: ``kalin`` finds ``Ibrahim Kalın``, ``mansur yavas`` ``Mansur
        Yavaş``), or whose id contains it."""
        if kind is not None:
            check_kind(kind)
        wanted = fold_latin(search.strip()) if search and search.strip() else ""
        found = []
        for term in self.terms():
            if kind is not None and term.kind != kind:
                continue
            if wanted and not (
                wanted in term.id
                or any(wanted in _key(n) for ns in term.names.values() for n in ns)
            ):
                continue
            found.append(term)
        return found

    # --- changes -------------------------------------------------------------------------

    def add(self, term: Term) -> Term:
        """Add an entry (its ``id`` empty: one is made from its name); the entry as
        stored. ``Conflict`` if the id is an entry's or was one merged into another (it
        lives on there), or, when no id is given, if an entry of its kind has its name or
        one of its variants (not a short form) already.

        A **removed** entry's id is given back to an entry added again under it, named
        (``--id``) or, with no id given, to an entry of its kind one of whose names (the
        name shown first, then the others) is one of the removed entry's, in any language,
        normalised as names are (``_returning``): what an editor who removed an entry by
        mistake, or wants it back, expects; the items tagged with it then match it again.
        An Arabic name makes no slug, so a slug alone would give it a new hash id. A
        shipped entry comes back only as its kind (one removed by an id given, whose kind
        the store did not keep, is not checked)."""
        return self._written(lambda seen: self._add(term, seen))

    def _add(self, term: Term, seen: int) -> Term:
        store = self._writable()
        if not term.id:
            # With no id given, a second entry of the same name is more likely a slip
            # than a namesake: say which entry has it (a namesake is added with an id).
            # Its variants too (not its short forms: a surname two people share), as a
            # change giving an entry one of them is refused: the matcher could not tell
            # the two apart.
            name = check_name(term.name)
            short = {name_key(n) for ns in term.short.values() for n in ns}
            named = {name_key(n): n for ns in term.names.values() for n in ns}
            named = {key: n for key, n in named.items() if key not in short}
            named[name_key(name)] = name
            if (known := self._named(term.kind, named.keys())) is not None:
                taken = _normalized(known)
                name = name if name_key(name) in taken else next(
                    n for key, n in named.items() if key in taken
                )
                raise Conflict(
                    f"{known.id} ({known.kind}) is named {name!r} already: give it"
                    " more names by changing it, or give the new entry an id of its own",
                    field="name" if name_key(name) == name_key(term.name) else "names",
                )
            back = self._returning(term)
            made = back or self._free_id(slug_for(_checked(term)), term.kind)
            term = msgspec.structs.replace(term, id=made)
        term = check_term(term)
        self._current()
        if term.id in self._terms:
            raise Conflict(f"the id {term.id} is taken: ids are never reused", field="id")
        if term.id in self._merged:
            raise Conflict(
                f"the id {term.id} lives on in {self._merged[term.id]}, the entry it was"
                " merged into: ids are never reused",
                field="id",
            )
        removed = self._removed.get(term.id)
        shipped = removed.kind if removed is not None else _shipped_kinds().get(term.id)
        if shipped is not None and shipped != term.kind:
            raise Conflict(
                f"the id {term.id} was {_a(shipped)}'s: a removed entry comes back as"
                f" {_a(shipped)}",
                field="id",
            )
        store.vocabulary.put(term, seen=seen)
        self._moved()
        return term

    def change(self, term: Term) -> Term:
        """Replace the entry ``term.id`` (a starter entry too) by ``term``; the entry as
        stored. ``NotFound`` if there is no such entry; ``BadInput`` (field ``kind``) if
        ``term`` is of another kind: products name the id among their people and
        organisations or among their places, and items carry it as the entity of its kind,
        which a new kind would make wrong (``vocab change`` cannot say one either).
        ``Conflict`` (field ``name`` or ``names``) if it gains a name another entry of its
        kind has."""
        return self._written(lambda seen: self._change(term, seen))

    def amend(self, term_id: str, edit: Callable[[Term], Term]) -> Term:
        """``change`` to ``edit(entry)``, the entry ``term_id`` read as the change is made
        (again if another change lands first): an edit that adds to an entry (``vocab
        change --variant``) keeps what another editor did to it meanwhile. Read first and
        changed after, two variants added at once by two editors kept one of them, and a
        change made as the entry took a merged entry's names put it back without them,
        those names then no entry's."""
        return self._written(lambda seen: self._change(edit(self.get(term_id)), seen))

    def _change(self, term: Term, seen: int) -> Term:
        store = self._writable()
        before = self.get(term.id)
        term = check_term(term)
        if term.kind != before.kind:
            raise BadInput(
                f"{term.id} is {_a(before.kind)}, not {_a(term.kind)}: an entry keeps its"
                f" kind; add {_a(term.kind)} as an entry of its own",
                field="kind",
            )
        # A name it gains that another entry of its kind has is a slip, as when an entry
        # is added under it (``add``): the matcher could not tell the two apart. Not a
        # short form (a surname two people share, matched with a lower confidence), nor
        # a name it had (a namesake added with an id of its own keeps its names).
        had = {name_key(n) for ns in before.names.values() for n in ns}
        had |= {name_key(n) for ns in term.short.values() for n in ns}
        gained = {name_key(n): n for ns in term.names.values() for n in ns}
        gained = {key: n for key, n in gained.items() if key not in had}
        if gained and (known := self._named(term.kind, gained.keys(), term.id)) is not None:
            name = next(n for key, n in gained.items() if key in _normalized(known))
            raise Conflict(
                f"{known.id} ({known.kind}) is named {name!r} already: merge the two"
                f" entries, or take the name off {known.id} first",
                field="name" if name_key(name) == name_key(term.name) else "names",
            )
        store.vocabulary.put(term, seen=seen)
        self._moved()
        return term

    def remove(self, term_id: str) -> Term:
        """Remove the entry ``term_id`` (a starter entry stays removed); the entry as it
        was. ``NotFound`` if there is no such entry."""
        return self._written(lambda seen: self._remove(term_id, seen))

    def _remove(self, term_id: str, seen: int) -> Term:
        store = self._writable()
        term = self.get(term_id)
        store.vocabulary.remove(term_id, term, seen=seen)  # its names give its id back (add)
        self._moved()
        return term

    def merge(self, source: str, target: str) -> Term:
        """Merge ``source`` into ``target``: ``source``'s names (and short forms) become
        ``target``'s variants, ``source`` is removed and remembered as merged into
        ``target``. The target as stored."""
        return self._written(lambda seen: self._merge(source, target, seen))

    def _merge(self, source: str, target: str, seen: int) -> Term:
        store = self._writable()
        if source == target:
            raise BadInput("an entry is not merged into itself", field="target")
        a = self.get(source)
        try:
            b = self.get(target)
        except NotFound as exc:  # the entry named as the target, not the one merged
            raise NotFound(exc.detail, field="target") from None
        if a.kind != b.kind:
            raise BadInput(
                f"{source} is {_a(a.kind)} and {target} {_a(b.kind)}: only entries of one "
                "kind merge",
                field="target",
            )
        names = {lang: [*ns] for lang, ns in b.names.items()}
        for lang, ns in a.names.items():
            names[lang] = [*names.get(lang, []), *ns]
        short = {lang: [*ns] for lang, ns in b.short.items()}
        for lang, ns in a.short.items():
            short[lang] = [*short.get(lang, []), *ns]
        merged = check_term(msgspec.structs.replace(b, names=names, short=short))
        store.vocabulary.merge(source, merged, seen=seen)
        self._moved()
        return merged

    def edits(self) -> list[Edit]:
        """The editors' changes as stored (none without a store)."""
        return [] if self._store is None else self._store.vocabulary.list()

    # --- inside --------------------------------------------------------------------------

    def _writable(self) -> Store:
        if self._store is None:
            raise BadInput("the shipped vocabulary is read-only: changes need a store", field="db")
        return self._store

    def _moved(self) -> None:
        self._checked = -float("inf")

    def _written(self, write: Callable[[int], T]) -> T:
        """``write(seen)``: a change checked against the vocabulary as the store has it
        now (read again, not as this object last read it, up to ``check_every`` ago), and
        stored only if no other change landed meanwhile (``seen``, the generation it was
        read at; ``Moved`` otherwise), else checked again. Two nodes adding one entry at
        once each found its id free and were each told it was added, the second's row
        replacing the first's; now the second is checked again and told the id is taken."""
        # Only here: the steps that read the vocabulary (bulk ingest's workers) need none of
        # the store's modules.
        from newswire.store.vocabulary import Moved

        self._writable()
        for _ in range(WRITE_TRIES):
            self._moved()
            self._current()
            # The generation the view was built at, not the one last read: another thread
            # may have set that since (an older one, read before), and the checks would
            # then pass an older view off as the newer. A view rebuilt during the checks
            # is of a later generation than this: the store then says ``Moved``.
            with self._lock:
                seen = self._built
            if seen is None:  # pragma: no cover - ``_current`` has just built it
                continue
            try:
                return write(seen)
            except Moved:
                continue
        raise Unavailable("the vocabulary is being changed by others all the time; try again")

    def _named(
        self, kind: str, names: Iterable[str], other_than: str = ""
    ) -> Term | None:
        """The first entry of ``kind`` but ``other_than`` one of whose names (``name_key``)
        is among ``names`` (``name_key``), if any."""
        wanted = set(names)
        for known in self.find(kind):
            if known.id != other_than and not wanted.isdisjoint(_normalized(known)):
                return known
        return None

    def _returning(self, term: Term) -> str | None:
        """The id of the removed entry of ``term``'s kind that ``term``'s name shown is one
        of the names of (``normalize``); None when none is, or when two are (namesakes:
        the editor names the one meant with ``--id``). Only the name shown: another entry
        sharing a variant with a removed one (``Foreign Ministry`` of the Turkish and of
        the Iraqi ministry) is not that entry."""
        self._current()
        shown = normalize(term.name)
        found = [
            t.id
            for t in self._removed.values()
            if t.kind == term.kind and any(normalize(n) == shown for ns in t.names.values() for n in ns)
        ]
        return found[0] if len(found) == 1 else None

    def _free_id(self, wanted: str, kind: str) -> str:
        self._current()
        # A removed id is given back, to an entry of its kind only.
        taken = self._terms.keys() | self._merged.keys()
        taken |= {i for i, t in self._removed.items() if t.kind != kind}
        taken |= {i for i, k in _shipped_kinds().items() if k != kind}
        if wanted not in taken:
            return wanted
        n = 2
        while f"{wanted[:76]}-{n}" in taken:
            n += 1
        return f"{wanted[:76]}-{n}"

    def _current(self) -> dict[str, Term]:
        version = self.version()
        with self._lock:
            if self._built != version:
                self._terms, self._merged, self._gone, self._removed = _overlay(
                    starter(), self.edits()
                )
                self._built = version
            return self._terms


def _overlay(
    shipped: Iterable[Term], edits: Iterable[Edit]
) -> tuple[dict[str, Term], dict[str, str], set[str], dict[str, Term]]:
    """The entries by id, merged id → target, every id removed or merged, and each removed
    one's entry as it was (the store's, else the shipped one; an editor's removed before
    the store kept it is not known)."""
    terms = {t.id: t for t in shipped}
    merged: dict[str, str] = {}
    gone: set[str] = set()
    removed: dict[str, Term] = {}
    for edit in edits:
        if edit.status == "term" and edit.term is not None:
            terms[edit.id] = edit.term
            continue
        was = terms.pop(edit.id, None)
        gone.add(edit.id)
        if edit.status == "merged":
            merged[edit.id] = edit.merged_into
        elif (kept := edit.term or was) is not None:
            removed[edit.id] = kept
    for source, target in merged.items():  # the store keeps no chains; be safe anyway
        seen = {source}
        while target in merged and target not in seen:
            seen.add(target)
            target = merged[target]
        merged[source] = target
    return dict(sorted(terms.items())), merged, gone, removed


@cache
def _shipped_kinds() -> dict[str, EntityKind]:
    return {t.id: t.kind for t in starter()}


def _normalized(term: Term) -> set[str]:
    """Every name of ``term`` as the matcher compares names (``name_key``: normalised as
    search normalises names, punctuation as spaces: ``Al-Quds`` is ``al quds``)."""
    return {name_key(n) for ns in term.names.values() for n in ns}


def _key(name: str) -> str:
    return fold_latin(name)


def encode(term: Term) -> bytes:
    """One line of ``vocabulary.jsonl``."""
    return _ENCODE(term)


def _a(kind: str) -> str:
    """``a person``, ``an organisation``."""
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"

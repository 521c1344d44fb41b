"""What an item is about, on the console: its places, people, organisations and subjects,
each marked as the machine's (with its confidence) or the source's or an editor's, and
the machine's links to other items of the same story; and the edit form's part that
takes some of them off and adds an editor's own.

An editor's correction is a new version built so that the enrichment pipeline's rules
(``newswire.enrich.pipeline``) do the right thing with it: what the editor took off goes
to the item's ``rejected`` (``pipeline.key``), set here from the form itself, so that it
stays off even when the editor takes off every machine annotation of a kind (a copy
carrying none of the machine's looks like a fresh version to the pipeline); what the
editor left on stays as it was, the machine's still marked so; a name the editor adds is
the editor's (``creator=""``), kept as written; the pipeline gives it the id of the
vocabulary's or the gazetteer's term of that name, if there is one (``Identifies``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from newswire.access import taxonomy
from newswire.enrich.pipeline import key
from newswire.errors import NotFound
from newswire.formats.html import squash
from newswire.model import MACHINE, Association, Concept, Entity, EntityKind, NewsItem
from newswire.store.base import Store
from newswire.text.normalize import normalize

KINDS: tuple[EntityKind, ...] = ("place", "person", "organisation")
"""The kinds an editor adds by name, in the order the pages show them (then any other)."""
MAX_NAMES = 40
"""At most this many names added of a kind in one form."""
MAX_NAME = 200
"""The longest name an editor may add, in characters."""


def threads(item: NewsItem) -> list[Association]:
    """The machine's links to other items of the same story."""
    return [a for a in item.associations if a.creator == MACHINE and a.type == "text"]


def _row(n: int, thing: Entity | Concept | Association, label: str, **extra: Any) -> dict[str, Any]:
    return {
        "n": n,
        "key": key(thing),
        "label": label,
        "machine": thing.creator == MACHINE,
        "confidence": thing.confidence if not isinstance(thing, Association) else None,
        "code": "",
        "href": "",
        **extra,
    }


LATER = 20
"""The later items of a story an item page lists at most (one bounded read of the store's
index of links, and one read of each)."""


def later(store: Store, item: NewsItem, href: Any) -> list[dict[str, Any]]:
    """The stories whose latest version links to ``item`` (``Store.linking``: its copies
    and follow-ups, filed after it, the most recently stored first), as the item page
    lists them beside the item's own links: headline, whether withdrawn. An
    editor sees every one, under embargo too; a picture or a video has none (stories
    link it as such, and asking would read every story it illustrates)."""
    if item.type != "text":
        return []
    out = []
    for link in store.linking(item.id, type="text", limit=LATER):
        try:
            found = store.get(link.id).item
        except NotFound:  # gone meanwhile
            continue
        out.append(
            {
                "label": found.headline or found.id,
                "href": href(found.id),
                "withdrawn": found.pubstatus == "canceled",
            }
        )
    return out


def rows(item: NewsItem, lang: str, href: Any) -> dict[str, Any]:
    """What the item page and the edit form list: ``groups`` (each kind of entity, then
    the subjects), ``threads`` (the story's other items, ``href`` of an id links them),
    every row numbered ``n`` (the edit form's ``remove_{n}`` carries its ``key``)."""
    n = 0
    groups: list[dict[str, Any]] = []
    kinds = [*KINDS, *sorted({e.kind for e in item.entities} - set(KINDS))]
    for kind in kinds:
        out = []
        for entity in item.entities:
            if entity.kind == kind:
                out.append(_row(n, entity, entity.name or entity.id, id=entity.id))
                n += 1
        groups.append({"kind": kind, "rows": out})
    subjects = []
    for concept in item.subjects:
        label = taxonomy.label(concept.code, lang) or concept.name or concept.code
        subjects.append(_row(n, concept, label, code=concept.code))
        n += 1
    groups.append({"kind": "subject", "rows": subjects})
    links = []
    for association in threads(item):
        label = association.headline or association.id
        links.append(_row(n, association, label, href=href(association.id), rel=association.rel))
        n += 1
    return {"groups": groups, "threads": links, "any": n > 0}


def removed(form: dict[str, str], item: NewsItem) -> set[str]:
    """The keys of the annotations of ``item`` ticked ``remove`` (a key the item does not
    carry is ignored: the form says what to take off, not what to reject)."""
    keys = {key(e) for e in item.entities} | {key(c) for c in item.subjects}
    keys |= {key(a) for a in threads(item)}
    return {v for k, v in form.items() if k.startswith("remove_") and v in keys}


def added(form: dict[str, str], w: dict[str, str]) -> tuple[list[Entity], dict[str, str]]:
    """The entities named in the form's ``add_{kind}`` fields (one a line), the editor's,
    and the error of each field at fault."""
    out: list[Entity] = []
    errors: dict[str, str] = {}
    for kind in KINDS:
        field = f"add_{kind}"
        names = [squash(line) for line in form.get(field, "").splitlines()]
        names = [name for name in names if name]
        long = next((name for name in names if len(name) > MAX_NAME), None)
        if long is not None:
            errors[field] = w["err_name_long"].format(limit=MAX_NAME, name=long[:40] + "…")
        elif len(names) > MAX_NAMES:
            errors[field] = w["err_names_many"].format(limit=MAX_NAMES)
        else:
            out += [Entity(kind=kind, name=name) for name in names]
    return out, errors


def _named(entities: Iterable[Entity]) -> set[tuple[str, str]]:
    return {(e.kind, normalize(e.name)) for e in entities}


def corrected(latest: NewsItem, item: NewsItem, remove: set[str], add: list[Entity]) -> NewsItem:
    """``item`` (the next version of ``latest`` the form makes, its subjects the form's)
    with ``latest``'s entities and story links less those taken off and with those added,
    the machine's subjects left on (after the form's), and what was taken off in
    ``rejected``. A source's or editor's subject no longer in the form was taken off too."""
    given = {c.code for c in item.subjects}
    remove = set(remove)
    remove |= {
        key(c)
        for c in latest.subjects
        if c.creator != MACHINE and taxonomy.qcode(c.code) not in given | {""}
    }
    entities = [e for e in latest.entities if key(e) not in remove]
    named, keys = _named(entities), {key(e) for e in entities}
    for entity in add:
        name = (entity.kind, normalize(entity.name))
        if name not in named and key(entity) not in keys:  # a name given once
            entities.append(entity)
            named.add(name)
            keys.add(key(entity))
    machine = [
        c
        for c in latest.subjects
        if c.creator == MACHINE and key(c) not in remove and taxonomy.qcode(c.code) not in given
    ]  # the pipeline drops them if the editor gave a subject (editors' subjects win)
    rejected = list(latest.rejected) + sorted(remove - set(latest.rejected))
    return msgspec.structs.replace(
        item,
        entities=entities,
        subjects=[*item.subjects, *machine],
        associations=[a for a in latest.associations if key(a) not in remove],
        rejected=rejected,
    )

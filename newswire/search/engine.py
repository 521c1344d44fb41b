"""Searching: a parsed query and a caller's entitlements in, a page of highlighted hits out.

A query (``newswire.search.query``) becomes a tantivy query over the analysed fields:
every word is analysed by ``newswire.text.analyze`` exactly as the documents were, each
field weighted (``index.FIELDS``), BM25 ranking. The caller's products become a clause
of the same query (``index.product_clause``): items matched through a full-text product
are searched in their body, those matched only through a teaser product in their teaser
(a teaser-only subscriber never finds an item by a word it cannot read). Filters and
entitlements score nothing; only the words do.

Hits are read back from the store (the index keeps only ids), judged with the delivery
rule (``entitlement.grant``) for full text or teaser, and given snippets of the original
text with the matched words in ``<mark>``.

What a search does per item is done once per stored version and kept (``Kept``: the
fields a hit shows and the grant judges, the headline and the text shown for each access
ready for marking, the hit's JSON around its marks), and so is what it does per query
text (the parsed query, the compiled tantivy query and the terms to mark): a hit found
again costs a lookup, and a hit list is read from the store in one query for the versions
not kept. ``search_json`` gives the HTTP answer as bytes, ``search`` the same as objects.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

import msgspec
import tantivy

from newswire.access import taxonomy
from newswire.access.entitlement import grant
from newswire.access.products import Product, fold_set, parse_urgency
from newswire.errors import BadInput, NotFound
from newswire.model import ITEM_TYPES, NewsItem, utcnow
from newswire.search import query as q
from newswire.search.index import (
    ENTITY_FACETS,
    FIELDS,
    SearchIndex,
    lead_text,
    product_clause,
    recipe_of,
    unpack,
)
from newswire.search.snippets import Passage, Wanted
from newswire.text.analyze import terms
from newswire.text.teaser import teaser
from newswire.validation import LANGUAGE_TAG

if TYPE_CHECKING:
    from newswire.store.base import Store

__all__ = ["MAX_LIMIT", "Hit", "Results", "SearchRequest", "Searcher"]

MAX_LIMIT = 100
KEPT_VERSIONS = 4096
"""Versions kept ready to be shown (``Kept``), the most recently shown: about 13 KB each
for an article of the corpus (50 MB at most)."""
KEPT_QUERIES = 1024
"""Compiled queries kept, the most recently used."""
KNOWN_DOCUMENTS = 100_000
"""Index documents whose ids are remembered per searcher (address → id)."""
KEPT_MARKS = 8
"""Marked renderings kept per version and access (one per set of terms marked)."""
MAX_WINDOW = 10_000
"""Deepest result a page may reach (page x limit): deeper paging is a crawl, not a search."""
SORTS = ("relevance", "newest")
Occur = tantivy.Occur


def parse_when(text: str | None, field: str, *, end: bool = False) -> dt.datetime | None:
    """``YYYY-MM-DD`` (the whole UTC day: its start, or its end with ``end``) or an ISO 8601
    time (UTC when it names no zone); ``BadInput`` naming ``field`` otherwise."""
    if not text:
        return None
    text = text.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            when = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
        else:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(
            f"{text[:40]!r} is not a date: give YYYY-MM-DD or an ISO 8601 time", field=field
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


class SearchRequest(msgspec.Struct, kw_only=True):
    q: str
    lang: str | None = None
    subject: str | None = None
    urgency: str | None = None
    type: str | None = None
    place: str | None = None
    """A place the item names or is datelined at, by name or id (GeoNames, ISO 3166)."""
    entity: str | None = None
    """A person, organisation or place the item names (or a place it is datelined at), by
    name or id: what ``place`` finds, and people and organisations by vocabulary id."""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    sort: str = "relevance"
    page: int = 1
    limit: int = 20
    products: list[str] = []
    facets: bool = True


class Hit(msgspec.Struct, kw_only=True):
    id: str
    type: str
    """``text``, ``picture``, ``video`` or ``graphic``."""
    version: int
    language: str
    headline: str
    """HTML: the headline, escaped, with the matched words in ``<mark>``."""
    snippet: str
    """HTML: a passage of the body (of the teaser, for teaser access) around the matches."""
    access: str
    urgency: int | None
    versioncreated: dt.datetime | None
    subjects: list[str]
    score: float | None = None


class Results(msgspec.Struct, kw_only=True):
    query: str
    total: int
    page: int
    limit: int
    sort: str
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = {}


class Searcher:
    """Searches ``index`` (kept up to date by its owner) and reads hits from ``store``."""

    def __init__(self, index: SearchIndex, store: Store, *, teaser_chars: int = 600):
        self.index, self.store, self.teaser_chars = index, store, teaser_chars
        self.schema = index.schema
        self._languages: tuple[int, list[str]] = (-1, [])
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[str, int, int], Kept] = OrderedDict()
        self._compiled: OrderedDict[tuple[object, ...], _Compiled] = OrderedDict()
        self._facets: dict[tuple[object, ...], tuple[dict[str, dict[str, int]], msgspec.Raw]] = {}
        self._facets_generation = -1
        self._current: tuple[int, tantivy.Searcher, Known] | None = None

    # --- the query -------------------------------------------------------------------------

    def languages(self, searcher: tantivy.Searcher, generation: int) -> list[str]:
        """The primary languages in what ``searcher`` sees (cached until the index is
        reloaded: ``generation`` is read before the searcher is taken, so a reload in
        between only means one more look)."""
        with self._lock:
            if self._languages[0] == generation:
                return self._languages[1]
        buckets = searcher.aggregate(
            tantivy.Query.all_query(), {"l": {"terms": {"field": "lang", "size": 50}}}
        )["l"]["buckets"]
        langs = sorted({b["key"].split("-")[0].lower() for b in buckets} - {"und"}) or ["ar"]
        with self._lock:
            self._languages = (generation, langs)
        return langs

    def _variants(self, text: str, langs: list[str]) -> set[tuple[str, ...]]:
        # Arabic words analyse alike in every language; a Latin word's stem depends on the
        # language of the item it is in, so it is looked for as each language stems it.
        return {tuple(terms(text, lang)) for lang in langs} - {()}

    def _words(
        self, text: str, fields: dict[str, float], langs: list[str]
    ) -> tantivy.Query | None:
        options = []
        for variant in self._variants(text, langs):
            for field, weight in fields.items():
                if len(variant) == 1:
                    clause = tantivy.Query.term_query(self.schema, field, variant[0])
                else:
                    clause = tantivy.Query.phrase_query(self.schema, field, list(variant))
                options.append((Occur.Should, tantivy.Query.boost_query(clause, weight)))
        return tantivy.Query.boolean_query(options) if options else None

    def _clause(
        self, node: q.Word | q.Phrase | q.AnyOf, fields: dict[str, float], langs: list[str]
    ) -> tantivy.Query | None:
        if isinstance(node, q.Word):
            return self._words(node.text, fields, langs)
        if isinstance(node, q.Phrase):
            return self._words(" ".join(node.words), fields, langs)
        clauses = [self._clause(o, fields, langs) for o in node.options]
        options = [(Occur.Should, o) for o in clauses if o is not None]
        return tantivy.Query.boolean_query(options) if options else None

    def text_query(self, parsed: q.Query, access: str, langs: list[str]) -> tantivy.Query:
        fields = FIELDS[access]
        clauses = []
        for node in parsed.must:
            clause = self._clause(node, fields, langs)
            if clause is not None:
                clauses.append((Occur.Must, clause))
        if not clauses:
            raise q.QueryError("the query has no words that can be searched for", field="q")
        for node in parsed.must_not:
            clause = self._clause(node, fields, langs)
            if clause is not None:
                clauses.append((Occur.MustNot, clause))
        return tantivy.Query.boolean_query(clauses)

    def wanted(self, parsed: q.Query, langs: list[str]) -> set[Wanted]:
        """What snippets mark: each index term a word of the query looks for, and the
        terms of a phrase (or of a word analysed into several, ``会见``, ``لـCNN``) as one
        sequence, marked only where they stand together as the search matched them."""
        return {
            v[0] if len(v) == 1 else v
            for unit in q.marked(parsed)
            for v in self._variants(unit, langs)
        }

    def compile(
        self, req: SearchRequest, products: list[Product], searcher: tantivy.Searcher | None = None
    ) -> tuple[tantivy.Query, frozenset[Wanted]]:
        """The tantivy query of ``req`` for a caller with ``products`` and the terms its
        hits mark."""
        found = self._compiled_for(req, products, searcher, self.index.generation)
        return found.query, found.wanted

    def _compiled_for(
        self,
        req: SearchRequest,
        products: list[Product],
        searcher: tantivy.Searcher | None,
        generation: int,
    ) -> _Compiled:
        """``compile``, kept by query text, filters, products and languages searched."""
        parsed = None if browsing(req) else parse(req.q)
        if req.lang:
            langs = [req.lang.split("-")[0].lower()]
        else:
            langs = self.languages(searcher or self.index.searcher(), generation)
        # What a place or entity filter names is the vocabulary's, which editors change
        # while the server runs, on any process: a query compiled before a change (an
        # entry merged into the one asked for) is not the query after it. Read before
        # compiling, the version keeps nothing older than itself.
        names = 0
        if req.place or req.entity:
            from newswire.enrich.pipeline import names_version  # loads the vocabulary

            names = names_version(self.store)
        key = (
            req.q, req.lang, req.subject, req.urgency, req.type, req.place, req.entity,
            req.since, req.until, _PRODUCTS_KEY(products), tuple(langs), names,
        )
        with self._lock:
            found = self._compiled.get(key)
            if found is not None:
                self._compiled.move_to_end(key)
                return found
        query, wanted = self._compile(req, parsed, products, langs)
        found = _Compiled(query, wanted, key)
        with self._lock:
            self._compiled[key] = found
            if len(self._compiled) > KEPT_QUERIES:
                self._compiled.popitem(last=False)
        return found

    def _compile(
        self, req: SearchRequest, parsed: q.Query | None, products: list[Product], langs: list[str]
    ) -> tuple[tantivy.Query, frozenset[Wanted]]:
        """``req``'s query within the caller's products; ``parsed`` None (``browsing``):
        every item the filters let through."""
        branches = []
        full = [p for p in products if p.access == "full"]
        teaser_only = [p for p in products if p.access != "full"]
        full_scope = _union(full)
        def text(access: str) -> tantivy.Query:
            if parsed is None:
                return tantivy.Query.all_query()
            return self.text_query(parsed, access, langs)

        if full:
            branches.append(_within(text("full"), full_scope, None))
        if teaser_only and not (full and full_scope is None):
            scope = _union(teaser_only)
            excluded = full_scope if full else None
            branches.append(_within(text("teaser"), scope, excluded))
        if not branches:
            return tantivy.Query.empty_query(), frozenset()
        matched = branches[0] if len(branches) == 1 else tantivy.Query.boolean_query(
            [(Occur.Should, b) for b in branches]
        )
        filters = self.filters(req)
        if filters:
            matched = tantivy.Query.boolean_query(
                [(Occur.Must, matched)] + [(Occur.Must, _unscored(f)) for f in filters]
            )
        return matched, frozenset(self.wanted(parsed, langs) if parsed is not None else ())

    def filters(self, req: SearchRequest) -> list[tantivy.Query]:
        out = []
        schema = self.schema
        if req.lang:
            out.append(tantivy.Query.term_query(schema, "langs", req.lang.lower()))
        if req.subject:
            out.append(tantivy.Query.term_query(schema, "topics", taxonomy.qcode(req.subject)))
        if req.type:
            out.append(tantivy.Query.term_query(schema, "type", req.type))
        for field, value in (("place", req.place), ("entity", req.entity)):
            if value:
                if not fold_set([value]):
                    raise BadInput(f"{field} names nothing", field=field)
                from newswire.enrich.pipeline import named_terms  # loads the vocabulary

                # The name or id asked for, and the ids of what it names: an item shows
                # one name of each entity (حركة حماس), and is asked for by any (حماس).
                if field == "place":
                    wanted = named_terms(self.store, value, ("place",))
                    fields: tuple[str, ...] = ("place",)
                else:  # a person, an organisation or a place
                    wanted = named_terms(self.store, value, ("person", "organisation", "place"))
                    fields = ("entity", "place")
                out.append(
                    tantivy.Query.boolean_query(
                        [
                            (Occur.Should, tantivy.Query.term_query(schema, name, term))
                            for name in fields
                            for term in sorted(wanted)
                        ]
                    )
                )
        if req.urgency:
            low, high = parse_urgency(req.urgency)
            out.append(
                tantivy.Query.range_query(schema, "urgency", tantivy.FieldType.Integer, low, high)
            )
        if req.since or req.until:
            start = int(req.since.timestamp()) if req.since else None
            end = int(req.until.timestamp()) if req.until else None
            out.append(
                tantivy.Query.range_query(schema, "ts", tantivy.FieldType.Integer, start, end)
            )
        return out

    # --- searching -------------------------------------------------------------------------

    def search(
        self, req: SearchRequest, products: Iterable[Product], now: dt.datetime | None = None
    ) -> Results:
        """A page of hits for ``req``, judged for a caller with ``products``."""
        req = _sorted(req)
        page = self._page(req, products, now)
        return Results(
            query=req.q,
            total=page.total,
            page=req.page,
            limit=req.limit,
            sort=req.sort,
            hits=[kept.hit(access, page.wanted, score) for kept, access, score in page.hits],
            facets={name: dict(counts) for name, counts in page.facets[0].items()},
        )

    def search_json(
        self,
        req: SearchRequest,
        products: Iterable[Product],
        extra: dict[str, object] | None = None,
        now: dt.datetime | None = None,
    ) -> bytes:
        """``search`` as the JSON ``GET /v1/search`` answers with (``extra``'s members
        after the results'), each hit's JSON made from what its version keeps."""
        req = _sorted(req)
        page = self._page(req, products, now)
        hits = b",".join([kept.json(access, page.wanted, score) for kept, access, score in page.hits])
        body = {
            "query": req.q,
            "total": page.total,
            "page": req.page,
            "limit": req.limit,
            "sort": req.sort,
            "hits": msgspec.Raw(b"[" + hits + b"]"),
            "facets": page.facets[1],
        }
        return _ENCODE(body | extra if extra else body)

    def _page(
        self, req: SearchRequest, products: Iterable[Product], now: dt.datetime | None
    ) -> _Page:
        products = list(products)
        validate(req)
        if req.products:
            mine = {p.name: p for p in products}
            for name in req.products:
                if name not in mine:
                    raise NotFound(f"the caller has no product {name!r}", field="product")
            products = [mine[n] for n in dict.fromkeys(req.products)]
        generation, searcher, keys = self._searcher()
        compiled = self._compiled_for(req, products, searcher, generation)
        found = searcher.search(
            compiled.query,
            req.limit,
            count=True,
            offset=(req.page - 1) * req.limit,
            order_by_field="ts" if req.sort == "newest" else None,
        )
        hits = self._hits(searcher, keys, found.hits, products, req.sort == "relevance", now)
        total: int = found.count  # type: ignore[attr-defined]  # tantivy.pyi lacks SearchResult.count
        facets = (
            self.facets_of(searcher, compiled, generation)
            if req.facets and total
            else _EMPTY_FACETS  # every facet, none counted: what a client reads is there
            if req.facets
            else _NO_FACETS
        )
        return _Page(total, hits, compiled.wanted, facets)

    def _searcher(self) -> tuple[int, tantivy.Searcher, Known]:
        """The index's generation, its searcher, and what that searcher's documents were
        found to be (address → id, version, sequence number): one searcher per
        generation (``SearchIndex.generation`` moves with every reload), so that the
        documents of the hits found before are not read again. The generation is read
        before the searcher is taken: a reload in between means one more look."""
        current = self._current
        generation = self.index.generation
        if current is None or current[0] != generation:
            current = (generation, self.index.searcher(), {})
            self._current = current
        return current

    def _hits(
        self,
        searcher: tantivy.Searcher,
        known: Known,
        found: list[tuple[Any, tantivy.DocAddress]],
        products: list[Product],
        scored: bool,
        now: dt.datetime | None,
    ) -> list[tuple[Kept, str, float | None]]:
        """The hits shown: each one's kept version, the access granted and its score."""
        now = now or utcnow()
        keys = []
        for _, address in found:
            where = (address.segment_ord, address.doc)
            key = known.get(where)
            if key is None:
                doc = searcher.doc(address)
                key = (doc["id"][0], doc["version"][0], doc["seq"][0])
                if len(known) >= KNOWN_DOCUMENTS:
                    known.clear()
                known[where] = key
            keys.append(key)
        kept = self.kept(keys)
        out: list[tuple[Kept, str, float | None]] = []
        for (score, _), version in zip(found, kept, strict=True):
            if version is None:
                continue  # gone from the store since (a restore): the index will follow
            granted = grant(products, version.item, now)
            if granted is None:
                continue
            out.append((version, granted.access, round(score, 4) if scored else None))
        return out

    def kept(self, keys: list[tuple[str, int, int]]) -> list[Kept | None]:
        """The kept versions of ``keys`` (id, version, sequence number), those not kept
        read from the store (in one query) and kept; None for one the store lacks."""
        out: list[Kept | None] = []
        missing = []
        with self._lock:
            for key in keys:
                found = self._kept.get(key)
                if found is not None:
                    self._kept.move_to_end(key)
                else:
                    missing.append(key)
                out.append(found)
        if not missing:
            return out
        read = {}
        for stored in self.store.by_seq([seq for _, _, seq in missing]):
            read[(stored.item.id, stored.item.version, stored.seq)] = stored.item
        analysed = self._analysed([seq for _, _, seq in missing])
        made = {}
        for key in missing:
            item = read.get(key)
            if item is None:  # not under that sequence number: by id and version
                try:
                    item = self.store.get(key[0], key[1]).item
                except NotFound:
                    continue
            made[key] = Kept(item, self.teaser_chars, analysed.get(key[2]))
        with self._lock:
            for key, version in made.items():
                self._kept[key] = version
            while len(self._kept) > KEPT_VERSIONS:
                self._kept.popitem(last=False)
        return [found if found is not None else made.get(key) for key, found in zip(keys, out, strict=True)]

    def _analysed(self, seqs: list[int]) -> dict[int, Analysed]:
        """The analysed text the index was given for these versions (their search
        documents, kept in the store: ``index.fields_of``), which spares analysing it
        again for the snippets, most of what a hit costs the first time it is shown.
        Missing or damaged documents are left out: those versions are analysed."""
        recipe = recipe_of(self.index.teaser_chars)
        same_teaser = self.index.teaser_chars == self.teaser_chars
        try:
            blobs = self.store.search_documents.get(seqs, recipe)
            return {
                seq: Analysed(fields[13], fields[14], fields[15], fields[16] if same_teaser else None)
                for seq, fields in zip(blobs, unpack(blobs.values()), strict=True)
            }
        except Exception:  # a cache: whatever is wrong with it, analysing is right
            return {}

    def facets_of(
        self, searcher: tantivy.Searcher, compiled: _Compiled, generation: int
    ) -> tuple[dict[str, dict[str, int]], msgspec.Raw]:
        """The facets of a compiled query (and their JSON), kept until the index is
        reloaded: the aggregation visits every match, the most costly part of a search
        for a common word, and the same words are searched again and again.
        ``generation`` is read before ``searcher`` is taken: a reload in between means
        facets counted on the newer index are kept for the older one, until the next
        search, which sees the new generation and drops them."""
        with self._lock:
            if self._facets_generation != generation:
                self._facets.clear()
                self._facets_generation = generation
            found = self._facets.get(compiled.key)
        if found is None:
            counts = self.facets(searcher, compiled.query)
            found = (counts, msgspec.Raw(_ENCODE(counts)))
            with self._lock:
                if self._facets_generation == generation:
                    if len(self._facets) >= KEPT_QUERIES:
                        self._facets.pop(next(iter(self._facets)))
                    self._facets[compiled.key] = found
        return found

    def facets(self, searcher: tantivy.Searcher, query: tantivy.Query) -> dict[str, dict[str, int]]:
        spec: dict[str, dict[str, dict[str, object]]] = {
            "language": {"terms": {"field": "lang", "size": 20}},
            "subject": {"terms": {"field": "subject", "size": 20}},
            "day": {"terms": {"field": "day", "size": 31, "order": {"_key": "desc"}}},
            "type": {"terms": {"field": "type", "size": len(ITEM_TYPES)}},
            **{
                name: {"terms": {"field": field, "size": 20}}
                for name, field in ENTITY_FACETS.items()
            },
        }
        aggs = searcher.aggregate(query, spec)
        return {
            name: {b["key"]: b["doc_count"] for b in aggs[name]["buckets"]} for name in spec
        }


def validate(req: SearchRequest) -> None:
    """``BadInput`` naming the first parameter of ``req`` that is wrong, and why (the
    query itself is checked when it is parsed)."""
    if req.sort not in SORTS:
        raise BadInput(f"sort is {' or '.join(SORTS)}, not {req.sort!r}", field="sort")
    if not 1 <= req.limit <= MAX_LIMIT:
        raise BadInput(f"limit is 1 to {MAX_LIMIT}, not {req.limit}", field="limit")
    if req.page < 1 or req.page * req.limit > MAX_WINDOW:
        raise BadInput(f"page {req.page} is out of reach: results go {MAX_WINDOW} deep", field="page")
    if req.lang and not LANGUAGE_TAG.fullmatch(req.lang):
        raise BadInput(
            f"{req.lang[:40]!r} is not a BCP 47 language tag such as ar, ar-EG or zh-Hant-TW",
            field="lang",
        )
    if req.type is not None and req.type not in ITEM_TYPES:
        raise BadInput(f"type is {', '.join(ITEM_TYPES)}, not {req.type!r}", field="type")
    if req.subject:
        code = taxonomy.qcode(req.subject)
        if not code or not taxonomy.known(code):
            raise BadInput(f"{req.subject!r} is not an IPTC Media Topic", field="subject")
    if req.urgency:
        parse_urgency(req.urgency)
    if req.since and req.until and req.since > req.until:
        raise BadInput("from is after to: give the earlier time first", field="from")
    if not browsing(req):
        if not req.q.strip():
            raise q.QueryError(
                "give words to search for, or a filter (lang, subject, urgency, type, place,"
                " entity, from, to) to list the newest items it lets through",
                field="q",
            )
        parse(req.q)


def browsing(req: SearchRequest) -> bool:
    """Whether ``req`` lists what its filters let through, newest first: no words, and at
    least one filter (a subscriber's "everything about Gaza this week")."""
    return not req.q.strip() and any(
        (req.lang, req.subject, req.urgency, req.type, req.place, req.entity, req.since, req.until)
    )


def _sorted(req: SearchRequest) -> SearchRequest:
    """``req``, newest first when it has no words to rank by."""
    if req.sort != "newest" and browsing(req):
        return msgspec.structs.replace(req, sort="newest")
    return req


parse = lru_cache(maxsize=4096)(q.parse)
"""``query.parse``, remembering the queries parsed lately (a query that fails is parsed
again each time: only results are kept)."""
_ENCODE = msgspec.json.Encoder().encode
_PRODUCTS_KEY = msgspec.msgpack.Encoder().encode


Known: TypeAlias = dict[tuple[int, int], tuple[str, int, int]]
"""A searcher's documents found so far: (segment, doc) address -> (id, version, seq)."""

_NO_FACETS: tuple[dict[str, dict[str, int]], msgspec.Raw] = ({}, msgspec.Raw(b"{}"))
FACETS = ("language", "subject", "day", "type", *ENTITY_FACETS)
"""The facets of a search, as ``SearchEngine.facets`` counts them."""
_EMPTY_FACETS: tuple[dict[str, dict[str, int]], msgspec.Raw] = (
    {name: {} for name in FACETS},
    msgspec.Raw(_ENCODE({name: {} for name in FACETS})),
)


class Analysed(NamedTuple):
    """A version's text as the index was given it (``index_text``: terms joined by
    spaces); ``teaser`` None when the index made teasers of another length."""

    headline: str
    lead: str
    body: str
    teaser: str | None


class _Compiled(NamedTuple):
    query: tantivy.Query
    wanted: frozenset[Wanted]
    """The index terms the hits' snippets mark."""
    key: tuple[object, ...]
    """What the query was compiled from."""


class _Page(NamedTuple):
    total: int
    hits: list[tuple[Kept, str, float | None]]
    wanted: frozenset[Wanted]
    facets: tuple[dict[str, dict[str, int]], msgspec.Raw]


class Kept:
    """A stored version as search shows it, made once: the item (without its HTML, and
    without its body when the full text's passage holds it), its headline and the text
    each access shows ready for marking (``Passage``; the teaser's made when first asked
    for), the hit's JSON around its marks, and its last few markings."""

    __slots__ = ("_analysed", "_marks", "_split", "_texts", "headline", "item", "teaser_chars")

    def __init__(self, item: NewsItem, teaser_chars: int, analysed: Analysed | None = None):
        """``analysed``: the version's text as the index was given it, used where it fits
        the text (``Passage``)."""
        self.teaser_chars = teaser_chars
        self._analysed = analysed
        self.headline = Passage(item.headline, item.language, analysed and analysed.headline)
        self._texts: dict[str, tuple[Passage, bytes, bytes]] = {}
        self._marks: dict[tuple[str, frozenset[Wanted]], tuple[str, str, bytes]] = {}
        self._split = False
        self.item = msgspec.structs.replace(item, body_html="", footer="")
        self._shown("full")
        if analysed is not None:  # only the teaser's is still wanted
            self._analysed = Analysed("", analysed.lead, "", analysed.teaser)
        if item.body and not any("\n" in p for p in item.body):
            # The full text is the paragraphs joined by new lines: they are kept there.
            self.item = msgspec.structs.replace(self.item, body=[])
            self._split = True

    def _shown(self, access: str) -> tuple[Passage, bytes, bytes]:
        found = self._texts.get(access)
        if found is None:
            item = self.item
            if access != "full":
                if self._split:
                    body = self._texts["full"][0].text.split("\n")
                    item = msgspec.structs.replace(item, body=body)
                shown = teaser(item, self.teaser_chars)
            else:
                shown = item
            text = "\n".join(shown.body)
            analysed = self._analysed
            if analysed is None:
                terms = None
            elif not text:
                terms = analysed.lead
            else:
                terms = analysed.body if access == "full" else analysed.teaser
            passage = Passage(text or lead_text(shown), item.language, terms)
            head = b"".join((
                b'{"id":', _ENCODE(item.id), b',"type":', _ENCODE(item.type),
                b',"version":', _ENCODE(item.version),
                b',"language":', _ENCODE(item.language), b',"headline":',
            ))
            tail = b"".join((
                b',"access":', _ENCODE(access), b',"urgency":', _ENCODE(item.urgency),
                b',"versioncreated":', _ENCODE(item.versioncreated),
                b',"subjects":', _ENCODE([c.code for c in item.subjects if c.code]),
                b',"score":',
            ))
            found = self._texts.setdefault(access, (passage, head, tail))
        return found

    def marks(self, access: str, wanted: frozenset[Wanted]) -> tuple[str, str, bytes]:
        """The headline and snippet marked for ``wanted``, and the hit's JSON up to its
        score."""
        key = (access, wanted)
        found = self._marks.get(key)
        if found is None:
            text, head, tail = self._shown(access)
            headline = self.headline.highlight(wanted)
            snippet = text.snippet(wanted)
            found = (headline, snippet, b"".join(
                (head, _ENCODE(headline), b',"snippet":', _ENCODE(snippet), tail)
            ))
            if len(self._marks) >= KEPT_MARKS:
                # Another thread may change them meanwhile: then it has made room.
                with contextlib.suppress(RuntimeError, KeyError, StopIteration):
                    del self._marks[next(iter(self._marks))]
            self._marks[key] = found
        return found

    def json(self, access: str, wanted: frozenset[Wanted], score: float | None) -> bytes:
        return self.marks(access, wanted)[2] + (b"null}" if score is None else _ENCODE(score) + b"}")

    def hit(self, access: str, wanted: frozenset[Wanted], score: float | None) -> Hit:
        headline, snippet, _ = self.marks(access, wanted)
        item = self.item
        return Hit(
            id=item.id,
            type=item.type,
            version=item.version,
            language=item.language,
            headline=headline,
            snippet=snippet,
            access=access,
            urgency=item.urgency,
            versioncreated=item.versioncreated,
            subjects=[c.code for c in item.subjects if c.code],
            score=score,
        )


def _union(products: list[Product]) -> tantivy.Query | None:
    """What any of ``products`` takes in; None: everything."""
    clauses: list[tantivy.Query] = []
    for p in products:
        clause = product_clause(p)
        if clause is None:
            return None
        clauses.append(clause)
    if len(clauses) == 1:
        return clauses[0]
    return tantivy.Query.boolean_query([(Occur.Should, c) for c in clauses])


def _unscored(query: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.const_score_query(query, 0.0)


def _within(
    text: tantivy.Query, scope: tantivy.Query | None, excluded: tantivy.Query | None
) -> tantivy.Query:
    clauses = [(Occur.Must, text)]
    if scope is not None:
        clauses.append((Occur.Must, _unscored(scope)))
    if excluded is not None:
        clauses.append((Occur.MustNot, excluded))
    return tantivy.Query.boolean_query(clauses) if len(clauses) > 1 else text

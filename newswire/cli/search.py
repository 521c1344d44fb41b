"""``newswire search QUERY`` and ``newswire reindex``: the search index from the command line.

Both open the index beside the store (``NEWSWIRE_SEARCH_INDEX``). ``search`` first brings
the index up to date (building it if it is missing, with a progress bar) unless a running
server holds it, which keeps it up to date itself; ``reindex`` rebuilds it from the store.
"""

from __future__ import annotations

import re
import sys
from shlex import quote
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
import typer
from rich.text import Text
from typer.core import TyperCommand

from newswire.cli.common import DB_DEFAULT, DbOption, err, fail, out, progress, with_store
from newswire.errors import NewswireError
from newswire.settings import BY_NAME, setting
from newswire.store import Store

if TYPE_CHECKING:
    from newswire.search.index import SearchIndex

IndexOption = Annotated[
    str,
    typer.Option("--index", envvar=BY_NAME["search_index"].env, help=BY_NAME["search_index"].help),
]
_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_NO_OPTION = re.compile(r"-+[^\x00-\x7f]")
"""A word no option can be: dashes, then a letter beyond ASCII (``-غزة``)."""


class SearchCommand(TyperCommand):
    """``newswire search``, which takes a query beginning with ``-`` as the query.

    ``-رفح`` is a query (an exclusion, or a dash an Arabic reader typed) that click would
    take for the options ``-ر -ف -ح`` and refuse (``No such option: -ر``). Every option is
    ASCII, so a word of dashes then a letter beyond ASCII that click refuses as an option
    is the query, as if it came after ``--``; for any other word click refuses (``-x``)
    the error says to put ``--`` before the query."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # click.Context (typer's)
        try:
            return super().parse_args(ctx, list(args))
        except Exception as exc:
            # click's NoSuchOption (typer's own copy of click since typer 0.28): by name.
            name = getattr(exc, "option_name", "")
            if type(exc).__name__ != "NoSuchOption" or not name:
                raise
            end = args.index("--") if "--" in args else len(args)
            for i, word in enumerate(args[:end]):
                if word.startswith(name) and _NO_OPTION.match(word):
                    moved = [*args[:i], *args[i + 1 : end], "--", word, *args[end + 1 :]]
                    return self.parse_args(ctx, moved)  # and the next such word, if any
            if not name.startswith("--"):
                word = next((w for w in args[:end] if w.startswith(name)), name)
                hint = f"a query beginning with - goes after --: newswire search -- {quote(word)}"
                exc.message = f"{exc}\n{hint}"  # type: ignore[attr-defined]
            raise


def _open_index(store: Store, index: str) -> SearchIndex:
    from newswire.search.index import SearchIndex
    from newswire.search.service import index_path

    teaser_chars = int(setting("teaser_chars"))
    return SearchIndex(index_path(index, store), teaser_chars=teaser_chars)


def _build(index: SearchIndex, store: Store, label: str) -> None:
    with progress() as bar:
        task = bar.add_task(label, total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        index.rebuild(store, progress=report)


def reindex(db: DbOption = DB_DEFAULT, index: IndexOption = "") -> None:
    """Rebuild the search index from the store (it is derived: nothing is lost)."""

    def run(store: Store) -> None:
        search_index = _open_index(store, index)
        try:
            _build(search_index, store, "indexing")
        except RuntimeError as exc:
            raise fail(str(exc)) from None
        finally:
            search_index.close()
        err.print(
            f"indexed {search_index.searcher().num_docs} items into"
            f" {search_index.path or 'memory'}",
            highlight=False,
        )

    with_store(db, run, create=False)


def search(
    query: Annotated[
        str,
        typer.Argument(
            help='Words, "exact phrases", -excluded, OR; left out, the newest items the'
            " filters let through."
        ),
    ] = "",
    subscriber: Annotated[
        str | None,
        typer.Option(help="Search as this subscriber would (its products); default: all items."),
    ] = None,
    lang: Annotated[str | None, typer.Option(help="Language tag (ar matches ar-EG).")] = None,
    subject: Annotated[str | None, typer.Option(help="IPTC Media Topic code.")] = None,
    urgency: Annotated[str | None, typer.Option(help="1 to 9, or a range such as 1-3.")] = None,
    item_type: Annotated[
        str | None, typer.Option("--type", help="text, picture, video, graphic or audio.")
    ] = None,
    place: Annotated[
        str | None, typer.Option(help="A place named or datelined at, by name or id.")
    ] = None,
    entity: Annotated[
        str | None,
        typer.Option(help="A person, organisation or place named, by name or id (nwv:hamas)."),
    ] = None,
    since: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD or ISO time.")] = None,
    until: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD or ISO time.")] = None,
    sort: Annotated[str, typer.Option(help="relevance or newest.")] = "relevance",
    page: Annotated[int, typer.Option(min=1)] = 1,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    as_json: Annotated[
        bool, typer.Option("--json", help="The results as GET /v1/search gives them.")
    ] = False,
    db: DbOption = DB_DEFAULT,
    index: IndexOption = "",
) -> None:
    """Search the archive with Arabic-aware matching; snippets show the matched words."""
    from newswire.access.entitlement import AGENCY
    from newswire.search.engine import Searcher, SearchRequest, parse_when, validate

    try:
        req = SearchRequest(
            q=query,
            lang=lang,
            subject=subject,
            urgency=urgency,
            type=item_type,
            place=place,
            entity=entity,
            since=parse_when(since, "--from"),
            until=parse_when(until, "--to", end=True),
            sort=sort,
            page=page,
            limit=limit,
        )
        validate(req)  # before the index is opened (and maybe built)
    except NewswireError as exc:
        raise fail(str(exc), 2) from None

    def run(store: Store) -> None:
        products = [AGENCY]
        if subscriber is not None:
            products = [store.products.get(n) for n in store.subscribers.get(subscriber).products]
        search_index = _open_index(store, index)
        try:
            if search_index.writer() is not None and search_index.stale(store.last_seq()):
                _build(search_index, store, "building the search index")
            else:
                search_index.follow(store)
            results = Searcher(
                search_index, store, teaser_chars=search_index.teaser_chars
            ).search(req, products)
        finally:
            search_index.close()
        if as_json:
            doc = msgspec.json.encode(msgspec.structs.asdict(results))
            sys.stdout.buffer.write(msgspec.json.format(doc, indent=2) + b"\n")
            return
        for hit in results.hits:
            line = (
                f"{hit.id} v{hit.version} · {hit.type} · {hit.language} · {hit.access}"
                f" · {hit.versioncreated or ''}"
            )
            out.print(
                Text.assemble(
                    _terminal(hit.headline, "bold"), "\n  ", (line, "dim"), "\n  ",
                    _terminal(hit.snippet), "\n",
                ),
                highlight=False,
            )
        first = (results.page - 1) * results.limit
        shown = f"{first + 1}-{first + len(results.hits)} of " if results.hits else ""
        err.print(f"{shown}{results.total} items", highlight=False)

    with_store(db, run, create=False)


def _terminal(html: str, style: str = "") -> Text:
    """A snippet's HTML as text for the terminal: marks highlighted, entities unescaped,
    everything else shown as it is written (no markup, no emoji codes)."""
    from html import unescape

    shown, at = Text(style=style), 0
    for m in _MARK.finditer(html):
        shown.append(unescape(html[at : m.start()]))
        shown.append(unescape(m.group(1)), "reverse")
        at = m.end()
    shown.append(unescape(html[at:]))
    return shown

"""``newswire vocab``: the authority file the ``entities`` step matches (people and
organisations), as the agency's editors keep it.

The shipped starter vocabulary is overlaid by the editors' changes in the store
(``newswire.enrich.vocabulary``); every process and node sees a change within a second,
and it applies to what is ingested from then on (the archive: ``newswire enrich --all``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import msgspec
import typer

from newswire.cli.common import DB_DEFAULT, DbOption, err, fail, print_rows, with_store
from newswire.enrich.base import Term
from newswire.enrich.vocabulary import LANGUAGE, Vocabulary, check_id, check_kind, check_name
from newswire.errors import BadInput, NewswireError
from newswire.store import Store

vocab_app = typer.Typer(
    help="The authority file: people and organisations, with their names in each language.",
    no_args_is_help=True,
)

_json = msgspec.json.Encoder()

Variants = Annotated[
    list[str] | None,
    typer.Option("--variant", help="Another spelling in the name's language (repeat for more)."),
]
Shorts = Annotated[
    list[str] | None,
    typer.Option(
        "--short",
        help="A short form used after the first mention, a surname alone (repeat for more);"
        " matched with a lower confidence.",
    ),
]
Names = Annotated[
    list[str] | None,
    typer.Option(
        "--name",
        help='A name in another language, LANG=NAME (en="Ibrahim Kalin"; repeat for more).',
    ),
]
Lang = Annotated[
    str,
    typer.Option(
        "--lang",
        help="The language of NAME, its variants and short forms (default: ar for"
        " Arabic script, else en).",
    ),
]


def _print_json(value: object) -> None:
    sys.stdout.buffer.write(msgspec.json.format(_json.encode(value), indent=2) + b"\n")


def _names(
    name: str, lang: str, variants: list[str], shorts: list[str], others: list[str]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The ``names`` and ``short`` of an entry from the command's options (``name`` empty:
    none, as ``change`` without ``--shown``), every name's form checked as ``check_term``
    checks it: ``BadInput`` here is bad input (exit 2) whichever command and option gave
    it, found before the store is opened, not a refusal of the store's (exit 1)."""
    if lang and not LANGUAGE.fullmatch(lang):
        raise BadInput(f"--lang is a language code (ar, en, tr), not {lang!r}", field="lang")
    home = lang or ("ar" if any("\u0600" <= c <= "\u06ff" for c in name) else "en")
    given = [check_name(name)] if name else []
    names: dict[str, list[str]] = {home: [*given, *(check_name(v, "names") for v in variants)]}
    for other in others:
        code, sep, value = other.partition("=")
        if not sep or not LANGUAGE.fullmatch(code.strip()):
            raise BadInput(f'--name is LANG=NAME (en="Ibrahim Kalin"), not {other!r}', field="name")
        names.setdefault(code.strip(), []).append(check_name(value, "names"))
    short = [check_name(s, "short") for s in shorts]
    return {k: v for k, v in names.items() if v}, ({home: short} if short else {})


def _run(db: str, action: Callable[[Vocabulary], None], *, create: bool = True) -> None:
    def run(store: Store) -> None:
        action(Vocabulary(store))

    with_store(db, run, create=create)


@vocab_app.command("add")
def vocab_add(
    kind: Annotated[str, typer.Argument(help="person, organisation or place.")],
    name: Annotated[str, typer.Argument(help="The name to show (Arabic first).")],
    variant: Variants = None,
    short: Shorts = None,
    other: Names = None,
    lang: Lang = "",
    term_id: Annotated[
        str, typer.Option("--id", help="nwv:… (default: made from the English name).")
    ] = "",
    db: DbOption = DB_DEFAULT,
) -> None:
    """Add an entry; prints its id."""
    try:
        names, shorts = _names(name, lang, variant or [], short or [], other or [])
        term = Term(
            id=check_id(term_id) if term_id else "", kind=check_kind(kind), name=check_name(name),
            names=names, short=shorts,
        )
    except NewswireError as exc:
        raise fail(str(exc), 2) from None

    def add(vocabulary: Vocabulary) -> None:
        added = vocabulary.add(term)
        sys.stdout.write(f"{added.id}\n")
        err.print(f"{added.kind} {added.name} added as {added.id}", highlight=False)

    _run(db, add)


@vocab_app.command("change")
def vocab_change(
    term_id: Annotated[str, typer.Argument(help="The entry's id (nwv:…).")],
    variant: Variants = None,
    short: Shorts = None,
    other: Names = None,
    lang: Lang = "",
    shown: Annotated[
        str, typer.Option("--shown", help="A new name to show (it joins the names too).")
    ] = "",
    db: DbOption = DB_DEFAULT,
) -> None:
    """Give an entry more names (variants, short forms, names in other languages) or
    another name to show."""
    if not (variant or short or other or shown):  # a change of nothing is a slip
        raise fail("nothing to change: give --variant, --short, --name or --shown", 2)
    try:  # the options' own form, as ``add`` checks it, before the store is opened
        _names(shown, lang, variant or [], short or [], other or [])
    except NewswireError as exc:
        raise fail(str(exc), 2) from None

    def edited(term: Term) -> Term:
        first = shown or term.name
        names, shorts = _names(first, lang, variant or [], short or [], other or [])
        merged = {lang_: [*ns] for lang_, ns in term.names.items()}
        for lang_, ns in names.items():
            merged[lang_] = [*merged.get(lang_, []), *ns]
        short_ = {lang_: [*ns] for lang_, ns in term.short.items()}
        for lang_, ns in shorts.items():
            short_[lang_] = [*short_.get(lang_, []), *ns]
        return msgspec.structs.replace(term, name=first, names=merged, short=short_)

    def change(vocabulary: Vocabulary) -> None:
        # The names are added to the entry as it is when the change is stored, not as
        # read before: another editor's change meanwhile is kept (``amend``).
        changed = vocabulary.amend(term_id, edited)
        err.print(f"{changed.id} changed", highlight=False)

    _run(db, change, create=False)


@vocab_app.command("list")
def vocab_list(
    kind: Annotated[str | None, typer.Option(help="Only person, organisation or place.")] = None,
    search: Annotated[
        str | None, typer.Option(help="Only entries with a name (or id) containing this.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON entry a line.")] = False,
    db: DbOption = DB_DEFAULT,
) -> None:
    """The entries (the shipped ones as the editors left them, and theirs), by id."""
    if kind is not None:
        try:
            check_kind(kind)
        except NewswireError as exc:
            raise fail(str(exc), 2) from None

    def show(vocabulary: Vocabulary) -> None:
        found = vocabulary.find(kind, search)
        if as_json:
            for term in found:
                sys.stdout.buffer.write(_json.encode(term) + b"\n")
            return
        print_rows(
            ("id", "kind", "name", "names"),
            [(t.id, t.kind, t.name, str(sum(len(ns) for ns in t.names.values()))) for t in found],
        )

    _run(db, show, create=False)  # a reader: it made an empty database where none was


@vocab_app.command("show")
def vocab_show(
    term_id: Annotated[str, typer.Argument(help="The entry's id (nwv:…).")],
    db: DbOption = DB_DEFAULT,
) -> None:
    """An entry, as JSON (for a merged one, the entry it was merged into)."""

    def show(vocabulary: Vocabulary) -> None:
        merged = vocabulary.merged_into(term_id)
        if merged:
            err.print(f"{term_id} was merged into {merged}", highlight=False)
        _print_json(vocabulary.get(merged or term_id))

    _run(db, show, create=False)


@vocab_app.command("remove")
def vocab_remove(
    term_id: Annotated[str, typer.Argument(help="The entry's id (nwv:…).")],
    db: DbOption = DB_DEFAULT,
) -> None:
    """Remove an entry (a shipped one stays removed)."""

    def remove(vocabulary: Vocabulary) -> None:
        vocabulary.remove(term_id)
        err.print(f"{term_id} removed", highlight=False)

    _run(db, remove)


@vocab_app.command("merge")
def vocab_merge(
    source: Annotated[str, typer.Argument(help="The entry that goes (nwv:…).")],
    target: Annotated[str, typer.Argument(help="The entry that stays and takes its names.")],
    db: DbOption = DB_DEFAULT,
) -> None:
    """Merge SOURCE into TARGET: SOURCE's names become TARGET's variants, SOURCE is
    removed and remembered as merged into TARGET. A product naming SOURCE names TARGET
    too."""

    from newswire.enrich.pipeline import follow_merge

    def merge(store: Store) -> None:
        Vocabulary(store).merge(source, target)
        err.print(f"{source} merged into {target}", highlight=False)
        for name in follow_merge(store, source, target):
            err.print(f"product {name} names {target} too", highlight=False)

    with_store(db, merge)

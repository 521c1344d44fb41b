"""Access commands: ``newswire product``, ``newswire subscriber``, ``newswire key``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar, cast

import msgspec
import typer

from newswire.access.keys import ApiKey, check_name, check_scope, new_key
from newswire.access.products import Product, parse_urgency, validate_product
from newswire.access.subscribers import DEFAULT_RATE_LIMIT, Subscriber, check_subscriber
from newswire.cli.common import DB_DEFAULT, DbOption, err, fail, print_rows, when, with_store
from newswire.errors import NewswireError
from newswire.store import Store

if TYPE_CHECKING:
    from newswire.access.entitlement import Access

product_app = typer.Typer(
    help="Products: named filters over items, with an access level.", no_args_is_help=True
)
subscriber_app = typer.Typer(
    help="Subscribers and the products they receive.", no_args_is_help=True
)
key_app = typer.Typer(help="API keys: shown once, stored hashed, revocable.", no_args_is_help=True)

Many = Annotated[list[str] | None, typer.Option()]
_json = msgspec.json.Encoder()


def _print_json(value: object) -> None:
    sys.stdout.buffer.write(msgspec.json.format(_json.encode(value), indent=2) + b"\n")

T = TypeVar("T")


def _checked(build: Callable[[], T]) -> T:
    try:
        return build()
    except NewswireError as exc:
        raise fail(str(exc), 2) from None


# --- products ---------------------------------------------------------------------------


Urgency = Annotated[str, typer.Option(help="MIN-MAX, 1 (flash) to 9.")]
Languages = Annotated[
    list[str] | None, typer.Option("--lang", help="Languages (ar matches ar-EG).")
]
Subjects = Annotated[list[str] | None, typer.Option(help="IPTC Media Topics, with descendants.")]
Entities = Annotated[
    list[str] | None, typer.Option(help="People or organisations, by name or vocabulary id.")
]
Types = Annotated[
    list[str] | None,
    typer.Option("--type", help="Item types: text, picture, video, graphic, audio."),
]
EarlyEmbargo = Annotated[
    bool, typer.Option("--early-embargo", help="Deliver embargoed items early, marked.")
]


def _product(
    name: str,
    access: str,
    lang: list[str] | None,
    subject: list[str] | None,
    urgency: str,
    genre: list[str] | None,
    place: list[str] | None,
    entity: list[str] | None,
    source: list[str] | None,
    item_type: list[str] | None,
    early_embargo: bool,
) -> Product:
    """The product the options describe, checked (exit 2 naming the field)."""

    def build() -> Product:
        low, high = parse_urgency(urgency)
        return validate_product(
            Product(
                name=name,
                access=cast("Access", access),  # validate_product checks it
                languages=lang or [],
                subjects=subject or [],
                urgency_min=low,
                urgency_max=high,
                genres=genre or [],
                places=place or [],
                entities=entity or [],
                sources=source or [],
                types=item_type or [],
                early_embargo=early_embargo,
            )
        )

    return _checked(build)


@product_app.command("add")
def product_add(
    name: str,
    access: Annotated[str, typer.Option(help="full or teaser.")],
    lang: Languages = None,
    subject: Subjects = None,
    urgency: Urgency = "1-9",
    genre: Many = None,
    place: Many = None,
    entity: Entities = None,
    source: Many = None,
    item_type: Types = None,
    early_embargo: EarlyEmbargo = False,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Add a product."""
    product = _product(
        name, access, lang, subject, urgency, genre, place, entity, source, item_type,
        early_embargo,
    )

    notes: list[str] = []

    def add(store: Store) -> None:
        from newswire.enrich.pipeline import with_named_ids

        store.products.add(with_named_ids(store, product, notes))

    with_store(db, add)
    err.print(f"product {name} added", highlight=False)
    for note in notes:
        err.print(f"note: {note}", highlight=False)


@product_app.command("change")
def product_change(
    name: str,
    access: Annotated[str, typer.Option(help="full or teaser.")],
    lang: Languages = None,
    subject: Subjects = None,
    urgency: Urgency = "1-9",
    genre: Many = None,
    place: Many = None,
    entity: Entities = None,
    source: Many = None,
    item_type: Types = None,
    early_embargo: EarlyEmbargo = False,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Give a product a new definition, whole, as to add it: its subscribers' keys receive
    by it from their next request (an open stream ends, to be resumed under it)."""
    product = _product(
        name, access, lang, subject, urgency, genre, place, entity, source, item_type,
        early_embargo,
    )

    notes: list[str] = []

    def change(store: Store) -> None:
        from newswire.enrich.pipeline import with_named_ids

        store.products.replace(with_named_ids(store, product, notes))

    with_store(db, change, create=False)
    err.print(f"product {name} changed", highlight=False)
    for note in notes:
        err.print(f"note: {note}", highlight=False)


@product_app.command("list")
def product_list(db: DbOption = DB_DEFAULT) -> None:
    """Every product, with every filter it has (a product with none takes every item)."""

    def run(store: Store) -> None:
        # The filters beyond the first columns' as one last column (``places=Gaza,…;
        # entities=…``): a script reading the piped columns by position reads what it
        # read before, and the table still fits a terminal.
        print_rows(
            ("name", "access", "languages", "subjects", "urgency", "early embargo", "filters"),
            [
                (
                    p.name,
                    p.access,
                    ",".join(p.languages),
                    ",".join(p.subjects),
                    f"{p.urgency_min}-{p.urgency_max}",
                    "yes" if p.early_embargo else "no",
                    _filters(p),
                )
                for p in store.products.list()
            ],
            fold=(6,),
        )

    with_store(db, run, create=False)


def _filters(product: Product) -> str:
    """The filters of ``product`` that ``product list`` has no column of, as
    ``places=Gaza,https://sws.geonames.org/281133/; entities=حماس,nwv:hamas``: each as
    stored, a name with the id it was found to name beside it (``product show`` gives
    them as JSON)."""
    filters = {
        "genres": product.genres,
        "places": product.places,
        "entities": product.entities,
        "sources": product.sources,
        "types": product.types,
    }
    return "; ".join(f"{name}={','.join(values)}" for name, values in filters.items() if values)


@product_app.command("show")
def product_show(name: str, db: DbOption = DB_DEFAULT) -> None:
    """A product, as JSON."""
    with_store(db, lambda store: _print_json(store.products.get(name)), create=False)


@product_app.command("remove")
def product_remove(name: str, db: DbOption = DB_DEFAULT) -> None:
    """Remove a product no subscriber uses."""
    with_store(db, lambda store: store.products.remove(name), create=False)
    err.print(f"product {name} removed", highlight=False)


# --- subscribers ------------------------------------------------------------------------


@subscriber_app.command("add")
def subscriber_add(
    name: str,
    product: Annotated[list[str], typer.Option(help="A product it receives (repeat for more).")],
    fmt: Annotated[
        list[str] | None, typer.Option("--format", help="Formats it may use (default: all).")
    ] = None,
    rate_limit: Annotated[int, typer.Option(help="Requests a minute.")] = DEFAULT_RATE_LIMIT,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Add a subscriber receiving one or more products."""
    subscriber = _checked(
        lambda: check_subscriber(
            Subscriber(name=name, products=product, formats=fmt or [], rate_limit=rate_limit)
        )
    )
    with_store(db, lambda store: store.subscribers.add(subscriber))
    err.print(f"subscriber {name} added", highlight=False)


@subscriber_app.command("change")
def subscriber_change(
    name: str,
    product: Annotated[list[str], typer.Option(help="A product it receives (repeat for more).")],
    fmt: Annotated[
        list[str] | None, typer.Option("--format", help="Formats it may use (default: all).")
    ] = None,
    rate_limit: Annotated[int, typer.Option(help="Requests a minute.")] = DEFAULT_RATE_LIMIT,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Give a subscriber new products, formats and rate limit, as to add it (its status,
    keys and accounts stay): its keys receive by them from their next request (an open
    stream ends, to be resumed under them)."""
    subscriber = _checked(
        lambda: check_subscriber(
            Subscriber(name=name, products=product, formats=fmt or [], rate_limit=rate_limit)
        )
    )
    with_store(db, lambda store: store.subscribers.change(subscriber), create=False)
    err.print(f"subscriber {name} changed", highlight=False)


@subscriber_app.command("list")
def subscriber_list(db: DbOption = DB_DEFAULT) -> None:
    """Every subscriber."""

    def run(store: Store) -> None:
        print_rows(
            ("name", "status", "products", "formats", "rate limit"),
            [
                (
                    s.name,
                    s.status,
                    ",".join(s.products),
                    ",".join(s.formats) or "all",
                    str(s.rate_limit),
                )
                for s in store.subscribers.list()
            ],
        )

    with_store(db, run, create=False)


@subscriber_app.command("show")
def subscriber_show(name: str, db: DbOption = DB_DEFAULT) -> None:
    """A subscriber and its keys, as JSON."""

    def run(store: Store) -> None:
        subscriber = store.subscribers.get(name)
        _print_json(
            {
                **msgspec.to_builtins(subscriber),
                "keys": msgspec.to_builtins(store.keys.list(subscriber=name)),
            }
        )

    with_store(db, run, create=False)


def _set_status(name: str, status: str, db: str) -> None:
    with_store(db, lambda store: store.subscribers.set_status(name, status), create=False)
    err.print(f"subscriber {name} is {status}", highlight=False)


@subscriber_app.command("suspend")
def subscriber_suspend(name: str, db: DbOption = DB_DEFAULT) -> None:
    """Suspend a subscriber: its keys stop working until it is activated again."""
    _set_status(name, "suspended", db)


@subscriber_app.command("activate")
def subscriber_activate(name: str, db: DbOption = DB_DEFAULT) -> None:
    """Activate a suspended subscriber."""
    _set_status(name, "active", db)


@subscriber_app.command("remove")
def subscriber_remove(name: str, db: DbOption = DB_DEFAULT) -> None:
    """Remove a subscriber and revoke its keys."""
    revoked = []
    with_store(db, lambda store: revoked.append(store.subscribers.remove(name)), create=False)
    err.print(f"subscriber {name} removed, {revoked[0]} keys revoked", highlight=False)


# --- keys -------------------------------------------------------------------------------


@key_app.command("create")
def key_create(
    subscriber: Annotated[str, typer.Option(help="The subscriber a read key is for.")] = "",
    scope: Annotated[
        str, typer.Option(help="read, publish (editors) or admin (operators).")
    ] = "read",
    name: Annotated[str, typer.Option(help="What the key is for (a desk, a system).")] = "",
    db: DbOption = DB_DEFAULT,
) -> None:
    """Create a key; it is printed once, alone on the last line, and never again."""
    checked = _checked(lambda: check_scope(scope))
    if checked == "read" and not subscriber:
        raise fail("a read key is for a subscriber: give --subscriber NAME", 2)
    if scope != "read" and subscriber:
        raise fail(
            f"{'an' if scope == 'admin' else 'a'} {scope} key belongs to the agency, not to a"
            " subscriber: give --name instead of --subscriber",
            2,
        )
    if scope != "read" and not name.strip():
        raise fail(f"say what the {scope} key is for with --name (a desk, a system)", 2)
    if name:
        name = _checked(lambda: check_name(name))
    key, key_id, key_hash = new_key()
    record = ApiKey(id=key_id, scope=checked, name=name or subscriber, subscriber=subscriber)
    with_store(db, lambda store: store.keys.add(record, key_hash))
    err.print(f"{scope} key {key_id} created; it is shown only now:", highlight=False)
    sys.stdout.write(key + "\n")


@key_app.command("list")
def key_list(
    subscriber: Annotated[str | None, typer.Option(help="Only this subscriber's keys.")] = None,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Keys (never the secrets): id, scope, owner, created, last used, revoked."""

    def run(store: Store) -> None:
        if subscriber:
            store.subscribers.get(subscriber)  # a name not there is said, not an empty list
        print_rows(
            ("id", "scope", "name", "subscriber", "created", "last used", "revoked"),
            [
                (
                    k.id,
                    k.scope,
                    k.name,
                    k.subscriber,
                    when(k.created_at),
                    when(k.last_used_at),
                    when(k.revoked_at),
                )
                for k in store.keys.list(subscriber=subscriber)
            ],
        )

    with_store(db, run, create=False)


@key_app.command("revoke")
def key_revoke(
    key_id: Annotated[str, typer.Argument(metavar="ID")], db: DbOption = DB_DEFAULT
) -> None:
    """Revoke a key at once."""
    with_store(db, lambda store: store.keys.revoke(key_id), create=False)
    err.print(f"key {key_id} revoked", highlight=False)

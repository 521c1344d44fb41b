"""``newswire webhook``: subscribers' webhook endpoints and their deliveries.

The same checks as ``POST /v1/webhooks`` (``newswire.delivery.webhooks``). A running
server picks up what these commands change within its poll interval: a new endpoint, a
removed one, a delivery put back to pending.
"""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta
from typing import Annotated

import typer

from newswire.cli.common import DB_DEFAULT, DbOption, err, fail, print_rows, when, with_store
from newswire.errors import NewswireError
from newswire.settings import BY_NAME, flag_setting
from newswire.store import Store
from newswire.store.webhooks import STATUSES, Delivery, Webhook, now, stamp

webhook_app = typer.Typer(
    help="Webhooks: each entitled item POSTed to a subscriber's endpoint, signed.",
    no_args_is_help=True,
)


@webhook_app.command("add")
def webhook_add(
    subscriber: str,
    url: str,
    secret: Annotated[
        str | None,
        typer.Option(
            help="Signs each delivery (16+ characters); made up and shown once if left out."
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="ninjs, ninjs2, newsml, nitf or text.")
    ] = "ninjs",
    db: DbOption = DB_DEFAULT,
) -> None:
    """Register an endpoint for a subscriber: it receives what is published from now on.

    Prints the webhook's id; with no --secret, the secret made for it alone on the last
    line, once."""
    # Here, not at the top: the module brings httpx, which no other command needs.
    from newswire.delivery.webhooks import check_format, check_secret, check_url

    made = secret is None
    try:
        url = check_url(url, allow_private=flag_setting("webhook_allow_private"))
        secret = check_secret(secrets.token_urlsafe(32) if made else secret)
    except NewswireError as exc:
        raise fail(str(exc), 2) from None

    def run(store: Store) -> None:
        try:
            fmt_name = check_format(fmt, store.subscribers.get(subscriber))
        except NewswireError as exc:
            raise fail(str(exc), 2) from None
        webhook = store.webhooks.add(subscriber, url, secret, fmt_name)
        err.print(
            f"webhook {webhook.id} added: {fmt_name} for {subscriber} to {url}",
            highlight=False,
            markup=False,
        )
        sys.stdout.write(webhook.id + "\n")
        if made:
            err.print("its secret is shown only now:", highlight=False)
            sys.stdout.write(secret + "\n")

    with_store(db, run, create=False)


@webhook_app.command("list")
def webhook_list(
    subscriber: Annotated[str | None, typer.Option(help="Only this subscriber's.")] = None,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Endpoints (never their secrets): id, subscriber, format, URL, created, cursor, and
    for one that is disabled (its receiver answered 410 Gone: ``webhook enable ID`` sends
    to it again) since when and why; both empty while it is active."""

    def run(store: Store) -> None:
        if subscriber:
            store.subscribers.get(subscriber)  # a name not there is said, not an empty list
        print_rows(
            ("id", "subscriber", "format", "url", "created", "cursor", "disabled", "why"),
            [
                (
                    w.id,
                    w.subscriber,
                    w.format,
                    w.url,
                    when(w.created_at),
                    str(w.cursor),
                    # Never empty when disabled, even for a row disabled by hand, without a time.
                    "" if w.active else when(w.disabled_at) or "yes",
                    "" if w.active else w.disabled_reason or "",
                )
                for w in store.webhooks.list(subscriber=subscriber)
            ],
            whole=(0,),
            fold=(1, 3, 7),
        )

    with_store(db, run, create=False)


@webhook_app.command("enable")
def webhook_enable(
    webhook_id: Annotated[str, typer.Argument(metavar="ID")], db: DbOption = DB_DEFAULT
) -> None:
    """Send to an endpoint again once it was disabled (its receiver answered 410 Gone): the
    delivery kept pending first, then everything published since, in order."""
    was: list[bool] = []

    def run(store: Store) -> None:
        was.append(store.webhooks.get(webhook_id).active)
        store.webhooks.enable(webhook_id)

    with_store(db, run, create=False)
    if was[0]:
        err.print(f"webhook {webhook_id} is active already", highlight=False)
        return
    err.print(
        f"webhook {webhook_id} enabled: what it has pending goes out first, then what was"
        " published since it was disabled (a running server within a second)",
        highlight=False,
    )


@webhook_app.command("remove")
def webhook_remove(
    webhook_id: Annotated[str, typer.Argument(metavar="ID")], db: DbOption = DB_DEFAULT
) -> None:
    """Remove an endpoint and its deliveries."""
    with_store(db, lambda store: store.webhooks.remove(webhook_id), create=False)
    err.print(f"webhook {webhook_id} removed", highlight=False)


@webhook_app.command("deliveries")
def webhook_deliveries(
    status: Annotated[
        str | None,
        typer.Option(
            help="pending, delivered, failed (dead letters) or superseded (older than a"
            " version of the item the endpoint got: never sent)."
        ),
    ] = None,
    subscriber: Annotated[str | None, typer.Option(help="Only this subscriber's.")] = None,
    webhook: Annotated[str | None, typer.Option(help="Only this webhook's.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Deliveries, the most recent log entries first: status, attempts, the last error."""
    if status is not None and status not in STATUSES:
        raise fail(f"--status is one of {', '.join(STATUSES)}", 2)

    def run(store: Store) -> None:
        # A subscriber or webhook not there is said, as GET /v1/webhooks/deliveries says it
        # (404), not listed as one with no deliveries.
        if subscriber:
            store.subscribers.get(subscriber)
        if webhook:
            store.webhooks.get(webhook)
        found = store.webhooks.deliveries(
            subscriber=subscriber, webhook=webhook, status=status, limit=limit
        )
        print_rows(
            (
                "id",
                "webhook",
                "subscriber",
                "sequence",
                "item",
                "kind",
                "status",
                "attempts",
                "last status",
                "last error",
            ),
            [
                (
                    d.id,
                    d.webhook,
                    d.subscriber,
                    str(d.seq),
                    f"{d.item_id}@{d.version}",
                    d.kind,
                    d.status,
                    str(d.attempts),
                    "" if d.last_status is None else str(d.last_status),
                    d.last_error or "",
                )
                for d in found
            ],
            whole=(0,),
            cut=(4, 9),
        )

    with_store(db, run, create=False)


@webhook_app.command("redeliver")
def webhook_redeliver(
    delivery_id: Annotated[str, typer.Argument(metavar="DELIVERY_ID")], db: DbOption = DB_DEFAULT
) -> None:
    """Send a delivery again (a dead letter, or one its receiver lost)."""
    again: list[Delivery] = []
    endpoint: list[Webhook] = []

    def redeliver(store: Store) -> None:
        again.append(store.webhooks.redeliver(delivery_id))
        endpoint.append(store.webhooks.get(again[0].webhook))

    with_store(db, redeliver, create=False)
    if again and again[0].status == "superseded":
        err.print(
            f"delivery {delivery_id} is superseded: the endpoint got a later version of"
            f" {again[0].item_id} since, which it would overwrite; not sent",
            highlight=False,
        )
        return
    err.print(f"delivery {delivery_id} is pending again", highlight=False)
    if endpoint and not endpoint[0].active:  # it waits: say so, and how to send it
        hook = endpoint[0]
        why = hook.disabled_reason or "its receiver said it is gone"
        err.print(
            f"its endpoint {hook.id} is disabled ({why}): it goes out once"
            f" `newswire webhook enable {hook.id}`",
            highlight=False,
        )


@webhook_app.command("purge")
def webhook_purge(
    days: Annotated[
        int,
        typer.Option(
            "--days",
            min=1,
            envvar=BY_NAME["webhook_keep_days"].env,
            help="Keep the deliveries finished less than this many days ago.",
        ),
    ] = int(BY_NAME["webhook_keep_days"].default),
    db: DbOption = DB_DEFAULT,
) -> None:
    """Remove the deliveries delivered or given up (dead letters) more than --days days
    ago, as a running server does every hour; pending ones are never removed. Prints how
    many were removed."""
    before = now() - timedelta(days=days)
    removed: list[int] = []
    with_store(db, lambda store: removed.append(store.webhooks.purge(before)), create=False)
    err.print(
        f"removed {removed[0]} webhook deliveries finished before {stamp(before)}"
        f" (more than {days} days ago); pending ones and later ones are kept",
        highlight=False,
    )
